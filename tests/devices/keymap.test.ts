// Terminal bytes → key strokes → scancode set 1 and set 2 bytes.
import { describe, expect, it } from "vitest";
import { charToStroke, strokeScancodes, terminalToStrokes, KEYS } from "../../src/devices/keymap.js";

const set1 = (data: string) => terminalToStrokes(data).flatMap((s) => strokeScancodes(s, 1));
const set2 = (data: string) => terminalToStrokes(data).flatMap((s) => strokeScancodes(s, 2));

describe("keymap", () => {
  it("printable ASCII: lower case, upper case with Left Shift, shifted punctuation", () => {
    expect(set1("a")).toEqual([0x1e, 0x9e]);
    expect(set1("A")).toEqual([0x2a, 0x1e, 0x9e, 0xaa]);
    expect(set1("1!")).toEqual([0x02, 0x82, 0x2a, 0x02, 0x82, 0xaa]);
    expect(set1(" /?")).toEqual([0x39, 0xb9, 0x35, 0xb5, 0x2a, 0x35, 0xb5, 0xaa]);
  });

  it("every printable ASCII character has a key", () => {
    for (let c = 0x20; c < 0x7f; c++) expect(charToStroke(String.fromCharCode(c))).not.toBeNull();
  });

  it("Enter (CR, LF, CRLF once), Backspace (DEL and BS), Tab, Esc", () => {
    expect(set1("\r")).toEqual([0x1c, 0x9c]);
    expect(set1("\n")).toEqual([0x1c, 0x9c]);
    expect(set1("\r\n")).toEqual([0x1c, 0x9c]);
    expect(set1("\x7f\x08")).toEqual([0x0e, 0x8e, 0x0e, 0x8e]);
    expect(set1("\t")).toEqual([0x0f, 0x8f]);
    expect(set1("\x1b")).toEqual([0x01, 0x81]);
  });

  it("control codes are Ctrl+letter", () => {
    expect(set1("\x03")).toEqual([0x1d, 0x2e, 0xae, 0x9d]); // Ctrl+C
    expect(set1("\x1a")).toEqual([0x1d, 0x2c, 0xac, 0x9d]); // Ctrl+Z
  });

  it("cursor keys (CSI and SS3 forms) are extended keys with the E0 prefix", () => {
    expect(set1("\x1b[A\x1b[B\x1b[C\x1b[D")).toEqual([
      0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x50, 0xe0, 0xd0, 0xe0, 0x4d, 0xe0, 0xcd, 0xe0, 0x4b, 0xe0, 0xcb,
    ]);
    expect(set1("\x1bOA")).toEqual([0xe0, 0x48, 0xe0, 0xc8]);
  });

  it("editing and function keys; xterm modifier parameters", () => {
    expect(set1("\x1b[3~")).toEqual([0xe0, 0x53, 0xe0, 0xd3]);
    expect(set1("\x1b[H\x1b[F")).toEqual([0xe0, 0x47, 0xe0, 0xc7, 0xe0, 0x4f, 0xe0, 0xcf]);
    expect(set1("\x1bOP")).toEqual([0x3b, 0xbb]);
    expect(set1("\x1b[24~")).toEqual([0x58, 0xd8]);
    expect(set1("\x1b[1;5C")).toEqual([0x1d, 0xe0, 0x4d, 0xe0, 0xcd, 0x9d]); // Ctrl+Right
    expect(set1("\x1b[5;2~")).toEqual([0x2a, 0xe0, 0x49, 0xe0, 0xc9, 0xaa]); // Shift+PgUp
  });

  it("CSI Z is Shift+Tab", () => {
    expect(set1("\x1b[Z")).toEqual([0x2a, 0x0f, 0x8f, 0xaa]);
  });

  it("ESC + character is Alt + that key", () => {
    expect(set1("\x1bx")).toEqual([0x38, 0x2d, 0xad, 0xb8]);
  });

  it("unknown CSI sequences and non-ASCII characters produce nothing", () => {
    expect(set1("\x1b[99~é")).toEqual([]);
  });

  it("set 2: make codes, F0-prefixed breaks, E0 for extended keys", () => {
    expect(set2("a")).toEqual([0x1c, 0xf0, 0x1c]);
    expect(set2("A")).toEqual([0x12, 0x1c, 0xf0, 0x1c, 0xf0, 0x12]);
    expect(set2("\x1b[A")).toEqual([0xe0, 0x75, 0xe0, 0xf0, 0x75]);
  });

  it("set 1 make codes are distinct across keys (extended keys apart)", () => {
    const seen = new Map<string, string>();
    for (const [name, [s1, , ext]] of Object.entries(KEYS)) {
      const k = `${ext}:${s1}`;
      expect(seen.get(k), `${name} collides with ${seen.get(k)}`).toBeUndefined();
      seen.set(k, name);
    }
  });
});
