// The built-in guest images: a name maps to a Multiboot kernel, its modules (each with the
// argument string the kernel sees after the module's file name) and a one-line description.
// Paths are relative to the package root; this module does no I/O, so the CLI and the page
// resolve them their own way (a file path in Node, a URL in the browser).

/** A Multiboot module: the kernel sees its string as "PATH ARGS", as `--module PATH=ARGS` gives. */
export interface GuestModule {
  readonly path: string;
  readonly args: string;
}

export interface Guest {
  readonly name: string;
  readonly kernel: string;
  readonly modules: readonly GuestModule[];
  readonly description: string;
}

/** Built by `npm run build:guests` (guests/Makefile) and committed under guests/images/. */
export const GUESTS: readonly Guest[] = [
  {
    name: "hello",
    kernel: "guests/images/hello.elf",
    modules: [],
    description: "minimal kernel: hello on COM1 and VGA, then exit 0 through port 0xF4",
  },
  {
    name: "tick",
    kernel: "guests/images/tick.elf",
    modules: [],
    description: "GDT/IDT/TSS, paging, INVLPG, PIT on the PIC, three preempted ring-3 tasks; ends 'tick: ok <checksum>'",
  },
  {
    name: "unix",
    kernel: "guests/images/unix.elf",
    modules: [
      { path: "guests/images/unix-root.img", args: "root" },
      { path: "guests/images/minimal.img", args: "image minimal" },
      { path: "guests/images/service.img", args: "image service" },
    ],
    description: "Unix-like teaching kernel with a shell on COM1 and VGA, containers with ctr; 'poweroff' exits 0",
  },
  {
    name: "popf",
    kernel: "guests/images/popf.elf",
    modules: [],
    description: "trusts POPF, PUSHF, MOV from CS, SGDT, SMSW: all pass on bare metal, break in trap mode (guests/popf)",
  },
];

export function guestNames(): string[] {
  return GUESTS.map((g) => g.name);
}

export function findGuest(name: string): Guest | undefined {
  return GUESTS.find((g) => g.name === name);
}

/**
 * The `tabvisor run` arguments equivalent to `--guest NAME`, with paths under `root`
 * (the package root, no trailing slash needed): [KERNEL, "--module", "MOD=ARGS", ...].
 */
export function guestRunArgs(guest: Guest, root = "."): string[] {
  const at = (p: string) => (root === "." ? p : `${root.replace(/\/+$/, "")}/${p}`);
  const args = [at(guest.kernel)];
  for (const m of guest.modules) args.push("--module", m.args ? `${at(m.path)}=${m.args}` : at(m.path));
  return args;
}
