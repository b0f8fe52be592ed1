// ISA unit tests, misc family: flag instructions, NOP, #UD encodings, LAR/LSL/VERR/VERW (native
// fixtures), and what no native run can check: CPUID and RDTSC as the tabvisor PC defines them
// (docs/core-api.md, DESIGN "The platform"), IN/OUT through EXIT_IO, and the exceptions of the
// x87/MMX/SSE opcodes the core does not implement (SDM Vol. 3A §2.5 CR0.EM/TS, §13.1 and Vol. 2
// "CPUID").
import { describe, expect, it } from "vitest";
import * as L from "../../assembly/layout.js";
import { describeFamily, IDT_BASE, runBytes, type IsaMachine } from "./harness.js";

const INSN = 0x202000;

describeFamily("misc", (machine: () => IsaMachine) => {
  const cpuid = (leaf: number) => {
    const r = runBytes(machine(), [0x0f, 0xa2], { regs: [leaf, 0xdead, 0xbeef, 0xcafe, 0x205800, 5, 6, 7] });
    expect(r.vector, "CPUID must not fault").toBeUndefined();
    return r.regs;
  };

  describe("CPUID", () => {
    it("leaf 0 reports a maximum leaf >= 1 and a 12-character printable vendor", () => {
      const [eax, ecx, edx, ebx] = cpuid(0);
      expect(eax).toBeGreaterThanOrEqual(1);
      const vendor = [ebx, edx, ecx].map((w) => String.fromCharCode(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24)).join("");
      expect(vendor).toMatch(/^[\x20-\x7e]{12}$/);
    });
    it("leaf 1 reports family 6 and exactly the i686 features the core implements", () => {
      const [eax, , edx] = cpuid(1); // regs in Intel order: eax ecx edx ebx
      const family = (eax >>> 8) & 0xf;
      expect(family).toBe(6);
      const bits = (n: number) => (edx >>> n) & 1;
      expect({ PSE: bits(3), TSC: bits(4), CX8: bits(8), CMOV: bits(15) }).toEqual({ PSE: 1, TSC: 1, CX8: 1, CMOV: 1 });
      // no x87, MMX, FXSR, SSE, SSE2: they raise exceptions, so they must not be advertised
      expect({ FPU: bits(0), MMX: bits(23), FXSR: bits(24), SSE: bits(25), SSE2: bits(26) }).toEqual({
        FPU: 0,
        MMX: 0,
        FXSR: 0,
        SSE: 0,
        SSE2: 0,
      });
    });
    it("leaves the arithmetic flags unchanged", () => {
      for (const fl of [0x202, 0x202 | 0x8d5]) {
        const r = runBytes(machine(), [0x0f, 0xa2], { eflags: fl, regs: [1, 0, 0, 0, 0x205800, 0, 0, 0] });
        expect(r.eflags & 0xdd5).toBe(fl & 0xdd5);
      }
    });
  });

  describe("RDTSC", () => {
    it("returns STATE_INSN_COUNT + STATE_TSC_OFFSET counted before the RDTSC retires", () => {
      // three NOPs, then RDTSC: 3 instructions retired since init (INSN_COUNT starts at 0)
      const offset = 0x1_2345_fff0n;
      const r = runBytes(machine(), [0x90, 0x90, 0x90, 0x0f, 0x31], { tscOffset: offset });
      const tsc = (BigInt(r.regs[L.REG_EDX]) << 32n) | BigInt(r.regs[L.REG_EAX]);
      expect(tsc - offset).toBe(3n);
      expect(r.regs[L.REG_EDX]).toBe(1); // the carry out of the low half reached EDX
    });
    it("advances by one per retired instruction between two reads", () => {
      // rdtsc; mov esi,eax; nop×5; rdtsc
      const r = runBytes(machine(), [0x0f, 0x31, 0x89, 0xc6, 0x90, 0x90, 0x90, 0x90, 0x90, 0x0f, 0x31]);
      expect((r.regs[L.REG_EAX] - r.regs[L.REG_ESI]) >>> 0).toBe(7);
    });
    it("is allowed at CPL 0 with CR4.TSD set", () => {
      const r = runBytes(machine(), [0x0f, 0x31], { cr4: L.CR4_TSD });
      expect(r.vector).toBeUndefined();
    });
  });

  describe("exception delivery", () => {
    it("#UD whose IDT gate is not present raises #NP with IDT and EXT set in the error code (SDM §6.13)", () => {
      const m = machine();
      m.reset({ code: Uint8Array.from([0x0f, 0x0b]), at: INSN, regs: [0, 0, 0, 0, 0x205800, 0, 0, 0], eflags: 0x2 });
      const gate6 = IDT_BASE + 6 * 8 + 4; // the harness IDT: clear P in gate 6
      m.writeU32(gate6, m.readU32(gate6) & ~0x8000);
      m.sync();
      const r = m.runToHalt();
      expect({ vector: r.vector, error: r.errorCode, eip: r.eip }).toEqual({ vector: L.EXC_NP, error: (6 << 3) | 2 | 1, eip: INSN });
    });
  });

  describe("IN and OUT (docs/core-api.md EXIT_IO)", () => {
    const start = (bytes: number[], eax: number, edx: number) => {
      const m = machine();
      m.reset({ code: Uint8Array.from(bytes), at: INSN, regs: [eax, 0, edx, 0, 0x205800, 0, 0, 0], eflags: 0x202 });
      m.sync();
      return m;
    };
    const OUTS: [string, number[], number, number][] = [
      ["out 0x80, al (E6 80)", [0xe6, 0x80], 0x80, 1],
      ["out dx, al (EE)", [0xee], 0x3f8, 1],
      ["out dx, ax (66 EF)", [0x66, 0xef], 0x3f8, 2],
      ["out dx, eax (EF)", [0xef], 0x3f8, 4],
      ["out 0xf4, eax (E7 F4)", [0xe7, 0xf4], 0xf4, 4],
    ];
    for (const [name, bytes, port, size] of OUTS) {
      it(`${name} exits with port, size and the value, retired`, () => {
        const m = start(bytes, 0x89abcdef, 0xffff03f8);
        expect(m.core.run(10)).toBe(L.EXIT_IO);
        const st = m.core.state;
        const mask = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
        expect({ port: st.exitPort, size: st.exitSize, dir: st.exitDir, data: st.exitData, eip: st.eip }).toEqual({
          port,
          size,
          dir: L.IO_OUT,
          data: (0x89abcdef & mask) >>> 0,
          eip: INSN + bytes.length,
        });
      });
    }
    const INS: [string, number[], number, number][] = [
      ["in al, 0x60 (E4 60)", [0xe4, 0x60], 0x60, 1],
      ["in al, dx (EC)", [0xec], 0x3fd, 1],
      ["in ax, dx (66 ED)", [0x66, 0xed], 0x3fd, 2],
      ["in eax, dx (ED)", [0xed], 0x3fd, 4],
    ];
    for (const [name, bytes, port, size] of INS) {
      it(`${name} waits for the host's value and merges it into EAX`, () => {
        const m = start(bytes, 0x89abcdef, 0x000003fd);
        expect(m.core.run(10)).toBe(L.EXIT_IO);
        const st = m.core.state;
        expect({ port: st.exitPort, size: st.exitSize, dir: st.exitDir, eip: st.eip }).toEqual({ port, size, dir: L.IO_IN, eip: INSN });
        st.exitData = 0x5a5a1234;
        st.ioReady = true;
        const r = m.runToHalt();
        const keep = size === 4 ? 0 : size === 2 ? 0xffff0000 : 0xffffff00;
        expect(r.regs[L.REG_EAX]).toBe(((0x89abcdef & keep) | (0x5a5a1234 & ~keep)) >>> 0);
        expect(r.eip).toBe(INSN + bytes.length);
      });
    }
  });

  describe("x87, MMX and SSE opcodes (no FPU, CPUID advertises none)", () => {
    const X87: [string, number[]][] = [
      ["fld1 (D9 E8)", [0xd9, 0xe8]],
      ["fninit (DB E3)", [0xdb, 0xe3]],
      ["fld qword [ebp+8] (DD 45 08)", [0xdd, 0x45, 0x08]],
      ["fadd dword [eax] (D8 00)", [0xd8, 0x00]],
      ["fistp word [esp] (DF 1C 24)", [0xdf, 0x1c, 0x24]],
      ["fnstsw ax (DF E0)", [0xdf, 0xe0]],
      ["fnsave [ebx] (DD 33)", [0xdd, 0x33]],
    ];
    const SIMD: [string, number[]][] = [
      ["emms (0F 77)", [0x0f, 0x77]],
      ["movq mm0, mm1 (0F 6F C1)", [0x0f, 0x6f, 0xc1]],
      ["pxor mm0, [eax] (0F EF 00)", [0x0f, 0xef, 0x00]],
      ["movaps xmm0, xmm1 (0F 28 C1)", [0x0f, 0x28, 0xc1]],
      ["addps xmm0, xmm1 (0F 58 C1)", [0x0f, 0x58, 0xc1]],
      ["pxor xmm0, xmm0 (66 0F EF C0)", [0x66, 0x0f, 0xef, 0xc0]],
      ["movss xmm0, [eax] (F3 0F 10 00)", [0xf3, 0x0f, 0x10, 0x00]],
      ["fxsave [eax] (0F AE 00)", [0x0f, 0xae, 0x00]],
      ["ldmxcsr [eax] (0F AE 10)", [0x0f, 0xae, 0x10]],
    ];
    const regs = [0x203000, 0, 0, 0x203100, 0x205800, 0x203200, 0, 0];
    const expectFault = (bytes: number[], vector: number, opts: Parameters<typeof runBytes>[2]) => {
      const r = runBytes(machine(), bytes, { regs, ...opts });
      expect({ vector: r.vector, eip: r.eip }).toEqual({ vector, eip: INSN });
      expect(r.regs.slice(0, 4)).toEqual(regs.slice(0, 4));
    };
    for (const [name, bytes] of X87) {
      it(`${name} raises #NM with CR0.EM=1`, () => expectFault(bytes, L.EXC_NM, { cr0Set: L.CR0_EM }));
      it(`${name} raises #NM with CR0.TS=1`, () => expectFault(bytes, L.EXC_NM, { cr0Set: L.CR0_TS | L.CR0_MP }));
      it(`${name} raises #UD with CR0.EM=0, TS=0 (no FPU)`, () => expectFault(bytes, L.EXC_UD, { cr0Clear: L.CR0_EM | L.CR0_TS }));
    }
    for (const [name, bytes] of SIMD) {
      it(`${name} raises #UD with CR0.EM=0, TS=0`, () => expectFault(bytes, L.EXC_UD, { cr0Clear: L.CR0_EM | L.CR0_TS }));
      it(`${name} raises #UD with CR0.EM=1`, () => expectFault(bytes, L.EXC_UD, { cr0Set: L.CR0_EM }));
      it(`${name} raises #UD with CR0.TS=1 (CPUID says not present)`, () => expectFault(bytes, L.EXC_UD, { cr0Set: L.CR0_TS }));
    }
    it("wait (9B) raises #NM when CR0.MP and CR0.TS are both set", () => expectFault([0x9b], L.EXC_NM, { cr0Set: L.CR0_MP | L.CR0_TS }));
    it("wait (9B) executes as a no-op otherwise", () => {
      const r = runBytes(machine(), [0x9b], { regs, cr0Clear: L.CR0_TS });
      expect(r.vector).toBeUndefined();
      expect(r.eip).toBe(INSN + 1);
    });
  });
});
