/*
 * core/settings.h - the core's own configuration keys (their schema with
 * defaults and docs) and the process-wide current configuration.
 */
#ifndef PT_SETTINGS_H
#define PT_SETTINGS_H

#include "http/server.h"
#include "portico/config.h"

/* Declare every core key (listen, tls.*, limits.*, ...). Idempotent. */
void pt_settings_declare(void);
/* The current configuration (borrowed; replaced on reload). */
pt_config *pt_settings(void);
/* Install cfg as current (takes ownership; frees the previous one). */
void pt_settings_set(pt_config *cfg);
/* Re-read the config file (SIGHUP): the new config replaces the current
 * one only when it is valid. 0, or an error with *err (owned). */
int pt_settings_reload(char **err);
/* Fill the HTTP server config from the current settings. Strings are
 * borrowed from the settings. */
void pt_settings_server(pt_server_config *out);
/* Number of workers to run (0 in the file = number of cores). */
int pt_settings_workers(void);

#endif
