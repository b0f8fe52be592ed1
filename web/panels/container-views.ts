// Mounts the containers view and the comparison view on the page: two buttons, each opening its
// panel with the `unix` guest (fetched through web/guests.ts, the registry the CLI uses).
// `window.tabvisorContainers` exposes the open panels to tests and the console.
import { GUESTS, guestConfig } from "../guests.js";
import { ContainersPanel } from "./containers-panel.js";
import { ComparePanel } from "./compare-panel.js";
import { el } from "./containers-panel.js";

export const CONTAINER_HOST_GUEST = "unix";
export const CONTAINER_HOST_MEM_MIB = 128;

declare global {
  interface Window {
    tabvisorContainers: { containers: ContainersPanel[]; compare: ComparePanel[] };
  }
}

export function mountContainerViews(parent: HTMLElement): void {
  const guest = GUESTS.find((g) => g.name === CONTAINER_HOST_GUEST);
  const state = { containers: [] as ContainersPanel[], compare: [] as ComparePanel[] };
  window.tabvisorContainers = state;
  if (!guest) return;
  const bar = el("div", { class: "open" });
  const openContainers = el("button", { "data-open": "containers", title: "one unix kernel hosting containers, one terminal each" }, "Containers on one kernel");
  const openCompare = el("button", { "data-open": "compare", title: "N trap-mode VMs beside N containers, measured" }, "VMs vs containers");
  bar.append(openContainers, openCompare);
  const area = el("div");
  parent.append(bar, area);
  openContainers.onclick = () => {
    const p = new ContainersPanel(area);
    state.containers.push(p);
    void p.boot(guestConfig(guest, CONTAINER_HOST_MEM_MIB, "realtime")).catch((e: Error) => p.showError(e.message));
  };
  openCompare.onclick = () => {
    const p = new ComparePanel(area, async () => {
      const c = await guestConfig(guest, CONTAINER_HOST_MEM_MIB, "virtual");
      return { kernel: c.kernel, modules: c.modules };
    });
    state.compare.push(p);
  };
}
