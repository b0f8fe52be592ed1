// Scenario "cpu": the CPU-bound guest (bench/guests/workload.c: arithmetic, calls, memory copies,
// sieve, CRC32, sorting, string work, a bytecode interpreter) on bare metal, paging off.
// One Multiboot ELF for the emulators and the same workload object as a native Linux program.

/** @type {import("../lib/scenario.js").Scenario} */
export const scenario = {
  name: "cpu",
  title: "CPU-bound guest (gcc -O2 -march=i686), bare metal, paging off",
  kernel: "bench/guests/cpu.elf",
  native: "bench/guests/cpu-native",
  // Size knob: the guest reads "repeat=N" from its command line (Multiboot cmdline, or argv[1]
  // natively); one repeat is about 1.6 × 10^8 instructions.
  defaultRepeat: 10,
  maxRepeat: 1000,
  cmdline: (repeat) => `repeat=${repeat}`,
  // --per-kernel runs each part alone ("kernels=NAME" on the command line).
  parts: ["arith", "calls", "copy", "sieve", "crc32", "sort", "string", "bytecode"],
  partCmdline: (repeat, part) => `repeat=${repeat} kernels=${part}`,
  memMiB: 64,
  // The transcript's last line; every engine must print the same transcript.
  checksumPattern: /^checksum ([0-9a-f]{8})$/m,
};
