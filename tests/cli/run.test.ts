// The tabvisor CLI: `main()` in-process for arguments, messages and statuses, and the real
// bin/tabvisor.js as a child process for stdin/stdout and exit statuses. The child needs dist/
// (npm run build:ts); it is rebuilt here when older than the sources.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Readable } from "node:stream";
import { cli, type CliResult } from "./in-process.js";
import type { InStream } from "../../src/cli/io.js";
import { buildElf, bytes } from "../hv/images.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const kernels = join(root, "tests/fixtures/kernels");
const k = (name: string) => join(kernels, name);
const bin = join(root, "bin/tabvisor.js");

/** One line on stderr, nothing on stdout, exit status 2. */
function expectUsageError(r: CliResult, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^tabvisor: [^\n]+\n$/);
  expect(r.stderr).toMatch(pattern);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "tabvisor-cli-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("help and usage errors", () => {
  it("--help lists the commands and exits 0", async () => {
    const r = await cli(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/usage: tabvisor COMMAND/);
    expect(r.stdout).toMatch(/^\s+run\s+boot a Multiboot kernel/m);
    expect(r.stderr).toBe("");
  });

  it("run --help and help run describe every option", async () => {
    for (const argv of [["run", "--help"], ["help", "run"]]) {
      const r = await cli(argv);
      expect(r.status).toBe(0);
      for (const opt of ["--module", "--cmdline", "--mem", "--max-instructions", "--stats"]) expect(r.stdout).toContain(opt);
    }
  });

  it("rejects a missing or unknown command", async () => {
    expectUsageError(await cli([]), /missing command/);
    expectUsageError(await cli(["boot"]), /unknown command 'boot'/);
    expectUsageError(await cli(["--frobnicate"]), /unknown option '--frobnicate'/);
  });

  it("rejects bad run arguments with one line each", async () => {
    expectUsageError(await cli(["run"]), /needs a KERNEL file or --guest NAME/);
    expectUsageError(await cli(["run", k("hello.elf"), k("loop.elf")]), /one KERNEL/);
    expectUsageError(await cli(["run", k("hello.elf"), "--bogus"]), /unknown option '--bogus'/);
    expectUsageError(await cli(["run", k("hello.elf"), "--mem"]), /--mem needs a value/);
    expectUsageError(await cli(["run", k("hello.elf"), "--mem", "lots"]), /--mem wants a whole number/);
    expectUsageError(await cli(["run", k("hello.elf"), "--mem=1"]), /--mem must be between 2 and 2048/);
    expectUsageError(await cli(["run", k("hello.elf"), "--mem", "4096"]), /between 2 and 2048/);
    expectUsageError(await cli(["run", k("hello.elf"), "--max-instructions", "0"]), /--max-instructions must be between 1/);
    expectUsageError(await cli(["run", k("hello.elf"), "--max-instructions", "-5"]), /unknown option '-5'|wants a whole number/);
    expectUsageError(await cli(["run", k("hello.elf"), "--stats=yes"]), /--stats takes no value/);
    expectUsageError(await cli(["run", k("hello.elf"), "--cmdline", "a", "--cmdline", "b"]), /more than once/);
    expectUsageError(await cli(["run", k("hello.elf"), "--module", "=x"]), /--module needs a file name/);
  });
});

describe("unloadable kernels", () => {
  it("a missing file, a directory, a missing module", async () => {
    expectUsageError(await cli(["run", join(tmp, "nope.elf")]), /cannot read kernel '.*nope\.elf': no such file/);
    expectUsageError(await cli(["run", tmp]), /is a directory/);
    expectUsageError(await cli(["run", k("hello.elf"), "--module", join(tmp, "nope")]), /cannot read module '.*nope': no such file/);
  });

  it("malformed kernels name the file and the problem", async () => {
    const write = (name: string, data: Uint8Array | string) => {
      const p = join(tmp, name);
      writeFileSync(p, data);
      return p;
    };
    const seg = [{ vaddr: 0x100000, data: bytes(0xf4) }];
    expectUsageError(await cli(["run", write("text.txt", "just some text\n")]), /text\.txt: no Multiboot header/);
    expectUsageError(await cli(["run", write("empty", "")]), /empty: no Multiboot header/);
    expectUsageError(await cli(["run", write("bad-sum.elf", buildElf({ entry: 0x100000, badChecksum: true, segments: seg }))]), /bad checksum/);
    expectUsageError(await cli(["run", write("x64.elf", buildElf({ entry: 0x100000, machine: 62, segments: seg }))]), /not an i386 kernel/);
    expectUsageError(await cli(["run", write("flags.elf", buildElf({ entry: 0x100000, mbFlags: 0x13, segments: seg }))]), /requires features/);
    const big = buildElf({ entry: 0x100000, segments: [{ vaddr: 0x100000, data: bytes(0xf4), memsz: 3 << 20 }] });
    expectUsageError(await cli(["run", write("big.elf", big), "--mem", "2"]), /does not fit in RAM/);
    const high = buildElf({ entry: 0x100000, segments: [{ vaddr: 0x100000, paddr: 0x40000000, data: bytes(0xf4) }] });
    expectUsageError(await cli(["run", write("high.elf", high)]), /outside RAM/);
    const hello = k("hello.elf");
    const trunc = (await import("node:fs")).readFileSync(hello).subarray(0, 0x1010);
    expectUsageError(await cli(["run", write("trunc.elf", trunc)]), /truncated/);
    expectUsageError(await cli(["run", hello, "--mem", "2", "--module", write("huge.bin", new Uint8Array(2 << 20))]), /does not fit in RAM/);
  });
});

