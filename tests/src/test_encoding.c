/* tests/src/test_encoding.c -- tests of src/encoding.h: names, detection,
 * strict UTF-8, CP932 decoding against known characters and the whole code
 * space, Windows' choice among duplicate codes when encoding, and error
 * offsets and messages. */
#include <stdint.h>
#include <string.h>

#include "src/alloc.h"
#include "src/encoding.h"
#include "tests/test.h"

/* Decodes len bytes from enc; on success copies the UTF-8 into out (NUL-
 * terminated, at most cap - 1 bytes) and returns TK_OK. */
static int decode(tk_enc enc, const char *p, size_t len, char *out, size_t cap, size_t *bad,
                  tk_error *err)
{
    tk_enc_buf scratch;
    const char *u = NULL;
    size_t ulen = 0;
    tk_enc_buf_init(&scratch);
    const int rc = tk_enc_to_utf8(enc, p, len, &scratch, &u, &ulen, bad, err);
    if (rc == TK_OK) {
        if (ulen >= cap)
            ulen = cap - 1;
        memcpy(out, u, ulen);
        out[ulen] = '\0';
    }
    tk_enc_buf_dispose(&scratch);
    return rc;
}

static void test_names(void)
{
    static const struct {
        const char *name;
        tk_enc enc;
    } cases[] = {
        {"auto", TK_ENC_AUTO},         {"utf-8", TK_ENC_UTF8},         {"UTF-8", TK_ENC_UTF8},
        {"utf8", TK_ENC_UTF8},         {"utf-8-bom", TK_ENC_UTF8_BOM}, {"cp932", TK_ENC_CP932},
        {"Shift_JIS", TK_ENC_CP932},   {"shift_jis", TK_ENC_CP932},    {"sjis", TK_ENC_CP932},
        {"Windows-31J", TK_ENC_CP932}, {"windows-31j", TK_ENC_CP932},  {"ascii", TK_ENC_ASCII},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tk_enc e = TK_ENC_UNKNOWN;
        TK_CHECK_INT(tk_enc_parse_name(cases[i].name, &e), TK_OK);
        TK_CHECK_INT(e, cases[i].enc);
    }
    tk_enc e = TK_ENC_UTF8;
    TK_CHECK_INT(tk_enc_parse_name("euc-jp", &e), TK_EINVAL);
    TK_CHECK_INT(tk_enc_parse_name("", &e), TK_EINVAL);
    TK_CHECK_INT(tk_enc_parse_name("utf-8 ", &e), TK_EINVAL);
    TK_CHECK_INT(e, TK_ENC_UTF8); /* unchanged on failure */

    const tk_enc all[] = {TK_ENC_AUTO, TK_ENC_ASCII, TK_ENC_UTF8, TK_ENC_UTF8_BOM, TK_ENC_CP932};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        TK_CHECK_INT(tk_enc_parse_name(tk_enc_name(all[i]), &e), TK_OK);
        TK_CHECK_INT(e, all[i]);
    }
    TK_CHECK_STR(tk_enc_name(TK_ENC_CP932), "cp932");
    TK_CHECK_STR(tk_enc_name(TK_ENC_UTF8_BOM), "utf-8-bom");
    TK_CHECK_STR(tk_enc_name(TK_ENC_UNKNOWN), "unknown");
}

