// `tabvisor vms`: boot N copies of one kernel as VMs on one core (bare or trap-and-emulate), each
// VM's COM1 on stdout with a `[vmK] ` prefix per line; stdin lines go to every VM, or to VM K
// alone when written `@K line`. Exit status 0 when every VM ended through isa-debug-exit with
// value 0, 1 otherwise, 2 for usage errors (docs/hypervisor.md).
import { fstatSync, readFileSync } from "node:fs";
import { loadCoreNode } from "../core/load-node.js";
import { Hypervisor, DEFAULT_QUANTUM, checkVmSizes, type VmMode } from "../hv/hypervisor.js";
import { MultibootError, loadMultiboot } from "../hv/multiboot.js";
import { VmPool, type PoolResult } from "../hv/vm-pool.js";
import type { SensitiveSite } from "../hv/emulate/sensitive.js";
import { guestNames } from "../guests/registry.js";
import { bootImage } from "./kernel-args.js";
import { formatOptions, parseArgs, parseInteger, type OptionSpec } from "./args.js";
import type { CliIo } from "./io.js";
import { UsageError } from "./exit-status.js";
import type { Verb } from "./verb.js";

export const DEFAULT_VM_MEM_MIB = 32;
export const MAX_VMS = 64;
export const MAX_WORKERS = 16;

const OPTIONS: OptionSpec[] = [
  { name: "guest", value: "NAME", help: `a built-in guest instead of KERNEL (${guestNames().join(", ")})` },
  { name: "count", value: "N", help: `number of VMs (1..${MAX_VMS}, default 1)` },
  { name: "mode", value: "MODE", help: "bare (each VM at ring 0 on the core) or trap (deprivileged: trap-and-emulate); default bare" },
  { name: "quantum", value: "INSNS", help: `instructions per scheduling turn (default ${DEFAULT_QUANTUM})` },
  { name: "weights", value: "W,W,...", help: "per-VM weights: VM K runs quantum × W[K] per turn (default 1 each)" },
  { name: "workers", value: "W", help: `spread the VMs over W worker threads (physical CPUs; 1..${MAX_WORKERS}, default 1)` },
  { name: "module", value: "FILE[=ARGS]", repeatable: true, help: "load FILE as a Multiboot module in every VM (repeatable)" },
  { name: "cmdline", value: "S", help: "kernel command line" },
  { name: "mem", value: "MiB", help: `guest RAM per VM in MiB (2..1024, default ${DEFAULT_VM_MEM_MIB})` },
  { name: "max-instructions", value: "N", help: "stop each VM after N of its instructions" },
  { name: "realtime", help: "tie each VM's clocks to the wall clock: idle VMs wait in real time (interactive use; not deterministic)" },
  { name: "stats", help: "print one JSON line of per-VM statistics on stderr at exit" },
  { name: "trace", help: "trap mode: print every trap on stderr as it happens (guest address, instruction, reason, action, host ns)" },
  { name: "help", help: "show this help" },
];

const HELP = `usage: tabvisor vms (KERNEL | --guest NAME) --count N [--mode trap] [--quantum INSNS] [--stats]

Run N virtual machines of one Multiboot kernel on one emulated CPU, multiplexed by the
hypervisor in round-robin time slices. In trap mode each guest kernel runs deprivileged in ring 1:
every privileged instruction, exception and interrupt traps to the hypervisor, which emulates it
against that VM's virtual CPU and devices (docs/hypervisor.md).

Each VM's COM1 output goes to stdout, every line prefixed '[vmK] '. Lines on stdin go to every
VM's COM1, or to VM K only when written '@K text'. In trap mode, each sensitive-but-unprivileged
instruction the hypervisor finds in a guest (POPF, PUSHF, SGDT, MOV from CS, ... which x86 runs
at ring 1 without a trap) is reported on stderr as '[vmK] sensitive ADDRESS INSN: what goes wrong'.

${formatOptions(OPTIONS)}

Exit status: 0 when every VM ended through isa-debug-exit (port 0xF4) with value 0, 1 otherwise,
2 for usage errors.
`;

