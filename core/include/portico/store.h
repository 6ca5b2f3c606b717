/*
 * portico/store.h - the LMDB store: one environment per process, named
 * databases, transactions, msgpack records handled as jansson objects,
 * big-endian keys, time-sortable ids, secondary indexes, account scoping,
 * per-plugin migrations, backup/restore and stats.
 *
 * Conventions (in addition to portico/common.h):
 *  - Every function returns PT_OK (0) or a negative PT_E* code. When a
 *    store call fails it also leaves a one-line English reason, naming the
 *    database and key where there is one, in a per-thread buffer read with
 *    pt_store_last_error(). The few setup calls meant for the CLI / parent
 *    (open, migrate, backup, restore) additionally hand the same reason back
 *    in a `char **err` out parameter, owned by the caller (free()); err may
 *    be NULL.
 *  - Error codes: PT_ENOTFOUND (no such key), PT_EEXIST, PT_EINVAL (bad
 *    argument, undeclared db, store not open), PT_ETOOBIG (key/record over
 *    a limit), PT_EDECODE (stored bytes are not a valid record), PT_EPERM
 *    (write in a read txn / read-only store, scoped write to another
 *    account's record), PT_EFULL (map full: raise the map size), PT_EAGAIN
 *    (reader table full, busy), PT_EIO (anything else from LMDB or the OS).
 *  - "borrowed" data returned by pt_kv_* and cursors points into the LMDB
 *    map: valid until the transaction ends (in a write transaction: until
 *    the next write in it). Never free it, never write to it.
 *  - json_t values handed to the store are borrowed (the store takes its own
 *    references if it needs them); json_t values the store returns are
 *    owned by the caller: json_decref() them.
 *
 * Processes and threads:
 *  - One global store per process. The parent opens it, runs migrations
 *    and closes it *before* fork(); each worker opens it again. Never use
 *    an environment (or a txn, cursor or borrowed pointer) across fork():
 *    LMDB's locks and reader slots belong to the process that opened it. A
 *    child that inherited an open store gets PT_EPERM from pt_txn_begin
 *    until it calls pt_store_close()/pt_store_open() itself.
 *  - Setup calls (declare, undeclare, migration, open, close, migrate,
 *    restore) are not thread-safe: call them from the main thread while no
 *    transaction is live. Transactions, cursors, records, indexes, ids,
 *    backup and stats may be used from any thread (the env is opened with
 *    MDB_NOTLS), one thread per transaction at a time.
 *  - Exactly one write transaction exists at a time per environment: LMDB
 *    serialises writers across threads *and* processes, so pt_txn_begin(true)
 *    blocks while any worker writes. Keep write transactions short, never
 *    hold any transaction across event-loop turns, and never begin a second
 *    transaction in a thread that already holds a write transaction
 *    (self-deadlock).
 *  - Commits are synchronous (no MDB_NOSYNC): a committed write survives a
 *    crash or power loss.
 */
#ifndef PORTICO_STORE_H
#define PORTICO_STORE_H

#include <jansson.h>

#include "common.h"

typedef struct pt_db pt_db;         /* a declared database (handle)         */
typedef struct pt_txn pt_txn;       /* a read or write transaction          */
typedef struct pt_cursor pt_cursor; /* a position in one db within one txn  */

/* ==== Environment ====================================================== */

#define PT_STORE_DEFAULT_MAP_SIZE ((size_t)1 << 30) /* 1 GiB */
#define PT_STORE_MAX_DBS 256                        /* incl. core.meta */
#define PT_DB_NAME_MAX 64

typedef struct pt_store_options {
    size_t map_size;      /* max size of data.mdb in bytes; 0 = 1 GiB. The
                             file grows as needed up to this; PT_EFULL when
                             reached. A larger existing env keeps its size. */
    unsigned max_readers; /* concurrent read txns across all processes;
                             0 = 126 (LMDB's default)                      */
    bool read_only;       /* open MDB_RDONLY (CLI backup/inspect): no write
                             txns, missing databases read as empty          */
} pt_store_options;

