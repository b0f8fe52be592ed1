// The page's container host (src/containers/host-runner.ts) in Node, as its worker runs it: the
// unix guest booted until ctrd answers, containers started with their consoles on shared rings,
// typed input through the input ring and doorbell, live cgroup figures, lifecycle verbs.
// And the comparison runner: N trap-mode VMs beside N containers, measured alike.
// Skipped, with the reason, while the guest image has no ctrd.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContainerHostRunner } from "../../src/containers/host-runner.js";
import { CompareRunner } from "../../src/containers/compare-runner.js";
import { CONSOLE_IN_BYTES, CONSOLE_OUT_BYTES, type ContainerHostConfig } from "../../src/containers/host-protocol.js";
import { ByteRing } from "../../src/worker/ring.js";
import { loadCoreNode } from "../../src/core/load-node.js";
import { findGuest } from "../../src/guests/registry.js";
import { CTRD_MISSING, ROOT, ctrdAvailable } from "./harness.js";

const HAVE_CTRD = ctrdAvailable();

function config(): ContainerHostConfig {
  const g = findGuest("unix")!;
  return {
    kernel: { name: g.kernel, data: readFileSync(join(ROOT, g.kernel)) },
    modules: g.modules.map((m) => ({ name: m.path, args: m.args, data: readFileSync(join(ROOT, m.path)) })),
    memMiB: 128,
    clock: "virtual",
  };
}

/** Let the runner's loop go round until `done()` (each turn is one slice plus a yield). */
async function until(done: () => boolean, turns = 2000): Promise<boolean> {
  for (let i = 0; i < turns && !done(); i++) await new Promise<void>((r) => setImmediate(r));
  return done();
}

describe.skipIf(!HAVE_CTRD)(`page-side container host${HAVE_CTRD ? "" : ` (skipped: ${CTRD_MISSING})`}`, () => {
  it("boots, starts a container on rings, echoes typed input, reports cgroup figures and lifecycle", async () => {
    const runner = new ContainerHostRunner(() => loadCoreNode());
    const doorbell = new SharedArrayBuffer(4);
    const boot = await runner.create(config(), doorbell);
    expect(boot.instructions).toBeGreaterThan(0);
    expect((await runner.images()).map((i) => i.name)).toEqual(expect.arrayContaining(["minimal", "service"]));
    const out = ByteRing.create(CONSOLE_OUT_BYTES);
    const input = ByteRing.create(CONSOLE_IN_BYTES);
    const s = await runner.run({ name: "web1", hostname: "web1", memory: "8M", pidsLimit: 16 }, { out: out.sab, in: input.sab });
    expect(s).toMatchObject({ name: "web1", state: "running" });
    expect(s.console).toBeGreaterThan(0);
    let text = "";
    const read = () => {
      if (out.used()) text += new TextDecoder().decode(out.read());
      return text;
    };
    expect(await until(() => read().includes("# "))).toBe(true);
    input.write(new TextEncoder().encode("hostname\n"));
    Atomics.add(new Int32Array(doorbell), 0, 1);
    expect(await until(() => read().includes("web1\n"))).toBe(true);
    const snap = await runner.snapshot(true);
    const me = snap.containers.find((c) => c.name === "web1")!;
    expect(me.cgroup?.memoryPages).toBeGreaterThan(0);
    expect(me.cgroup?.memoryMax).toBe(8 << 20);
    expect(me.cgroup?.pidsMax).toBe(16);
    expect(snap.touchedPages).toBeGreaterThan(0);
    await runner.pause("web1");
    await runner.resume("web1");
    await runner.stop("web1");
    await expect(runner.pause("web1")).rejects.toThrow(/stopped: cannot pause/);
    await runner.rm("web1");
    expect((await runner.snapshot(false)).containers).toEqual([]);
    await runner.close();
  });

  it("compares 2 trap-mode VMs with 2 containers, each measured, with isolation probes", async () => {
    const c = config();
    const r = await new CompareRunner(() => loadCoreNode()).compare({ kernel: c.kernel, modules: c.modules, count: 2, memMiB: 64, fitMiB: 1024 });
    expect(r.vms).toHaveLength(2);
    expect(r.containers).toHaveLength(2);
    expect(r.medians.vm.instructions).toBeGreaterThan(r.medians.container.instructions);
    expect(r.medians.vm.pages).toBeGreaterThan(r.medians.container.pages);
    expect(r.fit.containers).toBeGreaterThan(r.fit.vms);
    const hostname = r.isolation.find((x) => x.property.includes("hostname"))!;
    expect(hostname.container).toBe("ct1");
    const ps = r.isolation.find((x) => x.property.includes("`ps`"))!;
    expect(ps.container).toMatch(/^2 processes visible$/);
  });
});
