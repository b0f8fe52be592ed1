// Multiboot v1 loading (Multiboot Specification 0.6.96), as QEMU's -kernel does: finds the header,
// loads an ELF32 i386 executable by its program headers or a flat image by the a.out kludge
// (header flag 16, which takes precedence), places modules page-aligned after the kernel, builds
// the boot information structure with a memory map, and a flat GDT so that reloading selectors
// 0x08 (code) and 0x10 (data) works before the kernel installs its own.
//
// The loader writes only guest RAM; the caller puts the CPU in the entry state (`MultibootEntry`).

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** The header must be 32-bit aligned within the first 8192 bytes of the image (spec §3.1.1). */
export const MULTIBOOT_SEARCH = 8192;

// Header flags (spec §3.1.2).
export const MULTIBOOT_PAGE_ALIGN = 0x00000001;
export const MULTIBOOT_MEMORY_INFO = 0x00000002;
export const MULTIBOOT_VIDEO_MODE = 0x00000004;
export const MULTIBOOT_AOUT_KLUDGE = 0x00010000;
/** Bits 0..15 are requirements: a loader must refuse a kernel asking for one it does not know. */
export const MULTIBOOT_MUSTKNOW = 0x0000ffff;
/** Requirements we meet: modules page-aligned, memory info; the video mode request is ignored. */
const KNOWN_REQUIREMENTS = MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE;

// Boot information flags (spec §3.3).
export const MULTIBOOT_INFO_MEMORY = 0x001;
export const MULTIBOOT_INFO_CMDLINE = 0x004;
export const MULTIBOOT_INFO_MODS = 0x008;
export const MULTIBOOT_INFO_MEM_MAP = 0x040;
export const MULTIBOOT_INFO_BOOT_LOADER_NAME = 0x200;

// Boot information field offsets (spec §3.3).
export const MBI_FLAGS = 0;
export const MBI_MEM_LOWER = 4;
export const MBI_MEM_UPPER = 8;
export const MBI_BOOT_DEVICE = 12;
export const MBI_CMDLINE = 16;
export const MBI_MODS_COUNT = 20;
export const MBI_MODS_ADDR = 24;
export const MBI_MMAP_LENGTH = 44;
export const MBI_MMAP_ADDR = 48;
export const MBI_BOOT_LOADER_NAME = 64;
/** Bytes reserved for the structure: through the framebuffer fields of 0.6.96, all zero. */
export const MBI_SIZE = 120;

export const MULTIBOOT_MEMORY_AVAILABLE = 1;
export const MULTIBOOT_MEMORY_RESERVED = 2;
/** One memory map entry: size (u32, not counting itself), base_addr (u64), length (u64), type (u32). */
export const MMAP_ENTRY_SIZE = 24;
export const MOD_ENTRY_SIZE = 16;

export const BOOT_LOADER_NAME = "tabvisor";
/** Conventional memory ends at the EBDA, like a PC BIOS with 639 KiB of base memory. */
export const LOW_MEMORY_END = 0x9fc00;
export const MEM_LOWER_KIB = LOW_MEMORY_END / 1024; // 639
export const BIOS_AREA = 0xf0000; // reserved 0xF0000..0x100000
export const HIGH_MEMORY = 0x100000;
/** Where the boot block (GDT, info, memory map, modules list, strings) goes if it is free. */
export const BOOT_BLOCK_PREFERRED = 0x9000;
const PAGE = 4096;

// Flat 4 GiB ring-0 segments (SDM Vol. 3A §3.4.5): code execute/read, data read/write, G=1, D/B=1.
const GDT_CODE = [0x0000ffff, 0x00cf9a00];
const GDT_DATA = [0x0000ffff, 0x00cf9200];
export const GDT_ENTRIES = 3; // null, 0x08 code, 0x10 data
export const GDT_LIMIT = GDT_ENTRIES * 8 - 1;

// ELF (System V gABI, i386 psABI).
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ET_EXEC = 2;
const EM_386 = 3;
const EM_X86_64 = 62;
const PT_LOAD = 1;
const ELF32_EHDR_SIZE = 52;
const ELF32_PHDR_SIZE = 32;

