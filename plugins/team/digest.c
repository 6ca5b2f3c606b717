/*
 * plugins/team/digest.c - the weekly email digest: for every active user
 * who kept "weekly digest" on in their notification settings, one mail
 * listing the notifications of the past week they have not read (new and
 * updated knowledge articles, case replies, license reminders...).
 *
 * A worker timer checks every `team.digest_check_seconds`; the run is
 * claimed in a write transaction (team.jobs "digest:last"), so with
 * several workers exactly one sends each week's digest, and the mails are
 * written to the outbox in that same transaction. Portal admins can send
 * it at once with POST /api/v1/admin/digest/run (tests, demos).
 */
#include <string.h>

#include "team.h"
#include "team_digest.h"

#define WEEK_MS (7ull * 24 * 3600 * 1000)
#define JOBS_DB "team.jobs"
#define LAST_KEY "digest:last"

/* Unread notifications of uid since `since`, newest first, in the user's
 * language (new array). */
static json_t *unread_since(pt_txn *txn, uint64_t uid, const char *lang, uint64_t since)
{
    json_t *list = NULL, *out = json_array();
    if (pt_notify_list_lang(txn, uid, lang, 50, &list) != 0) return out;
    size_t i;
    json_t *n;
    json_array_foreach(list, i, n) {
        if (pt_rec_bool(n, "read", false)) continue;
        if ((uint64_t)pt_rec_int(n, "at", 0) < since) continue;
        json_array_append(out, n);
    }
    json_decref(list);
    return out;
}

static bool wants_digest(const json_t *u)
{
    if (strcmp(pt_rec_str(u, "status", "active"), "active") != 0) return false;
    if (!pt_rec_bool(u, "verified", false)) return false;
    return pt_rec_bool(json_object_get(u, "notify"), "digest", true);
}

int team_digest_run(bool force, size_t *sent)
{
    *sent = 0;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    pt_db *jobs = pt_store_db(JOBS_DB);
    uint64_t now = pt_wall_ms(), last = 0;
    const void *v;
    size_t vl;
    if (pt_kv_get(txn, jobs, LAST_KEY, strlen(LAST_KEY), &v, &vl) == 0 && vl == 8)
        last = pt_key_read_u64(v);
    if (!force && last && now - last < WEEK_MS) {
        pt_txn_abort(txn);
        return 0;
    }
    uint8_t stamp[8];
    pt_key_u64(stamp, now);
    rc = pt_kv_put(txn, jobs, LAST_KEY, strlen(LAST_KEY), stamp, 8, 0);
    pt_cursor *c = rc == 0 ? pt_cursor_open(txn, pt_store_db("team.users"), &rc) : NULL;
    pt_kv kv;
    int crc = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND;
    for (; rc == 0 && crc == 0; crc = pt_cursor_next(c, &kv)) {
        json_t *u = NULL;
        if (kv.klen != 8 || pt_record_decode(kv.val, kv.vlen, &u, NULL) != 0) continue;
        uint64_t uid = pt_key_read_u64(kv.key);
        json_t *items = wants_digest(u) ? unread_since(txn, uid, pt_rec_str(u, "lang", "en"), now - WEEK_MS) : json_array();
        if (json_array_size(items) > 0) {
            json_t *data = json_pack("{s:s, s:O, s:I}", "name", pt_rec_str(u, "name", ""), "items",
                                     items, "count", (json_int_t)json_array_size(items));
            pt_mail m = {.to = pt_rec_str(u, "email", ""),
                         .template = "team/mail/digest",
                         .data = data,
                         .lang = pt_rec_str(u, "lang", "en"),
                         .kind = "digest"};
            const char *why = NULL;
            int mrc = pt_mail_enqueue(txn, &m, &why);
            json_decref(data);
            if (mrc == 0) (*sent)++;
            else if (mrc != PT_EINVAL) rc = mrc; /* a bad stored address skips one user */
        }
        json_decref(items);
        json_decref(u);
    }
    if (c) pt_cursor_close(c);
    if (rc == 0) return pt_txn_commit(txn);
    pt_txn_abort(txn);
    *sent = 0;
    return rc;
}

static void digest_timer(void *ud)
{
    (void)ud;
    size_t sent = 0;
    int rc = team_digest_run(false, &sent);
    if (rc != 0) pt_warn("team: weekly digest failed (%s); will try again", pt_strerror(rc));
    else if (sent) pt_info("team: weekly digest queued for %zu user(s)", sent);
}

static int digest_api(pt_req *req)
{
    if (!pt_req_is_admin(req)) {
        pt_http_error(req, 403, pt_t(req, "errors.admin_only"));
        return 0;
    }
    size_t sent = 0;
    int rc = team_digest_run(true, &sent);
    if (rc != 0) {
        pt_http_error(req, 503, pt_t(req, "errors.busy"));
        return 0;
    }
    pt_resp_json(req, 200, json_pack("{s:I}", "sent", (json_int_t)sent));
    return 0;
}

int team_digest_init(pt_host *h)
{
    int rc = pt_host_db(h, "jobs", PT_DB_PLAIN);
    if (rc == 0)
        rc = pt_host_config(h, "digest_check_seconds", PT_CONFIG_INT, json_integer(3600),
                            "How often workers check whether the weekly digest is due "
                            "(0 = never; admins can still send it).");
    if (rc == 0)
        rc = pt_host_route(h, &(pt_route){.method = "POST",
                                          .pattern = "/api/v1/admin/digest/run",
                                          .handler = digest_api,
                                          .flags = PT_ROUTE_STAFF | PT_ROUTE_JSON});
    return rc;
}

int team_digest_worker_start(pt_host *h)
{
    const json_t *v = pt_host_config_get(h, "digest_check_seconds");
    json_int_t secs = json_is_integer(v) ? json_integer_value(v) : 3600;
    if (secs <= 0) return 0;
    return pt_host_timer(h, (unsigned)(secs < 1 ? 1 : secs) * 1000u, digest_timer, NULL);
}
