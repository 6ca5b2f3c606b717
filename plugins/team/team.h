/*
 * plugins/team/team.h - the team plugin's internal model API (identity:
 * accounts, users, memberships, groups, tokens, emailed links, audit).
 *
 * Every file of the plugin includes this header; part 2 (invitations,
 * self sign-up, team management pages) builds on the same functions.
 *
 * Conventions:
 *  - Model functions take the caller's transaction (read or write) and
 *    return 0 or a negative PT_E* code; records come back as owned json_t
 *    (json_decref). Nothing here begins or commits a transaction unless
 *    its comment says so.
 *  - Ids are pt_id_new() values; in records they are JSON integers, in
 *    URLs and JSON APIs their pt_id_to_str() text form.
 *  - Account-owned records (memberships, groups) carry "account" and are
 *    read and written with the pt_record_*_scoped calls.
 *
 * Databases (all declared in team.c):
 *   team.users              id -> user
 *   team.users.by_email     lower-cased email -> user id (unique)
 *   team.accounts           id -> account
 *   team.members            (account, user) -> membership (scoped)
 *   team.members.by_user    user -> account ids
 *   team.groups             (account, group id) -> group (scoped)
 *   team.tokens             id -> API token {user, account, hash, ...}
 *   team.tokens.by_hash     sha256 hex -> token id
 *   team.tokens.by_user     user -> token ids
 *   team.links              sha256 hex of an emailed link token -> link
 *   team.throttle           "ip:..." / "email:..." -> failure counters
 *   team.pending            sha256 hex -> half-done sign-in (2FA step)
 *   team.audit              time id -> entry;  team.audit.by_account
 */
#ifndef TEAM_H
#define TEAM_H

#include <jansson.h>

#include <portico/auth.h>
#include <portico/config.h>
#include <portico/events.h>
#include <portico/http.h>
#include <portico/i18n.h>
#include <portico/log.h>
#include <portico/mail.h>
#include <portico/notify.h>
#include <portico/plugin.h>
#include <portico/store.h>
#include <portico/template.h>

/* ---- limits ---------------------------------------------------------------- */
#define TEAM_NAME_MAX 120
#define TEAM_EMAIL_MAX 254
#define TEAM_PHONE_MAX 40
#define TEAM_TITLE_MAX 120
#define TEAM_TZ_MAX 64
#define TEAM_PASSWORD_MIN 10
#define TEAM_PASSWORD_MAX 256
#define TEAM_RECOVERY_CODES 10

/* ---- staff roles ------------------------------------------------------------ */
typedef enum {
    TEAM_STAFF_NONE = 0,
    TEAM_STAFF_ADMIN,
    TEAM_STAFF_AGENT,
    TEAM_STAFF_ACCOUNT_MANAGER,
    TEAM_STAFF_EDITOR,
} team_staff_role;

team_staff_role team_staff_role_parse(const char *s);
const char *team_staff_role_name(team_staff_role r);

/* ---- team.c: host and settings ---------------------------------------------- */
pt_host *team_host(void);
long long team_cfg_int(const char *key, long long dflt);
pt_db *team_db(const char *thing); /* "users" -> team.users */

/* ---- util (model_users.c) ----------------------------------------------------- */
/* Lower-case copy of an email, trimmed (malloc'd) or NULL if not plausible. */
char *team_email_norm(const char *email);
/* Text checks: length in bytes, no control characters, valid UTF-8. */
bool team_text_ok(const char *s, size_t max, bool allow_empty);
/* Id <-> text with json helpers. */
json_t *team_id_json(uint64_t id); /* new JSON string */
uint64_t team_id_of(const json_t *rec, const char *key);
/* Random bytes from the core's DRBG (through pt_token_new). 0 or PT_ERR. */
int team_random(void *out, size_t n);

/* ---- users (model_users.c) ---------------------------------------------------- */
/* user record keys: id, email, name, phone, title, tz, lang, pw, verified,
 * totp, totp_pending, recovery[], status ("active"|"deactivated"), staff,
 * staff_accounts[], notify {off:{kind:true}, digest}, created. */
