/* tests/models/test_answers.c -- the 要確認事項 selection, case ids that
 * survive a re-analysis, answers and what they do to triage and
 * suppressions, frozen periods, all-or-nothing batches, and the lists and
 * counts the reports read. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "models/analysis.h"
#include "models/anomalies.h"
#include "models/answers.h"
#include "models/suppress.h"
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
        tk_analysis_migrate(db, &err) != TK_OK || tk_suppress_migrate(db, &err) != TK_OK ||
        tk_answers_migrate(db, &err) != TK_OK) {
        tk_db_close(db);
        return NULL;
    }
    return db;
}

/* A run of 2024-10-01..2024-10-31 (days 19997..20027) with 7 items; with
 * reverse, the same cases ranked the other way round (a re-analysis).
 *   rank entity       day    source rule sev       score
 *   1    user u1      20000  rule   R25  critical  99.9
 *   2    terminal PC-1 20001 model                 87.0
 *   3    user u2      NULL   model                 60.0
 *   4    user u1      19998  rule   R10  high      55.5
 *   5    user u3      20001  rule   R14  high      50.0
 *   6    terminal PC-0 19998 rule   R30  high      45.0
 *   7    user u2      20003  model                 40.0 */
static int add_run(tk_db *db, int reverse, int64_t *run)
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
    snprintf(
        sql, sizeof sql,
        TK_TEST_ANOMALIES_V1
        "INSERT INTO anomalies_v1(run_id, rank, entity_type, entity_id, day, score, source, "
        "rule_id,"
        " severity, summary, explanation) VALUES"
        " (0, 1, 'user', 'u1', 20000, 99.9, 'rule', 'R25', 'critical', '大量照会',"
        "  '{\"detail\":{\"dept\":\"市民課\",\"systems\":[\"住基\"]}}'),"
        " (0, 2, 'terminal', 'PC-1', 20001, 87.0, 'model', NULL, NULL, 's2',"
        "  '{\"dept\":\"市民課\",\"evidence\":[]}'),"
        " (0, 3, 'user', 'u2', NULL, 60.0, 'model', NULL, NULL, 's3', '{\"dept\":\"税務課\"}'),"
        " (0, 4, 'user', 'u1', 19998, 55.5, 'rule', 'R10', 'high', '時間外',"
        "  '{\"detail\":{\"dept\":\"市民課\",\"systems\":[\"税\",\"住基\"]}}'),"
        " (0, 5, 'user', 'u3', 20001, 50.0, 'rule', 'R14', 'high', 's5',"
        "  '{\"detail\":{\"systems\":[\"税\"]}}'),"
        " (0, 6, 'terminal', 'PC-0', 19998, 45.0, 'rule', 'R30', 'high', 's6',"
        "  '{\"detail\":{\"dept\":\"福祉課\",\"systems\":[\"端末\"]}}'),"
        " (0, 7, 'user', 'u2', 20003, 40.0, 'model', NULL, NULL, 's7', '{\"dept\":\"税務課\"}');"
        "UPDATE anomalies SET run_id = %lld, rank = CASE WHEN %d THEN -(8 - rank) ELSE -rank END"
        " WHERE run_id = 0;"
        "UPDATE anomalies SET rank = -rank WHERE run_id = %lld",
        (long long)*run, reverse, (long long)*run);
    rc = tk_db_exec(db, sql, &err);
    if (rc == TK_OK)
        rc = tk_anomalies_index(db, *run, &err);
    return rc;
}

static void ranks(const tk_answers_set *s, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? "," : "",
                              (long long)s->v[i].item.rank);
}

static int64_t fixed(void *ctx)
{
    return *(const int64_t *)ctx;
}

static const tk_period october = {19997, 20027};
/* 2024-11-10 12:00 JST */
static int64_t now = 20037LL * 86400000 + 3 * 3600000;
static const tk_clock clock_ = {fixed, &now};
static const tk_actor alice = {"alice", "uploader", "192.0.2.1", &clock_};

static const tk_answers_request *by_rank(const tk_answers_set *s, int64_t rank)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].item.rank == rank)
            return &s->v[i];
    return NULL;
}

static size_t count(tk_db *db, const char *table)
{
    char sql[128];
    int64_t n = -1;
    tk_error err;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if (tk_db_query_i64(db, sql, &n, &err) != TK_OK)
        return (size_t)-1;
    return (size_t)n;
}

