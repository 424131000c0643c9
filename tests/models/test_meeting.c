/* tests/models/test_meeting.c -- the review meeting's record: checked,
 * stored, replaced, read back; its table created at tenant open, also in
 * a store of the schema before it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/analysis.h"
#include "models/meeting.h"
#include "src/alloc.h"
#include "src/period.h"
#include "src/tenant.h"
#include "tests/test.h"

static int64_t fixed_now(void *ctx)
{
    (void)ctx;
    return 1741600800000LL; /* 2025-03-10T10:00:00Z */
}

static const tk_clock clock_fixed = {fixed_now, NULL};
static const tk_actor reporter = {"ui-reporter", "reporter", "127.0.0.1", &clock_fixed};

static int64_t day(const char *s)
{
    int64_t d = 0;
    tk_error err;
    if (tk_period_parse_day(s, strlen(s), &d, &err) != TK_OK)
        abort();
    return d;
}

static tk_db *fresh_db(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/meeting-%ld.db", tk_test_tmpdir(), (long)getpid());
    unlink(path);
    tk_db *db = NULL;
    tk_error err;
    if (tk_db_open(&db, path, TK_DB_CREATE, &err) != TK_OK)
        return NULL;
    if (tk_meeting_migrate(db, &err) != TK_OK || tk_meeting_migrate(db, &err) != TK_OK) {
        tk_db_close(db);
        return NULL;
    }
    return db;
}

static void set_and_get(void)
{
    tk_db *db = fresh_db();
    TK_REQUIRE(db != NULL);
    tk_error err = {0, ""};
    tk_meeting m;
    TK_CHECK_INT(tk_meeting_get(db, 2024, &m, &err), TK_ENOTFOUND);
    TK_CHECK(strstr(err.msg, "2024") != NULL);
    TK_CHECK(m.place == NULL && m.attendees == NULL);

    const char *const who[] = {"市民課長 山田太郎", "情報政策課 佐藤", "受託者 点検担当 鈴木"};
    tk_meeting_input in = {day("2025-03-14"), "本庁舎 3階 第2会議室", who, 3};
    TK_REQUIRE(tk_meeting_set(db, 2024, &in, &reporter, &err) == TK_OK);
    TK_REQUIRE(tk_meeting_get(db, 2024, &m, &err) == TK_OK);
    TK_CHECK_INT(m.fiscal_year, 2024);
    TK_CHECK(m.held_on == day("2025-03-14"));
    TK_CHECK_STR(m.place, "本庁舎 3階 第2会議室");
    TK_REQUIRE(m.nattendees == 3);
    for (size_t i = 0; i < 3; i++)
        TK_CHECK_STR(m.attendees[i], who[i]);
    TK_CHECK(m.set_at == 1741600800000LL);
    TK_CHECK_STR(m.set_by, "ui-reporter");
    tk_meeting_dispose(&m);
    tk_meeting_dispose(&m); /* a disposed record may be disposed again */

    /* Another year is another record; a new record replaces the year's. */
    TK_CHECK_INT(tk_meeting_get(db, 2023, &m, &err), TK_ENOTFOUND);
    const char *const one[] = {"総務課 田中"};
    tk_meeting_input again = {day("2025-04-20"), "オンライン", one, 1};
    TK_REQUIRE(tk_meeting_set(db, 2024, &again, &reporter, &err) == TK_OK);
    TK_REQUIRE(tk_meeting_get(db, 2024, &m, &err) == TK_OK);
    TK_CHECK(m.held_on == day("2025-04-20") && m.nattendees == 1);
    TK_CHECK_STR(m.place, "オンライン");
    TK_CHECK_STR(m.attendees[0], "総務課 田中");
    tk_meeting_dispose(&m);
    int64_t rows = 0;
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM meetings", &rows, &err) == TK_OK);
    TK_CHECK(rows == 1);

    /* A refused record stores nothing. */
    tk_meeting_input bad = {day("2030-01-01"), "x", one, 1};
    TK_CHECK_INT(tk_meeting_set(db, 2024, &bad, &reporter, &err), TK_EINVAL);
    TK_REQUIRE(tk_meeting_get(db, 2024, &m, &err) == TK_OK);
    TK_CHECK(m.held_on == day("2025-04-20"));
    tk_meeting_dispose(&m);

    /* Allocation failures while reading: each reported, nothing leaked. */
    unsigned long n;
    int rc;
    for (n = 1;; n++) {
        tk_alloc_fail_at(n);
        rc = tk_meeting_get(db, 2024, &m, &err);
        if (rc == TK_OK)
            break;
        TK_CHECK_INT(rc, TK_ENOMEM);
        TK_CHECK(m.place == NULL && m.attendees == NULL);
    }
    tk_alloc_fail_at(0);
    TK_CHECK(n >= 3);
    tk_meeting_dispose(&m);
    tk_db_close(db);
}

