/*
 * plugins/team/totp.c - time-based one-time passwords (RFC 6238 over RFC
 * 4226 HOTP): HMAC-SHA-1 (mbedTLS md), 30-second steps, 6 digits, one step
 * of clock drift either way. Secrets are 20 random bytes as RFC 4648
 * base32 without padding (what authenticator apps expect).
 */
#include <mbedtls/md.h>
#include <string.h>

#include "team.h"

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int team_totp_secret(char out[33])
{
    unsigned char raw[20];
    if (team_random(raw, sizeof raw) != 0) return PT_ERR;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < sizeof raw; i++) {
        acc = (acc << 8) | raw[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = B32[(acc >> bits) & 31];
        }
    }
    out[o] = 0;
    return 0;
}

static int b32_decode(const char *s, unsigned char *out, size_t max)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (; *s; s++) {
        char c = *s;
        if (c == '=' || c == ' ') continue;
        if (c >= 'a' && c <= 'z') c = (char)(c - 32);
        const char *p = strchr(B32, c);
        if (!p || !c) return -1;
        acc = (acc << 5) | (uint32_t)(p - B32);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (o >= max) return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (int)o;
}

int team_totp_code(const char *secret_b32, uint64_t step, char out[7])
{
    unsigned char key[64];
    int klen = b32_decode(secret_b32, key, sizeof key);
    if (klen <= 0) return PT_EINVAL;
    unsigned char msg[8], mac[20];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (unsigned char)(step & 0xff);
        step >>= 8;
    }
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    if (!md || mbedtls_md_hmac(md, key, (size_t)klen, msg, 8, mac) != 0) return PT_ERR;
    int off = mac[19] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    snprintf(out, 7, "%06u", bin % 1000000u);
    return 0;
}

bool team_totp_check(const char *secret_b32, const char *code, uint64_t now_s)
{
    return team_totp_match(secret_b32, code, now_s, 0, NULL);
}

bool team_totp_match(const char *secret_b32, const char *code, uint64_t now_s, int64_t last,
                     int64_t *step_out)
{
    if (!secret_b32 || !*secret_b32 || !code) return false;
    char digits[8];
    size_t n = 0;
    for (const char *p = code; *p && n < 7; p++) {
        if (*p == ' ' || *p == '-') continue;
        if (*p < '0' || *p > '9') return false;
        digits[n++] = *p;
    }
    digits[n] = 0;
    if (n != 6) return false;
    uint64_t step = now_s / 30;
    bool ok = false;
    for (int d = -1; d <= 1; d++) {
        char c[7];
        uint64_t s = step + (uint64_t)d;
        if ((int64_t)s <= last) continue;
        if (team_totp_code(secret_b32, s, c) == 0 && pt_ct_equal(c, digits, 6) && !ok) {
            ok = true;
            if (step_out) *step_out = (int64_t)s;
        }
    }
    return ok;
}
