/* initrd.c — unpack the root tree from a Multiboot module: a cpio archive in the "newc"
 * format (070701 magic, 13 eight-digit hex fields, name, data, each padded to 4 bytes).
 * Directories and regular files are created in ramfs; other entry types are skipped. */
#include "defs.h"

#define CPIO_HEADER 110

static uint32_t hex8(const uint8_t *s)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        v = v << 4 | (uint32_t)(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
    }
    return v;
}

/* Create path (absolute) as a directory or file, creating missing parents; a new reference. */
static struct inode *make(const char *path, enum itype type, uint32_t mode)
{
    char partial[PATH_MAX];
    int err;
    for (int i = 1; path[i]; i++) {          /* mkdir -p the parents */
        if (path[i] != '/')
            continue;
        memcpy(partial, path, i);
        partial[i] = 0;
        struct inode *ip = namei(partial, &err);
        if (!ip) {
            char name[NAME_MAX + 1];
            struct inode *dir = nameiparent(partial, name, &err);
            if (!dir || vfs_create(dir, name, I_DIR, 0755, &ip) < 0)
                return 0;
            iput(dir);
        }
        iput(ip);
    }
    struct inode *ip = namei(path, &err);
    if (ip)
        return ip;                           /* already there (a directory made as a parent) */
    char name[NAME_MAX + 1];
    struct inode *dir = nameiparent(path, name, &err);
    if (!dir)
        return 0;
    err = vfs_create(dir, name, type, mode, &ip);
    iput(dir);
    return err ? 0 : ip;
}

/* Unpack below prefix ("" for the root, "/images/NAME" for an image); returns the number of
 * entries unpacked, or -EINVAL if the archive is malformed. */
int initrd_unpack(const uint8_t *data, uint32_t len, const char *prefix)
{
    uint32_t off = 0;
    int count = 0;
    char path[PATH_MAX];
    while (off + CPIO_HEADER <= len) {
        const uint8_t *h = data + off;
        if (memcmp(h, "070701", 6) != 0)
            return -EINVAL;
        uint32_t mode = hex8(h + 14);
        uint32_t filesize = hex8(h + 54);
        uint32_t namesize = hex8(h + 94);
        const char *name = (const char *)h + CPIO_HEADER;
        uint32_t data_off = (off + CPIO_HEADER + namesize + 3) & ~3u;
        if (namesize == 0 || data_off + filesize > len || name[namesize - 1] != 0)
            return -EINVAL;
        if (!strcmp(name, "TRAILER!!!"))
            return count;
        while (name[0] == '.' && name[1] == '/')
            name += 2;
        while (name[0] == '/')
            name++;
        if (prefix[0] && (!name[0] || !strcmp(name, "."))) {
            struct inode *ip = make(prefix, I_DIR, 0755);   /* the image's root directory */
            if (!ip)
                panic("initrd: cannot create %s", prefix);
            iput(ip);
        } else if (name[0] && strcmp(name, ".") != 0 && strlen(name) + strlen(prefix) + 2 < sizeof path) {
            snprintf(path, sizeof path, "%s/%s", prefix, name);
            struct inode *ip = 0;
            if (S_ISDIR(mode))
                ip = make(path, I_DIR, mode & 07777);
            else if (S_ISREG(mode)) {
                ip = make(path, I_FILE, mode & 07777);
                if (ip && vfs_write(ip, (const char *)data + data_off, 0, filesize) != (int)filesize)
                    panic("initrd: out of memory writing %s", path);
            } else if (S_ISCHR(mode) && (ip = make(path, I_CHR, mode & 07777))) {
                ip->major = hex8(h + 78);             /* c_rdevmajor, c_rdevminor */
                ip->minor = hex8(h + 86);
            }
            if ((S_ISDIR(mode) || S_ISREG(mode) || S_ISCHR(mode)) && !ip)
                panic("initrd: cannot create %s", path);
            iput(ip);
            count++;
        }
        off = (data_off + filesize + 3) & ~3u;
    }
    return -EINVAL;                          /* no trailer */
}
