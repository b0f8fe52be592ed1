/* dirent.c — opendir/readdir/closedir over getdents64(2). */
#include "libc.h"

struct DIR {
    int fd;
    int pos, len;
    char buf[1024];
    struct dirent ent;
};

DIR *opendir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return 0;
    DIR *d = malloc(sizeof *d);
    if (!d) {
        close(fd);
        return 0;
    }
    d->fd = fd;
    d->pos = d->len = 0;
    return d;
}

struct dirent *readdir(DIR *d)
{
    if (d->pos >= d->len) {
        d->len = getdents64(d->fd, d->buf, sizeof d->buf);
        d->pos = 0;
        if (d->len <= 0)
            return 0;
    }
    struct linux_dirent64 *e = (struct linux_dirent64 *)(d->buf + d->pos);
    d->pos += e->d_reclen;
    d->ent.d_ino = (uint32_t)e->d_ino;
    d->ent.d_type = e->d_type;
    strlcpy(d->ent.d_name, e->d_name, sizeof d->ent.d_name);
    return &d->ent;
}

int closedir(DIR *d)
{
    int r = close(d->fd);
    free(d);
    return r;
}
