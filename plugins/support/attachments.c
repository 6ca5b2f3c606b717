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
 * Files live in <data dir>/support-attachments/<id> (upload.c). The sink
 * checks the case on the first piece and streams to "<id>.part"; the
 * handler fsyncs and renames it, then adds the conversation entry (kind
 * "attachment") in one write txn. A request that ends early (client gone,
 * too big, store error) leaves no file and no entry (upload.c's cleanup).
 * The case forms take files too, as multipart bodies: form_body.c.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

static int key_upload;

int sup_attach_body(pt_req *req, const char *data, size_t len)
{
    sup_upload *u = pt_req_get_data(req, &key_upload);
    if (!u) {
        if (!data) return 0; /* empty body: the handler answers */
        const char *name = pt_req_query(req, "filename");
        if (!sup_filename_ok(name)) {
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
        if (sup_upload_open(req, name, &u) != 0) {
            pt_http_error(req, 503, sup_t(req, "support.err.busy"));
            return PT_EIO;
        }
        pt_req_set_data(req, &key_upload, u);
    }
    if (!data) return 0;
    int rc = sup_upload_write(u, data, len);
    if (rc) {
        pt_http_error(req, rc == PT_ETOOBIG ? 413 : 503,
                      sup_t(req, rc == PT_ETOOBIG ? "support.err.too_big" : "support.err.busy"));
        return rc;
    }
    return 0;
}

int sup_attach_post(pt_req *req)
{
    sup_upload *u = pt_req_get_data(req, &key_upload);
    if (!u || u->size == 0) {
        pt_http_error_field(req, 422, "file", sup_t(req, "support.err.empty_file"));
        return 0;
    }
    if (sup_upload_finish(u) != 0) {
        pt_http_error(req, 503, sup_t(req, "support.err.busy"));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *c = NULL, *old = NULL;
    if (txn) rc = sup_case_get(txn, req, sup_number_parse(pt_req_param(req, "number")), &c);
    if (txn && rc == 0) {
        old = json_deep_copy(c);
        rc = sup_upload_entry(txn, req, c, u);
        json_object_set_new(c, "updated", json_integer((json_int_t)pt_wall_ms()));
        if (rc == 0) rc = sup_case_update(txn, old, c);
        if (rc == 0) rc = pt_txn_commit(txn);
        else pt_txn_abort(txn);
    } else {
        pt_txn_abort(txn);
    }
    json_decref(c);
    json_decref(old);
    if (!txn || rc) { /* the file goes with the request (upload.c) */
        pt_http_error(req, rc == PT_ENOTFOUND ? 404 : 503,
                      sup_t(req, rc == PT_ENOTFOUND ? "support.err.not_found" : "support.err.busy"));
        return 0;
    }
    sup_upload_keep(u);
    char ids[PT_ID_STRLEN];
    pt_resp_json(req, 201, json_pack("{s:s, s:s, s:I}", "id", pt_id_to_str(u->id, ids), "name", u->name,
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
    if (found && sup_files_dir(dir, sizeof dir)) {
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
