// EXIT_IO: IN/OUT/INS/OUTS reached the host (docs/core-api.md). OUT has retired: perform the write.
// IN has not: answer in STATE_EXIT_DATA and set STATE_IO_READY so the instruction completes.
import * as L from "../../../assembly/layout.js";
import type { IoSize } from "../../devices/io-bus.js";
import type { Machine } from "../vm.js";

export function handleIo(vm: Machine): void {
  const cpu = vm.cpu;
  const port = cpu.exitPort;
  const size = cpu.exitSize as IoSize;
  vm.platform?.advanceTo(cpu.insnCount); // a port read sees the time of the instruction doing it
  if (cpu.exitDir === L.IO_OUT) {
    vm.bus.write(port, size, cpu.exitData);
  } else {
    cpu.exitData = vm.bus.read(port, size);
    cpu.ioReady = true;
  }
}
