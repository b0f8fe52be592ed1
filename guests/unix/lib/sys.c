/* sys.c — system call wrappers: int 0x80 with EAX = number, EBX.. = arguments; a result in
 * [-4095, -1] is -errno (the Linux i386 convention). Also process start and exit. */
#include "libc.h"

int errno;
char **environ;

static int syscall5(int nr, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
    int r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
    return r;
}

static int check(int r)
{
    if (r < 0 && r > -4096) {
        errno = -r;
        return -1;
    }
    return r;
}

#define SYS0(nr) check(syscall5(nr, 0, 0, 0, 0, 0))
#define SYS1(nr, a) check(syscall5(nr, (uint32_t)(a), 0, 0, 0, 0))
#define SYS2(nr, a, b) check(syscall5(nr, (uint32_t)(a), (uint32_t)(b), 0, 0, 0))
#define SYS3(nr, a, b, c) check(syscall5(nr, (uint32_t)(a), (uint32_t)(b), (uint32_t)(c), 0, 0))
#define SYS4(nr, a, b, c, d) check(syscall5(nr, (uint32_t)(a), (uint32_t)(b), (uint32_t)(c), (uint32_t)(d), 0))

int main(int argc, char **argv, char **envp);

void __libc_start(int argc, char **argv, char **envp)
{
    environ = envp;
    exit(main(argc, argv, envp));
}

void _exit(int status)
{
    for (;;)
        syscall5(SYS_exit_group, (uint32_t)status, 0, 0, 0, 0);
}

void exit(int status)
{
    _exit(status);
}

pid_t fork(void) { return SYS0(SYS_fork); }
int execve(const char *path, char *const argv[], char *const envp[]) { return SYS3(SYS_execve, path, argv, envp); }
pid_t waitpid(pid_t pid, int *status, int options) { return SYS4(SYS_wait4, pid, status, options, 0); }
pid_t wait(int *status) { return waitpid(-1, status, 0); }
int kill(pid_t pid, int sig) { return SYS2(SYS_kill, pid, sig); }
int pause(void) { return SYS0(SYS_pause); }
pid_t getpid(void) { return SYS0(SYS_getpid); }
pid_t getppid(void) { return SYS0(SYS_getppid); }
int setpgid(pid_t pid, pid_t pgid) { return SYS2(SYS_setpgid, pid, pgid); }
pid_t getpgrp(void) { return SYS0(SYS_getpgrp); }
ssize_t read(int fd, void *buf, size_t n) { return SYS3(SYS_read, fd, buf, n); }
ssize_t write(int fd, const void *buf, size_t n) { return SYS3(SYS_write, fd, buf, n); }
int close(int fd) { return SYS1(SYS_close, fd); }
int close_range(unsigned first, unsigned last, unsigned flags) { return SYS3(SYS_close_range, first, last, flags); }
int mkdirat(int dirfd, const char *path, int mode) { return SYS3(SYS_mkdirat, dirfd, path, mode); }
int mknodat(int dirfd, const char *path, unsigned mode, unsigned dev) { return SYS4(SYS_mknodat, dirfd, path, mode, dev); }

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
    va_end(ap);
    return SYS4(SYS_openat, dirfd, path, flags, mode);
}

pid_t clone_vfork(int (*fn)(void *), void *stack, size_t size, unsigned flags, int cgroup_fd, void *arg)
{
    struct clone_args a;
    memset(&a, 0, sizeof a);
    a.flags = (flags & ~CSIGNAL) | CLONE_VM | CLONE_VFORK;
    a.exit_signal = flags & CSIGNAL;
    a.stack = (uint32_t)stack;
    a.stack_size = size;
    if (cgroup_fd >= 0) {
        a.flags |= CLONE_INTO_CGROUP;
        a.cgroup = (uint32_t)cgroup_fd;
    }
    return clone3_call(&a, sizeof a, fn, arg);
}
int lseek(int fd, int off, int whence) { return SYS3(SYS_lseek, fd, off, whence); }
int dup(int fd) { return SYS1(SYS_dup, fd); }
int dup2(int fd, int fd2) { return SYS2(SYS_dup2, fd, fd2); }
int pipe(int fds[2]) { return SYS1(SYS_pipe, fds); }
int mkdir(const char *path, int mode) { return SYS2(SYS_mkdir, path, mode); }
int rmdir(const char *path) { return SYS1(SYS_rmdir, path); }
int unlink(const char *path) { return SYS1(SYS_unlink, path); }
int chdir(const char *path) { return SYS1(SYS_chdir, path); }
int chroot(const char *path) { return SYS1(SYS_chroot, path); }
int stat(const char *path, struct stat64 *st) { return SYS2(SYS_stat64, path, st); }
int fstat(int fd, struct stat64 *st) { return SYS2(SYS_fstat64, fd, st); }
int getdents64(int fd, void *buf, size_t n) { return SYS3(SYS_getdents64, fd, buf, n); }
int ioctl(int fd, unsigned long cmd, void *arg) { return SYS3(SYS_ioctl, fd, cmd, arg); }
int uname(struct utsname *u) { return SYS1(SYS_uname, u); }
int sethostname(const char *name, size_t len) { return SYS2(SYS_sethostname, name, len); }
int nanosleep(const struct timespec *req, struct timespec *rem) { return SYS2(SYS_nanosleep, req, rem); }
int clock_gettime(int clk, struct timespec *ts) { return SYS2(SYS_clock_gettime, clk, ts); }