static void test_cp932_known(void)
{
    static const struct {
        const char *cp932, *utf8;
    } cases[] = {
        /* 住民基本台帳 */
        {"\x8F\x5A\x96\xAF\x8A\xEE\x96\x7B\x91\xE4\x92\xA0",
         "\xE4\xBD\x8F\xE6\xB0\x91\xE5\x9F\xBA\xE6\x9C\xAC\xE5\x8F\xB0\xE5\xB8\xB3"},
        {"\x87\x40", "\xE2\x91\xA0"},             /* ① NEC row 13 */
        {"\x87\x8A", "\xE3\x88\xB1"},             /* ㈱ */
        {"\xFB\xFC", "\xE9\xAB\x99"},             /* 髙 IBM extension */
        {"\xEE\xE0", "\xE9\xAB\x99"},             /* 髙 NEC-selected IBM extension */
        {"\x81\x60", "\xEF\xBD\x9E"},             /* ～ U+FF5E, Microsoft's wave dash */
        {"\x81\x5F", "\xEF\xBC\xBC"},             /* ＼ U+FF3C */
        {"\xF0\x40", "\xEE\x80\x80"},             /* first user-defined: U+E000 */
        {"\xF9\xFC", "\xEE\x9D\x97"},             /* last user-defined: U+E757 */
        {"\xB1\xDF", "\xEF\xBD\xB1\xEF\xBE\x9F"}, /* ｱﾟ half-width katakana */
        {"C:\\tmp", "C:\\tmp"},                   /* 0x5C stays a backslash */
        {"ID=\x8F\xC6\x89\xEF"
         "A1",
         "ID=\xE7\x85\xA7\xE4\xBC\x9A"
         "A1"}, /* 照会 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        tk_error err;
        TK_CHECK_INT(decode(TK_ENC_CP932, cases[i].cp932, strlen(cases[i].cp932), out, sizeof out,
                            NULL, &err),
                     TK_OK);
        TK_CHECK_STR(out, cases[i].utf8);
    }
}

static void test_ascii_zero_copy(void)
{
    const char *const s = "2024/10/01 09:15:02,A123,LOGON";
    const tk_enc encs[] = {TK_ENC_UTF8, TK_ENC_UTF8_BOM, TK_ENC_CP932, TK_ENC_ASCII};
    for (size_t i = 0; i < sizeof encs / sizeof encs[0]; i++) {
        tk_enc_buf scratch;
        const char *u = NULL;
        size_t ulen = 0;
        tk_enc_buf_init(&scratch);
        TK_CHECK_INT(tk_enc_to_utf8(encs[i], s, strlen(s), &scratch, &u, &ulen, NULL, NULL), TK_OK);
        TK_CHECK(u == s);
        TK_CHECK_INT(ulen, strlen(s));
        TK_CHECK(scratch.p == NULL); /* nothing allocated */
        tk_enc_buf_dispose(&scratch);
    }
    /* Valid UTF-8 is not copied either. */
    const char *const j = "\xE7\x85\xA7\xE4\xBC\x9A";
    const char *u = NULL;
    size_t ulen = 0;
    TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_UTF8, j, 6, NULL, &u, &ulen, NULL, NULL), TK_OK);
    TK_CHECK(u == j && ulen == 6);
    /* Empty values. */
    TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_CP932, "", 0, NULL, &u, &ulen, NULL, NULL), TK_OK);
    TK_CHECK_INT(ulen, 0);
}

static void test_cp932_invalid(void)
{
    static const struct {
        const char *in;
        size_t len, bad;
        const char *msg;
    } cases[] = {
        {"abc\x85 x", 6, 3, "invalid cp932 byte sequence 0x85 0x20 at byte offset 3"},
        {"\x80", 1, 0, "invalid cp932 byte sequence 0x80 at byte offset 0"},
        {"\x82\xA0\xA0", 3, 2, "invalid cp932 byte sequence 0xa0 at byte offset 2"},
        {"\xFD", 1, 0, "invalid cp932 byte sequence 0xfd at byte offset 0"},
        {"\xFF\xFE", 2, 0, "invalid cp932 byte sequence 0xff at byte offset 0"},
        {"\x81\x7F", 2, 0, "invalid cp932 byte sequence 0x81 0x7f at byte offset 0"},
        {"\x81\xFD", 2, 0, "invalid cp932 byte sequence 0x81 0xfd at byte offset 0"},
        {"\x81\x39", 2, 0, "invalid cp932 byte sequence 0x81 0x39 at byte offset 0"},
        {"\xEB\x40", 2, 0, "invalid cp932 byte sequence 0xeb 0x40 at byte offset 0"},
        {"\xFC\x4C", 2, 0, "invalid cp932 byte sequence 0xfc 0x4c at byte offset 0"},
        {"ab\x82", 3, 2, "invalid cp932 byte sequence 0x82 at byte offset 2 (cut at end of value)"},
        {"\x87\x40\x85\x40", 4, 2, "invalid cp932 byte sequence 0x85 0x40 at byte offset 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        tk_error err;
        size_t bad = 999;
        TK_CHECK_INT(decode(TK_ENC_CP932, cases[i].in, cases[i].len, out, sizeof out, &bad, &err),
                     TK_EENCODING);
        TK_CHECK_INT(err.code, TK_EENCODING);
        TK_CHECK_INT(bad, cases[i].bad);
        TK_CHECK_STR(err.msg, cases[i].msg);
    }
}

/* Windows' preference among codes of one character: JIS X 0208, then NEC
 * row 13, then IBM extensions, never NEC-selected IBM extensions. Written
 * independently of the generator, from the published rule. */
static int windows_rank(unsigned code)
{
    const unsigned lead = code >> 8;
    if (lead == 0xED || lead == 0xEE)
        return 3;
    if (lead >= 0xFA && lead <= 0xFC)
        return 2;
    if (lead == 0x87)
        return 1;
    return 0;
}

/* Decodes one UTF-8 BMP character of n bytes. */
static unsigned utf8_cp(const unsigned char *u, size_t n)
{
    if (n == 1)
        return u[0];
    if (n == 2)
        return ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu);
    return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
}

