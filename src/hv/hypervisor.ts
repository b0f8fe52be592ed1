// Many VMs on one wasm core: each VM is a Machine (src/hv/vm.ts) with its own vCPU state block,
// its own slice of the core's RAM area and its own devices (UART, PIC, PIT, RTC, debug-exit, VGA
// on a private I/O bus). A world switch copies the outgoing vCPU's state block out of STATE_BASE
// and the incoming one in, then sync() (which flushes the TLB). The scheduler is round-robin over
// the VMs that can run, each getting `quantum × weight` instructions per turn; a VM idling in HLT
// consumes nothing (its virtual clock skips to its next timer event), and because every VM's
// clock is its own retired-instruction count, the quantum never changes what a VM prints.
//
// Isolation: the core bounds-checks every physical access against the running VM's
// STATE_RAM_BASE/STATE_RAM_SIZE, devices are per VM, and in trap mode the guest never sees the
// hypervisor area at the top of its slice (src/hv/shadow-paging.ts).
import * as L from "../../assembly/layout.js";
import { GuestRamError, type Core } from "../core/core.js";
import { Platform } from "../devices/platform.js";
import { Machine, type MachineStop, type OutputSource, type RunState } from "./vm.js";
import type { MultibootOptions } from "./multiboot.js";
import { TrapEngine, type TrapEvent } from "./trap/engine.js";
import type { SensitiveSite } from "./emulate/sensitive.js";
import { HV_AREA_BYTES } from "./shadow-paging.js";

export type VmMode = "bare" | "trap";

export interface HypervisorOptions {
  core: Core;
  count: number;
  /** Guest RAM per VM, bytes (multiple of 4 KiB, ≥ 2 MiB). */
  guestRamBytes: number;
  mode: VmMode;
  /** Instructions per scheduling turn (before the weight). */
  quantum?: number;
  /** Per-VM weights (default 1 each): a VM gets quantum × weight per turn. */
  weights?: number[];
  /** Stop each VM after this many of its instructions. */
  maxInstructions?: number;
  /** Tie each VM's clocks to the wall clock: an idle VM then waits in real time and costs nothing. */
  realtime?: boolean;
  /** Record each VM's trap timeline (trap mode). */
  timeline?: boolean;
  /** With `timeline`: every trap as it happens. */
  onTrap?: (vm: number, e: TrapEvent) => void;
  /** Trap mode: each sensitive-but-unprivileged instruction found, once (src/hv/emulate/sensitive.ts). */
  onSensitive?: (vm: number, site: SensitiveSite) => void;
  onOutput?: (vm: number, source: OutputSource, byte: number) => void;
}

export const DEFAULT_QUANTUM = 1_000_000;
/** A wasm32 memory holds at most 65536 pages of 64 KiB. */
const MAX_WASM_BYTES = 65536 * 65536;

/**
 * Throws RangeError unless `count` VMs of `guestRamBytes` each can be built, and GuestRamError if
 * they cannot all fit in one wasm memory (one core instance holds every VM it runs).
 */
export function checkVmSizes(count: number, guestRamBytes: number, mode: VmMode = "bare"): void {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`VM count ${count} must be a positive whole number`);
  if (!Number.isInteger(guestRamBytes) || guestRamBytes < 2 << 20 || guestRamBytes % 4096 !== 0) {
    throw new RangeError(`RAM size ${guestRamBytes} must be a multiple of 4 KiB and at least 2 MiB`);
  }
  const slot = guestRamBytes + (mode === "trap" ? HV_AREA_BYTES : 0);
  if (slot * count > MAX_WASM_BYTES - L.RAM_AREA_BASE) {
    throw new GuestRamError(
      `${count} VMs of ${slot / (1 << 20)} MiB need ${((slot * count) / (1 << 30)).toFixed(1)} GiB, more than one wasm memory holds (4 GiB)`,
    );
  }
}

export class Vm {
  /** Saved vCPU state block while the VM is switched out. */
  readonly block = new Uint8Array(L.STATE_SIZE);
  state: RunState = "running";
  /** While waiting: performance.now() at which a realtime timer wakes it (Infinity: input only). */
  wakeAt = Infinity;
  worldSwitches = 0;
  /** Scheduling turns this VM was given. */
  turns = 0;
  constructor(
    readonly id: number,
    readonly machine: Machine,
    readonly weight: number,
    readonly trap: TrapEngine | null,
  ) {}
  get stopped(): MachineStop | null {
    return this.machine.stopped;
  }
}

export interface VmStats {
  vm: number;
  instructions: number;
  stop: string | null;
  exits: Record<string, number>;
  trapExits: Record<string, number>;
  reflected: number;
  shadow: Record<string, number> | null;
  worldSwitches: number;
  turns: number;
  sensitive: { eip: string; insn: string; problem: string }[];
}

export class Hypervisor {
  readonly core: Core;
  readonly vms: Vm[] = [];
  readonly mode: VmMode;
  readonly quantum: number;
  /** Bytes of the core's RAM area per VM (guest RAM + hypervisor area in trap mode). */
  readonly slotBytes: number;
  worldSwitches = 0;
  /** Host seconds inside run turns. */
  seconds = 0;
  private current: Vm | null = null;
  private next = 0;

