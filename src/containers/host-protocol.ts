// The page ↔ container-host worker protocol: one worker runs one `unix` guest with its
// ContainerManager (host-runner.ts); the page drives it through Comlink calls
// (ContainerHostApi) and moves console bytes through shared rings (src/worker/ring.ts), one pair
// per container, with one input doorbell — the same scheme as the machine worker's COM1.
import type { ClockMode, GuestFile, ModuleSpec } from "../worker/protocol.js";
import type { RunSpec } from "./manager.js";

export interface ContainerHostConfig {
  kernel: GuestFile;
  modules: ModuleSpec[];
  memMiB: number;
  clock: ClockMode;
}

/** A container console's rings: guest → page output, page → guest input. */
export interface ConsoleRings {
  out: SharedArrayBuffer;
  in: SharedArrayBuffer;
}

export const CONSOLE_OUT_BYTES = 1 << 16;
export const CONSOLE_IN_BYTES = 1 << 12;

export interface CgroupSummary {
  memoryPages: number | null;
  memoryMax: number | null;
  pids: number | null;
  pidsMax: number | null;
  cpuUsageUsec: number | null;
}

export interface ContainerSummary {
  name: string;
  state: string;
  console: number | null;
  pid: number | null;
  /** run request → reply. */
  start: { instructions: number; hostMs: number } | null;
  /** run request → first console byte. */
  firstOutput: { instructions: number; hostMs: number } | null;
  cgroup: CgroupSummary | null;
  exitStatus: number | null;
  oomKilled: boolean;
}

export type HostState = "booting" | "ready" | "stopped";

export interface ContainerHostSnapshot {
  state: HostState;
  /** Power-on → ctrd's first answer. */
  boot: { instructions: number; hostMs: number } | null;
  instructions: number;
  /** Guest RAM pages ever written (src/containers/measure.ts). */
  touchedPages: number;
  ramBytes: number;
  containers: ContainerSummary[];
  /** Why the host stopped, one line. */
  stop: string | null;
}

export class ContainerHostError extends Error {
  override name = "ContainerHostError";
}

export interface ContainerHostApi {
  /** Boot the guest and run it until ctrd answers; the run loop then keeps going. */
  create(config: ContainerHostConfig, doorbell: SharedArrayBuffer): Promise<{ instructions: number; hostMs: number }>;
  /** Start a container; its console goes to `rings`. */
  run(spec: RunSpec, rings: ConsoleRings): Promise<ContainerSummary>;
  stop(name: string): Promise<void>;
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  rm(name: string): Promise<void>;
  /** The images ctrd can run containers from: name and default command. */
  images(): Promise<{ name: string; cmd: string }[]>;
  /** The host's figures; with `cgroups`, ask ctrd for every container's cgroup figures first. */
  snapshot(cgroups: boolean): Promise<ContainerHostSnapshot>;
  /** Stop the run loop for good. */
  close(): Promise<void>;
}
