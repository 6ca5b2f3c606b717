/*
 * core/http/tls.c - the TLS configuration shared by every connection and
 * the per-connection glue: mbedTLS driven over the non-blocking fd with a
 * read-ahead BIO (one recv fills a 16 KiB staging buffer, mbedTLS's small
 * header/body reads are served from it), TLS 1.2+, ECDSA AEAD suites with
 * ChaCha20-Poly1305 first, curves X25519 and P-256, ALPN http/1.1, no
 * renegotiation, session tickets (ticket keys made here, before fork, so
 * every worker inherits the same ones). Owns the process CTR_DRBG behind
 * pt_random (reseeded per worker after fork).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include "http/http_internal.h"
#include "http/pool.h"

struct pt_tls {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    mbedtls_ssl_config conf;
    mbedtls_ssl_ticket_context ticket;
};

static pt_tls *g_tls;

static const int suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    0,
};
static const mbedtls_ecp_group_id curves[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_NONE,
};
static const char *alpn[] = {"http/1.1", NULL};

static char *tls_err(const char *what, int rc)
{
    char buf[160];
    mbedtls_strerror(rc, buf, sizeof buf);
    return pt_xasprintf("%s: %s (-0x%04x)", what, buf, (unsigned)-rc);
}

pt_tls *pt_tls_new(const char *cert_path, const char *key_path, const char *data_dir,
                   char **fingerprint, char **err)
{
    pt_tls *t = pt_xcalloc(1, sizeof *t);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_x509_crt_init(&t->cert);
    mbedtls_pk_init(&t->key);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_ssl_ticket_init(&t->ticket);
    char *cp = NULL, *kp = NULL;
    int rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                                   (const unsigned char *)"portico", 7);
    if (rc) {
        *err = tls_err("cannot seed the random generator", rc);
        goto fail;
    }
    g_tls = t;
    if (!cert_path && !key_path) {
        if (!data_dir) {
            *err = pt_xstrdup("no certificate configured and no data_dir to create one in");
            goto fail;
        }
        if (pt_tls_cert_make(data_dir, &t->drbg, &cp, &kp, err) != 0) goto fail;
        cert_path = cp;
        key_path = kp;
    } else if (!cert_path || !key_path) {
        *err = pt_xstrdup("tls: set both the certificate and the key, or neither");
        goto fail;
    }
    if ((rc = mbedtls_x509_crt_parse_file(&t->cert, cert_path)) != 0) {
        *err = tls_err(cert_path, rc);
        goto fail;
    }
    if ((rc = mbedtls_pk_parse_keyfile(&t->key, key_path, NULL)) != 0) {
        *err = tls_err(key_path, rc);
        goto fail;
    }
    if ((rc = mbedtls_pk_check_pair(&t->cert.pk, &t->key)) != 0) {
        *err = pt_xasprintf("%s does not belong to %s", key_path, cert_path);
        goto fail;
    }
    if (!mbedtls_pk_can_do(&t->key, MBEDTLS_PK_ECDSA)) {
        *err = pt_xasprintf("%s: an ECDSA key is required (the cipher suites are ECDSA only)",
                            key_path);
        goto fail;
    }
    mbedtls_ssl_config *c = &t->conf;
    if ((rc = mbedtls_ssl_config_defaults(c, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        *err = tls_err("tls config", rc);
        goto fail;
    }
    mbedtls_ssl_conf_rng(c, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_min_version(c, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(c, suites);
    mbedtls_ssl_conf_curves(c, curves);
    if ((rc = mbedtls_ssl_conf_alpn_protocols(c, alpn)) != 0) {
        *err = tls_err("tls alpn", rc);
        goto fail;
    }
#ifdef MBEDTLS_SSL_RENEGOTIATION
    mbedtls_ssl_conf_renegotiation(c, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
    if ((rc = mbedtls_ssl_conf_own_cert(c, &t->cert, &t->key)) != 0) {
        *err = tls_err("tls certificate", rc);
        goto fail;
    }
    if ((rc = mbedtls_ssl_ticket_setup(&t->ticket, mbedtls_ctr_drbg_random, &t->drbg,
                                       MBEDTLS_CIPHER_AES_256_GCM, 86400)) != 0) {
        *err = tls_err("tls session tickets", rc);
        goto fail;
    }
    mbedtls_ssl_conf_session_tickets_cb(c, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse,
                                        &t->ticket);
    if (fingerprint) {
        unsigned char h[32];
        mbedtls_sha256_ret(t->cert.raw.p, t->cert.raw.len, h, 0);
        char *f = pt_xmalloc(32 * 3);
        for (int i = 0; i < 32; i++) snprintf(f + i * 3, 4, "%02X%s", h[i], i < 31 ? ":" : "");
        *fingerprint = f;
    }
    free(cp);
    free(kp);
    return t;
fail:
    free(cp);
    free(kp);
    pt_tls_free(t);
    return NULL;
}

void pt_tls_after_fork(pt_tls *t)
{
    struct {
        pid_t pid;
        struct timespec ts;
        uint64_t mono;
    } add;
    memset(&add, 0, sizeof add);
    add.pid = getpid();
    clock_gettime(CLOCK_REALTIME, &add.ts);
    add.mono = pt_now_us();
    int rc = mbedtls_ctr_drbg_reseed(&t->drbg, (const unsigned char *)&add, sizeof add);
    if (rc) {
        pt_error("CTR_DRBG reseed after fork failed (-0x%04x); refusing to go on", (unsigned)-rc);
        abort();
    }
    g_tls = t;
}

void pt_tls_free(pt_tls *t)
{
    if (!t) return;
    mbedtls_ssl_ticket_free(&t->ticket);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_pk_free(&t->key);
    mbedtls_x509_crt_free(&t->cert);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    if (g_tls == t) g_tls = NULL;
    free(t);
}

int pt_random(void *buf, size_t len)
{
    if (!g_tls) return PT_ERR;
    unsigned char *p = buf;
    while (len) {
        size_t n = len > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : len;
        if (mbedtls_ctr_drbg_random(&g_tls->drbg, p, n) != 0) return PT_ERR;
        p += n;
        len -= n;
    }
    return 0;
}

/* ---- per-connection BIO -------------------------------------------------- */
static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    pt_conn *c = ctx;
    if (c->stage_pos == c->stage_len) {
        c->stage_pos = c->stage_len = 0;
        /* A short read emptied the socket: with level-triggered readiness
         * the next event says when more arrives, so skip the recv that
         * would only answer EAGAIN. */
        if (c->drained) return MBEDTLS_ERR_SSL_WANT_READ;
        if (len < PT_STAGE && !c->stage) c->stage = pt_pool_get();
        unsigned char *dst = len >= PT_STAGE ? buf : (unsigned char *)c->stage;
        size_t want = len >= PT_STAGE ? len : PT_STAGE;
        ssize_t r = recv(c->fd, dst, want, 0);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return MBEDTLS_ERR_SSL_WANT_READ;
            if (errno == ECONNRESET || errno == EPIPE) return MBEDTLS_ERR_NET_CONN_RESET;
            return MBEDTLS_ERR_NET_RECV_FAILED;
        }
        if (r == 0) return 0;
        if ((size_t)r < want) c->drained = true;
        if (dst == buf) return (int)r;
        c->stage_len = (size_t)r;
    }
    size_t n = c->stage_len - c->stage_pos;
    if (n > len) n = len;
    memcpy(buf, c->stage + c->stage_pos, n);
    c->stage_pos += n;
    return (int)n;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    pt_conn *c = ctx;
    ssize_t r = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (r >= 0) return (int)r;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (errno == ECONNRESET || errno == EPIPE) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

int pt_tls_conn_setup(pt_tls *t, pt_conn *c)
{
    mbedtls_ssl_init(&c->ssl);
    int rc = mbedtls_ssl_setup(&c->ssl, &t->conf);
    if (rc != 0) {
        pt_error("TLS setup for %s failed: -0x%04x", c->remote, (unsigned)-rc);
        mbedtls_ssl_free(&c->ssl);
        return PT_ERR;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    return 0;
}
