/* tests/api/test_contract.c -- the 業務処理計画書 and the 業務完了報告書
 * (api/contract.h) of a real tenant.
 *
 * The tenant has a stored schedule for fiscal year 2024 with one period
 * left out, logs of two periods (April-May and June-July 2024) with one
 * file refused, both periods analysed, the first delivered, and rule R03
 * changed. The documents are read back block by block and every figure is
 * compared with what the models answer themselves (tk_periods_get,
 * tk_completeness_compute, tk_answers_requests, tk_uploads_list), so a
 * document that counts on its own, or guesses, fails. The HTML is
 * searched for the resident numbers of the logs and for the accounts'
 * secrets, which must not be there. */
#include "api/contract.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/analysis.h"
#include "models/answers.h"
#include "models/meeting.h"
#include "models/completeness.h"
#include "models/periods.h"
#include "models/tuning.h"
#include "src/alloc.h"
#include "src/ingest.h"
#include "src/profile.h"
#include "src/timefmt.h"
#include "src/uploads.h"
#include "tests/test.h"

static char dir[600];
static tk_tenant *tenant;

static const char juki[] =
    "{\"profile\":\"juki\",\"system\":{\"value\":\"住民基本台帳\"},\"fields\":{"
    "\"time\":{\"column\":\"日時\",\"format\":\"YYYY/MM/DD hh:mm:ss\"},"
    "\"user\":{\"column\":\"職員\"},\"terminal\":{\"column\":\"端末\"},"
    "\"operation\":{\"column\":\"操作\",\"map\":{\"照会\":\"lookup\"}},"
    "\"subject\":{\"column\":\"宛名番号\"}}}";

static const tk_actor alice = {"alice", "analyst", "127.0.0.1", NULL};

static int64_t day_of(const char *iso)
{
    int64_t d = 0;
    tk_error err;
    if (tk_period_parse_day(iso, strlen(iso), &d, &err) != TK_OK)
        abort();
    return d;
}

/* A log file of n rows on the open days from `from` (YYYY/MM/DD prefix
 * with day numbers), resident numbers 0000412383 + i. */
static int ingest(const tk_profile *p, const char *name, const char *month, int days, int per_day,
                  int bad_rows)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return TK_EIO;
    fputs("日時,職員,端末,操作,宛名番号\n", f);
    for (int d = 1; d <= days; d++)
        for (int i = 0; i < per_day; i++)
            fprintf(f, "%s/%02d %02d:%02d:00,u%d,PC%d,照会,%010d\n", month, d, 9 + i % 8, i % 60,
                    i % 7, i % 3, 412383 + i);
    for (int i = 0; i < bad_rows; i++)
        fprintf(f, "%s/99 09:00:00,u1,PC1,照会,%010d\n", month, 412383 + i);
    fclose(f);
    tk_ingest_result res;
    tk_error err;
    tk_ingest_options o = TK_INGEST_OPTIONS_INIT;
    o.lenient = 1;
    return tk_ingest_file(tenant, p, path, &o, &res, &err);
}

/* The table captioned cap of d: its block (0 when absent). */
static int find_table(const tk_rdoc *d, const char *cap, tk_rdoc_block *out)
{
    for (size_t i = 0; i < tk_rdoc_count(d); i++) {
        tk_rdoc_block_at(d, i, out);
        if (out->kind == TK_RDOC_TABLE && out->text && strcmp(out->text, cap) == 0)
            return 1;
    }
    fprintf(stderr, "no table \"%s\"\n", cap);
    tk_test_failed_now = 1;
    return 0;
}

static const char *cell(const tk_rdoc_block *b, size_t r, size_t c)
{
    return r < b->nrows && c < b->ncols ? b->cells[r * b->ncols + c] : "(none)";
}

/* The value of label in the i-th FACTS block after the heading that
 * contains `heading` (NULL when absent). */
