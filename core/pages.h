/*
 * core/pages.h - the core's own routes (/, /healthz, /admin) and the
 * template globals.
 */
#ifndef PT_PAGES_H
#define PT_PAGES_H

#include "http/server.h"

/* Add the core routes to r and install the template globals and the
 * page.render filter. 0 or a PT_E* code. */
int pt_pages_register(pt_router *r);
/* Tell /healthz about the running server and the worker count. */
void pt_pages_set_runtime(pt_server *s, int workers);

#endif
