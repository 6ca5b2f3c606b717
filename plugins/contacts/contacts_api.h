/*
 * plugins/contacts/contacts_api.h - what the contacts plugin exports
 * through the host, found with pt_api_find("contacts.directory"). Plugins
 * never link to each other: consumers (quotes) include this header for
 * the struct layout only.
 */
#ifndef CONTACTS_API_H
#define CONTACTS_API_H

#include <jansson.h>
#include <stdint.h>

#include <portico/store.h>

/* Roles, in display order. */
#define CONTACTS_ROLE_AM "account_manager"
#define CONTACTS_ROLE_CSM "customer_success_manager"
#define CONTACTS_ROLE_SE "support_engineer"
#define CONTACTS_ROLE_TAM "technical_account_manager"

/* get: the account's contact in role as a new object (caller decrefs)
 * {"role", "name", "email", "phone", "photo", "tz"}; PT_ENOTFOUND when the
 * role is not assigned. Uses the caller's transaction (read or write). */
typedef struct {
    int (*get)(pt_txn *txn, uint64_t account, const char *role, json_t **out);
} pt_contacts_directory_api;

#endif
