/*
 * plugins/support/index_merge.c - several index ranges read as one
 * ordered list, from any position: the machinery under the case lists
 * (case_list.c), with no knowledge of cases.
 *
 * A range ("stream") is one key prefix of a PT_DB_INDEX db whose keys end
 * in an 8-byte value; its ids come in key order, or reverse. Each entry
 * maps to a position (segment, value + offset, id) or, for inverted
 * ranges, (segment, -value, -id): monotone along the range, so a k-way
 * merge (a binary heap of the ranges' current entries) yields every entry
 * in position order. Starting "strictly after" a position costs one seek
 * per range, plus stepping over the entries that share the position's
 * value (ids of the same millisecond), whatever the position's depth.
 */
#include <stdlib.h>
#include <string.h>

#include "index_merge.h"

int sup_pos_cmp(const sup_pos *a, const sup_pos *b)
{
    if (a->seg != b->seg) return a->seg < b->seg ? -1 : 1;
    if (a->v != b->v) return a->v < b->v ? -1 : 1;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    return 0;
}

void sup_streams_add(sup_streams *ss, pt_db *db, const pt_key *k, uint64_t acc, int seg,
                     int64_t offset, bool invert, uint64_t lo)
{
    if (k->rc || k->len > sizeof ss->s[0].pre) return; /* not a layout the lists use */
    if (ss->n == ss->cap) {
        ss->cap = ss->cap ? ss->cap * 2 : 16;
        ss->s = pt_xrealloc(ss->s, ss->cap * sizeof *ss->s);
    }
    sup_stream *s = &ss->s[ss->n++];
    memset(s, 0, sizeof *s);
    s->db = db;
    memcpy(s->pre, k->b, k->len);
    s->plen = k->len;
    s->acc = acc, s->seg = seg, s->offset = offset, s->invert = invert, s->lo = lo;
}

void sup_streams_free(sup_streams *ss)
{
    for (size_t i = 0; i < ss->n; i++) pt_cursor_close(ss->s[i].cur);
    free(ss->s);
    free(ss->heap);
    memset(ss, 0, sizeof *ss);
}

/* Read the entry under the cursor into s; false when it is outside. */
static bool take(sup_stream *s, int rc, const pt_kv *kv)
{
    s->live = false;
    if (rc != 0 || kv->klen != s->plen + 8 || kv->vlen != 8 || memcmp(kv->key, s->pre, s->plen) != 0)
        return false;
    uint64_t raw = pt_key_read_u64((const uint8_t *)kv->key + s->plen);
    if (raw < s->lo) return false;
    s->raw = raw;
    s->id = pt_key_read_u64(kv->val);
    s->pos.seg = s->seg;
    s->pos.v = s->invert ? -(int64_t)raw : (int64_t)raw + s->offset;
    s->pos.t = s->invert ? -(int64_t)s->id : (int64_t)s->id;
    s->live = true;
    return true;
}

/* The first entry with a value >= v. */
static int seek_value(sup_stream *s, uint64_t v, pt_kv *kv)
{
    uint8_t key[56];
    memcpy(key, s->pre, s->plen);
    pt_key_u64(key + s->plen, v);
    return pt_cursor_seek_ge(s->cur, key, s->plen + 8, kv);
}

/* The last entry with a value < v (v = UINT64_MAX: the last of all). */
static int seek_below(sup_stream *s, uint64_t v, pt_kv *kv)
{
    int rc = seek_value(s, v, kv);
    if (rc == 0) return pt_cursor_prev(s->cur, kv);
    if (rc == PT_ENOTFOUND) return pt_cursor_last(s->cur, kv);
    return rc;
}

/* Position s on its first entry strictly after `after` in merge direction
 * dir (from its start when after is NULL). In key terms: the range runs in
 * key order when dir and inversion agree, else backwards. */
