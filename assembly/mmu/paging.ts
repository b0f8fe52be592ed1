// Linear → physical translation: the two-level 32-bit page walk with 4 KiB and 4 MiB (PSE) pages,
// protection checks, accessed/dirty bits and #PF (SDM Vol. 3A §4.3, §4.6, §4.7, §4.8).
// The result is a TLB entry (see tlb.ts); pages in guest RAM are cached in the TLB.

import {
  STATE_BASE, STATE_RAM_BASE, STATE_RAM_SIZE, STATE_CR2, STATE_STAT_TLB_MISSES, STATE_STAT_PAGE_FAULTS,
  CR0_PG, CR0_WP, CR4_PSE, PTE_P, PTE_W, PTE_U, PTE_A, PTE_D, PTE_PS, PF_P, PF_W, PF_U, PF_RSVD, EXC_PF,
} from "../layout";
import { cr0, cr3, cr4, raise } from "../state";
import { TLB_VALID, TLB_WS, TLB_U, TLB_WU, tlbSet } from "./tlb";

export const TLB_MMIO: u32 = 0x10; // not RAM: reads give all ones, writes are dropped; never cached

@inline export function ramBase(): u32 { return load<u32>(STATE_BASE + STATE_RAM_BASE); }
@inline export function ramSize(): u32 { return load<u32>(STATE_BASE + STATE_RAM_SIZE); }

/** Physical dword read for the page walker and descriptor-free system accesses. */
export function physRead32(p: u32): u32 {
  if (p <= ramSize() - 4) return load<u32>(ramBase() + p);
  return 0xffffffff;
}

function physWrite32(p: u32, v: u32): void {
  if (p <= ramSize() - 4) store<u32>(ramBase() + p, v);
}

function pageFault(lin: u32, code: u32): u32 {
  store<u32>(STATE_BASE + STATE_CR2, lin);
  store<u32>(STATE_BASE + STATE_STAT_PAGE_FAULTS, load<u32>(STATE_BASE + STATE_STAT_PAGE_FAULTS) + 1);
  raise(EXC_PF, <i32>code);
  return 0;
}

function entryFor(phys: u32, write: bool, userOk: bool, writable: bool, dirty: bool): u32 {
  const pageBase = phys & ~<u32>0xfff;
  if (pageBase >= ramSize()) return TLB_MMIO | TLB_VALID;
  let e: u32 = (ramBase() + pageBase) | TLB_VALID;
  const wp = (cr0() & CR0_WP) != 0;
  if (dirty || write) {
    if (writable || !wp) e |= TLB_WS;
    if (userOk && writable) e |= TLB_WU;
  }
  if (userOk) e |= TLB_U;
  return e;
}

/**
 * Translate `lin` for an access of the given kind, raising #PF on failure (returns 0).
 * `user` is true for CPL 3 accesses other than implicit supervisor ones.
 */
export function translateSlow(lin: u32, write: bool, user: bool): u32 {
  store<u32>(STATE_BASE + STATE_STAT_TLB_MISSES, load<u32>(STATE_BASE + STATE_STAT_TLB_MISSES) + 1);
  const c0 = cr0();
  if ((c0 & CR0_PG) == 0) {
    const e = entryFor(lin, write, true, true, true);
    if ((e & TLB_MMIO) == 0) tlbSet(lin, e);
    return e;
  }
  const errUW: u32 = (write ? PF_W : 0) | (user ? PF_U : 0);
  const pdeAddr = (cr3() & ~<u32>0xfff) + ((lin >>> 22) << 2);
  let pde = physRead32(pdeAddr);
  if ((pde & PTE_P) == 0) return pageFault(lin, errUW);
  let phys: u32;
  let userOk: bool;
  let writable: bool;
  let dirty: bool;
  if ((pde & PTE_PS) != 0 && (cr4() & CR4_PSE) != 0) {
    // 4 MiB page: bits 21:13 are reserved without PSE-36 (SDM Vol. 3A §4.3, table 4-4)
    if ((pde & 0x003fe000) != 0) return pageFault(lin, errUW | PF_P | PF_RSVD);
    userOk = (pde & PTE_U) != 0;
    writable = (pde & PTE_W) != 0;
    if (!checkAccess(write, user, userOk, writable, c0)) return pageFault(lin, errUW | PF_P);
    let npde = pde | PTE_A;
    if (write) npde |= PTE_D;
    if (npde != pde) physWrite32(pdeAddr, npde);
    dirty = (npde & PTE_D) != 0;
    phys = (pde & 0xffc00000) | (lin & 0x003ff000);
  } else {
    const pteAddr = (pde & ~<u32>0xfff) + (((lin >>> 12) & 0x3ff) << 2);
    const pte = physRead32(pteAddr);
    if ((pte & PTE_P) == 0) return pageFault(lin, errUW);
    userOk = (pde & pte & PTE_U) != 0;
    writable = (pde & pte & PTE_W) != 0;
    if (!checkAccess(write, user, userOk, writable, c0)) return pageFault(lin, errUW | PF_P);
    if ((pde & PTE_A) == 0) { pde |= PTE_A; physWrite32(pdeAddr, pde); }
    let npte = pte | PTE_A;
    if (write) npte |= PTE_D;
    if (npte != pte) physWrite32(pteAddr, npte);
    dirty = (npte & PTE_D) != 0;
    phys = pte & ~<u32>0xfff;
  }
  const e = entryFor(phys, write, userOk, writable, dirty);
  if ((e & TLB_MMIO) == 0) tlbSet(lin, e);
  return e;
}

// SDM Vol. 3A §4.6: user accesses need U/S=1 (and R/W=1 to write); supervisor writes need R/W=1
// only when CR0.WP=1.
@inline function checkAccess(write: bool, user: bool, userOk: bool, writable: bool, c0: u32): bool {
  if (user) return userOk && (!write || writable);
  return !write || writable || (c0 & CR0_WP) == 0;
}