static void test_cp932_whole_table(void)
{
    static unsigned short best[65536]; /* code point -> preferred code */
    unsigned decodable = 0, user_defined = 0, duplicates = 0;
    tk_enc_buf scratch, enc;
    tk_enc_buf_init(&scratch);
    tk_enc_buf_init(&enc);
    memset(best, 0, sizeof best);

    /* Pass 1: every two-byte code that decodes gives one BMP character. */
    for (unsigned lead = 0x81; lead <= 0xFC; lead++) {
        if (lead >= 0xA0 && lead <= 0xDF)
            continue;
        for (unsigned trail = 0x40; trail <= 0xFC; trail++) {
            const char in[2] = {(char)lead, (char)trail};
            const char *u;
            size_t ulen, bad;
            if (tk_enc_to_utf8(TK_ENC_CP932, in, 2, &scratch, &u, &ulen, &bad, NULL) != TK_OK) {
                TK_CHECK_INT(bad, 0);
                continue;
            }
            decodable++;
            TK_REQUIRE(ulen >= 2 && ulen <= 3);
            const unsigned cp = utf8_cp((const unsigned char *)u, ulen);
            const unsigned code = (lead << 8) | trail;
            if (lead >= 0xF0 && lead <= 0xF9) {
                /* User-defined area, in order, onto U+E000.. */
                const unsigned idx = (lead - 0xF0) * 188 + (trail - 0x40) - (trail > 0x7F);
                TK_CHECK_INT(cp, 0xE000 + idx);
                user_defined++;
            }
            if (best[cp] != 0) {
                duplicates++;
                if (windows_rank(code) < windows_rank(best[cp]))
                    best[cp] = (unsigned short)code;
            } else {
                best[cp] = (unsigned short)code;
            }
        }
    }
    TK_CHECK_INT(decodable, 9604);
    TK_CHECK_INT(user_defined, 1880);
    TK_CHECK_INT(duplicates, 398);

    /* Pass 2: every decodable character encodes to Windows' code. */
    unsigned checked = 0;
    for (unsigned cp = 0x80; cp < 0x10000; cp++) {
        if (best[cp] == 0)
            continue;
        char u[3];
        const size_t n = cp < 0x800 ? 2 : 3;
        if (n == 2) {
            u[0] = (char)(0xC0 | (cp >> 6));
            u[1] = (char)(0x80 | (cp & 0x3F));
        } else {
            u[0] = (char)(0xE0 | (cp >> 12));
            u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            u[2] = (char)(0x80 | (cp & 0x3F));
        }
        enc.len = 0;
        TK_CHECK_INT(tk_enc_utf8_to_cp932(u, n, &enc, NULL), TK_OK);
        TK_CHECK_INT(enc.len, 2);
        if (enc.len == 2) {
            const unsigned got = ((unsigned)(unsigned char)enc.p[0] << 8) | (unsigned char)enc.p[1];
            if (got != best[cp])
                fprintf(stderr, "U+%04X encodes to 0x%04X, expected 0x%04X\n", cp, got, best[cp]);
            TK_CHECK(got == best[cp]);
        }
        checked++;
    }
    TK_CHECK_INT(checked, 9604 - 398);

    /* Single bytes: ASCII and half-width katakana round-trip. */
    for (unsigned b = 0x01; b <= 0xDF; b++) {
        if (b >= 0x80 && b < 0xA1)
            continue;
        const char in[1] = {(char)b};
        const char *u;
        size_t ulen;
        TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_CP932, in, 1, &scratch, &u, &ulen, NULL, NULL), TK_OK);
        enc.len = 0;
        TK_CHECK_INT(tk_enc_utf8_to_cp932(u, ulen, &enc, NULL), TK_OK);
        TK_CHECK(enc.len == 1 && (unsigned char)enc.p[0] == b);
    }
    tk_enc_buf_dispose(&scratch);
    tk_enc_buf_dispose(&enc);
}

