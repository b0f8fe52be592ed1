/* exec.c — execve: replace the current process's image with a static ELF32 i386 executable
 * (ELF specification, "Program Loading") or run a "#!interpreter [arg]" script with its
 * interpreter, and build the initial stack the way Linux does:
 *   ESP -> argc, argv[0..argc-1], 0, envp[0..], 0, auxv (AT_PAGESZ, AT_ENTRY), AT_NULL, then the strings. */
#include "defs.h"

#define ELF_MAGIC 0x464C457Fu   /* "\x7fELF" */
#define EM_386 3
#define ET_EXEC 2
#define PT_LOAD 1
#define PF_W 2
#define AT_NULL 0
#define AT_PAGESZ 6
#define AT_ENTRY 9

struct elf_header {
    uint32_t magic;
    uint8_t ident[12];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define STACK_BOTTOM (USER_TOP - USTACK_PAGES * PAGE_SIZE)

/* Map segment ph of file ip in pgdir. A read-only segment's pages that hold only file bytes
 * are the file's own data pages, mapped read-only and shared (the page cache's way: every
 * shell of every container runs from one copy of /bin/sh's text). Other pages are private:
 * file bytes read straight into them, the rest zero; a page an earlier segment mapped
 * privately keeps that segment's bytes. */
static int load_segment(uint32_t *pgdir, struct inode *ip, const struct elf_phdr *ph)
{
    uint32_t vaddr = ph->vaddr, off = ph->offset;
    uint32_t end = vaddr + ph->memsz, fend = vaddr + ph->filesz;
    int shareable = !(ph->flags & PF_W) && (vaddr - off) % PAGE_SIZE == 0;
    for (uint32_t va = PGROUNDDOWN(vaddr); va < end; va += PAGE_SIZE) {
        if (shareable && (end - va <= PAGE_SIZE ? end : va + PAGE_SIZE) <= fend && (va >= vaddr || off >= vaddr - va)) {
            char *fp = ramfs_page(ip, off + va - vaddr);
            int r = fp ? uvm_map_shared(pgdir, va, fp) : -EEXIST;
            if (r == 0)
                continue;
            if (r != -EEXIST)
                return r;
        }
        int fresh;
        char *page = uvm_map_page(pgdir, va, &fresh);
        if (!page)
            return -ENOMEM;
        if (!fresh && upage_shared(page))
            return -ENOEXEC;                        /* segments overlapping another's file page */
        uint32_t lo = va < vaddr ? vaddr : va;                    /* the segment in this page: [lo, hi) */
        uint32_t hi = end - va < PAGE_SIZE ? end : va + PAGE_SIZE;
        uint32_t fhi = fend < hi ? (fend > lo ? fend : lo) : hi;  /* its file bytes: [lo, fhi) */
        if (fresh) {
            kzero(page, lo - va);
            kzero(page + (fhi - va), PAGE_SIZE - (fhi - va));
        } else {
            kzero(page + (fhi - va), hi - fhi);
        }
        if (fhi > lo && vfs_read(ip, page + (lo - va), off + (lo - vaddr), fhi - lo) != (int)(fhi - lo))
            return -ENOEXEC;
    }
    return 0;
}

/* Build argc/argv/envp/auxv below USER_TOP; returns the new ESP or 0. */
static uint32_t build_stack(uint32_t *pgdir, char *const argv[], int argc, char *const envp[], int envc, uint32_t entry)
{
    uint32_t sp = USER_TOP;
    uint32_t uargv[MAXARG + 1], uenvp[MAXARG + 1];
    for (int i = envc - 1; i >= 0; i--) {
        uint32_t len = strlen(envp[i]) + 1;
        sp -= len;
        if (copyout(pgdir, sp, envp[i], len) < 0)
            return 0;
        uenvp[i] = sp;
    }
    for (int i = argc - 1; i >= 0; i--) {
        uint32_t len = strlen(argv[i]) + 1;
        sp -= len;
        if (copyout(pgdir, sp, argv[i], len) < 0)
            return 0;
        uargv[i] = sp;
    }
    uenvp[envc] = 0;
    uargv[argc] = 0;
    uint32_t auxv[] = { AT_PAGESZ, PAGE_SIZE, AT_ENTRY, entry, AT_NULL, 0 };
    uint32_t words = 1 + (argc + 1) + (envc + 1) + sizeof auxv / 4;
    sp = (sp - words * 4) & ~15u;
    uint32_t p = sp;
    uint32_t a = (uint32_t)argc;
    if (copyout(pgdir, p, &a, 4) < 0 ||
        copyout(pgdir, p + 4, uargv, (argc + 1) * 4) < 0 ||
        copyout(pgdir, p + 4 + (argc + 1) * 4, uenvp, (envc + 1) * 4) < 0 ||
        copyout(pgdir, p + 4 + (argc + envc + 2) * 4, auxv, sizeof auxv) < 0)
        return 0;
    return sp;
}

static int exec_elf(const char *path, struct inode *ip, char *const argv[], int argc, char *const envp[], int envc);

/* "#!/bin/sh -x\n" runs as: /bin/sh -x PATH argv[1..]. One level: the interpreter must be ELF. */
static int exec_script(const char *path, struct inode *ip, char *const argv[], int argc, char *const envp[], int envc)
{
    char line[128];
    int n = vfs_read(ip, line, 0, sizeof line - 1);
    iput(ip);
    line[n > 0 ? n : 0] = 0;
    char *end = strchr(line, '\n');
    if (!end)
        return -ENOEXEC;
    *end = 0;
    char *interp = line + 2, *arg = 0;
    while (*interp == ' ' || *interp == '\t')
        interp++;
    for (char *p = interp; *p; p++) {
        if (*p == ' ' || *p == '\t') {
            *p++ = 0;
            while (*p == ' ' || *p == '\t')
                p++;
            arg = *p ? p : 0;
            break;
        }
    }
    char *nargv[MAXARG + 1];
    int nargc = 0;
    nargv[nargc++] = interp;
    if (arg)
        nargv[nargc++] = arg;
    nargv[nargc++] = (char *)path;
    for (int i = 1; i < argc && nargc < MAXARG; i++)
        nargv[nargc++] = argv[i];
    nargv[nargc] = 0;
    int err;
    struct inode *iip = namei(interp, &err);
    if (!iip)
        return err;
    if (iip->type != I_FILE) {
        iput(iip);
        return -EACCES;
    }
    return exec_elf(interp, iip, nargv, nargc, envp, envc);
}

int exec(const char *path, char *const argv[], int argc, char *const envp[], int envc)
{
    int err;
    char magic[2];
    struct inode *ip = namei(path, &err);
    if (!ip)
        return err;
    if (ip->type != I_FILE) {
        iput(ip);
        return -EACCES;
    }
    if (vfs_read(ip, magic, 0, 2) == 2 && magic[0] == '#' && magic[1] == '!')
        return exec_script(path, ip, argv, argc, envp, envc);
    return exec_elf(path, ip, argv, argc, envp, envc);
}

/* Load the ELF file ip (a reference the caller passes on) as the current process's image. */
static int exec_elf(const char *path, struct inode *ip, char *const argv[], int argc, char *const envp[], int envc)
{
    int err;

    struct elf_header eh;
    uint32_t *pgdir = 0;
    uint32_t image_end = USER_BASE;
    err = -ENOEXEC;
    if (vfs_read(ip, (char *)&eh, 0, sizeof eh) != sizeof eh || eh.magic != ELF_MAGIC ||
        eh.ident[0] != 1 /* ELFCLASS32 */ || eh.type != ET_EXEC || eh.machine != EM_386)
        goto bad;
    err = -ENOMEM;
    if (!(pgdir = pgdir_new()))
        goto bad;
    for (int i = 0; i < eh.phnum; i++) {
        struct elf_phdr ph;
        err = -ENOEXEC;
        if (vfs_read(ip, (char *)&ph, eh.phoff + i * sizeof ph, sizeof ph) != sizeof ph)
            goto bad;
        if (ph.type != PT_LOAD)
            continue;
        if (ph.memsz < ph.filesz || ph.vaddr < USER_BASE || ph.vaddr + ph.memsz < ph.vaddr ||
            ph.vaddr + ph.memsz > STACK_BOTTOM - PAGE_SIZE)
            goto bad;
        if ((err = load_segment(pgdir, ip, &ph)) < 0)
            goto bad;
        if (ph.vaddr + ph.memsz > image_end)
            image_end = ph.vaddr + ph.memsz;
    }
    err = -ENOMEM;
    if (uvm_alloc(pgdir, USER_TOP - PAGE_SIZE, USER_TOP) < 0)   /* the rest comes on demand (vm.c) */
        goto bad;
    uint32_t sp = build_stack(pgdir, argv, argc, envp, envc, eh.entry);
    if (!sp)
        goto bad;
    iput(ip);

    /* Point of no return: commit the new image. */
    const char *last = path;
    for (const char *s = path; *s; s++)
        if (*s == '/' && s[1])
            last = s + 1;
    strlcpy(current->name, last, sizeof current->name);
    vfork_release(current);                  /* a vfork child's parent goes on; a borrowed */
    uint32_t *old = current->pgdir;          /* address space (pgdir now 0) is not ours to free */
    current->pgdir = pgdir;
    current->brk = current->brk_base = PGROUNDUP(image_end);
    struct trapframe *tf = current->tf;
    memset(tf, 0, sizeof *tf);
    tf->cs = SEL_UCODE;
    tf->ds = tf->es = tf->fs = tf->gs = tf->ss = SEL_UDATA;
    tf->eflags = EFLAGS_IF;
    tf->eip = eh.entry;
    tf->esp = sp;
    for (int fd = 0; fd < NOFILE; fd++) {
        if ((current->cloexec & (1u << fd)) && current->ofile[fd]) {
            file_close(current->ofile[fd]);
            current->ofile[fd] = 0;
        }
    }
    current->cloexec = 0;
    signal_reset_on_exec(current);
    vm_switch(current);
    if (old)
        pgdir_free(old);
    return 0;

bad:
    if (pgdir)
        pgdir_free(pgdir);
    iput(ip);
    return err;
}
