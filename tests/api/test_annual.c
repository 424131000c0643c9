/* tests/api/test_annual.c -- the annual review and its minutes, checked
 * against the models' own counts.
 *
 * The fixture is a generated city (`tenken demo`, which analyses
 * 2024-10-01..2024-11-30), then, in this program: rule R22 switched off,
 * 2024-08-01..2024-09-30 analysed with that configuration, and three of
 * the October-November requests answered (inappropriate, under
 * investigation, justified). The review's tables are read back from the
 * document tree and compared with what models/periods, models/answers,
 * models/anomalies and models/trends say; its HTML must not hold a
 * resident number of the city's residents master; an empty year, the
 * English words, the minutes and the workbook are checked too. */
#include "api/annual.h"
#include "api/rdoc.h"
#include "api/xlsx.h"
#include "models/analysis.h"
#include "models/answers.h"
#include "models/meeting.h"
#include "models/anomalies.h"
#include "models/periods.h"
#include "models/rulecat.h"
#include "models/trends.h"
#include "models/tuning.h"
#include "src/timefmt.h"

#include "tests/test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[512], data[600];
static tk_period P, Q; /* 2024-10-01..11-30 (the demo's), 2024-08-01..09-30 */
static char case_ids[3][TK_ANSWERS_CASE_ID_SIZE];

static const tk_actor actor = {"test-analyst", "analyst", "local", NULL};

/* The table of d whose caption is caption, into *b; 0 when none. */
static int table(const tk_rdoc *d, const char *caption, tk_rdoc_block *b)
{
    for (size_t i = 0; i < tk_rdoc_count(d); i++) {
        tk_rdoc_block_at(d, i, b);
        if (b->kind == TK_RDOC_TABLE && b->text && strcmp(b->text, caption) == 0)
            return 1;
    }
    fprintf(stderr, "no table \"%s\" in the document\n", caption);
    return 0;
}

static const char *cell(const tk_rdoc_block *b, size_t row, size_t col)
{
    return row < b->nrows && col < b->ncols ? b->cells[row * b->ncols + col] : "(none)";
}

/* The row of b whose first cell is first, or SIZE_MAX. */
static size_t row_of(const tk_rdoc_block *b, const char *first)
{
    for (size_t r = 0; r < b->nrows; r++)
        if (strcmp(cell(b, r, 0), first) == 0)
            return r;
    fprintf(stderr, "no row \"%s\" in table \"%s\"\n", first, b->text ? b->text : "");
    return SIZE_MAX;
}

static void check_num(const tk_rdoc_block *b, size_t row, size_t col, size_t want, const char *what)
{
    char w[32];
    snprintf(w, sizeof w, "%zu", want);
    if (strcmp(cell(b, row, col), w) != 0) {
        fprintf(stderr, "%s: table \"%s\" row %zu column %zu is \"%s\", expected %s\n", what,
                b->text, row, col, cell(b, row, col), w);
        tk_test_failed_now = 1;
    }
}

static char *html_of(const tk_rdoc *d)
{
    char *buf = NULL;
    size_t len = 0;
    tk_error err;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    const int rc = tk_rdoc_write_html(d, f, &err);
    fclose(f);
    if (rc != TK_OK) {
        fprintf(stderr, "html: %s\n", err.msg);
        free(buf);
        return NULL;
    }
    return buf;
}

static int build(int fy, const char *lang, int minutes, tk_rdoc **d)
{
    tk_tenant *t = NULL;
    tk_error err = {0, ""};
    tk_annual_options o = TK_ANNUAL_OPTIONS_INIT;
    o.fiscal_year = fy;
    o.lang = lang;
    int rc = tk_analysis_open_tenant(&t, data, "demo", TK_TENANT_READONLY, &err);
    if (rc == TK_OK)
        rc = minutes ? tk_annual_minutes(t, &o, d, &err) : tk_annual_review(t, &o, d, &err);
    if (rc != TK_OK)
        fprintf(stderr, "build %d: %s\n", fy, err.msg);
    tk_tenant_close(t);
    return rc;
}

