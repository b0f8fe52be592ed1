// The host end of pvchan for one running guest: stream 0 carries control lines (requests with
// ids, replies, events; control-protocol.ts), streams 1..255 carry container consoles. A request
// settles when its reply line arrives or, failing that, when the guest's virtual clock has moved
// `timeoutCycles` past the moment it was sent. The virtual clock is retired instructions plus the
// cycles HLT skipped (the RDTSC value, src/devices/platform.ts), so timeouts are deterministic and
// an idle guest that never answers times out without burning host time.
//
// Nothing here runs the machine: whoever does (the CLI loop, the page's worker) calls tick() after
// each slice, or uses settle() to run it until one request is answered.
import type { Machine } from "../hv/vm.js";
import { PV_CONTROL_STREAM, PV_STREAMS } from "../devices/pvchan.js";
import { MAX_LINE_BYTES, MAX_REQUEST_ID, ProtocolError, formatRequest, parseLine, type GuestEvent } from "./control-protocol.js";

/** 20 virtual seconds at the platform's default 100 MHz. */
export const DEFAULT_TIMEOUT_CYCLES = 2_000_000_000;
/** Instructions per machine slice while settle() waits for a reply. */
export const SETTLE_SLICE = 200_000;

/** ctrd answered `ID err MESSAGE`. */
export class ContainerCommandError extends Error {
  override name = "ContainerCommandError";
  constructor(
    readonly words: readonly string[],
    readonly guestMessage: string,
  ) {
    super(`${words[0]}: ${guestMessage}`);
  }
}

/** No reply within the timeout (in virtual cycles), or the guest stopped before answering. */
export class ContainerTimeoutError extends Error {
  override name = "ContainerTimeoutError";
}

/** Where a request stood when it was sent and answered. */
export interface RequestCost {
  /** Guest instructions retired between the request and its reply. */
  instructions: number;
  /** Host milliseconds between the request and its reply (including the host's own work). */
  hostMs: number;
}

export interface Request {
  readonly id: number;
  readonly words: readonly string[];
  readonly sentInsns: bigint;
  readonly sentCycles: bigint;
  readonly sentMs: number;
  /** Set once settled. */
  settled: boolean;
  cost: RequestCost | null;
  readonly promise: Promise<unknown>;
}

