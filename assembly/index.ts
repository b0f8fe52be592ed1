// The core's whole export surface (docs/core-api.md): init, run, sync and the layout getters.
// Everything else in assembly/ is internal.

import {
  STATE_BASE, STATE_SIZE, STATE_RAM_BASE, STATE_RAM_SIZE, STATE_INJECT, INJECT_NONE, STATE_CR0,
  STATE_EFLAGS, STATE_GDTR_LIMIT, STATE_IDTR_LIMIT, RAM_AREA_BASE, TLB_BASE, SEG_CS, SEG_SS, SEG_DS,
  SEG_ES, SEG_FS, SEG_GS, SEG_TR, CR0_PE, CR0_ET, EFLAGS_FIXED,
} from "./layout";
import { setSegCache, loadLive } from "./state";
import { tlbReset } from "./mmu/tlb";
import { updatePrivilege, flushAll } from "./mmu/memory";
import { run as cpuRun } from "./cpu";

let ramEverUsed: u32 = 0;

const ATTR_CODE32: u32 = 0xc09b; // G, D, P, DPL 0, code execute/read, accessed
const ATTR_DATA32: u32 = 0xc093; // G, B, P, DPL 0, data read/write, accessed

/**
 * Size the memory for `ramBytes` of guest RAM and reset the vCPU to the Multiboot entry state.
 * Returns 1 on success, 0 if the memory could not grow.
 */
export function init(ramBytes: u32): i32 {
  const needed = (<u64>RAM_AREA_BASE + <u64>ramBytes + 0xffff) >> 16;
  const have = <u64>memory.size();
  if (needed > have) {
    if (needed > 65536) return 0;
    if (memory.grow(<i32>(needed - have)) < 0) return 0;
  }
  // memory that was never handed out is still zero; only what a previous init used is cleared
  memory.fill(RAM_AREA_BASE, 0, min(ramBytes, ramEverUsed));
  ramEverUsed = max(ramEverUsed, ramBytes);
  memory.fill(STATE_BASE, 0, STATE_SIZE);
  store<u32>(STATE_BASE + STATE_RAM_BASE, RAM_AREA_BASE);
  store<u32>(STATE_BASE + STATE_RAM_SIZE, ramBytes & ~<u32>0xfff);
  store<i32>(STATE_BASE + STATE_INJECT, INJECT_NONE);
  store<u32>(STATE_BASE + STATE_CR0, CR0_PE | CR0_ET);
  store<u32>(STATE_BASE + STATE_EFLAGS, EFLAGS_FIXED);
  store<u32>(STATE_BASE + STATE_GDTR_LIMIT, 0xffff);
  store<u32>(STATE_BASE + STATE_IDTR_LIMIT, 0x3ff);
  setSegCache(SEG_CS, 0x08, 0, 0xffffffff, ATTR_CODE32);
  setSegCache(SEG_SS, 0x10, 0, 0xffffffff, ATTR_DATA32);
  setSegCache(SEG_DS, 0x10, 0, 0xffffffff, ATTR_DATA32);
  setSegCache(SEG_ES, 0x10, 0, 0xffffffff, ATTR_DATA32);
  setSegCache(SEG_FS, 0x10, 0, 0xffffffff, ATTR_DATA32);
  setSegCache(SEG_GS, 0x10, 0, 0xffffffff, ATTR_DATA32);
  setSegCache(SEG_TR, 0, 0, 0xffff, 0x8b);
  tlbReset();
  sync();
  return 1;
}

/** Execute up to `budget` instructions; returns the exit reason (EXIT_*). */
export function run(budget: u32): i32 {
  return cpuRun(budget);
}

/** Re-derive cached state after the host wrote the state block; flushes the TLB. */
export function sync(): void {
  loadLive();
  updatePrivilege();
  flushAll();
}

export function stateBase(): u32 { return STATE_BASE; }
export function ramAreaBase(): u32 { return RAM_AREA_BASE; }
export function tlbBase(): u32 { return TLB_BASE; }

/** AssemblyScript's abort hook: a core bug. Traps; the host reports it. */
function abortCore(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
