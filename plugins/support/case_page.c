/*
 * plugins/support/case_page.c - one case: the page with its whole
 * conversation, replies (and agents' internal notes), and changes
 * (status, priority, assignee, CC, the customer's accept/close with a
 * rating, reopen within support.reopen_days). Every change is one write
 * transaction holding the case, its conversation entry and its mails;
 * the case.* actions run after the commit.
 */
#include <string.h>

#include "support.h"

static const char *principal_name(pt_req *req)
{
    const pt_principal *p = pt_req_principal(req);
    const char *n = pt_rec_str(p->info, "name", "");
    return *n ? n : pt_rec_str(p->info, "email", "");
}

static void emit(const char *event, const json_t *c, pt_req *req, json_t *extra)
{
    json_t *ev = sup_case_public(c);
    if (extra) json_object_update(ev, extra);
    pt_event_emit(event, ev, req);
    json_decref(ev);
}

/* Knowledge articles an agent links to a reply: up to 5 {url, title}, url a
 * local /knowledge/ path. New array, or NULL when one is bad. */
static json_t *clean_articles(const json_t *in)
{
    json_t *out = json_array();
    size_t i;
    json_t *a;
    if (in && !json_is_array(in)) goto bad;
    json_array_foreach(in, i, a) {
        const char *url = json_string_value(json_object_get(a, "url"));
        const char *title = json_string_value(json_object_get(a, "title"));
        if (!url || strncmp(url, "/knowledge/", 11) != 0 || strlen(url) > 300 || strstr(url, "//") ||
            strpbrk(url, "\"<> \t\r\n") || i >= 5)
            goto bad;
        if (!title || !*title) title = url;
        if (strlen(title) > 200) goto bad;
        json_array_append_new(out, json_pack("{s:s, s:s}", "url", url, "title", title));
    }
    return out;
bad:
    json_decref(out);
    return NULL;
}

