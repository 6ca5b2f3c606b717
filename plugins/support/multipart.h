/*
 * plugins/support/multipart.h - the streaming multipart/form-data parser
 * (multipart.c): feed the body in pieces of any size; each part's header
 * block and data reach the callbacks as they arrive.
 */
#ifndef SUPPORT_MULTIPART_H
#define SUPPORT_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define SUP_MP_BOUNDARY_MAX 200
#define SUP_MP_HEADER_MAX 4096 /* one part's header block */

/* Callbacks return 0 to go on or a negative code to stop (returned by
 * sup_mp_feed). begin: a part's raw header block (CRLF-separated lines,
 * ending with an empty line, NUL-terminated; borrowed for the call).
 * data: a piece of the part's content (borrowed). end: the part is over. */
typedef struct sup_mp_cb {
    int (*begin)(void *ud, const char *hdr, size_t len);
    int (*data)(void *ud, const char *data, size_t len);
    int (*end)(void *ud);
} sup_mp_cb;

typedef struct sup_mp {
    char delim[SUP_MP_BOUNDARY_MAX + 4]; /* "\r\n--" + boundary */
    size_t dlen;
    size_t matched;                      /* delimiter bytes matched so far */
    int state;
    bool failed;
    char hdr[SUP_MP_HEADER_MAX];
    size_t hlen;
} sup_mp;

/* Set up for a body with this Content-Type. 0, or -1 when it is not
 * multipart/form-data with a usable boundary. */
int sup_mp_init(sup_mp *m, const char *content_type);
/* Parse the next piece. 0, a callback's code, or -1 (malformed). */
int sup_mp_feed(sup_mp *m, const char *data, size_t len, const sup_mp_cb *cb, void *ud);
/* True once the closing delimiter was read (and nothing failed). */
bool sup_mp_complete(const sup_mp *m);
/* From a part's header block: the form field's name and, for a file
 * field, its filename (*has_filename; "" when no file was chosen).
 * 0, or -1 when there is no usable Content-Disposition: form-data. */
int sup_mp_disposition(const char *hdr, char *name, size_t name_cap, char *filename,
                       size_t file_cap, bool *has_filename);

#endif
