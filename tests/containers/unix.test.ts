// Containers end to end on the real `unix` guest and its ctrd, driven from the host over pvchan:
// lifecycle transitions (host mirror and guest agree; illegal ones refused on both sides), each
// container PID 1 in its own PID namespace with its own hostname and root, no view of another's
// processes or files, escape attempts held, cross-container kill and /proc snooping failing, limits (memory, pids, a
// fork bomb) contained in the container's cgroup with neighbours undisturbed, 64 containers at
// once, and the measured start/memory ratios against a VM boot of the same kernel.
// Skipped, with the reason, while the guest image has no ctrd.
import { describe, expect, it } from "vitest";
import { ContainerManager, type Container } from "../../src/containers/manager.js";
import { ContainerCommandError } from "../../src/containers/control-channel.js";
import { IllegalTransitionError } from "../../src/containers/lifecycle.js";
import { bootVm, compare, startContainers } from "../../src/containers/measure.js";
import { loadCoreNode } from "../../src/core/load-node.js";
import { CTRD_MISSING, PROMPT, bootUnix, ctrdAvailable, runUntil, type, unixImage } from "./harness.js";

const HAVE_CTRD = ctrdAvailable();


async function host(ramMiB = 128) {
  const { machine, com1 } = await bootUnix(ramMiB);
  const mgr = new ContainerManager(machine);
  await mgr.ready();
  return { mgr, machine, com1 };
}

async function shell(mgr: ContainerManager, name: string, extra: Partial<Parameters<ContainerManager["run"]>[0]> = {}): Promise<Container> {
  const c = await mgr.run({ name, hostname: name, ...extra });
  runUntil(mgr, () => PROMPT.test(c.console?.text() ?? ""));
  return c;
}

