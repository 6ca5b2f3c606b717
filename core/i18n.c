/*
 * core/i18n.c - message catalogs, Accept-Language negotiation and locale
 * formatting (numbers, dates in IANA time zones). See portico/i18n.h.
 *
 * The catalog set is one JSON object {lang: nested catalog}, built by
 * pt_i18n_build() when a theme loads and swapped in by pt_i18n_install().
 * Every language is pre-merged over English at build time, so a lookup is
 * one walk down the nested objects and templates get English fallback
 * for free ({{t.nav.home}} on a partial German catalog).
 *
 * A request pins the set it first used (a reference dropped by the
 * request arena), so a SIGHUP reload never frees a string a request or a
 * pool-thread render still holds.
 *
 * Time zones: tz_* below read TZif files (RFC 8536) from the tzdata
 * package and evaluate the POSIX TZ footer for instants past the table.
 * We chose this over setenv("TZ") + tzset() + localtime_r(): that changes
 * process-global state, races with renders on pt_work_run() threads and
 * with any other localtime() caller, and setenv() itself is not
 * thread-safe. Parsed zones are cached for the life of the process.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "portico/i18n.h"
#include "portico/log.h"

/* ---- registered folders --------------------------------------------- */

typedef struct dir_ent {
    char *dir;
    char *owner;
} dir_ent;

static dir_ent *dirs;
static size_t ndirs;
static pt_i18n_user_lang_fn user_lang_fn;

static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *active_set;

int pt_i18n_add_dir(const char *dir, const char *owner)
{
    if (!dir || !*dir) return PT_EINVAL;
    dirs = pt_xrealloc(dirs, (ndirs + 1) * sizeof *dirs);
    dirs[ndirs].dir = pt_xstrdup(dir);
    dirs[ndirs].owner = pt_xstrdup(owner ? owner : "");
    ndirs++;
    return PT_OK;
}

int pt_i18n_remove_owner(const char *owner)
{
    int n = 0;
    size_t j = 0;
    for (size_t i = 0; i < ndirs; i++) {
        if (owner && strcmp(dirs[i].owner, owner) == 0) {
            free(dirs[i].dir);
            free(dirs[i].owner);
            n++;
        } else {
            dirs[j++] = dirs[i];
        }
    }
    ndirs = j;
    return n;
}

void pt_i18n_set_user_lang_fn(pt_i18n_user_lang_fn fn)
{
    user_lang_fn = fn;
}

/* ---- building ---------------------------------------------------------- */

/* Deep-merge src into dst: objects merge key by key, anything else
 * replaces. src is borrowed (values are copied). */
static void deep_merge(json_t *dst, json_t *src)
{
    const char *k;
    json_t *v;
    json_object_foreach(src, k, v) {
        json_t *d = json_object_get(dst, k);
        if (json_is_object(d) && json_is_object(v))
            deep_merge(d, v);
        else
            json_object_set_new(dst, k, json_deep_copy(v));
    }
}

static bool lang_code_ok(const char *s, size_t n)
{
    if (n < 2 || n > 15) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_') return false;
    return true;
}

/* Sorted file names of dir (allocated; free each and the array). Returns
 * the count; 0 for a missing folder. */
static int list_dir(const char *dir, char ***out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = pt_xrealloc(*out, (size_t)cap * sizeof **out);
        }
        (*out)[n++] = pt_xstrdup(e->d_name);
    }
    closedir(d);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp((*out)[j - 1], (*out)[j]) > 0; j--) {
            char *t = (*out)[j];
            (*out)[j] = (*out)[j - 1];
            (*out)[j - 1] = t;
        }
    return n;
}

