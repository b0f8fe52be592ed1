// bench/lib/transcripts.js: the checksum cross-check between engines.
import { describe, expect, it } from "vitest";
import { crossCheck, firstDifference } from "../../../bench/lib/transcripts.js";

const PATTERN = /^checksum ([0-9a-f]{8})$/m;
const good = "bench cpu repeat=1\narith 0000aaaa\nsort 0000bbbb\nchecksum 1234abcd\n";

describe("crossCheck", () => {
  it("passes identical transcripts and returns the reference's checksum", () => {
    const r = crossCheck(PATTERN, { label: "native", output: good }, [{ label: "qemu", run: 1, output: good }]);
    expect(r).toEqual({ checksum: "1234abcd", problems: [] });
  });

  it("names the engine, the run and the first differing kernel line of a mismatch", () => {
    const bad = good.replace("sort 0000bbbb", "sort 0000bbbc").replace("1234abcd", "99999999");
    const r = crossCheck(PATTERN, { label: "native", output: good }, [
      { label: "qemu", run: 1, output: good },
      { label: "tabvisor", run: 2, output: bad },
    ]);
    expect(r.problems).toEqual([
      'tabvisor run 2: output differs from native: line 3: want "sort 0000bbbb" got "sort 0000bbbc"; line 4: want "checksum 1234abcd" got "checksum 99999999"',
    ]);
  });

  it("fails a reference without a checksum line", () => {
    const r = crossCheck(PATTERN, { label: "native", output: "bench cpu\n" }, []);
    expect(r.checksum).toBeNull();
    expect(r.problems[0]).toMatch(/^native: no checksum line/);
  });
});

describe("firstDifference", () => {
  it("reports a truncated transcript as a missing line", () => {
    expect(firstDifference("a\nb\n", "a\n")).toBe('line 2: want "b" got ""; line 3: want "" got "<end>"');
  });
});
