// The comparison view's worker side: N trap-mode VMs, each booting the container host kernel (one
// Hypervisor on its own core, src/hv), beside N containers on one booted kernel (a Machine on a
// second core) — measured the same way (src/containers/measure.ts): guest instructions and host
// time to ready (VM: power-on → its ctrd answers; container: `run` → reply), to the first prompt
// or console output, memory per instance, how many fit in a given RAM, and live isolation probes
// typed into each instance's console. Node tests drive it directly; compare-worker.ts is the
// browser entry.
import type { Core } from "../core/core.js";
import { Hypervisor } from "../hv/hypervisor.js";
import type { MultibootModule } from "../hv/multiboot.js";
import { ContainerManager, PAGE_BYTES } from "./manager.js";
import { bootVm, guestRam, median, startContainers, touchedPages, type BootedVm } from "./measure.js";

export interface CompareConfig {
  kernel: { name: string; data: Uint8Array };
  modules: { name: string; args: string; data: Uint8Array }[];
  /** Instances of each kind. */
  count: number;
  /** Guest RAM per VM, and of the container host, MiB. */
  memMiB: number;
  /** RAM for the "how many fit" figure, MiB. */
  fitMiB: number;
  /** Probe lines typed into VM 1's COM1 and container 1's console (default: hostname, ps). */
  probes?: string[];
  /** Give up after this many instructions per VM (default 2e9). */
  maxInstructions?: number;
}

export interface InstanceFigures {
  label: string;
  /** Guest instructions to ready (VM: power-on → ctrd answers; container: run → reply). */
  instructions: number;
  /** Host ms to ready (VM: its own run time; container: run → reply). */
  hostMs: number;
  /** Guest instructions to the first prompt (VM: '# ' on COM1) or first console output (container). */
  firstPromptInstructions: number | null;
  /** Memory: VM: RAM its kernel does not report free (/proc/meminfo); container: max(cgroup pages, MemFree drop per start, touched pages per start). */
  pages: number;
  transcript: string;
}

export interface CompareResult {
  count: number;
  vms: InstanceFigures[];
  containers: InstanceFigures[];
  /** The container host's own boot (once for all containers). */
  hostBoot: { instructions: number; hostMs: number; pages: number };
  medians: {
    vm: { instructions: number; hostMs: number; pages: number };
    container: { instructions: number; hostMs: number; pages: number };
  };
  ratios: { instructions: number; hostTime: number; memory: number };
  fit: { ramMiB: number; vms: number; containers: number };
  isolation: IsolationRow[];
}

/** One row of the isolation table, each cell a measured figure or fact of this run. */
export interface IsolationRow {
  property: string;
  vm: string;
  container: string;
}

/** Typed into instance 1 of each kind: its name, the processes it sees, the memory its kernel reports, its root. */
export const DEFAULT_PROBES = ["hostname", "ps", "cat /proc/meminfo", "ls /"];
const QUANTUM = 200_000;
const PROMPT = "# ";
const latin1 = (bytes: number[]) => new TextDecoder("latin1").decode(Uint8Array.from(bytes));

function modulesOf(cfg: CompareConfig): MultibootModule[] {
  return cfg.modules.map((m) => ({ data: m.data, cmdline: `${m.name} ${m.args}`.trim() }));
}

/** Lines of a probe's answer in `text` (after the echoed command, up to the next prompt). */
export function probeAnswer(text: string, command: string): string[] {
  const lines = text.replace(/\r/g, "").split("\n");
  const at = lines.findIndex((l) => l.endsWith(PROMPT + command) || l === command);
  if (at < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.startsWith(PROMPT.trimEnd())) break;
    out.push(l);
  }
  return out;
}

export class CompareRunner {
  constructor(private readonly loadCore: () => Promise<Core>) {}