static void test_cp932_encode(void)
{
    static const struct {
        const char *utf8, *cp932;
    } cases[] = {
        {"\xE2\x85\xB0", "\xFA\x40"}, /* ⅰ: IBM, not NEC-selected 0xEEEF */
        {"\xE7\xBA\x8A", "\xFA\x5C"}, /* 纊 */
        {"\xE9\xAB\x99", "\xFB\xFC"}, /* 髙 */
        {"\xE2\x85\xA0", "\x87\x54"}, /* Ⅰ: NEC row 13, not 0xFA4A */
        {"\xE2\x88\xB5", "\x81\xE6"}, /* ∵: JIS, not 0x879A / 0xFA5B */
        {"\xEF\xBF\xA2", "\x81\xCA"}, /* ￢: JIS, not 0xEEF9 / 0xFA54 */
        {"\xE3\x88\xB1", "\x87\x8A"}, /* ㈱ */
        {"\xE3\x80\x9C", "\x81\x60"}, /* 〜 U+301C, one way */
        {"\xE2\x88\x92", "\x81\x7C"}, /* − U+2212, one way */
        {"\xE2\x80\x96", "\x81\x61"}, /* ‖ U+2016, one way */
        {"\xC2\xA2\xC2\xA3\xC2\xAC", "\x81\x91\x81\x92\x81\xCA"}, /* ¢£¬ */
        {"\xEE\x80\x80", "\xF0\x40"},                             /* U+E000 */
        {"\xEF\xBD\xB1", "\xB1"},                                 /* ｱ */
        {"a\\~", "a\\~"},
    };
    tk_enc_buf out;
    tk_enc_buf_init(&out);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        out.len = 0;
        TK_CHECK_INT(tk_enc_utf8_to_cp932(cases[i].utf8, strlen(cases[i].utf8), &out, NULL), TK_OK);
        TK_CHECK(out.len == strlen(cases[i].cp932) && memcmp(out.p, cases[i].cp932, out.len) == 0);
    }

    /* Appends, and leaves out alone on failure. */
    out.len = 0;
    TK_CHECK_INT(tk_enc_utf8_to_cp932("ab", 2, &out, NULL), TK_OK);
    tk_error err;
    TK_CHECK_INT(tk_enc_utf8_to_cp932("x\xC3\xA9", 3, &out, &err), TK_EENCODING);
    TK_CHECK_STR(err.msg, "character U+00E9 at byte offset 1 has no cp932 code");
    TK_CHECK_INT(out.len, 2);
    TK_CHECK_INT(tk_enc_utf8_to_cp932("\xF0\x9F\x98\x80", 4, &out, &err), TK_EENCODING);
    TK_CHECK_STR(err.msg, "character U+1F600 at byte offset 0 has no cp932 code");
    TK_CHECK_INT(tk_enc_utf8_to_cp932("\xC2\x80", 2, &out, &err), TK_EENCODING);
    TK_CHECK_INT(tk_enc_utf8_to_cp932("\xEF\xA3\xB0", 3, &out, &err), TK_EENCODING); /* U+F8F0 */
    TK_CHECK_INT(tk_enc_utf8_to_cp932("ok\xED\xA0\x80", 5, &out, &err), TK_EENCODING);
    TK_CHECK_STR(err.msg,
                 "invalid utf-8 byte sequence 0xed 0xa0 0x80 at byte offset 2 (surrogate)");
    TK_CHECK_INT(tk_enc_utf8_to_cp932("cd", 2, &out, NULL), TK_OK);
    TK_CHECK(out.len == 4 && memcmp(out.p, "abcd", 4) == 0);
    tk_enc_buf_dispose(&out);
    tk_enc_buf_dispose(&out); /* disposing twice is harmless */
    tk_enc_buf_dispose(NULL);
}

