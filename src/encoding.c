/* src/encoding.c -- UTF-8 validation, CP932 decoding and encoding, detection.
 *
 * Approach. Every value goes through an ASCII test first, eight bytes at a
 * time (a word ANDed with 0x80 in every byte); most log fields are dates,
 * codes and numbers, so most values leave here untouched and uncopied.
 *
 * UTF-8 is validated against the table of well-formed byte sequences in
 * the Unicode Standard (chapter 3, table 3-7): the allowed range of the
 * second byte depends on the lead (E0: A0..BF excludes overlong forms, ED:
 * 80..9F excludes surrogates, F0: 90..BF overlong, F4: 80..8F excludes
 * values above U+10FFFF), every later byte is 80..BF, and C0, C1, F5..FF
 * never occur. Checking the second byte's range is what makes a separate
 * "decode then check the value" step unnecessary.
 *
 * CP932 is decoded with the generated tables of src/cp932_table.c: bytes
 * below 0x80 are ASCII (0x5C stays a backslash, as Windows has it), 0xA1..
 * 0xDF are half-width katakana U+FF61..U+FF9F, 0x81..0x9F and 0xE0..0xFC are
 * lead bytes of two-byte codes whose trail is 0x40..0xFC, and everything
 * else is invalid. A lead byte with no defined code still consumes its
 * trail when the error message is written, because that pair is what a
 * person looks for in a hex dump. Output is at most three bytes per input
 * byte (a half-width katakana becomes three UTF-8 bytes), so the scratch
 * buffer is grown once per value, before the loop.
 *
 * Encoding to CP932 looks code points up in a sorted table, first narrowed
 * by the high byte (a 257-entry page index) and then by binary search; the
 * table already holds Windows' choice among duplicate codes. This direction
 * serves the synthetic data generator and is not on the ingestion path. */
#include "src/encoding.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/cp932_table.h"

/* ---- names ---------------------------------------------------------- */

static int name_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char ca = (unsigned char)*a;
        const unsigned char cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z')
            ca = (unsigned char)(ca - 'A' + 'a');
        if (ca != cb)
            return 0;
        if (ca == '\0')
            return 1;
    }
}

int tk_enc_parse_name(const char *name, tk_enc *out)
{
    static const struct {
        const char *name;
        tk_enc enc;
    } names[] = {
        {"auto", TK_ENC_AUTO},       {"ascii", TK_ENC_ASCII},        {"utf-8", TK_ENC_UTF8},
        {"utf8", TK_ENC_UTF8},       {"utf-8-bom", TK_ENC_UTF8_BOM}, {"utf-8-sig", TK_ENC_UTF8_BOM},
        {"cp932", TK_ENC_CP932},     {"ms932", TK_ENC_CP932},        {"windows-31j", TK_ENC_CP932},
        {"shift_jis", TK_ENC_CP932}, {"shift-jis", TK_ENC_CP932},    {"sjis", TK_ENC_CP932},
    };
    assert(name != NULL && out != NULL);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (name_eq(name, names[i].name)) {
            *out = names[i].enc;
            return TK_OK;
        }
    }
    return TK_EINVAL;
}

const char *tk_enc_name(tk_enc enc)
{
    switch (enc) {
    case TK_ENC_AUTO:
        return "auto";
    case TK_ENC_ASCII:
        return "ascii";
    case TK_ENC_UTF8:
        return "utf-8";
    case TK_ENC_UTF8_BOM:
        return "utf-8-bom";
    case TK_ENC_CP932:
        return "cp932";
    case TK_ENC_UNKNOWN:
        break;
    }
    return "unknown";
}

/* ---- buffers -------------------------------------------------------- */

void tk_enc_buf_init(tk_enc_buf *b)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void tk_enc_buf_dispose(tk_enc_buf *b)
{
    if (b == NULL)
        return;
    tk_free(b->p);
    tk_enc_buf_init(b);
}

/* Makes room for extra more bytes after b->len. Grows geometrically so a
 * sequence of appends costs amortised linear time. */
