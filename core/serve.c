/*
 * core/serve.c - `portico serve`: the parent process. It reads and checks
 * the config, loads every plugin (registration only), creates the
 * certificate and TLS context, opens the store to migrate and load demo
 * data, CLOSES it, compiles the theme and scripts, then forks the workers
 * (worker.c) and supervises them: relays SIGHUP/SIGTERM, restarts a
 * worker that dies, and exits when they have drained.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "http/static.h"
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

#define MAX_WORKERS 64

static volatile sig_atomic_t got_term, got_hup, got_chld;
static pid_t workers[MAX_WORKERS];
static int nworkers;

static void on_signal(int sig)
{
    if (sig == SIGTERM || sig == SIGINT) got_term = 1;
    else if (sig == SIGHUP) got_hup = 1;
    else if (sig == SIGCHLD) got_chld = 1;
}

static int mkdir_p(const char *dir, mode_t mode)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, mode) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST) return -1;
    return 0;
}

/* Open the store, migrate, load demo data once, close. */
static int prepare_store(const char *data_dir, bool demo)
{
    pt_store_options opt;
    memset(&opt, 0, sizeof opt);
    opt.map_size = (size_t)pt_config_int(pt_settings(), "store.map_size_mb", 1024) << 20;
    char *err = NULL;
    if (pt_store_open(data_dir, &opt, &err) != 0) {
        pt_error("cannot open the store in %s: %s", data_dir, err ? err : "?");
        free(err);
        return -1;
    }
    if (pt_store_migrate(&err) != 0) {
        pt_error("store migration failed: %s", err ? err : "?");
        free(err);
        pt_store_close();
        return -1;
    }
    if (demo) {
        pt_db *meta = pt_store_db("core.meta");
        int rc = 0;
        pt_txn *txn = pt_txn_begin(false, &rc);
        const void *v;
        size_t vl;
        bool loaded = txn && pt_kv_get(txn, meta, "demo_loaded", 11, &v, &vl) == 0;
        if (txn) pt_txn_abort(txn);
        if (!loaded) {
            if (pt_registry_run_demo(&err) != 0) {
                pt_error("%s", err ? err : "demo data failed");
                free(err);
                pt_store_close();
                return -1;
            }
            txn = pt_txn_begin(true, &rc);
            if (txn && pt_kv_put(txn, meta, "demo_loaded", 11, "1", 1, 0) == 0)
                pt_txn_commit(txn);
            else if (txn)
                pt_txn_abort(txn);
            pt_info("demo data loaded");
        }
    }
    pt_store_close();
    return 0;
}

static int mount_static(void)
{
    const char **dirs = NULL;
    size_t n = pt_theme_static_dirs(&dirs);
    pt_static_unmount_owner("theme");
    for (size_t i = 0; i < n; i++) pt_static_mount("/static/theme/", dirs[i], "theme");
    return 0;
}

static void print_banner(const char *fingerprint, int nw, bool demo)
{
    pt_config *c = pt_settings();
    printf("\nPortico %s is running\n", PT_VERSION);
    printf("  portal:   %s\n", pt_config_str(c, "public_url", ""));
    printf("  https on: %s  (%d worker%s)\n", pt_config_str(c, "listen", ""), nw,
           nw == 1 ? "" : "s");
    const char *hl = pt_config_str(c, "http_listen", "");
    if (hl && *hl) printf("  http on:  %s  (redirects to https)\n", hl);
    printf("  data:     %s\n", pt_config_str(c, "data_dir", "var"));
    if (fingerprint) printf("  certificate SHA-256: %s\n", fingerprint);
    if (demo) {
        printf("  demo:     demo data set loaded\n");
        pt_registry_print_demo_notes(stdout);
    }
    printf("  health:   %s/healthz\n\n", pt_config_str(c, "public_url", ""));
    fflush(stdout);
}

