/*
 * plugins/team/team_manage.h - team management (issue 4, part 2):
 * invitations (form, API, bulk CSV), self sign-up with a license key and
 * its approval queue, the Team Users / Groups / Settings / Audit pages and
 * the /api/v1/users, /groups, /invitations, /signup, /approvals,
 * /settings endpoints. Built on the model in team.h (part 1) only through
 * its public functions.
 *
 * Databases added by team_part2_init (all in the team plugin):
 *   team.invitations   (account, user) -> {account, user, email, hash,
 *                      exp, invited_by, created, sent} (scoped)
 *   team.invite_links  sha256 hex of the emailed token -> {account, user}
 *   team.approvals     (account, user) -> {account, user, email, name,
 *                      at} (scoped): self sign-ups waiting for an admin
 *
 * Conventions: every mutating operation is one write transaction that
 * also writes its audit entries and queues its mails (pt_mail_enqueue);
 * an error aborts it, so nothing is half-written. Functions that can fail
 * for a person-readable reason fill a mg_err (HTTP status, optional field,
 * catalog key under "team_manage.").
 */
#ifndef TEAM_MANAGE_H
#define TEAM_MANAGE_H

#include "team.h"

/* The contract the licenses plugin exports as "licenses.lookup": find the
 * customer account a license key belongs to and whether it is active.
 * 0 with *account and *active set, PT_ENOTFOUND for an unknown key. */
typedef struct {
    int (*lookup)(pt_txn *txn, const char *key, uint64_t *account, bool *active);
} pt_licenses_lookup_api;

/* Registers part 2's routes, databases, locale folder, notification kind
 * and settings. Called from team.c's init. */
int team_part2_init(pt_host *h);

/* ---- limits ------------------------------------------------------------- */
#define MG_INVITE_FORM_MAX 20     /* addresses per invitation form / API call */
#define MG_CSV_ROWS_MAX 1000      /* data rows per bulk CSV                  */
#define MG_CSV_BYTES_MAX (2u << 20)
#define MG_GROUP_NAME_MAX 80
#define MG_DOMAINS_MAX 50

/* ---- errors ------------------------------------------------------------- */
typedef struct mg_err {
    int status;        /* 0 = no error                                    */
    const char *field; /* form/JSON field or NULL (points to fieldbuf)    */
    char fieldbuf[64];
    const char *key;   /* catalog key below team_manage. ("err.email")    */
    char detail[160];  /* optional text appended (e.g. a group name)      */
} mg_err;

/* Set the error; field is copied (it may come from a JSON body). Never
 * copy a mg_err by value (field points into it). */
void mg_set(mg_err *e, int status, const char *field, const char *key);
/* The error's message in the request's language (arena memory). */
const char *mg_msg(pt_req *req, const mg_err *e);
/* Answer the error (HTML or JSON by Accept; JSON on API routes). */
void mg_fail(pt_req *req, const mg_err *e);
/* Translate "team_manage.<key>". */
const char *mg_t(pt_req *req, const char *key);

/* ---- shared helpers (part2.c) -------------------------------------------- */
/* A JSON string of s, or "" when s is NULL or not valid UTF-8. New ref. */
json_t *mg_jstr(const char *s);
bool mg_utf8(const char *s);
/* Begin a transaction; on failure answers 503 and returns NULL. */
pt_txn *mg_begin(pt_req *req, bool write);
/* Commit; on failure answers 503 and returns non-zero. */
int mg_commit(pt_req *req, pt_txn *txn);
/* DELETE /api/v1/<things>/:id: del(req, txn, account, id, e) in a write
 * transaction; 404 with missing_key for a malformed id; answers
 * {"id", "deleted": true} or the error. Returns 0 (the handler's value). */
typedef int (*mg_delete_fn)(pt_req *req, pt_txn *txn, uint64_t account, uint64_t id, mg_err *e);
int mg_api_delete(pt_req *req, const char *missing_key, mg_delete_fn del);
/* The id in route parameter `name`, or 0. */
uint64_t mg_param_id(pt_req *req, const char *name);
/* One member as shown on pages and in the API (new object). */
json_t *mg_member_view(pt_req *req, pt_txn *txn, uint64_t account, const json_t *m);
/* Every member of the account as views, sorted by email (new array). */
json_t *mg_member_views(pt_req *req, pt_txn *txn, uint64_t account);
/* RFC 4180 cell (quoted when needed; formula characters defused). */
void mg_csv_cell(pt_buf *b, const char *s);
/* Customer Admin count (Active members with customer_admin). */
size_t mg_admin_count(pt_txn *txn, uint64_t account);
/* Notify (bell + mail) the account's Customer Admins: kind "team.new_user";
 * the bell text is the catalog message msg_key with {email}, shown in each
 * admin's language. */
