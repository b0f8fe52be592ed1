/* wc.c — count lines, words and bytes of files or standard input; -l -w -c pick columns. */
#include "../lib/libc.h"

static int show_l, show_w, show_c;

static void print_counts(uint32_t l, uint32_t w, uint32_t c, const char *name)
{
    char buf[96];
    int n = 0;
    if (show_l) n += snprintf(buf + n, sizeof buf - n, "%s%u", n ? " " : "", l);
    if (show_w) n += snprintf(buf + n, sizeof buf - n, "%s%u", n ? " " : "", w);
    if (show_c) n += snprintf(buf + n, sizeof buf - n, "%s%u", n ? " " : "", c);
    printf("%s%s%s\n", buf, name ? " " : "", name ? name : "");
}

static int count(int fd, uint32_t *l, uint32_t *w, uint32_t *c)
{
    char buf[1024];
    int n, in_word = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (int i = 0; i < n; i++) {
            (*c)++;
            if (buf[i] == '\n')
                (*l)++;
            if (isspace(buf[i]))
                in_word = 0;
            else if (!in_word) {
                in_word = 1;
                (*w)++;
            }
        }
    }
    return n < 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (char *o = argv[i] + 1; *o; o++) {
            if (*o == 'l') show_l = 1;
            else if (*o == 'w') show_w = 1;
            else if (*o == 'c') show_c = 1;
            else {
                dprintf(2, "usage: wc [-lwc] [file...]\n");
                return 2;
            }
        }
    if (!(show_l | show_w | show_c))
        show_l = show_w = show_c = 1;
    if (i == argc) {
        uint32_t l = 0, w = 0, c = 0;
        int r = count(0, &l, &w, &c);
        print_counts(l, w, c, 0);
        return r;
    }
    int status = 0;
    for (; i < argc; i++) {
        uint32_t l = 0, w = 0, c = 0;
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            dprintf(2, "wc: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        status |= count(fd, &l, &w, &c);
        close(fd);
        print_counts(l, w, c, argv[i]);
    }
    return status;
}
