// Typed views of the running vCPU's state block (assembly/layout.ts) and of guest-physical RAM.
// Growing wasm memory (init() does) detaches the old buffer, leaving zero-length views: every
// accessor checks for that (cheaply; reading `memory.buffer` on each access is not) and recreates
// them. With a shared memory nothing detaches; ram() then re-checks that its view covers RAM.
import * as L from "../../assembly/layout.js";

/** Hidden and visible parts of one segment register (SDM Vol. 3A §3.4.3). */
export interface SegmentCache {
  selector: number;
  base: number;
  limit: number; // bytes, granularity applied
  attr: number; //  descriptor bits 40..55 shifted down by 8 (ATTR_*)
}

/** A descriptor-table register (GDTR/IDTR, SDM Vol. 3A §2.4). */
export interface TableRegister {
  base: number;
  limit: number;
}

export class CpuState {
  private buffer: ArrayBuffer | null = null;
  private words!: Uint32Array; // the state block as u32 words, index = STATE_* >> 2
  private bytes!: Uint8Array; //  all of wasm memory

  constructor(private readonly memory: WebAssembly.Memory) {
    this.refresh();
  }

  /** Recreate the views if memory grew since they were made. */
  refresh(): void {
    const buf = this.memory.buffer as ArrayBuffer;
    if (buf === this.buffer) return;
    this.buffer = buf;
    this.words = new Uint32Array(buf, L.STATE_BASE, L.STATE_SIZE >>> 2);
    this.bytes = new Uint8Array(buf);
  }

  /** Raw u32 at a STATE_* offset. */
  u32(offset: number): number {
    if (this.words.length === 0) this.refresh();
    return this.words[offset >>> 2];
  }

  setU32(offset: number, value: number): void {
    if (this.words.length === 0) this.refresh();
    this.words[offset >>> 2] = value >>> 0;
  }

  /** Raw u64 at a STATE_* offset (two little-endian u32 words). */
  u64(offset: number): bigint {
    if (this.words.length === 0) this.refresh();
    const i = offset >>> 2;
    return (BigInt(this.words[i + 1]) << 32n) | BigInt(this.words[i]);
  }

  setU64(offset: number, value: bigint): void {
    if (this.words.length === 0) this.refresh();
    const i = offset >>> 2;
    const v = BigInt.asUintN(64, value);
    this.words[i] = Number(v & 0xffffffffn);
    this.words[i + 1] = Number(v >> 32n);
  }

  // ---- registers ----
  reg(r: number): number {
    return this.u32(L.STATE_REGS + 4 * r);
  }
  setReg(r: number, value: number): void {
    this.setU32(L.STATE_REGS + 4 * r, value);
  }
  get eip(): number {
    return this.u32(L.STATE_EIP);
  }
  set eip(v: number) {
    this.setU32(L.STATE_EIP, v);
  }
  get eflags(): number {
    return this.u32(L.STATE_EFLAGS);
  }
  set eflags(v: number) {
    this.setU32(L.STATE_EFLAGS, v);
  }
  get cpl(): number {
    return this.u32(L.STATE_CPL);
  }

  segment(sreg: number): SegmentCache {
    const at = L.STATE_SEGS + sreg * L.SEG_RECORD;
    return {
      selector: this.u32(at + L.SEG_SEL),
      base: this.u32(at + L.SEG_BASE),
      limit: this.u32(at + L.SEG_LIMIT),
      attr: this.u32(at + L.SEG_ATTR),
    };
  }
  setSegment(sreg: number, seg: SegmentCache): void {
    const at = L.STATE_SEGS + sreg * L.SEG_RECORD;
    this.setU32(at + L.SEG_SEL, seg.selector);
    this.setU32(at + L.SEG_BASE, seg.base);
    this.setU32(at + L.SEG_LIMIT, seg.limit);
    this.setU32(at + L.SEG_ATTR, seg.attr);
  }

  get gdtr(): TableRegister {
    return { base: this.u32(L.STATE_GDTR_BASE), limit: this.u32(L.STATE_GDTR_LIMIT) };
  }
  set gdtr(t: TableRegister) {
    this.setU32(L.STATE_GDTR_BASE, t.base);
    this.setU32(L.STATE_GDTR_LIMIT, t.limit);
  }
  get idtr(): TableRegister {
    return { base: this.u32(L.STATE_IDTR_BASE), limit: this.u32(L.STATE_IDTR_LIMIT) };
  }
  set idtr(t: TableRegister) {
    this.setU32(L.STATE_IDTR_BASE, t.base);
    this.setU32(L.STATE_IDTR_LIMIT, t.limit);
  }

  get cr0(): number {
    return this.u32(L.STATE_CR0);
  }
  get cr2(): number {
    return this.u32(L.STATE_CR2);
  }
  get cr3(): number {
    return this.u32(L.STATE_CR3);
  }
  get cr4(): number {
    return this.u32(L.STATE_CR4);
  }

  // ---- clock ----
  get insnCount(): bigint {
    return this.u64(L.STATE_INSN_COUNT);
  }
  get tscOffset(): bigint {
    return this.u64(L.STATE_TSC_OFFSET);
  }
  set tscOffset(v: bigint) {
    this.setU64(L.STATE_TSC_OFFSET, v);
  }

  // ---- RAM ----
  get ramBase(): number {
    return this.u32(L.STATE_RAM_BASE);
  }
  get ramSize(): number {
    return this.u32(L.STATE_RAM_SIZE);
  }
  /** Guest-physical RAM [0, ramSize) as bytes. Do not keep it across init(): memory may grow. */
  ram(): Uint8Array {
    const base = this.ramBase;
    const end = base + this.ramSize;
    if (this.bytes.length < end) this.refresh();
    return this.bytes.subarray(base, end);
  }

  // ---- exit slots ----
  get exitReason(): number {
    return this.u32(L.STATE_EXIT_REASON);
  }
  get exitPort(): number {
    return this.u32(L.STATE_EXIT_PORT);
  }
  get exitSize(): number {
    return this.u32(L.STATE_EXIT_SIZE);
  }
  get exitDir(): number {
    return this.u32(L.STATE_EXIT_DIR);
  }
  get exitData(): number {
    return this.u32(L.STATE_EXIT_DATA);
  }
  set exitData(v: number) {
    this.setU32(L.STATE_EXIT_DATA, v);
  }
  get exitVector(): number {
    return this.u32(L.STATE_EXIT_VECTOR);
  }
  get exitError(): number {
    return this.u32(L.STATE_EXIT_ERROR);
  }
  get exitEip(): number {
    return this.u32(L.STATE_EXIT_EIP);
  }

  // ---- host → core requests ----
  get inject(): number {
    return this.u32(L.STATE_INJECT);
  }
  set inject(vector: number) {
    this.setU32(L.STATE_INJECT, vector);
  }
  get intrPending(): boolean {
    return this.u32(L.STATE_INTR_PENDING) !== 0;
  }
  set intrPending(v: boolean) {
    this.setU32(L.STATE_INTR_PENDING, v ? 1 : 0);
  }
  set ioReady(v: boolean) {
    this.setU32(L.STATE_IO_READY, v ? 1 : 0);
  }
  get activity(): number {
    return this.u32(L.STATE_ACTIVITY);
  }
  get intShadow(): boolean {
    return this.u32(L.STATE_INT_SHADOW) !== 0;
  }
  /** EFLAGS.IF=1 and no STI/MOV SS shadow: an external interrupt may be injected now. */
  get interruptible(): boolean {
    return (this.eflags & L.EFLAGS_IF) !== 0 && !this.intShadow;
  }
}
