// Segmentation: descriptor fetch, segment register loads with the protected-mode checks, and
// far control transfers through code segments, call gates, TSSs and task gates (SDM Vol. 3A
// §3.4, §5.5–§5.8, §7.3; Vol. 2 "MOV", "JMP", "CALL", "RET"); the task switch is in task.ts.
// Limits are applied to EIP on far transfers and to data accesses through ModR/M, moffs, XLAT and
// string operands (state.limitCheck); implicit stack pushes and pops are not limit-checked.

import {
  SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, STATE_BASE, STATE_GDTR_BASE,
  STATE_GDTR_LIMIT, ATTR_S, ATTR_P, ATTR_DPL_SHIFT, ATTR_G, ATTR_DB, EXC_GP, EXC_NP, EXC_SS, EXC_TS,
  CR0_PE, REG_ESP, EFLAGS_ZF,
} from "../layout";
import {
  cpl, fault, raise, setSegCache, segSel, segBase, segLimit, segAttr, cr0, setCpl, refreshSegCaches,
  eip, reg32, setReg32, reg16, setReg16, stack32, o32, checkSegWrite,
} from "../state";
import { rdSys32, wrSys32, rd16, rd32, wr16, wr32, updatePrivilege, invalidateCode, probeStack, pushAt, rdPriv } from "./memory";
import { setFlagBits } from "../flags";
import { taskSwitch, TASK_JMP, TASK_CALL } from "./task";
import { modrm, rmIsReg, eaLin, eaSeg } from "../decode/modrm";
import { readReg, writeReg, eaLimit } from "../decode/operand";

// The descriptor most recently read by readDescriptor
export let descLo: u32 = 0;
export let descHi: u32 = 0;
export let descAddr: u32 = 0;

@inline export function descBase(lo: u32, hi: u32): u32 { return (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000); }
@inline export function descLimit(lo: u32, hi: u32): u32 {
  const l = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & (<u32>ATTR_G << 8)) != 0 ? (l << 12) | 0xfff : l;
}
@inline export function descAttr(hi: u32): u32 { return (hi >>> 8) & 0xf0ff; }
@inline export function attrDpl(attr: u32): i32 { return <i32>((attr >> ATTR_DPL_SHIFT) & 3); }
@inline function isCode(attr: u32): bool { return (attr & 0x18) == 0x18; }
@inline function isData(attr: u32): bool { return (attr & 0x18) == 0x10; }
@inline function conforming(attr: u32): bool { return (attr & 0x04) != 0; }
@inline function readableCode(attr: u32): bool { return (attr & 0x02) != 0; }
@inline function writableData(attr: u32): bool { return isData(attr) && (attr & 0x02) != 0; }
@inline function present(attr: u32): bool { return (attr & ATTR_P) != 0; }

@inline export function protectedMode(): bool { return (cr0() & CR0_PE) != 0; }

/**
 * Fetch the descriptor for `sel` from the GDT or LDT into descLo/descHi. Returns false (without
 * raising) if the selector is outside its table; the caller raises the right exception.
 */
export function readDescriptor(sel: u32): bool {
  let base: u32;
  let limit: u32;
  if ((sel & 4) != 0) {
    if ((segSel(SEG_LDTR) & ~3) == 0 || !present(segAttr(SEG_LDTR))) return false;
    base = segBase(SEG_LDTR);
    limit = segLimit(SEG_LDTR);
  } else {
    base = load<u32>(STATE_BASE + STATE_GDTR_BASE);
    limit = load<u32>(STATE_BASE + STATE_GDTR_LIMIT);
  }
  const off = sel & ~<u32>7;
  if (off + 7 > limit) return false;
  descAddr = base + off;
  descLo = rdSys32(descAddr);
  descHi = rdSys32(descAddr + 4);
  return !fault;
}

/** Set the accessed bit of the descriptor last read (SDM Vol. 3A §3.4.5.1). */
export function markAccessed(): void {
  if ((descHi & 0x100) == 0) {
    descHi |= 0x100;
    wrSys32(descAddr + 4, descHi);
  }
}

/** Mark the TSS descriptor last read busy (LTR). */
export function markBusy(): void {
  descHi |= 0x200;
  wrSys32(descAddr + 4, descHi);
}

function loadCacheFromDesc(seg: i32, sel: u32): void {
  setSegCache(seg, sel, descBase(descLo, descHi), descLimit(descLo, descHi), descAttr(descHi));
}

/**
 * MOV/POP/LDS-style load of DS, ES, FS, GS or SS. Returns false after raising on failure.
 */
