/*
 * plugins/team/model_users.c - users (team.users, unique by lower-cased
 * email through team.users.by_email) and small shared helpers: text
 * checks, id <-> JSON, randomness, staff role names.
 *
 * Users are not owned by one account (a user can belong to several), so
 * they are read and written unscoped; every account-owned thing about
 * them lives in memberships (model_accounts.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "team.h"

static const char *const role_names[] = {"none", "admin", "agent", "account_manager", "editor"};

team_staff_role team_staff_role_parse(const char *s)
{
    for (int i = 0; s && i < 5; i++)
        if (strcmp(s, role_names[i]) == 0) return (team_staff_role)i;
    return TEAM_STAFF_NONE;
}

const char *team_staff_role_name(team_staff_role r)
{
    return (int)r >= 0 && (int)r < 5 ? role_names[r] : "none";
}

bool team_text_ok(const char *s, size_t max, bool allow_empty)
{
    if (!s) return allow_empty;
    size_t n = strlen(s);
    if (n == 0) return allow_empty;
    if (n > max) return false;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c < 0x20 || c == 0x7f) return false;
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n) return false;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xc0) != 0x80) return false;
        i += len;
    }
    return true;
}

char *team_email_norm(const char *email)
{
    if (!email) return NULL;
    while (*email == ' ' || *email == '\t') email++;
    size_t n = strlen(email);
    while (n > 0 && (email[n - 1] == ' ' || email[n - 1] == '\t')) n--;
    if (n == 0 || n > TEAM_EMAIL_MAX) return NULL;
    char *e = pt_xstrndup(email, n);
    for (char *p = e; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (!pt_mail_address_ok(e) || strchr(e, ' ') || strchr(e, '<') || strchr(e, '>') ||
        strchr(e, ',')) {
        free(e);
        return NULL;
    }
    return e;
}

json_t *team_id_json(uint64_t id)
{
    char s[PT_ID_STRLEN];
    return json_string(pt_id_to_str(id, s));
}

uint64_t team_id_of(const json_t *rec, const char *key) { return pt_rec_u64(rec, key, 0); }

int team_random(void *out, size_t n)
{
    /* pt_token_new gives 32 DRBG bytes as base64url; decode them back. */
    unsigned char *o = out;
    while (n > 0) {
        char t[44];
        if (pt_token_new(t) != 0) return PT_ERR;
        unsigned char raw[33];
        size_t r = 0;
        uint32_t acc = 0;
        int bits = 0;
        for (const char *p = t; *p && r < 32; p++) {
            int v = *p >= 'A' && *p <= 'Z'   ? *p - 'A'
                    : *p >= 'a' && *p <= 'z' ? *p - 'a' + 26
                    : *p >= '0' && *p <= '9' ? *p - '0' + 52
                    : *p == '-'              ? 62
                                             : 63;
            acc = (acc << 6) | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                raw[r++] = (unsigned char)(acc >> bits);
            }
        }
        size_t take = n < r ? n : r;
        memcpy(o, raw, take);
        o += take;
        n -= take;
    }
    return 0;
}

static void ukey(uint8_t k[8], uint64_t id) { pt_key_u64(k, id); }

int team_user_get(pt_txn *txn, uint64_t id, json_t **out)
{
    if (!id) return PT_ENOTFOUND;
    uint8_t k[8];
    ukey(k, id);
    return pt_record_get(txn, team_db("users"), k, 8, out);
}

static int email_key(pt_key *k, const char *norm)
{
    pt_key_init(k);
    return pt_key_add_str(k, norm);
}

int team_user_by_email(pt_txn *txn, const char *email, uint64_t *id, json_t **out)
{
    char *norm = team_email_norm(email);
    if (!norm) return PT_ENOTFOUND;
    pt_key k;
    int rc = email_key(&k, norm);
    free(norm);
    if (rc) return PT_ENOTFOUND;
    uint64_t ids[1];
    size_t n = 0;
    rc = pt_index_list(txn, team_db("users.by_email"), k.b, k.len, false, 0, ids, 1, &n);
    if (rc) return rc;
    if (n == 0) return PT_ENOTFOUND;
    if (id) *id = ids[0];
    if (out) return team_user_get(txn, ids[0], out);
    return 0;
}

int team_user_create(pt_txn *txn, const char *email, const char *name, const char *pw_hash,
                     bool verified, uint64_t *id_out)
{
    char *norm = team_email_norm(email);
    if (!norm) return PT_EINVAL;
    if (team_user_by_email(txn, norm, NULL, NULL) == 0) {
        free(norm);
        return PT_EEXIST;
    }
    uint64_t id = pt_id_new();
    json_t *u = json_pack("{s:i, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:[], s:s, "
                          "s:s, s:[], s:{s:{}, s:b}, s:I}",
                          "_v", 1, "id", json_integer((json_int_t)id), "email", norm, "name",
                          name ? name : "", "phone", "", "title", "", "tz", "UTC", "lang", "en",
                          "verified", verified, "totp", "", "totp_pending", "", "recovery",
                          "status", "active", "staff", "none", "staff_accounts", "notify", "off",
                          "digest", 1, "created", (json_int_t)pt_wall_ms());
    if (pw_hash) json_object_set_new(u, "pw", json_string(pw_hash));
    uint8_t k[8];
    ukey(k, id);
    int rc = pt_record_add(txn, team_db("users"), k, 8, u);
    json_decref(u);
    pt_key ek;
    if (rc == 0) rc = email_key(&ek, norm);
    if (rc == 0) rc = pt_index_put(txn, team_db("users.by_email"), ek.b, ek.len, id);
    free(norm);
    if (rc == 0 && id_out) *id_out = id;
    return rc;
}

void team_user_lang_from_browser(pt_req *req, json_t *u)
{
    const char *al = pt_req_header(req, "Accept-Language");
    if (al && *al) json_object_set_new(u, "lang", json_string(pt_i18n_negotiate(al)));
}

int team_user_put(pt_txn *txn, uint64_t id, const json_t *rec)
{
    uint8_t k[8];
    ukey(k, id);
    return pt_record_put(txn, team_db("users"), k, 8, rec);
}

bool team_user_active(const json_t *u)
{
    return strcmp(pt_rec_str(u, "status", "active"), "active") == 0;
}

json_t *team_user_public(const json_t *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", team_id_json(team_id_of(u, "id")));
    json_object_set_new(o, "email", json_string(pt_rec_str(u, "email", "")));
    json_object_set_new(o, "name", json_string(pt_rec_str(u, "name", "")));
    json_object_set_new(o, "phone", json_string(pt_rec_str(u, "phone", "")));
    json_object_set_new(o, "job_title", json_string(pt_rec_str(u, "title", "")));
    json_object_set_new(o, "timezone", json_string(pt_rec_str(u, "tz", "UTC")));
    json_object_set_new(o, "language", json_string(pt_rec_str(u, "lang", "en")));
    json_object_set_new(o, "email_verified", json_boolean(pt_rec_bool(u, "verified", false)));
    json_object_set_new(o, "two_factor", json_boolean(*pt_rec_str(u, "totp", "") != 0));
    json_object_set_new(o, "status", json_string(pt_rec_str(u, "status", "active")));
    json_object_set_new(o, "staff_role", json_string(pt_rec_str(u, "staff", "none")));
    return o;
}

void team_initials(const char *name, char out[8])
{
    size_t o = 0;
    bool start = true;
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p && o < 2; p++) {
        if (*p == ' ') {
            start = true;
            continue;
        }
        if (start && *p < 0x80) out[o++] = (char)toupper(*p);
        start = false;
    }
    out[o] = 0;
}
