/* nscheck.c — a self-checking exercise of the namespace system calls; prints one line per check
 * and "nscheck: ok" when all pass:
 *   pid      clone(CLONE_NEWPID): the child is PID 1 with parent 0; the parent sees another number
 *   nested   a PID namespace inside that one: its first process is PID 1 there too, and the
 *            middle namespace sees it as its PID 2
 *   outside  a process in a child namespace cannot signal one outside it (ESRCH)
 *   zap      when a namespace's PID 1 exits, the rest of the namespace is killed
 *   uts      unshare(CLONE_NEWUTS) + sethostname changes only the new namespace
 *   ipc      the same message-queue key in two IPC namespaces names two queues
 *   setns    setns on /proc/PID/ns/uts joins that process's UTS namespace */
#include "../lib/libc.h"

static int failures;

static void check(const char *what, int ok)
{
    printf("nscheck: %-8s %s\n", what, ok ? "ok" : "FAILED");
    failures += !ok;
}

/* Run f in a child with the given clone flags; its exit status is the verdict (0 = passed). */
static int in_child(unsigned flags, int (*f)(void))
{
    pid_t pid = clone_ns(flags);
    if (pid == 0)
        _exit(f());
    if (pid < 0)
        return 0;
    int status = 1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int pid_child(void)
{
    return getpid() == 1 && getppid() == 0 ? 0 : 1;
}

static int nested_inner(void)
{
    return getpid() == 1 ? 0 : 1;
}

static int nested_middle(void)
{
    pid_t pid = clone_ns(CLONE_NEWPID);
    if (pid == 0)
        _exit(nested_inner());
    int status = 1;
    waitpid(pid, &status, 0);
    return pid == 2 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static pid_t outer_pid;

static int outside_child(void)
{
    return kill(outer_pid, 0) < 0 && errno == ESRCH ? 0 : 1;
}

/* PID 1 of a new namespace starts a sleeper, tells us its number (through a pipe) and exits. */
static int zap_init(void);
static int zap_pipe[2];

static int zap_init(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    close(zap_pipe[0]);
    write(zap_pipe[1], "x", 1);
    return 0;
}

static int uts_child(void)
{
    if (unshare(CLONE_NEWUTS) < 0 || sethostname("inside", 6) < 0)
        return 1;
    struct utsname u;
    uname(&u);
    return strcmp(u.nodename, "inside") == 0 ? 0 : 1;
}

struct msg {
    long type;
    char text[8];
};

static int ipc_child(void)
{
    int q = msgget(4242, IPC_CREAT);       /* a new namespace: the parent's queue is not here */
    struct msg m;
    int r = msgrcv(q, &m, sizeof m.text, 0, IPC_NOWAIT);
    msgctl(q, IPC_RMID, 0);
    return r < 0 && errno == ENOMSG ? 0 : 1;
}

static int setns_target_pipe[2];

int main(void)
{
    struct utsname before, after;
    uname(&before);

    check("pid", in_child(CLONE_NEWPID, pid_child));
    check("nested", in_child(CLONE_NEWPID, nested_middle));

    outer_pid = fork();                     /* a process outside the child's namespace */
    if (outer_pid == 0)
        for (;;)
            pause();
    check("outside", in_child(CLONE_NEWPID, outside_child));
    kill(outer_pid, SIGKILL);
    waitpid(outer_pid, 0, 0);

    /* zap: count our processes before and after the namespace's PID 1 exits */
    pipe(zap_pipe);
    pid_t init = clone_ns(CLONE_NEWPID);
    if (init == 0)
        _exit(zap_init());
    close(zap_pipe[1]);
    char c;
    read(zap_pipe[0], &c, 1);
    close(zap_pipe[0]);
    int status;
    waitpid(init, &status, 0);
    struct timespec tick = { 0, 20000000 };
    nanosleep(&tick, 0);                    /* the sleeper is killed... */
    while (waitpid(-1, 0, WNOHANG) > 0)     /* ...and reaped by init, or by us if we are a PID 1 */
        ;
    DIR *d = opendir("/proc");
    int sleepers = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[64], buf[64];
        if (!isdigit(e->d_name[0]))
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY);
        int n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : 0;
        if (fd >= 0)
            close(fd);
        buf[n > 0 ? n : 0] = 0;
        char *state = strstr(buf, "(nscheck) ");
        if (state && state[10] != 'Z' && atoi(buf) != getpid())
            sleepers++;
    }
    if (d)
        closedir(d);
    check("zap", sleepers == 0);

    check("uts", in_child(0, uts_child));
    uname(&after);
    if (strcmp(before.nodename, after.nodename))
        check("uts", 0);

    int q = msgget(4242, IPC_CREAT);
    struct msg m = { 1, "hello" };
    msgsnd(q, &m, sizeof m.text, 0);
    int ipc_ok = in_child(CLONE_NEWIPC, ipc_child);
    struct msg got;
    ipc_ok = ipc_ok && msgrcv(q, &got, sizeof got.text, 0, IPC_NOWAIT) == (int)sizeof got.text && !strcmp(got.text, "hello");
    msgctl(q, IPC_RMID, 0);
    check("ipc", ipc_ok);

    /* setns: a child in a new UTS namespace names itself, then waits; we join it */
    pipe(setns_target_pipe);
    pid_t t = fork();
    if (t == 0) {
        unshare(CLONE_NEWUTS);
        sethostname("joined", 6);
        close(setns_target_pipe[0]);
        write(setns_target_pipe[1], "x", 1);
        for (;;)
            pause();
    }
    close(setns_target_pipe[1]);
    read(setns_target_pipe[0], &c, 1);
    close(setns_target_pipe[0]);
    pid_t joiner = fork();
    if (joiner == 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/uts", t);
        int fd = open(path, O_RDONLY);
        struct utsname u;
        _exit(fd >= 0 && setns(fd, CLONE_NEWUTS) == 0 && uname(&u) == 0 && !strcmp(u.nodename, "joined") ? 0 : 1);
    }
    waitpid(joiner, &status, 0);
    kill(t, SIGKILL);
    waitpid(t, 0, 0);
    check("setns", WIFEXITED(status) && WEXITSTATUS(status) == 0);

    printf(failures ? "nscheck: FAILED\n" : "nscheck: ok\n");
    return failures ? 1 : 0;
}