export function loadSegment(seg: i32, sel: u32): bool {
  sel &= 0xffff;
  if (!protectedMode()) {
    setSegCache(seg, sel, sel << 4, segLimit(seg), segAttr(seg));
    refreshSegCaches();
    return true;
  }
  const rpl = <i32>(sel & 3);
  if ((sel & ~3) == 0) {
    if (seg == SEG_SS) { raise(EXC_GP, 0); return false; }
    setSegCache(seg, sel, 0, 0, 0); // null: unusable
    return true;
  }
  if (!readDescriptor(sel)) { if (!fault) raise(EXC_GP, <i32>(sel & ~3)); return false; }
  const attr = descAttr(descHi);
  const dpl = attrDpl(attr);
  if (seg == SEG_SS) {
    if (rpl != cpl || dpl != cpl || !writableData(attr)) { raise(EXC_GP, <i32>(sel & ~3)); return false; }
    if (!present(attr)) { raise(EXC_SS, <i32>(sel & ~3)); return false; }
  } else {
    if ((attr & ATTR_S) == 0 || (isCode(attr) && !readableCode(attr))) { raise(EXC_GP, <i32>(sel & ~3)); return false; }
    if ((isData(attr) || !conforming(attr)) && (rpl > dpl || cpl > dpl)) { raise(EXC_GP, <i32>(sel & ~3)); return false; }
    if (!present(attr)) { raise(EXC_NP, <i32>(sel & ~3)); return false; }
  }
  markAccessed();
  if (fault) return false;
  loadCacheFromDesc(seg, sel);
  if (seg == SEG_SS) refreshSegCaches();
  return true;
}

/** Load CS from the descriptor last read, at privilege `newCpl`, and jump to `off`. */
function enterCode(sel: u32, off: u32, newCpl: i32): void {
  markAccessed();
  setSegCache(SEG_CS, (sel & ~3) | <u32>newCpl, descBase(descLo, descHi), descLimit(descLo, descHi), descAttr(descHi) | 1);
  if (newCpl != cpl) { setCpl(newCpl); updatePrivilege(); }
  refreshSegCaches();
  invalidateCode();
  eip = off;
}

/** Check a code-segment target for JMP/CALL (SDM "JMP"): returns false after raising. */
function checkDirectCode(sel: u32): bool {
  const attr = descAttr(descHi);
  const dpl = attrDpl(attr);
  const rpl = <i32>(sel & 3);
  if (conforming(attr)) {
    if (dpl > cpl) { raise(EXC_GP, <i32>(sel & ~3)); return false; }
  } else if (rpl > cpl || dpl != cpl) { raise(EXC_GP, <i32>(sel & ~3)); return false; }
  if (!present(attr)) { raise(EXC_NP, <i32>(sel & ~3)); return false; }
  return true;
}

function realModeCs(sel: u32, off: u32): void {
  setSegCache(SEG_CS, sel, sel << 4, segLimit(SEG_CS), segAttr(SEG_CS));
  refreshSegCaches();
  invalidateCode();
  eip = off;
}

/** Gate fields of the descriptor last read: target selector and offset. */
@inline function gateSel(): u32 { return descLo >>> 16; }
@inline function gateOff(is32: bool): u32 { return is32 ? (descLo & 0xffff) | (descHi & 0xffff0000) : descLo & 0xffff; }

/** Validate a call gate in descLo/descHi and read its target code descriptor. */
function checkGate(sel: u32): i32 {
  const attr = descAttr(descHi);
  const dpl = attrDpl(attr);
  if (dpl < cpl || dpl < <i32>(sel & 3)) { raise(EXC_GP, <i32>(sel & ~3)); return -1; }
  if (!present(attr)) { raise(EXC_NP, <i32>(sel & ~3)); return -1; }
  const tsel = gateSel();
  if ((tsel & ~3) == 0) { raise(EXC_GP, 0); return -1; }
  return <i32>tsel;
}

