/* tests/models/test_evidence.c -- the log rows behind a ranked item. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "models/analysis.h"
#include "models/anomalies.h"
#include "models/evidence.h"
#include "src/store.h"
#include "tests/anomalies_v1.h"
#include "tests/test.h"

static int fake_pseudonym(void *ctx, const char *p, size_t len, uint8_t out[32], tk_error *err)
{
    (void)ctx;
    (void)err;
    memset(out, 0, 32);
    for (size_t i = 0; i < len; i++)
        out[i % 32] = (uint8_t)(out[i % 32] * 31 + (uint8_t)p[i] + 1);
    return TK_OK;
}

static tk_db *fresh_db(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%ld.db", tk_test_tmpdir(), name, (long)getpid());
    unlink(path);
    tk_db *db = NULL;
    tk_error err;
    if (tk_db_open(&db, path, TK_DB_CREATE, &err) != TK_OK)
        return NULL;
    if (tk_store_migrate(db, &err) != TK_OK || tk_analysis_migrate(db, &err) != TK_OK) {
        tk_db_close(db);
        return NULL;
    }
    return db;
}

static tk_view V(const char *s)
{
    return (tk_view){s, s ? strlen(s) : 0};
}

/* Stores one upload of n events: event i at t0 + i minutes, record 2 + i
 * (record 1 is the header), user "c<i % 3>", a resident on even events. */
static int store_upload(tk_db *db, const char *file, const char *sha, int n)
{
    tk_error err = {0, ""};
    const tk_upload_meta m = {file, 100, "juki", 1, "ab", 0, 1000, NULL};
    tk_store_writer *w = NULL;
    if (tk_store_writer_begin(&w, db, &m, fake_pseudonym, NULL, &err) != TK_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        char user[8];
        snprintf(user, sizeof user, "c%d", i % 3);
        tk_event e;
        memset(&e, 0, sizeof e);
        e.t = 1727740800000LL + (int64_t)i * 60000; /* 2024-10-01 09:00 JST */
        e.system = V("住民基本台帳");
        e.user = V(user);
        e.user_resolved = i % 3 != 2;
        e.terminal = i == 1 ? (tk_view){NULL, 0} : V("SHIMIN-PC001");
        e.function = V("個人照会");
        e.op = i == 3 ? TK_OP_MEDIA_COPY : TK_OP_LOOKUP;
        e.result = i == 4 ? TK_RESULT_FAILURE : TK_RESULT_SUCCESS;
        e.mynumber = -1;
        e.has_count = i == 0;
        e.count = 20000;
        e.subject = i % 2 == 0 ? V("0000000123") : (tk_view){NULL, 0};
        e.detail = i == 0 ? V("一括抽出, \"全件\"") : (tk_view){NULL, 0};
        e.device = i == 3 ? V("Kingston 64GB") : (tk_view){NULL, 0};
        e.serial = i == 3 ? V("SN-9") : (tk_view){NULL, 0};
        e.record = 2 + i;
        if (tk_store_writer_add(w, &e, &err) != TK_OK) {
            tk_store_writer_abort(w);
            return -1;
        }
    }
    const tk_upload_summary s = {sha, "utf-8", "stored", (uint64_t)n, (uint64_t)n, 0, 0,
                                 0,   0,       NULL,     NULL,        1,           -1};
    int64_t id;
    return tk_store_writer_commit(w, &s, &id, &err);
}

static int add_run(tk_db *db, const char *explanation)
{
    tk_error err;
    char sql[2048];
    int rc = tk_db_exec(db,
                        "INSERT INTO analysis_runs(first_day, last_day, baseline_first,"
                        " baseline_last, created_at, events, items, notes)"
                        " VALUES(20002, 20032, 19819, 20001, 0, 9, 2, '[\"a note\"]')",
                        &err);
    snprintf(sql, sizeof sql,
             TK_TEST_ANOMALIES_V1
             "INSERT INTO anomalies_v1(run_id, rank, entity_type, entity_id, day, score, source,"
             " rule_id, severity, summary, explanation) VALUES"
             " (1, 1, 'user', 'c0', 20002, 99.900000000000006, 'rule', 'R25', 'critical',"
             "  '職員 c0 が一括抽出', '%s'),"
             " (1, 2, 'terminal', 'SHIMIN-PC001', NULL, 61.25, 'model', NULL, NULL,"
             "  '端末 SHIMIN-PC001 の期間', '{\"evidence\":[]}')",
             explanation);
    return rc == TK_OK ? tk_db_exec(db, sql, &err) : rc;
}

