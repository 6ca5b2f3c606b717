/*
 * core/store/backup.c - hot compacted backups (mdb_env_copyfd2 with
 * MDB_CP_COMPACT into a temporary file, fsync, rename) and restore (the
 * source validated by opening it read-only and copying it compacted into
 * a temporary file in the data dir, then an atomic rename over data.mdb).
 *
 * Detecting a running server: every process that has an LMDB env open
 * holds a shared fcntl lock on byte 0 of lock.mdb (the first opener takes
 * it exclusive, then downgrades). Restore asks for an exclusive lock on
 * that byte with F_SETLK: refused means someone has the env open. Holding
 * it during the swap makes a server that starts meanwhile wait in its own
 * mdb_env_open. fcntl locks are per process, so this process's own store
 * is checked separately (and must be closed first).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* Compacted copy of env into dir/data.mdb via a temp file + rename.
 * replace: allow an existing data.mdb to be replaced. */
static int copy_env(MDB_env *env, const char *dir, bool replace, char **err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return st_fail(err, PT_EIO, "cannot create %s: %s", dir, strerror(errno));
    char *final = pt_xasprintf("%s/data.mdb", dir);
    char *tmp = pt_xasprintf("%s/.data.mdb.tmp-XXXXXX", dir);
    int rc = PT_OK;
    struct stat sb;
    if (!replace && stat(final, &sb) == 0) {
        rc = st_fail(err, PT_EEXIST, "%s already exists", final);
        goto out;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = st_fail(err, PT_EIO, "cannot create a file in %s: %s", dir, strerror(errno));
        goto out;
    }
    fchmod(fd, 0600);
    int r = mdb_env_copyfd2(env, fd, MDB_CP_COMPACT);
    if (r) rc = st_fail(err, st_mdb(r) == PT_EINVAL ? PT_EINVAL : PT_EIO,
                        "copying the store to %s: %s", dir, mdb_strerror(r));
    else if (fsync(fd) != 0)
        rc = st_fail(err, PT_EIO, "fsync %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && !rc) rc = st_fail(err, PT_EIO, "close %s: %s", tmp, strerror(errno));
    if (!rc && !replace && stat(final, &sb) == 0) /* appeared meanwhile */
        rc = st_fail(err, PT_EEXIST, "%s already exists", final);
    if (!rc && rename(tmp, final) != 0)
        rc = st_fail(err, PT_EIO, "rename %s: %s", final, strerror(errno));
    if (rc) unlink(tmp);
    else if (fsync_dir(dir) != 0)
        rc = st_fail(err, PT_EIO, "fsync %s: %s", dir, strerror(errno));
out:
    free(final);
    free(tmp);
    return rc;
}

int pt_store_backup(const char *dest_dir, char **err)
{
    if (!pt_store_is_open()) return st_fail(err, PT_EINVAL, "backup: store not open");
    if (!dest_dir || !*dest_dir) return st_fail(err, PT_EINVAL, "backup: no destination");
    return copy_env(st_g.env, dest_dir, false, err);
}

/* Open dir read-only in an env of our own. nolock: for a source nobody
 * writes (a backup), so its directory may be read-only. */
static int open_ro(const char *dir, bool nolock, MDB_env **out, char **err)
{
    struct stat sb;
    char *p = pt_xasprintf("%s/data.mdb", dir);
    int ok = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
    free(p);
    if (!ok) return st_fail(err, PT_EINVAL, "%s holds no data.mdb", dir);
    MDB_env *env;
    int r = mdb_env_create(&env);
    if (!r) r = mdb_env_set_maxdbs(env, PT_STORE_MAX_DBS);
    if (!r) r = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS | (nolock ? MDB_NOLOCK : 0), 0600);
    if (r) {
        mdb_env_close(env);
        int rc = (r == MDB_INVALID || r == MDB_VERSION_MISMATCH) ? PT_EINVAL : st_mdb(r);
        return st_fail(err, rc, "%s is not a readable LMDB store: %s", dir, mdb_strerror(r));
    }
    *out = env;
    return PT_OK;
}

