// The honest part of trap-and-emulate on x86: instructions that are sensitive but not privileged
// (Popek & Goldberg 1974; Robin & Irvine 2000 list seventeen on the Pentium). At CPL 1 they run
// without trapping and show the guest kernel the real, deprivileged machine. The hypervisor cannot
// intercept them, so it finds them: every guest address it learns is an instruction boundary (an
// exit's EIP while the guest kernel runs) starts a linear sweep with the decoder to the end of
// that code page, and each sensitive instruction found is reported once with its address and what
// the guest gets wrong there. Pages are identified by guest-physical frame, so a page is decoded
// once however many address spaces map it. The kernel image itself is swept whole when it is
// loaded (its executable ELF segments), so sites in kernel code that never traps are found too.
import { decode, mnemonic, type ByteReader, type Insn } from "./decode.js";

export interface SensitiveSite {
  /** Guest-linear address of the instruction. */
  eip: number;
  /** Short mnemonic. */
  insn: string;
  /** What the guest kernel gets wrong when it runs this at CPL 1. */
  problem: string;
}

/**
 * Why an instruction is sensitive but unprivileged for the guest kernel (ring 1), or for ring 3
 * code the guest gave IOPL 3 (only POPF/PUSHF matter there), or null if it is not.
 */
export function sensitiveProblem(insn: Insn, ring = 1, iopl3 = false): string | null {
  if (ring === 3) {
    if (insn.op === 0x9d && iopl3) return "POPF in ring 3 with the guest's IOPL 3 cannot change IF: the real IOPL is 0";
    if (insn.op === 0x9c && iopl3) return "PUSHF in ring 3 shows the real IOPL 0, not the guest's IOPL 3";
    if (insn.op === 0x0f02) return "LAR in ring 3 reads the shadow descriptors: compressed DPL, user code and call gates marked not present";
    if (insn.op === 0x0f03) return "LSL in ring 3 reads the shadow descriptors, where system descriptors other than call gates are absent";
    if (insn.op === 0x0f00 && (insn.reg === 4 || insn.reg === 5)) return "VERR/VERW in ring 3 check the shadow descriptors, not the guest's";
    if (insn.op === 0x0f00 && insn.reg === 1) return "STR shows the real TR selector";
    return null;
  }
  switch (insn.op) {
    case 0x9c:
      return "PUSHF shows the real IOPL (0) and IF, not the guest's virtual IOPL and IF";
    case 0x9d:
      return "POPF at CPL 1 with IOPL 0 ignores IF and IOPL without a fault: interrupts are not disabled or enabled as the guest asked";
    case 0x0e:
      return "PUSH CS pushes selector RPL 1: the guest kernel can see it is not in ring 0";
    case 0x16:
      return "PUSH SS pushes selector RPL 1: the guest kernel can see it is not in ring 0";
    case 0x8c:
      if (insn.reg === 1) return "MOV from CS reads RPL 1: the guest kernel can see it is not in ring 0";
      if (insn.reg === 2) return "MOV from SS reads RPL 1: the guest kernel can see it is not in ring 0";
      return null;
    case 0x0f01:
      if (insn.reg === 0) return "SGDT reveals the hypervisor's shadow GDT in its window, not the guest's GDTR";
      if (insn.reg === 1) return "SIDT reveals the hypervisor's IDTR (in its window, limit 0), not the guest's";
      if (insn.reg === 4) return "SMSW reads the real CR0's low word, not the virtual CR0 (they agree only while the hypervisor mirrors PE, MP, EM, TS, ET and NE)";
      return null;
    case 0x0f00:
      if (insn.reg === 0) return "SLDT reveals the real LDTR, not the guest's";
      if (insn.reg === 1) return "STR reveals the real TR (null), not the guest's task register";
      if (insn.reg === 4 || insn.reg === 5) return "VERR/VERW check the compressed (DPL 1) descriptors at CPL 1, not the guest's";
      return null;
    case 0x0f02:
      return "LAR returns DPL 1 for the guest's ring-0 descriptors (ring compression shows)";
    case 0x0f03:
      return "LSL runs at CPL 1 against the shadow GDT: descriptors the guest made DPL 0 answer as DPL 1";
    default:
      return null;
  }
}

const PAGE = 4096;

