// The CLI's view of the process streams, injectable so tests can run verbs in-process, and the
// host side of COM1 input: stdin bytes go to the guest's UART; a terminal is put in raw mode (and
// restored) only if stdin is a TTY, where Ctrl-A x ends the run (Ctrl-A Ctrl-A sends a Ctrl-A).
import { fstatSync, readFileSync } from "node:fs";
import type { Machine } from "../hv/vm.js";
import { STATUS_INTERNAL, STATUS_OUTPUT_CLOSED } from "./exit-status.js";

export interface OutStream {
  write(chunk: Uint8Array | string): boolean;
}

export interface InStream extends NodeJS.EventEmitter {
  isTTY?: boolean;
  fd?: number;
  setRawMode?(mode: boolean): unknown;
  resume(): unknown;
  pause(): unknown;
  destroy?(): unknown;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** null: no input at all (the guest's receive line stays idle). */
  stdin: InStream | null;
}

/** The process's own streams. If stdout's reader goes away (`tabvisor … | head`), the run stops at
 * once with STATUS_OUTPUT_CLOSED, as a program killed by SIGPIPE would, instead of an EPIPE trace. */
export function processIo(): CliIo {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount("error") > 0) continue; // installed by an earlier call
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && stream === process.stdout) process.stderr.write(`tabvisor: cannot write to stdout: ${e.message}\n`);
      process.exit(e.code === "EPIPE" ? STATUS_OUTPUT_CLOSED : STATUS_INTERNAL);
    });
  }
  let stdin: InStream | null = null;
  try {
    stdin = process.stdin as unknown as InStream;
  } catch {
    stdin = null; // fd 0 closed
  }
  return { stdout: process.stdout, stderr: process.stderr, stdin };
}

const CTRL_A = 0x01;

/** Feeds stdin to a machine's COM1; resolves `next()` whenever input arrives or ends. */
export class HostInput {
  /** Set when the user typed Ctrl-A x on a terminal. */
  quit = false;
  private rawMode = false;
  private escape = false;
  private wakeUp: (() => void) | null = null;
  private readonly listeners: [string, (...a: any[]) => void][] = [];

  constructor(
    private readonly stdin: InStream | null,
    private readonly machine: Machine,
  ) {}

  start(): void {
    const stdin = this.stdin;
    this.machine.inputOpen = false;
    if (!stdin) return;
    // A regular file on stdin is read whole before the run starts, which keeps the run deterministic.
    if (!stdin.isTTY && typeof stdin.fd === "number") {
      try {
        if (fstatSync(stdin.fd).isFile()) {
          this.machine.receiveInput(readFileSync(stdin.fd));
          return;
        }
      } catch {
        return; // no usable stdin
      }
    }
    if (stdin.isTTY && stdin.setRawMode) {
      stdin.setRawMode(true);
      this.rawMode = true;
    }
    this.on("data", (chunk: Buffer | string) => this.onData(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
    this.on("end", () => this.onEnd());
    this.on("close", () => this.onEnd());
    this.on("error", () => this.onEnd());
    this.machine.inputOpen = true;
    stdin.resume();
  }

  /** Resolves at the next input event (bytes, end of input, Ctrl-A x). */
  next(): Promise<void> {
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  /** Stop reading and give the terminal back in the mode it had. */
  close(): void {
    const stdin = this.stdin;
    if (!stdin) return;
    for (const [ev, fn] of this.listeners) stdin.removeListener(ev, fn);
    this.listeners.length = 0;
    if (this.rawMode) {
      stdin.setRawMode!(false);
      this.rawMode = false;
    }
    stdin.pause();
  }

  private on(ev: string, fn: (...a: any[]) => void): void {
    this.listeners.push([ev, fn]);
    this.stdin!.on(ev, fn);
  }

  private notify(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private onData(chunk: Uint8Array): void {
    let bytes: number[] | Uint8Array = chunk;
    if (this.rawMode) {
      const kept: number[] = [];
      for (const b of chunk) {
        if (this.escape) {
          this.escape = false;
          if (b === 0x78 /* x */) {
            this.quit = true;
            break;
          }
          if (b !== CTRL_A) kept.push(CTRL_A);
          kept.push(b);
        } else if (b === CTRL_A) this.escape = true;
        else kept.push(b);
      }
      bytes = kept;
    }
    if (bytes.length) this.machine.receiveInput(bytes);
    this.notify();
  }

  private onEnd(): void {
    this.machine.inputOpen = false;
    this.notify();
  }
}
