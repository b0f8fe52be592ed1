// The paging scenario (bench/scenarios/paging.js): the CPU-bound guest gives the same transcript and
// instruction count with paging off, with 4 KiB pages and with 4 MiB pages, and the paged runs
// really translate through page tables. Its speed figures are the bench's business, not a test's.
import { describe, expect, it } from "vitest";
// @ts-expect-error plain JS module without types
import { measure, writeIdentityMap } from "../../bench/scenarios/paging.js";

describe("bench scenario paging", () => {
  it("identity maps RAM with page tables (4 KiB) or PSE entries (4 MiB) at the top of RAM", () => {
    const ramBytes = 8 << 20;
    const ram = new Uint8Array(ramBytes);
    const dv = new DataView(ram.buffer);
    const pd = writeIdentityMap(ram, ramBytes, false);
    expect(pd).toBe(ramBytes - 4096 - 2 * 4096);
    const pde1 = dv.getUint32(pd + 4, true);
    expect(pde1 & 0x83).toBe(0x03); // present, writable, not a large page
    expect(dv.getUint32((pde1 & ~0xfff) + 5 * 4, true)).toBe(((1 << 22) | (5 << 12) | 3) >>> 0);
    const pd4m = writeIdentityMap(ram, ramBytes, true);
    expect(pd4m).toBe(ramBytes - 4096);
    expect(dv.getUint32(pd4m + 4, true)).toBe(((1 << 22) | 0x83) >>> 0);
  });

  it("the guest prints one checksum and retires the same instructions in all three modes", async () => {
    const f = await measure({ rounds: 1, repeat: 1 });
    expect(f.checksum).toMatch(/^[0-9a-f]{8}$/);
    expect(f.instructions).toBeGreaterThan(1e8);
    expect(f.off.pageWalks).toBeGreaterThan(0); // identity "walks" fill the TLB too
    expect(f["4k"].pageWalks).toBeGreaterThan(0);
    expect(f["4m"].pageWalks).toBeGreaterThan(0);
  }, 120_000);
});
