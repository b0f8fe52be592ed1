/* Linux i386 process entry for the native build of the benchmark: calls native_main(argc, argv)
 * and exits with its return value (System V i386 ABI: at entry (%esp) = argc, 4(%esp) = argv[0]). */
	.text
	.globl _start
_start:
	xor %ebp, %ebp
	mov (%esp), %ecx   /* argc */
	lea 4(%esp), %edx  /* argv */
	and $-16, %esp     /* 16-byte aligned at the call */
	sub $8, %esp
	push %edx
	push %ecx
	call native_main
	mov %eax, %ebx
	mov $1, %eax       /* __NR_exit (i386) */
	int $0x80

	.section .note.GNU-stack, "", @progbits
