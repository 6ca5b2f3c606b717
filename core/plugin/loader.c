/*
 * core/plugin/loader.c - finding, checking, initialising and unloading
 * section plugins (.so files).
 *
 * The ABI is checked by reading the descriptor before any plugin function
 * runs (as lighttpd's plugin.c does): a major mismatch is refused with a
 * message naming the file and both versions. Plugins named in `requires`
 * are initialised first; a cycle or a missing dependency is an error for
 * that plugin. A failed init rolls back exactly that plugin's
 * registrations (everything is tagged with its name) before dlclose.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plugin/registry.h"
#include "portico/log.h"

#define MAX_PLUGINS 64

static pt_host *plugins[MAX_PLUGINS];
static int nplugins;

typedef struct want {
    char *name;
    bool required;
    int state; /* 0 = pending, 1 = loading, 2 = done */
} want;

const char *pt_host_name(pt_host *h) { return h->name; }
const char *pt_host_dir(pt_host *h) { return h->dir; }

void pt_host_fail(pt_host *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    free(h->error);
    h->error = msg ? msg : pt_xstrdup("init failed");
}

static bool valid_name(const char *s)
{
    if (!s || !*s || !(s[0] >= 'a' && s[0] <= 'z')) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
    return true;
}

static pt_host *host_find(const char *name)
{
    for (int i = 0; i < nplugins; i++)
        if (strcmp(plugins[i]->name, name) == 0) return plugins[i];
    return NULL;
}

static void host_free(pt_host *h)
{
    free(h->name);
    free(h->so_path);
    free(h->dir);
    free(h->error);
    free(h);
}

/* Record a plugin that could not be loaded (for /healthz and the log). */
static pt_host *failed(const char *name, const char *path, bool required, char *why)
{
    pt_host *h = pt_xcalloc(1, sizeof *h);
    h->name = pt_xstrdup(name);
    h->so_path = pt_xstrdup(path);
    h->dir = pt_xstrdup("");
    h->required = required;
    h->error = why;
    if (nplugins < MAX_PLUGINS) plugins[nplugins++] = h;
    else host_free(h);
    return NULL;
}

static want *want_find(want *w, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(w[i].name, name) == 0) return &w[i];
    return NULL;
}

static int load_one(want *all, int n, want *w, const char *so_dir, const char *src_dir, char **err);

/* Open and check one .so; run its init after its dependencies. */
static int load_one(want *all, int n, want *w, const char *so_dir, const char *src_dir, char **err)
{
    if (w->state == 2) return host_find(w->name) && host_find(w->name)->loaded ? 0 : PT_ERR;
    if (w->state == 1) {
        *err = pt_xasprintf("plugin '%s' is part of a dependency cycle", w->name);
        return PT_EINVAL;
    }
    w->state = 1;
    char *path = pt_xasprintf("%s/%s.so", so_dir, w->name);
    char *why = NULL;
    int rc = PT_ERR;

    void *dl = NULL;
    struct stat st;
    if (!valid_name(w->name)) {
        why = pt_xasprintf("'%s' is not a valid plugin name (lower-case letters, digits, _)",
                           w->name);
        goto out;
    }
    if (stat(path, &st) != 0) {
        why = pt_xasprintf("%s not found (is the plugin built?)", path);
        goto out;
    }
    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        why = pt_xasprintf("cannot load %s: %s", path, dlerror());
        goto out;
    }
    const pt_plugin *d = dlsym(dl, "portico_plugin");
    if (!d) {
        why = pt_xasprintf("%s.so has no portico_plugin descriptor", w->name);
        goto out;
    }
    if (d->abi_major != PT_PLUGIN_ABI_MAJOR) {
        why = pt_xasprintf("%s.so was built for plugin ABI %u.x, this portico provides %u.x",
                           w->name, (unsigned)d->abi_major, (unsigned)PT_PLUGIN_ABI_MAJOR);
        goto out;
    }
    if (d->abi_minor > PT_PLUGIN_ABI_MINOR) {
        why = pt_xasprintf("%s.so needs plugin ABI %u.%u, this portico provides %u.%u", w->name,
                           (unsigned)d->abi_major, (unsigned)d->abi_minor,
                           (unsigned)PT_PLUGIN_ABI_MAJOR, (unsigned)PT_PLUGIN_ABI_MINOR);
        goto out;
    }
    if (d->size < sizeof(pt_plugin) || !d->name || strcmp(d->name, w->name) != 0 || !d->init) {
        why = pt_xasprintf("%s.so has a malformed descriptor (name must be '%s', init set)",
                           w->name, w->name);
        goto out;
    }
    /* Dependencies first. */
    for (const char *const *r = d->requires; r && *r; r++) {
        want *dep = want_find(all, n, *r);
        if (!dep) {
            why = pt_xasprintf("%s requires plugin '%s', which is not in the plugins list",
                               w->name, *r);
            goto out;
        }
        char *derr = NULL;
        if (load_one(all, n, dep, so_dir, src_dir, &derr) != 0) {
            if (derr) {
                /* A required dependency failing makes the whole load fail. */
                free(path);
                if (dl) dlclose(dl);
                *err = derr;
                w->state = 2;
                return PT_EINVAL;
            }
            why = pt_xasprintf("%s requires plugin '%s', which failed to load", w->name, *r);
            goto out;
        }
    }

    pt_host *h = pt_xcalloc(1, sizeof *h);
    h->desc = d;
    h->dl = dl;
    h->name = pt_xstrdup(w->name);
    h->so_path = path;
    h->dir = pt_xasprintf("%s/%s", src_dir, w->name);
    h->required = w->required;
    if (nplugins >= MAX_PLUGINS) {
        host_free(h);
        why = pt_xasprintf("too many plugins (max %d)", MAX_PLUGINS);
        path = NULL;
        goto out;
    }
    plugins[nplugins++] = h;
    path = NULL;
    int irc = d->init(h);
    if (irc != 0) {
        pt_registry_remove_owner(h->name);
        if (!h->error) h->error = pt_xasprintf("init failed (%s)", pt_strerror(irc));
        pt_error("plugin %s: %s; continuing without it", h->name, h->error);
        h->desc = NULL;
        dlclose(dl);
        h->dl = NULL;
        dl = NULL;
        w->state = 2;
        if (w->required) {
            *err = pt_xasprintf("required plugin %s failed: %s", h->name, h->error);
            return PT_EINVAL;
        }
        return PT_ERR;
    }
    h->loaded = true;
    pt_info("plugin %s %s loaded", d->name, d->version ? d->version : "");
    w->state = 2;
    return 0;

