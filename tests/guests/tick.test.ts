// tick's transcript, ending "tick: ok <checksum>", is the same on every run and every engine:
// the work order is fixed by a token the tasks pass round-robin, not by when the timer fires.
import { describe, expect, it } from "vitest";
import { engines, guest, runGuest, type Engine } from "./harness.js";

const CHECKSUM = "0db08769";
const transcripts = new Map<Engine, string>();

describe.each(engines)("tick on $engine", ({ engine, skip }) => {
  it.skipIf(skip !== "")(`ends with 'tick: ok ${CHECKSUM}' and exit status 1, twice identically ${skip ? `(skipped: ${skip})` : ""}`, async () => {
    const a = await runGuest(engine, guest("tick"));
    const b = await runGuest(engine, guest("tick"));
    expect(a.status).toBe(1);
    expect(a.out.trimEnd().split("\n").at(-1)).toBe(`tick: ok ${CHECKSUM}`);
    expect(a.out).toContain("tick: invlpg ok\n");
    expect(a.out).toContain("tick: 18 reports, preemption seen\n");
    expect(b.out).toBe(a.out);
    transcripts.set(engine, a.out);
  });
});

describe("tick across engines", () => {
  const ready = engines.every((e) => e.skip === "");
  it.skipIf(!ready)("gives the same transcript under QEMU and tabvisor", () => {
    expect(transcripts.get("tabvisor")).toBe(transcripts.get("qemu"));
  });
});
