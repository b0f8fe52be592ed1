// isa-debug-exit as QEMU configures it with iobase=0xf4,iosize=0x04: a write of value v (any width,
// to any of ports 0xF4..0xF7) ends the machine with process exit status (v << 1) | 1. Reads return
// 0, as QEMU's device (which has no read handler) answers; measured with QEMU 7.2.
import type { IoBus, PortDevice } from "./io-bus.js";

export const DEBUG_EXIT_PORT = 0xf4;
export const DEBUG_EXIT_SIZE = 4;

/** QEMU's exit status for a debug-exit write of `value` (before truncation to 8 bits by the OS). */
export function debugExitStatus(value: number): number {
  return ((value << 1) | 1) >>> 0;
}

export class DebugExit implements PortDevice {
  readonly name = "isa-debug-exit";

  /** `onExit(value, status)` is called for every write; the machine stops on it. */
  constructor(private readonly onExit: (value: number, status: number) => void) {}

  attach(bus: IoBus, base = DEBUG_EXIT_PORT): void {
    bus.register(base, DEBUG_EXIT_SIZE, this, [1, 2, 4]);
  }

  read(_port: number, _size: number): number {
    return 0;
  }

  write(_port: number, _size: number, value: number): void {
    this.onExit(value >>> 0, debugExitStatus(value >>> 0));
  }
}
