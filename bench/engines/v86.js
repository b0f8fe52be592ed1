// Engine "v86": the v86 npm package in Node with its JIT on (the default). Each run is a fresh
// child process (bench/engines/v86-child.js) so JIT state never carries over between runs.
// Timed: from emulator.run() to the guest's write to port 0xF4.
import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { BenchFailure } from "../lib/bench-error.js";
import { fromRoot } from "../lib/paths.js";

const CHILD = new URL("./v86-child.js", import.meta.url);

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

    runOnce(scenario, repeat, { timeoutSeconds }) {
      const config = { kernel: fromRoot(scenario.kernel), cmdline: scenario.cmdline(repeat), memMiB: scenario.memMiB, jit };
      return new Promise((resolve, reject) => {
        const t0 = performance.now();
        // execArgv: [] so that flags given to the parent node (e.g. --input-type) do not reach the child.
        const child = fork(CHILD, [JSON.stringify(config)], { execArgv: [], stdio: ["ignore", "ignore", "pipe", "ipc"] });
        let stderr = "";
        let result = null;
        child.stderr.on("data", (b) => (stderr += b));
        child.on("message", (m) => (result = m));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
        child.on("close", (status, signal) => {
          clearTimeout(timer);
          const wallSeconds = (performance.now() - t0) / 1000;
          if (signal === "SIGKILL" && !result) return reject(new BenchFailure(`timed out after ${timeoutSeconds} s`));
          if (!result) return reject(new BenchFailure(`child exited (${status ?? signal}) without a result: ${stderr.trim().slice(-200) || "no message"}`));
          if (result.error) return reject(new BenchFailure(result.error));
          if (result.exitValue !== 0) return reject(new BenchFailure(`guest exited with value ${result.exitValue}`));
          resolve({ seconds: result.seconds, wallSeconds, output: result.output });
        });
      });
    },
  };
}

export const engine = v86Engine({ name: "v86", label: "v86 (JIT)", jit: true });
