// Program-level differential tests: every program of tests/fixtures/diff/progs, built at -O0, -O2,
// -Os and -O2 -march=i686, must print the same natively, under QEMU (which validates the guest
// build; SDM-undefined flags excepted) and under `tabvisor run` (exactly, undefined flags included:
// native runs show this Intel CPU's choices). Exit statuses: native 0; QEMU and tabvisor 1, i.e.
// the guest wrote 0 to isa-debug-exit.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import {
  buildPrograms,
  firstDifference,
  hasQemu,
  OUT,
  programs,
  run,
  runQemu,
  runTabvisor,
  tabvisorMissing,
  VARIANTS,
  withoutUndefinedFlags,
  type RunOutput,
} from "./runners.js";

const noToolchain = buildPrograms("progs");
if (noToolchain) console.warn(`tests/diff: skipped: ${noToolchain}`);
const qemu = !noToolchain && hasQemu();
if (!noToolchain && !qemu) console.warn("tests/diff: QEMU comparisons skipped: qemu-system-i386 is not installed");
const noTabvisor = tabvisorMissing();
if (noTabvisor) console.warn(`tests/diff: tabvisor comparisons skipped: ${noTabvisor}`);

const nativeRuns = new Map<string, Promise<RunOutput>>();
const native = (bin: string): Promise<RunOutput> => {
  let p = nativeRuns.get(bin);
  if (!p) nativeRuns.set(bin, (p = run(bin, [], 60_000)));
  return p;
};

describe.skipIf(!!noToolchain)("differential programs", () => {
  for (const prog of noToolchain ? [] : programs()) {
    describe.concurrent(prog, () => {
      for (const v of VARIANTS) {
        const nat = join(OUT, v, `${prog}.native`);
        const elf = join(OUT, v, `${prog}.elf`);
        it(`${v}: the native build runs and exits 0`, async () => {
          const n = await native(nat);
          expect(n.status, n.stderr).toBe(0);
          expect(n.stdout.length).toBeGreaterThan(0);
        });
        it.skipIf(!qemu)(`${v}: the guest under QEMU prints what the native build prints`, async () => {
          const [n, q] = await Promise.all([native(nat), runQemu(elf)]);
          expect(q.status, `QEMU exit status (stderr: ${q.stderr.trim()})`).toBe(1);
          const want = withoutUndefinedFlags(n.stdout), got = withoutUndefinedFlags(q.stdout);
          expect(got === want, firstDifference(want, got)).toBe(true);
        });
        it.skipIf(!!noTabvisor)(`${v}: the guest under tabvisor prints exactly what the native build prints`, async () => {
          const [n, t] = await Promise.all([native(nat), runTabvisor(elf)]);
          expect(t.status, `tabvisor exit status (stderr: ${t.stderr.trim().slice(0, 500)})`).toBe(1);
          expect(t.stdout === n.stdout, firstDifference(n.stdout, t.stdout)).toBe(true);
        });
      }
    });
  }
});
