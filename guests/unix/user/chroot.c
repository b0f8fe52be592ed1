/* chroot.c — run a command with another root directory: chroot DIR [COMMAND [ARG...]]
 * (default /bin/sh). The command is looked up inside the new root. */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        dprintf(2, "usage: chroot DIR [COMMAND [ARG...]]\n");
        return 2;
    }
    if (chroot(argv[1]) < 0 || chdir("/") < 0) {
        dprintf(2, "chroot: %s: %s\n", argv[1], strerror(errno));
        return 125;
    }
    char *sh[] = { "/bin/sh", 0 };
    char **cmd = argc > 2 ? argv + 2 : sh;
    execvp(cmd[0], cmd);
    dprintf(2, "chroot: %s: %s\n", cmd[0], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
