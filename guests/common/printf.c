/* printf.c — a minimal formatter shared by the kernels and the unix libc:
 * %c %s %d %i %u %x %X %p %%, optional '-' and '0' flags, a width, and 'l' (ignored: int is 32-bit).
 * Output goes to the sink in runs (literal text between conversions, whole strings, whole
 * numbers), not a call per character. */
#include "common.h"

static int pad_slow(write_fn out, void *arg, char pad, int n)
{
    static const char spaces[] = "                ", zeros[] = "0000000000000000";
    int total = n > 0 ? n : 0;
    for (; n > 0; n -= 16)
        out(arg, pad == '0' ? zeros : spaces, n < 16 ? n : 16);
    return total;
}

/* n pad characters (none if n <= 0: the common case, no call) */
#define pad_to(out, arg, pad, n) ((n) > 0 ? pad_slow(out, arg, pad, n) : 0)

static int emit_num(write_fn out, void *arg, uint32_t v, int base, int neg, int width, char pad, int left, int upper)
{
    char buf[12];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0, total = 0;
    do {
        buf[sizeof buf - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg && pad == '0') {          /* sign goes before zero padding */
        out(arg, "-", 1);
        total++;
        width--;
    } else if (neg) {
        buf[sizeof buf - 1 - n++] = '-';
    }
    if (!left)
        total += pad_to(out, arg, pad, width - n);
    out(arg, buf + sizeof buf - n, n);
    total += n;
    if (left)
        total += pad_to(out, arg, ' ', width - total);
    return total;
}

/* The end of the literal text at p: its first '%' or NUL, a word at a time where it can
 * (aligned words, so never past the page the string ends in). */
static const char *literal_end(const char *p)
{
    while ((uintptr_t)p & 3) {
        if (!*p || *p == '%')
            return p;
        p++;
    }
    for (;;) {
        uint32_t w = *(const uint32_t *)p, x = w ^ 0x25252525u;   /* '%' bytes of w become 0 in x */
        if (((w - 0x01010101u) & ~w & 0x80808080u) | ((x - 0x01010101u) & ~x & 0x80808080u))
            break;
        p += 4;
    }
    while (*p && *p != '%')
        p++;
    return p;
}

int vformat(write_fn out, void *arg, const char *fmt, va_list ap)
{
    int total = 0;
    while (*fmt) {
        if (*fmt != '%') {
            const char *run = fmt;
            fmt = literal_end(fmt);
            out(arg, run, fmt - run);
            total += fmt - run;
            continue;
        }
        fmt++;
        int left = 0, width = 0;
        char pad = ' ';
        if (*fmt == '-') {
            left = 1;
            fmt++;
        }
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            fmt++;
        switch (*fmt) {
        case 'c': {
            char c = (char)va_arg(ap, int);
            out(arg, &c, 1);
            total++;
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = (int)strlen(s);
            if (!left)
                total += pad_to(out, arg, ' ', width - len);
            out(arg, s, len);
            total += len;
            if (left)
                total += pad_to(out, arg, ' ', width - len);
            break;
        }
        case 'd':
        case 'i': {
            int v = va_arg(ap, int);
            total += emit_num(out, arg, v < 0 ? -(uint32_t)v : (uint32_t)v, 10, v < 0, width, pad, left, 0);
            break;
        }
        case 'u':
            total += emit_num(out, arg, va_arg(ap, uint32_t), 10, 0, width, pad, left, 0);
            break;
        case 'x':
        case 'X':
            total += emit_num(out, arg, va_arg(ap, uint32_t), 16, 0, width, pad, left, *fmt == 'X');
            break;
        case 'p':
            out(arg, "0x", 2);
            total += 2 + emit_num(out, arg, (uint32_t)va_arg(ap, void *), 16, 0, 8, '0', 0, 0);
            break;
        case '%':
            out(arg, "%", 1);
            total++;
            break;
        case 0:
            return total;
        default:
            out(arg, "%", 1);
            out(arg, fmt, 1);
            total += 2;
        }
        fmt++;
    }
    return total;
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
