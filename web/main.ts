// The page: checks cross-origin isolation, boots the default guest in the first machine panel,
// and wires the "add machine" and "your kernel" forms, drag-and-drop and the stats refresh.
// `window.tabvisor` exposes the panels (their terminal text and stats) to tests and the console.
import { ensureIsolation, missingFeatures } from "./isolation.js";
import { DEFAULT_GUEST, GUESTS, guestConfig, prefetchGuest } from "./guests.js";
import { MachinePanel } from "./panels/machine-panel.js";
import { KernelForm } from "./panels/kernel-form.js";
import { mountContainerViews } from "./panels/container-views.js";
import { mountHypervisorView } from "./panels/hypervisor-view.js";
import type { MachineConfig } from "../src/worker/protocol.js";

/** How often each panel's statistics are fetched from its worker. */
const STATS_INTERVAL_MS = 500;

const panels: MachinePanel[] = [];
const machinesEl = document.getElementById("machines")!;
const isolationEl = document.getElementById("isolation")!;
const newForm = document.getElementById("new-machine") as HTMLFormElement;
const guestSelect = newForm.elements.namedItem("guest") as HTMLSelectElement;
const memSelect = newForm.elements.namedItem("mem") as HTMLSelectElement;
const clockSelect = newForm.elements.namedItem("clock") as HTMLSelectElement;
const description = newForm.querySelector(".guest-description")!;

declare global {
  interface Window {
    tabvisor: { panels: MachinePanel[]; ready: Promise<void>; isolation: string };
  }
}

const memMiB = () => Number(memSelect.value);
const clock = () => clockSelect.value as MachineConfig["clock"];

function addPanel(label: string): MachinePanel {
  const p = new MachinePanel(machinesEl, label, (closed) => panels.splice(panels.indexOf(closed), 1));
  panels.push(p);
  return p;
}

/** A new machine booted from `config`; on a refused kernel the panel goes away and the error propagates. */
async function launch(label: string, config: MachineConfig | Promise<MachineConfig>): Promise<MachinePanel> {
  const p = addPanel(label);
  try {
    await p.boot(config, true);
  } catch (e) {
    p.close();
    throw e;
  }
  return p;
}

function setupForms(): void {
  for (const g of GUESTS) guestSelect.append(new Option(g.name, g.name, g.name === DEFAULT_GUEST, g.name === DEFAULT_GUEST));
  const describe = () => (description.textContent = GUESTS.find((g) => g.name === guestSelect.value)?.description ?? "");
  guestSelect.onchange = describe;
  describe();
  newForm.onsubmit = (e) => {
    e.preventDefault();
    const g = GUESTS.find((x) => x.name === guestSelect.value)!;
    launch(g.name, guestConfig(g, memMiB(), clock())).catch((err: Error) => alertLine(err.message));
  };
  const kernelForm = new KernelForm(document.getElementById("own-kernel") as HTMLFormElement, {
    boot: async (config) => void (await launch(config.label, config)),
    memMiB,
    clock,
  });
  const overlay = document.getElementById("drop-overlay")!;
  let depth = 0;
  const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");
  document.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  document.addEventListener("dragleave", () => {
    if (--depth <= 0) {
      depth = 0;
      overlay.hidden = true;
    }
  });
  document.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    void kernelForm.drop([...(e.dataTransfer?.files ?? [])]);
  });
}

function alertLine(message: string): void {
  const err = document.querySelector("#own-kernel .error")!;
  err.textContent = `tabvisor: ${message}`;
}

function setEnabled(on: boolean): void {
  for (const f of document.querySelectorAll("form")) for (const c of f.elements) (c as HTMLInputElement).disabled = !on;
}

async function init(): Promise<void> {
  const defaultGuest = GUESTS.find((g) => g.name === DEFAULT_GUEST)!;
  prefetchGuest(defaultGuest);
  setupForms();
  const iso = await ensureIsolation();
  const missing = missingFeatures();
  if (!iso.ok || missing.length) {
    const reason = iso.ok ? `This browser lacks ${missing.join(", ")}.` : iso.reason;
    isolationEl.textContent = `tabvisor cannot run here: ${reason}`;
    isolationEl.classList.add("bad");
    window.tabvisor.isolation = "unavailable";
    setEnabled(false);
    return;
  }
  window.tabvisor.isolation = iso.via;
  isolationEl.textContent = `cross-origin isolated (${iso.via === "headers" ? "COOP/COEP headers" : "service worker"}); each machine runs in its own worker.`;
  isolationEl.classList.add("good");
  mountContainerViews(document.getElementById("container-views")!);
  mountHypervisorView(document.getElementById("hypervisor-view")!);
  setInterval(() => {
    for (const p of panels) void p.refresh().catch(() => {});
  }, STATS_INTERVAL_MS);
  await launch(defaultGuest.name, guestConfig(defaultGuest, memMiB(), clock()));
}

window.tabvisor = { panels, ready: Promise.resolve(), isolation: "checking" };
window.tabvisor.ready = init().catch((e: Error) => {
  isolationEl.textContent = `tabvisor failed to start: ${e.message}`;
  isolationEl.classList.add("bad");
});
