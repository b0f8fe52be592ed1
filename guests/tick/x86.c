/* x86.c — tick's descriptor tables (GDT with a TSS, IDT) and its two interrupt controllers:
 * the 8259A PIC pair and the 8254 PIT. */
#include "../common/common.h"
#include "../common/io.h"
#include "x86.h"

struct tss {                          /* SDM Vol. 3A §7.2.1, figure 7-2 */
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));

static uint64_t gdt[6];
static uint64_t idt[256];
static struct tss tss;

/* Segment descriptor, SDM Vol. 3A §3.4.5 figure 3-8. access = P|DPL|S|type, flags = G|D/B. */
static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (uint64_t)(limit & 0xFFFF) | (uint64_t)(base & 0xFFFFFF) << 16 | (uint64_t)access << 40 |
           (uint64_t)((limit >> 16) & 0xF) << 48 | (uint64_t)(flags & 0xF) << 52 |
           (uint64_t)(base >> 24) << 56;
}

/* Interrupt gate (type 0xE), SDM Vol. 3A §6.11 figure 6-2. */
static uint64_t gate_desc(uint32_t handler, uint8_t dpl)
{
    return (uint64_t)(handler & 0xFFFF) | (uint64_t)SEL_KCODE << 16 |
           (uint64_t)(0x80 | dpl << 5 | 0x0E) << 40 | (uint64_t)(handler >> 16) << 48;
}

extern uint32_t trap_vectors[256];    /* entry.S */

void desc_init(void)
{
    gdt[0] = 0;
    gdt[1] = seg_desc(0, 0xFFFFF, 0x9A, 0xC);  /* ring 0 code */
    gdt[2] = seg_desc(0, 0xFFFFF, 0x92, 0xC);  /* ring 0 data */
    gdt[3] = seg_desc(0, 0xFFFFF, 0xFA, 0xC);  /* ring 3 code */
    gdt[4] = seg_desc(0, 0xFFFFF, 0xF2, 0xC);  /* ring 3 data */
    gdt[5] = seg_desc((uint32_t)&tss, sizeof tss - 1, 0x89, 0x0); /* available 32-bit TSS */
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = { sizeof gdt - 1, (uint32_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%fs\n\tmovw %%ax, %%gs\n\tmovw %%ax, %%ss"
                     : : "m"(gdtr), "i"(SEL_KCODE), "r"(SEL_KDATA) : "eax", "memory");

    tss.ss0 = SEL_KDATA;
    tss.iomap_base = sizeof tss;               /* no I/O bitmap: ring 3 port I/O faults */
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));

    for (int v = 0; v < 256; v++)
        idt[v] = gate_desc(trap_vectors[v], v == T_SYSCALL ? 3 : 0);
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr = { sizeof idt - 1, (uint32_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void tss_set_esp0(uint32_t esp0)
{
    tss.esp0 = esp0;
}

/* 8259A: ICW1-ICW4 (8259A datasheet, "Initialization command words"). */
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

void pic_init(void)
{
    outb(PIC1_CMD, 0x11);        /* ICW1: edge, cascade, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, IRQ_BASE);   /* ICW2: vector base */
    outb(PIC2_DATA, IRQ_BASE + 8);
    outb(PIC1_DATA, 0x04);       /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);       /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xFE);       /* OCW1: only IRQ0 (PIT) */
    outb(PIC2_DATA, 0xFF);
}

void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, 0x20);
    outb(PIC1_CMD, 0x20);        /* OCW2: non-specific EOI */
}

/* 8254: input clock 1.193182 MHz; control word 0x34 = channel 0, lobyte/hibyte, mode 2 (rate generator). */
void pit_init(uint32_t hz)
{
    uint32_t divisor = 1193182 / hz;
    outb(0x43, 0x34);
    outb(0x40, divisor & 0xFF);
    outb(0x40, divisor >> 8);
}
