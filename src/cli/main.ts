// The tabvisor command: dispatch to one function per verb; every failure becomes one line on
// stderr and a documented exit status (docs/cli.md).
import { CoreLoadError, GuestRamError } from "../core/core.js";
import { STATUS_INTERNAL, STATUS_USAGE, UsageError } from "./exit-status.js";
import { processIo, type CliIo } from "./io.js";
import { runVerb } from "./run.js";
import { vmsVerb } from "./vms.js";
import { containersVerb } from "./containers.js";
import type { Verb } from "./verb.js";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const VERBS: readonly Verb[] = [runVerb, vmsVerb, containersVerb];

function overview(): string {
  const width = Math.max(...VERBS.map((v) => v.name.length)) + 4;
  return `usage: tabvisor COMMAND [options]

x86-style (i386) machines headless in Node.

commands:
${VERBS.map((v) => `  ${v.name.padEnd(width)}${v.summary}`).join("\n")}

'tabvisor COMMAND --help' describes a command. Exit statuses: docs/cli.md.
`;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) throw new UsageError("missing command (try tabvisor --help)");
    if (first === "--help" || first === "-h" || first === "help") {
      const verb = VERBS.find((v) => v.name === rest[0]);
      io.stdout.write(verb ? verb.help : overview());
      return 0;
    }
    const verb = VERBS.find((v) => v.name === first);
    if (!verb) {
      throw new UsageError(first.startsWith("-") ? `unknown option '${first}' (try tabvisor --help)` : `unknown command '${first}' (try tabvisor --help)`);
    }
    return await verb.run(rest, io);
  } catch (err) {
    if (err instanceof GuestRamError) {
      io.stderr.write(`tabvisor: ${err.message} (try a smaller --mem)\n`);
      return STATUS_USAGE;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`tabvisor: ${err.message}\n`);
      return STATUS_USAGE;
    }
    if (err instanceof CoreLoadError) {
      io.stderr.write(`tabvisor: ${err.message}\n`);
      return STATUS_INTERNAL;
    }
    const e = err as Error;
    io.stderr.write(`tabvisor: internal error: ${e?.message ?? String(err)}\n`);
    return STATUS_INTERNAL;
  }
}

/** Run as a script (`node dist/src/cli/main.js …`, not through bin/tabvisor.js or a test's import):
 * the same as bin/tabvisor.js — run, then exit with the status once stdout and stderr have drained. */
function isEntryScript(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryScript()) {
  const status = await main(process.argv.slice(2));
  process.stdout.write("", () => process.stderr.write("", () => process.exit(status)));
}
