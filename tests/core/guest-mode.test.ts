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
