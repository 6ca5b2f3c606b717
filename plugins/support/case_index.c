/*
 * plugins/support/case_index.c - every secondary index of support.cases:
 * the key layouts, keeping them in step with a case (one call per write),
 * the sort position of a case in each list order (the same order the
 * indexes give), and the schema v2 migration that builds them for cases
 * stored before they existed.
 *
 * All indexes are PT_DB_INDEX (key -> case ids, ids sorted). Key parts
 * (pt_key_*: u64 big-endian, strings NUL-terminated):
 *   by_number          number                                  unique
 *   by_account         account
 *   by_status          account + status                        counts (O(1))
 *   by_assignee        account + assignee + status + updated   (0 = none)
 *   by_updated         account + updated
 *   by_status_updated  account + status + updated
 *   by_requester       account + requester + status + updated
 *   by_created         account + status + created
 *   by_rank            account + priority + status + number
 *   by_due             account + bucket + t
 *   by_product         account + product                       distinct names
 * The list engine (case_list.c) reads every list index as "a prefix, then
 * an 8-byte value": the last part of the key.
 *
 * by_due buckets: "f1".."f4" open and waiting for the first response
 * (t = created, due = created + first-response target of P1..P4),
 * "r1".."r4" open with a first response (t = created, due = created +
 * resolution target), "d" resolved or closed (t = updated). The targets
 * come from the config at read time, so a reload never leaves the index
 * stale: within one bucket due order is created order.
 */
#include <stdlib.h>
#include <string.h>

#include "case_list.h"

typedef int (*ix_op)(pt_txn *, pt_db *, const void *, size_t, uint64_t);

static int prio_index(const char *p)
{
    for (int i = 0; sup_priorities[i]; i++)
        if (strcmp(sup_priorities[i], p) == 0) return i;
    return 2; /* unknown reads as P3, like the rest of the plugin */
}

static int status_index(const char *s)
{
    for (int i = 0; sup_statuses[i]; i++)
        if (strcmp(sup_statuses[i], s) == 0) return i;
    return 0;
}

bool sup_status_done(const char *status)
{
    return strcmp(status, "resolved") == 0 || strcmp(status, "closed") == 0;
}

void sup_due_bucket(const json_t *c, char out[4])
{
    const char *st = pt_rec_str(c, "status", "new");
    if (sup_status_done(st)) {
        strcpy(out, "d");
        return;
    }
    out[0] = pt_rec_int(c, "first_response", 0) ? 'r' : 'f';
    out[1] = (char)('1' + prio_index(pt_rec_str(c, "priority", "P3")));
    out[2] = 0;
}

int64_t sup_due_offset(const char *bucket)
{
    if (bucket[0] != 'f' && bucket[0] != 'r') return 0;
    int64_t first_h, resolve_h;
    sup_sla_targets(sup_priorities[bucket[1] - '1'], &first_h, &resolve_h);
    return (bucket[0] == 'f' ? first_h : resolve_h) * 3600000;
}

/* One index entry of c: its db and full key. */
typedef struct entry {
    const char *db;
    pt_key key;
} entry;

/* The entry's key: the prefix already built in e->key, then the value. */
static void value(entry *e, uint64_t v)
{
    pt_key_add_u64(&e->key, v);
}

static size_t entries(const json_t *c, entry *e)
{
    uint64_t acc = pt_rec_u64(c, "account", 0), num = pt_rec_u64(c, "number", 0);
    const char *st = pt_rec_str(c, "status", "new");
    uint64_t upd = (uint64_t)pt_rec_int(c, "updated", 0), cr = (uint64_t)pt_rec_int(c, "created", 0);
    char bucket[4];
    sup_due_bucket(c, bucket);
    size_t n = 0;
    e[n].db = "cases.by_number";
    pt_key_init(&e[n].key);
    value(&e[n++], num);
    e[n].db = "cases.by_account";
    pt_key_init(&e[n].key);
    value(&e[n++], acc);
    e[n].db = "cases.by_status";
    sup_ix_status(&e[n++].key, acc, st);
    e[n].db = "cases.by_assignee";
    sup_ix_assignee(&e[n].key, acc, pt_rec_u64(c, "assignee", 0), st);
    value(&e[n++], upd);
    e[n].db = "cases.by_updated";
    sup_ix_updated(&e[n].key, acc);
    value(&e[n++], upd);
    e[n].db = "cases.by_status_updated";
    sup_ix_status(&e[n].key, acc, st);
    value(&e[n++], upd);
    e[n].db = "cases.by_requester";
    sup_ix_requester(&e[n].key, acc, pt_rec_u64(c, "requester", 0), st);
    value(&e[n++], upd);
    e[n].db = "cases.by_created";
    sup_ix_status(&e[n].key, acc, st);
    value(&e[n++], cr);
    e[n].db = "cases.by_rank";
    sup_ix_rank(&e[n].key, acc, pt_rec_str(c, "priority", "P3"), st);
    value(&e[n++], num);
    e[n].db = "cases.by_due";
    sup_ix_due(&e[n].key, acc, bucket);
    value(&e[n++], bucket[0] == 'd' ? upd : cr);
    e[n].db = "cases.by_product";
    sup_ix_product(&e[n++].key, acc, pt_rec_str(c, "product", ""));
    return n;
}

