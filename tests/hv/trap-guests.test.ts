// Every guest that runs on bare metal runs deprivileged (trap mode) with the same COM1 output and
// the same way of ending: the built-in guests, and the system-level test kernels of
// tests/fixtures/system run two VMs at once. rings differs only in the checks that a
// sensitive-but-unprivileged instruction gets wrong, and the hypervisor reports those.
import { describe, expect, it } from "vitest";
import { image, runVms, systemKernel, unixModules } from "./trap-harness.js";

const UNIX_SCRIPT = "echo hi | wc\nls /bin\nps\nsigcheck\npoweroff\n";

async function sameAsBare(kernel: Uint8Array, opts: Parameters<typeof runVms>[3] = {}, vms = 2) {
  const bare = await runVms(kernel, 1, "bare", opts);
  const trap = await runVms(kernel, vms, "trap", opts);
  const bareInsns = bare.hv.stats()[0].instructions;
  for (let k = 0; k < vms; k++) {
    expect(trap.out[k], `vm${k}`).toBe(bare.out[0]);
    // the same virtual time: retries the hypervisor causes are not counted
    expect(trap.hv.stats()[k].instructions, `vm${k} instructions`).toBe(bareInsns);
    expect(trap.hv.vms[k].stopped?.reason, `vm${k}`).toBe(bare.hv.vms[0].stopped?.reason);
    expect(trap.hv.vms[k].stopped?.debugExit?.value, `vm${k}`).toBe(bare.hv.vms[0].stopped?.debugExit?.value);
  }
  return { bare, trap };
}

describe("built-in guests: trap mode gives the bare-metal output", () => {
  it("hello", async () => {
    const { bare } = await sameAsBare(image("guests/images/hello.elf"));
    expect(bare.out[0]).toContain("hello");
  });

  it("tick", async () => {
    await sameAsBare(image("guests/images/tick.elf"));
  });

  it("unix with a scripted shell session (pipes, exec, signals, poweroff)", async () => {
    const { bare, trap } = await sameAsBare(image("guests/images/unix.elf"), { modules: unixModules(), input: UNIX_SCRIPT });
    expect(bare.out[0]).toContain("unix: power off");
    const s = trap.hv.stats()[0];
    expect(s.trapExits["mov cr3"]).toBeGreaterThan(5);
    expect(s.shadow!.unshadowed).toBeGreaterThan(0); // freed page tables reused as data stop being shadowed
  });
});

describe("system-level kernels in two trap-mode VMs at once", () => {
  for (const name of ["paging", "exceptions", "irq", "kpages", "dftask", "triple"]) {
    it(`${name}: same output and ending as bare metal`, async () => {
      const { bare } = await sameAsBare(systemKernel(name));
      expect(bare.out[0]).toMatch(/\n(ok|summary)/); // it ran its checks (bare-metal FAILs, if any, are the core's)
    });
  }

  it("paging exercises every part of shadow paging: guest faults, PTE writes, INVLPG, CR3 loads", async () => {
    const trap = await runVms(systemKernel("paging"), 1, "trap");
    const s = trap.hv.stats()[0].shadow!;
    for (const k of ["shadowFaults", "guestFaults", "pteWrites", "cr3Switches", "invlpg"] as const) expect(s[k], k).toBeGreaterThan(0);
  });

  it("dftask: a #DF through a task gate and IRET back through the link pass in trap mode", async () => {
    const trap = await runVms(systemKernel("dftask"), 2, "trap");
    for (let k = 0; k < 2; k++) {
      expect(trap.out[k]).toMatch(/summary: 3 passed, 0 failed/);
      expect(trap.hv.stats()[k].trapExits["task switch"]).toBe(2);
      expect(trap.hv.stats()[k].trapExits["task return"]).toBe(2);
    }
  });

  it("rings: only checks of sensitive-but-unprivileged instructions differ, and those sites are reported", async () => {
    const kernel = systemKernel("rings");
    const bare = await runVms(kernel, 1, "bare");
    const trap = await runVms(kernel, 2, "trap");
    expect(bare.out[0]).toMatch(/summary: \d+ passed, 0 failed/);
    const lines = (s: string) => s.split("\n");
    for (let k = 0; k < 2; k++) {
      const b = lines(bare.out[0]);
      const t = lines(trap.out[k]);
      expect(t.length).toBe(b.length);
      const differing = t.filter((l, i) => l !== b[i] && !l.startsWith("summary:"));
      const names = differing.map((l) => l.replace(/^FAIL /, "").replace(/:.*$/, ""));
      expect(names).toEqual([
        "int gate from ring 3 switches to SS0", //       MOV from SS in the handler reads RPL 1
        "call gate from ring 3", //                      MOV from CS/SS read RPL 1
        "popf at iopl 3 clears IF", //                   POPF with the real IOPL 0
        "pushf in ring 3 shows IF and IOPL", //          PUSHF shows the real IOPL
        "sgdt readable in ring 3", //                    SGDT shows the outer rings' shadow GDT
        "lar/lsl/verr/verw ring-3 code 0x1b", //         LAR sees the shadow descriptor
        "lar/lsl/verr/verw DPL-3 call gate (LAR only)",
      ]);
      const reported = new Set(trap.hv.stats()[k].sensitive.map((s) => s.insn));
      for (const insn of ["mov r/m16,ss", "mov r/m16,cs", "popf", "pushf", "lar", "lsl", "sgdt", "sidt", "str"]) {
        expect(reported.has(insn), insn).toBe(true);
      }
    }
  });
});