int mg_notify_admins(pt_txn *txn, uint64_t account, const char *mail_tpl, const char *msg_key,
                     const char *email, const char *href, json_t *mail_data);
/* Audit with details (borrowed; may be NULL). */
int mg_audit(pt_txn *txn, uint64_t account, uint64_t actor, const char *action, json_t *details);
/* Group ids from a list of names (case-insensitive). Unknown names are
 * appended to *unknown (a new array when NULL). ids is malloc'd. */
int mg_groups_by_name(pt_txn *txn, uint64_t account, const char *const *names, size_t n,
                      uint64_t **ids, size_t *nids, json_t **unknown);
/* Group ids from id strings; 0 or PT_ENOTFOUND (another account's or
 * unknown id). ids malloc'd. */
int mg_groups_by_id(pt_txn *txn, uint64_t account, const char *const *sids, size_t n,
                    uint64_t **ids, size_t *nids);
/* The account's settings object (new), with defaults filled in. */
json_t *mg_settings(pt_txn *txn, uint64_t account);
/* Flash list from ?done=<key> (new array or NULL). */
json_t *mg_flash(pt_req *req);
/* Remove a user record and its email index entry (only for users with no
 * memberships and no password: invitations revoked, sign-ups rejected). */
int mg_user_drop_if_orphan(pt_txn *txn, uint64_t user);
/* Remove a membership (and the user's by_user index entry). */
int mg_member_drop(pt_txn *txn, uint64_t account, uint64_t user);

/* ---- invitations (invite.c) ---------------------------------------------- */
typedef enum {
    MG_INV_INVITED = 0,
    MG_INV_MEMBER,    /* already a member (Active or Deactivated)    */
    MG_INV_PENDING,   /* already invited (Pending)                   */
    MG_INV_BAD_EMAIL,
} mg_inv_result;
const char *mg_inv_result_name(mg_inv_result r);
/* Invite one normalised address into account (write txn): creates the
 * user when needed, a Pending membership with groups, the link and the
 * mail; audits "invitation.created". */
int mg_invite_one(pt_req *req, pt_txn *txn, uint64_t account, const char *email,
                  const uint64_t *groups, size_t ngroups, bool customer_admin,
                  mg_inv_result *res);
/* Send a new link (the old one stops working). PT_ENOTFOUND when user has
 * no pending invitation in account. */
int mg_invite_resend(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user);
/* Withdraw a pending invitation (membership and link removed). */
int mg_invite_revoke(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user);
/* Pending invitations of account: new array of views. */
/* Add an invitation's expiry to a member view v (its "id"): expired
 * (bool), expires (ISO 8601 UTC), sent (mails so far). */
void mg_invite_expiry(pt_txn *txn, uint64_t account, json_t *v);
json_t *mg_invite_list(pt_req *req, pt_txn *txn, uint64_t account);
/* Parse the addresses of a form field (newlines, commas, semicolons or
 * blanks). 0 with *list (new array of strings, raw) or an error. */
int mg_parse_addresses(const char *text, json_t **list, mg_err *e);
/* Invite a list of addresses (form and API): all or nothing. *report gets
 * a new array [{email, status}]. */
int mg_invite_many(pt_req *req, uint64_t account, json_t *emails, const uint64_t *groups,
                   size_t ngroups, bool customer_admin, json_t **report, mg_err *e);
int mg_invite_page(pt_req *req);      /* GET /invite/:token  */
int mg_invite_accept(pt_req *req);    /* POST /invite/:token */

/* ---- bulk CSV (invite_csv.c) --------------------------------------------- */
/* Parse and run a bulk import (one write txn). *report new object
 * {rows:[{row, email, status, groups?}], invited, skipped}. */
int mg_csv_import(pt_req *req, uint64_t account, const char *data, size_t len, json_t **report,
                  mg_err *e);

