// The containers view and the VMs-vs-containers comparison view in headless Chromium (the page
// as npm start serves it): a container host boots, "New container" gives each container its own
// terminal on one kernel with live cgroup figures, typing reaches the right container, lifecycle
// buttons work; the comparison view measures N trap-mode VMs beside N containers in the tab.
// Skipped, with the reason, while the guest image has no ctrd.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { waitForText, watchErrors, previewFixture } from "./harness.js";
import { CTRD_MISSING, ctrdAvailable } from "../containers/harness.js";

const HAVE_CTRD = ctrdAvailable();
const POLL = { timeout: 60_000, interval: 50 };

const preview = previewFixture(HAVE_CTRD);

const cardText = (page: Page, name: string) => page.evaluate((n) => window.tabvisorContainers.containers[0].cards.get(n)?.text() ?? "", name);

describe.skipIf(!HAVE_CTRD)(`containers and comparison views${HAVE_CTRD ? "" : ` (skipped: ${CTRD_MISSING})`}`, () => {
  it("starts two containers on one kernel, each with its own terminal, hostname and live cgroup figures", async () => {
    const page = await preview.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = watchErrors(page);
    await page.goto(preview.server.url);
    await page.locator('button[data-open="containers"]').click();
    const form = page.locator(".containers-view form.new-container");
    await expect.poll(() => form.locator("button").isEnabled(), POLL).toBe(true);
    await form.locator("button").click();
    await expect.poll(() => cardText(page, "ct1"), POLL).toMatch(/# $/);
    await form.locator("button").click();
    await expect.poll(() => cardText(page, "ct2"), POLL).toMatch(/# $/);
    await page.locator('[data-container="ct2"] .screen').click();
    await page.keyboard.type("hostname\n");
    await expect.poll(() => cardText(page, "ct2"), POLL).toMatch(/\nct2\n# $/);
    expect(await cardText(page, "ct1")).not.toContain("hostname");
    await expect.poll(() => page.locator('[data-container="ct1"] .figures').textContent(), POLL).toMatch(/memory \d+ pages of 16 MiB · pids \d+ of 32/);
    await page.locator('[data-container="ct1"] button[data-act="stop"]').click();
    await expect.poll(() => page.locator('[data-container="ct1"]').getAttribute("data-state"), POLL).toBe("stopped");
    await page.locator('[data-container="ct1"] button[data-act="rm"]').click();
    await expect.poll(() => page.locator('[data-container="ct1"]').count(), POLL).toBe(0);
    expect(await page.locator('[data-container="ct2"]').getAttribute("data-state")).toBe("running");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a machine that finishes booting does not take the keyboard from a form the user is filling", async () => {
    const page = await preview.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(preview.server.url);
    await page.locator('button[data-open="compare"]').click();
    const count = page.locator('.compare-form input[name="count"]');
    await count.focus(); // before the page's first machine has booted
    await waitForText(page, 0, "\n# ");
    expect(await count.evaluate((e) => e === document.activeElement)).toBe(true);
    await page.keyboard.press("Control+A");
    await page.keyboard.type("3");
    expect(await count.inputValue()).toBe("3");
    await page.close();
  });

  it("measures 2 trap-mode VMs beside 2 containers and fills the comparison and isolation tables", async () => {
    const page = await preview.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = watchErrors(page);
    await page.goto(preview.server.url);
    await page.locator('button[data-open="compare"]').click();
    await page.locator('.compare-form input[name="count"]').fill("2");
    await page.locator(".compare-form button").click();
    await expect.poll(() => page.evaluate(() => window.tabvisorContainers.compare[0].result !== null), { timeout: 120_000, interval: 100 }).toBe(true);
    const r = await page.evaluate(() => window.tabvisorContainers.compare[0].result!);
    expect(r.vms).toHaveLength(2);
    expect(r.containers).toHaveLength(2);
    expect(r.ratios.memory).toBeGreaterThan(1);
    const table = await page.locator(".compare-table").textContent();
    expect(table).toMatch(/how many fit in 1024 MiB/);
    expect(table).toMatch(/`hostname` inside instance 1.*ct1/s);
    expect(await page.locator(".compare-column .instance").count()).toBe(4);
    expect(errors).toEqual([]);
    await page.close();
  });
});
