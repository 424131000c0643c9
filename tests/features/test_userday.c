/* tests/features/test_userday.c -- user-day and terminal-day features on a
 * hand-built city (tests/data/features/) whose every value is derived by
 * hand in the comments: counts per operation class, residents, systems
 * and authorisation, watch list, hours net of overtime, terminals, media,
 * sessions, JST day boundaries, context, peers, totals and storage. */
#include <math.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "features/userday.h"
#include "src/alloc.h"
#include "src/calendar.h"
#include "src/ingest.h"
#include "src/master.h"
#include "src/mastersnap.h"
#include "src/period.h"
#include "src/profile.h"
#include "src/store.h"
#include "src/tenant.h"
#include "src/timefmt.h"
#include "tests/test.h"

/* ---- fixtures ------------------------------------------------------------ */

static int tenant_seq;

static tk_tenant *new_tenant(void)
{
    char tmpl[512], data_dir[600], name[32];
    tk_tenant *t = NULL;
    tk_error err;

    mkdir(tk_test_tmpdir(), 0755);
    snprintf(tmpl, sizeof tmpl, "%s/userday-XXXXXX", tk_test_tmpdir());
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(data_dir, sizeof data_dir, "%s/data", tmpl);
    snprintf(name, sizeof name, "city%d", ++tenant_seq);
    /* The product creates this layer's tables when it creates a tenant
     * (models/analysis.h, tk_analysis_create_tenant). */
    if (tk_tenant_create(&t, data_dir, name, &err) != TK_OK ||
        tk_userday_migrate(tk_tenant_db(t), &err) != TK_OK) {
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

/* Unix ms of y-m-d h:mi:s JST. */
static int64_t jst(int y, int m, int d, int h, int mi, int s)
{
    return (D(y, m, d) * 86400 + h * 3600 + mi * 60 + s - 9 * 3600) * 1000;
}

/* One event to store. NULL strings are absent; count/bytes < 0 absent. */
typedef struct ev {
    int64_t t;
    const char *user;
    const char *terminal;
    const char *system;
    int op;
    const char *subject;
    int result;
    long long count;
    int mynumber;
    long long bytes;
    const char *device;
    const char *serial;
} ev;

static int pseudonym_cb(void *ctx, const char *p, size_t len, uint8_t out[32], tk_error *err)
{
    return tk_tenant_pseudonym(ctx, p, len, out, err);
}

static tk_view view(const char *s)
{
    return (tk_view){s, s ? strlen(s) : 0};
}

static void store(tk_tenant *t, const ev *in, size_t n, const char *tag)
{
    const tk_upload_meta meta = {tag, 1, "test", 1, "x", 0, 0, NULL};
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
        e.system = view(in[i].system ? in[i].system : "端末");
        e.subject = view(in[i].subject);
        e.device = view(in[i].device);
        e.serial = view(in[i].serial);
        e.op = in[i].op;
        e.result = in[i].result;
        e.has_count = in[i].count >= 0;
        e.count = in[i].count >= 0 ? in[i].count : 0;
        e.mynumber = in[i].mynumber;
        e.has_bytes = in[i].bytes >= 0;
        e.bytes = in[i].bytes >= 0 ? in[i].bytes : 0;
        e.user_resolved = strncmp(in[i].user, "1000", 4) == 0;
        e.terminal_resolved = in[i].terminal && strncmp(in[i].terminal, "DESKTOP", 7) != 0;
        if (tk_store_writer_add(w, &e, &err) != TK_OK) {
            fprintf(stderr, "add: %s\n", err.msg);
            exit(2);
        }
    }
    const tk_upload_summary s = {tag, "utf-8", "stored", n, n, 0, 0, 0, 0, NULL, NULL, 0, -1};
    if (tk_store_writer_commit(w, &s, &id, &err) != TK_OK) {
        fprintf(stderr, "commit: %s\n", err.msg);
        exit(2);
    }
}

#define LOOKUP  TK_OP_LOOKUP
#define UPDATE  TK_OP_UPDATE
#define ISSUE   TK_OP_ISSUE
#define PRINT   TK_OP_PRINT
#define EXPORT  TK_OP_EXPORT
#define LOGON   TK_OP_LOGON
#define LOGOFF  TK_OP_LOGOFF
#define LFAIL   TK_OP_LOGON_FAILURE
#define COPY    TK_OP_MEDIA_COPY
#define CONNECT TK_OP_DEVICE_CONNECT
#define JUKI    "住民基本台帳"
#define KOSEKI  "戸籍"
#define KOJIN   "個人住民税"
#define SENKYO  "選挙人名簿管理"
#define OK      TK_RESULT_SUCCESS
#define FAILED  TK_RESULT_FAILURE

/* The city's events; 2024-10-01 is a Tuesday, 10-06 a Sunday. */
static void store_city(tk_tenant *t)
{
#define T1(h, mi) jst(2024, 10, 1, h, mi, 0)
    const ev city[] = {
        /* 100001 (市民課, hours 8:30-17:15, lunch 12-13, overtime 18:00-20:00). */
        {T1(8, 10), "100001", "SHIMIN-PC01", NULL, LOGON, NULL, OK, -1, -1, -1, NULL, NULL},
        {T1(9, 0), "100001", "SHIMIN-PC01", JUKI, LOOKUP, "R1", OK, -1, 1, -1, NULL, NULL},
        {T1(9, 5), "100001", "SHIMIN-PC01", JUKI, LOOKUP, "R3", OK, -1, 0, -1, NULL, NULL},
        {T1(12, 30), "100001", "SHIMIN-PC01", JUKI, LOOKUP, "R1", OK, -1, -1, -1, NULL, NULL},
        {T1(17, 30), "100001", "SHIMIN-PC01", KOSEKI, LOOKUP, "R3", OK, -1, 1, -1, NULL, NULL},
        {T1(18, 30), "100001", "SHIMIN-PC01", JUKI, UPDATE, "R2", OK, -1, -1, -1, NULL, NULL},
        {T1(19, 0), "100001", "SHIMIN-PC01", JUKI, LOOKUP, "R2", OK, -1, -1, -1, NULL, NULL},
        {T1(19, 10), "100001", "SHIMIN-PC01", JUKI, PRINT, NULL, OK, 25, -1, -1, NULL, NULL},
        {T1(19, 15), "100001", "SHIMIN-PC01", JUKI, EXPORT, NULL, OK, -1, -1, -1, NULL, NULL},
        {T1(22, 30), "100001", "SHIMIN-PC01", JUKI, LOOKUP, "R1", OK, -1, -1, -1, NULL, NULL},
        {T1(22, 40), "100001", "SHIMIN-PC01", NULL, LOGOFF, NULL, OK, -1, -1, -1, NULL, NULL},
        /* 100002 (税務課; 住基 照会 only; 兼務 選挙管理委員会 for 選挙人名簿管理). */
        {T1(8, 20), "100002", "ZEIMU-PC01", NULL, LFAIL, NULL, FAILED, -1, -1, -1, NULL, NULL},
        {T1(8, 21), "100002", "ZEIMU-PC01", NULL, LFAIL, NULL, FAILED, -1, -1, -1, NULL, NULL},
        {T1(8, 22), "100002", "ZEIMU-PC01", NULL, LOGON, NULL, FAILED, -1, -1, -1, NULL, NULL},
        {T1(8, 25), "100002", "ZEIMU-PC01", NULL, LOGON, NULL, OK, -1, -1, -1, NULL, NULL},
        {T1(9, 0), "100002", "ZEIMU-PC01", JUKI, LOOKUP, "R1", OK, -1, -1, -1, NULL, NULL},
        {T1(9, 10), "100002", "ZEIMU-PC01", JUKI, UPDATE, "R1", OK, -1, -1, -1, NULL, NULL},
        {T1(10, 0), "100002", "ZEIMU-PC01", KOJIN, LOOKUP, "R4", FAILED, -1, -1, -1, NULL, NULL},
        {T1(11, 0), "100002", "SENKYO-PC01", NULL, LOGON, NULL, OK, -1, -1, -1, NULL, NULL},
        {T1(11, 5), "100002", "SENKYO-PC01", SENKYO, LOOKUP, "R5", OK, -1, -1, -1, NULL, NULL},
        {T1(11, 13), "100002", "SENKYO-PC01", KOSEKI, LOOKUP, "R5", OK, -1, -1, -1, NULL, NULL},
        {T1(11, 20), "100002", "SENKYO-PC01", JUKI, LOOKUP, "0000000777", OK, -1, -1, -1, NULL,
         NULL},
        {T1(11, 21), "100002", "SENKYO-PC01", JUKI, LOOKUP, "0000000777", OK, -1, -1, -1, NULL,
         NULL},
        {T1(11, 22), "100002", "SENKYO-PC01", JUKI, LOOKUP, "0000000888", OK, -1, -1, -1, NULL,
         NULL},
        {T1(13, 0), "100002", "DESKTOP-X", KOJIN, LOOKUP, "R4", OK, -1, -1, -1, NULL, NULL},
        {T1(14, 0), "100002", "ZEIMU-PC01", NULL, CONNECT, NULL, OK, -1, -1, -1, "USB-B",
         "SER-BAD"},
        {T1(14, 1), "100002", "ZEIMU-PC01", NULL, COPY, NULL, OK, -1, -1, 1000, "USB-B", "SER-BAD"},
        {T1(14, 2), "100002", "ZEIMU-PC01", NULL, COPY, NULL, OK, -1, -1, 500, "USB-A", "SER-OK"},
        /* An account nobody knows fails on the 税務課 terminal. */
        {T1(8, 30), "999999", "ZEIMU-PC01", NULL, LFAIL, NULL, FAILED, -1, -1, -1, NULL, NULL},
        /* 100003, hired on 10-01: one second before and at JST midnight. */
        {jst(2024, 10, 1, 23, 59, 59), "100003", "SHIMIN-PC01", JUKI, LOOKUP, "R6", OK, -1, -1, -1,
         NULL, NULL},
        {jst(2024, 10, 2, 0, 0, 0), "100003", "SHIMIN-PC01", JUKI, LOOKUP, "R6", OK, -1, -1, -1,
         NULL, NULL},
        /* 10-02: the retired 100004 and the unknown account at work. */
        {jst(2024, 10, 2, 10, 0, 0), "100004", "FUKUSHI-PC01", "生活保護", LOOKUP, "R7", OK, -1, -1,
         -1, NULL, NULL},
        {jst(2024, 10, 2, 10, 30, 0), "999999", "SHIMIN-PC01", JUKI, LOOKUP, "R7", OK, -1, -1, -1,
         NULL, NULL},
        /* Sunday 10-06: 100001 with overtime 09:00-11:00. */
        {jst(2024, 10, 6, 10, 0, 0), "100001", "SHIMIN-PC01", JUKI, LOOKUP, "R1", OK, -1, -1, -1,
         NULL, NULL},
        {jst(2024, 10, 6, 13, 0, 0), "100001", "SHIMIN-PC01", JUKI, ISSUE, "0000000888", OK, -1, -1,
         -1, NULL, NULL},
    };
#undef T1
    store(t, city, sizeof city / sizeof city[0], "city");
}

static tk_tenant *city_tenant(void)
{
    tk_tenant *t = new_tenant();
    import(t, "staff", "staff.csv");
    import(t, "terminals", "terminals.csv");
    import(t, "authorizations", "authorizations.csv");
    import(t, "assignments", "assignments.csv");
    import(t, "overtime", "overtime.csv");
    import(t, "media", "media.csv");
    import(t, "watchlist", "watchlist.csv");
    store_city(t);
    return t;
}

/* The store's id of a user or terminal name. */
static uint32_t dict_id(tk_tenant *t, tk_store_dict d, const char *name)
{
    tk_store_names n;
    tk_error err;
    uint32_t id = 0;
    if (tk_store_names_load(tk_tenant_db(t), d, &n, &err) != TK_OK)
        return 0;
    for (size_t i = 0; i < n.n; i++)
        if (n.names[i] != NULL && strcmp(n.names[i], name) == 0)
            id = (uint32_t)i;
    tk_store_names_dispose(&n);
    return id;
}

static const tk_userday_term_row *find_term(const tk_userday *s, uint32_t tid, int64_t day)
{
    size_t n;
    const tk_userday_term_row *r = tk_userday_term_rows(s, &n);
    for (size_t i = 0; i < n; i++)
        if (r[i].terminal == tid && r[i].day == day)
            return &r[i];
    return NULL;
}

static tk_userday *build(tk_tenant *t, int threads)
{
    tk_userday_options o = TK_USERDAY_OPTIONS_INIT;
    tk_userday *s = NULL;
    tk_error err;
    o.threads = threads;
    if (tk_userday_build(&s, t, D(2024, 10, 1), D(2024, 10, 7), &o, &err) != TK_OK) {
        fprintf(stderr, "build: %s\n", err.msg);
        return NULL;
    }
    return s;
}

#define F(r, k) ((r)->f[TK_USERDAY_##k])

/* ---- tests ----------------------------------------------------------------- */

static void feature_tables(void)
{
    TK_CHECK_INT(tk_userday_feature_find("distinct_residents", 18), TK_USERDAY_DISTINCT_RESIDENTS);
    TK_CHECK_STR(tk_userday_feature(TK_USERDAY_DISTINCT_RESIDENTS)->label, "アクセスした住民の数");
    TK_CHECK_INT(tk_userday_feature(TK_USERDAY_EVENTS)->kind, TK_USERDAY_KIND_COUNT);
    TK_CHECK_INT(tk_userday_feature(TK_USERDAY_FIRST_MINUTE)->kind, TK_USERDAY_KIND_CONTINUOUS);
    TK_CHECK_INT(tk_userday_feature(TK_USERDAY_LOOKUP_ONLY_SHARE)->agg, TK_USERDAY_AGG_RATIO);
    TK_CHECK(tk_userday_feature(TK_USERDAY_NFEAT) == NULL);
    TK_CHECK_INT(tk_userday_feature_find("nope", 4), TK_USERDAY_NFEAT);
    TK_CHECK_INT(tk_userday_term_feature_find("failure_users", 13), TK_USERDAY_TERM_FAILURE_USERS);
    TK_CHECK(tk_userday_term_feature(TK_USERDAY_TERM_NFEAT) == NULL);
    /* Keys are unique, and every feature is described. */
    for (size_t i = 0; i < TK_USERDAY_NFEAT; i++) {
        const tk_userday_feature_info *fi = tk_userday_feature(i);
        TK_CHECK(fi->key && fi->label && fi->unit && fi->items && fi->kind && fi->agg);
        TK_CHECK_INT(tk_userday_feature_find(fi->key, strlen(fi->key)), i);
    }
    for (size_t i = 0; i < TK_USERDAY_TERM_NFEAT; i++) {
        const tk_userday_feature_info *fi = tk_userday_term_feature(i);
        TK_CHECK(fi->key && fi->label && fi->unit && fi->items && fi->kind && fi->agg);
        TK_CHECK_INT(tk_userday_term_feature_find(fi->key, strlen(fi->key)), i);
    }
}

/* 100001 on Tuesday 2024-10-01: every feature derived by hand. */
static void check_user1(tk_tenant *t, const tk_userday *s)
{
    const uint32_t u1 = dict_id(t, TK_STORE_USERS, "100001");
    const tk_userday_row *r = tk_userday_find(s, u1, D(2024, 10, 1));
    TK_REQUIRE(r != NULL);
    TK_CHECK_STR(tk_userday_dept_name(s, r->dept), "市民課");
    TK_CHECK_INT(r->status, TK_USERDAY_STATUS_ACTIVE);
    TK_CHECK_INT(r->tenure_days, D(2024, 10, 1) - D(2020, 4, 1));
    TK_CHECK_INT(r->closed, 0);
    TK_CHECK_INT(r->day_kind, TK_CALENDAR_DAY_WEEKDAY);
    TK_CHECK_INT(F(r, EVENTS), 11);
    TK_CHECK_INT(F(r, BUSINESS_EVENTS), 9);
    TK_CHECK_INT(F(r, LOOKUPS), 6);
    TK_CHECK_INT(F(r, UPDATES), 1);
    TK_CHECK_INT(F(r, PRINTS), 1);
    TK_CHECK_INT(F(r, EXPORTS), 1);
    TK_CHECK_INT(F(r, ISSUES), 0);
    TK_CHECK_INT(F(r, LOGONS), 1);
    TK_CHECK_INT(F(r, LOGON_FAILURES), 0);
    TK_CHECK_INT(F(r, OUTPUT_RECORDS), 26); /* 25 printed + 1 export without a count */
    TK_CHECK_INT(F(r, MAX_OUTPUT_RECORDS), 25);
    TK_CHECK_INT(F(r, MYNUMBER_SHOWN), 2);
    TK_CHECK_INT(F(r, MYNUMBER_UNENTITLED), 1); /* 戸籍: 市民課 may not use My Number */
    TK_CHECK_INT(F(r, DISTINCT_SYSTEMS), 2);
    TK_CHECK_INT(F(r, UNAUTHORIZED_SYSTEMS), 0);
    TK_CHECK_INT(F(r, UNAUTHORIZED_EVENTS), 0);
    TK_CHECK_INT(F(r, OVER_LEVEL_EVENTS), 0);
    /* R1 at 09:00, 12:30, 22:30; R3 in 住基 and 戸籍; R2 updated. */
    TK_CHECK_INT(F(r, DISTINCT_RESIDENTS), 3);
    TK_CHECK_INT(F(r, LOOKUP_RESIDENTS), 3);
    TK_CHECK_INT(F(r, TOP_RESIDENT_EVENTS), 3);
    TK_CHECK_INT(F(r, LOOKUP_ONLY_RESIDENTS), 2);
    TK_CHECK(F(r, LOOKUP_ONLY_SHARE) > 0.6666 && F(r, LOOKUP_ONLY_SHARE) < 0.6667);
    TK_CHECK_INT(F(r, CROSS_SYSTEM_RESIDENTS), 1);
    TK_CHECK_INT(F(r, WATCH_EVENTS), 0);
    TK_CHECK_INT(F(r, MAX_RESIDENTS_10MIN), 2); /* R1 09:00 and R3 09:05 */
    /* After hours: 17:30, 18:30, 19:00, 19:10, 19:15, 22:30; overtime
     * 18:00-20:00 covers four; 22:30 is night. */
    TK_CHECK_INT(F(r, AFTER_HOURS_EVENTS), 6);
    TK_CHECK_INT(F(r, AFTER_HOURS_UNAPPROVED), 2);
    TK_CHECK_INT(F(r, NIGHT_EVENTS), 1);
    TK_CHECK_INT(F(r, NIGHT_UNAPPROVED), 1);
    TK_CHECK_INT(F(r, CLOSED_DAY_EVENTS), 0);
    TK_CHECK_INT(F(r, FIRST_MINUTE), 8 * 60 + 10);
    TK_CHECK_INT(F(r, LAST_MINUTE), 22 * 60 + 40);
    TK_CHECK_INT(F(r, DISTINCT_TERMINALS), 1);
    TK_CHECK_INT(F(r, UNREGISTERED_TERMINAL_EVENTS), 0);
    TK_CHECK_INT(F(r, FOREIGN_TERMINAL_EVENTS), 0);
    TK_CHECK_INT(F(r, CONCURRENT_LOGONS), 0);
    TK_CHECK_INT(F(r, LONGEST_SESSION_MINUTES), 22 * 60 + 40 - (8 * 60 + 10));
    TK_CHECK_INT(F(r, MEDIA_COPIES), 0);
    TK_CHECK_INT(F(r, NO_SESSION_EVENTS), 0); /* all between logon and logoff */
    /* Histogram of the nine business operations (not logon/logoff). */
    static const int hist[24] = {[9] = 2, [12] = 1, [17] = 1, [18] = 1, [19] = 3, [22] = 1};
    for (int h = 0; h < 24; h++)
        TK_CHECK_INT(r->hist[h], hist[h]);
}

/* 100002 on 10-01: failures, 照会-only level, 兼務, out-of-role system,
 * watch list, unregistered terminal, concurrent logon, media. */
static void check_user2(tk_tenant *t, const tk_userday *s)
{
    const uint32_t u2 = dict_id(t, TK_STORE_USERS, "100002");
    const tk_userday_row *r = tk_userday_find(s, u2, D(2024, 10, 1));
    TK_REQUIRE(r != NULL);
    TK_CHECK_STR(tk_userday_dept_name(s, r->dept), "税務課");
    TK_CHECK_INT(F(r, EVENTS), 17);
    TK_CHECK_INT(F(r, BUSINESS_EVENTS), 9);
    TK_CHECK_INT(F(r, LOGONS), 2);
    TK_CHECK_INT(F(r, LOGON_FAILURES), 3); /* two LOGON_FAILURE, one failed LOGON */
    TK_CHECK_INT(F(r, MAX_FAILURES_10MIN), 3);
    TK_CHECK_INT(F(r, FAILED_OPERATIONS), 1);
    TK_CHECK_INT(F(r, OVER_LEVEL_EVENTS), 1);    /* update in 住基, 照会 only */
    TK_CHECK_INT(F(r, DISTINCT_SYSTEMS), 4);     /* 住基, 個人住民税, 選挙, 戸籍 */
    TK_CHECK_INT(F(r, UNAUTHORIZED_SYSTEMS), 1); /* 戸籍; 選挙 is covered by 兼務 */
    TK_CHECK_INT(F(r, UNAUTHORIZED_EVENTS), 1);
    TK_CHECK_INT(F(r, DISTINCT_RESIDENTS), 5);     /* R1, R4, R5, 777, 888 */
    TK_CHECK_INT(F(r, LOOKUP_ONLY_RESIDENTS), 4);  /* all but R1 (updated) */
    TK_CHECK_INT(F(r, CROSS_SYSTEM_RESIDENTS), 1); /* R5; R4 twice in 個人住民税 */
    TK_CHECK_INT(F(r, TOP_RESIDENT_EVENTS), 2);
    TK_CHECK_INT(F(r, WATCH_EVENTS), 2);
    TK_CHECK_INT(F(r, WATCH_RESIDENTS), 1);
    TK_CHECK_INT(F(r, PROTECTED_EVENTS), 1);
    TK_CHECK_INT(F(r, PROTECTED_ISSUES), 0);
    TK_CHECK_INT(F(r, MAX_RESIDENTS_10MIN), 3); /* R5, 777, 888 in 11:13-11:22 */
    TK_CHECK_INT(F(r, DISTINCT_TERMINALS), 3);
    TK_CHECK_INT(F(r, UNREGISTERED_TERMINAL_EVENTS), 1);
    TK_CHECK_INT(F(r, FOREIGN_TERMINAL_EVENTS), 0); /* SENKYO-PC01 by 兼務 */
    TK_CHECK_INT(F(r, CONCURRENT_LOGONS), 1);
    TK_CHECK_INT(F(r, NO_SESSION_EVENTS), 1); /* DESKTOP-X, never logged on to */
    TK_CHECK_INT(F(r, MEDIA_COPIES), 2);
    TK_CHECK_INT(F(r, DEVICE_CONNECTS), 1);
    TK_CHECK_INT(F(r, MEDIA_BYTES), 1500);
    TK_CHECK_INT(F(r, UNAPPROVED_MEDIA_EVENTS), 2);
    TK_CHECK_INT(F(r, AFTER_HOURS_EVENTS), 0);
    /* Sessions still open at the last event (14:02): ZEIMU from 08:25. */
    TK_CHECK_INT(F(r, LONGEST_SESSION_MINUTES), 14 * 60 + 2 - (8 * 60 + 25));
    TK_CHECK_INT(F(r, FIRST_MINUTE), 8 * 60 + 20);
}

static void check_terminals(tk_tenant *t, const tk_userday *s)
{
    const int64_t d1 = D(2024, 10, 1);
    const tk_userday_term_row *z = find_term(s, dict_id(t, TK_STORE_TERMINALS, "ZEIMU-PC01"), d1);
    TK_REQUIRE(z != NULL);
    TK_CHECK_STR(tk_userday_dept_name(s, z->dept), "税務課");
    TK_CHECK_INT(z->registered, 1);
    TK_CHECK_INT(z->kind, TK_MASTERSNAP_TERMINAL_MYNUMBER);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_EVENTS], 11);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_BUSINESS_EVENTS], 3);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_DISTINCT_USERS], 2);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_LOGONS], 1);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_LOGON_FAILURES], 4);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_FAILURE_USERS], 2);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_MEDIA_COPIES], 2);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_MEDIA_BYTES], 1500);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_DEVICE_CONNECTS], 1);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_UNAPPROVED_MEDIA_EVENTS], 2);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_AFTER_HOURS_EVENTS], 0);
    TK_CHECK_INT(z->f[TK_USERDAY_TERM_NO_SESSION_EVENTS], 0);

    const uint32_t dx = dict_id(t, TK_STORE_TERMINALS, "DESKTOP-X");
    const tk_userday_term_row *x = find_term(s, dx, d1);
    TK_REQUIRE(x != NULL);
    TK_CHECK_INT(x->registered, 0);
    TK_CHECK_INT(x->listed, 0);
    TK_CHECK_INT(x->dept, TK_USERDAY_NO_DEPT);
    TK_CHECK_INT(x->f[TK_USERDAY_TERM_EVENTS], 1);
    TK_CHECK_INT(x->f[TK_USERDAY_TERM_NO_SESSION_EVENTS], 1);
    TK_CHECK_STR(tk_userday_term_name(s, dx), "DESKTOP-X");

    /* SHIMIN-PC01 on 10-01: 100001's 11 and 100003's 23:59:59 lookup,
     * which is night and after hours. */
    const tk_userday_term_row *sh = find_term(s, dict_id(t, TK_STORE_TERMINALS, "SHIMIN-PC01"), d1);
    TK_REQUIRE(sh != NULL);
    TK_CHECK_INT(sh->f[TK_USERDAY_TERM_EVENTS], 12);
    TK_CHECK_INT(sh->f[TK_USERDAY_TERM_DISTINCT_USERS], 2);
    TK_CHECK_INT(sh->f[TK_USERDAY_TERM_AFTER_HOURS_EVENTS], 7);
    TK_CHECK_INT(sh->f[TK_USERDAY_TERM_NIGHT_EVENTS], 2);
    TK_CHECK_INT(sh->f[TK_USERDAY_TERM_NO_SESSION_EVENTS], 1); /* 100003 never logged on */
    /* Sunday: closed. */
    const tk_userday_term_row *sun =
        find_term(s, dict_id(t, TK_STORE_TERMINALS, "SHIMIN-PC01"), D(2024, 10, 6));
    TK_REQUIRE(sun != NULL);
    TK_CHECK_INT(sun->closed, 1);
    TK_CHECK_INT(sun->f[TK_USERDAY_TERM_CLOSED_DAY_EVENTS], 2);
}

