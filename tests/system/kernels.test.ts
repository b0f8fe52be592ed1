// Each self-checking system kernel, at -O0, -O2 and -Os, prints under tabvisor exactly the
// transcript QEMU printed (tests/fixtures/system/golden), except where QEMU TCG contradicts the
// SDM (golden/qemu-deviations.txt): there tabvisor must pass the check. Exit status 1 means the
// kernel wrote 0 to isa-debug-exit: every check passed.
//
// Refresh the goldens on purpose, from QEMU:   make -C tests/fixtures/system golden
import { describe, expect, it } from "vitest";
import {
  IMAGES,
  KERNELS,
  OPTS,
  deviations,
  golden,
  hasQemu,
  qemuStatuses,
  runQemu,
  runTabvisor,
  sdmExpectation,
  tabvisorUnavailable,
} from "./harness.js";

const devs = deviations();
const statuses = qemuStatuses();
const cases = KERNELS.flatMap((k) => OPTS.map((o) => `${k}-${o}`));

describe("system kernels under tabvisor", () => {
  it.skipIf(tabvisorUnavailable !== "").each(cases)(
    `%s: transcript and status as the SDM-corrected QEMU golden ${tabvisorUnavailable ? `(skipped: ${tabvisorUnavailable})` : ""}`,
    (name) => {
      const want = sdmExpectation(golden(name), devs);
      const got = runTabvisor(name);
      expect(got.out).toBe(want.out);
      expect(got.status, got.err).toBe(want.status);
      expect(want.status).toBe(1); // the goldens themselves end in all checks passed once corrected
    },
    60_000,
  );
});

describe("system kernel goldens", () => {
  it("cover every image, with QEMU's status recorded", () => {
    expect([...statuses.keys()].sort()).toEqual([...IMAGES].sort());
    for (const name of IMAGES) expect(golden(name).length).toBeGreaterThan(0);
  });

  it("end with the summary line, which agrees with their ok/FAIL lines and QEMU's status", () => {
    for (const name of cases) {
      const text = golden(name);
      const lines = text.trimEnd().split("\n");
      const passed = lines.filter((l) => l.startsWith("ok ")).length;
      const failed = lines.filter((l) => l.startsWith("FAIL ")).length;
      expect(lines.at(-1), name).toBe(`summary: ${passed} passed, ${failed} failed`);
      expect(statuses.get(name), name).toBe(failed ? 65 : 1);
    }
  });

  it("name every QEMU deviation in some FAIL line, and no other FAIL lines remain", () => {
    const used = new Set<string>();
    for (const name of cases) {
      const want = sdmExpectation(golden(name), devs);
      want.corrected.forEach((c) => used.add(c));
      expect(want.out, name).not.toMatch(/^FAIL /m);
    }
    expect([...devs.keys()].filter((d) => !used.has(d))).toEqual([]);
  });

  it("are the same at every optimisation level, apart from addresses in FAIL details", () => {
    const strip = (t: string) => t.replace(/^(FAIL [^\n]*?): .*$/gm, "$1");
    for (const k of KERNELS) {
      const [first, ...rest] = OPTS.map((o) => strip(golden(`${k}-${o}`)));
      for (const r of rest) expect(r, k).toBe(first);
    }
  });

  it.skipIf(!hasQemu).each(cases)(
    `%s: QEMU still prints the golden transcript ${hasQemu ? "" : "(skipped: qemu-system-i386 is not installed)"}`,
    (name) => {
      const got = runQemu(name);
      expect(got.out).toBe(golden(name));
      expect(got.status).toBe(statuses.get(name));
    },
    60_000,
  );
});
