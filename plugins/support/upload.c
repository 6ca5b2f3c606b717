/*
 * plugins/support/upload.c - attachment files on their way in: one file
 * per upload in <data dir>/support-attachments/ (the store's folder from
 * pt_store_stats), written as "<id>.part" while the request body streams
 * in (SUP_ATTACH_MAX each, never held in memory), fsynced and renamed to
 * "<id>" before the write transaction that records it, and the
 * conversation entry (kind "attachment") written in that transaction.
 *
 * Nothing is left half-written: an arena cleanup removes the .part file,
 * or the renamed file, when the request ends without sup_upload_keep
 * (client gone, too big, bad form, store error, failed commit). Used by
 * the raw-body API (attachments.c) and the case forms (form_body.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

bool sup_files_dir(char *out, size_t n)
{
    json_t *st = NULL;
    if (pt_store_stats(&st) != 0) return false;
    const char *dir = json_string_value(json_object_get(st, "dir"));
    bool ok = dir && snprintf(out, n, "%s/support-attachments", dir) < (int)n;
    json_decref(st);
    if (ok && mkdir(out, 0700) != 0 && errno != EEXIST) ok = false;
    return ok;
}

bool sup_filename_ok(const char *s)
{
    if (!s || !*s || strlen(s) > SUP_FILENAME_MAX || strchr(s, '/') || strchr(s, '\\')) return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"') return false;
    json_t *j = json_string(s); /* valid UTF-8 */
    json_decref(j);
    return j != NULL;
}

static void cleanup(void *p)
{
    sup_upload *u = p;
    if (u->fd >= 0) close(u->fd);
    u->fd = -1;
    if (u->kept) return;
    if (u->part[0]) unlink(u->part);
    if (u->renamed) unlink(u->final);
}

int sup_upload_open(pt_req *req, const char *name, sup_upload **out)
{
    sup_upload *u = pt_arena_alloc(pt_req_arena(req), sizeof *u);
    u->fd = -1;
    u->id = pt_id_new();
    snprintf(u->name, sizeof u->name, "%s", name);
    char dir[400], ids[PT_ID_STRLEN];
    if (!sup_files_dir(dir, sizeof dir)) return PT_EIO;
    pt_id_to_str(u->id, ids);
    snprintf(u->part, sizeof u->part, "%s/%s.part", dir, ids);
    snprintf(u->final, sizeof u->final, "%s/%s", dir, ids);
    u->fd = open(u->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (u->fd < 0) {
        u->part[0] = 0; /* not ours to remove */
        return PT_EIO;
    }
    pt_arena_defer(pt_req_arena(req), cleanup, u);
    *out = u;
    return 0;
}

int sup_upload_write(sup_upload *u, const char *data, size_t len)
{
    if (len > SUP_ATTACH_MAX - u->size) return PT_ETOOBIG;
    while (len > 0) {
        ssize_t w = write(u->fd, data, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return PT_EIO;
        data += w, len -= (size_t)w, u->size += (size_t)w;
    }
    return 0;
}

int sup_upload_finish(sup_upload *u)
{
    if (u->renamed) return 0;
    if (u->fd < 0 || fsync(u->fd) != 0) return PT_EIO;
    close(u->fd);
    u->fd = -1;
    if (rename(u->part, u->final) != 0) return PT_EIO;
    u->part[0] = 0;
    u->renamed = true;
    return 0;
}

int sup_upload_entry(pt_txn *txn, pt_req *req, const json_t *c, const sup_upload *u)
{
    json_t *m = json_pack("{s:s, s:s, s:s, s:I, s:b}", "kind", "attachment", "name", u->name,
                          "author_name", pt_rec_str(pt_req_principal(req)->info, "name", ""), "size",
                          (json_int_t)u->size, "by_agent", sup_is_agent(req, c));
    pt_rec_set_u64(m, "author", pt_req_user(req));
    pt_rec_set_u64(m, "file", u->id);
    int rc = sup_msg_add(txn, c, m, NULL);
    json_decref(m);
    return rc;
}

void sup_upload_keep(sup_upload *u)
{
    u->kept = true;
}
