/* entry.S — the popf kernel's timer interrupt handler (IRQ0, vector 0x20): count the tick,
 * acknowledge the 8259A (non-specific EOI), return. */
    .text
    .globl timer_stub
timer_stub:
    pushl %eax
    incl ticks
    movb $0x20, %al
    outb %al, $0x20
    popl %eax
    iret
