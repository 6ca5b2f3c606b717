/*
 * plugins/knowledge/pages_read.c - the reader's pages under /knowledge:
 * home (search bar, categories per collection, recent articles), category
 * pages, the article page (related articles, helpful votes, follow), the
 * search results page, the vote/follow form posts and the homepage widget.
 * Pages work without JavaScript; static/kb.js adds search-as-you-type.
 */
#include <string.h>

#include "knowledge.h"

static void date_of(pt_req *req, const json_t *rec, json_t *ctx, const char *key)
{
    pt_buf b = PT_BUF_INIT;
    pt_i18n_format_date(req, (int64_t)pt_rec_u64(rec, "updated", 0), NULL, &b);
    json_object_set_new(ctx, key, json_string(b.data ? b.data : ""));
    pt_buf_free(&b);
}

static json_t *card(pt_req *req, const json_t *rec)
{
    json_t *c = kb_article_view(req, NULL, rec, false);
    date_of(req, rec, c, "updated_text");
    json_object_set_new(c, "is_draft", json_boolean(strcmp(pt_rec_str(rec, "status", ""), "draft") == 0));
    json_object_set_new(c, "is_tech", json_boolean(strcmp(pt_rec_str(rec, "collection", ""), "tech") == 0));
    return c;
}

static const char *cat_name(pt_req *req, const json_t *cat)
{
    const char *lang = pt_i18n_lang(req);
    if (lang && strcmp(lang, "de") == 0) return pt_rec_str(cat, "name_de", pt_rec_str(cat, "name", ""));
    return pt_rec_str(cat, "name", "");
}

static json_t *recent(pt_req *req, pt_txn *txn, const kb_filter *f, size_t limit, size_t offset, size_t *total)
{
    kb_reader r;
    kb_reader_of(req, &r);
    uint64_t ids[100];
    size_t n = 0, tot = 0;
    if (limit > 100) limit = 100;
    kb_list_ids(txn, &r, f, offset, limit, ids, &n, &tot);
    if (total) *total = tot;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *rec = NULL;
        if (kb_article_get(txn, ids[i], &rec) != 0) continue;
        json_array_append_new(arr, card(req, rec));
        json_decref(rec);
    }
    return arr;
}

static bool refuse_anon(pt_req *req)
{
    if (pt_req_user(req) || kb_anonymous_read()) return false;
    pt_resp_redirect(req, "/signin?next=/knowledge");
    return true;
}

static pt_txn *rtxn(pt_req *req)
{
    int rc = 0;
    pt_txn *t = pt_txn_begin(false, &rc);
    if (!t) pt_http_error(req, 503, kb_tr(req, "errors.busy"));
    return t;
}

static json_t *base_ctx(pt_req *req)
{
    json_t *ctx = json_object();
    json_object_set_new(ctx, "can_edit", json_boolean(kb_can_edit(req)));
    json_object_set_new(ctx, "signed_in", json_boolean(pt_req_user(req) != 0));
    return ctx;
}

int kb_page_home(pt_req *req)
{
    if (refuse_anon(req)) return 0;
    pt_txn *txn = rtxn(req);
    if (!txn) return 0;
    json_t *ctx = base_ctx(req);
    json_t *cats = kb_categories(txn);
    json_t *kbc = json_array(), *techc = json_array();
    kb_reader r;
    kb_reader_of(req, &r);
    size_t i;
    json_t *c;
    json_array_foreach(cats, i, c) {
        kb_filter f = {-1, (int)pt_rec_u64(c, "num", 0), NULL};
        uint64_t ids[1];
        size_t n = 0, total = 0;
        kb_list_ids(txn, &r, &f, 0, 1, ids, &n, &total);
        if (total == 0) continue; /* nothing this reader may see */
        json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "slug", pt_rec_str(c, "slug", ""), "name",
                              cat_name(req, c), "description", pt_rec_str(c, "description", ""),
                              "count", (json_int_t)total);
        json_array_append_new(strcmp(pt_rec_str(c, "collection", "kb"), "tech") == 0 ? techc : kbc, o);
    }
    json_decref(cats);
    kb_filter all = {-1, -1, NULL};
    json_object_set_new(ctx, "kb_categories", kbc);
    json_object_set_new(ctx, "tech_categories", techc);
    json_object_set_new(ctx, "recent", recent(req, txn, &all, 8, 0, NULL));
    pt_txn_abort(txn);
    pt_render_page(req, 200, "knowledge/home", ctx);
    return 0;
}

