/* src/error.c -- formatting of tk_error records.
 *
 * Messages are formatted with vsnprintf into the fixed buffer; truncation is
 * acceptable because the message is for people and the code is for programs. */
#include "src/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tk_error_set(tk_error *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void tk_error_prefix(tk_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    char prefix[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Build "prefix: old" by hand: snprintf of two full buffers into one
     * trips gcc's truncation warning although truncation is intended. */
    char old[sizeof err->msg];
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3)
        n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    err->msg[n++] = ':';
    err->msg[n++] = ' ';
    const size_t rest = sizeof err->msg - 1 - n;
    const size_t olen = strnlen(old, rest);
    memcpy(err->msg + n, old, olen);
    err->msg[n + olen] = '\0';
}

void tk_error_clear(tk_error *err)
{
    if (err == NULL)
        return;
    err->code = TK_OK;
    err->msg[0] = '\0';
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
    default:
        return "internal error";
    }
}
