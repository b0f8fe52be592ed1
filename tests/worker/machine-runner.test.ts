// MachineRunner, the machine side of a page's worker, driven directly in Node with the real core
// and the built-in guest images: output crosses the COM1 ring, input typed into the input ring
// reaches the guest's shell, the VGA ring carries the screen, and control calls behave.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadCoreNode } from "../../src/core/load-node.js";
import { MachineRunner } from "../../src/worker/machine-runner.js";
import { ByteRing, RING_HEAD, waitForChange } from "../../src/worker/ring.js";
import {
  COM1_IN_BYTES,
  COM1_OUT_BYTES,
  DOORBELL,
  KBD_IN_BYTES,
  VGA_OUT_BYTES,
  type MachineChannels,
  type MachineConfig,
} from "../../src/worker/protocol.js";
import { findGuest } from "../../src/guests/registry.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const file = (p: string) => new Uint8Array(readFileSync(root + p));

function guestConfig(name: string, clock: MachineConfig["clock"] = "virtual"): MachineConfig {
  const g = findGuest(name)!;
  return {
    label: name,
    kernel: { name: g.kernel, data: file(g.kernel) },
    modules: g.modules.map((m) => ({ name: m.path, data: file(m.path), args: m.args })),
    cmdline: "",
    memMiB: 64,
    clock,
  };
}

/** The page's side of the channels. */
function pageSide() {
  const com1Out = ByteRing.create(COM1_OUT_BYTES);
  const com1In = ByteRing.create(COM1_IN_BYTES);
  const vgaOut = ByteRing.create(VGA_OUT_BYTES);
  const kbdIn = ByteRing.create(KBD_IN_BYTES);
  const doorbell = new Int32Array(new SharedArrayBuffer(4));
  const channels: MachineChannels = { com1Out: com1Out.sab, com1In: com1In.sab, vgaOut: vgaOut.sab, kbdIn: kbdIn.sab, doorbell: doorbell.buffer as SharedArrayBuffer };
  let text = "";
  const decoder = new TextDecoder();
  return {
    channels,
    vgaOut,
    type(s: string, ring = com1In) {
      expect(ring.writeAll(new TextEncoder().encode(s))).toBe(true);
      Atomics.add(doorbell, DOORBELL, 1);
      Atomics.notify(doorbell, DOORBELL);
    },
    kbd: kbdIn,
    /** Read COM1 output until it contains `needle` (waiting on the ring, never on a timer). */
    async until(needle: string): Promise<string> {
      for (;;) {
        const head = Atomics.load(com1Out.ctrl, RING_HEAD);
        text += decoder.decode(com1Out.read(), { stream: true });
        if (text.includes(needle)) return text;
        await waitForChange(com1Out.ctrl, RING_HEAD, head, Infinity);
      }
    },
  };
}

describe("MachineRunner", () => {
  it("boots hello: its greeting arrives on the COM1 ring and the run stops with the CLI's exit status", async () => {
    const page = pageSide();
    const r = new MachineRunner(() => loadCoreNode());
    await r.create(guestConfig("hello"), page.channels);
    await r.watchScreen(true);
    expect((await r.stats()).state).toBe("created");
    await r.start();
    expect(await page.until("Hello from tabvisor's hello guest!")).toContain("Hello");
    await r.pause();
    const s = await r.stats();
    expect(s.state).toBe("stopped");
    expect(s.stop).toMatchObject({ reason: "debug-exit", status: 1 });
    expect(s.instructions).toBeGreaterThan(1000);
    expect(s.exits.io).toBeGreaterThan(0);
    const vga = new TextDecoder().decode(page.vgaOut.read());
    expect(vga).toContain("\x1b[1;1H"); // a full first frame
    expect(vga).toMatch(/H.*e.*l.*l.*o/);
  });

  it("runs the unix shell: bytes typed into the COM1 input ring reach it and its answer comes back", async () => {
    const page = pageSide();
    const r = new MachineRunner(() => loadCoreNode());
    await r.create(guestConfig("unix", "realtime"), page.channels);
    await r.start();
    await page.until("# ");
    page.type("echo ring-ok-42\n");
    const out = await page.until("ring-ok-42\r\n# ");
    expect(out).toContain("# echo ring-ok-42");
    await r.pause();
    expect((await r.stats()).state).toBe("paused");
    // paused: input waits in the ring until the machine runs again
    page.type("echo after-pause\n");
    await r.start();
    expect(await page.until("after-pause\r\n# ")).toBeTruthy();
    await r.pause();
  });

  it("keys typed for the VGA view reach the PS/2 keyboard as scancodes", async () => {
    const page = pageSide();
    const r = new MachineRunner(() => loadCoreNode());
    await r.create(guestConfig("hello"), page.channels);
    expect(r.platform!.keyboard.hasData()).toBe(false);
    page.type("a", page.kbd);
    await r.step(1);
    expect(page.kbd.used()).toBe(0);
    // read them as a guest would: 8042 data port while the status port says output buffer full
    const bus = r.machine!.bus;
    const codes: number[] = [];
    while (bus.read(0x64, 1) & 0x01) codes.push(bus.read(0x60, 1));
    expect(codes).toEqual([0x1e, 0x9e]); // 'a' make and break in set 1 (the 8042 translates at power-on)
  });

  it("reset boots the same guest afresh, and step retires instructions while paused", async () => {
    const page = pageSide();
    const r = new MachineRunner(() => loadCoreNode());
    await r.create(guestConfig("tick"), page.channels);
    await r.start();
    await page.until("tick: ok");
    await r.pause();
    const before = await r.stats();
    expect(before.state).toBe("stopped");
    await r.reset();
    const fresh = await r.stats();
    expect(fresh).toMatchObject({ state: "created", instructions: 0, stop: null });
    const stepped = await r.step(1);
    expect(stepped.instructions).toBe(1);
    expect(stepped.state).toBe("paused");
    expect((await r.step(1000)).instructions).toBeGreaterThan(1);
  });

  it("a failure inside the core stops the machine with an internal error instead of killing the worker", async () => {
    const page = pageSide();
    const r = new MachineRunner(async () => {
      const core = await loadCoreNode();
      core.run = () => {
        throw new Error("unreachable executed");
      };
      return core;
    });
    await r.create(guestConfig("hello"), page.channels);
    await r.start();
    await r.pause(); // resolves once the loop has ended
    const s = await r.stats();
    expect(s.state).toBe("stopped");
    expect(s.stop).toEqual({ reason: "internal-error", message: "internal error: unreachable executed", status: 70 });
  });

  it("refuses a malformed kernel with the loader's one-line message, prefixed by the file name as the CLI does", async () => {
    const page = pageSide();
    const r = new MachineRunner(() => loadCoreNode());
    const cfg = guestConfig("hello");
    cfg.kernel = { name: "junk.elf", data: new TextEncoder().encode("this is not a kernel") };
    await expect(r.create(cfg, page.channels)).rejects.toThrow(/^junk\.elf: no Multiboot header/);
  });
});
