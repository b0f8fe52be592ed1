// Trap-and-emulate for one VM (`--mode trap`): the guest kernel runs deprivileged in ring 1 (its
// rings 1 and 2 too) and its user code in ring 3 on the real core; the hypervisor owns the real GDT
// (shadows of the guest's: DPL 0 compressed to 1 for the kernel, uncompressed for the outer rings),
// the real IDT (limit 0: every INT n raises #GP), the real page tables (shadow paging,
// src/hv/shadow-paging.ts) and EFLAGS.IOPL (0, so CLI/STI/IN/OUT fault at CPL 1). Every exception
// exits (STATE_EXC_BITMAP = all ones). This file keeps the virtual CPU (CPL, CR0-4,
// GDTR/IDTR/LDTR/TR, virtual IF and IOPL, MSRs), dispatches each exception exit, reflects
// exceptions and interrupts into the guest through the guest's own IDT (SDM Vol. 3A §6.12) and
// performs task switches through the guest's TSSs (§7.3). Instruction emulation lives in
// src/hv/emulate/privileged.ts.
import * as L from "../../../assembly/layout.js";
import type { CpuState, SegmentCache } from "../../core/state.js";
import type { GuestMode } from "../guest-mode.js";
import type { Machine } from "../vm.js";
import { GuestMemory } from "./guest-memory.js";
import {
  HV_SHADOW_GDT, HV_SHADOW_GDT_BYTES, HV_SHADOW_GDT_OUTER, HV_SHADOW_LDT, HV_SHADOW_LDT_BYTES, HV_WINDOW_TABLES, ShadowPaging,
} from "../shadow-paging.js";
import { SensitiveScanner } from "../emulate/sensitive.js";
import { decode, mnemonic, type Insn } from "../emulate/decode.js";
import { emulatePrivileged, emulateStore, enterOuterRing } from "../emulate/privileged.js";
import { exceptionName } from "../exits/triple-fault.js";

/** One trap, as the page's timeline and the tests see it. */
export interface TrapEvent {
  /** Guest-linear EIP of the instruction that trapped (or was interrupted). */
  eip: number;
  /** Decoded instruction, or the exception. */
  insn: string;
  /** Why the guest exited: "privileged", "#PF shadow", "#PF guest", "pte-write", "int", "irq", ... */
  reason: string;
  /** What the hypervisor did. */
  action: string;
  /** Host time spent handling it, in nanoseconds. */
  costNs: number;
}

/** Per-VM trap counters (the --stats JSON). */
export interface TrapCounters {
  exits: Record<string, number>;
  reflected: number; // exceptions and interrupts delivered through the guest's IDT
}

/** Exceptions that push an error code (SDM Vol. 3A §6.13). */
const HAS_ERROR = new Set([L.EXC_DF, L.EXC_TS, L.EXC_NP, L.EXC_SS, L.EXC_GP, L.EXC_PF, L.EXC_AC]);
const NO_ERROR = 0xffffffff;
const EFLAGS_VIRTUAL = L.EFLAGS_IF | L.EFLAGS_IOPL;
/** CR0 bits the guest controls in the real CR0 (the FPU-related ones and AM). */
const CR0_GUEST_BITS = L.CR0_MP | L.CR0_EM | L.CR0_TS | L.CR0_NE | L.CR0_AM;
const TIMELINE_MAX = 256;
const CS_BASE = L.STATE_SEGS + L.SEG_CS * L.SEG_RECORD + L.SEG_BASE;
const CS_ATTR = L.STATE_SEGS + L.SEG_CS * L.SEG_RECORD + L.SEG_ATTR;

/** Guest descriptor fields (SDM Vol. 3A §3.4.5). */
export interface Descriptor {
  lo: number;
  hi: number;
  base: number;
  limit: number;
  attr: number; // bits 40..55 >> 8, as SEG_ATTR
  dpl: number;
}

export function parseDescriptor(lo: number, hi: number): Descriptor {
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  let limit = (lo & 0xffff) | (hi & 0x000f0000);
  if (hi & 0x00800000) limit = ((limit << 12) | 0xfff) >>> 0;
  const attr = (hi >>> 8) & 0xf0ff;
  return { lo: lo >>> 0, hi: hi >>> 0, base, limit, attr, dpl: (attr >> L.ATTR_DPL_SHIFT) & 3 };
}

/** The real ring a guest ring runs in: 0 is compressed to 1. */
export const realRing = (guestRing: number) => (guestRing === 0 ? 1 : guestRing);

