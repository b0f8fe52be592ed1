// EXIT_EXCEPTION: only guest mode routes exceptions to the host (STATE_EXC_BITMAP): trap mode
// hands it to its engine (src/hv/trap/). The bare machine never sets the bitmap, so there this exit
// means the core and host disagree: stop loudly.
import type { Machine } from "../vm.js";
import { exceptionName } from "./triple-fault.js";

export function handleException(vm: Machine): void {
  if (vm.guestMode) {
    vm.guestMode.onException();
    return;
  }
  const cpu = vm.cpu;
  vm.stop({
    reason: "internal-error",
    message: `unexpected exception exit on a bare machine: ${exceptionName(cpu.exitVector)} at EIP 0x${cpu.exitEip.toString(16)}`,
  });
}
