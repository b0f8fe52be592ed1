// System instructions: descriptor-table registers (group 6 and 7), LAR/LSL/VERR/VERW, control
// and debug registers, CLTS, LMSW, INVLPG, INVD/WBINVD, MSRs, CPUID, RDTSC/RDPMC, HLT, CLI/STI.
// Privileged ones raise #GP(0) at CPL > 0 (SDM Vol. 3A §5.9). The sensitive-but-unprivileged
// ones (SGDT, SIDT, SLDT, STR, SMSW, LAR, LSL, VERR, VERW) work at any CPL, as on hardware.

import {
  STATE_BASE, STATE_GDTR_BASE, STATE_GDTR_LIMIT, STATE_IDTR_BASE, STATE_IDTR_LIMIT, STATE_CR0,
  STATE_CR2, STATE_CR3, STATE_CR4, STATE_DR, STATE_INSN_COUNT, STATE_TSC_OFFSET, STATE_ACTIVITY,
  STATE_SYSENTER_CS, STATE_SYSENTER_ESP, STATE_SYSENTER_EIP, STATE_EXIT_EIP, ACTIVITY_HLT, EXIT_HLT,
  SEG_LDTR, SEG_TR, REG_EAX, REG_ECX, REG_EDX, REG_EBX, EXC_GP, EXC_UD, EXC_NP,
  CR0_PE, CR0_MP, CR0_EM, CR0_TS, CR0_ET, CR0_NE, CR0_WP, CR0_AM, CR0_NW, CR0_CD, CR0_PG,
  CR4_TSD, CR4_PSE, EFLAGS_IF, EFLAGS_IOPL, EFLAGS_IOPL_SHIFT, EFLAGS_ZF, ATTR_P,
} from "../layout";
import {
  cpl, fault, raise, checkSegWrite, o32, reg32, setReg32, segSel, setSegCache, cr0, cr4, requestExit, eip, executedCount,
} from "../state";
import { flagsRaw, setFlagsRaw, setFlagBits } from "../flags";
import { decodeModrm, modrm, rmIsReg, eaLin, eaSeg, regField } from "../decode/modrm";
import { readE, readReg, writeReg, eaLimit } from "../decode/operand";
import { rd16, rd32, wr16, wr32, flushAll, invalidatePage } from "../mmu/memory";
import {
  readDescriptor, descLo, descHi, descAttr, descBase, descLimit, attrDpl, markBusy, protectedMode,
} from "../mmu/segment";
import { setShadow, flagsChanged } from "../cpu";

@inline function privileged(): bool {
  if (cpl != 0) { raise(EXC_GP, 0); return false; }
  return true;
}

/** Store a selector-sized value to E: registers get it zero-extended to the operand size. */
function storeSelector(v: u32): void {
  if (rmIsReg) writeReg(<i32>(modrm & 7), o32 ? 4 : 2, v);
  else { checkSegWrite(eaSeg); eaLimit(2); wr16(eaLin, v); }
}

// ---- 0F 00: SLDT STR LLDT LTR VERR VERW ----
export function group6(): void {
  decodeModrm();
  const o = regField();
  if (!protectedMode() || o > 5) { raise(EXC_UD, -1); return; }
  switch (o) {
    case 0: storeSelector(segSel(SEG_LDTR)); return;
    case 1: storeSelector(segSel(SEG_TR)); return;
    case 2: {
      if (!privileged()) return;
      const sel = readE(2);
      if (fault) return;
      lldt(sel);
      return;
    }
    case 3: {
      if (!privileged()) return;
      const sel = readE(2);
      if (fault) return;
      ltr(sel);
      return;
    }
    default: {
      const sel = readE(2);
      if (fault) return;
      setFlagBits(EFLAGS_ZF, verify(sel, o == 5));
      return;
    }
  }
}

function lldt(sel: u32): void {
  if ((sel & ~3) == 0) { setSegCache(SEG_LDTR, sel, 0, 0, 0); return; }
  if ((sel & 4) != 0) { raise(EXC_GP, <i32>(sel & ~3)); return; }
  if (!readDescriptor(sel)) { if (!fault) raise(EXC_GP, <i32>(sel & ~3)); return; }
  const attr = descAttr(descHi);
  if ((attr & 0x1f) != 0x02) { raise(EXC_GP, <i32>(sel & ~3)); return; }
  if ((attr & ATTR_P) == 0) { raise(EXC_NP, <i32>(sel & ~3)); return; }
  setSegCache(SEG_LDTR, sel, descBase(descLo, descHi), descLimit(descLo, descHi), attr);
}

