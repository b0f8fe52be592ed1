// `tabvisor containers`: boot the unix guest on the bare machine, start N containers in it over
// the pvchan control channel (src/containers/, docs/containers.md) and put each container's
// console on stdout with a `[ctK] ` prefix per line. Lines on stdin go to every container's
// console, or to container K alone when written `@K text`; the end of stdin is sent to each
// console as ^D (0x04). The run ends when every container has exited (or the guest stops).
import { fstatSync, readFileSync } from "node:fs";
import { loadCoreNode } from "../core/load-node.js";
import { Machine } from "../hv/vm.js";
import { Hypervisor } from "../hv/hypervisor.js";
import { Platform } from "../devices/platform.js";
import { MultibootError } from "../hv/multiboot.js";
import { findGuest, guestNames } from "../guests/registry.js";
import { ContainerManager, ContainerSpecError, runWords, type CgroupFigures, type Container, type RunSpec } from "../containers/manager.js";
import { ContainerCommandError, ContainerTimeoutError, DEFAULT_TIMEOUT_CYCLES } from "../containers/control-channel.js";
import { IllegalTransitionError } from "../containers/lifecycle.js";
import { formatOptions, parseArgs, parseInteger, type OptionSpec } from "./args.js";
import type { CliIo, InStream } from "./io.js";
import { STATUS_INTERNAL, STATUS_MAX_INSTRUCTIONS, UsageError } from "./exit-status.js";
import type { Verb } from "./verb.js";
import { guestImage } from "./kernel-args.js";

export const DEFAULT_CONTAINERS_MEM_MIB = 128;
/** One pvchan console stream each (streams 1..255): a container past that would have no console
 * for the CLI to show or type into (and starting a thousand took minutes), so more is a usage error. */
export const MAX_CONTAINERS = 255;
/** Exit status when the guest could not start the containers (ctrd refused, or never answered). */
export const STATUS_CONTAINERS_FAILED = 3;
const SLICE = 2_000_000;
const EOT = 0x04;

const OPTIONS: OptionSpec[] = [
  { name: "guest", value: "NAME", help: "the container host kernel (a built-in guest; default unix)" },
  { name: "count", value: "N", help: `containers to start (1..${MAX_CONTAINERS}, one console stream each; the guest may refuse more)` },
  { name: "image", value: "NAME", help: "root filesystem image for every container (default: ctrd's)" },
  { name: "memory", value: "SIZE", help: "cgroup memory.max per container, e.g. 16M" },
  { name: "cpus", value: "F", help: "cgroup cpu.max per container in CPUs, e.g. 0.5" },
  { name: "pids-limit", value: "N", help: "cgroup pids.max per container" },
  { name: "mem", value: "MiB", help: `guest RAM in MiB (16..2048, default ${DEFAULT_CONTAINERS_MEM_MIB})` },
  { name: "mode", value: "MODE", help: "bare (the kernel on the bare machine, default) or trap (the kernel in a trap-and-emulate VM)" },
  { name: "max-instructions", value: "N", help: "stop the guest after N instructions (exit status 4)" },
  { name: "timeout", value: "CYCLES", help: `fail a control request unanswered after this many guest cycles (default ${DEFAULT_TIMEOUT_CYCLES})` },
  { name: "console", help: "copy the guest's own console (COM1) to stderr, lines prefixed '[guest] '" },
  { name: "stats", help: "print one JSON line of per-container figures on stderr at exit" },
  { name: "help", help: "show this help" },
];

const HELP = `usage: tabvisor containers [--guest unix] --count N [--image NAME] [--memory SIZE] [--stats]

Boot the unix guest kernel once and start N containers in it (PID, mount, UTS and IPC namespaces,
its own root, cgroup limits), through the guest's control daemon ctrd on the pvchan device. The
containers are named ct1..ctN, with host names ct1..ctN.

Each container's console goes to stdout, every line prefixed '[ctK] '. Lines on stdin go to every
container's console, or to container K only when written '@K text'; the end of stdin reaches each
console as ^D. The run ends when every container has exited, or when the guest stops.

${formatOptions(OPTIONS)}

--stats: one JSON line on stderr: the guest's boot (instructions and host ms until ctrd answered)
and per container its start cost (instructions and host ms from the run request to ctrd's reply,
and to its first console byte), its memory in pages and its cgroup figures, read right after all
containers started.

Exit status: 0 every container exited with status 0; 1 some container failed, was killed, or the
guest stopped first; 2 usage; ${STATUS_CONTAINERS_FAILED} the guest could not start the containers (ctrd refused or
never answered); 4 --max-instructions reached. See docs/containers.md.
`;

