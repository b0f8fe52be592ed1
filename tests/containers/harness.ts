// Shared setup for the container tests: the real `unix` guest (guests/images, through the guest
// registry) on a bare Machine with the PC platform, and whether its root image has ctrd yet.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCoreNode } from "../../src/core/load-node.js";
import { Machine } from "../../src/hv/vm.js";
import { Platform } from "../../src/devices/platform.js";
import { findGuest } from "../../src/guests/registry.js";
import type { Container, ContainerManager } from "../../src/containers/manager.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const MiB = 1 << 20;

/** The unix root image lists bin/ctrd (cpio newc names are NUL-terminated). */
export function ctrdAvailable(): boolean {
  const g = findGuest("unix");
  if (!g) return false;
  try {
    return g.modules.some((m) => readFileSync(join(ROOT, m.path)).includes(Buffer.from("bin/ctrd\0")));
  } catch {
    return false;
  }
}

export const CTRD_MISSING = "the unix guest has no ctrd yet (guests/unix, the guest side of issue 7)";

export const fixtureKernel = (name: string) => readFileSync(join(ROOT, "tests/fixtures/kernels", name));

/** A booted Machine with the PC platform; COM1 output collected. */
export async function bootMachine(kernel: Uint8Array, opts: { ramMiB?: number; modules?: { data: Uint8Array; cmdline: string }[]; kernelName?: string } = {}) {
  const ramBytes = (opts.ramMiB ?? 64) * MiB;
  const com1: number[] = [];
  const machine = new Machine({
    core: await loadCoreNode(),
    ramBytes,
    platform: (bus) => new Platform(bus, { ramBytes }),
    onOutput: (src, b) => {
      if (src === "com1") com1.push(b);
    },
  });
  machine.boot(kernel, { kernelName: opts.kernelName ?? "kernel", cmdline: "", modules: opts.modules ?? [] });
  return { machine, com1: () => Buffer.from(com1).toString("latin1") };
}

/** The unix guest as the registry names it. */
export async function bootUnix(ramMiB = 64) {
  const g = findGuest("unix")!;
  return bootMachine(readFileSync(join(ROOT, g.kernel)), {
    ramMiB,
    kernelName: g.kernel,
    modules: g.modules.map((m) => ({ data: readFileSync(join(ROOT, m.path)), cmdline: `${m.path} ${m.args}`.trim() })),
  });
}

/** The unix guest's kernel and modules as src/containers/measure.ts takes them. */
export function unixImage() {
  const g = findGuest("unix")!;
  return {
    kernel: readFileSync(join(ROOT, g.kernel)),
    kernelName: g.kernel,
    modules: g.modules.map((m) => ({ data: readFileSync(join(ROOT, m.path)), cmdline: `${m.path} ${m.args}`.trim() })),
  };
}

/** A shell prompt at the end of a console's text. */
export const PROMPT = /(^|\n)[^\n]*[#$] $/;

/** Run the guest until `done()` or `slices` slices of 500k instructions have passed. */
export function runUntil(mgr: ContainerManager, done: () => boolean, slices = 400): boolean {
  for (let i = 0; i < slices && !done(); i++) {
    if (mgr.machine.runFor(500_000) === "stopped") break;
    mgr.tick();
  }
  return done();
}

/** Type `line` into a container's console and run until its output ends at a prompt again; the new output. */
export function type(mgr: ContainerManager, c: Container, line: string, slices = 400): string {
  const before = c.console!.text().length;
  c.console!.write(line + "\n");
  runUntil(mgr, () => {
    const t = c.console!.text().slice(before);
    return t.includes("\n") && PROMPT.test(t);
  }, slices);
  return c.console!.text().slice(before).replace(/\r/g, "");
}
