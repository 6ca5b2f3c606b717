/*
 * tests/unit/template/test_mustache.c - the Mustache engine
 * (core/template/mustache*.c): every test of the official spec files, plus
 * escaping, raw output, compile errors, the recursion cap and repeated
 * rendering of one compiled template.
 *
 * The spec files are read from $PT_SHARED/conformance/mustache, default
 * ../shared/conformance/mustache (run from the repository root).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portico/common.h"
#include "portico/mustache.h"

/* ---- a partial table ---------------------------------------------------- */

typedef struct ptable {
    const char *names[16];
    pt_mustache *tmpl[16];
    size_t n;
} ptable;

static const pt_mustache *lookup_partial(void *ud, const char *name)
{
    ptable *p = ud;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->names[i], name) == 0) return p->tmpl[i];
    return NULL;
}

static void ptable_add(ptable *p, const char *name, const char *src)
{
    char *err = NULL;
    assert_true(p->n < 16);
    pt_mustache *t = pt_mustache_compile(src, strlen(src), name, &err);
    if (!t) fail_msg("partial %s: %s", name, err);
    p->names[p->n] = name;
    p->tmpl[p->n++] = t;
}

static void ptable_free(ptable *p)
{
    for (size_t i = 0; i < p->n; i++) pt_mustache_free(p->tmpl[i]);
    p->n = 0;
}

/* Compile src, render it with the JSON text data; returns the rc and puts
 * the output in *out (caller frees). */
static int render_str(const char *src, const char *data, ptable *parts, char **out)
{
    char *err = NULL;
    pt_mustache *t = pt_mustache_compile(src, strlen(src), "test", &err);
    if (!t) fail_msg("compile: %s", err);
    json_error_t je;
    json_t *ctx = data ? json_loads(data, JSON_DECODE_ANY, &je) : NULL;
    if (data && !ctx) fail_msg("bad test json: %s", je.text);
    pt_buf b = PT_BUF_INIT;
    int rc = pt_mustache_render(t, ctx, parts ? lookup_partial : NULL, parts, &b);
    *out = pt_buf_steal(&b);
    json_decref(ctx);
    pt_mustache_free(t);
    return rc;
}

static void expect(const char *src, const char *data, const char *want)
{
    char *got;
    assert_int_equal(render_str(src, data, NULL, &got), 0);
    assert_string_equal(got, want);
    free(got);
}

/* ---- the spec ------------------------------------------------------------- */

static const char *spec_dir(char *buf, size_t size)
{
    const char *shared = getenv("PT_SHARED");
    snprintf(buf, size, "%s/conformance/mustache", shared && *shared ? shared : "../shared");
    return buf;
}

