/*
 * core/admin_outbox.h - the admin console's view of undelivered mail.
 */
#ifndef PT_ADMIN_OUTBOX_H
#define PT_ADMIN_OUTBOX_H

#include "http/server.h"

/* Failed and dead outbox messages, newest first (caller owns). */
json_t *pt_admin_outbox_problems(void);
/* Add /api/v1/admin/outbox, .../:id/retry and /admin/outbox/:id/retry. */
int pt_admin_outbox_register(pt_router *r);

#endif
