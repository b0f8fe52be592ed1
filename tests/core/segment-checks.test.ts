// Segment checks on memory accesses and two #UD cases, from the SDM rather than from a reference
// run: QEMU 7.2 TCG does not enforce them (so no golden), and native Linux code cannot create
// the segments. SDM Vol. 3A §5.3 (limit checking), §5.4 (type checking), §3.4.2 (null
// selectors), §6.15 (#GP, #NP); Vol. 2 "LOCK" and "EMMS".
import { beforeAll, describe, expect, it } from "vitest";
import * as L from "../../assembly/layout.js";
import { coreBuilt, descriptor, IsaMachine, runBytes, type RunResult } from "./harness.js";

const INSN = 0x202000;
const BASE = 0x210000;
// test descriptors (SEG_ATTR form: type | S | DPL | P | D/B | G)
const RW = 0x3 | L.ATTR_S | L.ATTR_P; //           read/write data, accessed
const RO = 0x1 | L.ATTR_S | L.ATTR_P; //           read-only data, accessed
const RW_DOWN = 0x7 | L.ATTR_S | L.ATTR_P; //      read/write expand-down data, accessed
const CODE_R = 0xb | L.ATTR_S | L.ATTR_P; //       execute/read code, accessed
const CODE_X = 0x9 | L.ATTR_S | L.ATTR_P; //       execute-only code, accessed
const SEL = { limited: 0x18, expDown: 0x30, readOnly: 0x38, codeRead: 0x40, codeExec: 0x48, notPresent: 0x50, stack: 0x58 };
const GDT: [number, [number, number]][] = [
  [SEL.limited, descriptor(BASE, 0xfff, RW | L.ATTR_DB)],
  [SEL.expDown, descriptor(BASE, 0xfff, RW_DOWN | L.ATTR_DB)],
  [SEL.readOnly, descriptor(0, 0xffffffff, RO | L.ATTR_DB | L.ATTR_G)],
  [SEL.codeRead, descriptor(0, 0xffffffff, CODE_R | L.ATTR_DB | L.ATTR_G)],
  [SEL.codeExec, descriptor(0, 0xffffffff, CODE_X | L.ATTR_DB | L.ATTR_G)],
  [SEL.notPresent, descriptor(0, 0xffffffff, (RW & ~L.ATTR_P) | L.ATTR_DB | L.ATTR_G)],
  [SEL.stack, descriptor(0, 0x205fff, RW | L.ATTR_DB | L.ATTR_G)], // 4 KiB granular: offsets ..0x205FFF
];

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
// mov ax, sel; mov <sreg>, ax   (8E /r: reg field = sreg)
const load = (sreg: number, sel: number) => [0x66, 0xb8, sel & 0xff, sel >>> 8, 0x8e, 0xc0 | (sreg << 3)];
const PREFIX: Record<number, number> = { [L.SEG_ES]: 0x26, [L.SEG_FS]: 0x64, [L.SEG_GS]: 0x65, [L.SEG_CS]: 0x2e };
// mov eax, seg:[disp32] / mov seg:[disp32], eax / mov al, seg:[disp32]
const readD = (sreg: number, off: number) => [PREFIX[sreg], 0xa1, ...le32(off)];
const readB = (sreg: number, off: number) => [PREFIX[sreg], 0xa0, ...le32(off)];
const writeD = (sreg: number, off: number) => [PREFIX[sreg], 0xa3, ...le32(off)];

