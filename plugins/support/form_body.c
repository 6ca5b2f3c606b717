/*
 * plugins/support/form_body.c - the request bodies of the case forms
 * (POST /support/new and POST /support/cases/CS-1001/reply), so files can
 * be attached with a plain HTML form (enctype="multipart/form-data", no
 * JavaScript), streamed to disk as they arrive (upload.c), SUP_ATTACH_MAX
 * per file, SUP_FORM_FILES_MAX per submit, SUP_FORM_TEXT_MAX of text.
 * application/x-www-form-urlencoded bodies (the forms without files, and
 * existing clients) are taken too, buffered up to SUP_FORM_TEXT_MAX.
 *
 * Fields: text fields by name (first value wins); file fields named
 * "files" become attachments; a file field with no file chosen, or an
 * empty file, is ignored; other file fields are skipped.
 *
 * CSRF. The routes are PT_ROUTE_CSRF_IN_BODY: the core's gate refuses
 * cross-site requests and checks an X-CSRF-Token header or API token as
 * for any route; without them, this sink hands the form's `_csrf` field to
 * pt_req_csrf_check. A multipart form must send it before its first file
 * (the forms put it first; browsers send fields in document order), so no
 * byte of a file is written for a request that is not the user's own; a
 * form without files is checked at its end, and the core refuses the
 * handler if no check passed.
 * The sign-in and the route's permission are still checked by the gate at
 * header time, before any byte of the body is read. Every refusal is a
 * proper error response (400, 403, 404, 413, 422) and nothing is written.
 */
#include <string.h>
#include <strings.h>

#include "multipart.h"
#include "support.h"

#define FIELDS_MAX 64

enum { K_NONE, K_URLENCODED, K_MULTIPART, K_EMPTY };
enum { P_TEXT, P_FILE, P_SKIP };

typedef struct field {
    const char *name, *value;
} field;

typedef struct form {
    pt_req *req;
    int kind;
    bool ready, answered;
    pt_buf buf;     /* the urlencoded body, or the text part being read */
    size_t text;    /* text bytes of the form so far */
    sup_mp mp;
    int part;
    char name[64];
    char filename[SUP_FILENAME_MAX + 1];
    sup_upload *cur;
    sup_upload *files[SUP_FORM_FILES_MAX];
    size_t nfiles;
    field fields[FIELDS_MAX];
    size_t nfields;
} form;

static int key_form;

static void form_free(void *p)
{
    pt_buf_free(&((form *)p)->buf);
}

/* Answer an error once and stop the body. */
static int fail(form *f, int status, const char *key)
{
    if (!f->answered) pt_http_error(f->req, status, pt_t(f->req, key));
    f->answered = true;
    return PT_EINVAL;
}

static const char *get(const form *f, const char *name)
{
    for (size_t i = 0; i < f->nfields; i++)
        if (strcmp(f->fields[i].name, name) == 0) return f->fields[i].value;
    return NULL;
}

static int add_field(form *f, const char *name, size_t nl, const char *value, size_t vl)
{
    if (f->nfields == FIELDS_MAX) return fail(f, 413, "support.err.form_too_big");
    pt_arena *a = pt_req_arena(f->req);
    f->fields[f->nfields++] = (field){pt_arena_strndup(a, name, nl), pt_arena_strndup(a, value, vl)};
    return 0;
}

/* ---- the first piece: the case, the encoding ------------------------------------- */

static int begin(form *f)
{
    pt_req *req = f->req;
    const char *number = pt_req_param(req, "number");
    if (number) { /* a reply: the case must be there before a file is stored */
        int rc = 0;
        pt_txn *txn = pt_txn_begin(false, &rc);
        json_t *c = NULL;
        if (txn) rc = sup_case_get(txn, req, sup_number_parse(number), &c);
        pt_txn_abort(txn);
        json_decref(c);
        if (!txn) return fail(f, 503, "support.err.busy");
        if (rc) return fail(f, 404, "support.err.not_found");
    }
    const char *ct = pt_req_header(req, "Content-Type");
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) f->kind = K_URLENCODED;
    else if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0) {
        if (sup_mp_init(&f->mp, ct) != 0) return fail(f, 400, "support.err.form_malformed");
        f->kind = K_MULTIPART;
    } else {
        f->kind = K_EMPTY; /* only an empty body is fine without a form type */
    }
    return 0;
}

/* ---- multipart callbacks --------------------------------------------------------- */

