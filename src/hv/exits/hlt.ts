// EXIT_HLT: HLT retired. With EFLAGS.IF=0 only NMI/SMI/INIT could resume the CPU (SDM Vol. 2A,
// HLT), and this machine has none: it is halted for good. With IF=1 the machine idles until an
// interrupt (Machine.idle).
import * as L from "../../../assembly/layout.js";
import type { Machine } from "../vm.js";

export function handleHlt(vm: Machine): void {
  if (!(vm.cpu.eflags & L.EFLAGS_IF)) {
    vm.stop({ reason: "halted", message: `CPU halted at EIP 0x${vm.cpu.eip.toString(16)} with interrupts disabled (cli; hlt)` });
    return;
  }
  vm.idle();
}
