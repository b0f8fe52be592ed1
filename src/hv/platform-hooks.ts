// What the machine loop needs from a PC platform (interrupt controller and timers). The devices
// engineer's Platform (src/devices/platform.ts) implements it; the bare machine runs without one.
// Contract agreed between src/hv/vm.ts and src/devices/platform.ts; times are in retired
// instructions of the vCPU (STATE_INSN_COUNT), which is the virtual clock.
export interface PlatformHooks {
  /** Instructions the CPU may run before the next timer event (≥ 1), or Infinity. */
  budgetUntilNextEvent(insnCount: bigint): number;
  /** Bring every device up to `insnCount`: fire due timers (raising IRQ lines). */
  advanceTo(insnCount: bigint): void;
  /** CPU halted with IF=1: skip virtual time to the next event; false if nothing can ever wake it. */
  idleUntilNextEvent(insnCount: bigint): boolean;
  /** An unmasked IRQ is pending at the PIC. */
  interruptPending(): boolean;
  /** INTA cycle: the vector to deliver (updates ISR/IRR). */
  acknowledgeInterrupt(): number;
  /** Raise or lower ISA IRQ line 0..15. */
  setIrq(line: number, level: boolean): void;
  /** Virtual nanoseconds since power-on. */
  nowNs(insnCount: bigint): number;
  /** The STATE_TSC_OFFSET that keeps RDTSC equal to the platform clock (idle time skipped so far). */
  tscOffset?(insnCount: bigint): bigint;
  /** Realtime clock: wall-clock ms until the next timer event (Infinity if none). */
  msUntilNextEvent?(insnCount: bigint): number;
  /** Set by the platform when the guest asked for a system reset (8042 pulse, port 0x92). */
  resetRequested?: boolean;
}
