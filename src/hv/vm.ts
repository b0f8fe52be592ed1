// The bare-metal machine: one vCPU running undeprivileged on the wasm core, guest RAM, the I/O bus
// with COM1/COM2, isa-debug-exit, the 0xE9 console and pvchan (0x510), and optionally a PC platform (PIC, PIT, …)
// that supplies timer events and external interrupts. The loop is kvmtool's: run the core, switch
// on the exit reason, call that reason's handler (src/hv/exits/), repeat.
//
// Virtual time is the count of retired instructions; with the same kernel, modules, command line
// and input the run is deterministic (same output, same instruction count).
import * as L from "../../assembly/layout.js";
import type { Core } from "../core/core.js";
import type { CpuState } from "../core/state.js";
import { IoBus } from "../devices/io-bus.js";
import { COM1_BASE, COM1_IRQ, COM2_BASE, COM2_IRQ, Uart16550 } from "../devices/uart16550.js";
import { DebugExit } from "../devices/debug-exit.js";
import { DebugConsole } from "../devices/debug-console.js";
import { PV_IRQ, PvChan } from "../devices/pvchan.js";
import { loadMultiboot, type MultibootEntry, type MultibootOptions } from "./multiboot.js";
import type { PlatformHooks } from "./platform-hooks.js";
import type { GuestMode } from "./guest-mode.js";
import { handleBudget } from "./exits/budget.js";
import { handleIo } from "./exits/io.js";
import { handleHlt } from "./exits/hlt.js";
import { handleIntrWindow } from "./exits/intr-window.js";
import { handleTripleFault } from "./exits/triple-fault.js";
import { handleException } from "./exits/exception.js";

export type { PlatformHooks } from "./platform-hooks.js";
export type { GuestMode } from "./guest-mode.js";

/** Why a machine stopped for good. */
export type StopReason =
  | "debug-exit" //       the guest wrote to isa-debug-exit
  | "halted" //           HLT with nothing that can ever wake the CPU
  | "triple-fault" //     shutdown
  | "max-instructions" // the host's instruction limit
  | "reset" //            the guest asked for a system reset (QEMU -no-reboot stops too)
  | "internal-error"; //  an exit the bare machine cannot handle

export interface MachineStop {
  reason: StopReason;
  /** One line for a human. */
  message: string;
  /** For "debug-exit": the value written and QEMU's exit status (value << 1) | 1. */
  debugExit?: { value: number; status: number };
}

export type OutputSource = "com1" | "com2" | "debugcon";

export interface MachineOptions {
  core: Core;
  /** Guest RAM in bytes (a multiple of 4 KiB, at least 2 MiB). */
  ramBytes: number;
  /** Build the PC platform on the machine's bus (src/devices/platform.ts); none for a bare CPU. */
  platform?: (bus: IoBus) => PlatformHooks;
  /** Stop with "max-instructions" once this many instructions have retired. */
  maxInstructions?: number | bigint;
  /** Bytes the guest sends out of COM1, COM2 or the 0xE9 console. */
  onOutput?: (source: OutputSource, byte: number) => void;
  /**
   * Run in a slice of RAM another owner (src/hv/hypervisor.ts) sized with one init() for many
   * VMs: STATE_RAM_BASE/SIZE are set to it and init() is not called. The state block must
   * already hold the power-on state (the hypervisor copies it in).
   */
  region?: { base: number; size: number };
  /** RAM the guest is told about (Multiboot memory map); the rest of the region is the hypervisor's. Default: all. */
  guestRamBytes?: number;
  /** Deprivileged execution (src/hv/trap/): built once the devices exist; null for bare metal. */
  guestMode?: (vm: Machine) => GuestMode;
}

/** What `runFor` left the machine doing. */
export type RunState =
  | "running" //  the slice is spent; call runFor again
  | "waiting" //  halted with IF=1 and no timer: only host input (receiveInput) can wake it
  | "stopped"; // see `machine.stopped`

