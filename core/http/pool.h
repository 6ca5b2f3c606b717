/*
 * core/http/pool.h - a per-process free list of 16 KiB blocks for the
 * buffers a connection needs only while it is busy (decrypted input,
 * the TLS read-ahead, the response under construction and on its way
 * out). An idle keep-alive connection hands its blocks back, so it costs
 * mbedTLS's record buffers plus a few hundred bytes of ours; a busy one
 * takes a block that is likely still in the CPU cache.
 */
#ifndef PT_HTTP_POOL_H
#define PT_HTTP_POOL_H

#include <stddef.h>

#include "portico/common.h"

#define PT_POOL_BLOCK 16384

/* A block of PT_POOL_BLOCK bytes, from the free list or malloc (never
 * NULL: allocation failure aborts like pt_xmalloc). Owned by the caller
 * until pt_pool_put; it is ordinary malloc memory, so it may also be
 * realloc'ed or freed instead. */
void *pt_pool_get(void);
/* Give a block from pt_pool_get back (NULL is ignored). Kept for reuse
 * up to a cap, freed beyond it. */
void pt_pool_put(void *block);
/* Free every kept block (worker exit, tests). */
void pt_pool_drain(void);

/* A pt_buf with a pool block as storage when it has none yet, so a
 * response does not grow from 64 bytes by doubling. */
void pt_pool_buf_ready(pt_buf *b);
/* Give a pt_buf's storage back: to the pool when it is still one block,
 * to free() when it grew. The buffer is empty and unallocated after. */
void pt_pool_buf_shed(pt_buf *b);

#endif
