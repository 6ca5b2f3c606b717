/*
 * core/template/mustache_int.h - private to core/template/mustache*.c: the
 * compiled form of a Mustache template and the lexer interface.
 *
 * A compiled template is a flat array of nodes in document order. A
 * container (section, inverted section, parent, block) is followed by its
 * `skip` descendants, so the renderer walks ranges of one array and never
 * allocates per node. Text and indentation are spans of the template's own
 * copy of the source; names live NUL-terminated in `pool` (a dotted name is
 * stored as its segments, "a\0b\0c\0", so rendering never re-splits it).
 */
#ifndef PORTICO_MUSTACHE_INT_H
#define PORTICO_MUSTACHE_INT_H

#include <stddef.h>

#include "portico/common.h"
#include "portico/mustache.h"

/* Nesting limit for sections/parents/blocks inside one template; it bounds
 * the C stack the renderer uses per template level. */
#define MU_MAX_NEST 100

enum mu_type {
    MU_TEXT,      /* literal text: src[a, a+n)                            */
    MU_VAR,       /* {{x}}  escaped interpolation                          */
    MU_RAW,       /* {{{x}}} / {{&x}} raw interpolation                    */
    MU_SECTION,   /* {{#x}} ... {{/x}}                                     */
    MU_INVERTED,  /* {{^x}} ... {{/x}}                                     */
    MU_PARTIAL,   /* {{>x}}                                                */
    MU_PARENT,    /* {{<x}} ... {{/x}}                                     */
    MU_BLOCK,     /* {{$x}} ... {{/x}}                                     */
    /* lexer-only kinds, never in a compiled template: */
    MU_CLOSE,     /* {{/x}}                                                */
    MU_COMMENT,   /* {{! ... }}                                            */
    MU_DELIM,     /* {{=<% %>=}}                                           */
};

typedef struct mu_node {
    unsigned char type;       /* enum mu_type                                  */
    unsigned char standalone; /* tag was alone (with other non-output tags) on
                                 its line: partials/parents/blocks indent      */
    unsigned short nseg;      /* name segments; 0 = implicit iterator "."      */
    unsigned line;            /* 1-based source line of the tag or text        */
    size_t skip;              /* containers: number of descendant nodes        */
    size_t a, n;              /* TEXT: span in src; tags: name offset in pool  */
    size_t ia, in;            /* indentation span in src: for a standalone
                                 partial/parent the line's leading whitespace;
                                 for a standalone block the re-indentation     */
} mu_node;

struct pt_mustache {
    char *name;
    char *src;      /* private copy of the source (text spans point here) */
    size_t srclen;
    char *pool;     /* names, NUL-terminated segments                   */
    mu_node *nodes;
    size_t nnodes;
};

static inline int mu_is_container(unsigned char type)
{
    return type == MU_SECTION || type == MU_INVERTED || type == MU_PARENT || type == MU_BLOCK;
}

/* ---- lexer (mustache_lex.c) --------------------------------------------- */

typedef struct mu_tok {
    unsigned char type;       /* enum mu_type (TEXT, VAR, RAW, ..., DELIM)      */
    unsigned char standalone; /* on a standalone line (tags only)               */
    unsigned char dropped;    /* TEXT removed by the standalone rule            */
    unsigned char first_on_line, last_on_line; /* among the tags of its line    */
    unsigned line;
    size_t start, end;        /* whole token in src                             */
    size_t a, n;              /* TEXT: span; tags: trimmed name span            */
    size_t ia, in;            /* standalone tags: the line's leading whitespace */
    size_t line_start, line_end; /* the logical line holding the token          */
} mu_tok;

typedef struct mu_toks {
    mu_tok *v;
    size_t n, cap;
} mu_toks;

/* Split src into tokens (text split after each '\n'), honour set-delimiter
 * tags, then apply the standalone-line rule. 0, or PT_EINVAL with *err set to
 * an allocated "name:line: message". */
int mu_lex(const char *src, size_t len, const char *name, mu_toks *out, char **err);

#endif
