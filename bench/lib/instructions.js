// Dynamic instruction counts of a scenario's native build under valgrind's callgrind, measured once
// per (native binary, command line) and kept in bench/results/instruction-counts.json. The peers
// cannot count their own instructions; this count turns their times into MIPS.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BenchError, BenchFailure } from "./bench-error.js";
import { fromRoot, RESULTS_DIR } from "./paths.js";
import { runProcess } from "./process.js";

export const COUNTS_FILE = join(RESULTS_DIR, "instruction-counts.json");

/**
 * @typedef {object} CountRecord
 * @property {string} scenario
 * @property {string} native         path of the native build, relative to the repository root
 * @property {string} nativeSha256
 * @property {string} cmdline
 * @property {number} instructions   callgrind's "Collected" Ir total for the whole process
 * @property {string} tool           e.g. "valgrind-3.19.0 --tool=callgrind"
 * @property {string} measured       ISO date
 */

function readCounts() {
  if (!existsSync(COUNTS_FILE)) return {};
  try {
    return JSON.parse(readFileSync(COUNTS_FILE, "utf8"));
  } catch (e) {
    throw new BenchError(`${COUNTS_FILE}: not valid JSON (${e.message}); fix or delete it`);
  }
}

export function countKey(nativeSha256, cmdline) {
  return `${nativeSha256.slice(0, 16)} ${cmdline}`;
}

/** Parses callgrind's summary ("==PID== Collected : N") from its stderr. */
export function parseCallgrindTotal(stderr) {
  const m = /Collected\s*:\s*(\d+)/.exec(stderr);
  return m ? Number(m[1]) : null;
}

/**
 * The callgrind count for this scenario and size: from the record when the native binary is
 * unchanged, else measured now (and recorded) when valgrind is installed. Returns null when it
 * is neither recorded nor measurable. `recount` forces a new measurement.
 * @returns {Promise<{ record: CountRecord, output: string | null } | null>}
 */
export async function callgrindCount(scenario, repeat, { recount = false, log = () => {} } = {}) {
  if (!scenario.native) return null;
  const nativePath = fromRoot(scenario.native);
  if (!existsSync(nativePath)) return null;
  const nativeSha256 = createHash("sha256").update(readFileSync(nativePath)).digest("hex");
  const cmdline = scenario.cmdline(repeat);
  const key = countKey(nativeSha256, cmdline);
  const counts = readCounts();
  if (!recount && counts[key]) return { record: counts[key], output: null };

  const version = await runProcess("valgrind", ["--version"], { timeoutSeconds: 30 });
  if (version.spawnError || version.status !== 0) return null;
  log(`counting instructions: valgrind --tool=callgrind ${scenario.native} ${cmdline} (once; recorded in bench/results/)`);
  const r = await runProcess("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", nativePath, cmdline], { timeoutSeconds: 1800 });
  const instructions = parseCallgrindTotal(r.stderr.toString());
  if (r.status !== 0 || instructions === null) {
    throw new BenchFailure(`callgrind on ${scenario.native} failed (exit ${r.status ?? r.signal}): ${r.stderr.toString().trim().split("\n").slice(-1)[0] ?? ""}`);
  }
  /** @type {CountRecord} */
  const record = {
    scenario: scenario.name,
    native: scenario.native,
    nativeSha256,
    cmdline,
    instructions,
    tool: `${version.stdout.toString().trim()} --tool=callgrind`,
    measured: new Date().toISOString(),
  };
  const fresh = readCounts();
  fresh[key] = record;
  writeFileSync(COUNTS_FILE, JSON.stringify(fresh, null, 2) + "\n");
  return { record, output: r.stdout.toString() };
}