/* The fixture; returns 0 on failure. */
static int setup(void)
{
    char cmd[1400];
    tk_tenant *t = NULL;
    tk_error err = {0, ""};
    tk_analysis_summary sum;
    tk_answers_set set;
    const char *bin = getenv("TENKEN_BIN");

    memset(&sum, 0, sizeof sum);
    memset(&set, 0, sizeof set);
    if (!bin) {
        fprintf(stderr, "TENKEN_BIN is not set\n");
        return 0;
    }
    snprintf(dir, sizeof dir, "%s/annual-c-%ld", tk_test_tmpdir(), (long)getpid());
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(cmd, sizeof cmd,
             "'%s' demo --dir '%s' --seed 7 --staff 40 --residents 2000 >/dev/null", bin, dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "failed: %s\n", cmd);
        return 0;
    }
    P.first_day = tk_days_from_civil(2024, 10, 1);
    P.last_day = tk_days_from_civil(2024, 11, 30);
    Q.first_day = tk_days_from_civil(2024, 8, 1);
    Q.last_day = tk_days_from_civil(2024, 9, 30);
    int rc = tk_analysis_open_tenant(&t, data, "demo", 0, &err);
    if (rc == TK_OK)
        rc = tk_tuning_rule_set(tk_tenant_db(t), "R22", "{\"enabled\": false}", 18, &actor, NULL,
                                &err);
    /* As `tenken analyze`: with the configuration in force. */
    tk_rulecat_config *cfg = NULL;
    tk_analysis_options opt = TK_ANALYSIS_OPTIONS_INIT;
    if (rc == TK_OK)
        rc = tk_rulecat_in_force(tk_tenant_db(t), &cfg, NULL, &err);
    opt.rules = cfg;
    if (rc == TK_OK)
        rc = tk_analysis_run(t, &Q, &opt, &sum, &err);
    tk_rulecat_config_destroy(cfg);
    if (rc == TK_OK)
        rc = tk_answers_requests(tk_tenant_db(t), &P, NULL, &set, &err);
    if (rc == TK_OK && set.n < 3) {
        fprintf(stderr, "only %zu requests\n", set.n);
        rc = TK_EINTERNAL;
    }
    /* The first two high or critical requests: inappropriate and under
     * investigation; then one justified. */
    size_t k = 0;
    for (size_t i = 0; rc == TK_OK && i < set.n && k < 3; i++) {
        const tk_answers_request *r = &set.v[i];
        const int high =
            strcmp(r->item.severity, "high") == 0 || strcmp(r->item.severity, "critical") == 0;
        if (k < 2 && !high)
            continue;
        tk_answers_input in = {k == 0   ? TK_ANSWERS_INAPPROPRIATE
                               : k == 1 ? TK_ANSWERS_INVESTIGATING
                                        : TK_ANSWERS_JUSTIFIED,
                               k == 0   ? "権限を削除し再発防止の研修を実施"
                               : k == 1 ? "本人に聞き取り中"
                                        : "窓口での本人確認",
                               k == 0 ? "市民課長 山田" : "税務課長 鈴木",
                               P.last_day,
                               "cli",
                               0,
                               0};
        rc = tk_answers_record(tk_tenant_db(t), &set, r, &in, &actor, NULL, &err);
        snprintf(case_ids[k], sizeof case_ids[k], "%s", r->case_id);
        k++;
    }
    if (rc == TK_OK && k < 3) {
        fprintf(stderr, "fewer than two high requests\n");
        rc = TK_EINTERNAL;
    }
    if (rc != TK_OK)
        fprintf(stderr, "setup: %s\n", err.msg);
    tk_answers_set_dispose(&set);
    tk_analysis_summary_dispose(&sum);
    tk_tenant_close(t);
    return rc == TK_OK;
}

/* Cases of a run having rule id (any finding), as models/anomalies counts. */
static size_t rule_cases(tk_db *db, int64_t run, const char *id)
{
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    tk_anomalies_page pg = {0};
    tk_error err;
    q.rule = id;
    q.limit = 1;
    if (tk_anomalies_list(db, run, &q, &pg, &err) != TK_OK)
        return SIZE_MAX;
    const size_t n = pg.total;
    tk_anomalies_page_dispose(&pg);
    return n;
}