out:
    w->state = 2;
    if (dl) dlclose(dl);
    pt_error("plugin %s: %s", w->name, why);
    if (w->required) {
        *err = pt_xasprintf("required plugin %s: %s", w->name, why);
        failed(w->name, path ? path : "", true, why);
        free(path);
        return PT_EINVAL;
    }
    failed(w->name, path ? path : "", false, why);
    free(path);
    return rc;
}

int pt_plugins_load(json_t *list, const char *so_dir, const char *src_dir, char **err)
{
    *err = NULL;
    if (!list || !json_is_array(list)) return 0;
    size_t n = json_array_size(list);
    want *w = pt_xcalloc(n ? n : 1, sizeof *w);
    int nw = 0;
    size_t i;
    json_t *v;
    int rc = 0;
    json_array_foreach(list, i, v) {
        const char *name = NULL;
        bool required = false;
        if (json_is_string(v)) name = json_string_value(v);
        else if (json_is_object(v)) {
            name = json_string_value(json_object_get(v, "name"));
            required = json_is_true(json_object_get(v, "required"));
        }
        if (!name) {
            *err = pt_xasprintf("plugins[%zu]: expected a name or {name=..., required=...}",
                                i + 1);
            rc = PT_EINVAL;
            goto done;
        }
        if (want_find(w, nw, name)) continue;
        w[nw].name = pt_xstrdup(name);
        w[nw].required = required;
        nw++;
    }
    for (int k = 0; k < nw; k++) {
        char *e = NULL;
        int r = load_one(w, nw, &w[k], so_dir, src_dir, &e);
        if (e) {
            *err = e;
            rc = r ? r : PT_EINVAL;
            goto done;
        }
    }
done:
    for (int k = 0; k < nw; k++) free(w[k].name);
    free(w);
    return rc;
}

void pt_plugins_worker_start(void)
{
    for (int i = 0; i < nplugins; i++) {
        pt_host *h = plugins[i];
        if (!h->loaded || !h->desc->worker_start) continue;
        int rc = h->desc->worker_start(h);
        if (rc != 0) pt_error("plugin %s: worker_start failed (%s)", h->name, pt_strerror(rc));
    }
}

void pt_plugins_unload_all(void)
{
    for (int i = nplugins - 1; i >= 0; i--) {
        pt_host *h = plugins[i];
        if (h->loaded && h->desc->fini) h->desc->fini(h);
        pt_registry_remove_owner(h->name);
        if (h->dl) dlclose(h->dl);
        host_free(h);
    }
    nplugins = 0;
}

json_t *pt_plugins_info(void)
{
    json_t *a = json_array();
    for (int i = 0; i < nplugins; i++) {
        pt_host *h = plugins[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(h->name));
        if (h->loaded) {
            json_object_set_new(o, "version", json_string(h->desc->version ? h->desc->version : ""));
            json_object_set_new(o, "description",
                                json_string(h->desc->description ? h->desc->description : ""));
        }
        json_object_set_new(o, "loaded", json_boolean(h->loaded));
        if (h->error) json_object_set_new(o, "error", json_string(h->error));
        json_array_append_new(a, o);
    }
    return a;
}

bool pt_plugin_is_loaded(const char *name)
{
    pt_host *h = host_find(name);
    return h && h->loaded;
}

json_t *pt_plugins_mail_templates(void)
{
    json_t *a = json_array();
    for (int i = 0; i < nplugins; i++) {
        pt_host *h = plugins[i];
        if (!h->loaded) continue;
        char *dir = pt_xasprintf("%s/templates/mail", h->dir);
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            const char *suffix = ".subject.mustache";
            size_t n = strlen(e->d_name), sl = strlen(suffix);
            if (n <= sl || strcmp(e->d_name + n - sl, suffix) != 0) continue;
            char *name = pt_xasprintf("%s/mail/%.*s", h->name, (int)(n - sl), e->d_name);
            char *path = pt_xasprintf("%s/%.*s", dir, (int)(n - sl), e->d_name);
            json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", name, "plugin", h->name,
                                               "path", path));
            free(name);
            free(path);
        }
        if (d) closedir(d);
        free(dir);
    }
    return a;
}
