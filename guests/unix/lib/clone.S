/* clone.S — clone3_call(args, size, fn, arg): clone3(2) whose child starts in fn(arg) on the
 * stack args describes (its top: stack + stack_size, low 32 bits) — the child must not return
 * through our frames, which it may share (CLONE_VM). fn's return value is the child's exit
 * status. Linux i386: EAX = 435, EBX = args, ECX = size; the child sees EAX = 0 and ESP at the
 * top of its stack. The parent gets the child's PID, or -1 with errno set. */
#define SYS_clone3 435
#define SYS_exit   1
#define ARGS_STACK      40          /* offsetof(struct clone_args, stack) */
#define ARGS_STACK_SIZE 48

    .text
    .globl clone3_call
clone3_call:
    pushl %ebx
    movl 8(%esp), %ebx              /* args */
    movl ARGS_STACK(%ebx), %ecx
    addl ARGS_STACK_SIZE(%ebx), %ecx
    andl $-16, %ecx                 /* where the child will find fn and arg: */
    movl 20(%esp), %eax
    movl %eax, -16(%ecx)            /*   arg */
    movl 16(%esp), %eax
    movl %eax, -20(%ecx)            /*   fn */
    movl 12(%esp), %ecx             /* size */
    movl $SYS_clone3, %eax
    int $0x80
    testl %eax, %eax
    jz 1f
    popl %ebx
    cmpl $-4096, %eax
    jbe 2f
    negl %eax
    movl %eax, errno
    movl $-1, %eax
2:  ret
1:  andl $-16, %esp                 /* the child */
    subl $20, %esp
    popl %eax                       /* fn; arg is now at (%esp) */
    xorl %ebp, %ebp
    call *%eax
    movl %eax, %ebx
    movl $SYS_exit, %eax
    int $0x80
    hlt
