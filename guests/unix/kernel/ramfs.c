/* ramfs.c — the in-memory file system holding the root tree: directories are lists of
 * dentries, a file's data is an array of pointers to data pages: SMALL_BLOCKS of them from
 * kmalloc while the file fits (most do), a whole page of them beyond (so at most 4 MiB a file).
 * Data pages are charged to the writer's cgroup (upage_alloc): a container's tmpfs counts
 * against its memory.max.
 *
 * Overlay directories (the "overlay" mount, mntns.c) are copy-on-write views of a lower
 * directory, made lazily: a new one only points at its lower directory. A lookup that misses
 * its own entries looks below: a lower subdirectory gets an upper directory of its own (linked
 * here, so ".." stays in the overlay and a later lookup finds the same inode), anything else
 * is the lower inode itself, shared (a file is copied up before a write). The first change,
 * listing or copy-up in the directory copies all lower entries in (ramfs_materialize), after
 * which it is an ordinary directory: no whiteouts are needed. */
#include "defs.h"

#define MAX_BLOCKS (PAGE_SIZE / sizeof(char *))
#define SMALL_BLOCKS 16                     /* 64 KiB */

struct inode *ramfs_new_root(void)
{
    struct inode *root = inode_alloc(FS_RAMFS, I_DIR, 0755);
    root->nlink = 1;                       /* never freed */
    return root;
}

/* The root of a tree that lives only while mounted (tmpfs, overlay): mntns.c frees it. */
struct inode *ramfs_new_tree(void)
{
    struct inode *root = inode_alloc(FS_RAMFS, I_DIR, 01777);
    if (root)
        root->anon = 1;
    return root;
}

/* A directory entry, charged to the current process's cgroup like its inode (vfs.c). */
static struct dentry *dentry_alloc(void)
{
    struct cgroup *cg;
    struct dentry *d = kmalloc_charged(sizeof *d, &cg);
    if (d)
        d->memcg = cg;
    return d;
}

static void dentry_free(struct dentry *d)
{
    kfree_charged(d, sizeof *d, d->memcg);
}

static struct dentry *find(struct inode *dir, const char *name, struct dentry ***link)
{
    struct dentry **pp = &dir->children;
    for (; *pp; pp = &(*pp)->next) {
        const char *n = (*pp)->name;           /* the first two bytes exist in both (a NUL at worst) */
        if (n[0] == name[0] && n[1] == name[1] && !strcmp(n, name)) {
            if (link)
                *link = pp;
            return *pp;
        }
    }
    return 0;
}

static int link_raw(struct inode *dir, const char *name, struct inode *ip);

/* An upper directory in parent over lower directory `lower` (the reference is taken over). */
static struct inode *overlay_dir(struct inode *parent, struct inode *lower)
{
    struct inode *ip = cgroup_may_grow() ? inode_alloc(FS_RAMFS, I_DIR, lower->mode) : 0;
    if (!ip) {
        iput(lower);
        return 0;
    }
    ip->parent = parent;
    ip->lower = lower;
    return ip;
}

/* Entry `name` of overlay directory dir from below (see the top of the file); a new reference. */
static struct inode *overlay_lookup(struct inode *dir, const char *name)
{
    struct inode *lip = ramfs_lookup(dir->lower, name);
    if (!lip || lip->type != I_DIR) {
        if (lip && lip->type == I_FILE)
            lip->shared = 1;
        return lip;
    }
    struct inode *ip = overlay_dir(dir, lip);
    if (ip && link_raw(dir, name, ip) < 0) {
        ramfs_free(ip);
        return 0;
    }
    return ip;
}

/* Copy the lower entries of overlay directory dir in, keeping lower's order and the entries dir
 * has already (upper directories a lookup made); dir is ordinary afterwards. -ENOMEM leaves it
 * consistent and still lazy (a later call goes on). */
