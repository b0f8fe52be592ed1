/* proc.c — the process table: creating the first process, fork, exit and wait.
 * A process's kernel stack holds, from the top: its user trap frame, then (while it is new)
 * the address of trapret and the context that swtch() starts it with. */
#include "defs.h"

struct proc *proc_table;
int nproc;                              /* slots ever used: every scan of the table stops here */
int nproc_max;                          /* slots there are */
struct proc *current;
static char *kstacks;                   /* nproc_max kernel stacks of KSTACK_SIZE */
static struct proc *init_proc;

/* The process table and kernel stacks, carved from memory at `*start` (main.c) for n slots. */
void proc_init(uint32_t *start, int n)
{
    nproc_max = n;
    nproc = 0;
    kstacks = (char *)PGROUNDUP(*start);
    proc_table = (struct proc *)(kstacks + (uint32_t)n * KSTACK_SIZE);
    kzero(proc_table, (uint32_t)n * sizeof *proc_table);
    *start = (uint32_t)(proc_table + n);
}

struct proc *proc_init_proc(void)
{
    return init_proc;
}

const char *proc_state_name(enum procstate s)
{
    switch (s) {
    case SLEEPING: return "S";
    case RUNNABLE: return "R";
    case RUNNING:  return "R";
    case ZOMBIE:   return "Z";
    default:       return "?";
    }
}

struct proc *proc_find(int pid)
{
    for (struct proc *p = proc_table; p < proc_table + nproc; p++)
        if (p->state != UNUSED && p->pid == pid)
            return p;
    return 0;
}

/* A new process returns from its first swtch() here, then "returns" into trapret. */
static void forkret(void)
{
}

/* An EMBRYO numbered in namespace ns, with a kernel stack ready to enter user mode through trapret. */
static struct proc *proc_alloc(struct pidns *ns, int *err)
{
    struct proc *p = 0;
    for (int i = 0; i < nproc_max; i++) {
        if (proc_table[i].state == UNUSED) {
            if (i >= nproc)
                nproc = i + 1;
            p = &proc_table[i];
            kzero(p, sizeof *p);
            p->kstack = kstacks + (uint32_t)i * KSTACK_SIZE;
            break;
        }
    }
    *err = -EAGAIN;
    if (!p || (*err = pidns_attach(p, ns)) < 0)
        return 0;
    p->state = EMBRYO;
    char *sp = p->kstack + KSTACK_SIZE;
    sp -= sizeof *p->tf;
    p->tf = (struct trapframe *)sp;
    memset(p->tf, 0, sizeof *p->tf);
    sp -= 4;
    *(uint32_t *)sp = (uint32_t)trapret;
    sp -= sizeof *p->context;
    p->context = (struct context *)sp;
    memset(p->context, 0, sizeof *p->context);
    p->context->eip = (uint32_t)forkret;
    return p;
}

/* Process 1: an empty address space that execs /sbin/init (or /bin/init). */
void user_init(void)
{
    int err;
    struct proc *p = proc_alloc(pidns_root(), &err);
    init_proc = p;
    p->pidns_children = pidns_get(pidns_root());
    p->mntns = mntns_root();
    p->utsns = utsns_root();
    p->ipcns = ipcns_root();
    cgroup_attach(p, cgroup_root());
    p->cgns = cgroup_get(cgroup_root());
    p->pgdir = pgdir_new();
    p->cwd = iget(root_inode);
    p->root = iget(root_inode);
    pgid_set_self(p);
    strlcpy(p->name, "init", sizeof p->name);
    current = p;                        /* exec works on current */
    vm_switch(p);
    char *argv[] = { "init", 0 };
    char *envp[] = { "PATH=/bin", "HOME=/", 0 };
    if (exec("/sbin/init", argv, 1, envp, 2) < 0 && exec("/bin/init", argv, 1, envp, 2) < 0)
        panic("no /sbin/init or /bin/init in the root tree");
    vm_switch_kernel();
    current = 0;
    p->state = RUNNABLE;
}

/* The end of a vfork: the parent, asleep in proc_clone, goes on; a child that borrowed its
 * address space (CLONE_VM) gives it back, heap included (p->pgdir becomes 0). Called by exec
 * before the new image is committed, and by exit. */
void vfork_release(struct proc *p)
{
    struct proc *parent = p->vfork_parent;
    if (!parent)
        return;
    if (p->vm_borrowed) {
        if (p->brk > parent->brk)
            parent->brk = p->brk;
        p->vm_borrowed = 0;
        p->pgdir = 0;
    }
    p->vfork_parent = 0;
    wakeup(p);
}

/* fork, or clone(2): the CLONE_NEW* flags give the child new namespaces, and a nonzero stack
 * becomes its ESP. With CLONE_VM | CLONE_VFORK (posix_spawn's way, and the container
 * runtime's) the child runs in the parent's address space on that stack, nothing is copied,
 * and the parent sleeps until the child execs or exits (vfork(2)). */
