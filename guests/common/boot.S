/* boot.S — Multiboot v1 header and entry shared by every guest kernel.
 * The loader enters here in 32-bit protected mode, paging off, EAX = 0x2BADB002,
 * EBX = physical address of the Multiboot info (Multiboot Specification 0.6.96 §3.2).
 * We set up a stack and call kmain(magic, info); kmain must not return. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003           /* bit 0: page-align modules; bit 1: memory info */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .bss
    .align 16
boot_stack:
    .space 16384
boot_stack_top:

    .text
    .globl _start
_start:
    cli
    movl $boot_stack_top, %esp
    pushl $0                          /* clear EFLAGS (IF, DF, ...) */
    popfl
    pushl %ebx
    pushl %eax
    call kmain
1:  cli
    hlt
    jmp 1b
