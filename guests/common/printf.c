/* printf.c — a minimal formatter shared by the kernels and the unix libc:
 * %c %s %d %i %u %x %X %p %%, optional '-' and '0' flags, a width, and 'l' (ignored: int is 32-bit).
 * It formats into a small buffer of its own and hands the sink whole buffers (so a snprintf is
 * one copy, a dprintf one write), not a call per character or per conversion. */
#include "common.h"

struct fmt {
    write_fn out;
    void *arg;
    char *p;                        /* the next free byte of b */
    int flushed;                    /* bytes handed to out so far */
    char b[128];
};

#define FMT_END(f) ((f)->b + sizeof (f)->b)

static void flush(struct fmt *f)
{
    int n = f->p - f->b;
    if (n) {
        f->out(f->arg, f->b, n);
        f->flushed += n;
        f->p = f->b;
    }
}

static inline void put(struct fmt *f, char c)
{
    *f->p++ = c;
    if (f->p == FMT_END(f))
        flush(f);
}

/* Copy the NUL-terminated s */
static void put_str(struct fmt *f, const char *s)
{
    for (;;) {
        char *p = f->p, *end = FMT_END(f);
        while (*s && p < end)              /* the hot loop: pointers in registers */
            *p++ = *s++;
        f->p = p;
        if (!*s)
            return;
        flush(f);
    }
}

static void pad(struct fmt *f, char c, int n)
{
    while (n-- > 0)
        put(f, c);
}

static void number(struct fmt *f, uint32_t v, int base, int neg, int width, char padc, int left, int upper)
{
    char buf[12];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0, len;
    do {
        buf[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg && padc == '0') {          /* sign goes before zero padding */
        put(f, '-');
        width--;
    } else if (neg) {
        buf[n++] = '-';
    }
    len = n;
    if (!left)
        pad(f, padc, width - n);
    while (n)
        put(f, buf[--n]);
    if (left)
        pad(f, ' ', width - len - (neg && padc == '0'));
}

int vformat(write_fn out, void *arg, const char *fmt, va_list ap)
{
    struct fmt f;
    f.out = out;
    f.arg = arg;
    f.p = f.b;
    f.flushed = 0;
    for (;;) {
        char *p = f.p, *end = FMT_END(&f);  /* literal text, up to a '%' */
        while (*fmt && *fmt != '%' && p < end)
            *p++ = *fmt++;
        f.p = p;
        if (p == end) {
            flush(&f);
            continue;
        }
        if (!*fmt)
            break;
        fmt++;
        int left = 0, width = 0;
        char padc = ' ';
        if (*fmt == '-') {
            left = 1;
            fmt++;
        }
        if (*fmt == '0') {
            padc = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            fmt++;
        switch (*fmt) {
        case 'c':
            put(&f, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = width ? (int)strlen(s) : 0;
            if (!left)
                pad(&f, ' ', width - len);
            put_str(&f, s);
            if (left)
                pad(&f, ' ', width - len);
            break;
        }
        case 'd':
        case 'i': {
            int v = va_arg(ap, int);
            number(&f, v < 0 ? -(uint32_t)v : (uint32_t)v, 10, v < 0, width, padc, left, 0);
            break;
        }
        case 'u':
            number(&f, va_arg(ap, uint32_t), 10, 0, width, padc, left, 0);
            break;
        case 'x':
        case 'X':
            number(&f, va_arg(ap, uint32_t), 16, 0, width, padc, left, *fmt == 'X');
            break;
        case 'p':
            put(&f, '0');
            put(&f, 'x');
            number(&f, (uint32_t)va_arg(ap, void *), 16, 0, 8, '0', 0, 0);
            break;
        case '%':
            put(&f, '%');
            break;
        case 0:
            flush(&f);
            return f.flushed;
        default:
            put(&f, '%');
            put(&f, *fmt);
        }
        fmt++;
    }
    flush(&f);
    return f.flushed;
}

struct sbuf {
    char *p;
    size_t n, len;
};

static void sbuf_write(void *arg, const char *s, int k)
{
    struct sbuf *b = arg;
    if (b->len + 1 < b->n) {
        size_t room = b->n - 1 - b->len;
        memcpy(b->p + b->len, s, (size_t)k < room ? (size_t)k : room);
    }
    b->len += k;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct sbuf b = { buf, n, 0 };
    vformat(sbuf_write, &b, fmt, ap);
    if (n)
        buf[b.len < n ? b.len : n - 1] = 0;
    return (int)b.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}