/** Splits each VM's COM1 bytes into lines with the `[vmK] ` prefix. */
class PrefixedOutput {
  private readonly partial: number[][];
  private readonly ready: Buffer[] = [];
  constructor(count: number) {
    this.partial = Array.from({ length: count }, () => []);
  }
  push(vm: number, byte: number): void {
    const line = this.partial[vm];
    line.push(byte);
    if (byte === 0x0a) this.emit(vm);
  }
  private emit(vm: number): void {
    const line = this.partial[vm];
    if (!line.length) return;
    this.ready.push(Buffer.from(`[vm${vm}] `), Buffer.from(line));
    line.length = 0;
  }
  /** Whatever complete lines there are; with `all`, unfinished lines too (ended with a newline). */
  take(all = false): Buffer | null {
    if (all) {
      for (let k = 0; k < this.partial.length; k++) {
        if (this.partial[k].length) {
          this.partial[k].push(0x0a);
          this.emit(k);
        }
      }
    }
    if (!this.ready.length) return null;
    return Buffer.concat(this.ready.splice(0));
  }
}

/** Routes stdin lines to VMs: `@K text` to VM K, anything else to all. */
function routeLine(send: (vm: number, bytes: Uint8Array) => void, count: number, line: string): void {
  const m = /^@(\d+) ?(.*)$/s.exec(line);
  const bytes = (s: string) => Buffer.from(s + "\n", "latin1");
  if (m && Number(m[1]) < count) send(Number(m[1]), bytes(m[2]));
  else for (let vm = 0; vm < count; vm++) send(vm, bytes(line));
}

