/*
 * core/scripts.h - wiring the Lua runtime into the server: loading the
 * configured scripts with the configured limits, mounting their routes in
 * the router, the LMDB backend of portico.kv, and reload on SIGHUP.
 */
#ifndef PT_SCRIPTS_H
#define PT_SCRIPTS_H

#include "http/server.h"

/* Declare core.lua_kv (before the store opens). */
void pt_scripts_declare(void);
/* Load (or reload) the scripts listed in the current settings and mount
 * their routes in r (owner "lua"). Scripts that fail keep their previous
 * version; the errors are logged. Returns 0 or PT_ERR with *err (owned)
 * describing the failures. */
int pt_scripts_load(pt_router *r, char **err);
/* [{"name","path","memory"}] of the loaded scripts (caller owns). */
json_t *pt_scripts_info(void);

#endif
