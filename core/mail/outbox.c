/*
 * core/mail/outbox.c - the durable outbox: config keys, rendering a mail
 * into the caller's write transaction (pt_mail_enqueue), and the state
 * machine the sender drives: claim (with a lease), mark sent / failed /
 * dead, backoff, purge, plus the admin list and retry.
 *
 * Record layout and statuses: see mail_internal.h. Times are wall-clock
 * milliseconds (they must mean the same thing after a restart and in every
 * worker). Claims happen in a write transaction, and LMDB has one writer
 * at a time across all processes, so two workers can never claim the same
 * message; the lease (60 s) bounds how long a crashed worker's claim
 * blocks a message. A claim bumps "attempts", so a message whose delivery
 * kills the worker still ends up dead after mail.max_attempts.
 *
 * The subject and the text part are rendered with the same Mustache
 * templates as pages, so {{x}} HTML-escapes; those parts are plain text,
 * so the five entities Mustache writes are decoded again afterwards
 * (pt_mail_html_unescape). The html part is left escaped, as it must be.
 */
#include <stdlib.h>
#include <string.h>

#include "mail/mail_internal.h"
#include "mail/mail_overrides.h"
#include "mail/mail_worker.h"
#include "portico/config.h"
#include "portico/i18n.h"
#include "portico/log.h"
#include "portico/template.h"
#include "settings.h"

#define OUTBOX_DB "core.outbox"
#define BY_DUE_DB "core.outbox.by_due"
#define SUBJECT_MAX 900
#define MESSAGE_MAX (2u << 20) /* rendered text + html */
#define SCAN_MAX 200           /* index entries looked at per claim */

static const char DEFAULT_FROM[] = "Portico <portico@localhost.localdomain>";

/* ---- settings --------------------------------------------------------------- */

static pt_mail_conf *override;

void pt_mail_declare(void)
{
    static const struct {
        const char *path;
        pt_config_type type;
        const char *s;
        long long i;
        const char *doc;
    } keys[] = {
        {"mail.smtp_url", PT_CONFIG_STRING, "", 0,
         "SMTP relay: smtp://host:587 (STARTTLS per mail.starttls) or smtps://host:465; "
         "empty = mail disabled (messages stay queued)"},
        {"mail.starttls", PT_CONFIG_STRING, "try", 0,
         "off, try or require: STARTTLS on smtp:// URLs (use require for a remote relay)"},
        {"mail.username", PT_CONFIG_STRING, "", 0, "SMTP AUTH user; empty = no AUTH"},
        {"mail.password", PT_CONFIG_STRING, "", 0, "SMTP AUTH password (never logged)"},
        {"mail.from", PT_CONFIG_STRING, DEFAULT_FROM, 0, "From: of every mail"},
        {"mail.tls_verify", PT_CONFIG_BOOL, NULL, 1, "verify the relay's TLS certificate"},
        {"mail.max_attempts", PT_CONFIG_INT, NULL, 6,
         "delivery attempts before a message is dead (backoff 30s, 2m, 10m, 1h, 6h)"},
        {"mail.poll_ms", PT_CONFIG_INT, NULL, 1000, "how often each worker looks for due mail"},
        {"mail.keep_sent_days", PT_CONFIG_INT, NULL, 7,
         "days sent messages stay in the outbox; 0 = delete when sent"},
        {"mail.batch", PT_CONFIG_INT, NULL, 10, "messages a worker claims at once"},
    };
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        json_t *d = keys[k].type == PT_CONFIG_STRING ? json_string(keys[k].s)
                    : keys[k].type == PT_CONFIG_BOOL ? json_boolean(keys[k].i)
                                                     : json_integer(keys[k].i);
        pt_config_declare(keys[k].path, keys[k].type, d, keys[k].doc, "core");
    }
    pt_mail_declare_dbs();
}

void pt_mail_declare_dbs(void)
{
    pt_store_declare(OUTBOX_DB, PT_DB_PLAIN, "core");
    pt_store_declare(BY_DUE_DB, PT_DB_INDEX, "core");
}

static char *dup_or(const char *s, const char *dflt) { return pt_xstrdup(s ? s : dflt); }

static int clamp(long long v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : (int)v;
}

