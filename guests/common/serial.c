/* serial.c — polled output and input on COM1, a 16550A UART (PC16550D datasheet, register map table 2). */
#include "common.h"
#include "io.h"

#define UART_RBR 0   /* receiver buffer (read, DLAB=0) */
#define UART_THR 0   /* transmitter holding (write, DLAB=0) */
#define UART_IER 1   /* interrupt enable */
#define UART_DLL 0   /* divisor latch low (DLAB=1) */
#define UART_DLM 1   /* divisor latch high (DLAB=1) */
#define UART_FCR 2   /* FIFO control */
#define UART_LCR 3   /* line control */
#define UART_MCR 4   /* modem control */
#define UART_LSR 5   /* line status */
#define LSR_DR   0x01 /* data ready */
#define LSR_THRE 0x20 /* THR empty */

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80);       /* DLAB */
    outb(COM1 + UART_DLL, 1);          /* 115200 baud */
    outb(COM1 + UART_DLM, 0);
    outb(COM1 + UART_LCR, 0x03);       /* 8N1 */
    outb(COM1 + UART_FCR, 0x00);       /* FIFOs off: enabling them would drop bytes already received */
    outb(COM1 + UART_MCR, 0x0B);       /* DTR, RTS, OUT2 (routes IRQ4) */
}

void serial_putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    outb(COM1 + UART_THR, (uint8_t)c);
}

int serial_getc_nowait(void)
{
    if (!(inb(COM1 + UART_LSR) & LSR_DR))
        return -1;
    return inb(COM1 + UART_RBR);
}
