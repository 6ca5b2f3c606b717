/*
 * plugins/support/model_messages.c - a case's conversation: customer and
 * agent messages, internal notes and change events (status, assignee,
 * priority), stored in support.messages under case id + message id so a
 * prefix scan returns them in order. Messages carry the case's account
 * and are written with the scoped calls.
 */
#include <string.h>

#include "support.h"

int sup_msg_add(pt_txn *txn, const json_t *c, json_t *m, json_t **out)
{
    uint64_t cid = pt_rec_u64(c, "id", 0), acc = pt_rec_u64(c, "account", 0);
    uint64_t id = pt_id_new();
    pt_key k;
    pt_key_init(&k);
    pt_key_add_u64(&k, cid);
    pt_key_add_u64(&k, id);
    json_object_set_new(m, "_v", json_integer(1));
    pt_rec_set_u64(m, "id", id);
    pt_rec_set_u64(m, "case", cid);
    if (!json_object_get(m, "at")) json_object_set_new(m, "at", json_integer((json_int_t)pt_wall_ms()));
    int rc = pt_record_put_scoped(txn, sup_db("messages"), k.b, k.len, acc, m);
    if (rc == 0 && out) *out = json_incref(m);
    return rc;
}

json_t *sup_msg_list(pt_txn *txn, const json_t *c, bool with_notes)
{
    json_t *a = json_array();
    uint8_t pre[8];
    pt_key_u64(pre, pt_rec_u64(c, "id", 0));
    uint64_t acc = pt_rec_u64(c, "account", 0);
    int rc = 0;
    pt_cursor *cur = pt_cursor_open(txn, sup_db("messages"), &rc);
    pt_kv kv;
    for (rc = cur ? pt_cursor_prefix(cur, pre, 8, false, &kv) : PT_ENOTFOUND; rc == 0;
         rc = pt_cursor_next(cur, &kv)) {
        json_t *m = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &m, NULL) != 0) continue;
        bool note = strcmp(pt_rec_str(m, "kind", ""), "note") == 0;
        if (pt_rec_u64(m, "account", 0) != acc || (note && !with_notes)) {
            json_decref(m);
            continue;
        }
        json_array_append_new(a, m);
    }
    if (cur) pt_cursor_close(cur);
    return a;
}