export class TrapEngine implements GuestMode {
  readonly cpu: CpuState;
  /** Virtual control registers: what the guest wrote and reads back. */
  readonly ctl = { cr0: L.CR0_PE | L.CR0_ET, cr3: 0, cr4: 0 };
  cr2 = 0;
  gdtr = { base: 0, limit: 0xffff };
  idtr = { base: 0, limit: 0x3ff };
  ldtr = 0;
  tr = { selector: 0, base: 0, limit: 0 };
  /**
   * The guest's own CPL. Guest rings 0, 1 and 2 all run at real CPL 1 (ring 2 at 2), so the real
   * CPL cannot tell them apart; every transition between them traps (entries into rings 1-3 find
   * their code not present in the shadow, returns to ring 0 fault on the RPL-0 selector), so the
   * hypervisor always knows it.
   */
  get vcpl(): number {
    return this.guestCpl;
  }
  set vcpl(v: number) {
    if (v === this.guestCpl) return;
    this.guestCpl = v;
    this.applyWindow(); // ring 0 and the outer rings use different shadow GDTs
  }
  private guestCpl = 0;
  /** Virtual EFLAGS.IF (the real IF mirrors it; the real IOPL is always 0). */
  vif = false;
  viopl = 0;
  readonly dr = new Uint32Array(8);
  readonly msrs = new Map<number, bigint>();
  readonly mem: GuestMemory;
  readonly shadow: ShadowPaging;
  readonly sensitive = new SensitiveScanner();
  readonly counters: TrapCounters = { exits: {}, reflected: 0 };
  /** The most recent traps (oldest first), for a teacher to pause on. */
  readonly timeline: TrapEvent[] = [];
  /** Keep a timeline (costs a little per trap). */
  recordTimeline = false;
  /** Called with every trap while recordTimeline is set (a live trace). */
  onTrap: ((e: TrapEvent) => void) | null = null;

  constructor(readonly vm: Machine) {
    this.cpu = vm.cpu;
    this.mem = new GuestMemory(vm.cpu, vm.guestRamBytes, this.ctl);
    this.shadow = new ShadowPaging(this.mem, this.ctl);
    this.shadow.onAddressSpace = () => {
      this.observed.clear();
      this.watchTables();
    };
    this.shadow.onWindowMove = () => this.applyWindow();
    this.shadow.onWatchedWrite = (frame, dwords) => this.tableWritten(frame, dwords);
    this.mem.onWrite = (gpa) => this.shadow.noteWrite(gpa);
  }

  // ---- GuestMode hooks -------------------------------------------------------------------------

  enter(kernel?: Uint8Array): void {
    const cpu = this.cpu;
    this.mem.refresh();
    this.ctl.cr0 = cpu.cr0;
    this.ctl.cr3 = 0;
    this.ctl.cr4 = 0;
    this.gdtr = cpu.gdtr;
    this.idtr = { base: 0, limit: 0x3ff };
    this.vif = (cpu.eflags & L.EFLAGS_IF) !== 0;
    this.viopl = (cpu.eflags & L.EFLAGS_IOPL) >>> L.EFLAGS_IOPL_SHIFT;
    this.shadow.initWindow();
    this.syncShadowGdt();
    cpu.setU32(L.STATE_EXC_BITMAP, 0xffffffff);
    cpu.idtr = { base: this.realIdtBase, limit: 0 };
    cpu.setSegment(L.SEG_TR, { selector: 0, base: 0, limit: 0, attr: 0 });
    cpu.setSegment(L.SEG_LDTR, { selector: 0, base: 0, limit: 0, attr: 0 });
    for (const s of [L.SEG_ES, L.SEG_CS, L.SEG_SS, L.SEG_DS, L.SEG_FS, L.SEG_GS]) {
      const c = cpu.segment(s);
      cpu.setSegment(s, compress(s, c));
    }
    cpu.setU32(L.STATE_CPL, 1);
    this.vcpl = 0;
    this.applyRealControl();
    this.setRealFlags(cpu.eflags);
    this.core().sync();
    if (kernel) this.sensitive.scanImage(kernel);
  }

  beforeRun(): number {
    const cpu = this.cpu;
    // run() reloads EIP, EFLAGS, CPL and the segment caches from the state block itself; only a
    // changed or removed shadow entry needs sync() (it flushes the core's TLB).
    if (this.shadow.dirty) {
      this.shadow.dirty = false;
      this.core().sync();
    }
    return this.shadow.stepping ? 1 : Infinity;
  }

  afterRun(_reason: number): void {
    if (this.shadow.stepping) this.shadow.endStep();
  }

  interruptible(): boolean {
    if (this.shadow.stepping || this.cpu.intShadow) return false;
    return this.vif;
  }

  injectExternal(vector: number): void {
    const t0 = this.recordTimeline ? performance.now() : 0;
    const eip = this.cpu.eip;
    this.observeBoundary(eip);
    this.reflect(vector, NO_ERROR, "external", eip);
    this.count("irq");
    if (this.recordTimeline) this.record(t0, eip, `irq vector 0x${vector.toString(16)}`, "irq", "reflected through the guest IDT");
  }

