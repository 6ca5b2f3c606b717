/*
 * plugins/contacts/contacts.h - shared declarations of the contacts
 * plugin: the account's key vendor contacts (account manager, customer
 * success manager, support engineer, technical account manager).
 *
 * Databases:
 *   contacts.people    (account, role) -> {_v, account, role, name, email,
 *                      phone, photo, tz, updated, updated_by} (scoped; the
 *                      account prefix of the key is the index by account)
 *   contacts.throttle  user id -> {_v, times: [ms, ...]} contact-me sends
 *                      within the last hour
 */
#ifndef CONTACTS_H
#define CONTACTS_H

#include <jansson.h>

#include <portico/auth.h>
#include <portico/http.h>
#include <portico/i18n.h>
#include <portico/log.h>
#include <portico/mail.h>
#include <portico/plugin.h>
#include <portico/store.h>
#include <portico/template.h>

#include "contacts_api.h"

#define CON_MESSAGE_MAX 4000
extern const char *const con_roles[]; /* NULL-terminated, display order */

/* model.c */
bool con_role_ok(const char *role);
int con_get(pt_txn *txn, uint64_t account, const char *role, json_t **out);
/* Every assigned contact of the account in role order: new array. */
json_t *con_list(pt_txn *txn, uint64_t account);
/* Check and store (write txn) the fields of obj for role; an empty name
 * removes the contact. *field and *why (catalog key) on PT_EINVAL. */
int con_set(pt_txn *txn, uint64_t account, const char *role, const json_t *obj, const char *by,
            const char **field, const char **why);
/* View for pages/API (new object): adds role_label, initials, photo_local. */
json_t *con_view(const json_t *c, pt_req *req);
extern const pt_contacts_directory_api con_directory_api;
uint64_t con_account_by_name(pt_txn *txn, const char *name);

/* util.c */
const char *con_t(pt_req *req, const char *key);
bool con_text_ok(const char *s, size_t max, bool multiline);
bool con_staff_manages(pt_req *req, uint64_t account);
const char *con_account_name(pt_req *req, uint64_t account);
uint64_t con_param_id(pt_req *req, const char *name);
long long con_cfg_int(const char *key, long long dflt);
void con_set_host(pt_host *h);

/* pages.c */
int con_page(pt_req *req);
int con_message_post(pt_req *req);
int con_api_list(pt_req *req);
int con_api_message(pt_req *req);
int con_widget(pt_req *req, pt_buf *out);

/* manage.c */
int con_manage_accounts(pt_req *req);
int con_manage_page(pt_req *req);
int con_manage_post(pt_req *req);
int con_api_put(pt_req *req);

/* demo.c */
int con_migrate_v1(pt_txn *txn, void *ud);
int con_demo(pt_txn *txn, void *ud);

#endif
