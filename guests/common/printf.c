/* printf.c — a minimal formatter shared by the kernels and the unix libc:
 * %c %s %d %i %u %x %X %p %%, optional '-' and '0' flags, a width, and 'l' (ignored: int is 32-bit).
 * It formats into a small buffer of its own and hands the sink whole buffers (so a snprintf is
 * one copy, a dprintf one write), not a call per character or per conversion. */
#include "common.h"

struct fmt {
    write_fn out;
    void *arg;
    int n;                          /* bytes in b */
    int total;                      /* bytes produced so far */
    char b[128];
};

static void flush(struct fmt *f)
{
    if (f->n) {
        f->out(f->arg, f->b, f->n);
        f->n = 0;
    }
}

static inline void put(struct fmt *f, char c)
{
    f->b[f->n++] = c;
    f->total++;
    if (f->n == (int)sizeof f->b)
        flush(f);
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
    int n = 0, start = f->total;
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
    if (!left)
        pad(f, padc, width - n);
    while (n)
        put(f, buf[--n]);
    if (left)
        pad(f, ' ', width - (f->total - start));
}

int vformat(write_fn out, void *arg, const char *fmt, va_list ap)
{
    struct fmt f;
    f.out = out;
    f.arg = arg;
    f.n = f.total = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&f, *fmt);
            continue;
        }
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
            if (!width) {                  /* the common case: no length needed */
                while (*s)
                    put(&f, *s++);
                break;
            }
            int len = (int)strlen(s);
            if (!left)
                pad(&f, ' ', width - len);
            while (*s)
                put(&f, *s++);
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
            return f.total;
        default:
            put(&f, '%');
            put(&f, *fmt);
        }
    }
    flush(&f);
    return f.total;
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
