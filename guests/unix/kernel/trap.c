/* trap.c — every interrupt, exception and system call enters the kernel here (from vectors.S).
 * On the way back to user mode a timer interrupt preempts the process and pending signals act. */
#include "defs.h"

/* The signal an exception in user mode raises (as Linux does). */
static int fault_signal(uint32_t vector)
{
    switch (vector) {
    case 0:  return SIGFPE;    /* #DE */
    case 1:
    case 3:  return SIGTRAP;   /* #DB, #BP */
    case 6:  return SIGILL;    /* #UD */
    case 7:  return SIGFPE;    /* #NM: no FPU on this machine */
    case 16: return SIGFPE;
    case 17: return SIGBUS;    /* #AC */
    default: return SIGSEGV;   /* #GP, #PF, #SS, ... */
    }
}

void trap(struct trapframe *tf)
{
    int from_user = (tf->cs & 3) == 3;

    if (tf->vector == T_SYSCALL) {
        syscall(tf);
    } else if (tf->vector >= IRQ_BASE && tf->vector < IRQ_BASE + 16) {
        int irq = tf->vector - IRQ_BASE;
        if (irq == IRQ_TIMER)
            timer_intr();
        else if (irq == IRQ_KBD)
            kbd_intr();
        else if (irq == IRQ_COM1)
            console_intr();
        else if (irq == IRQ_PVCHAN)
            pvchan_intr();
        if (irq != 7 && irq != 15)          /* spurious IRQs get no EOI (8259A datasheet) */
            pic_eoi(irq);
    } else if (from_user && tf->vector == T_PGFLT && uvm_user_fault(current->pgdir, read_cr2(), tf->err) == 0) {
        /* a first write to a copy-on-write page, or the stack grew into a page not mapped yet */
    } else if (from_user) {
        int sig = fault_signal(tf->vector);
        struct k_sigaction *sa = &current->sigact[sig];
        if (sa->handler == SIG_IGN || (current->sig_blocked & SIGMASK(sig)))
            sa->handler = SIG_DFL;           /* a fault cannot be ignored */
        current->sig_blocked &= ~SIGMASK(sig);
        signal_send(current, sig);
        if (sa->handler == SIG_DFL)
            kprintf("%s[%d]: %s at eip %x (cr2 %x)\n", current->name, pid_nr(current, current->pidns),
                    sig == SIGSEGV ? "segfault" : "fault", tf->eip, read_cr2());
    } else {
        panic("trap %d (error %x) in the kernel at eip %x, cr2 %x", tf->vector, tf->err, tf->eip, read_cr2());
    }

    if (from_user && current) {
        if (tf->vector == IRQ_BASE + IRQ_TIMER)
            yield();
        if (cgroup_any_frozen() || current->parked)
            cgroup_check_freeze();
        if (current->sig_pending)
            signal_deliver(tf);
    }
}