/** Splits bytes into lines, each written with `prefix`. */
class LinePrefixer {
  private partial: number[] = [];
  constructor(
    private readonly prefix: string,
    private readonly out: (b: Buffer) => void,
  ) {}
  push(bytes: Uint8Array): void {
    for (const b of bytes) {
      this.partial.push(b);
      if (b === 0x0a) this.emit();
    }
  }
  /** Write an unfinished line, ended with a newline. */
  end(): void {
    if (this.partial.length) {
      this.partial.push(0x0a);
      this.emit();
    }
  }
  private emit(): void {
    this.out(Buffer.concat([Buffer.from(this.prefix), Buffer.from(this.partial)]));
    this.partial = [];
  }
}

interface LineInput {
  open: boolean;
  next(): Promise<void>;
  close(): void;
}

/** stdin as lines for `onLine`; `onEnd` once it ends. A regular file is read whole up front (deterministic runs). */
function readLines(stdin: InStream | null, onLine: (line: string) => void, onEnd: () => void): LineInput {
  let buf = "";
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const take = (text: string) => {
    buf += text;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, nl).replace(/\r$/, ""));
      buf = buf.slice(nl + 1);
    }
  };
  const finish = () => {
    if (buf) take("\n");
    if (state.open) {
      state.open = false;
      onEnd();
    }
    notify();
  };
  const onData = (chunk: Buffer | string) => {
    take(typeof chunk === "string" ? chunk : chunk.toString("latin1"));
    notify();
  };
  const state: LineInput = {
    open: true,
    next: () => new Promise<void>((r) => (wake = r)),
    close() {
      if (!stdin) return;
      stdin.removeListener("data", onData);
      stdin.removeListener("end", finish);
      stdin.removeListener("close", finish);
      stdin.removeListener("error", finish);
      stdin.pause();
    },
  };
  if (!stdin) {
    finish();
    return state;
  }
  if (!stdin.isTTY && typeof stdin.fd === "number") {
    try {
      if (fstatSync(stdin.fd).isFile()) {
        take(readFileSync(stdin.fd).toString("latin1"));
        finish();
        return state;
      }
    } catch {
      finish();
      return state;
    }
  }
  stdin.on("data", onData);
  stdin.on("end", finish);
  stdin.on("close", finish);
  stdin.on("error", finish);
  stdin.resume();
  return state;
}

function runSpec(args: ReturnType<typeof parseArgs>, k: number): RunSpec {
  const v = (n: string) => args.values.get(n)?.[0];
  return {
    name: `ct${k}`,
    hostname: `ct${k}`,
    image: v("image"),
    memory: v("memory"),
    cpus: v("cpus"),
    pidsLimit: v("pids-limit") === undefined ? undefined : parseInteger(v("pids-limit")!, "pids-limit", 1, 1_000_000),
  };
}

/** The --stats record of one container. */
function containerStats(c: Container, k: number, cg: CgroupFigures | undefined): Record<string, unknown> {
  const first = c.firstOutputCost();
  return {
    container: `ct${k}`,
    console: c.info.console,
    pid: c.info.pid,
    start: c.startCost ? { instructions: c.startCost.instructions, hostMs: +c.startCost.hostMs.toFixed(3) } : null,
    firstOutput: first ? { instructions: first.instructions, hostMs: +first.hostMs.toFixed(3) } : null,
    memoryPages: cg?.memoryPages ?? null,
    cgroup: cg
      ? { memoryBytes: cg.memoryBytes, memoryMax: cg.memoryMax, pids: cg.pids, pidsMax: cg.pidsMax, cpuUsageUsec: cg.cpuUsageUsec, raw: cg.raw }
      : null,
    state: c.state,
    exitStatus: c.exitStatus,
    oomKilled: c.oomKilled,
  };
}