static int buf_reserve(tk_enc_buf *b, size_t extra, tk_error *err)
{
    size_t need;
    if (!tk_add_size(b->len, extra, &need))
        return tk_error_set(err, TK_ENOMEM, "encoding buffer size overflows");
    if (need <= b->cap)
        return TK_OK;
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need) {
        if (!tk_mul_size(cap, 2, &cap)) {
            cap = need;
            break;
        }
    }
    char *const p = tk_realloc(b->p, cap);
    if (p == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory growing encoding buffer to %zu bytes",
                            cap);
    b->p = p;
    b->cap = cap;
    return TK_OK;
}

/* ---- ASCII ---------------------------------------------------------- */

/* Length of the leading run of ASCII bytes in s[0..len). */
static size_t ascii_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        if (w & UINT64_C(0x8080808080808080))
            break;
        i += 8;
    }
    while (i < len && s[i] < 0x80)
        i++;
    return i;
}

/* ---- UTF-8 ---------------------------------------------------------- */

/* Result of looking at one (possibly) multibyte sequence. */
typedef struct utf8_step {
    size_t n;           /* bytes in the sequence when valid */
    uint32_t cp;        /* its code point when valid */
    const char *reason; /* NULL when valid */
    size_t shown;       /* bytes worth showing in an error message */
    int cut;            /* invalid only because s ended inside it */
} utf8_step;

