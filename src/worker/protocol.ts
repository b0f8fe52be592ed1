// The page ↔ machine-worker protocol: the control calls Comlink carries (one typed interface,
// `MachineWorkerApi`, implemented by MachineRunner in the worker) and the shared-memory channels
// terminal bytes use instead of messages (`MachineChannels`, see ring.ts).
//
// Lifecycle: create → (start ⇄ pause, step while paused) → reset → start … A machine that stops
// for good (debug-exit, triple fault, halt) stays "stopped" until reset.

/** A file handed to the machine: a kernel or a module, as bytes. */
export interface GuestFile {
  /** The name the kernel sees (kernel command line, module string). */
  name: string;
  data: Uint8Array;
}

export interface ModuleSpec extends GuestFile {
  /** Arguments after the module's name in its Multiboot string ("NAME ARGS"), as --module FILE=ARGS. */
  args: string;
}

export type ClockMode =
  | "realtime" // guest clocks follow the wall clock; an idle guest sleeps (the page's default)
  | "virtual"; // time = retired instructions, HLT skips ahead; deterministic, as the CLI's default

export interface MachineConfig {
  /** A label for the UI and error lines (a built-in guest's name or the kernel's file name). */
  label: string;
  kernel: GuestFile;
  modules: ModuleSpec[];
  /** Text after the kernel name on its command line (CLI --cmdline). */
  cmdline: string;
  /** Guest RAM in MiB (the CLI's --mem bounds apply). */
  memMiB: number;
  clock: ClockMode;
}

/**
 * Shared memory between the page and one worker. Rings carry bytes one way each; `doorbell` is an
 * Int32 the page bumps (Atomics.add + notify) after writing any input ring, so a sleeping worker
 * wakes without a message.
 */
export interface MachineChannels {
  /** COM1 transmit: guest → page terminal. */
  com1Out: SharedArrayBuffer;
  /** COM1 receive: page terminal → guest. */
  com1In: SharedArrayBuffer;
  /** The VGA text screen as ANSI updates (worker renders, page terminal shows). */
  vgaOut: SharedArrayBuffer;
  /** Keys typed in the VGA view: terminal input strings (UTF-8) for the PS/2 keyboard. */
  kbdIn: SharedArrayBuffer;
  /** Int32Array(1) over this buffer: the input doorbell. */
  doorbell: SharedArrayBuffer;
}

export const DOORBELL = 0;

export type MachineRunState =
  | "created" // booted, not yet started
  | "running"
  | "waiting" //  running, but the guest is idle (HLT) and the worker sleeps until input or a timer
  | "paused"
  | "stopped";

export interface MachineStatsSnapshot {
  state: MachineRunState;
  /** Instructions retired since boot. */
  instructions: number;
  /** Wall-clock seconds the machine has been running (pauses excluded). */
  uptime: number;
  /** Seconds spent inside the core loop (Machine.runFor); instructions / busySeconds = MIPS while busy. */
  busySeconds: number;
  /** Exits by reason name (EXIT_NAMES), only reasons seen. */
  exits: Record<string, number>;
  eip: number;
  /** Set once state is "stopped": one line for a human and the CLI's exit status for it. */
  stop: { reason: string; message: string; status: number } | null;
}

export interface CreateResult {
  entry: number;
  ramBytes: number;
}

/** Raised by create/reset for input the CLI would refuse: `message` is the CLI's line without "tabvisor: ". */
export class MachineConfigError extends Error {
  override name = "MachineConfigError";
}

/** What the worker exposes through Comlink (all calls are async on the page side). */
export interface MachineWorkerApi {
  /** Build and boot a machine; throws MachineConfigError for a kernel or module the loader refuses. */
  create(config: MachineConfig, channels: MachineChannels): Promise<CreateResult>;
  /** Run until paused or stopped. */
  start(): Promise<void>;
  /** Stop running after the current slice; resolves once the machine is paused. */
  pause(): Promise<void>;
  /** Power-cycle: a fresh machine booted from the same config; leaves it "created" (not running). */
  reset(): Promise<CreateResult>;
  /** While not running: retire up to `instructions` (≥ 1) instructions. */
  step(instructions: number): Promise<MachineStatsSnapshot>;
  /** Render the VGA screen into vgaOut (from a full redraw) while `on`; off by default, to spare the work. */
  watchScreen(on: boolean): Promise<void>;
  stats(): Promise<MachineStatsSnapshot>;
}

/** Ring sizes: a full VGA redraw is < 16 KiB of ANSI; COM1 output gets room for bursts. */
export const COM1_OUT_BYTES = 1 << 18;
export const COM1_IN_BYTES = 1 << 14;
export const VGA_OUT_BYTES = 1 << 16;
export const KBD_IN_BYTES = 1 << 12;