static void pagination(pt_req *req, json_t *ctx, const char *base, size_t page, size_t per, size_t total)
{
    size_t pages = total ? (total + per - 1) / per : 1;
    if (pages <= 1) return;
    json_t *p = json_pack("{s:I, s:I}", "page", (json_int_t)page, "pages", (json_int_t)pages);
    if (page > 1) json_object_set_new(p, "prev_href", json_sprintf("%spage=%zu", base, page - 1));
    if (page < pages) json_object_set_new(p, "next_href", json_sprintf("%spage=%zu", base, page + 1));
    json_object_set_new(ctx, "pagination", p);
    (void)req;
}

static size_t page_of(pt_req *req)
{
    const char *p = pt_req_query(req, "page");
    long v = p ? strtol(p, NULL, 10) : 1;
    return v < 1 ? 1 : v > 100000 ? 100000 : (size_t)v;
}

int kb_page_category(pt_req *req)
{
    if (refuse_anon(req)) return 0;
    pt_txn *txn = rtxn(req);
    if (!txn) return 0;
    const char *slug = pt_req_param(req, "slug");
    json_t *cat = NULL;
    if (!slug || strlen(slug) > 128 || pt_record_get(txn, kb_db_cats, slug, strlen(slug), &cat) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, kb_tr(req, "errors.not_found"));
        return 0;
    }
    json_t *ctx = base_ctx(req);
    kb_filter f = {-1, (int)pt_rec_u64(cat, "num", 0), NULL};
    size_t page = page_of(req), total = 0;
    json_object_set_new(ctx, "articles", recent(req, txn, &f, 20, (page - 1) * 20, &total));
    json_object_set_new(ctx, "category", json_pack("{s:s, s:s, s:s}", "slug", slug, "name",
                                                  cat_name(req, cat), "description",
                                                  pt_rec_str(cat, "description", "")));
    json_object_set_new(ctx, "following", json_boolean(kb_follows(txn, pt_req_user(req), "c", slug)));
    char *base = pt_xasprintf("/knowledge/c/%s?", slug);
    pagination(req, ctx, base, page, 20, total);
    free(base);
    json_decref(cat);
    pt_txn_abort(txn);
    pt_render_page(req, 200, "knowledge/category", ctx);
    return 0;
}

