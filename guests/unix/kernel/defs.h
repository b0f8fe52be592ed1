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
struct tty;
void console_release(struct tty *t);

/* kbd.c */
void kbd_init(void);
void kbd_intr(void);

/* tty.c: a terminal's line discipline state */
#define TTY_LINE 1024                /* longest input line, as typed or pasted */
struct tty {
    char *raw;                      /* ring: bytes received, not yet cooked */
    uint32_t raw_size, raw_r, raw_w;
    char line[TTY_LINE];            /* the line being edited */
    int line_len;
    char ready[TTY_LINE + 1];       /* a finished line, handed to readers */
    int ready_len, ready_off;
    int eof;                        /* ^D on an empty line */
    int fg_pgid;                    /* foreground process group (global leader pid): gets SIGINT */
    void (*out)(struct tty *t, const char *s, int n);
    /* Flow control: a driver that finds the raw ring full leaves the rest of its input in the
     * device (held = 1); release re-opens the device once readers have made room. */
    int held;
    void (*release)(struct tty *t);
    int stream;                     /* pvchan stream, for container consoles */
};
struct tty *tty_console(void);
struct tty *tty_of(int major, int minor);
void tty_input(struct tty *t, char c);
int tty_room(struct tty *t);
int tty_read(struct tty *t, char *dst, int n);
int tty_write(struct tty *t, const char *src, int n);
void tty_reset(struct tty *t);
int tty_ioctl(struct tty *t, uint32_t cmd, uint32_t arg);

/* pvchan.c */
void pvchan_init(void);
int pvchan_present(void);
void pvchan_intr(void);
void pvchan_knock(void);
struct tty *pvchan_tty(int stream);
int pvchan_ctl_read(char *dst, int n);
int pvchan_ctl_write(const char *src, int n);

/* kalloc.c */
void kinit(uint32_t start, uint32_t end, const struct multiboot_module *mods, int nmods);
void *kalloc_page(void);            /* zeroed page or 0 */
void *kalloc_page_nz(void);         /* page with undefined contents, or 0 */
void kfree_page_zeroed(void *page); /* free a page its user left all zero */
void kfree_page(void *page);
void *kmalloc(size_t n);            /* zeroed, n <= 2048 */
void *kmalloc_nz(size_t n);         /* as kmalloc, contents undefined */
void kfree(void *p);
uint32_t kfree_pages(void);
uint32_t kmem_total_pages(void);
void kadd_page(void *page);
void kreserve(uint32_t lo, uint32_t hi);     /* before kinit: a range kinit must not free */         /* give a never-allocated page to the allocator */

/* vm.c */
int uvm_fault(uint32_t *pgdir, uint32_t va);
int uvm_user_fault(uint32_t *pgdir, uint32_t va, uint32_t err);
int uvm_cow(uint32_t *pgdir, uint32_t va);
void kvm_init(uint32_t phys_end);
uint32_t *pgdir_new(void);
void pgdir_free(uint32_t *pgdir);
int uvm_alloc(uint32_t *pgdir, uint32_t start, uint32_t end);
char *uvm_map_page(uint32_t *pgdir, uint32_t va, int *fresh);
int uvm_map_shared(uint32_t *pgdir, uint32_t va, char *page);
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
void proc_init(uint32_t *start, int n);
struct proc *proc_find(int pid);       /* by global pid */
struct proc *proc_init_proc(void);
void user_init(void);
int proc_fork(void);
int proc_clone(uint32_t flags, uint32_t stack, struct cgroup *into);
void vfork_release(struct proc *p);
void proc_free(struct proc *p);
void proc_exit(int status) __attribute__((noreturn));
int proc_wait(int pid, uint32_t status_uva, int options);
const char *proc_state_name(enum procstate s);

/* signal.c */
int signal_send(struct proc *p, int sig);
void signal_force(struct proc *p, int sig);
void signal_pgrp(int pgid, int sig);
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
void file_unalloc(struct file *f);
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
void inode_free(struct inode *ip);
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
void vfs_init(void);
void vfs_init_special(void);

