/* proc.c — the process table: creating the first process, fork, exit and wait.
 * A process's kernel stack holds, from the top: its user trap frame, then (while it is new)
 * the address of trapret and the context that swtch() starts it with. */
#include "defs.h"

struct proc proc_table[NPROC];
struct proc *current;
static char kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));
static int next_pid = 1;
static struct proc *init_proc;

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
    for (struct proc *p = proc_table; p < proc_table + NPROC; p++)
        if (p->state != UNUSED && p->pid == pid)
            return p;
    return 0;
}

/* A new process returns from its first swtch() here, then "returns" into trapret. */
static void forkret(void)
{
}

/* An EMBRYO with a kernel stack ready to enter user mode through trapret. */
struct proc *proc_alloc(void)
{
    struct proc *p = 0;
    for (int i = 0; i < NPROC; i++) {
        if (proc_table[i].state == UNUSED) {
            p = &proc_table[i];
            memset(p, 0, sizeof *p);
            p->kstack = kstacks[i];
            break;
        }
    }
    if (!p)
        return 0;
    p->state = EMBRYO;
    p->pid = next_pid++;
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
    struct proc *p = proc_alloc();
    init_proc = p;
    p->pgdir = pgdir_new();
    p->cwd = iget(root_inode);
    p->root = iget(root_inode);
    p->pgid = p->pid;
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

int proc_fork(void)
{
    struct proc *np = proc_alloc();
    if (!np)
        return -EAGAIN;
    np->pgdir = uvm_copy(current->pgdir);
    if (!np->pgdir) {
        np->state = UNUSED;
        return -ENOMEM;
    }
    *np->tf = *current->tf;
    np->tf->eax = 0;                    /* the child sees fork() return 0 */
    np->parent = current;
    np->pgid = current->pgid;
    np->brk = current->brk;
    np->brk_base = current->brk_base;
    memcpy(np->sigact, current->sigact, sizeof np->sigact);
    np->sig_blocked = current->sig_blocked;
    for (int fd = 0; fd < NOFILE; fd++)
        if (current->ofile[fd])
            np->ofile[fd] = file_dup(current->ofile[fd]);
    np->cloexec = current->cloexec;
    np->cwd = iget(current->cwd);
    np->root = iget(current->root);
    memcpy(np->name, current->name, sizeof np->name);
    np->state = RUNNABLE;
    return np->pid;
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
    pgdir_free(p->pgdir);
    p->pgdir = 0;

    int orphaned_zombie = 0;
    for (struct proc *c = proc_table; c < proc_table + NPROC; c++) {
        if (c->state != UNUSED && c->parent == p) {
            c->parent = init_proc;
            orphaned_zombie |= c->state == ZOMBIE;
        }
    }
    if (orphaned_zombie)
        wakeup(init_proc);
    p->exit_status = status;
    p->state = ZOMBIE;
    signal_send(p->parent, SIGCHLD);
    wakeup(p->parent);
    sched();
    panic("zombie ran");
}

static int wait_matches(struct proc *c, int pid)
{
    if (pid > 0)
        return c->pid == pid;
    if (pid == 0)
        return c->pgid == current->pgid;
    if (pid < -1)
        return c->pgid == -pid;
    return 1;
}

/* wait4/waitpid: reap one matching zombie child; 0 with WNOHANG if none has exited yet. */
int proc_wait(int pid, uint32_t status_uva, int options)
{
    for (;;) {
        int have = 0;
        for (struct proc *c = proc_table; c < proc_table + NPROC; c++) {
            if (c->state == UNUSED || c->parent != current || !wait_matches(c, pid))
                continue;
            have = 1;
            if (c->state != ZOMBIE)
                continue;
            if (status_uva && copyout(current->pgdir, status_uva, &c->exit_status, 4) < 0)
                return -EFAULT;
            int cpid = c->pid;
            c->state = UNUSED;
            c->parent = 0;
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