  onException(): void {
    const t0 = this.recordTimeline ? performance.now() : 0;
    const cpu = this.cpu;
    const vec = cpu.exitVector;
    const err = cpu.exitError;
    const eip = cpu.exitEip;
    this.observeBoundary(eip);
    let reason: string;
    let action: string | (() => string);
    let what: string | (() => string) = exceptionName(vec);
    if (vec === L.EXC_PF) {
      const lin = cpu.cr2;
      const out = this.shadow.onPageFault(lin, err);
      what = () => `#PF 0x${lin.toString(16)} err ${err}`;
      switch (out.kind) {
        case "filled":
          reason = "#PF shadow";
          action = "filled the shadow entry from the guest's tables";
          this.retry();
          break;
        case "guest-fault":
          reason = "#PF guest";
          action = "reflected #PF to the guest";
          this.cr2 = lin;
          this.reflect(L.EXC_PF, out.code, "exception", eip);
          break;
        case "accessed-bit": {
          const inLdt = out.offset >= HV_SHADOW_GDT_BYTES && out.offset < HV_SHADOW_GDT_OUTER - HV_SHADOW_GDT;
          const index = ((out.offset - (inLdt ? HV_SHADOW_GDT_BYTES : out.offset >= HV_SHADOW_GDT_OUTER - HV_SHADOW_GDT ? HV_SHADOW_GDT_OUTER - HV_SHADOW_GDT : 0)) >>> 3) as number;
          this.markAccessed((index << 3) | (inLdt ? 4 : 0));
          this.retry();
          reason = "accessed bit";
          action = () => `set the accessed bit of ${inLdt ? "LDT" : "GDT"} entry ${index} in the guest's table and the shadow`;
          break;
        }
        case "window-moved":
          this.retry();
          reason = "#PF window";
          action = () => `the guest maps the hypervisor's window: moved it to 0x${this.shadow.windowLinear.toString(16)}`;
          break;
        case "pt-write": {
          reason = out.pageTable ? "pte-write" : "table-write";
          const where = out.pageTable ? "page table" : "GDT/LDT page";
          const insn = this.decodeAt(eip);
          if (insn && emulateStore(this, insn, eip)) {
            what = () => mnemonic(insn);
            action = () => `emulated the store to the guest's ${where} at frame 0x${out.frame.toString(16)}`;
            if (out.pageTable) this.shadow.counters.pteWrites++;
            else this.shadow.counters.tableWrites++;
          } else {
            action = () => `stepping one write to the guest's ${where} at frame 0x${out.frame.toString(16)}`;
            this.shadow.beginStep(lin, out.frame);
            this.retry();
          }
          break;
        }
        default:
          reason = "#PF window";
          action = "stopped: the guest maps the hypervisor's window";
          this.vm.stop({
            reason: "internal-error",
            message: `trap mode: the guest maps every 4 MiB slot of its address space; the hypervisor has no room for its window (at 0x${lin.toString(16)})`,
          });
      }
    } else if (vec === L.EXC_DB) {
      // The single-step trap exits like any exception in the bitmap, EIP already past the
      // stepped instruction (docs/core-api.md).
      reason = "#DB";
      action = "single-step trap reflected to the guest";
      this.dr[6] |= 0x4000; // DR6.BS
      this.reflect(L.EXC_DB, NO_ERROR, "exception", eip);
    } else if (vec === L.EXC_GP) {
      const insn = this.decodeAt(eip);
      what = insn ? () => mnemonic(insn) : "#GP";
      const r = insn ? emulatePrivileged(this, insn, eip, err) : null;
      if (r) {
        reason = r.reason;
        action = r.action;
      } else if (err !== 0 && err !== NO_ERROR && (err & 2) === 0 && this.syncShadowGdt()) {
        this.retry();
        reason = "#GP";
        action = "shadow GDT resynchronised; retrying";
      } else {
        reason = "#GP";
        action = "reflected #GP to the guest";
        this.reflect(L.EXC_GP, err, "exception", eip);
      }
    } else if (vec === L.EXC_NP && (this.isUserCode(err) || this.isCallGate(err))) {
      const insn = this.decodeAt(eip);
      what = insn ? () => mnemonic(insn) : "#NP";
      const r = insn ? (this.isCallGate(err) ? emulatePrivileged(this, insn, eip, err & ~3) : enterOuterRing(this, insn, eip, err)) : null;
      if (r) {
        reason = r.reason;
        action = r.action;
      } else {
        reason = "#NP";
        action = "reflected #NP to the guest";
        this.reflect(vec, err, "exception", eip);
      }
    } else if ((vec === L.EXC_NP || vec === L.EXC_SS || vec === L.EXC_TS) && this.syncShadowGdt()) {
      this.retry();
      reason = exceptionName(vec);
      action = "shadow GDT resynchronised; retrying";
    } else {
      reason = exceptionName(vec);
      action = "reflected to the guest";
      this.reflect(vec, HAS_ERROR.has(vec) ? err : NO_ERROR, "exception", eip);
    }
    this.count(reason);
    if (this.recordTimeline) this.record(t0, eip, what, reason, action);
  }

  // ---- helpers for the emulation code ---------------------------------------------------------

  core(): Machine["core"] {
    return this.vm.core;
  }

  /**
   * The state block changed (registers, EIP, EFLAGS, segment caches, CPL, control registers):
   * nothing to do, run() reloads all of them; kept as the one place to say so.
   */
  touch(): void {}

  /**
   * The faulting instruction will run again (the hypervisor only fixed its own state: a shadow
   * entry, the window, an accessed bit, the shadow GDT, or it single-steps the write). The core
   * counted the faulting attempt as executed, as it does for every exception; the retry is
   * counted again, so take the attempt back: the VM's clock (STATE_INSN_COUNT) then advances as
   * on bare metal, where none of this happens.
   */
  private retry(): void {
    this.cpu.setU64(L.STATE_INSN_COUNT, this.cpu.insnCount - 1n);
  }

  count(reason: string): void {
    this.counters.exits[reason] = (this.counters.exits[reason] ?? 0) + 1;
  }

  private record(t0: number, eip: number, insn: string | (() => string), reason: string, action: string | (() => string)): void {
    const dt = performance.now() - t0;
    if (this.timeline.length >= TIMELINE_MAX) this.timeline.shift();
    const event: TrapEvent = {
      eip: this.linearEip(eip),
      insn: typeof insn === "string" ? insn : insn(),
      reason,
      action: typeof action === "string" ? action : action(),
      costNs: Math.round(dt * 1e6),
    };
    this.timeline.push(event);
    this.onTrap?.(event);
  }

