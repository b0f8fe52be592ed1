/* entry.S — tick's 256 interrupt entry stubs and the common trap path.
 * Every stub leaves the same frame (struct trapframe in x86.h): vectors that do not push an
 * error code push 0 (SDM Vol. 3A §6.13: #DF, #TS, #NP, #SS, #GP, #PF, #AC push one).
 * trap(frame) returns the frame to resume — the current one or another task's: that is the
 * whole context switch. */

    .text
    .globl trap_vectors_start
.macro vector n
    .align 16
vec\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17)
    .else
    pushl $0
    .endif
    pushl $\n
    jmp trap_common
.endm

    .altmacro
    .set i, 0
    .rept 256
    vector %i
    .set i, i + 1
    .endr

trap_common:
    pushl %gs
    pushl %fs
    pushl %es
    pushl %ds
    pushal
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    pushl %esp
    call trap
    movl %eax, %esp                 /* the frame to resume */
    .globl trap_return
trap_return:
    popal
    popl %ds
    popl %es
    popl %fs
    popl %gs
    addl $8, %esp                   /* vector, error code */
    iret

    .section .rodata
    .align 4
    .globl trap_vectors
.macro vecaddr n
    .long vec\n
.endm
trap_vectors:
    .set i, 0
    .rept 256
    vecaddr %i
    .set i, i + 1
    .endr
