/*
 * plugins/knowledge/search_index.c - the full-text index, in LMDB.
 *
 * Why our own index: no library fits. Xapian/Lucene-style engines keep
 * their own files, so the index would be a second store that a crash can
 * leave behind the articles (and that backup/restore would not cover);
 * SQLite FTS5 would mean a second database engine next to LMDB. Here the
 * index lives in the same LMDB environment and is updated in the SAME
 * write transaction as the article: it is never stale, and after a crash
 * it is exactly as consistent as the articles (all or nothing).
 *
 * Layout (big-endian keys, so cursor order is useful order):
 *   knowledge.idx_post  term "\0" start_dn(4) -> a block of postings for
 *                       docnums >= start_dn (< the next block's start).
 *                       Block: varint n, then per doc: varint dn delta,
 *                       varint tf_title, varint tf_body, varint poslen,
 *                       poslen bytes of position deltas. At most
 *                       BLOCK_MAX docs; a full block splits. New articles
 *                       get growing docnums, so adding appends to the last
 *                       block of each term and never rewrites a long list.
 *   knowledge.idx_dict  term -> df (u32): the sorted term dictionary, for
 *                       idf, prefix expansion and typo candidates.
 *   knowledge.idx_docs  dn >> 8 (4) -> 256 fixed 24-byte doc entries (article
 *                       id, updated, lengths, category number, flags:
 *                       live/published/visibility/collection, language).
 *                       Search checks visibility and filters from this
 *                       table with one read per 256 docs.
 *   knowledge.idx_acl   dn(4) account(8) -> "" for "specific accounts" docs.
 *   knowledge.idx_meta  "stats" -> ndocs, sum of title/body lengths, next
 *                       docnum, next category number (5 x u64).
 * Terms are "<lang>:<stem>" (the article's language picks the stemmer) and
 * filter pseudo-terms "!p:<product>" / "!t:<tag>" (no positions).
 * Docnums are dense 32-bit numbers given to an article when first indexed
 * (kept in its record as "dn"), so posting deltas are one byte mostly.
 */
#include <string.h>

#include "knowledge.h"

#define BLOCK_MAX 128
#define ENT_SIZE 24
#define ENTS_PER_BLOCK 256

static pt_db *db_post, *db_dict, *db_docs, *db_acl, *db_meta;

static void dbs(void)
{
    if (db_post) return;
    db_post = pt_store_db("knowledge.idx_post");
    db_dict = pt_store_db("knowledge.idx_dict");
    db_docs = pt_store_db("knowledge.idx_docs");
    db_acl = pt_store_db("knowledge.idx_acl");
    db_meta = pt_store_db("knowledge.idx_meta");
}

/* ---- varints --------------------------------------------------------------- */
void kb_buf_varint(pt_buf *b, uint64_t v)
{
    uint8_t t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (uint8_t)v;
    pt_buf_append(b, t, n);
}

int kb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    unsigned shift = 0;
    const uint8_t *q = *p;
    while (q < end && shift < 64) {
        uint8_t c = *q++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *p = q;
            *v = r;
            return 0;
        }
        shift += 7;
    }
    return PT_EDECODE;
}

static void be32(uint8_t *o, uint32_t v)
{
    o[0] = (uint8_t)(v >> 24); o[1] = (uint8_t)(v >> 16); o[2] = (uint8_t)(v >> 8); o[3] = (uint8_t)v;
}
static uint32_t rd32(const uint8_t *i)
{
    return (uint32_t)i[0] << 24 | (uint32_t)i[1] << 16 | (uint32_t)i[2] << 8 | i[3];
}
static void be16(uint8_t *o, uint16_t v) { o[0] = (uint8_t)(v >> 8); o[1] = (uint8_t)v; }
static uint16_t rd16(const uint8_t *i) { return (uint16_t)(i[0] << 8 | i[1]); }

/* ---- stats ------------------------------------------------------------------ */
int kb_stats_get(pt_txn *txn, kb_stats *s)
{
    dbs();
    memset(s, 0, sizeof *s);
    const void *v;
    size_t vl;
    int rc = pt_kv_get(txn, db_meta, "stats", 5, &v, &vl);
    if (rc == PT_ENOTFOUND) { s->next_dn = 1; s->next_cat = 1; return 0; }
    if (rc) return rc;
    if (vl != 40) return PT_EDECODE;
    uint64_t *f[5] = {&s->ndocs, &s->sum_title, &s->sum_body, &s->next_dn, &s->next_cat};
    for (int i = 0; i < 5; i++) *f[i] = pt_key_read_u64((const uint8_t *)v + 8 * i);
    return 0;
}

