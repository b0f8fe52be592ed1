// Interrupt and exception delivery through the IDT, the double fault and shutdown (triple
// fault), and IRET (SDM Vol. 3A chapter 6: §6.12 "Exception and interrupt handling", §6.15
// "Exception and interrupt reference" for #DF conditions; Vol. 2 "INT n/INTO/INT3/INT1", "IRET").
// Interrupt, trap (16/32-bit) and task gates are supported (task switches: mmu/task.ts). No V86 mode.

import {
  STATE_BASE, STATE_IDTR_BASE, STATE_IDTR_LIMIT, STATE_EXC_BITMAP, STATE_EXIT_VECTOR, STATE_EXIT_ERROR,
  STATE_EXIT_EIP, STATE_DR, EXC_DB, STATE_STAT_EXCEPTIONS, STATE_STAT_INTERRUPTS, EXIT_TRIPLE_FAULT, EXIT_EXCEPTION,
  SEG_CS, SEG_SS, REG_ESP, ATTR_DB, EXC_DF, EXC_GP, EXC_NP, EXC_PF, EXC_TS, EXC_SS, EXC_DE,
  EFLAGS_TF, EFLAGS_NT, EFLAGS_RF, EFLAGS_VM, EFLAGS_IF, EFLAGS_IOPL, EFLAGS_IOPL_SHIFT, EFLAGS_FIXED,
} from "./layout";
import {
  fault, excVector, excError, raise, eip, insnEip, cpl, segSel, segBase, segAttr, stack32, reg32,
  setReg32, reg16, setReg16, requestExit, setCpl, refreshSegCaches,
} from "./state";
import { getEflags, setEflags } from "./flags";
import { rdSys32, rdSys16, probeStack, pushAt, rd16, rd32, updatePrivilege } from "./mmu/memory";
import {
  readDescriptor, descLo, descHi, descAddr, descAttr, descLimit, attrDpl, innerStack, newSs, newEsp,
  loadCsFromDescriptor, loadSsFromDescriptor, protectedMode, nullInaccessibleSegments, setDesc, realJump,
} from "./mmu/segment";
import { writeFlagsImage } from "./exec/stack";
import { flagsChanged } from "./cpu";
import { taskSwitch, taskReturn, TASK_CALL } from "./mmu/task";

export const INT_SOFT = 0; //       INT n: gate DPL checked
export const INT_BREAKPOINT = 1; // INT3: gate DPL checked
export const INT_OVERFLOW = 2; //   INTO: gate DPL checked
export const INT_ICEBP = 3; //      INT1: delivered like a hardware #DB
export const INT_EXTERNAL = 4; //   from the PIC
export const INT_EXCEPTION = 5; //  raised by the processor

let ext: u32 = 0; // EXT bit for error codes raised while delivering

@inline function isContributory(v: i32): bool { return v == EXC_DE || (v >= EXC_TS && v <= EXC_GP); }

function bumpStat(off: i32): void { store<u32>(STATE_BASE + off, load<u32>(STATE_BASE + off) + 1); }

/**
 * Deliver the exception recorded by raise() for the current instruction: EIP goes back to the
 * instruction (faults); a fault during delivery becomes #DF or a shutdown as §6.15 says.
 */
export function deliverPending(): void {
  let vec = excVector;
  let err = excError;
  fault = false;
  eip = insnEip;
  let kind = INT_EXCEPTION;
  for (let attempt = 0; attempt < 3; attempt++) {
    const bitmap = load<u32>(STATE_BASE + STATE_EXC_BITMAP);
    if (vec < 32 && (bitmap & (1 << vec)) != 0) {
      store<u32>(STATE_BASE + STATE_EXIT_VECTOR, <u32>vec);
      store<i32>(STATE_BASE + STATE_EXIT_ERROR, err);
      store<u32>(STATE_BASE + STATE_EXIT_EIP, eip);
      requestExit(EXIT_EXCEPTION);
      return;
    }
    bumpStat(STATE_STAT_EXCEPTIONS);
    deliver(vec, err, kind, eip);
    if (!fault) return;
    const second = excVector;
    const err2 = excError;
    fault = false;
    if (vec == EXC_DF) break;
    if ((isContributory(vec) && isContributory(second)) || (vec == EXC_PF && (second == EXC_PF || isContributory(second)))) {
      vec = EXC_DF;
      err = 0;
    } else {
      vec = second;
      err = err2;
    }
  }
  // shutdown
  store<u32>(STATE_BASE + STATE_EXIT_VECTOR, <u32>vec);
  store<i32>(STATE_BASE + STATE_EXIT_ERROR, err);
  store<u32>(STATE_BASE + STATE_EXIT_EIP, eip);
  requestExit(EXIT_TRIPLE_FAULT);
}

