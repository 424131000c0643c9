/* tests/src/test_ingest.c -- the ingestion pipeline against a real tenant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/ingest.h"
#include "src/master.h"
#include "src/period.h"
#include "src/store.h"
#include "src/tenant.h"
#include "src/timefmt.h"
#include "tests/test.h"

static char dir[512];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
}

static tk_profile *profile(const char *json)
{
    tk_profile *p = NULL;
    tk_error err;
    if (tk_profile_parse(&p, json, strlen(json), "test", &err) != TK_OK) {
        return NULL;
    }
    return p;
}

static const char juki[] =
    "{\"profile\":\"juki\",\"system\":{\"value\":\"住民基本台帳\"},\"fields\":{"
    "\"time\":{\"column\":\"日時\",\"format\":\"YYYY/MM/DD hh:mm:ss\"},"
    "\"user\":{\"column\":\"職員\",\"resolve\":\"staff\"},"
    "\"terminal\":{\"column\":\"端末\",\"resolve\":\"terminal\"},"
    "\"operation\":{\"column\":\"操作\",\"map\":{\"照会\":\"lookup\"}},"
    "\"subject\":{\"column\":\"宛名番号\"}}}";

static int64_t count(tk_tenant *t, const char *sql)
{
    int64_t n = -1;
    tk_error err;
    if (tk_db_query_i64(tk_tenant_db(t), sql, &n, &err) != TK_OK)
        return -1;
    return n;
}

static void write_rows(const char *path, int n, int first_bad)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    fputs("日時,職員,端末,操作,宛名番号\n", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "2024/10/%02d 09:%02d:%02d,c%d,PC%02d,%s,%010d\n", 1 + i % 28, i % 60,
                (i * 7) % 60, 100 + i % 3, i % 5, i == first_bad ? "削除" : "照会", i);
    fclose(f);
}

static void injected_failure_mid_file_stores_nothing(void)
{
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    TK_REQUIRE(tk_tenant_create(&t, dir, "failure", &err) == TK_OK);
    tk_profile *p = profile(juki);
    TK_REQUIRE(p != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/juki.csv", dir);
    write_rows(path, 2000, -1);

    tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
    tk_ingest_result res;
    opt.fail_after_rows = 1000;
    TK_CHECK_INT(tk_ingest_file(t, p, path, &opt, &res, &err), TK_EIO);
    TK_CHECK(strstr(err.msg, "injected failure after 1000 rows") != NULL);
    TK_CHECK_INT(count(t, "SELECT coalesce(sum(n),0) FROM event_blocks"), 0);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM uploads"), 0);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM users"), 0);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM subjects"), 0);

    /* The same file goes in whole afterwards. */
    opt.fail_after_rows = 0;
    TK_CHECK_INT(tk_ingest_file(t, p, path, &opt, &res, &err), TK_OK);
    TK_CHECK_STR(res.status, "stored");
    TK_CHECK_INT(res.rows_accepted, 2000);
    TK_CHECK_INT(count(t, "SELECT coalesce(sum(n),0) FROM event_blocks"), 2000);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM subjects"), 2000);
    /* Without master data nobody resolves, and each unknown is counted once. */
    TK_CHECK_INT(res.unknown_users, 3);
    TK_CHECK_INT(res.unknown_terminals, 5);
    TK_CHECK_STR(res.encoding, "utf-8");
    TK_CHECK_INT(res.t_min, 1727740800000LL); /* 2024-10-01 09:00:00 JST, row 0 */

    /* The same bytes again: recognised before parsing. */
    TK_CHECK_INT(tk_ingest_file(t, p, path, &opt, &res, &err), TK_EEXISTS);
    TK_CHECK_STR(res.status, "duplicate");
    TK_CHECK_INT(res.duplicate_of, 1);
    TK_CHECK_INT(count(t, "SELECT coalesce(sum(n),0) FROM event_blocks"), 2000);
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

