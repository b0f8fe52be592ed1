/* ramfs.c — the in-memory file system holding the root tree: directories are lists of
 * dentries, a file's data is a page of pointers to data pages (so at most 4 MiB a file).
 * Data pages are charged to the writer's cgroup (upage_alloc): a container's tmpfs counts
 * against its memory.max. */
#include "defs.h"

#define MAX_BLOCKS (PAGE_SIZE / sizeof(char *))

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

struct inode *ramfs_lookup(struct inode *dir, const char *name)
{
    struct dentry *d = find(dir, name, 0);
    return d ? iget(d->ip) : 0;
}

/* Add name -> ip at the end of dir (directory order is creation order). */
int ramfs_link(struct inode *dir, const char *name, struct inode *ip)
{
    if (strlen(name) > NAME_MAX)
        return -ENAMETOOLONG;
    struct dentry *d = kmalloc_nz(sizeof *d);
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

/* Fill the new, empty directory dst with a copy-on-write copy of directory src (overlay mounts,
 * mntns.c): subdirectories are copied, 32 deep at most; files and other nodes are shared, a
 * file marked shared so that a write copies it up first (ramfs_copy_up). Order is kept. */
int ramfs_clone_tree(struct inode *src, struct inode *dst, int depth)
{
    if (depth > 32)
        return -ELOOP;
    struct dentry **tail = &dst->children;
    while (*tail)
        tail = &(*tail)->next;
    for (struct dentry *d = src->children; d; d = d->next) {
        struct inode *ip = d->ip;
        if (ip->type == I_DIR) {
            if (!cgroup_may_grow() || !(ip = inode_alloc(FS_RAMFS, I_DIR, d->ip->mode)))
                return -ENOMEM;
            ip->parent = dst;
        } else if (ip->type == I_FILE) {
            ip->shared = 1;
        }
        struct dentry *nd = kmalloc_nz(sizeof *nd);
        if (!nd) {
            if (ip != d->ip)
                kfree(ip);
            return -ENOMEM;
        }
        memcpy(nd->name, d->name, sizeof nd->name);
        nd->ip = ip;
        nd->next = 0;
        ip->nlink++;
        *tail = nd;
        tail = &nd->next;
        if (ip != d->ip) {
            iput(ip);                       /* inode_alloc's reference: the entry holds it now */
            int err = ramfs_clone_tree(d->ip, ip, depth + 1);
            if (err < 0)
                return err;
        }
    }
    return 0;
}

/* Copy-on-write: dir's entry `name`, a shared file, gets a private copy of it (a new reference). */
int ramfs_copy_up(struct inode *dir, const char *name, struct inode **out)
{
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
    kfree(d);
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
    if (!ip->blocks && !(ip->blocks = upage_alloc()))
        return -ENOSPC;
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
        upage_free(ip->blocks);
        ip->blocks = 0;
    }
    ip->size = 0;
}

int ramfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip)
{
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
    ramfs_truncate(ip);
    kfree(ip);
}
