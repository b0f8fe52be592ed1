// isa-debug-exit (0xF4, QEMU semantics) and the 0xE9 debug console on the I/O bus.
import { describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/io-bus.js";
import { DebugExit, debugExitStatus } from "../../src/devices/debug-exit.js";
import { DebugConsole } from "../../src/devices/debug-console.js";

describe("isa-debug-exit", () => {
  it("maps a written value v to exit status (v << 1) | 1", () => {
    expect(debugExitStatus(0)).toBe(1);
    expect(debugExitStatus(1)).toBe(3);
    expect(debugExitStatus(0x2a)).toBe(85);
    expect(debugExitStatus(0xffffffff)).toBe(0xffffffff);
  });

  it("accepts any access width on ports 0xF4..0xF7 and passes the whole value", () => {
    const bus = new IoBus();
    const seen: [number, number][] = [];
    new DebugExit((v, s) => seen.push([v, s])).attach(bus);
    bus.write(0xf4, 1, 0x10);
    bus.write(0xf4, 2, 0x1234);
    bus.write(0xf4, 4, 0x80000001);
    bus.write(0xf7, 1, 3);
    expect(seen).toEqual([
      [0x10, 0x21],
      [0x1234, 0x2469],
      [0x80000001, 0x00000003],
      [3, 7],
    ]);
    expect(bus.read(0xf4, 1)).toBe(0); // as QEMU 7.2 answers
    expect(bus.read(0xf6, 2)).toBe(0);
    expect(bus.deviceAt(0xf8)).toBeUndefined();
  });
});

describe("debug console (0xE9)", () => {
  it("outputs written bytes and reads back 0xE9", () => {
    const bus = new IoBus();
    const out: number[] = [];
    new DebugConsole((b) => out.push(b)).attach(bus);
    bus.write(0xe9, 1, 0x41);
    expect(out).toEqual([0x41]);
    expect(bus.read(0xe9, 1)).toBe(0xe9);
  });
});
