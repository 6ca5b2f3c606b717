/*
 * core/store/id.c - 63-bit time-sortable ids and their 13-character
 * Crockford base32 text form (layout in portico/store.h).
 *
 * The generator keeps the last id in one atomic word and moves it forward
 * with compare-and-swap: the next id is the first id of the current
 * millisecond for this worker if that is larger than the last, else last+1
 * (the sequence), borrowing the next millisecond when 8192 are used up.
 * So ids never go backwards within a process, even if the clock does.
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"

#define SEQ_BITS 13
#define WORKER_BITS 8
#define LOW_BITS (SEQ_BITS + WORKER_BITS)
#define SEQ_MASK ((1u << SEQ_BITS) - 1)
#define WORKER_MASK ((1u << WORKER_BITS) - 1)
#define MS_MAX ((UINT64_C(1) << 42) - 1)

static _Atomic uint64_t last_id;
static _Atomic uint32_t worker;     /* the worker field */
static _Atomic pid_t seeded_pid;    /* pid that called pt_id_seed (0 = never) */

void pt_id_seed(uint32_t worker_salt)
{
    /* fold all 32 bits into 8 (xor of the bytes): 0..255 map to themselves */
    uint32_t f = worker_salt ^ (worker_salt >> 8) ^ (worker_salt >> 16) ^ (worker_salt >> 24);
    atomic_store(&worker, f & WORKER_MASK);
    atomic_store(&seeded_pid, getpid());
    atomic_store(&last_id, 0);
}

static uint32_t worker_field(void)
{
    pid_t me = getpid();
    if (atomic_load(&seeded_pid) != me) {
        /* never seeded, or a child after fork that did not reseed: take the
         * field from the pid and restart the sequence for this process */
        uint32_t h = (uint32_t)me * 2654435761u;
        atomic_store(&worker, (h >> 24) & WORKER_MASK);
        atomic_store(&last_id, 0);
        atomic_store(&seeded_pid, me);
    }
    return atomic_load(&worker);
}

uint64_t pt_id_new(void)
{
    uint64_t w = worker_field();
    uint64_t ms = pt_wall_ms() & MS_MAX;
    uint64_t base = (ms << LOW_BITS) | (w << SEQ_BITS);
    uint64_t last = atomic_load(&last_id), next;
    do {
        if (base > last) {
            next = base;
        } else if ((last & SEQ_MASK) != SEQ_MASK) {
            next = last + 1;
        } else { /* sequence exhausted: borrow the next millisecond */
            next = (((last >> LOW_BITS) + 1) << LOW_BITS) | (w << SEQ_BITS);
        }
    } while (!atomic_compare_exchange_weak(&last_id, &last, next));
    return next;
}

uint64_t pt_id_time_ms(uint64_t id)
{
    return id >> LOW_BITS;
}

uint64_t pt_id_from_ms(uint64_t ms)
{
    return (ms & MS_MAX) << LOW_BITS;
}

static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

char *pt_id_to_str(uint64_t id, char out[PT_ID_STRLEN])
{
    for (int i = 12; i >= 0; i--) {
        out[i] = alphabet[id & 31];
        id >>= 5;
    }
    out[13] = 0;
    return out;
}

static int digit(char ch)
{
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    const char *p = ch ? strchr(alphabet, ch) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

int pt_id_parse(const char *s, uint64_t *out)
{
    if (!s || strlen(s) != 13) return PT_EINVAL;
    uint64_t v = 0;
    for (int i = 0; i < 13; i++) {
        int d = digit(s[i]);
        if (d < 0) return PT_EINVAL;
        if (i == 0 && d > 7) return PT_EINVAL; /* >= 2^63 (or > 64 bits) */
        v = (v << 5) | (uint64_t)d;
    }
    if (v == 0) return PT_EINVAL;
    if (out) *out = v;
    return PT_OK;
}
