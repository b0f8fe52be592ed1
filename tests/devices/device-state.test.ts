// Saving and restoring the platform: a restored copy behaves exactly like the original from the
// snapshot on (port reads, interrupts, timer budgets), also after a structured clone (postMessage).
import { describe, expect, it } from "vitest";
import { Rig, TEN_PER_TICK } from "./platform-harness.js";
import { DeviceStateError } from "../../src/devices/device-state.js";

/** A busy platform: PIT mode 3 on IRQ0, RTC periodic on IRQ8, keys queued, VGA cursor moved. */
function busy(until = 124_000): Rig {
  const r = new Rig({ insnsPerSecond: TEN_PER_TICK });
  r.remapPic(0xf8, 0xfe);
  r.outb(0x43, 0x36);
  r.outb(0x40, 0x10);
  r.outb(0x40, 0x02);
  r.outb(0x70, 0x0b);
  r.outb(0x71, 0x42);
  r.outb(0x3d4, 0x0f);
  r.outb(0x3d5, 0x42);
  r.outb(0x61, 0x01);
  r.outb(0x43, 0xb0); // channel 2 mode 0, first byte only: a write in progress
  r.outb(0x42, 0x34);
  r.p.keyboard.pressKey("hi\x1b[A");
  r.outb(0x64, 0x20); // a controller reply waiting behind the first key byte
  r.inb(0x3da); // VGA retrace toggle state
  r.at(123_457);
  r.outb(0x43, 0x00); // a latch outstanding on channel 0
  r.outb(0x70, 0x0c);
  r.inb(0x71); // RTC flags clear
  r.at(until);
  return r;
}

/** The same sequence of guest actions on a rig; returns everything it observed. */
function script(r: Rig): string[] {
  const seen: string[] = [];
  let insn = r.insn;
  seen.push(`lsb=${r.inb(0x40)} msb=${r.inb(0x40)} is1=${r.inb(0x3da)}`);
  r.outb(0x70, 0x0c);
  seen.push(`C=${r.inb(0x71)}`);
  r.outb(0x42, 0x12);
  for (let i = 0; i < 40; i++) {
    insn += BigInt(Math.min(7_000, r.p.budgetUntilNextEvent(insn)));
    r.at(insn);
    if (r.p.interruptPending()) {
      const v = r.p.acknowledgeInterrupt();
      seen.push(`${insn}:irq ${v}`);
      if (v === 0x21) seen.push(`key ${r.inb(0x60)}`);
      if (v === 0x28) {
        r.outb(0x70, 0x0c);
        seen.push(`C=${r.inb(0x71)}`);
        r.outb(0xa0, 0x20);
      }
      r.outb(0x20, 0x20);
    }
    if (i % 10 === 9) {
      r.outb(0x43, 0xe2 | 0x08);
      seen.push(`st0=${r.inb(0x40)} st2=${r.inb(0x42)} p61=${r.inb(0x61)} sec=${(r.outb(0x70, 0), r.inb(0x71))}`);
    }
  }
  seen.push(`cursor=${JSON.stringify(r.p.vga.cursor())} tsc=${r.p.tscOffset(insn)}`);
  return seen;
}

describe("platform state", () => {
  // snapshot instants at different phases of the PIT square wave and the RTC period
  for (const until of [124_000, 125_500, 126_400, 128_200, 131_003]) {
    it(`a platform restored at instruction ${until} continues exactly like the original`, () => {
      const a = busy(until);
      const saved = structuredClone(a.p.saveState());
      const b = new Rig({ insnsPerSecond: TEN_PER_TICK });
      b.p.restoreState(saved);
      b.insn = a.insn;
      const fromA = script(a);
      expect(fromA.filter((l) => l.includes("irq")).length).toBeGreaterThan(5);
      expect(script(b)).toEqual(fromA);
    });
  }

  it("saving has no effect on the device (save, run, compare with an unsaved twin)", () => {
    const a = busy();
    const c = busy();
    a.p.saveState();
    expect(script(a)).toEqual(script(c));
  });

  it("refuses a state of another version or clock rate with one clear error", () => {
    const a = busy();
    const s = a.p.saveState();
    const other = new Rig();
    expect(() => other.p.restoreState(s)).toThrow(/runs at 11931820 instructions\/s, this platform at 100000000/);
    expect(() => other.p.restoreState({ ...s, version: 99 })).toThrow(DeviceStateError);
    const broken = structuredClone(s);
    delete (broken.rtc as Record<string, unknown>).cmos;
    expect(() => new Rig({ insnsPerSecond: TEN_PER_TICK }).p.restoreState(broken)).toThrow(/saved RTC state has no field "cmos"/);
  });
});
