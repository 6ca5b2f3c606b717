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
 * The expiry fields come from mg_invite_expiry, as in mg_invite_list:
 * expired (bool), expires (ISO 8601 UTC), sent (how many mails went out).
 */
#include <string.h>

#include "users_list.h"

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
    json_array_foreach(pg.users, i, v) mg_invite_expiry(txn, account, v);
    *total = pg.total;
    return pg.users;
}
