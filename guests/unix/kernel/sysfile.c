/* sysfile.c — the file system calls: descriptors (open, close, read, write, lseek, dup, dup2,
 * pipe, ioctl) and names (mkdir, mknod, symlink, readlink, rmdir, unlink, chdir, getcwd,
 * stat64, getdents64). chroot, fchdir, mount and pivot_root are in mntns.c. */
#include "defs.h"

static struct file *fd_file(uint32_t fd)
{
    return fd < NOFILE ? current->ofile[fd] : 0;
}

static int fetch_path(uint32_t upath, char *path)
{
    int r = copyinstr(current->pgdir, path, upath, PATH_MAX);
    if (r == 0)
        return -ENOENT;
    return r < 0 ? r : 0;
}

/* ---- the *at calls: a relative path starts at directory dirfd, AT_FDCWD meaning the working
 * directory; an absolute one ignores dirfd (even a bad one, as on Linux). As fchdir, a
 * directory outside the caller's root is refused (it would be a way out, mntns.c). ---- */
static int at_begin(uint32_t dirfd, uint32_t upath)
{
    char c;
    if ((int)dirfd == AT_FDCWD || (copyin(current->pgdir, &c, upath, 1) == 0 && c == '/'))
        return 0;
    struct file *f = fd_file(dirfd);
    if (!f)
        return -EBADF;
    if (f->type != F_INODE || f->ip->type != I_DIR)
        return -ENOTDIR;
    struct inode *root = current->root;
    int same = f->beneath == root && f->beneath_ino == root->ino && f->beneath_ns == current->mntns->id;
    if (!same && f->ip != current->cwd && f->ip != root) {
        if (!mnt_beneath(f->ip, root))
            return -EACCES;
        /* checked once per root and mount namespace (directories do not move: no rename); the
         * inode number and namespace id, never reused, keep a freed root's address from passing */
        f->beneath = root;
        f->beneath_ino = root->ino;
        f->beneath_ns = current->mntns->id;
    }
    current->at_base = f->ip;
    return 0;
}

static int at_end(int result)
{
    current->at_base = 0;
    return result;
}

int sys_openat(uint32_t dirfd, uint32_t upath, uint32_t flags, uint32_t mode)
{
    int err = at_begin(dirfd, upath);
    return err ? err : at_end(sys_open(upath, flags, mode));
}

int sys_mkdirat(uint32_t dirfd, uint32_t upath, uint32_t mode)
{
    int err = at_begin(dirfd, upath);
    return err ? err : at_end(sys_mkdir(upath, mode));
}

int sys_mknodat(uint32_t dirfd, uint32_t upath, uint32_t mode, uint32_t dev)
{
    int err = at_begin(dirfd, upath);
    return err ? err : at_end(sys_mknod(upath, mode, dev));
}

int sys_read(uint32_t fd, uint32_t buf, uint32_t n)
{
    struct file *f = fd_file(fd);
    return f ? file_read(f, buf, (int)n) : -EBADF;
}

int sys_write(uint32_t fd, uint32_t buf, uint32_t n)
{
    struct file *f = fd_file(fd);
    return f ? file_write(f, buf, (int)n) : -EBADF;
}

