/*
 * plugins/knowledge/search_query.c - answering a search from the index
 * (search_index.c): query parsing ("quoted phrases", the last word as a
 * prefix while typing), term expansion (the stem in every language, prefix
 * completions from the sorted dictionary, edit-distance-1 candidates when a
 * word of >= 4 letters has no hits), AND across terms, visibility and
 * filters checked per candidate from the doc table BEFORE counting and
 * paging (so a hidden article changes neither results nor totals),
 * BM25 with the title weighted x3 and a bonus for a title that is exactly
 * the query, a bounded heap for the page, and highlighted snippets.
 * Scores are never returned to readers (idf counts every article).
 */
#include <math.h>
#include <string.h>

#include "knowledge.h"

#define K1 1.2
#define B 0.75
#define WT 3.0
#define MAX_EXPAND 24
#define MAX_TYPO 8

/* ---- parsing ------------------------------------------------------------------ */
typedef struct pctx {
    kb_query *q;
    int phrase;
} pctx;

static int add_tok(const char *norm, size_t nlen, size_t off, size_t len, void *ud)
{
    (void)off; (void)len;
    pctx *c = ud;
    if (c->q->n >= KB_MAX_QTERMS) return 1;
    kb_qterm *t = &c->q->t[c->q->n++];
    memcpy(t->norm, norm, nlen + 1);
    t->phrase = c->phrase;
    t->prefix = false;
    return 0;
}

void kb_query_parse(const char *q, kb_query *out)
{
    memset(out, 0, sizeof *out);
    if (!q) return;
    size_t len = strlen(q);
    if (len > 400) len = 400;
    pctx c = {out, 0};
    int groups = 0;
    size_t i = 0;
    while (i < len) {
        const char *qs = memchr(q + i, '"', len - i);
        size_t seg_end = qs ? (size_t)(qs - q) : len;
        c.phrase = 0;
        kb_tokenize(q + i, seg_end - i, add_tok, &c);
        if (!qs) break;
        const char *qe = memchr(qs + 1, '"', len - (seg_end + 1));
        size_t pend = qe ? (size_t)(qe - q) : len;
        size_t before = out->n;
        c.phrase = ++groups;
        kb_tokenize(qs + 1, pend - seg_end - 1, add_tok, &c);
        if (out->n - before < 2)
            for (size_t k = before; k < out->n; k++) out->t[k].phrase = 0;
        i = qe ? pend + 1 : len;
    }
    /* as you type: the last word, if the query ends inside it, is a prefix */
    if (out->n && len && !out->t[out->n - 1].phrase) {
        unsigned char lc = (unsigned char)q[len - 1];
        bool inword = (lc >= '0' && lc <= '9') || (lc >= 'a' && lc <= 'z') ||
                      (lc >= 'A' && lc <= 'Z') || lc >= 0x80;
        if (inword && strlen(out->t[out->n - 1].norm) >= 2) out->t[out->n - 1].prefix = true;
    }
    size_t o = 0;
    for (size_t k = 0; k < out->n; k++) {
        size_t l = strlen(out->t[k].norm);
        if (o + l + 2 >= sizeof out->norm_all) break;
        if (o) out->norm_all[o++] = ' ';
        memcpy(out->norm_all + o, out->t[k].norm, l);
        o += l;
    }
    out->norm_all[o] = 0;
}

/* ---- term expansion -------------------------------------------------------------- */
typedef struct keys {
    char k[MAX_EXPAND + MAX_TYPO + KB_NLANG][KB_TERM_MAX + 8];
    uint32_t df[MAX_EXPAND + MAX_TYPO + KB_NLANG];
    size_t n;
} keys;

static void keys_add(keys *ks, const char *k, size_t kl, uint32_t df)
{
    if (kl >= sizeof ks->k[0]) return;
    for (size_t i = 0; i < ks->n; i++)
        if (strlen(ks->k[i]) == kl && memcmp(ks->k[i], k, kl) == 0) return;
    if (ks->n >= sizeof ks->k / sizeof ks->k[0]) {
        /* full: replace the rarest expansion if this one is more frequent */
        size_t lo = KB_NLANG;
        for (size_t i = KB_NLANG; i < ks->n; i++)
            if (ks->df[i] < ks->df[lo]) lo = i;
        if (lo >= ks->n || ks->df[lo] >= df) return;
        memcpy(ks->k[lo], k, kl);
        ks->k[lo][kl] = 0;
        ks->df[lo] = df;
        return;
    }
    memcpy(ks->k[ks->n], k, kl);
    ks->k[ks->n][kl] = 0;
    ks->df[ks->n++] = df;
}

