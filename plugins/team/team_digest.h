/*
 * plugins/team/team_digest.h - the weekly email digest (digest.c).
 */
#ifndef TEAM_DIGEST_H
#define TEAM_DIGEST_H

#include <portico/plugin.h>

/* Register the jobs db, the config key and the admin route (from init). */
int team_digest_init(pt_host *h);
/* Start the weekly check (from worker_start). */
int team_digest_worker_start(pt_host *h);
/* Queue this week's digest now (force) or only when a week has passed
 * since the last one. *sent = mails queued. 0 or a store error. */
int team_digest_run(bool force, size_t *sent);

#endif
