/*
 * plugins/support/demo.c - demo cases: three dozen realistic cases (36) for the
 * team plugin's demo accounts "Acme Corp" and "Globex" (found by name in
 * team.accounts through the public store API; team exports no lookup),
 * raised by bob, alice and carol over the past eight months, with agent
 * replies from agent@portico.example, internal notes, status changes,
 * and ratings on closed cases. Times are relative to the day the demo
 * loads, so the dashboard always has recent and older cases.
 */
#include <string.h>

#include "support.h"

typedef struct {
    const char *acct, *who, *subject, *product, *prio, *status;
    int days_ago;   /* created this many days ago */
    const char *desc, *reply;
} demo_case;

static const demo_case cases[] = {
    {"Acme Corp", "bob@acme.example", "Robots disconnect from Orchestrator every night", "Orchestrator", "P2", "in_progress", 2,
     "Since Monday all unattended robots lose their connection at around 02:00 and only come back after a restart of the service.",
     "Thanks Bob. Could you attach the robot logs from last night? We suspect the nightly certificate renewal."},
    {"Acme Corp", "alice@acme.example", "License activation fails with error 1603", "Studio", "P3", "new", 1,
     "Activating Studio Pro on a new laptop fails with error 1603 during the license step.", NULL},
    {"Acme Corp", "bob@acme.example", "Production outage: queue processing stopped", "Orchestrator", "P1", "resolved", 9,
     "No queue items have been processed since 09:12. Production is down for the invoicing process.",
     "We restored queue processing by clearing a stuck lock. Root cause analysis follows."},
    {"Acme Corp", "bob@acme.example", "Slow login to the Orchestrator web UI", "Orchestrator", "P3", "waiting", 6,
     "Logging in takes more than 30 seconds for every user since the last upgrade.",
     "Could you send us a HAR file of a slow login? That shows where the time goes."},
    {"Acme Corp", "alice@acme.example", "How to move licenses between tenants", "Licensing", "P4", "closed", 40,
     "We want to move 5 robot licenses from the test tenant to production. What is the process?",
     "You can reallocate them in the admin console under Licenses > Allocate. I have attached the steps."},
    {"Acme Corp", "bob@acme.example", "Document Understanding misreads invoice totals", "Document Understanding", "P2", "in_progress", 15,
     "On about 10% of invoices the total is read as the VAT amount.",
     "We reproduced it with your samples and sent them to the ML team."},
    {"Acme Corp", "bob@acme.example", "Crash when opening large workflow", "Studio", "P2", "closed", 75,
     "Studio crashes when opening a workflow with more than 400 activities.",
     "Fixed in Studio 23.10.4. Please update and let us know if it still happens."},
    {"Acme Corp", "alice@acme.example", "Invoice shows wrong number of robots", "Licensing", "P4", "closed", 120,
     "The invoice for Q2 lists 30 unattended robots, we have 25.",
     "You are right; a corrected invoice is on its way."},
    {"Acme Corp", "bob@acme.example", "Scheduled triggers fire twice after DST change", "Orchestrator", "P2", "closed", 150,
     "After the switch to winter time every trigger between 02:00 and 03:00 ran twice.",
     "This is a known issue fixed in 2023.4.2. The upgrade guide is linked below."},
    {"Acme Corp", "bob@acme.example", "Request: SSO with Azure AD", "Orchestrator", "P4", "closed", 200,
     "We would like to enable single sign-on with our Azure AD.",
     "Here is the configuration guide for Azure AD. Closing this as answered."},
    {"Acme Corp", "alice@acme.example", "Robot cannot access network share", "Unattended Robot", "P3", "closed", 230,
     "The robot account gets access denied on \\\\fs01\\finance.",
     "The robot runs as a local user; please configure it with a domain account."},
    {"Acme Corp", "bob@acme.example", "Audit log export is empty", "Orchestrator", "P3", "resolved", 20,
     "Exporting the audit log to CSV gives a file with only the header row.",
     "The export respects the date filter; with the full range it works. We improved the hint in the next release."},
    {"Acme Corp", "bob@acme.example", "Test environment upgrade planning", "Orchestrator", "P4", "waiting", 12,
     "We plan to upgrade the test orchestrator next month. Any prerequisites?",
     "Please check the SQL Server version first: the new release needs 2019 or later."},
    {"Acme Corp", "alice@acme.example", "Excel activities slow on Windows 11", "Studio", "P3", "in_progress", 4,
     "Excel automation takes 3x longer on the new Windows 11 machines.", NULL},
    {"Acme Corp", "bob@acme.example", "Memory leak in long-running robot job", "Unattended Robot", "P2", "new", 0,
     "The robot process grows to 4 GB after eight hours of a loop job and then crashes.", NULL},
    {"Acme Corp", "bob@acme.example", "Webhook calls time out", "Orchestrator", "P3", "closed", 95,
     "Job-completed webhooks to our ERP time out after 10 seconds.",
     "The timeout is configurable since 2023.4; set Webhooks.TimeoutSeconds."},
    {"Acme Corp", "alice@acme.example", "Access for our new contractor", "Licensing", "P4", "closed", 60,
     "Can a contractor use one of our attended robot licenses?",
     "Yes, as long as the work is for Acme. Named user licensing applies."},
    {"Acme Corp", "bob@acme.example", "Queue item retries ignore max retry count", "Orchestrator", "P3", "closed", 170,
     "Items are retried 5 times though the queue is set to 2.",
     "Confirmed bug, fixed in 2023.4.1."},
    {"Globex", "carol@globex.example", "Insights dashboards show no data", "Insights", "P2", "in_progress", 3,
     "Since the cloud maintenance on Sunday all Insights dashboards are empty.",
     "The data pipeline for your tenant was paused during maintenance; we restarted it."},
    {"Globex", "carol@globex.example", "Add ten more unattended robots", "Licensing", "P4", "closed", 45,
     "We need ten more unattended robots for the year-end peak.",
     "Your account manager will send a quote today."},
    {"Globex", "carol@globex.example", "Tenant unreachable from Singapore office", "Automation Cloud", "P1", "closed", 80,
     "Users in Singapore cannot reach the tenant at all (timeouts).",
     "A CDN routing issue in the region was fixed at 11:40 UTC."},
    {"Globex", "alice@acme.example", "API rate limits for job starts", "Automation Cloud", "P3", "waiting", 8,
     "We hit 429 responses when starting more than 100 jobs a minute.",
     "Could you share the tenant name and the time of the errors?"},
    {"Globex", "carol@globex.example", "Robot version mismatch warning", "Unattended Robot", "P4", "closed", 140,
     "The portal shows a version mismatch warning for two robots.",
     "Both robots run an older version; updating them removes the warning."},
    {"Globex", "carol@globex.example", "Credential store sync fails", "Automation Cloud", "P2", "new", 1,
     "Syncing credentials from our CyberArk vault fails with 'invalid safe'.", NULL},
    {"Globex", "carol@globex.example", "Data retention policy question", "Insights", "P4", "closed", 210,
     "How long is Insights data kept in the cloud?",
     "Two years by default; you can shorten it in the tenant settings."},
    {"Acme Corp", "bob@acme.example", "Orchestrator backup restore test failed", "Orchestrator", "P3", "closed", 190,
     "Restoring last night's backup on the test server fails with a schema version error.",
     "The backup came from a newer version; restore it on a server with the same version."},
    {"Acme Corp", "alice@acme.example", "Renewal quote for next year", "Licensing", "P4", "closed", 100,
     "Please send us the renewal quote for all production licenses.",
     "Your account manager sent the quote this morning."},
    {"Acme Corp", "bob@acme.example", "Robot stuck on login screen after reboot", "Unattended Robot", "P2", "resolved", 33,
     "After the monthly Windows patch the robot machine stays on the login screen.",
     "The auto-login policy was reset by the patch; re-enable it in the machine template."},
    {"Acme Corp", "bob@acme.example", "Email activity cannot connect to Exchange Online", "Studio", "P3", "closed", 250,
     "Get Outlook Mail Messages fails with 'authentication unsuccessful' since Basic auth was disabled.",
     "Switch to the Microsoft 365 activities with modern authentication."},
    {"Acme Corp", "alice@acme.example", "Who can see our cases?", "Portal", "P4", "closed", 55,
     "Can colleagues outside the support group see our support cases?",
     "Only members with the support permission see all cases; everyone sees the cases they opened."},
    {"Acme Corp", "bob@acme.example", "Slow queue item retrieval", "Orchestrator", "P3", "new", 3,
     "Get Queue Item takes 5-8 seconds during business hours.", NULL},
    {"Globex", "carol@globex.example", "Tenant migration to EU region", "Automation Cloud", "P3", "waiting", 18,
     "We would like to move our tenant to the EU region for data residency.",
     "Please confirm a maintenance window; the move takes about two hours."},
    {"Globex", "carol@globex.example", "Wrong time zone in job history", "Automation Cloud", "P4", "closed", 160,
     "Job history shows UTC instead of our local time.",
     "Set the tenant time zone in Settings > General."},
    {"Globex", "carol@globex.example", "Robot license not released after job", "Licensing", "P2", "closed", 110,
     "A robot keeps its license after the job ends, so other jobs queue.",
     "Fixed by the hotfix applied to your tenant on the 12th."},
    {"Globex", "alice@acme.example", "Insights alert emails not arriving", "Insights", "P3", "in_progress", 5,
     "Alerts are configured but nobody receives the emails.",
     "We see the mails bounced by your gateway; please allow our sending domain."},
    {"Globex", "carol@globex.example", "Process mining connector errors", "Insights", "P3", "resolved", 25,
     "The SAP connector stops with 'RFC_ERROR_LOGON_FAILURE' every few days.",
     "The technical user's password expired; set it to not expire."},
};

