// The scheduler: round-robin with a quantum and weights; every VM's clock is its own retired
// instructions, so neither the quantum nor the other VMs change what a VM prints or how many
// instructions it retires.
import { describe, expect, it } from "vitest";
import { image, runVms } from "./trap-harness.js";

describe("scheduling", () => {
  it("the quantum does not change any VM's output or instruction count", async () => {
    const kernel = image("guests/images/tick.elf");
    const fine = await runVms(kernel, 3, "trap", { quantum: 20_000 });
    const coarse = await runVms(kernel, 3, "trap", { quantum: 5_000_000 });
    expect(fine.out).toEqual(coarse.out);
    expect(fine.hv.stats().map((s) => s.instructions)).toEqual(coarse.hv.stats().map((s) => s.instructions));
    expect(fine.hv.worldSwitches).toBeGreaterThan(coarse.hv.worldSwitches);
  });

  it("a VM alone or among others retires the same instructions", async () => {
    const kernel = image("guests/images/tick.elf");
    const alone = await runVms(kernel, 1, "trap");
    const crowd = await runVms(kernel, 4, "trap", { quantum: 50_000 });
    for (const s of crowd.hv.stats()) expect(s.instructions).toBe(alone.hv.stats()[0].instructions);
  });

  it("weights give a VM proportionally longer turns", async () => {
    const kernel = image("guests/images/tick.elf");
    const run = await runVms(kernel, 2, "trap", { quantum: 20_000, weights: [1, 4] });
    const [a, b] = run.hv.vms;
    // same work, four times the slice: the heavy VM needs about a quarter of the turns
    expect(b.turns * 3).toBeLessThan(a.turns);
    expect(b.turns * 5).toBeGreaterThan(a.turns);
    expect(run.out[0]).toBe(run.out[1]);
  });
});
