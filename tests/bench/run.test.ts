// bench/run.js end to end: a small run on the fast engines prints the table and agrees on the
// checksum; bad usage gives one line and exit status 2.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scenarioNames } from "../../bench/lib/scenario.js";

const RUN = join(import.meta.dirname, "../../bench/run.js");
const bench = (...args: string[]) => spawnSync(process.execPath, [RUN, ...args], { timeout: 120000 });

describe("bench/run.js", () => {
  it("runs native and QEMU, prints the table and the agreed checksum, records nothing with --no-record", () => {
    const r = bench("cpu", "--engines", "qemu,native", "--runs", "2", "--repeat", "1", "--no-record");
    const out = r.stdout.toString();
    expect(r.status).toBe(0);
    expect(out).toMatch(/^QEMU TCG\s+\d+\.\d{3}\s+\d+\.\d{3}–\d+\.\d{3}\s+\d+(\.\d)?\s+—$/m);
    expect(out).toMatch(/^native \(same object code\)\s+\d+\.\d{3}/m);
    expect(out).toContain('command line "repeat=1", 2 run(s) per engine, instructions: 161,133,092 (callgrind)');
    expect(out).toContain("checksum 5f761d1d: the same transcript from every engine that ran");
    expect(out).not.toContain("recorded");
  });

  it("--per-kernel runs each kernel alone and tabulates MIPS by kernel", () => {
    const r = bench("cpu", "--per-kernel", "--engines", "native", "--runs", "1", "--repeat", "1");
    const out = r.stdout.toString();
    expect(r.status).toBe(0);
    expect(out).toContain('command line "repeat=1 kernels=sort", 1 run(s) per engine, instructions: 17,597,494 (callgrind)');
    const table = out.slice(out.indexOf("cpu: MIPS by kernel"));
    expect(table.match(/^(arith|calls|copy|sieve|crc32|sort|string|bytecode) +[\d.]+$/gm)).toHaveLength(8);
    expect(out).not.toContain("recorded");
  });

  it.each([
    [["--runs", "x"], "bench: --runs wants a whole number in 1..100, got 'x'\n"],
    [["nosuch"], `bench: unknown scenario 'nosuch' (have: ${scenarioNames().join(", ")})\n`],
    [["cpu", "--repeat", "5000"], "bench: --repeat 5000 is more than scenario cpu allows (1000)\n"],
    [["trap", "--per-kernel"], "bench: scenario trap has no parts to run one by one\n"],
  ])("rejects %j with one line on stderr and exit status 2", (args, message) => {
    const r = bench(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toBe(message);
    expect(r.stdout.toString()).toBe("");
  });
});
