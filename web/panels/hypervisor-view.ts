// Mounts the hypervisor view on the page: a form (guest, VM count 1–8, RAM per VM) and a
// "Hypervisor (trap-and-emulate)" button opening a HypervisorPanel with those VMs. Guest images
// come through web/guests.ts (the registry the CLI uses). `window.tabvisorHypervisor` exposes the
// open panels to tests and the console.
import { GUESTS, guestConfig } from "../guests.js";
import { el } from "./containers-panel.js";
import { HypervisorPanel } from "./hypervisor-panel.js";
import { HV_MAX_VMS } from "../../src/worker/hv-protocol.js";

/** The guests the view offers, first the default. */
export const HV_GUESTS = ["tick", "unix", "popf", "hello"];

declare global {
  interface Window {
    tabvisorHypervisor: { panels: HypervisorPanel[] };
  }
}

export function mountHypervisorView(parent: HTMLElement): void {
  const state = { panels: [] as HypervisorPanel[] };
  window.tabvisorHypervisor = state;
  const form = el("form", { class: "hv-form", "aria-label": "new hypervisor run" });
  const guest = el("select", { name: "guest" });
  for (const name of HV_GUESTS) if (GUESTS.some((g) => g.name === name)) guest.append(new Option(name, name));
  const count = el("input", { name: "count", type: "number", min: "1", max: String(HV_MAX_VMS), value: "2", size: "3" });
  const mem = el("select", { name: "mem" });
  for (const m of [16, 32, 64]) mem.append(new Option(`${m} MiB`, String(m), m === 32, m === 32));
  const label = (text: string, input: HTMLElement) => {
    const l = el("label", {}, text + " ");
    l.append(input);
    return l;
  };
  const submit = el("button", { type: "submit", "data-open": "hypervisor", title: "N trap-mode VMs of one guest under tabvisor's hypervisor" }, "Hypervisor (trap-and-emulate)");
  const error = el("span", { class: "error", role: "alert" });
  form.append(label("Guest", guest), label("VMs", count), label("RAM per VM", mem), submit, error);
  const area = el("div");
  parent.append(form, area);
  form.onsubmit = (e) => {
    e.preventDefault();
    error.textContent = "";
    const g = GUESTS.find((x) => x.name === guest.value);
    const n = Number(count.value);
    if (!g || !Number.isInteger(n) || n < 1 || n > HV_MAX_VMS) {
      error.textContent = `tabvisor: choose a guest and 1 to ${HV_MAX_VMS} VMs`;
      return;
    }
    const p = new HypervisorPanel(area, g.name, n);
    state.panels.push(p);
    const memMiB = Number(mem.value);
    const config = guestConfig(g, memMiB, "realtime").then((c) => ({ kernel: c.kernel, modules: c.modules, count: n, memMiB }));
    void p.start(config).catch((err: Error) => p.showError(err.message));
  };
}
