// The bare machine end to end: fixture kernels (tests/fixtures/kernels) on the real wasm core,
// with and without the PC platform. Needs build/tabvisor.wasm (npm run build:core).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as L from "../../assembly/layout.js";
import { loadCoreNode } from "../../src/core/load-node.js";
import { GuestRamError } from "../../src/core/core.js";
import { Machine, type MachineOptions, type OutputSource } from "../../src/hv/vm.js";
import { Platform } from "../../src/devices/platform.js";
import type { MultibootModule } from "../../src/hv/multiboot.js";

const fixturePath = (name: string) => fileURLToPath(new URL(`../fixtures/kernels/${name}`, import.meta.url));
const fixture = (name: string) => readFileSync(fixturePath(name));
const MiB = 1 << 20;

interface Booted {
  vm: Machine;
  out: () => string;
  outputs: Record<OutputSource, number[]>;
}

async function boot(
  kernel: string,
  opts: Partial<Omit<MachineOptions, "core" | "onOutput">> & { cmdline?: string; modules?: MultibootModule[]; pc?: boolean } = {},
): Promise<Booted> {
  const outputs: Record<OutputSource, number[]> = { com1: [], com2: [], debugcon: [] };
  const ramBytes = opts.ramBytes ?? 16 * MiB;
  const vm = new Machine({
    core: await loadCoreNode(),
    ramBytes,
    maxInstructions: opts.maxInstructions ?? 50_000_000,
    platform: opts.pc === false ? undefined : (bus) => new Platform(bus, { ramBytes }),
    onOutput: (src, b) => outputs[src].push(b),
  });
  vm.boot(fixture(kernel), { kernelName: kernel, cmdline: opts.cmdline, modules: opts.modules });
  return { vm, outputs, out: () => Buffer.from(outputs.com1).toString("latin1") };
}

describe("entry state", () => {
  it("enters the kernel with EAX=0x2BADB002, EBX=info, GDTR at the loader's GDT, IF=0", async () => {
    const { vm } = await boot("hello.elf");
    const cpu = vm.cpu;
    expect(cpu.reg(L.REG_EAX)).toBe(0x2badb002);
    expect(cpu.reg(L.REG_EBX)).toBe(0x9000 + 32);
    expect(cpu.eip).toBe(0x10000c);
    expect(cpu.gdtr).toEqual({ base: 0x9000, limit: 23 });
    expect(cpu.eflags & L.EFLAGS_IF).toBe(0);
    expect(cpu.cr0 & (L.CR0_PE | L.CR0_PG)).toBe(L.CR0_PE);
    expect(cpu.segment(L.SEG_CS).selector).toBe(0x08);
    expect(cpu.segment(L.SEG_DS).selector).toBe(0x10);
  });
});