async function containers(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, OPTIONS, "containers");
  if (args.flags.has("help")) {
    io.stdout.write(HELP);
    return 0;
  }
  if (args.positionals.length) throw new UsageError(`containers takes no KERNEL ('${args.positionals[0]}'); the host kernel is --guest NAME`);
  const guestName = args.values.get("guest")?.[0] ?? "unix";
  const g = findGuest(guestName);
  if (!g) throw new UsageError(`unknown guest '${guestName}' (known: ${guestNames().join(", ")})`);
  if (!args.values.has("count")) throw new UsageError("containers needs --count N (see tabvisor containers --help)");
  const count = parseInteger(args.values.get("count")![0], "count", 1, MAX_CONTAINERS);
  const memMiB = args.values.has("mem") ? parseInteger(args.values.get("mem")![0], "mem", 16, 2048) : DEFAULT_CONTAINERS_MEM_MIB;
  const maxInstructions = args.values.has("max-instructions")
    ? parseInteger(args.values.get("max-instructions")![0], "max-instructions", 1, Number.MAX_SAFE_INTEGER)
    : undefined;
  const mode = args.values.get("mode")?.[0] ?? "bare";
  if (mode !== "bare" && mode !== "trap") throw new UsageError(`--mode must be bare or trap, got '${mode}'`);
  const timeoutCycles = args.values.has("timeout") ? parseInteger(args.values.get("timeout")![0], "timeout", 1000, Number.MAX_SAFE_INTEGER) : undefined;
  const specs: RunSpec[] = [];
  try {
    for (let k = 1; k <= count; k++) {
      const spec = runSpec(args, k);
      runWords(spec); // refuse bad --memory/--cpus/--image before booting anything
      specs.push(spec);
    }
  } catch (e) {
    if (e instanceof ContainerSpecError) throw new UsageError(e.message);
    throw e;
  }

  const { kernel, modules } = guestImage(g);
  const core = await loadCoreNode();
  const ramBytes = memMiB << 20;
  const guestConsole = new LinePrefixer("[guest] ", (b) => io.stderr.write(b));
  const guestTail: number[] = [];
  const showConsole = args.flags.has("console");
  const onCom1 = (byte: number) => {
    if (showConsole) guestConsole.push(Uint8Array.of(byte));
    guestTail.push(byte);
    if (guestTail.length > 2048) guestTail.splice(0, guestTail.length - 1024);
  };
  // bare: the kernel on the bare machine; trap: the kernel in one trap-and-emulate VM (src/hv),
  // which the manager then drives directly (the only VM stays switched in)
  let machine: Machine;
  let hv: Hypervisor | null = null;
  if (mode === "trap") {
    hv = new Hypervisor({ core, count: 1, guestRamBytes: ramBytes, mode: "trap", maxInstructions, onOutput: (_k, src, b) => src === "com1" && onCom1(b) });
    machine = hv.vms[0].machine;
  } else {
    machine = new Machine({ core, ramBytes, maxInstructions, platform: (bus) => new Platform(bus, { ramBytes }), onOutput: (src, b) => src === "com1" && onCom1(b) });
  }
  try {
    if (hv) hv.boot(kernel, { kernelName: g.kernel, cmdline: "", modules });
    else machine.boot(kernel, { kernelName: g.kernel, cmdline: "", modules });
  } catch (e) {
    if (e instanceof MultibootError) throw new UsageError(`${g.kernel}: ${e.message}`);
    throw e;
  }
  const mgr = new ContainerManager(machine, { timeoutCycles });
  const lastGuestLine = () => {
    const lines = Buffer.from(guestTail).toString("latin1").split(/\r?\n/).filter((l) => l.trim());
    return lines.length ? ` (guest console: "${lines[lines.length - 1].slice(0, 160)}")` : "";
  };
  const stoppedStatus = () => (machine.stopped?.reason === "max-instructions" ? STATUS_MAX_INSTRUCTIONS : STATUS_CONTAINERS_FAILED);

  // Boot until ctrd answers, then start the containers one by one.
  const bootStart = performance.now();
  let boot;
  try {
    boot = await mgr.ready();
  } catch (e) {
    if (e instanceof ContainerTimeoutError || e instanceof ContainerCommandError || e instanceof ContainerSpecError) {
      io.stderr.write(`tabvisor: ${g.name}: no container control daemon: ${e.message}${lastGuestLine()}\n`);
      return stoppedStatus();
    }
    throw e;
  }
  const bootInstructions = boot.instructions; // ready() was called at power-on: exact
  const bootHostMs = performance.now() - bootStart;

  const started: Container[] = [];
  const prefixers: LinePrefixer[] = [];
  for (let k = 1; k <= count; k++) {
    let c: Container;
    try {
      c = await mgr.run(specs[k - 1]);
    } catch (e) {
      if (e instanceof ContainerCommandError || e instanceof ContainerTimeoutError || e instanceof ContainerSpecError || e instanceof IllegalTransitionError) {
        io.stderr.write(`tabvisor: ct${k}: ${e.message}${e instanceof ContainerTimeoutError ? lastGuestLine() : ""}\n`);
        for (const p of prefixers) p.end();
        return e instanceof ContainerTimeoutError ? stoppedStatus() : STATUS_CONTAINERS_FAILED;
      }
      throw e;
    }
    const p = new LinePrefixer(`[ct${k}] `, (b) => io.stdout.write(b));
    prefixers.push(p);
    c.console?.onOutput((bytes) => p.push(bytes));
    const early = c.console?.text();
    if (early) p.push(new TextEncoder().encode(early));
    started.push(c);
  }

  let figures: CgroupFigures[] = [];
  if (args.flags.has("stats")) {
    try {
      figures = await mgr.statsAll();
    } catch (e) {
      if (!(e instanceof ContainerCommandError || e instanceof ContainerTimeoutError || e instanceof ContainerSpecError)) throw e;
      io.stderr.write(`tabvisor: stats: ${e.message}\n`);
    }
  }

  // Route stdin; run until every container has stopped or the guest does.
  const byIndex = (k: number) => started[k - 1];
  const send = (c: Container | undefined, bytes: string | Uint8Array) => {
    if (c && c.console && c.state !== "stopped" && c.state !== "removed") c.console.write(bytes);
  };
  const input = readLines(
    io.stdin,
    (line) => {
      const m = /^@(\d+) ?(.*)$/s.exec(line);
      if (m && byIndex(Number(m[1]))) send(byIndex(Number(m[1])), m[2] + "\n");
      else for (const c of started) send(c, line + "\n");
    },
    () => {
      for (const c of started) send(c, Uint8Array.of(EOT));
    },
  );
  const allDone = () => started.every((c) => c.state === "stopped" || c.state === "removed");
  try {
    while (!allDone() && !machine.stopped) {
      const state = machine.runFor(SLICE);
      mgr.tick();
      if (state === "waiting") {
        if (!input.open) break;
        await input.next();
      } else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    input.close();
    mgr.tick();
    for (const p of prefixers) p.end();
    guestConsole.end();
  }

  let status = 0;
  if (!allDone()) {
    const stop = machine.stopped;
    io.stderr.write(`tabvisor: ${stop ? stop.message : "the guest went idle"} before every container exited${lastGuestLine()}\n`);
    status = stop?.reason === "max-instructions" ? STATUS_MAX_INSTRUCTIONS : 1;
  } else {
    for (const [i, c] of started.entries()) {
      if (c.exitStatus !== 0 || c.oomKilled) {
        status = 1;
        io.stderr.write(`tabvisor: ct${i + 1}: ${c.oomKilled ? "killed by the memory controller (OOM)" : `exited with status ${c.exitStatus ?? "unknown"}`}\n`);
      }
    }
  }
  if (args.flags.has("stats")) {
    const byName = new Map(figures.map((f) => [f.name, f]));
    const s = machine.stats();
    const record = {
      guest: g.name,
      mode,
      ramBytes,
      boot: { instructions: bootInstructions, hostMs: +bootHostMs.toFixed(3) },
      containers: started.map((c, i) => containerStats(c, i + 1, byName.get(c.name))),
      instructions: s.instructions,
      seconds: +s.seconds.toFixed(6),
      protocolErrors: mgr.channel.protocolErrors.length,
      status,
    };
    io.stderr.write(JSON.stringify(record) + "\n");
  }
  return status;
}

export const containersVerb: Verb = {
  name: "containers",
  summary: "start N containers on one unix kernel, each console prefixed [ctK]",
  help: HELP,
  run: async (argv, io) => {
    try {
      return await containers(argv, io);
    } catch (e) {
      if (e instanceof RangeError && /RAM|memory/i.test(e.message)) throw new UsageError(e.message);
      if (e instanceof ContainerCommandError || e instanceof ContainerTimeoutError) {
        io.stderr.write(`tabvisor: ${e.message}\n`);
        return STATUS_INTERNAL;
      }
      throw e;
    }
  },
};
