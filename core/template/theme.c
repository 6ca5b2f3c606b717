/*
 * core/template/theme.c - loading themes, the registered plugin template
 * folders, template name resolution, and the active-theme swap.
 *
 * Theme metadata is themes/<name>/theme.json ({"name", "parent",
 * "css_variables"}), not theme.lua as DESIGN.md first sketched: loading a
 * theme must not depend on (or run) the Lua module, the theme layer is
 * unit-tested without it, and a theme is designer-edited data that JSON
 * describes fully.
 *
 * A load builds a complete pt_theme (chain, compiled templates, merged
 * CSS variables, static folders, message catalogs) off to the side and
 * swaps it in only when everything compiled. The active theme is
 * reference counted: renders hold a reference (pt_theme_acquire) so a
 * reload on the loop never frees a template a pool-thread render is
 * walking.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "portico/i18n.h"
#include "portico/log.h"
#include "portico/template.h"
#include "template/template_int.h"

#define MAX_CHAIN 8
#define DEFAULT_THEME "default"

/* ---- registered plugin folders ---------------------------------------- */

typedef struct tdir {
    char *prefix, *dir, *owner;
} tdir;

static tdir *tdirs;
static size_t ntdirs;

/* ---- the theme --------------------------------------------------------- */

struct pt_theme {
    int refs;                   /* under lock */
    char *themes_dir, *name;
    char *chain[MAX_CHAIN];     /* theme root folders, active first */
    size_t nchain;
    char *fallback;             /* themes_dir/default when not in chain */
    tdir *dirs;                 /* snapshot of the plugin folders */
    size_t ndirs;
    const char **static_dirs;
    size_t nstatic;
    json_t *css_vars;
    pt_tcache *cache;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pt_theme *active;
/* What the last successful load asked for (for pt_theme_reload). */
static char *last_dir, *last_name;

static void theme_free(pt_theme *t)
{
    if (!t) return;
    free(t->themes_dir);
    free(t->name);
    for (size_t i = 0; i < t->nchain; i++) free(t->chain[i]);
    free(t->fallback);
    for (size_t i = 0; i < t->ndirs; i++) {
        free(t->dirs[i].prefix);
        free(t->dirs[i].dir);
    }
    free(t->dirs);
    for (size_t i = 0; i < t->nstatic; i++) free((char *)t->static_dirs[i]);
    free(t->static_dirs);
    json_decref(t->css_vars);
    pt_tcache_free(t->cache);
    free(t);
}

pt_theme *pt_theme_acquire(void)
{
    pthread_mutex_lock(&lock);
    pt_theme *t = active;
    if (t) t->refs++;
    pthread_mutex_unlock(&lock);
    return t;
}

void pt_theme_release(pt_theme *t)
{
    if (!t) return;
    pthread_mutex_lock(&lock);
    bool last = --t->refs == 0;
    pthread_mutex_unlock(&lock);
    if (last) theme_free(t);
}

static void swap_in(pt_theme *t)
{
    pthread_mutex_lock(&lock);
    pt_theme *old = active;
    active = t;
    if (t) t->refs++;
    pthread_mutex_unlock(&lock);
    pt_theme_release(old);
}

const char *pt_theme_get_name(const pt_theme *t)
{
    return t->name;
}

json_t *pt_theme_get_css_vars(const pt_theme *t)
{
    return t->css_vars;
}

/* ---- resolution -------------------------------------------------------- */

static const pt_mustache *try_path(const pt_theme *t, const char *a, const char *b,
                                   const char *c)
{
    char path[1024];
    int n = snprintf(path, sizeof path, "%s%s%s.mustache", a, b, c);
    if (n < 0 || (size_t)n >= sizeof path) return NULL;
    return pt_tcache_get(t->cache, path);
}

static const pt_mustache *in_root(const pt_theme *t, const char *root, const char *name,
                                  bool slash)
{
    const pt_mustache *m = try_path(t, root, slash ? "/pages/" : "/partials/", name);
    if (!m) m = try_path(t, root, "/", name);
    return m;
}

static bool name_ok(const char *name)
{
    if (!name || !*name || *name == '/' || strstr(name, "..") || strlen(name) > 200)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_-.", *p)) return false;
    return true;
}

const pt_mustache *pt_theme_find(const pt_theme *t, const char *name)
{
    if (!t || !name_ok(name)) return NULL;
    const char *slash = strchr(name, '/');
    const pt_mustache *m;
    for (size_t i = 0; i < t->nchain; i++)
        if ((m = in_root(t, t->chain[i], name, slash))) return m;
    if (slash) {
        size_t plen = (size_t)(slash - name);
        for (size_t i = 0; i < t->ndirs; i++)
            if (strlen(t->dirs[i].prefix) == plen && strncmp(t->dirs[i].prefix, name, plen) == 0 &&
                (m = try_path(t, t->dirs[i].dir, "/", slash + 1)))
                return m;
    }
    if (t->fallback && (m = in_root(t, t->fallback, name, slash))) return m;
    return NULL;
}

const pt_mustache *pt_theme_partial_cb(void *ud, const char *name)
{
    const pt_mustache *m = pt_theme_find(ud, name);
    if (!m) pt_warn("template: partial or layout \"%s\" not found", name ? name : "");
    return m;
}

bool pt_template_exists(const char *name)
{
    pt_theme *t = pt_theme_acquire();
    bool r = pt_theme_find(t, name) != NULL;
    pt_theme_release(t);
    return r;
}

/* ---- loading ----------------------------------------------------------- */

static bool theme_name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 64) return false;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    return true;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A CSS custom property: "--name" and a value that cannot end the
 * declaration or the stylesheet. */
