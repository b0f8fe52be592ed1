// Operand access after decodeModrm(): the E operand (register or memory per ModR/M.rm) and the
// G operand (register per ModR/M.reg), in sizes 1, 2 and 4 bytes (SDM Vol. 2 §A.2 notation).

import { reg8, reg16, reg32, setReg8, setReg16, setReg32, checkSegWrite, segCheck } from "../state";
import { modrm, rmIsReg, eaLin, eaSeg, eaOff } from "./modrm";
import { rd8, rd16, rd32, wr8, wr16, wr32, rmw8, rmw16, rmw32, rmwEnd8, rmwEnd16, rmwEnd32 } from "../mmu/memory";

@inline export function readReg(r: i32, size: i32): u32 {
  return size == 4 ? reg32(r) : (size == 2 ? reg16(r) : reg8(r));
}
@inline export function writeReg(r: i32, size: i32, v: u32): void {
  if (size == 4) setReg32(r, v); else if (size == 2) setReg16(r, v); else setReg8(r, v);
}

@inline export function readG(size: i32): u32 { return readReg(<i32>((modrm >> 3) & 7), size); }
@inline export function writeG(size: i32, v: u32): void { writeReg(<i32>((modrm >> 3) & 7), size, v); }

/** The limit check of a `size`-byte access to the decoded memory operand. */
@inline export function eaLimit(size: u32): void { segCheck(eaSeg, eaOff, size); }

@inline export function readE(size: i32): u32 {
  if (rmIsReg) return readReg(<i32>(modrm & 7), size);
  eaLimit(<u32>size);
  return size == 4 ? rd32(eaLin) : (size == 2 ? rd16(eaLin) : rd8(eaLin));
}
@inline export function writeE(size: i32, v: u32): void {
  if (rmIsReg) { writeReg(<i32>(modrm & 7), size, v); return; }
  checkSegWrite(eaSeg);
  eaLimit(<u32>size);
  if (size == 4) wr32(eaLin, v); else if (size == 2) wr16(eaLin, v); else wr8(eaLin, v);
}

/** Read E for a read-modify-write (memory: translated once with write intent). */
@inline export function rmwE(size: i32): u32 {
  if (rmIsReg) return readReg(<i32>(modrm & 7), size);
  checkSegWrite(eaSeg);
  eaLimit(<u32>size);
  return size == 4 ? rmw32(eaLin) : (size == 2 ? rmw16(eaLin) : rmw8(eaLin));
}
/** Complete the read-modify-write begun by rmwE. */
@inline export function rmwEndE(size: i32, v: u32): void {
  if (rmIsReg) { writeReg(<i32>(modrm & 7), size, v); return; }
  if (size == 4) rmwEnd32(v); else if (size == 2) rmwEnd16(v); else rmwEnd8(v);
}

@inline export function readE32(): u32 {
  if (rmIsReg) return reg32(<i32>(modrm & 7));
  eaLimit(4);
  return rd32(eaLin);
}