static void load_from(const pt_mail_conf *o, pt_mail_conf *c)
{
    c->smtp_url = dup_or(o->smtp_url, "");
    c->starttls = dup_or(o->starttls, "try");
    c->username = dup_or(o->username, "");
    c->password = dup_or(o->password, "");
    c->from = dup_or(o->from, DEFAULT_FROM);
    c->tls_verify = o->tls_verify;
    c->max_attempts = clamp(o->max_attempts ? o->max_attempts : 6, 1, 100);
    c->poll_ms = clamp(o->poll_ms ? o->poll_ms : 1000, 50, 3600000);
    c->keep_sent_days = clamp(o->keep_sent_days, 0, 3650);
    c->batch = clamp(o->batch ? o->batch : 10, 1, 100);
    c->site_name = dup_or(o->site_name, "Portico");
    c->public_url = dup_or(o->public_url, "https://127.0.0.1:8443");
    c->default_lang = dup_or(o->default_lang, "en");
}

void pt_mail_conf_load(pt_mail_conf *c)
{
    if (override) {
        load_from(override, c);
        return;
    }
    const pt_config *cfg = pt_settings();
    if (!cfg) { /* no config installed (tools, tests): the defaults */
        pt_mail_conf d;
        memset(&d, 0, sizeof d);
        d.tls_verify = true;
        d.keep_sent_days = 7;
        load_from(&d, c);
        return;
    }
    c->smtp_url = pt_xstrdup(pt_config_str(cfg, "mail.smtp_url", ""));
    c->starttls = pt_xstrdup(pt_config_str(cfg, "mail.starttls", "try"));
    c->username = pt_xstrdup(pt_config_str(cfg, "mail.username", ""));
    c->password = pt_xstrdup(pt_config_str(cfg, "mail.password", ""));
    c->from = pt_xstrdup(pt_config_str(cfg, "mail.from", DEFAULT_FROM));
    c->tls_verify = pt_config_bool(cfg, "mail.tls_verify", true);
    c->max_attempts = clamp(pt_config_int(cfg, "mail.max_attempts", 6), 1, 100);
    c->poll_ms = clamp(pt_config_int(cfg, "mail.poll_ms", 1000), 50, 3600000);
    c->keep_sent_days = clamp(pt_config_int(cfg, "mail.keep_sent_days", 7), 0, 3650);
    c->batch = clamp(pt_config_int(cfg, "mail.batch", 10), 1, 100);
    c->site_name = pt_xstrdup(pt_config_str(cfg, "portal.name", "Portico"));
    c->public_url = pt_xstrdup(pt_config_str(cfg, "public_url", "https://127.0.0.1:8443"));
    c->default_lang = pt_xstrdup(pt_config_str(cfg, "portal.default_language", "en"));
}

void pt_mail_conf_free(pt_mail_conf *c)
{
    if (!c) return;
    free(c->smtp_url);
    free(c->starttls);
    free(c->username);
    if (c->password) { /* do not leave the secret lying in freed memory */
        memset(c->password, 0, strlen(c->password));
        free(c->password);
    }
    free(c->from);
    free(c->site_name);
    free(c->public_url);
    free(c->default_lang);
    memset(c, 0, sizeof *c);
}

void pt_mail_conf_override(const pt_mail_conf *c)
{
    if (override) {
        pt_mail_conf_free(override);
        free(override);
        override = NULL;
    }
    if (!c) return;
    pt_mail_conf *o = pt_xcalloc(1, sizeof *o);
    load_from(c, o);
    override = o;
}

/* ---- helpers --------------------------------------------------------------------- */

static pt_db *outbox_db(void) { return pt_store_db(OUTBOX_DB); }
static pt_db *due_db(void) { return pt_store_db(BY_DUE_DB); }

static int index_put(pt_txn *txn, uint64_t due, uint64_t id)
{
    uint8_t k[8];
    pt_key_u64(k, due);
    return pt_index_put(txn, due_db(), k, 8, id);
}

static void index_del(pt_txn *txn, uint64_t due, uint64_t id)
{
    uint8_t k[8];
    pt_key_u64(k, due);
    pt_index_del(txn, due_db(), k, 8, id); /* absent is fine */
}

static int rec_put(pt_txn *txn, uint64_t id, const json_t *rec)
{
    uint8_t k[8];
    pt_key_u64(k, id);
    return pt_record_put(txn, outbox_db(), k, 8, rec);
}

