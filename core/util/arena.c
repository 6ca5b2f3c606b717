/*
 * core/util/arena.c - the bump allocator behind every request
 * (pt_arena, see portico/common.h). Blocks are chained; big allocations
 * get a block of their own; deferred destructors run LIFO on free/reset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portico/common.h"

typedef struct block {
    struct block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} block;

typedef struct deferred {
    struct deferred *next;
    void (*fn)(void *);
    void *ptr;
} deferred;

struct pt_arena {
    block *head;   /* current block (first allocated is last in chain) */
    block *first;
    size_t first_size;
    deferred *defers;
};

static block *block_new(size_t size)
{
    block *b = pt_xmalloc(sizeof(block) + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

pt_arena *pt_arena_new(size_t first_block)
{
    pt_arena *a = pt_xcalloc(1, sizeof *a);
    a->first_size = first_block ? first_block : 4096;
    a->first = a->head = block_new(a->first_size);
    return a;
}

static void run_defers(pt_arena *a)
{
    while (a->defers) {
        deferred *d = a->defers;
        a->defers = d->next;
        d->fn(d->ptr);
    }
}

void pt_arena_reset(pt_arena *a)
{
    run_defers(a);
    block *b = a->head;
    while (b && b != a->first) {
        block *n = b->next;
        free(b);
        b = n;
    }
    a->head = a->first;
    if (a->first) {
        a->first->used = 0;
        a->first->next = NULL;
    }
}

void pt_arena_trim(pt_arena *a)
{
    pt_arena_reset(a);
    free(a->first);
    a->first = a->head = NULL;
}

void pt_arena_free(pt_arena *a)
{
    if (!a) return;
    pt_arena_reset(a);
    free(a->first);
    free(a);
}

void *pt_arena_alloc(pt_arena *a, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0) n = 16;
    if (!a->first) a->first = a->head = block_new(a->first_size);   /* after a trim */
    block *b = a->head;
    if (b->size - b->used < n) {
        size_t size = n > a->first_size ? n : a->first_size * 2;
        block *nb = block_new(size);
        nb->next = a->head;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *pt_arena_strndup(pt_arena *a, const char *s, size_t n)
{
    char *p = pt_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *pt_arena_strdup(pt_arena *a, const char *s)
{
    return pt_arena_strndup(a, s, strlen(s));
}

char *pt_arena_printf(pt_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pt_buf b = PT_BUF_INIT;
    pt_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *p = pt_arena_strndup(a, b.data ? b.data : "", b.len);
    pt_buf_free(&b);
    return p;
}

void pt_arena_defer(pt_arena *a, void (*fn)(void *), void *ptr)
{
    deferred *d = pt_arena_alloc(a, sizeof *d);
    d->fn = fn;
    d->ptr = ptr;
    d->next = a->defers;
    a->defers = d;
}
