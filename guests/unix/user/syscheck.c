/* syscheck.c — a self-checking exercise of the system calls that make container starts cheap;
 * run as root in the host namespaces. One line per check, "syscheck: NAME ok" or
 * "syscheck: NAME FAIL: what differed", then "syscheck: ok" when all passed:
 *   clone3     clone3(2)'s argument checks (size, signal bits, stack without a size, CLONE_THREAD,
 *              CLONE_VM without CLONE_VFORK or without a stack), a fork-like child on a stack, and
 *              CLONE_VFORK alone (its own memory; we wait until it exits)
 *   vfork      CLONE_VM | CLONE_VFORK: the child writes our memory, we sleep until it exits or
 *              execs; its return value is its exit status
 *   intocg     CLONE_INTO_CGROUP: the child is born in the cgroup (/proc/PID/cgroup), counted
 *              against pids.max at birth (EAGAIN when full, also a parent's limit); EBADF for a
 *              closed, regular-file or non-cgroup directory descriptor; ENOENT for a removed
 *              cgroup; EINVAL with a short clone_args; with CLONE_NEWCGROUP it sees itself at "/"
 *   at         openat/mkdirat/mknodat relative to a directory descriptor and to AT_FDCWD; an
 *              absolute path ignores dirfd; EBADF, ENOTDIR, EEXIST, ENOENT
 *   atroot     after chroot, a directory descriptor outside the root is EACCES for all three
 *              (also one checked before the chroot), one inside works
 *   closerange close_range(2): closes [first, last] only; flags other than 0 and first > last
 *              are EINVAL; a range past the table is fine
 *   pivot      pivot_root(".", ".") + umount2(".", MNT_DETACH) in a new mount namespace: "/" is
 *              the new root, ".." stays there, the old root is gone; the caller's tree is not
 *              touched; EINVAL for a directory that is no mount root and for the current root
 *   overlay    a lazy overlay mount: listing order, lookups, create/unlink/rmdir in a directory
 *              not yet copied, ENOTEMPTY for a non-empty lower-backed directory, copy-up on write
 *              (the lower file unchanged), ".." from an overlay subdirectory, bad mount data
 *   chrdev     /dev/null in a container image (a char device from the cpio archive), directly
 *              and through an overlay of the image
 *   cow        fork shares memory copy-on-write: the child sees the parent's pages, MemFree hardly
 *              moves for a 400 KiB heap, and each side's later writes stay its own
 * The output names no PIDs or addresses, so QEMU and tabvisor print the same transcript. */
#include "../lib/libc.h"

static int failures;
static char why[160];          /* the first difference found by the check that is running */

/* Record the first thing that differed; returns ok so checks can be chained. */
static int expect(int ok, const char *what)
{
    if (!ok && !why[0])
        strlcpy(why, what, sizeof why);
    return ok;
}

/* r must be -1 with errno e. */
static int expect_err(int r, int e, const char *what)
{
    if (r == -1 && errno == e)
        return 1;
    if (!why[0])
        snprintf(why, sizeof why, "%s: got %d errno %d, wanted errno %d", what, r, r < 0 ? errno : 0, e);
    return 0;
}

static int expect_ok(int r, const char *what)
{
    if (r >= 0)
        return 1;
    if (!why[0])
        snprintf(why, sizeof why, "%s: errno %d", what, errno);
    return 0;
}

static void report(const char *name)
{
    if (why[0]) {
        printf("syscheck: %s FAIL: %s\n", name, why);
        failures++;
    } else {
        printf("syscheck: %s ok\n", name);
    }
    why[0] = 0;
}

/* ---- small helpers ---- */

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    int n = write(fd, text, strlen(text));
    close(fd);
    return n == (int)strlen(text) ? 0 : -1;
}

/* The file's contents (at most size - 1 bytes), or "<errno N>". */
static const char *read_file(const char *path, char *buf, int size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(buf, size, "<errno %d>", errno);
        return buf;
    }
    int n = 0, r;
    while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    close(fd);
    return buf;
}

static void append(char *buf, int size, const char *s)
{
    int n = strlen(buf);
    strlcpy(buf + n, s, size - n);
}

static int file_is(const char *path, const char *text)
{
    char buf[128];
    return !strcmp(read_file(path, buf, sizeof buf), text);
}

/* The names in a directory, in listing order, without "." and "..", joined by spaces. */
static const char *listing(const char *path, char *buf, int size)
{
    DIR *d = opendir(path);
    buf[0] = 0;
    if (!d) {
        snprintf(buf, size, "<errno %d>", errno);
        return buf;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (buf[0])
            append(buf, size, " ");
        append(buf, size, e->d_name);
    }
    closedir(d);
    return buf;
}

static int listing_is(const char *path, const char *names)
{
    char buf[256];
    listing(path, buf, sizeof buf);
    if (strcmp(buf, names) && !why[0])
        snprintf(why, sizeof why, "ls %s: '%s', wanted '%s'", path, buf, names);
    return !strcmp(buf, names);
}

