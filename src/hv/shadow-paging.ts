// Shadow page tables for a trap-mode VM: the page tables the core really walks (real CR3), built
// lazily from the guest's own tables (guest-virtual → guest-physical = offset in the VM's region)
// and kept coherent with them.
//
// Design (docs/hypervisor.md, "Shadow paging"):
// - One shadow page directory per VM and a pool of shadow page tables, all in the hypervisor area
//   at the top of the VM's region, which no shadow PTE ever maps: guest-physical frames at or
//   beyond the guest's RAM map to OUTSIDE_FRAME (beyond the region: reads all ones).
// - A #PF exit is either a guest fault (the guest's own walk fails: reflect it) or a shadow fault
//   (fill the shadow PDE/PTE from the guest's entries, setting the guest's A/D bits).
// - The guest's page-table pages (its page directory and every page table a shadow table was
//   built from) are tracked: shadow PTEs map them read-only. A guest write to one faults; the
//   hypervisor maps the page writable for exactly one instruction, then compares the page with its
//   copy and drops the shadow entries derived from the entries that changed.
// - A guest CR3 load (or CR0.PG/WP, CR4.PSE change) drops every shadow entry; INVLPG drops one.
// - One 4 MiB slot of linear space (a page-directory entry the guest leaves empty, the last one
//   unless the guest uses it) is the hypervisor's window: the shadow GDT and LDT, mapped read-only
//   and supervisor-only. When the guest maps that slot (a recursive page directory at 0xFFC00000
//   is common), the window moves to another empty slot.
import * as L from "../../assembly/layout.js";
import type { GuestMemory, GuestTranslation } from "./trap/guest-memory.js";

export const PAGE = 4096;
/** Bytes at the top of each trap-mode VM's region reserved for the hypervisor. */
export const HV_AREA_BYTES = 4 << 20;
/** Offsets inside the hypervisor area. */
export const HV_SHADOW_PD = 0x0;
export const HV_WINDOW_PT = 0x1000;
export const HV_SHADOW_GDT = 0x2000; // 64 KiB: room for a GDT of the largest limit
export const HV_SHADOW_GDT_BYTES = 0x10000;
export const HV_SHADOW_LDT = HV_SHADOW_GDT + HV_SHADOW_GDT_BYTES; // 64 KiB, right after the GDT in the window
export const HV_SHADOW_LDT_BYTES = 0x10000;
/** The shadow GDT used while the guest runs in ring 1-3: its DPL-0 descriptors stay DPL 0. */
export const HV_SHADOW_GDT_OUTER = HV_SHADOW_LDT + HV_SHADOW_LDT_BYTES;
/** Bytes of the window that map shadow tables (GDT, LDT, outer GDT; window offset 0 = HV_SHADOW_GDT). */
export const HV_WINDOW_TABLES = HV_SHADOW_GDT_BYTES * 3;
export const HV_POOL = HV_SHADOW_GDT + HV_WINDOW_TABLES;
export const HV_POOL_PAGES = (HV_AREA_BYTES - HV_POOL) / PAGE;
/** Where the hypervisor's linear window starts out (the last page-directory entry). */
export const HV_WINDOW_PDE = 1023;

/** Shadow frame for guest-physical pages outside guest RAM: beyond any region, so reads are all ones. */
export const OUTSIDE_FRAME = 0xfffff000;
/** Writes to a shadowed page table, without a shadow fill using it in between, before it is unshadowed. */
export const FLOOD_WRITES = 16;

export interface ShadowCounters {
  shadowFaults: number; //   #PF exits resolved by filling a shadow entry
  guestFaults: number; //    #PF exits reflected to the guest
  pteWrites: number; //      guest writes to its page tables, emulated by one-instruction steps
  tableWrites: number; //    guest writes to the pages holding its GDT/LDT, stepped the same way
  cr3Switches: number; //    guest CR3 loads
  flushes: number; //        all shadow entries dropped (CR0/CR4 changes, pool exhausted)
  unshadowed: number; //     page tables no longer shadowed because the guest kept writing them
  invlpg: number; //         guest INVLPGs
}