int proc_clone(uint32_t flags, uint32_t stack, struct cgroup *into)
{
    struct cgroup *cg = into ? into : current->cgroup;     /* clone3's CLONE_INTO_CGROUP */
    int err = cgroup_can_fork(cg);
    if (err)
        return err;
    struct pidns *pns = current->pidns_children;
    if (flags & CLONE_NEWPID) {
        if (!(pns = pidns_new(pns)))
            return -ENOSPC;
    } else {
        pidns_get(pns);
    }
    struct proc *np = proc_alloc(pns, &err);
    pidns_put(pns);                    /* np holds its own reference */
    if (!np)
        return err;
    np->pidns_children = pidns_get(np->pidns);
    np->mntns = mntns_get(current->mntns);
    np->utsns = utsns_get(current->utsns);
    np->ipcns = ipcns_get(current->ipcns);
    np->cgns = cgroup_get(current->cgns);
    cgroup_attach(np, cg);
    np->cwd = iget(current->cwd);
    np->root = iget(current->root);
    np->parent = current;
    if (flags & CLONE_VM) {
        np->pgdir = current->pgdir;
        np->vm_borrowed = 1;
    }
    if (flags & CLONE_VFORK)
        np->vfork_parent = current;
    if ((err = ns_unshare(np, flags & ~CLONE_NEWPID)) < 0 || (!np->pgdir && !(np->pgdir = uvm_copy(current->pgdir)))) {
        proc_free(np);
        return err < 0 ? err : -ENOMEM;
    }
    *np->tf = *current->tf;
    np->tf->eax = 0;                    /* the child sees fork() return 0 */
    if (stack)
        np->tf->esp = stack;
    pgid_copy(np, current);
    np->brk = current->brk;
    np->brk_base = current->brk_base;
    kcopy(np->sigact, current->sigact, sizeof np->sigact);
    np->sig_blocked = current->sig_blocked;
    for (int fd = 0; fd < NOFILE; fd++)
        if (current->ofile[fd])
            np->ofile[fd] = file_dup(current->ofile[fd]);
    np->cloexec = current->cloexec;
    memcpy(np->name, current->name, sizeof np->name);
    np->state = RUNNABLE;
    int pid = pid_nr(np, current->pidns);
    while (np->vfork_parent == current)      /* not ended by signals: the child has our memory */
        sleep_on(np);
    return pid;
}

int proc_fork(void)
{
    return proc_clone(0, 0, 0);
}

/* Free a slot whose process has exited (or never ran): what is left of it after proc_exit. */
void proc_free(struct proc *p)
{
    iput(p->cwd);
    iput(p->root);
    p->cwd = p->root = 0;
    vfork_release(p);
    if (p->pgdir)
        pgdir_free(p->pgdir);
    p->pgdir = 0;
    mntns_put(p->mntns);
    utsns_put(p->utsns);
    ipcns_put(p->ipcns);
    p->mntns = 0, p->utsns = 0, p->ipcns = 0;
    cgroup_detach(p);
    cgroup_put(p->cgns);
    p->cgns = 0;
    pidns_release(p);
    p->parent = 0;
    p->state = UNUSED;
}

/* status is a wait status word (W_EXITCODE). */
void proc_exit(int status)
{
    struct proc *p = current;
    if (p == init_proc)
        panic("init exited (status %x)", status);
    for (int fd = 0; fd < NOFILE; fd++) {
        if (p->ofile[fd]) {
            file_close(p->ofile[fd]);
            p->ofile[fd] = 0;
        }
    }
    iput(p->cwd);
    iput(p->root);
    p->cwd = p->root = 0;
    vm_switch_kernel();
    vfork_release(p);                   /* a borrowed address space goes back, not freed */
    if (p->pgdir)
        pgdir_free(p->pgdir);
    p->pgdir = 0;
    mntns_put(p->mntns);
    utsns_put(p->utsns);
    ipcns_put(p->ipcns);
    p->mntns = 0, p->utsns = 0, p->ipcns = 0;
    pidns_exit(p);

    for (struct proc *c = proc_table; c < proc_table + nproc; c++) {
        if (c->state != UNUSED && c->parent == p) {
            struct proc *r = pidns_reaper(c, p);
            c->parent = r;
            if (c->state == ZOMBIE)
                wakeup(r);
        }
    }
    p->exit_status = status;
    p->state = ZOMBIE;
    signal_send(p->parent, SIGCHLD);
    wakeup(p->parent);
    sched();
    panic("zombie ran");
}

/* pid as in wait4(2), in the caller's PID namespace. */
static int wait_matches(struct proc *c, int pid)
{
    if (pid > 0)
        return pid_nr(c, current->pidns) == pid;
    if (pid == 0)
        return c->pgid == current->pgid;
    if (pid < -1)
        return pgid_nr(c, current->pidns) == -pid;
    return 1;
}

/* wait4/waitpid: reap one matching zombie child; 0 with WNOHANG if none has exited yet. */
int proc_wait(int pid, uint32_t status_uva, int options)
{
    for (;;) {
        int have = 0;
        for (struct proc *c = proc_table; c < proc_table + nproc; c++) {
            if (c->state == UNUSED || c->parent != current || !wait_matches(c, pid))
                continue;
            have = 1;
            if (c->state != ZOMBIE)
                continue;
            if (status_uva && copyout(current->pgdir, status_uva, &c->exit_status, 4) < 0)
                return -EFAULT;
            int cpid = pid_nr(c, current->pidns);
            proc_free(c);
            return cpid;
        }
        if (!have)
            return -ECHILD;
        if (options & WNOHANG)
            return 0;
        if (signal_interrupted(current))
            return -EINTR;
        sleep_on(current);
    }
}
