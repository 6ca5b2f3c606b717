/*
 * plugins/hello/data.c - the hello plugin's store: greetings are records
 * in hello.greetings keyed by their time-sortable id, so a reverse cursor
 * scan lists the newest first. Also its migration and demo data.
 */
#include <string.h>

#include "hello.h"

static pt_db *db(void) { return pt_store_db("hello.greetings"); }

static bool name_ok(const char *name, const char **why)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0) {
        *why = "Please enter a name.";
        return false;
    }
    if (n > HELLO_MAX_NAME) {
        *why = "The name is too long (80 characters at most).";
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20) {
            *why = "The name contains control characters.";
            return false;
        }
    return true;
}

static int put(pt_txn *txn, const char *name, json_t **out)
{
    uint64_t id = pt_id_new();
    uint8_t key[8];
    pt_key_u64(key, id);
    char ids[PT_ID_STRLEN];
    json_t *rec = json_pack("{s:i, s:s, s:s, s:I}", "_v", 1, "id", pt_id_to_str(id, ids), "name",
                            name, "at", (json_int_t)pt_wall_ms());
    int rc = pt_record_add(txn, db(), key, sizeof key, rec);
    if (rc == 0 && out) *out = rec;
    else json_decref(rec);
    return rc;
}

int hello_store(pt_req *req, const char *name, json_t **out, const char **why)
{
    if (!name_ok(name, why)) return PT_EINVAL;
    /* Let hooks (C or Lua) adjust the greeting before it is stored. */
    json_t *draft = json_pack("{s:s}", "name", name);
    pt_event_filter("hello.greeting", draft, req);
    const char *final = json_string_value(json_object_get(draft, "name"));
    if (!final || !name_ok(final, why)) {
        json_decref(draft);
        return PT_EINVAL;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) {
        json_decref(draft);
        *why = "The greeting could not be saved. Please try again.";
        return rc;
    }
    rc = put(txn, final, out);
    json_decref(draft);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc != 0) {
        *why = "The greeting could not be saved. Please try again.";
        return rc;
    }
    pt_event_emit("hello.greeted", *out, req);
    return 0;
}

json_t *hello_list(size_t limit)
{
    json_t *a = json_array();
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return a;
    pt_cursor *c = pt_cursor_open(txn, db(), &rc);
    pt_kv kv;
    for (rc = c ? pt_cursor_last(c, &kv) : PT_ENOTFOUND; rc == 0 && json_array_size(a) < limit;
         rc = pt_cursor_prev(c, &kv)) {
        json_t *rec = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &rec, NULL) == 0) json_array_append_new(a, rec);
    }
    if (c) pt_cursor_close(c);
    pt_txn_abort(txn);
    return a;
}

int hello_migrate_v1(pt_txn *txn, void *ud)
{
    (void)txn;
    (void)ud;
    return 0; /* v1: the database exists; nothing to convert */
}

int hello_demo(pt_txn *txn, void *ud)
{
    (void)ud;
    static const char *names[] = {"Ada", "Grace", "Linus"};
    for (size_t i = 0; i < 3; i++) {
        int rc = put(txn, names[i], NULL);
        if (rc) return rc;
    }
    return 0;
}
