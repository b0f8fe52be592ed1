// One machine on the page: its controls (start/pause, reset, step, close), live statistics
// (instructions per second, retired instructions, uptime, exits by reason, EIP), and its two
// views — the COM1 terminal (fits the panel) and the VGA text console (80×25, keyboard input goes
// to the PS/2 keyboard). The machine itself runs in a worker behind a MachineClient.
import { MachineClient } from "../machine-client.js";
import { VGA_THEME, createTerminal, terminalText, type PageTerminal } from "../terminal.js";
import type { MachineConfig, MachineStatsSnapshot } from "../../src/worker/protocol.js";
import { VGA_COLS, VGA_ROWS } from "../../src/devices/vga-text.js";

export type View = "com1" | "vga";

let nextId = 1;

const fmtCount = (n: number) => n.toLocaleString("en-US");
function fmtRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${Math.round(perSecond)} /s`;
}
function fmtTime(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.floor(s % 60)} s`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

export class MachinePanel {
  readonly id = nextId++;
  readonly el: HTMLElement;
  readonly client: MachineClient;
  readonly com1: PageTerminal;
  /** The VGA view's terminal, made when the view is first shown. */
  private vgaTerm: PageTerminal | null = null;
  view: View = "com1";
  stats: MachineStatsSnapshot | null = null;
  /** ms from the panel's creation to the first COM1 byte (null until then). */
  firstOutputMs: number | null = null;
  /** Instructions per second over the last stats interval. */
  ips = 0;
  private readonly created = performance.now();
  private readonly buttons: Record<"run" | "reset" | "step" | "close", HTMLButtonElement>;
  private readonly viewButtons: Record<View, HTMLButtonElement>;
  private readonly fields: Record<"state" | "ips" | "mips" | "instructions" | "uptime" | "exits" | "eip", HTMLElement>;
  private readonly message: HTMLElement;
  private readonly screens: Record<View, HTMLElement>;
  private prevSample: { t: number; n: number } | null = null;
  private busy = false;
  private closed = false;

  constructor(
    parent: HTMLElement,
    readonly label: string,
    private readonly onClose: (p: MachinePanel) => void,
  ) {
    this.el = el("section", { class: "machine", "data-machine": String(this.id), "aria-label": `machine ${this.id}: ${label}` });
    const header = el("header");
    header.append(el("h2", {}, `${label} `), el("span", { class: "id" }, `#${this.id}`));
    const stateEl = el("span", { class: "state", "data-state": "created" }, "booting");
    header.append(stateEl);
    const controls = el("div", { class: "controls" });
    this.buttons = {
      run: el("button", { "data-act": "run", disabled: "" }, "Start"),
      reset: el("button", { "data-act": "reset", disabled: "" }, "Reset"),
      step: el("button", { "data-act": "step", disabled: "", title: "retire one instruction (while paused)" }, "Step"),
      close: el("button", { "data-act": "close", title: "power off and remove this machine", "aria-label": "close" }, "✕"),
    };
    this.viewButtons = {
      com1: el("button", { "data-view": "com1", "aria-pressed": "true", title: "serial console (COM1)" }, "COM1"),
      vga: el("button", { "data-view": "vga", "aria-pressed": "false", title: "VGA text screen; keys go to the PS/2 keyboard" }, "VGA"),
    };
    const views = el("span", { class: "views", role: "group", "aria-label": "view" });
    views.append(this.viewButtons.com1, this.viewButtons.vga);
    controls.append(this.buttons.run, this.buttons.reset, this.buttons.step, views, this.buttons.close);
    header.append(controls);

    const dl = el("dl", { class: "stats" });
    const field = (name: string, title: string) => {
      const dd = el("dd", { "data-field": name });
      dl.append(el("dt", { "data-field": name }, title), dd);
      return dd;
    };
    this.fields = {
      state: stateEl,
      ips: field("ips", "instructions/s"),
      mips: field("mips", "MIPS busy"),
      instructions: field("instructions", "retired"),
      uptime: field("uptime", "uptime"),
      eip: field("eip", "EIP"),
      exits: field("exits", "exits"),
    };
    this.message = el("p", { class: "message", role: "status" });
    const screens = el("div", { class: "screens" });
    this.screens = { com1: el("div", { class: "screen com1" }), vga: el("div", { class: "screen vga", hidden: "" }) };
    screens.append(this.screens.com1, this.screens.vga);
    this.el.append(header, dl, this.message, screens);
    parent.append(this.el);

    // the worker first: it fetches and compiles the core while the terminal is being set up
    this.client = new MachineClient((msg) => this.showError(`machine worker: ${msg}`));
    this.com1 = createTerminal(this.screens.com1, { onInput: (d) => this.client.sendSerial(d) });

    this.buttons.run.onclick = () => this.act(() => (this.isRunning() ? this.pause() : this.start()));
    this.buttons.reset.onclick = () => this.act(() => this.reset());
    this.buttons.step.onclick = () => this.act(() => this.step());
    this.buttons.close.onclick = () => this.close();
    this.viewButtons.com1.onclick = () => this.show("com1");
    this.viewButtons.vga.onclick = () => this.show("vga");
    this.screens.com1.addEventListener("mousedown", () => this.com1.term.focus());
  }

