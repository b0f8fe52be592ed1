// I/O bus: dispatch by port range, unmapped ports float high, wide accesses split for byte devices.
import { describe, expect, it } from "vitest";
import { IoBus, PortConflictError, type IoSize, type PortDevice } from "../../src/devices/io-bus.js";

/** A device that records accesses and answers reads with (port & 0xff) repeated per byte. */
class Recorder implements PortDevice {
  readonly log: string[] = [];
  constructor(readonly name: string) {}
  read(port: number, size: IoSize): number {
    this.log.push(`r${size}@${port.toString(16)}`);
    return size === 1 ? port & 0xff : 0x12345678;
  }
  write(port: number, size: IoSize, value: number): void {
    this.log.push(`w${size}@${port.toString(16)}=${value.toString(16)}`);
  }
}

describe("IoBus", () => {
  it("reads all ones from unmapped ports at every width and drops writes", () => {
    const bus = new IoBus();
    expect(bus.read(0x80, 1)).toBe(0xff);
    expect(bus.read(0x80, 2)).toBe(0xffff);
    expect(bus.read(0x80, 4)).toBe(0xffffffff);
    bus.write(0x80, 4, 0);
    expect(bus.unmappedAccesses).toBe(4);
  });

  it("dispatches to the device owning the port", () => {
    const bus = new IoBus();
    const a = new Recorder("a");
    bus.register(0x3f8, 8, a);
    expect(bus.read(0x3fd, 1)).toBe(0xfd);
    bus.write(0x3f8, 1, 0x41);
    expect(a.log).toEqual(["r1@3fd", "w1@3f8=41"]);
    expect(bus.deviceAt(0x3ff)).toBe(a);
    expect(bus.deviceAt(0x400)).toBeUndefined();
  });

  it("splits wide accesses to a byte-only device into byte accesses, little-endian", () => {
    const bus = new IoBus();
    const a = new Recorder("a");
    bus.register(0x60, 2, a);
    // bytes at 0x60, 0x61 from the device, 0x62 and 0x63 unmapped
    expect(bus.read(0x60, 4)).toBe(0xffff6160);
    bus.write(0x60, 2, 0xbeef);
    expect(a.log).toEqual(["r1@60", "r1@61", "w1@60=ef", "w1@61=be"]);
  });

  it("passes whole accesses to a device that decodes that width and masks the value", () => {
    const bus = new IoBus();
    const a = new Recorder("a");
    bus.register(0xf4, 4, a, [1, 2, 4]);
    expect(bus.read(0xf4, 2)).toBe(0x5678);
    bus.write(0xf4, 2, 0x123456);
    expect(a.log).toEqual(["r2@f4", "w2@f4=3456"]);
  });

  it("refuses overlapping registrations and bad ranges", () => {
    const bus = new IoBus();
    bus.register(0x20, 2, new Recorder("pic"));
    expect(() => bus.register(0x21, 1, new Recorder("other"))).toThrow(PortConflictError);
    expect(() => bus.register(0x21, 1, new Recorder("other"))).toThrow(/0x21.*pic/);
    expect(() => bus.register(0xffff, 2, new Recorder("x"))).toThrow(RangeError);
    expect(() => bus.register(0x100, 0, new Recorder("x"))).toThrow(RangeError);
  });
});
