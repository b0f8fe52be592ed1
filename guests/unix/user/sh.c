/* sh.c — the shell: pipelines (a | b | c), redirection (< > >> 2> 2>>, 2>&1), background
 * jobs (&), command lists (; && ||), quoting ('..' ".." \), $? $$ and $NAME, and the builtins cd and exit.
 * A command of redirections only (`> file`) creates or truncates its files.
 *
 *   sh                interactive on the terminal: prompt "# ", job control by process group
 *   sh -c 'command'   run one command line
 *   sh FILE           run a script
 *
 * Interactive, each pipeline runs in its own process group and a foreground one is given the
 * terminal (tcsetpgrp), so ^C reaches it and not the shell, which ignores SIGINT. A script or
 * sh -c leaves its children in its own group, so ^C reaches them together with it. */
#include "../lib/libc.h"

#define MAXWORDS 64
#define MAXSTAGES 8
#define LINE_MAX 1024

enum tok { T_WORD, T_PIPE, T_LT, T_GT, T_GTGT, T_ERR, T_ERRAPP, T_ERR2OUT, T_AMP, T_SEMI, T_AND, T_OR, T_END };

struct stage {
    char *argv[MAXWORDS + 1];
    int argc;
    char *in, *out, *err;        /* redirections, or 0 */
    int append, err_append;
    int err_to_out;              /* 2>&1 */
};

static int last_status;
static int interactive;
static pid_t shell_pgid;
static int next_job = 1;
static pid_t last_background;

/* ---- lexer: words are expanded into a per-line arena as they are read ---- */

static const char *src;
static char arena[LINE_MAX * 2];           /* a line's words after $ expansion (put() stops at the end) */
static int arena_used;

static void put(char c)
{
    if (arena_used < (int)sizeof arena - 1)
        arena[arena_used++] = c;
}

static void put_str(const char *s)
{
    while (*s)
        put(*s++);
}

static void expand_dollar(void)
{
    char num[16];
    if (*src == '?') {
        src++;
        snprintf(num, sizeof num, "%d", last_status);
        put_str(num);
    } else if (*src == '$') {
        src++;
        snprintf(num, sizeof num, "%d", getpid());
        put_str(num);
    } else if (*src == '!') {
        src++;
        snprintf(num, sizeof num, "%d", last_background);
        put_str(num);
    } else if ((*src >= 'A' && *src <= 'Z') || (*src >= 'a' && *src <= 'z') || *src == '_') {
        char name[64];
        int n = 0;
        while (((*src >= 'A' && *src <= 'Z') || (*src >= 'a' && *src <= 'z') || *src == '_' ||
                (*src >= '0' && *src <= '9')) && n < 63)
            name[n++] = *src++;
        name[n] = 0;
        const char *v = getenv(name);
        if (v)
            put_str(v);
    } else {
        put('$');
    }
}

/* Next token; for T_WORD, *word points at its expanded text. -1 on an unterminated quote. */
static int next_token(char **word)
{
    while (*src == ' ' || *src == '\t' || *src == '\n' || *src == '\r')
        src++;
    if (!*src || *src == '#')
        return T_END;
    if (src[0] == '2' && src[1] == '>') {          /* 2> 2>> 2>&1 */
        src += 2;
        if (src[0] == '&' && src[1] == '1') {
            src += 2;
            return T_ERR2OUT;
        }
        if (*src == '>') {
            src++;
            return T_ERRAPP;
        }
        return T_ERR;
    }
    switch (*src) {
    case '|':
        src++;
        if (*src == '|') {
            src++;
            return T_OR;
        }
        return T_PIPE;
    case '<': src++; return T_LT;
    case '&':
        src++;
        if (*src == '&') {
            src++;
            return T_AND;
        }
        return T_AMP;
    case ';': src++; return T_SEMI;
    case '>':
        src++;
        if (*src == '>') {
            src++;
            return T_GTGT;
        }
        return T_GT;
    }
    *word = arena + arena_used;
    while (*src && !strchr(" \t\r\n|<>&;", *src)) {
        char c = *src++;
        if (c == '\'') {
            while (*src && *src != '\'')
                put(*src++);
            if (!*src)
                return -1;
            src++;
        } else if (c == '"') {
            while (*src && *src != '"') {
                if (*src == '$') {
                    src++;
                    expand_dollar();
                } else if (*src == '\\' && (src[1] == '"' || src[1] == '\\' || src[1] == '$')) {
                    put(src[1]);
                    src += 2;
                } else {
                    put(*src++);
                }
            }
            if (!*src)
                return -1;
            src++;
        } else if (c == '\\' && *src) {
            put(*src++);
        } else if (c == '$') {
            expand_dollar();
        } else {
            put(c);
        }
    }
    put(0);
    return T_WORD;
}

