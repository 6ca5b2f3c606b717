/*
 * plugins/licenses/util.c - small helpers of the licenses plugin: dates as
 * day numbers (civil calendar, UTC), text checks, translations,
 * transactions that answer 503 on failure, the staff check and CSV cells.
 */
#include <stdio.h>
#include <string.h>

#include <portico/text.h>

#include "licenses.h"

/* Thin names over the core's shared checks (portico/text.h, auth.h). */
const char *lic_account_name(pt_req *req, uint64_t account) { return pt_req_account_name(req, account); }
uint64_t lic_param_id(pt_req *req, const char *name) { return pt_req_param_id(req, name); }
int64_t lic_day_parse(const char *s) { return pt_day_parse(s); }
void lic_day_fmt(int64_t day, char out[11]) { pt_day_fmt(day, out); }
int64_t lic_today(void) { return pt_day_today(); }
bool lic_text_ok(const char *s, size_t max, bool multiline) { return pt_text_ok(s, max, multiline); }

pt_db *lic_db(const char *thing)
{
    char name[PT_DB_NAME_MAX + 1];
    snprintf(name, sizeof name, "licenses.%s", thing);
    return pt_store_db(name);
}

const char *lic_t(pt_req *req, const char *key)
{
    char k[160];
    snprintf(k, sizeof k, "licenses.%s", key);
    return pt_t(req, k);
}

pt_txn *lic_begin(pt_req *req, bool write)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(write, &rc);
    if (!txn) pt_http_error(req, 503, lic_t(req, "err.busy"));
    return txn;
}

int lic_commit(pt_req *req, pt_txn *txn)
{
    int rc = pt_txn_commit(txn);
    if (rc != 0) {
        pt_error("licenses: commit failed: %s", pt_store_last_error());
        pt_http_error(req, 503, lic_t(req, "err.busy"));
    }
    return rc;
}

bool lic_staff_manages(pt_req *req, uint64_t account)
{
    const pt_principal *p = pt_req_principal(req);
    if (!p->user || !p->staff) return false;
    if (!p->admin && strcmp(pt_rec_str(p->info, "staff_role", ""), "account_manager") != 0)
        return false;
    if (!account) return true;
    return lic_account_name(req, account) != NULL;
}

void lic_csv_cell(pt_buf *b, const char *s, bool text)
{
    if (!s) s = "";
    bool formula = text && s[0] && strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' ||
                 (s[0] && s[strlen(s) - 1] == ' ');
    if (!quote) {
        pt_buf_puts(b, s);
        return;
    }
    pt_buf_putc(b, '"');
    if (formula) pt_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '"') pt_buf_putc(b, '"');
        pt_buf_putc(b, *s);
    }
    pt_buf_putc(b, '"');
}

