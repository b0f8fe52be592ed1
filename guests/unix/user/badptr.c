/* badptr.c — a self-checking probe of the kernel's user-pointer checks: every system call that
 * takes a pointer is given null, kernel and unmapped addresses and must fail with EFAULT (or
 * another error) instead of crashing the kernel. Prints "badptr: ok". */
#include "../lib/libc.h"

static const uint32_t bad[] = {
    0,              /* null */
    0x00100000u,    /* the kernel image (mapped, supervisor only) */
    0x07FFF000u,    /* top of the kernel's direct map */
    0x7FFFF000u,    /* user space, but nothing mapped there */
    0xC0000000u,    /* just past the user stack */
    0xFFFFFFF0u,    /* wraps around */
};
static int failures;

/* libc's sigaction reads the struct itself; go straight to the kernel. */
static int raw_sigaction(int sig, uint32_t act)
{
    int r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(SYS_rt_sigaction), "b"(sig), "c"(act), "d"(0), "S"(8) : "memory");
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return r;
}

static void expect_fail(const char *what, uint32_t p, int r)
{
    if (r != -1) {
        printf("badptr: %s(%x) returned %d\n", what, p, r);
        failures++;
    } else if (errno != EFAULT && errno != ENOENT && errno != EINVAL && errno != ENAMETOOLONG) {
        printf("badptr: %s(%x) failed with %s\n", what, p, strerror(errno));
        failures++;
    }
}

int main(void)
{
    int fd = open("/etc/motd", O_RDONLY);
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    if (fd < 0 || dir < 0) {
        printf("badptr: cannot open /etc/motd or /\n");
        return 1;
    }
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t p = bad[i];
        void *ptr = (void *)p;
        lseek(fd, 0, SEEK_SET);
        expect_fail("read", p, read(fd, ptr, 16));
        expect_fail("write", p, write(1, ptr, 16));
        expect_fail("open", p, open(ptr, O_RDONLY));
        expect_fail("stat path", p, stat(ptr, 0));
        expect_fail("stat buf", p, stat("/", ptr));
        expect_fail("fstat", p, fstat(fd, ptr));
        expect_fail("getdents64", p, getdents64(dir, ptr, 256));
        expect_fail("pipe", p, pipe(ptr));
        expect_fail("uname", p, uname(ptr));
        expect_fail("getcwd", p, getcwd(ptr, 64) ? 0 : -1);
        expect_fail("clock_gettime", p, clock_gettime(CLOCK_MONOTONIC, ptr));
        expect_fail("nanosleep", p, nanosleep(ptr, 0));
        expect_fail("execve path", p, execve(ptr, 0, 0));
        if (p)                                /* a null argv is allowed (argc 0), as in Linux */
            expect_fail("execve argv", p, execve("/bin/true", ptr, 0));
        if (p)                                /* a null action only asks for the old one */
            expect_fail("rt_sigaction", p, raw_sigaction(SIGUSR1, p));
        expect_fail("sethostname", p, sethostname(ptr, 8));
        expect_fail("chdir", p, chdir(ptr));
        expect_fail("mkdir", p, mkdir(ptr, 0755));
        expect_fail("unlink", p, unlink(ptr));
        expect_fail("ioctl", p, ioctl(0, TIOCGWINSZ, ptr));
        pid_t child = fork();
        if (child == 0)
            _exit(0);
        if (p)                                /* a null status pointer means "don't store" */
            expect_fail("waitpid status", p, waitpid(child, ptr, 0));
        if (waitpid(child, 0, 0) != child) {  /* the failed wait left the child to reap */
            printf("badptr: child %d not reapable\n", child);
            failures++;
        }
    }
    printf(failures ? "badptr: %d failures\n" : "badptr: ok\n", failures);
    return failures != 0;
}
