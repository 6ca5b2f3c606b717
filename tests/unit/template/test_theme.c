/*
 * tests/unit/template/test_theme.c - the theme layer (core/template/theme.c,
 * cache.c, page.c) and i18n (core/i18n.c), from what a user would see:
 * which template wins, what the rendered page says, which language and
 * number/date formats come out, and that a broken reload changes nothing.
 *
 * Requests come from the HTTP layer's in-memory connection under `make`,
 * or from a small fake pt_req with -DPT_THEME_TEST_STUBS (the standalone
 * build that needs only core/template, core/i18n.c, core/util and
 * core/log.c). The real
 * default theme (themes/default) is used for layout and catalogs; test
 * themes are written to a temporary folder next to a symlink to it.
 *
 * Run from the repository root (paths are relative to it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "portico/http.h"
#include "portico/i18n.h"
#include "portico/log.h"
#include "portico/template.h"

/* ---- requests ---------------------------------------------------------------
 * Two ways to get a pt_req, so the test runs both under `make test-unit`
 * (linked with the whole libportico.a: a real request through the HTTP
 * layer's in-memory connection) and in the standalone build of the brief
 * (-DPT_THEME_TEST_STUBS: a fake pt_req with the few functions the theme
 * layer calls). Either way a test gets {status, content type, body}. */

typedef void (*req_fn)(pt_req *req, void *ud);
typedef struct resp {
    int status;
    char ctype[64];
    char *body;
    int error_calls;
} resp;

#ifdef PT_THEME_TEST_STUBS
struct pt_req {
    pt_arena *arena;
    const char *accept_language;
    const void *keys[8];
    void *vals[8];
    int nkeys;
    int status;
    char content_type[64];
    pt_buf body;
    int error_calls;
};

static pt_error_page_fn error_page;

const char *pt_req_header(pt_req *req, const char *name)
{
    return strcasecmp(name, "Accept-Language") == 0 ? req->accept_language : NULL;
}
pt_arena *pt_req_arena(pt_req *req) { return req->arena; }
void pt_req_set_data(pt_req *req, const void *key, void *value)
{
    req->keys[req->nkeys] = key;
    req->vals[req->nkeys++] = value;
}
void *pt_req_get_data(pt_req *req, const void *key)
{
    for (int i = 0; i < req->nkeys; i++)
        if (req->keys[i] == key) return req->vals[i];
    return NULL;
}
void pt_resp_status(pt_req *req, int status) { req->status = status; }
void pt_resp_set_header(pt_req *req, const char *name, const char *value)
{
    if (strcasecmp(name, "Content-Type") == 0)
        snprintf(req->content_type, sizeof req->content_type, "%s", value);
}
void pt_resp_write(pt_req *req, const void *data, size_t len) { pt_buf_append(&req->body, data, len); }
const char *pt_http_reason(int status) { return status == 404 ? "Not Found" : "Internal Server Error"; }
void pt_http_set_error_page(pt_error_page_fn fn) { error_page = fn; }
/* Like the real layer: status, then the installed HTML renderer. */
void pt_http_error(pt_req *req, int status, const char *message)
{
    req->error_calls++;
    req->status = status;
    pt_buf_reset(&req->body);
    if (error_page) error_page(req, status, message);
}

static resp run_req(const char *al, req_fn fn, void *ud)
{
    pt_req r = {.arena = pt_arena_new(4096), .accept_language = al};
    fn(&r, ud);
    resp out = {.status = r.status, .error_calls = r.error_calls};
    snprintf(out.ctype, sizeof out.ctype, "%s", r.content_type);
    out.body = r.body.data ? pt_buf_steal(&r.body) : pt_xstrdup("");
    pt_arena_free(r.arena);
    return out;
}
#else
#include "http/http_internal.h"

static req_fn cur_fn;
static void *cur_ud;

static int handler(pt_req *req)
{
    cur_fn(req, cur_ud);
    return 0;
}

