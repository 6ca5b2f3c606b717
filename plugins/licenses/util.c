/*
 * plugins/licenses/util.c - small helpers of the licenses plugin: dates as
 * day numbers (civil calendar, UTC), text checks, translations,
 * transactions that answer 503 on failure, the staff check and CSV cells.
 */
#include <stdio.h>
#include <string.h>

#include "licenses.h"

pt_db *lic_db(const char *thing)
{
    char name[PT_DB_NAME_MAX + 1];
    snprintf(name, sizeof name, "licenses.%s", thing);
    return pt_store_db(name);
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

int64_t lic_day_parse(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return -1;
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d > max) return -1;
    return days_from_civil(y, m, d);
}

void lic_day_fmt(int64_t day, char out[11])
{
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;
    out[0] = (char)('0' + y / 1000), out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10), out[3] = (char)('0' + y % 10), out[4] = '-';
    out[5] = (char)('0' + m / 10 % 10), out[6] = (char)('0' + m % 10), out[7] = '-';
    out[8] = (char)('0' + d / 10 % 10), out[9] = (char)('0' + d % 10), out[10] = 0;
}

int64_t lic_today(void) { return (int64_t)(pt_wall_ms() / 86400000ull); }

static bool utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n) return false;
        if (len == 2 && c < 0xC2) return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return false;
        if (len == 3) {
            unsigned cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        }
        if (len == 4) {
            unsigned cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
                          ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
            if (cp < 0x10000 || cp > 0x10FFFF) return false;
        }
        i += len;
    }
    return true;
}

bool lic_text_ok(const char *s, size_t max, bool multiline)
{
    if (!s) return false;
    size_t n = strlen(s);
    if (n > max || !utf8_ok((const unsigned char *)s, n)) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x7F) return false;
        if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) return false;
    }
    return true;
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

const char *lic_account_name(pt_req *req, uint64_t account)
{
    const pt_principal *p = pt_req_principal(req);
    char s[PT_ID_STRLEN];
    pt_id_to_str(account, s);
    size_t i;
    json_t *a;
    json_array_foreach(p->accounts, i, a) {
        if (strcmp(pt_rec_str(a, "id", ""), s) == 0) return pt_rec_str(a, "name", "");
    }
    return NULL;
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

uint64_t lic_param_id(pt_req *req, const char *name)
{
    uint64_t id = 0;
    const char *s = pt_req_param(req, name);
    if (!s || pt_id_parse(s, &id) != 0) return 0;
    return id;
}
