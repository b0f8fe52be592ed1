// The guests write the VGA text screen too: boot them in-process on the tabvisor machine and read
// the 80x25 character cells at guest-physical 0xB8000 (and the CRTC cursor) after the run.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadCoreNode } from "../../src/core/load-node.js";
import { Machine } from "../../src/hv/vm.js";
import { Platform } from "../../src/devices/platform.js";
import { guest, packageRoot } from "./harness.js";

const coreMissing = existsSync(`${packageRoot}/build/tabvisor.wasm`) ? "" : "build/tabvisor.wasm is missing (npm run build:core)";
const MiB = 1 << 20;

/** Run a registry guest to its end with `input` on COM1; the screen's rows, right-trimmed. */
async function screenAfter(name: string, input = ""): Promise<{ rows: string[]; status: number | undefined }> {
  const g = guest(name);
  const ramBytes = 128 * MiB;
  const vm = new Machine({
    core: await loadCoreNode(),
    ramBytes,
    maxInstructions: 2_000_000_000,
    platform: (bus) => new Platform(bus, { ramBytes }),
    onOutput: () => {},
  });
  vm.boot(readFileSync(`${packageRoot}/${g.kernel}`), {
    kernelName: g.kernel,
    modules: g.modules.map((m) => ({ data: readFileSync(`${packageRoot}/${m.path}`), cmdline: `${m.path} ${m.args}` })),
  });
  vm.receiveInput(Buffer.from(input, "latin1"));
  const stop = vm.runToEnd();
  const ram = vm.cpu.ram();
  const rows: string[] = [];
  for (let r = 0; r < 25; r++) {
    let line = "";
    for (let c = 0; c < 80; c++) line += String.fromCharCode(ram[0xb8000 + 2 * (r * 80 + c)] || 32);
    rows.push(line.trimEnd());
  }
  return { rows, status: stop.debugExit?.status };
}

describe("VGA text output", () => {
  it.skipIf(coreMissing !== "")(`hello greets on the first row ${coreMissing ? `(skipped: ${coreMissing})` : ""}`, async () => {
    const { rows, status } = await screenAfter("hello");
    expect(rows[0]).toBe("Hello from tabvisor's hello guest!");
    expect(status).toBe(1);
  });

  it.skipIf(coreMissing !== "")(`unix shows the shell dialogue on the screen ${coreMissing ? `(skipped: ${coreMissing})` : ""}`, async () => {
    const { rows, status } = await screenAfter("unix", "echo on the screen\npoweroff\n");
    const text = rows.join("\n");
    expect(text).toContain("# echo on the screen\non the screen\n# poweroff\nunix: power off");
    expect(status).toBe(1);
  });
});