/* Merge every <dir>/<lang>.json into set. */
static int merge_dir(json_t *set, const char *dir, char **err)
{
    char **names = NULL;
    int n = list_dir(dir, &names);
    int rc = PT_OK;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (rc == PT_OK && len > 5 && strcmp(names[i] + len - 5, ".json") == 0 &&
            lang_code_ok(names[i], len - 5)) {
            char *path = pt_xasprintf("%s/%s", dir, names[i]);
            json_error_t je;
            json_t *cat = json_load_file(path, 0, &je);
            if (!cat || !json_is_object(cat)) {
                if (err)
                    *err = cat ? pt_xasprintf("%s: a catalog must be a JSON object", path)
                               : pt_xasprintf("%s:%d: %s", path, je.line, je.text);
                json_decref(cat);
                rc = PT_EINVAL;
            } else {
                char lang[16];
                snprintf(lang, sizeof lang, "%.*s", (int)(len - 5), names[i]);
                for (char *p = lang; *p; p++) *p = (char)(*p == '_' ? '-' : tolower((unsigned char)*p));
                json_t *cur = json_object_get(set, lang);
                if (!cur) {
                    cur = json_object();
                    json_object_set_new(set, lang, cur);
                }
                deep_merge(cur, cat);
                json_decref(cat);
            }
            free(path);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

json_t *pt_i18n_build(const char *const *theme_locale_dirs, size_t n, char **err)
{
    if (err) *err = NULL;
    json_t *set = json_object();
    for (size_t i = 0; i < ndirs; i++)
        if (merge_dir(set, dirs[i].dir, err) != PT_OK) goto fail;
    for (size_t i = 0; i < n; i++)
        if (merge_dir(set, theme_locale_dirs[i], err) != PT_OK) goto fail;
    /* Fill every language from English. */
    json_t *en = json_object_get(set, "en");
    if (!en) {
        en = json_object();
        json_object_set_new(set, "en", en);
    }
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v) {
        if (v == en) continue;
        json_t *full = json_deep_copy(en);
        deep_merge(full, v);
        json_object_set_new(set, k, full); /* replaces v; safe in foreach */
    }
    return set;
fail:
    json_decref(set);
    return NULL;
}

void pt_i18n_install(json_t *set)
{
    pthread_mutex_lock(&set_lock);
    json_t *old = active_set;
    active_set = set;
    pthread_mutex_unlock(&set_lock);
    json_decref(old);
}

static json_t *acquire_set(void)
{
    pthread_mutex_lock(&set_lock);
    json_t *s = json_incref(active_set);
    pthread_mutex_unlock(&set_lock);
    return s;
}

/* ---- language codes ------------------------------------------------------ */

/* Interned language codes: negotiate() returns pointers that stay valid
 * for the life of the process whatever reloads happen. */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static char *interned[64];
static size_t ninterned;

static const char *intern(const char *s)
{
    const char *r = "en";
    pthread_mutex_lock(&intern_lock);
    for (size_t i = 0; i < ninterned; i++)
        if (strcmp(interned[i], s) == 0) {
            r = interned[i];
            goto out;
        }
    if (ninterned < sizeof interned / sizeof *interned) {
        interned[ninterned] = pt_xstrdup(s);
        r = interned[ninterned++];
    }
out:
    pthread_mutex_unlock(&intern_lock);
    return r;
}

/* Find the available language for one tag: exact (case-insensitive),
 * then the same primary subtag ("de-DE" -> "de", "pt" -> "pt-br"). */
static const char *match_tag(json_t *set, const char *tag, size_t len)
{
    char want[32];
    if (len == 0 || len >= sizeof want) return NULL;
    for (size_t i = 0; i < len; i++)
        want[i] = (char)(tag[i] == '_' ? '-' : tolower((unsigned char)tag[i]));
    want[len] = 0;
    if (json_object_get(set, want)) return intern(want);
    char *dash = strchr(want, '-');
    size_t plen = dash ? (size_t)(dash - want) : len;
    const char *k;
    json_t *v;
    if (dash) {
        *dash = 0;
        if (json_object_get(set, want)) return intern(want);
    }
    json_object_foreach(set, k, v) {
        if (strncmp(k, want, plen) == 0 && (k[plen] == '-' || k[plen] == 0)) return intern(k);
    }
    return NULL;
}

static const char *negotiate_in(json_t *set, const char *al)
{
    if (!al || !set) return "en";
    const char *best = NULL;
    double best_q = 0;
    const char *p = al;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (!*p) break;
        const char *tag = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ') p++;
        size_t tlen = (size_t)(p - tag);
        double q = 1.0;
        while (*p && *p != ',') {
            if (*p == ';') {
                const char *a = p + 1;
                while (*a == ' ') a++;
                if ((a[0] == 'q' || a[0] == 'Q') && a[1] == '=') {
                    char *end;
                    q = strtod(a + 2, &end);
                    if (end == a + 2 || !(q >= 0) || q > 1) q = 0;
                }
            }
            p++;
        }
        if (q > best_q && !(tlen == 1 && tag[0] == '*')) {
            const char *m = match_tag(set, tag, tlen);
            if (m) {
                best = m;
                best_q = q;
            }
        }
    }
    return best ? best : "en";
}

