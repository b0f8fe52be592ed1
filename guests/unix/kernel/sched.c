/* sched.c — the scheduler: round-robin over RUNNABLE processes, weighted by cgroup, and
 * sleep and wakeup. The next process is the first runnable one after the last choice whose
 * cgroup has used the least weighted CPU (vruntime, charged per tick in cgroup.c: 10000 /
 * cpu.weight); processes of a frozen or throttled cgroup are passed over (cgroup_runnable).
 * With every process in one cgroup this is plain round-robin.
 * The kernel runs with interrupts off and is never preempted, so nothing here needs a lock:
 * a process gives up the CPU only by sleeping, exiting, or being preempted by the timer
 * while in user mode (trap.c calls yield()). The scheduler itself runs on the boot stack. */
#include "defs.h"

static struct context *scheduler_context;
static uint32_t vclock;                /* the largest vruntime chosen so far */

/* A cgroup that slept is not owed the CPU it did not use: at most two ticks behind vclock. */
static uint32_t vruntime_of(struct cgroup *cg)
{
    if ((int32_t)(cg->vruntime - (vclock - 200)) < 0)
        cg->vruntime = vclock - 200;
    return cg->vruntime;
}

void scheduler(void)
{
    int next = 0;
    for (;;) {
        struct proc *run = 0, *end = proc_table + nproc;
        struct proc *p = proc_table + (next < nproc ? next : 0);
        uint32_t best = 0;
        for (int i = 0; i < nproc; i++, p++) {
            if (p == end)                     /* round the table from after the last choice */
                p = proc_table;
            if (p->state != RUNNABLE || !cgroup_runnable(p))
                continue;
            uint32_t v = vruntime_of(p->cgroup);
            if (!run || (int32_t)(v - best) < 0)
                run = p, best = v;
        }
        if (run) {
            next = (int)(run - proc_table) + 1;
            if ((int32_t)(best - vclock) > 0)
                vclock = best;
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
    for (struct proc *p = proc_table; p < proc_table + nproc; p++)
        if (p->state == SLEEPING && p->chan == chan)
            p->state = RUNNABLE;
}
