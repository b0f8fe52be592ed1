// The Platform's contract with the machine loop: budgets, advancing time, HLT fast-forward,
// interrupt acknowledge, TSC offset, determinism and option validation.
import { describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/io-bus.js";
import { Clock } from "../../src/devices/clock.js";
import { Platform, IDLE_MAX_FRUITLESS_EVENTS } from "../../src/devices/platform.js";
import { Rig, TEN_PER_TICK } from "./platform-harness.js";
import { COM1_BASE, COM1_IRQ, Uart16550 } from "../../src/devices/uart16550.js";

/** PIC remapped to 0x20, PIT channel 0 in mode 2 with count n, IRQ0 only. */
function ticking(n: number, opts = {}): Rig {
  const r = new Rig({ insnsPerSecond: TEN_PER_TICK, ...opts });
  r.remapPic(0xfe, 0xff);
  r.outb(0x43, 0x34);
  r.outb(0x40, n & 0xff);
  r.outb(0x40, n >> 8);
  return r;
}

describe("Platform", () => {
  it("registers every device's ports on the bus", () => {
    const bus = new IoBus();
    new Platform(bus);
    const names = [0x20, 0xa1, 0x4d0, 0x40, 0x43, 0x61, 0x60, 0x64, 0x70, 0x71, 0x92, 0x3d4, 0x3d5, 0x3da, 0x3c0, 0x3b4].map(
      (p) => bus.deviceAt(p)?.name,
    );
    expect(names).toEqual([
      "pic8259", "pic8259", "pic8259", "pit8254", "pit8254", "pit8254", "i8042", "i8042", "rtc-cmos", "rtc-cmos",
      "port92", "vga", "vga", "vga", "vga", "vga",
    ]);
    expect(bus.read(0x62, 1)).toBe(0xff); // not ours: floats high
  });

  it("budgetUntilNextEvent counts instructions to the next timer edge, at least 1", () => {
    const r = ticking(1000); // loaded at tick 1; OUT falls at tick 1000, rises at 1001
    expect(r.p.budgetUntilNextEvent(0n)).toBe(10000);
    expect(r.p.budgetUntilNextEvent(9999n)).toBe(1);
    r.at(10000);
    expect(r.p.budgetUntilNextEvent(10000n)).toBe(10);
  });

  it("budget is Infinity when no timer is scheduled", () => {
    const r = new Rig();
    r.outb(0x43, 0x30); // channel 0 mode 0, no count: no edges
    expect(r.p.budgetUntilNextEvent(0n)).toBe(Infinity);
  });

  it("HLT fast-forward: idle skips to the IRQ0 edge and the TSC offset covers the skipped cycles", () => {
    const r = ticking(1000);
    r.at(500);
    expect(r.p.idleUntilNextEvent(500n)).toBe(true);
    expect(r.p.interruptPending()).toBe(true);
    expect(r.p.tscOffset(500n)).toBe(10010n - 500n); // RDTSC = 500 + 9510 = 10010, the edge's cycle
    expect(r.p.nowNs(500n)).toBe(Math.floor((10010 * 1e9) / TEN_PER_TICK));
    expect(r.p.acknowledgeInterrupt()).toBe(0x20);
    r.outb(0x20, 0x20);
    // the CPU runs 100 more instructions and halts again: next edge at tick 2001
    expect(r.p.idleUntilNextEvent(600n)).toBe(true);
    expect(600n + r.p.tscOffset(600n)).toBe(20010n);
  });

  it("idle returns true at once when an interrupt is already pending", () => {
    const r = ticking(1000);
    r.outb(0x21, 0xfc);
    r.p.setIrq(1, true);
    expect(r.p.idleUntilNextEvent(0n)).toBe(true);
    expect(r.p.tscOffset(0n)).toBe(0n);
  });

  it("idle returns false when every timer's IRQ is masked (nothing can wake the CPU)", () => {
    const r = ticking(1000);
    r.outb(0x21, 0xff);
    expect(r.p.idleUntilNextEvent(0n)).toBe(false);
    expect(r.p.tscOffset(0n)).toBe(0n);
  });

  it("idle skips timers whose lines are masked and wakes on the RTC periodic interrupt", () => {
    const r = ticking(1000);
    r.outb(0x21, 0xfb); // IRQ0 masked, cascade open
    r.outb(0xa1, 0xfe); // IRQ8
    r.outb(0x70, 0x0a);
    r.outb(0x71, 0x2f); // 2 Hz
    r.outb(0x70, 0x0b);
    r.outb(0x71, 0x42); // PIE
    expect(r.p.idleUntilNextEvent(0n)).toBe(true);
    expect(r.p.acknowledgeInterrupt()).toBe(0x28);
    expect(r.p.tscOffset(0n)).toBe(BigInt(TEN_PER_TICK / 2));
  });

  it("idle gives up (false) when timer interrupts fire but cannot be delivered (HLT before EOI)", () => {
    const r = ticking(100);
    expect(r.p.idleUntilNextEvent(0n)).toBe(true);
    expect(r.p.acknowledgeInterrupt()).toBe(0x20); // in service, never EOI'd
    expect(r.p.idleUntilNextEvent(0n)).toBe(false);
    // one waking event (OUT rises) per 1000-cycle period
    expect(r.p.tscOffset(0n)).toBe(BigInt(IDLE_MAX_FRUITLESS_EVENTS) * 1000n + 1010n);
  });

  it("is deterministic: the same port sequence and instruction counts give the same interrupts and time", () => {
    const trace = () => {
      const r = ticking(2345, { insnsPerSecond: 100_000_000 });
      const log: string[] = [];
      let insn = 0n;
      for (let i = 0; i < 50; i++) {
        insn += BigInt(r.p.budgetUntilNextEvent(insn) > 5000 ? 5000 : r.p.budgetUntilNextEvent(insn));
        r.at(insn);
        if (i % 7 === 3) r.p.idleUntilNextEvent(insn);
        if (r.p.interruptPending()) {
          log.push(`${insn}:${r.p.acknowledgeInterrupt()}:${r.p.tscOffset(insn)}`);
          r.outb(0x20, 0x20);
        }
      }
      return log.join(",");
    };
    const a = trace();
    expect(a.length).toBeGreaterThan(0);
    expect(trace()).toBe(a);
  });

  it("a real 16550 on IRQ4: THRE interrupt reaches the PIC as vector 0x24; reading IIR withdraws it", () => {
    const r = new Rig();
    r.outb(0x43, 0x30);
    const uart = new Uart16550({ name: "COM1", onTransmit: () => {}, irq: (level) => r.p.setIrq(COM1_IRQ, level) });
    uart.attach(r.bus, COM1_BASE);
    r.remapPic(0xef, 0xff); // IRQ4 only
    r.outb(COM1_BASE + 1, 0x02); // IER: THRE
    expect(r.p.interruptPending()).toBe(true);
    expect(r.inb(COM1_BASE + 2) & 0x0f).toBe(0x02); // IIR: THRE, which clears it
    expect(r.p.interruptPending()).toBe(false); // edge request withdrawn before INTA
    r.outb(COM1_BASE, 0x41); // THR: sent at once, THRE again
    expect(r.take()).toBe(0x24);
  });

  it("port 0x92: A2 gate reads back, bit 0 requests a reset", () => {
    let resets = 0;
    const r = new Rig({ onReset: () => resets++ });
    expect(r.inb(0x92)).toBe(0x02);
    r.outb(0x92, 0x00);
    expect(r.inb(0x92)).toBe(0x00);
    r.outb(0x92, 0x03);
    expect(resets).toBe(1);
  });

  it("realtime mode never skips time on idle but reports whether a timer can wake the CPU", () => {
    const r = ticking(1000, { realtime: true });
    expect(r.p.idleUntilNextEvent(0n)).toBe(true);
    expect(r.p.clock.idleCycles).toBe(0n);
    expect(r.p.msUntilNextEvent(0n)).toBeLessThanOrEqual(1);
    r.outb(0x21, 0xff);
    expect(r.p.idleUntilNextEvent(0n)).toBe(false);
  });

  it("rejects a bad instruction rate with one clear error", () => {
    expect(() => new Platform(new IoBus(), { insnsPerSecond: 0 })).toThrow(
      /insnsPerSecond must be an integer between 2e6 and 1e12, got 0/,
    );
    expect(() => new Clock({ insnsPerSecond: 1.5e6 + 0.5 })).toThrow(/insnsPerSecond/);
  });
});

describe("Clock", () => {
  it("converts between cycles and device ticks exactly", () => {
    const c = new Clock({ insnsPerSecond: 100_000_000 });
    expect(c.ticksAt(100_000_000n, 1_193_182n)).toBe(1_193_182n);
    const at = c.cycleOfTick(12345n, 1_193_182n);
    expect(c.ticksAt(at, 1_193_182n)).toBe(12345n);
    expect(c.ticksAt(at - 1n, 1_193_182n)).toBe(12344n);
  });

  it("fires timers in deadline order, ties in creation order, with the deadline as 'now'", () => {
    const c = new Clock();
    const log: string[] = [];
    const a = c.createTimer("a", -1, (t) => log.push(`a${t}`));
    const b = c.createTimer("b", -1, (t) => {
      log.push(`b${t}`);
      if (t < 30n) b.schedule(t + 10n);
    });
    a.schedule(20n);
    b.schedule(10n);
    c.runUntil(c.cyclesAt(35n));
    expect(log).toEqual(["b10", "a20", "b20", "b30"]);
    expect(c.now).toBe(35n);
  });
});
