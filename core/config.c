/*
 * core/config.c - config/portico.lua: evaluation in an empty sandbox,
 * the key schema, checking with file:line, typed getters, overrides and
 * reload (rules in portico/config.h).
 *
 * Evaluation: the chunk's _ENV is an empty table whose metatable sends
 * every assignment to a C __newindex that records "file:line" of the
 * assigning line (lua_getstack level 1 = the chunk) and stores the value
 * in a separate data table; __index reads from the data table and raises
 * "'x' is not defined" for anything never assigned. No library is opened,
 * so there is nothing to escape to. The state uses the script allocator
 * budget and count hook from core/lua/limits.c.
 *
 * Sections: only top-level assignments have a line of their own; a
 * problem inside `tls = {...}` is reported at the line of `tls`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/internal.h"
#include "portico/config.h"
#include "portico/log.h"

#define CONFIG_MAX (1u << 20)
#define CONFIG_MEM (8u << 20)
#define CONFIG_INSTR 1000000ULL
#define CONFIG_TIME_MS 500
#define MAX_ERRORS 20

struct pt_config {
    char *file;
    json_t *root;      /* the values                         */
    json_t *origins;   /* dotted path -> "file:line"          */
    json_t *lines;     /* top-level key -> [first, last] line */
    json_t *overrides; /* dotted path -> value (command line) */
    char *source;      /* the file's text, to find nested keys */
    size_t source_len;
};

/* ---- schema --------------------------------------------------------------- */

typedef struct {
    char *path;
    pt_config_type type;
    json_t *dflt;
    char *doc;
    char *owner;
} decl;

static decl *decls;
static size_t ndecls, capdecls;
static bool core_declared;

static bool valid_path(const char *p)
{
    if (!p || !*p || strlen(p) > 200) return false;
    bool seg_empty = true;
    for (; *p; p++) {
        if (*p == '.') {
            if (seg_empty) return false;
            seg_empty = true;
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || *p == '_' || *p == '-') {
            seg_empty = false;
        } else {
            return false;
        }
    }
    return !seg_empty;
}

static bool type_ok(pt_config_type t, const json_t *v)
{
    switch (t) {
    case PT_CONFIG_STRING:
        return json_is_string(v);
    case PT_CONFIG_INT:
        if (json_is_integer(v)) return true;
        if (json_is_real(v)) {
            double d = json_real_value(v);
            return d == floor(d) && fabs(d) < 9.007199254740992e15;
        }
        return false;
    case PT_CONFIG_BOOL:
        return json_is_boolean(v);
    case PT_CONFIG_NUMBER:
        return json_is_number(v);
    case PT_CONFIG_LIST:
        return json_is_array(v) || (json_is_object(v) && json_object_size(v) == 0);
    case PT_CONFIG_TABLE:
        return json_is_object(v) || json_is_array(v);
    }
    return false;
}

static const char *type_want(pt_config_type t)
{
    switch (t) {
    case PT_CONFIG_STRING: return "a string";
    case PT_CONFIG_INT: return "an integer";
    case PT_CONFIG_BOOL: return "true or false";
    case PT_CONFIG_NUMBER: return "a number";
    case PT_CONFIG_LIST: return "a list";
    case PT_CONFIG_TABLE: return "a table";
    }
    return "?";
}

static const char *type_short(pt_config_type t)
{
    switch (t) {
    case PT_CONFIG_STRING: return "string";
    case PT_CONFIG_INT: return "integer";
    case PT_CONFIG_BOOL: return "boolean";
    case PT_CONFIG_NUMBER: return "number";
    case PT_CONFIG_LIST: return "list";
    case PT_CONFIG_TABLE: return "table";
    }
    return "?";
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "table";
    case JSON_ARRAY: return "list";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "nil";
    }
    return "?";
}

static decl *find_decl(const char *path)
{
    for (size_t i = 0; i < ndecls; i++)
        if (strcmp(decls[i].path, path) == 0) return &decls[i];
    return NULL;
}

/* Does a declared key live below path ("tls" for "tls.cert")? */
static bool is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < ndecls; i++)
        if (strncmp(decls[i].path, path, n) == 0 && decls[i].path[n] == '.') return true;
    return false;
}

static int declare(const char *path, pt_config_type type, json_t *dflt, const char *doc,
                   const char *owner);

