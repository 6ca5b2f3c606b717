/*
 * core/log.c - the error log and the access log (see portico/log.h).
 * Every finished line is escaped: control characters, quotes in access
 * fields and bytes >= 0x80 become \xNN, so user input can never forge a
 * line or smuggle terminal escapes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "portico/log.h"

static pt_log_level min_level = PT_LOG_INFO;
static FILE *err_fp;
static FILE *acc_fp;
static char *err_path;
static char *acc_path;

static const char *lvl_name[] = {"debug", "info", "warn", "error"};

void pt_log_set_level(pt_log_level lvl)
{
    min_level = lvl;
}

int pt_log_parse_level(const char *name, pt_log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, lvl_name[i]) == 0) {
            *out = (pt_log_level)i;
            return 0;
        }
    return PT_EINVAL;
}

static FILE *open_one(const char *path)
{
    if (!path || !*path || strcmp(path, "-") == 0) return NULL;
    FILE *f = fopen(path, "a");
    if (f) setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

int pt_log_open(const char *error_path, const char *access_path)
{
    free(err_path);
    free(acc_path);
    err_path = error_path ? pt_xstrdup(error_path) : NULL;
    acc_path = access_path ? pt_xstrdup(access_path) : NULL;
    pt_log_reopen();
    if ((err_path && *err_path && strcmp(err_path, "-") && !err_fp) ||
        (acc_path && *acc_path && strcmp(acc_path, "-") && !acc_fp))
        return PT_EIO;
    return 0;
}

void pt_log_reopen(void)
{
    if (err_fp) fclose(err_fp);
    if (acc_fp) fclose(acc_fp);
    err_fp = open_one(err_path);
    acc_fp = open_one(acc_path);
}

/* Escape into out (size n): control chars and non-ASCII as \xNN. */
static void escape_into(pt_buf *out, const char *s, bool quote)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\' || (quote && *p == '"')) {
            char e[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
            pt_buf_append(out, e, 4);
        } else {
            pt_buf_putc(out, (char)*p);
        }
    }
}

static void stamp(char *ts, size_t n, const char *fmt)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, n, fmt, &tm);
}

void pt_log(pt_log_level lvl, const char *fmt, ...)
{
    if (lvl < min_level) return;
    int saved = errno;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char ts[32];
    stamp(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ");
    pt_buf line = PT_BUF_INIT;
    pt_buf_printf(&line, "%s [%s] [%d] ", ts, lvl_name[lvl], (int)getpid());
    escape_into(&line, msg, false);
    pt_buf_putc(&line, '\n');
    FILE *f = err_fp ? err_fp : stderr;
    fwrite(line.data, 1, line.len, f);
    fflush(f);
    pt_buf_free(&line);
    errno = saved;
}

void pt_log_access(const char *remote, const char *method, const char *target, int status,
                   size_t bytes, const char *referer, const char *ua, uint64_t usec)
{
    if (!acc_fp) return;
    char ts[40];
    stamp(ts, sizeof ts, "%d/%b/%Y:%H:%M:%S +0000");
    pt_buf line = PT_BUF_INIT;
    escape_into(&line, remote ? remote : "-", true);
    pt_buf_printf(&line, " - - [%s] \"", ts);
    escape_into(&line, method ? method : "-", true);
    pt_buf_putc(&line, ' ');
    escape_into(&line, target ? target : "-", true);
    pt_buf_printf(&line, " HTTP/1.1\" %d %zu \"", status, bytes);
    escape_into(&line, referer ? referer : "-", true);
    pt_buf_puts(&line, "\" \"");
    escape_into(&line, ua ? ua : "-", true);
    pt_buf_printf(&line, "\" %llu\n", (unsigned long long)usec);
    fwrite(line.data, 1, line.len, acc_fp);
    pt_buf_free(&line);
}
