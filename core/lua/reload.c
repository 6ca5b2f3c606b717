/*
 * core/lua/reload.c - the worker's set of loaded scripts, and reload.
 *
 * pt_lua_reload_all builds a new state for every listed path while the
 * old states keep serving (each state has its own dispatcher owner tag,
 * and a route conflict check that ignores the script's own older state),
 * then frees an old state only once its replacement loaded cleanly.
 */
#include <stdlib.h>
#include <string.h>

#include "lua/internal.h"
#include "portico/log.h"

static pt_lua_script **set;
static size_t nset;

pt_lua_script *pt_lua_find(const char *name)
{
    for (size_t i = 0; i < nset; i++)
        if (strcmp(set[i]->name, name) == 0) return set[i];
    return NULL;
}

static pt_lua_script *take_old(const char *path)
{
    for (size_t i = 0; i < nset; i++)
        if (set[i] && strcmp(set[i]->path, path) == 0) {
            pt_lua_script *s = set[i];
            set[i] = NULL;
            return s;
        }
    return NULL;
}

int pt_lua_reload_all(const char *const *paths, size_t n, const pt_lua_limits *lim,
                      const json_t *config_root, char **err)
{
    if (err) *err = NULL;
    pt_buf errs = PT_BUF_INIT;
    pt_lua_script **next = pt_xcalloc(n ? n : 1, sizeof *next);
    size_t nnext = 0;
    for (size_t i = 0; i < n; i++) {
        pt_lua_script *old = take_old(paths[i]);
        bool dup = false;
        const char *b = strrchr(paths[i], '/');
        b = b ? b + 1 : paths[i];
        for (size_t j = 0; j < nnext; j++) {
            size_t l = strlen(next[j]->name);
            if (strncmp(next[j]->name, b, l) == 0 && (b[l] == 0 || strcmp(b + l, ".lua") == 0))
                dup = true;
        }
        if (dup) {
            pt_buf_printf(&errs, "%s%s: another script already has this name", errs.len ? "\n" : "",
                          paths[i]);
            pt_lua_script_free(old);
            continue;
        }
        pt_lua_limits l = lim ? *lim : (pt_lua_limits){0};
        const char *base = b;
        size_t bl = strlen(base);
        char *name = pt_xstrndup(base, bl > 4 && !strcmp(base + bl - 4, ".lua") ? bl - 4 : bl);
        l.config = config_root ? json_object_get(config_root, name) : NULL;
        free(name);
        char *e = NULL;
        pt_lua_script *s = pt_lua_script_load(paths[i], &l, &e);
        if (s) {
            pt_lua_script_free(old);
            next[nnext++] = s;
        } else {
            pt_buf_printf(&errs, "%s%s%s", errs.len ? "\n" : "", e ? e : paths[i],
                          old ? " (previous version kept)" : "");
            if (old) {
                pt_warn("lua: %s failed to reload, keeping the previous version", paths[i]);
                next[nnext++] = old;
            }
        }
        free(e);
    }
    for (size_t i = 0; i < nset; i++) pt_lua_script_free(set[i]);
    free(set);
    set = next;
    nset = nnext;
    if (errs.len) {
        if (err)
            *err = pt_buf_steal(&errs);
        else
            pt_buf_free(&errs);
        return PT_ERR;
    }
    return 0;
}

void pt_lua_unload_all(void)
{
    for (size_t i = 0; i < nset; i++) pt_lua_script_free(set[i]);
    free(set);
    set = NULL;
    nset = 0;
}

void pt_lua_shutdown(void)
{
    pt_lua_unload_all();
    pt_lua__routes_shutdown();
    pt_lua__kv_shutdown();
    pt_lua__outbox_shutdown();
    pt_lua__ring_shutdown();
}