static resp run_req(const char *al, req_fn fn, void *ud)
{
    pt_router *router = pt_router_new();
    pt_route rt = {.method = "GET", .pattern = "/t", .handler = handler};
    assert_int_equal(pt_router_add(router, &rt, "t"), 0);
    pt_server *srv = pt_server_new_mem(NULL, router);
    pt_buf raw = PT_BUF_INIT, out = PT_BUF_INIT;
    pt_buf_puts(&raw, "GET /t HTTP/1.1\r\nHost: test\r\nAccept: text/html\r\n");
    if (al) pt_buf_printf(&raw, "Accept-Language: %s\r\n", al);
    pt_buf_puts(&raw, "Connection: close\r\n\r\n");
    cur_fn = fn;
    cur_ud = ud;
    pt_conn *c = pt_conn_mem_new(srv, &out);
    pt_conn_mem_feed(c, raw.data, raw.len);
    pt_conn_mem_free(c);
    pt_server_free(srv);
    pt_router_free(router);
    pt_buf_free(&raw);

    resp r = {0};
    assert_non_null(out.data);
    r.status = atoi(out.data + 9);
    char *hdr_end = strstr(out.data, "\r\n\r\n");
    assert_non_null(hdr_end);
    *hdr_end = 0;
    const char *ct = strcasestr(out.data, "\r\nContent-Type: ");
    if (ct) sscanf(ct + 16, "%63[^\r]", r.ctype);
    r.body = pt_xstrdup(hdr_end + 4);
    /* The real layer does not count pt_http_error calls; the themed 500
     * page is what proves the path was taken. */
    r.error_calls = -1;
    pt_buf_free(&out);
    return r;
}
#endif

/* ---- fixture files ---------------------------------------------------------- */

