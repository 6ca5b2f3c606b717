/*
 * core/mail/lua_backend.c - the outbox back end behind portico.mail and
 * portico.notify (pt_lua_set_outbox_backend).
 *
 * Scripts run on the worker's loop thread. A call writes into the write
 * transaction registered with pt_mail_lua_txn (filter hooks running inside
 * a handler's transaction: the mail then commits or rolls back with the
 * change, as DESIGN.md wants), otherwise into a short write transaction of
 * its own (action hooks run after the commit) and kicks the sender.
 *
 * Messages from Lua:
 *   mail   {to = "a@b.c" or {"a@b.c", ...} (<= 50), template = "team/x",
 *           data = {...}, lang = "de", kind = "...", reply_to = "..."}
 *   notify {user = id | account = id, permission = "x.view", kind, text
 *           (or key + args: a catalog message, pt_notify_msg),
 *           href}; ids as 13-character id strings or positive integers.
 * A message is all or nothing: every address is checked before anything
 * is written.
 */
#include <stdlib.h>
#include <string.h>

#include "mail/mail_internal.h"
#include "mail/mail_worker.h"
#include "portico/log.h"
#include "portico/lua.h"
#include "portico/notify.h"

#define MAX_RCPT 50

static pt_txn *ambient;

void pt_mail_lua_txn(pt_txn *txn) { ambient = txn; }

static int parse_id(const json_t *v, uint64_t *out)
{
    *out = 0;
    if (!v || json_is_null(v)) return PT_OK;
    if (json_is_integer(v)) {
        if (json_integer_value(v) <= 0) return PT_EINVAL;
        *out = (uint64_t)json_integer_value(v);
        return PT_OK;
    }
    if (json_is_string(v)) return pt_id_parse(json_string_value(v), out);
    return PT_EINVAL;
}

typedef int (*txn_fn)(pt_txn *txn, void *ud);

static int in_txn(txn_fn fn, void *ud)
{
    if (ambient) return fn(ambient, ud);
    int rc;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    rc = fn(txn, ud);
    if (rc == PT_OK) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc == PT_OK) pt_mail_kick();
    return rc;
}

/* ---- mail ---------------------------------------------------------------------- */

typedef struct mail_job {
    const char *script;
    const char *to[MAX_RCPT];
    size_t nto;
    pt_mail m;
} mail_job;

static int do_mail(pt_txn *txn, void *ud)
{
    mail_job *j = ud;
    for (size_t i = 0; i < j->nto; i++) {
        j->m.to = j->to[i];
        const char *why = NULL;
        int rc = pt_mail_enqueue(txn, &j->m, &why);
        if (rc != PT_OK) {
            pt_warn("lua %s: portico.mail: %s", j->script, why ? why : pt_strerror(rc));
            return rc;
        }
    }
    return PT_OK;
}

static const char *str_field(const json_t *msg, const char *key)
{
    const json_t *v = json_object_get(msg, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int lua_mail(void *ud, const char *script, const json_t *msg)
{
    (void)ud;
    mail_job j;
    memset(&j, 0, sizeof j);
    j.script = script ? script : "?";
    const json_t *to = json_object_get(msg, "to");
    if (json_is_string(to)) {
        j.to[j.nto++] = json_string_value(to);
    } else if (json_is_array(to) && json_array_size(to) > 0 && json_array_size(to) <= MAX_RCPT) {
        size_t i;
        const json_t *v;
        json_array_foreach(to, i, v) {
            if (!json_is_string(v)) return PT_EINVAL;
            j.to[j.nto++] = json_string_value(v);
        }
    } else {
        pt_warn("lua %s: portico.mail: 'to' must be an address or a list of 1..%d",
                j.script, MAX_RCPT);
        return PT_EINVAL;
    }
    for (size_t i = 0; i < j.nto; i++)
        if (!pt_mail_address_ok(j.to[i])) {
            pt_warn("lua %s: portico.mail: invalid recipient address", j.script);
            return PT_EINVAL;
        }
    j.m.template = str_field(msg, "template");
    j.m.data = json_object_get(msg, "data");
    j.m.lang = str_field(msg, "lang");
    j.m.reply_to = str_field(msg, "reply_to");
    j.m.kind = str_field(msg, "kind");
    if (!j.m.kind) j.m.kind = j.script;
    return in_txn(do_mail, &j);
}

/* ---- notify --------------------------------------------------------------------- */

typedef struct lua_note {
    pt_notification n;
    const char *key;     /* a catalog message, or NULL */
    const json_t *args;
} lua_note;

static int do_notify(pt_txn *txn, void *ud)
{
    lua_note *l = ud;
    return l->key ? pt_notify_msg(txn, &l->n, l->key, l->args) : pt_notify(txn, &l->n);
}

static int lua_notify(void *ud, const char *script, const json_t *msg)
{
    (void)ud;
    lua_note l;
    memset(&l, 0, sizeof l);
    if (parse_id(json_object_get(msg, "user"), &l.n.user) != PT_OK ||
        parse_id(json_object_get(msg, "account"), &l.n.account) != PT_OK) {
        pt_warn("lua %s: portico.notify: user/account must be an id", script ? script : "?");
        return PT_EINVAL;
    }
    l.n.kind = str_field(msg, "kind");
    l.n.permission = str_field(msg, "permission");
    l.n.text = str_field(msg, "text");
    l.n.href = str_field(msg, "href");
    l.key = str_field(msg, "key");    /* {key = "x.y", args = {...}}: in each reader's language */
    l.args = json_object_get(msg, "args");
    int rc = in_txn(do_notify, &l);
    if (rc != PT_OK)
        pt_warn("lua %s: portico.notify: %s", script ? script : "?", pt_store_last_error());
    return rc;
}

void pt_mail_lua_ops(pt_lua_outbox_ops *ops)
{
    *ops = (pt_lua_outbox_ops){.notify = lua_notify, .mail = lua_mail, .ud = NULL};
}

void pt_mail_install_lua_backend(void)
{
    pt_lua_outbox_ops ops;
    pt_mail_lua_ops(&ops);
    pt_lua_set_outbox_backend(&ops);
}
