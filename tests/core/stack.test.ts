// ISA unit tests, stack family: PUSH POP (all forms, PUSH ESP/POP ESP), PUSHA POPA, PUSHF POPF,
// ENTER LEAVE, PUSH/POP FS — checked against native runs on an Intel CPU
// (tests/fixtures/isa/stack.json) — and what POPF does at CPL 0 only, which the native runs (CPL 3)
// cannot show (SDM Vol. 2 "POPF/POPFD": IOPL and IF change at CPL 0; AC and ID are writable, which
// is how software detects a 486 and CPUID; VM, VIP and VIF are unaffected; RF is cleared).
import { describe, expect, it } from "vitest";
import * as L from "../../assembly/layout.js";
import { describeFamily, runBytes, type IsaMachine } from "./harness.js";

describeFamily("stack", (machine: () => IsaMachine) => {
  describe("POPF at CPL 0", () => {
    // push imm32; popfd; pushfd; pop eax
    const popf = (image: number) => {
      const r = runBytes(machine(), [0x68, ...[0, 8, 16, 24].map((s) => (image >>> s) & 0xff), 0x9d, 0x9c, 0x58]);
      expect(r.vector).toBeUndefined();
      return r.regs[L.REG_EAX];
    };
    it("sets IOPL and IF", () => {
      expect(popf(0x3202) & (L.EFLAGS_IOPL | L.EFLAGS_IF)).toBe(L.EFLAGS_IOPL | L.EFLAGS_IF);
      expect(popf(0x0002) & (L.EFLAGS_IOPL | L.EFLAGS_IF)).toBe(0);
    });
    it("can toggle AC and ID (how software detects a 486 and CPUID)", () => {
      expect(popf(0x2 | L.EFLAGS_AC | L.EFLAGS_ID) & (L.EFLAGS_AC | L.EFLAGS_ID)).toBe(L.EFLAGS_AC | L.EFLAGS_ID);
      expect(popf(0x2) & (L.EFLAGS_AC | L.EFLAGS_ID)).toBe(0);
    });
    it("leaves VM, VIF and VIP alone and clears RF; bit 1 reads 1, bits 3, 5, 15 read 0", () => {
      const got = popf(0xffffffff & ~L.EFLAGS_TF);
      expect(got & (L.EFLAGS_VM | L.EFLAGS_VIF | L.EFLAGS_VIP | L.EFLAGS_RF)).toBe(0);
      expect(got & 0x802a).toBe(0x2);
    });
    it("POPF with a 16-bit operand changes only the low word", () => {
      // push imm32 (high word has AC|ID); popfd; push word 0x0002; popf (16-bit); pushfd; pop eax
      const r = runBytes(machine(), [0x68, 0x02, 0x00, 0x24, 0x00, 0x9d, 0x66, 0x6a, 0x02, 0x66, 0x9d, 0x9c, 0x58]);
      expect(r.regs[L.REG_EAX] & (L.EFLAGS_AC | L.EFLAGS_ID)).toBe(L.EFLAGS_AC | L.EFLAGS_ID);
    });
  });
});