int kb_page_article(pt_req *req)
{
    if (refuse_anon(req)) return 0;
    pt_txn *txn = rtxn(req);
    if (!txn) return 0;
    json_t *rec = NULL;
    kb_reader r;
    kb_reader_of(req, &r);
    if (kb_article_find(txn, pt_req_param(req, "slug"), &rec) != 0 || !kb_visible_rec(&r, rec)) {
        json_decref(rec);
        pt_txn_abort(txn);
        pt_http_error(req, 404, kb_tr(req, "errors.not_found"));
        return 0;
    }
    json_t *ctx = base_ctx(req);
    json_t *a = kb_article_view(req, txn, rec, true);
    date_of(req, rec, a, "updated_text");
    json_object_set_new(a, "is_tech", json_boolean(strcmp(pt_rec_str(rec, "collection", ""), "tech") == 0));
    json_object_set_new(a, "is_draft", json_boolean(strcmp(pt_rec_str(rec, "status", ""), "draft") == 0));
    json_object_set_new(ctx, "article", a);
    json_t *cat = NULL;
    const char *cs = pt_rec_str(rec, "category", "");
    if (pt_record_get(txn, kb_db_cats, cs, strlen(cs), &cat) == 0) {
        json_object_set_new(ctx, "category", json_pack("{s:s, s:s}", "slug", cs, "name", cat_name(req, cat)));
        json_decref(cat);
    }
    json_object_set_new(ctx, "following_category", json_boolean(kb_follows(txn, r.user, "c", cs)));
    json_t *prods = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(rec, "products"), i, p)
        json_array_append_new(prods, json_pack("{s:O, s:b}", "name", p, "following",
                                               kb_follows(txn, r.user, "p", json_string_value(p))));
    json_object_set_new(ctx, "products", prods);
    /* related: the editor's list, then more from the same category */
    json_t *rel = json_array();
    uint64_t self = pt_rec_u64(rec, "id", 0);
    json_array_foreach(json_object_get(rec, "related"), i, p) {
        json_t *o = NULL;
        if (kb_article_find(txn, json_string_value(p), &o) == 0 && kb_visible_rec(&r, o) &&
            pt_rec_u64(o, "id", 0) != self)
            json_array_append_new(rel, card(req, o));
        json_decref(o);
    }
    if (json_array_size(rel) < 3) {
        uint16_t num = 0;
        kb_category_num(txn, cs, &num);
        kb_filter f = {-1, num, NULL};
        uint64_t ids[6];
        size_t n = 0, total = 0;
        kb_list_ids(txn, &r, &f, 0, 6, ids, &n, &total);
        for (size_t k = 0; k < n && json_array_size(rel) < 3; k++) {
            if (ids[k] == self) continue;
            bool dup = false;
            json_t *x;
            size_t j;
            char ids_s[PT_ID_STRLEN];
            pt_id_to_str(ids[k], ids_s);
            json_array_foreach(rel, j, x) dup = dup || strcmp(pt_rec_str(x, "id", ""), ids_s) == 0;
            json_t *o = NULL;
            if (!dup && kb_article_get(txn, ids[k], &o) == 0) json_array_append_new(rel, card(req, o));
            json_decref(o);
        }
    }
    json_object_set_new(ctx, "has_related", json_boolean(json_array_size(rel) > 0));
    json_object_set_new(ctx, "related", rel);
    json_object_set_new(ctx, "voted", json_boolean(pt_req_query(req, "voted") != NULL));
    json_decref(rec);
    pt_txn_abort(txn);
    pt_render_page(req, 200, "knowledge/article", ctx);
    return 0;
}

int kb_page_search(pt_req *req)
{
    if (refuse_anon(req)) return 0;
    pt_txn *txn = rtxn(req);
    if (!txn) return 0;
    json_t *ctx = base_ctx(req);
    const char *q = pt_req_query(req, "q");
    kb_filter f;
    if (kb_filter_from_req(req, txn, &f)) f.collection = -1;
    size_t page = page_of(req), total = 0;
    json_t *items = NULL;
    uint64_t us = 0;
    kb_search_json(req, txn, q ? q : "", &f, (page - 1) * 10, 10, &items, &total, &us);
    json_object_set_new(ctx, "results", items);
    json_object_set_new(ctx, "q", json_string(q ? q : ""));
    json_object_set_new(ctx, "total", json_integer((json_int_t)total));
    json_object_set_new(ctx, "searched", json_boolean(q && *q));
    /* filter selects */
    const char *sc = pt_req_query(req, "collection"), *scat = pt_req_query(req, "category"),
               *sp = pt_req_query(req, "product");
    json_t *cols = json_array();
    for (int i = 0; i < 2; i++) {
        char key[64];
        snprintf(key, sizeof key, "collection.%s", kb_collections[i]);
        json_array_append_new(cols, json_pack("{s:s, s:s, s:b}", "value", kb_collections[i], "label",
                                              kb_tr(req, key), "selected", sc && strcmp(sc, kb_collections[i]) == 0));
    }
    json_object_set_new(ctx, "collections", cols);
    json_t *cats = kb_categories(txn), *copts = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(cats, i, c) {
        const char *s = pt_rec_str(c, "slug", "");
        json_array_append_new(copts, json_pack("{s:s, s:s, s:b}", "value", s, "label", cat_name(req, c),
                                               "selected", scat && strcmp(scat, s) == 0));
    }
    json_decref(cats);
    json_object_set_new(ctx, "categories", copts);
    json_object_set_new(ctx, "product", json_string(sp ? sp : ""));
    pt_buf base = PT_BUF_INIT;
    pt_buf_puts(&base, "/knowledge/search?q=");
    pt_url_encode(&base, q ? q : "");
    if (sc && *sc) { pt_buf_puts(&base, "&collection="); pt_url_encode(&base, sc); }
    if (scat && *scat) { pt_buf_puts(&base, "&category="); pt_url_encode(&base, scat); }
    if (sp && *sp) { pt_buf_puts(&base, "&product="); pt_url_encode(&base, sp); }
    pt_buf_puts(&base, "&");
    /* ranked results past the search window cannot be paged to */
    pagination(req, ctx, base.data, page, 10, total < KB_SEARCH_WINDOW ? total : KB_SEARCH_WINDOW);
    pt_buf_free(&base);
    pt_txn_abort(txn);
    pt_render_page(req, 200, "knowledge/search", ctx);
    return 0;
}