export type MultibootErrorCode =
  | "not-elf"
  | "not-i386"
  | "not-executable"
  | "truncated"
  | "no-header"
  | "bad-checksum"
  | "bad-header"
  | "unsupported-flags"
  | "segment-outside-ram"
  | "does-not-fit"
  | "entry-outside-ram";

/** A kernel or module that cannot be loaded; `message` is one line naming the problem. */
export class MultibootError extends Error {
  override name = "MultibootError";
  constructor(
    readonly code: MultibootErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface MultibootModule {
  data: Uint8Array;
  /** The module's string as the kernel sees it (QEMU: "<file> <args>"). */
  cmdline: string;
}

export interface MultibootOptions {
  /** The kernel's path as given by the user; the command line starts with it (QEMU does so). */
  kernelName: string;
  /** Appended to the kernel name, separated by a space; the result is trimmed. */
  cmdline?: string;
  modules?: MultibootModule[];
}

export interface LoadedRange {
  start: number;
  end: number; // exclusive
}

/** Where everything went and how the CPU must start. */
export interface MultibootEntry {
  format: "elf" | "aout-kludge";
  /** Physical entry point (an ELF entry inside a segment is translated from vaddr to paddr). */
  entry: number;
  eax: number;
  /** Physical address of the boot information structure (EBX at entry). */
  infoAddr: number;
  gdt: { base: number; limit: number };
  kernel: LoadedRange;
  modules: (LoadedRange & { cmdlineAddr: number })[];
  cmdline: string;
  headerFlags: number;
}

const hex = (n: number) => "0x" + (n >>> 0).toString(16);
const pageUp = (n: number) => Math.ceil(n / PAGE) * PAGE;

function u32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}
function u16(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8);
}

interface Header {
  offset: number;
  flags: number;
}

