/* tests/api/test_jsontext.c -- the written JSON text is jansson's, byte for byte.
 *
 * Every check builds the same value both ways: with jansson (the builders
 * of api/jsonout and json_dumps with the service's flags) and with the
 * writers of api/jsontext, and compares the texts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/jsonout.h"
#include "api/jsontext.h"
#include "src/alloc.h"
#include "tests/test.h"

#define FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* json_dumps of v (taken), or "(refused)" when jansson refuses it. */
static char *dumped(json_t *v, size_t flags)
{
    char *s = v ? json_dumps(v, flags | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    return s ? s : strdup("(refused)");
}

static void check_string(const char *s, size_t len)
{
    tk_jsontext b;
    tk_jsontext_init(&b);
    const int rc = tk_jsontext_strn(&b, s, len);
    char *want = dumped(json_stringn(s, len), FLAGS);
    const char *got = rc == 0 ? b.p : "(refused)";
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "string of %zu bytes:", len);
        for (size_t i = 0; i < len; i++)
            fprintf(stderr, " %02x", (unsigned char)s[i]);
        fprintf(stderr, ": wrote %s, jansson %s\n", got, want);
        tk_test_failed_now = 1;
    }
    free(want);
    tk_jsontext_dispose(&b);
}

static void strings_as_jansson(void)
{
    /* Every byte alone, every ASCII byte inside text. */
    for (unsigned c = 0; c < 256; c++) {
        char s[8] = {(char)c};
        check_string(s, 1);
        snprintf(s, sizeof s, "a%cb", (char)(c ? c : 'x'));
        check_string(s, 3);
    }
    static const char *const texts[] = {
        "",
        "住民基本台帳",
        "退職した職員 245372（元長寿介護課）",
        "quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f us \x1f del \x7f",
        "emoji \xf0\x9f\x98\x80 and U+10FFFF \xf4\x8f\xbf\xbf",
        "U+FFFF \xef\xbf\xbf U+E000 \xee\x80\x80",
        "overlong \xc0\xaf",
        "overlong 3 \xe0\x80\xaf",
        "surrogate \xed\xa0\x80",
        "above U+10FFFF \xf4\x90\x80\x80",
        "cut \xe4\xbd",
        "lone continuation \x80",
        "\xff",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        check_string(texts[i], strlen(texts[i]));
    /* Random bytes, biased to UTF-8 lead and continuation bytes. */
    srand(2385);
    for (int n = 0; n < 20000; n++) {
        char s[12];
        const size_t len = (size_t)(rand() % 12);
        for (size_t i = 0; i < len; i++) {
            const int r = rand() % 6;
            s[i] = (char)(r == 0   ? rand() % 0x80
                          : r == 1 ? 0x80 + rand() % 0x40
                          : r == 2 ? 0xc0 + rand() % 0x20
                          : r == 3 ? 0xe0 + rand() % 0x10
                          : r == 4 ? 0xf0 + rand() % 0x10
                                   : rand() % 0x20);
        }
        check_string(s, len);
    }
    /* NULL: null when optional, refused when not. */
    tk_jsontext b;
    tk_jsontext_init(&b);
    TK_CHECK_INT(tk_jsontext_str(&b, NULL, 1), 0);
    TK_CHECK_INT(tk_jsontext_str(&b, "", 1), 0);
    TK_CHECK_INT(tk_jsontext_str(&b, NULL, 0), -1);
    TK_CHECK_STR(b.p, "nullnull");
    tk_jsontext_dispose(&b);
}

static void check_real(double v, int precision)
{
    tk_jsontext b;
    tk_jsontext_init(&b);
    tk_jsontext_real(&b, v, precision);
    char *want = dumped(json_real(v), JSON_COMPACT | JSON_REAL_PRECISION((size_t)precision));
    if (b.p == NULL || strcmp(b.p, want) != 0) {
        fprintf(stderr, "real %.17g at precision %d: wrote %s, jansson %s\n", v, precision,
                b.p ? b.p : "(nothing)", want);
        tk_test_failed_now = 1;
    }
    free(want);
    tk_jsontext_dispose(&b);
}

static void numbers_as_jansson(void)
{
    static const double values[] = {0.0,
                                    -0.0,
                                    1.0,
                                    99.5,
                                    100.0,
                                    2.385,
                                    12.3456,
                                    0.1,
                                    1e-7,
                                    1e20,
                                    1e21,
                                    -3.25,
                                    1e300,
                                    5e-324,
                                    123456789012345.0,
                                    1234567890123456.0,
                                    0.30000000000000004};
    static const int precisions[] = {15, 17, 0, 1, 3};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        for (size_t k = 0; k < sizeof precisions / sizeof *precisions; k++)
            check_real(values[i], precisions[k]);
    srand(7);
    for (int n = 0; n < 5000; n++) {
        const double v = (rand() / (double)RAND_MAX - 0.5) * pow(10.0, rand() % 40 - 20);
        check_real(v, 15);
        check_real(round(v * 10) / 10 + 0.0, 15);
    }
    static const int64_t ints[] = {0, 1, -1, 860, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        tk_jsontext b;
        tk_jsontext_init(&b);
        tk_jsontext_int(&b, ints[i]);
        char *want = dumped(json_integer(ints[i]), FLAGS);
        TK_CHECK_STR(b.p, want);
        free(want);
        tk_jsontext_dispose(&b);
    }
}

/* An item with every field set from the arguments. */
static void item_fill(tk_anomalies_item *it, int64_t rank, const char *entity, const char *summary,
                      const char *rules, const char *dept)
{
    memset(it, 0, sizeof *it);
    it->run_id = 3;
    it->rank = rank;
    snprintf(it->entity_type, sizeof it->entity_type, "%s", rank % 2 ? "user" : "terminal");
    it->entity = tk_strndup(entity, strlen(entity));
    it->day = 20000 + rank;
    it->first_day = 19997 + rank;
    it->last_day = 20003 + rank;
    it->days = (size_t)rank;
    it->findings = (size_t)rank * 2;
    it->rules = tk_strndup(rules, strlen(rules));
    it->score = 100.0 - (double)rank * 2.385;
    snprintf(it->rule_id, sizeof it->rule_id, "%s", rank % 3 ? "R14" : "");
    snprintf(it->severity, sizeof it->severity, "%s", rank % 3 ? "critical" : "");
    it->model = rank % 3 == 0;
    it->summary = tk_strndup(summary, strlen(summary));
    it->dept = dept ? tk_strndup(dept, strlen(dept)) : NULL;
}

static void set_systems(tk_anomalies_item *it, const char *const *names, size_t n)
{
    it->systems = tk_calloc(n, sizeof *it->systems);
    for (size_t i = 0; i < n; i++)
        it->systems[i] = tk_strndup(names[i], strlen(names[i]));
    it->nsystems = n;
}

/* The service's page: the built document with each item's id, dumped. */
static char *page_built(const tk_anomalies_run *r, const tk_anomalies_page *p)
{
    json_t *doc = tk_jsonout_page(r, p);
    json_t *items = json_object_get(doc, "items");
    for (size_t i = 0; i < p->n; i++) {
        char id[48];
        snprintf(id, sizeof id, "%lld-%lld", (long long)p->items[i].run_id,
                 (long long)p->items[i].rank);
        json_object_set_new(json_array_get(items, i), "id", json_string(id));
    }
    char *s = json_dumps(doc, FLAGS);
    json_decref(doc);
    return s;
}

/* Run 3 of 2024-10-01..2024-11-30 and a page of n zeroed items; 0, or
 * -1 when memory runs out. */
static int page_init(tk_anomalies_run *run, tk_anomalies_page *page, size_t n)
{
    memset(run, 0, sizeof *run);
    memset(page, 0, sizeof *page);
    run->id = 3;
    run->period = (tk_period){19997, 20057};
    page->n = n;
    page->total = 860;
    page->items = tk_calloc(n, sizeof *page->items);
    return page->items ? 0 : -1;
}

static void page_as_jansson(void)
{
    tk_anomalies_run run;
    tk_anomalies_page page;
    TK_REQUIRE(page_init(&run, &page, 7) == 0);
    static const char *const sys[] = {"介護保険", "住民基本台帳", "端末"};
    item_fill(&page.items[0], 1, "245372", "退職した職員 245372（元長寿介護課）の操作",
              "R05,R06,R14", "長寿介護課");
    set_systems(&page.items[0], sys, 3);
    item_fill(&page.items[1], 2, "SHIMIN-PC025", "quote \" and \\ and\ttab\x01", "", NULL);
    page.items[1].day = TK_ANOMALIES_PERIOD_ITEM;
    page.items[1].status = TK_ANOMALIES_CONFIRMED;
    page.items[1].decided_by = tk_strndup("inspector", 9);
    page.items[1].decided_at = 1733500000123;
    page.items[1].comment =
        tk_strndup("確認済み\n理由: \"規則\"", strlen("確認済み\n理由: \"規則\""));
    item_fill(&page.items[2], 3, "u3", "rules with an empty part", "R01,,R02,", "");
    page.items[2].status = TK_ANOMALIES_FALSE_POSITIVE;
    page.items[2].decided_by = tk_strndup("x", 1);
    page.items[2].decided_at = 0; /* an undated decision: null */
    /* Not UTF-8: jansson leaves the value out; the text does the same. */
    item_fill(&page.items[3], 4, "u4", "broken \xe4\xbd summary", "R09", "課");
    item_fill(&page.items[4], 5, "u5", "system not UTF-8", "R09", "課");
    static const char *const bad_sys[] = {"ok", "bad \xff"};
    set_systems(&page.items[4], bad_sys, 2);
    /* An explanation (not in list pages, but the writer must agree). */
    item_fill(&page.items[5], 6, "u6", "with an explanation", "R02", "課");
    static const char ex[] = "{\"model_score\":87.654,\"evidence\":[1,2],\"evidence_total\":2}";
    page.items[5].explanation = tk_strndup(ex, strlen(ex));
    item_fill(&page.items[6], 7, "u7 \xf0\x9f\x98\x80", "emoji", "R30", "課");
    page.items[6].score = 0.0;
    snprintf(page.next_cursor, sizeof page.next_cursor, "c1.3.0.7");

    static const char *const notes[] = {NULL, "[\"一行目\",\"two \\\"quoted\\\"\"]", "not json",
                                        "{\"an\":\"object\"}"};
    for (size_t k = 0; k < sizeof notes / sizeof *notes; k++) {
        run.notes = notes[k] ? tk_strndup(notes[k], strlen(notes[k])) : NULL;
        char *want = page_built(&run, &page);
        tk_jsontext b;
        tk_jsontext_init(&b);
        TK_CHECK_INT(tk_jsonout_page_text(&run, &page, 1, &b), 0);
        TK_REQUIRE(want != NULL && b.p != NULL);
        if (strcmp(b.p, want) != 0) {
            size_t i = 0;
            while (b.p[i] && b.p[i] == want[i])
                i++;
            fprintf(stderr,
                    "notes %s: the texts differ at byte %zu:\n  wrote   %.120s\n  jansson %.120s\n",
                    notes[k] ? notes[k] : "NULL", i, b.p + (i > 40 ? i - 40 : 0),
                    want + (i > 40 ? i - 40 : 0));
            tk_test_failed_now = 1;
        }
        TK_CHECK_INT(b.len, strlen(want));
        free(want);
        tk_jsontext_dispose(&b);
        tk_free(run.notes);
        run.notes = NULL;
    }
    /* The last page: no cursor; an empty page. */
    page.next_cursor[0] = '\0';
    const size_t n = page.n;
    for (size_t m = 0; m <= 1; m++) {
        page.n = m ? n : 0;
        char *want = page_built(&run, &page);
        tk_jsontext b;
        tk_jsontext_init(&b);
        TK_CHECK_INT(tk_jsonout_page_text(&run, &page, 1, &b), 0);
        TK_CHECK_STR(b.p, want);
        free(want);
        tk_jsontext_dispose(&b);
    }
    page.n = n;
    tk_anomalies_page_dispose(&page);
}

/* Out of memory at every allocation of the writer: -1, never a crash or
 * a leak (ASan). */
static void out_of_memory(void)
{
    tk_anomalies_run run;
    tk_anomalies_page page;
    TK_REQUIRE(page_init(&run, &page, 1) == 0);
    item_fill(&page.items[0], 1, "e", "s", "R01", "d");
    int ok = 0;
    for (size_t fail = 1; fail < 50 && !ok; fail++) {
        tk_jsontext b;
        tk_jsontext_init(&b);
        tk_alloc_fail_at(fail);
        const int rc = tk_jsonout_page_text(&run, &page, 1, &b);
        tk_alloc_fail_at(0);
        ok = rc == 0;
        TK_CHECK(rc == 0 || b.nomem);
        tk_jsontext_dispose(&b);
    }
    TK_CHECK(ok);
    tk_anomalies_page_dispose(&page);
}

int main(void)
{
    TK_RUN(strings_as_jansson);
    TK_RUN(numbers_as_jansson);
    TK_RUN(page_as_jansson);
    TK_RUN(out_of_memory);
    TK_TEST_END();
}
