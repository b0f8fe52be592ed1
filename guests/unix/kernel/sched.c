/* sched.c — the scheduler: round-robin over RUNNABLE processes, sleep and wakeup.
 * The kernel runs with interrupts off and is never preempted, so nothing here needs a lock:
 * a process gives up the CPU only by sleeping, exiting, or being preempted by the timer
 * while in user mode (trap.c calls yield()). The scheduler itself runs on the boot stack. */
#include "defs.h"

static struct context *scheduler_context;

void scheduler(void)
{
    int next = 0;
    for (;;) {
        struct proc *run = 0;
        for (int i = 0; i < NPROC; i++) {
            struct proc *p = &proc_table[(next + i) % NPROC];
            if (p->state == RUNNABLE) {
                run = p;
                next = (int)(p - proc_table) + 1;
                break;
            }
        }
        if (!run) {
            sti();                 /* idle until an interrupt makes someone runnable */
            hlt();
            cli();
            continue;
        }
        current = run;
        run->state = RUNNING;
        vm_switch(run);
        swtch(&scheduler_context, run->context);
        vm_switch_kernel();
        current = 0;
    }
}

/* Give the CPU back to the scheduler; current->state is already set. */
void sched(void)
{
    if (current->state == RUNNING)
        panic("sched: still running");
    swtch(&current->context, scheduler_context);
}

void yield(void)
{
    current->state = RUNNABLE;
    sched();
}

/* Sleep until wakeup(chan) or a signal; callers re-check their condition in a loop. */
void sleep_on(void *chan)
{
    current->chan = chan;
    current->state = SLEEPING;
    sched();
    current->chan = 0;
}

void wakeup(void *chan)
{
    for (struct proc *p = proc_table; p < proc_table + NPROC; p++)
        if (p->state == SLEEPING && p->chan == chan)
            p->state = RUNNABLE;
}
