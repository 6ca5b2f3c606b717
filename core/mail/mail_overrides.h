/*
 * core/mail/mail_overrides.h - admin-edited mail template parts.
 */
#ifndef PT_MAIL_OVERRIDES_H
#define PT_MAIL_OVERRIDES_H

#include <jansson.h>

#include "portico/store.h"

/* Declare core.mail_templates (before the store opens). */
void pt_mail_overrides_declare(void);
/* The override source of part ("team/mail/reset.txt") into *src (owned,
 * free()), or PT_ENOTFOUND. */
int pt_mail_override_get(pt_txn *txn, const char *part, char **src);
/* Store (src non-empty) or remove (src NULL or "") the override of part,
 * in a write transaction. by: the admin's user id. */
int pt_mail_override_put(pt_txn *txn, const char *part, const char *src, uint64_t by);
/* The context every mail part is rendered with: data plus site {name,
 * public_url}, lang and the message catalog t. New reference. */
json_t *pt_mail_context(const json_t *data, const char *lang);
/* Compile src and render it with ctx (no partials): *out owned. On a
 * syntax error PT_EINVAL and *err (owned) "name:line: ...". */
int pt_mail_render_source(const char *src, const char *name, json_t *ctx, char **out,
                          char **err);

#endif