/** Set when the current instruction delivered a software interrupt (no single-step trap after it). */
export let softIntDelivered: bool = false;

/** INT n / INT3 / INTO / INT1: delivered with EIP after the instruction. */
export function softwareInterrupt(vec: i32, kind: i32): void {
  bumpStat(STATE_STAT_EXCEPTIONS);
  softIntDelivered = true;
  deliver(vec, -1, kind, eip);
}

/**
 * The single-step trap (#DB, SDM Vol. 3A §17.3.1.4) after an instruction that began with TF=1:
 * DR6.BS is set and EIP is the next instruction.
 */
export function deliverSingleStep(): void {
  const dr6 = STATE_BASE + STATE_DR + 6 * 4;
  store<u32>(dr6, load<u32>(dr6) | 0x4000);
  if ((load<u32>(STATE_BASE + STATE_EXC_BITMAP) & (1 << EXC_DB)) != 0) {
    // guest mode: the trap exits like any exception in the bitmap, EIP past the instruction
    store<u32>(STATE_BASE + STATE_EXIT_VECTOR, EXC_DB);
    store<i32>(STATE_BASE + STATE_EXIT_ERROR, -1);
    store<u32>(STATE_BASE + STATE_EXIT_EIP, eip);
    requestExit(EXIT_EXCEPTION);
    return;
  }
  bumpStat(STATE_STAT_EXCEPTIONS);
  insnEip = eip;
  deliver(EXC_DB, -1, INT_EXCEPTION, eip);
  if (fault) deliverPending();
}

/** An external interrupt at an instruction boundary (EIP is the next instruction). */
export function deliverExternal(vec: i32): void {
  bumpStat(STATE_STAT_INTERRUPTS);
  insnEip = eip;
  deliver(vec & 0xff, -1, INT_EXTERNAL, eip);
}

