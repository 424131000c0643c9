/* tests/models/test_anomalies.c -- reading stored ranked lists: filters,
 * orders, cursors, facets, and triage decisions that follow an item's
 * content from one run to the next. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "models/analysis.h"
#include "models/anomalies.h"
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

/* A run of 2024-10-01..2024-10-31 (days 19997..20027) with 7 items:
 *   rank entity            day    source rule dept   systems
 *   1    user u1           20000  rule   R25  市民課 住基
 *   2    terminal PC-1     20001  model       市民課 (none)
 *   3    user u2           NULL   model       税務課 (none)
 *   4    user u1           19998  rule   R10  市民課 住基, 税
 *   5    user u'3          20001  rule   R14  (none) 税
 *   6    terminal PC-0     19998  rule   R30  福祉課 端末
 *   7    user u2           20003  model       税務課 (none) */
static int add_run(tk_db *db, int64_t *run)
{
    tk_error err;
    int rc = tk_db_exec(db,
                        "INSERT INTO analysis_runs(first_day, last_day, baseline_first,"
                        " baseline_last, created_at, events, items, notes)"
                        " VALUES(19997, 20027, 19814, 19996, 1, 9, 7, NULL)",
                        &err);
    if (rc != TK_OK)
        return rc;
    *run = sqlite3_last_insert_rowid(tk_db_handle(db));
    char sql[4096];
    snprintf(sql, sizeof sql,
             TK_TEST_ANOMALIES_V1
             "INSERT INTO anomalies_v1(run_id, rank, entity_type, entity_id, day, score, source, "
             "rule_id,"
             " severity, summary, explanation) VALUES"
             " (0, 1, 'user', 'u1', 20000, 99.9, 'rule', 'R25', 'critical', 's1',"
             "  '{\"detail\":{\"dept\":\"市民課\",\"systems\":[\"住基\"]}}'),"
             " (0, 2, 'terminal', 'PC-1', 20001, 87.0, 'model', NULL, NULL, 's2',"
             "  '{\"dept\":\"市民課\",\"evidence\":[]}'),"
             " (0, 3, 'user', 'u2', NULL, 60.0, 'model', NULL, NULL, 's3',"
             "  '{\"dept\":\"税務課\"}'),"
             " (0, 4, 'user', 'u1', 19998, 55.5, 'rule', 'R10', 'high', 's4',"
             "  '{\"detail\":{\"dept\":\"市民課\",\"systems\":[\"税\",\"住基\",\"税\"]}}'),"
             " (0, 5, 'user', 'u''3', 20001, 50.0, 'rule', 'R14', 'high', 's5',"
             "  '{\"detail\":{\"systems\":[\"税\"]}}'),"
             " (0, 6, 'terminal', 'PC-0', 19998, 45.0, 'rule', 'R30', 'high', 's6',"
             "  '{\"detail\":{\"dept\":\"福祉課\",\"systems\":[\"端末\"]}}'),"
             " (0, 7, 'user', 'u2', 20003, 40.0, 'model', NULL, NULL, 's7',"
             "  '{\"dept\":\"税務課\"}');"
             "UPDATE anomalies SET run_id = %lld WHERE run_id = 0",
             (long long)*run);
    rc = tk_db_exec(db, sql, &err);
    if (rc == TK_OK)
        rc = tk_anomalies_index(db, *run, &err);
    return rc;
}

/* The ranks of a page, as "1,4,5". */
static void ranks(const tk_anomalies_page *p, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < p->n; i++) {
        const size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%lld", i ? "," : "", (long long)p->items[i].rank);
    }
}

/* Reads the whole list in pages of `size`, following the cursors. */
static void all_pages(tk_db *db, int64_t run, tk_anomalies_query q, size_t size, char *buf,
                      size_t cap, size_t *pages)
{
    tk_error err = {0, ""};
    char next[TK_ANOMALIES_CURSOR_SIZE] = "";
    buf[0] = '\0';
    *pages = 0;
    q.limit = size;
    for (;;) {
        tk_anomalies_page p;
        q.cursor = next[0] ? next : NULL;
        if (tk_anomalies_list(db, run, &q, &p, &err) != TK_OK) {
            fprintf(stderr, "list: %s\n", err.msg);
            return;
        }
        char part[256];
        ranks(&p, part, sizeof part);
        const size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%s", len && p.n ? "," : "", part);
        (*pages)++;
        snprintf(next, sizeof next, "%s", p.next_cursor);
        tk_anomalies_page_dispose(&p);
        if (next[0] == '\0' || *pages > 20)
            return;
    }
}

