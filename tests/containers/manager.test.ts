// The container manager's host-side contracts: `run` words from a spec, ctrd records to typed
// containers and cgroup figures, and requests that time out in guest cycles on real kernels that
// have no ctrd (a spinning fixture kernel, one that powers off).
import { describe, expect, it } from "vitest";
import { ContainerSpecError, cgroupFigures, containerInfo, runWords, ContainerManager } from "../../src/containers/manager.js";
import { ContainerTimeoutError } from "../../src/containers/control-channel.js";
import { PV_CONTROL_STREAM } from "../../src/devices/pvchan.js";
import { bootMachine, fixtureKernel } from "./harness.js";

describe("runWords", () => {
  it("spells a spec as ctr run's options, in a fixed order", () => {
    expect(runWords({ image: "service", name: "web1", hostname: "web1", memory: "16M", cpus: "0.5", pidsLimit: 32 })).toEqual([
      "run", "--name", "web1", "--hostname", "web1", "--memory", "16M", "--cpus", "0.5", "--pids-limit", "32", "--image", "service",
    ]);
    expect(runWords({})).toEqual(["run"]);
    expect(runWords({ name: "a", command: ["sh", "-c", "ls"] })).toEqual(["run", "--name", "a", "--", "sh", "-c", "ls"]);
  });

  it("refuses values ctr would misread: spaces, bad sizes, zero pids", () => {
    expect(() => runWords({ name: "a b" })).toThrow(ContainerSpecError);
    expect(() => runWords({ memory: "16 MB" })).toThrow(/--memory wants a size/);
    expect(() => runWords({ pidsLimit: 0 })).toThrow(/--pids-limit/);
    expect(() => runWords({ cpus: "half" })).toThrow(/--cpus/);
    expect(() => runWords({ command: ["echo", "two words"] })).toThrow(/spaces/);
  });
});

describe("ctrd records", () => {
  it("needs a name, and a console stream in 1..255 or none", () => {
    expect(containerInfo({ name: "ct1", state: "running", console: 1, pid: 12, hostname: "ct1" })).toMatchObject({
      name: "ct1",
      state: "running",
      console: 1,
      pid: 12,
    });
    expect(() => containerInfo({ console: 1 })).toThrow(/no name/);
    expect(containerInfo({ name: "x", console: 0 }).console).toBeNull(); // no console (streams are 255)
    expect(() => containerInfo({ name: "x", console: 256 })).toThrow(/console stream/);
    expect(() => containerInfo([1])).toThrow(/not a JSON object/);
  });

  it("reads cgroup figures under cgroup-v2 names or with underscores, pages rounded up", () => {
    const a = cgroupFigures({ name: "ct1", cgroup: { "memory.current": 40960, "memory.max": 16777216, "pids.current": 2, "pids.max": 32, "cpu.stat": { usage_usec: 1500 } } });
    expect(a).toMatchObject({ name: "ct1", memoryBytes: 40960, memoryPages: 10, memoryMax: 16777216, pids: 2, pidsMax: 32, cpuUsageUsec: 1500 });
    const b = cgroupFigures({ name: "ct2", memory_current: 4097, pids_current: 1, "memory.max": "max" });
    expect(b).toMatchObject({ memoryPages: 2, pids: 1, memoryMax: null, cpuUsageUsec: null });
  });

  it("reads ctrd's own stats record: pages, and -1 for no limit", () => {
    const r = { name: "web1", state: "running", memory_pages: 11, memory_peak_pages: 14, memory_max_pages: 4096, pids: 2, pids_max: -1, cpu_usage_usec: 1830, oom_kills: 0 };
    expect(cgroupFigures(r)).toMatchObject({ name: "web1", memoryPages: 11, memoryBytes: 11 * 4096, memoryMax: 4096 * 4096, pids: 2, pidsMax: null, cpuUsageUsec: 1830 });
    expect(cgroupFigures({ ...r, memory_max_pages: -1 }).memoryMax).toBeNull();
  });
});

describe("control channel on kernels without ctrd", () => {
  it("times out a request after the configured guest cycles, deterministically", async () => {
    const results: bigint[] = [];
    for (let i = 0; i < 2; i++) {
      const { machine } = await bootMachine(fixtureKernel("loop.elf"));
      const mgr = new ContainerManager(machine, { timeoutCycles: 3_000_000 });
      const req = mgr.channel.request(["ls"]);
      expect(machine.pvchan.queued(PV_CONTROL_STREAM)).toBe("1 ls\n".length);
      await expect(mgr.channel.settle(req)).rejects.toThrow(ContainerTimeoutError);
      expect(mgr.channel.cycles() - req.sentCycles).toBeGreaterThanOrEqual(3_000_000n);
      results.push(machine.cpu.insnCount);
    }
    expect(results[0]).toBe(results[1]);
  });

  it("fails a request at once when the guest powers off before answering", async () => {
    const { machine } = await bootMachine(fixtureKernel("hello.elf"));
    const mgr = new ContainerManager(machine);
    await expect(mgr.ready()).rejects.toThrow(/the guest stopped/);
    expect(machine.stopped?.reason).toBe("debug-exit");
  });

  it("refuses verbs on containers it does not know, before asking the guest", async () => {
    const { machine } = await bootMachine(fixtureKernel("loop.elf"));
    const mgr = new ContainerManager(machine);
    await expect(mgr.stop("ghost")).rejects.toThrow("no container named ghost");
    expect(machine.pvchan.queued(PV_CONTROL_STREAM)).toBe(0);
  });
});