static void ensure_core(void)
{
    if (core_declared) return;
    core_declared = true;
    declare("plugins", PT_CONFIG_LIST, json_array(),
            "Plugins to load, in order: a name, or {name=, required=true}.", "core");
    declare("scripts", PT_CONFIG_LIST, json_array(),
            "Lua scripts to load (paths); each may have a settings table named after it.",
            "core");
}

static int declare(const char *path, pt_config_type type, json_t *dflt, const char *doc,
                   const char *owner)
{
    if (!valid_path(path) || type < PT_CONFIG_STRING || type > PT_CONFIG_TABLE ||
        (dflt && !type_ok(type, dflt))) {
        json_decref(dflt);
        return PT_EINVAL;
    }
    if (!owner) owner = "core";
    decl *d = find_decl(path);
    if (d) {
        if (d->type != type || strcmp(d->owner, owner) != 0) {
            pt_warn("config: key '%s' already declared by %s", path, d->owner);
            json_decref(dflt);
            return PT_EEXIST;
        }
        json_decref(d->dflt);
        d->dflt = dflt;
        free(d->doc);
        d->doc = pt_xstrdup(doc ? doc : "");
        return 0;
    }
    /* A leaf may not also be a section, and vice versa. */
    size_t n = strlen(path);
    for (size_t i = 0; i < ndecls; i++) {
        size_t m = strlen(decls[i].path);
        if ((m < n && strncmp(path, decls[i].path, m) == 0 && path[m] == '.') ||
            (n < m && strncmp(decls[i].path, path, n) == 0 && decls[i].path[n] == '.')) {
            pt_warn("config: key '%s' clashes with '%s' (declared by %s)", path, decls[i].path,
                    decls[i].owner);
            json_decref(dflt);
            return PT_EEXIST;
        }
    }
    if (ndecls == capdecls) {
        capdecls = capdecls ? capdecls * 2 : 32;
        decls = pt_xrealloc(decls, capdecls * sizeof *decls);
    }
    decls[ndecls++] = (decl){pt_xstrdup(path), type, dflt, pt_xstrdup(doc ? doc : ""),
                             pt_xstrdup(owner)};
    return 0;
}

int pt_config_declare(const char *path, pt_config_type type, json_t *dflt, const char *doc,
                      const char *owner)
{
    ensure_core();
    return declare(path, type, dflt, doc, owner);
}

static void free_decl(decl *d)
{
    free(d->path);
    json_decref(d->dflt);
    free(d->doc);
    free(d->owner);
}

int pt_config_undeclare_owner(const char *owner)
{
    if (!owner) return 0;
    size_t j = 0;
    int removed = 0;
    for (size_t i = 0; i < ndecls; i++) {
        if (strcmp(decls[i].owner, owner) == 0) {
            free_decl(&decls[i]);
            removed++;
        } else {
            decls[j++] = decls[i];
        }
    }
    ndecls = j;
    return removed;
}

static int cmp_decl(const void *a, const void *b)
{
    return strcmp(((const decl *)a)->path, ((const decl *)b)->path);
}

void pt_config_schema(json_t **out)
{
    ensure_core();
    qsort(decls, ndecls, sizeof *decls, cmp_decl);
    json_t *a = json_array();
    for (size_t i = 0; i < ndecls; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:O?, s:s, s:s}", "path", decls[i].path,
                                           "type", type_short(decls[i].type), "default",
                                           decls[i].dflt, "doc", decls[i].doc, "owner",
                                           decls[i].owner));
    *out = a;
}

void pt_config_schema_reset(void)
{
    for (size_t i = 0; i < ndecls; i++) free_decl(&decls[i]);
    free(decls);
    decls = NULL;
    ndecls = capdecls = 0;
    core_declared = false;
}

/* ---- load ------------------------------------------------------------------ */

typedef struct {
    const char *file;
    const char *code;
    size_t len;
    json_t *root;
    json_t *origins;
    json_t *lines;
} load_ctx;