function ltr(sel: u32): void {
  if ((sel & ~3) == 0 || (sel & 4) != 0) { raise(EXC_GP, <i32>(sel & ~3)); return; }
  if (!readDescriptor(sel)) { if (!fault) raise(EXC_GP, <i32>(sel & ~3)); return; }
  const attr = descAttr(descHi);
  const type = attr & 0x1f;
  if (type != 0x09 && type != 0x01) { raise(EXC_GP, <i32>(sel & ~3)); return; } // available TSS only
  if ((attr & ATTR_P) == 0) { raise(EXC_NP, <i32>(sel & ~3)); return; }
  markBusy();
  if (fault) return;
  setSegCache(SEG_TR, sel, descBase(descLo, descHi), descLimit(descLo, descHi), descAttr(descHi));
}

/** The descriptor checks shared by LAR, LSL, VERR and VERW (SDM Vol. 2 "LAR"). */
function accessibleDescriptor(sel: u32, forLsl: bool): bool {
  if ((sel & ~3) == 0) return false;
  if (!readDescriptor(sel)) return false;
  const attr = descAttr(descHi);
  const dpl = attrDpl(attr);
  if ((attr & 0x10) == 0) {
    const t = attr & 0xf;
    const okLar = t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 0xb || t == 0xc;
    const okLsl = t == 1 || t == 2 || t == 3 || t == 9 || t == 0xb;
    if (forLsl ? !okLsl : !okLar) return false;
  } else if ((attr & 0x0c) == 0x0c) {
    return true; // conforming code: no privilege check
  }
  return dpl >= cpl && dpl >= <i32>(sel & 3);
}

function verify(sel: u32, write: bool): bool {
  if ((sel & ~3) == 0 || !readDescriptor(sel)) return false;
  if (fault) return false;
  const attr = descAttr(descHi);
  if ((attr & 0x10) == 0) return false;
  const code = (attr & 0x08) != 0;
  if (write) { if (code || (attr & 0x02) == 0) return false; }
  else if (code && (attr & 0x02) == 0) return false;
  if (code && (attr & 0x04) != 0) return true;
  const dpl = attrDpl(attr);
  return dpl >= cpl && dpl >= <i32>(sel & 3);
}

/** LAR (false) / LSL (true) Gv, Ew. */
export function larLsl(lsl: bool): void {
  decodeModrm();
  if (!protectedMode()) { raise(EXC_UD, -1); return; }
  const sel = readE(2);
  if (fault) return;
  const ok = accessibleDescriptor(sel, lsl);
  if (fault) return;
  if (!ok) { setFlagBits(EFLAGS_ZF, false); return; }
  const size = o32 ? 4 : 2;
  let v: u32;
  if (lsl) v = descLimit(descLo, descHi);
  else v = descHi & (o32 ? 0x00ffff00 : 0xff00);
  writeReg(regField(), size, size == 2 ? v & 0xffff : v);
  setFlagBits(EFLAGS_ZF, true);
}

// ---- 0F 01: SGDT SIDT LGDT LIDT SMSW LMSW INVLPG ----
export function group7(): void {
  decodeModrm();
  const o = regField();
  if (rmIsReg && o != 4 && o != 6) { raise(EXC_UD, -1); return; }
  switch (o) {
    case 0: case 1: {
      const b = o == 0 ? STATE_GDTR_BASE : STATE_IDTR_BASE;
      const l = o == 0 ? STATE_GDTR_LIMIT : STATE_IDTR_LIMIT;
      const base = load<u32>(STATE_BASE + b);
      checkSegWrite(eaSeg);
      eaLimit(6);
      wr16(eaLin, load<u32>(STATE_BASE + l));
      wr32(eaLin + 2, o32 ? base : base & 0x00ffffff);
      return;
    }
    case 2: case 3: {
      if (!privileged()) return;
      eaLimit(6);
      const limit = rd16(eaLin);
      let base = rd32(eaLin + 2);
      if (fault) return;
      if (!o32) base &= 0x00ffffff;
      store<u32>(STATE_BASE + (o == 2 ? STATE_GDTR_BASE : STATE_IDTR_BASE), base);
      store<u32>(STATE_BASE + (o == 2 ? STATE_GDTR_LIMIT : STATE_IDTR_LIMIT), limit);
      return;
    }
    case 4: {
      const v = cr0();
      if (rmIsReg) writeReg(<i32>(modrm & 7), o32 ? 4 : 2, o32 ? v : v & 0xffff);
      else { checkSegWrite(eaSeg); eaLimit(2); wr16(eaLin, v & 0xffff); }
      return;
    }
    case 6: {
      if (!privileged()) return;
      const v = readE(2);
      if (fault) return;
      // LMSW loads PE (which it cannot clear), MP, EM and TS
      const old = cr0();
      const nv = (old & ~<u32>(CR0_MP | CR0_EM | CR0_TS)) | (v & (CR0_PE | CR0_MP | CR0_EM | CR0_TS));
      store<u32>(STATE_BASE + STATE_CR0, nv);
      return;
    }
    case 7: {
      if (!privileged()) return;
      invalidatePage(eaLin);
      return;
    }
    default:
      raise(EXC_UD, -1);
      return;
  }
}

