// Test helper: builds small Multiboot images in memory (ELF32 executables and a.out-kludge flat
// images), so each malformed-input case is one readable line in the tests.

export const MB_MAGIC = 0x1badb002;

export interface SegmentSpec {
  vaddr: number;
  paddr?: number; // defaults to vaddr
  data: Uint8Array;
  memsz?: number; // defaults to data.length
}

export interface ElfSpec {
  segments: SegmentSpec[];
  entry: number;
  mbFlags?: number; //    Multiboot header flags (default 3); null-ish header via `noHeader`
  noHeader?: boolean;
  badChecksum?: boolean;
  elfClass?: number; //   1 = ELFCLASS32
  machine?: number; //    3 = EM_386
  type?: number; //       2 = ET_EXEC
}

export function mbHeader(flags: number, badChecksum = false): Uint8Array {
  const h = new DataView(new ArrayBuffer(12));
  h.setUint32(0, MB_MAGIC, true);
  h.setUint32(4, flags >>> 0, true);
  h.setUint32(8, (-(MB_MAGIC + flags) + (badChecksum ? 1 : 0)) >>> 0, true);
  return new Uint8Array(h.buffer);
}

/** ELF header, program headers, Multiboot header at 0x80 + 32·n, then segment data from 0x200. */
export function buildElf(spec: ElfSpec): Uint8Array {
  const n = spec.segments.length;
  const phoff = 52;
  const mbOff = phoff + 32 * n;
  let dataOff = 0x200;
  const offsets = spec.segments.map((s) => {
    const o = dataOff;
    dataOff += s.data.length;
    return o;
  });
  const out = new Uint8Array(dataOff);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, spec.elfClass ?? 1, 1, 1]);
  dv.setUint16(16, spec.type ?? 2, true);
  dv.setUint16(18, spec.machine ?? 3, true);
  dv.setUint32(20, 1, true);
  dv.setUint32(24, spec.entry >>> 0, true);
  dv.setUint32(28, phoff, true);
  dv.setUint16(40, 52, true);
  dv.setUint16(42, 32, true);
  dv.setUint16(44, n, true);
  spec.segments.forEach((s, i) => {
    const ph = phoff + 32 * i;
    dv.setUint32(ph, 1, true); // PT_LOAD
    dv.setUint32(ph + 4, offsets[i], true);
    dv.setUint32(ph + 8, s.vaddr >>> 0, true);
    dv.setUint32(ph + 12, (s.paddr ?? s.vaddr) >>> 0, true);
    dv.setUint32(ph + 16, s.data.length, true);
    dv.setUint32(ph + 20, s.memsz ?? s.data.length, true);
    dv.setUint32(ph + 24, 7, true);
    dv.setUint32(ph + 28, 0x1000, true);
    out.set(s.data, offsets[i]);
  });
  if (!spec.noHeader) out.set(mbHeader(spec.mbFlags ?? 3, spec.badChecksum), mbOff);
  return out;
}

export interface AoutSpec {
  headerAddr: number;
  loadAddr: number;
  loadEndAddr: number;
  bssEndAddr: number;
  entryAddr: number;
  /** Bytes after the 32-byte header (code and data). */
  body: Uint8Array;
  /** File bytes before the header (default none). */
  prefix?: number;
}

/** A flat image whose Multiboot header (flags 0x10003) carries the a.out kludge address fields. */
export function buildAout(spec: AoutSpec): Uint8Array {
  const pre = spec.prefix ?? 0;
  const out = new Uint8Array(pre + 32 + spec.body.length);
  const dv = new DataView(out.buffer);
  const flags = 0x10003;
  out.set(mbHeader(flags), pre);
  [spec.headerAddr, spec.loadAddr, spec.loadEndAddr, spec.bssEndAddr, spec.entryAddr].forEach((v, i) => dv.setUint32(pre + 12 + 4 * i, v >>> 0, true));
  out.set(spec.body, pre + 32);
  return out;
}

export const bytes = (...b: number[]) => Uint8Array.from(b);
export const filled = (n: number, v: number) => new Uint8Array(n).fill(v);
