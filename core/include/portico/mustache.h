/*
 * portico/mustache.h - Mustache templates: compile once, render many.
 *
 * Portico renders every HTML page with Mustache (themes, plugin pages,
 * mail). A template is compiled once into an immutable pt_mustache, which
 * any number of threads may then render at the same time against jansson
 * contexts; rendering walks the compiled form and never re-parses.
 *
 * We wrote our own engine (core/template/mustache*.c) because no maintained
 * C Mustache library in Debian supports template inheritance, jansson
 * contexts and compile-once rendering together.
 *
 * Supported: the whole Mustache specification (spec commit 9cb20c3) apart
 * from lambdas: interpolation, sections, inverted sections, comments,
 * partials, set delimiters and the optional inheritance module (parents
 * `{{<layout}}` with `{{$block}}` overrides); conformance is checked by
 * tests/unit/template/test_mustache.c against the spec's JSON files.
 *
 * Values (jansson):
 *  - strings render as they are; integers as "42"; reals in the shortest
 *    form that reads back exactly ("1.21", "1.5", 1.0 as "1"); true as
 *    "true"; false, null, objects and arrays render nothing;
 *  - a section is skipped (an inverted section rendered) for a missing
 *    name, null, false, an empty array and an empty string (the spec leaves
 *    "" open; treating it as false suits `{{#error}}<p>{{error}}</p>{{/error}}`);
 *    an array renders its section once per element, any other value once
 *    with the value pushed on the context stack;
 *  - names resolve through the context stack innermost first; in a dotted
 *    name `a.b.c` only `a` does, then `b` and `c` must be keys of the value
 *    found (no fallback further out); `.` is the current context.
 *
 * Escaping: `{{x}}` writes & < > " ' as &amp; &lt; &gt; &quot; &#39; (the
 * spec only lists the first four; escaping ' too keeps values safe inside
 * single-quoted attributes and no spec test depends on it). `{{{x}}}` and
 * `{{&x}}` write the value unescaped: only for trusted HTML.
 *
 * Whitespace: standalone lines (only whitespace plus tags that produce no
 * output of their own) vanish, and a standalone partial or parent indents
 * every line it renders, as in the spec; lines that render nothing are not
 * indented (no trailing blanks).
 *
 * Blocks and whitespace (spec rules, worth knowing when writing layouts):
 * a block whose open tag stands alone on its line loses its content's
 * common indentation where it is defined and gains the indentation of the
 * block it replaces, so overrides can be written flush left. In a layout,
 * write an empty slot as two lines, `  {{$main}}` / `  {{/main}}`: the
 * one-line form `  {{$main}}{{/main}}` keeps its line ending (the spec says
 * so), which adds a blank line after an override that ends in a newline.
 *
 * Inheritance: `{{<parent}}...{{/parent}}` renders the template `parent`
 * with the `{{$name}}...{{/name}}` blocks written directly inside the tag
 * overriding the parent's blocks of the same name; the most derived
 * template wins, overrides reach blocks in the parent's partials and in
 * its own parents, and other text inside the parent tag is ignored. A
 * block's content renders in the context stack found at the parent's
 * block, not at the override.
 *
 * Errors are PT_E* codes from portico/common.h. Memory: see each function.
 */
#ifndef PORTICO_MUSTACHE_H
#define PORTICO_MUSTACHE_H

#include <jansson.h>
#include <stddef.h>

#include "common.h"

/* How deeply partials, parents and block overrides may nest in one render
 * before pt_mustache_render gives up with PT_ETOOBIG (a partial including
 * itself with no end). */
#define PT_MUSTACHE_MAX_DEPTH 64

/* A compiled template: immutable once compiled, safe to render from many
 * threads at once, freed with pt_mustache_free. */
typedef struct pt_mustache pt_mustache;

/*
 * Compile a template.
 *
 *   src, len  the template text (not necessarily NUL-terminated; copied,
 *             so the caller may free it afterwards)
 *   name      used in error messages and the log, e.g. "default/layout";
 *             copied; NULL means "<template>"
 *   err       optional; on failure set to an allocated message
 *             "name:line: what" (free() it), on success set to NULL
 *
 * Returns the compiled template (owned: pt_mustache_free), or NULL when the
 * template is malformed: a tag never closed ("unclosed tag '{{x'"), a
 * section never closed ("unclosed section 'x'", at the line it opened), a
 * close tag for the wrong section or for none, an empty tag or a name with
 * whitespace inside, a bad set-delimiter tag, sections nested more than 100
 * deep. Never returns NULL for lack of memory (that aborts).
 */
pt_mustache *pt_mustache_compile(const char *src, size_t len, const char *name, char **err);

/* Free a compiled template. NULL is ignored. No render of t may be running. */
void pt_mustache_free(pt_mustache *t);

/* The name given to pt_mustache_compile. Borrowed: lives as long as t. */
const char *pt_mustache_name(const pt_mustache *t);

/*
 * Look up the partial or parent template called `name` (the text of a
 * `{{>name}}` or `{{<name}}` tag; borrowed for the call). Returns a compiled
 * template that must stay valid until pt_mustache_render returns (the
 * caller keeps ownership), or NULL when there is none: the tag then renders
 * nothing, as the spec requires. May be called from several threads at
 * once when templates are rendered concurrently.
 */
typedef const pt_mustache *(*pt_mustache_partial_fn)(void *ud, const char *name);

/*
 * Render t with ctx and append the result to out.
 *
 *   t         compiled template (borrowed)
 *   ctx       the root context; usually an object; NULL renders every name
 *             as missing. Borrowed and only read (no reference is taken or
 *             dropped), so one ctx may be rendered by several threads.
 *   partials  resolves `{{>x}}` and `{{<x}}`; NULL means no partials
 *   ud        passed to partials
 *   out       output; appended to (initialise with PT_BUF_INIT)
 *
 * Returns 0, PT_EINVAL (t or out NULL) or PT_ETOOBIG when partials, parents
 * or block overrides nest more than PT_MUSTACHE_MAX_DEPTH deep (logged as a
 * warning naming the template and line). On error out is left as it was
 * before the call. Allocation: a few small working arrays per call, freed
 * before returning; nothing per node.
 */
int pt_mustache_render(const pt_mustache *t, const json_t *ctx, pt_mustache_partial_fn partials,
                       void *ud, pt_buf *out);

#endif