/* ---- sign-up (signup.c) / approvals (approval.c) -------------------------- */
int mg_signup_page(pt_req *req);
int mg_signup_post(pt_req *req);
int mg_api_signup(pt_req *req);
int mg_approvals_page(pt_req *req);
int mg_approval_decide_form(pt_req *req);
int mg_api_approvals(pt_req *req);
int mg_api_approval_accept(pt_req *req);
int mg_api_approval_reject(pt_req *req);
json_t *mg_approval_list(pt_req *req, pt_txn *txn, uint64_t account);
int mg_approval_decide(pt_req *req, uint64_t account, uint64_t user, bool accept, mg_err *e);

/* ---- users (users_page.c) ------------------------------------------------ */
/* Apply changes to a member (write txn owned by the caller): keys name,
 * groups (array of id strings), customer_admin, status ("Active" |
 * "Deactivated"). Refuses email changes and self-demotion. */
int mg_user_update(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user,
                   const json_t *changes, mg_err *e);
int mg_user_delete(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user, mg_err *e);
/* CSV of the account's users into b. */
void mg_users_csv(pt_req *req, pt_txn *txn, uint64_t account, pt_buf *b);
int mg_users_page(pt_req *req);
int mg_user_edit_page(pt_req *req);
int mg_user_edit_post(pt_req *req);
int mg_user_status_post(pt_req *req);
int mg_user_delete_post(pt_req *req);
int mg_users_export(pt_req *req);
int mg_invite_form_post(pt_req *req);
int mg_invite_csv_post(pt_req *req);
int mg_invitation_resend_post(pt_req *req);
int mg_invitation_revoke_post(pt_req *req);

/* ---- groups (groups_page.c) ---------------------------------------------- */
json_t *mg_group_view(pt_txn *txn, uint64_t account, const json_t *g, bool members);
int mg_group_create(pt_req *req, pt_txn *txn, uint64_t account, const char *name,
                    const json_t *perms, uint64_t *id, mg_err *e);
int mg_group_update(pt_req *req, pt_txn *txn, uint64_t account, uint64_t id, const char *name,
                    const json_t *perms, mg_err *e);
int mg_group_delete(pt_req *req, pt_txn *txn, uint64_t account, uint64_t id, mg_err *e);
int mg_group_member(pt_req *req, pt_txn *txn, uint64_t account, uint64_t id, uint64_t user,
                    bool add, mg_err *e);
int mg_groups_page(pt_req *req);
int mg_group_page(pt_req *req);
int mg_group_create_post(pt_req *req);
int mg_group_update_post(pt_req *req);
int mg_group_delete_post(pt_req *req);
int mg_group_member_post(pt_req *req);

/* ---- settings (settings_page.c) ------------------------------------------- */
int mg_settings_apply(pt_req *req, pt_txn *txn, uint64_t account, const json_t *changes,
                      mg_err *e);
int mg_settings_page(pt_req *req);
int mg_settings_post(pt_req *req);
int mg_api_settings(pt_req *req);
int mg_api_settings_patch(pt_req *req);

/* ---- audit (audit_page.c) ------------------------------------------------- */
int mg_audit_page(pt_req *req);
int mg_audit_export(pt_req *req);

/* ---- JSON API ----------------------------------------------------------- */
int mg_api_users(pt_req *req);
int mg_api_user_get(pt_req *req);
int mg_api_user_patch(pt_req *req);
int mg_api_user_delete(pt_req *req);
int mg_api_groups(pt_req *req);
int mg_api_group_create(pt_req *req);
int mg_api_group_get(pt_req *req);
int mg_api_group_patch(pt_req *req);
int mg_api_group_delete(pt_req *req);
int mg_api_group_members(pt_req *req);
int mg_api_group_member_add(pt_req *req);
int mg_api_group_member_remove(pt_req *req);
int mg_api_group_permissions(pt_req *req);
int mg_api_group_permissions_put(pt_req *req);
int mg_api_invitations(pt_req *req);
int mg_api_invitations_create(pt_req *req);
int mg_api_invitation_resend(pt_req *req);
int mg_api_invitation_revoke(pt_req *req);
int mg_api_invitations_bulk(pt_req *req);

/* Exported as "team.invite": invite email into account as a support user
 * (the "Support users" group), inside the caller's write transaction, with
 * the usual invitation mail. Someone already in the account is left as is.
 * Used by the support plugin's public case form. 0 or a PT_E* code
 * (PT_EINVAL for an unusable address). */
typedef struct pt_team_invite_api {
    int (*invite)(pt_req *req, pt_txn *txn, uint64_t account, const char *email);
} pt_team_invite_api;

#endif
