// bench/engines/tabvisor.js: tabvisor runs the cpu scenario's guest to its successful exit, prints
// the native transcript and retires within 0.01 % of callgrind's count of the native build
// (needs `npm run build`, which `npm test` does first).
import { describe, expect, it } from "vitest";
import { scenario } from "../../../bench/scenarios/cpu.js";
import { engine as native } from "../../../bench/engines/native.js";
import { engine as tabvisor } from "../../../bench/engines/tabvisor.js";
import { callgrindCount } from "../../../bench/lib/instructions.js";

const LIMITS = { timeoutSeconds: 300, maxInstructions: 1e9 };

describe("tabvisor engine on the cpu scenario (repeat=1)", () => {
  it("is available once built", async () => {
    expect(await tabvisor.unavailable(scenario)).toBeNull();
  });

  it("prints the native transcript and counts the instructions callgrind counts", async () => {
    const [own, reference, counted] = await Promise.all([
      tabvisor.runOnce(scenario, 1, LIMITS),
      native.runOnce(scenario, 1, LIMITS),
      callgrindCount(scenario, 1),
    ]);
    expect(own.output).toBe(reference.output);
    expect(own.seconds).toBeGreaterThan(0);
    expect(counted, "callgrind count for repeat=1 recorded in bench/results/instruction-counts.json").not.toBeNull();
    const callgrind = counted!.record.instructions;
    expect(Math.abs(own.instructions! - callgrind) / callgrind).toBeLessThan(1e-4);
  });

  it("reports --max-instructions reached as a failure, not a result", async () => {
    await expect(tabvisor.runOnce(scenario, 1, { timeoutSeconds: 60, maxInstructions: 1_000_000 })).rejects.toThrow(/^max-instructions: /);
  });
});
