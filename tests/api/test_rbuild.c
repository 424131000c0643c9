/* tests/api/test_rbuild.c -- the document builders' common part: the
 * word tables a WORDS list expands to, the language check and its
 * message, the date of issue, the cover every document opens with (in
 * both languages, with the default issuer and a given one), the range of
 * a period and the hand-over of the document. */
#include "api/rbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/analysis.h"
#include "tests/test.h"

// clang-format off
#define WORDS(X) \
    X(W_TITLE, "試験文書", "Test document") \
    X(W_RANGE, "%s 〜 %s", "%s to %s") \
    X(W_LAST, "最後", "last")
// clang-format on

TK_RBUILD_WORD_TABLES(WORDS);

static tk_tenant *tenant;

static void test_word_tables(void)
{
    TK_CHECK_INT(W_COUNT, 3);
    TK_CHECK_STR(words_ja[W_RANGE], "%s 〜 %s");
    TK_CHECK_STR(words_en[W_LAST], "last");
}

static void test_language(void)
{
    tk_rbuild b;
    tk_error err = {0, ""};
    TK_CHECK_INT(tk_rbuild_init(&b, tenant, "fr", 0, words_ja, words_en, "review", &err),
                 TK_EINVAL);
    TK_CHECK_STR(err.msg, "the review's language is ja or en, not 'fr'");
    TK_CHECK(b.d == NULL);
    tk_rbuild_dispose(&b);

    TK_REQUIRE(tk_rbuild_init(&b, tenant, NULL, 1727740800000, words_ja, words_en, "report",
                              &err) == TK_OK);
    TK_CHECK_INT(b.en, 0);
    TK_CHECK_STR(tk_rbuild_word(&b, W_TITLE), "試験文書");
    TK_CHECK_INT(b.issued, 1727740800000);
    TK_CHECK(b.db == tk_tenant_db(tenant));

    const int64_t before = (int64_t)time(NULL) * 1000;
    TK_REQUIRE(tk_rbuild_init(&b, tenant, "en", 0, words_ja, words_en, "report", &err) == TK_OK);
    TK_CHECK_INT(b.en, 1);
    TK_CHECK_STR(tk_rbuild_word(&b, W_TITLE), "Test document");
    TK_CHECK(b.issued >= before && b.issued <= before + 5000);
    tk_rbuild_dispose(&b);
    tk_rbuild_dispose(NULL);
}

static void test_range(void)
{
    tk_rbuild b;
    tk_period p;
    char buf[96];
    tk_error err = {0, ""};
    TK_REQUIRE(tk_period_parse("2024-10-01..2024-11-30", 22, &p, &err) == TK_OK);
    TK_REQUIRE(tk_rbuild_init(&b, tenant, "ja", 0, words_ja, words_en, "report", &err) == TK_OK);
    tk_rbuild_range(&b, &p, tk_rbuild_word(&b, W_RANGE), buf, sizeof buf);
    TK_CHECK_STR(buf, "2024年10月1日 〜 2024年11月30日");
    tk_rbuild_day(&b, p.last_day, buf, sizeof buf);
    TK_CHECK_STR(buf, "2024年11月30日");
    tk_rbuild_range(&b, &p, "%s〜%s", buf, 12); /* cut to fit */
    TK_CHECK_INT(strlen(buf), 11);
    TK_REQUIRE(tk_rbuild_init(&b, tenant, "en", 0, words_ja, words_en, "report", &err) == TK_OK);
    tk_rbuild_range(&b, &p, tk_rbuild_word(&b, W_RANGE), buf, sizeof buf);
    TK_CHECK_STR(buf, "2024-10-01 to 2024-11-30");
}

/* The cover of a document built in lang with issuer (NULL: the default). */
static void check_cover(const char *lang, const char *issuer, const char *subtitle,
                        const char *classification, const char *footer, const char *tenant_label)
{
    tk_rbuild b;
    tk_error err = {0, ""};
    TK_REQUIRE(tk_rbuild_init(&b, tenant, lang, 0, words_ja, words_en, "report", &err) == TK_OK);
    TK_REQUIRE(tk_rbuild_begin(&b, tk_rbuild_word(&b, W_TITLE), &err) == TK_OK);
    TK_CHECK(tk_rbuild_cover(&b, "FY2024", issuer, &err) == TK_OK);
    TK_CHECK(tk_rbuild_cover_tenant(&b, &err) == TK_OK);
    tk_rdoc *d = tk_rbuild_take(&b);
    TK_CHECK(b.d == NULL);
    tk_rbuild_dispose(&b); /* owns nothing now */
    TK_REQUIRE(d != NULL);
    TK_CHECK_STR(tk_rdoc_title(d), strcmp(lang, "en") == 0 ? "Test document" : "試験文書");
    TK_CHECK_STR(tk_rdoc_lang(d), lang);
    TK_CHECK_STR(tk_rdoc_subtitle(d), subtitle);
    TK_CHECK_STR(tk_rdoc_classification(d), classification);
    TK_CHECK_STR(tk_rdoc_footer(d), footer);
    size_t pairs = 0;
    const char *const *facts = tk_rdoc_cover_facts(d, &pairs);
    TK_CHECK_INT(pairs, 1);
    if (pairs == 1) {
        TK_CHECK_STR(facts[0], tenant_label);
        TK_CHECK_STR(facts[1], "kita");
    }
    tk_rdoc_destroy(d);
}

static void test_cover(void)
{
    check_cover("ja", NULL, "kita　FY2024", "取扱注意", "tenken ログ分析点検", "対象団体");
    check_cover("en", NULL, "kita, FY2024", "Confidential", "tenken log inspection", "Tenant");
    check_cover("ja", "北市 情報政策課", "kita　FY2024", "取扱注意", "北市 情報政策課", "対象団体");
}

int main(void)
{
    char dir[512], data[600];
    tk_error err;
    if (tk_test_mkdtemp(dir, sizeof dir, "rbuild") == NULL)
        return 2;
    snprintf(data, sizeof data, "%s/data", dir);
    if (tk_analysis_create_tenant(&tenant, data, "kita", &err) != TK_OK) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 2;
    }
    TK_RUN(test_word_tables);
    TK_RUN(test_language);
    TK_RUN(test_range);
    TK_RUN(test_cover);
    tk_tenant_close(tenant);
    TK_TEST_END();
}