/* Open the process's store in directory dir (created 0700 if missing;
 * the data lives in <dir>/data.mdb and <dir>/lock.mdb) and open every
 * declared database, creating missing ones unless read_only. Clears reader
 * slots left by dead processes (mdb_reader_check).
 *   opt  may be NULL (defaults). err: see Conventions.
 * Returns PT_OK; PT_EEXIST if already open in this process; PT_EINVAL
 * (database exists on disk with other flags, bad dir); PT_EIO.
 * Not thread-safe. A child that inherited an open store may call this: the
 * inherited env is dropped first. */
int pt_store_open(const char *dir, const pt_store_options *opt, char **err);

/* Close the store. Declarations, migrations and pt_db handles survive and
 * are reopened by the next pt_store_open (the parent declares, opens,
 * migrates, closes, forks; each worker opens again with the same handles).
 * Returns PT_OK (also when not open); PT_EAGAIN, leaving it open, while any
 * transaction is still live. Not thread-safe. */
int pt_store_close(void);

/* true when pt_store_open succeeded in this process and was not closed. */
bool pt_store_is_open(void);

/* Flags for pt_store_declare. */
#define PT_DB_PLAIN 0x0u   /* one value per key                              */
#define PT_DB_DUPSORT 0x1u /* sorted duplicate values per key                */
#define PT_DB_INDEX 0x3u   /* dupsort of fixed 8-byte ids: use pt_index_*     */

/* Declare database `name` owned by `owner` (a plugin name, or "core").
 * name is `<owner>.<thing>` (indexes `<owner>.<thing>.by_<field>`), made
 * of [a-z0-9_] segments joined by '.', at most PT_DB_NAME_MAX bytes, and
 * its first segment must equal owner. Call it from a plugin's init (before
 * open); a declaration after open opens the database at once in a short
 * transaction of its own (do not hold a transaction while declaring).
 * Declaring the same name again with the same flags and owner is a no-op.
 * Returns PT_OK; PT_EINVAL (bad name/owner/flags); PT_EEXIST (declared
 * with other flags or owner); PT_ETOOBIG (PT_STORE_MAX_DBS reached);
 * PT_EIO. Strings are copied. Not thread-safe. */
int pt_store_declare(const char *name, unsigned flags, const char *owner);

/* Forget every database and migration registered by owner (a plugin whose
 * init failed). Data on disk is left alone. Handles to its databases stay
 * valid memory but every use returns PT_EINVAL. Not thread-safe. */
void pt_store_undeclare_owner(const char *owner);

/* The handle of a declared database, or NULL if name is not declared.
 * The pointer stays valid for the life of the process (across close and
 * reopen), so plugins may keep it. Thread-safe once setup is done. */
pt_db *pt_store_db(const char *name);

/* The declared name of db ("?" for NULL). Static, borrowed. */
const char *pt_db_name(const pt_db *db);

/* The reason for the most recent failure of a store call in this thread
 * ("" if none yet). Not cleared by successful calls. Borrowed, valid until
 * the next store call in this thread. */
const char *pt_store_last_error(void);

/* For callbacks run by the store (migrations): set this thread's last
 * error from a printf format and return rc, so `return pt_store_error(
 * PT_EINVAL, "case %s has no subject", id);` reaches the operator. */