static void filters_select_items(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("anomalies1");
    TK_REQUIRE(db != NULL);
    int64_t run = 0;
    TK_REQUIRE(add_run(db, &run) == TK_OK);
    const struct {
        tk_anomalies_query q;
        const char *want;
    } cases[] = {
        {{NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL},
         "1,2,3,4,5,6,7"},
        {{"terminal", NULL, NULL, NULL, NULL, NULL, -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL}, "2,6"},
        {{NULL, "u1", NULL, NULL, NULL, NULL, -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL}, "1,4"},
        {{NULL, NULL, "税", NULL, NULL, NULL, -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL}, "4,5"},
        {{NULL, NULL, NULL, "市民課", NULL, NULL, -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL}, "1,2,4"},
        {{NULL, NULL, NULL, NULL, "R10", NULL, -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL}, "4"},
        {{NULL, NULL, NULL, NULL, NULL, "model", -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL}, "2,3,7"},
        {{NULL, NULL, NULL, NULL, NULL, NULL, -1, 55.5, TK_ANOMALIES_BY_RANK, 0, NULL}, "1,2,3,4"},
        {{"user", NULL, NULL, "税務課", NULL, "model", -1, 50, TK_ANOMALIES_BY_RANK, 0, NULL}, "3"},
        /* values with SQL in them are values, never statements */
        {{NULL, "u'3", NULL, NULL, NULL, NULL, -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL}, "5"},
        {{NULL, "' OR 1=1 --", NULL, NULL, NULL, NULL, -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL}, ""},
        {{NULL, NULL, "%", NULL, NULL, NULL, -1, 0, TK_ANOMALIES_BY_RANK, 0, NULL}, ""},
        {{NULL, NULL, NULL, "市民課'); DROP TABLE anomalies; --", NULL, NULL, -1, 0,
          TK_ANOMALIES_BY_RANK, 0, NULL},
         ""},
        /* orders: by day (period items last), by entity; ties by rank */
        {{NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, TK_ANOMALIES_BY_DAY, 0, NULL},
         "4,6,1,2,5,7,3"},
        {{NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, TK_ANOMALIES_BY_ENTITY, 0, NULL},
         "6,2,5,1,4,3,7"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tk_anomalies_page p;
        char got[256];
        const int rc = tk_anomalies_list(db, run, &cases[i].q, &p, &err);
        if (rc != TK_OK) {
            fprintf(stderr, "case %zu: %s\n", i, err.msg);
            TK_CHECK(rc == TK_OK);
            continue;
        }
        ranks(&p, got, sizeof got);
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "case %zu: got %s, want %s\n", i, got, cases[i].want);
        TK_CHECK_STR(got, cases[i].want);
        TK_CHECK_INT(p.total, p.n);
        TK_CHECK_STR(p.next_cursor, "");
        tk_anomalies_page_dispose(&p);
    }
    /* the table is still there after the metacharacters */
    int64_t n = 0;
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM anomalies", &n, &err) == TK_OK && n == 7);
    tk_db_close(db);
}