/* Run one spec test; 1 when it passes, else prints why. */
static int run_spec_test(const char *file, json_t *test)
{
    const char *name = json_string_value(json_object_get(test, "name"));
    const char *tmpl = json_string_value(json_object_get(test, "template"));
    const char *want = json_string_value(json_object_get(test, "expected"));
    json_t *data = json_object_get(test, "data");
    json_t *partials = json_object_get(test, "partials");
    if (!name || !tmpl || !want) {
        printf("  FAIL %s: malformed test\n", file);
        return 0;
    }

    ptable parts = {0};
    int ok = 1;
    const char *pname;
    json_t *psrc;
    json_object_foreach(partials, pname, psrc) {
        char *err = NULL;
        const char *s = json_string_value(psrc);
        pt_mustache *p = pt_mustache_compile(s, strlen(s), pname, &err);
        if (!p || parts.n == 16) {
            printf("  FAIL %s: %s: partial: %s\n", file, name, err ? err : "too many");
            free(err);
            pt_mustache_free(p);
            ok = 0;
            break;
        }
        parts.names[parts.n] = pname;
        parts.tmpl[parts.n++] = p;
    }

    char *err = NULL;
    pt_mustache *t = ok ? pt_mustache_compile(tmpl, strlen(tmpl), name, &err) : NULL;
    if (ok && !t) {
        printf("  FAIL %s: %s: compile: %s\n", file, name, err);
        free(err);
        ok = 0;
    }
    if (ok) {
        pt_buf out = PT_BUF_INIT;
        int rc = pt_mustache_render(t, data, lookup_partial, &parts, &out);
        const char *got = out.data ? out.data : "";
        if (rc != 0 || strcmp(got, want) != 0) {
            printf("  FAIL %s: %s (rc %d)\n    want: \"%s\"\n    got:  \"%s\"\n", file, name,
                   rc, want, got);
            ok = 0;
        }
        pt_buf_free(&out);
    }
    pt_mustache_free(t);
    ptable_free(&parts);
    return ok;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_spec(void **state)
{
    char dir[1024];
    spec_dir(dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open spec directory %s (set PT_SHARED)", dir);
    char *files[64];
    size_t nfiles = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nfiles < 64) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0) files[nfiles++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(files, nfiles, sizeof *files, cmp_str);

    int failed = 0, total = 0;
    for (size_t f = 0; f < nfiles; f++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        json_error_t je;
        json_t *spec = json_load_file(path, 0, &je);
        if (!spec) fail_msg("%s: %s", path, je.text);
        json_t *tests = json_object_get(spec, "tests");
        size_t i, pass = 0;
        json_t *test;
        json_array_foreach(tests, i, test) pass += run_spec_test(files[f], test);
        printf("  %-20s %zu/%zu passed\n", files[f], pass, json_array_size(tests));
        failed += (int)(json_array_size(tests) - pass);
        total += (int)json_array_size(tests);
        json_decref(spec);
        free(files[f]);
    }
    assert_true(nfiles >= 7);
    assert_true(total > 100);
    assert_int_equal(failed, 0);
}

/* ---- escaping and raw output --------------------------------------------- */

static void test_escaping(void **state)
{
    expect("<p>{{x}}</p>", "{\"x\": \"<script>alert('x') & \\\"y\\\"</script>\"}",
           "<p>&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;</p>");
    expect("<a title='{{t}}'>", "{\"t\": \"' onmouseover='evil\"}",
           "<a title='&#39; onmouseover=&#39;evil'>");
    /* Escaping applies in sections, to dotted names and to the iterator. */
    expect("{{#l}}{{.}}{{/l}}|{{a.b}}", "{\"l\": [\"<\", \">\"], \"a\": {\"b\": \"&\"}}",
           "&lt;&gt;|&amp;");
}

static void test_raw(void **state)
{
    expect("{{{x}}}|{{&x}}|{{{ x }}}", "{\"x\": \"<b>'&'</b>\"}",
           "<b>'&'</b>|<b>'&'</b>|<b>'&'</b>");
    expect("{{=<% %>=}}<%{x}%><%&x%>", "{\"x\": \"<i>\"}", "<i><i>");
}

static void test_values(void **state)
{
    expect("{{i}} {{n}} {{r}} {{one}} {{big}} {{t}}[{{f}}][{{z}}][{{o}}][{{a}}]",
           "{\"i\": 85, \"n\": -3, \"r\": 1.21, \"one\": 1.0, \"big\": 1e100, \"t\": true,"
           " \"f\": false, \"z\": null, \"o\": {\"k\": 1}, \"a\": [1]}",
           "85 -3 1.21 1 1e+100 true[][][][]");
    expect("{{#s}}yes{{/s}}{{^s}}no{{/s}}", "{\"s\": \"\"}", "no");
    expect("{{#z}}yes{{/z}}{{^z}}no{{/z}}", "{\"z\": 0}", "yes");
    expect("[{{x}}]", NULL, "[]");
}

/* ---- compile errors -------------------------------------------------------- */

static void expect_error(const char *src, const char *want)
{
    char *err = NULL;
    pt_mustache *t = pt_mustache_compile(src, strlen(src), "page", &err);
    assert_null(t);
    assert_non_null(err);
    if (strcmp(err, want) != 0) fail_msg("error \"%s\", want \"%s\"", err, want);
    free(err);
    /* err may be NULL */
    assert_null(pt_mustache_compile(src, strlen(src), "page", NULL));
}

static void test_compile_errors(void **state)
{
    expect_error("a\n{{#list}}\nb\n", "page:2: unclosed section 'list'");
    expect_error("{{#a}}\n{{#b}}\n{{/a}}\n",
                 "page:3: closing tag 'a' does not match 'b' opened at line 2");
    expect_error("x\ny\n{{/a}}", "page:3: closing tag 'a' without an open section");
    expect_error("ok\n{{name", "page:2: unclosed tag '{{name'");
    expect_error("{{{x}}", "page:1: unclosed tag '{{{x}}'");
    expect_error("\n\n{{=<%=}}", "page:3: bad set-delimiter tag '{{=<%=}}'");
    expect_error("{{= a b c =}}", "page:1: bad set-delimiter tag '{{= a b c =}}'");
    expect_error("{{ }}", "page:1: empty tag '{{ }}'");
    expect_error("{{<layout}}\n{{$title}}x\n{{/layout}}",
                 "page:3: closing tag 'layout' does not match 'title' opened at line 2");
    /* Line numbers count newlines inside tags too. */
    expect_error("{{!\ncomment\n}}\n{{#a}}", "page:4: unclosed section 'a'");

    char *err = (char *)"unchanged";
    pt_mustache *t = pt_mustache_compile("", 0, NULL, &err);
    assert_non_null(t);
    assert_null(err);
    assert_string_equal(pt_mustache_name(t), "<template>");
    pt_mustache_free(t);
    pt_mustache_free(NULL);
}

/* ---- recursion cap --------------------------------------------------------- */

static void expect_too_big(ptable *parts, const char *src)
{
    char *err = NULL;
    pt_mustache *t = pt_mustache_compile(src, strlen(src), "top", &err);
    assert_non_null(t);
    pt_buf out = PT_BUF_INIT;
    pt_buf_puts(&out, "kept");
    assert_int_equal(pt_mustache_render(t, NULL, lookup_partial, parts, &out), PT_ETOOBIG);
    assert_string_equal(out.data, "kept"); /* output rolled back */
    pt_buf_free(&out);
    pt_mustache_free(t);
}

static void test_recursion_cap(void **state)
{
    ptable parts = {0};
    ptable_add(&parts, "loop", "x{{>loop}}");
    ptable_add(&parts, "self", "{{<self}}{{/self}}");
    ptable_add(&parts, "shell", "[{{$b}}{{/b}}]");
    ptable_add(&parts, "deep", "{{#a}}{{>deep}}{{/a}}");
    expect_too_big(&parts, "{{>loop}}");
    expect_too_big(&parts, "  {{>loop}}\n");
    expect_too_big(&parts, "{{<self}}{{/self}}");
    /* A block override that contains the same block expands forever. */
    expect_too_big(&parts, "{{<shell}}{{$b}}-{{$b}}{{/b}}{{/b}}{{/shell}}");

    /* Legitimate recursion within the cap still works. */
    char *got;
    assert_int_equal(render_str("{{>deep}}.", "{\"a\": {\"a\": {\"a\": {\"a\": false}}}}", &parts, &got),
                     0);
    assert_string_equal(got, ".");
    free(got);
    ptable_free(&parts);
}

/* ---- compile once, render many ------------------------------------------- */

static void test_render_many(void **state)
{
    ptable parts = {0};
    ptable_add(&parts, "layout",
               "<html>\n  <title>{{$title}}Portico{{/title}}</title>\n"
               "  {{>header}}\n  <main>\n    {{$content}}\n    {{/content}}\n  </main>\n</html>\n");
    ptable_add(&parts, "header", "<h1>{{$title}}Portico{{/title}}</h1>\n{{#user}}<p>{{name}}</p>\n{{/user}}");
    const char *page =
        "{{<layout}}\n"
        "{{$title}}Tickets for {{user.name}}{{/title}}\n"
        "{{$content}}\n"
        "<ul>\n"
        "  {{#tickets}}\n"
        "  <li>{{id}}: {{subject}}</li>\n"
        "  {{/tickets}}\n"
        "</ul>\n"
        "{{/content}}\n"
        "{{/layout}}\n";
    const char *want =
        "<html>\n"
        "  <title>Tickets for Ann &lt;admin&gt;</title>\n"
        "  <h1>Tickets for Ann &lt;admin&gt;</h1>\n"
        "  <p>Ann &lt;admin&gt;</p>\n"
        "  <main>\n"
        "    <ul>\n"
        "      <li>1: Login &amp; SSO</li>\n"
        "      <li>2: Invoice</li>\n"
        "    </ul>\n"
        "  </main>\n"
        "</html>\n";
    json_t *ctx = json_pack("{s:{s:s}, s:[{s:i,s:s},{s:i,s:s}]}", "user", "name", "Ann <admin>",
                            "tickets", "id", 1, "subject", "Login & SSO", "id", 2, "subject",
                            "Invoice");
    assert_non_null(ctx);
    char *err = NULL;
    pt_mustache *t = pt_mustache_compile(page, strlen(page), "tickets/list", &err);
    if (!t) fail_msg("%s", err);

    pt_buf out = PT_BUF_INIT;
    for (int i = 0; i < 2000; i++) {
        pt_buf_reset(&out);
        assert_int_equal(pt_mustache_render(t, ctx, lookup_partial, &parts, &out), 0);
        if (i == 0 || i == 1999) assert_string_equal(out.data, want);
    }
    /* Appends to what is already in out. */
    pt_buf_reset(&out);
    pt_buf_puts(&out, ">>");
    assert_int_equal(pt_mustache_render(t, ctx, NULL, NULL, &out), 0);
    assert_string_equal(out.data, ">>");
    assert_int_equal(pt_mustache_render(NULL, ctx, NULL, NULL, &out), PT_EINVAL);

    pt_buf_free(&out);
    json_decref(ctx);
    pt_mustache_free(t);
    ptable_free(&parts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_recursion_cap),
        cmocka_unit_test(test_render_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
