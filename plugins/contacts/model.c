/*
 * plugins/contacts/model.c - contact records per (account, role): read,
 * list, check and store, the page/API view, and the exported
 * "contacts.directory" API (quotes mails the account manager through it).
 */
#include <ctype.h>
#include <string.h>

#include "contacts.h"

const char *const con_roles[] = {CONTACTS_ROLE_AM, CONTACTS_ROLE_CSM, CONTACTS_ROLE_SE,
                                 CONTACTS_ROLE_TAM, NULL};

static pt_db *people(void) { return pt_store_db("contacts.people"); }

bool con_role_ok(const char *role)
{
    for (size_t i = 0; role && con_roles[i]; i++)
        if (!strcmp(role, con_roles[i])) return true;
    return false;
}

static void key_of(pt_key *k, uint64_t account, const char *role)
{
    pt_key_init(k);
    pt_key_add_u64(k, account);
    pt_key_add_str(k, role);
}

int con_get(pt_txn *txn, uint64_t account, const char *role, json_t **out)
{
    if (!account || !con_role_ok(role)) return PT_ENOTFOUND;
    pt_key k;
    key_of(&k, account, role);
    return pt_record_get_scoped(txn, people(), k.b, k.len, account, out);
}

json_t *con_list(pt_txn *txn, uint64_t account)
{
    json_t *out = json_array();
    for (size_t i = 0; con_roles[i]; i++) {
        json_t *c = NULL;
        if (con_get(txn, account, con_roles[i], &c) == 0) json_array_append_new(out, c);
    }
    return out;
}

static bool phone_ok(const char *s)
{
    if (strlen(s) > 40) return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && !strchr(" +()-./", *s)) return false;
    return true;
}

static bool tz_ok(const char *s)
{
    if (strlen(s) > 64) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_/+-:", *s)) return false;
    return true;
}

static bool photo_ok(const char *s)
{
    if (!*s) return true;
    if (strlen(s) > 500 || !con_text_ok(s, 500, false) || strpbrk(s, " \"'<>")) return false;
    return !strncmp(s, "https://", 8) || (s[0] == '/' && s[1] != '/');
}

int con_set(pt_txn *txn, uint64_t account, const char *role, const json_t *obj, const char *by,
            const char **field, const char **why)
{
#define FAIL(f, w) do { *field = f; *why = w; return PT_EINVAL; } while (0)
    if (!con_role_ok(role)) FAIL("role", "err.role");
    const char *name = pt_rec_str(obj, "name", ""), *email = pt_rec_str(obj, "email", "");
    const char *phone = pt_rec_str(obj, "phone", ""), *photo = pt_rec_str(obj, "photo", "");
    const char *tz = pt_rec_str(obj, "tz", "");
    pt_key k;
    key_of(&k, account, role);
    if (!*name) {
        int rc = pt_record_del_scoped(txn, people(), k.b, k.len, account);
        return rc == PT_ENOTFOUND ? 0 : rc;
    }
    if (!con_text_ok(name, 120, false)) FAIL("name", "err.name");
    if (!pt_mail_address_ok(email)) FAIL("email", "err.email");
    if (!phone_ok(phone)) FAIL("phone", "err.phone");
    if (!photo_ok(photo)) FAIL("photo", "err.photo");
    if (!tz_ok(tz)) FAIL("tz", "err.tz");
#undef FAIL
    json_t *rec = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "_v", 1, "role", role,
                            "name", name, "email", email, "phone", phone, "photo", photo, "tz",
                            *tz ? tz : "UTC", "updated", (json_int_t)pt_wall_ms(), "updated_by",
                            by ? by : "");
    int rc = pt_record_put_scoped(txn, people(), k.b, k.len, account, rec);
    json_decref(rec);
    return rc;
}

json_t *con_view(const json_t *c, pt_req *req)
{
    json_t *v = json_object();
    static const char *const keys[] = {"role", "name", "email", "phone", "photo", "tz", NULL};
    for (size_t i = 0; keys[i]; i++) json_object_set_new(v, keys[i], json_string(pt_rec_str(c, keys[i], "")));
    if (req) {
        char k[64];
        snprintf(k, sizeof k, "role.%s", pt_rec_str(c, "role", ""));
        json_object_set_new(v, "role_label", json_string(con_t(req, k)));
        const char *name = pt_rec_str(c, "name", "");
        char ini[8] = "";
        size_t n = 0;
        for (const char *p = name; *p && n < 2; p++)
            if ((p == name || p[-1] == ' ') && isalpha((unsigned char)*p)) ini[n++] = (char)toupper((unsigned char)*p);
        ini[n] = 0;
        json_object_set_new(v, "initials", json_string(ini));
        const char *photo = pt_rec_str(c, "photo", "");
        json_object_set_new(v, "photo_local", json_boolean(photo[0] == '/'));
    }
    return v;
}

static int api_get(pt_txn *txn, uint64_t account, const char *role, json_t **out)
{
    json_t *c = NULL;
    int rc = con_get(txn, account, role, &c);
    if (rc) return rc;
    *out = con_view(c, NULL);
    json_decref(c);
    return 0;
}

const pt_contacts_directory_api con_directory_api = {.get = api_get};

uint64_t con_account_by_name(pt_txn *txn, const char *name)
{
    pt_db *db = pt_store_db("team.accounts");
    if (!db || !name) return 0;
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db, &rc);
    uint64_t id = 0;
    pt_kv kv;
    for (rc = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND; rc == 0 && !id; rc = pt_cursor_next(c, &kv)) {
        json_t *a = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &a, NULL) != 0) continue;
        if (strcmp(pt_rec_str(a, "name", ""), name) == 0) id = pt_rec_u64(a, "id", 0);
        json_decref(a);
    }
    if (c) pt_cursor_close(c);
    return id;
}
