/* pvchan.c — the "tabvisor pvchan" ISA device: byte streams between the guest and the host
 * (docs/containers.md is the ABI). Stream 0 is the control channel, read and written raw by
 * ctrd through /dev/pvctl (major DEV_PVCHAN, minor 0); stream k (1..255) is the console of
 * container k, a terminal with its own line discipline (tty.c) behind /dev/pvconK (minor k).
 *
 *   0x510 PV_SELECT  (write, 16-bit) select the stream for PV_DATA and PV_STATUS
 *   0x512 PV_DATA    read: next host-to-guest byte (0xFF if none); write: one byte to the host
 *   0x513 PV_STATUS  read: bit 0 the selected stream has input, bit 1 some stream has, bit 7
 *                    present; write: bit 0 holds (1) or releases (0) the selected stream's input
 *   0x514 PV_PENDING (read, 16-bit) lowest stream with input, or 0xFFFF
 *   IRQ 5, level: asserted while any stream has input.
 *
 * A stream's terminal is made when its device is first opened; input for a stream nobody
 * opened is read and dropped (so the level interrupt goes away). Control bytes are kept until
 * ctrd reads them: the first one to arrive sends SIGUSR1 to init, which starts ctrd, so a
 * machine whose host never speaks on the control stream runs no daemon (and its transcripts
 * are those of a machine without the device).
 *
 * Flow control: a stream whose terminal (or the control ring) is full is held — the device
 * keeps its bytes and leaves it out of PV_PENDING and the interrupt — until readers make room. */
#include "defs.h"

#define PV_SELECT  0x510
#define PV_DATA    0x512
#define PV_STATUS  0x513
#define PV_PENDING 0x514
#define PV_STATUS_INPUT   0x01
#define PV_STATUS_PRESENT 0x80
#define PV_STATUS_HOLD    0x01        /* written: hold the selected stream's input */
#define PV_NONE    0xFFFF

#define STREAM_RAW 1024               /* a container console's raw input buffer */
#define CTL_SIZE   4096               /* the control stream's input ring */

struct stream_tty {
    struct tty tty;
    char raw[STREAM_RAW];
};

static int present;
static int knocked;                   /* init has been told to start ctrd */
static struct stream_tty *ttys[NSTREAM];
static char ctl_buf[CTL_SIZE];
static uint32_t ctl_r, ctl_w;
static int ctl_held;

int pvchan_present(void)
{
    return present;
}

/* Host-bound bytes on stream k. */
static void send(int k, const char *s, int n)
{
    outw(PV_SELECT, (uint16_t)k);
    __asm__ volatile("cld; rep outsb" : "+S"(s), "+c"(n) : "d"(PV_DATA) : "memory");
}

static void tty_out(struct tty *t, const char *s, int n)
{
    send(t->stream, s, n);
}

/* Hold (1) or release (0) stream k's input in the device. */
static void hold(int k, int on)
{
    outw(PV_SELECT, (uint16_t)k);
    outb(PV_STATUS, on ? PV_STATUS_HOLD : 0);
}

static void stream_release(struct tty *t)
{
    hold(t->stream, 0);
}

void pvchan_init(void)
{
    uint8_t status = inb(PV_STATUS);
    present = status != 0xFF && (status & PV_STATUS_PRESENT);
    if (!present)
        return;
    struct inode *dev = vfs_lookup(root_inode, "dev"), *ip;   /* /dev/pvctl: the control stream */
    if (dev && vfs_create(dev, "pvctl", I_CHR, 0600, &ip) == 0) {
        ip->major = DEV_PVCHAN;
        ip->minor = 0;
        iput(ip);
    }
    iput(dev);
    pic_enable(IRQ_PVCHAN);       /* quietly: the boot log is the same with and without the device */
    pvchan_intr();                /* bytes the host queued before we listened (one edge only) */
}

struct tty *pvchan_tty(int k)
{
    if (!present || k <= 0 || k >= NSTREAM)
        return 0;
    if (!ttys[k]) {
        struct stream_tty *st = kmalloc_nz(sizeof *st);    /* the buffers need no clearing */
        if (!st)
            return 0;
        st->tty.raw_r = st->tty.raw_w = 0;
        st->tty.line_len = st->tty.ready_len = st->tty.ready_off = st->tty.eof = st->tty.fg_pgid = 0;
        st->tty.raw = st->raw;
        st->tty.raw_size = STREAM_RAW;
        st->tty.out = tty_out;
        st->tty.held = 0;
        st->tty.release = stream_release;
        st->tty.stream = k;
        ttys[k] = st;
    }
    return &ttys[k]->tty;
}

/* Room for stream k's input: the control ring's, its terminal's, or -1 for a stream nobody
 * opened (its bytes are read and dropped). */
static int room_for(int k)
{
    if (k == 0)
        return (int)(CTL_SIZE - (ctl_w - ctl_r));
    return ttys[k] ? tty_room(&ttys[k]->tty) : -1;
}

/* IRQ 5: drain every stream with input (a full one is held instead, see above). */
void pvchan_intr(void)
{
    if (!present)
        return;
    for (int guard = 0; guard < NSTREAM; guard++) {
        uint16_t k = inw(PV_PENDING);
        if (k == PV_NONE || k >= NSTREAM)
            break;
        outw(PV_SELECT, k);
        while (room_for(k) != 0 && (inb(PV_STATUS) & PV_STATUS_INPUT)) {
            char c = (char)inb(PV_DATA);
            if (k == 0)
                ctl_buf[ctl_w++ % CTL_SIZE] = c;
            else if (ttys[k])
                tty_input(&ttys[k]->tty, c);
        }
        if (room_for(k) == 0 && (inb(PV_STATUS) & PV_STATUS_INPUT)) {
            outb(PV_STATUS, PV_STATUS_HOLD);
            if (k == 0)
                ctl_held = 1;
            else
                ttys[k]->tty.held = 1;
        }
    }
    pvchan_knock();
    wakeup(ctl_buf);
}

/* Control bytes are waiting and init exists: ask it (once) to start ctrd. */
void pvchan_knock(void)
{
    if (ctl_r != ctl_w && !knocked && proc_init_proc()) {
        knocked = 1;
        signal_send(proc_init_proc(), SIGUSR1);
    }
}

/* The control stream: reads return what has arrived (at least one byte; -EINTR on a signal). */
int pvchan_ctl_read(char *dst, int n)
{
    while (ctl_r == ctl_w) {
        if (signal_interrupted(current))
            return -EINTR;
        sleep_on(ctl_buf);
    }
    int k = 0;
    while (k < n && ctl_r != ctl_w)
        dst[k++] = ctl_buf[ctl_r++ % CTL_SIZE];
    if (ctl_held && ctl_w - ctl_r <= CTL_SIZE / 2) {
        ctl_held = 0;
        hold(0, 0);
    }
    return k;
}

int pvchan_ctl_write(const char *src, int n)
{
    send(0, src, n);
    return n;
}