/* ---- running ---- */

static void redirect(int fd, const char *path, int flags)
{
    int f = open(path, flags, 0644);
    if (f < 0) {
        dprintf(2, "sh: %s: %s\n", path, strerror(errno));
        _exit(1);
    }
    if (f != fd) {
        dup2(f, fd);
        close(f);
    }
}

/* A command of redirections only (`> file`): open (create, truncate) each file, in the shell. */
static void redirect_only(const struct stage *s)
{
    const char *paths[3] = { s->in, s->out, s->err };
    int flags[3] = { O_RDONLY, O_WRONLY | O_CREAT | (s->append ? O_APPEND : O_TRUNC),
                     O_WRONLY | O_CREAT | (s->err_append ? O_APPEND : O_TRUNC) };
    last_status = 0;
    for (int i = 0; i < 3; i++) {
        if (!paths[i])
            continue;
        int f = open(paths[i], flags[i], 0644);
        if (f < 0) {
            dprintf(2, "sh: %s: %s\n", paths[i], strerror(errno));
            last_status = 1;
            return;
        }
        close(f);
    }
}

static int builtin(struct stage *s)
{
    if (!strcmp(s->argv[0], "cd")) {
        const char *dir = s->argc > 1 ? s->argv[1] : getenv("HOME") ? getenv("HOME") : "/";
        if (chdir(dir) < 0) {
            dprintf(2, "sh: cd: %s: %s\n", dir, strerror(errno));
            last_status = 1;
        } else {
            last_status = 0;
        }
        return 1;
    }
    if (!strcmp(s->argv[0], "exit"))
        exit(s->argc > 1 ? atoi(s->argv[1]) : last_status);
    return 0;
}

static void report_signal(int status)
{
    int sig = WTERMSIG(status);
    if (sig == SIGINT || sig == SIGPIPE)
        return;                               /* the terminal already showed ^C */
    dprintf(2, "%s\n", sig == SIGKILL ? "Killed" : sig == SIGTERM ? "Terminated" :
                      sig == SIGSEGV ? "Segmentation fault" : sig_name(sig));
}

static void run_pipeline(struct stage *stages, int n, int background)
{
    if (n == 1 && !background && builtin(&stages[0]))
        return;
    pid_t pids[MAXSTAGES], pgid = 0;
    int in = -1;
    for (int i = 0; i < n; i++) {
        int p[2] = { -1, -1 };
        if (i < n - 1 && pipe(p) < 0) {
            perror("sh: pipe");
            n = i;
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("sh: fork");
            if (p[0] >= 0) {
                close(p[0]);
                close(p[1]);
            }
            n = i;
            break;
        }
        if (pid == 0) {
            if (interactive) {                 /* job control: each pipeline is a process group */
                setpgid(0, pgid);
                if (!background)
                    tcsetpgrp(0, pgid ? pgid : getpid());
            }
            signal(SIGINT, SIG_DFL);
            if (in >= 0) {
                dup2(in, 0);
                close(in);
            }
            if (p[1] >= 0) {
                dup2(p[1], 1);
                close(p[1]);
                close(p[0]);
            }
            struct stage *s = &stages[i];
            if (s->in)
                redirect(0, s->in, O_RDONLY);
            if (s->out)
                redirect(1, s->out, O_WRONLY | O_CREAT | (s->append ? O_APPEND : O_TRUNC));
            if (s->err)
                redirect(2, s->err, O_WRONLY | O_CREAT | (s->err_append ? O_APPEND : O_TRUNC));
            if (s->err_to_out)
                dup2(1, 2);
            if (!strcmp(s->argv[0], "cd") || !strcmp(s->argv[0], "exit"))
                _exit(builtin(s) ? last_status : 0);
            execvp(s->argv[0], s->argv);
            dprintf(2, "sh: %s: %s\n", s->argv[0], errno == ENOENT ? "command not found" : strerror(errno));
            _exit(errno == ENOENT ? 127 : 126);
        }
        if (!pgid)
            pgid = pid;
        if (interactive)
            setpgid(pid, pgid);
        pids[i] = pid;
        if (in >= 0)
            close(in);
        if (p[1] >= 0)
            close(p[1]);
        in = p[0];
    }
    if (in >= 0)
        close(in);
    if (!pgid) {
        last_status = 1;
        return;
    }
    if (background) {
        printf("[%d] %d\n", next_job++, pgid);
        last_background = pids[n - 1];
        last_status = 0;
        return;
    }
    if (interactive)
        tcsetpgrp(0, pgid);
    int status = 0;
    for (int i = 0; i < n; i++) {
        while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
            ;
    }
    if (interactive)
        tcsetpgrp(0, shell_pgid);
    if (WIFSIGNALED(status)) {
        report_signal(status);
        last_status = 128 + WTERMSIG(status);
    } else {
        last_status = WEXITSTATUS(status);
    }
}

