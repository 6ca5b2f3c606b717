/*
 * core/mail/smtp.c - one message to one recipient over SMTP with libcurl
 * (smtp:// with optional or required STARTTLS, smtps:// implicit TLS,
 * AUTH when a user name is set). Blocking: runs on the sender thread only.
 *
 * The result is classified for the outbox: a 5xx answer to RCPT or DATA
 * is the server refusing this message for good (dead at once, like an
 * MTA would bounce it); everything else - 4xx, connection and TLS
 * failures, a refused login, a 5xx to MAIL FROM (our sender address is a
 * configuration matter, not the message's) - may work later.
 *
 * For the admin view we keep the server's last error line ("451 4.3.0
 * try later"), captured from libcurl's debug callback. Only data coming
 * FROM the server is looked at, so the AUTH exchange we send (the
 * password) never reaches a buffer, let alone the log.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mail/mail_internal.h"

typedef struct xfer {
    const char *p;
    size_t left;
    const atomic_int *abort_flag;
    char last[256]; /* the server's last 4xx/5xx line */
} xfer;

void pt_mail_smtp_global_init(void)
{
    static bool done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = true;
    }
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    size_t n = size * nitems;
    if (n > x->left) n = x->left;
    memcpy(buf, x->p, n);
    x->p += n;
    x->left -= n;
    return n;
}

static int progress_cb(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    xfer *x = ud;
    return x->abort_flag && atomic_load(x->abort_flag) ? 1 : 0;
}

static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *ud)
{
    (void)c;
    xfer *x = ud;
    if (type != CURLINFO_HEADER_IN || size < 3) return 0;
    if (data[0] != '4' && data[0] != '5') return 0;
    size_t n = 0;
    while (n < size && n < sizeof x->last - 1 && data[n] != '\r' && data[n] != '\n') {
        unsigned char ch = (unsigned char)data[n];
        x->last[n] = (ch < 0x20 || ch > 0x7e) ? '?' : (char)ch;
        n++;
    }
    x->last[n] = 0;
    return 0;
}

int pt_mail_smtp_send(const pt_smtp_opts *o, const char *from_addr, const char *to,
                      const char *msg, size_t len, char **err)
{
    if (err) *err = NULL;
    if (!o || !o->url || !*o->url || !pt_mail_address_ok(from_addr) || !pt_mail_address_ok(to)) {
        if (err) *err = pt_xstrdup("bad SMTP settings or address");
        return PT_EINVAL;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        if (err) *err = pt_xstrdup("curl_easy_init failed");
        return PT_EAGAIN;
    }
    xfer x = {.p = msg, .left = len, .abort_flag = o->abort_flag};
    char errbuf[CURL_ERROR_SIZE] = "";
    char *mfrom = pt_xasprintf("<%s>", from_addr);
    char *mto = pt_xasprintf("<%s>", to);
    struct curl_slist *rcpt = curl_slist_append(NULL, mto);

    long use_ssl = CURLUSESSL_TRY;
    if (o->starttls && strcmp(o->starttls, "off") == 0) use_ssl = CURLUSESSL_NONE;
    else if (o->starttls && strcmp(o->starttls, "require") == 0) use_ssl = CURLUSESSL_ALL;

    curl_easy_setopt(c, CURLOPT_URL, o->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mfrom);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &x);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
    if (o->username && *o->username) {
        curl_easy_setopt(c, CURLOPT_USERNAME, o->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, o->password ? o->password : "");
    }
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, o->tls_verify ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, o->tls_verify ? 2L : 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 45000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, &x);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L); /* feeds debug_cb; prints nothing */
    if (o->abort_flag) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }

    CURLcode res = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    int rc = PT_OK;
    if (res != CURLE_OK) {
        const char *what = errbuf[0] ? errbuf : curl_easy_strerror(res);
        bool stage_msg = strncmp(errbuf, "RCPT", 4) == 0 || strncmp(errbuf, "DATA", 4) == 0 ||
                         res == CURLE_WEIRD_SERVER_REPLY;
        if (res == CURLE_ABORTED_BY_CALLBACK && o->abort_flag && atomic_load(o->abort_flag))
            rc = PT_ENOTFOUND;
        else if (code >= 500 && code < 600 && stage_msg && res != CURLE_LOGIN_DENIED)
            rc = PT_EINVAL;
        else
            rc = PT_EAGAIN;
        if (err) {
            if (x.last[0] && (code >= 400 || res == CURLE_WEIRD_SERVER_REPLY))
                *err = pt_xasprintf("%s (%s)", x.last, what);
            else
                *err = pt_xstrdup(what);
            /* one line for the admin view */
            for (char *p = *err; *p; p++)
                if ((unsigned char)*p < 0x20) *p = ' ';
        }
    }
    curl_slist_free_all(rcpt);
    free(mfrom);
    free(mto);
    curl_easy_cleanup(c);
    return rc;
}