int team_user_get(pt_txn *txn, uint64_t id, json_t **out);
int team_user_by_email(pt_txn *txn, const char *email, uint64_t *id, json_t **out);
/* Create a user (write txn). email must be new (PT_EEXIST). pw_hash may be
 * NULL (no password yet). *id gets the new id. */
/* A record of an account-scoped team database keyed (account, id):
 * get answers PT_ENOTFOUND for a zero id or another account's record. */
int team_scoped_get(pt_txn *txn, const char *db, uint64_t account, uint64_t id, json_t **out);
int team_scoped_put(pt_txn *txn, const char *db, uint64_t account, uint64_t id, json_t *rec);
int team_user_create(pt_txn *txn, const char *email, const char *name, const char *pw_hash,
                     bool verified, uint64_t *id);
int team_user_put(pt_txn *txn, uint64_t id, const json_t *rec);
/* A new user's profile language from the browser that signs them up
 * (Accept-Language against the loaded catalogs); left alone without the
 * header. Mails and digests use it until the user picks one. */
void team_user_lang_from_browser(pt_req *req, json_t *u);
bool team_user_active(const json_t *u);
/* Public view of a user for the JSON API (no secrets). New object. */
json_t *team_user_public(const json_t *u);
/* Initials "AL" from a name. Writes into out[8]. */
void team_initials(const char *name, char out[8]);

/* ---- accounts (model_accounts.c) -------------------------------------------- */
int team_account_get(pt_txn *txn, uint64_t id, json_t **out);
/* Create an account with its preset groups (write txn). */
int team_account_create(pt_txn *txn, const char *name, uint64_t *id);
int team_account_put(pt_txn *txn, uint64_t id, const json_t *rec);
/* Every account (id order) as a new array of records. */
json_t *team_account_list(pt_txn *txn);

/* ---- memberships (model_accounts.c) ---------------------------------------- */
/* membership keys: account, user, groups [ids], status ("Active"|"Pending"|
 * "Deactivated"), last_active (ms or 0), customer_admin. */
int team_member_get(pt_txn *txn, uint64_t account, uint64_t user, json_t **out);
int team_member_put(pt_txn *txn, uint64_t account, uint64_t user, json_t *rec);
/* Add user to account (write txn) with status, in Everyone plus the given
 * groups. PT_EEXIST when already a member. */
int team_member_add(pt_txn *txn, uint64_t account, uint64_t user, const char *status,
                    bool customer_admin, const uint64_t *groups, size_t ngroups);
/* The account ids the user belongs to (any status): malloc'd array. */
int team_member_accounts(pt_txn *txn, uint64_t user, uint64_t **ids, size_t *n);
/* Every membership record of an account: new array. */
json_t *team_member_list(pt_txn *txn, uint64_t account);

/* ---- groups (model_groups.c) ------------------------------------------------ */
/* group keys: account, id, name, permissions [names], preset ("everyone",
 * "admins", "support", "licenses" or absent for custom groups). */
int team_group_get(pt_txn *txn, uint64_t account, uint64_t id, json_t **out);
int team_group_create(pt_txn *txn, uint64_t account, const char *name, const char *preset,
                      const char *const *perms, uint64_t *id);
int team_group_put(pt_txn *txn, uint64_t account, uint64_t id, json_t *rec);
/* Groups of an account in creation order: new array. */
json_t *team_group_list(pt_txn *txn, uint64_t account);
/* The id of the account's group with this preset, or 0. */
uint64_t team_group_preset(pt_txn *txn, uint64_t account, const char *preset);
/* Create Everyone, Administrators, Support users, License viewers. */
int team_groups_preset_create(pt_txn *txn, uint64_t account);

/* ---- permissions (resolver.c) ------------------------------------------------ */
/* The permissions user holds in account as a new object perm -> true
 * (empty when not a member / not allowed). */