int kb_stats_put(pt_txn *txn, const kb_stats *s)
{
    dbs();
    uint8_t b[40];
    const uint64_t f[5] = {s->ndocs, s->sum_title, s->sum_body, s->next_dn, s->next_cat};
    for (int i = 0; i < 5; i++) pt_key_u64(b + 8 * i, f[i]);
    return pt_kv_put(txn, db_meta, "stats", 5, b, 40, 0);
}

/* ---- doc table ------------------------------------------------------------- */
static void ent_decode(const uint8_t *p, kb_docent *e)
{
    e->id = pt_key_read_u64(p);
    e->updated_s = rd32(p + 8);
    e->body_len = rd32(p + 12);
    e->title_len = rd16(p + 16);
    e->cat = rd16(p + 18);
    e->flags = p[20];
    e->lang = p[21];
}

static void ent_encode(uint8_t *p, const kb_docent *e)
{
    pt_key_u64(p, e->id);
    be32(p + 8, e->updated_s);
    be32(p + 12, e->body_len);
    be16(p + 16, e->title_len);
    be16(p + 18, e->cat);
    p[20] = e->flags;
    p[21] = e->lang;
    p[22] = p[23] = 0;
}

int kb_doc_get(pt_txn *txn, uint32_t dn, kb_docent *out)
{
    dbs();
    uint8_t k[4];
    be32(k, dn >> 8);
    const void *v;
    size_t vl;
    int rc = pt_kv_get(txn, db_docs, k, 4, &v, &vl);
    if (rc) return rc;
    size_t off = (size_t)(dn & 0xff) * ENT_SIZE;
    if (vl < off + ENT_SIZE) return PT_ENOTFOUND;
    ent_decode((const uint8_t *)v + off, out);
    return (out->flags & KB_DOC_LIVE) ? 0 : PT_ENOTFOUND;
}

static int doc_set(pt_txn *txn, uint32_t dn, const kb_docent *e)
{
    uint8_t k[4];
    be32(k, dn >> 8);
    uint8_t blk[ENTS_PER_BLOCK * ENT_SIZE];
    memset(blk, 0, sizeof blk);
    const void *v;
    size_t vl;
    if (pt_kv_get(txn, db_docs, k, 4, &v, &vl) == 0)
        memcpy(blk, v, vl < sizeof blk ? vl : sizeof blk);
    ent_encode(blk + (size_t)(dn & 0xff) * ENT_SIZE, e);
    return pt_kv_put(txn, db_docs, k, 4, blk, sizeof blk, 0);
}

void kb_docs_each(pt_txn *txn, void (*fn)(uint32_t dn, const kb_docent *e, void *ud), void *ud)
{
    dbs();
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db_docs, &rc);
    if (!c) return;
    pt_kv kv;
    for (rc = pt_cursor_first(c, &kv); rc == 0; rc = pt_cursor_next(c, &kv)) {
        if (kv.klen != 4) continue;
        uint32_t base = rd32(kv.key) << 8;
        const uint8_t *p = kv.val;
        for (size_t i = 0; (i + 1) * ENT_SIZE <= kv.vlen; i++) {
            kb_docent e;
            ent_decode(p + i * ENT_SIZE, &e);
            if (e.flags & KB_DOC_LIVE) fn(base + (uint32_t)i, &e, ud);
        }
    }
    pt_cursor_close(c);
}

bool kb_acl_has(pt_txn *txn, uint32_t dn, uint64_t account)
{
    dbs();
    uint8_t k[12];
    be32(k, dn);
    pt_key_u64(k + 4, account);
    const void *v;
    size_t vl;
    return pt_kv_get(txn, db_acl, k, 12, &v, &vl) == 0;
}

/* ---- dictionary ------------------------------------------------------------- */
uint32_t kb_df(pt_txn *txn, const char *key)
{
    dbs();
    const void *v;
    size_t vl;
    if (pt_kv_get(txn, db_dict, key, strlen(key), &v, &vl) != 0 || vl != 4) return 0;
    return rd32(v);
}

static int df_add(pt_txn *txn, const char *key, int delta)
{
    int64_t df = (int64_t)kb_df(txn, key) + delta;
    if (df <= 0) {
        int rc = pt_kv_del(txn, db_dict, key, strlen(key), NULL, 0);
        return rc == PT_ENOTFOUND ? 0 : rc;
    }
    uint8_t b[4];
    be32(b, (uint32_t)df);
    return pt_kv_put(txn, db_dict, key, strlen(key), b, 4, 0);
}