static bool css_var_ok(const char *k, const char *v)
{
    if (strncmp(k, "--", 2) != 0 || !k[2]) return false;
    for (const char *p = k + 2; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') return false;
    if (strlen(v) > 500) return false;
    for (const char *p = v; *p; p++)
        if (strchr(";{}<>\\\n\r", *p)) return false;
    return true;
}

/* Read root/theme.json: parent name (allocated or NULL) and css vars
 * merged under (so children override) into vars. */
static int read_meta(const char *root, const char *name, char **parent, json_t **vars,
                     char **err)
{
    char *path = pt_xasprintf("%s/theme.json", root);
    json_error_t je;
    json_t *meta = json_load_file(path, 0, &je);
    int rc = PT_OK;
    *parent = NULL;
    *vars = json_object();
    if (!meta) {
        *err = pt_xasprintf("%s:%d: %s", path, je.line, je.text);
        rc = PT_EINVAL;
        goto out;
    }
    json_t *p = json_object_get(meta, "parent");
    if (p && !json_is_null(p)) {
        if (!json_is_string(p) || !theme_name_ok(json_string_value(p))) {
            *err = pt_xasprintf("%s: \"parent\" must be a theme name", path);
            rc = PT_EINVAL;
            goto out;
        }
        *parent = pt_xstrdup(json_string_value(p));
    }
    json_t *cv = json_object_get(meta, "css_variables");
    const char *k;
    json_t *v;
    if (cv && !json_is_object(cv)) {
        *err = pt_xasprintf("%s: \"css_variables\" must be an object", path);
        rc = PT_EINVAL;
        goto out;
    }
    json_object_foreach(cv, k, v) {
        if (!json_is_string(v) || !css_var_ok(k, json_string_value(v))) {
            *err = pt_xasprintf("%s: css variable \"%s\" must be named --x and be a plain value",
                                path, k);
            rc = PT_EINVAL;
            goto out;
        }
        json_object_set(*vars, k, v);
    }
    (void)name;
out:
    if (rc != PT_OK) {
        free(*parent);
        *parent = NULL;
    }
    json_decref(meta);
    free(path);
    return rc;
}

static pt_theme *build(const char *themes_dir, const char *name, json_t **i18n, char **err)
{
    pt_theme *t = pt_xcalloc(1, sizeof *t);
    t->themes_dir = pt_xstrdup(themes_dir);
    t->name = pt_xstrdup(name);
    json_t *layers[MAX_CHAIN] = {0};
    char *cur = pt_xstrdup(name);
    bool has_default = false;

    while (cur) {
        if (!theme_name_ok(cur)) {
            *err = pt_xasprintf("theme name \"%s\" is not [a-z0-9_-]+", cur);
            goto fail;
        }
        for (size_t i = 0; i < t->nchain; i++) {
            const char *base = strrchr(t->chain[i], '/') + 1;
            if (strcmp(base, cur) == 0) {
                *err = pt_xasprintf("theme \"%s\": parent loop through \"%s\"", name, cur);
                goto fail;
            }
        }
        if (t->nchain == MAX_CHAIN) {
            *err = pt_xasprintf("theme \"%s\": more than %d parents", name, MAX_CHAIN);
            goto fail;
        }
        char *root = pt_xasprintf("%s/%s", themes_dir, cur);
        if (!is_dir(root)) {
            *err = pt_xasprintf("theme \"%s\" not found in %s", cur, themes_dir);
            free(root);
            goto notfound;
        }
        if (strcmp(cur, DEFAULT_THEME) == 0) has_default = true;
        t->chain[t->nchain] = root;
        char *parent = NULL;
        if (read_meta(root, cur, &parent, &layers[t->nchain], err) != PT_OK) {
            t->nchain++;
            goto fail;
        }
        t->nchain++;
        free(cur);
        cur = parent;
    }
    if (!has_default) {
        char *d = pt_xasprintf("%s/%s", themes_dir, DEFAULT_THEME);
        if (is_dir(d)) t->fallback = d;
        else free(d);
    }

    /* CSS variables: root parent first, children override. */
    t->css_vars = json_object();
    for (size_t i = t->nchain; i-- > 0;) json_object_update(t->css_vars, layers[i]);

    /* Plugin folders (snapshot). */
    t->dirs = pt_xcalloc(ntdirs ? ntdirs : 1, sizeof *t->dirs);
    for (size_t i = 0; i < ntdirs; i++) {
        t->dirs[i].prefix = pt_xstrdup(tdirs[i].prefix);
        t->dirs[i].dir = pt_xstrdup(tdirs[i].dir);
    }
    t->ndirs = ntdirs;

    /* Compile everything now so errors surface here. */
    t->cache = pt_tcache_new();
    for (size_t i = 0; i < t->nchain; i++)
        if (pt_tcache_add_tree(t->cache, t->chain[i], err) != PT_OK) goto fail;
    for (size_t i = 0; i < t->ndirs; i++)
        if (pt_tcache_add_tree(t->cache, t->dirs[i].dir, err) != PT_OK) goto fail;
    if (t->fallback && pt_tcache_add_tree(t->cache, t->fallback, err) != PT_OK) goto fail;

    /* Static folders, lookup order. */
    t->static_dirs = pt_xcalloc(t->nchain + 1, sizeof *t->static_dirs);
    for (size_t i = 0; i < t->nchain; i++) {
        char *s = pt_xasprintf("%s/static", t->chain[i]);
        if (is_dir(s)) t->static_dirs[t->nstatic++] = s;
        else free(s);
    }
    if (t->fallback) {
        char *s = pt_xasprintf("%s/static", t->fallback);
        if (is_dir(s)) t->static_dirs[t->nstatic++] = s;
        else free(s);
    }

    /* Catalogs: fallback default first, then root parent .. active. */
    {
        char *ldirs[MAX_CHAIN + 1];
        size_t nl = 0;
        if (t->fallback) ldirs[nl++] = pt_xasprintf("%s/locales", t->fallback);
        for (size_t i = t->nchain; i-- > 0;) ldirs[nl++] = pt_xasprintf("%s/locales", t->chain[i]);
        *i18n = pt_i18n_build((const char *const *)ldirs, nl, err);
        for (size_t i = 0; i < nl; i++) free(ldirs[i]);
        if (!*i18n) goto fail;
    }

    for (size_t i = 0; i < MAX_CHAIN; i++) json_decref(layers[i]);
    return t;

notfound:
    for (size_t i = 0; i < MAX_CHAIN; i++) json_decref(layers[i]);
    free(cur);
    theme_free(t);
    *i18n = (json_t *)1; /* marks "not found" for the caller */
    return NULL;
fail:
    for (size_t i = 0; i < MAX_CHAIN; i++) json_decref(layers[i]);
    free(cur);
    theme_free(t);
    *i18n = NULL;
    return NULL;
}

int pt_theme_load(const char *themes_dir, const char *name, char **err)
{
    char *msg = NULL;
    json_t *i18n = NULL;
    if (err) *err = NULL;
    if (!themes_dir || !name) {
        if (err) *err = pt_xstrdup("no theme given");
        return PT_EINVAL;
    }
    pt_theme *t = build(themes_dir, name, &i18n, &msg);
    if (!t) {
        int rc = i18n == (json_t *)1 ? PT_ENOTFOUND : PT_EINVAL;
        if (err) *err = msg;
        else free(msg);
        return rc;
    }
    pt_i18n_install(i18n);
    swap_in(t);
    if (last_dir != themes_dir) {
        char *d = pt_xstrdup(themes_dir);
        free(last_dir);
        last_dir = d;
    }
    if (last_name != name) {
        char *n = pt_xstrdup(name);
        free(last_name);
        last_name = n;
    }
    pt_info("theme \"%s\" loaded (%zu templates)", name, pt_tcache_count(t->cache));
    return PT_OK;
}

int pt_theme_reload(char **err)
{
    if (!last_dir || !last_name) {
        if (err) *err = pt_xstrdup("no theme loaded");
        return PT_ENOTFOUND;
    }
    return pt_theme_load(last_dir, last_name, err);
}

void pt_theme_unload(void)
{
    swap_in(NULL);
    pt_i18n_install(NULL);
    free(last_dir);
    free(last_name);
    last_dir = last_name = NULL;
}

const char *pt_theme_name(void)
{
    /* Borrowed until the next load, as documented: the loop thread is the
     * only one that loads. */
    return active ? active->name : NULL;
}

size_t pt_theme_static_dirs(const char ***dirs)
{
    if (!active) {
        *dirs = NULL;
        return 0;
    }
    *dirs = active->static_dirs;
    return active->nstatic;
}

json_t *pt_theme_css_vars(void)
{
    return active ? active->css_vars : NULL;
}

void pt_theme_css(pt_buf *out)
{
    pt_theme *t = pt_theme_acquire();
    pt_buf_puts(out, ":root {\n");
    if (t) {
        const char *k;
        json_t *v;
        json_object_foreach(t->css_vars, k, v)
            pt_buf_printf(out, "  %s: %s;\n", k, json_string_value(v));
    }
    pt_buf_puts(out, "}\n");
    pt_theme_release(t);
}

int pt_theme_css_handler(pt_req *req)
{
    pt_buf b = PT_BUF_INIT;
    pt_theme_css(&b);
    pt_resp_status(req, 200);
    pt_resp_set_header(req, "Content-Type", "text/css; charset=utf-8");
    pt_resp_set_header(req, "Cache-Control", "no-cache");
    pt_resp_write(req, b.data, b.len);
    pt_buf_free(&b);
    return 0;
}

/* ---- plugin folders ------------------------------------------------------ */

static bool prefix_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 64) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
    return true;
}