/* JST midnight, the new hire, the retired and the unknown account, the
 * Sunday with part of it under overtime. */
static void check_context(tk_tenant *t, const tk_userday *s)
{
    const uint32_t u1 = dict_id(t, TK_STORE_USERS, "100001");
    const uint32_t u3 = dict_id(t, TK_STORE_USERS, "100003");
    const uint32_t u4 = dict_id(t, TK_STORE_USERS, "100004");
    const uint32_t ux = dict_id(t, TK_STORE_USERS, "999999");

    const tk_userday_row *a = tk_userday_find(s, u3, D(2024, 10, 1));
    const tk_userday_row *b = tk_userday_find(s, u3, D(2024, 10, 2));
    TK_REQUIRE(a != NULL && b != NULL);
    TK_CHECK_INT(F(a, EVENTS), 1);
    TK_CHECK_INT(F(a, LAST_MINUTE), 1439);
    TK_CHECK_INT(a->hist[23], 1);
    TK_CHECK_INT(F(a, NIGHT_EVENTS), 1);
    TK_CHECK_INT(a->tenure_days, 0);
    TK_CHECK_INT(F(b, EVENTS), 1);
    TK_CHECK_INT(F(b, FIRST_MINUTE), 0);
    TK_CHECK_INT(b->hist[0], 1);
    TK_CHECK_INT(b->tenure_days, 1);
    TK_CHECK_INT(F(b, NIGHT_EVENTS), 1);

    const tk_userday_row *ret = tk_userday_find(s, u4, D(2024, 10, 2));
    TK_REQUIRE(ret != NULL);
    TK_CHECK_INT(ret->status, TK_USERDAY_STATUS_RETIRED);
    TK_CHECK_STR(tk_userday_dept_name(s, ret->dept), "福祉課");
    TK_CHECK_INT(F(ret, UNAUTHORIZED_EVENTS), 0);

    const tk_userday_row *unk = tk_userday_find(s, ux, D(2024, 10, 2));
    TK_REQUIRE(unk != NULL);
    TK_CHECK_INT(unk->status, TK_USERDAY_STATUS_UNKNOWN);
    TK_CHECK_INT(unk->dept, TK_USERDAY_NO_DEPT);
    TK_CHECK_INT(unk->tenure_days, -1);
    TK_CHECK_INT(F(unk, UNAUTHORIZED_EVENTS), 1); /* no 所属: nothing is authorised */
    TK_CHECK_INT(F(unk, FOREIGN_TERMINAL_EVENTS), 0);
    TK_CHECK_INT(F(unk, NO_SESSION_EVENTS), 1);
    const tk_userday_row *unk1 = tk_userday_find(s, ux, D(2024, 10, 1));
    TK_REQUIRE(unk1 != NULL);
    TK_CHECK_INT(F(unk1, LOGON_FAILURES), 1);

    const tk_userday_row *sun = tk_userday_find(s, u1, D(2024, 10, 6));
    TK_REQUIRE(sun != NULL);
    TK_CHECK_INT(sun->closed, 1);
    TK_CHECK_INT(sun->day_kind, TK_CALENDAR_DAY_WEEKEND);
    TK_CHECK_INT(F(sun, CLOSED_DAY_EVENTS), 2);
    TK_CHECK_INT(F(sun, CLOSED_DAY_UNAPPROVED), 1); /* 13:00; 10:00 is under overtime */
    TK_CHECK_INT(F(sun, AFTER_HOURS_EVENTS), 0);
    TK_CHECK_INT(F(sun, ISSUES), 1);
    TK_CHECK_INT(F(sun, PROTECTED_ISSUES), 1); /* issued by the allowed 市民課 */
    TK_CHECK_INT(F(sun, PROTECTED_EVENTS), 0);
    TK_CHECK_INT(F(sun, NO_SESSION_EVENTS), 2);

    /* No user-day rows on days without events; day counts per day. */
    TK_CHECK(tk_userday_find(s, u1, D(2024, 10, 3)) == NULL);
    TK_CHECK_INT(tk_userday_day_events(s, D(2024, 10, 1)), 30);
    TK_CHECK_INT(tk_userday_day_events(s, D(2024, 10, 2)), 3);
    TK_CHECK_INT(tk_userday_day_events(s, D(2024, 10, 3)), 0);
    TK_CHECK_INT(tk_userday_day_events(s, D(2024, 10, 6)), 2);
    TK_CHECK_INT(tk_userday_day_events(s, D(2024, 9, 30)), 0);
    int64_t juki = 0, term = 0;
    for (uint32_t y = 1; y < tk_userday_system_count(s); y++) {
        const char *nm = tk_userday_system_name(s, y);
        if (nm && strcmp(nm, JUKI) == 0)
            juki = tk_userday_system_events(s, y, D(2024, 10, 1));
        if (nm && strcmp(nm, "端末") == 0)
            term = tk_userday_system_events(s, y, D(2024, 10, 1));
    }
    TK_CHECK_INT(juki, 14);
    TK_CHECK_INT(term, 11);
}

