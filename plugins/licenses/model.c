/*
 * plugins/licenses/model.c - license records: read (scoped and unscoped),
 * validate, create, delete, status and the grouped view, license keys and
 * the three exported APIs (lookup, premium, servers).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "licenses.h"

const char *lic_status_name(lic_status s)
{
    switch (s) {
    case LIC_EXPIRING: return "expiring";
    case LIC_EXPIRED: return "expired";
    case LIC_FUTURE: return "future";
    default: return "active";
    }
}

lic_status lic_status_of(int64_t start, int64_t end, int64_t today)
{
    if (end < today) return LIC_EXPIRED;
    if (start > today) return LIC_FUTURE;
    if (end - today <= LIC_EXPIRING_DAYS) return LIC_EXPIRING;
    return LIC_ACTIVE;
}

int lic_get(pt_txn *txn, uint64_t id, json_t **out)
{
    uint8_t k[8];
    pt_key_u64(k, id);
    return pt_record_get(txn, lic_db("items"), k, 8, out);
}

int lic_get_scoped(pt_txn *txn, uint64_t id, uint64_t account, json_t **out)
{
    if (!id || !account) return PT_ENOTFOUND;
    uint8_t k[8];
    pt_key_u64(k, id);
    return pt_record_get_scoped(txn, lic_db("items"), k, 8, account, out);
}

int lic_put(pt_txn *txn, json_t *rec)
{
    uint8_t k[8];
    pt_key_u64(k, pt_rec_u64(rec, "id", 0));
    return pt_record_put_scoped(txn, lic_db("items"), k, 8, pt_rec_u64(rec, "account", 0), rec);
}

json_t *lic_list(pt_txn *txn, uint64_t account)
{
    json_t *out = json_array();
    if (!account) return out;
    uint8_t ak[8];
    pt_key_u64(ak, account);
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, lic_db("items.by_account"), &rc);
    if (!c) return out;
    uint64_t id;
    for (rc = pt_index_seek(c, ak, 8, false, &id); rc == 0; rc = pt_index_next(c, &id)) {
        json_t *rec = NULL;
        if (lic_get_scoped(txn, id, account, &rec) == 0) json_array_append_new(out, rec);
    }
    pt_cursor_close(c);
    return out;
}

int64_t lic_effective_end(pt_txn *txn, const json_t *rec)
{
    uint64_t parent = pt_rec_u64(rec, "parent", 0);
    if (parent) {
        json_t *p = NULL;
        if (lic_get_scoped(txn, parent, pt_rec_u64(rec, "account", 0), &p) == 0) {
            int64_t e = lic_day_parse(pt_rec_str(p, "end", ""));
            json_decref(p);
            return e;
        }
    }
    return lic_day_parse(pt_rec_str(rec, "end", ""));
}

/* ---- keys ----------------------------------------------------------------- */

/* Upper-cased copy without surrounding blanks into out; false when it is
 * not a plausible key ([A-Z0-9-], 8..LIC_KEY_MAX). */
static bool key_norm(const char *in, char out[LIC_KEY_MAX + 1])
{
    if (!in) return false;
    while (*in == ' ' || *in == '\t') in++;
    size_t n = strlen(in);
    while (n && (in[n - 1] == ' ' || in[n - 1] == '\t')) n--;
    if (n < 8 || n > LIC_KEY_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = (char)toupper((unsigned char)in[i]);
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
        out[i] = c;
    }
    out[n] = 0;
    return true;
}