static pid_t spawn(int index, pt_tls *tls, int ready_fd)
{
    pid_t pid = fork();
    if (pid < 0) {
        pt_error("fork failed: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        signal(SIGINT, SIG_IGN); /* the parent relays Ctrl-C as SIGTERM */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        _exit(pt_worker_run(index, nworkers, tls, ready_fd));
    }
    return pid;
}

static void relay(int sig)
{
    for (int i = 0; i < nworkers; i++)
        if (workers[i] > 0) kill(workers[i], sig);
}

static void parent_reload(void)
{
    char *err = NULL;
    if (pt_settings_reload(&err) != 0) {
        pt_error("reload: configuration kept: %s", err ? err : "?");
        free(err);
    }
    if (pt_theme_reload(&err) != 0) {
        pt_error("reload: theme kept: %s", err ? err : "?");
        free(err);
    }
    mount_static();
    if (pt_scripts_load(pt_registry_router(), &err) != 0) {
        pt_error("reload: %s", err ? err : "script errors");
        free(err);
    }
    pt_log_reopen();
}

int pt_cmd_serve(int argc, char **argv)
{
    pt_cli_opts o;
    if (pt_cli_parse(argc, argv, "clhdwm", &o) != 0) return 2;
    if (o.help) return 0;
    pt_registry_set_router(pt_router_new());
    pt_auth_declare();
    pt_scripts_declare();
    if (pt_cli_load_config(&o, true) != 0) return 1;
    pt_config *cfg = pt_settings();

    pt_log_level lvl = PT_LOG_INFO;
    pt_log_parse_level(pt_config_str(cfg, "log.level", "info"), &lvl);
    pt_log_set_level(lvl);
    const char *data_dir = pt_config_str(cfg, "data_dir", "var");
    if (mkdir_p(data_dir, 0700) != 0) {
        fprintf(stderr, "portico: cannot create data folder %s: %s\n", data_dir, strerror(errno));
        return 1;
    }
    const char *acc = pt_config_str(cfg, "log.access", "");
    if (pt_log_open(pt_config_str(cfg, "log.error", "-"), acc) != 0) {
        fprintf(stderr, "portico: cannot open the log files\n");
        return 1;
    }

    char *fp = NULL, *err = NULL;
    const char *cert = pt_config_str(cfg, "tls.cert", "");
    const char *key = pt_config_str(cfg, "tls.key", "");
    pt_tls *tls = pt_tls_new(*cert ? cert : NULL, *key ? key : NULL, data_dir, &fp, &err);
    if (!tls) {
        fprintf(stderr, "portico: TLS: %s\n", err ? err : "failed");
        free(err);
        return 1;
    }

    if (prepare_store(data_dir, o.demo) != 0) return 1;

    if (pt_theme_load(pt_config_str(cfg, "themes_dir", "themes"), pt_config_str(cfg, "theme", "default"),
                      &err) != 0) {
        fprintf(stderr, "portico: theme: %s\n", err ? err : "failed to load");
        free(err);
        return 1;
    }
    pt_template_install_error_page();
    mount_static();
    pt_static_mount("/static/vendor/htmx/", "node_modules/htmx.org/dist", "core");
    if (pt_pages_register(pt_registry_router()) != 0) {
        fprintf(stderr, "portico: cannot register the core routes\n");
        return 1;
    }
    if (pt_scripts_load(pt_registry_router(), &err) != 0) {
        pt_error("%s", err ? err : "script errors");
        free(err);
    }

    nworkers = pt_settings_workers();
    if (nworkers > MAX_WORKERS) nworkers = MAX_WORKERS;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);

    int ready[2];
    if (pipe(ready) != 0) return 1;
    for (int i = 0; i < nworkers; i++) workers[i] = spawn(i, tls, ready[1]);
    /* Wait until every worker listens (or one fails). */
    int up = 0;
    while (up < nworkers) {
        char c;
        ssize_t n = read(ready[0], &c, 1);
        if (n <= 0 && errno == EINTR) continue;
        if (n <= 0 || c != 'R') {
            pt_error("a worker failed to start; stopping");
            relay(SIGTERM);
            while (wait(NULL) > 0) {}
            return 1;
        }
        up++;
    }
    print_banner(fp, nworkers, o.demo);
    free(fp);

    time_t recent[8] = {0};
    int rix = 0;
    while (!got_term) {
        sigsuspend(&old);
        if (got_hup) {
            got_hup = 0;
            pt_info("SIGHUP: reloading configuration, theme and scripts");
            parent_reload();
            relay(SIGHUP);
        }
        if (got_chld) {
            got_chld = 0;
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                for (int i = 0; i < nworkers; i++) {
                    if (workers[i] != pid) continue;
                    if (WIFSIGNALED(status))
                        pt_error("worker %d died (signal %d); restarting", (int)pid,
                                 WTERMSIG(status));
                    else
                        pt_error("worker %d exited (%d); restarting", (int)pid,
                                 WEXITSTATUS(status));
                    time_t now = time(NULL);
                    if (recent[rix] && now - recent[rix] < 10) {
                        pt_error("workers keep dying; waiting 5 s before the next restart");
                        sleep(5);
                    }
                    recent[rix] = now;
                    rix = (rix + 1) % 8;
                    workers[i] = got_term ? -1 : spawn(i, tls, ready[1]);
                }
            }
        }
    }
    pt_info("SIGTERM: draining %d worker(s)", nworkers);
    relay(SIGTERM);
    unsigned drain = (unsigned)pt_config_int(pt_settings(), "limits.drain_timeout_ms", 10000);
    uint64_t deadline = pt_now_ms() + drain + 5000;
    int left = nworkers;
    while (left > 0) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            left--;
            continue;
        }
        if (pid < 0 && errno == ECHILD) break;
        if (pt_now_ms() > deadline) {
            relay(SIGKILL);
            while (wait(NULL) > 0) {}
            break;
        }
        usleep(20000);
    }
    pt_info("stopped");
    pt_lua_unload_all();
    pt_plugins_unload_all();
    pt_theme_unload();
    pt_tls_free(tls);
    pt_router_free(pt_registry_router());
    pt_settings_set(NULL);
    return 0;
}
