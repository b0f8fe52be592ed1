// Hardware task switching through 32-bit TSSs: JMP/CALL to a TSS or task gate, interrupts and
// exceptions through task gates, and IRET with EFLAGS.NT=1 (SDM Vol. 3A §7.3, §7.4).
// 16-bit TSSs are not supported as switch targets (#TS). I/O permission bitmaps, the SS0:ESP0 pairs
// and the LDT come from whichever TSS is current, as elsewhere in the core.

import {
  STATE_BASE, STATE_CR0, STATE_CR3, SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR,
  REG_EAX, CR0_TS, CR0_PG, EFLAGS_NT, EXC_GP, EXC_NP, EXC_TS, EXC_SS, ATTR_P,
} from "../layout";
import {
  fault, raise, excVector, segSel, segBase, segLimit, setSegCache, reg32, setReg32, eip, setCpl, refreshSegCaches, cr0,
} from "../state";
import { getEflags, setEflags } from "../flags";
import { flagsChanged } from "../cpu";
import { rdSys32, wrSys32, rdSys16, flushAll, updatePrivilege, invalidateCode } from "./memory";
import { readDescriptor, descLo, descHi, descAttr, descBase, descLimit, descAddr, loadSegment } from "./segment";

export const TASK_JMP = 0;
export const TASK_CALL = 1; // also interrupts and exceptions through task gates
export const TASK_IRET = 2;

/**
 * Switch to the task whose TSS selector is `sel`, saving the current task with `retEip` as its
 * EIP. Returns false after raising on a failed check (before any state changed), true otherwise
 * (a fault while loading the new task's segments is raised in the new task's context).
 */
export function taskSwitch(sel: u32, kind: i32, retEip: u32): bool {
  if ((sel & 4) != 0 || (sel & ~3) == 0) { raise(EXC_GP, <i32>(sel & ~3)); return false; }
  if (!readDescriptor(sel)) { if (!fault) raise(EXC_GP, <i32>(sel & ~3)); return false; }
  const attr = descAttr(descHi);
  const type = attr & 0x1f;
  const busy = type == 0x0b;
  if (kind == TASK_IRET ? !busy : type != 0x09) {
    raise(busy || type == 0x0b ? EXC_GP : EXC_TS, <i32>(sel & ~3));
    return false;
  }
  if ((attr & ATTR_P) == 0) { raise(EXC_NP, <i32>(sel & ~3)); return false; }
  const newLo = descLo;
  const newHi = descHi;
  const newDescAddr = descAddr;
  const newBase = descBase(newLo, newHi);
  if (descLimit(newLo, newHi) < 0x67) { raise(EXC_TS, <i32>(sel & ~3)); return false; }

  // Read the whole new TSS first (faults here leave the old task intact).
  const img = changetype<usize>(memory.data(26 * 4));
  for (let i = 0; i < 26; i++) store<u32>(img + (i << 2), rdSys32(newBase + (<u32>i << 2)));
  if (fault) return false;

  // Save the outgoing task into its TSS (EIP, EFLAGS, general and segment registers).
  const oldSel = segSel(SEG_TR);
  const oldBase = segBase(SEG_TR);
  let flags = getEflags();
  if (kind == TASK_IRET) flags &= ~EFLAGS_NT;
  wrSys32(oldBase + 32, retEip);
  wrSys32(oldBase + 36, flags);
  for (let r = 0; r < 8; r++) wrSys32(oldBase + 40 + (<u32>r << 2), reg32(r));
  for (let s = 0; s < 6; s++) wrSys32(oldBase + 72 + (<u32>s << 2), segSel(s));
  if (fault) return false;
  if (kind != TASK_CALL && (oldSel & ~3) != 0 && readDescriptor(oldSel)) {
    wrSys32(descAddr + 4, descHi & ~<u32>0x200); // the old task is no longer busy
  }
  if (kind == TASK_CALL) wrSys32(newBase, oldSel); // back link
  if (kind != TASK_IRET) wrSys32(newDescAddr + 4, newHi | 0x200); // the new task is busy
  if (fault) return false;

  // Load the new task: TR, CR3, EFLAGS, EIP, general registers, LDTR, then segments.
  setSegCache(SEG_TR, sel, newBase, descLimit(newLo, newHi), descAttr(newHi | 0x200));
  if ((cr0() & CR0_PG) != 0) store<u32>(STATE_BASE + STATE_CR3, load<u32>(img + 28));
  flushAll();
  let nflags = load<u32>(img + 36);
  if (kind == TASK_CALL) nflags |= EFLAGS_NT;
  setEflags(nflags);
  flagsChanged(); // IF may now be set: look for a pending interrupt
  eip = load<u32>(img + 32);
  for (let r = 0; r < 8; r++) setReg32(REG_EAX + r, load<u32>(img + 40 + (r << 2)));
  store<u32>(STATE_BASE + STATE_CR0, cr0() | CR0_TS);

  const ldt = load<u32>(img + 96) & 0xffff;
  if ((ldt & ~3) == 0) setSegCache(SEG_LDTR, ldt, 0, 0, 0);
  else {
    if ((ldt & 4) != 0 || !readDescriptor(ldt) || (descAttr(descHi) & 0x1f) != 0x02) { raise(EXC_TS, <i32>(ldt & ~3)); return true; }
    setSegCache(SEG_LDTR, ldt, descBase(descLo, descHi), descLimit(descLo, descHi), descAttr(descHi));
  }
  // CS decides the new CPL; then SS and the data segments load with the ordinary checks.
  const cs = load<u32>(img + 76) & 0xffff;
  if ((cs & ~3) == 0 || !readDescriptor(cs) || (descAttr(descHi) & 0x18) != 0x18) { raise(EXC_TS, <i32>(cs & ~3)); return true; }
  if ((descAttr(descHi) & ATTR_P) == 0) { raise(EXC_NP, <i32>(cs & ~3)); return true; }
  setSegCache(SEG_CS, cs, descBase(descLo, descHi), descLimit(descLo, descHi), descAttr(descHi));
  setCpl(<i32>(cs & 3));
  updatePrivilege();
  refreshSegCaches();
  invalidateCode();
  if (!loadTaskSegment(img, SEG_SS)) return true;
  if (!loadTaskSegment(img, SEG_ES)) return true;
  if (!loadTaskSegment(img, SEG_DS)) return true;
  if (!loadTaskSegment(img, SEG_FS)) return true;
  loadTaskSegment(img, SEG_GS);
  return true;
}

// A fault loading the new task's segments is #TS (selector) in the new task (SDM §7.3, step 14).
function loadTaskSegment(img: usize, s: i32): bool {
  const v = load<u32>(img + 72 + (s << 2)) & 0xffff;
  if (loadSegment(s, v)) return true;
  if (excVector == EXC_GP || excVector == EXC_SS) excVector = EXC_TS;
  return false;
}

/** IRET with NT=1: return to the task in the current TSS's back link. */
export function taskReturn(): bool {
  const link = rdSys16(segBase(SEG_TR));
  if (fault) return false;
  return taskSwitch(link, TASK_IRET, eip);
}
