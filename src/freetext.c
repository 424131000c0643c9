/* src/freetext.c -- search conditions and remarks turned into pseudonyms.
 *
 * Approach. The text is checked to be valid UTF-8 (anything else is
 * hashed as bytes and never parsed), then folded into f->norm: full-width
 * ASCII to ASCII, half-width katakana (with their voicing marks) and
 * hiragana to full-width katakana, ASCII letters to lower case, tabs, line
 * breaks and U+3000 to an ASCII space, and spaces beside `=` and `:`
 * removed, so that `氏名 ＝ アベ` reads `氏名=アベ`. Folding never makes the
 * text longer, so norm needs no more bytes than the input.
 *
 * The folded text is cut into tokens at separators (`;`, `,`, `&`, `、`,
 * spaces; full-width forms were folded to these), and a token `and` on its
 * own is a separator too. A token whose text before its first `=` or `:` is
 * a field name (not empty, not starting with a digit, at most 64 bytes)
 * starts a new segment; tokens that do not continue the current one, so
 * `住所=大和町 1丁目` is one condition and `時刻=10:00` too. A segment whose
 * field is a known search field (the list below) is a condition: its value
 * runs from after the `=` to the end of its last token, spaces removed. Any
 * other segment -- text before the first condition, a condition on a field
 * not in the list, conditions beyond TK_FREETEXT_MAX_CONDITIONS -- is free
 * text: all of it, spaces removed, segments joined by `;`, gets one
 * pseudonym. Field names outside the list are not kept in clear because a
 * text such as `山田太郎:来庁` has the shape of a condition too.
 *
 * Pseudonyms are HMAC-SHA-256 under a key derived for this purpose
 * (TK_FREETEXT_KEY_LABEL), of `field NUL value` for a condition, `NUL
 * text` for free text and `NUL 0xFF bytes` for invalid UTF-8 (folded text
 * is valid UTF-8 and never holds 0xFF, so the three never meet), cut to
 * the first 8 bytes: 64 bits keep the chance that two of a city's distinct
 * values share a pseudonym negligible, and the cut tag says nothing more
 * about the value than the whole would. */
#include "src/freetext.h"

#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/strmap.h"

#define FIELD_MAX 64
#define TAG_BYTES (TK_FREETEXT_TAG_HEX / 2)

/* Search fields whose names are kept in clear, in folded form (katakana,
 * lower-case ASCII, ASCII parentheses). */
static const char *const known_fields[] = {
    "氏名",      "名前",     "姓",           "名",         "氏",         "カナ氏名", "氏名カナ",
    "カナ",      "フリガナ", "漢字氏名",     "氏名(カナ)", "氏名(漢字)", "旧氏",     "通称",
    "通称名",    "生年月日", "生年",         "年齢",       "性別",       "住所",     "現住所",
    "住所地",    "方書",     "町名",         "町丁",       "町丁名",     "丁目",     "番地",
    "地番",      "郵便番号", "本籍",         "筆頭者",     "世帯主",     "世帯主名", "世帯番号",
    "宛名番号",  "個人番号", "住民票コード", "電話番号",   "続柄",       "name",     "kana",
    "name_kana", "birth",    "birthday",     "birthdate",  "birth_date", "dob",      "sex",
    "gender",    "address",  "addr",         "zip",        "postcode",   "phone",    "tel",
    "household", NULL};

/* Remembered results. A remarks column repeats a few values (窓口, 電話照会,
 * 定型出力) on millions of rows, and each would cost an HMAC; short inputs
 * and their stored form are kept in a small direct-mapped table keyed by
 * the input's hash. It holds clear text, so it is wiped with the rest. */
enum { MEMO_SLOTS = 64, MEMO_IN = 96, MEMO_OUT = 160 };

struct memo {
    size_t inlen;  /* 0: empty slot */
    size_t outlen; /* 0: the text has nothing to keep */
    char in[MEMO_IN];
    char out[MEMO_OUT];
};

struct tk_freetext {
    struct memo memo[MEMO_SLOTS];
    tk_crypto_hmac *hmac;
    char *buf; /* norm | val | text | out, sized for the current input */
    size_t cap;
    char *norm, *val, *text, *out;
    size_t nout, ntext, ncond;
};

