// The shape of a benchmark scenario (bench/scenarios/<name>.js, one file per named scenario) and
// the registry that finds them by name.
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { BenchError } from "./bench-error.js";

/**
 * @typedef {object} Scenario
 * @property {string} name            file name under bench/scenarios/, without .js
 * @property {string} title           one line for the report
 * @property {string} kernel          Multiboot ELF, relative to the repository root
 * @property {string} [native]        the same workload as a static Linux i386 program, if any
 * @property {string[]} [engines]     the engines that apply (default: all)
 * @property {number} defaultRepeat   size knob used when --repeat is not given
 * @property {number} maxRepeat
 * @property {(repeat: number) => string} cmdline  the guest's command line for a size
 * @property {string[]} [parts]       separately runnable pieces of the workload (--per-kernel)
 * @property {(repeat: number, part: string) => string} [partCmdline]  command line for one part
 * @property {number} memMiB          guest RAM for every emulator
 * @property {RegExp} checksumPattern matches the transcript's checksum line
 */

const scenarioDir = fileURLToPath(new URL("../scenarios/", import.meta.url));

export function scenarioNames() {
  return readdirSync(scenarioDir)
    .filter((f) => f.endsWith(".js"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** The scenario narrowed to one of its parts: same guest, that part's command line. */
export function scenarioPart(scenario, part) {
  return {
    ...scenario,
    name: `${scenario.name}:${part}`,
    title: `${scenario.title}; kernel ${part} only`,
    cmdline: (repeat) => scenario.partCmdline(repeat, part),
  };
}

/** @returns {Promise<Scenario>} */
export async function loadScenario(name) {
  if (!scenarioNames().includes(name)) {
    throw new BenchError(`unknown scenario '${name}' (have: ${scenarioNames().join(", ")})`);
  }
  const mod = await import(pathToFileURL(join(scenarioDir, `${name}.js`)).href);
  return mod.scenario;
}
