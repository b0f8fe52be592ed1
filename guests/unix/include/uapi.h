/* uapi.h — the Linux i386 user ABI subset the unix kernel implements: system call numbers,
 * errno values, flags and struct layouts, shared by the kernel and the libc.
 * Numbers and layouts follow Linux's arch/x86 i386 ABI (syscall_32.tbl, asm-generic/errno*.h). */
#ifndef UNIX_UAPI_H
#define UNIX_UAPI_H

#include <stdint.h>

/* ---- system call numbers (int 0x80: EAX = number, EBX, ECX, EDX, ESI, EDI = arguments) ---- */
#define SYS_exit            1
#define SYS_fork            2
#define SYS_read            3
#define SYS_write           4
#define SYS_open            5
#define SYS_close           6
#define SYS_waitpid         7
#define SYS_unlink         10
#define SYS_execve         11
#define SYS_chdir          12
#define SYS_time           13
#define SYS_mknod          14
#define SYS_lseek          19
#define SYS_getpid         20
#define SYS_mount          21
#define SYS_umount         22
#define SYS_pause          29
#define SYS_kill           37
#define SYS_mkdir          39
#define SYS_rmdir          40
#define SYS_dup            41
#define SYS_pipe           42
#define SYS_brk            45
#define SYS_umount2        52
#define SYS_ioctl          54
#define SYS_setpgid        57
#define SYS_dup2           63
#define SYS_getppid        64
#define SYS_getpgrp        65
#define SYS_chroot         61
#define SYS_sethostname    74
#define SYS_symlink        83
#define SYS_readlink       85
#define SYS_reboot         88
#define SYS_wait4         114
#define SYS_sigreturn     119
#define SYS_clone         120
#define SYS_uname         122
#define SYS_getpgid       132
#define SYS_fchdir        133
#define SYS_nanosleep     162
#define SYS_rt_sigreturn  173
#define SYS_rt_sigaction  174
#define SYS_rt_sigprocmask 175
#define SYS_getcwd        183
#define SYS_stat64        195
#define SYS_lstat64       196
#define SYS_fstat64       197
#define SYS_pivot_root    217
#define SYS_getdents64    220
#define SYS_gettid        224
#define SYS_exit_group    252
#define SYS_clock_gettime 265
#define SYS_unshare       310
#define SYS_setns         346
#define SYS_openat        295
#define SYS_mkdirat       296
#define SYS_mknodat       297
#define SYS_clone3        435
#define SYS_close_range   436
#define SYS_msgget        399
#define SYS_msgsnd        400
#define SYS_msgrcv        401
#define SYS_msgctl        402

/* ---- errno ---- */
#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define ENXIO    6
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define EXDEV   18
#define ENODEV  19
#define ENOTDIR 20
#define EISDIR  21
#define EINVAL  22
#define ENFILE  23
#define EMFILE  24
#define ENOTTY  25
#define EFBIG   27
#define ENOSPC  28
#define ESPIPE  29
#define EROFS   30
#define EPIPE   32
#define ERANGE  34
#define ENAMETOOLONG 36
#define ENOSYS  38
#define ENOTEMPTY 39
#define ELOOP   40
#define ENOMSG  42
#define EIDRM   43

/* ---- open(2) flags (octal, as in asm-generic/fcntl.h) ---- */
#define O_RDONLY    0
#define O_WRONLY    01
#define O_RDWR      02
#define O_ACCMODE   03
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NOCTTY    0400
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_NONBLOCK  04000
#define O_DIRECTORY 0200000
#define O_CLOEXEC   02000000
#define AT_FDCWD    (-100)      /* the *at calls: relative to the working directory */

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* ---- file modes ---- */
#define S_IFMT   0170000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFREG  0100000
#define S_IFIFO  0010000
#define S_IFLNK  0120000
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)

/* struct stat64 for stat64/lstat64/fstat64 on i386: 96 bytes (long long is 4-byte aligned here). */
struct stat64 {
    uint64_t st_dev;
    uint32_t __pad0;
    uint32_t __st_ino;
    uint32_t st_mode;
    uint32_t st_nlink;
    uint32_t st_uid;
    uint32_t st_gid;
    uint64_t st_rdev;
    uint32_t __pad3;
    int64_t st_size;
    uint32_t st_blksize;
    uint64_t st_blocks;
    uint32_t st_atime_, st_atime_nsec;
    uint32_t st_mtime_, st_mtime_nsec;
    uint32_t st_ctime_, st_ctime_nsec;
    uint64_t st_ino;
};

/* getdents64 record; d_reclen rounds the record up to 8 bytes. */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};
#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

