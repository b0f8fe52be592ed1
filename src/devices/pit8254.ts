// The 8254 programmable interval timer (Intel 8254 datasheet, order no. 231164) at ports
// 0x40–0x43, clocked at 1.193182 MHz, and system control port B at 0x61 (channel 2 gate, speaker
// enable, refresh toggle, OUT2). Channel 0's OUT drives IRQ0; channel 1 (DRAM refresh) is
// unconnected; channel 2's OUT is readable at port 0x61 bit 5 and its gate is port 0x61 bit 0.
//
// Every channel implements modes 0–5 with binary or BCD counting, LSB/MSB/LSB-then-MSB access,
// the counter-latch command and the read-back command (count and/or status). The counter state is
// computed from virtual time on demand (nothing runs per tick); channel 0 schedules a clock timer
// at each OUT edge so IRQ0 rises at the exact tick.
//
// Counting model (datasheet "Operation"): a count written in modes 0/2/3/4 is loaded into the
// counting element on the next CLK and decrements on each following CLK. Elapsed ticks e count
// from that load (e = 0 reads the full count N). Edges, with N the count (0 written → 65536, or
// 10000 in BCD):
//   mode 0: OUT low from the control word until e = N, then high (and the count wraps on).
//   mode 1: on a gate rising edge OUT goes low, then high at e = N.
//   mode 2: OUT low during e ≡ N−1 (mod N), high otherwise: IRQ0 rises at every multiple of N.
//   mode 3: OUT high for ceil(N/2) ticks, low for floor(N/2); rises at every multiple of N.
//   mode 4/5: OUT low for the one tick e = N (mode 5 after a gate trigger).
// Counts of 1 are illegal in modes 2 and 3 (datasheet) and behave as 2 here. A new count written
// in mode 2 or 3 while counting takes effect at the end of the current period.
import type { IoBus, PortDevice, IoSize } from "./io-bus.js";
import type { Clock, Timer } from "./clock.js";
import { fromBcd, toBcd } from "./bcd.js";
import { restoreFields, saveFields, type DeviceState } from "./device-state.js";

const CHANNEL_STATE = [
  "modeBits", "access", "bcd", "cr", "n", "started", "base", "frozen", "pending", "gate", "nullCount", "lsbWritten",
  "readMsbNext", "latchedCount", "latchedMsbNext", "latchedStatus",
] as const;

export const PIT_HZ = 1_193_182;
const PIT_HZ_N = BigInt(PIT_HZ);
export const PIT_CHANNEL0 = 0x40;
export const PIT_CHANNEL1 = 0x41;
export const PIT_CHANNEL2 = 0x42;
export const PIT_MODE_COMMAND = 0x43;
export const SYSTEM_CONTROL_B = 0x61;
export const PIT_IRQ = 0;

// Control word fields (datasheet "Control Word Format")
export const PIT_SC_SHIFT = 6;
export const PIT_SC_READBACK = 3;
export const PIT_RW_SHIFT = 4;
export const PIT_RW_LATCH = 0;
export const PIT_RW_LSB = 1;
export const PIT_RW_MSB = 2;
export const PIT_RW_LSB_MSB = 3;
export const PIT_BCD = 0x01;
// Read-back command bits
export const PIT_RB_COUNT_N = 0x20; // 0 → latch count
export const PIT_RB_STATUS_N = 0x10; // 0 → latch status
// Status byte
export const PIT_STATUS_OUT = 0x80;
export const PIT_STATUS_NULL_COUNT = 0x40;
// Port 0x61 bits
export const PORTB_GATE2 = 0x01;
export const PORTB_SPEAKER = 0x02;
export const PORTB_REFRESH = 0x10;
export const PORTB_OUT2 = 0x20;
/** The refresh toggle flips every 15.085 µs = 18 PIT clocks. */
const REFRESH_TICKS = 18n;


export class PitChannel {
  /** Mode as written (0–7); `mode` is the effective mode (6 → 2, 7 → 3). */
  modeBits = 0;
  access = PIT_RW_LSB_MSB;
  bcd = false;
  /** Count register: the last complete count written, 1..65536 (1..10000 in BCD), 0 = none yet. */
  cr = 0;
  /** Count in use by the counting element. */
  n = 0;
  /** The counting element holds a count and counts (modes 1/5: triggered). */
  started = false;
  /** Tick at which elapsed = 0. */
  base = 0n;
  /** Elapsed ticks held while the gate suspends counting (modes 0/4), else null. */
  frozen: bigint | null = null;
  /** Modes 2/3: a count written while counting, loaded at the end of the period at tick `at`. */
  pending: { n: number; at: bigint } | null = null;
  gate = true;
  nullCount = true;
  private lsbWritten: number | null = null;
  private readMsbNext = false;
  private latchedCount: number | null = null;
  private latchedMsbNext = false;
  private latchedStatus: number | null = null;