int sup_case_index(pt_txn *txn, const json_t *c, bool add)
{
    uint64_t id = pt_rec_u64(c, "id", 0);
    ix_op op = add ? pt_index_put : pt_index_del;
    entry e[SUP_IX_COUNT];
    size_t n = entries(c, e);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (e[i].key.rc) return e[i].key.rc; /* a part too long for a key */
        rc = op(txn, sup_db(e[i].db), e[i].key.b, e[i].key.len, id);
        if (rc == PT_ENOTFOUND) rc = 0; /* removing an entry a v1 store never had */
    }
    return rc;
}

/* ---- prefixes ------------------------------------------------------------ */

int sup_ix_updated(pt_key *k, uint64_t acc)
{
    pt_key_init(k);
    return pt_key_add_u64(k, acc);
}

int sup_ix_status(pt_key *k, uint64_t acc, const char *status)
{
    pt_key_init(k);
    pt_key_add_u64(k, acc);
    return pt_key_add_str(k, status);
}

int sup_ix_assignee(pt_key *k, uint64_t acc, uint64_t assignee, const char *status)
{
    pt_key_init(k);
    pt_key_add_u64(k, acc);
    pt_key_add_u64(k, assignee);
    return pt_key_add_str(k, status);
}

int sup_ix_requester(pt_key *k, uint64_t acc, uint64_t requester, const char *status)
{
    return sup_ix_assignee(k, acc, requester, status); /* same shape */
}

int sup_ix_rank(pt_key *k, uint64_t acc, const char *priority, const char *status)
{
    pt_key_init(k);
    pt_key_add_u64(k, acc);
    pt_key_add_str(k, priority);
    return pt_key_add_str(k, status);
}

int sup_ix_due(pt_key *k, uint64_t acc, const char *bucket)
{
    return sup_ix_status(k, acc, bucket); /* same shape */
}

int sup_ix_product(pt_key *k, uint64_t acc, const char *product)
{
    return sup_ix_status(k, acc, product); /* same shape */
}

/* ---- sort positions ------------------------------------------------------ */

void sup_case_pos(const json_t *c, sup_sort sort, sup_pos *out)
{
    int64_t id = (int64_t)pt_rec_u64(c, "id", 0), num = (int64_t)pt_rec_u64(c, "number", 0);
    out->seg = 0;
    out->t = id;
    switch (sort) {
    case SUP_SORT_UPDATED: out->v = pt_rec_int(c, "updated", 0); break;
    case SUP_SORT_CREATED: out->v = pt_rec_int(c, "created", 0); break;
    case SUP_SORT_NUMBER: out->v = num; break;
    case SUP_SORT_PRIORITY:
        out->seg = prio_index(pt_rec_str(c, "priority", "P3"));
        out->v = num;
        break;
    case SUP_SORT_STATUS:
        out->seg = status_index(pt_rec_str(c, "status", "new"));
        out->v = num;
        break;
    case SUP_SORT_DUE: {
        char bucket[4];
        sup_due_bucket(c, bucket);
        if (bucket[0] == 'd') { /* done: after every open case, latest update first */
            out->seg = 1;
            out->v = -pt_rec_int(c, "updated", 0);
            out->t = -id;
        } else {
            out->v = pt_rec_int(c, "created", 0) + sup_due_offset(bucket);
        }
        break;
    }
    }
}

/* ---- migration v2: the list indexes ---------------------------------------- */

/* Empty an index whose key layout changed in v2 (by_status was status ->
 * ids, by_assignee assignee -> ids). */
static int clear(pt_txn *txn, pt_db *db)
{
    int rc = 0;
    pt_cursor *cur = pt_cursor_open(txn, db, &rc);
    if (!cur) return rc;
    while ((rc = pt_cursor_first(cur, NULL)) == 0)
        if ((rc = pt_cursor_del(cur)) != 0) break;
    pt_cursor_close(cur);
    return rc == PT_ENOTFOUND ? 0 : rc;
}

int sup_migrate_v2(pt_txn *txn, void *ud)
{
    (void)ud;
    int rc = clear(txn, sup_db("cases.by_status"));
    if (rc == 0) rc = clear(txn, sup_db("cases.by_assignee"));
    if (rc) return pt_store_error(rc, "support v2: clearing the old indexes failed");
    pt_cursor *cur = pt_cursor_open(txn, sup_db("cases"), &rc);
    if (!cur) return rc;
    /* Writing to the index dbs does not move a cursor on support.cases. */
    pt_kv kv;
    for (rc = pt_cursor_first(cur, &kv); rc == 0; rc = pt_cursor_next(cur, &kv)) {
        json_t *c = NULL;
        char *why = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &c, &why) != 0) {
            rc = pt_store_error(PT_EDECODE, "support v2: a case record does not decode: %s",
                                why ? why : "?");
            free(why);
            break;
        }
        rc = sup_case_index(txn, c, true);
        json_decref(c);
        if (rc) break;
    }
    pt_cursor_close(cur);
    if (rc == PT_ENOTFOUND) rc = 0;
    return rc;
}
