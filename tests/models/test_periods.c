/* tests/models/test_periods.c -- periods from runs and deliveries: the
 * list and one period (runs, the newest run, cases by triage status,
 * delivery), and delivery's refusals (no run unless forced, delivered
 * already, overlapping) and the freeze it sets. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "models/analysis.h"
#include "models/anomalies.h"
#include "models/periods.h"
#include "src/period.h"
#include "src/store.h"
#include "tests/anomalies_v1.h"
#include "tests/test.h"

static tk_db *fresh_db(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%ld.db", tk_test_tmpdir(), name, (long)getpid());
    unlink(path);
    tk_db *db = NULL;
    tk_error err;
    if (tk_db_open(&db, path, TK_DB_CREATE, &err) != TK_OK)
        return NULL;
    if (tk_store_migrate(db, &err) != TK_OK || tk_period_migrate(db, &err) != TK_OK ||
        tk_analysis_migrate(db, &err) != TK_OK) {
        tk_db_close(db);
        return NULL;
    }
    return db;
}

static int64_t fixed_now(void *ctx)
{
    return *(const int64_t *)ctx;
}

/* A run of days first..last started by `by` at `at` with n items (ranks
 * 1..n, users u1..un, each its own case). */
static int64_t add_run(tk_db *db, int64_t first, int64_t last, const char *by, int64_t at, int n)
{
    char sql[1024];
    tk_error err;
    snprintf(sql, sizeof sql,
             "INSERT INTO analysis_runs(first_day, last_day, baseline_first, baseline_last,"
             " created_at, events, items, notes, started_by)"
             " VALUES(%lld, %lld, 19800, 19996, %lld, 100, %d, NULL, '%s')",
             (long long)first, (long long)last, (long long)at, n, by);
    if (tk_db_exec(db, sql, &err) != TK_OK)
        return 0;
    const int64_t run = sqlite3_last_insert_rowid(tk_db_handle(db));
    for (int i = 1; i <= n; i++) {
        snprintf(sql, sizeof sql,
                 TK_TEST_ANOMALIES_V1
                 "INSERT INTO anomalies_v1(run_id, rank, entity_type, entity_id, day, score,"
                 " source, rule_id, severity, summary, explanation) VALUES(%lld, %d, 'user',"
                 " 'u%d', %lld, %d, 'rule', 'R25', 'high', 's', '{}')",
                 (long long)run, i, i, (long long)first + i, 90 - i);
        if (tk_db_exec(db, sql, &err) != TK_OK)
            return 0;
    }
    return tk_anomalies_index(db, run, &err) == TK_OK ? run : 0;
}

/* October (19997..20027), November (20028..20057), December (20058..20088). */
static const tk_period oct = {19997, 20027}, nov = {20028, 20057}, dec = {20058, 20088};

