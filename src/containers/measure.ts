// The VM-versus-container measurements, one implementation for the bench scenario
// (bench/scenarios/containers.js), the CLI's figures and the page's comparison view:
//   - a VM boot of the container host kernel: a fresh machine (bare metal, or one trap-mode VM of
//     src/hv) from construction to ctrd's first answer — guest instructions and host ms — and the
//     guest RAM pages the booted VM has touched;
//   - container starts in one booted kernel: each `run` request to its reply (instructions, host
//     ms), the first console byte, cgroup memory pages, and the guest RAM pages touched per
//     container (the growth of touched pages over all starts, divided by their number);
//   - the ratios VM / container and how many of each fit in a given RAM.
// Memory is read from the guest kernel itself: `cat /proc/meminfo` typed on its COM1 shell. A VM
// costs the RAM its kernel does not report free after booting (kernel, its file trees, its
// processes); a container costs the drop in MemFree per start (kernel structures included), or
// its cgroup's pages if larger. "Touched" pages (any non-zero byte; RAM starts zeroed) are kept
// as a second figure: the unix kernel writes every page it puts on its free list, so for it they
// say little.
import type { Core } from "../core/core.js";
import type { MultibootModule } from "../hv/multiboot.js";
import { Machine } from "../hv/vm.js";
import { Hypervisor } from "../hv/hypervisor.js";
import { Platform } from "../devices/platform.js";
import { ContainerManager, PAGE_BYTES, type Container, type RunSpec } from "./manager.js";

export interface GuestImage {
  kernel: Uint8Array;
  kernelName: string;
  modules: MultibootModule[];
}

export type VmKind = "bare" | "trap";

export interface VmBoot {
  kind: VmKind;
  ramBytes: number;
  /** Guest instructions from power-on to ctrd's first answer. */
  instructions: number;
  /** Host ms from building the machine (RAM, devices, kernel load) to ctrd's first answer. */
  hostMs: number;
  /** Guest RAM pages written by the time ctrd answered. */
  touchedPages: number;
  /** Guest RAM pages not free after the boot, by the kernel's /proc/meminfo (null if it could not be read). */
  usedPages: number | null;
}

export interface BootedVm {
  machine: Machine;
  manager: ContainerManager;
  boot: VmBoot;
  hypervisor: Hypervisor | null;
  /** Everything the guest wrote to COM1. */
  com1: number[];
}

export interface ContainerStart {
  name: string;
  instructions: number;
  hostMs: number;
  firstOutputInstructions: number | null;
  /** cgroup memory.current in pages, right after all starts (null if ctrd did not report it). */
  cgroupPages: number | null;
}

export interface ContainerRun {
  starts: ContainerStart[];
  /** (MemFree before − after) / starts, in pages, by the kernel's /proc/meminfo (null if unread). */
  freePagesPerContainer: number | null;
  touchedBefore: number;
  touchedAfter: number;
  /** (touchedAfter − touchedBefore) / starts: guest RAM the kernel and the container took per start. */
  touchedPagesPerContainer: number;
  containers: Container[];
}

export interface Comparison {
  vm: VmBoot;
  container: { instructions: number; hostMs: number; pages: number; cgroupPages: number | null; touchedPages: number; freePages: number | null };
  /** VM figure / container figure (higher favours containers). */
  ratios: { instructions: number; hostTime: number; memory: number };
  /** How many of each fit in `fitRamBytes`: VMs at their used pages each; containers on one kernel (its used pages once). */
  fit: { ramBytes: number; vms: number; containers: number };
}

const now = () => performance.now();

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Pages of `ram` (4 KiB each, from its start) with any non-zero byte. */
export function touchedPages(ram: Uint8Array): number {
  const words = new Uint32Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 2);
  const perPage = PAGE_BYTES >>> 2;
  let n = 0;
  for (let p = 0; p < words.length; p += perPage) {
    const end = Math.min(words.length, p + perPage);
    for (let i = p; i < end; i++) {
      if (words[i] !== 0) {
        n++;
        break;
      }
    }
  }
  return n;
}

/** Guest RAM of `machine` (its guest-visible part). */
export function guestRam(machine: Machine): Uint8Array {
  return machine.cpu.ram().subarray(0, machine.guestRamBytes);
}

/**
 * Build a machine of `kind`, boot `image` and run it until ctrd answers. Throws the manager's
 * ContainerTimeoutError if it never does.
 */
