// Kernels the hypervisor was not written for: the guest-only programs of tests/fixtures/diff
// (descriptors, call gates, exceptions, IDT, paging, and rings 0-3 with a CPL-1 section), built
// by that directory's Makefile. In two trap-mode VMs each prints its bare-metal transcript,
// except lines that show what a sensitive-but-unprivileged instruction read (LAR/LSL, MOV from
// CS/SS, SIDT, POPF/PUSHF), and the hypervisor reports those instructions.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DIFF_DIR, goldenPrograms, ROOT } from "../diff/runners.js";
import { image, runVms } from "./trap-harness.js";

// Built into a directory of our own, so tests/diff building the same programs at the same time
// never hands us a half-written image.
const OUT_REL = "build/hv-golden";
const OUT = join(ROOT, OUT_REL);

/** null when built, else the one-line reason they cannot be built here. */
function build(): string | null {
  if (spawnSync("make", ["--version"], { stdio: "ignore" }).status !== 0) return "make is not installed";
  const r = spawnSync("make", ["-s", "-C", DIFF_DIR, `OUT=${OUT_REL}`, "golden-elfs"], { encoding: "utf8" });
  if (r.status === 0) return null;
  const line = (r.stderr || r.stdout).split("\n").find((l) => l.startsWith("diff: "));
  if (line) return line;
  throw new Error(`building the golden programs failed:\n${r.stderr}${r.stdout}`);
}

const noToolchain = build();
if (noToolchain) console.warn(`tests/hv (trap goldens): skipped: ${noToolchain}`);

/** Lines allowed to differ, by program: each is the result of a sensitive instruction. */
const SENSITIVE_LINES: Record<string, RegExp[]> = {
  descriptors: [/^cpl[03] sel [0-9a-f]{4}: lar /], //                     LAR (and LSL) read the shadow GDT
  callgate: [/^ {2}target cs /, /^ {2}target ss /, /^ring0 -> gate: /], // MOV from CS/SS read RPL 1
  rings: [/^ {2}idt limit /, /^popf 0x202 then pushf \(IOPL 3\)/, /^back in ring /], // SIDT, POPF/PUSHF, MOV from CS
};
const REPORTED: Record<string, string[]> = {
  descriptors: ["lar", "lsl"],
  callgate: ["mov r/m16,cs"],
  rings: ["sidt", "popf", "pushf"],
};

describe.skipIf(!!noToolchain)("tests/fixtures/diff golden programs in trap mode", () => {
  for (const prog of noToolchain ? [] : goldenPrograms()) {
    it(`${prog}: the bare-metal transcript, except what sensitive instructions read`, async () => {
      const kernel = image(join(OUT, "golden", `${prog}.elf`));
      const bare = await runVms(kernel, 1, "bare");
      const trap = await runVms(kernel, 2, "trap");
      const b = bare.out[0].split(/\r?\n/);
      for (let k = 0; k < 2; k++) {
        const t = trap.out[k].split(/\r?\n/);
        expect(t.length, `vm${k}`).toBe(b.length);
        const differing = t.filter((line, i) => line !== b[i]);
        for (const line of differing) {
          expect((SENSITIVE_LINES[prog] ?? []).some((re) => re.test(line)), `vm${k}: ${line}`).toBe(true);
        }
        const reported = new Set(trap.hv.stats()[k].sensitive.map((s) => s.insn));
        for (const insn of REPORTED[prog] ?? []) expect(reported.has(insn), `${prog} vm${k} reports ${insn}`).toBe(true);
        expect(trap.hv.vms[k].stopped?.reason).toBe(bare.hv.vms[0].stopped?.reason);
      }
    });
  }
});