int pt_store_error(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clear reader slots held by dead processes (call from the parent when a
 * worker dies; open does it too). *dead (may be NULL) gets the count.
 * Returns PT_OK, PT_EINVAL if not open, PT_EIO. Thread-safe. */
int pt_store_reader_check(int *dead);

/* Numbers for /healthz: a new object
 *   {"dir", "file_size", "map_size", "page_size", "used_pages",
 *    "last_txnid", "readers", "max_readers", "dbs": {name: entries, ...}}
 * owned by the caller (json_decref). Databases absent from a read-only env
 * count 0. Returns PT_OK; PT_EINVAL if not open; PT_EIO. Thread-safe. */
int pt_store_stats(json_t **out);

/* ==== Transactions ====================================================== */

/* Begin a transaction. write=false: a consistent snapshot, cheap, many at
 * once; write=true: blocks until no other writer (in any process) holds
 * the write lock. Returns the txn, or NULL with *rc (may be NULL) set:
 * PT_EINVAL (not open), PT_EPERM (write on a read-only store, or the store
 * was inherited across fork), PT_EAGAIN (reader table full), PT_EIO.
 * Exactly one of pt_txn_commit / pt_txn_abort must end it, in the thread
 * that is using it. */
pt_txn *pt_txn_begin(bool write, int *rc);

/* Commit and free the txn (also for read txns: same as abort). Closes the
 * txn's cursors. After it, every pointer borrowed from the txn is invalid.
 * Returns PT_OK; PT_EFULL (map full: nothing was written); PT_EIO; or the
 * code of an earlier write in this txn that failed and poisoned it (a
 * write txn whose put returned PT_EFULL/PT_EIO can only be aborted: commit
 * then returns that code and writes nothing). */
int pt_txn_commit(pt_txn *txn);

/* Abort and free the txn, discarding its writes; closes its cursors.
 * NULL is ignored. */
void pt_txn_abort(pt_txn *txn);

/* true for a write txn. */
bool pt_txn_is_write(const pt_txn *txn);

/* ==== Raw key/values ===================================================== */

#define PT_KEY_MAX 511 /* LMDB's default maximum key size */

/* Flags for pt_kv_put. */
#define PT_PUT_NOOVERWRITE 0x1u /* PT_EEXIST if the key exists (plain dbs)  */
#define PT_PUT_NODUPDATA 0x2u   /* PT_EEXIST if key+value exists (dupsort)  */

/* Look key up in db. *val and *vlen get borrowed bytes (for a dupsort db the
 * first value). Returns PT_OK, PT_ENOTFOUND, PT_EINVAL (bad key length,
 * undeclared db), PT_EIO. */
int pt_kv_get(pt_txn *txn, pt_db *db, const void *key, size_t klen, const void **val,
              size_t *vlen);

/* Store val under key (write txn). The bytes are copied. For a dupsort db
 * adds a value (values <= PT_KEY_MAX bytes). Returns PT_OK, PT_EEXIST (see
 * flags), PT_EPERM (read txn), PT_EINVAL, PT_ETOOBIG (value too large for
 * a dupsort db), PT_EFULL, PT_EIO. */
int pt_kv_put(pt_txn *txn, pt_db *db, const void *key, size_t klen, const void *val,
              size_t vlen, unsigned flags);

/* Delete key (write txn). For a dupsort db: val NULL deletes every value of
 * the key, else only that value. Returns PT_OK, PT_ENOTFOUND, PT_EPERM,
 * PT_EINVAL, PT_EIO. */
int pt_kv_del(pt_txn *txn, pt_db *db, const void *key, size_t klen, const void *val,
              size_t vlen);

/* ==== Cursors ============================================================ */

/* One entry; every pointer is borrowed (see Conventions). */
typedef struct pt_kv {
    const void *key;
    size_t klen;
    const void *val;
    size_t vlen;
} pt_kv;

/* Open a cursor on db in txn. Returns NULL with *rc (may be NULL):
 * PT_EINVAL, PT_ENOTFOUND (db absent from a read-only env), PT_EIO.
 * The cursor is closed by pt_cursor_close or, at the latest, when its txn
 * ends; it must not be used after that. A new cursor has no position. */
pt_cursor *pt_cursor_open(pt_txn *txn, pt_db *db, int *rc);

/* Close the cursor now (optional; the txn end closes it). NULL ignored. */
void pt_cursor_close(pt_cursor *c);

/* Positioning. Each one fills *out (may be NULL) with the entry it lands
 * on and returns PT_OK, or PT_ENOTFOUND when there is none (the position
 * is then undefined), PT_EIO. Positioning calls clear a prefix bound.
 *   first / last   the smallest / largest key (for dupsort: its first /
 *                  last value)
 *   seek           exactly key (its first value)
 *   seek_ge        the first key >= key in byte order (a range scan: seek_ge
 *                  from the low end, next until the key passes the high end)
 *   next / prev    the following / preceding entry, walking through the
 *                  values of a dupsort key before the next key
 *   prefix         the first entry whose key starts with prefix[0..plen)
 *                  or, reverse=true, the *last* one (newest first when the
 *                  key ends in a time-sortable id); then next (forward) or
 *                  prev (reverse) return PT_ENOTFOUND as soon as the key
 *                  leaves the prefix. plen 0 = the whole db. */
int pt_cursor_first(pt_cursor *c, pt_kv *out);
int pt_cursor_last(pt_cursor *c, pt_kv *out);
int pt_cursor_seek(pt_cursor *c, const void *key, size_t klen, pt_kv *out);
int pt_cursor_seek_ge(pt_cursor *c, const void *key, size_t klen, pt_kv *out);
int pt_cursor_next(pt_cursor *c, pt_kv *out);
int pt_cursor_prev(pt_cursor *c, pt_kv *out);
int pt_cursor_prefix(pt_cursor *c, const void *prefix, size_t plen, bool reverse, pt_kv *out);

/* Delete the entry under the cursor (write txn); the cursor then sits so
 * that pt_cursor_next returns the entry after it. Returns PT_OK, PT_EPERM,
 * PT_EINVAL (no position), PT_EIO. */
int pt_cursor_del(pt_cursor *c);

/* ==== Keys =============================================================== */
/* Integers are stored big-endian so LMDB's byte order is numeric order;
 * composite keys concatenate parts so cursor order is (part1, part2, ...)
 * order. A string part is its bytes plus a 0x00 terminator, so "ab" sorts
 * before "abc" and a prefix of whole parts is a valid prefix scan. */

/* Write v big-endian into out[0..8). */
void pt_key_u64(uint8_t out[8], uint64_t v);
/* Read 8 big-endian bytes (no alignment needed). */
uint64_t pt_key_read_u64(const void *in);

/* A composite key being built in place (no allocation). */
typedef struct pt_key {
    size_t len;             /* bytes used in b                          */
    int rc;                 /* PT_OK, or the first error of an add (sticky) */
    uint8_t b[PT_KEY_MAX];
} pt_key;

/* Reset k to empty. */
void pt_key_init(pt_key *k);
/* Append a part. Return PT_OK, or PT_ETOOBIG (the key would exceed
 * PT_KEY_MAX; k is left unchanged and k->rc set). */
int pt_key_add_u64(pt_key *k, uint64_t v);
int pt_key_add_str(pt_key *k, const char *s); /* s + 0x00             */
int pt_key_add_bytes(pt_key *k, const void *p, size_t n); /* raw: last part */

/* Reading a composite key back, part by part. */
typedef struct pt_key_reader {
    const uint8_t *p;
    size_t left;
    int rc; /* PT_OK, or PT_EINVAL once a take ran past the end (sticky) */
} pt_key_reader;

void pt_key_reader_init(pt_key_reader *r, const void *key, size_t klen);
/* The next u64 part; 0 and r->rc = PT_EINVAL if fewer than 8 bytes left. */
uint64_t pt_key_take_u64(pt_key_reader *r);
/* The next string part: a pointer into the key, NUL-terminated in place
 * (borrowed like the key), *n (may be NULL) its length; NULL and r->rc =
 * PT_EINVAL if no terminator is left. */
const char *pt_key_take_str(pt_key_reader *r, size_t *n);

/* ==== Ids ================================================================ */
/* A 63-bit, time-sortable id (the top bit is always 0, so an id fits a
 * json_int_t and a Lua integer):
 *    bits 62..21  milliseconds since the Unix epoch (42 bits, to year 2109)
 *    bits 20..13  worker field: from the pt_id_seed salt
 *    bits 12..0   sequence within the millisecond (8192/ms, then the
 *                 generator borrows the next millisecond)
 * Ids from one process are strictly increasing (also if the wall clock
 * steps back); ids from processes seeded with different salts in 0..255
 * never collide. 0 is never an id. */

/* Set this process's worker field. Salts 0..255 are used as they are and
 * are the only way to guarantee distinct fields: the parent calls
 * pt_id_seed(0) (or leaves it), each worker pt_id_seed(worker_index + 1).
 * Larger salts are folded to 8 bits (xor of their bytes), so random salts
 * collide with probability ~n^2/512 for n processes. Without a call, or
 * in a child after fork that did not call it, the field comes from the
 * pid (then collisions between processes are possible, if unlikely: insert
 * new records with pt_record_add so a collision fails instead of
 * overwriting). Thread-safe. */
void pt_id_seed(uint32_t worker_salt);

/* A new id. Thread-safe, lock-free. */
uint64_t pt_id_new(void);

/* The millisecond timestamp in id; the smallest id of millisecond ms (for
 * seek_ge over time ranges of id-keyed dbs). */
uint64_t pt_id_time_ms(uint64_t id);
uint64_t pt_id_from_ms(uint64_t ms);

/* Text form: 13 characters of Crockford base32 (0-9 a-z without i l o u),
 * lower case, fixed width, so text order equals numeric order and it is
 * URL-safe, e.g. "01hq3v7x2k0g0". */
#define PT_ID_STRLEN 14 /* 13 characters + NUL */
/* Write id into out; returns out. */
char *pt_id_to_str(uint64_t id, char out[PT_ID_STRLEN]);
/* Parse the text form (either case; exactly 13 characters). Returns PT_OK,
 * or PT_EINVAL for anything else, including 0 and values >= 2^63. */
int pt_id_parse(const char *s, uint64_t *out);

/* ==== Records ============================================================ */
/* A record is a msgpack map on disk and a jansson object in memory. Every
 * record has "_v", its schema version (an integer >= 0) set by the writer.
 * Mapping:
 *   object <-> map (string keys without NUL; duplicate keys are an error)
 *   array <-> array, string <-> str (valid UTF-8), true/false <-> bool,
 *   null <-> nil, real <-> float64 (float32 is read too),
 *   integer <-> int (msgpack uint64 above INT64_MAX is a decode error:
 *   json_int_t is signed 64-bit).
 *   bin and ext are *not* accepted: JSON has no binary type and a silent
 *   base64 would not round-trip. Store binary as base64/hex strings.
 * Nesting deeper than PT_RECORD_MAX_DEPTH containers is refused both ways. */

#define PT_RECORD_MAX_DEPTH 32

/* Append obj's msgpack form to out. obj is borrowed. Returns PT_OK;
 * PT_EINVAL (not an object, no integer "_v" >= 0, a key with NUL, a
 * non-finite real) or PT_ETOOBIG (too deep); on error out is unchanged. */
int pt_record_encode(const json_t *obj, pt_buf *out);

/* Decode one record (the whole of data[0..len)) into a new object *out
 * (caller json_decrefs). Never trusts the bytes: any malformed, truncated,
 * trailing or unsupported input returns PT_EDECODE with *why (may be NULL;
 * caller frees) saying what and where, e.g. "expected map at top level",
 * "truncated str at .items[3]". Unknown keys are kept. Thread-safe. */
int pt_record_decode(const void *data, size_t len, json_t **out, char **why);

/* Unscoped record access: for data not owned by a customer account and for
 * staff code that may see every account (for account-owned data use the
 * _scoped functions below instead; that is the one place accounts are
 * compared).
 *   get: *out = the decoded record (owned). PT_OK, PT_ENOTFOUND, PT_EDECODE
 *        (the last error names db and key: "record support.cases/0x...
 *        failed to decode: expected map at top level"), PT_EINVAL, PT_EIO.
 *   put: encode obj (borrowed) and store it under key, replacing any
 *        record. PT_OK or pt_record_encode's / pt_kv_put's codes.
 *   add: like put but PT_EEXIST if the key exists (new ids).
 *   del: PT_OK, PT_ENOTFOUND, PT_EPERM, PT_EIO. */
int pt_record_get(pt_txn *txn, pt_db *db, const void *key, size_t klen, json_t **out);
int pt_record_put(pt_txn *txn, pt_db *db, const void *key, size_t klen, const json_t *obj);
int pt_record_add(pt_txn *txn, pt_db *db, const void *key, size_t klen, const json_t *obj);
int pt_record_del(pt_txn *txn, pt_db *db, const void *key, size_t klen);

/* Typed getters: the value of key in obj, or dflt when obj is not an
 * object, the key is missing or null, or the value has another type (a
 * wrong type is also logged at WARN: it is a schema bug). Borrowed strings live as
 * long as obj holds them. Thread-safe on distinct objects.
 *   str:  a JSON string       int: an integer
 *   bool: true/false          u64: an integer >= 0 */
const char *pt_rec_str(const json_t *obj, const char *key, const char *dflt);
int64_t pt_rec_int(const json_t *obj, const char *key, int64_t dflt);
bool pt_rec_bool(const json_t *obj, const char *key, bool dflt);
uint64_t pt_rec_u64(const json_t *obj, const char *key, uint64_t dflt);

/* Set key to the integer v (ids, accounts). PT_EINVAL if v > INT64_MAX or
 * obj is not an object. */
int pt_rec_set_u64(json_t *obj, const char *key, uint64_t v);

/* ==== Account scoping ==================================================== */
/* Records owned by a customer account carry "account" (u64, != 0). These
 * functions compare it with the request's account; a record of another
 * account answers exactly like a missing one. account must be != 0
 * (PT_EINVAL): staff / unscoped access uses pt_record_get/put/del. */

/* PT_OK with *out (owned); PT_ENOTFOUND when missing *or* owned by another
 * account (same code, same last-error text); PT_EDECODE, PT_EINVAL, PT_EIO. */
int pt_record_get_scoped(pt_txn *txn, pt_db *db, const void *key, size_t klen,
                         uint64_t account, json_t **out);

/* Store obj under key for account. obj is modified: "account" is set to
 * account. PT_EPERM if obj already names another account, or if a record
 * stored under key belongs to another account (handlers answer 404); also
 * PT_EDECODE if the existing record cannot be read (never overwritten
 * blind), and pt_record_put's codes. */
int pt_record_put_scoped(pt_txn *txn, pt_db *db, const void *key, size_t klen,
                         uint64_t account, json_t *obj);

/* Delete key if it belongs to account. PT_ENOTFOUND when missing or
 * another account's; PT_EDECODE, PT_EPERM (read txn), PT_EIO. */
int pt_record_del_scoped(pt_txn *txn, pt_db *db, const void *key, size_t klen,
                         uint64_t account);

/* ==== Secondary indexes ================================================== */
/* An index is a db declared PT_DB_INDEX: key = the indexed field's value
 * (built with pt_key_*), values = 8-byte big-endian ids, kept sorted, so a
 * key's ids come out oldest first, or newest first in reverse. */

/* Add id under key; already present is PT_OK. PT_EINVAL if idx is not an
 * index; else pt_kv_put's codes. */
int pt_index_put(pt_txn *txn, pt_db *idx, const void *key, size_t klen, uint64_t id);
/* Remove id from key. PT_ENOTFOUND if it was not there. */
int pt_index_del(pt_txn *txn, pt_db *idx, const void *key, size_t klen, uint64_t id);
/* Number of ids under key (0 and PT_OK when the key is absent). */
int pt_index_count(pt_txn *txn, pt_db *idx, const void *key, size_t klen, size_t *n);

/* Iterate the ids of one key with a cursor opened on idx: seek puts the
 * first id (the largest if newest_first) in *id; next the following one
 * in the same direction. PT_ENOTFOUND when there is none (left). */
int pt_index_seek(pt_cursor *c, const void *key, size_t klen, bool newest_first,
                  uint64_t *id);
int pt_index_next(pt_cursor *c, uint64_t *id);

/* Convenience for pages of a list: skip `skip` ids, then copy up to max
 * ids into ids[] (caller's array); *n gets how many. PT_OK (also when
 * none), PT_EINVAL, PT_EIO. */
int pt_index_list(pt_txn *txn, pt_db *idx, const void *key, size_t klen, bool newest_first,
                  size_t skip, uint64_t *ids, size_t max, size_t *n);

/* ==== Migrations ========================================================= */
/* Each plugin's schema version lives in core.meta under "schema:<plugin>"
 * (0 when never migrated). */

typedef int (*pt_migration_fn)(pt_txn *txn, void *ud);

/* Register migration `version` (>= 1) of plugin: fn(txn, ud) runs inside
 * the plugin's migration write txn and returns PT_OK or a PT_E* code (set a
 * reason with pt_store_error). It must not commit or abort txn. ud is
 * borrowed until pt_store_migrate returns. Returns PT_OK, PT_EINVAL,
 * PT_EEXIST (that plugin/version is registered). Not thread-safe. */
int pt_store_migration(const char *plugin, int version, pt_migration_fn fn, void *ud);

/* Run pending migrations: plugins in the order of their first
 * registration, for each one every registered version above the stored one
 * in ascending order, all in ONE write txn that also records the new
 * version: a plugin's migrations apply entirely or not at all. Stops at the
 * first failure; plugins before it stay migrated. Refuses (PT_EINVAL) a
 * store whose version for a plugin is newer than any registered migration
 * (data from a newer build). Returns PT_OK or the failing code, with *err
 * (may be NULL, caller frees) e.g. "migration support v3 failed: not
 * found: ...". Needs the store open read-write. Not thread-safe. */
int pt_store_migrate(char **err);

/* The stored schema version of plugin (0 if none) in *version.
 * PT_OK, PT_EINVAL (not open), PT_EDECODE, PT_EIO. */
int pt_store_schema_version(const char *plugin, int *version);

/* ==== Backup and restore ================================================= */

/* Hot, compacted copy of the open store into dest_dir/data.mdb (dest_dir
 * created 0700 if missing). Safe while serving: it runs in its own read
 * txn (which pins old pages while it runs: run it off the event loop, on
 * the thread pool). Written to a temporary file, fsynced, renamed into
 * place. PT_EEXIST if dest_dir already holds data.mdb; PT_EINVAL if not
 * open; PT_EIO. Thread-safe. */
int pt_store_backup(const char *dest_dir, char **err);

/* The same from the store in data_dir, opened read-only for the copy (the
 * CLI `portico backup DEST`; a server may be running on data_dir in other
 * processes). Does not touch this process's open store. */
int pt_store_backup_from(const char *data_dir, const char *dest_dir, char **err);

/* Replace data_dir's data.mdb with the store in src_dir. src_dir must be
 * an LMDB env holding core.meta (opened read-only, lock-free, and copied
 * compacted, which also walks every page). The copy goes to a temporary
 * file in data_dir, is fsynced and renamed over data.mdb (atomic: a crash
 * leaves the old or the new store, never a mix). Refuses with PT_EPERM
 * while this process has the store open, or while another process has
 * data_dir open (detected through LMDB's lock file: every process with the
 * env open holds a fcntl lock on lock.mdb byte 0; restore holds an
 * exclusive lock on it during the swap, so a server starting meanwhile
 * waits). PT_EINVAL: src is not a Portico store. PT_EIO. */
int pt_store_restore(const char *src_dir, const char *data_dir, char **err);

#endif
