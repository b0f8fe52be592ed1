// A small command-line option parser: `--name value`, `--name=value`, boolean flags, repeatable
// options and positional arguments. Errors are UsageError with one line for the user.
import { UsageError } from "./exit-status.js";

export interface OptionSpec {
  name: string; //           without the leading "--"
  value?: string; //         placeholder for help ("MiB"); absent for a boolean flag
  repeatable?: boolean;
  help: string;
}

export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string[]>;
  flags: Set<string>;
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], context: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParsedArgs = { positionals: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = (eq >= 0 ? arg.slice(0, eq) : arg).replace(/^--?/, "");
    const spec = byName.get(name);
    if (!spec || !arg.startsWith("--")) throw new UsageError(`unknown option '${eq >= 0 ? arg.slice(0, eq) : arg}' (see tabvisor ${context} --help)`);
    if (!spec.value) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new UsageError(`option --${name} needs a value (${spec.value})`);
    const list = out.values.get(name) ?? [];
    if (list.length && !spec.repeatable) throw new UsageError(`option --${name} given more than once`);
    list.push(value);
    out.values.set(name, list);
  }
  return out;
}

/** A whole number in [min, max] written in decimal (underscores allowed: 1_000_000). */
export function parseInteger(text: string, option: string, min: number, max: number): number {
  const clean = text.replace(/_/g, "");
  if (!/^\d+$/.test(clean)) throw new UsageError(`--${option} wants a whole number, got '${text}'`);
  const n = Number(clean);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${option} must be between ${min} and ${max}, got ${text}`);
  return n;
}

export function formatOptions(specs: readonly OptionSpec[]): string {
  const left = specs.map((s) => `  --${s.name}${s.value ? " " + s.value : ""}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return specs.map((s, i) => left[i].padEnd(width) + s.help).join("\n");
}