void kb_dict_scan(pt_txn *txn, const char *prefix, size_t max,
                  int (*fn)(const char *key, size_t klen, uint32_t df, void *ud), void *ud)
{
    dbs();
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db_dict, &rc);
    if (!c) return;
    pt_kv kv;
    size_t seen = 0;
    for (rc = pt_cursor_prefix(c, prefix, strlen(prefix), false, &kv); rc == 0 && seen < max;
         rc = pt_cursor_next(c, &kv), seen++) {
        if (kv.vlen != 4) continue;
        if (fn(kv.key, kv.klen, rd32(kv.val), ud)) break;
    }
    pt_cursor_close(c);
}

/* ---- posting blocks ---------------------------------------------------------- */
typedef struct blk {
    kb_post *p;
    size_t n, cap;
} blk;

static void blk_push(blk *b, kb_post p)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->p = pt_xrealloc(b->p, b->cap * sizeof *b->p);
    }
    b->p[b->n++] = p;
}

static int blk_decode(const uint8_t *v, size_t vl, uint32_t start, kb_post **arr, size_t *n,
                      size_t *cap)
{
    const uint8_t *p = v, *end = v + vl;
    uint64_t cnt, d, tft, tfb, pl;
    if (kb_varint(&p, end, &cnt)) return PT_EDECODE;
    uint32_t dn = start;
    for (uint64_t i = 0; i < cnt; i++) {
        if (kb_varint(&p, end, &d) || kb_varint(&p, end, &tft) || kb_varint(&p, end, &tfb) ||
            kb_varint(&p, end, &pl) || pl > (uint64_t)(end - p))
            return PT_EDECODE;
        dn += (uint32_t)d;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *arr = pt_xrealloc(*arr, *cap * sizeof **arr);
        }
        (*arr)[(*n)++] = (kb_post){dn, (uint32_t)tft, (uint32_t)tfb, (uint32_t)pl, p};
        p += pl;
    }
    return 0;
}

static void blk_encode(const kb_post *p, size_t n, uint32_t start, pt_buf *out)
{
    kb_buf_varint(out, n);
    uint32_t prev = start;
    for (size_t i = 0; i < n; i++) {
        kb_buf_varint(out, p[i].dn - prev);
        prev = p[i].dn;
        kb_buf_varint(out, p[i].tft);
        kb_buf_varint(out, p[i].tfb);
        kb_buf_varint(out, p[i].poslen);
        pt_buf_append(out, p[i].pos, p[i].poslen);
    }
}

static size_t post_key(uint8_t *k, const char *term, uint32_t dn)
{
    size_t tl = strlen(term);
    memcpy(k, term, tl);
    k[tl] = 0;
    be32(k + tl + 1, dn);
    return tl + 5;
}

/* The block that holds (or would hold) dn for term: copies its key. */
static bool find_block(pt_txn *txn, const char *term, uint32_t dn, uint8_t *bkey, size_t *bklen,
                       const void **val, size_t *vlen)
{
    uint8_t k[KB_TERM_MAX + 16];
    size_t kl = post_key(k, term, dn), tl = kl - 4;
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db_post, &rc);
    if (!c) return false;
    pt_kv kv, pv;
    int r = pt_cursor_seek_ge(c, k, kl, &kv);
    bool same = r == 0 && kv.klen == kl && memcmp(kv.key, k, tl) == 0;
    const pt_kv *got = NULL;
    if (same && rd32((const uint8_t *)kv.key + tl) == dn) {
        got = &kv;
    } else {
        int r2 = r == 0 ? pt_cursor_prev(c, &pv) : pt_cursor_last(c, &pv);
        if (r2 == 0 && pv.klen == kl && memcmp(pv.key, k, tl) == 0) got = &pv;
        else if (same) got = &kv;
    }
    if (got) {
        memcpy(bkey, got->key, got->klen);
        *bklen = got->klen;
        *val = got->val;
        *vlen = got->vlen;
    }
    pt_cursor_close(c);
    return got != NULL;
}

