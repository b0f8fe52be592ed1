/* tty.c — the line discipline of the console terminal (canonical mode only).
 *
 * Input bytes arrive from the UART interrupt into a raw queue. They are "cooked" — echoed and
 * edited into lines — only while a reader waits for a line, and only up to the end of that
 * line. So type-ahead is echoed when it is read, and a transcript is the same however fast the
 * input arrived (QEMU and tabvisor deliver piped input at different times).
 *
 *   '\r' or '\n'   end of line (echoed as a newline)
 *   0x7F or '\b'   erase one character (echo "\b \b")
 *   ^U             erase the line
 *   ^D             end of file: a read of an empty line returns 0
 *   ^C             at once, even with nobody reading: echo "^C", flush all input,
 *                  SIGINT to the foreground process group
 */
#include "defs.h"

#define RAW_SIZE  4096
#define LINE_SIZE 256
#define CTRL(c) ((c) & 0x1F)

static struct {
    char raw[RAW_SIZE];          /* ring: bytes received, not yet cooked */
    uint32_t raw_r, raw_w;
    char line[LINE_SIZE];        /* the line being edited */
    int line_len;
    char ready[LINE_SIZE + 1];   /* a finished line, handed to readers */
    int ready_len, ready_off;
    int eof;                     /* ^D on an empty line */
    int fg_pgid;                 /* foreground process group: gets SIGINT */
} tty;

static void echo(const char *s, int n)
{
    console_write(s, n);
}

void tty_set_fg(int pgid)
{
    tty.fg_pgid = pgid;
}

/* From the interrupt handler. */
void tty_input(char c)
{
    if (c == CTRL('C')) {
        echo("^C\n", 3);
        tty.raw_r = tty.raw_w;
        tty.line_len = 0;
        tty.ready_len = tty.ready_off = 0;
        if (tty.fg_pgid > 0)
            signal_kill(-tty.fg_pgid, SIGINT);
        return;
    }
    if (tty.raw_w - tty.raw_r == RAW_SIZE)
        return;                                  /* full: drop */
    tty.raw[tty.raw_w++ % RAW_SIZE] = c;
    wakeup(&tty);
}

/* Cook raw bytes until a line (or EOF) is ready. */
static void cook(void)
{
    while (tty.ready_off == tty.ready_len && !tty.eof && tty.raw_r != tty.raw_w) {
        char c = tty.raw[tty.raw_r++ % RAW_SIZE];
        if (c == '\r')
            c = '\n';
        if (c == '\n' || c == CTRL('D')) {
            if (c == CTRL('D') && tty.line_len == 0) {
                tty.eof = 1;
                break;
            }
            if (c == '\n') {
                tty.line[tty.line_len++] = '\n';
                echo("\n", 1);
            }
            memcpy(tty.ready, tty.line, tty.line_len);
            tty.ready_len = tty.line_len;
            tty.ready_off = 0;
            tty.line_len = 0;
        } else if (c == 0x7F || c == '\b') {
            if (tty.line_len > 0) {
                tty.line_len--;
                echo("\b \b", 3);
            }
        } else if (c == CTRL('U')) {
            while (tty.line_len > 0) {
                tty.line_len--;
                echo("\b \b", 3);
            }
        } else if (tty.line_len < LINE_SIZE - 1) {
            tty.line[tty.line_len++] = c;
            echo(&c, 1);
        }
    }
}

/* Read up to n bytes of one line into a kernel buffer; 0 at end of file, -EINTR on a signal. */
int tty_read(char *dst, int n)
{
    for (;;) {
        cook();
        if (tty.ready_off < tty.ready_len) {
            int k = tty.ready_len - tty.ready_off;
            if (k > n)
                k = n;
            memcpy(dst, tty.ready + tty.ready_off, k);
            tty.ready_off += k;
            return k;
        }
        if (tty.eof) {
            tty.eof = 0;
            return 0;
        }
        if (signal_interrupted(current))
            return -EINTR;
        sleep_on(&tty);
    }
}

int tty_write(const char *src, int n)
{
    console_write(src, n);
    return n;
}

int tty_ioctl(uint32_t cmd, uint32_t arg)
{
    switch (cmd) {
    case TCGETS:
        return 0;                                /* "is a terminal"; termios itself not kept */
    case TIOCGPGRP:
        return copyout(current->pgdir, arg, &tty.fg_pgid, 4) < 0 ? -EFAULT : 0;
    case TIOCSPGRP: {
        int pgid;
        if (copyin(current->pgdir, &pgid, arg, 4) < 0)
            return -EFAULT;
        tty.fg_pgid = pgid;
        return 0;
    }
    case TIOCGWINSZ: {
        struct winsize ws = { VGA_ROWS, VGA_COLS, 0, 0 };
        return copyout(current->pgdir, arg, &ws, sizeof ws) < 0 ? -EFAULT : 0;
    }
    }
    return -ENOTTY;
}
