/* runtime.c — the container runtime behind `ctr` and `ctrd`.
 *
 * A container is a directory /run/ctr/NAME holding `config` (its record: the JSON object ctrd
 * answers with, the command included) and `rootfs`, where an overlay of the image /images/IMAGE is mounted (the image's
 * files are shared by every container made from it and copied only when one writes them),
 * plus a cgroup /sys/fs/cgroup/ctr/NAME holding its limits.
 *
 * Creating one is one straight pipeline:
 *   state dir -> cgroup and limits -> overlay rootfs and its /dev -> clone(CLONE_NEWPID | CLONE_NEWNS |
 *   CLONE_NEWUTS | CLONE_NEWIPC) -> (parent) move the child into the cgroup, let it go ->
 *   (child) unshare(CLONE_NEWCGROUP), hostname, /proc and /tmp in the rootfs, pivot_root into it,
 *   detach the old root, console on 0/1/2 -> exec the command as PID 1.
 *
 * The lifecycle is a state machine; a verb from a state it does not start from is refused:
 *
 *     create ──> created ──start──> running ──pause──> paused
 *                   │                 │  ^──resume──────┘ │
 *                   └──────stop───────┴──────stop──────────┴──> stopped ──rm──> (gone)
 *
 * `run` is create then start. A container whose processes have all exited is stopped.
 * "created" is a child held by its frozen cgroup before it sets up its root; start thaws it. */
#include "runtime.h"

#define RUN_DIR  "/run/ctr"
#define CG_DIR   "/sys/fs/cgroup/ctr"
#define MAXNAME  32
#define DEFAULT_PIDS 64         /* pids.max unless --pids-limit says otherwise ("max" lifts it) */
#define PATH_MAX 256

void (*ctr_exit_hook)(const char *name, int status);

struct container {
    char name[MAXNAME];
    char hostname[MAXNAME * 2];
    char image[MAXNAME];
    char memory[16];            /* as given: "16M", or "max" */
    char cpus[16];              /* as given: "0.5", or "max" */
    int pids_limit;             /* -1 = max */
    int console;                /* pvchan stream, 0 = none (the caller's terminal or /dev/null) */
    int pid;                    /* PID 1 of the container, as the host numbers it */
    char state[12];
    char cmd[256];              /* the command, words separated by spaces */
};

/* ---- small helpers ---- */

static void say(struct ctr_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->text + o->len, sizeof o->text - o->len, fmt, ap);
    va_end(ap);
    o->len += n;
    if (o->len > (int)sizeof o->text - 1)
        o->len = sizeof o->text - 1;
}

static int fail(struct ctr_out *o, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    o->len = vsnprintf(o->text, sizeof o->text, fmt, ap);
    va_end(ap);
    if (o->len > (int)sizeof o->text - 1)
        o->len = sizeof o->text - 1;
    return status;
}

/* Write text to the file `path`, relative to directory dirfd (AT_FDCWD: the working directory). */
static int write_file_at(int dirfd, const char *path, const char *text)
{
    int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    int n = strlen(text);
    int r = write_all(fd, text, n) == n ? 0 : -1;
    close(fd);
    return r;
}

static int write_file(const char *path, const char *text)
{
    return write_file_at(AT_FDCWD, path, text);
}

/* A directory the runtime works in, opened once per process (ctrd keeps it open). */
static int dir_fd(const char *path, int *fd)
{
    if (*fd < 0)
        *fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return *fd;
}

static int run_fd = -1, cg_fd = -1;            /* RUN_DIR and CG_DIR */

static int read_file(const char *path, char *buf, int size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int n = 0, r;
    while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0) {
        n += r;
        if (r < size - 1 - (n - r))
            break;                             /* a short read of a file: its end */
    }
    close(fd);
    buf[n] = 0;
    return n;
}

static long read_number(const char *path)
{
    char buf[32];
    if (read_file(path, buf, sizeof buf) < 0)
        return -1;
    if (!strncmp(buf, "max", 3))
        return -2;
    return strtol(buf, 0, 10);
}

/* The number after "key " in a "key value" file like cpu.stat. */
static long stat_field(const char *path, const char *key)
{
    char buf[256];
    if (read_file(path, buf, sizeof buf) < 0)
        return -1;
    int n = strlen(key);
    for (char *p = buf; *p; p++)
        if ((p == buf || p[-1] == '\n') && !strncmp(p, key, n) && p[n] == ' ')
            return strtol(p + n + 1, 0, 10);
    return -1;
}

/* buf = dir "/" name ["/" file], cut to PATH_MAX. */
static void join(char *buf, const char *dir, const char *name, const char *file)
{
    const char *parts[] = { dir, "/", name, file ? "/" : "", file ? file : "" };
    size_t n = 0;
    for (int i = 0; i < 5; i++) {
        size_t k = strlen(parts[i]);
        if (k > PATH_MAX - 1 - n)
            k = PATH_MAX - 1 - n;
        memcpy(buf + n, parts[i], k);
        n += k;
    }
    buf[n] = 0;
}

static void path_of(char *buf, const char *name, const char *file)
{
    join(buf, RUN_DIR, name, file);
}

static void cgroup_of(char *buf, const char *name, const char *file)
{
    join(buf, CG_DIR, name, file);
}

static int valid_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) >= MAXNAME)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || isdigit(*s) || *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

/* ---- the container record: a JSON object, the answer to ctrd's verbs and the config file ---- */

/* s as a JSON string: '"' and '\\' escaped, control characters as \u00XX (RFC 8259 §7). */
static void say_str(struct ctr_out *o, const char *s)
{
    char *p = o->text + o->len, *end = o->text + sizeof o->text - 8;
    *p++ = '"';
    for (; *s && p < end; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            *p++ = '\\';
            *p++ = ch;
        } else if (ch < 0x20) {
            p += snprintf(p, 8, "\\u%04x", ch);
        } else {
            *p++ = ch;
        }
    }
    *p++ = '"';
    *p = 0;
    o->len = p - o->text;
}