export interface MachineStats {
  instructions: number;
  seconds: number; // host time spent inside runFor
  mips: number;
  exits: Record<string, number>;
}

/** Default slice for runToEnd and for the loop's inner budget. */
export const DEFAULT_SLICE = 4_000_000;
const MAX_RUN_BUDGET = 0x7fffffff;

const hex = (n: number) => "0x" + (n >>> 0).toString(16);

export class Machine {
  readonly core: Core;
  readonly cpu: CpuState;
  readonly bus = new IoBus();
  readonly com1: Uart16550;
  readonly com2: Uart16550;
  readonly debugExit: DebugExit;
  readonly debugConsole: DebugConsole;
  /** The paravirtual stream device (containers: docs/containers.md); IRQ 5 through the platform. */
  readonly pvchan: PvChan;
  readonly platform: PlatformHooks | null;
  readonly maxInstructions: bigint | null;
  /** RAM the guest is told about (bytes from guest-physical 0). */
  readonly guestRamBytes: number;
  /** Trap-and-emulate engine, or null on bare metal. */
  readonly guestMode: GuestMode | null = null;
  /** Exits seen, indexed by EXIT_* reason. */
  readonly exitCounts: number[] = L.EXIT_NAMES.map(() => 0);
  /** Set once the machine has stopped for good. */
  stopped: MachineStop | null = null;
  /** True while the host may still feed input: a halted CPU with IF=1 then waits instead of stopping. */
  inputOpen = false;
  /** While runFor returns "waiting": wall-clock ms until a realtime timer is due (Infinity: input only). */
  wakeAfterMs = Infinity;
  private waiting = false;
  private hostSeconds = 0;
  private lastTscOffset = 0n;

  constructor(opts: MachineOptions) {
    if (!Number.isInteger(opts.ramBytes) || opts.ramBytes < 2 << 20 || opts.ramBytes % 4096 !== 0) {
      throw new RangeError(`RAM size ${opts.ramBytes} must be a multiple of 4 KiB and at least 2 MiB`);
    }
    this.core = opts.core;
    this.cpu = opts.core.state;
    if (opts.region) {
      this.cpu.setU32(L.STATE_RAM_BASE, opts.region.base);
      this.cpu.setU32(L.STATE_RAM_SIZE, opts.region.size);
      opts.core.sync();
    } else {
      opts.core.init(opts.ramBytes);
    }
    this.guestRamBytes = opts.guestRamBytes ?? opts.ramBytes;
    const out = opts.onOutput ?? (() => {});
    this.platform = opts.platform ? opts.platform(this.bus) : null;
    const p = this.platform;
    this.com1 = new Uart16550({ name: "COM1", onTransmit: (b) => out("com1", b), irq: (level) => p?.setIrq(COM1_IRQ, level) });
    this.com2 = new Uart16550({ name: "COM2", onTransmit: (b) => out("com2", b), irq: (level) => p?.setIrq(COM2_IRQ, level) });
    this.com1.attach(this.bus, COM1_BASE);
    this.com2.attach(this.bus, COM2_BASE);
    this.debugExit = new DebugExit((value, status) =>
      this.stop({ reason: "debug-exit", message: `guest wrote ${hex(value)} to isa-debug-exit`, debugExit: { value, status } }),
    );
    this.debugExit.attach(this.bus);
    this.debugConsole = new DebugConsole((b) => out("debugcon", b));
    this.debugConsole.attach(this.bus);
    this.pvchan = new PvChan({ irq: (level) => p?.setIrq(PV_IRQ, level) });
    this.pvchan.attach(this.bus);
    this.maxInstructions = opts.maxInstructions === undefined ? null : BigInt(opts.maxInstructions);
    if (opts.guestMode) this.guestMode = opts.guestMode(this);
  }

