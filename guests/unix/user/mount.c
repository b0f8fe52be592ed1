/* mount.c — mount a file system in the caller's mount namespace (mount(2), see kernel/mntns.c):
 *   mount -t tmpfs|proc|cgroup2 NAME DIR      a new tmpfs, this PID namespace's /proc, this
 *                                             cgroup namespace's cgroup2
 *   mount -t overlay -o lowerdir=DIR NAME DIR an overlay: DIR's tree, copied on first change
 *   mount --bind DIR DIR                      DIR's tree, seen at a second place */
#include "../lib/libc.h"

static int usage(void)
{
    dprintf(2, "usage: mount -t tmpfs|proc|cgroup2 NAME DIR | mount -t overlay -o lowerdir=DIR NAME DIR | mount --bind DIR DIR\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *type = 0, *data = 0;
    unsigned flags = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--bind"))
            flags |= MS_BIND;
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            type = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            data = argv[++i];
        else
            return usage();
    }
    if (argc - i != 2 || (!type && !(flags & MS_BIND)))
        return usage();
    if (mount(argv[i], argv[i + 1], type, flags, data) < 0) {
        dprintf(2, "mount: %s: %s\n", argv[i + 1], strerror(errno));
        return 1;
    }
    return 0;
}
