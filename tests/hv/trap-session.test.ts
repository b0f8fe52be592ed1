// HypervisorSession: the live-view driver (src/hv/session.ts) runs VMs in slices and gives each
// VM's terminal bytes, counters, trap timeline and sensitive-instruction reports between slices.
import { describe, expect, it } from "vitest";
import { loadCoreNode } from "../../src/core/load-node.js";
import { HypervisorSession } from "../../src/hv/session.js";
import { image, MiB } from "./trap-harness.js";

describe("HypervisorSession", () => {
  it("runs two trap-mode tick VMs in slices to the end, with output, counters and timelines between slices", async () => {
    const session = new HypervisorSession({
      core: await loadCoreNode(),
      count: 2,
      mode: "trap",
      guestRamBytes: 16 * MiB,
      kernel: image("guests/images/tick.elf"),
      kernelName: "tick",
      quantum: 100_000,
    });
    const text = ["", ""];
    let slices = 0;
    while (!session.snapshot().finished && slices < 10_000) {
      session.runFor(1);
      session.takeOutput().forEach((b, k) => (text[k] += Buffer.from(b).toString("latin1")));
      slices++;
    }
    expect(session.snapshot().finished).toBe(true);
    for (const t of text) expect(t).toContain("tick: ok 0db08769");
    const view = session.snapshot();
    for (const vm of view.vms) {
      expect(vm.state).toBe("stopped");
      expect(vm.trapExits.io).toBeGreaterThan(100);
      expect(vm.timeline.length).toBeGreaterThan(10);
      const last = vm.timeline[vm.timeline.length - 1];
      expect(last).toMatchObject({ insn: "out imm8,al", reason: "io" }); // the write to isa-debug-exit
      expect(last.action).toContain("OUT 0xf4");
      expect(last.costNs).toBeGreaterThanOrEqual(0);
    }
    const sites = session.takeSites();
    expect(sites.map((s) => [s.vm, s.site.eip, s.site.insn])).toEqual([
      [0, 0x100014, "popf"],
      [1, 0x100014, "popf"],
    ]);
    expect(session.takeSites()).toEqual([]);
  });
});
