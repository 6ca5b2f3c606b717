/*
 * plugins/support/create.c - raising a case: the form (/support/new), its
 * POST (urlencoded, or multipart with files: form_body.c), and sup_create
 * shared with the JSON API. Order of work: check every field (nothing
 * written on a bad one), run the case.creating filter (Lua scripts may set
 * priority, assignee by email and tags) BEFORE the write transaction
 * opens, then one write transaction (number, case, indexes, the entries of
 * the form's files), then the case.created / case.assigned actions.
 */
#include <string.h>

#include "support.h"
#include "premium_api.h"

static bool text_ok(const char *s, size_t max, bool empty_ok)
{
    if (!s) return empty_ok;
    size_t n = strlen(s);
    if (n == 0) return empty_ok;
    if (n > max) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t') return false;
    }
    /* valid UTF-8 */
    json_t *j = json_string(s);
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

static const char *str(const json_t *in, const char *k)
{
    const char *s = json_string_value(json_object_get(in, k));
    return s ? s : "";
}

int sup_create(pt_req *req, const json_t *in, sup_upload *const *files, size_t nfiles,
               json_t **out, const char **field, const char **why)
{
    const pt_principal *p = pt_req_principal(req);
    return sup_create_for(req, in, pt_req_account(req), pt_req_user(req),
                          pt_rec_str(p->info, "name", ""), pt_rec_str(p->info, "email", ""), files,
                          nfiles, out, field, why);
}

int sup_create_for(pt_req *req, const json_t *in, uint64_t account, uint64_t requester,
                   const char *rname, const char *remail, sup_upload *const *files,
                   size_t nfiles, json_t **out, const char **field, const char **why)
{
    const char *subject = str(in, "subject"), *desc = str(in, "description");
    const char *product = str(in, "product"), *version = str(in, "version");
    const char *env = str(in, "environment"), *prio = str(in, "priority");
    const char *callback = str(in, "callback");
    if (!*env) env = "production";
    if (!*prio) prio = "P3";
    *why = NULL;
    if (!text_ok(subject, SUP_SUBJECT_MAX, false) || strchr(subject, '\n')) *field = "subject", *why = "support.err.subject";
    else if (!text_ok(desc, SUP_BODY_MAX, false)) *field = "description", *why = "support.err.description";
    else if (!text_ok(product, SUP_FIELD_MAX, false)) *field = "product", *why = "support.err.product";
    else if (!text_ok(version, SUP_FIELD_MAX, true)) *field = "version", *why = "support.err.version";
    else if (!sup_in(env, sup_envs)) *field = "environment", *why = "support.err.environment";
    else if (!sup_in(prio, sup_priorities)) *field = "priority", *why = "support.err.priority";
    else if (!text_ok(callback, 40, true)) *field = "callback", *why = "support.err.callback";
    if (*why) return PT_EINVAL;
    if (!account) {
        *field = NULL, *why = "support.err.no_account";
        return PT_EPERM;
    }
    bool premium = false;
    if (json_is_true(json_object_get(in, "premium")) || strcmp(str(in, "premium"), "1") == 0) {
        if (!pt_req_can(req, "support.premium") || !sup_premium_active(account, NULL, NULL)) {
            *field = "premium", *why = "support.err.premium";
            return PT_EPERM;
        }
        premium = true;
    }
    /* The filter runs before any transaction is open. */
    json_t *draft = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:[]}", "subject", subject,
                              "description", desc, "product", product, "priority", prio, "premium",
                              premium, "assignee", "", "tags");
    pt_event_filter("case.creating", draft, req);
    const char *fprio = json_string_value(json_object_get(draft, "priority"));
    if (!fprio || !sup_in(fprio, sup_priorities)) fprio = prio;
    const char *fassign = json_string_value(json_object_get(draft, "assignee"));
    json_t *tags = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(draft, "tags"), i, t) {
        if (json_is_string(t) && text_ok(json_string_value(t), 40, false) && json_array_size(tags) < 20)
            json_array_append(tags, t);
    }
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[], s:o, s:b, s:I}",
                          "subject", subject, "description", desc, "product", product, "version",
                          version, "environment", env, "priority", fprio, "status", "new",
                          "callback", callback, "requester_name",
                          rname, "requester_email", remail, "cc", "tags", tags, "premium",
                          premium, "assignee", (json_int_t)0);
    pt_rec_set_u64(c, "account", account);
    pt_rec_set_u64(c, "requester", requester);
    if (json_is_string(json_object_get(in, "source")))
        json_object_set(c, "source", json_object_get(in, "source"));
    int rc = 0;
    /* The files reach their place before the txn; they are kept only if it commits. */
    for (size_t i = 0; i < nfiles && rc == 0; i++) rc = sup_upload_finish(files[i]);
    pt_txn *txn = rc ? NULL : pt_txn_begin(true, &rc);
    if (!txn) {
        json_decref(draft);
        json_decref(c);
        *field = NULL, *why = "support.err.busy";
        return rc;
    }
    uint64_t assignee = fassign && *fassign ? sup_user_by_email(txn, fassign) : 0;
    json_t *au = assignee ? sup_user_get(txn, assignee) : NULL;
    const char *role = au ? pt_rec_str(au, "staff", "none") : "none";
    if (strcmp(role, "agent") != 0 && strcmp(role, "admin") != 0) {
        if (assignee) pt_warn("support: case.creating assigned %s, who is not an agent; ignored", fassign);
        assignee = 0;
    }
    json_decref(au);
    if (assignee) {
        json_t *u = sup_user_get(txn, assignee);
        pt_rec_set_u64(c, "assignee", assignee);
        json_object_set_new(c, "assignee_name", json_string(pt_rec_str(u, "name", fassign)));
        json_decref(u);
    }
    json_decref(draft);
    rc = sup_case_insert(txn, c);
    for (size_t i = 0; i < nfiles && rc == 0; i++) rc = sup_upload_entry(txn, req, c, files[i]);
    if (rc == 0 && !requester) rc = sup_mail_case(txn, c, "case_received", desc, UINT64_MAX);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        json_decref(c);
        *field = NULL, *why = "support.err.busy";
        return rc;
    }
    for (size_t i = 0; i < nfiles; i++) sup_upload_keep(files[i]);
    json_t *ev = sup_case_public(c);
    pt_event_emit("case.created", ev, req);
    if (assignee) pt_event_emit("case.assigned", ev, req);
    json_decref(ev);
    *out = c;
    return 0;
}

