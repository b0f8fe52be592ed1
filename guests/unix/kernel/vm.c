/* vm.c — address spaces. Every page directory maps the first PHYS_MAX bytes of physical memory
 * 1:1 for the kernel (supervisor only; page 0 left out so null pointers fault) through page
 * tables shared by all processes, and user pages in [USER_BASE, USER_TOP). A process's page
 * directory, page tables and user pages are charged to its cgroup (upage_alloc, cgroup.c).
 * The stack is mapped on demand: exec maps its top pages, a fault below them (or a copyout
 * there) maps the page, down to USTACK_PAGES below USER_TOP (uvm_fault). fork shares pages
 * copy-on-write (uvm_copy, uvm_cow); exec maps read-only program pages from the file's own. */
#include "defs.h"

#define KERNEL_PDES (PHYS_MAX >> 22)          /* directory entries of the kernel map */

static uint32_t *kernel_pts;                   /* KERNEL_PDES page tables, contiguous */
static uint32_t kernel_pgdir[1024] __attribute__((aligned(4096)));
static uint32_t kernel_pt_store[KERNEL_PDES][1024] __attribute__((aligned(4096)));

void kvm_init(uint32_t phys_end)
{
    kernel_pts = &kernel_pt_store[0][0];
    for (uint32_t pa = PAGE_SIZE; pa < phys_end && pa < PHYS_MAX; pa += PAGE_SIZE)
        kernel_pts[pa >> 12] = pa | PTE_P | PTE_W;
    for (uint32_t i = 0; i < KERNEL_PDES; i++)
        kernel_pgdir[i] = (uint32_t)kernel_pt_store[i] | PTE_P | PTE_W;
    write_cr3((uint32_t)kernel_pgdir);
    write_cr0(read_cr0() | CR0_PG | CR0_WP);
}

uint32_t *pgdir_new(void)
{
    uint32_t *pd = upage_alloc();
    if (!pd)
        return 0;
    for (uint32_t i = 0; i < KERNEL_PDES; i++)
        pd[i] = kernel_pgdir[i];
    return pd;
}

/* The PTE for va, allocating its page table if `create`; 0 if absent. */
static uint32_t *walk(uint32_t *pgdir, uint32_t va, int create)
{
    uint32_t *pde = &pgdir[PDX(va)];
    if (!(*pde & PTE_P)) {
        if (!create)
            return 0;
        uint32_t *pt = upage_alloc();
        if (!pt)
            return 0;
        *pde = (uint32_t)pt | PTE_P | PTE_W | PTE_U;
    }
    return &((uint32_t *)PTE_ADDR(*pde))[PTX(va)];
}

/* Map fresh zeroed user pages over [start, end); on failure the caller frees the directory. */
int uvm_alloc(uint32_t *pgdir, uint32_t start, uint32_t end)
{
    if (start < USER_BASE || end > USER_TOP || start > end)
        return -EFAULT;
    for (uint32_t va = PGROUNDDOWN(start); va < end; va += PAGE_SIZE) {
        uint32_t *pte = walk(pgdir, va, 1);
        if (!pte)
            return -ENOMEM;
        if (*pte & PTE_P)
            continue;
        void *page = upage_alloc();
        if (!page)
            return -ENOMEM;
        *pte = (uint32_t)page | PTE_P | PTE_W | PTE_U;
    }
    return 0;
}

/* The kernel address of the user page at va (page aligned), mapped now if it was not: then
 * *fresh = 1 and its contents are undefined (the caller fills it). 0 if out of memory. */
char *uvm_map_page(uint32_t *pgdir, uint32_t va, int *fresh)
{
    uint32_t *pte = walk(pgdir, va, 1);
    if (!pte)
        return 0;
    *fresh = !(*pte & PTE_P);
    if (*fresh) {
        void *page = upage_alloc_nz();
        if (!page)
            return 0;
        *pte = (uint32_t)page | PTE_P | PTE_W | PTE_U;
    }
    return (char *)PTE_ADDR(*pte);
}

/* Map page (another holder's: a file's data page) read-only at va. 0, or -EEXIST if va is
 * mapped to some other page already, -ENOMEM. */
int uvm_map_shared(uint32_t *pgdir, uint32_t va, char *page)
{
    uint32_t *pte = walk(pgdir, va, 1);
    if (!pte)
        return -ENOMEM;
    if (*pte & PTE_P)
        return PTE_ADDR(*pte) == (uint32_t)page ? 0 : -EEXIST;
    upage_share(page);
    *pte = (uint32_t)page | PTE_P | PTE_U;
    return 0;
}