// ---- control and debug registers ----
const CR0_DEFINED: u32 = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;
const CR4_SUPPORTED: u32 = CR4_TSD | CR4_PSE | 0x100; // TSD, PSE, PCE

export function movFromCr(n: i32, r: i32): void {
  if (!privileged()) return;
  switch (n) {
    case 0: setReg32(r, cr0()); return;
    case 2: setReg32(r, load<u32>(STATE_BASE + STATE_CR2)); return;
    case 3: setReg32(r, load<u32>(STATE_BASE + STATE_CR3)); return;
    case 4: setReg32(r, cr4()); return;
    default: raise(EXC_UD, -1); return;
  }
}

export function movToCr(n: i32, v: u32): void {
  if (!privileged()) return;
  switch (n) {
    case 0: {
      if ((v & CR0_PG) != 0 && (v & CR0_PE) == 0) { raise(EXC_GP, 0); return; }
      if ((v & CR0_NW) != 0 && (v & CR0_CD) == 0) { raise(EXC_GP, 0); return; }
      const old = cr0();
      const nv = (v & CR0_DEFINED) | CR0_ET;
      store<u32>(STATE_BASE + STATE_CR0, nv);
      if (((old ^ nv) & (CR0_PG | CR0_WP | CR0_PE)) != 0) flushAll();
      return;
    }
    case 2: store<u32>(STATE_BASE + STATE_CR2, v); return;
    case 3: store<u32>(STATE_BASE + STATE_CR3, v); flushAll(); return;
    case 4: {
      if ((v & ~CR4_SUPPORTED) != 0) { raise(EXC_GP, 0); return; }
      const old = cr4();
      store<u32>(STATE_BASE + STATE_CR4, v);
      if (((old ^ v) & CR4_PSE) != 0) flushAll();
      return;
    }
    default: raise(EXC_UD, -1); return;
  }
}

// Debug registers are storage only: breakpoints do not fire (docs/platform.md).
export function movFromDr(n: i32, r: i32): void {
  if (!privileged()) return;
  if (n == 4 || n == 5) n += 2;
  let v = load<u32>(STATE_BASE + STATE_DR + (n << 2));
  if (n == 6) v |= 0xffff0ff0;
  if (n == 7) v |= 0x400;
  setReg32(r, v);
}

export function movToDr(n: i32, v: u32): void {
  if (!privileged()) return;
  if (n == 4 || n == 5) n += 2;
  store<u32>(STATE_BASE + STATE_DR + (n << 2), v);
}

export function clts(): void {
  if (!privileged()) return;
  store<u32>(STATE_BASE + STATE_CR0, cr0() & ~CR0_TS);
}

export function invdWbinvd(): void { privileged(); }

// ---- MSRs, CPUID, time ----

/** The virtual TSC: retired instructions (this run included) plus the offset WRMSR set. */
function tscNow(): u64 {
  // instructions retired before this one
  return load<u64>(STATE_BASE + STATE_INSN_COUNT) + <u64>(executedCount() - 1) + load<u64>(STATE_BASE + STATE_TSC_OFFSET);
}

export function rdmsr(): void {
  if (!privileged()) return;
  const msr = reg32(REG_ECX);
  let v: u64;
  switch (msr) {
    case 0x10: v = tscNow(); break;
    case 0x174: v = <u64>load<u32>(STATE_BASE + STATE_SYSENTER_CS); break;
    case 0x175: v = <u64>load<u32>(STATE_BASE + STATE_SYSENTER_ESP); break;
    case 0x176: v = <u64>load<u32>(STATE_BASE + STATE_SYSENTER_EIP); break;
    default: raise(EXC_GP, 0); return;
  }
  setReg32(REG_EAX, <u32>v);
  setReg32(REG_EDX, <u32>(v >> 32));
}