export function farJump(sel: u32, off: u32): void {
  if (!o32) off &= 0xffff;
  if (!protectedMode()) { realModeCs(sel, off); return; }
  if ((sel & ~3) == 0) { raise(EXC_GP, 0); return; }
  if (!readDescriptor(sel)) { if (!fault) raise(EXC_GP, <i32>(sel & ~3)); return; }
  const attr = descAttr(descHi);
  if ((attr & ATTR_S) != 0) {
    if (!isCode(attr)) { raise(EXC_GP, <i32>(sel & ~3)); return; }
    if (!checkDirectCode(sel)) return;
    if (off > descLimit(descLo, descHi)) { raise(EXC_GP, 0); return; }
    enterCode(sel, off, cpl);
    return;
  }
  const type = attr & 0xf;
  if (type == 9 || type == 5) { farTask(sel, type, TASK_JMP); return; }
  if (type != 4 && type != 0xc) { raise(EXC_GP, <i32>(sel & ~3)); return; }
  const tsel = checkGate(sel);
  if (tsel < 0) return;
  const toff = gateOff(type == 0xc);
  if (!readDescriptor(<u32>tsel)) { if (!fault) raise(EXC_GP, tsel & ~3); return; }
  const tattr = descAttr(descHi);
  const tdpl = attrDpl(tattr);
  if (!isCode(tattr) || (conforming(tattr) ? tdpl > cpl : tdpl != cpl)) { raise(EXC_GP, tsel & ~3); return; }
  if (!present(tattr)) { raise(EXC_NP, tsel & ~3); return; }
  if (toff > descLimit(descLo, descHi)) { raise(EXC_GP, 0); return; }
  enterCode(<u32>tsel, toff, cpl);
}

/** JMP/CALL to a TSS (type 9) or through a task gate (type 5): DPL checks, then the switch. */
function farTask(sel: u32, type: u32, kind: i32): void {
  const dpl = attrDpl(descAttr(descHi));
  if (dpl < cpl || dpl < <i32>(sel & 3)) { raise(EXC_GP, <i32>(sel & ~3)); return; }
  if ((descAttr(descHi) & ATTR_P) == 0) { raise(EXC_NP, <i32>(sel & ~3)); return; }
  const target = type == 5 ? descLo >>> 16 : sel;
  taskSwitch(target, kind, eip);
}

/** Push on the current stack at the current privilege (far CALL). */
function pushRaw(spv: u32, v: u32, size: i32): u32 { return pushAt(segBase(SEG_SS), spv, stack32, v, size, cpl == 3); }

@inline function curSp(): u32 { return stack32 ? reg32(REG_ESP) : reg16(REG_ESP); }
@inline function setCurSp(v: u32): void { if (stack32) setReg32(REG_ESP, v); else setReg16(REG_ESP, v); }

export function farCall(sel: u32, off: u32, size: i32): void {
  if (size == 2) off &= 0xffff;
  const retCs = segSel(SEG_CS);
  const retEip = eip;
  if (!protectedMode()) {
    let s = pushRaw(curSp(), retCs, size);
    s = pushRaw(s, retEip, size);
    if (fault) return;
    setCurSp(s);
    realModeCs(sel, off);
    return;
  }
  if ((sel & ~3) == 0) { raise(EXC_GP, 0); return; }
  if (!readDescriptor(sel)) { if (!fault) raise(EXC_GP, <i32>(sel & ~3)); return; }
  const attr = descAttr(descHi);
  if ((attr & ATTR_S) != 0) {
    if (!isCode(attr)) { raise(EXC_GP, <i32>(sel & ~3)); return; }
    if (!checkDirectCode(sel)) return;
    if (off > descLimit(descLo, descHi)) { raise(EXC_GP, 0); return; }
    const lo = descLo; const hi = descHi; const at = descAddr;
    let s = pushRaw(curSp(), retCs, size);
    s = pushRaw(s, retEip, size);
    if (fault) return;
    setDesc(lo, hi, at);
    setCurSp(s);
    enterCode(sel, off, cpl);
    return;
  }
  const type = attr & 0xf;
  if (type == 9 || type == 5) { farTask(sel, type, TASK_CALL); return; }
  if (type != 4 && type != 0xc) { raise(EXC_GP, <i32>(sel & ~3)); return; }
  const gate32 = type == 0xc;
  const gsize = gate32 ? 4 : 2;
  const params = descHi & 0x1f;
  const tsel = checkGate(sel);
  if (tsel < 0) return;
  const toff = gateOff(gate32);
  if (!readDescriptor(<u32>tsel)) { if (!fault) raise(EXC_GP, tsel & ~3); return; }
  const tattr = descAttr(descHi);
  const tdpl = attrDpl(tattr);
  if (!isCode(tattr) || tdpl > cpl) { raise(EXC_GP, tsel & ~3); return; }
  if (!present(tattr)) { raise(EXC_NP, tsel & ~3); return; }
  if (toff > descLimit(descLo, descHi)) { raise(EXC_GP, 0); return; }
  const codeLo = descLo; const codeHi = descHi; const codeAt = descAddr;
  if (!conforming(tattr) && tdpl < cpl) {
    // more privileged: switch to the inner stack from the TSS (SDM Vol. 3A §5.8.5)
    if (!innerStack(tdpl)) return;
    const oldSs = segSel(SEG_SS);
    const oldSp = curSp();
    const oldSsBase = segBase(SEG_SS);
    const oldStack32 = stack32;
    const nsLo = descLo; const nsHi = descHi; const nsAt = descAddr; // the new SS descriptor
    const nsBase = descBase(nsLo, nsHi);
    const ns32 = (descAttr(nsHi) & ATTR_DB) != 0;
    let nsp = newEsp;
    const user = tdpl == 3;
    const total = <u32>gsize * (4 + params);
    const low = ns32 ? nsp - total : (nsp - total) & 0xffff;
    if (!probeStack(nsBase + low, total, <u32>gsize, user)) return;
    nsp = pushAt(nsBase, nsp, ns32, oldSs, gsize, user);
    nsp = pushAt(nsBase, nsp, ns32, oldSp, gsize, user);
    for (let i = <i32>params - 1; i >= 0; i--) {
      const a = oldStack32 ? oldSp + <u32>(i * gsize) : (oldSp + <u32>(i * gsize)) & 0xffff;
      const v = rdPriv(oldSsBase + a, gsize, cpl == 3);
      nsp = pushAt(nsBase, nsp, ns32, v, gsize, user);
    }
    nsp = pushAt(nsBase, nsp, ns32, retCs, gsize, user);
    nsp = pushAt(nsBase, nsp, ns32, retEip, gsize, user);
    if (fault) return;
    setDesc(nsLo, nsHi, nsAt);
    markAccessed();
    setSegCache(SEG_SS, newSs, nsBase, descLimit(nsLo, nsHi), descAttr(nsHi) | 1);
    setDesc(codeLo, codeHi, codeAt);
    enterCode(<u32>tsel, toff, tdpl);
    setCurSp(nsp);
    return;
  }
  let s = pushRaw(curSp(), retCs, gsize);
  s = pushRaw(s, retEip, gsize);
  if (fault) return;
  setCurSp(s);
  setDesc(codeLo, codeHi, codeAt);
  enterCode(<u32>tsel, toff, cpl);
}

