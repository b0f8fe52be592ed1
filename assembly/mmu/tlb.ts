// The software TLB: one u32 per 4 KiB linear page, indexed by linear page number.
//
// Entry = host address of the page frame (4 KiB aligned, inside wasm memory) | TLB_* permission
// bits. An entry of 0 is a miss. Write permission bits are granted only once the page's dirty bit
// is set, so the first write to a clean page takes the slow path and sets D (SDM Vol. 3A §4.8).
// Pages outside guest RAM are never cached. The list of filled slots lets a flush touch only
// what was filled, falling back to clearing the whole array when the list overflows.

import { TLB_BASE, TLB_ENTRIES, TLB_LIST_BASE, TLB_LIST_MAX, STATE_BASE, STATE_STAT_TLB_FLUSHES } from "../layout";

export const TLB_VALID: u32 = 1; // readable at CPL 0-2
export const TLB_WS: u32 = 2; //    writable at CPL 0-2
export const TLB_U: u32 = 4; //     readable at CPL 3
export const TLB_WU: u32 = 8; //    writable at CPL 3

let listCount: i32 = 0;

@inline export function tlbGet(lin: u32): u32 {
  return load<u32>(TLB_BASE + ((lin >>> 12) << 2));
}

export function tlbSet(lin: u32, entry: u32): void {
  const slot = TLB_BASE + ((lin >>> 12) << 2);
  if (load<u32>(slot) == 0) {
    if (listCount < TLB_LIST_MAX) store<u32>(TLB_LIST_BASE + (listCount << 2), lin >>> 12);
    listCount++;
  }
  store<u32>(slot, entry);
}

/** INVLPG: drop one page's translation. */
export function tlbInvalidate(lin: u32): void {
  store<u32>(TLB_BASE + ((lin >>> 12) << 2), 0);
}

/** Drop every translation (CR3 load, CR0.PG/WP or CR4.PSE change, world switch). */
export function tlbFlush(): void {
  if (listCount > TLB_LIST_MAX) {
    memory.fill(TLB_BASE, 0, TLB_ENTRIES << 2);
  } else {
    for (let i = 0; i < listCount; i++) {
      store<u32>(TLB_BASE + (load<u32>(TLB_LIST_BASE + (i << 2)) << 2), 0);
    }
  }
  listCount = 0;
  store<u32>(STATE_BASE + STATE_STAT_TLB_FLUSHES, load<u32>(STATE_BASE + STATE_STAT_TLB_FLUSHES) + 1);
}

export function tlbReset(): void {
  memory.fill(TLB_BASE, 0, TLB_ENTRIES << 2);
  listCount = 0;
}
