/* rmdir.c — remove empty directories. */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    int status = 0;
    if (argc < 2) {
        dprintf(2, "usage: rmdir dir...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (rmdir(argv[i]) < 0) {
            dprintf(2, "rmdir: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
    return status;
}
