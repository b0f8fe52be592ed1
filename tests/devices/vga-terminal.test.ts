// The VGA renderer's ANSI output fed to a real terminal emulator (xterm.js, headless): after every
// full or incremental render the terminal shows exactly the VGA screen — characters, colours and
// cursor — including the bottom-right cell, which must not scroll the terminal.
import { describe, expect, it } from "vitest";
import xterm from "@xterm/headless";
import { CP437, VgaText } from "../../src/devices/vga-text.js";

const { Terminal } = xterm;
type Term = InstanceType<typeof Terminal>;
const CGA_TO_ANSI = [0, 4, 2, 6, 1, 5, 3, 7];

function write(term: Term, data: string): Promise<void> {
  return new Promise((resolve) => term.write(data, resolve));
}

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Compare every cell of the terminal with the VGA screen (blink enabled: background bits 6:4). */
function expectSame(term: Term, vga: VgaText, mem: Uint8Array): void {
  const buf = term.buffer.active;
  const cells = vga.cells(mem);
  const mismatches: string[] = [];
  for (let r = 0; r < 25; r++) {
    const line = buf.getLine(buf.viewportY + r)!;
    for (let c = 0; c < 80; c++) {
      const cell = line.getCell(c)!;
      const v = cells[r * 80 + c];
      const ch = CP437[v & 0xff];
      const fg = (v >> 8) & 15;
      const bg = (v >> 12) & 7;
      const wantFg = fg < 8 ? CGA_TO_ANSI[fg] : 8 + CGA_TO_ANSI[fg - 8];
      const wantBg = CGA_TO_ANSI[bg];
      const got = `${cell.getChars() || " "}/${cell.getFgColor()}/${cell.getBgColor()}`;
      const want = `${ch === "\u00a0" ? "\u00a0" : ch}/${wantFg}/${wantBg}`;
      if (got !== want) mismatches.push(`(${r},${c}) got ${got} want ${want}`);
    }
  }
  expect(mismatches.slice(0, 5)).toEqual([]);
  expect(buf.viewportY).toBe(0); // nothing scrolled
  const cur = vga.cursor();
  expect([buf.cursorY, buf.cursorX]).toEqual([cur.row, cur.col]);
}

describe("VGA rendering in xterm.js", () => {
  it("full and incremental renders reproduce a changing screen cell for cell", async () => {
    const term = new Terminal({ cols: 80, rows: 25, allowProposedApi: true });
    const vga = new VgaText();
    const mem = new Uint8Array(0xc0000);
    const next = rng(0x7ab1504);
    for (let i = 0; i < 4000; i++) mem[0xb8000 + i] = next() & 0xff;
    await write(term, vga.render(mem));
    expectSame(term, vga, mem);
    for (let round = 0; round < 20; round++) {
      const writes = 1 + (next() % 60);
      for (let k = 0; k < writes; k++) mem[0xb8000 + (next() % 4000)] = next() & 0xff;
      const pos = next() % 2000;
      vga.write(0x3d4, 1, 0x0e);
      vga.write(0x3d5, 1, pos >> 8);
      vga.write(0x3d4, 1, 0x0f);
      vga.write(0x3d5, 1, pos & 0xff);
      await write(term, vga.render(mem));
      expectSame(term, vga, mem);
    }
  });

  it("writing the bottom-right cell does not scroll the terminal", async () => {
    const term = new Terminal({ cols: 80, rows: 25, allowProposedApi: true });
    const vga = new VgaText();
    const mem = new Uint8Array(0xc0000);
    await write(term, vga.render(mem));
    mem[0xb8000 + 2 * 1999] = 0x41;
    mem[0xb8000 + 2 * 1999 + 1] = 0x1f;
    mem[0xb8000] = 0x42;
    mem[0xb8001] = 0x07;
    await write(term, vga.render(mem));
    expectSame(term, vga, mem);
    expect(term.buffer.active.getLine(0)!.translateToString().startsWith("B")).toBe(true);
  });
});
