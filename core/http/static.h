/*
 * core/http/static.h - serving static files (theme assets, plugin assets,
 * vendored front-end packages) from mounted folders.
 */
#ifndef PT_HTTP_STATIC_H
#define PT_HTTP_STATIC_H

#include "portico/http.h"

/* Mount dir under the URL prefix (which starts and ends with '/', e.g.
 * "/static/theme/"). Several dirs may share a prefix: the first mounted
 * that has the file wins. Strings are copied. */
int pt_static_mount(const char *prefix, const char *dir, const char *owner);
/* Remove every mount of owner (plugin rollback, theme reload). */
void pt_static_unmount_owner(const char *owner);
/* Serve the request if its path is under a mount. Returns 0 when it
 * answered (200/206/304/404/416...), PT_ENOTFOUND when no mount matches. */
int pt_static_serve(pt_req *req);
/* Drop the in-memory file cache (on reload). */
void pt_static_cache_clear(void);
/* Validate a relative path: no "..", no empty or hidden segments, no
 * backslash or NUL. True when safe. Exposed for tests. */
bool pt_static_path_ok(const char *rel);
/* MIME type for a file name ("text/css; charset=utf-8"...). Static. */
const char *pt_static_mime(const char *name);

#endif
