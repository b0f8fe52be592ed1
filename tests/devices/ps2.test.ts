// The 8042 controller and PS/2 keyboard through ports 0x60/0x64, with IRQ1 at the PIC.
import { describe, expect, it } from "vitest";
import { Rig } from "./platform-harness.js";

function rig(): Rig {
  const r = new Rig();
  r.outb(0x43, 0x30); // silence IRQ0
  r.remapPic(0xfd, 0xff); // IRQ1 only, vector 0x21
  return r;
}
/** Read every byte the controller has, as a polling driver would. */
function drain(r: Rig): number[] {
  const out: number[] = [];
  while (r.inb(0x64) & 0x01) out.push(r.inb(0x60));
  return out;
}
function cmd(r: Rig, c: number, data?: number): void {
  r.outb(0x64, c);
  if (data !== undefined) r.outb(0x60, data);
}

describe("8042 controller", () => {
  it("powers on with status SYS|A2|INH and command byte XLAT|SYS|INT (0x61)", () => {
    const r = rig();
    expect(r.inb(0x64)).toBe(0x1c);
    cmd(r, 0x20);
    expect(r.inb(0x64) & 0x01).toBe(1);
    expect(r.inb(0x60)).toBe(0x61);
    expect(r.inb(0x64) & 0x01).toBe(0);
  });

  it("self-test 0xAA → 0x55, interface test 0xAB → 0x00", () => {
    const r = rig();
    cmd(r, 0xaa);
    expect(drain(r)).toEqual([0x55]);
    cmd(r, 0xab);
    expect(drain(r)).toEqual([0x00]);
  });

  it("the command byte is written with 0x60 and read back with 0x20", () => {
    const r = rig();
    cmd(r, 0x60, 0x45);
    cmd(r, 0x20);
    expect(drain(r)).toEqual([0x45]);
    expect(r.inb(0x64) & 0x08).toBe(0x08); // A2: last write was a command
  });

  it("controller replies raise IRQ1 when command-byte INT is set", () => {
    const r = rig();
    cmd(r, 0xaa);
    expect(r.take()).toBe(0x21);
    r.outb(0x20, 0x20);
    r.inb(0x60);
    cmd(r, 0x60, 0x60); // INT off
    cmd(r, 0xaa);
    expect(r.p.interruptPending()).toBe(false);
    expect(drain(r)).toEqual([0x55]);
  });

  it("0xD1 output port with bit 0 clear, and 0xFE, request a system reset", () => {
    let resets = 0;
    const r = new Rig({ onReset: () => resets++ });
    cmd(r, 0xd1, 0x02);
    expect(resets).toBe(1);
    cmd(r, 0xfe);
    expect(resets).toBe(2);
    expect(r.p.resetRequested).toBe(true);
    cmd(r, 0xd0);
    expect(drain(r)).toEqual([0x03]);
  });

  it("0xD2 echoes a byte as keyboard data", () => {
    const r = rig();
    cmd(r, 0xd2, 0x42);
    expect(drain(r)).toEqual([0x42]);
  });
});

describe("PS/2 keyboard", () => {
  it("reset 0xFF → ACK, BAT passed (0xFA 0xAA)", () => {
    const r = rig();
    r.outb(0x60, 0xff);
    expect(drain(r)).toEqual([0xfa, 0xaa]);
  });

  it("identify 0xF2 → 0xFA 0xAB 0x41 translated, 0xAB 0x83 untranslated", () => {
    const r = rig();
    r.outb(0x60, 0xf2);
    expect(drain(r)).toEqual([0xfa, 0xab, 0x41]);
    cmd(r, 0x60, 0x21);
    r.outb(0x60, 0xf2);
    expect(drain(r)).toEqual([0xfa, 0xab, 0x83]);
  });

  it("scancode set get/set (0xF0), LEDs (0xED), echo (0xEE), unknown → resend", () => {
    const r = rig();
    r.outb(0x60, 0xf0);
    r.outb(0x60, 0x00);
    expect(drain(r)).toEqual([0xfa, 0xfa, 0x41]); // set 2, as translated
    r.outb(0x60, 0xf0);
    r.outb(0x60, 0x01);
    r.outb(0x60, 0xf0);
    r.outb(0x60, 0x00);
    expect(drain(r)).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0x43]);
    r.outb(0x60, 0xed);
    r.outb(0x60, 0x07);
    expect(drain(r)).toEqual([0xfa, 0xfa]);
    expect(r.p.keyboard.leds).toBe(7);
    r.outb(0x60, 0xee);
    expect(drain(r)).toEqual([0xee]);
    r.outb(0x60, 0x12);
    expect(drain(r)).toEqual([0xfe]);
  });

  it("typed text arrives as set-1 scancodes, one IRQ1 per byte", () => {
    const r = rig();
    r.p.keyboard.pressKey("hI\r");
    const bytes: number[] = [];
    while (r.p.interruptPending()) {
      expect(r.p.acknowledgeInterrupt()).toBe(0x21);
      bytes.push(r.inb(0x60));
      r.outb(0x20, 0x20);
    }
    expect(bytes).toEqual([0x23, 0xa3, 0x2a, 0x17, 0x97, 0xaa, 0x1c, 0x9c]);
    expect(r.inb(0x64) & 0x01).toBe(0);
  });

  it("with XLAT off the keyboard's set 2 reaches the guest", () => {
    const r = rig();
    cmd(r, 0x60, 0x21);
    r.p.keyboard.pressKey("\x1b[D");
    expect(drain(r)).toEqual([0xe0, 0x6b, 0xe0, 0xf0, 0x6b]);
  });

  it("keys wait while the controller disables the keyboard (0xAD) and flow after 0xAE", () => {
    const r = rig();
    cmd(r, 0xad);
    r.p.keyboard.pressKey("a");
    expect(r.inb(0x64) & 0x01).toBe(0);
    expect(r.p.interruptPending()).toBe(false);
    cmd(r, 0xae);
    expect(drain(r)).toEqual([0x1e, 0x9e]);
  });

  it("keys typed while scanning is disabled (0xF5) are dropped; 0xF4 re-enables", () => {
    const r = rig();
    r.outb(0x60, 0xf5);
    drain(r);
    expect(r.p.keyboard.pressKey("a")).toBe(0);
    expect(drain(r)).toEqual([]);
    r.outb(0x60, 0xf4);
    r.p.keyboard.pressKey({ key: "c", ctrl: true });
    expect(drain(r)).toEqual([0xfa, 0x1d, 0x2e, 0xae, 0x9d]);
  });

  it("reading 0x60 with nothing new returns the last byte again", () => {
    const r = rig();
    r.p.keyboard.pressKey("a");
    drain(r);
    expect(r.inb(0x60)).toBe(0x9e);
  });
});
