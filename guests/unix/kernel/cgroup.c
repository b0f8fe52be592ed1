/* cgroup.c — control groups in the style of cgroup v2: one hierarchy, a process in exactly
 * one cgroup, and a file system ("cgroup2", mounted at /sys/fs/cgroup) to drive them:
 *
 *   mkdir/rmdir DIR      create/remove a cgroup (rmdir only when empty)
 *   cgroup.procs         read: member processes (in the reader's PID namespace); write a pid to move it
 *   cgroup.freeze        1 stops every process in the cgroup at its next return to user mode, 0 resumes
 *   cgroup.events        "populated 0|1", "frozen 0|1"
 *   cpu.max              "QUOTA PERIOD" in microseconds or "max PERIOD": at most QUOTA of CPU per PERIOD
 *   cpu.weight           1..10000 (default 100): the share of CPU against sibling cgroups (sched.c)
 *   cpu.stat             usage_usec, nr_periods, nr_throttled, throttled_usec
 *   memory.max           bytes (suffix K, M, G) or "max"; charged: user pages, page tables and
 *                        kernel objects made for its processes (inodes, entries, mounts, messages)
 *   memory.current       bytes charged now; memory.peak the most ever (in whole pages)
 *   memory.events        "oom_kill N": processes the OOM killer ended for this cgroup
 *   pids.max, pids.current  processes (zombies included until reaped); fork fails with EAGAIN at the limit
 *
 * Limits are hierarchical: a charge must fit every ancestor's limit. When memory.max would be
 * exceeded, the allocation fails and the largest process inside the cgroup that hit its
 * limit is killed (SIGKILL): an OOM kill never leaves that cgroup. Time is counted in timer
 * ticks (1/HZ s). A cgroup namespace (CLONE_NEWCGROUP) makes the creator's cgroup the root
 * of what cgroup2 mounts and /proc/PID/cgroup show; inside one, the limit files of that root
 * belong to the parent and cannot be written (cgroup v2's delegation rule).
 *
 * Whatever the limits say, processes outside the root cgroup never take the host's last
 * PROC_RESERVE process slots or RESERVE_PAGES free pages: the host stays usable when a
 * container without limits runs a fork bomb or fills memory. Reaching that reserve kills the
 * largest process outside the root cgroup (not whoever asked last: a neighbour within its own
 * limits is not the one to pay), and others may use half the reserve while it dies. */
#include "defs.h"

enum { CG_DIR, CG_PROCS, CG_FREEZE, CG_EVENTS, CG_CPU_MAX, CG_CPU_WEIGHT, CG_CPU_STAT, CG_MEM_MAX,
       CG_MEM_CURRENT, CG_MEM_PEAK, CG_MEM_EVENTS, CG_PIDS_MAX, CG_PIDS_CURRENT, CG_NFILES };

static const char *const file_names[CG_NFILES] = {
    0, "cgroup.procs", "cgroup.freeze", "cgroup.events", "cpu.max", "cpu.weight", "cpu.stat",
    "memory.max", "memory.current", "memory.peak", "memory.events", "pids.max", "pids.current",
};

#define MEM_UNLIMITED 0xFFFFFFFFu
#define PROC_RESERVE  16
#define RESERVE_PAGES 256                       /* 1 MiB */
#define USEC_PER_TICK (1000000 / HZ)

static struct cgroup *cgroup_table[NCGROUP];
static int ncgroup = 1;                         /* ids in use so far (a high-water mark): scans stop here */
static struct cgroup root_cgroup = {
    .id = 0, .ref = 1, .pids_max = -1, .mem_max = MEM_UNLIMITED, .cpu_period_us = 100000, .cpu_weight = 100,
};
static uint16_t page_owner[PHYS_MAX / PAGE_SIZE];   /* the cgroup id each user page is charged to */
static uint16_t page_shares[PHYS_MAX / PAGE_SIZE];  /* holders beyond the first (upage_share) */

