/* param.h — the unix kernel's fixed sizes. */
#ifndef UNIX_PARAM_H
#define UNIX_PARAM_H

#define NPROC       64          /* process table slots */
#define NOFILE      16          /* open files per process */
#define NFILE       128         /* open files, system-wide */
#define NMOUNT      8           /* mount table entries */
#define KSTACK_SIZE 8192        /* per-process kernel stack */
#define USTACK_PAGES 32         /* user stack: 128 KiB below USER_TOP */
#define MAXARG      32          /* execve argv/envp entries */
#define MAXARGLEN   1024        /* execve argv/envp total bytes */
#define NAME_MAX    59          /* longest path component */
#define PATH_MAX    256
#define HZ          100         /* PIT interrupts per second */
#define PHYS_MAX    0x08000000u /* the kernel maps (and uses) at most the first 128 MiB */
#define PIPE_SIZE   2048

#endif