pid_t clone_ns(unsigned flags) { return SYS2(SYS_clone, flags | SIGCHLD, 0); }
int unshare(unsigned flags) { return SYS1(SYS_unshare, flags); }
int setns(int fd, unsigned nstype) { return SYS2(SYS_setns, fd, nstype); }
int umount2(const char *target, unsigned flags) { return SYS2(SYS_umount2, target, flags); }
int pivot_root(const char *new_root, const char *put_old) { return SYS2(SYS_pivot_root, new_root, put_old); }
int fchdir(int fd) { return SYS1(SYS_fchdir, fd); }
int mknod(const char *path, unsigned mode, unsigned dev) { return SYS3(SYS_mknod, path, mode, dev); }
int symlink(const char *target, const char *path) { return SYS2(SYS_symlink, target, path); }
int readlink(const char *path, char *buf, size_t size) { return SYS3(SYS_readlink, path, buf, size); }
int lstat(const char *path, struct stat64 *st) { return SYS2(SYS_lstat64, path, st); }
int msgget(int key, int flags) { return SYS2(SYS_msgget, key, flags); }
int msgsnd(int id, const void *msgp, size_t size, int flags) { return SYS4(SYS_msgsnd, id, msgp, size, flags); }
int msgctl(int id, int cmd, void *buf) { return SYS3(SYS_msgctl, id, cmd, buf); }

int msgrcv(int id, void *msgp, size_t size, long type, int flags)
{
    return check(syscall5(SYS_msgrcv, (uint32_t)id, (uint32_t)msgp, size, (uint32_t)type, (uint32_t)flags));
}

int mount(const char *source, const char *target, const char *type, unsigned flags, const char *data)
{
    return check(syscall5(SYS_mount, (uint32_t)source, (uint32_t)target, (uint32_t)type, flags, (uint32_t)data));
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
    va_end(ap);
    return SYS3(SYS_open, path, flags, mode);
}

char *getcwd(char *buf, size_t size)
{
    return SYS2(SYS_getcwd, buf, size) < 0 ? 0 : buf;
}

unsigned sleep(unsigned seconds)
{
    struct timespec ts = { (int32_t)seconds, 0 }, rem = { 0, 0 };
    if (nanosleep(&ts, &rem) < 0)
        return (unsigned)rem.tv_sec;
    return 0;
}

int reboot(unsigned cmd)
{
    return SYS3(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd);
}

void *sbrk(int increment)
{
    uint32_t old = (uint32_t)syscall5(SYS_brk, 0, 0, 0, 0, 0);
    if (increment == 0)
        return (void *)old;
    uint32_t want = old + increment;
    if ((uint32_t)syscall5(SYS_brk, want, 0, 0, 0, 0) != want) {
        errno = ENOMEM;
        return (void *)-1;
    }
    return (void *)old;
}

int isatty(int fd)
{
    return ioctl(fd, TCGETS, 0) == 0;
}

int tcsetpgrp(int fd, pid_t pgid)
{
    return ioctl(fd, TIOCSPGRP, &pgid);
}

pid_t tcgetpgrp(int fd)
{
    pid_t pgid;
    return ioctl(fd, TIOCGPGRP, &pgid) < 0 ? -1 : pgid;
}

char *getenv(const char *name)
{
    size_t n = strlen(name);
    for (char **e = environ; e && *e; e++)
        if (!strncmp(*e, name, n) && (*e)[n] == '=')
            return *e + n + 1;
    return 0;
}

/* Try each PATH directory (default /bin) unless file contains a slash. */
int execvp(const char *file, char *const argv[])
{
    if (strchr(file, '/'))
        return execve(file, argv, environ);
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin";
    char buf[256];
    int saved = ENOENT;
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        if (len + strlen(file) + 2 <= sizeof buf) {
            memcpy(buf, path, len);
            buf[len] = '/';
            strcpy(buf + len + 1, file);
            execve(buf, argv, environ);
            if (errno != ENOENT)
                saved = errno;
        }
        path += len;
        if (*path == ':')
            path++;
    }
    errno = saved;
    return -1;
}
