/*
 * core/template/page.c - rendering pages, mail bodies and error pages
 * with the active theme.
 *
 * A page render: the handler's context, then the globals hook (user,
 * nav, csrf, site...), then the page.render filter (the event dispatcher
 * gives each hook its own copy and merges only successes, see
 * portico/events.h, so it is not copied again here), then what the theme
 * layer always adds: t (the catalog; added after the filter so a Lua
 * filter never deep-copies the whole catalog), lang, page_name,
 * page_class, theme. The output goes to a local buffer first, so a render
 * that fails half-way never leaks half a page: the user gets the 500
 * page instead.
 *
 * The error page renderer is installed into the HTTP layer
 * (pt_http_set_error_page). It must never recurse: a thread-local flag
 * marks "rendering an error page", and any failure there writes a plain
 * built-in page instead of calling pt_http_error again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portico/i18n.h"
#include "portico/log.h"
#include "portico/template.h"
#include "template/template_int.h"

static pt_template_globals_fn globals_fn;
static pt_template_filter_fn filter_fn;

void pt_template_set_globals(pt_template_globals_fn fn)
{
    globals_fn = fn;
}

void pt_template_set_filter(pt_template_filter_fn fn)
{
    filter_fn = fn;
}

/* "support/case" -> "page-support-case" */
static json_t *page_class(const char *page)
{
    pt_buf b = PT_BUF_INIT;
    pt_buf_puts(&b, "page-");
    for (const char *p = page; *p; p++) pt_buf_putc(&b, *p == '/' || *p == '.' ? '-' : *p);
    json_t *j = json_string(b.data);
    pt_buf_free(&b);
    return j ? j : json_string("page");
}

/* Append the first UTF-8 character of s (upper-cased when ASCII). */
static void first_char(pt_buf *b, const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (!s[i]) return;
    if (n == 1) pt_buf_putc(b, (char)(c >= 'a' && c <= 'z' ? c - 32 : c));
    else pt_buf_append(b, s, n);
}

/* Flags Mustache cannot compute (it has no comparisons): the layout needs
 * "more than one account", "any unread" and the user's initials. */
static void add_flags(json_t *ctx)
{
    json_t *acc = json_object_get(ctx, "accounts");
    json_object_set_new(ctx, "has_many_accounts",
                        json_boolean(json_is_array(acc) && json_array_size(acc) > 1));
    json_t *unread = json_object_get(json_object_get(ctx, "notifications"), "unread");
    json_object_set_new(ctx, "has_unread",
                        json_boolean(json_is_integer(unread) && json_integer_value(unread) > 0));
    json_t *user = json_object_get(ctx, "user");
    const char *name = json_string_value(json_object_get(user, "name"));
    if (json_is_object(user) && name && !json_object_get(user, "initials")) {
        pt_buf b = PT_BUF_INIT;
        int words = 0;
        for (const char *p = name; *p && words < 2; p++)
            if (*p != ' ' && (p == name || p[-1] == ' ')) {
                first_char(&b, p);
                words++;
            }
        json_object_set_new(user, "initials", json_string(b.data ? b.data : ""));
        pt_buf_free(&b);
    }
}

static void add_theme_facts(pt_req *req, pt_theme *t, const char *page, json_t *ctx)
{
    add_flags(ctx);
    const char *lang = pt_i18n_lang(req);
    json_object_set_new(ctx, "t", pt_i18n_catalog(lang));
    json_object_set_new(ctx, "lang", json_string(lang));
    json_object_set_new(ctx, "page_name", json_string(page));
    json_object_set_new(ctx, "page_class", page_class(page));
    json_object_set_new(ctx, "theme", json_pack("{s:s, s:O}", "name", pt_theme_get_name(t),
                                                "css_vars", pt_theme_get_css_vars(t)));
}

static int render(pt_theme *t, const pt_mustache *m, json_t *ctx, pt_buf *out)
{
    return pt_mustache_render(m, ctx, pt_theme_partial_cb, t, out);
}

