// Engine "qemu": qemu-system-i386 with TCG, as in /work/shared/PEERS.md. Timed: the whole QEMU
// process (start-up included, ~80 ms with -nodefaults), measured from spawn to exit.
import { BenchFailure } from "../lib/bench-error.js";
import { tail } from "../lib/engine.js";
import { fromRoot } from "../lib/paths.js";
import { runProcess } from "../lib/process.js";

const QEMU = "qemu-system-i386";
const STATUS_GUEST_EXIT_0 = 1; // isa-debug-exit: (0 << 1) | 1

/** Arguments for booting a Multiboot kernel with COM1 on stdout and isa-debug-exit at 0xF4. */
export function qemuArgs(kernel, append, memMiB) {
  return [
    "-accel", "tcg", "-m", String(memMiB), "-kernel", kernel, "-append", append,
    "-display", "none", "-monitor", "none", "-serial", "stdio", "-nodefaults", "-no-reboot",
    "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
  ];
}

/** @type {import("../lib/engine.js").Engine} */
export const engine = {
  name: "qemu",
  label: "QEMU TCG",
  timed: "whole process, spawn to exit",

  async unavailable() {
    const r = await runProcess(QEMU, ["--version"], { timeoutSeconds: 30 });
    return r.spawnError || r.status !== 0 ? `${QEMU} not found (apt-get install qemu-system-x86)` : null;
  },

  async runOnce(scenario, repeat, { timeoutSeconds }) {
    const args = qemuArgs(fromRoot(scenario.kernel), scenario.cmdline(repeat), scenario.memMiB);
    const r = await runProcess(QEMU, args, { timeoutSeconds });
    if (r.timedOut) throw new BenchFailure(`timed out after ${timeoutSeconds} s`);
    if (r.status !== STATUS_GUEST_EXIT_0) {
      throw new BenchFailure(`exit status ${r.status ?? r.signal}: ${tail(r.stderr.toString()) || "no message"}`);
    }
    return { seconds: r.wallSeconds, wallSeconds: r.wallSeconds, output: r.stdout.toString() };
  },
};
