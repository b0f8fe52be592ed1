// The shape of an engine (bench/engines/<name>.js): something that runs a scenario's guest once
// and says how long it took and what the guest printed.

/**
 * @typedef {object} EngineRun
 * @property {number} seconds          the timed interval (see the engine's `timed`)
 * @property {number} wallSeconds      the whole child process, start-up included
 * @property {string} output           everything the guest printed on COM1 (or stdout natively)
 * @property {number} [instructions]   retired instructions, for engines that count their own
 */

/**
 * @typedef {object} Engine
 * @property {string} name             command-line name (--engines)
 * @property {string} label            column label in the report
 * @property {string} timed            what `seconds` covers, for the report's notes
 * @property {(scenario: import("./scenario.js").Scenario) => Promise<string | null>} unavailable
 *           why the engine cannot run here, or null when it can
 * @property {(scenario: import("./scenario.js").Scenario, repeat: number, limits: RunLimits) => Promise<EngineRun>} runOnce
 *           throws BenchFailure when the guest does not run to its successful exit
 */

/**
 * @typedef {object} RunLimits
 * @property {number} timeoutSeconds   wall-clock limit for one run
 * @property {number} maxInstructions  instruction limit, for engines that can enforce one
 */

/** The last few lines of a child's stderr, for a one-line failure message. */
export function tail(text, lines = 2) {
  return text.trim().split("\n").slice(-lines).join(" | ").slice(0, 300);
}
