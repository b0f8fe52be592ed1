// The page ↔ hypervisor worker protocol: one worker runs one HypervisorSession (src/hv/session.ts)
// of N trap-mode VMs (hv-runner.ts); the page pulls batched updates with update() — each carries
// every VM's COM1 bytes, counters and the traps recorded since the previous update — so traffic
// grows with the page's refresh rate, not with the trap rate.
import type { GuestFile, ModuleSpec } from "./protocol.js";

export interface HvConfig {
  kernel: GuestFile;
  modules: ModuleSpec[];
  count: number;
  memMiB: number;
}

/** Most VMs one view runs. */
export const HV_MAX_VMS = 8;
/** Most new traps per VM one update carries (the newest ones). */
export const HV_TRAPS_PER_UPDATE = 64;

/** One timeline row: a trap of VM `vm`, numbered in the order the worker collected it. */
export interface HvTrapRow {
  seq: number;
  vm: number;
  eip: number;
  insn: string;
  reason: string;
  action: string;
  costNs: number;
}

export interface HvVmFigures {
  vm: number;
  state: string;
  stop: string | null;
  instructions: number;
  /** Exits by reason (src/hv/trap/engine.ts counters). */
  exits: Record<string, number>;
  reflected: number;
  shadow: Record<string, number> | null;
  worldSwitches: number;
  sensitive: { eip: string; insn: string; problem: string }[];
}

export interface HvUpdate {
  /** COM1 bytes per VM since the last update. */
  output: Uint8Array[];
  vms: HvVmFigures[];
  /** New traps since the last update, oldest first. */
  traps: HvTrapRow[];
  /** Traps recorded but not carried (more than HV_TRAPS_PER_UPDATE for a VM in one update). */
  dropped: number;
  worldSwitches: number;
  seconds: number;
  running: boolean;
  finished: boolean;
}

export class HvConfigError extends Error {
  override name = "HvConfigError";
}

export interface HvWorkerApi {
  /** Boot `count` trap-mode VMs of one guest; they start running at once. */
  start(config: HvConfig): Promise<void>;
  update(): Promise<HvUpdate>;
  /** Keystrokes for VM `vm`'s COM1. */
  input(vm: number, bytes: Uint8Array): Promise<void>;
  /** Run or pause every VM (a paused session's figures stay still). */
  setRunning(on: boolean): Promise<void>;
  close(): Promise<void>;
}