  saveState(): DeviceState {
    return saveFields(this, CHANNEL_STATE);
  }

  restoreState(s: DeviceState): void {
    restoreFields(this, CHANNEL_STATE, s, "PIT channel");
  }

  get mode(): number {
    return this.modeBits > 5 ? this.modeBits - 4 : this.modeBits;
  }

  /** Bring pending reloads up to tick t. */
  sync(t: bigint): void {
    if (this.pending && t >= this.pending.at) {
      this.base = this.pending.at;
      this.n = this.pending.n;
      this.pending = null;
    }
    if (this.nullCount && this.started && !this.pending && t >= this.base) this.nullCount = false;
  }

  /** Elapsed ticks since the counting element was loaded (may be −1 just before), or null if not counting. */
  elapsed(t: bigint): bigint | null {
    if (!this.started) return null;
    return this.frozen ?? t - this.base;
  }

  private period(): bigint {
    return BigInt(this.n < 2 ? 2 : this.n);
  }

  out(t: bigint): boolean {
    const e = this.elapsed(t);
    const mode = this.mode;
    if (e === null) return mode !== 0;
    if (e < 0n) return mode !== 0;
    const n = BigInt(this.n);
    switch (mode) {
      case 0:
      case 1:
        return e >= n;
      case 2: {
        const p = this.period();
        return e % p !== p - 1n;
      }
      case 3: {
        const p = this.period();
        return e % p < (p + 1n) / 2n;
      }
      default: // 4, 5
        return e !== n;
    }
  }

  /** The next tick after t at which OUT changes, or null if it never will without a write. */
  nextEdge(t: bigint): bigint | null {
    const e = this.elapsed(t);
    if (e === null || this.frozen !== null) return null;
    const n = BigInt(this.n);
    const mode = this.mode;
    const at = (el: bigint): bigint => this.base + el;
    switch (mode) {
      case 0:
      case 1:
        return e < n ? at(n) : null;
      case 2: {
        const p = this.period();
        if (e < 0n) return at(p - 1n);
        const r = e % p;
        return r < p - 1n ? at(e - r + p - 1n) : at(e + 1n);
      }
      case 3: {
        const p = this.period();
        const h = (p + 1n) / 2n;
        if (e < 0n) return at(h);
        const r = e % p;
        return r < h ? at(e - r + h) : at(e - r + p);
      }
      default:
        if (e < n) return at(n);
        if (e === n) return at(n + 1n);
        return null;
    }
  }

  /** The value of the counting element at tick t (binary, 0..0xFFFF; BCD-encoded in BCD mode). */
  count(t: bigint): number {
    const e = this.elapsed(t);
    const modulus = this.bcd ? 10000 : 0x10000;
    let v: number;
    if (e === null || e < 0n) {
      v = this.started ? this.n : this.cr;
    } else {
      const mode = this.mode;
      if (mode === 2) {
        v = this.n - Number(e % this.period());
      } else if (mode === 3) {
        const p = Number(this.period());
        const h = Math.ceil(p / 2);
        const r = Number(e % BigInt(p));
        const even = p & ~1;
        const within = r < h ? r : r - h;
        v = Math.max(2, even - 2 * within);
      } else {
        v = this.n - Number(e % BigInt(modulus));
      }
    }
    v = ((v % modulus) + modulus) % modulus;
    return this.bcd ? toBcd(v) : v;
  }

  status(t: bigint): number {
    return (
      (this.out(t) ? PIT_STATUS_OUT : 0) |
      (this.nullCount ? PIT_STATUS_NULL_COUNT : 0) |
      (this.access << PIT_RW_SHIFT) |
      (this.modeBits << 1) |
      (this.bcd ? PIT_BCD : 0)
    );
  }

