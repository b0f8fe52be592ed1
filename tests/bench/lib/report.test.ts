// bench/lib/report.js: medians, MIPS, the ratio against tabvisor, record names and tables.
import { describe, expect, it } from "vitest";
import { formatMarkdownTable, formatPartsTable, formatTable, median, recordBaseName, summarise } from "../../../bench/lib/report.js";

const run = (seconds: number, instructions?: number) => ({ seconds, wallSeconds: seconds + 0.1, output: "", ...(instructions ? { instructions } : {}) });

describe("median", () => {
  it("takes the middle of an odd count and the mean of the middle pair of an even count", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
});

describe("summarise", () => {
  const engines = [
    { name: "tabvisor", label: "tabvisor", timed: "t", status: "ok", runs: [run(10, 1_000_000_000), run(12, 1_000_000_000), run(11, 1_000_000_000)] },
    { name: "v86", label: "v86", timed: "t", status: "ok", runs: [run(2), run(3), run(2.2)] },
    { name: "qemu", label: "QEMU", timed: "t", status: "unavailable", reason: "not installed", runs: [] },
  ];
  const rows = summarise(engines, 1_100_000_000);

  it("uses tabvisor's own count for its MIPS and callgrind's count for the peers", () => {
    expect(rows[0].instructionsSource).toBe("self");
    expect(rows[0].mips).toBeCloseTo(1e9 / 11 / 1e6, 9);
    expect(rows[1].instructionsSource).toBe("callgrind");
    expect(rows[1].mips).toBeCloseTo(1.1e9 / 2.2 / 1e6, 9);
  });

  it("gives each engine's speed relative to tabvisor as tabvisor's median time over its own", () => {
    expect(rows[0].vsTabvisor).toBe(1);
    expect(rows[1].vsTabvisor).toBeCloseTo(11 / 2.2, 12);
  });

  it("leaves an engine that did not run without figures but with its reason", () => {
    expect(rows[2]).toMatchObject({ status: "unavailable", reason: "not installed", medianSeconds: null, mips: null, vsTabvisor: null });
  });

  it("has no ratio at all when tabvisor did not run", () => {
    const peersOnly = summarise([engines[1]], 1e9);
    expect(peersOnly[0].vsTabvisor).toBeNull();
    expect(peersOnly[0].mips).toBeCloseTo(1e9 / 2.2 / 1e6, 9);
  });

  it("prints a row per engine that ran and a line for each that did not", () => {
    const text = formatTable(rows);
    expect(text).toMatch(/^tabvisor\s+11\.000\s+10\.000–12\.000\s+90\.9\s+1\.00×$/m);
    expect(text).toMatch(/^v86\s+2\.200\s+2\.000–3\.000\s+500\s+5\.00×$/m);
    expect(text).toMatch(/^QEMU: unavailable \(not installed\)$/m);
    expect(formatMarkdownTable(rows)).toContain("| v86 | 2.200 | 2.000–3.000 | 500 | 5.00× |");
  });
});

describe("recordBaseName", () => {
  it("names a record by UTC date and time, CPU model, core count and scenario", () => {
    const machine = { cpu: "AMD EPYC 9R14 (Zen 4) 96-Core Processor", cores: 2 };
    expect(recordBaseName(new Date("2026-11-22T01:02:03Z"), machine, "cpu")).toBe("2026-11-22T0102Z-amd-epyc-9r14-96-core-processor-2c-cpu");
  });
});

describe("summarise without a callgrind count", () => {
  it("turns the peers' times into MIPS with tabvisor's count, and says so", () => {
    const rows = summarise(
      [
        { name: "tabvisor", label: "tabvisor", timed: "t", status: "ok", runs: [run(4, 400_000_000)] },
        { name: "qemu", label: "QEMU", timed: "t", status: "ok", runs: [run(0.5)] },
      ],
      null,
    );
    expect(rows[1]).toMatchObject({ instructions: 400_000_000, instructionsSource: "tabvisor", mips: 800 });
  });
});

describe("formatPartsTable", () => {
  it("has a MIPS column for every engine that ran in some part and a dash where it did not", () => {
    const part = (name: string, tabSeconds: number | null) =>
      summarise(
        [
          { name: "tabvisor", label: "tabvisor", timed: "t", status: tabSeconds ? "ok" : "failed", runs: tabSeconds ? [run(tabSeconds, 1e8)] : [] },
          { name: "native", label: "native", timed: "t", status: "ok", runs: [run(0.05)] },
        ],
        1e8,
      );
    const text = formatPartsTable([
      { part: "arith", rows: part("arith", 2) },
      { part: "sort", rows: part("sort", null) },
    ]);
    expect(text.split("\n")).toEqual([
      "kernel  tabvisor MIPS  native MIPS",
      "------  -------------  -----------",
      "arith            50.0         2000",
      "sort                —         2000",
    ]);
  });
});
