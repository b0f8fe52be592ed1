// The interpreter: run(budget) and the opcode dispatch.
//
// Each iteration decodes prefixes and one instruction and executes it through a dense switch
// on the opcode (one-byte map, then the 0F map: SDM Vol. 2 appendix A). Handlers fetch every
// operand byte and perform their memory accesses before committing registers; a fault sets
// state.fault and the loop delivers it (interrupt.ts) with EIP back at the instruction.

import {
  STATE_BASE, STATE_INSN_COUNT, STATE_INJECT, STATE_INTR_PENDING, STATE_INT_SHADOW, STATE_ACTIVITY,
  STATE_EXIT_REASON, STATE_EXIT_EIP, INJECT_NONE, ACTIVITY_RUNNING, ACTIVITY_HLT,
  EXIT_BUDGET, EXIT_HLT, EXIT_INTR_WINDOW, EXIT_TRIPLE_FAULT, EXIT_EXCEPTION, EXIT_IO, STATE_IO_READY,
  REG_EAX, REG_ECX, REG_EDX, REG_EBX, REG_ESP, REG_EBP, REG_ESI, REG_EDI,
  SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS,
  EFLAGS_CF, EFLAGS_IF, EFLAGS_DF, EFLAGS_TF, EFLAGS_AC, EFLAGS_IOPL, EFLAGS_IOPL_SHIFT,
  EFLAGS_SF, EFLAGS_ZF, EFLAGS_AF, EFLAGS_PF,
  EXC_UD, EXC_NM, EXC_GP, EXC_BR, EXC_DB, CR0_EM, CR0_TS, CR0_MP,
} from "./layout";
import {
  reg8, reg16, reg32, setReg8, setReg16, setReg32, segSel, segBase,
  eip, insnEip, cpl, fault, o32, a32, segOvr, rep, code32, stack32,
  remaining, runBudget, attention, notRetired, prefixed, lockPrefix, prefixCount, exitReason, requestExit, raise, loadLive, storeLive, cr0,
  checkSegRead, checkSegWrite, segCheck,
} from "./state";
import {
  fl, getEflags, setEflags, getCF, getZF, getSF, getOF, getAF, getPF, condition, lazyLogic,
  materialize, flagsRaw, setFlagsRaw, flagsToState, flagsFromState, setFlagBits,
} from "./flags";
import { decodeModrm, modrm, rmIsReg, eaLin, eaOff, eaSeg, eaEspBase, regField, rmField, setEaOff } from "./decode/modrm";
import { readE, writeE, rmwE, rmwEndE, readG, writeG, readReg, writeReg, readE32, eaLimit } from "./decode/operand";
import {
  fetch8, fetch16, fetch32, rd8, rd16, rd32, wr8, wr16, wr32, rmw32, rmwEnd32, updatePrivilege,
  probeWrite, invalidateCode,
} from "./mmu/memory";
import {
  alu, alu32, inc, dec, neg, decimalAdjust, asciiAdjust, aam, aad, salc, sizeMask, sizeSign,
  ALU_ADD, ALU_SUB, ALU_AND, ALU_CMP,
} from "./exec/alu";
import { shift, shiftDouble } from "./exec/shift";
import { mulAcc, imulTrunc, divAcc } from "./exec/muldiv";
import {
  push32, push16, pushV, pop32, pop16, popV, peek, pusha, popa, enter, leave, pushfImage,
  writeFlagsImage, sp, setSp, spAdd, ssBase,
} from "./exec/stack";
import { stringOp, STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS } from "./exec/string";
import { portIn, portOut, ioValue } from "./exec/io";
import { bitTest, bitScan, BT_BT } from "./exec/bit";
import { loadSegment, farJump, farCall, farReturn, arpl } from "./mmu/segment";
import { deliverPending, deliverExternal, deliverSingleStep, softIntDelivered, softwareInterrupt, iret, INT_SOFT, INT_ICEBP, INT_BREAKPOINT, INT_OVERFLOW } from "./interrupt";
import {
  group6, group7, larLsl, movFromCr, movToCr, movFromDr, movToDr, clts, rdmsr, wrmsr, cpuid, rdtsc, rdpmc,
  hlt, cli, sti, invdWbinvd,
} from "./exec/system";

// ---- interrupt shadow and window ----
let shadowNow: bool = false; //  the current instruction follows STI/MOV SS: no interrupt before it ends
let shadowNext: bool = false; // set by STI/MOV SS/POP SS for the next instruction
let intrPending: bool = false;
let stepArmed: bool = false; //  the current instruction began with EFLAGS.TF=1

/** STI (when IF was 0), MOV SS and POP SS block interrupts until after the next instruction. */
export function setShadow(): void { shadowNext = true; attention = true; }
/** Something changed IF, TF or the pending state: re-check at the end of the instruction. */
export function flagsChanged(): void { attention = true; }

// ---- operand-size helpers ----
@inline function osize(): i32 { return o32 ? 4 : 2; }
@inline function fetchImm(size: i32): u32 {
  return size == 4 ? fetch32() : (size == 2 ? fetch16() : fetch8());
}
@inline function sext8(v: u32): u32 { return <u32>(<i32>(<i8>v)); }
@inline function sext16(v: u32): u32 { return <u32>(<i32>(<i16>v)); }

