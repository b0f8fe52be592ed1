// Engine "native": the scenario's workload object linked as a static Linux i386 program, run
// directly on the host CPU. Timed: the whole process, spawn to exit.
import { existsSync } from "node:fs";
import { BenchFailure } from "../lib/bench-error.js";
import { tail } from "../lib/engine.js";
import { fromRoot } from "../lib/paths.js";
import { runProcess } from "../lib/process.js";

/** @type {import("../lib/engine.js").Engine} */
export const engine = {
  name: "native",
  label: "native (same object code)",
  timed: "whole process, spawn to exit",

  async unavailable(scenario) {
    if (!scenario.native) return `scenario ${scenario.name} has no native build`;
    if (process.platform !== "linux" || !["x64", "ia32"].includes(process.arch)) return `needs Linux on x86 (have ${process.platform}/${process.arch})`;
    return existsSync(fromRoot(scenario.native)) ? null : `${scenario.native} missing (make -C bench/guests)`;
  },

  async runOnce(scenario, repeat, { timeoutSeconds }) {
    const r = await runProcess(fromRoot(scenario.native), [scenario.cmdline(repeat)], { timeoutSeconds });
    if (r.timedOut) throw new BenchFailure(`timed out after ${timeoutSeconds} s`);
    if (r.status !== 0) throw new BenchFailure(`exit status ${r.status ?? r.signal ?? r.spawnError}: ${tail(r.stderr.toString()) || "no message"}`);
    return { seconds: r.wallSeconds, wallSeconds: r.wallSeconds, output: r.stdout.toString() };
  },
};
