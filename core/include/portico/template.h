/*
 * portico/template.h - themes, template lookup and page rendering.
 *
 * A theme is a folder themes/<name>/ with:
 *   theme.json          {"name", "parent", "css_variables": {"--pt-brand": "#..."}}
 *   layout.mustache     the page shell ({{<layout}} from pages)
 *   partials/NAME.mustache {{> name}}
 *   pages/<section>/<page>.mustache
 *   errors/404.mustache, errors/error.mustache
 *   locales/<lang>.json message catalogs (see portico/i18n.h)
 *   static/             served under /static/
 *
 * Theme metadata is JSON, not Lua: the theme layer has to work (and be
 * unit-tested) without the Lua module, loading a theme must never run
 * code, and a theme is data a designer edits; JSON says all it needs.
 *
 * Lookup of a template name:
 *   "support/case" (a slash): active theme pages/support/case.mustache,
 *       then <theme>/support/case.mustache at the theme root (this is how
 *       "errors/404" finds errors/404.mustache), then the same in each
 *       parent theme, then the folder a plugin registered for "support"
 *       (pt_template_add_dir: <dir>/case.mustache), then the default theme.
 *   "card" (no slash; partials and layouts): partials/card.mustache, then
 *       card.mustache at the theme root ("layout"), up the parent chain,
 *       then the default theme.
 * So a theme overrides any plugin template by giving the same path.
 *
 * Every template of the theme chain and of every registered folder is
 * compiled when the theme loads, so a syntax error is reported (file:line)
 * at start or on reload, never in front of a customer. A reload builds a
 * complete new theme and swaps it in only when it loaded cleanly.
 *
 * Threading: the active theme is reference counted; a render on a
 * pt_work_run() thread keeps the theme it started with even if a reload
 * swaps in a new one meanwhile. Loading, add_dir and the hooks are meant
 * for the event-loop thread (or start-up).
 */
#ifndef PORTICO_TEMPLATE_H
#define PORTICO_TEMPLATE_H

#include <jansson.h>

#include "common.h"
#include "http.h"

/* ---- registration ---------------------------------------------------- */

/* Register a template folder for names beginning with "<prefix>/": e.g.
 * pt_template_add_dir("support", "plugins/support/templates", "support")
 * makes "support/case" find plugins/support/templates/case.mustache
 * (unless a theme overrides it). Strings are copied. owner tags the entry
 * for pt_template_remove_owner. If a theme is already active it is
 * rebuilt with the new folder (kept as it was when that fails).
 * 0, PT_EINVAL (bad prefix or a template in the folder does not compile;
 * the error is logged), PT_EEXIST (prefix already registered). */
int pt_template_add_dir(const char *prefix, const char *dir, const char *owner);

/* Forget every folder registered by owner (plugin init rollback). Returns
 * how many were removed. The active theme keeps its compiled copies until
 * the next load. */
int pt_template_remove_owner(const char *owner);

/* ---- themes ------------------------------------------------------------- */

/* Load themes_dir/name (and its parent chain, and the default theme
 * "default" from the same themes_dir as the last fallback), compile every
 * template and catalog, and make it the active theme. On failure the
 * active theme is left as it was and *err gets an allocated message
 * naming file:line (caller frees with free()); err may be NULL.
 * 0, PT_ENOTFOUND (no such theme), PT_EINVAL (metadata, template or
 * catalog error; a parent loop). */
int pt_theme_load(const char *themes_dir, const char *name, char **err);

/* Reload the active theme from disk (SIGHUP). Same contract as
 * pt_theme_load; PT_ENOTFOUND when no theme was ever loaded. */
int pt_theme_reload(char **err);

/* Drop the active theme (process exit, tests). */
void pt_theme_unload(void);

/* Name of the active theme or NULL (borrowed until the next load). */
const char *pt_theme_name(void);

/* The static folders (<theme>/static) of the active theme chain in lookup
 * order, active theme first. *dirs is borrowed until the next load;
 * returns the count (0 when no theme is loaded). */
size_t pt_theme_static_dirs(const char ***dirs);

/* The merged CSS custom properties of the chain (child overrides parent):
 * an object {"--pt-brand": "#1f5eff", ...}. Borrowed until the next load;
 * NULL when no theme is loaded. */
json_t *pt_theme_css_vars(void);

/* The CSS variables as a stylesheet ":root { --pt-brand: #...; }"
 * appended to out. The CSP forbids inline styles, so branding reaches the
 * browser as this small stylesheet: the core registers
 * pt_theme_css_handler as GET /theme.css (the layout links it after
 * portico.css, so a theme's variables win). Values were validated at load
 * (no ; { } < > \ or newlines). */
void pt_theme_css(pt_buf *out);
int pt_theme_css_handler(pt_req *req);

/* True when name resolves to a template in the active theme. */
bool pt_template_exists(const char *name);

/* ---- hooks the core installs ---------------------------------------- */

/* Adds page globals (user, account, accounts, nav, csrf, notifications,
 * site, ...) to ctx before every page render. ctx is borrowed. */
typedef void (*pt_template_globals_fn)(pt_req *req, json_t *ctx);
void pt_template_set_globals(pt_template_globals_fn fn);

/* The "page.render" filter: may change ctx (borrowed) in place. Wire it
 * to pt_event_filter("page.render", ctx, req), which copies per hook and
 * keeps only successful hooks' changes. A non-zero return (hooks that
 * failed) is logged at debug level; the render goes on with ctx. */
typedef int (*pt_template_filter_fn)(pt_req *req, const char *page, json_t *ctx);
void pt_template_set_filter(pt_template_filter_fn fn);

/* ---- rendering ---------------------------------------------------------- */

/* Render page (a template name, "core/home") as the response: status,
 * Content-Type text/html; charset=utf-8, the body. ctx is stolen (may be
 * NULL). The context gets, in this order: the globals hook's data, then
 * `t` (message catalog of the request's language, nested: {{t.nav.home}}),
 * `lang`, `page_name`, `page_class` ("page-support-case"), `theme`
 * ({name, css_vars}) and the flags Mustache cannot compute:
 * `has_many_accounts` (accounts has more than one entry), `has_unread`
 * (notifications.unread > 0) and `user.initials` (when user.name is set).
 * The page.render filter runs after the globals hook, before `t` is added. A missing template or a render error logs the cause and
 * answers 500 through pt_http_error with a plain message. */
void pt_render_page(pt_req *req, int status, const char *page, json_t *ctx);

/* Render a template to out (appended), outside any request (mail bodies).
 * ctx is borrowed; no globals, no filter, nothing added. 0, PT_ENOTFOUND
 * (no such template or no theme), PT_ERR (render error, logged). */
int pt_render_to_buf(const char *name, json_t *ctx, pt_buf *out);

/* The themed HTML error page (errors/<status>.mustache, else
 * errors/error.mustache) with {status, message, title, t, lang}. Falls back
 * to a plain built-in HTML page when no theme is loaded or the error
 * template itself fails (never recursing into pt_http_error).
 * pt_template_install_error_page() registers it with
 * pt_http_set_error_page(). */
void pt_template_error_page(pt_req *req, int status, const char *message);
void pt_template_install_error_page(void);

#endif