static bool indexed(const char *status)
{
    return strcmp(status, "queued") == 0 || strcmp(status, "failed") == 0 ||
           strcmp(status, "sending") == 0 || strcmp(status, "sent") == 0;
}

uint64_t pt_mail_backoff_ms(int attempts)
{
    static const uint64_t steps[] = {30000, 120000, 600000, 3600000, 21600000};
    if (attempts < 1) attempts = 1;
    size_t i = (size_t)attempts - 1;
    if (i >= sizeof steps / sizeof steps[0]) i = sizeof steps / sizeof steps[0] - 1;
    return steps[i];
}

/* Collapse a rendered subject to one trimmed line, at most SUBJECT_MAX
 * bytes, never cutting a UTF-8 sequence. In place. */
static void one_line(char *s)
{
    char *w = s;
    bool blank = true; /* drop leading blanks */
    for (char *r = s; *r; r++) {
        char c = *r;
        if (c == '\r' || c == '\n' || c == '\t') c = ' ';
        if ((unsigned char)c < 0x20 || c == 0x7f) continue;
        if (c == ' ' && blank) continue;
        blank = c == ' ';
        *w++ = c;
    }
    while (w > s && w[-1] == ' ') w--;
    *w = 0;
    size_t n = (size_t)(w - s);
    if (n > SUBJECT_MAX) {
        n = SUBJECT_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--;
        s[n] = 0;
    }
}

static bool template_name_ok(const char *t)
{
    if (!t || !*t || strlen(t) > 150 || t[0] == '/' || strstr(t, "..") || !strchr(t, '/'))
        return false;
    for (const char *p = t; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("/_-", *p)))
            return false;
    return true;
}

/* Render name (tpl + suffix) with ctx into a new string. PT_ENOTFOUND when
 * the template does not exist. */
static int render_part(pt_txn *txn, const char *tpl, const char *suffix, json_t *ctx,
                       char **out)
{
    char *name = pt_xasprintf("%s%s", tpl, suffix);
    char *src = NULL;
    if (txn && pt_mail_override_get(txn, name, &src) == 0) {
        /* A portal admin edited this part: their version wins. */
        char *err = NULL;
        int orc = pt_mail_render_source(src, name, ctx, out, &err);
        if (orc != 0) pt_warn("mail: edited template %s failed: %s", name, err ? err : "?");
        free(err);
        free(src);
        free(name);
        return orc;
    }
    pt_buf b = PT_BUF_INIT;
    int rc = pt_render_to_buf(name, ctx, &b);
    free(name);
    if (rc != PT_OK) {
        pt_buf_free(&b);
        return rc;
    }
    *out = b.data ? pt_buf_steal(&b) : pt_xstrdup("");
    return PT_OK;
}

/* ---- enqueue ----------------------------------------------------------------- */

int pt_mail_store(pt_txn *txn, const pt_mail_rendered *r, uint64_t *id_out)
{
    if (!txn || !r || !r->text || !pt_mail_address_ok(r->to) ||
        (r->reply_to && *r->reply_to && !pt_mail_address_ok(r->reply_to)))
        return PT_EINVAL;
    if (!outbox_db() || !due_db()) return PT_EINVAL;
    pt_mail_conf conf;
    pt_mail_conf_load(&conf);
    char *host = pt_mail_url_host(conf.public_url);
    pt_mail_conf_free(&conf);

    uint64_t id = pt_id_new(), now = pt_wall_ms();
    char ids[PT_ID_STRLEN];
    pt_id_to_str(id, ids);
    char *msgid = pt_xasprintf("<%s.portico@%s>", ids, host);
    free(host);
    json_t *rec = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:I}", "_v", 1, "to",
                            r->to, "subject", r->subject ? r->subject : "", "text", r->text,
                            "msgid", msgid, "created", (json_int_t)now, "status", "queued",
                            "attempts", 0, "due", (json_int_t)now);
    free(msgid);
    if (r->reply_to && *r->reply_to) json_object_set_new(rec, "reply_to", json_string(r->reply_to));
    if (r->kind && *r->kind) json_object_set_new(rec, "kind", json_string(r->kind));
    if (r->template_name) json_object_set_new(rec, "template", json_string(r->template_name));
    if (r->html && *r->html) json_object_set_new(rec, "html", json_string(r->html));

    uint8_t k[8];
    pt_key_u64(k, id);
    int rc = pt_record_add(txn, outbox_db(), k, 8, rec);
    json_decref(rec);
    if (rc == PT_OK) rc = index_put(txn, now, id);
    if (rc == PT_OK && id_out) *id_out = id;
    return rc;
}

