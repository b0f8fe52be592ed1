// Browser (and worker) loader: fetches the core's .wasm by URL. Vite resolves the default URL as an
// asset; callers may pass their own.
import { Core, CoreLoadError, instantiateCore } from "./core.js";

let compiled: Promise<WebAssembly.Module> | null = null;

/** Fetch, compile (once) and instantiate a fresh core. */
export async function loadCoreBrowser(url: URL | string = new URL("../../build/tabvisor.wasm", import.meta.url)): Promise<Core> {
  if (!compiled) {
    compiled = (async () => {
      const res = await fetch(url);
      if (!res.ok) throw new CoreLoadError(`cannot fetch the wasm core from ${String(url)}: HTTP ${res.status}`);
      if (typeof WebAssembly.compileStreaming === "function" && res.headers.get("content-type") === "application/wasm") {
        return WebAssembly.compileStreaming(res);
      }
      return WebAssembly.compile(await res.arrayBuffer());
    })();
    compiled.catch(() => (compiled = null));
  }
  return instantiateCore(await compiled);
}
