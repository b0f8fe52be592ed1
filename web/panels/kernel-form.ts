// "Your kernel": a Multiboot kernel and its modules from the user's disk, by file picker or by
// dropping files on the page. Dropped files: the one that starts with the ELF magic (or the only
// one) is the kernel, the rest are modules in name order. A kernel the loader refuses gets the
// CLI's error line, shown in the form.
import type { MachineConfig, ModuleSpec } from "../../src/worker/protocol.js";

export interface KernelFormOptions {
  /** Boot the config in a new machine; reject with the loader's message to have it shown here. */
  boot(config: MachineConfig): Promise<void>;
  memMiB(): number;
  clock(): MachineConfig["clock"];
}

interface ModuleChoice {
  file: File;
  args: string;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

async function isElf(f: File): Promise<boolean> {
  const head = new Uint8Array(await f.slice(0, 4).arrayBuffer());
  return ELF_MAGIC.every((b, i) => head[i] === b);
}

export class KernelForm {
  private kernel: File | null = null;
  private modules: ModuleChoice[] = [];
  private readonly kernelInput: HTMLInputElement;
  private readonly modulesInput: HTMLInputElement;
  private readonly cmdline: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly chosen: HTMLElement;
  private readonly error: HTMLElement;
  private readonly bootButton: HTMLButtonElement;

  constructor(
    private readonly form: HTMLFormElement,
    private readonly opts: KernelFormOptions,
  ) {
    const q = <T extends Element>(sel: string) => form.querySelector(sel) as T;
    this.kernelInput = q("input[name=kernel]");
    this.modulesInput = q("input[name=modules]");
    this.cmdline = q("input[name=cmdline]");
    this.list = q(".module-list");
    this.chosen = q(".kernel-chosen");
    this.error = q(".error");
    this.bootButton = q("button[type=submit]");
    this.kernelInput.onchange = () => {
      this.kernel = this.kernelInput.files?.[0] ?? null;
      this.renderChoice();
    };
    this.modulesInput.onchange = () => {
      this.modules = [...(this.modulesInput.files ?? [])].map((file) => ({ file, args: "" }));
      this.renderChoice();
    };
    form.onsubmit = (e) => {
      e.preventDefault();
      void this.submit();
    };
  }

  /** Files dropped on the page: choose kernel and modules, then boot. */
  async drop(files: File[]): Promise<void> {
    if (!files.length) return;
    const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
    let kernel = sorted.length === 1 ? sorted[0] : null;
    for (const f of sorted) {
      if (!kernel && (await isElf(f))) kernel = f;
    }
    if (!kernel) {
      this.showError(`none of the dropped files (${sorted.map((f) => f.name).join(", ")}) is an ELF kernel; use the file picker to choose one`);
      return;
    }
    this.kernel = kernel;
    this.modules = sorted.filter((f) => f !== kernel).map((file) => ({ file, args: "" }));
    this.renderChoice();
    await this.submit();
  }

  private renderChoice(): void {
    this.error.textContent = "";
    this.chosen.textContent = this.kernel ? `${this.kernel.name} (${this.kernel.size.toLocaleString("en-US")} bytes)` : "none";
    this.list.replaceChildren(
      ...this.modules.map((m, i) => {
        const li = document.createElement("li");
        const label = document.createElement("label");
        label.textContent = `${m.file.name} `;
        const args = document.createElement("input");
        args.name = `module-args-${i}`;
        args.placeholder = "arguments (the kernel sees 'NAME ARGS')";
        args.value = m.args;
        args.oninput = () => (m.args = args.value);
        label.append(args);
        li.append(label);
        return li;
      }),
    );
    this.bootButton.disabled = !this.kernel;
  }

  private showError(message: string): void {
    this.error.textContent = message;
  }

  private async submit(): Promise<void> {
    if (!this.kernel) {
      this.showError("choose a Multiboot kernel first");
      return;
    }
    this.error.textContent = "";
    const kernel = this.kernel;
    const modules: ModuleSpec[] = await Promise.all(
      this.modules.map(async (m) => ({ name: m.file.name, args: m.args.trim(), data: new Uint8Array(await m.file.arrayBuffer()) })),
    );
    const config: MachineConfig = {
      label: kernel.name,
      kernel: { name: kernel.name, data: new Uint8Array(await kernel.arrayBuffer()) },
      modules,
      cmdline: this.cmdline.value.trim(),
      memMiB: this.opts.memMiB(),
      clock: this.opts.clock(),
    };
    try {
      await this.opts.boot(config);
    } catch (e) {
      this.showError(`tabvisor: ${(e as Error).message}`);
    }
  }
}
