/*
 * core/http/pool.c - the free list of 16 KiB connection buffers (see
 * pool.h). Single-threaded by design: each worker process runs one event
 * loop, and only that loop's connections use it.
 */
#include <stdlib.h>

#include "http/pool.h"

#define POOL_KEEP 128   /* at most 2 MiB kept */

static void *kept[POOL_KEEP];
static size_t nkept;

void *pt_pool_get(void)
{
    if (nkept) return kept[--nkept];
    return pt_xmalloc(PT_POOL_BLOCK);
}

void pt_pool_put(void *block)
{
    if (!block) return;
    if (nkept < POOL_KEEP)
        kept[nkept++] = block;
    else
        free(block);
}

void pt_pool_drain(void)
{
    while (nkept) free(kept[--nkept]);
}

void pt_pool_buf_ready(pt_buf *b)
{
    if (b->data) return;
    b->data = pt_pool_get();
    b->cap = PT_POOL_BLOCK;
    b->len = 0;
    b->data[0] = 0;
}

void pt_pool_buf_shed(pt_buf *b)
{
    if (!b->data) return;
    if (b->cap == PT_POOL_BLOCK)
        pt_pool_put(b->data);
    else
        free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
