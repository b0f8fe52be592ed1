/* kalloc.c — physical memory: a free list of 4 KiB pages, and kmalloc, a power-of-two
 * bucket allocator (16 .. 2048 bytes) carved from pages, for small kernel objects.
 * Freed pages known to hold only zeros (page tables and directories, whose entries vm.c clears
 * as it frees what they map) wait on a second list and serve zeroed allocations without being
 * cleared again: a new process's page directory and tables cost no 4 KiB clears. */
#include "defs.h"

struct run {
    struct run *next;
};

static struct run *free_pages;
static uint32_t nfree;
static uint32_t ntotal;             /* pages handed to kinit and later frees of module memory */
static struct run *zero_pages;      /* all zero but for the link word */
static uint32_t nzero;
#define ZERO_POOL_MAX 256

void kfree_page(void *page)
{
    struct run *r = page;
    if ((uint32_t)page % PAGE_SIZE)
        panic("kfree_page %p", page);
    r->next = free_pages;
    free_pages = r;
    nfree++;
}

/* Free a page the caller has left all zero (it goes where zeroed allocations look first). */
void kfree_page_zeroed(void *page)
{
    if (nzero >= ZERO_POOL_MAX) {
        kfree_page(page);
        return;
    }
    struct run *r = page;
    r->next = zero_pages;
    zero_pages = r;
    nzero++;
}

static void *take_zeroed(void)
{
    struct run *r = zero_pages;
    zero_pages = r->next;
    nzero--;
    r->next = 0;                    /* the link was its only nonzero word */
    return r;
}

/* A page with undefined contents, for callers that write all they later read. */
void *kalloc_page_nz(void)
{
    struct run *r = free_pages;
    if (!r)
        return zero_pages ? take_zeroed() : 0;
    free_pages = r->next;
    nfree--;
    return r;
}

void *kalloc_page(void)
{
    if (zero_pages)
        return take_zeroed();
    void *page = kalloc_page_nz();
    if (page)
        kzero(page, PAGE_SIZE);
    return page;
}

uint32_t kfree_pages(void)
{
    return nfree + nzero;
}

uint32_t kmem_total_pages(void)
{
    return ntotal;
}

/* Module memory becomes ordinary memory once its contents are unpacked. */
void kadd_page(void *page)
{
    ntotal++;
    kfree_page(page);
}

static uint32_t resv_lo, resv_hi;   /* kept out of the free list: the process table (main.c) */

void kreserve(uint32_t lo, uint32_t hi)
{
    resv_lo = lo;
    resv_hi = hi;
}

static int in_module(uint32_t pa, const struct multiboot_module *mods, int nmods)
{
    if (pa + PAGE_SIZE > resv_lo && pa < resv_hi)
        return 1;
    for (int i = 0; i < nmods; i++)
        if (pa + PAGE_SIZE > mods[i].mod_start && pa < mods[i].mod_end)
            return 1;
    return 0;
}

/* Free every page in [start, end) that holds no Multiboot module (initrd.c frees those later).
 * Pages are pushed from high to low so allocation starts at low addresses. */
void kinit(uint32_t start, uint32_t end, const struct multiboot_module *mods, int nmods)
{
    start = PGROUNDUP(start);
    end = PGROUNDDOWN(end);
    for (uint32_t pa = end; pa > start;) {
        pa -= PAGE_SIZE;
        if (!in_module(pa, mods, nmods)) {
            kfree_page((void *)pa);
            ntotal++;
        }
    }
}

/* ---- kmalloc: bucket b holds blocks of 16 << b bytes; a block's first 16 bytes are its header ---- */

#define NBUCKET 8                 /* 16 .. 2048 */

struct block {
    struct block *next;           /* free list link (when free) */
    uint32_t bucket;
    uint32_t pad[2];
};

static struct block *buckets[NBUCKET];

/* A block of at least n bytes with undefined contents (the caller sets every field), or 0.
 * A bucket that runs dry gets a fresh page, carved into blocks as they are taken. */
void *kmalloc_nz(size_t n)
{
    static char *carve[NBUCKET];           /* the rest of each bucket's newest page */
    n += sizeof(struct block);
    int b = n <= 16 ? 0 : 28 - __builtin_clz(n - 1);      /* 16 << b >= n */
    if (b > NBUCKET)
        panic("kmalloc: %u bytes is too large", (uint32_t)n);
    if (b == NBUCKET) {            /* a whole page (kmalloc of up to 4080 bytes) */
        struct block *blk = kalloc_page_nz();
        if (!blk)
            return 0;
        blk->bucket = NBUCKET;
        return blk + 1;
    }
    struct block *blk = buckets[b];
    if (blk) {
        buckets[b] = blk->next;
    } else {
        if (!carve[b] && !(carve[b] = kalloc_page_nz()))
            return 0;
        blk = (struct block *)carve[b];
        blk->bucket = b;
        carve[b] += 16u << b;
        if ((uint32_t)carve[b] % PAGE_SIZE == 0)
            carve[b] = 0;
    }
    return blk + 1;
}

void *kmalloc(size_t n)
{
    void *p = kmalloc_nz(n);
    if (p)
        kzero(p, (16u << ((struct block *)p - 1)->bucket) - sizeof(struct block));
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct block *blk = (struct block *)p - 1;
    if (blk->bucket == NBUCKET) {
        kfree_page(blk);
        return;
    }
    if (blk->bucket > NBUCKET)
        panic("kfree: bad block %p", p);
    blk->next = buckets[blk->bucket];
    buckets[blk->bucket] = blk;
}