/* Insert or replace dn's posting in term. *added: it was new. */
static int post_put(pt_txn *txn, const char *term, const kb_post *np, bool *added)
{
    uint8_t bkey[KB_TERM_MAX + 16];
    size_t bkl = 0, vl = 0;
    const void *v = NULL;
    *added = true;
    if (!find_block(txn, term, np->dn, bkey, &bkl, &v, &vl)) {
        pt_buf out = PT_BUF_INIT;
        blk_encode(np, 1, np->dn, &out);
        uint8_t k[KB_TERM_MAX + 16];
        size_t kl = post_key(k, term, np->dn);
        int rc = pt_kv_put(txn, db_post, k, kl, out.data, out.len, 0);
        pt_buf_free(&out);
        return rc;
    }
    uint32_t start = rd32(bkey + bkl - 4);
    blk b = {0};
    int rc = blk_decode(v, vl, start, &b.p, &b.n, &b.cap);
    if (rc) { free(b.p); return pt_store_error(rc, "knowledge index block of '%s' is corrupt", term); }
    size_t i = 0;
    while (i < b.n && b.p[i].dn < np->dn) i++;
    if (i < b.n && b.p[i].dn == np->dn) {
        b.p[i] = *np;
        *added = false;
    } else {
        blk_push(&b, *np);
        memmove(b.p + i + 1, b.p + i, (b.n - 1 - i) * sizeof *b.p);
        b.p[i] = *np;
    }
    uint32_t nstart = b.p[0].dn < start ? b.p[0].dn : start;
    pt_buf o1 = PT_BUF_INIT, o2 = PT_BUF_INIT;
    size_t half = b.n > BLOCK_MAX ? b.n / 2 : b.n;
    blk_encode(b.p, half, nstart, &o1);
    if (half < b.n) blk_encode(b.p + half, b.n - half, b.p[half].dn, &o2);
    uint32_t second = half < b.n ? b.p[half].dn : 0;
    free(b.p);
    /* every borrowed byte is copied now: write */
    if (nstart != start) rc = pt_kv_del(txn, db_post, bkey, bkl, NULL, 0);
    uint8_t k[KB_TERM_MAX + 16];
    size_t kl = post_key(k, term, nstart);
    if (rc == 0) rc = pt_kv_put(txn, db_post, k, kl, o1.data, o1.len, 0);
    if (rc == 0 && o2.len) {
        kl = post_key(k, term, second);
        rc = pt_kv_put(txn, db_post, k, kl, o2.data, o2.len, 0);
    }
    pt_buf_free(&o1);
    pt_buf_free(&o2);
    return rc;
}

static int post_del(pt_txn *txn, const char *term, uint32_t dn, bool *removed)
{
    uint8_t bkey[KB_TERM_MAX + 16];
    size_t bkl = 0, vl = 0;
    const void *v = NULL;
    *removed = false;
    if (!find_block(txn, term, dn, bkey, &bkl, &v, &vl)) return 0;
    uint32_t start = rd32(bkey + bkl - 4);
    blk b = {0};
    int rc = blk_decode(v, vl, start, &b.p, &b.n, &b.cap);
    if (rc) { free(b.p); return pt_store_error(rc, "knowledge index block of '%s' is corrupt", term); }
    size_t i = 0;
    while (i < b.n && b.p[i].dn != dn) i++;
    if (i == b.n) { free(b.p); return 0; }
    *removed = true;
    memmove(b.p + i, b.p + i + 1, (b.n - i - 1) * sizeof *b.p);
    b.n--;
    if (b.n == 0) {
        free(b.p);
        return pt_kv_del(txn, db_post, bkey, bkl, NULL, 0);
    }
    pt_buf o = PT_BUF_INIT;
    blk_encode(b.p, b.n, start, &o);
    free(b.p);
    rc = pt_kv_put(txn, db_post, bkey, bkl, o.data, o.len, 0);
    pt_buf_free(&o);
    return rc;
}

int kb_postings(pt_txn *txn, const char *key, kb_post **arr, size_t *n, size_t *cap)
{
    dbs();
    uint8_t k[KB_TERM_MAX + 16];
    size_t tl = strlen(key);
    if (tl > KB_TERM_MAX + 8) return 0;
    memcpy(k, key, tl);
    k[tl] = 0;
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db_post, &rc);
    if (!c) return rc;
    pt_kv kv;
    for (rc = pt_cursor_prefix(c, k, tl + 1, false, &kv); rc == 0; rc = pt_cursor_next(c, &kv)) {
        if (kv.klen != tl + 5) continue;
        rc = blk_decode(kv.val, kv.vlen, rd32((const uint8_t *)kv.key + tl + 1), arr, n, cap);
        if (rc) break;
    }
    pt_cursor_close(c);
    return rc == PT_ENOTFOUND ? 0 : rc;
}

