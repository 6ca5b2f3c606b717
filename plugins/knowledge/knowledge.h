/*
 * plugins/knowledge/knowledge.h - shared declarations of the knowledge
 * plugin's files (one job per file):
 *   knowledge.c     descriptor and registrations
 *   tokenize.c      UTF-8 tokenizer, case folding, libstemmer per language
 *   search_index.c  the inverted index on LMDB (postings, dictionary, docs)
 *   search_query.c  query parsing, BM25 ranking, filters, snippets
 *   visibility.c    who may read which article (one place)
 *   article.c       the article model: validation, create/update/delete
 *   markdown.c      cmark-gfm rendering (unsafe HTML off)
 *   revisions.c diff.c votes.c follow.c import.c demo.c
 *   api.c pages_read.c pages_edit.c  HTTP handlers
 */
#ifndef KNOWLEDGE_H
#define KNOWLEDGE_H

#include <portico/auth.h>
#include <portico/config.h>
#include <portico/events.h>
#include <portico/http.h>
#include <portico/i18n.h>
#include <portico/log.h>
#include <portico/notify.h>
#include <portico/plugin.h>
#include <portico/store.h>
#include <portico/template.h>

/* ---- limits ---------------------------------------------------------------- */
#define KB_TITLE_MAX 200          /* bytes */
#define KB_BODY_MAX (256 * 1024)  /* bytes of Markdown per field */
#define KB_ROUTE_BODY_MAX (1024 * 1024)
#define KB_TERM_MAX 48            /* bytes of a normalised token */
#define KB_MAX_QTERMS 12
#define KB_SEARCH_WINDOW 2000     /* ranked results a search can page through */

/* ---- languages (tokenize.c) ------------------------------------------------ */
enum { KB_EN = 0, KB_DE = 1, KB_NLANG = 2 };
extern const char *const kb_lang_codes[KB_NLANG];
/* -1 when code is not a supported language. */
int kb_lang_from_str(const char *code);

/* Token callback: norm is the case-folded token (NUL-terminated, borrowed
 * for the call), off/len its bytes in the input. Return non-zero to stop. */
typedef int (*kb_tok_fn)(const char *norm, size_t nlen, size_t off, size_t len, void *ud);
/* Split s into word tokens (letters/digits, any non-ASCII byte counts as a
 * letter), fold case (ASCII and Latin-1 letters). Returns the token count. */
size_t kb_tokenize(const char *s, size_t len, kb_tok_fn fn, void *ud);
/* Stem a folded token in lang into out (NUL-terminated); returns length.
 * Uses a per-thread libstemmer instance. */
size_t kb_stem(int lang, const char *w, size_t n, char out[KB_TERM_MAX + 1]);
/* Free this thread's stemmers. */
void kb_stem_free(void);

/* ---- varints (search_index.c) ---------------------------------------------- */
void kb_buf_varint(pt_buf *b, uint64_t v);
int kb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* ---- the index (search_index.c) -------------------------------------------- */
#define KB_DOC_LIVE 0x01u
#define KB_DOC_PUBLISHED 0x02u
#define KB_DOC_VIS_SHIFT 2        /* 2 bits: 0 public, 1 customers, 2 accounts */
#define KB_DOC_TECH 0x10u         /* collection: technical articles          */
enum { KB_VIS_PUBLIC = 0, KB_VIS_CUSTOMERS = 1, KB_VIS_ACCOUNTS = 2 };

typedef struct kb_docent {     /* one entry of the doc table, 24 bytes on disk */
    uint64_t id;
    uint32_t updated_s;
    uint32_t body_len;
    uint16_t title_len;
    uint16_t cat;
    uint8_t flags;
    uint8_t lang;
} kb_docent;

typedef struct kb_stats {
    uint64_t ndocs, sum_title, sum_body, next_dn, next_cat;
} kb_stats;

int kb_stats_get(pt_txn *txn, kb_stats *s);
int kb_stats_put(pt_txn *txn, const kb_stats *s);
/* Doc-table entry of docnum dn; PT_ENOTFOUND if never assigned / dead. */
int kb_doc_get(pt_txn *txn, uint32_t dn, kb_docent *out);
/* Index rec (an article record); assigns rec["dn"] when it has none. */
int kb_index_add(pt_txn *txn, json_t *rec);
/* Remove rec's postings (rec = the record as it was indexed). forget:
 * also mark its doc-table entry dead (delete). */
int kb_index_remove(pt_txn *txn, const json_t *rec, bool forget);
/* A per-search cache of doc-table blocks (borrowed from a READ txn). */
typedef struct kb_doccache {
    const uint8_t **b;
    size_t *l;
    size_t n;
} kb_doccache;
int kb_doc_cached(pt_txn *txn, kb_doccache *c, uint32_t dn, kb_docent *out);
void kb_doccache_free(kb_doccache *c);
/* Add (dn, account) ACL rows for a restricted doc (search_index.c). */
bool kb_acl_has(pt_txn *txn, uint32_t dn, uint64_t account);