static void list_and_get(void)
{
    tk_db *db = fresh_db("periods-list");
    TK_REQUIRE(db != NULL);
    tk_error err = {0};
    int64_t now = 1733000000000;
    const tk_clock clock = {fixed_now, &now};
    const tk_actor alice = {"alice", "analyst", "127.0.0.1", &clock};

    tk_periods_entry *v = NULL;
    size_t n = 9;
    TK_REQUIRE(tk_periods_list(db, &v, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 0);
    TK_CHECK(v == NULL);

    TK_REQUIRE(add_run(db, nov.first_day, nov.last_day, "bob", 1000, 2) > 0);
    TK_REQUIRE(add_run(db, oct.first_day, oct.last_day, "bob", 2000, 4) > 0);
    const int64_t latest = add_run(db, oct.first_day, oct.last_day, "carol", 3000, 3);
    TK_REQUIRE(latest > 0);
    TK_REQUIRE(tk_anomalies_triage(db, latest, 1, TK_ANOMALIES_CONFIRMED, "本人確認", &alice,
                                   &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_triage(db, latest, 3, TK_ANOMALIES_FALSE_POSITIVE, NULL, &alice,
                                   &err) == TK_OK);

    TK_REQUIRE(tk_periods_list(db, &v, &n, &err) == TK_OK);
    TK_REQUIRE(n == 2);
    /* ordered by days: October first although November was analysed first */
    TK_CHECK_INT(v[0].period.first_day, oct.first_day);
    TK_CHECK_INT(v[0].status, TK_PERIODS_ANALYSED);
    TK_CHECK_STR(tk_periods_status_name(v[0].status), "analysed");
    TK_CHECK_INT(v[0].runs, 2);
    TK_CHECK_INT(v[0].latest_run, latest);
    TK_CHECK_INT(v[0].latest_run_at, 3000);
    TK_CHECK_STR(v[0].latest_run_by, "carol");
    TK_CHECK_INT(v[0].cases, 3);
    TK_CHECK_INT(v[0].by_status[TK_ANOMALIES_NEW], 1);
    TK_CHECK_INT(v[0].by_status[TK_ANOMALIES_INVESTIGATING], 0);
    TK_CHECK_INT(v[0].by_status[TK_ANOMALIES_CONFIRMED], 1);
    TK_CHECK_INT(v[0].by_status[TK_ANOMALIES_FALSE_POSITIVE], 1);
    TK_CHECK(!v[0].frozen && v[0].delivered_at == 0 && v[0].delivered_by == NULL);
    TK_CHECK_INT(v[1].period.first_day, nov.first_day);
    TK_CHECK_INT(v[1].runs, 1);
    TK_CHECK_INT(v[1].cases, 2);
    TK_CHECK_INT(v[1].by_status[TK_ANOMALIES_NEW], 2);
    tk_periods_free(v, n);

    /* a period nothing knows is open, with no run */
    tk_periods_entry e;
    TK_REQUIRE(tk_periods_get(db, &dec, &e, &err) == TK_OK);
    TK_CHECK_INT(e.status, TK_PERIODS_OPEN);
    TK_CHECK_STR(tk_periods_status_name(e.status), "open");
    TK_CHECK(e.runs == 0 && e.latest_run == 0 && e.latest_run_by == NULL && !e.frozen);
    tk_periods_entry_dispose(&e);
    TK_REQUIRE(tk_periods_get(db, &oct, &e, &err) == TK_OK);
    TK_CHECK_INT(e.latest_run, latest);
    TK_CHECK_INT(e.by_status[TK_ANOMALIES_CONFIRMED], 1);
    tk_periods_entry_dispose(&e);
    tk_db_close(db);
}

static void delivery(void)
{
    tk_db *db = fresh_db("periods-deliver");
    TK_REQUIRE(db != NULL);
    tk_error err = {0};
    int64_t now = 1733000000000; /* 2024-12-01T05:53:20+09:00 */
    const tk_clock clock = {fixed_now, &now};
    const tk_actor carol = {"carol", "analyst", "127.0.0.1", &clock};
    const int64_t run = add_run(db, oct.first_day, oct.last_day, "bob", 2000, 2);
    TK_REQUIRE(run > 0);

    /* no run: refused unless forced */
    TK_CHECK_INT(tk_periods_deliver(db, &nov, 0, &carol, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "period 2024-11-01..2024-11-30 has no analysis run: analyse it first, "
                          "or force the delivery of a period analysed under other dates");
    tk_periods_entry e;
    TK_REQUIRE(tk_periods_get(db, &nov, &e, &err) == TK_OK);
    TK_CHECK_INT(e.status, TK_PERIODS_OPEN);
    tk_periods_entry_dispose(&e);

    TK_REQUIRE(tk_periods_deliver(db, &oct, 0, &carol, &err) == TK_OK);
    TK_REQUIRE(tk_periods_get(db, &oct, &e, &err) == TK_OK);
    TK_CHECK_INT(e.status, TK_PERIODS_DELIVERED);
    TK_CHECK_STR(tk_periods_status_name(e.status), "delivered");
    TK_CHECK(e.frozen);
    TK_CHECK_INT(e.delivered_at, now);
    TK_CHECK_STR(e.delivered_by, "carol");
    TK_CHECK_INT(e.latest_run, run);
    tk_periods_entry_dispose(&e);

    /* again: already delivered, naming when and by whom */
    TK_CHECK_INT(tk_periods_deliver(db, &oct, 1, &carol, &err), TK_EEXISTS);
    TK_CHECK_STR(err.msg, "period 2024-10-01..2024-10-31 was already delivered on 2024-12-01 "
                          "05:53 (JST) by carol");
    /* overlapping: refused even when forced */
    const tk_period mid = {20010, 20040};
    TK_CHECK_INT(tk_periods_deliver(db, &mid, 1, &carol, &err), TK_EEXISTS);
    TK_CHECK_STR(err.msg, "the overlapping period 2024-10-01..2024-10-31 was delivered on "
                          "2024-12-01 05:53 (JST)");
    /* a period inside the delivered one is open but frozen; triage is refused */
    const tk_period part = {20000, 20005};
    TK_REQUIRE(tk_periods_get(db, &part, &e, &err) == TK_OK);
    TK_CHECK(e.status == TK_PERIODS_OPEN && e.frozen);
    tk_periods_entry_dispose(&e);
    TK_CHECK_INT(tk_anomalies_triage(db, run, 1, TK_ANOMALIES_CONFIRMED, NULL, &carol, &err),
                 TK_EFROZEN);

    /* forced without a run */
    now += 60000;
    TK_REQUIRE(tk_periods_deliver(db, &nov, 1, &carol, &err) == TK_OK);
    tk_periods_entry *v = NULL;
    size_t n = 0;
    TK_REQUIRE(tk_periods_list(db, &v, &n, &err) == TK_OK);
    TK_REQUIRE(n == 2);
    TK_CHECK(v[1].status == TK_PERIODS_DELIVERED && v[1].runs == 0 && v[1].latest_run == 0);
    TK_CHECK_INT(v[1].delivered_at, now);
    tk_periods_free(v, n);
    tk_db_close(db);
}

int main(void)
{
    TK_RUN(list_and_get);
    TK_RUN(delivery);
    TK_TEST_END();
}
