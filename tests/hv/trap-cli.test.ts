// `tabvisor vms` in-process: [vmK] prefixes, exit statuses (0 all exited with 0, 1 otherwise,
// 2 usage), the --stats JSON line, and stdin lines routed to one VM or all.
import { beforeAll, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { root } from "./trap-harness.js";
import type { InStream } from "../../src/cli/io.js";
import { cli } from "../cli/in-process.js";

/** Worker threads run the compiled dist/src/hv/vm-worker.js: build dist/ when older than src/. */
function ensureBuilt(): void {
  const built = join(root, "dist/src/hv/vm-worker.js");
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith(".ts") ? statSync(p).mtimeMs : 0);
    }, 0);
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(root, "src"))) {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
  }
}

describe("tabvisor vms --workers", () => {
  beforeAll(ensureBuilt);

  it("spreads 4 trap-mode VMs over 2 worker threads with the same transcripts as one thread", async () => {
    const one = await cli(["vms", "--guest", "tick", "--count", "4", "--mode", "trap"]);
    const two = await cli(["vms", "--guest", "tick", "--count", "4", "--mode", "trap", "--workers", "2", "--stats"]);
    expect(two.status).toBe(0);
    const byVm = (s: string) => s.split(/\r?\n/).filter(Boolean).sort(); // which VM prints last differs
    expect(byVm(two.stdout)).toEqual(byVm(one.stdout));
    const stats = JSON.parse(two.stderr.trim().split("\n").pop()!);
    expect(stats.workers).toBe(2);
    expect(stats.vms.map((v: { vm: number }) => v.vm)).toEqual([0, 1, 2, 3]);
  });

  it("routes input to the worker that holds the VM", async () => {
    const stdin = Readable.from([Buffer.from("@3 echo three\npoweroff\n")]) as unknown as InStream;
    const r = await cli(["vms", "--guest", "unix", "--count", "4", "--mode", "trap", "--workers", "2"], stdin);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("[vm3] three");
    expect(r.stdout).not.toMatch(/\[vm[012]\] three/);
  });
});

describe("tabvisor vms", () => {
  it("--guest tick --count 2 --mode trap --stats: prefixed lines, status 0, one JSON line with the exits", async () => {
    const r = await cli(["vms", "--guest", "tick", "--count", "2", "--mode", "trap", "--stats"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.every((l) => /^\[vm[01]\] /.test(l))).toBe(true);
    for (const k of [0, 1]) expect(r.stdout).toContain(`[vm${k}] tick: ok 0db08769`);
    const errLines = r.stderr.trimEnd().split("\n");
    // the sensitive instructions found (boot.S's POPF in each VM), then the one JSON line
    expect(errLines.slice(0, -1)).toEqual([
      expect.stringMatching(/^\[vm[01]\] sensitive 0x00100014 popf: POPF at CPL 1/),
      expect.stringMatching(/^\[vm[01]\] sensitive 0x00100014 popf: POPF at CPL 1/),
    ]);
    const stats = JSON.parse(errLines[errLines.length - 1]);
    expect(stats.mode).toBe("trap");
    expect(stats.vms).toHaveLength(2);
    for (const v of stats.vms) {
      expect(v.instructions).toBeGreaterThan(1_000_000);
      expect(v.trapExits.lgdt).toBe(1);
      expect(v.trapExits["mov cr3"]).toBeGreaterThan(0);
      expect(v.shadow.shadowFaults).toBeGreaterThan(0);
      expect(v.worldSwitches).toBeGreaterThan(0);
    }
    expect(stats.totals.exits).toBeGreaterThan(1000);
    expect(stats.totals.exitsPerSecond).toBeGreaterThan(0);
    expect(stats.totals.sensitiveSites).toBeGreaterThan(0);
  });

  it("exits 1 when a VM ends with a non-zero debug-exit value; reports the sensitive sites (popf in trap mode)", async () => {
    const r = await cli(["vms", "--guest", "popf", "--mode", "trap"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("[vm0] popf: 4 of 5 checks broken");
    for (const insn of ["popf", "pushf", "mov r/m16,cs", "sgdt", "smsw"]) expect(r.stderr).toMatch(new RegExp(`^\\[vm0\\] sensitive 0x[0-9a-f]{8} ${insn}: `, "m"));
  });

  it("routes '@K line' to VM K and other lines to every VM", async () => {
    const stdin = Readable.from([Buffer.from("@1 echo only-one\necho every\npoweroff\n")]) as unknown as InStream;
    const r = await cli(["vms", "--guest", "unix", "--count", "2", "--mode", "trap"], stdin);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("[vm1] only-one");
    expect(r.stdout).not.toContain("[vm0] only-one");
    expect(r.stdout).toContain("[vm0] every");
    expect(r.stdout).toContain("[vm1] every");
    expect(r.stdout).toContain("[vm0] unix: power off");
  });

  it.each([
    [["vms"], "needs a KERNEL"],
    [["vms", "--guest", "tick", "--count", "0"], "--count must be between"],
    [["vms", "--guest", "tick", "--mode", "hw"], "--mode must be bare or trap"],
    [["vms", "--guest", "nope"], "unknown guest 'nope'"],
    [["vms", "x.elf", "--guest", "tick"], "not both"],
    [["vms", "/nonexistent.elf"], "cannot read kernel"],
    [["vms", "--guest", "tick", "--count", "2", "--weights", "1"], "--weights needs 2"],
    [["vms", "--guest", "tick", "--quantum", "10"], "--quantum must be between"],
    [["vms", "--guest", "tick", "--mode", "trap", "--count", "64", "--mem", "1024"], "more than one wasm memory holds"],
    [["vms", "--guest", "tick", "--count", "2", "--trace"], "--trace needs --mode trap"],
  ])("usage error %j: one line, status 2", async (argv, msg) => {
    const r = await cli(argv as string[]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(msg);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("--trace prints each trap as it happens", async () => {
    const r = await cli(["vms", "--guest", "hello", "--mode", "trap", "--trace"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^\[vm0\] trap 0x[0-9a-f]{8} out dx,al +io +OUT 0x3f8 ← 0x[0-9a-f]+ \(1 byte\) to the VM's bus \(\d+ ns\)$/m);
    expect(r.stderr).toMatch(/^\[vm0\] trap 0x[0-9a-f]{8} out imm8,al +io +OUT 0xf4/m);
    expect((await cli(["vms", "--guest", "hello", "--trace"])).status).toBe(2);
  });

  it("--help describes the verb", async () => {
    const r = await cli(["vms", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("usage: tabvisor vms (KERNEL | --guest NAME) --count N [--mode trap]");
  });
});