static void facets_and_items(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("anomalies2");
    TK_REQUIRE(db != NULL);
    int64_t run = 0;
    TK_REQUIRE(add_run(db, &run) == TK_OK);
    tk_anomalies_item it;
    TK_REQUIRE(tk_anomalies_get(db, run, 4, &it, &err) == TK_OK);
    TK_CHECK_STR(it.dept, "市民課");
    TK_REQUIRE(it.nsystems == 2); /* sorted, distinct */
    TK_CHECK_STR(it.systems[0], "住基");
    TK_CHECK_STR(it.systems[1], "税");
    TK_CHECK(it.score == 55.5);
    TK_CHECK_STR(it.rule_id, "R10");
    TK_CHECK(it.explanation != NULL);
    TK_CHECK_INT(it.status, TK_ANOMALIES_NEW);
    TK_CHECK(it.decided_by == NULL);
    tk_anomalies_item_dispose(&it);
    TK_REQUIRE(tk_anomalies_get(db, run, 3, &it, &err) == TK_OK);
    TK_CHECK_INT(it.day, TK_ANOMALIES_PERIOD_ITEM);
    TK_CHECK_INT(it.model, 1);
    TK_CHECK_INT(it.nsystems, 0);
    tk_anomalies_item_dispose(&it);
    TK_CHECK_INT(tk_anomalies_get(db, run, 8, &it, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "run #1 (2024-10-01..2024-10-31) has no item 8: it lists 7 items");
    tk_anomalies_item_dispose(&it);
    /* indexing twice gives the same facets, not twice as many */
    TK_REQUIRE(tk_anomalies_index(db, run, &err) == TK_OK);
    int64_t n = 0;
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM anomaly_facets", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 8);
    tk_db_close(db);
}

static void cursors_page_exactly(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("anomalies3");
    TK_REQUIRE(db != NULL);
    int64_t run = 0;
    TK_REQUIRE(add_run(db, &run) == TK_OK);
    char got[256];
    size_t pages = 0;
    for (size_t size = 1; size <= 8; size++) {
        tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
        all_pages(db, run, q, size, got, sizeof got, &pages);
        TK_CHECK_STR(got, "1,2,3,4,5,6,7");
        TK_CHECK_INT(pages, (7 + size - 1) / size);
        q.order = TK_ANOMALIES_BY_DAY;
        all_pages(db, run, q, size, got, sizeof got, &pages);
        TK_CHECK_STR(got, "4,6,1,2,5,7,3");
        q.order = TK_ANOMALIES_BY_ENTITY;
        q.entity_type = "user";
        all_pages(db, run, q, size, got, sizeof got, &pages);
        TK_CHECK_STR(got, "5,1,4,3,7");
    }
    /* the total counts every match, the page only its share */
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    tk_anomalies_page p;
    q.limit = 3;
    TK_REQUIRE(tk_anomalies_list(db, run, &q, &p, &err) == TK_OK);
    TK_CHECK_INT(p.n, 3);
    TK_CHECK_INT(p.total, 7);
    TK_CHECK_STR(p.next_cursor, "c1.1.0.3");
    tk_anomalies_page_dispose(&p);
    /* a cursor of another order, of another run, or made up */
    const char *bad[] = {"c1.1.1.3",  "c1.2.0.3", "x",          "c1.1.0.",  "c1.1.0.3x",
                         "c1.1.0.-3", "c1.1.0.0", "c1.1.0.3.4", "c1.+1.0.3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        q.cursor = bad[i];
        const int rc = tk_anomalies_list(db, run, &q, &p, &err);
        if (rc != TK_EINVAL)
            fprintf(stderr, "cursor %s: %d\n", bad[i], rc);
        TK_CHECK_INT(rc, TK_EINVAL);
    }
    q.cursor = NULL;
    q.limit = TK_ANOMALIES_PAGE_MAX + 1;
    TK_CHECK_INT(tk_anomalies_list(db, run, &q, &p, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "a page holds at most 1000 items, not 1001");
    q.limit = 0;
    q.entity_type = "resident";
    TK_CHECK_INT(tk_anomalies_list(db, run, &q, &p, &err), TK_EINVAL);
    q.entity_type = NULL;
    TK_CHECK_INT(tk_anomalies_list(db, 99, &q, &p, &err), TK_ENOTFOUND);
    tk_db_close(db);
}

static int64_t fixed(void *ctx)
{
    return *(const int64_t *)ctx;
}

static void triage_follows_the_content(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("anomalies4");
    TK_REQUIRE(db != NULL);
    int64_t run = 0, run2 = 0;
    TK_REQUIRE(add_run(db, &run) == TK_OK);
    int64_t now = 1733400000000;
    const tk_clock clock = {fixed, &now};
    const tk_actor alice = {"alice", "analyst", "192.0.2.1", &clock};
    TK_CHECK_INT(tk_anomalies_triage(db, run, 4, TK_ANOMALIES_NEW, NULL, &alice, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "item 4 is new already: nobody has triaged it");
    TK_REQUIRE(tk_anomalies_triage(db, run, 4, TK_ANOMALIES_INVESTIGATING, "見ている", &alice,
                                   &err) == TK_OK);
    now += 60000;
    TK_REQUIRE(tk_anomalies_triage(db, run, 4, TK_ANOMALIES_CONFIRMED, "本人に確認済み", &alice,
                                   &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_triage(db, run, 3, TK_ANOMALIES_FALSE_POSITIVE, NULL, &alice, &err) ==
               TK_OK);
    tk_anomalies_item it;
    TK_REQUIRE(tk_anomalies_get(db, run, 4, &it, &err) == TK_OK);
    TK_CHECK_INT(it.status, TK_ANOMALIES_CONFIRMED);
    TK_CHECK_STR(it.comment, "本人に確認済み");
    TK_CHECK_STR(it.decided_by, "alice");
    TK_CHECK_INT(it.decided_at, 1733400060000);
    tk_anomalies_item_dispose(&it);
    /* a status filter */
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    tk_anomalies_page p;
    char got[64];
    q.status = TK_ANOMALIES_NEW;
    TK_REQUIRE(tk_anomalies_list(db, run, &q, &p, &err) == TK_OK);
    ranks(&p, got, sizeof got);
    TK_CHECK_STR(got, "1,2,5,6,7");
    tk_anomalies_page_dispose(&p);
    q.status = TK_ANOMALIES_FALSE_POSITIVE;
    TK_REQUIRE(tk_anomalies_list(db, run, &q, &p, &err) == TK_OK);
    ranks(&p, got, sizeof got);
    TK_CHECK_STR(got, "3");
    tk_anomalies_page_dispose(&p);

    /* a new analysis of the same period ranks the same findings elsewhere:
     * the decisions follow the findings, not the ranks */
    TK_REQUIRE(add_run(db, &run2) == TK_OK);
    TK_REQUIRE(tk_db_exec(db,
                          "UPDATE anomalies SET rank = 10 + rank WHERE run_id = 2;"
                          "UPDATE anomalies SET rank = 18 - rank WHERE run_id = 2;"
                          "DELETE FROM anomaly_facets WHERE run_id = 2",
                          &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_index(db, run2, &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_get(db, run2, 4, &it, &err) == TK_OK); /* was rank 4: 18-14 */
    TK_CHECK_STR(it.summary, "s4");
    TK_CHECK_INT(it.status, TK_ANOMALIES_CONFIRMED);
    tk_anomalies_item_dispose(&it);
    TK_REQUIRE(tk_anomalies_get(db, run2, 5, &it, &err) == TK_OK); /* was rank 3 */
    TK_CHECK_STR(it.summary, "s3");
    TK_CHECK_INT(it.status, TK_ANOMALIES_FALSE_POSITIVE);
    tk_anomalies_item_dispose(&it);
    /* the period item of u2 and its day item are different findings */
    TK_REQUIRE(tk_anomalies_get(db, run2, 1, &it, &err) == TK_OK); /* was rank 7 */
    TK_CHECK_STR(it.summary, "s7");
    TK_CHECK_INT(it.status, TK_ANOMALIES_NEW);
    tk_anomalies_item_dispose(&it);

    /* the history, oldest first */
    tk_anomalies_decision *d = NULL;
    size_t n = 0;
    TK_REQUIRE(tk_anomalies_history(db, run2, 4, &d, &n, &err) == TK_OK);
    TK_REQUIRE(n == 2);
    TK_CHECK_INT(d[0].status, TK_ANOMALIES_INVESTIGATING);
    TK_CHECK_STR(d[0].comment, "見ている");
    TK_CHECK_STR(d[0].role, "analyst");
    TK_CHECK_INT(d[0].at, 1733400000000);
    TK_CHECK_INT(d[1].status, TK_ANOMALIES_CONFIRMED);
    tk_anomalies_decisions_free(d, n);
    TK_REQUIRE(tk_anomalies_history(db, run2, 2, &d, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 0);
    tk_anomalies_decisions_free(d, n);
    TK_CHECK_INT(tk_anomalies_history(db, run2, 9, &d, &n, &err), TK_ENOTFOUND);

    /* decisions are never rewritten */
    TK_CHECK(tk_db_exec(db, "UPDATE triage SET status = 'new'", &err) != TK_OK);
    TK_CHECK(strstr(err.msg, "append-only") != NULL);
    /* bad comments */
    char big[TK_ANOMALIES_COMMENT_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    TK_CHECK_INT(tk_anomalies_triage(db, run2, 1, TK_ANOMALIES_CONFIRMED, big, &alice, &err),
                 TK_EINVAL);
    TK_CHECK_INT(tk_anomalies_triage(db, run2, 1, TK_ANOMALIES_CONFIRMED, "a\x01", &alice, &err),
                 TK_EINVAL);
    TK_CHECK_INT(tk_anomalies_triage(db, run2, 1, TK_ANOMALIES_CONFIRMED, "\xe3\x81", &alice, &err),
                 TK_EINVAL);
    TK_CHECK_INT(tk_anomalies_triage(db, run2, 99, TK_ANOMALIES_CONFIRMED, NULL, &alice, &err),
                 TK_ENOTFOUND);
    /* a delivered period takes no more decisions */
    const tk_period pr = {19997, 20027};
    TK_REQUIRE(tk_period_deliver(db, &pr, now, "alice", &err) == TK_OK);
    TK_CHECK_INT(tk_anomalies_triage(db, run2, 1, TK_ANOMALIES_CONFIRMED, NULL, &alice, &err),
                 TK_EFROZEN);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM triage", (int64_t *)&n, &err) == TK_OK);
    TK_CHECK_INT(n, 3);
    tk_db_close(db);
}

static void runs_and_migration(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("anomalies5");
    TK_REQUIRE(db != NULL);
    tk_anomalies_run r;
    TK_CHECK_INT(tk_anomalies_find_run(db, NULL, &r, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "no analysis yet: run `tenken analyze` first");
    int64_t run = 0;
    TK_REQUIRE(add_run(db, &run) == TK_OK);
    TK_REQUIRE(add_run(db, &run) == TK_OK);
    const tk_period pr = {19997, 20027}, other = {20028, 20058};
    TK_REQUIRE(tk_anomalies_find_run(db, &pr, &r, &err) == TK_OK);
    TK_CHECK_INT(r.id, 2);
    TK_CHECK_INT(r.items, 7);
    tk_anomalies_run_dispose(&r);
    TK_CHECK_INT(tk_anomalies_find_run(db, &other, &r, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "no analysis of 2024-11-01..2024-12-01 yet: run `tenken analyze` first");
    tk_anomalies_run *runs = NULL;
    size_t n = 0;
    TK_REQUIRE(tk_anomalies_runs_list(db, &pr, 0, 10, &runs, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 2);
    TK_CHECK(n == 2 && runs[0].id == 2 && runs[1].id == 1);
    tk_anomalies_runs_free(runs, n);
    TK_REQUIRE(tk_anomalies_runs_list(db, NULL, 2, 10, &runs, &n, &err) == TK_OK);
    TK_CHECK(n == 1 && runs[0].id == 1);
    tk_anomalies_runs_free(runs, n);
    /* a store from before the facets: migration indexes its runs once */
    TK_REQUIRE(tk_db_exec(db, "DROP TABLE anomaly_facets; DROP TABLE anomaly_indexed", &err) ==
               TK_OK);
    TK_REQUIRE(tk_anomalies_migrate(db, &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_migrate(db, &err) == TK_OK);
    int64_t facets = 0;
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM anomaly_facets", &facets, &err) == TK_OK);
    TK_CHECK_INT(facets, 16);
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    tk_anomalies_page p;
    q.system = "住基";
    TK_REQUIRE(tk_anomalies_list(db, 1, &q, &p, &err) == TK_OK);
    TK_CHECK_INT(p.total, 2);
    tk_anomalies_page_dispose(&p);
    tk_db_close(db);
}

/* Cases: an item made of several findings over several days. A row
 * stored before cases (no first day) reads as a case of one finding;
 * --rule finds a case by any of its rules; triage holds for the case
 * (entity, leading rule, first day) in a new run, and a case that grew
 * past the last day a decision saw reads as new, its history kept. */
static void triage_follows_the_case(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("anomalies6");
    TK_REQUIRE(db != NULL);
    int64_t run = 0, run2 = 0, run3 = 0;
    static const char as_case[] =
        "UPDATE anomalies SET first_day = 19996, last_day = %d, days = 2, rules = ',R01,R10,',"
        " findings = 3 WHERE run_id = %lld AND rank = 4";
    char sql[256];
    TK_REQUIRE(add_run(db, &run) == TK_OK);
    snprintf(sql, sizeof sql, as_case, 19998, (long long)run);
    TK_REQUIRE(tk_db_exec(db, sql, &err) == TK_OK);
    tk_anomalies_item it;
    TK_REQUIRE(tk_anomalies_get(db, run, 1, &it, &err) == TK_OK);
    TK_CHECK_INT(it.first_day, 20000);
    TK_CHECK_INT(it.last_day, 20000);
    TK_CHECK_INT(it.days, 1);
    TK_CHECK_INT(it.findings, 1);
    TK_CHECK_STR(it.rules, "R25");
    tk_anomalies_item_dispose(&it);
    TK_REQUIRE(tk_anomalies_get(db, run, 3, &it, &err) == TK_OK); /* a period item */
    TK_CHECK_INT(it.first_day, 19997);
    TK_CHECK_INT(it.last_day, 20027);
    TK_CHECK_STR(it.rules, "");
    tk_anomalies_item_dispose(&it);
    TK_REQUIRE(tk_anomalies_get(db, run, 4, &it, &err) == TK_OK);
    TK_CHECK_INT(it.day, 19998);
    TK_CHECK_INT(it.first_day, 19996);
    TK_CHECK_INT(it.last_day, 19998);
    TK_CHECK_INT(it.days, 2);
    TK_CHECK_INT(it.findings, 3);
    TK_CHECK_STR(it.rules, "R01,R10");
    tk_anomalies_item_dispose(&it);
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    tk_anomalies_page p;
    char got[64];
    q.rule = "R01";
    TK_REQUIRE(tk_anomalies_list(db, run, &q, &p, &err) == TK_OK);
    ranks(&p, got, sizeof got);
    TK_CHECK_STR(got, "4");
    tk_anomalies_page_dispose(&p);

    int64_t now = 1733400000000;
    const tk_clock clock = {fixed, &now};
    const tk_actor bob = {"bob", "analyst", NULL, &clock};
    TK_REQUIRE(tk_anomalies_triage(db, run, 4, TK_ANOMALIES_CONFIRMED, NULL, &bob, &err) == TK_OK);
    /* the same case in a new run */
    TK_REQUIRE(add_run(db, &run2) == TK_OK);
    snprintf(sql, sizeof sql, as_case, 19998, (long long)run2);
    TK_REQUIRE(tk_db_exec(db, sql, &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_get(db, run2, 4, &it, &err) == TK_OK);
    TK_CHECK_INT(it.status, TK_ANOMALIES_CONFIRMED);
    tk_anomalies_item_dispose(&it);
    /* the case grew by a day: new again, with its history */
    TK_REQUIRE(add_run(db, &run3) == TK_OK);
    snprintf(sql, sizeof sql, as_case, 19999, (long long)run3);
    TK_REQUIRE(tk_db_exec(db, sql, &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_get(db, run3, 4, &it, &err) == TK_OK);
    TK_CHECK_INT(it.status, TK_ANOMALIES_NEW);
    TK_CHECK(it.decided_by == NULL);
    tk_anomalies_item_dispose(&it);
    tk_anomalies_decision *h = NULL;
    size_t nh = 0;
    TK_REQUIRE(tk_anomalies_history(db, run3, 4, &h, &nh, &err) == TK_OK);
    TK_CHECK_INT(nh, 1);
    if (nh == 1)
        TK_CHECK_STR(h[0].decided_by, "bob");
    tk_anomalies_decisions_free(h, nh);
    tk_db_close(db);
}

/* A store from before the explanations had their own table: the
 * migration moves each one to its item and drops the column, and the item
 * reads as before. */
static void explanations_move_out(void)
{
    tk_error err = {0, ""};
    char path[512];
    snprintf(path, sizeof path, "%s/anomalies-v11-%ld.db", tk_test_tmpdir(), (long)getpid());
    unlink(path);
    tk_db *db = NULL;
    TK_REQUIRE(tk_db_open(&db, path, TK_DB_CREATE, &err) == TK_OK);
    TK_REQUIRE(tk_store_migrate(db, &err) == TK_OK && tk_period_migrate(db, &err) == TK_OK);
    TK_REQUIRE(tk_db_exec(db,
                          "CREATE TABLE analysis_runs(id INTEGER PRIMARY KEY,"
                          " first_day INTEGER NOT NULL, last_day INTEGER NOT NULL,"
                          " baseline_first INTEGER NOT NULL, baseline_last INTEGER NOT NULL,"
                          " created_at INTEGER NOT NULL, events INTEGER NOT NULL,"
                          " items INTEGER NOT NULL, options TEXT, notes TEXT);"
                          "CREATE TABLE anomalies(id INTEGER PRIMARY KEY,"
                          " run_id INTEGER NOT NULL, rank INTEGER NOT NULL,"
                          " entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, day INTEGER,"
                          " score REAL NOT NULL, source TEXT NOT NULL, rule_id TEXT,"
                          " severity TEXT, summary TEXT NOT NULL, explanation TEXT NOT NULL,"
                          " UNIQUE(run_id, rank));"
                          "INSERT INTO analysis_runs VALUES(1, 19997, 20027, 19814, 19996, 1, 9,"
                          " 2, NULL, NULL);"
                          "INSERT INTO anomalies VALUES"
                          " (7, 1, 1, 'user', 'u1', 20000, 99.9, 'rule', 'R25', 'critical', 's1',"
                          "  '{\"detail\":{\"dept\":\"市民課\"}}'),"
                          " (9, 1, 2, 'user', 'u2', 20001, 50.0, 'model', NULL, NULL, 's2',"
                          "  '{\"dept\":\"税務課\",\"n\":2}')",
                          &err) == TK_OK);
    TK_REQUIRE(tk_analysis_migrate(db, &err) == TK_OK);
    TK_REQUIRE(tk_analysis_migrate(db, &err) == TK_OK); /* once only */
    int has = 1;
    TK_REQUIRE(tk_db_has_column(db, "anomalies", "explanation", &has, &err) == TK_OK);
    TK_CHECK_INT(has, 0);
    int64_t n = 0;
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM anomaly_explanations", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 2);
    tk_anomalies_item it;
    TK_REQUIRE(tk_anomalies_get(db, 1, 2, &it, &err) == TK_OK);
    TK_CHECK_STR(it.explanation, "{\"dept\":\"税務課\",\"n\":2}");
    TK_CHECK_STR(it.summary, "s2");
    tk_anomalies_item_dispose(&it);
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    tk_anomalies_page p;
    q.dept = "市民課";
    TK_REQUIRE(tk_anomalies_list(db, 1, &q, &p, &err) == TK_OK);
    TK_CHECK_INT(p.total, 1);
    tk_anomalies_page_dispose(&p);
    tk_db_close(db);
}

int main(void)
{
    TK_RUN(filters_select_items);
    TK_RUN(facets_and_items);
    TK_RUN(cursors_page_exactly);
    TK_RUN(triage_follows_the_content);
    TK_RUN(runs_and_migration);
    TK_RUN(triage_follows_the_case);
    TK_RUN(explanations_move_out);
    TK_TEST_END();
}
