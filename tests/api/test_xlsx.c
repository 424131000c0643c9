/* tests/api/test_xlsx.c -- the 要確認事項 workbook: written, checked as a
 * zip archive, read back, filled in the way a city's Excel saves it (a
 * second workbook of the same layout, inline strings and date serials),
 * imported all or nothing, and refused when damaged, oversized or of
 * another tenant or period. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <minizip/zip.h>
#include <xlsxwriter.h>

#include "api/xlsx.h"
#include "models/analysis.h"
#include "models/answers.h"
#include "models/suppress.h"
#include "src/alloc.h"
#include "src/period.h"
#include "src/store.h"
#include "tests/anomalies_v1.h"
#include "tests/test.h"

static char tmp[512];

static tk_db *fresh_db(const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.db", tmp, name);
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

/* Five requests of 2024-10 (ranks 1, 2, 4, 5, 6; see test_answers.c). */
static int add_run(tk_db *db)
{
    tk_error err;
    return tk_db_exec(
               db,
               "INSERT INTO analysis_runs(id, first_day, last_day, baseline_first, baseline_last,"
               " created_at, events, items, notes) VALUES(1, 19997, 20027, 19814, 19996, 1, 9, 7, "
               "NULL);" TK_TEST_ANOMALIES_V1
               "INSERT INTO anomalies_v1(run_id, rank, entity_type, entity_id, day, score, source, "
               "rule_id,"
               " severity, summary, explanation) VALUES"
               " (1, 1, 'user', 'u1', 20000, 99.9, 'rule', 'R25', 'critical', '大量照会',"
               "  "
               "'{\"resident\":\"a1b2c3d4e5f6a7b8\",\"detail\":{\"dept\":\"市民課\",\"systems\":["
               "\"住基\"]}}'),"
               " (1, 2, 'terminal', 'PC-1', 20001, 87.0, 'model', NULL, NULL, 's2', "
               "'{\"dept\":\"市民課\"}'),"
               " (1, 3, 'user', 'u2', NULL, 60.0, 'model', NULL, NULL, 's3', '{}'),"
               " (1, 4, 'user', 'u1', 19998, 55.5, 'rule', 'R10', 'high', '時間外',"
               "  '{\"detail\":{\"dept\":\"市民課\",\"systems\":[\"税\",\"住基\"]}}'),"
               " (1, 5, 'user', 'u3', 20001, 50.0, 'rule', 'R14', 'high', 's5', '{}'),"
               " (1, 6, 'terminal', 'PC-0', 19998, 45.0, 'rule', 'R30', 'high', 's6', '{}'),"
               " (1, 7, 'user', 'u2', 20003, 40.0, 'model', NULL, NULL, 's7', '{}');",
               &err) == TK_OK &&
                   tk_anomalies_index(db, 1, &err) == TK_OK
               ? TK_OK
               : TK_EDB;
}

static int64_t fixed(void *ctx)
{
    return *(const int64_t *)ctx;
}

static const tk_period october = {19997, 20027};
static int64_t now = 20037LL * 86400000 + 3 * 3600000; /* 2024-11-10 12:00 JST */
static const tk_clock clock_ = {fixed, &now};
static const tk_actor city = {"city", "uploader", "192.0.2.9", &clock_};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap);
    size_t k;
    while (p && (k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            cap *= 2;
            char *q = realloc(p, cap);
            if (q == NULL) {
                free(p);
                p = NULL;
            }
            p = q;
        }
    }
    fclose(f);
    *len = n;
    return p;
}

static size_t answers_stored(tk_db *db)
{
    int64_t n = -1;
    tk_error err;
    if (tk_db_query_i64(db, "SELECT count(*) FROM answers", &n, &err) != TK_OK)
        return (size_t)-1;
    return (size_t)n;
}

/* A filled row: its case id (NULL: the exported one) and answer cells;
 * date as text, or serial when date_serial > 0. */
struct fill {
    const char *case_id;
    const char *verdict, *reason, *by, *date;
    double date_serial;
};

static const char *const heads[TK_XLSX_NCOLS] = {
    "照会番号",       "No",   "日付",   "職員ID・端末", "所属",         "システム", "点検項目",
    "対象者（仮名）", "内容", "重要度", "判定",         "業務上の理由", "確認者",   "確認日"};

/* Writes the workbook a city returns: the layout of the export, with
 * inline strings (libxlsxwriter's constant-memory mode writes them). */
static int write_filled(const char *path, const char *tenant, const char *period,
                        const tk_answers_set *s, const struct fill *f, const char *checksum)
{
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = tmp, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &o);
    if (wb == NULL)
        return -1;
    lxw_worksheet *ws = workbook_add_worksheet(wb, TK_XLSX_SHEET_REQUESTS);
    lxw_worksheet *info = workbook_add_worksheet(wb, TK_XLSX_SHEET_INFO);
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy/m/d");
    for (lxw_col_t c = 0; c < TK_XLSX_NCOLS; c++)
        worksheet_write_string(ws, 0, c, heads[c], NULL);
    const char *ids[16];
    for (size_t i = 0; i < s->n; i++) {
        const lxw_row_t r = (lxw_row_t)(i + 1);
        ids[i] = f[i].case_id ? f[i].case_id : s->v[i].case_id;
        worksheet_write_string(ws, r, 0, ids[i], NULL);
        worksheet_write_number(ws, r, 1, (double)(i + 1), NULL);
        worksheet_write_string(ws, r, 3, s->v[i].item.entity, NULL);
        if (f[i].verdict)
            worksheet_write_string(ws, r, TK_XLSX_COL_VERDICT, f[i].verdict, NULL);
        if (f[i].reason)
            worksheet_write_string(ws, r, TK_XLSX_COL_REASON, f[i].reason, NULL);
        if (f[i].by)
            worksheet_write_string(ws, r, TK_XLSX_COL_BY, f[i].by, NULL);
        if (f[i].date)
            worksheet_write_string(ws, r, TK_XLSX_COL_DATE, f[i].date, NULL);
        if (f[i].date_serial > 0)
            worksheet_write_number(ws, r, TK_XLSX_COL_DATE, f[i].date_serial, date);
    }
    char sum[80], run[16], n[16];
    tk_error err;
    if (checksum == NULL && tk_xlsx_checksum(ids, s->n, sum, sizeof sum, &err) != TK_OK)
        return -1;
    snprintf(run, sizeof run, "%lld", (long long)s->run);
    snprintf(n, sizeof n, "%zu", s->n);
    const char *rows[][2] = {{"様式", TK_XLSX_FORMAT}, {"テナント", tenant},
                             {"期間", period},         {"分析", run},
                             {"照会件数", n},          {"チェックサム", checksum ? checksum : sum}};
    for (lxw_row_t i = 0; i < 6; i++) {
        worksheet_write_string(info, i, 0, rows[i][0], NULL);
        worksheet_write_string(info, i, 1, rows[i][1], NULL);
    }
    return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

static int import_file(tk_db *db, const char *tenant, const char *path, int dry,
                       tk_xlsx_result *res, tk_error *err)
{
    size_t len = 0;
    char *p = slurp(path, &len);
    if (p == NULL)
        return TK_EIO;
    const int rc = tk_xlsx_import(db, tenant, p, len, NULL, dry, &city, res, err);
    free(p);
    return rc;
}

static void print_issues(const tk_xlsx_result *r)
{
    for (size_t i = 0; i < r->nissues; i++)
        fprintf(stderr, "  issue: %s row %zu col %s: %s\n", r->issues[i].sheet, r->issues[i].row,
                r->issues[i].column, r->issues[i].msg);
}

static void write_and_read_back(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("xlsx1");
    TK_REQUIRE(db != NULL && add_run(db) == TK_OK);
    tk_answers_set s;
    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);
    TK_REQUIRE(s.n == 5);
    char path[600];
    snprintf(path, sizeof path, "%s/export.xlsx", tmp);
    TK_REQUIRE(tk_xlsx_write(path, db, "minato", &s, &err) == TK_OK);

    /* a valid zip archive with the parts of a workbook */
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]);"
             " assert z.testzip() is None; n = z.namelist();"
             " assert \"xl/workbook.xml\" in n and \"xl/worksheets/sheet1.xml\" in n, n;"
             " s = z.read(\"xl/worksheets/sheet1.xml\").decode();"
             " assert \"<sheetProtection\" in s and \"password\" not in s, s[:300];"
             " assert \"<dataValidation \" in s and \"orientation=\\\"landscape\\\"\" in s;"
             " assert \"paperSize=\\\"9\\\"\" in s and \"fitToHeight=\\\"0\\\"\" in s;"
             " w = z.read(\"xl/workbook.xml\").decode();"
             " assert \"state=\\\"hidden\\\"\" in w and \"_xlnm.Print_Titles\" in w'"
             " '%s'",
             path);
    const int zrc = system(cmd);
    if (zrc != 0)
        fprintf(stderr, "ran: %s\ngot: %d\n", cmd, zrc);
    TK_CHECK_INT(zrc, 0);

    size_t len = 0;
    char *p = slurp(path, &len);
    TK_REQUIRE(p != NULL);
    tk_xlsx_book *b = NULL;
    TK_REQUIRE(tk_xlsx_read(p, len, &b, &err) == TK_OK);
    TK_CHECK(tk_xlsx_has_sheet(b, TK_XLSX_SHEET_REQUESTS));
    TK_CHECK(tk_xlsx_has_sheet(b, TK_XLSX_SHEET_INFO));
    TK_CHECK_INT(tk_xlsx_last_row(b, TK_XLSX_SHEET_REQUESTS), 6);
    const char *S = TK_XLSX_SHEET_REQUESTS;
    int num = 0;
    TK_CHECK_STR(tk_xlsx_cell(b, S, 1, 0, NULL), "照会番号");
    TK_CHECK_STR(tk_xlsx_cell(b, S, 1, TK_XLSX_COL_DATE, NULL), "確認日");
    TK_CHECK_STR(tk_xlsx_cell(b, S, 2, TK_XLSX_COL_CASE, NULL), s.v[0].case_id);
    TK_CHECK_STR(tk_xlsx_cell(b, S, 2, TK_XLSX_COL_NO, &num), "1");
    TK_CHECK_INT(num, 1);
    TK_CHECK_STR(tk_xlsx_cell(b, S, 2, TK_XLSX_COL_DAY, NULL), "2024-10-04");
    TK_CHECK_STR(tk_xlsx_cell(b, S, 2, TK_XLSX_COL_ENTITY, NULL), "u1");
    TK_CHECK_STR(tk_xlsx_cell(b, S, 2, TK_XLSX_COL_DEPT, NULL), "市民課");
    TK_CHECK_STR(tk_xlsx_cell(b, S, 2, TK_XLSX_COL_SUBJECT, NULL), "a1b2c3d4…");
    TK_CHECK_STR(tk_xlsx_cell(b, S, 2, TK_XLSX_COL_WHY, NULL), "大量照会");
    TK_CHECK_STR(tk_xlsx_cell(b, S, 2, TK_XLSX_COL_SEVERITY, NULL), "重大");
    TK_CHECK_STR(tk_xlsx_cell(b, S, 4, TK_XLSX_COL_SYSTEM, NULL), "住基、税");
    TK_CHECK(tk_xlsx_cell(b, S, 2, TK_XLSX_COL_VERDICT, NULL) == NULL);
    TK_CHECK_STR(tk_xlsx_cell(b, TK_XLSX_SHEET_INFO, 2, 1, NULL), "minato");
    TK_CHECK_STR(tk_xlsx_cell(b, TK_XLSX_SHEET_INFO, 3, 1, NULL), "2024-10-01..2024-10-31");
    tk_xlsx_book_destroy(b);

    /* the export imports back with nothing answered */
    tk_xlsx_result r;
    TK_CHECK_INT(tk_xlsx_import(db, "minato", p, len, NULL, 0, &city, &r, &err), TK_OK);
    print_issues(&r);
    TK_CHECK_INT(r.rows, 5);
    TK_CHECK_INT(r.blank, 5);
    TK_CHECK_INT(r.recorded, 0);
    tk_xlsx_result_dispose(&r);
    free(p);
    tk_answers_set_dispose(&s);
    tk_db_close(db);
}

static void filled_round_trip(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("xlsx2");
    TK_REQUIRE(db != NULL && add_run(db) == TK_OK);
    tk_answers_set s;
    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);
    char path[600];
    snprintf(path, sizeof path, "%s/filled.xlsx", tmp);
    /* 45604 is 2024-11-08 in Excel's serial days */
    const struct fill f[5] = {
        {NULL, "不適切", "業務外の照会。本人に指導済み。\r\n再発防止策を検討中", "市民課長 山田",
         NULL, 45604},
        {NULL, "調査中", NULL, "市民課長 山田", "2024/11/9", 0},
        {NULL, "正当", "窓口での代理入力", "市民課長 山田", "2024-11-08", 0},
        {NULL, NULL, NULL, NULL, NULL, 0},
        {NULL, " justified ", "夜間の住民対応（当番）", "福祉課長 佐藤", "2024年11月1日", 0},
    };
    TK_REQUIRE(write_filled(path, "minato", "2024-10-01..2024-10-31", &s, f, NULL) == 0);
    tk_xlsx_result r;
    /* a dry run checks, stores nothing */
    TK_CHECK_INT(import_file(db, "minato", path, 1, &r, &err), TK_OK);
    print_issues(&r);
    TK_CHECK_INT(r.recorded, 4);
    TK_CHECK_INT(r.blank, 1);
    TK_CHECK_INT(answers_stored(db), 0);
    tk_xlsx_result_dispose(&r);
    TK_CHECK_INT(import_file(db, "minato", path, 0, &r, &err), TK_OK);
    TK_CHECK_INT(r.recorded, 4);
    TK_CHECK_INT(answers_stored(db), 4);
    tk_xlsx_result_dispose(&r);
    tk_answers_set_dispose(&s);

    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);
    TK_CHECK_INT(s.answered, 4);
    TK_CHECK_INT(s.v[0].answer.verdict, TK_ANSWERS_INAPPROPRIATE);
    TK_CHECK_STR(s.v[0].answer.reason, "業務外の照会。本人に指導済み。\n再発防止策を検討中");
    TK_CHECK_INT(s.v[0].answer.confirmed_on, 20035);
    TK_CHECK_STR(s.v[0].answer.via, "xlsx");
    TK_CHECK_INT(s.v[1].answer.confirmed_on, 20036);
    TK_CHECK_INT(s.v[2].answer.verdict, TK_ANSWERS_JUSTIFIED);
    TK_CHECK_INT(s.v[4].answer.confirmed_on, 20028);
    TK_CHECK_INT(s.v[2].item.status, TK_ANOMALIES_FALSE_POSITIVE);
    TK_CHECK_INT(s.v[0].item.status, TK_ANOMALIES_CONFIRMED);

    /* the same workbook again: every answer unchanged */
    TK_CHECK_INT(import_file(db, "minato", path, 0, &r, &err), TK_OK);
    TK_CHECK_INT(r.recorded, 0);
    TK_CHECK_INT(r.unchanged, 4);
    TK_CHECK_INT(answers_stored(db), 4);
    tk_xlsx_result_dispose(&r);

    /* an export now carries the answers, and imports back unchanged */
    char path2[600];
    snprintf(path2, sizeof path2, "%s/export2.xlsx", tmp);
    TK_REQUIRE(tk_xlsx_write(path2, db, "minato", &s, &err) == TK_OK);
    TK_CHECK_INT(import_file(db, "minato", path2, 0, &r, &err), TK_OK);
    print_issues(&r);
    TK_CHECK_INT(r.unchanged, 4);
    TK_CHECK_INT(r.recorded, 0);
    tk_xlsx_result_dispose(&r);

    /* frozen once delivered */
    TK_REQUIRE(tk_period_deliver(db, &october, now, "bob", &err) == TK_OK);
    TK_CHECK_INT(import_file(db, "minato", path, 1, &r, &err), TK_EFROZEN);
    tk_xlsx_result_dispose(&r);
    tk_answers_set_dispose(&s);
    tk_db_close(db);
}

static int has_issue(const tk_xlsx_result *r, size_t row, const char *col, const char *needle)
{
    for (size_t i = 0; i < r->nissues; i++)
        if (r->issues[i].row == row && strcmp(r->issues[i].column, col) == 0 &&
            strstr(r->issues[i].msg, needle) != NULL)
            return 1;
    fprintf(stderr, "no issue at row %zu col %s with '%s'; issues:\n", row, col, needle);
    print_issues(r);
    return 0;
}

static void bad_rows_store_nothing(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("xlsx3");
    TK_REQUIRE(db != NULL && add_run(db) == TK_OK);
    tk_answers_set s;
    TK_REQUIRE(tk_answers_requests(db, &october, NULL, &s, &err) == TK_OK);
    char path[600], long_reason[2100];
    memset(long_reason, 'x', 2001);
    long_reason[2001] = '\0';
    snprintf(path, sizeof path, "%s/bad.xlsx", tmp);
    const struct fill f[5] = {
        {NULL, "たぶん", "r", "課長", "2024-11-08", 0},
        {"C-2024-08-0a1b2c3d", "正当", "r", "課長", "2024-11-08", 0},
        {NULL, NULL, "理由だけ", "課長", "2024-11-08", 0},
        {NULL, "正当", long_reason, "課長", "2024-13-01", 0},
        {NULL, "不適切", "", "課長", "2024-12-01", 0},
    };
    TK_REQUIRE(write_filled(path, "minato", "2024-10-01..2024-10-31", &s, f, NULL) == 0);
    tk_xlsx_result r;
    TK_CHECK_INT(import_file(db, "minato", path, 0, &r, &err), TK_EREJECTED);
    TK_CHECK(has_issue(&r, 2, "K", "unknown verdict"));
    TK_CHECK(has_issue(&r, 3, "A", "is of another period"));
    TK_CHECK(has_issue(&r, 4, "K", "the verdict (判定) is missing"));
    TK_CHECK(has_issue(&r, 5, "N", "expected a date YYYY-MM-DD, not '2024-13-01'"));
    TK_CHECK(has_issue(&r, 6, "N", "must be a day from 2024-10-01 to 2024-11-10"));
    TK_CHECK_INT(r.nissues, 5);
    TK_CHECK_INT(answers_stored(db), 0);
    tk_xlsx_result_dispose(&r);

    /* a reason too long, on its own */
    const struct fill g[5] = {{NULL, "正当", long_reason, "課長", "2024-11-08", 0}};
    TK_REQUIRE(write_filled(path, "minato", "2024-10-01..2024-10-31", &s, g, NULL) == 0);
    TK_CHECK_INT(import_file(db, "minato", path, 0, &r, &err), TK_EREJECTED);
    TK_CHECK(has_issue(&r, 2, "L", "the reason holds at most 2000 bytes"));
    tk_xlsx_result_dispose(&r);

    /* another tenant's workbook */
    const struct fill ok[5] = {{NULL, "不適切", "", "課長", "2024-11-08", 0}};
    TK_REQUIRE(write_filled(path, "chuo", "2024-10-01..2024-10-31", &s, ok, NULL) == 0);
    TK_CHECK_INT(import_file(db, "minato", path, 0, &r, &err), TK_EREJECTED);
    TK_CHECK(has_issue(&r, 2, "B", "the workbook is of tenant 'chuo', not minato"));
    tk_xlsx_result_dispose(&r);

    /* an unknown case id, and a list that is not the one exported */
    const struct fill u[5] = {{"C-2024-10-ffffffff", "不適切", "", "課長", "2024-11-08", 0}};
    TK_REQUIRE(write_filled(path, "minato", "2024-10-01..2024-10-31", &s, u, NULL) == 0);
    TK_CHECK_INT(import_file(db, "minato", path, 0, &r, &err), TK_EREJECTED);
    TK_CHECK(has_issue(&r, 2, "A", "unknown case id 'C-2024-10-ffffffff'"));
    tk_xlsx_result_dispose(&r);
    TK_REQUIRE(write_filled(path, "minato", "2024-10-01..2024-10-31", &s, ok, "00") == 0);
    TK_CHECK_INT(import_file(db, "minato", path, 0, &r, &err), TK_EREJECTED);
    TK_CHECK(has_issue(&r, 0, "A", "not those the workbook was exported with"));
    tk_xlsx_result_dispose(&r);
    TK_CHECK_INT(answers_stored(db), 0);
    tk_answers_set_dispose(&s);
    tk_db_close(db);
}

/* A zip archive of one entry holding n bytes of spaces. */
static int write_bomb(const char *path, const char *entry, size_t n)
{
    zipFile z = zipOpen64(path, 0);
    if (z == NULL)
        return -1;
    zip_fileinfo zi;
    memset(&zi, 0, sizeof zi);
    if (zipOpenNewFileInZip64(z, entry, &zi, NULL, 0, NULL, 0, NULL, Z_DEFLATED, 9, 1) != ZIP_OK)
        return -1;
    static char block[1 << 16];
    memset(block, ' ', sizeof block);
    for (size_t done = 0; done < n; done += sizeof block)
        if (zipWriteInFileInZip(z, block, sizeof block) != ZIP_OK)
            return -1;
    zipCloseFileInZip(z);
    return zipClose(z, NULL) == ZIP_OK ? 0 : -1;
}

static void damaged_and_oversized(void)
{
    tk_error err = {0, ""};
    tk_xlsx_book *b = NULL;
    TK_CHECK_INT(tk_xlsx_read("hello", 5, &b, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "not a workbook: an XLSX file is a zip archive");
    char path[600];
    snprintf(path, sizeof path, "%s/export.xlsx", tmp);
    size_t len = 0;
    char *p = slurp(path, &len);
    TK_REQUIRE(p != NULL && len > 1000);
    /* cut short: the central directory is gone */
    TK_CHECK_INT(tk_xlsx_read(p, len / 2, &b, &err), TK_EPARSE);
    TK_CHECK(b == NULL);
    /* a flipped byte in the middle: a CRC or inflate error, or bad XML */
    p[len / 3] ^= 0x55;
    const int rc = tk_xlsx_read(p, len, &b, &err);
    TK_CHECK(rc == TK_EPARSE || rc == TK_OK);
    tk_xlsx_book_destroy(b);
    b = NULL;
    free(p);
    TK_CHECK_INT(tk_xlsx_read("PK\3\4", TK_XLSX_ARCHIVE_MAX + 1u, &b, &err), TK_ERANGE);

    /* a zip bomb: a small archive that inflates past the cap */
    snprintf(path, sizeof path, "%s/bomb.xlsx", tmp);
    TK_REQUIRE(write_bomb(path, "xl/workbook.xml", TK_XLSX_ENTRY_MAX + 65536u) == 0);
    p = slurp(path, &len);
    TK_REQUIRE(p != NULL);
    TK_CHECK(len < 1024 * 1024);
    TK_CHECK_INT(tk_xlsx_read(p, len, &b, &err), TK_ERANGE);
    TK_CHECK(strstr(err.msg, "xl/workbook.xml: the entry") != NULL);
    free(p);

    /* a zip that is no workbook */
    TK_REQUIRE(write_bomb(path, "../../etc/passwd", 10) == 0);
    p = slurp(path, &len);
    TK_REQUIRE(p != NULL);
    TK_CHECK_INT(tk_xlsx_read(p, len, &b, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "not a workbook: the archive has no xl/workbook.xml");
    free(p);

    /* dates */
    int64_t d = 0;
    TK_CHECK_INT(tk_xlsx_parse_date("45604", 1, 0, &d, &err), TK_OK);
    TK_CHECK_INT(d, 20035);
    TK_CHECK_INT(tk_xlsx_parse_date("44142.75", 1, 1, &d, &err), TK_OK);
    TK_CHECK_INT(d, 20035);
    TK_CHECK_INT(tk_xlsx_parse_date("2024/2/29", 0, 0, &d, &err), TK_OK);
    TK_CHECK_INT(tk_xlsx_parse_date("2023/2/29", 0, 0, &d, &err), TK_EINVAL);
    TK_CHECK_INT(tk_xlsx_parse_date("2024-11-08x", 0, 0, &d, &err), TK_EINVAL);
    TK_CHECK_INT(tk_xlsx_parse_date("nan", 1, 0, &d, &err), TK_EINVAL);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "%s/xlsx-%ld", tk_test_tmpdir(), (long)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmp, tmp);
    if (system(cmd) != 0)
        return 1;
    TK_RUN(write_and_read_back);
    TK_RUN(filled_round_trip);
    TK_RUN(bad_rows_store_nothing);
    TK_RUN(damaged_and_oversized);
    if (getenv("TK_XLSX_KEEP") == NULL) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            return 1;
    }
    TK_TEST_END();
}
