// Turns measured runs into the report: per-engine medians, MIPS and the ratio against tabvisor;
// the table printed on stdout; the JSON and Markdown records written to bench/results/.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { RESULTS_DIR, ROOT } from "./paths.js";

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * @typedef {object} EngineSummary
 * @property {string} name
 * @property {string} label
 * @property {string} timed
 * @property {"ok" | "unavailable" | "failed"} status
 * @property {string} [reason]               why unavailable or failed
 * @property {number[]} seconds              every run, in order
 * @property {number[]} wallSeconds
 * @property {number | null} medianSeconds
 * @property {number | null} instructions    the count behind `mips`
 * @property {"callgrind" | "self" | "tabvisor" | null} instructionsSource
 * @property {number | null} mips
 * @property {number | null} vsTabvisor      tabvisor's median time / this engine's (>1: faster)
 */

/**
 * @param {{ name: string, label: string, timed: string, status: string, reason?: string,
 *           runs: import("./engine.js").EngineRun[] }[]} engines
 * @param {number | null} callgrind  the native build's instruction count; without one, engines
 *                                   that cannot count use tabvisor's (the guest is deterministic)
 * @returns {EngineSummary[]}
 */
export function summarise(engines, callgrind) {
  const ownCount = (e) => e.runs.find((r) => typeof r.instructions === "number")?.instructions ?? null;
  const tabvisorCount = ownCount(engines.find((e) => e.name === "tabvisor") ?? { runs: [] });
  const [peerCount, peerSource] = callgrind !== null ? [callgrind, "callgrind"] : [tabvisorCount, "tabvisor"];
  const rows = engines.map((e) => {
    const ok = e.status === "ok" && e.runs.length > 0;
    const seconds = e.runs.map((r) => r.seconds);
    const medianSeconds = ok ? median(seconds) : null;
    const own = ownCount(e);
    const instructions = ok ? (own ?? peerCount) : null;
    return {
      name: e.name,
      label: e.label,
      timed: e.timed,
      status: e.status,
      ...(e.reason ? { reason: e.reason } : {}),
      seconds,
      wallSeconds: e.runs.map((r) => r.wallSeconds),
      medianSeconds,
      instructions,
      instructionsSource: instructions === null ? null : own !== null ? "self" : peerSource,
      mips: instructions === null ? null : instructions / medianSeconds / 1e6,
      vsTabvisor: null,
    };
  });
  const tab = rows.find((r) => r.name === "tabvisor" && r.medianSeconds !== null);
  for (const r of rows) if (tab && r.medianSeconds !== null) r.vsTabvisor = tab.medianSeconds / r.medianSeconds;
  return rows;
}

const fmt = {
  seconds: (s) => (s === null ? "—" : s.toFixed(3)),
  mips: (m) => (m === null ? "—" : m >= 100 ? m.toFixed(0) : m.toFixed(1)),
  ratio: (r) => (r === null ? "—" : `${r.toFixed(2)}×`),
  spread: (xs) => (xs.length > 1 ? `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}` : ""),
};

function tableRow(r) {
  return [r.label, fmt.seconds(r.medianSeconds), fmt.spread(r.seconds), fmt.mips(r.mips), fmt.ratio(r.vsTabvisor)];
}

function notRun(r) {
  return `${r.label}: ${r.status}${r.reason ? ` (${r.reason})` : ""}`;
}

const HEADER = ["engine", "median s", "min–max s", "MIPS", "speed vs tabvisor"];

