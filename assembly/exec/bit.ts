// Bit instructions: BT BTS BTR BTC (register and immediate offsets) and BSF/BSR
// (SDM Vol. 2 "BT", "BSF", "BSR"). With a register offset and a memory operand the offset is a
// signed bit string index that may reach outside the addressed word.
// Flags: BT* set CF and leave the rest; BSF/BSR as Intel processors do (see bitScan).

import { EFLAGS_CF, EFLAGS_ZF, EFLAGS_PF } from "../layout";
import { fault, checkSegWrite, segCheck } from "../state";
import { setFlagBits, setArithFlags, parityBit } from "../flags";
import { rmIsReg, eaOff, eaLin, eaSeg, setEaOff, modrm } from "../decode/modrm";
import { readReg, writeReg, readE, writeG } from "../decode/operand";
import { rd16, rd32, rmw16, rmw32, rmwEnd16, rmwEnd32 } from "../mmu/memory";

export const BT_BT = 0;
export const BT_BTS = 1;
export const BT_BTR = 2;
export const BT_BTC = 3;

export function bitTest(kind: i32, offset: u32, regOffset: bool, size: i32): void {
  const bits = <u32>size << 3;
  let bit: u32;
  if (rmIsReg) {
    bit = offset & (bits - 1);
    const r = <i32>(modrm & 7);
    const v = readReg(r, size);
    setFlagBits(EFLAGS_CF, ((v >>> bit) & 1) != 0);
    if (kind != BT_BT) writeReg(r, size, apply(kind, v, bit));
    return;
  }
  if (regOffset) {
    const so: i32 = size == 4 ? <i32>offset : <i32>(<i16>offset);
    setEaOff(eaOff + <u32>((so >> (size == 4 ? 5 : 4)) * size));
    bit = <u32>so & (bits - 1);
  } else {
    bit = offset & (bits - 1);
  }
  segCheck(eaSeg, eaOff, <u32>size);
  let v: u32;
  if (kind == BT_BT) {
    v = size == 4 ? rd32(eaLin) : rd16(eaLin);
    if (fault) return;
  } else {
    checkSegWrite(eaSeg);
    v = size == 4 ? rmw32(eaLin) : rmw16(eaLin);
    if (fault) return;
    const r = apply(kind, v, bit);
    if (size == 4) rmwEnd32(r); else rmwEnd16(r);
    if (fault) return;
  }
  setFlagBits(EFLAGS_CF, ((v >>> bit) & 1) != 0);
}

@inline function apply(kind: i32, v: u32, bit: u32): u32 {
  const m: u32 = 1 << bit;
  if (kind == BT_BTS) return v | m;
  if (kind == BT_BTR) return v & ~m;
  return v ^ m;
}

export function bitScan(reverse: bool, size: i32): void {
  const v = readE(size);
  if (fault) return;
  // Intel: a zero source sets ZF and PF and leaves the destination; otherwise PF is the parity of
  // the index; CF, OF, SF, AF are cleared either way.
  if (v == 0) {
    setArithFlags(EFLAGS_ZF | EFLAGS_PF);
    return;
  }
  const idx: u32 = reverse ? 31 - clz<u32>(v) : ctz<u32>(v);
  writeG(size, idx);
  setArithFlags(parityBit(idx));
}
