// Virtual time: the interrupt-driven irq kernel (PIT on IRQ0 waking HLT, RTC IRQ8, UART IRQ4,
// polling PIT channel 2) gives the same COM1 output and the same retired-instruction count on
// every run (--stats "instructions"), at every optimisation level.
import { describe, expect, it } from "vitest";
import { OPTS, runTabvisor, tabvisorUnavailable } from "./harness.js";

function stats(err: string): { instructions: number; exits: Record<string, number>; reason: string } {
  const line = err
    .trim()
    .split("\n")
    .find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no --stats line in: ${err}`);
  return JSON.parse(line);
}

describe("deterministic virtual time", () => {
  it.skipIf(tabvisorUnavailable !== "").each(OPTS.map((o) => `irq-${o}`))(
    `%s: two runs give identical output and instruction counts ${tabvisorUnavailable ? `(skipped: ${tabvisorUnavailable})` : ""}`,
    (name) => {
      const a = runTabvisor(name, ["--stats"]);
      const b = runTabvisor(name, ["--stats"]);
      expect(a.status).toBe(1);
      expect(b.out).toBe(a.out);
      const sa = stats(a.err);
      const sb = stats(b.err);
      expect(sa.reason).toBe("debug-exit");
      expect(sa.exits.hlt).toBeGreaterThanOrEqual(12); // 10 PIT wake-ups, PIT mode 0, the RTC
      expect(sb.instructions).toBe(sa.instructions);
      expect(sb.exits).toEqual(sa.exits);
    },
    60_000,
  );
});
