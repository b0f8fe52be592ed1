// bench/lib/instructions.js: reading callgrind's total.
import { describe, expect, it } from "vitest";
import { parseCallgrindTotal } from "../../../bench/lib/instructions.js";

describe("parseCallgrindTotal", () => {
  it("reads the Collected line of callgrind's summary", () => {
    const stderr = "==10693== Callgrind, a call-graph generating cache profiler\n==10693== \n==10693== Events    : Ir\n==10693== Collected : 161132463\n==10693== \n==10693== I   refs:      161,132,463\n";
    expect(parseCallgrindTotal(stderr)).toBe(161132463);
  });

  it("returns null when valgrind printed no summary", () => {
    expect(parseCallgrindTotal("valgrind: failed to start tool 'callgrind'\n")).toBeNull();
  });
});
