// The hypervisor view in headless Chromium (the page as npm start serves it): two tick VMs in
// trap mode each print the tick checksum in their own terminal while the trap timeline fills;
// with two unix VMs, typing reaches only the VM typed into, "Pause timeline" freezes the table
// while the VMs keep running and trapping, "Pause VMs" stops them; the popf guest
// shows its sensitive-but-unprivileged instructions with their guest addresses and problems.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { watchErrors, previewFixture } from "./harness.js";

const POLL = { timeout: 20_000, interval: 50 };

const preview = previewFixture();

async function open(page: Page, guest: string, count: number): Promise<void> {
  await page.goto(preview.server.url);
  await page.evaluate(() => window.tabvisor.ready);
  await page.locator('.hv-form select[name="guest"]').selectOption(guest);
  await page.locator('.hv-form input[name="count"]').fill(String(count));
  await page.locator('.hv-form button[data-open="hypervisor"]').click();
}

const vmText = (page: Page, vm: number) => page.evaluate((k) => window.tabvisorHypervisor.panels[0].cards[k]?.text() ?? "", vm);
const topRow = (page: Page) => page.locator(".hv-timeline tbody tr").first().textContent();
const updates = (page: Page) => page.evaluate(() => window.tabvisorHypervisor.panels[0].updates);

describe("hypervisor view", () => {
  it("runs 2 tick VMs in trap mode, each in its own terminal, and fills the trap timeline", async () => {
    const page = await preview.browser.newPage({ viewport: { width: 1400, height: 1000 } });
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

  it("sends typed input to its own VM, freezes the timeline on 'Pause timeline' while the VMs run, and pauses the VMs", async () => {
    const page = await preview.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = watchErrors(page);
    await open(page, "unix", 2);
    for (const k of [0, 1]) await expect.poll(() => vmText(page, k), POLL).toMatch(/# $/);
    await page.locator('.hv-vm[data-vm="1"] .screen').click();
    await page.keyboard.type("echo vm-one\n");
    await expect.poll(() => vmText(page, 1), POLL).toMatch(/\nvm-one\n# $/);
    expect(await vmText(page, 0)).not.toContain("vm-one");

    const live = await topRow(page);
    await expect.poll(() => topRow(page), POLL).not.toBe(live);
    await page.locator('.hv-view button[data-act="timeline"]').click();
    expect(await page.locator(".hv-timeline .note").textContent()).toMatch(/VMs keep running/);
    const frozen = await topRow(page);
    const insns = () => page.locator('.hv-vm[data-vm="0"] dd[data-figure="instructions"]').textContent();
    const before = await insns();
    const seen = await updates(page);
    // Ten more updates arrive, the VM retires more instructions, the table stays as it was.
    await expect.poll(() => updates(page), POLL).toBeGreaterThan(seen + 10);
    await expect.poll(insns, POLL).not.toBe(before);
    expect(await topRow(page)).toBe(frozen);
    await page.locator('.hv-view button[data-act="timeline"]').click();
    await expect.poll(() => topRow(page), POLL).not.toBe(frozen);

    // Pause VMs: once the worker reports them paused, their figures stay still over ten updates.
    await page.locator('.hv-view button[data-act="run"]').click();
    await expect.poll(() => page.locator(".hv-view").getAttribute("data-running"), POLL).toBe("false");
    const paused = await insns();
    const at = await updates(page);
    await expect.poll(() => updates(page), POLL).toBeGreaterThan(at + 10);
    expect(await insns()).toBe(paused);
    await page.locator('.hv-view button[data-act="run"]').click();
    await expect.poll(insns, POLL).not.toBe(paused);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("reports the popf guest's sensitive instructions with guest addresses and the problem", async () => {
    const page = await preview.browser.newPage({ viewport: { width: 1400, height: 1000 } });
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
