/* malloc.c — a first-fit allocator over memory from brk(2). Each block carries a header with
 * its size and whether it is free; free neighbours are merged when freeing. */
#include "libc.h"

struct header {
    size_t size;                  /* bytes after the header */
    int free;
    struct header *next;          /* next block in address order */
};

static struct header *first, *last;

#define ALIGN(n) (((n) + 15) & ~(size_t)15)

void *malloc(size_t n)
{
    if (n == 0)
        n = 1;
    n = ALIGN(n);
    for (struct header *h = first; h; h = h->next) {
        if (!h->free || h->size < n)
            continue;
        if (h->size >= n + sizeof(struct header) + 16) {   /* split */
            struct header *rest = (struct header *)((char *)(h + 1) + n);
            rest->size = h->size - n - sizeof(struct header);
            rest->free = 1;
            rest->next = h->next;
            if (last == h)
                last = rest;
            h->next = rest;
            h->size = n;
        }
        h->free = 0;
        return h + 1;
    }
    struct header *h = sbrk(sizeof(struct header) + n);
    if (h == (void *)-1)
        return 0;
    h->size = n;
    h->free = 0;
    h->next = 0;
    if (last)
        last->next = h;
    else
        first = h;
    last = h;
    return h + 1;
}

void free(void *p)
{
    if (!p)
        return;
    struct header *h = (struct header *)p - 1;
    h->free = 1;
    for (h = first; h; h = h->next) {          /* merge runs of free blocks */
        while (h->free && h->next && h->next->free &&
               (char *)(h + 1) + h->size == (char *)h->next) {
            if (last == h->next)
                last = h;
            h->size += sizeof(struct header) + h->next->size;
            h->next = h->next->next;
        }
    }
}

void *calloc(size_t n, size_t size)
{
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    struct header *h = (struct header *)p - 1;
    if (h->size >= n)
        return p;
    void *q = malloc(n);
    if (q) {
        memcpy(q, p, h->size);
        free(p);
    }
    return q;
}
