// What the end-to-end tests drive: the page built by Vite (the static site of npm run build),
// served three ways — Vite's preview server as npm start runs it (COOP/COEP headers), Vite's dev
// server as npm run dev runs it, and a plain static file server that sends no such headers (the
// service-worker fallback must isolate the page) — and Debian's Chromium through playwright-core.
// Servers listen on free localhost ports; everything is closed by the returned functions.
import { createServer as createHttpServer, type Server } from "node:http";
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build, createServer, preview } from "vite";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

/** What web/main.ts exposes on window (a structural view; the page owns the real types). */
interface PagePanel {
  text(view?: "com1" | "vga"): string;
  firstOutputMs: number | null;
  stats: { state: string; instructions: number; exits: Record<string, number> } | null;
  refresh(): Promise<void>;
  com1: { term: import("@xterm/xterm").Terminal };
  vgaCols(): number;
  vgaRows(): number;
}
declare global {
  interface Window {
    tabvisor: { panels: PagePanel[]; ready: Promise<void>; isolation: string };
  }
}

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CONFIG = join(ROOT, "vite.config.ts");
export const CHROMIUM = "/usr/bin/chromium";

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Build the page into a fresh temporary directory (as npm run build does into web-dist/). */
export async function buildSite(): Promise<{ dir: string; remove(): void }> {
  if (!existsSync(join(ROOT, "build/tabvisor.wasm"))) throw new Error("build/tabvisor.wasm is missing: run npm run build:core first");
  const dir = mkdtempSync(join(tmpdir(), "tabvisor-site-"));
  await build({ configFile: CONFIG, logLevel: "error", build: { outDir: dir, emptyOutDir: true } });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Vite's preview server over a built site: what npm start serves. */
export async function servePreview(dir: string): Promise<Served> {
  const server = await preview({ configFile: CONFIG, logLevel: "error", build: { outDir: dir }, preview: { port: 0, host: "127.0.0.1" } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("vite preview did not report its address");
  return { url, close: () => server.close() };
}

/** Vite's dev server: what npm run dev serves. */
export async function serveDev(): Promise<Served> {
  const server = await createServer({ configFile: CONFIG, logLevel: "error", server: { port: 0, host: "127.0.0.1" } });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("vite dev server did not report its address");
  return { url, close: () => server.close() };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** A plain static file server: files and content types only, no COOP/COEP (a typical static host). */
export async function serveStatic(dir: string): Promise<Served> {
  const server: Server = createHttpServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    let file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) && file !== dir) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("static server has no port");
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * For one test file: the page built and served by Vite's preview server (as npm start serves it)
 * and a Chromium, made before its tests and closed after them (not at all when `enabled` is
 * false: the file's tests skip). The fields are set once they start.
 */
export function previewFixture(enabled = true): { server: Served; browser: Browser } {
  const f = {} as { server: Served; browser: Browser };
  let site: Awaited<ReturnType<typeof buildSite>> | undefined;
  beforeAll(async () => {
    if (!enabled) return;
    site = await buildSite();
    f.server = await servePreview(site.dir);
    f.browser = await launchChromium();
  });
  afterAll(async () => {
    await f.browser?.close();
    await f.server?.close();
    site?.remove();
  });
  return f;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (see .ci/run)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** Uncaught exceptions and console errors (failed loads included) are test failures: collect them. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  return errors;
}

/** Wait until machine `index`'s terminal (`view`) contains `needle`; returns the text. */
export async function waitForText(page: Page, index: number, needle: string | RegExp, view: "com1" | "vga" = "com1", timeout = 30_000): Promise<string> {
  const src = typeof needle === "string" ? { s: needle } : { r: needle.source, f: needle.flags };
  await page.waitForFunction(
    ({ i, src, view }) => {
      const p = window.tabvisor?.panels?.[i];
      if (!p) return false;
      const t = p.text(view);
      return "s" in src ? t.includes(src.s!) : new RegExp(src.r!, src.f).test(t);
    },
    { i: index, src, view },
    { timeout, polling: 20 },
  );
  return terminalText(page, index, view);
}

export function terminalText(page: Page, index: number, view: "com1" | "vga" = "com1"): Promise<string> {
  return page.evaluate(({ i, view }) => window.tabvisor.panels[i].text(view), { i: index, view });
}

/** The machine panels' section elements, in page order. */
export function panel(page: Page, index: number) {
  return page.locator("section.machine").nth(index);
}
