/* sysproc.c — the process system calls: fork, execve, exit, wait, kill, process groups,
 * brk, sleeping, clocks and reboot. */
#include "defs.h"

int sys_fork(void)
{
    return proc_fork();
}

int sys_exit(uint32_t status)
{
    proc_exit(W_EXITCODE(status, 0));
}

/* Copy a user argv/envp vector into kernel storage: strings packed into buf. */
static int fetch_vector(uint32_t uva, char **vec, char *buf, int *used)
{
    int n = 0;
    if (!uva) {
        vec[0] = 0;
        return 0;
    }
    for (;; n++) {
        uint32_t p;
        if (n == MAXARG)
            return -E2BIG;
        if (copyin(current->pgdir, &p, uva + 4 * n, 4) < 0)
            return -EFAULT;
        if (!p)
            break;
        int len = copyinstr(current->pgdir, buf + *used, p, MAXARGLEN - *used);
        if (len < 0)
            return len == -ENAMETOOLONG ? -E2BIG : len;
        vec[n] = buf + *used;
        *used += len + 1;
    }
    vec[n] = 0;
    return n;
}

int sys_execve(uint32_t upath, uint32_t uargv, uint32_t uenvp)
{
    char path[PATH_MAX];
    char *argv[MAXARG + 1], *envp[MAXARG + 1];
    char *strings = kalloc_page_nz();          /* MAXARGLEN <= PAGE_SIZE */
    int used = 0, r;
    if (!strings)
        return -ENOMEM;
    r = copyinstr(current->pgdir, path, upath, sizeof path);
    int argc = r < 0 ? r : fetch_vector(uargv, argv, strings, &used);
    int envc = argc < 0 ? argc : fetch_vector(uenvp, envp, strings, &used);
    if (envc < 0) {
        kfree_page(strings);
        return envc;
    }
    r = exec(path, argv, argc, envp, envc);
    kfree_page(strings);
    return r;                                  /* on success: argc, already in the new frame */
}

int sys_wait4(uint32_t pid, uint32_t status, uint32_t options, uint32_t rusage)
{
    if (rusage) {
        static const char zero[72];           /* struct rusage: all zero, we do not account */
        if (copyout(current->pgdir, rusage, zero, sizeof zero) < 0)
            return -EFAULT;
    }
    return proc_wait((int)pid, status, (int)options);
}

int sys_waitpid(uint32_t pid, uint32_t status, uint32_t options)
{
    return proc_wait((int)pid, status, (int)options);
}

int sys_kill(uint32_t pid, uint32_t sig)
{
    return signal_kill((int)pid, (int)sig);
}

/* clone(2), Linux i386 argument order: flags, new stack, parent_tid, tls, child_tid.
 * What fork does plus new namespaces, CLONE_VFORK (the parent waits until the child execs or
 * exits) and with it vfork's shared memory (CLONE_VM, on a stack of the child's own); threads
 * (CLONE_VM without CLONE_VFORK, and friends) are refused. */
static int clone_checked(uint32_t flags, uint32_t stack, struct cgroup *into)
{
    if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_FS | CLONE_FILES))
        return -EINVAL;
    if ((flags & CLONE_VM) && (!(flags & CLONE_VFORK) || !stack))
        return -EINVAL;
    return proc_clone(flags, stack, into);
}

int sys_clone(uint32_t flags, uint32_t stack)
{
    return clone_checked(flags, stack, 0);
}

/* clone3(2): clone's flags and stack in a struct clone_args (its stack is the lowest address
 * and a size), and CLONE_INTO_CGROUP: the child starts in the cgroup whose directory is open
 * on descriptor `cgroup` (counted against that cgroup's pids.max), as runtimes start a
 * container's init. pidfd, TIDs, TLS and set_tid are not supported. */
int sys_clone3(uint32_t uargs, uint32_t size)
{
    struct clone_args a;
    if (size < CLONE_ARGS_SIZE_VER0 || size > PAGE_SIZE)
        return -EINVAL;
    memset(&a, 0, sizeof a);
    if (copyin(current->pgdir, &a, uargs, size < sizeof a ? size : sizeof a) < 0)
        return -EFAULT;
    if ((a.flags >> 32) & ~(uint32_t)(CLONE_INTO_CGROUP >> 32) || (a.flags & CSIGNAL) || a.exit_signal > CSIGNAL ||
        a.pidfd || a.child_tid || a.parent_tid || a.tls || a.set_tid || a.set_tid_size ||
        (!a.stack != !a.stack_size) || a.stack + a.stack_size > 0xFFFFFFFFull)
        return -EINVAL;
    struct cgroup *into = 0;
    if (a.flags & CLONE_INTO_CGROUP) {
        if (size < CLONE_ARGS_SIZE_VER2)
            return -EINVAL;
        struct file *f = a.cgroup < NOFILE ? current->ofile[a.cgroup] : 0;
        if (!f)
            return -EBADF;
        if (f->type != F_INODE || f->ip->fs != FS_CGROUPFS || f->ip->type != I_DIR)
            return -EBADF;
        into = f->ip->priv;
        if (into->removed)
            return -ENOENT;
    }
    return clone_checked((uint32_t)a.flags | (uint32_t)a.exit_signal, (uint32_t)(a.stack + a.stack_size), into);
}

