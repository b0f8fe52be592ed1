/* signal.c — POSIX-style signals: sending, default actions, user handlers and their return.
 *
 * A handler runs on the user stack with this frame at its ESP (our own layout; only the
 * system call numbers and struct k_sigaction are Linux's):
 *     return address = sa_restorer (libc: mov $173, %eax; int $0x80)
 *     signal number, 0, 0            (the handler's arguments)
 *     the interrupted user registers and the old blocked mask
 * rt_sigreturn finds the frame 4 bytes below its ESP and restores from it. */
#include "defs.h"

struct sigframe {
    uint32_t ret;
    int32_t sig;
    uint32_t info, uc;
    struct trapframe saved;
    uint32_t saved_blocked;
};

#define UNBLOCKABLE (SIGMASK(SIGKILL) | SIGMASK(SIGSTOP))

/* Signals whose default action is to do nothing; all others (that we know) terminate. */
static int default_ignores(int sig)
{
    /* SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: no job-control stops yet, so they are ignored too */
    return sig == SIGCHLD || sig == SIGCONT || sig == SIGSTOP || (sig >= 20 && sig <= 22) ||
           sig == 23 /* SIGURG */ || sig == 28 /* SIGWINCH */;
}

int signal_send(struct proc *p, int sig)
{
    if (!p || sig <= 0 || sig >= NSIG)
        return -EINVAL;
    uint32_t h = p->sigact[sig].handler;
    /* A namespace's PID 1 gets only the signals it asked for (as Linux), except SIGKILL sent
     * from an ancestor namespace. */
    int from_outside = current && current->pidns && current->pidns->level < p->pidns->level;
    if (pidns_is_init(p) && h == SIG_DFL && !(sig == SIGKILL && from_outside))
        return 0;
    if (sig != SIGKILL && (h == SIG_IGN || (h == SIG_DFL && default_ignores(sig))))
        return 0;
    p->sig_pending |= SIGMASK(sig);
    if (p->state == SLEEPING && signal_interrupted(p))
        p->state = RUNNABLE;          /* every sleep is interruptible */
    return 0;
}

/* The kernel's own kill (the PID 1 of a dying namespace, the OOM killer): nothing stops it. */
void signal_force(struct proc *p, int sig)
{
    p->sig_pending |= SIGMASK(sig);
    if (p->state == SLEEPING)
        p->state = RUNNABLE;
}

/* A signal from the kernel to the process group with leader pid pgid (the terminal's ^C). */
void signal_pgrp(int pgid, int sig)
{
    for (struct proc *p = proc_table; p < proc_table + nproc; p++)
        if (p->state != UNUSED && p->state != EMBRYO && p->state != ZOMBIE && p->pgid == pgid)
            signal_send(p, sig);
}

/* kill(2) addressing, in the caller's PID namespace: pid > 0 one process, 0 our group,
 * -1 everyone we can see but our PID 1 and us, < -1 a group. Processes outside the
 * namespace do not exist for the caller (ESRCH). */
int signal_kill(int pid, int sig)
{
    if (sig < 0 || sig >= NSIG)
        return -EINVAL;
    struct pidns *ns = current->pidns;
    int found = 0;
    for (struct proc *p = proc_table; p < proc_table + nproc; p++) {
        if (p->state == UNUSED || p->state == EMBRYO || p->state == ZOMBIE || !pidns_contains(ns, p))
            continue;
        int match;
        if (pid > 0)
            match = pid_nr(p, ns) == pid;
        else if (pid == 0)
            match = p->pgid == current->pgid;
        else if (pid == -1)
            match = pid_nr(p, ns) != 1 && p != current;
        else
            match = pgid_nr(p, ns) == -pid;
        if (!match)
            continue;
        found = 1;
        if (sig)
            signal_send(p, sig);
    }
    return found ? 0 : -ESRCH;
}

/* Would a sleep of p be cut short by a signal? */
int signal_interrupted(struct proc *p)
{
    return (p->sig_pending & (~p->sig_blocked | UNBLOCKABLE)) != 0;
}

void signal_reset_on_exec(struct proc *p)
{
    for (int s = 1; s < NSIG; s++) {
        struct k_sigaction *sa = &p->sigact[s];
        if (sa->handler != SIG_IGN) {
            sa->handler = SIG_DFL;
            sa->flags = 0;
            sa->restorer = 0;
            sa->mask[0] = sa->mask[1] = 0;
        }
    }
}

