/* desc.c — the descriptor tables: GDT with flat ring-0/ring-3 segments and the TSS, and the IDT.
 * Every IDT entry is an interrupt gate, so the kernel always runs with interrupts off; only
 * int 0x80 is callable from ring 3 (DPL 3). */
#include "defs.h"

struct tss {                          /* SDM Vol. 3A §7.2.1, figure 7-2 */
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));

static uint64_t gdt[6];
static uint64_t idt[256];
static struct tss tss;
extern uint32_t trap_vectors[256];

/* Segment descriptor (SDM Vol. 3A §3.4.5, figure 3-8): access = P|DPL|S|type, flags = G|D/B. */
static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (uint64_t)(limit & 0xFFFF) | (uint64_t)(base & 0xFFFFFF) << 16 | (uint64_t)access << 40 |
           (uint64_t)((limit >> 16) & 0xF) << 48 | (uint64_t)(flags & 0xF) << 52 |
           (uint64_t)(base >> 24) << 56;
}

/* 32-bit interrupt gate (SDM Vol. 3A §6.11, figure 6-2). */
static uint64_t gate_desc(uint32_t handler, int dpl)
{
    return (uint64_t)(handler & 0xFFFF) | (uint64_t)SEL_KCODE << 16 |
           (uint64_t)(0x80 | dpl << 5 | 0x0E) << 40 | (uint64_t)(handler >> 16) << 48;
}

void desc_init(void)
{
    gdt[1] = seg_desc(0, 0xFFFFF, 0x9A, 0xC);   /* kernel code */
    gdt[2] = seg_desc(0, 0xFFFFF, 0x92, 0xC);   /* kernel data */
    gdt[3] = seg_desc(0, 0xFFFFF, 0xFA, 0xC);   /* user code */
    gdt[4] = seg_desc(0, 0xFFFFF, 0xF2, 0xC);   /* user data */
    gdt[5] = seg_desc((uint32_t)&tss, sizeof tss - 1, 0x89, 0x0);
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = { sizeof gdt - 1, (uint32_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%ss\n\t"
                     "xorw %%ax, %%ax\n\tmovw %%ax, %%fs\n\tmovw %%ax, %%gs"
                     : : "m"(gdtr), "i"(SEL_KCODE), "r"(SEL_KDATA) : "eax", "memory");
    tss.ss0 = SEL_KDATA;
    tss.iomap_base = sizeof tss;                /* no I/O bitmap: ring 3 cannot touch ports */
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