function deliver(vec: i32, err: i32, kind: i32, retEip: u32): void {
  ext = (kind == INT_EXTERNAL || kind == INT_EXCEPTION || kind == INT_ICEBP) ? 1 : 0;
  if (!protectedMode()) { deliverReal(vec, retEip); return; }
  const idtErr = <i32>((<u32>vec << 3) | 2 | ext);
  const idtBase = load<u32>(STATE_BASE + STATE_IDTR_BASE);
  const idtLimit = load<u32>(STATE_BASE + STATE_IDTR_LIMIT);
  if ((<u32>vec << 3) + 7 > idtLimit) { raise(EXC_GP, idtErr); return; }
  const lo = rdSys32(idtBase + (<u32>vec << 3));
  const hi = rdSys32(idtBase + (<u32>vec << 3) + 4);
  if (fault) return;
  const gattr = descAttr(hi);
  const type = gattr & 0x1f; // S bit and type
  if (type != 0x5 && type != 0x6 && type != 0x7 && type != 0xe && type != 0xf) { raise(EXC_GP, idtErr); return; }
  if (kind <= INT_OVERFLOW && attrDpl(gattr) < cpl) { raise(EXC_GP, <i32>((<u32>vec << 3) | 2)); return; }
  if ((gattr & 0x80) == 0) { raise(EXC_NP, idtErr); return; }
  if (type == 0x5) {
    // task gate: switch tasks; an error code goes on the new task's stack (SDM §6.12.2)
    if (!taskSwitch(lo >>> 16, TASK_CALL, retEip) || fault) return;
    if (err >= 0) {
      const sp = pushAt(segBase(SEG_SS), reg32(REG_ESP), true, <u32>err, 4, cpl == 3);
      if (!fault) setReg32(REG_ESP, sp);
    }
    return;
  }
  const gate32 = (type & 0x8) != 0;
  const trapGate = (type & 1) != 0;
  const sel = lo >>> 16;
  const off = gate32 ? (lo & 0xffff) | (hi & 0xffff0000) : lo & 0xffff;
  if ((sel & ~3) == 0) { raise(EXC_GP, <i32>ext); return; }
  if (!readDescriptor(sel)) { if (!fault) raise(EXC_GP, <i32>((sel & ~3) | ext)); return; }
  const cattr = descAttr(descHi);
  const dpl = attrDpl(cattr);
  if ((cattr & 0x18) != 0x18 || dpl > cpl) { raise(EXC_GP, <i32>((sel & ~3) | ext)); return; }
  if ((cattr & 0x80) == 0) { raise(EXC_NP, <i32>((sel & ~3) | ext)); return; }
  if (off > descLimit(descLo, descHi)) { raise(EXC_GP, <i32>ext); return; }
  const codeLo = descLo;
  const codeHi = descHi;
  const codeAt = descAddr;
  const size: u32 = gate32 ? 4 : 2;
  const flags = getEflags();
  const oldCs = segSel(SEG_CS);
  const hasErr = err >= 0;
  const conformingCode = (cattr & 0x04) != 0;
  if (!conformingCode && dpl < cpl) {
    // inter-privilege: stack from the TSS (§6.12.1)
    if (!innerStack(dpl)) return;
    const nsLo = descLo;
    const nsHi = descHi;
    const nsAt = descAddr;
    const ssSel = newSs;
    const nsBase = (nsLo >>> 16) | ((nsHi & 0xff) << 16) | (nsHi & 0xff000000);
    const ns32 = (descAttr(nsHi) & ATTR_DB) != 0;
    const user = dpl == 3;
    const n: u32 = hasErr ? 6 : 5;
    let sp = newEsp;
    const low = ns32 ? sp - size * n : (sp - size * n) & 0xffff;
    if (!probeStack(nsBase + low, size * n, size, user)) return;
    const oldSs = segSel(SEG_SS);
    const oldEsp = reg32(REG_ESP);
    sp = pushAt(nsBase, sp, ns32, oldSs, <i32>size, user);
    sp = pushAt(nsBase, sp, ns32, oldEsp, <i32>size, user);
    sp = pushAt(nsBase, sp, ns32, flags, <i32>size, user);
    sp = pushAt(nsBase, sp, ns32, oldCs, <i32>size, user);
    sp = pushAt(nsBase, sp, ns32, retEip, <i32>size, user);
    if (hasErr) sp = pushAt(nsBase, sp, ns32, <u32>err, <i32>size, user);
    if (fault) return;
    setDesc(nsLo, nsHi, nsAt);
    loadSsFromDescriptor(ssSel);
    setDesc(codeLo, codeHi, codeAt);
    loadCsFromDescriptor(sel, off, dpl);
    if (ns32) setReg32(REG_ESP, sp); else setReg16(REG_ESP, sp);
  } else {
    const user = cpl == 3;
    const ssBase = segBase(SEG_SS);
    let sp = stack32 ? reg32(REG_ESP) : reg16(REG_ESP);
    const n: u32 = hasErr ? 4 : 3;
    const low = stack32 ? sp - size * n : (sp - size * n) & 0xffff;
    if (!probeStack(ssBase + low, size * n, size, user)) return;
    sp = pushAt(ssBase, sp, stack32, flags, <i32>size, user);
    sp = pushAt(ssBase, sp, stack32, oldCs, <i32>size, user);
    sp = pushAt(ssBase, sp, stack32, retEip, <i32>size, user);
    if (hasErr) sp = pushAt(ssBase, sp, stack32, <u32>err, <i32>size, user);
    if (fault) return;
    setDesc(codeLo, codeHi, codeAt);
    loadCsFromDescriptor(sel, off, cpl);
    if (stack32) setReg32(REG_ESP, sp); else setReg16(REG_ESP, sp);
  }
  let nf = flags & ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM);
  if (!trapGate) nf &= ~EFLAGS_IF;
  setEflags(nf);
}


/** Real-address mode delivery through the IVT at IDTR.base (SDM Vol. 3A §20.1.4). */
function deliverReal(vec: i32, retEip: u32): void {
  const base = load<u32>(STATE_BASE + STATE_IDTR_BASE);
  const ent = rdSys32(base + (<u32>vec << 2));
  if (fault) return;
  const ssBase = segBase(SEG_SS);
  let sp = reg16(REG_ESP);
  const flags = getEflags();
  sp = pushAt(ssBase, sp, false, flags, 2, false);
  sp = pushAt(ssBase, sp, false, segSel(SEG_CS), 2, false);
  sp = pushAt(ssBase, sp, false, retEip, 2, false);
  if (fault) return;
  setReg16(REG_ESP, sp);
  setEflags(flags & ~(EFLAGS_IF | EFLAGS_TF));
  realJump(ent >>> 16, ent & 0xffff);
}

