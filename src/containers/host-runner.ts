// The worker side of a container host (host-protocol.ts): one Machine with the PC platform
// running the `unix` guest, its ContainerManager driven externally, and a run loop like the
// machine worker's (src/worker/machine-runner.ts): pump console input rings → runFor(slice) →
// manager.tick() (console output goes to the rings from the consoles' listeners) → sleep on the
// doorbell while the guest idles, else yield so Comlink calls get in. Node tests drive it
// directly; the browser entry is host-worker.ts.
import type { Core } from "../core/core.js";
import { Machine } from "../hv/vm.js";
import { Platform } from "../devices/platform.js";
import { ByteRing, waitForChange } from "../worker/ring.js";
import { DOORBELL } from "../worker/protocol.js";
import { ContainerManager, type CgroupFigures, type Container, type RunSpec } from "./manager.js";
import { guestRam, touchedPages } from "./measure.js";
import {
  ContainerHostError,
  type ConsoleRings,
  type ContainerHostApi,
  type ContainerHostConfig,
  type ContainerHostSnapshot,
  type ContainerSummary,
  type HostState,
} from "./host-protocol.js";

const SLICE_TARGET_MS = 10;
const SLICE_MIN = 20_000;
const SLICE_MAX = 50_000_000;

const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const yieldToEventLoop: () => Promise<void> =
  typeof setImmediateFn === "function"
    ? () => new Promise<void>((resolve) => setImmediateFn(resolve))
    : () => new Promise<void>((resolve) => setTimeout(resolve, 0));

interface Attached {
  container: Container;
  out: ByteRing;
  in: ByteRing;
  /** Output the ring had no room for yet. */
  pending: Uint8Array[];
}

export function summarize(c: Container, cg: CgroupFigures | undefined): ContainerSummary {
  const first = c.firstOutputCost();
  return {
    name: c.name,
    state: c.state,
    console: c.info.console,
    pid: c.info.pid,
    start: c.startCost ? { ...c.startCost } : null,
    firstOutput: first,
    cgroup: cg ? { memoryPages: cg.memoryPages, memoryMax: cg.memoryMax, pids: cg.pids, pidsMax: cg.pidsMax, cpuUsageUsec: cg.cpuUsageUsec } : null,
    exitStatus: c.exitStatus,
    oomKilled: c.oomKilled,
  };
}

export class ContainerHostRunner implements ContainerHostApi {
  machine: Machine | null = null;
  private manager: ContainerManager | null = null;
  private doorbell: Int32Array | null = null;
  private readonly attached = new Map<string, Attached>();
  private state: HostState = "booting";
  private boot: { instructions: number; hostMs: number } | null = null;
  private ramBytes = 0;
  private loopDone: Promise<void> | null = null;
  private closing = false;
  private slice = 200_000;
  private lastFigures = new Map<string, CgroupFigures>();

  constructor(private readonly loadCore: () => Promise<Core>) {}

  async create(config: ContainerHostConfig, doorbell: SharedArrayBuffer): Promise<{ instructions: number; hostMs: number }> {
    if (this.machine) throw new ContainerHostError("this worker already hosts a guest");
    const core = await this.loadCore();
    const t0 = performance.now();
    const ramBytes = config.memMiB << 20;
    this.ramBytes = ramBytes;
    const machine = new Machine({
      core,
      ramBytes,
      platform: (bus) => new Platform(bus, { ramBytes, realtime: config.clock === "realtime" }),
    });
    machine.inputOpen = true;
    machine.boot(config.kernel.data, {
      kernelName: config.kernel.name,
      cmdline: "",
      modules: config.modules.map((m) => ({ data: m.data, cmdline: `${m.name} ${m.args}`.trim() })),
    });
    this.machine = machine;
    this.doorbell = new Int32Array(doorbell, 0, 1);
    this.manager = new ContainerManager(machine, { drivenExternally: true });
    this.loopDone = this.loop();
    await this.woken(this.manager.ready());
    this.boot = { instructions: Number(machine.cpu.insnCount), hostMs: performance.now() - t0 };
    this.state = "ready";
    return this.boot;
  }

  async run(spec: RunSpec, rings: ConsoleRings): Promise<ContainerSummary> {
    const mgr = this.requireManager();
    const c = await this.woken(mgr.run(spec));
    const a: Attached = { container: c, out: new ByteRing(rings.out), in: new ByteRing(rings.in), pending: [] };
    this.attached.set(c.name, a);
    if (c.console) {
      const early = c.console.text();
      if (early) this.output(a, new TextEncoder().encode(early));
      c.console.onOutput((bytes) => this.output(a, bytes));
    }
    return summarize(c, undefined);
  }

