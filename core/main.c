/*
 * core/main.c - the portico binary's entry: subcommand dispatch and the
 * usage texts. Each subcommand lives in its own file (serve.c, cli.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portico/common.h"

static const char usage[] =
    "usage: portico <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve          run the portal (HTTPS, workers, plugins, scripts)\n"
    "  check-config   check a configuration file and exit\n"
    "  backup DEST    hot, compacted copy of the store into folder DEST\n"
    "  restore SRC    replace the store with the backup in folder SRC\n"
    "  version        print the version\n"
    "\n"
    "`portico <command> --help` explains a command's options.\n";

int main(int argc, char **argv)
{
    /* jansson allocates through us: out of memory aborts with a log line
     * instead of handing NULL to code that does not expect it. */
    json_set_alloc_funcs(pt_xmalloc, free);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) return pt_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "check-config") == 0) return pt_cmd_check_config(argc - 1, argv + 1);
    if (strcmp(cmd, "backup") == 0) return pt_cmd_backup(argc - 1, argv + 1);
    if (strcmp(cmd, "restore") == 0) return pt_cmd_restore(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("portico %s\n", PT_VERSION);
        return 0;
    }
    fprintf(stderr, "portico: unknown command '%s'\n\n%s", cmd, usage);
    return 2;
}
