/* mntns.c — mount namespaces (CLONE_NEWNS): each has its own list of mounts and its own "/",
 * and this file holds the system calls that change what a path names: mount, umount2,
 * pivot_root, chroot and fchdir.
 *
 * A mount says "the tree whose root is `root` appears at directory `point`". namei.c asks
 * mnt_follow() when it steps onto a directory and mnt_parent() for "..": a mount root's
 * ".." is the parent of its mount point, and ".." at the process's root stays there.
 * File systems for mount(2): "tmpfs" (an empty ramfs tree), "proc" (the caller's PID
 * namespace), "cgroup2" (the caller's cgroup namespace), "overlay" with data
 * "lowerdir=DIR" (a copy-on-write copy of DIR: new directories, the same file inodes
 * marked shared and copied up before their first write, see ramfs.c), and MS_BIND.
 *
 * Escapes. Linux leaves a chrooted process's working directory (and any directory it holds
 * open) outside its new root, so "chroot; fchdir(fd); cd .. ..." climbs out. Here chroot
 * moves a working directory that lies outside the new root into it, and fchdir refuses a
 * directory outside the caller's root, so every walk starts beneath the root and ".." stops
 * there. Symbolic links are resolved against the process's root the same way (namei.c). */
#include "defs.h"

static struct mntns root_mntns = { .ref = 1, .id = 1 };
static int next_id = 2;

struct mntns *mntns_root(void)
{
    if (!root_mntns.root) {
        root_mntns.root = iget(root_inode);
        root_inode->mounts++;
    }
    return mntns_get(&root_mntns);
}

struct mntns *mntns_get(struct mntns *ns)
{
    ns->ref++;
    return ns;
}

static struct mntns *cur(void)
{
    return current && current->mntns ? current->mntns : &root_mntns;
}

/* Empty a tree that existed only while mounted (tmpfs, overlay copy); shared files lose a link.
 * Iterative, through the directories' ".." pointers: a container can nest directories
 * thousands deep, and a recursion per level would overrun the 8 KiB kernel stack. */
static void tree_release(struct inode *top)
{
    struct inode *dir = top;
    for (;;) {
        struct dentry *d = dir->children;
        if (d && d->ip->type == I_DIR && d->ip->children && d->ip->parent == dir) {
            dir = d->ip;                       /* empty the first subdirectory first */
            continue;
        }
        if (d) {
            ramfs_unlink(dir, d->name, d->ip->type == I_DIR);
            continue;
        }
        if (dir == top || !dir->parent)
            return;
        dir = dir->parent;                     /* dir is empty now: its parent unlinks it next */
    }
}

/* Drop one mount's hold on root; an anonymous tree goes with its last mount. */
static void root_put(struct inode *root)
{
    if (--root->mounts == 0 && root->anon)
        tree_release(root);
    iput(root);
}

static void mount_free(struct mount *m)
{
    m->point->covered--;
    iput(m->point);
    root_put(m->root);
    kfree_charged(m, sizeof *m, m->memcg);
}

void mntns_put(struct mntns *ns)
{
    if (!ns || --ns->ref > 0 || ns == &root_mntns)
        return;
    while (ns->mounts) {
        struct mount *m = ns->mounts;
        ns->mounts = m->next;
        mount_free(m);
    }
    root_put(ns->root);
    kfree(ns);
}

/* Add a mount at the head of ns's list (newest first), or after *tail (then *tail moves on).
 * It is charged to the caller's memory cgroup, except a copy (mntns_copy) of a mount nobody was
 * charged for (the host's): a container's first namespace copies every host mount and drops
 * them at its pivot_root, and charging each would make every start dearer for nothing. */
