// The machine side of a machine worker: builds the same Machine (src/hv/vm.ts) and Platform
// (src/devices/platform.ts) the CLI builds, runs it in time-sized slices, and moves terminal bytes
// through the shared rings of protocol.ts. It implements MachineWorkerApi; the browser worker
// entry (machine-worker.ts) exposes it with Comlink, tests drive it directly in Node. It does not
// know how the core is fetched: the caller passes a loader.
//
// The run loop: read input rings → Machine.runFor(slice) → write COM1 output (and, at most every
// VGA_FRAME_MS, the VGA screen's ANSI diff) → yield to the event loop so control calls get in →
// repeat. The slice is resized so one runFor takes about SLICE_TARGET_MS. An idle guest
// ("waiting") sleeps on the input doorbell until input comes or its next realtime timer is due; a
// full COM1 ring pauses the guest until the page reads (back-pressure, like a slow serial line).
import type { Core } from "../core/core.js";
import { GuestRamError } from "../core/core.js";
import { Machine, type RunState } from "../hv/vm.js";
import { MultibootError } from "../hv/multiboot.js";
import { Platform } from "../devices/platform.js";
import { statusOf } from "../cli/exit-status.js";
import { ByteRing, RING_TAIL, waitForChange } from "./ring.js";
import {
  DOORBELL,
  MachineConfigError,
  type CreateResult,
  type MachineChannels,
  type MachineConfig,
  type MachineRunState,
  type MachineStatsSnapshot,
  type MachineWorkerApi,
} from "./protocol.js";

/** Wall time one runFor call aims for: short enough for prompt control calls, long enough to amortise the yield. */
export const SLICE_TARGET_MS = 12;
const SLICE_MIN = 10_000;
const SLICE_MAX = 200_000_000;
const SLICE_FIRST = 500_000;
/** The VGA screen is re-rendered at most this often while the guest runs. */
export const VGA_FRAME_MS = 40;
/** Above this many undelivered COM1 bytes the guest waits for the page to read. */
const OUT_HIGH_WATER = 1 << 16;
const BACKPRESSURE_WAIT_MS = 50;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Resolve after other queued tasks (control messages) have had their turn. */
const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const yieldToEventLoop: () => Promise<void> =
  typeof setImmediateFn === "function"
    ? () => new Promise<void>((resolve) => setImmediateFn(resolve))
    : (() => {
        const channel = new MessageChannel();
        const queue: (() => void)[] = [];
        channel.port1.onmessage = () => queue.shift()?.();
        return () =>
          new Promise<void>((resolve) => {
            queue.push(resolve);
            channel.port2.postMessage(0);
          });
      })();

interface Rings {
  com1Out: ByteRing;
  com1In: ByteRing;
  vgaOut: ByteRing;
  kbdIn: ByteRing;
  doorbell: Int32Array;
}

export class MachineRunner implements MachineWorkerApi {
  private core: Core | null = null;
  private config: MachineConfig | null = null;
  private rings: Rings | null = null;
  private machineNow: Machine | null = null;
  private platformNow: Platform | null = null;
  private state: MachineRunState = "created";
  private loopDone: Promise<void> | null = null;
  private pauseRequested = false;
  private out = new Uint8Array(1 << 12);
  private outLen = 0;
  private uptimeMs = 0;
  private runningSince = 0;
  private lastVgaMs = -Infinity;
  private slice = SLICE_FIRST;
  private screenWatched = false;

