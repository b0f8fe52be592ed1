// Linear-address memory access for instructions: the TLB fast path, the out-of-line slow path
// (page walk, page-crossing accesses, addresses outside RAM), read-modify-write, supervisor
// (implicit) accesses, and instruction fetch through a cached code page.
//
// Contract: an access that faults raises the exception (state.raise) and returns 0; every write
// and RMW completion does nothing once `fault` is set, so a handler that performs its memory
// writes before committing registers never leaves a half-done instruction behind.

import { eip, csBase, cpl, fault } from "../state";
import { tlbGet, tlbFlush, tlbInvalidate, TLB_VALID, TLB_WS, TLB_U, TLB_WU } from "./tlb";
import { translateSlow, TLB_MMIO } from "./paging";

let rdMask: u32 = TLB_VALID;
let wrMask: u32 = TLB_VALID | TLB_WS;

/** Call whenever CPL changes. */
export function updatePrivilege(): void {
  if (cpl == 3) { rdMask = TLB_VALID | TLB_U; wrMask = TLB_VALID | TLB_U | TLB_WU; }
  else { rdMask = TLB_VALID; wrMask = TLB_VALID | TLB_WS; }
  codeStart = CODE_NONE;
}

// ---- slow paths ----

function translate(lin: u32, write: bool, user: bool): u32 {
  const mask: u32 = user ? (write ? TLB_VALID | TLB_U | TLB_WU : TLB_VALID | TLB_U)
                         : (write ? TLB_VALID | TLB_WS : TLB_VALID);
  const e = tlbGet(lin);
  if ((e & mask) == mask) return e;
  return translateSlow(lin, write, user);
}

function readByteAt(lin: u32, user: bool): u32 {
  const e = translate(lin, false, user);
  if (e == 0) return 0;
  if ((e & TLB_MMIO) != 0) return 0xff;
  return <u32>load<u8>((e & ~<u32>0xfff) + (lin & 0xfff));
}

// A page-crossing access checks the first page, then the second at its first byte: a #PF on the
// second page reports that byte in CR2, as hardware does.
export function readSlow(lin: u32, size: i32, user: bool): u32 {
  if (fault) return 0;
  if ((lin & 0xfff) + <u32>size > 0x1000) {
    // crossing a page: check both pages first, then assemble bytes
    if (translate(lin, false, user) == 0) return 0;
    if (translate((lin + <u32>size - 1) & ~<u32>0xfff, false, user) == 0) return 0;
    let v: u32 = 0;
    for (let i = 0; i < size; i++) v |= readByteAt(lin + <u32>i, user) << (<u32>i << 3);
    return v;
  }
  const e = translate(lin, false, user);
  if (e == 0) return 0;
  if ((e & TLB_MMIO) != 0) return size == 4 ? 0xffffffff : (size == 2 ? 0xffff : 0xff);
  const p = (e & ~<u32>0xfff) + (lin & 0xfff);
  if (size == 1) return <u32>load<u8>(p);
  if (size == 2) return <u32>load<u16>(p);
  return load<u32>(p);
}

export function writeSlow(lin: u32, size: i32, v: u32, user: bool): void {
  if (fault) return;
  if ((lin & 0xfff) + <u32>size > 0x1000) {
    if (translate(lin, true, user) == 0) return;
    if (translate((lin + <u32>size - 1) & ~<u32>0xfff, true, user) == 0) return;
    for (let i = 0; i < size; i++) {
      const e = translate(lin + <u32>i, true, user);
      if ((e & TLB_MMIO) == 0) store<u8>((e & ~<u32>0xfff) + ((lin + <u32>i) & 0xfff), <u8>(v >>> (<u32>i << 3)));
    }
    return;
  }
  const e = translate(lin, true, user);
  if (e == 0 || (e & TLB_MMIO) != 0) return;
  const p = (e & ~<u32>0xfff) + (lin & 0xfff);
  if (size == 1) store<u8>(p, <u8>v);
  else if (size == 2) store<u16>(p, <u16>v);
  else store<u32>(p, v);
}

// ---- accesses at the current privilege level ----

@inline export function rd8(lin: u32): u32 {
  const e = tlbGet(lin);
  if ((e & rdMask) == rdMask) return <u32>load<u8>((e & ~<u32>0xfff) + (lin & 0xfff));
  return readSlow(lin, 1, cpl == 3);
}

@inline export function rd16(lin: u32): u32 {
  const e = tlbGet(lin);
  if ((e & rdMask) == rdMask && (lin & 0xfff) <= 0xffe) return <u32>load<u16>((e & ~<u32>0xfff) + (lin & 0xfff));
  return readSlow(lin, 2, cpl == 3);
}

