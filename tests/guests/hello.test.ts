// hello greets on COM1 and exits through isa-debug-exit with 0 (process status 1).
import { describe, expect, it } from "vitest";
import { engines, guest, runGuest } from "./harness.js";

describe.each(engines)("hello on $engine", ({ engine, skip }) => {
  it.skipIf(skip !== "")(`prints the greeting and exits with status 1 ${skip ? `(skipped: ${skip})` : ""}`, async () => {
    const r = await runGuest(engine, guest("hello"));
    expect(r.out).toBe("Hello from tabvisor's hello guest!\n");
    expect(r.status).toBe(1);
  });
});
