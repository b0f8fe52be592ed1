// Cross-origin isolation for the page: SharedArrayBuffer (the terminal rings) exists only in an
// isolated page. A server that sends COOP/COEP (npm start, vite preview) isolates it directly; on
// a static host that cannot, the service worker public/coi-sw.js adds the headers and the page
// reloads once under its control. Where neither can work, the caller gets a plain reason to show.

export type Isolation = { ok: true; via: "headers" | "service-worker" } | { ok: false; reason: string };

const RELOAD_MARK = "tabvisor-coi-reload";
/** How long the fallback service worker may take to activate before the page gives up and says so. */
const SW_START_TIMEOUT_MS = 6000;

/** Resolves `ok` when isolated; may reload the page (and never resolve) to get isolated. */
export async function ensureIsolation(): Promise<Isolation> {
  if (self.crossOriginIsolated) {
    const via = navigator.serviceWorker?.controller ? "service-worker" : "headers";
    sessionStorage.removeItem(RELOAD_MARK);
    return { ok: true, via };
  }
  if (!self.isSecureContext) {
    return {
      ok: false,
      reason:
        `This page was loaded over plain http from ${location.host || "a file"}, which the browser does not ` +
        "trust with SharedArrayBuffer. Open it over https://, or as http://localhost.",
    };
  }
  if (!("serviceWorker" in navigator)) {
    return { ok: false, reason: "This server does not send the COOP/COEP headers and this browser has no service workers to add them." };
  }
  if (sessionStorage.getItem(RELOAD_MARK)) {
    sessionStorage.removeItem(RELOAD_MARK);
    return {
      ok: false,
      reason: "The page is still not cross-origin isolated after its service worker added COOP/COEP (private browsing or a blocked service worker?).",
    };
  }
  try {
    await navigator.serviceWorker.register(new URL("./coi-sw.js", location.href), { scope: "./" });
    // active: the reload below goes through it. A browser that blocks service workers never gets here.
    const started = await Promise.race([
      navigator.serviceWorker.ready.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), SW_START_TIMEOUT_MS)),
    ]);
    if (!started) {
      return {
        ok: false,
        reason: `This server does not send the COOP/COEP headers, and the service worker that adds them did not start within ${SW_START_TIMEOUT_MS / 1000} s (blocked by the browser?).`,
      };
    }
  } catch (e) {
    return { ok: false, reason: `The service worker that adds COOP/COEP could not be registered: ${(e as Error).message}` };
  }
  sessionStorage.setItem(RELOAD_MARK, "1");
  location.reload();
  return new Promise<never>(() => {});
}

/** Every SharedArrayBuffer-based feature the page relies on, checked once. */
export function missingFeatures(): string[] {
  const missing: string[] = [];
  if (typeof SharedArrayBuffer !== "function") missing.push("SharedArrayBuffer");
  if (typeof Atomics !== "object") missing.push("Atomics");
  if (typeof Worker !== "function") missing.push("Web Workers");
  if (typeof WebAssembly !== "object") missing.push("WebAssembly");
  return missing;
}
