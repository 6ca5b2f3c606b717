/*
 * core/worker.c - a worker process. After fork it reseeds the random
 * generator (mbedTLS does not notice fork), seeds the id generator, opens
 * its own LMDB environment (never shared across fork), makes its event
 * loop and SO_REUSEPORT listeners, starts the plugins' worker hooks, then
 * serves until SIGTERM (graceful drain). SIGHUP reloads configuration,
 * theme and scripts without dropping connections.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "http/static.h"
#include "mail/mail_worker.h"
#include "pages.h"
#include "plugin/registry.h"
#include "portico/auth.h"
#include "portico/log.h"
#include "portico/lua.h"
#include "portico/store.h"
#include "portico/template.h"
#include "scripts.h"
#include "settings.h"
#include "worker.h"

static struct event_base *base;
static pt_server *server;

static void drained(void *ud)
{
    (void)ud;
    event_base_loopexit(base, NULL);
}

static void on_term(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    (void)ud;
    static bool draining;
    if (draining) return;
    draining = true;
    pt_server_drain(server, drained, NULL);
}

static void on_hup(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    (void)ud;
    char *err = NULL;
    if (pt_settings_reload(&err) != 0) free(err); /* the parent logs reload errors once */
    if (pt_theme_reload(&err) != 0) free(err);
    const char **dirs = NULL;
    size_t n = pt_theme_static_dirs(&dirs);
    pt_static_unmount_owner("theme");
    for (size_t i = 0; i < n; i++) pt_static_mount("/static/theme/", dirs[i], "theme");
    pt_static_cache_clear();
    if (pt_scripts_load(pt_registry_router(), &err) != 0) free(err);
    pt_log_reopen();
}

int pt_worker_run(int index, int count, pt_tls *tls, int ready_fd)
{
    pt_tls_after_fork(tls);
    /* The worker field of an id is 8 bits: index + 1 keeps workers apart
     * (0 is the parent, which only writes before the fork). */
    pt_id_seed((uint32_t)index + 1);
    pt_config *cfg = pt_settings();
    const char *data_dir = pt_config_str(cfg, "data_dir", "var");
    pt_store_options opt;
    memset(&opt, 0, sizeof opt);
    opt.map_size = (size_t)pt_config_int(cfg, "store.map_size_mb", 1024) << 20;
    char *err = NULL;
    if (pt_store_open(data_dir, &opt, &err) != 0) {
        pt_error("worker %d: cannot open the store: %s", index, err ? err : "?");
        free(err);
        if (write(ready_fd, "F", 1) < 0) {}
        return 3;
    }
    base = event_base_new();
    pt_auth_install();
    pt_server_config sc;
    pt_settings_server(&sc);
    server = pt_server_new(base, &sc, pt_registry_router(), tls, &err);
    if (!server) {
        pt_error("worker %d: %s", index, err ? err : "cannot start the server");
        free(err);
        if (write(ready_fd, "F", 1) < 0) {}
        return 3;
    }
    pt_pages_set_runtime(server, count);
    pt_plugins_worker_start();
    pt_registry_start_timers(base);
    pt_mail_worker_start(base);
    pt_mail_install_lua_backend();
    struct event *term = evsignal_new(base, SIGTERM, on_term, NULL);
    struct event *hup = evsignal_new(base, SIGHUP, on_hup, NULL);
    event_add(term, NULL);
    event_add(hup, NULL);
    if (write(ready_fd, "R", 1) < 0) {}
    close(ready_fd);
    event_base_dispatch(base);
    pt_mail_worker_stop();
    event_free(term);
    event_free(hup);
    pt_server_free(server);
    event_base_free(base);
    pt_store_close();
    return 0;
}
