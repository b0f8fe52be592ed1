// Instructions per second of the same CPU-bound guest in the page and in the CLI, measured in one
// run, alternating, on this machine (a measurement, not a test: docs/web.md records its output).
//   node tests/e2e/measure-ips.mjs [rounds=3] [repeat=1]
// Needs build/tabvisor.wasm and dist/ (npm run build). The guest is bench/guests/cpu.elf with
// "repeat=N" on its command line (about 1.6e8 instructions per repeat), virtual clock in both.
// CLI: `tabvisor run --stats` reports instructions / seconds inside Machine.runFor. Page: the
// machine's worker reports instructions, the same busy seconds, and its wall-clock uptime (which
// also counts the worker's ring and event-loop work between slices); both are printed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, preview } from "vite";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../..", import.meta.url));
const rounds = Number(process.argv[2] ?? 3);
const repeat = Number(process.argv[3] ?? 1);
const kernel = "bench/guests/cpu.elf";

function cli() {
  const r = spawnSync(process.execPath, ["bin/tabvisor.js", "run", kernel, "--cmdline", `repeat=${repeat}`, "--stats"], { cwd: root, encoding: "utf8" });
  const line = r.stderr.trim().split("\n").pop();
  const s = JSON.parse(line);
  return { instructions: s.instructions, mips: s.mips };
}

async function inPage(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.tabvisor?.panels?.[0]?.text().includes("# "), null, { timeout: 60_000 });
  await page.locator("#new-machine select[name=clock]").selectOption("virtual");
  await page.locator("input[name=kernel]").setInputFiles({ name: "cpu.elf", mimeType: "application/octet-stream", buffer: readFileSync(join(root, kernel)) });
  await page.locator("input[name=cmdline]").fill(`repeat=${repeat}`);
  // the unix machine idles (realtime clock) while the CPU-bound guest runs
  await page.locator("#own-kernel button[type=submit]").click();
  await page.waitForFunction(() => window.tabvisor.panels[1]?.stats?.state === "stopped", null, { timeout: 600_000, polling: 200 });
  const s = await page.evaluate(async () => {
    await window.tabvisor.panels[1].refresh();
    const p = window.tabvisor.panels[1];
    const r = { ...p.stats };
    p.close();
    return r;
  });
  return { instructions: s.instructions, mips: s.instructions / s.busySeconds / 1e6, wallMips: s.instructions / s.uptime / 1e6 };
}

const dir = mkdtempSync(join(tmpdir(), "tabvisor-ips-"));
await build({ configFile: join(root, "vite.config.ts"), logLevel: "error", build: { outDir: dir, emptyOutDir: true } });
const server = await preview({ configFile: join(root, "vite.config.ts"), logLevel: "error", build: { outDir: dir }, preview: { port: 0, host: "127.0.0.1" } });
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
const page = await browser.newPage();
const rows = [];
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
for (let i = 0; i < rounds; i++) {
  const c = cli();
  const p = await inPage(page, url);
  if (c.instructions !== p.instructions) console.log(`note: instruction counts differ: CLI ${c.instructions}, page ${p.instructions}`);
  rows.push({ cli: c.mips, page: p.mips, pageWall: p.wallMips });
  console.log(`round ${i + 1}: ${c.instructions} instructions; CLI ${c.mips.toFixed(1)} MIPS; page ${p.mips.toFixed(1)} MIPS busy, ${p.wallMips.toFixed(1)} MIPS wall`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratio = rows.map((r) => r.page / r.cli);
const ratioWall = rows.map((r) => r.pageWall / r.cli);
console.log(`median: CLI ${median(rows.map((r) => r.cli)).toFixed(1)} MIPS, page ${median(rows.map((r) => r.page)).toFixed(1)} MIPS busy / ${median(rows.map((r) => r.pageWall)).toFixed(1)} wall`);
console.log(`page/CLI ratio per round (busy): ${ratio.map((x) => x.toFixed(3)).join(" ")}; median ${median(ratio).toFixed(3)}`);
console.log(`page/CLI ratio per round (wall): ${ratioWall.map((x) => x.toFixed(3)).join(" ")}; median ${median(ratioWall).toFixed(3)}`);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${navigatorInfo()}`);
await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });

function navigatorInfo() {
  return `node ${process.version}, chromium ${browser.version()}`;
}
