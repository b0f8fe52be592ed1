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
        if (!strcmp((*pp)->name, name)) {
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
    struct dentry *d = kmalloc(sizeof *d);
    if (!d)
        return -ENOMEM;
    strlcpy(d->name, name, sizeof d->name);
    d->ip = ip;
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
        if (!ip->blocks[b] && !(ip->blocks[b] = upage_alloc()))
            return done ? (int)done : -ENOSPC;
        kcopy(ip->blocks[b] + o, src + done, k);
        done += k;
        if (off + done > ip->size)
            ip->size = off + done;
    }
    return (int)n;
}

void ramfs_truncate(struct inode *ip)
{
    if (ip->blocks) {
        for (uint32_t b = 0; b < MAX_BLOCKS; b++)
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