  controlWord(cw: number): void {
    this.access = (cw >> PIT_RW_SHIFT) & 3;
    this.modeBits = (cw >> 1) & 7;
    this.bcd = (cw & PIT_BCD) !== 0;
    this.started = false;
    this.frozen = null;
    this.pending = null;
    this.cr = 0;
    this.nullCount = true;
    this.lsbWritten = null;
    this.readMsbNext = false;
    this.latchedCount = null;
    this.latchedStatus = null;
  }

  latchCount(t: bigint): void {
    if (this.latchedCount === null) {
      this.latchedCount = this.count(t);
      this.latchedMsbNext = false;
    }
  }

  latchStatus(t: bigint): void {
    if (this.latchedStatus === null) this.latchedStatus = this.status(t);
  }

  private byteOf(v: number, msbNext: boolean): number {
    if (this.access === PIT_RW_MSB) return (v >> 8) & 0xff;
    if (this.access === PIT_RW_LSB) return v & 0xff;
    return msbNext ? (v >> 8) & 0xff : v & 0xff;
  }

  read(t: bigint): number {
    if (this.latchedStatus !== null) {
      const s = this.latchedStatus;
      this.latchedStatus = null;
      return s;
    }
    if (this.latchedCount !== null) {
      const b = this.byteOf(this.latchedCount, this.latchedMsbNext);
      if (this.access === PIT_RW_LSB_MSB && !this.latchedMsbNext) this.latchedMsbNext = true;
      else this.latchedCount = null;
      return b;
    }
    const b = this.byteOf(this.count(t), this.readMsbNext);
    if (this.access === PIT_RW_LSB_MSB) this.readMsbNext = !this.readMsbNext;
    return b;
  }

  write(t: bigint, v: number): void {
    let raw: number;
    switch (this.access) {
      case PIT_RW_LSB:
        raw = v;
        break;
      case PIT_RW_MSB:
        raw = v << 8;
        break;
      case PIT_RW_LSB_MSB:
        if (this.lsbWritten === null) {
          this.lsbWritten = v;
          if (this.mode === 0 && this.started) {
            // Writing the first byte disables counting; OUT is set low (datasheet, mode 0).
            this.started = false;
            this.frozen = null;
          }
          return;
        }
        raw = this.lsbWritten | (v << 8);
        this.lsbWritten = null;
        break;
      default:
        return; // RW = 00 is a latch command, never a count write
    }
    let n = this.bcd ? fromBcd(raw) : raw;
    if (n === 0) n = this.bcd ? 10000 : 0x10000;
    this.cr = n;
    this.nullCount = true;
    this.load(t, n);
  }

  private load(t: bigint, n: number): void {
    switch (this.mode) {
      case 0:
      case 4:
        this.n = n;
        this.started = true;
        this.base = t + 1n;
        this.frozen = this.gate ? null : 0n;
        break;
      case 2:
      case 3: {
        const e = this.elapsed(t);
        if (e !== null && e >= 0n && this.frozen === null) {
          const p = this.period();
          this.pending = { n, at: this.base + (e / p + 1n) * p };
        } else if (this.gate) {
          this.n = n;
          this.started = true;
          this.base = t + 1n;
          this.frozen = null;
        } else {
          this.n = n;
        }
        break;
      }
      default: // 1, 5: wait for a gate trigger
        if (!this.started) this.n = n;
        break;
    }
  }

  setGate(t: bigint, level: boolean): void {
    this.sync(t);
    if (level === this.gate) return;
    this.gate = level;
    const mode = this.mode;
    if (level) {
      if ((mode === 1 || mode === 5 || mode === 2 || mode === 3) && this.cr !== 0) {
        this.n = this.cr;
        this.started = true;
        this.base = t + 1n;
        this.frozen = null;
        this.pending = null;
      } else if ((mode === 0 || mode === 4) && this.started && this.frozen !== null) {
        this.base = t - this.frozen;
        this.frozen = null;
      }
    } else if ((mode === 0 || mode === 4) && this.started && this.frozen === null) {
      const e = t - this.base;
      this.frozen = e < 0n ? 0n : e;
    } else if (mode === 2 || mode === 3) {
      this.started = false;
    }
  }
}