describe("exits", () => {
  it("hello: prints on COM1 and ends through isa-debug-exit with value 0 → status 1", async () => {
    const { vm, out } = await boot("hello.elf");
    const stop = vm.runToEnd();
    expect(out()).toBe("Hello from a Multiboot kernel on COM1\n");
    expect(stop.reason).toBe("debug-exit");
    expect(stop.debugExit).toEqual({ value: 0, status: 1 });
    expect(vm.stats().exits.io).toBeGreaterThan(38);
  });

  it("a 32-bit OUT to 0xF4 passes the whole value: 0x2a → status 85", async () => {
    const { vm } = await boot("exit-code.elf");
    expect(vm.runToEnd().debugExit).toEqual({ value: 0x2a, status: 85 });
  });

  it("stops an endless loop at exactly maxInstructions", async () => {
    const { vm } = await boot("loop.elf", { maxInstructions: 123_457 });
    const stop = vm.runToEnd(10_000);
    expect(stop.reason).toBe("max-instructions");
    expect(stop.message).toMatch(/123457 instructions/);
    expect(vm.cpu.insnCount).toBe(123_457n);
  });

  it("cli; hlt halts for good", async () => {
    const { vm, out } = await boot("halt.elf");
    const stop = vm.runToEnd();
    expect(out()).toBe("halting\n");
    expect(stop.reason).toBe("halted");
    expect(stop.message).toMatch(/interrupts disabled/);
  });

  it("sti; hlt with every IRQ masked halts for good", async () => {
    const { vm } = await boot("sti-halt.elf");
    const stop = vm.runToEnd();
    expect(stop.reason).toBe("halted");
    expect(stop.message).toMatch(/interrupts enabled/);
  });

  it("sti; hlt on a machine without a platform halts for good", async () => {
    const { vm } = await boot("pit-unhandled.elf", { pc: false });
    expect(vm.runToEnd().reason).toBe("halted");
  });

  it("UD2 with an empty IDT is a triple fault", async () => {
    const { vm } = await boot("triple-fault.elf");
    const stop = vm.runToEnd();
    expect(stop.reason).toBe("triple-fault");
    expect(stop.message).toMatch(/^triple fault: .* at EIP 0x[0-9a-f]+/);
  });

  it("the power-on PIT interrupt on vector 8 with no IDT is a triple fault, as under QEMU", async () => {
    const { vm } = await boot("pit-unhandled.elf");
    expect(vm.runToEnd().reason).toBe("triple-fault");
    expect(vm.stats().exits.hlt).toBe(1);
  });
});

describe("Multiboot information seen by a guest", () => {
  it("mbinfo checks itself and prints what it was given", async () => {
    const m1 = new TextEncoder().encode("abc");
    const m2 = fixture("mb.h");
    const { vm, out } = await boot("mbinfo.elf", {
      ramBytes: 64 * MiB,
      cmdline: "foo=bar baz",
      modules: [
        { data: m1, cmdline: "/tmp/m1.txt arg1 arg2" },
        { data: m2, cmdline: "mb.h" },
      ],
    });
    const stop = vm.runToEnd();
    const hash = (b: Uint8Array) => b.reduce((h, x) => (Math.imul(h, 31) + x) >>> 0, 0);
    expect(out()).toBe(
      [
        "magic=0x2badb002",
        "flags=0x24d",
        "mem_lower=639 mem_upper=64512",
        "cmdline='mbinfo.elf foo=bar baz'",
        "boot_loader_name='tabvisor'",
        "mods_count=2",
        `mod 0 len=3 hash=0x${hash(m1).toString(16)} string='/tmp/m1.txt arg1 arg2'`,
        `mod 1 len=${m2.length} hash=0x${hash(m2).toString(16)} string='mb.h'`,
        "mmap base=0x0 length=0x9fc00 type=1",
        "mmap base=0x9fc00 length=0x400 type=2",
        "mmap base=0xf0000 length=0x10000 type=2",
        "mmap base=0x100000 length=0x3f00000 type=1",
        "result=ok",
        "",
      ].join("\n"),
    );
    expect(stop.debugExit).toEqual({ value: 0, status: 1 });
  });

  it("a flat a.out-kludge kernel runs", async () => {
    const { vm, out } = await boot("aout.bin");
    expect(vm.runToEnd().debugExit?.value).toBe(0);
    expect(out()).toBe("a.out kludge kernel loaded\n");
  });
});

