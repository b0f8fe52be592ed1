// Scenario "containers": a container start versus a VM boot of the same kernel (the unix guest),
// and memory per container versus per VM, as ratios measured in one run (docs/containers.md).
// In-process on the built core and dist/ (src/containers/measure.ts does the measuring):
//   - VM boot: a fresh machine (bare metal, and one trap-mode VM) from construction to the first
//     answer of the guest's container daemon ctrd — guest instructions and host ms — and the guest
//     RAM pages it touched;
//   - container start: in one booted kernel, `run` request to reply for each of `count` containers
//     (medians), their cgroup pages and the guest RAM pages touched per start;
//   - density: then `dense` containers at once (256 by default) in one kernel.
// Targets (issue 7): start ≥ 50× cheaper in instructions and host time, memory ≥ 20× smaller,
// 256 containers in one kernel. Runs as part of `npm run bench`, or alone:
// `node bench/scenarios/containers.js [--count N] [--dense N] [--rounds N]`; `--profile` shows where
// a container start's guest instructions go (kernel functions, user pages).
import { fileURLToPath, pathToFileURL } from "node:url";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { BenchError, BenchFailure } from "../lib/bench-error.js";
import { machineInfo, recordBaseName } from "../lib/report.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RESULTS = join(ROOT, "bench/results");
const TARGETS = { instructions: 50, hostTime: 50, memory: 20, dense: 256 };

/** @type {import("../lib/scenario.js").Scenario & { run: typeof run, measure: typeof measure }} */
export const scenario = {
  name: "containers",
  title: "unix guest: container start vs VM boot of the same kernel, memory per container vs per VM",
  kernel: "guests/images/unix.elf",
  engines: ["tabvisor"],
  defaultRepeat: 1,
  maxRepeat: 1,
  cmdline: () => "",
  memMiB: 128,
  checksumPattern: /^$/,
  run,
  measure,
};

async function load() {
  const dist = (p) => pathToFileURL(`${ROOT}dist/src/${p}`).href;
  try {
    const { loadCoreNode } = await import(dist("core/load-node.js"));
    const measureMod = await import(dist("containers/measure.js"));
    const { findGuest } = await import(dist("guests/registry.js"));
    return { core: await loadCoreNode(), ...measureMod, findGuest };
  } catch (e) {
    throw new BenchError(`containers: cannot load the built tabvisor (npm run build): ${e.message}`);
  }
}

const round = (x, d = 1) => (Number.isFinite(x) ? +x.toFixed(d) : null);

/**
 * The figures: VM boots (bare, trap) and container starts, medians over `rounds` rounds; then
 * `dense` containers in one kernel. Throws BenchFailure with one line if the guest cannot do it.
 */