static void test_review(void)
{
    tk_rdoc *d = NULL;
    tk_tenant *t = NULL;
    tk_error err = {0, ""};
    tk_periods_entry ep, eq;
    tk_answers_set sp, sq;
    tk_trends tr = {0};
    char *html = NULL;
    memset(&ep, 0, sizeof ep);
    memset(&eq, 0, sizeof eq);
    memset(&sp, 0, sizeof sp);
    memset(&sq, 0, sizeof sq);

    TK_REQUIRE(build(2024, NULL, 0, &d) == TK_OK);
    TK_REQUIRE(tk_analysis_open_tenant(&t, data, "demo", TK_TENANT_READONLY, &err) == TK_OK);
    tk_db *db = tk_tenant_db(t);
    TK_REQUIRE(tk_periods_get(db, &P, &ep, &err) == TK_OK);
    TK_REQUIRE(tk_periods_get(db, &Q, &eq, &err) == TK_OK);
    TK_REQUIRE(tk_answers_requests(db, &P, NULL, &sp, &err) == TK_OK);
    TK_REQUIRE(tk_answers_requests(db, &Q, NULL, &sq, &err) == TK_OK);

    /* The chapters, in order. */
    static const char *const chapters[] = {"1 年間の実施状況（6期）",
                                           "2 年間の傾向",
                                           "3 繰り返し見られる傾向",
                                           "4 重大な事案と是正措置",
                                           "5 確認結果（回答）の状況",
                                           "6 改善の効果",
                                           "7 分析の記録",
                                           "8 次年度の計画"};
    size_t nch = 0;
    for (size_t i = 0; i < tk_rdoc_count(d); i++) {
        tk_rdoc_block b;
        tk_rdoc_block_at(d, i, &b);
        if (b.kind != TK_RDOC_HEADING || b.level != 1)
            continue;
        TK_CHECK(nch < 8);
        if (nch < 8)
            TK_CHECK_STR(b.text, chapters[nch]);
        nch++;
    }
    TK_CHECK_INT(nch, 8);

    /* Chapter 1: the periods' figures are models/periods' and
     * models/answers'. */
    tk_rdoc_block b;
    if (table(d, "期別の実施状況", &b)) {
        TK_CHECK_INT(b.nrows, 7);
        const size_t rp = row_of(&b, "2024-10-01..2024-11-30");
        const size_t rq = row_of(&b, "2024-08-01..2024-09-30");
        const size_t ry = row_of(&b, "年間");
        TK_CHECK_STR(cell(&b, rp, 1), "分析済み");
        TK_CHECK_STR(cell(&b, row_of(&b, "2024-04-01..2024-05-31"), 1), "未分析");
        check_num(&b, rp, 4, ep.cases, "cases of P");
        check_num(&b, rq, 4, eq.cases, "cases of Q");
        check_num(&b, ry, 4, ep.cases + eq.cases, "cases of the year");
        check_num(&b, rp, 10, sp.n, "requests of P");
        check_num(&b, rp, 11, 3, "answers of P");
        check_num(&b, ry, 10, sp.n + sq.n, "requests of the year");
        TK_CHECK(strcmp(cell(&b, rp, 2), "0") != 0); /* files received */
    }
    /* Chapter 2: the items' monthly table adds up to models/trends. */
    const tk_period year = {tk_days_from_civil(2024, 4, 1), tk_days_from_civil(2025, 3, 31)};
    const tk_trends_key key = TK_TRENDS_RULE;
    TK_REQUIRE(tk_trends_compute(db, &year, &key, 1, &tr, &err) == TK_OK);
    if (table(d, "点検項目別・月別の事案数", &b)) {
        size_t sum = 0;
        for (size_t r = 0; r < b.nrows; r++)
            sum += (size_t)atoi(cell(&b, r, 13));
        TK_CHECK_INT(sum, tr.cases);
        TK_CHECK_INT(b.nrows, tr.ngroups);
        /* R22 was off for August-September: its row has no case there. */
        const size_t r22 = row_of(&b, "R22 可搬媒体への書出し");
        TK_CHECK_STR(cell(&b, r22, 5), "0");
        TK_CHECK_STR(cell(&b, r22, 6), "0");
        TK_CHECK(atoi(cell(&b, r22, 7)) + atoi(cell(&b, r22, 8)) > 0);
    }
    /* Chapter 4: the two serious cases answered, with reason and confirmer. */
    if (table(d, "重大な事案の回答", &b)) {
        TK_CHECK_INT(b.nrows, 2);
        TK_CHECK_STR(cell(&b, 0, 0), case_ids[0]);
        TK_CHECK_STR(cell(&b, 0, 6), "不適切");
        TK_CHECK_STR(cell(&b, 0, 7), "権限を削除し再発防止の研修を実施");
        TK_CHECK_STR(cell(&b, 0, 8), "市民課長 山田 2024-11-30");
        TK_CHECK_STR(cell(&b, 1, 0), case_ids[1]);
        TK_CHECK_STR(cell(&b, 1, 6), "調査中");
    }
    /* Chapter 5: the loop's outcome. */
    if (table(d, "期別の回答状況", &b)) {
        const size_t rp = row_of(&b, "2024-10-01..2024-11-30");
        const size_t ry = row_of(&b, "年間");
        check_num(&b, rp, 1, sp.n, "requests");
        check_num(&b, rp, 2, 3, "answered");
        check_num(&b, rp, 3, 1, "justified");
        check_num(&b, rp, 4, 1, "inappropriate");
        check_num(&b, rp, 5, 1, "investigating");
        check_num(&b, rp, 6, sp.n - 3, "unanswered");
        check_num(&b, ry, 6, sp.n + sq.n - 3, "unanswered over the year");
        TK_CHECK_STR(cell(&b, row_of(&b, "2024-04-01..2024-05-31"), 1), "-");
    }
    if (table(d, "点検項目別の回答", &b)) {
        size_t sum = 0;
        for (size_t r = 0; r < b.nrows; r++)
            sum += (size_t)atoi(cell(&b, r, 4));
        TK_CHECK_INT(sum, 3);
    }
    /* Chapter 6: the change of R22, its cases before (P, analysed before
     * it) and after (Q). */
    if (table(d, "設定変更と前後の事案数", &b)) {
        TK_CHECK_INT(b.nrows, 1);
        TK_CHECK_STR(cell(&b, 0, 1), "test-analyst");
        TK_CHECK_STR(cell(&b, 0, 3), "R22: 有効→無効");
        char want[64];
        snprintf(want, sizeof want, "%zu件（1期）", rule_cases(db, ep.latest_run, "R22"));
        TK_CHECK_STR(cell(&b, 0, 4), want);
        TK_CHECK_STR(cell(&b, 0, 5), "0件（1期）");
    }
    /* Chapter 7: both runs, the second with the changed configuration. */
    if (table(d, "分析実行の記録", &b)) {
        TK_CHECK_INT(b.nrows, 2);
        char id[24];
        snprintf(id, sizeof id, "#%lld", (long long)ep.latest_run);
        TK_CHECK_STR(cell(&b, 0, 0), id);
        TK_CHECK_STR(cell(&b, 0, 5), "既定値");
        TK_CHECK_STR(cell(&b, 1, 1), "2024-08-01..2024-09-30");
        TK_CHECK(strncmp(cell(&b, 1, 5), "#", 1) == 0);
        TK_CHECK(strstr(cell(&b, 1, 6), "staff#") != NULL);
    }
    /* Chapter 8: no plan; R22 marked as changed this year. */
    if (table(d, "現在の点検項目としきい値", &b)) {
        const size_t r = row_of(&b, "R22");
        TK_CHECK_STR(cell(&b, r, 2), "無効");
        TK_CHECK(strncmp(cell(&b, r, 5), "○", strlen("○")) == 0);
        TK_CHECK_STR(cell(&b, row_of(&b, "R03"), 5), "");
    }

    /* No resident number of the master in the HTML. */
    html = html_of(d);
    TK_REQUIRE(html != NULL);
    TK_CHECK(strstr(html, "次年度の実施計画はまだ登録されていません") != NULL);
    char path[700];
    snprintf(path, sizeof path, "%s/city/master/residents.csv", dir);
    FILE *f = fopen(path, "r");
    TK_REQUIRE(f != NULL);
    char line[1024];
    size_t nres = 0, leaked = 0;
    while (fgets(line, sizeof line, f)) {
        const size_t k = strcspn(line, ",");
        if (k < 6 || line[0] < '0' || line[0] > '9')
            continue;
        line[k] = '\0';
        nres++;
        if (strstr(html, line)) {
            fprintf(stderr, "resident number %s in the review\n", line);
            leaked++;
        }
    }
    fclose(f);
    TK_CHECK(nres > 100);
    TK_CHECK_INT(leaked, 0);

    free(html);
    tk_trends_dispose(&tr);
    tk_answers_set_dispose(&sp);
    tk_answers_set_dispose(&sq);
    tk_periods_entry_dispose(&ep);
    tk_periods_entry_dispose(&eq);
    tk_tenant_close(t);
    tk_rdoc_destroy(d);
}

