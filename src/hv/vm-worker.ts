// One physical CPU of the VM pool (src/hv/vm-pool.ts): a Node worker thread with its own wasm
// core and Hypervisor, running the VMs the pool gave it. Messages in: input bytes for one of its
// VMs, end of input. Messages out: COM1 bytes per VM, and the final statistics when all its VMs
// have stopped. VM numbers in messages are the pool's (global) numbers.
import { parentPort, workerData } from "node:worker_threads";
import { loadCoreNode } from "../core/load-node.js";
import { Hypervisor } from "./hypervisor.js";
import type { PoolJob, ToPool, ToWorker } from "./vm-pool.js";

async function main(): Promise<void> {
  const port = parentPort!;
  const job = workerData as PoolJob;
  const core = await loadCoreNode();
  const out = new Map<number, number[]>();
  const hv = new Hypervisor({
    core,
    count: job.vms.length,
    guestRamBytes: job.guestRamBytes,
    mode: job.mode,
    quantum: job.quantum,
    weights: job.weights,
    maxInstructions: job.maxInstructions,
    onOutput: (k, src, b) => {
      if (src !== "com1") return;
      const g = job.vms[k];
      let list = out.get(g);
      if (!list) out.set(g, (list = []));
      list.push(b);
    },
    onSensitive: (k, site) => port.postMessage({ kind: "sensitive", vm: job.vms[k], site } satisfies ToPool),
  });
  hv.boot(job.kernel, { kernelName: job.kernelName, cmdline: job.cmdline, modules: job.modules });
  const local = new Map(job.vms.map((g, k) => [g, k]));
  job.initialInput?.forEach((bytes, k) => bytes.length && hv.receiveInput(k, bytes));
  let inputOpen = job.inputOpen;
  for (const vm of hv.vms) vm.machine.inputOpen = inputOpen;
  let wake: (() => void) | null = null;
  port.on("message", (m: ToWorker) => {
    if (m.kind === "input") {
      const k = local.get(m.vm);
      if (k !== undefined) hv.receiveInput(k, m.bytes);
    } else {
      inputOpen = false;
      for (const vm of hv.vms) {
        vm.machine.inputOpen = false;
        if (vm.state === "waiting") vm.state = "running";
      }
    }
    const w = wake;
    wake = null;
    w?.();
  });
  const flush = () => {
    for (const [vm, bytes] of out) if (bytes.length) port.postMessage({ kind: "output", vm, bytes: Uint8Array.from(bytes.splice(0)) } satisfies ToPool);
  };
  for (;;) {
    let ran = 0;
    for (let i = 0; i < hv.vms.length && hv.runTurn(); i++) ran++;
    flush();
    if (hv.allStopped) break;
    if (ran === 0) {
      if (!inputOpen) {
        for (const vm of hv.vms) if (vm.state === "waiting") vm.state = "running";
        if (!hv.vms.some((v) => !v.stopped && v.state !== "waiting")) break;
        continue;
      }
      await new Promise<void>((r) => (wake = r));
    } else {
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  flush();
  const stats = hv.stats().map((s) => ({ ...s, vm: job.vms[s.vm] }));
  const stops = hv.vms.map((v) => ({ vm: job.vms[v.id], stop: v.stopped }));
  port.postMessage({ kind: "done", stats, stops, seconds: hv.seconds, worldSwitches: hv.worldSwitches } satisfies ToPool);
}

main().catch((err: Error) => {
  parentPort?.postMessage({ kind: "error", message: err?.message ?? String(err) } satisfies ToPool);
});
