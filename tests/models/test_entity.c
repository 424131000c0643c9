/* tests/models/test_entity.c -- an entity's profile on a hand-built city:
 * daily values, baseline and peer bands, time of day, systems, master
 * data and cases, from features computed on demand and from stored ones. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "features/userday.h"
#include "models/analysis.h"
#include "models/entity.h"
#include "src/master.h"
#include "src/mastersnap.h"
#include "src/store.h"
#include "src/tenant.h"
#include "src/timefmt.h"
#include "tests/anomalies_v1.h"
#include "tests/test.h"

static tk_tenant *new_tenant(void)
{
    char tmpl[512], data_dir[600];
    tk_tenant *t = NULL;
    tk_error err;
    mkdir(tk_test_tmpdir(), 0755);
    snprintf(tmpl, sizeof tmpl, "%s/entity-XXXXXX", tk_test_tmpdir());
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(data_dir, sizeof data_dir, "%s/data", tmpl);
    if (tk_analysis_create_tenant(&t, data_dir, "city", &err) != TK_OK) {
        fprintf(stderr, "tenant: %s\n", err.msg);
        exit(2);
    }
    return t;
}

static void import(tk_tenant *t, const char *kind, const char *file)
{
    char path[600];
    tk_master_import_result r;
    tk_error err;
    snprintf(path, sizeof path, "%s/features/%s", tk_test_datadir(), file);
    if (tk_master_import(t, kind, path, NULL, "2024-04-01", &r, &err) != TK_OK) {
        fprintf(stderr, "import %s: %s\n", file, err.msg);
        exit(2);
    }
}

static int64_t D(int y, int m, int d)
{
    return tk_days_from_civil(y, m, d);
}

/* Unix ms of y-m-d h:mi JST. */
static int64_t jst(int y, int m, int d, int h, int mi)
{
    return (D(y, m, d) * 86400 + h * 3600 + mi * 60 - 9 * 3600) * 1000;
}

typedef struct ev {
    int64_t t;
    const char *user;
    const char *terminal;
    const char *system;
    int op;
} ev;

static int pseudonym_cb(void *ctx, const char *p, size_t len, uint8_t out[32], tk_error *err)
{
    return tk_tenant_pseudonym(ctx, p, len, out, err);
}

static tk_view view(const char *s)
{
    return (tk_view){s, s ? strlen(s) : 0};
}

static void store(tk_tenant *t, const ev *in, size_t n)
{
    const tk_upload_meta meta = {"logs.csv", 1, "test", 1, "x", 0, 0, NULL};
    tk_store_writer *w = NULL;
    tk_error err;
    int64_t id;
    if (tk_store_writer_begin(&w, tk_tenant_db(t), &meta, pseudonym_cb, t, &err) != TK_OK) {
        fprintf(stderr, "writer: %s\n", err.msg);
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        tk_event e;
        memset(&e, 0, sizeof e);
        e.t = in[i].t;
        e.user = view(in[i].user);
        e.terminal = view(in[i].terminal);
        e.system = view(in[i].system);
        e.subject = view("R-0001");
        e.op = in[i].op;
        e.result = TK_RESULT_SUCCESS;
        e.mynumber = -1;
        e.user_resolved = 1;
        e.terminal_resolved = 1;
        if (tk_store_writer_add(w, &e, &err) != TK_OK) {
            fprintf(stderr, "add: %s\n", err.msg);
            exit(2);
        }
    }
    const tk_upload_summary s = {"logs", "utf-8", "stored", n, n, 0, 0, 0, 0, NULL, NULL, 0, -1};
    if (tk_store_writer_commit(w, &s, &id, &err) != TK_OK) {
        fprintf(stderr, "commit: %s\n", err.msg);
        exit(2);
    }
}

#define JUKI   "住民基本台帳"
#define KOSEKI "戸籍"
#define KOJIN  "個人住民税"
#define PC1    "SHIMIN-PC01"
#define PC2    "ZEIMU-PC01"

/* 100001 and 100003 are of 市民課, 100002 of 税務課 (tests/data/features).
 * Baseline (September): 100001 has 2, 4 and 6 look-ups on the 2nd, 3rd
 * and 4th, at 10:00 (2 + 4) and 14:00 (6). Period 2024-10-01..10-03:
 *   10-01  100001  3 look-ups 住基 + 1 look-up 戸籍 at 9:xx   (4 events)
 *          100003  1 look-up 住基 at 10:00
 *          100002  7 look-ups 個人住民税 on ZEIMU-PC01
 *   10-02  nobody of 市民課
 *   10-03  100001  1 update 住基 at 11:00
 *          100003  5 look-ups 住基 at 13:00
 * 100001 and 100003 work on SHIMIN-PC01. */
