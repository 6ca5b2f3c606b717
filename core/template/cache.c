/*
 * core/template/cache.c - compiled templates keyed by file path.
 *
 * A theme owns one cache: every template file of its chain and of the
 * registered plugin folders is compiled once when the theme loads, and
 * the whole cache is thrown away and rebuilt on reload (a reload is rare
 * and must see every edit; tracking mtimes would buy nothing but risk).
 * After loading the cache is read-only, so lookups need no lock and are
 * safe from pool threads. An open-addressing hash table (FNV-1a, linear
 * probing, load <= 1/2) keeps a lookup to one hash and a compare or two.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "template/template_int.h"

typedef struct slot {
    char *path;
    pt_mustache *tpl;
} slot;

struct pt_tcache {
    slot *slots;
    size_t cap, count;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

pt_tcache *pt_tcache_new(void)
{
    pt_tcache *c = pt_xcalloc(1, sizeof *c);
    c->cap = 64;
    c->slots = pt_xcalloc(c->cap, sizeof *c->slots);
    return c;
}

void pt_tcache_free(pt_tcache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].path) continue;
        free(c->slots[i].path);
        pt_mustache_free(c->slots[i].tpl);
    }
    free(c->slots);
    free(c);
}

static slot *find(const pt_tcache *c, const char *path)
{
    size_t i = hash(path) & (c->cap - 1);
    while (c->slots[i].path) {
        if (strcmp(c->slots[i].path, path) == 0) return &c->slots[i];
        i = (i + 1) & (c->cap - 1);
    }
    return &c->slots[i];
}

static void grow(pt_tcache *c)
{
    slot *old = c->slots;
    size_t ocap = c->cap;
    c->cap *= 2;
    c->slots = pt_xcalloc(c->cap, sizeof *c->slots);
    for (size_t i = 0; i < ocap; i++)
        if (old[i].path) *find(c, old[i].path) = old[i];
    free(old);
}

const pt_mustache *pt_tcache_get(const pt_tcache *c, const char *path)
{
    if (!c || !path) return NULL;
    return find(c, path)->tpl;
}

size_t pt_tcache_count(const pt_tcache *c)
{
    return c ? c->count : 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    pt_buf b = PT_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) pt_buf_append(&b, chunk, n);
    bool bad = ferror(fp);
    fclose(fp);
    if (bad) {
        pt_buf_free(&b);
        return NULL;
    }
    if (!b.data) pt_buf_reserve(&b, 0);
    *len = b.len;
    return pt_buf_steal(&b);
}

int pt_tcache_add_file(pt_tcache *c, const char *path, char **err)
{
    if (find(c, path)->path) return PT_OK;
    size_t len = 0;
    char *src = read_file(path, &len);
    if (!src) {
        if (err) *err = pt_xasprintf("%s: %s", path, strerror(errno));
        return PT_EIO;
    }
    char *cerr = NULL;
    pt_mustache *t = pt_mustache_compile(src, len, path, &cerr);
    free(src);
    if (!t) {
        if (err) {
            /* The engine names the template in its message; add the path
             * only when it did not. */
            if (cerr && strstr(cerr, path)) *err = cerr, cerr = NULL;
            else *err = pt_xasprintf("%s: %s", path, cerr ? cerr : "compile error");
        }
        free(cerr);
        return PT_EINVAL;
    }
    if ((c->count + 1) * 2 > c->cap) grow(c);
    slot *s = find(c, path);
    s->path = pt_xstrdup(path);
    s->tpl = t;
    c->count++;
    return PT_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pt_tcache_add_tree(pt_tcache *c, const char *dir, char **err)
{
    DIR *d = opendir(dir);
    if (!d) return PT_OK;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = pt_xrealloc(names, cap * sizeof *names);
        }
        names[n++] = pt_xstrdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    int rc = PT_OK;
    for (size_t i = 0; i < n; i++) {
        if (rc == PT_OK) {
            char *path = pt_xasprintf("%s/%s", dir, names[i]);
            struct stat st;
            size_t len = strlen(names[i]);
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                /* Skip non-template trees of a theme root. */
                if (strcmp(names[i], "static") != 0 && strcmp(names[i], "locales") != 0 &&
                    strcmp(names[i], "node_modules") != 0)
                    rc = pt_tcache_add_tree(c, path, err);
            } else if (len > 9 && strcmp(names[i] + len - 9, ".mustache") == 0) {
                rc = pt_tcache_add_file(c, path, err);
            }
            free(path);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}
