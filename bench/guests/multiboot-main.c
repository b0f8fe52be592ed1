/* Multiboot front end of the benchmark guest: runs the workload with the Multiboot command line,
 * prints its transcript on COM1 and exits through isa-debug-exit (port 0xF4, value 0 on success,
 * 1 on a bad command line). */
#include "bench.h"

#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_INFO_CMDLINE (1u << 2) /* Multiboot info flags bit 2: cmdline field valid */

#define COM1 0x3F8
#define UART_THR 0 /* 16550A registers (PC16550D datasheet, table 2) */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define DEBUG_EXIT_PORT 0xF4

struct multiboot_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
};

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) {
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void serial_init(void) {
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01);        /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	outb(COM1 + UART_FCR, 0x07); /* enable and clear FIFOs */
}

static void serial_puts(const char *s) {
	for (; *s; s++) {
		while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
			;
		outb(COM1 + UART_THR, (u8)*s);
	}
}

static char report[BENCH_REPORT_MAX];

void mb_main(u32 magic, const struct multiboot_info *info) {
	serial_init();
	const char *cmdline = 0;
	if (magic == MB_BOOT_MAGIC && (info->flags & MB_INFO_CMDLINE))
		cmdline = (const char *)info->cmdline;
	int ok = bench_main(cmdline, report);
	serial_puts(report);
	outb(DEBUG_EXIT_PORT, ok ? 0 : 1);
}
