/* api/jsontext.h -- JSON text written straight into a growing buffer.
 *
 * For the few documents the service sends many times a second (a page of
 * the ranked list), building a jansson tree and dumping it costs more than
 * reading the page from the store. These writers append the same text
 * json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(p)) gives for the
 * same values: strings as jansson escapes them (", \, control characters;
 * UTF-8 passed through), integers in decimal, reals as jansson formats
 * them. The caller writes the punctuation ({, "key":, commas) itself.
 *
 * A tk_jsontext is an embedded value: tk_jsontext_init(), then appends,
 * then tk_jsontext_dispose(). It owns its buffer. Not thread-safe; one
 * writer per thread. */
#ifndef TK_JSONTEXT_H
#define TK_JSONTEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tk_jsontext {
    char *p;    /* owned; NUL-terminated text of len bytes, or NULL while empty */
    size_t len; /* bytes written */
    size_t cap; /* bytes allocated */
    int nomem;  /* set when an append ran out of memory; later appends do nothing */
} tk_jsontext;

/* An empty buffer. */
void tk_jsontext_init(tk_jsontext *b);

/* Frees the buffer. Accepts NULL and an initialised or disposed value. */
void tk_jsontext_dispose(tk_jsontext *b);

/* Appends len bytes of p (borrowed) as they are: punctuation, or text
 * that is JSON already. */
void tk_jsontext_raw(tk_jsontext *b, const char *p, size_t len);

/* Appends the NUL-terminated s (borrowed) as they are. */
void tk_jsontext_lit(tk_jsontext *b, const char *s);

/* The length of the well-formed UTF-8 sequence at s[0..n) (borrowed,
 * n >= 1), or 0: an overlong form, a surrogate, a code point above
 * U+10FFFF, a cut or stray byte. */
size_t tk_jsontext_utf8_seq(const unsigned char *s, size_t n);

/* Appends s[0..len) (borrowed) as a JSON string. Returns 0, or -1 when s
 * is not valid UTF-8 (json_string() refuses it too; nothing is appended),
 * so that the caller can build that value with jansson instead. */
int tk_jsontext_strn(tk_jsontext *b, const char *s, size_t len);

/* tk_jsontext_strn() of the NUL-terminated s (borrowed). With opt set,
 * NULL or "" appends null (as the builders' optional strings); without,
 * NULL returns -1 (json_string(NULL) fails too). Returns 0 or -1. */
int tk_jsontext_str(tk_jsontext *b, const char *s, int opt);

/* Appends v in decimal, as json_integer(v) is dumped. */
void tk_jsontext_int(tk_jsontext *b, int64_t v);

/* Appends v as json_real(v) is dumped with JSON_REAL_PRECISION(precision)
 * (1..31; 0 means 17, as in jansson): "%.*g", with ".0" added to a number
 * that would read back as an integer, and no '+' or leading zeros in the
 * exponent. v must be finite (json_real() refuses NaN and Inf). */
void tk_jsontext_real(tk_jsontext *b, double v, int precision);

/* Appends json_dumps(v, flags | JSON_ENCODE_ANY) of v (borrowed). Returns
 * 0, or -1 when jansson fails (nothing is appended). */
int tk_jsontext_json(tk_jsontext *b, const json_t *v, size_t flags);

#endif
