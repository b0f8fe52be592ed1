// `tabvisor vms`: boot N copies of one kernel as VMs on one core (bare or trap-and-emulate), each
// VM's COM1 on stdout with a `[vmK] ` prefix per line; stdin lines go to every VM, or to VM K
// alone when written `@K line`. Exit status 0 when every VM ended through isa-debug-exit with
// value 0, 1 otherwise, 2 for usage errors (docs/hypervisor.md).
import { fstatSync, readFileSync } from "node:fs";
import { loadCoreNode } from "../core/load-node.js";
import { Hypervisor, DEFAULT_QUANTUM, type VmMode } from "../hv/hypervisor.js";
import { MultibootError } from "../hv/multiboot.js";
import { guestNames } from "../guests/registry.js";
import { bootImage } from "./kernel-args.js";
import { formatOptions, parseArgs, parseInteger, type OptionSpec } from "./args.js";
import type { CliIo } from "./io.js";
import { UsageError } from "./exit-status.js";
import type { Verb } from "./verb.js";

export const DEFAULT_VM_MEM_MIB = 32;
export const MAX_VMS = 64;

const OPTIONS: OptionSpec[] = [
  { name: "guest", value: "NAME", help: `a built-in guest instead of KERNEL (${guestNames().join(", ")})` },
  { name: "count", value: "N", help: `number of VMs (1..${MAX_VMS}, default 1)` },
  { name: "mode", value: "MODE", help: "bare (each VM at ring 0 on the core) or trap (deprivileged: trap-and-emulate); default bare" },
  { name: "quantum", value: "INSNS", help: `instructions per scheduling turn (default ${DEFAULT_QUANTUM})` },
  { name: "weights", value: "W,W,...", help: "per-VM weights: VM K runs quantum × W[K] per turn (default 1 each)" },
  { name: "module", value: "FILE[=ARGS]", repeatable: true, help: "load FILE as a Multiboot module in every VM (repeatable)" },
  { name: "cmdline", value: "S", help: "kernel command line" },
  { name: "mem", value: "MiB", help: `guest RAM per VM in MiB (2..1024, default ${DEFAULT_VM_MEM_MIB})` },
  { name: "max-instructions", value: "N", help: "stop each VM after N of its instructions" },
  { name: "stats", help: "print one JSON line of per-VM statistics on stderr at exit" },
  { name: "help", help: "show this help" },
];