/* ramfs.c */
struct inode *ramfs_new_root(void);
struct inode *ramfs_new_tree(void);
int ramfs_materialize(struct inode *dir);
void ramfs_overlay(struct inode *dir, struct inode *lower);
int ramfs_copy_up(struct inode *dir, const char *name, struct inode **out);
struct inode *ramfs_lookup(struct inode *dir, const char *name);
int ramfs_link(struct inode *dir, const char *name, struct inode *ip);
int ramfs_unlink(struct inode *dir, const char *name, int want_dir);
int ramfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n);
int ramfs_write(struct inode *ip, const char *src, uint32_t off, uint32_t n);
void ramfs_truncate(struct inode *ip);
char *ramfs_page(struct inode *ip, uint32_t off);
int ramfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip);
void ramfs_free(struct inode *ip);

/* procfs.c */
struct inode *procfs_new_root(struct pidns *ns);
void procfs_free(struct inode *ip);
struct proc *procfs_ns_target(struct inode *ip, uint32_t *kind);
struct inode *procfs_lookup(struct inode *dir, const char *name);
int procfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip);
int procfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n);

/* namei.c */
struct inode *namei(const char *path, int *err);
struct inode *namei_nofollow(const char *path, int *err);
struct inode *nameiparent(const char *path, char *name, int *err);
int inode_path(struct inode *ip, char *buf, int n);

/* initrd.c */
int initrd_unpack(const uint8_t *data, uint32_t len, const char *prefix);

/* pidns.c */
struct pidns *pidns_root(void);
struct pidns *pidns_get(struct pidns *ns);
void pidns_put(struct pidns *ns);
struct pidns *pidns_new(struct pidns *parent);
int pidns_contains(struct pidns *ns, struct proc *p);
int pid_nr(struct proc *p, struct pidns *ns);
int pgid_nr(struct proc *p, struct pidns *ns);
struct proc *pid_find(struct pidns *ns, int nr);
int pidns_attach(struct proc *p, struct pidns *ns);
void pgid_set_self(struct proc *p);
void pgid_copy(struct proc *p, struct proc *q);
int pidns_is_init(struct proc *p);
struct proc *pidns_reaper(struct proc *c, struct proc *dying);
void pidns_exit(struct proc *p);
void pidns_release(struct proc *p);

/* mntns.c */
struct mntns *mntns_root(void);
struct mntns *mntns_get(struct mntns *ns);
void mntns_put(struct mntns *ns);
struct mntns *mntns_copy(struct mntns *from);
void mntns_enter(struct proc *p, struct mntns *ns);
int mntns_id(struct mntns *ns);
struct inode *mnt_follow(struct inode *ip);
struct inode *mnt_parent(struct inode *ip, struct inode **named);
int mnt_beneath(struct inode *ip, struct inode *top);
int mnt_busy(struct inode *ip);
int mnt_boot_mount(struct inode *dir, struct inode *root);
int sys_mount(uint32_t source, uint32_t target, uint32_t type, uint32_t flags, uint32_t data);
int sys_umount2(uint32_t target, uint32_t flags);
int sys_umount(uint32_t target);
int sys_pivot_root(uint32_t new_root, uint32_t put_old);
int sys_fchdir(uint32_t fd);

/* utsns.c */
struct utsns *utsns_root(void);
struct utsns *utsns_get(struct utsns *ns);
void utsns_put(struct utsns *ns);
struct utsns *utsns_copy(struct utsns *from);
int sys_uname(uint32_t buf);
int sys_sethostname(uint32_t name, uint32_t len);
const char *uts_hostname(void);