/* Line n (1-based) of src: pointer and length, or NULL. */
static const char *line_at(const char *src, size_t len, long n, size_t *ll)
{
    const char *p = src, *end = src + len;
    for (long i = 1; i < n && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return NULL;
        p = nl + 1;
    }
    if (p > end || n < 1) return NULL;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
    return p;
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* Does line (l, n) hold "name =" (not "==") at a word boundary? When
 * at_start, only as the first token of the line. */
static bool assigns(const char *l, size_t n, const char *name, bool at_start)
{
    size_t k = strlen(name);
    for (size_t i = 0; i + k <= n; i++) {
        if (at_start && l[i] != ' ' && l[i] != '\t' && memcmp(l + i, name, k) != 0) return false;
        if (memcmp(l + i, name, k) != 0 || (i > 0 && ident_char(l[i - 1]))) continue;
        size_t j = i + k;
        if (j < n && ident_char(l[j])) continue;
        while (j < n && (l[j] == ' ' || l[j] == '\t')) j++;
        if (j < n && l[j] == '=' && (j + 1 >= n || l[j + 1] != '=')) return true;
        if (at_start) return false;
    }
    return false;
}

/* The line where "key = ..." starts, searching back from the line Lua
 * reports (the end of a multi-line table constructor). */
static long find_start(const char *src, size_t len, const char *key, long last)
{
    for (long ln = last; ln >= 1 && ln > last - 5000; ln--) {
        size_t ll;
        const char *l = line_at(src, len, ln, &ll);
        if (l && assigns(l, ll, key, true)) return ln;
    }
    return last;
}

static int env_index(lua_State *L)
{
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "'%s' is not defined (the config file has no libraries; "
                             "only names assigned above can be read)",
                          lua_tostring(L, 2));
    return luaL_error(L, "undefined name");
}

static int env_newindex(lua_State *L)
{
    load_ctx *c = lua_touserdata(L, lua_upvalueindex(2));
    if (lua_type(L, 2) != LUA_TSTRING) return luaL_error(L, "config keys must be names");
    const char *k = lua_tostring(L, 2);
    if (!valid_path(k) || strchr(k, '.')) return luaL_error(L, "'%s' is not a valid key", k);
    lua_Debug ar;
    char where[512];
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline > 0)
        snprintf(where, sizeof where, "%s:%d", c->file, ar.currentline);
    else
        snprintf(where, sizeof where, "%s", c->file);
    long last = ar.currentline > 0 ? ar.currentline : 0;
    long first = last ? find_start(c->code, c->len, k, last) : 0;
    if (first) snprintf(where, sizeof where, "%s:%ld", c->file, first);
    json_t *w = json_string(where);
    json_object_set_new(c->origins, k, w ? w : json_string("(config file)"));
    json_object_set_new(c->lines, k, json_pack("[I,I]", (json_int_t)first, (json_int_t)last));
    lua_settop(L, 3);
    lua_rawset(L, lua_upvalueindex(1));
    return 0;
}

static int load_body(lua_State *L)
{
    load_ctx *c = lua_touserdata(L, 1);
    lua_newtable(L); /* data */
    int data = lua_gettop(L);
    lua_newtable(L); /* env */
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, data);
    lua_pushcclosure(L, env_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, data);
    lua_pushlightuserdata(L, c);
    lua_pushcclosure(L, env_newindex, 2);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    int env = lua_gettop(L);

    char *chunk = pt_xasprintf("@%s", c->file);
    int rc = luaL_loadbufferx(L, c->code, c->len, chunk, "t");
    free(chunk);
    if (rc != LUA_OK) return lua_error(L);
    lua_pushvalue(L, env);
    lua_setupvalue(L, -2, 1);
    lua_call(L, 0, 0);

    lua_pushnil(L);
    while (lua_next(L, data)) {
        const char *k = lua_tostring(L, -2); /* keys are strings (newindex) */
        char why[200];
        json_t *v = pt_lua__to_json(L, -1, why, sizeof why);
        if (!v) {
            const char *o = json_string_value(json_object_get(c->origins, k));
            lua_pushfstring(L, "%s: '%s' is not plain data: %s", o ? o : c->file, k, why);
            return lua_error(L);
        }
        json_object_set_new(c->root, k, v);
        lua_pop(L, 1);
    }
    return 0;
}

static char *read_all(const char *path, size_t *len, char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = pt_xasprintf("cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    pt_buf b = PT_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        pt_buf_append(&b, chunk, n);
        if (b.len > CONFIG_MAX) {
            fclose(f);
            pt_buf_free(&b);
            *err = pt_xasprintf("%s: file too big", path);
            return NULL;
        }
    }
    fclose(f);
    *len = b.len;
    return b.data ? pt_buf_steal(&b) : pt_xstrdup("");
}