const HELP = `usage: tabvisor vms (KERNEL | --guest NAME) --count N [--mode trap] [--quantum INSNS] [--stats]

Run N virtual machines of one Multiboot kernel on one emulated CPU, multiplexed by the
hypervisor in round-robin time slices. In trap mode each guest kernel runs deprivileged in ring 1:
every privileged instruction, exception and interrupt traps to the hypervisor, which emulates it
against that VM's virtual CPU and devices (docs/hypervisor.md).

Each VM's COM1 output goes to stdout, every line prefixed '[vmK] '. Lines on stdin go to every
VM's COM1, or to VM K only when written '@K text'.

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
function routeLine(hv: Hypervisor, line: string): void {
  const m = /^@(\d+) ?(.*)$/s.exec(line);
  const bytes = (s: string) => Buffer.from(s + "\n", "latin1");
  if (m && Number(m[1]) < hv.vms.length) hv.receiveInput(Number(m[1]), bytes(m[2]));
  else for (const vm of hv.vms) hv.receiveInput(vm.id, bytes(line));
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

  const { kernel, kernelName, modules } = bootImage(args, "vms");

  const core = await loadCoreNode();
  const out = new PrefixedOutput(count);
  let hv: Hypervisor;
  try {
    hv = new Hypervisor({
      core,
      count,
      guestRamBytes: memMiB << 20,
      mode,
      quantum,
      weights,
      maxInstructions,
      onOutput: (k, src, b) => {
        if (src === "com1") out.push(k, b);
      },
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  try {
    hv.boot(kernel, { kernelName, cmdline: args.values.get("cmdline")?.[0] ?? "", modules });
  } catch (e) {
    if (e instanceof MultibootError) throw new UsageError(`${kernelName}: ${e.message}`);
    throw e;
  }

  const flush = (all = false) => {
    const b = out.take(all);
    if (b) io.stdout.write(b);
  };
  const input = startInput(io, hv);
  const t0 = performance.now();
  try {
    for (;;) {
      let ran = 0;
      for (let i = 0; i < hv.vms.length && hv.runTurn(); i++) ran++;
      flush();
      if (hv.allStopped) break;
      if (ran === 0) {
        if (!input.open) {
          for (const vm of hv.vms) {
            vm.machine.inputOpen = false;
            if (vm.state === "waiting") vm.state = "running";
          }
          if (!hv.vms.some((v) => !v.stopped && v.state !== "waiting")) break;
          continue;
        }
        await input.next();
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    input.close();
    flush(true);
  }
  const wall = (performance.now() - t0) / 1000;
  let ok = true;
  for (const vm of hv.vms) {
    const s = vm.stopped;
    if (!s || s.reason !== "debug-exit" || s.debugExit!.value !== 0) {
      ok = false;
      if (s && s.reason !== "debug-exit") io.stderr.write(`tabvisor: vm${vm.id}: ${s.message}\n`);
      else if (!s) io.stderr.write(`tabvisor: vm${vm.id}: did not finish\n`);
    }
  }
  if (args.flags.has("stats")) io.stderr.write(JSON.stringify(statsJson(hv, wall)) + "\n");
  return ok ? 0 : 1;
}

/** The --stats record: per VM and totals. */
export function statsJson(hv: Hypervisor, wallSeconds: number): Record<string, unknown> {
  const per = hv.stats();
  let exits = 0;
  let instructions = 0;
  const byReason: Record<string, number> = {};
  const shadow: Record<string, number> = {};
  let sensitive = 0;
  for (const v of per) {
    instructions += v.instructions;
    for (const [k, n] of Object.entries(v.trapExits)) {
      byReason[k] = (byReason[k] ?? 0) + n;
      exits += n;
    }
    for (const [k, n] of Object.entries(v.shadow ?? {})) shadow[k] = (shadow[k] ?? 0) + n;
    sensitive += v.sensitive.length;
  }
  return {
    mode: hv.mode,
    quantum: hv.quantum,
    vms: per,
    totals: {
      instructions,
      exits,
      exitsByReason: byReason,
      shadow,
      worldSwitches: hv.worldSwitches,
      sensitiveSites: sensitive,
      seconds: +hv.seconds.toFixed(6),
      wallSeconds: +wallSeconds.toFixed(6),
      exitsPerSecond: hv.seconds > 0 ? Math.round(exits / hv.seconds) : 0,
      mips: hv.seconds > 0 ? +(instructions / hv.seconds / 1e6).toFixed(3) : 0,
    },
  };
}

interface VmInput {
  open: boolean;
  next(): Promise<void>;
  close(): void;
}

/** stdin as lines routed to the VMs; a regular file is read whole up front (deterministic runs). */
function startInput(io: CliIo, hv: Hypervisor): VmInput {
  const stdin = io.stdin;
  const state: VmInput & { wake: (() => void) | null; buf: string } = {
    open: false,
    wake: null,
    buf: "",
    next() {
      return new Promise<void>((r) => (state.wake = r));
    },
    close() {
      if (stdin) {
        stdin.removeListener("data", onData);
        stdin.removeListener("end", onEnd);
        stdin.removeListener("close", onEnd);
        stdin.removeListener("error", onEnd);
        stdin.pause();
      }
    },
  };
  const notify = () => {
    const w = state.wake;
    state.wake = null;
    w?.();
  };
  const lines = (text: string) => {
    state.buf += text;
    let nl: number;
    while ((nl = state.buf.indexOf("\n")) >= 0) {
      routeLine(hv, state.buf.slice(0, nl).replace(/\r$/, ""));
      state.buf = state.buf.slice(nl + 1);
    }
  };
  const onData = (chunk: Buffer | string) => {
    lines(typeof chunk === "string" ? chunk : chunk.toString("latin1"));
    notify();
  };
  const onEnd = () => {
    if (state.buf) lines("\n");
    state.open = false;
    notify();
  };
  if (!stdin) return state;
  if (!stdin.isTTY && typeof stdin.fd === "number") {
    try {
      if (fstatSync(stdin.fd).isFile()) {
        lines(readFileSync(stdin.fd).toString("latin1"));
        if (state.buf) lines("\n");
        return state;
      }
    } catch {
      return state;
    }
  }
  state.open = true;
  for (const vm of hv.vms) vm.machine.inputOpen = true;
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
