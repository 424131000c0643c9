/* api/jsontext.c -- JSON text into a growing buffer, as jansson dumps it.
 *
 * The buffer doubles from 4 KB, so a page of the list (30 KB) takes a
 * handful of allocations instead of jansson's several per value. Strings
 * are checked as json_string() checks them (well-formed UTF-8: no
 * overlong forms, no surrogates, nothing above U+10FFFF) and escaped as
 * jansson's dump_string() escapes them without JSON_ENSURE_ASCII or
 * JSON_ESCAPE_SLASH: the two mandatory escapes, the short forms \b \f \n
 * \r \t, and \u00XX (upper-case hex) for the other control characters;
 * every other character is copied. Reals follow jansson's jsonp_dtostr():
 * "%.*g" in the C locale (the service never calls setlocale), ".0"
 * appended when the text has neither '.' nor 'e', and the exponent's '+'
 * and leading zeros removed. tests/api/test_jsontext.c checks both
 * against jansson itself. */
#include "api/jsontext.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"

void tk_jsontext_init(tk_jsontext *b)
{
    memset(b, 0, sizeof *b);
}

void tk_jsontext_dispose(tk_jsontext *b)
{
    if (b == NULL)
        return;
    tk_free(b->p);
    memset(b, 0, sizeof *b);
}

/* Room for n more bytes and a NUL; 0 or -1 (out of memory, or a size
 * that overflows: b->nomem is set). */
static int reserve(tk_jsontext *b, size_t n)
{
    size_t need;
    if (b->nomem || !tk_add_size(b->len, n, &need) || !tk_add_size(need, 1, &need)) {
        b->nomem = 1;
        return -1;
    }
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) {
        if (!tk_mul_size(cap, 2, &cap)) {
            b->nomem = 1;
            return -1;
        }
    }
    char *p = tk_realloc(b->p, cap);
    if (p == NULL) {
        b->nomem = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void tk_jsontext_raw(tk_jsontext *b, const char *p, size_t len)
{
    if (reserve(b, len) != 0)
        return;
    memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void tk_jsontext_lit(tk_jsontext *b, const char *s)
{
    tk_jsontext_raw(b, s, strlen(s));
}

size_t tk_jsontext_utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, cp = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, cp = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int tk_jsontext_strn(tk_jsontext *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        const size_t k = tk_jsontext_utf8_seq(u + i, len - i);
        if (k == 0)
            return -1;
        i += k;
    }
    /* At most 6 bytes per input byte (\u00XX), and the quotes. */
    size_t most;
    if (!tk_mul_size(len, 6, &most) || !tk_add_size(most, 2, &most) || reserve(b, most) != 0)
        return 0; /* b->nomem is set: the document is lost anyway */
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = u[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *o++ = (char)c;
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default: {
            static const char hex[] = "0123456789ABCDEF";
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        }
    }
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->p);
    return 0;
}

int tk_jsontext_str(tk_jsontext *b, const char *s, int opt)
{
    if (s == NULL && !opt)
        return -1;
    if (s == NULL || (opt && *s == '\0')) {
        tk_jsontext_raw(b, "null", 4);
        return 0;
    }
    return tk_jsontext_strn(b, s, strlen(s));
}

/* The decimal digits of u, right-aligned before end; returns the first. */
static char *digits(uint64_t u, char *end)
{
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    return end;
}

void tk_jsontext_int(tk_jsontext *b, int64_t v)
{
    char buf[24];
    char *const end = buf + sizeof buf;
    const uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = digits(u, end);
    if (v < 0)
        *--p = '-';
    tk_jsontext_raw(b, p, (size_t)(end - p));
}

void tk_jsontext_real(tk_jsontext *b, double v, int precision)
{
    /* A score (one decimal, 0 to 100) without printf: for a positive v
     * below 1e12 that is the double nearest to k/10, "%.15g" gives
     * exactly k's digits with the point before the last ("100" and then
     * ".0" for a whole number). */
    if (precision == 15 && v >= 0 && v < 1e12 && !signbit(v)) {
        const double k = round(v * 10);
        if (k / 10 == v) {
            char buf[24];
            char *const end = buf + sizeof buf;
            const uint64_t u = (uint64_t)k;
            end[-1] = (char)('0' + u % 10);
            end[-2] = '.';
            char *p = digits(u / 10, end - 2);
            tk_jsontext_raw(b, p, (size_t)(end - p));
            return;
        }
    }
    char buf[64];
    int n = snprintf(buf, sizeof buf - 3, "%.*g", precision > 0 ? precision : 17, v);
    if (n < 0 || (size_t)n >= sizeof buf - 3) {
        b->nomem = 1; /* cannot happen for a finite double */
        return;
    }
    size_t len = (size_t)n;
    if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *e = strchr(buf, 'e');
    if (e != NULL) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - buf) + 1);
            len -= (size_t)(end - start);
        }
    }
    tk_jsontext_raw(b, buf, len);
}

static int dump_cb(const char *p, size_t len, void *data)
{
    tk_jsontext *b = data;
    tk_jsontext_raw(b, p, len);
    return b->nomem ? -1 : 0;
}

int tk_jsontext_json(tk_jsontext *b, const json_t *v, size_t flags)
{
    const size_t mark = b->len;
    if (json_dump_callback(v, dump_cb, b, flags | JSON_ENCODE_ANY) == 0)
        return 0;
    if (b->p != NULL && !b->nomem) {
        b->len = mark;
        b->p[mark] = '\0';
    }
    return -1;
}
