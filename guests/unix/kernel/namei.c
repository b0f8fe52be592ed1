/* namei.c — path name lookup: walk components from the process's root (chroot, pivot_root) or
 * its working directory, crossing the mounts of the process's mount namespace both ways
 * (mntns.c); ".." never climbs above the process's root. Symbolic links are followed (at most
 * MAXSYMLINKS deep): an absolute target starts again at the process's root, a relative one
 * at the link's directory, so no link leads out of the root either. */
#include "defs.h"

#define MAXSYMLINKS 8

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
    if (name[0] == '.' && !name[1])
        return iget(ip);
    if (name[0] == '.' && name[1] == '.' && !name[2])
        return iget(mnt_parent(ip, 0));
    struct inode *next = vfs_lookup(ip, name);
    if (!next) {
        *err = -ENOENT;
        return 0;
    }
    return mnt_follow(next);
}

static struct inode *walk(struct inode *start, const char *path, int stop_before_last, char *last, int follow_last,
                          int depth, int *err);

/* The inode a symbolic link names, resolved from directory dir; the link's reference is consumed. */
static struct inode *follow_link(struct inode *dir, struct inode *link, int depth, int *err)
{
    char target[PATH_MAX];
    int n = vfs_read(link, target, 0, sizeof target - 1);
    iput(link);
    if (depth >= MAXSYMLINKS) {
        *err = -ELOOP;
        return 0;
    }
    if (n <= 0) {
        *err = -ENOENT;
        return 0;
    }
    target[n] = 0;
    return walk(target[0] == '/' ? proc_root() : dir, target, 0, 0, 1, depth + 1, err);
}

static struct inode *walk(struct inode *start, const char *path, int stop_before_last, char *last, int follow_last,
                          int depth, int *err)
{
    char name[NAME_MAX + 1];
    struct inode *ip = iget(*path == '/' ? proc_root() : start);
    for (;;) {
        int len = next_component(&path, name);
        if (len < 0) {
            *err = len;
            iput(ip);
            return 0;
        }
        if (len == 0)
            break;
        const char *rest = path;
        while (*rest == '/')
            rest++;
        int is_last = !*rest;
        if (stop_before_last && is_last) {
            strlcpy(last, name, NAME_MAX + 1);
            if (ip->type != I_DIR) {
                *err = -ENOTDIR;
                iput(ip);
                return 0;
            }
            return ip;
        }
        struct inode *next = step(ip, name, err);
        if (next && next->type == I_LNK && (!is_last || follow_last))
            next = follow_link(ip, next, depth, err);
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

static struct inode *start_dir(void)
{
    if (!current)
        return proc_root();
    return current->at_base ? current->at_base : current->cwd;
}

struct inode *namei(const char *path, int *err)
{
    if (!*path) {
        *err = -ENOENT;
        return 0;
    }
    return walk(start_dir(), path, 0, 0, 1, 0, err);
}

/* As namei, but a symbolic link as the last component is returned itself (lstat, readlink). */
struct inode *namei_nofollow(const char *path, int *err)
{
    if (!*path) {
        *err = -ENOENT;
        return 0;
    }
    return walk(start_dir(), path, 0, 0, 0, 0, err);
}

/* The directory that would hold path's last component, which goes to name. */
struct inode *nameiparent(const char *path, char *name, int *err)
{
    return walk(start_dir(), path, 1, name, 0, 0, err);
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
    while (ip != top) {
        struct inode *named;
        struct inode *parent = mnt_parent(ip, &named);
        char name[NAME_MAX + 1];
        if (parent == named)
            break;                          /* the top of the namespace */
        if (name_in(parent, named, name) < 0)
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
