/*
 * core/admin_mail_templates.h - admin editing of mail templates.
 */
#ifndef PT_ADMIN_MAIL_TEMPLATES_H
#define PT_ADMIN_MAIL_TEMPLATES_H

#include "http/server.h"

/* Add the /admin/mail-templates pages and API routes to r. */
int pt_admin_mail_templates_register(pt_router *r);

#endif