  /** Guest-linear address of EIP in the current code segment. */
  linearEip(eip: number): number {
    return (this.cpu.u32(CS_BASE) + eip) >>> 0;
  }

  /** The first byte of the instruction at `eip` (-1 if unmapped). */
  readByte(eip: number): number {
    return this.mem.codeReader(this.linearEip(eip))(0);
  }

  private get code16(): boolean {
    return (this.cpu.u32(CS_ATTR) & L.ATTR_DB) === 0;
  }

  decodeAt(eip: number): Insn | null {
    return decode(this.mem.codeReader(this.linearEip(eip)), this.code16);
  }

  /** Kernel-mode EIPs already used as scan starts (cleared when the address space changes). */
  readonly observed = new Set<number>();

  /** A kernel-mode exit at `eip`: scan its code page for sensitive instructions. */
  private observeBoundary(eip: number): void {
    const ring = this.vcpl === 3 ? 3 : 1;
    const lin = this.linearEip(eip);
    if (this.observed.has(lin)) return;
    this.observed.add(lin);
    const t = this.mem.translate(lin, false, false, false);
    if (!t) return;
    this.sensitive.observe(lin, t.gpa >>> 12, this.mem.codeReader(lin), this.code16, ring, this.viopl === 3);
  }

  /** The guest's EFLAGS image: real arithmetic flags with the virtual IF and IOPL. */
  guestFlags(): number {
    const f = this.cpu.eflags & ~EFLAGS_VIRTUAL;
    return (f | (this.vif ? L.EFLAGS_IF : 0) | (this.viopl << L.EFLAGS_IOPL_SHIFT)) >>> 0;
  }

  /** Load a guest EFLAGS image: IF and IOPL become virtual, the real IF mirrors the virtual one. */
  setRealFlags(image: number): void {
    this.vif = (image & L.EFLAGS_IF) !== 0;
    this.viopl = (image & L.EFLAGS_IOPL) >>> L.EFLAGS_IOPL_SHIFT;
    const f = (image & ~(EFLAGS_VIRTUAL | L.EFLAGS_VM | L.EFLAGS_RF)) | L.EFLAGS_FIXED | (this.vif ? L.EFLAGS_IF : 0);
    this.cpu.eflags = f >>> 0;
    this.touch();
  }

  setVif(on: boolean): void {
    this.vif = on;
    this.cpu.eflags = on ? this.cpu.eflags | L.EFLAGS_IF : this.cpu.eflags & ~L.EFLAGS_IF;
    this.touch();
  }

  /** Real CR0/CR3/CR4/GDTR from the virtual ones: paging always on through the shadow tables. */
  applyRealControl(): void {
    const cpu = this.cpu;
    cpu.setU32(L.STATE_CR0, L.CR0_PE | L.CR0_ET | L.CR0_PG | L.CR0_WP | (this.ctl.cr0 & CR0_GUEST_BITS));
    cpu.setU32(L.STATE_CR3, this.shadow.realCr3);
    cpu.setU32(L.STATE_CR4, this.ctl.cr4 & L.CR4_TSD);
    cpu.gdtr = { base: this.shadow.windowLinear, limit: this.gdtr.limit };
    this.touch();
  }

  /** `err` names a present, non-conforming code descriptor of ring 1-3 (shadowed not present). */
  isUserCode(err: number): boolean {
    if (err === NO_ERROR || err & 3 || (err & ~7) === 0) return false;
    const d = this.guestDescriptor(err);
    return !!d && (d.attr & L.ATTR_P) !== 0 && d.dpl > 0 && (d.attr & 0x1c) === 0x18;
  }

  /**
   * The real IDTR base: an address in the hypervisor's window (limit 0, so every INT n faults).
   * SIDT shows it to the guest; a guest that hands it back to LIDT (a save/restore through
   * SIDT/LIDT) gets its own IDTR kept instead of losing every interrupt.
   */
  get realIdtBase(): number {
    return (this.shadow.windowLinear + HV_WINDOW_TABLES) >>> 0;
  }

  /**
   * Set the accessed bit of guest descriptor `sel` (SDM Vol. 3A §3.4.5.1) in the guest's table
   * and in its shadow. The shadow keeps the guest's accessed bits, so the core's own attempt to
   * set one writes the read-only window and exits here.
   */
  markAccessed(sel: number): void {
    const table = sel & 4 ? this.ldt : this.gdtr;
    const at = table.base + (sel & ~7) + 4;
    const hi = this.mem.read(at, 4);
    if (hi === null || !(hi & 0x1000) || hi & 0x100) return;
    this.mem.write(at, 4, hi | 0x100);
    const view = this.mem.regionView;
    for (const table of sel & 4 ? [HV_SHADOW_LDT] : [HV_SHADOW_GDT, HV_SHADOW_GDT_OUTER]) {
      const shadowAt = this.shadow.hvBase + table + (sel & ~7) + 4;
      view.setUint32(shadowAt, (view.getUint32(shadowAt, true) | 0x100) >>> 0, true);
    }
  }