static void test_empty_year(void)
{
    tk_rdoc *d = NULL;
    TK_REQUIRE(build(2019, NULL, 0, &d) == TK_OK);
    char *html = html_of(d);
    TK_CHECK(html && strstr(html, "この年度に分析した期間はありません"));
    TK_CHECK(html && strstr(html, "この年度の事案はありません"));
    TK_CHECK(html && strstr(html, "この年度の期間を対象とした分析の実行はありません"));
    tk_rdoc_block b;
    if (table(d, "期別の実施状況", &b))
        TK_CHECK_STR(cell(&b, 6, 4), "0");
    free(html);
    tk_rdoc_destroy(d);
}

static void test_english_and_refusals(void)
{
    tk_rdoc *d = NULL;
    TK_REQUIRE(build(2024, "en", 0, &d) == TK_OK);
    TK_CHECK_STR(tk_rdoc_title(d), "Annual Review of the Log Inspection");
    tk_rdoc_block b;
    TK_CHECK(table(d, "Answers per period", &b));
    tk_rdoc_destroy(d);
    d = NULL;
    TK_CHECK(build(2024, "fr", 0, &d) == TK_EINVAL);
    TK_CHECK(d == NULL);
    TK_CHECK(build(1999, NULL, 0, &d) == TK_EINVAL);
}

