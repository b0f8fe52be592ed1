// Boot time of the default guest and main-thread responsiveness while guests run flat out, in the
// static build under Vite's preview server (as npm start serves it), headless Chromium. A
// measurement for docs/web.md, not a test.   node tests/e2e/measure-page.mjs [loads=5]
// Boot: navigation start → first COM1 byte on the page, and → the "# " prompt in the terminal.
// Responsiveness: two machines run bench/guests/cpu.elf (CPU-bound, no output) beside the idle
// unix shell; over 3 s the page records requestAnimationFrame intervals and long tasks (> 50 ms),
// and the time for a keystroke typed into the unix terminal to come back echoed; then a guest
// flooding COM1 (tests/e2e/fixtures/flood.elf) joins them: lines per second shown, frames.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, preview } from "vite";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../..", import.meta.url));
const loads = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), "tabvisor-measure-"));
await build({ configFile: join(root, "vite.config.ts"), logLevel: "error", build: { outDir: dir, emptyOutDir: true } });
const server = await preview({ configFile: join(root, "vite.config.ts"), logLevel: "error", build: { outDir: dir }, preview: { port: 0, host: "127.0.0.1" } });
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);

const boots = [];
for (let i = 0; i < loads; i++) {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.tabvisor?.panels?.[0]?.text().includes("# "), null, { timeout: 60_000, polling: "raf" });
  const t = await page.evaluate(() => ({ prompt: performance.now(), first: performance.getEntriesByName("tabvisor:machine-1:first-output")[0]?.startTime }));
  boots.push(t);
  console.log(`load ${i + 1}: first COM1 byte ${t.first.toFixed(0)} ms, prompt ${t.prompt.toFixed(0)} ms after navigation start`);
  await page.close();
}
console.log(`boot median: first byte ${median(boots.map((b) => b.first)).toFixed(0)} ms, prompt ${median(boots.map((b) => b.prompt)).toFixed(0)} ms`);

const page = await browser.newPage();
await page.goto(url);
await page.waitForFunction(() => window.tabvisor?.panels?.[0]?.text().includes("# "), null, { timeout: 60_000 });
const cpu = readFileSync(join(root, "bench/guests/cpu.elf"));
for (let k = 1; k <= 2; k++) {
  await page.locator("input[name=kernel]").setInputFiles({ name: "cpu.elf", mimeType: "application/octet-stream", buffer: cpu });
  await page.locator("input[name=cmdline]").fill("repeat=1000");
  await page.locator("#own-kernel button[type=submit]").click();
  await page.waitForFunction((k) => (window.tabvisor.panels[k]?.stats?.instructions ?? 0) > 1e7, k, { timeout: 60_000 });
}
const frames = await page.evaluate(
  () =>
    new Promise((resolve) => {
      const gaps = [];
      const long = [];
      const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => long.push(e.duration)));
      obs.observe({ type: "longtask" });
      let last = performance.now();
      const end = last + 3000;
      const tick = (t) => {
        gaps.push(t - last);
        last = t;
        if (t < end) requestAnimationFrame(tick);
        else (obs.disconnect(), resolve({ gaps, long }));
      };
      requestAnimationFrame(tick);
    }),
);
const g = frames.gaps.sort((a, b) => a - b);
console.log(
  `2 guests flat out: ${g.length} frames in 3 s; frame interval p50 ${g[Math.floor(g.length / 2)].toFixed(1)} ms, p95 ${g[Math.floor(g.length * 0.95)].toFixed(1)} ms, max ${g[g.length - 1].toFixed(1)} ms; long tasks: ${frames.long.length} (longest ${Math.max(0, ...frames.long).toFixed(0)} ms)`,
);
await page.locator("section.machine").nth(0).locator(".screen.com1").click();
const echoes = [];
for (const ch of "abcdefgh") {
  const t0 = await page.evaluate(() => performance.now());
  await page.keyboard.type(ch);
  await page.waitForFunction((ch) => window.tabvisor.panels[0].text().endsWith(ch), ch, { polling: "raf" });
  echoes.push((await page.evaluate(() => performance.now())) - t0);
}
console.log(`keystroke echo from the unix shell beside them: median ${median(echoes).toFixed(0)} ms, max ${Math.max(...echoes).toFixed(0)} ms`);
const rates = await page.evaluate(async () => {
  await Promise.all(window.tabvisor.panels.map((p) => p.refresh()));
  return window.tabvisor.panels.map((p) => p.stats.instructions / p.stats.busySeconds / 1e6);
});
console.log(`MIPS while busy per machine: ${rates.map((r) => r.toFixed(1)).join(", ")}`);
// a guest flooding COM1 beside them: terminal throughput and frames while xterm parses
await page.locator("input[name=kernel]").setInputFiles({ name: "flood.elf", mimeType: "application/octet-stream", buffer: readFileSync(join(root, "tests/e2e/fixtures/flood.elf")) });
await page.locator("#own-kernel button[type=submit]").click();
await page.waitForFunction(() => /flood [0-9a-f]{8}/.test(window.tabvisor.panels[3]?.text() ?? ""), null, { timeout: 60_000 });
const flood = await page.evaluate(
  () =>
    new Promise((resolve) => {
      const last = () => parseInt(window.tabvisor.panels[3].text().match(/flood ([0-9a-f]{8})\n[^\n]*$/)?.[1] ?? "0", 16);
      const gaps = [];
      const long = [];
      const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => long.push(e.duration)));
      obs.observe({ type: "longtask" });
      const first = last();
      let prev = performance.now();
      const end = prev + 3000;
      const tick = (t) => {
        gaps.push(t - prev);
        prev = t;
        if (t < end) requestAnimationFrame(tick);
        else (obs.disconnect(), resolve({ lines: last() - first, gaps, long }));
      };
      requestAnimationFrame(tick);
    }),
);
const fg = flood.gaps.sort((a, b) => a - b);
console.log(
  `+ a guest flooding COM1: ${(flood.lines / 3).toFixed(0)} lines/s (${((flood.lines * 16) / 3 / 1024).toFixed(0)} KiB/s) shown; ${fg.length} frames in 3 s, interval p50 ${fg[Math.floor(fg.length / 2)].toFixed(1)} ms, p95 ${fg[Math.floor(fg.length * 0.95)].toFixed(1)} ms, max ${fg[fg.length - 1].toFixed(1)} ms; long tasks: ${flood.long.length} (longest ${Math.max(0, ...flood.long).toFixed(0)} ms)`,
);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}; chromium ${browser.version()}`);
await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