const char *pt_i18n_negotiate(const char *accept_language)
{
    json_t *set = acquire_set();
    const char *r = negotiate_in(set, accept_language);
    json_decref(set);
    return r;
}

bool pt_i18n_has_lang(const char *lang)
{
    json_t *set = acquire_set();
    bool r = lang && json_object_get(set, lang) != NULL;
    json_decref(set);
    return r;
}

/* ---- per-request pin ---------------------------------------------------- */

typedef struct pin {
    json_t *set;
    json_t *cat;   /* set[lang], borrowed from set */
    const char *lang;
} pin;

static const int pin_key;

static void pin_release(void *p)
{
    json_decref(((pin *)p)->set);
}

static pin *req_pin(pt_req *req)
{
    pin *pn = pt_req_get_data(req, &pin_key);
    if (pn) return pn;
    pn = pt_arena_alloc(pt_req_arena(req), sizeof *pn);
    pn->set = acquire_set();
    if (!pn->set) pn->set = json_object();
    pt_arena_defer(pt_req_arena(req), pin_release, pn);
    const char *lang = NULL;
    if (user_lang_fn) {
        const char *u = user_lang_fn(req);
        if (u && *u) lang = match_tag(pn->set, u, strlen(u));
    }
    if (!lang) lang = negotiate_in(pn->set, pt_req_header(req, "Accept-Language"));
    pn->lang = lang;
    pn->cat = json_object_get(pn->set, lang);
    if (!pn->cat) pn->cat = json_object_get(pn->set, "en");
    pt_req_set_data(req, &pin_key, pn);
    return pn;
}

const char *pt_i18n_lang(pt_req *req)
{
    return req ? req_pin(req)->lang : "en";
}

static const char *lookup(json_t *cat, const char *key)
{
    json_t *cur = cat;
    const char *p = key;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        cur = json_object_getn(cur, p, n);
        p += n;
        if (*p == '.') p++;
    }
    return json_is_string(cur) ? json_string_value(cur) : NULL;
}

const char *pt_t(pt_req *req, const char *key)
{
    if (!key) return "";
    const char *r = NULL;
    if (req) {
        pin *pn = req_pin(req);
        r = lookup(pn->cat, key);
        if (!r) r = lookup(json_object_get(pn->set, "en"), key);
    } else {
        /* Borrowed from the active set: valid until the next load. */
        pthread_mutex_lock(&set_lock);
        r = lookup(json_object_get(active_set, "en"), key);
        pthread_mutex_unlock(&set_lock);
    }
    return r ? r : key;
}

/* A string of lang's catalog, else English's; NULL when neither has it. */
static const char *lookup_lang(json_t *set, const char *lang, const char *key)
{
    const char *r = lang ? lookup(json_object_get(set, lang), key) : NULL;
    return r ? r : lookup(json_object_get(set, "en"), key);
}

/* Append tpl to b with each {name} replaced by args' value of name, and
 * each {t:name} by the translation of the catalog key args' name holds. */
static void fill_into(pt_buf *b, const char *tpl, const json_t *args, json_t *set,
                      const char *lang)
{
    for (const char *s = tpl; *s; s++) {
        const char *end = *s == '{' ? strchr(s + 1, '}') : NULL;
        const char *name = s + 1;
        bool translate = end && strncmp(name, "t:", 2) == 0;
        if (translate) name += 2;
        json_t *v = end && end - name <= 40 && args
                        ? json_object_getn((json_t *)args, name, (size_t)(end - name))
                        : NULL;
        if (translate && json_is_string(v)) {
            const char *t = lookup_lang(set, lang, json_string_value(v));
            pt_buf_puts(b, t ? t : json_string_value(v));
        } else if (json_is_string(v)) {
            pt_buf_puts(b, json_string_value(v));
        } else if (json_is_integer(v)) {
            pt_buf_printf(b, "%lld", (long long)json_integer_value(v));
        } else if (json_is_real(v)) {
            pt_buf_printf(b, "%g", json_real_value(v));
        } else {
            pt_buf_putc(b, *s);
            continue;
        }
        s = end;
    }
}