typedef struct pscan {
    keys *ks;
    size_t added, cap;
} pscan;

static int on_prefix(const char *key, size_t klen, uint32_t df, void *ud)
{
    pscan *p = ud;
    if (p->added < p->cap || df > 1) {
        keys_add(p->ks, key, klen, df);
        p->added++;
    }
    return 0;
}

/* |a| and |b| differ by at most one edit (substitution, insertion,
 * deletion or an adjacent transposition). */
static bool within1(const char *a, size_t la, const char *b, size_t lb)
{
    if (la == lb) {
        size_t d = 0, first = 0;
        for (size_t i = 0; i < la; i++)
            if (a[i] != b[i]) { if (!d) first = i; d++; }
        if (d <= 1) return true;
        if (d == 2 && first + 1 < la && a[first] == b[first + 1] && a[first + 1] == b[first])
            return memcmp(a + first + 2, b + first + 2, la - first - 2) == 0;
        return false;
    }
    if (la + 1 == lb) return within1(b, lb, a, la);
    if (lb + 1 != la) return false;
    size_t i = 0;
    while (i < lb && a[i] == b[i]) i++;
    return memcmp(a + i + 1, b + i, lb - i) == 0;
}

typedef struct tscan {
    keys *ks;
    const char *w1, *w2;
    size_t l1, l2, plen;
    size_t found;
} tscan;

static int on_typo(const char *key, size_t klen, uint32_t df, void *ud)
{
    tscan *t = ud;
    const char *w = key + t->plen;
    size_t wl = klen - t->plen;
    if ((wl + 1 >= t->l1 && wl <= t->l1 + 1 && within1(w, wl, t->w1, t->l1)) ||
        (wl + 1 >= t->l2 && wl <= t->l2 + 1 && within1(w, wl, t->w2, t->l2))) {
        keys_add(t->ks, key, klen, df);
        if (++t->found >= MAX_TYPO) return 1;
    }
    return 0;
}

static void expand(pt_txn *txn, const kb_qterm *qt, keys *ks)
{
    ks->n = 0;
    size_t nl = strlen(qt->norm);
    char stem[KB_TERM_MAX + 1], k[KB_TERM_MAX + 8];
    uint32_t total = 0;
    for (int L = 0; L < KB_NLANG; L++) {
        kb_stem(L, qt->norm, nl, stem);
        int kl = snprintf(k, sizeof k, "%s:%s", kb_lang_codes[L], stem);
        uint32_t df = kb_df(txn, k);
        total += df;
        if (df) keys_add(ks, k, (size_t)kl, df);
        if (qt->prefix) {
            pscan p = {ks, 0, 8};
            snprintf(k, sizeof k, "%s:%s", kb_lang_codes[L], qt->norm);
            size_t before = ks->n;
            kb_dict_scan(txn, k, 4000, on_prefix, &p);
            total += (uint32_t)(ks->n - before);
        }
    }
    size_t letters = 0;   /* code points, not bytes: "übe" is 3 letters */
    for (size_t i = 0; i < nl; i++) letters += ((unsigned char)qt->norm[i] & 0xC0) != 0x80;
    if (total || letters < 4) return;
    /* typo tolerance: dictionary words one edit away, same first letter */
    for (int L = 0; L < KB_NLANG; L++) {
        size_t sl = kb_stem(L, qt->norm, nl, stem);
        char pre[16];
        int n = snprintf(pre, sizeof pre, "%s:", kb_lang_codes[L]);
        size_t fl = ((unsigned char)qt->norm[0] >= 0xC0) ? 2 : 1;
        memcpy(pre + n, qt->norm, fl);
        pre[n + fl] = 0;
        tscan t = {ks, stem, qt->norm, sl, nl, (size_t)n, 0};
        kb_dict_scan(txn, pre, 50000, on_typo, &t);
    }
}