describe.skipIf(!HAVE_CTRD)(`containers on the unix guest${HAVE_CTRD ? "" : ` (skipped: ${CTRD_MISSING})`}`, () => {
  it("lifecycle: create → start → pause → resume → stop → rm, mirrored; illegal steps refused by host and guest", async () => {
    const { mgr } = await host();
    const c = await mgr.create({ name: "life", hostname: "life" });
    expect(c.state).toBe("created");
    await expect(mgr.pause("life")).rejects.toBeInstanceOf(IllegalTransitionError);
    await mgr.start("life");
    expect(c.state).toBe("running");
    await mgr.pause("life");
    expect(c.state).toBe("paused");
    await expect(mgr.start("life")).rejects.toThrow("container life is paused: cannot start it");
    await mgr.resume("life");
    await mgr.stop("life");
    expect(c.state).toBe("stopped");
    // the guest refuses on its own too: ask it directly, around the host's mirror
    await expect(mgr.channel.call(["pause", "life"])).rejects.toBeInstanceOf(ContainerCommandError);
    await mgr.rm("life");
    expect(mgr.containers.has("life")).toBe(false);
    expect((await mgr.ls()).map((x) => x.name)).not.toContain("life");
    expect(c.lifecycle.history).toEqual(["created", "running", "paused", "running", "stopped", "removed"]);
  });

  it("eight containers: each is PID 1 with its own hostname and root, sees no one else's processes or files", async () => {
    const { mgr } = await host();
    const cts: Container[] = [];
    for (let k = 1; k <= 8; k++) cts.push(await shell(mgr, `ct${k}`));
    for (const [i, c] of cts.entries()) type(mgr, c, `echo secret${i + 1} > /mark${i + 1}`);
    for (const [i, c] of cts.entries()) {
      const k = i + 1;
      expect(type(mgr, c, "hostname")).toContain(`ct${k}\n`);
      // inside: its shell is PID 1 and it sees only itself and its ps
      const ps = type(mgr, c, "ps");
      const rows = ps.split("\n").filter((l) => /^\s*\d+\s/.test(l));
      expect(rows.map((r) => r.trim().split(/\s+/)[0])).toContain("1");
      expect(rows.map((r) => r.trim().split(/\s+/).at(-1))).toEqual(["sh", "ps"]);
      // outside: ctrd numbers the same shell with a host PID other than 1
      const procs = await mgr.ps(c.name);
      expect(procs.map((p) => p.pid)).toEqual([c.info.pid]);
      const ls = type(mgr, c, "ls /");
      expect(ls).toContain(`mark${k}`);
      for (let j = 1; j <= 8; j++) if (j !== k) expect(ls).not.toContain(`mark${j}`);
      expect(type(mgr, c, `cat /mark${k}`)).toContain(`secret${k}`);
    }
    expect((await mgr.ls()).filter((x) => x.state === "running")).toHaveLength(8);
  });

  it("cross-container kill and /proc snooping fail; the target keeps running", async () => {
    const { mgr } = await host();
    const a = await shell(mgr, "a");
    const b = await shell(mgr, "b");
    const bHostPid = b.info.pid!;
    expect(bHostPid).toBeGreaterThan(1);
    const kill = type(mgr, a, `kill -9 ${bHostPid}`);
    expect(kill).toMatch(/no such process|ESRCH|not permitted|fail/i);
    const proc = type(mgr, a, "ls /proc");
    expect(proc).not.toMatch(new RegExp(`(^|\\s)${bHostPid}(\\s|$)`));
    expect(type(mgr, a, `cat /proc/${bHostPid}/status`)).toMatch(/no such|not found|cannot/i);
    expect(type(mgr, b, "hostname")).toContain("b\n");
    expect(b.state).toBe("running");
  });

  it("escape attempts (.. chains, symlinks, fchdir across chroot, chroot-and-..) stay inside; the host's root is untouched", async () => {
    const { mgr, machine, com1 } = await host();
    // a secret in the host's own root, through the guest's COM1 shell
    const hostSh = (line: string) => {
      const from = com1().length;
      machine.receiveInput(new TextEncoder().encode(line + "\n"));
      runUntil(mgr, () => /\n# $/.test(com1().slice(from).replace(/\r/g, "")));
      return com1().slice(from).replace(/\r/g, "").split("\n").slice(1, -1); // the answer, without the echo and the prompt
    };
    const hostLs = () => hostSh("ls /");
    hostSh("echo hostsecret > /hostsecret");
    const before = hostLs();
    expect(before).toContain("hostsecret");
    const c = await shell(mgr, "jail");
    const out = type(mgr, c, "escape");
    expect(out).toContain("escape: ok");
    expect(out).not.toContain("ESCAPED");
    expect(type(mgr, c, "cat /hostsecret")).toMatch(/No such file/);
    expect(type(mgr, c, "cat /../../../hostsecret")).toMatch(/No such file/);
    expect(type(mgr, c, "ls /../../..")).not.toContain("hostsecret");
    expect(type(mgr, c, "rm /bin/sh")).toBeDefined(); // copy-on-write: the image and the host keep theirs
    expect(hostLs()).toEqual(before);
    expect(hostSh("ls /bin")).toContain("sh");
    const other = await shell(mgr, "other");
    expect(type(mgr, other, "ls /bin")).toMatch(/\bsh\b/);
  });

  it("a fork bomb and a memory hog stay inside their cgroups; a neighbour still answers", async () => {
    const { mgr } = await host();
    const quiet = await shell(mgr, "quiet");
    const bomb = await shell(mgr, "bomb", { pidsLimit: 16, memory: "4M" });
    type(mgr, bomb, "bomb");
    const [fig] = await mgr.stats("bomb");
    expect(fig.pids).toBeLessThanOrEqual(16);
    const hog = await shell(mgr, "hog", { memory: "1M" });
    type(mgr, hog, "load -m 4096 -n 1");
    const [h] = await mgr.stats("hog");
    expect(h.memoryPages!).toBeLessThanOrEqual(256);
    expect((h.raw.oom_kills as number) > 0 || hog.oomKilled).toBe(true);
    expect(type(mgr, quiet, "echo alive")).toContain("alive");
    const [q] = await mgr.stats("quiet");
    expect(q.raw.oom_kills ?? 0).toBe(0);
  });

  it("64 containers live at once in one kernel", async () => {
    const { mgr } = await host(256);
    for (let k = 1; k <= 64; k++) await mgr.run({ name: `n${k}`, hostname: `n${k}` });
    const live = mgr.list().filter((c) => c.state === "running");
    expect(live).toHaveLength(64);
    expect(new Set(live.map((c) => c.info.console)).size).toBe(64);
  });

  describe("against a VM boot of the same kernel (a trap-and-emulate VM of the hypervisor)", () => {
    const measured = async () => {
      const core = await loadCoreNode();
      const vm = await bootVm(core, unixImage(), { kind: "trap", ramBytes: 128 << 20 });
      const host = await bootVm(await loadCoreNode(), unixImage(), { kind: "bare", ramBytes: 128 << 20 });
      // 16 starts, as the bench does: a start gets dearer with each container already running
      // (mount copies, directory and process-table scans), and the median is what is compared
      return compare(vm.boot, await startContainers(host, 16, (k) => ({ name: `m${k}`, hostname: `m${k}` })));
    };
    let c: Awaited<ReturnType<typeof measured>>;
    it("measures both (deterministic instruction counts; host time is the bench's)", async () => {
      c = await measured();
      expect(c.vm.instructions).toBeGreaterThan(0);
    });
    it("a container costs ≤ 1/20 of a VM's memory (MemFree drop per start vs the VM's used RAM)", () => {
      expect(c.ratios.memory).toBeGreaterThanOrEqual(20);
    });
    // The issue's target. Measured today: a start ~5.6e4 guest instructions (median of 16) against
    // a VM boot of ~2.87e6, about 1/51; docs/containers.md says where the instructions go.
    it("a container starts in ≤ 1/50 of a VM boot's guest instructions", () => {
      expect(c.ratios.instructions).toBeGreaterThanOrEqual(50);
    });
  });
});