static void test_utf8_strict(void)
{
    static const struct {
        const char *in;
        size_t len, bad;
        const char *msg; /* NULL: valid */
    } cases[] = {
        {"\xC0\xAF", 2, 0,
         "invalid utf-8 byte sequence 0xc0 0xaf at byte offset 0 (overlong encoding)"},
        {"ab\xC1\xBF", 4, 2,
         "invalid utf-8 byte sequence 0xc1 0xbf at byte offset 2 (overlong encoding)"},
        {"\xE0\x80\xAF", 3, 0,
         "invalid utf-8 byte sequence 0xe0 0x80 0xaf at byte offset 0 (overlong encoding)"},
        {"\xF0\x80\x80\xAF", 4, 0,
         "invalid utf-8 byte sequence 0xf0 0x80 0x80 0xaf at byte offset 0 (overlong encoding)"},
        {"x\xED\xA0\x80", 4, 1,
         "invalid utf-8 byte sequence 0xed 0xa0 0x80 at byte offset 1 (surrogate)"},
        {"\xED\xBF\xBF", 3, 0,
         "invalid utf-8 byte sequence 0xed 0xbf 0xbf at byte offset 0 (surrogate)"},
        {"\xF4\x90\x80\x80", 4, 0,
         "invalid utf-8 byte sequence 0xf4 0x90 0x80 0x80 at byte offset 0 (above U+10FFFF)"},
        {"\xF5\x80\x80\x80", 4, 0,
         "invalid utf-8 byte sequence 0xf5 at byte offset 0 (invalid byte)"},
        {"\xFF", 1, 0, "invalid utf-8 byte sequence 0xff at byte offset 0 (invalid byte)"},
        {"a\x80", 2, 1,
         "invalid utf-8 byte sequence 0x80 at byte offset 1 (unexpected continuation byte)"},
        {"\xE3\x81", 2, 0,
         "invalid utf-8 byte sequence 0xe3 0x81 at byte offset 0 (truncated sequence)"},
        {"\xE3\x81"
         "A",
         3, 0, "invalid utf-8 byte sequence 0xe3 0x81 0x41 at byte offset 0 (truncated sequence)"},
        {"12345678\xE3\x81\x82\x82", 12, 11,
         "invalid utf-8 byte sequence 0x82 at byte offset 11 (unexpected continuation byte)"},
        {"\xF0\x9F\x98\x80", 4, 0, NULL},         /* U+1F600 */
        {"\xF4\x8F\xBF\xBF", 4, 0, NULL},         /* U+10FFFF */
        {"\xEF\xBF\xBF", 3, 0, NULL},             /* U+FFFF */
        {"\xED\x9F\xBF\xEE\x80\x80", 6, 0, NULL}, /* U+D7FF U+E000 */
        {"\xC2\x80\xDF\xBF", 4, 0, NULL},         /* U+0080 U+07FF */
        {"\xE0\xA0\x80", 3, 0, NULL},             /* U+0800 */
        {"\xF0\x90\x80\x80", 4, 0, NULL},         /* U+10000 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *u = NULL;
        size_t ulen = 0, bad = 999;
        tk_error err;
        const int rc =
            tk_enc_to_utf8(TK_ENC_UTF8, cases[i].in, cases[i].len, NULL, &u, &ulen, &bad, &err);
        if (cases[i].msg == NULL) {
            TK_CHECK_INT(rc, TK_OK);
            TK_CHECK(u == cases[i].in && ulen == cases[i].len);
        } else {
            TK_CHECK_INT(rc, TK_EENCODING);
            TK_CHECK(u == NULL && ulen == 0);
            TK_CHECK_INT(bad, cases[i].bad);
            TK_CHECK_STR(err.msg, cases[i].msg);
        }
    }

    const char *u;
    size_t ulen, bad;
    tk_error err;
    TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_ASCII, "abc\xE3\x81\x82", 6, NULL, &u, &ulen, &bad, &err),
                 TK_EENCODING);
    TK_CHECK_INT(bad, 3);
    TK_CHECK_STR(err.msg, "invalid ascii byte 0xe3 at byte offset 3");
    TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_AUTO, "abc", 3, NULL, &u, &ulen, &bad, &err), TK_EINVAL);
    TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_UNKNOWN, "abc", 3, NULL, &u, &ulen, &bad, &err), TK_EINVAL);
}

static void test_detect(void)
{
    const char *const cp932 = "\x8F\x5A\x96\xAF\x8A\xEE\x96\x7B,\x87\x40,\x81\x60\r\n";
    const char *const utf8 = "\xE4\xBD\x8F\xE6\xB0\x91,\xE2\x91\xA0\n";
    TK_CHECK_INT(tk_enc_detect("\xEF\xBB\xBF"
                               "a,b\n",
                               7, 1),
                 TK_ENC_UTF8_BOM);
    TK_CHECK_INT(tk_enc_detect("\xEF\xBB\xBF", 3, 0), TK_ENC_UTF8_BOM);
    TK_CHECK_INT(tk_enc_detect("\xEF\xBB", 2, 0), TK_ENC_ASCII); /* may be a BOM: undecided */
    TK_CHECK_INT(tk_enc_detect("a,b\r\n1,2\r\n", 10, 0), TK_ENC_ASCII);
    TK_CHECK_INT(tk_enc_detect("a,b\r\n1,2\r\n", 10, 1), TK_ENC_ASCII);
    TK_CHECK_INT(tk_enc_detect("", 0, 1), TK_ENC_ASCII);
    TK_CHECK_INT(tk_enc_detect(utf8, strlen(utf8), 1), TK_ENC_UTF8);
    TK_CHECK_INT(tk_enc_detect(cp932, strlen(cp932), 1), TK_ENC_CP932);
    /* A sample cut inside a character: fine unless it is the whole file. */
    TK_CHECK_INT(tk_enc_detect(utf8, 5, 0), TK_ENC_UTF8);
    TK_CHECK_INT(tk_enc_detect("ab\xF0\x9F\x98", 5, 0), TK_ENC_UTF8);
    TK_CHECK_INT(tk_enc_detect("ab\xF0\x9F\x98", 5, 1), TK_ENC_UNKNOWN);
    TK_CHECK_INT(tk_enc_detect(cp932, 3, 0), TK_ENC_CP932);
    TK_CHECK_INT(tk_enc_detect(cp932, 3, 1), TK_ENC_UNKNOWN);
    /* User-defined characters and IBM extensions are CP932 too. */
    TK_CHECK_INT(tk_enc_detect("a,\xF0\x40,\xFA\x40\n", 8, 1), TK_ENC_CP932);
    /* Neither. */
    TK_CHECK_INT(tk_enc_detect("\xFF\xFE"
                               "a\0",
                               4, 1),
                 TK_ENC_UNKNOWN);
    TK_CHECK_INT(tk_enc_detect("a\0b\0", 4, 0), TK_ENC_UNKNOWN);
    TK_CHECK_INT(tk_enc_detect("caf\xE9 \x80", 6, 1), TK_ENC_UNKNOWN);
}

/* Detection decides on the evidence: UTF-8 with one bad byte is UTF-8 (its
 * row fails, the rest decodes), not CP932 mojibake; NUL bytes are no
 * evidence of CP932; CP932 with one bad byte stays CP932. */
static void test_detect_evidence(void)
{
    /* 印鑑登録 in UTF-8 twice; the second row's user has a stray 0xB0, a
     * half-width katakana in CP932, so the whole sample is valid CP932
     * (蜊ｰ髑醍匳骭ｲ) and was taken for it. */
    static const char utf8_bad[] = "time,user,system\n"
                                   "09:00,100001,\xE5\x8D\xB0\xE9\x91\x91\xE7\x99\xBB\xE9\x8C\xB2\n"
                                   "09:00,1000\xB0"
                                   "01,\xE5\x8D\xB0\xE9\x91\x91\xE7\x99\xBB\xE9\x8C\xB2\n";
    TK_CHECK_INT(tk_enc_detect(utf8_bad, sizeof utf8_bad - 1, 1), TK_ENC_UTF8);
    TK_CHECK_INT(tk_enc_detect(utf8_bad, sizeof utf8_bad - 1, 0), TK_ENC_UTF8);
    /* The same with an invalid byte that is not CP932 either (0xFF). */
    static const char utf8_ff[] = "time,user,system\n"
                                  "09:00,100001,\xE5\x8D\xB0\xE9\x91\x91\xE7\x99\xBB\xE9\x8C\xB2\n"
                                  "09:00,1000\xFF"
                                  "01,\xE5\x8D\xB0\xE9\x91\x91\xE7\x99\xBB\xE9\x8C\xB2\n";
    TK_CHECK_INT(tk_enc_detect(utf8_ff, sizeof utf8_ff - 1, 1), TK_ENC_UTF8);
    /* One NUL in a UTF-8 file: UTF-8 (the NUL is its row's problem). */
    static const char utf8_nul[] =
        "time,user,system\n"
        "09:00,999999\0EVIL,\xE5\x8D\xB0\xE9\x91\x91\xE7\x99\xBB\xE9\x8C\xB2\n";
    TK_CHECK_INT(tk_enc_detect(utf8_nul, sizeof utf8_nul - 1, 1), TK_ENC_UTF8);
    /* ASCII with a NUL: still undecided, not CP932. */
    static const char ascii_nul[] = "time,user,system\n09:00,999999\0EVIL,juki\n";
    TK_CHECK_INT(tk_enc_detect(ascii_nul, sizeof ascii_nul - 1, 1), TK_ENC_ASCII);
    TK_CHECK_INT(tk_enc_detect(ascii_nul, sizeof ascii_nul - 1, 0), TK_ENC_ASCII);
    /* UTF-16LE without a byte order mark: a NUL beside every character. */
    static const char utf16[] = "t\0i\0m\0e\0,\0u\0s\0e\0r\0\n\0";
    TK_CHECK_INT(tk_enc_detect(utf16, sizeof utf16 - 1, 1), TK_ENC_UNKNOWN);
    /* CP932 with half-width katakana (ﾃｽﾄ: C3 BD is also UTF-8 for U+00FD),
     * kanji, NEC and IBM characters (①, ㈱, 髙): CP932 ... */
    static const char cp932[] = "\xC3\xBD\xC4,\xB6\xC0\xB6\xC5,\xEE\xE0\x8B\xB4\n"
                                "\xC3\xDE\xB0\xC0,\x87\x40,\x87\x8A,\x88\xF3\x8A\xD3\n";
    TK_CHECK_INT(tk_enc_detect(cp932, sizeof cp932 - 1, 1), TK_ENC_CP932);
    /* ... and with one byte that is not CP932 (0xFF, then 0x80), still
     * CP932: the bad byte fails its row only. */
    static const char cp932_ff[] = "\xC3\xBD\xC4,\xB6\xC0\xB6\xC5,\xEE\xE0\x8B\xB4\n"
                                   "\xFF\xC3\xDE\xB0\xC0,\x87\x40,\x87\x8A,\x88\xF3\x8A\xD3\n";
    TK_CHECK_INT(tk_enc_detect(cp932_ff, sizeof cp932_ff - 1, 1), TK_ENC_CP932);
    static const char cp932_80[] = "\x8F\x5A\x96\xAF\x8A\xEE\x96\x7B,\x80,\x87\x40,\x81\x60\r\n";
    TK_CHECK_INT(tk_enc_detect(cp932_80, sizeof cp932_80 - 1, 1), TK_ENC_CP932);
    /* Too little of either to tell: unknown. */
    TK_CHECK_INT(tk_enc_detect("\xE5\x8D\xB0\xFF\xFF", 5, 1), TK_ENC_UNKNOWN);
}

static void test_alternative(void)
{
    const char *const cp932 = "\x8F\x5A\x96\xAF\x8A\xEE\x96\x7B,\x87\x40,\x81\x60\r\n";
    const char *const utf8 = "\xE4\xBD\x8F\xE6\xB0\x91,\xE2\x91\xA0\n";
    /* Declared UTF-8, is CP932; declared CP932, is UTF-8 (E4 BD is not a
     * CP932 code). */
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_UTF8, cp932, strlen(cp932), 1), TK_ENC_CP932);
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_UTF8_BOM, cp932, strlen(cp932), 1), TK_ENC_CP932);
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_CP932, utf8, strlen(utf8), 1), TK_ENC_UTF8);
    /* Bytes that do decode as declared, ASCII, or neither: no alternative. */
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_UTF8, utf8, strlen(utf8), 1), TK_ENC_UNKNOWN);
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_CP932, cp932, strlen(cp932), 1), TK_ENC_UNKNOWN);
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_UTF8, "a,b", 3, 1), TK_ENC_UNKNOWN);
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_UTF8, "caf\xE9 \x80", 6, 1), TK_ENC_UNKNOWN);
    /* A sample cut inside a CP932 character still counts as CP932. */
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_UTF8, cp932, 3, 0), TK_ENC_CP932);
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_UTF8, cp932, 3, 1), TK_ENC_UNKNOWN);
    /* UTF-8 with one stray byte that happens to make the bytes valid CP932
     * is not "a CP932 file": no alternative to suggest. */
    static const char utf8_bad[] = "09:00,1000\xB0"
                                   "01,\xE5\x8D\xB0\xE9\x91\x91\xE7\x99\xBB\xE9\x8C\xB2\n";
    TK_CHECK_INT(tk_enc_alternative(TK_ENC_UTF8, utf8_bad, sizeof utf8_bad - 1, 1), TK_ENC_UNKNOWN);
}