static void reads_the_rows_behind_an_item(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("evidence1");
    TK_REQUIRE(db != NULL);
    TK_REQUIRE(store_upload(db, "juki_2024-10.csv", "aa", 6) == TK_OK);
    const int64_t B = TK_EVBLOCK_MAX;
    /* events 0, 3 and 4 of block 1, listed out of order, one twice, and one
     * that is not stored; 40 events behind the item in all */
    char ex[256];
    snprintf(ex, sizeof ex, "{\"evidence\":[%lld,%lld,%lld,%lld,%lld],\"evidence_total\":40}",
             (long long)(B + 4), (long long)B, (long long)(B + 3), (long long)B,
             (long long)(7 * B));
    TK_REQUIRE(add_run(db, ex) == TK_OK);

    tk_evidence *e = NULL;
    TK_REQUIRE(tk_anomalies_evidence(db, 1, 1, &e, &err) == TK_OK);
    TK_CHECK_INT(tk_evidence_listed(e), 4);
    TK_CHECK_INT(tk_evidence_total(e), 40);
    TK_REQUIRE(tk_evidence_count(e) == 3);
    const tk_evidence_row *r = tk_evidence_row_at(e, 0);
    TK_CHECK_INT(r->id, B);
    TK_CHECK_INT(r->t, 1727740800000LL);
    TK_CHECK_STR(r->system, "住民基本台帳");
    TK_CHECK_STR(r->user, "c0");
    TK_CHECK_INT(r->user_resolved, 1);
    TK_CHECK_STR(r->terminal, "SHIMIN-PC001");
    TK_CHECK_STR(r->operation, "lookup");
    TK_CHECK_STR(r->function, "個人照会");
    TK_CHECK_INT(r->failed, 0);
    TK_CHECK_INT(r->count, 20000);
    TK_CHECK_STR(r->detail, "一括抽出, \"全件\"");
    TK_CHECK_STR(r->file_name, "juki_2024-10.csv");
    TK_CHECK_INT(r->upload_id, 1);
    TK_CHECK_INT(r->record, 2);
    /* the resident is its pseudonym in hex, never the identifier */
    uint8_t ps[32];
    char hex[65];
    TK_REQUIRE(fake_pseudonym(NULL, "0000000123", 10, ps, &err) == TK_OK);
    for (size_t i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", ps[i]);
    TK_CHECK_STR(r->resident, hex);
    TK_CHECK(strstr(r->resident, "0000000123") == NULL);
    r = tk_evidence_row_at(e, 1);
    TK_CHECK_INT(r->id, B + 3);
    TK_CHECK_STR(r->operation, "media_copy");
    TK_CHECK_STR(r->device, "Kingston 64GB");
    TK_CHECK_STR(r->serial, "SN-9");
    TK_CHECK_STR(r->resident, "");
    TK_CHECK_INT(r->count, -1);
    TK_CHECK_INT(r->record, 5);
    r = tk_evidence_row_at(e, 2);
    TK_CHECK_INT(r->failed, 1);
    TK_CHECK(tk_evidence_row_at(e, 3) == NULL);
    tk_evidence_destroy(e);

    /* an item without evidence reads as none */
    TK_REQUIRE(tk_anomalies_evidence(db, 1, 2, &e, &err) == TK_OK);
    TK_CHECK_INT(tk_evidence_count(e), 0);
    TK_CHECK_INT(tk_evidence_total(e), 0);
    tk_evidence_destroy(e);
    tk_evidence_destroy(NULL);

    /* a missing item names the run's period and its size */
    TK_CHECK_INT(tk_anomalies_evidence(db, 1, 5, &e, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "run #1 (2024-10-06..2024-11-05) has no item 5: it lists 2 items");
    TK_CHECK(e == NULL);
    tk_db_close(db);
}

int main(void)
{
    TK_RUN(reads_the_rows_behind_an_item);
    TK_TEST_END();
}