/* Unmap and free the user pages wholly inside [start, end). */
void uvm_dealloc(uint32_t *pgdir, uint32_t start, uint32_t end)
{
    for (uint32_t va = PGROUNDUP(start); va + PAGE_SIZE <= end; va += PAGE_SIZE) {
        uint32_t *pte = walk(pgdir, va, 0);
        if (pte && (*pte & PTE_P)) {
            upage_free((void *)PTE_ADDR(*pte));
            *pte = 0;
            invlpg(va);
        }
    }
}

/* Free an address space. Each entry is cleared as what it maps is freed (an absent entry is
 * already 0), so the tables and the directory go back all zero and are not cleared again when
 * they are reused (kalloc.c). */
void pgdir_free(uint32_t *pgdir)
{
    for (uint32_t i = KERNEL_PDES; i < 1024; i++) {
        if (!(pgdir[i] & PTE_P))
            continue;
        uint32_t *pt = (uint32_t *)PTE_ADDR(pgdir[i]);
        for (int j = 0; j < 1024; j++) {
            if (pt[j] & PTE_P) {
                upage_free((void *)PTE_ADDR(pt[j]));
                pt[j] = 0;
            }
        }
        upage_free_zeroed(pt);
        pgdir[i] = 0;
    }
    for (uint32_t i = 0; i < KERNEL_PDES; i++)
        pgdir[i] = 0;
    upage_free_zeroed(pgdir);
}

/* fork: the child gets its own page tables over the same pages, copy-on-write. A writable
 * page becomes read-only and PTE_COW in both; the first write to it (a #PF, or the kernel's
 * copyout) gives the writer its own copy, or the page itself once no one else holds it
 * (uvm_cow). Read-only pages (program text) are simply shared. Each holder counts (upage_share),
 * and the page stays charged to the cgroup that allocated it. pgdir must be the current one:
 * its TLB entries are flushed. */
uint32_t *uvm_copy(uint32_t *pgdir)
{
    uint32_t *nd = pgdir_new();
    if (!nd)
        return 0;
    for (uint32_t i = KERNEL_PDES; i < 1024; i++) {
        if (!(pgdir[i] & PTE_P))
            continue;
        uint32_t *pt = (uint32_t *)PTE_ADDR(pgdir[i]);
        for (uint32_t j = 0; j < 1024; j++) {
            if (!(pt[j] & PTE_P))
                continue;
            uint32_t *pte = walk(nd, i << 22 | j << 12, 1);
            if (!pte) {
                pgdir_free(nd);
                write_cr3((uint32_t)pgdir);
                return 0;
            }
            if (pt[j] & PTE_W)
                pt[j] = (pt[j] & ~PTE_W) | PTE_COW;
            upage_share((void *)PTE_ADDR(pt[j]));
            *pte = pt[j];
        }
    }
    write_cr3((uint32_t)pgdir);                    /* our own writable entries changed */
    return nd;
}

/* A write to va found its page read-only: if it is copy-on-write, the writer gets its own copy
 * (or the page itself when no one else holds it any more). 0, or -EFAULT (a real protection
 * fault), or -ENOMEM (no page for the copy: the cgroup's OOM killer has had its say). */
int uvm_cow(uint32_t *pgdir, uint32_t va)
{
    uint32_t *pte = walk(pgdir, va, 0);
    if (!pte || (*pte & (PTE_P | PTE_COW)) != (PTE_P | PTE_COW))
        return -EFAULT;
    char *old = (char *)PTE_ADDR(*pte);
    uint32_t flags = (*pte & 0xFFF & ~PTE_COW) | PTE_W;
    if (upage_shared(old)) {
        char *copy = upage_alloc_nz();
        if (!copy)
            return -ENOMEM;
        kcopy(copy, old, PAGE_SIZE);
        upage_free(old);                           /* one holder fewer */
        old = copy;
    }
    *pte = (uint32_t)old | flags;
    invlpg(va);
    return 0;
}

/* Run p: its page directory, and its kernel stack for the next trap from ring 3. */
void vm_switch(struct proc *p)
{
    tss_set_esp0((uint32_t)p->kstack + KSTACK_SIZE);
    write_cr3((uint32_t)p->pgdir);
}

void vm_switch_kernel(void)
{
    write_cr3((uint32_t)kernel_pgdir);
}

