/*
 * core/template/template_int.h - what theme.c, cache.c and page.c share.
 * Private to core/template; plugins see portico/template.h only.
 */
#ifndef PT_TEMPLATE_INT_H
#define PT_TEMPLATE_INT_H

#include <jansson.h>

#include "portico/common.h"
#include "portico/mustache.h"

/* ---- cache.c: compiled templates keyed by file path ------------------- */
typedef struct pt_tcache pt_tcache;

/* New, empty cache. Free with pt_tcache_free (frees every template). */
pt_tcache *pt_tcache_new(void);
void pt_tcache_free(pt_tcache *c);
/* Compile path once (a second call for the same path is a no-op). 0, or
 * PT_EINVAL / PT_EIO with an allocated "path:line: message" in *err. */
int pt_tcache_add_file(pt_tcache *c, const char *path, char **err);
/* Compile every *.mustache below dir (recursively, sorted; a missing dir
 * is fine). Stops at the first error (same contract as add_file). */
int pt_tcache_add_tree(pt_tcache *c, const char *dir, char **err);
/* The template compiled from path, or NULL. Borrowed from the cache. */
const pt_mustache *pt_tcache_get(const pt_tcache *c, const char *path);
/* Number of templates compiled (tests). */
size_t pt_tcache_count(const pt_tcache *c);

/* ---- theme.c: the active theme ----------------------------------------- */
typedef struct pt_theme pt_theme;

/* Take a reference to the active theme (NULL when none); release it with
 * pt_theme_release. Safe on any thread. */
pt_theme *pt_theme_acquire(void);
void pt_theme_release(pt_theme *t);
/* Resolve a template name in theme t (see portico/template.h for the
 * order). Borrowed from t, or NULL. */
const pt_mustache *pt_theme_find(const pt_theme *t, const char *name);
/* The partial callback for pt_mustache_render; ud is the pt_theme. */
const pt_mustache *pt_theme_partial_cb(void *ud, const char *name);
/* Borrowed theme facts for the page context. */
const char *pt_theme_get_name(const pt_theme *t);
json_t *pt_theme_get_css_vars(const pt_theme *t);

#endif
