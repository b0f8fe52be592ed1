// The comparison arithmetic of src/containers/measure.ts: touched pages, medians, ratios and
// density, on figures built here (the measured runs are in unix.test.ts and the bench).
import { describe, expect, it } from "vitest";
import { compare, median, touchedPages, type ContainerRun, type VmBoot } from "../../src/containers/measure.js";

describe("touchedPages", () => {
  it("counts 4 KiB pages holding any non-zero byte, a partial last page included", () => {
    const ram = new Uint8Array(5 * 4096 + 1024);
    expect(touchedPages(ram)).toBe(0);
    ram[0] = 1;
    ram[4095] = 1; // same page
    ram[3 * 4096 + 17] = 0x80;
    ram[5 * 4096 + 1000] = 2;
    expect(touchedPages(ram)).toBe(3);
  });
});

describe("compare", () => {
  const vm: VmBoot = { kind: "bare", ramBytes: 128 << 20, instructions: 5_000_000, hostMs: 80, touchedPages: 30_000, usedPages: 600 };
  const run = (cgroupPages: number | null, touchedPerStart: number, freePages: number | null = null): ContainerRun => ({
    freePagesPerContainer: freePages,
    starts: [
      { name: "a", instructions: 40_000, hostMs: 1, firstOutputInstructions: null, cgroupPages },
      { name: "b", instructions: 60_000, hostMs: 3, firstOutputInstructions: null, cgroupPages },
      { name: "c", instructions: 50_000, hostMs: 2, firstOutputInstructions: null, cgroupPages },
    ],
    touchedBefore: 600,
    touchedAfter: 600 + 3 * touchedPerStart,
    touchedPagesPerContainer: touchedPerStart,
    containers: [],
  });

  it("divides VM figures by the median container start", () => {
    const c = compare(vm, run(10, 20));
    expect(c.container.instructions).toBe(50_000);
    expect(c.ratios.instructions).toBe(100);
    expect(c.ratios.hostTime).toBe(40);
  });

  it("charges a container the largest of its cgroup pages, the MemFree drop and the pages touched per start", () => {
    expect(compare(vm, run(10, 20)).container.pages).toBe(20);
    expect(compare(vm, run(30, 20)).container.pages).toBe(30);
    expect(compare(vm, run(10, 2, 40)).container.pages).toBe(40);
    expect(compare(vm, run(null, 12)).ratios.memory).toBe(50);
  });

  it("charges a VM its used pages by meminfo, or its touched pages when meminfo was not read", () => {
    expect(compare(vm, run(10, 0)).ratios.memory).toBe(60);
    expect(compare({ ...vm, usedPages: null }, run(10, 0)).ratios.memory).toBe(3000);
  });

  it("fits VMs at their used pages and containers on one kernel in the given RAM", () => {
    const c = compare(vm, run(null, 20), 600 * 4096 * 10);
    expect(c.fit.vms).toBe(10);
    expect(c.fit.containers).toBe(Math.floor((9 * 600) / 20));
  });

  it("medians of even and odd counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
  });
});