static char tmp[256];

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    for (char *p = path + strlen(tmp) + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(path, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *themes_dir(void)
{
    static char d[300];
    snprintf(d, sizeof d, "%s/themes", tmp);
    return d;
}

static char *render(const char *name, const char *json)
{
    json_t *ctx = json_loads(json, 0, NULL);
    pt_buf b = PT_BUF_INIT;
    int rc = pt_render_to_buf(name, ctx, &b);
    json_decref(ctx);
    if (rc != 0) {
        pt_buf_free(&b);
        return NULL;
    }
    return b.data ? pt_buf_steal(&b) : pt_xstrdup("");
}

static int setup(void **state)
{
    snprintf(tmp, sizeof tmp, "/tmp/pt-theme-test-%d", (int)getpid());
    mkdir(tmp, 0755);
    char cwd[256], link[512], target[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    put("themes/.keep", "");
    snprintf(link, sizeof link, "%s/themes/default", tmp);
    snprintf(target, sizeof target, "%s/themes/default", cwd);
    assert_int_equal(symlink(target, link), 0);

    /* mid: parent default; a partial, a page, a locale override */
    put("themes/mid/theme.json",
        "{\"name\":\"mid\",\"parent\":\"default\",\"css_variables\":{\"--pt-brand\":\"#123456\"}}");
    put("themes/mid/partials/badge.mustache", "[mid badge {{x}}]");
    put("themes/mid/pages/demo/page.mustache", "mid page {{> badge}} {{> support/row}}");
    put("themes/mid/locales/en.json", "{\"support\": {\"title\": \"Help desk\"}}");
    /* child: parent mid; overrides a plugin template by path */
    put("themes/child/theme.json",
        "{\"name\":\"child\",\"parent\":\"mid\",\"css_variables\":{\"--pt-radius\":\"2px\"}}");
    put("themes/child/pages/support/case.mustache", "child case {{id}}");
    /* solo: no parent; the default theme is still the last fallback */
    put("themes/solo/theme.json", "{\"name\":\"solo\"}");
    /* loop */
    put("themes/la/theme.json", "{\"parent\":\"lb\"}");
    put("themes/lb/theme.json", "{\"parent\":\"la\"}");
    /* a plugin's templates and catalogs */
    put("plugins/support/templates/case.mustache", "plugin case {{id}}");
    put("plugins/support/templates/row.mustache", "plugin row");
    put("plugins/support/templates/list.mustache", "plugin list");
    put("plugins/support/locales/en.json",
        "{\"support\": {\"title\": \"Support\", \"new_case\": \"New case\"}}");
    put("plugins/support/locales/de.json", "{\"support\": {\"title\": \"Support (de)\"}}");

    char dir[512];
    snprintf(dir, sizeof dir, "%s/plugins/support/templates", tmp);
    assert_int_equal(pt_template_add_dir("support", dir, "support"), 0);
    assert_int_equal(pt_template_add_dir("support", dir, "other"), PT_EEXIST);
    snprintf(dir, sizeof dir, "%s/plugins/support/locales", tmp);
    assert_int_equal(pt_i18n_add_dir(dir, "support"), 0);
    pt_template_install_error_page();
    *state = NULL;
    return 0;
}

static int teardown(void **state)
{
    pt_theme_unload();
    pt_template_remove_owner("support");
    pt_i18n_remove_owner("support");
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void load(const char *name)
{
    char *err = NULL;
    int rc = pt_theme_load(themes_dir(), name, &err);
    if (rc != 0) fprintf(stderr, "load %s: %s\n", name, err ? err : "?");
    assert_int_equal(rc, 0);
    assert_null(err);
}

/* ---- lookup order ------------------------------------------------------------ */

static void test_lookup_order(void **state)
{
    load("child");
    char *s = render("support/case", "{\"id\": 7}");
    assert_string_equal(s, "child case 7"); /* theme overrides plugin by path */
    free(s);
    s = render("support/list", "{}");
    assert_string_equal(s, "plugin list"); /* not overridden: plugin folder */
    free(s);
    s = render("demo/page", "{\"x\": 1}");
    assert_string_equal(s, "mid page [mid badge 1] plugin row"); /* parent chain, slash partial */
    free(s);
    assert_true(pt_template_exists("core/home"));  /* default theme via the chain */
    assert_true(pt_template_exists("errors/404")); /* theme root */
    assert_false(pt_template_exists("nope/none"));
    assert_false(pt_template_exists("../etc/passwd"));
    assert_string_equal(pt_theme_name(), "child");

    load("mid");
    s = render("support/case", "{\"id\": 8}");
    assert_string_equal(s, "plugin case 8");
    free(s);

    load("solo");
    assert_true(pt_template_exists("core/home")); /* default is the fallback */
    assert_true(pt_template_exists("support/case"));

    char *err = NULL;
    assert_int_equal(pt_theme_load(themes_dir(), "la", &err), PT_EINVAL);
    assert_non_null(strstr(err, "loop"));
    free(err);
    assert_int_equal(pt_theme_load(themes_dir(), "missing", &err), PT_ENOTFOUND);
    free(err);
    assert_string_equal(pt_theme_name(), "solo"); /* unchanged */
}

static void test_css_and_static(void **state)
{
    load("child");
    json_t *v = pt_theme_css_vars();
    assert_string_equal(json_string_value(json_object_get(v, "--pt-brand")), "#123456");
    assert_string_equal(json_string_value(json_object_get(v, "--pt-radius")), "2px");
    pt_buf b = PT_BUF_INIT;
    pt_theme_css(&b);
    assert_non_null(strstr(b.data, "--pt-brand: #123456;"));
    pt_buf_free(&b);
    const char **dirs;
    size_t n = pt_theme_static_dirs(&dirs);
    assert_int_equal(n, 1); /* only default has static/ */
    assert_non_null(strstr(dirs[0], "themes/default/static"));

    put("themes/evil/theme.json",
        "{\"parent\":\"default\",\"css_variables\":{\"--x\":\"red;} body{display:none\"}}");
    char *err = NULL;
    assert_int_equal(pt_theme_load(themes_dir(), "evil", &err), PT_EINVAL);
    assert_non_null(strstr(err, "--x"));
    free(err);
}

/* ---- the real layout ----------------------------------------------------------- */

static const char *home_ctx =
    "{\"site\": {\"name\": \"Acme\"}, \"csrf\": \"tok123\","
    " \"user\": {\"name\": \"Ada Lovelace\", \"email\": \"ada@example.com\"},"
    " \"accounts\": [{\"id\": \"a1\", \"name\": \"Acme GmbH\", \"current\": true},"
    "                {\"id\": \"a2\", \"name\": \"Beta Ltd\"}],"
    " \"notifications\": {\"unread\": 3},"
    " \"nav\": [{\"label\": \"Home\", \"href\": \"/\", \"active\": true, \"icon\": \"home\"},"
    "           {\"label\": \"Support\", \"href\": \"/support\", \"icon\": \"support\"}],"
    " \"widgets\": [{\"title\": \"Open cases\", \"html\": \"<ul><li>Case 1</li></ul>\","
    "                \"href\": \"/support\"}]}";

static void globals(pt_req *req, json_t *ctx)
{
    json_t *g = json_loads(home_ctx, 0, NULL);
    json_object_update_missing(ctx, g);
    json_decref(g);
}

static int filter_calls;
static int filter(pt_req *req, const char *page, json_t *ctx)
{
    filter_calls++;
    json_object_set_new(ctx, "q", json_string("from filter"));
    return 0;
}

static void render_home(pt_req *req, void *ud)
{
    pt_render_page(req, 200, "core/home", ud ? json_incref(ud) : NULL);
}

static void test_page_with_layout(void **state)
{
    load("child");
    pt_template_set_globals(globals);
    pt_template_set_filter(filter);
    filter_calls = 0;
    resp r = run_req("en-US,en;q=0.8", render_home, NULL);
    const char *h = r.body;
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/html; charset=utf-8");
    assert_int_equal(filter_calls, 1);
    assert_non_null(strstr(h, "<html lang=\"en\">"));
    assert_non_null(strstr(h, "<title>Help center · Acme</title>"));
    assert_non_null(strstr(h, "class=\"pt-skip\" href=\"#main\">Skip to main content</a>"));
    assert_non_null(strstr(h, "How can we help?"));
    assert_non_null(strstr(h, "<ul><li>Case 1</li></ul>"));          /* raw widget html */
    assert_non_null(strstr(h, "action=\"/account/switch\""));         /* > 1 account */
    assert_non_null(strstr(h, "value=\"tok123\""));
    assert_non_null(strstr(h, "<option value=\"a1\" selected>Acme GmbH</option>"));
    assert_non_null(strstr(h, "aria-current=\"page\""));
    assert_non_null(strstr(h, "pt-bell__count\">3<"));
    assert_non_null(strstr(h, ">AL</span>"));                          /* initials */
    assert_non_null(strstr(h, "value=\"from filter\""));               /* filter data */
    assert_non_null(strstr(h, "action=\"/signout\""));
    assert_non_null(strstr(h, "body class=\"page-core-home\""));
    /* CSP: no inline script or style */
    assert_null(strstr(h, "style="));
    assert_null(strstr(h, "<style"));
    for (const char *p = h; (p = strstr(p, "<script")); p++) assert_non_null(strstr(p, "src="));
    assert_null(strstr(h, "{{"));
    free(r.body);

    /* One account, no unread, anonymous: no switcher, no badge, CTA. */
    pt_template_set_globals(NULL);
    pt_template_set_filter(NULL);
    json_t *ctx = json_pack("{s:[{s:s}], s:{s:i}}", "accounts", "name", "x", "notifications",
                            "unread", 0);
    r = run_req(NULL, render_home, ctx);
    json_decref(ctx);
    h = r.body;
    assert_null(strstr(h, "/account/switch"));
    assert_null(strstr(h, "pt-bell__count"));
    assert_non_null(strstr(h, "href=\"/signin\""));
    assert_non_null(strstr(h, "<title>Help center · Portico</title>"));
    free(r.body);
}

static void german_signin(pt_req *req, void *ud)
{
    pt_render_page(req, 200, "core/signin", json_pack("{s:s}", "error", "Falsch <x>"));
    assert_string_equal(pt_i18n_lang(req), "de");
    assert_string_equal(pt_t(req, "nav.signout"), "Abmelden");
    assert_string_equal(pt_t(req, "support.title"), "Support (de)");
    assert_string_equal(pt_t(req, "support.new_case"), "New case"); /* English fallback */
    assert_string_equal(pt_t(req, "no.such.key"), "no.such.key");
}

static void test_german_page(void **state)
{
    load("child");
    resp r = run_req("de-DE,de;q=0.9,en;q=0.5", german_signin, NULL);
    const char *h = r.body;
    assert_non_null(strstr(h, "<html lang=\"de\">"));
    assert_non_null(strstr(h, "Zum Hauptinhalt springen"));
    assert_non_null(strstr(h, "Passwort vergessen?"));
    assert_non_null(strstr(h, "Falsch &lt;x&gt;"));
    free(r.body);
}

/* ---- errors --------------------------------------------------------------------- */

typedef struct err_case {
    int status;
    const char *msg;
} err_case;

static void raise_error(pt_req *req, void *ud)
{
    const err_case *e = ud;
    pt_http_error(req, e->status, e->msg);
}

static void render_missing(pt_req *req, void *ud)
{
    pt_render_page(req, 200, "core/nope", json_object());
}

static void test_error_pages(void **state)
{
    load("child");
    err_case e404 = {404, "No such page"};
    resp r = run_req("en", raise_error, &e404);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "Page not found"));
    assert_non_null(strstr(r.body, "class=\"pt-skip\""));
    assert_non_null(strstr(r.body, "action=\"/knowledge/search\""));
    free(r.body);

    err_case e500 = {500, "Kaputt"};
    r = run_req("de", raise_error, &e500);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "Kaputt"));
    assert_non_null(strstr(r.body, "Zurück zur Startseite"));
    free(r.body);

    /* A missing page answers the themed 500 page through pt_http_error. */
    r = run_req("en", render_missing, NULL);
    assert_int_equal(r.status, 500);
    assert_true(r.error_calls == 1 || r.error_calls == -1);
    assert_non_null(strstr(r.body, "This page could not be shown"));
    assert_non_null(strstr(r.body, "class=\"pt-skip\""));
    free(r.body);

    /* An error template that recurses forever falls back to plain HTML. */
    put("themes/loopy/theme.json", "{\"parent\":\"default\"}");
    put("themes/loopy/errors/error.mustache", "{{> errors/error}}");
    load("loopy");
    err_case eplain = {500, "plain <please>"};
    r = run_req("en", raise_error, &eplain);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "<h1>500 Internal Server Error</h1>"));
    assert_non_null(strstr(r.body, "plain &lt;please&gt;"));
    free(r.body);
}