static int mount_add(struct mntns *ns, struct inode *point, struct inode *root, struct mount ***tail,
                     const struct mount *copy_of)
{
    struct cgroup *cg = 0;
    struct mount *m = copy_of && !copy_of->memcg ? kmalloc_nz(sizeof *m) : kmalloc_charged(sizeof *m, &cg);
    if (!m)
        return -ENOMEM;
    m->memcg = cg;
    m->next = 0;
    m->point = iget(point);
    point->covered++;
    m->root = iget(root);
    root->mounts++;
    if (tail) {
        **tail = m;
        *tail = &m->next;
    } else {
        m->next = ns->mounts;
        ns->mounts = m;
    }
    return 0;
}

/* A new namespace with a copy of from's mounts and root. */
struct mntns *mntns_copy(struct mntns *from)
{
    struct mntns *ns = kmalloc(sizeof *ns);
    if (!ns)
        return 0;
    ns->ref = 1;
    ns->id = next_id++;
    ns->root = iget(from->root);
    ns->root->mounts++;
    struct mount **tail = &ns->mounts;
    for (struct mount *m = from->mounts; m; m = m->next) {
        if (mount_add(ns, m->point, m->root, &tail, m) < 0) {
            mntns_put(ns);
            return 0;
        }
    }
    return ns;
}

/* The newest mount in ns on directory ip. */
static struct mount *mount_on(struct mntns *ns, struct inode *ip)
{
    if (!ip->covered)                          /* nothing is mounted on it anywhere */
        return 0;
    for (struct mount *m = ns->mounts; m; m = m->next)
        if (m->point == ip && m->root != ip)
            return m;
    return 0;
}

static struct mount *mount_with_root(struct mntns *ns, struct inode *ip)
{
    if (!ip->mounts)                           /* the root of no mount anywhere */
        return 0;
    for (struct mount *m = ns->mounts; m; m = m->next)
        if (m->root == ip && m->point != ip)
            return m;
    return 0;
}

/* Stepping onto ip: the root of what is mounted there (a new reference; ip's is consumed). */
struct inode *mnt_follow(struct inode *ip)
{
    struct mntns *ns = cur();
    for (int i = 0; i < 8; i++) {
        struct mount *m = mount_on(ns, ip);
        if (!m)
            break;
        struct inode *r = iget(m->root);
        iput(ip);
        ip = r;
    }
    return ip;
}

/* The directory above ip in ns, not climbing past stop; *named is ip as its parent lists it
 * (the mount point when ip is a mount root). Borrowed, not a new reference. */
static struct inode *up_of(struct mntns *ns, struct inode *ip, struct inode *stop, struct inode **named)
{
    for (int i = 0; i < 16 && ip != stop; i++) {
        struct mount *m = mount_with_root(ns, ip);
        if (!m)
            break;
        ip = m->point;
    }
    if (named)
        *named = ip;
    if (ip == stop)
        return ip;
    return ip->parent ? ip->parent : ip;
}

/* ".." from ip for the current process: stays at its root. */
struct inode *mnt_parent(struct inode *ip, struct inode **named)
{
    struct inode *top = current && current->root ? current->root : cur()->root;
    if (ip == top) {
        if (named)
            *named = ip;
        return ip;
    }
    return up_of(cur(), ip, top, named);
}

/* Is ip top or below it (in the current mount namespace)? */
int mnt_beneath(struct inode *ip, struct inode *top)
{
    for (int i = 0; i < 256; i++) {
        if (ip == top)
            return 1;
        struct inode *up = up_of(cur(), ip, top, 0);
        if (up == ip)
            return 0;
        ip = up;
    }
    return 0;
}

/* Is ip a mount point or a mount root in the current namespace (so not to be removed)? */
int mnt_busy(struct inode *ip)
{
    for (struct mount *m = cur()->mounts; m; m = m->next)
        if (m->point == ip || m->root == ip)
            return 1;
    return ip == cur()->root;
}

/* Boot: mount root at dir in the root namespace. */
int mnt_boot_mount(struct inode *dir, struct inode *root)
{
    return mount_add(&root_mntns, dir, root, 0, 0);
}