int sup_reply(pt_req *req, uint64_t number, const char *body, bool internal,
              const json_t *articles_in, sup_upload *const *files, size_t nfiles, json_t **out,
              const char **why, int *status)
{
    json_t *articles = clean_articles(articles_in);
    if (!articles) {
        *why = "support.err.articles", *status = 422;
        return PT_EINVAL;
    }
    size_t n = body ? strlen(body) : 0;
    bool message = n > 0 || nfiles == 0; /* files alone make a reply too */
    json_t *chk = n ? json_string(body) : NULL;
    if (message && (!chk || n > SUP_BODY_MAX)) {
        json_decref(chk);
        json_decref(articles);
        *why = "support.err.body", *status = 422;
        return PT_EINVAL;
    }
    json_decref(chk);
    if (internal && nfiles) { /* attachments are always visible to the customer */
        json_decref(articles);
        *why = "support.err.note_files", *status = 422;
        return PT_EINVAL;
    }
    int rc = 0;
    for (size_t i = 0; i < nfiles && rc == 0; i++) rc = sup_upload_finish(files[i]);
    pt_txn *txn = rc ? NULL : pt_txn_begin(true, &rc);
    if (!txn) {
        json_decref(articles);
        *why = "support.err.busy", *status = 503;
        return rc;
    }
    json_t *c = NULL;
    rc = sup_case_get(txn, req, number, &c);
    if (rc) {
        pt_txn_abort(txn);
        json_decref(articles);
        *why = "support.err.not_found", *status = 404;
        return rc;
    }
    bool agent = sup_is_agent(req, c);
    if (json_array_size(articles) && !agent) {
        json_array_clear(articles); /* only agents link articles */
    }
    char st[24];
    snprintf(st, sizeof st, "%s", pt_rec_str(c, "status", "new"));
    if (internal && !agent) rc = PT_EPERM, *why = "support.err.notes_agents", *status = 403;
    else if (!agent && strcmp(st, "closed") == 0)
        rc = PT_EPERM, *why = "support.err.closed", *status = 409;
    if (rc) {
        json_decref(c);
        json_decref(articles);
        pt_txn_abort(txn);
        return rc;
    }
    json_t *old = json_deep_copy(c);
    int64_t now = (int64_t)pt_wall_ms();
    json_t *saved = NULL;
    if (message) {
        json_t *m = json_pack("{s:s, s:s, s:s, s:b}", "kind", internal ? "note" : "message", "body",
                              body, "author_name", principal_name(req), "by_agent", agent);
        pt_rec_set_u64(m, "author", pt_req_user(req));
        if (json_array_size(articles)) json_object_set(m, "articles", articles);
        rc = sup_msg_add(txn, c, m, &saved);
        json_decref(m);
    }
    json_decref(articles);
    for (size_t i = 0; i < nfiles && rc == 0; i++) rc = sup_upload_entry(txn, req, c, files[i]);
    json_object_set_new(c, "updated", json_integer(now));
    const char *new_status = NULL;
    if (!message) {
        /* files alone: like the attachments API, no status change or mail */
    } else if (!internal && agent) {
        if (!pt_rec_int(c, "first_response", 0)) json_object_set_new(c, "first_response", json_integer(now));
        if (strcmp(st, "new") == 0) new_status = "in_progress";
    } else if (!internal && strcmp(st, "waiting") == 0) {
        new_status = "in_progress";
    }
    if (new_status) json_object_set_new(c, "status", json_string(new_status));
    if (rc == 0) rc = sup_case_update(txn, old, c);
    if (rc == 0 && message && agent && !internal)
        rc = sup_mail_case(txn, c, "case_replied", body, pt_req_user(req));
    if (rc == 0 && message && agent && !internal && pt_rec_u64(c, "requester", 0)) {
        char num[24], href[64];
        sup_number_fmt(pt_rec_u64(c, "number", 0), num);
        snprintf(href, sizeof href, "/support/cases/%s", num);
        /* in the customer's language, not the replying agent's */
        json_t *args = json_pack("{s:s, s:s}", "number", num, "subject", pt_rec_str(c, "subject", ""));
        rc = pt_notify_msg(txn,
                           &(pt_notification){.kind = "support.case_replied",
                                              .user = pt_rec_u64(c, "requester", 0), .href = href},
                           "support.notify.replied_msg", args);
        json_decref(args);
    }
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        json_decref(old);
        json_decref(c);
        json_decref(saved);
        *why = "support.err.busy", *status = 503;
        return rc;
    }
    for (size_t i = 0; i < nfiles; i++) sup_upload_keep(files[i]);
    if (message && !internal) {
        json_t *x = json_pack("{s:b, s:s, s:s}", "by_agent", agent, "body", body, "author",
                              principal_name(req));
        emit("case.replied", c, req, x);
        json_decref(x);
    }
    if (new_status) {
        json_t *x = json_pack("{s:s, s:s}", "from", st, "to", new_status);
        emit("case.status_changed", c, req, x);
        json_decref(x);
    }
    json_decref(old);
    json_decref(c);
    if (out) *out = saved;
    else json_decref(saved);
    return 0;
}

static bool is_member(pt_txn *txn, uint64_t account, uint64_t user)
{
    pt_db *db = pt_store_db("team.members");
    if (!db) return false;
    uint8_t k[16];
    pt_key_u64(k, account);
    pt_key_u64(k + 8, user);
    const void *v;
    size_t vl;
    return pt_kv_get(txn, db, k, 16, &v, &vl) == 0;
}

static int add_event(pt_txn *txn, pt_req *req, json_t *c, const char *event, const char *from,
                     const char *to)
{
    json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "kind", "event", "event", event, "from",
                          from ? from : "", "to", to ? to : "", "author_name", principal_name(req),
                          "by_agent", sup_is_agent(req, c));
    pt_rec_set_u64(m, "author", pt_req_user(req));
    int rc = sup_msg_add(txn, c, m, NULL);
    json_decref(m);
    return rc;
}

/* Merge duplicate c into the case numbered target (same account, not
 * itself, not already merged): c is closed with merged_into, both get a
 * conversation entry. PT_EINVAL for a bad target. */
