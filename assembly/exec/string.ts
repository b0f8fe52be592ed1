// String instructions MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE, both directions,
// 16- or 32-bit addressing (SDM Vol. 2 "REP/REPE/REPZ/REPNE/REPNZ").
// Every iteration retires as one instruction of the budget. Registers are committed per
// iteration, so a fault or an exhausted budget leaves ESI/EDI/ECX describing the work done and
// EIP at the instruction, which then resumes (SDM Vol. 3A §6.6 "restartable string instructions").

import { REG_ECX, REG_ESI, REG_EDI, REG_EAX, SEG_DS, SEG_ES, EFLAGS_DF, REG_EDX } from "../layout";
import {
  reg32, setReg32, reg16, setReg16, setReg8, a32, segOvr, segBase, fault, rep, insnEip, eip, remaining, cpl, checkSegRead, checkSegWrite, segCheck, segLimited,
} from "../state";
import { flagsRaw, getZF } from "../flags";
import { rdSize, wrSize } from "../mmu/memory";
import { tlbGet, TLB_VALID, TLB_WS, TLB_U, TLB_WU } from "../mmu/tlb";
import { alu, ALU_CMP } from "./alu";
import { portIn, portOut, ioValue } from "./io";

export const STR_MOVS = 0;
export const STR_CMPS = 1;
export const STR_STOS = 2;
export const STR_LODS = 3;
export const STR_SCAS = 4;
export const STR_INS = 5;
export const STR_OUTS = 6;

@inline function idx(r: i32): u32 { return a32 ? reg32(r) : reg16(r); }
@inline function setIdx(r: i32, v: u32): void { if (a32) setReg32(r, v); else setReg16(r, v); }
@inline function srcSeg(): i32 { return segOvr >= 0 ? segOvr : SEG_DS; }

/** One element of `op`; returns false if it faulted or exited before completing. */
function element(op: i32, size: i32, delta: u32): bool {
  switch (op) {
    case STR_MOVS: {
      const si = idx(REG_ESI);
      const di = idx(REG_EDI);
      segCheck(srcSeg(), si, <u32>size);
      segCheck(SEG_ES, di, <u32>size);
      const v = rdSize(segBase(srcSeg()) + si, size);
      if (fault) return false;
      wrSize(segBase(SEG_ES) + di, size, v);
      if (fault) return false;
      setIdx(REG_ESI, si + delta);
      setIdx(REG_EDI, di + delta);
      return true;
    }
    case STR_STOS: {
      const di = idx(REG_EDI);
      segCheck(SEG_ES, di, <u32>size);
      wrSize(segBase(SEG_ES) + di, size, reg32(REG_EAX));
      if (fault) return false;
      setIdx(REG_EDI, di + delta);
      return true;
    }
    case STR_LODS: {
      const si = idx(REG_ESI);
      segCheck(srcSeg(), si, <u32>size);
      const v = rdSize(segBase(srcSeg()) + si, size);
      if (fault) return false;
      if (size == 4) setReg32(REG_EAX, v); else if (size == 2) setReg16(REG_EAX, v); else setReg8(0, v);
      setIdx(REG_ESI, si + delta);
      return true;
    }
    case STR_CMPS: {
      const si = idx(REG_ESI);
      const di = idx(REG_EDI);
      segCheck(srcSeg(), si, <u32>size);
      segCheck(SEG_ES, di, <u32>size);
      const a = rdSize(segBase(srcSeg()) + si, size);
      const b = rdSize(segBase(SEG_ES) + di, size);
      if (fault) return false;
      alu(ALU_CMP, a, b, size);
      setIdx(REG_ESI, si + delta);
      setIdx(REG_EDI, di + delta);
      return true;
    }
    case STR_SCAS: {
      const di = idx(REG_EDI);
      segCheck(SEG_ES, di, <u32>size);
      const b = rdSize(segBase(SEG_ES) + di, size);
      if (fault) return false;
      const acc = size == 4 ? reg32(REG_EAX) : (size == 2 ? reg16(REG_EAX) : reg32(REG_EAX) & 0xff);
      alu(ALU_CMP, acc, b, size);
      setIdx(REG_EDI, di + delta);
      return true;
    }
    case STR_INS: {
      const di = idx(REG_EDI);
      segCheck(SEG_ES, di, <u32>size);
      if (fault) return false;
      if (!portIn(reg16(REG_EDX), size)) return false;
      wrSize(segBase(SEG_ES) + di, size, ioValue);
      if (fault) return false;
      setIdx(REG_EDI, di + delta);
      return true;
    }
    default: { // OUTS
      const si = idx(REG_ESI);
      segCheck(srcSeg(), si, <u32>size);
      const v = rdSize(segBase(srcSeg()) + si, size);
      if (fault) return false;
      if (!portOut(reg16(REG_EDX), size, v)) return false;
      setIdx(REG_ESI, si + delta);
      return true;
    }
  }
}