export function wrmsr(): void {
  if (!privileged()) return;
  const msr = reg32(REG_ECX);
  const v: u64 = (<u64>reg32(REG_EDX) << 32) | <u64>reg32(REG_EAX);
  switch (msr) {
    case 0x10: {
      const now = load<u64>(STATE_BASE + STATE_INSN_COUNT) + <u64>(executedCount() - 1);
      store<u64>(STATE_BASE + STATE_TSC_OFFSET, v - now);
      return;
    }
    case 0x174: store<u32>(STATE_BASE + STATE_SYSENTER_CS, <u32>v); return;
    case 0x175: store<u32>(STATE_BASE + STATE_SYSENTER_ESP, <u32>v); return;
    case 0x176: store<u32>(STATE_BASE + STATE_SYSENTER_EIP, <u32>v); return;
    default: raise(EXC_GP, 0); return;
  }
}

export function rdtsc(): void {
  if ((cr4() & CR4_TSD) != 0 && cpl != 0) { raise(EXC_GP, 0); return; }
  const t = tscNow();
  setReg32(REG_EAX, <u32>t);
  setReg32(REG_EDX, <u32>(t >> 32));
}

export function rdpmc(): void {
  if ((cr4() & 0x100) == 0 && cpl != 0) { raise(EXC_GP, 0); return; }
  if (reg32(REG_ECX) > 1) { raise(EXC_GP, 0); return; }
  setReg32(REG_EAX, 0);
  setReg32(REG_EDX, 0);
}

// CPUID leaf 1 EDX: PSE(3) TSC(4) MSR(5) CX8(8) CMOV(15): what this CPU implements.
export const CPUID_FEATURES_EDX: u32 = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 15);
export const CPUID_SIGNATURE: u32 = 0x00000633; // family 6, model 3, stepping 3 (an i686)

function brandWord(leaf: u32, i: u32): u32 {
  // "tabvisor i686 virtual CPU" padded with NULs to 48 bytes
  const s = "tabvisor i686 virtual CPU";
  let w: u32 = 0;
  for (let b: u32 = 0; b < 4; b++) {
    const idx = <i32>((leaf - 0x80000002) * 16 + i * 4 + b);
    const c: u32 = idx < s.length ? <u32>s.charCodeAt(idx) : 0;
    w |= c << (b * 8);
  }
  return w;
}

export function cpuid(): void {
  let leaf = reg32(REG_EAX);
  let a: u32 = 0, b: u32 = 0, c: u32 = 0, d: u32 = 0;
  if (leaf >= 0x80000000) {
    if (leaf > 0x80000004) leaf = 1; // beyond the highest leaf: the highest basic leaf's data
  } else if (leaf > 1) leaf = 1;
  if (leaf == 0) {
    a = 1;
    b = 0x756e6547; d = 0x49656e69; c = 0x6c65746e; // "GenuineIntel"
  } else if (leaf == 1) {
    a = CPUID_SIGNATURE;
    d = CPUID_FEATURES_EDX;
  } else if (leaf == 0x80000000) {
    a = 0x80000004;
  } else if (leaf == 0x80000001) {
    // no extended features
  } else {
    a = brandWord(leaf, 0); b = brandWord(leaf, 1); c = brandWord(leaf, 2); d = brandWord(leaf, 3);
  }
  setReg32(REG_EAX, a);
  setReg32(REG_EBX, b);
  setReg32(REG_ECX, c);
  setReg32(REG_EDX, d);
}

// ---- HLT, CLI, STI ----

export function hlt(): void {
  if (!privileged()) return;
  store<u32>(STATE_BASE + STATE_ACTIVITY, ACTIVITY_HLT);
  store<u32>(STATE_BASE + STATE_EXIT_EIP, eip);
  requestExit(EXIT_HLT);
}

@inline function iopl(): i32 { return <i32>((flagsRaw() & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT); }

export function cli(): void {
  if (cpl > iopl()) { raise(EXC_GP, 0); return; }
  setFlagsRaw(flagsRaw() & ~EFLAGS_IF);
}

export function sti(): void {
  if (cpl > iopl()) { raise(EXC_GP, 0); return; }
  if ((flagsRaw() & EFLAGS_IF) == 0) {
    setFlagsRaw(flagsRaw() | EFLAGS_IF);
    setShadow();
  }
  flagsChanged();
}
