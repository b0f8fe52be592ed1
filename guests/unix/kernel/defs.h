/* defs.h — every function one subsystem of the unix kernel offers another, grouped by file. */
#ifndef UNIX_DEFS_H
#define UNIX_DEFS_H

#include <stddef.h>
#include <stdint.h>
#include "../../common/common.h"
#include "../../common/multiboot.h"
#include "../include/uapi.h"
#include "param.h"
#include "x86.h"
#include "proc.h"
#include "vfs.h"

/* main.c */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void machine_off(int code) __attribute__((noreturn));

/* desc.c */
void desc_init(void);
void tss_set_esp0(uint32_t esp0);

/* pic.c */
void pic_init(void);
void pic_enable(int irq);
void pic_eoi(int irq);

/* timer.c */
extern volatile uint32_t ticks;
void timer_init(void);
void timer_intr(void);

/* console.c */
void console_init(void);
void console_intr(void);
void console_write(const char *s, size_t n);
void console_enable_input(void);

/* kbd.c */
void kbd_init(void);
void kbd_intr(void);

/* tty.c */
void tty_input(char c);
int tty_read(char *dst, int n);
int tty_write(const char *src, int n);
int tty_ioctl(uint32_t cmd, uint32_t arg);
void tty_set_fg(int pgid);

/* kalloc.c */
void kinit(uint32_t start, uint32_t end, const struct multiboot_module *mods, int nmods);
void *kalloc_page(void);            /* zeroed page or 0 */
void kfree_page(void *page);
void *kmalloc(size_t n);            /* zeroed, n <= 2048 */
void kfree(void *p);
uint32_t kfree_pages(void);
uint32_t kmem_total_pages(void);
void kadd_page(void *page);         /* give a never-allocated page to the allocator */

/* vm.c */
void kvm_init(uint32_t phys_end);
uint32_t *pgdir_new(void);
void pgdir_free(uint32_t *pgdir);
int uvm_alloc(uint32_t *pgdir, uint32_t start, uint32_t end);
void uvm_dealloc(uint32_t *pgdir, uint32_t start, uint32_t end);
uint32_t *uvm_copy(uint32_t *pgdir);
void vm_switch(struct proc *p);
void vm_switch_kernel(void);
int copyout(uint32_t *pgdir, uint32_t va, const void *src, uint32_t n);
int copyin(uint32_t *pgdir, void *dst, uint32_t va, uint32_t n);
int copyinstr(uint32_t *pgdir, char *dst, uint32_t va, uint32_t max);

/* sched.c */
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void sleep_on(void *chan);
void wakeup(void *chan);
void swtch(struct context **from, struct context *to);   /* swtch.S */

/* proc.c */
void proc_init(void);
struct proc *proc_alloc(void);
struct proc *proc_find(int pid);
void user_init(void);
int proc_fork(void);
void proc_exit(int status) __attribute__((noreturn));
int proc_wait(int pid, uint32_t status_uva, int options);
const char *proc_state_name(enum procstate s);

/* signal.c */
int signal_send(struct proc *p, int sig);
int signal_kill(int pid, int sig);
int signal_interrupted(struct proc *p);
void signal_deliver(struct trapframe *tf);
void signal_reset_on_exec(struct proc *p);
int sys_rt_sigaction(uint32_t sig, uint32_t act, uint32_t oact, uint32_t size);
int sys_rt_sigprocmask(uint32_t how, uint32_t set, uint32_t oset, uint32_t size);
int sys_rt_sigreturn(void);

/* trap.c */
void trap(struct trapframe *tf);
extern void trapret(void);           /* vectors.S */

/* syscall.c */
void syscall(struct trapframe *tf);

/* exec.c */
int exec(const char *path, char *const argv[], int argc, char *const envp[], int envc);

/* file.c */
struct file *file_alloc(void);
struct file *file_dup(struct file *f);
void file_close(struct file *f);
int file_read(struct file *f, uint32_t uva, int n);
int file_write(struct file *f, uint32_t uva, int n);
int fd_alloc(struct file *f, int from);

/* pipe.c */
int pipe_alloc(struct file **rf, struct file **wf);
void pipe_close(struct pipe *pp, int writable);
int pipe_read(struct pipe *pp, uint32_t uva, int n);
int pipe_write(struct pipe *pp, uint32_t uva, int n);