  async compare(cfg: CompareConfig): Promise<CompareResult> {
    const probes = cfg.probes ?? DEFAULT_PROBES;
    const ramBytes = cfg.memMiB << 20;
    const maxInsns = cfg.maxInstructions ?? 2e9;

    // N trap-mode VMs, each its own kernel.
    const hvCore = await this.loadCore();
    const com1: number[][] = Array.from({ length: cfg.count }, () => []);
    const prompt: (number | null)[] = new Array(cfg.count).fill(null);
    const hv = new Hypervisor({
      core: hvCore,
      count: cfg.count,
      guestRamBytes: ramBytes,
      mode: "trap",
      quantum: QUANTUM,
      maxInstructions: maxInsns,
      onOutput: (k, src, b) => {
        if (src !== "com1") return;
        com1[k].push(b);
        const n = com1[k].length;
        if (prompt[k] === null && n >= 2 && com1[k][n - 2] === 0x23 && b === 0x20) prompt[k] = Number(hvCore.state.insnCount);
      },
    });
    hv.boot(cfg.kernel.data, { kernelName: cfg.kernel.name, cmdline: "", modules: modulesOf(cfg) });
    const managers = hv.vms.map((vm) => new ContainerManager(vm.machine, { drivenExternally: true }));
    const readyAt: ({ instructions: number; hostMs: number } | null)[] = new Array(cfg.count).fill(null);
    const failures: string[] = [];
    managers.forEach((m, k) =>
      m.ready().then(
        (cost) => (readyAt[k] = { instructions: cost.instructions, hostMs: hv.vms[k].machine.stats().seconds * 1000 }),
        (e: Error) => failures.push(`vm${k}: ${e.message}`),
      ),
    );
    while (readyAt.some((r) => r === null) && !failures.length) {
      const vm = hv.runTurn();
      if (!vm) break;
      managers[vm.id].tick();
      await null; // let ready() move on (its steps are promise continuations)
    }
    if (failures.length) throw new Error(failures[0]);
    if (readyAt.some((r) => r === null)) throw new Error("a VM stopped before its ctrd answered");
    // each VM's memory in use, by its own kernel: cat /proc/meminfo on its COM1 shell
    const usedPages: (number | null)[] = hv.vms.map((vm, k) => {
      const from = com1[k].length;
      hv.receiveInput(k, new TextEncoder().encode("cat /proc/meminfo\n"));
      hv.switchTo(vm);
      for (let i = 0; i < 250 && !vm.stopped; i++) {
        vm.state = vm.machine.runFor(QUANTUM);
        const t = latin1(com1[k].slice(from)).replace(/\r/g, "");
        const free = /MemFree:\s*(\d+) kB/.exec(t);
        if (free && t.endsWith("\n" + PROMPT)) return Math.ceil((ramBytes / 1024 - Number(free[1])) / 4);
      }
      return null;
    });
    // probes into VM 0's shell
    const vm0 = hv.vms[0];
    hv.receiveInput(0, new TextEncoder().encode(probes.join("\n") + "\n"));
    for (let i = 0; i < 200 && !vm0.stopped; i++) {
      hv.switchTo(vm0);
      vm0.state = vm0.machine.runFor(QUANTUM);
      const text = latin1(com1[0]);
      if (probeAnswer(text, probes[probes.length - 1]).length && text.endsWith(PROMPT)) break;
    }
    const vmFigures: InstanceFigures[] = hv.vms.map((vm, k) => {
      hv.switchTo(vm);
      return {
        label: `vm${k}`,
        instructions: readyAt[k]!.instructions,
        hostMs: readyAt[k]!.hostMs,
        firstPromptInstructions: prompt[k],
        pages: usedPages[k] ?? touchedPages(guestRam(vm.machine)),
        transcript: latin1(com1[k]),
      };
    });

    // N containers on one kernel (a second core: the hypervisor's core holds the VMs).
    const ctCore = await this.loadCore();
    const host: BootedVm = await bootVm(ctCore, { kernel: cfg.kernel.data, kernelName: cfg.kernel.name, modules: modulesOf(cfg) }, { kind: "bare", ramBytes });
    const run = await startContainers(host, cfg.count, (k) => ({ name: `ct${k}`, hostname: `ct${k}` }));
    const first = run.containers[0];
    if (first?.console) {
      first.console.write(probes.join("\n") + "\n");
      for (let i = 0; i < 200 && !host.machine.stopped; i++) {
        host.machine.runFor(QUANTUM);
        host.manager.tick();
        const text = first.console.text();
        if (probeAnswer(text, probes[probes.length - 1]).length && text.endsWith(PROMPT)) break;
      }
    }
    const ctFigures: InstanceFigures[] = run.starts.map((s, i) => ({
      label: s.name,
      instructions: s.instructions,
      hostMs: s.hostMs,
      firstPromptInstructions: s.firstOutputInstructions,
      pages: Math.max(s.cgroupPages ?? 0, run.freePagesPerContainer ?? 0, run.touchedPagesPerContainer),
      transcript: run.containers[i].console?.text() ?? "",
    }));

    const med = (xs: InstanceFigures[], f: (x: InstanceFigures) => number) => median(xs.map(f));
    const vmM = { instructions: med(vmFigures, (x) => x.instructions), hostMs: med(vmFigures, (x) => x.hostMs), pages: med(vmFigures, (x) => x.pages) };
    const ctM = { instructions: med(ctFigures, (x) => x.instructions), hostMs: med(ctFigures, (x) => x.hostMs), pages: med(ctFigures, (x) => x.pages) };
    const fitBytes = cfg.fitMiB << 20;
    const hostPages = host.boot.usedPages ?? host.boot.touchedPages;
    const isolation = isolationRows(cfg, probes, vmFigures, ctFigures, host);
    return {
      count: cfg.count,
      vms: vmFigures,
      containers: ctFigures,
      hostBoot: { instructions: host.boot.instructions, hostMs: host.boot.hostMs, pages: hostPages },
      medians: { vm: vmM, container: ctM },
      ratios: { instructions: vmM.instructions / ctM.instructions, hostTime: vmM.hostMs / ctM.hostMs, memory: vmM.pages / Math.max(1, ctM.pages) },
      fit: {
        ramMiB: cfg.fitMiB,
        vms: Math.floor(fitBytes / (vmM.pages * PAGE_BYTES)),
        containers: Math.max(0, Math.floor((fitBytes - hostPages * PAGE_BYTES) / (Math.max(1, ctM.pages) * PAGE_BYTES))),
      },
      isolation,
    };
  }
}