/** Near jump to EIP + rel with the operand size truncation of 16-bit code. */
@inline function jumpRel(rel: u32): void {
  eip = o32 ? eip + rel : (eip + rel) & 0xffff;
}

function nearJump(target: u32): void {
  eip = o32 ? target : target & 0xffff;
}

// ---- the loop ----

export function run(budget: u32): i32 {
  loadLive();
  flagsFromState();
  updatePrivilege();
  exitReason = EXIT_BUDGET;
  remaining = budget;
  runBudget = budget;
  fault = false;
  shadowNow = load<u32>(STATE_BASE + STATE_INT_SHADOW) != 0;
  shadowNext = false;
  intrPending = load<u32>(STATE_BASE + STATE_INTR_PENDING) != 0;
  stepArmed = (flagsRaw() & EFLAGS_TF) != 0;
  attention = intrPending || shadowNow || stepArmed;

  const inject = load<i32>(STATE_BASE + STATE_INJECT);
  if (inject != INJECT_NONE) {
    store<i32>(STATE_BASE + STATE_INJECT, INJECT_NONE);
    store<u32>(STATE_BASE + STATE_ACTIVITY, ACTIVITY_RUNNING);
    shadowNow = false;
    deliverExternal(inject);
    if (fault) deliverPending();
  }
  if (load<u32>(STATE_BASE + STATE_ACTIVITY) == ACTIVITY_HLT) {
    // still halted: nothing to do until the host injects an interrupt
    remaining = 0;
    exitReason = EXIT_HLT;
  }

  while (remaining != 0) {
    remaining--;
    insnEip = eip;
    step();
    if (attention) afterInstruction();
  }

  storeLive();
  flagsToState();
  store<u32>(STATE_BASE + STATE_INT_SHADOW, shadowNow ? 1 : 0);
  store<u64>(STATE_BASE + STATE_INSN_COUNT, load<u64>(STATE_BASE + STATE_INSN_COUNT) + <u64>(runBudget - remaining));
  store<i32>(STATE_BASE + STATE_EXIT_REASON, exitReason);
  return exitReason;
}

function afterInstruction(): void {
  attention = false;
  if (fault) {
    deliverPending();
    if (exitReason == EXIT_TRIPLE_FAULT || exitReason == EXIT_EXCEPTION) return;
  } else if (stepArmed && !softIntDelivered && !notRetired) {
    deliverSingleStep();
    if (exitReason == EXIT_TRIPLE_FAULT || exitReason == EXIT_EXCEPTION) return;
  }
  softIntDelivered = false;
  notRetired = false;
  stepArmed = (flagsRaw() & EFLAGS_TF) != 0;
  if (stepArmed) attention = true;
  shadowNow = shadowNext;
  shadowNext = false;
  if (shadowNow) attention = true;
  // A pending interrupt can be taken once IF=1 and no shadow is active. While IF=0 nothing is
  // checked per instruction: every instruction that can set IF (STI, POPF, IRET, a task switch)
  // calls flagsChanged().
  if (intrPending && (flagsRaw() & EFLAGS_IF) != 0) {
    if (shadowNow) attention = true;
    else if (exitReason == EXIT_BUDGET) {
      store<u32>(STATE_BASE + STATE_EXIT_EIP, eip);
      requestExit(EXIT_INTR_WINDOW);
    }
  }
}

// ---- decode and dispatch ----

function step(): void {
  if (prefixed) {
    o32 = code32;
    a32 = code32;
    segOvr = -1;
    rep = 0;
    lockPrefix = false;
    prefixCount = 0;
    prefixed = false;
  }
  dispatch(fetch8());
}

// After a prefix (SDM Vol. 2 §2.1.1): the next byte, with LOCK validated, at most 15 bytes in all.
function afterPrefix(): void {
  prefixed = true;
  if (++prefixCount > 14) { raise(EXC_GP, 0); return; }
  const op = fetch8();
  if (lockPrefix && !isPrefix(op) && !lockable(op)) { raise(EXC_UD, -1); return; }
  dispatch(op);
}

@inline function isPrefix(op: u32): bool {
  return op == 0x66 || op == 0x67 || op == 0xf0 || op == 0xf2 || op == 0xf3 ||
    op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e || op == 0x64 || op == 0x65;
}

/**
 * LOCK is valid only on the read-modify-write instructions with a memory destination (SDM
 * Vol. 2 "LOCK"); anything else raises #UD. Peeks at the opcode's ModR/M without consuming it.
 */
function lockable(op: u32): bool {
  const start = eip;
  let ok = false;
  if (op == 0x0f) {
    const op2 = fetch8();
    const m = fetch8();
    const reg = (m >> 3) & 7;
    ok = m < 0xc0 && (op2 == 0xab || op2 == 0xb3 || op2 == 0xbb || op2 == 0xb0 || op2 == 0xb1 ||
      op2 == 0xc0 || op2 == 0xc1 || (op2 == 0xba && reg >= 5) || (op2 == 0xc7 && reg == 1));
  } else {
    const m = fetch8();
    const reg = (m >> 3) & 7;
    if (op < 0x40) ok = (op & 6) == 0 && (op & 0x38) != 0x38;
    else if (op >= 0x80 && op <= 0x83) ok = reg != 7;
    else if (op == 0x86 || op == 0x87) ok = true;
    else if (op == 0xf6 || op == 0xf7) ok = reg == 2 || reg == 3;
    else if (op == 0xfe || op == 0xff) ok = reg <= 1;
    ok = ok && m < 0xc0;
  }
  eip = start;
  return ok;
}

