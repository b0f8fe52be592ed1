// The guest registry names real, committed images and maps them to `tabvisor run` arguments.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findGuest, GUESTS, guestNames, guestRunArgs } from "../../src/guests/registry.js";
import { packageRoot } from "./harness.js";

describe("guest registry", () => {
  it("has hello, tick and unix first, and unique names", () => {
    expect(guestNames().slice(0, 3)).toEqual(["hello", "tick", "unix"]);
    expect(new Set(guestNames()).size).toBe(GUESTS.length);
  });

  it.each(GUESTS.map((g) => [g.name, g] as const))("%s: kernel and modules exist and the kernel is an ELF32 i386 image", (_name, g) => {
    const kernel = readFileSync(`${packageRoot}/${g.kernel}`);
    expect([...kernel.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(kernel[4]).toBe(1); // ELFCLASS32
    expect(kernel.readUInt16LE(18)).toBe(3); // EM_386
    for (const m of g.modules) expect(existsSync(`${packageRoot}/${m.path}`)).toBe(true);
    expect(g.description.length).toBeGreaterThan(10);
  });

  it("returns undefined for an unknown name", () => {
    expect(findGuest("nope")).toBeUndefined();
  });

  it("gives unix as kernel plus the root module ('root') and the container images ('image NAME')", () => {
    expect(guestRunArgs(findGuest("unix")!)).toEqual([
      "guests/images/unix.elf",
      "--module",
      "guests/images/unix-root.img=root",
      "--module",
      "guests/images/minimal.img=image minimal",
      "--module",
      "guests/images/service.img=image service",
    ]);
    expect(guestRunArgs(findGuest("hello")!, "/pkg/")).toEqual(["/pkg/guests/images/hello.elf"]);
  });
});
