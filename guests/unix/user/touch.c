/* touch.c — create each FILE that does not exist (an empty file): touch FILE...
 * (There are no file times to update: the file system keeps none.) */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        dprintf(2, "usage: touch FILE...\n");
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
        if (fd < 0) {
            dprintf(2, "touch: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        close(fd);
    }
    return status;
}