  /** `err` names a present guest call gate (shadowed not present, as every system descriptor). */
  isCallGate(err: number): boolean {
    if (err === NO_ERROR || err & 3 || (err & ~7) === 0) return false;
    const d = this.guestDescriptor(err);
    return !!d && (d.attr & L.ATTR_P) !== 0 && (d.attr & 0x1f) === 0x0c;
  }

  /** The window moved: the real GDTR, IDTR and LDTR bases follow it. */
  applyWindow(): void {
    const outer = this.vcpl === 0 ? 0 : HV_SHADOW_GDT_OUTER - HV_SHADOW_GDT;
    this.cpu.gdtr = { base: (this.shadow.windowLinear + outer) >>> 0, limit: this.gdtr.limit };
    this.cpu.idtr = { base: this.realIdtBase, limit: 0 };
    if (this.ldt.selector & ~3) {
      this.cpu.setSegment(L.SEG_LDTR, {
        selector: this.ldt.selector,
        base: (this.shadow.windowLinear + HV_SHADOW_GDT_BYTES) >>> 0,
        limit: this.ldt.limit,
        attr: 0x82,
      });
    }
  }

  /** Read a guest descriptor from the guest's GDT (LDT selectors are not supported: null). */
  guestDescriptor(sel: number): Descriptor | null {
    const table = sel & 4 ? this.ldt : this.gdtr;
    if (sel & 4 && !(this.ldt.selector & ~3)) return null;
    const off = sel & 0xfff8;
    if (off + 7 > table.limit) return null;
    const lo = this.mem.read(table.base + off, 4);
    const hi = this.mem.read(table.base + off + 4, 4);
    if (lo === null || hi === null) return null;
    return parseDescriptor(lo, hi);
  }

  /**
   * The real segment cache for guest selector `sel` with descriptor `d` (DPL 0 compressed to 1),
   * for a load the hypervisor performs: it sets the descriptor's accessed bit as the processor would.
   */
  realSegment(sreg: number, sel: number, d: Descriptor): SegmentCache {
    if (d.attr & L.ATTR_S && !(d.attr & L.ATTR_ACCESSED)) this.markAccessed(sel); // the load sets it
    let attr = d.attr | (d.attr & L.ATTR_S ? L.ATTR_ACCESSED : 0);
    if (attr & L.ATTR_S && d.dpl === 0) attr |= 1 << L.ATTR_DPL_SHIFT;
    let selector = sel;
    if ((sreg === L.SEG_CS || sreg === L.SEG_SS) && (sel & 3) === 0) selector = sel | 1;
    return { selector, base: d.base, limit: d.limit, attr };
  }

  /**
   * The shadow of one guest code/data descriptor: DPL 0 becomes DPL 1; the accessed bit is the
   * guest's (the core setting it faults on the read-only window: markAccessed). Non-conforming DPL-3 code is marked not
   * present (as is DPL-1 and DPL-2 code), so every entry into an outer ring (IRET, RETF, far
   * JMP/CALL) faults with #NP and is
   * emulated: the hypervisor then knows the user's EFLAGS image (IF, IOPL), which a native IRET at
   * CPL 1 would silently drop. System descriptors (TSS, LDT, gates) are left out: LTR and LLDT are
   * emulated, call gates are emulated on the #GP their absence raises, task gates are unsupported.
   */
  private shadowDescriptor(lo: number, hi: number, outer = false): [number, number] {
    if (!(hi & 0x1000)) {
      // System descriptors (TSS, LDT, gates) stay visible to LAR and LSL but not present: the core
      // never uses one natively (a task switch would load the guest's CR3 into the real one);
      // using a call gate raises #NP and is emulated, LTR/LLDT are emulated anyway.
      let h = hi & ~0x8000;
      if (!outer && ((h >>> 13) & 3) === 0) h |= 1 << 13;
      return [lo >>> 0, h >>> 0];
    }
    let h = hi;
    const dpl = (h >>> 13) & 3;
    if (dpl === 0 && !outer) h |= 1 << 13;
    if (dpl > 0 && (h & 0x0c00) === 0x0800) h &= ~0x8000; // code of an outer ring, not conforming
    return [lo >>> 0, h >>> 0];
  }

  private copyShadowTable(guestBase: number, limit: number, at: number, bytes: number, skipNull: boolean, outerAt = -1): boolean {
    const n = Math.min(bytes, limit + 1) >>> 3;
    let changed = false;
    for (let i = 0; i < n; i++) changed = this.copyShadowEntry(guestBase, i, at, skipNull, outerAt) || changed;
    return changed;
  }

  /** Shadow entry `i` of a guest table (and of the outer rings' copy when `outerAt` ≥ 0); true if it changed. */
  private copyShadowEntry(guestBase: number, i: number, at: number, skipNull: boolean, outerAt: number): boolean {
    const view = this.mem.regionView;
    let lo = 0;
    let hi = 0;
    let olo = 0;
    let ohi = 0;
    if (i > 0 || !skipNull) {
      const glo = this.mem.read(guestBase + 8 * i, 4);
      const ghi = glo === null ? null : this.mem.read(guestBase + 8 * i + 4, 4);
      if (glo !== null && ghi !== null) {
        [lo, hi] = this.shadowDescriptor(glo, ghi);
        [olo, ohi] = this.shadowDescriptor(glo, ghi, true);
      }
    }
    if (outerAt >= 0) {
      view.setUint32(outerAt + 8 * i, olo, true);
      view.setUint32(outerAt + 8 * i + 4, ohi, true);
    }
    if (view.getUint32(at + 8 * i, true) === lo && view.getUint32(at + 8 * i + 4, true) === hi) return false;
    view.setUint32(at + 8 * i, lo, true);
    view.setUint32(at + 8 * i + 4, hi, true);
    return true;
  }

