/* tests/src/test_freetext.c -- search conditions and remarks of `detail`.
 *
 * Every expected pseudonym is computed here independently, with the
 * one-shot HMAC over the documented message (`field NUL value`, `NUL
 * text`, `NUL 0xFF bytes`) under the same key, cut to 16 hex digits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/crypto.h"
#include "src/freetext.h"
#include "src/tenant.h"
#include "tests/test.h"

static const uint8_t key[TK_CRYPTO_KEY_SIZE] = "0123456789abcdef0123456789abcdef";

/* "#" and the tag of (a NUL b) under k, into out (at least 18 bytes). */
static void tag_k(const uint8_t *k, const char *a, const char *b, size_t blen, char *out)
{
    char msg[4096];
    uint8_t mac[TK_CRYPTO_HMAC_SIZE];
    const size_t alen = strlen(a);
    if (alen + 1 + blen > sizeof msg)
        abort();
    memcpy(msg, a, alen);
    msg[alen] = '\0';
    memcpy(msg + alen + 1, b, blen);
    if (tk_crypto_hmac_sha256_once(k, TK_CRYPTO_KEY_SIZE, msg, alen + 1 + blen, mac, NULL) != TK_OK)
        abort();
    out[0] = '#';
    tk_crypto_hex(mac, 8, out + 1);
}

/* The expected stored form of a condition field=value (wild: a `*`). */
static void cond(char *out, size_t cap, const char *field, const char *value, int wild)
{
    char t[20];
    tag_k(key, field, value, strlen(value), t);
    snprintf(out, cap, "%s=%s%s", field, t, wild ? "*" : "");
}

/* The stored form of s under mode, as a string ("(absent)" for none). */
static const char *apply(tk_freetext *f, int mode, const char *s, size_t len)
{
    static char buf[1 << 16];
    tk_view v;
    tk_error err;
    if (tk_freetext_apply(f, mode, s, len, &v, &err) != TK_OK)
        return "(error)";
    if (v.p == NULL)
        return "(absent)";
    if (v.len >= sizeof buf)
        return "(too long)";
    memcpy(buf, v.p, v.len);
    buf[v.len] = '\0';
    return buf;
}

static const char *ap(tk_freetext *f, const char *s)
{
    return apply(f, TK_FREETEXT_PSEUDONYMISE, s, strlen(s));
}

static void test_conditions(void)
{
    tk_freetext *f = NULL;
    char a[128], b[128];
    tk_error err;

    TK_REQUIRE(tk_freetext_create(&f, key, &err) == TK_OK);
    cond(a, sizeof a, "氏名", "アベ", 1);
    TK_CHECK_STR(ap(f, "氏名=アベ*"), a);
    cond(a, sizeof a, "生年月日", "1954-07-23", 0);
    TK_CHECK_STR(ap(f, "生年月日=1954-07-23"), a);
    cond(a, sizeof a, "住所", "大和町1丁目", 0);
    TK_CHECK_STR(ap(f, "住所=大和町1丁目"), a);
    /* The same block twice: the same pseudonym; another block: another. */
    TK_CHECK_STR(ap(f, "住所=大和町1丁目"), a);
    cond(b, sizeof b, "住所", "大和町2丁目", 0);
    TK_CHECK_STR(ap(f, "住所=大和町2丁目"), b);
    TK_CHECK(strcmp(a, b) != 0);
    /* The field is part of the message: one value under two fields. */
    cond(b, sizeof b, "方書", "大和町1丁目", 0);
    TK_CHECK_STR(ap(f, "方書=大和町1丁目"), b);
    TK_CHECK(strcmp(a, b) != 0);
    /* ASCII field names, case folded. */
    cond(a, sizeof a, "name", "abe", 0);
    TK_CHECK_STR(ap(f, "Name=ABE"), a);
    /* Empty and wildcard-only values keep no tag. */
    TK_CHECK_STR(ap(f, "氏名="), "氏名=");
    TK_CHECK_STR(ap(f, "氏名=*"), "氏名=*");
    /* Only a trailing `*` is a marker; an inner one belongs to the value. */
    cond(a, sizeof a, "氏名", "ア*ベ", 1);
    TK_CHECK_STR(ap(f, "氏名=ア*ベ**"), a);
    tk_freetext_destroy(f);
}

