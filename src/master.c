/* src/master.c -- master data: versioned imports, effective versions,
 * identity resolution.
 *
 * Versions. Every import inserts one master_versions row and the file's rows
 * into the kind's tables, all tagged with that version id, in one
 * transaction; nothing is ever updated or deleted, so any past analysis can
 * be reproduced from the versions that were effective for its days. The
 * effective version of a kind on day D is the row with the greatest
 * effective_day <= D, ties going to the latest import (greatest id); before
 * the first effective day the earliest version applies, because a city's
 * first master file describes its staff better than nothing does. The
 * index master_versions(kind, effective_day, id) answers that with one
 * index probe.
 *
 * Import is a pipeline per row, data-driven by a per-kind column table:
 * pick the cell (by canonical Japanese header, English key, or a mapping
 * profile's column), decode it to UTF-8, run the mapping's transforms, trim
 * spaces, substitute the default, apply the mapping's `map`, then check the
 * value's type (date, hh:mm, enumerated word, IP address list, ...). A
 * per-kind function then checks what spans columns (from <= to, uniqueness
 * inside the version) and inserts. All-or-nothing is the transaction: rows
 * are inserted as they pass, and a single bad row makes the whole import
 * roll back at the end. Rows after the first bad one are still checked (and
 * inserted into the doomed transaction, which costs less than a separate
 * validation pass) so that the message can say how much is wrong.
 *
 * Encoding follows uploads: a BOM means UTF-8; otherwise the encoding is
 * undecided until the first cell holding a non-ASCII byte, which
 * tk_enc_detect() classifies; every later cell must decode in it.
 *
 * Pseudonyms. Resident identifiers are turned into tk_tenant_pseudonym()
 * before they reach SQLite and are never bound as text; uniqueness of
 * residents inside a version is checked on the pseudonyms too, so the clear
 * values exist only in the CSV reader's buffers. Kana surnames are folded
 * first (half-width katakana and hiragana to full-width katakana, surname =
 * text before the first space) so that ﾔﾏﾀﾞ, やまだ and ヤマダ meet.
 *
 * The resolver interns every staff id and terminal name once and maps each
 * lookup key (case-folded id, account, terminal name, IP) to it through a
 * tk_strmap. Versions are loaded newest first and a key keeps its first
 * owner, which is how the latest version wins while older ones fill gaps.
 * Training accounts (kind `training`) come last, resolving to themselves:
 * a shared 研修用 account is a known identity even though no member of
 * staff owns it, unless the staff master gives it to one. */
#include "src/master.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "src/actor.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/crypto.h"
#include "src/csv.h"
#include "src/encoding.h"
#include "src/mask.h"
#include "src/event.h"
#include "src/profile.h"
#include "src/strmap.h"
#include "src/timefmt.h"
#include "src/transform.h"

/* ---- schema ------------------------------------------------------------ */

/* One statement per element: ISO C only promises string literals of 4095
 * bytes. */
static const char *const schema_sql[] = {
    "CREATE TABLE IF NOT EXISTS master_versions("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " effective_from TEXT NOT NULL,"
    " effective_day INTEGER NOT NULL,"
    " imported_at TEXT NOT NULL,"
    " file_name TEXT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " encoding TEXT NOT NULL,"
    " mapping TEXT,"
    " mapping_sha256 TEXT,"
    " rows INTEGER NOT NULL,"
    " imported_by TEXT NOT NULL DEFAULT '')",
    "CREATE UNIQUE INDEX IF NOT EXISTS master_versions_file"
    " ON master_versions(kind, effective_from, sha256)",
    "CREATE INDEX IF NOT EXISTS master_versions_effective"
    " ON master_versions(kind, effective_day, id)",
    "CREATE TABLE IF NOT EXISTS master_staff("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " staff_id TEXT NOT NULL,"
    " name TEXT,"
    " kana_ps BLOB,"
    " dept TEXT NOT NULL,"
    " section TEXT,"
    " status TEXT NOT NULL CHECK(status IN ('active','leave','retired')),"
    " hired_on TEXT,"
    " transferred_on TEXT,"
    " prev_dept TEXT,"
    " retired_on TEXT,"
    " PRIMARY KEY(version_id, staff_id))",
    "CREATE TABLE IF NOT EXISTS master_staff_accounts("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " account TEXT NOT NULL,"
    " staff_id TEXT NOT NULL,"
    " PRIMARY KEY(version_id, account))",
    "CREATE TABLE IF NOT EXISTS master_staff_leaves("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " staff_id TEXT NOT NULL,"
    " from_on TEXT NOT NULL,"
    " to_on TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS master_staff_leaves_v ON master_staff_leaves(version_id, staff_id)",
    "CREATE TABLE IF NOT EXISTS master_staff_subjects("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " staff_id TEXT NOT NULL,"
    " relation TEXT NOT NULL CHECK(relation IN ('self','household')),"
    " subject_ps BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS master_staff_subjects_v"
    " ON master_staff_subjects(version_id, subject_ps)",
    "CREATE TABLE IF NOT EXISTS master_terminals("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " terminal TEXT NOT NULL,"
    " dept TEXT,"
    " kind TEXT CHECK(kind IN ('mynumber','general')),"
    " registered_on TEXT,"
    " PRIMARY KEY(version_id, terminal))",
    "CREATE TABLE IF NOT EXISTS master_terminal_ips("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " ip TEXT NOT NULL,"
    " terminal TEXT NOT NULL,"
    " PRIMARY KEY(version_id, ip))",
    "CREATE TABLE IF NOT EXISTS master_authorizations("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " dept TEXT NOT NULL,"
    " system TEXT NOT NULL,"
    " level TEXT NOT NULL CHECK(level IN ('lookup','update','all')),"
    " function TEXT,"
    " mynumber INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS master_authorizations_v"
    " ON master_authorizations(version_id, dept, system)",
    "CREATE TABLE IF NOT EXISTS master_assignments("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " staff_id TEXT NOT NULL,"
    " dept TEXT NOT NULL,"
    " system TEXT,"
    " from_on TEXT NOT NULL,"
    " to_on TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS master_assignments_v ON master_assignments(version_id, staff_id)",
    "CREATE TABLE IF NOT EXISTS master_overtime("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " day TEXT NOT NULL,"
    " staff_id TEXT NOT NULL,"
    " from_min INTEGER NOT NULL,"
    " to_min INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS master_overtime_v ON master_overtime(version_id, staff_id, day)",
    "CREATE TABLE IF NOT EXISTS master_media("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " serial TEXT NOT NULL,"
    " device TEXT,"
    " dept TEXT,"
    " approved_on TEXT,"
    " expires_on TEXT)",
    "CREATE INDEX IF NOT EXISTS master_media_v ON master_media(version_id, serial)",
    "CREATE TABLE IF NOT EXISTS master_watchlist("
    " id INTEGER PRIMARY KEY,"
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " subject_ps BLOB NOT NULL,"
    " category TEXT NOT NULL CHECK(category IN ('celebrity','staff_related','protected')),"
    " from_on TEXT,"
    " to_on TEXT)",
    "CREATE INDEX IF NOT EXISTS master_watchlist_v ON master_watchlist(version_id, subject_ps)",
    "CREATE TABLE IF NOT EXISTS master_watchlist_depts("
    " watch_id INTEGER NOT NULL REFERENCES master_watchlist(id),"
    " dept TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS master_watchlist_depts_w ON master_watchlist_depts(watch_id)",
    "CREATE TABLE IF NOT EXISTS master_residents("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " subject_ps BLOB NOT NULL,"
    " household_ps BLOB,"
    " block_ps BLOB,"
    " kana_ps BLOB,"
    " PRIMARY KEY(version_id, subject_ps))",
    "CREATE TABLE IF NOT EXISTS master_training("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " account TEXT NOT NULL,"
    " from_on TEXT NOT NULL,"
    " to_on TEXT,"
    " name TEXT,"
    " dept TEXT)",
    "CREATE INDEX IF NOT EXISTS master_training_v ON master_training(version_id, account)",
    "CREATE TABLE IF NOT EXISTS master_calendar("
    " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
    " line INTEGER NOT NULL,"
    " day TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK(kind IN ('closed','open','holiday')),"
    " name TEXT,"
    " dept TEXT NOT NULL DEFAULT '',"
    " from_min INTEGER,"
    " to_min INTEGER,"
    " PRIMARY KEY(version_id, day, dept))",
};

/* Stores made before calendar rows could name a 所属 keyed master_calendar
 * by (version_id, day) alone; SQLite cannot change a primary key, so the
 * table is rebuilt once, its rows becoming rows for every 所属 (dept ''). */
static int migrate_calendar(tk_db *db, tk_error *err)
{
    int has = 0;
    int rc = tk_db_has_column(db, "master_calendar", "dept", &has, err);
    if (rc != TK_OK || has)
        return rc;
    static const char create[] = "CREATE TABLE master_calendar("
                                 " version_id INTEGER NOT NULL REFERENCES master_versions(id),"
                                 " line INTEGER NOT NULL,"
                                 " day TEXT NOT NULL,"
                                 " kind TEXT NOT NULL CHECK(kind IN ('closed','open','holiday')),"
                                 " name TEXT,"
                                 " dept TEXT NOT NULL DEFAULT '',"
                                 " from_min INTEGER,"
                                 " to_min INTEGER,"
                                 " PRIMARY KEY(version_id, day, dept))";
    static const char copy[] = "INSERT INTO master_calendar(version_id, line, day, kind, name)"
                               " SELECT version_id, line, day, kind, name FROM master_calendar_old";
    const char *const steps[] = {"ALTER TABLE master_calendar RENAME TO master_calendar_old",
                                 create, copy, "DROP TABLE master_calendar_old"};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && rc == TK_OK; i++)
        rc = tk_db_exec(db, steps[i], err);
    return rc;
}

/* Stores made before versions recorded their importer lack the column;
 * their versions keep '' (unknown). */
static int migrate_imported_by(tk_db *db, tk_error *err)
{
    int has = 0;
    int rc = tk_db_has_column(db, "master_versions", "imported_by", &has, err);
    if (rc != TK_OK || has)
        return rc;
    return tk_db_exec(
        db, "ALTER TABLE master_versions ADD COLUMN imported_by TEXT NOT NULL DEFAULT ''", err);
}

int tk_master_migrate(tk_db *db, tk_error *err)
{
    int rc = TK_OK;
    for (size_t i = 0; i < sizeof schema_sql / sizeof schema_sql[0] && rc == TK_OK; i++)
        rc = tk_db_exec(db, schema_sql[i], err);
    if (rc == TK_OK)
        rc = migrate_calendar(db, err);
    if (rc == TK_OK)
        rc = migrate_imported_by(db, err);
    return rc;
}

/* ---- kinds and their columns ------------------------------------------- */

enum ctype {
    T_TEXT,   /* free text */
    T_DATE,   /* a calendar day */
    T_TIME,   /* hh:mm, hours 0-47 */
    T_ENUM,   /* one of the column's words, stored as its code */
    T_LIST,   /* ';'-separated text */
    T_IPS,    /* ';'-separated IPv4 / IPv6 addresses */
    T_LEAVES, /* ';'-separated date ranges */
    T_KANA    /* a kana name, pseudonymised by surname */
};

enum {
    F_REQ = 1,     /* a value is required */
    F_RESIDENT = 2 /* a resident identifier: pseudonymised, masked in messages */
};

struct word {
    const char *word; /* as the city writes it (Japanese) or the English code */
    const char *code; /* what is stored */
};

struct col {
    const char *key; /* English key (mapping profiles, docs) */
    const char *ja;  /* canonical header */
    const char *alt; /* another accepted header, or NULL */
    int type;
    unsigned flags;
    const struct word *words; /* T_ENUM: NULL-terminated */
    const char *dflt;         /* T_ENUM: code when empty, or NULL (stored NULL) */
    const char *expect;       /* T_ENUM: the words, for messages */
};

static const struct word w_status[] = {
    {"在職", "active"}, {"休職", "leave"},      {"退職", "retired"}, {"active", "active"},
    {"leave", "leave"}, {"retired", "retired"}, {NULL, NULL}};
static const struct word w_term[] = {{"特定個人情報", "mynumber"},
                                     {"一般", "general"},
                                     {"mynumber", "mynumber"},
                                     {"general", "general"},
                                     {NULL, NULL}};
static const struct word w_level[] = {
    {"照会", "lookup"},   {"更新", "update"},   {"全て", "all"}, {"すべて", "all"},
    {"lookup", "lookup"}, {"update", "update"}, {"all", "all"},  {NULL, NULL}};
static const struct word w_yesno[] = {{"可", "1"}, {"不可", "0"}, {"yes", "1"}, {"no", "0"},
                                      {"1", "1"},  {"0", "0"},    {NULL, NULL}};
static const struct word w_category[] = {
    {"著名人", "celebrity"},    {"職員関係", "staff_related"},
    {"支援措置", "protected"},  {"DV等支援措置", "protected"},
    {"celebrity", "celebrity"}, {"staff_related", "staff_related"},
    {"protected", "protected"}, {NULL, NULL}};
static const struct word w_cal[] = {
    {"閉庁", "closed"}, {"開庁", "open"}, {"closed", "closed"}, {"open", "open"}, {NULL, NULL}};

#define E(words, dflt, expect)  T_ENUM, 0, words, dflt, expect
#define ER(words, dflt, expect) T_ENUM, F_REQ, words, dflt, expect

enum {
    ST_ID,
    ST_NAME,
    ST_KANA,
    ST_DEPT,
    ST_SECTION,
    ST_STATUS,
    ST_HIRED,
    ST_TRANSFERRED,
    ST_PREV,
    ST_RETIRED,
    ST_ACCOUNT,
    ST_LEAVE,
    ST_OWN,
    ST_HOUSEHOLD,
    ST_N
};
static const struct col c_staff[ST_N] = {
    {"staff_id", "職員ID", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"name", "氏名", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"name_kana", "氏名カナ", NULL, T_KANA, F_RESIDENT, NULL, NULL, NULL},
    {"dept", "所属", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"section", "係", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"status", "在職区分", NULL, E(w_status, "active", "在職, 休職 or 退職")},
    {"hired_on", "採用日", NULL, T_DATE, 0, NULL, NULL, NULL},
    {"transferred_on", "異動日", NULL, T_DATE, 0, NULL, NULL, NULL},
    {"prev_dept", "前所属", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"retired_on", "退職日", NULL, T_DATE, 0, NULL, NULL, NULL},
    {"account", "アカウント", NULL, T_LIST, 0, NULL, NULL, NULL},
    {"leave", "休職期間", NULL, T_LEAVES, 0, NULL, NULL, NULL},
    {"own_subject", "本人宛名番号", NULL, T_TEXT, F_RESIDENT, NULL, NULL, NULL},
    {"household_subjects", "世帯宛名番号", NULL, T_LIST, F_RESIDENT, NULL, NULL, NULL},
};

enum { TE_NAME, TE_IP, TE_DEPT, TE_KIND, TE_REGISTERED, TE_N };
static const struct col c_terminals[TE_N] = {
    {"terminal", "端末名", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"ip", "IPアドレス", NULL, T_IPS, 0, NULL, NULL, NULL},
    {"dept", "所属", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"kind", "種別", NULL, E(w_term, NULL, "特定個人情報 or 一般")},
    {"registered_on", "登録日", NULL, T_DATE, 0, NULL, NULL, NULL},
};