/** Find the Multiboot header (spec §3.1.1); reports a magic with a bad checksum if that is all. */
export function findMultibootHeader(image: Uint8Array): Header {
  const limit = Math.min(image.length, MULTIBOOT_SEARCH) - 12;
  let badChecksumAt = -1;
  for (let off = 0; off <= limit; off += 4) {
    if (u32(image, off) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = u32(image, off + 4);
    if (((MULTIBOOT_HEADER_MAGIC + flags + u32(image, off + 8)) >>> 0) === 0) return { offset: off, flags };
    if (badChecksumAt < 0) badChecksumAt = off;
  }
  if (badChecksumAt >= 0) {
    throw new MultibootError("bad-checksum", `Multiboot header at offset ${hex(badChecksumAt)} has a bad checksum (magic + flags + checksum must be 0)`);
  }
  throw new MultibootError("no-header", `no Multiboot header (magic 0x1BADB002) in the first ${MULTIBOOT_SEARCH} bytes`);
}

/** A range starting beyond RAM is "outside RAM"; one starting inside but running past it "does not fit". */
function checkInRam(what: string, start: number, end: number, ramSize: number): void {
  const mib = `${ramSize / (1 << 20)} MiB of RAM end at ${hex(ramSize)}`;
  if (start >= ramSize) throw new MultibootError("segment-outside-ram", `${what} at ${hex(start)}..${hex(end)} is outside RAM (${mib})`);
  if (end > ramSize) throw new MultibootError("does-not-fit", `${what} at ${hex(start)}..${hex(end)} does not fit in RAM (${mib}; try a larger --mem)`);
}

/** Load an ELF32 i386 executable by its PT_LOAD program headers at their physical addresses. */
function loadElf(ram: Uint8Array, image: Uint8Array): { kernel: LoadedRange; entry: number } {
  if (image.length < 4 || image[0] !== 0x7f || image[1] !== 0x45 || image[2] !== 0x4c || image[3] !== 0x46) {
    throw new MultibootError("not-elf", "not an ELF file (and the Multiboot header does not set the a.out kludge flag 16)");
  }
  if (image.length < ELF32_EHDR_SIZE) throw new MultibootError("truncated", `truncated ELF header (${image.length} bytes)`);
  const machine = u16(image, 18);
  if (image[4] === ELFCLASS64 || machine === EM_X86_64) {
    throw new MultibootError("not-i386", "not an i386 kernel: 64-bit ELF (build with -m32)");
  }
  if (image[4] !== ELFCLASS32 || image[5] !== ELFDATA2LSB || machine !== EM_386) {
    throw new MultibootError("not-i386", `not an i386 kernel: ELF class ${image[4]}, data ${image[5]}, machine ${machine}`);
  }
  if (u16(image, 16) !== ET_EXEC) throw new MultibootError("not-executable", `ELF type ${u16(image, 16)} is not an executable (ET_EXEC)`);
  const eEntry = u32(image, 24);
  const phoff = u32(image, 28);
  const phentsize = u16(image, 42);
  const phnum = u16(image, 44);
  if (phnum === 0) throw new MultibootError("not-executable", "ELF has no program headers");
  if (phentsize < ELF32_PHDR_SIZE) throw new MultibootError("truncated", `ELF program header size ${phentsize} is too small`);
  if (phoff + phnum * phentsize > image.length) throw new MultibootError("truncated", "truncated ELF: program headers run past the end of the file");

  const segs: { offset: number; vaddr: number; paddr: number; filesz: number; memsz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (u32(image, ph) !== PT_LOAD) continue;
    const seg = { offset: u32(image, ph + 4), vaddr: u32(image, ph + 8), paddr: u32(image, ph + 12), filesz: u32(image, ph + 16), memsz: u32(image, ph + 20) };
    if (seg.memsz === 0) continue;
    if (seg.filesz > seg.memsz) throw new MultibootError("truncated", `ELF segment ${i} has p_filesz > p_memsz`);
    if (seg.offset + seg.filesz > image.length) {
      throw new MultibootError("truncated", `truncated ELF: segment ${i} needs file bytes up to ${hex(seg.offset + seg.filesz)}, the file has ${hex(image.length)}`);
    }
    checkInRam(`ELF segment ${i}`, seg.paddr, seg.paddr + seg.memsz, ram.length);
    segs.push(seg);
  }
  if (segs.length === 0) throw new MultibootError("not-executable", "ELF has no loadable (PT_LOAD) segment");

  let entry = eEntry;
  for (const s of segs) {
    if (eEntry >= s.vaddr && eEntry - s.vaddr < s.memsz) {
      entry = (eEntry - s.vaddr + s.paddr) >>> 0; // GRUB does the same for higher-half kernels
      break;
    }
  }
  for (const s of segs) {
    ram.set(image.subarray(s.offset, s.offset + s.filesz), s.paddr);
    ram.fill(0, s.paddr + s.filesz, s.paddr + s.memsz);
  }
  const start = Math.min(...segs.map((s) => s.paddr));
  const end = Math.max(...segs.map((s) => s.paddr + s.memsz));
  return { kernel: { start, end }, entry };
}

/** Load a flat image by the header's address fields (spec §3.1.3, "the a.out kludge"). */
function loadAoutKludge(ram: Uint8Array, image: Uint8Array, header: Header): { kernel: LoadedRange; entry: number } {
  const h = header.offset;
  if (h + 32 > image.length) throw new MultibootError("truncated", "truncated Multiboot header: the address fields run past the end of the file");
  const headerAddr = u32(image, h + 12);
  const loadAddr = u32(image, h + 16);
  const loadEndAddr = u32(image, h + 20);
  const bssEndAddr = u32(image, h + 24);
  const entry = u32(image, h + 28);
  if (headerAddr < loadAddr || headerAddr - loadAddr > h) {
    throw new MultibootError("bad-header", `Multiboot header_addr ${hex(headerAddr)} is inconsistent with load_addr ${hex(loadAddr)} and the header's file offset ${hex(h)}`);
  }
  const fileOffset = h - (headerAddr - loadAddr);
  let loadSize: number;
  if (loadEndAddr === 0) {
    loadSize = image.length - fileOffset;
  } else {
    if (loadEndAddr < loadAddr) throw new MultibootError("bad-header", `Multiboot load_end_addr ${hex(loadEndAddr)} is below load_addr ${hex(loadAddr)}`);
    loadSize = loadEndAddr - loadAddr;
    if (fileOffset + loadSize > image.length) {
      throw new MultibootError("truncated", `truncated kernel: load_end_addr needs ${loadSize} bytes from file offset ${hex(fileOffset)}, the file has ${image.length}`);
    }
  }
  let end = loadAddr + loadSize;
  if (bssEndAddr !== 0) {
    if (bssEndAddr < end) throw new MultibootError("bad-header", `Multiboot bss_end_addr ${hex(bssEndAddr)} is below the end of the loaded image ${hex(end)}`);
    end = bssEndAddr;
  }
  if (end === loadAddr) throw new MultibootError("bad-header", "Multiboot a.out kludge describes an empty image");
  checkInRam("kernel image", loadAddr, end, ram.length);
  ram.set(image.subarray(fileOffset, fileOffset + loadSize), loadAddr);
  ram.fill(0, loadAddr + loadSize, end);
  return { kernel: { start: loadAddr, end }, entry };
}

const encoder = new TextEncoder();

/**
 * Load `image` and its modules into `ram` (guest-physical RAM, zeroed or not) and build the boot
 * information. Throws MultibootError on any malformed input; RAM may then be partly written.
 */
export function loadMultiboot(ram: Uint8Array, image: Uint8Array, opts: MultibootOptions): MultibootEntry {
  const header = findMultibootHeader(image);
  const required = header.flags & MULTIBOOT_MUSTKNOW & ~KNOWN_REQUIREMENTS;
  if (required) {
    throw new MultibootError("unsupported-flags", `Multiboot header requires features this loader does not provide (flags ${hex(header.flags)}, unknown bits ${hex(required)})`);
  }
  const aout = (header.flags & MULTIBOOT_AOUT_KLUDGE) !== 0;
  const { kernel, entry } = aout ? loadAoutKludge(ram, image, header) : loadElf(ram, image);
  if (entry >= ram.length) throw new MultibootError("entry-outside-ram", `kernel entry point ${hex(entry)} is outside RAM (${hex(ram.length)} bytes)`);

  // Modules: each page-aligned, in order, after the kernel (spec §3.3: mods_addr).
  const mods: (LoadedRange & { cmdlineAddr: number })[] = [];
  let next = pageUp(kernel.end);
  for (const [i, m] of (opts.modules ?? []).entries()) {
    const start = next;
    const end = start + m.data.length;
    if (end > ram.length) {
      throw new MultibootError("does-not-fit", `module ${i + 1} (${m.data.length} bytes) does not fit in RAM: it would end at ${hex(end)}, RAM ends at ${hex(ram.length)}`);
    }
    ram.set(m.data, start);
    mods.push({ start, end, cmdlineAddr: 0 });
    next = pageUp(end === start ? end + 1 : end);
  }

  // The boot block: GDT, info structure, memory map, module list, strings.
  const cmdline = `${opts.kernelName} ${opts.cmdline ?? ""}`.trim();
  const strings = [cmdline, ...(opts.modules ?? []).map((m) => m.cmdline), BOOT_LOADER_NAME].map((s) => encoder.encode(s + "\0"));
  const mmap = memoryMap(ram.length);
  const gdtOff = 0;
  const infoOff = GDT_ENTRIES * 8 + 8; // 32: keep the info structure 8-aligned
  const mmapOff = infoOff + MBI_SIZE;
  const modsOff = mmapOff + mmap.length * MMAP_ENTRY_SIZE;
  const stringsOff = modsOff + mods.length * MOD_ENTRY_SIZE;
  const blockSize = stringsOff + strings.reduce((n, s) => n + s.length, 0);
  const taken: LoadedRange[] = [kernel, ...mods];
  const base = placeBootBlock(blockSize, taken, ram.length, next);

  const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  ram.fill(0, base, base + blockSize);
  dv.setUint32(base + gdtOff + 8, GDT_CODE[0], true);
  dv.setUint32(base + gdtOff + 12, GDT_CODE[1], true);
  dv.setUint32(base + gdtOff + 16, GDT_DATA[0], true);
  dv.setUint32(base + gdtOff + 20, GDT_DATA[1], true);

  let s = base + stringsOff;
  const stringAddrs = strings.map((bytes) => {
    ram.set(bytes, s);
    const at = s;
    s += bytes.length;
    return at;
  });
  mods.forEach((m, i) => {
    m.cmdlineAddr = stringAddrs[1 + i];
    const at = base + modsOff + i * MOD_ENTRY_SIZE;
    dv.setUint32(at, m.start, true);
    dv.setUint32(at + 4, m.end, true);
    dv.setUint32(at + 8, m.cmdlineAddr, true);
  });
  mmap.forEach((e, i) => {
    const at = base + mmapOff + i * MMAP_ENTRY_SIZE;
    dv.setUint32(at, MMAP_ENTRY_SIZE - 4, true);
    dv.setBigUint64(at + 4, BigInt(e.base), true);
    dv.setBigUint64(at + 12, BigInt(e.length), true);
    dv.setUint32(at + 20, e.type, true);
  });

  const info = base + infoOff;
  dv.setUint32(info + MBI_FLAGS, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME, true);
  dv.setUint32(info + MBI_MEM_LOWER, MEM_LOWER_KIB, true);
  dv.setUint32(info + MBI_MEM_UPPER, Math.max(0, ram.length - HIGH_MEMORY) / 1024, true);
  dv.setUint32(info + MBI_CMDLINE, stringAddrs[0], true);
  dv.setUint32(info + MBI_MODS_COUNT, mods.length, true);
  dv.setUint32(info + MBI_MODS_ADDR, base + modsOff, true);
  dv.setUint32(info + MBI_MMAP_LENGTH, mmap.length * MMAP_ENTRY_SIZE, true);
  dv.setUint32(info + MBI_MMAP_ADDR, base + mmapOff, true);
  dv.setUint32(info + MBI_BOOT_LOADER_NAME, stringAddrs[stringAddrs.length - 1], true);

  return {
    format: aout ? "aout-kludge" : "elf",
    entry,
    eax: MULTIBOOT_BOOTLOADER_MAGIC,
    infoAddr: info,
    gdt: { base: base + gdtOff, limit: GDT_LIMIT },
    kernel,
    modules: mods,
    cmdline,
    headerFlags: header.flags,
  };
}

/** The BIOS-style memory map for `ramSize` bytes of RAM (types per spec §3.3). */
export function memoryMap(ramSize: number): { base: number; length: number; type: number }[] {
  const map = [
    { base: 0, length: LOW_MEMORY_END, type: MULTIBOOT_MEMORY_AVAILABLE },
    { base: LOW_MEMORY_END, length: 0xa0000 - LOW_MEMORY_END, type: MULTIBOOT_MEMORY_RESERVED },
    { base: BIOS_AREA, length: HIGH_MEMORY - BIOS_AREA, type: MULTIBOOT_MEMORY_RESERVED },
  ];
  if (ramSize > HIGH_MEMORY) map.push({ base: HIGH_MEMORY, length: ramSize - HIGH_MEMORY, type: MULTIBOOT_MEMORY_AVAILABLE });
  return map;
}

const overlaps = (a: LoadedRange, b: LoadedRange) => a.start < b.end && b.start < a.end;

/**
 * Choose where the boot block goes: 0x9000 as QEMU does if free, else the lowest free page in
 * low memory (0x1000..0x9FC00, keeping page 0 for the real-mode IVT/BDA), else after the modules.
 */
function placeBootBlock(size: number, taken: LoadedRange[], ramSize: number, afterModules: number): number {
  const fits = (start: number) => start + size <= ramSize && !taken.some((t) => overlaps(t, { start, end: start + size }));
  if (BOOT_BLOCK_PREFERRED + size <= LOW_MEMORY_END && fits(BOOT_BLOCK_PREFERRED)) return BOOT_BLOCK_PREFERRED;
  for (let start = PAGE; start + size <= LOW_MEMORY_END; start += PAGE) if (fits(start)) return start;
  const high = Math.max(afterModules, HIGH_MEMORY);
  if (fits(high)) return high;
  throw new MultibootError("does-not-fit", `kernel, modules and boot information (${size} bytes) do not fit in RAM (${ramSize / (1 << 20)} MiB)`);
}
