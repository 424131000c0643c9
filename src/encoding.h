/* src/encoding.h -- character encodings of the log files cities send:
 * detection, validation, CP932 -> UTF-8 decoding and UTF-8 -> CP932 encoding.
 *
 * tenken works in UTF-8 internally. Input files are UTF-8 (with or without a
 * byte order mark) or CP932, Microsoft's Shift_JIS (Windows-31J: JIS X 0208
 * plus NEC special characters, NEC-selected IBM extensions and IBM
 * extensions, e.g. ①, ㈱, 髙). CP932's user-defined area 0xF040-0xF9FC maps
 * to the private use area U+E000-U+E757 and back, so 外字 are kept, never
 * dropped. The single bytes 0x80, 0xA0 and 0xFD-0xFF are not characters and
 * are rejected (Windows maps them to U+0080 and U+F8F0-U+F8F3).
 *
 * The module owns no state beyond constant tables: every function is
 * thread-safe as long as each thread uses its own tk_enc_buf. */
#ifndef TK_ENCODING_H
#define TK_ENCODING_H

#include <stddef.h>

#include "src/error.h"

/* An encoding, as declared by a profile or found by tk_enc_detect(). The
 * numeric values are not stored anywhere: store tk_enc_name() instead. */
typedef enum tk_enc {
    TK_ENC_AUTO = 0,     /* not declared: detect from the bytes */
    TK_ENC_ASCII = 1,    /* detection undecided: only ASCII seen so far */
    TK_ENC_UTF8 = 2,     /* UTF-8 without a byte order mark */
    TK_ENC_UTF8_BOM = 3, /* UTF-8 starting with EF BB BF */
    TK_ENC_CP932 = 4,    /* Windows-31J; also what "shift_jis" means here */
    TK_ENC_UNKNOWN = 5   /* detection failed: neither UTF-8 nor CP932 */
} tk_enc;

/* Maps a name to an encoding, ignoring ASCII case: "auto"; "utf-8",
 * "utf8"; "utf-8-bom", "utf-8-sig"; "cp932", "ms932", "windows-31j",
 * "shift_jis", "shift-jis", "sjis" (all CP932: files called Shift_JIS in
 * the field are CP932); "ascii". name is borrowed (NUL-terminated).
 * Returns TK_OK and sets *out, or TK_EINVAL for any other name (*out
 * unchanged). Unlike most tenken functions it takes no tk_error: the caller
 * knows the context (profile key, CLI flag) the message should name. */
TK_MUST_CHECK int tk_enc_parse_name(const char *name, tk_enc *out);

/* The canonical name of enc: "auto", "ascii", "utf-8", "utf-8-bom",
 * "cp932" or "unknown". A static string; never NULL. Every name except
 * "unknown" parses back to the same value with tk_enc_parse_name(). */
const char *tk_enc_name(tk_enc enc);

/* Guesses the encoding of a file from its first len bytes p (borrowed),
 * on the evidence: valid multibyte characters against places that do not
 * decode, in each encoding. at_eof says whether p is the whole file; if
 * not, a multibyte character cut by the end of the sample is not held
 * against it. In order:
 *   - a UTF-8 byte order mark                     -> TK_ENC_UTF8_BOM;
 *   - a UTF-16 byte order mark, or NUL bytes making up an eighth of the
 *     sample or more (UTF-16, binary)              -> TK_ENC_UNKNOWN;
 *   - only ASCII and NUL (or a sample too short to tell) -> TK_ENC_ASCII:
 *     undecided, sample more; at EOF the file is ASCII, which UTF-8 and
 *     CP932 share (a few NUL bytes are no evidence of either: they are
 *     the rows' problem, not the file's);
 *   - valid UTF-8, or at least 4 valid UTF-8 multibyte characters per
 *     invalid place (UTF-8 with a few bad bytes) -> TK_ENC_UTF8;
 *   - at least 4 valid CP932 characters per invalid place (valid CP932,
 *     or CP932 with a few bad bytes)              -> TK_ENC_CP932;
 *   - otherwise                                   -> TK_ENC_UNKNOWN.
 * CP932 text fails as UTF-8 at most characters and UTF-8 text often
 * passes as CP932, so UTF-8 is weighed first. Never returns TK_ENC_AUTO.
 * Pure function. */
