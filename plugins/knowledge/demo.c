/*
 * plugins/knowledge/demo.c - the schema migration and the demo data set:
 * categories and a few dozen articles for a fictional automation vendor
 * ("Orchestrator 2024.10", "Robot", "Studio"), in English and some in
 * German, a few for customers only and a few for the Acme account (100).
 */
#include <string.h>

#include "knowledge.h"

int kb_migrate_v1(pt_txn *txn, void *ud)
{
    (void)ud;
    kb_stats st;
    int rc = kb_stats_get(txn, &st);
    if (rc == 0) rc = kb_stats_put(txn, &st);
    if (rc == 0) rc = kb_category_ensure(txn, "general", "General", "Allgemein", "kb", "", 100);
    return rc;
}

static const char *const cats[][5] = {
    /* slug, name, name_de, collection, description */
    {"getting-started", "Getting started", "Erste Schritte", "kb", "Onboarding guides for new teams."},
    {"installation", "Installation and upgrades", "Installation und Upgrades", "kb", "Install, upgrade and size your deployment."},
    {"automation-design", "Designing automations", "Automatisierungen entwerfen", "kb", "Best practices for reliable workflows."},
    {"administration", "Administration", "Administration", "kb", "Users, tenants, licensing and security."},
    {"videos", "Video tutorials", "Video-Tutorials", "kb", "Short recorded walkthroughs."},
    {"troubleshooting", "Troubleshooting", "Fehlerbehebung", "tech", "Known problems with cause and resolution."},
    {"release-notes", "Release notes", "Versionshinweise", "tech", "What changed in each version."},
};

typedef struct demo {
    const char *title, *collection, *type, *category, *tags, *products, *versions, *lang,
        *visibility, *accounts, *summary, *body, *problem, *cause, *resolution, *video;
} demo;