/* Literal text, appended (cut at the end of o->text). */
static void say_lit(struct ctr_out *o, const char *s)
{
    o->len += strlcpy(o->text + o->len, s, sizeof o->text - o->len);
    if (o->len > (int)sizeof o->text - 1)
        o->len = sizeof o->text - 1;
}

static void say_int(struct ctr_out *o, int v)
{
    char buf[12], *p = buf + sizeof buf;
    unsigned u = v < 0 ? -(unsigned)v : (unsigned)v;
    *--p = 0;
    do
        *--p = '0' + u % 10;
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    say_lit(o, p);
}

static void container_json(struct ctr_out *o, struct container *c)
{
    const struct {
        const char *key;            /* with what goes before it */
        const char *str;            /* a string field, or 0 for the number */
        int num;
    } fields[] = {
        { "{\"name\":", c->name, 0 },       { ",\"state\":", c->state, 0 },
        { ",\"pid\":", 0, c->pid },         { ",\"hostname\":", c->hostname, 0 },
        { ",\"image\":", c->image, 0 },     { ",\"console\":", 0, c->console },
        { ",\"memory\":", c->memory, 0 },   { ",\"cpus\":", c->cpus, 0 },
        { ",\"pids_limit\":", 0, c->pids_limit }, { ",\"cmd\":", c->cmd, 0 },
    };
    for (unsigned k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        say_lit(o, fields[k].key);
        if (fields[k].str)
            say_str(o, fields[k].str);
        else
            say_int(o, fields[k].num);
    }
    say_lit(o, "}");
}

/* Write c's record to its config file; the JSON is also left in o (appended) if o is given. */
static int save_into(struct container *c, struct ctr_out *o)
{
    static struct ctr_out tmp;
    char path[PATH_MAX];
    if (!o) {
        o = &tmp;
        o->len = 0;
    }
    int start = o->len;
    container_json(o, c);
    if (run_fd >= 0) {                         /* RUN_DIR is open: a shorter walk */
        snprintf(path, sizeof path, "%s/config", c->name);
        return write_file_at(run_fd, path, o->text + start);
    }
    path_of(path, c->name, "config");
    return write_file(path, o->text + start);
}

static int save(struct container *c)
{
    return save_into(c, 0);
}

/* The value of "key" in a record: a string (unescaped) or a number, into out; "" if absent. */
static void field(const char *text, const char *key, char *out, int size)
{
    int n = strlen(key), k = 0;
    out[0] = 0;
    for (const char *p = text; (p = strchr(p, '"')); p++) {
        if (strncmp(p + 1, key, n) || p[n + 1] != '"' || p[n + 2] != ':')
            continue;
        p += n + 3;
        if (*p == '"') {
            for (p++; *p && *p != '"' && k < size - 1; p++) {
                if (*p == '\\' && p[1] == 'u' && p[2] && p[3] && p[4] && p[5]) {
                    out[k++] = (char)strtol((char[]){ p[4], p[5], 0 }, 0, 16);
                    p += 5;
                } else {
                    if (*p == '\\' && p[1])
                        p++;
                    out[k++] = *p;
                }
            }
        } else {
            while (*p && *p != ',' && *p != '}' && k < size - 1)
                out[k++] = *p++;
        }
        out[k] = 0;
        return;
    }
}

static int pids_current(const char *name)
{
    char path[PATH_MAX];
    cgroup_of(path, name, "pids.current");
    return (int)read_number(path);
}

static void set_state(struct container *c, const char *state)
{
    strlcpy(c->state, state, sizeof c->state);
    save(c);
}

/* Load NAME; a container whose processes are all gone is stopped from now on. */
static int load(const char *name, struct container *c)
{
    char path[PATH_MAX], text[768], v[32];
    memset(c, 0, sizeof *c);
    if (!valid_name(name))
        return -1;
    path_of(path, name, "config");
    if (read_file(path, text, sizeof text) < 0)
        return -1;
    field(text, "name", c->name, sizeof c->name);
    field(text, "hostname", c->hostname, sizeof c->hostname);
    field(text, "image", c->image, sizeof c->image);
    field(text, "memory", c->memory, sizeof c->memory);
    field(text, "cpus", c->cpus, sizeof c->cpus);
    field(text, "cmd", c->cmd, sizeof c->cmd);
    field(text, "pids_limit", v, sizeof v);
    c->pids_limit = atoi(v);
    field(text, "console", v, sizeof v);
    c->console = atoi(v);
    field(text, "pid", v, sizeof v);
    c->pid = atoi(v);
    field(text, "state", c->state, sizeof c->state);
    if (strcmp(c->state, "stopped") != 0 && pids_current(name) <= 0)
        set_state(c, "stopped");
    return 0;
}

/* ---- the state machine ---- */

static const struct {
    const char *verb;
    const char *from;           /* states it may start from, space separated */
    const char *to;
} transitions[] = {
    { "start",  "created",                 "running" },
    { "pause",  "running",                 "paused"  },
    { "resume", "paused",                  "running" },
    { "stop",   "created running paused",  "stopped" },
    { "rm",     "stopped",                 "removed" },
    { "exec",   "running",                 "running" },
};

static int has_word(const char *list, const char *w)
{
    int n = strlen(w);
    for (const char *p = list; *p; p++)
        if ((p == list || p[-1] == ' ') && !strncmp(p, w, n) && (p[n] == ' ' || !p[n]))
            return 1;
    return 0;
}

