/*
 * plugins/licenses/import.c - CSV import of an account's licenses (libcsv,
 * RFC 4180, UTF-8). The first line names the columns (any order, case
 * ignored; unknown columns are ignored, so the file /licenses/export.csv
 * gives back is accepted too):
 *   kind          orchestrator | product | standalone            (required)
 *   server        instance name; for a product: its orchestrator's server
 *   server_type   onprem | cloud (orchestrators; also "type")
 *   product, sku, quantity, start, end (YYYY-MM-DD; a product's end
 *                 follows its orchestrator and is ignored)
 *   license_key   optional (also "key"); generated when empty
 * Every row is checked and reported; the import is all or nothing: one bad
 * row and nothing is stored (the report says which rows to fix).
 */
#include <csv.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "licenses.h"

typedef struct {
    json_t *rows;   /* array of arrays of strings (null: invalid UTF-8) */
    json_t *cur;
    bool too_many;
} parse_state;

static void on_field(void *s, size_t len, void *ud)
{
    parse_state *st = ud;
    if (!st->cur) st->cur = json_array();
    json_t *v = json_stringn(s ? s : "", s ? len : 0);
    json_array_append_new(st->cur, v ? v : json_null());
}

static void on_row(int c, void *ud)
{
    (void)c;
    parse_state *st = ud;
    if (!st->cur) return;
    if (json_array_size(st->rows) > LIC_CSV_ROWS_MAX) st->too_many = true;
    else json_array_append(st->rows, st->cur);
    json_decref(st->cur);
    st->cur = NULL;
}

static int col(json_t *header, const char *a, const char *b)
{
    size_t i;
    json_t *h;
    json_array_foreach(header, i, h) {
        const char *s = json_string_value(h);
        if (!s) continue;
        while (*s == ' ') s++;
        if (!strcasecmp(s, a) || (b && !strcasecmp(s, b))) return (int)i;
    }
    return -1;
}

static const char *cell(json_t *row, int i)
{
    if (i < 0) return "";
    const char *s = json_string_value(json_array_get(row, (size_t)i));
    return s ? s : "";
}

/* Trimmed copy (blanks) as a JSON string. */
static json_t *trimmed(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    json_t *v = json_stringn(s, n);
    return v ? v : json_string("");
}

static uint64_t orchestrator_by_server(pt_txn *txn, uint64_t account, const char *server)
{
    json_t *all = lic_list(txn, account);
    uint64_t id = 0;
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) {
        if (!strcmp(pt_rec_str(r, "kind", ""), "orchestrator") && !strcmp(pt_rec_str(r, "server", ""), server))
            id = pt_rec_u64(r, "id", 0);
    }
    json_decref(all);
    return id;
}

int lic_import_csv(pt_req *req, pt_txn *txn, uint64_t account, const char *data, size_t len,
                   json_t **report, const char **why)
{
    *report = NULL;
    if (len == 0) {
        *why = "import.empty";
        return PT_EINVAL;
    }
    if (len > LIC_CSV_BYTES_MAX) {
        *why = "import.too_big";
        return PT_EINVAL;
    }
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) data += 3, len -= 3;
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        *why = "err.busy";
        return PT_EINVAL;
    }
    parse_state st = {json_array(), NULL, false};
    size_t used = csv_parse(&p, data, len, on_field, on_row, &st);
    int bad = used != len || csv_fini(&p, on_field, on_row, &st) != 0;
    csv_free(&p);
    json_decref(st.cur);
    if (bad || st.too_many || json_array_size(st.rows) < 2) {
        *why = bad ? "import.malformed" : st.too_many ? "import.too_many" : "import.empty";
        json_decref(st.rows);
        return PT_EINVAL;
    }
    json_t *header = json_array_get(st.rows, 0);
    int c_kind = col(header, "kind", NULL), c_server = col(header, "server", NULL),
        c_type = col(header, "server_type", "type"), c_product = col(header, "product", NULL),
        c_sku = col(header, "sku", NULL), c_qty = col(header, "quantity", NULL),
        c_start = col(header, "start", NULL), c_end = col(header, "end", NULL),
        c_key = col(header, "license_key", "key");
    if (c_kind < 0 || c_product < 0 || c_sku < 0 || c_qty < 0 || c_start < 0) {
        *why = "import.columns";
        json_decref(st.rows);
        return PT_EINVAL;
    }
    json_t *rows = json_array();
    size_t errors = 0, imported = 0;
    for (size_t i = 1; i < json_array_size(st.rows); i++) {
        json_t *row = json_array_get(st.rows, i);
        json_t *rep = json_pack("{s:I}", "row", (json_int_t)(i + 1));
        json_t *rec = json_object();
        const char *msg = NULL, *field = NULL;
        bool utf8 = true;
        size_t k;
        json_t *v;
        json_array_foreach(row, k, v) utf8 = utf8 && json_is_string(v);
        if (!utf8) msg = "import.utf8";
        const char *kind = cell(row, c_kind);
        char kl[16] = "";
        for (size_t j = 0; kind[j] && j < sizeof kl - 1; j++) kl[j] = (char)tolower((unsigned char)kind[j]), kl[j + 1] = 0;
        json_object_set_new(rec, "kind", json_string(kl));
        json_object_set_new(rec, "server", trimmed(cell(row, c_server)));
        json_object_set_new(rec, "type", trimmed(cell(row, c_type)));
        json_object_set_new(rec, "product", trimmed(cell(row, c_product)));
        json_object_set_new(rec, "sku", trimmed(cell(row, c_sku)));
        json_object_set_new(rec, "start", trimmed(cell(row, c_start)));
        json_object_set_new(rec, "end", trimmed(cell(row, c_end)));
        json_object_set_new(rec, "key", trimmed(cell(row, c_key)));
        const char *qs = cell(row, c_qty);
        char *endp = NULL;
        long long q = strtoll(qs, &endp, 10);
        json_object_set_new(rec, "quantity", json_integer(*qs && endp && !*endp ? q : 0));
        if (!msg && !strcmp(kl, "product")) {
            uint64_t parent = orchestrator_by_server(txn, account, pt_rec_str(rec, "server", ""));
            if (!parent) msg = "import.no_orchestrator";
            pt_rec_set_u64(rec, "parent", parent);
        }
        json_object_set(rep, "server", json_object_get(rec, "server"));
        json_object_set(rep, "product", json_object_get(rec, "product"));
        json_object_set(rep, "sku", json_object_get(rec, "sku"));
        uint64_t id = 0;
        if (!msg && lic_validate(txn, account, rec, &field, &msg) == 0) {
            if (lic_create(txn, account, rec, &id) != 0) msg = "err.busy";
        }
        if (msg) {
            errors++;
            json_object_set_new(rep, "status", json_string("error"));
            json_object_set_new(rep, "message", json_string(lic_t(req, msg)));
            if (field) json_object_set_new(rep, "field", json_string(field));
        } else {
            imported++;
            json_object_set_new(rep, "status", json_string("ok"));
            json_object_set_new(rep, "key", json_string(pt_rec_str(rec, "key", "")));
        }
        json_decref(rec);
        json_array_append_new(rows, rep);
    }
    json_decref(st.rows);
    *report = json_pack("{s:o, s:I, s:I}", "rows", rows, "imported", (json_int_t)(errors ? 0 : imported),
                        "errors", (json_int_t)errors);
    return 0;
}
