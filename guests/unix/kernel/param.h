/* param.h — the unix kernel's fixed sizes. */
#ifndef UNIX_PARAM_H
#define UNIX_PARAM_H

#define NPROC_MIN   64          /* process table slots: nproc= on the kernel command line, */
#define NPROC_MAX   1024        /* else 8 per MiB of memory, within these bounds */
#define NOFILE      16          /* open files per process */
#define NFILE       2048        /* open files, system-wide */
#define KSTACK_SIZE 8192        /* per-process kernel stack */
#define USTACK_PAGES 32         /* user stack: 128 KiB below USER_TOP */
#define MAXARG      32          /* execve argv/envp entries */
#define MAXARGLEN   1024        /* execve argv/envp total bytes */
#define NAME_MAX    59          /* longest path component */
#define PATH_MAX    256
#define HZ          100         /* PIT interrupts per second */
#define PHYS_MAX    0x08000000u /* the kernel maps (and uses) at most the first 128 MiB */
#define PIPE_SIZE   2048
#define PIDNS_LEVELS 4          /* PID namespaces nest this deep (the root is level 0) */
#define NCGROUP     1024        /* cgroups, system-wide */
#define NSTREAM     256         /* pvchan streams: 0 control, 1..255 container consoles */

#endif
