// Choosing what to boot, shared by the verbs that boot kernels: `KERNEL` or `--guest NAME` (a
// built-in image from src/guests/registry.ts, with its modules), then any `--module FILE[=ARGS]`.
// Every unreadable file or unknown guest becomes one UsageError line.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../core/load-node.js";
import { findGuest, guestNames, type Guest } from "../guests/registry.js";
import type { MultibootModule } from "../hv/multiboot.js";
import type { ParsedArgs } from "./args.js";
import { UsageError } from "./exit-status.js";

export interface BootImage {
  /** The name the kernel sees as argv0 on its command line (the path as typed, or the registry path). */
  kernelName: string;
  kernel: Uint8Array;
  modules: MultibootModule[];
}

export function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === "ENOENT" ? "no such file" : e.code === "EISDIR" ? "is a directory" : e.code === "EACCES" ? "permission denied" : e.message;
    throw new UsageError(`cannot read ${what} '${path}': ${why}`);
  }
}

/** `--module FILE[=ARGS]`: the kernel sees the module's string as "FILE ARGS", as QEMU -initrd gives it. */
export function parseModule(spec: string): MultibootModule {
  const eq = spec.indexOf("=");
  const file = eq >= 0 ? spec.slice(0, eq) : spec;
  if (!file) throw new UsageError(`--module needs a file name, got '${spec}'`);
  const modArgs = eq >= 0 ? spec.slice(eq + 1) : "";
  return { data: readInput(file, "module"), cmdline: `${file} ${modArgs}`.trim() };
}

/** A built-in guest's kernel and modules, read from the package. */
export function guestImage(g: Guest): BootImage {
  const root = packageRoot();
  return {
    kernelName: g.kernel,
    kernel: readInput(join(root, g.kernel), "kernel"),
    modules: g.modules.map((m) => ({ data: readInput(join(root, m.path), "module"), cmdline: `${m.path} ${m.args}`.trim() })),
  };
}

/** Resolve `KERNEL | --guest NAME` plus `--module`s for `verb` (used in messages). */
export function bootImage(args: ParsedArgs, verb: string): BootImage {
  const guestName = args.values.get("guest")?.[0];
  if (guestName !== undefined && args.positionals.length) throw new UsageError(`${verb} takes a KERNEL or --guest NAME, not both`);
  if (guestName === undefined && args.positionals.length === 0) {
    throw new UsageError(`${verb} needs a KERNEL file or --guest NAME (see tabvisor ${verb} --help)`);
  }
  if (args.positionals.length > 1) throw new UsageError(`${verb} takes one KERNEL, got '${args.positionals.join("' '")}' (see tabvisor ${verb} --help)`);
  let image: BootImage;
  if (guestName !== undefined) {
    const g = findGuest(guestName);
    if (!g) throw new UsageError(`unknown guest '${guestName}' (known: ${guestNames().join(", ")})`);
    image = guestImage(g);
  } else {
    image = { kernelName: args.positionals[0], kernel: readInput(args.positionals[0], "kernel"), modules: [] };
  }
  for (const spec of args.values.get("module") ?? []) image.modules.push(parseModule(spec));
  return image;
}
