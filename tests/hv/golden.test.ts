// Differential check against QEMU: each fixture kernel's COM1 output and exit status under
// tabvisor must equal the golden transcript recorded from qemu-system-i386 -kernel (refresh on
// purpose with: sh tests/fixtures/kernels/golden.sh).
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadCoreNode } from "../../src/core/load-node.js";
import { Machine } from "../../src/hv/vm.js";
import { Platform } from "../../src/devices/platform.js";
import { statusOf } from "../../src/cli/exit-status.js";

const dir = fileURLToPath(new URL("../fixtures/kernels/", import.meta.url));
const CASES: [name: string, kernel: string][] = [
  ["hello", "hello.elf"],
  ["exit-code", "exit-code.elf"],
  ["aout", "aout.bin"],
  ["echo", "echo.elf"],
  ["irq-echo", "irq-echo.elf"],
  ["timer", "timer.elf"],
  ["debugcon", "debugcon.elf"],
  ["reset", "reset.elf"],
];
const RAM = 128 << 20; // golden.sh runs QEMU with -m 128

describe("fixture kernels match QEMU's golden transcripts", () => {
  for (const [name, kernel] of CASES) {
    it(`${kernel}: same COM1 output and exit status as QEMU`, async () => {
      const out: number[] = [];
      const vm = new Machine({
        core: await loadCoreNode(),
        ramBytes: RAM,
        maxInstructions: 100_000_000,
        platform: (bus) => new Platform(bus, { ramBytes: RAM }),
        onOutput: (src, b) => src === "com1" && out.push(b),
      });
      vm.boot(readFileSync(dir + kernel), { kernelName: kernel });
      const input = dir + `golden/${name}.in`;
      if (existsSync(input)) vm.receiveInput(readFileSync(input));
      const stop = vm.runToEnd();
      const status = statusOf(stop);
      expect(Buffer.from(out).toString("latin1")).toBe(readFileSync(dir + `golden/${name}.out`, "latin1"));
      expect(status).toBe(Number(readFileSync(dir + `golden/${name}.status`, "utf8")));
    });
  }
});
