/* swtch.S — switch kernel threads: swtch(struct context **from, struct context *to).
 * Saves the callee-saved registers on the current stack, stores that stack pointer in *from,
 * loads `to` as the stack pointer and restores its registers (struct context in x86.h). */
    .text
    .globl swtch
swtch:
    movl 4(%esp), %eax
    movl 8(%esp), %edx
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, (%eax)
    movl %edx, %esp
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret
