/* tests/src/test_master.c -- master data import, history, pseudonymisation
 * and identity resolution, on the fixtures in tests/data/master/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "src/alloc.h"
#include "src/crypto.h"
#include "src/master.h"
#include "src/profile.h"
#include "src/tenant.h"
#include "src/timefmt.h"
#include "tests/test.h"

static char data_dir[600];
static int tenant_seq;

/* A new tenant in a fresh data directory. */
static tk_tenant *new_tenant(void)
{
    char tmpl[512], name[32];
    tk_tenant *t = NULL;
    tk_error err;

    mkdir(tk_test_tmpdir(), 0755);
    snprintf(tmpl, sizeof tmpl, "%s/master-XXXXXX", tk_test_tmpdir());
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(data_dir, sizeof data_dir, "%s/data", tmpl);
    snprintf(name, sizeof name, "city%d", ++tenant_seq);
    if (tk_tenant_create(&t, data_dir, name, &err) != TK_OK) {
        fprintf(stderr, "tenant: %s\n", err.msg);
        exit(2);
    }
    return t;
}

static const char *fixture(const char *name)
{
    static char path[4][600];
    static int which;
    which = (which + 1) % 4;
    snprintf(path[which], sizeof path[which], "%s/master/%s", tk_test_datadir(), name);
    return path[which];
}

static int import(tk_tenant *t, const char *kind, const char *file, const char *mapping,
                  const char *eff, tk_master_import_result *res, tk_error *err)
{
    const int rc =
        tk_master_import(t, kind, fixture(file), mapping ? fixture(mapping) : NULL, eff, res, err);
    if (rc != TK_OK && getenv("TK_TEST_VERBOSE"))
        fprintf(stderr, "import %s: %s\n", file, err->msg);
    return rc;
}

static int64_t q_i64(tk_tenant *t, const char *sql)
{
    int64_t v = -1;
    tk_error err;
    if (tk_db_query_i64(tk_tenant_db(t), sql, &v, &err) != TK_OK)
        fprintf(stderr, "query failed: %s: %s\n", sql, err.msg);
    return v;
}

/* First column of the first row of sql as text ("" if NULL, "?" if none). */
static const char *q_text(tk_tenant *t, const char *sql)
{
    static char buf[4][256];
    static int which;
    sqlite3_stmt *st = NULL;
    which = (which + 1) % 4;
    snprintf(buf[which], sizeof buf[which], "?");
    if (sqlite3_prepare_v2(tk_db_handle(tk_tenant_db(t)), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *s = sqlite3_column_text(st, 0);
        snprintf(buf[which], sizeof buf[which], "%s", s ? (const char *)s : "");
    }
    sqlite3_finalize(st);
    return buf[which];
}

static void test_import_every_kind(void)
{
    tk_tenant *t = new_tenant();
    tk_master_import_result r;
    tk_error err;

    TK_CHECK_INT(import(t, "staff", "staff_v1.csv", NULL, "2024-04-01", &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 4);
    TK_CHECK_STR(r.kind, "staff");
    TK_CHECK_STR(r.effective_from, "2024-04-01");
    TK_CHECK_STR(r.encoding, "utf-8");
    TK_CHECK_INT(strlen(r.sha256), 64);
    TK_CHECK_STR(q_text(t, "SELECT section FROM master_staff WHERE staff_id = '100001'"),
                 "窓口係,証明係");
    TK_CHECK_STR(q_text(t, "SELECT status FROM master_staff WHERE staff_id = '100003'"), "leave");
    TK_CHECK_STR(q_text(t, "SELECT hired_on FROM master_staff WHERE staff_id = '100003'"),
                 "2018-04-01");
    TK_CHECK_STR(q_text(t, "SELECT retired_on || status FROM master_staff"
                           " WHERE staff_id = '100004'"),
                 "2024-03-31retired");
    TK_CHECK_STR(q_text(t, "SELECT prev_dept || transferred_on FROM master_staff"
                           " WHERE staff_id = '100002'"),
                 "市民課2023-04-01");
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_staff_accounts"), 5);
    TK_CHECK_STR(q_text(t, "SELECT staff_id FROM master_staff_accounts WHERE account = 'suzuki-h'"),
                 "100002");
    TK_CHECK_STR(q_text(t, "SELECT group_concat(from_on || '/' || to_on, ' ') FROM"
                           " (SELECT * FROM master_staff_leaves ORDER BY from_on)"),
                 "2024-01-15/2024-06-30 2024-08-01/2024-08-31");
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_staff_subjects WHERE relation = 'self'"), 2);
    TK_CHECK_INT(
        q_i64(t, "SELECT count(*) FROM master_staff_subjects WHERE relation = 'household'"), 2);
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_staff WHERE kana_ps IS NOT NULL"), 4);

    TK_CHECK_INT(import(t, "terminals", "terminals.csv", NULL, "2024-04-01", &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 4);
    TK_CHECK_STR(r.encoding, "utf-8-bom");
    TK_CHECK_STR(q_text(t, "SELECT terminal FROM master_terminal_ips WHERE ip = '192.168.10.112'"),
                 "SHIMIN-PC02");
    TK_CHECK_STR(q_text(t, "SELECT terminal FROM master_terminal_ips WHERE ip = '2001:db8::1'"),
                 "KIKAKU-PC01");
    TK_CHECK_STR(q_text(t, "SELECT kind FROM master_terminals WHERE terminal = 'ZEIMU-PC01'"),
                 "general");
    TK_CHECK_STR(q_text(t, "SELECT kind IS NULL FROM master_terminals"
                           " WHERE terminal = 'KIKAKU-PC01'"),
                 "1");

    TK_CHECK_INT(import(t, "authorizations", "authorizations.csv", NULL, NULL, &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 3);
    TK_CHECK_STR(r.encoding, "cp932");
    TK_CHECK_STR(q_text(t, "SELECT group_concat(level || mynumber || ifnull(function, '-'), ' ')"
                           " FROM master_authorizations"),
                 "all1- update0- lookup0住基照会");

    TK_CHECK_INT(import(t, "assignments", "assignments.csv", NULL, NULL, &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 2);
    TK_CHECK_STR(q_text(t, "SELECT dept || system || from_on || to_on FROM master_assignments"
                           " WHERE staff_id = '100001'"),
                 "選挙管理委員会選挙人名簿管理2024-06-012024-07-31");

    TK_CHECK_INT(import(t, "overtime", "overtime.csv", NULL, NULL, &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 2);
    TK_CHECK_STR(q_text(t, "SELECT day || ' ' || from_min || '-' || to_min FROM master_overtime"
                           " WHERE staff_id = '100002'"),
                 "2024-06-04 1320-1530");

    TK_CHECK_INT(import(t, "media", "media.csv", NULL, NULL, &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 2);
    TK_CHECK_STR(q_text(t, "SELECT device || expires_on FROM master_media"
                           " WHERE serial = 'AA12345678'"),
                 "USBメモリ(市民課1)2025-03-31");

    TK_CHECK_INT(import(t, "watchlist", "watchlist.csv", NULL, NULL, &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 2);
    TK_CHECK_STR(r.encoding, "cp932");
    TK_CHECK_STR(q_text(t, "SELECT group_concat(category, ' ') FROM master_watchlist"),
                 "celebrity protected");
    TK_CHECK_STR(q_text(t, "SELECT group_concat(d.dept, ';') FROM master_watchlist_depts d"
                           " JOIN master_watchlist w ON w.id = d.watch_id"
                           " WHERE w.category = 'celebrity'"),
                 "市民課;秘書課");

    TK_CHECK_INT(import(t, "residents", "residents.csv", NULL, NULL, &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 2);
    /* ヤマダ (staff, full-width) and ﾔﾏﾀﾞ (resident, half-width) meet. */
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_residents r JOIN master_staff s"
                          " ON s.kana_ps = r.kana_ps"),
                 2);
    /* さとう (hiragana) equals サトウ. */
    {
        uint8_t ps[32];
        TK_CHECK_INT(tk_tenant_pseudonym(t, "サトウ", strlen("サトウ"), ps, &err), TK_OK);
        sqlite3_stmt *st = NULL;
        TK_REQUIRE(sqlite3_prepare_v2(tk_db_handle(tk_tenant_db(t)),
                                      "SELECT staff_id FROM master_staff WHERE kana_ps = ?", -1,
                                      &st, NULL) == SQLITE_OK);
        sqlite3_bind_blob(st, 1, ps, 32, SQLITE_STATIC);
        TK_CHECK(sqlite3_step(st) == SQLITE_ROW &&
                 strcmp((const char *)sqlite3_column_text(st, 0), "100004") == 0);
        sqlite3_finalize(st);
    }

    /* Several periods of one account; an empty 終了日 is open-ended. */
    TK_CHECK_INT(import(t, "training", "training.csv", NULL, NULL, &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 3);
    TK_CHECK_STR(r.kind, "training");
    TK_CHECK_STR(r.encoding, "utf-8");
    TK_CHECK_STR(q_text(t, "SELECT group_concat(account || ' ' || from_on || ' ' ||"
                           " ifnull(to_on, '-') || ' ' || ifnull(name, '-') || ' ' ||"
                           " ifnull(dept, '-'), '|') FROM (SELECT * FROM master_training"
                           " ORDER BY line)"),
                 "kenshu01 2024-04-01 2024-04-12 新規採用職員研修 市民課|"
                 "kenshu02 2024-04-01 2024-04-12 新規採用職員研修 -|"
                 "KENSHU01 2024-10-01 - 中途採用職員研修 税務課");

    TK_CHECK_INT(import(t, "calendar", "calendar.csv", NULL, NULL, &r, &err), TK_OK);
    TK_CHECK_INT(r.rows, 2);
    TK_CHECK_STR(r.kind, "calendar");
    TK_CHECK_STR(q_text(t, "SELECT kind || name FROM master_calendar WHERE day = '2024-11-10'"),
                 "open休日開庁");

    /* syukujitsu.csv through --kind calendar becomes the holidays kind. */
    TK_CHECK_INT(import(t, "calendar", "syukujitsu.csv", NULL, "2024-01-01", &r, &err), TK_OK);
    TK_CHECK_STR(r.kind, "holidays");
    TK_CHECK_INT(r.rows, 21);
    TK_CHECK_STR(r.encoding, "cp932");
    TK_CHECK_STR(q_text(t, "SELECT kind || name FROM master_calendar WHERE day = '2024-09-23'"),
                 "holiday休日");
    TK_CHECK_STR(q_text(t, "SELECT name FROM master_calendar WHERE day = '2024-01-08'"),
                 "成人の日");
    /* Both calendars keep their own history. */
    int64_t v1 = 0, v2 = 0;
    TK_CHECK_INT(tk_master_effective_version_on(t, "calendar", "2024-12-01", &v1, &err), TK_OK);
    TK_CHECK_INT(tk_master_effective_version_on(t, "holidays", "2024-12-01", &v2, &err), TK_OK);
    TK_CHECK(v1 != v2 && v1 > 0 && v2 > 0);

    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 11);
    TK_CHECK_INT(q_i64(t, "SELECT sum(rows) FROM master_versions"),
                 4 + 4 + 3 + 2 + 2 + 2 + 2 + 2 + 3 + 2 + 21);
    tk_tenant_close(t);
}

static void test_default_effective_today(void)
{
    tk_tenant *t = new_tenant();
    tk_master_import_result r;
    tk_error err;
    char today[11];
    int y, m, d;

    TK_REQUIRE(import(t, "media", "media.csv", NULL, NULL, &r, &err) == TK_OK);
    tk_civil_from_days(tk_jst_day((int64_t)time(NULL) * 1000), &y, &m, &d);
    snprintf(today, sizeof today, "%04d-%02d-%02d", y, m, d);
    TK_CHECK_STR(r.effective_from, today);
    TK_CHECK(strstr(r.imported_at, "+09:00") != NULL);
    tk_tenant_close(t);
}

static void test_mapping_profile(void)
{
    tk_tenant *t = new_tenant();
    tk_master_import_result r;
    tk_error err;

    TK_REQUIRE(import(t, "staff", "staff_mapped.csv", "staff_mapping.json", "2024-04-01", &r,
                      &err) == TK_OK);
    TK_CHECK_INT(r.rows, 4);
    TK_CHECK_STR(r.encoding, "cp932");
    TK_CHECK_STR(q_text(t, "SELECT mapping FROM master_versions"), "staff-jinji");
    TK_CHECK_INT(strlen(q_text(t, "SELECT mapping_sha256 FROM master_versions")), 64);
    TK_CHECK_STR(q_text(t, "SELECT name || dept || status FROM master_staff"
                           " WHERE staff_id = '200001'"),
                 "伊藤 三郎情報政策課active");
    TK_CHECK_STR(q_text(t, "SELECT retired_on FROM master_staff WHERE staff_id = '200002'"),
                 "2024-03-31");
    TK_CHECK_STR(q_text(t, "SELECT retired_on FROM master_staff WHERE staff_id = '200003'"),
                 "2019-04-30");
    TK_CHECK_STR(q_text(t, "SELECT retired_on FROM master_staff WHERE staff_id = '200004'"),
                 "2019-05-01");
    TK_CHECK_STR(q_text(t, "SELECT group_concat(account, ' ') FROM"
                           " (SELECT account FROM master_staff_accounts ORDER BY account)"),
                 "c200001 c200002 c200003 c200004");

    /* A bad era date names the column as the file writes it and the format. */
    TK_CHECK_INT(
        import(t, "staff", "staff_mapped_bad.csv", "staff_mapping.json", "2024-04-01", &r, &err),
        TK_EREJECTED);
    TK_CHECK(strstr(err.msg, "staff_mapped_bad.csv: record 3 (line 3), column 退職年月日: ") ==
             err.msg);
    TK_CHECK(strstr(err.msg, "(format GGGe年M月D日)") != NULL);
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 1);

    /* The mapping is for staff only. */
    TK_CHECK_INT(import(t, "terminals", "staff_mapped.csv", "staff_mapping.json", NULL, &r, &err),
                 TK_EINVAL);
    TK_CHECK(strstr(err.msg, "fields.staff_id is not a column of terminals") != NULL);
    tk_tenant_close(t);
}

static void test_mapping_errors(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    char path[700];
    struct {
        const char *json;
        const char *want;
    } cases[] = {
        {"{\"fields\": {\"dept\": {\"colum\": \"x\"}}}", "unknown key \"colum\" in fields.dept"},
        {"{\"fieldz\": {}}", "unknown key \"fieldz\" in the mapping"},
        {"{\"fields\": {\"staff_id\": {\"column\": 0}}}",
         "fields.staff_id.column must be a column name or a 1-based index"},
        {"{\"fields\": {\"dept\": {\"format\": \"YYYY\"}}}",
         "fields.dept.format: dept is not a date column"},
        {"{\"fields\": {\"dept\": {\"transform\": [{\"rot13\": true}]}}}",
         "fields.dept.transform[0]: unknown step \"rot13\""},
        {"{\"encoding\": \"latin1\", \"fields\": {}}", "encoding must be"},
        {"{\"fields\": {\"hired_on\": {\"format\": \"YYYY/MM/DD hh:mm\", \"column\": \"x\"},"
         " \"staff_id\": {\"column\": \"y\"}}}",
         NULL},
        {"[1, 2]", "must be a JSON object"},
        {"{\"fields\": ", "line 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/mapping-%zu.json", tk_test_tmpdir(), i);
        FILE *f = fopen(path, "w");
        TK_REQUIRE(f != NULL);
        fputs(cases[i].json, f);
        fclose(f);
        const int rc =
            tk_master_import(t, "staff", fixture("staff_v1.csv"), path, NULL, NULL, &err);
        if (cases[i].want == NULL) {
            /* A valid mapping whose columns are not in the file. */
            TK_CHECK_INT(rc, TK_EREJECTED);
            TK_CHECK(strstr(err.msg, "column y (staff_id in the mapping) is not in the header; "
                                     "the header has: 職員ID, 氏名") != NULL);
        } else {
            TK_CHECK_INT(rc, TK_EINVAL);
            if (strstr(err.msg, cases[i].want) == NULL)
                fprintf(stderr, "case %zu: %s\n", i, err.msg);
            TK_CHECK(strstr(err.msg, cases[i].want) != NULL);
        }
    }
    TK_CHECK_INT(tk_master_import(t, "staff", fixture("staff_v1.csv"), "/nonexistent/map.json",
                                  NULL, NULL, &err),
                 TK_EINVAL);
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 0);
    tk_tenant_close(t);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* Messages that say what is allowed and what the bytes are. */
static void test_messages(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    char path[700], map[700];

    TK_CHECK_INT(tk_master_import(t, "holiday", fixture("staff_v1.csv"), NULL, NULL, NULL, &err),
                 TK_EINVAL);
    TK_CHECK_STR(err.msg, "unknown master data kind \"holiday\" (kinds: staff, terminals, "
                          "authorizations, assignments, overtime, media, watchlist, residents, "
                          "training, calendar, holidays)");

    /* A mapping's JSON syntax error: file, line and column. */
    snprintf(map, sizeof map, "%s/syntax.map.json", tk_test_tmpdir());
    write_file(map, "{\n  \"encoding\": \"utf-8\"\n  \"fields\": {}\n}\n");
    TK_CHECK_INT(tk_master_import(t, "staff", fixture("staff_v1.csv"), map, NULL, NULL, &err),
                 TK_EINVAL);
    char want[1024];
    snprintf(want, sizeof want,
             "mapping %s: not valid JSON at line 3, column 10: '}' expected near '\"fields\"'",
             map);
    TK_CHECK_STR(err.msg, want);

    /* A mapping that says UTF-8 for a CP932 file: the value's bytes are
     * named, and what they are. 髙橋 is 0xFB 0xFC 0x8B 0xB4 in CP932. */
    snprintf(map, sizeof map, "%s/utf8.map.json", tk_test_tmpdir());
    write_file(map, "{\"encoding\": \"utf-8\", \"fields\": {}}");
    snprintf(path, sizeof path, "%s/overtime_sjis.csv", tk_test_tmpdir());
    write_file(path, "date,staff_id,from,to\r\n2024/06/03,\xFB\xFC\x8B\xB4,17:15,20:00\r\n");
    TK_CHECK_INT(tk_master_import(t, "overtime", path, map, "2024-06-01", NULL, &err),
                 TK_EREJECTED);
    TK_CHECK_STR(err.msg, "overtime_sjis.csv: record 2 (line 2), column staff_id: invalid utf-8 "
                          "byte sequence 0xfb at byte offset 0 (invalid byte); the value decodes "
                          "as CP932: drop the mapping's encoding setting or set it to cp932 (file "
                          "read as utf-8)");

    /* A 40-column header without 所属 is listed whole. */
    static const char *const names[20] = {
        "職員ID",     "氏名",     "氏名カナ",     "部署",           "係",
        "在職区分",   "採用日",   "異動日",       "前所属",         "退職日",
        "アカウント", "休職期間", "本人宛名番号", "世帯宛名番号",   "内線番号",
        "役職",       "職種",     "勤務地",       "メールアドレス", "備考"};
    char header[2048] = "", row[512] = "";
    for (size_t i = 0; i < 40; i++) {
        const size_t n = strlen(header);
        snprintf(header + n, sizeof header - n, "%s%s%s", i ? "," : "", i < 20 ? "" : "旧",
                 names[i % 20]);
        strcat(row, i ? ",x" : "100001");
    }
    snprintf(path, sizeof path, "%s/staff_wide.csv", tk_test_tmpdir());
    char text[4096];
    snprintf(text, sizeof text, "%s\r\n%s\r\n", header, row);
    write_file(path, text);
    TK_CHECK_INT(tk_master_import(t, "staff", path, NULL, NULL, NULL, &err), TK_EREJECTED);
    for (char *c = header; *c; c++) {
        if (*c == ',') {
            memmove(c + 2, c + 1, strlen(c + 1) + 1);
            c[1] = ' ';
        }
    }
    snprintf(want, sizeof want,
             "staff_wide.csv: required column 所属 missing for staff; the header has: %s", header);
    TK_CHECK_STR(err.msg, want);
    tk_tenant_close(t);
}

/* "unmapped" in a mapping: an enumerated column whose words are not all
 * spelt out (terminal 種別), a refused unknown word, and the refusals at
 * load. */
static void test_mapping_unmapped(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    char csv[700], map[700];

    snprintf(csv, sizeof csv, "%s/terminals_kinds.csv", tk_test_tmpdir());
    write_file(csv, "端末名,種別\r\n"
                    "SHIMIN-PC01,住基端末\r\n"
                    "SHIMIN-PC02,事務用PC\r\n"
                    "MADO-01,窓口端末\r\n"
                    "KIKAKU-PC01,\r\n"
                    "ZEIMU-PC01,特定個人情報\r\n");
    snprintf(map, sizeof map, "%s/terminals_kinds.map.json", tk_test_tmpdir());
    write_file(map, "{\"profile\": \"tanmatsu\", \"kind\": \"terminals\", \"fields\": {"
                    "\"kind\": {\"column\": \"種別\", \"map\": {\"住基端末\": \"特定個人情報\", "
                    "\"特定個人情報\": \"特定個人情報\"}, \"unmapped\": \"一般\"}}}");
    TK_REQUIRE(tk_master_import(t, "terminals", csv, map, "2024-04-01", NULL, &err) == TK_OK);
    TK_CHECK_STR(q_text(t, "SELECT group_concat(terminal || '=' || coalesce(kind, '-'), ' ') FROM "
                           "(SELECT terminal, kind FROM master_terminals ORDER BY line)"),
                 "SHIMIN-PC01=mynumber SHIMIN-PC02=general MADO-01=general KIKAKU-PC01=- "
                 "ZEIMU-PC01=mynumber");

    /* Only the rule, no map: every non-empty value is replaced. */
    write_file(map, "{\"kind\": \"terminals\", \"fields\": {"
                    "\"kind\": {\"column\": \"種別\", \"unmapped\": \"一般\"}}}");
    TK_REQUIRE(tk_master_import(t, "terminals", csv, map, "2024-05-01", NULL, &err) == TK_OK);
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_terminals m JOIN master_versions v ON "
                          "v.id = m.version_id WHERE v.effective_from = '2024-05-01' AND "
                          "m.kind = 'general'"),
                 4);

    /* "error": a word the map lacks rejects the file, listing the map. */
    write_file(map, "{\"kind\": \"terminals\", \"fields\": {"
                    "\"kind\": {\"column\": \"種別\", \"map\": {\"住基端末\": \"特定個人情報\", "
                    "\"事務用PC\": \"一般\"}, \"unmapped\": \"error\"}}}");
    TK_CHECK_INT(tk_master_import(t, "terminals", csv, map, "2024-06-01", NULL, &err),
                 TK_EREJECTED);
    TK_CHECK_STR(err.msg, "terminals_kinds.csv: record 4 (line 4), column 種別: \"窓口端末\": not "
                          "in the mapping's map (known: 住基端末, 事務用PC) (and 1 more bad row)");

    /* Without "unmapped" a value the map lacks is kept, then checked. */
    write_file(map,
               "{\"kind\": \"terminals\", \"fields\": {"
               "\"kind\": {\"column\": \"種別\", \"map\": {\"住基端末\": \"特定個人情報\"}}}}");
    TK_CHECK_INT(tk_master_import(t, "terminals", csv, map, "2024-06-01", NULL, &err),
                 TK_EREJECTED);
    TK_CHECK(strstr(err.msg, "column 種別: \"事務用PC\": expected 特定個人情報 or 一般") != NULL);

    static const struct {
        const char *json, *want;
    } refused[] = {
        {"{\"fields\": {\"kind\": {\"column\": \"種別\", \"unmapped\": \"error\"}}}",
         "fields.kind.unmapped: \"error\" with no map entries would refuse every value; give map "
         "entries or a replacement value"},
        {"{\"fields\": {\"kind\": {\"column\": \"種別\", \"map\": {}, \"unmapped\": \"error\"}}}",
         "fields.kind.unmapped: \"error\" with no map entries would refuse every value; give map "
         "entries or a replacement value"},
        {"{\"fields\": {\"kind\": {\"column\": \"種別\", \"unmapped\": 1}}}",
         "fields.kind.unmapped must be \"keep\", \"error\" or a replacement value"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        write_file(map, refused[i].json);
        TK_CHECK_INT(tk_master_import(t, "terminals", csv, map, "2024-07-01", NULL, &err),
                     TK_EINVAL);
        char want[1024];
        snprintf(want, sizeof want, "mapping %s: %s", map, refused[i].want);
        TK_CHECK_STR(err.msg, want);
    }
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 2);
    tk_tenant_close(t);
}

/* An overtime list imported after its days: a first version still covers
 * them (the earliest version governs every day before it), a later one
 * does not, and says so. */
static void test_dated_rows_before_effective(void)
{
    tk_tenant *t = new_tenant();
    tk_master_import_result r;
    tk_error err;

    TK_REQUIRE(import(t, "overtime", "overtime.csv", NULL, "2024-06-01", &r, &err) == TK_OK);
    TK_CHECK_INT(r.rows_before, 0);
    TK_CHECK_STR(r.warning, "");
    TK_REQUIRE(import(t, "overtime", "overtime.csv", NULL, "2024-07-10", &r, &err) == TK_OK);
    TK_CHECK_INT(r.rows_before, 2);
    TK_CHECK_STR(r.warning, "2 of 2 rows are dated before the effective date 2024-07-10 (the "
                            "earliest 2024-06-03): those days use the overtime version effective "
                            "2024-06-01, so these rows count for none of them; import with "
                            "--effective 2024-06-03 to cover them");
    /* Training periods: only rows whose whole period ended before count. */
    TK_REQUIRE(import(t, "training", "training.csv", NULL, "2024-04-01", &r, &err) == TK_OK);
    TK_CHECK_STR(r.warning, "");
    TK_REQUIRE(import(t, "training", "training.csv", NULL, "2024-10-01", &r, &err) == TK_OK);
    TK_CHECK_INT(r.rows_before, 2);
    TK_CHECK_STR(r.warning, "2 of 3 rows are dated before the effective date 2024-10-01 (the "
                            "earliest 2024-04-01): those days use the training version effective "
                            "2024-04-01, so these rows count for none of them; import with "
                            "--effective 2024-04-01 to cover them");
    /* Registers are not dated rows. */
    TK_REQUIRE(import(t, "staff", "staff_v1.csv", NULL, "2024-04-01", &r, &err) == TK_OK);
    TK_REQUIRE(import(t, "staff", "staff_v2.csv", NULL, "2030-01-01", &r, &err) == TK_OK);
    TK_CHECK_INT(r.rows_before, 0);
    TK_CHECK_STR(r.warning, "");
    tk_tenant_close(t);
}

static void test_bad_rows_rejected(void)
{
    tk_tenant *t = new_tenant();
    tk_master_import_result r;
    tk_error err;

    TK_REQUIRE(import(t, "staff", "staff_v1.csv", NULL, "2024-04-01", &r, &err) == TK_OK);
    TK_CHECK_INT(import(t, "staff", "staff_bad.csv", NULL, "2024-05-01", &r, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "staff_bad.csv: record 3 (line 3), column 在職区分: \"在籍\": expected "
                          "在職, 休職 or 退職 (and 1 more bad row)");
    TK_CHECK_INT(err.code, TK_EREJECTED);
    /* Nothing of the bad file was stored. */
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 1);
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_staff"), 4);

    TK_CHECK_INT(import(t, "staff", "staff_missing_column.csv", NULL, NULL, &r, &err),
                 TK_EREJECTED);
    TK_CHECK_STR(err.msg, "staff_missing_column.csv: required column 所属 missing for staff; the "
                          "header has: 職員ID, 氏名, 在職区分");

    TK_CHECK_INT(import(t, "staff", "staff_duplicate.csv", NULL, NULL, &r, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "staff_duplicate.csv: record 3 (line 3), column アカウント: "
                          "\"C100001\": duplicate アカウント or 職員ID (already at line 2)");

    TK_CHECK_INT(import(t, "terminals", "terminals_bad_ip.csv", NULL, NULL, &r, &err),
                 TK_EREJECTED);
    TK_CHECK_STR(err.msg, "terminals_bad_ip.csv: record 2 (line 2), column IPアドレス: "
                          "\"192.168.10.300\": expected IPv4 or IPv6 addresses separated by ;");

    TK_CHECK_INT(import(t, "overtime", "overtime_bad.csv", NULL, NULL, &r, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "overtime_bad.csv: record 2 (line 2), column 終了時刻: \"01:30\": is "
                          "not after 開始時刻 (write times past midnight as 25:30)");

    /* Resident identifiers are masked in messages, and duplicates are
     * found on the canonical form (全角 digits folded). */
    TK_CHECK_INT(import(t, "residents", "residents_duplicate.csv", NULL, NULL, &r, &err),
                 TK_EREJECTED);
    TK_CHECK_STR(err.msg, "residents_duplicate.csv: record 3 (line 3), column 宛名番号: "
                          "\"００******７８\": duplicate 宛名番号 (already at line 2)");

    TK_CHECK_INT(import(t, "calendar", "staff_v1.csv", NULL, NULL, &r, &err), TK_EREJECTED);
    TK_CHECK(strstr(err.msg, "required column 日付, 区分 missing for calendar") != NULL);

    TK_CHECK_INT(import(t, "staf", "staff_v1.csv", NULL, NULL, &r, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "unknown master data kind \"staf\"") != NULL);
    TK_CHECK_INT(import(t, "staff", "staff_v1.csv", NULL, "2024-02-30", &r, &err), TK_EINVAL);
    TK_CHECK_INT(import(t, "staff", "no-such-file.csv", NULL, NULL, &r, &err), TK_EIO);
    TK_CHECK(strstr(err.msg, "no-such-file.csv") != NULL);

    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 1);
    tk_tenant_close(t);
}

static void test_duplicate_import(void)
{
    tk_tenant *t = new_tenant();
    tk_master_import_result r1, r2;
    tk_error err;

    TK_REQUIRE(import(t, "staff", "staff_v1.csv", NULL, "2024-04-01", &r1, &err) == TK_OK);
    TK_CHECK_INT(import(t, "staff", "staff_v1.csv", NULL, "2024/04/01", &r2, &err), TK_EEXISTS);
    TK_CHECK(strstr(err.msg, "staff_v1.csv is already imported: staff version ") == err.msg);
    TK_CHECK(strstr(err.msg, "effective 2024-04-01") != NULL);
    /* The same file with another effective date is a new version. */
    TK_CHECK_INT(import(t, "staff", "staff_v1.csv", NULL, "2024-05-01", &r2, &err), TK_OK);
    TK_CHECK(r2.version_id != r1.version_id);
    TK_CHECK_STR(r1.sha256, r2.sha256);
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_staff"), 8);
    tk_tenant_close(t);
}

static void check_staff(const tk_master_resolver *r, const char *in, const char *want);
static void check_terminal(const tk_master_resolver *r, const char *in, const char *want);

/* Training accounts: precise row errors, a mapped CP932 list with 和暦
 * dates, versions, and identity resolution next to the staff accounts. */
static void test_training(void)
{
    tk_tenant *t = new_tenant();
    tk_master_import_result r;
    tk_master_resolver *res = NULL;
    tk_error err;
    char path[700];

    TK_CHECK_INT(import(t, "training", "training_bad.csv", NULL, NULL, &r, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "training_bad.csv: record 3 (line 3), column 終了日: \"2024/04/01\": is "
                          "before 開始日 (2024-04-12) (and 1 more bad row)");
    snprintf(path, sizeof path, "%s/training-no-from.csv", tk_test_tmpdir());
    FILE *f = fopen(path, "w");
    TK_REQUIRE(f != NULL);
    fputs("研修用アカウント,開始日\nkenshu03,\n", f);
    fclose(f);
    TK_CHECK_INT(tk_master_import(t, "training", path, NULL, NULL, NULL, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg,
                 "training-no-from.csv: record 2 (line 2), column 開始日: a value is required");
    f = fopen(path, "w");
    TK_REQUIRE(f != NULL);
    fputs("アカウント,開始日\nkenshu03,2024/04/01\n", f);
    fclose(f);
    TK_CHECK_INT(tk_master_import(t, "training", path, NULL, NULL, NULL, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "training-no-from.csv: required column 研修用アカウント missing for "
                          "training; the header has: アカウント, 開始日");
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 0);

    /* A city's own list through a mapping profile (account, with a fixed
     * 所属). */
    TK_CHECK_INT(import(t, "training", "training_mapped.csv", "training_mapping.json", "2024-09-01",
                        &r, &err),
                 TK_OK);
    TK_CHECK_INT(r.rows, 2);
    TK_CHECK_STR(r.encoding, "cp932");
    TK_CHECK_STR(q_text(t, "SELECT mapping FROM master_versions WHERE kind = 'training'"),
                 "kenshu-ichiran");
    TK_CHECK_STR(q_text(t, "SELECT account || ' ' || from_on || ' ' || to_on || ' ' || name ||"
                           " ' ' || dept FROM master_training WHERE account = 'kenshu03'"),
                 "kenshu03 2024-10-01 2024-10-11 中途採用職員研修① 総務課");
    /* The mapping is for training only. */
    TK_CHECK_INT(import(t, "staff", "training_mapped.csv", "training_mapping.json", NULL, &r, &err),
                 TK_EINVAL);
    TK_CHECK(strstr(err.msg, "is for kind training, not staff") != NULL);

    /* Versions: the later effective date answers from then on. */
    TK_CHECK_INT(import(t, "training", "training.csv", NULL, "2024-10-05", &r, &err), TK_OK);
    int64_t v = 0;
    TK_CHECK_INT(tk_master_effective_version_on(t, "training", "2024-10-04", &v, &err), TK_OK);
    TK_CHECK(v != r.version_id);
    TK_CHECK_INT(tk_master_effective_version_on(t, "training", "2024-10-05", &v, &err), TK_OK);
    TK_CHECK_INT(v, r.version_id);

    /* Training accounts resolve to themselves, as the newest version
     * writes them; an account the staff master gives to a member resolves
     * to that member. */
    snprintf(path, sizeof path, "%s/staff-kenshu.csv", tk_test_tmpdir());
    f = fopen(path, "w");
    TK_REQUIRE(f != NULL);
    fputs("職員ID,所属,アカウント\n100009,総務課,kenshu02\n", f);
    fclose(f);
    TK_REQUIRE(tk_master_import(t, "staff", path, NULL, "2024-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(tk_master_resolver_create(&res, t, &err) == TK_OK);
    check_staff(res, "KENSHU01", "kenshu01");
    check_staff(res, "CITYHALL\\kenshu01", "kenshu01");
    check_staff(res, "kenshu01@city.local", "kenshu01");
    check_staff(res, "kenshu02", "100009");
    check_staff(res, "kenshu03", "kenshu03"); /* only the older version lists it */
    check_staff(res, "kenshu05", NULL);
    check_terminal(res, "kenshu01", NULL);
    tk_master_resolver_destroy(res);
    tk_tenant_close(t);
}

static const char *dept_on(tk_tenant *t, const char *staff_id, const char *day)
{
    static char out[128];
    int64_t v = 0;
    tk_error err;
    char sql[256];

    if (tk_master_effective_version_on(t, "staff", day, &v, &err) != TK_OK)
        return "(none)";
    snprintf(sql, sizeof sql,
             "SELECT dept FROM master_staff WHERE version_id = %lld AND staff_id = '%s'",
             (long long)v, staff_id);
    snprintf(out, sizeof out, "%s", q_text(t, sql));
    return out;
}

static void test_history(void)
{
    tk_tenant *t = new_tenant();
    tk_master_import_result r1, r2;
    tk_error err;
    int64_t v;

    TK_CHECK_INT(tk_master_effective_version_on(t, "staff", "2024-06-01", &v, &err), TK_ENOTFOUND);
    /* Imported out of order: the effective date decides, not the import. */
    TK_REQUIRE(import(t, "staff", "staff_v2.csv", NULL, "2024-10-01", &r2, &err) == TK_OK);
    TK_REQUIRE(import(t, "staff", "staff_v1.csv", NULL, "2024-04-01", &r1, &err) == TK_OK);
    TK_CHECK_STR(r2.encoding, "cp932");

    TK_CHECK_STR(dept_on(t, "100002", "2024-06-01"), "税務課");
    TK_CHECK_STR(dept_on(t, "100002", "2024-09-30"), "税務課");
    TK_CHECK_STR(dept_on(t, "100002", "2024-10-01"), "市民課");
    TK_CHECK_STR(dept_on(t, "100002", "2024-11-01"), "市民課");
    /* Before any version: the earliest. */
    TK_CHECK_STR(dept_on(t, "100002", "2023-01-01"), "税務課");
    TK_CHECK_INT(tk_master_effective_version_on(t, "staff", "2024-06-01", &v, &err), TK_OK);
    TK_CHECK_INT(v, r1.version_id);
    TK_CHECK_INT(tk_master_effective_version(t, "staff", tk_days_from_civil(2024, 11, 1), &v, &err),
                 TK_OK);
    TK_CHECK_INT(v, r2.version_id);
    /* CP932 only characters survived: 髙 (IBM extension) and ① (NEC row 13). */
    TK_CHECK_STR(q_text(t, "SELECT name FROM master_staff WHERE staff_id = '100003'"
                           " AND version_id = (SELECT max(id) FROM master_versions)"),
                 "髙橋 一郎");
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT section FROM master_staff WHERE staff_id = '100002' AND version_id = %lld",
             (long long)r2.version_id);
    TK_CHECK_STR(q_text(t, sql), "住民記録係①");

    /* A later import with the same effective date wins. */
    TK_REQUIRE(import(t, "staff", "staff_mapped.csv", "staff_mapping.json", "2024-10-01", &r1,
                      &err) == TK_OK);
    TK_CHECK_INT(tk_master_effective_version_on(t, "staff", "2024-11-01", &v, &err), TK_OK);
    TK_CHECK_INT(v, r1.version_id);

    TK_CHECK_INT(tk_master_effective_version_on(t, "staff", "2024-13-01", &v, &err), TK_EINVAL);
    TK_CHECK_INT(tk_master_effective_version_on(t, "bogus", "2024-11-01", &v, &err), TK_EINVAL);
    TK_CHECK_INT(tk_master_effective_version_on(t, "terminals", "2024-11-01", &v, &err),
                 TK_ENOTFOUND);
    tk_tenant_close(t);
}

struct listing {
    char text[1024];
    size_t n;
};

static int collect(void *ctx, const tk_master_version *v)
{
    struct listing *l = ctx;
    const size_t used = strlen(l->text);
    snprintf(l->text + used, sizeof l->text - used, "%s%s %s %s %lld %s %s", l->n ? "|" : "",
             v->kind, v->effective_from, v->file_name, (long long)v->rows, v->encoding,
             v->mapping ? v->mapping : "-");
    TK_CHECK(v->id > 0 && strlen(v->sha256) == 64 && strlen(v->imported_at) == 29);
    l->n++;
    return 0;
}

static int stop_at_first(void *ctx, const tk_master_version *v)
{
    (void)v;
    (*(int *)ctx)++;
    return 42;
}

static void test_list_versions(void)
{
    tk_tenant *t = new_tenant();
    struct listing l = {"", 0};
    tk_error err;

    TK_REQUIRE(import(t, "terminals", "terminals.csv", NULL, "2024-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(import(t, "staff", "staff_v2.csv", NULL, "2024-10-01", NULL, &err) == TK_OK);
    TK_REQUIRE(import(t, "staff", "staff_v1.csv", NULL, "2024-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(import(t, "staff", "staff_mapped.csv", "staff_mapping.json", "2025-04-01", NULL,
                      &err) == TK_OK);
    TK_CHECK_INT(tk_master_list_versions(t, NULL, collect, &l, &err), TK_OK);
    TK_CHECK_INT(l.n, 4);
    TK_CHECK_STR(l.text, "staff 2024-04-01 staff_v1.csv 4 utf-8 -|"
                         "staff 2024-10-01 staff_v2.csv 4 cp932 -|"
                         "staff 2025-04-01 staff_mapped.csv 4 cp932 staff-jinji|"
                         "terminals 2024-04-01 terminals.csv 4 utf-8-bom -");
    memset(&l, 0, sizeof l);
    TK_CHECK_INT(tk_master_list_versions(t, "terminals", collect, &l, &err), TK_OK);
    TK_CHECK_INT(l.n, 1);
    int calls = 0;
    TK_CHECK_INT(tk_master_list_versions(t, NULL, stop_at_first, &calls, &err), 42);
    TK_CHECK_INT(calls, 1);
    TK_CHECK_INT(tk_master_list_versions(t, "nope", collect, &l, &err), TK_EINVAL);
    tk_tenant_close(t);
}

/* Searches a file's bytes for needle. */
static int file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    const size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    const size_t nl = strlen(needle);
    int found = 0;
    for (size_t i = 0; i + nl <= got && !found; i++)
        found = memcmp(buf + i, needle, nl) == 0;
    free(buf);
    return found;
}

static void test_pseudonyms_not_in_clear(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    char db[700], wal[710];

    TK_REQUIRE(import(t, "staff", "staff_v1.csv", NULL, "2024-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(import(t, "watchlist", "watchlist.csv", NULL, NULL, NULL, &err) == TK_OK);
    TK_REQUIRE(import(t, "residents", "residents.csv", NULL, NULL, NULL, &err) == TK_OK);
    snprintf(db, sizeof db, "%s/store.db", tk_tenant_dir(t));
    snprintf(wal, sizeof wal, "%s-wal", db);
    /* Check the WAL before and the main file after a checkpoint. */
    static const char *const secrets[] = {"0012345678", "0012345679", "0098765432", "0011112222",
                                          "0033334444", "0055556666", "H000111",    "H000222",
                                          "本町",       "緑町",       "ヤマダ",     "ﾔﾏﾀﾞ",
                                          "タカハシ",   "ﾀｶﾊｼ"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        TK_CHECK(!file_contains(wal, secrets[i]));
    TK_CHECK_INT(tk_db_exec(tk_tenant_db(t), "PRAGMA wal_checkpoint(TRUNCATE)", &err), TK_OK);
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        if (file_contains(db, secrets[i]))
            fprintf(stderr, "found in clear: %s\n", secrets[i]);
        TK_CHECK(!file_contains(db, secrets[i]));
    }
    /* Control: names that are not personal data of residents are there. */
    TK_CHECK(file_contains(db, "100001"));
    TK_CHECK(file_contains(db, "市民課"));

    /* What is stored is the tenant pseudonym. */
    uint8_t ps[32];
    TK_CHECK_INT(tk_tenant_pseudonym(t, "0011112222", 10, ps, &err), TK_OK);
    sqlite3_stmt *st = NULL;
    TK_REQUIRE(sqlite3_prepare_v2(tk_db_handle(tk_tenant_db(t)),
                                  "SELECT category FROM master_watchlist WHERE subject_ps = ?", -1,
                                  &st, NULL) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, ps, 32, SQLITE_STATIC);
    TK_CHECK(sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "celebrity") == 0);
    sqlite3_finalize(st);
    TK_CHECK_INT(tk_tenant_pseudonym(t, "0012345678", 10, ps, &err), TK_OK);
    TK_REQUIRE(sqlite3_prepare_v2(tk_db_handle(tk_tenant_db(t)),
                                  "SELECT s.staff_id FROM master_staff_subjects s"
                                  " JOIN master_residents r ON r.subject_ps = s.subject_ps"
                                  " WHERE s.relation = 'self' AND s.subject_ps = ?",
                                  -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, ps, 32, SQLITE_STATIC);
    TK_CHECK(sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "100001") == 0);
    sqlite3_finalize(st);
    tk_tenant_close(t);
}

static void check_staff(const tk_master_resolver *r, const char *in, const char *want)
{
    size_t n = 0;
    const char *got = tk_master_resolve_staff(r, in, strlen(in), &n);
    if (want == NULL) {
        if (got != NULL)
            fprintf(stderr, "staff \"%s\" resolved to \"%s\", expected nothing\n", in, got);
        TK_CHECK(got == NULL);
        return;
    }
    TK_CHECK_STR(got, want);
    if (got != NULL)
        TK_CHECK_INT(n, strlen(want));
}

static void check_terminal(const tk_master_resolver *r, const char *in, const char *want)
{
    size_t n = 0;
    const char *got = tk_master_resolve_terminal(r, in, strlen(in), &n);
    if (want == NULL) {
        TK_CHECK(got == NULL);
        return;
    }
    TK_CHECK_STR(got, want);
    if (got != NULL)
        TK_CHECK_INT(n, strlen(want));
}

static void test_resolver(void)
{
    tk_tenant *t = new_tenant();
    tk_master_resolver *r = NULL;
    tk_error err;

    /* No master data: a resolver that finds nothing. */
    TK_REQUIRE(tk_master_resolver_create(&r, t, &err) == TK_OK);
    check_staff(r, "100001", NULL);
    check_terminal(r, "SHIMIN-PC01", NULL);
    tk_master_resolver_destroy(r);
    r = NULL;

    TK_REQUIRE(import(t, "staff", "staff_v1.csv", NULL, "2024-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(import(t, "staff", "staff_v2.csv", NULL, "2024-10-01", NULL, &err) == TK_OK);
    TK_REQUIRE(import(t, "terminals", "terminals.csv", NULL, "2024-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(tk_master_resolver_create(&r, t, &err) == TK_OK);

    check_staff(r, "c100001", "100001");
    check_staff(r, "100001", "100001");
    check_staff(r, "C100002", "100002");
    check_staff(r, " suzuki-h ", "100002");
    check_staff(r, "SUZUKI-H", "100002");
    check_staff(r, "CITYHALL\\c100005", "100005");
    check_staff(r, "c100005@city.local", "100005");
    check_staff(r, "CITYHALL\\c100005@city.local", "100005");
    /* 100004 left before v2; v1 still resolves the account. */
    check_staff(r, "c100004", "100004");
    check_staff(r, "c999999", NULL);
    check_staff(r, "", NULL);
    check_staff(r, "CITYHALL\\", NULL);
    check_staff(r, "@city.local", NULL);
    check_terminal(r, "SHIMIN-PC01", "SHIMIN-PC01");
    check_terminal(r, "shimin-pc01", "SHIMIN-PC01");
    check_terminal(r, "192.168.10.11", "SHIMIN-PC01");
    check_terminal(r, "192.168.10.112", "SHIMIN-PC02");
    check_terminal(r, "2001:db8::1", "KIKAKU-PC01");
    check_terminal(r, "2001:0DB8:0:0:0:0:0:1", "KIKAKU-PC01");
    check_terminal(r, "10.9.9.9", NULL);
    check_terminal(r, "c100001", NULL);
    /* Profile adapter. */
    size_t n = 0;
    const char *s = tk_master_resolve(r, TK_RESOLVE_STAFF, "c100003", 7, &n);
    TK_CHECK_STR(s, "100003");
    s = tk_master_resolve(r, TK_RESOLVE_TERMINAL, "10.0.0.5", 8, &n);
    TK_CHECK_STR(s, "ZEIMU-PC01");
    TK_CHECK(tk_master_resolve(r, TK_RESOLVE_NONE, "c100003", 7, &n) == NULL);
    /* 5 ids + 7 accounts (v1: 5, v2 adds c100005) and 4 names + 5 IPs. */
    TK_CHECK_INT(tk_master_resolver_staff_keys(r), 11);
    TK_CHECK_INT(tk_master_resolver_terminal_keys(r), 9);
    tk_master_resolver_destroy(r);
    tk_master_resolver_destroy(NULL);
    tk_tenant_close(t);
}

/* Latest version wins when two versions disagree about a key. */
static void test_resolver_precedence(void)
{
    tk_tenant *t = new_tenant();
    tk_master_resolver *r = NULL;
    tk_error err;
    char path[700];

    snprintf(path, sizeof path, "%s/reassigned.csv", tk_test_tmpdir());
    FILE *f = fopen(path, "w");
    TK_REQUIRE(f != NULL);
    fputs("職員ID,所属,アカウント\n100009,市民課,c100004\n", f);
    fclose(f);
    TK_REQUIRE(import(t, "staff", "staff_v1.csv", NULL, "2024-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(tk_master_import(t, "staff", path, NULL, "2025-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(tk_master_resolver_create(&r, t, &err) == TK_OK);
    check_staff(r, "c100004", "100009");
    check_staff(r, "100004", "100004");
    tk_master_resolver_destroy(r);
    tk_tenant_close(t);
}

static void test_alloc_failures(void)
{
    tk_tenant *t = new_tenant();
    tk_master_resolver *r = NULL;
    tk_error err;
    int rc = TK_ENOMEM;
    unsigned long n;

    for (n = 1; rc != TK_OK && n < 2000; n++) {
        tk_alloc_fail_at(n);
        rc = import(t, "staff", "staff_mapped.csv", "staff_mapping.json", "2024-04-01", NULL, &err);
        tk_alloc_fail_at(0);
        if (rc != TK_OK) {
            TK_CHECK_INT(rc, TK_ENOMEM);
            TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 0);
        }
    }
    TK_CHECK_INT(rc, TK_OK);
    printf("master import succeeded at allocation %lu\n", n - 1);
    TK_REQUIRE(import(t, "terminals", "terminals.csv", NULL, "2024-04-01", NULL, &err) == TK_OK);
    rc = TK_ENOMEM;
    for (n = 1; rc != TK_OK && n < 2000; n++) {
        tk_alloc_fail_at(n);
        rc = tk_master_resolver_create(&r, t, &err);
        tk_alloc_fail_at(0);
        if (rc != TK_OK)
            TK_CHECK(r == NULL);
    }
    TK_CHECK_INT(rc, TK_OK);
    check_staff(r, "CITYHALL\\c200002", "200002");
    tk_master_resolver_destroy(r);
    tk_tenant_close(t);
}

static void test_parse_day(void)
{
    int64_t d;
    tk_error err;
    TK_CHECK_INT(tk_master_parse_day("2024-04-01", 10, &d, &err), TK_OK);
    TK_CHECK_INT(d, tk_days_from_civil(2024, 4, 1));
    TK_CHECK_INT(tk_master_parse_day("2024/4/1", 8, &d, &err), TK_OK);
    TK_CHECK_INT(d, tk_days_from_civil(2024, 4, 1));
    TK_CHECK_INT(tk_master_parse_day("2024-02-29", 10, &d, &err), TK_OK);
    TK_CHECK_INT(tk_master_parse_day("2023-02-29", 10, &d, &err), TK_EINVAL);
    TK_CHECK_INT(tk_master_parse_day("2024-04/01", 10, &d, &err), TK_EINVAL);
    TK_CHECK_INT(tk_master_parse_day("2024-04-01x", 11, &d, &err), TK_EINVAL);
    TK_CHECK_INT(tk_master_parse_day("", 0, &d, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "invalid date \"\": expected YYYY-MM-DD");
    TK_CHECK(tk_master_kind_valid("watchlist"));
    TK_CHECK(tk_master_kind_valid("training"));
    TK_CHECK(!tk_master_kind_valid("Watchlist"));
    size_t k = 0;
    for (const char *const *p = tk_master_kinds(); *p != NULL; p++)
        k++;
    TK_CHECK_INT(k, 11);
}

/* ---- streamed import, importer, a version's rows ---------------------------------------- */

/* A body in memory handed out 7 bytes at a time; fail_at > 0 fails the read
 * that would pass that many bytes with fail_code. */
struct body {
    const char *p;
    size_t len, at, fail_at;
    int fail_code;
};

static long body_read(void *ctx, char *buf, size_t cap, tk_error *err)
{
    struct body *b = ctx;
    size_t n = b->len - b->at;
    if (n > 7)
        n = 7;
    if (n > cap)
        n = cap;
    if (b->fail_at > 0 && b->at + n > b->fail_at) {
        tk_error_set(err, b->fail_code, "the body is over the limit of %zu bytes", b->fail_at);
        return -1;
    }
    memcpy(buf, b->p + b->at, n);
    b->at += n;
    return (long)n;
}

static int64_t fixed_now(void *ctx)
{
    (void)ctx;
    return INT64_C(1717200000000); /* 2024-06-01 09:00:00 JST */
}

static const char staff_body[] = "職員ID,氏名,所属,係,在職区分,アカウント\n"
                                 "200001,A,市民課,窓口係,在職,b-acct;a-acct\n"
                                 "200002,B,税務課,,休職,\n"
                                 "200003,C,福祉課,,退職,c\n";

static int note_version(void *ctx, const tk_master_version *v)
{
    char *out = ctx;
    snprintf(out, 256, "%s %s %s %s %s %lld", v->kind, v->effective_from, v->imported_at,
             v->imported_by, v->file_name, (long long)v->rows);
    return 0;
}

struct rows {
    char text[1024];
    int n;
};

static int note_row(void *ctx, const tk_master_row *row)
{
    struct rows *r = ctx;
    size_t used = strlen(r->text);
    used += (size_t)snprintf(r->text + used, sizeof r->text - used, "%lld", (long long)row->line);
    for (size_t i = 0; i < row->ncols && used < sizeof r->text; i++)
        used += (size_t)snprintf(r->text + used, sizeof r->text - used, " %s=%s", row->keys[i],
                                 row->values[i] ? row->values[i] : "null");
    if (used < sizeof r->text)
        snprintf(r->text + used, sizeof r->text - used, "|");
    r->n++;
    return 0;
}

static void test_import_stream(void)
{
    tk_tenant *t = new_tenant();
    tk_clock clock = {fixed_now, NULL};
    tk_actor who = {"m-analyst", "analyst", "127.0.0.1", &clock};
    tk_master_import_result r;
    tk_error err;
    struct body b = {staff_body, strlen(staff_body), 0, 0, 0};

    TK_REQUIRE(tk_master_import_stream(t, &who, "staff", "dir/staff.csv", body_read, &b, NULL, NULL,
                                       0, NULL, &r, &err) == TK_OK);
    TK_CHECK_INT(r.rows, 3);
    TK_CHECK_STR(r.effective_from, "2024-06-01"); /* today by the actor's clock */
    TK_CHECK_STR(r.imported_at, "2024-06-01T09:00:00.000+09:00");
    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    char hex[TK_CRYPTO_SHA256_HEX_SIZE];
    TK_REQUIRE(tk_crypto_sha256_once(staff_body, strlen(staff_body), d, &err) == TK_OK);
    tk_crypto_hex(d, sizeof d, hex);
    TK_CHECK_STR(r.sha256, hex);
    char line[256] = "";
    TK_CHECK_INT(tk_master_version_get(t, r.version_id, note_version, line, &err), TK_OK);
    TK_CHECK_STR(line, "staff 2024-06-01 2024-06-01T09:00:00.000+09:00 m-analyst staff.csv 3");
    TK_CHECK_INT(tk_master_version_get(t, 99, note_version, line, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "no master data version 99");

    /* The same bytes again: a duplicate once the last byte is read. */
    b.at = 0;
    TK_CHECK_INT(tk_master_import_stream(t, &who, "staff", "again.csv", body_read, &b, NULL, NULL,
                                         0, "2024-06-01", &r, &err),
                 TK_EEXISTS);
    TK_CHECK(strstr(err.msg, "again.csv is already imported: staff version 1 effective "
                             "2024-06-01") != NULL);

    /* A read that fails (a body over a limit) is the import's answer; nothing stored. */
    b.at = 0;
    b.fail_at = 60;
    b.fail_code = TK_ERANGE;
    TK_CHECK_INT(tk_master_import_stream(t, &who, "staff", "big.csv", body_read, &b, NULL, NULL, 0,
                                         "2024-07-01", &r, &err),
                 TK_ERANGE);
    TK_CHECK_STR(err.msg, "the body is over the limit of 60 bytes");
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 1);

    /* A bad row: the message of the file import, nothing stored. */
    static const char bad[] = "職員ID,所属,在職区分\n300001,市民課,転勤\n";
    struct body bb = {bad, strlen(bad), 0, 0, 0};
    TK_CHECK_INT(tk_master_import_stream(t, &who, "staff", "bad.csv", body_read, &bb, NULL, NULL, 0,
                                         "2024-07-01", &r, &err),
                 TK_EREJECTED);
    TK_CHECK_STR(
        err.msg,
        "bad.csv: record 2 (line 2), column 在職区分: \"転勤\": expected 在職, 休職 or 退職");
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_versions"), 1);
    TK_CHECK_INT(q_i64(t, "SELECT count(*) FROM master_staff"), 3);

    /* A mapping given as text (a stored profile's JSON). */
    static const char mapped[] = "id,dept\n400001,市民課\n";
    static const char map[] =
        "{\"profile\": \"m\", \"kind\": \"staff\", \"fields\": {"
        "\"staff_id\": {\"column\": \"id\"}, \"dept\": {\"column\": \"dept\"}}}";
    struct body mb = {mapped, strlen(mapped), 0, 0, 0};
    TK_CHECK_INT(tk_master_import_stream(t, &who, "staff", "mapped.csv", body_read, &mb, "m.json",
                                         map, strlen(map), "2024-08-01", &r, &err),
                 TK_OK);
    TK_CHECK_STR(q_text(t, "SELECT mapping FROM master_versions WHERE file_name = 'mapped.csv'"),
                 "m");
    static const char badmap[] = "{\"kind\": \"terminals\", \"fields\": {}}";
    mb.at = 0;
    TK_CHECK_INT(tk_master_import_stream(t, &who, "staff", "mapped.csv", body_read, &mb, "m.json",
                                         badmap, strlen(badmap), "2024-09-01", &r, &err),
                 TK_EINVAL);
    TK_CHECK_STR(err.msg, "mapping m.json: is for kind terminals, not staff");
    tk_tenant_close(t);
}

static void test_version_rows(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    struct body b = {staff_body, strlen(staff_body), 0, 0, 0};
    tk_master_import_result r;
    TK_REQUIRE(tk_master_import_stream(t, NULL, "staff", "staff.csv", body_read, &b, NULL, NULL, 0,
                                       "2024-04-01", &r, &err) == TK_OK);
    struct rows rows = {"", 0};
    TK_CHECK_INT(tk_master_version_rows(t, r.version_id, 2, 0, note_row, &rows, &err), TK_OK);
    TK_CHECK_INT(rows.n, 2);
    TK_CHECK_STR(rows.text,
                 "2 staff_id=200001 name=A dept=市民課 section=窓口係 status=active hired_on=null "
                 "transferred_on=null prev_dept=null retired_on=null account=a-acct;b-acct|"
                 "3 staff_id=200002 name=B dept=税務課 section=null status=leave hired_on=null "
                 "transferred_on=null prev_dept=null retired_on=null account=null|");
    memset(&rows, 0, sizeof rows);
    TK_CHECK_INT(tk_master_version_rows(t, r.version_id, 10, 2, note_row, &rows, &err), TK_OK);
    TK_CHECK_INT(rows.n, 1);
    TK_CHECK(strncmp(rows.text, "4 staff_id=200003 ", 18) == 0);
    TK_CHECK_INT(tk_master_version_rows(t, 42, 10, 0, note_row, &rows, &err), TK_ENOTFOUND);

    /* Every kind's rows read (pseudonymised columns never shown). */
    TK_REQUIRE(import(t, "residents", "residents.csv", NULL, "2024-04-01", &r, &err) == TK_OK);
    memset(&rows, 0, sizeof rows);
    TK_CHECK_INT(tk_master_version_rows(t, r.version_id, 1, 0, note_row, &rows, &err), TK_OK);
    TK_CHECK_STR(rows.text, "2|");
    TK_REQUIRE(import(t, "overtime", "overtime.csv", NULL, "2024-04-01", &r, &err) == TK_OK);
    memset(&rows, 0, sizeof rows);
    TK_CHECK_INT(tk_master_version_rows(t, r.version_id, 1, 0, note_row, &rows, &err), TK_OK);
    TK_CHECK(strstr(rows.text, " from_time=") != NULL && strstr(rows.text, ":") != NULL);

    /* The local actor when none is given. */
    TK_CHECK(
        strncmp(q_text(t, "SELECT imported_by FROM master_versions WHERE id = 1"), "cli:", 4) == 0);
    tk_tenant_close(t);
}

/* A store from before importers were recorded gains the column, ''. */
static void test_migrate_imported_by(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    TK_REQUIRE(import(t, "terminals", "terminals.csv", NULL, "2024-04-01", NULL, &err) == TK_OK);
    TK_REQUIRE(tk_db_exec(tk_tenant_db(t), "ALTER TABLE master_versions DROP COLUMN imported_by",
                          &err) == TK_OK);
    TK_CHECK_INT(tk_master_migrate(tk_tenant_db(t), &err), TK_OK);
    TK_CHECK_STR(q_text(t, "SELECT '[' || imported_by || ']' FROM master_versions"), "[]");
    TK_CHECK_INT(tk_master_migrate(tk_tenant_db(t), &err), TK_OK); /* idempotent */
    char line[256] = "";
    TK_CHECK_INT(tk_master_version_get(t, 1, note_version, line, &err), TK_OK);
    TK_CHECK(strstr(line, "terminals 2024-04-01 ") == line);
    tk_tenant_close(t);
}

int main(void)
{
    TK_RUN(test_parse_day);
    TK_RUN(test_import_every_kind);
    TK_RUN(test_default_effective_today);
    TK_RUN(test_mapping_profile);
    TK_RUN(test_mapping_errors);
    TK_RUN(test_mapping_unmapped);
    TK_RUN(test_bad_rows_rejected);
    TK_RUN(test_messages);
    TK_RUN(test_dated_rows_before_effective);
    TK_RUN(test_duplicate_import);
    TK_RUN(test_training);
    TK_RUN(test_history);
    TK_RUN(test_list_versions);
    TK_RUN(test_pseudonyms_not_in_clear);
    TK_RUN(test_resolver);
    TK_RUN(test_resolver_precedence);
    TK_RUN(test_alloc_failures);
    TK_RUN(test_import_stream);
    TK_RUN(test_version_rows);
    TK_RUN(test_migrate_imported_by);
    TK_TEST_END();
}
