/*
 * core/store/env.c - the process's one LMDB environment: database
 * declarations (a static table, so handles survive close/reopen and
 * plugin rollback), open/close, the fork guard.
 *
 * Databases are opened eagerly: all declared ones when the store opens, a
 * later declaration at once in a short txn of its own. That keeps every
 * mdb_dbi_open inside setup code (LMDB forbids concurrent dbi opens) and
 * means a read txn never meets a database that exists but is not open.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

st_env st_g;
pt_db st_dbs[PT_STORE_MAX_DBS];
int st_ndbs;

static unsigned mdb_flags(unsigned f)
{
    if (f == PT_DB_INDEX) return MDB_DUPSORT | MDB_DUPFIXED;
    if (f == PT_DB_DUPSORT) return MDB_DUPSORT;
    return 0;
}

static bool seg_ok(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* "<owner>.<thing>[.<more>]" */
static bool name_ok(const char *name, const char *owner)
{
    size_t n = strlen(name), on = strlen(owner);
    if (n > PT_DB_NAME_MAX || !seg_ok(owner, on)) return false;
    if (n <= on + 1 || strncmp(name, owner, on) != 0 || name[on] != '.') return false;
    const char *p = name + on + 1;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (!seg_ok(p, len)) return false;
        p += len;
        if (*p == '.') {
            p++;
            if (!*p) return false;
        }
    }
    return true;
}

static pt_db *find(const char *name)
{
    for (int i = 0; i < st_ndbs; i++)
        if (strcmp(st_dbs[i].name, name) == 0) return &st_dbs[i];
    return NULL;
}

pt_db *pt_store_db(const char *name)
{
    pt_db *d = name ? find(name) : NULL;
    return d && d->declared ? d : NULL;
}

const char *pt_db_name(const pt_db *db)
{
    return db ? db->name : "?";
}

bool pt_store_is_open(void)
{
    return st_g.env != NULL && !st_g.forked;
}

/* Open one db in txn t. */
static int open_one(MDB_txn *t, pt_db *d)
{
    unsigned fl = mdb_flags(d->flags) | (st_g.read_only ? 0 : MDB_CREATE);
    int r = mdb_dbi_open(t, d->name, fl, &d->dbi);
    if (r == MDB_NOTFOUND && st_g.read_only) {
        d->open = false; /* absent: reads find nothing */
        return PT_OK;
    }
    if (r == MDB_INCOMPATIBLE)
        return st_err(PT_EINVAL, "database %s exists with other flags than declared (%s)",
                      d->name, d->flags ? "dupsort/index" : "plain");
    if (r) return st_err(st_mdb(r), "cannot open database %s: %s", d->name, mdb_strerror(r));
    /* LMDB 0.9.24 keeps the on-disk flags without complaint: compare */
    unsigned have = 0;
    mdb_dbi_flags(t, d->dbi, &have);
    if ((have & (MDB_DUPSORT | MDB_DUPFIXED)) != mdb_flags(d->flags))
        return st_err(PT_EINVAL, "database %s exists with other flags than declared (%s)",
                      d->name, d->flags ? "dupsort/index" : "plain");
    d->open = true;
    return PT_OK;
}

pt_db *st_meta(void)
{
    pt_db *m = pt_store_db("core.meta");
    if (!m) {
        pt_store_declare("core.meta", PT_DB_PLAIN, "core");
        m = pt_store_db("core.meta");
    }
    return m;
}

/* Open databases [from, st_ndbs) or the single db d in a txn of their own. */
static int open_dbs(pt_db *only)
{
    MDB_txn *t;
    int r = mdb_txn_begin(st_g.env, NULL, st_g.read_only ? MDB_RDONLY : 0, &t);
    if (r) return st_err(st_mdb(r), "cannot begin txn to open databases: %s", mdb_strerror(r));
    int rc = PT_OK;
    for (int i = 0; i < st_ndbs && rc == PT_OK; i++) {
        pt_db *d = &st_dbs[i];
        if (!d->declared || (only && d != only)) continue;
        rc = open_one(t, d);
    }
    if (rc) {
        mdb_txn_abort(t);
        for (int i = 0; i < st_ndbs; i++)
            if (!only || &st_dbs[i] == only) st_dbs[i].open = false;
        return rc;
    }
    r = mdb_txn_commit(t);
    if (r) return st_err(st_mdb(r), "cannot commit opening databases: %s", mdb_strerror(r));
    return PT_OK;
}