/** Offset just past a Multiboot v1 header at the start of `code` (spec §3.1), or 0 if none there. */
function multibootHeaderEnd(code: Uint8Array): number {
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  for (let at = 0; at + 12 <= Math.min(code.length, 8192); at += 4) {
    if (dv.getUint32(at, true) !== 0x1badb002) continue;
    const flags = dv.getUint32(at + 4, true);
    if (((0x1badb002 + flags + dv.getUint32(at + 8, true)) >>> 0) !== 0) continue;
    return at + (flags & 0x10000 ? 32 : 12) + (flags & 0x4 ? 16 : 0);
  }
  return 0;
}

/** Executable PT_LOAD segments of an ELF32 image: [virtual address, bytes]. Empty if not ELF. */
export function elfCode(image: Uint8Array): { vaddr: number; entry: number; bytes: Uint8Array }[] {
  if (image.length < 52 || image[0] !== 0x7f || image[1] !== 0x45 || image[2] !== 0x4c || image[3] !== 0x46 || image[4] !== 1) return [];
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  const out: { vaddr: number; entry: number; bytes: Uint8Array }[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 32 > image.length) break;
    const type = dv.getUint32(at, true);
    const offset = dv.getUint32(at + 4, true);
    const vaddr = dv.getUint32(at + 8, true);
    const filesz = dv.getUint32(at + 16, true);
    const flags = dv.getUint32(at + 24, true);
    if (type !== 1 || !(flags & 1) || offset + filesz > image.length) continue; // PT_LOAD with PF_X
    out.push({ vaddr, entry, bytes: image.subarray(offset, offset + filesz) });
  }
  return out;
}

export class SensitiveScanner {
  /** Guest frame → byte offsets already decoded as instruction starts. */
  private readonly decoded = new Map<number, Uint8Array>();
  /** Sites in the order found, keyed by guest-linear address. */
  readonly sites = new Map<number, SensitiveSite>();
  /** Instructions decoded so far (the scanner's cost). */
  decodedCount = 0;
  /** Called once per new site. */
  onSite: (site: SensitiveSite) => void = () => {};

  /**
   * Sweep the kernel's own code before it runs: the executable segments of its ELF image, from
   * their start (past a Multiboot header, which is data) and from the entry point. Undecodable
   * bytes are skipped one at a time. Sites are reported at their link address.
   */
  scanImage(image: Uint8Array): void {
    for (const seg of elfCode(image)) {
      const end = seg.vaddr + seg.bytes.length;
      const starts = [multibootHeaderEnd(seg.bytes)];
      if (seg.entry >= seg.vaddr && seg.entry < end) starts.push(seg.entry - seg.vaddr);
      for (const start of starts) this.sweep(seg.vaddr, seg.bytes, start);
    }
  }

  /** Decode `bytes` (linked at `vaddr`) linearly from offset `start`, reporting each site once. */
  private sweep(vaddr: number, bytes: Uint8Array, start: number): void {
    let at = start;
    while (at < bytes.length) {
      const base = at;
      const insn = decode((i) => (base + i < bytes.length ? bytes[base + i] : -1));
      if (!insn) {
        at++;
        continue;
      }
      this.decodedCount++;
      const problem = sensitiveProblem(insn);
      const eip = (vaddr + at) >>> 0;
      if (problem && !this.sites.has(eip)) {
        const site = { eip, insn: mnemonic(insn), problem };
        this.sites.set(eip, site);
        this.onSite(site);
      }
      at += insn.length;
    }
  }

  /**
   * `lin` (guest-linear, CS base applied) is an instruction boundary in code the guest kernel
   * runs; `frame` its guest-physical frame; `read` reads guest-linear bytes from `lin`.
   */
  observe(lin: number, frame: number, read: ByteReader, code16 = false, ring = 1, iopl3 = false): void {
    const key = ring === 3 ? -1 - frame : frame;
    let seen = this.decoded.get(key);
    if (!seen) this.decoded.set(key, (seen = new Uint8Array(PAGE)));
    let off = lin & (PAGE - 1);
    let at = 0;
    while (off < PAGE && !seen[off]) {
      seen[off] = 1;
      const base = at;
      const insn = decode((i) => read(base + i), code16);
      if (!insn) break;
      this.decodedCount++;
      const problem = sensitiveProblem(insn, ring, iopl3);
      const eip = (lin + at) >>> 0;
      if (problem && !this.sites.has(eip)) {
        const site = { eip, insn: mnemonic(insn), problem };
        this.sites.set(eip, site);
        this.onSite(site);
      }
      off += insn.length;
      at += insn.length;
    }
  }
}
