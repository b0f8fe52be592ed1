// Emulation of the instructions that fault when the guest kernel runs deprivileged (CPL 1, IOPL 0),
// against the VM's virtual CPU and devices, grouped by family: interrupt flag and HLT (SDM Vol. 2
// "CLI", "STI", "HLT"), port I/O through the VM's own bus (Vol. 1 §19.5), control and debug
// registers (Vol. 3A §2.5, "MOV—Move to/from Control Registers", "CLTS", "LMSW"), descriptor
// tables (Vol. 2 "LGDT/LIDT", "LLDT", "LTR"), INVLPG, MSRs (Vol. 4), IRET and far returns to the
// compressed ring and stack-segment loads (Vol. 3A §5.8), and software INT n (the real IDT has limit
// 0, so every INT n raises #GP(n*8+2)). Each handler advances EIP past the instruction.
import * as L from "../../../assembly/layout.js";
import type { IoSize } from "../../devices/io-bus.js";
import type { Insn } from "./decode.js";
import { realRing, type TrapEngine } from "../trap/engine.js";

export interface Emulated {
  reason: string;
  /** What the hypervisor did, for the timeline (built only when asked for: it costs). */
  action: string | (() => string);
}

const NO_ERROR = 0xffffffff;
/** REP INS/OUTS elements emulated per exit. */
export const STRING_IO_CHUNK = 4096;
const CR0_DEFINED =
  L.CR0_PE | L.CR0_MP | L.CR0_EM | L.CR0_TS | L.CR0_ET | L.CR0_NE | L.CR0_WP | L.CR0_AM | L.CR0_NW | L.CR0_CD | L.CR0_PG;
const CR4_SUPPORTED = L.CR4_TSD | L.CR4_PSE | 0x100;
const REG = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const hex = (n: number) => "0x" + (n >>> 0).toString(16);

/** Register value of `size` bytes (byte registers: AL..BH). */
function getReg(e: TrapEngine, r: number, size: number): number {
  const cpu = e.cpu;
  if (size === 1) return (cpu.reg(r & 3) >>> ((r >> 2) * 8)) & 0xff;
  const v = cpu.reg(r);
  return size === 2 ? v & 0xffff : v;
}

function setReg(e: TrapEngine, r: number, size: number, v: number): void {
  const cpu = e.cpu;
  if (size === 4) cpu.setReg(r, v >>> 0);
  else if (size === 2) cpu.setReg(r, ((cpu.reg(r) & 0xffff0000) | (v & 0xffff)) >>> 0);
  else {
    const sh = (r >> 2) * 8;
    cpu.setReg(r & 3, ((cpu.reg(r & 3) & ~(0xff << sh)) | ((v & 0xff) << sh)) >>> 0);
  }
}

/** Effective linear address of a memory operand (SDM Vol. 2 §2.1.5, tables 2-1 to 2-3). */
function linearOperand(e: TrapEngine, insn: Insn, eip: number): number {
  const cpu = e.cpu;
  const rd = e.mem.codeReader(e.linearEip(eip));
  let at = insn.modrmAt + 1;
  const byte = () => rd(at++) & 0xff;
  const disp = (n: number) => {
    let v = 0;
    for (let k = 0; k < n; k++) v |= byte() << (8 * k);
    return n === 1 ? (v << 24) >> 24 : n === 2 ? (v << 16) >> 16 : v | 0;
  };
  let ea: number;
  let seg = L.SEG_DS;
  if (!insn.a16) {
    let base = 0;
    if (insn.rm === 4) {
      const sib = byte();
      const scale = sib >> 6;
      const index = (sib >> 3) & 7;
      const b = sib & 7;
      if (b === 5 && insn.mod === 0) base = disp(4);
      else {
        base = cpu.reg(b);
        if (b === 4 || b === 5) seg = L.SEG_SS;
      }
      if (index !== 4) base += cpu.reg(index) << scale;
      if (insn.mod === 1) base += disp(1);
      else if (insn.mod === 2) base += disp(4);
    } else if (insn.mod === 0 && insn.rm === 5) {
      base = disp(4);
    } else {
      base = cpu.reg(insn.rm);
      if (insn.rm === 5) seg = L.SEG_SS;
      if (insn.mod === 1) base += disp(1);
      else if (insn.mod === 2) base += disp(4);
    }
    ea = base >>> 0;
  } else {
    const r16 = (r: number) => cpu.reg(r) & 0xffff;
    const pairs = [
      () => r16(3) + r16(6),
      () => r16(3) + r16(7),
      () => r16(5) + r16(6),
      () => r16(5) + r16(7),
      () => r16(6),
      () => r16(7),
      () => r16(5),
      () => r16(3),
    ];
    if (insn.mod === 0 && insn.rm === 6) ea = disp(2);
    else {
      ea = pairs[insn.rm]();
      if (insn.rm === 2 || insn.rm === 3 || insn.rm === 6) seg = L.SEG_SS;
      if (insn.mod === 1) ea += disp(1);
      else if (insn.mod === 2) ea += disp(2);
    }
    ea &= 0xffff;
  }
  if (insn.seg >= 0) seg = insn.seg;
  return (cpu.segment(seg).base + ea) >>> 0;
}

/** A 16-bit r/m operand (selectors, LMSW); null on a guest #PF (already reflected). */
function readRm16(e: TrapEngine, insn: Insn, eip: number): number | null {
  if (insn.mod === 3) return e.cpu.reg(insn.rm) & 0xffff;
  const lin = linearOperand(e, insn, eip);
  const v = e.mem.read(lin, 2);
  if (v === null) guestPageFault(e, lin, eip, false);
  return v;
}