export async function measure({ rounds = 3, count = 16, dense = TARGETS.dense, ramMiB = 128, log = () => {} } = {}) {
  const m = await load();
  const g = m.findGuest("unix");
  const image = {
    kernel: readFileSync(join(ROOT, g.kernel)),
    kernelName: g.kernel,
    modules: g.modules.map((x) => ({ data: readFileSync(join(ROOT, x.path)), cmdline: `${x.path} ${x.args}`.trim() })),
  };
  const ramBytes = ramMiB << 20;
  const attempt = async (what, fn) => {
    try {
      return await fn();
    } catch (e) {
      throw new BenchFailure(`containers: ${what}: ${e.message}`);
    }
  };
  const comparisons = []; //     against the bare-metal boot (the cheapest boot of the kernel)
  const trapComparisons = []; // against the trap-and-emulate VM's boot (a VM under the hypervisor)
  const trapBoots = [];
  for (let r = 1; r <= rounds; r++) {
    const trap = await attempt("trap-mode VM boot", () => m.bootVm(m.core, image, { kind: "trap", ramBytes }));
    trapBoots.push(trap.boot);
    const vm = await attempt("VM boot", () => m.bootVm(m.core, image, { kind: "bare", ramBytes }));
    const run = await attempt(`starting ${count} containers`, () => m.startContainers(vm, count, (k) => ({ name: `b${k}`, hostname: `b${k}` })));
    const c = m.compare(vm.boot, run, 1 << 30);
    comparisons.push(c);
    trapComparisons.push(m.compare(trap.boot, run, 1 << 30));
    log(`round ${r}/${rounds}: VM boot ${vm.boot.instructions} insns ${vm.boot.hostMs.toFixed(1)} ms; container start ${c.container.instructions} insns ${c.container.hostMs.toFixed(2)} ms`);
  }
  const med = (f) => m.median(comparisons.map(f));
  const vmPages = med((c) => c.vm.usedPages ?? c.vm.touchedPages);
  const ctPages = med((c) => c.container.pages);

  // Density: `dense` containers live at once in one kernel.
  const host = await attempt("VM boot for the density run", () => m.bootVm(m.core, image, { kind: "bare", ramBytes }));
  let live = 0;
  let denseError = null;
  for (let k = 1; k <= dense; k++) {
    try {
      await host.manager.run({ name: `d${k}`, hostname: `d${k}`, command: ["sleep", "100000"] });
      live++;
    } catch (e) {
      denseError = `container ${k}: ${e.message}`;
      break;
    }
  }
  // let them all run a while (exit events would arrive), then count the ones still running
  for (let i = 0; i < 50; i++) {
    host.machine.runFor(1_000_000);
    host.manager.tick();
  }
  const running = host.manager.list().filter((c) => c.state === "running").length;
  const densePages = m.touchedPages(m.guestRam(host.machine));

  return {
    kernel: g.kernel,
    ramBytes,
    rounds,
    count,
    vm: {
      bare: { instructions: med((c) => c.vm.instructions), hostMs: round(med((c) => c.vm.hostMs), 3), usedPages: vmPages, touchedPages: med((c) => c.vm.touchedPages) },
      trap: {
        instructions: m.median(trapBoots.map((b) => b.instructions)),
        hostMs: round(m.median(trapBoots.map((b) => b.hostMs)), 3),
        usedPages: m.median(trapBoots.map((b) => b.usedPages ?? b.touchedPages)),
        touchedPages: m.median(trapBoots.map((b) => b.touchedPages)),
      },
    },
    container: {
      instructions: med((c) => c.container.instructions),
      hostMs: round(med((c) => c.container.hostMs), 3),
      pages: ctPages,
      cgroupPages: comparisons[0].container.cgroupPages,
      touchedPagesPerStart: round(med((c) => c.container.touchedPages), 2),
      freePagesPerStart: round(med((c) => c.container.freePages ?? NaN), 2),
    },
    // VM = a trap-and-emulate VM of the hypervisor; bare = the same kernel booted on bare metal
    ratios: {
      instructions: round(m.median(trapComparisons.map((c) => c.ratios.instructions))),
      hostTime: round(m.median(trapComparisons.map((c) => c.ratios.hostTime))),
      memory: round(m.median(trapComparisons.map((c) => c.ratios.memory))),
    },
    ratiosBare: {
      instructions: round(med((c) => c.ratios.instructions)),
      hostTime: round(med((c) => c.ratios.hostTime)),
      memory: round(med((c) => c.ratios.memory)),
    },
    fitIn1GiB: { vms: med((c) => c.fit.vms), containers: med((c) => c.fit.containers) },
    dense: { asked: dense, started: live, running, touchedPages: densePages, bootTouchedPages: host.boot.touchedPages, error: denseError },
    targets: TARGETS,
  };
}

