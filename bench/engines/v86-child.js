// Child process for the v86 engines: boots one Multiboot kernel in v86 (npm package, no BIOS),
// collects COM1 output and sends { seconds, output, exitValue } to the parent over IPC.
// Timed: from emulator.run() (the machine already built) to the guest's write to port 0xF4,
// which v86's test-exit hook turns into a thrown "HALT".
// argv[2]: JSON { kernel, cmdline, memMiB, jit }.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const config = JSON.parse(process.argv[2]);
const v86Dir = dirname(createRequire(import.meta.url).resolve("v86/package.json"));
const { V86 } = await import(join(v86Dir, "build/libv86.mjs"));
const wasm = readFileSync(join(v86Dir, "build/v86.wasm"));
const kernel = readFileSync(config.kernel);

// v86 reports the value written to 0xF4 only as a console.log line; keep the log for that.
const logLines = [];
console.log = (...args) => logLines.push(args.join(" "));

const output = [];
let t0 = 0;
let finished = false;

function finish(thrown) {
  const seconds = (performance.now() - t0) / 1000;
  if (finished) return;
  finished = true;
  const exitLine = logLines.find((l) => l.startsWith("Test exited with code"));
  const m = exitLine && /0x([0-9a-f]+)/i.exec(exitLine);
  const result = m
    ? { seconds, output: Buffer.from(output).toString("latin1"), exitValue: parseInt(m[1], 16) }
    : { error: `v86 stopped without a guest exit: ${String(thrown).slice(0, 200)}` };
  process.send(result, () => process.exit(0));
}

process.on("uncaughtException", finish);

const emulator = new V86({
  wasm_fn: async (env) => (await WebAssembly.instantiate(wasm, env)).instance.exports,
  multiboot: { buffer: kernel.buffer.slice(kernel.byteOffset, kernel.byteOffset + kernel.byteLength) },
  cmdline: config.cmdline,
  memory_size: config.memMiB << 20,
  vga_memory_size: 2 << 20,
  autostart: false,
  disable_jit: !config.jit,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
});
emulator.add_listener("serial0-output-byte", (byte) => output.push(byte));
emulator.add_listener("emulator-loaded", () => {
  t0 = performance.now();
  emulator.run();
});
