/*
 * plugins/knowledge/diff.c - a line diff for revision history: longest
 * common subsequence over lines (after trimming the common head and tail,
 * which is most of an edit), bounded to 2000 x 2000 lines in the middle;
 * past that the middle is shown as removed + added.
 */
#include <string.h>

#include "knowledge.h"

typedef struct lines {
    const char **s;
    size_t *l;
    size_t n;
} lines;

static void split(const char *t, lines *L)
{
    size_t cap = 64;
    L->s = pt_xmalloc(cap * sizeof *L->s);
    L->l = pt_xmalloc(cap * sizeof *L->l);
    L->n = 0;
    while (*t) {
        const char *e = strchr(t, '\n');
        size_t len = e ? (size_t)(e - t) : strlen(t);
        if (L->n == cap) {
            cap *= 2;
            L->s = pt_xrealloc(L->s, cap * sizeof *L->s);
            L->l = pt_xrealloc(L->l, cap * sizeof *L->l);
        }
        L->s[L->n] = t;
        L->l[L->n++] = len && t[len - 1] == '\r' ? len - 1 : len;
        if (!e) break;
        t = e + 1;
    }
}

static bool eq(const lines *a, size_t i, const lines *b, size_t j)
{
    return a->l[i] == b->l[j] && memcmp(a->s[i], b->s[j], a->l[i]) == 0;
}

static void push(json_t *out, const char *op, const char *s, size_t l)
{
    json_array_append_new(out, json_pack("{s:s, s:s%}", "op", op, "text", s, l));
}

json_t *kb_diff_lines(const char *a, const char *b)
{
    lines A, B;
    split(a ? a : "", &A);
    split(b ? b : "", &B);
    json_t *out = json_array();
    size_t h = 0;
    while (h < A.n && h < B.n && eq(&A, h, &B, h)) h++;
    size_t ta = A.n, tb = B.n;
    while (ta > h && tb > h && eq(&A, ta - 1, &B, tb - 1)) { ta--; tb--; }
    for (size_t i = 0; i < h; i++) push(out, " ", A.s[i], A.l[i]);
    size_t n = ta - h, m = tb - h;
    if (n <= 2000 && m <= 2000 && n && m) {
        uint16_t *T = pt_xcalloc((n + 1) * (m + 1), sizeof *T);
#define C(i, j) T[(i) * (m + 1) + (j)]
        for (size_t i = n; i-- > 0;)
            for (size_t j = m; j-- > 0;)
                C(i, j) = eq(&A, h + i, &B, h + j) ? (uint16_t)(C(i + 1, j + 1) + 1)
                          : (C(i + 1, j) >= C(i, j + 1) ? C(i + 1, j) : C(i, j + 1));
        size_t i = 0, j = 0;
        while (i < n && j < m) {
            if (eq(&A, h + i, &B, h + j)) { push(out, " ", A.s[h + i], A.l[h + i]); i++; j++; }
            else if (C(i + 1, j) >= C(i, j + 1)) { push(out, "-", A.s[h + i], A.l[h + i]); i++; }
            else { push(out, "+", B.s[h + j], B.l[h + j]); j++; }
        }
        for (; i < n; i++) push(out, "-", A.s[h + i], A.l[h + i]);
        for (; j < m; j++) push(out, "+", B.s[h + j], B.l[h + j]);
#undef C
        free(T);
    } else {
        for (size_t i = h; i < ta; i++) push(out, "-", A.s[i], A.l[i]);
        for (size_t j = h; j < tb; j++) push(out, "+", B.s[j], B.l[j]);
    }
    for (size_t i = ta; i < A.n; i++) push(out, " ", A.s[i], A.l[i]);
    free(A.s); free(A.l); free(B.s); free(B.l);
    return out;
}
