// ByteRing: bytes cross in order, wrap around the end of the buffer, never overrun the reader,
// and wake a waiter on the other side.
import { describe, expect, it } from "vitest";
import { ByteRing, RING_HEAD, waitForChange } from "../../src/worker/ring.js";

describe("ByteRing", () => {
  it("rounds capacity up to a power of two and starts empty", () => {
    const r = ByteRing.create(100);
    expect(r.capacity).toBe(128);
    expect(r.used()).toBe(0);
    expect(r.read().length).toBe(0);
  });

  it("delivers bytes in order across the wrap point, through a second view of the same memory", () => {
    const w = ByteRing.create(16);
    const rd = new ByteRing(w.sab);
    const got: number[] = [];
    let next = 0;
    for (let round = 0; round < 20; round++) {
      const chunk = Uint8Array.from({ length: 7 }, () => next++ & 0xff);
      expect(w.write(chunk)).toBe(7);
      got.push(...rd.read(round % 2 ? 7 : 100));
    }
    expect(got).toEqual(Array.from({ length: 140 }, (_, i) => i & 0xff));
  });

  it("writes only what fits, and writeAll writes nothing when the whole message does not fit", () => {
    const r = ByteRing.create(16);
    expect(r.write(new Uint8Array(20).fill(1))).toBe(16);
    expect(r.free()).toBe(0);
    expect(r.writeAll(Uint8Array.of(9))).toBe(false);
    expect(r.read(4)).toEqual(new Uint8Array(4).fill(1));
    expect(r.writeAll(Uint8Array.of(2, 3, 4, 5, 6))).toBe(false);
    expect(r.writeAll(Uint8Array.of(2, 3, 4, 5))).toBe(true);
    expect([...r.read()]).toEqual([...new Array(12).fill(1), 2, 3, 4, 5]);
  });

  it("clear drops everything waiting", () => {
    const r = ByteRing.create(16);
    r.write(Uint8Array.of(1, 2, 3));
    r.clear();
    expect(r.used()).toBe(0);
    r.write(Uint8Array.of(4));
    expect([...r.read()]).toEqual([4]);
  });

  it("rejects a buffer whose data area is not a power of two", () => {
    expect(() => new ByteRing(new SharedArrayBuffer(16 + 100))).toThrow(/power of two/);
  });

  it("waitForChange resolves when the writer publishes, and at once if the value already moved", async () => {
    const r = ByteRing.create(16);
    const head = Atomics.load(r.ctrl, RING_HEAD);
    const waiting = waitForChange(r.ctrl, RING_HEAD, head, Infinity);
    r.write(Uint8Array.of(42));
    await waiting;
    expect(r.used()).toBe(1);
    await waitForChange(r.ctrl, RING_HEAD, head, Infinity); // already changed: resolves immediately
  });

  it("waitForChange gives up after its timeout when nothing changes", async () => {
    const r = ByteRing.create(16);
    await waitForChange(r.ctrl, RING_HEAD, Atomics.load(r.ctrl, RING_HEAD), 1);
    expect(r.used()).toBe(0);
  });
});
