/*
 * portico/config.h - config/portico.lua: loading, the schema of declared
 * keys, checking and typed getters.
 *
 * The file is Lua evaluated in an EMPTY environment: no library at all (no
 * io, os, string, math, not even print), only literals, tables,
 * arithmetic, concatenation, locals and control flow, under an instruction
 * budget (1 000 000), a time budget (500 ms) and a memory budget (8 MiB).
 * Reading a global that was not assigned earlier is an error (catches
 * typos such as `key = certpath`).
 *
 * Every top-level assignment is a key; nested tables are sections:
 *     workers = 4
 *     tls = { cert = "/etc/portico/cert.pem", key = "..." }
 *     plugins = { "hello", { name = "team", required = true } }
 *     scripts = { "lua/status.lua" }
 *     support = { sla_hours = 8 }        -- the "support" plugin's settings
 * The file:line of each top-level assignment is recorded; errors about a
 * key, or anything inside its table, name that line.
 *
 * Schema: modules and plugins declare their keys (pt_config_declare) before
 * pt_config_check. A declared "a.b" makes "a" a section. Check rules:
 *  - a key that is neither declared nor inside a declared section nor under
 *    a TABLE-typed key is an error: "config/portico.lua:14: unknown key
 *    'tls.certt'" (plus "(did you mean 'tls.cert'?)" when one is close);
 *  - a wrong type is an error: "config/portico.lua:3: 'workers' must be an
 *    integer, got string"; a section given a non-table likewise;
 *  - a top-level table named after a script listed in `scripts`
 *    ("status" for "lua/status.lua") is that script's free-form settings
 *    (its portico.config);
 *  - a top-level key named after a plugin listed in `plugins` that declared
 *    nothing (not loaded, or failed to initialise) is ignored with a
 *    warning, not an error: an optional plugin that fails must not make the
 *    whole config invalid. Any other unknown top-level key is an error.
 * Types: INT accepts integers and integral floats (1e6); NUMBER any number;
 * LIST a sequence (an empty {} counts as an empty list); TABLE anything
 * table-shaped, contents not checked. The core declares `plugins` (LIST of
 * names or {name=, required=}) and `scripts` (LIST of paths) itself; every
 * other module declares its own keys.
 *
 * Reload (SIGHUP): pt_config_reload builds and checks a new pt_config and
 * swaps it in only when clean; the old one stays otherwise. The caller
 * (main.c) wires the signal and tells the modules.
 *
 * Threading: the schema is process-global and not thread-safe; declare
 * from the parent before forking. A pt_config is read-only after check.
 */
#ifndef PORTICO_CONFIG_H
#define PORTICO_CONFIG_H

#include <jansson.h>

#include "common.h"

typedef enum {
    PT_CONFIG_STRING = 1,
    PT_CONFIG_INT,
    PT_CONFIG_BOOL,
    PT_CONFIG_NUMBER,
    PT_CONFIG_LIST,
    PT_CONFIG_TABLE, /* any table; contents not checked */
} pt_config_type;

typedef struct pt_config pt_config;

/* ---- schema -------------------------------------------------------------- */

/* Declare a key. path is dotted ("limits.body_max", "support.sla_hours");
 * dflt is stolen (may be NULL = no default) and must match type; doc and
 * owner are copied (owner: "core" or the plugin's name). Returns 0;
 * redeclaring the same path with the same type and owner replaces the
 * default and doc; PT_EEXIST for a clash with another owner or type
 * (dflt is still consumed); PT_EINVAL for a malformed path or a default
 * of the wrong type. */
int pt_config_declare(const char *path, pt_config_type type, json_t *dflt, const char *doc,
                      const char *owner);

/* Remove every key declared by owner (plugin rollback). Returns how many. */
int pt_config_undeclare_owner(const char *owner);

/* The schema as a new JSON array of {"path", "type", "default", "doc",
 * "owner"} sorted by path (for `portico config --doc`). */
void pt_config_schema(json_t **out);

/* Forget every declaration (tests). The core keys come back on next use. */
void pt_config_schema_reset(void);

/* ---- load, check, reload ------------------------------------------------- */

/* Evaluate file in the empty sandbox. Returns 0 and *out (free with
 * pt_config_free), or PT_EIO (cannot read), PT_EINVAL (Lua error, limit,
 * a value that is not data such as a function) with *err an owned message
 * naming file:line ("config/portico.lua:7: 'os' is not defined"). err may
 * be NULL. The result is not checked yet: call pt_config_check. */
int pt_config_load(const char *file, pt_config **out, char **err);

/* Validate against the schema (rules above). 0, or PT_EINVAL with *err an
 * owned message holding every problem found, one per line (at most 20). */
int pt_config_check(pt_config *cfg, char **err);

/* Load and check file, reapply *cur's command-line overrides, and on
 * success free *cur and put the new config there. On failure *cur is
 * untouched and *err (owned) says why. */
int pt_config_reload(const char *file, pt_config **cur, char **err);

/* NULL is a no-op. */
void pt_config_free(pt_config *cfg);

/* The file it was loaded from. Borrowed. */
const char *pt_config_file(const pt_config *cfg);

/* Where the key at path was set: "config/portico.lua:14" or
 * "command line", from the nearest recorded ancestor; NULL if unknown
 * (a default). Borrowed, valid until pt_config_free. */
const char *pt_config_origin(const pt_config *cfg, const char *path);

/* ---- getters --------------------------------------------------------------
 * Value at path, else the declared default, else dflt. A value of another
 * type also yields the default (pt_config_check reports those). Strings
 * are borrowed, valid until pt_config_free (or until pt_config_set
 * replaces them). */
const char *pt_config_str(const pt_config *cfg, const char *path, const char *dflt);
long long pt_config_int(const pt_config *cfg, const char *path, long long dflt);
bool pt_config_bool(const pt_config *cfg, const char *path, bool dflt);
double pt_config_num(const pt_config *cfg, const char *path, double dflt);
/* Borrowed JSON value at path (or the declared default), NULL if neither.
 * path NULL or "" = the whole tree (an object). */
const json_t *pt_config_json(const pt_config *cfg, const char *path);

/* Command-line override: set path to v (stolen), creating sections as
 * needed; recorded with origin "command line" and reapplied by
 * pt_config_reload. Run pt_config_check afterwards. PT_EINVAL for a
 * malformed path (v is still consumed). */
int pt_config_set(pt_config *cfg, const char *path, json_t *v);

#endif