function dispatch(op: u32): void {
  switch (op) {
    // ---- ALU: 00-3F in eight groups of Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iv ----
    case 0x00: case 0x08: case 0x10: case 0x18: case 0x20: case 0x28: case 0x30: case 0x38: {
      decodeModrm();
      const o = <i32>(op >> 3);
      const b = readG(1);
      if (o == ALU_CMP) { const a = readE(1); if (fault) return; alu(o, a, b, 1); return; }
      const a = rmwE(1);
      if (fault) return;
      const r = alu(o, a, b, 1);
      rmwEndE(1, r);
      return;
    }
    case 0x01: case 0x09: case 0x11: case 0x19: case 0x21: case 0x29: case 0x31: case 0x39: {
      decodeModrm();
      const o = <i32>(op >> 3);
      if (o32) {
        const b = reg32(regField());
        if (rmIsReg) {
          const r = rmField();
          const v = alu32(o, reg32(r), b);
          if (o != ALU_CMP) setReg32(r, v);
          return;
        }
        if (o == ALU_CMP) { const a = readE32(); if (fault) return; alu32(o, a, b); return; }
        checkSegWrite(eaSeg);
        eaLimit(4);
        const a = rmw32(eaLin);
        if (fault) return;
        rmwEnd32(alu32(o, a, b));
        // flags were recorded before the write; a faulting write leaves them changed but the
        // exception handler sees the restarted instruction re-record them
        return;
      }
      const b = readG(2);
      if (o == ALU_CMP) { const a = readE(2); if (fault) return; alu(o, a, b, 2); return; }
      const a = rmwE(2);
      if (fault) return;
      rmwEndE(2, alu(o, a, b, 2));
      return;
    }
    case 0x02: case 0x0a: case 0x12: case 0x1a: case 0x22: case 0x2a: case 0x32: case 0x3a: {
      decodeModrm();
      const o = <i32>(op >> 3);
      const b = readE(1);
      if (fault) return;
      const r = alu(o, readG(1), b, 1);
      if (o != ALU_CMP) writeG(1, r);
      return;
    }
    case 0x03: case 0x0b: case 0x13: case 0x1b: case 0x23: case 0x2b: case 0x33: case 0x3b: {
      decodeModrm();
      const o = <i32>(op >> 3);
      if (o32) {
        const b = readE32();
        if (fault) return;
        const g = regField();
        const r = alu32(o, reg32(g), b);
        if (o != ALU_CMP) setReg32(g, r);
        return;
      }
      const b = readE(2);
      if (fault) return;
      const r = alu(o, readG(2), b, 2);
      if (o != ALU_CMP) writeG(2, r);
      return;
    }
    case 0x04: case 0x0c: case 0x14: case 0x1c: case 0x24: case 0x2c: case 0x34: case 0x3c: {
      const o = <i32>(op >> 3);
      const b = fetch8();
      if (fault) return;
      const r = alu(o, reg8(0), b, 1);
      if (o != ALU_CMP) setReg8(0, r);
      return;
    }
    case 0x05: case 0x0d: case 0x15: case 0x1d: case 0x25: case 0x2d: case 0x35: case 0x3d: {
      const o = <i32>(op >> 3);
      if (o32) {
        const b = fetch32();
        if (fault) return;
        const r = alu32(o, reg32(REG_EAX), b);
        if (o != ALU_CMP) setReg32(REG_EAX, r);
      } else {
        const b = fetch16();
        if (fault) return;
        const r = alu(o, reg16(REG_EAX), b, 2);
        if (o != ALU_CMP) setReg16(REG_EAX, r);
      }
      return;
    }
    // ---- segment register push/pop ----
    case 0x06: pushSeg(SEG_ES); return;
    case 0x07: popSeg(SEG_ES); return;
    case 0x0e: pushSeg(SEG_CS); return;
    case 0x16: pushSeg(SEG_SS); return;
    case 0x17: popSeg(SEG_SS); return;
    case 0x1e: pushSeg(SEG_DS); return;
    case 0x1f: popSeg(SEG_DS); return;
    case 0x0f: dispatch0F(fetch8()); return;
    // ---- prefixes ----
    case 0x66: o32 = !code32; afterPrefix(); return;
    case 0x67: a32 = !code32; afterPrefix(); return;
    case 0x26: segOvr = SEG_ES; afterPrefix(); return;
    case 0x2e: segOvr = SEG_CS; afterPrefix(); return;
    case 0x36: segOvr = SEG_SS; afterPrefix(); return;
    case 0x3e: segOvr = SEG_DS; afterPrefix(); return;
    case 0x64: segOvr = SEG_FS; afterPrefix(); return;
    case 0x65: segOvr = SEG_GS; afterPrefix(); return;
    case 0xf2: rep = 0xf2; afterPrefix(); return;
    case 0xf3: rep = 0xf3; afterPrefix(); return;
    case 0xf0: lockPrefix = true; afterPrefix(); return; // one CPU: atomic anyway; validity checked
    case 0x27: decimalAdjust(false); return;
    case 0x2f: decimalAdjust(true); return;
    case 0x37: asciiAdjust(false); return;
    case 0x3f: asciiAdjust(true); return;
    // ---- INC/DEC/PUSH/POP register ----
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47: {
      const r = <i32>(op & 7);
      if (o32) setReg32(r, inc(reg32(r), 4)); else setReg16(r, inc(reg16(r), 2));
      return;
    }
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
      const r = <i32>(op & 7);
      if (o32) setReg32(r, dec(reg32(r), 4)); else setReg16(r, dec(reg16(r), 2));
      return;
    }
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57: {
      const r = <i32>(op & 7);
      if (o32) push32(reg32(r)); else push16(reg16(r));
      return;
    }
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f: {
      const r = <i32>(op & 7);
      if (o32) { const v = pop32(); if (!fault) setReg32(r, v); }
      else { const v = pop16(); if (!fault) setReg16(r, v); }
      return;
    }
    case 0x60: pusha(); return;
    case 0x61: popa(); return;
    case 0x62: bound(); return;
    case 0x63: { decodeModrm(); arpl(); return; }
    case 0x68: pushV(fetchImm(osize())); return;
    case 0x6a: pushV(sext8(fetch8())); return;
    case 0x69: case 0x6b: {
      decodeModrm();
      const size = osize();
      const a = readE(size);
      const imm = op == 0x6b ? sext8(fetch8()) & sizeMask(size) : fetchImm(size);
      if (fault) return;
      writeG(size, imulTrunc(a, imm, size));
      return;
    }
    case 0x6c: stringOp(STR_INS, 1); return;
    case 0x6d: stringOp(STR_INS, osize()); return;
    case 0x6e: stringOp(STR_OUTS, 1); return;
    case 0x6f: stringOp(STR_OUTS, osize()); return;
    // ---- Jcc rel8 ----
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f: {
      const rel = sext8(fetch8());
      if (condition(<i32>(op & 15))) jumpRel(rel);
      return;
    }
    // ---- group 1 with immediates ----
    case 0x80: case 0x82: {
      decodeModrm();
      const o = regField();
      const imm = fetch8();
      if (o == ALU_CMP) { const a = readE(1); if (fault) return; alu(o, a, imm, 1); return; }
      const a = rmwE(1);
      if (fault) return;
      rmwEndE(1, alu(o, a, imm, 1));
      return;
    }
    case 0x81: case 0x83: {
      decodeModrm();
      const o = regField();
      const size = osize();
      const imm = op == 0x83 ? sext8(fetch8()) & sizeMask(size) : fetchImm(size);
      if (fault) return; // an immediate on a page that faults: nothing is committed
      if (size == 4 && rmIsReg) {
        const r = rmField();
        const v = alu32(o, reg32(r), imm);
        if (o != ALU_CMP) setReg32(r, v);
        return;
      }
      if (o == ALU_CMP) { const a = readE(size); if (fault) return; alu(o, a, imm, size); return; }
      const a = rmwE(size);
      if (fault) return;
      rmwEndE(size, alu(o, a, imm, size));
      return;
    }
    case 0x84: { decodeModrm(); const a = readE(1); if (fault) return; lazyLogic(a & readG(1), 0x80); return; }
    case 0x85: {
      decodeModrm();
      const size = osize();
      const a = readE(size);
      if (fault) return;
      lazyLogic(a & readG(size), sizeSign(size));
      return;
    }
    case 0x86: case 0x87: {
      decodeModrm();
      const size = op == 0x86 ? 1 : osize();
      const a = rmwE(size);
      if (fault) return;
      const g = readG(size);
      rmwEndE(size, g);
      if (fault) return;
      writeG(size, a);
      return;
    }
    // ---- MOV ----
    case 0x88: { decodeModrm(); writeE(1, readG(1)); return; }
    case 0x89: {
      decodeModrm();
      if (o32) {
        const v = reg32(regField());
        if (rmIsReg) setReg32(rmField(), v); else { checkSegWrite(eaSeg); eaLimit(4); wr32(eaLin, v); }
      } else writeE(2, readG(2));
      return;
    }
    case 0x8a: { decodeModrm(); const v = readE(1); if (fault) return; writeG(1, v); return; }
    case 0x8b: {
      decodeModrm();
      if (o32) {
        const v = readE32();
        if (fault) return;
        setReg32(regField(), v);
      } else { const v = readE(2); if (fault) return; writeG(2, v); }
      return;
    }
    case 0x8c: {
      decodeModrm();
      const s = regField();
      if (s > 5) { raise(EXC_UD, -1); return; }
      const v = segSel(s);
      // to a register: 32-bit operand zero-extends (Intel); to memory: always 16 bits
      if (rmIsReg) writeReg(rmField(), osize(), v); else { checkSegWrite(eaSeg); eaLimit(2); wr16(eaLin, v); }
      return;
    }
    case 0x8d: {
      decodeModrm();
      if (rmIsReg) { raise(EXC_UD, -1); return; }
      if (fault) return;
      writeG(osize(), eaOff);
      return;
    }
    case 0x8e: {
      decodeModrm();
      const s = regField();
      if (s == SEG_CS || s > 5) { raise(EXC_UD, -1); return; }
      const v = readE(2);
      if (fault) return;
      if (loadSegment(s, v) && s == SEG_SS) setShadow();
      return;
    }
    case 0x8f: {
      decodeModrm();
      if (regField() != 0) { raise(EXC_UD, -1); return; }
      const size = osize();
      const v = peek(0, size);
      if (fault) return;
      if (rmIsReg) { setSp(spAdd(sp(), <u32>size)); writeReg(rmField(), size, v); return; }
      // the address is computed with ESP already incremented (SDM "POP"): recompute if ESP-based
      const oldSp = sp();
      setSp(spAdd(oldSp, <u32>size));
      if (a32 && (modrm & 7) == 4 && eaEspBase) recomputeEspEa(oldSp);
      checkSegWrite(eaSeg);
      eaLimit(<u32>size);
      if (size == 4) wr32(eaLin, v); else wr16(eaLin, v);
      if (fault) setSp(oldSp);
      return;
    }
    case 0x90: {
      // NOP / PAUSE
      return;
    }
    case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: {
      const r = <i32>(op & 7);
      if (o32) { const t = reg32(r); setReg32(r, reg32(REG_EAX)); setReg32(REG_EAX, t); }
      else { const t = reg16(r); setReg16(r, reg16(REG_EAX)); setReg16(REG_EAX, t); }
      return;
    }
    case 0x98: {
      if (o32) setReg32(REG_EAX, sext16(reg16(REG_EAX)));
      else setReg16(REG_EAX, sext8(reg8(0)) & 0xffff);
      return;
    }
    case 0x99: {
      if (o32) setReg32(REG_EDX, (reg32(REG_EAX) & 0x80000000) != 0 ? 0xffffffff : 0);
      else setReg16(REG_EDX, (reg16(REG_EAX) & 0x8000) != 0 ? 0xffff : 0);
      return;
    }
    case 0x9a: {
      const off = fetchImm(osize());
      const sel = fetch16();
      if (fault) return;
      farCall(sel, off, osize());
      return;
    }
    case 0x9b: {
      // WAIT/FWAIT: #NM if CR0.TS and CR0.MP are both set
      if ((cr0() & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP)) raise(EXC_NM, -1);
      return;
    }
    case 0x9c: {
      // PUSHF (V86 IOPL checks do not apply: no V86 mode)
      const img = pushfImage();
      if (o32) push32(img & 0x00fcffff); else push16(img & 0xffff);
      return;
    }
    case 0x9d: {
      const size = osize();
      const v = size == 4 ? pop32() : pop16();
      if (fault) return;
      writeFlagsImage(v, size);
      flagsChanged();
      return;
    }
    case 0x9e: {
      // SAHF: SF ZF AF PF CF from AH
      materialize();
      const m: u32 = EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF | EFLAGS_CF;
      setFlagsRaw((flagsRaw() & ~m) | (reg8(4) & m));
      return;
    }
    case 0x9f: setReg8(4, getEflags() & 0xff); return;
    // ---- MOV with moffs ----
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
      const off = a32 ? fetch32() : fetch16();
      const mseg = segOvr >= 0 ? segOvr : SEG_DS;
      const lin = segBase(mseg) + off;
      const size = (op & 1) == 0 ? 1 : osize();
      if (op < 0xa2) checkSegRead(mseg); else checkSegWrite(mseg);
      segCheck(mseg, off, <u32>size);
      if (op < 0xa2) {
        const v = size == 4 ? rd32(lin) : (size == 2 ? rd16(lin) : rd8(lin));
        if (fault) return;
        writeReg(REG_EAX, size, v);
      } else {
        const v = readReg(REG_EAX, size);
        if (size == 4) wr32(lin, v); else if (size == 2) wr16(lin, v); else wr8(lin, v);
      }
      return;
    }
    case 0xa4: stringOp(STR_MOVS, 1); return;
    case 0xa5: stringOp(STR_MOVS, osize()); return;
    case 0xa6: stringOp(STR_CMPS, 1); return;
    case 0xa7: stringOp(STR_CMPS, osize()); return;
    case 0xa8: { const imm = fetch8(); if (fault) return; lazyLogic(reg8(0) & imm, 0x80); return; }
    case 0xa9: {
      const size = osize();
      const imm = fetchImm(size);
      if (fault) return;
      lazyLogic(readReg(REG_EAX, size) & imm, sizeSign(size));
      return;
    }
    case 0xaa: stringOp(STR_STOS, 1); return;
    case 0xab: stringOp(STR_STOS, osize()); return;
    case 0xac: stringOp(STR_LODS, 1); return;
    case 0xad: stringOp(STR_LODS, osize()); return;
    case 0xae: stringOp(STR_SCAS, 1); return;
    case 0xaf: stringOp(STR_SCAS, osize()); return;
    case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7: {
      const v = fetch8();
      if (!fault) setReg8(<i32>(op & 7), v);
      return;
    }
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf: {
      if (o32) { const v = fetch32(); if (!fault) setReg32(<i32>(op & 7), v); }
      else { const v = fetch16(); if (!fault) setReg16(<i32>(op & 7), v); }
      return;
    }
    // ---- group 2 shifts ----
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      decodeModrm();
      const size = (op & 1) == 0 ? 1 : osize();
      const count = op <= 0xc1 ? fetch8() : (op <= 0xd1 ? 1 : reg8(1));
      const v = rmwE(size);
      if (fault) return;
      if ((count & 0x1f) == 0) return;
      rmwEndE(size, shift(regField(), v, count, size, op <= 0xc1 && rmIsReg));
      return;
    }
    case 0xc2: {
      const n = fetch16();
      if (fault) return;
      const t = popV();
      if (fault) return;
      setSp(spAdd(sp(), n));
      nearJump(t);
      return;
    }
    case 0xc3: {
      const t = popV();
      if (fault) return;
      nearJump(t);
      return;
    }
    case 0xc4: case 0xc5: loadFarPointer(op == 0xc4 ? SEG_ES : SEG_DS); return;
    case 0xc6: case 0xc7: {
      decodeModrm();
      if (regField() != 0) { raise(EXC_UD, -1); return; }
      const size = op == 0xc6 ? 1 : osize();
      const imm = fetchImm(size);
      if (fault) return;
      writeE(size, imm);
      return;
    }
    case 0xc8: { const alloc = fetch16(); const lvl = fetch8(); if (!fault) enter(alloc, lvl); return; }
    case 0xc9: leave(); return;
    case 0xca: { const n = fetch16(); if (!fault) farReturn(n, osize()); return; }
    case 0xcb: farReturn(0, osize()); return;
    case 0xcc: softwareInterrupt(3, INT_BREAKPOINT); return;
    case 0xcd: { const v = fetch8(); if (!fault) softwareInterrupt(<i32>v, INT_SOFT); return; }
    case 0xce: if (getOF()) softwareInterrupt(4, INT_OVERFLOW); return;
    case 0xcf: iret(osize()); return;
    case 0xd4: { const b = fetch8(); if (!fault) aam(b); return; }
    case 0xd5: { const b = fetch8(); if (!fault) aad(b); return; }
    case 0xd6: salc(); return;
    case 0xd7: {
      const off = a32 ? reg32(REG_EBX) + reg8(0) : (reg16(REG_EBX) + reg8(0)) & 0xffff;
      checkSegRead(segOvr >= 0 ? segOvr : SEG_DS);
      segCheck(segOvr >= 0 ? segOvr : SEG_DS, off, 1);
      const v = rd8(segBase(segOvr >= 0 ? segOvr : SEG_DS) + off);
      if (fault) return;
      setReg8(0, v);
      return;
    }
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
      // x87 escape: #NM when CR0.EM or CR0.TS, else #UD (no FPU)
      raise((cr0() & (CR0_EM | CR0_TS)) != 0 ? EXC_NM : EXC_UD, -1);
      return;
    // ---- LOOP/JCXZ ----
    case 0xe0: case 0xe1: case 0xe2: {
      const rel = sext8(fetch8());
      if (fault) return;
      const c = a32 ? reg32(REG_ECX) - 1 : (reg16(REG_ECX) - 1) & 0xffff;
      if (a32) setReg32(REG_ECX, c); else setReg16(REG_ECX, c);
      let take = c != 0;
      if (op == 0xe0) take = take && !getZF();
      else if (op == 0xe1) take = take && getZF();
      if (take) jumpRel(rel);
      return;
    }
    case 0xe3: {
      const rel = sext8(fetch8());
      if ((a32 ? reg32(REG_ECX) : reg16(REG_ECX)) == 0) jumpRel(rel);
      return;
    }
    case 0xe4: case 0xe5: case 0xec: case 0xed: {
      const port = op < 0xec ? fetch8() : reg16(REG_EDX);
      if (fault) return;
      const size = (op & 1) == 0 ? 1 : osize();
      if (portIn(port, size)) writeReg(REG_EAX, size, ioValue);
      return;
    }
    case 0xe6: case 0xe7: case 0xee: case 0xef: {
      const port = op < 0xee ? fetch8() : reg16(REG_EDX);
      if (fault) return;
      const size = (op & 1) == 0 ? 1 : osize();
      portOut(port, size, readReg(REG_EAX, size));
      return;
    }
    case 0xe8: {
      const rel = fetchImm(osize());
      if (o32) { push32(eip); if (!fault) eip += rel; }
      else { push16(eip); if (!fault) eip = (eip + rel) & 0xffff; }
      return;
    }
    case 0xe9: { const rel = o32 ? fetch32() : sext16(fetch16()); jumpRel(rel); return; }
    case 0xea: {
      const off = fetchImm(osize());
      const sel = fetch16();
      if (fault) return;
      farJump(sel, off);
      return;
    }
    case 0xeb: { const rel = sext8(fetch8()); jumpRel(rel); return; }
    case 0xf1: softwareInterrupt(EXC_DB, INT_ICEBP); return;
    case 0xf4: hlt(); return;
    case 0xf5: setFlagBits(EFLAGS_CF, !getCF()); return;
    case 0xf6: case 0xf7: group3(op == 0xf6 ? 1 : osize()); return;
    case 0xf8: setFlagBits(EFLAGS_CF, false); return;
    case 0xf9: setFlagBits(EFLAGS_CF, true); return;
    case 0xfa: cli(); return;
    case 0xfb: sti(); return;
    case 0xfc: setFlagsRaw(flagsRaw() & ~EFLAGS_DF); return;
    case 0xfd: setFlagsRaw(flagsRaw() | EFLAGS_DF); return;
    case 0xfe: {
      decodeModrm();
      const o = regField();
      if (o > 1) { raise(EXC_UD, -1); return; }
      const v = rmwE(1);
      if (fault) return;
      rmwEndE(1, o == 0 ? inc(v, 1) : dec(v, 1));
      return;
    }
    case 0xff: group5(); return;
    default:
      raise(EXC_UD, -1);
      return;
  }
}