int pt_store_declare(const char *name, unsigned flags, const char *owner)
{
    if (!name || !owner || !name_ok(name, owner))
        return st_err(PT_EINVAL, "bad database name \"%s\" for owner \"%s\" (want %s.<thing>)",
                      name ? name : "(null)", owner ? owner : "(null)", owner ? owner : "owner");
    if (flags != PT_DB_PLAIN && flags != PT_DB_DUPSORT && flags != PT_DB_INDEX)
        return st_err(PT_EINVAL, "bad flags 0x%x for database %s", flags, name);
    pt_db *d = find(name);
    if (d && d->declared) {
        if (d->flags == flags && strcmp(d->owner, owner) == 0) return PT_OK;
        return st_err(PT_EEXIST, "database %s is already declared by %s%s", name, d->owner,
                      d->flags != flags ? " with other flags" : "");
    }
    if (!d) {
        if (st_ndbs >= PT_STORE_MAX_DBS - 1) /* LMDB's maxdbs also counts the main db */
            return st_err(PT_ETOOBIG, "too many databases (max %d) declaring %s",
                          PT_STORE_MAX_DBS - 1, name);
        d = &st_dbs[st_ndbs++];
        memset(d, 0, sizeof *d);
        strcpy(d->name, name);
    }
    free(d->owner);
    d->owner = pt_xstrdup(owner);
    d->flags = flags;
    d->declared = true;
    d->open = false;
    if (pt_store_is_open()) {
        int rc = open_dbs(d);
        if (rc) {
            d->declared = false;
            return rc;
        }
    }
    return PT_OK;
}

void st_migrations_drop_owner(const char *owner); /* migrate.c */

void pt_store_undeclare_owner(const char *owner)
{
    if (!owner) return;
    for (int i = 0; i < st_ndbs; i++) {
        pt_db *d = &st_dbs[i];
        if (d->declared && strcmp(d->owner, owner) == 0) {
            d->declared = false;
            d->open = false; /* the dbi stays open in LMDB: harmless */
        }
    }
    st_migrations_drop_owner(owner);
}

static void after_fork_child(void)
{
    if (st_g.env) st_g.forked = true;
}

static void drop_env(void)
{
    if (st_g.env) mdb_env_close(st_g.env);
    st_g.env = NULL;
    free(st_g.dir);
    st_g.dir = NULL;
    st_g.forked = false;
    atomic_store(&st_g.live_txns, 0);
    for (int i = 0; i < st_ndbs; i++) st_dbs[i].open = false;
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, after_fork_child);
}

int pt_store_open(const char *dir, const pt_store_options *opt, char **err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    static const pt_store_options defaults;
    if (!opt) opt = &defaults;
    if (!dir || !*dir) return st_fail(err, PT_EINVAL, "store: no data directory given");
    if (st_g.env && st_g.forked) drop_env(); /* inherited from the parent */
    if (st_g.env) return st_fail(err, PT_EEXIST, "store: already open at %s", st_g.dir);
    pthread_once(&once, register_atfork);

    if (!opt->read_only && mkdir(dir, 0700) != 0 && errno != EEXIST)
        return st_fail(err, PT_EIO, "store: cannot create %s: %s", dir, strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return st_fail(err, PT_EINVAL, "store: %s is not a directory", dir);

    MDB_env *env;
    int r = mdb_env_create(&env);
    if (r) return st_fail(err, PT_EIO, "store: mdb_env_create: %s", mdb_strerror(r));
    size_t map = opt->map_size ? opt->map_size : PT_STORE_DEFAULT_MAP_SIZE;
    if (!r) r = mdb_env_set_mapsize(env, map);
    if (!r) r = mdb_env_set_maxdbs(env, PT_STORE_MAX_DBS);
    if (!r && opt->max_readers) r = mdb_env_set_maxreaders(env, opt->max_readers);
    if (!r) r = mdb_env_open(env, dir, MDB_NOTLS | (opt->read_only ? MDB_RDONLY : 0), 0600);
    if (r) {
        mdb_env_close(env);
        int rc = st_mdb(r);
        if (r == MDB_INVALID || r == MDB_VERSION_MISMATCH) rc = PT_EINVAL;
        return st_fail(err, rc, "store: cannot open %s: %s", dir, mdb_strerror(r));
    }
    int dead = 0;
    mdb_reader_check(env, &dead);
    if (dead) pt_warn("store: cleared %d stale reader slot(s) in %s", dead, dir);

    st_meta(); /* declared, opened below with the rest */
    st_g.env = env;
    st_g.dir = pt_xstrdup(dir);
    st_g.read_only = opt->read_only;
    st_g.forked = false;
    atomic_store(&st_g.live_txns, 0);
    int rc = open_dbs(NULL);
    if (rc) {
        char *why = pt_xasprintf("store: %s", pt_store_last_error());
        drop_env();
        st_err(rc, "%s", why);
        if (err) *err = why;
        else free(why);
        return rc;
    }
    return PT_OK;
}

int pt_store_close(void)
{
    if (!st_g.env) return PT_OK;
    if (!st_g.forked && atomic_load(&st_g.live_txns) > 0)
        return st_err(PT_EAGAIN, "store: cannot close with %d live transaction(s)",
                      atomic_load(&st_g.live_txns));
    drop_env();
    return PT_OK;
}
