// The stack: PUSH/POP in 16 and 32 bits with SS.B choosing ESP or SP, PUSHA/POPA, ENTER/LEAVE,
// PUSHF/POPF with the protected-mode rules for IF and IOPL (SDM Vol. 2 "POPF": at CPL > 0 IOPL
// is kept; at CPL > IOPL IF is kept, silently — the sensitive-but-unprivileged case).
// A push or pop commits ESP only after its memory access succeeded.

import { REG_ESP, REG_EBP, SEG_SS, EFLAGS_VM, EFLAGS_RF, EFLAGS_IF, EFLAGS_IOPL, EFLAGS_IOPL_SHIFT,
  EFLAGS_TF, EFLAGS_NT, EFLAGS_AC, EFLAGS_ID, EFLAGS_DF, EFLAGS_ARITH, EFLAGS_FIXED } from "../layout";
import { reg32, setReg32, reg16, setReg16, stack32, segBase, fault, cpl, o32 } from "../state";
import { rd16, rd32, wr16, wr32, probeStack } from "../mmu/memory";
import { getEflags, setEflags, flagsRaw } from "../flags";

@inline export function ssBase(): u32 { return segBase(SEG_SS); }
@inline export function sp(): u32 { return stack32 ? reg32(REG_ESP) : reg16(REG_ESP); }
@inline export function setSp(v: u32): void { if (stack32) setReg32(REG_ESP, v); else setReg16(REG_ESP, v); }
@inline export function spAdd(v: u32, d: u32): u32 { return stack32 ? v + d : (v + d) & 0xffff; }

export function push32(v: u32): void {
  const s = spAdd(sp(), <u32>-4);
  wr32(ssBase() + s, v);
  if (!fault) setSp(s);
}

export function push16(v: u32): void {
  const s = spAdd(sp(), <u32>-2);
  wr16(ssBase() + s, v);
  if (!fault) setSp(s);
}

@inline export function pushV(v: u32): void { if (o32) push32(v); else push16(v); }

export function pop32(): u32 {
  const s = sp();
  const v = rd32(ssBase() + s);
  if (!fault) setSp(spAdd(s, 4));
  return v;
}

export function pop16(): u32 {
  const s = sp();
  const v = rd16(ssBase() + s);
  if (!fault) setSp(spAdd(s, 2));
  return v;
}

@inline export function popV(): u32 { return o32 ? pop32() : pop16(); }

/** Read the stack `off` bytes above the top without popping. */
export function peek(off: u32, size: i32): u32 {
  const a = ssBase() + spAdd(sp(), off);
  return size == 4 ? rd32(a) : rd16(a);
}

export function pusha(): void {
  const size: u32 = o32 ? 4 : 2;
  const top = sp();
  const base = ssBase();
  const low = spAdd(top, <u32>-(size * 8));
  if (!probeStack(base + low, size * 8, size, cpl == 3)) return;
  for (let r = 0; r < 8; r++) {
    const a = base + spAdd(top, <u32>-(size * <u32>(r + 1)));
    if (o32) wr32(a, reg32(r)); else wr16(a, reg16(r));
  }
  if (!fault) setSp(low);
}

export function popa(): void {
  const size: u32 = o32 ? 4 : 2;
  const top = sp();
  const base = ssBase();
  const vals = changetype<usize>(memory.data(32));
  for (let i = 0; i < 8; i++) {
    const a = base + spAdd(top, size * <u32>i);
    store<u32>(vals + (i << 2), o32 ? rd32(a) : rd16(a));
  }
  if (fault) return;
  for (let i = 0; i < 8; i++) {
    const r = 7 - i;
    if (r == REG_ESP) continue;
    const v = load<u32>(vals + (i << 2));
    if (o32) setReg32(r, v); else setReg16(r, v);
  }
  setSp(spAdd(top, size * 8));
}

function wrV(a: u32, v: u32): void { if (o32) wr32(a, v); else wr16(a, v); }

/** ENTER imm16, imm8 (SDM Vol. 2 "ENTER"). */
export function enter(alloc: u32, nesting: u32): void {
  const level = nesting & 31;
  const size: u32 = o32 ? 4 : 2;
  const base = ssBase();
  let s = spAdd(sp(), <u32>-size);
  wrV(base + s, o32 ? reg32(REG_EBP) : reg16(REG_EBP));
  const frame = s;
  if (level > 0) {
    let bp = stack32 ? reg32(REG_EBP) : reg16(REG_EBP);
    for (let i: u32 = 1; i < level; i++) {
      bp = stack32 ? bp - size : (bp - size) & 0xffff;
      const v = o32 ? rd32(base + bp) : rd16(base + bp);
      s = spAdd(s, <u32>-size);
      wrV(base + s, v);
    }
    s = spAdd(s, <u32>-size);
    wrV(base + s, frame);
  }
  const newSp = spAdd(s, <u32>-alloc);
  if (fault) return;
  if (o32) setReg32(REG_EBP, frame); else setReg16(REG_EBP, frame);
  setSp(newSp);
}

export function leave(): void {
  const bp = stack32 ? reg32(REG_EBP) : reg16(REG_EBP);
  const a = ssBase() + bp;
  const v = o32 ? rd32(a) : rd16(a);
  if (fault) return;
  setSp(spAdd(bp, o32 ? 4 : 2));
  if (o32) setReg32(REG_EBP, v); else setReg16(REG_EBP, v);
}

/** The EFLAGS image PUSHF stores: VM and RF read as 0. */
export function pushfImage(): u32 { return getEflags() & ~(EFLAGS_VM | EFLAGS_RF); }

/**
 * Apply a POPF/IRET-style flags image at the current CPL (protected mode, not V86).
 * `size` 2 keeps the upper 16 bits. IF changes only if CPL <= IOPL; IOPL only at CPL 0.
 */
export function writeFlagsImage(v: u32, size: i32): void {
  const old = getEflags();
  let modifiable: u32 = EFLAGS_ARITH | EFLAGS_TF | EFLAGS_DF | EFLAGS_NT;
  if (size == 4) modifiable |= EFLAGS_AC | EFLAGS_ID;
  const iopl = <i32>((flagsRaw() & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT);
  if (cpl == 0) modifiable |= EFLAGS_IOPL;
  if (cpl <= iopl) modifiable |= EFLAGS_IF;
  setEflags((old & ~modifiable) | (v & modifiable) | EFLAGS_FIXED);
}
