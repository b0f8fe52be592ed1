/* pic.c — the two 8259A interrupt controllers, remapped to vectors 0x20-0x2F
 * (8259A datasheet: ICW1-ICW4 initialization, OCW1 mask, OCW2 EOI). */
#include "defs.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

static uint16_t mask = 0xFFFF & ~(1 << 2);   /* everything masked except the cascade */

static void pic_write_mask(void)
{
    outb(PIC1_DATA, mask & 0xFF);
    outb(PIC2_DATA, mask >> 8);
}

void pic_init(void)
{
    outb(PIC1_CMD, 0x11);        /* ICW1: edge triggered, cascade, ICW4 needed */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, IRQ_BASE);   /* ICW2: vector offsets */
    outb(PIC2_DATA, IRQ_BASE + 8);
    outb(PIC1_DATA, 0x04);       /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);       /* ICW4: 8086 mode, normal EOI */
    outb(PIC2_DATA, 0x01);
    pic_write_mask();
}

void pic_enable(int irq)
{
    mask &= ~(1 << irq);
    pic_write_mask();
}

void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, 0x20);
    outb(PIC1_CMD, 0x20);        /* OCW2: non-specific EOI */
}