static void check_peers_totals(tk_tenant *t, const tk_userday *s)
{
    const uint32_t u1 = dict_id(t, TK_STORE_USERS, "100001");
    const uint32_t u3 = dict_id(t, TK_STORE_USERS, "100003");
    const uint32_t shimin = tk_userday_dept_find(s, "市民課", strlen("市民課"));
    TK_REQUIRE(shimin != TK_USERDAY_NO_DEPT);
    size_t nrows;
    const tk_userday_row *rows = tk_userday_rows(s, &nrows);
    const size_t *peers = NULL;
    const size_t np = tk_userday_peers(s, D(2024, 10, 1), shimin, &peers);
    TK_REQUIRE(np == 2 && peers != NULL);
    TK_CHECK(rows[peers[0]].user == u1); /* by name, not id: 100001 first */
    TK_CHECK(rows[peers[1]].user == u3);
    TK_CHECK_INT(tk_userday_peers(s, D(2024, 10, 3), shimin, &peers), 0);
    TK_CHECK(peers == NULL);
    TK_CHECK_INT(tk_userday_peers(s, D(2024, 10, 2), TK_USERDAY_NO_DEPT, &peers), 1);

    /* Rows are sorted by (user name, day). */
    for (size_t i = 1; i < nrows; i++) {
        const int c = strcmp(tk_userday_user_name(s, rows[i - 1].user),
                             tk_userday_user_name(s, rows[i].user));
        TK_CHECK(c < 0 || (c == 0 && rows[i - 1].day < rows[i].day));
    }
    size_t first;
    TK_CHECK_INT(tk_userday_user_rows(s, u1, &first), 2);
    TK_CHECK(rows[first].user == u1 && rows[first].day == D(2024, 10, 1));

    size_t nt;
    const tk_userday_total *tot = tk_userday_totals(s, &nt);
    const tk_userday_total *t1 = NULL;
    for (size_t i = 0; i < nt; i++)
        if (tot[i].user == u1)
            t1 = &tot[i];
    TK_REQUIRE(t1 != NULL);
    TK_CHECK_INT(t1->days, 2);
    TK_CHECK_INT(t1->closed_days, 1);
    TK_CHECK_INT(t1->f[TK_USERDAY_EVENTS], 13);
    TK_CHECK_INT(t1->f[TK_USERDAY_FIRST_MINUTE], 8 * 60 + 10); /* min */
    TK_CHECK_INT(t1->f[TK_USERDAY_LAST_MINUTE], 22 * 60 + 40); /* max */
    TK_CHECK_INT(t1->f[TK_USERDAY_TOP_RESIDENT_EVENTS], 3);    /* max */
    TK_CHECK_INT(t1->f[TK_USERDAY_LOOKUP_RESIDENTS], 4);       /* 3 + 1 */
    TK_CHECK(t1->f[TK_USERDAY_LOOKUP_ONLY_SHARE] == 0.75);     /* (2 + 1) / (3 + 1) */
    TK_CHECK_INT(t1->hist[10], 1);
    TK_CHECK_STR(tk_userday_user_name(s, u1), "100001");
}