static void render_form(pt_req *req, int status, const json_t *in, const char *field, const char *why)
{
    json_t *ctx = json_object();
    json_t *form = in ? json_deep_copy(in) : json_object();
    json_object_set_new(ctx, "form", form);
    json_t *envs = json_array(), *prios = json_array();
    const char *env = json_string_value(json_object_get(form, "environment"));
    const char *prio = json_string_value(json_object_get(form, "priority"));
    for (size_t i = 0; sup_envs[i]; i++)
        json_array_append_new(envs, json_pack("{s:s, s:s, s:b}", "value", sup_envs[i], "label",
                                              sup_label(req, "env", sup_envs[i]), "selected",
                                              env && strcmp(env, sup_envs[i]) == 0));
    for (size_t i = 0; sup_priorities[i]; i++)
        json_array_append_new(prios, json_pack("{s:s, s:s, s:b}", "value", sup_priorities[i], "label",
                                               sup_label(req, "priority", sup_priorities[i]),
                                               "selected", prio ? strcmp(prio, sup_priorities[i]) == 0
                                                                : i == 2));
    json_object_set_new(ctx, "envs", envs);
    json_object_set_new(ctx, "priorities", prios);
    if (why) {
        json_object_set_new(ctx, "error", json_string(sup_t(req, why)));
        if (field) json_object_set_new(ctx, "error_field", json_string(field));
    }
    json_object_set_new(ctx, "knowledge", json_boolean(pt_api_find("knowledge.search") != NULL));
    char fid[44];
    const char *keep = json_string_value(json_object_get(form, "form_id"));
    if (!keep && pt_token_new(fid) == 0) json_object_set_new(form, "form_id", json_string(fid));
    pt_render_page(req, status, "support/new", ctx);
}

int sup_new_page(pt_req *req)
{
    render_form(req, 200, NULL, NULL, NULL);
    return 0;
}

int sup_new_post(pt_req *req)
{
    static const char *const fields[] = {"subject", "description", "product", "version",
                                         "environment", "priority", "callback", "premium", "form_id", NULL};
    if (!sup_form_ready(req)) { /* the body sink answers first; this is a safety net */
        pt_http_error(req, 400, sup_t(req, "support.err.form_malformed"));
        return 0;
    }
    json_t *in = json_object();
    for (size_t i = 0; fields[i]; i++) {
        const char *v = sup_form_get(req, fields[i]);
        json_t *s = v ? json_string(v) : NULL;
        if (v) json_object_set_new(in, fields[i], s ? s : json_string(""));
    }
    sup_upload *const *files = NULL;
    size_t nfiles = sup_form_files(req, &files);
    json_t *c = NULL;
    const char *field = NULL, *why = NULL;
    int rc = sup_create(req, in, files, nfiles, &c, &field, &why);
    if (rc) {
        render_form(req, rc == PT_EPERM ? 403 : 422, in, field, why);
        json_decref(in);
        return 0;
    }
    sup_deflection_submitted(req, json_string_value(json_object_get(in, "form_id")));
    json_decref(in);
    char num[24], loc[64];
    snprintf(loc, sizeof loc, "/support/cases/%s?created=1", sup_number_fmt(pt_rec_u64(c, "number", 0), num));
    json_decref(c);
    pt_resp_redirect(req, loc);
    return 0;
}
