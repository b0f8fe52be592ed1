// `tabvisor run`: boot a Multiboot kernel on the bare machine with COM1 on stdin/stdout.
import { loadCoreNode } from "../core/load-node.js";
import { Machine } from "../hv/vm.js";
import { MultibootError } from "../hv/multiboot.js";
import { guestNames } from "../guests/registry.js";
import { bootImage } from "./kernel-args.js";
import { Platform } from "../devices/platform.js";
import { formatOptions, parseArgs, parseInteger, type OptionSpec } from "./args.js";
import { HostInput, type CliIo } from "./io.js";
import { STATUS_USER_QUIT, UsageError, statusOf } from "./exit-status.js";
import type { Verb } from "./verb.js";

export const DEFAULT_MEM_MIB = 64; // the tabvisor PC default (QEMU uses 128)
export const MIN_MEM_MIB = 2;
export const MAX_MEM_MIB = 2048;
/** Instructions per slice between looks at stdin and flushes of stdout. */
const SLICE = 4_000_000;

const OPTIONS: OptionSpec[] = [
  { name: "guest", value: "NAME", help: `boot a built-in guest with its modules instead of KERNEL (${guestNames().join(", ")})` },
  { name: "module", value: "FILE[=ARGS]", repeatable: true, help: "load FILE as a Multiboot module; its string is 'FILE ARGS' (repeatable)" },
  { name: "cmdline", value: "S", help: "kernel command line; the kernel sees 'KERNEL S' as QEMU -append gives it" },
  { name: "mem", value: "MiB", help: `guest RAM in MiB (${MIN_MEM_MIB}..${MAX_MEM_MIB}, default ${DEFAULT_MEM_MIB})` },
  { name: "max-instructions", value: "N", help: "stop after N instructions (exit status 4)" },
  { name: "realtime", help: "tie the guest's clocks (PIT, RTC, TSC) to the wall clock; runs are then not deterministic" },
  { name: "stats", help: "print one JSON line of run statistics on stderr at exit" },
  { name: "help", help: "show this help" },
];

const HELP = `usage: tabvisor run (KERNEL | --guest NAME) [options]

Boot KERNEL (a Multiboot v1 image: ELF32 i386, or flat with the a.out kludge) on the bare
machine, as qemu-system-i386 -kernel does. COM1 is connected to stdin/stdout as raw bytes; the
0xE9 debug console goes to stderr. On a terminal, Ctrl-A x quits.

${formatOptions(OPTIONS)}

Exit status: a guest write of v to isa-debug-exit (port 0xF4) exits with (v << 1) | 1, as QEMU;
0 guest reset (as QEMU -no-reboot), 2 usage or unloadable kernel, 3 triple fault,
4 --max-instructions reached, 5 CPU halted for good, 70 internal error, 130 Ctrl-A x.
See docs/cli.md.
`;

/** Resolve on host input, or after `ms` of wall time (a realtime timer), whichever comes first. */
function waitForWake(input: HostInput, ms: number): Promise<void> {
  if (!Number.isFinite(ms)) return input.next();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, Math.ceil(ms)));
    void input.next().then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, OPTIONS, "run");
  if (args.flags.has("help")) {
    io.stdout.write(HELP);
    return 0;
  }
  const memMiB = args.values.has("mem") ? parseInteger(args.values.get("mem")![0], "mem", MIN_MEM_MIB, MAX_MEM_MIB) : DEFAULT_MEM_MIB;
  const maxInstructions = args.values.has("max-instructions")
    ? parseInteger(args.values.get("max-instructions")![0], "max-instructions", 1, Number.MAX_SAFE_INTEGER)
    : undefined;
  const cmdline = args.values.get("cmdline")?.[0] ?? "";

  const { kernel, kernelName: kernelPath, modules } = bootImage(args, "run");

  const core = await loadCoreNode();
  const out: number[] = [];
  const err: number[] = [];
  const machine = new Machine({
    core,
    ramBytes: memMiB * 1024 * 1024,
    maxInstructions,
    platform: (bus) => new Platform(bus, { ramBytes: memMiB * 1024 * 1024, realtime: args.flags.has("realtime") }),
    onOutput: (source, byte) => {
      if (source === "com1") out.push(byte);
      else if (source === "debugcon") err.push(byte);
    },
  });
  try {
    machine.boot(kernel, { kernelName: kernelPath, cmdline, modules });
  } catch (e) {
    if (e instanceof MultibootError) throw new UsageError(`${kernelPath}: ${e.message}`);
    throw e;
  }

  const flush = () => {
    if (out.length) io.stdout.write(Uint8Array.from(out.splice(0)));
    if (err.length) io.stderr.write(Uint8Array.from(err.splice(0)));
  };
  const input = new HostInput(io.stdin, machine);
  let status: number;
  let message: string | null = null;
  let reason: string;
  try {
    input.start();
    for (;;) {
      const state = machine.runFor(SLICE);
      flush();
      if (state === "stopped") break;
      if (input.quit) break;
      if (state === "waiting") await waitForWake(input, machine.wakeAfterMs);
      else await new Promise<void>((resolve) => setImmediate(resolve));
      if (input.quit) break;
    }
  } finally {
    input.close();
    flush();
  }
  const stop = machine.stopped;
  if (stop) {
    status = statusOf(stop);
    reason = stop.reason;
    if (stop.reason !== "debug-exit") message = stop.message;
  } else {
    status = STATUS_USER_QUIT;
    reason = "user-quit";
    message = "run ended by Ctrl-A x";
  }
  if (message) io.stderr.write(`tabvisor: ${message}\n`);
  if (args.flags.has("stats")) {
    const s = machine.stats();
    io.stderr.write(
      JSON.stringify({ instructions: s.instructions, seconds: +s.seconds.toFixed(6), mips: +s.mips.toFixed(3), exits: s.exits, status, reason }) + "\n",
    );
  }
  return status;
}

export const runVerb: Verb = {
  name: "run",
  summary: "boot a Multiboot kernel with COM1 on stdin/stdout",
  help: HELP,
  run,
};
