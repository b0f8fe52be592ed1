// The honest part: guests/popf relies on POPF, PUSHF, MOV from CS, SGDT and SMSW. Bare metal
// passes every check; deprivileged, four checks break without a single trap, and the hypervisor
// reports each sensitive instruction with its guest address.
import { describe, expect, it } from "vitest";
import { image, runVms } from "./trap-harness.js";
import { decode } from "../../src/hv/emulate/decode.js";

describe("guests/popf", () => {
  it("passes every check on bare metal", async () => {
    const bare = await runVms(image("guests/images/popf.elf"), 1, "bare");
    expect(bare.out[0]).toContain("popf: 0 of 5 checks broken");
    expect(bare.hv.vms[0].stopped?.debugExit?.value).toBe(0);
  });

  it("breaks in trap mode exactly where x86 fails Popek and Goldberg", async () => {
    const trap = await runVms(image("guests/images/popf.elf"), 1, "trap");
    const out = trap.out[0];
    expect(out).toMatch(/popf: popf-cli BROKEN \(\d+ timer interrupts inside the POPF critical section\)/);
    expect(out).toContain("popf: popf-iopl BROKEN (PUSHF reads IOPL 0 after POPF set 3)");
    expect(out).toContain("popf: cs-rpl BROKEN (CS reads 0x9)");
    expect(out).toMatch(/popf: sgdt BROKEN \(SGDT gives base 0x[0-9a-f]+, LGDT loaded/);
    expect(out).toContain("popf: smsw ok"); // the hypervisor mirrors CR0's low word
    expect(out).toContain("popf: 4 of 5 checks broken");
    expect(trap.hv.vms[0].stopped?.debugExit?.value).toBe(1);
  });

  it("reports each sensitive site with its guest address, and the bytes there are that instruction", async () => {
    const trap = await runVms(image("guests/images/popf.elf"), 1, "trap");
    const vm = trap.hv.vms[0];
    const sites = [...vm.trap!.sensitive.sites.values()];
    const kinds = new Set(sites.map((s) => s.insn));
    for (const k of ["popf", "pushf", "mov r/m16,cs", "sgdt", "smsw"]) expect(kinds.has(k), k).toBe(true);
    const ram = vm.machine.cpu.ram(); // paging is off in this guest: linear = guest-physical
    const opcode: Record<string, number[]> = { popf: [0x9d], pushf: [0x9c], "mov r/m16,cs": [0x8c], sgdt: [0x0f, 0x01], smsw: [0x0f, 0x01] };
    for (const s of sites) {
      expect(s.eip).toBeGreaterThanOrEqual(0x100000);
      const insn = decode((i) => ram[s.eip + i]);
      expect(insn, `0x${s.eip.toString(16)}`).not.toBeNull();
      const want = opcode[s.insn];
      const at = [...ram.subarray(s.eip, s.eip + 6)];
      const start = at.findIndex((b) => b === want[0]); // after any prefix bytes
      expect(start, `${s.insn} at 0x${s.eip.toString(16)}`).toBeGreaterThanOrEqual(0);
      expect(at.slice(start, start + want.length)).toEqual(want);
      expect(s.problem.length).toBeGreaterThan(20);
    }
    // the POPF in the critical section (IF cleared by POPF) is among them, once
    expect(sites.filter((s) => s.insn === "popf").length).toBeGreaterThanOrEqual(3);
    expect(new Set(sites.map((s) => s.eip)).size).toBe(sites.length);
  });

  it("the bare machine has no hypervisor and reports nothing", async () => {
    const bare = await runVms(image("guests/images/popf.elf"), 1, "bare");
    expect(bare.hv.vms[0].trap).toBeNull();
    expect(bare.hv.stats()[0].sensitive).toEqual([]);
  });
});