static int is_dir(const char *path)
{
    struct stat64 st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *path)
{
    struct stat64 st;
    return stat(path, &st) == 0;
}

static uint32_t ino(const char *path)
{
    struct stat64 st;
    return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static int fd_open(int fd)
{
    struct stat64 st;
    return fstat(fd, &st) == 0;
}

/* Wait for pid; its exit status, or -1 if it did not exit normally. */
static int reap(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* clone3 without the libc wrapper, for calls expected to fail: a child that comes anyway exits
 * at once (from the assembly, touching no stack). */
static int raw_clone3(struct clone_args *a, uint32_t size)
{
    int r;
    __asm__ volatile("int $0x80\n\t"
                     "testl %%eax, %%eax\n\t"
                     "jnz 1f\n\t"
                     "movl $1, %%eax\n\t"
                     "movl $99, %%ebx\n\t"
                     "int $0x80\n"
                     "1:"
                     : "=a"(r)
                     : "0"(SYS_clone3), "b"(a), "c"(size)
                     : "memory");
    if (r < 0 && r > -4096) {
        errno = -r;
        return -1;
    }
    if (r > 0)
        reap(r);
    return r;
}

static void args_init(struct clone_args *a, uint64_t flags, void *stack, uint32_t size)
{
    memset(a, 0, sizeof *a);
    a->flags = flags;
    a->exit_signal = SIGCHLD;
    a->stack = (uint32_t)stack;
    a->stack_size = size;
}

static char stack1[8192] __attribute__((aligned(16)));
static char stack2[8192] __attribute__((aligned(16)));

/* ---- clone3 ---- */

static volatile int shared_word;

static int child_returns_5(void *arg)
{
    (void)arg;
    shared_word = 1;            /* our own copy: the parent does not see it */
    return 5;
}

static int vfork_copy_child(void *arg)
{
    (void)arg;
    struct timespec t = { 0, 30000000 };
    nanosleep(&t, 0);           /* a parent that did not wait would find no zombie yet */
    shared_word = 2;
    return 4;
}

static void check_clone3(void)
{
    struct clone_args a;
    args_init(&a, 0, stack1, sizeof stack1);
    expect_err(raw_clone3(&a, 63), EINVAL, "size 63");
    expect_err(raw_clone3(&a, 4096 + 8), EINVAL, "size beyond a page");
    args_init(&a, SIGCHLD, stack1, sizeof stack1);
    expect_err(raw_clone3(&a, sizeof a), EINVAL, "signal in flags");
    args_init(&a, 0, stack1, sizeof stack1);
    a.exit_signal = 256;
    expect_err(raw_clone3(&a, sizeof a), EINVAL, "exit_signal 256");
    args_init(&a, 0, stack1, 0);
    expect_err(raw_clone3(&a, sizeof a), EINVAL, "stack without a size");
    args_init(&a, CLONE_THREAD, stack1, sizeof stack1);
    expect_err(raw_clone3(&a, sizeof a), EINVAL, "CLONE_THREAD");
    args_init(&a, CLONE_VM, stack1, sizeof stack1);
    expect_err(raw_clone3(&a, sizeof a), EINVAL, "CLONE_VM without CLONE_VFORK");
    args_init(&a, CLONE_VM | CLONE_VFORK, 0, 0);
    expect_err(raw_clone3(&a, sizeof a), EINVAL, "CLONE_VM|CLONE_VFORK without a stack");
    args_init(&a, 0x400000000ull, stack1, sizeof stack1);
    expect_err(raw_clone3(&a, sizeof a), EINVAL, "unknown flag above bit 31");
    args_init(&a, 0, stack1, sizeof stack1);
    a.tls = 1;
    expect_err(raw_clone3(&a, sizeof a), EINVAL, "tls");

    /* a fork-like child on its own stack, in its own copy of memory */
    shared_word = 0;
    args_init(&a, 0, stack1, sizeof stack1);
    pid_t pid = clone3_call(&a, CLONE_ARGS_SIZE_VER0, child_returns_5, 0);
    expect_ok(pid, "clone3 (fork-like)");
    if (pid > 0)
        expect(reap(pid) == 5, "fork-like child's exit status is not 5");
    expect(shared_word == 0, "a fork-like child wrote our memory");

    /* CLONE_VFORK alone: the child has its own copy, and we wait until it has exited */
    args_init(&a, CLONE_VFORK, stack1, sizeof stack1);
    pid = clone3_call(&a, sizeof a, vfork_copy_child, 0);
    expect_ok(pid, "clone3 CLONE_VFORK");
    int status = 0;
    expect(pid > 0 && waitpid(pid, &status, WNOHANG) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 4,
           "CLONE_VFORK alone: we did not wait for the child to exit");
    expect(shared_word == 0, "CLONE_VFORK alone shared our memory");
    report("clone3");
}

/* ---- CLONE_VM | CLONE_VFORK ---- */

static int vfork_child_slow(void *arg)
{
    struct timespec t = { 0, 30000000 };
    nanosleep(&t, 0);           /* a parent that did not wait would see 0 */
    shared_word = 42;
    *(int *)arg = 7;
    return 3;
}

static int vfork_child_exec(void *arg)
{
    (void)arg;
    shared_word = 43;
    char *argv[] = { "true", 0 };
    execve("/bin/true", argv, environ);
    _exit(127);
}

static int vfork_child_execfail(void *arg)
{
    (void)arg;
    char *argv[] = { "nothing", 0 };
    execve("/bin/no-such-program", argv, environ);
    shared_word = errno;        /* still in our memory: exec failed */
    _exit(126);
}

static void check_vfork(void)
{
    int local = 0;
    shared_word = 0;
    pid_t pid = clone_vfork(vfork_child_slow, stack1, sizeof stack1, SIGCHLD, -1, &local);
    expect_ok(pid, "clone_vfork");
    expect(shared_word == 42, "the child's write to a global was not seen (or we did not wait)");
    expect(local == 7, "the child's write through a pointer to our stack was not seen");
    if (pid > 0)
        expect(reap(pid) == 3, "vfork child's exit status is not 3");

    shared_word = 0;
    pid = clone_vfork(vfork_child_exec, stack1, sizeof stack1, SIGCHLD, -1, 0);
    expect_ok(pid, "clone_vfork + exec");
    expect(shared_word == 43, "the write before exec was not seen");
    if (pid > 0)
        expect(reap(pid) == 0, "the exec'd /bin/true did not exit 0");

    shared_word = 0;
    pid = clone_vfork(vfork_child_execfail, stack1, sizeof stack1, SIGCHLD, -1, 0);
    if (pid > 0)
        expect(reap(pid) == 126, "a failed exec's child did not exit 126");
    expect(shared_word == ENOENT, "a failed exec in the child did not leave ENOENT in our memory");

    /* our memory still works after all that: the heap and the stack */
    char *p = malloc(5000);
    expect(p != 0, "malloc after vfork children");
    if (p) {
        memset(p, 'x', 5000);
        free(p);
    }
    report("vfork");
}

/* ---- CLONE_INTO_CGROUP ---- */

static char cg_seen[64];

static int child_reads_cgroup(void *arg)
{
    (void)arg;
    char path[40];
    snprintf(path, sizeof path, "/proc/%d/cgroup", getpid());
    read_file(path, cg_seen, sizeof cg_seen);
    return 0;
}

#define CG "/sys/fs/cgroup/syscheck"

static void check_intocg(void)
{
    struct clone_args a;
    rmdir(CG "/inner");
    rmdir(CG);
    expect_ok(mkdir(CG, 0755), "mkdir " CG);
    expect_ok(write_file(CG "/pids.max", "1\n"), "pids.max 1");
    int cfd = open(CG, O_RDONLY | O_DIRECTORY);
    expect_ok(cfd, "open " CG);

    cg_seen[0] = 0;
    pid_t pid = clone_vfork(child_reads_cgroup, stack1, sizeof stack1, SIGCHLD, cfd, 0);
    expect_ok(pid, "clone into a cgroup");
    expect(!strcmp(cg_seen, "0::/syscheck\n"), "the child was not born in /syscheck");
    expect(file_is(CG "/pids.current", "1\n"), "pids.current is not 1 with the child unreaped");
    /* the zombie still counts: the cgroup is full */
    expect_err(clone_vfork(child_reads_cgroup, stack2, sizeof stack2, SIGCHLD, cfd, 0), EAGAIN, "second child at pids.max 1");
    if (pid > 0)
        reap(pid);
    expect(file_is(CG "/pids.current", "0\n"), "pids.current is not 0 after the reap");

    /* a parent's limit counts too */
    expect_ok(mkdir(CG "/inner", 0755), "mkdir inner");
    int ifd = open(CG "/inner", O_RDONLY | O_DIRECTORY);
    expect_ok(write_file(CG "/pids.max", "0\n"), "pids.max 0");
    expect_err(clone_vfork(child_reads_cgroup, stack1, sizeof stack1, SIGCHLD, ifd, 0), EAGAIN, "child of a cgroup whose parent is full");
    expect_ok(write_file(CG "/pids.max", "max\n"), "pids.max max");

    /* CLONE_NEWCGROUP with it: the child's cgroup is the root of what it sees */
    cg_seen[0] = 0;
    pid = clone_vfork(child_reads_cgroup, stack1, sizeof stack1, SIGCHLD | CLONE_NEWCGROUP, ifd, 0);
    expect_ok(pid, "clone into a cgroup with CLONE_NEWCGROUP");
    expect(!strcmp(cg_seen, "0::/\n"), "with CLONE_NEWCGROUP the child does not see itself at /");
    if (pid > 0)
        reap(pid);
    cg_seen[0] = 0;
    pid = clone_vfork(child_reads_cgroup, stack1, sizeof stack1, SIGCHLD, ifd, 0);
    expect(!strcmp(cg_seen, "0::/syscheck/inner\n"), "the child was not born in /syscheck/inner");
    if (pid > 0)
        reap(pid);

    /* descriptors that name no cgroup */
    int file = open("/etc/motd", O_RDONLY);
    int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
    int knob = open(CG "/pids.max", O_RDONLY);
    expect_err(clone_vfork(child_reads_cgroup, stack1, sizeof stack1, SIGCHLD, 15, 0), EBADF, "closed descriptor");
    expect_err(clone_vfork(child_reads_cgroup, stack1, sizeof stack1, SIGCHLD, file, 0), EBADF, "regular file");
    expect_err(clone_vfork(child_reads_cgroup, stack1, sizeof stack1, SIGCHLD, tmp, 0), EBADF, "non-cgroup directory");
    expect_err(clone_vfork(child_reads_cgroup, stack1, sizeof stack1, SIGCHLD, knob, 0), EBADF, "cgroup file");
    args_init(&a, CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP, stack1, sizeof stack1);
    a.cgroup = (uint32_t)cfd;
    expect_err(raw_clone3(&a, CLONE_ARGS_SIZE_VER0), EINVAL, "CLONE_INTO_CGROUP with a version-0 clone_args");
    a.cgroup = 0x100000000ull + (uint32_t)cfd;
    expect_err(raw_clone3(&a, sizeof a), EBADF, "descriptor above 32 bits");
    close(file);
    close(tmp);
    close(knob);

    /* a removed cgroup */
    expect_ok(rmdir(CG "/inner"), "rmdir inner");
    expect_err(clone_vfork(child_reads_cgroup, stack1, sizeof stack1, SIGCHLD, ifd, 0), ENOENT, "removed cgroup");
    close(ifd);
    close(cfd);
    expect_ok(rmdir(CG), "rmdir " CG);
    report("intocg");
}

/* ---- openat, mkdirat, mknodat ---- */

#define AT "/tmp/syscheck-at"

static void check_at(void)
{
    struct stat64 st;
    char buf[64];
    expect_ok(mkdir(AT, 0755), "mkdir " AT);
    int dfd = open(AT, O_RDONLY | O_DIRECTORY);
    expect_ok(dfd, "open " AT);
    expect_ok(mkdirat(dfd, "d", 0755), "mkdirat d");
    expect(is_dir(AT "/d"), "mkdirat did not make " AT "/d");
    int fd = openat(dfd, "d/f", O_WRONLY | O_CREAT | O_EXCL, 0644);
    expect_ok(fd, "openat d/f O_CREAT");
    if (fd >= 0) {
        write(fd, "at\n", 3);
        close(fd);
    }
    expect(file_is(AT "/d/f", "at\n"), "the file openat made is not at " AT "/d/f");
    fd = openat(dfd, "d/f", O_RDONLY);
    expect(fd >= 0 && read(fd, buf, sizeof buf) == 3, "openat d/f for reading");
    close(fd);
    expect_ok(mknodat(dfd, "d/null", S_IFCHR | 0666, MKDEV(1, 3)), "mknodat d/null");
    expect(stat(AT "/d/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == MKDEV(1, 3), "mknodat did not make a 1:3 char device");
    fd = openat(dfd, "d/null", O_WRONLY);
    expect(fd >= 0 && write(fd, "gone", 4) == 4, "write to the mknodat'd null");
    close(fd);

    /* AT_FDCWD: relative to the working directory */
    char cwd[128];
    getcwd(cwd, sizeof cwd);
    chdir(AT "/d");
    expect_ok(mkdirat(AT_FDCWD, "e", 0755), "mkdirat AT_FDCWD");
    fd = openat(AT_FDCWD, "f", O_RDONLY);
    expect(fd >= 0, "openat AT_FDCWD f");
    close(fd);
    expect_ok(mknodat(AT_FDCWD, "e/null", S_IFCHR | 0666, MKDEV(1, 3)), "mknodat AT_FDCWD");
    chdir(cwd);
    expect(is_dir(AT "/d/e") && exists(AT "/d/e/null"), "AT_FDCWD calls did not work in the working directory");

    /* an absolute path ignores dirfd */
    int file = open(AT "/d/f", O_RDONLY);
    fd = openat(dfd, "/etc/motd", O_RDONLY);
    expect(fd >= 0, "openat(dirfd, absolute path)");
    close(fd);
    fd = openat(file, "/etc/motd", O_RDONLY);
    expect(fd >= 0, "openat(regular file, absolute path)");
    close(fd);
    fd = openat(99, "/etc/motd", O_RDONLY);
    expect(fd >= 0, "openat(99, absolute path)");
    close(fd);
    expect_ok(mkdirat(file, AT "/abs", 0755), "mkdirat(regular file, absolute path)");
    expect(is_dir(AT "/abs"), "mkdirat with an absolute path made nothing");

    /* errors */
    expect_err(openat(99, "f", O_RDONLY), EBADF, "openat(99)");
    expect_err(openat(15, "f", O_RDONLY), EBADF, "openat(closed descriptor)");
    expect_err(mkdirat(15, "x", 0755), EBADF, "mkdirat(closed descriptor)");
    expect_err(mknodat(15, "x", S_IFCHR | 0666, MKDEV(1, 3)), EBADF, "mknodat(closed descriptor)");
    expect_err(openat(file, "x", O_RDONLY), ENOTDIR, "openat(regular file)");
    expect_err(mkdirat(file, "x", 0755), ENOTDIR, "mkdirat(regular file)");
    expect_err(mknodat(file, "x", S_IFCHR | 0666, MKDEV(1, 3)), ENOTDIR, "mknodat(regular file)");
    expect_err(mkdirat(dfd, "d", 0755), EEXIST, "mkdirat existing");
    expect_err(openat(dfd, "d/f", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST, "openat O_EXCL existing");
    expect_err(mkdirat(dfd, "no/x", 0755), ENOENT, "mkdirat missing parent");
    expect_err(openat(dfd, "nothing", O_RDONLY), ENOENT, "openat missing");
    expect(!exists("d") && !exists("x"), "an *at call leaked into the working directory");
    close(file);
    close(dfd);
    /* the working directory is unchanged by it all */
    expect(!strcmp(getcwd(buf, sizeof buf) ? buf : "", cwd), "the working directory moved");
    report("at");
}

/* after chroot: descriptors outside the root are refused */
static int atroot_child(void)
{
    int outside = open("/etc", O_RDONLY | O_DIRECTORY);
    int inside = open(AT "/d/e", O_RDONLY | O_DIRECTORY);
    int sibling = open(AT "/abs", O_RDONLY | O_DIRECTORY);
    /* used once before the chroot: a verdict kept from then must not survive it */
    int fd = openat(sibling, ".", O_RDONLY);
    close(fd);
    if (fd < 0 || chroot(AT "/d") < 0)
        return 1;
    if (!(openat(outside, "motd", O_RDONLY) == -1 && errno == EACCES))
        return 2;
    if (!(mkdirat(outside, "x", 0755) == -1 && errno == EACCES))
        return 3;
    if (!(mknodat(outside, "x", S_IFCHR | 0666, MKDEV(1, 3)) == -1 && errno == EACCES))
        return 4;
    if (!(openat(sibling, ".", O_RDONLY) == -1 && errno == EACCES))
        return 5;
    if (!(openat(outside, "..", O_RDONLY) == -1 && errno == EACCES))
        return 6;
    fd = openat(inside, "null", O_WRONLY);        /* AT/d/e/null, /e/null now */
    if (fd < 0)
        return 7;
    close(fd);
    if (mkdirat(inside, "g", 0755) < 0 || !is_dir("/e/g"))
        return 8;
    fd = openat(AT_FDCWD, "/f", O_RDONLY);        /* absolute: from the new root */
    if (fd < 0)
        return 9;
    close(fd);
    if (openat(inside, "/etc/motd", O_RDONLY) != -1 || errno != ENOENT)
        return 10;                                  /* the host's /etc is not in this root */
    return 0;
}

static void check_atroot(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(atroot_child());
    int r = reap(pid);
    if (r != 0) {
        snprintf(why, sizeof why, "child failed at step %d (1 setup, 2-4 openat/mkdirat/mknodat outside, 5 checked before chroot, 6 '..', 7-8 inside, 9 absolute, 10 host /etc)", r);
    }
    expect(is_dir(AT "/d/e/g"), "mkdirat inside the root made nothing");
    report("atroot");
}

/* ---- close_range ---- */

static void check_closerange(void)
{
    for (int fd = 5; fd <= 12; fd++)
        dup2(1, fd);
    expect_ok(close_range(6, 8, 0), "close_range(6, 8, 0)");
    expect(fd_open(5) && !fd_open(6) && !fd_open(7) && !fd_open(8) && fd_open(9), "close_range(6, 8) closed the wrong descriptors");
    expect_err(close_range(9, 12, 4), EINVAL, "flags CLOSE_RANGE_CLOEXEC");
    expect_err(close_range(9, 12, 2), EINVAL, "flags CLOSE_RANGE_UNSHARE");
    expect_err(close_range(12, 9, 0), EINVAL, "first > last");
    expect(fd_open(9) && fd_open(12), "a refused close_range closed something");
    expect_ok(close_range(6, 7, 0), "close_range of closed descriptors");
    expect_ok(close_range(10, 10, 0), "close_range(10, 10)");
    expect(fd_open(9) && !fd_open(10) && fd_open(11), "close_range(10, 10) closed the wrong descriptors");
    expect_ok(close_range(11, ~0u, 0), "close_range(11, ~0)");
    expect(!fd_open(11) && !fd_open(12) && fd_open(9), "close_range(11, ~0) closed the wrong descriptors");
    expect_ok(close_range(200, ~0u, 0), "close_range beyond the table");
    expect_ok(close_range(5, 9, 0), "close_range(5, 9)");
    expect(!fd_open(5) && !fd_open(9) && fd_open(1), "close_range(5, 9)");
    /* a slot it freed is handed out again, without O_CLOEXEC left over */
    int fd = open("/etc/motd", O_RDONLY | O_CLOEXEC);
    int again = -1;
    if (fd >= 0) {
        close_range(fd, fd, 0);
        again = dup(1);
    }
    expect(again == fd, "the lowest free descriptor after close_range");
    pid_t pid = fork();
    if (pid == 0)
        _exit(fd_open(again) ? 0 : 1);
    expect(reap(pid) == 0, "close-on-exec outlived close_range (fork)");
    pid = fork();
    if (pid == 0) {
        char arg[8];
        snprintf(arg, sizeof arg, "%d", again);
        char *argv[] = { "syscheck", "--fd-open", arg, 0 };
        execve("/bin/syscheck", argv, environ);
        _exit(127);
    }
    expect(reap(pid) == 0, "a descriptor reused after close_range of an O_CLOEXEC one was closed by exec");
    close(again);
    report("closerange");
}

/* ---- pivot_root ---- */

#define PR "/tmp/syscheck-pr"

static int pivot_child(void)
{
    if (mount("tmpfs", PR, "tmpfs", 0, 0) < 0)
        return 1;
    mkdir(PR "/marker", 0755);
    write_file(PR "/file", "new root\n");
    if (chdir(PR "/marker") < 0)
        return 1;
    /* not a mount root, and the current root: EINVAL */
    if (!(pivot_root(".", ".") == -1 && errno == EINVAL))
        return 2;
    if (!(pivot_root("/", "/") == -1 && errno == EINVAL))
        return 3;
    if (chdir(PR) < 0 || pivot_root(".", ".") < 0)
        return 4;
    if (umount2(".", MNT_DETACH) < 0)
        return 5;
    char buf[128];
    if (!file_is("/file", "new root\n"))
        return 6;
    if (exists("/images") || exists("/etc/motd") || exists("/bin"))
        return 7;
    if (!getcwd(buf, sizeof buf) || strcmp(buf, "/"))
        return 8;
    chdir("..");
    if (!getcwd(buf, sizeof buf) || strcmp(buf, "/") || !file_is("../../file", "new root\n"))
        return 9;
    listing("/", buf, sizeof buf);
    if (strcmp(buf, "marker file"))
        return 10;
    if (ino("/") != ino("/..") || ino(".") != ino("/"))
        return 11;
    return 0;
}

static void check_pivot(void)
{
    expect_ok(mkdir(PR, 0755), "mkdir " PR);
    pid_t pid = clone_ns(CLONE_NEWNS);
    if (pid == 0)
        _exit(pivot_child());
    int r = reap(pid);
    if (r != 0)
        snprintf(why, sizeof why, "child failed at step %d (1 setup, 2-3 EINVAL cases, 4 pivot_root, 5 umount2, 6 /file, 7 old root visible, 8-9 cwd, 10 ls /, 11 inodes)", r);
    /* our namespace: the mount was not ours, our root is intact */
    expect(listing_is(PR, ""), PR " is not empty here");
    expect(is_dir("/images") && exists("/etc/motd"), "our root lost something");
    char buf[64];
    expect(getcwd(buf, sizeof buf) && !strcmp(buf, "/"), "our working directory moved");
    rmdir(PR);
    report("pivot");
}

/* ---- overlay ---- */

#define LOW "/tmp/syscheck-low"
#define OV  "/tmp/syscheck-ov"

static void make_lower(void)
{
    mkdir(LOW, 0755);
    write_file(LOW "/c", "cee\n");
    write_file(LOW "/a", "ay\n");
    mkdir(LOW "/sub", 0755);
    write_file(LOW "/b", "bee\n");
    write_file(LOW "/sub/x", "ex\n");
    mkdir(LOW "/sub/deeper", 0755);
    write_file(LOW "/sub/deeper/y", "why\n");
    mkdir(LOW "/empty", 0755);
    mkdir(LOW "/full", 0755);
    write_file(LOW "/full/z", "zed\n");
    write_file(LOW "/sub/w", "dub\n");
}

static int ov_mount(void)
{
    return mount("overlay", OV, "overlay", 0, "lowerdir=" LOW);
}

static int lower_intact(void)
{
    return listing_is(LOW, "c a sub b empty full") && listing_is(LOW "/sub", "x deeper w") &&
           listing_is(LOW "/sub/deeper", "y") && listing_is(LOW "/full", "z") && listing_is(LOW "/empty", "") &&
           file_is(LOW "/a", "ay\n") && file_is(LOW "/b", "bee\n") && file_is(LOW "/sub/x", "ex\n") &&
           file_is(LOW "/sub/deeper/y", "why\n") && file_is(LOW "/full/z", "zed\n");
}

static void check_overlay(void)
{
    char buf[256];
    make_lower();
    expect(lower_intact(), "the lower tree is not as made");
    expect_ok(mkdir(OV, 0755), "mkdir " OV);

    /* 1: lookups before any listing, then the listing order */
    expect_ok(ov_mount(), "mount overlay");
    expect(file_is(OV "/sub/deeper/y", "why\n"), "lookup of a file two directories down");
    expect(file_is(OV "/a", "ay\n"), "lookup of a top file");
    expect(is_dir(OV "/sub") && is_dir(OV "/sub/deeper") && is_dir(OV "/empty"), "lookup of lower subdirectories");
    expect_err(open(OV "/nothing", O_RDONLY), ENOENT, "lookup of a missing name");
    expect_err(open(OV "/sub/nothing", O_RDONLY), ENOENT, "lookup of a missing name below");
    expect(listing_is(OV, "c a sub b empty full"), "top listing");
    expect(listing_is(OV "/sub", "x deeper w"), "sub listing");
    expect(listing_is(OV "/sub/deeper", "y"), "deeper listing");
    expect(ino(OV "/sub") != ino(LOW "/sub"), "the overlay's sub is the lower directory itself");
    expect(ino(OV "/sub") == ino(OV "/sub"), "two lookups of sub give two directories");
    expect_ok(umount2(OV, 0), "umount overlay 1");

    /* 2: changes in directories not yet copied (no listing first) */
    expect_ok(ov_mount(), "mount overlay 2");
    expect_err(rmdir(OV "/full"), ENOTEMPTY, "rmdir of a non-empty lower-backed directory");
    expect_err(rmdir(OV "/sub"), ENOTEMPTY, "rmdir of sub (lower entries only)");
    expect(file_is(OV "/full/z", "zed\n"), "full/z after the refused rmdir");
    expect_ok(write_file(OV "/sub/new", "new\n"), "create in a not-yet-copied directory");
    expect(listing_is(OV "/sub", "x deeper w new"), "sub listing after a create");
    expect_ok(unlink(OV "/sub/deeper/y"), "unlink in a not-yet-copied directory");
    expect(!exists(OV "/sub/deeper/y"), "an unlinked lower file is still there");
    expect(listing_is(OV "/sub/deeper", ""), "deeper listing after the unlink");
    expect_ok(rmdir(OV "/sub/deeper"), "rmdir of a directory emptied in the overlay");
    expect_ok(rmdir(OV "/empty"), "rmdir of an empty lower directory");
    expect(!exists(OV "/empty"), "a removed lower directory is still there");
    expect_ok(mkdir(OV "/empty", 0755), "mkdir over a removed lower directory");
    expect(listing_is(OV "/empty", ""), "a directory made anew shows lower entries");
    expect_ok(unlink(OV "/full/z"), "unlink full/z");
    expect_ok(rmdir(OV "/full"), "rmdir full once emptied");
    expect_ok(unlink(OV "/b"), "unlink b");
    expect_err(open(OV "/b", O_RDONLY), ENOENT, "b after the unlink");
    expect_ok(write_file(OV "/b", "bee again\n"), "create b again");
    expect(file_is(OV "/b", "bee again\n"), "the new b");
    expect(lower_intact(), "changes in the overlay reached the lower tree");
    expect_ok(umount2(OV, 0), "umount overlay 2");

    /* 3: copy-up on write */
    expect_ok(ov_mount(), "mount overlay 3");
    expect_ok(write_file(OV "/a", "AY\n"), "write a");
    expect(file_is(OV "/a", "AY\n"), "the overlay's a after the write");
    int fd = open(OV "/sub/x", O_WRONLY | O_APPEND);
    expect(fd >= 0 && write(fd, "more\n", 5) == 5, "append to sub/x");
    close(fd);
    expect(file_is(OV "/sub/x", "ex\nmore\n"), "the overlay's sub/x after the append");
    fd = open(OV "/sub/deeper/y", O_RDWR);
    expect(fd >= 0 && write(fd, "W", 1) == 1, "write into deeper/y");
    close(fd);
    expect(file_is(OV "/sub/deeper/y", "Why\n"), "the overlay's deeper/y after the write");
    fd = open(OV "/c", O_RDONLY);
    expect(fd >= 0 && write(fd, "no", 2) == -1, "a read-only open of a lower file wrote");
    close(fd);
    expect(ino(OV "/c") == ino(LOW "/c"), "a file only read was copied");
    expect(ino(OV "/a") != ino(LOW "/a"), "a written file was not copied up");
    expect(lower_intact(), "a write in the overlay reached the lower file");

    /* "..": from an overlay subdirectory, stays in the overlay */
    char cwd[128];
    getcwd(cwd, sizeof cwd);
    expect_ok(chdir(OV "/sub/deeper"), "chdir sub/deeper");
    expect_ok(chdir(".."), "chdir ..");
    expect(getcwd(buf, sizeof buf) && !strcmp(buf, OV "/sub"), "getcwd after .. is not " OV "/sub");
    expect(file_is("../a", "AY\n"), "../a is not the overlay's a");
    expect(file_is("deeper/../../a", "AY\n"), "deeper/../../a is not the overlay's a");
    expect(ino("..") == ino(OV), ".. of sub is not the overlay's root");
    expect(listing_is("..", "c a sub b empty full"), "listing of ..");
    chdir(cwd);
    /* a mount on an overlay subdirectory: ".." from it is the overlay's */
    expect_ok(mount("tmpfs", OV "/sub/deeper", "tmpfs", 0, 0), "tmpfs on sub/deeper");
    expect(ino(OV "/sub/deeper/..") == ino(OV "/sub"), ".. of a mount on an overlay directory");
    expect(file_is(OV "/sub/deeper/../x", "ex\nmore\n"), "deeper/../x from the mount");
    expect_ok(umount2(OV "/sub/deeper", 0), "umount tmpfs");
    expect(file_is(OV "/sub/deeper/y", "Why\n"), "deeper/y after the tmpfs left");
    expect_ok(umount2(OV, 0), "umount overlay 3");
    expect(listing_is(OV, ""), "the mount point after the umounts");

    /* bad mount data */
    expect_err(mount("overlay", OV, "overlay", 0, "lowerdir=/tmp/no-such-dir"), ENOENT, "missing lowerdir");
    expect_err(mount("overlay", OV, "overlay", 0, "upperdir=/tmp"), EINVAL, "no lowerdir=");
    expect(lower_intact(), "the lower tree at the end");
    rmdir(OV);
    report("overlay");
}

/* ---- char devices from cpio images ---- */

static int null_works(const char *path)
{
    struct stat64 st;
    char c;
    if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != MKDEV(1, 3) || (st.st_mode & 0777) != 0666)
        return 0;
    int fd = open(path, O_RDWR);
    int ok = fd >= 0 && write(fd, "into nothing", 12) == 12 && read(fd, &c, 1) == 0;
    close(fd);
    return ok;
}

static void check_chrdev(void)
{
    expect(null_works("/images/minimal/dev/null"), "/images/minimal/dev/null is no working 1:3 char device");
    expect(null_works("/images/service/dev/null"), "/images/service/dev/null is no working 1:3 char device");
    expect_ok(mkdir(OV, 0755), "mkdir " OV);
    expect_ok(mount("overlay", OV, "overlay", 0, "lowerdir=/images/minimal"), "overlay of the minimal image");
    expect(null_works(OV "/dev/null"), "/dev/null through an overlay of the image");
    expect(listing_is(OV "/dev", "null"), "the image's /dev");
    umount2(OV, 0);
    rmdir(OV);
    report("chrdev");
}

/* rm -r of what the checks made, so syscheck can run again */
static void remove_tree(const char *path)
{
    struct stat64 st;
    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[256];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* ---- fork is copy-on-write ---- */

/* MemFree in KiB, from /proc/meminfo. */
static long mem_free_kib(void)
{
    char buf[256];
    read_file("/proc/meminfo", buf, sizeof buf);
    for (char *p = buf; *p; p++)
        if (!strncmp(p, "MemFree:", 8))
            return strtol(p + 8, 0, 10);
    return -1;
}

static void check_cow(void)
{
    enum { PAGES = 100 };
    uint32_t *mem = malloc(PAGES * 4096);
    if (!expect(mem != 0, "malloc of 400 KiB")) {
        report("cow");
        return;
    }
    for (int i = 0; i < PAGES; i++)
        mem[i * 1024] = i * 7 + 1;
    long before = mem_free_kib();
    int go[2], back[2];
    expect_ok(pipe(go), "pipe");
    expect_ok(pipe(back), "pipe");
    pid_t pid = fork();
    if (pid == 0) {
        int same = 1;
        for (int i = 0; i < PAGES; i++)
            same &= mem[i * 1024] == (uint32_t)(i * 7 + 1);
        char c = same ? 'y' : 'n';
        write(back[1], &c, 1);
        read(go[0], &c, 1);                    /* the parent has measured and written its own */
        for (int i = 0; i < PAGES; i++)
            same &= mem[i * 1024] == (uint32_t)(i * 7 + 1);
        for (int i = 0; i < PAGES; i++)
            mem[i * 1024] = 0xdead;            /* ours now: the parent must not see these */
        _exit(same ? 0 : 1);
    }
    expect_ok(pid, "fork");
    char c = 0;
    read(back[0], &c, 1);
    long during = mem_free_kib();
    expect(c == 'y', "the child does not see the parent's memory");
    /* a copy would take 400 KiB; sharing costs the child's page tables and a few pages it writes */
    expect(before - during < 160, "fork copied the pages: MemFree fell by 160 KiB or more");
    for (int i = 0; i < PAGES; i++)
        mem[i * 1024] = i * 9;
    write(go[1], "g", 1);
    expect(reap(pid) == 0, "the child saw other values than the parent's at fork time");
    int mine = 1;
    for (int i = 0; i < PAGES; i++)
        mine &= mem[i * 1024] == (uint32_t)(i * 9);
    expect(mine, "the child's writes reached the parent");
    for (int i = 0; i < 2; i++) {
        close(go[i]);
        close(back[i]);
    }
    free(mem);
    report("cow");
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--fd-open"))      /* the closerange check's exec'd helper */
        return fd_open(atoi(argv[2])) ? 0 : 1;
    check_clone3();
    check_vfork();
    check_intocg();
    check_at();
    check_atroot();
    check_closerange();
    check_pivot();
    check_overlay();
    check_chrdev();
    check_cow();
    remove_tree(AT);
    remove_tree(LOW);
    expect(!exists(AT) && !exists(LOW), "the checks' trees are still there after removing them");
    report("cleanup");
    printf("syscheck: %s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}