static int merge(pt_txn *txn, pt_req *req, json_t *c, const char *target)
{
    uint64_t tn = sup_number_parse(target);
    json_t *t = NULL;
    if (!tn || tn == pt_rec_u64(c, "number", 0) || pt_rec_u64(c, "merged_into", 0) ||
        sup_case_get(txn, req, tn, &t) != 0)
        return PT_EINVAL;
    if (pt_rec_u64(t, "account", 0) != pt_rec_u64(c, "account", 0)) {
        json_decref(t);
        return PT_EINVAL;
    }
    char a[24], b[24];
    sup_number_fmt(pt_rec_u64(c, "number", 0), a);
    sup_number_fmt(tn, b);
    json_t *told = json_deep_copy(t);
    json_object_set_new(t, "updated", json_integer((json_int_t)pt_wall_ms()));
    int rc = add_event(txn, req, t, "merged", a, b);
    if (rc == 0) rc = sup_case_update(txn, told, t);
    if (rc == 0) rc = add_event(txn, req, c, "merged", a, b);
    if (rc == 0 && strcmp(pt_rec_str(c, "status", ""), "closed") != 0) {
        rc = add_event(txn, req, c, "status", pt_rec_str(c, "status", ""), "closed");
        json_object_set_new(c, "status", json_string("closed"));
        json_object_set_new(c, "closed", json_integer((json_int_t)pt_wall_ms()));
    }
    pt_rec_set_u64(c, "merged_into", tn);
    json_decref(told);
    json_decref(t);
    return rc;
}

#define FAIL(f, w, s)                                                                              \
    do {                                                                                           \
        *field = (f), *why = (w), *status = (s);                                                   \
        rc = PT_EINVAL;                                                                            \
        goto out;                                                                                  \
    } while (0)