/* 0 if verb may act on c now, else the error (in out). */
static int allowed(struct container *c, const char *verb, struct ctr_out *o)
{
    for (unsigned i = 0; i < sizeof transitions / sizeof transitions[0]; i++) {
        if (strcmp(transitions[i].verb, verb))
            continue;
        if (has_word(transitions[i].from, c->state))
            return 0;
        return fail(o, 1, "ctr %s: cannot %s container %s: it is %s (%s needs %s)", verb, verb, c->name, c->state,
                    verb, transitions[i].from);
    }
    return 0;
}

/* ---- answers ---- */

static void stats_json(struct ctr_out *o, struct container *c)
{
    char path[PATH_MAX];
    cgroup_of(path, c->name, "memory.current");
    long mem = read_number(path);
    cgroup_of(path, c->name, "memory.peak");
    long peak = read_number(path);
    cgroup_of(path, c->name, "memory.max");
    long max = read_number(path);
    cgroup_of(path, c->name, "cpu.stat");
    long usage = stat_field(path, "usage_usec"), throttled = stat_field(path, "nr_throttled");
    long throttled_usec = stat_field(path, "throttled_usec");
    cgroup_of(path, c->name, "memory.events");
    long oom = stat_field(path, "oom_kill");
    say(o, "{\"name\":\"%s\",\"state\":\"%s\",\"memory_pages\":%ld,\"memory_peak_pages\":%ld,\"memory_max_pages\":%ld,"
           "\"pids\":%d,\"pids_max\":%d,\"cpu_usage_usec\":%ld,\"nr_throttled\":%ld,\"throttled_usec\":%ld,\"oom_kills\":%ld}",
        c->name, c->state, mem < 0 ? 0 : mem / 4096, peak < 0 ? 0 : peak / 4096, max < 0 ? -1 : max / 4096,
        pids_current(c->name) < 0 ? 0 : pids_current(c->name), c->pids_limit, usage, throttled, throttled_usec, oom);
}

/* Call f(name, arg) for every container, in creation order; stops early when f returns nonzero. */
static int each_container(int (*f)(const char *name, void *arg), void *arg)
{
    DIR *d = opendir(RUN_DIR);
    if (!d)
        return 0;
    struct dirent *e;
    int r = 0;
    while (!r && (e = readdir(d)))
        if (valid_name(e->d_name))
            r = f(e->d_name, arg);
    closedir(d);
    return r;
}

struct pid_query {
    int pid;
    char *name;
    int size;
};

static int has_pid(const char *name, void *arg)
{
    struct pid_query *q = arg;
    char path[PATH_MAX], text[768], v[16];
    path_of(path, name, "config");
    if (read_file(path, text, sizeof text) < 0)
        return 0;
    field(text, "pid", v, sizeof v);
    if (atoi(v) != q->pid)
        return 0;
    strlcpy(q->name, name, q->size);
    return 1;
}

int ctr_name_of_pid(int pid, char *name, int size)
{
    struct pid_query q = { pid, name, size };
    return each_container(has_pid, &q);
}

int ctr_oom_kills(const char *name)
{
    char path[PATH_MAX];
    cgroup_of(path, name, "memory.events");
    return (int)stat_field(path, "oom_kill");
}

/* ---- creating: the pipeline ---- */

static int ensure_dir(const char *path)
{
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* "16M", "512K", "1G", "4096" or "max" -> the text memory.max takes; 0 if malformed. */
static int memory_arg(const char *s)
{
    if (!strcmp(s, "max"))
        return 1;
    char *end;
    long v = strtol(s, &end, 10);
    return v > 0 && (!*end || (!end[1] && strchr("KkMmGg", *end)));
}

/* "0.5" or "2" or "max" -> cpu.max text ("50000 100000"); 0 if malformed. */
static int cpus_arg(const char *s, char *cpu_max, int size)
{
    if (!strcmp(s, "max")) {
        strlcpy(cpu_max, "max 100000", size);
        return 1;
    }
    long whole = 0, frac = 0, scale = 1;
    const char *p = s;
    if (!isdigit(*p) && *p != '.')
        return 0;
    while (isdigit(*p))
        whole = whole * 10 + (*p++ - '0');
    if (*p == '.')
        for (p++; isdigit(*p) && scale < 100000; p++)
            frac = frac * 10 + (*p - '0'), scale *= 10;
    if (*p)
        return 0;
    long quota = whole * 100000 + frac * 100000 / scale;
    if (quota < 1000 || quota > 100000 * 64)
        return 0;
    snprintf(cpu_max, size, "%ld 100000", quota);
    return 1;
}

/* Claim the first free number k in [lo, hi] by making directory PREFIXk (mkdir is the claim:
 * it fails if k is taken), starting after the last one claimed: constant work however many
 * containers there are. Where to start is a hint: `counter` for one-shot `ctr` processes; a
 * process that claims again (ctrd) keeps it in *next and leaves the file alone. */
static int claim(int dirfd, const char *prefix, const char *counter, int lo, int hi, int *next)
{
    char buf[16], path[PATH_MAX];
    int start = *next ? *next : read_file(counter, buf, sizeof buf) > 0 ? atoi(buf) : lo;
    if (start < lo || start > hi)
        start = lo;
    for (int i = 0; i <= hi - lo; i++) {
        int k = lo + (start - lo + i) % (hi - lo + 1);
        snprintf(path, sizeof path, "%s%d", prefix, k);
        if (mkdirat(dirfd, path, 0700) == 0) {
            if (!*next) {
                snprintf(buf, sizeof buf, "%d\n", k + 1);
                write_file(counter, buf);
            }
            *next = k + 1;
            return k;
        }
    }
    return 0;
}

static int next_console;                       /* claim()'s hint for consoles */
static int pvchan_present(void);
static int image_cmd(const char *image, char *buf, int size);

static int free_console(void)
{
    return claim(run_fd, ".consoles/", RUN_DIR "/.next-console", 1, 255, &next_console);
}

/* Images' default commands, read once per process (images are read-only by contract). */
static struct {
    char image[MAXNAME];
    char cmd[256];
} image_cmds[8];

/* The runtime's state directories, made if missing and opened; for a daemon, also the console
 * hint and the images' commands, so that its first container costs what the others do. */
int ctr_setup(void)
{
    static int done;
    if (done)
        return 0;
    struct stat64 st;
    if (stat(RUN_DIR "/.consoles", &st) < 0 &&
        (ensure_dir("/run") < 0 || ensure_dir(RUN_DIR) < 0 || ensure_dir(CG_DIR) < 0 || ensure_dir(RUN_DIR "/.consoles") < 0))
        return -1;
    if (dir_fd(RUN_DIR, &run_fd) < 0 || dir_fd(CG_DIR, &cg_fd) < 0)
        return -1;
    done = 1;
    return 0;
}

int ctr_setup_daemon(void)
{
    if (ctr_setup() < 0)
        return -1;
    char buf[16];
    next_console = read_file(RUN_DIR "/.next-console", buf, sizeof buf) > 0 ? atoi(buf) : 1;
    pvchan_present();
    DIR *d = opendir("/images");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char cmd[256];
        if (e->d_name[0] != '.')
            image_cmd(e->d_name, cmd, sizeof cmd);
    }
    if (d)
        closedir(d);
    return 0;
}

