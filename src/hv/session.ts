// A hypervisor run driven in slices of host time, for a live view (the page's hypervisor panel,
// run from a worker): boot N VMs, then call runFor(ms) repeatedly; between calls take snapshot()
// for the per-VM terminals' bytes, exit counters and trap timelines. Pausing is not calling
// runFor; a paused session's snapshot stays still, so a teacher can read the timeline.
// Environment-neutral: no Node or DOM APIs (the caller loads the core and the images).
import type { Core } from "../core/core.js";
import { Hypervisor, type VmMode, type VmStats } from "./hypervisor.js";
import type { MultibootModule } from "./multiboot.js";
import type { RunState } from "./vm.js";
import type { TrapEvent } from "./trap/engine.js";
import type { SensitiveSite } from "./emulate/sensitive.js";

export interface SessionOptions {
  core: Core;
  count: number;
  mode: VmMode;
  guestRamBytes: number;
  kernel: Uint8Array;
  kernelName: string;
  modules?: MultibootModule[];
  cmdline?: string;
  quantum?: number;
  weights?: number[];
  /** Wall-clock VM clocks: idle VMs then cost nothing (interactive use). */
  realtime?: boolean;
}

export interface VmView extends VmStats {
  state: RunState;
  /** The last traps (oldest first), trap mode only. */
  timeline: TrapEvent[];
}

export interface SessionView {
  vms: VmView[];
  worldSwitches: number;
  /** Host seconds spent running VMs. */
  seconds: number;
  /** Every VM has stopped. */
  finished: boolean;
}

export class HypervisorSession {
  readonly hv: Hypervisor;
  /** COM1 bytes per VM not yet taken by takeOutput(). */
  private readonly pending: number[][];
  /** Sensitive instructions found since the last takeSites(). */
  private readonly sites: { vm: number; site: SensitiveSite }[] = [];

  constructor(opts: SessionOptions) {
    this.pending = Array.from({ length: opts.count }, () => []);
    this.hv = new Hypervisor({
      core: opts.core,
      count: opts.count,
      mode: opts.mode,
      guestRamBytes: opts.guestRamBytes,
      quantum: opts.quantum,
      weights: opts.weights,
      realtime: opts.realtime,
      timeline: opts.mode === "trap",
      onOutput: (k, src, b) => {
        if (src === "com1") this.pending[k].push(b);
      },
      onSensitive: (vm, site) => this.sites.push({ vm, site }),
    });
    this.hv.boot(opts.kernel, { kernelName: opts.kernelName, cmdline: opts.cmdline ?? "", modules: opts.modules ?? [] });
  }

  /** Run scheduling turns for about `ms` of host time (at least one turn). False when no VM can run now. */
  runFor(ms: number): boolean {
    const end = performance.now() + ms;
    let ran = false;
    do {
      if (!this.hv.runTurn()) break;
      ran = true;
    } while (performance.now() < end);
    return ran;
  }

  /** Realtime: ms of wall time until a waiting VM's timer is due (Infinity: only input can wake one). */
  msUntilWake(): number {
    return this.hv.msUntilWake();
  }

  /** Keystrokes for VM `vm`'s COM1. */
  input(vm: number, bytes: Iterable<number>): void {
    this.hv.receiveInput(vm, bytes);
  }

  /** COM1 bytes each VM printed since the last call. */
  takeOutput(): Uint8Array[] {
    return this.pending.map((p) => Uint8Array.from(p.splice(0)));
  }

  /** Sensitive-but-unprivileged instructions found since the last call. */
  takeSites(): { vm: number; site: SensitiveSite }[] {
    return this.sites.splice(0);
  }

  snapshot(): SessionView {
    const s = this.hv.snapshot();
    return { vms: s.vms, worldSwitches: s.worldSwitches, seconds: s.seconds, finished: this.hv.allStopped };
  }
}
