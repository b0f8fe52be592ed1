// "tabvisor pvchan": one ISA device multiplexing byte streams between the guest and the host.
// Stream 0 is the container control channel, streams 1..255 are container consoles
// (docs/containers.md is the ABI). Ports, relative to PV_BASE = 0x510:
//   +0 PV_SELECT  (16-bit write/read): the stream the following PV_DATA/PV_STATUS accesses use
//   +2 PV_DATA    (8-bit) read: next host→guest byte of the selected stream, 0xFF if none;
//                          write: one guest→host byte on the selected stream
//   +3 PV_STATUS  (8-bit) read: bit 0 selected stream has bytes waiting, bit 1 some stream has,
//                 bit 7 device present (always 1); write: bit 0 holds (1) or releases (0) the
//                 selected stream: a held stream keeps its bytes but counts as empty (PV_DATA,
//                 PV_STATUS, PV_PENDING, IRQ 5) until released — the guest's flow control
//   +4 PV_PENDING (16-bit read): lowest stream with host→guest bytes waiting, or 0xFFFF
// Byte accesses to the halves of the 16-bit registers (0x510/0x511, 0x514/0x515) read or write
// that byte, as an 8-bit ISA device decoding both addresses would. IRQ 5 is held high (a level)
// while any stream has host→guest bytes, from the guest's first access to the device (its probe)
// on: bytes queued at power-on would otherwise hold the line high through the guest's 8259A
// initialisation, and an edge-triggered PIC would never see them. With the 8259A in edge mode
// the guest sees one edge per empty→non-empty transition, so its handler drains until
// PV_PENDING reads 0xFFFF.
import type { IoBus, IoSize, PortDevice } from "./io-bus.js";
import { DeviceStateError, type DeviceState } from "./device-state.js";

export const PV_BASE = 0x510;
export const PV_SELECT = 0x510;
export const PV_DATA = 0x512;
export const PV_STATUS = 0x513;
export const PV_PENDING = 0x514;
export const PV_PORTS = 6; // 0x510..0x515
export const PV_IRQ = 5;
/** Streams 0..PV_STREAMS-1 exist; stream 0 is control, k ≥ 1 is container console k. */
export const PV_STREAMS = 256;
export const PV_CONTROL_STREAM = 0;
export const PV_STATUS_SELECTED = 0x01;
export const PV_STATUS_ANY = 0x02;
export const PV_STATUS_PRESENT = 0x80;
/** Written to PV_STATUS: hold the selected stream's input (0 releases it). */
export const PV_STATUS_HOLD = 0x01;
export const PV_NONE = 0xffff;
export const PV_EMPTY = 0xff;
/** Format of PvChan.saveState(). */
export const PVCHAN_STATE_VERSION = 2;

export interface PvChanOptions {
  /** Drive the ISA IRQ line (PV_IRQ) to `level`. */
  irq?: (level: boolean) => void;
}

/** Per-stream host→guest queue: bytes[head..] are still to be read by the guest. */
interface Queue {
  bytes: number[];
  head: number;
  /** The guest holds this stream (no room for more): its bytes wait and it counts as empty. */
  held: boolean;
}

export class PvChan implements PortDevice {
  readonly name = "tabvisor pvchan";
  /** The selected stream (any 16-bit value; only 0..255 exist). */
  select = 0;
  /** Guest→host bytes seen per stream, and host→guest bytes delivered per stream. */
  readonly bytesFromGuest = new Float64Array(PV_STREAMS);
  readonly bytesToGuest = new Float64Array(PV_STREAMS);
  private readonly queues: Queue[] = Array.from({ length: PV_STREAMS }, () => ({ bytes: [], head: 0, held: false }));
  private readonly listeners = new Set<(stream: number, byte: number) => void>();
  private readonly probeListeners = new Set<() => void>();
  private waiting = 0; // streams with a non-empty queue that are not held
  private irqLevel = false;
  /** The guest has accessed the device: IRQ 5 may be raised from now on. */
  probed = false;
  private readonly irq: (level: boolean) => void;

  constructor(opts: PvChanOptions = {}) {
    this.irq = opts.irq ?? (() => {});
  }

  attach(bus: IoBus, base = PV_BASE): void {
    bus.register(base, PV_PORTS, this, [1, 2]);
  }

  /** Call `fn` once, at the guest's first access to the device (its probe). Returns the unsubscribe function. */
  onProbe(fn: () => void): () => void {
    this.probeListeners.add(fn);
    return () => this.probeListeners.delete(fn);
  }

