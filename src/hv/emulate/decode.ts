// A small i386 instruction decoder for the hypervisor: prefixes, opcode, ModR/M + SIB +
// displacement, immediates (SDM Vol. 2 chapter 2, "Instruction format"; opcode maps in Vol. 2
// appendix A). It finds the length of any instruction the core implements (the sensitive-
// instruction scanner sweeps code with it) and the operands of the ones the hypervisor emulates.
// It reads bytes through a callback so it works on guest-virtual memory.

/** Reads one byte at offset i from the instruction start; returns -1 when it cannot be read. */
export type ByteReader = (i: number) => number;

export interface Insn {
  /** Total length in bytes. */
  length: number;
  /** Primary opcode: 0x00..0xFF, or 0x0F00 | second byte for two-byte opcodes. */
  op: number;
  /** Operand size is 16 bits (0x66 in 32-bit code). */
  o16: boolean;
  /** Address size is 16 bits (0x67 in 32-bit code). */
  a16: boolean;
  /** 0xF3 (REP/REPE), 0xF2 (REPNE) or 0. */
  rep: number;
  /** Segment override (SEG_* number) or -1. */
  seg: number;
  hasModrm: boolean;
  mod: number;
  reg: number;
  rm: number;
  /** Immediate value (zero-extended), 0 when none. */
  imm: number;
  /** Byte offset of the ModR/M byte. */
  modrmAt: number;
}

const SEG_OF_PREFIX: Record<number, number> = { 0x26: 0, 0x2e: 1, 0x36: 2, 0x3e: 3, 0x64: 4, 0x65: 5 };

// Legend: one character per opcode. "." no operands beyond the opcode; "m" ModR/M; "b" imm8;
// "z" imm16/32 by operand size; "M" ModR/M + imm8; "Z" ModR/M + imm16/32; "w" imm16;
// "e" imm16 + imm8 (ENTER); "o" moffs (address size); "p" far pointer (z + 2); "g" group 3
// (ModR/M; /0 and /1 carry an immediate); "x" prefix (handled before the table).
const ONE_BYTE =
  // 0123456789ABCDEF
  "mmmmbz..mmmmbz.." + // 0
  "mmmmbz..mmmmbz.." + // 1
  "mmmmbzx.mmmmbzx." + // 2
  "mmmmbzx.mmmmbzx." + // 3
  "................" + // 4
  "................" + // 5
  "..mmxxxxzZbM...." + // 6
  "bbbbbbbbbbbbbbbb" + // 7
  "MZMMmmmmmmmmmmmm" + // 8
  "..........p....." + // 9
  "oooo....bz......" + // A
  "bbbbbbbbzzzzzzzz" + // B
  "MMw.mmMZe.w..b.." + // C
  "mmmmbb..mmmmmmmm" + // D
  "bbbbbbbbzzpb...." + // E
  "x.xx..gg......mm"; //  F

// Two-byte map (0F xx), same legend; "?" is undefined here (the core raises #UD).
const TWO_BYTE =
  // 0123456789ABCDEF
  "mmmm?.....?.?m??" + // 0
  "mmmmmmmmmmmmmmmm" + // 1
  "mmmm????mmmmmmmm" + // 2
  "........????????" + // 3
  "mmmmmmmmmmmmmmmm" + // 4
  "mmmmmmmmmmmmmmmm" + // 5
  "mmmmmmmmmmmmmmmm" + // 6
  "MMMMmmm.mm??mmmm" + // 7
  "zzzzzzzzzzzzzzzz" + // 8
  "mmmmmmmmmmmmmmmm" + // 9
  "...mMm??...mMmmm" + // A
  "mmmmmmmmmmMmmmmm" + // B
  "mmMmMMMm........" + // C
  "mmmmmmmmmmmmmmmm" + // D
  "mmmmmmmmmmmmmmmm" + // E
  "mmmmmmmmmmmmmmmm"; //  F

