// The tabvisor PC platform: the virtual clock and the motherboard devices on the I/O bus — the
// 8259A PIC pair (with ELCR), the 8254 PIT and port 0x61, the CMOS RTC, the 8042 with its PS/2
// keyboard, the VGA text-mode registers and system control port A (0x92). It is the one object
// the machine loop (src/hv/vm.ts) talks to about time and interrupts; docs/platform.md describes
// what a guest sees.
//
// Time contract (see clock.ts): the loop passes the CPU's retired-instruction count
// (STATE_INSN_COUNT) to every call. Devices read "now" as of the latest advanceTo(); the loop
// calls advanceTo(count) before each run() and before dispatching an I/O exit, so a port read
// sees the time of the instruction doing it. When the CPU halts with IF=1, idleUntilNextEvent()
// skips virtual time to the next timer that can interrupt; the loop then sets
// STATE_TSC_OFFSET = tscOffset() so RDTSC (= insnCount + TSC_OFFSET) stays equal to the clock.
import type { IoBus, PortDevice, IoSize } from "./io-bus.js";
import { Clock, DEFAULT_INSNS_PER_SECOND, type ClockState, type Timer } from "./clock.js";
import { PicPair } from "./pic8259.js";
import { Pit8254 } from "./pit8254.js";
import { Rtc, DEFAULT_RTC_EPOCH_MS } from "./rtc.js";
import { Ps2Controller, type Ps2Keyboard } from "./ps2.js";
import { VgaText } from "./vga-text.js";
import { DeviceStateError, type DeviceState } from "./device-state.js";

export { DEFAULT_INSNS_PER_SECOND, DEFAULT_RTC_EPOCH_MS };

export const SYSTEM_CONTROL_A = 0x92;
export const PORTA_FAST_RESET = 0x01;
export const PORTA_A20 = 0x02;
/** Format of Platform.saveState(); restoreState refuses any other. */
export const PLATFORM_STATE_VERSION = 1;
/** idleUntilNextEvent gives up after this many waking timer events that raised no deliverable interrupt. */
export const IDLE_MAX_FRUITLESS_EVENTS = 10_000;

export interface PlatformOptions {
  /** Tie the clock to the wall clock (performance.now()) instead of retired instructions. */
  realtime?: boolean;
  /** Nominal instruction rate: virtual cycles per second (default 100e6). Also the TSC frequency. */
  insnsPerSecond?: number;
  /** RTC time at power-on in virtual mode (ms since the Unix epoch; default 2026-01-01T00:00:00Z). */
  rtcEpochMs?: number;
  /** Guest RAM size, reported in the CMOS memory-size bytes. */
  ramBytes?: number;
  /** Called when the guest asks for a system reset (8042 pulse/output port, port 0x92 bit 0). */
  onReset?: () => void;
}

/** System control port A (PS/2 "port 92h"): fast A20 gate and fast reset. */
class SystemControlA implements PortDevice {
  readonly name = "port92";
  a20 = true;
  constructor(private readonly reset: () => void) {}
  read(_port: number, _size: IoSize): number {
    return this.a20 ? PORTA_A20 : 0;
  }
  write(_port: number, _size: IoSize, value: number): void {
    this.a20 = (value & PORTA_A20) !== 0;
    if (value & PORTA_FAST_RESET) this.reset();
  }
}

export class Platform {
  readonly clock: Clock;
  readonly pic: PicPair;
  readonly pit: Pit8254;
  readonly rtc: Rtc;
  readonly kbc: Ps2Controller;
  readonly keyboard: Ps2Keyboard;
  readonly vga: VgaText;
  readonly portA: SystemControlA;
  /** Set when the guest requested a reset; the loop decides what to do and clears it. */
  resetRequested = false;
  private lastTscOffset = 0n;

  constructor(bus: IoBus, opts: PlatformOptions = {}) {
    this.clock = new Clock({ realtime: opts.realtime, insnsPerSecond: opts.insnsPerSecond });
    const setIrq = (line: number, level: boolean) => this.pic.setIrq(line, level);
    const reset = () => {
      this.resetRequested = true;
      opts.onReset?.();
    };
    this.pic = new PicPair();
    this.pit = new Pit8254(this.clock, setIrq);
    this.rtc = new Rtc(this.clock, setIrq, { epochMs: opts.rtcEpochMs, ramBytes: opts.ramBytes });
    this.kbc = new Ps2Controller(setIrq, reset);
    this.keyboard = this.kbc.keyboard;
    this.vga = new VgaText();
    this.portA = new SystemControlA(reset);
    this.pic.register(bus);
    this.pit.register(bus);
    this.rtc.register(bus);
    this.kbc.register(bus);
    this.vga.register(bus);
    bus.register(SYSTEM_CONTROL_A, 1, this.portA);
  }

  /**
   * Everything the guest can observe of the platform, as a structured-cloneable object (post it to
   * another worker, keep it as a snapshot). Guest RAM and the CPU state are not included, nor the
   * UARTs and debug devices (src/hv owns them), nor the VGA render cache.
   */
  saveState(): DeviceState {
    return {
      version: PLATFORM_STATE_VERSION,
      insnsPerSecond: this.clock.insnsPerSecond,
      clock: this.clock.saveState(),
      pic: this.pic.saveState(),
      pit: this.pit.saveState(),
      rtc: this.rtc.saveState(),
      kbc: this.kbc.saveState(),
      vga: this.vga.saveState(),
      a20: this.portA.a20,
      resetRequested: this.resetRequested,
      lastTscOffset: this.lastTscOffset,
    };
  }

