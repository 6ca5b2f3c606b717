/*
 * core/mail/overrides.c - mail templates edited by portal admins. An
 * override of one part ("team/mail/reset.subject") is stored in
 * core.mail_templates and preferred over the template files when a mail
 * is rendered; deleting it brings the shipped template back. Overrides
 * are standalone Mustache (no partials); the HTML part is still wrapped
 * in the theme's mail layout.
 */
#include <string.h>

#include "mail/mail_internal.h"
#include "mail/mail_overrides.h"
#include "portico/mustache.h"
#include "portico/store.h"

#define DB "core.mail_templates"

void pt_mail_overrides_declare(void)
{
    pt_store_declare(DB, PT_DB_PLAIN, "core");
}

int pt_mail_override_get(pt_txn *txn, const char *part, char **src)
{
    *src = NULL;
    pt_db *db = pt_store_db(DB);
    if (!db || !txn) return PT_ENOTFOUND;
    json_t *rec = NULL;
    int rc = pt_record_get(txn, db, part, strlen(part), &rec);
    if (rc != 0) return rc;
    const char *s = pt_rec_str(rec, "src", NULL);
    if (s) *src = pt_xstrdup(s);
    json_decref(rec);
    return s ? 0 : PT_ENOTFOUND;
}

int pt_mail_override_put(pt_txn *txn, const char *part, const char *src, uint64_t by)
{
    pt_db *db = pt_store_db(DB);
    if (!db) return PT_EINVAL;
    if (!src || !*src) {
        int rc = pt_kv_del(txn, db, part, strlen(part), NULL, 0);
        return rc == PT_ENOTFOUND ? 0 : rc;
    }
    json_t *rec = json_pack("{s:i, s:s, s:I, s:I}", "_v", 1, "src", src, "by", (json_int_t)by,
                            "at", (json_int_t)pt_wall_ms());
    int rc = pt_record_put(txn, db, part, strlen(part), rec);
    json_decref(rec);
    return rc;
}

int pt_mail_render_source(const char *src, const char *name, json_t *ctx, char **out,
                          char **err)
{
    *out = NULL;
    pt_mustache *t = pt_mustache_compile(src, strlen(src), name, err);
    if (!t) return PT_EINVAL;
    pt_buf b = PT_BUF_INIT;
    int rc = pt_mustache_render(t, ctx, NULL, NULL, &b);
    pt_mustache_free(t);
    if (rc != 0) {
        pt_buf_free(&b);
        if (err) *err = pt_xasprintf("%s: the template could not be rendered", name);
        return rc;
    }
    *out = b.data ? pt_buf_steal(&b) : pt_xstrdup("");
    return 0;
}
