/* vfs.h — inodes, open files and the mount table: the names every file system hangs on.
 * An inode belongs to one file system (ramfs, procfs or cgroupfs); vfs.c dispatches on inode->fs.
 * Mounts are not here but in the mount namespaces (mntns.c). */
#ifndef UNIX_VFS_H
#define UNIX_VFS_H

#include <stdint.h>
#include "param.h"

enum fstype { FS_RAMFS, FS_PROCFS, FS_CGROUPFS };
enum itype { I_DIR = 1, I_FILE, I_CHR, I_LNK };

/* Character devices (major numbers) */
#define DEV_CONSOLE 5
#define DEV_NULL    1
#define DEV_PVCHAN  4               /* minor = pvchan stream (pvchan.c) */

struct dentry;
struct cgroup;

struct inode {
    enum fstype fs;
    enum itype type;
    uint32_t ino;
    uint32_t mode;                  /* permission bits */
    int ref;                        /* open files, cwds and lookups holding it */
    int nlink;                      /* directory entries naming it (ramfs) */
    uint32_t size;
    int major, minor;               /* I_CHR */
    struct inode *parent;           /* I_DIR: ".." */
    struct dentry *children;        /* ramfs I_DIR: entries, in creation order */
    char **blocks;                  /* ramfs I_FILE: page pointers, nblocks of them (ramfs.c) */
    uint32_t nblocks;
    int mounts;                     /* mounts (in any namespace) with this inode as root */
    int covered;                    /* mounts (in any namespace) on this inode as mount point */
    int anon;                       /* a tree that exists only while mounted (tmpfs, overlay): freed with its last mount */
    int shared;                     /* ramfs I_FILE shared by overlay copies: copied up before a write */
    struct inode *lower;            /* ramfs I_DIR of an overlay whose entries are still lower's (ramfs.c) */
    int pid;                        /* procfs: the process this node describes */
    int proc_kind;                  /* procfs and cgroupfs: which node */
    void *priv;                     /* procfs: the PID namespace; cgroupfs: the cgroup */
    struct cgroup *memcg;           /* ramfs: the cgroup charged for it (kmalloc_charged), or 0 */
};

struct dentry {
    char name[NAME_MAX + 1];
    struct inode *ip;
    struct dentry *next;
    struct cgroup *memcg;           /* the cgroup charged for it (kmalloc_charged), or 0 */
};

enum ftype { F_NONE, F_INODE, F_PIPE };

struct pipe;

struct file {
    enum ftype type;
    int ref;
    int readable, writable;
    int append;
    struct inode *ip;
    struct pipe *pipe;
    uint32_t off;
    struct inode *beneath;          /* *at calls: the root ip was last found beneath (sysfile.c), */
    uint32_t beneath_ino;           /* that root's inode number */
    int beneath_ns;                 /* and the mount namespace it was found in */
};

#endif
