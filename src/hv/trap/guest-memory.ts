// A trap-mode VM's memory as the hypervisor sees it: guest-physical RAM [0, guestBytes) at the
// start of the VM's region, the guest's own (virtual) page walk over it with the guest's CR0, CR3
// and CR4, and guest-virtual reads and writes for emulation and interrupt delivery.
//
// The walk follows SDM Vol. 3A §4.3 (32-bit paging, 4 KiB and 4 MiB pages), §4.6 (access rights:
// CPL 3 is user; supervisor writes need R/W only when CR0.WP=1) and §4.8 (accessed/dirty bits).
// Guest-physical addresses at or beyond guestBytes read as all ones and ignore writes, as on the
// bare machine; the hypervisor's own area above guestBytes is never reachable from here.
import * as L from "../../../assembly/layout.js";
import type { CpuState } from "../../core/state.js";

/** Result of a successful guest page walk. */
export interface GuestTranslation {
  /** Guest-physical address of the byte. */
  gpa: number;
  /** Guest PTE/PDE grants user access. */
  userOk: boolean;
  /** Guest PTE/PDE grants write access (R/W of both levels). */
  writable: boolean;
  /** Guest dirty bit of the final entry (true when paging is off). */
  dirty: boolean;
  /** Guest-physical frame (address >> 12) of the page table used, or -1 (4 MiB page / paging off). */
  ptFrame: number;
  /** The U/S and R/W bits of the page-directory entry (4 KiB pages): they shape the whole table. */
  pdeFlags: number;
}

/** Virtual control registers the walk reads. */
export interface GuestControl {
  cr0: number;
  cr3: number;
  cr4: number;
}

export class GuestMemory {
  private bytes!: Uint8Array;
  private dv!: DataView;
  /** Called after the hypervisor writes guest-physical memory (shadow coherence). */
  onWrite: (gpa: number, length: number) => void = () => {};
  /** Error code and linear address of the last failed translate() (PF_* bits). */
  faultCode = 0;
  faultAddr = 0;

  constructor(
    private readonly cpu: CpuState,
    readonly guestBytes: number,
    private readonly ctl: GuestControl,
  ) {
    this.refresh();
  }

  /** Re-acquire the view of the VM's region (wasm memory may have grown or the VM switched). */
  refresh(): void {
    const ram = this.cpu.ram();
    const old = this.bytes;
    if (!old || ram.buffer !== old.buffer || ram.byteOffset !== old.byteOffset || ram.length !== old.length) {
      this.bytes = ram;
      this.dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
    }
  }

  /** The whole region, hypervisor area included (for the shadow tables). */
  get region(): Uint8Array {
    return this.bytes;
  }
  get regionView(): DataView {
    return this.dv;
  }

  phys32(p: number): number {
    p >>>= 0;
    return p + 4 <= this.guestBytes ? this.dv.getUint32(p, true) : 0xffffffff;
  }
  setPhys32(p: number, v: number): void {
    p >>>= 0;
    if (p + 4 <= this.guestBytes) this.dv.setUint32(p, v >>> 0, true);
  }
  phys8(p: number): number {
    p >>>= 0;
    return p < this.guestBytes ? this.bytes[p] : 0xff;
  }
  setPhys8(p: number, v: number): void {
    p >>>= 0;
    if (p < this.guestBytes) this.bytes[p] = v;
  }

