// The page's handle on one machine: its Web Worker (src/worker/machine-worker.ts), the Comlink
// proxy of MachineWorkerApi for control calls, and the page ends of the shared rings for
// terminal bytes. Output is drained as it arrives (Atomics.waitAsync on the ring heads), not by
// messages; input is written to a ring and the doorbell rung.
import * as Comlink from "comlink";
import {
  COM1_IN_BYTES,
  COM1_OUT_BYTES,
  DOORBELL,
  KBD_IN_BYTES,
  VGA_OUT_BYTES,
  type CreateResult,
  type MachineConfig,
  type MachineWorkerApi,
} from "../src/worker/protocol.js";
import { ByteRing, RING_HEAD, waitForChange } from "../src/worker/ring.js";

const encoder = new TextEncoder();
/** Key input is sent whole (an escape sequence must not be cut); longer input goes in pieces of at most this many characters. */
const KEYS_CHUNK = 256;

/** Cut terminal input into pieces of ≤ `max` characters, never inside an ESC sequence near a cut. */
export function splitKeys(data: string, max: number): string[] {
  const parts: string[] = [];
  let rest = data;
  while (rest.length > max) {
    let cut = max;
    const esc = rest.lastIndexOf("\x1b", cut - 1);
    if (esc > 0 && cut - esc < 16) cut = esc;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) parts.push(rest);
  return parts;
}

export class MachineClient {
  readonly api: Comlink.Remote<MachineWorkerApi>;
  readonly com1Out = ByteRing.create(COM1_OUT_BYTES);
  readonly com1In = ByteRing.create(COM1_IN_BYTES);
  readonly vgaOut = ByteRing.create(VGA_OUT_BYTES);
  readonly kbdIn = ByteRing.create(KBD_IN_BYTES);
  private readonly doorbell = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;
  private closed = false;
  /** Input the ring had no room for yet (a big paste), sent as the guest reads. */
  private backlog: { ring: ByteRing; bytes: Uint8Array }[] = [];

  /** Rejects if the worker fails (its script does not load, or it throws outside a call). */
  private readonly failed: Promise<never>;

  constructor(onWorkerError: (message: string) => void) {
    this.worker = new Worker(new URL("../src/worker/machine-worker.ts", import.meta.url), { type: "module", name: "tabvisor-machine" });
    this.failed = new Promise<never>((_, reject) =>
      this.worker.addEventListener("error", (e) => {
        const message = e.message || "the machine worker failed to load";
        onWorkerError(message);
        reject(new Error(`machine worker: ${message}`));
      }),
    );
    this.failed.catch(() => {});
    this.api = Comlink.wrap<MachineWorkerApi>(this.worker);
  }

  /** Boot `config` in the worker; the kernel and module bytes are transferred, not copied. */
  create(config: MachineConfig): Promise<CreateResult> {
    const buffers = [config.kernel.data.buffer, ...config.modules.map((m) => m.data.buffer)].filter(
      (b, i, all): b is ArrayBuffer => b instanceof ArrayBuffer && all.indexOf(b) === i,
    );
    const created = this.api.create(Comlink.transfer(config, buffers), {
      com1Out: this.com1Out.sab,
      com1In: this.com1In.sab,
      vgaOut: this.vgaOut.sab,
      kbdIn: this.kbdIn.sab,
      doorbell: this.doorbell.buffer as SharedArrayBuffer,
    });
    return Promise.race([created, this.failed]);
  }

  /** Bytes for the guest's COM1 receiver (a terminal's keystrokes or a paste). */
  sendSerial(data: string): void {
    this.send(this.com1In, encoder.encode(data));
  }

  /** Keys for the PS/2 keyboard, as terminal input (the VGA view's keystrokes). */
  sendKeys(data: string): void {
    for (const part of splitKeys(data, KEYS_CHUNK)) this.send(this.kbdIn, encoder.encode(part));
  }

  private send(ring: ByteRing, bytes: Uint8Array): void {
    if (this.backlog.length) this.backlog.push({ ring, bytes });
    else {
      const n = ring === this.kbdIn ? (ring.writeAll(bytes) ? bytes.length : 0) : ring.write(bytes);
      if (n < bytes.length) {
        this.backlog.push({ ring, bytes: bytes.subarray(n) });
        void this.flushBacklog();
      }
    }
    Atomics.add(this.doorbell, DOORBELL, 1);
    Atomics.notify(this.doorbell, DOORBELL);
  }

  private async flushBacklog(): Promise<void> {
    while (this.backlog.length && !this.closed) {
      const item = this.backlog[0];
      const tail = Atomics.load(item.ring.ctrl, 1);
      const n = item.ring === this.kbdIn ? (item.ring.writeAll(item.bytes) ? item.bytes.length : 0) : item.ring.write(item.bytes);
      if (n === item.bytes.length) this.backlog.shift();
      else {
        item.bytes = item.bytes.subarray(n);
        Atomics.add(this.doorbell, DOORBELL, 1);
        Atomics.notify(this.doorbell, DOORBELL);
        await waitForChange(item.ring.ctrl, 1, tail, 100);
      }
    }
  }

  /** Deliver what arrives on `ring` to `sink` until close(); waits for the sink (terminal flow control). */
  async drain(ring: ByteRing, sink: (bytes: Uint8Array) => void | Promise<void>): Promise<void> {
    while (!this.closed) {
      const head = Atomics.load(ring.ctrl, RING_HEAD);
      if (ring.used()) await sink(ring.read());
      await waitForChange(ring.ctrl, RING_HEAD, head, 250);
    }
  }

  /** Drop input not yet read and output not yet shown (after a reset). */
  clearRings(): void {
    this.backlog = [];
    this.com1Out.clear();
    this.vgaOut.clear();
  }

  close(): void {
    this.closed = true;
    this.api[Comlink.releaseProxy]();
    this.worker.terminate();
  }
}