static const char *fact_after(const tk_rdoc *d, const char *heading, const char *label)
{
    int in = 0;
    tk_rdoc_block b;
    for (size_t i = 0; i < tk_rdoc_count(d); i++) {
        tk_rdoc_block_at(d, i, &b);
        if (b.kind == TK_RDOC_HEADING) {
            if (in)
                break;
            in = strstr(b.text, heading) != NULL;
        } else if (in && b.kind == TK_RDOC_FACTS) {
            for (size_t k = 0; k + 1 < b.nitems; k += 2)
                if (strcmp(b.items[k], label) == 0)
                    return b.items[k + 1];
        }
    }
    fprintf(stderr, "no fact \"%s\" under \"%s\"\n", label, heading);
    tk_test_failed_now = 1;
    return NULL;
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
        free(buf);
        return NULL;
    }
    return buf;
}

static void num(uint64_t v, char *buf, size_t cap)
{
    char d[32];
    snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    const size_t n = strlen(d);
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = '\0';
}

static tk_period p1, p2;

static void setup(void)
{
    char tmpl[512];
    tk_error err;
    tk_profile *p = NULL;
    snprintf(tmpl, sizeof tmpl, "%s/contract-XXXXXX", tk_test_tmpdir());
    mkdir(tk_test_tmpdir(), 0755);
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(dir, sizeof dir, "%s", tmpl);
    char data[700];
    snprintf(data, sizeof data, "%s/data", dir);
    if (tk_analysis_create_tenant(&tenant, data, "kita", &err) != TK_OK ||
        tk_profile_parse(&p, juki, strlen(juki), "test", &err) != TK_OK) {
        fprintf(stderr, "setup: %s\n", err.msg);
        exit(2);
    }
    tk_db *db = tk_tenant_db(tenant);
    /* The schedule: five periods of the year, the last one not planned. */
    tk_period b[6];
    tk_period_fiscal_bimonths(2024, b);
    int64_t dl[5], due[5];
    for (size_t i = 0; i < 5; i++) {
        dl[i] = b[i].last_day + 10;
        due[i] = b[i].last_day + 30 + (int64_t)i;
    }
    p1 = b[0];
    p2 = b[1];
    int rc = tk_tenant_lock_writer(tenant, "test", TK_TENANT_NOWAIT, NULL, NULL, &err);
    if (rc == TK_OK)
        rc = tk_periods_plan(db, b, dl, due, 5, &alice, &err);
    if (rc == TK_OK)
        rc = ingest(p, "juki_2024-04.csv", "2024/04", 20, 12, 0);
    if (rc == TK_OK)
        rc = ingest(p, "juki_2024-05.csv", "2024/05", 25, 9, 3);
    if (rc == TK_OK)
        rc = ingest(p, "juki_2024-06.csv", "2024/06", 28, 10, 0);
    if (rc == TK_OK) { /* refused whole: no valid row */
        const int got = ingest(p, "broken.csv", "2024/13", 1, 1, 0);
        rc = got == TK_EREJECTED || got == TK_OK ? TK_OK : got;
    }
    /* A file refused whole has no rows to date it: it counts for the last
     * period that ended before it was sent (here 2024-06-05 JST). */
    if (rc == TK_OK)
        rc = tk_db_exec(db,
                        "UPDATE uploads SET started_at = 1717545600000,"
                        " finished_at = 1717545601000 WHERE file_name = 'broken.csv'",
                        &err);
    const char *change = "{\"params\":{\"min_residents\":250}}";
    if (rc == TK_OK)
        rc = tk_tuning_rule_set(db, "R03", change, strlen(change), &alice, NULL, &err);
    tk_analysis_summary sum;
    tk_analysis_options o = TK_ANALYSIS_OPTIONS_INIT;
    o.actor = &alice;
    o.threads = 1;
    if (rc == TK_OK && (rc = tk_analysis_run(tenant, &p1, &o, &sum, &err)) == TK_OK)
        tk_analysis_summary_dispose(&sum);
    if (rc == TK_OK && (rc = tk_analysis_run(tenant, &p2, &o, &sum, &err)) == TK_OK)
        tk_analysis_summary_dispose(&sum);
    if (rc == TK_OK)
        rc = tk_periods_deliver(db, &p1, 0, &alice, &err);
    tk_tenant_unlock_writer(tenant);
    tk_profile_destroy(p);
    if (rc != TK_OK) {
        fprintf(stderr, "setup failed (%d): %s\n", rc, err.msg);
        exit(2);
    }
}

