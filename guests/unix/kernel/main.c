/* main.c — boot: from the Multiboot entry to the first process.
 * Order: console, descriptor tables, paging, the process table, page allocator, interrupt
 * controllers and timer, the root file system from the module, container images from the
 * other modules, devices, /proc and /sys/fs/cgroup, console input (COM1 and the PS/2
 * keyboard), the pvchan device, then process 1.
 *
 * Kernel command line: nproc=N sizes the process table (default 8 per MiB, 64..1024).
 * Modules: the one whose string has the word "root" is the root tree; "image NAME" is a
 * container image, unpacked to /images/NAME (ctr uses it as an overlay's lower layer). */
#include "defs.h"

#define MAX_MODS 8

extern char _end[];

void machine_off(int code)
{
    debug_exit((uint8_t)code);
}

void panic(const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    cli();
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kprintf("unix: panic: %s\n", buf);
    machine_off(0x7F);
}

/* Does the module command line contain the word w? (QEMU and tabvisor prefix it with the file name.) */
static int has_word(const char *cmdline, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = cmdline; *p; p++)
        if ((p == cmdline || p[-1] == ' ') && !strncmp(p, w, n) && (p[n] == 0 || p[n] == ' '))
            return 1;
    return 0;
}

/* The number after "key=" in cmdline, or dflt. */
static int param(const char *cmdline, const char *key, int dflt)
{
    size_t n = strlen(key);
    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, n) && p[n] == '=') {
            int v = 0;
            for (p += n + 1; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (*p - '0');
            return v;
        }
    }
    return dflt;
}

/* The word after w in cmdline ("image minimal" -> "minimal") into out. */
static int word_after(const char *cmdline, const char *w, char *out, int size)
{
    size_t n = strlen(w);
    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && !strncmp(p, w, n) && p[n] == ' ') {
            p += n + 1;
            int k = 0;
            while (p[k] && p[k] != ' ' && k < size - 1) {
                out[k] = p[k];
                k++;
            }
            out[k] = 0;
            return k;
        }
    }
    return 0;
}

/* The command line without its first word (the module's file name). */
static const char *args_of(const char *cmdline)
{
    const char *sp = strchr(cmdline, ' ');
    return sp ? sp + 1 : cmdline;
}

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
    struct multiboot_module mods[MAX_MODS];
    char cmdlines[MAX_MODS][64];
    int nmods = 0;

    console_init();
    kprintf("unix: booting\n");
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !(mbi->flags & MULTIBOOT_INFO_MEMORY))
        panic("not booted by a Multiboot loader with memory information");
    if (mbi->flags & MULTIBOOT_INFO_MODS) {
        struct multiboot_module *m = (struct multiboot_module *)mbi->mods_addr;
        for (uint32_t i = 0; i < mbi->mods_count && nmods < MAX_MODS; i++) {
            mods[nmods] = m[i];
            strlcpy(cmdlines[nmods], m[i].cmdline ? (const char *)m[i].cmdline : "", sizeof cmdlines[0]);
            nmods++;
        }
    }
    uint32_t mem_end = (mbi->mem_upper + 1024) * 1024;
    if (mem_end > PHYS_MAX)
        mem_end = PHYS_MAX;

    const char *cmdline = (mbi->flags & MULTIBOOT_INFO_CMDLINE) && mbi->cmdline ? (const char *)mbi->cmdline : "";
    int n_proc = param(cmdline, "nproc", (int)(mem_end >> 20) * 8);
    n_proc = n_proc < NPROC_MIN ? NPROC_MIN : n_proc > NPROC_MAX ? NPROC_MAX : n_proc;

    desc_init();
    kvm_init(mem_end);
    uint32_t free_start = (uint32_t)_end;
    for (int i = 0; i < nmods; i++)         /* the process table goes above the modules */
        if (mods[i].mod_end > free_start)
            free_start = mods[i].mod_end;
    uint32_t table_start = PGROUNDUP(free_start);
    proc_init(&free_start, n_proc);
    if (free_start > mem_end || free_start > PHYS_MAX)
        panic("no room for %d processes (nproc= on the kernel command line)", n_proc);
    kreserve(table_start, free_start);
    kinit((uint32_t)_end, mem_end, mods, nmods);
    kprintf("unix: %u KiB of memory, %u KiB free\n", mem_end / 1024, kfree_pages() * 4);
    pic_init();
    timer_init();

    vfs_init();
    int root = -1;
    for (int i = 0; i < nmods; i++)
        if (root < 0 || has_word(cmdlines[i], "root"))
            root = i;
    if (root < 0)
        panic("no root-tree module (boot with the unix-root.img module)");
    if (mods[root].mod_end > mem_end)
        panic("the root-tree module lies above %u KiB", mem_end / 1024);
    int n = initrd_unpack((const uint8_t *)mods[root].mod_start, mods[root].mod_end - mods[root].mod_start, "");
    if (n < 0)
        panic("the root-tree module is not a cpio (newc) archive");
    for (int i = 0; i < nmods; i++) {
        char name[NAME_MAX + 1], prefix[PATH_MAX];
        if (i == root || !word_after(cmdlines[i], "image", name, sizeof name))
            continue;
        snprintf(prefix, sizeof prefix, "/images/%s", name);
        if (initrd_unpack((const uint8_t *)mods[i].mod_start, mods[i].mod_end - mods[i].mod_start, prefix) < 0)
            panic("image module '%s' is not a cpio (newc) archive", name);
    }
    for (int i = 0; i < nmods; i++)         /* module memory is ordinary memory from now on */
        for (uint32_t pa = PGROUNDUP(mods[i].mod_start); pa + PAGE_SIZE <= mods[i].mod_end; pa += PAGE_SIZE)
            if (pa >= (uint32_t)_end && pa + PAGE_SIZE <= mem_end)
                kadd_page((void *)pa);
    kprintf("unix: root tree: %d entries from module '%s'\n", n, args_of(cmdlines[root]));
    vfs_init_special();
    console_enable_input();
    kbd_init();
    pvchan_init();
    user_init();
    pvchan_knock();
    scheduler();
}