interface Waiting extends Request {
  /** Guest cycles this request may wait (the channel's timeout unless the request set its own). */
  timeout: bigint;
  /** A late reply after a timeout is ignored quietly (a request the caller will send again). */
  retry: boolean;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export interface RequestOptions {
  /** Guest cycles before this request times out (default: the channel's). */
  timeoutCycles?: number;
  /** The caller sends it again on a timeout: a late reply to this one is not a protocol error. */
  retry?: boolean;
}

export interface ControlChannelOptions {
  timeoutCycles?: number;
  /** Host clock for the hostMs figures (default performance.now). */
  now?: () => number;
}

export class ControlChannel {
  readonly timeoutCycles: bigint;
  /** Lines ctrd sent that the host could not parse or match (kept for diagnostics). */
  readonly protocolErrors: string[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly cancelled = new Set<number>();
  /** Ids of expect() pseudo-requests count down from -1 (replies use 1 up). */
  private nextPseudoId = -1;
  /** expect() waiters: negative ids in `waiting` → their condition. */
  private readonly predicates = new Map<number, () => boolean>();
  private line: number[] = [];
  private readonly eventListeners = new Set<(e: GuestEvent) => void>();
  private readonly streamListeners = new Map<number, (byte: number) => void>();
  private readonly unlisten: () => void;
  private readonly now: () => number;
  /** Called after every slice settle() runs (the manager flushes console output there). */
  afterSlice: (() => void) | null = null;

  constructor(
    readonly machine: Machine,
    opts: ControlChannelOptions = {},
  ) {
    this.timeoutCycles = BigInt(opts.timeoutCycles ?? DEFAULT_TIMEOUT_CYCLES);
    this.now = opts.now ?? (() => performance.now());
    this.unlisten = machine.pvchan.listen((stream, byte) => this.receive(stream, byte));
  }

  /** The guest's virtual clock: retired instructions plus skipped idle cycles. */
  cycles(): bigint {
    return this.machine.cpu.insnCount + this.machine.cpu.tscOffset;
  }

  /** Send `ID WORDS...` on stream 0; the request settles through its promise. */
  request(words: readonly string[], opts: RequestOptions = {}): Request {
    const id = this.nextId;
    this.nextId = this.nextId >= MAX_REQUEST_ID ? 1 : this.nextId + 1;
    const text = formatRequest(id, words) + "\n";
    const req = this.waiter(id, words, opts);
    this.machine.pvchan.send(PV_CONTROL_STREAM, text);
    return req;
  }

  /**
   * A pseudo-request that settles at the first tick() where `pred()` holds, under the same
   * timeout as a request; nothing is sent.
   */
  expect(pred: () => boolean, what: string): Request {
    const req = this.waiter(this.nextPseudoId--, [`(${what})`], {});
    this.predicates.set(req.id, pred);
    return req;
  }

  /** A new entry in `waiting`, stamped with the guest's clock now, with its promise. */
  private waiter(id: number, words: readonly string[], opts: RequestOptions): Waiting {
    let resolve!: (v: unknown) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // the caller awaits it; an unobserved timeout must not crash the host
    const w: Waiting = {
      id,
      words: [...words],
      sentInsns: this.machine.cpu.insnCount,
      sentCycles: this.cycles(),
      sentMs: this.now(),
      settled: false,
      cost: null,
      promise,
      timeout: opts.timeoutCycles === undefined ? this.timeoutCycles : BigInt(opts.timeoutCycles),
      retry: opts.retry ?? false,
      resolve,
      reject,
    };
    this.waiting.set(id, w);
    return w;
  }

  /**
   * Give up on `req` (it fails with ContainerTimeoutError saying why); a late reply to it is
   * ignored quietly.
   */
  cancel(req: Request, why: string): void {
    const w = this.waiting.get(req.id);
    if (!w) return;
    this.cancelled.add(req.id);
    this.fail(w, new ContainerTimeoutError(`'${req.words.join(" ")}' cancelled: ${why}`));
  }

  /** Requests still waiting for their reply. */
  get outstanding(): number {
    return this.waiting.size;
  }

  /** Call `fn` for every `0 event` line. */
  onEvent(fn: (e: GuestEvent) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  /** Route stream k's guest→host bytes to `fn` (one listener per stream; null removes it). */
  setStreamListener(stream: number, fn: ((byte: number) => void) | null): void {
    if (stream <= PV_CONTROL_STREAM || stream >= PV_STREAMS) throw new RangeError(`console streams are 1..${PV_STREAMS - 1}, not ${stream}`);
    if (fn) this.streamListeners.set(stream, fn);
    else this.streamListeners.delete(stream);
  }

  /** Host→guest bytes for console stream k. */
  sendToStream(stream: number, data: Iterable<number> | string): void {
    if (stream <= PV_CONTROL_STREAM || stream >= PV_STREAMS) throw new RangeError(`console streams are 1..${PV_STREAMS - 1}, not ${stream}`);
    this.machine.pvchan.send(stream, data);
  }

  /** Fail the requests whose time is up, and all of them once the machine has stopped. */
  tick(): void {
    if (!this.waiting.size) return;
    for (const [id, pred] of [...this.predicates]) {
      if (!pred()) continue;
      const w = this.waiting.get(id)!;
      this.predicates.delete(id);
      this.waiting.delete(id);
      w.settled = true;
      w.cost = { instructions: Number(this.machine.cpu.insnCount - w.sentInsns), hostMs: this.now() - w.sentMs };
      w.resolve(null);
    }
    const stop = this.machine.stopped;
    const now = this.cycles();
    for (const req of [...this.waiting.values()]) {
      if (stop) this.fail(req, new ContainerTimeoutError(`'${req.words.join(" ")}' got no answer: the guest stopped (${stop.message})`));
      else if (now - req.sentCycles >= req.timeout) {
        if (req.retry) this.cancelled.add(req.id);
        this.fail(req, new ContainerTimeoutError(`'${req.words.join(" ")}' got no answer within ${req.timeout} guest cycles (is ctrd running?)`));
      }
    }
  }

  /**
   * Run the machine in small slices until `req` settles (answered, timed out, or the machine
   * stopped), then return its value or throw its error. Other requests and console bytes are
   * handled on the way.
   */
  async settle<T = unknown>(req: Request, slice = SETTLE_SLICE): Promise<T> {
    const m = this.machine;
    while (!req.settled) {
      const state = m.runFor(slice);
      this.afterSlice?.();
      this.tick();
      if (state === "waiting" && !req.settled && !m.stopped) {
        // nothing but host input can wake the guest, and no more input is coming from here
        this.fail(this.waiting.get(req.id)!, new ContainerTimeoutError(`'${req.words.join(" ")}' got no answer: the guest is idle with nothing to wake it`));
      }
    }
    return (await req.promise) as T;
  }

  /** Send `words` and settle(): the synchronous-style call the CLI and tests use. */
  call<T = unknown>(words: readonly string[]): Promise<T> {
    return this.settle<T>(this.request(words));
  }

  close(): void {
    this.unlisten();
    for (const req of [...this.waiting.values()]) this.fail(req, new ContainerTimeoutError(`'${req.words.join(" ")}' abandoned: channel closed`));
  }

  private fail(req: Waiting, e: Error): void {
    if (req.settled) return;
    req.settled = true;
    this.waiting.delete(req.id);
    this.predicates.delete(req.id);
    req.reject(e);
  }

  private receive(stream: number, byte: number): void {
    if (stream !== PV_CONTROL_STREAM) {
      this.streamListeners.get(stream)?.(byte);
      return;
    }
    if (byte !== 0x0a) {
      if (this.line.length < MAX_LINE_BYTES) this.line.push(byte);
      else if (this.line.length === MAX_LINE_BYTES) {
        this.protocolErrors.push(`control line longer than ${MAX_LINE_BYTES} bytes`);
        this.line.push(byte); // mark: drop the rest of this line
      }
      return;
    }
    const bytes = this.line;
    this.line = [];
    if (bytes.length > MAX_LINE_BYTES) return;
    const text = new TextDecoder().decode(Uint8Array.from(bytes));
    let parsed;
    try {
      parsed = parseLine(text);
    } catch (e) {
      if (e instanceof ProtocolError) {
        this.protocolErrors.push(e.message);
        return;
      }
      throw e;
    }
    if (parsed.kind === "event") {
      for (const fn of this.eventListeners) fn(parsed.event);
      return;
    }
    const req = this.waiting.get(parsed.id);
    if (!req) {
      if (!this.cancelled.delete(parsed.id)) this.protocolErrors.push(`reply for request ${parsed.id}, which is not waiting`);
      return;
    }
    req.settled = true;
    req.cost = { instructions: Number(this.machine.cpu.insnCount - req.sentInsns), hostMs: this.now() - req.sentMs };
    this.waiting.delete(req.id);
    if (parsed.kind === "ok") req.resolve(parsed.value);
    else req.reject(new ContainerCommandError(req.words, parsed.message));
  }
}