/* ---- evaluation ------------------------------------------------------------------ */
typedef struct tlist {
    kb_post *p;
    size_t n, cap, at;
    double idf;
    bool filter;
    int phrase;
    size_t hit;     /* index of the current doc's posting */
} tlist;

static int cmp_post(const void *a, const void *b)
{
    const kb_post *x = a, *y = b;
    return x->dn < y->dn ? -1 : x->dn > y->dn;
}

static void merge_dups(tlist *t)
{
    if (t->n < 2) return;
    qsort(t->p, t->n, sizeof *t->p, cmp_post);
    size_t o = 0;
    for (size_t i = 1; i < t->n; i++) {
        if (t->p[i].dn == t->p[o].dn) {
            t->p[o].tft += t->p[i].tft;
            t->p[o].tfb += t->p[i].tfb;
        } else {
            t->p[++o] = t->p[i];
        }
    }
    t->n = o + 1;
}

static bool sorted_already(const tlist *t)
{
    for (size_t i = 1; i < t->n; i++)
        if (t->p[i].dn <= t->p[i - 1].dn) return false;
    return true;
}

/* Positions of one posting into out (max cap). */
static size_t positions(const kb_post *p, uint32_t *out, size_t cap)
{
    const uint8_t *s = p->pos, *e = p->pos + p->poslen;
    uint64_t d;
    uint32_t at = 0;
    size_t n = 0;
    while (s < e && n < cap && kb_varint(&s, e, &d) == 0) {
        at += (uint32_t)d;
        out[n++] = at;
    }
    return n;
}

static bool phrase_ok(tlist **L, size_t nl, int g)
{
    enum { CAP = 4096 };
    uint32_t *a = NULL;
    size_t na = 0;
    bool first = true, ok = true;
    for (size_t i = 0; i < nl && ok; i++) {
        if (L[i]->phrase != g) continue;
        uint32_t *b = pt_xmalloc(CAP * sizeof *b);
        size_t nb = positions(&L[i]->p[L[i]->hit], b, CAP);
        if (first) {
            a = b; na = nb; first = false;
            continue;
        }
        /* keep positions of b that follow a kept position of a */
        size_t o = 0, j = 0;
        for (size_t k = 0; k < nb; k++) {
            while (j < na && a[j] + 1 < b[k]) j++;
            if (j < na && a[j] + 1 == b[k]) b[o++] = b[k];
        }
        free(a);
        a = b; na = o;
        ok = na > 0;
    }
    free(a);
    return ok;
}

typedef struct heap {
    kb_hit *h;
    size_t n, cap;
} heap;

static bool worse(const kb_hit *a, const kb_hit *b)
{
    return a->score < b->score || (a->score == b->score && a->dn < b->dn);
}

static void heap_push(heap *hp, kb_hit x)
{
    if (hp->cap == 0) return;
    if (hp->n < hp->cap) {
        size_t i = hp->n++;
        hp->h[i] = x;
        while (i && worse(&hp->h[i], &hp->h[(i - 1) / 2])) {
            kb_hit t = hp->h[i]; hp->h[i] = hp->h[(i - 1) / 2]; hp->h[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
        return;
    }
    if (!worse(&hp->h[0], &x)) return;
    hp->h[0] = x;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < hp->n && worse(&hp->h[l], &hp->h[m])) m = l;
        if (r < hp->n && worse(&hp->h[r], &hp->h[m])) m = r;
        if (m == i) break;
        kb_hit t = hp->h[i]; hp->h[i] = hp->h[m]; hp->h[m] = t;
        i = m;
    }
}

static int cmp_hit_desc(const void *a, const void *b)
{
    const kb_hit *x = a, *y = b;
    if (worse(x, y)) return 1;
    if (worse(y, x)) return -1;
    return 0;
}