function guestPageFault(e: TrapEngine, lin: number, eip: number, _write: boolean): void {
  e.cr2 = lin >>> 0;
  e.reflect(L.EXC_PF, e.mem.faultCode, "exception", eip);
}

function next(e: TrapEngine, eip: number, insn: Insn): void {
  e.cpu.eip = (eip + insn.length) >>> 0;
  e.cpu.setU32(L.STATE_INT_SHADOW, 0);
  e.touch();
}

function gp(e: TrapEngine, eip: number, code = 0): Emulated {
  e.reflect(L.EXC_GP, code, "exception", eip);
  return { reason: "privileged", action: () => `reflected #GP(${code})` };
}

/**
 * Emulate the instruction `insn` at `eip` that raised #GP with error code `err`. Returns null when
 * the fault is the guest's own (the caller reflects it).
 */
export function emulatePrivileged(e: TrapEngine, insn: Insn, eip: number, err: number): Emulated | null {
  const cpu = e.cpu;
  const op = insn.op;
  // Software interrupts fault at any CPL: the real IDT is empty.
  if (op === 0xcd || op === 0xcc || op === 0xce || op === 0xf1) {
    const vec = op === 0xcd ? insn.imm & 0xff : op === 0xcc ? 3 : op === 0xce ? 4 : 1;
    if ((err & ~1) !== ((vec << 3) | 2)) return null;
    // INT1 (ICEBP) is delivered like a hardware #DB: no gate DPL check (SDM Vol. 2 "INT n").
    e.reflect(vec, NO_ERROR, op === 0xf1 ? "external" : "soft", (eip + insn.length) >>> 0, 0, eip);
    return { reason: "int", action: () => `INT ${hex(vec)} reflected through the guest IDT` };
  }
  const far = farTransfer(e, insn, eip, err);
  if (far) return far;
  if (e.vcpl !== 0) return userSensitive(e, insn, eip); // the guest's own #GP unless its IOPL allows

  switch (op) {
    case 0xfa:
      e.setVif(false);
      next(e, eip, insn);
      return { reason: "cli", action: "virtual IF cleared" };
    case 0xfb: {
      const was = e.vif;
      e.setVif(true);
      next(e, eip, insn);
      if (!was) cpu.setU32(L.STATE_INT_SHADOW, 1);
      return { reason: "sti", action: "virtual IF set" };
    }
    case 0xf4: {
      next(e, eip, insn);
      if (!e.vif) {
        e.vm.stop({ reason: "halted", message: `CPU halted at EIP ${hex(eip + insn.length)} with interrupts disabled (cli; hlt)` });
        return { reason: "hlt", action: "halted for good (virtual IF clear)" };
      }
      e.vm.idle();
      return { reason: "hlt", action: "idle until the next virtual interrupt" };
    }
    case 0xe4:
    case 0xe5:
    case 0xe6:
    case 0xe7:
    case 0xec:
    case 0xed:
    case 0xee:
    case 0xef:
      return portIo(e, insn, eip);
    case 0x6c:
    case 0x6d:
    case 0x6e:
    case 0x6f:
      return stringIo(e, insn, eip);
    case 0x0f20:
    case 0x0f22:
      return controlRegister(e, insn, eip);
    case 0x0f21:
    case 0x0f23: {
      const n = insn.reg === 4 || insn.reg === 5 ? insn.reg + 2 : insn.reg;
      if (op === 0x0f23) e.dr[n] = cpu.reg(insn.rm);
      else cpu.setReg(insn.rm, n === 6 ? e.dr[6] | 0xffff0ff0 : n === 7 ? e.dr[7] | 0x400 : e.dr[n]);
      next(e, eip, insn);
      return { reason: "mov dr", action: () => `DR${n} emulated (storage only)` };
    }
    case 0x0f06:
      e.ctl.cr0 &= ~L.CR0_TS;
      e.applyRealControl();
      next(e, eip, insn);
      return { reason: "clts", action: "virtual CR0.TS cleared" };
    case 0x0f08:
    case 0x0f09:
      next(e, eip, insn);
      return { reason: "cache", action: "INVD/WBINVD: nothing to do" };
    case 0x0f30:
    case 0x0f32:
      return msr(e, insn, eip);
    case 0x0f01:
      return group7(e, insn, eip);
    case 0x0f00:
      return group6(e, insn, eip);
    case 0xcf:
      return iret(e, insn, eip);
    case 0xca:
    case 0xcb:
      return farReturn(e, insn, eip);
    case 0x8e:
      if (insn.reg !== L.SEG_SS) return null;
      return loadSs(e, insn, eip, readRm16(e, insn, eip), 0);
    case 0x17: {
      const size = insn.o16 ? 2 : 4;
      const ss = cpu.segment(L.SEG_SS);
      const sel = e.mem.read(ss.base + cpu.reg(L.REG_ESP), 2);
      if (sel === null) {
        guestPageFault(e, ss.base + cpu.reg(L.REG_ESP), eip, false);
        return { reason: "mov ss", action: "reflected #PF" };
      }
      return loadSs(e, insn, eip, sel, size);
    }
    case 0x0fb2: {
      if (insn.mod === 3) return null;
      const lin = linearOperand(e, insn, eip);
      const size = insn.o16 ? 2 : 4;
      const off = e.mem.read(lin, size);
      const sel = e.mem.read(lin + size, 2);
      if (off === null || sel === null) {
        guestPageFault(e, lin, eip, false);
        return { reason: "mov ss", action: "reflected #PF" };
      }
      const r = loadSs(e, insn, eip, sel, 0);
      if (cpu.segment(L.SEG_SS).selector === (sel | 1) || cpu.segment(L.SEG_SS).selector === sel) setReg(e, insn.reg, size, off);
      return r;
    }
    default:
      return null;
  }
}

