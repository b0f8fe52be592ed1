/* Multiboot v1 header and entry for the benchmark guest (Multiboot Specification 0.6.96 §3.1).
 * The loader enters in 32-bit protected mode, flat segments, paging and interrupts off, with
 * EAX = 0x2BADB002 and EBX = the Multiboot information structure. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000000 /* ELF kernel: no a.out address fields, no requests */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .bss
	.balign 16
stack_bottom:
	.skip 65536
stack_top:

	.text
	.globl _start
_start:
	mov $stack_top, %esp
	push %ebx /* struct multiboot_info * */
	push %eax /* magic */
	call mb_main
1:	cli
	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
