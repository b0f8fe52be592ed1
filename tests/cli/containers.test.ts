// `tabvisor containers` in-process: usage errors (one line, status 2, nothing booted) and the
// failure path on a guest without a container control daemon (hello powers off at once: status 3
// with one line naming the cause), and eight containers on the real guest's ctrd: each its own
// PID 1, hostname and root, none seeing another's processes or files; --stats.
import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import type { InStream } from "../../src/cli/io.js";
import { cli as runCli } from "./in-process.js";
import { CTRD_MISSING, ctrdAvailable } from "../containers/harness.js";

const HAVE_CTRD = ctrdAvailable();

const cli = (argv: string[], input: string | null = null) =>
  runCli(argv, input === null ? null : (Readable.from([Buffer.from(input)]) as unknown as InStream));

describe("tabvisor containers: usage", () => {
  it.each([
    [["containers"], /needs --count N/],
    [["containers", "--count", "0"], /--count must be between 1 and/],
    [["containers", "--count", "2", "--guest", "nosuch"], /unknown guest 'nosuch' \(known: .*unix/],
    [["containers", "k.elf", "--count", "2"], /takes no KERNEL/],
    [["containers", "--count", "2", "--memory", "lots"], /--memory wants a size such as 16M, got 'lots'/],
    [["containers", "--count", "2", "--cpus", "-1"], /--cpus/],
    [["containers", "--count", "2", "--image", "a/b"], /--image wants an image name/],
    [["containers", "--count", "2", "--pids-limit", "0"], /--pids-limit must be between 1/],
    [["containers", "--count", "2", "--mem", "4"], /--mem must be between 16/],
    [["containers", "--count", "2", "--frobnicate"], /unknown option '--frobnicate'/],
    [["containers", "--count", "2", "--mode", "hw"], /--mode must be bare or trap, got 'hw'/],
  ])("%j is refused with one line and status 2", async (argv, pattern) => {
    const r = await cli(argv as string[]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^tabvisor: [^\n]+\n$/);
    expect(r.stderr).toMatch(pattern);
  });

  it("describes itself in --help and in the command list", async () => {
    const h = await cli(["containers", "--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^usage: tabvisor containers \[--guest unix\] --count N/);
    expect(h.stdout).toMatch(/\[ctK\]/);
    expect((await cli(["--help"])).stdout).toMatch(/\n  containers +start N containers/);
  });
});

describe("tabvisor containers: a guest without ctrd", () => {
  it("reports that the guest stopped before ctrd answered, in one line, status 3", async () => {
    const r = await cli(["containers", "--guest", "hello", "--count", "2"]);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^tabvisor: hello: no container control daemon: the guest stopped \(guest wrote 0x0 to isa-debug-exit\); it never probed the pvchan device \(guest console: "[^"\n]*"\)\n$/);
  });
});

/** Container K's lines of `stdout`, without the prefix. */
function linesOf(stdout: string, k: number): string[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith(`[ct${k}] `))
    .map((l) => l.slice(`[ct${k}] `.length));
}

describe.skipIf(!HAVE_CTRD)(`tabvisor containers on the unix guest${HAVE_CTRD ? "" : ` (skipped: ${CTRD_MISSING})`}`, () => {
  it("eight containers: each is PID 1 with its own hostname and root; none sees another's processes or files", async () => {
    const input = ["hostname", "ps", ...Array.from({ length: 8 }, (_, i) => `@${i + 1} echo secret${i + 1} > /mark${i + 1}`), "ls /", "ls /proc", "true"].join("\n") + "\n";
    const r = await cli(["containers", "--count", "8", "--stats"], input);
    expect(r.status).toBe(0);
    for (let k = 1; k <= 8; k++) {
      const lines = linesOf(r.stdout, k);
      const after = (cmd: string) => lines.slice(lines.indexOf(`# ${cmd}`) + 1).slice(0, lines.slice(lines.indexOf(`# ${cmd}`) + 1).findIndex((l) => l.startsWith("# ")));
      expect(after("hostname")).toEqual([`ct${k}`]);
      const ps = after("ps").slice(1).map((l) => l.trim().split(/\s+/));
      expect(ps.map((f) => [f[0], f.at(-1)])).toEqual([["1", "sh"], [expect.any(String), "ps"]]);
      const root = after("ls /");
      expect(root).toContain(`mark${k}`);
      expect(root.filter((n) => n.startsWith("mark"))).toEqual([`mark${k}`]);
      const procs = after("ls /proc").filter((n) => /^\d+$/.test(n));
      expect(procs).toContain("1");
      expect(procs.length).toBeLessThanOrEqual(2); // its sh and the ls itself
    }
    const stats = JSON.parse(r.stderr.trim().split("\n").at(-1)!);
    expect(stats.containers).toHaveLength(8);
    for (const c of stats.containers) {
      expect(c.start.instructions).toBeGreaterThan(0);
      expect(c.memoryPages).toBeGreaterThan(0);
      expect(c.exitStatus).toBe(0);
    }
    expect(new Set(stats.containers.map((c: { pid: number }) => c.pid)).size).toBe(8);
  });

  it("delivers a script far longer than a console's 1 KB ring to every container whole (flow control, not drops)", async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `echo line-${String(i).padStart(4, "0")}`);
    const r = await cli(["containers", "--count", "2"], lines.join("\n") + "\nexit\n");
    expect(r.status).toBe(0);
    for (const k of [1, 2]) {
      const said = linesOf(r.stdout, k).filter((l) => l.startsWith("line-"));
      expect(said).toEqual(lines.map((l) => l.slice(5)));
    }
  });

  it("runs containers in a kernel that itself runs in a trap-and-emulate VM (--mode trap)", async () => {
    const r = await cli(["containers", "--count", "2", "--mode", "trap", "--stats"], "hostname\n");
    expect(r.status).toBe(0);
    expect(linesOf(r.stdout, 1)).toContain("ct1");
    expect(linesOf(r.stdout, 2)).toContain("ct2");
    expect(JSON.parse(r.stderr.trim().split("\n").at(-1)!).mode).toBe("trap");
  });

  it("refuses a container ctrd cannot make with its message and status 3", async () => {
    const r = await cli(["containers", "--count", "1", "--image", "nosuch"], "");
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^tabvisor: ct1: run: .*nosuch.*\n$/);
  });
});