/** The report: a table of figures and ratios, each against its target. */
function format(f) {
  const n = (x) => (x === null || x === undefined ? "—" : x.toLocaleString("en-US"));
  const verdict = (x, t) => (x !== null && x >= t ? "meets" : "MISSES");
  return [
    `containers: ${scenario.title}`,
    `guest ${f.kernel}, ${f.ramBytes >> 20} MiB, ${f.rounds} round(s), ${f.count} container starts per round, medians`,
    "",
    "| | instructions | host ms | memory (pages) |",
    "|---|---:|---:|---:|",
    `| VM boot, bare metal (power-on → ctrd answers) | ${n(f.vm.bare.instructions)} | ${n(f.vm.bare.hostMs)} | ${n(f.vm.bare.usedPages)} used (meminfo; ${n(f.vm.bare.touchedPages)} touched) |`,
    `| VM boot, trap-and-emulate | ${n(f.vm.trap.instructions)} | ${n(f.vm.trap.hostMs)} | ${n(f.vm.trap.usedPages)} used (${n(f.vm.trap.touchedPages)} touched) |`,
    `| container start (run → reply) | ${n(f.container.instructions)} | ${n(f.container.hostMs)} | ${n(f.container.pages)} (MemFree drop ${n(f.container.freePagesPerStart)}, cgroup ${n(f.container.cgroupPages)}, touched ${n(f.container.touchedPagesPerStart)}) |`,
    "",
    `trap-mode VM boot / container start: ${n(f.ratios.instructions)}× instructions (target ≥ ${f.targets.instructions}×: ${verdict(f.ratios.instructions, f.targets.instructions)}), ` +
      `${n(f.ratios.hostTime)}× host time (target ≥ ${f.targets.hostTime}×: ${verdict(f.ratios.hostTime, f.targets.hostTime)})`,
    `trap-mode VM memory / container memory: ${n(f.ratios.memory)}× (target ≥ ${f.targets.memory}×: ${verdict(f.ratios.memory, f.targets.memory)})`,
    `against the bare-metal boot instead: ${n(f.ratiosBare.instructions)}× instructions, ${n(f.ratiosBare.hostTime)}× host time, ${n(f.ratiosBare.memory)}× memory`,
    `in 1 GiB: ${n(f.fitIn1GiB.vms)} VMs or ${n(f.fitIn1GiB.containers)} containers on one kernel`,
    `density: ${n(f.dense.started)} of ${n(f.dense.asked)} containers started in one kernel, ${n(f.dense.running)} still running after 5 × 10^7 more instructions; ` +
      `guest pages touched ${n(f.dense.bootTouchedPages)} after boot, ${n(f.dense.touchedPages)} with them all` +
      (f.dense.error ? ` (stopped at ${f.dense.error})` : "") +
      ` (target ${f.targets.dense}: ${f.dense.running >= f.targets.dense ? "meets" : "MISSES"})`,
  ].join("\n");
}

function meetsTargets(f) {
  const t = f.targets;
  return f.ratios.instructions >= t.instructions && f.ratios.hostTime >= t.hostTime && f.ratios.memory >= t.memory && f.dense.running >= t.dense;
}

/** bench/run.js entry: measure, print, record in bench/results/ unless --no-record. True when every target is met. */
export async function run(opts = {}) {
  const log = (s) => process.stderr.write(`bench: containers: ${s}\n`);
  let f;
  try {
    f = await measure({ rounds: opts.runs ?? 3, log });
  } catch (e) {
    if (!(e instanceof BenchFailure)) throw e;
    process.stdout.write(`\nFAILED: containers\n  ${e.message}\n  (nothing recorded)\n`);
    return false;
  }
  const text = format(f);
  process.stdout.write(`\n${text}\n`);
  if (opts.record !== false) {
    const date = new Date();
    const machine = machineInfo(null);
    const base = join(RESULTS, recordBaseName(date, machine, "containers"));
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(`${base}.json`, JSON.stringify({ scenario: "containers", date: date.toISOString(), machine, figures: f }, null, 2) + "\n");
    writeFileSync(`${base}.md`, `# Benchmark \`containers\`\n\n- date: ${date.toISOString()}\n- machine: ${machine.cpu}, ${machine.cores} cores\n\n${text}\n`);
    process.stdout.write(`recorded ${base.slice(ROOT.length)}.json\n`);
  }
  return meetsTargets(f);
}

