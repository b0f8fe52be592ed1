// Node-only loader: reads build/tabvisor.wasm (or the debug build) from the package root with fs.
// Kept apart from core.ts so that browser bundles never import node:fs.
import { readFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Core, CoreLoadError, instantiateCore } from "./core.js";

// The core is one hot loop: compile it straight to optimised code instead of starting in V8's
// baseline tier (Liftoff) and waiting for tier-up, which costs ~10 % on runs of a few seconds.
// Compilation happens on background threads, so start-up time does not change measurably.
setFlagsFromString("--no-liftoff");

/** The directory holding tabvisor's package.json, found by walking up from this file. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).name === "tabvisor") return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new CoreLoadError("cannot find the tabvisor package root above " + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export interface NodeCoreOptions {
  /** Use build/tabvisor.debug.wasm (assertions, names) instead of the release build. */
  debug?: boolean;
  /** Explicit path to a core .wasm file. */
  wasmPath?: string;
}

/** Path of the core's .wasm file. */
export function coreWasmPath(opts: NodeCoreOptions = {}): string {
  return opts.wasmPath ?? join(packageRoot(), "build", opts.debug ? "tabvisor.debug.wasm" : "tabvisor.wasm");
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Load and instantiate a fresh core; the compiled module is cached per path. */
export async function loadCoreNode(opts: NodeCoreOptions = {}): Promise<Core> {
  const path = coreWasmPath(opts);
  let mod = compiled.get(path);
  if (!mod) {
    mod = readFile(path).then(
      (bytes) => WebAssembly.compile(bytes),
      (err: NodeJS.ErrnoException) => {
        throw new CoreLoadError(
          err.code === "ENOENT" ? `wasm core not built: ${path} is missing (run npm run build:core)` : `cannot read ${path}: ${err.message}`,
        );
      },
    );
    compiled.set(path, mod);
    mod.catch(() => compiled.delete(path));
  }
  return instantiateCore(await mod);
}
