/*
 * core/settings.c - the core's configuration keys and the current config.
 * Plugins declare theirs through pt_host_config; this file is the core's
 * part of the schema, with the defaults config/portico.lua documents.
 */
#include <unistd.h>

#include "settings.h"

static pt_config *current;

typedef struct key {
    const char *path;
    pt_config_type type;
    const char *s; /* default for strings */
    long long i;   /* default for ints / bools */
    const char *doc;
} key;

static const key keys[] = {
    {"listen", PT_CONFIG_STRING, "127.0.0.1:8443", 0, "HTTPS address host:port"},
    {"http_listen", PT_CONFIG_STRING, "127.0.0.1:8080", 0,
     "plain HTTP address that redirects to HTTPS; empty = off"},
    {"public_url", PT_CONFIG_STRING, "https://127.0.0.1:8443", 0,
     "the address users reach the portal at"},
    {"data_dir", PT_CONFIG_STRING, "var", 0, "store, certificate and logs"},
    {"workers", PT_CONFIG_INT, NULL, 0, "worker processes; 0 = one per core"},
    {"tls.cert", PT_CONFIG_STRING, "", 0, "certificate (PEM); empty = self-signed"},
    {"tls.key", PT_CONFIG_STRING, "", 0, "private key (PEM)"},
    {"tls.hsts", PT_CONFIG_BOOL, NULL, 1, "send Strict-Transport-Security"},
    {"log.level", PT_CONFIG_STRING, "info", 0, "debug, info, warn or error"},
    {"log.error", PT_CONFIG_STRING, "-", 0, "error log file; - = standard error"},
    {"log.access", PT_CONFIG_STRING, "", 0, "access log file; empty = off"},
    {"limits.max_connections", PT_CONFIG_INT, NULL, 10000, "open connections per worker"},
    {"limits.max_request_line", PT_CONFIG_INT, NULL, 8192, "bytes"},
    {"limits.max_header_size", PT_CONFIG_INT, NULL, 16384, "bytes of all headers"},
    {"limits.max_headers", PT_CONFIG_INT, NULL, 64, "header count"},
    {"limits.body_max", PT_CONFIG_INT, NULL, 1048576, "default request body limit"},
    {"limits.header_timeout_ms", PT_CONFIG_INT, NULL, 10000, "header block deadline"},
    {"limits.body_timeout_ms", PT_CONFIG_INT, NULL, 30000, "longest pause in a body"},
    {"limits.idle_timeout_ms", PT_CONFIG_INT, NULL, 60000, "keep-alive idle timeout"},
    {"limits.drain_timeout_ms", PT_CONFIG_INT, NULL, 10000, "graceful shutdown deadline"},
    {"store.map_size_mb", PT_CONFIG_INT, NULL, 1024, "LMDB map size in MiB"},
    {"plugin_dir", PT_CONFIG_STRING, "build/plugins", 0, "where NAME.so files are"},
    {"plugin_src", PT_CONFIG_STRING, "plugins", 0, "plugin templates, locales, static"},
    {"themes_dir", PT_CONFIG_STRING, "themes", 0, "folder of themes"},
    {"theme", PT_CONFIG_STRING, "default", 0, "active theme"},
    {"lua.memory_mb", PT_CONFIG_INT, NULL, 16, "memory budget per script state"},
    {"lua.instructions", PT_CONFIG_INT, NULL, 10000000, "instruction budget per call"},
    {"lua.time_ms", PT_CONFIG_INT, NULL, 200, "wall-clock budget per call"},
    {"portal.name", PT_CONFIG_STRING, "Portico", 0, "the portal's name"},
    {"portal.anonymous_read", PT_CONFIG_BOOL, NULL, 1,
     "anonymous visitors may read public knowledge"},
    {"portal.default_language", PT_CONFIG_STRING, "en", 0, "language when none matches"},
    {"portal.logo_url", PT_CONFIG_STRING, "", 0, "logo image URL; empty = the name"},
};

void pt_settings_declare(void)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const key *k = &keys[i];
        json_t *d = NULL;
        switch (k->type) {
        case PT_CONFIG_STRING: d = json_string(k->s); break;
        case PT_CONFIG_INT: d = json_integer(k->i); break;
        case PT_CONFIG_BOOL: d = json_boolean(k->i); break;
        default: break;
        }
        pt_config_declare(k->path, k->type, d, k->doc, "core");
    }
}

pt_config *pt_settings(void) { return current; }

void pt_settings_set(pt_config *cfg)
{
    if (current && current != cfg) pt_config_free(current);
    current = cfg;
}

int pt_settings_reload(char **err)
{
    if (!current) return PT_EINVAL;
    /* pt_config_reload frees the old config itself when the new one is
     * good, and leaves it in place otherwise. */
    return pt_config_reload(pt_config_file(current), &current, err);
}

void pt_settings_server(pt_server_config *c)
{
    pt_server_config_defaults(c);
    const pt_config *s = current;
    c->listen = pt_config_str(s, "listen", "127.0.0.1:8443");
    const char *hl = pt_config_str(s, "http_listen", "");
    c->http_listen = hl && *hl ? hl : NULL;
    c->public_url = pt_config_str(s, "public_url", "https://127.0.0.1:8443");
    c->max_connections = (size_t)pt_config_int(s, "limits.max_connections", 10000);
    c->max_request_line = (size_t)pt_config_int(s, "limits.max_request_line", 8192);
    c->max_header_size = (size_t)pt_config_int(s, "limits.max_header_size", 16384);
    c->max_headers = (size_t)pt_config_int(s, "limits.max_headers", 64);
    c->body_max_default = (size_t)pt_config_int(s, "limits.body_max", 1048576);
    c->header_timeout_ms = (unsigned)pt_config_int(s, "limits.header_timeout_ms", 10000);
    c->body_timeout_ms = (unsigned)pt_config_int(s, "limits.body_timeout_ms", 30000);
    c->idle_timeout_ms = (unsigned)pt_config_int(s, "limits.idle_timeout_ms", 60000);
    c->drain_timeout_ms = (unsigned)pt_config_int(s, "limits.drain_timeout_ms", 10000);
    c->hsts = pt_config_bool(s, "tls.hsts", true);
}

int pt_settings_workers(void)
{
    long long w = pt_config_int(current, "workers", 0);
    if (w <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        w = n > 0 ? n : 1;
    }
    if (w > 64) w = 64;
    return (int)w;
}