json_t *team_permissions(pt_txn *txn, const json_t *user, uint64_t uid, uint64_t account);
/* May user act in account (active member or staff covering it)? */
bool team_may_act(pt_txn *txn, const json_t *user, uint64_t uid, uint64_t account);
/* Accounts the user may act in: new array [{id (text), name}]. */
json_t *team_user_accounts(pt_txn *txn, const json_t *user, uint64_t uid);
extern const pt_auth_resolver team_resolver;
const char *team_user_lang(pt_req *req);
int team_audience(pt_txn *txn, uint64_t account, const char *permission, uint64_t **users,
                  size_t *n);
bool team_wants(pt_txn *txn, uint64_t user, const char *kind);

/* ---- passwords (password.c) ------------------------------------------------- */
/* argon2id (m=19 MiB, t=2, p=1) encoded hash of pw into a new string, or
 * NULL. Slow: call from pt_work_run's work function only. */
char *team_password_hash(const char *pw);
/* true when pw matches encoded. encoded NULL: checks against a dummy hash
 * (same cost) and returns false. Slow: thread pool only. */
bool team_password_verify(const char *encoded, const char *pw);
/* Policy check; *why gets a catalog key on failure. */
bool team_password_ok(const char *pw, const char **why);

/* ---- TOTP (totp.c) ----------------------------------------------------------- */
/* A new random base32 secret (32 chars, 160 bits) into out[33]. */
int team_totp_secret(char out[33]);
/* Check a 6-digit code against secret at unix time now (±1 step). */
bool team_totp_check(const char *secret_b32, const char *code, uint64_t now_s);
/* Same, accepting only steps after `last` (codes are single-use: store
 * *step_out as the new last). */
bool team_totp_match(const char *secret_b32, const char *code, uint64_t now_s, int64_t last,
                     int64_t *step_out);
/* The code for a time step (tests and enrol page). */
int team_totp_code(const char *secret_b32, uint64_t step, char out[7]);

/* ---- recovery codes (recovery.c) ------------------------------------------- */
/* Make TEAM_RECOVERY_CODES new codes: *plain gets a new array of the
 * codes to show once, *hashes the array to store. */
void team_recovery_new(json_t **plain, json_t **hashes);
/* Spend a code of user record u (modified in place). true when it matched. */
bool team_recovery_use(json_t *u, const char *code);

/* ---- emailed links (verify.c) ---------------------------------------------- */
typedef enum { TEAM_LINK_VERIFY = 1, TEAM_LINK_RESET, TEAM_LINK_WELCOME } team_link_kind;
/* Create a link for user (write txn); *token (out[44]) is the secret for
 * the URL (only its SHA-256 is stored). Lifetimes: team.verify_ttl_seconds,
 * reset_ttl_seconds, welcome_ttl_seconds. TEAM_LINK_RESET in peek/spend
 * also accepts a WELCOME link (a first password; it verifies the email). */
int team_link_new(pt_txn *txn, team_link_kind kind, uint64_t user, char token[44]);
/* Look a link up without spending it. PT_ENOTFOUND (unknown, used or
 * expired). *user gets its user. */
int team_link_peek(pt_txn *txn, team_link_kind kind, const char *token, uint64_t *user);
/* Spend it (write txn): it can never be used again. Same errors as peek. */
int team_link_spend(pt_txn *txn, team_link_kind kind, const char *token, uint64_t *user);
/* Enqueue mail `tpl` (team/mail/<tpl>) to user record u with a link to
 * path + token. */
int team_mail_link(pt_txn *txn, const json_t *u, const char *tpl, const char *path,
                   const char *token, json_t *extra);

/* ---- audit (audit.c) -------------------------------------------------------- */
typedef struct team_audit_api {
    int (*append)(pt_txn *txn, uint64_t account, uint64_t actor, const char *action,
                  const json_t *details);
} team_audit_api;
extern const team_audit_api team_audit;
/* Append (write txn). details borrowed (may be NULL). Never pass secrets. */
int team_audit_append(pt_txn *txn, uint64_t account, uint64_t actor, const char *action,
                      const json_t *details);
