/* ns.c — the namespace system calls that span every kind: the CLONE_NEW* flags of clone(2)
 * (proc.c calls ns_unshare for the child), unshare(2) and setns(2). Each kind's own rules are
 * in pidns.c, mntns.c, utsns.c, ipcns.c and cgroup.c (the cgroup namespace).
 * CLONE_NEWUSER and CLONE_NEWNET are refused with EINVAL: this kernel has neither users nor
 * a network. */
#include "defs.h"

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWCGROUP)

/* Give p new mount, UTS, IPC and cgroup namespaces as flags ask (CLONE_NEWPID is the caller's). */
int ns_unshare(struct proc *p, uint32_t flags)
{
    if (flags & CLONE_NEWNS) {
        struct mntns *ns = mntns_copy(p->mntns);
        if (!ns)
            return -ENOMEM;
        mntns_put(p->mntns);
        p->mntns = ns;
    }
    if (flags & CLONE_NEWUTS) {
        struct utsns *ns = utsns_copy(p->utsns);
        if (!ns)
            return -ENOMEM;
        utsns_put(p->utsns);
        p->utsns = ns;
    }
    if (flags & CLONE_NEWIPC) {
        struct ipcns *ns = ipcns_new();
        if (!ns)
            return -ENOMEM;
        ipcns_put(p->ipcns);
        p->ipcns = ns;
    }
    if (flags & CLONE_NEWCGROUP) {             /* its cgroup becomes the root of what it sees */
        cgroup_put(p->cgns);
        p->cgns = cgroup_get(p->cgroup);
    }
    return 0;
}

/* unshare(2): new namespaces for the caller; with CLONE_NEWPID only its future children move. */
int sys_unshare(uint32_t flags)
{
    if (flags & ~(NS_FLAGS | CLONE_FS | CLONE_FILES))
        return -EINVAL;
    if (flags & CLONE_NEWPID) {
        struct pidns *ns = pidns_new(current->pidns);
        if (!ns)
            return -ENOSPC;
        pidns_put(current->pidns_children);
        current->pidns_children = ns;
    }
    return ns_unshare(current, flags & ~CLONE_NEWPID);
}

/* setns(2): join the namespace that fd (open on /proc/PID/ns/KIND) names; nstype 0 or its
 * CLONE_NEW* flag. Entering a PID namespace moves only the caller's future children, and only
 * into its own namespace or one nested below it. */
int sys_setns(uint32_t fd, uint32_t nstype)
{
    struct file *f = fd < NOFILE ? current->ofile[fd] : 0;
    if (!f)
        return -EBADF;
    uint32_t kind;
    struct proc *t = f->type == F_INODE ? procfs_ns_target(f->ip, &kind) : 0;
    if (!t)
        return -EINVAL;
    if (nstype && nstype != kind)
        return -EINVAL;
    switch (kind) {
    case CLONE_NEWPID:
        if (!pidns_contains(current->pidns, t) && t->pidns != current->pidns)
            return -EINVAL;
        pidns_get(t->pidns);
        pidns_put(current->pidns_children);
        current->pidns_children = t->pidns;
        return 0;
    case CLONE_NEWNS:
        mntns_enter(current, t->mntns);
        return 0;
    case CLONE_NEWUTS:
        utsns_get(t->utsns);
        utsns_put(current->utsns);
        current->utsns = t->utsns;
        return 0;
    case CLONE_NEWIPC:
        ipcns_get(t->ipcns);
        ipcns_put(current->ipcns);
        current->ipcns = t->ipcns;
        return 0;
    case CLONE_NEWCGROUP:
        cgroup_get(t->cgns);
        cgroup_put(current->cgns);
        current->cgns = t->cgns;
        return 0;
    }
    return -EINVAL;
}
