// Where the benchmark finds things: the repository root and paths inside it.
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const RESULTS_DIR = resolve(ROOT, "bench/results");

/** An absolute path for a path relative to the repository root. */
export function fromRoot(path) {
  return resolve(ROOT, path);
}