function portIo(e: TrapEngine, insn: Insn, eip: number): Emulated {
  const cpu = e.cpu;
  const op = insn.op;
  const size = (op & 1 ? (insn.o16 ? 2 : 4) : 1) as IoSize;
  const port = op >= 0xec ? cpu.reg(L.REG_EDX) & 0xffff : insn.imm & 0xff;
  const out = (op & 2) !== 0;
  e.vm.platform?.advanceTo(cpu.insnCount);
  next(e, eip, insn);
  if (out) {
    const v = getReg(e, L.REG_EAX, size);
    e.vm.bus.write(port, size, v);
    return { reason: "io", action: () => `OUT ${hex(port)} ← ${hex(v)} (${size} byte${size > 1 ? "s" : ""}) to the VM's bus` };
  }
  const v = e.vm.bus.read(port, size);
  setReg(e, L.REG_EAX, size, v);
  return { reason: "io", action: () => `IN ${hex(port)} → ${hex(v)} from the VM's bus` };
}

function stringIo(e: TrapEngine, insn: Insn, eip: number): Emulated {
  const cpu = e.cpu;
  const size = (insn.op & 1 ? (insn.o16 ? 2 : 4) : 1) as IoSize;
  const out = insn.op >= 0x6e;
  const port = cpu.reg(L.REG_EDX) & 0xffff;
  const step = cpu.eflags & L.EFLAGS_DF ? -size : size;
  const mask = insn.a16 ? 0xffff : 0xffffffff;
  const cntReg = insn.a16 ? cpu.reg(L.REG_ECX) & 0xffff : cpu.reg(L.REG_ECX);
  let count = insn.rep ? cntReg : 1;
  e.vm.platform?.advanceTo(cpu.insnCount);
  const idx = out ? L.REG_ESI : L.REG_EDI;
  const segBase = out ? cpu.segment(insn.seg >= 0 ? insn.seg : L.SEG_DS).base : cpu.segment(L.SEG_ES).base;
  let done = 0;
  // A long REP is emulated in chunks: EIP stays on the instruction until ECX reaches 0, so a
  // guest cannot hold the host (and the other VMs) in one exit.
  while (count > 0 && done < STRING_IO_CHUNK) {
    const off = cpu.reg(idx) & mask;
    const lin = (segBase + off) >>> 0;
    if (out) {
      const v = e.mem.read(lin, size);
      if (v === null) {
        guestPageFault(e, lin, eip, false);
        return { reason: "io", action: () => `string I/O stopped by a guest #PF after ${done} elements` };
      }
      e.vm.bus.write(port, size, v);
    } else {
      const v = e.vm.bus.read(port, size);
      if (!e.mem.write(lin, size, v)) {
        guestPageFault(e, lin, eip, true);
        return { reason: "io", action: () => `string I/O stopped by a guest #PF after ${done} elements` };
      }
    }
    const nv = (off + step) & mask;
    cpu.setReg(idx, insn.a16 ? (cpu.reg(idx) & 0xffff0000) | nv : nv >>> 0);
    count--;
    done++;
    if (insn.rep) cpu.setReg(L.REG_ECX, insn.a16 ? (cpu.reg(L.REG_ECX) & 0xffff0000) | count : count);
  }
  if (count === 0) next(e, eip, insn);
  return { reason: "io", action: () => `${out ? "OUTS" : "INS"} ${done} × ${size} bytes at port ${hex(port)}` };
}

function controlRegister(e: TrapEngine, insn: Insn, eip: number): Emulated {
  const cpu = e.cpu;
  const n = insn.reg;
  if (insn.op === 0x0f20) {
    const v = n === 0 ? e.ctl.cr0 : n === 2 ? e.cr2 : n === 3 ? e.ctl.cr3 : n === 4 ? e.ctl.cr4 : -1;
    if (v < 0 && n !== 0) {
      e.reflect(L.EXC_UD, NO_ERROR, "exception", eip);
      return { reason: "mov cr", action: "reflected #UD" };
    }
    cpu.setReg(insn.rm, v >>> 0);
    next(e, eip, insn);
    return { reason: "mov cr", action: () => `read virtual CR${n} = ${hex(v)}` };
  }
  const v = cpu.reg(insn.rm);
  switch (n) {
    case 0: {
      if ((v & L.CR0_PG && !(v & L.CR0_PE)) || (v & L.CR0_NW && !(v & L.CR0_CD))) return gp(e, eip);
      if (!(v & L.CR0_PE)) {
        e.vm.stop({ reason: "internal-error", message: `trap mode: the guest left protected mode at EIP ${hex(eip)} (real mode is not supported)` });
        return { reason: "mov cr", action: "stopped: real mode" };
      }
      const old = e.ctl.cr0;
      e.ctl.cr0 = ((v & CR0_DEFINED) | L.CR0_ET) >>> 0;
      if ((old ^ e.ctl.cr0) & (L.CR0_PG | L.CR0_WP)) {
        e.shadow.flushAll();
        e.watchTables(); // the GDT's frames as the new translation sees them
      }
      e.applyRealControl();
      next(e, eip, insn);
      return { reason: "mov cr", action: () => `virtual CR0 = ${hex(e.ctl.cr0)}` };
    }
    case 2:
      e.cr2 = v;
      next(e, eip, insn);
      return { reason: "mov cr", action: () => `virtual CR2 = ${hex(v)}` };
    case 3:
      e.ctl.cr3 = v;
      if (e.ctl.cr0 & L.CR0_PG) e.shadow.switchCr3();
      else e.shadow.counters.cr3Switches++; // nothing shadowed yet: paging is off
      next(e, eip, insn);
      return { reason: "mov cr3", action: () => `virtual CR3 = ${hex(v)}; shadow tables dropped` };
    case 4: {
      if (v & ~CR4_SUPPORTED) return gp(e, eip);
      const old = e.ctl.cr4;
      e.ctl.cr4 = v;
      if ((old ^ v) & L.CR4_PSE) {
        e.shadow.flushAll();
        e.watchTables();
      }
      e.applyRealControl();
      next(e, eip, insn);
      return { reason: "mov cr", action: () => `virtual CR4 = ${hex(v)}` };
    }
    default:
      e.reflect(L.EXC_UD, NO_ERROR, "exception", eip);
      return { reason: "mov cr", action: "reflected #UD" };
  }
}