static void set_err(char **err, char *msg)
{
    if (err)
        *err = msg;
    else
        free(msg);
}

int pt_config_load(const char *file, pt_config **out, char **err)
{
    if (err) *err = NULL;
    *out = NULL;
    size_t len;
    char *e = NULL;
    char *code = read_all(file, &len, &e);
    if (!code) {
        set_err(err, e);
        return PT_EIO;
    }
    pt_lua_lim lim = {.max = CONFIG_MEM, .max_count = CONFIG_INSTR, .time_ms = CONFIG_TIME_MS,
                      .what = "config"};
    lua_State *L = pt_lua__newstate(&lim);
    if (!L) {
        free(code);
        set_err(err, pt_xasprintf("%s: cannot create a Lua state", file));
        return PT_ERR;
    }
    load_ctx c = {file, code, len, json_object(), json_object(), json_object()};
    lua_pushcfunction(L, load_body);
    lua_pushlightuserdata(L, &c);
    pt_lua__arm(L);
    int rc = lua_pcall(L, 1, 0, 0);
    pt_lua__disarm(L);
    if (rc != LUA_OK) {
        free(code);
        const char *m = lua_tostring(L, -1);
        if (rc == LUA_ERRMEM)
            set_err(err, pt_xasprintf("%s: the config uses too much memory", file));
        else
            set_err(err, pt_xstrdup(m ? m : "error"));
        lua_close(L);
        json_decref(c.root);
        json_decref(c.origins);
        json_decref(c.lines);
        return PT_EINVAL;
    }
    lua_close(L);
    pt_config *cfg = pt_xcalloc(1, sizeof *cfg);
    cfg->file = pt_xstrdup(file);
    cfg->root = c.root;
    cfg->origins = c.origins;
    cfg->lines = c.lines;
    cfg->source = code;
    cfg->source_len = len;
    cfg->overrides = json_object();
    *out = cfg;
    return 0;
}

void pt_config_free(pt_config *cfg)
{
    if (!cfg) return;
    free(cfg->file);
    json_decref(cfg->root);
    json_decref(cfg->origins);
    json_decref(cfg->lines);
    json_decref(cfg->overrides);
    free(cfg->source);
    free(cfg);
}

const char *pt_config_file(const pt_config *cfg)
{
    return cfg->file;
}

/* Refine the origin of a nested path: search its keys, one level after
 * the other, inside the lines of its top-level assignment. Best effort (a
 * comment or a string can fool it); falls back to the top-level line. */
static const char *refine(const pt_config *cfg, const char *path)
{
    char top[128];
    const char *dot = strchr(path, '.');
    size_t tl = (size_t)(dot - path);
    if (tl >= sizeof top) return NULL;
    memcpy(top, path, tl);
    top[tl] = 0;
    json_t *range = json_object_get(cfg->lines, top);
    long from = (long)json_integer_value(json_array_get(range, 0));
    long to = (long)json_integer_value(json_array_get(range, 1));
    if (!range || from < 1 || !cfg->source) return NULL;
    long at = from;
    const char *seg = dot + 1;
    while (*seg) {
        const char *e = strchr(seg, '.');
        size_t sl = e ? (size_t)(e - seg) : strlen(seg);
        char name[128];
        if (sl >= sizeof name) break;
        memcpy(name, seg, sl);
        name[sl] = 0;
        long found = 0;
        for (long ln = at; ln <= to && !found; ln++) {
            size_t ll;
            const char *l = line_at(cfg->source, cfg->source_len, ln, &ll);
            if (l && assigns(l, ll, name, false)) found = ln;
        }
        if (!found) break;
        at = found;
        seg = e ? e + 1 : seg + sl;
    }
    char buf[600];
    snprintf(buf, sizeof buf, "%s:%ld", cfg->file, at);
    json_t *w = json_string(buf);
    if (!w) return NULL;
    json_object_set_new(cfg->origins, path, w); /* cache */
    return json_string_value(w);
}