/* ---- reload --------------------------------------------------------------------- */

static void test_reload_keeps_old_theme(void **state)
{
    load("child");
    put("themes/child/pages/support/case.mustache", "line one\n{{#open}}\nnever closed\n");
    char *err = NULL;
    assert_int_equal(pt_theme_reload(&err), PT_EINVAL);
    assert_non_null(err);
    assert_non_null(strstr(err, "themes/child/pages/support/case.mustache:2"));
    free(err);
    char *s = render("support/case", "{\"id\": 1}");
    assert_string_equal(s, "child case 1"); /* old theme still active */
    free(s);
    put("themes/child/pages/support/case.mustache", "fixed {{id}}");
    assert_int_equal(pt_theme_reload(&err), 0);
    s = render("support/case", "{\"id\": 2}");
    assert_string_equal(s, "fixed 2");
    free(s);

    put("themes/mid/locales/de.json", "{\"broken\": ");
    assert_int_equal(pt_theme_reload(&err), PT_EINVAL);
    assert_non_null(strstr(err, "themes/mid/locales/de.json:1"));
    free(err);
    unlink("themes/mid/locales/de.json");
    char p[512];
    snprintf(p, sizeof p, "%s/themes/mid/locales/de.json", tmp);
    unlink(p);
    assert_int_equal(pt_theme_reload(NULL), 0);
}