/** IRET/IRETD (protected mode; NT=1 returns to the back-linked task; returns to V86 are not supported). */
export function iret(size: i32): void {
  const ssBase = segBase(SEG_SS);
  const sp = stack32 ? reg32(REG_ESP) : reg16(REG_ESP);
  const s = <u32>size;
  const a0 = ssBase + (stack32 ? sp : sp & 0xffff);
  const a1 = ssBase + (stack32 ? sp + s : (sp + s) & 0xffff);
  const a2 = ssBase + (stack32 ? sp + 2 * s : (sp + 2 * s) & 0xffff);
  const newEip = size == 4 ? rd32(a0) : rd16(a0);
  const newCs = rd16(a1);
  const newFlags = size == 4 ? rd32(a2) : rd16(a2);
  if (fault) return;
  const after = stack32 ? sp + 3 * s : (sp + 3 * s) & 0xffff;
  if (!protectedMode()) {
    if (stack32) setReg32(REG_ESP, after); else setReg16(REG_ESP, after);
    realJump(newCs, newEip);
    writeFlagsImage(newFlags, size);
    flagsChanged();
    return;
  }
  if ((getEflags() & EFLAGS_NT) != 0) { taskReturn(); flagsChanged(); return; } // return to the back-linked task
  if (size == 4 && (newFlags & EFLAGS_VM) != 0 && cpl == 0) { raise(EXC_GP, 0); return; } // V86: not supported
  if ((newCs & ~3) == 0) { raise(EXC_GP, 0); return; }
  const rpl = <i32>(newCs & 3);
  if (rpl < cpl) { raise(EXC_GP, <i32>(newCs & ~3)); return; }
  if (!readDescriptor(newCs)) { if (!fault) raise(EXC_GP, <i32>(newCs & ~3)); return; }
  const attr = descAttr(descHi);
  const dpl = attrDpl(attr);
  if ((attr & 0x18) != 0x18 || ((attr & 4) != 0 ? dpl > rpl : dpl != rpl)) { raise(EXC_GP, <i32>(newCs & ~3)); return; }
  if ((attr & 0x80) == 0) { raise(EXC_NP, <i32>(newCs & ~3)); return; }
  const eipMasked = size == 4 ? newEip : newEip & 0xffff;
  if (eipMasked > descLimit(descLo, descHi)) { raise(EXC_GP, 0); return; }
  if (rpl == cpl) {
    if (stack32) setReg32(REG_ESP, after); else setReg16(REG_ESP, after);
    writeFlagsImage(newFlags, size);
    loadCsFromDescriptor(newCs, eipMasked, cpl);
    flagsChanged();
    return;
  }
  // return to an outer level: ESP and SS follow on the stack
  const codeLo = descLo;
  const codeHi = descHi;
  const codeAt = descAddr;
  const a3 = ssBase + (stack32 ? sp + 3 * s : (sp + 3 * s) & 0xffff);
  const a4 = ssBase + (stack32 ? sp + 4 * s : (sp + 4 * s) & 0xffff);
  const outerEsp = size == 4 ? rd32(a3) : rd16(a3);
  const outerSs = rd16(a4);
  if (fault) return;
  if ((outerSs & ~3) == 0) { raise(EXC_GP, 0); return; }
  if (!readDescriptor(outerSs)) { if (!fault) raise(EXC_GP, <i32>(outerSs & ~3)); return; }
  const sattr = descAttr(descHi);
  if (<i32>(outerSs & 3) != rpl || attrDpl(sattr) != rpl || (sattr & 0x1a) != 0x12) { raise(EXC_GP, <i32>(outerSs & ~3)); return; }
  if ((sattr & 0x80) == 0) { raise(EXC_SS, <i32>(outerSs & ~3)); return; }
  writeFlagsImage(newFlags, size); // with the privilege of the handler (before the return)
  loadSsFromDescriptor(outerSs);
  setDesc(codeLo, codeHi, codeAt);
  loadCsFromDescriptor(newCs, eipMasked, rpl);
  if ((segAttr(SEG_SS) & ATTR_DB) != 0) setReg32(REG_ESP, outerEsp); else setReg16(REG_ESP, outerEsp & 0xffff);
  nullInaccessibleSegments();
  flagsChanged();
}
