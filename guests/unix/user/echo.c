/* echo.c — print the arguments separated by spaces; -n: no newline. */
#include "../lib/libc.h"

int main(int argc, char **argv)
{
    int i = 1, newline = 1;
    if (argc > 1 && !strcmp(argv[1], "-n")) {
        newline = 0;
        i++;
    }
    char buf[1024];
    int len = 0;
    for (; i < argc; i++)
        len += snprintf(buf + len, len < (int)sizeof buf ? sizeof buf - len : 0, "%s%s", argv[i], i + 1 < argc ? " " : "");
    if (len > (int)sizeof buf - 2)
        len = sizeof buf - 2;
    if (newline)
        buf[len++] = '\n';
    return write_all(1, buf, len) < 0;
}
