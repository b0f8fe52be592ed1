// EXIT_TRIPLE_FAULT: an exception could not be delivered even as a double fault (SDM Vol. 3A
// §6.15, interrupt 8): the processor enters shutdown. Like QEMU with -no-reboot, the machine stops.
import type { Machine } from "../vm.js";

const EXCEPTION_MNEMONICS = ["#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "", "#TS", "#NP", "#SS", "#GP", "#PF", "", "#MF", "#AC", "#MC", "#XM"];

export function exceptionName(vector: number): string {
  return EXCEPTION_MNEMONICS[vector] || `vector ${vector}`;
}

export function handleTripleFault(vm: Machine): void {
  const cpu = vm.cpu;
  const err = cpu.exitError;
  const code = err === 0xffffffff ? "" : ` error code 0x${err.toString(16)}`;
  vm.stop({
    reason: "triple-fault",
    message: `triple fault: ${exceptionName(cpu.exitVector)}${code} at EIP 0x${cpu.exitEip.toString(16)} could not be delivered`,
  });
}