  constructor(opts: HypervisorOptions) {
    const { core, count, guestRamBytes, mode } = opts;
    checkVmSizes(count, guestRamBytes);
    this.core = core;
    this.mode = mode;
    this.quantum = opts.quantum ?? DEFAULT_QUANTUM;
    this.slotBytes = guestRamBytes + (mode === "trap" ? HV_AREA_BYTES : 0);
    checkVmSizes(count, guestRamBytes, mode);
    core.init(this.slotBytes * count);
    const template = this.blockView().slice();
    for (let k = 0; k < count; k++) {
      this.blockView().set(template);
      const base = L.RAM_AREA_BASE + k * this.slotBytes;
      const machine = new Machine({
        core,
        ramBytes: this.slotBytes,
        region: { base, size: this.slotBytes },
        guestRamBytes,
        maxInstructions: opts.maxInstructions,
        platform: (bus) => new Platform(bus, { ramBytes: guestRamBytes, realtime: opts.realtime }),
        onOutput: (src, b) => opts.onOutput?.(k, src, b),
        guestMode: mode === "trap" ? (m) => new TrapEngine(m) : undefined,
      });
      const trap = machine.guestMode as TrapEngine | null;
      if (trap) {
        trap.recordTimeline = opts.timeline ?? false;
        if (opts.onTrap) trap.onTrap = (e) => opts.onTrap!(k, e);
        if (opts.onSensitive) trap.sensitive.onSite = (site) => opts.onSensitive!(k, site);
      }
      const vm = new Vm(k, machine, opts.weights?.[k] ?? 1, trap);
      vm.block.set(this.blockView());
      this.vms.push(vm);
    }
    this.current = null;
  }

  private blockView(): Uint8Array {
    return new Uint8Array(this.core.exports.memory.buffer, L.STATE_BASE, L.STATE_SIZE);
  }

  /** Make `vm` the running vCPU: save the current state block, load vm's, sync(). */
  switchTo(vm: Vm): void {
    if (this.current === vm) return;
    const view = this.blockView();
    if (this.current) this.current.block.set(view);
    view.set(vm.block);
    this.core.sync();
    vm.trap?.mem.refresh();
    this.current = vm;
    vm.worldSwitches++;
    this.worldSwitches++;
  }

  /** Load a kernel into every VM (each gets its own copy in its own RAM). */
  boot(kernel: Uint8Array, opts: MultibootOptions): void {
    for (const vm of this.vms) {
      this.switchTo(vm);
      vm.machine.boot(kernel, opts);
    }
  }

  /** Input for one VM's COM1. */
  receiveInput(vm: number, bytes: Iterable<number>): void {
    this.vms[vm].machine.receiveInput(bytes);
    if (this.vms[vm].state === "waiting") {
      this.vms[vm].state = "running";
      this.vms[vm].wakeAt = Infinity;
    }
  }

  /** Milliseconds until the earliest realtime wake-up of a waiting VM (Infinity: none). */
  msUntilWake(): number {
    let t = Infinity;
    for (const vm of this.vms) if (!vm.stopped && vm.state === "waiting") t = Math.min(t, vm.wakeAt);
    return t === Infinity ? Infinity : Math.max(0, t - performance.now());
  }

  /** All VMs have stopped. */
  get allStopped(): boolean {
    return this.vms.every((v) => v.stopped);
  }

  /**
   * One scheduling turn: the next VM that can run gets its slice. Returns the VM that ran, or null
   * if none can run now (all stopped or waiting for input).
   */
  runTurn(): Vm | null {
    const n = this.vms.length;
    for (let i = 0; i < n; i++) {
      const vm = this.vms[(this.next + i) % n];
      if (vm.stopped || (vm.state === "waiting" && performance.now() < vm.wakeAt)) continue;
      this.next = (vm.id + 1) % n;
      this.switchTo(vm);
      vm.turns++;
      const t0 = performance.now();
      vm.state = vm.machine.runFor(this.quantum * vm.weight);
      const t1 = performance.now();
      this.seconds += (t1 - t0) / 1000;
      vm.wakeAt = vm.state === "waiting" ? t1 + vm.machine.wakeAfterMs : Infinity;
      return vm;
    }
    return null;
  }

  /** Run until every VM stops (no input: a VM waiting for input is stopped by runToEnd semantics). */
  runToEnd(): void {
    for (const vm of this.vms) vm.machine.inputOpen = false;
    while (this.runTurn());
  }

  /**
   * A view for a live display (the page): per VM its state, counters and latest traps. Cheap
   * enough to take between scheduling turns; pausing is simply not calling runTurn.
   */
  snapshot(): { vms: (VmStats & { state: RunState; timeline: TrapEvent[] })[]; worldSwitches: number; seconds: number } {
    return {
      vms: this.stats().map((s, k) => ({ ...s, state: this.vms[k].state, timeline: [...(this.vms[k].trap?.timeline ?? [])] })),
      worldSwitches: this.worldSwitches,
      seconds: this.seconds,
    };
  }

  stats(): VmStats[] {
    return this.vms.map((vm) => {
      const s = vm.machine.stats();
      const t = vm.trap;
      return {
        vm: vm.id,
        instructions: this.instructionsOf(vm),
        stop: vm.stopped?.reason ?? null,
        exits: s.exits,
        trapExits: t ? { ...t.counters.exits } : {},
        reflected: t?.counters.reflected ?? 0,
        shadow: t ? { ...t.shadow.counters } : null,
        worldSwitches: vm.worldSwitches,
        turns: vm.turns,
        sensitive: t ? [...t.sensitive.sites.values()].map((x) => ({ eip: "0x" + x.eip.toString(16), insn: x.insn, problem: x.problem })) : [],
      };
    });
  }

  /** Retired instructions of `vm` (from its saved block when switched out). */
  instructionsOf(vm: Vm): number {
    if (vm === this.current) return Number(this.core.state.insnCount);
    const dv = new DataView(vm.block.buffer);
    return Number(dv.getBigUint64(L.STATE_INSN_COUNT, true));
  }
}
