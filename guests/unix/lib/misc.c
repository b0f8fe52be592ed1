/* misc.c — sorting, signal names and namespace option letters. */
#include "libc.h"

/* Insertion sort: the lists here are short (directory listings, process tables). */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    char *a = base;
    char tmp[256];
    if (size > sizeof tmp)
        return;
    for (size_t i = 1; i < n; i++) {
        memcpy(tmp, a + i * size, size);
        size_t j = i;
        while (j > 0 && cmp(a + (j - 1) * size, tmp) > 0) {
            memcpy(a + j * size, a + (j - 1) * size, size);
            j--;
        }
        memcpy(a + j * size, tmp, size);
    }
}

static const char *const names[NSIG] = {
    [SIGHUP] = "HUP", [SIGINT] = "INT", [SIGQUIT] = "QUIT", [SIGILL] = "ILL", [SIGTRAP] = "TRAP",
    [SIGABRT] = "ABRT", [SIGBUS] = "BUS", [SIGFPE] = "FPE", [SIGKILL] = "KILL", [SIGUSR1] = "USR1",
    [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2", [SIGPIPE] = "PIPE", [SIGALRM] = "ALRM", [SIGTERM] = "TERM",
    [SIGCHLD] = "CHLD", [SIGCONT] = "CONT", [SIGSTOP] = "STOP",
};

const char *sig_name(int sig)
{
    return sig > 0 && sig < NSIG && names[sig] ? names[sig] : "?";
}

int sig_number(const char *s)
{
    if (isdigit(*s)) {
        int n = atoi(s);
        return n >= 0 && n < NSIG ? n : -1;
    }
    if (!strncmp(s, "SIG", 3))
        s += 3;
    for (int i = 1; i < NSIG; i++)
        if (names[i] && !strcmp(names[i], s))
            return i;
    return -1;
}

/* The namespace options of util-linux's unshare and nsenter: -m -u -i -p -C. */
static const struct {
    char letter;
    unsigned flag;
    const char *name;                          /* under /proc/PID/ns */
} ns_options[] = {
    { 'm', CLONE_NEWNS, "mnt" }, { 'u', CLONE_NEWUTS, "uts" }, { 'i', CLONE_NEWIPC, "ipc" },
    { 'p', CLONE_NEWPID, "pid" }, { 'C', CLONE_NEWCGROUP, "cgroup" },
};

unsigned ns_flag(char letter, const char **name)
{
    for (unsigned i = 0; i < sizeof ns_options / sizeof ns_options[0]; i++)
        if (ns_options[i].letter == letter) {
            if (name)
                *name = ns_options[i].name;
            return ns_options[i].flag;
        }
    return 0;
}
