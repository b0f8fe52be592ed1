// The Bochs/QEMU debug console at port 0xE9: each byte written is output; a read returns 0xE9 so a
// guest can detect the port (QEMU's isa-debugcon readback value).
import type { IoBus, PortDevice } from "./io-bus.js";

export const DEBUG_CONSOLE_PORT = 0xe9;
export const DEBUG_CONSOLE_READBACK = 0xe9;

export class DebugConsole implements PortDevice {
  readonly name = "debug-console";

  constructor(public onOutput: (byte: number) => void = () => {}) {}

  attach(bus: IoBus, port = DEBUG_CONSOLE_PORT): void {
    bus.register(port, 1, this);
  }

  read(_port: number, _size: 1): number {
    return DEBUG_CONSOLE_READBACK;
  }

  write(_port: number, _size: 1, value: number): void {
    this.onOutput(value & 0xff);
  }
}
