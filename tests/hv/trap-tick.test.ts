// Trap-and-emulate with the tick guest: sixteen deprivileged VMs on one core each print the
// bare-metal checksum, and the exits that made it possible are counted.
import { describe, expect, it } from "vitest";
import { image, runVms } from "./trap-harness.js";

const TICK_OK = "tick: ok 0db08769";

describe("tick in trap mode", () => {
  it("16 trap-mode VMs each print the bare-metal output and checksum", async () => {
    const kernel = image("guests/images/tick.elf");
    const bare = await runVms(kernel, 1, "bare");
    expect(bare.out[0]).toContain(TICK_OK);
    const trap = await runVms(kernel, 16, "trap");
    for (let k = 0; k < 16; k++) {
      expect(trap.hv.vms[k].stopped?.reason, `vm${k}`).toBe("debug-exit");
      expect(trap.hv.vms[k].stopped?.debugExit?.value, `vm${k}`).toBe(0);
      expect(trap.out[k], `vm${k}`).toBe(bare.out[0]);
    }
  });

  it("counts the privileged exits tick needs: descriptor tables, CR3, INVLPG, CLI/STI, I/O, INT, IRQ, IRET", async () => {
    const trap = await runVms(image("guests/images/tick.elf"), 1, "trap");
    const [s] = trap.hv.stats();
    for (const reason of ["lgdt", "lidt", "ltr", "mov cr3", "invlpg", "cli", "sti", "io", "int", "irq", "iret", "#PF shadow", "hlt"]) {
      expect(s.trapExits[reason] ?? 0, reason).toBeGreaterThan(0);
    }
    expect(s.shadow!.cr3Switches).toBe(s.trapExits["mov cr3"]);
    expect(s.shadow!.invlpg).toBe(s.trapExits["invlpg"]);
    expect(s.shadow!.pteWrites).toBeGreaterThan(0); // tick rewrites a live PTE before its INVLPG test
    expect(s.reflected).toBe((s.trapExits["int"] ?? 0) + (s.trapExits["irq"] ?? 0));
  });

  it("gives bare and trap mode the same deterministic output twice in a row", async () => {
    const kernel = image("guests/images/tick.elf");
    const a = await runVms(kernel, 2, "trap");
    const b = await runVms(kernel, 2, "trap");
    expect(a.out).toEqual(b.out);
    expect(a.hv.stats().map((v) => v.instructions)).toEqual(b.hv.stats().map((v) => v.instructions));
  });
});
