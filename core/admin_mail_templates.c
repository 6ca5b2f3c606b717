/*
 * core/admin_mail_templates.c - portal admins edit the mail templates
 * plugins ship (subject, plain-text and HTML parts), preview them with
 * sample data, and reset them to the shipped version. Pages under
 * /admin/mail-templates and /api/v1/admin/mail-templates. Edits are
 * stored by core/mail/overrides.c and used for every later mail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_mail_templates.h"
#include "mail/mail_overrides.h"
#include "plugin/registry.h"
#include "portico/auth.h"
#include "portico/i18n.h"
#include "portico/template.h"

static const char *const parts[3] = {"subject", "txt", "html"};

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    pt_buf b = PT_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 256 * 1024)
        pt_buf_append(&b, chunk, n);
    fclose(f);
    return b.data ? pt_buf_steal(&b) : pt_xstrdup("");
}

/* The list entry for name, or NULL (borrowed from list). */
static json_t *find(json_t *list, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        if (name && strcmp(json_string_value(json_object_get(e, "name")), name) == 0) return e;
    }
    return NULL;
}

/* {"subject","txt","html" -> current source, "overridden": bool}. */
static json_t *sources(const json_t *entry)
{
    const char *name = json_string_value(json_object_get(entry, "name"));
    const char *path = json_string_value(json_object_get(entry, "path"));
    json_t *o = json_object();
    bool overridden = false;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    for (int i = 0; i < 3; i++) {
        char *part = pt_xasprintf("%s.%s", name, parts[i]);
        char *src = NULL;
        if (txn && pt_mail_override_get(txn, part, &src) == 0) overridden = true;
        else {
            char *file = pt_xasprintf("%s.%s.mustache", path, parts[i]);
            src = read_file(file);
            free(file);
        }
        json_object_set_new(o, parts[i], json_string(src ? src : ""));
        free(src);
        free(part);
    }
    if (txn) pt_txn_abort(txn);
    json_object_set_new(o, "overridden", json_boolean(overridden));
    json_object_set_new(o, "name", json_string(name));
    return o;
}

static json_t *sample_data(void)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:[{s:s, s:s}]}", "name", "Alex Example", "email",
                     "alex@example.com", "link_path", "/example/link", "count", 1, "items", "text",
                     "An example notification", "href", "/notifications");
}

/* Render the three given sources with data; fills out {subject, text,
 * html} or returns PT_EINVAL with *err (owned) naming the part and line. */
static int preview(const char *name, json_t *src, const json_t *data, const char *lang,
                   json_t **out, char **err)
{
    json_t *ctx = pt_mail_context(data, lang);
    json_t *o = json_object();
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        const char *s = json_string_value(json_object_get(src, parts[i]));
        if (!s || !*s) continue;
        char *part = pt_xasprintf("%s.%s", name, parts[i]);
        char *res = NULL;
        rc = pt_mail_render_source(s, part, ctx, &res, err);
        if (rc == 0) json_object_set_new(o, i == 1 ? "text" : parts[i], json_string(res));
        free(res);
        free(part);
    }
    json_decref(ctx);
    if (rc != 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* Check every part compiles, then store them (empty part = shipped). */
static int save(pt_req *req, const char *name, json_t *src, char **err)
{
    json_t *ignored = NULL;
    json_t *data = sample_data();
    int rc = preview(name, src, data, NULL, &ignored, err);
    json_decref(data);
    json_decref(ignored);
    if (rc != 0) return rc;
    const char *subject = json_string_value(json_object_get(src, "subject"));
    const char *txt = json_string_value(json_object_get(src, "txt"));
    if (!subject || !*subject || !txt || !*txt) {
        *err = pt_xstrdup(pt_t(req, "admin.mail_required"));
        return PT_EINVAL;
    }
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    for (int i = 0; i < 3 && rc == 0; i++) {
        char *part = pt_xasprintf("%s.%s", name, parts[i]);
        rc = pt_mail_override_put(txn, part, json_string_value(json_object_get(src, parts[i])),
                                  pt_req_user(req));
        free(part);
    }
    if (rc == 0) return pt_txn_commit(txn);
    pt_txn_abort(txn);
    return rc;
}

static int reset(const char *name)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    for (int i = 0; i < 3 && rc == 0; i++) {
        char *part = pt_xasprintf("%s.%s", name, parts[i]);
        rc = pt_mail_override_put(txn, part, NULL, 0);
        free(part);
    }
    if (rc == 0) return pt_txn_commit(txn);
    pt_txn_abort(txn);
    return rc;
}

static bool admin_only(pt_req *req)
{
    if (pt_req_is_admin(req)) return true;
    pt_http_error(req, 403, pt_t(req, "errors.admin_only"));
    return false;
}