/* ---- i18n ----------------------------------------------------------------------- */

static void catalog_en(pt_req *req, void *ud)
{
    assert_string_equal(pt_t(req, "support.title"), "Help desk"); /* theme beats plugin */
    assert_string_equal(pt_t(req, "support.new_case"), "New case");
    assert_string_equal(pt_t(req, "nav.home"), "Home");
}

static void test_catalog_merge(void **state)
{
    load("mid");
    resp r = run_req("en", catalog_en, NULL);
    free(r.body);
    json_t *de = pt_i18n_catalog("de");
    assert_string_equal(json_string_value(json_object_get(json_object_get(de, "nav"), "home")),
                        "Startseite");
    /* English fills German gaps (theme string only in en) */
    assert_string_equal(json_string_value(json_object_get(json_object_get(de, "support"), "new_case")),
                        "New case");
    json_decref(de);
    assert_true(pt_i18n_has_lang("de"));
    assert_false(pt_i18n_has_lang("fr"));
}

static const char *user_lang;
static const char *user_lang_fn(pt_req *req) { return user_lang; }
static void expect_lang(pt_req *req, void *ud) { assert_string_equal(pt_i18n_lang(req), ud); }

static void test_negotiation(void **state)
{
    load("default");
    assert_string_equal(pt_i18n_negotiate("de-DE,de;q=0.9,en;q=0.5"), "de");
    assert_string_equal(pt_i18n_negotiate("fr"), "en");
    assert_string_equal(pt_i18n_negotiate("fr-CH, fr;q=0.9, de;q=0.7, *;q=0.5"), "de");
    assert_string_equal(pt_i18n_negotiate("en;q=0.8, de;q=0.9"), "de");
    assert_string_equal(pt_i18n_negotiate("de;q=0, en"), "en");
    assert_string_equal(pt_i18n_negotiate("DE"), "de");
    assert_string_equal(pt_i18n_negotiate(""), "en");
    assert_string_equal(pt_i18n_negotiate(NULL), "en");
    assert_string_equal(pt_i18n_negotiate(";;;,,q=,de;q=abc"), "en");

    pt_i18n_set_user_lang_fn(user_lang_fn);
    user_lang = "de";
    resp r = run_req("en", expect_lang, "de"); /* profile beats the header */
    free(r.body);
    user_lang = "xx";
    r = run_req("de", expect_lang, "de"); /* unknown profile language ignored */
    free(r.body);
    user_lang = NULL;
    r = run_req("fr-CH, fr;q=0.9", expect_lang, "en");
    free(r.body);
    pt_i18n_set_user_lang_fn(NULL);
}

