// Cross-origin isolation wherever the page is served: a plain static file server that sends no
// COOP/COEP (the service worker web/public/coi-sw.js must add them and the page reload once), the
// Vite dev server of npm run dev (headers), and a browser that refuses service workers on such a
// host (the page must say plainly that it cannot run, not fail silently).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { buildSite, launchChromium, serveDev, serveStatic, waitForText, watchErrors, type Served } from "./harness.js";

let site: Awaited<ReturnType<typeof buildSite>>;
let plain: Served;
let browser: Browser;

beforeAll(async () => {
  site = await buildSite();
  plain = await serveStatic(site.dir);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await plain?.close();
  site?.remove();
});

describe("cross-origin isolation", () => {
  it("the static build on a server without COOP/COEP isolates itself through its service worker and boots the default guest", async () => {
    const res = await fetch(plain.url);
    expect(res.headers.get("cross-origin-embedder-policy")).toBeNull(); // the host really sends none
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(plain.url);
    await waitForText(page, 0, "\n# ");
    expect(await page.evaluate(() => [self.crossOriginIsolated, window.tabvisor.isolation])).toEqual([true, "service-worker"]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("says plainly that it cannot run when isolation is impossible (no headers, service workers blocked)", async () => {
    const context = await browser.newContext({ serviceWorkers: "block" });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(plain.url);
    await page.waitForFunction(() => window.tabvisor?.isolation === "unavailable", null, { timeout: 30_000 });
    const message = await page.locator("#isolation").textContent();
    expect(message).toMatch(/^tabvisor cannot run here: /);
    expect(message).toMatch(/COOP\/COEP|service worker/);
    expect(await page.locator("section.machine").count()).toBe(0);
    expect(await page.locator("#new-machine button[type=submit]").isDisabled()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("says plainly that it cannot run when opened as a file", async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(site.dir, "index.html")).href);
    await expect.poll(() => page.locator("#isolation").textContent(), { timeout: 30_000, interval: 20 }).toMatch(/^tabvisor cannot run here: .*file:\/\//);
    expect(await page.locator("section.machine").count()).toBe(0);
    await page.close();
  });

  it("the Vite dev server (npm run dev) sends the headers and the default guest boots", async () => {
    const dev = await serveDev();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(dev.url);
      await waitForText(page, 0, "\n# ", "com1", 60_000);
      expect(await page.evaluate(() => [self.crossOriginIsolated, window.tabvisor.isolation])).toEqual([true, "headers"]);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await dev.close();
    }
  });
});
