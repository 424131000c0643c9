/* tests/api/test_charts.c -- the UI's charts from model results: an
 * entity's daily line draws its values against its baseline band and
 * marks only the case's days, its heat map and systems chart name what
 * the profile holds, a trends result becomes bars with the keys' words in
 * the chart's language and the eight colours' limit kept (the smallest
 * second keys summed into "その他"), and every allocation failure is an
 * error, never a crash or a leak. The SVG's well-formedness is
 * tests/api/test_svg.c's; the routes are tests/api/test_serve_charts.sh's. */
#include "api/charts.h"

#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "tests/test.h"

/* A user profile of n days from 2024-11-01 (day 20028), events 10 + 3 i,
 * baseline band 12.5..20.25, two systems. */
static tk_entity_system sys[2] = {{"住民基本台帳", 40}, {"<税務>&", 7}};

static void entity_init(tk_entity *e, tk_entity_day *days, size_t n)
{
    memset(e, 0, sizeof *e);
    memset(days, 0, n * sizeof *days);
    e->type = TK_ENTITY_USER;
    e->days = days;
    e->ndays = n;
    for (size_t i = 0; i < n; i++) {
        days[i].day = 20028 + (int64_t)i;
        days[i].active = 1;
        days[i].value[0] = 10 + 3 * (double)i;
    }
    e->baseline_band[0].n = 40;
    e->baseline_band[0].p10 = 12.5;
    e->baseline_band[0].p90 = 20.25;
    e->systems = sys;
    e->nsystems = 2;
    e->tod_week[2 * 24 + 9] = 7; /* Wednesday, 9 o'clock */
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void daily_and_case(void)
{
    tk_entity e;
    tk_entity_day days[6];
    char *svg = NULL;
    entity_init(&e, days, 6);
    TK_REQUIRE(tk_charts_entity(&e, TK_CHARTS_DAILY, NULL, &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, "操作件数") != NULL);
    TK_CHECK(strstr(svg, "通常の範囲") != NULL);
    TK_CHECK(strstr(svg, ">11-01<") != NULL);
    TK_CHECK(strstr(svg, "事案の日") == NULL); /* nothing marked on a profile */
    TK_CHECK_INT(count(svg, "fill=\"#999\""), 0);
    /* Days 22, 25 are above 20.25: two marked points. */
    TK_CHECK_INT(count(svg, "fill=\"#D55E00\""), 2 + 1); /* and the legend's swatch */
    free(svg);

    TK_REQUIRE(tk_charts_case(&e, 20029, 20030, "en", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, "days of the case") != NULL);
    TK_CHECK(strstr(svg, ">events<") != NULL);
    TK_CHECK_INT(count(svg, "fill=\"#999\""), 2);
    free(svg);

    /* Without a baseline: no band, no legend for it. */
    e.baseline_band[0].n = 0;
    TK_REQUIRE(tk_charts_entity(&e, TK_CHARTS_DAILY, "ja", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, "通常の範囲") == NULL);
    TK_CHECK(strstr(svg, "<polygon") == NULL);
    free(svg);
}

static void case_period(void)
{
    const tk_period run = {20028, 20087};
    tk_period p = tk_charts_case_period(&run, 20030, 20031);
    TK_CHECK_INT(p.first_day, 20028);
    TK_CHECK_INT(p.last_day, 20087);
    p = tk_charts_case_period(&run, 20000, 20090);
    TK_CHECK_INT(p.first_day, 20000);
    TK_CHECK_INT(p.last_day, 20090);
    p = tk_charts_case_period(&run, 19000, 20031);
    TK_CHECK_INT(p.last_day - p.first_day + 1, TK_ENTITY_MAX_DAYS);
    TK_CHECK_INT(p.last_day, 20087);
}

static void heat_and_systems(void)
{
    tk_entity e;
    tk_entity_day days[3];
    char *svg = NULL;
    entity_init(&e, days, 3);
    TK_REQUIRE(tk_charts_entity(&e, TK_CHARTS_HOURS, "ja", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, ">水<") != NULL);
    TK_CHECK(strstr(svg, "データなし") == NULL);
    free(svg);
    TK_REQUIRE(tk_charts_entity(&e, TK_CHARTS_HOURS, "en", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, ">Wed<") != NULL);
    free(svg);
    TK_REQUIRE(tk_charts_entity(&e, TK_CHARTS_SYSTEMS, "ja", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, "住民基本台帳") != NULL);
    TK_CHECK(strstr(svg, "&lt;税務&gt;&amp;") != NULL);
    TK_CHECK(strstr(svg, "<税務>") == NULL);
    free(svg);
    memset(e.tod_week, 0, sizeof e.tod_week);
    TK_REQUIRE(tk_charts_entity(&e, TK_CHARTS_HOURS, "ja", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, "データなし") != NULL);
    free(svg);
}

/* A trends result of groups (value0, value1, cases); value1 NULL for one key. */
typedef struct grp {
    const char *v0, *v1;
    size_t cases;
} grp;

static void trends_init(tk_trends *tr, tk_trends_group *g, const grp *src, size_t n,
                        tk_trends_key k0, tk_trends_key k1, size_t nkeys)
{
    memset(tr, 0, sizeof *tr);
    memset(g, 0, n * sizeof *g);
    tr->keys[0] = k0;
    tr->keys[1] = k1;
    tr->nkeys = nkeys;
    tr->groups = g;
    tr->ngroups = n;
    for (size_t i = 0; i < n; i++) {
        g[i].value[0] = (char *)src[i].v0;
        g[i].value[1] = (char *)src[i].v1;
        g[i].cases = src[i].cases;
    }
}

static void trends_one_key(void)
{
    static const grp src[] = {
        {"confirmed", NULL, 2}, {"false_positive", NULL, 5}, {"new", NULL, 9}};
    tk_trends tr;
    tk_trends_group g[3];
    char *svg = NULL;
    trends_init(&tr, g, src, 3, TK_TRENDS_STATUS, TK_TRENDS_MONTH, 1);
    TK_REQUIRE(tk_charts_trends(&tr, "ja", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, "未対応") != NULL);
    TK_CHECK(strstr(svg, "誤検知") != NULL);
    TK_CHECK(strstr(svg, "false_positive") == NULL);
    /* Statuses keep their order: new before confirmed whatever their size. */
    TK_CHECK(strstr(svg, "未対応") < strstr(svg, "不正確認"));
    free(svg);
    TK_REQUIRE(tk_charts_trends(&tr, "en", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, "false positive") != NULL);
    free(svg);

    static const grp months[] = {{"2024-10", NULL, 3}, {"2024-11", NULL, 1}};
    trends_init(&tr, g, months, 2, TK_TRENDS_MONTH, TK_TRENDS_MONTH, 1);
    TK_REQUIRE(tk_charts_trends(&tr, "ja", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, "2024-10") < strstr(svg, "2024-11"));
    free(svg);

    trends_init(&tr, g, src, 0, TK_TRENDS_DEPT, TK_TRENDS_MONTH, 1);
    TK_REQUIRE(tk_charts_trends(&tr, "ja", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, "データなし") != NULL);
    free(svg);
}

static void trends_two_keys_other(void)
{
    /* Ten rules in one month: seven series of their own, "その他" for three. */
    static const grp src[] = {{"2024-10", "R01", 10}, {"2024-10", "R02", 9}, {"2024-10", "R03", 8},
                              {"2024-10", "R04", 7},  {"2024-10", "R05", 6}, {"2024-10", "R06", 5},
                              {"2024-10", "R07", 4},  {"2024-10", "R08", 3}, {"2024-10", "R09", 2},
                              {"2024-10", "model", 1}};
    tk_trends tr;
    tk_trends_group g[10];
    char *svg = NULL;
    trends_init(&tr, g, src, 10, TK_TRENDS_MONTH, TK_TRENDS_RULE, 2);
    TK_REQUIRE(tk_charts_trends(&tr, "ja", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, ">R07<") != NULL);
    TK_CHECK(strstr(svg, ">R08<") == NULL);
    TK_CHECK(strstr(svg, ">その他<") != NULL);
    TK_CHECK(strstr(svg, "モデル") == NULL); /* "model" is among the others */
    free(svg);

    static const grp sev[] = {
        {"2024-10", "low", 5}, {"2024-10", "critical", 1}, {"2024-11", "none", 2}};
    trends_init(&tr, g, sev, 3, TK_TRENDS_MONTH, TK_TRENDS_SEVERITY, 2);
    TK_REQUIRE(tk_charts_trends(&tr, "en", &svg, NULL) == TK_OK);
    TK_CHECK(strstr(svg, ">critical<") != NULL);
    TK_CHECK(strstr(svg, ">models only<") != NULL);
    TK_CHECK(strstr(svg, ">critical<") < strstr(svg, ">low<"));
    free(svg);
}

static void allocation_failures(void)
{
    tk_entity e;
    tk_entity_day days[4];
    static const grp src[] = {{"2024-10", "R01", 10}, {"2024-11", "R02", 9}};
    tk_trends tr;
    tk_trends_group g[2];
    entity_init(&e, days, 4);
    trends_init(&tr, g, src, 2, TK_TRENDS_MONTH, TK_TRENDS_RULE, 2);
    for (int which = 0; which < 3; which++) {
        int rc = TK_ENOMEM;
        for (size_t n = 1; n < 200 && rc == TK_ENOMEM; n++) {
            char *svg = NULL;
            tk_error err = {0};
            tk_alloc_fail_at(n);
            rc = which == 0   ? tk_charts_case(&e, 20028, 20028, "ja", &svg, &err)
                 : which == 1 ? tk_charts_entity(&e, TK_CHARTS_SYSTEMS, "ja", &svg, &err)
                              : tk_charts_trends(&tr, "ja", &svg, &err);
            tk_alloc_fail_at(0);
            TK_CHECK(rc == TK_OK || (rc == TK_ENOMEM && svg == NULL && err.code == TK_ENOMEM));
            free(svg);
        }
        TK_CHECK_INT(rc, TK_OK);
    }
}

int main(void)
{
    TK_RUN(daily_and_case);
    TK_RUN(case_period);
    TK_RUN(heat_and_systems);
    TK_RUN(trends_one_key);
    TK_RUN(trends_two_keys_other);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