static tk_tenant *city(void)
{
    tk_tenant *t = new_tenant();
    import(t, "staff", "staff.csv");
    import(t, "terminals", "terminals.csv");
    ev e[64];
    size_t n = 0;
    for (int d = 2; d <= 4; d++)
        for (int k = 0; k < 2 * (d - 1); k++)
            e[n++] = (ev){jst(2024, 9, d, d == 4 ? 14 : 10, k), "100001", PC1, JUKI, TK_OP_LOOKUP};
    for (int k = 0; k < 3; k++)
        e[n++] = (ev){jst(2024, 10, 1, 9, k), "100001", PC1, JUKI, TK_OP_LOOKUP};
    e[n++] = (ev){jst(2024, 10, 1, 9, 30), "100001", PC1, KOSEKI, TK_OP_LOOKUP};
    e[n++] = (ev){jst(2024, 10, 1, 10, 0), "100003", PC1, JUKI, TK_OP_LOOKUP};
    for (int k = 0; k < 7; k++)
        e[n++] = (ev){jst(2024, 10, 1, 11, k), "100002", PC2, KOJIN, TK_OP_LOOKUP};
    e[n++] = (ev){jst(2024, 10, 3, 11, 0), "100001", PC1, JUKI, TK_OP_UPDATE};
    for (int k = 0; k < 5; k++)
        e[n++] = (ev){jst(2024, 10, 3, 13, k), "100003", PC1, JUKI, TK_OP_LOOKUP};
    store(t, e, n);
    return t;
}

static tk_period oct(void)
{
    return (tk_period){D(2024, 10, 1), D(2024, 10, 3)};
}

static int near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

/* The numbers of 100001, whichever way the features were read. */
static void check_user(const tk_entity *e)
{
    TK_CHECK_INT(e->ndays, 3);
    TK_CHECK_INT(e->active_days, 2);
    TK_CHECK_STR(e->dept, "市民課");
    TK_CHECK(e->known == 1 && e->status == TK_MASTERSNAP_ACTIVE);
    TK_CHECK(e->hired_on == D(2020, 4, 1));
    TK_CHECK(e->retired_on == TK_MASTERSNAP_NO_DAY);
    TK_CHECK_STR(tk_entity_measure(TK_ENTITY_USER, 0), "events");
    TK_CHECK_STR(tk_entity_measure(TK_ENTITY_USER, 1), "lookups");
    TK_CHECK_STR(tk_entity_measure(TK_ENTITY_USER, 4), "distinct_systems");
    /* days: events, lookups, systems */
    TK_CHECK(e->days[0].active && near(e->days[0].value[0], 4) && near(e->days[0].value[1], 4));
    TK_CHECK(near(e->days[0].value[4], 2));
    TK_CHECK(!e->days[1].active && near(e->days[1].value[0], 0));
    TK_CHECK(e->days[2].active && near(e->days[2].value[0], 1) && near(e->days[2].value[1], 0));
    /* baseline band of events over {2, 4, 6} */
    const tk_entity_band *b = &e->baseline_band[0];
    TK_CHECK_INT(b->n, 3);
    TK_CHECK(near(b->mean, 4) && near(b->median, 4));
    TK_CHECK(near(b->p10, 2.4) && near(b->p90, 5.6));
    /* peers: 100003 alone, on the days it worked */
    TK_CHECK_INT(e->days[0].peers[0].n, 1);
    TK_CHECK(near(e->days[0].peers[0].median, 1));
    TK_CHECK_INT(e->days[1].peers[0].n, 0);
    TK_CHECK_INT(e->days[2].peers[0].n, 1);
    TK_CHECK(near(e->days[2].peers[0].p90, 5));
    /* time of day */
    TK_CHECK(near(e->tod[9], 4) && near(e->tod[11], 1) && near(e->tod[10], 0));
    TK_CHECK_INT(e->tod_baseline_days, 3);
    TK_CHECK(near(e->tod_baseline[10], 6) && near(e->tod_baseline[14], 6));
    /* systems */
    TK_REQUIRE(e->nsystems == 2);
    TK_CHECK_STR(e->systems[0].name, JUKI);
    TK_CHECK_INT(e->systems[0].events, 4);
    TK_CHECK_STR(e->systems[1].name, KOSEKI);
    TK_CHECK_INT(e->systems[1].events, 1);
}

static void computed_on_demand(void)
{
    tk_tenant *t = city();
    tk_entity e;
    tk_error err = {0, ""};
    const tk_period pr = oct();
    TK_REQUIRE(tk_entity_profile(t, TK_ENTITY_USER, "100001", &pr, &e, &err) == TK_OK);
    TK_CHECK_INT(e.stored, 0);
    TK_CHECK(e.baseline.first_day == D(2024, 10, 1) - 183 && e.baseline.last_day == D(2024, 9, 30));
    check_user(&e);
    TK_CHECK_INT(e.ncases, 0);
    tk_entity_dispose(&e);
    tk_entity_dispose(&e); /* twice is harmless */
    tk_tenant_close(t);
}

/* A run of the period with September as its baseline and two cases;
 * the features of the run's range stored as the analysis stores them. */
