/*
 * portico/text.h - checks and conversions every section needs for user
 * input: UTF-8 validity, "plain text" fields, and calendar days written as
 * ISO dates (YYYY-MM-DD) counted as days since 1970-01-01 (UTC).
 * All functions are pure and thread-safe; nothing is allocated.
 */
#ifndef PORTICO_TEXT_H
#define PORTICO_TEXT_H

#include "common.h"

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). */
bool pt_utf8_valid(const char *s, size_t n);

/* True when s is a usable plain-text field: not NULL, at most max bytes,
 * valid UTF-8, no control characters (multiline allows \n, \r and \t). */
bool pt_text_ok(const char *s, size_t max, bool multiline);

/* "2026-11-23" -> days since 1970-01-01; -1 when it is not a real date
 * between 1970 and 9999 in exactly that form. */
int64_t pt_day_parse(const char *iso);
/* Days since 1970-01-01 -> "YYYY-MM-DD" into out[11]. */
void pt_day_fmt(int64_t day, char out[11]);
/* Today (UTC) in days since 1970-01-01. */
int64_t pt_day_today(void);

#endif
