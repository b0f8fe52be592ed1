/* x86.h — tick's view of the protected-mode machinery: segment selectors, descriptors, the trap frame. */
#ifndef TICK_X86_H
#define TICK_X86_H

#include <stdint.h>

/* GDT layout (SDM Vol. 3A §3.4.5): selector = index << 3 | RPL */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE (0x18 | 3)
#define SEL_UDATA (0x20 | 3)
#define SEL_TSS   0x28

/* Page table entry bits, SDM Vol. 3A §4.3 table 4-6 */
#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_U 0x004u

/* 8259A PIC remapped to vectors 0x20-0x2F */
#define IRQ_BASE 0x20
#define T_SYSCALL 0x80

/* Saved by entry.S on every trap, lowest address first. */
struct trapframe {
    uint32_t edi, esi, ebp, esp_dummy, ebx, edx, ecx, eax;  /* pusha */
    uint32_t ds, es, fs, gs;
    uint32_t vector, err;
    uint32_t eip, cs, eflags;   /* pushed by the CPU */
    uint32_t esp, ss;           /* pushed by the CPU on a privilege change only */
};

void desc_init(void);                 /* GDT, TSS, IDT loaded */
void tss_set_esp0(uint32_t esp0);
void pic_init(void);                  /* remap, mask all but IRQ0 */
void pic_eoi(int irq);
void pit_init(uint32_t hz);           /* channel 0, mode 2 */

#endif
