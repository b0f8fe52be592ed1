/* tick.c — a small kernel that exercises what a hypervisor must trap: its own GDT/IDT/TSS,
 * paging with one address space per task (CR3 switches), INVLPG, the PIT on the PIC, CLI/STI,
 * port I/O, three ring-3 tasks switched preemptively by the timer, and int 0x80 system calls.
 *
 * Determinism: the tasks hand a token round-robin through a shared page and spin (never yield)
 * while waiting for it, so they only progress when the timer preempts the spinner. The order of
 * work is fixed by the token, so every report and the final checksum are the same on every run
 * and every machine, whatever the timer's phase. Output ends with "tick: ok <checksum>". */
#include "../common/common.h"
#include "../common/io.h"
#include "../common/multiboot.h"
#include "x86.h"

#define NTASK 3
#define STEPS 6
#define TIMER_HZ 1000

/* User virtual layout of every task (page directory entry 2, 0x800000-0xBFFFFF). */
#define UVA_PRIVATE 0x00800000u   /* per task */
#define UVA_SHARED  0x00801000u   /* one frame shared by all tasks: the token */
#define UVA_STACK   0x00803000u   /* per task, grows down from UVA_STACK + 4096 */
#define UVA_PROBE   0x00804000u   /* kernel's INVLPG test page (supervisor) */

/* System calls (int 0x80, number in EAX). */
#define SYS_REPORT 1   /* ebx = step, ecx = value: the kernel prints and folds it into the checksum */
#define SYS_EXIT   2   /* ebx = result */

struct task {
    int alive;
    uint32_t *pgdir;
    struct trapframe *frame;      /* saved context while not running */
    uint32_t result;
};

static uint32_t kernel_pt[1024] __attribute__((aligned(4096)));           /* 0-4 MiB identity */
static uint32_t pgdirs[NTASK][1024] __attribute__((aligned(4096)));
static uint32_t user_pts[NTASK][1024] __attribute__((aligned(4096)));
static uint8_t private_pages[NTASK][4096] __attribute__((aligned(4096)));
static uint8_t stack_pages[NTASK][4096] __attribute__((aligned(4096)));
static uint8_t shared_page[4096] __attribute__((aligned(4096)));
static uint8_t probe_pages[2][4096] __attribute__((aligned(4096)));
static uint8_t kstacks[NTASK][4096] __attribute__((aligned(16)));

static struct task tasks[NTASK];
static int current = -1;
static uint32_t ticks;
static uint32_t checksum = 2166136261u;   /* FNV-1a offset basis */
static int nreports;

extern char __usertext_start[], __usertext_end[];

static void fold(uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        checksum ^= (v >> (8 * i)) & 0xFF;
        checksum *= 16777619u;               /* FNV-1a prime */
    }
}

/* ---- ring 3: the task body lives in .usertext, the only kernel pages mapped with PTE_U ---- */

static inline __attribute__((section(".usertext"))) uint32_t user_syscall(uint32_t nr, uint32_t a, uint32_t b)
{
    __asm__ volatile("int $0x80" : "+a"(nr), "+b"(a), "+c"(b) : : "memory");
    return nr;
}

__attribute__((section(".usertext"), noreturn)) static void task_main(void)
{
    volatile uint32_t *token = (volatile uint32_t *)UVA_SHARED;
    uint32_t *mine = (uint32_t *)UVA_PRIVATE;       /* mine[0] = task id, set by the kernel */
    uint32_t id = mine[0];
    uint32_t h = 0x9E3779B9u * (id + 1);
    for (uint32_t step = 0; step < STEPS; step++) {
        while (*token != step * NTASK + id)
            ;                                       /* spin: only the timer gets us out */
        for (uint32_t i = 0; i < 5000; i++) {       /* a fixed work item: xorshift over private memory */
            h ^= h << 13;
            h ^= h >> 17;
            h ^= h << 5;
            mine[1 + (i & 255)] += h;
        }
        user_syscall(SYS_REPORT, step, h);
        *token = *token + 1;
    }
    user_syscall(SYS_EXIT, h ^ mine[1], 0);
    for (;;)
        ;
}

/* ---- paging ---- */

static void paging_init(void)
{
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t pa = i * 4096;
        uint32_t flags = PTE_P | PTE_W;
        if (pa >= (uint32_t)__usertext_start && pa < (uint32_t)__usertext_end)
            flags = PTE_P | PTE_U;               /* task code: user, read-only */
        kernel_pt[i] = i ? pa | flags : 0;       /* page 0 unmapped: null pointers fault */
    }
    for (int t = 0; t < NTASK; t++) {
        memset(pgdirs[t], 0, 4096);
        memset(user_pts[t], 0, 4096);
        pgdirs[t][0] = (uint32_t)kernel_pt | PTE_P | PTE_W | PTE_U;
        pgdirs[t][2] = (uint32_t)user_pts[t] | PTE_P | PTE_W | PTE_U;
        user_pts[t][(UVA_PRIVATE >> 12) & 1023] = (uint32_t)private_pages[t] | PTE_P | PTE_W | PTE_U;
        user_pts[t][(UVA_SHARED >> 12) & 1023] = (uint32_t)shared_page | PTE_P | PTE_W | PTE_U;
        user_pts[t][(UVA_STACK >> 12) & 1023] = (uint32_t)stack_pages[t] | PTE_P | PTE_W | PTE_U;
        tasks[t].pgdir = pgdirs[t];
    }
    write_cr3((uint32_t)pgdirs[0]);
    write_cr0(read_cr0() | CR0_PG | CR0_WP);
    kprintf("tick: paging on, %d address spaces\n", NTASK);
}