char *pt_t_fill(const char *lang, const char *key, const json_t *args)
{
    if (!key) return pt_xstrdup("");
    json_t *set = acquire_set();
    const char *r = lookup_lang(set, lang, key);
    pt_buf b = PT_BUF_INIT;
    fill_into(&b, r ? r : key, args, set, lang);
    json_decref(set);
    return b.data ? pt_buf_steal(&b) : pt_xstrdup("");
}

json_t *pt_i18n_catalog(const char *lang)
{
    json_t *set = acquire_set();
    json_t *c = json_object_get(set, lang ? lang : "en");
    if (!c) c = json_object_get(set, "en");
    json_t *r = c ? json_incref(c) : json_object();
    json_decref(set);
    return r;
}

/* ---- locale formats ---------------------------------------------------- */

typedef struct fmt {
    char decimal[8], group[8];
    char date[64], datetime[64];
    char months[12][16];
} fmt;

static void copy_str(char *dst, size_t cap, json_t *j, const char *dflt)
{
    snprintf(dst, cap, "%s", json_is_string(j) ? json_string_value(j) : dflt);
}

static void get_fmt(const char *lang, fmt *f)
{
    static const char *en_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    json_t *set = acquire_set();
    json_t *c = json_object_get(set, lang ? lang : "en");
    if (!c) c = json_object_get(set, "en");
    json_t *F = json_object_get(c, "_format");
    copy_str(f->decimal, sizeof f->decimal, json_object_get(F, "decimal"), ".");
    copy_str(f->group, sizeof f->group, json_object_get(F, "group"), ",");
    copy_str(f->date, sizeof f->date, json_object_get(F, "date"), "{mon} {d}, {yyyy}");
    copy_str(f->datetime, sizeof f->datetime, json_object_get(F, "datetime"),
             "{mon} {d}, {yyyy}, {h}:{MM} {ampm}");
    json_t *m = json_object_get(F, "months_short");
    for (int i = 0; i < 12; i++)
        copy_str(f->months[i], sizeof f->months[i], json_array_get(m, (size_t)i), en_months[i]);
    json_decref(set);
}

void pt_i18n_format_number_lang(const char *lang, double value, int decimals, pt_buf *out)
{
    if (!isfinite(value)) {
        pt_buf_puts(out, isnan(value) ? "NaN" : value < 0 ? "-∞" : "∞");
        return;
    }
    fmt f;
    get_fmt(lang, &f);
    char tmp[400];
    int d = decimals < 0 ? 3 : decimals > 20 ? 20 : decimals;
    snprintf(tmp, sizeof tmp, "%.*f", d, value);
    char *num = tmp;
    if (*num == '-') {
        /* "-0.000" is zero. */
        bool allzero = true;
        for (char *q = num + 1; *q; q++)
            if (*q >= '1' && *q <= '9') allzero = false;
        if (!allzero) pt_buf_putc(out, '-');
        num++;
    }
    char *dot = strchr(num, '.');
    if (dot && decimals < 0) {
        char *e = num + strlen(num) - 1;
        while (e > dot && *e == '0') *e-- = 0;
        if (e == dot) *e = 0, dot = NULL;
    }
    size_t ilen = dot ? (size_t)(dot - num) : strlen(num);
    for (size_t i = 0; i < ilen; i++) {
        if (i > 0 && (ilen - i) % 3 == 0) pt_buf_puts(out, f.group);
        pt_buf_putc(out, num[i]);
    }
    if (dot) {
        pt_buf_puts(out, f.decimal);
        pt_buf_puts(out, dot + 1);
    }
}

