// The built-in guests as the page reaches them: src/guests/registry.ts names the images (the one
// list the CLI uses too); Vite turns every file under guests/images/ into a URL, and the page
// fetches a guest's kernel and modules from there.
import { GUESTS, type Guest } from "../src/guests/registry.js";
import type { MachineConfig } from "../src/worker/protocol.js";

const IMAGE_URLS = import.meta.glob("../guests/images/*", { query: "?url", import: "default", eager: true }) as Record<string, string>;

export { GUESTS };
export type { Guest };

/** The default guest: a shell prompt within a second of opening the page. */
export const DEFAULT_GUEST = "unix";

const cache = new Map<string, Promise<ArrayBuffer>>();

function imageUrl(path: string): string {
  const url = IMAGE_URLS[`../${path}`];
  if (!url) throw new Error(`guest image ${path} is not in guests/images/ (run npm run build:guests)`);
  return url;
}

/** Fetch once per page; each machine gets its own copy (the worker takes ownership). */
async function fetchImage(path: string): Promise<Uint8Array> {
  let p = cache.get(path);
  if (!p) {
    p = fetch(imageUrl(path)).then((r) => {
      if (!r.ok) throw new Error(`cannot fetch guest image ${path}: HTTP ${r.status}`);
      return r.arrayBuffer();
    });
    cache.set(path, p);
    p.catch(() => cache.delete(path));
  }
  return new Uint8Array((await p).slice(0));
}

/** Start fetching a guest's images now (the default guest's, before its worker is up). */
export function prefetchGuest(guest: Guest): void {
  void fetchImage(guest.kernel).catch(() => {});
  for (const m of guest.modules) void fetchImage(m.path).catch(() => {});
}

export async function guestConfig(guest: Guest, memMiB: number, clock: MachineConfig["clock"]): Promise<MachineConfig> {
  const [kernel, ...mods] = await Promise.all([fetchImage(guest.kernel), ...guest.modules.map((m) => fetchImage(m.path))]);
  return {
    label: guest.name,
    kernel: { name: guest.kernel, data: kernel },
    modules: guest.modules.map((m, i) => ({ name: m.path, args: m.args, data: mods[i] })),
    cmdline: "",
    memMiB,
    clock,
  };
}
