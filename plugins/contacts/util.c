/*
 * plugins/contacts/util.c - small helpers of the contacts plugin: text
 * checks, translations, the staff check (portal admins everywhere,
 * account managers in their assigned accounts), route ids and settings.
 */
#include <stdio.h>
#include <string.h>

#include "contacts.h"

static pt_host *host;
void con_set_host(pt_host *h) { host = h; }

long long con_cfg_int(const char *key, long long dflt)
{
    const json_t *v = host ? pt_host_config_get(host, key) : NULL;
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

const char *con_t(pt_req *req, const char *key)
{
    char k[160];
    snprintf(k, sizeof k, "contacts.%s", key);
    return pt_t(req, k);
}

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

bool con_text_ok(const char *s, size_t max, bool multiline)
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

bool con_staff_manages(pt_req *req, uint64_t account)
{
    const pt_principal *p = pt_req_principal(req);
    if (!p->user || !p->staff) return false;
    if (!p->admin && strcmp(pt_rec_str(p->info, "staff_role", ""), "account_manager") != 0)
        return false;
    if (!account) return true;
    return con_account_name(req, account) != NULL;
}

const char *con_account_name(pt_req *req, uint64_t account)
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

uint64_t con_param_id(pt_req *req, const char *name)
{
    uint64_t id = 0;
    const char *s = pt_req_param(req, name);
    if (!s || pt_id_parse(s, &id) != 0) return 0;
    return id;
}
