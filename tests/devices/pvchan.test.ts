// The pvchan device's ports (docs/containers.md): stream selection, per-stream queues, status and
// pending registers, the IRQ 5 level (armed by the guest's first access) through the real 8259A pair, byte halves of the 16-bit
// registers, absent-stream behaviour, the guest's hold on a stream (flow control) and save/restore.
import { describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/io-bus.js";
import { PicPair } from "../../src/devices/pic8259.js";
import {
  PV_DATA,
  PV_IRQ,
  PV_NONE,
  PV_PENDING,
  PV_SELECT,
  PV_STATUS,
  PV_STATUS_ANY,
  PV_STATUS_HOLD,
  PV_STATUS_PRESENT,
  PV_STATUS_SELECTED,
  PvChan,
} from "../../src/devices/pvchan.js";

function setup() {
  const bus = new IoBus();
  const levels: boolean[] = [];
  const dev = new PvChan({ irq: (l) => levels.push(l) });
  dev.attach(bus);
  const got: [number, number][] = [];
  dev.listen((k, b) => got.push([k, b]));
  return { bus, dev, levels, got };
}

/** Read every byte waiting on `stream` through the ports, as a guest driver does. */
function drain(bus: IoBus, stream: number): string {
  bus.write(PV_SELECT, 2, stream);
  let s = "";
  while (bus.read(PV_STATUS, 1) & PV_STATUS_SELECTED) s += String.fromCharCode(bus.read(PV_DATA, 1));
  return s;
}

describe("pvchan ports", () => {
  it("reads status 0x80 (present, nothing waiting), pending 0xFFFF and data 0xFF when idle", () => {
    const { bus } = setup();
    expect(bus.read(PV_STATUS, 1)).toBe(PV_STATUS_PRESENT);
    expect(bus.read(PV_PENDING, 2)).toBe(PV_NONE);
    expect(bus.read(PV_DATA, 1)).toBe(0xff);
  });

  it("an absent device reads 0xFF at PV_STATUS, which the presence test rejects", () => {
    const bus = new IoBus();
    const s = bus.read(PV_STATUS, 1);
    expect(s).toBe(0xff);
    expect((s & PV_STATUS_PRESENT) !== 0 && s !== 0xff).toBe(false);
  });

  it("delivers host bytes on the selected stream only, in order", () => {
    const { bus, dev } = setup();
    dev.send(3, "abc");
    dev.send(0, "1 ok {}\n");
    bus.write(PV_SELECT, 2, 1);
    expect(bus.read(PV_STATUS, 1)).toBe(PV_STATUS_PRESENT | PV_STATUS_ANY);
    expect(bus.read(PV_DATA, 1)).toBe(0xff);
    expect(drain(bus, 3)).toBe("abc");
    expect(drain(bus, 0)).toBe("1 ok {}\n");
    expect(bus.read(PV_STATUS, 1)).toBe(PV_STATUS_PRESENT);
  });

  it("PV_PENDING names the lowest stream with bytes waiting", () => {
    const { bus, dev } = setup();
    dev.send(200, [1]);
    dev.send(7, [2, 3]);
    expect(bus.read(PV_PENDING, 2)).toBe(7);
    drain(bus, 7);
    expect(bus.read(PV_PENDING, 2)).toBe(200);
    drain(bus, 200);
    expect(bus.read(PV_PENDING, 2)).toBe(PV_NONE);
  });

  it("passes guest bytes to the host tagged with the selected stream", () => {
    const { bus, got, dev } = setup();
    bus.write(PV_SELECT, 2, 0);
    for (const c of "9 ok\n") bus.write(PV_DATA, 1, c.charCodeAt(0));
    bus.write(PV_SELECT, 2, 255);
    bus.write(PV_DATA, 1, 0x41);
    expect(got).toEqual([...[..."9 ok\n"].map((c) => [0, c.charCodeAt(0)]), [255, 0x41]]);
    expect(dev.bytesFromGuest[0]).toBe(5);
    expect(dev.bytesFromGuest[255]).toBe(1);
  });

  it("holds IRQ 5 low until the guest's first access to the device, then follows the queues", () => {
    const { bus, dev, levels } = setup();
    dev.send(1, "early");
    expect(levels).toEqual([]);
    expect(dev.probed).toBe(false);
    bus.read(PV_STATUS, 1); // the driver's probe
    expect(levels).toEqual([true]);
    drain(bus, 1);
    expect(levels).toEqual([true, false]);
  });

  it("tells probe listeners once, at the guest's first access", () => {
    const { bus, dev } = setup();
    let calls = 0;
    dev.onProbe(() => calls++);
    dev.send(0, "x"); // host activity is no probe
    expect(calls).toBe(0);
    bus.write(PV_SELECT, 2, 3);
    bus.read(PV_STATUS, 1);
    expect(calls).toBe(1);
  });

  it("holds IRQ 5 high exactly while some stream has bytes waiting", () => {
    const { bus, dev, levels } = setup();
    bus.read(PV_STATUS, 1);
    dev.send(1, "x");
    dev.send(2, "y"); // already high: no new change
    expect(levels).toEqual([true]);
    drain(bus, 1);
    expect(levels).toEqual([true]);
    drain(bus, 2);
    expect(levels).toEqual([true, false]);
    dev.send(5, "");
    expect(levels).toEqual([true, false]);
  });

  it("raises IRQ 5 at the 8259A: vector base + 5 once the guest unmasks it", () => {
    const pic = new PicPair();
    const bus = new IoBus();
    pic.register(bus);
    const dev = new PvChan({ irq: (l) => pic.setIrq(PV_IRQ, l) });
    dev.attach(bus);
    // ICW1..ICW4 for the master (vector base 0x20, slave on IR2), slave at 0x28, all masked but IRQ5
    bus.write(0x20, 1, 0x11);
    bus.write(0x21, 1, 0x20);
    bus.write(0x21, 1, 0x04);
    bus.write(0x21, 1, 0x01);
    bus.write(0xa0, 1, 0x11);
    bus.write(0xa1, 1, 0x28);
    bus.write(0xa1, 1, 0x02);
    bus.write(0xa1, 1, 0x01);
    bus.write(0xa1, 1, 0xff);
    bus.write(0x21, 1, 0xff & ~(1 << PV_IRQ));
    bus.read(PV_STATUS, 1);
    expect(pic.interruptPending()).toBe(false);
    dev.send(0, "1 ps\n");
    expect(pic.interruptPending()).toBe(true);
    expect(pic.acknowledgeInterrupt()).toBe(0x20 + PV_IRQ);
  });

  it("decodes byte halves of PV_SELECT and PV_PENDING", () => {
    const { bus, dev } = setup();
    bus.write(PV_SELECT, 1, 0x34);
    bus.write(PV_SELECT + 1, 1, 0x01);
    expect(bus.read(PV_SELECT, 2)).toBe(0x134);
    expect(bus.read(PV_SELECT + 1, 1)).toBe(0x01);
    dev.send(0x42, [9]);
    expect(bus.read(PV_PENDING, 1)).toBe(0x42);
    expect(bus.read(PV_PENDING + 1, 1)).toBe(0);
  });

  it("treats streams ≥ 256 as absent: data reads 0xFF, writes are dropped", () => {
    const { bus, dev, got } = setup();
    dev.send(0, "z");
    bus.write(PV_SELECT, 2, 0x100);
    expect(bus.read(PV_DATA, 1)).toBe(0xff);
    expect(bus.read(PV_STATUS, 1)).toBe(PV_STATUS_PRESENT | PV_STATUS_ANY);
    bus.write(PV_DATA, 1, 1);
    expect(got).toEqual([]);
    expect(dev.queued(0)).toBe(1);
  });

  it("refuses host bytes for a stream that does not exist", () => {
    const { dev } = setup();
    expect(() => dev.send(256, "x")).toThrow(RangeError);
    expect(() => dev.send(-1, "x")).toThrow(RangeError);
  });

  it("discard drops a stream's queue and lowers IRQ 5 when nothing else waits", () => {
    const { bus, dev, levels } = setup();
    bus.read(PV_STATUS, 1);
    dev.send(9, "abc");
    dev.discard(9);
    expect(dev.queued(9)).toBe(0);
    expect(levels).toEqual([true, false]);
  });

  it("keeps long queues correct across many reads", () => {
    const { bus, dev } = setup();
    const text = "x".repeat(10_000) + "end";
    dev.send(4, text);
    dev.send(4, "!");
    expect(drain(bus, 4)).toBe(text + "!");
  });

  it("saves and restores the selected stream and the queued bytes", () => {
    const a = setup();
    a.bus.read(PV_STATUS, 1);
    a.dev.send(2, "hello");
    a.bus.write(PV_SELECT, 2, 2);
    a.bus.read(PV_DATA, 1);
    const saved = structuredClone(a.dev.saveState());
    const b = setup();
    b.dev.restoreState(saved);
    expect(b.levels).toEqual([true]);
    expect(b.bus.read(PV_SELECT, 2)).toBe(2);
    expect(drain(b.bus, 2)).toBe("ello");
    expect(() => b.dev.restoreState({ version: 99 })).toThrow(/version 99/);
  });

  it("a held stream keeps its bytes but counts as empty (data, status, pending, IRQ 5) until released", () => {
    const { bus, dev, levels } = setup();
    bus.read(PV_STATUS, 1);
    dev.send(2, "abc");
    bus.write(PV_SELECT, 2, 2);
    expect(String.fromCharCode(bus.read(PV_DATA, 1))).toBe("a");
    bus.write(PV_STATUS, 1, PV_STATUS_HOLD);
    expect(dev.held(2)).toBe(true);
    expect(levels).toEqual([true, false]);
    expect(bus.read(PV_STATUS, 1)).toBe(PV_STATUS_PRESENT);
    expect(bus.read(PV_DATA, 1)).toBe(0xff);
    expect(bus.read(PV_PENDING, 2)).toBe(PV_NONE);
    dev.send(2, "d"); // more for a held stream: still quiet
    dev.send(7, "z"); // other streams are not held back
    expect(levels).toEqual([true, false, true]);
    expect(bus.read(PV_PENDING, 2)).toBe(7);
    expect(drain(bus, 7)).toBe("z");
    expect(levels).toEqual([true, false, true, false]);
    expect(dev.queued(2)).toBe(3);
    bus.write(PV_SELECT, 2, 2);
    bus.write(PV_STATUS, 1, 0); // released: IRQ 5 again, nothing lost
    expect(levels).toEqual([true, false, true, false, true]);
    expect(bus.read(PV_PENDING, 2)).toBe(2);
    expect(drain(bus, 2)).toBe("bcd");
    expect(levels.at(-1)).toBe(false);
  });

  it("saves and restores a hold; a discarded held stream leaves IRQ 5 low", () => {
    const a = setup();
    a.bus.read(PV_STATUS, 1);
    a.dev.send(3, "xy");
    a.bus.write(PV_SELECT, 2, 3);
    a.bus.write(PV_STATUS, 1, PV_STATUS_HOLD);
    const b = setup();
    b.dev.restoreState(structuredClone(a.dev.saveState()));
    expect(b.dev.held(3)).toBe(true);
    expect(b.bus.read(PV_PENDING, 2)).toBe(PV_NONE);
    b.bus.write(PV_STATUS, 1, 0);
    expect(drain(b.bus, 3)).toBe("xy");
    a.dev.discard(3);
    a.dev.send(4, "q");
    expect(a.bus.read(PV_PENDING, 2)).toBe(4);
    expect(drain(a.bus, 4)).toBe("q");
    expect(a.levels.at(-1)).toBe(false);
  });
});