int kb_search(pt_txn *txn, const kb_query *q, const kb_reader *r, const kb_filter *f,
              size_t offset, size_t limit, kb_hit *hits, size_t *nhits, size_t *total)
{
    *nhits = 0;
    *total = 0;
    if (q->n == 0) return 0;
    kb_stats st;
    int rc = kb_stats_get(txn, &st);
    if (rc || st.ndocs == 0) return rc;
    size_t nl = q->n + 1;
    tlist *lists = pt_xcalloc(nl, sizeof *lists);
    tlist **L = pt_xcalloc(nl, sizeof *L);
    keys *ks = pt_xmalloc(sizeof *ks);
    size_t used = 0;
    bool empty = false;
    double N = (double)st.ndocs;
    for (size_t i = 0; i < q->n && !empty; i++) {
        tlist *t = &lists[used++];
        t->phrase = q->t[i].phrase;
        expand(txn, &q->t[i], ks);
        for (size_t k = 0; k < ks->n && rc == 0; k++) rc = kb_postings(txn, ks->k[k], &t->p, &t->n, &t->cap);
        if (ks->n > 1 || !sorted_already(t)) merge_dups(t);
        if (t->n == 0) empty = true;
        double df = (double)t->n;
        t->idf = log(1.0 + (N - df + 0.5) / (df + 0.5));
    }
    if (!empty && f && f->product && *f->product && rc == 0) {
        tlist *t = &lists[used++];
        char k[KB_TERM_MAX + 8];
        snprintf(k, sizeof k, "!p:%s", f->product);
        for (char *c = k; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
        rc = kb_postings(txn, k, &t->p, &t->n, &t->cap);
        t->filter = true;
        if (t->n == 0) empty = true;
    }
    free(ks);
    size_t nterms = 0;
    for (size_t i = 0; i < used; i++) {
        L[i] = &lists[i];
        if (!lists[i].filter) nterms++;
    }
    if (!empty && rc == 0) {
        /* drive from the shortest list */
        size_t s = 0;
        for (size_t i = 1; i < used; i++)
            if (L[i]->n < L[s]->n) s = i;
        tlist *drv = L[s];
        double avgdl = (double)(st.sum_body + WT * (double)st.sum_title) / N;
        if (avgdl <= 0) avgdl = 1;
        size_t K = offset + limit;
        if (K > KB_SEARCH_WINDOW) K = KB_SEARCH_WINDOW;
        heap hp = {pt_xmalloc((K ? K : 1) * sizeof(kb_hit)), 0, K};
        kb_doccache dc = {0};
        int maxphrase = 0;
        for (size_t i = 0; i < used; i++)
            if (L[i]->phrase > maxphrase) maxphrase = L[i]->phrase;
        for (size_t di = 0; di < drv->n; di++) {
            uint32_t dn = drv->p[di].dn;
            drv->hit = di;
            bool all = true;
            for (size_t i = 0; i < used && all; i++) {
                tlist *t = L[i];
                if (t == drv) continue;
                while (t->at < t->n && t->p[t->at].dn < dn) t->at++;
                if (t->at >= t->n) { all = false; di = drv->n; break; }
                if (t->p[t->at].dn != dn) all = false;
                else t->hit = t->at;
            }
            if (!all) continue;
            kb_docent e;
            if (kb_doc_cached(txn, &dc, dn, &e) != 0) continue;
            if (!kb_visible_ent(txn, r, dn, &e)) continue;
            if (f && f->collection >= 0 && ((e.flags & KB_DOC_TECH) ? 1 : 0) != f->collection) continue;
            if (f && f->cat >= 0 && e.cat != f->cat) continue;
            bool ok = true;
            for (int g = 1; g <= maxphrase && ok; g++) ok = phrase_ok(L, used, g);
            if (!ok) continue;
            double dl = (double)e.body_len + WT * e.title_len;
            double score = 0, idfsum = 0;
            bool intitle = true;
            for (size_t i = 0; i < used; i++) {
                tlist *t = L[i];
                if (t->filter) continue;
                const kb_post *p = &t->p[t->hit];
                double tf = p->tfb + WT * p->tft;
                score += t->idf * (tf * (K1 + 1)) / (tf + K1 * (1 - B + B * dl / avgdl));
                idfsum += t->idf;
                if (!p->tft) intitle = false;
            }
            if (intitle) {
                score += idfsum;
                if (e.title_len == nterms) score += 1000;
            }
            (*total)++;
            heap_push(&hp, (kb_hit){e.id, dn, score});
        }
        qsort(hp.h, hp.n, sizeof *hp.h, cmp_hit_desc);
        for (size_t i = offset; i < hp.n && *nhits < limit; i++) hits[(*nhits)++] = hp.h[i];
        free(hp.h);
        kb_doccache_free(&dc);
    }
    for (size_t i = 0; i < used; i++) free(lists[i].p);
    free(lists);
    free(L);
    return rc;
}

/* ---- snippets ----------------------------------------------------------------------- */
typedef struct hl {
    const kb_query *q;
    int lang;
    char stems[KB_MAX_QTERMS][KB_TERM_MAX + 1];
    size_t first_off;
    bool found;
    /* output mode */
    pt_buf *out;
    const char *base;
    size_t at, end;
} hl;

static bool matches(hl *h, const char *norm, size_t nlen)
{
    char st[KB_TERM_MAX + 1];
    kb_stem(h->lang, norm, nlen, st);
    for (size_t i = 0; i < h->q->n; i++) {
        if (strcmp(st, h->stems[i]) == 0) return true;
        size_t ql = strlen(h->q->t[i].norm);
        if (h->q->t[i].prefix && nlen >= ql && memcmp(norm, h->q->t[i].norm, ql) == 0) return true;
    }
    return false;
}

static int find_first(const char *norm, size_t nlen, size_t off, size_t len, void *ud)
{
    (void)len;
    hl *h = ud;
    if (matches(h, norm, nlen)) {
        h->first_off = off;
        h->found = true;
        return 1;
    }
    return 0;
}

static void plain(pt_buf *out, const char *s, size_t n)
{
    /* Markdown punctuation is noise in a snippet: drop it, collapse spaces */
    bool sp = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '#' || c == '*' || c == '`' || c == '|' || c == '_') continue;
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            if (!sp) pt_buf_putc(out, ' ');
            sp = true;
            continue;
        }
        sp = false;
        pt_buf_html_escape(out, &s[i], 1);
    }
}