/* uname(2): struct new_utsname, six 65-byte strings */
#define UTS_LEN 65
struct utsname {
    char sysname[UTS_LEN];
    char nodename[UTS_LEN];
    char release[UTS_LEN];
    char version[UTS_LEN];
    char machine[UTS_LEN];
    char domainname[UTS_LEN];
};

struct timespec {
    int32_t tv_sec;
    int32_t tv_nsec;
};

/* ---- wait ---- */
#define WNOHANG 1
/* status word: exit code in bits 8-15, or the terminating signal in bits 0-6 */
#define W_EXITCODE(code, sig) (((code) & 0xFF) << 8 | ((sig) & 0x7F))
#define WIFEXITED(s)   (((s) & 0x7F) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xFF)
#define WIFSIGNALED(s) (((s) & 0x7F) != 0)
#define WTERMSIG(s)    ((s) & 0x7F)

/* ---- signals ---- */
#define SIGHUP   1
#define SIGINT   2
#define SIGQUIT  3
#define SIGILL   4
#define SIGTRAP  5
#define SIGABRT  6
#define SIGBUS   7
#define SIGFPE   8
#define SIGKILL  9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define NSIG    32

/* In a sigset_t (and the kernel's pending/blocked words) signal n is bit n - 1. */
#define SIGMASK(sig) (1u << ((sig) - 1))

#define SIG_DFL ((uint32_t)0)
#define SIG_IGN ((uint32_t)1)

#define SA_RESTORER  0x04000000u
#define SA_RESTART   0x10000000u
#define SA_NODEFER   0x40000000u
#define SA_RESETHAND 0x80000000u

/* rt_sigaction(2) kernel struct on i386; the mask is 64 bits (sigsetsize 8) */
struct k_sigaction {
    uint32_t handler;
    uint32_t flags;
    uint32_t restorer;
    uint32_t mask[2];
};

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

/* ---- ioctl on the console (asm-generic/ioctls.h) ---- */
#define TCGETS     0x5401
#define TIOCGPGRP  0x540F
#define TIOCSPGRP  0x5410
#define TIOCGWINSZ 0x5413
struct winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* ---- reboot(2) ---- */
#define LINUX_REBOOT_MAGIC1 0xfee1deadu
#define LINUX_REBOOT_MAGIC2 672274793u
#define LINUX_REBOOT_CMD_RESTART   0x01234567u
#define LINUX_REBOOT_CMD_HALT      0xCDEF0123u
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321FEDCu

#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1

/* ---- clone(2) and unshare(2) flags (linux/sched.h); the low byte of clone's flags is the
 * signal sent to the parent when the child exits ---- */
#define CSIGNAL         0x000000FFu
#define CLONE_VM        0x00000100u
#define CLONE_FS        0x00000200u
#define CLONE_FILES     0x00000400u
#define CLONE_SIGHAND   0x00000800u
#define CLONE_VFORK     0x00004000u
#define CLONE_THREAD    0x00010000u
#define CLONE_NEWNS     0x00020000u
#define CLONE_NEWCGROUP 0x02000000u
#define CLONE_NEWUTS    0x04000000u
#define CLONE_NEWIPC    0x08000000u
#define CLONE_NEWUSER   0x10000000u
#define CLONE_NEWPID    0x20000000u
#define CLONE_NEWNET    0x40000000u

/* clone3(2)'s argument (linux/sched.h): all fields 64-bit; CLONE_INTO_CGROUP is a flag above bit 31 */
struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define CLONE_INTO_CGROUP     0x200000000ull
#define CLONE_ARGS_SIZE_VER0  64
#define CLONE_ARGS_SIZE_VER2  88   /* with `cgroup` */

/* ---- mount(2) and umount2(2) (linux/mount.h) ---- */
#define MS_RDONLY   1u
#define MS_BIND     4096u
#define MS_REC      16384u
#define MNT_FORCE   1u
#define MNT_DETACH  2u

/* mknod(2) on i386 takes the old 16-bit dev_t: major << 8 | minor */
#define MKDEV(major, minor) ((uint32_t)(major) << 8 | (uint32_t)(minor))

/* ---- System V IPC (linux/ipc.h) ---- */
#define IPC_PRIVATE 0
#define IPC_CREAT   01000
#define IPC_EXCL    02000
#define IPC_NOWAIT  04000
#define IPC_RMID    0

/* Process memory layout (i386, like Linux for static binaries) */
#define USER_BASE 0x08000000u     /* below: the kernel's direct map of physical memory */
#define USER_TOP  0xC0000000u     /* the stack grows down from here */

#endif
