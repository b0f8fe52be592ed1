// VMs spread over several physical CPUs (Node worker threads): VM k runs on worker k mod W, each
// worker with its own wasm core and Hypervisor (src/hv/vm-worker.ts). A VM's output does not depend
// on where it runs (its clock is its own retired instructions), so one worker or several give the
// same transcripts. COM1 bytes come back per VM; input goes to the worker that holds the VM.
import { Worker } from "node:worker_threads";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../core/load-node.js";
import type { MultibootModule } from "./multiboot.js";
import type { MachineStop } from "./vm.js";
import type { VmMode, VmStats } from "./hypervisor.js";
import type { SensitiveSite } from "./emulate/sensitive.js";

/** What one worker runs. */
export interface PoolJob {
  vms: number[]; // global VM numbers, in the worker's local order
  kernel: Uint8Array;
  kernelName: string;
  cmdline: string;
  modules: MultibootModule[];
  guestRamBytes: number;
  mode: VmMode;
  quantum?: number;
  weights?: number[];
  maxInstructions?: number;
  inputOpen: boolean;
  /** COM1 bytes each VM (by its global number) has before it starts. */
  initialInput?: Uint8Array[];
}

export type ToWorker = { kind: "input"; vm: number; bytes: Uint8Array } | { kind: "end-of-input" };
export type ToPool =
  | { kind: "output"; vm: number; bytes: Uint8Array }
  | { kind: "sensitive"; vm: number; site: SensitiveSite }
  | { kind: "done"; stats: VmStats[]; stops: { vm: number; stop: MachineStop | null }[]; seconds: number; worldSwitches: number }
  | { kind: "error"; message: string };

export interface PoolOptions extends Omit<PoolJob, "vms" | "weights"> {
  count: number;
  workers: number;
  weights?: number[];
  onOutput: (vm: number, bytes: Uint8Array) => void;
  onSensitive?: (vm: number, site: SensitiveSite) => void;
}

export interface PoolResult {
  stats: VmStats[];
  stops: (MachineStop | null)[];
  /** Per worker: host seconds inside its scheduler. */
  seconds: number[];
  worldSwitches: number;
}

/** The compiled worker script (dist/), also when this module runs from TypeScript sources. */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".js")) return join(here, "..", "vm-worker.js");
  const built = join(packageRoot(), "dist", "src", "hv", "vm-worker.js");
  if (!existsSync(built)) throw new Error(`${built} is missing (npm run build:ts)`);
  return built;
}

export class VmPool {
  private readonly workers: Worker[] = [];
  private readonly home: number[] = []; // VM → worker index
  readonly done: Promise<PoolResult>;

  constructor(opts: PoolOptions) {
    const n = Math.max(1, Math.min(opts.workers, opts.count));
    const script = workerScript();
    const results: Extract<ToPool, { kind: "done" }>[] = [];
    let resolveDone!: (r: PoolResult) => void;
    let rejectDone!: (e: Error) => void;
    this.done = new Promise((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    for (let w = 0; w < n; w++) {
      const vms = Array.from({ length: opts.count }, (_, k) => k).filter((k) => k % n === w);
      for (const k of vms) this.home[k] = w;
      const job: PoolJob = {
        vms,
        kernel: opts.kernel,
        kernelName: opts.kernelName,
        cmdline: opts.cmdline,
        modules: opts.modules,
        guestRamBytes: opts.guestRamBytes,
        mode: opts.mode,
        quantum: opts.quantum,
        weights: opts.weights ? vms.map((k) => opts.weights![k]) : undefined,
        maxInstructions: opts.maxInstructions,
        inputOpen: opts.inputOpen,
        initialInput: opts.initialInput ? vms.map((k) => opts.initialInput![k]) : undefined,
      };
      const worker = new Worker(script, { workerData: job });
      worker.on("message", (m: ToPool) => {
        if (m.kind === "output") opts.onOutput(m.vm, m.bytes);
        else if (m.kind === "sensitive") opts.onSensitive?.(m.vm, m.site);
        else if (m.kind === "error") rejectDone(new Error(m.message));
        else {
          results.push(m);
          void worker.terminate();
          if (results.length === n) {
            const stats = results.flatMap((r) => r.stats).sort((a, b) => a.vm - b.vm);
            const stops: (MachineStop | null)[] = [];
            for (const r of results) for (const s of r.stops) stops[s.vm] = s.stop;
            resolveDone({ stats, stops, seconds: results.map((r) => r.seconds), worldSwitches: results.reduce((a, r) => a + r.worldSwitches, 0) });
          }
        }
      });
      worker.on("error", (e) => rejectDone(e));
      this.workers.push(worker);
    }
  }

  /** Input for VM `vm`'s COM1. */
  input(vm: number, bytes: Uint8Array): void {
    const w = this.workers[this.home[vm]];
    w?.postMessage({ kind: "input", vm, bytes } satisfies ToWorker);
  }

  endOfInput(): void {
    for (const w of this.workers) w.postMessage({ kind: "end-of-input" } satisfies ToWorker);
  }

  get size(): number {
    return this.workers.length;
  }
}