  /**
   * Load a Multiboot kernel and put the vCPU in the Multiboot entry state (spec §3.2): EAX magic,
   * EBX the info structure, EIP the entry, GDTR at a flat GDT whose 0x08/0x10 match the segment
   * caches init() gave; paging off, IF=0.
   */
  boot(kernel: Uint8Array, opts: MultibootOptions): MultibootEntry {
    const entry = loadMultiboot(this.cpu.ram().subarray(0, this.guestRamBytes), kernel, opts);
    this.cpu.setReg(L.REG_EAX, entry.eax);
    this.cpu.setReg(L.REG_EBX, entry.infoAddr);
    this.cpu.eip = entry.entry;
    this.cpu.gdtr = entry.gdt;
    this.cpu.eflags = L.EFLAGS_FIXED;
    this.core.sync();
    this.guestMode?.enter(kernel);
    return entry;
  }

  /** Host input for COM1 (a terminal's keystrokes). */
  receiveInput(bytes: Iterable<number>): void {
    this.com1.receive(bytes);
  }

  /** End the run for good (the first stop wins). */
  stop(s: MachineStop): void {
    if (!this.stopped) this.stopped = s;
  }

  /**
   * Run up to `slice` instructions (fewer if the machine stops or waits for input). Synchronous;
   * callers interleave host work (input, output, UI) between calls.
   */
  runFor(slice: number = DEFAULT_SLICE): RunState {
    if (this.stopped) return "stopped";
    const t0 = performance.now();
    try {
      return this.loop(slice);
    } finally {
      this.hostSeconds += (performance.now() - t0) / 1000;
    }
  }

  /** Run until the machine stops. Without a platform or input, a halted CPU stops it. */
  runToEnd(slice: number = DEFAULT_SLICE): MachineStop {
    const wasOpen = this.inputOpen;
    this.inputOpen = false;
    try {
      while (this.runFor(slice) !== "stopped");
    } finally {
      this.inputOpen = wasOpen;
    }
    return this.stopped!;
  }

  private loop(slice: number): RunState {
    const cpu = this.cpu;
    const p = this.platform;
    const end = cpu.insnCount + BigInt(Math.max(1, Math.floor(slice)));
    if (this.waiting) {
      this.idle();
      if (this.stopped) return "stopped";
      if (this.waiting) return "waiting";
    }
    for (;;) {
      const now = cpu.insnCount;
      if (this.maxInstructions !== null && now >= this.maxInstructions) {
        this.stop({ reason: "max-instructions", message: `stopped after ${this.maxInstructions} instructions (the instruction limit)` });
        return "stopped";
      }
      if (now >= end) return "running";
      let budget = Number(end - now);
      if (this.maxInstructions !== null) budget = Math.min(budget, Number(this.maxInstructions - now));
      if (p) {
        this.deliverInterrupts(now);
        this.syncTsc(now);
        budget = Math.min(budget, p.budgetUntilNextEvent(now));
      }
      if (this.guestMode) {
        budget = Math.min(budget, this.guestMode.beforeRun());
        if (this.stopped) return "stopped";
        if (this.waiting) return "waiting";
      }
      const reason = this.core.run(Math.min(budget, MAX_RUN_BUDGET));
      if (reason >= 0 && reason < this.exitCounts.length) this.exitCounts[reason]++;
      this.guestMode?.afterRun(reason);
      switch (reason) {
        case L.EXIT_BUDGET:
          handleBudget(this);
          break;
        case L.EXIT_IO:
          handleIo(this);
          break;
        case L.EXIT_HLT:
          handleHlt(this);
          break;
        case L.EXIT_INTR_WINDOW:
          handleIntrWindow(this);
          break;
        case L.EXIT_TRIPLE_FAULT:
          handleTripleFault(this);
          break;
        case L.EXIT_EXCEPTION:
          handleException(this);
          break;
        default:
          this.stop({ reason: "internal-error", message: `the core returned unknown exit reason ${reason}` });
      }
      if (p) this.checkReset();
      if (this.stopped) return "stopped";
      if (this.waiting) return "waiting";
    }
  }

