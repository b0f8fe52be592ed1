// Scenario "paging": what paging costs the interpreter (the system issue's check: the CPU-bound
// guest may lose at most 10 % of its speed with paging on).
//
// The same guest as the `cpu` scenario (bench/guests/cpu.elf) runs three ways on tabvisor, in
// process on the built core and dist/:
//   - paging off (as Multiboot enters it);
//   - paging on with 4 KiB pages: after the Multiboot load the host writes a page directory and
//     page tables identity-mapping all of RAM (supervisor, writable) at the top of RAM and sets
//     CR3 and CR0.PG|WP before the first instruction;
//   - paging on with 4 MiB pages (CR4.PSE, one PDE per 4 MiB).
// Every variant must print the same checksum and retire the same number of instructions (the
// guest never looks at CR0). Times are process CPU time (process.cpuUsage), medians over rounds
// that alternate the variants, so a busy machine hurts each variant alike.
// Run with `node bench/scenarios/paging.js` (or as `node bench/run.js paging`).
import { fileURLToPath, pathToFileURL } from "node:url";
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { machineInfo, recordBaseName, median } from "../lib/report.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RESULTS = join(ROOT, "bench/results");
/** The largest speed loss the system issue allows with paging on. */
export const MAX_LOSS = 0.1;

/** @type {import("../lib/scenario.js").Scenario & { run: typeof run, measure: typeof measure }} */
export const scenario = {
  name: "paging",
  title: "CPU-bound guest on tabvisor with paging off, 4 KiB pages and 4 MiB pages",
  kernel: "bench/guests/cpu.elf",
  engines: ["tabvisor"],
  defaultRepeat: 2,
  maxRepeat: 100,
  cmdline: (repeat) => `repeat=${repeat}`,
  memMiB: 64,
  checksumPattern: /^checksum ([0-9a-f]{8})$/m,
  run,
  measure,
};

const PTE_P = 0x1;
const PTE_W = 0x2;
const PTE_PS = 0x80;
const CR0_PG = 0x80000000;
const CR0_WP = 0x10000;
const CR4_PSE = 0x10;

/**
 * Identity-map all of RAM: page tables (4 KiB pages) or 4 MiB PDEs at the top of RAM; returns the
 * page directory's physical address. The guest's own data never reaches the top of its 64 MiB.
 */
export function writeIdentityMap(ram, ramBytes, big) {
  const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const pdes = ramBytes / (4 << 20);
  const tablesBytes = big ? 0 : pdes * 4096;
  const pd = ramBytes - 4096 - tablesBytes;
  for (let i = 0; i < 1024; i++) dv.setUint32(pd + 4 * i, 0, true);
  for (let d = 0; d < pdes; d++) {
    if (big) {
      dv.setUint32(pd + 4 * d, ((d << 22) | PTE_PS | PTE_W | PTE_P) >>> 0, true);
      continue;
    }
    const pt = pd + 4096 + d * 4096;
    for (let t = 0; t < 1024; t++) dv.setUint32(pt + 4 * t, (((d << 22) | (t << 12)) | PTE_W | PTE_P) >>> 0, true);
    dv.setUint32(pd + 4 * d, (pt | PTE_W | PTE_P) >>> 0, true);
  }
  return pd;
}

async function load() {
  const dist = (p) => pathToFileURL(`${ROOT}dist/src/${p}`).href;
  const { loadCoreNode } = await import(dist("core/load-node.js"));
  const { Machine } = await import(dist("hv/vm.js"));
  const { Platform } = await import(dist("devices/platform.js"));
  const L = await import(pathToFileURL(`${ROOT}dist/assembly/layout.js`).href);
  return { loadCoreNode, Machine, Platform, L };
}

/** One run of the guest in `mode` ("off", "4k", "4m"): CPU seconds, instructions, transcript. */
async function runOnce(env, kernel, mode, repeat) {
  const { loadCoreNode, Machine, Platform, L } = env;
  const ramBytes = scenario.memMiB << 20;
  const core = await loadCoreNode();
  let out = "";
  const m = new Machine({
    core,
    ramBytes,
    platform: (bus) => new Platform(bus, { ramBytes }),
    onOutput: (source, byte) => { if (source === "com1") out += String.fromCharCode(byte); },
  });
  m.boot(kernel, { kernelName: scenario.kernel, cmdline: scenario.cmdline(repeat), modules: [] });
  if (mode !== "off") {
    const pd = writeIdentityMap(m.cpu.ram(), ramBytes, mode === "4m");
    m.cpu.setU32(L.STATE_CR3, pd);
    if (mode === "4m") m.cpu.setU32(L.STATE_CR4, m.cpu.cr4 | CR4_PSE);
    m.cpu.setU32(L.STATE_CR0, (m.cpu.cr0 | CR0_PG | CR0_WP) >>> 0);
    m.core.sync();
  }
  const t0 = process.cpuUsage();
  while (m.runFor(50_000_000) !== "stopped");
  const u = process.cpuUsage(t0);
  const seconds = (u.user + u.system) / 1e6;
  const stop = m.stopped;
  if (!stop || stop.reason !== "debug-exit" || stop.debugExit?.value !== 0) {
    throw new Error(`paging ${mode}: the guest did not finish cleanly (${stop?.message ?? "no stop"})`);
  }
  const sum = out.match(scenario.checksumPattern)?.[1];
  if (!sum) throw new Error(`paging ${mode}: no checksum line in the transcript`);
  const paged = (m.cpu.cr0 & CR0_PG) !== 0;
  if (paged !== (mode !== "off")) throw new Error(`paging ${mode}: CR0.PG is ${paged ? "set" : "clear"} after the run`);
  return { seconds, instructions: Number(m.cpu.insnCount), checksum: sum, pageWalks: m.cpu.u32(L.STATE_STAT_TLB_MISSES) };
}

