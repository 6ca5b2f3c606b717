/*
 * plugins/support/index_merge.h - reading several index ranges as one
 * ordered list (index_merge.c): the case lists' building block.
 */
#ifndef SUPPORT_INDEX_MERGE_H
#define SUPPORT_INDEX_MERGE_H

#include <portico/store.h>

/* A position in a list order: segment, value, tie-break (compared in
 * that order). */
typedef struct sup_pos {
    int seg;
    int64_t v;
    int64_t t;
} sup_pos;

int sup_pos_cmp(const sup_pos *a, const sup_pos *b);

/* One range of a PT_DB_INDEX db: the keys prefix + 8-byte value (>= lo),
 * each id under them at position (seg, value + offset, id), or, inverted,
 * (seg, -value, -id). */
typedef struct sup_stream {
    pt_db *db;
    uint8_t pre[48];
    size_t plen;
    uint64_t acc;    /* the caller's tag (the account of the range)       */
    int seg;
    int64_t offset;
    bool invert;
    uint64_t lo;     /* smallest value read, 0 = none                      */
    /* the current entry, once started */
    bool live;
    uint64_t raw, id;
    sup_pos pos;
    /* internal */
    pt_cursor *cur;
    int kdir;
} sup_stream;

typedef struct sup_streams {
    sup_stream *s;
    size_t n, cap;
    sup_stream **heap; /* live streams, the next entry of the merge first */
    size_t live;
    int dir;
} sup_streams;

/* Add a range (prefix copied; a prefix over 48 bytes is ignored). */
void sup_streams_add(sup_streams *ss, pt_db *db, const pt_key *prefix, uint64_t acc, int seg,
                     int64_t offset, bool invert, uint64_t lo);
/* Close the cursors and free; ss is then empty and reusable. */
void sup_streams_free(sup_streams *ss);

/* Merge every range in ascending (dir 1) or descending (dir -1) position
 * order, starting strictly after `after` in that direction (NULL: from the
 * start). Then sup_merge_top is the next entry (NULL at the end) and
 * sup_merge_next steps past it. PT_OK or a store code. */
int sup_merge_start(pt_txn *txn, sup_streams *ss, int dir, const sup_pos *after);
sup_stream *sup_merge_top(const sup_streams *ss);
int sup_merge_next(sup_streams *ss);

/* Entries in all ranges (keys only), counting stops past cap. */
int sup_streams_count(pt_txn *txn, sup_streams *ss, size_t cap, size_t *n);

#endif