int sup_update(pt_req *req, uint64_t number, const json_t *changes, json_t **out,
               const char **field, const char **why, int *status)
{
    *field = NULL;
    if (!json_is_object(changes) || json_object_size(changes) == 0) {
        *why = "support.err.no_changes", *status = 400;
        return PT_EINVAL;
    }
    static const char *const known[] = {"status", "priority", "assignee", "cc_add", "rating",
                                        "rating_comment", "merge_into", NULL};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)changes, k, v) {
        if (!sup_in(k, known)) {
            *field = k, *why = "support.err.unknown_field", *status = 400;
            return PT_EINVAL;
        }
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) {
        *why = "support.err.busy", *status = 503;
        return rc;
    }
    json_t *c = NULL, *old = NULL;
    const char *st_from = NULL, *st_to = NULL;
    uint64_t assigned = 0;
    bool assign_changed = false;
    rc = sup_case_get(txn, req, number, &c);
    if (rc) {
        pt_txn_abort(txn);
        *why = "support.err.not_found", *status = 404;
        return PT_ENOTFOUND;
    }
    old = json_deep_copy(c);
    bool agent = sup_is_agent(req, c);
    int64_t now = (int64_t)pt_wall_ms();
    const char *cur = pt_rec_str(old, "status", "new");

    json_t *jst = json_object_get(changes, "status");
    if (jst) {
        const char *s = json_string_value(jst);
        if (!s || !sup_in(s, sup_statuses)) FAIL("status", "support.err.status", 400);
        if (!agent) {
            bool closing = strcmp(s, "closed") == 0 && strcmp(cur, "closed") != 0;
            bool reopening = strcmp(s, "in_progress") == 0 &&
                             (strcmp(cur, "closed") == 0 || strcmp(cur, "resolved") == 0);
            if (!closing && !reopening) FAIL("status", "support.err.status_customer", 403);
            if (reopening && strcmp(cur, "closed") == 0) {
                long long days = json_integer_value(pt_host_config_get(sup_host(), "reopen_days"));
                if (days <= 0) days = 14;
                if (now > pt_rec_int(c, "closed", 0) + days * 86400000LL)
                    FAIL("status", "support.err.reopen_window", 409);
            }
        }
        if (strcmp(s, cur) != 0) {
            st_from = cur, st_to = s;
            json_object_set_new(c, "status", json_string(s));
            if (strcmp(s, "resolved") == 0) json_object_set_new(c, "resolved", json_integer(now));
            if (strcmp(s, "closed") == 0) json_object_set_new(c, "closed", json_integer(now));
            rc = add_event(txn, req, c, "status", st_from, st_to);
            if (rc) FAIL(NULL, "support.err.busy", 503);
        }
    }
    json_t *jr = json_object_get(changes, "rating");
    if (jr && !json_is_null(jr)) {
        json_int_t r = json_is_integer(jr) ? json_integer_value(jr) : 0;
        if (json_is_string(jr)) {
            const char *s = json_string_value(jr);
            r = (s[0] >= '1' && s[0] <= '5' && !s[1]) ? s[0] - '0' : (s[0] ? 0 : -1);
        }
        if (r == -1) { /* an empty form field: no rating */ }
        else if (r < 1 || r > 5) FAIL("rating", "support.err.rating", 400);
        else if (agent && !pt_req_account(req)) FAIL("rating", "support.err.rating", 400);
        else if (strcmp(pt_rec_str(c, "status", ""), "closed") != 0)
            FAIL("rating", "support.err.rating_closed", 409);
        else json_object_set_new(c, "rating", json_integer(r));
    }
    json_t *jrc = json_object_get(changes, "rating_comment");
    if (jrc && !json_is_null(jrc)) {
        const char *s = json_string_value(jrc);
        if (!s || strlen(s) > 2000 || !json_is_string(jrc)) FAIL("rating_comment", "support.err.comment", 400);
        if (*s) json_object_set_new(c, "rating_comment", json_string(s));
    }
    json_t *jp = json_object_get(changes, "priority");
    if (jp) {
        const char *s = json_string_value(jp);
        if (!s || !sup_in(s, sup_priorities)) FAIL("priority", "support.err.priority", 400);
        if (!agent) FAIL("priority", "support.err.agents_only", 403);
        if (strcmp(s, pt_rec_str(c, "priority", "")) != 0) {
            rc = add_event(txn, req, c, "priority", pt_rec_str(old, "priority", ""), s);
            json_object_set_new(c, "priority", json_string(s));
            if (rc) FAIL(NULL, "support.err.busy", 503);
        }
    }
    json_t *ja = json_object_get(changes, "assignee");
    if (ja) {
        const char *s = json_string_value(ja);
        if (!s) FAIL("assignee", "support.err.assignee", 400);
        if (!agent) FAIL("assignee", "support.err.agents_only", 403);
        uint64_t uid = 0;
        json_t *u = NULL;
        if (strcmp(s, "me") == 0) uid = pt_req_user(req);
        else if (*s) uid = sup_user_by_email(txn, s);
        if (uid) u = sup_user_get(txn, uid);
        const char *role = u ? pt_rec_str(u, "staff", "none") : "none";
        if (*s && strcmp(role, "agent") != 0 && strcmp(role, "admin") != 0) {
            json_decref(u);
            FAIL("assignee", "support.err.assignee", 422);
        }
        if (uid != pt_rec_u64(c, "assignee", 0)) {
            assign_changed = true, assigned = uid;
            pt_rec_set_u64(c, "assignee", uid);
            json_object_set_new(c, "assignee_name", json_string(u ? pt_rec_str(u, "name", "") : ""));
            rc = add_event(txn, req, c, "assigned", pt_rec_str(old, "assignee_name", ""),
                           u ? pt_rec_str(u, "name", "") : "");
        }
        json_decref(u);
        if (rc) FAIL(NULL, "support.err.busy", 503);
    }
    json_t *jm = json_object_get(changes, "merge_into");
    if (jm) {
        if (!agent) FAIL("merge_into", "support.err.agents_only", 403);
        rc = merge(txn, req, c, json_string_value(jm));
        if (rc == PT_EINVAL) FAIL("merge_into", "support.err.merge", 422);
        if (rc) FAIL(NULL, "support.err.busy", 503);
        if (strcmp(cur, "closed") != 0) st_from = cur, st_to = "closed";
    }
    json_t *jcc = json_object_get(changes, "cc_add");
    if (jcc) {
        const char *s = json_string_value(jcc);
        uint64_t uid = s ? sup_user_by_email(txn, s) : 0;
        json_t *u = uid ? sup_user_get(txn, uid) : NULL;
        if (!u || !is_member(txn, pt_rec_u64(c, "account", 0), uid)) {
            json_decref(u);
            FAIL("cc_add", "support.err.cc", 422);
        }
        json_t *cc = json_object_get(c, "cc");
        if (!json_is_array(cc)) json_object_set_new(c, "cc", cc = json_array());
        bool have = uid == pt_rec_u64(c, "requester", 0);
        size_t i;
        json_t *e;
        json_array_foreach(cc, i, e) have = have || pt_rec_u64(e, "id", 0) == uid;
        if (!have) {
            json_t *e2 = json_pack("{s:s, s:s}", "name", pt_rec_str(u, "name", ""), "email",
                                   pt_rec_str(u, "email", ""));
            pt_rec_set_u64(e2, "id", uid);
            json_array_append_new(cc, e2);
        }
        json_decref(u);
    }
    json_object_set_new(c, "updated", json_integer(now));
    rc = sup_case_update(txn, old, c);
    if (rc == 0 && st_to) {
        pt_buf b = PT_BUF_INIT;
        pt_buf_printf(&b, "%s", sup_label(req, "status", st_to));
        rc = sup_mail_case(txn, c, "status_changed", b.data, pt_req_user(req));
        pt_buf_free(&b);
    }
    if (rc) FAIL(NULL, "support.err.busy", 503);
    rc = pt_txn_commit(txn);
    txn = NULL;
    if (rc) FAIL(NULL, "support.err.busy", 503);
    if (st_to) {
        json_t *x = json_pack("{s:s, s:s}", "from", st_from, "to", st_to);
        emit("case.status_changed", c, req, x);
        json_decref(x);
    }
    if (assign_changed) {
        json_t *x = json_object();
        pt_rec_set_u64(x, "assignee_id", assigned);
        emit("case.assigned", c, req, x);
        json_decref(x);
    }
    *out = c;
    c = NULL;
