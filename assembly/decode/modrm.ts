// ModR/M and SIB decoding: effective addresses in 32-bit and 16-bit addressing forms
// (SDM Vol. 2 §2.1.5, tables 2-1, 2-2, 2-3), with the default segment (SS for EBP/ESP/BP bases)
// and segment overrides. Sets the globals below for the instruction handlers.

import { SEG_DS, SEG_SS } from "../layout";
import { reg32, reg16, a32, segOvr, segBase, checkSegRead, segUnusable, eip } from "../state";
import { fetch8, fetch32, fetch16, peekCode32 } from "../mmu/memory";

export let modrm: u32 = 0; //    the ModR/M byte
export let rmIsReg: bool = false;
export let eaOff: u32 = 0; //    effective address (offset within the segment)
export let eaSeg: i32 = SEG_DS;
export let eaLin: u32 = 0; //    linear address = segment base + offset
export let eaEspBase: bool = false; // valid when ModR/M has a SIB byte: its base is ESP (POP Ev adjusts it)

@inline export function regField(): i32 { return <i32>((modrm >> 3) & 7); }
@inline export function rmField(): i32 { return <i32>(modrm & 7); }

/** Fetch the ModR/M byte (and SIB/displacement) and compute the operand address. */
export function decodeModrm(): void {
  if (a32) {
    const w64 = peekCode32();
    if (w64 >= 0) { decode32FromWord(<u32>w64); return; }
  }
  decodeModrmBytes();
}

/**
 * 32-bit addressing from the four code bytes at EIP (ModR/M, SIB, disp8 fit; a disp32 is
 * fetched after them). Consumes exactly the bytes the form uses.
 */
@inline function decode32FromWord(w: u32): void {
  const e = eip;
  const m = w & 0xff;
  modrm = m;
  if (m >= 0xc0) { eip = e + 1; rmIsReg = true; return; }
  rmIsReg = false;
  const mod = m >> 6;
  const rm = <i32>(m & 7);
  let off: u32;
  let seg = SEG_DS;
  if (rm != 4) {
    if (mod == 0) {
      eip = e + 1;
      off = rm == 5 ? fetch32() : reg32(rm);
    } else if (mod == 1) {
      eip = e + 2;
      off = reg32(rm) + <u32>(<i32>(<i8>(w >> 8)));
      if (rm == 5) seg = SEG_SS;
    } else {
      eip = e + 1;
      off = reg32(rm) + fetch32();
      if (rm == 5) seg = SEG_SS;
    }
  } else {
    const sib = (w >> 8) & 0xff;
    const base = <i32>(sib & 7);
    const index = <i32>((sib >> 3) & 7);
    if (base == 5 && mod == 0) {
      eip = e + 2;
      off = fetch32();
    } else {
      off = reg32(base);
      if (base == 4 || base == 5) seg = SEG_SS;
      eaEspBase = base == 4;
      if (mod == 1) {
        eip = e + 3;
        off += <u32>(<i32>(<i8>(w >> 16)));
      } else {
        eip = e + 2;
        if (mod == 2) off += fetch32();
      }
    }
    if (index != 4) off += reg32(index) << (sib >> 6);
  }
  if (segOvr >= 0) seg = segOvr;
  eaOff = off;
  eaSeg = seg;
  eaLin = segBase(seg) + off;
  if (segUnusable != 0) checkSegRead(seg);
}

function decodeModrmBytes(): void {
  const m = fetch8();
  modrm = m;
  if (m >= 0xc0) { rmIsReg = true; return; }
  rmIsReg = false;
  if (a32) ea32(m);
  else { eaEspBase = false; ea16(m); }
  eaLin = segBase(eaSeg) + eaOff;
  if (segUnusable != 0) checkSegRead(eaSeg);
}

@inline function ea32(m: u32): void {
  const mod = m >> 6;
  const rm = <i32>(m & 7);
  let seg = SEG_DS;
  let off: u32;
  if (rm == 4) {
    const sib = fetch8();
    const base = <i32>(sib & 7);
    const index = <i32>((sib >> 3) & 7);
    if (base == 5 && mod == 0) {
      off = fetch32();
    } else {
      off = reg32(base);
      if (base == 4 || base == 5) seg = SEG_SS;
      eaEspBase = base == 4;
    }
    if (index != 4) off += reg32(index) << (sib >> 6);
  } else if (rm == 5 && mod == 0) {
    off = fetch32();
  } else {
    off = reg32(rm);
    if (rm == 5) seg = SEG_SS;
  }
  if (mod == 1) off += <u32>(<i32>(<i8>fetch8()));
  else if (mod == 2) off += fetch32();
  eaOff = off;
  eaSeg = segOvr >= 0 ? segOvr : seg;
}

function ea16(m: u32): void {
  const mod = m >> 6;
  const rm = m & 7;
  let seg = SEG_DS;
  let off: u32;
  switch (rm) {
    case 0: off = reg16(3) + reg16(6); break; //  BX+SI
    case 1: off = reg16(3) + reg16(7); break; //  BX+DI
    case 2: off = reg16(5) + reg16(6); seg = SEG_SS; break; // BP+SI
    case 3: off = reg16(5) + reg16(7); seg = SEG_SS; break; // BP+DI
    case 4: off = reg16(6); break; //             SI
    case 5: off = reg16(7); break; //             DI
    case 6:
      if (mod == 0) { off = fetch16(); }
      else { off = reg16(5); seg = SEG_SS; } //   BP
      break;
    default: off = reg16(3); break; //            BX
  }
  if (mod == 1) off += <u32>(<i32>(<i8>fetch8()));
  else if (mod == 2) off += fetch16();
  eaOff = off & 0xffff;
  eaSeg = segOvr >= 0 ? segOvr : seg;
}

/** Recompute the linear address after the offset was adjusted (e.g. BT with a register bit offset). */
export function setEaOff(off: u32): void {
  eaOff = off;
  eaLin = segBase(eaSeg) + off;
}