static void refuses(void)
{
    tk_error err = {0, ""};
    tk_meeting_field f = TK_MEETING_FIELD_ATTENDEES;
    const char *const ok[] = {"山田"};
    tk_meeting_input in = {day("2024-04-01"), "会議室", ok, 1};
    /* The window: April 2024 .. March 2026 for fiscal year 2024. */
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_OK);
    in.held_on = day("2026-03-31");
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_OK);
    in.held_on = day("2026-04-01");
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_EINVAL);
    TK_CHECK_INT(f, TK_MEETING_FIELD_HELD_ON);
    TK_CHECK(strstr(err.msg, "2024-04-01 to 2026-03-31") != NULL);
    TK_CHECK_STR(tk_meeting_field_name(f), "held_on");
    in.held_on = day("2024-03-31");
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_EINVAL);
    TK_CHECK_INT(f, TK_MEETING_FIELD_HELD_ON);
    in.held_on = day("2025-03-10");
    TK_CHECK_INT(tk_meeting_check(1999, &in, &f, &err), TK_EINVAL);

    static const char *const bad_places[] = {"",         "   ",      "\xe3\x80\x80 ",
                                             "二行\n目", "\xff\xfe", "tab\there"};
    for (size_t i = 0; i < sizeof bad_places / sizeof bad_places[0]; i++) {
        in.place = bad_places[i];
        f = TK_MEETING_FIELD_HELD_ON;
        TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_EINVAL);
        TK_CHECK_INT(f, TK_MEETING_FIELD_PLACE);
    }
    in.place = NULL;
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_EINVAL);
    char longp[TK_MEETING_PLACE_MAX + 2];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    in.place = longp;
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_EINVAL);
    longp[TK_MEETING_PLACE_MAX] = '\0';
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_OK);
    TK_CHECK_STR(tk_meeting_field_name(TK_MEETING_FIELD_PLACE), "place");

    in.place = "会議室";
    in.nattendees = 0;
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_EINVAL);
    TK_CHECK_INT(f, TK_MEETING_FIELD_ATTENDEES);
    const char *const two[] = {"山田", "佐藤\n鈴木"};
    in.attendees = two;
    in.nattendees = 2;
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_EINVAL);
    TK_CHECK_INT(f, TK_MEETING_FIELD_ATTENDEES);
    TK_CHECK(strstr(err.msg, "attendee 2") != NULL);
    const char *many[TK_MEETING_ATTENDEES_MAX + 1];
    for (size_t i = 0; i < TK_MEETING_ATTENDEES_MAX + 1; i++)
        many[i] = "出席者";
    in.attendees = many;
    in.nattendees = TK_MEETING_ATTENDEES_MAX + 1;
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_EINVAL);
    in.nattendees = TK_MEETING_ATTENDEES_MAX;
    TK_CHECK_INT(tk_meeting_check(2024, &in, &f, &err), TK_OK);
}

/* The table comes with every tenant, and with an older store opened. */
static void table_at_tenant_open(void)
{
    char tmpl[512], dir[600], cmd[700];
    snprintf(tmpl, sizeof tmpl, "%s/meeting-XXXXXX", tk_test_tmpdir());
    mkdir(tk_test_tmpdir(), 0755);
    TK_REQUIRE(mkdtemp(tmpl) != NULL);
    snprintf(dir, sizeof dir, "%s/data", tmpl);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    tk_tenant *t = NULL;
    tk_error err = {0, ""};
    if (tk_analysis_create_tenant(&t, dir, "city", &err) != TK_OK)
        fprintf(stderr, "create: %s\n", err.msg);
    TK_REQUIRE(t != NULL);
    int64_t n = 0;
    const char *q = "SELECT count(*) FROM sqlite_master WHERE name = 'meetings'";
    TK_CHECK(tk_db_query_i64(tk_tenant_db(t), q, &n, &err) == TK_OK && n == 1);
    /* As written by the schema before this table. */
    char sql[96];
    snprintf(sql, sizeof sql, "DROP TABLE meetings; PRAGMA user_version=%d",
             TK_TENANT_SCHEMA_VERSION - 1);
    TK_REQUIRE(tk_db_exec(tk_tenant_db(t), sql, &err) == TK_OK);
    tk_tenant_close(t);
    t = NULL;
    TK_REQUIRE(tk_analysis_open_tenant(&t, dir, "city", TK_TENANT_READONLY, &err) == TK_OK);
    TK_CHECK(tk_db_query_i64(tk_tenant_db(t), q, &n, &err) == TK_OK && n == 1);
    tk_meeting m;
    TK_CHECK_INT(tk_meeting_get(tk_tenant_db(t), 2024, &m, &err), TK_ENOTFOUND);
    tk_tenant_close(t);
    TK_CHECK(system(cmd) == 0);
}

int main(void)
{
    TK_RUN(set_and_get);
    TK_RUN(refuses);
    TK_RUN(table_at_tenant_open);
    TK_TEST_END();
}