export async function bootVm(core: Core, image: GuestImage, opts: { kind: VmKind; ramBytes: number; timeoutCycles?: number }): Promise<BootedVm> {
  const t0 = now();
  const com1: number[] = [];
  let machine: Machine;
  let hypervisor: Hypervisor | null = null;
  if (opts.kind === "trap") {
    hypervisor = new Hypervisor({
      core,
      count: 1,
      guestRamBytes: opts.ramBytes,
      mode: "trap",
      onOutput: (_k, src, b) => {
        if (src === "com1") com1.push(b);
      },
    });
    hypervisor.boot(image.kernel, { kernelName: image.kernelName, cmdline: "", modules: image.modules });
    machine = hypervisor.vms[0].machine;
  } else {
    machine = new Machine({
      core,
      ramBytes: opts.ramBytes,
      platform: (bus) => new Platform(bus, { ramBytes: opts.ramBytes }),
      onOutput: (src, b) => {
        if (src === "com1") com1.push(b);
      },
    });
    machine.boot(image.kernel, { kernelName: image.kernelName, cmdline: "", modules: image.modules });
  }
  const manager = new ContainerManager(machine, { timeoutCycles: opts.timeoutCycles });
  const ready = await manager.ready(); // from power-on (instruction 0) to the answer, exactly
  const hostMs = now() - t0;
  const vm: BootedVm = {
    machine,
    manager,
    hypervisor,
    com1,
    boot: { kind: opts.kind, ramBytes: opts.ramBytes, instructions: ready.instructions, hostMs, touchedPages: touchedPages(guestRam(machine)), usedPages: null },
  };
  const mem = meminfo(vm);
  if (mem) vm.boot.usedPages = Math.ceil((opts.ramBytes / 1024 - mem.freeKiB) / 4);
  return vm;
}

/** Everything COM1 said after byte `from`, as text. */
function com1Text(vm: BootedVm, from: number): string {
  return new TextDecoder("latin1").decode(Uint8Array.from(vm.com1.slice(from)));
}

/**
 * The guest kernel's own memory figures: `cat /proc/meminfo` typed on its COM1 shell, the
 * machine run until the answer and the next prompt. Null if no answer comes within 5 × 10^7
 * instructions.
 */
export function meminfo(vm: BootedVm): { totalKiB: number; freeKiB: number } | null {
  const from = vm.com1.length;
  vm.machine.receiveInput(new TextEncoder().encode("cat /proc/meminfo\n"));
  for (let i = 0; i < 250 && !vm.machine.stopped; i++) {
    vm.machine.runFor(200_000);
    vm.manager.tick();
    const t = com1Text(vm, from);
    const total = /MemTotal:\s*(\d+) kB/.exec(t);
    const free = /MemFree:\s*(\d+) kB/.exec(t);
    if (total && free && /\n# $/.test(t.replace(/\r/g, ""))) return { totalKiB: Number(total[1]), freeKiB: Number(free[1]) };
  }
  return null;
}

/** Start `count` containers one after another in a booted guest and measure each start. */
export async function startContainers(vm: BootedVm, count: number, spec: (k: number) => RunSpec): Promise<ContainerRun> {
  const touchedBefore = touchedPages(guestRam(vm.machine));
  const freeBefore = meminfo(vm);
  const containers: Container[] = [];
  for (let k = 1; k <= count; k++) containers.push(await vm.manager.run(spec(k)));
  const touchedAfter = touchedPages(guestRam(vm.machine));
  const freeAfter = meminfo(vm);
  const freePagesPerContainer = freeBefore && freeAfter ? (freeBefore.freeKiB - freeAfter.freeKiB) / 4 / count : null;
  let pages = new Map<string, number | null>();
  try {
    pages = new Map((await vm.manager.statsAll()).map((f) => [f.name, f.memoryPages]));
  } catch {
    // ctrd without stats: cgroup pages stay null
  }
  const starts = containers.map((c) => ({
    name: c.name,
    instructions: c.startCost!.instructions,
    hostMs: c.startCost!.hostMs,
    firstOutputInstructions: c.firstOutputCost()?.instructions ?? null,
    cgroupPages: pages.get(c.name) ?? null,
  }));
  return { starts, freePagesPerContainer, touchedBefore, touchedAfter, touchedPagesPerContainer: (touchedAfter - touchedBefore) / count, containers };
}

/**
 * VM boot versus container start. A VM's memory is its used pages (by meminfo; touched pages if
 * unread); a container's is the largest of its cgroup pages, the MemFree drop per start and the
 * touched pages per start, so the ratio never flatters containers.
 */
export function compare(vm: VmBoot, run: ContainerRun, fitRamBytes = 1 << 30): Comparison {
  const instructions = median(run.starts.map((s) => s.instructions));
  const hostMs = median(run.starts.map((s) => s.hostMs));
  const cg = run.starts.map((s) => s.cgroupPages).filter((p): p is number => p !== null);
  const cgroupPages = cg.length ? median(cg) : null;
  const pages = Math.max(cgroupPages ?? 0, run.freePagesPerContainer ?? 0, run.touchedPagesPerContainer, 1);
  const vmPages = vm.usedPages ?? vm.touchedPages;
  const vmBytes = vmPages * PAGE_BYTES;
  return {
    vm,
    container: { instructions, hostMs, pages, cgroupPages, touchedPages: run.touchedPagesPerContainer, freePages: run.freePagesPerContainer },
    ratios: { instructions: vm.instructions / instructions, hostTime: vm.hostMs / hostMs, memory: vmPages / pages },
    fit: {
      ramBytes: fitRamBytes,
      vms: Math.floor(fitRamBytes / vmBytes),
      containers: Math.max(0, Math.floor((fitRamBytes - vmBytes) / (pages * PAGE_BYTES))),
    },
  };
}
