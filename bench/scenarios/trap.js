// Scenario "trap": the cost of trap-and-emulate (docs/hypervisor.md).
//
// As a bench/run.js scenario it runs the tick guest on tabvisor alone (there is no trap mode in the
// peers to compare with). Its own measurements run with `node bench/scenarios/trap.js` (or
// `npm run bench:trap`), in-process on the built core and dist/:
//   - trap round trip: a guest loop of N CLI instructions in trap mode (each one #GP → exit →
//     decode → emulate → resume) minus the same loop on a bare VM (where CLI runs natively),
//     divided by N;
//   - world switch: Hypervisor.switchTo between two VMs (state block out and in, sync());
//   - exits per second under tick: 16 trap-mode tick VMs, every exit the hypervisor handled
//     divided by the host time of the run.
// Times are process CPU time (process.cpuUsage), so a busy machine slows them less than wall time;
// each figure is the median of several rounds.
import { fileURLToPath, pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";

/** @type {import("../lib/scenario.js").Scenario & { measure: typeof measure }} */
export const scenario = {
  name: "trap",
  title: "tick guest (GDT/IDT/TSS, paging, PIT, ring 3 tasks) on bare metal; trap costs: node bench/scenarios/trap.js",
  kernel: "guests/images/tick.elf",
  engines: ["tabvisor"],
  defaultRepeat: 1,
  maxRepeat: 1,
  cmdline: () => "",
  memMiB: 32,
  checksumPattern: /^tick: ok ([0-9a-f]{8})\r?$/m,
  measure,
};

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const le = (v) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];

/** A flat Multiboot image (a.out kludge) at 1 MiB: `code` runs at 0x100030. */
function flatImage(code) {
  const base = 0x100000;
  const flags = 0x00010003;
  const magic = 0x1badb002;
  const total = 48 + code.length;
  const h = [magic, flags, (-(magic + flags)) >>> 0, base, base, base + total, base + total, base + 48];
  return Uint8Array.from([...h.flatMap(le), ...new Array(16).fill(0), ...code]);
}

/** mov ecx, n; L: cli; dec ecx; jnz L; mov al, 0; out 0xF4, al */
const cliLoop = (n) => flatImage([0xb9, ...le(n), 0xfa, 0x49, 0x75, 0xfc, 0xb0, 0x00, 0xe6, 0xf4]);

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function load() {
  const dist = (p) => pathToFileURL(`${ROOT}dist/src/${p}`).href;
  const { loadCoreNode } = await import(dist("core/load-node.js"));
  const { Hypervisor } = await import(dist("hv/hypervisor.js"));
  return { core: await loadCoreNode(), Hypervisor };
}

/** Runs the measurements; returns the figures (ns per trap, ns per switch, exits per second). */
export async function measure({ rounds = 5, loop = 300_000, switches = 100_000, tickVms = 16 } = {}) {
  const { core, Hypervisor } = await load();
  const runLoop = (mode) => {
    const hv = new Hypervisor({ core, count: 1, guestRamBytes: 4 << 20, mode, quantum: 100_000_000 });
    hv.boot(cliLoop(loop), { kernelName: "cli-loop", modules: [] });
    const t0 = cpuSeconds();
    hv.runToEnd();
    const dt = cpuSeconds() - t0;
    if (hv.vms[0].stopped?.reason !== "debug-exit") throw new Error(`cli loop (${mode}) ended with ${hv.vms[0].stopped?.message}`);
    const exits = hv.vms[0].trap?.counters.exits.cli ?? 0;
    if (mode === "trap" && exits !== loop) throw new Error(`expected ${loop} CLI traps, saw ${exits}`);
    return dt;
  };
  const trapNs = [];
  for (let r = 0; r < rounds; r++) {
    const bare = runLoop("bare");
    const trap = runLoop("trap");
    trapNs.push(((trap - bare) / loop) * 1e9);
  }

  const switchNs = [];
  for (let r = 0; r < rounds; r++) {
    const hv = new Hypervisor({ core, count: 2, guestRamBytes: 4 << 20, mode: "trap" });
    hv.boot(cliLoop(10), { kernelName: "cli-loop", modules: [] });
    const t0 = cpuSeconds();
    for (let i = 0; i < switches; i++) hv.switchTo(hv.vms[i & 1]);
    switchNs.push(((cpuSeconds() - t0) / switches) * 1e9);
  }

  const tick = readFileSync(`${ROOT}guests/images/tick.elf`);
  const exitRates = [];
  let tickExits = 0;
  for (let r = 0; r < Math.min(rounds, 3); r++) {
    const hv = new Hypervisor({ core, count: tickVms, guestRamBytes: 32 << 20, mode: "trap" });
    hv.boot(tick, { kernelName: "tick", modules: [] });
    const t0 = cpuSeconds();
    hv.runToEnd();
    const dt = cpuSeconds() - t0;
    tickExits = hv.stats().reduce((n, v) => n + Object.values(v.trapExits).reduce((a, b) => a + b, 0), 0);
    if (!hv.vms.every((v) => v.stopped?.debugExit?.value === 0)) throw new Error("a tick VM did not end with 'tick: ok'");
    exitRates.push(tickExits / dt);
  }
  return {
    trapRoundTripNs: Math.round(median(trapNs)),
    worldSwitchNs: Math.round(median(switchNs)),
    tickExitsPerSecond: Math.round(median(exitRates)),
    tickExits,
    rounds,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const m = await measure();
  process.stdout.write(
    `trap: one trap round trip (guest CLI → #GP exit → decode → emulate → resume): ${m.trapRoundTripNs} ns\n` +
      `trap: one world switch (state block out and in, sync): ${m.worldSwitchNs} ns\n` +
      `trap: 16 tick VMs in trap mode: ${m.tickExits} exits, ${m.tickExitsPerSecond} exits/s\n` +
      `(process CPU time, median of ${m.rounds} rounds)\n`,
  );
}