static int emit(const char *norm, size_t nlen, size_t off, size_t len, void *ud)
{
    hl *h = ud;
    if (!matches(h, norm, nlen)) return 0;
    plain(h->out, h->base + h->at, off - h->at);
    pt_buf_puts(h->out, "<mark>");
    pt_buf_html_escape(h->out, h->base + off, len);
    pt_buf_puts(h->out, "</mark>");
    h->at = off + len;
    return 0;
}

static void hl_init(hl *h, const kb_query *q, int lang)
{
    memset(h, 0, sizeof *h);
    h->q = q;
    h->lang = lang < 0 || lang >= KB_NLANG ? KB_EN : lang;
    for (size_t i = 0; i < q->n; i++) kb_stem(h->lang, q->t[i].norm, strlen(q->t[i].norm), h->stems[i]);
}

void kb_highlight(const kb_query *q, int lang, const char *text, pt_buf *out)
{
    hl h;
    hl_init(&h, q, lang);
    h.out = out;
    h.base = text;
    size_t n = strlen(text);
    kb_tokenize(text, n, emit, &h);
    plain(out, text + h.at, n - h.at);
}

void kb_snippet(const kb_query *q, int lang, const char *text, size_t maxlen, pt_buf *out)
{
    hl h;
    hl_init(&h, q, lang);
    size_t n = strlen(text);
    if (q->n) kb_tokenize(text, n, find_first, &h);
    size_t start = 0;
    if (h.found && h.first_off > 60) {
        start = h.first_off - 60;
        while (start < h.first_off && text[start] != ' ' && text[start] != '\n') start++;
    }
    size_t end = start + maxlen < n ? start + maxlen : n;
    while (end < n && end > start && ((unsigned char)text[end] & 0xC0) == 0x80) end--;
    if (end < n) {
        size_t e2 = end;
        while (e2 > start + maxlen / 2 && text[e2] != ' ' && text[e2] != '\n') e2--;
        if (e2 > start + maxlen / 2) end = e2;
    }
    if (start) pt_buf_puts(out, "… ");
    h.out = out;
    h.base = text + start;
    kb_tokenize(text + start, end - start, emit, &h);
    plain(out, text + start + h.at, end - start - h.at);
    if (end < n) pt_buf_puts(out, " …");
}
