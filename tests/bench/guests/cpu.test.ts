// bench/guests: the committed benchmark binaries are what the sources build, and the workload's
// transcript and command-line handling are as documented (native build and QEMU).
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { qemuArgs } from "../../../bench/engines/qemu.js";

const GUESTS = join(import.meta.dirname, "../../../bench/guests");
const NATIVE = join(GUESTS, "cpu-native");
const ELF = join(GUESTS, "cpu.elf");

// The transcript for repeat=1 (golden; it changes only when workload.c does).
const REPEAT_1 = `bench cpu repeat=1
arith ab6e3a84
calls d7bc1c91
copy d6eb4939
sieve 92702ff1
crc32 d8fc7ada
sort 25e77218
string 5f51ce4b
bytecode 2a01a520
checksum 5f761d1d
`;

describe("bench/guests build", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-guests-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rebuilds cpu.elf and cpu-native byte for byte from the committed sources", () => {
    for (const f of readdirSync(GUESTS)) if (/\.(c|h|S|ld)$|^Makefile$/.test(f)) copyFileSync(join(GUESTS, f), join(dir, f));
    execFileSync("make", ["-s", "-C", dir], { stdio: "pipe" });
    expect(readFileSync(join(dir, "cpu.elf")).equals(readFileSync(ELF))).toBe(true);
    expect(readFileSync(join(dir, "cpu-native")).equals(readFileSync(NATIVE))).toBe(true);
  });
});

describe("cpu-native", () => {
  it("prints one line per kernel and the checksum for repeat=1", () => {
    const r = spawnSync(NATIVE, ["repeat=1"]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(REPEAT_1);
  });

  it("finds repeat= anywhere in the command line", () => {
    const r = spawnSync(NATIVE, ["bench/guests/cpu.elf repeat=1"]);
    expect(r.stdout.toString()).toBe(REPEAT_1);
  });

  it("runs only the kernels named by kernels=, in table order, with the same per-kernel values", () => {
    const r = spawnSync(NATIVE, ["kernels=sort,arith repeat=1"]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("bench cpu repeat=1 kernels=arith,sort\narith ab6e3a84\nsort 25e77218\nchecksum 82e3af28\n");
  });

  it.each(["repeat=0", "repeat=1001", "repeat=x", "repeat=3z"])("rejects %s with one line and exit status 2", (arg) => {
    const r = spawnSync(NATIVE, [arg]);
    expect(r.status).toBe(2);
    expect(r.stdout.toString()).toBe("");
    expect(r.stderr.toString()).toBe("bench: bad repeat= on the command line (want 1..1000)\n");
  });

  it.each(["kernels=", "kernels=sort,", "kernels=fft", "kernels=sortx"])("rejects %s with one line naming the kernels", (arg) => {
    const r = spawnSync(NATIVE, [arg]);
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toBe("bench: bad kernels= on the command line (want names from: arith calls copy sieve crc32 sort string bytecode)\n");
  });
});

describe("cpu.elf under QEMU", () => {
  const qemu = (append: string) => spawnSync("qemu-system-i386", qemuArgs(ELF, append, 64), { timeout: 60000 });

  it("prints the same transcript as the native build and exits through port 0xF4 with 0", () => {
    const r = qemu("repeat=1");
    expect(r.stdout.toString()).toBe(REPEAT_1);
    expect(r.status).toBe(1); // (0 << 1) | 1
  });

  it("reports a bad command line on COM1 and exits with 1", () => {
    const r = qemu("repeat=0");
    expect(r.stdout.toString()).toBe("bench: bad repeat= on the command line (want 1..1000)\n");
    expect(r.status).toBe(3); // (1 << 1) | 1
  });
});
