// The host-side container manager: creates and controls containers in a running `unix` guest over
// the pvchan control channel (docs/containers.md), keeps a typed mirror of each container's
// lifecycle (lifecycle.ts), and gives each container's console (pvchan stream k) its own
// ContainerConsole. Each verb is one request with the words of the in-guest `ctr` CLI; the guest's
// ctrd runs the same code as `ctr`. Illegal lifecycle transitions are refused here, before the
// guest is asked; the guest's own refusals come back as ContainerCommandError.
//
// The manager never runs the machine on its own except inside a call (ControlChannel.settle); a
// host that runs it otherwise (the page's worker) calls tick() after each slice.
import { EXIT_HLT } from "../../assembly/layout.js";
import type { Machine } from "../hv/vm.js";
import { PV_STREAMS } from "../devices/pvchan.js";
import { ContainerConsole } from "./console.js";
import { ContainerTimeoutError, ControlChannel, type ControlChannelOptions, type Request, type RequestCost } from "./control-channel.js";
import { checkWord, type GuestEvent } from "./control-protocol.js";
import { ContainerLifecycle, canTransition, type ContainerState, type LifecycleAction } from "./lifecycle.js";

export const PAGE_BYTES = 4096;
/** ready() sends its `ls` again after this many guest cycles without an answer (0.1 virtual s). */
export const READY_RETRY_CYCLES = 10_000_000;

/** What `run` asks for; every field is optional (ctrd picks defaults). */
export interface RunSpec {
  name?: string;
  hostname?: string;
  /** cgroup memory.max, as ctr takes it: bytes with an optional K/M/G suffix ("16M"). */
  memory?: string;
  /** CPU share as ctr takes it ("0.5"): cpu.max quota/period. */
  cpus?: string;
  pidsLimit?: number;
  image?: string;
  /** Program and arguments for the container's init (default: the image's). */
  command?: string[];
}

/** A container record as ctrd reports it (`run`, `ps`): the fields the host relies on, and all others in `raw`. */
export interface ContainerInfo {
  name: string;
  state: string;
  /** pvchan console stream, 1..255; null for a container ctrd started without one (streams are 255). */
  console: number | null;
  /** PID of the container's init in the guest's initial namespace, if reported. */
  pid: number | null;
  raw: Record<string, unknown>;
}

/** cgroup figures of one container (`stats`), normalised; `raw` keeps ctrd's record. */
export interface CgroupFigures {
  name: string;
  memoryBytes: number | null;
  memoryPages: number | null;
  memoryMax: number | null;
  pids: number | null;
  pidsMax: number | null;
  cpuUsageUsec: number | null;
  raw: Record<string, unknown>;
}

export class ContainerSpecError extends Error {
  override name = "ContainerSpecError";
}

/** One container: its lifecycle mirror, its console, and what starting it cost. */
export class Container {
  readonly lifecycle: ContainerLifecycle;
  info: ContainerInfo;
  /** Instructions and host time from the `run` request to its reply. */
  startCost: RequestCost | null = null;
  /** The `run` request's send point, for first-output figures. */
  startedAt: { insnCount: bigint; hostMs: number } | null = null;
  /** Set by an `exit` event. */
  exitStatus: number | null = null;
  /** Set by an `oom` event, or an `exit` event counting OOM kills in the container's cgroup. */
  oomKilled = false;
  /** The exit event's signal (0 = none), and the OOM kills it counted. */
  exitSignal = 0;
  oomKills = 0;
  /** Events the guest sent about this container, in order. */
  readonly events: GuestEvent[] = [];

  constructor(
    info: ContainerInfo,
    /** Null when the container has no console stream. */
    readonly console: ContainerConsole | null,
  ) {
    this.info = info;
    this.lifecycle = new ContainerLifecycle(info.name);
    this.lifecycle.adopt(info.state);
  }

  get name(): string {
    return this.info.name;
  }
  get state(): ContainerState {
    return this.lifecycle.state;
  }