/* Same in a transaction of its own (after a request, e.g. failed sign-in). */
void team_audit_now(uint64_t account, uint64_t actor, const char *action, json_t *details);

/* ---- throttle (signin.c) ---------------------------------------------------- */
/* Seconds the key ("ip:1.2.3.4", "email:a@b") is still locked, 0 if free. */
long team_throttle_locked(pt_txn *txn, const char *key);

/* ---- pages & handlers ------------------------------------------------------- */
/* Render "team/<page>" (or another template) with ctx (stolen). */
void team_render(pt_req *req, int status, const char *page, json_t *ctx);
/* Translate key in the request's language. */
const char *team_t(pt_req *req, const char *key);
/* Local redirect target or "/". */
const char *team_safe_next(const char *next);

int team_signin_page(pt_req *req);
int team_signin_post(pt_req *req);
int team_signin_2fa_page(pt_req *req);
int team_signin_2fa_post(pt_req *req);
int team_signout(pt_req *req);
int team_account_switch(pt_req *req);

int team_profile_page(pt_req *req);
int team_profile_post(pt_req *req);
int team_profile_password(pt_req *req);
int team_profile_notify(pt_req *req);
int team_tokens_create_form(pt_req *req);
int team_tokens_revoke_form(pt_req *req);
int team_2fa_page(pt_req *req);
int team_2fa_enable(pt_req *req);
int team_2fa_disable(pt_req *req);

int team_verify_page(pt_req *req);
int team_verify_post(pt_req *req);
int team_reset_request_page(pt_req *req);
int team_reset_request_post(pt_req *req);
int team_reset_page(pt_req *req);
int team_reset_post(pt_req *req);

int team_staff_accounts_page(pt_req *req);
int team_staff_account_create(pt_req *req);
int team_staff_admin_appoint(pt_req *req);
int team_staff_assign(pt_req *req);

int team_api_me(pt_req *req);
int team_api_me_patch(pt_req *req);
int team_api_accounts(pt_req *req);
int team_api_accounts_create(pt_req *req);
int team_api_tokens(pt_req *req);
int team_api_tokens_create(pt_req *req);
int team_api_tokens_delete(pt_req *req);
int team_api_audit(pt_req *req);

/* api_me.c: shared with the staff page. */
int team_account_create_checked(pt_req *req, const char *name, uint64_t *id, const char **why);
/* Portal admin or account manager (may add accounts, appoint admins). */
bool team_staff_manager(pt_req *req);

/* ---- tokens (tokens.c) ------------------------------------------------------ */
/* Create a token for user in account; *plain (out[48]) gets "pt_" + 43
 * chars, shown once. *rec the stored record (owned). */
int team_token_create(pt_txn *txn, uint64_t user, uint64_t account, const char *name,
                      bool read_only, char plain[48], json_t **rec);
int team_token_revoke(pt_txn *txn, uint64_t user, uint64_t id);
json_t *team_token_list(pt_txn *txn, uint64_t user); /* public views */
json_t *team_token_public(const json_t *t);
int team_resolve_token(pt_txn *txn, const char *token, pt_principal *out, bool *read_only);

/* ---- profile helpers (profile.c) -------------------------------------------- */
/* Apply profile fields from obj (strings) to user record u after checking
 * them all; nothing changed on error (*field, *why = catalog key). */
int team_profile_apply(json_t *u, const json_t *obj, const char **field, const char **why);

/* Render the profile page with extra context (stolen: flash, new_token...). */
void team_profile_render(pt_req *req, int status, json_t *extra);

/* ---- demo (demo.c) ----------------------------------------------------------- */
int team_demo(pt_txn *txn, void *ud);
int team_migrate_v1(pt_txn *txn, void *ud);

#endif
