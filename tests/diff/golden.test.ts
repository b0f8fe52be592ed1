// Golden-transcript tests: guest-only programs (tests/fixtures/diff/golden-src: exceptions,
// paging, rings — privileged behaviour no native run can show) must print, under `tabvisor run`, exactly
// the transcript QEMU printed (tests/fixtures/diff/golden/<prog>.txt). The goldens are refreshed
// only on purpose, with:  make -C tests/fixtures/diff goldens
// When QEMU is installed the transcript is also re-checked against it, so a golden never goes stale.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPrograms, DIFF_DIR, firstDifference, goldenPrograms, hasQemu, OUT, runQemu, runTabvisor, tabvisorMissing } from "./runners.js";

const noToolchain = buildPrograms("golden-elfs");
if (noToolchain) console.warn(`tests/diff (goldens): skipped: ${noToolchain}`);
const qemu = !noToolchain && hasQemu();
const noTabvisor = tabvisorMissing();
if (noTabvisor) console.warn(`tests/diff (goldens): tabvisor comparisons skipped: ${noTabvisor}`);

describe.skipIf(!!noToolchain).concurrent("golden transcripts", () => {
  for (const prog of noToolchain ? [] : goldenPrograms()) {
    const elf = join(OUT, "golden", `${prog}.elf`);
    const golden = () => readFileSync(join(DIFF_DIR, "golden", `${prog}.txt`), "latin1");
    it.skipIf(!qemu)(`${prog}: QEMU still prints the committed golden`, async () => {
      const q = await runQemu(elf);
      expect(q.status, `QEMU exit status (stderr: ${q.stderr.trim()})`).toBe(1);
      expect(q.stdout === golden(), firstDifference(golden(), q.stdout)).toBe(true);
    });
    it.skipIf(!!noTabvisor)(`${prog}: tabvisor prints the golden transcript`, async () => {
      const t = await runTabvisor(elf);
      expect(t.status, `tabvisor exit status (stderr: ${t.stderr.trim().slice(0, 500)})`).toBe(1);
      expect(t.stdout === golden(), firstDifference(golden(), t.stdout)).toBe(true);
    });
  }
});