static void push_handler(struct trapframe *tf, int sig)
{
    struct k_sigaction *sa = &current->sigact[sig];
    struct sigframe f;
    memset(&f, 0, sizeof f);
    f.ret = sa->restorer;
    f.sig = sig;
    f.saved = *tf;
    f.saved_blocked = current->sig_blocked;
    uint32_t sp = ((tf->esp - sizeof f) & ~15u) - 4;  /* handler sees (ESP + 4) 16-byte aligned */
    if (!(sa->flags & SA_RESTORER) || copyout(current->pgdir, sp, &f, sizeof f) < 0)
        proc_exit(W_EXITCODE(0, SIGSEGV));
    current->sig_blocked |= sa->mask[0];
    if (!(sa->flags & SA_NODEFER))
        current->sig_blocked |= SIGMASK(sig);
    tf->esp = sp;
    tf->eip = sa->handler;
    tf->eflags &= ~EFLAGS_DF;                 /* a handler starts with DF clear, as on Linux */
    if (sa->flags & SA_RESETHAND)
        memset(sa, 0, sizeof *sa);
}

/* On the way back to user mode: act on the lowest pending, unblocked signal. */
void signal_deliver(struct trapframe *tf)
{
    while (current->sig_pending & (~current->sig_blocked | UNBLOCKABLE)) {
        int sig = 1;
        while (!(current->sig_pending & (~current->sig_blocked | UNBLOCKABLE) & SIGMASK(sig)))
            sig++;
        current->sig_pending &= ~SIGMASK(sig);
        uint32_t h = current->sigact[sig].handler;
        if (sig == SIGKILL || h == SIG_DFL) {
            if (sig == SIGKILL || !default_ignores(sig))
                proc_exit(W_EXITCODE(0, sig));
            continue;
        }
        if (h == SIG_IGN)
            continue;
        push_handler(tf, sig);
        return;                               /* one handler frame per return to user */
    }
}

int sys_rt_sigaction(uint32_t sig, uint32_t act, uint32_t oact, uint32_t size)
{
    if (sig == 0 || sig >= NSIG || size != 8)
        return -EINVAL;
    if (oact && copyout(current->pgdir, oact, &current->sigact[sig], sizeof(struct k_sigaction)) < 0)
        return -EFAULT;
    if (act) {
        struct k_sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        if (copyin(current->pgdir, &sa, act, sizeof sa) < 0)
            return -EFAULT;
        current->sigact[sig] = sa;
        if (sa.handler == SIG_IGN || (sa.handler == SIG_DFL && default_ignores(sig)))
            current->sig_pending &= ~SIGMASK(sig);
    }
    return 0;
}

int sys_rt_sigprocmask(uint32_t how, uint32_t set, uint32_t oset, uint32_t size)
{
    uint32_t mask[2] = { current->sig_blocked, 0 };
    if (size != 8)
        return -EINVAL;
    if (oset && copyout(current->pgdir, oset, mask, 8) < 0)
        return -EFAULT;
    if (set) {
        if (copyin(current->pgdir, mask, set, 8) < 0)
            return -EFAULT;
        if (how == SIG_BLOCK)
            current->sig_blocked |= mask[0];
        else if (how == SIG_UNBLOCK)
            current->sig_blocked &= ~mask[0];
        else if (how == SIG_SETMASK)
            current->sig_blocked = mask[0];
        else
            return -EINVAL;
        current->sig_blocked &= ~UNBLOCKABLE;
    }
    return 0;
}

int sys_rt_sigreturn(void)
{
    struct trapframe *tf = current->tf;
    struct sigframe f;
    if (copyin(current->pgdir, &f, tf->esp - 4, sizeof f) < 0)
        proc_exit(W_EXITCODE(0, SIGSEGV));
    /* Take the saved registers back, but never a kernel selector or privileged EFLAGS bits. */
    uint32_t eflags = (tf->eflags & ~0xDD5u) | (f.saved.eflags & 0xDD5u);  /* CF PF AF ZF SF TF DF OF */
    *tf = f.saved;
    tf->cs = SEL_UCODE;
    tf->ss = tf->ds = tf->es = SEL_UDATA;
    tf->fs = tf->gs = SEL_UDATA;
    tf->eflags = eflags | EFLAGS_IF;
    current->sig_blocked = f.saved_blocked & ~UNBLOCKABLE;
    return (int)tf->eax;
}
