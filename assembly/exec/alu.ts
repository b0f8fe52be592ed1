// Integer ALU: ADD OR ADC SBB AND SUB XOR CMP (group 1 order), INC, DEC, NEG, NOT, and the BCD
// adjustments (SDM Vol. 2, instruction pages; flags per Vol. 1 appendix A).
// Operands are passed already masked to the operand size; `mask`/`sign` describe that size.

import { EFLAGS_CF, EFLAGS_AF, EFLAGS_ZF, EFLAGS_SF, EFLAGS_PF, EFLAGS_OF, EXC_DE, REG_EAX } from "../layout";
import {
  LZ_ADD, LZ_ADC, LZ_SUB, LZ_SBB, lazyArith, lazyLogic, lazyIncDec, getCF, getAF,
  materialize, flagsRaw, setFlagsRaw, lazyResultWith,
} from "../flags";
import { reg8, setReg8, reg16, setReg16, raise } from "../state";

export const ALU_ADD = 0;
export const ALU_OR = 1;
export const ALU_ADC = 2;
export const ALU_SBB = 3;
export const ALU_AND = 4;
export const ALU_SUB = 5;
export const ALU_XOR = 6;
export const ALU_CMP = 7;

@inline export function sizeMask(size: i32): u32 { return size == 4 ? 0xffffffff : (size == 2 ? 0xffff : 0xff); }
@inline export function sizeSign(size: i32): u32 { return size == 4 ? 0x80000000 : (size == 2 ? 0x8000 : 0x80); }

/** Group-1 operation `op` on dst, src; records flags; returns the (masked) result. */
export function alu(op: i32, dst: u32, src: u32, size: i32): u32 {
  const mask = sizeMask(size);
  const sign = sizeSign(size);
  let r: u32;
  switch (op) {
    case ALU_ADD:
      r = (dst + src) & mask;
      lazyArith(LZ_ADD, dst, src, r, sign);
      return r;
    case ALU_OR:
      r = dst | src;
      lazyLogic(r, sign);
      return r;
    case ALU_ADC:
      if (getCF()) {
        r = (dst + src + 1) & mask;
        lazyArith(LZ_ADC, dst, src, r, sign);
      } else {
        r = (dst + src) & mask;
        lazyArith(LZ_ADD, dst, src, r, sign);
      }
      return r;
    case ALU_SBB:
      if (getCF()) {
        r = (dst - src - 1) & mask;
        lazyArith(LZ_SBB, dst, src, r, sign);
      } else {
        r = (dst - src) & mask;
        lazyArith(LZ_SUB, dst, src, r, sign);
      }
      return r;
    case ALU_AND:
      r = dst & src;
      lazyLogic(r, sign);
      return r;
    case ALU_XOR:
      r = dst ^ src;
      lazyLogic(r, sign);
      return r;
    default: // SUB, CMP
      r = (dst - src) & mask;
      lazyArith(LZ_SUB, dst, src, r, sign);
      return r;
  }
}

@inline export function alu32(op: i32, dst: u32, src: u32): u32 {
  // The common 32-bit forms, without the size switch.
  if (op == ALU_ADD) { const r = dst + src; lazyArith(LZ_ADD, dst, src, r, 0x80000000); return r; }
  if (op >= ALU_SUB && op != ALU_XOR) { const r = dst - src; lazyArith(LZ_SUB, dst, src, r, 0x80000000); return r; }
  return alu(op, dst, src, 4);
}

@inline export function inc(v: u32, size: i32): u32 {
  const r = (v + 1) & sizeMask(size);
  lazyIncDec(LZ_ADD, v, r, sizeSign(size));
  return r;
}

@inline export function dec(v: u32, size: i32): u32 {
  const r = (v - 1) & sizeMask(size);
  lazyIncDec(LZ_SUB, v, r, sizeSign(size));
  return r;
}

export function neg(v: u32, size: i32): u32 {
  const r = (0 - v) & sizeMask(size);
  lazyArith(LZ_SUB, 0, v, r, sizeSign(size));
  return r;
}

// ---- BCD adjustments (SDM Vol. 2: DAA, DAS, AAA, AAS, AAM, AAD) ----
// Flags the SDM leaves undefined are set as Intel processors do: DAA/DAS clear OF; AAA/AAS
// clear OF and SF and set ZF/PF from the final AL; AAM clears CF/AF/OF; AAD sets the flags of
// the 8-bit addition it performs.

/** DAA (sub = false) and DAS (sub = true): adjust AL after a packed-BCD addition/subtraction. */
export function decimalAdjust(sub: bool): void {
  const oldAl = reg8(0);
  const oldCf = getCF();
  let al = oldAl;
  let cf = false;
  let af = false;
  if ((al & 0xf) > 9 || getAF()) {
    cf = oldCf || (sub ? al < 6 : al + 6 > 0xff);
    al = (sub ? al - 6 : al + 6) & 0xff;
    af = true;
  }
  if (oldAl > 0x99 || oldCf) {
    al = (sub ? al - 0x60 : al + 0x60) & 0xff;
    cf = true;
  }
  setReg8(0, al);
  lazyResultWith(al, 0x80, cf, false, af);
}

/** AAA (sub = false) and AAS (sub = true): adjust AX after an unpacked-BCD addition/subtraction. */
export function asciiAdjust(sub: bool): void {
  let ax = reg16(REG_EAX);
  const adjust = (ax & 0xf) > 9 || getAF();
  if (adjust) {
    // AAA: AX + 0x106; AAS: AX - 6 (borrowing from AH), then AH - 1 (SDM "AAA", "AAS")
    ax = (sub ? ax - 0x106 : ax + 0x106) & 0xffff;
  }
  const al = ax & 0x0f;
  setReg16(REG_EAX, (ax & 0xff00) | al);
  materialize();
  let f = flagsRaw() & ~(EFLAGS_CF | EFLAGS_AF | EFLAGS_OF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF);
  if (adjust) f |= EFLAGS_CF | EFLAGS_AF;
  if (al == 0) f |= EFLAGS_ZF;
  if ((popcnt<u32>(al) & 1) == 0) f |= EFLAGS_PF;
  setFlagsRaw(f);
}

/** AAM imm8: returns false (after raising #DE) when imm8 is 0. */
export function aam(base: u32): bool {
  if (base == 0) { raise(EXC_DE, -1); return false; }
  const al = reg8(0);
  const r = al % base;
  setReg16(REG_EAX, ((al / base) << 8) | r);
  lazyLogic(r, 0x80);
  return true;
}

export function aad(base: u32): void {
  const ax = reg16(REG_EAX);
  const lo = ax & 0xff;
  const add = ((ax >> 8) * base) & 0xff;
  const al = (lo + add) & 0xff;
  setReg16(REG_EAX, al);
  // Intel: flags of the 8-bit ADD AL, (AH * imm8)
  lazyArith(LZ_ADD, lo, add, al, 0x80);
}

/** SALC (undocumented D6): AL = CF ? 0xFF : 0. */
export function salc(): void { setReg8(0, getCF() ? 0xff : 0); }