static void test_minutes(void)
{
    tk_rdoc *d = NULL;
    tk_tenant *t = NULL;
    tk_error err = {0, ""};
    tk_periods_entry ep, eq;
    memset(&ep, 0, sizeof ep);
    memset(&eq, 0, sizeof eq);
    TK_REQUIRE(build(2024, NULL, 1, &d) == TK_OK);
    TK_CHECK_STR(tk_rdoc_title(d), "分析点検結果報告会 議事録");
    TK_REQUIRE(tk_analysis_open_tenant(&t, data, "demo", TK_TENANT_READONLY, &err) == TK_OK);
    TK_REQUIRE(tk_periods_get(tk_tenant_db(t), &P, &ep, &err) == TK_OK);
    TK_REQUIRE(tk_periods_get(tk_tenant_db(t), &Q, &eq, &err) == TK_OK);
    char *html = html_of(d);
    TK_REQUIRE(html != NULL);
    char want[128];
    snprintf(want, sizeof want, "年間検知事案 %zu 件", ep.cases + eq.cases);
    TK_CHECK(strstr(html, want) != NULL);
    TK_CHECK(strstr(html, "次回までの対応事項") != NULL);
    TK_CHECK(strstr(html, "点検項目の設定変更 1 回") != NULL);
    /* Every agenda item has its blank rows for questions and decisions. */
    size_t qa = 0, blanks = 0;
    for (size_t i = 0; i < tk_rdoc_count(d); i++) {
        tk_rdoc_block b;
        tk_rdoc_block_at(d, i, &b);
        if (b.kind != TK_RDOC_TABLE)
            continue;
        for (size_t c = 0; c < b.ncols; c++)
            blanks += (b.colflags[c] & TK_RDOC_COL_BLANK) != 0;
        for (size_t r = 0; r < b.nrows; r++)
            qa += strcmp(b.cells[r * b.ncols], "質疑・意見") == 0;
    }
    TK_CHECK_INT(qa, 8);
    TK_CHECK(blanks >= 12);
    free(html);
    tk_periods_entry_dispose(&ep);
    tk_periods_entry_dispose(&eq);
    tk_tenant_close(t);
    tk_rdoc_destroy(d);
}

