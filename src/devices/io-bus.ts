// The x86 I/O port space (64 Ki byte-wide ports) and its dispatch to devices.
// A device registers a range of ports and the access widths it decodes itself; any other access is
// split into byte accesses at port, port+1, … as the ISA bus does for an 8-bit device. Ports no
// device claims float high: reads return all ones (0xFF/0xFFFF/0xFFFFFFFF), writes are dropped.

export type IoSize = 1 | 2 | 4;

/** A device on the I/O bus. `port` is the absolute port; `size` one of the widths it registered. */
export interface PortDevice {
  readonly name: string;
  read(port: number, size: IoSize): number;
  write(port: number, size: IoSize, value: number): void;
}

export interface PortRange {
  first: number;
  count: number;
  device: PortDevice;
  /** Access widths the device decodes whole; others are split into bytes. Default [1]. */
  widths: readonly IoSize[];
}

export class PortConflictError extends Error {
  override name = "PortConflictError";
}

const ALL_ONES = [0, 0xff, 0xffff, 0, 0xffffffff];

export class IoBus {
  private readonly owner = new Int16Array(0x10000).fill(-1); // port → index in ranges
  private readonly ranges: PortRange[] = [];
  /** Accesses that reached no device (reads and writes), for diagnostics. */
  unmappedAccesses = 0;

  /** Claim ports [first, first+count) for `device`. Overlapping another range is an error. */
  register(first: number, count: number, device: PortDevice, widths: readonly IoSize[] = [1]): void {
    if (!Number.isInteger(first) || !Number.isInteger(count) || count < 1 || first < 0 || first + count > 0x10000) {
      throw new RangeError(`bad port range ${first}+${count} for ${device.name}`);
    }
    for (let p = first; p < first + count; p++) {
      const other = this.owner[p];
      if (other >= 0) {
        throw new PortConflictError(`port 0x${p.toString(16)} of ${device.name} is already taken by ${this.ranges[other].device.name}`);
      }
    }
    const index = this.ranges.length;
    this.ranges.push({ first, count, device, widths });
    this.owner.fill(index, first, first + count);
  }

  /** The device claiming `port`, if any. */
  deviceAt(port: number): PortDevice | undefined {
    const i = this.owner[port & 0xffff];
    return i >= 0 ? this.ranges[i].device : undefined;
  }

  read(port: number, size: IoSize): number {
    port &= 0xffff;
    const i = this.owner[port];
    if (i >= 0) {
      const r = this.ranges[i];
      if (r.widths.includes(size)) return r.device.read(port, size) & ALL_ONES[size];
    } else if (size === 1 || this.unmappedSpan(port, size)) {
      this.unmappedAccesses++;
      return ALL_ONES[size];
    }
    let value = 0;
    for (let k = 0; k < size; k++) value |= this.read((port + k) & 0xffff, 1) << (8 * k);
    return value >>> 0;
  }

  write(port: number, size: IoSize, value: number): void {
    port &= 0xffff;
    const i = this.owner[port];
    if (i >= 0) {
      const r = this.ranges[i];
      if (r.widths.includes(size)) {
        r.device.write(port, size, (value & ALL_ONES[size]) >>> 0);
        return;
      }
    } else if (size === 1 || this.unmappedSpan(port, size)) {
      this.unmappedAccesses++;
      return;
    }
    for (let k = 0; k < size; k++) this.write((port + k) & 0xffff, 1, (value >>> (8 * k)) & 0xff);
  }

  private unmappedSpan(port: number, size: number): boolean {
    for (let k = 0; k < size; k++) if (this.owner[(port + k) & 0xffff] >= 0) return false;
    return true;
  }
}
