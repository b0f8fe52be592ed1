// syscheck (guests/unix/user/syscheck.c): the self-check of the system calls behind cheap
// container starts — clone3 (CLONE_VM|CLONE_VFORK, CLONE_INTO_CGROUP, CLONE_NEWCGROUP),
// openat/mkdirat/mknodat, close_range, pivot_root(".", ".") + umount2(".", MNT_DETACH), lazy
// overlay mounts and char devices in container images — run as root in the host namespaces
// on QEMU and on tabvisor; both transcripts must equal the golden one made on QEMU. It runs
// twice, then memory is compared: the second run must give back every page.
//
// Refresh the golden transcript on purpose, from QEMU:
//   UPDATE_GOLDEN=1 npx vitest run tests/guests/syscheck.test.ts
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { engines, guest, hasQemu, runGuest } from "./harness.js";

const goldenUrl = new URL("./golden/syscheck.out", import.meta.url);
const script = ["syscheck", "syscheck > /dev/null; echo status $?", "cat /proc/meminfo", "syscheck > /dev/null", "cat /proc/meminfo", "poweroff"];
const checks = ["clone3", "vfork", "intocg", "at", "atroot", "closerange", "pivot", "overlay", "chrdev", "cow", "cleanup"];

/** The memory lines depend on the loader's memory map (QEMU's BIOS reserves some), nothing else does. */
function normalize(out: string): string {
  return out
    .replace(/^unix: \d+ KiB of memory, \d+ KiB free$/m, "unix: <memory>")
    .replace(/^(MemTotal|MemFree): +\d+ kB$/gm, "$1: <kB>");
}

describe.each(engines)("syscheck on $engine", ({ engine, skip }) => {
  const why = skip ? ` (skipped: ${skip})` : "";

  it.skipIf(skip !== "")(`passes every check, prints the golden transcript and leaks no page${why}`, async () => {
    const golden = readFileSync(goldenUrl, "utf8");
    const r = await runGuest(engine, guest("unix"), { input: script.join("\n") + "\n", timeoutMs: 120_000 });
    expect(r.status).toBe(1);
    const free = [...r.out.matchAll(/^MemFree: +(\d+) kB$/gm)].map((m) => Number(m[1]));
    expect(free).toHaveLength(2);
    expect(free[1]).toBe(free[0]); // the third run gave back what it took (the first warmed kmalloc)
    const out = normalize(r.out);
    if (process.env.UPDATE_GOLDEN && engine === "qemu") writeFileSync(goldenUrl, out);
    expect(out).toBe(readFileSync(goldenUrl, "utf8"));
  });
});

describe("syscheck golden transcript", () => {
  it.skipIf(!hasQemu)("shows every check passing", () => {
    const golden = readFileSync(goldenUrl, "utf8");
    const expected = checks.map((k) => `syscheck: ${k} ok\n`).join("") + "syscheck: ok\n";
    expect(golden).toContain(`# syscheck\n${expected}# `);
    expect(golden).toContain("# syscheck > /dev/null; echo status $?\nstatus 0\n");
    expect(golden).not.toMatch(/FAIL/);
  });
});
