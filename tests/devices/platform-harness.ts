// Test harness for the platform devices: a real IoBus and Platform driven through ports, with the
// instruction count standing in for the CPU (advanceTo before every access, as the machine loop does).
import { IoBus } from "../../src/devices/io-bus.js";
import { Platform, type PlatformOptions } from "../../src/devices/platform.js";

/** 10 cycles per PIT tick exactly, so tick t begins at instruction 10·t. */
export const TEN_PER_TICK = 11_931_820;

export class Rig {
  readonly bus = new IoBus();
  readonly p: Platform;
  insn = 0n;
  constructor(opts: PlatformOptions = {}) {
    this.p = new Platform(this.bus, opts);
  }
  /** Move the CPU's instruction count to `n` (absolute) and bring the devices up to it. */
  at(n: bigint | number): this {
    this.insn = BigInt(n);
    this.p.advanceTo(this.insn);
    return this;
  }
  outb(port: number, v: number): void {
    this.p.advanceTo(this.insn);
    this.bus.write(port, 1, v);
  }
  inb(port: number): number {
    this.p.advanceTo(this.insn);
    return this.bus.read(port, 1);
  }
  /** Acknowledge and return the vector if an interrupt is pending, else null. */
  take(): number | null {
    return this.p.interruptPending() ? this.p.acknowledgeInterrupt() : null;
  }
  /** Standard PC remap: master base 0x20, slave 0x28, cascade on IR2, 8086 mode, given masks. */
  remapPic(mask1 = 0x00, mask2 = 0x00, icw4 = 0x01): void {
    this.outb(0x20, 0x11);
    this.outb(0xa0, 0x11);
    this.outb(0x21, 0x20);
    this.outb(0xa1, 0x28);
    this.outb(0x21, 0x04);
    this.outb(0xa1, 0x02);
    this.outb(0x21, icw4);
    this.outb(0xa1, icw4);
    this.outb(0x21, mask1);
    this.outb(0xa1, mask2);
  }
}
