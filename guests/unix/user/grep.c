/* grep.c — print lines containing a fixed string; -v inverts, -c counts. Exit 0 if any matched. */
#include "../lib/libc.h"

static int invert, count_only;

static int scan(int fd, const char *pat, const char *name, int many)
{
    char line[1024];
    int n, matches = 0;
    while ((n = read_line(fd, line, sizeof line)) > 0) {
        if ((strstr(line, pat) != 0) == invert)
            continue;
        matches++;
        if (!count_only)
            printf("%s%s%s%s", many ? name : "", many ? ":" : "", line, line[n - 1] == '\n' ? "" : "\n");
    }
    if (count_only)
        printf("%s%s%d\n", many ? name : "", many ? ":" : "", matches);
    return matches;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (char *o = argv[i] + 1; *o; o++) {
            if (*o == 'v') invert = 1;
            else if (*o == 'c') count_only = 1;
            else {
                dprintf(2, "usage: grep [-vc] PATTERN [file...]\n");
                return 2;
            }
        }
    if (i == argc) {
        dprintf(2, "usage: grep [-vc] PATTERN [file...]\n");
        return 2;
    }
    const char *pat = argv[i++];
    int matches = 0;
    if (i == argc)
        return scan(0, pat, "", 0) ? 0 : 1;
    int many = argc - i > 1;
    for (; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            dprintf(2, "grep: %s: %s\n", argv[i], strerror(errno));
            continue;
        }
        matches += scan(fd, pat, argv[i], many);
        close(fd);
    }
    return matches ? 0 : 1;
}