/* Process numbers are those of the caller's PID namespace (pidns.c). */
int sys_getpid(void)
{
    return pid_nr(current, current->pidns);
}

int sys_getppid(void)
{
    return pid_nr(current->parent, current->pidns);    /* 0 for a namespace's PID 1 */
}

int sys_setpgid(uint32_t pid, uint32_t pgid)
{
    struct proc *p = pid ? pid_find(current->pidns, (int)pid) : current;
    if (!p || (p != current && p->parent != current))
        return -ESRCH;
    if ((int)pgid < 0)
        return -EINVAL;
    if (pgid == 0 || (int)pgid == pid_nr(p, current->pidns)) {
        pgid_set_self(p);
        return 0;
    }
    for (struct proc *q = proc_table; q < proc_table + nproc; q++) {
        if (q->state != UNUSED && q->state != ZOMBIE && pgid_nr(q, current->pidns) == (int)pgid) {
            pgid_copy(p, q);
            return 0;
        }
    }
    return -EPERM;                             /* no such group in our namespace */
}

int sys_getpgid(uint32_t pid)
{
    struct proc *p = pid ? pid_find(current->pidns, (int)pid) : current;
    return p ? pgid_nr(p, current->pidns) : -ESRCH;
}

int sys_getpgrp(void)
{
    return pgid_nr(current, current->pidns);
}

/* brk(0) reports the break; growing maps zeroed pages, shrinking frees them. */
int sys_brk(uint32_t addr)
{
    uint32_t old = current->brk;
    if (addr < current->brk_base || addr >= USER_TOP - USTACK_PAGES * PAGE_SIZE - PAGE_SIZE)
        return (int)old;
    if (addr > old) {
        if (uvm_alloc(current->pgdir, PGROUNDUP(old), PGROUNDUP(addr)) < 0) {
            uvm_dealloc(current->pgdir, PGROUNDUP(old), PGROUNDUP(addr));
            return (int)old;
        }
    } else {
        uvm_dealloc(current->pgdir, PGROUNDUP(addr), PGROUNDUP(old));
    }
    current->brk = addr;
    return (int)addr;
}

/* Sleep on the tick counter until the deadline; a signal ends it early with -EINTR. */
static int sleep_ticks(uint32_t n)
{
    current->wake_tick = ticks + n;
    while ((int32_t)(ticks - current->wake_tick) < 0) {
        if (signal_interrupted(current))
            return -EINTR;
        sleep_on((void *)&ticks);
    }
    return 0;
}

int sys_nanosleep(uint32_t ureq, uint32_t urem)
{
    struct timespec ts;
    if (copyin(current->pgdir, &ts, ureq, sizeof ts) < 0)
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    uint32_t n = (uint32_t)ts.tv_sec * HZ + ((uint32_t)ts.tv_nsec + 1000000000 / HZ - 1) / (1000000000 / HZ);
    uint32_t start = ticks;
    int r = sleep_ticks(n);
    if (r < 0 && urem) {
        uint32_t left = n - (ticks - start);
        struct timespec rem = { (int32_t)(left / HZ), (int32_t)(left % HZ * (1000000000 / HZ)) };
        copyout(current->pgdir, urem, &rem, sizeof rem);
    }
    return r;
}

int sys_pause(void)
{
    while (!signal_interrupted(current))
        sleep_on(current + 1);                /* a channel nobody wakes */
    return -EINTR;
}

/* Time since boot: this machine has no battery clock we trust, so the epoch is boot. */
int sys_time(uint32_t t)
{
    int32_t now = (int32_t)(ticks / HZ);
    if (t && copyout(current->pgdir, t, &now, 4) < 0)
        return -EFAULT;
    return now;
}

int sys_clock_gettime(uint32_t clk, uint32_t uts)
{
    if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC)
        return -EINVAL;
    uint32_t t = ticks;
    struct timespec ts = { (int32_t)(t / HZ), (int32_t)(t % HZ * (1000000000 / HZ)) };
    return copyout(current->pgdir, uts, &ts, sizeof ts) < 0 ? -EFAULT : 0;
}

int sys_reboot(uint32_t m1, uint32_t m2, uint32_t cmd)
{
    if (m1 != LINUX_REBOOT_MAGIC1 || m2 != LINUX_REBOOT_MAGIC2)
        return -EINVAL;
    if (!pidns_is_init(current) && cmd != LINUX_REBOOT_CMD_POWER_OFF && cmd != LINUX_REBOOT_CMD_HALT &&
        cmd != LINUX_REBOOT_CMD_RESTART)
        return -EINVAL;
    if (current->pidns != pidns_root()) {     /* in a container: end its PID namespace, not the machine (as Linux) */
        if (current->pidns->init)
            signal_force(current->pidns->init, SIGKILL);
        return 0;
    }
    kprintf("unix: power off\n");
    machine_off(0);
}
