/*
 * core/plugin/registry.h - what plugins registered that the core itself
 * keeps (permissions, navigation, widgets, notification kinds, demo data,
 * exported APIs) and the list of loaded plugins. Internal to the core.
 */
#ifndef PT_PLUGIN_REGISTRY_H
#define PT_PLUGIN_REGISTRY_H

#include <stdio.h>

#include "http/server.h"
#include "portico/plugin.h"

struct pt_host {
    const pt_plugin *desc;   /* borrowed from the .so                      */
    void *dl;                /* dlopen handle, NULL for built-in fixtures  */
    char *name;
    char *so_path;
    char *dir;               /* source folder: templates, locales, static  */
    char *error;             /* why init failed, or NULL                   */
    bool required;
    bool loaded;             /* init succeeded                             */
};

/* The router every plugin's routes go into (set by main before loading). */
void pt_registry_set_router(pt_router *r);
pt_router *pt_registry_router(void);

/* Load the plugins named in list (a JSON array of names or {"name",
 * "required"} objects) from so_dir (NAME.so) with sources in src_dir/NAME.
 * Dependencies are loaded first. A plugin that fails is skipped (its
 * registrations rolled back) unless required: then the call fails with an
 * allocated *err. */
int pt_plugins_load(json_t *list, const char *so_dir, const char *src_dir, char **err);
/* Run every loaded plugin's worker_start. Failures are logged. */
void pt_plugins_worker_start(void);
/* fini + dlclose everything, in reverse order. */
void pt_plugins_unload_all(void);
/* [{"name","version","description","loaded","error"}] (caller owns). */
json_t *pt_plugins_info(void);
/* The mail templates loaded plugins ship: [{"name": "team/mail/reset",
 * "plugin", "path": "plugins/team/templates/mail/reset"}] where path +
 * ".subject.mustache" / ".txt.mustache" / ".html.mustache" are the files.
 * Caller owns the array. */
json_t *pt_plugins_mail_templates(void);
/* Remove every registration tagged with owner (rollback). */
void pt_registry_remove_owner(const char *owner);

/* Navigation entries visible to this request, as a JSON array of
 * {"label","href","icon","active"} (caller owns). */
json_t *pt_registry_nav(pt_req *req);
/* Homepage widgets visible to this request: [{"name","title","href",
 * "html"}] (caller owns). */
json_t *pt_registry_widgets(pt_req *req);
/* Every declared permission: [{"name","label","description","plugin"}]. */
json_t *pt_registry_permissions(void);
/* Every declared notification kind: [{"kind","label","plugin"}]. */
json_t *pt_registry_notification_kinds(void);
/* Start every plugin timer (pt_host_timer) on this worker's loop. */
void pt_registry_start_timers(struct event_base *base);
/* Print every plugin's demo notes (pt_host_demo_note), one per line. */
void pt_registry_print_demo_notes(FILE *out);
/* Run every plugin's demo loader in one write transaction each.
 * 0 or the first error (with *err allocated). */
int pt_registry_run_demo(char **err);

#endif
