// Command-line options of bench/run.js.
import { ENGINES } from "../engines/index.js";
import { BenchError } from "./bench-error.js";
import { scenarioNames } from "./scenario.js";

const DEFAULT_RUNS = 3;
const DEFAULT_TIMEOUT = 600;

export const HELP = `usage: node bench/run.js [SCENARIO...] [options]     (npm run bench -- [options])

Runs each scenario (default: all of ${scenarioNames().join(", ")}) on every engine, checks that
all engines print the same transcript, prints a table and records JSON + Markdown in
bench/results/.

  --runs N         runs per engine, medians reported (default ${DEFAULT_RUNS})
  --repeat N       the scenario's size knob (default: the scenario's own)
  --engines LIST   comma-separated subset of: ${ENGINES.map((e) => e.name).join(", ")}
  --timeout S      wall-clock limit for one run in seconds (default ${DEFAULT_TIMEOUT})
  --per-kernel     run each kernel of the scenario on its own and tabulate MIPS by kernel
                   (a diagnostic: prints only, records nothing)
  --recount        measure the callgrind instruction count again
  --no-record      print the table only; write nothing to bench/results/
  --help           show this help

Exit status: 0 all engines that could run agreed; 1 an engine failed or printed a different
transcript; 2 bad usage or missing inputs.
`;

function parseCount(text, option, min, max) {
  if (text === undefined) throw new BenchError(`option ${option} needs a value`);
  if (!/^\d+$/.test(text) || +text < min || +text > max) throw new BenchError(`${option} wants a whole number in ${min}..${max}, got '${text}'`);
  return +text;
}

export function parseOptions(argv) {
  const opts = { scenarios: [], runs: DEFAULT_RUNS, repeat: null, engines: ENGINES, timeout: DEFAULT_TIMEOUT, recount: false, record: true, perKernel: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=") ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case "--runs": opts.runs = parseCount(value(), flag, 1, 100); break;
      case "--repeat": opts.repeat = parseCount(value(), flag, 1, 1e6); break;
      case "--timeout": opts.timeout = parseCount(value(), flag, 1, 86400); break;
      case "--engines": {
        const list = value();
        if (list === undefined) throw new BenchError("option --engines needs a value");
        const names = list.split(",").map((s) => s.trim()).filter(Boolean);
        const unknown = names.filter((n) => !ENGINES.some((e) => e.name === n));
        if (unknown.length || !names.length) throw new BenchError(`unknown engine '${unknown[0] ?? list}' (have: ${ENGINES.map((e) => e.name).join(", ")})`);
        opts.engines = ENGINES.filter((e) => names.includes(e.name));
        break;
      }
      case "--recount": opts.recount = true; break;
      case "--per-kernel": opts.perKernel = true; opts.record = false; break;
      case "--no-record": opts.record = false; break;
      case "--help": case "-h": opts.help = true; break;
      default:
        if (flag.startsWith("-")) throw new BenchError(`unknown option '${flag}' (see --help)`);
        opts.scenarios.push(flag);
    }
  }
  return opts;
}
