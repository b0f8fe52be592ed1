// The comparison view: N trap-mode VMs, each booting the unix kernel, beside N containers on one
// unix kernel, measured in a worker (src/containers/compare-runner.ts) in this tab, now: start
// time, instructions to ready and to the first prompt, memory per instance, how many fit in a
// given RAM, and the isolation each gives, probed live in instance 1 of each kind. Every figure in
// the table is from this run; nothing is quoted.
import * as Comlink from "comlink";
import { createTerminal, type PageTerminal } from "../terminal.js";
import type { CompareConfig, CompareResult, InstanceFigures } from "../../src/containers/compare-runner.js";
import type { CompareRunner } from "../../src/containers/compare-runner.js";
import { el } from "./containers-panel.js";
import "./containers.css";

const fmt = (n: number | null) => (n === null || !Number.isFinite(n) ? "—" : Math.round(n).toLocaleString("en-US"));
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(3));
const ratio = (n: number) => (Number.isFinite(n) ? `${n >= 10 ? n.toFixed(0) : n.toFixed(1)}×` : "—");

export class ComparePanel {
  readonly el: HTMLElement;
  result: CompareResult | null = null;
  private readonly worker: Worker;
  private readonly api: Comlink.Remote<CompareRunner>;
  private readonly form: HTMLFormElement;
  private readonly status: HTMLElement;
  private readonly table: HTMLElement;
  private readonly columns: HTMLElement;
  private terms: PageTerminal[] = [];
  private closed = false;

  constructor(
    parent: HTMLElement,
    private readonly guest: () => Promise<Pick<CompareConfig, "kernel" | "modules">>,
  ) {
    this.el = el("section", { class: "compare-view", "aria-label": "VMs versus containers" });
    const header = el("header");
    const close = el("button", { "data-act": "close", "aria-label": "close" }, "✕");
    header.append(el("h2", {}, "VMs vs containers, measured here"), close);
    this.form = el("form", { class: "compare-form" });
    this.form.innerHTML = `
      <label>Instances of each <input name="count" type="number" min="1" max="8" value="4" /></label>
      <label>RAM per VM <input name="mem" type="number" min="16" max="256" value="64" /> MiB</label>
      <label>Fit in <input name="fit" type="number" min="64" max="65536" value="1024" /> MiB</label>
      <button type="submit">Measure</button>`;
    this.status = el("p", { class: "message", role: "status" });
    this.table = el("div", { class: "compare-table" });
    this.columns = el("div", { class: "compare-columns" });
    this.el.append(header, this.form, this.status, this.table, this.columns);
    parent.append(this.el);
    close.onclick = () => this.close();
    this.form.onsubmit = (e) => {
      e.preventDefault();
      void this.measure();
    };
    this.worker = new Worker(new URL("../../src/containers/compare-worker.ts", import.meta.url), { type: "module", name: "tabvisor-compare" });
    this.api = Comlink.wrap<CompareRunner>(this.worker);
  }

  async measure(): Promise<CompareResult | null> {
    const f = new FormData(this.form);
    const num = (k: string, d: number) => Number(f.get(k) ?? d) || d;
    const button = this.form.querySelector("button") as HTMLButtonElement;
    button.disabled = true;
    this.status.classList.remove("error");
    this.status.textContent = "booting the VMs and starting the containers…";
    try {
      const g = await this.guest();
      const cfg: CompareConfig = { ...g, count: Math.min(8, Math.max(1, num("count", 4))), memMiB: num("mem", 64), fitMiB: num("fit", 1024) };
      const r = await this.api.compare(cfg);
      if (this.closed) return null;
      this.result = r;
      this.render(r);
      this.status.textContent = `measured in this tab: ${r.count} trap-mode VMs (each its own kernel) and ${r.count} containers on one kernel`;
      return r;
    } catch (e) {
      this.status.textContent = `tabvisor: ${(e as Error).message}`;
      this.status.classList.add("error");
      return null;
    } finally {
      button.disabled = false;
    }
  }

  private render(r: CompareResult): void {
    const v = r.medians.vm;
    const c = r.medians.container;
    const rows: [string, string, string, string][] = [
      ["start time (host ms, median)", ms(v.hostMs), ms(c.hostMs), ratio(r.ratios.hostTime)],
      ["instructions to ready (VM: boot → ctrd; container: run → reply)", fmt(v.instructions), fmt(c.instructions), ratio(r.ratios.instructions)],
      [
        "instructions to first prompt / output",
        fmt(median(r.vms.map((x) => x.firstPromptInstructions))),
        fmt(median(r.containers.map((x) => x.firstPromptInstructions))),
        "",
      ],
      ["memory per instance (4 KiB pages)", fmt(v.pages), fmt(c.pages), ratio(r.ratios.memory)],
      [`how many fit in ${r.fit.ramMiB} MiB`, fmt(r.fit.vms), fmt(r.fit.containers), ""],
      ["the container host's own boot", "—", `${fmt(r.hostBoot.instructions)} instructions, ${ms(r.hostBoot.hostMs)} ms, ${fmt(r.hostBoot.pages)} pages (once)`, ""],
    ];
    const t = el("table");
    const head = el("tr");
    for (const h of ["", `trap-mode VM (×${r.count})`, `container (×${r.count})`, "VM / container"]) head.append(el("th", {}, h));
    t.append(head);
    for (const row of rows) {
      const tr = el("tr");
      row.forEach((cell, i) => tr.append(el(i === 0 ? "th" : "td", {}, cell)));
      t.append(tr);
    }
    const iso = el("table", { class: "isolation" });
    const ih = el("tr");
    for (const h of ["isolation (probed in instance 1)", "VM", "container"]) ih.append(el("th", {}, h));
    iso.append(ih);
    for (const row of r.isolation) {
      const tr = el("tr");
      tr.append(el("th", {}, row.property), el("td", {}, row.vm), el("td", {}, row.container));
      iso.append(tr);
    }
    this.table.replaceChildren(t, iso);
    for (const term of this.terms) term.dispose();
    this.terms = [];
    const column = (title: string, xs: InstanceFigures[]) => {
      const col = el("div", { class: "compare-column" });
      col.append(el("h3", {}, title));
      for (const x of xs) {
        const box = el("div", { class: "instance" });
        box.append(el("p", {}, `${x.label}: ${fmt(x.instructions)} instructions, ${ms(x.hostMs)} ms, ${fmt(x.pages)} pages`));
        const screen = el("div", { class: "screen" });
        box.append(screen);
        col.append(box);
        const term = createTerminal(screen, { onInput: () => {} });
        term.term.write(x.transcript.replace(/\r?\n/g, "\r\n"));
        this.terms.push(term);
      }
      return col;
    };
    this.columns.replaceChildren(column("VMs (trap-and-emulate), one kernel each", r.vms), column("containers, one shared kernel", r.containers));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const term of this.terms) term.dispose();
    this.worker.terminate();
    this.el.remove();
  }
}

function median(xs: (number | null)[]): number | null {
  const s = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : null;
}
