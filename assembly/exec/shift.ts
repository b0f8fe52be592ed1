// Shifts and rotates: group 2 (ROL ROR RCL RCR SHL SHR SAL SAR) and SHLD/SHRD
// (SDM Vol. 2: "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD").
// The count is masked to 5 bits; a masked count of 0 changes nothing, flags included. For
// flags the SDM leaves undefined (OF for counts > 1, AF) the values are those Intel processors
// produce: OF is the count-1 formula applied to the original operands, AF is cleared; RCL/RCR by
// a multiple of the operand size + 1 change nothing; ROL/ROR with an immediate count > 1 leave OF
// unchanged for a register operand (measured on Intel: the CL and memory forms compute it).

import { EFLAGS_CF, EFLAGS_OF } from "../layout";
import { getCF, getOF, lazyResultWith, materialize, flagsRaw, setFlagsRaw } from "../flags";
import { sizeMask, sizeSign } from "./alu";

export const SH_ROL = 0;
export const SH_ROR = 1;
export const SH_RCL = 2;
export const SH_RCR = 3;
export const SH_SHL = 4;
export const SH_SHR = 5;
export const SH_SAL = 6;
export const SH_SAR = 7;

// OF as the count-1 formula of SHL/ROL/RCL gives it from the original operand.
@inline function msbXorNext(v: u32, sign: u32): bool { return ((v & sign) != 0) != ((v & (sign >>> 1)) != 0); }

// Rotates change only CF and OF; ZF/SF/PF/AF keep their values.
function setFlagsOnly(cf: bool, ovf: bool): void {
  materialize();
  setFlagsRaw((flagsRaw() & ~(EFLAGS_CF | EFLAGS_OF)) | (cf ? EFLAGS_CF : 0) | (ovf ? EFLAGS_OF : 0));
}

/** Group-2 operation. `count` is the raw count operand; returns the (masked) result. */
export function shift(op: i32, v: u32, rawCount: u32, size: i32, immRegForm: bool): u32 {
  const count = rawCount & 0x1f;
  if (count == 0) return v;
  const bits = <u32>size << 3;
  const mask = sizeMask(size);
  const sign = sizeSign(size);
  let r: u32;
  let cf: bool;
  switch (op) {
    case SH_ROL: {
      const c = count % bits;
      r = c == 0 ? v : ((v << c) | (v >>> (bits - c))) & mask;
      cf = (r & 1) != 0;
      setFlagsOnly(cf, immRegForm && count > 1 ? getOF() : msbXorNext(v, sign));
      return r;
    }
    case SH_ROR: {
      const c = count % bits;
      r = c == 0 ? v : ((v >>> c) | (v << (bits - c))) & mask;
      cf = (r & sign) != 0;
      setFlagsOnly(cf, immRegForm && count > 1 ? getOF() : ((v & sign) != 0) != ((v & 1) != 0));
      return r;
    }
    case SH_RCL: {
      const c = <u64>(count % (bits + 1));
      if (c == 0) return v; // a whole turn: nothing changes, flags included
      const n = <u64>bits;
      const wide: u64 = (<u64>v) | (getCF() ? (<u64>1 << n) : 0);
      const rot: u64 = ((wide << c) | (wide >>> (n + 1 - c))) & ((<u64>1 << (n + 1)) - 1);
      r = <u32>(rot & <u64>mask);
      cf = ((rot >>> n) & 1) != 0;
      setFlagsOnly(cf, msbXorNext(v, sign));
      return r;
    }
    case SH_RCR: {
      const c = <u64>(count % (bits + 1));
      if (c == 0) return v;
      const n = <u64>bits;
      const cin = getCF();
      const wide: u64 = (<u64>v) | (cin ? (<u64>1 << n) : 0);
      const rot: u64 = ((wide >>> c) | (wide << (n + 1 - c))) & ((<u64>1 << (n + 1)) - 1);
      r = <u32>(rot & <u64>mask);
      cf = ((rot >>> n) & 1) != 0;
      setFlagsOnly(cf, ((v & sign) != 0) != cin);
      return r;
    }
    case SH_SHR: {
      r = count >= bits ? 0 : (v >>> count);
      cf = count > bits ? false : ((v >>> (count - 1)) & 1) != 0;
      lazyResultWith(r, sign, cf, (v & sign) != 0, false);
      return r;
    }
    case SH_SAR: {
      const sv: i32 = size == 4 ? <i32>v : (size == 2 ? <i32>(<i16>v) : <i32>(<i8>v));
      const c = count >= bits ? bits - 1 : count;
      r = <u32>(sv >> c) & mask;
      cf = ((sv >> (count >= bits ? bits - 1 : count - 1)) & 1) != 0;
      lazyResultWith(r, sign, cf, false, false);
      return r;
    }
    default: { // SHL, SAL
      r = count >= 32 ? 0 : (v << count) & mask;
      cf = count > bits ? false : ((v << (count - 1)) & sign) != 0;
      lazyResultWith(r, sign, cf, msbXorNext(v, sign), false);
      return r;
    }
  }
}

/** SHLD (left) or SHRD (right) of `dst` with bits from `src`; size 2 or 4. */
export function shiftDouble(left: bool, dst: u32, src: u32, rawCount: u32, size: i32): u32 {
  const count = rawCount & 0x1f;
  if (count == 0) return dst;
  const bits = <u32>size << 3;
  const mask = sizeMask(size);
  const sign = sizeSign(size);
  let r: u32;
  let cf: bool;
  if (size == 4) {
    if (left) {
      r = (dst << count) | (src >>> (32 - count));
      cf = ((dst >>> (32 - count)) & 1) != 0;
    } else {
      r = (dst >>> count) | (src << (32 - count));
      cf = ((dst >>> (count - 1)) & 1) != 0;
    }
  } else {
    // 16-bit: operate on the 48-bit pattern dst:src:dst as Intel processors do for counts > 16.
    if (left) {
      const wide: u64 = (<u64>dst << 32) | (<u64>src << 16) | <u64>dst;
      r = <u32>((wide << <u64>count) >>> 32) & mask;
      cf = ((wide << <u64>(count - 1)) >>> 47 & 1) != 0;
    } else {
      const w2: u64 = (<u64>dst) | (<u64>src << 16) | (<u64>dst << 32);
      r = <u32>(w2 >>> <u64>count) & mask;
      cf = ((w2 >>> <u64>(count - 1)) & 1) != 0;
    }
  }
  lazyResultWith(r, sign, cf, left ? msbXorNext(dst, sign) : ((dst & sign) != 0) != ((src & 1) != 0), false);
  return r;
}
