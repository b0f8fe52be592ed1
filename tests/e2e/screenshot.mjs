// Refreshes docs/web-page.png, the page as the README shows it: the static build under Vite's
// preview server in headless Chromium, the unix guest after a few commands beside a second
// machine showing its VGA screen.   node tests/e2e/screenshot.mjs   (after npm run build:core)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, preview } from "vite";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tabvisor-shot-"));
await build({ configFile: join(root, "vite.config.ts"), logLevel: "error", build: { outDir: dir, emptyOutDir: true } });
const server = await preview({ configFile: join(root, "vite.config.ts"), logLevel: "error", build: { outDir: dir }, preview: { port: 0, host: "127.0.0.1" } });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
const page = await browser.newPage({ viewport: { width: 1440, height: 820 }, colorScheme: "light" });
const prompt = (i, n) => page.waitForFunction(({ i, n }) => (window.tabvisor.panels[i]?.text().match(/\n# /g) ?? []).length >= n, { i, n }, { timeout: 60_000 });
await page.goto(server.resolvedUrls.local[0]);
await prompt(0, 1);
await page.locator("section.machine").nth(0).locator(".screen.com1").click();
let n = 1;
for (const cmd of ["ls /bin", "echo hi | wc", "ps"]) {
  await page.keyboard.type(cmd + "\n");
  await prompt(0, ++n);
}
await page.locator("#new-machine button[type=submit]").click();
await prompt(1, 1);
await page.locator("section.machine").nth(1).locator("button[data-view=vga]").click();
await page.waitForFunction(() => window.tabvisor.panels[1].text("vga").includes("teaching kernel"));
await page.evaluate(() => Promise.all(window.tabvisor.panels.map((p) => p.refresh())));
await page.waitForTimeout(600); // let the stats line show a rate (two samples) before the picture
await page.screenshot({ path: join(root, "docs/web-page.png") });
await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
console.log("wrote docs/web-page.png");
