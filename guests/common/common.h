/* common.h — the small runtime every guest kernel shares: COM1, VGA text, printf, strings, exit. */
#ifndef GUEST_COMMON_H
#define GUEST_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* serial.c: COM1 16550A at 0x3F8 (PC16550D datasheet) */
#define COM1 0x3F8
void serial_init(void);
void serial_putc(char c);          /* raw byte, waits for THR empty */
int serial_getc_nowait(void);      /* -1 if no byte received */

/* vga.c: 80x25 colour text mode at 0xB8000 */
#define VGA_COLS 80
#define VGA_ROWS 25
void vga_clear(void);
void vga_putc(char c);             /* handles \n, \r, \b, scrolls */
void vga_sync_cursor(void);        /* move the hardware cursor after the last character */

/* printf.c: a tiny formatter: %c %s %d %u %x %p %%, width and '0' flag, 'l' ignored; it hands
 * its output to `out` in runs of n bytes */
typedef void (*write_fn)(void *arg, const char *s, int n);
int vformat(write_fn out, void *arg, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...);

/* string.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy(char *d, const char *s, size_t n);
size_t strlcpy(char *d, const char *s, size_t n);
char *strchr(const char *s, int c);

/* console.c: COM1 + VGA, '\n' sent as "\r\n" on the serial line */
void console_putc(char c);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* exit.c: isa-debug-exit at port 0xF4; QEMU and tabvisor exit with status (code << 1) | 1 */
#define DEBUG_EXIT_PORT 0xF4
void debug_exit(uint8_t code) __attribute__((noreturn));

#endif
