// VGA text mode: CRTC registers through 0x3D4/0x3D5, the screen read from a RAM image at 0xB8000,
// and the exact ANSI output of full and incremental renders.
import { describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/io-bus.js";
import { CP437, VgaText, sgrFor } from "../../src/devices/vga-text.js";

const RAM = 1 << 20;
function setup() {
  const bus = new IoBus();
  const vga = new VgaText();
  vga.register(bus);
  const mem = new Uint8Array(RAM);
  const put = (row: number, col: number, text: string, attr: number) => {
    for (let i = 0; i < text.length; i++) {
      const a = 0xb8000 + 2 * (row * 80 + col + i);
      mem[a] = text.charCodeAt(i);
      mem[a + 1] = attr;
    }
  };
  const crtc = (reg: number, v: number) => {
    bus.write(0x3d4, 1, reg);
    bus.write(0x3d5, 1, v);
  };
  const cursorAt = (pos: number) => {
    crtc(0x0e, pos >> 8);
    crtc(0x0f, pos & 0xff);
  };
  return { bus, vga, mem, put, crtc, cursorAt };
}
const blankRow = (attrSgr: string, row: number) => `\x1b[${row};1H${attrSgr}${" ".repeat(80)}`;

describe("VGA text", () => {
  it("renders a known screen to an exact ANSI string (full redraw)", () => {
    const { vga, mem, put, cursorAt } = setup();
    // a grey-on-black screen (attribute 0x07) with two coloured words
    for (let i = 0; i < 2000; i++) {
      mem[0xb8000 + 2 * i] = 0x20;
      mem[0xb8000 + 2 * i + 1] = 0x07;
    }
    put(0, 0, "Hi", 0x1f); // bright white on blue
    put(1, 78, "OK", 0x4e); // yellow on red, ends in the last column
    cursorAt(80 * 2 + 5);
    const grey = "\x1b[37;40m";
    let expected = "\x1b[?25l";
    expected += "\x1b[1;1H\x1b[97;44mHi" + grey + " ".repeat(78);
    expected += "\x1b[2;1H" + " ".repeat(78) + "\x1b[93;41mOK";
    expected += "\x1b[3;1H" + grey + " ".repeat(80);
    for (let r = 4; r <= 25; r++) expected += `\x1b[${r};1H` + " ".repeat(80);
    expected += "\x1b[0m\x1b[3;6H\x1b[?25h";
    expect(vga.render(mem)).toBe(expected);
  });

  it("incremental render: only the changed span of a changed row; nothing when nothing changed", () => {
    const { vga, mem, put, cursorAt } = setup();
    vga.render(mem);
    expect(vga.render(mem)).toBe("");
    put(2, 4, "X", 0x02);
    put(2, 7, "Y", 0x02);
    // the two cells between X and Y are zero: NUL (a space) in black on black
    expect(vga.render(mem)).toBe("\x1b[?25l\x1b[3;5H\x1b[32;40mX\x1b[30;40m  \x1b[32;40mY\x1b[0m\x1b[1;1H\x1b[?25h");
    cursorAt(81);
    expect(vga.render(mem)).toBe("\x1b[?25l\x1b[2;2H\x1b[?25h");
  });

  it("full: true redraws everything even when nothing changed", () => {
    const { vga, mem } = setup();
    vga.render(mem);
    const again = vga.render(mem, { full: true });
    expect(again.startsWith("\x1b[?25l\x1b[1;1H\x1b[30;40m")).toBe(true);
    expect(again).toContain(blankRow("", 25));
  });

  it("cursor start bit 5 hides the cursor; start > end hides it too", () => {
    const { vga, mem, crtc } = setup();
    expect(vga.cursor()).toEqual({ row: 0, col: 0, visible: true });
    crtc(0x0a, 0x20);
    expect(vga.cursor().visible).toBe(false);
    expect(vga.render(mem).endsWith("\x1b[1;1H")).toBe(true);
    crtc(0x0a, 0x0f);
    crtc(0x0b, 0x0e);
    expect(vga.cursor().visible).toBe(false);
  });

  it("the start address (0x0C/0x0D) scrolls the visible window; the cursor is relative to it", () => {
    const { vga, mem, put, crtc, cursorAt } = setup();
    put(1, 0, "second", 0x07);
    crtc(0x0c, 0);
    crtc(0x0d, 80);
    cursorAt(80 + 3);
    expect(vga.text(mem)[0].startsWith("second")).toBe(true);
    expect(vga.cursor()).toEqual({ row: 0, col: 3, visible: true });
  });

  it("code page 437: box drawing and shades map to Unicode; NUL shows as a space", () => {
    const { vga, mem, put } = setup();
    put(0, 0, "\xc9\xcd\xbb\xb0\xdb\x01\x00", 0x07);
    expect(vga.text(mem)[0].slice(0, 7)).toBe("╔═╗░█☺ ");
    expect(CP437.length).toBe(256);
    expect(CP437[0x41]).toBe("A");
    expect(CP437[0x7f]).toBe("⌂");
  });

  it("attribute bit 7 is blink (not shown) by default, bright background when blink is off", () => {
    expect(sgrFor(0x8f, true)).toBe("\x1b[97;40m");
    expect(sgrFor(0x8f, false)).toBe("\x1b[97;100m");
    expect(sgrFor(0x61, true)).toBe("\x1b[34;43m"); // CGA blue on brown → ANSI blue on yellow
    const { vga, mem, put } = setup();
    put(0, 0, "B", 0xc7);
    vga.read(0x3da, 1); // reset the attribute flip-flop, then index 0x10 (with PAS), mode 0x04: blink off
    vga.write(0x3c0, 1, 0x30);
    vga.write(0x3c0, 1, 0x04);
    expect(vga.render(mem)).toContain("\x1b[37;101mB");
  });

  it("CRTC registers read back; mode-3 defaults; input status toggles retrace bits", () => {
    const { bus } = setup();
    bus.write(0x3d4, 1, 0x0a);
    expect(bus.read(0x3d5, 1)).toBe(0x0d);
    bus.write(0x3d4, 1, 0x0b);
    expect(bus.read(0x3d5, 1)).toBe(0x0e);
    expect(bus.read(0x3d4, 1)).toBe(0x0b);
    const s = [bus.read(0x3da, 1), bus.read(0x3da, 1), bus.read(0x3da, 1)];
    expect(s).toEqual([0x09, 0x00, 0x09]);
    expect(bus.read(0x3cc, 1)).toBe(0x67);
    bus.write(0x3c4, 1, 0x02);
    bus.write(0x3c5, 1, 0x0f);
    expect(bus.read(0x3c5, 1)).toBe(0x0f);
  });

  it("a RAM image smaller than the text buffer renders blank", () => {
    const { vga } = setup();
    expect(vga.text(new Uint8Array(4096))[0]).toBe(" ".repeat(80));
  });
});