out:
    if (txn) pt_txn_abort(txn);
    json_decref(c);
    json_decref(old);
    return rc;
}

/* ---- the page -------------------------------------------------------------- */

static void render(pt_req *req, int status, uint64_t number, const char *error)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, sup_t(req, "support.err.busy"));
        return;
    }
    json_t *c = NULL;
    if (sup_case_get(txn, req, number, &c) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, sup_t(req, "support.err.not_found"));
        return;
    }
    bool agent = sup_is_agent(req, c);
    json_t *msgs = sup_msg_list(txn, c, agent);
    pt_txn_abort(txn);
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) {
        const char *kind = pt_rec_str(m, "kind", "message");
        json_object_set_new(m, "at_display", sup_date_json(req, pt_rec_int(m, "at", 0)));
        json_object_set_new(m, "is_note", json_boolean(strcmp(kind, "note") == 0));
        json_object_set_new(m, "is_event", json_boolean(strcmp(kind, "event") == 0));
        json_object_set_new(m, "is_message", json_boolean(strcmp(kind, "message") == 0));
        json_object_set_new(m, "is_attachment", json_boolean(strcmp(kind, "attachment") == 0));
        if (pt_rec_u64(m, "file", 0)) {
            char fid[PT_ID_STRLEN], num[24];
            json_object_set_new(m, "file_id", json_string(pt_id_to_str(pt_rec_u64(m, "file", 0), fid)));
            json_object_set_new(m, "case_number", json_string(sup_number_fmt(number, num)));
        }
        const char *ev = pt_rec_str(m, "event", "");
        if (strcmp(ev, "status") == 0) {
            json_object_set_new(m, "from_label", json_string(sup_label(req, "status", pt_rec_str(m, "from", ""))));
            json_object_set_new(m, "to_label", json_string(sup_label(req, "status", pt_rec_str(m, "to", ""))));
        } else {
            json_object_set_new(m, "from_label", json_string(pt_rec_str(m, "from", "")));
            json_object_set_new(m, "to_label", json_string(pt_rec_str(m, "to", "")));
        }
        char key[64];
        snprintf(key, sizeof key, "support.event.%s", ev);
        json_object_set_new(m, "event_label", json_string(*ev ? sup_t(req, key) : ""));
    }
    sup_case_decorate(req, c);
    const char *st = pt_rec_str(c, "status", "new");
    bool can_edit = pt_req_can(req, "support.edit") || agent;
    json_t *ctx = json_pack("{s:o, s:o, s:b, s:b}", "case", c, "messages", msgs, "agent", agent,
                            "can_edit", can_edit);
    json_object_set_new(ctx, "can_close", json_boolean(can_edit && !agent && strcmp(st, "closed") != 0));
    json_object_set_new(ctx, "can_reopen",
                        json_boolean(can_edit && !agent &&
                                     (strcmp(st, "closed") == 0 || strcmp(st, "resolved") == 0)));
    json_object_set_new(ctx, "can_reply", json_boolean(can_edit && (agent || strcmp(st, "closed") != 0)));
    if (agent) {
        json_t *sts = json_array(), *prs = json_array();
        for (size_t k = 0; sup_statuses[k]; k++)
            json_array_append_new(sts, json_pack("{s:s,s:s,s:b}", "value", sup_statuses[k], "label",
                                                 sup_label(req, "status", sup_statuses[k]), "selected",
                                                 strcmp(st, sup_statuses[k]) == 0));
        for (size_t k = 0; sup_priorities[k]; k++)
            json_array_append_new(prs, json_pack("{s:s,s:s,s:b}", "value", sup_priorities[k], "label",
                                                 sup_label(req, "priority", sup_priorities[k]),
                                                 "selected",
                                                 strcmp(pt_rec_str(c, "priority", ""), sup_priorities[k]) == 0));
        json_object_set_new(ctx, "statuses", sts);
        json_object_set_new(ctx, "priorities", prs);
        json_t *canned = sup_canned();
        json_object_set_new(ctx, "has_canned", json_boolean(json_array_size(canned) > 0));
        json_object_set_new(ctx, "canned", canned);
    }
    const char *flash = pt_req_query(req, "created") ? "support.flash.created"
                        : pt_req_query(req, "saved") ? "support.flash.saved" : NULL;
    if (flash) json_object_set_new(ctx, "flash", json_string(sup_t(req, flash)));
    if (error) json_object_set_new(ctx, "error", json_string(error));
    pt_render_page(req, status, "support/case", ctx);
}