  constructor(
    private readonly loadCore: () => Promise<Core>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The current machine and its platform (null before create), for in-worker inspection. */
  get machine(): Machine | null {
    return this.machineNow;
  }
  get platform(): Platform | null {
    return this.platformNow;
  }

  async create(config: MachineConfig, channels: MachineChannels): Promise<CreateResult> {
    if (this.config) throw new MachineConfigError("this worker already has a machine");
    this.rings = {
      com1Out: new ByteRing(channels.com1Out),
      com1In: new ByteRing(channels.com1In),
      vgaOut: new ByteRing(channels.vgaOut),
      kbdIn: new ByteRing(channels.kbdIn),
      doorbell: new Int32Array(channels.doorbell, 0, 1),
    };
    this.core = await this.loadCore();
    const result = this.build(config);
    this.config = config;
    return result;
  }

  async start(): Promise<void> {
    this.requireMachine();
    if (this.loopDone || this.state === "stopped") return;
    this.pauseRequested = false;
    this.state = "running";
    this.runningSince = this.now();
    this.loopDone = this.loop().finally(() => {
      this.uptimeMs += this.now() - this.runningSince;
      this.loopDone = null;
    });
  }

  async pause(): Promise<void> {
    if (!this.loopDone) return;
    this.pauseRequested = true;
    this.ringDoorbell(); // wake a loop sleeping on an idle guest
    await this.loopDone;
  }

  async reset(): Promise<CreateResult> {
    this.requireMachine();
    await this.pause();
    const rings = this.rings!;
    rings.com1In.clear();
    rings.kbdIn.clear();
    this.outLen = 0;
    this.uptimeMs = 0;
    this.lastVgaMs = -Infinity;
    return this.build(this.config!);
  }

  async step(instructions: number): Promise<MachineStatsSnapshot> {
    const m = this.requireMachine();
    if (this.loopDone) throw new MachineConfigError("pause the machine before stepping it");
    if (this.state !== "stopped") {
      this.pumpInput();
      const st = m.runFor(Math.max(1, Math.floor(instructions)));
      this.flushOutput();
      this.renderVga();
      this.state = st === "stopped" ? "stopped" : "paused";
    }
    return this.snapshot();
  }

  async watchScreen(on: boolean): Promise<void> {
    this.screenWatched = on;
    if (on) {
      this.platformNow?.vga.invalidate();
      if (!this.loopDone) this.renderVga();
    }
  }

  async stats(): Promise<MachineStatsSnapshot> {
    return this.snapshot();
  }

  private requireMachine(): Machine {
    if (!this.machineNow) throw new MachineConfigError("no machine: call create first");
    return this.machineNow;
  }

  /** A fresh Machine + Platform booted from `config`; the loader's complaints become MachineConfigError. */
  private build(config: MachineConfig): CreateResult {
    const ramBytes = config.memMiB * 1024 * 1024;
    let machine: Machine;
    try {
      machine = new Machine({
        core: this.core!,
        ramBytes,
        platform: (bus) => (this.platformNow = new Platform(bus, { ramBytes, realtime: config.clock === "realtime" })),
        onOutput: (source, byte) => {
          if (source === "com1") this.pushOutput(byte);
        },
      });
    } catch (e) {
      if (e instanceof RangeError || e instanceof GuestRamError) throw new MachineConfigError(e.message);
      throw e;
    }
    machine.inputOpen = true; // the page's terminal can always type more
    let entry;
    try {
      entry = machine.boot(config.kernel.data, {
        kernelName: config.kernel.name,
        cmdline: config.cmdline,
        modules: config.modules.map((m) => ({ data: m.data, cmdline: `${m.name} ${m.args}`.trim() })),
      });
    } catch (e) {
      this.machineNow = null;
      if (e instanceof MultibootError) throw new MachineConfigError(`${config.kernel.name}: ${e.message}`);
      throw e;
    }
    this.machineNow = machine;
    this.state = "created";
    this.slice = SLICE_FIRST;
    return { entry: entry.entry, ramBytes };
  }

  private async loop(): Promise<void> {
    const rings = this.rings!;
    while (!this.pauseRequested) {
      const m = this.machineNow!;
      const bell = Atomics.load(rings.doorbell, DOORBELL); // before reading input: no lost wake-ups
      this.pumpInput();
      const t0 = this.now();
      let st: RunState;
      try {
        st = m.runFor(this.slice);
      } catch (e) {
        // a trap in the core or a bug in a device: the machine is dead, the worker is not
        m.stop({ reason: "internal-error", message: `internal error: ${(e as Error)?.message ?? String(e)}` });
        st = "stopped";
      }
      const t1 = this.now();
      if (st === "running") this.resizeSlice(t1 - t0);
      this.flushOutput();
      if (st === "stopped") {
        this.renderVga();
        this.state = "stopped";
        return;
      }
      if (t1 - this.lastVgaMs >= VGA_FRAME_MS || st === "waiting") this.renderVga();
      if (this.outLen > OUT_HIGH_WATER) {
        await waitForChange(rings.com1Out.ctrl, RING_TAIL, Atomics.load(rings.com1Out.ctrl, RING_TAIL), BACKPRESSURE_WAIT_MS);
      } else if (st === "waiting") {
        this.state = "waiting";
        await waitForChange(rings.doorbell, DOORBELL, bell, m.wakeAfterMs);
        if (this.state === "waiting") this.state = "running";
      } else {
        await yieldToEventLoop();
      }
    }
    this.state = "paused";
  }

  private resizeSlice(ms: number): void {
    const scaled = ms > 0.05 ? (this.slice * SLICE_TARGET_MS) / ms : this.slice * 4;
    this.slice = Math.round(Math.min(SLICE_MAX, Math.max(SLICE_MIN, Math.min(scaled, this.slice * 4))));
  }

  private ringDoorbell(): void {
    const bell = this.rings!.doorbell;
    Atomics.add(bell, DOORBELL, 1);
    Atomics.notify(bell, DOORBELL);
  }

  private pumpInput(): void {
    const rings = this.rings!;
    const m = this.machineNow!;
    if (rings.com1In.used()) m.receiveInput(rings.com1In.read());
    if (rings.kbdIn.used()) {
      const text = decoder.decode(rings.kbdIn.read());
      this.platformNow?.keyboard.pressKey(text);
    }
  }

  private pushOutput(byte: number): void {
    if (this.outLen === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.outLen++] = byte;
  }

  private flushOutput(): void {
    if (!this.outLen) return;
    const n = this.rings!.com1Out.write(this.out.subarray(0, this.outLen));
    this.out.copyWithin(0, n, this.outLen);
    this.outLen -= n;
  }

  /** While the screen is watched: send its changes; if the ring cannot take them whole, redraw in full next time. */
  private renderVga(): void {
    const p = this.platformNow;
    const m = this.machineNow;
    if (!p || !m || !this.screenWatched) return;
    this.lastVgaMs = this.now();
    const ansi = p.vga.render(m.cpu.ram());
    if (ansi && !this.rings!.vgaOut.writeAll(encoder.encode(ansi))) p.vga.invalidate();
  }

  private snapshot(): MachineStatsSnapshot {
    const m = this.machineNow;
    const running = this.loopDone !== null;
    const uptimeMs = this.uptimeMs + (running ? this.now() - this.runningSince : 0);
    if (!m) {
      return { state: this.state, instructions: 0, uptime: 0, busySeconds: 0, exits: {}, eip: 0, stop: null };
    }
    const s = m.stats();
    return {
      state: this.state,
      instructions: s.instructions,
      uptime: uptimeMs / 1000,
      busySeconds: s.seconds,
      exits: s.exits,
      eip: m.cpu.eip >>> 0,
      stop: m.stopped ? { reason: m.stopped.reason, message: m.stopped.message, status: statusOf(m.stopped) } : null,
    };
  }
}
