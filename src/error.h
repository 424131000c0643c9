/* src/error.h -- error codes and the error record every fallible call fills.
 *
 * A function that can fail returns TK_OK (0) or a negative TK_E* code and
 * takes a last parameter `tk_error *err` (may be NULL). Whoever detects the
 * failure fills err with tk_error_set(); callers pass the code up unchanged
 * and never rewrite the message. Thread-safe: no shared state. */
#ifndef TK_ERROR_H
#define TK_ERROR_H

#include <stddef.h>

#if defined(__GNUC__)
#define TK_MUST_CHECK      __attribute__((warn_unused_result))
#define TK_PRINTF(fmt, va) __attribute__((format(printf, fmt, va)))
#else
#define TK_MUST_CHECK
#define TK_PRINTF(fmt, va)
#endif

enum {
    TK_OK = 0,
    TK_EINVAL = -1,      /* invalid argument or option value */
    TK_ENOMEM = -2,      /* allocation failed or arena cap reached */
    TK_EIO = -3,         /* file or socket I/O failed */
    TK_EPARSE = -4,      /* input does not follow its format */
    TK_EENCODING = -5,   /* bytes are not valid in the declared encoding */
    TK_ENOTFOUND = -6,   /* a named thing does not exist */
    TK_EEXISTS = -7,     /* a thing that must be new already exists */
    TK_EDB = -8,         /* the SQLite store reported an error */
    TK_ERANGE = -9,      /* a value is outside its allowed range */
    TK_EPROFILE = -10,   /* a source profile does not fit the file */
    TK_EREJECTED = -11,  /* input was refused as a whole (all-or-nothing) */
    TK_EFROZEN = -12,    /* the period or object may no longer change */
    TK_ECRYPTO = -13,    /* a cryptographic primitive failed */
    TK_EBUSY = -14,      /* another process holds what is needed (a tenant's writer) */
    TK_ECANCELLED = -15, /* the caller cancelled the work; nothing was stored */
    TK_EINTERNAL = -99   /* anything else: a bug or an unexpected library state */
};

/* Bytes of a message, terminating NUL included: room for a file path, a
 * record and column, and a list of a few dozen Japanese column names. */
#define TK_ERROR_MSG_SIZE 2048

typedef struct tk_error {
    int code;                    /* same value the function returned */
    char msg[TK_ERROR_MSG_SIZE]; /* one line, lower case, no final period */
} tk_error;

/* Records code and a printf-style message in err (if err is not NULL) and
 * returns code, so a caller can write `return tk_error_set(err, ...)`.
 * The message is always valid UTF-8 on one line: a byte that is not part
 * of a valid UTF-8 sequence becomes '?', a control character a space. A
 * message longer than the buffer ends at a character boundary with "…"
 * (U+2026); it is never cut inside a character. */
int tk_error_set(tk_error *err, int code, const char *fmt, ...) TK_PRINTF(3, 4);

/* Prefixes err->msg with "prefix: " keeping the code; used where a caller
 * adds location (a file name) that the callee could not know. Accepts NULL.
 * The result follows tk_error_set()'s rules; when it would not fit, the
 * end of the old message gives way ("…"), not the prefix. */
void tk_error_prefix(tk_error *err, const char *fmt, ...) TK_PRINTF(2, 3);

/* Writes the n strings items[0..n) (borrowed; NULL counts as "") into out
 * (cap bytes, cap >= 64) joined by ", " for a message: whole items only,
 * as many as fit, then " (and N more)" for the rest; only a first item
 * longer than the whole buffer is cut, at a character boundary, with "…".
 * out is always NUL-terminated. Returns the number of items written. */
size_t tk_error_join(char *out, size_t cap, const char *const *items, size_t n);

/* Resets err to TK_OK and an empty message. Accepts NULL. */
void tk_error_clear(tk_error *err);

/* A short English name for a code ("parse error"); never NULL. */
const char *tk_error_name(int code);

#endif
