/* timer.c — the 8254 PIT channel 0 at HZ interrupts per second: the clock for sleeping
 * and for preempting user processes. */
#include "defs.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ  1193182          /* input clock, 8254 datasheet */

volatile uint32_t ticks;

void timer_init(void)
{
    uint32_t divisor = PIT_HZ / HZ;
    outb(PIT_CMD, 0x34);         /* channel 0, lobyte/hibyte, mode 2 (rate generator), binary */
    outb(PIT_CH0, divisor & 0xFF);
    outb(PIT_CH0, divisor >> 8);
    pic_enable(IRQ_TIMER);
}

/* One tick: charge it to the running process's cgroup, wake sleepers whose deadline passed.
 * Preemption is trap.c's business. */
void timer_intr(void)
{
    ticks++;
    if (current)
        cgroup_tick(current);              /* interrupts reach the kernel only from user mode or idle */
    for (struct proc *p = proc_table; p < proc_table + nproc; p++)
        if (p->state == SLEEPING && p->chan == (void *)&ticks && (int32_t)(ticks - p->wake_tick) >= 0)
            p->state = RUNNABLE;
}