describe("interrupts through the platform", () => {
  it("timer: PIT IRQ0 wakes sti; hlt three times and RDTSC covers the skipped time", async () => {
    const { vm, out } = await boot("timer.elf");
    const stop = vm.runToEnd();
    expect(out()).toBe("ttt\n3 ticks\n");
    expect(stop.debugExit?.value).toBe(0);
    expect(vm.stats().exits.hlt).toBe(3);
    expect(vm.cpu.tscOffset).toBeGreaterThan(2_000_000n); // ≥ 3 × ~10 ms at 100e6/s, minus run time
    expect(vm.cpu.u32(L.STATE_STAT_INTERRUPTS)).toBe(3);
  });

  it("irq-echo: COM1 input raises IRQ4 and wakes the halted CPU", async () => {
    const { vm, out } = await boot("irq-echo.elf");
    vm.receiveInput(Buffer.from("abc."));
    expect(vm.runToEnd().debugExit?.value).toBe(0);
    expect(out()).toBe("ABC");
  });

  it("irq-echo waits for input while the host keeps it open, then continues", async () => {
    const { vm, out } = await boot("irq-echo.elf");
    vm.inputOpen = true;
    expect(vm.runFor(1_000_000)).toBe("waiting");
    expect(vm.runFor(1_000_000)).toBe("waiting");
    const waitedAt = vm.cpu.insnCount;
    vm.receiveInput(Buffer.from("hi"));
    expect(vm.runFor(1_000_000)).toBe("waiting");
    expect(out()).toBe("HI");
    expect(vm.cpu.insnCount).toBeGreaterThan(waitedAt);
    vm.receiveInput(Buffer.from("."));
    expect(vm.runFor(1_000_000)).toBe("stopped");
    expect(vm.stopped?.debugExit?.value).toBe(0);
  });

  it("irq-echo stops as halted once input has ended", async () => {
    const { vm } = await boot("irq-echo.elf");
    vm.inputOpen = true;
    expect(vm.runFor()).toBe("waiting");
    vm.inputOpen = false;
    expect(vm.runFor()).toBe("stopped");
    expect(vm.stopped?.reason).toBe("halted");
  });

  it("echo: polled COM1 input", async () => {
    const { vm, out } = await boot("echo.elf", { pc: false });
    vm.receiveInput(Buffer.from("Hello, world."));
    expect(vm.runToEnd().debugExit?.value).toBe(0);
    expect(out()).toBe("HELLO, WORLD");
  });
});

describe("determinism and slicing", () => {
  it("the same kernel gives the same output and instruction count, whatever the slice size", async () => {
    const runs = [];
    for (const slice of [4_000_000, 7, 1]) {
      const { vm, out } = await boot("timer.elf");
      const stop = vm.runToEnd(slice);
      runs.push({ out: out(), count: vm.cpu.insnCount, reason: stop.reason, tsc: vm.cpu.tscOffset });
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  it("runFor returns 'running' after exactly its slice when nothing stops the guest", async () => {
    const { vm } = await boot("loop.elf", { pc: false });
    expect(vm.runFor(1000)).toBe("running");
    expect(vm.cpu.insnCount).toBe(1000n);
    expect(vm.runFor(2345)).toBe("running");
    expect(vm.cpu.insnCount).toBe(3345n);
  });

  it("reports statistics: instructions, host seconds, MIPS, exits by reason", async () => {
    const { vm } = await boot("loop.elf", { maxInstructions: 1_000_000, pc: false });
    vm.runToEnd(100_000);
    const s = vm.stats();
    expect(s.instructions).toBe(1_000_000);
    expect(s.exits.budget).toBe(10);
    expect(s.seconds).toBeGreaterThan(0);
    expect(s.mips).toBeCloseTo(s.instructions / s.seconds / 1e6, 6);
  });
});

describe("bad configuration", () => {
  it("refuses RAM sizes that are not whole pages or below 2 MiB", async () => {
    const core = await loadCoreNode();
    expect(() => new Machine({ core, ramBytes: MiB })).toThrow(/at least 2 MiB/);
    expect(() => new Machine({ core, ramBytes: 4 * MiB + 1 })).toThrow(RangeError);
  });

  it("reports guest RAM that wasm memory cannot hold (4 GiB minus the core's own area)", async () => {
    const core = await loadCoreNode();
    expect(() => new Machine({ core, ramBytes: 0xfff00000 })).toThrow(GuestRamError);
    expect(() => new Machine({ core, ramBytes: 0xfff00000 })).toThrow(/cannot allocate 4095 MiB/);
  });
});