/* ---- pages ------------------------------------------------------------ */
static int list_page(pt_req *req)
{
    if (!admin_only(req)) return 0;
    json_t *list = pt_plugins_mail_templates();
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        json_t *s = sources(e);
        json_object_set(e, "overridden", json_object_get(s, "overridden"));
        json_object_del(e, "path");
        json_decref(s);
    }
    pt_render_page(req, 200, "core/mail_templates", json_pack("{s:o}", "templates", list));
    return 0;
}

static void edit_render(pt_req *req, int status, json_t *src, json_t *shown, const char *error,
                        const char *data_text)
{
    json_t *ctx = json_pack("{s:o, s:s}", "tpl", src, "data", data_text ? data_text : "{}");
    if (shown) json_object_set_new(ctx, "preview", shown);
    if (error) json_object_set_new(ctx, "error", json_string(error));
    pt_render_page(req, status, "core/mail_template_edit", ctx);
}

static int edit_page(pt_req *req)
{
    if (!admin_only(req)) return 0;
    json_t *list = pt_plugins_mail_templates();
    json_t *e = find(list, pt_req_query(req, "name"));
    if (!e) {
        json_decref(list);
        pt_http_error(req, 404, pt_t(req, "admin.mail_not_found"));
        return 0;
    }
    json_t *src = sources(e);
    json_decref(list);
    char *d = json_dumps(sample_data(), JSON_INDENT(2));
    edit_render(req, 200, src, NULL, NULL, d);
    free(d);
    return 0;
}

static int edit_post(pt_req *req)
{
    if (!admin_only(req)) return 0;
    json_t *list = pt_plugins_mail_templates();
    const char *name = pt_req_form(req, "name");
    json_t *e = find(list, name);
    if (!e) {
        json_decref(list);
        pt_http_error(req, 404, pt_t(req, "admin.mail_not_found"));
        return 0;
    }
    json_decref(list);
    const char *action = pt_req_form(req, "action");
    if (action && strcmp(action, "reset") == 0) {
        if (reset(name) != 0) pt_http_error(req, 503, pt_t(req, "errors.busy"));
        else {
            char *loc = pt_xasprintf("/admin/mail-templates?reset=1");
            pt_resp_redirect(req, loc);
            free(loc);
        }
        return 0;
    }
    json_t *src = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "subject",
                            pt_req_form(req, "subject") ? pt_req_form(req, "subject") : "", "txt",
                            pt_req_form(req, "txt") ? pt_req_form(req, "txt") : "", "html",
                            pt_req_form(req, "html") ? pt_req_form(req, "html") : "");
    const char *data_text = pt_req_form(req, "data");
    char *err = NULL;
    if (action && strcmp(action, "preview") == 0) {
        json_error_t je;
        json_t *data = data_text && *data_text ? json_loads(data_text, 0, &je) : json_object();
        if (!json_is_object(data)) {
            json_decref(data);
            edit_render(req, 422, src, NULL, pt_t(req, "admin.mail_bad_data"), data_text);
            return 0;
        }
        json_t *shown = NULL;
        int rc = preview(name, src, data, pt_i18n_lang(req), &shown, &err);
        json_decref(data);
        edit_render(req, rc ? 422 : 200, src, shown, err, data_text);
        free(err);
        return 0;
    }
    int rc = save(req, name, src, &err);
    if (rc == PT_EINVAL) {
        edit_render(req, 422, src, NULL, err, data_text);
        free(err);
        return 0;
    }
    json_decref(src);
    free(err);
    if (rc != 0) {
        pt_http_error(req, 503, pt_t(req, "errors.busy"));
        return 0;
    }
    pt_resp_redirect(req, "/admin/mail-templates?saved=1");
    return 0;
}

/* ---- API -------------------------------------------------------------- */
static int api_list(pt_req *req)
{
    if (!admin_only(req)) return 0;
    json_t *list = pt_plugins_mail_templates();
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) json_object_del(e, "path");
    pt_resp_json(req, 200, json_pack("{s:o}", "templates", list));
    return 0;
}

static int api_get(pt_req *req)
{
    if (!admin_only(req)) return 0;
    json_t *list = pt_plugins_mail_templates();
    json_t *e = find(list, pt_req_query(req, "name"));
    if (!e) {
        json_decref(list);
        pt_http_error(req, 404, pt_t(req, "admin.mail_not_found"));
        return 0;
    }
    json_t *src = sources(e);
    json_decref(list);
    pt_resp_json(req, 200, src);
    return 0;
}

