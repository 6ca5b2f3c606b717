/*
 * plugins/support/premium.c - Premium Care: whether an account holds the
 * entitlement, asked through the licenses plugin's exported
 * "licenses.premium" API. Without that plugin nobody is premium. The
 * Premium section (/support/premium, support.premium) shows the
 * entitlement's dates, the vendor's toll-free numbers (config
 * support.premium_phones), an "Add new case" form with priority and a
 * callback number (posting to /support/new with premium=1), and the
 * account's cases per month (12 months, an SVG bar chart drawn with
 * attributes only, as the CSP forbids inline styles) with the median
 * first-response and resolution times.
 */
#include <stdlib.h>
#include <time.h>

#include "support.h"
#include "premium_api.h"

bool sup_premium_active(uint64_t account, int64_t *starts_ms, int64_t *ends_ms)
{
    const sup_licenses_premium_api *api = pt_api_find("licenses.premium");
    if (!api || !api->premium || !account) return false;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return false;
    rc = api->premium(txn, account, starts_ms, ends_ms);
    pt_txn_abort(txn);
    return rc == 0;
}

/* ---- the Premium section (/support/premium) ----------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double median_h(int64_t *v, size_t n)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    double m = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
    return m / 3600000.0;
}

static json_t *fmt_hours(pt_req *req, double h)
{
    pt_buf b = PT_BUF_INIT;
    pt_i18n_format_number(req, h, 1, &b);
    json_t *s = json_string(b.data ? b.data : "0");
    pt_buf_free(&b);
    return s;
}

/* Cases per month for the last 12 months, first response and resolution
 * medians (hours), and the bars of an SVG chart (no inline styles: CSP). */
static json_t *analytics(pt_req *req, const json_t *cases)
{
    int64_t now = (int64_t)pt_wall_ms();
    time_t t = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    int y = tm.tm_year + 1900, mo = tm.tm_mon; /* current month */
    size_t counts[12] = {0};
    size_t n = json_array_size(cases);
    int64_t *fr = pt_xcalloc(n + 1, sizeof *fr), *rs = pt_xcalloc(n + 1, sizeof *rs);
    size_t nfr = 0, nrs = 0, i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        int64_t cr = pt_rec_int(c, "created", 0);
        time_t ct = (time_t)(cr / 1000);
        struct tm ctm;
        gmtime_r(&ct, &ctm);
        int back = (y - (ctm.tm_year + 1900)) * 12 + (mo - ctm.tm_mon);
        if (back >= 0 && back < 12) counts[11 - back]++;
        if (pt_rec_int(c, "first_response", 0) > cr) fr[nfr++] = pt_rec_int(c, "first_response", 0) - cr;
        if (pt_rec_int(c, "resolved", 0) > cr) rs[nrs++] = pt_rec_int(c, "resolved", 0) - cr;
    }
    size_t max = 1;
    for (int k = 0; k < 12; k++) max = counts[k] > max ? counts[k] : max;
    json_t *bars = json_array();
    json_t *cat = pt_i18n_catalog(pt_i18n_lang(req));
    const json_t *months = json_object_get(json_object_get(cat, "_format"), "months_short");
    for (int k = 0; k < 12; k++) {
        int m = ((mo - 11 + k) % 12 + 12) % 12;
        int h = (int)(counts[k] * 100 / max);
        const char *label = json_string_value(json_array_get(months, (size_t)m));
        char fallback[4];
        snprintf(fallback, sizeof fallback, "%d", m + 1);
        json_array_append_new(bars, json_pack("{s:I, s:s, s:i, s:i, s:i, s:i}", "count",
                                              (json_int_t)counts[k], "label", label ? label : fallback,
                                              "x", k * 40 + 5, "y", 110 - h, "height", h, "tx", k * 40 + 20));
    }
    json_decref(cat);
    json_t *o = json_pack("{s:o, s:o, s:o, s:I, s:I}", "bars", bars, "median_first_h",
                          fmt_hours(req, median_h(fr, nfr)), "median_resolution_h",
                          fmt_hours(req, median_h(rs, nrs)), "responded", (json_int_t)nfr,
                          "resolved", (json_int_t)nrs);
    free(fr);
    free(rs);
    return o;
}

int sup_premium_page(pt_req *req)
{
    int64_t starts = 0, ends = 0;
    bool active = sup_premium_active(pt_req_account(req), &starts, &ends);
    json_t *ctx = json_pack("{s:b}", "active", active);
    if (active) {
        json_object_set_new(ctx, "starts_display", sup_date_json(req, starts));
        json_object_set_new(ctx, "ends_display", sup_date_json(req, ends));
        json_t *phones = json_array();
        size_t i;
        json_t *p;
        json_array_foreach(pt_host_config_get(sup_host(), "premium_phones"), i, p) {
            const char *l = json_string_value(json_object_get(p, "label"));
            const char *nr = json_string_value(json_object_get(p, "number"));
            if (l && nr) json_array_append_new(phones, json_pack("{s:s, s:s}", "label", l, "number", nr));
        }
        json_object_set_new(ctx, "phones", phones);
        int rc = 0;
        pt_txn *txn = pt_txn_begin(false, &rc);
        json_t *all = txn ? sup_case_list_visible(txn, req, false) : json_array();
        pt_txn_abort(txn);
        json_object_set_new(ctx, "analytics", analytics(req, all));
        json_decref(all);
        json_t *prios = json_array();
        for (size_t k = 0; sup_priorities[k]; k++)
            json_array_append_new(prios, json_pack("{s:s, s:s, s:b}", "value", sup_priorities[k], "label",
                                                   sup_label(req, "priority", sup_priorities[k]),
                                                   "selected", k == 1));
        json_object_set_new(ctx, "priorities", prios);
    }
    pt_render_page(req, 200, "support/premium", ctx);
    return 0;
}
