// One CLI verb: a name, its help, and the function that runs it and returns the exit status.
import type { CliIo } from "./io.js";

export interface Verb {
  name: string;
  summary: string;
  help: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
