/*
 * core/cli.c - option parsing shared by the subcommands, config loading
 * with command-line overrides, and the small subcommands: check-config,
 * backup, restore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http/server.h"
#include "mail/mail_overrides.h"
#include "mail/mail_worker.h"
#include "plugin/registry.h"
#include "portico/log.h"
#include "portico/store.h"
#include "settings.h"

static const struct {
    char letter;
    const char *name;
    bool arg;
    const char *help;
} options[] = {
    {'c', "--config", true, "--config FILE        configuration (default config/portico.lua)"},
    {'l', "--listen", true, "--listen ADDR:PORT   HTTPS address (overrides `listen`)"},
    {'h', "--http-listen", true,
     "--http-listen ADDR:PORT  plain-HTTP redirect address; \"\" turns it off"},
    {'d', "--data-dir", true, "--data-dir DIR       store, certificate, logs (overrides `data_dir`)"},
    {'w', "--workers", true, "--workers N          worker processes (overrides `workers`)"},
    {'m', "--demo", false, "--demo               load the demo data set into an empty portal"},
};

static void print_help(const char *cmd, const char *allowed)
{
    printf("usage: portico %s [options]%s\n\noptions:\n", cmd,
           strchr(allowed, 'p') ? (strcmp(cmd, "restore") == 0 ? " SRC" : " DEST") : "");
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (strchr(allowed, options[i].letter)) printf("  %s\n", options[i].help);
    printf("  --help               this text\n");
}

int pt_cli_parse(int argc, char **argv, const char *allowed, pt_cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->config = "config/portico.lua";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help(argv[0], allowed);
            o->help = true;
            return 0;
        }
        bool matched = false;
        for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
            size_t n = strlen(options[k].name);
            if (!strchr(allowed, options[k].letter) || strncmp(a, options[k].name, n) != 0 ||
                (a[n] != 0 && a[n] != '='))
                continue;
            matched = true;
            const char *val = NULL;
            if (options[k].arg) {
                if (a[n] == '=') val = a + n + 1;
                else if (i + 1 < argc) val = argv[++i];
                else {
                    fprintf(stderr, "portico %s: %s needs a value\n", argv[0], options[k].name);
                    return 2;
                }
            }
            switch (options[k].letter) {
            case 'c': o->config = val; break;
            case 'l': o->listen = val; break;
            case 'h': o->http_listen = val; break;
            case 'd': o->data_dir = val; break;
            case 'w': {
                char *end;
                long w = strtol(val, &end, 10);
                if (*end || w < 1 || w > 64) {
                    fprintf(stderr, "portico %s: --workers must be a number from 1 to 64\n",
                            argv[0]);
                    return 2;
                }
                o->workers = (int)w;
                break;
            }
            case 'm': o->demo = true; break;
            }
        }
        if (matched) continue;
        if (a[0] != '-' && strchr(allowed, 'p') && !o->positional) {
            o->positional = a;
            continue;
        }
        fprintf(stderr, "portico %s: unknown option '%s' (see portico %s --help)\n", argv[0], a,
                argv[0]);
        return 2;
    }
    if (strchr(allowed, 'p') && !o->positional) {
        fprintf(stderr, "portico %s: missing folder (see portico %s --help)\n", argv[0],
                argv[0]);
        return 2;
    }
    return 0;
}

int pt_cli_load_config(const pt_cli_opts *o, bool check_plugins)
{
    pt_settings_declare();
    pt_mail_declare();
    pt_mail_overrides_declare();
    pt_notify_declare();
    pt_config *cfg = NULL;
    char *err = NULL;
    if (pt_config_load(o->config, &cfg, &err) != 0) {
        fprintf(stderr, "portico: %s\n", err ? err : "cannot load the configuration");
        free(err);
        return 1;
    }
    if (o->listen) {
        /* The address users reach follows the flag unless the file names
         * a public address other than the default listen one. */
        char *derived = pt_xasprintf("https://%s", pt_config_str(cfg, "listen", ""));
        bool follows = strcmp(derived, pt_config_str(cfg, "public_url", "")) == 0;
        free(derived);
        pt_config_set(cfg, "listen", json_string(o->listen));
        if (follows) {
            char *url = pt_xasprintf("https://%s", o->listen);
            pt_config_set(cfg, "public_url", json_string(url));
            free(url);
        }
    }
    if (o->http_listen) pt_config_set(cfg, "http_listen", json_string(o->http_listen));
    if (o->data_dir) pt_config_set(cfg, "data_dir", json_string(o->data_dir));
    if (o->workers) pt_config_set(cfg, "workers", json_integer(o->workers));
    pt_settings_set(cfg);
    if (check_plugins) {
        if (!pt_registry_router()) pt_registry_set_router(pt_router_new());
        int rc = pt_plugins_load((json_t *)pt_config_json(cfg, "plugins"),
                                 pt_config_str(cfg, "plugin_dir", "build/plugins"),
                                 pt_config_str(cfg, "plugin_src", "plugins"), &err);
        if (rc != 0) {
            fprintf(stderr, "portico: %s\n", err ? err : "plugins failed to load");
            free(err);
            return 1;
        }
    }
    if (pt_config_check(cfg, &err) != 0) {
        fprintf(stderr, "portico: %s\n", err ? err : "invalid configuration");
        free(err);
        return 1;
    }
    return 0;
}

int pt_cmd_check_config(int argc, char **argv)
{
    pt_cli_opts o;
    if (pt_cli_parse(argc, argv, "cp", &o) != 0) return 2;
    if (o.help) return 0;
    o.config = o.positional;
    pt_log_set_level(PT_LOG_WARN);
    int rc = pt_cli_load_config(&o, true);
    if (rc == 0) printf("%s: ok\n", o.config);
    pt_plugins_unload_all();
    pt_settings_set(NULL);
    return rc;
}

int pt_cmd_backup(int argc, char **argv)
{
    pt_cli_opts o;
    if (pt_cli_parse(argc, argv, "cdp", &o) != 0) return 2;
    if (o.help) return 0;
    if (pt_cli_load_config(&o, false) != 0) return 1;
    const char *data = pt_config_str(pt_settings(), "data_dir", "var");
    char *err = NULL;
    if (pt_store_backup_from(data, o.positional, &err) != 0) {
        fprintf(stderr, "portico backup: %s\n", err ? err : "failed");
        free(err);
        return 1;
    }
    printf("backup of %s written to %s\n", data, o.positional);
    pt_settings_set(NULL);
    return 0;
}

int pt_cmd_restore(int argc, char **argv)
{
    pt_cli_opts o;
    if (pt_cli_parse(argc, argv, "cdp", &o) != 0) return 2;
    if (o.help) return 0;
    if (pt_cli_load_config(&o, false) != 0) return 1;
    const char *data = pt_config_str(pt_settings(), "data_dir", "var");
    char *err = NULL;
    if (pt_store_restore(o.positional, data, &err) != 0) {
        fprintf(stderr, "portico restore: %s\n", err ? err : "failed");
        free(err);
        return 1;
    }
    printf("store in %s restored from %s\n", data, o.positional);
    pt_settings_set(NULL);
    return 0;
}