int sys_open(uint32_t upath, uint32_t flags, uint32_t mode)
{
    char path[PATH_MAX], name[NAME_MAX + 1];
    int err = fetch_path(upath, path);
    if (err)
        return err;
    struct inode *ip = namei(path, &err);
    if (!ip) {
        if (err != -ENOENT || !(flags & O_CREAT))
            return err;
        struct inode *dir = nameiparent(path, name, &err);
        if (!dir)
            return err;
        err = vfs_create(dir, name, I_FILE, mode & 07777, &ip);
        iput(dir);
        if (err)
            return err;
    } else if ((flags & O_CREAT) && (flags & O_EXCL)) {
        iput(ip);
        return -EEXIST;
    }
    int acc = flags & O_ACCMODE;
    if (ip->shared && (acc != O_RDONLY || (flags & O_TRUNC))) {
        /* a file shared by overlay copies: this tree gets its own copy first (ramfs.c) */
        iput(ip);
        struct inode *dir = nameiparent(path, name, &err);
        if (!dir)
            return err;
        err = ramfs_copy_up(dir, name, &ip);
        iput(dir);
        if (err)
            return err;
    }
    if (ip->type == I_DIR && acc != O_RDONLY) {
        iput(ip);
        return -EISDIR;
    }
    if ((flags & O_DIRECTORY) && ip->type != I_DIR) {
        iput(ip);
        return -ENOTDIR;
    }
    if ((flags & O_TRUNC) && ip->type == I_FILE && acc != O_RDONLY && (err = vfs_truncate(ip)) < 0) {
        iput(ip);
        return err;
    }
    struct file *f = file_alloc();
    if (!f) {
        iput(ip);
        return -ENFILE;
    }
    f->type = F_INODE;
    f->ip = ip;
    f->readable = acc == O_RDONLY || acc == O_RDWR;
    f->writable = acc == O_WRONLY || acc == O_RDWR;
    f->append = (flags & O_APPEND) != 0;
    int fd = fd_alloc(f, 0);
    if (fd < 0) {
        file_close(f);
        return fd;
    }
    if (flags & O_CLOEXEC)
        current->cloexec |= 1u << fd;
    return fd;
}

int sys_close(uint32_t fd)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    current->ofile[fd] = 0;
    file_close(f);
    return 0;
}

/* close_range(2): close every open descriptor in [first, last]; no flags are known. */
int sys_close_range(uint32_t first, uint32_t last, uint32_t flags)
{
    if (flags)
        return -EINVAL;
    if (first > last)
        return -EINVAL;
    for (uint32_t fd = first; fd <= last && fd < NOFILE; fd++) {
        if (current->ofile[fd]) {
            file_close(current->ofile[fd]);
            current->ofile[fd] = 0;
        }
    }
    return 0;
}

int sys_lseek(uint32_t fd, uint32_t off, uint32_t whence)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->type != F_INODE || f->ip->type == I_CHR)
        return -ESPIPE;
    int32_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int32_t)f->off :
                   whence == SEEK_END ? (int32_t)f->ip->size : -1;
    if (whence > SEEK_END || base + (int32_t)off < 0)
        return -EINVAL;
    f->off = base + (int32_t)off;
    return (int)f->off;
}

int sys_dup(uint32_t fd)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    int nfd = fd_alloc(f, 0);
    if (nfd >= 0)
        file_dup(f);
    return nfd;
}

int sys_dup2(uint32_t fd, uint32_t fd2)
{
    struct file *f = fd_file(fd);
    if (!f || fd2 >= NOFILE)
        return -EBADF;
    if (fd == fd2)
        return (int)fd2;
    if (current->ofile[fd2])
        file_close(current->ofile[fd2]);
    current->ofile[fd2] = file_dup(f);
    current->cloexec &= ~(1u << fd2);
    return (int)fd2;
}

int sys_pipe(uint32_t ufds)
{
    struct file *rf, *wf;
    int err = pipe_alloc(&rf, &wf);
    if (err)
        return err;
    int fds[2] = { fd_alloc(rf, 0), -1 };
    if (fds[0] >= 0)
        fds[1] = fd_alloc(wf, 0);
    if (fds[1] < 0 || copyout(current->pgdir, ufds, fds, sizeof fds) < 0) {
        if (fds[0] >= 0)
            current->ofile[fds[0]] = 0;
        if (fds[1] >= 0)
            current->ofile[fds[1]] = 0;
        file_close(rf);
        file_close(wf);
        return fds[1] < 0 ? -EMFILE : -EFAULT;
    }
    return 0;
}

