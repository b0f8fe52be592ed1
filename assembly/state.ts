// The running vCPU: register accessors over the state block, and the live globals that run()
// keeps outside it (EIP, prefixes, the pending exception, cached segment facts).
//
// Registers live in the state block (assembly/layout.ts) at fixed addresses, so the host sees them
// without copying. EIP and the derived caches below are globals during run(); loadLive() reads
// them from the block at entry and storeLive() writes them back at exit.

import {
  STATE_BASE, STATE_EIP, STATE_CPL, STATE_SEGS, SEG_RECORD, SEG_BASE, SEG_LIMIT, SEG_ATTR, SEG_SEL,
  SEG_CS, SEG_SS, ATTR_DB, STATE_CR0, STATE_CR4, STATE_CR3, STATE_CR2, STATE_EFLAGS,
} from "./layout";

// ---- general registers (SDM Vol. 1 §3.4.1) ----
@inline export function reg32(r: i32): u32 { return load<u32>(STATE_BASE + (r << 2)); }
@inline export function setReg32(r: i32, v: u32): void { store<u32>(STATE_BASE + (r << 2), v); }
@inline export function reg16(r: i32): u32 { return <u32>load<u16>(STATE_BASE + (r << 2)); }
@inline export function setReg16(r: i32, v: u32): void { store<u16>(STATE_BASE + (r << 2), <u16>v); }
// Byte registers: AL CL DL BL are the low bytes of regs 0-3, AH CH DH BH the second bytes.
@inline export function reg8(r: i32): u32 { return <u32>load<u8>(STATE_BASE + ((r & 3) << 2) + (r >> 2)); }
@inline export function setReg8(r: i32, v: u32): void { store<u8>(STATE_BASE + ((r & 3) << 2) + (r >> 2), <u8>v); }

// ---- segment register caches ----
@inline export function segAddr(s: i32): usize { return STATE_BASE + STATE_SEGS + s * SEG_RECORD; }
@inline export function segSel(s: i32): u32 { return load<u32>(segAddr(s) + SEG_SEL); }
@inline export function segBase(s: i32): u32 { return load<u32>(segAddr(s) + SEG_BASE); }
@inline export function segLimit(s: i32): u32 { return load<u32>(segAddr(s) + SEG_LIMIT); }
@inline export function segAttr(s: i32): u32 { return load<u32>(segAddr(s) + SEG_ATTR); }
// Usability of the six segment registers for data accesses, bit per SEG_*: a null (or not
// present) segment faults any access; a code or read-only data segment faults writes.
export let segUnusable: u32 = 0;
export let segReadOnly: u32 = 0;
// Segments whose limit can reject an offset (not expand-up with a 4 GiB limit): accesses
// through them are checked by limitCheck (SDM Vol. 3A §5.3).
export let segLimited: u32 = 0;

function updateSegMask(s: i32, attr: u32, limit: u32): void {
  if (s > 5) return;
  const bit: u32 = 1 << s;
  const limited = limit != 0xffffffff || (attr & 0x1c) == 0x14; // or expand-down data
  segLimited = limited ? segLimited | bit : segLimited & ~bit;
  const unusable = (attr & 0x80) == 0 || (attr & 0x1a) == 0x18; // not present, or execute-only code
  const ro = (attr & 0x08) != 0 || (attr & 0x02) == 0; //           code, or data without W
  segUnusable = unusable ? segUnusable | bit : segUnusable & ~bit;
  segReadOnly = ro ? segReadOnly | bit : segReadOnly & ~bit;
}

export function setSegCache(s: i32, sel: u32, base: u32, limit: u32, attr: u32): void {
  updateSegMask(s, attr, limit);
  const a = segAddr(s);
  store<u32>(a + SEG_SEL, sel);
  store<u32>(a + SEG_BASE, base);
  store<u32>(a + SEG_LIMIT, limit);
  store<u32>(a + SEG_ATTR, attr);
}

@inline export function cr0(): u32 { return load<u32>(STATE_BASE + STATE_CR0); }
@inline export function cr2(): u32 { return load<u32>(STATE_BASE + STATE_CR2); }
@inline export function cr3(): u32 { return load<u32>(STATE_BASE + STATE_CR3); }
@inline export function cr4(): u32 { return load<u32>(STATE_BASE + STATE_CR4); }

// ---- live globals ----
export let eip: u32 = 0; //        EIP of the next byte to fetch
export let insnEip: u32 = 0; //    EIP of the first byte of the current instruction (faults restart here)
export let cpl: i32 = 0; //        current privilege level (CS.RPL, SS.DPL)
export let csBase: u32 = 0;
export let code32: bool = true; // CS.D: default operand and address size
export let stack32: bool = true; // SS.B: ESP (true) or SP (false)