function isolationRows(cfg: CompareConfig, probes: string[], vms: InstanceFigures[], cts: InstanceFigures[], host: BootedVm): IsolationRow[] {
  const rows: IsolationRow[] = [
    { property: "kernels booted for N instances", vm: `${cfg.count} (one per VM)`, container: "1 (shared)" },
    {
      property: "memory boundary",
      vm: `separate guest-physical RAM, ${cfg.memMiB} MiB each, bounds-checked by the CPU core`,
      container: `one kernel's RAM; cgroup memory.max per container`,
    },
  ];
  for (const p of probes) {
    const v = probeAnswer(vms[0]?.transcript ?? "", p);
    const c = probeAnswer(cts[0]?.transcript ?? "", p);
    const show = (lines: string[]) => {
      if (lines.length === 0) return "—";
      if (p === "ps") return `${lines.filter((l) => /^\s*\d+/.test(l)).length} processes visible`;
      const total = /MemTotal:\s*(\d+) kB/.exec(lines.join("\n"));
      if (total) return `MemTotal ${Math.round(Number(total[1]) / 1024)} MiB: what its kernel manages`;
      return lines.join(" ").slice(0, 80);
    };
    rows.push({ property: `\`${p}\` inside instance 1`, vm: show(v), container: show(c) });
  }
  rows.push({
    property: "processes in the whole system",
    vm: `each VM: its own kernel's`,
    container: `${host.manager.list().length} containers' inits on one kernel`,
  });
  return rows;
}