json_t *pt_mail_context(const json_t *data, const char *want_lang)
{
    pt_mail_conf conf;
    pt_mail_conf_load(&conf);
    const char *lang = want_lang && *want_lang ? want_lang : conf.default_lang;
    if (!pt_i18n_has_lang(lang)) lang = conf.default_lang;
    json_t *ctx = json_object();
    json_object_set_new(ctx, "site", json_pack("{s:s, s:s}", "name", conf.site_name,
                                               "public_url", conf.public_url));
    json_object_set_new(ctx, "lang", json_string(lang));
    json_object_set_new(ctx, "t", pt_i18n_catalog(lang));
    if (json_is_object(data)) json_object_update(ctx, (json_t *)data);
    pt_mail_conf_free(&conf);
    return ctx;
}

int pt_mail_enqueue(pt_txn *txn, const pt_mail *m, const char **why)
{
    const char *dummy;
    if (!why) why = &dummy;
    *why = NULL;
    if (!txn || !m) {
        *why = "no transaction or message";
        return PT_EINVAL;
    }
    if (!pt_txn_is_write(txn)) {
        *why = "mail must be enqueued in a write transaction";
        return PT_EPERM;
    }
    if (!pt_mail_address_ok(m->to)) {
        *why = "invalid recipient address";
        return PT_EINVAL;
    }
    if (m->reply_to && *m->reply_to && !pt_mail_address_ok(m->reply_to)) {
        *why = "invalid reply-to address";
        return PT_EINVAL;
    }
    if (!template_name_ok(m->template)) {
        *why = "invalid mail template name";
        return PT_EINVAL;
    }

    json_t *ctx = pt_mail_context(m->data, m->lang);

    char *subject = NULL, *text = NULL, *html = NULL;
    int rc = render_part(txn, m->template, ".subject", ctx, &subject);
    if (rc == PT_OK) rc = render_part(txn, m->template, ".txt", ctx, &text);
    if (rc != PT_OK) {
        *why = rc == PT_ENOTFOUND ? "no such mail template (.subject and .txt are required)"
                                  : "mail template failed to render";
        goto out;
    }
    pt_mail_html_unescape(subject);
    one_line(subject);
    pt_mail_html_unescape(text);

    char *hname = pt_xasprintf("%s.html", m->template);
    char *hsrc = NULL;
    bool has_html = pt_template_exists(hname) || pt_mail_override_get(txn, hname, &hsrc) == 0;
    free(hsrc);
    free(hname);
    if (has_html) {
        char *body = NULL;
        if ((rc = render_part(txn, m->template, ".html", ctx, &body)) != PT_OK) {
            *why = "mail template failed to render";
            goto out;
        }
        json_t *lctx = json_deep_copy(ctx);
        json_object_set_new(lctx, "content", json_string(body));
        json_object_set_new(lctx, "subject", json_string(subject));
        rc = render_part(NULL, "mail/layout", ".html", lctx, &html);
        json_decref(lctx);
        if (rc == PT_ENOTFOUND) { /* no layout in any theme: the part alone */
            pt_debug("mail: no mail/layout.html template; html part sent unwrapped");
            html = body;
            body = NULL;
            rc = PT_OK;
        }
        free(body);
        if (rc != PT_OK) {
            *why = "mail layout failed to render";
            goto out;
        }
    }
    if (strlen(text) + (html ? strlen(html) : 0) > MESSAGE_MAX) {
        *why = "rendered mail is too large";
        rc = PT_ETOOBIG;
        goto out;
    }
    pt_mail_rendered r = {.to = m->to,
                          .reply_to = m->reply_to,
                          .kind = m->kind,
                          .template_name = m->template,
                          .subject = subject,
                          .text = text,
                          .html = html};
    rc = pt_mail_store(txn, &r, NULL);
    if (rc != PT_OK) *why = "could not write the outbox";
    /* Wake the sender: it runs in a later loop turn, after the caller's
     * synchronous handler committed (or aborted: then it finds nothing). */
    else pt_mail_kick();
out:
    json_decref(ctx);
    free(subject);
    free(text);
    free(html);
    return rc;
}

/* ---- claim -------------------------------------------------------------------- */