// The maps as numbers, one per opcode, so the decoder does no string work.
const K_NONE = 0, K_MODRM = 1, K_IMM8 = 2, K_IMMZ = 3, K_MODRM_IMM8 = 4, K_MODRM_IMMZ = 5, K_IMM16 = 6;
const K_ENTER = 7, K_MOFFS = 8, K_FAR = 9, K_GROUP3 = 10, K_PREFIX = 11, K_UNDEFINED = 12;
const KIND_CODES: Record<string, number> = {
  ".": K_NONE, m: K_MODRM, b: K_IMM8, z: K_IMMZ, M: K_MODRM_IMM8, Z: K_MODRM_IMMZ, w: K_IMM16, e: K_ENTER,
  o: K_MOFFS, p: K_FAR, g: K_GROUP3, x: K_PREFIX, "?": K_UNDEFINED,
};
const ONE = Uint8Array.from(ONE_BYTE, (c) => KIND_CODES[c]);
const TWO = Uint8Array.from(TWO_BYTE, (c) => KIND_CODES[c]);
// Prefix bytes → segment register (0..5), -2 for other prefixes, -1 for non-prefixes.
const PREFIX = new Int8Array(256).fill(-1);
for (const [b, sreg] of Object.entries(SEG_OF_PREFIX)) PREFIX[Number(b)] = sreg;
for (const b of [0x66, 0x67, 0xf0, 0xf2, 0xf3]) PREFIX[b] = -2;

/** Longest legal instruction (SDM Vol. 2 §2.3.11). */
export const MAX_INSN_LENGTH = 15;

/**
 * Decode one instruction in 32-bit code (or 16-bit code when `code16`). Returns null when a byte
 * cannot be read, the opcode is undefined here, or the instruction exceeds 15 bytes.
 */
export function decode(read: ByteReader, code16 = false): Insn | null {
  let i = 0;
  let o16 = code16;
  let a16 = code16;
  let rep = 0;
  let seg = -1;
  let b: number;
  for (;;) {
    b = read(i);
    if (b < 0) return null;
    const p = PREFIX[b];
    if (p === -1) break;
    if (p >= 0) seg = p;
    else if (b === 0x66) o16 = !code16;
    else if (b === 0x67) a16 = !code16;
    else if (b === 0xf2 || b === 0xf3) rep = b;
    if (++i >= MAX_INSN_LENGTH) return null;
  }
  i++;
  let op = b;
  let kind: number;
  if (b === 0x0f) {
    const b2 = read(i);
    if (b2 < 0) return null;
    i++;
    op = 0x0f00 | b2;
    kind = TWO[b2];
    if (b2 === 0x38 || b2 === 0x3a) return null;
  } else {
    kind = ONE[b];
  }
  if (kind === K_UNDEFINED || kind === K_PREFIX) return null;
  let mod = 0;
  let reg = 0;
  let rm = 0;
  let modrmAt = 0;
  const hasModrm = kind === K_MODRM || kind === K_MODRM_IMM8 || kind === K_MODRM_IMMZ || kind === K_GROUP3;
  const zSize = o16 ? 2 : 4;
  if (hasModrm) {
    const m = read(i);
    if (m < 0) return null;
    modrmAt = i;
    mod = m >> 6;
    reg = (m >> 3) & 7;
    rm = m & 7;
    i++;
    if (mod !== 3) {
      if (!a16) {
        if (rm === 4) {
          const sib = read(i);
          if (sib < 0) return null;
          i++;
          if (mod === 0 && (sib & 7) === 5) i += 4;
        }
        if (mod === 0 && rm === 5) i += 4;
        else if (mod === 1) i += 1;
        else if (mod === 2) i += 4;
      } else {
        if (mod === 0 && rm === 6) i += 2;
        else if (mod === 1) i += 1;
        else if (mod === 2) i += 2;
      }
    }
  }
  let immSize = 0;
  switch (kind) {
    case K_IMM8:
    case K_MODRM_IMM8:
      immSize = 1;
      break;
    case K_IMMZ:
    case K_MODRM_IMMZ:
      immSize = zSize;
      break;
    case K_IMM16:
      immSize = 2;
      break;
    case K_ENTER:
      immSize = 3;
      break;
    case K_MOFFS:
      immSize = a16 ? 2 : 4;
      break;
    case K_FAR:
      immSize = zSize + 2;
      break;
    case K_GROUP3:
      if (reg < 2) immSize = b === 0xf6 ? 1 : zSize;
      break;
  }
  let imm = 0;
  const n = immSize < 4 ? immSize : 4;
  for (let k = 0; k < n; k++) {
    const v = read(i + k);
    if (v < 0) return null;
    imm |= v << (8 * k);
  }
  i += immSize;
  if (i > MAX_INSN_LENGTH) return null;
  if (read(i - 1) < 0) return null;
  return { length: i, op, o16, a16, rep, seg, hasModrm, mod, reg, rm, imm: imm >>> 0, modrmAt };
}