  /** Instructions and host ms from the `run` request to the container's first console byte. */
  firstOutputCost(): RequestCost | null {
    const f = this.console?.firstOutput;
    if (!f || !this.startedAt) return null;
    return { instructions: Number(f.insnCount - this.startedAt.insnCount), hostMs: f.hostMs - this.startedAt.hostMs };
  }
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : null);

/** The first of `names` present in `o` (ctrd may write "memory.current" or "memory_current"). */
function field(o: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) {
    if (n in o) return o[n];
    const alt = n.replace(/\./g, "_");
    if (alt in o) return o[alt];
  }
  return undefined;
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ContainerSpecError(`ctrd's ${what} reply is not a JSON object: ${JSON.stringify(v)?.slice(0, 120)}`);
  return v as Record<string, unknown>;
}

/** A `run`/`ps` record → ContainerInfo. */
export function containerInfo(v: unknown): ContainerInfo {
  const raw = asRecord(v, "container");
  const name = field(raw, "name");
  const consoleStream = num(field(raw, "console"));
  if (typeof name !== "string" || !name) throw new ContainerSpecError(`ctrd's container record has no name: ${JSON.stringify(raw).slice(0, 120)}`);
  if (consoleStream !== null && consoleStream !== 0 && (consoleStream < 1 || consoleStream >= PV_STREAMS)) {
    throw new ContainerSpecError(`ctrd's record of ${name} has console stream ${consoleStream}, outside 1..${PV_STREAMS - 1}`);
  }
  const state = field(raw, "state");
  return { name, state: typeof state === "string" ? state : "running", console: consoleStream || null, pid: num(field(raw, "pid")), raw };
}

/** A `stats` record → CgroupFigures (memory figures in bytes; pages = bytes / 4096 rounded up). */
export function cgroupFigures(v: unknown): CgroupFigures {
  const raw = asRecord(v, "stats");
  const cg = (typeof raw.cgroup === "object" && raw.cgroup !== null ? raw.cgroup : raw) as Record<string, unknown>;
  const pagesDirect = num(field(cg, "memory.pages"));
  const memoryBytes = num(field(cg, "memory.current")) ?? (pagesDirect === null ? null : pagesDirect * PAGE_BYTES);
  const cpuStat = field(cg, "cpu.stat");
  const cpuUsage = num(typeof cpuStat === "object" && cpuStat !== null ? (cpuStat as Record<string, unknown>).usage_usec : field(cg, "cpu.usage_usec", "usage_usec"));
  // limits: bytes ("memory.max") or pages ("memory_max_pages"); "max" or a negative number means none
  const limit = (v: unknown) => {
    const n = num(v);
    return n === null || n < 0 ? null : n;
  };
  const maxPages = limit(field(cg, "memory.max_pages"));
  return {
    name: String(field(raw, "name") ?? ""),
    memoryBytes,
    memoryPages: pagesDirect ?? (memoryBytes === null ? null : Math.ceil(memoryBytes / PAGE_BYTES)),
    memoryMax: limit(field(cg, "memory.max")) ?? (maxPages === null ? null : maxPages * PAGE_BYTES),
    pids: num(field(cg, "pids.current", "pids")),
    pidsMax: limit(field(cg, "pids.max")),
    cpuUsageUsec: cpuUsage,
    raw,
  };
}