typedef struct due_ent {
    uint64_t due, id;
} due_ent;

static int build_job(const json_t *rec, uint64_t id, const pt_mail_conf *conf, pt_mail_job *j)
{
    pt_mail_parts p = {.from = conf->from,
                       .to = pt_rec_str(rec, "to", ""),
                       .reply_to = pt_rec_str(rec, "reply_to", NULL),
                       .subject = pt_rec_str(rec, "subject", ""),
                       .text = pt_rec_str(rec, "text", ""),
                       .html = pt_rec_str(rec, "html", NULL),
                       .message_id = pt_rec_str(rec, "msgid", NULL),
                       .date_ms = pt_rec_u64(rec, "created", pt_wall_ms())};
    pt_buf b = PT_BUF_INIT;
    if (pt_mail_build(&p, id, &b) != PT_OK) return PT_EINVAL;
    j->id = id;
    j->to = pt_xstrdup(p.to);
    j->len = b.len;
    j->msg = pt_buf_steal(&b);
    return PT_OK;
}

int pt_mail_claim(uint64_t now, size_t max, uint64_t lease_ms, const pt_mail_conf *conf,
                  pt_mail_job **jobs_out, size_t *n_out)
{
    *jobs_out = NULL;
    *n_out = 0;
    int rc;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    pt_cursor *c = pt_cursor_open(txn, due_db(), &rc);
    if (!c) {
        pt_txn_abort(txn);
        return rc;
    }
    due_ent ents[SCAN_MAX];
    size_t ne = 0;
    pt_kv kv;
    for (rc = pt_cursor_first(c, &kv); rc == PT_OK && ne < SCAN_MAX; rc = pt_cursor_next(c, &kv)) {
        if (kv.klen != 8 || kv.vlen != 8) continue;
        uint64_t due = pt_key_read_u64(kv.key);
        if (due > now) break;
        ents[ne++] = (due_ent){due, pt_key_read_u64(kv.val)};
    }
    pt_cursor_close(c);
    if (rc != PT_OK && rc != PT_ENOTFOUND) {
        pt_txn_abort(txn);
        return rc;
    }

    pt_mail_job *jobs = pt_xcalloc(max ? max : 1, sizeof *jobs);
    size_t nj = 0;
    rc = PT_OK;
    for (size_t i = 0; i < ne && rc == PT_OK; i++) {
        uint64_t id = ents[i].id;
        uint8_t k[8];
        pt_key_u64(k, id);
        json_t *rec = NULL;
        int g = pt_record_get(txn, outbox_db(), k, 8, &rec);
        if (g == PT_ENOTFOUND) {
            index_del(txn, ents[i].due, id);
            continue;
        }
        if (g != PT_OK) { /* undecodable: leave it for the admin, unindex */
            pt_warn("mail: outbox record %016llx unreadable: %s", (unsigned long long)id,
                    pt_store_last_error());
            index_del(txn, ents[i].due, id);
            continue;
        }
        const char *st = pt_rec_str(rec, "status", "");
        uint64_t rdue = pt_rec_u64(rec, "due", 0);
        if (!indexed(st) || rdue != ents[i].due) { /* stale index entry */
            index_del(txn, ents[i].due, id);
            if (indexed(st)) rc = index_put(txn, rdue, id);
            json_decref(rec);
            continue;
        }
        if (strcmp(st, "sent") == 0) { /* kept long enough */
            index_del(txn, rdue, id);
            rc = pt_record_del(txn, outbox_db(), k, 8);
            json_decref(rec);
            continue;
        }
        if (nj >= max) {
            json_decref(rec);
            continue;
        }
        int attempts = (int)pt_rec_int(rec, "attempts", 0);
        index_del(txn, rdue, id);
        if (attempts >= conf->max_attempts) {
            /* Only when a claim's lease ran out (its worker died or hung)
             * on the last attempt, or max_attempts was lowered. */
            json_object_set_new(rec, "status", json_string("dead"));
            if (strcmp(st, "sending") == 0)
                json_object_set_new(rec, "error",
                                    json_string("the worker sending it stopped (lease expired)"));
            else if (!json_is_string(json_object_get(rec, "error")))
                json_object_set_new(rec, "error", json_string("no attempts left"));
            json_object_set_new(rec, "due", json_integer(0));
            json_object_del(rec, "token");
            rc = rec_put(txn, id, rec);
            pt_warn("mail: message %016llx dead after %d attempts", (unsigned long long)id,
                    attempts);
            json_decref(rec);
            continue;
        }
        pt_mail_job *j = &jobs[nj];
        if (build_job(rec, id, conf, j) != PT_OK) {
            json_object_set_new(rec, "status", json_string("dead"));
            json_object_set_new(rec, "error", json_string("stored message is malformed"));
            json_object_set_new(rec, "due", json_integer(0));
            rc = rec_put(txn, id, rec);
            json_decref(rec);
            continue;
        }
        j->token = pt_id_new();
        j->lease_until = now + lease_ms;
        json_object_set_new(rec, "status", json_string("sending"));
        json_object_set_new(rec, "attempts", json_integer(attempts + 1));
        json_object_set_new(rec, "due", json_integer((json_int_t)j->lease_until));
        pt_rec_set_u64(rec, "token", j->token);
        rc = rec_put(txn, id, rec);
        if (rc == PT_OK) rc = index_put(txn, j->lease_until, id);
        json_decref(rec);
        nj++;
    }
    if (rc == PT_OK) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc != PT_OK) {
        pt_mail_jobs_free(jobs, nj);
        return rc;
    }
    if (nj == 0) {
        free(jobs);
        jobs = NULL;
    }
    *jobs_out = jobs;
    *n_out = nj;
    return PT_OK;
}