/* A user #PF at va with error code err: a write to a copy-on-write page, or a stack that grows. */
int uvm_user_fault(uint32_t *pgdir, uint32_t va, uint32_t err)
{
    if ((err & (PF_ERR_P | PF_ERR_W)) == (PF_ERR_P | PF_ERR_W))
        return uvm_cow(pgdir, va);
    return err & PF_ERR_P ? -EFAULT : uvm_fault(pgdir, va);
}

/* A fault at va: if it lies in the stack's reach and is not mapped yet, map a page there. */
int uvm_fault(uint32_t *pgdir, uint32_t va)
{
    if (va < USER_TOP - USTACK_PAGES * PAGE_SIZE || va >= USER_TOP)
        return -EFAULT;
    uint32_t *pte = walk(pgdir, va, 0);
    if (pte && (*pte & PTE_P))
        return -EFAULT;                        /* mapped: a real protection fault */
    return uvm_alloc(pgdir, PGROUNDDOWN(va), PGROUNDDOWN(va) + PAGE_SIZE);
}

/* The kernel address of user address va, if it is mapped user-accessible (and writable if asked). */
static char *uva2ka(uint32_t *pgdir, uint32_t va, int write)
{
    if (va < USER_BASE || va >= USER_TOP)
        return 0;
    uint32_t pde = pgdir[PDX(va)];              /* the common case, inline: mapped as asked */
    if (pde & PTE_P) {
        uint32_t pte = ((uint32_t *)PTE_ADDR(pde))[PTX(va)];
        uint32_t want = PTE_P | PTE_U | (write ? PTE_W : 0);
        if ((pte & want) == want)
            return (char *)(PTE_ADDR(pte) | (va & 0xFFF));
    }
    uint32_t *pte = walk(pgdir, va, 0);
    if ((!pte || !(*pte & PTE_P)) && uvm_fault(pgdir, va) == 0)
        pte = walk(pgdir, va, 0);
    if (write && pte && (*pte & PTE_COW) && uvm_cow(pgdir, va) < 0)
        return 0;                                  /* the kernel writes for the process: copy first */
    if (!pte || !(*pte & PTE_P) || !(*pte & PTE_U) || (write && !(*pte & PTE_W)))
        return 0;
    return (char *)(PTE_ADDR(*pte) | (va & 0xFFF));
}

/* Copy n bytes between kernel buffer kbuf and user address va of pgdir, page by page: to the
 * user when out, from the user otherwise. 0, or -EFAULT at the first page that is not there. */
static int copy_user(uint32_t *pgdir, uint32_t va, char *kbuf, uint32_t n, int out)
{
    while (n > 0) {
        char *ka = uva2ka(pgdir, va, out);
        if (!ka)
            return -EFAULT;
        uint32_t k = PAGE_SIZE - (va & 0xFFF);
        if (k > n)
            k = n;
        if (out)
            kcopy(ka, kbuf, k);
        else
            kcopy(kbuf, ka, k);
        kbuf += k, va += k, n -= k;
    }
    return 0;
}

int copyout(uint32_t *pgdir, uint32_t va, const void *src, uint32_t n)
{
    return copy_user(pgdir, va, (char *)src, n, 1);
}

int copyin(uint32_t *pgdir, void *dst, uint32_t va, uint32_t n)
{
    return copy_user(pgdir, va, dst, n, 0);
}

/* Copy a NUL-terminated string of at most max bytes (with the NUL); -ENAMETOOLONG if longer.
 * Returns its length. Four bytes at a time while none of them is NUL. */
int copyinstr(uint32_t *pgdir, char *dst, uint32_t va, uint32_t max)
{
    for (uint32_t i = 0; i < max;) {
        const char *ka = uva2ka(pgdir, va, 0);
        if (!ka)
            return -EFAULT;
        uint32_t k = PAGE_SIZE - (va & 0xFFF);       /* the rest of this page */
        for (; k >= 4 && i + 4 <= max; k -= 4, i += 4, va += 4, ka += 4) {
            uint32_t w = *(const uint32_t *)ka;
            if ((w - 0x01010101u) & ~w & 0x80808080u)  /* some byte of w is 0 */
                break;
            *(uint32_t *)(dst + i) = w;
        }
        for (; k > 0 && i < max; k--, i++, va++) {
            dst[i] = *ka++;
            if (!dst[i])
                return (int)i;
        }
    }
    return -ENAMETOOLONG;
}
