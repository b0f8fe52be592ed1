/* console.c — the console device: output to COM1 and the VGA screen (common/console.c),
 * input from COM1's receive interrupt (IRQ4) handed to the TTY line discipline (kbd.c adds
 * the PS/2 keyboard). */
#include "defs.h"

#define UART_IER 1
#define UART_LSR 5
#define IER_RDA  0x01            /* receive data available interrupt (PC16550D) */

void console_init(void)
{
    serial_init();
    vga_clear();
}

/* Enable the receive interrupt once the IDT and PIC are ready. */
void console_enable_input(void)
{
    outb(COM1 + UART_IER, IER_RDA);
    pic_enable(IRQ_COM1);
}

/* IRQ4: drain the receiver FIFO into the line discipline. */
void console_intr(void)
{
    int c;
    while ((c = serial_getc_nowait()) >= 0)
        tty_input(tty_console(), (char)c);
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        console_putc(s[i]);
    vga_sync_cursor();
}