@inline export function rd32(lin: u32): u32 {
  const e = tlbGet(lin);
  if ((e & rdMask) == rdMask && (lin & 0xfff) <= 0xffc) return load<u32>((e & ~<u32>0xfff) + (lin & 0xfff));
  return readSlow(lin, 4, cpl == 3);
}

@inline export function wr8(lin: u32, v: u32): void {
  const e = tlbGet(lin);
  if ((e & wrMask) == wrMask && !fault) store<u8>((e & ~<u32>0xfff) + (lin & 0xfff), <u8>v);
  else writeSlow(lin, 1, v, cpl == 3);
}

@inline export function wr16(lin: u32, v: u32): void {
  const e = tlbGet(lin);
  if ((e & wrMask) == wrMask && (lin & 0xfff) <= 0xffe && !fault) store<u16>((e & ~<u32>0xfff) + (lin & 0xfff), <u16>v);
  else writeSlow(lin, 2, v, cpl == 3);
}

@inline export function wr32(lin: u32, v: u32): void {
  const e = tlbGet(lin);
  if ((e & wrMask) == wrMask && (lin & 0xfff) <= 0xffc && !fault) store<u32>((e & ~<u32>0xfff) + (lin & 0xfff), v);
  else writeSlow(lin, 4, v, cpl == 3);
}

export function rdSize(lin: u32, size: i32): u32 {
  return size == 4 ? rd32(lin) : (size == 2 ? rd16(lin) : rd8(lin));
}
export function wrSize(lin: u32, size: i32, v: u32): void {
  if (size == 4) wr32(lin, v); else if (size == 2) wr16(lin, v); else wr8(lin, v);
}

/** Check that `lin .. lin+size-1` is writable now (raises the fault otherwise). */
export function probeWrite(lin: u32, size: u32): bool {
  if (fault) return false;
  if (translate(lin, true, cpl == 3) == 0) return false;
  if (((lin ^ (lin + size - 1)) & ~<u32>0xfff) != 0 && translate((lin + size - 1) & ~<u32>0xfff, true, cpl == 3) == 0) return false;
  return true;
}

// ---- read-modify-write: one translation with write intent, then the write-back ----

let rmwPtr: i32 = -1; // host address, or -1 for the slow path
let rmwLin: u32 = 0;

function rmwSlow(lin: u32, size: i32): u32 {
  rmwPtr = -1;
  rmwLin = lin;
  if (fault) return 0;
  const user = cpl == 3;
  if (translate(lin, true, user) == 0) return 0;
  if (translate((lin + <u32>size - 1) & ~<u32>0xfff, true, user) == 0) return 0;
  return readSlow(lin, size, user);
}

@inline export function rmw8(lin: u32): u32 {
  const e = tlbGet(lin);
  if ((e & wrMask) == wrMask) { rmwPtr = <i32>((e & ~<u32>0xfff) + (lin & 0xfff)); return <u32>load<u8>(rmwPtr); }
  return rmwSlow(lin, 1);
}
@inline export function rmw16(lin: u32): u32 {
  const e = tlbGet(lin);
  if ((e & wrMask) == wrMask && (lin & 0xfff) <= 0xffe) { rmwPtr = <i32>((e & ~<u32>0xfff) + (lin & 0xfff)); return <u32>load<u16>(rmwPtr); }
  return rmwSlow(lin, 2);
}
@inline export function rmw32(lin: u32): u32 {
  const e = tlbGet(lin);
  if ((e & wrMask) == wrMask && (lin & 0xfff) <= 0xffc) { rmwPtr = <i32>((e & ~<u32>0xfff) + (lin & 0xfff)); return load<u32>(rmwPtr); }
  return rmwSlow(lin, 4);
}
@inline export function rmwEnd8(v: u32): void {
  if (fault) return;
  if (rmwPtr >= 0) store<u8>(rmwPtr, <u8>v); else writeSlow(rmwLin, 1, v, cpl == 3);
}
@inline export function rmwEnd16(v: u32): void {
  if (fault) return;
  if (rmwPtr >= 0) store<u16>(rmwPtr, <u16>v); else writeSlow(rmwLin, 2, v, cpl == 3);
}
@inline export function rmwEnd32(v: u32): void {
  if (fault) return;
  if (rmwPtr >= 0) store<u32>(rmwPtr, v); else writeSlow(rmwLin, 4, v, cpl == 3);
}

// ---- implicit supervisor accesses (descriptor tables, TSS, IDT: SDM Vol. 3A §4.6) ----

