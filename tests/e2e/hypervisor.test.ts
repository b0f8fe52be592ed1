// The hypervisor view in headless Chromium (the page as npm start serves it): two tick VMs in
// trap mode each print the tick checksum in their own terminal while the trap timeline fills;
// "Pause timeline" freezes the table while a unix VM keeps running and trapping; the popf guest
// shows its sensitive-but-unprivileged instructions with their guest addresses and problems.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { buildSite, launchChromium, servePreview, watchErrors, type Served } from "./harness.js";

const POLL = { timeout: 20_000, interval: 50 };

let site: Awaited<ReturnType<typeof buildSite>>;
let server: Served;
let browser: Browser;

beforeAll(async () => {
  site = await buildSite();
  server = await servePreview(site.dir);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  site?.remove();
});

async function open(page: Page, guest: string, count: number): Promise<void> {
  await page.goto(server.url);
  await page.evaluate(() => window.tabvisor.ready);
  await page.locator('.hv-form select[name="guest"]').selectOption(guest);
  await page.locator('.hv-form input[name="count"]').fill(String(count));
  await page.locator('.hv-form button[data-open="hypervisor"]').click();
}

const vmText = (page: Page, vm: number) => page.evaluate((k) => window.tabvisorHypervisor.panels[0].cards[k]?.text() ?? "", vm);
const topRow = (page: Page) => page.locator(".hv-timeline tbody tr").first().textContent();
const panelFigure = (page: Page, f: "updates") => page.evaluate((k) => window.tabvisorHypervisor.panels[0][k], f);

describe("hypervisor view", () => {
  it("runs 2 tick VMs in trap mode, each in its own terminal, and fills the trap timeline", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = watchErrors(page);
    await open(page, "tick", 2);
    for (const k of [0, 1]) await expect.poll(() => vmText(page, k), POLL).toContain("tick: ok 0db08769");
    expect(await page.locator(".hv-vm").count()).toBe(2);
    const rows = page.locator(".hv-timeline tbody tr");
    await expect.poll(() => rows.count(), POLL).toBeGreaterThan(10);
    const reasons = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-reason")));
    expect(reasons.some((r) => r === "io" || r === "cli" || r === "iret")).toBe(true);
    const vms = await rows.evaluateAll((trs) => new Set(trs.map((tr) => tr.getAttribute("data-vm"))).size);
    expect(vms).toBe(2);
    const first = await rows.first().locator("td").allTextContents();
    expect(first[2]).toMatch(/^0x[0-9a-f]{8}$/);
    expect(first[6]).toMatch(/\d+(\.\d+)? (ns|µs|ms)$/);
    const exits = await page.locator('.hv-vm[data-vm="0"] dd[data-figure="exits by reason"]').textContent();
    expect(exits).toMatch(/io \d/);
    expect(await page.locator('.hv-vm[data-vm="0"] dd[data-figure="instructions"]').textContent()).toMatch(/^[\d,]+$/);
    expect(await page.locator('.hv-vm[data-vm="0"]').getAttribute("data-state")).toBe("stopped");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("freezes the timeline on 'Pause timeline' while the VM keeps running, and resumes it", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = watchErrors(page);
    await open(page, "unix", 1);
    await expect.poll(() => vmText(page, 0), POLL).toMatch(/# $/);
    const live = await topRow(page);
    await expect.poll(() => topRow(page), POLL).not.toBe(live);
    await page.locator('.hv-view button[data-act="timeline"]').click();
    expect(await page.locator(".hv-timeline .note").textContent()).toMatch(/VMs keep running/);
    const frozen = await topRow(page);
    const insns = await page.locator('dd[data-figure="instructions"]').textContent();
    const seen = await panelFigure(page, "updates");
    // Ten more updates arrive, the VM retires more instructions, the table stays as it was.
    await expect.poll(() => panelFigure(page, "updates"), POLL).toBeGreaterThan(seen + 10);
    await expect.poll(() => page.locator('dd[data-figure="instructions"]').textContent(), POLL).not.toBe(insns);
    expect(await topRow(page)).toBe(frozen);
    await page.locator('.hv-view button[data-act="timeline"]').click();
    await expect.poll(() => topRow(page), POLL).not.toBe(frozen);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("reports the popf guest's sensitive instructions with guest addresses and the problem", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = watchErrors(page);
    await open(page, "popf", 1);
    await expect.poll(() => vmText(page, 0), POLL).toMatch(/checks broken/);
    const report = page.locator('.hv-vm[data-vm="0"] .sensitive');
    await expect.poll(() => report.textContent(), POLL).toMatch(/0x[0-9a-f]+ popf — POPF at CPL 1/);
    expect(await report.textContent()).toMatch(/0x[0-9a-f]+ pushf — PUSHF shows the real IOPL/);
    expect(Number(await page.locator('dd[data-figure="sensitive instructions"]').textContent())).toBeGreaterThan(2);
    expect(errors).toEqual([]);
    await page.close();
  });
});
