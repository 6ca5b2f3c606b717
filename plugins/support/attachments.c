/*
 * plugins/support/attachments.c - files attached to a case, up to 25 MB
 * each, streamed to disk as they arrive (the route's body sink), never
 * held in memory.
 *
 *   POST /api/v1/cases/CS-1001/attachments?filename=logs.zip
 *        raw body = the file (any Content-Type); CSRF through the
 *        X-CSRF-Token header (the gate checks it, and the permission,
 *        before any body byte is read). 201 {"id", "name", "size"}.
 *   GET  /support/cases/CS-1001/attachments/:id   download (attachment,
 *        application/octet-stream, so nothing uploaded renders inline)
 *
 * Files live in <data dir>/support-attachments/<id> (the data dir is the
 * store's folder from pt_store_stats). The sink checks the case on the
 * first piece and writes to "<id>.part"; the handler fsyncs and renames it,
 * then adds the conversation entry (kind "attachment") in one write txn.
 * A request that ends early (client gone, too big, store error) removes
 * its .part file through an arena cleanup, so nothing is half-written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

#define SUP_ATTACH_MAX (25u * 1000u * 1000u)

typedef struct upload {
    int fd;
    uint64_t id;
    size_t size;
    bool done;       /* renamed into place: keep the file */
    char part[512];
    char final[512];
} upload;

static int key_upload;

static bool files_dir(char *out, size_t n)
{
    json_t *st = NULL;
    if (pt_store_stats(&st) != 0) return false;
    const char *dir = json_string_value(json_object_get(st, "dir"));
    bool ok = dir && snprintf(out, n, "%s/support-attachments", dir) < (int)n;
    json_decref(st);
    if (ok && mkdir(out, 0700) != 0 && errno != EEXIST) ok = false;
    return ok;
}

static void cleanup(void *p)
{
    upload *u = p;
    if (u->fd >= 0) close(u->fd);
    u->fd = -1;
    if (!u->done && u->part[0]) unlink(u->part);
}

static bool name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 200 || strchr(s, '/') || strchr(s, '\\')) return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '"') return false;
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

