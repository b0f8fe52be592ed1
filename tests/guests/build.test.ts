// The committed guest images are rebuilt byte-identical from source (in another directory, so
// no path leaks into them), and a missing toolchain gives one line naming what to install.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "./harness.js";

const guests = join(packageRoot, "guests");

function toolchainMissing(): string {
  const probe = spawnSync("sh", ["-c", "echo 'int x;' | gcc -m32 -march=i686 -x c -c - -o /dev/null"], { stdio: "ignore" });
  if (probe.status !== 0) return "gcc -m32 cannot build (apt-get install gcc-multilib)";
  for (const tool of ["make", "ld", "python3"])
    if (spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status !== 0) return `${tool} is not installed`;
  return "";
}

const missing = toolchainMissing();
const scratch: string[] = [];

/** A copy of guests/ without build products. */
function copyOfSources(): string {
  const dir = mkdtempSync(join(tmpdir(), "tabvisor-guests-"));
  scratch.push(dir);
  cpSync(guests, join(dir, "guests"), {
    recursive: true,
    filter: (src) => !src.startsWith(join(guests, "build")) && !src.startsWith(join(guests, "images")),
  });
  return join(dir, "guests");
}

afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe("guest images", () => {
  it.skipIf(missing !== "")(`rebuild byte-identical to the committed ones ${missing ? `(skipped: ${missing})` : ""}`, () => {
    const src = copyOfSources();
    const r = spawnSync("make", ["-C", src, "-j2"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const committed = readdirSync(join(guests, "images")).sort();
    expect(readdirSync(join(src, "images")).sort()).toEqual(committed);
    expect(committed).toEqual(expect.arrayContaining(["hello.elf", "tick.elf", "unix-root.img", "unix.elf"]));
    for (const name of committed) {
      const same = readFileSync(join(src, "images", name)).equals(readFileSync(join(guests, "images", name)));
      expect(same, `${name} differs from the committed image: run npm run build:guests and commit guests/images`).toBe(true);
    }
  });

  it.each([
    ["CC=/nonexistent/gcc", "gcc-multilib"],
    ["LD=/nonexistent/ld", "binutils"],
    ["PYTHON=/nonexistent/python3", "python3"],
  ])("with %s, make fails with one line naming %s", (override, pkg) => {
    const src = copyOfSources();
    const r = spawnSync("make", ["-s", "-C", src, override], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("guests:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`apt-get install .*${pkg}`));
  });
});