/** Aligned plain-text columns: the first left-aligned, the others right-aligned. */
function textTable(header, body) {
  const width = header.map((_, c) => Math.max(...[header, ...body].map((row) => row[c].length)));
  const line = (row) => row.map((cell, c) => (c === 0 ? cell.padEnd(width[c]) : cell.padStart(width[c]))).join("  ");
  return [line(header), width.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** The plain-text table for stdout; engines that did not run are listed under it. */
export function formatTable(rows) {
  const body = rows.filter((r) => r.status === "ok").map(tableRow);
  return [textTable(HEADER, body), ...rows.filter((r) => r.status !== "ok").map(notRun)].join("\n");
}

/** The Markdown table for the record; engines that did not run are listed under it. */
export function formatMarkdownTable(rows) {
  const body = rows.filter((r) => r.status === "ok").map(tableRow);
  const missing = rows.filter((r) => r.status !== "ok").map((r) => `- ${notRun(r)}`);
  return [
    `| ${HEADER.join(" | ")} |`,
    `|---|---:|---:|---:|---:|`,
    ...body.map((row) => `| ${row.join(" | ")} |`),
    ...(missing.length ? ["", ...missing] : []),
  ].join("\n");
}

/**
 * The --per-kernel summary: one row per part, one MIPS column per engine that ran.
 * @param {{ part: string, rows: EngineSummary[] }[]} results
 */
export function formatPartsTable(results) {
  const engines = [...new Set(results.flatMap((r) => r.rows.filter((x) => x.mips !== null).map((x) => x.name)))];
  const header = ["kernel", ...engines.map((e) => `${e} MIPS`)];
  const body = results.map((r) => [r.part, ...engines.map((e) => fmt.mips(r.rows.find((x) => x.name === e)?.mips ?? null))]);
  return textTable(header, body);
}

function commandOutput(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"], timeout: 10000 }).toString().trim();
  } catch {
    return null;
  }
}

/** What the record says about the machine and the software measured. */
export function machineInfo(v86Version) {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    cores: cpuList.length,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    os: `${platform()} ${release()}`,
    node: process.version,
    v86: v86Version,
    qemu: commandOutput("qemu-system-i386", ["--version"])?.split("\n")[0] ?? null,
    commit: commandOutput("git", ["rev-parse", "--short", "HEAD"]),
    // Uncommitted changes to what the figures depend on: the core, the host, the guests.
    dirty: (commandOutput("git", ["status", "--porcelain", "--untracked-files=no", "--", "assembly", "src", "bench/guests"]) ?? "") !== "",
  };
}

function slug(text) {
  return text.toLowerCase().replace(/\([^)]*\)/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** bench/results/<date>T<time>Z-<cpu>-<cores>c-<scenario>, without extension. */
export function recordBaseName(date, machine, scenarioName) {
  const stamp = date.toISOString().slice(0, 16).replace(":", "") + "Z";
  return `${stamp}-${slug(machine.cpu)}-${machine.cores}c-${scenarioName}`;
}

/**
 * Writes <base>.json and <base>.md into bench/results/ and returns their paths.
 * @param {object} record   see docs/bench.md for its fields
 */
export function writeRecord(record, rows) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const base = join(RESULTS_DIR, recordBaseName(new Date(record.date), record.machine, record.scenario));
  writeFileSync(`${base}.json`, JSON.stringify(record, null, 2) + "\n");
  writeFileSync(`${base}.md`, markdownRecord(record, rows));
  return [`${base}.json`, `${base}.md`];
}

/** A number with its sign; `digits` significant digits when given. */
function signed(x, digits) {
  return (x >= 0 ? "+" : "") + (digits ? x.toPrecision(digits) : x.toLocaleString("en-US"));
}

function markdownRecord(record, rows) {
  const m = record.machine;
  const n = record.instructions;
  const count = (x) => (x === null ? "—" : x.toLocaleString("en-US"));
  const lines = [
    `# Benchmark \`${record.scenario}\`: ${record.title}`,
    "",
    `- date: ${record.date}`,
    `- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryMiB} MiB, ${m.os}; ` +
      `load average (1 min) ${m.loadAverage.before.toFixed(2)} before, ${m.loadAverage.after.toFixed(2)} after`,
    `- software: Node ${m.node}, v86 ${m.v86 ?? "—"}, ${m.qemu ?? "QEMU —"}; tabvisor commit ${m.commit ?? "—"}${m.dirty ? " (with uncommitted changes to assembly/, src/ or bench/guests/)" : ""}`,
    `- guest: \`${record.kernel}\` with command line \`${record.cmdline}\`; ${record.runs} runs per engine, medians`,
    `- instructions: ${count(n.callgrind)} by callgrind (native build), ${count(n.tabvisor)} retired by tabvisor` +
      (n.differencePercent === null ? "" : ` (${signed(n.tabvisor - n.callgrind)}, ${signed(n.differencePercent, 2)} %)`),
    `- checksum: \`${record.checksum}\`, the same transcript from every engine`,
    "",
    formatMarkdownTable(rows),
    "",
    "MIPS: tabvisor's own retired-instruction count over its time; for the others callgrind's count of",
    "the native build (or, without one, tabvisor's count) over their time. Speed vs tabvisor:",
    "tabvisor's median time over the engine's.",
    "",
    "Timed:",
    ...rows.map((r) => `- ${r.label}: ${r.timed}`),
    "",
  ];
  return lines.join("\n");
}
