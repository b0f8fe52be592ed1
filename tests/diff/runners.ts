// Runners for the program-level differential tests: build the programs of tests/fixtures/diff
// (make), run a native build, a guest under QEMU, and a guest under `tabvisor run`.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DIFF_DIR = join(ROOT, "tests", "fixtures", "diff");
export const OUT_REL = join("build", "diff");
export const OUT = join(ROOT, OUT_REL);
export const VARIANTS = ["O0", "O2", "Os", "O2-i686"] as const;

export interface RunOutput {
  stdout: string;
  stderr: string;
  status: number | null; // exit status (null: killed, e.g. by the timeout)
  signal: string | null;
}

/**
 * Build everything with make. Returns null on success, or the one-line reason the programs cannot
 * be built here (missing make/gcc-multilib), which the tests report when they skip.
 */
export function buildPrograms(goal: "progs" | "golden-elfs"): string | null {
  if (spawnSync("make", ["--version"], { stdio: "ignore" }).status !== 0) return "make is not installed";
  const r = spawnSync("make", ["-s", "-C", DIFF_DIR, `OUT=${OUT_REL}`, "-j2", goal], { encoding: "utf8" });
  if (r.status === 0) return null;
  const line = (r.stderr || r.stdout).split("\n").find((l) => l.startsWith("diff: "));
  if (line) return line; // the Makefile's toolchain check
  throw new Error(`building the differential programs failed:\n${r.stderr}${r.stdout}`);
}

export const programs = (): string[] =>
  execFileSync("make", ["-s", "-C", DIFF_DIR, "--no-print-directory", "-f", "Makefile", "-f", "-", "print-progs"], {
    input: "print-progs:\n\t@echo $(PROGS)\n",
    encoding: "utf8",
  })
    .trim()
    .split(/\s+/)
    .filter(Boolean);

export const goldenPrograms = (): string[] =>
  execFileSync("make", ["-s", "-C", DIFF_DIR, "--no-print-directory", "-f", "Makefile", "-f", "-", "print-golden"], {
    input: "print-golden:\n\t@echo $(GOLDEN)\n",
    encoding: "utf8",
  })
    .trim()
    .split(/\s+/)
    .filter(Boolean);

export function run(cmd: string, args: string[], timeoutMs: number): Promise<RunOutput> {
  return new Promise((done) => {
    const child = execFile(
      cmd,
      args,
      { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 << 20, encoding: "latin1", killSignal: "SIGKILL" },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: string }) | null;
        done({
          stdout,
          stderr,
          status: e ? (typeof e.code === "number" ? e.code : null) : 0,
          signal: e?.signal ?? null,
        });
      },
    );
    child.stdin?.end();
  });
}

export const hasQemu = (): boolean => spawnSync("qemu-system-i386", ["--version"], { stdio: "ignore" }).status === 0;

/**
 * QEMU as docs/testing.md states it: TCG, no BIOS devices, isa-debug-exit; COM1 goes to a file
 * rather than `-serial stdio`, because QEMU drops serial bytes when a slow reader fills the pipe.
 */
export async function runQemu(kernel: string, timeoutMs = 120_000): Promise<RunOutput> {
  const dir = mkdtempSync(join(tmpdir(), "tabvisor-qemu-"));
  const serial = join(dir, "com1.txt");
  try {
    const r = await run(
      "qemu-system-i386",
      ["-accel", "tcg", "-kernel", kernel, "-display", "none", "-monitor", "none", "-serial", `file:${serial}`,
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", "-nodefaults"],
      timeoutMs,
    );
    return { ...r, stdout: existsSync(serial) ? readFileSync(serial, "latin1") : "" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why `tabvisor run` cannot run here, or null when it can. */
export function tabvisorMissing(): string | null {
  if (!existsSync(join(ROOT, "dist", "src", "cli", "main.js"))) return "the CLI is not built (npm run build:ts)";
  const wasm = process.env.TABVISOR_CORE_WASM || join(ROOT, "build", "tabvisor.wasm");
  if (!existsSync(wasm)) return `the core is not built (${wasm} missing; npm run build:core)`;
  return null;
}

/**
 * `tabvisor run` on a guest. The instruction cap (the largest program needs ~3·10^7) turns a
 * guest that runs away into exit status 4 instead of a test timeout.
 */
export function runTabvisor(kernel: string, timeoutMs = 120_000): Promise<RunOutput> {
  return run(process.execPath, [join(ROOT, "bin", "tabvisor.js"), "run", kernel, "--max-instructions", "2000000000"], timeoutMs);
}

/** Drop the SDM-undefined flags field ("u=…") that QEMU computes differently from Intel. */
export const withoutUndefinedFlags = (s: string): string => s.replace(/ u=[0-9a-f]+/g, "");

/** First differing line of two transcripts, for a short failure message. */
export function firstDifference(want: string, got: string): string {
  const a = want.split("\n"), b = got.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i])
      return `line ${i + 1}:\n  expected: ${JSON.stringify(a[i] ?? "<end of output>")}\n  got:      ${JSON.stringify(b[i] ?? "<end of output>")}`;
  return "identical";
}