/** What the fault handler decided. */
export type PageFaultOutcome =
  | { kind: "filled" }
  | { kind: "guest-fault"; code: number }
  | { kind: "pt-write"; frame: number; pageTable: boolean }
  | { kind: "window-moved" }
  | { kind: "accessed-bit"; offset: number }
  | { kind: "window-conflict" };

interface PendingStep {
  spte: number; //  region offset of the shadow PTE made writable for one step
  frame: number; // guest frame being written
  before: Uint32Array;
}

export class ShadowPaging {
  readonly counters: ShadowCounters = { shadowFaults: 0, guestFaults: 0, pteWrites: 0, tableWrites: 0, cr3Switches: 0, flushes: 0, unshadowed: 0, invlpg: 0 };
  /** Region offset of the hypervisor area (= guest RAM size). */
  readonly hvBase: number;
  /** Guest frame → region offsets of the shadow tables derived from it (entry k from its entry k). */
  private readonly derived = new Map<number, number[]>();
  /** Guest frame → region offsets of shadow PTEs that map it. */
  private readonly rmap = new Map<number, number[]>();
  private poolNext = 0;
  private pending: PendingStep | null = null;
  /** The guest mapped the window's slot: move the window before the guest runs again. */
  private pendingMove = false;
  /** Page-directory index of the hypervisor's window. */
  winPde = HV_WINDOW_PDE;
  /** Called after the window moved (the real GDTR and LDTR bases must follow). */
  onWindowMove: () => void = () => {};
  windowMoves = 0;
  /** Called when the guest's address space changes (CR3 load). */
  onAddressSpace: () => void = () => {};
  /** Set when shadow entries changed and the core's TLB must be flushed (sync()). */
  dirty = false;

  constructor(
    private readonly mem: GuestMemory,
    private readonly ctl: { cr0: number; cr3: number; cr4: number },
  ) {
    this.hvBase = mem.guestBytes;
  }

  /** Real CR3: the shadow page directory (a region offset, i.e. a physical address for the core). */
  get realCr3(): number {
    return this.hvBase + HV_SHADOW_PD;
  }