static void computes_city(void)
{
    tk_tenant *t = city_tenant();
    tk_userday *s = build(t, 1);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(tk_userday_first_day(s), D(2024, 10, 1));
    TK_CHECK_INT(tk_userday_last_day(s), D(2024, 10, 7));
    check_user1(t, s);
    check_user2(t, s);
    check_terminals(t, s);
    check_context(t, s);
    check_peers_totals(t, s);
    tk_userday_destroy(s);
    tk_tenant_close(t);
}

static int same_rows(const tk_userday *a, const tk_userday *b)
{
    size_t na, nb, ta, tb;
    const tk_userday_row *ra = tk_userday_rows(a, &na), *rb = tk_userday_rows(b, &nb);
    const tk_userday_term_row *xa = tk_userday_term_rows(a, &ta),
                              *xb = tk_userday_term_rows(b, &tb);
    if (na != nb || ta != tb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        const char *da = tk_userday_dept_name(a, ra[i].dept),
                   *db = tk_userday_dept_name(b, rb[i].dept);
        if (ra[i].user != rb[i].user || ra[i].day != rb[i].day || ra[i].status != rb[i].status ||
            ra[i].tenure_days != rb[i].tenure_days || ra[i].closed != rb[i].closed ||
            ra[i].day_kind != rb[i].day_kind || memcmp(ra[i].f, rb[i].f, sizeof ra[i].f) != 0 ||
            memcmp(ra[i].hist, rb[i].hist, sizeof ra[i].hist) != 0 ||
            (da == NULL) != (db == NULL) || (da && strcmp(da, db) != 0))
            return 0;
    }
    for (size_t i = 0; i < ta; i++)
        if (xa[i].terminal != xb[i].terminal || xa[i].day != xb[i].day ||
            xa[i].registered != xb[i].registered || xa[i].listed != xb[i].listed ||
            xa[i].kind != xb[i].kind || memcmp(xa[i].f, xb[i].f, sizeof xa[i].f) != 0)
            return 0;
    for (int64_t d = tk_userday_first_day(a); d <= tk_userday_last_day(a); d++)
        if (tk_userday_day_events(a, d) != tk_userday_day_events(b, d))
            return 0;
    return 1;
}

