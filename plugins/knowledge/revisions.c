/*
 * plugins/knowledge/revisions.c - revision history: every create and
 * update stores a full snapshot of the article under (id, rev) in
 * knowledge.revisions, in the same write transaction. Restoring a revision
 * is an update with the snapshot's fields (so it is a new revision too).
 */
#include <string.h>
#include <time.h>

#include "knowledge.h"

int kb_revision_add(pt_txn *txn, const json_t *rec, uint64_t by)
{
    pt_key k;
    pt_key_init(&k);
    pt_key_add_u64(&k, pt_rec_u64(rec, "id", 0));
    pt_key_add_u64(&k, (uint64_t)pt_rec_int(rec, "rev", 1));
    json_t *snap = json_deep_copy(rec);
    json_object_del(snap, "dn");
    pt_rec_set_u64(snap, "by", by);
    pt_rec_set_u64(snap, "at", pt_wall_ms());
    int rc = pt_record_put(txn, kb_db_revs, k.b, k.len, snap);
    json_decref(snap);
    return rc;
}

json_t *kb_revisions_list(pt_txn *txn, uint64_t id)
{
    json_t *arr = json_array();
    uint8_t pre[8];
    pt_key_u64(pre, id);
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, kb_db_revs, &rc);
    if (!c) return arr;
    pt_kv kv;
    for (rc = pt_cursor_prefix(c, pre, 8, true, &kv); rc == 0 && json_array_size(arr) < 200;
         rc = pt_cursor_prev(c, &kv)) {
        json_t *r = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &r, NULL) != 0) continue;
        char ts[32];
        time_t t = (time_t)(pt_rec_u64(r, "at", 0) / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%d %H:%M UTC", &tm);
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:s}", "rev",
                                             (json_int_t)pt_rec_int(r, "rev", 0), "title",
                                             pt_rec_str(r, "title", ""), "status",
                                             pt_rec_str(r, "status", ""), "by",
                                             (json_int_t)pt_rec_u64(r, "by", 0), "at", ts));
        json_decref(r);
    }
    pt_cursor_close(c);
    return arr;
}

int kb_revision_get(pt_txn *txn, uint64_t id, int64_t rev, json_t **out)
{
    pt_key k;
    pt_key_init(&k);
    pt_key_add_u64(&k, id);
    pt_key_add_u64(&k, (uint64_t)rev);
    return pt_record_get(txn, kb_db_revs, k.b, k.len, out);
}
