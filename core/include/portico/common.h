/*
 * portico/common.h - error codes, allocation helpers, growable buffers and
 * per-request arenas shared by the core and every plugin.
 *
 * Conventions used by every Portico header:
 *  - functions return 0 (PT_OK) or a negative PT_E* code; functions that
 *    return a pointer return NULL and put the reason in an out parameter;
 *  - allocation failure aborts the process with a log line (pt_xmalloc and
 *    friends); no Portico function returns NULL because memory ran out;
 *  - "borrowed" means valid until the call returns (or, for a request,
 *    until the request ends); "owned" means the caller frees it with the
 *    function named in the comment.
 */
#ifndef PORTICO_COMMON_H
#define PORTICO_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_VERSION "0.1.0"

/* Error codes. */
enum {
    PT_OK = 0,
    PT_ERR = -1,        /* generic failure, see the message out parameter */
    PT_ENOTFOUND = -2,  /* no such record / route / file                   */
    PT_EEXIST = -3,     /* already exists                                  */
    PT_EINVAL = -4,     /* bad argument or malformed input                 */
    PT_ETOOBIG = -5,    /* over a size limit                               */
    PT_EDECODE = -6,    /* a stored record failed to decode                */
    PT_EIO = -7,        /* I/O error (disk, socket)                        */
    PT_EPERM = -8,      /* not allowed                                     */
    PT_EFULL = -9,      /* store map full                                  */
    PT_EAGAIN = -10,    /* try again later / would block                   */
    PT_ASYNC = 1,       /* (handlers) response will be finished later      */
};

/* A short English description of a PT_E* code. Static string. */
const char *pt_strerror(int code);

/* Allocation that aborts (after logging) instead of returning NULL. */
void *pt_xmalloc(size_t n);
void *pt_xcalloc(size_t n, size_t size);
void *pt_xrealloc(void *p, size_t n);
char *pt_xstrdup(const char *s);
char *pt_xstrndup(const char *s, size_t n);
/* printf into a new heap string; caller frees with free(). */
char *pt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- growable byte buffer ------------------------------------------- */
/* A pt_buf is always NUL-terminated after its len bytes (when data!=NULL).
 * Initialise with PT_BUF_INIT or memset 0; release with pt_buf_free. */
typedef struct pt_buf {
    char *data;
    size_t len;
    size_t cap;
} pt_buf;
#define PT_BUF_INIT {NULL, 0, 0}

void pt_buf_reserve(pt_buf *b, size_t extra);
void pt_buf_append(pt_buf *b, const void *data, size_t len);
void pt_buf_puts(pt_buf *b, const char *s);
void pt_buf_putc(pt_buf *b, char c);
void pt_buf_printf(pt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pt_buf_vprintf(pt_buf *b, const char *fmt, va_list ap);
/* Append s with & < > " ' escaped for HTML text and attributes. */
void pt_buf_html_escape(pt_buf *b, const char *s, size_t len);
void pt_buf_reset(pt_buf *b);             /* len = 0, keeps memory */
void pt_buf_free(pt_buf *b);              /* frees data, zeroes b  */
/* Take ownership of the bytes (free() them); b is left empty. */
char *pt_buf_steal(pt_buf *b);

/* ---- arena ----------------------------------------------------------- */
/* A bump allocator: many small allocations, one free. Every request has
 * one (pt_req_arena); memory from it lives until the request ends. */
typedef struct pt_arena pt_arena;

pt_arena *pt_arena_new(size_t first_block);
void pt_arena_free(pt_arena *a);              /* frees everything       */
void pt_arena_reset(pt_arena *a);             /* keeps the first block  */
void pt_arena_trim(pt_arena *a);              /* reset and give the first
                                                 block back too (it comes
                                                 back on the next alloc) */
void *pt_arena_alloc(pt_arena *a, size_t n);  /* 16-byte aligned, zeroed */
char *pt_arena_strdup(pt_arena *a, const char *s);
char *pt_arena_strndup(pt_arena *a, const char *s, size_t n);
char *pt_arena_printf(pt_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Register fn(ptr) to run when the arena is freed or reset (LIFO). */
void pt_arena_defer(pt_arena *a, void (*fn)(void *), void *ptr);

/* ---- small helpers ---------------------------------------------------- */
/* Monotonic and wall clock in milliseconds / microseconds. */
uint64_t pt_now_ms(void);
uint64_t pt_now_us(void);
uint64_t pt_wall_ms(void);

/* Constant-time comparison; 1 when equal. */
int pt_ct_equal(const void *a, const void *b, size_t n);

#endif