static void threads_agree(void)
{
    tk_tenant *t = city_tenant();
    tk_userday *a = build(t, 1), *b = build(t, 3);
    TK_REQUIRE(a != NULL && b != NULL);
    TK_CHECK(same_rows(a, b));
    tk_userday_destroy(a);
    tk_userday_destroy(b);
    tk_tenant_close(t);
}

static void saves_and_loads(void)
{
    tk_tenant *t = city_tenant();
    tk_db *db = tk_tenant_db(t);
    tk_error err;
    tk_userday *s = build(t, 2), *l = NULL;
    TK_REQUIRE(s != NULL);

    TK_CHECK_INT(tk_userday_load(&l, db, D(2024, 10, 1), D(2024, 10, 7), &err), TK_ENOTFOUND);
    TK_CHECK(l == NULL);
    TK_REQUIRE(tk_userday_save(s, db, &err) == TK_OK);
    TK_REQUIRE(tk_userday_load(&l, db, D(2024, 10, 1), D(2024, 10, 7), &err) == TK_OK);
    TK_CHECK(same_rows(s, l));
    check_user1(t, l);
    check_user2(t, l);
    check_context(t, l);
    check_peers_totals(t, l);
    tk_userday_destroy(l);
    l = NULL;

    /* A sub-range loads alone; a day never computed is named. */
    TK_REQUIRE(tk_userday_load(&l, db, D(2024, 10, 6), D(2024, 10, 6), &err) == TK_OK);
    size_t n;
    tk_userday_rows(l, &n);
    TK_CHECK_INT(n, 1);
    tk_userday_destroy(l);
    l = NULL;
    TK_CHECK_INT(tk_userday_load(&l, db, D(2024, 10, 6), D(2024, 10, 8), &err), TK_ENOTFOUND);
    TK_CHECK(strstr(err.msg, "2024-10-08") != NULL);

    /* Saving again replaces the days' rows instead of adding to them. */
    TK_REQUIRE(tk_userday_save(s, db, &err) == TK_OK);
    int64_t cnt = 0;
    TK_REQUIRE(tk_db_query_i64(db, "SELECT count(*) FROM features_user_day", &cnt, &err) == TK_OK);
    tk_userday_rows(s, &n);
    TK_CHECK_INT(cnt, n);

    /* Rows keep the layout they were written in: a feature the stored
     * layout lacks reads as NaN, and saving under a new layout leaves the
     * other days' rows as they are. */
    TK_REQUIRE(tk_db_exec(db,
                          "UPDATE features_layout SET key = 'retired_feature'"
                          " WHERE kind = 'user_day' AND key = 'events'",
                          &err) == TK_OK);
    TK_REQUIRE(tk_userday_load(&l, db, D(2024, 10, 1), D(2024, 10, 7), &err) == TK_OK);
    size_t nl;
    const tk_userday_row *ra = tk_userday_rows(s, &n), *rl = tk_userday_rows(l, &nl);
    TK_REQUIRE(n == nl);
    for (size_t i = 0; i < n; i++) {
        TK_CHECK(isnan(rl[i].f[TK_USERDAY_EVENTS]));
        TK_CHECK(memcmp(&ra[i].f[1], &rl[i].f[1], sizeof ra[i].f - sizeof ra[i].f[0]) == 0);
    }
    tk_userday_destroy(l);
    l = NULL;
    tk_userday *one = NULL;
    tk_userday_options o = TK_USERDAY_OPTIONS_INIT;
    TK_REQUIRE(tk_userday_build(&one, t, D(2024, 10, 2), D(2024, 10, 2), &o, &err) == TK_OK);
    TK_REQUIRE(tk_userday_save(one, db, &err) == TK_OK);
    TK_REQUIRE(tk_db_query_i64(db, "SELECT count(DISTINCT layout) FROM features_layout", &cnt,
                               &err) == TK_OK);
    TK_CHECK_INT(cnt, 2);
    TK_REQUIRE(tk_userday_load(&l, db, D(2024, 10, 1), D(2024, 10, 2), &err) == TK_OK);
    rl = tk_userday_rows(l, &nl);
    for (size_t i = 0; i < nl; i++)
        TK_CHECK(isnan(rl[i].f[TK_USERDAY_EVENTS]) == (rl[i].day == D(2024, 10, 1)));
    tk_userday_destroy(l);
    l = NULL;

    /* A delivered period is frozen: its features are not written again,
     * but they can be erased. */
    const tk_period pr = {D(2024, 10, 1), D(2024, 10, 3)};
    TK_REQUIRE(tk_period_deliver(db, &pr, 0, "test", &err) == TK_OK);
    TK_CHECK_INT(tk_userday_save(s, db, &err), TK_EFROZEN);
    TK_CHECK_INT(tk_userday_save(one, db, &err), TK_EFROZEN);
    TK_REQUIRE(tk_db_query_i64(db, "SELECT count(*) FROM features_user_day", &cnt, &err) == TK_OK);
    tk_userday_rows(s, &n);
    TK_CHECK_INT(cnt, n);
    tk_userday *later = NULL;
    TK_REQUIRE(tk_userday_build(&later, t, D(2024, 10, 4), D(2024, 10, 7), &o, &err) == TK_OK);
    TK_CHECK_INT(tk_userday_save(later, db, &err), TK_OK);
    tk_userday_destroy(later);

    /* Deleting a period forgets its rows and its days. */
    TK_REQUIRE(tk_userday_delete(db, D(2024, 10, 2), D(2024, 10, 2), &err) == TK_OK);
    TK_CHECK_INT(tk_userday_load(&l, db, D(2024, 10, 2), D(2024, 10, 2), &err), TK_ENOTFOUND);
    TK_REQUIRE(tk_db_query_i64(db, "SELECT count(*) FROM features_user_day WHERE day = 19998", &cnt,
                               &err) == TK_OK);
    TK_CHECK_INT(D(2024, 10, 2), 19998);
    TK_CHECK_INT(cnt, 0);
    TK_CHECK_INT(tk_userday_delete(db, 2, 1, &err), TK_EINVAL);
    tk_userday_destroy(one);
    tk_userday_destroy(s);
    tk_tenant_close(t);

    /* A tenant that never stored features has nothing to delete. */
    t = city_tenant();
    TK_CHECK_INT(tk_userday_delete(tk_tenant_db(t), D(2024, 10, 1), D(2024, 10, 7), &err), TK_OK);
    tk_tenant_close(t);
}

