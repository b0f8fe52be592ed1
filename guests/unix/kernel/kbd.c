/* kbd.c — the PS/2 keyboard behind the 8042 controller (data 0x60, status 0x64, IRQ1), a second
 * source of console input beside COM1. The controller translates to scancode set 1 (IBM PS/2
 * Technical Reference): a make code per key, the same code | 0x80 on release, 0xE0 before
 * extended keys. We keep Shift, Ctrl and Caps Lock and map a US layout to the bytes a terminal
 * would send. */
#include "defs.h"

#define KBC_DATA   0x60
#define KBC_STATUS 0x64
#define KBC_STAT_OBF  0x01        /* output buffer full */
#define KBC_STAT_AUXB 0x20        /* ...with a byte from the auxiliary (mouse) port */

#define SC_LSHIFT 0x2A
#define SC_RSHIFT 0x36
#define SC_CTRL   0x1D
#define SC_CAPS   0x3A
#define SC_RELEASE 0x80
#define SC_EXTENDED 0xE0

/* Set 1 make codes 0x00-0x39 to characters, unshifted and shifted (0: no character). */
static const char normal[0x3A] = {
    0, 0x1B, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7F, '\t',
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r', 0, 'a', 's',
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
    'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[0x3A] = {
    0, 0x1B, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7F, '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0, 'A', 'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

static int shift, ctrl, caps, extended;

static void scancode(uint8_t sc)
{
    if (sc == SC_EXTENDED) {
        extended = 1;
        return;
    }
    int release = sc & SC_RELEASE;
    sc &= ~SC_RELEASE;
    if (extended) {                   /* right Ctrl counts; arrows and the rest are not mapped */
        extended = 0;
        if (sc == SC_CTRL)
            ctrl = !release;
        return;
    }
    if (sc == SC_LSHIFT || sc == SC_RSHIFT) {
        shift = !release;
        return;
    }
    if (sc == SC_CTRL) {
        ctrl = !release;
        return;
    }
    if (release)
        return;
    if (sc == SC_CAPS) {
        caps = !caps;
        return;
    }
    if (sc >= sizeof normal)
        return;
    char c = shift ? shifted[sc] : normal[sc];
    if (caps && c >= 'a' && c <= 'z')
        c -= 'a' - 'A';
    else if (caps && c >= 'A' && c <= 'Z')
        c += 'a' - 'A';
    if (ctrl && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
        c &= 0x1F;
    if (c)
        tty_input(tty_console(), c);
}

/* IRQ1: take every keyboard byte the controller holds. */
void kbd_intr(void)
{
    uint8_t st;
    while ((st = inb(KBC_STATUS)) & KBC_STAT_OBF) {
        uint8_t b = inb(KBC_DATA);
        if (!(st & KBC_STAT_AUXB))
            scancode(b);
    }
}

void kbd_init(void)
{
    while (inb(KBC_STATUS) & KBC_STAT_OBF)   /* drop whatever the firmware left */
        inb(KBC_DATA);
    pic_enable(IRQ_KBD);
}