enum { AU_DEPT, AU_SYSTEM, AU_LEVEL, AU_FUNCTION, AU_MYNUMBER, AU_N };
static const struct col c_auth[AU_N] = {
    {"dept", "所属", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"system", "システム", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"level", "権限", NULL, E(w_level, "all", "照会, 更新 or 全て")},
    {"function", "機能", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"mynumber", "個人番号利用", NULL, E(w_yesno, "0", "可 or 不可")},
};

enum { AS_STAFF, AS_DEPT, AS_SYSTEM, AS_FROM, AS_TO, AS_N };
static const struct col c_assign[AS_N] = {
    {"staff_id", "職員ID", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"dept", "兼務先所属", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"system", "システム", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"from", "開始日", NULL, T_DATE, F_REQ, NULL, NULL, NULL},
    {"to", "終了日", NULL, T_DATE, F_REQ, NULL, NULL, NULL},
};

enum { OT_DATE, OT_STAFF, OT_FROM, OT_TO, OT_N };
static const struct col c_overtime[OT_N] = {
    {"date", "日付", NULL, T_DATE, F_REQ, NULL, NULL, NULL},
    {"staff_id", "職員ID", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"from", "開始時刻", NULL, T_TIME, F_REQ, NULL, NULL, NULL},
    {"to", "終了時刻", NULL, T_TIME, F_REQ, NULL, NULL, NULL},
};

enum { ME_SERIAL, ME_DEVICE, ME_DEPT, ME_APPROVED, ME_EXPIRES, ME_N };
static const struct col c_media[ME_N] = {
    {"serial", "シリアル番号", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"device", "デバイス名", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"dept", "所属", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"approved_on", "承認日", NULL, T_DATE, 0, NULL, NULL, NULL},
    {"expires_on", "失効日", NULL, T_DATE, 0, NULL, NULL, NULL},
};

enum { WL_SUBJECT, WL_CATEGORY, WL_DEPT, WL_FROM, WL_TO, WL_N };
static const struct col c_watch[WL_N] = {
    {"subject", "宛名番号", NULL, T_TEXT, F_REQ | F_RESIDENT, NULL, NULL, NULL},
    {"category", "区分", NULL, ER(w_category, NULL, "著名人, 職員関係 or 支援措置")},
    {"dept", "担当所属", NULL, T_LIST, 0, NULL, NULL, NULL},
    {"from", "開始日", NULL, T_DATE, 0, NULL, NULL, NULL},
    {"to", "終了日", NULL, T_DATE, 0, NULL, NULL, NULL},
};

enum { RE_SUBJECT, RE_HOUSEHOLD, RE_BLOCK, RE_KANA, RE_N };
static const struct col c_resid[RE_N] = {
    {"subject", "宛名番号", NULL, T_TEXT, F_REQ | F_RESIDENT, NULL, NULL, NULL},
    {"household", "世帯番号", NULL, T_TEXT, F_RESIDENT, NULL, NULL, NULL},
    {"block", "町丁", NULL, T_TEXT, F_RESIDENT, NULL, NULL, NULL},
    {"name_kana", "氏名カナ", NULL, T_KANA, F_RESIDENT, NULL, NULL, NULL},
};

/* One row per training account and period: an account may be trained in
 * several periods (April's new hires, October's 中途採用). */
enum { TR_ACCOUNT, TR_FROM, TR_TO, TR_NAME, TR_DEPT, TR_N };
static const struct col c_train[TR_N] = {
    {"account", "研修用アカウント", NULL, T_TEXT, F_REQ, NULL, NULL, NULL},
    {"from", "開始日", NULL, T_DATE, F_REQ, NULL, NULL, NULL},
    {"to", "終了日", NULL, T_DATE, 0, NULL, NULL, NULL},
    {"name", "研修名", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"dept", "所属", NULL, T_TEXT, 0, NULL, NULL, NULL},
};

/* A row with a 所属 applies to that 所属 only; 開始時刻 and 終了時刻 are
 * the day's hours (of that 所属, or of everyone). */
enum { CA_DATE, CA_KIND, CA_NAME, CA_DEPT, CA_FROM, CA_TO, CA_N };
static const struct col c_cal[CA_N] = {
    {"date", "日付", NULL, T_DATE, F_REQ, NULL, NULL, NULL},
    {"kind", "区分", NULL, ER(w_cal, NULL, "閉庁 or 開庁")},
    {"name", "名称", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"dept", "所属", NULL, T_TEXT, 0, NULL, NULL, NULL},
    {"from", "開始時刻", NULL, T_TIME, 0, NULL, NULL, NULL},
    {"to", "終了時刻", NULL, T_TIME, 0, NULL, NULL, NULL},
};

/* The Cabinet Office's syukujitsu.csv header names the same two columns. */
#define SYUKU_DATE "国民の祝日・休日月日"
#define SYUKU_NAME "国民の祝日・休日名称"
enum { HO_DATE, HO_NAME, HO_N };
static const struct col c_hol[HO_N] = {
    {"date", "日付", SYUKU_DATE, T_DATE, F_REQ, NULL, NULL, NULL},
    {"name", "名称", SYUKU_NAME, T_TEXT, 0, NULL, NULL, NULL},
};

#define MAX_COLS ST_N

struct imp;
typedef int (*insert_fn)(struct imp *m, tk_error *err);

struct kind {
    const char *name;
    const struct col *cols;
    size_t ncols;
    insert_fn insert;
    const char *sql[4]; /* statements insert uses, NULL-padded */
};

static int ins_staff(struct imp *m, tk_error *err);
static int ins_terminals(struct imp *m, tk_error *err);
static int ins_auth(struct imp *m, tk_error *err);
static int ins_assign(struct imp *m, tk_error *err);
static int ins_overtime(struct imp *m, tk_error *err);
static int ins_media(struct imp *m, tk_error *err);
static int ins_watch(struct imp *m, tk_error *err);
static int ins_resid(struct imp *m, tk_error *err);
static int ins_train(struct imp *m, tk_error *err);
static int ins_cal(struct imp *m, tk_error *err);

enum {
    K_STAFF,
    K_TERMINALS,
    K_AUTH,
    K_ASSIGN,
    K_OVERTIME,
    K_MEDIA,
    K_WATCH,
    K_RESID,
    K_TRAIN,
    K_CAL,
    K_HOL,
    K_N
};

static const struct kind kinds[K_N] = {
    {"staff",
     c_staff,
     ST_N,
     ins_staff,
     {"INSERT INTO master_staff(version_id, line, staff_id, name, kana_ps, dept, section, status,"
      " hired_on, transferred_on, prev_dept, retired_on) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
      "INSERT INTO master_staff_accounts(version_id, account, staff_id) VALUES(?,?,?)",
      "INSERT INTO master_staff_leaves(version_id, staff_id, from_on, to_on) VALUES(?,?,?,?)",
      "INSERT INTO master_staff_subjects(version_id, staff_id, relation, subject_ps)"
      " VALUES(?,?,?,?)"}},
    {"terminals",
     c_terminals,
     TE_N,
     ins_terminals,
     {"INSERT INTO master_terminals(version_id, line, terminal, dept, kind, registered_on)"
      " VALUES(?,?,?,?,?,?)",
      "INSERT INTO master_terminal_ips(version_id, ip, terminal) VALUES(?,?,?)", NULL, NULL}},
    {"authorizations",
     c_auth,
     AU_N,
     ins_auth,
     {"INSERT INTO master_authorizations(version_id, line, dept, system, level, function,"
      " mynumber) VALUES(?,?,?,?,?,?,?)",
      NULL, NULL, NULL}},
    {"assignments",
     c_assign,
     AS_N,
     ins_assign,
     {"INSERT INTO master_assignments(version_id, line, staff_id, dept, system, from_on, to_on)"
      " VALUES(?,?,?,?,?,?,?)",
      NULL, NULL, NULL}},
    {"overtime",
     c_overtime,
     OT_N,
     ins_overtime,
     {"INSERT INTO master_overtime(version_id, line, day, staff_id, from_min, to_min)"
      " VALUES(?,?,?,?,?,?)",
      NULL, NULL, NULL}},
    {"media",
     c_media,
     ME_N,
     ins_media,
     {"INSERT INTO master_media(version_id, line, serial, device, dept, approved_on, expires_on)"
      " VALUES(?,?,?,?,?,?,?)",
      NULL, NULL, NULL}},
    {"watchlist",
     c_watch,
     WL_N,
     ins_watch,
     {"INSERT INTO master_watchlist(version_id, line, subject_ps, category, from_on, to_on)"
      " VALUES(?,?,?,?,?,?)",
      "INSERT INTO master_watchlist_depts(watch_id, dept) VALUES(?,?)", NULL, NULL}},
    {"residents",
     c_resid,
     RE_N,
     ins_resid,
     {"INSERT INTO master_residents(version_id, line, subject_ps, household_ps, block_ps,"
      " kana_ps) VALUES(?,?,?,?,?,?)",
      NULL, NULL, NULL}},
    {"training",
     c_train,
     TR_N,
     ins_train,
     {"INSERT INTO master_training(version_id, line, account, from_on, to_on, name, dept)"
      " VALUES(?,?,?,?,?,?,?)",
      NULL, NULL, NULL}},
    {"calendar",
     c_cal,
     CA_N,
     ins_cal,
     {"INSERT INTO master_calendar(version_id, line, day, kind, name, dept, from_min, to_min)"
      " VALUES(?,?,?,?,?,?,?,?)",
      NULL, NULL, NULL}},
    {"holidays",
     c_hol,
     HO_N,
     ins_cal,
     {"INSERT INTO master_calendar(version_id, line, day, kind, name) VALUES(?,?,?,?,?)", NULL,
      NULL, NULL}},
};

static const char *const kind_names[K_N + 1] = {
    "staff",     "terminals", "authorizations", "assignments", "overtime", "media",
    "watchlist", "residents", "training",       "calendar",    "holidays", NULL};

static int kind_index(const char *name)
{
    for (int i = 0; i < K_N; i++) {
        if (name != NULL && strcmp(kinds[i].name, name) == 0)
            return i;
    }
    return -1;
}

int tk_master_kind_valid(const char *name)
{
    return kind_index(name) >= 0;
}

const char *const *tk_master_kinds(void)
{
    return kind_names;
}

static int unknown_kind(tk_error *err, const char *kind)
{
    char list[256];
    tk_error_join(list, sizeof list, kind_names, K_N);
    return tk_error_set(err, TK_EINVAL, "unknown master data kind \"%.40s\" (kinds: %s)",
                        kind ? kind : "", list);
}

/* ---- dates ------------------------------------------------------------- */

/* Writes day as YYYY-MM-DD (years outside 0-9999 never reach here: every
 * day comes from a 4-digit year). */
static void day_iso(int64_t day, char out[11])
{
    int y, mo, d;
    tk_civil_from_days(day, &y, &mo, &d);
    const int v[3] = {y, mo, d};
    const int w[3] = {4, 2, 2};
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        int x = v[i] < 0 ? 0 : v[i];
        for (int j = w[i]; j-- > 0;) {
            out[n + (size_t)j] = (char)('0' + x % 10);
            x /= 10;
        }
        n += (size_t)w[i];
        if (i < 2)
            out[n++] = '-';
    }
    out[n] = '\0';
}

/* Parses digits p[*i..) of 1..max characters into *v. */
static int digits(const char *p, size_t len, size_t *i, size_t min, size_t max, int *v)
{
    size_t n = 0;
    int x = 0;
    while (*i < len && n < max && p[*i] >= '0' && p[*i] <= '9') {
        x = x * 10 + (p[*i] - '0');
        (*i)++;
        n++;
    }
    *v = x;
    return n >= min;
}

int tk_master_parse_day(const char *p, size_t len, int64_t *day, tk_error *err)
{
    size_t i = 0;
    int y, mo, d;
    char sep;

    if (!digits(p, len, &i, 4, 4, &y) || i >= len || (p[i] != '-' && p[i] != '/'))
        goto bad;
    sep = p[i++];
    if (!digits(p, len, &i, 1, 2, &mo) || i >= len || p[i++] != sep)
        goto bad;
    if (!digits(p, len, &i, 1, 2, &d) || i != len)
        goto bad;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > tk_days_in_month(y, mo))
        goto bad;
    *day = tk_days_from_civil(y, mo, d);
    return TK_OK;
bad:
    return tk_error_set(err, TK_EINVAL, "invalid date \"%.*s\": expected YYYY-MM-DD",
                        (int)(len > 40 ? 40 : len), p);
}

/* ---- queries ----------------------------------------------------------- */

int tk_master_effective_version(tk_tenant *t, const char *kind, int64_t day, int64_t *version_id,
                                tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    sqlite3_stmt *st = NULL;
    int rc;

    if (kind_index(kind) < 0)
        return unknown_kind(err, kind);
    /* The first query finds the version in force; the second, for days
     * before every version, the one that comes into force first. */
    static const char *const sql[2] = {
        "SELECT id FROM master_versions WHERE kind = ?1 AND effective_day <= ?2"
        " ORDER BY effective_day DESC, id DESC LIMIT 1",
        "SELECT id FROM master_versions WHERE kind = ?1"
        " ORDER BY effective_day ASC, id DESC LIMIT 1"};
    for (int q = 0; q < 2; q++) {
        rc = tk_db_prepare(db, &st, sql[q], err);
        if (rc != TK_OK)
            return rc;
        rc = tk_db_bind_text(db, st, 1, kind, strlen(kind), err);
        if (rc == TK_OK && q == 0 && sqlite3_bind_int64(st, 2, day) != SQLITE_OK)
            rc = tk_db_error(db, err, "binding day");
        if (rc == TK_OK)
            rc = tk_db_step(db, st, err);
        if (rc == 1)
            *version_id = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        st = NULL;
        if (rc < 0)
            return rc;
        if (rc == 1)
            return TK_OK;
    }
    return tk_error_set(err, TK_ENOTFOUND,
                        "no %s master data has been imported: run `tenken master import "
                        "--kind %s` first",
                        kind, kind);
}