/** `run` words for a spec, as `ctr run` takes them. */
export function runWords(spec: RunSpec): string[] {
  const w = ["run"];
  const opt = (flag: string, v: string | number | undefined, pattern: RegExp, what: string) => {
    if (v === undefined) return;
    const s = String(v);
    if (!pattern.test(s)) throw new ContainerSpecError(`${flag} ${what}, got '${s}'`);
    w.push(flag, s);
  };
  // ctr keeps at most 31 characters of a name and 63 of a host name: longer ones would be cut short
  opt("--name", spec.name, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/, "wants 1-31 letters, digits, '_', '.', '-'");
  opt("--hostname", spec.hostname, /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/, "wants a host name of up to 63 letters, digits, '.', '-'");
  opt("--memory", spec.memory, /^\d+[KMGkmg]?$/, "wants a size such as 16M");
  opt("--cpus", spec.cpus, /^\d+(\.\d+)?$/, "wants a number of CPUs such as 0.5");
  // ranges ctr and the kernel's cgroup files can hold (memory.max is kept in 32-bit pages; cpu.max
  // wants a quota of 1 ms..64 CPUs per 100 ms period): refused here rather than wrapped in the guest
  if (spec.memory !== undefined) {
    const m = /^(\d+)([KMGkmg]?)$/.exec(String(spec.memory))!;
    const bytes = Number(m[1]) * ({ "": 1, k: 1024, m: 1 << 20, g: 1 << 30 } as Record<string, number>)[m[2].toLowerCase()];
    if (!(bytes >= 1) || bytes > 4 * 2 ** 30) throw new ContainerSpecError(`--memory must be between 1 byte and 4G, got '${spec.memory}'`);
  }
  if (spec.cpus !== undefined) {
    const f = Number(spec.cpus);
    if (!(f >= 0.01 && f <= 64)) throw new ContainerSpecError(`--cpus must be between 0.01 and 64, got '${spec.cpus}'`);
  }
  opt("--pids-limit", spec.pidsLimit, /^[1-9]\d{0,6}$/, "wants a whole number ≥ 1");
  opt("--image", spec.image, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, "wants an image name");
  if (spec.command?.length) {
    for (const a of spec.command) checkWord(a);
    w.push("--", ...spec.command);
  }
  return w;
}

export interface ManagerOptions extends ControlChannelOptions {
  /**
   * The host runs the machine itself and calls tick() after each slice (the page's worker): calls
   * then wait for their reply instead of running the machine in ControlChannel.settle().
   */
  drivenExternally?: boolean;
}

export class ContainerManager {
  readonly channel: ControlChannel;
  readonly containers = new Map<string, Container>();
  /** Console output that arrived on streams no container has claimed yet (k → bytes). */
  private readonly unclaimed = new Map<number, { bytes: number[]; first: { insnCount: bigint; hostMs: number } }>();
  /** Bytes received this slice per stream, flushed to consoles by flush(). */
  private readonly incoming = new Map<number, { bytes: number[]; first: { insnCount: bigint; hostMs: number } }>();
  private readonly byStream = new Map<number, Container>();
  private readonly eventListeners = new Set<(e: GuestEvent, c: Container | null) => void>();
  /**
   * exit/oom events naming a container the mirror does not know yet, by name: a container whose
   * PID 1 dies at once (OOM-killed at exec under a tiny memory.max) can be reaped by ctrd, and its
   * exit event read in the same slice as the run reply, before run() has claimed it. claim() applies
   * them; without that the container would look running forever.
   */
  private readonly early = new Map<string, GuestEvent[]>();

  private readonly external: boolean;

  constructor(
    readonly machine: Machine,
    opts: ManagerOptions = {},
  ) {
    this.external = opts.drivenExternally ?? false;
    this.channel = new ControlChannel(machine, opts);
    this.channel.afterSlice = () => this.flush();
    for (let k = 1; k < PV_STREAMS; k++) this.channel.setStreamListener(k, (b) => this.consoleByte(k, b));
    this.channel.onEvent((e) => this.event(e));
  }

  /** After each slice the host ran itself: time out overdue requests, deliver console output. */
  tick(): void {
    this.flush();
    this.channel.tick();
  }

