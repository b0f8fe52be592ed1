// The contract between the vCPU loop (src/hv/vm.ts) and a deprivileged execution engine (trap
// mode, src/hv/trap/). Bare metal has none; with one, the loop stays the same kvmtool loop and
// calls these hooks around core.run() and for the exits that guest mode produces.
export interface GuestMode {
  /** After the Multiboot entry state is set: deprivilege it (shadow tables, ring compression). `kernel` is the image loaded. */
  enter(kernel?: Uint8Array): void;
  /** Before each core.run(): fix up state; returns a cap on the budget (1 while single-stepping). */
  beforeRun(): number;
  /** After each core.run(), whatever the exit. */
  afterRun(reason: number): void;
  /** EXIT_EXCEPTION: a trap into the hypervisor. */
  onException(): void;
  /** The guest can take a virtual external interrupt now (virtual IF set, no shadow, not mid-step). */
  interruptible(): boolean;
  /** Deliver external interrupt `vector` through the guest's own IDT. */
  injectExternal(vector: number): void;
}
