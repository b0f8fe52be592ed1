/* stdio.c — formatted output straight to file descriptors (no FILE buffering: each printf
 * is one write), error messages, and line input. */
#include "libc.h"

ssize_t write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    size_t done = 0;
    while (done < n) {
        ssize_t r = write(fd, p + done, n - done);
        if (r <= 0)
            return -1;
        done += r;
    }
    return (ssize_t)done;
}

struct outbuf {
    int fd;
    int len;
    int total;
    char buf[512];
};

static void out_write(void *arg, const char *s, int n)
{
    struct outbuf *o = arg;
    o->total += n;
    while (n > 0) {
        if (o->len == (int)sizeof o->buf) {
            write_all(o->fd, o->buf, o->len);
            o->len = 0;
        }
        int k = (int)sizeof o->buf - o->len < n ? (int)sizeof o->buf - o->len : n;
        memcpy(o->buf + o->len, s, k);
        o->len += k, s += k, n -= k;
    }
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
    struct outbuf o;
    o.fd = fd;
    o.len = o.total = 0;
    vformat(out_write, &o, fmt, ap);
    if (o.len)
        write_all(fd, o.buf, o.len);
    return o.total;
}

int dprintf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(fd, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(1, fmt, ap);
    va_end(ap);
    return n;
}

int fputs(const char *s, int fd)
{
    return write_all(fd, s, strlen(s)) < 0 ? -1 : 0;
}

int puts(const char *s)
{
    return dprintf(1, "%s\n", s) < 0 ? -1 : 0;
}

int putchar(int c)
{
    char ch = (char)c;
    return write(1, &ch, 1) == 1 ? c : -1;
}

const char *strerror(int err)
{
    switch (err) {
    case EPERM: return "Operation not permitted";
    case ENOENT: return "No such file or directory";
    case ESRCH: return "No such process";
    case EINTR: return "Interrupted system call";
    case EIO: return "I/O error";
    case E2BIG: return "Argument list too long";
    case ENOEXEC: return "Exec format error";
    case EBADF: return "Bad file descriptor";
    case ECHILD: return "No child processes";
    case EAGAIN: return "Resource temporarily unavailable";
    case ENOMEM: return "Out of memory";
    case EACCES: return "Permission denied";
    case EFAULT: return "Bad address";
    case EBUSY: return "Device or resource busy";
    case EEXIST: return "File exists";
    case ENOTDIR: return "Not a directory";
    case EISDIR: return "Is a directory";
    case EINVAL: return "Invalid argument";
    case EMFILE: return "Too many open files";
    case ENOTTY: return "Not a tty";
    case EFBIG: return "File too large";
    case ENOSPC: return "No space left on device";
    case ESPIPE: return "Illegal seek";
    case EROFS: return "Read-only file system";
    case EPIPE: return "Broken pipe";
    case ERANGE: return "Result out of range";
    case ENAMETOOLONG: return "File name too long";
    case ENOSYS: return "Function not implemented";
    case ENOTEMPTY: return "Directory not empty";
    }
    return "Unknown error";
}

void perror(const char *what)
{
    dprintf(2, "%s: %s\n", what, strerror(errno));
}

/* Byte at a time, so nothing past the newline is consumed from a pipe or file. */
int read_line(int fd, char *buf, int size)
{
    int n = 0;
    while (n < size - 1) {
        char c;
        int r = read(fd, &c, 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return n ? n : -1;
        }
        if (r == 0)
            break;
        buf[n++] = c;
        if (c == '\n')
            break;
    }
    buf[n] = 0;
    return n;
}