struct cgroup *cgroup_root(void)
{
    cgroup_table[0] = &root_cgroup;
    return &root_cgroup;
}

struct cgroup *cgroup_get(struct cgroup *cg)
{
    cg->ref++;
    return cg;
}

static int nfrozen;                            /* cgroups with cgroup.freeze 1: none, no walk */

int cgroup_any_frozen(void)
{
    return nfrozen != 0;
}

void cgroup_put(struct cgroup *cg)
{
    if (!cg || --cg->ref > 0 || cg == &root_cgroup)
        return;
    cgroup_table[cg->id] = 0;
    nfrozen -= cg->frozen;
    if (cg->parent) {
        cg->parent->nchildren--;
        cgroup_put(cg->parent);
    }
    kfree(cg);
}

/* ---- membership and pids ---- */

/* May a process outside the root cgroup take one more free page now? */
int cgroup_may_grow(void)
{
    return !current || !current->cgroup || current->cgroup == &root_cgroup || kfree_pages() > RESERVE_PAGES;
}

int cgroup_can_fork(struct cgroup *cg)
{
    if (cg != &root_cgroup && root_cgroup.nprocs >= nproc_max - PROC_RESERVE)
        return -EAGAIN;
    for (; cg; cg = cg->parent)
        if (cg->pids_max >= 0 && cg->nprocs >= cg->pids_max)
            return -EAGAIN;
    return 0;
}

void cgroup_attach(struct proc *p, struct cgroup *cg)
{
    p->cgroup = cgroup_get(cg);
    for (; cg; cg = cg->parent)
        cg->nprocs++;
}

void cgroup_detach(struct proc *p)
{
    struct cgroup *cg = p->cgroup;
    if (!cg)
        return;
    for (struct cgroup *c = cg; c; c = c->parent)
        c->nprocs--;
    p->cgroup = 0;
    cgroup_put(cg);
}

static int frozen(struct cgroup *cg)
{
    if (!nfrozen)
        return 0;
    for (; cg; cg = cg->parent)
        if (cg->frozen)
            return 1;
    return 0;
}

/* May the scheduler run p? Not while its cgroup is frozen (unless it is being killed) or out of CPU quota. */
int cgroup_runnable(struct proc *p)
{
    if (p->sig_pending & SIGMASK(SIGKILL))
        return 1;
    if (p->parked && frozen(p->cgroup))
        return 0;
    p->parked = 0;
    for (struct cgroup *cg = p->cgroup; cg; cg = cg->parent) {
        if (!cg->cpu_quota_us)
            continue;
        uint32_t period = cg->cpu_period_us / USEC_PER_TICK;
        if (ticks - cg->period_start >= period) {     /* a new period: the quota is back */
            if (cg->throttled)
                cg->throttled_ticks += ticks - cg->throttle_start;
            cg->period_start = ticks - (ticks - cg->period_start) % period;
            cg->period_used = 0;
            cg->throttled = 0;
            cg->nr_periods++;
        }
        if (cg->throttled)
            return 0;
    }
    return 1;
}

/* On the way back to user mode (trap.c): a process of a frozen cgroup parks here. */
void cgroup_check_freeze(void)
{
    while (frozen(current->cgroup) && !(current->sig_pending & SIGMASK(SIGKILL))) {
        current->parked = 1;
        yield();
    }
    current->parked = 0;
}

/* One timer tick of CPU for the running process: account it, throttle at the quota. */
void cgroup_tick(struct proc *p)
{
    struct cgroup *leaf = p->cgroup;
    leaf->vruntime += 10000 / leaf->cpu_weight;
    for (struct cgroup *cg = leaf; cg; cg = cg->parent) {
        cg->usage_ticks++;
        cg->period_used++;
        if (cg->cpu_quota_us && !cg->throttled && cg->period_used * USEC_PER_TICK >= cg->cpu_quota_us) {
            cg->throttled = 1;
            cg->throttle_start = ticks;
            cg->nr_throttled++;
        }
    }
}

/* ---- memory ---- */

