// bench/lib/options.js: the runner's command line.
import { describe, expect, it } from "vitest";
import { parseOptions } from "../../../bench/lib/options.js";

describe("parseOptions", () => {
  it("defaults to every engine, three runs, the scenario's own size, recording on", () => {
    const o = parseOptions([]);
    expect(o.engines.map((e: { name: string }) => e.name)).toEqual(["tabvisor", "v86", "v86-interp", "qemu", "native"]);
    expect(o).toMatchObject({ scenarios: [], runs: 3, repeat: null, record: true, recount: false, perKernel: false });
  });

  it("accepts both --name value and --name=value, and keeps report order for --engines", () => {
    const o = parseOptions(["cpu", "--runs=5", "--repeat", "2", "--engines", "native,tabvisor", "--no-record"]);
    expect(o.engines.map((e: { name: string }) => e.name)).toEqual(["tabvisor", "native"]);
    expect(o).toMatchObject({ scenarios: ["cpu"], runs: 5, repeat: 2, record: false });
  });

  it("--per-kernel never records", () => {
    expect(parseOptions(["--per-kernel"])).toMatchObject({ perKernel: true, record: false });
  });

  it.each([
    [["--runs", "0"], "--runs wants a whole number in 1..100, got '0'"],
    [["--runs"], "option --runs needs a value"],
    [["--repeat", "1e3"], "--repeat wants a whole number in 1..1000000, got '1e3'"],
    [["--engines", "bochs"], "unknown engine 'bochs' (have: tabvisor, v86, v86-interp, qemu, native)"],
    [["--fast"], "unknown option '--fast' (see --help)"],
  ])("rejects %j with one line", (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });
});
