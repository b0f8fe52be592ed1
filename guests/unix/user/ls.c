/* ls.c — list directories (sorted, one name a line) or name files; -a shows dot files,
 * -l shows type, permissions, size. */
#include "../lib/libc.h"

static int opt_all, opt_long;

static void mode_string(uint32_t mode, char *s)
{
    const char *rwx = "rwxrwxrwx";
    s[0] = S_ISDIR(mode) ? 'd' : S_ISCHR(mode) ? 'c' : '-';
    for (int i = 0; i < 9; i++)
        s[i + 1] = mode & (0400 >> i) ? rwx[i] : '-';
    s[10] = 0;
}

static void show(const char *dir, const char *name)
{
    if (!opt_long) {
        printf("%s\n", name);
        return;
    }
    char path[512], mode[11];
    struct stat64 st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(dir ? path : name, &st) < 0) {
        printf("?????????? %s\n", name);
        return;
    }
    mode_string(st.st_mode, mode);
    printf("%s %2u %8u %s\n", mode, st.st_nlink, (uint32_t)st.st_size, name);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists path (with a "path:" header when header is set), after a blank line when gap is set. */
static int list(const char *path, int header, int gap)
{
    struct stat64 st;
    if (stat(path, &st) < 0) {
        dprintf(2, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (gap)
        printf("\n");
    if (!S_ISDIR(st.st_mode)) {
        show(0, path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        dprintf(2, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char **names = 0;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!opt_all && e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **more = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!more) {
                dprintf(2, "ls: %s: out of memory\n", path);
                break;
            }
            names = more;
        }
        if (!(names[n] = strdup(e->d_name))) {
            dprintf(2, "ls: %s: out of memory\n", path);
            break;
        }
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    if (header)
        printf("%s:\n", path);
    for (int i = 0; i < n; i++) {
        show(path, names[i]);
        free(names[i]);
    }
    free(names);
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (char *o = argv[i] + 1; *o; o++) {
            if (*o == 'a')
                opt_all = 1;
            else if (*o == 'l')
                opt_long = 1;
            else {
                dprintf(2, "ls: unknown option -%c (usage: ls [-al] [path...])\n", *o);
                return 2;
            }
        }
    }
    if (i == argc)
        return list(".", 0, 0);
    /* a blank line between listings; an operand that fails says so on stderr only */
    int status = 0, listed = 0;
    for (int j = i; j < argc; j++) {
        int failed = list(argv[j], argc - i > 1, listed);
        listed |= !failed;
        status |= failed;
    }
    return status;
}