/* ---- overlay: a copy-on-write copy of a directory tree ---- */

static struct inode *overlay_new(const char *data, int *err)
{
    if (strncmp(data, "lowerdir=", 9) != 0) {
        *err = -EINVAL;
        return 0;
    }
    char lowerdir[PATH_MAX];
    strlcpy(lowerdir, data + 9, sizeof lowerdir);
    char *comma = strchr(lowerdir, ',');      /* upperdir=, workdir=: the upper layer is implicit */
    if (comma)
        *comma = 0;
    struct inode *lower = namei(lowerdir, err);
    if (!lower)
        return 0;
    if (lower->type != I_DIR || lower->fs != FS_RAMFS) {
        iput(lower);
        *err = -EINVAL;
        return 0;
    }
    struct inode *root = ramfs_new_tree();
    if (!root) {
        iput(lower);
        *err = -ENOMEM;
        return 0;
    }
    root->mode = lower->mode;
    ramfs_overlay(root, lower);                /* lazy: entries come up as they are used (ramfs.c) */
    iput(lower);
    *err = 0;
    return root;
}

/* ---- system calls ---- */

static int fetch(uint32_t uva, char *buf, uint32_t size)
{
    int r = copyinstr(current->pgdir, buf, uva, size);
    return r < 0 ? r : 0;
}

static struct inode *dir_named(const char *path, int *err)
{
    struct inode *ip = namei(path, err);
    if (ip && ip->type != I_DIR) {
        iput(ip);
        *err = -ENOTDIR;
        return 0;
    }
    return ip;
}

int sys_mount(uint32_t usource, uint32_t utarget, uint32_t utype, uint32_t flags, uint32_t udata)
{
    char source[PATH_MAX], target[PATH_MAX], type[16], data[PATH_MAX];
    int err;
    source[0] = type[0] = data[0] = 0;
    if ((err = fetch(utarget, target, sizeof target)) < 0 ||
        (usource && (err = fetch(usource, source, sizeof source)) < 0) ||
        (utype && (err = fetch(utype, type, sizeof type)) < 0) ||
        (udata && (err = fetch(udata, data, sizeof data)) < 0))
        return err;
    struct inode *point = dir_named(target, &err);
    if (!point)
        return err;
    struct inode *root = 0;
    err = -ENOMEM;
    if (flags & MS_BIND)
        root = dir_named(source, &err);
    else if (!strcmp(type, "tmpfs"))
        root = ramfs_new_tree();
    else if (!strcmp(type, "proc"))
        root = procfs_new_root(current->pidns);
    else if (!strcmp(type, "cgroup2"))
        root = cgroupfs_new_root(current->cgns);
    else if (!strcmp(type, "overlay"))
        root = overlay_new(data, &err);
    else
        err = -ENODEV;
    if (root)
        err = mount_add(current->mntns, point, root, 0, 0);
    iput(root);
    iput(point);
    return err;
}

/* umount2: MNT_DETACH skips the busy check (the tree goes when nothing uses it). */
int sys_umount2(uint32_t utarget, uint32_t flags)
{
    char target[PATH_MAX];
    int err;
    if ((err = fetch(utarget, target, sizeof target)) < 0)
        return err;
    struct inode *ip = namei(target, &err);
    if (!ip)
        return err;
    struct mntns *ns = current->mntns;
    err = -EINVAL;                             /* not a mount point */
    /* the mount whose root ip is; or, when ip is covered without having been followed (".", the
     * new root after pivot_root(".", ".") with the old one stacked on it), the newest mount on ip */
    struct mount *stacked = mount_on(ns, ip);
    for (struct mount **pp = &ns->mounts; *pp; pp = &(*pp)->next) {
        struct mount *m = *pp;
        if (stacked ? m != stacked : (m->root != ip || m->point == ip))
            continue;
        if (!(flags & MNT_DETACH)) {
            for (struct proc *p = proc_table; p < proc_table + nproc; p++)
                if (p->state != UNUSED && p->mntns == ns && (p->cwd == ip || p->root == ip))
                    goto busy;
        }
        *pp = m->next;
        iput(ip);
        mount_free(m);
        return 0;
    }
    iput(ip);
    return err;
busy:
    iput(ip);
    return -EBUSY;
}

