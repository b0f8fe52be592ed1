/* popf.c — the honest part of trap-and-emulate: a kernel that relies on instructions which are
 * sensitive but not privileged on x86 (Popek & Goldberg's condition fails for them). On bare metal
 * every check passes; deprivileged to ring 1 under `tabvisor vms --mode trap` they run without a
 * trap and silently give the wrong answer, and the hypervisor reports each site.
 *
 * Checks (each prints "popf: NAME ok" or "popf: NAME BROKEN (...)"):
 *   popf-cli   interrupts disabled with POPF (an EFLAGS image with IF=0) while the PIT ticks at
 *              1 kHz: no tick may arrive during a long critical section (SDM Vol. 2 "POPF": at
 *              CPL > IOPL the IF bit is left unchanged, without a fault).
 *   popf-iopl  POPF sets IOPL 3, PUSHF must read it back (POPF ignores IOPL at CPL > 0).
 *   cs-rpl     MOV from CS reads the kernel's selector with RPL 0.
 *   sgdt       SGDT stores the GDTR that LGDT loaded.
 *   smsw       SMSW equals the low word of CR0 (MOV from CR0 traps; SMSW does not).
 * Exit status through isa-debug-exit: 0 when every check passed, 1 otherwise. */
#include "../common/common.h"
#include "../common/io.h"

#define PIT_HZ 1193182u
#define TICK_HZ 1000u

volatile uint32_t ticks;                 /* incremented by timer_stub (entry.S) */
void timer_stub(void);

struct gate { uint16_t off_lo, sel; uint8_t zero, type; uint16_t off_hi; } __attribute__((packed));
struct dtr { uint16_t limit; uint32_t base; } __attribute__((packed));

static struct gate idt[256] __attribute__((aligned(8)));
static uint64_t gdt[3] __attribute__((aligned(8)));
static int failures;

static void report(const char *name, int ok, const char *why)
{
    if (ok)
        kprintf("popf: %s ok\n", name);
    else {
        kprintf("popf: %s BROKEN (%s)\n", name, why);
        failures++;
    }
}

static void setup_descriptors(void)
{
    gdt[1] = 0x00CF9A000000FFFFull;      /* ring 0 code, flat (SDM Vol. 3A §3.4.5) */
    gdt[2] = 0x00CF92000000FFFFull;      /* ring 0 data, flat */
    struct dtr g = { sizeof gdt - 1, (uint32_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp $0x08, $1f\n1:\n\t"
                     "movw $0x10, %%ax\n\tmovw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%ss"
                     : : "m"(g) : "eax", "memory");
    uint32_t h = (uint32_t)timer_stub;
    idt[0x20] = (struct gate){ h & 0xFFFF, 0x08, 0, 0x8E, h >> 16 };   /* 32-bit interrupt gate */
    struct dtr i = { sizeof idt - 1, (uint32_t)idt };
    __asm__ volatile("lidt %0" : : "m"(i));
}

static void setup_timer(void)
{
    outb(0x20, 0x11); outb(0xA0, 0x11);  /* 8259A ICW1: edge, cascade, ICW4 */
    outb(0x21, 0x20); outb(0xA1, 0x28);  /* ICW2: vectors 0x20, 0x28 */
    outb(0x21, 0x04); outb(0xA1, 0x02);  /* ICW3 */
    outb(0x21, 0x01); outb(0xA1, 0x01);  /* ICW4: 8086 mode */
    outb(0x21, 0xFE); outb(0xA1, 0xFF);  /* only IRQ0 */
    uint16_t divisor = PIT_HZ / TICK_HZ;
    outb(0x43, 0x34);                    /* 8254: channel 0, lobyte/hibyte, mode 2 */
    outb(0x40, divisor & 0xFF);
    outb(0x40, divisor >> 8);
}

static void spin(uint32_t n)
{
    for (volatile uint32_t i = 0; i < n; i++)
        ;
}

static void check_popf_cli(void)
{
    sti();
    uint32_t t0 = ticks;
    spin(200000);
    int running = ticks != t0;           /* the timer really ticks with IF=1 */
    uint32_t flags;
    __asm__ volatile("pushfl; popl %0" : "=r"(flags));
    __asm__ volatile("pushl %0; popfl" : : "r"(flags & ~EFLAGS_IF) : "memory");   /* "cli" by POPF */
    uint32_t before = ticks;
    spin(1000000);                       /* ~3 M instructions: ~30 ticks at 1 kHz if IF were 1 */
    uint32_t during = ticks - before;
    __asm__ volatile("pushl %0; popfl" : : "r"(flags) : "memory");
    cli();
    char why[64];
    snprintf(why, sizeof why, "%u timer interrupts inside the POPF critical section", during);
    report("popf-cli", running && during == 0, running ? why : "the timer never ticked");
}

static void check_popf_iopl(void)
{
    uint32_t f, saved;
    __asm__ volatile("pushfl; popl %0" : "=r"(saved));
    __asm__ volatile("pushl %0; popfl" : : "r"(saved | 0x3000u) : "memory");
    __asm__ volatile("pushfl; popl %0" : "=r"(f));
    __asm__ volatile("pushl %0; popfl" : : "r"(saved) : "memory");
    char why[48];
    snprintf(why, sizeof why, "PUSHF reads IOPL %u after POPF set 3", (f >> 12) & 3);
    report("popf-iopl", ((f >> 12) & 3) == 3, why);
}

static void check_cs_rpl(void)
{
    uint16_t cs;
    __asm__ volatile("movw %%cs, %0" : "=r"(cs));
    char why[32];
    snprintf(why, sizeof why, "CS reads 0x%x", cs);
    report("cs-rpl", (cs & 3) == 0, why);
}

static void check_sgdt(void)
{
    struct dtr g;
    __asm__ volatile("sgdt %0" : "=m"(g));
    char why[64];
    snprintf(why, sizeof why, "SGDT gives base 0x%x, LGDT loaded 0x%x", g.base, (uint32_t)gdt);
    report("sgdt", g.base == (uint32_t)gdt && g.limit == sizeof gdt - 1, why);
}

static void check_smsw(void)
{
    uint32_t msw = 0;
    __asm__ volatile("smsw %0" : "=r"(msw));
    uint32_t cr0 = read_cr0();
    char why[64];
    snprintf(why, sizeof why, "SMSW 0x%x, CR0 low word 0x%x", msw & 0xFFFF, cr0 & 0xFFFF);
    report("smsw", (msw & 0xFFFF) == (cr0 & 0xFFFF), why);
}

void kmain(uint32_t magic, uint32_t info)
{
    (void)info;
    serial_init();
    kprintf("popf: a kernel that trusts sensitive-but-unprivileged instructions (magic 0x%x)\n", magic);
    setup_descriptors();
    setup_timer();
    check_popf_cli();
    check_popf_iopl();
    check_cs_rpl();
    check_sgdt();
    check_smsw();
    kprintf("popf: %d of 5 checks broken\n", failures);
    debug_exit(failures ? 1 : 0);
}
