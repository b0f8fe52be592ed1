// EFLAGS with lazy arithmetic flags.
//
// An ALU instruction records its operands and result instead of computing six flags; a flag is
// computed only when something reads it (Jcc, SETcc, PUSHF, ADC, an exception frame...).
// `lzMask` says which of CF|PF|AF|ZF|SF|OF are lazy; all other bits live in `fl`.
// Lazy CF/OF/AF depend on the kind of the last operation (LZ_*); ZF/SF/PF only on its result.
// Operands and result are stored already masked to the operation size; `lzSign` is its sign bit.

import {
  EFLAGS_CF, EFLAGS_PF, EFLAGS_AF, EFLAGS_ZF, EFLAGS_SF, EFLAGS_OF, EFLAGS_ARITH, EFLAGS_FIXED,
  STATE_BASE, STATE_EFLAGS,
} from "./layout";

export const LZ_ADD: i32 = 0; // res = dst + src
export const LZ_ADC: i32 = 1; // res = dst + src + 1
export const LZ_SUB: i32 = 2; // res = dst - src
export const LZ_SBB: i32 = 3; // res = dst - src - 1

const LOGIC_LAZY: u32 = EFLAGS_ZF | EFLAGS_SF | EFLAGS_PF;

export let fl: u32 = EFLAGS_FIXED; // the non-lazy EFLAGS bits
let lzMask: u32 = 0;
let lzOp: i32 = 0;
let lzRes: u32 = 0;
let lzDst: u32 = 0;
let lzSrc: u32 = 0;
let lzSign: u32 = 0x80000000;

// ---- recording ----

/** ADD/ADC/SUB/SBB/CMP/NEG: all six flags lazy. Values masked to the operand size. */
@inline export function lazyArith(op: i32, dst: u32, src: u32, res: u32, sign: u32): void {
  lzOp = op; lzDst = dst; lzSrc = src; lzRes = res; lzSign = sign;
  lzMask = EFLAGS_ARITH;
}

/** INC/DEC: like ADD/SUB of 1, but CF is preserved. */
@inline export function lazyIncDec(op: i32, dst: u32, res: u32, sign: u32): void {
  const cf = getCF();
  fl = (fl & ~EFLAGS_CF) | (cf ? EFLAGS_CF : 0);
  lzOp = op; lzDst = dst; lzSrc = 1; lzRes = res; lzSign = sign;
  lzMask = EFLAGS_ARITH & ~EFLAGS_CF;
}

/** AND/OR/XOR/TEST: CF=OF=0, AF=0 (as Intel processors leave it), ZF/SF/PF from the result. */
@inline export function lazyLogic(res: u32, sign: u32): void {
  fl &= ~(EFLAGS_CF | EFLAGS_OF | EFLAGS_AF);
  lzRes = res; lzSign = sign;
  lzMask = LOGIC_LAZY;
}

/** Shifts, rotates into ZF/SF/PF and others: CF, OF, AF given explicitly; ZF/SF/PF from `res`. */
export function lazyResultWith(res: u32, sign: u32, cf: bool, ovf: bool, af: bool): void {
  fl = (fl & ~(EFLAGS_CF | EFLAGS_OF | EFLAGS_AF))
    | (cf ? EFLAGS_CF : 0) | (ovf ? EFLAGS_OF : 0) | (af ? EFLAGS_AF : 0);
  lzRes = res; lzSign = sign;
  lzMask = LOGIC_LAZY;
}

/** Set all six arithmetic flags at once (for instructions with odd flag rules). */
export function setArithFlags(bits: u32): void {
  fl = (fl & ~EFLAGS_ARITH) | (bits & EFLAGS_ARITH);
  lzMask = 0;
}

@inline export function parityBit(v: u32): u32 { return (popcnt<u32>(v & 0xff) & 1) == 0 ? EFLAGS_PF : 0; }

// ---- reading single flags ----

export function getCF(): bool {
  if ((lzMask & EFLAGS_CF) == 0) return (fl & EFLAGS_CF) != 0;
  switch (lzOp) {
    case LZ_ADD: return lzRes < lzDst;
    case LZ_ADC: return lzRes <= lzDst;
    case LZ_SUB: return lzDst < lzSrc;
    default: return lzDst <= lzSrc;
  }
}

