// The guests' PC console: boot them in-process on the tabvisor machine, read the 80x25 character
// cells at guest-physical 0xB8000 after the run, and type on the PS/2 keyboard.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadCoreNode } from "../../src/core/load-node.js";
import { Machine } from "../../src/hv/vm.js";
import { Platform } from "../../src/devices/platform.js";
import { guest, packageRoot } from "./harness.js";

const coreMissing = existsSync(`${packageRoot}/build/tabvisor.wasm`) ? "" : "build/tabvisor.wasm is missing (npm run build:core)";
const MiB = 1 << 20;

async function bootGuest(name: string) {
  const g = guest(name);
  const ramBytes = 64 * MiB;
  let platform: Platform | undefined;
  const com1: number[] = [];
  const vm = new Machine({
    core: await loadCoreNode(),
    ramBytes,
    maxInstructions: 2_000_000_000,
    platform: (bus) => (platform = new Platform(bus, { ramBytes })),
    onOutput: (src, b) => src === "com1" && com1.push(b),
  });
  vm.boot(readFileSync(`${packageRoot}/${g.kernel}`), {
    kernelName: g.kernel,
    modules: g.modules.map((m) => ({ data: readFileSync(`${packageRoot}/${m.path}`), cmdline: `${m.path} ${m.args}` })),
  });
  return { vm, keyboard: platform!.keyboard, com1: () => Buffer.from(com1).toString("latin1") };
}

/** The screen's rows, right-trimmed. */
function screen(vm: Machine): string[] {
  const ram = vm.cpu.ram();
  const rows: string[] = [];
  for (let r = 0; r < 25; r++) {
    let line = "";
    for (let c = 0; c < 80; c++) line += String.fromCharCode(ram[0xb8000 + 2 * (r * 80 + c)] || 32);
    rows.push(line.trimEnd());
  }
  return rows;
}

/** Run a registry guest to its end with `input` on COM1. */
async function screenAfter(name: string, input = ""): Promise<{ rows: string[]; status: number | undefined }> {
  const { vm } = await bootGuest(name);
  vm.receiveInput(Buffer.from(input, "latin1"));
  const stop = vm.runToEnd();
  return { rows: screen(vm), status: stop.debugExit?.status };
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

  it.skipIf(coreMissing !== "")(`unix takes typed keys from the PS/2 keyboard ${coreMissing ? `(skipped: ${coreMissing})` : ""}`, async () => {
    const { vm, keyboard, com1 } = await bootGuest("unix");
    vm.inputOpen = true;
    for (let i = 0; i < 1000 && !com1().includes("# "); i++) vm.runFor(1_000_000);
    expect(com1()).toContain("# ");
    keyboard.pressKey("echo Typed ON Keys\x7f\x7f\x7fEYS!\r");
    keyboard.pressKey("poweroff\r");
    const stop = vm.runToEnd();
    expect(screen(vm).join("\n")).toContain("# echo Typed ON KEYS!\nTyped ON KEYS!\n# poweroff\nunix: power off");
    expect(stop.debugExit?.status).toBe(1);
  });
});
