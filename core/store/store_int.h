/*
 * core/store/store_int.h - private state shared by the core/store files: the one
 * environment of this process, the table of declared databases (static
 * slots, so pt_db pointers stay valid for the life of the process), the
 * txn/cursor structs and the error helpers. Not installed, not for plugins.
 */
#ifndef PT_STORE_INT_H
#define PT_STORE_INT_H

#include <lmdb.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "portico/log.h"
#include "portico/store.h"

struct pt_db {
    char name[PT_DB_NAME_MAX + 1];
    char *owner;     /* heap copy                                     */
    unsigned flags;  /* PT_DB_*                                       */
    bool declared;   /* false after pt_store_undeclare_owner          */
    bool open;       /* dbi is valid in the current environment       */
    MDB_dbi dbi;
};

struct pt_txn {
    MDB_txn *t;
    bool write;
    int poison;          /* first PT_EFULL/PT_EIO from a write, 0 if none */
    pt_cursor *cursors;  /* open cursors, closed when the txn ends        */
};

struct pt_cursor {
    MDB_cursor *c;
    pt_txn *txn;
    pt_db *db;
    pt_cursor *next, *prev; /* in txn->cursors                           */
    size_t plen;            /* prefix bound (bounded == true)            */
    bool bounded;
    int idx_dir;            /* pt_index_seek direction: 1, -1; 0 = none  */
    uint8_t prefix[PT_KEY_MAX];
};

typedef struct st_env {
    MDB_env *env;
    char *dir;
    bool read_only;
    bool forked;           /* set in a child by pthread_atfork           */
    atomic_int live_txns;
} st_env;

extern st_env st_g;
extern pt_db st_dbs[PT_STORE_MAX_DBS];
extern int st_ndbs;

/* the core.meta handle (declared on first use) */
pt_db *st_meta(void);

/* Set this thread's last error and return rc. */
int st_err(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, also duplicating the message into *err when err != NULL. */
int st_fail(char **err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* LMDB return code -> PT_* */
int st_mdb(int mdbrc);
/* Printable form of a key for messages: text if printable ASCII, else 0x hex. */
void st_keystr(char *out, size_t cap, const void *key, size_t klen);
#define ST_KEYSTR 80

/* Validate txn/db (and write access when write), check klen (0 = skip).
 * PT_OK or an error with the last error set. */
int st_check(pt_txn *txn, pt_db *db, bool write, size_t klen);
/* Note a failed write so commit reports it. */
void st_poison(pt_txn *txn, int rc);

#endif
