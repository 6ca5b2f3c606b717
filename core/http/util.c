/*
 * core/http/util.c - small HTTP helpers: percent-decoding and -encoding
 * (pt_url_decode, pt_url_encode), reason phrases (pt_http_reason) and the
 * ASCII case-insensitive compare the layer uses (pt_ieq).
 */
#include <string.h>
#include <strings.h>

#include "http/http_internal.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

size_t pt_url_decode(char *s, size_t len, bool plus)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '%' && i + 2 < len) {
            int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
            if (h >= 0 && l >= 0) {
                s[o++] = (char)(h << 4 | l);
                i += 2;
                continue;
            }
        } else if (ch == '+' && plus) {
            ch = ' ';
        }
        s[o++] = ch;
    }
    if (o < len) s[o] = 0;
    return o;
}

void pt_url_encode(pt_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            pt_buf_putc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            pt_buf_append(out, e, 3);
        }
    }
}

const char *pt_http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 200 ? "Informational" : status < 300 ? "OK" : status < 400 ? "Redirect"
                     : status < 500 ? "Client Error" : "Server Error";
    }
}

bool pt_ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}
