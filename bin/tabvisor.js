#!/usr/bin/env node
// The tabvisor command. Runs the compiled CLI (dist/, made by `npm run build:ts`) and exits with
// its status once stdout and stderr have drained.
let main;
try {
  ({ main } = await import("../dist/src/cli/main.js"));
} catch (err) {
  const missing = err && err.code === "ERR_MODULE_NOT_FOUND";
  process.stderr.write(
    missing ? "tabvisor: not built: run npm run build (or npm run build:ts)\n" : `tabvisor: cannot start: ${err && err.message}\n`,
  );
  process.exit(70);
}
const status = await main(process.argv.slice(2));
process.stdout.write("", () => process.stderr.write("", () => process.exit(status)));
