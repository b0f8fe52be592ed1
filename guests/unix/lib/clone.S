/* clone.S — clone_vfork(fn, stack_top, flags, arg): clone(2) with CLONE_VM | CLONE_VFORK, the
 * child starting in fn(arg) on its own stack (it must not return through our frames, which it
 * shares with us). Linux i386: EAX = 120, EBX = flags, ECX = new stack; the child sees EAX = 0.
 * The parent gets the child's PID, or -1 with errno set. */
#define SYS_clone 120
#define SYS_exit  1
#define CLONE_VM    0x00000100
#define CLONE_VFORK 0x00004000

    .text
    .globl clone_vfork
clone_vfork:
    pushl %ebx
    movl 12(%esp), %ecx             /* stack_top */
    andl $-16, %ecx
    movl 20(%esp), %eax             /* arg: fn's argument, on the child's stack */
    movl %eax, -16(%ecx)
    movl 8(%esp), %eax              /* fn */
    movl %eax, -20(%ecx)
    subl $20, %ecx                  /* child ESP -> fn, arg */
    movl 16(%esp), %ebx             /* flags */
    orl $(CLONE_VM | CLONE_VFORK), %ebx
    movl $SYS_clone, %eax
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
1:  popl %eax                       /* the child: fn */
    xorl %ebp, %ebp
    call *%eax                      /* fn(arg): arg is at (%esp) */
    movl %eax, %ebx
    movl $SYS_exit, %eax
    int $0x80
    hlt