static void test_separators(void)
{
    tk_freetext *f = NULL;
    char a[128], b[128], want[512];
    tk_error err;
    static const char *const forms[] = {
        "氏名=アベ*;生年月日=1954-07-23",        "氏名=アベ*,生年月日=1954-07-23",
        "氏名=アベ*、生年月日=1954-07-23",       "氏名=アベ*&生年月日=1954-07-23",
        "氏名=アベ* AND 生年月日=1954-07-23",    "氏名=アベ* and 生年月日=1954-07-23",
        "氏名=アベ* 生年月日=1954-07-23",        "氏名=アベ*　生年月日=1954-07-23",
        "氏名=アベ*；生年月日=1954-07-23",       "氏名=アベ*，生年月日=1954-07-23",
        "氏名=アベ*＆生年月日=1954-07-23",       " ; 氏名=アベ* ;; 生年月日=1954-07-23 ; ",
        "氏名:アベ*;生年月日:1954-07-23",        "氏名：アベ*\t生年月日：1954-07-23",
        "氏名 = アベ* , 生年月日 ＝ 1954-07-23", "氏名=アベ*\r\n生年月日=1954-07-23",
    };

    TK_REQUIRE(tk_freetext_create(&f, key, &err) == TK_OK);
    cond(a, sizeof a, "氏名", "アベ", 1);
    cond(b, sizeof b, "生年月日", "1954-07-23", 0);
    snprintf(want, sizeof want, "%s;%s", a, b);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        const char *got = ap(f, forms[i]);
        if (strcmp(got, want) != 0)
            fprintf(stderr, "form %zu: %s\n", i, forms[i]);
        TK_CHECK_STR(got, want);
    }
    /* Three conditions, in the order written. */
    char c[128];
    cond(c, sizeof c, "住所", "大和町1丁目", 0);
    snprintf(want, sizeof want, "%s;%s;%s", c, a, b);
    TK_CHECK_STR(ap(f, "住所=大和町1丁目;氏名=アベ*;生年月日=1954-07-23"), want);
    /* A value with spaces or commas of its own stays one value; spaces
     * are dropped, so both spellings of the block meet. */
    TK_CHECK_STR(ap(f, "住所=大和町 1丁目"), c);
    TK_CHECK_STR(ap(f, "住所=大和町　１丁目"), c);
    cond(c, sizeof c, "住所", "大和町1-2,3", 0);
    TK_CHECK_STR(ap(f, "住所=大和町1-2,3"), c);
    cond(c, sizeof c, "電話番号", "03-1234-5678", 0);
    TK_CHECK_STR(ap(f, "電話番号=03-1234-5678"), c);
    tk_freetext_destroy(f);
}

static void test_full_width(void)
{
    tk_freetext *f = NULL;
    char a[128];
    tk_error err;

    TK_REQUIRE(tk_freetext_create(&f, key, &err) == TK_OK);
    cond(a, sizeof a, "氏名", "アベ", 1);
    TK_CHECK_STR(ap(f, "氏名＝ｱﾍﾞ＊"), a);
    TK_CHECK_STR(ap(f, "氏名=あべ*"), a);
    cond(a, sizeof a, "フリガナ", "アベ", 1);
    TK_CHECK_STR(ap(f, "ふりがな=アベ*"), a);
    TK_CHECK_STR(ap(f, "ﾌﾘｶﾞﾅ=ｱﾍﾞ*"), a);
    cond(a, sizeof a, "住所", "大和町1丁目", 0);
    TK_CHECK_STR(ap(f, "住所：大和町１丁目"), a);
    cond(a, sizeof a, "生年月日", "1954-07-23", 0);
    TK_CHECK_STR(ap(f, "生年月日＝１９５４－０７－２３"), a);
    cond(a, sizeof a, "name", "abe", 0);
    TK_CHECK_STR(ap(f, "ＮＡＭＥ＝Ａｂｅ"), a);
    cond(a, sizeof a, "氏名", "パン", 0);
    TK_CHECK_STR(ap(f, "氏名=ﾊﾟﾝ"), a);
    tk_freetext_destroy(f);
}