static uint32_t rss(struct proc *p)
{
    uint32_t n = 0;
    if (!p->pgdir)
        return 0;
    for (uint32_t i = USER_BASE >> 22; i < 1024; i++) {
        if (!(p->pgdir[i] & PTE_P))
            continue;
        uint32_t *pt = (uint32_t *)PTE_ADDR(p->pgdir[i]);
        n++;
        for (int j = 0; j < 1024; j++)
            n += (pt[j] & PTE_P) != 0;
    }
    return n;
}

static int member_of(struct proc *p, struct cgroup *cg)
{
    for (struct cgroup *c = p->cgroup; c; c = c->parent)
        if (c == cg)
            return 1;
    return 0;
}

/* cg hit memory.max: kill the largest process in it (none outside it). cg 0: the machine is
 * down to the host's reserve: kill the largest process outside the root cgroup, wherever it is
 * (Linux's global OOM killer picks the biggest task, not the one that asked last). Returns the
 * victim, or the process already on its way out. */
static struct proc *oom_kill(struct cgroup *cg)
{
    struct proc *victim = 0;
    uint32_t most = 0;
    for (struct proc *p = proc_table; p < proc_table + nproc; p++) {
        if (p->state == UNUSED || p->state == ZOMBIE || p->state == EMBRYO || !p->cgroup)
            continue;
        if (cg ? !member_of(p, cg) : p->cgroup == &root_cgroup)
            continue;
        if (p->sig_pending & SIGMASK(SIGKILL))
            return p;                          /* one is already on its way out */
        uint32_t n = rss(p);
        if (!victim || n > most)
            victim = p, most = n;
    }
    if (!victim)
        return 0;
    struct cgroup *in = cg ? cg : victim->cgroup;
    char path[PATH_MAX];
    cgroup_path(in, cgroup_root(), path, sizeof path);
    if (cg)
        kprintf("unix: oom-kill: %s[%d] in cgroup %s (memory.max %u KiB)\n", victim->name, victim->pid, path,
                cg->mem_max * 4);
    else
        kprintf("unix: oom-kill: %s[%d] in cgroup %s (out of memory)\n", victim->name, victim->pid, path);
    in->oom_kills++;
    signal_force(victim, SIGKILL);
    return victim;
}

