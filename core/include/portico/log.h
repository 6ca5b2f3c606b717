/*
 * portico/log.h - the error log (levels) and the access log.
 *
 * Lines go to stderr (or the configured file) prefixed with a UTC time,
 * the level and the worker pid. Anything that came from a user or could be
 * a secret must go through pt_log_str() or the %s arguments must already be
 * escaped: pt_log() itself escapes control characters and non-ASCII bytes
 * in the finished line, so a value can never forge a second log line.
 */
#ifndef PORTICO_LOG_H
#define PORTICO_LOG_H

#include "common.h"

typedef enum { PT_LOG_DEBUG = 0, PT_LOG_INFO, PT_LOG_WARN, PT_LOG_ERROR } pt_log_level;

void pt_log(pt_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define pt_debug(...) pt_log(PT_LOG_DEBUG, __VA_ARGS__)
#define pt_info(...) pt_log(PT_LOG_INFO, __VA_ARGS__)
#define pt_warn(...) pt_log(PT_LOG_WARN, __VA_ARGS__)
#define pt_error(...) pt_log(PT_LOG_ERROR, __VA_ARGS__)

/* Set the minimum level (default INFO) and the destination files.
 * path NULL or "-" means stderr / no access log. 0 or PT_EIO. */
void pt_log_set_level(pt_log_level lvl);
int pt_log_parse_level(const char *name, pt_log_level *out);
int pt_log_open(const char *error_path, const char *access_path);
/* Reopen both files (after rotation, on SIGHUP). */
void pt_log_reopen(void);

/* One access-log line in combined format. Every field is escaped. */
void pt_log_access(const char *remote, const char *method, const char *target,
                   int status, size_t bytes, const char *referer, const char *ua,
                   uint64_t usec);

#endif