int tk_freetext_create(tk_freetext **out, const uint8_t key[TK_CRYPTO_KEY_SIZE], tk_error *err)
{
    tk_freetext *f;
    int rc;

    *out = NULL;
    f = tk_calloc(1, sizeof *f);
    if (f == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    rc = tk_crypto_hmac_create(&f->hmac, key, err);
    if (rc != TK_OK) {
        tk_free(f);
        return rc;
    }
    *out = f;
    return TK_OK;
}

void tk_freetext_destroy(tk_freetext *f)
{
    if (f == NULL)
        return;
    tk_crypto_hmac_destroy(f->hmac);
    tk_crypto_wipe(f->memo, sizeof f->memo);
    if (f->buf != NULL)
        tk_crypto_wipe(f->buf, f->cap);
    tk_free(f->buf);
    tk_free(f);
}

/* ---- UTF-8 ----------------------------------------------------------------- */

/* Length of the valid UTF-8 character at p[i..len), or 0 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *p, size_t len, size_t i)
{
    const unsigned char c = p[i];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (len - i < n || p[i + 1] < lo || p[i + 1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if (p[i + k] < 0x80 || p[i + k] > 0xBF)
            return 0;
    return n;
}

static int utf8_valid(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len;) {
        const size_t n = utf8_len(p, len, i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

/* The code point of the valid character of n bytes at p. */
static uint32_t decode(const unsigned char *p, size_t n)
{
    switch (n) {
    case 1:
        return p[0];
    case 2:
        return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    case 3:
        return ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    default:
        return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
               ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    }
}

static size_t encode(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- folding ----------------------------------------------------------------- */

/* Half-width katakana U+FF66..U+FF9D to full-width (U+30xx). */
static const uint16_t halfwidth_kana[] = {
    0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, /* FF66 */
    0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, /* FF70 */
    0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, /* FF7A */
    0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, /* FF84 */
    0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9, /* FF8E */
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3,                                 /* FF98 */
};

/* Half-width punctuation U+FF61..U+FF65 to its full-width form. */
static const uint16_t halfwidth_punct[] = {0x3002, 0x300C, 0x300D, 0x3001, 0x30FB};

/* Folds the valid UTF-8 text p[0..len) into o; returns the folded length
 * (at most len). */
static size_t fold(const unsigned char *p, size_t len, char *o)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const size_t w = utf8_len(p, len, i);
        uint32_t cp = decode(p + i, w);
        i += w;
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            cp -= 0xFEE0;
        } else if (cp == 0x3000 || cp == '\t' || cp == '\r' || cp == '\n') {
            cp = ' ';
        } else if (cp >= 0xFF61 && cp <= 0xFF65) {
            cp = halfwidth_punct[cp - 0xFF61];
        } else if (cp >= 0xFF66 && cp <= 0xFF9D) {
            cp = halfwidth_kana[cp - 0xFF66];
            const size_t mw = i < len ? utf8_len(p, len, i) : 0;
            const uint32_t mark = mw > 0 ? decode(p + i, mw) : 0;
            const int voiceable = (cp >= 0x30AB && cp <= 0x30C8 && cp != 0x30C3) ||
                                  (cp >= 0x30CF && cp <= 0x30DB) || cp == 0x30A6;
            const int semi = cp >= 0x30CF && cp <= 0x30DB;
            if (mark == 0xFF9E && voiceable) {
                cp = cp == 0x30A6 ? 0x30F4 : cp + 1;
                i += mw;
            } else if (mark == 0xFF9F && semi) {
                cp += 2;
                i += mw;
            }
        } else if (cp == 0xFF9E || cp == 0xFF9F) {
            cp = cp == 0xFF9E ? 0x309B : 0x309C;
        } else if (cp >= 0x3041 && cp <= 0x3096) {
            cp += 0x60;
        }
        if (cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        if (cp == ' ' && n > 0 && (o[n - 1] == '=' || o[n - 1] == ':' || o[n - 1] == ' '))
            continue;
        if (cp == '=' || cp == ':') {
            while (n > 0 && o[n - 1] == ' ')
                n--;
        }
        n += encode(cp, o + n);
    }
    return n;
}

