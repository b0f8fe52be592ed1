// The hypervisor view (trap-and-emulate): N VMs of one guest in a hypervisor worker
// (src/worker/hv-worker.ts), one xterm per VM on its COM1, live per-VM counters (instructions,
// exits by reason, shadow paging, world switches, sensitive instructions found with their guest
// addresses and problem), and a trap timeline, newest first, that "Pause timeline" freezes while
// the VMs keep running; "Pause VMs" stops the VMs themselves. The page pulls one batched update
// per UPDATE_MS (src/worker/hv-protocol.ts).
import * as Comlink from "comlink";
import { createTerminal, terminalText, type PageTerminal } from "../terminal.js";
import { el } from "./containers-panel.js";
import type { HvConfig, HvTrapRow, HvUpdate, HvVmFigures, HvWorkerApi } from "../../src/worker/hv-protocol.js";
import "./hypervisor.css";

export const UPDATE_MS = 200;
/** Rows the timeline table keeps. */
export const TIMELINE_ROWS = 200;

/** Browsers coarsen performance.now() (5 µs when cross-origin isolated), so short traps read 0 ns or 5 µs. */
const COST_NOTE = " Host cost is measured with performance.now(), which this browser rounds (typically to 5 µs).";

const fmt = (n: number) => n.toLocaleString("en-US");
const hex = (n: number) => "0x" + (n >>> 0).toString(16).padStart(8, "0");
const cost = (ns: number) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(1)} µs` : `${Math.round(ns)} ns`);
const record = (r: Record<string, number> | null) =>
  r && Object.keys(r).length
    ? Object.entries(r)
        .filter(([, v]) => v)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(" · ") || "none"
    : "none";

/** One VM's card: its COM1 terminal and its counters. */
class VmCard {
  readonly el: HTMLElement;
  readonly term: PageTerminal;
  private readonly stateEl: HTMLElement;
  private readonly figures: HTMLElement;
  private readonly sensitive: HTMLElement;

  constructor(parent: HTMLElement, readonly vm: number, onInput: (vm: number, bytes: Uint8Array) => void) {
    this.el = el("article", { class: "hv-vm", "data-vm": String(vm), "aria-label": `VM ${vm}` });
    const header = el("header");
    this.stateEl = el("span", { class: "state" }, "booting");
    header.append(el("h3", {}, `VM ${vm}`), this.stateEl);
    const screen = el("div", { class: "screen" });
    this.figures = el("dl", { class: "figures" });
    this.sensitive = el("div", { class: "sensitive" });
    this.el.append(header, screen, this.figures, this.sensitive);
    parent.append(this.el);
    const enc = new TextEncoder();
    this.term = createTerminal(screen, { onInput: (d) => onInput(vm, enc.encode(d)) });
  }

  render(v: HvVmFigures): void {
    const state = v.stop ? `stopped: ${v.stop}` : v.state;
    this.stateEl.textContent = state;
    this.el.dataset.state = v.stop ? "stopped" : v.state;
    const rows: [string, string][] = [
      ["instructions", fmt(v.instructions)],
      ["exits by reason", record(v.exits)],
      ["reflected to the guest", fmt(v.reflected)],
      ["shadow paging", record(v.shadow)],
      ["world switches", fmt(v.worldSwitches)],
      ["sensitive instructions", fmt(v.sensitive.length)],
    ];
    this.figures.replaceChildren(...rows.flatMap(([k, val]) => [el("dt", {}, k), el("dd", { "data-figure": k }, val)]));
    if (v.sensitive.length === 0) {
      this.sensitive.replaceChildren();
      return;
    }
    const list = el("ul");
    for (const s of v.sensitive) {
      const li = el("li");
      li.append(el("code", {}, `${s.eip} ${s.insn}`), document.createTextNode(` — ${s.problem}`));
      list.append(li);
    }
    this.sensitive.replaceChildren(el("h4", {}, "Sensitive but unprivileged (found in trap mode)"), list);
  }

  /** The terminal's text (tests read it). */
  text(): string {
    return terminalText(this.term.term);
  }

  dispose(): void {
    this.term.dispose();
    this.el.remove();
  }
}

export class HypervisorPanel {
  readonly el: HTMLElement;
  readonly cards: VmCard[] = [];
  /** Timeline rows shown, newest first. */
  readonly rows: HvTrapRow[] = [];
  last: HvUpdate | null = null;
  /** Updates applied so far (tests wait on it). */
  updates = 0;
  timelinePaused = false;
  private readonly api: Comlink.Remote<HvWorkerApi>;
  private readonly worker: Worker;
  private readonly summary: HTMLElement;
  private readonly message: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly runButton: HTMLButtonElement;
  private readonly timelineButton: HTMLButtonElement;
  private readonly timelineNote: HTMLElement;
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling = false;
  private closed = false;

  constructor(parent: HTMLElement, readonly guest: string, readonly count: number) {
    this.el = el("section", { class: "hv-view", "aria-label": "hypervisor (trap-and-emulate)" });
    const header = el("header");
    this.runButton = el("button", { "data-act": "run", disabled: "", title: "stop or continue every VM" }, "Pause VMs");
    this.timelineButton = el("button", { "data-act": "timeline", title: "freeze the table; the VMs keep running" }, "Pause timeline");
    const close = el("button", { "data-act": "close", "aria-label": "close", title: "power off these VMs" }, "✕");
    header.append(el("h2", {}, `Hypervisor (trap-and-emulate): ${count} × ${guest}`), this.runButton, this.timelineButton, close);
    this.summary = el("p", { class: "hv-summary" }, "booting…");
    this.message = el("p", { class: "message", role: "status" });
    this.grid = el("div", { class: "hv-grid" });
    const timeline = el("div", { class: "hv-timeline" });
    this.timelineNote = el("p", { class: "note" }, "Trap timeline, newest first (all VMs)." + COST_NOTE);
    const table = el("table");
    table.innerHTML = "<thead><tr><th>#</th><th>VM</th><th>guest address</th><th>instruction</th><th>reason</th><th>what the hypervisor did</th><th>host cost</th></tr></thead>";
    this.tbody = table.createTBody();
    timeline.append(el("h3", {}, "Trap timeline"), this.timelineNote, table);
    this.el.append(header, this.summary, this.message, this.grid, timeline);
    parent.append(this.el);
    for (let k = 0; k < count; k++) this.cards.push(new VmCard(this.grid, k, (vm, b) => void this.api.input(vm, b).catch((e: Error) => this.showError(e.message))));
    close.onclick = () => this.close();
    this.runButton.onclick = () => void this.toggleRunning();
    this.timelineButton.onclick = () => this.setTimelinePaused(!this.timelinePaused);
    this.worker = new Worker(new URL("../../src/worker/hv-worker.ts", import.meta.url), { type: "module", name: "tabvisor-hypervisor" });
    this.worker.addEventListener("error", (e) => this.showError(e.message || "the hypervisor worker failed to load"));
    this.api = Comlink.wrap<HvWorkerApi>(this.worker);
  }

  async start(config: HvConfig | Promise<HvConfig>): Promise<void> {
    const cfg = await config;
    const buffers = [cfg.kernel.data.buffer, ...cfg.modules.map((m) => m.data.buffer)].filter(
      (b, i, all): b is ArrayBuffer => b instanceof ArrayBuffer && all.indexOf(b) === i,
    );
    await this.api.start(Comlink.transfer(cfg, buffers));
    this.runButton.disabled = false;
    this.timer = setInterval(() => void this.poll(), UPDATE_MS);
  }

  setTimelinePaused(on: boolean): void {
    this.timelinePaused = on;
    this.timelineButton.textContent = on ? "Resume timeline" : "Pause timeline";
    this.timelineButton.setAttribute("aria-pressed", String(on));
    this.el.dataset.timeline = on ? "paused" : "live";
    this.timelineNote.textContent = on
      ? "Timeline paused: the VMs keep running (their terminals and counters stay live); traps meanwhile are not added."
      : "Trap timeline, newest first (all VMs).";
    if (!on) this.timelineNote.textContent += COST_NOTE;
  }

  private async toggleRunning(): Promise<void> {
    const on = !(this.last?.running ?? true);
    await this.api.setRunning(on);
    this.runButton.textContent = on ? "Pause VMs" : "Resume VMs";
    await this.poll();
  }

  private async poll(): Promise<void> {
    if (this.closed || this.polling) return;
    this.polling = true;
    try {
      this.apply(await this.api.update());
    } catch (e) {
      this.showError((e as Error).message);
    } finally {
      this.polling = false;
    }
  }

  private apply(u: HvUpdate): void {
    if (this.closed) return;
    this.last = u;
    this.updates++;
    u.output.forEach((bytes, k) => bytes.length && this.cards[k]?.term.term.write(bytes));
    u.vms.forEach((v) => this.cards[v.vm]?.render(v));
    const insns = u.vms.reduce((a, v) => a + v.instructions, 0);
    this.summary.textContent =
      `${fmt(insns)} guest instructions · ${fmt(u.worldSwitches)} world switches · ${u.seconds.toFixed(2)} s of host time in VMs · ` +
      (u.finished ? "every VM has stopped" : u.running ? "running" : "VMs paused");
    this.el.dataset.running = String(u.running);
    this.runButton.textContent = u.finished ? "VMs stopped" : u.running ? "Pause VMs" : "Resume VMs";
    if (u.finished) this.runButton.disabled = true;
    if (this.timelinePaused || u.traps.length === 0) return;
    for (const r of u.traps) this.rows.unshift(r);
    this.rows.length = Math.min(this.rows.length, TIMELINE_ROWS);
    const trs = this.rows.map((r) => {
      const tr = el("tr", { "data-vm": String(r.vm), "data-reason": r.reason });
      for (const c of [String(r.seq), String(r.vm), hex(r.eip), r.insn, r.reason, r.action, cost(r.costNs)]) tr.append(el("td", {}, c));
      return tr;
    });
    this.tbody.replaceChildren(...trs);
  }

  showError(message: string): void {
    this.message.textContent = `tabvisor: ${message}`;
    this.message.classList.add("error");
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.cards) c.dispose();
    this.worker.terminate();
    this.el.remove();
  }
}