const char *pt_config_origin(const pt_config *cfg, const char *path)
{
    if (!path) return NULL;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (;;) {
        const char *o = json_string_value(json_object_get(cfg->origins, buf));
        if (o) {
            if (strcmp(buf, path) == 0 || strcmp(o, "command line") == 0) return o;
            const char *r = refine(cfg, path);
            return r ? r : o;
        }
        char *dot = strrchr(buf, '.');
        if (!dot) return NULL;
        *dot = 0;
    }
}

/* ---- check ------------------------------------------------------------------- */

typedef struct {
    pt_config *cfg;
    pt_buf out;
    int n;
} chk;

static void problem(chk *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(chk *c, const char *path, const char *fmt, ...)
{
    if (c->n++ >= MAX_ERRORS) return;
    const char *o = pt_config_origin(c->cfg, path);
    if (c->out.len) pt_buf_putc(&c->out, '\n');
    pt_buf_printf(&c->out, "%s: ", o ? o : c->cfg->file);
    va_list ap;
    va_start(ap, fmt);
    pt_buf_vprintf(&c->out, fmt, ap);
    va_end(ap);
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

/* The closest declared key or section to path, with the same parent. */
static const char *suggest(const char *path, char *buf, size_t n)
{
    const char *dot = strrchr(path, '.');
    size_t plen = dot ? (size_t)(dot - path) + 1 : 0;
    const char *leaf = path + plen;
    size_t best = 3;
    bool found = false;
    for (size_t i = 0; i < ndecls; i++) {
        const char *d = decls[i].path;
        if (plen && (strncmp(d, path, plen) != 0)) continue;
        char cand[128];
        const char *rest = d + plen;
        const char *e = strchr(rest, '.');
        size_t cl = e ? (size_t)(e - rest) : strlen(rest);
        if (cl >= sizeof cand) continue;
        memcpy(cand, rest, cl);
        cand[cl] = 0;
        size_t dist = edit_distance(leaf, cand);
        if (dist < best && dist < strlen(leaf)) {
            best = dist;
            snprintf(buf, n, "%.*s%s", (int)plen, path, cand);
            found = true;
        }
    }
    return found ? buf : NULL;
}

static bool listed_name(const json_t *list, const char *name, bool scripts)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        const char *s = json_is_string(v) ? json_string_value(v)
                                          : json_string_value(json_object_get(v, "name"));
        if (!s) continue;
        if (scripts) {
            const char *b = strrchr(s, '/');
            b = b ? b + 1 : s;
            size_t l = strlen(name);
            if (strncmp(b, name, l) == 0 && (b[l] == 0 || strcmp(b + l, ".lua") == 0))
                return true;
        } else if (strcmp(s, name) == 0) {
            return true;
        }
    }
    return false;
}

static void walk(chk *c, json_t *obj, const char *prefix)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        char *path = prefix ? pt_xasprintf("%s.%s", prefix, k) : pt_xstrdup(k);
        decl *d = find_decl(path);
        if (d) {
            if (!type_ok(d->type, v))
                problem(c, path, "'%s' must be %s, got %s", path, type_want(d->type),
                        json_kind(v));
        } else if (is_section(path)) {
            if (!json_is_object(v))
                problem(c, path, "'%s' must be a table, got %s", path, json_kind(v));
            else
                walk(c, v, path);
        } else if (!prefix && listed_name(json_object_get(c->cfg->root, "scripts"), k, true)) {
            /* a script's free-form settings */
        } else if (!prefix && listed_name(json_object_get(c->cfg->root, "plugins"), k, false)) {
            const char *o = pt_config_origin(c->cfg, path);
            pt_warn("%s: settings '%s' ignored: plugin '%s' is not loaded", o ? o : c->cfg->file,
                    k, k);
        } else {
            char buf[256];
            const char *s = suggest(path, buf, sizeof buf);
            if (s)
                problem(c, path, "unknown key '%s' (did you mean '%s'?)", path, s);
            else
                problem(c, path, "unknown key '%s'", path);
        }
        free(path);
    }
}