/* Decodes the sequence starting at s[0] (len >= 1, s[0] >= 0x80). */
static utf8_step utf8_decode_one(const unsigned char *s, size_t len)
{
    utf8_step r = {0, 0, NULL, 1, 0};
    const unsigned char b = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    uint32_t cp;
    if (b < 0xC2) {
        r.reason = b < 0xC0 ? "unexpected continuation byte" : "overlong encoding";
        r.shown = b < 0xC0 ? 1 : (len >= 2 ? 2 : 1);
        return r;
    } else if (b < 0xE0) {
        n = 2;
        cp = b & 0x1Fu;
    } else if (b < 0xF0) {
        n = 3;
        cp = b & 0x0Fu;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b < 0xF5) {
        n = 4;
        cp = b & 0x07u;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else {
        r.reason = "invalid byte";
        return r;
    }
    r.shown = n < len ? n : len;
    for (size_t i = 1; i < n; i++) {
        if (i >= len) {
            r.reason = "truncated sequence";
            r.cut = 1;
            return r;
        }
        const unsigned char c = s[i];
        const unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (c < l || c > h) {
            if (i == 1 && c >= 0x80 && c <= 0xBF) {
                /* A continuation byte, but outside the lead's range. */
                r.reason = b == 0xE0 || b == 0xF0 ? "overlong encoding"
                           : b == 0xED            ? "surrogate"
                                                  : "above U+10FFFF";
                /* r.shown stays the whole sequence the lead announced. */
            } else {
                r.reason = "truncated sequence";
                r.shown = i + 1;
            }
            return r;
        }
        cp = (cp << 6) | (c & 0x3Fu);
    }
    r.n = n;
    r.cp = cp;
    return r;
}

/* Offset of the first byte of s[0..len) that is not valid UTF-8, or len.
 * If step is not NULL it describes the failure. */
static size_t utf8_check(const unsigned char *s, size_t len, utf8_step *step)
{
    size_t i = 0;
    for (;;) {
        i += ascii_prefix(s + i, len - i);
        if (i == len)
            return len;
        const utf8_step r = utf8_decode_one(s + i, len - i);
        if (r.reason != NULL) {
            if (step != NULL)
                *step = r;
            return i;
        }
        i += r.n;
    }
}

/* Writes code point cp (< 0x10000) as UTF-8 at d; returns bytes written. */
static size_t put_utf8_bmp(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    d[0] = (char)(0xE0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Formats up to four bytes as "0x.. 0x.." into out (at least 20 bytes). */
static void hex_bytes(char *out, const unsigned char *s, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *d = out;
    for (size_t i = 0; i < n && i < 4; i++) {
        if (i > 0)
            *d++ = ' ';
        *d++ = '0';
        *d++ = 'x';
        *d++ = digits[s[i] >> 4];
        *d++ = digits[s[i] & 0x0F];
    }
    *d = '\0';
}

/* ---- CP932 ---------------------------------------------------------- */

static int cp932_is_lead(unsigned char b)
{
    return (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC);
}

/* Code point of the two-byte code (lead, trail), or 0 if it has none. */
static uint32_t cp932_pair(unsigned char lead, unsigned char trail)
{
    const unsigned row = tk_cp932_lead_row[lead];
    if (row == 0 || trail < TK_CP932_TRAIL_FIRST || trail > TK_CP932_TRAIL_LAST)
        return 0;
    return tk_cp932_decode[row - 1][trail - TK_CP932_TRAIL_FIRST];
}

/* Offset of the first byte of s[0..len) that is not valid CP932, or len.
 * With allow_cut, a lead byte as the very last byte is accepted (a sample
 * cut in the middle of a character). */
static size_t cp932_check(const unsigned char *s, size_t len, int allow_cut)
{
    size_t i = 0;
    while (i < len) {
        const unsigned char b = s[i];
        if (b < 0x80 || (b >= 0xA1 && b <= 0xDF)) {
            i++;
            continue;
        }
        if (!cp932_is_lead(b))
            return i;
        if (i + 1 == len)
            return allow_cut ? len : i;
        if (cp932_pair(b, s[i + 1]) == 0)
            return i;
        i += 2;
    }
    return len;
}

/* Decodes s[0..len), whose first `ascii` bytes are ASCII, into scratch. */
static int cp932_decode(const unsigned char *s, size_t len, size_t ascii, tk_enc_buf *scratch,
                        size_t *bad_offset, tk_error *err)
{
    size_t cap;
    if (!tk_mul_size(len, 3, &cap))
        return tk_error_set(err, TK_ENOMEM, "cp932 value of %zu bytes is too long", len);
    scratch->len = 0;
    int rc = buf_reserve(scratch, cap, err);
    if (rc != TK_OK)
        return rc;
    memcpy(scratch->p, s, ascii);
    char *d = scratch->p + ascii;
    size_t i = ascii;
    while (i < len) {
        const unsigned char b = s[i];
        if (b < 0x80) {
            *d++ = (char)b;
            i++;
        } else if (b >= 0xA1 && b <= 0xDF) {
            d += put_utf8_bmp(d, 0xFF61u + (uint32_t)(b - 0xA1));
            i++;
        } else {
            const uint32_t cp = cp932_is_lead(b) && i + 1 < len ? cp932_pair(b, s[i + 1]) : 0;
            if (cp == 0) {
                char hex[24];
                const size_t shown = cp932_is_lead(b) && i + 1 < len ? 2 : 1;
                hex_bytes(hex, s + i, shown);
                *bad_offset = i;
                scratch->len = 0;
                return tk_error_set(
                    err, TK_EENCODING, "invalid cp932 byte sequence %s at byte offset %zu%s", hex,
                    i, cp932_is_lead(b) && i + 1 == len ? " (cut at end of value)" : "");
            }
            d += put_utf8_bmp(d, cp);
            i += 2;
        }
    }
    scratch->len = (size_t)(d - scratch->p);
    return TK_OK;
}

int tk_enc_to_utf8(tk_enc enc, const char *p, size_t len, tk_enc_buf *scratch, const char **out,
                   size_t *outlen, size_t *bad_offset, tk_error *err)
{
    const unsigned char *const s = (const unsigned char *)p;
    size_t bad_dummy;
    assert(out != NULL && outlen != NULL && (p != NULL || len == 0));
    if (bad_offset == NULL)
        bad_offset = &bad_dummy;
    *out = NULL;
    *outlen = 0;

    if (enc == TK_ENC_AUTO || enc == TK_ENC_UNKNOWN)
        return tk_error_set(err, TK_EINVAL, "cannot decode from encoding \"%s\"", tk_enc_name(enc));
    const size_t ascii = ascii_prefix(s, len);
    if (ascii == len) {
        *out = p;
        *outlen = len;
        return TK_OK;
    }
    switch (enc) {
    case TK_ENC_ASCII:
        *bad_offset = ascii;
        return tk_error_set(err, TK_EENCODING, "invalid ascii byte 0x%02x at byte offset %zu",
                            s[ascii], ascii);
    case TK_ENC_UTF8:
    case TK_ENC_UTF8_BOM: {
        utf8_step step;
        const size_t at = ascii + utf8_check(s + ascii, len - ascii, &step);
        if (at < len) {
            char hex[24];
            hex_bytes(hex, s + at, step.shown);
            *bad_offset = at;
            return tk_error_set(err, TK_EENCODING,
                                "invalid utf-8 byte sequence %s at byte offset %zu (%s)", hex, at,
                                step.reason);
        }
        *out = p;
        *outlen = len;
        return TK_OK;
    }
    case TK_ENC_CP932: {
        assert(scratch != NULL);
        const int rc = cp932_decode(s, len, ascii, scratch, bad_offset, err);
        if (rc != TK_OK)
            return rc;
        *out = scratch->p;
        *outlen = scratch->len;
        return TK_OK;
    }
    case TK_ENC_AUTO:
    case TK_ENC_UNKNOWN:
        break;
    }
    return tk_error_set(err, TK_EINVAL, "cannot decode from encoding \"%s\"", tk_enc_name(enc));
}

/* ---- detection ------------------------------------------------------ */

/* What a sample says for one encoding: the non-ASCII characters that
 * decode (ok) and the places where decoding fails (bad). */
typedef struct evidence {
    size_t ok;
    size_t bad;
} evidence;

/* Counts valid multibyte UTF-8 sequences and invalid positions in s[0..len).
 * After an invalid byte the count resumes at the next byte, as a decoder
 * resynchronising would. A sequence cut by the end of a sample that is not
 * the whole file is not counted either way. */
static evidence utf8_evidence(const unsigned char *s, size_t len, int at_eof)
{
    evidence e = {0, 0};
    size_t i = 0;
    for (;;) {
        i += ascii_prefix(s + i, len - i);
        if (i == len)
            break;
        const utf8_step r = utf8_decode_one(s + i, len - i);
        if (r.reason == NULL) {
            e.ok++;
            i += r.n;
        } else if (r.cut && !at_eof) {
            break;
        } else {
            e.bad++;
            i++;
        }
    }
    return e;
}

/* The same for CP932: half-width katakana and defined two-byte codes are
 * ok; any other byte of 0x80 and above, a lead whose pair has no code, and
 * (at the end of the file) a lone lead are bad. */
static evidence cp932_evidence(const unsigned char *s, size_t len, int at_eof)
{
    evidence e = {0, 0};
    size_t i = 0;
    for (;;) {
        i += ascii_prefix(s + i, len - i);
        if (i == len)
            break;
        const unsigned char b = s[i];
        if (b >= 0xA1 && b <= 0xDF) {
            e.ok++;
            i++;
        } else if (cp932_is_lead(b) && i + 1 == len && !at_eof) {
            break;
        } else if (cp932_is_lead(b) && i + 1 < len && cp932_pair(b, s[i + 1]) != 0) {
            e.ok++;
            i += 2;
        } else {
            e.bad++;
            i++;
        }
    }
    return e;
}

/* Valid characters per invalid place from which a sample is taken to be in
 * an encoding despite its bad bytes. Text in the other encoding stays far
 * below it: CP932's hiragana, katakana, full-width symbols and level-1
 * kanji all lead with a byte of 0x81..0x9F, a UTF-8 continuation byte that
 * cannot start a sequence, so CP932 text fails as UTF-8 at most characters
 * (the generated city's CP932 logs: 0.1 to 0.3 valid per invalid). UTF-8
 * text read as CP932 fails far less often (E3 81 and E5 8D are CP932
 * codes: that is how UTF-8 passes for CP932 mojibake, 4 to 85 valid per
 * invalid in the same city's UTF-8 logs), so UTF-8 is weighed first and a
 * CP932 reading is considered only for a sample that is not mostly UTF-8. */
#define DOMINANT 4

/* A sample with this share of NUL bytes or more is not a text file in an
 * 8-bit encoding (UTF-16 puts a NUL beside every ASCII character). */
#define NUL_SHARE 8

tk_enc tk_enc_detect(const char *p, size_t len, int at_eof)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    const unsigned char *const s = (const unsigned char *)p;
    assert(p != NULL || len == 0);
    if (len >= 3 && memcmp(s, bom, 3) == 0)
        return TK_ENC_UTF8_BOM;
    if (!at_eof && len < 3 && len > 0 && memcmp(s, bom, len) == 0)
        return TK_ENC_ASCII; /* may still become a byte order mark */
    if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
        return TK_ENC_UNKNOWN; /* a UTF-16 byte order mark */
    size_t nul = 0;
    for (size_t i = 0; i < len; i++) {
        const unsigned char *const q = memchr(s + i, '\0', len - i);
        if (q == NULL)
            break;
        nul++;
        i = (size_t)(q - s);
    }
    if (nul > 0 && nul > (len - 1) / NUL_SHARE) /* nul * NUL_SHARE >= len, without overflow */
        return TK_ENC_UNKNOWN;
    const size_t ascii = ascii_prefix(s, len);
    if (ascii == len)
        return TK_ENC_ASCII;
    const evidence u = utf8_evidence(s + ascii, len - ascii, at_eof);
    if (u.bad == 0 || u.ok / DOMINANT >= u.bad)
        return TK_ENC_UTF8;
    const evidence c = cp932_evidence(s + ascii, len - ascii, at_eof);
    if (c.ok / DOMINANT >= c.bad)
        return TK_ENC_CP932;
    return TK_ENC_UNKNOWN;
}

tk_enc tk_enc_alternative(tk_enc enc, const char *p, size_t len, int at_eof)
{
    const unsigned char *const s = (const unsigned char *)p;
    assert(p != NULL || len == 0);
    const size_t ascii = ascii_prefix(s, len);
    if (ascii == len)
        return TK_ENC_UNKNOWN;
    const unsigned char *const rest = s + ascii;
    const size_t n = len - ascii;
    utf8_step step;
    const size_t at = utf8_check(rest, n, &step);
    const int utf8 = at == n || (!at_eof && step.cut);
    const int cp932 = cp932_check(rest, n, !at_eof) == n;
    /* Whether the bytes decode as the other encoding is decided on the
     * evidence, as detection decides it: UTF-8 with one bad byte is often
     * valid CP932 mojibake, and is not a CP932 file. */
    const tk_enc detected = tk_enc_detect(p, len, at_eof);
    if ((enc == TK_ENC_UTF8 || enc == TK_ENC_UTF8_BOM) && !utf8 && cp932 &&
        detected == TK_ENC_CP932)
        return TK_ENC_CP932;
    if (enc == TK_ENC_CP932 && !cp932 && utf8)
        return TK_ENC_UTF8;
    return TK_ENC_UNKNOWN;
}

/* ---- UTF-8 -> CP932 ------------------------------------------------- */

/* Two-byte CP932 code of code point cp, or 0 if there is none. */
static unsigned cp932_lookup(uint32_t cp)
{
    if (cp > 0xFFFF)
        return 0;
    size_t lo = tk_cp932_enc_page[cp >> 8], hi = tk_cp932_enc_page[(cp >> 8) + 1];
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const uint32_t key = tk_cp932_enc_ucs[mid];
        if (key == cp)
            return tk_cp932_enc_code[mid];
        if (key < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int tk_enc_utf8_to_cp932(const char *p, size_t len, tk_enc_buf *out, tk_error *err)
{
    const unsigned char *const s = (const unsigned char *)p;
    assert(out != NULL && (p != NULL || len == 0));
    if (len == 0)
        return TK_OK;
    /* CP932 never needs more bytes than UTF-8 for the same text. */
    int rc = buf_reserve(out, len, err);
    if (rc != TK_OK)
        return rc;
    char *d = out->p + out->len;
    size_t i = 0;
    while (i < len) {
        const size_t run = ascii_prefix(s + i, len - i);
        memcpy(d, s + i, run);
        d += run;
        i += run;
        if (i == len)
            break;
        const utf8_step r = utf8_decode_one(s + i, len - i);
        if (r.reason != NULL) {
            char hex[24];
            hex_bytes(hex, s + i, r.shown);
            return tk_error_set(err, TK_EENCODING,
                                "invalid utf-8 byte sequence %s at byte offset %zu (%s)", hex, i,
                                r.reason);
        }
        if (r.cp >= 0xFF61 && r.cp <= 0xFF9F) {
            *d++ = (char)(0xA1 + (r.cp - 0xFF61));
        } else {
            const unsigned code = cp932_lookup(r.cp);
            if (code == 0)
                return tk_error_set(err, TK_EENCODING,
                                    "character U+%04X at byte offset %zu has no cp932 code",
                                    (unsigned)r.cp, i);
            *d++ = (char)(code >> 8);
            *d++ = (char)(code & 0xFF);
        }
        i += r.n;
    }
    out->len = (size_t)(d - out->p);
    return TK_OK;
}