int sup_case_page(pt_req *req)
{
    render(req, 200, sup_number_parse(pt_req_param(req, "number")), NULL);
    return 0;
}

static void back(pt_req *req, uint64_t number, const char *anchor)
{
    char num[24], loc[96];
    snprintf(loc, sizeof loc, "/support/cases/%s?saved=1%s", sup_number_fmt(number, num), anchor);
    pt_resp_redirect(req, loc);
}

int sup_reply_post(pt_req *req)
{
    uint64_t number = sup_number_parse(pt_req_param(req, "number"));
    const char *why = NULL;
    int status = 0;
    if (!sup_form_ready(req)) { /* the body sink answers first; this is a safety net */
        pt_http_error(req, 400, sup_t(req, "support.err.form_malformed"));
        return 0;
    }
    const char *internal = sup_form_get(req, "internal");
    const char *aurl = sup_form_get(req, "article_url"), *atitle = sup_form_get(req, "article_title");
    json_t *arts = json_array();
    if (aurl && *aurl) {
        json_t *u = json_string(aurl), *t = json_string(atitle ? atitle : "");
        json_array_append_new(arts, json_pack("{s:o?, s:o?}", "url", u, "title", t));
    }
    sup_upload *const *files = NULL;
    size_t nfiles = sup_form_files(req, &files);
    int rc = sup_reply(req, number, sup_form_get(req, "body"), internal && *internal, arts, files,
                       nfiles, NULL, &why, &status);
    json_decref(arts);
    if (rc) {
        if (status == 404) pt_http_error(req, 404, sup_t(req, why));
        else render(req, status, number, sup_t(req, why));
        return 0;
    }
    back(req, number, "#conversation-end");
    return 0;
}

static int form_update(pt_req *req, json_t *ch)
{
    uint64_t number = sup_number_parse(pt_req_param(req, "number"));
    json_t *c = NULL;
    const char *field = NULL, *why = NULL;
    int status = 0;
    int rc = sup_update(req, number, ch, &c, &field, &why, &status);
    json_decref(ch);
    if (rc) {
        if (status == 404) pt_http_error(req, 404, sup_t(req, why));
        else render(req, status, number, sup_t(req, why));
        return 0;
    }
    json_decref(c);
    back(req, number, "");
    return 0;
}

int sup_update_post(pt_req *req)
{
    static const char *const fields[] = {"status", "priority", "assignee", "cc_add", "merge_into", NULL};
    json_t *ch = json_object();
    for (size_t i = 0; fields[i]; i++) {
        const char *v = pt_req_form(req, fields[i]);
        json_t *s = v ? json_string(v) : NULL;
        if (v && *v) json_object_set_new(ch, fields[i], s ? s : json_string("?"));
        else json_decref(s);
    }
    return form_update(req, ch);
}

int sup_close_post(pt_req *req)
{
    json_t *ch = json_pack("{s:s}", "status", "closed");
    const char *r = pt_req_form(req, "rating"), *cm = pt_req_form(req, "rating_comment");
    json_t *rs = r ? json_string(r) : NULL, *cs = cm ? json_string(cm) : NULL;
    if (r) json_object_set_new(ch, "rating", rs ? rs : json_string("?"));
    if (cm) json_object_set_new(ch, "rating_comment", cs ? cs : json_integer(0));
    return form_update(req, ch);
}

int sup_reopen_post(pt_req *req)
{
    return form_update(req, json_pack("{s:s}", "status", "in_progress"));
}