static void bad_ranges(void)
{
    tk_tenant *t = city_tenant();
    tk_userday *s = NULL;
    tk_error err;
    TK_CHECK_INT(tk_userday_build(&s, t, D(2024, 10, 2), D(2024, 10, 1), NULL, &err), TK_EINVAL);
    TK_CHECK(s == NULL);
    TK_CHECK_INT(tk_userday_build(&s, t, D(2020, 1, 1), D(2030, 12, 31), NULL, &err), TK_EINVAL);
    TK_CHECK_INT(tk_userday_load(&s, tk_tenant_db(t), 5, 4, &err), TK_EINVAL);
    /* A range without events: no rows, but every day counted. */
    TK_REQUIRE(tk_userday_build(&s, t, D(2024, 9, 1), D(2024, 9, 3), NULL, &err) == TK_OK);
    size_t n;
    TK_CHECK(tk_userday_rows(s, &n) == NULL || n == 0);
    TK_CHECK_INT(n, 0);
    const size_t *peers;
    TK_CHECK_INT(tk_userday_peers(s, D(2024, 9, 1), 0, &peers), 0);
    tk_userday_totals(s, &n);
    TK_CHECK_INT(n, 0);
    tk_userday_destroy(s);
    tk_tenant_close(t);
}

/* Every allocation of a build and of a load can fail cleanly (ASan
 * reports a leak if a failure path forgets something). */
