/* src/error.c -- formatting of tk_error records.
 *
 * Messages are read by people, often in Japanese, and end up in terminals,
 * JSON documents and the uploads table, so every message leaves here as
 * valid UTF-8 on one line. The buffer (TK_ERROR_MSG_SIZE) is large enough
 * for real messages; should one still not fit, it is cut before the first
 * byte of the character that would not fit and ends in "…", so nobody is
 * left with half a character or a silently shortened list. Lists that can
 * grow with the input (a file's header) are composed with tk_error_join(),
 * which keeps whole names and counts the rest.
 *
 * Cleaning runs after formatting over the finished message: a byte that
 * does not start a well-formed UTF-8 sequence (Unicode table 3-7, as
 * src/encoding.c checks it) becomes '?', a control character a space.
 * Both keep the length, so the cut made before stays where it was. */
#include "src/error.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ELLIPSIS     "\xE2\x80\xA6" /* U+2026 */
#define ELLIPSIS_LEN 3

/* Length of the well-formed UTF-8 sequence at s (s[0] >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
    const unsigned char b = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        lo = b == 0xE0 ? 0xA0 : 0x80;
        hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        lo = b == 0xF0 ? 0x90 : 0x80;
        hi = b == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    /* The NUL terminator fails the range test, so this never reads past it. */
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    }
    return n;
}

/* Makes the NUL-terminated s valid UTF-8 on one line, in place. */
static void clean(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7F) {
            *p++ = ' ';
        } else if (*p < 0x80) {
            p++;
        } else {
            const size_t n = utf8_seq(p);
            if (n == 0)
                *p++ = '?';
            else
                p += n;
        }
    }
}

/* Cuts the NUL-terminated buf (cap bytes, full) so that "…" fits after a
 * whole character, and appends it. */
static void mark_cut(char *buf, size_t cap)
{
    size_t at = cap - 1 - ELLIPSIS_LEN;
    while (at > 0 && ((unsigned char)buf[at] & 0xC0) == 0x80)
        at--;
    memcpy(buf + at, ELLIPSIS, ELLIPSIS_LEN + 1);
}

/* Appends s to buf (holding *len bytes of cap) with the cutting rule.
 * Returns 0 if s had to be cut. */
static int append(char *buf, size_t cap, size_t *len, const char *s)
{
    const size_t n = strlen(s);
    if (*len + n < cap) {
        memcpy(buf + *len, s, n + 1);
        *len += n;
        return 1;
    }
    const size_t room = cap - 1 - *len;
    memcpy(buf + *len, s, room);
    buf[cap - 1] = '\0';
    mark_cut(buf, cap);
    *len = strlen(buf);
    return 0;
}

static void vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    const int n = vsnprintf(buf, cap, fmt, ap);
    if (n < 0)
        buf[0] = '\0';
    else if ((size_t)n >= cap)
        mark_cut(buf, cap);
}

int tk_error_set(tk_error *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vformat(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    clean(err->msg);
    return code;
}

void tk_error_prefix(tk_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    char prefix[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vformat(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[sizeof err->msg];
    memcpy(old, err->msg, sizeof old);
    old[sizeof old - 1] = '\0';
    size_t len = 0;
    err->msg[0] = '\0';
    if (append(err->msg, sizeof err->msg, &len, prefix) &&
        append(err->msg, sizeof err->msg, &len, ": "))
        append(err->msg, sizeof err->msg, &len, old);
    clean(err->msg);
}

void tk_error_clear(tk_error *err)
{
    if (err == NULL)
        return;
    err->code = TK_OK;
    err->msg[0] = '\0';
}

size_t tk_error_join(char *out, size_t cap, const char *const *items, size_t n)
{
    /* Room kept for " (and N more)" while items remain after the next. */
    enum { TAIL = 32 };
    size_t len = 0, i = 0;
    assert(cap >= 2 * TAIL);
    out[0] = '\0';
    for (; i < n; i++) {
        const char *s = items[i] ? items[i] : "";
        const size_t sep = i > 0 ? 2 : 0;
        const size_t need = len + sep + strlen(s) + (i + 1 < n ? TAIL : 0);
        if (need >= cap) {
            if (i > 0)
                break;
            /* A first item too long for the whole buffer: cut it. */
            append(out, i + 1 < n ? cap - TAIL : cap, &len, s);
            i++;
            break;
        }
        if (sep)
            append(out, cap, &len, ", ");
        append(out, cap, &len, s);
    }
    if (i < n) {
        char tail[TAIL];
        snprintf(tail, sizeof tail, " (and %zu more)", n - i);
        append(out, cap, &len, tail);
    }
    return i;
}

const char *tk_error_name(int code)
{
    switch (code) {
    case TK_OK:
        return "ok";
    case TK_EINVAL:
        return "invalid argument";
    case TK_ENOMEM:
        return "out of memory";
    case TK_EIO:
        return "i/o error";
    case TK_EPARSE:
        return "parse error";
    case TK_EENCODING:
        return "encoding error";
    case TK_ENOTFOUND:
        return "not found";
    case TK_EEXISTS:
        return "already exists";
    case TK_EDB:
        return "database error";
    case TK_ERANGE:
        return "out of range";
    case TK_EPROFILE:
        return "profile does not fit";
    case TK_EREJECTED:
        return "rejected";
    case TK_EFROZEN:
        return "frozen";
    case TK_ECRYPTO:
        return "cryptographic error";
    case TK_EBUSY:
        return "busy";
    case TK_ECANCELLED:
        return "cancelled";
    default:
        return "internal error";
    }
}