  private get dv(): DataView {
    return this.mem.regionView;
  }
  private rd(off: number): number {
    return this.dv.getUint32(off, true);
  }
  private wr(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, true);
  }

  /** Linear address of the window (the shadow GDT; the shadow LDT follows it). */
  get windowLinear(): number {
    return (this.winPde << 22) >>> 0;
  }

  /** Build the hypervisor window: shadow GDT and LDT pages, read-only supervisor. */
  initWindow(): void {
    const pt = this.hvBase + HV_WINDOW_PT;
    for (let i = 0; i < 1024; i++) this.wr(pt + 4 * i, 0);
    for (let i = 0; i < HV_WINDOW_TABLES / PAGE; i++) {
      this.wr(pt + 4 * i, (this.hvBase + HV_SHADOW_GDT + i * PAGE) | L.PTE_P | L.PTE_A);
    }
    this.flushAll();
  }

  /** The guest's page directory maps slot `pdi`. */
  private guestMapsSlot(pdi: number): boolean {
    if (!(this.ctl.cr0 & L.CR0_PG)) return false;
    return (this.mem.phys32(((this.ctl.cr3 & ~0xfff) >>> 0) + 4 * pdi) & L.PTE_P) !== 0;
  }

  /** Move the window to an empty slot of the guest's directory (highest first); false if none. */
  private moveWindow(): boolean {
    for (let pdi = 1023; pdi > 0; pdi--) {
      if (pdi === this.winPde || this.guestMapsSlot(pdi)) continue;
      this.winPde = pdi;
      this.windowMoves++;
      this.flushAll();
      this.onWindowMove();
      return true;
    }
    return false;
  }

  /** Drop every shadow entry (keeps the window); re-track the guest page directory. */
  flushAll(): void {
    if (this.guestMapsSlot(this.winPde) && this.moveWindow()) return;
    const pd = this.hvBase + HV_SHADOW_PD;
    new Uint8Array(this.mem.region.buffer, this.mem.region.byteOffset + pd, PAGE).fill(0);
    this.wr(pd + 4 * this.winPde, (this.hvBase + HV_WINDOW_PT) | L.PTE_P | L.PTE_W | L.PTE_A);
    this.derived.clear();
    this.rmap.clear();
    this.shared.clear();
    this.writesSinceUse.clear();
    this.poolNext = 0;
    this.counters.flushes++;
    this.pdFrame = this.ctl.cr0 & L.CR0_PG ? this.ctl.cr3 >>> 12 : -1;
    if (this.pdFrame >= 0) this.track(this.pdFrame, pd);
    this.dirty = true;
  }

  /** Guest frame of the page directory the shadow directory is built from (-1: paging off). */
  private pdFrame = -1;
  /** Shadow page tables by guest page-table frame and PDE U/W bits: kept across CR3 loads. */
  private readonly shared = new Map<number, number>();
  /** Tracked page-table frames: guest writes since a shadow directory entry last used them. */
  private readonly writesSinceUse = new Map<number, number>();

  /** Forget the shadow tables derived from guest frame `frame` and stop write-protecting it. */
  private unshadow(frame: number): void {
    const tables = this.derived.get(frame) ?? [];
    const pd = this.hvBase + HV_SHADOW_PD;
    for (const table of tables) {
      for (const [key, t] of this.shared) if (t === table) this.shared.delete(key);
      for (let i = 0; i < 1024; i++) {
        const e = this.rd(pd + 4 * i);
        if (e & L.PTE_P && i !== this.winPde && (e & ~0xfff) === table) this.wr(pd + 4 * i, 0);
      }
    }
    this.derived.delete(frame);
    this.writesSinceUse.delete(frame);
    this.dirty = true;
  }

  /**
   * Guest CR3 load: a fresh shadow directory for the new page directory. The shadow page tables
   * stay: each is derived from one guest page table (kept coherent by write tracking), so the
   * next address space that uses the same table (every process maps the kernel with the same
   * tables) finds it filled and faults once per 4 MiB instead of once per page.
   */
  switchCr3(): void {
    this.counters.cr3Switches++;
    this.onAddressSpace();
    if (this.guestMapsSlot(this.winPde) && this.moveWindow()) return;
    const pd = this.hvBase + HV_SHADOW_PD;
    if (this.pdFrame >= 0) {
      const list = this.derived.get(this.pdFrame);
      if (list) {
        const i = list.indexOf(pd);
        if (i >= 0) list.splice(i, 1);
        if (!list.length) this.derived.delete(this.pdFrame);
      }
    }
    new Uint8Array(this.mem.region.buffer, this.mem.region.byteOffset + pd, PAGE).fill(0);
    this.wr(pd + 4 * this.winPde, (this.hvBase + HV_WINDOW_PT) | L.PTE_P | L.PTE_W | L.PTE_A);
    this.pdFrame = this.ctl.cr3 >>> 12;
    this.track(this.pdFrame, pd);
    this.dirty = true;
  }

  /** Guest INVLPG: drop the shadow PTE for `lin` (the shadow is coherent, so this is belt and braces). */
  invlpg(lin: number): void {
    this.counters.invlpg++;
    const spde = this.rd(this.hvBase + HV_SHADOW_PD + 4 * (lin >>> 22));
    if (lin >>> 22 === this.winPde || !(spde & L.PTE_P)) return;
    this.wr((spde & ~0xfff) + 4 * ((lin >>> 12) & 0x3ff), 0);
    this.dirty = true;
  }

  private isTracked(frame: number): boolean {
    return this.derived.has(frame);
  }

  /** Guest frames holding the guest's GDT/LDT: written only through one-instruction steps. */
  private readonly watched = new Set<number>();
  /** Called after a step changed a watched frame. */
  onWatchedWrite: (frame: number, dwords: number[]) => void = () => {};

  /** Watch exactly `frames` (replacing the previous set); write-protect their current mappings. */
  watch(frames: Iterable<number>): void {
    this.watched.clear();
    for (const f of frames) {
      this.watched.add(f);
      for (const spte of this.rmap.get(f) ?? []) {
        const e = this.rd(spte);
        if (e & L.PTE_P && e >>> 12 === f && e & L.PTE_W) {
          this.wr(spte, e & ~L.PTE_W);
          this.dirty = true;
        }
      }
    }
  }

  private isProtected(frame: number): boolean {
    return this.derived.has(frame) || this.watched.has(frame);
  }

  /** Start tracking `frame` as a source of the shadow table at `table`; write-protect its mappings. */
  private track(frame: number, table: number): void {
    let list = this.derived.get(frame);
    if (!list) {
      list = [];
      this.derived.set(frame, list);
      for (const spte of this.rmap.get(frame) ?? []) {
        const e = this.rd(spte);
        if (e & L.PTE_P && e >>> 12 === frame && e & L.PTE_W) {
          this.wr(spte, e & ~L.PTE_W);
          this.dirty = true;
        }
      }
    }
    if (!list.includes(table)) list.push(table);
  }

  /**
   * A #PF exit at `lin` with the core's error code. Decides between a guest fault, a shadow fill
   * and a write to a tracked page table.
   */
  onPageFault(lin: number, code: number): PageFaultOutcome {
    lin >>>= 0;
    const write = (code & L.PF_W) !== 0;
    const user = (code & L.PF_U) !== 0;
    if (lin >>> 22 === this.winPde) {
      if (this.guestMapsSlot(this.winPde)) return this.moveWindow() ? { kind: "window-moved" } : { kind: "window-conflict" };
      const offset = (lin - this.windowLinear) >>> 0;
      if (write && !user && (offset & 7) === 4 && offset < HV_WINDOW_TABLES) {
        // the core setting a descriptor's accessed bit in the read-only shadow GDT/LDT
        const hi = this.rd(this.hvBase + HV_SHADOW_GDT + offset);
        if (hi & 0x1000 && !(hi & 0x100)) return { kind: "accessed-bit", offset };
      }
      this.counters.guestFaults++;
      return { kind: "guest-fault", code: (write ? L.PF_W : 0) | (user ? L.PF_U : 0) };
    }
    const t = this.mem.translate(lin, write, user);
    if (!t) {
      this.counters.guestFaults++;
      return { kind: "guest-fault", code: this.mem.faultCode };
    }
    const frame = t.gpa >>> 12;
    if (write && this.isTracked(frame) && frame !== this.pdFrame) {
      // A page table written again and again without being walked is being reused as data (a
      // freed table zeroed, refilled): stop shadowing it rather than trap every store.
      const n = (this.writesSinceUse.get(frame) ?? 0) + 1;
      this.writesSinceUse.set(frame, n);
      if (n > FLOOD_WRITES) {
        this.unshadow(frame);
        this.fill(lin, t, write, user);
        this.counters.unshadowed++;
        return { kind: "filled" };
      }
    }
    if (write && this.isProtected(frame)) {
      return { kind: "pt-write", frame, pageTable: this.isTracked(frame) };
    }
    this.fill(lin, t, write, user);
    this.counters.shadowFaults++;
    return { kind: "filled" };
  }

  private allocTable(): number {
    if (this.poolNext >= HV_POOL_PAGES) return -1;
    const at = this.hvBase + HV_POOL + this.poolNext++ * PAGE;
    new Uint8Array(this.mem.region.buffer, this.mem.region.byteOffset + at, PAGE).fill(0);
    return at;
  }

  private fill(lin: number, t: GuestTranslation, write: boolean, user: boolean): void {
    const pdi = lin >>> 22;
    const pdeAt = this.hvBase + HV_SHADOW_PD + 4 * pdi;
    let spde = this.rd(pdeAt);
    if (!(spde & L.PTE_P)) {
      const key = t.ptFrame >= 0 ? t.ptFrame * 8 + t.pdeFlags : -1;
      if (key >= 0) this.writesSinceUse.delete(t.ptFrame);
      let table = key >= 0 ? (this.shared.get(key) ?? -1) : -1;
      if (table < 0) {
        table = this.allocTable();
        if (table < 0) {
          this.flushAll();
          table = this.allocTable();
        }
        if (key >= 0) {
          this.track(t.ptFrame, table);
          this.shared.set(key, table);
        }
      }
      spde = table | L.PTE_P | L.PTE_W | L.PTE_U | L.PTE_A;
      this.wr(pdeAt, spde);
    }
    const frame = t.gpa >>> 12;
    const inside = t.gpa < this.mem.guestBytes;
    let flags = L.PTE_P | L.PTE_A;
    if (t.userOk) flags |= L.PTE_U;
    if (t.writable) {
      if (t.dirty || write) flags |= L.PTE_W | L.PTE_D;
    } else if (write && !user && !(this.ctl.cr0 & L.CR0_WP)) {
      // CR0.WP=0: the guest kernel may write a read-only page; user code must still not.
      flags = (flags | L.PTE_W | L.PTE_D) & ~L.PTE_U;
    }
    if (inside && this.isProtected(frame)) flags &= ~L.PTE_W;
    const spteAt = (spde & ~0xfff) + 4 * ((lin >>> 12) & 0x3ff);
    if (this.rd(spteAt) & L.PTE_P) this.dirty = true; // an upgrade: the TLB may hold the old entry
    this.wr(spteAt, (inside ? frame << 12 : OUTSIDE_FRAME) | flags);
    if (inside) {
      let list = this.rmap.get(frame);
      if (!list) this.rmap.set(frame, (list = []));
      list.push(spteAt);
    }
  }

  /** Guest frame `frame` as 1024 dwords (all ones outside guest RAM, as the guest reads it). */
  private framePage(frame: number): Uint32Array {
    if ((frame + 1) * PAGE > this.mem.guestBytes) return new Uint32Array(1024).fill(0xffffffff);
    const r = this.mem.region;
    return new Uint32Array(r.buffer, r.byteOffset + frame * PAGE, 1024);
  }

  /**
   * Begin the one-instruction write to tracked `frame` through the shadow PTE of `lin`: map it
   * writable and remember the page. The loop runs exactly one instruction, then calls endStep().
   */
  beginStep(lin: number, frame: number): void {
    const t = this.mem.translate(lin, true, false);
    if (!t) return;
    this.fill(lin, t, true, false); // present, dirty; still read-only because tracked
    const spde = this.rd(this.hvBase + HV_SHADOW_PD + 4 * (lin >>> 22));
    const spte = (spde & ~0xfff) + 4 * ((lin >>> 12) & 0x3ff);
    this.wr(spte, this.rd(spte) | L.PTE_W);
    const before = this.framePage(frame).slice();
    this.pending = { spte, frame, before };
    if (this.isTracked(frame)) this.counters.pteWrites++;
    else this.counters.tableWrites++;
    this.dirty = true;
  }

  get stepping(): boolean {
    return this.pending !== null;
  }

  /** After the step: write-protect again and drop shadow entries derived from changed entries. */
  endStep(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    const e = this.rd(p.spte);
    if (e >>> 12 === p.frame) this.wr(p.spte, e & ~L.PTE_W);
    const changed: number[] = [];
    const now = this.framePage(p.frame);
    const tracked = this.isTracked(p.frame);
    for (let k = 0; k < 1024; k++) {
      if (now[k] !== p.before[k]) {
        changed.push(k);
        if (tracked) this.entryChanged(p.frame, k);
      }
    }
    this.dirty = true;
    this.settle();
    if (changed.length && this.watched.has(p.frame)) this.onWatchedWrite(p.frame, changed);
  }

  /** Apply a window move that a page-directory write made necessary. */
  settle(): void {
    if (this.pendingMove) {
      this.pendingMove = false;
      if (this.guestMapsSlot(this.winPde)) this.moveWindow();
    }
  }

  /** The hypervisor itself wrote guest-physical memory (interrupt frames, INS): keep shadows coherent. */
  noteWrite(gpa: number): void {
    const frame = gpa >>> 12;
    if (this.isTracked(frame)) {
      this.entryChanged(frame, (gpa & 0xfff) >>> 2);
      this.settle();
    }
    if (this.watched.has(frame)) this.onWatchedWrite(frame, [(gpa & 0xfff) >>> 2]);
  }

  private entryChanged(frame: number, k: number): void {
    for (const table of this.derived.get(frame) ?? []) {
      if (table === this.hvBase + HV_SHADOW_PD && k === this.winPde) {
        if (this.guestMapsSlot(k)) this.pendingMove = true;
        continue;
      }
      this.wr(table + 4 * k, 0);
    }
    this.dirty = true;
  }
}