static void test_scratch_reuse_and_enomem(void)
{
    tk_enc_buf scratch;
    const char *u;
    size_t ulen;
    tk_error err;
    tk_enc_buf_init(&scratch);
    TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_CP932, "\x87\x40", 2, &scratch, &u, &ulen, NULL, NULL),
                 TK_OK);
    TK_CHECK(u == scratch.p && ulen == 3);
    /* The next value replaces the previous one. */
    TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_CP932, "\xB1", 1, &scratch, &u, &ulen, NULL, NULL), TK_OK);
    TK_CHECK(ulen == 3 && memcmp(u, "\xEF\xBD\xB1", 3) == 0);
    tk_enc_buf_dispose(&scratch);

    /* Growth failure is reported, and the buffer stays usable. */
    tk_enc_buf_init(&scratch);
    tk_alloc_fail_at(1);
    TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_CP932, "\x87\x40", 2, &scratch, &u, &ulen, NULL, &err),
                 TK_ENOMEM);
    tk_alloc_fail_at(0);
    TK_CHECK_INT(tk_enc_to_utf8(TK_ENC_CP932, "\x87\x40", 2, &scratch, &u, &ulen, NULL, NULL),
                 TK_OK);
    tk_enc_buf out;
    tk_enc_buf_init(&out);
    tk_alloc_fail_at(1);
    TK_CHECK_INT(tk_enc_utf8_to_cp932("\xE2\x91\xA0", 3, &out, &err), TK_ENOMEM);
    tk_alloc_fail_at(0);
    TK_CHECK_INT(out.len, 0);
    tk_enc_buf_dispose(&out);
    tk_enc_buf_dispose(&scratch);
}

int main(void)
{
    TK_RUN(test_names);
    TK_RUN(test_cp932_known);
    TK_RUN(test_ascii_zero_copy);
    TK_RUN(test_cp932_invalid);
    TK_RUN(test_cp932_whole_table);
    TK_RUN(test_cp932_encode);
    TK_RUN(test_utf8_strict);
    TK_RUN(test_detect);
    TK_RUN(test_detect_evidence);
    TK_RUN(test_alternative);
    TK_RUN(test_scratch_reuse_and_enomem);
    TK_TEST_END();
}
