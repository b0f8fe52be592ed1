/* unshare.c — run a command in new namespaces: unshare [-muipC] [COMMAND [ARG...]] (default
 * /bin/sh). -m mount, -u UTS (host name), -i IPC, -p PID, -C cgroup. A new PID namespace takes
 * the caller's future children, so with -p the command runs in a child, as PID 1 there (as
 * util-linux's unshare -pf), and unshare waits for it and exits with its status. */
#include "../lib/libc.h"

static int usage(void)
{
    dprintf(2, "usage: unshare [-muipC] [COMMAND [ARG...]]\n");
    return 2;
}

static int run(char **cmd)
{
    execvp(cmd[0], cmd);
    dprintf(2, "unshare: %s: %s\n", cmd[0], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}

int main(int argc, char **argv)
{
    unsigned flags = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        for (const char *o = argv[i] + 1; *o; o++) {
            unsigned f = ns_flag(*o, 0);
            if (!f)
                return usage();
            flags |= f;
        }
    }
    if (!flags)
        return usage();
    char *sh[] = { "/bin/sh", 0 };
    char **cmd = i < argc ? argv + i : sh;
    if (unshare(flags) < 0) {
        dprintf(2, "unshare: %s\n", strerror(errno));
        return 1;
    }
    if (!(flags & CLONE_NEWPID))
        return run(cmd);
    pid_t pid = fork();
    if (pid < 0) {
        dprintf(2, "unshare: fork: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0)
        _exit(run(cmd));
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
