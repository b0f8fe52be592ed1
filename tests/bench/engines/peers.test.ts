// bench/engines: each peer engine runs the cpu scenario's guest to its successful exit and hands
// back the same transcript as the native build (v86 with and without JIT, QEMU TCG).
import { describe, expect, it } from "vitest";
import { scenario } from "../../../bench/scenarios/cpu.js";
import { engine as native } from "../../../bench/engines/native.js";
import { engine as qemu } from "../../../bench/engines/qemu.js";
import { engine as v86 } from "../../../bench/engines/v86.js";
import { engine as v86Interp } from "../../../bench/engines/v86-interp.js";

const LIMITS = { timeoutSeconds: 120, maxInstructions: 1e9 };

describe("peer engines on the cpu scenario (repeat=1)", async () => {
  const reference = await native.runOnce(scenario, 1, LIMITS);

  it("native prints a transcript ending in the checksum line", () => {
    expect(reference.output).toMatch(/^bench cpu repeat=1\n[\s\S]*\nchecksum [0-9a-f]{8}\n$/);
    expect(reference.seconds).toBeGreaterThan(0);
  });

  it.each([qemu, v86, v86Interp])("$name is available and prints the native transcript", async (engine) => {
    expect(await engine.unavailable(scenario)).toBeNull();
    const r = await engine.runOnce(scenario, 1, LIMITS);
    expect(r.output).toBe(reference.output);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.wallSeconds).toBeGreaterThanOrEqual(r.seconds);
  });

  it("v86 reports a guest that exits with a non-zero value as a failure", async () => {
    const bad = { ...scenario, cmdline: () => "repeat=0" };
    await expect(v86.runOnce(bad, 1, LIMITS)).rejects.toThrow("guest exited with value 1");
  });

  it("stops a run at its time limit and reports it (1.6 × 10^9 instructions cannot finish in 1 s without a JIT)", async () => {
    await expect(v86Interp.runOnce(scenario, 10, { timeoutSeconds: 1, maxInstructions: 1e10 })).rejects.toThrow("timed out after 1 s");
  });

  it("QEMU reports a guest that exits with a non-zero value as a failure", async () => {
    const bad = { ...scenario, cmdline: () => "repeat=0" };
    await expect(qemu.runOnce(bad, 1, LIMITS)).rejects.toThrow(/^exit status 3/);
  });
});