/* ipcns.c */
struct ipcns *ipcns_root(void);
struct ipcns *ipcns_get(struct ipcns *ns);
void ipcns_put(struct ipcns *ns);
struct ipcns *ipcns_new(void);
int sys_msgget(uint32_t key, uint32_t flags);
int sys_msgsnd(uint32_t id, uint32_t msgp, uint32_t size, uint32_t flags);
int sys_msgrcv(uint32_t id, uint32_t msgp, uint32_t size, uint32_t type, uint32_t flags);
int sys_msgctl(uint32_t id, uint32_t cmd, uint32_t buf);

/* ns.c */
int ns_unshare(struct proc *p, uint32_t flags);
int sys_unshare(uint32_t flags);
int sys_setns(uint32_t fd, uint32_t nstype);

/* cgroup.c */
struct cgroup *cgroup_root(void);
struct cgroup *cgroup_get(struct cgroup *cg);
void cgroup_put(struct cgroup *cg);
int cgroup_can_fork(struct cgroup *cg);
int cgroup_may_grow(void);
void *kmalloc_charged(size_t n, struct cgroup **memcg);
void kfree_charged(void *p, size_t n, struct cgroup *memcg);
void cgroup_attach(struct proc *p, struct cgroup *cg);
void cgroup_detach(struct proc *p);
int cgroup_runnable(struct proc *p);
void cgroup_check_freeze(void);
int cgroup_any_frozen(void);
void cgroup_tick(struct proc *p);
void *upage_alloc(void);
void *upage_alloc_nz(void);
void upage_share(void *page);       /* one more holder: upage_free frees it with the last */
int upage_shared(void *page);         /* as upage_alloc, contents undefined: the caller fills it */
void upage_free(void *page);
void upage_free_zeroed(void *page); /* upage_free of a page left all zero */
int cgroup_path(struct cgroup *cg, struct cgroup *top, char *buf, int n);
struct inode *cgroupfs_new_root(struct cgroup *cg);
void cgroupfs_free(struct inode *ip);
struct inode *cgroupfs_lookup(struct inode *dir, const char *name);
int cgroupfs_readdir(struct inode *dir, uint32_t index, char *name, struct inode **ip);
int cgroupfs_mkdir(struct inode *dir, const char *name, struct inode **out);
int cgroupfs_rmdir(struct inode *dir, const char *name);
int cgroupfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n);
int cgroupfs_write(struct inode *ip, const char *src, uint32_t n);

/* sysproc.c, sysfile.c: the system calls (see syscall.c's table) */
int sys_fork(void);
int sys_clone(uint32_t flags, uint32_t stack);
int sys_clone3(uint32_t uargs, uint32_t size);
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
int sys_close_range(uint32_t first, uint32_t last, uint32_t flags);
int sys_openat(uint32_t dirfd, uint32_t upath, uint32_t flags, uint32_t mode);
int sys_mkdirat(uint32_t dirfd, uint32_t upath, uint32_t mode);
int sys_mknodat(uint32_t dirfd, uint32_t upath, uint32_t mode, uint32_t dev);
int sys_lseek(uint32_t fd, uint32_t off, uint32_t whence);
int sys_dup(uint32_t fd);
int sys_dup2(uint32_t fd, uint32_t fd2);
int sys_pipe(uint32_t fds);
int sys_mkdir(uint32_t path, uint32_t mode);
int sys_rmdir(uint32_t path);
int sys_unlink(uint32_t path);
int sys_chdir(uint32_t path);
int sys_chroot(uint32_t path);
int sys_mknod(uint32_t path, uint32_t mode, uint32_t dev);
int sys_symlink(uint32_t target, uint32_t path);
int sys_readlink(uint32_t path, uint32_t buf, uint32_t size);
int sys_lstat64(uint32_t path, uint32_t st);
int sys_getcwd(uint32_t buf, uint32_t size);
int sys_stat64(uint32_t path, uint32_t st);
int sys_fstat64(uint32_t fd, uint32_t st);
int sys_getdents64(uint32_t fd, uint32_t buf, uint32_t n);
int sys_ioctl(uint32_t fd, uint32_t cmd, uint32_t arg);

#endif