/* Postings of one term key (e.g. "en:instal" or "!p:robot"). */
typedef struct kb_post {
    uint32_t dn, tft, tfb, poslen;
    const uint8_t *pos;        /* borrowed from the txn: delta varints      */
} kb_post;
/* Append every posting of key to *arr (realloc-ed; n and cap updated). */
int kb_postings(pt_txn *txn, const char *key, kb_post **arr, size_t *n, size_t *cap);
/* Document frequency of a term key (0 when absent). */
uint32_t kb_df(pt_txn *txn, const char *key);
/* Scan the dictionary for keys starting with prefix; fn(key, df, ud),
 * stops when fn returns non-zero or after max entries. */
void kb_dict_scan(pt_txn *txn, const char *prefix, size_t max,
                  int (*fn)(const char *key, size_t klen, uint32_t df, void *ud), void *ud);
/* Every live docnum in the doc table: fn(dn, ent, ud). */
void kb_docs_each(pt_txn *txn, void (*fn)(uint32_t dn, const kb_docent *e, void *ud), void *ud);

/* ---- reader and visibility (visibility.c) -------------------------------- */
typedef struct kb_reader {
    bool staff;       /* sees everything incl. drafts */
    bool editor;      /* staff or knowledge.edit      */
    uint64_t user;
    uint64_t account;
    bool anon_ok;     /* portal.anonymous_read        */
} kb_reader;
void kb_reader_of(pt_req *req, kb_reader *r);
/* For a doc-table entry (search and lists). */
bool kb_visible_ent(pt_txn *txn, const kb_reader *r, uint32_t dn, const kb_docent *e);
/* For a full record (pages, API). */
bool kb_visible_rec(const kb_reader *r, const json_t *rec);
int kb_vis_from_str(const char *s);
extern const char *const kb_vis_names[3];
bool kb_anonymous_read(void);

/* ---- queries (search_query.c) ---------------------------------------------- */
typedef struct kb_qterm {
    char norm[KB_TERM_MAX + 1];
    bool prefix;
    int phrase;                /* 0 = none, else phrase group number        */
} kb_qterm;
typedef struct kb_query {
    kb_qterm t[KB_MAX_QTERMS];
    size_t n;
    char norm_all[512];        /* folded tokens joined by ' ' (title match) */
} kb_query;
typedef struct kb_filter {
    int collection;            /* -1 any, 0 kb, 1 tech */
    int cat;                   /* -1 any, else category number */
    const char *product;       /* NULL any */
} kb_filter;
typedef struct kb_hit {
    uint64_t id;
    uint32_t dn;
    double score;
} kb_hit;
void kb_query_parse(const char *q, kb_query *out);
/* Ranked search. hits[] gets up to limit results after skipping offset;
 * *total the number of matching documents the reader may see. */
int kb_search(pt_txn *txn, const kb_query *q, const kb_reader *r, const kb_filter *f,
              size_t offset, size_t limit, kb_hit *hits, size_t *nhits, size_t *total);
/* HTML snippet of text around the first query match, escaped, with
 * <mark> around matching words (stemmed in lang). */
void kb_snippet(const kb_query *q, int lang, const char *text, size_t maxlen, pt_buf *out);
/* Title with <mark> (escaped). */
void kb_highlight(const kb_query *q, int lang, const char *text, pt_buf *out);

/* ---- articles (article.c) ------------------------------------------------- */
extern pt_db *kb_db_articles, *kb_db_slugs, *kb_db_revs, *kb_db_votes, *kb_db_cats,
    *kb_db_follows, *kb_db_follows_by_user;
void kb_dbs_lookup(void);
/* Validate input (a JSON object of article fields) merged over base (NULL
 * for a new article) into a new record in *out. On failure returns 422 or
 * 413 with *field and *why (catalog keys). */
int kb_article_build(pt_txn *txn, const json_t *base, const json_t *in, json_t **out,
                     const char **field, const char **why);
/* Create / update / delete in the caller's write txn (index, revision,
 * notifications included). *out (may be NULL) the stored record. */
int kb_article_create(pt_txn *txn, const json_t *in, uint64_t author, json_t **out,
                      const char **field, const char **why);
int kb_article_update(pt_txn *txn, uint64_t id, const json_t *in, uint64_t author,
                      json_t **out, const char **field, const char **why);
int kb_article_delete(pt_txn *txn, uint64_t id);
int kb_article_get(pt_txn *txn, uint64_t id, json_t **out);
/* By id text or slug. */
int kb_article_find(pt_txn *txn, const char *id_or_slug, json_t **out);
/* The searchable plain text of a record (summary, body, fields, tags). */
void kb_article_text(const json_t *rec, pt_buf *out);
/* Public JSON view (no internal fields); full adds body html. */
json_t *kb_article_view(pt_req *req, pt_txn *txn, const json_t *rec, bool full);
int kb_category_num(pt_txn *txn, const char *slug, uint16_t *num);
int kb_category_ensure(pt_txn *txn, const char *slug, const char *name, const char *name_de,
                       const char *collection, const char *desc, int order);
