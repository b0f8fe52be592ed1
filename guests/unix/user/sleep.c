/* sleep.c — wait N seconds (whole seconds, or with a fraction: 0.5). */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    if (argc != 2 || !(isdigit(argv[1][0]) || argv[1][0] == '.')) {
        dprintf(2, "usage: sleep SECONDS\n");
        return 2;
    }
    char *end;
    struct timespec ts = { (int32_t)strtol(argv[1], &end, 10), 0 };
    if (*end == '.') {
        int32_t scale = 100000000;
        for (char *p = end + 1; isdigit(*p) && scale; p++, scale /= 10)
            ts.tv_nsec += (*p - '0') * scale;
    }
    return nanosleep(&ts, 0) < 0;
}