export function rdSys8(lin: u32): u32 { return readSlow(lin, 1, false); }
export function rdSys16(lin: u32): u32 { return readSlow(lin, 2, false); }
export function rdSys32(lin: u32): u32 { return readSlow(lin, 4, false); }
export function wrSys32(lin: u32, v: u32): void { writeSlow(lin, 4, v, false); }

/**
 * Push `v` (`size` bytes) below `sp` on the stack at `base`, 16- or 32-bit stack pointer, with the
 * given privilege (interrupt delivery and far calls push onto another ring's stack). Returns the
 * new stack pointer; the caller commits it once every push succeeded.
 */
export function pushAt(base: u32, sp: u32, is32: bool, v: u32, size: i32, user: bool): u32 {
  const n = is32 ? sp - <u32>size : (sp - <u32>size) & 0xffff;
  writeSlow(base + n, size, v, user);
  return n;
}

/** Accesses with an explicit privilege. */
export function rdPriv(lin: u32, size: i32, user: bool): u32 { return readSlow(lin, size, user); }
export function wrPriv(lin: u32, size: i32, v: u32, user: bool): void { writeSlow(lin, size, v, user); }
/**
 * Check that a stack frame of `size` bytes at `lin` (pushed top down in `elem`-byte slots) can be
 * written, in the order the pushes touch it: a fault reports the first slot that fails, as the
 * pushes themselves would (CR2 = that slot's address).
 */
export function probeStack(lin: u32, size: u32, elem: u32, user: bool): bool {
  if (fault) return false;
  const top = lin + size - elem; // the first push
  if (translate(top, true, user) == 0) return false;
  const upperPage = (lin + size - 1) & ~<u32>0xfff;
  if ((lin & ~<u32>0xfff) != upperPage) {
    // the first slot that starts below the upper page
    const slot = top - (((top - upperPage) / elem) + 1) * elem;
    if (translate(slot, true, user) == 0) return false;
  }
  return true;
}

// ---- instruction fetch ----
// The cached code page is kept in EIP space: EIPs codeStart .. codeStart+0xFFF map to host
// addresses codeHost .. codeHost+0xFFF. codeStart is a u64 so that "no page" (CODE_NONE) fails
// the range check for every 32-bit EIP.

const CODE_NONE: u64 = <u64>1 << 40;
let codeStart: u64 = CODE_NONE;
let codeHost: u32 = 0;

/** Translate the code byte at EIP; fills the code cache; returns its host address or -1. */
function codeAddr(): i32 {
  if (fault) return -1;
  const lin = csBase + eip;
  const e = translate(lin, false, cpl == 3);
  if (e == 0) return -1;
  if ((e & TLB_MMIO) != 0) { codeStart = CODE_NONE; return -2; }
  const off = lin & 0xfff;
  codeStart = <u64>(eip - off);
  codeHost = e & ~<u32>0xfff;
  return <i32>(codeHost + off);
}

function fetchSlow8(): u32 {
  const a = codeAddr();
  eip++;
  if (a >= 0) return <u32>load<u8>(a);
  return a == -2 ? 0xff : 0; // outside RAM: 0xFF bytes (an invalid opcode)
}

@inline export function fetch8(): u32 {
  const e = eip;
  const off = <u64>e - codeStart;
  if (off < 0x1000) {
    eip = e + 1;
    return <u32>load<u8>(codeHost + <u32>off);
  }
  return fetchSlow8();
}

/**
 * The next four code bytes without consuming them, or -1 (as i64) when fewer than four are in the
 * cached code page (the caller then fetches byte by byte).
 */
@inline export function peekCode32(): i64 {
  const off = <u64>eip - codeStart;
  if (off <= 0xffc) return <i64>load<u32>(codeHost + <u32>off);
  return -1;
}

@inline export function fetch16(): u32 {
  const e = eip;
  const off = <u64>e - codeStart;
  if (off <= 0xffe) {
    eip = e + 2;
    return <u32>load<u16>(codeHost + <u32>off);
  }
  const lo = fetchSlow8();
  return lo | (fetch8() << 8);
}

@inline export function fetch32(): u32 {
  const e = eip;
  const off = <u64>e - codeStart;
  if (off <= 0xffc) {
    eip = e + 4;
    return load<u32>(codeHost + <u32>off);
  }
  const lo = fetch16();
  return lo | (fetch16() << 16);
}

/** The code page cache must be dropped whenever translations, CPL or CS change. */
export function invalidateCode(): void { codeStart = CODE_NONE; }

/** Flush all translations (CR3 load, paging mode change, world switch). */
export function flushAll(): void {
  tlbFlush();
  codeStart = CODE_NONE;
}

export function invalidatePage(lin: u32): void {
  tlbInvalidate(lin);
  codeStart = CODE_NONE;
}
