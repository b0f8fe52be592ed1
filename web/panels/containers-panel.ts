// The containers view: one `unix` kernel in a container-host worker (src/containers/host-worker.ts)
// and one card per container — its console in its own xterm (pvchan stream k), its lifecycle state
// with pause/resume, stop and remove, its start cost, and its cgroup figures (memory.current in
// pages against memory.max, pids.current against pids.max, cpu.stat usage) refreshed live. The
// "New container" form asks ctrd for another container on the same kernel.
import * as Comlink from "comlink";
import { createTerminal, terminalText, type PageTerminal } from "../terminal.js";
import { ByteRing, RING_HEAD, waitForChange } from "../../src/worker/ring.js";
import {
  CONSOLE_IN_BYTES,
  CONSOLE_OUT_BYTES,
  type ContainerHostApi,
  type ContainerHostConfig,
  type ContainerHostSnapshot,
  type ContainerSummary,
} from "../../src/containers/host-protocol.js";
import type { RunSpec } from "../../src/containers/manager.js";
import "./containers.css";

export const CGROUP_REFRESH_MS = 1000;

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n.toLocaleString("en-US"));
const fmtBytes = (n: number | null) => (n === null ? "max" : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(n % (1 << 20) ? 1 : 0)} MiB` : `${Math.round(n / 1024)} KiB`);

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

/** One container's card: terminal, state, controls, figures. */
class ContainerCard {
  readonly el: HTMLElement;
  readonly term: PageTerminal;
  readonly out: ByteRing;
  readonly in = ByteRing.create(CONSOLE_IN_BYTES);
  private readonly stateEl: HTMLElement;
  private readonly figures: HTMLElement;
  private readonly buttons: Record<"pause" | "stop" | "rm", HTMLButtonElement>;
  summary: ContainerSummary | null = null;
  closed = false;

  constructor(
    parent: HTMLElement,
    readonly name: string,
    private readonly panel: ContainersPanel,
  ) {
    this.out = ByteRing.create(CONSOLE_OUT_BYTES);
    this.el = el("article", { class: "container-card", "data-container": name, "aria-label": `container ${name}` });
    const header = el("header");
    this.stateEl = el("span", { class: "state", "data-state": "created" }, "starting");
    this.buttons = {
      pause: el("button", { "data-act": "pause", disabled: "" }, "Pause"),
      stop: el("button", { "data-act": "stop", disabled: "" }, "Stop"),
      rm: el("button", { "data-act": "rm", disabled: "", title: "remove (once stopped)" }, "Remove"),
    };
    const controls = el("span", { class: "controls" });
    controls.append(this.buttons.pause, this.buttons.stop, this.buttons.rm);
    header.append(el("h3", {}, name), this.stateEl, controls);
    this.figures = el("p", { class: "figures" });
    const screen = el("div", { class: "screen" });
    this.el.append(header, this.figures, screen);
    parent.append(this.el);
    this.term = createTerminal(screen, { onInput: (d) => this.send(d) });
    this.term.term.options.convertEol = true; // a container console may end lines with a bare LF
    this.buttons.pause.onclick = () => this.panel.act(this, this.summary?.state === "paused" ? "resume" : "pause");
    this.buttons.stop.onclick = () => this.panel.act(this, "stop");
    this.buttons.rm.onclick = () => this.panel.act(this, "rm");
    void this.drain();
  }

  private send(data: string): void {
    this.in.write(new TextEncoder().encode(data));
    this.panel.ringDoorbell();
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const head = Atomics.load(this.out.ctrl, RING_HEAD);
      if (this.out.used()) {
        const bytes = this.out.read();
        await new Promise<void>((resolve) => this.term.term.write(bytes, resolve));
      }
      await waitForChange(this.out.ctrl, RING_HEAD, head, 250);
    }
  }

  render(s: ContainerSummary): void {
    this.summary = s;
    this.el.dataset.state = s.state;
    this.stateEl.dataset.state = s.state;
    this.stateEl.textContent = s.state + (s.oomKilled ? " (OOM)" : s.exitStatus !== null && s.state === "stopped" ? ` (status ${s.exitStatus})` : "");
    const cg = s.cgroup;
    const parts = [
      `console stream ${s.console ?? "none"}`,
      s.pid !== null ? `init PID ${s.pid} on the host` : "",
      s.start ? `started in ${fmt(s.start.instructions)} instructions, ${s.start.hostMs.toFixed(2)} ms` : "",
      cg ? `memory ${fmt(cg.memoryPages)} pages of ${fmtBytes(cg.memoryMax)}` : "",
      cg ? `pids ${fmt(cg.pids)} of ${cg.pidsMax === null ? "max" : fmt(cg.pidsMax)}` : "",
      cg && cg.cpuUsageUsec !== null ? `cpu ${(cg.cpuUsageUsec / 1000).toFixed(1)} ms` : "",
    ];
    this.figures.textContent = parts.filter(Boolean).join(" · ");
    this.buttons.pause.textContent = s.state === "paused" ? "Resume" : "Pause";
    this.buttons.pause.disabled = s.state !== "running" && s.state !== "paused";
    this.buttons.stop.disabled = s.state !== "running" && s.state !== "paused";
    this.buttons.rm.disabled = s.state !== "stopped" && s.state !== "created";
  }

  /** The terminal's text (tests read it). */
  text(): string {
    return terminalText(this.term.term);
  }

  dispose(): void {
    this.closed = true;
    this.term.dispose();
    this.el.remove();
  }
}

export class ContainersPanel {
  readonly el: HTMLElement;
  readonly cards = new Map<string, ContainerCard>();
  snapshot: ContainerHostSnapshot | null = null;
  private readonly api: Comlink.Remote<ContainerHostApi>;
  private readonly worker: Worker;
  private readonly doorbell = new Int32Array(new SharedArrayBuffer(4));
  private readonly hostFigures: HTMLElement;
  private readonly message: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly form: HTMLFormElement;
  private timer: ReturnType<typeof setInterval> | null = null;
  private next = 1;
  private closed = false;

  constructor(parent: HTMLElement) {
    this.el = el("section", { class: "containers-view", "aria-label": "containers on one kernel" });
    const header = el("header");
    const close = el("button", { "data-act": "close", "aria-label": "close", title: "power off the container host" }, "✕");
    header.append(el("h2", {}, "Containers on one kernel"), close);
    this.hostFigures = el("p", { class: "host-figures" }, "booting the unix kernel…");
    this.form = el("form", { class: "new-container" });
    this.form.innerHTML = `
      <label>Image <select name="image"><option value="">(default)</option></select></label>
      <label>Memory <input name="memory" size="6" value="16M" /></label>
      <label>CPUs <input name="cpus" size="4" placeholder="1" /></label>
      <label>PIDs <input name="pids" size="4" value="32" /></label>
      <button type="submit" disabled>New container</button>`;
    this.message = el("p", { class: "message", role: "status" });
    this.grid = el("div", { class: "container-grid" });
    this.el.append(header, this.hostFigures, this.form, this.message, this.grid);
    parent.append(this.el);
    close.onclick = () => this.close();
    this.form.onsubmit = (e) => {
      e.preventDefault();
      void this.newContainer().catch((err: Error) => this.showError(err.message));
    };
    this.worker = new Worker(new URL("../../src/containers/host-worker.ts", import.meta.url), { type: "module", name: "tabvisor-containers" });
    this.worker.addEventListener("error", (e) => this.showError(e.message || "the container host worker failed to load"));
    this.api = Comlink.wrap<ContainerHostApi>(this.worker);
  }

  /** Boot the container host; the form is enabled once ctrd answers. */
  async boot(config: ContainerHostConfig | Promise<ContainerHostConfig>): Promise<void> {
    const cfg = await config;
    const buffers = [cfg.kernel.data.buffer, ...cfg.modules.map((m) => m.data.buffer)].filter(
      (b, i, all): b is ArrayBuffer => b instanceof ArrayBuffer && all.indexOf(b) === i,
    );
    try {
      await this.api.create(Comlink.transfer(cfg, buffers), this.doorbell.buffer as SharedArrayBuffer);
    } catch (e) {
      this.hostFigures.textContent = "the container host did not come up";
      throw e;
    }
    (this.form.querySelector("button") as HTMLButtonElement).disabled = false;
    const select = this.form.querySelector("select[name=image]") as HTMLSelectElement;
    for (const img of await this.api.images().catch(() => [])) select.append(new Option(`${img.name} (${img.cmd})`, img.name));
    await this.refresh(false);
    this.timer = setInterval(() => void this.refresh(true).catch(() => {}), CGROUP_REFRESH_MS);
  }

  ringDoorbell(): void {
    Atomics.add(this.doorbell, 0, 1);
    Atomics.notify(this.doorbell, 0);
  }

  /** Ask ctrd for a container with the form's limits; its card and terminal appear at once. */
  async newContainer(): Promise<void> {
    const f = new FormData(this.form);
    const v = (k: string) => String(f.get(k) ?? "").trim() || undefined;
    const name = `ct${this.next++}`;
    const spec: RunSpec = { name, hostname: name, image: v("image"), memory: v("memory"), cpus: v("cpus"), pidsLimit: v("pids") ? Number(v("pids")) : undefined };
    const card = new ContainerCard(this.grid, name, this);
    this.cards.set(name, card);
    try {
      const s = await this.api.run(spec, { out: card.out.sab, in: card.in.sab });
      card.render(s);
      card.term.term.focus();
    } catch (e) {
      card.dispose();
      this.cards.delete(name);
      throw e;
    }
  }

  /** A card's button: the lifecycle action through ctrd; an illegal one comes back as the mirror's error. */
  act(card: ContainerCard, action: "pause" | "resume" | "stop" | "rm"): void {
    const call = action === "rm" ? this.api.rm(card.name) : this.api[action](card.name);
    void call
      .then(async () => {
        if (action === "rm") {
          card.dispose();
          this.cards.delete(card.name);
        }
        await this.refresh(false);
      })
      .catch((e: Error) => this.showError(`${card.name}: ${e.message}`));
  }

  async refresh(cgroups: boolean): Promise<void> {
    if (this.closed) return;
    const s = await this.api.snapshot(cgroups);
    this.snapshot = s;
    const boot = s.boot ? `kernel booted in ${fmt(s.boot.instructions)} instructions, ${s.boot.hostMs.toFixed(0)} ms` : "booting";
    this.hostFigures.textContent =
      `${boot} · ${fmt(s.instructions)} instructions so far · ${fmt(s.touchedPages)} of ${fmt(s.ramBytes / 4096)} guest pages touched · ` +
      `${s.containers.filter((c) => c.state === "running").length} running of ${s.containers.length}` +
      (s.stop ? ` · stopped: ${s.stop}` : "");
    for (const c of s.containers) this.cards.get(c.name)?.render(c);
  }

  showError(message: string): void {
    this.message.textContent = `tabvisor: ${message}`;
    this.message.classList.add("error");
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.cards.values()) c.dispose();
    this.worker.terminate();
    this.el.remove();
  }
}
