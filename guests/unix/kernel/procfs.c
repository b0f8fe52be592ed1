/* procfs.c — /proc: a directory per process with a Linux-style `stat` file, its `cgroup` and
 * its namespaces under `ns/`, plus `uptime` and `meminfo`.
 * Each mount of "proc" belongs to the PID namespace of the process that mounted it (priv of
 * every node): it lists only the processes of that namespace, under their numbers there,
 * so a container's /proc shows the container and nothing else. Nodes are made on lookup and
 * freed with their last reference; node->pid is the process's global number.
 * /proc/PID/ns/{cgroup,ipc,mnt,pid,uts} read as "pid:[ID]"; setns(2) takes a descriptor
 * open on one of them. */
#include "defs.h"

enum { PROC_ROOT, PROC_PID, PROC_STAT, PROC_UPTIME, PROC_MEMINFO, PROC_CGROUP, PROC_NSDIR,
       PROC_NS_CGROUP, PROC_NS_IPC, PROC_NS_MNT, PROC_NS_PID, PROC_NS_UTS };

static const char *const ns_names[] = { "cgroup", "ipc", "mnt", "pid", "uts" };
#define NNS 5

static struct inode *node(struct inode *dir, int kind, int pid, enum itype type)
{
    struct inode *ip = kmalloc(sizeof *ip);
    if (!ip)
        return 0;
    ip->fs = FS_PROCFS;
    ip->type = type;
    ip->mode = type == I_DIR ? 0555 : 0444;
    ip->ino = 0x10000 + pid * 16 + kind;
    ip->ref = 1;
    ip->pid = pid;
    ip->proc_kind = kind;
    ip->priv = pidns_get(dir ? dir->priv : pidns_root());
    ip->parent = dir ? iget(dir) : 0;
    return ip;
}

struct inode *procfs_new_root(struct pidns *ns)
{
    struct inode *root = node(0, PROC_ROOT, 0, I_DIR);
    if (root) {
        pidns_put(root->priv);
        root->priv = pidns_get(ns);
    }
    return root;
}

void procfs_free(struct inode *ip)
{
    pidns_put(ip->priv);
    iput(ip->parent);
    kfree(ip);
}

static int visible(struct proc *p, struct pidns *ns)
{
    return p->state != UNUSED && p->state != EMBRYO && pidns_contains(ns, p);
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
    struct pidns *ns = dir->priv;
    if (dir->proc_kind == PROC_ROOT) {
        if (!strcmp(name, "uptime"))
            return node(dir, PROC_UPTIME, 0, I_FILE);
        if (!strcmp(name, "meminfo"))
            return node(dir, PROC_MEMINFO, 0, I_FILE);
        if (!strcmp(name, "self"))
            return current && visible(current, ns) ? node(dir, PROC_PID, current->pid, I_DIR) : 0;
        struct proc *p = pid_find(ns, parse_pid(name));
        return p && visible(p, ns) ? node(dir, PROC_PID, p->pid, I_DIR) : 0;
    }
    if (dir->proc_kind == PROC_PID) {
        if (!strcmp(name, "stat"))
            return node(dir, PROC_STAT, dir->pid, I_FILE);
        if (!strcmp(name, "cgroup"))
            return node(dir, PROC_CGROUP, dir->pid, I_FILE);
        if (!strcmp(name, "ns"))
            return node(dir, PROC_NSDIR, dir->pid, I_DIR);
    }
    if (dir->proc_kind == PROC_NSDIR)
        for (int i = 0; i < NNS; i++)
            if (!strcmp(name, ns_names[i]))
                return node(dir, PROC_NS_CGROUP + i, dir->pid, I_FILE);
    return 0;
}

/* Root: "meminfo", "uptime", then one directory per visible process in table order.
 * PID directory: "stat", "cgroup", "ns". ns: one file per namespace kind. */
int procfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip)
{
    if (dir->proc_kind == PROC_PID || dir->proc_kind == PROC_NSDIR) {
        static const char *const pid_entries[] = { "stat", "cgroup", "ns" };
        const char *const *names = dir->proc_kind == PROC_PID ? pid_entries : ns_names;
        uint32_t count = dir->proc_kind == PROC_PID ? 3 : NNS;
        if (index >= count)
            return -ENOENT;
        strlcpy(name, names[index], NAME_MAX + 1);
        *ip = procfs_lookup(dir, name);
        return *ip ? 0 : -ENOMEM;
    }
    if (index < 2) {
        strlcpy(name, index == 0 ? "meminfo" : "uptime", NAME_MAX + 1);
        *ip = node(dir, index == 0 ? PROC_MEMINFO : PROC_UPTIME, 0, I_FILE);
        return *ip ? 0 : -ENOMEM;
    }
    index -= 2;
    struct pidns *ns = dir->priv;
    for (struct proc *p = proc_table; p < proc_table + nproc; p++) {
        if (!visible(p, ns) || index--)
            continue;
        snprintf(name, NAME_MAX + 1, "%d", pid_nr(p, ns));
        *ip = node(dir, PROC_PID, p->pid, I_DIR);
        return *ip ? 0 : -ENOMEM;
    }
    return -ENOENT;
}

/* The namespace a /proc/PID/ns file names, for setns(2): its kind (a CLONE_NEW* flag) and process. */
struct proc *procfs_ns_target(struct inode *ip, uint32_t *kind)
{
    static const uint32_t kinds[] = { CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS };
    if (ip->fs != FS_PROCFS || ip->proc_kind < PROC_NS_CGROUP)
        return 0;
    struct proc *p = proc_find(ip->pid);
    if (!p || p->state == ZOMBIE || !p->mntns)
        return 0;
    *kind = kinds[ip->proc_kind - PROC_NS_CGROUP];
    return p;
}

/* File contents are generated whole, then the requested window is copied. */
int procfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n)
{
    char text[PATH_MAX + 16];
    int len;
    struct pidns *ns = ip->priv;
    struct proc *p = ip->pid ? proc_find(ip->pid) : 0;
    if (ip->pid && (!p || !visible(p, ns)))
        return -ESRCH;
    if (ip->proc_kind == PROC_UPTIME) {
        len = snprintf(text, sizeof text, "%u.%02u\n", ticks / HZ, ticks % HZ * 100 / HZ);
    } else if (ip->proc_kind == PROC_MEMINFO) {
        len = snprintf(text, sizeof text, "MemTotal: %8u kB\nMemFree:  %8u kB\n", kmem_total_pages() * 4,
                       kfree_pages() * 4);
    } else if (ip->proc_kind == PROC_STAT) {
        /* Linux field order: pid (comm) state ppid pgrp ... vsize is field 23; we stop at pgrp. */
        len = snprintf(text, sizeof text, "%d (%s) %s %d %d\n", pid_nr(p, ns), p->name, proc_state_name(p->state),
                       pid_nr(p->parent, ns), pgid_nr(p, ns));
    } else if (ip->proc_kind == PROC_CGROUP) {
        char path[PATH_MAX];
        cgroup_path(p->cgroup, current ? current->cgns : cgroup_root(), path, sizeof path);
        len = snprintf(text, sizeof text, "0::%s\n", path);
    } else if (ip->proc_kind >= PROC_NS_CGROUP) {
        int k = ip->proc_kind - PROC_NS_CGROUP;
        int id = p->state == ZOMBIE ? 0 :
                 k == 0 ? p->cgns->id + 0x1000 : k == 1 ? p->ipcns->id : k == 2 ? mntns_id(p->mntns) :
                 k == 3 ? p->pidns->id : p->utsns->id;
        len = snprintf(text, sizeof text, "%s:[%d]\n", ns_names[k], id);
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
