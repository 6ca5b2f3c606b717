/*
 * plugins/team/users_invites.c - the Team Users page's "Pending
 * invitations" table, bounded: the first MG_INVITES_SHOWN pending members
 * (in the list's order, users_list.c) with their link expiry, and how many
 * are pending in all. The page links to the users list filtered by
 * Pending (?status=pending) for the rest, where every pending row has its
 * Re-invite and Revoke buttons too.
 *
 * Why not mg_invite_list (invite.c): it builds the full view of every
 * member of the account to pick the pending ones, so the page's cost
 * would again follow the account size (about 200 ms and 4 MB of HTML for
 * 5,000 pending invitations). The JSON API GET /api/v1/invitations still
 * uses it and lists every invitation.
 *
 * The expiry fields match mg_invite_list's: expired (bool), expires (ISO
 * 8601 UTC), sent (how many mails went out).
 */
#include <string.h>
#include <time.h>

#include "users_list.h"

static void add_expiry(pt_txn *txn, uint64_t account, json_t *v)
{
    uint64_t user = 0;
    pt_id_parse(pt_rec_str(v, "id", ""), &user);
    uint8_t k[16];
    pt_key_u64(k, account);
    pt_key_u64(k + 8, user);
    json_t *inv = NULL;
    if (pt_record_get_scoped(txn, team_db("invitations"), k, 16, account, &inv) != 0) {
        json_object_set_new(v, "expired", json_true());
        return;
    }
    uint64_t exp = pt_rec_u64(inv, "exp", 0);
    json_object_set_new(v, "expired", json_boolean(exp <= pt_wall_ms()));
    json_object_set_new(v, "sent", json_integer(pt_rec_int(inv, "sent", 1)));
    char iso[32];
    time_t t = (time_t)(exp / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(v, "expires", json_string(iso));
    json_decref(inv);
}

json_t *mg_invites_shown(pt_req *req, pt_txn *txn, uint64_t account, size_t *total)
{
    mg_user_query uq = {.q = "", .status = "Pending", .page = 1, .per_page = MG_INVITES_SHOWN};
    mg_user_page pg;
    mg_err e = {0};
    *total = 0;
    /* Past MG_LIST_MAX pending (or a store error) the table stays empty;
     * the list above answers the reason. */
    if (mg_user_list(req, txn, account, &uq, false, &pg, &e) != 0) return json_array();
    size_t i;
    json_t *v;
    json_array_foreach(pg.users, i, v) add_expiry(txn, account, v);
    *total = pg.total;
    return pg.users;
}