void pt_render_page(pt_req *req, int status, const char *page, json_t *ctx)
{
    if (!ctx) ctx = json_object();
    if (!json_is_object(ctx)) {
        json_decref(ctx);
        ctx = json_object();
    }
    pt_theme *t = pt_theme_acquire();
    const pt_mustache *m = pt_theme_find(t, page);
    pt_buf out = PT_BUF_INIT;
    if (!m) {
        pt_error("render: no template \"%s\"%s", page ? page : "(null)",
                 t ? "" : " (no theme loaded)");
        goto fail;
    }
    if (globals_fn) globals_fn(req, ctx);
    if (filter_fn && filter_fn(req, page, ctx) != 0)
        pt_debug("render: a page.render hook failed for %s (skipped)", page);
    add_theme_facts(req, t, page, ctx);
    if (render(t, m, ctx, &out) != 0) {
        pt_error("render: template \"%s\" failed to render", page);
        goto fail;
    }
    pt_resp_status(req, status);
    pt_resp_set_header(req, "Content-Type", "text/html; charset=utf-8");
    pt_resp_write(req, out.data ? out.data : "", out.len);
    goto done;
fail:
    pt_http_error(req, 500, pt_t(req, "errors.render_failed"));
done:
    pt_buf_free(&out);
    json_decref(ctx);
    pt_theme_release(t);
}

int pt_render_to_buf(const char *name, json_t *ctx, pt_buf *out)
{
    pt_theme *t = pt_theme_acquire();
    const pt_mustache *m = pt_theme_find(t, name);
    int rc = PT_ENOTFOUND;
    if (m) {
        pt_buf tmp = PT_BUF_INIT;
        json_t *c = ctx ? json_incref(ctx) : json_object();
        rc = render(t, m, c, &tmp) == 0 ? PT_OK : PT_ERR;
        json_decref(c);
        if (rc == PT_OK) pt_buf_append(out, tmp.data ? tmp.data : "", tmp.len);
        else pt_error("render: template \"%s\" failed to render", name);
        pt_buf_free(&tmp);
    }
    pt_theme_release(t);
    return rc;
}

/* ---- error pages ----------------------------------------------------------- */

static _Thread_local bool in_error_page;

static void plain_error(pt_req *req, int status, const char *message)
{
    pt_buf b = PT_BUF_INIT;
    const char *reason = pt_http_reason(status);
    pt_buf_puts(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<title>");
    pt_buf_printf(&b, "%d ", status);
    pt_buf_html_escape(&b, reason, strlen(reason));
    pt_buf_puts(&b, "</title></head><body><main><h1>");
    pt_buf_printf(&b, "%d ", status);
    pt_buf_html_escape(&b, reason, strlen(reason));
    pt_buf_puts(&b, "</h1><p>");
    if (message) pt_buf_html_escape(&b, message, strlen(message));
    pt_buf_puts(&b, "</p><p><a href=\"/\">Home</a></p></main></body></html>\n");
    pt_resp_set_header(req, "Content-Type", "text/html; charset=utf-8");
    pt_resp_write(req, b.data, b.len);
    pt_buf_free(&b);
}

void pt_template_error_page(pt_req *req, int status, const char *message)
{
    if (in_error_page) {
        plain_error(req, status, message);
        return;
    }
    in_error_page = true;
    pt_theme *t = pt_theme_acquire();
    char name[32];
    snprintf(name, sizeof name, "errors/%d", status);
    const pt_mustache *m = pt_theme_find(t, name);
    if (!m) m = pt_theme_find(t, "errors/error");
    bool ok = false;
    if (m) {
        json_t *ctx = json_object();
        if (globals_fn) globals_fn(req, ctx);
        char key[48];
        snprintf(key, sizeof key, "errors.title_%d", status);
        const char *title = pt_t(req, key);
        if (strcmp(title, key) == 0) title = pt_http_reason(status);
        json_object_set_new(ctx, "status", json_integer(status));
        json_object_set_new(ctx, "message", json_string(message ? message : ""));
        json_object_set_new(ctx, "title", json_string(title));
        json_object_set_new(ctx, "is_server_error", json_boolean(status >= 500));
        add_theme_facts(req, t, name, ctx);
        pt_buf out = PT_BUF_INIT;
        if (render(t, m, ctx, &out) == 0) {
            pt_resp_set_header(req, "Content-Type", "text/html; charset=utf-8");
            pt_resp_write(req, out.data ? out.data : "", out.len);
            ok = true;
        } else {
            pt_error("render: error template for %d failed; plain page sent", status);
        }
        pt_buf_free(&out);
        json_decref(ctx);
    }
    pt_theme_release(t);
    if (!ok) plain_error(req, status, message);
    in_error_page = false;
}

void pt_template_install_error_page(void)
{
    pt_http_set_error_page(pt_template_error_page);
}