function msr(e: TrapEngine, insn: Insn, eip: number): Emulated {
  const cpu = e.cpu;
  const n = cpu.reg(L.REG_ECX);
  const known = n === 0x10 || n === 0x174 || n === 0x175 || n === 0x176;
  if (!known) return gp(e, eip);
  if (insn.op === 0x0f32) {
    const v = n === 0x10 ? BigInt.asUintN(64, cpu.insnCount + cpu.tscOffset) : (e.msrs.get(n) ?? 0n);
    cpu.setReg(L.REG_EAX, Number(v & 0xffffffffn));
    cpu.setReg(L.REG_EDX, Number(v >> 32n));
    next(e, eip, insn);
    return { reason: "msr", action: () => `RDMSR ${hex(n)}` };
  }
  const v = (BigInt(cpu.reg(L.REG_EDX)) << 32n) | BigInt(cpu.reg(L.REG_EAX));
  if (n === 0x10) cpu.tscOffset = BigInt.asUintN(64, v - cpu.insnCount);
  else e.msrs.set(n, v & 0xffffffffn);
  next(e, eip, insn);
  return { reason: "msr", action: () => `WRMSR ${hex(n)}` };
}

function group7(e: TrapEngine, insn: Insn, eip: number): Emulated | null {
  if (insn.mod === 3 && insn.reg !== 6) return null; // only LMSW takes a register
  const lin = insn.mod === 3 ? 0 : linearOperand(e, insn, eip);
  switch (insn.reg) {
    case 2:
    case 3: {
      const limit = e.mem.read(lin, 2);
      let base = e.mem.read(lin + 2, 4);
      if (limit === null || base === null) {
        guestPageFault(e, lin, eip, false);
        return { reason: "lgdt", action: "reflected #PF" };
      }
      if (insn.o16) base &= 0x00ffffff;
      next(e, eip, insn);
      // The guest hands back what SGDT/SIDT revealed (the real registers, a sensitive leak): keep
      // its own table rather than load the hypervisor's.
      if (insn.reg === 2 && base === e.shadow.windowLinear && limit === e.gdtr.limit) {
        return { reason: "lgdt", action: "LGDT of the value SGDT revealed: the guest's own GDTR kept" };
      }
      if (insn.reg === 3 && base === e.realIdtBase && limit === 0) {
        return { reason: "lidt", action: "LIDT of the value SIDT revealed: the guest's own IDTR kept" };
      }
      if (insn.reg === 2) {
        e.gdtr = { base, limit };
        e.syncShadowGdt();
        return { reason: "lgdt", action: () => `virtual GDTR = ${hex(base)}/${hex(limit)}; shadow GDT rebuilt` };
      }
      e.idtr = { base, limit };
      return { reason: "lidt", action: () => `virtual IDTR = ${hex(base)}/${hex(limit)}` };
    }
    case 6: {
      const v = readRm16(e, insn, eip);
      if (v === null) return { reason: "lmsw", action: "reflected #PF" };
      e.ctl.cr0 = (e.ctl.cr0 & ~(L.CR0_MP | L.CR0_EM | L.CR0_TS)) | (v & (L.CR0_PE | L.CR0_MP | L.CR0_EM | L.CR0_TS));
      e.applyRealControl();
      next(e, eip, insn);
      return { reason: "lmsw", action: () => `virtual CR0 = ${hex(e.ctl.cr0)}` };
    }
    case 7:
      e.shadow.invlpg(lin);
      next(e, eip, insn);
      return { reason: "invlpg", action: () => `shadow PTE for ${hex(lin)} dropped` };
    default:
      return null;
  }
}

