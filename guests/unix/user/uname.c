/* uname.c — print system names: -s (default) -n -r -v -m, or -a for all. */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    struct utsname u;
    int s = 0, n = 0, r = 0, v = 0, m = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            dprintf(2, "usage: uname [-asnrvm]\n");
            return 2;
        }
        for (char *o = argv[i] + 1; *o; o++) {
            switch (*o) {
            case 'a': s = n = r = v = m = 1; break;
            case 's': s = 1; break;
            case 'n': n = 1; break;
            case 'r': r = 1; break;
            case 'v': v = 1; break;
            case 'm': m = 1; break;
            default:
                dprintf(2, "usage: uname [-asnrvm]\n");
                return 2;
            }
        }
    }
    if (!(s | n | r | v | m))
        s = 1;
    if (uname(&u) < 0)
        return 1;
    const char *parts[5];
    int k = 0;
    if (s) parts[k++] = u.sysname;
    if (n) parts[k++] = u.nodename;
    if (r) parts[k++] = u.release;
    if (v) parts[k++] = u.version;
    if (m) parts[k++] = u.machine;
    for (int i = 0; i < k; i++)
        printf("%s%s", parts[i], i + 1 < k ? " " : "\n");
    return 0;
}
