// `tabvisor containers` in-process: usage errors (one line, status 2, nothing booted) and the
// failure path on a guest without a container control daemon (hello powers off at once: status 3
// with one line naming the cause). The runs against the real ctrd are in tests/containers/.
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (to: string[]) => ({
    write(chunk: Uint8Array | string) {
      to.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1"));
      return true;
    },
  });
  const io: CliIo = { stdout: sink(out), stderr: sink(err), stdin: null };
  const status = await main(argv, io);
  return { status, stdout: out.join(""), stderr: err.join("") };
}

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