describe("--guest NAME boots a built-in image", () => {
  it("hello by name prints its greeting and exits 1 (value 0)", async () => {
    const r = await cli(["run", "--guest", "hello"]);
    expect(r.stdout).toContain("Hello from tabvisor's hello guest!");
    expect(r.status).toBe(1);
  });
  it("unix by name gets its root module: a shell dialogue ends with poweroff", async () => {
    const r = await cli(["run", "--guest", "unix"], Readable.from([Buffer.from("echo via-registry\npoweroff\n")]) as unknown as InStream);
    expect(r.stdout).toContain("via-registry");
    expect(r.stdout).toContain("unix: power off");
    expect(r.status).toBe(1);
  });
  it("an unknown name is a usage error listing the known guests", async () => {
    expectUsageError(await cli(["run", "--guest", "nope"]), /unknown guest 'nope' \(known: hello, tick, unix/);
  });
  it("KERNEL and --guest together are a usage error", async () => {
    expectUsageError(await cli(["run", "--guest", "hello", k("hello.elf")]), /not both/);
  });
});

describe("runs (in-process)", () => {
  it("hello: COM1 on stdout, status 1, nothing on stderr", async () => {
    const r = await cli(["run", k("hello.elf")]);
    expect(r).toEqual({ status: 1, stdout: "Hello from a Multiboot kernel on COM1\n", stderr: "" });
  });

  it("isa-debug-exit value 0x2a → status 85", async () => {
    expect((await cli(["run", k("exit-code.elf")])).status).toBe(85);
  });

  it("--max-instructions: status 4 with a message; --stats adds one JSON line", async () => {
    const r = await cli(["run", k("loop.elf"), "--max-instructions", "1_000_000", "--stats"]);
    expect(r.status).toBe(4);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe("tabvisor: stopped after 1000000 instructions (the instruction limit)");
    const stats = JSON.parse(lines[1]);
    expect(stats).toMatchObject({ instructions: 1_000_000, status: 4, reason: "max-instructions" });
    expect(Object.keys(stats)).toEqual(["instructions", "seconds", "mips", "exits", "status", "reason"]);
    expect(stats.exits.budget).toBeGreaterThan(0);
    expect(stats.seconds).toBeGreaterThan(0);
  });

  it("triple fault: status 3; halted for good: status 5; guest reset: status 0", async () => {
    const tf = await cli(["run", k("triple-fault.elf")]);
    expect(tf.status).toBe(3);
    expect(tf.stderr).toMatch(/^tabvisor: triple fault: .* at EIP 0x[0-9a-f]+ could not be delivered\n$/);
    const halt = await cli(["run", k("halt.elf")]);
    expect(halt).toMatchObject({ status: 5, stdout: "halting\n" });
    expect(halt.stderr).toMatch(/^tabvisor: CPU halted at EIP 0x[0-9a-f]+ with interrupts disabled/);
    expect((await cli(["run", k("sti-halt.elf")])).status).toBe(5);
    const reset = await cli(["run", k("reset.elf")]);
    expect(reset).toEqual({ status: 0, stdout: "resetting\n", stderr: "tabvisor: guest requested a system reset\n" });
  });

  it("the 0xE9 console goes to stderr", async () => {
    expect(await cli(["run", k("debugcon.elf")])).toEqual({ status: 1, stdout: "to-com1\n", stderr: "to-e9\n" });
  });

  it("passes --cmdline and --module FILE=ARGS as QEMU's -append and -initrd do", async () => {
    const mod = join(tmp, "mod.txt");
    writeFileSync(mod, "abc");
    const r = await cli(["run", k("mbinfo.elf"), "--cmdline", "console=ttyS0  quiet", "--module", `${mod}=arg1 arg2`, `--module=${k("mb.h")}`, "--mem", "32"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`cmdline='${k("mbinfo.elf")} console=ttyS0  quiet'\n`);
    expect(r.stdout).toContain("mem_lower=639 mem_upper=31744\n");
    expect(r.stdout).toContain(`mod 0 len=3 hash=0x17862 string='${mod} arg1 arg2'\n`);
    expect(r.stdout).toContain(`string='${k("mb.h")}'\n`);
    expect(r.stdout).toMatch(/result=ok\n$/);
  });

  it("feeds stdin to COM1 as it arrives and halts for good once it ends", async () => {
    const r = await cli(["run", k("irq-echo.elf")], Readable.from([Buffer.from("ab"), Buffer.from("c.")]) as unknown as InStream);
    expect(r).toEqual({ status: 1, stdout: "ABC", stderr: "" });
    const ended = await cli(["run", k("irq-echo.elf")], Readable.from([Buffer.from("xy")]) as unknown as InStream);
    expect(ended.status).toBe(5);
    expect(ended.stdout).toBe("XY");
  });
});

/** Rebuild dist/ if any TypeScript source is newer than the compiled CLI. */
function ensureBuilt(): void {
  const built = join(root, "dist/src/cli/main.js");
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith(".ts") ? statSync(p).mtimeMs : 0);
    }, 0);
  const sources = Math.max(newest(join(root, "src")), statSync(join(root, "assembly/layout.ts")).mtimeMs);
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
  }
}