static void strict_and_lenient(void)
{
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    TK_REQUIRE(tk_tenant_create(&t, dir, "strict", &err) == TK_OK);
    tk_profile *p = profile(juki);
    TK_REQUIRE(p != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/juki_bad.csv", dir);
    write_rows(path, 300, 150);

    tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
    tk_ingest_result res;
    TK_CHECK_INT(tk_ingest_file(t, p, path, &opt, &res, &err), TK_EREJECTED);
    TK_CHECK_STR(res.status, "rejected");
    TK_CHECK_INT(res.rows_rejected, 1);
    TK_CHECK_INT(res.rows_total, 300);
    TK_CHECK_STR(res.first_error, "record 152 (line 152): column 操作 (operation): \"削除\": not "
                                  "in the profile's map (known: 照会)");
    TK_CHECK(res.error_report[0] != '\0' && access(res.error_report, R_OK) == 0);
    TK_CHECK_INT(count(t, "SELECT coalesce(sum(n),0) FROM event_blocks"), 0);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM uploads WHERE status='rejected'"), 1);

    opt.lenient = 1;
    TK_CHECK_INT(tk_ingest_file(t, p, path, &opt, &res, &err), TK_OK);
    TK_CHECK_STR(res.status, "partial");
    TK_CHECK_INT(res.rows_accepted, 299);
    TK_CHECK_INT(count(t, "SELECT coalesce(sum(n),0) FROM event_blocks"), 299);
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

/* Each stored event knows its record in the file (the header is record 1),
 * also after a rejected row and an empty line. */
static void events_keep_their_record(void)
{
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    TK_REQUIRE(tk_tenant_create(&t, dir, "records", &err) == TK_OK);
    tk_profile *p = profile(juki);
    TK_REQUIRE(p != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/juki_records.csv", dir);
    write_file(path, "日時,職員,端末,操作,宛名番号\n"
                     "2024/10/01 09:00:00,c1,PC01,照会,0000000001\n"
                     "2024/10/01 09:01:00,c1,PC01,削除,0000000002\n"
                     "\n"
                     "2024/10/01 09:02:00,c1,PC01,照会,0000000003\n");
    tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
    opt.lenient = 1;
    tk_ingest_result res;
    TK_REQUIRE(tk_ingest_file(t, p, path, &opt, &res, &err) == TK_OK);
    tk_store_scan *sc = NULL;
    TK_REQUIRE(tk_store_scan_create(&sc, tk_tenant_db(t), 0, INT64_MAX, &err) == TK_OK);
    tk_stored_event ev;
    int64_t rec[3] = {0, 0, 0};
    size_t n = 0;
    while (n < 3 && tk_store_scan_next(sc, &ev, &err) == 1)
        rec[n++] = ev.row.record;
    tk_store_scan_destroy(sc);
    TK_CHECK_INT(n, 2);
    TK_CHECK_INT(rec[0], 2);
    TK_CHECK_INT(rec[1], 5);
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

static void resolves_through_master_data(void)
{
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    TK_REQUIRE(tk_tenant_create(&t, dir, "resolve", &err) == TK_OK);
    char staff[600], terms[600], path[600];
    snprintf(staff, sizeof staff, "%s/staff.csv", dir);
    snprintf(terms, sizeof terms, "%s/terminals.csv", dir);
    write_file(staff, "職員ID,氏名,所属,アカウント\n100,山田,市民課,c100\n101,佐藤,税務課,c101\n");
    write_file(terms, "端末名,IPアドレス,所属\nSHIMIN-01,10.0.0.1,市民課\n");
    TK_REQUIRE(tk_master_import(t, "staff", staff, NULL, "2024-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(tk_master_import(t, "terminals", terms, NULL, "2024-04-01", NULL, &err) == TK_OK);
    tk_profile *p = profile(juki);
    TK_REQUIRE(p != NULL);
    snprintf(path, sizeof path, "%s/juki_r.csv", dir);
    write_file(path, "日時,職員,端末,操作,宛名番号\n"
                     "2024/10/01 09:00:00,c100,10.0.0.1,照会,1\n"
                     "2024/10/01 09:00:01,100,SHIMIN-01,照会,2\n"
                     "2024/10/01 09:00:02,c777,10.9.9.9,照会,3\n");
    tk_ingest_result res;
    TK_CHECK_INT(tk_ingest_file(t, p, path, NULL, &res, &err), TK_OK);
    TK_CHECK_INT(res.unknown_users, 1);
    TK_CHECK_INT(res.unknown_terminals, 1);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM users WHERE name='100' AND resolved=1"), 1);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM users WHERE name='c777' AND resolved=0"), 1);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM terminals WHERE name='SHIMIN-01'"), 1);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM terminals WHERE name='10.9.9.9'"), 1);
    TK_CHECK_INT(count(t, "SELECT unknown_users FROM uploads"), 1);
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

static void logon_log_records_terminal_addresses(void)
{
    static const char logon[] =
        "{\"profile\":\"logon\",\"system\":{\"value\":\"端末\"},\"fields\":{"
        "\"time\":{\"column\":\"日時\",\"format\":\"YYYY/MM/DD hh:mm:ss\"},"
        "\"user\":{\"column\":\"ユーザー\",\"resolve\":\"staff\"},"
        "\"terminal\":{\"column\":\"コンピュータ名\",\"resolve\":\"terminal\"},"
        "\"terminal_address\":{\"column\":\"IPアドレス\",\"optional\":true},"
        "\"operation\":{\"value\":\"logon\"}}}";
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    TK_REQUIRE(tk_tenant_create(&t, dir, "addresses", &err) == TK_OK);
    tk_profile *p = profile(logon);
    TK_REQUIRE(p != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/logon.csv", dir);
    FILE *f = fopen(path, "wb");
    TK_REQUIRE(f != NULL);
    /* 3,000 logons of two hosts over two days, each host with one IP. */
    fputs("日時,ユーザー,コンピュータ名,IPアドレス\n", f);
    for (int i = 0; i < 3000; i++)
        fprintf(f, "2024/10/%02d %02d:%02d:%02d,c100,DESKTOP-%c,10.0.0.%d\n", 1 + i / 1500,
                8 + i % 1500 / 3600, i % 1500 / 60 % 60, i % 60, i % 2 ? 'A' : 'B', 1 + i % 2);
    fclose(f);

    tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
    tk_ingest_result res;
    opt.fail_after_rows = 2000;
    TK_CHECK_INT(tk_ingest_file(t, p, path, &opt, &res, &err), TK_EIO);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM terminal_addresses"), 0);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM terminals"), 0);

    opt.fail_after_rows = 0;
    TK_CHECK_INT(tk_ingest_file(t, p, path, &opt, &res, &err), TK_OK);
    TK_CHECK_INT(res.rows_accepted, 3000);
    TK_CHECK_INT(res.unknown_terminals, 2); /* the hosts; their IPs were only addresses */
    TK_CHECK_INT(count(t, "SELECT count(*) FROM terminal_addresses"), 4);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM terminal_addresses a"
                          " JOIN terminals x ON x.id = a.address_id"
                          " JOIN terminals h ON h.id = a.terminal_id"
                          " WHERE x.name = '10.0.0.2' AND h.name = 'DESKTOP-A'"
                          " AND a.day = 19997"),
                 1);
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

static void misfit_profile_is_reported_before_any_row(void)
{
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    TK_REQUIRE(tk_tenant_create(&t, dir, "misfit", &err) == TK_OK);
    tk_profile *p = profile(juki);
    TK_REQUIRE(p != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/other.csv", dir);
    write_file(path, "time,user,op\n2024/10/01 09:00:00,1,照会\n");
    tk_ingest_result res;
    TK_CHECK_INT(tk_ingest_file(t, p, path, NULL, &res, &err), TK_EPROFILE);
    TK_CHECK(strstr(err.msg, "profile juki: columns \"日時\" (time), \"職員\" (user), \"端末\" "
                             "(terminal), \"操作\" (operation), \"宛名番号\" (subject) are not in "
                             "the header; the header has: time, user, op") != NULL);
    TK_CHECK_INT(count(t, "SELECT coalesce(sum(n),0) FROM event_blocks"), 0);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM uploads WHERE status='rejected' AND message"
                          " LIKE '%are not in the header%'"),
                 1);

    /* An empty file and a missing file. */
    snprintf(path, sizeof path, "%s/empty.csv", dir);
    write_file(path, "");
    TK_CHECK_INT(tk_ingest_file(t, p, path, NULL, &res, &err), TK_EPROFILE);
    TK_CHECK(strstr(err.msg, "the file is empty") != NULL);
    snprintf(path, sizeof path, "%s/nosuch.csv", dir);
    TK_CHECK_INT(tk_ingest_file(t, p, path, NULL, &res, &err), TK_EIO);
    TK_CHECK(strstr(err.msg, "No such file") != NULL);
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

struct seen {
    int events;
    int problems;
};

static int on_event(void *ctx, uint64_t record, const tk_event *ev)
{
    (void)record;
    (void)ev;
    ((struct seen *)ctx)->events++;
    return 0;
}

static void on_problem(void *ctx, uint64_t record, uint64_t line, const char *column,
                       const char *msg)
{
    (void)record;
    (void)line;
    (void)column;
    (void)msg;
    ((struct seen *)ctx)->problems++;
}

static void headerless_dry_run(void)
{
    static const char json[] =
        "{\"profile\":\"raw\",\"header\":false,\"encoding\":\"cp932\",\"system\":{\"column\":1},"
        "\"fields\":{\"time\":{\"column\":2,\"format\":\"YYYYMMDDhhmmss\"},"
        "\"user\":{\"column\":3},\"operation\":{\"value\":\"lookup\"}}}";
    tk_profile *p = profile(json);
    TK_REQUIRE(p != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/raw.csv", dir);
    /* 戸籍 in CP932; the first record is data, not a header. */
    write_file(path, "\x8C\xCB\x90\xD0,20241001091502,1\r\n\x8C\xCB\x90\xD0,2024100109150x,2\r\n"
                     "\x8C\xCB\x90\xD0,20241001091503,3\r\n");
    struct seen s = {0, 0};
    tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
    tk_ingest_result res;
    tk_error err = {0, ""};
    opt.dry_run = 1;
    opt.lenient = 1;
    opt.on_event = on_event;
    opt.on_problem = on_problem;
    opt.event_ctx = &s;
    TK_CHECK_INT(tk_ingest_file(NULL, p, path, &opt, &res, &err), TK_OK);
    TK_CHECK_INT(s.events, 2);
    TK_CHECK_INT(s.problems, 1);
    TK_CHECK_INT(res.rows_total, 3);
    TK_CHECK_STR(res.encoding, "cp932");
    tk_profile_destroy(p);
}

/* A header of 40 Japanese columns is named whole in the message and in
 * the stored upload's message, never cut inside a character. */
static void wide_header_is_stored_whole(void)
{
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    TK_REQUIRE(tk_tenant_create(&t, dir, "wide", &err) == TK_OK);
    tk_profile *p = profile(juki);
    TK_REQUIRE(p != NULL);
    static const char *const names[20] = {
        "操作日時",       "職員番号", "職員氏名",   "所属名称",     "端末名称",
        "端末IPアドレス", "業務名称", "機能名称",   "操作区分",     "処理結果",
        "宛名番号",       "世帯番号", "対象者氏名", "対象者住所",   "出力件数",
        "出力先",         "備考欄",   "ログ種別",   "セッションID", "サーバ名"};
    char header[2048] = "", listed[2048] = "", text[4096];
    for (size_t i = 0; i < 40; i++) {
        const size_t h = strlen(header), l = strlen(listed);
        snprintf(header + h, sizeof header - h, "%s%s%s", i ? "," : "", i < 20 ? "" : "前回",
                 names[i % 20]);
        snprintf(listed + l, sizeof listed - l, "%s%s%s", i ? ", " : "", i < 20 ? "" : "前回",
                 names[i % 20]);
    }
    snprintf(text, sizeof text, "%s\n%s\n", header, "x");
    char path[600];
    snprintf(path, sizeof path, "%s/wide.csv", dir);
    write_file(path, text);
    tk_ingest_result res;
    TK_CHECK_INT(tk_ingest_file(t, p, path, NULL, &res, &err), TK_EPROFILE);
    char want[3000];
    snprintf(want, sizeof want,
             "%s: profile juki: columns \"日時\" (time), \"職員\" (user), \"端末\" (terminal), "
             "\"操作\" (operation) are not in the header; the header has: %s",
             path, listed);
    TK_CHECK_STR(err.msg, want);
    sqlite3_stmt *st = NULL;
    TK_REQUIRE(sqlite3_prepare_v2(tk_db_handle(tk_tenant_db(t)),
                                  "SELECT message FROM uploads WHERE file_name = 'wide.csv'", -1,
                                  &st, NULL) == SQLITE_OK);
    TK_CHECK(sqlite3_step(st) == SQLITE_ROW);
    TK_CHECK_STR((const char *)sqlite3_column_text(st, 0), want);
    sqlite3_finalize(st);
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

/* Rows dated in a delivered period are stored, counted and named. */
static void rows_in_a_delivered_period_are_counted(void)
{
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    TK_REQUIRE(tk_tenant_create(&t, dir, "frozen", &err) == TK_OK);
    tk_period aug = {tk_days_from_civil(2024, 8, 1), tk_days_from_civil(2024, 9, 30)};
    tk_period oct = {tk_days_from_civil(2024, 10, 1), tk_days_from_civil(2024, 10, 3)};
    TK_REQUIRE(tk_period_deliver(tk_tenant_db(t), &aug, 0, "test", &err) == TK_OK);
    TK_REQUIRE(tk_period_deliver(tk_tenant_db(t), &oct, 0, "test", &err) == TK_OK);
    tk_profile *p = profile(juki);
    TK_REQUIRE(p != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/frozen.csv", dir);
    write_rows(path, 28, -1); /* one row on each of 2024-10-01 .. 10-28 */
    tk_ingest_result res;
    TK_REQUIRE(tk_ingest_file(t, p, path, NULL, &res, &err) == TK_OK);
    TK_CHECK_INT(res.rows_accepted, 28);
    TK_CHECK_INT(res.rows_delivered, 3);
    static const char want[] = "3 rows fall into the delivered period 2024-10-01..2024-10-03; a "
                               "delivered period is frozen, so their events will not be analysed";
    TK_CHECK_STR(res.warning, want);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM uploads WHERE status = 'stored' AND message ="
                          " '3 rows fall into the delivered period 2024-10-01..2024-10-03; a "
                          "delivered period is frozen, so their events will not be analysed'"),
                 1);
    /* A dry run with the tenant counts the same and stores nothing. */
    tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
    opt.dry_run = 1;
    TK_REQUIRE(tk_ingest_file(t, p, path, &opt, &res, &err) == TK_OK);
    TK_CHECK_STR(res.warning, want);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM uploads"), 1);
    /* Rows after every delivered period: no word. */
    snprintf(path, sizeof path, "%s/open.csv", dir);
    write_file(path, "日時,職員,端末,操作,宛名番号\n2024/11/01 09:00:00,c1,PC1,照会,1\n");
    TK_REQUIRE(tk_ingest_file(t, p, path, NULL, &res, &err) == TK_OK);
    TK_CHECK_INT(res.rows_delivered, 0);
    TK_CHECK_STR(res.warning, "");
    /* Two periods: each named with its rows. */
    snprintf(path, sizeof path, "%s/both.csv", dir);
    write_file(path, "日時,職員,端末,操作,宛名番号\n2024/09/30 09:00:00,c1,PC1,照会,1\n"
                     "2024/10/02 09:00:00,c1,PC1,照会,1\n2024/10/02 10:00:00,c1,PC1,照会,1\n");
    TK_REQUIRE(tk_ingest_file(t, p, path, NULL, &res, &err) == TK_OK);
    TK_CHECK_STR(res.warning, "3 rows fall into delivered periods: 2024-08-01..2024-09-30 (1 row), "
                              "2024-10-01..2024-10-03 (2 rows); a delivered period is frozen, so "
                              "their events will not be analysed");
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

/* A source reading a file in uneven pieces (1 to 4,093 bytes, as a
 * socket delivers them), failing once `fail_after` bytes are passed. */
struct pieces {
    FILE *f;
    size_t step;
    uint64_t done, fail_after;
};

static long pieces_read(void *ctx, char *buf, size_t cap, tk_error *err)
{
    struct pieces *s = ctx;
    s->step = (s->step * 1103515245u + 12345u) & 0x7fffffff;
    size_t want = 1 + s->step % 4093;
    if (want > cap)
        want = cap;
    const size_t n = fread(buf, 1, want, s->f);
    s->done += n;
    if (s->fail_after > 0 && s->done > s->fail_after)
        return tk_error_set(err, TK_ERANGE, "the body is larger than %llu bytes",
                            (unsigned long long)s->fail_after),
               -1;
    return (long)n;
}

static int64_t blocks_rows(tk_tenant *t)
{
    return count(t, "SELECT coalesce(sum(n), 0) FROM event_blocks");
}

/* A stream of unknown length in small pieces stores exactly what the same
 * bytes store from a file; a failing source stores nothing; a duplicate is
 * refused when the stream ends. */
static void streams_store_what_files_store(void)
{
    tk_error err = {0, ""};
    tk_tenant *a = NULL, *b = NULL;
    TK_REQUIRE(tk_tenant_create(&a, dir, "from-file", &err) == TK_OK);
    TK_REQUIRE(tk_tenant_create(&b, dir, "from-stream", &err) == TK_OK);
    tk_profile *p = profile(juki);
    TK_REQUIRE(p != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/stream.csv", dir);
    write_rows(path, 30000, -1); /* about 1.3 MB: more than the first chunk */
    tk_ingest_result fr, sr;
    TK_REQUIRE(tk_ingest_file(a, p, path, NULL, &fr, &err) == TK_OK);

    struct pieces src = {fopen(path, "rb"), 7, 0, 0};
    TK_REQUIRE(src.f != NULL);
    tk_ingest_source in = {"stream.csv", -1, pieces_read, &src};
    TK_CHECK_INT(tk_ingest_stream(b, p, &in, NULL, &sr, &err), TK_OK);
    fclose(src.f);
    TK_CHECK_STR(sr.status, "stored");
    TK_CHECK_STR(sr.sha256, fr.sha256);
    TK_CHECK_STR(sr.encoding, fr.encoding);
    TK_CHECK_INT(sr.rows_accepted, 30000);
    TK_CHECK_INT(sr.bytes, fr.bytes);
    TK_CHECK_INT(blocks_rows(b), blocks_rows(a));
    TK_CHECK_INT(count(b, "SELECT size FROM uploads"), (int64_t)fr.bytes);
    TK_CHECK_INT(count(b, "SELECT count(*) FROM uploads WHERE file_name = 'stream.csv'"), 1);

    /* The same bytes again: refused at the end, nothing more stored. */
    src = (struct pieces){fopen(path, "rb"), 9, 0, 0};
    TK_REQUIRE(src.f != NULL);
    TK_CHECK_INT(tk_ingest_stream(b, p, &in, NULL, &sr, &err), TK_EEXISTS);
    fclose(src.f);
    TK_CHECK_STR(sr.status, "duplicate");
    TK_CHECK_INT(blocks_rows(b), 30000);

    /* A source that gives up half-way (a body over its limit, a client
     * gone): its error, prefixed with the name; nothing stored. */
    tk_tenant *c = NULL;
    TK_REQUIRE(tk_tenant_create(&c, dir, "stream-cut", &err) == TK_OK);
    src = (struct pieces){fopen(path, "rb"), 11, 0, 600000};
    TK_REQUIRE(src.f != NULL);
    TK_CHECK_INT(tk_ingest_stream(c, p, &in, NULL, &sr, &err), TK_ERANGE);
    fclose(src.f);
    TK_CHECK_STR(err.msg, "stream.csv: the body is larger than 600000 bytes");
    TK_CHECK_INT(blocks_rows(c), 0);
    TK_CHECK_INT(count(c, "SELECT count(*) FROM uploads WHERE status <> 'rejected'"), 0);
    /* ... and the whole upload can then be sent again. */
    src = (struct pieces){fopen(path, "rb"), 13, 0, 0};
    TK_REQUIRE(src.f != NULL);
    TK_CHECK_INT(tk_ingest_stream(c, p, &in, NULL, &sr, &err), TK_OK);
    fclose(src.f);
    TK_CHECK_INT(blocks_rows(c), 30000);

    /* A cut in the first chunk, before the encoding is known. */
    src = (struct pieces){fopen(path, "rb"), 17, 0, 5000};
    TK_REQUIRE(src.f != NULL);
    tk_ingest_source early = {"early.csv", 1300000, pieces_read, &src};
    TK_CHECK_INT(tk_ingest_stream(c, p, &early, NULL, &sr, &err), TK_ERANGE);
    fclose(src.f);
    TK_CHECK_STR(err.msg, "early.csv: the body is larger than 5000 bytes");
    TK_CHECK_INT(count(c, "SELECT count(*) FROM uploads WHERE file_name = 'early.csv'"), 0);

    /* A name is a file name, never a path. */
    tk_ingest_source bad = {"../x.csv", -1, pieces_read, &src};
    TK_CHECK_INT(tk_ingest_stream(c, p, &bad, NULL, &sr, &err), TK_EINVAL);
    TK_CHECK_STR(sr.status, "rejected");
    tk_profile_destroy(p);
    tk_tenant_close(a);
    tk_tenant_close(b);
    tk_tenant_close(c);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/ingest-%ld", tk_test_tmpdir(), (long)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    TK_RUN(injected_failure_mid_file_stores_nothing);
    TK_RUN(strict_and_lenient);
    TK_RUN(events_keep_their_record);
    TK_RUN(resolves_through_master_data);
    TK_RUN(logon_log_records_terminal_addresses);
    TK_RUN(misfit_profile_is_reported_before_any_row);
    TK_RUN(headerless_dry_run);
    TK_RUN(wide_header_is_stored_whole);
    TK_RUN(rows_in_a_delivered_period_are_counted);
    TK_RUN(streams_store_what_files_store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    TK_TEST_END();
}