json_t *kb_categories(pt_txn *txn);   /* [{slug,name,...,num}] ordered */
void kb_slugify(const char *title, char *out, size_t cap);
extern const char *const kb_collections[2];
int kb_collection_from_str(const char *s);

/* ---- markdown.c -------------------------------------------------------------- */
/* Markdown to HTML (raw HTML dropped, GFM extensions). Caller frees. */
char *kb_markdown(const char *md, size_t len);

/* ---- revisions.c / diff.c ------------------------------------------------ */
int kb_revision_add(pt_txn *txn, const json_t *rec, uint64_t by);
json_t *kb_revisions_list(pt_txn *txn, uint64_t id);       /* newest first */
int kb_revision_get(pt_txn *txn, uint64_t id, int64_t rev, json_t **out);
/* Line diff of a and b: [{op:" "|"+"|"-", text}] */
json_t *kb_diff_lines(const char *a, const char *b);

/* ---- votes.c / follow.c ------------------------------------------------------- */
int kb_vote_put(pt_txn *txn, uint64_t id, uint64_t user, bool helpful, const char *comment);
void kb_vote_counts(pt_txn *txn, uint64_t id, uint64_t user, int64_t *up, int64_t *down,
                    int *mine);
int kb_follow_set(pt_txn *txn, uint64_t user, uint64_t account, const char *kind,
                  const char *target, bool on);
bool kb_follows(pt_txn *txn, uint64_t user, const char *kind, const char *target);
json_t *kb_follows_of(pt_txn *txn, uint64_t user);
/* Notify followers of rec's category and products (published only). */
int kb_notify_followers(pt_txn *txn, const json_t *rec, uint64_t author, bool created);

/* ---- import.c ------------------------------------------------------------------ */
/* Parse a Markdown file with front matter into article input (new ref). */
json_t *kb_import_parse(const char *data, size_t len, const char *filename, const char **why);

/* ---- demo.c ------------------------------------------------------------------------ */
int kb_demo(pt_txn *txn, void *ud);
int kb_migrate_v1(pt_txn *txn, void *ud);

/* ---- handlers ---------------------------------------------------------------------- */
int kb_api_list(pt_req *req);
int kb_api_get(pt_req *req);
int kb_api_create(pt_req *req);
int kb_api_update(pt_req *req);
int kb_api_delete(pt_req *req);
int kb_api_revisions(pt_req *req);
int kb_api_restore(pt_req *req);
int kb_api_vote(pt_req *req);
int kb_api_follow_get(pt_req *req);
int kb_api_follow_set(pt_req *req);
int kb_api_import(pt_req *req);
int kb_api_preview(pt_req *req);
int kb_api_suggest(pt_req *req, const char *q, size_t limit, json_t **out);

int kb_page_home(pt_req *req);
int kb_page_category(pt_req *req);
int kb_page_article(pt_req *req);
int kb_page_search(pt_req *req);
int kb_page_vote(pt_req *req);
int kb_page_follow(pt_req *req);
int kb_page_new(pt_req *req);
int kb_page_create(pt_req *req);
int kb_page_edit(pt_req *req);
int kb_page_save(pt_req *req);
int kb_page_history(pt_req *req);
int kb_page_diff(pt_req *req);
int kb_page_restore(pt_req *req);
int kb_page_publish(pt_req *req);
int kb_page_import(pt_req *req);
int kb_page_import_post(pt_req *req);
int kb_page_preview(pt_req *req);
int kb_widget(pt_req *req, pt_buf *out);

/* shared by the handler files (api.c) */
bool kb_can_edit(pt_req *req);
const char *kb_tr(pt_req *req, const char *key);   /* pt_t with "knowledge." prefix */
int kb_search_json(pt_req *req, pt_txn *txn, const char *q, const kb_filter *f,
                   size_t offset, size_t limit, json_t **out, size_t *total, uint64_t *us);
/* Filters from query params collection/category/product. 0 or 422. */
int kb_filter_from_req(pt_req *req, pt_txn *txn, kb_filter *f);
/* Text an error code maps to, for pt_http_error. */
int kb_status_of(int rc);

#endif

/* more shared helpers (api.c) */
#ifndef KNOWLEDGE_H_MORE
#define KNOWLEDGE_H_MORE
int kb_list_ids(pt_txn *txn, const kb_reader *r, const kb_filter *f, size_t offset, size_t limit,
                uint64_t *ids, size_t *n, size_t *total);
json_t *kb_restore_input(const json_t *snap);
int kb_restore(pt_req *req, const char *id_or_slug, int64_t rev, json_t **out);
/* 0 or an HTTP status. */
int kb_vote(pt_req *req, const char *id_or_slug, bool helpful, const char *comment);
int kb_follow(pt_req *req, const char *kind, const char *target, bool on);
int kb_import_files(pt_req *req, json_t **result);
void kb_markdown_init(void);
void kb_markdown_fini(void);
/* The cross-plugin API exported as "knowledge.search". */
typedef struct kb_search_api {
    int (*search)(pt_req *req, const char *q, size_t limit, json_t **out);
} kb_search_api;
#endif
