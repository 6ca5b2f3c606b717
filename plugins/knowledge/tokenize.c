/*
 * plugins/knowledge/tokenize.c - turning text into search terms: a UTF-8
 * word splitter with case folding (ASCII and the Latin-1 letters German
 * and other western languages use), and libstemmer (Snowball) stemmers per
 * language, one instance per thread (libstemmer instances are not
 * thread-safe; handlers run on the event-loop thread, loaders on theirs).
 */
#include <string.h>

#include <libstemmer.h>

#include "knowledge.h"

const char *const kb_lang_codes[KB_NLANG] = {"en", "de"};
static const char *const algos[KB_NLANG] = {"english", "german"};

int kb_lang_from_str(const char *code)
{
    for (int i = 0; code && i < KB_NLANG; i++)
        if (strcmp(code, kb_lang_codes[i]) == 0) return i;
    return -1;
}

static bool wordbyte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

size_t kb_tokenize(const char *s, size_t len, kb_tok_fn fn, void *ud)
{
    size_t i = 0, count = 0;
    const unsigned char *u = (const unsigned char *)s;
    while (i < len) {
        while (i < len && !wordbyte(u[i])) i++;
        if (i >= len) break;
        size_t start = i;
        char norm[KB_TERM_MAX + 1];
        size_t n = 0;
        bool over = false;
        size_t skip = 1; /* bytes of a non-letter sequence that ends the word */
        while (i < len && wordbyte(u[i])) {
            unsigned char c = u[i];
            if (c >= 0x80) {
                /* a multi-byte sequence: copy whole, folding Latin-1 capitals */
                size_t l = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
                if (i + l > len) l = len - i;
                /* invalid UTF-8: a lead byte never takes ASCII (a space, '<')
                 * into the word, only the continuation bytes that follow it */
                for (size_t k = 1; k < l; k++)
                    if ((u[i + k] & 0xC0) != 0x80) { l = k; break; }
                unsigned char b[4];
                memcpy(b, u + i, l);
                skip = l;
                /* U+2019 right single quote etc. are not letters: stop words there */
                if (l == 3 && b[0] == 0xE2 && b[1] == 0x80) break;
                if (l == 2 && b[0] == 0xC2) break; /* U+0080-U+00BF: punctuation, nbsp */
                if (l == 2 && b[0] == 0xC3 && b[1] >= 0x80 && b[1] <= 0x9E && b[1] != 0x97)
                    b[1] += 0x20;
                if (l == 2 && b[0] == 0xC3 && b[1] == 0x97) break; /* multiplication sign */
                if (n + l <= KB_TERM_MAX) {
                    memcpy(norm + n, b, l);
                    n += l;
                } else {
                    over = true;
                }
                i += l;
                continue;
            }
            if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
            if (n < KB_TERM_MAX) norm[n++] = (char)c;
            else over = true;
            i++;
        }
        /* a word-ending sequence where a word would start: skip ALL of it
         * (skipping one byte made its continuation bytes a "word") */
        if (i == start) { i += skip; continue; }
        (void)over;
        norm[n] = 0;
        if (n == 0) continue;
        count++;
        if (fn && fn(norm, n, start, i - start, ud)) break;
    }
    return count;
}

static __thread struct sb_stemmer *stemmers[KB_NLANG];

size_t kb_stem(int lang, const char *w, size_t n, char out[KB_TERM_MAX + 1])
{
    if (lang < 0 || lang >= KB_NLANG) lang = KB_EN;
    if (n > KB_TERM_MAX) n = KB_TERM_MAX;
    if (!stemmers[lang]) stemmers[lang] = sb_stemmer_new(algos[lang], "UTF_8");
    const sb_symbol *s = NULL;
    if (stemmers[lang] && n > 2) s = sb_stemmer_stem(stemmers[lang], (const sb_symbol *)w, (int)n);
    if (!s) {
        memcpy(out, w, n);
        out[n] = 0;
        return n;
    }
    size_t l = (size_t)sb_stemmer_length(stemmers[lang]);
    if (l > KB_TERM_MAX) l = KB_TERM_MAX;
    memcpy(out, s, l);
    out[l] = 0;
    return l;
}

void kb_stem_free(void)
{
    for (int i = 0; i < KB_NLANG; i++) {
        if (stemmers[i]) sb_stemmer_delete(stemmers[i]);
        stemmers[i] = NULL;
    }
}
