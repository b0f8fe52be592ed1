// Guest-mode exits (STATE_EXC_BITMAP): an exception whose bit is set returns EXIT_EXCEPTION to the
// host instead of going through the IDT — including the single-step trap, which exits with EIP
// past the stepped instruction and DR6.BS set (docs/core-api.md "Exits").
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as L from "../../assembly/layout.js";
import { FIXTURE_DIR } from "./harness.js";

const wasm = readFileSync(join(FIXTURE_DIR, "../../../build/tabvisor.wasm"));

async function core(code: number[], at = 0x100000) {
  const { instance } = await WebAssembly.instantiate(wasm, {});
  const ex = instance.exports as unknown as {
    memory: WebAssembly.Memory; init(n: number): number; run(n: number): number; sync(): void;
  };
  ex.init(4 << 20);
  new Uint8Array(ex.memory.buffer).set(code, L.RAM_AREA_BASE + at);
  const dv = () => new DataView(ex.memory.buffer);
  dv().setUint32(L.STATE_BASE + L.STATE_EIP, at, true);
  dv().setUint32(L.STATE_BASE + L.STATE_REGS + 4 * L.REG_ESP, 0x90000, true);
  dv().setUint32(L.STATE_BASE + L.STATE_IDTR_LIMIT, 0, true); // any IDT delivery would #GP
  dv().setUint32(L.STATE_BASE + L.STATE_EXC_BITMAP, 0xffffffff, true);
  ex.sync();
  return { ex, u32: (off: number) => dv().getUint32(L.STATE_BASE + off, true) };
}

describe("guest mode: the exception bitmap", () => {
  it("single-step: TF set by POPF traps after the next instruction as EXIT_EXCEPTION vector 1", async () => {
    // pushf; or dword [esp], 0x100; popf; nop; nop
    const c = await core([0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90]);
    expect(c.ex.run(100)).toBe(L.EXIT_EXCEPTION);
    expect(c.u32(L.STATE_EXIT_VECTOR)).toBe(L.EXC_DB);
    expect(c.u32(L.STATE_EXIT_ERROR)).toBe(0xffffffff);
    expect(c.u32(L.STATE_EXIT_EIP)).toBe(0x10000a); // past the first NOP
    expect(c.u32(L.STATE_EIP)).toBe(0x10000a);
    expect(c.u32(L.STATE_DR + 6 * 4) & 0x4000).toBe(0x4000); // DR6.BS
  });

  it("a fault exits with EIP at the faulting instruction and its error code, nothing delivered", async () => {
    // nop; ud2
    const c = await core([0x90, 0x0f, 0x0b]);
    expect(c.ex.run(100)).toBe(L.EXIT_EXCEPTION);
    expect(c.u32(L.STATE_EXIT_VECTOR)).toBe(L.EXC_UD);
    expect(c.u32(L.STATE_EXIT_EIP)).toBe(0x100001);
    expect(c.u32(L.STATE_EIP)).toBe(0x100001);
    expect(c.u32(L.STATE_REGS + 4 * L.REG_ESP)).toBe(0x90000); // no frame pushed
  });
});

// An instruction whose last bytes lie on a page that is not present faults on the fetch of those
// bytes: EIP goes back to the instruction and nothing of it may be committed, or the restarted
// instruction works on clobbered state (trap mode fills shadow pages lazily, so every first fetch
// from a fresh user page faults like this: sigcheck's `and $0x7f,%eax` across 0x804b000 did).
describe("guest mode: a fault fetching an instruction's last bytes commits nothing", () => {
  const PAGE = 0x101000; // not present
  const cases: [string, number[], number][] = [
    ["and eax, 0x7f (83 /4 ib, register fast path)", [0x83, 0xe0, 0x7f], 2],
    ["add eax, imm32", [0x05, 0x01, 0x00, 0x00, 0x00], 3],
    ["adc al, imm8", [0x14, 0x01], 1],
    ["test al, imm8 (flags)", [0xa8, 0xff], 1],
    ["lea eax, [eax+disp32]", [0x8d, 0x80, 0x00, 0x01, 0x00, 0x00], 4],
    ["mov eax, imm32", [0xb8, 0x11, 0x22, 0x33, 0x44], 2],
    ["mov ecx, imm32 (c7 /0)", [0xc7, 0xc1, 0x07, 0x00, 0x00, 0x00], 3],
    ["bts eax, imm8", [0x0f, 0xba, 0xe8, 0x00], 3],
    ["loop rel8", [0xe2, 0xfe], 1],
    ["aad imm8", [0xd5, 0x0a], 1],
    ["out imm8, al", [0xe6, 0x80], 1],
    ["int imm8", [0xcd, 0x80], 1],
    ["mov cr0, eax (ModR/M on the next page)", [0x0f, 0x22, 0xc0], 2],
  ];
  for (const [name, bytes, split] of cases) {
    it(name, async () => {
      const start = PAGE - split;
      const c = await core(bytes, start);
      const dv = () => new DataView(c.ex.memory.buffer);
      const ram = (a: number) => L.RAM_AREA_BASE + a;
      // identity-map the first 4 MiB but the page at PAGE
      dv().setUint32(ram(0x10000), 0x11000 | L.PTE_P | L.PTE_W, true);
      for (let i = 0; i < 1024; i++) dv().setUint32(ram(0x11000 + 4 * i), i === PAGE >>> 12 ? 0 : (i << 12) | L.PTE_P | L.PTE_W, true);
      const regs = [0x12345678, 5, 0x33, 0x44, 0x90000, 0x66, 0x77, 0x88];
      regs.forEach((v, r) => dv().setUint32(L.STATE_BASE + L.STATE_REGS + 4 * r, v, true));
      const eflags = 0x2 | L.EFLAGS_CF;
      dv().setUint32(L.STATE_BASE + L.STATE_EFLAGS, eflags, true);
      dv().setUint32(L.STATE_BASE + L.STATE_CR3, 0x10000, true);
      const cr0 = (c.u32(L.STATE_CR0) | L.CR0_PG) >>> 0;
      dv().setUint32(L.STATE_BASE + L.STATE_CR0, cr0, true);
      c.ex.sync();
      expect(c.ex.run(1)).toBe(L.EXIT_EXCEPTION);
      expect(c.u32(L.STATE_EXIT_VECTOR)).toBe(L.EXC_PF);
      expect(c.u32(L.STATE_CR2)).toBe(PAGE);
      expect(c.u32(L.STATE_EXIT_EIP)).toBe(start);
      expect(c.u32(L.STATE_EIP)).toBe(start);
      expect(regs.map((_, r) => c.u32(L.STATE_REGS + 4 * r))).toEqual(regs);
      expect(c.u32(L.STATE_EFLAGS)).toBe(eflags);
      expect(c.u32(L.STATE_CR0)).toBe(cr0);
    });
  }
});
