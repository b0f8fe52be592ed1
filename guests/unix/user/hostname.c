/* hostname.c — print the host name, or set it: hostname [NAME]. */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    if (argc > 1) {
        if (sethostname(argv[1], strlen(argv[1])) < 0) {
            dprintf(2, "hostname: %s\n", strerror(errno));
            return 1;
        }
        return 0;
    }
    struct utsname u;
    if (uname(&u) < 0)
        return 1;
    printf("%s\n", u.nodename);
    return 0;
}
