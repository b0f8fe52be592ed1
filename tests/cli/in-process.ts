// Running the tabvisor CLI in-process for tests: `main()` with captured stdout/stderr (as latin1
// text) and an optional stdin stream, resolving to the exit status and both outputs.
import { main } from "../../src/cli/main.js";
import type { CliIo, InStream } from "../../src/cli/io.js";

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function cli(argv: string[], stdin: InStream | null = null): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (to: string[]) => ({
    write(chunk: Uint8Array | string) {
      to.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1"));
      return true;
    },
  });
  const io: CliIo = { stdout: sink(out), stderr: sink(err), stdin };
  const status = await main(argv, io);
  return { status, stdout: out.join(""), stderr: err.join("") };
}
