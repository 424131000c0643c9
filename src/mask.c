/* src/mask.c -- masking of values that may identify a resident.
 *
 * Approach. A value is read as UTF-8 code points (well-formed sequences
 * as Unicode table 3-7 defines them; any other byte counts as one
 * character of its own), so a mask never cuts a sequence and a full-width
 * identifier is masked like its ASCII twin. What stays visible depends on
 * the value's shape:
 *
 *   - an identifier-like value (ASCII or full-width letters and digits,
 *     hyphens) of 8 characters or more keeps its first 2 and last 2
 *     characters, enough to tell two rows apart and too little to name a
 *     resident: at least half of it is hidden;
 *   - anything else, a short identifier (a 7-character one would otherwise
 *     show 4 of 7), a kana name, an address, is masked whole.
 *
 * At most 16 '*' are written, so the output fits TK_MASK_SIZE and a long
 * value does not show its length.
 *
 * Header lines. When a file's header does not match what the caller
 * expects, the line may well be the first data row of a file without a
 * header. The line reads as a header when one of its cells is a known
 * column name (a header with a typo or a renamed column), or when none of
 * its cells has a digit: a data row of a log has a timestamp, one of a
 * master file a staff or resident number. In a line that reads as a
 * header a cell is quoted in clear unless it looks like an identifier
 * (digits, with ASCII or full-width letters and hyphens only: 備考1 is a
 * name, 0000412383 or A123456 may be a resident); in any other line only
 * known names are, and every other cell is masked, so a message still says
 * how many columns the line has without showing a resident's id, address
 * or kana name. */
#include "src/mask.h"

#include <stdint.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"

#define MAX_STARS 16
#define KEEP      2 /* characters kept at each end of a long identifier */
#define KEEP_MIN  8 /* an identifier shorter than this is masked whole */
#define BAD       0xFFFFFFFFu

/* Decodes the character at p[i] (i < len): returns its byte length and
 * sets *cp, or returns 1 with *cp = BAD for a byte that does not start a
 * well-formed sequence. */
static size_t next_char(const unsigned char *p, size_t len, size_t i, uint32_t *cp)
{
    const unsigned char b = p[i];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    uint32_t c;

    *cp = BAD;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
        c = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        c = b & 0x0Fu;
        lo = b == 0xE0 ? 0xA0 : 0x80;
        hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        c = b & 0x07u;
        lo = b == 0xF0 ? 0x90 : 0x80;
        hi = b == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 1;
    }
    if (len - i < n || p[i + 1] < lo || p[i + 1] > hi)
        return 1;
    for (size_t k = 1; k < n; k++) {
        if (k > 1 && (p[i + k] & 0xC0) != 0x80)
            return 1;
        c = c << 6 | (p[i + k] & 0x3Fu);
    }
    *cp = c;
    return n;
}

static int is_digit(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19);
}

/* ASCII or full-width letter, digit or hyphen. */
static int is_id_char(uint32_t c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
           (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A) || c == 0xFF0D;
}

void tk_mask_value(const char *p, size_t len, char out[TK_MASK_SIZE])
{
    const unsigned char *u = (const unsigned char *)p;
    size_t nchars = 0, o = 0, stars = 0;
    int idlike = 1;
    uint32_t c;

    for (size_t i = 0; i < len; nchars++) {
        i += next_char(u, len, i, &c);
        idlike = idlike && is_id_char(c);
    }
    const size_t keep = idlike && nchars >= KEEP_MIN ? KEEP : 0;
    size_t ci = 0;
    for (size_t i = 0; i < len; ci++) {
        const size_t w = next_char(u, len, i, &c);
        if (ci < keep || ci + keep >= nchars) {
            /* Only identifier characters are kept: ASCII or 3 bytes. */
            memcpy(out + o, p + i, w);
            o += w;
        } else if (stars < MAX_STARS) {
            out[o++] = '*';
            stars++;
        }
        i += w;
    }
    out[o] = '\0';
}

int tk_mask_has_digit(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    uint32_t c;
    for (size_t i = 0; i < len;) {
        i += next_char(u, len, i, &c);
        if (is_digit(c))
            return 1;
    }
    return 0;
}

int tk_mask_is_identifier(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    int digit = 0;
    uint32_t c;
    for (size_t i = 0; i < len;) {
        i += next_char(u, len, i, &c);
        if (!is_id_char(c))
            return 0;
        digit = digit || is_digit(c);
    }
    return digit;
}

int tk_mask_header_recognised(const char *const *cells, size_t n, tk_mask_known_fn known,
                              const void *ctx)
{
    int digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (cells[i] == NULL)
            continue;
        if (known(ctx, cells[i]))
            return 1;
        digits = digits || tk_mask_has_digit(cells[i], strlen(cells[i]));
    }
    return !digits;
}

int tk_mask_header_clear(const char *cell, int recognised, tk_mask_known_fn known, const void *ctx)
{
    if (known(ctx, cell))
        return 1;
    return recognised && !tk_mask_is_identifier(cell, strlen(cell));
}

int tk_mask_header_join(char *out, size_t cap, const char *const *cells, size_t n,
                        tk_mask_known_fn known, const void *ctx, int *recognised, tk_error *err)
{
    const int rec = tk_mask_header_recognised(cells, n, known, ctx);
    const char **items = NULL;
    char *masked = NULL;
    size_t bytes;
    int rc = TK_OK;

    if (recognised != NULL)
        *recognised = rec;
    if (n == 0) {
        tk_error_join(out, cap, NULL, 0);
        return TK_OK;
    }
    items = tk_calloc(n, sizeof *items);
    if (items == NULL || !tk_mul_size(n, TK_MASK_SIZE, &bytes) ||
        (masked = tk_alloc(bytes)) == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory listing a header");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const char *cell = cells[i] ? cells[i] : "";
        if (tk_mask_header_clear(cell, rec, known, ctx)) {
            items[i] = cell;
        } else {
            tk_mask_value(cell, strlen(cell), masked + i * TK_MASK_SIZE);
            items[i] = masked + i * TK_MASK_SIZE;
        }
    }
    tk_error_join(out, cap, items, n);
done:
    tk_free(masked);
    tk_free(items);
    return rc;
}
