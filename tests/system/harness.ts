// The system test kernels (tests/fixtures/system): their images, QEMU goldens and the list of
// checks where QEMU TCG contradicts the SDM; running one image under tabvisor or QEMU.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const packageRoot = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
export const fixtures = `${packageRoot}/tests/fixtures/system`;

export const KERNELS = ["paging", "rings", "exceptions", "irq", "dftask", "kpages"] as const;
export const OPTS = ["O0", "O2", "Os"] as const;
/** Every committed image: the self-checking kernels and the triple-fault kernel. */
export const IMAGES = [...KERNELS, "triple"].flatMap((k) => OPTS.map((o) => `${k}-${o}`));

export const hasQemu = spawnSync("qemu-system-i386", ["--version"], { stdio: "ignore" }).status === 0;

/** Why tabvisor cannot run here, or "" (the CLI and core are built). */
export const tabvisorUnavailable: string = (() => {
  if (!existsSync(`${packageRoot}/dist/src/cli/main.js`)) return "the CLI is not built (npm run build)";
  if (!existsSync(`${packageRoot}/build/tabvisor.wasm`)) return "the core is not built (npm run build:core)";
  return "";
})();

export interface Run {
  status: number | null;
  out: string; //  COM1
  err: string; //  stderr (tabvisor's messages, --stats)
}

export function image(name: string): string {
  return `tests/fixtures/system/images/${name}.elf`;
}

export function runTabvisor(name: string, extra: string[] = []): Run {
  const r = spawnSync(process.execPath, ["bin/tabvisor.js", "run", image(name), ...extra], {
    cwd: packageRoot,
    encoding: "latin1",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/**
 * The same command line as refresh-golden.sh, which sends COM1 to a file: QEMU drops serial bytes
 * it cannot write after a few retries, and a socketpair to a busy reader fills after a few
 * hundred 1-byte writes (tests/guests/harness.ts); a file never does.
 */
export function runQemu(name: string): Run {
  const dir = mkdtempSync(join(tmpdir(), "tabvisor-system-"));
  const com1 = join(dir, "com1.txt");
  try {
    const args = ["-accel", "tcg", "-kernel", image(name), "-display", "none", "-monitor", "none", "-serial", `file:${com1}`];
    args.push("-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", "-nodefaults");
    const r = spawnSync("qemu-system-i386", args, { cwd: packageRoot, encoding: "latin1", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
    return { status: r.status, out: existsSync(com1) ? readFileSync(com1, "latin1") : "", err: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function golden(name: string): string {
  return readFileSync(`${fixtures}/golden/${name}.txt`, "latin1");
}

/** golden/qemu-status.txt: image name → QEMU's exit status. */
export function qemuStatuses(): Map<string, number> {
  const text = readFileSync(`${fixtures}/golden/qemu-status.txt`, "utf8");
  return new Map(
    text
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([n, s]) => [n, Number(s)] as [string, number]),
  );
}

/** golden/qemu-deviations.txt: check name → why QEMU's answer is not the SDM's. */
export function deviations(): Map<string, string> {
  const text = readFileSync(`${fixtures}/golden/qemu-deviations.txt`, "utf8");
  const map = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("- ")) continue;
    const at = line.indexOf(" | ");
    if (at < 0) throw new Error(`qemu-deviations.txt: no ' | ' in: ${line}`);
    map.set(line.slice(2, at), line.slice(at + 3));
  }
  return map;
}

/** The transcript and exit status the SDM demands, from QEMU's golden transcript: FAIL lines of
 *  known QEMU deviations become ok lines, then the summary and status follow from the result
 *  (isa-debug-exit 0 → status 1 if nothing failed, 0x20 → 65 otherwise; see lib/sys.c). */
export function sdmExpectation(goldenText: string, devs: Map<string, string>): { out: string; status: number; corrected: string[] } {
  const corrected: string[] = [];
  const lines = goldenText.split("\n").map((line) => {
    for (const name of devs.keys())
      if (line.startsWith(`FAIL ${name}: `)) {
        corrected.push(name);
        return `ok ${name}`;
      }
    return line;
  });
  const passed = lines.filter((l) => l.startsWith("ok ")).length;
  const failed = lines.filter((l) => l.startsWith("FAIL ")).length;
  const out = lines.map((l) => (l.startsWith("summary: ") ? `summary: ${passed} passed, ${failed} failed` : l)).join("\n");
  return { out, status: failed ? 65 : 1, corrected };
}
