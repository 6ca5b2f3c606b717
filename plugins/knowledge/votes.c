/*
 * plugins/knowledge/votes.c - "Was this helpful?" votes: one per user per
 * article (voting again replaces it), with an optional comment, in
 * knowledge.votes under (article id, user id).
 */
#include <string.h>

#include "knowledge.h"

int kb_vote_put(pt_txn *txn, uint64_t id, uint64_t user, bool helpful, const char *comment)
{
    pt_key k;
    pt_key_init(&k);
    pt_key_add_u64(&k, id);
    pt_key_add_u64(&k, user);
    json_t *v = json_pack("{s:i, s:b, s:s, s:I}", "_v", 1, "helpful", helpful, "comment",
                          comment ? comment : "", "at", (json_int_t)pt_wall_ms());
    int rc = pt_record_put(txn, kb_db_votes, k.b, k.len, v);
    json_decref(v);
    return rc;
}

void kb_vote_counts(pt_txn *txn, uint64_t id, uint64_t user, int64_t *up, int64_t *down, int *mine)
{
    *up = *down = 0;
    *mine = -1;
    uint8_t pre[8];
    pt_key_u64(pre, id);
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, kb_db_votes, &rc);
    if (!c) return;
    pt_kv kv;
    for (rc = pt_cursor_prefix(c, pre, 8, false, &kv); rc == 0; rc = pt_cursor_next(c, &kv)) {
        json_t *r = NULL;
        if (kv.klen != 16 || pt_record_decode(kv.val, kv.vlen, &r, NULL) != 0) continue;
        bool h = pt_rec_bool(r, "helpful", false);
        if (h) (*up)++;
        else (*down)++;
        if (user && pt_key_read_u64((const uint8_t *)kv.key + 8) == user) *mine = h;
        json_decref(r);
    }
    pt_cursor_close(c);
}