  /** Restore a saveState() result into this platform (built with the same insnsPerSecond). */
  restoreState(s: DeviceState): void {
    if (s?.version !== PLATFORM_STATE_VERSION) {
      throw new DeviceStateError(`saved platform state has version ${String(s?.version)}, expected ${PLATFORM_STATE_VERSION}`);
    }
    if (s.insnsPerSecond !== this.clock.insnsPerSecond) {
      throw new DeviceStateError(
        `saved platform state runs at ${String(s.insnsPerSecond)} instructions/s, this platform at ${this.clock.insnsPerSecond}`,
      );
    }
    this.pic.restoreState(s.pic as DeviceState);
    this.pit.restoreState(s.pit as DeviceState);
    this.rtc.restoreState(s.rtc as DeviceState);
    this.kbc.restoreState(s.kbc as DeviceState);
    this.vga.restoreState(s.vga as DeviceState);
    this.clock.restoreState(s.clock as ClockState);
    this.portA.a20 = s.a20 as boolean;
    this.resetRequested = s.resetRequested as boolean;
    this.lastTscOffset = s.lastTscOffset as bigint;
  }

  /** Instructions the CPU may run before the next timer event (≥ 1), or Infinity if none is scheduled. */
  budgetUntilNextEvent(insnCount: bigint): number {
    const next = this.clock.nextDeadline();
    if (next === null) return Infinity;
    const now = this.clock.cyclesAt(insnCount);
    const d = next - now;
    return d < 1n ? 1 : d > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(d);
  }

  /** Bring every device up to the CPU's instruction count: fire due timers (raising IRQ lines). */
  advanceTo(insnCount: bigint): void {
    this.clock.runUntil(this.clock.cyclesAt(insnCount));
  }

  /**
   * The CPU halted with IF=1. Virtual mode: skip time to the next timer event that can raise an
   * unmasked IRQ line (earlier events fire on the way), repeatedly, until an interrupt is pending. Returns false if nothing can ever wake
   * the CPU: no such timer is scheduled, or IDLE_MAX_FRUITLESS_EVENTS of them fired without
   * producing a deliverable interrupt (e.g. HLT inside a handler before its EOI). Keyboard and
   * UART input are outside this: the loop may still wake a "halted for good" CPU when input comes.
   * Realtime mode skips nothing: it returns whether such a timer exists, and the loop waits for
   * msUntilNextEvent() of wall time.
   */
  idleUntilNextEvent(insnCount: bigint): boolean {
    this.advanceTo(insnCount);
    if (this.interruptPending()) return true;
    const wakes = (t: Timer) => this.canWake(t);
    if (this.clock.realtime) return this.clock.nextWake(wakes) !== null;
    for (let i = 0; i < IDLE_MAX_FRUITLESS_EVENTS; i++) {
      const next = this.clock.nextWake(wakes);
      if (next === null) return false;
      this.clock.skipTo(next);
      this.advanceTo(insnCount);
      if (this.interruptPending()) return true;
    }
    return false;
  }

  private canWake(t: Timer): boolean {
    return t.irq >= 0 && this.pic.lineUnmasked(t.irq);
  }

  /** Realtime mode: wall-clock milliseconds until the next timer event that can wake a halted CPU (Infinity if none). */
  msUntilNextEvent(insnCount: bigint): number {
    const next = this.clock.nextWake((t) => this.canWake(t));
    if (next === null) return Infinity;
    const d = next - this.clock.cyclesAt(insnCount);
    return d <= 0n ? 0 : (Number(d) * 1000) / this.clock.insnsPerSecond;
  }

  /** An unmasked IRQ is pending at the PIC (the loop sets STATE_INTR_PENDING from this). */
  interruptPending(): boolean {
    return this.pic.interruptPending();
  }

  /** INTA cycle: returns the vector and updates ISR/IRR (spurious IRQ7/IRQ15 as the 8259A does). */
  acknowledgeInterrupt(): number {
    return this.pic.acknowledgeInterrupt();
  }

  /** Raise or lower ISA IRQ line 0..15 (the UART calls this through its irq callback). */
  setIrq(line: number, level: boolean): void {
    this.pic.setIrq(line, level);
  }

  /** Virtual nanoseconds since power-on. */
  nowNs(insnCount: bigint): number {
    return this.clock.cyclesToNs(this.clock.cyclesAt(insnCount));
  }

  /**
   * The value for STATE_TSC_OFFSET so that RDTSC = insnCount + offset counts virtual cycles
   * (insnsPerSecond Hz). Virtual mode: the idle cycles skipped so far. Realtime mode: wall-clock
   * cycles minus instructions, never decreasing (RDTSC stays monotonic; it runs ahead of the wall
   * clock while the CPU outpaces the nominal rate).
   */
  tscOffset(insnCount: bigint): bigint {
    if (!this.clock.realtime) return this.clock.idleCycles;
    const off = this.clock.cyclesAt(insnCount) - insnCount;
    if (off > this.lastTscOffset) this.lastTscOffset = off;
    return this.lastTscOffset;
  }
}
