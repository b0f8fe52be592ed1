// The page as a student meets it, served by Vite's preview server exactly as npm start serves it,
// in headless Chromium: isolation, the default guest booting in the COM1 terminal, keyboard input,
// the VGA view, controls, a refused kernel, a kernel of one's own (picker and drop), and two
// machines at once.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Page } from "playwright-core";
import { runVerb } from "../../src/cli/run.js";
import { ROOT, panel, terminalText, waitForText, watchErrors, previewFixture } from "./harness.js";

const preview = previewFixture();

/** expect.poll options for page state that settles asynchronously. */
const POLL = { timeout: 30_000, interval: 20 };

async function open(): Promise<{ page: Page; errors: string[] }> {
  const page = await preview.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(preview.server.url);
  return { page, errors };
}

/** Type into machine `index`'s visible terminal as a user would (click, then keys). */
async function typeInto(page: Page, index: number, text: string, view: "com1" | "vga" = "com1"): Promise<void> {
  await panel(page, index).locator(`.screen.${view}`).click();
  await page.keyboard.type(text);
}

const stats = (page: Page, i: number) =>
  page.evaluate(async (i) => {
    const p = window.tabvisor.panels[i];
    await p.refresh();
    return p.stats!;
  }, i);

describe("the page under npm start (vite preview with COOP/COEP)", () => {
  it("is cross-origin isolated by the headers and boots the default guest, unix, to its shell prompt in the COM1 terminal", async () => {
    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    expect(await page.evaluate(() => [self.crossOriginIsolated, window.tabvisor.isolation])).toEqual([true, "headers"]);
    const text = await terminalText(page, 0);
    expect(text).toContain("unix: booting");
    expect(text).toContain("tabvisor unix: a teaching kernel");
    await expect.poll(() => panel(page, 0).locator("h2").textContent(), POLL).toMatch(/unix/);
    const firstOutputMs = await page.evaluate(() => window.tabvisor.panels[0].firstOutputMs);
    console.log(`default guest: first COM1 output ${firstOutputMs?.toFixed(0)} ms after its panel appeared`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws with xterm's WebGL renderer when asked (here software WebGL) and its DOM renderer otherwise", async () => {
    const renderer = async (query: string) => {
      const page = await preview.browser.newPage();
      const errors = watchErrors(page);
      await page.goto(preview.server.url + query);
      await waitForText(page, 0, "\n# ");
      await expect.poll(() => page.locator(".screen.com1").getAttribute("data-renderer"), POLL).toBe(query.includes("webgl") ? "webgl" : "dom");
      const canvases = await page.locator(".screen.com1 canvas").count();
      const domRows = await page.locator(".screen.com1 .xterm-rows").count();
      await typeInto(page, 0, "echo drawn\n");
      await waitForText(page, 0, /\ndrawn\n# $/);
      expect(errors).toEqual([]);
      await page.close();
      return { canvases, domRows };
    };
    expect((await renderer("?renderer=webgl")).canvases).toBeGreaterThan(0);
    expect((await renderer("?renderer=dom")).canvases).toBe(0);
    // no hardware WebGL in this headless browser (--disable-gpu): the page picks the DOM renderer
    expect((await renderer("")).domRows).toBe(1);
  });

  it("fits the COM1 terminal to its panel as the window changes size, and keeps the VGA view at 80×25", async () => {
    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    const size = () => page.evaluate(() => ({ cols: window.tabvisor.panels[0].com1.term.cols, rows: window.tabvisor.panels[0].com1.term.rows }));
    const wide = await size();
    expect(wide.cols).toBeGreaterThan(60);
    await page.setViewportSize({ width: 480, height: 900 });
    await expect.poll(async () => (await size()).cols, POLL).toBeLessThan(wide.cols * 0.75);
    const narrow = await size();
    expect(narrow.rows).toBe(wide.rows); // the panel's height did not change
    await panel(page, 0).locator("button[data-view=vga]").click();
    await waitForText(page, 0, "unix: booting", "vga");
    expect(await page.evaluate(() => [window.tabvisor.panels[0].vgaCols(), window.tabvisor.panels[0].vgaRows()])).toEqual([80, 25]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("delivers typed keys to the guest's COM1 and shows its answer", async () => {
    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    await typeInto(page, 0, "echo typed-in-the-page\n");
    const text = await waitForText(page, 0, /\ntyped-in-the-page\n# $/);
    expect(text).toContain("# echo typed-in-the-page");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("copies and pastes the way terminal users expect: Ctrl+V / Ctrl+Shift+V paste, Ctrl+Shift+C and Ctrl+C on a selection copy", async () => {
    const context = await preview.browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(preview.server.url);
    await waitForText(page, 0, "\n# ");
    await panel(page, 0).locator(".screen.com1").click();
    await page.evaluate(() => navigator.clipboard.writeText("echo pasted-once\n"));
    await page.keyboard.press("Control+V");
    await waitForText(page, 0, /\npasted-once\n# $/);
    await page.evaluate(() => navigator.clipboard.writeText("echo pasted-twice\n"));
    await page.keyboard.press("Control+Shift+V");
    await waitForText(page, 0, /\npasted-twice\n# $/);

    // select the output line "pasted-twice" as a mouse selection would, then copy it
    const selectLine = (text: string) =>
      page.evaluate((text) => {
        const term = window.tabvisor.panels[0].com1.term;
        const buf = term.buffer.active;
        for (let row = buf.length - 1; row >= 0; row--) {
          if (buf.getLine(row)?.translateToString(true) === text) return term.select(0, row, text.length), true;
        }
        return false;
      }, text);
    const before = await terminalText(page, 0);
    expect(await selectLine("pasted-twice")).toBe(true);
    await page.evaluate(() => navigator.clipboard.writeText(""));
    await page.keyboard.press("Control+C"); // with a selection: copy, no ^C to the guest
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText()), POLL).toBe("pasted-twice");
    expect(await selectLine("pasted-once")).toBe(true);
    await page.keyboard.press("Control+Shift+C");
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText()), POLL).toBe("pasted-once");
    await typeInto(page, 0, "echo after-copy\n"); // the guest saw no ^C: the line is intact
    const after = await waitForText(page, 0, /\nafter-copy\n# $/);
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length)).toBe("echo after-copy\nafter-copy\n# ");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows live statistics, pauses (instruction count frozen), resumes with the input typed meanwhile, and resets to a fresh boot", async () => {
    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    const p = panel(page, 0);
    const running = await stats(page, 0);
    expect(running.instructions).toBeGreaterThan(1_000_000);
    expect(running.exits.io).toBeGreaterThan(0);
    await expect.poll(() => p.locator("dd[data-field=instructions]").textContent(), POLL).not.toBe("");
    await expect.poll(() => p.locator("dd[data-field=exits]").textContent(), POLL).toContain("io");

    await p.locator("button[data-act=run]").click(); // Pause
    await expect.poll(() => p.locator(".state").textContent(), POLL).toBe("paused");
    const a = await stats(page, 0);
    const b = await stats(page, 0);
    expect(b.instructions).toBe(a.instructions);

    await typeInto(page, 0, "echo while-paused\n"); // waits in the input ring
    await p.locator("button[data-act=run]").click(); // Start
    await waitForText(page, 0, /\nwhile-paused\n# $/);

    await p.locator("button[data-act=reset]").click();
    // a fresh boot: the old dialogue is gone and the new one reaches its prompt
    const fresh = await waitForText(page, 0, /^unix: booting\n(?![^]*while-paused)[^]*\n# $/);
    expect(fresh.match(/unix: booting/g)).toHaveLength(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the VGA text screen as a second view whose keys reach the guest through the PS/2 keyboard", async () => {
    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    await panel(page, 0).locator("button[data-view=vga]").click();
    await panel(page, 0).locator(".screen.vga").waitFor({ state: "visible" });
    await panel(page, 0).locator(".screen.com1").waitFor({ state: "hidden" });
    const vga = await waitForText(page, 0, "unix: booting", "vga");
    expect(vga).toContain("tabvisor unix: a teaching kernel");
    expect(vga.split("\n").length).toBeLessThanOrEqual(25);
    // keys typed in this view go to the PS/2 keyboard, and the shell answers on the screen
    await typeInto(page, 0, "echo via-ps2-keyboard\n", "vga");
    const after = await waitForText(page, 0, /\nvia-ps2-keyboard\s*\n# /, "vga");
    expect(after).toContain("# echo via-ps2-keyboard");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("refuses a malformed kernel file with the same line the CLI prints, shown in the page", async () => {
    const junk = Buffer.from("this is not a kernel, just text\n".repeat(8));
    // the CLI's message for the same bytes (tabvisor run's verb, in-process)
    const tmp = mkdtempSync(join(tmpdir(), "tabvisor-junk-"));
    const file = join(tmp, "junk.elf");
    writeFileSync(file, junk);
    const sink = { write: () => true };
    const refused = await runVerb.run([relative(process.cwd(), file)], { stdout: sink, stderr: sink, stdin: null }).catch((e: Error) => e);
    rmSync(tmp, { recursive: true });
    expect(refused).toBeInstanceOf(Error); // `tabvisor run` prints "tabvisor: " + this message and exits 2
    const cliReason = (refused as Error).message.replace(/^.*?junk\.elf: /, "");
    expect(cliReason).toMatch(/Multiboot header/);

    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    await page.locator("input[name=kernel]").setInputFiles({ name: "junk.elf", mimeType: "application/octet-stream", buffer: junk });
    await page.locator("#own-kernel button[type=submit]").click();
    const alert = page.locator("#own-kernel .error");
    await expect.poll(() => alert.textContent(), POLL).toBe(`tabvisor: junk.elf: ${cliReason}`);
    expect(await page.locator("section.machine").count()).toBe(1); // no machine was added
    expect(errors).toEqual([]);
    await page.close();
  });

  it("boots a kernel chosen with the file picker, with a module and its arguments, and one dropped on the page", async () => {
    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    const file = (p: string) => ({ name: p.split("/").pop()!, mimeType: "application/octet-stream", buffer: readFileSync(join(ROOT, p)) });
    // picker: unix with its root tree module, whose Multiboot string must be "unix-root.img root"
    await page.locator("input[name=kernel]").setInputFiles(file("guests/images/unix.elf"));
    await page.locator("input[name=modules]").setInputFiles(file("guests/images/unix-root.img"));
    await page.locator("input[name=module-args-0]").fill("root");
    await page.locator("#own-kernel button[type=submit]").click();
    await waitForText(page, 1, "\n# ");
    expect(await terminalText(page, 1)).toContain("from module 'root'");
    await expect.poll(() => panel(page, 1).locator("h2").textContent(), POLL).toMatch(/unix\.elf/);

    // drop: hello.elf on the page
    const hello = readFileSync(join(ROOT, "guests/images/hello.elf")).toString("base64");
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "hello.elf"));
      for (const type of ["dragenter", "dragover", "drop"]) document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, hello);
    await waitForText(page, 2, "Hello from tabvisor's hello guest!");
    await expect.poll(() => panel(page, 2).locator(".state").textContent(), POLL).toBe("stopped");
    await expect.poll(() => panel(page, 2).locator(".message").textContent(), POLL).toContain("isa-debug-exit (exit status 1");
    await page.locator("#drop-overlay").waitFor({ state: "hidden" });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("runs two machines at once, each in its own worker with its own terminal", async () => {
    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    await page.locator("#new-machine select[name=guest]").selectOption("unix");
    await page.locator("#new-machine button[type=submit]").click();
    await waitForText(page, 1, "\n# ");
    await typeInto(page, 0, "echo first-machine\n");
    await typeInto(page, 1, "echo second-machine\n");
    const [a, b] = await Promise.all([waitForText(page, 0, /\nfirst-machine\n# $/), waitForText(page, 1, /\nsecond-machine\n# $/)]);
    expect(a).not.toContain("second-machine");
    expect(b).not.toContain("first-machine");
    const [s0, s1] = [await stats(page, 0), await stats(page, 1)];
    expect(s0.state).not.toBe("stopped");
    expect(s1.state).not.toBe("stopped");
    // closing one leaves the other running
    await panel(page, 1).locator("button[data-act=close]").click();
    expect(await page.locator("section.machine").count()).toBe(1);
    await typeInto(page, 0, "echo still-here\n");
    await waitForText(page, 0, /\nstill-here\n# $/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("keeps up with a guest that floods COM1: every line arrives, in order, and the page still answers", async () => {
    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    const flood = { name: "flood.elf", mimeType: "application/octet-stream", buffer: readFileSync(join(ROOT, "tests/e2e/fixtures/flood.elf")) };
    await page.locator("input[name=kernel]").setInputFiles(flood);
    await page.locator("#own-kernel button[type=submit]").click();
    const lastLine = () =>
      page.evaluate(() => {
        const m = window.tabvisor.panels[1]?.text().match(/flood ([0-9a-f]{8})\n[^\n]*$/);
        return m ? parseInt(m[1], 16) : -1;
      });
    await expect.poll(lastLine, POLL).toBeGreaterThan(20_000);
    await typeInto(page, 0, "echo beside-the-flood\n");
    await waitForText(page, 0, /\nbeside-the-flood\n# $/);
    await panel(page, 1).locator("button[data-act=run]").click();
    await expect.poll(() => panel(page, 1).locator(".state").textContent(), POLL).toBe("paused");
    // scrollback holds the last 5000 lines: consecutive numbers, none lost or reordered
    const numbers = await page.evaluate(() =>
      window.tabvisor.panels[1]
        .text()
        .split("\n")
        .filter((l) => /^flood [0-9a-f]{8}$/.test(l))
        .map((l) => parseInt(l.slice(6), 16)),
    );
    expect(numbers.length).toBeGreaterThan(4000);
    const gaps = numbers.slice(1).filter((n, i) => n !== numbers[i] + 1);
    expect(gaps).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("stays in control of a guest running flat out: pause takes effect while it computes, then Step retires one instruction", async () => {
    const { page, errors } = await open();
    await waitForText(page, 0, "\n# ");
    const cpu = { name: "cpu.elf", mimeType: "application/octet-stream", buffer: readFileSync(join(ROOT, "bench/guests/cpu.elf")) };
    await page.locator("input[name=kernel]").setInputFiles(cpu);
    await page.locator("input[name=cmdline]").fill("repeat=100");
    await page.locator("#own-kernel button[type=submit]").click();
    await expect.poll(async () => (await stats(page, 1)).instructions, POLL).toBeGreaterThan(20_000_000);
    // the page's own thread is free: the other machine still answers
    await typeInto(page, 0, "echo beside-a-busy-guest\n");
    await waitForText(page, 0, /\nbeside-a-busy-guest\n# $/);
    await panel(page, 1).locator("button[data-act=run]").click();
    await expect.poll(() => panel(page, 1).locator(".state").textContent(), POLL).toBe("paused");
    const a = await stats(page, 1);
    expect((await stats(page, 1)).instructions).toBe(a.instructions);
    // Step retires exactly one instruction of the busy (never halted) guest
    await panel(page, 1).locator("button[data-act=step]").click();
    await expect.poll(async () => (await stats(page, 1)).instructions, POLL).toBe(a.instructions + 1);
    expect(await panel(page, 1).locator("dd[data-field=eip]").textContent()).toMatch(/^0x[0-9a-f]{8}$/);
    // the CLI's --stats figure: instructions per second of time inside the core
    expect(Number(await panel(page, 1).locator("dd[data-field=mips]").textContent())).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
