/*
 * plugins/quotes/util.c - small helpers of the quotes plugin: dates as day
 * numbers (UTC), text checks, translations, settings, the staff check
 * (portal admins everywhere, account managers in their assigned accounts).
 */
#include <stdio.h>
#include <string.h>

#include <portico/text.h>

#include "quotes.h"

/* Thin names over the core's shared checks (portico/text.h, auth.h). */
const char *quo_account_name(pt_req *req, uint64_t account) { return pt_req_account_name(req, account); }
uint64_t quo_param_id(pt_req *req, const char *name) { return pt_req_param_id(req, name); }
int64_t quo_day_parse(const char *s) { return pt_day_parse(s); }
void quo_day_fmt(int64_t day, char out[11]) { pt_day_fmt(day, out); }
int64_t quo_today(void) { return pt_day_today(); }
bool quo_text_ok(const char *s, size_t max, bool multiline) { return pt_text_ok(s, max, multiline); }

static pt_host *host;
void quo_set_host(pt_host *h) { host = h; }

const char *quo_cfg_str(const char *key, const char *dflt)
{
    const json_t *v = host ? pt_host_config_get(host, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : dflt;
}

bool quo_cfg_bool(const char *key, bool dflt)
{
    const json_t *v = host ? pt_host_config_get(host, key) : NULL;
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

const char *quo_t(pt_req *req, const char *key)
{
    char k[160];
    snprintf(k, sizeof k, "quotes.%s", key);
    return pt_t(req, k);
}

bool quo_status_ok(const char *s)
{
    return s && (!strcmp(s, "submitted") || !strcmp(s, "in_review") || !strcmp(s, "quoted") ||
                 !strcmp(s, "closed"));
}

json_t *quo_date_display(pt_req *req, const char *iso)
{
    int64_t d = quo_day_parse(iso);
    if (d < 0) return json_string(iso ? iso : "");
    pt_buf b = PT_BUF_INIT;
    pt_i18n_format_date(req, d * 86400000, "UTC", &b);
    json_t *v = json_string(b.data ? b.data : iso);
    pt_buf_free(&b);
    return v;
}

bool quo_staff_manages(pt_req *req, uint64_t account)
{
    const pt_principal *p = pt_req_principal(req);
    if (!p->user || !p->staff) return false;
    if (!p->admin && strcmp(pt_rec_str(p->info, "staff_role", ""), "account_manager") != 0)
        return false;
    if (!account) return true;
    return quo_account_name(req, account) != NULL;
}