static void test_free_text(void)
{
    tk_freetext *f = NULL;
    char a[128], t[20], want[512];
    tk_error err;

    TK_REQUIRE(tk_freetext_create(&f, key, &err) == TK_OK);
    /* Free text is folded too: hiragana to katakana. */
    tag_k(key, "", "窓口デ交付", strlen("窓口デ交付"), t);
    TK_CHECK_STR(ap(f, "窓口で交付"), t);
    TK_CHECK_STR(ap(f, " 窓口で 交付 "), t);
    /* A name-shaped field stays out of clear: 山田太郎 is no search field. */
    tag_k(key, "", "山田太郎:来庁", strlen("山田太郎:来庁"), t);
    TK_CHECK_STR(ap(f, "山田太郎:来庁"), t);
    tag_k(key, "", "抽出件数=26,382", strlen("抽出件数=26,382"), t);
    TK_CHECK_STR(ap(f, "抽出件数=26,382"), t);
    /* Conditions first, then one tag of every other segment. */
    cond(a, sizeof a, "氏名", "アベ", 1);
    tag_k(key, "", "至急;備考=電話", strlen("至急;備考=電話"), t);
    snprintf(want, sizeof want, "%s;%s", a, t);
    TK_CHECK_STR(ap(f, "至急 氏名=アベ* 備考=電話"), want);
    tk_freetext_destroy(f);
}

static void test_empty_and_malformed(void)
{
    tk_freetext *f = NULL;
    char a[128], t[20];
    tk_error err;

    TK_REQUIRE(tk_freetext_create(&f, key, &err) == TK_OK);
    TK_CHECK_STR(apply(f, TK_FREETEXT_PSEUDONYMISE, "", 0), "(absent)");
    TK_CHECK_STR(ap(f, " ;,、&　 AND "), "(absent)");
    /* No field before `=`: free text. */
    tag_k(key, "", "=アベ", strlen("=アベ"), t);
    TK_CHECK_STR(ap(f, "=アベ"), t);
    /* A second `=` belongs to the value. */
    cond(a, sizeof a, "氏名", "=アベ", 0);
    TK_CHECK_STR(ap(f, "氏名==アベ"), a);
    /* A token starting with a digit continues the value (a time). */
    tag_k(key, "", "時刻=10:00", strlen("時刻=10:00"), t);
    TK_CHECK_STR(ap(f, "時刻=10:00"), t);
    /* A field name of more than 64 bytes is no field. */
    char longname[200];
    memset(longname, 'x', 70);
    memcpy(longname + 70, "=1", 3);
    tag_k(key, "", longname, 72, t);
    TK_CHECK_STR(ap(f, longname), t);
    tk_freetext_destroy(f);
}

static void test_long_values(void)
{
    tk_freetext *f = NULL;
    char a[128], t[20];
    tk_error err;
    const size_t n = 100000;
    char *big = malloc(n + 16), *val = malloc(n + 16);
    TK_REQUIRE(big != NULL && val != NULL);

    TK_REQUIRE(tk_freetext_create(&f, key, &err) == TK_OK);
    memcpy(big, "住所=", strlen("住所="));
    size_t len = strlen("住所=");
    for (size_t i = 0; i < n / 3; i++) {
        memcpy(big + len, "ア", 3);
        len += 3;
    }
    memcpy(val, big + strlen("住所="), len - strlen("住所="));
    {
        uint8_t mac[TK_CRYPTO_HMAC_SIZE];
        char *msg = malloc(len + 8);
        TK_REQUIRE(msg != NULL);
        memcpy(msg, "住所", strlen("住所"));
        msg[strlen("住所")] = '\0';
        memcpy(msg + strlen("住所") + 1, val, len - strlen("住所="));
        TK_REQUIRE(tk_crypto_hmac_sha256_once(key, sizeof key, msg, len, mac, NULL) == TK_OK);
        free(msg);
        snprintf(a, sizeof a, "住所=#");
        tk_crypto_hex(mac, 8, a + strlen(a));
    }
    TK_CHECK_STR(apply(f, TK_FREETEXT_PSEUDONYMISE, big, len), a);

    /* Many conditions: the first TK_FREETEXT_MAX_CONDITIONS are kept, the
     * rest join the free-text tag, so the stored form stays short. */
    char *many = big, *rest = val;
    size_t ml = 0, rl = 0;
    for (int i = 0; i < TK_FREETEXT_MAX_CONDITIONS + 8; i++) {
        ml += (size_t)sprintf(many + ml, "住所=%d丁目;", i);
        if (i >= TK_FREETEXT_MAX_CONDITIONS)
            rl += (size_t)sprintf(rest + rl, "%s住所=%d丁目", rl > 0 ? ";" : "", i);
    }
    tag_k(key, "", rest, rl, t);
    const char *got = apply(f, TK_FREETEXT_PSEUDONYMISE, many, ml);
    size_t conds = 0;
    for (const char *q = got; (q = strstr(q, "住所=#")) != NULL; q++)
        conds++;
    TK_CHECK_INT(conds, TK_FREETEXT_MAX_CONDITIONS);
    TK_CHECK(strlen(got) > 17 && strcmp(got + strlen(got) - 17, t) == 0);
    cond(a, sizeof a, "住所", "0丁目", 0);
    TK_CHECK(strncmp(got, a, strlen(a)) == 0);
    tk_freetext_destroy(f);
    free(big);
    free(val);
}

