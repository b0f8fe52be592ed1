// The end-to-end suite: the real page in Debian's Chromium (tests/e2e/harness.ts). Run apart
// from the unit suite (npm test runs both, one after the other) so the browser does not compete
// with the unit tests for the CPU; files run one at a time.
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["tests/e2e/**/*.test.ts"],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
