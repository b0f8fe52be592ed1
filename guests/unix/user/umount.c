/* umount.c — unmount what is mounted on DIR in the caller's mount namespace: umount [-l] DIR
 * (-l: detach it even while in use, MNT_DETACH). */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    unsigned flags = 0;
    int i = 1;
    if (i < argc && !strcmp(argv[i], "-l")) {
        flags = MNT_DETACH;
        i++;
    }
    if (argc - i != 1) {
        dprintf(2, "usage: umount [-l] DIR\n");
        return 2;
    }
    if (umount2(argv[i], flags) < 0) {
        dprintf(2, "umount: %s: %s\n", argv[i], strerror(errno));
        return 1;
    }
    return 0;
}
