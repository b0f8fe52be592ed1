/* libc.h — the unix userland's small C library, in one header: system calls (Linux i386
 * numbers through int 0x80), stdio on file descriptors, strings, memory, signals, directories. */
#ifndef UNIX_LIBC_H
#define UNIX_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "../include/uapi.h"
#define NAME_MAX_USER 255
#include "../../common/common.h"   /* mem*, str*, snprintf, vformat */

typedef int pid_t;
typedef int ssize_t;
typedef void (*sighandler_t)(int);
#undef SIG_DFL
#undef SIG_IGN
#define SIG_DFL ((sighandler_t)0)
#define SIG_IGN ((sighandler_t)1)

extern int errno;
extern char **environ;

/* sys.c: system calls; they return -1 and set errno on failure */
void _exit(int status) __attribute__((noreturn));
void exit(int status) __attribute__((noreturn));
pid_t fork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
int execvp(const char *file, char *const argv[]);
pid_t waitpid(pid_t pid, int *status, int options);
pid_t wait(int *status);
int kill(pid_t pid, int sig);
int pause(void);
pid_t getpid(void);
pid_t getppid(void);
int setpgid(pid_t pid, pid_t pgid);
pid_t getpgrp(void);
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int open(const char *path, int flags, ...);
int close(int fd);
int lseek(int fd, int off, int whence);
int dup(int fd);
int dup2(int fd, int fd2);
int pipe(int fds[2]);
int mkdir(const char *path, int mode);
int rmdir(const char *path);
int unlink(const char *path);
int chdir(const char *path);
int chroot(const char *path);
char *getcwd(char *buf, size_t size);
int stat(const char *path, struct stat64 *st);
int fstat(int fd, struct stat64 *st);
int getdents64(int fd, void *buf, size_t n);
int ioctl(int fd, unsigned long cmd, void *arg);
int uname(struct utsname *u);
int sethostname(const char *name, size_t len);
int nanosleep(const struct timespec *req, struct timespec *rem);
unsigned sleep(unsigned seconds);
int clock_gettime(int clk, struct timespec *ts);
int reboot(unsigned cmd);
void *sbrk(int increment);
int isatty(int fd);
int tcsetpgrp(int fd, pid_t pgid);
pid_t tcgetpgrp(int fd);
char *getenv(const char *name);
/* namespaces, mounts, links (Linux i386 numbers, see uapi.h) */
pid_t clone_ns(unsigned flags);           /* fork with CLONE_NEW* flags (clone(2), no new stack) */
/* clone3(2) (clone.S): the child runs fn(arg) on the stack args describes; returns its PID or -1. */
pid_t clone3_call(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
/* clone3 with CLONE_VM | CLONE_VFORK and flags (CLONE_NEW*, the exit signal): fn(arg) runs in
 * the child on [stack, stack + size), in our memory, its return value its exit status; we go
 * on when it has exec'd or exited. cgroup_fd >= 0: the child starts in the cgroup whose
 * directory is open there (CLONE_INTO_CGROUP). Returns the child's PID or -1 (errno). */
pid_t clone_vfork(int (*fn)(void *), void *stack, size_t size, unsigned flags, int cgroup_fd, void *arg);
int openat(int dirfd, const char *path, int flags, ...);
int mkdirat(int dirfd, const char *path, int mode);
int mknodat(int dirfd, const char *path, unsigned mode, unsigned dev);
int unshare(unsigned flags);
int close_range(unsigned first, unsigned last, unsigned flags);
int setns(int fd, unsigned nstype);
int mount(const char *source, const char *target, const char *type, unsigned flags, const char *data);
int umount2(const char *target, unsigned flags);
int pivot_root(const char *new_root, const char *put_old);
int fchdir(int fd);
int mknod(const char *path, unsigned mode, unsigned dev);
int symlink(const char *target, const char *path);
int readlink(const char *path, char *buf, size_t size);
int lstat(const char *path, struct stat64 *st);
int msgget(int key, int flags);
int msgsnd(int id, const void *msgp, size_t size, int flags);
int msgrcv(int id, void *msgp, size_t size, long type, int flags);
int msgctl(int id, int cmd, void *buf);

/* signal.c */
int sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old);
sighandler_t signal(int sig, sighandler_t handler);

/* stdio.c: output on descriptors; printf writes each call's text with one write(2) */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdprintf(int fd, const char *fmt, va_list ap);
int puts(const char *s);
int fputs(const char *s, int fd);
int putchar(int c);
ssize_t write_all(int fd, const void *buf, size_t n);
const char *strerror(int err);
void perror(const char *what);
/* read one line (with its '\n') into buf; returns its length, 0 at end of file, -1 on error */
int read_line(int fd, char *buf, int size);

/* string-extra.c */
char *strcpy(char *d, const char *s);
char *strcat(char *d, const char *s);
char *strrchr(const char *s, int c);
char *strstr(const char *h, const char *n);
char *strdup(const char *s);
int atoi(const char *s);
long strtol(const char *s, char **end, int base);
int isdigit(int c);
int isspace(int c);

/* malloc.c */
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

/* dirent.c */
struct dirent {
    uint32_t d_ino;
    uint8_t d_type;
    char d_name[NAME_MAX_USER + 1];
};
typedef struct DIR DIR;
DIR *opendir(const char *path);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);

/* misc.c */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
int sig_number(const char *name);          /* "INT", "SIGINT" or "2" -> 2; -1 if unknown */
const char *sig_name(int sig);
/* A namespace option letter (m u i p C, as unshare and nsenter take them): its CLONE_NEW* flag
 * and, in *name, its /proc/PID/ns entry; 0 for another letter. */
unsigned ns_flag(char letter, const char **name);

#endif
