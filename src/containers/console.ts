// One container's console as the host sees it: pvchan stream k (k = 1..255) is the container
// init's /dev/console (stdin, stdout, stderr). Output is handed to listeners (a terminal, the
// CLI's `[ctK] ` prefixer) and kept in a bounded transcript; input goes to the guest on stream k.
import type { ControlChannel } from "./control-channel.js";

/** The transcript keeps the last this many bytes of output. */
export const TRANSCRIPT_BYTES = 1 << 20;

export interface FirstOutput {
  /** Guest instructions retired when the first byte arrived. */
  insnCount: bigint;
  /** Host time (ms, the channel's clock) when it arrived. */
  hostMs: number;
}

export class ContainerConsole {
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** Output bytes received in all. */
  received = 0;
  /** When the first output byte arrived (null until then). */
  firstOutput: FirstOutput | null = null;

  constructor(
    private readonly channel: ControlChannel,
    readonly stream: number,
  ) {}

  /** Bytes the container wrote; called by the manager. */
  deliver(bytes: Uint8Array, at?: FirstOutput): void {
    if (!bytes.length) return;
    if (!this.firstOutput) this.firstOutput = at ?? { insnCount: this.channel.machine.cpu.insnCount, hostMs: performance.now() };
    this.received += bytes.length;
    this.chunks.push(bytes);
    this.size += bytes.length;
    while (this.size > TRANSCRIPT_BYTES && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
    for (const fn of this.listeners) fn(bytes);
  }

  /** Call `fn` with every later chunk of output. */
  onOutput(fn: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Keystrokes or a command line for the container's console. */
  write(data: string | Uint8Array): void {
    this.channel.sendToStream(this.stream, typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  /** The output kept so far, as text. */
  text(): string {
    const all = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      all.set(c, o);
      o += c.length;
    }
    return new TextDecoder().decode(all);
  }
}
