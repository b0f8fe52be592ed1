// Vite serves and builds the page (web/). Dev server and preview send the cross-origin-isolation
// headers SharedArrayBuffer needs; the static build (web-dist/) uses relative URLs so it works
// from any directory of any static host, with web/public/coi-sw.js supplying the headers where
// the host cannot. The page reaches build/tabvisor.wasm and guests/images/ by URL.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL(".", import.meta.url));

/** COOP + COEP: the page becomes cross-origin isolated (HTML standard), so SharedArrayBuffer exists. */
export const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  root: fileURLToPath(new URL("./web", import.meta.url)),
  base: "./",
  clearScreen: false,
  server: { headers: ISOLATION_HEADERS, fs: { allow: [repoRoot] } },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: "es" },
  build: {
    outDir: fileURLToPath(new URL("./web-dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
});