const REG32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];

/** A short mnemonic for the trap timeline and reports (not a full disassembler). */
export function mnemonic(insn: Insn): string {
  const op = insn.op;
  const simple: Record<number, string> = {
    0xfa: "cli", 0xfb: "sti", 0xf4: "hlt", 0xcf: "iret", 0x9c: "pushf", 0x9d: "popf", 0x0e: "push cs",
    0x16: "push ss", 0x17: "pop ss", 0xcc: "int3", 0xce: "into", 0xf1: "int1", 0xcb: "retf", 0xca: "retf",
    0xe4: "in al,imm8", 0xe5: "in eax,imm8", 0xec: "in al,dx", 0xed: "in eax,dx", 0xe6: "out imm8,al",
    0xe7: "out imm8,eax", 0xee: "out dx,al", 0xef: "out dx,eax", 0x6c: "insb", 0x6d: "insd", 0x6e: "outsb",
    0x6f: "outsd", 0x0f06: "clts", 0x0f08: "invd", 0x0f09: "wbinvd", 0x0f30: "wrmsr", 0x0f32: "rdmsr",
    0x0fa2: "cpuid", 0x0f31: "rdtsc", 0x0f02: "lar", 0x0f03: "lsl", 0x0fb2: "lss",
  };
  if (op === 0xcd) return `int 0x${insn.imm.toString(16)}`;
  if (op === 0x0f20) return `mov ${REG32[insn.rm]},cr${insn.reg}`;
  if (op === 0x0f22) return `mov cr${insn.reg},${REG32[insn.rm]}`;
  if (op === 0x0f21) return `mov ${REG32[insn.rm]},dr${insn.reg}`;
  if (op === 0x0f23) return `mov dr${insn.reg},${REG32[insn.rm]}`;
  if (op === 0x0f01) return ["sgdt", "sidt", "lgdt", "lidt", "smsw", "0f01/5", "lmsw", "invlpg"][insn.reg];
  if (op === 0x0f00) return ["sldt", "str", "lldt", "ltr", "verr", "verw", "0f00/6", "0f00/7"][insn.reg];
  if (op === 0x8e) return `mov ${["es", "cs", "ss", "ds", "fs", "gs", "?", "?"][insn.reg]},r/m16`;
  if (op === 0x8c) return `mov r/m16,${["es", "cs", "ss", "ds", "fs", "gs", "?", "?"][insn.reg]}`;
  const name = simple[op];
  if (name) return insn.o16 && /d$/.test(name) ? name.replace(/d$/, "w") : (insn.rep && /^(ins|outs)/.test(name) ? "rep " : "") + name;
  return op > 0xff ? `0f ${(op & 0xff).toString(16).padStart(2, "0")}` : `op ${op.toString(16).padStart(2, "0")}`;
}