/** Execute string instruction `op` with element `size` under the current prefixes. */
export function stringOp(op: i32, size: i32): void {
  if (op == STR_MOVS || op == STR_CMPS || op == STR_LODS || op == STR_OUTS) checkSegRead(srcSeg());
  if (op == STR_MOVS || op == STR_STOS || op == STR_INS) checkSegWrite(SEG_ES);
  else if (op == STR_CMPS || op == STR_SCAS) checkSegRead(SEG_ES);
  if (fault) return;
  const delta: u32 = (flagsRaw() & EFLAGS_DF) != 0 ? <u32>-size : <u32>size;
  if (rep == 0) {
    element(op, size, delta);
    return;
  }
  // REP: the first iteration was charged by the dispatch loop.
  let first = true;
  for (;;) {
    const count = a32 ? reg32(REG_ECX) : reg16(REG_ECX);
    if (count == 0) return;
    if (!first) {
      if (remaining == 0) { eip = insnEip; return; } // budget spent: resume later
      remaining--;
    }
    first = false;
    if (op == STR_MOVS || op == STR_STOS) {
      const n = bulk(op, size, delta, count);
      if (n > 0) {
        if (a32) setReg32(REG_ECX, count - n); else setReg16(REG_ECX, count - n);
        continue;
      }
    }
    if (!element(op, size, delta)) {
      // fault: EIP restarts the instruction; an IN exit: it re-executes after the host answers
      return;
    }
    if (a32) setReg32(REG_ECX, count - 1); else setReg16(REG_ECX, count - 1);
    if (op == STR_INS || op == STR_OUTS) {
      // one element per exit: resume at this instruction if elements remain
      if ((a32 ? reg32(REG_ECX) : reg16(REG_ECX)) != 0) eip = insnEip;
      return;
    }
    if (op == STR_CMPS || op == STR_SCAS) {
      const zf = getZF();
      if (rep == 0xf3 && !zf) return; // REPE: stop on mismatch
      if (rep == 0xf2 && zf) return; //  REPNE: stop on match
    }
  }
}

/**
 * Fast path for forward REP MOVS/STOS inside RAM pages already in the TLB: copies as many
 * elements as fit in the current source and destination pages (and the budget), charging one
 * instruction each. Returns the number of elements done (0: take the element path).
 */
function bulk(op: i32, size: i32, delta: u32, count: u32): u32 {
  if (delta != <u32>size || segLimited != 0) return 0;
  const user = cpl == 3;
  const wmask: u32 = user ? TLB_VALID | TLB_U | TLB_WU : TLB_VALID | TLB_WS;
  const rmask: u32 = user ? TLB_VALID | TLB_U : TLB_VALID;
  const di = idx(REG_EDI);
  const dLin = segBase(SEG_ES) + di;
  const de = tlbGet(dLin);
  if ((de & wmask) != wmask) return 0;
  let n: u32 = (0x1000 - (dLin & 0xfff)) / <u32>size;
  if (!a32) n = min(n, (0x10000 - di) / <u32>size);
  const dHost = (de & ~<u32>0xfff) + (dLin & 0xfff);
  let sHost: u32 = 0;
  let si: u32 = 0;
  if (op == STR_MOVS) {
    si = idx(REG_ESI);
    const sLin = segBase(srcSeg()) + si;
    const se = tlbGet(sLin);
    if ((se & rmask) != rmask) return 0;
    n = min(n, (0x1000 - (sLin & 0xfff)) / <u32>size);
    if (!a32) n = min(n, (0x10000 - si) / <u32>size);
    sHost = (se & ~<u32>0xfff) + (sLin & 0xfff);
  }
  n = min(n, count);
  n = min(n, remaining + 1);
  if (n < 2) return 0;
  const bytes: u32 = <u32>n * <u32>size;
  if (op == STR_MOVS) {
    if (dHost <= sHost || dHost >= sHost + bytes) {
      memory.copy(dHost, sHost, bytes);
    } else {
      for (let i: u32 = 0; i < bytes; i++) store<u8>(dHost + i, load<u8>(sHost + i));
    }
    setIdx(REG_ESI, si + bytes);
  } else {
    const v = reg32(REG_EAX);
    if (size == 1) memory.fill(dHost, <u8>v, bytes);
    else if (size == 2) { for (let i: u32 = 0; i < bytes; i += 2) store<u16>(dHost + i, <u16>v); }
    else { for (let i: u32 = 0; i < bytes; i += 4) store<u32>(dHost + i, v); }
  }
  setIdx(REG_EDI, di + bytes);
  remaining -= n - 1;
  return n;
}