function recomputeEspEa(oldSp: u32): void {
  // An ESP-based address was computed with the old ESP; shift it by the pop size.
  setEaOff(eaOff + (sp() - oldSp));
}

function pushSeg(s: i32): void {
  const v = segSel(s);
  if (o32) {
    // a 32-bit push of a segment register writes only the low 16 bits on Intel processors
    const spv = spAdd(sp(), <u32>-4);
    wr16(ssBase() + spv, v);
    if (!fault) setSp(spv);
  } else push16(v);
}

function popSeg(s: i32): void {
  const size = osize();
  const v = peek(0, size) & 0xffff;
  if (fault) return;
  if (!loadSegment(s, v)) return;
  setSp(spAdd(sp(), <u32>size));
  if (s == SEG_SS) setShadow();
}

function loadFarPointer(s: i32): void {
  decodeModrm();
  if (rmIsReg) { raise(EXC_UD, -1); return; }
  const size = osize();
  eaLimit(<u32>size + 2);
  const off = size == 4 ? rd32(eaLin) : rd16(eaLin);
  const sel = rd16(eaLin + <u32>size);
  if (fault) return;
  if (!loadSegment(s, sel)) return;
  writeG(size, off);
}

function bound(): void {
  decodeModrm();
  if (rmIsReg) { raise(EXC_UD, -1); return; }
  const size = osize();
  eaLimit(<u32>size * 2);
  let lo: i32, hi: i32, idx: i32;
  if (size == 4) {
    lo = <i32>rd32(eaLin); hi = <i32>rd32(eaLin + 4); idx = <i32>reg32(regField());
  } else {
    lo = <i32>(<i16>rd16(eaLin)); hi = <i32>(<i16>rd16(eaLin + 2)); idx = <i32>(<i16>reg16(regField()));
  }
  if (fault) return;
  if (idx < lo || idx > hi) raise(EXC_BR, -1);
}