// Result of innerStack(): the new stack from the TSS
export let newSs: u32 = 0;
export let newEsp: u32 = 0;

/**
 * Read SS:ESP for privilege `dpl` from the current TSS and validate SS (SDM Vol. 3A §6.12.1):
 * on success descLo/descHi hold the new SS descriptor.
 */
export function innerStack(dpl: i32): bool {
  const trAttr = segAttr(SEG_TR);
  const type = trAttr & 0xf;
  const base = segBase(SEG_TR);
  if (type == 0xb || type == 0x9) {
    const off = <u32>(4 + dpl * 8);
    if (off + 5 > segLimit(SEG_TR)) { raise(EXC_TS, <i32>(segSel(SEG_TR) & ~3)); return false; }
    newEsp = rdSys32(base + off);
    newSs = rdSys32(base + off + 4) & 0xffff;
  } else if (type == 0x3 || type == 0x1) {
    const off = <u32>(2 + dpl * 4);
    if (off + 3 > segLimit(SEG_TR)) { raise(EXC_TS, <i32>(segSel(SEG_TR) & ~3)); return false; }
    newEsp = rdSys32(base + off) & 0xffff;
    newSs = rdSys32(base + off + 2) & 0xffff;
  } else {
    raise(EXC_TS, <i32>(segSel(SEG_TR) & ~3));
    return false;
  }
  if (fault) return false;
  if ((newSs & ~3) == 0) { raise(EXC_TS, 0); return false; }
  if (!readDescriptor(newSs)) { if (!fault) raise(EXC_TS, <i32>(newSs & ~3)); return false; }
  const attr = descAttr(descHi);
  if (<i32>(newSs & 3) != dpl || attrDpl(attr) != dpl || !writableData(attr)) { raise(EXC_TS, <i32>(newSs & ~3)); return false; }
  if (!present(attr)) { raise(EXC_SS, <i32>(newSs & ~3)); return false; }
  return true;
}

/** After a return to an outer level: data segments the new CPL may not use become null. */
export function nullInaccessibleSegments(): void {
  for (let s = 0; s < 6; s++) {
    if (s != SEG_ES && s != SEG_DS && s != SEG_FS && s != SEG_GS) continue;
    const attr = segAttr(s);
    if ((segSel(s) & ~3) == 0) continue;
    if ((isData(attr) || !conforming(attr)) && attrDpl(attr) < cpl) {
      setSegCache(s, 0, 0, 0, 0);
    }
  }
}

