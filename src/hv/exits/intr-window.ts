// EXIT_INTR_WINDOW: the host asked (STATE_INTR_PENDING) and the CPU can now take an external
// interrupt: acknowledge the PIC and inject its vector (docs/core-api.md).
import * as L from "../../../assembly/layout.js";
import type { Machine } from "../vm.js";

export function handleIntrWindow(vm: Machine): void {
  const p = vm.platform;
  const cpu = vm.cpu;
  if (!p) {
    cpu.intrPending = false;
    return;
  }
  p.advanceTo(cpu.insnCount);
  if (p.interruptPending() && cpu.inject === L.INJECT_NONE && vm.interruptible()) {
    vm.inject(p.acknowledgeInterrupt());
  }
  cpu.intrPending = p.interruptPending();
}
