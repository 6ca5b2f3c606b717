/*
 * bench/knowledge/kbbench.c - the knowledge search benchmark driver. It
 * links the plugin's own model and index code (every .c file in plugins/knowledge/) and
 * libportico.a, so the numbers are the server's search path without HTTP:
 *
 *   kbbench load DATA_DIR CORPUS_DIR      import every *.md (front matter)
 *                                         through kb_article_create, 500
 *                                         per write transaction
 *   kbbench csv CORPUS_DIR OUT.csv        title,body CSV for sqlite3 .import
 *   kbbench query DATA_DIR QUERIES [REPS] time kb_search (own read txn per
 *                                         query, as a request does; a
 *                                         signed-in customer of account
 *                                         100, so visibility is checked)
 *   kbbench sqlite DB QUERIES [REPS]      time the same queries in SQLite
 *                                         FTS5, bm25(docs, 3.0, 1.0)
 *                                         ranked, top 10
 * QUERIES: one query per line, "<ours>\t<fts5 MATCH expression>".
 * Prints "name value" lines that run.sh turns into the report.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "../../plugins/knowledge/knowledge.h"

static const char *const dbs[] = {"articles", "articles.by_slug", "revisions", "votes",
                                  "categories", "follows", "follows.by_user", "idx_post",
                                  "idx_dict", "idx_docs", "idx_acl", "idx_meta"};

static void open_store(const char *dir)
{
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
        char n[96];
        snprintf(n, sizeof n, "knowledge.%s", dbs[i]);
        pt_store_declare(n, PT_DB_PLAIN, "knowledge");
    }
    pt_store_declare("core.notifications", PT_DB_PLAIN, "core");
    pt_store_options o = {.map_size = (size_t)8 << 30};
    char *err = NULL;
    if (pt_store_open(dir, &o, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", dir, err ? err : "?");
        exit(1);
    }
    kb_dbs_lookup();
    kb_markdown_init();
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = pt_xmalloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char **list_md(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) { perror(dir); exit(1); }
    size_t cap = 1024;
    char **v = pt_xmalloc(cap * sizeof *v);
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 3, ".md") != 0) continue;
        if (*n == cap) v = pt_xrealloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = pt_xasprintf("%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

static int load(const char *data, const char *corpus)
{
    open_store(data);
    size_t n = 0;
    char **files = list_md(corpus, &n);
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (txn) rc = kb_migrate_v1(txn, NULL);
    uint64_t t0 = pt_now_us(), text = 0;
    size_t ok = 0;
    for (size_t i = 0; i < n && txn; i++) {
        size_t len = 0;
        char *b = slurp(files[i], &len);
        const char *why = NULL, *field = NULL;
        json_t *in = b ? kb_import_parse(b, len, files[i], &why) : NULL;
        if (in) {
            text += strlen(json_string_value(json_object_get(in, "title")) ?: "") +
                    strlen(json_string_value(json_object_get(in, "body")) ?: "");
            int st = kb_article_create(txn, in, 0, NULL, &field, &why);
            if (st == 0) ok++;
            else if (st < 0) { fprintf(stderr, "%s: %s\n", files[i], pt_store_last_error()); break; }
        }
        json_decref(in);
        free(b);
        if ((i + 1) % 500 == 0) {
            rc = pt_txn_commit(txn);
            txn = rc ? NULL : pt_txn_begin(true, &rc);
        }
    }
    if (txn) rc = pt_txn_commit(txn);
    printf("load_articles %zu\nload_seconds %.1f\ntext_bytes %llu\n", ok,
           (double)(pt_now_us() - t0) / 1e6, (unsigned long long)text);
    for (size_t i = 0; i < n; i++) free(files[i]);
    free(files);
    pt_store_close();
    return rc ? 1 : 0;
}

static void csv_field(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"') fputc('"', o);
        fputc(*s, o);
    }
    fputc('"', o);
}

static int csv(const char *corpus, const char *out)
{
    size_t n = 0;
    char **files = list_md(corpus, &n);
    FILE *o = fopen(out, "w");
    if (!o) { perror(out); return 1; }
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        char *b = slurp(files[i], &len);
        const char *why = NULL;
        json_t *in = b ? kb_import_parse(b, len, files[i], &why) : NULL;
        if (in && json_string_value(json_object_get(in, "body"))) {
            csv_field(o, json_string_value(json_object_get(in, "title")) ?: "");
            fputc(',', o);
            csv_field(o, json_string_value(json_object_get(in, "body")));
            fputc('\n', o);
        }
        json_decref(in);
        free(b);
        free(files[i]);
    }
    free(files);
    fclose(o);
    return 0;
}

typedef struct qline { char *ours, *fts; } qline;

static qline *read_queries(const char *path, size_t *n)
{
    size_t len = 0;
    char *b = slurp(path, &len);
    if (!b) { perror(path); exit(1); }
    qline *q = pt_xcalloc(1024, sizeof *q);
    *n = 0;
    for (char *l = strtok(b, "\n"); l && *n < 1024; l = strtok(NULL, "\n")) {
        char *tab = strchr(l, '\t');
        if (!tab || l[0] == '#') continue;
        *tab = 0;
        q[*n].ours = pt_xstrdup(l);
        q[(*n)++].fts = pt_xstrdup(tab + 1);
    }
    free(b);
    return q;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *t, size_t n)
{
    qsort(t, n, sizeof *t, cmp_u64);
    printf("%s_p50_us %.1f\n%s_p99_us %.1f\n%s_max_us %.1f\n", name, (double)t[n / 2], name,
           (double)t[(n * 99) / 100], name, (double)t[n - 1]);
}

static int query(const char *data, const char *qfile, int reps)
{
    open_store(data);
    size_t nq = 0;
    qline *q = read_queries(qfile, &nq);
    uint64_t *t = pt_xmalloc(nq * (size_t)reps * sizeof *t);
    size_t nt = 0;
    kb_reader r = {.user = 2, .account = 100, .anon_ok = true};
    kb_filter f = {-1, -1, NULL};
    for (int rep = -1; rep < reps; rep++) { /* rep -1 warms the page cache */
        for (size_t i = 0; i < nq; i++) {
            kb_query kq;
            kb_hit hits[10];
            size_t nh = 0, total = 0;
            uint64_t t0 = pt_now_us();
            int rc = 0;
            pt_txn *txn = pt_txn_begin(false, &rc);
            kb_query_parse(q[i].ours, &kq);
            kb_search(txn, &kq, &r, &f, 0, 10, hits, &nh, &total);
            pt_txn_abort(txn);
            uint64_t dt = pt_now_us() - t0;
            if (rep >= 0) t[nt++] = dt;
            if (rep == 0 && getenv("KB_VERBOSE"))
                fprintf(stderr, "%-32s %6zu hits %6llu us\n", q[i].ours, total, (unsigned long long)dt);
        }
    }
    report("knowledge_search", t, nt);
    free(t);
    pt_store_close();
    return 0;
}

