// The unix guest: a scripted shell dialogue piped to COM1 gives the golden transcript (the same
// under QEMU and tabvisor), and a conversation shows ^C, background jobs and kill at work.
//
// Refresh the golden transcript on purpose, from QEMU:
//   UPDATE_GOLDEN=1 npx vitest run tests/guests/unix.test.ts
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { engines, guest, hasQemu, runGuest } from "./harness.js";

const dir = new URL("./golden/", import.meta.url);
const input = readFileSync(new URL("unix-dialogue.in", dir), "utf8");
const goldenUrl = new URL("unix-dialogue.out", dir);

/** The memory line depends on the loader's memory map (QEMU's BIOS reserves some), nothing else does. */
function normalize(out: string): string {
  return out.replace(/^unix: \d+ KiB of memory, \d+ KiB free$/m, "unix: <memory>");
}

describe.each(engines)("unix on $engine", ({ engine, skip }) => {
  const why = skip ? ` (skipped: ${skip})` : "";

  it.skipIf(skip !== "")(`answers the scripted dialogue with the golden transcript and powers off with status 1${why}`, async () => {
    const golden = readFileSync(goldenUrl, "utf8");
    const r = await runGuest(engine, guest("unix"), { input });
    const out = normalize(r.out);
    if (process.env.UPDATE_GOLDEN && engine === "qemu") writeFileSync(goldenUrl, out);
    expect(out).toBe(readFileSync(goldenUrl, "utf8"));
    expect(r.status).toBe(1);
  });

  it.skipIf(skip !== "")(`stops a foreground job on ^C and keeps the shell${why}`, async () => {
    const r = await runGuest(engine, guest("unix"), {
      steps: [
        // cat waits for input, not for a time: tabvisor fast-forwards an idle guest's clock, so a
        // sleep could end before the host's ^C arrives.
        { waitFor: "# ", send: "sh -c 'echo started; cat > /dev/null'\n" },
        { waitFor: "started\n", send: "\x03" },
        { waitFor: "^C\n# ", send: "echo after $?\n" },
        { waitFor: "after 130\n# ", send: "ps\n" },
        { waitFor: " ps\n# ", send: "poweroff\n" },
      ],
    });
    expect(r.out).toContain("started\n^C\n# echo after $?\nafter 130\n# ps\n");
    const ps = r.out.slice(r.out.indexOf("# ps\n")).split("\n").slice(2, -3);
    expect(ps.map((row) => row.split(" ").at(-1))).toEqual(["init", "sh", "ps"]); // the job's sh and cat are gone
    expect(r.out).toContain("# poweroff\nunix: power off\n");
    expect(r.status).toBe(1);
  });

  it.skipIf(skip !== "")(`edits the line with backspace and ends cat's input with ^D${why}`, async () => {
    const r = await runGuest(engine, guest("unix"), {
      steps: [
        { waitFor: "# ", send: "echo abx\x7fc\n" },
        { waitFor: "abc\n# ", send: "cat > /tmp/t\n" },
        { waitFor: "cat > /tmp/t\n", send: "typed line\n" },
        { waitFor: "typed line\n", send: "\x04" },
        { waitFor: "# ", send: "cat /tmp/t; poweroff\n" },
      ],
    });
    expect(r.out).toContain("# echo abx\b \bc\nabc\n");
    expect(r.out).toContain("# cat /tmp/t; poweroff\ntyped line\nunix: power off\n");
    expect(r.status).toBe(1);
  });

  it.skipIf(skip !== "")(`confines a chrooted process below its new root${why}`, async () => {
    const script = [
      "mkdir -p /jail/bin /jail/etc; cat /bin/sh > /jail/bin/sh; cat /bin/ls > /jail/bin/ls; cat /bin/pwd > /jail/bin/pwd",
      "chroot /jail /bin/sh -c 'cd /bin; pwd; cd ../../..; pwd; ls /..'",
      "chroot /jail /bin/cat /etc/motd",
      "poweroff",
    ];
    const r = await runGuest(engine, guest("unix"), { input: script.join("\n") + "\n" });
    expect(r.out).toContain(`# ${script[1]}\n/bin\n/\nbin\netc\n# `);
    expect(r.out).toContain(`# ${script[2]}\nchroot: /bin/cat: No such file or directory\n# `);
    expect(r.status).toBe(1);
  });

  it.skipIf(skip !== "")(`runs a 22 KB piped script whole: input beyond the terminal's 16 KB ring waits in the UART, nothing is dropped${why}`, async () => {
    // Each `> FILE` (a command of redirections only) creates an empty file; ls lists them all.
    const files = Array.from({ length: 1500 }, (_, i) => `/tmp/f${String(i).padStart(5, "0")}`);
    const script = [...files.map((f) => `> ${f}`), "ls /tmp | wc", "ls /tmp | grep 1499", "poweroff"];
    const r = await runGuest(engine, guest("unix"), { input: script.join("\n") + "\n", timeoutMs: 120_000 });
    expect(r.out).toContain("# ls /tmp | wc\n1500 1500 10500\n# ls /tmp | grep 1499\nf01499\n# poweroff\nunix: power off\n");
    expect(r.status).toBe(1);
  }, 130_000);

  it.skipIf(skip !== "")(`gives back every page that processes, pipes and files took${why}`, async () => {
    // The first round warms kmalloc's buckets (pages it keeps for small objects); the second
    // must end with exactly as much free memory as the first.
    const round = [
      "load -p 8 -n 1 -m 256 > /dev/null",
      "echo a | cat | cat | wc > /tmp/x; cat /bin/sh > /tmp/y; rm /tmp/x /tmp/y",
      "sigcheck > /dev/null",
      "cat /proc/meminfo",
    ];
    const script = [...round, ...round, "poweroff"];
    const r = await runGuest(engine, guest("unix"), { input: script.join("\n") + "\n" });
    const free = [...r.out.matchAll(/^MemFree: +(\d+) kB$/gm)].map((m) => Number(m[1]));
    expect(free).toHaveLength(2);
    expect(free[0]).toBeGreaterThan(10_000);
    expect(free[1]).toBe(free[0]);
  });
});

describe("unix golden transcript", () => {
  it.skipIf(!hasQemu)("covers what the issue asks: echo, a pipeline, ls /bin, ps, a background job, kill, redirection, poweroff", () => {
    const golden = readFileSync(goldenUrl, "utf8");
    expect(golden).toContain("# echo hello, world\nhello, world\n");
    expect(golden).toContain("# echo one two three | wc -w\n3\n");
    const bin = golden.slice(golden.indexOf("# ls /bin\n") + 10, golden.indexOf("# ", golden.indexOf("# ls /bin\n") + 10));
    const names = bin.trimEnd().split("\n");
    expect(names).toEqual([...names].sort());
    const required = ["cat", "echo", "false", "hostname", "init", "kill", "load", "ls", "mkdir", "poweroff", "ps", "rm"];
    expect(names).toEqual(expect.arrayContaining([...required, "sh", "sleep", "true", "uname"]));
    expect(golden).toMatch(/# ps\n  PID  PPID  PGID S CMD\n    1     0     1 S init\n    2     1     2 S sh\n +\d+ +2 +\d+ S sleep\n/);
    expect(golden).toContain("# cat /tmp/note\nsaved\nmore\n");
    expect(golden).toContain("sigcheck: ok\n");
    expect(golden).toContain("# badptr\nbadptr: ok\n");
    expect(golden.endsWith("# poweroff\nunix: power off\n")).toBe(true);
  });
});