  /**
   * Boot `config` in the worker, then start it if asked. Rejects (and the caller removes the
   * panel) if the kernel is refused; the error's message is the CLI's line.
   */
  async boot(config: MachineConfig | Promise<MachineConfig>, autostart: boolean): Promise<void> {
    const cfg = await config;
    await this.client.create(cfg);
    void this.client.drain(this.client.com1Out, (bytes) => {
      if (this.firstOutputMs === null) {
        this.firstOutputMs = performance.now() - this.created;
        performance.mark(`tabvisor:machine-${this.id}:first-output`);
      }
      return new Promise<void>((resolve) => this.com1.term.write(bytes, resolve));
    });
    void this.client.drain(this.client.vgaOut, (bytes) =>
      this.vgaTerm ? new Promise<void>((resolve) => this.vgaTerm!.term.write(bytes, resolve)) : undefined,
    );
    if (autostart) await this.start();
    await this.refresh();
    // The keyboard only if nobody has it yet: this runs after an asynchronous boot, and must not
    // take it from a form the user has started to fill meanwhile (keys would go to the guest).
    const active = document.activeElement;
    if (!active || active === document.body) this.com1.term.focus();
  }

  isRunning(): boolean {
    return this.stats?.state === "running" || this.stats?.state === "waiting";
  }

  async start(): Promise<void> {
    await this.client.api.start();
    await this.refresh();
  }

  async pause(): Promise<void> {
    await this.client.api.pause();
    await this.refresh();
  }

  async step(): Promise<void> {
    this.stats = await this.client.api.step(1);
    this.render();
  }

  /** Power-cycle: the same kernel and modules booted afresh, screens cleared; keeps running if it was. */
  async reset(): Promise<void> {
    const wasRunning = this.isRunning();
    await this.client.api.reset();
    this.client.clearRings();
    // RIS through the write queue: output of the old run still being parsed lands before it
    this.com1.term.write("\x1bc");
    this.vgaTerm?.term.write("\x1bc");
    if (this.view === "vga") await this.client.api.watchScreen(true);
    this.prevSample = null;
    this.message.textContent = "";
    this.message.classList.remove("error");
    if (wasRunning) await this.client.api.start();
    await this.refresh();
  }

  /** Switch views; the VGA terminal is created, and the worker asked for the screen, on first use. */
  show(view: View): void {
    if (view !== this.view) void this.client.api.watchScreen(view === "vga").catch(() => {});
    this.view = view;
    for (const v of ["com1", "vga"] as View[]) {
      this.screens[v].hidden = v !== view;
      this.viewButtons[v].setAttribute("aria-pressed", String(v === view));
    }
    if (view === "vga" && !this.vgaTerm) {
      this.vgaTerm = createTerminal(this.screens.vga, {
        fixed: { cols: VGA_COLS, rows: VGA_ROWS },
        theme: VGA_THEME,
        onInput: (d) => this.client.sendKeys(d),
      });
    }
    const t = view === "com1" ? this.com1 : this.vgaTerm!;
    t.fit();
    t.term.refresh(0, t.term.rows - 1);
    t.term.focus();
  }

  /** Fetch stats from the worker and redraw the numbers. */
  async refresh(): Promise<void> {
    if (this.closed) return;
    const s = await this.client.api.stats();
    const t = performance.now();
    if (this.prevSample && t > this.prevSample.t) this.ips = ((s.instructions - this.prevSample.n) * 1000) / (t - this.prevSample.t);
    this.prevSample = { t, n: s.instructions };
    this.stats = s;
    this.render();
  }

  /** The terminal's text, one string per line (the page's tests and the inspector read it). */
  text(view: View = "com1"): string {
    const t = view === "com1" ? this.com1 : this.vgaTerm;
    return t ? terminalText(t.term) : "";
  }

  /** The VGA terminal's grid (0 before the view is first shown). */
  vgaCols(): number {
    return this.vgaTerm?.term.cols ?? 0;
  }
  vgaRows(): number {
    return this.vgaTerm?.term.rows ?? 0;
  }

  showError(message: string): void {
    this.message.textContent = message;
    this.message.classList.add("error");
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
    this.com1.dispose();
    this.vgaTerm?.dispose();
    this.el.remove();
    this.onClose(this);
  }

  private act(fn: () => Promise<void>): void {
    if (this.busy) return;
    this.busy = true;
    fn()
      .catch((e: Error) => this.showError(e.message))
      .finally(() => {
        this.busy = false;
        this.render();
      });
  }

  private render(): void {
    const s = this.stats;
    if (!s || this.closed) return;
    const running = s.state === "running" || s.state === "waiting";
    this.fields.state.dataset.state = s.state;
    this.fields.state.textContent = s.state === "waiting" ? "idle" : s.state;
    this.fields.ips.textContent = running ? fmtRate(Math.max(0, this.ips)) : "—";
    this.fields.mips.textContent = s.busySeconds > 0 ? (s.instructions / s.busySeconds / 1e6).toFixed(1) : "—";
    this.fields.mips.title = "instructions per second of time spent running the core, as tabvisor run --stats reports";
    this.fields.instructions.textContent = fmtCount(s.instructions);
    this.fields.uptime.textContent = fmtTime(s.uptime);
    this.fields.eip.textContent = "0x" + s.eip.toString(16).padStart(8, "0");
    this.fields.exits.textContent =
      Object.entries(s.exits)
        .map(([k, v]) => `${k} ${fmtCount(v)}`)
        .join(" · ") || "none";
    this.buttons.run.textContent = running ? "Pause" : "Start";
    this.buttons.run.disabled = s.state === "stopped" || this.busy;
    this.buttons.reset.disabled = this.busy;
    this.buttons.step.disabled = running || s.state === "stopped" || this.busy;
    this.el.dataset.state = s.state;
    if (s.stop && !this.message.classList.contains("error")) {
      this.message.textContent = `stopped: ${s.stop.message} (exit status ${s.stop.status}, as the CLI)`;
    } else if (!s.stop && !this.message.classList.contains("error")) {
      this.message.textContent = "";
    }
  }
}