/** Alternating rounds of the three variants; returns medians and the loss of each paged variant. */
export async function measure({ rounds = 3, repeat = scenario.defaultRepeat, log = () => {} } = {}) {
  const env = await load();
  const kernel = readFileSync(join(ROOT, scenario.kernel));
  const modes = ["off", "4k", "4m"];
  const runs = Object.fromEntries(modes.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) {
      const x = await runOnce(env, kernel, mode, repeat);
      runs[mode].push(x);
      log(`round ${r + 1}: ${mode} ${(x.instructions / x.seconds / 1e6).toFixed(1)} MIPS`);
    }
  }
  const checksums = new Set(modes.flatMap((m) => runs[m].map((x) => x.checksum)));
  const counts = new Set(modes.flatMap((m) => runs[m].map((x) => x.instructions)));
  if (checksums.size !== 1) throw new Error(`paging: the variants printed different checksums (${[...checksums].join(", ")})`);
  if (counts.size !== 1) throw new Error(`paging: the variants retired different instruction counts (${[...counts].join(", ")})`);
  const instructions = [...counts][0];
  const fig = {};
  for (const mode of modes) {
    const s = median(runs[mode].map((x) => x.seconds));
    fig[mode] = { seconds: s, mips: instructions / s / 1e6, pageWalks: runs[mode][0].pageWalks };
  }
  for (const mode of ["4k", "4m"]) fig[mode].loss = 1 - fig[mode].mips / fig.off.mips;
  return { repeat, rounds, instructions, checksum: [...checksums][0], ...fig };
}

function format(f) {
  const row = (name, x) => `| ${name} | ${x.seconds.toFixed(3)} | ${x.mips.toFixed(1)} | ${x.loss === undefined ? "—" : `${(x.loss * 100).toFixed(1)} %`} |`;
  return [
    `paging: ${scenario.title}`,
    `guest ${scenario.kernel} repeat=${f.repeat}, ${f.instructions.toLocaleString("en-US")} instructions, checksum ${f.checksum}; ${f.rounds} alternating rounds, medians of process CPU time`,
    "",
    "| paging | CPU s | MIPS | speed lost vs paging off |",
    "|---|---:|---:|---:|",
    row("off", f.off),
    row("4 KiB pages", f["4k"]),
    row("4 MiB pages", f["4m"]),
    "",
    `target: at most ${MAX_LOSS * 100} % lost with paging on — 4 KiB: ${f["4k"].loss <= MAX_LOSS ? "meets" : "MISSES"}, 4 MiB: ${f["4m"].loss <= MAX_LOSS ? "meets" : "MISSES"}`,
  ].join("\n");
}

/** bench/run.js entry: measure, print, record; true when both paged variants meet the target. */
export async function run(opts = {}) {
  const log = (s) => process.stderr.write(`bench: paging: ${s}\n`);
  const f = await measure({ rounds: opts.runs ?? 3, repeat: opts.repeat ?? scenario.defaultRepeat, log });
  const text = format(f);
  process.stdout.write(`\n${text}\n`);
  if (opts.record !== false) {
    const date = new Date();
    const machine = machineInfo(null);
    const base = join(RESULTS, recordBaseName(date, machine, "paging"));
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(`${base}.json`, JSON.stringify({ scenario: "paging", date: date.toISOString(), machine, figures: f }, null, 2) + "\n");
    writeFileSync(`${base}.md`, `# Benchmark \`paging\`\n\n- date: ${date.toISOString()}\n- machine: ${machine.cpu}, ${machine.cores} cores\n\n${text}\n`);
    process.stdout.write(`recorded ${base.slice(ROOT.length)}.json\n`);
  }
  return f["4k"].loss <= MAX_LOSS && f["4m"].loss <= MAX_LOSS;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ok = await run({ record: !process.argv.includes("--no-record") });
  process.exitCode = ok ? 0 : 1;
}
