/* load.c — a CPU and memory load generator for demos (cgroup limits, schedulers, VMs):
 *   load [-p PROCS] [-m KIB] [-f FILES] [-n ROUNDS | -t SECONDS]
 * Each of PROCS processes opens FILES descriptors on /dev/null (held while it works; one it
 * cannot open is reported and the work goes on with the rest), allocates
 * KIB of memory, then repeatedly walks it, mixing a checksum, for ROUNDS rounds (deterministic
 * work, default 200) or for SECONDS of time; with -n 0 -t SECONDS it sleeps instead, holding
 * what it took. */
#include "../lib/libc.h"

static uint32_t now_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)ts.tv_sec * 100 + (uint32_t)ts.tv_nsec / 10000000;
}

static int work(int id, int kib, int files, int rounds, int seconds)
{
    for (int k = 0; k < files; k++) {
        if (open("/dev/null", O_RDONLY) < 0) {  /* said, and the work goes on with what it has */
            dprintf(2, "load[%d]: open file %d: %s\n", id, k + 1, strerror(errno));
            break;
        }
    }
    uint32_t words = (uint32_t)kib * 256;
    uint32_t *mem = malloc(words * 4 + 4);
    if (!mem) {
        dprintf(2, "load[%d]: cannot allocate %d KiB\n", id, kib);
        return 1;
    }
    for (uint32_t i = 0; i < words; i++)
        mem[i] = i * 2654435761u;
    if (!rounds && seconds) {
        struct timespec t = { seconds, 0 };
        nanosleep(&t, 0);
    }
    uint32_t sum = 0x12345678u ^ (uint32_t)id, done = 0, deadline = now_ticks() + (uint32_t)seconds * 100;
    for (;;) {
        if (seconds && rounds ? (int32_t)(now_ticks() - deadline) >= 0 : (int)done >= rounds)
            break;
        for (uint32_t i = 0; i < words; i++) {
            sum = (sum ^ mem[i]) * 16777619u;
            mem[i] += sum;
        }
        for (int k = 0; k < 2000; k++)
            sum = sum * 1103515245u + 12345u;
        done++;
    }
    printf("load[%d]: %u rounds over %d KiB, checksum %08x\n", id, done, kib, sum);
    free(mem);
    return 0;
}

int main(int argc, char **argv)
{
    int procs = 1, kib = 64, files = 0, rounds = 200, seconds = 0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "-p"))
            procs = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "-m"))
            kib = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "-f"))
            files = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "-n"))
            rounds = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "-t"))
            seconds = atoi(argv[++i]);
        else {
            dprintf(2, "usage: load [-p PROCS] [-m KIB] [-f FILES] [-n ROUNDS | -t SECONDS]\n");
            return 2;
        }
    }
    if (procs < 1 || procs > 32 || kib < 1 || files < 0 || files > 13 || rounds < 0 || seconds < 0) {
        dprintf(2, "load: PROCS must be 1..32, KIB at least 1, FILES 0..13\n");
        return 2;
    }
    if (procs == 1)
        return work(0, kib, files, rounds, seconds);
    for (int p = 0; p < procs; p++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(work(p, kib, files, rounds, seconds));
        if (pid < 0)
            perror("load: fork");
    }
    int status, failed = 0;
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status);
    return failed;
}
