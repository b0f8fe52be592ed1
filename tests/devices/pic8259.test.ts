// 8259A PIC pair driven through ports 0x20/0x21/0xA0/0xA1 and 0x4D0/0x4D1 as a kernel would.
import { describe, expect, it } from "vitest";
import { Rig } from "./platform-harness.js";

const readIrr = (r: Rig, port: number) => (r.outb(port, 0x0a), r.inb(port));
const readIsr = (r: Rig, port: number) => (r.outb(port, 0x0b), r.inb(port));
/** A rig whose PIT is silenced (channel 0 in mode 0 with the largest count) so IRQ0 stays quiet. */
function quietRig(): Rig {
  const r = new Rig();
  r.outb(0x43, 0x30);
  return r;
}

describe("8259A PIC", () => {
  it("powers on as SeaBIOS leaves it: bases 0x08/0x70, IMR 0xB8/0x8E", () => {
    const r = quietRig();
    expect(r.inb(0x21)).toBe(0xb8);
    expect(r.inb(0xa1)).toBe(0x8e);
    r.p.setIrq(1, true);
    expect(r.take()).toBe(0x09);
    r.p.setIrq(8, true);
    expect(r.take()).toBe(null); // IRQ8 is below IRQ1, which is in service
    r.outb(0x20, 0x20);
    expect(r.take()).toBe(0x70);
  });

  it("ICW1 clears the mask; ICW2 sets the vector base; OCW1 masks read back", () => {
    const r = quietRig();
    r.outb(0x20, 0x11);
    expect(r.inb(0x21)).toBe(0x00);
    r.outb(0x21, 0x40);
    r.outb(0x21, 0x04);
    r.outb(0x21, 0x01);
    r.outb(0x21, 0xfd);
    expect(r.inb(0x21)).toBe(0xfd);
    r.p.setIrq(1, true);
    expect(r.take()).toBe(0x41);
  });

  it("edge-triggered: IRR on the rising edge, ISR after INTA, cleared by non-specific EOI", () => {
    const r = quietRig();
    r.remapPic(0xff & ~0x02 & ~0x04, 0xff);
    expect(readIrr(r, 0x20)).toBe(0x00);
    r.p.setIrq(1, true);
    expect(readIrr(r, 0x20)).toBe(0x02);
    expect(r.p.interruptPending()).toBe(true);
    expect(r.p.acknowledgeInterrupt()).toBe(0x21);
    expect(readIrr(r, 0x20)).toBe(0x00);
    expect(readIsr(r, 0x20)).toBe(0x02);
    expect(r.p.interruptPending()).toBe(false);
    // the line stays high: no new edge, no new request after EOI
    r.outb(0x20, 0x20);
    expect(readIsr(r, 0x20)).toBe(0x00);
    expect(r.p.interruptPending()).toBe(false);
    r.p.setIrq(1, false);
    r.p.setIrq(1, true);
    expect(r.take()).toBe(0x21);
  });

  it("masked requests latch in IRR and are delivered once unmasked", () => {
    const r = quietRig();
    r.remapPic(0xff, 0xff);
    r.p.setIrq(3, true);
    expect(readIrr(r, 0x20)).toBe(0x08);
    expect(r.p.interruptPending()).toBe(false);
    r.outb(0x21, 0xf7);
    expect(r.take()).toBe(0x23);
  });

  it("fully nested priority: a higher level preempts, a lower one waits for EOI", () => {
    const r = quietRig();
    r.remapPic();
    r.p.setIrq(3, true);
    r.p.setIrq(5, true);
    expect(r.take()).toBe(0x23);
    expect(r.take()).toBe(null); // IRQ5 waits behind IRQ3
    r.p.setIrq(1, true);
    expect(r.take()).toBe(0x21); // IRQ1 nests
    expect(readIsr(r, 0x20)).toBe(0x0a);
    r.outb(0x20, 0x20); // EOI → clears IRQ1 (highest in service)
    expect(readIsr(r, 0x20)).toBe(0x08);
    expect(r.take()).toBe(null);
    r.outb(0x20, 0x20);
    expect(r.take()).toBe(0x25);
  });

  it("specific EOI clears only the named level", () => {
    const r = quietRig();
    r.remapPic();
    r.p.setIrq(4, true);
    r.take();
    r.p.setIrq(1, true);
    r.take();
    r.outb(0x20, 0x64); // specific EOI for IR4
    expect(readIsr(r, 0x20)).toBe(0x02);
  });

  it("cascade: IRQ12 arrives through master IR2 with the slave's vector; both ISRs set", () => {
    const r = quietRig();
    r.remapPic();
    r.p.setIrq(12, true);
    expect(readIrr(r, 0xa0)).toBe(0x10);
    expect(readIrr(r, 0x20)).toBe(0x04);
    expect(r.take()).toBe(0x2c);
    expect(readIsr(r, 0xa0)).toBe(0x10);
    expect(readIsr(r, 0x20)).toBe(0x04);
    r.p.setIrq(9, true); // higher than IRQ12 on the slave, but master IR2 is in service
    expect(r.take()).toBe(null);
    r.outb(0xa0, 0x20);
    r.outb(0x20, 0x20);
    expect(r.take()).toBe(0x29);
  });

  it("a slave mask bit and the master cascade mask both gate slave requests", () => {
    const r = quietRig();
    r.remapPic(0x04, 0x00);
    r.p.setIrq(8, true);
    expect(r.p.interruptPending()).toBe(false);
    r.outb(0x21, 0x00);
    expect(r.take()).toBe(0x28);
  });

  it("a request withdrawn before INTA yields the spurious IR7 vector and leaves ISR clear", () => {
    const r = quietRig();
    r.remapPic();
    r.p.setIrq(5, true);
    expect(r.p.interruptPending()).toBe(true);
    r.p.setIrq(5, false);
    expect(r.p.acknowledgeInterrupt()).toBe(0x27);
    expect(readIsr(r, 0x20)).toBe(0x00);
  });

  it("AEOI (ICW4 bit 1): INTA does not set ISR", () => {
    const r = quietRig();
    r.remapPic(0, 0, 0x03);
    r.p.setIrq(4, true);
    expect(r.take()).toBe(0x24);
    expect(readIsr(r, 0x20)).toBe(0x00);
    r.p.setIrq(6, true);
    expect(r.take()).toBe(0x26); // no EOI needed
  });

  it("set-priority (OCW2 0xC0|l) makes level l the lowest", () => {
    const r = quietRig();
    r.remapPic();
    r.outb(0x20, 0xc3); // IR3 lowest → IR4 highest
    r.p.setIrq(1, true);
    r.p.setIrq(5, true);
    expect(r.take()).toBe(0x25);
  });

  it("rotate on non-specific EOI makes the serviced level the lowest", () => {
    const r = quietRig();
    r.remapPic();
    r.p.setIrq(0, true);
    expect(r.take()).toBe(0x20);
    r.outb(0x20, 0xa0); // rotate on non-specific EOI: IR0 becomes lowest
    r.p.setIrq(0, false);
    r.p.setIrq(0, true);
    r.p.setIrq(7, true);
    expect(r.take()).toBe(0x27);
  });

  it("poll command (OCW3 P): the next command-port read returns 0x80|level and acknowledges", () => {
    const r = quietRig();
    r.remapPic();
    r.outb(0x20, 0x0c);
    expect(r.inb(0x20)).toBe(0x00);
    r.p.setIrq(6, true);
    r.outb(0x20, 0x0c);
    expect(r.inb(0x20)).toBe(0x86);
    expect(readIsr(r, 0x20)).toBe(0x40);
  });

  it("special mask mode lets a lower level in while a higher one is in service", () => {
    const r = quietRig();
    r.remapPic();
    r.p.setIrq(1, true);
    expect(r.take()).toBe(0x21);
    r.outb(0x21, 0x02); // mask the level in service
    r.outb(0x20, 0x68); // OCW3: set special mask mode
    r.p.setIrq(5, true);
    expect(r.take()).toBe(0x25);
  });

  it("ELCR makes a line level-triggered: still high after EOI → requested again", () => {
    const r = quietRig();
    r.remapPic();
    r.outb(0x4d1, 0x0c); // IRQ10, IRQ11 level
    expect(r.inb(0x4d1)).toBe(0x0c);
    r.outb(0x4d0, 0xff);
    expect(r.inb(0x4d0)).toBe(0xf8); // IRQ0–2 are always edge
    r.p.setIrq(10, true);
    expect(r.take()).toBe(0x2a);
    r.outb(0xa0, 0x20);
    r.outb(0x20, 0x20);
    expect(r.take()).toBe(0x2a);
    r.outb(0xa0, 0x20);
    r.outb(0x20, 0x20);
    r.p.setIrq(10, false);
    expect(r.take()).toBe(null);
  });

  it("level mode via ICW1.LTIM", () => {
    const r = quietRig();
    r.outb(0x20, 0x19);
    r.outb(0x21, 0x30);
    r.outb(0x21, 0x04);
    r.outb(0x21, 0x01);
    r.outb(0x21, 0xfb & 0xef); // IR4 and cascade unmasked
    r.p.setIrq(4, true);
    expect(r.take()).toBe(0x34);
    r.outb(0x20, 0x20);
    expect(r.take()).toBe(0x34);
  });

  it("rejects IRQ lines outside 0..15 with one clear error", () => {
    const r = quietRig();
    expect(() => r.p.setIrq(16, true)).toThrow(/IRQ line 16 out of range/);
  });
});