  stop(name: string): Promise<void> {
    return this.woken(this.requireManager().stop(name));
  }
  pause(name: string): Promise<void> {
    return this.woken(this.requireManager().pause(name));
  }
  resume(name: string): Promise<void> {
    return this.woken(this.requireManager().resume(name));
  }
  async rm(name: string): Promise<void> {
    await this.woken(this.requireManager().rm(name));
    this.attached.delete(name);
  }

  async images(): Promise<{ name: string; cmd: string }[]> {
    const v = await this.woken(this.requireManager().images());
    if (!Array.isArray(v)) return [];
    return v
      .filter((x): x is { name: string; cmd?: unknown } => typeof x === "object" && x !== null && typeof (x as { name?: unknown }).name === "string")
      .map((x) => ({ name: x.name, cmd: typeof x.cmd === "string" ? x.cmd : "" }));
  }

  async snapshot(cgroups: boolean): Promise<ContainerHostSnapshot> {
    const m = this.machine;
    const mgr = this.manager;
    if (cgroups && mgr && this.state === "ready" && mgr.list().some((c) => c.state === "running" || c.state === "paused")) {
      try {
        this.lastFigures = new Map((await this.woken(mgr.statsAll())).map((f) => [f.name, f]));
      } catch {
        // keep the last figures
      }
    }
    return {
      state: this.state,
      boot: this.boot,
      instructions: m ? Number(m.cpu.insnCount) : 0,
      touchedPages: m ? touchedPages(guestRam(m)) : 0,
      ramBytes: this.ramBytes,
      containers: mgr ? mgr.list().map((c) => summarize(c, this.lastFigures.get(c.name))) : [],
      stop: m?.stopped?.message ?? null,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    this.ring();
    await this.loopDone;
    this.manager?.channel.close();
  }

  private requireManager(): ContainerManager {
    if (!this.manager || this.state === "booting") throw new ContainerHostError("the container host is not ready yet");
    if (this.state === "stopped") throw new ContainerHostError(`the container host has stopped: ${this.machine?.stopped?.message ?? ""}`);
    return this.manager;
  }

  /** A request was just sent: wake a loop sleeping on an idle guest so the guest sees it now. */
  private woken<T>(p: Promise<T>): Promise<T> {
    this.ring();
    return p;
  }

  private ring(): void {
    if (!this.doorbell) return;
    Atomics.add(this.doorbell, DOORBELL, 1);
    Atomics.notify(this.doorbell, DOORBELL);
  }

  private output(a: Attached, bytes: Uint8Array): void {
    if (a.pending.length) {
      a.pending.push(bytes);
      return;
    }
    const n = a.out.write(bytes);
    if (n < bytes.length) a.pending.push(bytes.subarray(n));
  }

  private flushPending(): void {
    for (const a of this.attached.values()) {
      while (a.pending.length) {
        const b = a.pending[0];
        const n = a.out.write(b);
        if (n < b.length) {
          a.pending[0] = b.subarray(n);
          break;
        }
        a.pending.shift();
      }
    }
  }

  private pumpInput(): void {
    for (const a of this.attached.values()) {
      if (!a.in.used()) continue;
      const bytes = a.in.read();
      const c = a.container;
      if (c.console && (c.state === "running" || c.state === "paused")) c.console.write(bytes);
    }
  }

  private async loop(): Promise<void> {
    const m = this.machine!;
    const mgr = this.manager!;
    const bell = this.doorbell!;
    while (!this.closing) {
      const seen = Atomics.load(bell, DOORBELL);
      this.pumpInput();
      const t0 = performance.now();
      const st = m.runFor(this.slice);
      const dt = performance.now() - t0;
      if (st === "running") {
        const scaled = dt > 0.05 ? (this.slice * SLICE_TARGET_MS) / dt : this.slice * 4;
        this.slice = Math.round(Math.min(SLICE_MAX, Math.max(SLICE_MIN, Math.min(scaled, this.slice * 4))));
      }
      mgr.tick();
      this.flushPending();
      if (st === "stopped") {
        this.state = "stopped";
        return;
      }
      if (st === "waiting") await waitForChange(bell, DOORBELL, seen, Math.min(m.wakeAfterMs, 50));
      else await yieldToEventLoop();
    }
  }
}