/* ---- collecting a document's terms -------------------------------------------- */
typedef struct term {
    char *key;
    uint32_t tft, tfb, last;
    pt_buf pos;
} term;

typedef struct tmap {
    term *t;
    size_t n, cap;    /* cap: power of two */
    uint32_t pos;     /* next token position */
    bool title;
    int lang;
} tmap;

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s) h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static term *tmap_get(tmap *m, const char *key)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 256;
        term *nt = pt_xcalloc(ncap, sizeof *nt);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->t[i].key) continue;
            size_t j = hash(m->t[i].key) & (ncap - 1);
            while (nt[j].key) j = (j + 1) & (ncap - 1);
            nt[j] = m->t[i];
        }
        free(m->t);
        m->t = nt;
        m->cap = ncap;
    }
    size_t j = hash(key) & (m->cap - 1);
    while (m->t[j].key) {
        if (strcmp(m->t[j].key, key) == 0) return &m->t[j];
        j = (j + 1) & (m->cap - 1);
    }
    m->t[j].key = pt_xstrdup(key);
    m->n++;
    return &m->t[j];
}

static void tmap_free(tmap *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->t[i].key);
        pt_buf_free(&m->t[i].pos);
    }
    free(m->t);
}

static int on_tok(const char *norm, size_t nlen, size_t off, size_t len, void *ud)
{
    (void)off; (void)len;
    tmap *m = ud;
    char stem[KB_TERM_MAX + 1], key[KB_TERM_MAX + 8];
    kb_stem(m->lang, norm, nlen, stem);
    snprintf(key, sizeof key, "%s:%s", kb_lang_codes[m->lang], stem);
    term *t = tmap_get(m, key);
    if (m->title) t->tft++;
    else t->tfb++;
    kb_buf_varint(&t->pos, m->pos - t->last);
    t->last = m->pos;
    m->pos++;
    return 0;
}

static void pseudo(tmap *m, const char *prefix, const json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        if (!s || !*s) continue;
        char key[KB_TERM_MAX + 8];
        snprintf(key, sizeof key, "%s%s", prefix, s);
        for (char *c = key; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
        term *t = tmap_get(m, key);
        t->tfb = 1;
    }
}

static void collect(const json_t *rec, tmap *m, uint32_t *title_len, uint32_t *body_len)
{
    m->lang = kb_lang_from_str(pt_rec_str(rec, "language", "en"));
    if (m->lang < 0) m->lang = KB_EN;
    const char *title = pt_rec_str(rec, "title", "");
    m->title = true;
    *title_len = (uint32_t)kb_tokenize(title, strlen(title), on_tok, m);
    m->pos++; /* a gap: phrases never run from the title into the body */
    m->title = false;
    pt_buf text = PT_BUF_INIT;
    kb_article_text(rec, &text);
    *body_len = (uint32_t)kb_tokenize(text.data ? text.data : "", text.len, on_tok, m);
    pt_buf_free(&text);
    pseudo(m, "!p:", json_object_get(rec, "products"));
    pseudo(m, "!t:", json_object_get(rec, "tags"));
}

static uint8_t flags_of(const json_t *rec)
{
    uint8_t f = KB_DOC_LIVE;
    if (strcmp(pt_rec_str(rec, "status", "draft"), "published") == 0) f |= KB_DOC_PUBLISHED;
    int vis = kb_vis_from_str(pt_rec_str(rec, "visibility", "public"));
    if (vis < 0) vis = KB_VIS_ACCOUNTS; /* unknown: the most restrictive */
    f |= (uint8_t)(vis << KB_DOC_VIS_SHIFT);
    if (strcmp(pt_rec_str(rec, "collection", "kb"), "tech") == 0) f |= KB_DOC_TECH;
    return f;
}

static int acl_rows(pt_txn *txn, uint32_t dn, const json_t *rec, bool put)
{
    size_t i;
    json_t *a;
    int rc = 0;
    json_array_foreach(json_object_get(rec, "accounts"), i, a) {
        if (!json_is_integer(a)) continue;
        uint8_t k[12];
        be32(k, dn);
        pt_key_u64(k + 4, (uint64_t)json_integer_value(a));
        rc = put ? pt_kv_put(txn, db_acl, k, 12, "", 0, 0) : pt_kv_del(txn, db_acl, k, 12, NULL, 0);
        if (rc == PT_ENOTFOUND) rc = 0;
        if (rc) break;
    }
    return rc;
}

