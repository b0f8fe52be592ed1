/* ctrd.c — the container control daemon: serves the host's requests on the pvchan control
 * stream (/dev/pvctl, stream 0; docs/containers.md). A request is one line "ID VERB ARGS..."
 * with the words of `ctr`; the answer is one line "ID ok JSON" or "ID err MESSAGE". Things
 * the host did not ask about come as "0 event JSON": ctrd is ready, a container's PID 1
 * exited (with its status and whether the OOM killer ended something in it).
 * init starts ctrd when the device is there. Containers it runs are its children. */
#include "../lib/ctr/runtime.h"

#define MAXLINE 512
#define MAXWORDS 32

static int ctl;
static struct ctr_out out;

static void send_line(const char *text)
{
    write_all(ctl, text, strlen(text));
}

static void exit_event(const char *name, int status)
{
    char line[256];
    snprintf(line, sizeof line, "0 event {\"type\":\"exit\",\"name\":\"%s\",\"status\":%d,\"signal\":%d,\"oom_kills\":%d}\n",
             name, WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
             ctr_oom_kills(name));
    send_line(line);
}

/* Reap exited children; a container's PID 1 becomes an exit event. */
static void reap(void)
{
    int pid, status;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        char name[64];
        if (ctr_name_of_pid(pid, name, sizeof name))
            exit_event(name, status);
    }
}

static volatile int children_exited;

static void on_child(int sig)
{
    (void)sig;                                 /* ends a blocked read: reap() runs next */
    children_exited = 1;
}

static void serve(char *line)
{
    char *words[MAXWORDS + 1];
    int n = 0;
    for (char *p = line; *p && n < MAXWORDS;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            *p++ = 0;
        if (!*p)
            break;
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
    }
    words[n] = 0;
    if (n == 0)
        return;
    const char *id = words[0];
    static char reply[sizeof out.text + 64];
    if (n < 2) {
        snprintf(reply, sizeof reply, "%s err empty request\n", id);
        send_line(reply);
        return;
    }
    int r = ctr_command(n - 1, words + 1, &out);
    if (r != 0)                                /* one line per answer: JSON has no newlines, messages may */
        for (char *p = out.text; (p = strchr(p, '\n'));)
            *p = p[1] ? ' ' : 0;
    const char *text = out.len && out.text[0] ? out.text : r == 0 ? "{}" : "failed";
    int k = strlen(id), t = strlen(text);      /* ID, " ok " or " err ", the answer, LF */
    memcpy(reply, id, k);
    memcpy(reply + k, r == 0 ? " ok " : " err ", r == 0 ? 4 : 5);
    k += r == 0 ? 4 : 5;
    if (t > (int)sizeof reply - k - 2)
        t = sizeof reply - k - 2;
    memcpy(reply + k, text, t);
    reply[k + t] = '\n';
    write_all(ctl, reply, k + t + 1);
}

int main(void)
{
    ctl = open("/dev/pvctl", O_RDWR);
    if (ctl < 0) {
        dprintf(2, "ctrd: /dev/pvctl: %s\n", strerror(errno));
        return 1;
    }
    out.json = 1;
    out.detach_only = 1;
    ctr_exit_hook = exit_event;
    struct k_sigaction sa = { (uint32_t)on_child, 0, 0, { 0, 0 } };
    sigaction(SIGCHLD, &sa, 0);
    if (ctr_setup_daemon() < 0)
        dprintf(2, "ctrd: cannot set up /run/ctr and /sys/fs/cgroup/ctr: %s\n", strerror(errno));
    send_line("0 event {\"type\":\"ready\"}\n");
    static char buf[MAXLINE * 4];
    int len = 0;
    for (;;) {
        int r = read(ctl, buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno != EINTR)
            return 1;
        if (r > 0)
            len += r;
        buf[len] = 0;
        char *nl;
        while ((nl = strchr(buf, '\n'))) {
            *nl = 0;
            serve(buf);
            len -= nl + 1 - buf;
            memmove(buf, nl + 1, len + 1);
        }
        if (len >= (int)sizeof buf - 1)
            len = 0;                           /* a line too long: dropped */
        if (children_exited) {
            children_exited = 0;
            reap();
        }
    }
}