void lic_key_new(char out[24])
{
    static const char alpha[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    char tok[44];
    if (pt_token_new(tok) != 0) memset(tok, 'A', sizeof tok);
    size_t j = 0;
    for (int g = 0; g < 4; g++) {
        for (int i = 0; i < 5; i++) out[j++] = alpha[(unsigned char)tok[g * 5 + i] % 32];
        out[j++] = g < 3 ? '-' : 0;
    }
}

static int key_find(pt_txn *txn, const char *norm, uint64_t *id)
{
    const void *v;
    size_t vl;
    int rc = pt_kv_get(txn, lic_db("keys"), norm, strlen(norm), &v, &vl);
    if (rc) return rc;
    if (vl != 8) return PT_EDECODE;
    *id = pt_key_read_u64(v);
    return 0;
}

/* ---- validation and writes --------------------------------------------------- */

static bool one_of(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

int lic_validate(pt_txn *txn, uint64_t account, json_t *rec, const char **field, const char **why)
{
    static const char *const kinds[] = {"orchestrator", "product", "standalone", NULL};
    static const char *const types[] = {"onprem", "cloud", NULL};
    const char *kind = pt_rec_str(rec, "kind", "");
#define FAIL(f, w) do { *field = f; *why = w; return PT_EINVAL; } while (0)
    if (!one_of(kind, kinds)) FAIL("kind", "err.kind");
    uint64_t parent = pt_rec_u64(rec, "parent", 0);
    if (strcmp(kind, "product") == 0) {
        json_t *p = NULL;
        if (!parent || lic_get_scoped(txn, parent, account, &p) != 0) FAIL("parent", "err.parent");
        bool orch = strcmp(pt_rec_str(p, "kind", ""), "orchestrator") == 0;
        json_decref(p);
        if (!orch) FAIL("parent", "err.parent");
        json_object_set_new(rec, "server", json_string(""));
        json_object_set_new(rec, "type", json_string(""));
    } else {
        json_object_set_new(rec, "parent", json_integer(0));
        const char *server = pt_rec_str(rec, "server", "");
        if (!*server || !lic_text_ok(server, LIC_TEXT_MAX, false)) FAIL("server", "err.server");
        if (strcmp(kind, "orchestrator") == 0) {
            if (!one_of(pt_rec_str(rec, "type", ""), types)) FAIL("type", "err.type");
        } else {
            json_object_set_new(rec, "type", json_string(""));
        }
    }
    const char *product = pt_rec_str(rec, "product", "");
    if (!*product || !lic_text_ok(product, LIC_TEXT_MAX, false)) FAIL("product", "err.product");
    const char *sku = pt_rec_str(rec, "sku", "");
    if (!*sku || strlen(sku) > 40 || strspn(sku, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(sku))
        FAIL("sku", "err.sku");
    int64_t qty = pt_rec_int(rec, "quantity", 0);
    if (qty < 1 || qty > LIC_QTY_MAX) FAIL("quantity", "err.quantity");
    int64_t start = lic_day_parse(pt_rec_str(rec, "start", ""));
    if (start < 0) FAIL("start", "err.start");
    if (strcmp(kind, "product") == 0) {
        json_object_set_new(rec, "end", json_string(""));
    } else {
        int64_t end = lic_day_parse(pt_rec_str(rec, "end", ""));
        if (end < 0) FAIL("end", "err.end");
        if (end < start) FAIL("end", "err.end_before_start");
    }
    const char *key = pt_rec_str(rec, "key", "");
    char norm[LIC_KEY_MAX + 1];
    if (!*key) {
        char fresh[24];
        uint64_t dummy;
        do lic_key_new(fresh);
        while (key_find(txn, fresh, &dummy) == 0);
        json_object_set_new(rec, "key", json_string(fresh));
    } else {
        if (!key_norm(key, norm)) FAIL("key", "err.key");
        uint64_t other;
        if (key_find(txn, norm, &other) == 0) FAIL("key", "err.key_taken");
        json_object_set_new(rec, "key", json_string(norm));
    }
#undef FAIL
    return 0;
}

int lic_create(pt_txn *txn, uint64_t account, json_t *rec, uint64_t *id)
{
    *id = pt_id_new();
    json_object_set_new(rec, "_v", json_integer(1));
    pt_rec_set_u64(rec, "id", *id);
    pt_rec_set_u64(rec, "account", account);
    json_object_set_new(rec, "created", json_integer((json_int_t)pt_wall_ms()));
    if (!json_object_get(rec, "nickname")) json_object_set_new(rec, "nickname", json_string(""));
    if (!json_object_get(rec, "notes")) json_object_set_new(rec, "notes", json_string(""));
    uint8_t k[8], ak[8];
    pt_key_u64(k, *id);
    pt_key_u64(ak, account);
    int rc = pt_record_add(txn, lic_db("items"), k, 8, rec);
    if (rc == 0) rc = pt_index_put(txn, lic_db("items.by_account"), ak, 8, *id);
    const char *key = pt_rec_str(rec, "key", "");
    if (rc == 0) rc = pt_kv_put(txn, lic_db("keys"), key, strlen(key), k, 8, PT_PUT_NOOVERWRITE);
    return rc;
}

static int delete_one(pt_txn *txn, uint64_t account, const json_t *rec)
{
    uint64_t id = pt_rec_u64(rec, "id", 0);
    uint8_t k[8], ak[8];
    pt_key_u64(k, id);
    pt_key_u64(ak, account);
    const char *key = pt_rec_str(rec, "key", "");
    int rc = pt_record_del_scoped(txn, lic_db("items"), k, 8, account);
    if (rc == 0) {
        int r2 = pt_index_del(txn, lic_db("items.by_account"), ak, 8, id);
        if (r2 != 0 && r2 != PT_ENOTFOUND) rc = r2;
    }
    if (rc == 0 && *key) {
        int r2 = pt_kv_del(txn, lic_db("keys"), key, strlen(key), NULL, 0);
        if (r2 != 0 && r2 != PT_ENOTFOUND) rc = r2;
    }
    return rc;
}

int lic_delete(pt_txn *txn, uint64_t account, uint64_t id)
{
    json_t *rec = NULL;
    int rc = lic_get_scoped(txn, id, account, &rec);
    if (rc) return rc;
    if (strcmp(pt_rec_str(rec, "kind", ""), "orchestrator") == 0) {
        json_t *all = lic_list(txn, account);
        size_t i;
        json_t *r;
        json_array_foreach(all, i, r) {
            if (rc == 0 && pt_rec_u64(r, "parent", 0) == id) rc = delete_one(txn, account, r);
        }
        json_decref(all);
    }
    if (rc == 0) rc = delete_one(txn, account, rec);
    json_decref(rec);
    return rc;
}

/* ---- views -------------------------------------------------------------------- */

static void add_date(json_t *v, const char *key, int64_t day, pt_req *req)
{
    char iso[11] = "";
    if (day >= 0) lic_day_fmt(day, iso);
    json_object_set_new(v, key, json_string(iso));
    if (req && day >= 0) {
        pt_buf b = PT_BUF_INIT;
        pt_i18n_format_date(req, day * 86400000, "UTC", &b);
        char dk[32];
        snprintf(dk, sizeof dk, "%s_display", key);
        json_object_set_new(v, dk, json_string(b.data ? b.data : iso));
        pt_buf_free(&b);
    }
}

json_t *lic_item_view(pt_txn *txn, const json_t *rec, pt_req *req)
{
    json_t *v = json_object();
    char ids[PT_ID_STRLEN];
    pt_id_to_str(pt_rec_u64(rec, "id", 0), ids);
    json_object_set_new(v, "id", json_string(ids));
    static const char *const strs[] = {"kind", "server", "type", "product", "sku", "key",
                                       "nickname", "notes", "noted_by", NULL};
    for (size_t i = 0; strs[i]; i++)
        json_object_set_new(v, strs[i], json_string(pt_rec_str(rec, strs[i], "")));
    json_object_set_new(v, "quantity", json_integer(pt_rec_int(rec, "quantity", 0)));
    int64_t start = lic_day_parse(pt_rec_str(rec, "start", ""));
    int64_t end = lic_effective_end(txn, rec);
    add_date(v, "start", start, req);
    add_date(v, "end", end, req);
    int64_t today = lic_today();
    lic_status st = lic_status_of(start, end, today);
    json_object_set_new(v, "status", json_string(lic_status_name(st)));
    json_object_set_new(v, "days_left", json_integer(end - today));
    json_object_set_new(v, "follows_orchestrator", json_boolean(pt_rec_u64(rec, "parent", 0) != 0));
    int64_t at = pt_rec_int(rec, "noted_at", 0);
    if (at > 0) {
        pt_buf b = PT_BUF_INIT;
        if (req) pt_i18n_format_datetime(req, at, NULL, &b);
        json_object_set_new(v, "noted_at", json_integer(at));
        if (b.data) json_object_set_new(v, "noted_at_display", json_string(b.data));
        pt_buf_free(&b);
    } else {
        json_object_set_new(v, "noted_at", json_null());
    }
    if (req) {
        char sk[40];
        snprintf(sk, sizeof sk, "status.%s", lic_status_name(st));
        json_object_set_new(v, "status_label", json_string(lic_t(req, sk)));
        json_object_set_new(v, "status_class", json_string(st == LIC_EXPIRED    ? "danger"
                                                           : st == LIC_EXPIRING ? "warning"
                                                           : st == LIC_FUTURE   ? "info"
                                                                                : "success"));
        const char *t = pt_rec_str(rec, "type", "");
        if (*t) {
            snprintf(sk, sizeof sk, "type.%s", t);
            json_object_set_new(v, "type_label", json_string(lic_t(req, sk)));
        }
        json_object_set_new(v, "display_name", json_string(*pt_rec_str(rec, "nickname", "")
                                                               ? pt_rec_str(rec, "nickname", "")
                                                           : *pt_rec_str(rec, "server", "")
                                                               ? pt_rec_str(rec, "server", "")
                                                               : pt_rec_str(rec, "product", "")));
    }
    return v;
}

json_t *lic_view(pt_txn *txn, uint64_t account, pt_req *req)
{
    json_t *all = lic_list(txn, account);
    json_t *top = json_array();
    size_t i, j;
    json_t *r, *p;
    json_array_foreach(all, i, r) {
        if (pt_rec_u64(r, "parent", 0)) continue;
        json_t *v = lic_item_view(txn, r, req);
        json_t *products = json_array();
        uint64_t id = pt_rec_u64(r, "id", 0);
        json_array_foreach(all, j, p) {
            if (pt_rec_u64(p, "parent", 0) == id) json_array_append_new(products, lic_item_view(txn, p, req));
        }
        json_object_set_new(v, "is_orchestrator",
                            json_boolean(strcmp(pt_rec_str(r, "kind", ""), "orchestrator") == 0));
        json_object_set_new(v, "products", products);
        json_array_append_new(top, v);
    }
    json_decref(all);
    return top;
}

/* ---- exported APIs -------------------------------------------------------------- */

static int api_lookup(pt_txn *txn, const char *key, uint64_t *account, bool *active)
{
    char norm[LIC_KEY_MAX + 1];
    uint64_t id;
    if (!key_norm(key, norm)) return PT_ENOTFOUND;
    int rc = key_find(txn, norm, &id);
    if (rc) return rc;
    json_t *rec = NULL;
    rc = lic_get(txn, id, &rec);
    if (rc) return rc;
    int64_t start = lic_day_parse(pt_rec_str(rec, "start", ""));
    int64_t end = lic_effective_end(txn, rec);
    lic_status st = lic_status_of(start, end, lic_today());
    if (account) *account = pt_rec_u64(rec, "account", 0);
    if (active) *active = st == LIC_ACTIVE || st == LIC_EXPIRING;
    json_decref(rec);
    return 0;
}

static int api_premium(pt_txn *txn, uint64_t account, int64_t *starts_ms, int64_t *ends_ms)
{
    if (starts_ms) *starts_ms = 0;
    if (ends_ms) *ends_ms = 0;
    json_t *all = lic_list(txn, account);
    int64_t today = lic_today(), best_s = -1, best_e = -1;
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) {
        if (strcmp(pt_rec_str(r, "sku", ""), LICENSES_PREMIUM_SKU) != 0) continue;
        int64_t s = lic_day_parse(pt_rec_str(r, "start", ""));
        int64_t e = lic_effective_end(txn, r);
        if (s < 0 || e < 0 || s > today || e < today) continue;
        if (e > best_e) best_s = s, best_e = e;
    }
    json_decref(all);
    if (best_e < 0) return PT_ENOTFOUND;
    if (starts_ms) *starts_ms = best_s * 86400000;
    if (ends_ms) *ends_ms = (best_e + 1) * 86400000 - 1;
    return 0;
}

static json_t *api_orchestrators(pt_txn *txn, uint64_t account)
{
    json_t *all = lic_list(txn, account), *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) {
        if (strcmp(pt_rec_str(r, "kind", ""), "orchestrator") != 0) continue;
        char ids[PT_ID_STRLEN], end[11] = "";
        pt_id_to_str(pt_rec_u64(r, "id", 0), ids);
        int64_t e = lic_day_parse(pt_rec_str(r, "end", ""));
        int64_t s = lic_day_parse(pt_rec_str(r, "start", ""));
        if (e >= 0) lic_day_fmt(e, end);
        const char *nick = pt_rec_str(r, "nickname", ""), *server = pt_rec_str(r, "server", "");
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", ids, "name",
                                             *nick ? nick : server, "server", server, "type",
                                             pt_rec_str(r, "type", ""), "end", end, "status",
                                             lic_status_name(lic_status_of(s, e, lic_today()))));
    }
    json_decref(all);
    return out;
}

const pt_licenses_lookup_api lic_lookup_api = {.lookup = api_lookup};
const pt_licenses_premium_api lic_premium_api = {.premium = api_premium};
const pt_licenses_servers_api lic_servers_api = {.orchestrators = api_orchestrators};

uint64_t lic_account_by_name(pt_txn *txn, const char *name)
{
    pt_db *db = pt_store_db("team.accounts");
    if (!db || !name) return 0;
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db, &rc);
    uint64_t id = 0;
    pt_kv kv;
    for (rc = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND; rc == 0 && !id; rc = pt_cursor_next(c, &kv)) {
        json_t *a = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &a, NULL) != 0) continue;
        if (strcmp(pt_rec_str(a, "name", ""), name) == 0) id = pt_rec_u64(a, "id", 0);
        json_decref(a);
    }
    if (c) pt_cursor_close(c);
    return id;
}