int sys_ioctl(uint32_t fd, uint32_t cmd, uint32_t arg)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    struct tty *t = f->type == F_INODE && f->ip->type == I_CHR ? tty_of(f->ip->major, f->ip->minor) : 0;
    if (!t)
        return -ENOTTY;
    return tty_ioctl(t, cmd, arg);
}

int sys_mkdir(uint32_t upath, uint32_t mode)
{
    char path[PATH_MAX], name[NAME_MAX + 1];
    int err = fetch_path(upath, path);
    if (err)
        return err;
    struct inode *dir = nameiparent(path, name, &err);
    if (!dir)
        return err;
    struct inode *ip;
    err = vfs_create(dir, name, I_DIR, mode & 07777, &ip);
    iput(dir);
    if (!err)
        iput(ip);
    return err;
}

static int remove_name(uint32_t upath, int want_dir)
{
    char path[PATH_MAX], name[NAME_MAX + 1];
    int err = fetch_path(upath, path);
    if (err)
        return err;
    struct inode *dir = nameiparent(path, name, &err);
    if (!dir)
        return err;
    err = vfs_unlink(dir, name, want_dir);
    iput(dir);
    return err;
}

int sys_unlink(uint32_t upath)
{
    return remove_name(upath, 0);
}

int sys_rmdir(uint32_t upath)
{
    return remove_name(upath, 1);
}

/* The directory at upath (a new reference) or 0 with *err set. */
static struct inode *dir_at(uint32_t upath, int *err)
{
    char path[PATH_MAX];
    if ((*err = fetch_path(upath, path)))
        return 0;
    struct inode *ip = namei(path, err);
    if (ip && ip->type != I_DIR) {
        iput(ip);
        *err = -ENOTDIR;
        return 0;
    }
    return ip;
}

int sys_chdir(uint32_t upath)
{
    int err;
    struct inode *ip = dir_at(upath, &err);
    if (!ip)
        return err;
    iput(current->cwd);
    current->cwd = ip;
    return 0;
}

/* mknod: character devices only (S_IFCHR), dev in the i386 16-bit encoding major << 8 | minor.
 * Only in the root PID namespace: a container must not make itself the host's console or the
 * pvchan control stream (Linux: CAP_MKNOD, which a container's root does not have). ctrd makes
 * a container console's node as it hands the stream to a new container: its terminal is reset. */
int sys_mknod(uint32_t upath, uint32_t mode, uint32_t dev)
{
    if (current->pidns != pidns_root())
        return -EPERM;
    char path[PATH_MAX], name[NAME_MAX + 1];
    int err = fetch_path(upath, path);
    if (err)
        return err;
    if ((mode & S_IFMT) != S_IFCHR)
        return -EINVAL;
    struct inode *dir = nameiparent(path, name, &err);
    if (!dir)
        return err;
    struct inode *ip;
    err = vfs_create(dir, name, I_CHR, mode & 07777, &ip);
    iput(dir);
    if (err)
        return err;
    ip->major = (dev >> 8) & 0xFF;
    ip->minor = dev & 0xFF;
    struct tty *t = ip->major == DEV_PVCHAN && ip->minor > 0 ? pvchan_tty(ip->minor) : 0;
    if (t)
        tty_reset(t);                          /* a console stream's new container: nothing left from the last */
    iput(ip);
    return 0;
}

int sys_symlink(uint32_t utarget, uint32_t upath)
{
    char target[PATH_MAX], path[PATH_MAX], name[NAME_MAX + 1];
    int err = fetch_path(utarget, target);
    if (err || (err = fetch_path(upath, path)))
        return err;
    struct inode *dir = nameiparent(path, name, &err);
    if (!dir)
        return err;
    struct inode *ip;
    err = vfs_create(dir, name, I_LNK, 0777, &ip);
    iput(dir);
    if (err)
        return err;
    int n = strlen(target);
    err = vfs_write(ip, target, 0, n);
    iput(ip);
    return err < 0 ? err : 0;
}

