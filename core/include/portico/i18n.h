/*
 * portico/i18n.h - message catalogs, language negotiation and locale
 * formatting of numbers and dates.
 *
 * Catalogs are JSON files <dir>/<lang>.json holding nested objects
 * ({"nav": {"home": "Home"}}). Plugin folders (pt_i18n_add_dir) are merged
 * first, then each theme of the active chain from the root parent to the
 * active theme, so a theme can reword any plugin string. Every language is
 * then deep-merged over English, so a missing translation shows English,
 * never a blank. The catalogs are rebuilt with the theme (pt_theme_load).
 *
 * A catalog may carry a "_format" object describing the locale:
 *   {"decimal": ",", "group": ".", "date": "{d}.{mm}.{yyyy}",
 *    "datetime": "{d}.{mm}.{yyyy} {HH}:{MM}",
 *    "months_short": ["Jan", ...]}
 * Placeholders: {d} day, {dd} day 2 digits, {m}/{mm} month, {mon} short
 * month name, {yyyy} year, {HH} hour 00-23, {h} hour 1-12, {MM} minutes,
 * {ampm} "AM"/"PM".
 *
 * Time zones: dates are converted with our own reader of the system TZif
 * files (/usr/share/zoneinfo, the tzdata package; transitions plus the
 * POSIX TZ footer for dates past the table). It never touches the TZ
 * environment variable or the C library's global zone, so it is safe on
 * pool threads. An unknown zone name falls back to UTC; "+02:00" style
 * fixed offsets are accepted too.
 *
 * Threading: the lookup functions are safe on any thread; a request pins
 * the catalog set it first used until it ends, so a reload never frees a
 * string a request still holds.
 */
#ifndef PORTICO_I18N_H
#define PORTICO_I18N_H

#include <jansson.h>

#include "common.h"
#include "http.h"

/* Register a catalog folder (holding <lang>.json) for owner. Copied. It
 * takes effect at the next theme (re)load. 0 or PT_EINVAL. */
int pt_i18n_add_dir(const char *dir, const char *owner);
/* Forget owner's folders (plugin init rollback); returns how many. */
int pt_i18n_remove_owner(const char *owner);

/* The user's profile language for this request, or NULL when not signed
 * in / not set. The returned string must live until the request ends. */
typedef const char *(*pt_i18n_user_lang_fn)(pt_req *req);
void pt_i18n_set_user_lang_fn(pt_i18n_user_lang_fn fn);

/* The request's language: the user's profile language if a catalog
 * exists for it, else the best Accept-Language match (q-values, "de-DE"
 * matches "de"), else "en". Borrowed until the request ends. */
const char *pt_i18n_lang(pt_req *req);

/* Negotiate an Accept-Language header value against the available
 * catalogs (pure function, for tests and the HTTP layer). Returns a
 * static/borrowed language code; "en" when nothing matches. */
const char *pt_i18n_negotiate(const char *accept_language);

/* Translate a dotted key ("nav.home") in the request's language (req may
 * be NULL: English). Falls back to English, then to the key itself.
 * Borrowed until the request ends (or, without a request, until the next
 * theme load). */
const char *pt_t(pt_req *req, const char *dotted_key);

/* Translate key in lang ("de"; NULL or unknown: English, then the key
 * itself) and replace each {name} with args' member name (a string or a
 * number; args may be NULL; unknown placeholders stay as written), and
 * each {t:name} with the translation in lang of the catalog key that
 * args' name holds ({"status": "quotes.status.quoted"}).
 * Caller frees. Works without a request: mails, notifications, timers. */
char *pt_t_fill(const char *lang, const char *dotted_key, const json_t *args);

/* The whole catalog of a language as a new reference (caller decrefs),
 * English-filled; an empty object when nothing is loaded. */
json_t *pt_i18n_catalog(const char *lang);

/* True when a catalog for lang is loaded. */
bool pt_i18n_has_lang(const char *lang);

/* Format value with the language's separators: en 1,234.5, de 1.234,5.
 * decimals >= 0: exactly that many fraction digits; decimals < 0: up to
 * 3, trailing zeros dropped. Appends to out. */
void pt_i18n_format_number_lang(const char *lang, double value, int decimals, pt_buf *out);
void pt_i18n_format_number(pt_req *req, double value, int decimals, pt_buf *out);

/* Format epoch_ms in time zone tz (IANA name "Europe/Berlin", "+02:00",
 * NULL or "" = UTC) with the language's "date" pattern (en "Nov 23, 2026",
 * de "23.11.2026"), or its "datetime" pattern for the _datetime variants.
 * Appends to out. */
void pt_i18n_format_date_lang(const char *lang, int64_t epoch_ms, const char *tz, pt_buf *out);
void pt_i18n_format_date(pt_req *req, int64_t epoch_ms, const char *tz, pt_buf *out);
void pt_i18n_format_datetime_lang(const char *lang, int64_t epoch_ms, const char *tz,
                                  pt_buf *out);
void pt_i18n_format_datetime(pt_req *req, int64_t epoch_ms, const char *tz, pt_buf *out);

/* UTC offset in seconds of zone tz at epoch_ms (0 for an unknown zone).
 * Exposed for tests and for code that prints offsets. */
long pt_tz_offset(const char *tz, int64_t epoch_ms);

/* ---- core only (theme.c) ------------------------------------------------ */
/* Build the catalog set from the registered folders plus the theme
 * locale folders (root parent first; missing folders are skipped).
 * Returns a new reference {lang: catalog} or NULL with an allocated
 * message in *err naming the file and line. */
json_t *pt_i18n_build(const char *const *theme_locale_dirs, size_t n, char **err);
/* Make set the active catalog set (stolen); the old one is released
 * (requests that pinned it keep it). NULL clears. */
void pt_i18n_install(json_t *set);

#endif