void pt_i18n_format_number(pt_req *req, double value, int decimals, pt_buf *out)
{
    pt_i18n_format_number_lang(pt_i18n_lang(req), value, decimals, out);
}

static void format_time(const fmt *f, const char *pattern, int64_t epoch_ms, const char *tz,
                        pt_buf *out)
{
    int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : -((-epoch_ms + 999) / 1000);
    secs += pt_tz_offset(tz, epoch_ms);
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) memset(&tm, 0, sizeof tm);
    for (const char *p = pattern; *p;) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            if (e) {
                size_t n = (size_t)(e - p - 1);
                const char *k = p + 1;
#define IS(s) (n == strlen(s) && strncmp(k, s, n) == 0)
                if (IS("d")) pt_buf_printf(out, "%d", tm.tm_mday);
                else if (IS("dd")) pt_buf_printf(out, "%02d", tm.tm_mday);
                else if (IS("m")) pt_buf_printf(out, "%d", tm.tm_mon + 1);
                else if (IS("mm")) pt_buf_printf(out, "%02d", tm.tm_mon + 1);
                else if (IS("mon")) pt_buf_puts(out, f->months[tm.tm_mon]);
                else if (IS("yyyy")) pt_buf_printf(out, "%04d", tm.tm_year + 1900);
                else if (IS("HH")) pt_buf_printf(out, "%02d", tm.tm_hour);
                else if (IS("h")) pt_buf_printf(out, "%d", tm.tm_hour % 12 ? tm.tm_hour % 12 : 12);
                else if (IS("MM")) pt_buf_printf(out, "%02d", tm.tm_min);
                else if (IS("ampm")) pt_buf_puts(out, tm.tm_hour < 12 ? "AM" : "PM");
                else pt_buf_append(out, p, n + 2);
#undef IS
                p = e + 1;
                continue;
            }
        }
        pt_buf_putc(out, *p++);
    }
}

void pt_i18n_format_date_lang(const char *lang, int64_t epoch_ms, const char *tz, pt_buf *out)
{
    fmt f;
    get_fmt(lang, &f);
    format_time(&f, f.date, epoch_ms, tz, out);
}

void pt_i18n_format_datetime_lang(const char *lang, int64_t epoch_ms, const char *tz,
                                  pt_buf *out)
{
    fmt f;
    get_fmt(lang, &f);
    format_time(&f, f.datetime, epoch_ms, tz, out);
}

void pt_i18n_format_date(pt_req *req, int64_t epoch_ms, const char *tz, pt_buf *out)
{
    pt_i18n_format_date_lang(pt_i18n_lang(req), epoch_ms, tz, out);
}

void pt_i18n_format_datetime(pt_req *req, int64_t epoch_ms, const char *tz, pt_buf *out)
{
    pt_i18n_format_datetime_lang(pt_i18n_lang(req), epoch_ms, tz, out);
}

/* ---- time zones (TZif, RFC 8536) ---------------------------------------- */

typedef struct tzrule_date {
    char kind;          /* 'J' Jn, 'N' n, 'M' Mm.w.d */
    int a, b, c;        /* J/N: day; M: month, week, weekday */
    long time;          /* seconds after local midnight */
} tzrule_date;

typedef struct tzone {
    char name[64];
    bool ok;
    int64_t *trans;
    uint8_t *idx;
    int32_t *utoff;
    size_t ntrans, ntypes;
    /* POSIX footer */
    bool has_footer, has_dst;
    long std_off, dst_off;   /* seconds east of UTC */
    tzrule_date start, end;
} tzone;

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static tzone *zones[128];
static size_t nzones;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* [+-]hh[:mm[:ss]] -> seconds; returns the end or NULL. */
static const char *parse_hms(const char *s, long *out)
{
    int sign = 1;
    if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*s)) return NULL;
    long h = strtol(s, (char **)&s, 10), m = 0, sec = 0;
    if (*s == ':') {
        m = strtol(s + 1, (char **)&s, 10);
        if (*s == ':') sec = strtol(s + 1, (char **)&s, 10);
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return s;
}