/* Pages charged to cg: user pages and page tables, and its kernel objects' bytes rounded up. */
static uint32_t used_pages(struct cgroup *cg)
{
    return cg->mem_pages + (cg->kmem_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* A page for user memory (or a page table) charged to the current process's cgroup; zeroed
 * unless the caller fills it whole (upage_alloc_nz). */
static void *charge_page(int zero)
{
    struct cgroup *leaf = current && current->cgroup ? current->cgroup : cgroup_root();
    if (!cgroup_may_grow()) {                  /* the host's reserve: out of memory outside the root cgroup */
        struct proc *v = oom_kill(0);
        /* The victim's memory is on its way back. If it is another container's, this one (a
         * neighbour within its own limits) does not fail for what someone else took: it sleeps,
         * tick by tick, while the victim runs to its end (at most half a second: a victim asleep
         * in vfork waits for its child), and may take from the upper half of the reserve meanwhile. */
        if (!v || member_of(v, leaf))
            return 0;
        for (int i = 0; i < HZ / 2 && current && !cgroup_may_grow() && v->state != ZOMBIE && v->state != UNUSED; i++) {
            current->wake_tick = ticks + 1;
            sleep_on((void *)&ticks);
        }
        if (!cgroup_may_grow() && kfree_pages() <= RESERVE_PAGES / 2)
            return 0;
    }
    for (struct cgroup *cg = leaf; cg; cg = cg->parent) {
        if (cg->mem_max != MEM_UNLIMITED && used_pages(cg) + 1 > cg->mem_max) {
            oom_kill(cg);
            return 0;
        }
    }
    void *page = zero ? kalloc_page() : kalloc_page_nz();
    if (!page)
        return 0;
    page_owner[(uint32_t)page / PAGE_SIZE] = (uint16_t)leaf->id;
    cgroup_get(leaf);                          /* a charged page keeps its cgroup's counters alive */
    for (struct cgroup *cg = leaf; cg; cg = cg->parent)
        if (++cg->mem_pages, used_pages(cg) > cg->mem_peak)
            cg->mem_peak = used_pages(cg);
    return page;
}

/* Charge `bytes` of kernel object to the current process's cgroup (and those above), as
 * Linux's cgroup v2 counts kernel memory in memory.current, so a container cannot fill the
 * kernel heap with empty files, mounts or messages past its memory.max. -ENOMEM when a limit
 * (or the host's reserve) has no room: nothing is killed, since killing a process frees no
 * file. *out: the charged cgroup, holding a reference (0 for the root cgroup: no limit). */
static int kmem_charge(uint32_t bytes, struct cgroup **out)
{
    struct cgroup *leaf = current ? current->cgroup : 0;
    *out = 0;
    if (!leaf || leaf == &root_cgroup)
        return 0;
    if (!cgroup_may_grow())
        return -ENOMEM;
    for (struct cgroup *cg = leaf; cg; cg = cg->parent)
        if (cg->mem_max != MEM_UNLIMITED && cg->mem_pages + (cg->kmem_bytes + bytes + PAGE_SIZE - 1) / PAGE_SIZE > cg->mem_max)
            return -ENOMEM;
    for (struct cgroup *cg = leaf; cg; cg = cg->parent) {
        cg->kmem_bytes += bytes;
        if (used_pages(cg) > cg->mem_peak)
            cg->mem_peak = used_pages(cg);
    }
    *out = cgroup_get(leaf);
    return 0;
}

static void kmem_uncharge(struct cgroup *cg, uint32_t bytes)
{
    if (!cg)
        return;
    for (struct cgroup *c = cg; c; c = c->parent)
        c->kmem_bytes -= bytes;
    cgroup_put(cg);
}

/* A kernel object of n bytes for the current process (kmalloc_nz: the caller fills it), charged
 * to its cgroup; 0 when the cgroup's memory.max, the host's reserve or the heap has no room.
 * *memcg: where the charge went, for kfree_charged. */
void *kmalloc_charged(size_t n, struct cgroup **memcg)
{
    if (kmem_charge(n, memcg) < 0)
        return 0;
    void *p = kmalloc_nz(n);
    if (!p)
        kmem_uncharge(*memcg, n);
    return p;
}

void kfree_charged(void *p, size_t n, struct cgroup *memcg)
{
    kmem_uncharge(memcg, n);
    kfree(p);
}

void *upage_alloc(void)
{
    return charge_page(1);
}

void *upage_alloc_nz(void)
{
    return charge_page(0);
}

/* One more holder of a user page (a file's data page mapped read-only into a process, exec.c):
 * upage_free then drops a holder, and frees the page with the last. The page stays charged to
 * the cgroup that allocated it. */
void upage_share(void *page)
{
    page_shares[(uint32_t)page / PAGE_SIZE]++;
}

/* Does anyone besides its first holder have the page? */
int upage_shared(void *page)
{
    return page_shares[(uint32_t)page / PAGE_SIZE] != 0;
}

static void uncharge(void *page);

/* upage_free of a page its user left all zero (a page table or directory, vm.c). */
void upage_free_zeroed(void *page)
{
    uncharge(page);
    kfree_page_zeroed(page);
}

void upage_free(void *page)
{
    if (page_shares[(uint32_t)page / PAGE_SIZE]) {
        page_shares[(uint32_t)page / PAGE_SIZE]--;
        return;
    }
    uncharge(page);
    kfree_page(page);
}

/* The page's charge leaves its cgroup (and the cgroups above it). */
static void uncharge(void *page)
{
    struct cgroup *leaf = cgroup_table[page_owner[(uint32_t)page / PAGE_SIZE]];
    if (leaf) {
        for (struct cgroup *cg = leaf; cg; cg = cg->parent)
            cg->mem_pages--;
        cgroup_put(leaf);
    }
}

/* ---- names ---- */

/* Path of cg below top ("/" for top itself) into buf. */
int cgroup_path(struct cgroup *cg, struct cgroup *top, char *buf, int n)
{
    char tmp[PATH_MAX];
    int len = 0;
    tmp[0] = 0;
    for (; cg && cg != top && cg->parent; cg = cg->parent) {
        int k = strlen(cg->name);
        if (len + k + 2 >= (int)sizeof tmp)
            break;
        memmove(tmp + k + 1, tmp, len + 1);
        tmp[0] = '/';
        memcpy(tmp + 1, cg->name, k);
        len += k + 1;
    }
    if (!len)
        strlcpy(tmp, "/", sizeof tmp);
    strlcpy(buf, tmp, n);
    return 0;
}

static struct cgroup *child_named(struct cgroup *parent, const char *name)
{
    for (int i = 1; i < ncgroup; i++) {
        struct cgroup *cg = cgroup_table[i];
        if (cg && !cg->removed && cg->parent == parent && !strcmp(cg->name, name))
            return cg;
    }
    return 0;
}

/* ---- cgroupfs ---- */

static struct inode *cgnode(struct cgroup *cg, int kind)
{
    struct inode *ip = kmalloc(sizeof *ip);
    if (!ip)
        return 0;
    ip->fs = FS_CGROUPFS;
    ip->type = kind == CG_DIR ? I_DIR : I_FILE;
    ip->mode = kind == CG_DIR ? 0755 : 0644;
    ip->ino = 0x800000 + cg->id * 16 + kind;
    ip->ref = 1;
    ip->proc_kind = kind;
    ip->priv = cgroup_get(cg);
    return ip;
}

struct inode *cgroupfs_new_root(struct cgroup *cg)
{
    return cgnode(cg, CG_DIR);
}

void cgroupfs_free(struct inode *ip)
{
    cgroup_put(ip->priv);
    iput(ip->parent);
    kfree(ip);
}

static struct inode *with_parent(struct inode *ip, struct inode *dir)
{
    if (ip && ip->type == I_DIR)
        ip->parent = iget(dir);
    return ip;
}

struct inode *cgroupfs_lookup(struct inode *dir, const char *name)
{
    struct cgroup *cg = dir->priv;
    for (int k = 1; k < CG_NFILES; k++)
        if (name[0] == file_names[k][0] && name[1] == file_names[k][1] && !strcmp(name, file_names[k]))
            return cgnode(cg, k);
    struct cgroup *child = child_named(cg, name);
    return child ? with_parent(cgnode(child, CG_DIR), dir) : 0;
}

/* The files, then the child cgroups in creation (table) order. */
int cgroupfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip)
{
    struct cgroup *cg = dir->priv;
    if (index < CG_NFILES - 1) {
        strlcpy(name, file_names[index + 1], NAME_MAX + 1);
        *ip = cgnode(cg, index + 1);
        return *ip ? 0 : -ENOMEM;
    }
    index -= CG_NFILES - 1;
    for (int i = 1; i < ncgroup; i++) {
        struct cgroup *c = cgroup_table[i];
        if (!c || c->removed || c->parent != cg || index--)
            continue;
        strlcpy(name, c->name, NAME_MAX + 1);
        *ip = with_parent(cgnode(c, CG_DIR), dir);
        return *ip ? 0 : -ENOMEM;
    }
    return -ENOENT;
}

int cgroupfs_mkdir(struct inode *dir, const char *name, struct inode **out)
{
    struct cgroup *parent = dir->priv;
    if (strlen(name) > NAME_MAX)
        return -ENAMETOOLONG;
    if (child_named(parent, name))
        return -EEXIST;
    int id = 1;
    while (id < NCGROUP && cgroup_table[id])
        id++;
    if (id == NCGROUP)
        return -ENOSPC;
    struct cgroup *cg = kmalloc(sizeof *cg);
    if (!cg)
        return -ENOMEM;
    cg->id = id;
    strlcpy(cg->name, name, sizeof cg->name);
    cg->parent = cgroup_get(parent);
    parent->nchildren++;
    cg->ref = 1;                               /* the tree's own reference, dropped by rmdir */
    cg->pids_max = -1;
    cg->mem_max = MEM_UNLIMITED;
    cg->cpu_period_us = 100000;
    cg->cpu_weight = 100;
    cg->vruntime = parent->vruntime;
    cgroup_table[id] = cg;
    if (id >= ncgroup)
        ncgroup = id + 1;
    *out = with_parent(cgnode(cg, CG_DIR), dir);
    return *out ? 0 : -ENOMEM;
}

int cgroupfs_rmdir(struct inode *dir, const char *name)
{
    struct cgroup *cg = child_named(dir->priv, name);
    if (!cg)
        return -ENOENT;
    if (cg->nprocs > 0 || cg->nchildren > 0)
        return -EBUSY;
    cg->removed = 1;
    cgroup_put(cg);
    return 0;
}

/* A decimal number; one too large for 32 bits saturates at 0xFFFFFFFF instead of wrapping. */
static uint32_t parse_num(const char *s, const char **end)
{
    uint32_t v = 0;
    while (*s >= '0' && *s <= '9') {
        uint32_t d = (uint32_t)(*s++ - '0');
        v = v > (0xFFFFFFFFu - d) / 10 ? 0xFFFFFFFFu : v * 10 + d;
    }
    *end = s;
    return v;
}

static void move(struct proc *p, struct cgroup *to)
{
    cgroup_detach(p);
    cgroup_attach(p, to);
}

int cgroupfs_write(struct inode *ip, const char *src, uint32_t n)
{
    struct cgroup *cg = ip->priv;
    if (ip->proc_kind != CG_PROCS && current && current->cgns != &root_cgroup && cg == current->cgns)
        return -EPERM;                         /* the namespace root's limits are its parent's to set */
    char buf[64];
    uint32_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
    memcpy(buf, src, k);
    buf[k] = 0;
    const char *s = buf, *end;
    int is_max = !strncmp(s, "max", 3);
    uint32_t v = parse_num(s, &end);
    int number = end != s;
    if (!number && !is_max && ip->proc_kind != CG_PROCS)
        return -EINVAL;
    switch (ip->proc_kind) {
    case CG_PROCS: {
        struct proc *p = number ? (v ? pid_find(current->pidns, (int)v) : current) : 0;
        if (!p || p->state == ZOMBIE)
            return -ESRCH;
        if (cg->removed)
            return -ENOENT;
        if (cg != p->cgroup && cgroup_can_fork(cg) < 0)
            return -EAGAIN;
        move(p, cg);
        return (int)n;
    }
    case CG_FREEZE:
        if (!number || v > 1)
            return -EINVAL;
        nfrozen += (int)v - cg->frozen;
        cg->frozen = (int)v;
        return (int)n;
    case CG_CPU_MAX: {
        uint32_t quota = is_max ? 0 : v;
        s = is_max ? s + 3 : end;
        while (*s == ' ')
            s++;
        uint32_t period = parse_num(s, &end);
        if (end == s)
            period = cg->cpu_period_us;
        if (period < USEC_PER_TICK || period > 1000000 || (!is_max && quota < USEC_PER_TICK))
            return -EINVAL;
        cg->cpu_quota_us = quota;
        cg->cpu_period_us = period;
        cg->throttled = 0;
        cg->period_used = 0;
        cg->period_start = ticks;
        return (int)n;
    }
    case CG_CPU_WEIGHT:
        if (!number || v < 1 || v > 10000)
            return -EINVAL;
        cg->cpu_weight = v;
        return (int)n;
    case CG_MEM_MAX: {
        if (is_max) {
            cg->mem_max = MEM_UNLIMITED;
            return (int)n;
        }
        uint32_t unit = *end == 'K' || *end == 'k' ? 1024 : *end == 'M' || *end == 'm' ? 1024 * 1024 :
                        *end == 'G' || *end == 'g' ? 1024 * 1024 * 1024 : 1;
        uint64_t pages = (uint64_t)v * unit / PAGE_SIZE;
        cg->mem_max = pages >= MEM_UNLIMITED ? MEM_UNLIMITED : (uint32_t)pages;   /* no wrap to a tiny limit */
        return (int)n;
    }
    case CG_PIDS_MAX:
        cg->pids_max = is_max ? -1 : (int)v;
        return (int)n;
    }
    return -EACCES;
}

int cgroupfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n)
{
    struct cgroup *cg = ip->priv;
    char *text = kalloc_page_nz();
    if (!text)
        return -ENOMEM;
    int len = 0;
    switch (ip->proc_kind) {
    case CG_PROCS:
        for (struct proc *p = proc_table; p < proc_table + nproc && len < (int)PAGE_SIZE - 16; p++)
            if (p->state != UNUSED && p->state != EMBRYO && p->state != ZOMBIE && p->cgroup == cg &&
                pid_nr(p, current->pidns))
                len += snprintf(text + len, PAGE_SIZE - len, "%d\n", pid_nr(p, current->pidns));
        break;
    case CG_FREEZE:
        len = snprintf(text, PAGE_SIZE, "%d\n", cg->frozen);
        break;
    case CG_EVENTS:
        len = snprintf(text, PAGE_SIZE, "populated %d\nfrozen %d\n", cg->nprocs > 0, frozen(cg));
        break;
    case CG_CPU_MAX:
        if (cg->cpu_quota_us)
            len = snprintf(text, PAGE_SIZE, "%u %u\n", cg->cpu_quota_us, cg->cpu_period_us);
        else
            len = snprintf(text, PAGE_SIZE, "max %u\n", cg->cpu_period_us);
        break;
    case CG_CPU_WEIGHT:
        len = snprintf(text, PAGE_SIZE, "%u\n", cg->cpu_weight);
        break;
    case CG_CPU_STAT:
        len = snprintf(text, PAGE_SIZE, "usage_usec %u\nnr_periods %u\nnr_throttled %u\nthrottled_usec %u\n",
                       cg->usage_ticks * USEC_PER_TICK, cg->nr_periods, cg->nr_throttled,
                       cg->throttled_ticks * USEC_PER_TICK);
        break;
    case CG_MEM_MAX:
        if (cg->mem_max == MEM_UNLIMITED)
            len = snprintf(text, PAGE_SIZE, "max\n");
        else
            len = snprintf(text, PAGE_SIZE, "%u\n", cg->mem_max * PAGE_SIZE);
        break;
    case CG_MEM_CURRENT:
        len = snprintf(text, PAGE_SIZE, "%u\n", cg->mem_pages * PAGE_SIZE + cg->kmem_bytes);
        break;
    case CG_MEM_PEAK:
        len = snprintf(text, PAGE_SIZE, "%u\n", cg->mem_peak * PAGE_SIZE);
        break;
    case CG_MEM_EVENTS:
        len = snprintf(text, PAGE_SIZE, "oom_kill %u\n", cg->oom_kills);
        break;
    case CG_PIDS_MAX:
        if (cg->pids_max < 0)
            len = snprintf(text, PAGE_SIZE, "max\n");
        else
            len = snprintf(text, PAGE_SIZE, "%d\n", cg->pids_max);
        break;
    case CG_PIDS_CURRENT:
        len = snprintf(text, PAGE_SIZE, "%d\n", cg->nprocs);
        break;
    default:
        kfree_page(text);
        return -EISDIR;
    }
    int r = 0;
    if (off < (uint32_t)len) {
        r = n < len - off ? (int)n : (int)(len - off);
        memcpy(dst, text + off, r);
    }
    kfree_page(text);
    return r;
}