static char *fmt_num(const char *lang, double v, int dec)
{
    static char s[64];
    pt_buf b = PT_BUF_INIT;
    pt_i18n_format_number_lang(lang, v, dec, &b);
    snprintf(s, sizeof s, "%s", b.data);
    pt_buf_free(&b);
    return s;
}

static char *fmt_date(const char *lang, int64_t secs, const char *tz, bool time)
{
    static char s[64];
    pt_buf b = PT_BUF_INIT;
    if (time) pt_i18n_format_datetime_lang(lang, secs * 1000, tz, &b);
    else pt_i18n_format_date_lang(lang, secs * 1000, tz, &b);
    snprintf(s, sizeof s, "%s", b.data);
    pt_buf_free(&b);
    return s;
}

static void test_formatting(void **state)
{
    load("default");
    assert_string_equal(fmt_num("en", 1234.5, -1), "1,234.5");
    assert_string_equal(fmt_num("de", 1234.5, -1), "1.234,5");
    assert_string_equal(fmt_num("de", 1234567.891, 2), "1.234.567,89");
    assert_string_equal(fmt_num("en", -1234567, 0), "-1,234,567");
    assert_string_equal(fmt_num("en", 12, -1), "12");
    assert_string_equal(fmt_num("en", 999.9999, -1), "1,000");
    assert_string_equal(fmt_num("en", -0.0001, -1), "0");
    assert_string_equal(fmt_num("en", 0.5, 2), "0.50");
    assert_string_equal(fmt_num("fr", 1000, 0), "1,000"); /* unknown: English */

    const int64_t nov23 = 1795435200;    /* 2026-11-23 12:00 UTC */
    const int64_t nov23_late = 1795476600; /* 2026-11-23 23:30 UTC */
    assert_string_equal(fmt_date("en", nov23, NULL, false), "Nov 23, 2026");
    assert_string_equal(fmt_date("de", nov23, "UTC", false), "23.11.2026");
    assert_string_equal(fmt_date("en", nov23_late, "Europe/Berlin", false), "Nov 24, 2026");
    assert_string_equal(fmt_date("de", nov23_late, "America/New_York", true), "23.11.2026, 18:30");
    assert_string_equal(fmt_date("en", nov23, "Europe/Berlin", true), "Nov 23, 2026, 1:00 PM");
    assert_string_equal(fmt_date("en", nov23, "+05:30", true), "Nov 23, 2026, 5:30 PM");
    assert_string_equal(fmt_date("en", nov23, "../../etc/passwd", true), "Nov 23, 2026, 12:00 PM");
    assert_string_equal(fmt_date("en", nov23, "No/Such_Zone", true), "Nov 23, 2026, 12:00 PM");

    /* Offsets: table (2026) and the POSIX footer rule (2045). */
    assert_int_equal(pt_tz_offset("Europe/Berlin", 1782907200000LL), 7200); /* 2026-07-01 */
    assert_int_equal(pt_tz_offset("Europe/Berlin", nov23 * 1000), 3600);
    assert_int_equal(pt_tz_offset("Europe/Berlin", 2382523200000LL), 7200); /* 2045-07-01 */
    assert_int_equal(pt_tz_offset("Europe/Berlin", 2366884800000LL), 3600); /* 2045-01-01 */
    assert_int_equal(pt_tz_offset("America/New_York", 2382523200000LL), -4 * 3600);
    assert_int_equal(pt_tz_offset("Australia/Sydney", 2382523200000LL), 10 * 3600);
    assert_int_equal(pt_tz_offset("Australia/Sydney", 2366884800000LL), 11 * 3600);
    assert_int_equal(pt_tz_offset("Asia/Kolkata", nov23 * 1000), 19800);
}

int main(void)
{
    pt_log_set_level(PT_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_order),
        cmocka_unit_test(test_css_and_static),
        cmocka_unit_test(test_page_with_layout),
        cmocka_unit_test(test_german_page),
        cmocka_unit_test(test_error_pages),
        cmocka_unit_test(test_reload_keeps_old_theme),
        cmocka_unit_test(test_catalog_merge),
        cmocka_unit_test(test_negotiation),
        cmocka_unit_test(test_formatting),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
