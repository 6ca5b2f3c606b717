/*
 * plugins/team/recovery.c - two-factor recovery codes: ten single-use
 * codes "xxxx-xxxx" (base32 lower case, 40 bits each), shown once when 2FA
 * is switched on and stored only as SHA-256 hex. A used code is removed.
 */
#include <ctype.h>
#include <string.h>

#include "team.h"

static const char ALPHA[] = "abcdefghjkmnpqrstuvwxyz23456789";

static void norm(const char *in, char *out, size_t max)
{
    size_t o = 0;
    for (; in && *in && o + 1 < max; in++) {
        if (*in == '-' || *in == ' ') continue;
        out[o++] = (char)tolower((unsigned char)*in);
    }
    out[o] = 0;
}

void team_recovery_new(json_t **plain, json_t **hashes)
{
    *plain = json_array();
    *hashes = json_array();
    for (int i = 0; i < TEAM_RECOVERY_CODES; i++) {
        unsigned char raw[8];
        team_random(raw, sizeof raw);
        char code[10], flat[9];
        size_t o = 0;
        for (int k = 0; k < 8; k++) {
            if (k == 4) code[o++] = '-';
            code[o++] = ALPHA[raw[k] % (sizeof ALPHA - 1)];
        }
        code[o] = 0;
        norm(code, flat, sizeof flat);
        char hex[65];
        pt_sha256_hex(flat, strlen(flat), hex);
        json_array_append_new(*plain, json_string(code));
        json_array_append_new(*hashes, json_string(hex));
    }
}

bool team_recovery_use(json_t *u, const char *code)
{
    char flat[32];
    norm(code, flat, sizeof flat);
    if (strlen(flat) != 8) return false;
    char hex[65];
    pt_sha256_hex(flat, strlen(flat), hex);
    json_t *list = json_object_get(u, "recovery");
    size_t i;
    json_t *h;
    json_array_foreach(list, i, h) {
        const char *s = json_string_value(h);
        if (s && strlen(s) == 64 && pt_ct_equal(s, hex, 64)) {
            json_array_remove(list, i);
            return true;
        }
    }
    return false;
}
