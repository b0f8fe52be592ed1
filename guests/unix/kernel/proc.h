/* proc.h — the process: its address space, kernel stack, files, signals and family.
 * Its namespaces and cgroup hang off it, one pointer per kind (ns.h). */
#ifndef UNIX_PROC_H
#define UNIX_PROC_H

#include "param.h"
#include "x86.h"
#include "../include/uapi.h"
#include "ns.h"

enum procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct file;
struct inode;

struct proc {
    enum procstate state;
    int pid;                        /* its number in the root PID namespace (= nr[0]) */
    int nr[PIDNS_LEVELS];           /* its number in each namespace from the root to pidns */
    int pgid;                       /* process group (job): the leader's pid */
    int pgid_nr[PIDNS_LEVELS];      /* the leader's numbers, level by level (0: not visible) */
    struct proc *parent;
    char name[16];                  /* last path component of the program */
    uint32_t *pgdir;                /* page directory: kernel map + this process's user pages */
    uint32_t brk;                   /* end of the heap */
    uint32_t brk_base;              /* heap start, just past the ELF image */
    char *kstack;                   /* bottom of the kernel stack */
    struct trapframe *tf;           /* user registers, at the top of kstack */
    struct context *context;        /* kernel registers while switched out */
    void *chan;                     /* what it sleeps on */
    uint32_t wake_tick;             /* nanosleep deadline (timer ticks) */
    uint32_t sig_pending;           /* SIGMASK(n): signal n is pending */
    uint32_t sig_blocked;           /* SIGMASK(n): signal n waits while blocked */
    struct k_sigaction sigact[NSIG];
    int exit_status;                /* wait status word once ZOMBIE */
    struct file *ofile[NOFILE];
    uint32_t cloexec;               /* bit n = close ofile[n] on execve */
    struct inode *cwd;
    struct inode *root;             /* where "/" is for this process (chroot, pivot_root) */
    struct pidns *pidns;            /* the PID namespace it is in */
    struct pidns *pidns_children;   /* where its children go (unshare/setns change only this) */
    struct mntns *mntns;
    struct utsns *utsns;
    struct ipcns *ipcns;
    struct cgroup *cgroup;          /* its cgroup */
    struct cgroup *cgns;            /* the root of its cgroup namespace */
    int parked;                     /* stopped by a frozen cgroup at the way back to user mode */
    struct inode *at_base;          /* during an *at system call: where its relative path starts */
    struct proc *vfork_parent;      /* CLONE_VFORK: the parent, who waits until this child execs or exits */
    int vm_borrowed;                /* CLONE_VM (with CLONE_VFORK): pgdir is vfork_parent's */
};

extern struct proc *proc_table;       /* nproc_max slots, sized at boot */
extern int nproc;                     /* the slots in use so far (a high-water mark) */
extern int nproc_max;
extern struct proc *current;        /* the running process, 0 in the scheduler */

#endif