/* Map UVA_PROBE to one frame, read through it, remap to another: without INVLPG the stale
 * translation could still be used (SDM Vol. 3A §4.10.4.1). */
static void invlpg_check(void)
{
    volatile uint32_t *probe = (volatile uint32_t *)UVA_PROBE;
    uint32_t *pte = &user_pts[0][(UVA_PROBE >> 12) & 1023];
    ((uint32_t *)probe_pages[0])[0] = 0x1111;
    ((uint32_t *)probe_pages[1])[0] = 0x2222;
    *pte = (uint32_t)probe_pages[0] | PTE_P | PTE_W;
    invlpg(UVA_PROBE);
    uint32_t first = *probe;
    *pte = (uint32_t)probe_pages[1] | PTE_P | PTE_W;
    invlpg(UVA_PROBE);
    uint32_t second = *probe;
    *pte = 0;
    invlpg(UVA_PROBE);
    if (first != 0x1111 || second != 0x2222) {
        kprintf("tick: FAIL invlpg (%x, %x)\n", first, second);
        debug_exit(1);
    }
    kprintf("tick: invlpg ok\n");
}

/* ---- tasks and the scheduler ---- */

static void task_create(int t)
{
    uint32_t *private = (uint32_t *)private_pages[t];
    memset(private, 0, 4096);
    private[0] = t;
    struct trapframe *f = (struct trapframe *)(kstacks[t] + sizeof kstacks[t]) - 1;
    memset(f, 0, sizeof *f);
    f->ds = f->es = f->fs = f->gs = SEL_UDATA;
    f->cs = SEL_UCODE;
    f->ss = SEL_UDATA;
    f->eip = (uint32_t)task_main;
    f->esp = UVA_STACK + 4096;
    f->eflags = 0x202;                           /* IF */
    tasks[t].frame = f;
    tasks[t].alive = 1;
}

static void switch_to(int t)
{
    current = t;
    tss_set_esp0((uint32_t)(kstacks[t] + sizeof kstacks[t]));
    write_cr3((uint32_t)tasks[t].pgdir);
}

/* Round-robin: the next live task after the current one; -1 when all have exited. */
static int pick_next(void)
{
    for (int i = 1; i <= NTASK; i++) {
        int t = (current + i) % NTASK;
        if (tasks[t].alive)
            return t;
    }
    return -1;
}

static void finish(void)
{
    write_cr3((uint32_t)pgdirs[0]);
    for (int t = 0; t < NTASK; t++) {
        kprintf("tick: task %d result %08x\n", t, tasks[t].result);
        fold(tasks[t].result);
    }
    kprintf("tick: %d reports, preemption %s\n", nreports, ticks > 0 ? "seen" : "MISSING");
    if (nreports != NTASK * STEPS || ticks == 0)
        debug_exit(1);
    kprintf("tick: ok %08x\n", checksum);
    debug_exit(0);
}

struct trapframe *trap(struct trapframe *f)
{
    if (f->vector == IRQ_BASE + 0) {            /* PIT: preempt */
        ticks++;
        pic_eoi(0);
        if (current >= 0) {
            tasks[current].frame = f;
            int next = pick_next();
            switch_to(next);
            return tasks[next].frame;
        }
        return f;
    }
    if (f->vector == T_SYSCALL) {
        if (f->eax == SYS_REPORT) {
            kprintf("tick: task %d step %d %08x\n", current, f->ebx, f->ecx);
            fold(f->ecx);
            nreports++;
            f->eax = 0;
            return f;
        }
        if (f->eax == SYS_EXIT) {
            tasks[current].alive = 0;
            tasks[current].result = f->ebx;
            int next = pick_next();
            if (next < 0)
                finish();
            switch_to(next);
            return tasks[next].frame;
        }
        f->eax = (uint32_t)-1;
        return f;
    }
    kprintf("tick: FAIL unexpected trap %d err %x at %x (cr2 %x)\n", f->vector, f->err, f->eip, read_cr2());
    debug_exit(1);
}

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)mbi;
    serial_init();
    vga_clear();
    kprintf("tick: boot (multiboot %s)\n", magic == MULTIBOOT_BOOTLOADER_MAGIC ? "ok" : "MISSING");
    desc_init();
    kprintf("tick: gdt, idt, tss loaded\n");
    paging_init();
    invlpg_check();
    pic_init();
    pit_init(TIMER_HZ);
    kprintf("tick: pic remapped to 0x%x, pit at %d Hz\n", IRQ_BASE, TIMER_HZ);

    /* Wait for the first timer interrupt with interrupts on, then turn them off again. */
    sti();
    while (ticks == 0)
        hlt();
    cli();
    kprintf("tick: timer interrupt seen\n");
    ticks = 0;
    for (int t = 0; t < NTASK; t++)
        task_create(t);
    kprintf("tick: %d ring-3 tasks, %d steps each\n", NTASK, STEPS);
    switch_to(0);
    /* Enter task 0 through the common return path: IRET to ring 3 with IF set. */
    __asm__ volatile("movl %0, %%esp\n\tjmp trap_return" : : "r"(tasks[0].frame));
    for (;;)
        ;
}
