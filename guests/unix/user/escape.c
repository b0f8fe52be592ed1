/* escape.c — tries the classic ways out of a root directory and reports each one:
 *   dotdot    chdir("/../../..") and ".." chains from the root
 *   symlink   links whose targets are "../../../.." and "/../../.." followed from inside
 *   fchdir    a directory held open across chroot into a subdirectory, then fchdir and ".."
 *   chroot    chroot into a subdirectory, "..", then chroot(".") (the cwd left outside)
 * An attempt "held" if afterwards "/" is still the root it started in (same st_dev and
 * st_ino) and nothing above it became reachable. Prints "escape: ok" when all held. */
#include "../lib/libc.h"

static struct stat64 root;
static int failures;

static int is_root(const char *path)
{
    struct stat64 st;
    return stat(path, &st) == 0 && st.st_ino == root.st_ino && st.st_dev == root.st_dev;
}

static void report(const char *what, int held)
{
    printf("escape: %-8s %s\n", what, held ? "held" : "ESCAPED");
    failures += !held;
}

/* Run f in a child (chroot and chdir are for good there) and report its verdict. */
static void attempt(const char *what, int (*f)(void))
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(f() ? 0 : 1);
    int status = 1;
    waitpid(pid, &status, 0);
    report(what, WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int dotdot(void)
{
    if (chdir("/../../../..") < 0 || !is_root("."))
        return 0;
    for (int i = 0; i < 20; i++)
        chdir("..");
    return is_root(".") && is_root("/..") && is_root("../../..");
}

static int links(void)
{
    mkdir("/tmp", 0755);
    unlink("/tmp/up");
    unlink("/tmp/abs");
    if (symlink("../../../../../..", "/tmp/up") < 0 || symlink("/../../..", "/tmp/abs") < 0)
        return 0;
    return is_root("/tmp/up") && is_root("/tmp/abs") && is_root("/tmp/up/..") && is_root("/tmp/abs/tmp/up");
}

/* Inside a jail below the root: may it get back to the root or above? */
static int jail(int hold_fd)
{
    mkdir("/tmp", 0755);
    mkdir("/tmp/jail", 0755);
    struct stat64 jail_st;
    if (stat("/tmp/jail", &jail_st) < 0)
        return 0;
    int fd = hold_fd ? open("/", O_RDONLY | O_DIRECTORY) : -1;
    if (chroot("/tmp/jail") < 0)
        return 0;
    if (fd >= 0)
        fchdir(fd);                            /* must fail: that directory is outside the new root */
    for (int i = 0; i < 20; i++)
        chdir("..");
    chroot(".");
    struct stat64 st;
    return stat("/", &st) == 0 && st.st_ino == jail_st.st_ino && st.st_dev == jail_st.st_dev &&
           stat("/tmp/jail", &st) < 0;
}

static int fchdir_jail(void) { return jail(1); }
static int chroot_jail(void) { return jail(0); }

int main(void)
{
    if (stat("/", &root) < 0) {
        perror("escape: /");
        return 2;
    }
    attempt("dotdot", dotdot);
    attempt("symlink", links);
    attempt("fchdir", fchdir_jail);
    attempt("chroot", chroot_jail);
    printf(failures ? "escape: FAILED\n" : "escape: ok\n");
    return failures ? 1 : 0;
}