static void selection_and_ids(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("answers1");
    TK_REQUIRE(db != NULL);
    int64_t run = 0;
    TK_REQUIRE(add_run(db, 0, &run) == TK_OK);
    tk_answers_set s;
    char got[64];
    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);
    ranks(&s, got, sizeof got);
    /* high or critical (1, 4, 5, 6) or scoring 80 or more (1, 2) */
    TK_CHECK_STR(got, "1,2,4,5,6");
    TK_CHECK_INT(s.run, run);
    TK_CHECK_INT(s.v[2].no, 3);
    TK_CHECK(strncmp(s.v[0].case_id, "C-2024-10-", 10) == 0);
    TK_CHECK_INT(strlen(s.v[0].case_id), 18);
    for (size_t i = 0; i < s.n; i++)
        for (size_t j = i + 1; j < s.n; j++)
            TK_CHECK(strcmp(s.v[i].case_id, s.v[j].case_id) != 0);
    char id4[TK_ANSWERS_CASE_ID_SIZE];
    snprintf(id4, sizeof id4, "%s", by_rank(&s, 4)->case_id);
    TK_CHECK(tk_answers_find(&s, id4) == by_rank(&s, 4));
    TK_CHECK(tk_answers_find(&s, "C-2024-10-00000000") == NULL);
    tk_answers_set_dispose(&s);

    /* the options: a lower threshold, a cap */
    tk_answers_options o = TK_ANSWERS_OPTIONS_INIT;
    o.min_score = 59.0;
    o.limit = 4;
    TK_REQUIRE(tk_answers_requests(db, &october, &o, &s, &err) == TK_OK);
    ranks(&s, got, sizeof got);
    TK_CHECK_STR(got, "1,2,3,4");
    tk_answers_set_dispose(&s);

    /* triage: false_positive leaves, investigating joins */
    TK_REQUIRE(tk_anomalies_triage(db, run, 6, TK_ANOMALIES_FALSE_POSITIVE, NULL, &alice, &err) ==
               TK_OK);
    TK_REQUIRE(tk_anomalies_triage(db, run, 7, TK_ANOMALIES_INVESTIGATING, NULL, &alice, &err) ==
               TK_OK);
    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);
    ranks(&s, got, sizeof got);
    TK_CHECK_STR(got, "1,2,4,5,7");
    tk_answers_set_dispose(&s);

    /* a re-analysis ranks the cases the other way round: same ids */
    int64_t run2 = 0;
    TK_REQUIRE(add_run(db, 1, &run2) == TK_OK);
    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);
    TK_CHECK_INT(s.run, run2);
    ranks(&s, got, sizeof got);
    TK_CHECK_STR(got, "1,3,4,6,7");
    const tk_answers_request *r = tk_answers_find(&s, id4);
    TK_REQUIRE(r != NULL);
    TK_CHECK_INT(r->item.rank, 4);
    TK_CHECK_STR(r->item.rule_id, "R10");
    TK_CHECK_STR(r->item.entity, "u1");
    tk_answers_set_dispose(&s);

    const tk_period none = {20100, 20130};
    TK_CHECK_INT(tk_answers_requests(db, &none, NULL, &s, &err), TK_ENOTFOUND);
    tk_db_close(db);
}

static tk_answers_input input(tk_answers_verdict v, const char *reason)
{
    tk_answers_input in = {v, reason, "市民課長 山田", 20035, "cli", 0, 0};
    return in;
}

