// Engine "tabvisor": `node bin/tabvisor.js run KERNEL --stats` (the wasm interpreter). Timed: the
// host time inside the machine's run loop, as its --stats line reports; the guest's instruction
// count is tabvisor's own retired-instruction counter.
import { existsSync } from "node:fs";
import { BenchFailure } from "../lib/bench-error.js";
import { tail } from "../lib/engine.js";
import { fromRoot } from "../lib/paths.js";
import { runProcess } from "../lib/process.js";

const CLI = "bin/tabvisor.js";
const NEEDS = ["build/tabvisor.wasm", "dist/src/cli/main.js", CLI];
const STATUS_GUEST_EXIT_0 = 1; // isa-debug-exit: (0 << 1) | 1

/** @type {import("../lib/engine.js").Engine} */
export const engine = {
  name: "tabvisor",
  label: "tabvisor (interpreter)",
  timed: "host time inside the run loop (--stats seconds)",

  async unavailable() {
    const missing = NEEDS.filter((p) => !existsSync(fromRoot(p)));
    return missing.length ? `not built: ${missing.join(", ")} missing (npm run build)` : null;
  },

  async runOnce(scenario, repeat, { timeoutSeconds, maxInstructions }) {
    const args = [
      fromRoot(CLI), "run", fromRoot(scenario.kernel),
      "--cmdline", scenario.cmdline(repeat),
      "--mem", String(scenario.memMiB),
      "--max-instructions", String(maxInstructions),
      "--stats",
    ];
    const r = await runProcess(process.execPath, args, { timeoutSeconds });
    const stderr = r.stderr.toString();
    if (r.timedOut) throw new BenchFailure(`timed out after ${timeoutSeconds} s`);
    const statsLine = stderr.split("\n").reverse().find((l) => l.startsWith("{"));
    let stats = null;
    try {
      stats = statsLine ? JSON.parse(statsLine) : null;
    } catch {
      // reported below
    }
    if (r.status !== STATUS_GUEST_EXIT_0) {
      const why = stats?.reason ? `${stats.reason}` : `exit status ${r.status ?? r.signal}`;
      throw new BenchFailure(`${why}: ${tail(stderr.replace(statsLine ?? "", "")) || "no message"}`);
    }
    if (!stats || typeof stats.instructions !== "number" || typeof stats.seconds !== "number") {
      throw new BenchFailure(`no --stats JSON line on stderr: ${tail(stderr) || "empty"}`);
    }
    return { seconds: stats.seconds, wallSeconds: r.wallSeconds, output: r.stdout.toString(), instructions: stats.instructions };
  },
};