int tk_master_effective_version_on(tk_tenant *t, const char *kind, const char *date,
                                   int64_t *version_id, tk_error *err)
{
    int64_t day;
    const int rc = tk_master_parse_day(date, strlen(date), &day, err);
    if (rc != TK_OK)
        return rc;
    return tk_master_effective_version(t, kind, day, version_id, err);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int tk_master_list_versions(tk_tenant *t, const char *kind, tk_master_version_fn fn, void *ctx,
                            tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    sqlite3_stmt *st = NULL;
    int rc = TK_OK;

    if (kind != NULL && kind_index(kind) < 0)
        return unknown_kind(err, kind);
    rc = tk_db_prepare(db, &st,
                       "SELECT id, kind, effective_from, imported_at, file_name, sha256, encoding,"
                       " mapping, rows, imported_by FROM master_versions WHERE kind = ?"
                       " ORDER BY effective_day, id",
                       err);
    if (rc != TK_OK)
        return rc;
    for (int k = 0; k < K_N && rc == TK_OK; k++) {
        if (kind != NULL && strcmp(kind, kinds[k].name) != 0)
            continue;
        sqlite3_reset(st);
        rc = tk_db_bind_text(db, st, 1, kinds[k].name, strlen(kinds[k].name), err);
        while (rc == TK_OK) {
            const int s = tk_db_step(db, st, err);
            if (s <= 0) {
                rc = s;
                break;
            }
            tk_master_version v;
            v.id = sqlite3_column_int64(st, 0);
            v.kind = col_text(st, 1);
            v.effective_from = col_text(st, 2);
            v.imported_at = col_text(st, 3);
            v.file_name = col_text(st, 4);
            v.sha256 = col_text(st, 5);
            v.encoding = col_text(st, 6);
            v.mapping = col_text(st, 7);
            v.rows = sqlite3_column_int64(st, 8);
            v.imported_by = col_text(st, 9);
            rc = fn(ctx, &v);
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* What tk_master_version_rows() shows of each kind: the stored row by
 * its English column keys, in file order. Pseudonymised resident
 * identifiers are never shown (they are not the values the file held);
 * lists gathered from side tables (accounts, IP addresses, 所属 of a
 * watch-list entry) are joined with ';' in sorted order. */
static const char *const rows_sql[K_N] = {
    "SELECT line, staff_id, name, dept, section, status, hired_on, transferred_on, prev_dept,"
    " retired_on, (SELECT group_concat(account, ';') FROM master_staff_accounts a"
    " WHERE a.version_id = s.version_id AND a.staff_id = s.staff_id) AS account"
    " FROM master_staff s WHERE version_id = ?1 ORDER BY line LIMIT ?2 OFFSET ?3",
    "SELECT line, terminal, (SELECT group_concat(ip, ';') FROM master_terminal_ips i"
    " WHERE i.version_id = t.version_id AND i.terminal = t.terminal) AS ip, dept, kind,"
    " registered_on FROM master_terminals t WHERE version_id = ?1 ORDER BY line"
    " LIMIT ?2 OFFSET ?3",
    "SELECT line, dept, system, level, function, mynumber FROM master_authorizations"
    " WHERE version_id = ?1 ORDER BY line LIMIT ?2 OFFSET ?3",
    "SELECT line, staff_id, dept, system, from_on, to_on FROM master_assignments"
    " WHERE version_id = ?1 ORDER BY line LIMIT ?2 OFFSET ?3",
    "SELECT line, day AS date, staff_id, printf('%02d:%02d', from_min / 60, from_min % 60)"
    " AS from_time, printf('%02d:%02d', to_min / 60, to_min % 60) AS to_time"
    " FROM master_overtime WHERE version_id = ?1 ORDER BY line LIMIT ?2 OFFSET ?3",
    "SELECT line, serial, device, dept, approved_on, expires_on FROM master_media"
    " WHERE version_id = ?1 ORDER BY line LIMIT ?2 OFFSET ?3",
    "SELECT line, category, from_on, to_on, (SELECT group_concat(dept, ';') FROM"
    " master_watchlist_depts d WHERE d.watch_id = w.id) AS depts FROM master_watchlist w"
    " WHERE version_id = ?1 ORDER BY line LIMIT ?2 OFFSET ?3",
    "SELECT line FROM master_residents WHERE version_id = ?1 ORDER BY line LIMIT ?2 OFFSET ?3",
    "SELECT line, account, from_on, to_on, name, dept FROM master_training"
    " WHERE version_id = ?1 ORDER BY line LIMIT ?2 OFFSET ?3",
    "SELECT line, day AS date, kind, name, dept, CASE WHEN from_min IS NULL THEN NULL ELSE"
    " printf('%02d:%02d', from_min / 60, from_min % 60) END AS from_time,"
    " CASE WHEN to_min IS NULL THEN NULL ELSE printf('%02d:%02d', to_min / 60, to_min % 60)"
    " END AS to_time FROM master_calendar WHERE version_id = ?1 ORDER BY line"
    " LIMIT ?2 OFFSET ?3",
    "SELECT line, day AS date, name FROM master_calendar WHERE version_id = ?1 ORDER BY line"
    " LIMIT ?2 OFFSET ?3",
};

static int bind_int(tk_db *db, sqlite3_stmt *st, int i, int64_t x, tk_error *err)
{
    if (sqlite3_bind_int64(st, i, x) != SQLITE_OK)
        return tk_db_error(db, err, "binding master data");
    return TK_OK;
}

int tk_master_version_get(tk_tenant *t, int64_t id, tk_master_version_fn fn, void *ctx,
                          tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "SELECT id, kind, effective_from, imported_at, file_name, sha256,"
                           " encoding, mapping, rows, imported_by FROM master_versions"
                           " WHERE id = ?",
                           err);
    if (rc == TK_OK)
        rc = bind_int(db, st, 1, id, err);
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    if (rc == 0)
        rc = tk_error_set(err, TK_ENOTFOUND, "no master data version %lld", (long long)id);
    if (rc == 1) {
        tk_master_version v;
        v.id = sqlite3_column_int64(st, 0);
        v.kind = col_text(st, 1);
        v.effective_from = col_text(st, 2);
        v.imported_at = col_text(st, 3);
        v.file_name = col_text(st, 4);
        v.sha256 = col_text(st, 5);
        v.encoding = col_text(st, 6);
        v.mapping = col_text(st, 7);
        v.rows = sqlite3_column_int64(st, 8);
        v.imported_by = col_text(st, 9);
        rc = fn(ctx, &v);
    }
    sqlite3_finalize(st);
    return rc;
}

struct kind_of {
    int k;
};

static int note_kind(void *ctx, const tk_master_version *v)
{
    ((struct kind_of *)ctx)->k = kind_index(v->kind);
    return TK_OK;
}

int tk_master_version_rows(tk_tenant *t, int64_t id, int64_t limit, int64_t offset,
                           tk_master_row_fn fn, void *ctx, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    struct kind_of ko = {-1};
    sqlite3_stmt *st = NULL;
    int rc = tk_master_version_get(t, id, note_kind, &ko, err);
    if (rc != TK_OK)
        return rc;
    if (ko.k < 0)
        return tk_error_set(err, TK_EDB, "master data version %lld has an unknown kind",
                            (long long)id);
    rc = tk_db_prepare(db, &st, rows_sql[ko.k], err);
    if (rc == TK_OK)
        rc = bind_int(db, st, 1, id, err);
    if (rc == TK_OK)
        rc = bind_int(db, st, 2, limit, err);
    if (rc == TK_OK)
        rc = bind_int(db, st, 3, offset, err);
    while (rc == TK_OK) {
        const int s = tk_db_step(db, st, err);
        if (s <= 0) {
            rc = s;
            break;
        }
        const char *keys[TK_MASTER_ROW_COLS];
        const char *values[TK_MASTER_ROW_COLS];
        tk_master_row row = {sqlite3_column_int64(st, 0), 0, keys, values};
        const int n = sqlite3_column_count(st);
        for (int i = 1; i < n && row.ncols < TK_MASTER_ROW_COLS; i++) {
            keys[row.ncols] = sqlite3_column_name(st, i);
            values[row.ncols] = col_text(st, i);
            row.ncols++;
        }
        rc = fn(ctx, &row);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- resolver ---------------------------------------------------------- */

/* Longest lookup key; longer values are never master identifiers. */
#define KEY_MAX 256

struct name {
    const char *p; /* interned, NUL-terminated */
    size_t len;
};

struct tk_master_resolver {
    tk_strmap *interned; /* canonical names -> index in names */
    struct name *names;
    size_t nnames, capnames;
    tk_strmap *staff;     /* folded key -> index in names */
    tk_strmap *terminals; /* folded key -> index in names */
};

/* Trims spaces (ASCII and U+3000) and folds ASCII case into buf (KEY_MAX
 * bytes); returns the key's length, or 0 when empty or too long. */
static size_t fold_key(const char *p, size_t len, char *buf)
{
    tk_view v = {p, len};
    tk_transform_trim(&v);
    if (v.len == 0 || v.len > KEY_MAX)
        return 0;
    for (size_t i = 0; i < v.len; i++) {
        const char c = v.p[i];
        buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    return v.len;
}

/* Returns the index of name p[0..len) in r->names, interning it. */
static int intern(tk_master_resolver *r, const char *p, size_t len, size_t *idx, tk_error *err)
{
    const int64_t *have = tk_strmap_get(r->interned, p, len);
    const char *stored = NULL;
    int rc;

    if (have != NULL) {
        *idx = (size_t)*have;
        return TK_OK;
    }
    if (r->nnames == r->capnames) {
        size_t cap = r->capnames ? r->capnames : 64, bytes;
        if (!tk_mul_size(cap, 2, &cap) || !tk_mul_size(cap, sizeof *r->names, &bytes))
            return tk_error_set(err, TK_ENOMEM, "too many names in master data");
        struct name *n = tk_realloc(r->names, bytes);
        if (n == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory building the resolver");
        r->names = n;
        r->capnames = cap;
    }
    rc = tk_strmap_put(r->interned, p, len, (int64_t)r->nnames, &stored, err);
    if (rc != TK_OK)
        return rc;
    r->names[r->nnames].p = stored;
    r->names[r->nnames].len = len;
    *idx = r->nnames++;
    return TK_OK;
}

/* Adds key -> name unless the key already has an owner (newer versions are
 * loaded first and win). */
static int add_key(tk_master_resolver *r, tk_strmap *map, const char *key, size_t klen,
                   const char *name, size_t nlen, tk_error *err)
{
    char buf[KEY_MAX];
    size_t idx = 0;
    const size_t n = fold_key(key, klen, buf);

    if (n == 0 || tk_strmap_get(map, buf, n) != NULL)
        return TK_OK;
    const int rc = intern(r, name, nlen, &idx, err);
    if (rc != TK_OK)
        return rc;
    return tk_strmap_put(map, buf, n, (int64_t)idx, NULL, err);
}

static int load_keys(tk_master_resolver *r, tk_db *db, tk_strmap *map, const char *sql,
                     tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st, sql, err);

    while (rc == TK_OK) {
        const int s = tk_db_step(db, st, err);
        if (s <= 0) {
            rc = s;
            break;
        }
        const char *key = col_text(st, 0);
        const char *name = col_text(st, 1);
        if (key == NULL || name == NULL)
            continue;
        rc = add_key(r, map, key, (size_t)sqlite3_column_bytes(st, 0), name,
                     (size_t)sqlite3_column_bytes(st, 1), err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Every (key, canonical name) pair of a kind, newest version first; within
 * a version the canonical id comes before accounts / IPs. */
static const char staff_keys_sql[] =
    "SELECT k, s FROM ("
    " SELECT v.effective_day AS d, v.id AS vid, 0 AS o, m.staff_id AS k, m.staff_id AS s"
    " FROM master_staff m JOIN master_versions v ON v.id = m.version_id"
    " UNION ALL"
    " SELECT v.effective_day, v.id, 1, a.account, a.staff_id"
    " FROM master_staff_accounts a JOIN master_versions v ON v.id = a.version_id)"
    " ORDER BY d DESC, vid DESC, o";
static const char terminal_keys_sql[] =
    "SELECT k, s FROM ("
    " SELECT v.effective_day AS d, v.id AS vid, 0 AS o, m.terminal AS k, m.terminal AS s"
    " FROM master_terminals m JOIN master_versions v ON v.id = m.version_id"
    " UNION ALL"
    " SELECT v.effective_day, v.id, 1, a.ip, a.terminal"
    " FROM master_terminal_ips a JOIN master_versions v ON v.id = a.version_id)"
    " ORDER BY d DESC, vid DESC, o";
/* Training accounts resolve to themselves as the newest training version
 * writes them; they are loaded after every staff key, so an account that
 * the staff master gives to a 職員ID keeps resolving to that 職員ID. */
static const char training_keys_sql[] = "SELECT m.account, m.account FROM master_training m"
                                        " JOIN master_versions v ON v.id = m.version_id"
                                        " ORDER BY v.effective_day DESC, v.id DESC, m.line";

int tk_master_resolver_create(tk_master_resolver **out, tk_tenant *t, tk_error *err)
{
    tk_master_resolver *r = NULL;
    tk_db *db = tk_tenant_db(t);
    int rc;

    *out = NULL;
    r = tk_calloc(1, sizeof *r);
    if (r == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory building the resolver");
    rc = tk_strmap_create(&r->interned, err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&r->staff, err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&r->terminals, err);
    if (rc == TK_OK)
        rc = load_keys(r, db, r->staff, staff_keys_sql, err);
    if (rc == TK_OK)
        rc = load_keys(r, db, r->terminals, terminal_keys_sql, err);
    /* A store of schema 2 opened read-only has no master_training table;
     * it has no training versions either, which is asked first. */
    int64_t ntrain = 0;
    if (rc == TK_OK)
        rc = tk_db_query_i64(db, "SELECT count(*) FROM master_versions WHERE kind = 'training'",
                             &ntrain, err);
    if (rc == TK_OK && ntrain > 0)
        rc = load_keys(r, db, r->staff, training_keys_sql, err);
    if (rc != TK_OK)
        goto done;
    *out = r;
    r = NULL;
done:
    tk_master_resolver_destroy(r);
    return rc;
}

void tk_master_resolver_destroy(tk_master_resolver *r)
{
    if (r == NULL)
        return;
    tk_strmap_destroy(r->staff);
    tk_strmap_destroy(r->terminals);
    tk_strmap_destroy(r->interned);
    tk_free(r->names);
    tk_free(r);
}

static const char *lookup(const tk_master_resolver *r, const tk_strmap *map, const char *p,
                          size_t len, size_t *outlen)
{
    char buf[KEY_MAX];
    const size_t n = fold_key(p, len, buf);
    const int64_t *idx = n > 0 ? tk_strmap_get(map, buf, n) : NULL;

    if (idx == NULL)
        return NULL;
    if (outlen != NULL)
        *outlen = r->names[*idx].len;
    return r->names[*idx].p;
}

const char *tk_master_resolve_staff(const tk_master_resolver *r, const char *p, size_t len,
                                    size_t *outlen)
{
    const char *s = lookup(r, r->staff, p, len, outlen);
    if (s != NULL)
        return s;
    /* DOMAIN\account, then account@domain (of what is left). */
    for (size_t i = len; i-- > 0;) {
        if (p[i] == '\\') {
            s = lookup(r, r->staff, p + i + 1, len - i - 1, outlen);
            if (s != NULL)
                return s;
            len -= i + 1;
            p += i + 1;
            break;
        }
    }
    const char *at = memchr(p, '@', len);
    if (at != NULL && at > p)
        return lookup(r, r->staff, p, (size_t)(at - p), outlen);
    return NULL;
}

/* Writes the canonical text of an IPv6 address p[0..len) to out (which
 * holds INET6_ADDRSTRLEN bytes); returns 0 if p is not one. */
static int ipv6_canonical(const char *p, size_t len, char out[INET6_ADDRSTRLEN])
{
    char tmp[INET6_ADDRSTRLEN];
    struct in6_addr a;

    if (len == 0 || len >= sizeof tmp || memchr(p, ':', len) == NULL)
        return 0;
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    return inet_pton(AF_INET6, tmp, &a) == 1 && inet_ntop(AF_INET6, &a, out, INET6_ADDRSTRLEN);
}

const char *tk_master_resolve_terminal(const tk_master_resolver *r, const char *p, size_t len,
                                       size_t *outlen)
{
    char canon[INET6_ADDRSTRLEN];
    const char *s = lookup(r, r->terminals, p, len, outlen);

    if (s == NULL && ipv6_canonical(p, len, canon))
        s = lookup(r, r->terminals, canon, strlen(canon), outlen);
    return s;
}

const char *tk_master_resolve(void *ctx, int what, const char *p, size_t len, size_t *outlen)
{
    const tk_master_resolver *r = ctx;
    if (what == TK_RESOLVE_STAFF)
        return tk_master_resolve_staff(r, p, len, outlen);
    if (what == TK_RESOLVE_TERMINAL)
        return tk_master_resolve_terminal(r, p, len, outlen);
    return NULL;
}

size_t tk_master_resolver_staff_keys(const tk_master_resolver *r)
{
    return tk_strmap_size(r->staff);
}

size_t tk_master_resolver_terminal_keys(const tk_master_resolver *r)
{
    return tk_strmap_size(r->terminals);
}

/* Asked by readers that only hold the database (the day loader of the
 * feature layer), for a handful of values a day, so it queries instead of
 * building a resolver. Imported values are stored trimmed; NOCASE folds
 * ASCII case as the resolver does. */
int tk_master_terminal_listed(tk_db *db, const char *p, size_t len, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    tk_view v = {p, len};
    tk_transform_trim(&v);
    int rc =
        tk_db_prepare(db, &st,
                      "SELECT EXISTS(SELECT 1 FROM master_terminals"
                      " WHERE terminal = ?1 COLLATE NOCASE)"
                      " OR EXISTS(SELECT 1 FROM master_terminal_ips WHERE ip = ?1 COLLATE NOCASE)",
                      err);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_bind_text(db, st, 1, v.p, v.len, err);
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    if (rc == 1)
        rc = sqlite3_column_int(st, 0) != 0;
    sqlite3_finalize(st);
    return rc;
}

/* ---- import: mapping profiles ------------------------------------------ */

enum { SRC_NONE, SRC_COLUMN, SRC_VALUE };

/* What a value that the mapping's map does not list becomes, named as in
 * source profiles' "unmapped": kept (the default here, unlike profiles,
 * since the kind's own words and codes pass unmapped), a row error, or
 * one replacement value. */
enum { UNMAPPED_KEEP, UNMAPPED_ERROR, UNMAPPED_REPLACE };

/* A growable scratch buffer reused from row to row. */
struct sbuf {
    char *p;
    size_t len, cap;
};

/* How one column of the kind is found and cleaned in this file. */
struct binding {
    int src;
    size_t index;               /* SRC_COLUMN: 0-based cell */
    const char *cname;          /* SRC_COLUMN by name: the mapping's column name (borrowed) */
    size_t cindex;              /* SRC_COLUMN by index: 1-based, from the mapping; 0 otherwise */
    const char *value;          /* SRC_VALUE: borrowed from the mapping JSON */
    char *label;                /* the column as messages name it (owned) */
    tk_transforms *tf;          /* owned, or NULL */
    json_t *map;                /* borrowed from the mapping JSON, or NULL */
    int unmapped;               /* UNMAPPED_*: what a cell's value that map lacks becomes */
    const char *unmapped_value; /* UNMAPPED_REPLACE: borrowed from the mapping JSON */
    const char *dflt;           /* borrowed, or NULL */
    tk_timefmt *fmt;            /* owned; NULL: the default date patterns */
    tk_enc_buf dec;
    tk_transform_scratch tscr;
};

/* One column's value in the current row. */
struct val {
    tk_view v;        /* after the pipeline; v.p == NULL when empty */
    int64_t day;      /* T_DATE */
    char iso[11];     /* T_DATE: YYYY-MM-DD */
    int minutes;      /* T_TIME */
    const char *code; /* T_ENUM: the stored code, or NULL */
};

struct imp {
    tk_tenant *t;
    tk_db *db;
    int k;            /* index in kinds */
    const char *file; /* base name of the file */
    json_t *mapping;  /* owned, or NULL */
    const char *mapping_path;
    const char *mapping_name;
    char mapping_sha[TK_CRYPTO_SHA256_HEX_SIZE];
    int header; /* the file has a header record */
    size_t skip_rows;
    tk_enc enc;       /* TK_ENC_ASCII while undecided */
    int enc_declared; /* the mapping fixed enc */
    struct binding b[MAX_COLS];
    struct val val[MAX_COLS];
    tk_timefmt *date_slash, *date_dash;
    char **hdr; /* decoded header cells (owned) */
    size_t nhdr;
    const tk_csv_field *cells; /* current record */
    size_t ncells;
    size_t record, line;
    tk_strmap *uniq; /* keys unique in this version -> first line */
    sqlite3_stmt *st[4];
    int64_t version_id;
    size_t rows, bad;
    int64_t eff_day;    /* the version's effective day */
    size_t rows_before; /* dated rows whose days all lie before eff_day */
    int64_t earliest;   /* the first day a dated row names (INT64_MAX: none) */
    tk_error first;     /* the first bad row's message */
    char bad_key[128];  /* the mapping's key at fault, or "" */
    struct sbuf kana;
};

static int map_err(struct imp *m, tk_error *err, const char *key, const char *fmt, ...)
    TK_PRINTF(4, 5);

/* A mapping that cannot be used: the message names the mapping and what
 * is wrong; key (may be NULL: not one key) is kept as the key path at
 * fault, for a client to point at. */
static int map_err(struct imp *m, tk_error *err, const char *key, const char *fmt, ...)
{
    char what[TK_ERROR_MSG_SIZE];
    snprintf(m->bad_key, sizeof m->bad_key, "%s", key ? key : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return tk_error_set(err, TK_EINVAL, "mapping %s: %s", m->mapping_path, what);
}

static int only_keys(struct imp *m, json_t *obj, const char *const *allowed, const char *where,
                     tk_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i] != NULL && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            char at[128];
            if (strcmp(where, "the mapping") == 0)
                snprintf(at, sizeof at, "%s", key);
            else
                snprintf(at, sizeof at, "%s.%s", where, key);
            return map_err(m, err, at, "unknown key \"%s\" in %s", key, where);
        }
    }
    return TK_OK;
}

static int load_transforms(struct imp *m, struct binding *b, json_t *arr, const char *key,
                           tk_error *err)
{
    char path[96];
    snprintf(path, sizeof path, "fields.%s.transform", key);
    const int rc = tk_transforms_parse(&b->tf, arr, path, err);
    if (rc != TK_EINVAL)
        return rc;
    char what[sizeof err->msg];
    snprintf(what, sizeof what, "%s", err ? err->msg : "");
    return map_err(m, err, path, "%s", what);
}

/* "WHERE.KEY" into buf: the key path of one setting of a field. */
static const char *col_at(char *buf, size_t cap, const char *where, const char *key)
{
    snprintf(buf, cap, "%s.%s", where, key);
    return buf;
}

static int load_field(struct imp *m, size_t c, json_t *spec, tk_error *err)
{
    char at[96];
    static const char *const keys[] = {"column",   "value",   "transform", "map",
                                       "unmapped", "default", "format",    NULL};
    const struct col *col = &kinds[m->k].cols[c];
    struct binding *b = &m->b[c];
    char where[64];
    int rc;

    snprintf(where, sizeof where, "fields.%s", col->key);
    if (!json_is_object(spec))
        return map_err(m, err, where, "%s must be an object", where);
    rc = only_keys(m, spec, keys, where, err);
    if (rc != TK_OK)
        return rc;
    json_t *column = json_object_get(spec, "column");
    json_t *value = json_object_get(spec, "value");
    if (column != NULL && value != NULL)
        return map_err(m, err, where, "%s has both column and value", where);
    if (column != NULL) {
        if (json_is_string(column) && json_string_length(column) > 0) {
            if (!m->header)
                return map_err(m, err, col_at(at, sizeof at, where, "column"),
                               "%s.column must be a 1-based index: the mapping says "
                               "the file has no header",
                               where);
            b->cname = json_string_value(column);
        } else if (json_is_integer(column) && json_integer_value(column) >= 1 &&
                   json_integer_value(column) <= 10000) {
            b->cindex = (size_t)json_integer_value(column);
        } else {
            return map_err(m, err, col_at(at, sizeof at, where, "column"),
                           "%s.column must be a column name or a 1-based index", where);
        }
        b->src = SRC_COLUMN;
    } else if (value != NULL) {
        if (!json_is_string(value))
            return map_err(m, err, col_at(at, sizeof at, where, "value"),
                           "%s.value must be a string", where);
        b->src = SRC_VALUE;
        b->value = json_string_value(value);
    }
    json_t *tf = json_object_get(spec, "transform");
    if (tf != NULL) {
        rc = load_transforms(m, b, tf, col->key, err);
        if (rc != TK_OK)
            return rc;
    }
    json_t *map = json_object_get(spec, "map");
    if (map != NULL) {
        const char *k;
        json_t *v;
        if (!json_is_object(map))
            return map_err(m, err, col_at(at, sizeof at, where, "map"), "%s.map must be an object",
                           where);
        json_object_foreach(map, k, v)
        {
            if (!json_is_string(v))
                return map_err(m, err, col_at(at, sizeof at, where, "map"),
                               "%s.map.%s must be a string", where, k);
        }
        b->map = map;
    }
    json_t *um = json_object_get(spec, "unmapped");
    if (um != NULL) {
        const char *u = json_is_string(um) ? json_string_value(um) : NULL;
        if (u == NULL)
            return map_err(m, err, col_at(at, sizeof at, where, "unmapped"),
                           "%s.unmapped must be \"keep\", \"error\" or a replacement value", where);
        if (strcmp(u, "keep") == 0) {
            b->unmapped = UNMAPPED_KEEP;
        } else if (strcmp(u, "error") == 0) {
            if (map == NULL || json_object_size(map) == 0)
                return map_err(m, err, col_at(at, sizeof at, where, "unmapped"),
                               "%s.unmapped: \"error\" with no map entries would refuse every "
                               "value; give map entries or a replacement value",
                               where);
            b->unmapped = UNMAPPED_ERROR;
        } else {
            b->unmapped = UNMAPPED_REPLACE;
            b->unmapped_value = u;
        }
    }
    json_t *dflt = json_object_get(spec, "default");
    if (dflt != NULL) {
        if (!json_is_string(dflt))
            return map_err(m, err, col_at(at, sizeof at, where, "default"),
                           "%s.default must be a string", where);
        b->dflt = json_string_value(dflt);
    }
    json_t *fmt = json_object_get(spec, "format");
    if (fmt != NULL) {
        tk_error e2;
        if (col->type != T_DATE && col->type != T_LEAVES)
            return map_err(m, err, col_at(at, sizeof at, where, "format"),
                           "%s.format: %s is not a date column", where, col->key);
        if (!json_is_string(fmt))
            return map_err(m, err, col_at(at, sizeof at, where, "format"),
                           "%s.format must be a string", where);
        rc = tk_timefmt_compile(&b->fmt, json_string_value(fmt), &e2);
        if (rc == TK_ENOMEM)
            return tk_error_set(err, rc, "%s", e2.msg);
        if (rc != TK_OK)
            return map_err(m, err, col_at(at, sizeof at, where, "format"), "%s.format: %s", where,
                           e2.msg);
        if (!tk_timefmt_has_date(b->fmt))
            return map_err(m, err, col_at(at, sizeof at, where, "format"),
                           "%s.format \"%s\" has no date", where, json_string_value(fmt));
    }
    return TK_OK;
}

/* Loads the mapping from the file at path, or, when text is not NULL,
 * from text[0..len) (a stored profile), path then naming it in messages. */
static int load_mapping(struct imp *m, const char *path, const char *text, size_t len,
                        tk_error *err)
{
    static const char *const keys[] = {"profile",  "version", "description", "match",  "kind",
                                       "encoding", "header",  "skip_rows",   "fields", NULL};
    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    json_error_t je;
    int rc;

    m->mapping_path = path;
    if (text != NULL) {
        rc = tk_crypto_sha256_once(text, len, d, err);
        if (rc != TK_OK)
            return rc;
        m->mapping = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    } else {
        tk_error e2;
        rc = tk_crypto_sha256_file(path, d, &e2);
        if (rc == TK_ENOTFOUND || rc == TK_EIO)
            return tk_error_set(err, TK_EINVAL, "mapping: %s", e2.msg);
        if (rc != TK_OK)
            return tk_error_set(err, rc, "%s", e2.msg);
        m->mapping = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    }
    tk_crypto_hex(d, sizeof d, m->mapping_sha);
    if (m->mapping == NULL && je.line < 1)
        return map_err(m, err, NULL, "not valid JSON: %s", je.text);
    if (m->mapping == NULL)
        return map_err(m, err, NULL, "not valid JSON at line %d, column %d: %s", je.line,
                       je.column < 1 ? 1 : je.column, je.text);
    if (!json_is_object(m->mapping))
        return map_err(m, err, NULL, "must be a JSON object");
    rc = only_keys(m, m->mapping, keys, "the mapping", err);
    if (rc != TK_OK)
        return rc;
    json_t *name = json_object_get(m->mapping, "profile");
    if (name != NULL) {
        if (!json_is_string(name))
            return map_err(m, err, "profile", "profile must be a string");
        m->mapping_name = json_string_value(name);
    }
    json_t *kind = json_object_get(m->mapping, "kind");
    if (kind != NULL &&
        (!json_is_string(kind) || strcmp(json_string_value(kind), kinds[m->k].name) != 0))
        return map_err(m, err, "kind", "is for kind %s, not %s",
                       json_is_string(kind) ? json_string_value(kind) : "?", kinds[m->k].name);
    json_t *enc = json_object_get(m->mapping, "encoding");
    if (enc != NULL) {
        tk_enc e;
        if (!json_is_string(enc) || tk_enc_parse_name(json_string_value(enc), &e) != TK_OK)
            return map_err(m, err, "encoding", "encoding must be auto, utf-8, utf-8-bom or cp932");
        if (e != TK_ENC_AUTO) {
            m->enc = e == TK_ENC_UTF8_BOM ? TK_ENC_UTF8 : e;
            m->enc_declared = 1;
        }
    }
    json_t *header = json_object_get(m->mapping, "header");
    if (header != NULL) {
        if (!json_is_boolean(header))
            return map_err(m, err, "header", "header must be true or false");
        m->header = json_is_true(header);
    }
    json_t *skip = json_object_get(m->mapping, "skip_rows");
    if (skip != NULL) {
        if (!json_is_integer(skip) || json_integer_value(skip) < 0 ||
            json_integer_value(skip) > 1000)
            return map_err(m, err, "skip_rows", "skip_rows must be an integer from 0 to 1000");
        m->skip_rows = (size_t)json_integer_value(skip);
    }
    json_t *fields = json_object_get(m->mapping, "fields");
    if (!json_is_object(fields))
        return map_err(m, err, "fields", "fields must be an object keyed by column keys");
    const char *key;
    json_t *spec;
    json_object_foreach(fields, key, spec)
    {
        const struct kind *k = &kinds[m->k];
        size_t c = 0;
        while (c < k->ncols && strcmp(k->cols[c].key, key) != 0)
            c++;
        if (c == k->ncols) {
            const char *keys_of[MAX_COLS];
            char list[512];
            for (size_t i = 0; i < k->ncols; i++)
                keys_of[i] = k->cols[i].key;
            tk_error_join(list, sizeof list, keys_of, k->ncols);
            char at[128];
            snprintf(at, sizeof at, "fields.%s", key);
            return map_err(m, err, at, "fields.%s is not a column of %s (keys: %s)", key, k->name,
                           list);
        }
        rc = load_field(m, c, spec, err);
        if (rc != TK_OK)
            return rc;
    }
    return TK_OK;
}

/* ---- import: the row pipeline ------------------------------------------ */

static int sbuf_put(struct sbuf *b, const char *p, size_t len)
{
    size_t need;
    if (!tk_add_size(len, 1, &need))
        return 0;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need) {
            if (!tk_mul_size(cap, 2, &cap))
                return 0;
        }
        char *n = tk_realloc(b->p, cap);
        if (n == NULL)
            return 0;
        b->p = n;
        b->cap = cap;
    }
    memmove(b->p, p, len);
    b->p[len] = '\0';
    b->len = len;
    return 1;
}

/* Copies v into out for a message: at most 48 bytes cut on a character
 * boundary, control characters and quotes as '?'. The values of personal
 * columns (resident numbers, kana names, addresses) are masked by
 * characters as every report masks them (tk_mask_value()). */
static void quote(const tk_view *v, int mask, char out[64])
{
    _Static_assert(TK_MASK_SIZE <= 64, "a masked value fits a quote");
    size_t n = 0;

    if (mask) {
        tk_mask_value(v->p, v->len, out);
        return;
    }
    n = v->len < 48 ? v->len : 48;
    while (n > 0 && n < v->len && ((unsigned char)v->p[n] & 0xC0) == 0x80)
        n--;
    for (size_t i = 0; i < n; i++)
        out[i] = ((unsigned char)v->p[i] < 0x20 || v->p[i] == '"') ? '?' : v->p[i];
    if (n < v->len) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* Records a problem with column c (c == SIZE_MAX: the record as a whole) of
 * the current row; only the first bad row's message is kept. Returns
 * TK_EREJECTED. */
static int row_err(struct imp *m, size_t c, const tk_view *v, const char *fmt, ...) TK_PRINTF(4, 5);

static int row_err(struct imp *m, size_t c, const tk_view *v, const char *fmt, ...)
{
    char what[1024], q[64];
    va_list ap;

    if (m->bad > 0)
        return TK_EREJECTED;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c == SIZE_MAX) {
        tk_error_set(&m->first, TK_EREJECTED, "%s: record %zu (line %zu): %s", m->file, m->record,
                     m->line, what);
    } else if (v != NULL && v->len > 0) {
        quote(v, (kinds[m->k].cols[c].flags & F_RESIDENT) != 0, q);
        tk_error_set(&m->first, TK_EREJECTED, "%s: record %zu (line %zu), column %s: \"%s\": %s",
                     m->file, m->record, m->line, m->b[c].label, q, what);
    } else {
        tk_error_set(&m->first, TK_EREJECTED, "%s: record %zu (line %zu), column %s: %s", m->file,
                     m->record, m->line, m->b[c].label, what);
    }
    return TK_EREJECTED;
}

static int oom(tk_error *err)
{
    return tk_error_set(err, TK_ENOMEM, "out of memory importing master data");
}

static int has_high_bit(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)p[i] >= 0x80)
            return 1;
    }
    return 0;
}

/* Decodes raw cell bytes to UTF-8; the first cell with a high byte decides
 * an undecided encoding. *bad receives the encoding error's message. */
static int decode(struct imp *m, tk_enc_buf *scratch, const char *p, size_t len, tk_view *out,
                  tk_error *bad)
{
    if (m->enc == TK_ENC_ASCII) {
        if (!has_high_bit(p, len)) {
            out->p = p;
            out->len = len;
            return TK_OK;
        }
        m->enc = tk_enc_detect(p, len, 1) == TK_ENC_UTF8 ? TK_ENC_UTF8 : TK_ENC_CP932;
    }
    const int rc = tk_enc_to_utf8(m->enc, p, len, scratch, &out->p, &out->len, NULL, bad);
    const tk_enc other =
        rc == TK_EENCODING ? tk_enc_alternative(m->enc, p, len, 1) : TK_ENC_UNKNOWN;
    if (other != TK_ENC_UNKNOWN) {
        /* Say what the bytes are, not only where they fail. */
        char what[sizeof bad->msg];
        const char *const name = other == TK_ENC_CP932 ? "CP932" : "UTF-8";
        memcpy(what, bad->msg, sizeof what);
        if (m->enc_declared)
            tk_error_set(bad, rc,
                         "%s; the value decodes as %s: drop the mapping's encoding setting or "
                         "set it to %s",
                         what, name, other == TK_ENC_CP932 ? "cp932" : "utf-8");
        else
            tk_error_set(bad, rc, "%s; the value decodes as %s, earlier values of the file did not",
                         what, name);
    }
    return rc;
}

static int apply_transforms(struct imp *m, size_t c, tk_view *v, tk_error *err)
{
    const tk_view orig = *v;
    tk_error why;
    const int rc = tk_transforms_apply(m->b[c].tf, v, &m->b[c].tscr, &why);
    if (rc == TK_ENOMEM)
        return tk_error_set(err, rc, "%s", why.msg);
    if (rc != TK_OK)
        return row_err(m, c, &orig, "%s", why.msg);
    return TK_OK;
}

/* The row error for a value the map lacks under "unmapped": "error": the
 * map's keys are listed, as for source profiles. */
static int unmapped_err(struct imp *m, size_t c, const tk_view *v)
{
    const char *keys[64];
    size_t n = 0;
    const char *k;
    json_t *x;
    json_object_foreach(m->b[c].map, k, x)
    {
        if (n < sizeof keys / sizeof keys[0])
            keys[n++] = k;
    }
    char known[512];
    tk_error_join(known, sizeof known, keys, n);
    return row_err(m, c, v, "not in the mapping's map (known: %s)", known);
}

/* Parses a date with the column's format, or the default patterns. With
 * a NULL why the caller only wants to know whether it parses. */
static int parse_date(struct imp *m, size_t c, const char *p, size_t len, int64_t *day,
                      tk_error *why)
{
    const tk_timefmt *f = m->b[c].fmt;
    tk_tm tm;
    int64_t ms;
    int rc;

    if (f == NULL) {
        /* YYYY/M/D or YYYY-M-D; the separator picks the pattern. */
        f = memchr(p, '-', len) != NULL ? m->date_dash : m->date_slash;
    }
    rc = tk_timefmt_parse(f, p, len, &tm, why);
    if (rc == TK_OK && !tm.has_date)
        rc = tk_error_set(why, TK_EPARSE, "no date");
    if (rc == TK_OK)
        rc = tk_tm_to_unix_ms(&tm, &ms, why);
    if (rc == TK_OK)
        *day = tk_days_from_civil(tm.year, tm.month, tm.day);
    return rc;
}

static int date_err(struct imp *m, size_t c, const tk_view *v, const tk_error *why)
{
    if (m->b[c].fmt != NULL)
        return row_err(m, c, NULL, "%s (format %s)", why->msg, tk_timefmt_pattern(m->b[c].fmt));
    return row_err(m, c, v, "expected a date YYYY/MM/DD or YYYY-MM-DD");
}

/* Parses hh:mm (h:mm too), hours 0-47 so that a shift may end at 25:30. */
static int parse_hhmm(const char *p, size_t len, int *minutes)
{
    size_t i = 0;
    int h, mi;
    if (!digits(p, len, &i, 1, 2, &h) || i >= len || p[i++] != ':')
        return 0;
    if (!digits(p, len, &i, 2, 2, &mi) || i != len || h > 47 || mi > 59)
        return 0;
    *minutes = h * 60 + mi;
    return 1;
}

/* Splits a ';'-separated list: returns 1 and the next trimmed, non-empty
 * item, advancing *rest, or 0 at the end. */
static int next_item(tk_view *rest, tk_view *item)
{
    while (rest->len > 0) {
        const char *semi = memchr(rest->p, ';', rest->len);
        const size_t n = semi ? (size_t)(semi - rest->p) : rest->len;
        item->p = rest->p;
        item->len = n;
        rest->p += semi ? n + 1 : n;
        rest->len -= semi ? n + 1 : n;
        tk_transform_trim(item);
        if (item->len > 0)
            return 1;
    }
    return 0;
}

/* Splits a date range "A-B" (also "A~B", "A～B", "A〜B") at the first
 * separator where both sides parse as dates. */
static int parse_range(struct imp *m, size_t c, const tk_view *r, int64_t *from, int64_t *to)
{
    for (size_t i = 1; i < r->len; i++) {
        size_t w = 0;
        const unsigned char *u = (const unsigned char *)r->p + i;
        if (r->p[i] == '-' || r->p[i] == '~')
            w = 1;
        else if (i + 3 <= r->len && ((u[0] == 0xEF && u[1] == 0xBD && u[2] == 0x9E) ||
                                     (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x9C)))
            w = 3;
        if (w == 0 || i + w >= r->len)
            continue;
        tk_view a = {r->p, i}, b = {r->p + i + w, r->len - i - w};
        tk_transform_trim(&a);
        tk_transform_trim(&b);
        if (parse_date(m, c, a.p, a.len, from, NULL) == TK_OK &&
            parse_date(m, c, b.p, b.len, to, NULL) == TK_OK)
            return 1;
    }
    return 0;
}

static int valid_ip(const tk_view *v, char canon[INET6_ADDRSTRLEN])
{
    char tmp[INET6_ADDRSTRLEN];
    unsigned char a[sizeof(struct in6_addr)];

    if (v->len == 0 || v->len >= sizeof tmp)
        return 0;
    memcpy(tmp, v->p, v->len);
    tmp[v->len] = '\0';
    if (inet_pton(AF_INET, tmp, a) == 1) {
        memcpy(canon, tmp, v->len + 1);
        return 1;
    }
    return inet_pton(AF_INET6, tmp, a) == 1 && inet_ntop(AF_INET6, a, canon, INET6_ADDRSTRLEN);
}

/* Runs column c of the current record through the pipeline into m->val[c].
 * Returns TK_OK, TK_EREJECTED (a row error, recorded) or an internal error. */
static int get_value(struct imp *m, size_t c, tk_error *err)
{
    const struct col *col = &kinds[m->k].cols[c];
    struct binding *b = &m->b[c];
    struct val *x = &m->val[c];
    tk_view v = {NULL, 0};
    int rc;

    memset(x, 0, sizeof *x);
    if (b->src == SRC_VALUE) {
        v.p = b->value;
        v.len = strlen(b->value);
    } else if (b->src == SRC_COLUMN && b->index < m->ncells) {
        tk_error bad;
        rc = decode(m, &b->dec, m->cells[b->index].p, m->cells[b->index].len, &v, &bad);
        if (rc == TK_ENOMEM)
            return tk_error_set(err, rc, "%s", bad.msg);
        if (rc != TK_OK)
            return row_err(m, c, NULL, "%s (file read as %s)", bad.msg, tk_enc_name(m->enc));
    }
    if (v.len > 0) {
        rc = apply_transforms(m, c, &v, err);
        if (rc != TK_OK)
            return rc;
    }
    tk_transform_trim(&v);
    const int from_cell = v.len > 0;
    if (v.len == 0 && b->dflt != NULL) {
        v.p = b->dflt;
        v.len = strlen(b->dflt);
    }
    json_t *mapped = v.len > 0 && b->map != NULL ? json_object_getn(b->map, v.p, v.len) : NULL;
    if (mapped != NULL) {
        v.p = json_string_value(mapped);
        v.len = json_string_length(mapped);
    } else if (from_cell && b->unmapped == UNMAPPED_REPLACE) {
        /* The default is the mapping's own word: only a cell's value is
         * replaced. */
        v.p = b->unmapped_value;
        v.len = strlen(b->unmapped_value);
    } else if (from_cell && b->unmapped == UNMAPPED_ERROR) {
        return unmapped_err(m, c, &v);
    }
    if (v.len == 0) {
        if (col->flags & F_REQ)
            return row_err(m, c, NULL, "a value is required");
        if (col->type == T_ENUM)
            x->code = col->dflt;
        return TK_OK;
    }
    if (memchr(v.p, '\0', v.len) != NULL)
        return row_err(m, c, NULL, "contains a NUL byte");
    x->v = v;
    switch (col->type) {
    case T_DATE: {
        tk_error why;
        if (parse_date(m, c, v.p, v.len, &x->day, &why) != TK_OK)
            return date_err(m, c, &v, &why);
        day_iso(x->day, x->iso);
        break;
    }
    case T_TIME:
        if (!parse_hhmm(v.p, v.len, &x->minutes))
            return row_err(m, c, &v, "expected a time hh:mm (up to 47:59)");
        break;
    case T_ENUM:
        for (const struct word *w = col->words; w->word != NULL && x->code == NULL; w++) {
            if (strlen(w->word) == v.len && memcmp(w->word, v.p, v.len) == 0)
                x->code = w->code;
        }
        if (x->code == NULL)
            return row_err(m, c, &v, "expected %s", col->expect);
        break;
    case T_IPS: {
        tk_view rest = v, item;
        char canon[INET6_ADDRSTRLEN];
        while (next_item(&rest, &item)) {
            if (!valid_ip(&item, canon))
                return row_err(m, c, &item, "expected IPv4 or IPv6 addresses separated by ;");
        }
        break;
    }
    case T_LEAVES: {
        tk_view rest = v, item;
        int64_t from, to;
        while (next_item(&rest, &item)) {
            if (!parse_range(m, c, &item, &from, &to))
                return row_err(m, c, &item,
                               "expected date ranges like 2024/04/01-2024/06/30 separated by ;");
            if (from > to)
                return row_err(m, c, &item, "the range ends before it starts");
        }
        break;
    }
    default:
        break;
    }
    return TK_OK;
}

/* ---- import: kana folding ---------------------------------------------- */

/* Half-width katakana U+FF66..U+FF9D to full-width (U+30xx). */
static const uint16_t halfwidth_kana[] = {
    0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, /* FF66 */
    0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, /* FF70 */
    0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, /* FF7A */
    0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, /* FF84 */
    0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9, /* FF8E */
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3,                                 /* FF98 */
};

/* Decodes one UTF-8 character at p[*i..len); invalid bytes come back as
 * themselves (the text was validated when it was decoded). */
static uint32_t utf8_next(const unsigned char *p, size_t len, size_t *i)
{
    const uint32_t c = p[*i];
    if (c >= 0xE0 && c < 0xF0 && *i + 2 < len) {
        const uint32_t r =
            ((c & 0x0F) << 12) | ((uint32_t)(p[*i + 1] & 0x3F) << 6) | (uint32_t)(p[*i + 2] & 0x3F);
        *i += 3;
        return r;
    }
    (*i)++;
    return c | 0x80000000u; /* a byte to copy as is */
}

static void put_u3(char *o, size_t *n, uint32_t cp)
{
    o[(*n)++] = (char)(0xE0 | (cp >> 12));
    o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[(*n)++] = (char)(0x80 | (cp & 0x3F));
}

/* The surname part of a kana name (text before the first space), with
 * hiragana and half-width katakana folded to full-width katakana, into
 * m->kana. Folding never lengthens the text. */
static int kana_surname(struct imp *m, const tk_view *v, tk_view *out, tk_error *err)
{
    const unsigned char *p = (const unsigned char *)v->p;
    size_t i = 0, n = 0;

    if (!sbuf_put(&m->kana, v->p, v->len))
        return oom(err);
    char *o = m->kana.p;
    while (i < v->len) {
        uint32_t cp = utf8_next(p, v->len, &i);
        if (cp == ' ' + 0x80000000u || cp == '\t' + 0x80000000u || cp == 0x3000)
            break;
        if (cp & 0x80000000u) {
            o[n++] = (char)(cp & 0xFF);
            continue;
        }
        if (cp >= 0x3041 && cp <= 0x3096) {
            cp += 0x60;
        } else if (cp >= 0xFF66 && cp <= 0xFF9D) {
            cp = halfwidth_kana[cp - 0xFF66];
            size_t j = i;
            const uint32_t mark = j < v->len ? utf8_next(p, v->len, &j) : 0;
            const int voiceable = (cp >= 0x30AB && cp <= 0x30C8 && cp != 0x30C3) ||
                                  (cp >= 0x30CF && cp <= 0x30DB) || cp == 0x30A6;
            const int semi = cp >= 0x30CF && cp <= 0x30DB;
            if (mark == 0xFF9E && voiceable) {
                cp = cp == 0x30A6 ? 0x30F4 : cp + 1;
                i = j;
            } else if (mark == 0xFF9F && semi) {
                cp += 2;
                i = j;
            }
        }
        put_u3(o, &n, cp);
    }
    out->p = o;
    out->len = n;
    return TK_OK;
}

/* The address block (町丁) of a residents row: the text up to and
 * including the first 丁目 ("緑町一丁目12番3号" -> "緑町一丁目"), or,
 * without 丁目, the text before the first digit, hyphen or 番 ("緑町123番地",
 * "緑町1-2-3" -> "緑町"); spaces removed and full-width digits folded to
 * ASCII first. A value that starts with a digit is kept whole. Into
 * m->kana (folding never lengthens the text). */
static int block_key(struct imp *m, const tk_view *v, tk_view *out, tk_error *err)
{
    const unsigned char *p = (const unsigned char *)v->p;
    size_t i = 0, n = 0, cut = SIZE_MAX;
    uint32_t prev = 0;
    int chome = 0;

    if (!sbuf_put(&m->kana, v->p, v->len))
        return oom(err);
    char *o = m->kana.p;
    while (i < v->len && !chome) {
        uint32_t cp = utf8_next(p, v->len, &i);
        if (cp == (' ' | 0x80000000u) || cp == ('\t' | 0x80000000u) || cp == 0x3000)
            continue;
        if (cp >= 0xFF10 && cp <= 0xFF19)
            cp = (uint32_t)('0' + (cp - 0xFF10)) | 0x80000000u;
        const uint32_t b = cp & 0xFF;
        const int byte = (cp & 0x80000000u) != 0;
        if (cut == SIZE_MAX && n > 0 &&
            ((byte && ((b >= '0' && b <= '9') || b == '-')) || cp == 0xFF0D || cp == 0x2212 ||
             cp == 0x756A /* 番 */))
            cut = n;
        if (byte)
            o[n++] = (char)b;
        else
            put_u3(o, &n, cp);
        chome = prev == 0x4E01 /* 丁 */ && cp == 0x76EE /* 目 */;
        prev = cp;
    }
    out->p = o;
    out->len = chome || cut == SIZE_MAX ? n : cut;
    return TK_OK;
}

/* ---- import: storing rows ---------------------------------------------- */

static int bind_view(struct imp *m, sqlite3_stmt *st, int i, const tk_view *v, tk_error *err)
{
    if (v->p == NULL) {
        if (sqlite3_bind_null(st, i) != SQLITE_OK)
            return tk_db_error(m->db, err, "binding master data");
        return TK_OK;
    }
    return tk_db_bind_text(m->db, st, i, v->p, v->len, err);
}

static int bind_str(struct imp *m, sqlite3_stmt *st, int i, const char *s, tk_error *err)
{
    const tk_view v = {s, s ? strlen(s) : 0};
    return bind_view(m, st, i, &v, err);
}

static int bind_i64(struct imp *m, sqlite3_stmt *st, int i, int64_t x, tk_error *err)
{
    if (sqlite3_bind_int64(st, i, x) != SQLITE_OK)
        return tk_db_error(m->db, err, "binding master data");
    return TK_OK;
}

static int bind_blob(struct imp *m, sqlite3_stmt *st, int i, const uint8_t *p, tk_error *err)
{
    const int r = p ? sqlite3_bind_blob(st, i, p, TK_TENANT_PSEUDONYM_SIZE, SQLITE_TRANSIENT)
                    : sqlite3_bind_null(st, i);
    if (r != SQLITE_OK)
        return tk_db_error(m->db, err, "binding master data");
    return TK_OK;
}

/* The version id and source line, the first two parameters of every row
 * table's insert. */
static int bind_head(struct imp *m, sqlite3_stmt *st, tk_error *err)
{
    int rc = bind_i64(m, st, 1, m->version_id, err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 2, (int64_t)m->line, err);
    return rc;
}

static int run(struct imp *m, sqlite3_stmt *st, tk_error *err)
{
    const int rc = tk_db_step(m->db, st, err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc < 0 ? rc : TK_OK;
}

/* Checks that key is new in this version (keys of one row may repeat). */
static int unique(struct imp *m, size_t c, const tk_view *shown, const char *key, size_t klen,
                  const char *what, tk_error *err)
{
    const int64_t *line = tk_strmap_get(m->uniq, key, klen);
    if (line != NULL) {
        if ((size_t)*line == m->line)
            return TK_OK;
        return row_err(m, c, shown, "duplicate %s (already at line %lld)", what, (long long)*line);
    }
    return tk_strmap_put(m->uniq, key, klen, (int64_t)m->line, NULL, err);
}

/* As unique(), on the case-folded, trimmed text of v. */
static int unique_folded(struct imp *m, size_t c, const tk_view *v, const char *what, tk_error *err)
{
    char buf[KEY_MAX];
    const size_t n = fold_key(v->p, v->len, buf);
    if (n == 0)
        return row_err(m, c, v, "is longer than %d bytes", KEY_MAX);
    return unique(m, c, v, buf, n, what, err);
}

static int pseudonym(struct imp *m, const tk_view *v, uint8_t out[TK_TENANT_PSEUDONYM_SIZE],
                     tk_error *err)
{
    return tk_tenant_pseudonym(m->t, v->p, v->len, out, err);
}

/* Checks that the date in column c_from is not after the one in c_to. */
static int order_err(struct imp *m, size_t c_from, size_t c_to)
{
    const struct val *from = &m->val[c_from], *to = &m->val[c_to];
    if (from->v.p != NULL && to->v.p != NULL && from->day > to->day)
        return row_err(m, c_to, &to->v, "is before %s (%s)", m->b[c_from].label, from->iso);
    return TK_OK;
}

static const char *iso_or_null(const struct val *x)
{
    return x->v.p ? x->iso : NULL;
}

static int add_subject(struct imp *m, const tk_view *id, const char *relation,
                       const tk_view *subject, tk_error *err)
{
    uint8_t ps[TK_TENANT_PSEUDONYM_SIZE];
    int rc = pseudonym(m, subject, ps, err);
    if (rc == TK_OK)
        rc = bind_i64(m, m->st[3], 1, m->version_id, err);
    if (rc == TK_OK)
        rc = bind_view(m, m->st[3], 2, id, err);
    if (rc == TK_OK)
        rc = bind_str(m, m->st[3], 3, relation, err);
    if (rc == TK_OK)
        rc = bind_blob(m, m->st[3], 4, ps, err);
    if (rc == TK_OK)
        rc = run(m, m->st[3], err);
    return rc;
}

static int ins_staff(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    uint8_t kana[TK_TENANT_PSEUDONYM_SIZE];
    const tk_view *id = &x[ST_ID].v;
    tk_view rest, item;
    int rc;

    rc = unique_folded(m, ST_ID, id, "職員ID", err);
    if (rc != TK_OK)
        return rc;
    rc = order_err(m, ST_HIRED, ST_RETIRED);
    if (rc != TK_OK)
        return rc;
    if (x[ST_KANA].v.p != NULL) {
        tk_view sur;
        rc = kana_surname(m, &x[ST_KANA].v, &sur, err);
        if (rc == TK_OK)
            rc = pseudonym(m, &sur, kana, err);
        if (rc != TK_OK)
            return rc;
    }
    sqlite3_stmt *st = m->st[0];
    rc = bind_head(m, st, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 3, id, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 4, &x[ST_NAME].v, err);
    if (rc == TK_OK)
        rc = bind_blob(m, st, 5, x[ST_KANA].v.p ? kana : NULL, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 6, &x[ST_DEPT].v, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 7, &x[ST_SECTION].v, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 8, x[ST_STATUS].code, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 9, iso_or_null(&x[ST_HIRED]), err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 10, iso_or_null(&x[ST_TRANSFERRED]), err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 11, &x[ST_PREV].v, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 12, iso_or_null(&x[ST_RETIRED]), err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    /* Accounts share the key space of staff ids: a value must name one
     * staff member, whichever column it came from. */
    for (rest = x[ST_ACCOUNT].v; rc == TK_OK && next_item(&rest, &item);) {
        rc = unique_folded(m, ST_ACCOUNT, &item, "アカウント or 職員ID", err);
        if (rc == TK_OK)
            rc = bind_i64(m, m->st[1], 1, m->version_id, err);
        if (rc == TK_OK)
            rc = bind_view(m, m->st[1], 2, &item, err);
        if (rc == TK_OK)
            rc = bind_view(m, m->st[1], 3, id, err);
        if (rc == TK_OK)
            rc = run(m, m->st[1], err);
    }
    for (rest = x[ST_LEAVE].v; rc == TK_OK && next_item(&rest, &item);) {
        int64_t from = 0, to = 0;
        char a[11], b[11];
        (void)parse_range(m, ST_LEAVE, &item, &from, &to); /* validated in get_value */
        day_iso(from, a);
        day_iso(to, b);
        rc = bind_i64(m, m->st[2], 1, m->version_id, err);
        if (rc == TK_OK)
            rc = bind_view(m, m->st[2], 2, id, err);
        if (rc == TK_OK)
            rc = bind_str(m, m->st[2], 3, a, err);
        if (rc == TK_OK)
            rc = bind_str(m, m->st[2], 4, b, err);
        if (rc == TK_OK)
            rc = run(m, m->st[2], err);
    }
    if (rc == TK_OK && x[ST_OWN].v.p != NULL)
        rc = add_subject(m, id, "self", &x[ST_OWN].v, err);
    for (rest = x[ST_HOUSEHOLD].v; rc == TK_OK && next_item(&rest, &item);)
        rc = add_subject(m, id, "household", &item, err);
    return rc;
}

static int ins_terminals(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    const tk_view *name = &x[TE_NAME].v;
    tk_view rest, item;
    int rc;

    rc = unique_folded(m, TE_NAME, name, "端末名 or IPアドレス", err);
    sqlite3_stmt *st = m->st[0];
    if (rc == TK_OK)
        rc = bind_head(m, st, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 3, name, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 4, &x[TE_DEPT].v, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 5, x[TE_KIND].code, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 6, iso_or_null(&x[TE_REGISTERED]), err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    for (rest = x[TE_IP].v; rc == TK_OK && next_item(&rest, &item);) {
        char canon[INET6_ADDRSTRLEN];
        (void)valid_ip(&item, canon); /* validated in get_value */
        const tk_view cv = {canon, strlen(canon)};
        rc = unique_folded(m, TE_IP, &cv, "端末名 or IPアドレス", err);
        if (rc == TK_OK)
            rc = bind_i64(m, m->st[1], 1, m->version_id, err);
        if (rc == TK_OK)
            rc = bind_view(m, m->st[1], 2, &cv, err);
        if (rc == TK_OK)
            rc = bind_view(m, m->st[1], 3, name, err);
        if (rc == TK_OK)
            rc = run(m, m->st[1], err);
    }
    return rc;
}

static int ins_auth(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    sqlite3_stmt *st = m->st[0];
    int rc = bind_head(m, st, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 3, &x[AU_DEPT].v, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 4, &x[AU_SYSTEM].v, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 5, x[AU_LEVEL].code, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 6, &x[AU_FUNCTION].v, err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 7, strcmp(x[AU_MYNUMBER].code, "1") == 0, err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    return rc;
}

static int ins_assign(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    sqlite3_stmt *st = m->st[0];
    int rc = order_err(m, AS_FROM, AS_TO);
    if (rc == TK_OK)
        rc = bind_head(m, st, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 3, &x[AS_STAFF].v, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 4, &x[AS_DEPT].v, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 5, &x[AS_SYSTEM].v, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 6, x[AS_FROM].iso, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 7, x[AS_TO].iso, err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    return rc;
}

static int ins_overtime(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    sqlite3_stmt *st = m->st[0];
    int rc = TK_OK;
    if (x[OT_TO].minutes <= x[OT_FROM].minutes)
        return row_err(m, OT_TO, &x[OT_TO].v,
                       "is not after %s (write times past midnight as 25:30)", m->b[OT_FROM].label);
    rc = bind_head(m, st, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 3, x[OT_DATE].iso, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 4, &x[OT_STAFF].v, err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 5, x[OT_FROM].minutes, err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 6, x[OT_TO].minutes, err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    return rc;
}

static int ins_media(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    sqlite3_stmt *st = m->st[0];
    int rc = order_err(m, ME_APPROVED, ME_EXPIRES);
    if (rc == TK_OK)
        rc = bind_head(m, st, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 3, &x[ME_SERIAL].v, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 4, &x[ME_DEVICE].v, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 5, &x[ME_DEPT].v, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 6, iso_or_null(&x[ME_APPROVED]), err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 7, iso_or_null(&x[ME_EXPIRES]), err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    return rc;
}

static int ins_watch(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    uint8_t ps[TK_TENANT_PSEUDONYM_SIZE];
    sqlite3_stmt *st = m->st[0];
    tk_view rest, item;
    int rc = order_err(m, WL_FROM, WL_TO);
    if (rc == TK_OK)
        rc = pseudonym(m, &x[WL_SUBJECT].v, ps, err);
    if (rc == TK_OK)
        rc = bind_head(m, st, err);
    if (rc == TK_OK)
        rc = bind_blob(m, st, 3, ps, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 4, x[WL_CATEGORY].code, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 5, iso_or_null(&x[WL_FROM]), err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 6, iso_or_null(&x[WL_TO]), err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    const int64_t watch_id = sqlite3_last_insert_rowid(tk_db_handle(m->db));
    for (rest = x[WL_DEPT].v; rc == TK_OK && next_item(&rest, &item);) {
        rc = bind_i64(m, m->st[1], 1, watch_id, err);
        if (rc == TK_OK)
            rc = bind_view(m, m->st[1], 2, &item, err);
        if (rc == TK_OK)
            rc = run(m, m->st[1], err);
    }
    return rc;
}

static int ins_resid(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    uint8_t ps[4][TK_TENANT_PSEUDONYM_SIZE];
    sqlite3_stmt *st = m->st[0];
    int rc = TK_OK;

    for (size_t c = RE_SUBJECT; c <= RE_KANA && rc == TK_OK; c++) {
        if (x[c].v.p == NULL)
            continue;
        if (c == RE_KANA || c == RE_BLOCK) {
            tk_view key;
            rc = c == RE_KANA ? kana_surname(m, &x[c].v, &key, err)
                              : block_key(m, &x[c].v, &key, err);
            if (rc == TK_OK)
                rc = pseudonym(m, &key, ps[c], err);
        } else {
            rc = pseudonym(m, &x[c].v, ps[c], err);
        }
    }
    /* Uniqueness on the pseudonym: the clear number is never kept. */
    if (rc == TK_OK)
        rc = unique(m, RE_SUBJECT, &x[RE_SUBJECT].v, (const char *)ps[RE_SUBJECT],
                    TK_TENANT_PSEUDONYM_SIZE, "宛名番号", err);
    if (rc == TK_OK)
        rc = bind_head(m, st, err);
    for (size_t c = RE_SUBJECT; c <= RE_KANA && rc == TK_OK; c++)
        rc = bind_blob(m, st, (int)c + 3, x[c].v.p ? ps[c] : NULL, err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    return rc;
}

/* A training account is matched like a staff account (case and spaces
 * ignored), so it must fit the resolver's keys. Several rows may name one
 * account: one per training period. */
static int ins_train(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    sqlite3_stmt *st = m->st[0];
    char key[KEY_MAX];
    if (fold_key(x[TR_ACCOUNT].v.p, x[TR_ACCOUNT].v.len, key) == 0)
        return row_err(m, TR_ACCOUNT, &x[TR_ACCOUNT].v, "is longer than %d bytes", KEY_MAX);
    int rc = order_err(m, TR_FROM, TR_TO);
    if (rc == TK_OK)
        rc = bind_head(m, st, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 3, &x[TR_ACCOUNT].v, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 4, x[TR_FROM].iso, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 5, iso_or_null(&x[TR_TO]), err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 6, &x[TR_NAME].v, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 7, &x[TR_DEPT].v, err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    return rc;
}

static int ins_cal(struct imp *m, tk_error *err)
{
    const struct val *x = m->val;
    const int hol = m->k == K_HOL;
    const size_t cname = hol ? HO_NAME : CA_NAME;
    sqlite3_stmt *st = m->st[0];
    int rc;
    if (hol) {
        rc = unique(m, CA_DATE, &x[CA_DATE].v, x[CA_DATE].iso, 10, "date", err);
    } else {
        /* One row per day and 所属 ('' for every 所属). */
        char key[10 + 1 + KEY_MAX];
        const tk_view *d = &x[CA_DEPT].v;
        const size_t dl = d->p == NULL ? 0 : d->len < KEY_MAX ? d->len : KEY_MAX;
        memcpy(key, x[CA_DATE].iso, 10);
        key[10] = '|';
        if (dl > 0)
            memcpy(key + 11, d->p, dl);
        rc = unique(m, CA_DATE, &x[CA_DATE].v, key, 11 + dl, d->p ? "date for this 所属" : "date",
                    err);
        if (rc == TK_OK && (x[CA_FROM].v.p == NULL) != (x[CA_TO].v.p == NULL))
            rc = row_err(m, x[CA_FROM].v.p ? CA_FROM : CA_TO,
                         x[CA_FROM].v.p ? &x[CA_FROM].v : &x[CA_TO].v,
                         "needs %s as well (a day's hours have a start and an end)",
                         m->b[x[CA_FROM].v.p ? CA_TO : CA_FROM].label);
        if (rc == TK_OK && x[CA_FROM].v.p && x[CA_TO].minutes <= x[CA_FROM].minutes)
            rc = row_err(m, CA_TO, &x[CA_TO].v, "is not after %s", m->b[CA_FROM].label);
        if (rc == TK_OK && x[CA_FROM].v.p && x[CA_TO].minutes > 1440)
            rc = row_err(m, CA_TO, &x[CA_TO].v, "is past 24:00 (a day's hours end by midnight)");
    }
    if (rc == TK_OK)
        rc = bind_head(m, st, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 3, x[CA_DATE].iso, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 4, hol ? "holiday" : x[CA_KIND].code, err);
    if (rc == TK_OK)
        rc = bind_view(m, st, 5, &x[cname].v, err);
    if (!hol) {
        if (rc == TK_OK)
            rc = x[CA_DEPT].v.p ? bind_view(m, st, 6, &x[CA_DEPT].v, err)
                                : bind_str(m, st, 6, "", err);
        if (rc == TK_OK && x[CA_FROM].v.p) {
            rc = bind_i64(m, st, 7, x[CA_FROM].minutes, err);
            if (rc == TK_OK)
                rc = bind_i64(m, st, 8, x[CA_TO].minutes, err);
        } else if (rc == TK_OK && (sqlite3_bind_null(st, 7) != SQLITE_OK ||
                                   sqlite3_bind_null(st, 8) != SQLITE_OK)) {
            rc = tk_db_error(m->db, err, "binding master data");
        }
    }
    if (rc == TK_OK)
        rc = run(m, st, err);
    return rc;
}

/* ---- import: the driver ------------------------------------------------ */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int blank_record(const tk_csv_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tk_view v = {f[i].p, f[i].len};
        tk_transform_trim(&v);
        if (v.len > 0)
            return 0;
    }
    return 1;
}

/* tk_mask_known_fn over the names a header of the kind may use: each
 * column's canonical and alternative header, its English key, and the
 * mapping's column names. */
static int header_names(const void *ctx, const char *cell)
{
    const struct imp *m = ctx;
    const struct kind *k = &kinds[m->k];
    for (size_t c = 0; c < k->ncols; c++) {
        const struct col *col = &k->cols[c];
        if (strcmp(cell, col->ja) == 0 || strcmp(cell, col->key) == 0 ||
            (col->alt != NULL && strcmp(cell, col->alt) == 0) ||
            (m->b[c].cname != NULL && strcmp(cell, m->b[c].cname) == 0))
            return 1;
    }
    return 0;
}

/* "the header has: a, b, c" (whole names, then "(and N more)") for a
 * message about a header that does not fit. The line may be the first
 * data row of a file without a header, holding resident numbers, kana
 * names and addresses: cells that may be data are masked (src/mask.h), and
 * a line that does not read as a header is said to be one. */
static int header_list(const struct imp *m, char *out, size_t cap, tk_error *err)
{
    char list[1024];
    int names = 1;
    if (m->nhdr == 0) {
        snprintf(out, cap, "the header has: (no columns)");
        return TK_OK;
    }
    const int rc = tk_mask_header_join(list, sizeof list, (const char *const *)m->hdr, m->nhdr,
                                       header_names, m, &names, err);
    if (rc != TK_OK)
        return rc;
    if (names)
        snprintf(out, cap, "the header has: %s", list);
    else
        snprintf(out, cap,
                 "the first line names none of the columns of %s and may be a data row (a file "
                 "without a header needs a mapping with \"header\": false); it has, masked: %s",
                 kinds[m->k].name, list);
    return TK_OK;
}

/* Reads the header record (after skip_rows) and keeps its decoded cells. */
static int read_header(struct imp *m, tk_csv *csv, tk_error *err)
{
    const tk_csv_field *f = NULL;
    size_t n = 0;
    tk_enc_buf scratch;
    int rc = TK_OK;

    tk_enc_buf_init(&scratch);
    for (size_t skipped = 0;;) {
        tk_error e2;
        rc = tk_csv_next(csv, &f, &n, &e2);
        if (rc == 0) {
            rc = tk_error_set(err, TK_EREJECTED, "%s: the file has no %s", m->file,
                              m->header ? "header" : "rows");
            goto done;
        }
        if (rc < 0) {
            rc = tk_error_set(err, rc == TK_EIO ? TK_EIO : TK_EREJECTED, "%s: %s", m->file, e2.msg);
            goto done;
        }
        if (tk_csv_had_bom(csv) && m->enc == TK_ENC_ASCII)
            m->enc = TK_ENC_UTF8;
        if (skipped < m->skip_rows) {
            skipped++;
            continue;
        }
        if (!blank_record(f, n))
            break;
    }
    rc = TK_OK;
    if (!m->header)
        goto done; /* the first record is data: the caller re-reads nothing, see below */
    m->hdr = tk_calloc(n, sizeof *m->hdr);
    if (m->hdr == NULL) {
        rc = oom(err);
        goto done;
    }
    m->nhdr = n;
    for (size_t i = 0; i < n; i++) {
        tk_view v;
        tk_error bad;
        rc = decode(m, &scratch, f[i].p, f[i].len, &v, &bad);
        if (rc == TK_ENOMEM) {
            rc = tk_error_set(err, rc, "%s", bad.msg);
            goto done;
        }
        if (rc != TK_OK) {
            rc = tk_error_set(err, TK_EREJECTED, "%s: header, column %zu: %s", m->file, i + 1,
                              bad.msg);
            goto done;
        }
        tk_transform_trim(&v);
        m->hdr[i] = tk_strndup(v.p ? v.p : "", v.len);
        if (m->hdr[i] == NULL) {
            rc = oom(err);
            goto done;
        }
    }
done:
    tk_enc_buf_dispose(&scratch);
    if (rc == TK_OK) {
        m->cells = f;
        m->ncells = n;
        m->record = (size_t)tk_csv_record(csv);
        m->line = (size_t)tk_csv_line(csv);
    }
    return rc;
}

static size_t find_header(const struct imp *m, const char *name)
{
    for (size_t i = 0; name != NULL && i < m->nhdr; i++) {
        if (strcmp(m->hdr[i], name) == 0)
            return i;
    }
    return SIZE_MAX;
}

static int set_label(struct binding *b, const char *name, const char *suffix)
{
    const size_t n = strlen(name), k = strlen(suffix);
    b->label = tk_alloc(n + k + 1);
    if (b->label == NULL)
        return 0;
    memcpy(b->label, name, n);
    memcpy(b->label + n, suffix, k + 1);
    return 1;
}

/* Decides where every column of the kind comes from in this file. */
static int bind_columns(struct imp *m, tk_error *err)
{
    const struct kind *k = &kinds[m->k];
    char missing[512] = "", hdr[1400];
    /* A header cell names its column in messages only when it may be
     * quoted in clear: a mapping that binds by number reads any first
     * line, data included, as the header. */
    const int names =
        tk_mask_header_recognised((const char *const *)m->hdr, m->nhdr, header_names, m);
    int rc;

    for (size_t c = 0; c < k->ncols; c++) {
        const struct col *col = &k->cols[c];
        struct binding *b = &m->b[c];
        int ok = 1;

        if (b->src == SRC_COLUMN && b->cname != NULL) {
            b->index = find_header(m, b->cname);
            if (b->index == SIZE_MAX) {
                rc = header_list(m, hdr, sizeof hdr, err);
                if (rc != TK_OK)
                    return rc;
                return tk_error_set(err, TK_EREJECTED,
                                    "%s: column %s (%s in the mapping) is not in the header; %s",
                                    m->file, b->cname, col->key, hdr);
            }
        } else if (b->src == SRC_COLUMN) {
            b->index = b->cindex - 1;
            if (m->header && b->index >= m->nhdr)
                return tk_error_set(err, TK_EREJECTED,
                                    "%s: column %zu (%s in the mapping) is beyond the header's "
                                    "%zu columns",
                                    m->file, b->cindex, col->key, m->nhdr);
        } else if (b->src == SRC_NONE && m->header) {
            size_t i = find_header(m, col->ja);
            if (i == SIZE_MAX)
                i = find_header(m, col->alt);
            if (i == SIZE_MAX)
                i = find_header(m, col->key);
            if (i != SIZE_MAX) {
                b->src = SRC_COLUMN;
                b->index = i;
            }
        }
        if (b->src == SRC_COLUMN && m->header &&
            tk_mask_header_clear(m->hdr[b->index], names, header_names, m)) {
            ok = set_label(b, m->hdr[b->index], "");
        } else if (b->src == SRC_COLUMN) {
            char num[24];
            snprintf(num, sizeof num, "%zu", b->index + 1);
            ok = set_label(b, num, "");
        } else {
            ok = set_label(b, col->ja, b->src == SRC_VALUE ? " (fixed value)" : "");
        }
        if (!ok)
            return oom(err);
        if ((col->flags & F_REQ) && b->src == SRC_NONE) {
            const size_t n = strlen(missing);
            snprintf(missing + n, sizeof missing - n, "%s%s", n ? ", " : "", col->ja);
        }
    }
    if (missing[0] != '\0' && !m->header)
        return tk_error_set(err, TK_EREJECTED,
                            "%s: required column %s of %s is not mapped (the mapping says the "
                            "file has no header)",
                            m->file, missing, k->name);
    if (missing[0] != '\0') {
        rc = header_list(m, hdr, sizeof hdr, err);
        if (rc != TK_OK)
            return rc;
        return tk_error_set(err, TK_EREJECTED, "%s: required column %s missing for %s; %s", m->file,
                            missing, k->name, hdr);
    }
    return TK_OK;
}

static int check_duplicate(struct imp *m, const char *eff, const char *sha, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    const char *kind = kinds[m->k].name;
    int rc = tk_db_prepare(m->db, &st,
                           "SELECT id, imported_at FROM master_versions"
                           " WHERE kind = ? AND effective_from = ? AND sha256 = ? AND id <> ?",
                           err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 1, kind, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 2, eff, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 3, sha, err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 4, m->version_id, err);
    if (rc == TK_OK)
        rc = tk_db_step(m->db, st, err);
    if (rc == 1)
        rc = tk_error_set(
            err, TK_EEXISTS, "%s is already imported: %s version %lld effective %s (imported %s)",
            m->file, kind, (long long)sqlite3_column_int64(st, 0), eff, col_text(st, 1));
    sqlite3_finalize(st);
    return rc;
}

/* Inserts the version row. Its sha256 is set by finish_version(), once the
 * whole body has been read: until then it holds the version's own id-free
 * placeholder '', which no committed version keeps. */
static int insert_version(struct imp *m, const char *eff, int64_t eff_day, const char *now,
                          const char *by, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    const char *mapping = NULL;
    int rc;

    if (m->mapping != NULL)
        mapping = m->mapping_name ? m->mapping_name : base_name(m->mapping_path);
    rc = tk_db_prepare(m->db, &st,
                       "INSERT INTO master_versions(kind, effective_from, effective_day,"
                       " imported_at, file_name, sha256, encoding, mapping, mapping_sha256, rows,"
                       " imported_by) VALUES(?,?,?,?,?,'','',?,?,0,?)",
                       err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 1, kinds[m->k].name, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 2, eff, err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 3, eff_day, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 4, now, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 5, m->file, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 6, mapping, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 7, m->mapping ? m->mapping_sha : NULL, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 8, by, err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    sqlite3_finalize(st);
    m->version_id = sqlite3_last_insert_rowid(tk_db_handle(m->db));
    return rc;
}

static int finish_version(struct imp *m, const char *enc, const char *sha, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(
        m->db, &st, "UPDATE master_versions SET rows = ?, encoding = ?, sha256 = ? WHERE id = ?",
        err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 1, (int64_t)m->rows, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 2, enc, err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 3, sha, err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 4, m->version_id, err);
    if (rc == TK_OK)
        rc = run(m, st, err);
    sqlite3_finalize(st);
    return rc;
}

/* The days a stored row of a dated kind is about: one day of an overtime
 * order or a calendar entry, a training period or a 兼務 (an open end runs
 * on). Other kinds -- registers such as staff and media, and the national
 * holidays, whose file always lists every year since 1955 -- are not
 * dated this way. Returns 0 for those. */
static int row_days(const struct imp *m, int64_t *first, int64_t *last)
{
    const struct val *x = m->val;
    switch (m->k) {
    case K_OVERTIME:
        *first = *last = x[OT_DATE].day;
        return 1;
    case K_CAL:
        *first = *last = x[CA_DATE].day;
        return 1;
    case K_TRAIN:
        *first = x[TR_FROM].day;
        *last = x[TR_TO].v.p != NULL ? x[TR_TO].day : INT64_MAX;
        return 1;
    case K_ASSIGN:
        *first = x[AS_FROM].day;
        *last = x[AS_TO].day;
        return 1;
    default:
        return 0;
    }
}

/* Words for a dated import that covers none of some of its rows' days.
 * Days before a version's effective date are governed by an earlier
 * version of the kind if there is one (only the earliest version also
 * governs the days before it, src/master.h), so rows dated wholly before
 * the effective date then count for nothing: an overtime list for June
 * imported in July under the default date (today) is the usual case. */
static int dated_warning(struct imp *m, const char *eff, char *out, size_t cap, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (m->rows_before == 0)
        return TK_OK;
    int rc = tk_db_prepare(m->db, &st,
                           "SELECT effective_from FROM master_versions WHERE kind = ?1"
                           " AND effective_day < ?2 AND id <> ?3"
                           " ORDER BY effective_day DESC, id DESC LIMIT 1",
                           err);
    if (rc == TK_OK)
        rc = bind_str(m, st, 1, kinds[m->k].name, err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 2, m->eff_day, err);
    if (rc == TK_OK)
        rc = bind_i64(m, st, 3, m->version_id, err);
    if (rc == TK_OK)
        rc = tk_db_step(m->db, st, err);
    if (rc == 1) {
        char first[11];
        day_iso(m->earliest, first);
        snprintf(out, cap,
                 "%zu of %zu rows are dated before the effective date %s (the earliest %s): "
                 "those days use the %s version effective %s, so these rows count for none "
                 "of them; import with --effective %s to cover them",
                 m->rows_before, m->rows, eff, first, kinds[m->k].name, col_text(st, 0), first);
    }
    sqlite3_finalize(st);
    return rc < 0 ? rc : TK_OK;
}

/* One data record: the pipeline for every column, then the kind's insert. */
static int process_row(struct imp *m, tk_error *err)
{
    const struct kind *k = &kinds[m->k];
    int rc = TK_OK;

    if (m->header && m->ncells > m->nhdr) {
        for (size_t i = m->nhdr; i < m->ncells; i++) {
            if (m->cells[i].len > 0) {
                rc = row_err(m, SIZE_MAX, NULL, "%zu fields, but the header has %zu", m->ncells,
                             m->nhdr);
                break;
            }
        }
    }
    for (size_t c = 0; c < k->ncols && rc == TK_OK; c++)
        rc = get_value(m, c, err);
    if (rc == TK_OK)
        rc = k->insert(m, err);
    if (rc == TK_EREJECTED) {
        m->bad++;
        return TK_OK;
    }
    if (rc == TK_OK) {
        int64_t first, last;
        m->rows++;
        if (row_days(m, &first, &last)) {
            if (first < m->earliest)
                m->earliest = first;
            if (last < m->eff_day)
                m->rows_before++;
        }
    }
    return rc;
}

static void imp_dispose(struct imp *m)
{
    for (size_t c = 0; c < MAX_COLS; c++) {
        struct binding *b = &m->b[c];
        tk_transforms_destroy(b->tf);
        tk_free(b->label);
        tk_timefmt_destroy(b->fmt);
        tk_enc_buf_dispose(&b->dec);
        tk_transform_scratch_dispose(&b->tscr);
    }
    for (size_t i = 0; i < m->nhdr; i++)
        tk_free(m->hdr[i]);
    tk_free(m->hdr);
    for (size_t i = 0; i < 4; i++)
        sqlite3_finalize(m->st[i]);
    tk_timefmt_destroy(m->date_slash);
    tk_timefmt_destroy(m->date_dash);
    tk_strmap_destroy(m->uniq);
    tk_free(m->kana.p);
    json_decref(m->mapping);
}

/* The body as the CSV reader reads it: each chunk is hashed as it passes,
 * and a failed read keeps the source's error for the import's answer. */
struct hashing_src {
    tk_master_read_fn read;
    void *ctx;
    tk_crypto_sha256 sha;
    int failed;
    tk_error err;
};

static long read_hashed(void *ctx, char *buf, size_t cap)
{
    struct hashing_src *h = ctx;
    const long n = h->read(h->ctx, buf, cap, &h->err);
    if (n < 0) {
        h->failed = 1;
        return -1;
    }
    if (n > 0 && tk_crypto_sha256_update(&h->sha, buf, (size_t)n, &h->err) != TK_OK) {
        h->failed = 1;
        return -1;
    }
    return n;
}

/* The import of every entry point. The mapping is mapping_text[0..len)
 * named mapping_name when mapping_text is not NULL, else the file
 * mapping_name, or none when both are NULL. */
static int import_stream(tk_tenant *t, const tk_actor *actor, const char *kind,
                         const char *file_name, tk_master_read_fn read, void *rctx,
                         const char *mapping_name, const char *mapping_text, size_t mapping_len,
                         const char *effective, tk_master_import_result *res, tk_error *err)
{
    struct imp m;
    struct hashing_src src;
    tk_csv *csv = NULL;
    uint8_t digest[TK_CRYPTO_SHA256_SIZE];
    char sha[TK_CRYPTO_SHA256_HEX_SIZE], eff[11], now[TK_TIME_ISO_SIZE];
    char by_buf[TK_ACTOR_NAME_SIZE];
    tk_actor local;
    const char *enc_name;
    int64_t eff_day;
    int in_tx = 0, hashing = 0;
    int rc;

    if (actor == NULL) {
        tk_actor_local(&local, by_buf, sizeof by_buf);
        actor = &local;
    }
    memset(&m, 0, sizeof m);
    memset(&src, 0, sizeof src);
    for (size_t c = 0; c < MAX_COLS; c++)
        tk_enc_buf_init(&m.b[c].dec);
    m.t = t;
    m.db = tk_tenant_db(t);
    m.header = 1;
    m.enc = TK_ENC_ASCII;
    m.file = base_name(file_name);
    m.k = kind_index(kind);
    if (m.k < 0)
        return unknown_kind(err, kind);
    const int64_t now_at = tk_actor_now(actor);
    if (effective == NULL) {
        eff_day = tk_jst_day(now_at);
    } else {
        rc = tk_master_parse_day(effective, strlen(effective), &eff_day, err);
        if (rc != TK_OK)
            return rc;
    }
    day_iso(eff_day, eff);
    m.eff_day = eff_day;
    m.earliest = INT64_MAX;
    if (tk_time_format_iso(now_at, now, sizeof now) == 0)
        now[0] = '\0';

    tk_error e2;
    rc = tk_timefmt_compile(&m.date_slash, "YYYY/M/D", err);
    if (rc == TK_OK)
        rc = tk_timefmt_compile(&m.date_dash, "YYYY-M-D", err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&m.uniq, err);
    if (rc == TK_OK && (mapping_name != NULL || mapping_text != NULL))
        rc = load_mapping(&m, mapping_name, mapping_text, mapping_len, err);
    if (rc == TK_OK)
        rc = tk_crypto_sha256_init(&src.sha, err);
    if (rc != TK_OK)
        goto done;
    hashing = 1;
    src.read = read;
    src.ctx = rctx;
    tk_csv_options opt = TK_CSV_OPTIONS_INIT;
    opt.buffer_size = 65536;
    opt.strict_field_count = 0;
    rc = tk_csv_create(&csv, read_hashed, &src, &opt, err);
    if (rc != TK_OK)
        goto done;
    rc = read_header(&m, csv, err);
    if (rc != TK_OK)
        goto done;
    if (m.k == K_CAL && m.mapping == NULL && find_header(&m, SYUKU_DATE) != SIZE_MAX)
        m.k = K_HOL;
    rc = bind_columns(&m, err);
    if (rc != TK_OK)
        goto done;
    /* BEGIN IMMEDIATE holds the write lock, so the duplicate check and the
     * insert cannot interleave with another import of the same file. */
    rc = tk_db_begin(m.db, err);
    if (rc != TK_OK)
        goto done;
    in_tx = 1;
    rc = insert_version(&m, eff, eff_day, now, actor->name, err);
    for (size_t i = 0; i < 4 && rc == TK_OK && kinds[m.k].sql[i] != NULL; i++)
        rc = tk_db_prepare(m.db, &m.st[i], kinds[m.k].sql[i], err);
    if (rc != TK_OK)
        goto done;
    /* Without a header the record read_header() stopped at is data. */
    int pending = !m.header;
    for (;;) {
        if (pending) {
            pending = 0;
        } else {
            const tk_csv_field *fields;
            size_t n;
            const int r = tk_csv_next(csv, &fields, &n, &e2);
            if (r == 0)
                break;
            m.record = (size_t)tk_csv_record(csv);
            m.line = (size_t)tk_csv_line(csv);
            if (r == TK_EIO) {
                rc = tk_error_set(err, TK_EIO, "%s: %s", m.file, e2.msg);
                goto done;
            }
            if (r < 0) {
                if (m.bad++ == 0)
                    tk_error_set(&m.first, TK_EREJECTED, "%s: %s", m.file, e2.msg);
                continue;
            }
            m.cells = fields;
            m.ncells = n;
        }
        if (blank_record(m.cells, m.ncells))
            continue;
        rc = process_row(&m, err);
        if (rc != TK_OK)
            goto done;
    }
    tk_crypto_sha256_final(&src.sha, digest);
    tk_crypto_sha256_dispose(&src.sha);
    hashing = 0;
    tk_crypto_hex(digest, sizeof digest, sha);
    rc = check_duplicate(&m, eff, sha, err);
    if (rc != TK_OK)
        goto done;
    if (m.bad > 0) {
        if (m.bad == 1)
            rc = tk_error_set(err, TK_EREJECTED, "%s", m.first.msg);
        else
            rc = tk_error_set(err, TK_EREJECTED, "%s (and %zu more bad row%s)", m.first.msg,
                              m.bad - 1, m.bad > 2 ? "s" : "");
        goto done;
    }
    enc_name = tk_csv_had_bom(csv) ? "utf-8-bom" : tk_enc_name(m.enc);
    char warning[sizeof res->warning];
    rc = dated_warning(&m, eff, warning, sizeof warning, err);
    if (rc == TK_OK)
        rc = finish_version(&m, enc_name, sha, err);
    if (rc == TK_OK)
        rc = tk_db_commit(m.db, err);
    if (rc != TK_OK)
        goto done;
    in_tx = 0;
    if (res != NULL) {
        memset(res, 0, sizeof *res);
        res->version_id = m.version_id;
        snprintf(res->kind, sizeof res->kind, "%s", kinds[m.k].name);
        memcpy(res->effective_from, eff, sizeof eff);
        snprintf(res->imported_at, sizeof res->imported_at, "%s", now);
        memcpy(res->sha256, sha, sizeof sha);
        snprintf(res->encoding, sizeof res->encoding, "%s", enc_name);
        res->rows = m.rows;
        res->rows_before = m.rows_before;
        memcpy(res->warning, warning, sizeof warning);
    }
done:
    /* A failed read of the body is the source's error (TK_ERANGE past a
     * size limit, TK_EIO), whatever the CSV reader made of it. */
    if (rc != TK_OK && src.failed)
        rc = tk_error_set(err, src.err.code ? (int)src.err.code : TK_EIO, "%s", src.err.msg);
    if (in_tx)
        tk_db_rollback(m.db);
    if (hashing)
        tk_crypto_sha256_dispose(&src.sha);
    tk_csv_destroy(csv);
    imp_dispose(&m);
    return rc;
}

static long read_stdio(void *ctx, char *buf, size_t cap, tk_error *err)
{
    FILE *f = ctx;
    const size_t n = fread(buf, 1, cap, f);
    if (n == 0 && ferror(f)) {
        tk_error_set(err, TK_EIO, "read error: %s", strerror(errno));
        return -1;
    }
    return (long)n;
}

int tk_master_import_file(tk_tenant *t, const tk_actor *actor, const char *kind, const char *path,
                          const char *mapping_json_path, const char *effective,
                          tk_master_import_result *res, tk_error *err)
{
    /* A mapping named without its text is read from the file of that name. */
    return tk_master_import_file_mapped(t, actor, kind, path, mapping_json_path, NULL, 0, effective,
                                        res, err);
}

int tk_master_import_file_mapped(tk_tenant *t, const tk_actor *actor, const char *kind,
                                 const char *path, const char *mapping_name,
                                 const char *mapping_json, size_t mapping_len,
                                 const char *effective, tk_master_import_result *res, tk_error *err)
{
    if (kind_index(kind) < 0)
        return unknown_kind(err, kind);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tk_error_set(err, TK_EIO, "cannot open %s: %s", path, strerror(errno));
    const int rc = import_stream(t, actor, kind, path, read_stdio, f, mapping_name, mapping_json,
                                 mapping_len, effective, res, err);
    fclose(f);
    return rc;
}

/* The text is loaded exactly as an import loads it (load_mapping), for
 * the kind its own "kind" key names, so that a stored mapping holds no
 * error an import would find before reading the file; only the file's
 * header can still refuse it. */
int tk_master_mapping_check(const char *json, size_t len, const char *origin,
                            char kind[TK_MASTER_KIND_SIZE], char *key, size_t key_cap,
                            tk_error *err)
{
    struct imp m;
    json_error_t je;
    int rc;

    kind[0] = '\0';
    if (key_cap > 0)
        key[0] = '\0';
    memset(&m, 0, sizeof m);
    for (size_t c = 0; c < MAX_COLS; c++)
        tk_enc_buf_init(&m.b[c].dec);
    m.header = 1;
    m.enc = TK_ENC_ASCII;
    m.mapping_path = origin;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    json_t *k = json_is_object(doc) ? json_object_get(doc, "kind") : NULL;
    json_t *name = json_is_object(doc) ? json_object_get(doc, "profile") : NULL;
    if (doc != NULL && json_is_object(doc) && !json_is_string(k)) {
        const char *const *names = tk_master_kinds();
        size_t n = 0;
        char list[256];
        while (names[n] != NULL)
            n++;
        tk_error_join(list, sizeof list, names, n);
        rc = map_err(&m, err, "kind",
                     "a stored mapping names the kind of master data it maps: \"kind\" is one of "
                     "%s",
                     list);
    } else if (doc != NULL && json_is_object(doc) && kind_index(json_string_value(k)) < 0) {
        rc = map_err(&m, err, "kind", "kind \"%s\" is not a kind of master data",
                     json_string_value(k));
    } else if (doc != NULL && json_is_object(doc) &&
               (!json_is_string(name) || json_string_length(name) == 0)) {
        rc = map_err(&m, err, "profile", "a stored mapping is kept by its \"profile\" name");
    } else {
        /* Not JSON, or not an object: load_mapping says so as an import
         * would; any kind serves. */
        m.k = doc != NULL && json_is_object(doc) ? kind_index(json_string_value(k)) : 0;
        rc = load_mapping(&m, origin, json, len, err);
        if (rc == TK_OK)
            snprintf(kind, TK_MASTER_KIND_SIZE, "%s", kinds[m.k].name);
    }
    if (rc != TK_OK && key_cap > 0)
        snprintf(key, key_cap, "%s", m.bad_key);
    json_decref(doc);
    imp_dispose(&m);
    return rc;
}

int tk_master_import(tk_tenant *t, const char *kind, const char *path,
                     const char *mapping_json_path, const char *effective,
                     tk_master_import_result *res, tk_error *err)
{
    return tk_master_import_file(t, NULL, kind, path, mapping_json_path, effective, res, err);
}

int tk_master_import_stream(tk_tenant *t, const tk_actor *actor, const char *kind,
                            const char *file_name, tk_master_read_fn read, void *ctx,
                            const char *mapping_name, const char *mapping_json, size_t mapping_len,
                            const char *effective, tk_master_import_result *res, tk_error *err)
{
    return import_stream(t, actor, kind, file_name, read, ctx, mapping_name, mapping_json,
                         mapping_len, effective, res, err);
}
