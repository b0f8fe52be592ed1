// CMOS RTC through ports 0x70/0x71: time and date in BCD and binary, 12/24-hour, setting the
// time, UIP, the periodic and update-ended interrupts on IRQ8, register C, and the NVRAM bytes.
import { describe, expect, it } from "vitest";
import { Rig } from "./platform-harness.js";

const SECOND = 100_000_000; // instructions per virtual second at the default rate
function cmos(r: Rig, reg: number): number {
  r.outb(0x70, reg);
  return r.inb(0x71);
}
function setCmos(r: Rig, reg: number, v: number): void {
  r.outb(0x70, reg);
  r.outb(0x71, v);
}
/** A rig with IRQ0 silenced and the PICs remapped to 0x20/0x28, everything unmasked. */
function rig(): Rig {
  const r = new Rig({ ramBytes: 64 << 20 });
  r.outb(0x43, 0x30);
  r.remapPic();
  return r;
}

describe("CMOS RTC", () => {
  it("starts at the fixed epoch 2026-01-01 00:00:00 (Thursday) in BCD, 24-hour", () => {
    const r = rig();
    expect([0, 2, 4, 6, 7, 8, 9, 0x32].map((reg) => cmos(r, reg))).toEqual([0, 0, 0, 5, 0x01, 0x01, 0x26, 0x20]);
    expect(cmos(r, 0x0a)).toBe(0x26);
    expect(cmos(r, 0x0b)).toBe(0x02);
    expect(cmos(r, 0x0d)).toBe(0x80);
  });

  it("advances with virtual time: 1 h 2 min 3 s later reads 01:02:03", () => {
    const r = rig();
    r.at(3723 * SECOND + SECOND / 2);
    expect([4, 2, 0].map((reg) => cmos(r, reg))).toEqual([0x01, 0x02, 0x03]);
  });

  it("binary mode (B.DM) and 12-hour mode with the PM bit", () => {
    const r = new Rig({ rtcEpochMs: Date.UTC(2031, 11, 31, 23, 59, 58) });
    setCmos(r, 0x0b, 0x06); // binary, 24 h
    expect([9, 8, 7, 4, 2, 0].map((reg) => cmos(r, reg))).toEqual([31, 12, 31, 23, 59, 58]);
    setCmos(r, 0x0b, 0x00); // BCD, 12 h: 11 PM
    expect(cmos(r, 4)).toBe(0x91);
    setCmos(r, 0x0b, 0x04); // binary, 12 h
    expect(cmos(r, 4)).toBe(0x8b);
    r.at(2 * SECOND); // rolls over into 2032-01-01 00:00:00, a Thursday: 12 AM
    expect(cmos(r, 4)).toBe(12);
    setCmos(r, 0x0b, 0x02);
    expect([0x32, 9, 8, 7, 6, 4, 2, 0].map((reg) => cmos(r, reg))).toEqual([0x20, 0x32, 0x01, 0x01, 5, 0, 0, 0]);
  });

  it("the time can be set under B.SET and runs on from the written value", () => {
    const r = rig();
    setCmos(r, 0x0b, 0x82);
    setCmos(r, 0x04, 0x23);
    setCmos(r, 0x02, 0x59);
    setCmos(r, 0x00, 0x50);
    setCmos(r, 0x09, 0x99);
    r.at(5 * SECOND); // held while SET
    expect(cmos(r, 0)).toBe(0x50);
    setCmos(r, 0x0b, 0x02);
    r.at(15 * SECOND);
    // 2026-01-01 23:59:50 with the year set to 99: 2099-01-01 23:59:50, plus 10 s
    expect([9, 8, 7, 4, 2, 0].map((reg) => cmos(r, reg))).toEqual([0x99, 0x01, 0x02, 0x00, 0x00, 0x00]);
  });

  it("UIP is set during the last 244 µs before each update", () => {
    const r = rig();
    r.at(SECOND - 24_500); // 245 µs before the boundary
    expect(cmos(r, 0x0a) & 0x80).toBe(0);
    r.at(SECOND - 24_000);
    expect(cmos(r, 0x0a) & 0x80).toBe(0x80);
    r.at(SECOND);
    expect(cmos(r, 0x0a) & 0x80).toBe(0);
    expect(cmos(r, 0)).toBe(0x01);
  });

  it("periodic interrupt: 1024 Hz on IRQ8 while PIE is set, re-armed by reading register C", () => {
    const r = rig();
    setCmos(r, 0x0b, 0x42); // PIE
    const period = SECOND / 1024; // 97656.25 instructions
    expect(r.p.budgetUntilNextEvent(r.insn)).toBe(Math.ceil(period));
    r.at(Math.ceil(period) - 1);
    expect(r.p.interruptPending()).toBe(false);
    r.at(Math.ceil(period));
    expect(r.take()).toBe(0x28);
    r.outb(0xa0, 0x20);
    r.outb(0x20, 0x20);
    r.at(Math.ceil(2 * period));
    expect(r.take()).toBe(null); // register C not read: IRQ8 stays high, no new edge
    expect(cmos(r, 0x0c)).toBe(0xc0);
    expect(cmos(r, 0x0c)).toBe(0x00);
    r.at(Math.ceil(3 * period));
    expect(r.take()).toBe(0x28);
  });

  it("the rate comes from register A: RS=15 is 2 Hz, RS=3 is 8192 Hz", () => {
    const r = rig();
    setCmos(r, 0x0a, 0x2f);
    setCmos(r, 0x0b, 0x42);
    expect(r.p.budgetUntilNextEvent(r.insn)).toBe(SECOND / 2);
    setCmos(r, 0x0a, 0x23);
    expect(r.p.budgetUntilNextEvent(r.insn)).toBe(Math.ceil(SECOND / 8192));
  });

  it("PF is set without PIE (polled) but raises no interrupt", () => {
    const r = rig();
    r.at(SECOND / 100);
    expect(r.p.interruptPending()).toBe(false);
    expect(cmos(r, 0x0c)).toBe(0x40); // PF only: UF needs a second boundary
    expect(cmos(r, 0x0c)).toBe(0x00);
  });

  it("update-ended interrupt (UIE) at each second boundary; alarm (AIE) when the time matches", () => {
    const r = rig();
    setCmos(r, 0x01, 0x02);
    setCmos(r, 0x03, 0xc0); // don't care
    setCmos(r, 0x05, 0xff); // don't care
    setCmos(r, 0x0b, 0x12); // UIE
    r.at(SECOND);
    expect(r.take()).toBe(0x28);
    expect(cmos(r, 0x0c)).toBe(0xd0); // IRQF | PF | UF
    r.outb(0xa0, 0x20);
    r.outb(0x20, 0x20);
    setCmos(r, 0x0b, 0x22); // AIE only
    r.at(2 * SECOND);
    expect(r.p.interruptPending()).toBe(true); // hh:mm:02 matches the alarm
    expect(cmos(r, 0x0c) & 0xb0).toBe(0xb0); // IRQF | AF | UF
  });

  it("the index port's bit 7 is the NMI mask and does not change the register selected", () => {
    const r = rig();
    r.outb(0x70, 0x8b);
    expect(r.inb(0x71)).toBe(0x02);
    expect(r.p.rtc.nmiDisabled).toBe(true);
  });

  it("NVRAM: memory sizes from the RAM size; other bytes are plain storage", () => {
    const r = rig();
    expect([0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35].map((reg) => cmos(r, reg))).toEqual([
      0x80, 0x02, 0x00, 0xfc, 0x00, 0xfc, 0x00, 0x03,
    ]);
    setCmos(r, 0x40, 0x5a);
    expect(cmos(r, 0x40)).toBe(0x5a);
    setCmos(r, 0x0d, 0x00); // read-only
    expect(cmos(r, 0x0d)).toBe(0x80);
  });

  it("rejects an impossible epoch with one clear error", () => {
    expect(() => new Rig({ rtcEpochMs: Number.NaN })).toThrow(/rtc epoch must be a time between 1970 and 9999/);
  });
});
