/* console.c — kernel console output: every byte goes to COM1 and to the VGA text screen.
 * '\n' is sent to the serial line as "\r\n" (the ONLCR convention terminals expect). */
#include "common.h"

void console_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    serial_putc(c);
    vga_putc(c);
}

static void console_fmt_write(void *arg, const char *s, int n)
{
    (void)arg;
    while (n-- > 0)
        console_putc(*s++);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vformat(console_fmt_write, 0, fmt, ap);
    va_end(ap);
    vga_sync_cursor();
    return n;
}
