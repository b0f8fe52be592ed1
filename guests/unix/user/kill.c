/* kill.c — send a signal (default TERM) to processes: kill [-SIG | -s SIG] pid...; kill -l lists. */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    int sig = SIGTERM, i = 1;
    if (argc > 1 && !strcmp(argv[1], "-l")) {
        for (int s = 1; s < NSIG; s++)
            if (strcmp(sig_name(s), "?"))
                printf("%2d %s\n", s, sig_name(s));
        return 0;
    }
    if (argc > 2 && !strcmp(argv[1], "-s")) {
        sig = sig_number(argv[2]);
        i = 3;
    } else if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
        sig = sig_number(argv[1] + 1);
        i = 2;
    }
    if (sig < 0 || i >= argc) {
        dprintf(2, "usage: kill [-SIGNAL | -s SIGNAL] pid... | kill -l\n");
        return 2;
    }
    int status = 0;
    for (; i < argc; i++) {
        char *end;
        int pid = strtol(argv[i], &end, 10);
        if (*end || end == argv[i]) {
            dprintf(2, "kill: %s: not a process id\n", argv[i]);
            status = 1;
        } else if (kill(pid, sig) < 0) {
            dprintf(2, "kill: %d: %s\n", pid, strerror(errno));
            status = 1;
        }
    }
    return status;
}
