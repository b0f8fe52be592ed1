/* proc.h — the process: its address space, kernel stack, files, signals and family.
 * Namespaces and cgroups will hang off this struct later (one pointer per kind). */
#ifndef UNIX_PROC_H
#define UNIX_PROC_H

#include "param.h"
#include "x86.h"
#include "../include/uapi.h"

enum procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct file;
struct inode;

struct proc {
    enum procstate state;
    int pid;
    int pgid;                       /* process group (job) */
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
    struct inode *root;             /* where "/" is for this process (chroot) */
};

extern struct proc proc_table[NPROC];
extern struct proc *current;        /* the running process, 0 in the scheduler */

#endif