int kb_page_vote(pt_req *req)
{
    const char *slug = pt_req_param(req, "slug");
    const char *h = pt_req_form(req, "helpful");
    int st = kb_vote(req, slug, h && strcmp(h, "yes") == 0, pt_req_form(req, "comment"));
    if (st) {
        pt_http_error(req, st, kb_tr(req, st == 404 ? "errors.not_found" : st == 413 ? "errors.too_big" : "errors.busy"));
        return 0;
    }
    char *to = pt_xasprintf("/knowledge/a/%s?voted=1#kb-vote", slug);
    pt_resp_redirect(req, to);
    free(to);
    return 0;
}

int kb_page_follow(pt_req *req)
{
    const char *kind = pt_req_form(req, "kind"), *target = pt_req_form(req, "target");
    const char *on = pt_req_form(req, "follow");
    int st = kb_follow(req, kind, target, on && strcmp(on, "1") == 0);
    if (st) {
        pt_http_error(req, st, kb_tr(req, st == 422 ? "errors.follow" : "errors.busy"));
        return 0;
    }
    const char *back = pt_req_form(req, "back");
    pt_resp_redirect(req, back && back[0] == '/' && back[1] != '/' ? back : "/knowledge");
    return 0;
}

int kb_widget(pt_req *req, pt_buf *out)
{
    if (!pt_req_user(req) && !kb_anonymous_read()) return 1;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return 1;
    kb_filter f = {-1, -1, NULL};
    kb_reader r;
    kb_reader_of(req, &r);
    uint64_t ids[5];
    size_t n = 0, total = 0;
    kb_list_ids(txn, &r, &f, 0, 5, ids, &n, &total);
    const char *label = kb_tr(req, "search_label"), *ph = kb_tr(req, "search_placeholder"),
               *btn = kb_tr(req, "search_button");
    pt_buf_puts(out, "<form class=\"pt-search kb-search\" method=\"get\" action=\"/knowledge/search\" role=\"search\">"
                     "<label class=\"pt-visually-hidden\" for=\"kb-widget-q\">");
    pt_buf_html_escape(out, label, strlen(label));
    pt_buf_puts(out, "</label><input class=\"pt-input pt-search__input\" id=\"kb-widget-q\" type=\"search\" "
                     "name=\"q\" autocomplete=\"off\" data-kb-suggest placeholder=\"");
    pt_buf_html_escape(out, ph, strlen(ph));
    pt_buf_puts(out, "\"><button class=\"pt-btn pt-btn--primary pt-search__button\" type=\"submit\">");
    pt_buf_html_escape(out, btn, strlen(btn));
    pt_buf_puts(out, "</button></form><ul class=\"pt-list kb-recent\">");
    for (size_t i = 0; i < n; i++) {
        json_t *rec = NULL;
        if (kb_article_get(txn, ids[i], &rec) != 0) continue;
        const char *slug = pt_rec_str(rec, "slug", ""), *title = pt_rec_str(rec, "title", "");
        pt_buf_puts(out, "<li><a href=\"/knowledge/a/");
        pt_buf_html_escape(out, slug, strlen(slug));
        pt_buf_puts(out, "\">");
        pt_buf_html_escape(out, title, strlen(title));
        pt_buf_puts(out, "</a></li>");
        json_decref(rec);
    }
    pt_buf_puts(out, "</ul><script src=\"/static/plugins/knowledge/kb.js\" defer></script>");
    pt_txn_abort(txn);
    return 0;
}