void pt_mail_jobs_free(pt_mail_job *jobs, size_t n)
{
    if (!jobs) return;
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].to);
        free(jobs[i].msg);
        free(jobs[i].error);
    }
    free(jobs);
}

/* ---- mark ----------------------------------------------------------------------- */

int pt_mail_mark(pt_mail_job *jobs, size_t n, uint64_t now, const pt_mail_conf *conf)
{
    if (n == 0) return PT_OK;
    int rc;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    rc = PT_OK;
    for (size_t i = 0; i < n && rc == PT_OK; i++) {
        pt_mail_job *j = &jobs[i];
        uint8_t k[8];
        pt_key_u64(k, j->id);
        json_t *rec = NULL;
        if (pt_record_get(txn, outbox_db(), k, 8, &rec) != PT_OK) continue;
        if (strcmp(pt_rec_str(rec, "status", ""), "sending") != 0 ||
            pt_rec_u64(rec, "token", 0) != j->token) {
            pt_debug("mail: message %016llx was claimed again meanwhile; result ignored",
                     (unsigned long long)j->id);
            json_decref(rec);
            continue;
        }
        index_del(txn, pt_rec_u64(rec, "due", 0), j->id);
        json_object_del(rec, "token");
        int attempts = (int)pt_rec_int(rec, "attempts", 1);
        const char *to = pt_rec_str(rec, "to", "");
        uint64_t due = 0;
        if (j->rc == PT_OK) {
            if (conf->keep_sent_days == 0) {
                rc = pt_record_del(txn, outbox_db(), k, 8);
                pt_info("mail: sent %016llx to %s", (unsigned long long)j->id, to);
                json_decref(rec);
                continue;
            }
            json_object_set_new(rec, "status", json_string("sent"));
            json_object_set_new(rec, "sent_at", json_integer((json_int_t)now));
            json_object_del(rec, "error");
            due = now + (uint64_t)conf->keep_sent_days * 86400000u;
            pt_info("mail: sent %016llx to %s", (unsigned long long)j->id, to);
        } else if (j->rc == PT_ENOTFOUND) { /* not attempted: as if never claimed */
            json_object_set_new(rec, "status", json_string(attempts > 1 ? "failed" : "queued"));
            json_object_set_new(rec, "attempts", json_integer(attempts > 0 ? attempts - 1 : 0));
            due = now;
        } else {
            const char *err = j->error ? j->error : "delivery failed";
            json_object_set_new(rec, "error", json_string(err));
            if (j->rc == PT_EINVAL || attempts >= conf->max_attempts) {
                json_object_set_new(rec, "status", json_string("dead"));
                pt_warn("mail: giving up on %016llx to %s after %d attempt%s: %s",
                        (unsigned long long)j->id, to, attempts, attempts == 1 ? "" : "s", err);
            } else {
                json_object_set_new(rec, "status", json_string("failed"));
                due = now + pt_mail_backoff_ms(attempts);
                pt_warn("mail: attempt %d for %016llx to %s failed (retry in %llus): %s",
                        attempts, (unsigned long long)j->id, to,
                        (unsigned long long)(pt_mail_backoff_ms(attempts) / 1000), err);
            }
        }
        json_object_set_new(rec, "due", json_integer((json_int_t)due));
        rc = rec_put(txn, j->id, rec);
        if (rc == PT_OK && due) rc = index_put(txn, due, j->id);
        json_decref(rec);
    }
    if (rc == PT_OK) return pt_txn_commit(txn);
    pt_txn_abort(txn);
    return rc;
}