async function vms(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, OPTIONS, "vms");
  if (args.flags.has("help")) {
    io.stdout.write(HELP);
    return 0;
  }
  const count = args.values.has("count") ? parseInteger(args.values.get("count")![0], "count", 1, MAX_VMS) : 1;
  const modeText = args.values.get("mode")?.[0] ?? "bare";
  if (modeText !== "bare" && modeText !== "trap") throw new UsageError(`--mode must be bare or trap, got '${modeText}'`);
  const mode = modeText as VmMode;
  const quantum = args.values.has("quantum") ? parseInteger(args.values.get("quantum")![0], "quantum", 1000, 1_000_000_000) : DEFAULT_QUANTUM;
  const memMiB = args.values.has("mem") ? parseInteger(args.values.get("mem")![0], "mem", 2, 1024) : DEFAULT_VM_MEM_MIB;
  const maxInstructions = args.values.has("max-instructions")
    ? parseInteger(args.values.get("max-instructions")![0], "max-instructions", 1, Number.MAX_SAFE_INTEGER)
    : undefined;
  let weights: number[] | undefined;
  if (args.values.has("weights")) {
    const parts = args.values.get("weights")![0].split(",");
    if (parts.length !== count) throw new UsageError(`--weights needs ${count} comma-separated weights, got ${parts.length}`);
    weights = parts.map((w) => parseInteger(w, "weights", 1, 1000));
  }
  const trace = args.flags.has("trace");
  const realtime = args.flags.has("realtime");
  if (trace && mode !== "trap") throw new UsageError("--trace needs --mode trap (a bare VM has no traps)");
  const workers = args.values.has("workers") ? parseInteger(args.values.get("workers")![0], "workers", 1, MAX_WORKERS) : 1;
  try {
    checkVmSizes(Math.ceil(count / Math.min(workers, count)), memMiB << 20, mode); // each worker holds its share
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const { kernel, kernelName, modules } = bootImage(args, "vms");
  const cmdline = args.values.get("cmdline")?.[0] ?? "";
  try {
    loadMultiboot(new Uint8Array(memMiB << 20), kernel, { kernelName, cmdline, modules }); // malformed: a usage error, before any VM starts
  } catch (e) {
    if (e instanceof MultibootError) throw new UsageError(`${kernelName}: ${e.message}`);
    throw e;
  }

  const out = new PrefixedOutput(count);
  const flush = (all = false) => {
    const b = out.take(all);
    if (b) io.stdout.write(b);
  };
  // Input read before the VMs start (a file on stdin) is handed to them at boot: deterministic.
  const early: number[][] = Array.from({ length: count }, () => []);
  let send: (vm: number, bytes: Uint8Array) => void = (vm, bytes) => early[vm].push(...bytes);
  let onInputEnd: () => void = () => {};
  const input = startInput(io, count, (vm, bytes) => send(vm, bytes), () => onInputEnd());

  // The honest part: every sensitive-but-unprivileged instruction the hypervisor finds, at once.
  const reportSite = (vm: number, site: SensitiveSite) =>
    io.stderr.write(`[vm${vm}] sensitive 0x${site.eip.toString(16).padStart(8, "0")} ${site.insn}: ${site.problem}\n`);

  async function runHere(): Promise<RunResult> {
    const hv = new Hypervisor({
      core: await loadCoreNode(),
      count,
      guestRamBytes: memMiB << 20,
      mode,
      quantum,
      weights,
      maxInstructions,
      onOutput: (k, src, b) => {
        if (src === "com1") out.push(k, b);
      },
      timeline: trace,
      realtime,
      onSensitive: reportSite,
      onTrap: trace
        ? (k, e) => io.stderr.write(`[vm${k}] trap 0x${e.eip.toString(16).padStart(8, "0")} ${e.insn.padEnd(16)} ${e.reason.padEnd(12)} ${e.action} (${e.costNs} ns)\n`)
        : undefined,
    });
    hv.boot(kernel, { kernelName, cmdline, modules });
    early.forEach((b, k) => b.length && hv.receiveInput(k, b));
    send = (vm, bytes) => hv.receiveInput(vm, bytes);
    const closeInput = () => {
      for (const vm of hv.vms) {
        vm.machine.inputOpen = false;
        if (vm.state === "waiting") vm.state = "running";
      }
    };
    for (const vm of hv.vms) vm.machine.inputOpen = input.open;
    onInputEnd = closeInput;
    for (;;) {
      let ran = 0;
      for (let i = 0; i < hv.vms.length && hv.runTurn(); i++) ran++;
      flush();
      if (hv.allStopped) break;
      if (ran === 0) {
        const ms = hv.msUntilWake(); // realtime: a VM's timer is due in ms of wall time
        if (Number.isFinite(ms)) {
          const timer = new Promise<void>((r) => setTimeout(r, Math.ceil(ms)));
          await (input.open ? Promise.race([input.next(), timer]) : timer);
          continue;
        }
        if (!input.open) {
          closeInput();
          if (!hv.vms.some((v) => !v.stopped && v.state !== "waiting")) break;
          continue;
        }
        await input.next();
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return { stats: hv.stats(), stops: hv.vms.map((v) => v.stopped), seconds: [hv.seconds], worldSwitches: hv.worldSwitches };
  }

  async function runPool(): Promise<RunResult> {
    const pool = new VmPool({
      count,
      workers,
      kernel,
      kernelName,
      cmdline,
      modules,
      guestRamBytes: memMiB << 20,
      mode,
      quantum,
      weights,
      maxInstructions,
      inputOpen: input.open,
      initialInput: early.map((b) => Uint8Array.from(b)),
      onOutput: (vm, bytes) => {
        for (const b of bytes) out.push(vm, b);
        flush();
      },
      onSensitive: reportSite,
    });
    send = (vm, bytes) => pool.input(vm, bytes);
    onInputEnd = () => pool.endOfInput();
    return pool.done;
  }

  const t0 = performance.now();
  let result: RunResult;
  try {
    result = workers > 1 && !trace && !realtime ? await runPool() : await runHere();
  } finally {
    input.close();
    flush(true);
  }
  const wall = (performance.now() - t0) / 1000;
  let ok = true;
  result.stops.forEach((s, vm) => {
    if (!s || s.reason !== "debug-exit" || s.debugExit!.value !== 0) {
      ok = false;
      if (s && s.reason !== "debug-exit") io.stderr.write(`tabvisor: vm${vm}: ${s.message}\n`);
      else if (!s) io.stderr.write(`tabvisor: vm${vm}: did not finish\n`);
    }
  });
  if (args.flags.has("stats")) io.stderr.write(JSON.stringify(statsJson(mode, quantum, result, wall)) + "\n");
  return ok ? 0 : 1;
}

type RunResult = PoolResult;

/** The --stats record: per VM and totals (seconds: host time inside the schedulers, summed over workers). */
export function statsJson(mode: VmMode, quantum: number, r: RunResult, wallSeconds: number): Record<string, unknown> {
  let exits = 0;
  let instructions = 0;
  let sensitive = 0;
  const byReason: Record<string, number> = {};
  const shadow: Record<string, number> = {};
  for (const v of r.stats) {
    instructions += v.instructions;
    for (const [k, n] of Object.entries(v.trapExits)) {
      byReason[k] = (byReason[k] ?? 0) + n;
      exits += n;
    }
    for (const [k, n] of Object.entries(v.shadow ?? {})) shadow[k] = (shadow[k] ?? 0) + n;
    sensitive += v.sensitive.length;
  }
  const seconds = r.seconds.reduce((a, b) => a + b, 0);
  return {
    mode,
    quantum,
    workers: r.seconds.length,
    vms: r.stats,
    totals: {
      instructions,
      exits,
      exitsByReason: byReason,
      shadow,
      worldSwitches: r.worldSwitches,
      sensitiveSites: sensitive,
      seconds: +seconds.toFixed(6),
      wallSeconds: +wallSeconds.toFixed(6),
      exitsPerSecond: seconds > 0 ? Math.round(exits / seconds) : 0,
      mips: seconds > 0 ? +(instructions / seconds / 1e6).toFixed(3) : 0,
    },
  };
}

interface VmInput {
  open: boolean;
  next(): Promise<void>;
  close(): void;
}

/**
 * stdin as lines routed to the VMs with `send`; `ended` runs at end of input. A regular file is
 * read whole before the VMs start (deterministic runs).
 */
function startInput(io: CliIo, count: number, send: (vm: number, bytes: Uint8Array) => void, ended: () => void): VmInput {
  const stdin = io.stdin;
  let wake: (() => void) | null = null;
  let buf = "";
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const lines = (text: string) => {
    buf += text;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      routeLine(send, count, buf.slice(0, nl).replace(/\r$/, ""));
      buf = buf.slice(nl + 1);
    }
  };
  const onData = (chunk: Buffer | string) => {
    lines(typeof chunk === "string" ? chunk : chunk.toString("latin1"));
    notify();
  };
  const onEnd = () => {
    if (buf) lines("\n");
    if (state.open) {
      state.open = false;
      ended();
    }
    notify();
  };
  const state: VmInput = {
    open: false,
    next: () => new Promise<void>((r) => (wake = r)),
    close() {
      if (!stdin) return;
      stdin.removeListener("data", onData);
      stdin.removeListener("end", onEnd);
      stdin.removeListener("close", onEnd);
      stdin.removeListener("error", onEnd);
      stdin.pause();
    },
  };
  if (!stdin) return state;
  if (!stdin.isTTY && typeof stdin.fd === "number") {
    try {
      if (fstatSync(stdin.fd).isFile()) {
        lines(readFileSync(stdin.fd).toString("latin1"));
        if (buf) lines("\n");
        return state;
      }
    } catch {
      return state;
    }
  }
  state.open = true;
  stdin.on("data", onData);
  stdin.on("end", onEnd);
  stdin.on("close", onEnd);
  stdin.on("error", onEnd);
  stdin.resume();
  return state;
}

export const vmsVerb: Verb = {
  name: "vms",
  summary: "run N VMs of one kernel on one CPU (bare or trap-and-emulate)",
  help: HELP,
  run: vms,
};
