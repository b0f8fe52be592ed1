// The QEMU reference side of the guest tests: its COM1 transcript must be whole even when the
// test process is too busy to read for a while (a loaded CI machine). QEMU drops serial bytes it
// cannot write after a few retries, so `command` routes its stdout through a real pipe.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { command, guest, hasQemu, packageRoot } from "./harness.js";

/** Runs QEMU with `input`, stalls this process's event loop for `stallMs` at the first output. */
function runStalled(input: string, stallMs: number): Promise<{ status: number | null; out: string }> {
  const [cmd, args] = command("qemu", guest("unix"));
  const child = spawn(cmd, args, { cwd: packageRoot, stdio: ["pipe", "pipe", "ignore"] });
  child.stdin.on("error", () => {});
  child.stdin.end(input);
  let out = "";
  let stalled = false;
  child.stdout.setEncoding("latin1");
  child.stdout.on("data", (d: string) => {
    out += d;
    if (stalled) return;
    stalled = true;
    const until = Date.now() + stallMs;
    while (Date.now() < until); // the guest keeps printing meanwhile
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, out: out.replace(/\r\n/g, "\n") }));
  });
}

describe("guest harness, QEMU side", () => {
  it.skipIf(!hasQemu)("keeps every COM1 byte while the test process does not read for 3 s", async () => {
    const lines = 40;
    const r = await runStalled("ls /bin\n".repeat(lines) + "poweroff\n", 3000);
    expect(r.status).toBe(1);
    expect(r.out).toContain("unix: power off\n");
    const listings = r.out.split("# ls /bin\n").slice(1);
    expect(listings.length).toBe(lines);
    // Every listing is the same, and the last one is followed by the poweroff prompt.
    expect(new Set(listings.slice(0, -1)).size).toBe(1);
    expect(listings[lines - 1]).toBe(listings[0] + "# poweroff\nunix: power off\n");
  }, 120_000);
});
