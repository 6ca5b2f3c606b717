/*
 * plugins/licenses/reminders.c - renewal reminders: users holding
 * licenses.view in the account get a notification 90, 30 and 7 days before
 * a license's end date (orchestrators and stand-alone licenses; products
 * under an orchestrator end with it and are named by its reminder).
 *
 * Idempotent: licenses.reminders holds (license id, threshold) -> {end};
 * a threshold is posted once per end date (a renewal that moves the end
 * date starts a new cycle). Only the nearest threshold is posted, so a
 * license created 20 days before its end gets the 30-day reminder, not
 * also the 90-day one. The check and its bookkeeping are one write
 * transaction, so two workers running it at once cannot both post.
 *
 * Timer: a pt_host_timer on each worker's event loop runs the check every
 * licenses.reminder_check_seconds (default 3600; 0 = no timer), the first
 * one an interval after start. licenses.meta "last_check" lets the other workers skip a
 * check that ran moments ago. Staff can run it now with
 * POST /licenses/reminders/run (tests use that to be deterministic).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "licenses.h"

static const int thresholds[] = {7, 30, 90};

/* "{name} ..." substitution of the English catalog text. */
static int check_one(pt_txn *txn, const json_t *rec, int64_t today, json_t *sent)
{
    if (pt_rec_u64(rec, "parent", 0)) return 0;
    int64_t end = lic_day_parse(pt_rec_str(rec, "end", ""));
    int64_t start = lic_day_parse(pt_rec_str(rec, "start", ""));
    if (end < 0 || end < today || start > today) return 0;
    int64_t left = end - today;
    int t = 0;
    for (size_t i = 0; i < sizeof thresholds / sizeof thresholds[0] && !t; i++)
        if (left <= thresholds[i]) t = thresholds[i];
    if (!t) return 0;
    uint64_t id = pt_rec_u64(rec, "id", 0);
    pt_key k;
    pt_key_init(&k);
    pt_key_add_u64(&k, id);
    pt_key_add_u64(&k, (uint64_t)t);
    char iso[11];
    lic_day_fmt(end, iso);
    json_t *done = NULL;
    if (pt_record_get(txn, lic_db("reminders"), k.b, k.len, &done) == 0) {
        bool same = strcmp(pt_rec_str(done, "end", ""), iso) == 0;
        json_decref(done);
        if (same) return 0;
    }
    const char *nick = pt_rec_str(rec, "nickname", "");
    const char *name = *nick ? nick : *pt_rec_str(rec, "server", "") ? pt_rec_str(rec, "server", "")
                                                                     : pt_rec_str(rec, "product", "");
    char *label = pt_xasprintf("%s (%s)", name, pt_rec_str(rec, "sku", ""));
    json_t *args = json_pack("{s:s, s:s, s:I}", "name", label, "date", iso, "days",
                             (json_int_t)left);
    char ids[PT_ID_STRLEN];
    pt_id_to_str(id, ids);
    char href[64];
    snprintf(href, sizeof href, "/licenses#lic-%s", ids);
    /* stored as a catalog message: each reader sees it in their language */
    int rc = pt_notify_msg(txn,
                           &(pt_notification){.kind = "licenses.renewal",
                                              .account = pt_rec_u64(rec, "account", 0),
                                              .permission = "licenses.view",
                                              .href = href},
                           "licenses.notify.text", args);
    free(label);
    json_decref(args);
    if (rc != 0) return rc;
    json_t *mark = json_pack("{s:i, s:s, s:I}", "_v", 1, "end", iso, "at", (json_int_t)pt_wall_ms());
    rc = pt_record_put(txn, lic_db("reminders"), k.b, k.len, mark);
    json_decref(mark);
    if (rc == 0 && sent) json_array_append_new(sent, json_pack("{s:s, s:i}", "id", ids, "threshold", t));
    return rc;
}

static int run(int64_t min_gap_ms, json_t **sent_out)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    json_t *meta = NULL;
    uint64_t now = pt_wall_ms();
    if (min_gap_ms > 0 && pt_record_get(txn, lic_db("meta"), "last_check", 10, &meta) == 0) {
        int64_t at = pt_rec_int(meta, "at", 0);
        json_decref(meta);
        if ((int64_t)now - at < min_gap_ms) {
            pt_txn_abort(txn);
            if (sent_out) *sent_out = json_array();
            return 0;
        }
    }
    json_t *sent = json_array();
    int64_t today = lic_today();
    pt_cursor *c = pt_cursor_open(txn, lic_db("items"), &rc);
    json_t *recs = json_array();
    pt_kv kv;
    for (int r = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND; r == 0; r = pt_cursor_next(c, &kv)) {
        json_t *rec = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &rec, NULL) == 0) json_array_append_new(recs, rec);
    }
    if (c) pt_cursor_close(c);
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec) {
        if (rc == 0) rc = check_one(txn, rec, today, sent);
    }
    json_decref(recs);
    if (rc == 0) {
        json_t *m = json_pack("{s:i, s:I}", "_v", 1, "at", (json_int_t)now);
        rc = pt_record_put(txn, lic_db("meta"), "last_check", 10, m);
        json_decref(m);
    }
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc != 0) {
        pt_error("licenses: renewal check failed: %s", pt_store_last_error());
        json_decref(sent);
        return rc;
    }
    if (json_array_size(sent)) pt_info("licenses: %zu renewal reminder(s) posted", json_array_size(sent));
    if (sent_out) *sent_out = sent;
    else json_decref(sent);
    return 0;
}

int lic_reminders_run(bool force, json_t **sent)
{
    return run(force ? 0 : 50 * 60 * 1000, sent);
}

int lic_reminders_post(pt_req *req)
{
    if (!lic_staff_manages(req, 0)) {
        pt_http_error(req, 403, lic_t(req, "err.staff_only"));
        return 0;
    }
    json_t *sent = NULL;
    if (run(0, &sent) != 0) {
        pt_http_error(req, 503, lic_t(req, "err.busy"));
        return 0;
    }
    if (pt_req_wants_json(req)) {
        pt_resp_json(req, 200, json_pack("{s:o}", "sent", sent));
        return 0;
    }
    char *loc = pt_arena_printf(pt_req_arena(req), "/licenses/manage?sent=%zu", json_array_size(sent));
    json_decref(sent);
    pt_resp_redirect(req, loc);
    return 0;
}

/* ---- the timer ------------------------------------------------------------ */

static long interval_s;

static void tick(void *ud)
{
    (void)ud;
    run(interval_s * 1000 * 5 / 6, NULL);
}

int lic_reminders_start(pt_host *h)
{
    const json_t *v = pt_host_config_get(h, "reminder_check_seconds");
    interval_s = json_is_integer(v) ? (long)json_integer_value(v) : 3600;
    if (interval_s <= 0) return 0;
    return pt_host_timer(h, (unsigned)(interval_s < 1 ? 1 : interval_s) * 1000u, tick, NULL);
}

void lic_reminders_stop(pt_host *h)
{
    (void)h; /* timers end with the worker's event loop */
}
