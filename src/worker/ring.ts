// A single-producer, single-consumer byte ring in a SharedArrayBuffer: how terminal bytes cross
// between the page and a machine's worker without one message per byte. One side only writes, the
// other only reads; both may be on different threads.
//
// Layout of the buffer: Int32 HEAD (bytes ever written, mod 2^32), Int32 TAIL (bytes ever read,
// mod 2^32), 8 bytes reserved, then `capacity` data bytes (a power of two). The writer publishes
// with Atomics.store(HEAD) after copying the bytes and calls Atomics.notify on HEAD; the reader
// publishes with Atomics.store(TAIL) and notifies TAIL, so either side can Atomics.wait(Async) for
// the other. used = (HEAD - TAIL) mod 2^32 never exceeds capacity.

export const RING_HEAD = 0;
export const RING_TAIL = 1;
const HEADER_BYTES = 16;

/** A ring's shared memory: what one thread hands to another (structured-clonable). */
export interface RingBuffer {
  readonly sab: SharedArrayBuffer;
}

export class ByteRing {
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
  /** [HEAD, TAIL]: exposed so callers can Atomics.wait(Async) on a side of the ring. */
  readonly ctrl: Int32Array;
  private readonly data: Uint8Array;
  private readonly mask: number;

  /** Attach to an existing ring's memory (the other end of `ByteRing.create`). */
  constructor(sab: SharedArrayBuffer) {
    const capacity = sab.byteLength - HEADER_BYTES;
    if (capacity <= 0 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`ring buffer of ${sab.byteLength} bytes: data area must be a power of two`);
    }
    this.sab = sab;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.ctrl = new Int32Array(sab, 0, 2);
    this.data = new Uint8Array(sab, HEADER_BYTES, capacity);
  }

  /** A new, empty ring holding up to `capacity` bytes (rounded up to a power of two, ≥ 16). */
  static create(capacity: number): ByteRing {
    let c = 16;
    while (c < capacity) c *= 2;
    if (c > 1 << 30) throw new RangeError(`ring capacity ${capacity} is too large`);
    return new ByteRing(new SharedArrayBuffer(HEADER_BYTES + c));
  }

  /** Bytes waiting to be read. */
  used(): number {
    return (Atomics.load(this.ctrl, RING_HEAD) - Atomics.load(this.ctrl, RING_TAIL)) >>> 0;
  }

  /** Bytes that can be written now. */
  free(): number {
    return this.capacity - this.used();
  }

  /** Writer: copy as many of `bytes` as fit; returns how many were written. */
  write(bytes: Uint8Array): number {
    const head = Atomics.load(this.ctrl, RING_HEAD) >>> 0;
    const tail = Atomics.load(this.ctrl, RING_TAIL) >>> 0;
    const n = Math.min(bytes.length, this.capacity - ((head - tail) >>> 0));
    if (n <= 0) return 0;
    const at = head & this.mask;
    const first = Math.min(n, this.capacity - at);
    this.data.set(bytes.subarray(0, first), at);
    if (n > first) this.data.set(bytes.subarray(first, n), 0);
    Atomics.store(this.ctrl, RING_HEAD, (head + n) | 0);
    Atomics.notify(this.ctrl, RING_HEAD);
    return n;
  }

  /** Writer: write all of `bytes` or nothing (keeps multi-byte messages whole). */
  writeAll(bytes: Uint8Array): boolean {
    if (bytes.length > this.free()) return false;
    this.write(bytes);
    return true;
  }

  /** Reader: take up to `max` waiting bytes (all of them by default); empty if none. */
  read(max = Infinity): Uint8Array {
    const head = Atomics.load(this.ctrl, RING_HEAD) >>> 0;
    const tail = Atomics.load(this.ctrl, RING_TAIL) >>> 0;
    const n = Math.min((head - tail) >>> 0, max);
    if (n <= 0) return new Uint8Array(0);
    const out = new Uint8Array(n);
    const at = tail & this.mask;
    const first = Math.min(n, this.capacity - at);
    out.set(this.data.subarray(at, at + first), 0);
    if (n > first) out.set(this.data.subarray(0, n - first), first);
    Atomics.store(this.ctrl, RING_TAIL, (tail + n) | 0);
    Atomics.notify(this.ctrl, RING_TAIL);
    return out;
  }

  /** Reader: throw away everything waiting. */
  clear(): void {
    Atomics.store(this.ctrl, RING_TAIL, Atomics.load(this.ctrl, RING_HEAD));
    Atomics.notify(this.ctrl, RING_TAIL);
  }
}

/**
 * Resolve when `arr[index]` is no longer `value`, when `ms` milliseconds have passed, or at once
 * if it already differs. Uses Atomics.waitAsync where the engine has it (Chromium, Node ≥ 16),
 * else polls with timers. Never blocks the calling thread.
 */
export function waitForChange(arr: Int32Array, index: number, value: number, ms: number): Promise<void> {
  if (Atomics.load(arr, index) !== value) return Promise.resolve();
  const timeout = Number.isFinite(ms) ? Math.max(0, ms) : undefined;
  const waitAsync = (Atomics as unknown as { waitAsync?: AtomicsWaitAsync }).waitAsync;
  if (typeof waitAsync === "function") {
    const r = waitAsync(arr, index, value, timeout);
    return r.async ? r.value.then(() => undefined) : Promise.resolve();
  }
  return new Promise((resolve) => {
    const start = Date.now();
    const poll = () => {
      if (Atomics.load(arr, index) !== value || (timeout !== undefined && Date.now() - start >= timeout)) resolve();
      else setTimeout(poll, 4);
    };
    setTimeout(poll, 4);
  });
}

type AtomicsWaitAsync = (
  arr: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
