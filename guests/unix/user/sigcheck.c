/* sigcheck.c — a self-checking exercise of signals, for tests and for reading:
 * a handler runs and returns through rt_sigreturn with the interrupted state intact,
 * SIGCHLD reaches a handler when a child exits, SIGKILL cannot be caught, a blocked signal
 * waits, and a child killed by a signal is reported so by wait. Prints "sigcheck: ok". */
#include "../lib/libc.h"

static volatile int got_usr1, got_chld, got_term;

static void on_usr1(int sig) { got_usr1 += sig == SIGUSR1; }
static void on_chld(int sig) { got_chld += sig == SIGCHLD; }
static void on_term(int sig) { got_term += sig == SIGTERM; }

static int fail(const char *what)
{
    printf("sigcheck: FAIL %s\n", what);
    return 1;
}

int main(void)
{
    volatile uint32_t live = 0x5EED1234u;     /* must survive the handler */
    signal(SIGUSR1, on_usr1);
    kill(getpid(), SIGUSR1);
    if (got_usr1 != 1 || live != 0x5EED1234u)
        return fail("SIGUSR1 handler");

    signal(SIGCHLD, on_chld);
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
        return fail("wait for exit(7)");
    if (got_chld != 1)
        return fail("SIGCHLD handler");

    uint32_t block[2] = { SIGMASK(SIGTERM), 0 };
    signal(SIGTERM, on_term);
    __asm__ volatile("int $0x80" : : "a"(SYS_rt_sigprocmask), "b"(SIG_BLOCK), "c"(block), "d"(0), "S"(8) : "memory");
    kill(getpid(), SIGTERM);
    if (got_term != 0)
        return fail("blocked SIGTERM delivered");
    __asm__ volatile("int $0x80" : : "a"(SYS_rt_sigprocmask), "b"(SIG_UNBLOCK), "c"(block), "d"(0), "S"(8) : "memory");
    if (got_term != 1)
        return fail("unblocked SIGTERM not delivered");

    if (signal(SIGKILL, on_term) != (sighandler_t)-1)
        return fail("SIGKILL handler accepted");
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGKILL);
    if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        return fail("child killed by SIGKILL");

    pid = fork();
    if (pid == 0) {
        volatile int *null = 0;
        return *null;                         /* SIGSEGV */
    }
    if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
        return fail("child killed by SIGSEGV");
    printf("sigcheck: ok\n");
    return 0;
}