static int start(pt_txn *txn, sup_stream *s, int dir, const sup_pos *after)
{
    int rc = 0;
    s->live = false;
    s->kdir = s->invert ? -dir : dir;
    if (!s->cur && !(s->cur = pt_cursor_open(txn, s->db, &rc))) return rc == PT_ENOTFOUND ? 0 : rc;
    pt_kv kv = {0};
    bool from_start = after == NULL;
    int64_t raw_p = 0, id_p = 0; /* the position as this range's (value, id) */
    if (after) {
        int d = dir * (s->seg - after->seg);
        if (d < 0) return 0; /* every entry comes before the position */
        if (d > 0) from_start = true;
        raw_p = s->invert ? -after->v : after->v - s->offset;
        id_p = s->invert ? -after->t : after->t;
    }
    if (from_start) {
        rc = s->kdir > 0 ? seek_value(s, s->lo, &kv) : seek_below(s, UINT64_MAX, &kv);
        take(s, rc, &kv);
    } else if (s->kdir > 0) { /* first (value, id) > (raw_p, id_p) */
        if (raw_p < 0) rc = seek_value(s, s->lo, &kv);
        else rc = seek_value(s, (uint64_t)raw_p > s->lo ? (uint64_t)raw_p : s->lo, &kv);
        while (take(s, rc, &kv) && raw_p >= 0 && s->raw == (uint64_t)raw_p && (int64_t)s->id <= id_p)
            rc = pt_cursor_next(s->cur, &kv);
    } else { /* last (value, id) < (raw_p, id_p) */
        if (raw_p < 0) return 0;
        rc = seek_below(s, (uint64_t)raw_p + 1, &kv);
        while (take(s, rc, &kv) && s->raw == (uint64_t)raw_p && (int64_t)s->id >= id_p)
            rc = pt_cursor_prev(s->cur, &kv);
    }
    return rc == PT_ENOTFOUND ? 0 : rc;
}

static int advance(sup_stream *s)
{
    pt_kv kv = {0};
    int rc = s->kdir > 0 ? pt_cursor_next(s->cur, &kv) : pt_cursor_prev(s->cur, &kv);
    take(s, rc, &kv);
    return rc == PT_ENOTFOUND ? 0 : rc;
}

/* ---- the heap ---------------------------------------------------------------- */

static bool first(const sup_streams *ss, const sup_stream *a, const sup_stream *b)
{
    return ss->dir * sup_pos_cmp(&a->pos, &b->pos) < 0;
}

static void sift_down(sup_streams *ss, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < ss->live && first(ss, ss->heap[l], ss->heap[m])) m = l;
        if (r < ss->live && first(ss, ss->heap[r], ss->heap[m])) m = r;
        if (m == i) return;
        sup_stream *t = ss->heap[i];
        ss->heap[i] = ss->heap[m], ss->heap[m] = t, i = m;
    }
}

int sup_merge_start(pt_txn *txn, sup_streams *ss, int dir, const sup_pos *after)
{
    ss->heap = pt_xrealloc(ss->heap, (ss->n + 1) * sizeof *ss->heap);
    ss->live = 0;
    ss->dir = dir;
    for (size_t i = 0; i < ss->n; i++) {
        int rc = start(txn, &ss->s[i], dir, after);
        if (rc) return rc;
        if (ss->s[i].live) ss->heap[ss->live++] = &ss->s[i];
    }
    for (size_t i = ss->live / 2 + 1; i-- > 0;) sift_down(ss, i);
    return 0;
}

sup_stream *sup_merge_top(const sup_streams *ss)
{
    return ss->live ? ss->heap[0] : NULL;
}

int sup_merge_next(sup_streams *ss)
{
    if (!ss->live) return 0;
    int rc = advance(ss->heap[0]);
    if (!ss->heap[0]->live) ss->heap[0] = ss->heap[--ss->live];
    if (ss->live) sift_down(ss, 0);
    return rc;
}

int sup_streams_count(pt_txn *txn, sup_streams *ss, size_t cap, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < ss->n && *n <= cap; i++) {
        sup_stream *s = &ss->s[i];
        int rc = start(txn, s, 1, NULL);
        while (rc == 0 && s->live && *n <= cap) {
            (*n)++;
            rc = advance(s);
        }
        if (rc) return rc;
    }
    return 0;
}