function group3(size: i32): void {
  decodeModrm();
  const o = regField();
  switch (o) {
    case 0: case 1: {
      const a = readE(size);
      const imm = fetchImm(size);
      if (fault) return;
      lazyLogic(a & imm, sizeSign(size));
      return;
    }
    case 2: {
      const v = rmwE(size);
      if (fault) return;
      rmwEndE(size, ~v & sizeMask(size));
      return;
    }
    case 3: {
      const v = rmwE(size);
      if (fault) return;
      // write first: flags must not change if the write faults
      const r = (0 - v) & sizeMask(size);
      rmwEndE(size, r);
      if (fault) return;
      neg(v, size);
      return;
    }
    case 4: case 5: {
      const v = readE(size);
      if (fault) return;
      mulAcc(o == 5, v, size);
      return;
    }
    default: {
      const v = readE(size);
      if (fault) return;
      divAcc(o == 7, v, size);
      return;
    }
  }
}

function group5(): void {
  decodeModrm();
  const o = regField();
  const size = osize();
  switch (o) {
    case 0: case 1: {
      const v = rmwE(size);
      if (fault) return;
      const r = (o == 0 ? v + 1 : v - 1) & sizeMask(size);
      rmwEndE(size, r);
      if (fault) return;
      if (o == 0) inc(v, size); else dec(v, size);
      return;
    }
    case 2: {
      const t = readE(size);
      if (fault) return;
      if (o32) push32(eip); else push16(eip);
      if (fault) return;
      nearJump(t);
      return;
    }
    case 3: case 5: {
      if (rmIsReg) { raise(EXC_UD, -1); return; }
      eaLimit(<u32>size + 2);
      const off = size == 4 ? rd32(eaLin) : rd16(eaLin);
      const sel = rd16(eaLin + <u32>size);
      if (fault) return;
      if (o == 3) farCall(sel, off, size); else farJump(sel, off);
      return;
    }
    case 4: {
      const t = readE(size);
      if (fault) return;
      nearJump(t);
      return;
    }
    case 6: {
      const v = readE(size);
      if (fault) return;
      pushV(v);
      return;
    }
    default:
      raise(EXC_UD, -1);
      return;
  }
}

