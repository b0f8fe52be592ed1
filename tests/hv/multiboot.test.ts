// Multiboot v1 loader: images built in memory or from tests/fixtures/kernels, loaded into a plain
// RAM array; every malformed input must give its typed error.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  BOOT_BLOCK_PREFERRED,
  MBI_BOOT_LOADER_NAME,
  MBI_CMDLINE,
  MBI_FLAGS,
  MBI_MEM_LOWER,
  MBI_MEM_UPPER,
  MBI_MMAP_ADDR,
  MBI_MMAP_LENGTH,
  MBI_MODS_ADDR,
  MBI_MODS_COUNT,
  MultibootError,
  findMultibootHeader,
  loadMultiboot,
  type MultibootErrorCode,
  type MultibootOptions,
} from "../../src/hv/multiboot.js";
import { buildAout, buildElf, bytes, filled, mbHeader } from "./images.js";

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/kernels/${name}`, import.meta.url)));
const MiB = 1 << 20;

function ramOf(mib: number, fill = 0): Uint8Array {
  return new Uint8Array(mib * MiB).fill(fill);
}
const u32 = (ram: Uint8Array, at: number) => new DataView(ram.buffer, ram.byteOffset).getUint32(at, true);
const u64 = (ram: Uint8Array, at: number) => new DataView(ram.buffer, ram.byteOffset).getBigUint64(at, true);
function cstr(ram: Uint8Array, at: number): string {
  let end = at;
  while (ram[end] !== 0) end++;
  return new TextDecoder().decode(ram.subarray(at, end));
}
function loadError(image: Uint8Array, ram = ramOf(4), opts: Partial<MultibootOptions> = {}): MultibootErrorCode {
  try {
    loadMultiboot(ram, image, { kernelName: "k", ...opts });
  } catch (e) {
    expect(e).toBeInstanceOf(MultibootError);
    expect((e as Error).message).not.toMatch(/\n/);
    return (e as MultibootError).code;
  }
  throw new Error("image loaded although it is malformed");
}

const code = bytes(0xf4, 0xeb, 0xfd); // hlt; jmp $-1

describe("ELF kernels", () => {
  it("loads hello.elf's segments at their physical addresses and enters at e_entry", () => {
    const image = fixture("hello.elf");
    const ram = ramOf(8);
    const entry = loadMultiboot(ram, image, { kernelName: "hello.elf" });
    const eEntry = new DataView(image.buffer, image.byteOffset).getUint32(24, true);
    expect(entry.format).toBe("elf");
    expect(entry.entry).toBe(eEntry);
    expect(entry.eax).toBe(0x2badb002);
    expect(entry.kernel.start).toBeLessThanOrEqual(0x100000); // ld may put the ELF headers in a segment below .text
    // the Multiboot magic sits at the start of .text, which is loaded at 0x100000
    expect(u32(ram, 0x100000)).toBe(0x1badb002);
  });

  it("zeroes bss (p_memsz beyond p_filesz) even in dirty RAM", () => {
    const ram = ramOf(4, 0xaa);
    loadMultiboot(ram, buildElf({ entry: 0x100000, segments: [{ vaddr: 0x100000, data: code, memsz: 0x2000 }] }), { kernelName: "k" });
    expect(Array.from(ram.subarray(0x100000, 0x100003))).toEqual(Array.from(code));
    expect(ram.subarray(0x100003, 0x102000).every((b) => b === 0)).toBe(true);
    expect(ram[0x102000]).toBe(0xaa);
  });

  it("translates a higher-half entry point from p_vaddr to p_paddr", () => {
    const image = buildElf({ entry: 0xc0100010, segments: [{ vaddr: 0xc0100000, paddr: 0x100000, data: filled(0x40, 0x90) }] });
    const entry = loadMultiboot(ramOf(4), image, { kernelName: "k" });
    expect(entry.entry).toBe(0x100010);
  });

  it("refuses a file without a Multiboot header", () => {
    expect(loadError(buildElf({ entry: 0x100000, noHeader: true, segments: [{ vaddr: 0x100000, data: code }] }))).toBe("no-header");
    expect(loadError(new Uint8Array(0))).toBe("no-header");
    expect(loadError(filled(20000, 0x55))).toBe("no-header");
  });

  it("does not look for the header beyond the first 8192 bytes", () => {
    const image = new Uint8Array(9000);
    image.set(mbHeader(3), 8192);
    expect(loadError(image)).toBe("no-header");
    const early = new Uint8Array(9000);
    early.set(mbHeader(3), 8180);
    expect(findMultibootHeader(early).offset).toBe(8180);
  });

  it("refuses a header whose checksum is wrong", () => {
    expect(loadError(buildElf({ entry: 0x100000, badChecksum: true, segments: [{ vaddr: 0x100000, data: code }] }))).toBe("bad-checksum");
  });

  it("refuses unknown required flags (bits 3..15) but ignores the video mode bit and bits 17..31", () => {
    const seg = [{ vaddr: 0x100000, data: code }];
    expect(loadError(buildElf({ entry: 0x100000, mbFlags: 0x3 | 0x8, segments: seg }))).toBe("unsupported-flags");
    expect(loadError(buildElf({ entry: 0x100000, mbFlags: 0x8000, segments: seg }))).toBe("unsupported-flags");
    expect(loadMultiboot(ramOf(4), buildElf({ entry: 0x100000, mbFlags: 0x7, segments: seg }), { kernelName: "k" }).headerFlags).toBe(7);
    expect(loadMultiboot(ramOf(4), buildElf({ entry: 0x100000, mbFlags: 0x100003, segments: seg }), { kernelName: "k" }).format).toBe("elf");
  });

  it("refuses a non-ELF file whose header does not ask for the a.out kludge", () => {
    const image = new Uint8Array(64);
    image.set(mbHeader(3), 0);
    expect(loadError(image)).toBe("not-elf");
  });

  it("refuses 64-bit and non-i386 ELF files", () => {
    const seg = [{ vaddr: 0x100000, data: code }];
    expect(loadError(buildElf({ entry: 0x100000, elfClass: 2, segments: seg }))).toBe("not-i386");
    expect(loadError(buildElf({ entry: 0x100000, machine: 62, segments: seg }))).toBe("not-i386");
    expect(loadError(buildElf({ entry: 0x100000, machine: 40, segments: seg }))).toBe("not-i386");
  });

  it("refuses ELF files that are not executables", () => {
    expect(loadError(buildElf({ entry: 0x100000, type: 3, segments: [{ vaddr: 0x100000, data: code }] }))).toBe("not-executable");
    expect(loadError(buildElf({ entry: 0x100000, segments: [] }))).toBe("not-executable");
  });

  it("refuses truncated files: program headers or segment data past the end", () => {
    const image = buildElf({ entry: 0x100000, segments: [{ vaddr: 0x100000, data: filled(0x100, 0x90) }] });
    expect(loadError(image.subarray(0, image.length - 1))).toBe("truncated");
    const phTrunc = buildElf({ entry: 0x100000, segments: [{ vaddr: 0x100000, data: code }] });
    new DataView(phTrunc.buffer).setUint32(28, phTrunc.length - 8, true); // e_phoff near the end
    expect(loadError(phTrunc)).toBe("truncated");
    expect(loadError(fixture("hello.elf").subarray(0, 0x1100))).toBe("truncated");
  });

  it("refuses segments outside RAM and segments that run past its end", () => {
    expect(loadError(buildElf({ entry: 0x100000, segments: [{ vaddr: 0x100000, paddr: 0x10000000, data: code }] }), ramOf(4))).toBe(
      "segment-outside-ram",
    );
    expect(loadError(buildElf({ entry: 0x3ff000, segments: [{ vaddr: 0x3ff000, data: code, memsz: 0x2000 }] }), ramOf(4))).toBe("does-not-fit");
  });

  it("refuses an entry point outside RAM", () => {
    expect(loadError(buildElf({ entry: 0x40000000, segments: [{ vaddr: 0x100000, data: code }] }))).toBe("entry-outside-ram");
  });
});

describe("a.out kludge", () => {
  it("loads aout.bin by its header's addresses and zeroes its bss", () => {
    const image = fixture("aout.bin");
    const ram = ramOf(4, 0xcc);
    const entry = loadMultiboot(ram, image, { kernelName: "aout.bin" });
    const hdr = new DataView(image.buffer, image.byteOffset);
    expect(entry.format).toBe("aout-kludge");
    expect(entry.kernel.start).toBe(0x200000);
    expect(entry.kernel.start).toBe(hdr.getUint32(16, true));
    expect(entry.kernel.end).toBe(hdr.getUint32(24, true));
    expect(entry.entry).toBe(hdr.getUint32(28, true));
    expect(Array.from(ram.subarray(0x200000, 0x200000 + image.length))).toEqual(Array.from(image));
    expect(ram.subarray(0x200000 + image.length, entry.kernel.end).every((b) => b === 0)).toBe(true);
    expect(ram[entry.kernel.end]).toBe(0xcc);
  });

  it("takes precedence over ELF program headers", () => {
    // An ELF file whose Multiboot header sets flag 16: the address fields decide where it goes.
    const image = buildAout({ prefix: 16, headerAddr: 0x300010, loadAddr: 0x300000, loadEndAddr: 0, bssEndAddr: 0, entryAddr: 0x300030, body: code });
    image.set(buildElf({ entry: 0x100000, noHeader: true, segments: [] }).subarray(0, 16), 0); // starts like an ELF file
    const entry = loadMultiboot(ramOf(4), image, { kernelName: "k" });
    expect(entry.format).toBe("aout-kludge");
    expect(entry.kernel).toEqual({ start: 0x300000, end: 0x300000 + image.length });
  });

  it("honours a header that is not at the start of the file (header_addr - load_addr = offset)", () => {
    const image = buildAout({ prefix: 16, headerAddr: 0x100010, loadAddr: 0x100000, loadEndAddr: 0, bssEndAddr: 0x101000, entryAddr: 0x100030, body: code });
    const ram = ramOf(4);
    loadMultiboot(ram, image, { kernelName: "k" });
    expect(u32(ram, 0x100010)).toBe(0x1badb002);
  });

  it("refuses inconsistent address fields", () => {
    const base = { headerAddr: 0x100000, loadAddr: 0x100000, loadEndAddr: 0, bssEndAddr: 0, entryAddr: 0x100020, body: code };
    expect(loadError(buildAout({ ...base, headerAddr: 0xff000 }))).toBe("bad-header");
    expect(loadError(buildAout({ ...base, loadEndAddr: 0xff000 }))).toBe("bad-header");
    expect(loadError(buildAout({ ...base, loadEndAddr: 0x100010, bssEndAddr: 0x100008 }))).toBe("bad-header");
    expect(loadError(buildAout({ ...base, loadEndAddr: 0x100100 }))).toBe("truncated");
    expect(loadError(mbHeader(0x10003).subarray(0, 12).slice())).toBe("truncated");
    expect(loadError(buildAout({ ...base, headerAddr: 0x8000000, loadAddr: 0x8000000, entryAddr: 0x8000000 }))).toBe("segment-outside-ram");
    expect(loadError(buildAout({ ...base, bssEndAddr: 0x500000 }))).toBe("does-not-fit");
  });
});

describe("boot information", () => {
  const mods = [
    { data: new TextEncoder().encode("first module"), cmdline: "m1.txt a b" },
    { data: filled(5000, 7), cmdline: "m2.bin" },
  ];

  it("fills flags, memory sizes, command line, boot loader name", () => {
    const ram = ramOf(64);
    const e = loadMultiboot(ram, fixture("hello.elf"), { kernelName: "dir/hello.elf", cmdline: "  console=ttyS0 x=1 " });
    expect(e.infoAddr).toBeLessThan(0x9fc00);
    expect(u32(ram, e.infoAddr + MBI_FLAGS)).toBe(0x001 | 0x004 | 0x008 | 0x040 | 0x200);
    expect(u32(ram, e.infoAddr + MBI_MEM_LOWER)).toBe(639);
    expect(u32(ram, e.infoAddr + MBI_MEM_UPPER)).toBe(63 * 1024);
    expect(cstr(ram, u32(ram, e.infoAddr + MBI_CMDLINE))).toBe("dir/hello.elf   console=ttyS0 x=1");
    expect(cstr(ram, u32(ram, e.infoAddr + MBI_BOOT_LOADER_NAME))).toBe("tabvisor");
    expect(u32(ram, e.infoAddr + MBI_MODS_COUNT)).toBe(0);
  });

  it("gives the kernel file name alone when there is no command line", () => {
    const ram = ramOf(4);
    const e = loadMultiboot(ram, fixture("hello.elf"), { kernelName: "hello.elf" });
    expect(cstr(ram, u32(ram, e.infoAddr + MBI_CMDLINE))).toBe("hello.elf");
  });

  it("describes RAM with a BIOS-style memory map", () => {
    const ram = ramOf(32);
    const e = loadMultiboot(ram, fixture("hello.elf"), { kernelName: "k" });
    const at = u32(ram, e.infoAddr + MBI_MMAP_ADDR);
    const len = u32(ram, e.infoAddr + MBI_MMAP_LENGTH);
    const entries: [number, bigint, bigint, number][] = [];
    for (let p = at; p < at + len; p += u32(ram, p) + 4) entries.push([u32(ram, p), u64(ram, p + 4), u64(ram, p + 12), u32(ram, p + 20)]);
    expect(entries).toEqual([
      [20, 0n, 0x9fc00n, 1],
      [20, 0x9fc00n, 0x400n, 2],
      [20, 0xf0000n, 0x10000n, 2],
      [20, 0x100000n, BigInt(31 * MiB), 1],
    ]);
  });

  it("loads modules page-aligned after the kernel, each with its string", () => {
    const ram = ramOf(16);
    const e = loadMultiboot(ram, fixture("hello.elf"), { kernelName: "k", modules: mods });
    expect(u32(ram, e.infoAddr + MBI_MODS_COUNT)).toBe(2);
    const list = u32(ram, e.infoAddr + MBI_MODS_ADDR);
    const m0 = { start: u32(ram, list), end: u32(ram, list + 4), str: cstr(ram, u32(ram, list + 8)) };
    const m1 = { start: u32(ram, list + 16), end: u32(ram, list + 20), str: cstr(ram, u32(ram, list + 24)) };
    expect(m0.start % 4096).toBe(0);
    expect(m0.start).toBeGreaterThanOrEqual(e.kernel.end);
    expect(m0.start - e.kernel.end).toBeLessThan(4096);
    expect(m0.end - m0.start).toBe(12);
    expect(new TextDecoder().decode(ram.subarray(m0.start, m0.end))).toBe("first module");
    expect(m0.str).toBe("m1.txt a b");
    expect(m1.start).toBe(m0.start + 4096);
    expect(m1.end - m1.start).toBe(5000);
    expect(ram.subarray(m1.start, m1.end).every((b) => b === 7)).toBe(true);
    expect(m1.str).toBe("m2.bin");
    expect(e.modules.map((m) => m.start)).toEqual([m0.start, m1.start]);
  });

  it("refuses modules that do not fit in RAM", () => {
    expect(loadError(fixture("hello.elf"), ramOf(2), { modules: [{ data: new Uint8Array(MiB), cmdline: "big" }] })).toBe("does-not-fit");
  });

  it("puts a flat GDT (0x08 code, 0x10 data) in the boot block at 0x9000", () => {
    const ram = ramOf(4);
    const e = loadMultiboot(ram, fixture("hello.elf"), { kernelName: "k" });
    expect(e.gdt).toEqual({ base: BOOT_BLOCK_PREFERRED, limit: 23 });
    expect([u32(ram, 0x9000), u32(ram, 0x9004)]).toEqual([0, 0]);
    expect([u32(ram, 0x9008), u32(ram, 0x900c)]).toEqual([0x0000ffff, 0x00cf9a00]);
    expect([u32(ram, 0x9010), u32(ram, 0x9014)]).toEqual([0x0000ffff, 0x00cf9200]);
  });

  it("moves the boot block out of the way of a kernel loaded over 0x9000", () => {
    const image = buildAout({ headerAddr: 0x8000, loadAddr: 0x8000, loadEndAddr: 0, bssEndAddr: 0x20000, entryAddr: 0x8020, body: code });
    const ram = ramOf(4);
    const e = loadMultiboot(ram, image, { kernelName: "k" });
    const block = [e.gdt.base, e.infoAddr + 120];
    expect(block[1] <= 0x8000 || block[0] >= 0x20000).toBe(true);
    expect(e.gdt.base).toBe(0x1000);
    expect(u32(ram, 0x8000)).toBe(0x1badb002);
  });

  it("moves the boot block above the modules when low memory is all kernel", () => {
    const image = buildAout({ headerAddr: 0x1000, loadAddr: 0x1000, loadEndAddr: 0, bssEndAddr: 0x9fb00, entryAddr: 0x1020, body: code });
    const ram = ramOf(4);
    const e = loadMultiboot(ram, image, { kernelName: "k" });
    expect(e.gdt.base).toBe(0x100000);
    expect(cstr(ram, u32(ram, e.infoAddr + MBI_BOOT_LOADER_NAME))).toBe("tabvisor");
  });
});
