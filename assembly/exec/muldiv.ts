// MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV (SDM Vol. 2).
// CF=OF report a significant upper half. SF/ZF/PF/AF are "undefined" in the SDM: set here as
// Intel processors set them (mulFlags).
// DIV/IDIV leave the flags unchanged and raise #DE for a zero divisor or a quotient overflow.

import { EXC_DE, REG_EAX, REG_EDX } from "../layout";
import { setArithFlags, parityBit } from "../flags";
import { EFLAGS_CF, EFLAGS_OF, EFLAGS_SF } from "../layout";

// Intel processors: SF = MSB of the low half, ZF = 0, PF = parity of the low byte, AF = 0.
function mulFlags(low: u32, sign: u32, over: bool): void {
  setArithFlags((over ? EFLAGS_CF | EFLAGS_OF : 0) | ((low & sign) != 0 ? EFLAGS_SF : 0) | parityBit(low));
}
import { reg8, reg16, reg32, setReg16, setReg32, raise, setReg8 } from "../state";

/** MUL (unsigned) or IMUL (signed) of the accumulator by `src`, size 1/2/4. */
export function mulAcc(signed: bool, src: u32, size: i32): void {
  if (size == 1) {
    const al = reg8(0);
    let r: u32;
    let over: bool;
    if (signed) {
      const p = <i32>(<i8>al) * <i32>(<i8>src);
      r = <u32>p & 0xffff;
      over = p != <i32>(<i8>p);
    } else {
      r = al * src;
      over = (r >> 8) != 0;
    }
    setReg16(REG_EAX, r);
    mulFlags(r & 0xff, 0x80, over);
  } else if (size == 2) {
    const ax = reg16(REG_EAX);
    let r: u32;
    let over: bool;
    if (signed) {
      const p = <i32>(<i16>ax) * <i32>(<i16>src);
      r = <u32>p;
      over = p != <i32>(<i16>p);
    } else {
      r = ax * src;
      over = (r >>> 16) != 0;
    }
    setReg16(REG_EAX, r & 0xffff);
    setReg16(REG_EDX, r >>> 16);
    mulFlags(r & 0xffff, 0x8000, over);
  } else {
    const eax = reg32(REG_EAX);
    let lo: u32;
    let hi: u32;
    let over: bool;
    if (signed) {
      const p = <i64>(<i32>eax) * <i64>(<i32>src);
      lo = <u32>p;
      hi = <u32>(p >> 32);
      over = p != <i64>(<i32>lo);
    } else {
      const p = <u64>eax * <u64>src;
      lo = <u32>p;
      hi = <u32>(p >> 32);
      over = hi != 0;
    }
    setReg32(REG_EAX, lo);
    setReg32(REG_EDX, hi);
    mulFlags(lo, 0x80000000, over);
  }
}

/** IMUL dst, a, b (two- and three-operand forms): returns the truncated product. */
export function imulTrunc(a: u32, b: u32, size: i32): u32 {
  if (size == 2) {
    const p = <i32>(<i16>a) * <i32>(<i16>b);
    const over = p != <i32>(<i16>p);
    const r = <u32>p & 0xffff;
    mulFlags(r, 0x8000, over);
    return r;
  }
  const p = <i64>(<i32>a) * <i64>(<i32>b);
  const r = <u32>p;
  const over = p != <i64>(<i32>r);
  mulFlags(r, 0x80000000, over);
  return r;
}

/** DIV/IDIV of the accumulator (AX, DX:AX, EDX:EAX) by `src`. Returns false after #DE. */
export function divAcc(signed: bool, src: u32, size: i32): bool {
  if (src == 0) { raise(EXC_DE, -1); return false; }
  if (size == 1) {
    const ax = reg16(REG_EAX);
    if (signed) {
      const n = <i32>(<i16>ax);
      const d = <i32>(<i8>src);
      const q = n / d;
      if (q > 127 || q < -128) { raise(EXC_DE, -1); return false; }
      setReg8(0, <u32>q & 0xff);
      setReg8(4, <u32>(n % d) & 0xff);
    } else {
      const q = ax / src;
      if (q > 0xff) { raise(EXC_DE, -1); return false; }
      setReg8(0, q);
      setReg8(4, ax % src);
    }
  } else if (size == 2) {
    const n32 = (reg16(REG_EDX) << 16) | reg16(REG_EAX);
    if (signed) {
      const n = <i32>n32;
      const d = <i32>(<i16>src);
      if (n == i32.MIN_VALUE && d == -1) { raise(EXC_DE, -1); return false; }
      const q = n / d;
      if (q > 32767 || q < -32768) { raise(EXC_DE, -1); return false; }
      setReg16(REG_EAX, <u32>q & 0xffff);
      setReg16(REG_EDX, <u32>(n % d) & 0xffff);
    } else {
      const q = n32 / src;
      if (q > 0xffff) { raise(EXC_DE, -1); return false; }
      setReg16(REG_EAX, q);
      setReg16(REG_EDX, n32 % src);
    }
  } else {
    const n64: u64 = (<u64>reg32(REG_EDX) << 32) | <u64>reg32(REG_EAX);
    if (signed) {
      const n = <i64>n64;
      const d = <i64>(<i32>src);
      if (n == i64.MIN_VALUE && d == -1) { raise(EXC_DE, -1); return false; }
      const q = n / d;
      if (q > <i64>i32.MAX_VALUE || q < <i64>i32.MIN_VALUE) { raise(EXC_DE, -1); return false; }
      setReg32(REG_EAX, <u32>q);
      setReg32(REG_EDX, <u32>(n % d));
    } else {
      const q = n64 / <u64>src;
      if (q > 0xffffffff) { raise(EXC_DE, -1); return false; }
      setReg32(REG_EAX, <u32>q);
      setReg32(REG_EDX, <u32>(n64 % <u64>src));
    }
  }
  return true;
}