static void answers_feed_triage(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("answers2");
    TK_REQUIRE(db != NULL);
    int64_t run = 0;
    TK_REQUIRE(add_run(db, 0, &run) == TK_OK);
    tk_answers_set s;
    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);

    /* justified, with a suppression */
    tk_answers_input in = input(TK_ANSWERS_JUSTIFIED, "窓口の代理入力（課長承認済み）");
    in.suppress = 1;
    in.suppress_until = 20400;
    int64_t id = 0;
    TK_REQUIRE(tk_answers_record(db, &s, by_rank(&s, 4), &in, &alice, &id, &err) == TK_OK);
    TK_CHECK(id > 0);
    tk_anomalies_item it;
    TK_REQUIRE(tk_anomalies_get(db, run, 4, &it, &err) == TK_OK);
    TK_CHECK_INT(it.status, TK_ANOMALIES_FALSE_POSITIVE);
    TK_CHECK_STR(it.comment, "窓口の代理入力（課長承認済み）");
    TK_CHECK_STR(it.decided_by, "alice");
    tk_anomalies_item_dispose(&it);
    tk_suppression *sup = NULL;
    size_t nsup = 0;
    TK_REQUIRE(tk_suppress_list(db, &sup, &nsup, &err) == TK_OK);
    TK_REQUIRE(nsup == 1);
    TK_CHECK_STR(sup[0].rule_id, "R10");
    TK_CHECK_STR(sup[0].entity, "u1");
    TK_CHECK_INT(sup[0].expires_day, 20400);
    TK_CHECK_INT(sup[0].rank, 4);
    tk_suppress_free(sup, nsup);

    /* inappropriate → confirmed; investigating → investigating */
    in = input(TK_ANSWERS_INAPPROPRIATE, "");
    TK_REQUIRE(tk_answers_record(db, &s, by_rank(&s, 1), &in, &alice, NULL, &err) == TK_OK);
    in = input(TK_ANSWERS_INVESTIGATING, "本人に聴取中");
    TK_REQUIRE(tk_answers_record(db, &s, by_rank(&s, 2), &in, &alice, NULL, &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_get(db, run, 1, &it, &err) == TK_OK);
    TK_CHECK_INT(it.status, TK_ANOMALIES_CONFIRMED);
    tk_anomalies_item_dispose(&it);
    TK_REQUIRE(tk_anomalies_get(db, run, 2, &it, &err) == TK_OK);
    TK_CHECK_INT(it.status, TK_ANOMALIES_INVESTIGATING);
    TK_CHECK_STR(it.comment, "本人に聴取中");
    tk_anomalies_item_dispose(&it);
    char rank1[TK_ANSWERS_CASE_ID_SIZE];
    snprintf(rank1, sizeof rank1, "%s", by_rank(&s, 1)->case_id);
    tk_answers_set_dispose(&s);

    /* the justified case stays a request, with its answer */
    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);
    const tk_answers_request *r = by_rank(&s, 4);
    TK_REQUIRE(r != NULL);
    TK_CHECK(r->answered);
    TK_CHECK_INT(r->answer.verdict, TK_ANSWERS_JUSTIFIED);
    TK_CHECK_STR(r->answer.confirmed_by, "市民課長 山田");
    TK_CHECK_STR(r->answer.dept, "市民課");
    TK_CHECK_STR(r->answer.kind, "R10");
    TK_CHECK(r->answer.suppression > 0);
    TK_CHECK_INT(s.answered, 3);
    in = input(TK_ANSWERS_JUSTIFIED, "窓口の代理入力（課長承認済み）");
    TK_CHECK(tk_answers_same(r, &in));
    in.confirmed_on = 20036;
    TK_CHECK(!tk_answers_same(r, &in));

    /* a second answer: history keeps both, the newest is current */
    now += 60000;
    in = input(TK_ANSWERS_INAPPROPRIATE, "再調査で不適切と判明");
    TK_REQUIRE(tk_answers_record(db, &s, by_rank(&s, 1), &in, &alice, NULL, &err) == TK_OK);
    tk_answers_answer *h = NULL;
    size_t nh = 0;
    TK_REQUIRE(tk_answers_history(db, &october, rank1, &h, &nh, &err) == TK_OK);
    TK_CHECK_INT(nh, 2);
    if (nh == 2) {
        TK_CHECK_STR(h[0].reason, "");
        TK_CHECK_STR(h[1].reason, "再調査で不適切と判明");
        TK_CHECK_INT(h[1].at, now);
    }
    tk_answers_free(h, nh);
    TK_CHECK_INT(tk_db_exec(db, "UPDATE answers SET verdict = 'justified'", &err), TK_EDB);
    TK_CHECK_INT(tk_db_exec(db, "DELETE FROM answers", &err), TK_EDB);

    tk_answers_answer *v = NULL;
    size_t n = 0;
    TK_REQUIRE(tk_answers_list(db, &october, &v, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 3);
    tk_answers_free(v, n);

    /* the next period's follow-up reads this one */
    const tk_period november = {20028, 20057};
    tk_period prev = {0, 0};
    TK_REQUIRE(tk_answers_previous_period(db, &november, &prev, &err) == TK_OK);
    TK_CHECK_INT(prev.first_day, october.first_day);
    TK_CHECK_INT(prev.last_day, october.last_day);
    TK_CHECK_INT(tk_answers_previous_period(db, &october, &prev, &err), TK_ENOTFOUND);

    /* counts per period, rule and 所属 */
    tk_answers_count *c = NULL;
    size_t nc = 0;
    const tk_period year = {19997, 20361};
    TK_REQUIRE(tk_answers_counts(db, &year, &c, &nc, &err) == TK_OK);
    TK_REQUIRE(nc == 3);
    /* R10 市民課 justified 1; R25 市民課 inappropriate 1; model 市民課 investigating 1 */
    TK_CHECK_STR(c[0].kind, "R10");
    TK_CHECK_INT(c[0].n[TK_ANSWERS_JUSTIFIED], 1);
    TK_CHECK_STR(c[1].kind, "R25");
    TK_CHECK_INT(c[1].n[TK_ANSWERS_INAPPROPRIATE], 1);
    TK_CHECK_INT(c[1].n[TK_ANSWERS_JUSTIFIED], 0);
    TK_CHECK_STR(c[2].kind, "model");
    TK_CHECK_STR(c[2].dept, "市民課");
    TK_CHECK_INT(c[2].n[TK_ANSWERS_INVESTIGATING], 1);
    tk_answers_counts_free(c, nc);
    tk_answers_set_dispose(&s);
    tk_db_close(db);
}