/** Function symbols (STT_FUNC) of an ELF32 file, sorted by address: [[address, name], ...]. */
function elfFunctions(elf) {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = dv.getUint32(0x20, true);
  const shentsize = dv.getUint16(0x2e, true);
  const shnum = dv.getUint16(0x30, true);
  const out = [];
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    if (dv.getUint32(sh + 4, true) !== 2) continue; // SHT_SYMTAB
    const off = dv.getUint32(sh + 0x10, true);
    const size = dv.getUint32(sh + 0x14, true);
    const strSh = shoff + dv.getUint32(sh + 0x18, true) * shentsize;
    const strOff = dv.getUint32(strSh + 0x10, true);
    for (let p = off; p + 16 <= off + size; p += 16) {
      if ((elf[p + 12] & 0xf) !== 2) continue; // STT_FUNC
      let e = strOff + dv.getUint32(p, true);
      let name = "";
      while (elf[e]) name += String.fromCharCode(elf[e++]);
      out.push([dv.getUint32(p + 4, true), name]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * Where a container start spends its guest instructions: the `run` request executed in slices of
 * 1,000 instructions, EIP sampled after each and named by the kernel's symbols (user mode by page).
 * For the guest's authors: `node bench/scenarios/containers.js --profile`.
 */
export async function profile({ starts = 4, top = 25 } = {}) {
  const m = await load();
  const g = m.findGuest("unix");
  const kernel = readFileSync(join(ROOT, g.kernel));
  const image = { kernel, kernelName: g.kernel, modules: g.modules.map((x) => ({ data: readFileSync(join(ROOT, x.path)), cmdline: `${x.path} ${x.args}`.trim() })) };
  const vm = await m.bootVm(m.core, image, { kind: "bare", ramBytes: 128 << 20 });
  await vm.manager.run({ name: "warm" });
  const syms = elfFunctions(kernel);
  const name = (eip) => {
    let lo = 0;
    let hi = syms.length - 1;
    if (!syms.length || eip < syms[0][0]) return "?";
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (syms[mid][0] <= eip) lo = mid;
      else hi = mid - 1;
    }
    return syms[lo][1];
  };
  const hist = new Map();
  let samples = 0;
  let instructions = 0;
  for (let k = 1; k <= starts; k++) {
    const req = vm.manager.channel.request(["run", "--name", `p${k}`, "--hostname", `p${k}`]);
    while (!req.settled) {
      vm.machine.runFor(1000);
      vm.manager.tick();
      const eip = vm.machine.cpu.eip >>> 0;
      const where = vm.machine.cpu.cpl === 3 ? `(user code, page 0x${(eip >>> 12).toString(16)})` : name(eip);
      hist.set(where, (hist.get(where) ?? 0) + 1);
      samples++;
    }
    await req.promise;
    instructions += req.cost.instructions;
  }
  return {
    instructionsPerStart: Math.round(instructions / starts),
    samples,
    top: [...hist].sort((a, b) => b[1] - a[1]).slice(0, top).map(([where, n]) => ({ where, percent: +((n * 100) / samples).toFixed(1) })),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const known = ["--rounds", "--count", "--dense", "--profile"];
  const bad = args.find((a, i) => a.startsWith("--") && !known.includes(a) && !(i > 0 && known.includes(args[i - 1])));
  if (bad) {
    process.stderr.write(`bench: containers: unknown option '${bad}' (have: ${known.join(", ")})\n`);
    process.exit(2);
  }
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const v = args[i + 1];
    if (!/^\d+$/.test(v ?? "") || Number(v) < 1 || Number(v) > 100_000) {
      process.stderr.write(`bench: containers: ${name} wants a whole number ≥ 1, got '${v ?? ""}'\n`);
      process.exit(2);
    }
    return Number(v);
  };
  if (args.includes("--profile")) {
    const p = await profile();
    process.stdout.write(`container start: ${p.instructionsPerStart} guest instructions each; where they go (${p.samples} samples):\n`);
    for (const t of p.top) process.stdout.write(`${String(t.percent).padStart(5)} %  ${t.where}\n`);
    process.exit(0);
  }
  try {
    const f = await measure({ rounds: opt("--rounds", 3), count: opt("--count", 16), dense: opt("--dense", TARGETS.dense), log: (s) => process.stderr.write(`${s}\n`) });
    process.stdout.write(format(f) + "\n");
    process.exitCode = meetsTargets(f) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof BenchFailure || e instanceof BenchError)) throw e;
    process.stderr.write(`bench: ${e.message}\n`);
    process.exitCode = 1;
  }
}
