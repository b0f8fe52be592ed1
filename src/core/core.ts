// The wasm CPU core as the host sees it: instantiation from bytes or a compiled module (browser and
// Node alike) and the typed exports of docs/core-api.md. Reading the .wasm file is the loaders' job
// (load-node.ts, load-browser.ts); nothing here touches fs or fetch.
import * as L from "../../assembly/layout.js";
import { CpuState } from "./state.js";

/** The export surface of build/tabvisor.wasm (docs/core-api.md, "Exports"). */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  /** 1 on success, 0 if the memory could not grow. */
  init(ramBytes: number): number;
  run(budget: number): number;
  sync(): void;
  stateBase(): number;
  ramAreaBase(): number;
  tlbBase(): number;
}

/** A core whose wasm could not be instantiated or does not have the agreed exports. */
export class CoreLoadError extends Error {
  override name = "CoreLoadError";
}

/** The wasm memory could not grow to hold the requested guest RAM. */
export class GuestRamError extends Error {
  override name = "GuestRamError";
}

const REQUIRED_EXPORTS = ["memory", "init", "run", "sync", "stateBase", "ramAreaBase", "tlbBase"] as const;

/** One instantiated core: its exports plus typed views of its vCPU state block. */
export class Core {
  readonly exports: CoreExports;
  readonly state: CpuState;

  constructor(exports: CoreExports) {
    for (const name of REQUIRED_EXPORTS) {
      if (!(name in exports)) throw new CoreLoadError(`wasm core lacks the export '${name}'`);
    }
    if (exports.stateBase() !== L.STATE_BASE || exports.ramAreaBase() !== L.RAM_AREA_BASE) {
      throw new CoreLoadError(
        `wasm core layout differs from assembly/layout.ts (stateBase ${exports.stateBase()}, ` +
          `ramAreaBase ${exports.ramAreaBase()}); rebuild it with npm run build:core`,
      );
    }
    this.exports = exports;
    this.state = new CpuState(exports.memory);
  }

  /** Power on with `ramBytes` of guest RAM (a multiple of 4 KiB); grows memory, so views refresh. */
  init(ramBytes: number): void {
    if (ramBytes <= 0 || ramBytes % 4096 !== 0) throw new RangeError(`RAM size ${ramBytes} is not a positive multiple of 4 KiB`);
    if (!this.exports.init(ramBytes)) {
      throw new GuestRamError(`cannot allocate ${ramBytes / (1 << 20)} MiB of guest RAM in wasm memory`);
    }
    this.state.refresh();
  }

  /** Execute at most `budget` instructions; returns the exit reason (EXIT_*). */
  run(budget: number): number {
    return this.exports.run(budget);
  }

  /** Re-derive the core's cached state after the host wrote the state block (docs/core-api.md). */
  sync(): void {
    this.exports.sync();
  }
}

/** Imports the core may ask for. The release build needs none; these keep a debug build usable. */
function coreImports(): WebAssembly.Imports {
  return {
    env: {
      abort(_msg: number, _file: number, line: number, column: number): never {
        throw new CoreLoadError(`wasm core aborted at line ${line}:${column}`);
      },
      seed(): number {
        return 0; // deterministic: the core must not depend on host entropy
      },
    },
  };
}

/** Instantiate the core from wasm bytes or an already compiled module. */
export async function instantiateCore(source: BufferSource | WebAssembly.Module): Promise<Core> {
  let instance: WebAssembly.Instance;
  try {
    instance =
      source instanceof WebAssembly.Module
        ? await WebAssembly.instantiate(source, coreImports())
        : (await WebAssembly.instantiate(source, coreImports())).instance;
  } catch (err) {
    throw new CoreLoadError(`cannot instantiate the wasm core: ${(err as Error).message}`);
  }
  return new Core(instance.exports as unknown as CoreExports);
}
