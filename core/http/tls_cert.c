/*
 * core/http/tls_cert.c - the self-signed certificate used when none is
 * configured: ECDSA P-256 key, CN=localhost with subjectAltName
 * DNS:localhost and IP:127.0.0.1, valid 10 years, written with mbedTLS to
 * data_dir/tls/cert.pem and key.pem (key mode 0600, written to a temporary
 * file and renamed), and reused on the next start when both exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "http/http_internal.h"

static int write_file(const char *path, const unsigned char *data, size_t len, mode_t mode,
                      char **err)
{
    char *tmp = pt_xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) goto fail;
    if (fchmod(fd, mode) != 0) goto fail_fd;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            goto fail_fd;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    if (rename(tmp, path) != 0) goto fail;
    free(tmp);
    return 0;
fail_fd:
    close(fd);
fail:
    *err = pt_xasprintf("cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return PT_EIO;
}

static int mkdir_p(const char *dir, char **err)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST) return 0;
    *err = pt_xasprintf("cannot create %s: %s", dir, strerror(errno));
    return PT_EIO;
}

/* subjectAltName: SEQUENCE { [2] "localhost", [7] 127.0.0.1 } */
static int san_ext(unsigned char *buf, size_t size, unsigned char **start, size_t *len)
{
    unsigned char *p = buf + size;
    static const unsigned char ip[4] = {127, 0, 0, 1};
    int l = 0, r;
#define W(x) do { if ((r = (x)) < 0) return r; l += r; } while (0)
    W(mbedtls_asn1_write_raw_buffer(&p, buf, ip, 4));
    W(mbedtls_asn1_write_len(&p, buf, 4));
    W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7));
    W(mbedtls_asn1_write_raw_buffer(&p, buf, (const unsigned char *)"localhost", 9));
    W(mbedtls_asn1_write_len(&p, buf, 9));
    W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2));
    W(mbedtls_asn1_write_len(&p, buf, (size_t)l));
    W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
#undef W
    *start = p;
    *len = (size_t)l;
    return 0;
}

static int generate(const char *cert_path, const char *key_path, mbedtls_ctr_drbg_context *drbg,
                    char **err)
{
    mbedtls_pk_context key;
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;
    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&serial);
    unsigned char *pem = pt_xcalloc(1, 8192);
    int rc = PT_ERR;
    const char *step = "key generation";
    int r;
    if ((r = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) != 0) goto out;
    if ((r = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
                                 mbedtls_ctr_drbg_random, drbg)) != 0)
        goto out;
    step = "certificate";
    unsigned char sbytes[16];
    if ((r = mbedtls_ctr_drbg_random(drbg, sbytes, sizeof sbytes)) != 0) goto out;
    sbytes[0] &= 0x7f;
    sbytes[0] |= 0x01;
    if ((r = mbedtls_mpi_read_binary(&serial, sbytes, sizeof sbytes)) != 0) goto out;
    time_t now = time(NULL) - 86400;
    struct tm tm;
    gmtime_r(&now, &tm);
    char nb[16], na[16];
    strftime(nb, sizeof nb, "%Y%m%d%H%M%S", &tm);
    tm.tm_year += 10;
    strftime(na, sizeof na, "%Y%m%d%H%M%S", &tm);
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &key);
    if ((r = mbedtls_x509write_crt_set_subject_name(&crt, "CN=localhost")) != 0) goto out;
    if ((r = mbedtls_x509write_crt_set_issuer_name(&crt, "CN=localhost")) != 0) goto out;
    if ((r = mbedtls_x509write_crt_set_serial(&crt, &serial)) != 0) goto out;
    if ((r = mbedtls_x509write_crt_set_validity(&crt, nb, na)) != 0) goto out;
    if ((r = mbedtls_x509write_crt_set_basic_constraints(&crt, 0, -1)) != 0) goto out;
    if ((r = mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) != 0)
        goto out;
    if ((r = mbedtls_x509write_crt_set_subject_key_identifier(&crt)) != 0) goto out;
    unsigned char sanbuf[64], *san;
    size_t sanlen;
    if ((r = san_ext(sanbuf, sizeof sanbuf, &san, &sanlen)) != 0) goto out;
    if ((r = mbedtls_x509write_crt_set_extension(
             &crt, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
             san, sanlen)) != 0)
        goto out;
    if ((r = mbedtls_x509write_crt_pem(&crt, pem, 8192, mbedtls_ctr_drbg_random, drbg)) != 0)
        goto out;
    step = NULL;
    /* key first: a cert without its key is useless, the other way round we
     * just make a new pair next time */
    unsigned char *kpem = pt_xcalloc(1, 4096);
    if ((r = mbedtls_pk_write_key_pem(&key, kpem, 4096)) != 0) {
        step = "key encoding";
        free(kpem);
        goto out;
    }
    rc = write_file(key_path, kpem, strlen((char *)kpem), 0600, err);
    mbedtls_platform_zeroize(kpem, 4096);
    free(kpem);
    if (rc == 0) rc = write_file(cert_path, pem, strlen((char *)pem), 0644, err);
out:
    if (step) *err = pt_xasprintf("self-signed certificate: %s failed (-0x%04x)", step, (unsigned)-r);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&key);
    free(pem);
    return step ? PT_ERR : rc;
}

int pt_tls_cert_make(const char *dir, void *drbg, char **cert_path, char **key_path, char **err)
{
    if (mkdir_p(dir, err) != 0) return PT_EIO;
    char *tdir = pt_xasprintf("%s/tls", dir);
    int rc = mkdir_p(tdir, err);
    char *cp = pt_xasprintf("%s/cert.pem", tdir);
    char *kp = pt_xasprintf("%s/key.pem", tdir);
    free(tdir);
    if (rc == 0 && (access(cp, R_OK) != 0 || access(kp, R_OK) != 0)) {
        rc = generate(cp, kp, drbg, err);
        if (rc == 0) pt_info("created a self-signed certificate in %s", cp);
    }
    if (rc != 0) {
        free(cp);
        free(kp);
        return rc;
    }
    *cert_path = cp;
    *key_path = kp;
    return 0;
}
