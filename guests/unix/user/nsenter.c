/* nsenter.c — run a command in another process's namespaces, through /proc/PID/ns (setns(2)):
 *   nsenter -t PID [-muipC] [COMMAND [ARG...]]     (default /bin/sh; no letters: all five)
 * A PID namespace is entered by the caller's future children, so the command runs in a child
 * and nsenter exits with its status. Only namespaces the caller can see in its /proc can be
 * entered: from inside a container, none of the host's. */
#include "../lib/libc.h"

static int usage(void)
{
    dprintf(2, "usage: nsenter -t PID [-muipC] [COMMAND [ARG...]]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *target = 0;
    char letters[8] = "";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-t") && i + 1 < argc) {
            target = argv[++i];
            continue;
        }
        for (const char *o = argv[i] + 1; *o; o++) {
            size_t n = strlen(letters);
            if (!ns_flag(*o, 0) || strchr(letters, *o) || n >= sizeof letters - 1)
                return usage();
            letters[n] = *o;
            letters[n + 1] = 0;
        }
    }
    if (!target)
        return usage();
    if (!letters[0])
        strlcpy(letters, "iuCpm", sizeof letters);   /* the mount namespace last: its /proc is the target's */
    for (const char *l = letters; *l; l++) {
        const char *name;
        unsigned flag = ns_flag(*l, &name);
        char path[64];
        snprintf(path, sizeof path, "/proc/%s/ns/%s", target, name);
        int fd = open(path, O_RDONLY);
        if (fd < 0 || setns(fd, flag) < 0) {
            dprintf(2, "nsenter: %s: %s\n", path, strerror(errno));
            return 1;
        }
        close(fd);
    }
    char *sh[] = { "/bin/sh", 0 };
    char **cmd = i < argc ? argv + i : sh;
    pid_t pid = fork();
    if (pid < 0) {
        dprintf(2, "nsenter: fork: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        execvp(cmd[0], cmd);
        dprintf(2, "nsenter: %s: %s\n", cmd[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
