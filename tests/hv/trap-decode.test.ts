// The hypervisor's decoder against binutils: decoding every instruction of the guest kernels'
// code linearly gives the lengths objdump gives. Skipped where objdump is not installed.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { decode, mnemonic } from "../../src/hv/emulate/decode.js";
import { elfCode, SensitiveScanner, sensitiveProblem } from "../../src/hv/emulate/sensitive.js";
import { readFileSync } from "node:fs";
import { root } from "./trap-harness.js";

const hasObjdump = spawnSync("objdump", ["--version"], { stdio: "ignore" }).status === 0;

/** [address, bytes] of every instruction objdump finds in the file's executable sections. */
function objdump(file: string): [number, number[]][] {
  const raw = spawnSync("objdump", ["-d", "-w", "-z", file], { encoding: "utf8" }).stdout;
  const out: [number, number[]][] = [];
  for (const line of raw.split("\n")) {
    const m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(.*)$/.exec(line);
    if (!m || m[3].startsWith("(bad)") || m[3].startsWith(".byte")) continue;
    out.push([parseInt(m[1], 16), m[2].trim().split(" ").map((b) => parseInt(b, 16))]);
  }
  return out;
}

const FX87 = (b: number[]) => b.some((x, i) => i < 3 && x >= 0xd8 && x <= 0xdf);

describe.skipIf(!hasObjdump)("decoder lengths match objdump", () => {
  for (const file of ["guests/images/tick.elf", "guests/images/unix.elf", "guests/images/popf.elf", "tests/fixtures/system/images/rings-O2.elf"]) {
    it(file, () => {
      const insns = objdump(`${root}${file}`);
      expect(insns.length).toBeGreaterThan(500);
      let checked = 0;
      for (const [addr, bytes] of insns) {
        if (FX87(bytes)) continue; // x87 is not implemented by the core: its lengths are not needed
        const d = decode((i) => (i < bytes.length ? bytes[i] : 0x90));
        expect(d?.length, `0x${addr.toString(16)}: ${bytes.map((b) => b.toString(16)).join(" ")}`).toBe(bytes.length);
        checked++;
      }
      expect(checked).toBeGreaterThan(500);
    });
  }
});

describe("decoder details", () => {
  const d = (bytes: number[]) => decode((i) => (i < bytes.length ? bytes[i] : -1));
  it("reads prefixes, ModR/M, SIB, displacement and immediates", () => {
    expect(d([0x66, 0xef])).toMatchObject({ length: 2, op: 0xef, o16: true });
    expect(d([0xf3, 0x6e])).toMatchObject({ length: 2, op: 0x6e, rep: 0xf3 });
    expect(d([0x0f, 0x22, 0xd8])).toMatchObject({ length: 3, op: 0x0f22, reg: 3, rm: 0, mod: 3 });
    expect(d([0x0f, 0x01, 0x15, 1, 2, 3, 4])).toMatchObject({ length: 7, op: 0x0f01, reg: 2 });
    expect(d([0x0f, 0x01, 0x3c, 0x24])).toMatchObject({ length: 4, reg: 7 }); // invlpg (%esp)
    expect(d([0xc7, 0x44, 0x24, 0x08, 1, 0, 0, 0])).toMatchObject({ length: 8 });
    expect(d([0xcd, 0x80])).toMatchObject({ length: 2, imm: 0x80 });
    expect(d([0x26, 0x8e, 0xd0])).toMatchObject({ length: 3, seg: 0, reg: 2 });
  });

  it("refuses what it cannot read or what is not an instruction", () => {
    expect(d([0x0f])).toBeNull();
    expect(d([0xb8, 1, 2])).toBeNull();
    expect(d(new Array(16).fill(0x66))).toBeNull();
    expect(d([0x0f, 0x04])).toBeNull();
  });

  it("names the sensitive-but-unprivileged instructions and nothing else", () => {
    const problem = (bytes: number[], ring = 1) => sensitiveProblem(d(bytes)!, ring);
    for (const b of [[0x9c], [0x9d], [0x0e], [0x16], [0x8c, 0xc8], [0x8c, 0xd0], [0x0f, 0x01, 0x00], [0x0f, 0x01, 0x08], [0x0f, 0x01, 0xe0], [0x0f, 0x00, 0xc8], [0x0f, 0x02, 0xc0], [0x0f, 0x03, 0xc0]]) {
      expect(problem(b), b.map((x) => x.toString(16)).join(" ")).not.toBeNull();
    }
    for (const b of [[0x90], [0x8c, 0xd8], [0xfa], [0x0f, 0x20, 0xc0], [0x0f, 0x01, 0x10], [0xcf]]) {
      expect(problem(b), b.map((x) => x.toString(16)).join(" ")).toBeNull();
    }
    expect(problem([0x9d], 3)).toBeNull(); // ring 3 with IOPL 0: POPF behaves as on bare metal
    expect(mnemonic(d([0x0f, 0x22, 0xd8])!)).toBe("mov cr3,eax");
  });
});

describe("the kernel image scan", () => {
  it("finds popf's sensitive instructions in its ELF code before it runs, at their link addresses", () => {
    const image = readFileSync(`${root}guests/images/popf.elf`);
    const segs = elfCode(image);
    expect(segs.length).toBeGreaterThan(0);
    const scanner = new SensitiveScanner();
    scanner.scanImage(image);
    const sites = [...scanner.sites.values()];
    for (const k of ["popf", "pushf", "mov r/m16,cs", "sgdt", "smsw"]) expect(sites.some((s) => s.insn === k), k).toBe(true);
    for (const s of sites) {
      const seg = segs.find((g) => s.eip >= g.vaddr && s.eip < g.vaddr + g.bytes.length)!;
      const bytes = seg.bytes.subarray(s.eip - seg.vaddr);
      expect(decode((i) => bytes[i] ?? -1)?.length).toBeGreaterThan(0);
    }
  });

  it("ignores what is not an ELF32 image", () => {
    expect(elfCode(Uint8Array.from([1, 2, 3]))).toEqual([]);
  });
});
