#!/usr/bin/env node
// `npm run bench` / `node bench/run.js`: runs each named scenario (bench/scenarios/) on tabvisor
// and the peers (v86 with and without its JIT, QEMU TCG, native) in one session, cross-checks
// their output, prints a table and records it in bench/results/. See docs/bench.md.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { relative } from "node:path";
import { engine as native } from "./engines/native.js";
import { BenchError, BenchFailure } from "./lib/bench-error.js";
import { callgrindCount } from "./lib/instructions.js";
import { HELP, parseOptions } from "./lib/options.js";
import { fromRoot, ROOT } from "./lib/paths.js";
import { formatPartsTable, formatTable, machineInfo, summarise, writeRecord } from "./lib/report.js";
import { loadScenario, scenarioNames, scenarioPart } from "./lib/scenario.js";
import { crossCheck } from "./lib/transcripts.js";

const progress = (text) => process.stderr.write(`bench: ${text}\n`);

function v86Version() {
  try {
    return JSON.parse(readFileSync(createRequire(import.meta.url).resolve("v86/package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

/** Runs every available engine `runs` times, round-robin so that slow drifts of the machine touch
 * them all alike. An engine that fails once is not run again. */
async function runRounds(name, engines, scenario, repeat, runs, limits) {
  for (let run = 1; run <= runs; run++) {
    for (const e of engines.filter((x) => x.status === "ok")) {
      try {
        const r = await e.runOnce(scenario, repeat, limits);
        e.runs.push(r);
        progress(`${name}: run ${run}/${runs} ${e.name} ${r.seconds.toFixed(3)} s`);
      } catch (err) {
        if (!(err instanceof BenchFailure)) throw err;
        Object.assign(e, { status: "failed", reason: err.message });
        progress(`${name}: ${e.name} FAILED: ${err.message}`);
      }
    }
  }
}

/** The cross-check of every run's transcript, plus tabvisor's determinism. */
function checkRuns(scenario, engines, counted) {
  const transcripts = engines.flatMap((e) => e.runs.map((r, i) => ({ label: e.label, run: i + 1, output: r.output })));
  const nativeRun = engines.find((e) => e.name === "native")?.runs[0];
  const reference = nativeRun
    ? { label: native.label, output: nativeRun.output }
    : counted?.output
      ? { label: "native under callgrind", output: counted.output }
      : transcripts[0];
  const check = reference ? crossCheck(scenario.checksumPattern, reference, transcripts) : { checksum: null, problems: ["no engine ran"] };
  const selfCounts = new Set(engines.find((e) => e.name === "tabvisor")?.runs.map((r) => r.instructions));
  if (selfCounts.size > 1) check.problems.push(`tabvisor retired different instruction counts across runs: ${[...selfCounts].join(", ")} (virtual time must be deterministic)`);
  return check;
}

/** Runs one scenario on the chosen engines and reports it. `ok`: every engine that ran agreed. */
async function benchScenario(scenario, opts) {
  const name = scenario.name;
  const repeat = opts.repeat ?? scenario.defaultRepeat;
  if (!existsSync(fromRoot(scenario.kernel))) throw new BenchError(`${scenario.kernel} is missing (make -C bench/guests)`);

  const counted = await callgrindCount(scenario, repeat, { recount: opts.recount, log: progress });
  const callgrind = counted?.record.instructions ?? null;
  const limits = { timeoutSeconds: opts.timeout, maxInstructions: callgrind ? callgrind * 2 + 1e7 : 1e11 };

  const loadBefore = loadavg()[0];
  if (loadBefore > cpus().length) progress(`load average ${loadBefore.toFixed(1)} on ${cpus().length} cores: other jobs are running, figures will be noisy`);
  const engines = [];
  for (const e of opts.engines.filter((x) => !scenario.engines || scenario.engines.includes(x.name))) {
    const reason = await e.unavailable(scenario);
    if (reason) progress(`${name}: ${e.name} unavailable: ${reason}`);
    engines.push({ ...e, status: reason ? "unavailable" : "ok", ...(reason ? { reason } : {}), runs: [] });
  }
  await runRounds(name, engines, scenario, repeat, opts.runs, limits);
  const check = checkRuns(scenario, engines, counted);
  const rows = summarise(engines, callgrind);
  const tabRow = rows.find((r) => r.name === "tabvisor");
  const own = tabRow?.instructionsSource === "self" ? tabRow.instructions : null;

  process.stdout.write(`\n${scenario.name}: ${scenario.title}\n`);
  process.stdout.write(`command line "${scenario.cmdline(repeat)}", ${opts.runs} run(s) per engine, instructions: ` +
    `${callgrind?.toLocaleString("en-US") ?? "—"} (callgrind), ${own?.toLocaleString("en-US") ?? "—"} (tabvisor)\n\n`);
  process.stdout.write(formatTable(rows) + "\n");

  const failed = rows.filter((r) => r.status === "failed");
  if (check.problems.length || failed.length) {
    process.stdout.write(`\nFAILED: ${name}\n`);
    for (const r of failed) process.stdout.write(`  ${r.label}: ${r.reason}\n`);
    for (const p of check.problems) process.stdout.write(`  ${p}\n`);
    process.stdout.write("  (nothing recorded)\n");
    return { ok: false, rows };
  }
  process.stdout.write(`\nchecksum ${check.checksum}: the same transcript from every engine that ran\n`);
  if (opts.record) {
    const record = {
      scenario: scenario.name,
      title: scenario.title,
      date: new Date().toISOString(),
      machine: { ...machineInfo(v86Version()), loadAverage: { before: loadBefore, after: loadavg()[0] } },
      kernel: scenario.kernel,
      cmdline: scenario.cmdline(repeat),
      runs: opts.runs,
      checksum: check.checksum,
      instructions: {
        callgrind,
        callgrindTool: counted?.record.tool ?? null,
        tabvisor: own,
        differencePercent: callgrind && own ? ((own - callgrind) / callgrind) * 100 : null,
      },
      engines: rows,
    };
    for (const path of writeRecord(record, rows)) process.stdout.write(`recorded ${relative(ROOT, path)}\n`);
  }
  return { ok: true, rows };
}

/** --per-kernel: each part of the scenario on its own (not recorded), then MIPS by part. */
async function benchParts(scenario, opts) {
  const results = [];
  for (const part of scenario.parts) results.push({ part, ...(await benchScenario(scenarioPart(scenario, part), { ...opts, record: false })) });
  process.stdout.write(`\n${scenario.name}: MIPS by kernel\n\n${formatPartsTable(results)}\n`);
  return results.every((r) => r.ok);
}

async function main(argv) {
  const opts = parseOptions(argv);
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const named = opts.scenarios.length > 0;
  let scenarios = [];
  for (const n of named ? opts.scenarios : scenarioNames()) scenarios.push(await loadScenario(n));
  // --per-kernel: the scenarios that have parts (a named one without parts is an error below).
  if (opts.perKernel && !named) scenarios = scenarios.filter((s) => s.parts);
  // Usage errors surface before anything runs.
  for (const s of scenarios) {
    if (opts.perKernel && !s.parts) throw new BenchError(`scenario ${s.name} has no parts to run one by one`);
    if (!s.run && opts.repeat !== null && opts.repeat > s.maxRepeat) {
      throw new BenchError(`--repeat ${opts.repeat} is more than scenario ${s.name} allows (${s.maxRepeat})`);
    }
  }
  let ok = true;
  // A scenario with its own run() measures something other than one guest on every engine (containers).
  for (const s of scenarios) ok = (s.run ? await s.run(opts) : opts.perKernel ? await benchParts(s, opts) : (await benchScenario(s, opts)).ok) && ok;
  return ok ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // System errors (a results directory that cannot be written, a full disk) are one line too.
  const systemError = typeof err?.code === "string" && typeof err?.syscall === "string";
  if (!(err instanceof BenchError || err instanceof BenchFailure || systemError)) throw err;
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = err instanceof BenchError ? 2 : 1;
}