  /** Guest frame → linear page bases of its GDT/LDT that it holds (the watched frames). */
  private readonly tablePages = new Map<number, number[]>();

  /**
   * The guest wrote dwords `dwords` of watched frame `frame`: refresh just the shadow descriptors
   * they belong to (a whole-table rebuild per store would let a guest make every store cost
   * thousands of reads).
   */
  private tableWritten(frame: number, dwords: number[]): void {
    const hv = this.shadow.hvBase;
    for (const page of this.tablePages.get(frame) ?? []) {
      for (const k of dwords) {
        const lin = (page + 4 * k) >>> 0;
        const g = (lin - this.gdtr.base) >>> 0;
        if (g <= this.gdtr.limit && g < HV_SHADOW_GDT_BYTES) this.copyShadowEntry(this.gdtr.base, g >>> 3, hv + HV_SHADOW_GDT, true, hv + HV_SHADOW_GDT_OUTER);
        const l = (lin - this.ldt.base) >>> 0;
        if (this.ldt.selector & ~3 && l <= this.ldt.limit) this.copyShadowEntry(this.ldt.base, l >>> 3, hv + HV_SHADOW_LDT, false, -1);
      }
    }
  }

  /**
   * Rebuild the shadow GDT (and LDT) from the guest's; true if anything changed. The guest frames
   * holding them are watched: a guest write there is stepped and the shadow rebuilt, so a
   * descriptor edited in place is seen by the next segment load.
   */
  syncShadowGdt(): boolean {
    const hv = this.shadow.hvBase;
    let changed = this.copyShadowTable(this.gdtr.base, this.gdtr.limit, hv + HV_SHADOW_GDT, HV_SHADOW_GDT_BYTES, true, hv + HV_SHADOW_GDT_OUTER);
    if (this.ldt.selector & ~3) {
      changed = this.copyShadowTable(this.ldt.base, this.ldt.limit, this.shadow.hvBase + HV_SHADOW_LDT, HV_SHADOW_LDT_BYTES, false) || changed;
    }
    this.applyWindow();
    this.watchTables();
    return changed;
  }

  /** Watch the guest frames of its GDT and LDT (their linear-to-physical mapping may change with CR3). */
  watchTables(): void {
    this.tablePages.clear();
    const add = (base: number, limit: number) => {
      for (let p = (base & ~0xfff) >>> 0; p <= base + limit; p += 4096) {
        const t = this.mem.translate(p >>> 0, false, false, false);
        if (!t) continue;
        const list = this.tablePages.get(t.gpa >>> 12) ?? [];
        if (!list.includes(p)) list.push(p);
        this.tablePages.set(t.gpa >>> 12, list);
      }
    };
    add(this.gdtr.base, Math.min(this.gdtr.limit, HV_SHADOW_GDT_BYTES - 1));
    if (this.ldt.selector & ~3) add(this.ldt.base, this.ldt.limit);
    this.shadow.watch(this.tablePages.keys());
  }

  /** The guest's LDT (selector, base, limit) as its LLDT set it. */
  ldt = { selector: 0, base: 0, limit: 0 };

  /** Emulated LLDT: null, or a guest LDT descriptor whose shadow goes in the window. */
  loadLdt(sel: number, d: Descriptor | null): void {
    this.ldtr = sel;
    if (!d) {
      this.ldt = { selector: sel, base: 0, limit: 0 };
      this.cpu.setSegment(L.SEG_LDTR, { selector: sel, base: 0, limit: 0, attr: 0 });
      return;
    }
    this.ldt = { selector: sel, base: d.base, limit: Math.min(d.limit, HV_SHADOW_LDT_BYTES - 1) };
    this.syncShadowGdt();
  }

