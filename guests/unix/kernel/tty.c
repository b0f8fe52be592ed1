/* tty.c — the line discipline of a terminal (canonical mode only): the console, and each
 * container console on a pvchan stream (pvchan.c). A terminal writes through its `out`
 * function; its raw buffer is its owner's.
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
 *
 * Flow control: drivers stop taking bytes when the raw ring is full (tty_room) and leave the
 * rest in their device, marking the terminal held; once readers have emptied half the ring,
 * `release` lets the device deliver again. Nothing typed or piped is dropped, however long.
 */
#include "defs.h"

#define CONSOLE_RAW_SIZE 16384     /* piped scripts of a few hundred lines fit */
#define CTRL(c) ((c) & 0x1F)

static char console_raw[CONSOLE_RAW_SIZE];
static void console_out(struct tty *t, const char *s, int n)
{
    console_write(s, n);
}
static struct tty console_tty = { .raw = console_raw, .raw_size = CONSOLE_RAW_SIZE, .out = console_out, .release = console_release };

struct tty *tty_console(void)
{
    return &console_tty;
}

/* The terminal behind a character device, or 0 if it is not one. */
struct tty *tty_of(int major, int minor)
{
    if (major == DEV_CONSOLE)
        return &console_tty;
    if (major == DEV_PVCHAN && minor > 0)
        return pvchan_tty(minor);
    return 0;
}

static void echo(struct tty *t, const char *s, int n)
{
    t->out(t, s, n);
}

int tty_room(struct tty *t)
{
    return (int)(t->raw_size - (t->raw_w - t->raw_r));
}

/* A held terminal with half its ring free: let its device deliver again. (The kernel runs
 * with interrupts off, so a driver's shared registers, like pvchan's PV_SELECT, are safe.) */
static void release_if_room(struct tty *t)
{
    if (!t->held || tty_room(t) < (int)t->raw_size / 2)
        return;
    t->held = 0;
    if (t->release)
        t->release(t);
}

/* From an interrupt handler, only while tty_room(t) > 0 (a full ring drops the byte). */
void tty_input(struct tty *t, char c)
{
    if (c == CTRL('C')) {
        echo(t, "^C\n", 3);
        t->raw_r = t->raw_w;
        t->line_len = 0;
        t->ready_len = t->ready_off = 0;
        if (t->fg_pgid > 0)
            signal_pgrp(t->fg_pgid, SIGINT);
        release_if_room(t);
        return;
    }
    if (t->raw_w - t->raw_r == t->raw_size)
        return;                                  /* full: drop */
    t->raw[t->raw_w++ % t->raw_size] = c;
    wakeup(t);
}

/* Cook raw bytes until a line (or EOF) is ready. */
static void cook(struct tty *t)
{
    while (t->ready_off == t->ready_len && !t->eof && t->raw_r != t->raw_w) {
        char c = t->raw[t->raw_r++ % t->raw_size];
        if (c == '\r')
            c = '\n';
        if (c == '\n' || c == CTRL('D')) {
            if (c == CTRL('D') && t->line_len == 0) {
                t->eof = 1;
                break;
            }
            if (c == '\n') {
                t->line[t->line_len++] = '\n';
                echo(t, "\n", 1);
            }
            memcpy(t->ready, t->line, t->line_len);
            t->ready_len = t->line_len;
            t->ready_off = 0;
            t->line_len = 0;
        } else if (c == 0x7F || c == '\b') {
            if (t->line_len > 0) {
                t->line_len--;
                echo(t, "\b \b", 3);
            }
        } else if (c == CTRL('U')) {
            while (t->line_len > 0) {
                t->line_len--;
                echo(t, "\b \b", 3);
            }
        } else if (t->line_len < TTY_LINE - 1) {
            t->line[t->line_len++] = c;
            echo(t, &c, 1);
        }
    }
    release_if_room(t);
}

/* Read up to n bytes of one line into a kernel buffer; 0 at end of file, -EINTR on a signal. */
int tty_read(struct tty *t, char *dst, int n)
{
    for (;;) {
        cook(t);
        if (t->ready_off < t->ready_len) {
            int k = t->ready_len - t->ready_off;
            if (k > n)
                k = n;
            memcpy(dst, t->ready + t->ready_off, k);
            t->ready_off += k;
            return k;
        }
        if (t->eof) {
            t->eof = 0;
            return 0;
        }
        if (signal_interrupted(current))
            return -EINTR;
        sleep_on(t);
    }
}

/* Forget everything typed and not yet read (type-ahead, a pending ^D, the foreground group):
 * a container console's terminal serves the next container on its stream, which must not read
 * what was typed for the one before (Linux gives each its own pty instead). */
void tty_reset(struct tty *t)
{
    t->raw_r = t->raw_w;
    t->line_len = 0;
    t->ready_len = t->ready_off = 0;
    t->eof = 0;
    t->fg_pgid = 0;
    release_if_room(t);
}

int tty_write(struct tty *t, const char *src, int n)
{
    t->out(t, src, n);
    return n;
}

int tty_ioctl(struct tty *t, uint32_t cmd, uint32_t arg)
{
    switch (cmd) {
    case TCGETS:
        return 0;                                /* "is a terminal"; termios itself not kept */
    case TIOCGPGRP: {                            /* process groups as the caller's PID namespace numbers them */
        int nr = 0;
        for (struct proc *p = proc_table; p < proc_table + nproc && !nr; p++)
            if (p->state != UNUSED && p->state != ZOMBIE && p->pgid == t->fg_pgid)
                nr = pgid_nr(p, current->pidns);
        return copyout(current->pgdir, arg, &nr, 4) < 0 ? -EFAULT : 0;
    }
    case TIOCSPGRP: {
        int nr;
        if (copyin(current->pgdir, &nr, arg, 4) < 0)
            return -EFAULT;
        if (pgid_nr(current, current->pidns) == nr) {   /* the usual case: a shell makes its own group foreground */
            t->fg_pgid = current->pgid;
            return 0;
        }
        for (struct proc *p = proc_table; p < proc_table + nproc; p++) {
            if (p->state != UNUSED && p->state != ZOMBIE && pgid_nr(p, current->pidns) == nr) {
                t->fg_pgid = p->pgid;
                return 0;
            }
        }
        if (current->pidns != pidns_root())
            return -EPERM;
        t->fg_pgid = nr;                         /* a group about to exist (as before namespaces) */
        return 0;
    }
    case TIOCGWINSZ: {
        struct winsize ws = { VGA_ROWS, VGA_COLS, 0, 0 };
        return copyout(current->pgdir, arg, &ws, sizeof ws) < 0 ? -EFAULT : 0;
    }
    }
    return -ENOTTY;
}