  /** Call `fn` for every byte the guest writes, on any stream. Returns the unsubscribe function. */
  listen(fn: (stream: number, byte: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Queue host→guest bytes on `stream` (raises IRQ 5 if nothing was waiting). */
  send(stream: number, data: Iterable<number> | string): void {
    if (!Number.isInteger(stream) || stream < 0 || stream >= PV_STREAMS) throw new RangeError(`pvchan has no stream ${stream}`);
    const q = this.queues[stream];
    const wasEmpty = q.head === q.bytes.length;
    if (typeof data === "string") {
      for (let i = 0; i < data.length; i++) q.bytes.push(data.charCodeAt(i) & 0xff);
    } else {
      for (const b of data) q.bytes.push(b & 0xff);
    }
    if (wasEmpty && q.head < q.bytes.length && !q.held) {
      this.waiting++;
      this.updateIrq();
    }
  }

  /** Whether the guest holds `stream`'s input (its terminal is full). */
  held(stream: number): boolean {
    return this.queues[stream]?.held ?? false;
  }

  /** Host→guest bytes still queued on `stream`. */
  queued(stream: number): number {
    const q = this.queues[stream];
    return q ? q.bytes.length - q.head : 0;
  }

  /** Drop everything queued for `stream` (a container went away). */
  discard(stream: number): void {
    const q = this.queues[stream];
    if (!q || q.head === q.bytes.length) return;
    q.bytes = [];
    q.head = 0;
    if (!q.held) this.waiting--;
    this.updateIrq();
  }

  /** The lowest stream with bytes waiting, or PV_NONE. */
  pending(): number {
    if (this.waiting === 0) return PV_NONE;
    for (let k = 0; k < PV_STREAMS; k++) if (this.hasInput(k)) return k;
    return PV_NONE;
  }

  read(port: number, size: IoSize): number {
    this.probe();
    const off = port - PV_BASE;
    if (size === 2) {
      if (off === 0) return this.select;
      if (off === 4) return this.pending();
      return this.readByte(off) | (this.readByte(off + 1) << 8);
    }
    return this.readByte(off);
  }

  write(port: number, size: IoSize, value: number): void {
    this.probe();
    const off = port - PV_BASE;
    if (size === 2) {
      if (off === 0) {
        this.select = value & 0xffff;
        return;
      }
      this.writeByte(off, value & 0xff);
      this.writeByte(off + 1, (value >>> 8) & 0xff);
      return;
    }
    this.writeByte(off, value & 0xff);
  }

  private readByte(off: number): number {
    switch (off) {
      case 0:
        return this.select & 0xff;
      case 1:
        return this.select >>> 8;
      case 2:
        return this.pop();
      case 3: {
        let s = PV_STATUS_PRESENT;
        if (this.select < PV_STREAMS && this.hasInput(this.select)) s |= PV_STATUS_SELECTED;
        if (this.waiting > 0) s |= PV_STATUS_ANY;
        return s;
      }
      case 4:
        return this.pending() & 0xff;
      case 5:
        return this.pending() >>> 8;
      default:
        return 0xff;
    }
  }

  private writeByte(off: number, b: number): void {
    switch (off) {
      case 0:
        this.select = (this.select & 0xff00) | b;
        return;
      case 1:
        this.select = (this.select & 0x00ff) | (b << 8);
        return;
      case 2: {
        const k = this.select;
        if (k >= PV_STREAMS) return;
        this.bytesFromGuest[k]++;
        for (const fn of this.listeners) fn(k, b);
        return;
      }
      case 3:
        this.setHeld(this.select, (b & PV_STATUS_HOLD) !== 0);
        return;
      default:
        return; // PV_PENDING is read-only
    }
  }

  /** Bytes waiting on stream k that the guest may read now (it has not held the stream). */
  private hasInput(k: number): boolean {
    const q = this.queues[k];
    return !q.held && q.head < q.bytes.length;
  }

  private setHeld(k: number, held: boolean): void {
    const q = this.queues[k];
    if (!q || q.held === held) return;
    q.held = held;
    if (q.head < q.bytes.length) this.waiting += held ? -1 : 1;
    this.updateIrq();
  }

  private pop(): number {
    const k = this.select;
    if (k >= PV_STREAMS) return PV_EMPTY;
    const q = this.queues[k];
    if (q.held || q.head === q.bytes.length) return PV_EMPTY;
    const b = q.bytes[q.head++];
    this.bytesToGuest[k]++;
    if (q.head === q.bytes.length) {
      q.bytes = [];
      q.head = 0;
      this.waiting--;
      this.updateIrq();
    } else if (q.head >= 4096 && q.head * 2 >= q.bytes.length) {
      q.bytes = q.bytes.slice(q.head);
      q.head = 0;
    }
    return b;
  }

  private probe(): void {
    if (this.probed) return;
    this.probed = true;
    this.updateIrq();
    for (const fn of this.probeListeners) fn();
    this.probeListeners.clear();
  }

  private updateIrq(): void {
    const level = this.probed && this.waiting > 0;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq(level);
  }

  /** The device's guest-visible state (selected stream, queued bytes, counters); listeners are host wiring. */
  saveState(): DeviceState {
    const queues: [number, number[]][] = [];
    const held: number[] = [];
    this.queues.forEach((q, k) => {
      if (q.head < q.bytes.length) queues.push([k, q.bytes.slice(q.head)]);
      if (q.held) held.push(k);
    });
    return {
      version: PVCHAN_STATE_VERSION,
      select: this.select,
      probed: this.probed,
      queues,
      held,
      bytesFromGuest: this.bytesFromGuest.slice(),
      bytesToGuest: this.bytesToGuest.slice(),
    };
  }

  restoreState(s: DeviceState): void {
    if (s?.version !== PVCHAN_STATE_VERSION && s?.version !== 1) { // version 1: no held streams
      throw new DeviceStateError(`saved pvchan state has version ${String(s?.version)}, expected ${PVCHAN_STATE_VERSION}`);
    }
    this.select = s.select as number;
    this.probed = s.probed as boolean;
    for (const q of this.queues) {
      q.bytes = [];
      q.head = 0;
      q.held = false;
    }
    for (const k of (s.held as number[] | undefined) ?? []) this.queues[k].held = true;
    this.waiting = 0;
    for (const [k, bytes] of s.queues as [number, number[]][]) {
      this.queues[k].bytes = [...bytes];
      if (bytes.length && !this.queues[k].held) this.waiting++;
    }
    this.bytesFromGuest.set(s.bytesFromGuest as Float64Array);
    this.bytesToGuest.set(s.bytesToGuest as Float64Array);
    this.updateIrq();
  }
}