int sys_umount(uint32_t utarget)
{
    return sys_umount2(utarget, 0);
}

/* pivot_root(new_root, put_old): new_root (a mount root) becomes the namespace's "/", the old
 * root is mounted at put_old (beneath new_root), and every process of the namespace whose
 * root or working directory was the old root moves to the new one. */
int sys_pivot_root(uint32_t unew, uint32_t uold)
{
    char newpath[PATH_MAX], oldpath[PATH_MAX];
    int err;
    if ((err = fetch(unew, newpath, sizeof newpath)) < 0 || (err = fetch(uold, oldpath, sizeof oldpath)) < 0)
        return err;
    struct mntns *ns = current->mntns;
    struct inode *nr = dir_named(newpath, &err);
    if (!nr)
        return err;
    struct inode *po = dir_named(oldpath, &err);
    if (!po) {
        iput(nr);
        return err;
    }
    struct inode *old = ns->root;
    struct mount *m = 0, **pp;
    for (pp = &ns->mounts; *pp; pp = &(*pp)->next)
        if ((*pp)->root == nr && (*pp)->point != nr)
            break;
    m = *pp;
    err = -EINVAL;
    if (!m || nr == old || !mnt_beneath(po, nr) || mount_add(ns, po, old, 0, 0) < 0)
        goto out;
    for (pp = &ns->mounts; *pp != m; pp = &(*pp)->next)
        ;
    *pp = m->next;                             /* new_root leaves its mount point... */
    ns->root = iget(nr);                       /* ...and becomes the namespace's root */
    nr->mounts++;
    mount_free(m);
    for (struct proc *p = proc_table; p < proc_table + nproc; p++) {
        if (p->state == UNUSED || p->mntns != ns)
            continue;
        if (p->root == old) {
            iput(p->root);
            p->root = iget(nr);
        }
        if (p->cwd == old) {
            iput(p->cwd);
            p->cwd = iget(nr);
        }
    }
    root_put(old);
    err = 0;
out:
    iput(nr);
    iput(po);
    return err;
}

/* chroot: "/" becomes the directory at upath for this process and its future children; a
 * working directory outside the new root moves to it (unlike Linux: see the top of the file). */
int sys_chroot(uint32_t upath)
{
    char path[PATH_MAX];
    int err;
    if ((err = fetch(upath, path, sizeof path)) < 0)
        return err;
    if (!path[0])
        return -ENOENT;
    struct inode *ip = dir_named(path, &err);
    if (!ip)
        return err;
    iput(current->root);
    current->root = ip;
    if (!mnt_beneath(current->cwd, ip)) {
        iput(current->cwd);
        current->cwd = iget(ip);
    }
    return 0;
}

int sys_fchdir(uint32_t fd)
{
    struct file *f = fd < NOFILE ? current->ofile[fd] : 0;
    if (!f)
        return -EBADF;
    if (f->type != F_INODE || f->ip->type != I_DIR)
        return -ENOTDIR;
    if (!mnt_beneath(f->ip, current->root))
        return -EACCES;                        /* a directory outside our root: no way out */
    iput(current->cwd);
    current->cwd = iget(f->ip);
    return 0;
}

/* setns(CLONE_NEWNS): enter ns at its root. */
void mntns_enter(struct proc *p, struct mntns *ns)
{
    mntns_get(ns);
    mntns_put(p->mntns);
    p->mntns = ns;
    iput(p->root);
    iput(p->cwd);
    p->root = iget(ns->root);
    p->cwd = iget(ns->root);
}

int mntns_id(struct mntns *ns)
{
    return ns->id;
}