export class Pit8254 implements PortDevice {
  readonly name = "pit8254";
  readonly channels = [new PitChannel(), new PitChannel(), new PitChannel()];
  private readonly timer: Timer;
  private speaker = false;
  private irqLevel: boolean | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly setIrq: (line: number, level: boolean) => void,
  ) {
    this.timer = clock.createTimer("pit-ch0", PIT_IRQ, (at) => this.channel0Edge(at));
    // Power-on state as SeaBIOS leaves it: channel 0 in mode 2, LSB then MSB, count 65536
    // (18.2 Hz); channels 1 and 2 in mode 3 with no count; channel 2 gate low.
    this.channels[0].controlWord(0x34);
    this.channels[0].write(0n, 0);
    this.channels[0].write(0n, 0);
    this.channels[1].controlWord(0x36);
    this.channels[2].controlWord(0xb6);
    this.channels[2].gate = false;
    this.updateChannel0(0n);
  }

  register(bus: IoBus): void {
    bus.register(PIT_CHANNEL0, 4, this);
    bus.register(SYSTEM_CONTROL_B, 1, this);
  }

  saveState(): DeviceState {
    return { channels: this.channels.map((c) => c.saveState()), speaker: this.speaker, irqLevel: this.irqLevel };
  }

  /** Restore channel state; the channel 0 timer's deadline is the clock's to restore. */
  restoreState(s: DeviceState): void {
    const chans = s.channels as DeviceState[];
    this.channels.forEach((c, i) => c.restoreState(chans[i]));
    this.speaker = s.speaker as boolean;
    this.irqLevel = s.irqLevel as boolean | null;
  }

  /** The current PIT tick. */
  private tick(): bigint {
    return this.clock.ticksAt(this.clock.now, PIT_HZ_N);
  }

  private channel0Edge(atCycle: bigint): void {
    this.updateChannel0(this.clock.ticksAt(atCycle, PIT_HZ_N));
  }

  /** Drive IRQ0 from OUT0 at tick t and schedule the next edge. */
  private updateChannel0(t: bigint): void {
    const ch = this.channels[0];
    ch.sync(t);
    const level = ch.out(t);
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.setIrq(PIT_IRQ, level);
    }
    const edge = ch.nextEdge(t);
    if (edge === null) return this.timer.schedule(null);
    // OUT toggles at every edge: if it is high now the next edge falls, and IRQ0 can only rise at the one after
    const rise = level ? ch.nextEdge(edge) : edge;
    this.timer.schedule(this.clock.cycleOfTick(edge, PIT_HZ_N), rise === null ? null : this.clock.cycleOfTick(rise, PIT_HZ_N));
  }

  read(port: number, _size: IoSize): number {
    const t = this.tick();
    if (port === SYSTEM_CONTROL_B) {
      const ch2 = this.channels[2];
      ch2.sync(t);
      return (
        (ch2.gate ? PORTB_GATE2 : 0) |
        (this.speaker ? PORTB_SPEAKER : 0) |
        ((t / REFRESH_TICKS) & 1n ? PORTB_REFRESH : 0) |
        (ch2.out(t) ? PORTB_OUT2 : 0)
      );
    }
    if (port === PIT_MODE_COMMAND) return 0xff; // the control register is write-only
    const ch = this.channels[port - PIT_CHANNEL0];
    ch.sync(t);
    return ch.read(t);
  }

  write(port: number, _size: IoSize, value: number): void {
    const t = this.tick();
    value &= 0xff;
    if (port === SYSTEM_CONTROL_B) {
      this.speaker = (value & PORTB_SPEAKER) !== 0;
      this.channels[2].setGate(t, (value & PORTB_GATE2) !== 0);
      return;
    }
    if (port === PIT_MODE_COMMAND) {
      const sc = value >> PIT_SC_SHIFT;
      if (sc === PIT_SC_READBACK) {
        for (let i = 0; i < 3; i++) {
          if (!(value & (2 << i))) continue;
          const ch = this.channels[i];
          ch.sync(t);
          if (!(value & PIT_RB_STATUS_N)) ch.latchStatus(t);
          if (!(value & PIT_RB_COUNT_N)) ch.latchCount(t);
        }
        return;
      }
      const ch = this.channels[sc];
      ch.sync(t);
      if (((value >> PIT_RW_SHIFT) & 3) === PIT_RW_LATCH) ch.latchCount(t);
      else ch.controlWord(value);
      if (sc === 0) this.updateChannel0(t);
      return;
    }
    const i = port - PIT_CHANNEL0;
    const ch = this.channels[i];
    ch.sync(t);
    ch.write(t, value);
    if (i === 0) this.updateChannel0(t);
  }
}
