/*
 * core/plugin/host.c - the pt_host_* registration calls that hand a
 * plugin's registrations to the module that owns them (router, templates,
 * locales, static files, events, store, config), each tagged with the
 * plugin's name, and the one rollback that removes them all.
 */
#include <string.h>

#include "http/static.h"
#include "plugin/registry.h"
#include "portico/i18n.h"
#include "portico/log.h"
#include "portico/template.h"
#include "settings.h"

static char *path_in(pt_host *h, const char *dir)
{
    if (dir[0] == '/') return pt_xstrdup(dir);
    return pt_xasprintf("%s/%s", h->dir, dir);
}

int pt_host_route(pt_host *h, const pt_route *route)
{
    if (!route || !route->pattern || !route->method || !route->handler) return PT_EINVAL;
    pt_route r = *route;
    char *perm = NULL;
    if (r.permission && r.permission[0] == ':') {
        perm = pt_xasprintf("%s.%s", h->name, r.permission + 1);
        r.permission = perm;
    }
    int rc = pt_router_add(pt_registry_router(), &r, h->name);
    if (rc != 0)
        pt_error("plugin %s: cannot add route %s %s (%s)", h->name, route->method,
                 route->pattern, pt_strerror(rc));
    free(perm);
    return rc;
}

int pt_host_templates(pt_host *h, const char *dir)
{
    char *p = path_in(h, dir);
    int rc = pt_template_add_dir(h->name, p, h->name);
    free(p);
    return rc;
}

int pt_host_locales(pt_host *h, const char *dir)
{
    char *p = path_in(h, dir);
    int rc = pt_i18n_add_dir(p, h->name);
    free(p);
    return rc;
}

int pt_host_static(pt_host *h, const char *dir)
{
    char *p = path_in(h, dir);
    char *prefix = pt_xasprintf("/static/plugins/%s/", h->name);
    int rc = pt_static_mount(prefix, p, h->name);
    free(prefix);
    free(p);
    return rc;
}

int pt_host_event(pt_host *h, const char *event, pt_event_kind kind)
{
    return pt_event_declare(event, kind, h->name);
}

int pt_host_hook(pt_host *h, const char *event, pt_hook_fn fn, int priority, void *ud)
{
    return pt_event_hook(event, fn, priority, ud, h->name);
}

int pt_host_db(pt_host *h, const char *thing, unsigned flags)
{
    if (!thing || !*thing) return PT_EINVAL;
    char *name = pt_xasprintf("%s.%s", h->name, thing);
    int rc = pt_store_declare(name, flags, h->name);
    free(name);
    return rc;
}

int pt_host_migration(pt_host *h, int version, int (*fn)(pt_txn *txn, void *ud), void *ud)
{
    return pt_store_migration(h->name, version, fn, ud);
}

int pt_host_config(pt_host *h, const char *key, pt_config_type type, json_t *dflt,
                   const char *doc)
{
    char *path = pt_xasprintf("%s.%s", h->name, key);
    int rc = pt_config_declare(path, type, dflt, doc, h->name);
    free(path);
    return rc;
}

const json_t *pt_host_config_get(pt_host *h, const char *key)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", h->name, key);
    return pt_config_json(pt_settings(), path);
}

const json_t *pt_setting(const char *path)
{
    return path ? pt_config_json(pt_settings(), path) : NULL;
}

void pt_registry_remove_owner_lists(const char *owner);

void pt_registry_remove_owner(const char *owner)
{
    pt_router_remove_owner(pt_registry_router(), owner);
    pt_template_remove_owner(owner);
    pt_i18n_remove_owner(owner);
    pt_static_unmount_owner(owner);
    pt_event_remove_owner(owner);
    pt_store_undeclare_owner(owner);
    pt_config_undeclare_owner(owner);
    pt_registry_remove_owner_lists(owner);
}
