/*
 * core/cli.h - the subcommands of the portico binary and the option
 * parsing they share. Each returns the process exit status.
 */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <stdbool.h>

#include "portico/config.h"

int pt_cmd_serve(int argc, char **argv);
int pt_cmd_check_config(int argc, char **argv);
int pt_cmd_backup(int argc, char **argv);
int pt_cmd_restore(int argc, char **argv);

/* Options common to serve/backup/restore. */
typedef struct pt_cli_opts {
    const char *config;       /* --config FILE (default config/portico.lua) */
    const char *listen;       /* --listen ADDR:PORT                          */
    const char *http_listen;  /* --http-listen ADDR:PORT ("" = off)          */
    const char *data_dir;     /* --data-dir DIR                              */
    int workers;              /* --workers N (0 = from the config)           */
    bool demo;                /* --demo                                      */
    bool help;
    const char *positional;   /* DEST / SRC                                  */
} pt_cli_opts;

/* Parse argv (argv[0] is the subcommand). allowed is a string of the
 * option letters the command accepts: c=config l=listen h=http-listen
 * d=data-dir w=workers m=demo p=positional. Prints errors; returns 0 or 2. */
int pt_cli_parse(int argc, char **argv, const char *allowed, pt_cli_opts *o);

/* Load and check the config with the flags applied, declare the core
 * schema first. On success the config is installed (pt_settings) and 0 is
 * returned; otherwise the error is printed and 1 returned. Plugins are NOT
 * loaded: check_plugins loads them too (their keys join the schema). */
int pt_cli_load_config(const pt_cli_opts *o, bool check_plugins);

#endif