  /**
   * A hardware task switch (SDM Vol. 3A §7.3) through a task gate (`nested`: link back, set NT,
   * new TSS busy) or back through the link on IRET with NT (`nested` false: old TSS not busy).
   * The outgoing state goes to the guest's current TSS as the guest would see it (its own
   * selectors and EFLAGS image); the incoming one is loaded deprivileged. Returns the exception
   * to raise instead, or null.
   */
  taskSwitch(sel: number, retEip: number, nested: boolean): { vector: number; error: number } | null {
    const cpu = this.cpu;
    const d = (sel & ~3) === 0 || sel & 4 ? null : this.guestDescriptor(sel);
    const wantType = nested ? 0x09 : 0x0b;
    if (!d || (d.attr & 0x1f) !== wantType) return { vector: nested ? L.EXC_GP : L.EXC_TS, error: sel & ~3 };
    if (!(d.attr & L.ATTR_P)) return { vector: L.EXC_NP, error: sel & ~3 };
    if (d.limit < 0x67 || this.tr.limit < 0x67) return { vector: L.EXC_TS, error: sel & ~3 };
    const old = this.tr;
    const put = (off: number, v: number, size = 4) => this.mem.write(old.base + off, size, v);
    let flags = this.guestFlags();
    if (!nested) flags &= ~L.EFLAGS_NT;
    put(32, retEip);
    put(36, flags);
    for (let r = 0; r < 8; r++) put(40 + 4 * r, cpu.reg(r));
    const segs = [L.SEG_ES, L.SEG_CS, L.SEG_SS, L.SEG_DS, L.SEG_FS, L.SEG_GS];
    segs.forEach((s, i) => {
      const c = cpu.segment(s);
      const sel16 = s === L.SEG_CS || s === L.SEG_SS ? (c.selector & ~3) | this.vcpl : c.selector;
      put(72 + 4 * i, sel16, 2);
    });
    const setBusy = (tsel: number, busy: boolean) => {
      const at = this.gdtr.base + (tsel & ~7) + 4;
      const hi = this.mem.read(at, 4);
      if (hi !== null) this.mem.write(at, 4, busy ? hi | 0x200 : hi & ~0x200);
    };
    if (!nested) setBusy(old.selector, false);
    const nb = d.base;
    const get = (off: number, size = 4) => this.mem.read(nb + off, size) ?? 0;
    if (nested) {
      this.mem.write(nb, 2, old.selector);
      setBusy(sel, true);
    }
    const cr3 = get(28);
    const eip = get(32);
    let eflags = get(36);
    if (nested) eflags |= L.EFLAGS_NT;
    const regs = Array.from({ length: 8 }, (_, r) => get(40 + 4 * r));
    const sels = segs.map((_, i) => get(72 + 4 * i, 2));
    const ldt = get(96, 2);
    this.tr = { selector: sel, base: d.base, limit: d.limit };
    cpu.setSegment(L.SEG_TR, { selector: sel, base: 0, limit: 0, attr: 0x8b });
    if (this.ctl.cr0 & L.CR0_PG && cr3 !== this.ctl.cr3) {
      this.ctl.cr3 = cr3;
      this.shadow.switchCr3();
    }
    this.ctl.cr0 |= L.CR0_TS;
    this.applyRealControl();
    const ld = (ldt & ~3) === 0 ? null : this.guestDescriptor(ldt);
    this.loadLdt(ldt, ld && (ld.attr & 0x1f) === 0x02 ? ld : null);
    for (let r = 0; r < 8; r++) cpu.setReg(r, regs[r]);
    const ring = sels[1] & 3;
    cpu.setU32(L.STATE_CPL, realRing(ring));
    this.vcpl = ring;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      const v = sels[i];
      const gd = (v & ~3) === 0 ? null : this.guestDescriptor(v);
      if (!gd) {
        if (s === L.SEG_CS || s === L.SEG_SS) return { vector: L.EXC_TS, error: v & ~3 };
        cpu.setSegment(s, { selector: v, base: 0, limit: 0, attr: 0 });
        continue;
      }
      cpu.setSegment(s, this.realSegment(s, v, gd));
    }
    cpu.eip = eip;
    this.setRealFlags(eflags);
    cpu.setU32(L.STATE_INT_SHADOW, 0);
    this.count(nested ? "task switch" : "task return");
    return null;
  }

  /**
   * Deliver vector `vec` into the guest as the processor would through the guest's IDT
   * (SDM Vol. 3A §6.12.1): gate checks, the guest TSS's SS0:ESP0 when coming from ring 3, the
   * frame the guest expects (its own selectors and EFLAGS image), virtual IF cleared for
   * interrupt gates. A fault while delivering becomes #DF, then a triple fault (§6.15).
   */
  reflect(vec: number, err: number, kind: "exception" | "soft" | "external", retEip: number, depth = 0, faultEip = retEip): void {
    const fail = (v: number, e: number): void => {
      if (v === L.EXC_PF) this.cr2 = this.mem.faultAddr; // CR2 names the access that faulted while delivering
      if (depth >= 2 || (vec === L.EXC_DF && kind === "exception")) {
        this.vm.stop({
          reason: "triple-fault",
          message: `triple fault: ${exceptionName(vec)} could not be delivered through the guest IDT at EIP 0x${retEip.toString(16)}`,
        });
        return;
      }
      const contributory = (x: number) => x === 0 || (x >= 10 && x <= 13);
      const df = kind === "exception" && (contributory(vec) || vec === L.EXC_PF) && (contributory(v) || v === L.EXC_PF);
      this.reflect(df ? L.EXC_DF : v, df ? 0 : e, "exception", faultEip, depth + 1);
    };
    const ext = kind === "soft" ? 0 : 1;
    const cpu = this.cpu;
    this.counters.reflected++;
    if (vec * 8 + 7 > this.idtr.limit) return fail(L.EXC_GP, vec * 8 + 2 + ext);
    const glo = this.mem.read(this.idtr.base + vec * 8, 4);
    if (glo === null) return fail(L.EXC_PF, this.mem.faultCode);
    const ghi = this.mem.read(this.idtr.base + vec * 8 + 4, 4);
    if (ghi === null) return fail(L.EXC_PF, this.mem.faultCode);
    const type = (ghi >>> 8) & 0x1f;
    if (type !== 0x06 && type !== 0x07 && type !== 0x0e && type !== 0x0f) {
      if (type === 0x05) {
        // task gate (SDM Vol. 3A §6.11.3): switch to the task, then push the error code there
        if (kind === "soft" && ((ghi >>> 13) & 3) < this.vcpl) return fail(L.EXC_GP, vec * 8 + 2);
        if (!(ghi & 0x8000)) return fail(L.EXC_NP, vec * 8 + 2 + ext);
        const problem = this.taskSwitch(glo >>> 16, retEip, true);
        if (problem) return fail(problem.vector, problem.error);
        if (err !== NO_ERROR) {
          const ss = cpu.segment(L.SEG_SS);
          const esp = (cpu.reg(L.REG_ESP) - 4) >>> 0;
          if (!this.mem.write(ss.base + esp, 4, err)) return fail(L.EXC_PF, this.mem.faultCode);
          cpu.setReg(L.REG_ESP, esp);
        }
        return;
      }
      return fail(L.EXC_GP, vec * 8 + 2 + ext);
    }
    const vcpl = this.vcpl;
    const gateDpl = (ghi >>> 13) & 3;
    if (kind === "soft" && gateDpl < vcpl) return fail(L.EXC_GP, vec * 8 + 2);
    if (!(ghi & 0x8000)) return fail(L.EXC_NP, vec * 8 + 2 + ext);
    const gate32 = (type & 8) !== 0;
    const sel = glo >>> 16;
    const offset = gate32 ? ((glo & 0xffff) | (ghi & 0xffff0000)) >>> 0 : glo & 0xffff;
    const cd = (sel & ~3) === 0 ? null : this.guestDescriptor(sel);
    if (!cd || (cd.attr & 0x18) !== 0x18 || cd.dpl > vcpl) return fail(L.EXC_GP, (sel & ~3) + ext);
    if (!(cd.attr & L.ATTR_P)) return fail(L.EXC_NP, (sel & ~3) + ext);
    const size = gate32 ? 4 : 2;
    const image = this.guestFlags();
    const frame: number[] = [];
    let ssCache: SegmentCache;
    let esp: number;
    if (cd.dpl < vcpl && !(cd.attr & 4)) {
      // to an inner ring: stack from the guest's TSS
      if (this.tr.selector === 0) return fail(L.EXC_TS, 0);
      const off = 4 + cd.dpl * 8;
      const newEsp = this.mem.read(this.tr.base + off, 4);
      const newSs = this.mem.read(this.tr.base + off + 4, 2);
      if (newEsp === null || newSs === null) return fail(L.EXC_PF, this.mem.faultCode);
      const sd = (newSs & ~3) === 0 ? null : this.guestDescriptor(newSs);
      if (!sd || (newSs & 3) !== cd.dpl || sd.dpl !== cd.dpl || (sd.attr & 0x1a) !== 0x12) return fail(L.EXC_TS, newSs & ~3);
      const ss = cpu.segment(L.SEG_SS);
      frame.push(ss.selector, cpu.reg(L.REG_ESP));
      ssCache = this.realSegment(L.SEG_SS, newSs, sd);
      esp = newEsp;
    } else {
      ssCache = cpu.segment(L.SEG_SS);
      esp = cpu.reg(L.REG_ESP);
    }
    const cs = cpu.segment(L.SEG_CS);
    const guestCs = (cs.selector & ~3) | vcpl;
    frame.push(image, guestCs, retEip);
    if (err !== NO_ERROR) frame.push(err);
    const stack32 = (ssCache.attr & L.ATTR_DB) !== 0;
    for (const v of frame) {
      esp = stack32 ? (esp - size) >>> 0 : (esp - size) & 0xffff;
      if (!this.mem.write(ssCache.base + esp, size, v)) return fail(L.EXC_PF, this.mem.faultCode);
    }
    cpu.setSegment(L.SEG_SS, ssCache);
    if (cd.attr & 4 && cd.dpl <= vcpl) {
      // conforming handler: runs at the interrupted privilege level
      const c = this.realSegment(L.SEG_CS, sel, cd);
      cpu.setSegment(L.SEG_CS, { ...c, selector: (sel & ~3) | cpu.cpl });
    } else {
      cpu.setSegment(L.SEG_CS, this.realSegment(L.SEG_CS, (sel & ~3) | cd.dpl, cd));
      cpu.setU32(L.STATE_CPL, realRing(cd.dpl));
      this.vcpl = cd.dpl;
    }
    cpu.setReg(L.REG_ESP, stack32 ? esp : (cpu.reg(L.REG_ESP) & 0xffff0000) | esp);
    cpu.eip = offset;
    let f = image & ~(L.EFLAGS_TF | L.EFLAGS_NT | L.EFLAGS_RF | L.EFLAGS_VM);
    if (!(type & 1)) f &= ~L.EFLAGS_IF;
    this.setRealFlags(f);
    cpu.setU32(L.STATE_INT_SHADOW, 0);
    if (kind === "exception" && vec === L.EXC_PF) {
      /* the guest reads its CR2 through MOV from CR2, which is emulated */
    }
  }
}

/** The real cache for a segment the Multiboot loader left (flat ring 0): DPL 0 → 1, CS/SS RPL 1. */
function compress(sreg: number, c: SegmentCache): SegmentCache {
  let attr = c.attr;
  if (attr & L.ATTR_S && ((attr >> L.ATTR_DPL_SHIFT) & 3) === 0) attr |= 1 << L.ATTR_DPL_SHIFT;
  let selector = c.selector;
  if ((sreg === L.SEG_CS || sreg === L.SEG_SS) && (selector & 3) === 0) selector |= 1;
  return { ...c, selector, attr };
}
