/* printf.c — a minimal formatter shared by the kernels and the unix libc:
 * %c %s %d %i %u %x %X %p %%, optional '-' and '0' flags, a width, and 'l' (ignored: int is 32-bit). */
#include "common.h"

static int emit_num(putc_fn out, void *arg, uint32_t v, int base, int neg, int width, char pad, int left, int upper)
{
    char buf[12];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0, total = 0;
    do {
        buf[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg)
        buf[n++] = '-';
    if (neg && pad == '0') {          /* sign goes before zero padding */
        out(arg, '-');
        total++;
        n--;
        width--;
    }
    if (!left)
        for (int i = n; i < width; i++, total++)
            out(arg, pad);
    while (n)
        out(arg, buf[--n]), total++;
    if (left)
        for (int i = total; i < width; i++, total++)
            out(arg, ' ');
    return total;
}

int vformat(putc_fn out, void *arg, const char *fmt, va_list ap)
{
    int total = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out(arg, *fmt);
            total++;
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
        case 'c':
            out(arg, (char)va_arg(ap, int));
            total++;
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = (int)strlen(s);
            if (!left)
                for (int i = len; i < width; i++, total++)
                    out(arg, ' ');
            for (int i = 0; i < len; i++, total++)
                out(arg, s[i]);
            if (left)
                for (int i = len; i < width; i++, total++)
                    out(arg, ' ');
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
            out(arg, '0');
            out(arg, 'x');
            total += 2 + emit_num(out, arg, (uint32_t)va_arg(ap, void *), 16, 0, 8, '0', 0, 0);
            break;
        case '%':
            out(arg, '%');
            total++;
            break;
        case 0:
            return total;
        default:
            out(arg, '%');
            out(arg, *fmt);
            total += 2;
        }
    }
    return total;
}

struct sbuf {
    char *p;
    size_t n, len;
};

static void sbuf_putc(void *arg, char c)
{
    struct sbuf *b = arg;
    if (b->len + 1 < b->n)
        b->p[b->len] = c;
    b->len++;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct sbuf b = { buf, n, 0 };
    vformat(sbuf_putc, &b, fmt, ap);
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
