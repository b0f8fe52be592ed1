// Port I/O as exits to the host (docs/core-api.md), with the protected-mode permission check:
// at CPL > IOPL every port of the access must be clear in the TSS I/O permission bitmap
// (SDM Vol. 1 §19.5), otherwise #GP(0).

import {
  STATE_BASE, STATE_EXIT_PORT, STATE_EXIT_SIZE, STATE_EXIT_DIR, STATE_EXIT_DATA, STATE_IO_READY,
  STATE_EXIT_EIP, EXIT_IO, IO_IN, IO_OUT, EFLAGS_IOPL, EFLAGS_IOPL_SHIFT, EXC_GP, SEG_TR, ATTR_TYPE_MASK,
} from "../layout";
import { cpl, raise, requestExit, insnEip, eip, segBase, segLimit, segAttr, segSel, runBudget, notRetired, fault } from "../state";
import { flagsRaw } from "../flags";
import { rdSys16, rdSys8 } from "../mmu/memory";

/** True if the current privilege may access `size` ports from `port`; raises #GP(0) if not. */
export function ioPermitted(port: u32, size: i32): bool {
  const iopl = <i32>((flagsRaw() & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT);
  if (cpl <= iopl) return true;
  // A 32-bit TSS (type 9 or 11) with a limit reaching the bitmap is required.
  const type = segAttr(SEG_TR) & ATTR_TYPE_MASK;
  if ((segSel(SEG_TR) & ~3) == 0 || (type != 9 && type != 11) || segLimit(SEG_TR) < 103) {
    raise(EXC_GP, 0);
    return false;
  }
  const base = segBase(SEG_TR);
  const mapOff = rdSys16(base + 102);
  if (fault) return false;
  const last = port + <u32>size - 1;
  for (let p = port; p <= last; p++) {
    const byteOff = mapOff + (p >> 3);
    if (byteOff > segLimit(SEG_TR)) { raise(EXC_GP, 0); return false; }
    const bits = rdSys8(base + byteOff);
    if (fault) return false;
    if ((bits & (1 << (p & 7))) != 0) { raise(EXC_GP, 0); return false; }
  }
  return true;
}

/** The value of a completed IN (valid when portIn returned true). */
export let ioValue: u32 = 0;

/**
 * IN: true with `ioValue` set if the host has answered this access; otherwise arranges an
 * EXIT_IO with the instruction not retired and returns false.
 */
export function portIn(port: u32, size: i32): bool {
  const ready = load<u32>(STATE_BASE + STATE_IO_READY);
  if (ready != 0) {
    store<u32>(STATE_BASE + STATE_IO_READY, 0);
    if (load<u32>(STATE_BASE + STATE_EXIT_PORT) == port && load<u32>(STATE_BASE + STATE_EXIT_SIZE) == <u32>size
      && load<u32>(STATE_BASE + STATE_EXIT_DIR) == IO_IN) {
      const d = load<u32>(STATE_BASE + STATE_EXIT_DATA);
      ioValue = size == 4 ? d : (size == 2 ? d & 0xffff : d & 0xff);
      return true;
    }
  }
  if (!ioPermitted(port, size)) return false;
  store<u32>(STATE_BASE + STATE_EXIT_PORT, port);
  store<u32>(STATE_BASE + STATE_EXIT_SIZE, <u32>size);
  store<u32>(STATE_BASE + STATE_EXIT_DIR, IO_IN);
  store<u32>(STATE_BASE + STATE_EXIT_DATA, 0);
  store<u32>(STATE_BASE + STATE_EXIT_EIP, insnEip);
  requestExit(EXIT_IO);
  eip = insnEip; // not retired: it completes on the next run()
  runBudget--; // not retired
  notRetired = true;
  return false;
}

/** OUT: checks permission and arranges an EXIT_IO carrying the value; the instruction retires. */
export function portOut(port: u32, size: i32, value: u32): bool {
  if (!ioPermitted(port, size)) return false;
  store<u32>(STATE_BASE + STATE_EXIT_PORT, port);
  store<u32>(STATE_BASE + STATE_EXIT_SIZE, <u32>size);
  store<u32>(STATE_BASE + STATE_EXIT_DIR, IO_OUT);
  store<u32>(STATE_BASE + STATE_EXIT_DATA, value);
  store<u32>(STATE_BASE + STATE_EXIT_EIP, insnEip);
  requestExit(EXIT_IO);
  return true;
}