/* ---- tokens and segments ------------------------------------------------------ */

/* Width of the separator at p[i..len), or 0. */
static size_t sep_at(const char *p, size_t len, size_t i)
{
    const char c = p[i];
    if (c == ';' || c == ',' || c == '&' || c == ' ')
        return 1;
    if ((unsigned char)c == 0xE3 && len - i >= 3 && (unsigned char)p[i + 1] == 0x80 &&
        (unsigned char)p[i + 2] == 0x81)
        return 3; /* 、 */
    return 0;
}

/* 1 if p[0..len) is a known search field. */
static int known_field(const char *p, size_t len)
{
    for (size_t k = 0; known_fields[k] != NULL; k++)
        if (strlen(known_fields[k]) == len && memcmp(known_fields[k], p, len) == 0)
            return 1;
    return 0;
}

/* Appends p[0..len) to dst at *n, without spaces. */
static void put_nospace(char *dst, size_t *n, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ')
            dst[(*n)++] = p[i];
}

static void put(tk_freetext *f, const char *p, size_t len)
{
    memcpy(f->out + f->nout, p, len);
    f->nout += len;
}

/* Writes '#' and the tag of (a NUL b) to the output. */
static int put_tag(tk_freetext *f, const char *a, size_t alen, const char *b, size_t blen,
                   tk_error *err)
{
    uint8_t mac[TK_CRYPTO_HMAC_SIZE];
    char hex[2 * TAG_BYTES + 1];
    int rc = tk_crypto_hmac_update(f->hmac, a, alen, err);
    if (rc == TK_OK)
        rc = tk_crypto_hmac_update(f->hmac, "", 1, err);
    if (rc == TK_OK)
        rc = tk_crypto_hmac_update(f->hmac, b, blen, err);
    tk_crypto_hmac_final(f->hmac, mac);
    if (rc != TK_OK)
        return rc;
    tk_crypto_hex(mac, TAG_BYTES, hex);
    put(f, "#", 1);
    put(f, hex, 2 * TAG_BYTES);
    return TK_OK;
}

/* Closes the segment norm[start..end) whose field is norm[start..fend)
 * (fend == start: no field) and whose value starts at vstart. */
static int close_segment(tk_freetext *f, size_t start, size_t fend, size_t vstart, size_t end,
                         tk_error *err)
{
    if (end <= start)
        return TK_OK;
    const int cond = fend > start && known_field(f->norm + start, fend - start) &&
                     f->ncond < TK_FREETEXT_MAX_CONDITIONS;
    if (!cond) {
        if (f->ntext > 0)
            f->text[f->ntext++] = ';';
        put_nospace(f->text, &f->ntext, f->norm + start, end - start);
        return TK_OK;
    }
    size_t nval = 0;
    int wild = 0;
    put_nospace(f->val, &nval, f->norm + vstart, end - vstart);
    while (nval > 0 && f->val[nval - 1] == '*') {
        nval--;
        wild = 1;
    }
    if (f->nout > 0)
        put(f, ";", 1);
    put(f, f->norm + start, fend - start);
    put(f, "=", 1);
    if (nval > 0) {
        const int rc = put_tag(f, f->norm + start, fend - start, f->val, nval, err);
        if (rc != TK_OK)
            return rc;
    }
    if (wild)
        put(f, "*", 1);
    f->ncond++;
    return TK_OK;
}

/* Makes room for an input of len bytes: norm, val and text hold at most
 * len bytes each (text: len plus one `;` per segment, and segments are
 * separated by at least one input byte), out the conditions and a tag. */