static void allocation_failures(void)
{
#ifdef TK_TESTING
    tk_tenant *t = city_tenant();
    tk_db *db = tk_tenant_db(t);
    tk_mastersnap *ms = NULL;
    tk_calendar *cal = NULL;
    tk_error err;
    TK_REQUIRE(tk_mastersnap_load(&ms, t, D(2024, 10, 1), D(2024, 10, 7), &err) == TK_OK);
    TK_REQUIRE(tk_calendar_create_default(&cal, NULL, &err) == TK_OK);
    tk_userday_options o = TK_USERDAY_OPTIONS_INIT;
    o.master = ms;
    o.calendar = cal;
    o.threads = 1;
    int ok = 0;
    for (unsigned long n = 1; n < 5000 && !ok; n++) {
        tk_userday *s = NULL;
        tk_alloc_fail_at(n);
        const int rc = tk_userday_build(&s, t, D(2024, 10, 1), D(2024, 10, 7), &o, &err);
        tk_alloc_fail_at(0);
        TK_CHECK(rc == TK_OK || rc == TK_ENOMEM);
        TK_CHECK((rc == TK_OK) == (s != NULL));
        if (rc == TK_OK) {
            ok = 1;
            TK_CHECK(tk_userday_save(s, db, &err) == TK_OK);
        }
        tk_userday_destroy(s);
    }
    TK_CHECK(ok);
    ok = 0;
    for (unsigned long n = 1; n < 5000 && !ok; n++) {
        tk_userday *s = NULL;
        tk_alloc_fail_at(n);
        const int rc = tk_userday_load(&s, db, D(2024, 10, 1), D(2024, 10, 7), &err);
        tk_alloc_fail_at(0);
        TK_CHECK(rc == TK_OK || rc == TK_ENOMEM);
        TK_CHECK((rc == TK_OK) == (s != NULL));
        ok = rc == TK_OK;
        tk_userday_destroy(s);
    }
    TK_CHECK(ok);
    tk_calendar_destroy(cal);
    tk_mastersnap_destroy(ms);
    tk_tenant_close(t);
#endif
}

/* ---- a generated city ------------------------------------------------------ */

/* Splits line at commas into at most n fields (no quoting: the columns
 * read here never hold commas); returns how many. */
static size_t split(char *line, char **f, size_t n)
{
    size_t k = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; k < n && p != NULL; k++) {
        f[k] = p;
        p = strchr(p, ',');
        if (p != NULL)
            *p++ = '\0';
    }
    return k;
}

static int load_city(tk_tenant *t, const char *city)
{
    const char *const *kinds = tk_master_kinds();
    tk_error err;
    char path[1024], map[1024], line[4096];
    for (size_t i = 0; kinds[i] != NULL; i++) {
        struct stat sb;
        tk_master_import_result res;
        snprintf(path, sizeof path, "%s/master/%s.csv", city, kinds[i]);
        snprintf(map, sizeof map, "%s/master/%s.map.json", city, kinds[i]);
        if (stat(path, &sb) != 0)
            continue;
        if (tk_master_import(t, kinds[i], path, stat(map, &sb) == 0 ? map : NULL, "2000-01-01",
                             &res, &err) != TK_OK) {
            fprintf(stderr, "%s: %s\n", path, err.msg);
            return 0;
        }
    }
    snprintf(path, sizeof path, "%s/manifest.csv", city);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int ok = fgets(line, sizeof line, f) != NULL; /* header */
    while (ok && fgets(line, sizeof line, f) != NULL) {
        char *fl[2], file[1024], prof[1024];
        if (split(line, fl, 2) < 2)
            continue;
        snprintf(file, sizeof file, "%s/%s", city, fl[0]);
        snprintf(prof, sizeof prof, "%s/profiles/%s.json", city, fl[1]);
        tk_profile *p = NULL;
        tk_ingest_result res;
        ok = tk_profile_load(&p, prof, &err) == TK_OK &&
             tk_ingest_file(t, p, file, NULL, &res, &err) == TK_OK;
        if (!ok)
            fprintf(stderr, "%s: %s\n", file, err.msg);
        tk_profile_destroy(p);
    }
    fclose(f);
    return ok;
}

static int64_t parse_day(const char *p)
{
    int64_t d = 0;
    tk_error err;
    return tk_master_parse_day(p, strlen(p), &d, &err) == TK_OK ? d : INT64_MIN;
}

/* Checks one incident of the city's truth.csv against the features of its
 * first day. Returns 1 if the kind is one the features must show, 0 if it
 * is not (statistical kinds, resident- and household-level rules). */
static int check_incident(tk_tenant *t, const tk_userday *s, char **f)
{
    const char *kind = f[2], *etype = f[3], *id = f[4];
    const int64_t day = parse_day(f[5]);
    if (strcmp(etype, "user") == 0) {
        const tk_userday_row *r = tk_userday_find(s, dict_id(t, TK_STORE_USERS, id), day);
        static const struct {
            const char *kind;
            size_t feat;
            double min;
        } want[] = {
            {"night_access", TK_USERDAY_NIGHT_UNAPPROVED, 1},
            {"after_hours", TK_USERDAY_AFTER_HOURS_UNAPPROVED, 1},
            {"closed_day", TK_USERDAY_CLOSED_DAY_UNAPPROVED, 1},
            {"watchlist", TK_USERDAY_WATCH_EVENTS, 1},
            {"dv_lookup", TK_USERDAY_PROTECTED_EVENTS, 1},
            {"dv_issue", TK_USERDAY_PROTECTED_ISSUES, 1},
            {"out_of_role", TK_USERDAY_UNAUTHORIZED_EVENTS, 1},
            {"transfer_old_system", TK_USERDAY_UNAUTHORIZED_EVENTS, 1},
            {"mynumber_shown", TK_USERDAY_MYNUMBER_UNENTITLED, 1},
            {"concurrent_logon", TK_USERDAY_CONCURRENT_LOGONS, 1},
            {"lookup_burst", TK_USERDAY_MAX_RESIDENTS_10MIN, 30},
            {"failed_logon_burst", TK_USERDAY_MAX_FAILURES_10MIN, 5},
            {"mass_extract", TK_USERDAY_MAX_OUTPUT_RECORDS, 1000},
            {"bulk_print", TK_USERDAY_MAX_OUTPUT_RECORDS, 100},
            {"export_usb_chain", TK_USERDAY_UNAPPROVED_MEDIA_EVENTS, 1},
            {"shared_id", TK_USERDAY_FOREIGN_TERMINAL_EVENTS, 1},
        };
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            if (strcmp(kind, want[i].kind) != 0)
                continue;
            if (r == NULL || r->f[want[i].feat] < want[i].min) {
                fprintf(stderr, "%s %s %s: %s = %g\n", f[0], kind, id,
                        tk_userday_feature(want[i].feat)->key, r ? r->f[want[i].feat] : -1.0);
                return -1;
            }
            return 1;
        }
        if (strcmp(kind, "retired_account") == 0 || strcmp(kind, "leave_account") == 0) {
            const int st = kind[0] == 'r' ? TK_USERDAY_STATUS_RETIRED : TK_USERDAY_STATUS_LEAVE;
            return r != NULL && r->status == st ? 1 : -1;
        }
        return 0;
    }
    if (strcmp(etype, "terminal") == 0) {
        const tk_userday_term_row *r = find_term(s, dict_id(t, TK_STORE_TERMINALS, id), day);
        if (strcmp(kind, "unregistered_terminal") == 0)
            return r != NULL && !r->registered ? 1 : -1;
        if (strcmp(kind, "unapproved_device") == 0)
            return r != NULL && r->f[TK_USERDAY_TERM_UNAPPROVED_MEDIA_EVENTS] > 0 ? 1 : -1;
        if (strcmp(kind, "failed_logon_spray") == 0)
            return r != NULL && r->f[TK_USERDAY_TERM_FAILURE_USERS] >= 10 ? 1 : -1;
        if (strcmp(kind, "no_logon_session") == 0)
            return r != NULL && r->f[TK_USERDAY_TERM_NO_SESSION_EVENTS] > 0 ? 1 : -1;
        if (strcmp(kind, "usb_after_hours") == 0)
            return r != NULL && r->f[TK_USERDAY_TERM_AFTER_HOURS_EVENTS] > 0 &&
                           r->f[TK_USERDAY_TERM_MEDIA_COPIES] > 0
                       ? 1
                       : -1;
        return 0;
    }
    if (strcmp(etype, "system") == 0 && strcmp(kind, "log_gap") == 0) {
        for (uint32_t y = 1; y < tk_userday_system_count(s); y++) {
            const char *nm = tk_userday_system_name(s, y);
            if (nm != NULL && strcmp(nm, id) == 0)
                return tk_userday_system_events(s, y, day) == 0 &&
                               tk_userday_system_events(s, y, day - 1) +
                                       tk_userday_system_events(s, y, day + 1) >
                                   0
                           ? 1
                           : -1;
        }
        return -1;
    }
    return 0;
}