int sys_readlink(uint32_t upath, uint32_t ubuf, uint32_t size)
{
    char path[PATH_MAX], target[PATH_MAX];
    int err = fetch_path(upath, path);
    if (err)
        return err;
    struct inode *ip = namei_nofollow(path, &err);
    if (!ip)
        return err;
    int n = ip->type == I_LNK ? vfs_read(ip, target, 0, sizeof target) : -EINVAL;
    iput(ip);
    if (n < 0)
        return n;
    if ((uint32_t)n > size)
        n = (int)size;
    return copyout(current->pgdir, ubuf, target, n) < 0 ? -EFAULT : n;
}

int sys_getcwd(uint32_t buf, uint32_t size)
{
    char path[PATH_MAX];
    int n = inode_path(current->cwd, path, sizeof path);
    if (n < 0)
        return n;
    if ((uint32_t)n + 1 > size)
        return -ERANGE;
    return copyout(current->pgdir, buf, path, n + 1) < 0 ? -EFAULT : n + 1;
}

static int stat_path(uint32_t upath, uint32_t ust, int follow)
{
    char path[PATH_MAX];
    int err = fetch_path(upath, path);
    if (err)
        return err;
    struct inode *ip = follow ? namei(path, &err) : namei_nofollow(path, &err);
    if (!ip)
        return err;
    struct stat64 st;
    vfs_stat(ip, &st);
    iput(ip);
    return copyout(current->pgdir, ust, &st, sizeof st) < 0 ? -EFAULT : 0;
}

int sys_stat64(uint32_t upath, uint32_t ust)
{
    return stat_path(upath, ust, 1);
}

int sys_lstat64(uint32_t upath, uint32_t ust)
{
    return stat_path(upath, ust, 0);
}

int sys_fstat64(uint32_t fd, uint32_t ust)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    struct stat64 st;
    memset(&st, 0, sizeof st);
    if (f->type == F_PIPE)
        st.st_mode = S_IFIFO | 0600;
    else
        vfs_stat(f->ip, &st);
    return copyout(current->pgdir, ust, &st, sizeof st) < 0 ? -EFAULT : 0;
}

/* getdents64: the file offset counts directory entries; "." and ".." come first. */
int sys_getdents64(uint32_t fd, uint32_t ubuf, uint32_t n)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->type != F_INODE || f->ip->type != I_DIR)
        return -ENOTDIR;
    uint32_t used = 0;
    for (;;) {
        char name[NAME_MAX + 1];
        struct inode *ip = 0;
        if (f->off == 0) {
            strlcpy(name, ".", sizeof name);
            ip = iget(f->ip);
        } else if (f->off == 1) {
            strlcpy(name, "..", sizeof name);
            ip = iget(f->ip->parent ? f->ip->parent : f->ip);
        } else if (vfs_readdir(f->ip, f->off - 2, name, &ip) < 0) {
            break;
        }
        uint32_t namelen = strlen(name);
        uint32_t reclen = (sizeof(struct linux_dirent64) + namelen + 1 + 7) & ~7u;
        if (used + reclen > n) {
            iput(ip);
            if (used == 0)
                return -EINVAL;
            break;
        }
        char rec[sizeof(struct linux_dirent64) + NAME_MAX + 8];
        memset(rec, 0, sizeof rec);
        struct linux_dirent64 *d = (struct linux_dirent64 *)rec;
        d->d_ino = ip->ino;
        d->d_off = f->off + 1;
        d->d_reclen = reclen;
        d->d_type = ip->type == I_DIR ? DT_DIR : ip->type == I_CHR ? DT_CHR : ip->type == I_LNK ? DT_LNK : DT_REG;
        memcpy(d->d_name, name, namelen + 1);
        iput(ip);
        if (copyout(current->pgdir, ubuf + used, rec, reclen) < 0)
            return -EFAULT;
        used += reclen;
        f->off++;
    }
    return (int)used;
}
