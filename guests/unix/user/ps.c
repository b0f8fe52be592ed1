/* ps.c — list processes from /proc/<pid>/stat: PID, parent, process group, state, name.
 * It first sleeps one clock tick so that processes which are merely runnable (say, the shell
 * between fork and wait) settle into what they are doing: the report is then reproducible. */
#include "../lib/libc.h"

struct row {
    int pid, ppid, pgid;
    char state[4];
    char name[32];
};

static int by_pid(const void *a, const void *b)
{
    return ((const struct row *)a)->pid - ((const struct row *)b)->pid;
}

/* "pid (name) S ppid pgid" */
static int parse(const char *s, struct row *r)
{
    r->pid = atoi(s);
    const char *open = strchr(s, '('), *close = strrchr(s, ')');
    if (!open || !close || close < open)
        return -1;
    int len = close - open - 1 < 31 ? close - open - 1 : 31;
    memcpy(r->name, open + 1, len);
    r->name[len] = 0;
    const char *p = close + 2;
    r->state[0] = *p;
    r->state[1] = 0;
    char *end;
    r->ppid = strtol(p + 1, &end, 10);
    r->pgid = strtol(end, 0, 10);
    return 0;
}

int main(void)
{
    struct timespec tick = { 0, 10000000 };
    nanosleep(&tick, 0);
    DIR *d = opendir("/proc");
    if (!d) {
        dprintf(2, "ps: /proc: %s\n", strerror(errno));
        return 1;
    }
    struct row rows[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (!isdigit(e->d_name[0]))
            continue;
        char path[64], buf[128];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;                  /* exited meanwhile */
        int len = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (len <= 0)
            continue;
        buf[len] = 0;
        if (parse(buf, &rows[n]) == 0)
            n++;
    }
    closedir(d);
    qsort(rows, n, sizeof rows[0], by_pid);
    printf("  PID  PPID  PGID S CMD\n");
    for (int i = 0; i < n; i++)
        printf("%5d %5d %5d %s %s\n", rows[i].pid, rows[i].ppid, rows[i].pgid, rows[i].state, rows[i].name);
    return 0;
}