describe("bin/tabvisor.js as a process", () => {
  beforeAll(ensureBuilt);
  const run = (args: string[], input?: string | "ignore") =>
    spawnSync(process.execPath, [bin, ...args], {
      input: input === "ignore" ? undefined : input,
      stdio: [input === "ignore" ? "ignore" : "pipe", "pipe", "pipe"],
      encoding: "latin1",
      timeout: 60_000,
    });

  it("exits with the guest's debug-exit status and no stdin at all", () => {
    const r = run(["run", k("hello.elf")], "ignore");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("Hello from a Multiboot kernel on COM1\n");
    expect(r.stderr).toBe("");
  });

  it("uses the documented statuses: 2 usage, 3 triple fault, 4 instruction limit, 5 halted", () => {
    const usage = run(["run", join(tmp, "missing.elf")], "ignore");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^tabvisor: cannot read kernel '.*missing\.elf': no such file\n$/);
    expect(run(["run", k("triple-fault.elf")], "ignore").status).toBe(3);
    expect(run(["run", k("loop.elf"), "--max-instructions", "5000"], "ignore").status).toBe(4);
    expect(run(["run", k("halt.elf")], "ignore").status).toBe(5);
  });

  it("reads piped stdin into COM1", () => {
    const r = run(["run", k("echo.elf")], "piped input.");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("PIPED INPUT");
  });

  it("reads a regular file on stdin whole before the run (deterministic)", () => {
    const file = join(tmp, "input.txt");
    writeFileSync(file, "from a file.");
    const counts = [0, 1].map(() => {
      const r = spawnSync("/bin/sh", ["-c", `exec "${process.execPath}" "${bin}" run "${k("irq-echo.elf")}" --stats < "${file}"`], { encoding: "latin1" });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("FROM A FILE");
      return JSON.parse(r.stderr.trim().split("\n").pop()!).instructions;
    });
    expect(counts[1]).toBe(counts[0]);
  });

  it("stops quietly with status 141 when stdout's reader goes away (| head), not with an EPIPE trace", () => {
    const file = join(tmp, "endless.txt");
    writeFileSync(file, "y".repeat(1 << 20) + "."); // echoed back a byte at a time, long after head has left
    const r = spawnSync("/bin/bash", ["-c", `"${process.execPath}" "${bin}" run "${k("echo.elf")}" < "${file}" | head -c 10; echo " \${PIPESTATUS[0]}"`], {
      encoding: "latin1",
      timeout: 60_000,
    });
    expect(r.stdout).toBe("YYYYYYYYYY 141\n");
    expect(r.stderr).toBe("");
  });
});