function group6(e: TrapEngine, insn: Insn, eip: number): Emulated | null {
  if (insn.reg !== 2 && insn.reg !== 3) return null;
  const sel = readRm16(e, insn, eip);
  if (sel === null) return { reason: "ltr", action: "reflected #PF" };
  if (insn.reg === 2) {
    if ((sel & ~3) === 0) {
      e.loadLdt(sel, null);
      next(e, eip, insn);
      return { reason: "lldt", action: "virtual LDTR = null" };
    }
    const d = sel & 4 ? null : e.guestDescriptor(sel);
    if (!d || (d.attr & 0x1f) !== 0x02) return gp(e, eip, sel & ~3);
    if (!(d.attr & L.ATTR_P)) {
      e.reflect(L.EXC_NP, sel & ~3, "exception", eip);
      return { reason: "lldt", action: "reflected #NP" };
    }
    e.loadLdt(sel, d);
    next(e, eip, insn);
    return { reason: "lldt", action: () => `virtual LDTR = ${hex(sel)} (LDT at ${hex(d.base)}); shadow LDT built` };
  }
  const d = (sel & ~3) === 0 ? null : e.guestDescriptor(sel);
  if (!d) return gp(e, eip, sel & ~3);
  const type = (d.attr & 0x1f);
  if (type !== 0x09 && type !== 0x01) return gp(e, eip, sel & ~3);
  if (!(d.attr & L.ATTR_P)) {
    e.reflect(L.EXC_NP, sel & ~3, "exception", eip);
    return { reason: "ltr", action: "reflected #NP" };
  }
  e.mem.write(e.gdtr.base + (sel & ~7) + 4, 4, d.hi | 0x200); // busy (SDM Vol. 2 "LTR")
  e.tr = { selector: sel, base: d.base, limit: d.limit };
  // The real TR shows the guest's selector to STR, with limit 0 so the core never uses it: port
  // I/O at CPL > IOPL still faults (no I/O bitmap) and no stack switch goes through it.
  e.cpu.setSegment(L.SEG_TR, { selector: sel, base: 0, limit: 0, attr: 0x8b });
  next(e, eip, insn);
  return { reason: "ltr", action: () => `virtual TR = ${hex(sel)} (TSS at ${hex(d.base)})` };
}

/** IRET that faulted at CPL 1: a return to the guest kernel (CS RPL 0, which ring 1 cannot load). */
function iret(e: TrapEngine, insn: Insn, eip: number): Emulated | null {
  const cpu = e.cpu;
  if (cpu.eflags & L.EFLAGS_NT) {
    // return from a nested task through the back link (SDM Vol. 3A §7.3, "IRET")
    const link = e.mem.read(e.tr.base, 2);
    if (link === null) return null;
    const problem = e.taskSwitch(link, (eip + insn.length) >>> 0, false);
    if (problem) {
      e.reflect(problem.vector, problem.error, "exception", eip);
      return { reason: "iret", action: "task return failed: exception reflected" };
    }
    return { reason: "iret", action: () => `task return to TSS ${hex(link)}` };
  }
  if (insn.o16) return null;
  const ss = cpu.segment(L.SEG_SS);
  const esp = cpu.reg(L.REG_ESP);
  const at = (k: number) => (ss.base + esp + 4 * k) >>> 0;
  const newEip = e.mem.read(at(0), 4);
  const newCs = e.mem.read(at(1), 2);
  const image = e.mem.read(at(2), 4);
  if (newEip === null || newCs === null || image === null) {
    guestPageFault(e, at(0), eip, false);
    return { reason: "iret", action: "reflected #PF" };
  }
  if ((newCs & 3) !== 0) return null; // a genuine fault (returns to outer rings fault #NP and come through enterOuterRing)
  const d = (newCs & ~3) === 0 ? null : e.guestDescriptor(newCs);
  if (!d || (d.attr & 0x18) !== 0x18 || d.dpl !== 0) return gp(e, eip, newCs & ~3);
  cpu.setSegment(L.SEG_CS, e.realSegment(L.SEG_CS, newCs, d));
  cpu.eip = newEip;
  cpu.setReg(L.REG_ESP, (esp + 12) >>> 0);
  e.vcpl = 0;
  e.setRealFlags(image);
  cpu.setU32(L.STATE_INT_SHADOW, 0);
  return { reason: "iret", action: () => `return to the guest kernel at ${hex(newCs)}:${hex(newEip)}, virtual IF ${e.vif ? 1 : 0}` };
}

/** RETF to the guest kernel's own ring (CS RPL 0). */
function farReturn(e: TrapEngine, insn: Insn, eip: number): Emulated | null {
  const cpu = e.cpu;
  if (insn.o16) return null;
  const ss = cpu.segment(L.SEG_SS);
  const esp = cpu.reg(L.REG_ESP);
  const newEip = e.mem.read(ss.base + esp, 4);
  const newCs = e.mem.read(ss.base + esp + 4, 2);
  if (newEip === null || newCs === null) {
    guestPageFault(e, ss.base + esp, eip, false);
    return { reason: "retf", action: "reflected #PF" };
  }
  if ((newCs & 3) !== 0) return null;
  const d = (newCs & ~3) === 0 ? null : e.guestDescriptor(newCs);
  if (!d || (d.attr & 0x18) !== 0x18 || d.dpl !== 0) return gp(e, eip, newCs & ~3);
  cpu.setSegment(L.SEG_CS, e.realSegment(L.SEG_CS, newCs, d));
  cpu.eip = newEip;
  cpu.setReg(L.REG_ESP, (esp + 8 + (insn.op === 0xca ? insn.imm & 0xffff : 0)) >>> 0);
  e.vcpl = 0;
  e.touch();
  return { reason: "retf", action: () => `far return to the guest kernel at ${hex(newCs)}:${hex(newEip)}` };
}