static const char *parse_tzname(const char *s)
{
    if (*s == '<') {
        const char *e = strchr(s, '>');
        return e ? e + 1 : NULL;
    }
    const char *b = s;
    while (isalpha((unsigned char)*s)) s++;
    return s - b >= 3 ? s : NULL;
}

static const char *parse_rule_date(const char *s, tzrule_date *d)
{
    if (*s == 'M') {
        d->kind = 'M';
        d->a = (int)strtol(s + 1, (char **)&s, 10);
        if (*s++ != '.') return NULL;
        d->b = (int)strtol(s, (char **)&s, 10);
        if (*s++ != '.') return NULL;
        d->c = (int)strtol(s, (char **)&s, 10);
        if (d->a < 1 || d->a > 12 || d->b < 1 || d->b > 5 || d->c < 0 || d->c > 6) return NULL;
    } else if (*s == 'J') {
        d->kind = 'J';
        d->a = (int)strtol(s + 1, (char **)&s, 10);
    } else if (isdigit((unsigned char)*s)) {
        d->kind = 'N';
        d->a = (int)strtol(s, (char **)&s, 10);
    } else {
        return NULL;
    }
    d->time = 7200;
    if (*s == '/') {
        s = parse_hms(s + 1, &d->time);
        if (!s) return NULL;
    }
    return s;
}

/* Parse a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3"). */
static bool parse_posix(tzone *z, const char *s)
{
    long off;
    if (!(s = parse_tzname(s)) || !(s = parse_hms(s, &off))) return false;
    z->std_off = -off;
    z->has_footer = true;
    if (!*s) return true;
    if (!(s = parse_tzname(s))) return false;
    z->has_dst = true;
    z->dst_off = z->std_off + 3600;
    if (*s && *s != ',') {
        if (!(s = parse_hms(s, &off))) return false;
        z->dst_off = -off;
    }
    if (!*s) { /* US default rules */
        z->start = (tzrule_date){'M', 3, 2, 0, 7200};
        z->end = (tzrule_date){'M', 11, 1, 0, 7200};
        return true;
    }
    if (*s++ != ',' || !(s = parse_rule_date(s, &z->start))) return false;
    if (*s++ != ',' || !(s = parse_rule_date(s, &z->end))) return false;
    return *s == 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Seconds since the epoch (local wall time, as if UTC) of a rule date. */
static int64_t rule_local(const tzrule_date *d, int64_t year)
{
    int64_t day;
    if (d->kind == 'J') {
        day = days_from_civil(year, 1, 1) + d->a - 1;
        if (is_leap(year) && d->a >= 60) day++;
    } else if (d->kind == 'N') {
        day = days_from_civil(year, 1, 1) + d->a;
    } else {
        static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int dim = mdays[d->a - 1] + (d->a == 2 && is_leap(year));
        int64_t first = days_from_civil(year, (unsigned)d->a, 1);
        int wday = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
        int dom = 1 + (d->c - wday + 7) % 7 + (d->b - 1) * 7;
        while (dom > dim) dom -= 7;
        day = first + dom - 1;
    }
    return day * 86400 + d->time;
}

static long posix_offset(const tzone *z, int64_t t)
{
    if (!z->has_dst) return z->std_off;
    time_t lt = (time_t)(t + z->std_off);
    struct tm tm;
    if (!gmtime_r(&lt, &tm)) return z->std_off;
    int64_t y = tm.tm_year + 1900;
    int64_t start = rule_local(&z->start, y) - z->std_off;
    int64_t end = rule_local(&z->end, y) - z->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? z->dst_off : z->std_off;
}

static void tz_load(tzone *z, const char *name)
{
    const char *dir = getenv("TZDIR");
    char *path = pt_xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    FILE *fp = fopen(path, "rb");
    free(path);
    if (!fp) return;
    unsigned char *data = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            if (cap > (1u << 20)) break;
            data = pt_xrealloc(data, cap);
        }
        n = fread(data + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    fclose(fp);
    const unsigned char *p = data, *end = data + len;
    if (len < 44 || memcmp(p, "TZif", 4) != 0) goto out;
    int version = p[4];
    for (int pass = 0; pass < 2; pass++) {
        if (end - p < 44) goto out;
        size_t isut = be32(p + 20), isstd = be32(p + 24), leap = be32(p + 28),
               timecnt = be32(p + 32), typecnt = be32(p + 36), charcnt = be32(p + 40);
        size_t tsz = pass == 0 ? 4 : 8;
        size_t body = timecnt * tsz + timecnt + typecnt * 6 + charcnt + leap * (tsz + 4) +
                      isstd + isut;
        if (timecnt > 100000 || typecnt > 256 || typecnt == 0 || (size_t)(end - p - 44) < body)
            goto out;
        if (pass == 0 && version >= '2') {
            p += 44 + body;
            continue;
        }
        const unsigned char *q = p + 44;
        z->trans = pt_xcalloc(timecnt ? timecnt : 1, sizeof *z->trans);
        z->idx = pt_xcalloc(timecnt ? timecnt : 1, 1);
        z->utoff = pt_xcalloc(typecnt, sizeof *z->utoff);
        for (size_t i = 0; i < timecnt; i++, q += tsz)
            z->trans[i] = tsz == 4 ? (int32_t)be32(q) : be64(q);
        for (size_t i = 0; i < timecnt; i++) {
            z->idx[i] = *q++;
            if (z->idx[i] >= typecnt) goto out;
        }
        for (size_t i = 0; i < typecnt; i++, q += 6) z->utoff[i] = (int32_t)be32(q);
        z->ntrans = timecnt;
        z->ntypes = typecnt;
        z->ok = true;
        p += 44 + body;
        if (tsz == 8 && p < end && *p == '\n') {
            const unsigned char *e = memchr(p + 1, '\n', (size_t)(end - p - 1));
            if (e && e - p - 1 < 200) {
                char foot[200];
                memcpy(foot, p + 1, (size_t)(e - p - 1));
                foot[e - p - 1] = 0;
                if (foot[0] && !parse_posix(z, foot)) z->has_footer = false;
            }
        }
        break;
    }
out:
    free(data);
}

static bool tz_name_ok(const char *s)
{
    if (!*s || *s == '/' || strlen(s) >= 64 || strstr(s, "..")) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("/_-+", *s)) return false;
    return true;
}

