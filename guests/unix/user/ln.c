/* ln.c — make a symbolic link: ln -s TARGET LINK. (The file system has no hard links to make
 * from user space: there is no link(2).) */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[1], "-s")) {
        dprintf(2, "usage: ln -s TARGET LINK\n");
        return 2;
    }
    if (symlink(argv[2], argv[3]) < 0) {
        dprintf(2, "ln: %s: %s\n", argv[3], strerror(errno));
        return 1;
    }
    return 0;
}