export function farReturn(popBytes: u32, size: i32): void {
  const spv = curSp();
  const base = segBase(SEG_SS);
  const a0 = stack32 ? spv : spv & 0xffff;
  const a1 = stack32 ? spv + <u32>size : (spv + <u32>size) & 0xffff;
  const retEip = size == 4 ? rd32(base + a0) : rd16(base + a0);
  const retCs = rd16(base + a1);
  if (fault) return;
  const after = stack32 ? spv + <u32>(2 * size) + popBytes : (spv + <u32>(2 * size) + popBytes) & 0xffff;
  if (!protectedMode()) {
    setCurSp(after);
    realModeCs(retCs, retEip);
    return;
  }
  if ((retCs & ~3) == 0) { raise(EXC_GP, 0); return; }
  const rpl = <i32>(retCs & 3);
  if (rpl < cpl) { raise(EXC_GP, <i32>(retCs & ~3)); return; }
  if (!readDescriptor(retCs)) { if (!fault) raise(EXC_GP, <i32>(retCs & ~3)); return; }
  const attr = descAttr(descHi);
  const dpl = attrDpl(attr);
  if (!isCode(attr) || (conforming(attr) ? dpl > rpl : dpl != rpl)) { raise(EXC_GP, <i32>(retCs & ~3)); return; }
  if (!present(attr)) { raise(EXC_NP, <i32>(retCs & ~3)); return; }
  if (retEip > descLimit(descLo, descHi)) { raise(EXC_GP, 0); return; }
  if (rpl == cpl) {
    setCurSp(after);
    enterCode(retCs, retEip, cpl);
    return;
  }
  // return to an outer privilege level: pop SS:ESP too
  const codeLo = descLo; const codeHi = descHi; const codeAt = descAddr;
  const outerEsp = size == 4 ? rd32(base + after) : rd16(base + after);
  const a3 = stack32 ? after + <u32>size : (after + <u32>size) & 0xffff;
  const outerSs = rd16(base + a3);
  if (fault) return;
  if ((outerSs & ~3) == 0) { raise(EXC_GP, 0); return; }
  if (!readDescriptor(outerSs)) { if (!fault) raise(EXC_GP, <i32>(outerSs & ~3)); return; }
  const sattr = descAttr(descHi);
  if (<i32>(outerSs & 3) != rpl || attrDpl(sattr) != rpl || !writableData(sattr)) { raise(EXC_GP, <i32>(outerSs & ~3)); return; }
  if (!present(sattr)) { raise(EXC_SS, <i32>(outerSs & ~3)); return; }
  markAccessed();
  setSegCache(SEG_SS, outerSs, descBase(descLo, descHi), descLimit(descLo, descHi), sattr | 1);
  setDesc(codeLo, codeHi, codeAt);
  enterCode(retCs, retEip, rpl);
  const ns = (segAttr(SEG_SS) & ATTR_DB) != 0 ? outerEsp + popBytes : (outerEsp + popBytes) & 0xffff;
  setCurSp(ns);
  nullInaccessibleSegments();
}

/** ARPL Ew, Gw (SDM Vol. 2 "ARPL"): #UD outside protected mode. */
export function arpl(): void {
  if (!protectedMode()) { raise(6, -1); return; }
  const src = readReg(<i32>((modrm >> 3) & 7), 2);
  if (!rmIsReg) eaLimit(2);
  const dst = rmIsReg ? readReg(<i32>(modrm & 7), 2) : rd16(eaLin);
  if (fault) return;
  if ((dst & 3) < (src & 3)) {
    const nv = (dst & ~3) | (src & 3);
    if (rmIsReg) writeReg(<i32>(modrm & 7), 2, nv); else { checkSegWrite(eaSeg); wr16(eaLin, nv); }
    if (fault) return;
    setFlagBits(EFLAGS_ZF, true);
  } else {
    setFlagBits(EFLAGS_ZF, false);
  }
}

/** Load CS directly from a selector at the current CPL (used by interrupt delivery/IRET helpers). */
export function loadCsFromDescriptor(sel: u32, off: u32, newCpl: i32): void { enterCode(sel, off, newCpl); }

/** Load SS from descLo/descHi (already validated). */
export function loadSsFromDescriptor(sel: u32): void {
  markAccessed();
  setSegCache(SEG_SS, sel, descBase(descLo, descHi), descLimit(descLo, descHi), descAttr(descHi) | 1);
  refreshSegCaches();
}

/** Restore descLo/descHi (the "descriptor last read") before a load helper. */
export function setDesc(lo: u32, hi: u32, addr: u32): void { descLo = lo; descHi = hi; descAddr = addr; }

/** Real-address mode far transfer: CS base = selector × 16. */
export function realJump(sel: u32, off: u32): void { realModeCs(sel, off); }
