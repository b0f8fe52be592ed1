// Runs a built-in guest under QEMU or under tabvisor's CLI and captures COM1: either a whole
// script piped to stdin, or a conversation that sends each input once the expected output has
// appeared (event driven; a watchdog only ends runs that hang).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { findGuest, guestRunArgs, type Guest } from "../../src/guests/registry.js";

export const packageRoot = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

export type Engine = "qemu" | "tabvisor";

export interface Step {
  /** Wait until this text appears in the output after the previous step's match... */
  waitFor: string;
  /** ...then send this. */
  send: string;
}

export interface RunResult {
  status: number | null;
  /** COM1 output with "\r\n" turned into "\n". */
  out: string;
}

export const hasQemu = spawnSync("qemu-system-i386", ["--version"], { stdio: "ignore" }).status === 0;

/** Why tabvisor cannot run guests here, or "" if it can (built CLI and core, hello boots). */
export const tabvisorUnavailable: string = (() => {
  if (!existsSync(`${packageRoot}/bin/tabvisor.js`)) return "bin/tabvisor.js is missing";
  if (!existsSync(`${packageRoot}/dist/src/cli/main.js`)) return "the CLI is not built (npm run build)";
  const r = spawnSync(process.execPath, ["bin/tabvisor.js", "run", "guests/images/hello.elf"], {
    cwd: packageRoot,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 1 || !r.stdout.includes("Hello")) return `tabvisor cannot boot hello yet (status ${r.status}): ${r.stderr.trim()}`;
  return "";
})();

export function guest(name: string): Guest {
  const g = findGuest(name);
  if (!g) throw new Error(`no guest ${name}`);
  return g;
}

/** The command line that boots g, run from the package root. */
export function command(engine: Engine, g: Guest): [string, string[]] {
  if (engine === "tabvisor") return [process.execPath, ["bin/tabvisor.js", "run", ...guestRunArgs(g)]];
  const args = ["-accel", "tcg", "-kernel", g.kernel, "-display", "none", "-monitor", "none", "-serial", "stdio"];
  args.push("-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", "-nodefaults");
  // QEMU's -initrd takes "file args" per module, modules separated by commas.
  if (g.modules.length) args.push("-initrd", g.modules.map((m) => `${m.path} ${m.args}`.trim()).join(","));
  // QEMU writes COM1 one byte per write() and drops a byte after a few failed retries. Node's
  // child stdio is a socketpair, whose buffer counts each 1-byte write as a whole socket buffer:
  // a few hundred bytes fill it while this process is busy, and QEMU then drops output. A real
  // pipe (64 KiB, small writes merged) drained by cat does not fill; PIPESTATUS keeps QEMU's status.
  return ["bash", ["-c", 'qemu-system-i386 "$@" | cat; exit "${PIPESTATUS[0]}"', "qemu-system-i386", ...args]];
}

export function runGuest(
  engine: Engine,
  g: Guest,
  opts: { input?: string; steps?: Step[]; timeoutMs?: number } = {},
): Promise<RunResult> {
  const [cmd, args] = command(engine, g);
  // Its own process group, so that the watchdog ends QEMU and cat too, not only their shell.
  const child = spawn(cmd, args, { cwd: packageRoot, stdio: ["pipe", "pipe", "pipe"], detached: true });
  let raw = "";
  let out = "";
  let err = "";
  let step = 0;
  let from = 0;
  const steps = opts.steps ?? [];
  if (opts.input !== undefined) {
    child.stdin.write(opts.input);
    child.stdin.end();
  }
  child.stdin.on("error", () => {}); // the guest may power off before reading everything
  const advance = () => {
    while (step < steps.length) {
      const at = out.indexOf(steps[step].waitFor, from);
      if (at < 0) return;
      from = at + steps[step].waitFor.length;
      child.stdin.write(steps[step].send);
      step++;
    }
  };
  return new Promise((resolve, reject) => {
    const watchdog = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
      reject(new Error(`${engine} ${g.name}: no end after ${opts.timeoutMs ?? 60_000} ms (at step ${step}); output:\n${out}\n${err}`));
    }, opts.timeoutMs ?? 60_000);
    child.stdout.setEncoding("latin1");
    child.stdout.on("data", (d: string) => {
      raw += d;
      out = raw.replace(/\r\n/g, "\n"); // a chunk may end between \r and \n
      advance();
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e) => {
      clearTimeout(watchdog);
      reject(e);
    });
    child.on("close", (status) => {
      clearTimeout(watchdog);
      resolve({ status, out });
    });
  });
}

/** Engines available here; each test file runs its cases on all of them. */
export const engines: { engine: Engine; skip: string }[] = [
  { engine: "qemu", skip: hasQemu ? "" : "qemu-system-i386 is not installed (apt-get install qemu-system-x86)" },
  { engine: "tabvisor", skip: tabvisorUnavailable },
];