  /**
   * The guest's translation of `lin` for an access of this kind, setting accessed (and on writes
   * dirty) bits as the processor would; null on a guest page fault (faultCode holds its error code).
   */
  translate(lin: number, write: boolean, user: boolean, setBits = true): GuestTranslation | null {
    lin >>>= 0;
    const { cr0, cr3, cr4 } = this.ctl;
    if (!(cr0 & L.CR0_PG)) return { gpa: lin, userOk: true, writable: true, dirty: true, ptFrame: -1, pdeFlags: 0 };
    this.faultAddr = lin;
    const errUW = (write ? L.PF_W : 0) | (user ? L.PF_U : 0);
    const pdeAddr = ((cr3 & ~0xfff) >>> 0) + (lin >>> 22) * 4;
    const pde = this.phys32(pdeAddr);
    if (!(pde & L.PTE_P)) return this.fault(errUW);
    const wp = (cr0 & L.CR0_WP) !== 0;
    if (pde & L.PTE_PS && cr4 & L.CR4_PSE) {
      if (pde & 0x003fe000) return this.fault(errUW | L.PF_P | L.PF_RSVD);
      const userOk = (pde & L.PTE_U) !== 0;
      const writable = (pde & L.PTE_W) !== 0;
      if (!allowed(write, user, userOk, writable, wp)) return this.fault(errUW | L.PF_P);
      const npde = pde | L.PTE_A | (write ? L.PTE_D : 0);
      if (setBits && npde !== pde) this.setPhys32(pdeAddr, npde);
      return { gpa: ((pde & 0xffc00000) | (lin & 0x3fffff)) >>> 0, userOk, writable, dirty: (npde & L.PTE_D) !== 0, ptFrame: -1, pdeFlags: 0 };
    }
    const ptFrame = pde >>> 12;
    const pteAddr = ((pde & ~0xfff) >>> 0) + ((lin >>> 12) & 0x3ff) * 4;
    const pte = this.phys32(pteAddr);
    if (!(pte & L.PTE_P)) return this.fault(errUW);
    const userOk = (pde & pte & L.PTE_U) !== 0;
    const writable = (pde & pte & L.PTE_W) !== 0;
    if (!allowed(write, user, userOk, writable, wp)) return this.fault(errUW | L.PF_P);
    if (setBits) {
      if (!(pde & L.PTE_A)) this.setPhys32(pdeAddr, pde | L.PTE_A);
      const npte = pte | L.PTE_A | (write ? L.PTE_D : 0);
      if (npte !== pte) this.setPhys32(pteAddr, npte);
    }
    const dirty = write || (pte & L.PTE_D) !== 0;
    return { gpa: ((pte & ~0xfff) | (lin & 0xfff)) >>> 0, userOk, writable, dirty, ptFrame, pdeFlags: pde & (L.PTE_U | L.PTE_W) };
  }

  private fault(code: number): null {
    this.faultCode = code;
    return null;
  }

  /** Supervisor-or-user read of `size` (1, 2, 4) bytes at guest-linear `lin`; null on a guest #PF. */
  read(lin: number, size: number, user = false): number | null {
    let v = 0;
    for (let k = 0; k < size; k++) {
      const t = this.translate(lin + k, false, user);
      if (!t) return null;
      v |= this.phys8(t.gpa) << (8 * k);
    }
    return v >>> 0;
  }

  /** Write `size` bytes at guest-linear `lin`; false on a guest #PF (nothing written then). */
  write(lin: number, size: number, value: number, user = false): boolean {
    for (let k = 0; k < size; k++) if (!this.translate(lin + k, true, user, false)) return false;
    for (let k = 0; k < size; k++) {
      const t = this.translate(lin + k, true, user)!;
      this.setPhys8(t.gpa, (value >>> (8 * k)) & 0xff);
      this.onWrite(t.gpa, 1);
    }
    return true;
  }

  /** A byte reader over guest-linear memory for the decoder (-1 where the guest has no mapping). */
  codeReader(lin: number): (i: number) => number {
    let page = -1;
    let frameBase = -1;
    return (i: number) => {
      const a = (lin + i) >>> 0;
      if (a >>> 12 !== page) {
        page = a >>> 12;
        const t = this.translate(a, false, false, false);
        frameBase = t ? (t.gpa & ~0xfff) >>> 0 : -1;
      }
      return frameBase < 0 ? -1 : this.phys8(frameBase + (a & 0xfff));
    };
  }
}

function allowed(write: boolean, user: boolean, userOk: boolean, writable: boolean, wp: boolean): boolean {
  if (user) return userOk && (!write || writable);
  return !write || writable || !wp;
}
