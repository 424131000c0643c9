/* src/mask.h -- masking of values that may identify a resident, for messages.
 *
 * Everything tenken writes for a person to read (stderr, the uploads table,
 * row-level error reports, printed events) quotes a value that may be a
 * resident identifier, a kana name or an address only through here: the
 * resident identifier of a log row, the personal columns of a master file,
 * and the cells of a header line that did not match (the first line of a
 * file without a header is a data row). Masking works on characters (UTF-8
 * code points), never on bytes, so its output is valid UTF-8 whatever the
 * input holds. Stateless and thread-safe. */
#ifndef TK_MASK_H
#define TK_MASK_H

#include <stddef.h>

#include "src/error.h"

/* Bytes tk_mask_value() writes at most, terminating NUL included. */
#define TK_MASK_SIZE 40

/* Writes the masked form of the untrusted bytes (p, len) into out.
 * An identifier-like value (only ASCII or full-width letters and digits and
 * hyphens) of 8 characters or more keeps its first 2 and last 2
 * characters: 0000412383 -> 00******83, ０００４１２３８３ -> ００******８３.
 * Any other value (a shorter identifier, a name, an address, a date) is
 * masked whole: one '*' per character. At most 16 '*' are written, so a
 * long value does not show its length. An empty value gives "". */
void tk_mask_value(const char *p, size_t len, char out[TK_MASK_SIZE]);

/* 1 if (p, len) holds a digit, ASCII 0-9 or full-width ０-９, else 0. */
int tk_mask_has_digit(const char *p, size_t len);

/* 1 if (p, len) looks like an identifier: it has a digit and holds only
 * ASCII or full-width letters and digits and hyphens, else 0. */
int tk_mask_is_identifier(const char *p, size_t len);

/* Says whether cell (NUL-terminated, trimmed) is a column name the caller
 * expects (a name its profile or mapping uses, a canonical name): 1 or 0. */
typedef int (*tk_mask_known_fn)(const void *ctx, const char *cell);

/* 1 if the n cells read as a header (perhaps with mistakes) rather than a
 * data row: one of them is a known column name, or none holds a digit (a
 * data row of a log or of a master always has a date, a number or an
 * identifier). */
int tk_mask_header_recognised(const char *const *cells, size_t n, tk_mask_known_fn known,
                              const void *ctx);

/* 1 if a header cell may be quoted in clear: it is a known column name, or
 * the line is recognised as a header (tk_mask_header_recognised()) and the
 * cell does not look like an identifier (tk_mask_is_identifier()). Any
 * other cell may be data and is shown masked. */
int tk_mask_header_clear(const char *cell, int recognised, tk_mask_known_fn known, const void *ctx);

/* Writes the n header cells (borrowed) into out (cap >= 64 bytes) as
 * tk_error_join() does ("a, b, c (and N more)"), each cell in clear or
 * masked as tk_mask_header_clear() decides. *recognised (may be NULL)
 * receives tk_mask_header_recognised(). Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_mask_header_join(char *out, size_t cap, const char *const *cells, size_t n,
                                      tk_mask_known_fn known, const void *ctx, int *recognised,
                                      tk_error *err);

#endif