/* IMAGE's /etc/cmd into buf; 0 if it has none (or there is no such image). */
static int image_cmd(const char *image, char *buf, int size)
{
    unsigned k;
    for (k = 0; k < sizeof image_cmds / sizeof image_cmds[0] && image_cmds[k].image[0]; k++)
        if (!strcmp(image_cmds[k].image, image))
            return strlcpy(buf, image_cmds[k].cmd, size), 1;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "/images/%s/etc/cmd", image);
    if (read_file(path, buf, size) <= 0)
        return 0;
    if (k < sizeof image_cmds / sizeof image_cmds[0]) {
        strlcpy(image_cmds[k].image, image, sizeof image_cmds[k].image);
        strlcpy(image_cmds[k].cmd, buf, sizeof image_cmds[k].cmd);
    }
    return 1;
}

static int pvchan_present(void)
{
    static int present = -1;                   /* the device does not come and go */
    struct stat64 st;
    if (present < 0)
        present = stat("/dev/pvctl", &st) == 0;
    return present;
}

/* What the child between clone and exec needs. Two ways to start it:
 *   - `run`: clone_vfork — the child runs in our memory (nothing copied; we sleep until it
 *     execs or exits), joins its cgroup itself, and a failure comes back in `err`;
 *   - `create`: a forked child waits on the `go` pipe while we move it into its cgroup and
 *     freeze that, and reports on the `ready` pipe ("ok" or why not). */
struct setup {
    struct container *c;
    char **cmd;
    int go, ready;              /* the create pipes; -1 on the vfork way */
    int foreground;             /* on the caller's terminal rather than /dev/console */
    char err[160];              /* the vfork way: why the setup failed ("" if it exec'd) */
};

/* The child: it is PID 1 of its new namespaces. Returns (an exit status) only on error. */
static int child(void *arg)
{
    struct setup *s = arg;
    struct container *c = s->c;
    char byte;
    const char *step;
    if (s->go >= 0) {                          /* the fork way: wait until we are in the cgroup */
        if (read(s->go, &byte, 1) != 1)
            return 125;
        close(s->go);
    }
    /* now in its cgroup: that cgroup becomes the root of what it sees (after the move, as runc) */
    step = "unshare the cgroup namespace";   /* the vfork way was born with one (clone3) */
    if (s->go >= 0 && unshare(CLONE_NEWCGROUP) < 0)
        goto bad;
    step = "sethostname";
    if (sethostname(c->hostname, strlen(c->hostname)) < 0)
        goto bad;
    step = "enter the rootfs";                 /* the rest is relative to it */
    if (chdir("rootfs") < 0)
        goto bad;
    /* images come with /proc (made here if one does not); /tmp is the rootfs's own, like the rest
     * of it in memory and charged to the container's cgroup */
    step = "mount /proc";
    if (mount("proc", "proc", "proc", 0, 0) < 0 && (errno != ENOENT || ensure_dir("proc") < 0 || mount("proc", "proc", "proc", 0, 0) < 0))
        goto bad;
    /* the rootfs becomes "/" with the old root stacked on it, and the old root goes: no
     * directory to put it in (pivot_root(2), "pivot_root(".", ".")") */
    step = "pivot_root";
    if (pivot_root(".", ".") < 0)
        goto bad;
    step = "detach the old root";
    if (umount2(".", MNT_DETACH) < 0)
        goto bad;
    if (!s->foreground) {
        step = "open /dev/console";
        if (s->ready < 0) {                    /* nothing else to keep: the console becomes 0, 1, 2 */
            close_range(0, ~0u, 0);
            if (open("/dev/console", O_RDWR) != 0 || dup(0) != 1 || dup(0) != 2)
                goto bad;
        } else {
            int fd = open("/dev/console", O_RDWR);
            if (fd < 0)
                goto bad;
            for (int i = 0; i < 3; i++)
                if (fd != i)
                    dup2(fd, i);
            if (s->ready > 3)
                close_range(3, s->ready - 1, 0);
            close_range(s->ready + 1, ~0u, 0);
        }
    }
    if (s->ready >= 0) {                       /* vfork's way learns it from execve */
        step = "find the command";
        struct stat64 st;
        if (stat(s->cmd[0], &st) < 0)
            goto bad;
        signal(SIGPIPE, SIG_IGN);              /* after `create` nobody reads this */
        write(s->ready, "ok", 2);
        close(s->ready);
        signal(SIGPIPE, SIG_DFL);
    }
    char *envp[] = { "PATH=/bin", "HOME=/", 0 };
    execve(s->cmd[0], s->cmd, envp);
    step = "exec";
bad:
    snprintf(s->err, sizeof s->err, "%s: %s", step, strerror(errno));
    if (s->ready >= 0) {
        signal(SIGPIPE, SIG_IGN);
        write(s->ready, s->err, strlen(s->err));
    }
    return 125;
}