int ramfs_materialize(struct inode *dir)
{
    struct inode *lower = dir->lower;
    if (!lower)
        return 0;
    int err = ramfs_materialize(lower);
    if (err)
        return err;
    struct dentry *have = dir->children, **tail = &dir->children;
    dir->children = 0;
    for (struct dentry *ld = lower->children; ld; ld = ld->next) {
        struct dentry **hp = &have, *d;
        while (*hp && strcmp((*hp)->name, ld->name))
            hp = &(*hp)->next;
        if (*hp) {                             /* already here: moved to its place */
            d = *hp;
            *hp = d->next;
        } else {
            struct inode *ip = ld->ip;
            if (ip->type == I_DIR && !(ip = overlay_dir(dir, iget(ld->ip))))
                err = -ENOMEM;
            else if (!(d = dentry_alloc())) {
                if (ip != ld->ip)
                    ramfs_free(ip);
                err = -ENOMEM;
            }
            if (err) {
                *tail = have;                  /* the rest stays as it was */
                return err;
            }
            if (ip->type == I_FILE)
                ip->shared = 1;
            memcpy(d->name, ld->name, sizeof d->name);
            d->ip = ip;
            ip->nlink++;
            if (ip != ld->ip)
                iput(ip);                      /* overlay_dir's reference: the entry holds it */
        }
        d->next = 0;
        *tail = d;
        tail = &d->next;
    }
    *tail = have;                              /* (nothing: every entry came from below) */
    dir->lower = 0;
    iput(lower);
    return 0;
}

/* Make dir a copy-on-write view of directory lower (an empty overlay root). */
void ramfs_overlay(struct inode *dir, struct inode *lower)
{
    dir->lower = iget(lower);
}

struct inode *ramfs_lookup(struct inode *dir, const char *name)
{
    struct dentry *d = find(dir, name, 0);
    if (d)
        return iget(d->ip);
    return dir->lower ? overlay_lookup(dir, name) : 0;
}

/* Add name -> ip at the end of dir (directory order is creation order). */
int ramfs_link(struct inode *dir, const char *name, struct inode *ip)
{
    int err = ramfs_materialize(dir);
    return err ? err : link_raw(dir, name, ip);
}

static int link_raw(struct inode *dir, const char *name, struct inode *ip)
{
    if (strlen(name) > NAME_MAX)
        return -ENAMETOOLONG;
    struct dentry *d = dentry_alloc();
    if (!d)
        return -ENOMEM;
    strlcpy(d->name, name, sizeof d->name);
    d->ip = ip;
    d->next = 0;
    struct dentry **pp = &dir->children;
    while (*pp)
        pp = &(*pp)->next;
    *pp = d;
    ip->nlink++;
    return 0;
}

/* Copy-on-write: dir's entry `name`, a shared file, gets a private copy of it (a new reference). */
int ramfs_copy_up(struct inode *dir, const char *name, struct inode **out)
{
    int err = ramfs_materialize(dir);
    if (err)
        return err;
    struct dentry *d = find(dir, name, 0);
    if (!d || !d->ip->shared)
        return -ENOENT;
    struct inode *old = d->ip;
    struct inode *ip = inode_alloc(FS_RAMFS, old->type, old->mode);
    if (!ip)
        return -ENOMEM;
    for (uint32_t b = 0; old->blocks && b < MAX_BLOCKS && b * PAGE_SIZE < old->size; b++) {
        uint32_t k = old->size - b * PAGE_SIZE < PAGE_SIZE ? old->size - b * PAGE_SIZE : PAGE_SIZE;
        if (old->blocks[b] && ramfs_write(ip, old->blocks[b], b * PAGE_SIZE, k) != (int)k) {
            ramfs_free(ip);
            return -ENOSPC;
        }
    }
    ip->size = old->size;
    ip->nlink = 1;
    d->ip = ip;
    old->nlink--;
    iget(old);
    iput(old);
    *out = ip;                             /* inode_alloc's reference */
    return 0;
}

int ramfs_unlink(struct inode *dir, const char *name, int want_dir)
{
    struct dentry **link;
    struct dentry *d = find(dir, name, &link);
    if (!d)
        return -ENOENT;
    *link = d->next;
    struct inode *ip = d->ip;
    dentry_free(d);
    ip->nlink--;
    iget(ip);
    iput(ip);                              /* frees it now if nothing holds it open */
    return 0;
}

int ramfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n)
{
    if (off >= ip->size)
        return 0;
    if (n > ip->size - off)
        n = ip->size - off;
    for (uint32_t done = 0; done < n;) {
        uint32_t b = (off + done) / PAGE_SIZE, o = (off + done) % PAGE_SIZE;
        uint32_t k = PAGE_SIZE - o < n - done ? PAGE_SIZE - o : n - done;
        if (ip->blocks && ip->blocks[b])
            kcopy(dst + done, ip->blocks[b] + o, k);
        else
            kzero(dst + done, k);
        done += k;
    }
    return (int)n;
}

int ramfs_write(struct inode *ip, const char *src, uint32_t off, uint32_t n)
{
    if (off + n < off || off + n > MAX_BLOCKS * PAGE_SIZE)
        return -EFBIG;
    uint32_t need = (off + n + PAGE_SIZE - 1) / PAGE_SIZE;
    if (need > ip->nblocks) {               /* room for the page pointers: small, or a page */
        uint32_t cap = need <= SMALL_BLOCKS ? SMALL_BLOCKS : MAX_BLOCKS;
        char **blocks = cap == SMALL_BLOCKS ? kmalloc(SMALL_BLOCKS * sizeof(char *)) : upage_alloc();
        if (!blocks)
            return -ENOSPC;
        if (ip->blocks) {
            kcopy(blocks, ip->blocks, ip->nblocks * sizeof(char *));
            kfree(ip->blocks);              /* only a small array grows */
        }
        ip->blocks = blocks;
        ip->nblocks = cap;
    }
    for (uint32_t done = 0; done < n;) {
        uint32_t b = (off + done) / PAGE_SIZE, o = (off + done) % PAGE_SIZE;
        uint32_t k = PAGE_SIZE - o < n - done ? PAGE_SIZE - o : n - done;
        if (!ip->blocks[b]) {                /* a new page: zero what this write leaves */
            if (!(ip->blocks[b] = upage_alloc_nz()))
                return done ? (int)done : -ENOSPC;
            kzero(ip->blocks[b], o);
            kzero(ip->blocks[b] + o + k, PAGE_SIZE - o - k);
        }
        if (upage_shared(ip->blocks[b])) {  /* mapped by a running program (exec.c): it keeps the old page */
            char *copy = upage_alloc_nz();
            if (!copy)
                return done ? (int)done : -ENOSPC;
            kcopy(copy, ip->blocks[b], PAGE_SIZE);
            upage_free(ip->blocks[b]);
            ip->blocks[b] = copy;
        }
        kcopy(ip->blocks[b] + o, src + done, k);
        done += k;
        if (off + done > ip->size)
            ip->size = off + done;
    }
    return (int)n;
}

/* The data page holding file bytes [off, off + PAGE_SIZE) (off page aligned), if it is wholly
 * inside the file and stored: exec maps it read-only rather than copying it. */
char *ramfs_page(struct inode *ip, uint32_t off)
{
    if (ip->fs != FS_RAMFS || !ip->blocks || off % PAGE_SIZE || off >= ip->size)
        return 0;
    return ip->blocks[off / PAGE_SIZE];
}

void ramfs_truncate(struct inode *ip)
{
    if (ip->blocks) {
        for (uint32_t b = 0; b * PAGE_SIZE < ip->size; b++)     /* no block lies past the size */
            if (ip->blocks[b])
                upage_free(ip->blocks[b]);
        if (ip->nblocks == SMALL_BLOCKS)
            kfree(ip->blocks);
        else
            upage_free(ip->blocks);
        ip->blocks = 0;
        ip->nblocks = 0;
    }
    ip->size = 0;
}

int ramfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip)
{
    int err = ramfs_materialize(dir);
    if (err)
        return err;
    struct dentry *d = dir->children;
    while (d && index--)
        d = d->next;
    if (!d)
        return -ENOENT;
    strlcpy(name, d->name, NAME_MAX + 1);
    *ip = iget(d->ip);
    return 0;
}

void ramfs_free(struct inode *ip)
{
    if (ip->lower)
        iput(ip->lower);
    ramfs_truncate(ip);
    inode_free(ip);
}
