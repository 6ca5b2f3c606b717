/*
 * plugins/contacts/util.c - small helpers of the contacts plugin: text
 * checks, translations, the staff check (portal admins everywhere,
 * account managers in their assigned accounts), route ids and settings.
 */
#include <stdio.h>
#include <string.h>

#include <portico/text.h>

#include "contacts.h"

/* Thin names over the core's shared checks (portico/text.h, auth.h). */
const char *con_account_name(pt_req *req, uint64_t account) { return pt_req_account_name(req, account); }
uint64_t con_param_id(pt_req *req, const char *name) { return pt_req_param_id(req, name); }
bool con_text_ok(const char *s, size_t max, bool multiline) { return pt_text_ok(s, max, multiline); }

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

bool con_staff_manages(pt_req *req, uint64_t account)
{
    const pt_principal *p = pt_req_principal(req);
    if (!p->user || !p->staff) return false;
    if (!p->admin && strcmp(pt_rec_str(p->info, "staff_role", ""), "account_manager") != 0)
        return false;
    if (!account) return true;
    return con_account_name(req, account) != NULL;
}