static void cleanup(struct container *c)
{
    char path[PATH_MAX];
    chdir("/");                                /* create() works in the container's directory */
    if (c->console > 0) {
        snprintf(path, sizeof path, RUN_DIR "/.consoles/%d", c->console);
        rmdir(path);
    }
    path_of(path, c->name, "rootfs");
    umount2(path, MNT_DETACH);
    rmdir(path);
    cgroup_of(path, c->name, 0);
    rmdir(path);
    path_of(path, c->name, "config");
    unlink(path);
    path_of(path, c->name, 0);
    rmdir(path);
}

static int wait_stopped(struct container *c, int reap)
{
    for (int i = 0; i < 500; i++) {
        int status;
        if (reap && c->pid > 0 && waitpid(c->pid, &status, WNOHANG) == c->pid && ctr_exit_hook)
            ctr_exit_hook(c->name, status);
        if (pids_current(c->name) <= 0)
            return 0;
        struct timespec t = { 0, 10000000 };
        nanosleep(&t, 0);
    }
    return -1;
}

static int create(int argc, char **argv, struct ctr_out *o, int start)
{
    struct container c;
    memset(&c, 0, sizeof c);
    strlcpy(c.image, "minimal", sizeof c.image);
    strlcpy(c.memory, "max", sizeof c.memory);
    strlcpy(c.cpus, "max", sizeof c.cpus);
    c.pids_limit = DEFAULT_PIDS;
    int detach = o->detach_only || !start, i, console = -1;
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : 0;
        if (!strcmp(opt, "-d") || !strcmp(opt, "--detach")) {
            detach = 1;
            continue;
        }
        if (!strcmp(opt, "--")) {
            i++;
            break;
        }
        if (!val)
            return fail(o, 2, "ctr %s: option %s needs a value", argv[0], opt);
        i++;
        char *into = !strcmp(opt, "--name") ? c.name : !strcmp(opt, "--image") ? c.image : 0;
        if (into && strlen(val) >= MAXNAME)
            return fail(o, 2, "ctr %s: %s '%s' is too long (at most %d characters)", argv[0], opt, val, MAXNAME - 1);
        if (into)
            strlcpy(into, val, MAXNAME);
        else if (!strcmp(opt, "--hostname")) {
            if (strlen(val) >= sizeof c.hostname)
                return fail(o, 2, "ctr %s: --hostname is too long (at most %d characters)", argv[0], (int)sizeof c.hostname - 1);
            strlcpy(c.hostname, val, sizeof c.hostname);
        }
        else if (!strcmp(opt, "--memory"))
            strlcpy(c.memory, val, sizeof c.memory);
        else if (!strcmp(opt, "--cpus"))
            strlcpy(c.cpus, val, sizeof c.cpus);
        else if (!strcmp(opt, "--pids-limit"))
            c.pids_limit = !strcmp(val, "max") ? -1 : atoi(val);
        else if (!strcmp(opt, "--console"))
            console = atoi(val);
        else
            return fail(o, 2, "ctr %s: unknown option %s", argv[0], opt);
    }
    char cpu_max[32], path[PATH_MAX];
    if (!memory_arg(c.memory))
        return fail(o, 2, "ctr %s: bad --memory '%s' (a size like 16M, 512K, or max)", argv[0], c.memory);
    if (!cpus_arg(c.cpus, cpu_max, sizeof cpu_max))
        return fail(o, 2, "ctr %s: bad --cpus '%s' (a number of CPUs like 0.5, or max)", argv[0], c.cpus);
    if (c.pids_limit == 0 || c.pids_limit < -1)
        return fail(o, 2, "ctr %s: bad --pids-limit (a positive number, or max)", argv[0]);
    if (!valid_name(c.image) || !valid_name(c.name[0] ? c.name : "x") || (c.hostname[0] && strchr(c.hostname, ' ')))
        return fail(o, 2, "ctr %s: names are letters, digits, '-', '_' and '.', at most %d", argv[0], MAXNAME - 1);
    /* the image must exist (reading its /etc/cmd shows it does). Images are read-only by
     * contract, unpacked once at boot, so a process that starts many containers (ctrd) reads an
     * image's /etc/cmd once. */
    struct stat64 st;
    char *cmd[16], cmdline[256];
    int ncmd = 0, have_cmd = i >= argc && image_cmd(c.image, cmdline, sizeof cmdline);
    snprintf(path, sizeof path, "/images/%s", c.image);
    if (!have_cmd && stat(path, &st) < 0)
        return fail(o, 1, "ctr %s: no image '%s' (ctr images lists them)", argv[0], c.image);
    /* the command: given, or the image's /etc/cmd, or /bin/sh */
    if (i < argc) {
        cmdline[0] = 0;
        for (; i < argc && ncmd < 15; i++) {
            if (ncmd)
                strlcpy(cmdline + strlen(cmdline), " ", sizeof cmdline - strlen(cmdline));
            strlcpy(cmdline + strlen(cmdline), argv[i], sizeof cmdline - strlen(cmdline));
            cmd[ncmd++] = argv[i];
        }
        cmd[ncmd] = 0;
        static char bin[128];
        if (!strchr(cmd[0], '/')) {            /* a bare name is a program in the image's /bin */
            snprintf(bin, sizeof bin, "/bin/%s", cmd[0]);
            cmd[0] = bin;
        }
    } else {
        if (!have_cmd)
            strlcpy(cmdline, "/bin/sh", sizeof cmdline);
        for (char *p = cmdline; *p && ncmd < 15;) {
            while (*p == ' ' || *p == '\n')
                *p++ = 0;
            if (!*p)
                break;
            cmd[ncmd++] = p;
            while (*p && *p != ' ' && *p != '\n')
                p++;
        }
        cmd[ncmd] = 0;
    }
    strlcpy(c.cmd, cmdline, sizeof c.cmd);
    char *nl = strchr(c.cmd, '\n');
    if (nl)
        *nl = 0;

    if (ctr_setup() < 0)
        return fail(o, 1, "ctr %s: cannot make or open %s and %s: %s", argv[0], RUN_DIR, CG_DIR, strerror(errno));
    int named = c.name[0] != 0;
    if (!named) {                              /* ct1, ct2, ...: claimed by making the directory */
        static int next;
        int k = claim(run_fd, "ct", RUN_DIR "/.next-name", 1, 99999, &next);
        if (!k)
            return fail(o, 1, "ctr %s: no free container name", argv[0]);
        snprintf(c.name, sizeof c.name, "ct%d", k);
    }
    if (!c.hostname[0])
        strlcpy(c.hostname, c.name, sizeof c.hostname);
    path_of(path, c.name, 0);
    if (named && mkdirat(run_fd, c.name, 0700) < 0)
        return errno == EEXIST ? fail(o, 1, "ctr %s: container %s already exists", argv[0], c.name)
                               : fail(o, 1, "ctr %s: %s: %s", argv[0], path, strerror(errno));
    if (detach && pvchan_present())
        c.console = console > 0 ? console : free_console();
    strlcpy(c.state, "created", sizeof c.state);

    /* cgroup and limits, through its directory (and the child is born in it, clone3) */
    const char *step = "cgroup";
    int cgdir = -1;
    if (mkdirat(cg_fd, c.name, 0755) < 0 || (cgdir = openat(cg_fd, c.name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        goto undo;
    step = "memory.max";                      /* a new cgroup has no limits: write only those asked for */
    if (strcmp(c.memory, "max") && write_file_at(cgdir, "memory.max", c.memory) < 0)
        goto undo;
    step = "cpu.max";
    if (strcmp(c.cpus, "max") && write_file_at(cgdir, "cpu.max", cpu_max) < 0)
        goto undo;
    step = "pids.max";
    char num[16];
    snprintf(num, sizeof num, "%d", c.pids_limit);
    if (c.pids_limit >= 0 && write_file_at(cgdir, "pids.max", num) < 0)
        goto undo;
    /* the root: an overlay of the image; from here on paths are relative to the container's
     * directory (the caller's working directory comes back to / in ctr_command) */
    step = "rootfs";
    char lower[PATH_MAX + 16];
    snprintf(lower, sizeof lower, "lowerdir=/images/%s", c.image);
    if (chdir(path) < 0 || mkdir("rootfs", 0755) < 0 || mount("overlay", "rootfs", "overlay", 0, lower) < 0)
        goto undo;
    /* its devices, made here: inside its namespaces mknod is not allowed */
    step = "make /dev/console";
    unsigned dev = c.console ? MKDEV(4, c.console) : !detach ? MKDEV(5, 0) : MKDEV(1, 3);
    if (mknod("rootfs/dev/console", S_IFCHR | 0620, dev) < 0 &&
        (errno != ENOENT || ensure_dir("rootfs/dev") < 0 || mknod("rootfs/dev/console", S_IFCHR | 0620, dev) < 0))
        goto undo;
    /* /dev/null comes with the image (guests/Makefile puts one in each) */

    struct setup s = { &c, cmd, -1, -1, !detach, "" };
    int pid;
    if (start) {
        /* the child's stack: ours is idle until it has exec'd */
        char stack[8192] __attribute__((aligned(16)));
        step = "clone";
        pid = clone_vfork(child, stack, sizeof stack,
                          CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | SIGCHLD, cgdir, &s);
        if (pid < 0)
            goto undo;
        close(cgdir);
        cgdir = -1;
        c.pid = pid;
        if (s.err[0]) {
            waitpid(pid, 0, 0);
            cleanup(&c);
            return fail(o, 1, "ctr %s: container %s: %s", argv[0], c.name, s.err);
        }
        strlcpy(c.state, "running", sizeof c.state);
        goto started;
    }
    int go[2], ready[2];
    step = "pipe";
    if (pipe(go) < 0)
        goto undo;
    if (pipe(ready) < 0) {
        close(go[0]);
        close(go[1]);
        goto undo;
    }
    step = "clone";
    close(cgdir);
    cgdir = -1;
    pid = clone_ns(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC);
    if (pid == 0) {
        close(go[1]);
        close(ready[0]);
        s.go = go[0];
        s.ready = ready[1];
        _exit(child(&s));
    }
    close(go[0]);
    close(ready[1]);
    if (pid < 0) {
        close(go[1]);
        close(ready[0]);
        goto undo;
    }
    c.pid = pid;
    cgroup_of(path, c.name, "cgroup.procs");
    snprintf(num, sizeof num, "%d", pid);
    int moved = write_file(path, num);
    if (moved == 0) {
        cgroup_of(path, c.name, "cgroup.freeze");
        write_file(path, "1");
    }
    write(go[1], "g", 1);
    close(go[1]);
    if (moved < 0) {
        close(ready[0]);
        kill(pid, SIGKILL);
        waitpid(pid, 0, 0);
        step = "cgroup.procs";
        goto undo;
    }
    close(ready[0]);
started:
    step = "config";
    if (save_into(&c, o->json ? o : 0) < 0) {  /* ctrd's answer is the record it saved */
        kill(pid, SIGKILL);
        o->len = 0;
        goto undo;
    }
    if (start && !detach) {                    /* the foreground: wait for PID 1 */
        int status = 0;
        while (waitpid(pid, &status, 0) != pid)
            ;
        wait_stopped(&c, 0);
        set_state(&c, "stopped");
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (!o->json)
        say(o, "%s\n", c.name);
    return 0;
undo:;
    int err = errno;
    if (cgdir >= 0)
        close(cgdir);
    cleanup(&c);
    return fail(o, 1, "ctr %s: container %s: %s: %s", argv[0], c.name, step, strerror(err));
}

/* ---- the verbs ---- */

static int need_name(int argc, char **argv, struct ctr_out *o, struct container *c)
{
    if (argc < 2)
        return fail(o, 2, "usage: ctr %s NAME", argv[0]);
    if (load(argv[1], c) < 0)
        return fail(o, 1, "ctr %s: no container '%s'", argv[0], argv[1]);
    return 0;
}

static int freeze(struct container *c, const char *v)
{
    char path[PATH_MAX];
    cgroup_of(path, c->name, "cgroup.freeze");
    return write_file(path, v);
}

static int cmd_start(int argc, char **argv, struct ctr_out *o)
{
    struct container c;
    int r = need_name(argc, argv, o, &c);
    if (r || (r = allowed(&c, "start", o)))
        return r;
    freeze(&c, "0");
    set_state(&c, "running");
    if (o->json)
        container_json(o, &c);
    return 0;
}

static int cmd_pause(int argc, char **argv, struct ctr_out *o, int pause)
{
    struct container c;
    int r = need_name(argc, argv, o, &c);
    if (r || (r = allowed(&c, pause ? "pause" : "resume", o)))
        return r;
    if (freeze(&c, pause ? "1" : "0") < 0)
        return fail(o, 1, "ctr %s: %s: %s", argv[0], c.name, strerror(errno));
    set_state(&c, pause ? "paused" : "running");
    if (o->json)
        container_json(o, &c);
    return 0;
}

static int cmd_stop(int argc, char **argv, struct ctr_out *o)
{
    struct container c;
    int r = need_name(argc, argv, o, &c);
    if (r || (r = allowed(&c, "stop", o)))
        return r;
    if (c.pid > 0)
        kill(c.pid, SIGKILL);                 /* PID 1 of its namespace: everything in it goes too */
    freeze(&c, "0");                          /* a paused or created one must run to die */
    if (wait_stopped(&c, 1) < 0)
        return fail(o, 1, "ctr stop: %s: processes are left", c.name);
    set_state(&c, "stopped");
    if (o->json)
        container_json(o, &c);
    return 0;
}

static int cmd_rm(int argc, char **argv, struct ctr_out *o)
{
    struct container c;
    int r = need_name(argc, argv, o, &c);
    if (r || (r = allowed(&c, "rm", o)))
        return r;
    cleanup(&c);
    char path[PATH_MAX];
    path_of(path, c.name, 0);
    struct stat64 st;
    if (stat(path, &st) == 0)
        return fail(o, 1, "ctr rm: %s: cannot remove %s", c.name, path);
    if (o->json)
        say(o, "{\"name\":\"%s\",\"state\":\"removed\"}", c.name);
    return 0;
}

/* exec: a new process in the container's namespaces and cgroup, on our terminal. */
static int cmd_exec(int argc, char **argv, struct ctr_out *o)
{
    struct container c;
    int r = need_name(argc, argv, o, &c);
    if (r || (r = allowed(&c, "exec", o)))
        return r;
    if (argc < 3)
        return fail(o, 2, "usage: ctr exec NAME COMMAND [ARG...]");
    static const char *const kinds[] = { "ipc", "uts", "cgroup", "pid", "mnt" };
    int fds[5];
    for (int k = 0; k < 5; k++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", c.pid, kinds[k]);
        if ((fds[k] = open(path, O_RDONLY)) < 0)
            return fail(o, 1, "ctr exec: %s: %s: %s", c.name, path, strerror(errno));
    }
    char procs[PATH_MAX];
    cgroup_of(procs, c.name, "cgroup.procs");
    int pid = fork();
    if (pid == 0) {
        if (write_file(procs, "0") < 0) {
            dprintf(2, "ctr exec: %s: cannot join its cgroup: %s\n", c.name, strerror(errno));
            _exit(125);
        }
        for (int k = 0; k < 5; k++)
            if (setns(fds[k], 0) < 0) {
                dprintf(2, "ctr exec: setns %s: %s\n", kinds[k], strerror(errno));
                _exit(125);
            }
        int inner = fork();                    /* setns(pid) places our children, not us */
        if (inner == 0) {
            char *envp[] = { "PATH=/bin", "HOME=/", 0 };
            execve(argv[2], argv + 2, envp);
            char bin[256];
            snprintf(bin, sizeof bin, "/bin/%s", argv[2]);
            execve(bin, argv + 2, envp);
            dprintf(2, "ctr exec: %s: %s\n", argv[2], strerror(errno));
            _exit(127);
        }
        if (inner < 0)
            dprintf(2, "ctr exec: %s: fork: %s\n", c.name, strerror(errno));
        int status = 0;
        while (inner > 0 && waitpid(inner, &status, 0) != inner)
            ;
        _exit(inner < 0 ? 126 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    for (int k = 0; k < 5; k++)
        close(fds[k]);
    if (pid < 0)
        return fail(o, 1, "ctr exec: fork: %s", strerror(errno));
    int status = 0;
    while (waitpid(pid, &status, 0) != pid)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ps NAME: the container's processes, by their host PID. */
static int cmd_ps(int argc, char **argv, struct ctr_out *o)
{
    struct container c;
    int r = need_name(argc, argv, o, &c);
    if (r)
        return r;
    char path[PATH_MAX], list[1024];
    cgroup_of(path, c.name, "cgroup.procs");
    if (read_file(path, list, sizeof list) < 0)
        list[0] = 0;
    say(o, o->json ? "[" : "  PID CMD\n");
    int first = 1;
    for (char *p = list; *p;) {
        int pid = (int)strtol(p, &p, 10);
        while (*p == '\n')
            p++;
        if (pid <= 0)
            break;
        char stat[128], name[32] = "?";
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        if (read_file(path, stat, sizeof stat) > 0) {
            char *a = strchr(stat, '('), *b = strrchr(stat, ')');
            if (a && b && b - a - 1 < (int)sizeof name) {
                memcpy(name, a + 1, b - a - 1);
                name[b - a - 1] = 0;
            }
        }
        if (o->json)
            say(o, "%s{\"pid\":%d,\"cmd\":\"%s\"}", first ? "" : ",", pid, name);
        else
            say(o, "%5d %s\n", pid, name);
        first = 0;
    }
    if (o->json)
        say(o, "]");
    return 0;
}

struct listing {
    struct ctr_out *o;
    int n;
    int stats;
};

static int list_one(const char *name, void *arg)
{
    struct listing *l = arg;
    struct ctr_out *o = l->o;
    struct container c;
    if (load(name, &c) < 0)
        return 0;
    if (l->stats) {
        say(o, l->n ? (o->json ? "," : ",\n") : "");
        stats_json(o, &c);
    } else if (o->json) {
        say(o, l->n ? "," : "");
        container_json(o, &c);
    } else {
        say(o, "%-16s %-8s %-5d %-8s %s\n", c.name, c.state, c.pid, c.image, c.hostname);
    }
    l->n++;
    return o->len > (int)sizeof o->text - 300;  /* full: stop (the answer is cut, not garbled) */
}

static int cmd_stats(int argc, char **argv, struct ctr_out *o)
{
    struct listing l = { o, 0, 1 };
    say(o, "[");
    if (argc > 1) {
        struct container c;
        if (load(argv[1], &c) < 0)
            return fail(o, 1, "ctr stats: no container '%s'", argv[1]);
        list_one(argv[1], &l);
    } else {
        each_container(list_one, &l);
    }
    say(o, o->json ? "]" : "]\n");
    return 0;
}

static int cmd_ls(int argc, char **argv, struct ctr_out *o)
{
    struct listing l = { o, 0, 0 };
    say(o, o->json ? "[" : "NAME             STATE    PID   IMAGE    HOSTNAME\n");
    each_container(list_one, &l);
    if (o->json)
        say(o, "]");
    return 0;
}

static int cmd_inspect(int argc, char **argv, struct ctr_out *o)
{
    struct container c;
    int r = need_name(argc, argv, o, &c);
    if (r)
        return r;
    container_json(o, &c);
    if (!o->json)
        say(o, "\n");
    return 0;
}

static int cmd_images(int argc, char **argv, struct ctr_out *o)
{
    DIR *d = opendir("/images");
    say(o, o->json ? "[" : "");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX], cmd[128];
        snprintf(path, sizeof path, "/images/%s/etc/cmd", e->d_name);
        if (read_file(path, cmd, sizeof cmd) <= 0)
            strlcpy(cmd, "/bin/sh", sizeof cmd);
        char *nl = strchr(cmd, '\n');
        if (nl)
            *nl = 0;
        if (o->json)
            say(o, "%s{\"name\":\"%s\",\"cmd\":\"%s\"}", n ? "," : "", e->d_name, cmd);
        else
            say(o, "%-10s %s\n", e->d_name, cmd);
        n++;
    }
    if (d)
        closedir(d);
    if (o->json)
        say(o, "]");
    return 0;
}

static const char usage[] =
    "usage: ctr VERB [ARGS]\n"
    "  run [-d] [--name N] [--hostname H] [--memory SIZE] [--cpus N] [--pids-limit N (64)] [--image I] [CMD...]\n"
    "  create [same options]     start NAME     pause NAME     resume NAME\n"
    "  exec NAME CMD [ARG...]    ps NAME        stop NAME      rm NAME\n"
    "  stats [NAME]              ls             inspect NAME   images\n";

int ctr_command(int argc, char **argv, struct ctr_out *o)
{
    o->len = 0;
    o->text[0] = 0;
    if (argc < 1)
        return fail(o, 2, "%s", usage);
    const char *v = argv[0];
    if (!strcmp(v, "run") || !strcmp(v, "create")) {
        int r = create(argc, argv, o, !strcmp(v, "run"));
        chdir("/");                            /* create works in the container's directory */
        return r;
    }
    if (!strcmp(v, "start"))
        return cmd_start(argc, argv, o);
    if (!strcmp(v, "pause") || !strcmp(v, "resume"))
        return cmd_pause(argc, argv, o, !strcmp(v, "pause"));
    if (!strcmp(v, "stop"))
        return cmd_stop(argc, argv, o);
    if (!strcmp(v, "rm"))
        return cmd_rm(argc, argv, o);
    if (!strcmp(v, "exec"))
        return o->detach_only ? fail(o, 2, "exec needs a terminal: use ctr exec in the guest") : cmd_exec(argc, argv, o);
    if (!strcmp(v, "ps"))
        return cmd_ps(argc, argv, o);
    if (!strcmp(v, "stats"))
        return cmd_stats(argc, argv, o);
    if (!strcmp(v, "ls") || !strcmp(v, "list"))
        return cmd_ls(argc, argv, o);
    if (!strcmp(v, "inspect"))
        return cmd_inspect(argc, argv, o);
    if (!strcmp(v, "images"))
        return cmd_images(argc, argv, o);
    if (!strcmp(v, "help") || !strcmp(v, "--help"))
        return fail(o, 0, "%s", usage);
    return fail(o, 2, "ctr: unknown verb '%s'\n%s", v, usage);
}