static int mp_begin(void *ud, const char *hdr, size_t len)
{
    (void)len;
    form *f = ud;
    bool is_file = false;
    if (sup_mp_disposition(hdr, f->name, sizeof f->name, f->filename, sizeof f->filename,
                           &is_file) != 0)
        return fail(f, 400, "support.err.form_malformed");
    f->cur = NULL;
    pt_buf_reset(&f->buf);
    if (!is_file) {
        f->part = P_TEXT;
        return 0;
    }
    if (strcmp(f->name, "files") != 0) {
        f->part = P_SKIP;
        return 0;
    }
    f->part = P_FILE;
    /* Before any byte of a file: the token must have come first. */
    if (!pt_req_csrf_check(f->req, get(f, "_csrf"))) return fail(f, 403, "support.err.form_csrf");
    const char *base = f->filename;
    for (const char *p = f->filename; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    memmove(f->filename, base, strlen(base) + 1);
    if (*f->filename && !sup_filename_ok(f->filename)) return fail(f, 422, "support.err.filename_form");
    return 0;
}

static int mp_data(void *ud, const char *data, size_t len)
{
    form *f = ud;
    if (f->part == P_SKIP) return 0;
    if (f->part == P_TEXT) {
        if (len > SUP_FORM_TEXT_MAX - f->text) return fail(f, 413, "support.err.form_too_big");
        f->text += len;
        pt_buf_append(&f->buf, data, len);
        return 0;
    }
    if (!f->cur) { /* the first byte of a file: now it counts */
        if (f->nfiles == SUP_FORM_FILES_MAX) return fail(f, 413, "support.err.too_many_files");
        if (sup_upload_open(f->req, *f->filename ? f->filename : "file", &f->cur) != 0)
            return fail(f, 503, "support.err.busy");
        f->files[f->nfiles++] = f->cur;
    }
    int rc = sup_upload_write(f->cur, data, len);
    if (rc == PT_ETOOBIG) return fail(f, 413, "support.err.too_big");
    if (rc) return fail(f, 503, "support.err.busy");
    return 0;
}

static int mp_end(void *ud)
{
    form *f = ud;
    if (f->part == P_TEXT)
        return add_field(f, f->name, strlen(f->name), f->buf.data ? f->buf.data : "", f->buf.len);
    f->cur = NULL;
    return 0;
}

static const sup_mp_cb callbacks = {mp_begin, mp_data, mp_end};

/* ---- urlencoded ----------------------------------------------------------------------- */

static int urlencoded(form *f)
{
    char *s = pt_arena_strndup(pt_req_arena(f->req), f->buf.data ? f->buf.data : "", f->buf.len);
    for (char *save = NULL, *tok = strtok_r(s, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(tok, '=');
        char *v = eq ? eq + 1 : tok + strlen(tok);
        if (eq) *eq = 0;
        size_t nl = pt_url_decode(tok, strlen(tok), true), vl = pt_url_decode(v, strlen(v), true);
        if (nl && add_field(f, tok, nl, v, vl) != 0) return PT_EINVAL;
    }
    return 0;
}

/* ---- the sink ---------------------------------------------------------------------------- */

int sup_form_body(pt_req *req, const char *data, size_t len)
{
    form *f = pt_req_get_data(req, &key_form);
    if (!f) {
        f = pt_arena_alloc(pt_req_arena(req), sizeof *f);
        f->req = req;
        pt_arena_defer(pt_req_arena(req), form_free, f);
        pt_req_set_data(req, &key_form, f);
        if (begin(f) != 0) return PT_EINVAL;
    }
    if (data) {
        switch (f->kind) {
        case K_URLENCODED:
            if (len > SUP_FORM_TEXT_MAX - f->buf.len) return fail(f, 413, "support.err.form_too_big");
            pt_buf_append(&f->buf, data, len);
            return 0;
        case K_MULTIPART: {
            int rc = sup_mp_feed(&f->mp, data, len, &callbacks, f);
            return rc ? fail(f, 400, "support.err.form_malformed") : 0;
        }
        default:
            return fail(f, 400, "support.err.form_encoding");
        }
    }
    /* the end of the body */
    if (f->kind == K_URLENCODED && urlencoded(f) != 0) return PT_EINVAL;
    if (f->kind == K_MULTIPART && !sup_mp_complete(&f->mp)) return fail(f, 400, "support.err.form_malformed");
    if (!pt_req_csrf_check(req, get(f, "_csrf"))) return fail(f, 403, "errors.csrf");
    f->ready = true;
    return 0;
}

bool sup_form_ready(pt_req *req)
{
    form *f = pt_req_get_data(req, &key_form);
    return f && f->ready;
}

const char *sup_form_get(pt_req *req, const char *name)
{
    form *f = pt_req_get_data(req, &key_form);
    return f && f->ready ? get(f, name) : NULL;
}

size_t sup_form_files(pt_req *req, sup_upload *const **out)
{
    form *f = pt_req_get_data(req, &key_form);
    *out = f ? f->files : NULL;
    return f && f->ready ? f->nfiles : 0;
}
