/*
 * plugins/knowledge/import.c - bulk import: a Markdown file with a front
 * matter block becomes article input.
 *
 *   ---
 *   title: Installing the Robot on Windows
 *   collection: kb            # kb | tech
 *   category: installation
 *   tags: [robot, windows]     # or: robot, windows
 *   products: Robot
 *   versions: 2024.10, 2024.4
 *   visibility: public         # public | customers | accounts
 *   accounts: 100              # with visibility: accounts
 *   language: en
 *   summary: One line.
 *   status: published          # default for imports: published
 *   ---
 *   Markdown body...
 *
 * Values are plain "key: value" lines (the YAML subset people write in
 * front matter); a title missing from the front matter is taken from the
 * first "# heading", then from the file name. Technical articles may use
 * "## Problem", "## Cause", "## Resolution" sections in the body.
 */
#include <string.h>

#include "knowledge.h"

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    if (n >= 2 && ((s[0] == '"' && s[n - 1] == '"') || (s[0] == '\'' && s[n - 1] == '\''))) {
        s[n - 1] = 0;
        s++;
    }
    return s;
}

static const char *const known[] = {"title", "collection", "category", "tags", "products",
                                    "versions", "visibility", "accounts", "language", "summary",
                                    "status", "type", "slug", "video_url", "related", NULL};

/* Split "## Problem" / "## Cause" / "## Resolution" sections of a tech body. */
static void tech_sections(json_t *in, const char *body)
{
    static const char *const names[] = {"Problem", "Cause", "Resolution"};
    static const char *const keys[] = {"problem", "cause", "resolution"};
    const char *at[3] = {0};
    for (int i = 0; i < 3; i++) {
        char h[32];
        snprintf(h, sizeof h, "## %s", names[i]);
        const char *p = strstr(body, h);
        if (p && (p == body || p[-1] == '\n')) at[i] = p;
    }
    if (!at[0] || !at[1] || !at[2] || !(at[0] < at[1] && at[1] < at[2])) return;
    for (int i = 0; i < 3; i++) {
        const char *s = strchr(at[i], '\n');
        s = s ? s + 1 : at[i] + strlen(at[i]);
        const char *e = i < 2 ? at[i + 1] : body + strlen(body);
        if (e < s) e = s;
        json_object_set_new(in, keys[i], json_stringn(s, (size_t)(e - s)));
    }
    json_object_set_new(in, "body", json_stringn(body, (size_t)(at[0] - body)));
}

json_t *kb_import_parse(const char *data, size_t len, const char *filename, const char **why)
{
    *why = NULL;
    if (memchr(data, 0, len)) { *why = "errors.import_binary"; return NULL; }
    char *text = pt_xstrndup(data, len);
    json_t *in = json_object();
    char *body = text;
    if (strncmp(text, "\xEF\xBB\xBF", 3) == 0) body += 3;
    if (strncmp(body, "---", 3) == 0 && (body[3] == '\n' || body[3] == '\r')) {
        char *p = strchr(body, '\n') + 1;
        char *end = NULL;
        for (char *l = p; l && *l;) {
            char *nl = strchr(l, '\n');
            if (strncmp(l, "---", 3) == 0 && (l[3] == '\n' || l[3] == '\r' || l[3] == 0)) {
                end = l;
                body = nl ? nl + 1 : l + strlen(l);
                break;
            }
            l = nl ? nl + 1 : NULL;
        }
        if (!end) { *why = "errors.import_front_matter"; json_decref(in); free(text); return NULL; }
        *end = 0;
        for (char *l = p; l && *l;) {
            char *nl = strchr(l, '\n');
            if (nl) *nl = 0;
            char *hash = strstr(l, " #");
            if (hash) *hash = 0;
            char *colon = strchr(l, ':');
            if (colon && l[0] != '#') {
                *colon = 0;
                char *k = trim(l), *v = trim(colon + 1);
                bool ok = false;
                for (size_t i = 0; known[i]; i++) ok = ok || strcmp(k, known[i]) == 0;
                if (!ok) {
                    *why = "errors.import_key";
                    json_decref(in);
                    free(text);
                    return NULL;
                }
                if (*v == '[') { /* [a, b] */
                    v++;
                    char *rb = strrchr(v, ']');
                    if (rb) *rb = 0;
                }
                json_object_set_new(in, k, json_string(v));
            }
            l = nl ? nl + 1 : NULL;
        }
    }
    if (!json_object_get(in, "title")) {
        const char *h = body;
        while (*h == '\n' || *h == '\r') h++;
        if (h[0] == '#' && h[1] == ' ') {
            const char *e = strchr(h, '\n');
            size_t n = e ? (size_t)(e - h - 2) : strlen(h + 2);
            json_object_set_new(in, "title", json_stringn(h + 2, n));
            body = e ? (char *)e + 1 : (char *)h + strlen(h);
        } else if (filename && *filename) {
            const char *b = strrchr(filename, '/');
            b = b ? b + 1 : filename;
            const char *dot = strrchr(b, '.');
            json_object_set_new(in, "title", json_stringn(b, dot ? (size_t)(dot - b) : strlen(b)));
        }
    }
    if (!json_object_get(in, "status")) json_object_set_new(in, "status", json_string("published"));
    if (json_string_value(json_object_get(in, "collection")) &&
        strcmp(json_string_value(json_object_get(in, "collection")), "tech") == 0)
        tech_sections(in, body);
    if (!json_object_get(in, "body")) json_object_set_new(in, "body", json_string(body));
    free(text);
    return in;
}