static int64_t agent_reply_gap(const demo_case *d) { return d->prio[1] == '1' ? 1800000 : 5400000; }

int sup_demo(pt_txn *txn, void *ud)
{
    (void)ud;
    uint64_t agent = sup_user_by_email(txn, "agent@portico.example");
    json_t *agent_u = sup_user_get(txn, agent);
    if (!sup_account_by_name(txn, "Acme Corp")) {
        pt_warn("support demo: the team plugin's demo accounts are missing; no demo cases");
        json_decref(agent_u);
        return 0;
    }
    int64_t now = (int64_t)pt_wall_ms();
    int rc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && rc == 0; i++) {
        const demo_case *d = &cases[i];
        uint64_t acc = sup_account_by_name(txn, d->acct), who = sup_user_by_email(txn, d->who);
        json_t *u = sup_user_get(txn, who);
        if (!acc || !u) {
            json_decref(u);
            continue;
        }
        int64_t created = now - (int64_t)d->days_ago * 86400000 - (int64_t)(i % 7) * 3600000 - 600000;
        bool replied = d->reply != NULL;
        bool done = strcmp(d->status, "closed") == 0 || strcmp(d->status, "resolved") == 0;
        int64_t updated = replied ? created + agent_reply_gap(d) : created;
        if (done) updated = created + 2 * 86400000 < now ? created + 2 * 86400000 : now - 60000;
        json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[], s:[], s:b, s:I, s:I}",
                              "subject", d->subject, "description", d->desc, "product", d->product,
                              "version", "2023.10", "environment", i % 4 == 3 ? "test" : "production",
                              "priority", d->prio, "status", d->status, "callback", "",
                              "requester_name", pt_rec_str(u, "name", ""), "requester_email", d->who,
                              "cc", "tags", "premium", false, "created", (json_int_t)created, "updated",
                              (json_int_t)updated);
        pt_rec_set_u64(c, "account", acc);
        pt_rec_set_u64(c, "requester", who);
        if (replied && agent) {
            pt_rec_set_u64(c, "assignee", agent);
            json_object_set_new(c, "assignee_name", json_string(pt_rec_str(agent_u, "name", "")));
            json_object_set_new(c, "first_response", json_integer(created + agent_reply_gap(d)));
        }
        if (done) json_object_set_new(c, "resolved", json_integer(updated));
        if (strcmp(d->status, "closed") == 0) {
            json_object_set_new(c, "closed", json_integer(updated));
            json_object_set_new(c, "rating", json_integer(3 + (int)(i % 3)));
        }
        rc = sup_case_insert(txn, c);
        if (rc == 0 && replied && agent) {
            json_t *m = json_pack("{s:s, s:s, s:s, s:b, s:I}", "kind", "message", "body", d->reply,
                                  "author_name", pt_rec_str(agent_u, "name", ""), "by_agent", true,
                                  "at", (json_int_t)(created + agent_reply_gap(d)));
            pt_rec_set_u64(m, "author", agent);
            rc = sup_msg_add(txn, c, m, NULL);
            json_decref(m);
            if (rc == 0 && i % 3 == 0) {
                m = json_pack("{s:s, s:s, s:s, s:b, s:I}", "kind", "note", "body",
                              "Checked with engineering: known pattern, see internal ticket.",
                              "author_name", pt_rec_str(agent_u, "name", ""), "by_agent", true,
                              "at", (json_int_t)(created + agent_reply_gap(d) + 60000));
                pt_rec_set_u64(m, "author", agent);
                rc = sup_msg_add(txn, c, m, NULL);
                json_decref(m);
            }
        }
        if (rc == 0 && strcmp(d->status, "new") != 0 && strcmp(d->status, "in_progress") != 0) {
            json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I}", "kind", "event", "event",
                                  "status", "from", "in_progress", "to", d->status, "author_name",
                                  pt_rec_str(agent_u, "name", ""), "by_agent", true, "at",
                                  (json_int_t)updated);
            pt_rec_set_u64(m, "author", agent);
            rc = sup_msg_add(txn, c, m, NULL);
            json_decref(m);
        }
        json_decref(c);
        json_decref(u);
    }
    json_decref(agent_u);
    return rc;
}
