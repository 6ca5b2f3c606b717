/*
 * plugins/knowledge/visibility.c - who may read which article: the one
 * place the rules live, used by search (from the doc table), lists, pages,
 * the API and notifications (from records).
 *   staff and knowledge editors: everything, drafts included;
 *   everyone else: published articles only, and
 *     public     - signed-in users, and anonymous visitors when the
 *                  portal's `portal.anonymous_read` is true;
 *     customers  - any signed-in user;
 *     accounts   - users acting in one of the listed accounts.
 */
#include <string.h>

#include "knowledge.h"

const char *const kb_vis_names[3] = {"public", "customers", "accounts"};

int kb_vis_from_str(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, kb_vis_names[i]) == 0) return i;
    return -1;
}

bool kb_anonymous_read(void)
{
    const json_t *v = pt_setting("portal.anonymous_read");
    return v ? json_is_true(v) : true;
}

void kb_reader_of(pt_req *req, kb_reader *r)
{
    memset(r, 0, sizeof *r);
    r->user = pt_req_user(req);
    r->account = pt_req_account(req);
    r->staff = pt_req_is_staff(req);
    r->editor = r->staff || (r->user && pt_req_can(req, "knowledge.edit"));
    r->anon_ok = kb_anonymous_read();
}

bool kb_visible_ent(pt_txn *txn, const kb_reader *r, uint32_t dn, const kb_docent *e)
{
    if (!(e->flags & KB_DOC_LIVE)) return false;
    if (r->editor) return true;
    if (!(e->flags & KB_DOC_PUBLISHED)) return false;
    switch ((e->flags >> KB_DOC_VIS_SHIFT) & 3) {
    case KB_VIS_PUBLIC: return r->user != 0 || r->anon_ok;
    case KB_VIS_CUSTOMERS: return r->user != 0;
    case KB_VIS_ACCOUNTS: return r->user && r->account && kb_acl_has(txn, dn, r->account);
    default: return false;
    }
}

bool kb_visible_rec(const kb_reader *r, const json_t *rec)
{
    if (r->editor) return true;
    if (strcmp(pt_rec_str(rec, "status", ""), "published") != 0) return false;
    switch (kb_vis_from_str(pt_rec_str(rec, "visibility", ""))) {
    case KB_VIS_PUBLIC: return r->user != 0 || r->anon_ok;
    case KB_VIS_CUSTOMERS: return r->user != 0;
    case KB_VIS_ACCOUNTS: {
        if (!r->user || !r->account) return false;
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(rec, "accounts"), i, a)
            if (json_is_integer(a) && (uint64_t)json_integer_value(a) == r->account) return true;
        return false;
    }
    default: return false;
    }
}