export function getOF(): bool {
  if ((lzMask & EFLAGS_OF) == 0) return (fl & EFLAGS_OF) != 0;
  if (lzOp <= LZ_ADC) return ((lzDst ^ lzRes) & (lzSrc ^ lzRes) & lzSign) != 0;
  return ((lzDst ^ lzSrc) & (lzDst ^ lzRes) & lzSign) != 0;
}

@inline export function getAF(): bool {
  if ((lzMask & EFLAGS_AF) == 0) return (fl & EFLAGS_AF) != 0;
  return ((lzDst ^ lzSrc ^ lzRes) & 0x10) != 0;
}

@inline export function getZF(): bool {
  if ((lzMask & EFLAGS_ZF) == 0) return (fl & EFLAGS_ZF) != 0;
  return lzRes == 0;
}

@inline export function getSF(): bool {
  if ((lzMask & EFLAGS_SF) == 0) return (fl & EFLAGS_SF) != 0;
  return (lzRes & lzSign) != 0;
}

@inline export function getPF(): bool {
  if ((lzMask & EFLAGS_PF) == 0) return (fl & EFLAGS_PF) != 0;
  return (popcnt<u32>(lzRes & 0xff) & 1) == 0;
}

/** Condition code cc (the low nibble of Jcc/SETcc/CMOVcc), SDM Vol. 1 appendix B. */
@inline export function condition(cc: i32): bool {
  let r: bool;
  switch (cc >> 1) {
    case 2: r = getZF(); break; // ZF is the result's, whatever the operation
    case 1: r = getCF(); break;
    case 4: r = getSF(); break;
    default: r = conditionOther(cc); break;
  }
  return (cc & 1) != 0 ? !r : r;
}

// O, BE, P, L, LE (un-negated). After CMP/SUB the signed and unsigned comparisons use the
// recorded operands directly (the sign bit moved to bit 31 for 8/16-bit operands).
function conditionOther(cc: i32): bool {
  const k = cc >> 1;
  if (lzMask == EFLAGS_ARITH && lzOp == LZ_SUB) {
    if (k == 3) return lzDst <= lzSrc;
    if (k >= 6) {
      const sh = clz<u32>(lzSign);
      const a = <i32>(lzDst << sh);
      const b = <i32>(lzSrc << sh);
      return k == 6 ? a < b : a <= b;
    }
  }
  switch (k) {
    case 0: return getOF();
    case 3: return getCF() || getZF();
    case 5: return getPF();
    case 6: return getSF() != getOF();
    default: return getZF() || (getSF() != getOF());
  }
}

// ---- whole register ----

/** The architectural EFLAGS value with lazy flags materialised. */
export function getEflags(): u32 {
  if (lzMask == 0) return fl | EFLAGS_FIXED;
  let f = fl & ~lzMask;
  if (getCF()) f |= EFLAGS_CF;
  if (getPF()) f |= EFLAGS_PF;
  if (getAF()) f |= EFLAGS_AF;
  if (getZF()) f |= EFLAGS_ZF;
  if (getSF()) f |= EFLAGS_SF;
  if (getOF()) f |= EFLAGS_OF;
  return f | EFLAGS_FIXED;
}

/** Replace all flags (no lazy state remains). Bits the CPU cannot hold are the caller's concern. */
export function setEflags(v: u32): void {
  fl = v | EFLAGS_FIXED;
  lzMask = 0;
}

/** Materialise lazy flags into `fl` (so single bits can be edited directly). */
export function materialize(): void {
  if (lzMask != 0) setEflags(getEflags());
}

/** Set or clear the bits in `mask` (materialising first). */
export function setFlagBits(mask: u32, on: bool): void {
  materialize();
  if (on) fl |= mask; else fl &= ~mask;
}

/** Non-arithmetic bits (IF, DF, TF, IOPL...) are never lazy: read them straight from `fl`. */
@inline export function flagsRaw(): u32 { return fl; }
@inline export function setFlagsRaw(v: u32): void { fl = v; }

export function flagsToState(): void { store<u32>(STATE_BASE + STATE_EFLAGS, getEflags()); }
export function flagsFromState(): void { setEflags(load<u32>(STATE_BASE + STATE_EFLAGS)); }
