// 8254 PIT through ports 0x40–0x43 and 0x61 with virtual time: counting, OUT edges on IRQ0,
// counter latch and read-back in each mode. TEN_PER_TICK makes PIT tick t start at instruction 10·t.
import { describe, expect, it } from "vitest";
import { Rig, TEN_PER_TICK } from "./platform-harness.js";

function rig(): Rig {
  const r = new Rig({ insnsPerSecond: TEN_PER_TICK });
  r.remapPic(0xfe, 0xff); // only IRQ0, vector 0x20
  return r;
}
/** Program channel `ch` with control word `cw` and a 16-bit count (LSB then MSB) at tick `tick`. */
function program(r: Rig, tick: number, cw: number, count: number): void {
  r.at(tick * 10);
  r.outb(0x43, cw);
  r.outb(0x40 + (cw >> 6), count & 0xff);
  r.outb(0x40 + (cw >> 6), count >> 8);
}
function latched(r: Rig, ch: number): number {
  r.outb(0x43, ch << 6);
  const lo = r.inb(0x40 + ch);
  return lo | (r.inb(0x40 + ch) << 8);
}
/** Read-back status of channel ch (command 0xE0 | 2<<ch: latch status only). */
function status(r: Rig, ch: number): number {
  r.outb(0x43, 0xe0 | (2 << ch));
  return r.inb(0x40 + ch);
}