static int reserve(tk_freetext *f, size_t len, tk_error *err)
{
    enum {
        OUT_MAX = TK_FREETEXT_MAX_CONDITIONS * (FIELD_MAX + TK_FREETEXT_TAG_HEX + 4) +
                  TK_FREETEXT_TAG_HEX + 4
    };
    size_t need;
    if (!tk_mul_size(len, 4, &need) || !tk_add_size(need, OUT_MAX, &need))
        return tk_error_set(err, TK_ENOMEM, "detail of %zu bytes is too long", len);
    if (need > f->cap) {
        char *b = tk_alloc(need);
        if (b == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory");
        if (f->buf != NULL)
            tk_crypto_wipe(f->buf, f->cap);
        tk_free(f->buf);
        f->buf = b;
        f->cap = need;
    }
    f->norm = f->buf;
    f->val = f->norm + len;
    f->text = f->val + len;
    f->out = f->text + 2 * len;
    f->nout = f->ntext = f->ncond = 0;
    return TK_OK;
}

static int apply(tk_freetext *f, int mode, const char *p, size_t len, tk_view *out, tk_error *err)
{
    const unsigned char *u = (const unsigned char *)p;
    int rc;

    out->p = NULL;
    out->len = 0;
    if (len == 0)
        return TK_OK;
    const int valid = utf8_valid(u, len);
    if (valid && mode == TK_FREETEXT_CLEAR) {
        out->p = p;
        out->len = len;
        return TK_OK;
    }
    rc = reserve(f, len, err);
    if (rc != TK_OK)
        return rc;
    if (!valid) {
        /* Never parsed: one tag of NUL 0xFF and the bytes. */
        uint8_t mac[TK_CRYPTO_HMAC_SIZE];
        char hex[2 * TAG_BYTES + 1];
        rc = tk_crypto_hmac_update(f->hmac, "\0\xff", 2, err);
        if (rc == TK_OK)
            rc = tk_crypto_hmac_update(f->hmac, p, len, err);
        tk_crypto_hmac_final(f->hmac, mac);
        if (rc == TK_OK) {
            tk_crypto_hex(mac, TAG_BYTES, hex);
            put(f, "#", 1);
            put(f, hex, 2 * TAG_BYTES);
        }
        goto done;
    }

    const size_t n = fold(u, len, f->norm);
    const char *s = f->norm;
    /* The open segment (if open): its start, the end of its field name
     * (== start: none), the start of its value and the end of its last
     * token. */
    int open = 0;
    size_t start = 0, fend = 0, vstart = 0, last = 0;
    for (size_t i = 0; i < n;) {
        size_t w = sep_at(s, n, i);
        if (w > 0) {
            i += w;
            continue;
        }
        size_t e = i;
        while (e < n && sep_at(s, n, e) == 0)
            e++;
        if (e - i == 3 && memcmp(s + i, "and", 3) == 0) {
            i = e;
            continue;
        }
        size_t k = i;
        while (k < e && s[k] != '=' && s[k] != ':')
            k++;
        const int starts = k < e && k > i && k - i <= FIELD_MAX && !(s[i] >= '0' && s[i] <= '9');
        if (starts || !open) {
            if (open) {
                rc = close_segment(f, start, fend, vstart, last, err);
                if (rc != TK_OK)
                    goto done;
            }
            open = 1;
            start = i;
            fend = starts ? k : i;
            vstart = starts ? k + 1 : i;
        }
        last = e;
        i = e;
    }
    if (open) {
        rc = close_segment(f, start, fend, vstart, last, err);
        if (rc != TK_OK)
            goto done;
    }
    if (f->ntext > 0) {
        if (f->nout > 0)
            put(f, ";", 1);
        rc = put_tag(f, "", 0, f->text, f->ntext, err);
    }
done:
    if (rc != TK_OK)
        return rc;
    if (f->nout > 0) {
        out->p = f->out;
        out->len = f->nout;
    }
    return TK_OK;
}

int tk_freetext_apply(tk_freetext *f, int mode, const char *p, size_t len, tk_view *out,
                      tk_error *err)
{
    if (mode == TK_FREETEXT_CLEAR || len == 0 || len > MEMO_IN)
        return apply(f, mode, p, len, out, err);
    struct memo *m = &f->memo[tk_strmap_hash(p, len) % MEMO_SLOTS];
    if (m->inlen == len && memcmp(m->in, p, len) == 0) {
        out->p = m->outlen > 0 ? m->out : NULL;
        out->len = m->outlen;
        return TK_OK;
    }
    const int rc = apply(f, mode, p, len, out, err);
    if (rc == TK_OK && out->len <= MEMO_OUT) {
        memcpy(m->in, p, len);
        m->inlen = len;
        if (out->len > 0)
            memcpy(m->out, out->p, out->len);
        m->outlen = out->len;
    }
    return rc;
}