/** MOV SS / POP SS / LSS with the guest's ring-0 selector (RPL 0 ≠ CPL 1): load the compressed one. */
function loadSs(e: TrapEngine, insn: Insn, eip: number, sel: number | null, pop: number): Emulated | null {
  const cpu = e.cpu;
  if (sel === null) return { reason: "mov ss", action: "reflected #PF" };
  if ((sel & 3) !== 0 || (sel & ~3) === 0) return null;
  const d = e.guestDescriptor(sel);
  if (!d || d.dpl !== 0 || (d.attr & 0x1a) !== 0x12) return gp(e, eip, sel & ~3);
  if (!(d.attr & L.ATTR_P)) {
    e.reflect(L.EXC_SS, sel & ~3, "exception", eip);
    return { reason: "mov ss", action: "reflected #SS" };
  }
  cpu.setSegment(L.SEG_SS, e.realSegment(L.SEG_SS, sel, d));
  if (pop) cpu.setReg(L.REG_ESP, (cpu.reg(L.REG_ESP) + pop) >>> 0);
  next(e, eip, insn);
  cpu.setU32(L.STATE_INT_SHADOW, 1); // MOV SS/POP SS inhibit interrupts for one instruction
  return { reason: "mov ss", action: () => `SS = ${hex(sel | 1)} (the guest's ${hex(sel)} compressed to ring 1)` };
}


/** True if the guest's outer ring may use `size` ports from `port`: IOPL ≥ CPL, or the guest TSS's I/O bitmap. */
function userPortAllowed(e: TrapEngine, port: number, size: number): boolean {
  if (e.viopl >= e.vcpl) return true;
  if ((e.tr.selector & ~3) === 0 || e.tr.limit < 103) return false;
  const mapOff = e.mem.read(e.tr.base + 102, 2);
  if (mapOff === null) return false;
  for (let p = port; p < port + size; p++) {
    const at = mapOff + (p >> 3);
    if (at > e.tr.limit) return false;
    const bits = e.mem.read(e.tr.base + at, 1);
    if (bits === null || bits & (1 << (p & 7))) return false;
  }
  return true;
}

/**
 * Ring 3 faulted on an instruction the guest kernel may have allowed it: CLI/STI with virtual
 * IOPL 3, port I/O with IOPL 3 or through the guest TSS's I/O permission bitmap (SDM Vol. 1
 * §19.5). The real IOPL is 0, so these always fault; the hypervisor applies the guest's rules.
 */
function userSensitive(e: TrapEngine, insn: Insn, eip: number): Emulated | null {
  const cpu = e.cpu;
  const op = insn.op;
  if ((op === 0xfa || op === 0xfb) && e.viopl >= e.vcpl) {
    e.setVif(op === 0xfb);
    next(e, eip, insn);
    if (op === 0xfb) cpu.setU32(L.STATE_INT_SHADOW, 1);
    return { reason: op === 0xfa ? "cli" : "sti", action: "ring 3 with virtual IOPL 3: virtual IF changed" };
  }
  const io = op >= 0xe4 && op <= 0xef && op !== 0xe8 && op !== 0xe9 && op !== 0xea && op !== 0xeb;
  const sio = op >= 0x6c && op <= 0x6f;
  if (!io && !sio) return null;
  const size = op & 1 ? (insn.o16 ? 2 : 4) : 1;
  const port = op >= 0xec || sio ? cpu.reg(L.REG_EDX) & 0xffff : insn.imm & 0xff;
  if (!userPortAllowed(e, port, size)) return null;
  return io ? portIo(e, insn, eip) : stringIo(e, insn, eip);
}

/** Push `v` (4 bytes) on the stack described by `ss` at `esp`; returns the new ESP or null on #PF. */
function push(e: TrapEngine, ssBase: number, esp: number, v: number): number | null {
  const n = (esp - 4) >>> 0;
  return e.mem.write(ssBase + n, 4, v) ? n : null;
}

/**
 * Far CALL/JMP through a guest call gate (SDM Vol. 3A §5.8.4-5.8.6): the shadow GDT has no gates,
 * so the far transfer raised #GP(selector). Calls to a more privileged ring switch to the stack
 * of the guest's TSS and copy the gate's parameter count of dwords; JMPs stay in the same ring.
 */