/* ---- admin -------------------------------------------------------------------- */

int pt_mail_get(uint64_t id, json_t **out)
{
    int rc;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return rc;
    uint8_t k[8];
    pt_key_u64(k, id);
    rc = pt_record_get(txn, outbox_db(), k, 8, out);
    pt_txn_abort(txn);
    return rc;
}

static bool status_ok(const char *s)
{
    return indexed(s) || strcmp(s, "dead") == 0;
}

int pt_mail_outbox_list(const char *status, size_t limit, json_t **out)
{
    *out = NULL;
    if (status && *status && !status_ok(status)) return PT_EINVAL;
    if (limit == 0) limit = 100;
    int rc;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return rc;
    pt_cursor *c = pt_cursor_open(txn, outbox_db(), &rc);
    if (!c) {
        pt_txn_abort(txn);
        return rc;
    }
    json_t *arr = json_array();
    pt_kv kv;
    for (rc = pt_cursor_last(c, &kv); rc == PT_OK && json_array_size(arr) < limit;
         rc = pt_cursor_prev(c, &kv)) {
        if (kv.klen != 8) continue;
        json_t *rec = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &rec, NULL) != PT_OK) continue;
        const char *st = pt_rec_str(rec, "status", "");
        if (status && *status && strcmp(st, status) != 0) {
            json_decref(rec);
            continue;
        }
        char ids[PT_ID_STRLEN];
        uint64_t id = pt_key_read_u64(kv.key);
        bool waiting = strcmp(st, "queued") == 0 || strcmp(st, "failed") == 0 ||
                       strcmp(st, "sending") == 0;
        json_t *row = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:I}", "id", pt_id_to_str(id, ids), "to",
            pt_rec_str(rec, "to", ""), "subject", pt_rec_str(rec, "subject", ""), "status", st,
            "kind", pt_rec_str(rec, "kind", ""), "attempts", (json_int_t)pt_rec_int(rec, "attempts", 0));
        json_object_set_new(row, "template", json_string(pt_rec_str(rec, "template", "")));
        json_object_set_new(row, "created", json_integer(pt_rec_int(rec, "created", 0)));
        json_object_set_new(row, "due", waiting ? json_integer(pt_rec_int(rec, "due", 0))
                                                : json_null());
        json_t *sa = json_object_get(rec, "sent_at");
        json_object_set(row, "sent_at", json_is_integer(sa) ? sa : json_null());
        const char *e = pt_rec_str(rec, "error", NULL);
        json_object_set_new(row, "error", e ? json_string(e) : json_null());
        json_array_append_new(arr, row);
        json_decref(rec);
    }
    pt_txn_abort(txn);
    if (rc != PT_OK && rc != PT_ENOTFOUND) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return PT_OK;
}

int pt_mail_retry(uint64_t id)
{
    int rc;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    uint8_t k[8];
    pt_key_u64(k, id);
    json_t *rec = NULL;
    rc = pt_record_get(txn, outbox_db(), k, 8, &rec);
    if (rc == PT_OK) {
        const char *st = pt_rec_str(rec, "status", "");
        if (strcmp(st, "failed") != 0 && strcmp(st, "dead") != 0 && strcmp(st, "queued") != 0) {
            rc = PT_EINVAL;
        } else {
            uint64_t now = pt_wall_ms();
            index_del(txn, pt_rec_u64(rec, "due", 0), id);
            json_object_set_new(rec, "status", json_string("queued"));
            json_object_set_new(rec, "attempts", json_integer(0));
            json_object_set_new(rec, "due", json_integer((json_int_t)now));
            rc = rec_put(txn, id, rec);
            if (rc == PT_OK) rc = index_put(txn, now, id);
        }
        json_decref(rec);
    }
    if (rc == PT_OK) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc == PT_OK) pt_mail_kick();
    return rc;
}
