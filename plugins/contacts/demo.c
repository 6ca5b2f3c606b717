/*
 * plugins/contacts/demo.c - the schema migration and the demo contacts of
 * the team plugin's demo accounts "Acme Corp" and "Globex" (found by name
 * in team.accounts: team exports no account lookup). Acme's account
 * manager is the demo staff user am@portico.example, so quote requests
 * of Acme reach a mailbox the demo knows.
 */
#include "contacts.h"

int con_migrate_v1(pt_txn *txn, void *ud)
{
    (void)txn;
    (void)ud;
    return 0;
}

static const char *const demo[][7] = {
    /* account, role, name, email, phone, photo, tz */
    {"Acme Corp", CONTACTS_ROLE_AM, "Max Manager", "am@portico.example", "+1 415 555 0100", "", "America/Los_Angeles"},
    {"Acme Corp", CONTACTS_ROLE_CSM, "Priya Patel", "priya.patel@portico.example", "+1 415 555 0101", "", "America/New_York"},
    {"Acme Corp", CONTACTS_ROLE_SE, "Sam Agent", "agent@portico.example", "+49 30 5555 0102", "", "Europe/Berlin"},
    {"Acme Corp", CONTACTS_ROLE_TAM, "Tomás Ortega", "tomas.ortega@portico.example", "+34 91 555 0103", "", "Europe/Madrid"},
    {"Globex", CONTACTS_ROLE_AM, "Grace Hopper", "grace.hopper@portico.example", "+1 212 555 0200", "", "America/New_York"},
    {"Globex", CONTACTS_ROLE_SE, "Sam Agent", "agent@portico.example", "+49 30 5555 0102", "", "Europe/Berlin"},
};

int con_demo(pt_txn *txn, void *ud)
{
    (void)ud;
    int rc = 0;
    for (size_t i = 0; i < sizeof demo / sizeof demo[0] && rc == 0; i++) {
        uint64_t account = con_account_by_name(txn, demo[i][0]);
        if (!account) continue;
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", demo[i][2], "email", demo[i][3],
                              "phone", demo[i][4], "photo", demo[i][5], "tz", demo[i][6]);
        const char *field = NULL, *why = NULL;
        rc = con_set(txn, account, demo[i][1], o, "demo", &field, &why);
        if (rc) pt_store_error(rc, "contacts demo: %s %s: %s", demo[i][0], demo[i][1], why ? why : "?");
        json_decref(o);
    }
    return rc;
}
