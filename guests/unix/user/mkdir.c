/* mkdir.c — make directories; -p: make missing parents and accept existing ones. */
#include "../lib/libc.h"

static int make(char *path, int parents)
{
    if (parents) {
        for (char *p = path + 1; *p; p++) {
            if (*p != '/')
                continue;
            *p = 0;
            if (mkdir(path, 0755) < 0 && errno != EEXIST) {
                dprintf(2, "mkdir: %s: %s\n", path, strerror(errno));
                return 1;
            }
            *p = '/';
        }
    }
    if (mkdir(path, 0755) < 0 && !(parents && errno == EEXIST)) {
        dprintf(2, "mkdir: %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1, parents = 0, status = 0;
    if (argc > 1 && !strcmp(argv[1], "-p")) {
        parents = 1;
        i++;
    }
    if (i == argc) {
        dprintf(2, "usage: mkdir [-p] dir...\n");
        return 2;
    }
    for (; i < argc; i++)
        status |= make(argv[i], parents);
    return status;
}
