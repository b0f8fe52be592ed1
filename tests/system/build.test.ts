// The committed system kernels (tests/fixtures/system/images) are rebuilt byte-identical from
// source in another directory (no build path or build ID leaks into them), and a missing 32-bit
// toolchain gives one line naming what to install.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IMAGES, fixtures } from "./harness.js";

function toolchainMissing(): string {
  const probe = spawnSync("sh", ["-c", "echo 'int x;' | gcc -m32 -march=i686 -x c -c - -o /dev/null"], { stdio: "ignore" });
  if (probe.status !== 0) return "gcc -m32 cannot build (apt-get install gcc-multilib)";
  for (const tool of ["make", "ld"]) if (spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status !== 0) return `${tool} is not installed`;
  return "";
}

const missing = toolchainMissing();
const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/** A copy of the sources, without build products or images. */
function copyOfSources(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "tabvisor-system-")), "system");
  scratch.push(dirname(dir));
  cpSync(fixtures, dir, {
    recursive: true,
    filter: (src) => !src.startsWith(join(fixtures, "build")) && !src.startsWith(join(fixtures, "images")) && !src.startsWith(join(fixtures, "golden")),
  });
  return dir;
}
function dirname(p: string): string {
  return p.slice(0, p.lastIndexOf("/"));
}

describe("system kernel images", () => {
  it("are committed for every kernel and optimisation level", () => {
    expect(readdirSync(join(fixtures, "images")).sort()).toEqual(IMAGES.map((n) => `${n}.elf`).sort());
  });

  it.skipIf(missing !== "")(`rebuild byte-identical from source ${missing ? `(skipped: ${missing})` : ""}`, () => {
    const src = copyOfSources();
    const r = spawnSync("make", ["-s", "-C", src, "-j4"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(src, "images")).sort()).toEqual(IMAGES.map((n) => `${n}.elf`).sort());
    for (const name of IMAGES) {
      const same = readFileSync(join(src, "images", `${name}.elf`)).equals(readFileSync(join(fixtures, "images", `${name}.elf`)));
      expect(same, `${name}.elf differs: run make -C tests/fixtures/system and commit images/`).toBe(true);
    }
  }, 120_000);

  it("with no 32-bit gcc, make fails with one line naming gcc-multilib", () => {
    const src = copyOfSources();
    const r = spawnSync("make", ["-s", "-C", src, "CC=/nonexistent/gcc"], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("system:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/apt-get install gcc-multilib/);
  });
});
