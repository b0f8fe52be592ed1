// Process exit statuses of the tabvisor CLI (documented in docs/cli.md). A guest that ends through
// isa-debug-exit gets QEMU's status, (value << 1) | 1 truncated to 8 bits, which is always odd;
// the statuses the host chooses are listed here.
import type { MachineStop } from "../hv/vm.js";

export const STATUS_RESET = 0; //            the guest reset the machine (QEMU -no-reboot exits 0 too)
export const STATUS_USAGE = 2; //            bad arguments, unreadable or malformed kernel/module
export const STATUS_TRIPLE_FAULT = 3; //     the CPU shut down (triple fault)
export const STATUS_MAX_INSTRUCTIONS = 4; // --max-instructions reached
export const STATUS_HALTED = 5; //           HLT with nothing that can wake the CPU
export const STATUS_INTERNAL = 70; //        the core is missing or misbehaved (EX_SOFTWARE)
export const STATUS_USER_QUIT = 130; //      the user pressed Ctrl-A x on a terminal
export const STATUS_OUTPUT_CLOSED = 141; //  stdout's reader went away (128 + SIGPIPE, as a shell reports it)

/** A usage or input error: one line on stderr, then exit STATUS_USAGE. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The process exit status for the way a machine stopped. */
export function statusOf(stop: MachineStop): number {
  switch (stop.reason) {
    case "debug-exit":
      return stop.debugExit!.status & 0xff;
    case "reset":
      return STATUS_RESET;
    case "triple-fault":
      return STATUS_TRIPLE_FAULT;
    case "max-instructions":
      return STATUS_MAX_INSTRUCTIONS;
    case "halted":
      return STATUS_HALTED;
    default:
      return STATUS_INTERNAL;
  }
}