/* Parse and run one line: pipelines separated by ';', '&', '&&' or '||'. */
static void run_line(const char *line)
{
    int skip = 0;                              /* the last && or || decided against this pipeline */
    src = line;
    arena_used = 0;
    for (;;) {
        struct stage stages[MAXSTAGES];
        int n = 0, t;
        char *word;
        memset(&stages[0], 0, sizeof stages[0]);
        for (;;) {
            t = next_token(&word);
            struct stage *s = &stages[n];
            if (t < 0) {
                dprintf(2, "sh: unterminated quote\n");
                last_status = 2;
                return;
            }
            if (t == T_WORD) {
                if (s->argc < MAXWORDS)
                    s->argv[s->argc++] = word;
            } else if (t == T_ERR2OUT) {
                s->err_to_out = 1;
            } else if (t == T_LT || t == T_GT || t == T_GTGT || t == T_ERR || t == T_ERRAPP) {
                if (next_token(&word) != T_WORD) {
                    dprintf(2, "sh: syntax error: redirection without a file\n");
                    last_status = 2;
                    return;
                }
                if (t == T_LT) {
                    s->in = word;
                } else if (t == T_ERR || t == T_ERRAPP) {
                    s->err = word;
                    s->err_append = t == T_ERRAPP;
                } else {
                    s->out = word;
                    s->append = t == T_GTGT;
                }
            } else if (t == T_PIPE) {
                if (s->argc == 0 || n == MAXSTAGES - 1) {
                    dprintf(2, "sh: syntax error near '|'\n");
                    last_status = 2;
                    return;
                }
                n++;
                memset(&stages[n], 0, sizeof stages[n]);
            } else {
                break;                         /* T_AMP, T_SEMI, T_AND, T_OR, T_END */
            }
        }
        if (stages[n].argc > 0) {
            for (int i = 0; i <= n; i++)
                stages[i].argv[stages[i].argc] = 0;
            if (!skip)
                run_pipeline(stages, n + 1, t == T_AMP);
        } else if (n == 0 && (stages[0].in || stages[0].out || stages[0].err)) {
            if (!skip)
                redirect_only(&stages[0]);
        } else if (n > 0 || (t != T_SEMI && t != T_END)) {
            dprintf(2, "sh: syntax error: missing command\n");
            last_status = 2;
            return;
        }
        if (t == T_END)
            return;
        /* a && b runs b if the last status is 0, a || b if it is not; skipping leaves $? alone */
        if (t == T_AND || t == T_OR)
            skip = (t == T_AND) != (last_status == 0);
        else
            skip = 0;
    }
}

int main(int argc, char **argv)
{
    int fd = 0;
    if (argc > 2 && !strcmp(argv[1], "-c")) {
        run_line(argv[2]);
        return last_status;
    }
    if (argc > 1 && (fd = open(argv[1], O_RDONLY)) < 0) {
        dprintf(2, "sh: %s: %s\n", argv[1], strerror(errno));
        return 127;
    }
    interactive = fd == 0 && isatty(0);
    if (interactive) {
        signal(SIGINT, SIG_IGN);
        setpgid(0, 0);
        shell_pgid = getpgrp();
        tcsetpgrp(0, shell_pgid);
    }
    char line[LINE_MAX];
    for (;;) {
        int status;
        while (waitpid(-1, &status, WNOHANG) > 0)   /* reap finished background jobs */
            ;
        if (interactive)
            fputs("# ", 1);
        int n = read_line(fd, line, sizeof line);
        if (n <= 0)
            break;
        run_line(line);
    }
    return last_status;
}
