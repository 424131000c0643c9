/* tests/fuzz/fuzz_encoding.c -- libFuzzer target for src/encoding.h.
 *
 * The input is taken as UTF-8, as CP932 and as a detection sample:
 *   - the UTF-8 verdict and error offset must match an independent,
 *     straightforward decoder written here from the definition (code point
 *     ranges rather than byte ranges);
 *   - valid UTF-8 that encodes to CP932 must decode back to itself, except
 *     for the six one-way mappings, and encoding must be idempotent;
 *   - CP932 that decodes gives valid UTF-8 that encodes back to CP932 and
 *     decodes to the same text again; a failure's offset leaves a prefix
 *     that decodes;
 *   - detection must agree with those verdicts, as the header states. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Independent UTF-8 check: returns the offset of the first invalid byte, or
 * len. Decodes a sequence by its lead byte's announced length and then
 * rejects overlong forms, surrogates and values above U+10FFFF by value. */
static size_t simple_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const unsigned b = s[i];
        size_t n;
        uint32_t cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 2, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            n = 3, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            n = 4, cp = b & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (len - i < n)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

/* 1 if the two byte strings are equal (either may be NULL when empty). */
static int same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int has_one_way(const char *p, size_t len)
{
    static const char *const one_way[] = {"\xC2\xA2",     "\xC2\xA3",     "\xC2\xAC",
                                          "\xE2\x80\x96", "\xE2\x88\x92", "\xE3\x80\x9C"};
    for (size_t i = 0; i < sizeof one_way / sizeof one_way[0]; i++) {
        const size_t n = strlen(one_way[i]);
        for (size_t k = 0; k + n <= len; k++) {
            if (memcmp(p + k, one_way[i], n) == 0)
                return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *const in = (const char *)data;
    tk_enc_buf scratch, enc1, enc2, scratch2;
    const char *u;
    size_t ulen, bad = 0;
    tk_error err;
    tk_enc_buf_init(&scratch);
    tk_enc_buf_init(&scratch2);
    tk_enc_buf_init(&enc1);
    tk_enc_buf_init(&enc2);

    /* UTF-8. */
    const int utf8_rc = tk_enc_to_utf8(TK_ENC_UTF8, in, size, NULL, &u, &ulen, &bad, &err);
    const size_t simple = simple_utf8_check(data, size);
    if (utf8_rc == TK_OK) {
        if (simple != size || u != in || ulen != size)
            abort();
        if (tk_enc_utf8_to_cp932(in, size, &enc1, &err) == TK_OK) {
            const char *back;
            size_t backlen;
            if (tk_enc_to_utf8(TK_ENC_CP932, enc1.p, enc1.len, &scratch, &back, &backlen, NULL,
                               &err) != TK_OK)
                abort();
            if (!has_one_way(in, size) && !same(back, backlen, in, size))
                abort();
            if (tk_enc_utf8_to_cp932(back, backlen, &enc2, &err) != TK_OK ||
                !same(enc2.p, enc2.len, enc1.p, enc1.len))
                abort();
        } else if (err.code != TK_EENCODING) {
            abort();
        }
    } else {
        if (utf8_rc != TK_EENCODING || simple != bad || bad >= size)
            abort();
        if (tk_enc_utf8_to_cp932(in, size, &enc1, &err) != TK_EENCODING || enc1.len != 0)
            abort();
    }

    /* CP932. */
    const int cp_rc = tk_enc_to_utf8(TK_ENC_CP932, in, size, &scratch, &u, &ulen, &bad, &err);
    if (cp_rc == TK_OK) {
        const char *v;
        size_t vlen;
        if (tk_enc_to_utf8(TK_ENC_UTF8, u, ulen, NULL, &v, &vlen, NULL, &err) != TK_OK)
            abort();
        enc2.len = 0;
        if (tk_enc_utf8_to_cp932(u, ulen, &enc2, &err) != TK_OK)
            abort();
        if (tk_enc_to_utf8(TK_ENC_CP932, enc2.p, enc2.len, &scratch2, &v, &vlen, NULL, &err) !=
                TK_OK ||
            !same(v, vlen, u, ulen))
            abort();
    } else {
        if (cp_rc != TK_EENCODING || bad >= size)
            abort();
        if (tk_enc_to_utf8(TK_ENC_CP932, in, bad, &scratch2, &u, &ulen, NULL, &err) != TK_OK)
            abort();
    }

    /* Detection, whole file, as src/encoding.h promises: a byte order mark
     * decides; NUL bytes making up an eighth of the file mean unknown; ASCII
     * and NUL only is ASCII; valid UTF-8 is UTF-8; valid CP932 is CP932
     * unless UTF-8's evidence outweighs it; anything else is decided on the
     * ratio of valid characters to bad places, never as ASCII. */
    const int has_bom = size >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0;
    const int utf16_bom =
        size >= 2 && (memcmp(in, "\xFF\xFE", 2) == 0 || memcmp(in, "\xFE\xFF", 2) == 0);
    size_t nul = 0, high = 0;
    for (size_t i = 0; i < size; i++) {
        nul += data[i] == 0;
        high += data[i] >= 0x80;
    }
    const tk_enc got = tk_enc_detect(in, size, 1);
    if (has_bom) {
        if (got != TK_ENC_UTF8_BOM)
            abort();
    } else if (utf16_bom || (nul > 0 && nul * 8 >= size)) {
        if (got != TK_ENC_UNKNOWN)
            abort();
    } else if (high == 0) {
        if (got != TK_ENC_ASCII)
            abort();
    } else if (utf8_rc == TK_OK) {
        if (got != TK_ENC_UTF8)
            abort();
    } else if (cp_rc == TK_OK) {
        if (got != TK_ENC_CP932 && got != TK_ENC_UTF8)
            abort();
    } else if (got != TK_ENC_UTF8 && got != TK_ENC_CP932 && got != TK_ENC_UNKNOWN) {
        abort();
    }
    /* A sample of a longer file: never worse than the whole. */
    const tk_enc part = tk_enc_detect(in, size / 2, 0);
    if (part == TK_ENC_AUTO)
        abort();
    if (utf8_rc == TK_OK && got == TK_ENC_UTF8 && nul == 0 && part != TK_ENC_UTF8 &&
        part != TK_ENC_ASCII)
        abort();

    tk_enc_buf_dispose(&scratch);
    tk_enc_buf_dispose(&scratch2);
    tk_enc_buf_dispose(&enc1);
    tk_enc_buf_dispose(&enc2);
    return 0;
}
