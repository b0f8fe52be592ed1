/* x86.h — the unix kernel's protected-mode definitions: selectors, page-table bits, the trap frame. */
#ifndef UNIX_X86_H
#define UNIX_X86_H

#include <stdint.h>
#include "../../common/io.h"

/* GDT (SDM Vol. 3A §3.4.5): selector = index << 3 | RPL */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE (0x18 | 3)
#define SEL_UDATA (0x20 | 3)
#define SEL_TSS   0x28

/* Page-table entry bits (SDM Vol. 3A §4.3, table 4-6) */
#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_U 0x004u
#define PTE_COW 0x200u      /* one of the bits left to software (AVL): copy before a write (vm.c) */
#define PF_ERR_P 0x1u       /* #PF error code (SDM Vol. 3A §4.7): a protection violation (else: not present) */
#define PF_ERR_W 0x2u       /*                                    on a write */
#define PAGE_SIZE 4096u
#define PGROUNDUP(a)   (((a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PGROUNDDOWN(a) ((a) & ~(PAGE_SIZE - 1))
#define PDX(va) (((uint32_t)(va) >> 22) & 0x3FF)
#define PTX(va) (((uint32_t)(va) >> 12) & 0x3FF)
#define PTE_ADDR(e) ((e) & ~0xFFFu)

/* Exceptions (SDM Vol. 3A §6.3.1) and our interrupt vectors */
#define T_DIVIDE  0
#define T_ILLOP   6
#define T_GPFLT  13
#define T_PGFLT  14
#define IRQ_BASE 0x20
#define IRQ_TIMER 0
#define IRQ_KBD   1
#define IRQ_COM1  4
#define IRQ_PVCHAN 5
#define T_SYSCALL 0x80

/* Saved by vectors.S on every trap, lowest address first. */
struct trapframe {
    uint32_t edi, esi, ebp, esp_dummy, ebx, edx, ecx, eax;  /* pusha */
    uint32_t ds, es, fs, gs;
    uint32_t vector, err;
    uint32_t eip, cs, eflags;   /* pushed by the CPU */
    uint32_t esp, ss;           /* pushed by the CPU on entry from ring 3 */
};

/* Bulk copies for pages and file data: REP MOVSD/STOSD move four bytes per iteration
 * (SDM Vol. 2B, MOVS/STOS); common/string.c's byte loops stay for everything small. */
static inline void kcopy(void *dst, const void *src, uint32_t n)
{
    uint32_t words = n / 4, rest = n % 4;
    __asm__ volatile("cld; rep movsl" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(rest) : : "memory");
}

static inline void kzero(void *dst, uint32_t n)
{
    uint32_t words = n / 4, rest = n % 4;
    __asm__ volatile("cld; rep stosl" : "+D"(dst), "+c"(words) : "a"(0) : "memory");
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(rest) : "a"(0) : "memory");
}

/* Callee-saved registers of a kernel thread switched by swtch(); eip is the return address. */
struct context {
    uint32_t edi, esi, ebx, ebp, eip;
};

#endif
