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

static void console_fmt_putc(void *arg, char c)
{
    (void)arg;
    console_putc(c);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vformat(console_fmt_putc, 0, fmt, ap);
    va_end(ap);
    vga_sync_cursor();
    return n;
}