static void test_periods(void)
{
    tk_contract_period *v = NULL;
    size_t n = 0;
    tk_error err;
    TK_REQUIRE(tk_contract_periods(tk_tenant_db(tenant), 2024, &v, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 6);
    if (n == 6) {
        TK_CHECK_INT(v[0].period.first_day, day_of("2024-04-01"));
        TK_CHECK(v[0].planned && v[4].planned && !v[5].planned);
        TK_CHECK_INT(v[5].period.last_day, day_of("2025-03-31"));
        TK_CHECK_INT(v[1].upload_deadline, day_of("2024-08-10"));
    }
    tk_free(v);
    TK_CHECK_INT(tk_contract_periods(tk_tenant_db(tenant), 1999, &v, &n, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "1999") != NULL);
    /* A year with no plan: the six periods, all unplanned. */
    TK_REQUIRE(tk_contract_periods(tk_tenant_db(tenant), 2030, &v, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 6);
    for (size_t i = 0; i < n; i++)
        TK_CHECK(!v[i].planned);
    tk_free(v);
}

static void test_plan(void)
{
    tk_error err;
    tk_rdoc *d = NULL;
    tk_account_info acc[3];
    memset(acc, 0, sizeof acc);
    snprintf(acc[0].name, sizeof acc[0].name, "sato");
    snprintf(acc[0].role, sizeof acc[0].role, "uploader");
    snprintf(acc[0].tenant, sizeof acc[0].tenant, "kita");
    snprintf(acc[1].name, sizeof acc[1].name, "minami-clerk");
    snprintf(acc[1].role, sizeof acc[1].role, "uploader");
    snprintf(acc[1].tenant, sizeof acc[1].tenant, "minami");
    snprintf(acc[2].name, sizeof acc[2].name, "root");
    snprintf(acc[2].role, sizeof acc[2].role, "admin");
    tk_contract_options o = TK_CONTRACT_OPTIONS_INIT;
    o.fiscal_year = 2024;
    o.issued = 1733011200000; /* 2024-12-01 */
    o.accounts = acc;
    o.naccounts = 3;
    o.accounts_known = 1;
    TK_REQUIRE(tk_contract_plan(tenant, &o, &d, &err) == TK_OK);
    TK_CHECK_STR(tk_rdoc_title(d), "業務処理計画書");
    tk_rdoc_block b;

    /* Chapter 2: this tenant's accounts and the global admin, not another tenant's. */
    if (find_table(d, "役割を持つアカウント", &b)) {
        TK_CHECK_INT(b.nrows, 2);
        TK_CHECK_STR(cell(&b, 0, 0), "sato");
        TK_CHECK_STR(cell(&b, 1, 0), "root");
        TK_CHECK_STR(cell(&b, 1, 3), "全団体（サービス管理者）");
    }
    /* Chapter 3: the stored rows' system, no stored profile. */
    if (find_table(d, "対象システムと受領するログ", &b)) {
        TK_CHECK_INT(b.nrows, 1);
        TK_CHECK_STR(cell(&b, 0, 0), "住民基本台帳");
    }
    /* Chapter 4: R03 as changed, with its parameter in words. */
    if (find_table(d, "点検項目とパラメータ（現在の設定）", &b)) {
        TK_CHECK_INT(b.nrows, tk_rulecat_count());
        int seen = 0;
        for (size_t r = 0; r < b.nrows; r++) {
            if (strcmp(cell(&b, r, 0), "R03") != 0)
                continue;
            seen = 1;
            TK_CHECK(strstr(cell(&b, r, 4), "閾値の下限（固定値）: 250人") != NULL);
            TK_CHECK(strncmp(cell(&b, r, 5), "#1 ", 3) == 0 && strstr(cell(&b, r, 5), "alice"));
            if (!strstr(cell(&b, r, 4), "250人"))
                fprintf(stderr, "R03 parameters: %s\n", cell(&b, r, 4));
        }
        TK_CHECK(seen);
        TK_CHECK_STR(cell(&b, 0, 5), "既定値");
    }
    /* Chapter 5: the schedule as stored, the last period unplanned. */
    if (find_table(d, "期ごとの日程", &b)) {
        TK_CHECK_INT(b.nrows, 6);
        TK_CHECK_STR(cell(&b, 0, 1), "2024年4月1日 〜 2024年5月31日");
        TK_CHECK_STR(cell(&b, 0, 2), "2024年6月10日");
        TK_CHECK_STR(cell(&b, 0, 3), "2024年6月30日");
        TK_CHECK_STR(cell(&b, 3, 3), "2025年1月2日"); /* 30 + 3 days after Nov 30 */
        TK_CHECK_STR(cell(&b, 5, 2), "未計画");
        TK_CHECK_STR(cell(&b, 5, 4), "未計画");
    }
    char *html = html_of(d);
    TK_REQUIRE(html != NULL);
    TK_CHECK(strstr(html, "0000412383") == NULL); /* no resident number */
    TK_CHECK(strstr(html, "minami-clerk") == NULL);
    TK_CHECK(strstr(html, "$argon2") == NULL);
    TK_CHECK(strstr(html, "データの受け渡しと取扱い") != NULL);
    free(html);
    tk_rdoc_destroy(d);

    /* Not allowed to list accounts: a blank table, and no account named. */
    o.accounts_known = 0;
    o.lang = "en";
    TK_REQUIRE(tk_contract_plan(tenant, &o, &d, &err) == TK_OK);
    TK_CHECK_STR(tk_rdoc_title(d), "Work Plan");
    if (find_table(d, "Accounts holding the roles", &b)) {
        TK_CHECK(b.nrows > 0);
        for (size_t r = 0; r < b.nrows; r++)
            TK_CHECK_STR(cell(&b, r, 0), "");
    }
    tk_rdoc_destroy(d);

    o.lang = "fr";
    TK_CHECK_INT(tk_contract_plan(tenant, &o, &d, &err), TK_EINVAL);
    TK_CHECK(d == NULL);
    o.lang = NULL;
    o.fiscal_year = 3000;
    TK_CHECK_INT(tk_contract_plan(tenant, &o, &d, &err), TK_EINVAL);
    TK_CHECK(d == NULL);
}

static void test_completion(void)
{
    tk_error err;
    tk_rdoc *d = NULL;
    tk_db *db = tk_tenant_db(tenant);
    tk_contract_options o = TK_CONTRACT_OPTIONS_INIT;
    o.fiscal_year = 2024;
    o.issued = 1733011200000;
    TK_REQUIRE(tk_contract_completion(tenant, &o, &d, &err) == TK_OK);
    TK_CHECK_STR(tk_rdoc_title(d), "業務完了報告書");
    tk_rdoc_block b;
    TK_REQUIRE(find_table(d, "期別の実施状況", &b));
    TK_REQUIRE(b.nrows == 7); /* six periods and the total */

    TK_CHECK_STR(cell(&b, 0, 1), "2024年4月〜5月");
    TK_CHECK_STR(cell(&b, 4, 1), "2024年12月〜2025年1月");
    /* The models' own figures. */
    const tk_period *ps[2] = {&p1, &p2};
    uint64_t stored_total = 0;
    for (size_t k = 0; k < 2; k++) {
        tk_completeness g;
        tk_periods_entry e;
        tk_answers_set set;
        memset(&g, 0, sizeof g);
        memset(&e, 0, sizeof e);
        memset(&set, 0, sizeof set);
        TK_REQUIRE(tk_completeness_compute(tenant, ps[k], day_of("2024-12-01"), &g, &err) == TK_OK);
        TK_REQUIRE(tk_periods_get(db, ps[k], &e, &err) == TK_OK);
        TK_REQUIRE(tk_answers_requests(db, ps[k], NULL, &set, &err) == TK_OK);
        char st[32], runs[16], req[16];
        num(g.total, st, sizeof st);
        snprintf(runs, sizeof runs, "%zu", e.runs);
        snprintf(req, sizeof req, "%zu", set.n);
        TK_CHECK(g.total > 0);
        TK_CHECK_STR(cell(&b, k, 3), st);
        TK_CHECK_STR(cell(&b, k, 5), runs);
        TK_CHECK_STR(cell(&b, k, 6), req);
        stored_total += g.total;
        tk_completeness_dispose(&g);
        tk_periods_entry_dispose(&e);
        tk_answers_set_dispose(&set);
    }
    /* Files: April and May in the first period (and the refused file,
     * sent after it ended), June in the second. */
    TK_CHECK_STR(cell(&b, 0, 2), "3");
    TK_CHECK_STR(cell(&b, 1, 2), "1");
    /* The refused rows: the three bad rows of May and the refused file's. */
    {
        tk_upload_info *u = NULL;
        size_t n = 0;
        TK_REQUIRE(tk_uploads_list(db, NULL, &u, &n, NULL, &err) == TK_OK);
        uint64_t rej = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(u[i].file_name, "juki_2024-05.csv") == 0 ||
                strcmp(u[i].file_name, "broken.csv") == 0)
                rej += u[i].rows_rejected;
        free(u);
        char r[16];
        snprintf(r, sizeof r, "%llu", (unsigned long long)rej);
        TK_CHECK(rej == 4);
        TK_CHECK_STR(cell(&b, 0, 4), r);
    }
    TK_CHECK_STR(cell(&b, 0, 9), "完了");
    TK_CHECK_STR(cell(&b, 1, 9), "未完了");
    TK_CHECK_STR(cell(&b, 2, 9), "未完了");
    const char *st1 = fact_after(d, "第1期", "状況");
    TK_CHECK(st1 && strcmp(st1, "完了") == 0);
    const char *st2 = fact_after(d, "第2期", "状況");
    TK_CHECK(st2 && strcmp(st2, "未完了（レポート未納品）") == 0);
    const char *st3 = fact_after(d, "第3期", "状況");
    TK_CHECK(st3 && strcmp(st3, "未完了（ログ未受領・未分析・レポート未納品）") == 0);
    TK_CHECK(strncmp(cell(&b, 0, 8), "20", 2) == 0);
    TK_CHECK_STR(cell(&b, 1, 8), "-");
    char tot[32];
    num(stored_total, tot, sizeof tot);
    TK_CHECK_STR(cell(&b, 6, 0), "合計");
    TK_CHECK_STR(cell(&b, 6, 3), tot);
    TK_CHECK_STR(cell(&b, 6, 8), "1/6");

    /* Per period: the delivery, the due day from the plan. */
    const char *due = fact_after(d, "第2期", "レポート納期");
    TK_CHECK(due && strcmp(due, "2024年8月31日") == 0);
    const char *dl = fact_after(d, "第2期", "レポートの納品");
    TK_CHECK(dl && strcmp(dl, "未納品") == 0);
    const char *dl1 = fact_after(d, "第1期", "レポートの納品");
    TK_CHECK(dl1 && strstr(dl1, "alice") && strstr(dl1, "凍結済み"));
    const char *due6 = fact_after(d, "第6期", "レポート納期");
    TK_CHECK(due6 && strcmp(due6, "未計画") == 0);
    const char *rejf = fact_after(d, "第1期", "不受理のファイル");
    TK_CHECK(rejf && strcmp(rejf, "1") == 0);

    char *html = html_of(d);
    TK_REQUIRE(html != NULL);
    TK_CHECK(strstr(html, "0000412383") == NULL);
    TK_CHECK(strstr(html, "報告会") != NULL && strstr(html, "特記事項") != NULL);
    free(html);
    tk_rdoc_destroy(d);

    o.lang = "en";
    TK_REQUIRE(tk_contract_completion(tenant, &o, &d, &err) == TK_OK);
    if (find_table(d, "Per period", &b)) {
        TK_CHECK_STR(cell(&b, 0, 1), "2024-04..2024-05");
        TK_CHECK_STR(cell(&b, 0, 9), "complete");
        TK_CHECK_STR(cell(&b, 1, 9), "not complete");
    }
    const char *en2 = fact_after(d, "Period 2", "Status");
    TK_CHECK(en2 && strcmp(en2, "not complete (report not delivered)") == 0);
    tk_rdoc_destroy(d);
}

/* A recorded 報告会: its day on the cover and in chapter 3. */
static void test_completion_meeting(void)
{
    tk_error err = {0, ""};
    tk_rdoc *d = NULL;
    const char *const who[] = {"市民課長 山田", "受託者 鈴木"};
    int64_t held = 0;
    TK_REQUIRE(tk_period_parse_day("2025-03-14", 10, &held, &err) == TK_OK);
    const tk_meeting_input in = {held, "本庁舎 第2会議室", who, 2};
    TK_REQUIRE(tk_meeting_set(tk_tenant_db(tenant), 2024, &in, &alice, &err) == TK_OK);
    tk_contract_options o = TK_CONTRACT_OPTIONS_INIT;
    o.fiscal_year = 2024;
    o.issued = 1743379200000;
    TK_REQUIRE(tk_contract_completion(tenant, &o, &d, &err) == TK_OK);
    tk_rdoc_block b;
    TK_REQUIRE(find_table(d, "報告会", &b));
    TK_REQUIRE(b.nrows == 1 && b.ncols == 4);
    TK_CHECK_STR(cell(&b, 0, 0), "2025年3月14日");
    TK_CHECK_STR(cell(&b, 0, 1), "本庁舎 第2会議室");
    TK_CHECK_STR(cell(&b, 0, 2), "市民課長 山田、受託者 鈴木");
    TK_CHECK(!(b.colflags[0] & TK_RDOC_COL_BLANK) && (b.colflags[3] & TK_RDOC_COL_BLANK));
    /* On the cover, right under the year. */
    size_t np = 0;
    const char *const *cf = tk_rdoc_cover_facts(d, &np);
    size_t at = np;
    for (size_t i = 0; i < np; i++)
        if (strcmp(cf[2 * i], "報告会の開催日") == 0)
            at = i;
    TK_REQUIRE(at < np && at > 0);
    TK_CHECK_STR(cf[2 * at + 1], "2025年3月14日");
    TK_CHECK_STR(cf[2 * at - 2], "対象年度");
    char *html = html_of(d);
    TK_REQUIRE(html != NULL);
    TK_CHECK(strstr(html, "報告会の記録は tenken にありません") == NULL);
    free(html);
    tk_rdoc_destroy(d);
    /* The plan and another year are unchanged. */
    o.fiscal_year = 2023;
    TK_REQUIRE(tk_contract_completion(tenant, &o, &d, &err) == TK_OK);
    html = html_of(d);
    TK_REQUIRE(html != NULL);
    TK_CHECK(strstr(html, "報告会の開催日") == NULL);
    TK_CHECK(strstr(html, "報告会の記録は tenken にありません") != NULL);
    free(html);
    tk_rdoc_destroy(d);
}

int main(void)
{
    setup();
    TK_RUN(test_periods);
    TK_RUN(test_plan);
    TK_RUN(test_completion);
    TK_RUN(test_completion_meeting);
    tk_tenant_close(tenant);
    TK_TEST_END();
}