int sup_attach_body(pt_req *req, const char *data, size_t len)
{
    upload *u = pt_req_get_data(req, &key_upload);
    if (!u) {
        if (!data) return 0; /* empty body: the handler answers */
        if (!name_ok(pt_req_query(req, "filename"))) {
            pt_http_error_field(req, 422, "filename", sup_t(req, "support.err.filename"));
            return PT_EINVAL;
        }
        int rc = 0;
        pt_txn *txn = pt_txn_begin(false, &rc);
        json_t *c = NULL;
        if (txn) rc = sup_case_get(txn, req, sup_number_parse(pt_req_param(req, "number")), &c);
        pt_txn_abort(txn);
        json_decref(c);
        if (!txn || rc) {
            pt_http_error(req, txn ? 404 : 503, sup_t(req, txn ? "support.err.not_found" : "support.err.busy"));
            return PT_ENOTFOUND;
        }
        u = pt_arena_alloc(pt_req_arena(req), sizeof *u);
        u->fd = -1;
        u->id = pt_id_new();
        char dir[400], ids[PT_ID_STRLEN];
        if (!files_dir(dir, sizeof dir)) {
            pt_http_error(req, 503, sup_t(req, "support.err.busy"));
            return PT_EIO;
        }
        pt_id_to_str(u->id, ids);
        snprintf(u->part, sizeof u->part, "%s/%s.part", dir, ids);
        snprintf(u->final, sizeof u->final, "%s/%s", dir, ids);
        u->fd = open(u->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        pt_arena_defer(pt_req_arena(req), cleanup, u);
        pt_req_set_data(req, &key_upload, u);
        if (u->fd < 0) {
            pt_http_error(req, 503, sup_t(req, "support.err.busy"));
            return PT_EIO;
        }
    }
    if (!data) return 0;
    if (u->size + len > SUP_ATTACH_MAX) {
        pt_http_error(req, 413, sup_t(req, "support.err.too_big"));
        return PT_ETOOBIG;
    }
    while (len > 0) {
        ssize_t w = write(u->fd, data, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            pt_http_error(req, 503, sup_t(req, "support.err.busy"));
            return PT_EIO;
        }
        data += w, len -= (size_t)w, u->size += (size_t)w;
    }
    return 0;
}

int sup_attach_post(pt_req *req)
{
    upload *u = pt_req_get_data(req, &key_upload);
    if (!u || u->size == 0) {
        pt_http_error_field(req, 422, "file", sup_t(req, "support.err.empty_file"));
        return 0;
    }
    if (fsync(u->fd) != 0 || rename(u->part, u->final) != 0) {
        pt_http_error(req, 503, sup_t(req, "support.err.busy"));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *c = NULL, *old = NULL;
    if (txn) rc = sup_case_get(txn, req, sup_number_parse(pt_req_param(req, "number")), &c);
    const char *name = pt_req_query(req, "filename");
    if (txn && rc == 0) {
        old = json_deep_copy(c);
        json_t *m = json_pack("{s:s, s:s, s:s, s:I, s:b}", "kind", "attachment", "name", name,
                              "author_name", pt_rec_str(pt_req_principal(req)->info, "name", ""),
                              "size", (json_int_t)u->size, "by_agent", sup_is_agent(req, c));
        pt_rec_set_u64(m, "author", pt_req_user(req));
        pt_rec_set_u64(m, "file", u->id);
        rc = sup_msg_add(txn, c, m, NULL);
        json_decref(m);
        json_object_set_new(c, "updated", json_integer((json_int_t)pt_wall_ms()));
        if (rc == 0) rc = sup_case_update(txn, old, c);
        if (rc == 0) rc = pt_txn_commit(txn);
        else pt_txn_abort(txn);
    } else {
        pt_txn_abort(txn);
    }
    json_decref(c);
    json_decref(old);
    if (!txn || rc) {
        unlink(u->final);
        pt_http_error(req, rc == PT_ENOTFOUND ? 404 : 503,
                      sup_t(req, rc == PT_ENOTFOUND ? "support.err.not_found" : "support.err.busy"));
        return 0;
    }
    u->done = true;
    char ids[PT_ID_STRLEN];
    pt_resp_json(req, 201, json_pack("{s:s, s:s, s:I}", "id", pt_id_to_str(u->id, ids), "name", name,
                                     "size", (json_int_t)u->size));
    return 0;
}

int sup_attach_get(pt_req *req)
{
    uint64_t fid = 0;
    if (pt_id_parse(pt_req_param(req, "id"), &fid) != 0) {
        pt_http_error(req, 404, sup_t(req, "support.err.not_found"));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *c = NULL, *msgs = NULL;
    if (txn && sup_case_get(txn, req, sup_number_parse(pt_req_param(req, "number")), &c) == 0)
        msgs = sup_msg_list(txn, c, false);
    pt_txn_abort(txn);
    json_t *found = NULL;
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m)
        if (strcmp(pt_rec_str(m, "kind", ""), "attachment") == 0 && pt_rec_u64(m, "file", 0) == fid)
            found = m;
    char dir[400], path[512], ids[PT_ID_STRLEN];
    int fd = -1;
    struct stat st;
    if (found && files_dir(dir, sizeof dir)) {
        snprintf(path, sizeof path, "%s/%s", dir, pt_id_to_str(fid, ids));
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        json_decref(msgs);
        json_decref(c);
        pt_http_error(req, 404, sup_t(req, "support.err.not_found"));
        return 0;
    }
    pt_buf cd = PT_BUF_INIT;
    pt_buf_puts(&cd, "attachment; filename*=UTF-8''");
    pt_url_encode(&cd, pt_rec_str(found, "name", "file"));
    pt_resp_status(req, 200);
    pt_resp_header(req, "Content-Type", "application/octet-stream");
    pt_resp_header(req, "Content-Disposition", cd.data);
    pt_buf_free(&cd);
    json_decref(msgs);
    json_decref(c);
    pt_resp_file(req, fd, 0, (size_t)st.st_size);
    return 0;
}
