// Virtual time for the PC platform: the clock every timer device counts from, and the queue of
// timer events keyed by it.
//
// The unit of time is the *cycle*: one retired guest instruction at the nominal rate
// `insnsPerSecond` (default 100e6). In virtual mode the current cycle is
//   cycles = insnCount + idleCycles
// where idleCycles is the time skipped while the CPU sat in HLT (see Platform.idleUntilNextEvent).
// The same guest with the same input therefore sees the same time at the same instruction, and
// RDTSC = insnCount + STATE_TSC_OFFSET equals `cycles` when the host keeps TSC_OFFSET = idleCycles.
// In realtime mode the current cycle is the wall-clock time since power-on (performance.now())
// scaled by the nominal rate; insnCount is ignored.
//
// Devices convert between cycles and their own input clock (PIT 1193182 Hz, RTC 32768 Hz) with
// exact integer arithmetic (BigInt), so event times never drift.

export const DEFAULT_INSNS_PER_SECOND = 100_000_000;

/** A timer owned by one device. At most one pending deadline; re-scheduling replaces it. */
export class Timer {
  /** The cycle at which `fire` runs, or null when idle. */
  deadline: bigint | null = null;
  /**
   * The earliest cycle at which this timer can raise its IRQ line: the deadline itself, or a later
   * event when the pending one cannot (a PIT falling edge). HLT sleeps until the earliest of these.
   */
  wakeAt: bigint | null = null;
  constructor(
    readonly name: string,
    /** ISA IRQ line this timer may raise (0..15), or -1 if it never raises one: HLT only fast-forwards to timers whose line is unmasked. */
    readonly irq: number,
    /** Runs with the cycle of the deadline (not the current cycle): the device updates itself as of that instant. */
    readonly fire: (atCycle: bigint) => void,
  ) {}
  schedule(atCycle: bigint | null, wakeAt: bigint | null = atCycle): void {
    this.deadline = atCycle;
    this.wakeAt = atCycle === null ? null : wakeAt;
  }
}

export interface ClockState {
  idleCycles: bigint;
  current: bigint;
  /** timer name → [deadline, wakeAt] */
  deadlines: Record<string, [bigint | null, bigint | null]>;
}

export interface ClockOptions {
  realtime?: boolean;
  insnsPerSecond?: number;
}

export class Clock {
  readonly insnsPerSecond: number;
  readonly realtime: boolean;
  private readonly ips: bigint;
  /** Cycles skipped while halted (virtual mode); the host adds this to STATE_TSC_OFFSET. */
  idleCycles = 0n;
  private readonly timers: Timer[] = [];
  private wallStartMs: number;
  /** The latest cycle devices have been brought up to (never decreases). */
  private current = 0n;

  constructor(opts: ClockOptions = {}) {
    const ips = opts.insnsPerSecond ?? DEFAULT_INSNS_PER_SECOND;
    if (!Number.isSafeInteger(ips) || ips < 2_000_000 || ips > 1e12) {
      throw new RangeError(`insnsPerSecond must be an integer between 2e6 and 1e12, got ${ips}`);
    }
    this.insnsPerSecond = ips;
    this.ips = BigInt(ips);
    this.realtime = opts.realtime ?? false;
    this.wallStartMs = performance.now();
  }

  /** The cycle corresponding to `insnCount` now (monotonic: never earlier than a previous answer). */
  cyclesAt(insnCount: bigint): bigint {
    let c: bigint;
    if (this.realtime) {
      c = BigInt(Math.floor(((performance.now() - this.wallStartMs) * this.insnsPerSecond) / 1000)) + this.idleCycles;
    } else {
      c = insnCount + this.idleCycles;
    }
    if (c > this.current) this.current = c;
    return this.current;
  }

  /** The cycle devices were last brought up to (the "now" of a port access). */
  get now(): bigint {
    return this.current;
  }

  /** Nanoseconds of virtual time at cycle `c` (exact to the nanosecond below 2^53 ns ≈ 104 days). */
  cyclesToNs(c: bigint): number {
    return Number((c * 1_000_000_000n) / this.ips);
  }

  /** Ticks of a clock of `hz` that have elapsed at cycle `c`: floor(c · hz / ips). */
  ticksAt(c: bigint, hz: bigint): bigint {
    return (c * hz) / this.ips;
  }

  /** The first cycle at which `ticksAt(cycle, hz) >= ticks`: ceil(ticks · ips / hz). */
  cycleOfTick(ticks: bigint, hz: bigint): bigint {
    return (ticks * this.ips + hz - 1n) / hz;
  }

  createTimer(name: string, irq: number, fire: (atCycle: bigint) => void): Timer {
    const t = new Timer(name, irq, fire);
    this.timers.push(t);
    return t;
  }

  /** The earliest pending deadline, optionally only among timers accepted by `filter`. */
  nextDeadline(filter?: (t: Timer) => boolean): bigint | null {
    let best: bigint | null = null;
    for (const t of this.timers) {
      if (t.deadline !== null && (best === null || t.deadline < best) && (!filter || filter(t))) best = t.deadline;
    }
    return best;
  }

  /** The earliest wake-up cycle (Timer.wakeAt) among timers accepted by `filter`. */
  nextWake(filter: (t: Timer) => boolean): bigint | null {
    let best: bigint | null = null;
    for (const t of this.timers) {
      if (t.deadline !== null && t.wakeAt !== null && (best === null || t.wakeAt < best) && filter(t)) best = t.wakeAt;
    }
    return best;
  }

  /**
   * Fire every timer due at or before cycle `upTo`, in deadline order (ties: creation order). A
   * timer re-scheduled by its own callback fires again if still due. Sets `now` to `upTo`.
   */
  runUntil(upTo: bigint): void {
    for (;;) {
      let due: Timer | null = null;
      for (const t of this.timers) {
        if (t.deadline !== null && t.deadline <= upTo && (due === null || t.deadline < due.deadline!)) due = t;
      }
      if (due === null) break;
      const at = due.deadline!;
      due.deadline = null;
      due.wakeAt = null;
      if (at > this.current) this.current = at;
      due.fire(at);
    }
    if (upTo > this.current) this.current = upTo;
  }

  saveState(): ClockState {
    const deadlines: Record<string, [bigint | null, bigint | null]> = {};
    for (const t of this.timers) deadlines[t.name] = [t.deadline, t.wakeAt];
    return { idleCycles: this.idleCycles, current: this.current, deadlines };
  }

  /** Restore a saved clock. In realtime mode the wall clock is re-anchored so time continues from the saved instant. */
  restoreState(s: ClockState): void {
    this.idleCycles = s.idleCycles;
    this.current = s.current;
    for (const t of this.timers) [t.deadline, t.wakeAt] = s.deadlines[t.name] ?? [null, null];
    if (this.realtime) this.wallStartMs = performance.now() - (Number(s.current - s.idleCycles) * 1000) / this.insnsPerSecond;
  }

  /** Skip idle time so that the current cycle becomes `target` (virtual mode; no-op if not later). */
  skipTo(target: bigint): void {
    if (target > this.current) {
      this.idleCycles += target - this.current;
      this.current = target;
    }
  }
}
