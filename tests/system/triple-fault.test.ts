// A triple fault (tests/fixtures/system/triple.c: empty IDT, then UD2) stops the machine. The two
// engines report the shutdown differently, on purpose: tabvisor exits with status 3 and one
// "triple fault" line naming the exception it could not deliver (docs/cli.md); QEMU with
// -no-reboot turns the shutdown into a reset and exits 0. The COM1 transcript up to the fault is
// the same.
import { describe, expect, it } from "vitest";
import { OPTS, golden, hasQemu, qemuStatuses, runQemu, runTabvisor, tabvisorUnavailable } from "./harness.js";

const images = OPTS.map((o) => `triple-${o}`);

describe("triple fault", () => {
  it.skipIf(tabvisorUnavailable !== "").each(images)(
    `%s: tabvisor prints QEMU's transcript, then exits 3 with a triple-fault line ${tabvisorUnavailable ? `(skipped: ${tabvisorUnavailable})` : ""}`,
    (name) => {
      const r = runTabvisor(name);
      expect(r.out).toBe(golden(name));
      expect(r.out.trimEnd().split("\n").at(-1)).toBe("triple: empty IDT, then UD2");
      expect(r.status).toBe(3);
      const lines = r.err.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/triple fault/);
      expect(r.err).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    },
    60_000,
  );

  it("the golden records QEMU's status 0 (-no-reboot: shutdown becomes a reset, then exit)", () => {
    for (const name of images) expect(qemuStatuses().get(name), name).toBe(0);
  });

  it.skipIf(!hasQemu).each(images)(`%s: QEMU exits 0 after the same transcript ${hasQemu ? "" : "(skipped: no qemu-system-i386)"}`, (name) => {
    const r = runQemu(name);
    expect(r.out).toBe(golden(name));
    expect(r.status).toBe(0);
  }, 60_000);
});
