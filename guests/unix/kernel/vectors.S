/* vectors.S — the 256 interrupt entry stubs, the common trap path and trapret.
 * Each stub leaves a struct trapframe (x86.h): vectors without a CPU error code push 0
 * (SDM Vol. 3A §6.13: #DF, #TS, #NP, #SS, #GP, #PF and #AC push one). */

    .text
.macro vector n
    .align 16
vec\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17)
    .else
    pushl $0
    .endif
    pushl $\n
    jmp alltraps
.endm

    .altmacro
    .set i, 0
    .rept 256
    vector %i
    .set i, i + 1
    .endr

alltraps:
    pushl %gs
    pushl %fs
    pushl %es
    pushl %ds
    pushal
    cld                             /* the C code assumes DF = 0 (i386 ABI); the interrupted code may not */
    movw $0x10, %ax                 /* SEL_KDATA */
    movw %ax, %ds
    movw %ax, %es
    pushl %esp                      /* trap(struct trapframe *) */
    call trap
    addl $4, %esp

/* A new process's kernel stack is built to "return" here too (proc.c). */
    .globl trapret
trapret:
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