  /** Call `fn` for every guest event (with its container, if the event names a known one). */
  onEvent(fn: (e: GuestEvent, c: Container | null) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  /**
   * Wait until ctrd answers an `ls`: the guest has booted and its control daemon runs. The guest
   * starts ctrd when the host first speaks on the control stream, and may not hear bytes that come
   * before its kernel is up, so the `ls` is sent again every READY_RETRY_CYCLES guest cycles, and
   * at once when ctrd announces itself (`ready` event), until it is answered or the channel's
   * timeout has passed. Returns the guest instructions and host ms from this call to the answer.
   */
  async ready(): Promise<RequestCost> {
    const from = { insnCount: this.machine.cpu.insnCount, hostMs: performance.now() };
    const fromCycles = this.channel.cycles();
    if (!this.machine.pvchan.bytesFromGuest[0] && !this.machine.pvchan.probed) {
      const idle = this.guestIdleAfterProbe();
      try {
        await this.wait(this.channel.expect(idle.pred, "idle"));
      } catch (e) {
        if (!(e instanceof ContainerTimeoutError)) throw e;
        const stop = this.machine.stopped;
        const what = this.machine.pvchan.probed ? "probed the pvchan device but never idled" : "never probed the pvchan device";
        throw new ContainerTimeoutError(
          stop ? `the guest stopped (${stop.message}); it ${what}` : `the guest ${what} within ${this.channel.timeoutCycles} guest cycles`,
        );
      } finally {
        idle.off();
      }
    }
    const send = () => this.channel.request(["ls"], { timeoutCycles: READY_RETRY_CYCLES, retry: true });
    let req = send();
    const off = this.channel.onEvent((e) => {
      if (e.event !== "ready" || req.settled) return;
      const stale = req;
      req = send();
      this.channel.cancel(stale, "sent again after ctrd's ready event");
    });
    try {
      for (;;) {
        const r = req;
        try {
          this.adoptList(await this.wait(r));
          break;
        } catch (e) {
          if (r !== req) continue; // replaced by a newer request
          if (!(e instanceof ContainerTimeoutError) || this.machine.stopped || this.channel.cycles() - fromCycles >= this.channel.timeoutCycles) {
            if (e instanceof ContainerTimeoutError && !this.machine.stopped) {
              throw new ContainerTimeoutError(`'ls' got no answer within ${this.channel.timeoutCycles} guest cycles (is ctrd running?)`);
            }
            throw e;
          }
          req = send();
        }
      }
    } finally {
      off();
    }
    const at = req.sentInsns + BigInt(req.cost!.instructions);
    return { instructions: Number(at - from.insnCount), hostMs: req.sentMs + req.cost!.hostMs - from.hostMs };
  }

  /**
   * A condition for the first time the guest idles (HLT) after its driver probed pvchan: its kernel
   * is up and its init waits, so the first control bytes are heard (a guest may not hear bytes
   * that arrive while it boots; the unix guest starts ctrd on the first it hears).
   */
  private guestIdleAfterProbe(): { pred: () => boolean; off: () => void } {
    const m = this.machine;
    const hlts = () => m.exitCounts[EXIT_HLT] + ((m.guestMode as { counters?: { exits: Record<string, number> } } | null)?.counters?.exits.hlt ?? 0);
    let atProbe: number | null = null; // HLTs when the probe happened (taken at the probe itself: one slice may hold thousands)
    const off = m.pvchan.onProbe(() => (atProbe = hlts()));
    return { pred: () => atProbe !== null && hlts() > atProbe, off };
  }

  /** `run`: create and start a container; resolves once ctrd reports it running. */
  async run(spec: RunSpec = {}): Promise<Container> {
    if (spec.name !== undefined && this.containers.has(spec.name)) {
      throw new ContainerSpecError(`a container named ${spec.name} already exists (${this.containers.get(spec.name)!.state})`);
    }
    const startedAt = { insnCount: this.machine.cpu.insnCount, hostMs: performance.now() };
    const req = this.channel.request(runWords(spec));
    const info = containerInfo(await this.wait(req));
    const c = this.claim(info);
    c.startedAt = startedAt;
    c.startCost = req.cost;
    return c;
  }

  /** Run a program in a running container's namespaces (ctr exec NAME CMD...). */
  async exec(name: string, command: readonly string[]): Promise<unknown> {
    const c = this.get(name);
    if (c.state !== "running") throw new ContainerSpecError(`container ${name} is ${c.state}: exec needs it running`);
    if (!command.length) throw new ContainerSpecError("exec needs a command");
    return this.call(["exec", name, ...command]);
  }

  stop(name: string): Promise<void> {
    return this.transition(name, "stop", ["stop", name]);
  }
  pause(name: string): Promise<void> {
    return this.transition(name, "pause", ["pause", name]);
  }
  resume(name: string): Promise<void> {
    return this.transition(name, "resume", ["resume", name]);
  }
  /** Remove a stopped (or never started) container; its console stream is released. */
  async rm(name: string): Promise<void> {
    await this.transition(name, "remove", ["rm", name]);
    const c = this.get(name);
    if (c.info.console !== null && this.byStream.get(c.info.console) === c) {
      this.byStream.delete(c.info.console);
      this.machine.pvchan.discard(c.info.console);
    }
    this.containers.delete(name);
    this.early.delete(name);
  }

  /** `ls`: ctrd's list of containers; the mirror adopts the states it reports. */
  async ls(): Promise<ContainerInfo[]> {
    return this.adoptList(await this.call(["ls"]));
  }

  /** `ps NAME`: the processes of one container, as ctrd reports them ([{pid, cmd}], PIDs as the container numbers them). */
  async ps(name: string): Promise<{ pid: number; cmd: string }[]> {
    this.get(name);
    const v = await this.call(["ps", name]);
    if (!Array.isArray(v)) throw new ContainerSpecError(`ctrd's ps reply is not a list: ${JSON.stringify(v)?.slice(0, 120)}`);
    return v as { pid: number; cmd: string }[];
  }

  /** `create`: a container held in state created (its init has not run yet); start() lets it go. */
  async create(spec: RunSpec = {}): Promise<Container> {
    if (spec.name !== undefined && this.containers.has(spec.name)) throw new ContainerSpecError(`a container named ${spec.name} already exists (${this.containers.get(spec.name)!.state})`);
    const words = runWords(spec);
    words[0] = "create";
    return this.claim(containerInfo(await this.call(words)));
  }

  start(name: string): Promise<void> {
    return this.transition(name, "start", ["start", name]);
  }

  /** `stats`: cgroup figures of every container (or one). */
  async stats(name?: string): Promise<CgroupFigures[]> {
    const v = await this.call(name ? ["stats", name] : ["stats"]);
    const list = Array.isArray(v) ? v : [v];
    return list.map(cgroupFigures);
  }

  /**
   * cgroup figures of every container the mirror knows and has not seen stop: one `stats`, then
   * `stats NAME` for each one its answer left out (ctrd caps one answer's length).
   */
  async statsAll(): Promise<CgroupFigures[]> {
    const got = await this.stats();
    const have = new Set(got.map((f) => f.name));
    for (const c of this.list()) {
      if (have.has(c.name) || c.state === "stopped" || c.state === "removed") continue;
      got.push(...(await this.stats(c.name)));
    }
    return got;
  }

  /** `images`: ctrd's image list, as it reports it. */
  images(): Promise<unknown> {
    return this.call(["images"]);
  }

  /** The reply to `req`: by running the machine (settle), or by waiting for the host that runs it. */
  private wait(req: Request): Promise<unknown> {
    return this.external ? req.promise : this.channel.settle(req);
  }

  private call(words: readonly string[]): Promise<unknown> {
    return this.wait(this.channel.request(words));
  }

  get(name: string): Container {
    const c = this.containers.get(name);
    if (!c) throw new ContainerSpecError(`no container named ${name}`);
    return c;
  }

  /** Containers not yet removed, in creation order. */
  list(): Container[] {
    return [...this.containers.values()];
  }

  private async transition(name: string, action: LifecycleAction, words: string[]): Promise<void> {
    const c = this.get(name);
    c.lifecycle.check(action);
    const v = await this.call(words);
    if (c.lifecycle.state === "stopped" && action === "stop") return; // an exit event got there first
    c.lifecycle.apply(action);
    if (v && typeof v === "object" && !Array.isArray(v) && typeof (v as { state?: unknown }).state === "string" && action !== "remove") {
      c.lifecycle.adopt((v as { state: string }).state);
    }
  }

  private adoptList(v: unknown): ContainerInfo[] {
    const list = Array.isArray(v) ? v : asRecord(v, "ls").containers;
    if (!Array.isArray(list)) throw new ContainerSpecError("ctrd's ls reply is not a list of containers");
    const infos = list.map(containerInfo);
    for (const info of infos) {
      const c = this.containers.get(info.name);
      if (c) {
        c.info = info;
        c.lifecycle.adopt(info.state);
      } else this.claim(info);
    }
    return infos;
  }

  private claim(info: ContainerInfo): Container {
    const k = info.console;
    if (k === null) {
      const c = new Container(info, null);
      this.containers.set(info.name, c);
      this.applyEarly(c);
      return c;
    }
    const other = this.byStream.get(k);
    if (other && other.name !== info.name && other.state !== "removed") {
      throw new ContainerSpecError(`ctrd gave console stream ${k} to ${info.name}, but ${other.name} holds it`);
    }
    const console = new ContainerConsole(this.channel, k);
    const c = new Container(info, console);
    this.containers.set(info.name, c);
    this.byStream.set(k, c);
    const early = this.unclaimed.get(k);
    if (early) {
      this.unclaimed.delete(k);
      console.deliver(Uint8Array.from(early.bytes), early.first);
    }
    this.applyEarly(c);
    return c;
  }

  /** Apply the exit/oom events that named c before it was claimed (see `early`). */
  private applyEarly(c: Container): void {
    const pending = this.early.get(c.name);
    if (!pending) return;
    this.early.delete(c.name);
    for (const e of pending) this.apply(c, e);
  }

  private consoleByte(stream: number, byte: number): void {
    let slot = this.incoming.get(stream);
    if (!slot) {
      slot = { bytes: [], first: { insnCount: this.machine.cpu.insnCount, hostMs: performance.now() } };
      this.incoming.set(stream, slot);
    }
    slot.bytes.push(byte);
  }

  /** Hand this slice's console bytes to their consoles (or keep them until a container claims the stream). */
  flush(): void {
    if (!this.incoming.size) return;
    for (const [stream, slot] of this.incoming) {
      const c = this.byStream.get(stream);
      if (c?.console) c.console.deliver(Uint8Array.from(slot.bytes), slot.first);
      else {
        const u = this.unclaimed.get(stream);
        if (u) u.bytes.push(...slot.bytes);
        else this.unclaimed.set(stream, slot);
      }
    }
    this.incoming.clear();
  }

  private event(e: GuestEvent): void {
    const name = typeof e.name === "string" ? e.name : null;
    const c = name ? (this.containers.get(name) ?? null) : null;
    if (c) this.apply(c, e);
    else if (name && (e.event === "exit" || e.event === "stopped" || e.event === "oom") && this.early.size < 1024) {
      const list = this.early.get(name) ?? [];
      list.push(e);
      this.early.set(name, list);
    }
    for (const fn of this.eventListeners) fn(e, c);
  }


  private apply(c: Container, e: GuestEvent): void {
    c.events.push(e);
    if (e.event === "oom") c.oomKilled = true;
    if (e.event === "exit" || e.event === "stopped") {
      this.flush();
      const status = num(e.status);
      if (status !== null) c.exitStatus = status;
      c.exitSignal = num(e.signal) ?? 0;
      c.oomKills = num(e.oom_kills) ?? 0;
      if (e.oom === true || c.oomKills > 0) c.oomKilled = true;
      if (canTransition(c.state, "exit")) c.lifecycle.apply("exit");
    }
  }
}

export type { Request, RequestCost };