int pt_template_add_dir(const char *prefix, const char *dir, const char *owner)
{
    if (!prefix_ok(prefix) || !dir || !*dir) return PT_EINVAL;
    for (size_t i = 0; i < ntdirs; i++)
        if (strcmp(tdirs[i].prefix, prefix) == 0) return PT_EEXIST;
    tdirs = pt_xrealloc(tdirs, (ntdirs + 1) * sizeof *tdirs);
    char *d = pt_xstrdup(dir);
    for (size_t n = strlen(d); n > 1 && d[n - 1] == '/'; n--) d[n - 1] = 0;
    tdirs[ntdirs] = (tdir){pt_xstrdup(prefix), d, pt_xstrdup(owner ? owner : "")};
    ntdirs++;
    if (active) {
        char *err = NULL;
        if (pt_theme_reload(&err) != PT_OK) {
            pt_error("template folder %s (%s): %s", dir, prefix, err ? err : "load failed");
            free(err);
            ntdirs--;
            free(tdirs[ntdirs].prefix);
            free(tdirs[ntdirs].dir);
            free(tdirs[ntdirs].owner);
            return PT_EINVAL;
        }
    }
    return PT_OK;
}

int pt_template_remove_owner(const char *owner)
{
    int n = 0;
    size_t j = 0;
    for (size_t i = 0; i < ntdirs; i++) {
        if (owner && strcmp(tdirs[i].owner, owner) == 0) {
            free(tdirs[i].prefix);
            free(tdirs[i].dir);
            free(tdirs[i].owner);
            n++;
        } else {
            tdirs[j++] = tdirs[i];
        }
    }
    ntdirs = j;
    if (ntdirs == 0) {
        free(tdirs);
        tdirs = NULL;
    }
    return n;
}