/* A city from `tenken gen-city` (small: 30 staff, three months), imported
 * and ingested like the demo: the features agree with the store's counts,
 * with themselves across threads, and show each injected incident whose
 * kind a feature measures. Skipped without $TENKEN_BIN. */
struct day_seen {
    pthread_mutex_t mu;
    int64_t first, fail_day;
    int calls[200];
    int64_t events[200];
    int sorted_bad;
    int sorted;
    const tk_store_names *users; /* the store's user names */
};

/* -1, 0 or 1 as user a comes before, with or after user b in a day's
 * order: absent first, then by name. */
static int user_order(const tk_store_names *users, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    if (a == 0 || b == 0)
        return a == 0 ? -1 : 1;
    return strcmp(users->names[a], users->names[b]) < 0 ? -1 : 1;
}

static int count_day(void *ctx, int64_t day, const tk_dayevent *rows, size_t n, tk_error *err)
{
    struct day_seen *s = ctx;
    int ok = 1;
    for (size_t i = 1; i < n; i++) {
        const int c = user_order(s->users, rows[i - 1].user, rows[i].user);
        ok &= c < 0 || (c == 0 && rows[i - 1].t <= rows[i].t);
    }
    pthread_mutex_lock(&s->mu);
    if (s->fail_day == 0) {
        s->calls[day - s->first]++;
        s->events[day - s->first] += (int64_t)n;
        s->sorted_bad |= !ok;
        s->sorted = !s->sorted_bad;
    }
    pthread_mutex_unlock(&s->mu);
    if (s->fail_day != 0 && day == s->fail_day)
        return tk_error_set(err, TK_ERANGE, "stop here");
    return TK_OK;
}

static void generated_city(void)
{
    const char *bin = getenv("TENKEN_BIN");
    if (bin == NULL || *bin == '\0') {
        printf("generated_city: skipped ($TENKEN_BIN not set)\n");
        return;
    }
    char dir[512], cmd[2048], path[1024], line[4096];
    snprintf(dir, sizeof dir, "%s/userday-city-XXXXXX", tk_test_tmpdir());
    TK_REQUIRE(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd,
             "'%s' gen-city --out '%s/city' --seed 3 --staff 30 --residents 1000"
             " --from 2024-09-01 --to 2024-11-30 --quiet",
             bin, dir);
    TK_REQUIRE(system(cmd) == 0);
    tk_tenant *t = NULL;
    tk_error err;
    snprintf(path, sizeof path, "%s/data", dir);
    TK_REQUIRE(tk_tenant_create(&t, path, "gen", &err) == TK_OK);
    TK_REQUIRE(tk_userday_migrate(tk_tenant_db(t), &err) == TK_OK);
    snprintf(path, sizeof path, "%s/city", dir);
    TK_REQUIRE(load_city(t, path));

    tk_userday_options o = TK_USERDAY_OPTIONS_INIT;
    tk_userday *s = NULL, *s2 = NULL;
    const int64_t first = D(2024, 9, 1), last = D(2024, 11, 30);
    o.threads = 1;
    TK_REQUIRE(tk_userday_build(&s, t, first, last, &o, &err) == TK_OK);
    o.threads = 2;
    TK_REQUIRE(tk_userday_build(&s2, t, first, last, &o, &err) == TK_OK);
    TK_CHECK(same_rows(s, s2));
    tk_userday_destroy(s2);

    /* on_day: every day once, from the worker threads, sorted by user name
     * and time; an error from it stops the pass and comes back. */
    struct day_seen seen;
    tk_store_names unames;
    TK_REQUIRE(tk_store_names_load(tk_tenant_db(t), TK_STORE_USERS, &unames, &err) == TK_OK);
    memset(&seen, 0, sizeof seen);
    pthread_mutex_init(&seen.mu, NULL);
    seen.first = first;
    seen.users = &unames;
    o.on_day = count_day;
    o.on_day_ctx = &seen;
    TK_REQUIRE(tk_userday_build(&s2, t, first, last, &o, &err) == TK_OK);
    tk_userday_destroy(s2);
    int once = 1;
    int64_t fed = 0;
    for (int64_t d = first; d <= last; d++) {
        once &= seen.calls[d - first] == 1;
        fed += seen.events[d - first];
    }
    TK_CHECK(once);
    TK_CHECK(seen.sorted);
    seen.fail_day = first + 10;
    s2 = NULL;
    TK_CHECK_INT(tk_userday_build(&s2, t, first, last, &o, &err), TK_ERANGE);
    TK_CHECK(s2 == NULL);
    TK_CHECK(strstr(err.msg, "stop here") != NULL);
    pthread_mutex_destroy(&seen.mu);
    tk_store_names_dispose(&unames);
    o.on_day = NULL;
    o.on_day_ctx = NULL;

    /* Every event is in one user-day and one day count; terminal rows
     * count those with a terminal (all of a generated city's). */
    int64_t stored = 0;
    TK_REQUIRE(tk_store_count_events(tk_tenant_db(t), &stored, &err) == TK_OK);
    double users = 0, terms = 0;
    int64_t days = 0;
    size_t n, nt;
    const tk_userday_row *r = tk_userday_rows(s, &n);
    const tk_userday_term_row *tr = tk_userday_term_rows(s, &nt);
    for (size_t i = 0; i < n; i++)
        users += r[i].f[TK_USERDAY_EVENTS];
    for (size_t i = 0; i < nt; i++)
        terms += tr[i].f[TK_USERDAY_TERM_EVENTS];
    for (int64_t d = first; d <= last; d++)
        days += tk_userday_day_events(s, d);
    TK_CHECK(stored > 10000);
    TK_CHECK_INT(users, stored);
    TK_CHECK_INT(days, stored);
    TK_CHECK_INT(terms, stored);
    TK_CHECK_INT(fed, stored);

    snprintf(path, sizeof path, "%s/city/truth.csv", dir);
    FILE *f = fopen(path, "r");
    TK_REQUIRE(f != NULL);
    int checked = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char *fl[7];
        if (split(line, fl, 7) < 7 || strcmp(fl[1], "incident") != 0)
            continue;
        const int rc = check_incident(t, s, fl);
        TK_CHECK(rc >= 0);
        checked += rc > 0;
    }
    fclose(f);
    TK_CHECK(checked >= 15);
    printf("generated_city: %lld events, %zu user-days, %d incidents shown by features\n",
           (long long)stored, n, checked);
    tk_userday_destroy(s);
    tk_tenant_close(t);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir); /* 15 MB of logs and store */
    TK_CHECK(system(cmd) == 0);
}

int main(void)
{
    TK_RUN(feature_tables);
    TK_RUN(computes_city);
    TK_RUN(threads_agree);
    TK_RUN(saves_and_loads);
    TK_RUN(bad_ranges);
    TK_RUN(allocation_failures);
    TK_RUN(generated_city);
    TK_TEST_END();
}
