/* namei.c — path name lookup: walk components from the process's root (see chroot) or its
 * working directory, crossing mount points both ways; ".." never climbs above the process's
 * root. A mount namespace will later change which mounts a walk sees. */
#include "defs.h"

/* Copy the next component of *path into name and advance; 0 at the end, -ENAMETOOLONG. */
static int next_component(const char **path, char *name)
{
    const char *p = *path;
    while (*p == '/')
        p++;
    if (!*p)
        return 0;
    int len = 0;
    while (p[len] && p[len] != '/')
        len++;
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(name, p, len);
    name[len] = 0;
    *path = p + len;
    return len;
}

/* Where absolute paths start: the process's root, or the file system root during boot. */
static struct inode *proc_root(void)
{
    return current && current->root ? current->root : root_inode;
}

/* One step from directory ip (which the caller holds) to its child `name`; a new reference. */
static struct inode *step(struct inode *ip, const char *name, int *err)
{
    if (ip->type != I_DIR) {
        *err = -ENOTDIR;
        return 0;
    }
    if (!strcmp(name, "."))
        return iget(ip);
    if (!strcmp(name, "..")) {
        if (ip == proc_root() || ip == root_inode)
            return iget(ip);
        if (ip->covered)                   /* a mounted root: go up from the covered directory */
            ip = ip->covered;
        return iget(ip->parent ? ip->parent : ip);
    }
    struct inode *next = vfs_lookup(ip, name);
    if (!next) {
        *err = -ENOENT;
        return 0;
    }
    if (next->mounted) {
        struct inode *m = iget(next->mounted);
        iput(next);
        next = m;
    }
    return next;
}

static struct inode *walk(const char *path, int stop_before_last, char *last, int *err)
{
    char name[NAME_MAX + 1];
    struct inode *ip = iget(*path == '/' || !current ? proc_root() : current->cwd);
    for (;;) {
        int len = next_component(&path, name);
        if (len < 0) {
            *err = len;
            iput(ip);
            return 0;
        }
        if (len == 0)
            break;
        if (stop_before_last) {
            const char *rest = path;
            char peek[NAME_MAX + 1];
            if (next_component(&rest, peek) == 0) {   /* name is the last component */
                strlcpy(last, name, NAME_MAX + 1);
                if (ip->type != I_DIR) {
                    *err = -ENOTDIR;
                    iput(ip);
                    return 0;
                }
                return ip;
            }
        }
        struct inode *next = step(ip, name, err);
        iput(ip);
        if (!next)
            return 0;
        ip = next;
    }
    if (stop_before_last) {                 /* "/" or "": no last component */
        *err = -EEXIST;
        iput(ip);
        return 0;
    }
    return ip;
}

struct inode *namei(const char *path, int *err)
{
    if (!*path) {
        *err = -ENOENT;
        return 0;
    }
    return walk(path, 0, 0, err);
}

/* The directory that would hold path's last component, which goes to name. */
struct inode *nameiparent(const char *path, char *name, int *err)
{
    return walk(path, 1, name, err);
}

/* The name of child in directory dir, for getcwd. */
static int name_in(struct inode *dir, struct inode *child, char *name)
{
    for (uint32_t i = 0;; i++) {
        struct inode *ip;
        if (vfs_readdir(dir, i, name, &ip) < 0)
            return -ENOENT;
        int same = ip == child || (ip->fs == FS_PROCFS && child->fs == FS_PROCFS && ip->ino == child->ino);
        iput(ip);
        if (same)
            return 0;
    }
}

/* Path of directory ip from the process's root into buf; returns its length. A directory
 * outside that root (a chroot with the working directory left outside) gets its full path. */
int inode_path(struct inode *ip, char *buf, int n)
{
    struct inode *top = proc_root();
    char tmp[PATH_MAX];
    int len = 0;
    tmp[0] = 0;
    while (ip != top && ip != root_inode) {
        struct inode *named = ip->covered ? ip->covered : ip;
        struct inode *parent = named->parent;
        char name[NAME_MAX + 1];
        if (!parent || name_in(parent, named, name) < 0)
            return -ENOENT;
        int k = strlen(name);
        if (len + k + 1 >= (int)sizeof tmp)
            return -ENAMETOOLONG;
        memmove(tmp + k + 1, tmp, len + 1);
        tmp[0] = '/';
        memcpy(tmp + 1, name, k);
        len += k + 1;
        ip = parent;
    }
    if (len == 0) {
        tmp[0] = '/';
        tmp[1] = 0;
        len = 1;
    }
    if (len + 1 > n)
        return -ERANGE;
    memcpy(buf, tmp, len + 1);
    return len;
}