static const demo arts[] = {
    {"Install the Robot on Windows", "kb", "guide", "installation", "robot, windows, msi", "Robot", "2024.10, 2024.4", "en", "public", NULL,
     "Install the Robot service on a Windows machine and connect it to Orchestrator.",
     "## Before you start\n\n- Windows 10 or Windows Server 2019 and later\n- .NET 6 runtime\n- A machine key from Orchestrator\n\n## Installing\n\n1. Download `RobotSetup.msi` from the Downloads page.\n2. Run `msiexec /i RobotSetup.msi ADDLOCAL=Robot,Service /qn`.\n3. Open the Robot Assistant and paste the machine key.\n\nThe robot service starts automatically and shows as **Connected** in Orchestrator within a minute.", NULL, NULL, NULL, NULL},
    {"Installing Orchestrator 2024.10 on Linux", "kb", "guide", "installation", "orchestrator, linux, install", "Orchestrator", "2024.10", "en", "public", NULL,
     "A single-node Orchestrator installation on Ubuntu or RHEL.",
     "Orchestrator 2024.10 ships as a container bundle.\n\n```sh\nsudo ./install.sh --config cluster.yaml\n```\n\nThe installer checks CPU, memory and disk before it starts. Plan **16 GB RAM** and **8 cores** for up to 200 robots. After installing, open `https://<host>/orchestrator` and sign in with the admin password printed at the end.", NULL, NULL, NULL, NULL},
    {"Upgrading Orchestrator from 2024.4 to 2024.10", "kb", "guide", "installation", "upgrade, orchestrator", "Orchestrator", "2024.10, 2024.4", "en", "public", NULL,
     "Back up, upgrade in place, verify.",
     "1. Take a database backup and export your tenant settings.\n2. Put Orchestrator in maintenance mode.\n3. Run the 2024.10 installer with `--upgrade`.\n4. Verify robots reconnect and queues resume.\n\nRollback: restore the backup and reinstall 2024.4.", NULL, NULL, NULL, NULL},
    {"Your first automation in Studio", "kb", "tutorial", "getting-started", "studio, beginner", "Studio", "2024.10", "en", "public", NULL,
     "Build, run and publish a small invoice automation in 20 minutes.",
     "In this tutorial you build a workflow that reads invoices from a folder and enters them into a spreadsheet.\n\n1. Create a new **Process** project.\n2. Add a *For Each File* activity.\n3. Use *Read PDF Text* and *Write Cell*.\n4. Press **Run** to test, then **Publish** to Orchestrator.\n\n| Step | Time |\n|---|---|\n| Build | 10 min |\n| Test | 5 min |\n| Publish | 5 min |", NULL, NULL, NULL, NULL},
    {"Onboarding checklist for new automation teams", "kb", "onboarding", "getting-started", "onboarding, checklist", "Orchestrator, Studio, Robot", "", "en", "public", NULL,
     "Everything a new team should set up in its first week.",
     "- [x] Create tenants for development and production\n- [ ] Invite developers and assign the *Developer* role\n- [ ] Install one unattended Robot per environment\n- [ ] Agree on naming conventions for processes and queues\n- [ ] Schedule a code review session", NULL, NULL, NULL, NULL},
    {"Best practices for reliable queue processing", "kb", "best_practice", "automation-design", "queues, retries, reliability", "Orchestrator, Robot", "2024.10", "en", "public", NULL,
     "Design queue-based automations that survive failures.",
     "Split work into **dispatcher** and **performer** processes. Keep queue items small and idempotent so a retry never pays an invoice twice. Use business exceptions for data problems and system exceptions for application errors; only system exceptions should be retried automatically.", NULL, NULL, NULL, NULL},
    {"Naming conventions for processes, queues and assets", "kb", "best_practice", "automation-design", "naming, governance", "Orchestrator", "", "en", "public", NULL,
     "Consistent names make large deployments manageable.",
     "Use `<Department>_<Process>_<Type>` for processes, for example `Finance_Invoices_Performer`. Queues take the process name, assets the prefix of the process that owns them. Never reuse names across tenants with a different meaning.", NULL, NULL, NULL, NULL},
    {"Handling credentials safely in automations", "kb", "best_practice", "automation-design", "security, credentials, assets", "Orchestrator, Studio", "", "en", "customers", NULL,
     "Store secrets in credential assets or an external vault, never in workflows.",
     "Credential assets are encrypted at rest and only released to robots at run time. For stricter requirements connect Orchestrator to your vault (HashiCorp Vault, CyberArk, Azure Key Vault). Never log passwords; use *Get Credential* and pass `SecureString` values directly to the target activity.", NULL, NULL, NULL, NULL},
    {"Managing users and roles", "kb", "guide", "administration", "users, roles, permissions", "Orchestrator", "2024.10", "en", "public", NULL,
     "Give each person exactly the access they need.",
     "Roles are sets of permissions per tenant. Start from the built-in *Viewer*, *Developer* and *Administrator* roles and copy them before you change anything. Groups synced from your directory keep membership up to date automatically.", NULL, NULL, NULL, NULL},
    {"Configuring single sign-on with SAML", "kb", "guide", "administration", "sso, saml, identity", "Orchestrator", "2024.10, 2024.4", "en", "customers", NULL,
     "Connect Orchestrator to your identity provider.",
     "1. In **Admin > Security**, choose SAML 2.0.\n2. Upload your IdP metadata XML.\n3. Map the `email` attribute to the user name.\n4. Test with a second browser before enforcing SSO for everyone.", NULL, NULL, NULL, NULL},
    {"License allocation for unattended robots", "kb", "guide", "administration", "licensing, robots", "Orchestrator, Robot", "2024.10", "en", "public", NULL,
     "How runtime licenses are assigned to machines.",
     "Each unattended runtime is allocated to a machine template. When a machine connects, Orchestrator assigns as many runtimes as the template allows. Release licenses from machines you no longer use to make them available elsewhere.", NULL, NULL, NULL, NULL},
    {"Video: Building a dispatcher and performer", "kb", "video", "videos", "queues, video", "Studio, Orchestrator", "2024.10", "en", "public", NULL,
     "A 12-minute walkthrough of the queue pattern.",
     "Watch how a dispatcher fills a queue from an Excel file and a performer processes each item with retries.\n\n[Watch the video](https://videos.example.com/dispatcher-performer)", NULL, NULL, NULL, "https://videos.example.com/dispatcher-performer"},
    {"Video: Debugging workflows in Studio", "kb", "video", "videos", "debugging, video", "Studio", "2024.10", "en", "public", NULL,
     "Breakpoints, step into, and the locals panel.",
     "This video shows breakpoints, conditional breakpoints, *Step Into* and the **Locals** panel.\n\n[Watch the video](https://videos.example.com/studio-debugging)", NULL, NULL, NULL, "https://videos.example.com/studio-debugging"},
    {"Robot shows Disconnected after a Windows update", "tech", "solution", "troubleshooting", "robot, connection, windows", "Robot", "2024.10, 2024.4", "en", "public", NULL,
     "The Robot service cannot reach Orchestrator after a restart.",
     "", "After a Windows update the robot appears as **Disconnected** in Orchestrator and jobs stay pending.",
     "The update reset the proxy settings of the service account, so the Robot service cannot reach the Orchestrator URL.",
     "1. Run `netsh winhttp show proxy` as the service user.\n2. Set the proxy again with `netsh winhttp set proxy proxy.corp:8080`.\n3. Restart the *Robot* service.", NULL},
    {"Jobs stuck in Pending state", "tech", "solution", "troubleshooting", "jobs, pending, scheduling", "Orchestrator", "2024.10", "en", "public", NULL,
     "Jobs never start although robots are available.",
     "", "Jobs created by a trigger stay in **Pending** for hours.",
     "No runtime license is allocated to the machine template the robots use, so no robot is eligible.",
     "Open **Tenant > Machines**, edit the template and set *Unattended runtimes* to at least 1. Pending jobs start within a minute.", NULL},
    {"Error 1603 when installing the Robot MSI", "tech", "solution", "troubleshooting", "msi, install, error 1603", "Robot", "2024.10", "en", "public", NULL,
     "The installer stops with a generic 1603 error.",
     "", "`msiexec` ends with *Fatal error during installation (1603)*.",
     "A previous Robot version left a pending reboot or an older service is still registered.",
     "Reboot the machine, uninstall older Robot versions from *Apps & features*, then run the installer again with logging: `msiexec /i RobotSetup.msi /l*v install.log`.", NULL},
    {"Selectors fail after a browser upgrade", "tech", "solution", "troubleshooting", "selectors, browser, chrome", "Studio, Robot", "2024.10, 2024.4", "en", "public", NULL,
     "Click and Type activities cannot find elements any more.",
     "", "After Chrome or Edge updated, UI automation activities throw *SelectorNotFoundException*.",
     "The browser extension was disabled by the update or by a group policy.",
     "Re-enable the browser extension from Studio's **Tools > Extensions** or deploy it with the group policy template shipped with Studio.", NULL},
    {"Queue items retried twice", "tech", "solution", "troubleshooting", "queues, retries", "Orchestrator", "2024.10", "en", "customers", NULL,
     "Items are processed more often than the retry setting allows.",
     "", "A queue with *Max retries = 1* shows items processed three times.",
     "The performer marks items failed with a system exception **and** the process has its own retry scope.",
     "Remove the retry scope around the transaction or set the queue's auto-retry to 0.", NULL},
    {"Orchestrator 2024.10 release notes", "tech", "solution", "release-notes", "release notes, 2024.10", "Orchestrator", "2024.10", "en", "public", NULL,
     "New features and fixes in Orchestrator 2024.10.",
     "## New\n\n- Queue SLA predictions\n- Credential vault plugins for Azure Key Vault\n- Faster job history search\n\n## Fixed\n\n- Triggers firing twice after a daylight saving change\n- Robot logs truncated above 1 MB", NULL, NULL, NULL, NULL},
    {"Studio 2024.10 release notes", "tech", "solution", "release-notes", "release notes, studio", "Studio", "2024.10", "en", "public", NULL,
     "What is new in Studio 2024.10.",
     "- Workflow analyzer rules for naming conventions\n- Git integration with pull request view\n- ~~Legacy project format~~ removed", NULL, NULL, NULL, NULL},
    {"Acme: connecting to the Acme SAP landscape", "kb", "guide", "administration", "sap, acme", "Robot", "2024.10", "en", "accounts", "100",
     "Account-specific setup for Acme's SAP systems.",
     "Acme's SAP GUI scripting is enabled only on the *ACM-PRD* client. Use the robot account `svc-rpa-acme` and the jump host `sap-jump.acme.internal`.", NULL, NULL, NULL, NULL},
    {"Acme: escalation path for production incidents", "kb", "guide", "getting-started", "acme, support, escalation", "Orchestrator", "", "en", "accounts", "100",
     "Who to call when Acme's production robots stop.",
     "Open a case with priority *Urgent* and call the Acme hotline. Your technical account manager joins within 30 minutes during business hours.", NULL, NULL, NULL, NULL},
    {"Globex: custom activities package", "kb", "guide", "automation-design", "globex, activities", "Studio", "", "en", "accounts", "200",
     "How to install Globex's internal activity package.",
     "Add the Globex feed `https://nuget.globex.example/v3/index.json` in Studio's package manager and install `Globex.Activities`.", NULL, NULL, NULL, NULL},
    {"Robot unter Windows installieren", "kb", "guide", "installation", "robot, windows, installation", "Robot", "2024.10", "de", "public", NULL,
     "Den Robot-Dienst unter Windows installieren und mit dem Orchestrator verbinden.",
     "1. Laden Sie `RobotSetup.msi` herunter.\n2. Führen Sie die Installation als Administrator aus.\n3. Fügen Sie im Robot Assistant den Maschinenschlüssel ein.\n\nDer Dienst startet automatisch und erscheint im Orchestrator als **Verbunden**.", NULL, NULL, NULL, NULL},
    {"Warteschlangen zuverlässig verarbeiten", "kb", "best_practice", "automation-design", "warteschlangen, wiederholungen", "Orchestrator, Robot", "2024.10", "de", "public", NULL,
     "Bewährte Vorgehensweisen für Dispatcher und Performer.",
     "Trennen Sie die Arbeit in Dispatcher- und Performer-Prozesse. Halten Sie Warteschlangenelemente klein und idempotent, damit eine Wiederholung keine Rechnung doppelt bezahlt.", NULL, NULL, NULL, NULL},
    {"Aufträge bleiben im Status Ausstehend", "tech", "solution", "troubleshooting", "aufträge, lizenzen", "Orchestrator", "2024.10", "de", "public", NULL,
     "Aufträge starten nicht, obwohl Roboter verfügbar sind.",
     "", "Durch Trigger erstellte Aufträge bleiben stundenlang **ausstehend**.",
     "Der Maschinenvorlage ist keine Laufzeitlizenz zugewiesen.",
     "Öffnen Sie **Mandant > Maschinen**, bearbeiten Sie die Vorlage und setzen Sie *Unattended-Laufzeiten* auf mindestens 1.", NULL},
    {"Sizing Orchestrator for 1,000 robots", "kb", "best_practice", "installation", "sizing, performance, scale", "Orchestrator", "2024.10", "en", "customers", NULL,
     "Hardware and database recommendations for large deployments.",
     "Run three Orchestrator nodes behind a load balancer, a dedicated SQL Server with 32 cores and 128 GB RAM, and Redis for session state. Keep job history for 30 days and archive older logs to object storage.", NULL, NULL, NULL, NULL},
    {"Draft: Orchestrator 2025.4 preview features", "kb", "guide", "release-notes", "preview, 2025.4", "Orchestrator", "2025.4", "en", "public", NULL,
     "Internal draft, not yet published.",
     "Preview of upcoming features. Not for customers yet.", NULL, NULL, NULL, NULL},
};

