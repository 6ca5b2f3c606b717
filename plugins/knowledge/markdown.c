/*
 * plugins/knowledge/markdown.c - Markdown to HTML with cmark-gfm. Raw HTML
 * is not allowed (CMARK_OPT_UNSAFE is never set: raw HTML blocks become
 * comments and javascript:/vbscript:/data: links are dropped) and the GFM
 * tagfilter runs as well. Extensions: table, strikethrough, autolink,
 * tasklist. Images and video links are ordinary Markdown links/images.
 */
#include <string.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

/* Exported by libcmark-gfm, declared in its internal registry.h only. */
void cmark_release_plugins(void);

#include "knowledge.h"

static const char *const exts[] = {"table", "strikethrough", "autolink", "tasklist", "tagfilter"};

void kb_markdown_init(void) { cmark_gfm_core_extensions_ensure_registered(); }

char *kb_markdown(const char *md, size_t len)
{
    int opts = CMARK_OPT_DEFAULT | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE;
    cmark_parser *p = cmark_parser_new(opts);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
        if (e) cmark_parser_attach_syntax_extension(p, e);
    }
    cmark_parser_feed(p, md, len);
    cmark_node *doc = cmark_parser_finish(p);
    char *html = cmark_render_html(doc, opts, cmark_parser_get_syntax_extensions(p));
    cmark_node_free(doc);
    cmark_parser_free(p);
    return html;
}

/* Free cmark-gfm's extension registry (plugin unload; libcmark-gfm goes
 * away with this plugin, so nothing may be left allocated in it). */
void kb_markdown_fini(void) { cmark_release_plugins(); }