tk_enc tk_enc_detect(const char *p, size_t len, int at_eof);

/* When p[0..len) (borrowed) does not decode as enc, the encoding it does
 * decode as: TK_ENC_CP932 for bytes declared UTF-8 (or UTF-8 with BOM)
 * that are not UTF-8 but valid CP932 and detected as CP932 (UTF-8 with a
 * bad byte is often valid CP932 too, and is not a CP932 file),
 * TK_ENC_UTF8 for bytes declared CP932 that are not CP932 but valid UTF-8;
 * TK_ENC_UNKNOWN when p decodes as enc after all, or as neither. at_eof as for tk_enc_detect().
 * Lets a message say "the file decodes as CP932" instead of only naming a byte. Pure function. */
tk_enc tk_enc_alternative(tk_enc enc, const char *p, size_t len, int at_eof);

/* A growable byte buffer, owned by whoever embeds it: tk_enc_buf_init()
 * before first use, tk_enc_buf_dispose() after the last. p holds len bytes
 * (not NUL-terminated) and is NULL until something was written. */
typedef struct tk_enc_buf {
    char *p;
    size_t len;
    size_t cap;
} tk_enc_buf;

/* Makes b empty without allocating. */
void tk_enc_buf_init(tk_enc_buf *b);
/* Frees b's memory and leaves it empty (reusable after init). Accepts NULL. */
void tk_enc_buf_dispose(tk_enc_buf *b);

/* Validates or decodes one value p[0..len) (borrowed; typically a CSV
 * field) from enc to UTF-8, and points *out / *outlen at the result:
 *   - TK_ENC_UTF8, TK_ENC_UTF8_BOM: strict UTF-8 (no overlong forms, no
 *     surrogates, nothing above U+10FFFF); *out = p, no copy. A byte order
 *     mark inside p is data (the CSV parser strips the file's own).
 *   - TK_ENC_ASCII: every byte must be below 0x80; *out = p.
 *   - TK_ENC_CP932: a pure-ASCII value is returned as *out = p; otherwise
 *     it is converted into scratch (its previous contents are discarded)
 *     and *out points into scratch, valid until scratch is next used.
 * scratch is borrowed and needed only for CP932 (may be NULL otherwise).
 * On TK_EENCODING, *bad_offset (if bad_offset is not NULL) is the 0-based
 * offset in p of the first byte that does not decode, and the message
 * names the bytes in hex and the offset, e.g. "invalid cp932 byte sequence
 * 0x85 0x20 at byte offset 3" or "invalid utf-8 byte sequence 0xed 0xa0
 * 0x80 at byte offset 0 (surrogate)"; *out and *outlen are then NULL / 0.
 * Returns TK_OK, TK_EENCODING, TK_ENOMEM (scratch could not grow) or
 * TK_EINVAL (enc is TK_ENC_AUTO or TK_ENC_UNKNOWN). */
TK_MUST_CHECK int tk_enc_to_utf8(tk_enc enc, const char *p, size_t len, tk_enc_buf *scratch,
                                 const char **out, size_t *outlen, size_t *bad_offset,
                                 tk_error *err);

/* Appends the CP932 encoding of the UTF-8 text p[0..len) (borrowed) to out
 * (borrowed). Where a character has several CP932 codes the one Windows'
 * WideCharToMultiByte writes is used (JIS X 0208 first, then NEC row 13,
 * then the IBM extensions; never the NEC-selected IBM extensions
 * 0xED40-0xEEFC). U+00A2, U+00A3, U+00AC, U+2016, U+2212 and U+301C are
 * written as their Microsoft look-alikes (0x8191, 0x8192, 0x81CA, 0x8161,
 * 0x817C, 0x8160), which decode to U+FFE0, U+FFE1, U+FFE2, U+2225, U+FF0D
 * and U+FF5E. U+E000-U+E757 become user-defined codes 0xF040-0xF9FC.
 * Returns TK_OK, TK_EENCODING (p is not valid UTF-8, or holds a character
 * CP932 cannot represent: the message gives it as U+XXXX with its byte
 * offset) or TK_ENOMEM; on failure out->len is what it was before. */
TK_MUST_CHECK int tk_enc_utf8_to_cp932(const char *p, size_t len, tk_enc_buf *out, tk_error *err);

#endif