// ---- the 0F map ----

function dispatch0F(op: u32): void {
  switch (op) {
    case 0x00: group6(); return;
    case 0x01: group7(); return;
    case 0x02: case 0x03: larLsl(op == 0x03); return;
    case 0x06: clts(); return;
    case 0x08: case 0x09: invdWbinvd(); return;
    case 0x0b: case 0xb9: case 0xff: raise(EXC_UD, -1); return; // UD2, UD1, UD0
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
      // hint NOPs, including the multi-byte NOP 0F 1F /0
      decodeModrm();
      return;
    case 0x20: case 0x21: case 0x22: case 0x23: {
      const m = fetch8(); // mod is ignored: always registers (SDM "MOV—Move to/from Control Registers")
      if (fault) return;
      const crn = <i32>((m >> 3) & 7);
      const r = <i32>(m & 7);
      if (op == 0x20) movFromCr(crn, r);
      else if (op == 0x22) movToCr(crn, reg32(r));
      else if (op == 0x21) movFromDr(crn, r);
      else movToDr(crn, reg32(r));
      return;
    }
    case 0x30: wrmsr(); return;
    case 0x31: rdtsc(); return;
    case 0x32: rdmsr(); return;
    case 0x33: rdpmc(); return;
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
      decodeModrm();
      const size = osize();
      const v = readE(size); // the source is read even when the condition is false
      if (fault) return;
      if (condition(<i32>(op & 15))) writeG(size, v);
      return;
    }
    case 0x80: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86: case 0x87:
    case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x8c: case 0x8d: case 0x8e: case 0x8f: {
      const rel = o32 ? fetch32() : sext16(fetch16());
      if (condition(<i32>(op & 15))) jumpRel(rel);
      return;
    }
    case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
    case 0x98: case 0x99: case 0x9a: case 0x9b: case 0x9c: case 0x9d: case 0x9e: case 0x9f: {
      decodeModrm();
      writeE(1, condition(<i32>(op & 15)) ? 1 : 0);
      return;
    }
    case 0xa0: pushSeg(SEG_FS); return;
    case 0xa1: popSeg(SEG_FS); return;
    case 0xa2: cpuid(); return;
    case 0xa3: case 0xab: case 0xb3: case 0xbb: {
      decodeModrm();
      bitTest(<i32>((op >> 3) & 3), readG(osize()), true, osize());
      return;
    }
    case 0xa4: case 0xa5: case 0xac: case 0xad: {
      decodeModrm();
      const size = osize();
      const count = (op & 1) == 0 ? fetch8() : reg8(1);
      const v = rmwE(size);
      if (fault) return;
      if ((count & 0x1f) == 0) return;
      rmwEndE(size, shiftDouble(op < 0xa8, v, readG(size), count, size));
      return;
    }
    case 0xa8: pushSeg(SEG_GS); return;
    case 0xa9: popSeg(SEG_GS); return;
    case 0xaf: {
      decodeModrm();
      const size = osize();
      const v = readE(size);
      if (fault) return;
      writeG(size, imulTrunc(readG(size), v, size));
      return;
    }
    case 0xb0: case 0xb1: {
      // CMPXCHG: compare the accumulator with E; equal: E = G, else accumulator = E.
      // The destination is always written (with its own value on mismatch), as on Intel.
      decodeModrm();
      const size = op == 0xb0 ? 1 : osize();
      const d = rmwE(size);
      if (fault) return;
      const acc = readReg(REG_EAX, size);
      if (acc == d) {
        rmwEndE(size, readG(size));
        if (fault) return;
        alu(ALU_CMP, acc, d, size);
      } else {
        rmwEndE(size, d);
        if (fault) return;
        alu(ALU_CMP, acc, d, size);
        writeReg(REG_EAX, size, d);
      }
      return;
    }
    case 0xb2: loadFarPointer(SEG_SS); return;
    case 0xb4: loadFarPointer(SEG_FS); return;
    case 0xb5: loadFarPointer(SEG_GS); return;
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
      decodeModrm();
      const src = (op & 1) == 0 ? 1 : 2;
      let v = readE(src);
      if (fault) return;
      if (op >= 0xbe) v = src == 1 ? sext8(v) : sext16(v);
      writeG(osize(), v & sizeMask(osize()));
      return;
    }
    case 0xba: {
      decodeModrm();
      const o = regField();
      if (o < 4) { raise(EXC_UD, -1); return; }
      const imm = fetch8();
      if (fault) return;
      bitTest(o - 4, imm, false, osize());
      return;
    }
    case 0xbc: case 0xbd: { decodeModrm(); bitScan(op == 0xbd, osize()); return; }
    case 0xc0: case 0xc1: {
      decodeModrm();
      const size = op == 0xc0 ? 1 : osize();
      const d = rmwE(size);
      if (fault) return;
      const s = readG(size);
      const r = alu(ALU_ADD, d, s, size);
      // XADD: G = old destination, destination = sum (for a register E equal to G, the sum wins)
      if (!rmIsReg) { rmwEndE(size, r); if (fault) return; writeG(size, d); }
      else { writeG(size, d); rmwEndE(size, r); }
      return;
    }
    case 0xc7: {
      decodeModrm();
      if (regField() != 1 || rmIsReg) { raise(EXC_UD, -1); return; }
      cmpxchg8b();
      return;
    }
    case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf: {
      const r = <i32>(op & 7);
      if (o32) setReg32(r, bswap<u32>(reg32(r)));
      else setReg16(r, 0); // BSWAP with a 16-bit operand: undefined; Intel processors give 0
      return;
    }
    default:
      raise(EXC_UD, -1);
      return;
  }
}

function cmpxchg8b(): void {
  checkSegWrite(eaSeg);
  eaLimit(8);
  const lo = rmw32(eaLin);
  const hi = rd32(eaLin + 4);
  if (fault) return;
  if (lo == reg32(REG_EAX) && hi == reg32(REG_EDX)) {
    if (!probeWrite(eaLin, 8)) return;
    wr32(eaLin, reg32(REG_EBX));
    wr32(eaLin + 4, reg32(REG_ECX));
    if (fault) return;
    setFlagBits(EFLAGS_ZF, true);
  } else {
    // the destination is written back with its own value (a locked cycle on hardware)
    if (!probeWrite(eaLin, 8)) return;
    setReg32(REG_EAX, lo);
    setReg32(REG_EDX, hi);
    setFlagBits(EFLAGS_ZF, false);
  }
}