int kb_demo(pt_txn *txn, void *ud)
{
    (void)ud;
    int rc = 0;
    for (size_t i = 0; i < sizeof cats / sizeof cats[0] && rc == 0; i++)
        rc = kb_category_ensure(txn, cats[i][0], cats[i][1], cats[i][2], cats[i][3], cats[i][4], (int)i);
    for (size_t i = 0; i < sizeof arts / sizeof arts[0] && rc == 0; i++) {
        const demo *d = &arts[i];
        json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                               "title", d->title, "collection", d->collection, "type", d->type,
                               "category", d->category, "tags", d->tags, "products", d->products,
                               "versions", d->versions, "language", d->lang, "visibility",
                               d->visibility, "summary", d->summary, "body", d->body, "status",
                               strncmp(d->title, "Draft:", 6) == 0 ? "draft" : "published");
        if (d->accounts) json_object_set_new(in, "accounts", json_string(d->accounts));
        if (d->problem) {
            json_object_set_new(in, "problem", json_string(d->problem));
            json_object_set_new(in, "cause", json_string(d->cause));
            json_object_set_new(in, "resolution", json_string(d->resolution));
        }
        if (d->video) json_object_set_new(in, "video_url", json_string(d->video));
        const char *field = NULL, *why = NULL;
        rc = kb_article_create(txn, in, 0, NULL, &field, &why);
        if (rc > 0) rc = pt_store_error(PT_EINVAL, "demo article '%s': %s %s", d->title, field, why);
        json_decref(in);
    }
    return rc;
}
