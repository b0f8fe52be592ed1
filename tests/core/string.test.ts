// ISA unit tests, string family: MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE, both directions,
// overrides, 0x67 — checked against native runs (tests/fixtures/isa/string.json) — and the
// restartability of REP instructions, which no native run shows: docs/core-api.md counts every
// iteration as one instruction, and an interrupt between iterations is delivered with EIP on
// the REP instruction and the registers showing the progress (SDM Vol. 2 "REP", Vol. 3A §6.6).
import { describe, expect, it } from "vitest";
import * as L from "../../assembly/layout.js";
import { describeFamily, type IsaMachine } from "./harness.js";

const INSN = 0x202000;
const SRC = 0x203000, DST = 0x203200;

describeFamily("string", (machine: () => IsaMachine) => {
  describe("REP restartability", () => {
    // rep movsb, ECX=10, forward
    const start = (m: IsaMachine, eflags = 0x202) => {
      m.reset({ code: Uint8Array.from([0xf3, 0xa4]), at: INSN, regs: [0, 10, 0, 0, 0x205800, 0, SRC, DST], eflags });
      for (let i = 0; i < 16; i++) m.ram[SRC + i] = 0xa0 + i;
      m.ram.fill(0, DST, DST + 16);
      m.sync();
    };
    const reg = (m: IsaMachine, r: number) => m.core.state.reg(r);

    it("run(1) retires one iteration and leaves EIP on the instruction", () => {
      const m = machine();
      start(m);
      for (let k = 1; k <= 10; k++) {
        expect(m.core.run(1)).toBe(L.EXIT_BUDGET);
        expect({ ecx: reg(m, L.REG_ECX), esi: reg(m, L.REG_ESI) - SRC, edi: reg(m, L.REG_EDI) - DST }).toEqual({
          ecx: 10 - k,
          esi: k,
          edi: k,
        });
        expect(m.core.state.eip).toBe(k < 10 ? INSN : INSN + 2);
        expect(m.core.state.insnCount).toBe(BigInt(k));
      }
      expect(Array.from(m.ram.subarray(DST, DST + 11))).toEqual([...Array.from({ length: 10 }, (_, i) => 0xa0 + i), 0]);
    });

    it("an interrupt injected between iterations is taken with EIP on the REP instruction", () => {
      const m = machine();
      start(m);
      expect(m.core.run(3)).toBe(L.EXIT_BUDGET);
      m.core.state.inject = 30; // the harness IDT sends every vector < 32 to a HLT
      const r = m.runToHalt(); // stops on the handler's HLT; r.eip is the frame EIP
      expect(r.vector).toBe(30);
      expect(r.eip).toBe(INSN); // frame EIP: the REP MOVSB, to be resumed
      expect(reg(m, L.REG_ECX)).toBe(7);
      // resume without an IRET: back to the REP with the original stack, the rest must complete
      m.core.state.eip = INSN;
      m.core.state.setReg(L.REG_ESP, 0x205800);
      m.core.state.setU32(L.STATE_ACTIVITY, L.ACTIVITY_RUNNING); // it halted in the handler
      m.sync();
      const done = m.runToHalt();
      expect({ ecx: done.regs[L.REG_ECX], eip: done.eip }).toEqual({ ecx: 0, eip: INSN + 2 });
      expect(Array.from(m.ram.subarray(DST, DST + 10))).toEqual(Array.from({ length: 10 }, (_, i) => 0xa0 + i));
    });

    it("REP OUTSB exits once per element with the byte, in both directions", () => {
      for (const df of [0, 1]) {
        const m = machine();
        const src = df ? SRC + 2 : SRC;
        m.reset({ code: Uint8Array.from([0xf3, 0x6e]), at: INSN, regs: [0, 3, 0x3f8, 0, 0x205800, 0, src, 0], eflags: 0x202 | (df ? 0x400 : 0) });
        m.ram.set([0x41, 0x42, 0x43], SRC);
        m.sync();
        const seen: number[] = [];
        for (let k = 0; k < 3; k++) {
          expect(m.core.run(1000)).toBe(L.EXIT_IO);
          const st = m.core.state;
          expect({ port: st.exitPort, size: st.exitSize, dir: st.exitDir }).toEqual({ port: 0x3f8, size: 1, dir: L.IO_OUT });
          seen.push(st.exitData & 0xff);
          expect(reg(m, L.REG_ECX)).toBe(2 - k);
        }
        expect(seen).toEqual(df ? [0x43, 0x42, 0x41] : [0x41, 0x42, 0x43]);
        expect(m.runToHalt().eip).toBe(INSN + 2);
        expect(reg(m, L.REG_ESI)).toBe(df ? SRC - 1 : SRC + 3);
      }
    });

    it("REP INSW completes each element with the host's answer (EXIT_IO, then IO_READY)", () => {
      const m = machine();
      m.reset({ code: Uint8Array.from([0x66, 0xf3, 0x6d]), at: INSN, regs: [0, 2, 0x1f0, 0, 0x205800, 0, 0, DST], eflags: 0x202 });
      m.ram.fill(0, DST, DST + 8);
      m.sync();
      for (const answer of [0xbeef, 0x1234]) {
        expect(m.core.run(1000)).toBe(L.EXIT_IO);
        const st = m.core.state;
        expect({ port: st.exitPort, size: st.exitSize, dir: st.exitDir }).toEqual({ port: 0x1f0, size: 2, dir: L.IO_IN });
        st.exitData = answer;
        st.ioReady = true;
      }
      const r = m.runToHalt();
      expect({ eip: r.eip, ecx: r.regs[L.REG_ECX], edi: r.regs[L.REG_EDI] }).toEqual({ eip: INSN + 3, ecx: 0, edi: DST + 4 });
      expect(Array.from(m.ram.subarray(DST, DST + 5))).toEqual([0xef, 0xbe, 0x34, 0x12, 0]);
    });

    it("REP with ECX=0 retires as one instruction and changes nothing", () => {
      const m = machine();
      m.reset({ code: Uint8Array.from([0xf3, 0xab]), at: INSN, regs: [0x11223344, 0, 0, 0, 0x205800, 0, SRC, DST], eflags: 0x202 });
      m.ram.fill(0x5a, DST, DST + 8);
      m.sync();
      expect(m.core.run(1)).toBe(L.EXIT_BUDGET);
      expect({ eip: m.core.state.eip, edi: reg(m, L.REG_EDI), count: m.core.state.insnCount }).toEqual({ eip: INSN + 2, edi: DST, count: 1n });
      expect(Array.from(m.ram.subarray(DST, DST + 8))).toEqual(new Array(8).fill(0x5a));
    });
  });
});