static const tzone *tz_get(const char *name)
{
    pthread_mutex_lock(&tz_lock);
    tzone *z = NULL;
    for (size_t i = 0; i < nzones; i++)
        if (strcmp(zones[i]->name, name) == 0) {
            z = zones[i];
            goto out;
        }
    z = pt_xcalloc(1, sizeof *z);
    snprintf(z->name, sizeof z->name, "%s", name);
    tz_load(z, name);
    if (nzones < sizeof zones / sizeof *zones) {
        zones[nzones++] = z;
    } else {
        /* Cache full (only reachable with many distinct names): keep the
         * zone anyway; a handful of leaked bytes per call beats a crash. */
        pt_warn("time zone cache full; %s not cached", name);
    }
out:
    pthread_mutex_unlock(&tz_lock);
    return z;
}

long pt_tz_offset(const char *tz, int64_t epoch_ms)
{
    if (!tz || !*tz || strcmp(tz, "UTC") == 0 || strcmp(tz, "Z") == 0) return 0;
    if (tz[0] == '+' || tz[0] == '-') {
        long off;
        const char *e = parse_hms(tz, &off);
        return e && !*e && labs(off) <= 26 * 3600 ? off : 0;
    }
    if (!tz_name_ok(tz)) return 0;
    const tzone *z = tz_get(tz);
    if (!z->ok) return 0;
    int64_t t = epoch_ms >= 0 ? epoch_ms / 1000 : -((-epoch_ms + 999) / 1000);
    if (z->ntrans == 0 || t < z->trans[0]) {
        if (z->ntrans == 0 && z->has_footer) return posix_offset(z, t);
        return z->utoff[0];
    }
    if (t >= z->trans[z->ntrans - 1] && z->has_footer) return posix_offset(z, t);
    size_t lo = 0, hi = z->ntrans; /* last transition <= t */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (z->trans[mid] <= t) lo = mid;
        else hi = mid;
    }
    return z->utoff[z->idx[lo]];
}