static void test_invalid_utf8(void)
{
    tk_freetext *f = NULL;
    tk_error err;
    char want[20];
    static const char bad[] = "氏名=\xff\xfe\xe3\x81";

    TK_REQUIRE(tk_freetext_create(&f, key, &err) == TK_OK);
    char raw[64];
    raw[0] = '\xff';
    memcpy(raw + 1, bad, sizeof bad - 1);
    tag_k(key, "", raw, sizeof bad, want);
    TK_CHECK_STR(apply(f, TK_FREETEXT_PSEUDONYMISE, bad, sizeof bad - 1), want);
    /* Even a column kept in clear never stores bytes that are not UTF-8. */
    TK_CHECK_STR(apply(f, TK_FREETEXT_CLEAR, bad, sizeof bad - 1), want);
    /* Overlong forms and surrogates are invalid too. */
    TK_CHECK(ap(f, "\xc0\xaf")[0] == '#');
    TK_CHECK(ap(f, "\xed\xa0\x80")[0] == '#');
    TK_CHECK(ap(f, "\xf4\x90\x80\x80")[0] == '#');
    tk_freetext_destroy(f);
}

static void test_clear_and_keys(void)
{
    tk_freetext *f = NULL, *g = NULL;
    tk_error err;
    tk_view v;
    const char *s = "窓口/交付";
    uint8_t other[TK_CRYPTO_KEY_SIZE];

    TK_REQUIRE(tk_freetext_create(&f, key, &err) == TK_OK);
    TK_REQUIRE(tk_freetext_apply(f, TK_FREETEXT_CLEAR, s, strlen(s), &v, &err) == TK_OK);
    TK_CHECK(v.p == s && v.len == strlen(s));
    /* Another key, other pseudonyms. */
    memcpy(other, key, sizeof other);
    other[0] ^= 1;
    TK_REQUIRE(tk_freetext_create(&g, other, &err) == TK_OK);
    char a[128];
    snprintf(a, sizeof a, "%s", ap(f, "氏名=アベ"));
    TK_CHECK(strcmp(a, ap(g, "氏名=アベ")) != 0);
    tk_freetext_destroy(f);
    tk_freetext_destroy(g);
    tk_freetext_destroy(NULL);
}

static void test_alloc_failures(void)
{
    for (unsigned long n = 1;; n++) {
        tk_freetext *f = NULL;
        tk_error err;
        tk_view v;
        tk_alloc_fail_at(n);
        int rc = tk_freetext_create(&f, key, &err);
        if (rc == TK_OK)
            rc = tk_freetext_apply(f, TK_FREETEXT_PSEUDONYMISE, "氏名=アベ", strlen("氏名=アベ"),
                                   &v, &err);
        tk_alloc_fail_at(0);
        tk_freetext_destroy(f);
        if (rc == TK_OK)
            break;
        TK_CHECK_INT(rc, TK_ENOMEM);
        TK_CHECK_INT(err.code, TK_ENOMEM);
        if (n > 20) {
            TK_CHECK(0);
            break;
        }
    }
}