int kb_index_add(pt_txn *txn, json_t *rec)
{
    dbs();
    kb_stats st;
    int rc = kb_stats_get(txn, &st);
    if (rc) return rc;
    uint32_t dn = (uint32_t)pt_rec_u64(rec, "dn", 0);
    if (dn == 0) {
        dn = (uint32_t)st.next_dn++;
        json_object_set_new(rec, "dn", json_integer(dn));
    }
    tmap m = {0};
    uint32_t tl = 0, bl = 0;
    collect(rec, &m, &tl, &bl);
    for (size_t i = 0; i < m.cap && rc == 0; i++) {
        term *t = &m.t[i];
        if (!t->key) continue;
        kb_post p = {dn, t->tft, t->tfb, (uint32_t)t->pos.len, (const uint8_t *)t->pos.data};
        bool added = false;
        rc = post_put(txn, t->key, &p, &added);
        if (rc == 0 && added) rc = df_add(txn, t->key, 1);
    }
    tmap_free(&m);
    if (rc) return rc;
    uint16_t cat = 0;
    kb_category_num(txn, pt_rec_str(rec, "category", ""), &cat);
    kb_docent e = {
        .id = pt_rec_u64(rec, "id", 0),
        .updated_s = (uint32_t)(pt_rec_u64(rec, "updated", 0) / 1000),
        .body_len = bl,
        .title_len = (uint16_t)(tl > 65535 ? 65535 : tl),
        .cat = cat,
        .flags = flags_of(rec),
        .lang = (uint8_t)m.lang,
    };
    rc = doc_set(txn, dn, &e);
    if (rc == 0) rc = acl_rows(txn, dn, rec, true);
    st.ndocs++;
    st.sum_title += tl;
    st.sum_body += bl;
    if (rc == 0) rc = kb_stats_put(txn, &st);
    return rc;
}

int kb_index_remove(pt_txn *txn, const json_t *rec, bool forget)
{
    dbs();
    uint32_t dn = (uint32_t)pt_rec_u64(rec, "dn", 0);
    if (dn == 0) return 0;
    kb_stats st;
    int rc = kb_stats_get(txn, &st);
    if (rc) return rc;
    tmap m = {0};
    uint32_t tl = 0, bl = 0;
    collect(rec, &m, &tl, &bl);
    for (size_t i = 0; i < m.cap && rc == 0; i++) {
        if (!m.t[i].key) continue;
        bool removed = false;
        rc = post_del(txn, m.t[i].key, dn, &removed);
        if (rc == 0 && removed) rc = df_add(txn, m.t[i].key, -1);
    }
    tmap_free(&m);
    if (rc == 0) rc = acl_rows(txn, dn, rec, false);
    if (rc == 0 && forget) {
        kb_docent e = {0};
        rc = doc_set(txn, dn, &e);
    }
    if (st.ndocs) st.ndocs--;
    st.sum_title = st.sum_title >= tl ? st.sum_title - tl : 0;
    st.sum_body = st.sum_body >= bl ? st.sum_body - bl : 0;
    if (rc == 0) rc = kb_stats_put(txn, &st);
    return rc;
}

/* ---- doc-table reads for search: one LMDB read per 256 docs --------------------- */
void kb_doccache_free(kb_doccache *c)
{
    free(c->b);
    free(c->l);
    memset(c, 0, sizeof *c);
}

int kb_doc_cached(pt_txn *txn, kb_doccache *c, uint32_t dn, kb_docent *out)
{
    dbs();
    size_t bi = dn >> 8;
    if (bi >= c->n) {
        size_t nn = bi + 16;
        c->b = pt_xrealloc(c->b, nn * sizeof *c->b);
        c->l = pt_xrealloc(c->l, nn * sizeof *c->l);
        for (size_t i = c->n; i < nn; i++) { c->b[i] = NULL; c->l[i] = (size_t)-1; }
        c->n = nn;
    }
    if (c->l[bi] == (size_t)-1) {
        uint8_t k[4];
        be32(k, (uint32_t)bi);
        const void *v = NULL;
        size_t vl = 0;
        if (pt_kv_get(txn, db_docs, k, 4, &v, &vl) != 0) { v = NULL; vl = 0; }
        c->b[bi] = v;
        c->l[bi] = vl;
    }
    size_t off = (size_t)(dn & 0xff) * ENT_SIZE;
    if (!c->b[bi] || c->l[bi] < off + ENT_SIZE) return PT_ENOTFOUND;
    ent_decode(c->b[bi] + off, out);
    return (out->flags & KB_DOC_LIVE) ? 0 : PT_ENOTFOUND;
}