/* Same file as the one this process's store has open? */
static bool is_our_store(const char *dir)
{
    if (!pt_store_is_open()) return false;
    struct stat a, b;
    char *p = pt_xasprintf("%s/data.mdb", dir), *q = pt_xasprintf("%s/data.mdb", st_g.dir);
    bool same = stat(p, &a) == 0 && stat(q, &b) == 0 && a.st_dev == b.st_dev &&
                a.st_ino == b.st_ino;
    free(p);
    free(q);
    return same;
}

int pt_store_backup_from(const char *data_dir, const char *dest_dir, char **err)
{
    if (!data_dir || !dest_dir) return st_fail(err, PT_EINVAL, "backup: no directory");
    /* LMDB: never open one env twice in a process (closing the second
     * would drop the first one's fcntl locks) */
    if (is_our_store(data_dir)) return pt_store_backup(dest_dir, err);
    MDB_env *env;
    int rc = open_ro(data_dir, false, &env, err);
    if (rc) return rc;
    rc = copy_env(env, dest_dir, false, err);
    mdb_env_close(env);
    return rc;
}

static int has_meta(MDB_env *env, const char *dir, char **err)
{
    MDB_txn *t;
    MDB_dbi dbi;
    int r = mdb_txn_begin(env, NULL, MDB_RDONLY, &t);
    if (r) return st_fail(err, PT_EIO, "reading %s: %s", dir, mdb_strerror(r));
    r = mdb_dbi_open(t, "core.meta", 0, &dbi);
    mdb_txn_abort(t);
    if (r == MDB_NOTFOUND)
        return st_fail(err, PT_EINVAL, "%s is an LMDB env but not a Portico store (no core.meta)",
                       dir);
    if (r) return st_fail(err, PT_EINVAL, "%s: core.meta: %s", dir, mdb_strerror(r));
    return PT_OK;
}

int pt_store_restore(const char *src_dir, const char *data_dir, char **err)
{
    if (!src_dir || !data_dir) return st_fail(err, PT_EINVAL, "restore: no directory");
    if (pt_store_is_open())
        return st_fail(err, PT_EPERM, "restore: close the store in this process first");
    MDB_env *src;
    int rc = open_ro(src_dir, true, &src, err);
    if (rc) return rc;
    rc = has_meta(src, src_dir, err);
    if (rc) {
        mdb_env_close(src);
        return rc;
    }
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        mdb_env_close(src);
        return st_fail(err, PT_EIO, "cannot create %s: %s", data_dir, strerror(errno));
    }
    char *lockp = pt_xasprintf("%s/lock.mdb", data_dir);
    int lfd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) {
        rc = st_fail(err, PT_EIO, "restore: cannot open %s: %s", lockp, strerror(errno));
    } else {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
        if (fcntl(lfd, F_SETLK, &fl) != 0) {
            if (errno == EACCES || errno == EAGAIN)
                rc = st_fail(err, PT_EPERM,
                             "restore: the store in %s is in use by a running process; stop "
                             "the server first", data_dir);
            else
                rc = st_fail(err, PT_EIO, "restore: locking %s: %s", lockp, strerror(errno));
        } else {
            rc = copy_env(src, data_dir, true, err);
            /* nobody has the env open (we hold the exclusive lock): empty
             * the lock file so the next opener initialises it afresh
             * rather than trusting reader/txn state of the old file */
            if (!rc && ftruncate(lfd, 0) != 0)
                pt_warn("restore: cannot reset %s: %s", lockp, strerror(errno));
        }
        close(lfd); /* releases the lock */
    }
    free(lockp);
    mdb_env_close(src);
    if (!rc) pt_info("store: restored %s from %s", data_dir, src_dir);
    return rc;
}