function farTransfer(e: TrapEngine, insn: Insn, eip: number, err: number): Emulated | null {
  const cpu = e.cpu;
  let isCall: boolean;
  let sel: number;
  if (insn.op === 0x9a || insn.op === 0xea) {
    if (insn.o16) return null;
    isCall = insn.op === 0x9a;
    const rd = e.mem.codeReader(e.linearEip(eip));
    sel = rd(insn.length - 2) | (rd(insn.length - 1) << 8);
  } else if (insn.op === 0xff && (insn.reg === 3 || insn.reg === 5) && insn.mod !== 3) {
    if (insn.o16) return null;
    isCall = insn.reg === 3;
    const lin = linearOperand(e, insn, eip);
    const s = e.mem.read(lin + 4, 2);
    if (s === null) return null;
    sel = s;
  } else return null;
  if ((sel & ~3) === 0 || (err & ~3) !== (sel & ~3)) return null;
  const gate = e.guestDescriptor(sel);
  if (!gate || (gate.attr & 0x1f) !== 0x0c) return null;
  const vcpl = e.vcpl;
  if (gate.dpl < vcpl || gate.dpl < (sel & 3)) return null;
  if (!(gate.attr & L.ATTR_P)) {
    e.reflect(L.EXC_NP, sel & ~3, "exception", eip);
    return { reason: "call gate", action: "reflected #NP" };
  }
  const target = (gate.lo >>> 16) & 0xffff;
  const offset = ((gate.lo & 0xffff) | (gate.hi & 0xffff0000)) >>> 0;
  const params = gate.hi & 0x1f;
  const cd = (target & ~3) === 0 ? null : e.guestDescriptor(target);
  if (!cd || (cd.attr & 0x18) !== 0x18 || cd.dpl > vcpl) return gp(e, eip, target & ~3);
  const retEip = (eip + insn.length) >>> 0;
  const cs = cpu.segment(L.SEG_CS);
  const guestCs = (cs.selector & ~3) | vcpl;
  const conforming = (cd.attr & 4) !== 0;
  if (isCall && !conforming && cd.dpl < vcpl) {
    const off = 4 + cd.dpl * 8;
    const newEsp = e.mem.read(e.tr.base + off, 4);
    const newSs = e.mem.read(e.tr.base + off + 4, 2);
    const sd = newSs === null || (newSs & ~3) === 0 ? null : e.guestDescriptor(newSs);
    if (newEsp === null || !sd || (sd.attr & 0x1a) !== 0x12 || sd.dpl !== cd.dpl) {
      e.reflect(L.EXC_TS, (newSs ?? 0) & ~3, "exception", eip);
      return { reason: "call gate", action: "reflected #TS" };
    }
    const oldSs = cpu.segment(L.SEG_SS);
    const oldEsp = cpu.reg(L.REG_ESP);
    const args: number[] = [];
    for (let k = 0; k < params; k++) {
      const v = e.mem.read(oldSs.base + oldEsp + 4 * k, 4, true);
      if (v === null) return null;
      args.push(v);
    }
    let sp: number | null = newEsp;
    for (const v of [oldSs.selector, oldEsp, ...args.reverse(), guestCs, retEip]) {
      sp = push(e, sd.base, sp!, v);
      if (sp === null) {
        e.cr2 = e.mem.faultAddr;
        e.reflect(L.EXC_PF, e.mem.faultCode, "exception", eip);
        return { reason: "call gate", action: "reflected #PF" };
      }
    }
    cpu.setSegment(L.SEG_SS, e.realSegment(L.SEG_SS, (newSs! & ~3) | cd.dpl, sd));
    cpu.setReg(L.REG_ESP, sp!);
    cpu.setSegment(L.SEG_CS, e.realSegment(L.SEG_CS, (target & ~3) | cd.dpl, cd));
    cpu.setU32(L.STATE_CPL, realRing(cd.dpl));
    e.vcpl = cd.dpl;
  } else {
    if (!conforming && cd.dpl !== vcpl) return gp(e, eip, target & ~3);
    if (isCall) {
      const ss = cpu.segment(L.SEG_SS);
      let sp: number | null = cpu.reg(L.REG_ESP);
      for (const v of [guestCs, retEip]) {
        sp = push(e, ss.base, sp!, v);
        if (sp === null) {
          e.cr2 = e.mem.faultAddr;
          e.reflect(L.EXC_PF, e.mem.faultCode, "exception", eip);
          return { reason: "call gate", action: "reflected #PF" };
        }
      }
      cpu.setReg(L.REG_ESP, sp!);
    }
    const ring = conforming ? cpu.cpl : realRing(cd.dpl);
    const c = e.realSegment(L.SEG_CS, (target & ~3) | (ring === 1 ? 0 : ring), cd);
    cpu.setSegment(L.SEG_CS, { ...c, selector: (target & ~3) | ring });
    if (!conforming) e.vcpl = cd.dpl;
  }
  cpu.eip = offset;
  e.touch();
  return { reason: "call gate", action: () => `far ${isCall ? "call" : "jmp"} through gate ${hex(sel)} to ${hex(target)}:${hex(offset)}` };
}

/**
 * An entry into an outer ring (1, 2 or 3) faulted #NP on the guest's code selector (shadowed not
 * present, see TrapEngine.shadowDescriptor): emulate IRET or RETF to that ring, or a far JMP/CALL
 * within the current outer ring, loading the segment caches from the guest's descriptors.
 */