static int api_put(pt_req *req)
{
    if (!admin_only(req)) return 0;
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why);
        return 0;
    }
    json_t *list = pt_plugins_mail_templates();
    const char *name = pt_req_query(req, "name");
    bool known = find(list, name) != NULL;
    json_decref(list);
    if (!known) {
        pt_http_error(req, 404, pt_t(req, "admin.mail_not_found"));
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(body, parts[i]);
        if (v && !json_is_string(v) && !json_is_null(v)) {
            pt_http_error_field(req, 422, parts[i], pt_t(req, "admin.mail_not_string"));
            return 0;
        }
    }
    char *err = NULL;
    int rc = save(req, name, body, &err);
    if (rc == PT_EINVAL) {
        pt_http_error(req, 422, err);
        free(err);
        return 0;
    }
    free(err);
    if (rc != 0) {
        pt_http_error(req, 503, pt_t(req, "errors.busy"));
        return 0;
    }
    pt_resp_json(req, 200, json_pack("{s:s, s:b}", "name", name, "overridden", 1));
    return 0;
}

static int api_delete(pt_req *req)
{
    if (!admin_only(req)) return 0;
    json_t *list = pt_plugins_mail_templates();
    const char *name = pt_req_query(req, "name");
    bool known = find(list, name) != NULL;
    json_decref(list);
    if (!known) {
        pt_http_error(req, 404, pt_t(req, "admin.mail_not_found"));
        return 0;
    }
    if (reset(name) != 0) {
        pt_http_error(req, 503, pt_t(req, "errors.busy"));
        return 0;
    }
    pt_resp_json(req, 200, json_pack("{s:s, s:b}", "name", name, "overridden", 0));
    return 0;
}

static int api_preview(pt_req *req)
{
    if (!admin_only(req)) return 0;
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why);
        return 0;
    }
    json_t *list = pt_plugins_mail_templates();
    const char *name = json_string_value(json_object_get(body, "name"));
    json_t *e = find(list, name);
    if (!e) {
        json_decref(list);
        pt_http_error_field(req, 404, "name", pt_t(req, "admin.mail_not_found"));
        return 0;
    }
    json_t *src = sources(e); /* given parts replace the current ones */
    json_decref(list);
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(body, parts[i]);
        if (json_is_string(v)) json_object_set(src, parts[i], v);
    }
    json_t *data = json_object_get(body, "data");
    json_t *owned = NULL;
    if (!data) data = owned = sample_data();
    if (!json_is_object(data)) {
        json_decref(src);
        pt_http_error_field(req, 422, "data", pt_t(req, "admin.mail_bad_data"));
        return 0;
    }
    json_t *shown = NULL;
    char *err = NULL;
    int rc = preview(name, src, data, pt_i18n_lang(req), &shown, &err);
    json_decref(src);
    json_decref(owned);
    if (rc != 0) {
        pt_http_error(req, 422, err ? err : pt_t(req, "admin.mail_bad_data"));
        free(err);
        return 0;
    }
    pt_resp_json(req, 200, shown);
    return 0;
}

static const pt_route routes[] = {
    {.method = "GET", .pattern = "/admin/mail-templates", .handler = list_page,
     .flags = PT_ROUTE_STAFF},
    {.method = "GET", .pattern = "/admin/mail-templates/edit", .handler = edit_page,
     .flags = PT_ROUTE_STAFF},
    {.method = "POST", .pattern = "/admin/mail-templates/edit", .handler = edit_post,
     .flags = PT_ROUTE_STAFF, .body_max = 512 * 1024},
    {.method = "GET", .pattern = "/api/v1/admin/mail-templates", .handler = api_list,
     .flags = PT_ROUTE_STAFF | PT_ROUTE_JSON},
    {.method = "GET", .pattern = "/api/v1/admin/mail-templates/template", .handler = api_get,
     .flags = PT_ROUTE_STAFF | PT_ROUTE_JSON},
    {.method = "PUT", .pattern = "/api/v1/admin/mail-templates/template", .handler = api_put,
     .flags = PT_ROUTE_STAFF | PT_ROUTE_JSON, .body_max = 512 * 1024},
    {.method = "DELETE", .pattern = "/api/v1/admin/mail-templates/template",
     .handler = api_delete, .flags = PT_ROUTE_STAFF | PT_ROUTE_JSON},
    {.method = "POST", .pattern = "/api/v1/admin/mail-templates/preview", .handler = api_preview,
     .flags = PT_ROUTE_STAFF | PT_ROUTE_JSON, .body_max = 512 * 1024},
};

int pt_admin_mail_templates_register(pt_router *r)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int rc = pt_router_add(r, &routes[i], "core");
        if (rc) return rc;
    }
    return 0;
}
