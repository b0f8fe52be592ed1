/* string.c — the freestanding string and memory routines (GCC may emit calls to memcpy/memset).
 * The memory ones use the string instructions (REP STOS/MOVS, SDM Vol. 2B "REP/REPE/REPZ"):
 * dwords, then the remaining bytes. They leave EFLAGS.DF clear, as the i386 ABI wants. */
#include "common.h"

void *memset(void *d, int c, size_t n)
{
    void *p = d;
    uint32_t v = (unsigned char)c * 0x01010101u;
    size_t words = n / 4, rest = n % 4;
    __asm__ volatile("cld; rep stosl" : "+D"(p), "+c"(words) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(p), "+c"(rest) : "a"(v) : "memory");
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    void *p = d;
    size_t words = n / 4, rest = n % 4;
    __asm__ volatile("cld; rep movsl" : "+D"(p), "+S"(s), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(rest) : : "memory");
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    if ((uintptr_t)d - (uintptr_t)s >= n)      /* d below s, or past its end: forward is safe */
        return memcpy(d, s, n);
    void *p = (char *)d + n - 1;               /* overlapping with d above s: backwards, bytewise */
    const void *q = (const char *)s + n - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(p), "+S"(q), "+c"(n) : : "memory");
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

/* Nonzero if some byte of w is 0 (the classic bit trick: only a zero byte borrows into its top bit). */
#define HAS_ZERO(w) (((w) - 0x01010101u) & ~(w) & 0x80808080u)

size_t strlen(const char *s)
{
    const char *p = s;
    while ((uintptr_t)p & 3) {                 /* to a word boundary: aligned words never cross a page */
        if (!*p)
            return p - s;
        p++;
    }
    for (uint32_t w = *(const uint32_t *)p; !HAS_ZERO(w); w = *(const uint32_t *)p)
        p += 4;
    while (*p)
        p++;
    return p - s;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}

char *strncpy(char *d, const char *s, size_t n)
{
    size_t i = 0;
    for (; i < n && s[i]; i++)
        d[i] = s[i];
    for (; i < n; i++)
        d[i] = 0;
    return d;
}

size_t strlcpy(char *d, const char *s, size_t n)
{
    size_t len = strlen(s);
    if (n) {
        size_t k = len < n - 1 ? len : n - 1;
        memcpy(d, s, k);
        d[k] = 0;
    }
    return len;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return 0;
    }
}
