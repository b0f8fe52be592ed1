/* vfs.c — the file-system switch: inode lifetimes and dispatch to ramfs, procfs or cgroupfs
 * by inode->fs. Which tree appears where is the mount namespace's business (mntns.c). */
#include "defs.h"

struct inode *root_inode;
static uint32_t next_ino = 1;

/* A new inode, charged to the current process's cgroup (0 when its memory.max has no room). */
struct inode *inode_alloc(enum fstype fs, enum itype type, uint32_t mode)
{
    struct cgroup *cg;
    struct inode *ip = kmalloc_charged(sizeof *ip, &cg);
    if (!ip)
        return 0;
    memset(ip, 0, sizeof *ip);
    ip->memcg = cg;
    ip->fs = fs;
    ip->type = type;
    ip->mode = mode;
    ip->ino = next_ino++;
    ip->ref = 1;
    return ip;
}

void inode_free(struct inode *ip)
{
    kfree_charged(ip, sizeof *ip, ip->memcg);
}

struct inode *iget(struct inode *ip)
{
    ip->ref++;
    return ip;
}

/* Drop a reference; an inode no directory names any more is freed with its last reference. */
void iput(struct inode *ip)
{
    if (!ip)
        return;
    if (--ip->ref > 0 || ip->nlink > 0)
        return;
    if (ip->fs == FS_RAMFS)
        ramfs_free(ip);
    else if (ip->fs == FS_PROCFS)
        procfs_free(ip);
    else
        cgroupfs_free(ip);
}

struct inode *vfs_lookup(struct inode *dir, const char *name)
{
    if (dir->type != I_DIR)
        return 0;
    if (dir->fs == FS_CGROUPFS)
        return cgroupfs_lookup(dir, name);
    return dir->fs == FS_PROCFS ? procfs_lookup(dir, name) : ramfs_lookup(dir, name);
}

int vfs_create(struct inode *dir, const char *name, enum itype type, uint32_t mode, struct inode **out)
{
    if (dir->type != I_DIR)
        return -ENOTDIR;
    if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
        return -EEXIST;                    /* "." and ".." */
    if (dir->fs == FS_CGROUPFS && type == I_DIR)
        return cgroupfs_mkdir(dir, name, out);
    if (dir->fs != FS_RAMFS)
        return -EROFS;
    if (!cgroup_may_grow())
        return -ENOSPC;                    /* a container may not eat the host's reserve (cgroup.c) */
    struct inode *old = vfs_lookup(dir, name);
    if (old) {
        iput(old);
        return -EEXIST;
    }
    struct inode *ip = inode_alloc(FS_RAMFS, type, mode);
    if (!ip)
        return -ENOMEM;
    if (type == I_DIR)
        ip->parent = dir;
    int err = ramfs_link(dir, name, ip);
    if (err) {
        inode_free(ip);
        return err;
    }
    *out = ip;
    return 0;
}

int vfs_unlink(struct inode *dir, const char *name, int want_dir)
{
    if (dir->fs == FS_CGROUPFS && want_dir)
        return cgroupfs_rmdir(dir, name);
    if (dir->fs != FS_RAMFS)
        return -EROFS;
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return -EINVAL;
    struct inode *ip = vfs_lookup(dir, name);
    if (!ip)
        return -ENOENT;
    int err = 0;
    if (want_dir && ip->type != I_DIR)
        err = -ENOTDIR;
    else if (!want_dir && ip->type == I_DIR)
        err = -EISDIR;
    else if (ip->type == I_DIR && ((err = ramfs_materialize(ip)) < 0 || ip->children))
        err = err ? err : -ENOTEMPTY;
    else if (ip->type == I_DIR && (mnt_busy(ip) || ip == current->cwd))
        err = -EBUSY;
    iput(ip);
    if (!err)
        err = ramfs_materialize(dir);
    return err ? err : ramfs_unlink(dir, name, want_dir);
}

int vfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n)
{
    if (ip->type == I_DIR)
        return -EISDIR;
    if (ip->fs == FS_CGROUPFS)
        return cgroupfs_read(ip, dst, off, n);
    return ip->fs == FS_PROCFS ? procfs_read(ip, dst, off, n) : ramfs_read(ip, dst, off, n);
}

int vfs_write(struct inode *ip, const char *src, uint32_t off, uint32_t n)
{
    if (ip->fs == FS_CGROUPFS)
        return cgroupfs_write(ip, src, n);
    if (ip->fs != FS_RAMFS)
        return -EACCES;
    return ramfs_write(ip, src, off, n);
}

int vfs_truncate(struct inode *ip)
{
    if (ip->fs == FS_CGROUPFS)
        return 0;                          /* "echo 5 > pids.max" opens with O_TRUNC */
    if (ip->fs != FS_RAMFS)
        return -EACCES;
    ramfs_truncate(ip);
    return 0;
}

/* The index-th entry of dir (not counting "." and ".."): its name and a new reference. */
int vfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip)
{
    if (dir->fs == FS_CGROUPFS)
        return cgroupfs_readdir(dir, index, name, ip);
    return dir->fs == FS_PROCFS ? procfs_readdir(dir, index, name, ip) : ramfs_readdir(dir, index, name, ip);
}

void vfs_stat(struct inode *ip, struct stat64 *st)
{
    memset(st, 0, sizeof *st);
    st->st_dev = ip->fs + 1;
    st->st_ino = st->__st_ino = ip->ino;
    st->st_mode = ip->mode | (ip->type == I_DIR ? S_IFDIR : ip->type == I_CHR ? S_IFCHR :
                              ip->type == I_LNK ? S_IFLNK : S_IFREG);
    st->st_nlink = ip->nlink ? ip->nlink : 1;
    st->st_rdev = ip->type == I_CHR ? (uint64_t)MKDEV(ip->major, ip->minor) : 0;
    st->st_size = ip->size;
    st->st_blksize = PAGE_SIZE;
    st->st_blocks = (ip->size + 511) / 512;
}

/* An empty ramfs root; initrd.c fills it, then vfs_init_special() adds /dev and /proc. */
void vfs_init(void)
{
    root_inode = ramfs_new_root();
}

static struct inode *ensure_dir(struct inode *dir, const char *name)
{
    struct inode *ip = vfs_lookup(dir, name);
    if (!ip && vfs_create(dir, name, I_DIR, 0755, &ip) < 0)
        panic("vfs: cannot create /%s", name);
    return ip;
}

void vfs_init_special(void)
{
    struct inode *dev = ensure_dir(root_inode, "dev");
    static const struct { const char *name; int major; } devices[] = {
        { "console", DEV_CONSOLE }, { "tty", DEV_CONSOLE }, { "null", DEV_NULL },
    };
    for (unsigned i = 0; i < sizeof devices / sizeof devices[0]; i++) {
        struct inode *ip = vfs_lookup(dev, devices[i].name);
        if (!ip && vfs_create(dev, devices[i].name, I_CHR, 0666, &ip) < 0)
            panic("vfs: cannot create /dev/%s", devices[i].name);
        ip->type = I_CHR;
        ip->major = devices[i].major;
        iput(ip);
    }
    iput(dev);
    struct inode *proc = ensure_dir(root_inode, "proc");
    struct inode *proot = procfs_new_root(pidns_root());
    mnt_boot_mount(proc, proot);
    iput(proot);
    iput(proc);
    struct inode *tmp = ensure_dir(root_inode, "tmp");
    iput(tmp);
    struct inode *sys = ensure_dir(root_inode, "sys");
    struct inode *fs = ensure_dir(sys, "fs");
    struct inode *cg = ensure_dir(fs, "cgroup");
    struct inode *cgroot = cgroupfs_new_root(cgroup_root());
    mnt_boot_mount(cg, cgroot);
    iput(cgroot);
    iput(cg);
    iput(fs);
    iput(sys);
    struct inode *run = ensure_dir(root_inode, "run");
    iput(run);
}
