/* ns.h — the namespaces and the cgroup a process belongs to (one struct per kind; the code
 * for each is in pidns.c, mntns.c, utsns.c, ipcns.c and cgroup.c). Every namespace is
 * reference counted by the processes (and mounts) that use it and freed with the last one. */
#ifndef UNIX_NS_H
#define UNIX_NS_H

#include <stdint.h>
#include "param.h"
#include "../include/uapi.h"

struct proc;
struct inode;

/* A PID namespace: processes in it (and in namespaces nested below it) get numbers here. */
struct pidns {
    int ref;
    int id;                         /* shown in /proc/PID/ns/pid as pid:[id] */
    int level;                      /* 0 for the root namespace */
    struct pidns *parent;
    int next_nr;                    /* the next number to hand out */
    struct proc *init;              /* its PID 1 (the child reaper), 0 before and after */
    int dying;                      /* PID 1 exited: no new processes, the rest are killed */
};

/* One mount: the file system whose root is `root` appears at directory `point`. */
struct mount {
    struct inode *point;
    struct inode *root;
    struct mount *next;             /* newest first */
    struct cgroup *memcg;           /* charged for it (kmalloc_charged) */
};

/* A mount namespace: its own mount list and its own "/" (which pivot_root changes). */
struct mntns {
    int ref;
    int id;
    struct inode *root;
    struct mount *mounts;
};

struct utsns {
    int ref;
    int id;
    struct utsname uts;
};

/* An IPC namespace owns the System V message queues (ipcns.c). */
struct msgqueue;
struct ipcns {
    int ref;
    int id;
    struct msgqueue *queues;
};

/* A cgroup (v2, one hierarchy): limits and counters for the processes in it and below it. */
struct cgroup {
    int id;                         /* index in cgroup_table, 0 = the root cgroup */
    char name[NAME_MAX + 1];
    struct cgroup *parent;
    int nchildren;
    int ref;                        /* the processes in it, cgroupfs nodes and namespaces naming it */
    int removed;                    /* rmdir'ed: no longer in the tree, freed with the last reference */
    int nprocs;                     /* pids.current: processes here and below */
    int pids_max;                   /* -1 = max */
    uint32_t mem_pages;             /* user pages and page tables charged here and below */
    uint32_t kmem_bytes;            /* kernel objects (inodes, directory entries) charged here and below */
    uint32_t mem_max;               /* pages; 0xFFFFFFFF = max */
    uint32_t mem_peak;
    uint32_t oom_kills;
    uint32_t cpu_quota_us;          /* cpu.max: 0 = max */
    uint32_t cpu_period_us;
    uint32_t cpu_weight;            /* 1..10000, default 100 */
    uint32_t usage_ticks;           /* cpu.stat usage, in timer ticks */
    uint32_t nr_periods, nr_throttled, throttled_ticks;
    uint32_t period_start, period_used, throttle_start;
    int throttled;
    int frozen;                     /* cgroup.freeze */
    uint32_t vruntime;              /* weighted ticks used, for cpu.weight (sched.c) */
};

#endif
