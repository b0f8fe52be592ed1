/* rm.c — remove files; -r: directories and their contents; -f: no complaint if missing. */
#include "../lib/libc.h"

static int recursive, force;

static int remove_path(const char *path)
{
    struct stat64 st;
    if (stat(path, &st) < 0) {
        if (force && errno == ENOENT)
            return 0;
        dprintf(2, "rm: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!recursive) {
            dprintf(2, "rm: %s: is a directory (use -r)\n", path);
            return 1;
        }
        int status = 0;
        for (;;) {                       /* re-open each time: removing shifts the entries */
            DIR *d = opendir(path);
            struct dirent *e;
            char child[512];
            child[0] = 0;
            while (d && (e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                    snprintf(child, sizeof child, "%s/%s", path, e->d_name);
                    break;
                }
            if (d)
                closedir(d);
            if (!child[0])
                break;
            if (remove_path(child)) {
                status = 1;
                break;
            }
        }
        if (!status && rmdir(path) < 0) {
            dprintf(2, "rm: %s: %s\n", path, strerror(errno));
            return 1;
        }
        return status;
    }
    if (unlink(path) < 0) {
        dprintf(2, "rm: %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1, status = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (char *o = argv[i] + 1; *o; o++) {
            if (*o == 'r')
                recursive = 1;
            else if (*o == 'f')
                force = 1;
            else {
                dprintf(2, "rm: unknown option -%c (usage: rm [-rf] path...)\n", *o);
                return 2;
            }
        }
    if (i == argc && !force) {
        dprintf(2, "usage: rm [-rf] path...\n");
        return 2;
    }
    for (; i < argc; i++)
        status |= remove_path(argv[i]);
    return status;
}
