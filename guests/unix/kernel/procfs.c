/* procfs.c — /proc: a directory per process with a Linux-style `stat` file, `uptime`, `meminfo`.
 * Nodes are made on lookup and freed with their last reference. Later, each PID namespace
 * mounts its own /proc showing only its processes. */
#include "defs.h"

enum { PROC_ROOT, PROC_PID, PROC_STAT, PROC_UPTIME, PROC_MEMINFO };

static struct inode *proc_root;

static struct inode *node(int kind, int pid, enum itype type)
{
    struct inode *ip = kmalloc(sizeof *ip);
    if (!ip)
        return 0;
    ip->fs = FS_PROCFS;
    ip->type = type;
    ip->mode = type == I_DIR ? 0555 : 0444;
    ip->ino = 0x10000 + pid * 8 + kind;
    ip->ref = 1;
    ip->pid = pid;
    ip->proc_kind = kind;
    ip->parent = kind == PROC_STAT ? 0 : proc_root;
    return ip;
}

struct inode *procfs_new_root(void)
{
    proc_root = node(PROC_ROOT, 0, I_DIR);
    proc_root->nlink = 1;                      /* never freed */
    return proc_root;
}

static int visible(struct proc *p)
{
    return p->state != UNUSED && p->state != EMBRYO;
}

static int parse_pid(const char *s)
{
    int n = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > 100000000)
            return -1;
        n = n * 10 + (*s - '0');
    }
    return n;
}

struct inode *procfs_lookup(struct inode *dir, const char *name)
{
    if (dir->proc_kind == PROC_ROOT) {
        if (!strcmp(name, "uptime"))
            return node(PROC_UPTIME, 0, I_FILE);
        if (!strcmp(name, "meminfo"))
            return node(PROC_MEMINFO, 0, I_FILE);
        if (!strcmp(name, "self"))
            return current ? node(PROC_PID, current->pid, I_DIR) : 0;
        int pid = parse_pid(name);
        struct proc *p = pid > 0 ? proc_find(pid) : 0;
        return p && visible(p) ? node(PROC_PID, pid, I_DIR) : 0;
    }
    if (dir->proc_kind == PROC_PID && !strcmp(name, "stat")) {
        struct inode *ip = node(PROC_STAT, dir->pid, I_FILE);
        if (ip)
            ip->parent = 0;
        return ip;
    }
    return 0;
}

/* Root: "meminfo", "uptime", then one directory per process in table order. PID directory: "stat". */
int procfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip)
{
    if (dir->proc_kind == PROC_PID) {
        if (index != 0)
            return -ENOENT;
        strlcpy(name, "stat", NAME_MAX + 1);
        *ip = node(PROC_STAT, dir->pid, I_FILE);
        return *ip ? 0 : -ENOMEM;
    }
    if (index < 2) {
        strlcpy(name, index == 0 ? "meminfo" : "uptime", NAME_MAX + 1);
        *ip = node(index == 0 ? PROC_MEMINFO : PROC_UPTIME, 0, I_FILE);
        return *ip ? 0 : -ENOMEM;
    }
    index -= 2;
    for (struct proc *p = proc_table; p < proc_table + NPROC; p++) {
        if (!visible(p) || index--)
            continue;
        snprintf(name, NAME_MAX + 1, "%d", p->pid);
        *ip = node(PROC_PID, p->pid, I_DIR);
        return *ip ? 0 : -ENOMEM;
    }
    return -ENOENT;
}

/* File contents are generated whole, then the requested window is copied. */
int procfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n)
{
    char text[160];
    int len;
    if (ip->proc_kind == PROC_UPTIME) {
        len = snprintf(text, sizeof text, "%u.%02u\n", ticks / HZ, ticks % HZ * 100 / HZ);
    } else if (ip->proc_kind == PROC_MEMINFO) {
        len = snprintf(text, sizeof text, "MemTotal: %8u kB\nMemFree:  %8u kB\n", kmem_total_pages() * 4,
                       kfree_pages() * 4);
    } else if (ip->proc_kind == PROC_STAT) {
        struct proc *p = proc_find(ip->pid);
        if (!p || !visible(p))
            return -ESRCH;
        /* Linux field order: pid (comm) state ppid pgrp ... vsize is field 23; we stop at pgrp. */
        len = snprintf(text, sizeof text, "%d (%s) %s %d %d\n", p->pid, p->name, proc_state_name(p->state),
                       p->parent ? p->parent->pid : 0, p->pgid);
    } else {
        return -EISDIR;
    }
    if (len > (int)sizeof text - 1)
        len = sizeof text - 1;
    if (off >= (uint32_t)len)
        return 0;
    if (n > len - off)
        n = len - off;
    memcpy(dst, text + off, n);
    return (int)n;
}