static void stored_with_cases(void)
{
    tk_tenant *t = city();
    tk_db *db = tk_tenant_db(t);
    tk_error err = {0, ""};
    char sql[2560];
    snprintf(sql, sizeof sql,
             "INSERT INTO analysis_runs(first_day, last_day, baseline_first, baseline_last,"
             " created_at, events, items, notes) VALUES(%lld, %lld, %lld, %lld, 1, 30, 2, "
             "NULL);" TK_TEST_ANOMALIES_V1
             "INSERT INTO anomalies_v1(run_id, rank, entity_type, entity_id, day, score, source,"
             " rule_id, severity, summary, explanation) VALUES"
             " (1, 1, 'user', '100001', %lld, 88.5, 'rule', 'R25', 'high', 's1', '{}'),"
             " (1, 2, 'user', '100003', %lld, 41.0, 'model', NULL, NULL, 's2', '{}')",
             (long long)D(2024, 10, 1), (long long)D(2024, 10, 3), (long long)D(2024, 9, 1),
             (long long)D(2024, 9, 30), (long long)D(2024, 10, 1), (long long)D(2024, 10, 3));
    TK_REQUIRE(tk_db_exec(db, sql, &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_index(db, 1, &err) == TK_OK);
    tk_userday *s = NULL;
    TK_REQUIRE(tk_userday_build(&s, t, D(2024, 9, 1), D(2024, 10, 3), NULL, &err) == TK_OK);
    TK_REQUIRE(tk_userday_save(s, db, &err) == TK_OK);
    tk_userday_destroy(s);

    tk_entity e;
    const tk_period pr = oct();
    TK_REQUIRE(tk_entity_profile(t, TK_ENTITY_USER, "100001", &pr, &e, &err) == TK_OK);
    TK_CHECK_INT(e.stored, 1);
    TK_CHECK(e.baseline.first_day == D(2024, 9, 1) && e.baseline.last_day == D(2024, 9, 30));
    check_user(&e);
    TK_REQUIRE(e.ncases == 1);
    TK_CHECK_STR(e.cases[0].entity, "100001");
    TK_CHECK_STR(e.cases[0].rule_id, "R25");
    TK_CHECK(near(e.cases[0].score, 88.5));
    tk_entity_dispose(&e);

    /* the terminal: 5 events on 10-01 (2 users), 6 on 10-03 */
    TK_REQUIRE(tk_entity_profile(t, TK_ENTITY_TERMINAL, PC1, &pr, &e, &err) == TK_OK);
    TK_CHECK_INT(e.active_days, 2);
    TK_CHECK(near(e.days[0].value[0], 5) && near(e.days[2].value[0], 6));
    TK_CHECK(near(e.days[0].value[2], 2));
    TK_CHECK_STR(e.dept, "市民課");
    TK_CHECK(e.known && e.registered);
    TK_CHECK_INT(e.baseline_band[0].n, 3);
    TK_CHECK(near(e.baseline_band[0].median, 4));
    TK_CHECK(near(e.tod[9], 4) && near(e.tod[10], 1) && near(e.tod[13], 5));
    TK_CHECK_INT(e.tod_baseline_days, 0);
    TK_REQUIRE(e.nsystems == 2);
    TK_CHECK_INT(e.systems[0].events, 10);
    TK_CHECK_INT(e.ncases, 0);
    tk_entity_dispose(&e);
    tk_tenant_close(t);
}

static void unknown_and_idle(void)
{
    tk_tenant *t = city();
    tk_entity e;
    tk_error err = {0, ""};
    const tk_period pr = oct();
    TK_CHECK(tk_entity_profile(t, TK_ENTITY_USER, "999999", &pr, &e, &err) == TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "no user '999999' in the events of the period and its baseline, nor in"
                          " the master data");
    TK_CHECK(e.days == NULL && e.id == NULL);
    TK_CHECK(tk_entity_profile(t, TK_ENTITY_TERMINAL, "100001", &pr, &e, &err) == TK_ENOTFOUND);
    /* listed in the staff master, retired, no events */
    TK_REQUIRE(tk_entity_profile(t, TK_ENTITY_USER, "100004", &pr, &e, &err) == TK_OK);
    TK_CHECK(e.known && e.status == TK_MASTERSNAP_RETIRED);
    TK_CHECK(e.retired_on == D(2024, 9, 30));
    TK_CHECK_INT(e.active_days, 0);
    TK_CHECK_INT(e.nsystems, 0);
    TK_CHECK_STR(e.dept, "福祉課");
    tk_entity_dispose(&e);
    const tk_period long_one = {D(2024, 1, 1), D(2025, 1, 1)};
    TK_CHECK(tk_entity_profile(t, TK_ENTITY_USER, "100001", &long_one, &e, &err) == TK_EINVAL);
    TK_CHECK(tk_entity_profile(t, TK_ENTITY_USER, "", &pr, &e, &err) == TK_EINVAL);
    tk_entity_type ty;
    TK_CHECK(tk_entity_type_parse("terminal", &ty, &err) == TK_OK && ty == TK_ENTITY_TERMINAL);
    TK_CHECK(tk_entity_type_parse("resident", &ty, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "entity type is user or terminal, not 'resident'");
    tk_tenant_close(t);
}

int main(void)
{
    TK_RUN(computed_on_demand);
    TK_RUN(stored_with_cases);
    TK_RUN(unknown_and_idle);
    TK_TEST_END();
}
