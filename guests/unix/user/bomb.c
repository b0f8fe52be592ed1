/* bomb.c — a fork bomb for the pids.max demo: every process forks as fast as it can until
 * fork fails, then waits for a signal. Only the first says when its own fork failed. */
#include "../lib/libc.h"

int main(void)
{
    pid_t first = getpid();
    for (;;) {
        pid_t pid = fork();
        if (pid < 0)
            break;
    }
    if (getpid() == first)
        printf("bomb: fork failed: %s\n", strerror(errno));
    for (;;)
        pause();
}
