/* file.c — open files: the system-wide table of struct file shared by descriptors after
 * dup and fork, and reading/writing them whatever they are (ramfs/procfs inode, device, pipe). */
#include "defs.h"

static struct file files[NFILE];

static int nfiles;                      /* slots in use */
#define FILE_RESERVE 64                 /* slots only the root cgroup may take: the host stays usable */

/* A free slot, searched from after the last one taken (slots are mostly taken and freed in
 * order, so the search is short however many files are open). Processes outside the root
 * cgroup (containers) leave the last FILE_RESERVE to the host, as cgroup.c does for processes
 * and memory. */
struct file *file_alloc(void)
{
    static int next;
    if (nfiles >= NFILE - FILE_RESERVE && current && current->cgroup && current->cgroup != cgroup_root())
        return 0;
    for (int i = 0; i < NFILE; i++) {
        struct file *f = &files[(next + i) % NFILE];
        if (f->ref == 0) {
            next = (next + i + 1) % NFILE;
            memset(f, 0, sizeof *f);
            f->ref = 1;
            nfiles++;
            return f;
        }
    }
    return 0;
}

/* Give back a slot file_alloc handed out that was never used. */
void file_unalloc(struct file *f)
{
    f->ref = 0;
    nfiles--;
}

struct file *file_dup(struct file *f)
{
    f->ref++;
    return f;
}

void file_close(struct file *f)
{
    if (--f->ref > 0)
        return;
    nfiles--;
    if (f->type == F_PIPE)
        pipe_close(f->pipe, f->writable);
    else if (f->type == F_INODE)
        iput(f->ip);
    f->type = F_NONE;
}

/* The lowest free descriptor >= from, now referring to f; -EMFILE if none. */
int fd_alloc(struct file *f, int from)
{
    for (int fd = from; fd < NOFILE; fd++) {
        if (!current->ofile[fd]) {
            current->ofile[fd] = f;
            current->cloexec &= ~(1u << fd);
            return fd;
        }
    }
    return -EMFILE;
}

/* Devices: terminals (the console, pvchan container consoles), the pvchan control stream, /dev/null. */
static int dev_read(struct inode *ip, uint32_t uva, int n)
{
    if (ip->major == DEV_NULL)
        return 0;
    char buf[256];
    if (n > (int)sizeof buf)
        n = sizeof buf;
    struct tty *t = tty_of(ip->major, ip->minor);
    int r;
    if (t)
        r = tty_read(t, buf, n);
    else if (ip->major == DEV_PVCHAN && ip->minor == 0 && pvchan_present())
        r = pvchan_ctl_read(buf, n);
    else
        return -ENXIO;
    if (r > 0 && copyout(current->pgdir, uva, buf, r) < 0)
        return -EFAULT;
    return r;
}

static int dev_write(struct inode *ip, uint32_t uva, int n)
{
    if (ip->major == DEV_NULL)
        return n;
    struct tty *t = tty_of(ip->major, ip->minor);
    int ctl = ip->major == DEV_PVCHAN && ip->minor == 0 && pvchan_present();
    if (!t && !ctl)
        return -ENXIO;
    char buf[256];
    int done = 0;
    while (done < n) {
        int k = n - done < (int)sizeof buf ? n - done : (int)sizeof buf;
        if (copyin(current->pgdir, buf, uva + done, k) < 0)
            return done ? done : -EFAULT;
        if (t)
            tty_write(t, buf, k);
        else
            pvchan_ctl_write(buf, k);
        done += k;
    }
    return n;
}

int file_read(struct file *f, uint32_t uva, int n)
{
    if (!f->readable)
        return -EBADF;
    if (n < 0)
        return -EINVAL;
    if (f->type == F_PIPE)
        return pipe_read(f->pipe, uva, n);
    struct inode *ip = f->ip;
    if (ip->type == I_CHR)
        return dev_read(ip, uva, n);
    if (ip->type == I_DIR)
        return -EISDIR;
    char *buf = kalloc_page_nz();
    if (!buf)
        return -ENOMEM;
    int total = 0;
    while (total < n) {
        int k = n - total < (int)PAGE_SIZE ? n - total : (int)PAGE_SIZE;
        int r = vfs_read(ip, buf, f->off, k);
        if (r < 0 && total == 0)
            total = r;
        if (r <= 0)
            break;
        if (copyout(current->pgdir, uva + total, buf, r) < 0) {
            total = total ? total : -EFAULT;
            break;
        }
        f->off += r;
        total += r;
        if (r < k)
            break;
    }
    kfree_page(buf);
    return total;
}

int file_write(struct file *f, uint32_t uva, int n)
{
    if (!f->writable)
        return -EBADF;
    if (n < 0)
        return -EINVAL;
    if (f->type == F_PIPE)
        return pipe_write(f->pipe, uva, n);
    struct inode *ip = f->ip;
    if (ip->type == I_CHR)
        return dev_write(ip, uva, n);
    char *buf = kalloc_page_nz();
    if (!buf)
        return -ENOMEM;
    if (f->append)
        f->off = ip->size;
    int total = 0;
    while (total < n) {
        int k = n - total < (int)PAGE_SIZE ? n - total : (int)PAGE_SIZE;
        if (copyin(current->pgdir, buf, uva + total, k) < 0) {
            total = total ? total : -EFAULT;
            break;
        }
        int r = vfs_write(ip, buf, f->off, k);
        if (r < 0) {
            total = total ? total : r;
            break;
        }
        f->off += r;
        total += r;
    }
    kfree_page(buf);
    return total;
}