export function enterOuterRing(e: TrapEngine, insn: Insn, eip: number, err: number): Emulated | null {
  const cpu = e.cpu;
  if (insn.o16) return null;
  const ss = cpu.segment(L.SEG_SS);
  const esp = cpu.reg(L.REG_ESP);
  const user = e.vcpl === 3;
  const pop = (k: number) => e.mem.read((ss.base + esp + 4 * k) >>> 0, 4, user);
  if (insn.op === 0xcf || insn.op === 0xca || insn.op === 0xcb) {
    const iret = insn.op === 0xcf;
    const imm = insn.op === 0xca ? insn.imm & 0xffff : 0;
    const newEip = pop(0);
    const newCs = pop(1);
    const image = iret ? pop(2) : 0;
    const k = iret ? 3 : 2;
    if (newEip === null || newCs === null || image === null) return null;
    const ring = newCs & 3;
    if ((newCs & ~3) !== (err & ~3) || ring === 0 || ring < e.vcpl) return null;
    const cd = e.guestDescriptor(newCs)!;
    if (cd.dpl !== ring) return gp(e, eip, newCs & ~3);
    if (ring === e.vcpl) {
      // same ring
      cpu.setSegment(L.SEG_CS, e.realSegment(L.SEG_CS, newCs, cd));
      cpu.eip = newEip;
      cpu.setReg(L.REG_ESP, (esp + 4 * k + imm) >>> 0);
      if (iret) {
        const keep = e.viopl >= e.vcpl ? L.EFLAGS_IOPL : L.EFLAGS_IOPL | L.EFLAGS_IF; // IRET at CPL > IOPL keeps IF
        const cur = (e.vif ? L.EFLAGS_IF : 0) | (e.viopl << 12);
        e.setRealFlags((image & ~keep) | (cur & keep));
      }
      return { reason: iret ? "iret" : "retf", action: () => `return within ring ${ring}` };
    }
    const newEsp = e.mem.read((ss.base + esp + 4 * k + imm) >>> 0, 4);
    const newSs = e.mem.read((ss.base + esp + 4 * k + imm + 4) >>> 0, 2);
    if (newEsp === null || newSs === null) return null;
    const sd = (newSs & ~3) === 0 ? null : e.guestDescriptor(newSs);
    if (!sd || (newSs & 3) !== ring || sd.dpl !== ring || (sd.attr & 0x1a) !== 0x12) return gp(e, eip, newSs & ~3);
    if (!(sd.attr & L.ATTR_P)) {
      e.reflect(L.EXC_SS, newSs & ~3, "exception", eip);
      return { reason: "iret", action: "reflected #SS" };
    }
    if (iret) {
      // a return from CPL 0 loads IF and IOPL; from an outer ring, IOPL is kept and IF only if CPL ≤ IOPL
      let f = image;
      if (e.vcpl > 0) {
        const keep = e.viopl >= e.vcpl ? L.EFLAGS_IOPL : L.EFLAGS_IOPL | L.EFLAGS_IF;
        f = (image & ~keep) | (((e.vif ? L.EFLAGS_IF : 0) | (e.viopl << 12)) & keep);
      }
      e.setRealFlags(f);
    }
    cpu.setSegment(L.SEG_CS, e.realSegment(L.SEG_CS, newCs, cd));
    cpu.setSegment(L.SEG_SS, e.realSegment(L.SEG_SS, newSs, sd));
    cpu.setU32(L.STATE_CPL, realRing(ring));
    e.vcpl = ring;
    cpu.eip = newEip;
    cpu.setReg(L.REG_ESP, (newEsp + imm) >>> 0);
    // data segments the new ring may not use become null (SDM Vol. 2 "IRET", "RET"), by the guest's DPLs
    for (const s of [L.SEG_ES, L.SEG_DS, L.SEG_FS, L.SEG_GS]) {
      const c = cpu.segment(s);
      if ((c.selector & ~3) === 0) continue;
      const gd = e.guestDescriptor(c.selector);
      const dpl = gd ? gd.dpl : (c.attr >> L.ATTR_DPL_SHIFT) & 3;
      const dataOrNonConforming = (c.attr & 0x08) === 0 || (c.attr & 0x04) === 0;
      if (dataOrNonConforming && dpl < ring) cpu.setSegment(s, { selector: 0, base: 0, limit: 0, attr: 0 });
    }
    cpu.setU32(L.STATE_INT_SHADOW, 0);
    return {
      reason: iret ? "iret" : "retf",
      action: () => `return to ring ${ring} at ${hex(newCs)}:${hex(newEip)}, virtual IF ${e.vif ? 1 : 0}, IOPL ${e.viopl}`,
    };
  }
  // far JMP/CALL to code of the current outer ring
  if (e.vcpl === 0) return null;
  let sel: number;
  let off: number;
  let isCall: boolean;
  if (insn.op === 0x9a || insn.op === 0xea) {
    const rd = e.mem.codeReader(e.linearEip(eip));
    sel = rd(insn.length - 2) | (rd(insn.length - 1) << 8);
    off = insn.imm;
    isCall = insn.op === 0x9a;
  } else if (insn.op === 0xff && (insn.reg === 3 || insn.reg === 5) && insn.mod !== 3) {
    const lin = linearOperand(e, insn, eip);
    const o = e.mem.read(lin, 4, user);
    const s = e.mem.read(lin + 4, 2, user);
    if (o === null || s === null) return null;
    sel = s;
    off = o;
    isCall = insn.reg === 3;
  } else return null;
  if ((sel & ~3) !== (err & ~3)) return null;
  const cd = e.guestDescriptor(sel)!;
  if (cd.dpl !== e.vcpl || (sel & 3) > e.vcpl) return gp(e, eip, sel & ~3);
  if (isCall) {
    let sp: number | null = esp;
    for (const v of [(cpu.segment(L.SEG_CS).selector & ~3) | e.vcpl, (eip + insn.length) >>> 0]) {
      sp = sp === null ? null : push(e, ss.base, sp, v);
    }
    if (sp === null) return null;
    cpu.setReg(L.REG_ESP, sp);
  }
  cpu.setSegment(L.SEG_CS, e.realSegment(L.SEG_CS, (sel & ~3) | e.vcpl, cd));
  cpu.eip = off;
  return { reason: "far jmp", action: () => `far ${isCall ? "call" : "jmp"} to ${hex(sel)}:${hex(off)} in ring ${e.vcpl}` };
}

/**
 * A plain MOV store (88/89 MOV r/m, reg; C6/C7 /0 MOV r/m, imm) into a write-protected guest page
 * table or descriptor-table page: performed by the hypervisor through the guest's own mapping,
 * which keeps the shadows coherent (GuestMemory.onWrite), then EIP moves on. Other instructions
 * return false and are single-stepped instead.
 */
export function emulateStore(e: TrapEngine, insn: Insn, eip: number): boolean {
  const op = insn.op;
  if (insn.mod === 3 || insn.rep) return false;
  let size: number;
  let value: number;
  if (op === 0x88 || op === 0x89) {
    size = op === 0x88 ? 1 : insn.o16 ? 2 : 4;
    value = getReg(e, insn.reg, size);
  } else if ((op === 0xc6 || op === 0xc7) && insn.reg === 0) {
    size = op === 0xc6 ? 1 : insn.o16 ? 2 : 4;
    value = insn.imm;
  } else return false;
  const lin = linearOperand(e, insn, eip);
  if (!e.mem.write(lin, size, value, e.vcpl === 3)) return false; // let the step raise the guest's fault
  next(e, eip, insn);
  return true;
}
