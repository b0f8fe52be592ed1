/* crt0.S — process entry. The kernel leaves ESP at argc, then argv[], 0, envp[], 0, auxv
 * (exec.c); we call __libc_start(argc, argv, envp), which runs main and exits. */
    .text
    .globl _start
_start:
    xorl %ebp, %ebp                 /* end of the frame-pointer chain */
    movl (%esp), %eax               /* argc */
    leal 4(%esp), %ebx              /* argv */
    leal 8(%esp,%eax,4), %ecx       /* envp = argv + argc + 1 */
    andl $-16, %esp
    subl $4, %esp
    pushl %ecx
    pushl %ebx
    pushl %eax
    call __libc_start
    hlt                             /* not reached: #GP in ring 3 if it were */

/* Signal handlers return here (sa_restorer): rt_sigreturn restores the interrupted state. */
    .globl __restore_rt
__restore_rt:
    movl $173, %eax                 /* SYS_rt_sigreturn */
    int $0x80
