/*
 * plugins/support/model_cases.c - case records (their indexes are kept
 * in step by case_index.c), and who may see a case: a customer sees their
 * account's cases with support.view, else only the cases they raised; vendor staff see the cases of the accounts
 * they cover (the principal's account list; portal admins and support
 * agents only, staff_role from the team resolver). Anything else answers like a
 * missing case, so another account's case number is a plain 404.
 */
#include <stdlib.h>
#include <string.h>

#include "case_list.h"

static void idkey(uint8_t k[8], uint64_t v) { pt_key_u64(k, v); }

int sup_case_insert(pt_txn *txn, json_t *c)
{
    uint64_t number = 0;
    int rc = sup_number_next(txn, &number);
    if (rc) return rc;
    uint64_t id = pt_id_new();
    int64_t now = (int64_t)pt_wall_ms();
    json_object_set_new(c, "_v", json_integer(1));
    pt_rec_set_u64(c, "id", id);
    pt_rec_set_u64(c, "number", number);
    if (!json_object_get(c, "created")) json_object_set_new(c, "created", json_integer(now));
    if (!json_object_get(c, "updated"))
        json_object_set_new(c, "updated", json_integer(pt_rec_int(c, "created", now)));
    uint8_t k[8];
    idkey(k, id);
    uint64_t acc = pt_rec_u64(c, "account", 0);
    const void *v;
    size_t vl;
    rc = pt_kv_get(txn, sup_db("cases"), k, 8, &v, &vl) == 0 ? PT_EEXIST : 0;
    if (rc == 0) rc = pt_record_put_scoped(txn, sup_db("cases"), k, 8, acc, c);
    if (rc == 0) rc = sup_case_index(txn, c, true);
    return rc;
}

int sup_case_update(pt_txn *txn, const json_t *old, json_t *c)
{
    uint8_t k[8];
    idkey(k, pt_rec_u64(c, "id", 0));
    int rc = sup_case_index(txn, old, false);
    if (rc == 0) rc = pt_record_put_scoped(txn, sup_db("cases"), k, 8, pt_rec_u64(c, "account", 0), c);
    if (rc == 0) rc = sup_case_index(txn, c, true);
    return rc;
}

bool sup_covers(pt_req *req, uint64_t account)
{
    const pt_principal *p = pt_req_principal(req);
    if (!p->staff) return false;
    if (p->admin) return true;
    /* Only support agents act on cases; other staff (account managers,
     * editors) see cases like customers, through support.view. */
    if (strcmp(pt_rec_str(p->info, "staff_role", ""), "agent") != 0) return false;
    size_t i;
    json_t *a;
    json_array_foreach(p->accounts, i, a) {
        uint64_t id = 0;
        if (pt_id_parse(json_string_value(json_object_get(a, "id")), &id) == 0 && id == account)
            return true;
    }
    return false;
}

bool sup_agent_user(pt_req *req)
{
    const pt_principal *p = pt_req_principal(req);
    return p->staff && (p->admin || strcmp(pt_rec_str(p->info, "staff_role", ""), "agent") == 0);
}

bool sup_is_agent(pt_req *req, const json_t *c)
{
    return pt_req_is_staff(req) && sup_covers(req, pt_rec_u64(c, "account", 0));
}

bool sup_case_visible(pt_req *req, const json_t *c)
{
    if (sup_is_agent(req, c)) return true;
    uint64_t acc = pt_req_account(req);
    if (!acc || pt_rec_u64(c, "account", 0) != acc) return false;
    if (pt_req_can(req, "support.view")) return true;
    return pt_rec_u64(c, "requester", 0) == pt_req_user(req) && pt_req_user(req) != 0;
}

int sup_case_get(pt_txn *txn, pt_req *req, uint64_t number, json_t **out)
{
    if (!number) return PT_ENOTFOUND;
    uint8_t k[8];
    idkey(k, number);
    uint64_t ids[1];
    size_t n = 0;
    int rc = pt_index_list(txn, sup_db("cases.by_number"), k, 8, false, 0, ids, 1, &n);
    if (rc || n == 0) return PT_ENOTFOUND;
    idkey(k, ids[0]);
    json_t *c = NULL;
    if (pt_req_is_staff(req)) rc = pt_record_get(txn, sup_db("cases"), k, 8, &c);
    else if (pt_req_account(req))
        rc = pt_record_get_scoped(txn, sup_db("cases"), k, 8, pt_req_account(req), &c);
    else rc = PT_ENOTFOUND;
    if (rc) return rc == PT_EDECODE ? rc : PT_ENOTFOUND;
    if (!sup_case_visible(req, c)) {
        json_decref(c);
        return PT_ENOTFOUND;
    }
    *out = c;
    return 0;
}

/* Every case of an account the request may see: for the Premium section's
 * statistics (all of the account's history); lists use case_list.c. */
static void list_account(pt_txn *txn, pt_req *req, uint64_t account, json_t *out)
{
    uint8_t k[8];
    idkey(k, account);
    int rc = 0;
    pt_cursor *cur = pt_cursor_open(txn, sup_db("cases.by_account"), &rc);
    uint64_t id = 0;
    for (rc = cur ? pt_index_seek(cur, k, 8, true, &id) : PT_ENOTFOUND; rc == 0;
         rc = pt_index_next(cur, &id)) {
        uint8_t ck[8];
        idkey(ck, id);
        json_t *c = NULL;
        if (pt_record_get_scoped(txn, sup_db("cases"), ck, 8, account, &c) != 0) continue;
        if (sup_case_visible(req, c)) json_array_append_new(out, c);
        else json_decref(c);
    }
    if (cur) pt_cursor_close(cur);
}

json_t *sup_case_list_visible(pt_txn *txn, pt_req *req, bool agent_view)
{
    json_t *out = json_array();
    if (agent_view && sup_agent_user(req)) {
        const pt_principal *p = pt_req_principal(req);
        size_t i;
        json_t *a;
        json_array_foreach(p->accounts, i, a) {
            uint64_t id = 0;
            if (pt_id_parse(json_string_value(json_object_get(a, "id")), &id) == 0 && sup_covers(req, id))
                list_account(txn, req, id, out);
        }
        return out;
    }
    if (pt_req_account(req)) list_account(txn, req, pt_req_account(req), out);
    return out;
}

int sup_migrate_v1(pt_txn *txn, void *ud)
{
    (void)txn;
    (void)ud;
    return 0; /* v1: the databases exist */
}