static int sqlite_query(const char *dbfile, const char *qfile, int reps)
{
    sqlite3 *db;
    if (sqlite3_open_v2(dbfile, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) return 1;
    size_t nq = 0;
    qline *q = read_queries(qfile, &nq);
    uint64_t *t = pt_xmalloc(nq * (size_t)reps * sizeof *t);
    size_t nt = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT rowid, title FROM docs WHERE docs MATCH ?1 "
                               "ORDER BY bm25(docs, 3.0, 1.0) LIMIT 10", -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    for (int rep = -1; rep < reps; rep++) {
        for (size_t i = 0; i < nq; i++) {
            uint64_t t0 = pt_now_us();
            sqlite3_bind_text(st, 1, q[i].fts, -1, SQLITE_STATIC);
            size_t rows = 0;
            while (sqlite3_step(st) == SQLITE_ROW) rows++;
            sqlite3_reset(st);
            uint64_t dt = pt_now_us() - t0;
            if (rep >= 0) t[nt++] = dt;
            if (rep == 0 && getenv("KB_VERBOSE"))
                fprintf(stderr, "%-32s %6zu rows %6llu us\n", q[i].fts, rows, (unsigned long long)dt);
        }
    }
    report("sqlite_fts5", t, nt);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "load") == 0) return load(argv[2], argv[3]);
    if (argc >= 4 && strcmp(argv[1], "csv") == 0) return csv(argv[2], argv[3]);
    if (argc >= 4 && strcmp(argv[1], "query") == 0)
        return query(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 20);
    if (argc >= 4 && strcmp(argv[1], "sqlite") == 0)
        return sqlite_query(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 20);
    fprintf(stderr, "usage: kbbench load|csv|query|sqlite ...\n");
    return 2;
}
