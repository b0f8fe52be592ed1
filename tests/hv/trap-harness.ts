// Test helper for the hypervisor: boots N VMs of one kernel on the real wasm core (bare or trap
// mode) and collects each VM's COM1 output. Needs build/tabvisor.wasm (npm run build:core).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadCoreNode } from "../../src/core/load-node.js";
import { Hypervisor, type HypervisorOptions, type VmMode } from "../../src/hv/hypervisor.js";
import type { MultibootModule } from "../../src/hv/multiboot.js";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const MiB = 1 << 20;

export interface Run {
  hv: Hypervisor;
  /** COM1 text per VM ("\r\n" kept as the guest sent it). */
  out: string[];
}

export interface RunOptions extends Partial<Omit<HypervisorOptions, "core" | "onOutput" | "count" | "mode">> {
  modules?: MultibootModule[];
  /** Bytes for every VM's COM1 before it starts. */
  input?: string;
}

export function image(path: string): Uint8Array {
  return readFileSync(path.startsWith("/") ? path : `${root}${path}`);
}

export const unixModules = (): MultibootModule[] => [{ data: image("guests/images/unix-root.img"), cmdline: "guests/images/unix-root.img root" }];

/** Boot `count` VMs of `kernel` and run them to the end. */
export async function runVms(kernel: Uint8Array, count: number, mode: VmMode, opts: RunOptions = {}): Promise<Run> {
  const core = await loadCoreNode();
  const bytes: number[][] = Array.from({ length: count }, () => []);
  const hv = new Hypervisor({
    core,
    count,
    mode,
    guestRamBytes: opts.guestRamBytes ?? 32 * MiB,
    quantum: opts.quantum,
    weights: opts.weights,
    maxInstructions: opts.maxInstructions ?? 300_000_000,
    timeline: opts.timeline,
    onOutput: (k, src, b) => {
      if (src === "com1") bytes[k].push(b);
    },
  });
  hv.boot(kernel, { kernelName: "kernel", cmdline: "", modules: opts.modules ?? [] });
  if (opts.input !== undefined) for (let k = 0; k < count; k++) hv.receiveInput(k, Buffer.from(opts.input, "latin1"));
  hv.runToEnd();
  return { hv, out: bytes.map((b) => Buffer.from(b).toString("latin1")) };
}

/** The system-level test kernels of tests/fixtures/system (paging, rings, exceptions, ...). */
export const systemKernel = (name: string) => image(`tests/fixtures/system/images/${name}-O2.elf`);

export const le32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];

/** A flat Multiboot image (a.out kludge, header flag 16) loaded at 1 MiB; `code` runs at 0x100030. */
export function flatImage(code: number[]): Uint8Array {
  const base = 0x100000;
  const flags = 0x00010003;
  const magic = 0x1badb002;
  const total = 48 + code.length;
  const h = [magic, flags, (-(magic + flags)) >>> 0, base, base, base + total, base + total, base + 48];
  return Uint8Array.from([...h.flatMap(le32), ...new Array(16).fill(0), ...code]);
}