static void bad_answers_store_nothing(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("answers3");
    TK_REQUIRE(db != NULL);
    int64_t run = 0;
    TK_REQUIRE(add_run(db, 0, &run) == TK_OK);
    tk_answers_set s;
    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);
    const tk_answers_request *r = by_rank(&s, 5);
    char long_reason[TK_ANSWERS_REASON_MAX + 2];
    memset(long_reason, 'a', sizeof long_reason - 1);
    long_reason[sizeof long_reason - 1] = '\0';
    tk_answers_input in = input(TK_ANSWERS_JUSTIFIED, long_reason);
    TK_CHECK_INT(tk_answers_record(db, &s, r, &in, &alice, NULL, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "the reason holds at most 2000 bytes, not 2001");
    in = input(TK_ANSWERS_JUSTIFIED, "\xe3\x81");
    TK_CHECK_INT(tk_answers_record(db, &s, r, &in, &alice, NULL, &err), TK_EINVAL);
    in = input(TK_ANSWERS_JUSTIFIED, " ");
    TK_CHECK_INT(tk_answers_record(db, &s, r, &in, &alice, NULL, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "a justified answer needs the business reason (業務上の理由)");
    in = input(TK_ANSWERS_INAPPROPRIATE, "");
    in.confirmed_on = 19990;
    TK_CHECK_INT(tk_answers_record(db, &s, r, &in, &alice, NULL, &err), TK_EINVAL);
    TK_CHECK_STR(
        err.msg,
        "the confirmation date (確認日) must be a day from 2024-10-01 to 2024-11-10 (today)");
    in.confirmed_on = 20038;
    TK_CHECK_INT(tk_answers_record(db, &s, r, &in, &alice, NULL, &err), TK_EINVAL);
    in = input(TK_ANSWERS_INAPPROPRIATE, "");
    in.confirmed_by = "";
    TK_CHECK_INT(tk_answers_record(db, &s, r, &in, &alice, NULL, &err), TK_EINVAL);
    in = input(TK_ANSWERS_INAPPROPRIATE, "x");
    in.suppress = 1;
    TK_CHECK_INT(tk_answers_record(db, &s, r, &in, &alice, NULL, &err), TK_EINVAL);
    in = input(TK_ANSWERS_JUSTIFIED, "x");
    in.suppress = 1;
    TK_CHECK_INT(tk_answers_record(db, &s, by_rank(&s, 2), &in, &alice, NULL, &err), TK_EINVAL);
    TK_CHECK_INT(count(db, "answers"), 0);
    TK_CHECK_INT(count(db, "triage"), 0);

    /* a batch: one bad row rolls back the good ones */
    TK_REQUIRE(tk_db_begin(db, &err) == TK_OK);
    in = input(TK_ANSWERS_INAPPROPRIATE, "");
    TK_CHECK_INT(tk_answers_record(db, &s, by_rank(&s, 1), &in, &alice, NULL, &err), TK_OK);
    in = input(TK_ANSWERS_JUSTIFIED, "");
    TK_CHECK_INT(tk_answers_record(db, &s, by_rank(&s, 4), &in, &alice, NULL, &err), TK_EINVAL);
    tk_db_rollback(db);
    TK_CHECK_INT(count(db, "answers"), 0);
    TK_CHECK_INT(count(db, "triage"), 0);

    /* verdict names and labels */
    tk_answers_verdict v;
    TK_CHECK_INT(tk_answers_verdict_parse(" 不適切 ", strlen(" 不適切 "), &v, &err), TK_OK);
    TK_CHECK_INT(v, TK_ANSWERS_INAPPROPRIATE);
    TK_CHECK_INT(tk_answers_verdict_parse("justified", 9, &v, &err), TK_OK);
    TK_CHECK_INT(v, TK_ANSWERS_JUSTIFIED);
    TK_CHECK_INT(tk_answers_verdict_parse("ok", 2, &v, &err), TK_EINVAL);

    /* delivered: frozen, nothing stored */
    TK_REQUIRE(tk_period_deliver(db, &october, now, "bob", &err) == TK_OK);
    in = input(TK_ANSWERS_INAPPROPRIATE, "");
    TK_CHECK_INT(tk_answers_record(db, &s, r, &in, &alice, NULL, &err), TK_EFROZEN);
    TK_CHECK_INT(count(db, "answers"), 0);
    TK_CHECK_INT(count(db, "triage"), 0);
    tk_answers_set_dispose(&s);
    tk_db_close(db);
}

int main(void)
{
    TK_RUN(selection_and_ids);
    TK_RUN(answers_feed_triage);
    TK_RUN(bad_answers_store_nothing);
    TK_TEST_END();
}