// Per-instruction prefix state (SDM Vol. 2 §2.1.1)
export let o32: bool = true; //    operand size is 32 bits
export let a32: bool = true; //    address size is 32 bits
export let segOvr: i32 = -1; //    segment override (SEG_*) or -1
export let rep: i32 = 0; //        0, 0xF3 (REP/REPE) or 0xF2 (REPNE)
export let prefixed: bool = false; // some prefix changed the four above: reset before the next instruction
export let lockPrefix: bool = false;
export let prefixCount: i32 = 0;

// The pending exception of the current instruction. Memory and decode helpers set `fault` when
// they raise; handlers must not commit register state once it is set.
export let fault: bool = false;
export let excVector: i32 = 0;
export let excError: i32 = -1; // -1: no error code
export let excIsTrap: bool = false; // deliver with EIP past the instruction

// Loop control (cpu.ts): instructions left in this run() and retired so far; `attention` asks the
// loop to look at faults, interrupt windows and exits after the current instruction.
export let remaining: u32 = 0;
export let notRetired: bool = false; // the current instruction exited before retiring (IN)
export let runBudget: u32 = 0; // instructions retired in this run() = runBudget - remaining
@inline export function executedCount(): u32 { return runBudget - remaining; }
export let attention: bool = false;
export let exitReason: i32 = 0;

/** End run() after the current instruction with `reason`. */
export function requestExit(reason: i32): void {
  exitReason = reason;
  runBudget -= remaining;
  remaining = 0;
  attention = true;
}


/** #GP(0) unless segment `s` may be read (SDM Vol. 3A §5.4.1: null selector use). */
@inline export function checkSegRead(s: i32): void {
  if (((segUnusable >> <u32>s) & 1) != 0) raise(13, 0);
}
/** #GP(0) unless segment `s` may be written. */
@inline export function checkSegWrite(s: i32): void {
  if ((((segUnusable | segReadOnly) >> <u32>s) & 1) != 0) raise(13, 0);
}

/**
 * Check `size` bytes at offset `off` against segment `s`'s limit: expand-up segments allow
 * 0..limit, expand-down ones limit+1..0xFFFF (or 0xFFFFFFFF with B=1). Raises #SS(0) for SS,
 * #GP(0) otherwise (SDM Vol. 3A §5.3).
 */
export function limitCheck(s: i32, off: u32, size: u32): void {
  const attr = segAttr(s);
  const limit = segLimit(s);
  const last = off + size - 1;
  let ok: bool;
  if ((attr & 0x1c) == 0x14) {
    const upper: u32 = (attr & 0x4000) != 0 ? 0xffffffff : 0xffff;
    ok = off > limit && last >= off && last <= upper;
  } else {
    ok = last >= off && last <= limit;
  }
  if (!ok) raise(s == 2 ? 12 : 13, 0);
}

/** Check an access through segment `s` when that segment has a limit that can matter. */
@inline export function segCheck(s: i32, off: u32, size: u32): void {
  if (segLimited != 0 && ((segLimited >> <u32>s) & 1) != 0) limitCheck(s, off, size);
}

/** Record exception `vector` (error code `error`, or -1 for none) for the current instruction. */
export function raise(vector: i32, error: i32): void {
  if (fault) return; // the first exception of an instruction wins
  fault = true;
  excVector = vector;
  excError = error;
  excIsTrap = false;
  attention = true;
}

/** Re-derive cached facts (CPL, CS base, operand/stack size) from the state block. */
export function refreshSegCaches(): void {
  for (let s = 0; s < 6; s++) updateSegMask(s, segAttr(s), segLimit(s));
  cpl = <i32>load<u32>(STATE_BASE + STATE_CPL);
  csBase = segBase(SEG_CS);
  code32 = (segAttr(SEG_CS) & ATTR_DB) != 0;
  o32 = code32;
  a32 = code32;
  stack32 = (segAttr(SEG_SS) & ATTR_DB) != 0;
}

export function setCpl(v: i32): void {
  cpl = v;
  store<u32>(STATE_BASE + STATE_CPL, <u32>v);
}

export function loadLive(): void {
  eip = load<u32>(STATE_BASE + STATE_EIP);
  refreshSegCaches();
}

export function storeLive(): void {
  store<u32>(STATE_BASE + STATE_EIP, eip);
}

@inline export function eflagsRaw(): u32 { return load<u32>(STATE_BASE + STATE_EFLAGS); }
@inline export function setEflagsRaw(v: u32): void { store<u32>(STATE_BASE + STATE_EFLAGS, v); }
