/* syscall.c — int 0x80 dispatch, Linux i386 convention: EAX = number, arguments in
 * EBX, ECX, EDX, ESI, EDI; the result (or -errno) goes back in EAX. */
#include "defs.h"

typedef int (*syscall_fn)(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
/* cdecl lets a caller pass more arguments than the callee reads. */
#define S(fn) ((syscall_fn)(void (*)(void))(fn))

static int sys_gettid(void) { return pid_nr(current, current->pidns); }

static const syscall_fn syscalls[] = {
    [SYS_exit]           = S(sys_exit),
    [SYS_exit_group]     = S(sys_exit),
    [SYS_fork]           = S(sys_fork),
    [SYS_read]           = S(sys_read),
    [SYS_write]          = S(sys_write),
    [SYS_open]           = S(sys_open),
    [SYS_close]          = S(sys_close),
    [SYS_waitpid]        = S(sys_waitpid),
    [SYS_wait4]          = S(sys_wait4),
    [SYS_unlink]         = S(sys_unlink),
    [SYS_execve]         = S(sys_execve),
    [SYS_chdir]          = S(sys_chdir),
    [SYS_chroot]         = S(sys_chroot),
    [SYS_time]           = S(sys_time),
    [SYS_lseek]          = S(sys_lseek),
    [SYS_getpid]         = S(sys_getpid),
    [SYS_gettid]         = S(sys_gettid),
    [SYS_pause]          = S(sys_pause),
    [SYS_kill]           = S(sys_kill),
    [SYS_mkdir]          = S(sys_mkdir),
    [SYS_rmdir]          = S(sys_rmdir),
    [SYS_dup]            = S(sys_dup),
    [SYS_dup2]           = S(sys_dup2),
    [SYS_pipe]           = S(sys_pipe),
    [SYS_brk]            = S(sys_brk),
    [SYS_ioctl]          = S(sys_ioctl),
    [SYS_setpgid]        = S(sys_setpgid),
    [SYS_getpgid]        = S(sys_getpgid),
    [SYS_getpgrp]        = S(sys_getpgrp),
    [SYS_getppid]        = S(sys_getppid),
    [SYS_sethostname]    = S(sys_sethostname),
    [SYS_uname]          = S(sys_uname),
    [SYS_reboot]         = S(sys_reboot),
    [SYS_nanosleep]      = S(sys_nanosleep),
    [SYS_clock_gettime]  = S(sys_clock_gettime),
    [SYS_rt_sigaction]   = S(sys_rt_sigaction),
    [SYS_rt_sigprocmask] = S(sys_rt_sigprocmask),
    [SYS_rt_sigreturn]   = S(sys_rt_sigreturn),
    [SYS_sigreturn]      = S(sys_rt_sigreturn),
    [SYS_getcwd]         = S(sys_getcwd),
    [SYS_stat64]         = S(sys_stat64),
    [SYS_lstat64]        = S(sys_lstat64),
    [SYS_clone]          = S(sys_clone),
    [SYS_unshare]        = S(sys_unshare),
    [SYS_setns]          = S(sys_setns),
    [SYS_mount]          = S(sys_mount),
    [SYS_umount]         = S(sys_umount),
    [SYS_umount2]        = S(sys_umount2),
    [SYS_pivot_root]     = S(sys_pivot_root),
    [SYS_fchdir]         = S(sys_fchdir),
    [SYS_mknod]          = S(sys_mknod),
    [SYS_symlink]        = S(sys_symlink),
    [SYS_readlink]       = S(sys_readlink),
    [SYS_msgget]         = S(sys_msgget),
    [SYS_msgsnd]         = S(sys_msgsnd),
    [SYS_msgrcv]         = S(sys_msgrcv),
    [SYS_msgctl]         = S(sys_msgctl),
    [SYS_fstat64]        = S(sys_fstat64),
    [SYS_getdents64]     = S(sys_getdents64),
    [SYS_openat]         = S(sys_openat),
    [SYS_mkdirat]        = S(sys_mkdirat),
    [SYS_mknodat]        = S(sys_mknodat),
    [SYS_clone3]         = S(sys_clone3),
    [SYS_close_range]    = S(sys_close_range),
};

void syscall(struct trapframe *tf)
{
    uint32_t nr = tf->eax;
    current->tf = tf;
    if (nr < sizeof syscalls / sizeof syscalls[0] && syscalls[nr])
        tf->eax = (uint32_t)syscalls[nr](tf->ebx, tf->ecx, tf->edx, tf->esi, tf->edi);
    else
        tf->eax = (uint32_t)-ENOSYS;
}