static void test_workbook(void)
{
    tk_rdoc *d = NULL;
    tk_error err = {0, ""};
    tk_xlsx_book *bk = NULL;
    char path[700];
    TK_REQUIRE(build(2024, NULL, 0, &d) == TK_OK);
    snprintf(path, sizeof path, "%s/annual.xlsx", dir);
    TK_REQUIRE(tk_annual_write_xlsx(d, path, &err) == TK_OK);
    FILE *f = fopen(path, "rb");
    TK_REQUIRE(f != NULL);
    static char buf[4 << 20];
    const size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    TK_REQUIRE(tk_xlsx_read(buf, n, &bk, &err) == TK_OK);
    TK_CHECK(tk_xlsx_has_sheet(bk, "01 期別の実施状況"));
    tk_rdoc_block b;
    if (table(d, "期別の実施状況", &b)) {
        int numeric = 0;
        const char *v = tk_xlsx_cell(bk, "01 期別の実施状況", 8, 4, &numeric);
        TK_CHECK(v != NULL && numeric);
        TK_CHECK_STR(v, cell(&b, 6, 4));
        TK_CHECK_STR(tk_xlsx_cell(bk, "01 期別の実施状況", 1, 0, NULL), "期間");
    }
    tk_xlsx_book_destroy(bk);
    tk_rdoc_destroy(d);
}

/* A recorded meeting fills the minutes' 日時, 場所 and 出席者. */
static void test_minutes_of_recorded_meeting(void)
{
    tk_tenant *t = NULL;
    tk_error err = {0, ""};
    TK_REQUIRE(tk_analysis_open_tenant(&t, data, "demo", 0, &err) == TK_OK);
    const char *const who[] = {"市民課長 山田", "受託者 鈴木"};
    int64_t held = 0;
    TK_REQUIRE(tk_period_parse_day("2025-03-14", 10, &held, &err) == TK_OK);
    const tk_meeting_input in = {held, "本庁舎 第2会議室", who, 2};
    const tk_actor a = {"bob", "reporter", "local", NULL};
    TK_REQUIRE(tk_meeting_set(tk_tenant_db(t), 2024, &in, &a, &err) == TK_OK);
    tk_tenant_close(t);
    tk_rdoc *d = NULL;
    TK_REQUIRE(build(2024, NULL, 1, &d) == TK_OK);
    char *html = html_of(d);
    TK_REQUIRE(html != NULL);
    TK_CHECK(strstr(html, "2025年3月14日") != NULL);
    TK_CHECK(strstr(html, "本庁舎 第2会議室") != NULL);
    TK_CHECK(strstr(html, "市民課長 山田") != NULL && strstr(html, "受託者 鈴木") != NULL);
    /* The overview is no longer a table to fill in. */
    tk_rdoc_block b;
    int found = 0;
    for (size_t i = 0; i < tk_rdoc_count(d); i++) {
        tk_rdoc_block_at(d, i, &b);
        if (b.kind == TK_RDOC_TABLE && b.nrows > 0 && strcmp(b.cells[0], "日時") == 0) {
            found = 1;
            TK_CHECK(!(b.colflags[1] & TK_RDOC_COL_BLANK));
            TK_CHECK_STR(b.cells[1], "2025年3月14日");
            TK_CHECK_INT(b.nrows, 4);
            break;
        }
    }
    TK_CHECK(found);
    free(html);
    tk_rdoc_destroy(d);
    /* Another year's minutes stay blank. */
    TK_REQUIRE(build(2023, "en", 1, &d) == TK_OK);
    html = html_of(d);
    TK_REQUIRE(html != NULL);
    TK_CHECK(strstr(html, "Date and time") != NULL && strstr(html, "2025-03-14") == NULL);
    free(html);
    tk_rdoc_destroy(d);
}

int main(void)
{
    if (!setup()) {
        fprintf(stderr, "FAIL setup\n");
        return 1;
    }
    TK_RUN(test_review);
    TK_RUN(test_empty_year);
    TK_RUN(test_english_and_refusals);
    TK_RUN(test_minutes);
    TK_RUN(test_workbook);
    TK_RUN(test_minutes_of_recorded_meeting);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TK_TEST_END();
}
