/* console.c — the console device: output to COM1 and the VGA screen (common/console.c),
 * input from COM1's receive interrupt (IRQ4) handed to the TTY line discipline (kbd.c adds
 * the PS/2 keyboard). */
#include "defs.h"

#define UART_IER 1
#define UART_LSR 5
#define IER_RDA  0x01            /* receive data available interrupt (PC16550D) */
#define LSR_DR   0x01            /* data ready */

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

/* IRQ4: move received bytes into the line discipline while it has room. When it has none,
 * the rest stays in the UART (and, behind it, with the host: a 16550 has no more room, so the
 * sender waits) and the receive interrupt is masked until a reader makes room (tty.c). */
void console_intr(void)
{
    struct tty *t = tty_console();
    int c;
    while (tty_room(t) > 0 && (c = serial_getc_nowait()) >= 0)
        tty_input(t, (char)c);
    if (tty_room(t) == 0 && (inb(COM1 + UART_LSR) & LSR_DR)) {
        outb(COM1 + UART_IER, 0);
        t->held = 1;
    }
}

/* The console's line discipline has room again: unmask the receive interrupt (it fires at
 * once if bytes are waiting, PC16550D: IIR reflects IER). */
void console_release(struct tty *t)
{
    outb(COM1 + UART_IER, IER_RDA);
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        console_putc(s[i]);
    vga_sync_cursor();
}