/* The tenant derives the detail key as HMAC(key, TAB label): checked
 * against the key file, and apart from every resident pseudonym. */
static void test_tenant_key(void)
{
    char dir[1024], path[1200];
    tk_tenant *t = NULL;
    tk_error err;
    uint8_t k[TK_CRYPTO_KEY_SIZE], derived[TK_CRYPTO_KEY_SIZE], want[TK_CRYPTO_HMAC_SIZE];
    uint8_t ps[TK_TENANT_PSEUDONYM_SIZE];

    snprintf(dir, sizeof dir, "%s/freetext.%ld", tk_test_tmpdir(), (long)getpid());
    TK_REQUIRE(tk_tenant_create(&t, dir, "city", &err) == TK_OK);
    snprintf(path, sizeof path, "%s/city/pseudonym.key", dir);
    FILE *fp = fopen(path, "rb");
    TK_REQUIRE(fp != NULL);
    TK_REQUIRE(fread(k, 1, sizeof k, fp) == sizeof k);
    fclose(fp);
    TK_REQUIRE(tk_tenant_derive_key(t, TK_FREETEXT_KEY_LABEL, derived, &err) == TK_OK);
    char msg[64];
    const size_t ml = (size_t)snprintf(msg, sizeof msg, "\t%s", TK_FREETEXT_KEY_LABEL);
    TK_REQUIRE(tk_crypto_hmac_sha256_once(k, sizeof k, msg, ml, want, NULL) == TK_OK);
    TK_CHECK(memcmp(derived, want, sizeof want) == 0);
    /* A resident identifier spelt like the message is trimmed first. */
    TK_REQUIRE(tk_tenant_pseudonym(t, msg, ml, ps, &err) == TK_OK);
    TK_CHECK(memcmp(ps, derived, sizeof ps) != 0);
    TK_REQUIRE(tk_tenant_pseudonym(t, msg + 1, ml - 1, ps, &err) == TK_OK);
    TK_CHECK(memcmp(ps, derived, sizeof ps) != 0);
    tk_tenant_close(t);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    TK_CHECK(system(path) == 0);
}

/* Remembered results are the results: a long run of inputs with repeats,
 * more distinct values than the memo holds, and inputs that are absent,
 * invalid UTF-8 or too long to remember, each rewritten by one rewriter
 * give what a fresh rewriter gives for that input alone. */
static void test_repeats(void)
{
    tk_freetext *f = NULL;
    tk_error err;
    char in[256], want[512];

    TK_REQUIRE(tk_freetext_create(&f, key, &err) == TK_OK);
    for (int i = 0; i < 2000; i++) {
        const int k = (i * 7919) % 150;
        if (k % 50 == 3)
            snprintf(in, sizeof in, "  ;  ");
        else if (k % 50 == 4)
            snprintf(in, sizeof in, "\xff備考%d", k);
        else if (k % 50 == 5)
            snprintf(in, sizeof in, "%0120d", k);
        else if (k % 3 == 0)
            snprintf(in, sizeof in, "氏名=ヤマダ%d*", k);
        else
            snprintf(in, sizeof in, "窓口%d", k);
        tk_freetext *fresh = NULL;
        TK_REQUIRE(tk_freetext_create(&fresh, key, &err) == TK_OK);
        snprintf(want, sizeof want, "%s", ap(fresh, in));
        tk_freetext_destroy(fresh);
        TK_CHECK_STR(ap(f, in), want);
        /* The clear mode is never answered from the memo. */
        if (k % 50 != 4)
            TK_CHECK_STR(apply(f, TK_FREETEXT_CLEAR, in, strlen(in)), in);
    }
    tk_freetext_destroy(f);
}

int main(void)
{
    TK_RUN(test_conditions);
    TK_RUN(test_separators);
    TK_RUN(test_full_width);
    TK_RUN(test_free_text);
    TK_RUN(test_repeats);
    TK_RUN(test_empty_and_malformed);
    TK_RUN(test_long_values);
    TK_RUN(test_invalid_utf8);
    TK_RUN(test_clear_and_keys);
    TK_RUN(test_alloc_failures);
    TK_RUN(test_tenant_key);
    TK_TEST_END();
}
