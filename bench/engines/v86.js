// Engine "v86": the v86 npm package in Node with its JIT on (the default). Each run is a fresh
// child process (bench/engines/v86-child.js) so JIT state never carries over between runs.
// Timed: from emulator.run() to the guest's write to port 0xF4.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { BenchFailure } from "../lib/bench-error.js";
import { tail } from "../lib/engine.js";
import { fromRoot } from "../lib/paths.js";
import { runProcess } from "../lib/process.js";

const CHILD = fileURLToPath(new URL("./v86-child.js", import.meta.url));

/** @returns {import("../lib/engine.js").Engine} */
export function v86Engine({ name, label, jit }) {
  return {
    name,
    label,
    timed: "emulator.run() to the guest's port 0xF4 write (machine built beforehand)",

    async unavailable() {
      try {
        createRequire(import.meta.url).resolve("v86/package.json");
        return null;
      } catch {
        return "npm package v86 not installed (npm install)";
      }
    },

    async runOnce(scenario, repeat, { timeoutSeconds }) {
      const config = { kernel: fromRoot(scenario.kernel), cmdline: scenario.cmdline(repeat), memMiB: scenario.memMiB, jit };
      const r = await runProcess(process.execPath, [CHILD, JSON.stringify(config)], { timeoutSeconds, ipc: true });
      const result = r.message;
      if (r.timedOut) throw new BenchFailure(`timed out after ${timeoutSeconds} s`);
      if (!result) throw new BenchFailure(`child exited (${r.status ?? r.signal}) without a result: ${tail(r.stderr.toString()) || "no message"}`);
      if (result.error) throw new BenchFailure(result.error);
      if (result.exitValue !== 0) throw new BenchFailure(`guest exited with value ${result.exitValue}`);
      return { seconds: result.seconds, wallSeconds: r.wallSeconds, output: result.output };
    },
  };
}

export const engine = v86Engine({ name: "v86", label: "v86 (JIT)", jit: true });