static void check_lists(chk *c)
{
    json_t *pl = json_object_get(c->cfg->root, "plugins");
    size_t i;
    json_t *v;
    if (json_is_array(pl)) json_array_foreach(pl, i, v) {
            if (json_is_string(v)) continue;
            json_t *name = json_object_get(v, "name");
            json_t *req = json_object_get(v, "required");
            if (!json_is_object(v) || !json_is_string(name) ||
                (req && !json_is_boolean(req)) || json_object_size(v) > (req ? 2u : 1u))
                problem(c, "plugins",
                        "'plugins' entry %zu must be a name or {name = \"...\", required = "
                        "true}",
                        i + 1);
        }
    json_t *sl = json_object_get(c->cfg->root, "scripts");
    if (json_is_array(sl)) json_array_foreach(sl, i, v) {
            if (!json_is_string(v))
                problem(c, "scripts", "'scripts' entry %zu must be a path, got %s", i + 1,
                        json_kind(v));
        }
}

int pt_config_check(pt_config *cfg, char **err)
{
    if (err) *err = NULL;
    ensure_core();
    chk c = {cfg, PT_BUF_INIT, 0};
    walk(&c, cfg->root, NULL);
    check_lists(&c);
    if (c.n == 0) return 0;
    if (c.n > MAX_ERRORS) pt_buf_printf(&c.out, "\n(%d more problems)", c.n - MAX_ERRORS);
    if (err)
        *err = pt_buf_steal(&c.out);
    else
        pt_buf_free(&c.out);
    return PT_EINVAL;
}

int pt_config_reload(const char *file, pt_config **cur, char **err)
{
    pt_config *n;
    int rc = pt_config_load(file, &n, err);
    if (rc != 0) return rc;
    if (*cur) {
        const char *k;
        json_t *v;
        json_object_foreach((*cur)->overrides, k, v) pt_config_set(n, k, json_deep_copy(v));
    }
    rc = pt_config_check(n, err);
    if (rc != 0) {
        pt_config_free(n);
        return rc;
    }
    pt_config_free(*cur);
    *cur = n;
    return 0;
}

/* ---- getters ------------------------------------------------------------------- */

static json_t *lookup(const pt_config *cfg, const char *path)
{
    if (!path || !*path) return cfg->root;
    json_t *cur = cfg->root;
    const char *p = path;
    while (cur && json_is_object(cur)) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        cur = json_object_getn(cur, p, n);
        if (!dot) return cur;
        p = dot + 1;
    }
    return NULL;
}

static const json_t *declared_default(const char *path)
{
    decl *d = find_decl(path);
    return d ? d->dflt : NULL;
}

const json_t *pt_config_json(const pt_config *cfg, const char *path)
{
    const json_t *v = lookup(cfg, path);
    return v ? v : declared_default(path);
}

const char *pt_config_str(const pt_config *cfg, const char *path, const char *dflt)
{
    const json_t *v = lookup(cfg, path);
    if (json_is_string(v)) return json_string_value(v);
    v = declared_default(path);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

static bool as_int(const json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
        return true;
    }
    if (type_ok(PT_CONFIG_INT, v)) {
        *out = (long long)json_real_value(v);
        return true;
    }
    return false;
}

long long pt_config_int(const pt_config *cfg, const char *path, long long dflt)
{
    long long r;
    if (as_int(lookup(cfg, path), &r) || as_int(declared_default(path), &r)) return r;
    return dflt;
}

bool pt_config_bool(const pt_config *cfg, const char *path, bool dflt)
{
    const json_t *v = lookup(cfg, path);
    if (json_is_boolean(v)) return json_is_true(v);
    v = declared_default(path);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

double pt_config_num(const pt_config *cfg, const char *path, double dflt)
{
    const json_t *v = lookup(cfg, path);
    if (json_is_number(v)) return json_number_value(v);
    v = declared_default(path);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

int pt_config_set(pt_config *cfg, const char *path, json_t *v)
{
    if (!valid_path(path) || !v) {
        json_decref(v);
        return PT_EINVAL;
    }
    json_t *cur = cfg->root;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        if (!dot) break;
        char *seg = pt_xstrndup(p, (size_t)(dot - p));
        json_t *next = json_object_get(cur, seg);
        if (!json_is_object(next)) {
            next = json_object();
            json_object_set_new(cur, seg, next);
        }
        free(seg);
        cur = next;
        p = dot + 1;
    }
    json_object_set(cfg->overrides, path, v);
    json_object_set_new(cur, p, v);
    json_object_set_new(cfg->origins, path, json_string("command line"));
    return 0;
}
