/* tests/fuzz/fuzz_freetext.c -- libFuzzer target for src/freetext.
 *
 * The first byte selects the mode (bit 0: TK_FREETEXT_CLEAR), the rest is
 * the detail text. Nothing may crash, and every answer must keep the
 * module's promises: the stored form is valid UTF-8; in the pseudonymising
 * mode it is a `;`-separated list of `FIELD=`, `FIELD=*`, `FIELD=#HEX`,
 * `FIELD=#HEX*` and at most one final `#HEX` (HEX: 16 lower-case hex
 * digits) with at most TK_FREETEXT_MAX_CONDITIONS fields, each a short name
 * without separators, and never holds a byte of the input beyond the field
 * names; the clear mode returns valid input unchanged; the same input
 * always gives the same answer. */
#include "src/freetext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

static const uint8_t key[TK_CRYPTO_KEY_SIZE] = "fuzz-key-fuzz-key-fuzz-key-fuzz";

static int valid_utf8(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len;) {
        const unsigned char c = p[i];
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (len - i <= n || p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return 0;
        i += n + 1;
    }
    return 1;
}

static int is_tag(const char *p, size_t len)
{
    if (len != 1 + TK_FREETEXT_TAG_HEX || p[0] != '#')
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return 1;
}

/* Checks the shape of a pseudonymised stored form. */
static void check_shape(const char *p, size_t len)
{
    size_t fields = 0, i = 0;
    int tail = 0;
    while (i < len) {
        CHECK(!tail); /* the free-text tag comes last */
        const char *e = memchr(p + i, ';', len - i);
        const size_t el = e != NULL ? (size_t)(e - (p + i)) : len - i;
        const char *item = p + i;
        const char *eq = memchr(item, '=', el);
        if (eq == NULL) {
            CHECK(is_tag(item, el));
            tail = 1;
        } else {
            const size_t fl = (size_t)(eq - item), vl = el - fl - 1;
            const char *v = eq + 1;
            CHECK(fl > 0 && fl <= 64);
            for (size_t k = 0; k < fl; k++)
                CHECK(item[k] != ' ' && item[k] != ',' && item[k] != '&' && item[k] != ':');
            if (vl > 0 && v[vl - 1] == '*')
                CHECK(vl == 1 || is_tag(v, vl - 1));
            else
                CHECK(vl == 0 || is_tag(v, vl));
            fields++;
        }
        i += el + (e != NULL ? 1 : 0);
        CHECK(e == NULL || i < len); /* no empty item at the end */
    }
    CHECK(fields <= TK_FREETEXT_MAX_CONDITIONS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const int mode = (data[0] & 1) ? TK_FREETEXT_CLEAR : TK_FREETEXT_PSEUDONYMISE;
    const size_t len = size - 1;
    /* Copy the text so ASan catches any read past len. */
    char *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return 0;
    if (len > 0)
        memcpy(copy, data + 1, len);

    tk_freetext *f = NULL;
    tk_error err;
    CHECK(tk_freetext_create(&f, key, &err) == TK_OK);
    tk_view v;
    CHECK(tk_freetext_apply(f, mode, copy, len, &v, &err) == TK_OK);
    char *first = NULL;
    if (v.p != NULL) {
        CHECK(v.len > 0 && valid_utf8((const unsigned char *)v.p, v.len));
        const int valid = valid_utf8((const unsigned char *)copy, len);
        if (mode == TK_FREETEXT_CLEAR && valid) {
            CHECK(v.p == copy && v.len == len);
        } else {
            check_shape(v.p, v.len);
            first = malloc(v.len);
            CHECK(first != NULL);
            memcpy(first, v.p, v.len);
        }
    } else {
        CHECK(v.len == 0);
    }
    const size_t first_len = v.len;
    tk_view again;
    CHECK(tk_freetext_apply(f, mode, copy, len, &again, &err) == TK_OK);
    CHECK((again.p == NULL) == (v.p == NULL) && again.len == first_len);
    if (first != NULL)
        CHECK(memcmp(again.p, first, first_len) == 0);
    free(first);
    tk_freetext_destroy(f);
    free(copy);
    return 0;
}
