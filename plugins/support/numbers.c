/*
 * plugins/support/numbers.c - human-friendly case numbers, sequential per
 * portal: CS-1001, CS-1002, ... The counter lives in support.meta under
 * "next_number" and is read and advanced inside the write transaction that
 * creates the case, so two workers never hand out the same number (LMDB
 * serialises writers) and an aborted create leaves no gap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static const char key_next[] = "next_number";

int sup_number_next(pt_txn *txn, uint64_t *number)
{
    json_t *rec = NULL;
    int rc = pt_record_get(txn, sup_db("meta"), key_next, sizeof key_next - 1, &rec);
    if (rc == PT_ENOTFOUND) {
        rec = json_pack("{s:i, s:I}", "_v", 1, "next", (json_int_t)SUP_NUMBER_FIRST);
        rc = 0;
    }
    if (rc) return rc;
    uint64_t n = pt_rec_u64(rec, "next", SUP_NUMBER_FIRST);
    if (n < SUP_NUMBER_FIRST) n = SUP_NUMBER_FIRST;
    pt_rec_set_u64(rec, "next", n + 1);
    rc = pt_record_put(txn, sup_db("meta"), key_next, sizeof key_next - 1, rec);
    json_decref(rec);
    if (rc == 0) *number = n;
    return rc;
}

uint64_t sup_number_parse(const char *s)
{
    if (!s) return 0;
    if ((s[0] == 'C' || s[0] == 'c') && (s[1] == 'S' || s[1] == 's') && s[2] == '-') s += 3;
    if (!*s || strlen(s) > 15) return 0;
    uint64_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return 0;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    return n;
}

const char *sup_number_fmt(uint64_t n, char out[24])
{
    snprintf(out, 24, "CS-%llu", (unsigned long long)n);
    return out;
}
