// The worker side of the hypervisor view (hv-protocol.ts): one HypervisorSession of N trap-mode
// VMs with realtime clocks, run in slices of host time; between slices it yields so Comlink calls
// (update, input, pause) get in, and sleeps while every VM waits (until the earliest timer or
// input). Node tests drive it directly; the browser entry is hv-worker.ts.
import type { Core } from "../core/core.js";
import { HypervisorSession } from "../hv/session.js";
import type { TrapEvent } from "../hv/trap/engine.js";
import { HV_MAX_VMS, HV_TRAPS_PER_UPDATE, HvConfigError, type HvConfig, type HvTrapRow, type HvUpdate, type HvWorkerApi } from "./hv-protocol.js";

const SLICE_MS = 15;

/** A macrotask turn without setTimeout's 4 ms clamp (a MessageChannel where there is one). */
const yieldToEventLoop: () => Promise<void> = (() => {
  if (typeof MessageChannel !== "function") return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  const ch = new MessageChannel();
  const waiting: (() => void)[] = [];
  ch.port1.onmessage = () => waiting.shift()?.();
  (ch.port1 as { unref?: () => void }).unref?.(); // Node: an idle port must not keep the process alive
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      ch.port2.postMessage(0);
    });
})();
/** Longest sleep while every VM waits, so a stopped loop notices close() soon. */
const IDLE_MAX_MS = 50;

export class HvRunner implements HvWorkerApi {
  session: HypervisorSession | null = null;
  private running = true;
  private closing = false;
  private loopDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Per VM, the newest timeline event already collected (identity: the engine keeps the objects). */
  private lastSeen: (TrapEvent | null)[] = [];
  private traps: HvTrapRow[][] = [];
  private dropped = 0;
  private seq = 0;

  constructor(private readonly loadCore: () => Promise<Core>) {}

  async start(config: HvConfig): Promise<void> {
    if (this.session) throw new HvConfigError("this worker already runs a hypervisor");
    if (!Number.isInteger(config.count) || config.count < 1 || config.count > HV_MAX_VMS) {
      throw new HvConfigError(`VM count ${config.count} must be a whole number from 1 to ${HV_MAX_VMS}`);
    }
    const core = await this.loadCore();
    this.session = new HypervisorSession({
      core,
      count: config.count,
      mode: "trap",
      guestRamBytes: config.memMiB << 20,
      kernel: config.kernel.data,
      kernelName: config.kernel.name,
      modules: config.modules.map((m) => ({ data: m.data, cmdline: `${m.name} ${m.args}`.trim() })),
      realtime: true,
    });
    for (const vm of this.session.hv.vms) vm.machine.inputOpen = true;
    this.lastSeen = new Array(config.count).fill(null);
    this.traps = Array.from({ length: config.count }, () => []);
    this.loopDone = this.loop();
  }

  async update(): Promise<HvUpdate> {
    const s = this.requireSession();
    const view = s.snapshot();
    this.collect();
    const traps = this.traps.flatMap((t) => t.splice(0)).sort((a, b) => a.seq - b.seq);
    const dropped = this.dropped;
    this.dropped = 0;
    return {
      output: s.takeOutput(),
      vms: view.vms.map((v) => ({
        vm: v.vm,
        state: v.state,
        stop: v.stop,
        instructions: v.instructions,
        exits: v.trapExits,
        reflected: v.reflected,
        shadow: v.shadow,
        worldSwitches: v.worldSwitches,
        sensitive: v.sensitive,
      })),
      traps,
      dropped,
      worldSwitches: view.worldSwitches,
      seconds: view.seconds,
      running: this.running,
      finished: view.finished,
    };
  }

  async input(vm: number, bytes: Uint8Array): Promise<void> {
    const s = this.requireSession();
    if (!Number.isInteger(vm) || vm < 0 || vm >= s.hv.vms.length) throw new HvConfigError(`no VM ${vm}`);
    s.input(vm, bytes);
    this.wake?.();
  }

  async setRunning(on: boolean): Promise<void> {
    this.running = on;
    this.wake?.();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.loopDone;
  }

  private requireSession(): HypervisorSession {
    if (!this.session) throw new HvConfigError("the hypervisor has not started");
    return this.session;
  }

  /** Move each VM's timeline events newer than the last collected one into `traps`. */
  private collect(): void {
    const vms = this.session!.hv.vms;
    for (let k = 0; k < vms.length; k++) {
      const tl = vms[k].trap?.timeline ?? [];
      if (!tl.length || tl[tl.length - 1] === this.lastSeen[k]) continue;
      const from = this.lastSeen[k] ? tl.lastIndexOf(this.lastSeen[k]!) + 1 : 0;
      const fresh = tl.slice(from);
      this.lastSeen[k] = tl[tl.length - 1];
      const queue = this.traps[k];
      for (const e of fresh) queue.push({ seq: this.seq++, vm: k, eip: e.eip, insn: e.insn, reason: e.reason, action: e.action, costNs: e.costNs });
      if (queue.length > HV_TRAPS_PER_UPDATE) this.dropped += queue.splice(0, queue.length - HV_TRAPS_PER_UPDATE).length;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private async loop(): Promise<void> {
    const s = this.session!;
    while (!this.closing) {
      if (!this.running) {
        await this.sleep(IDLE_MAX_MS);
        continue;
      }
      const ran = s.runFor(SLICE_MS);
      this.collect();
      if (s.hv.allStopped) {
        this.running = false;
        continue;
      }
      if (!ran) await this.sleep(Math.min(s.msUntilWake(), IDLE_MAX_MS));
      else await yieldToEventLoop();
    }
  }
}
