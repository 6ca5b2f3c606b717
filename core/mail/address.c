/*
 * core/mail/address.c - email address checks and the small parsers mail
 * needs (the From setting, the host of public_url for Message-IDs).
 *
 * pt_mail_address_ok is deliberately a plausibility check, not RFC 5321:
 * its job is to make header and SMTP-command injection impossible (no
 * control characters, no spaces, no <>, one @) while accepting every
 * address a real person types. Quoted local parts are refused: nobody
 * signs up with them and they are where injection tricks live. Only
 * ASCII is accepted: the message stays 7-bit (no SMTPUTF8 needed from the
 * relay); an internationalised domain must be given in its xn-- form.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail_internal.h"

bool pt_mail_address_ok(const char *s)
{
    if (!s) return false;
    size_t n = strlen(s);
    if (n < 3 || n > 254) return false;
    const char *at = NULL;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f) return false; /* CR, LF, space, controls, 8-bit */
        if (strchr("<>()[]\\,;:\"", c)) return false;
        if (c == '@') {
            if (at) return false;
            at = p;
        }
    }
    if (!at || at == s || (size_t)(at - s) > 64) return false;
    const char *dom = at + 1;
    const char *dot = strchr(dom, '.');
    if (!dot || dot == dom || dom[strlen(dom) - 1] == '.' || strstr(dom, "..")) return false;
    if (s[0] == '.' || at[-1] == '.' || strstr(s, "..")) return false;
    return true;
}

static char *trim_dup(const char *a, const char *b)
{
    while (a < b && isspace((unsigned char)*a)) a++;
    while (b > a && isspace((unsigned char)b[-1])) b--;
    if (b - a >= 2 && *a == '"' && b[-1] == '"') {
        a++;
        b--;
    }
    return pt_xstrndup(a, (size_t)(b - a));
}

int pt_mail_parse_from(const char *from, char **name, char **addr)
{
    if (!from) return PT_EINVAL;
    if (strchr(from, '\r') || strchr(from, '\n')) return PT_EINVAL;
    const char *lt = strrchr(from, '<');
    char *n, *a;
    if (lt) {
        const char *gt = strchr(lt, '>');
        if (!gt) return PT_EINVAL;
        for (const char *p = gt + 1; *p; p++) /* trailing blanks only */
            if (!isspace((unsigned char)*p)) return PT_EINVAL;
        a = pt_xstrndup(lt + 1, (size_t)(gt - lt - 1));
        n = trim_dup(from, lt);
    } else {
        a = trim_dup(from, from + strlen(from));
        n = pt_xstrdup("");
    }
    if (!pt_mail_address_ok(a)) {
        free(a);
        free(n);
        return PT_EINVAL;
    }
    *name = n;
    *addr = a;
    return PT_OK;
}

char *pt_mail_url_host(const char *url)
{
    if (!url) return pt_xstrdup("localhost");
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *end = p + strcspn(p, "/?#");
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at) p = at + 1;
    const char *hend;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(end - p));
        hend = rb ? rb + 1 : end;
    } else {
        hend = memchr(p, ':', (size_t)(end - p));
        if (!hend) hend = end;
    }
    if (hend == p) return pt_xstrdup("localhost");
    for (const char *q = p; q < hend; q++)
        if (!isalnum((unsigned char)*q) && !strchr(".-[]:", *q)) return pt_xstrdup("localhost");
    return pt_xstrndup(p, (size_t)(hend - p));
}