/* vfs.c */
extern struct inode *root_inode;
struct inode *inode_alloc(enum fstype fs, enum itype type, uint32_t mode);
struct inode *iget(struct inode *ip);
void iput(struct inode *ip);
struct inode *vfs_lookup(struct inode *dir, const char *name);   /* new reference or 0 */
int vfs_create(struct inode *dir, const char *name, enum itype type, uint32_t mode, struct inode **out);
int vfs_unlink(struct inode *dir, const char *name, int want_dir);
int vfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n);  /* kernel buffer */
int vfs_write(struct inode *ip, const char *src, uint32_t off, uint32_t n);
int vfs_truncate(struct inode *ip);
int vfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip);
void vfs_stat(struct inode *ip, struct stat64 *st);
int vfs_mount(struct inode *dir, struct inode *root);
void vfs_init(void);
void vfs_init_special(void);

/* ramfs.c */
struct inode *ramfs_new_root(void);
struct inode *ramfs_lookup(struct inode *dir, const char *name);
int ramfs_link(struct inode *dir, const char *name, struct inode *ip);
int ramfs_unlink(struct inode *dir, const char *name, int want_dir);
int ramfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n);
int ramfs_write(struct inode *ip, const char *src, uint32_t off, uint32_t n);
void ramfs_truncate(struct inode *ip);
int ramfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip);
void ramfs_free(struct inode *ip);

/* procfs.c */
struct inode *procfs_new_root(void);
struct inode *procfs_lookup(struct inode *dir, const char *name);
int procfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip);
int procfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n);

/* namei.c */
struct inode *namei(const char *path, int *err);
struct inode *nameiparent(const char *path, char *name, int *err);
int inode_path(struct inode *ip, char *buf, int n);

/* initrd.c */
int initrd_unpack(const uint8_t *data, uint32_t len);

/* uts.c */
int sys_uname(uint32_t buf);
int sys_sethostname(uint32_t name, uint32_t len);
const char *uts_hostname(void);

/* sysproc.c, sysfile.c: the system calls (see syscall.c's table) */
int sys_fork(void);
int sys_exit(uint32_t status);
int sys_execve(uint32_t path, uint32_t argv, uint32_t envp);
int sys_wait4(uint32_t pid, uint32_t status, uint32_t options, uint32_t rusage);
int sys_waitpid(uint32_t pid, uint32_t status, uint32_t options);
int sys_kill(uint32_t pid, uint32_t sig);
int sys_getpid(void);
int sys_getppid(void);
int sys_setpgid(uint32_t pid, uint32_t pgid);
int sys_getpgid(uint32_t pid);
int sys_getpgrp(void);
int sys_brk(uint32_t addr);
int sys_nanosleep(uint32_t req, uint32_t rem);
int sys_pause(void);
int sys_time(uint32_t t);
int sys_clock_gettime(uint32_t clk, uint32_t ts);
int sys_reboot(uint32_t m1, uint32_t m2, uint32_t cmd);
int sys_read(uint32_t fd, uint32_t buf, uint32_t n);
int sys_write(uint32_t fd, uint32_t buf, uint32_t n);
int sys_open(uint32_t path, uint32_t flags, uint32_t mode);
int sys_close(uint32_t fd);
int sys_lseek(uint32_t fd, uint32_t off, uint32_t whence);
int sys_dup(uint32_t fd);
int sys_dup2(uint32_t fd, uint32_t fd2);
int sys_pipe(uint32_t fds);
int sys_mkdir(uint32_t path, uint32_t mode);
int sys_rmdir(uint32_t path);
int sys_unlink(uint32_t path);
int sys_chdir(uint32_t path);
int sys_chroot(uint32_t path);
int sys_getcwd(uint32_t buf, uint32_t size);
int sys_stat64(uint32_t path, uint32_t st);
int sys_fstat64(uint32_t fd, uint32_t st);
int sys_getdents64(uint32_t fd, uint32_t buf, uint32_t n);
int sys_ioctl(uint32_t fd, uint32_t cmd, uint32_t arg);

#endif