describe.skipIf(!coreBuilt())("segment checks (SDM Vol. 3A §5.3–5.4)", () => {
  let m: IsaMachine;
  beforeAll(async () => {
    m = await IsaMachine.create();
  });
  const exec = (bytes: number[]) => runBytes(m, bytes, { gdt: GDT });
  // the access is the last instruction: a fault must point at it, success must reach the HLT after it
  const faultsAt = (r: RunResult, lastLen: number, total: number, vector: number, error: number) => {
    expect({ vector: r.vector, error: r.errorCode, eip: r.eip }).toEqual({ vector, error, eip: INSN + total - lastLen });
  };
  const passes = (r: RunResult, total: number) => expect({ vector: r.vector, eip: r.eip }).toEqual({ vector: undefined, eip: INSN + total });
  const run2 = (setup: number[], access: number[], expectFault?: [number, number]) => {
    const r = exec([...setup, ...access]);
    if (expectFault) faultsAt(r, access.length, setup.length + access.length, ...expectFault);
    else passes(r, setup.length + access.length);
  };

  it("an expand-up segment with limit 0xFFF allows a dword at 0xFFC", () => run2(load(L.SEG_FS, SEL.limited), readD(L.SEG_FS, 0xffc)));
  it("a dword at 0xFFD crosses the limit: #GP(0)", () => run2(load(L.SEG_FS, SEL.limited), readD(L.SEG_FS, 0xffd), [L.EXC_GP, 0]));
  it("a byte at 0x1000 is beyond the limit: #GP(0)", () => run2(load(L.SEG_FS, SEL.limited), readB(L.SEG_FS, 0x1000), [L.EXC_GP, 0]));
  it("a write beyond the limit: #GP(0) and memory unchanged", () => {
    const before = m.readU32(BASE + 0x1000);
    run2(load(L.SEG_FS, SEL.limited), writeD(L.SEG_FS, 0x1000), [L.EXC_GP, 0]);
    expect(m.readU32(BASE + 0x1000)).toBe(before);
  });
  it("an expand-down segment (B=1, limit 0xFFF) rejects offset 0xFFF: #GP(0)", () =>
    run2(load(L.SEG_GS, SEL.expDown), readB(L.SEG_GS, 0xfff), [L.EXC_GP, 0]));
  it("an expand-down segment allows offsets 0x1000 and 0xFFFFFFF0", () => {
    run2(load(L.SEG_GS, SEL.expDown), readD(L.SEG_GS, 0x1000));
    run2(load(L.SEG_GS, SEL.expDown), readD(L.SEG_GS, 0xfffffff0 - BASE)); // linear wraps below 4 GiB
  });
  it("a read-only data segment can be read", () => run2(load(L.SEG_GS, SEL.readOnly), readD(L.SEG_GS, 0x203000)));
  it("a write through a read-only data segment: #GP(0)", () => run2(load(L.SEG_GS, SEL.readOnly), writeD(L.SEG_GS, 0x203000), [L.EXC_GP, 0]));
  it("a readable code segment loads into GS and can be read", () => run2(load(L.SEG_GS, SEL.codeRead), readD(L.SEG_GS, 0x203000)));
  it("a write through a code segment in GS: #GP(0)", () => run2(load(L.SEG_GS, SEL.codeRead), writeD(L.SEG_GS, 0x203000), [L.EXC_GP, 0]));
  it("a write through a CS override: #GP(0)", () => run2([], writeD(L.SEG_CS, 0x203000), [L.EXC_GP, 0]));
  it("loading an execute-only code segment into DS: #GP(selector)", () => {
    const r = exec(load(L.SEG_DS, SEL.codeExec));
    faultsAt(r, 2, 6, L.EXC_GP, SEL.codeExec);
  });
  it("loading a not-present data segment into ES: #NP(selector)", () => {
    const r = exec(load(L.SEG_ES, SEL.notPresent));
    faultsAt(r, 2, 6, L.EXC_NP, SEL.notPresent);
  });
  it("a null selector loads into ES, but an access through it is #GP(0)", () => {
    run2(load(L.SEG_ES, 0), []);
    run2(load(L.SEG_ES, 0), readD(L.SEG_ES, 0x203000), [L.EXC_GP, 0]);
  });
  it("LOCK with MOV (register or memory operand) is #UD", () => {
    for (const bytes of [[0xf0, 0x89, 0xc0], [0xf0, 0x89, 0x03]]) {
      const r = runBytes(m, bytes, { regs: [0, 0, 0, 0x203000, 0x205800, 0, 0, 0] });
      expect({ vector: r.vector, eip: r.eip }).toEqual({ vector: L.EXC_UD, eip: INSN });
    }
  });
  // SS with limit 0x205FFF; ESP (0x205800) stays valid so the exception frame can be pushed
  it("a read through SS beyond its limit is #SS(0), through DS #GP(0)", () => {
    run2(load(L.SEG_SS, SEL.stack), [0x36, 0xa1, ...le32(0x205ffc)]);
    run2(load(L.SEG_SS, SEL.stack), [0x36, 0xa1, ...le32(0x205ffd)], [L.EXC_SS, 0]);
    run2(load(L.SEG_DS, SEL.stack), [0xa1, ...le32(0x206000)], [L.EXC_GP, 0]);
  });
  it("[EBP+disp] defaults to SS and is limit-checked against it: #SS(0)", () => {
    const r = runBytes(m, [...load(L.SEG_SS, SEL.stack), 0x8b, 0x45, 0x04], {
      gdt: GDT,
      regs: [0, 0, 0, 0, 0x205800, 0x205ffc, 0, 0],
    });
    faultsAt(r, 3, 9, L.EXC_SS, 0);
  });
  it("EMMS with CR0.EM=1 is #UD", () => {
    const r = runBytes(m, [0x0f, 0x77], { cr0Set: L.CR0_EM });
    expect({ vector: r.vector, eip: r.eip }).toEqual({ vector: L.EXC_UD, eip: INSN });
  });
});