  /**
   * Before each run: bring the platform up to the CPU's clock, then inject a pending interrupt if
   * the CPU can take one now, else ask the core for an interrupt-window exit.
   */
  deliverInterrupts(now: bigint = this.cpu.insnCount): void {
    const p = this.platform;
    if (!p) return;
    const cpu = this.cpu;
    p.advanceTo(now);
    if (cpu.inject !== L.INJECT_NONE) return; // the previous injection is still to be delivered
    if (!p.interruptPending()) {
      cpu.intrPending = false;
    } else if (this.interruptible()) {
      this.inject(p.acknowledgeInterrupt());
      cpu.intrPending = p.interruptPending();
    } else {
      cpu.intrPending = true;
    }
  }

  /**
   * The CPU is in HLT with IF=1 (after EXIT_HLT, and on every runFor while waiting). Wake it with
   * the next interrupt: one already pending, else the platform's next timer event (virtual time
   * skips ahead; the TSC offset follows so RDTSC stays monotonic), else wait for wall time
   * (realtime clock) or host input if any may still come, else stop for good.
   */
  idle(): void {
    const p = this.platform;
    const cpu = this.cpu;
    this.waiting = false;
    if (cpu.inject !== L.INJECT_NONE) return; // an injected interrupt is about to wake it
    if (p) {
      if (this.wakeIfPending()) return;
      const count = cpu.insnCount;
      if (p.idleUntilNextEvent(count)) {
        this.syncTsc();
        if (this.wakeIfPending()) return;
        // realtime clock: the timer fires after some wall time
        this.waiting = true;
        this.wakeAfterMs = p.msUntilNextEvent?.(count) ?? 0;
        return;
      }
      if (this.inputOpen) {
        this.waiting = true;
        this.wakeAfterMs = Infinity;
        return;
      }
    }
    this.stop({
      reason: "halted",
      message: `CPU halted at EIP ${hex(cpu.eip)} with interrupts enabled, and no interrupt source can wake it`,
    });
  }

  /** Inject the pending interrupt if there is one the CPU can take now. */
  private wakeIfPending(): boolean {
    const p = this.platform!;
    p.advanceTo(this.cpu.insnCount);
    if (!p.interruptPending() || !this.interruptible() || this.cpu.inject !== L.INJECT_NONE) return false;
    this.inject(p.acknowledgeInterrupt());
    this.cpu.intrPending = p.interruptPending();
    return true;
  }

  /** The vCPU can take an external interrupt now (bare: EFLAGS.IF and no shadow; trap: the virtual IF). */
  interruptible(): boolean {
    return this.guestMode ? this.guestMode.interruptible() : this.cpu.interruptible;
  }

  /** Deliver an external interrupt vector: bare metal through STATE_INJECT, trap mode by reflection into the guest's IDT. */
  inject(vector: number): void {
    if (this.guestMode) this.guestMode.injectExternal(vector);
    else this.cpu.inject = vector;
  }

  /** Keep RDTSC on the platform clock (STATE_TSC_OFFSET = idle time skipped so far). */
  syncTsc(now: bigint = this.cpu.insnCount): void {
    const p = this.platform;
    if (!p?.tscOffset) return;
    const off = p.tscOffset(now);
    if (off !== this.lastTscOffset) {
      this.lastTscOffset = off;
      this.cpu.tscOffset = off;
    }
  }

  /** A reset requested through the platform ends the run, as QEMU's -no-reboot does. */
  checkReset(): void {
    const p = this.platform;
    if (p?.resetRequested) {
      p.resetRequested = false;
      this.stop({ reason: "reset", message: "guest requested a system reset" });
    }
  }

  stats(): MachineStats {
    const instructions = Number(this.cpu.insnCount);
    const exits: Record<string, number> = {};
    L.EXIT_NAMES.forEach((name, i) => {
      if (this.exitCounts[i]) exits[name] = this.exitCounts[i];
    });
    return {
      instructions,
      seconds: this.hostSeconds,
      mips: this.hostSeconds > 0 ? instructions / this.hostSeconds / 1e6 : 0,
      exits,
    };
  }
}
