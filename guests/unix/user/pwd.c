/* pwd.c — print the working directory. */
#include "../lib/libc.h"

int main(void)
{
    char buf[256];
    if (!getcwd(buf, sizeof buf)) {
        perror("pwd");
        return 1;
    }
    printf("%s\n", buf);
    return 0;
}
