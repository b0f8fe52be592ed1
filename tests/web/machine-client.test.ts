// splitKeys: long key input (a paste into the VGA view) goes to the keyboard ring in pieces that
// fit it, never cutting an escape sequence.
import { describe, expect, it } from "vitest";
import { splitKeys } from "../../web/machine-client.js";

describe("splitKeys", () => {
  it("keeps short input whole and cuts long input into pieces of at most max characters", () => {
    expect(splitKeys("ls\r", 8)).toEqual(["ls\r"]);
    const parts = splitKeys("abcdefghijklmnopqrst", 8);
    expect(parts).toEqual(["abcdefgh", "ijklmnop", "qrst"]);
  });

  it("moves a cut to before an escape sequence that would straddle it", () => {
    const parts = splitKeys("abcdef\x1b[A xyz", 8);
    expect(parts[0]).toBe("abcdef");
    expect(parts[1].startsWith("\x1b[A")).toBe(true);
    expect(parts.join("")).toBe("abcdef\x1b[A xyz");
  });

  it("returns nothing for empty input", () => {
    expect(splitKeys("", 8)).toEqual([]);
  });
});