describe("8254 PIT", () => {
  it("powers on with channel 0 in mode 2, count 65536: IRQ0 on vector 8 at 18.2 Hz", () => {
    const r = new Rig({ insnsPerSecond: TEN_PER_TICK });
    expect(status(r, 0) & 0x3f).toBe(0x34);
    expect(r.p.budgetUntilNextEvent(0n)).toBe(65536 * 10); // OUT falls at e = N−1, tick 65536
    r.at(65537 * 10 - 1);
    expect(r.p.interruptPending()).toBe(false);
    r.at(65537 * 10);
    expect(r.take()).toBe(0x08);
  });

  it("mode 0: OUT low until terminal count, IRQ0 at tick load+N, count keeps decrementing", () => {
    const r = rig();
    program(r, 0, 0x30, 100);
    expect(status(r, 0)).toBe(0x70); // OUT low, null count (not yet loaded), lohi, mode 0
    r.at(10);
    expect(status(r, 0)).toBe(0x30);
    r.at(500); // tick 50: 49 ticks after the load at tick 1
    expect(latched(r, 0)).toBe(51);
    expect(r.p.budgetUntilNextEvent(r.insn)).toBe(1010 - 500);
    r.at(1009);
    expect(r.p.interruptPending()).toBe(false);
    r.at(1010);
    expect(r.take()).toBe(0x20);
    expect(status(r, 0) & 0x80).toBe(0x80);
    r.at(1030); // 2 ticks past terminal count: wrapped to 0xFFFE
    expect(latched(r, 0)).toBe(0xfffe);
    expect(r.p.budgetUntilNextEvent(r.insn)).toBe(Infinity);
  });

  it("mode 0: writing the LSB of a new count stops counting and drops OUT", () => {
    const r = rig();
    program(r, 0, 0x30, 10);
    r.at(200);
    expect(status(r, 0) & 0x80).toBe(0x80);
    expect(r.take()).toBe(0x20); // terminal count at tick 11
    r.outb(0x20, 0x20);
    r.outb(0x40, 0x05);
    expect(status(r, 0) & 0x80).toBe(0x00);
    r.outb(0x40, 0x00); // count 5 loads at tick 21, OUT rises at tick 26
    r.at(259);
    expect(r.p.interruptPending()).toBe(false);
    r.at(260);
    expect(r.take()).toBe(0x20);
  });

  it("mode 2: a pulse every N ticks, IRQ0 on each rising edge, count reloads", () => {
    const r = rig();
    program(r, 0, 0x34, 1000);
    const vectors: number[] = [];
    for (let k = 1; k <= 3; k++) {
      r.at((1 + 1000 * k) * 10 - 1);
      expect(r.p.interruptPending()).toBe(false);
      expect(status(r, 0) & 0x80).toBe(0x00); // OUT low during count 1
      r.at((1 + 1000 * k) * 10);
      vectors.push(r.take()!);
      r.outb(0x20, 0x20);
    }
    expect(vectors).toEqual([0x20, 0x20, 0x20]);
    r.at((1 + 3000 + 250) * 10);
    expect(latched(r, 0)).toBe(750);
  });

  it("mode 2: a new count takes effect at the end of the current period", () => {
    const r = rig();
    program(r, 0, 0x34, 1000);
    r.at(5000); // tick 500
    r.outb(0x40, 100);
    r.outb(0x40, 0);
    expect(status(r, 0) & 0x40).toBe(0x40); // null count until the reload
    r.at(10010 - 1);
    expect(latched(r, 0)).toBe(1);
    r.at(10010);
    expect(r.take()).toBe(0x20);
    r.outb(0x20, 0x20);
    expect(status(r, 0) & 0x40).toBe(0);
    r.at(10010 + 1000);
    expect(r.take()).toBe(0x20);
  });

  it("mode 3: square wave, OUT high for ceil(N/2) ticks then low, IRQ0 every N", () => {
    const r = rig();
    program(r, 0, 0x36, 10);
    const outs: number[] = [];
    for (let t = 1; t <= 21; t++) {
      r.at(t * 10);
      outs.push(status(r, 0) >> 7);
    }
    expect(outs.join("")).toBe("111110000011111000001");
    r.at(10); // (time never goes back: this is a no-op)
    const r2 = rig();
    program(r2, 0, 0x36, 9);
    const outs2: number[] = [];
    for (let t = 1; t <= 10; t++) {
      r2.at(t * 10);
      outs2.push(status(r2, 0) >> 7);
    }
    expect(outs2.join("")).toBe("1111100001"); // odd N: high (N+1)/2, low (N−1)/2
    r2.at(10 * 10);
    expect(r2.take()).toBe(0x20);
  });

  it("mode 3 counts down by two", () => {
    const r = rig();
    program(r, 0, 0x36, 10);
    r.at(30); // tick 3: e = 2
    expect(latched(r, 0)).toBe(6);
  });

  it("mode 4: one low tick at e = N (software strobe)", () => {
    const r = rig();
    program(r, 0, 0x38, 5);
    r.at(50);
    expect(status(r, 0) & 0x80).toBe(0x80);
    r.at(60);
    expect(status(r, 0) & 0x80).toBe(0x00);
    r.at(70);
    expect(status(r, 0) & 0x80).toBe(0x80);
    expect(r.take()).toBe(0x20);
  });

  it("counter latch freezes the value until both bytes are read; later latches are ignored", () => {
    const r = rig();
    program(r, 0, 0x34, 5000);
    r.at(1010); // e = 100
    r.outb(0x43, 0x00);
    r.at(2010);
    r.outb(0x43, 0x00); // ignored: a latch is outstanding
    expect(r.inb(0x40) | (r.inb(0x40) << 8)).toBe(4900);
    expect(latched(r, 0)).toBe(4800);
  });

  it("read-back: status then count, for several channels at once", () => {
    const r = rig();
    program(r, 0, 0x34, 1000);
    program(r, 40, 0xb0, 300); // channel 2 mode 0 (gate low: loaded but not counting)
    r.at(510);
    r.outb(0x43, 0xc0 | 0x02 | 0x08); // latch count and status of channels 0 and 2
    expect(r.inb(0x40)).toBe(0x34 | 0x80);
    expect(r.inb(0x40) | (r.inb(0x40) << 8)).toBe(950);
    expect(r.inb(0x42)).toBe(0x30);
    expect(r.inb(0x42) | (r.inb(0x42) << 8)).toBe(300);
  });

  it("LSB-only and MSB-only access", () => {
    const r = rig();
    r.outb(0x43, 0x14); // channel 0, LSB only, mode 2
    r.outb(0x40, 200);
    r.at(110); // e = 10
    expect(r.inb(0x40)).toBe(190);
    r.outb(0x43, 0x24); // MSB only, mode 2: count 0x0200
    r.outb(0x40, 0x02);
    r.at(110 + 10 + 0x100 * 10); // e = 256
    expect(r.inb(0x40)).toBe(0x01);
  });

  it("BCD counting: count 0x0100 is one hundred and reads back in BCD", () => {
    const r = rig();
    program(r, 0, 0x31, 0x0100);
    r.at(10 + 10 * 37);
    expect(latched(r, 0)).toBe(0x63);
    r.at(10 + 10 * 100);
    expect(r.take()).toBe(0x20);
  });

  it("channel 2 via port 0x61: gate starts mode 0, OUT2 readable at bit 5 (calibration loop)", () => {
    const r = rig();
    expect(r.inb(0x61) & 0x03).toBe(0);
    r.outb(0x61, 0x00);
    r.outb(0x43, 0xb0);
    r.outb(0x42, 0xe8);
    r.outb(0x42, 0x03); // 1000 ticks
    r.at(1000);
    expect(r.inb(0x61) & 0x20).toBe(0); // gate low: not counting
    r.outb(0x61, 0x01); // gate high at tick 100
    expect(r.inb(0x61) & 0x01).toBe(1);
    r.at(1000 + 9999);
    expect(r.inb(0x61) & 0x20).toBe(0);
    r.at(1000 + 10000);
    expect(r.inb(0x61) & 0x20).toBe(0x20);
    expect(r.p.interruptPending()).toBe(false); // channel 2 has no IRQ
  });

  it("channel 2 gate low suspends mode 0 counting and resumes where it stopped", () => {
    const r = rig();
    r.outb(0x61, 0x01);
    program(r, 0, 0xb0, 1000);
    r.at(10 + 100 * 10);
    r.outb(0x61, 0x00);
    r.at(50000);
    expect(latched(r, 2)).toBe(900);
    r.outb(0x61, 0x01);
    r.at(50000 + 10 * 50);
    expect(latched(r, 2)).toBe(850);
  });

  it("mode 1 on channel 2: gate rising edge triggers a one-shot low pulse of N ticks", () => {
    const r = rig();
    program(r, 0, 0xb2, 20);
    expect(r.inb(0x61) & 0x20).toBe(0x20);
    r.at(100);
    r.outb(0x61, 0x01);
    r.at(120);
    expect(r.inb(0x61) & 0x20).toBe(0);
    r.at(110 + 200);
    expect(r.inb(0x61) & 0x20).toBe(0x20);
  });

  it("mode 5 on channel 2: a gate trigger, then one low tick at e = N", () => {
    const r = rig();
    program(r, 0, 0xba, 4);
    r.at(200);
    expect(r.inb(0x61) & 0x20).toBe(0x20); // not triggered: no strobe
    r.outb(0x61, 0x01); // trigger at tick 20: loads at 21, strobe at tick 25
    r.at(249);
    expect(r.inb(0x61) & 0x20).toBe(0x20);
    r.at(250);
    expect(r.inb(0x61) & 0x20).toBe(0);
    r.at(260);
    expect(r.inb(0x61) & 0x20).toBe(0x20);
  });

  // Read-back of every mode on channel 2 (gate high from the start): status bits as written, and
  // the latched count 30 ticks after the load for a count of 100.
  const afterThirty: Record<number, number> = { 0: 70, 1: 70, 2: 70, 3: 40, 4: 70, 5: 70 };
  for (const mode of [0, 1, 2, 3, 4, 5]) {
    it(`read-back in mode ${mode}: status byte and latched count`, () => {
      const r = rig();
      if (mode === 1 || mode === 5) r.outb(0x61, 0x00);
      else r.outb(0x61, 0x01);
      program(r, 0, 0xb0 | (mode << 1), 100);
      if (mode === 1 || mode === 5) r.outb(0x61, 0x01); // the trigger: loads at tick 1 as well
      r.at(310);
      r.outb(0x43, 0xc8); // latch count and status of channel 2
      const st = r.inb(0x42);
      expect(st & 0x3f).toBe(0x30 | (mode << 1));
      expect(st & 0x40).toBe(0); // count loaded
      expect(r.inb(0x42) | (r.inb(0x42) << 8)).toBe(afterThirty[mode]);
    });
  }

  it("the refresh bit (port 0x61 bit 4) toggles every 18 PIT clocks", () => {
    const r = rig();
    const seen = [0, 18, 36, 54].map((t) => (r.at(t * 10), (r.inb(0x61) >> 4) & 1));
    expect(seen).toEqual([0, 1, 0, 1]);
  });

  it("the control port reads as 0xFF", () => {
    expect(rig().inb(0x43)).toBe(0xff);
  });
});
