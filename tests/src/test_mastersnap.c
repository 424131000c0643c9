/* tests/src/test_mastersnap.c -- the in-memory master data of an analysis
 * period: versions per day, staff status and 所属, terminals,
 * authorisations, 兼務, overtime, media, watch list, residents and training
 * accounts, on the
 * fixtures in tests/data/mastersnap/ imported into a fresh tenant. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/alloc.h"
#include "src/master.h"
#include "src/mastersnap.h"
#include "src/tenant.h"
#include "src/timefmt.h"
#include "tests/test.h"

static int tenant_seq;

static tk_tenant *new_tenant(void)
{
    char tmpl[512], data_dir[600], name[32];
    tk_tenant *t = NULL;
    tk_error err;

    mkdir(tk_test_tmpdir(), 0755);
    snprintf(tmpl, sizeof tmpl, "%s/mastersnap-XXXXXX", tk_test_tmpdir());
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

/* Imports tests/data/mastersnap/file as kind, effective eff; returns the
 * version id (exits on failure: fixtures are known good). */
static int64_t import(tk_tenant *t, const char *kind, const char *file, const char *eff)
{
    char path[600];
    tk_master_import_result r;
    tk_error err;

    snprintf(path, sizeof path, "%s/mastersnap/%s", tk_test_datadir(), file);
    if (tk_master_import(t, kind, path, NULL, eff, &r, &err) != TK_OK) {
        fprintf(stderr, "import %s: %s\n", file, err.msg);
        exit(2);
    }
    return r.version_id;
}

static int64_t D(int y, int m, int d)
{
    return tk_days_from_civil(y, m, d);
}

struct ps {
    uint8_t b[TK_MASTERSNAP_PS_SIZE];
};

static struct ps pseudo(tk_tenant *t, const char *s)
{
    struct ps p;
    tk_error err;
    if (tk_tenant_pseudonym(t, s, strlen(s), p.b, &err) != TK_OK) {
        fprintf(stderr, "pseudonym: %s\n", err.msg);
        exit(2);
    }
    return p;
}

static int same_ps(const uint8_t *a, const struct ps *b)
{
    return a != NULL && memcmp(a, b->b, sizeof b->b) == 0;
}

#define S(x) (x), strlen(x)

/* Version ids of the standard tenant. */
static struct {
    int64_t staff0, staff1, staff2, term1, term2, auth1, auth2, watch_old, watch, train1, train2;
} v;

/* A tenant with every fixture: staff 2023-04-01 / 2024-04-01 / 2024-10-01,
 * terminals and authorisations 2024-04-01 / 2024-10-01, the rest
 * 2024-04-01 (the watch list twice on that date: the later import wins). */
static tk_tenant *full_tenant(void)
{
    tk_tenant *t = new_tenant();
    v.staff0 = import(t, "staff", "staff_v0.csv", "2023-04-01");
    v.staff2 = import(t, "staff", "staff_v2.csv", "2024-10-01");
    v.staff1 = import(t, "staff", "staff_v1.csv", "2024-04-01");
    v.term1 = import(t, "terminals", "terminals_v1.csv", "2024-04-01");
    v.term2 = import(t, "terminals", "terminals_v2.csv", "2024-10-01");
    v.auth1 = import(t, "authorizations", "authorizations_v1.csv", "2024-04-01");
    v.auth2 = import(t, "authorizations", "authorizations_v2.csv", "2024-10-01");
    (void)import(t, "assignments", "assignments.csv", "2024-04-01");
    (void)import(t, "overtime", "overtime.csv", "2024-04-01");
    (void)import(t, "media", "media.csv", "2024-04-01");
    v.watch_old = import(t, "watchlist", "watchlist_old.csv", "2024-04-01");
    v.watch = import(t, "watchlist", "watchlist.csv", "2024-04-01");
    (void)import(t, "residents", "residents.csv", "2024-04-01");
    v.train1 = import(t, "training", "training_v1.csv", "2024-04-01");
    v.train2 = import(t, "training", "training_v2.csv", "2024-10-01");
    return t;
}

static tk_tenant *shared;

/* The fiscal year 2024 (令和6年度). */
static tk_mastersnap *load_fy2024(void)
{
    tk_mastersnap *s = NULL;
    tk_error err;
    if (tk_mastersnap_load(&s, shared, D(2024, 4, 1), D(2025, 3, 31), &err) != TK_OK) {
        fprintf(stderr, "load: %s\n", err.msg);
        exit(2);
    }
    return s;
}

static void test_versions_per_day(void)
{
    tk_mastersnap *s = load_fy2024();

    TK_CHECK_INT(tk_mastersnap_first_day(s), D(2024, 4, 1));
    TK_CHECK_INT(tk_mastersnap_last_day(s), D(2025, 3, 31));
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2024, 4, 1)), v.staff1);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2024, 9, 30)), v.staff1);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2024, 10, 1)), v.staff2);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2025, 3, 31)), v.staff2);
    /* Outside the period: the nearest day's version. */
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2023, 6, 1)), v.staff1);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2030, 1, 1)), v.staff2);
    TK_CHECK_INT(tk_mastersnap_version(s, "terminals", D(2024, 10, 1)), v.term2);
    TK_CHECK_INT(tk_mastersnap_version(s, "authorizations", D(2024, 9, 30)), v.auth1);
    /* Two imports effective the same day: the later one. */
    TK_CHECK_INT(tk_mastersnap_version(s, "watchlist", D(2024, 6, 1)), v.watch);
    TK_CHECK_INT(tk_mastersnap_version(s, "calendar", D(2024, 6, 1)), 0);
    TK_CHECK_INT(tk_mastersnap_version(s, "nonsense", D(2024, 6, 1)), 0);
    TK_CHECK_INT(tk_mastersnap_version(s, NULL, D(2024, 6, 1)), 0);
    tk_mastersnap_destroy(s);
}

static void test_staff_transfer_and_retirement(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_staff st;

    /* S002: 税務課 since 2023-04-01 (v1); v2 moves them to 市民課 on 10-15. */
    TK_REQUIRE(tk_mastersnap_find_staff(s, S("S002"), D(2024, 9, 30), &st));
    TK_CHECK_STR(st.dept, "税務課");
    TK_CHECK_STR(st.section, "市民税係");
    TK_CHECK_INT(st.version_id, v.staff1);
    TK_CHECK_INT(st.transferred_on, D(2023, 4, 1));
    TK_CHECK(tk_mastersnap_find_staff(s, S("S002"), D(2024, 10, 14), &st));
    TK_CHECK_STR(st.dept, "税務課"); /* v2, before its 異動日: 前所属 */
    TK_CHECK_STR(st.record_dept, "市民課");
    TK_CHECK_STR(st.prev_dept, "税務課");
    TK_CHECK_INT(st.version_id, v.staff2);
    TK_CHECK_INT(st.dept_id, tk_mastersnap_find_dept(s, S("税務課")));
    TK_CHECK(tk_mastersnap_find_staff(s, S("S002"), D(2024, 10, 15), &st));
    TK_CHECK_STR(st.dept, "市民課");
    TK_CHECK_INT(st.dept_id, tk_mastersnap_find_dept(s, S("市民課")));
    TK_CHECK_INT(st.transferred_on, D(2024, 10, 15));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_ACTIVE);
    TK_CHECK_INT(st.listed, 1);

    /* S004 retires on 2024-09-30: still active that day. */
    TK_CHECK(tk_mastersnap_find_staff(s, S("S004"), D(2024, 9, 30), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_ACTIVE);
    TK_CHECK_INT(st.retired_on, D(2024, 9, 30));
    TK_CHECK(tk_mastersnap_find_staff(s, S("S004"), D(2024, 10, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_RETIRED);
    TK_CHECK_INT(st.listed, 1);

    /* S099 left before the period: only the 2023 version lists them. */
    TK_CHECK(tk_mastersnap_find_staff(s, S("S099"), D(2024, 6, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_RETIRED);
    TK_CHECK_INT(st.listed, 0);
    TK_CHECK_INT(st.version_id, v.staff0);
    TK_CHECK_STR(st.dept, "市民課");
    TK_CHECK_INT(st.naccounts, 1);
    TK_CHECK_STR(st.accounts[0], "c099");

    /* S006: in v1, dropped from v2 without a 退職日. */
    TK_CHECK(tk_mastersnap_find_staff(s, S("S006"), D(2024, 9, 30), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_ACTIVE);
    TK_CHECK(tk_mastersnap_find_staff(s, S("S006"), D(2024, 11, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_UNLISTED);
    TK_CHECK_INT(st.listed, 0);
    TK_CHECK_INT(st.version_id, v.staff1);
    TK_CHECK_STR(st.dept, "企画課");
    TK_CHECK(st.name != NULL && strcmp(st.name, "渡辺 六子") == 0);
    TK_CHECK(st.kana == NULL);
    TK_CHECK(st.accounts == NULL && st.naccounts == 0);
    tk_mastersnap_destroy(s);
}

static void test_staff_leave_and_hire(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_staff st;

    /* S003 is 休職 with periods: the periods decide. */
    TK_CHECK(tk_mastersnap_find_staff(s, S("S003"), D(2024, 4, 30), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_ACTIVE);
    TK_CHECK(tk_mastersnap_find_staff(s, S("S003"), D(2024, 5, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_LEAVE);
    TK_CHECK(tk_mastersnap_find_staff(s, S("S003"), D(2024, 6, 30), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_LEAVE);
    TK_CHECK(tk_mastersnap_find_staff(s, S("S003"), D(2024, 7, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_ACTIVE);
    TK_CHECK_INT(st.nleaves, 1);
    TK_CHECK(tk_mastersnap_find_staff(s, S("S003"), D(2024, 11, 15), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_LEAVE); /* v2's second period */
    TK_REQUIRE(st.nleaves == 2);
    TK_CHECK_INT(st.leaves[0], D(2024, 5, 1));
    TK_CHECK_INT(st.leaves[1], D(2024, 6, 30));
    TK_CHECK_INT(st.leaves[2], D(2024, 11, 1));
    TK_CHECK_INT(st.leaves[3], D(2024, 11, 30));
    TK_CHECK(tk_mastersnap_find_staff(s, S("S003"), D(2024, 12, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_ACTIVE);
    /* S008 is 休職 without periods: on leave throughout v2. */
    TK_CHECK(tk_mastersnap_find_staff(s, S("S008"), D(2024, 10, 5), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_LEAVE);

    /* S005 is hired 2024-12-01. */
    TK_CHECK(tk_mastersnap_find_staff(s, S("S005"), D(2024, 11, 30), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_NOT_HIRED);
    TK_CHECK_INT(st.hired_on, D(2024, 12, 1));
    TK_CHECK(tk_mastersnap_find_staff(s, S("S005"), D(2024, 12, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_ACTIVE);
    /* S007 only appears in v2 (hired 2024-10-01): in June the later
     * version answers, not listed and not yet hired. */
    TK_CHECK(tk_mastersnap_find_staff(s, S("S007"), D(2024, 6, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_NOT_HIRED);
    TK_CHECK_INT(st.listed, 0);
    TK_CHECK_INT(st.version_id, v.staff2);
    TK_CHECK(tk_mastersnap_find_staff(s, S("S007"), D(2024, 10, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_ACTIVE);
    TK_CHECK_INT(st.listed, 1);
    tk_mastersnap_destroy(s);
}

static void test_staff_keys_and_subjects(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_staff st;
    const struct ps own = pseudo(shared, "0012345678");
    const struct ps hh1 = pseudo(shared, "0012345679");
    const struct ps hh2 = pseudo(shared, "0012345680");
    const struct ps kana = pseudo(shared, "ヤマダ");

    /* Case and surrounding spaces are ignored, as by the resolver. */
    TK_REQUIRE(tk_mastersnap_find_staff(s, S("  s001　"), D(2024, 6, 1), &st));
    TK_CHECK_STR(st.staff_id, "S001");
    TK_CHECK_STR(st.name, "山田 太郎");
    TK_CHECK_INT(st.naccounts, 2);
    TK_CHECK_STR(st.accounts[0], "c001");
    TK_CHECK_STR(st.accounts[1], "yamada-t");
    TK_CHECK(same_ps(st.own_subject, &own));
    TK_REQUIRE(st.nhousehold == 2);
    TK_CHECK(same_ps(st.household_subjects, &hh1));
    TK_CHECK(same_ps(st.household_subjects + TK_MASTERSNAP_PS_SIZE, &hh2));
    TK_CHECK(same_ps(st.kana, &kana));

    /* Unknown ids are a plain "not found". */
    memset(&st, 0xAB, sizeof st);
    TK_CHECK_INT(tk_mastersnap_find_staff(s, S("S404"), D(2024, 6, 1), &st), 0);
    TK_CHECK(st.staff_id == NULL && st.dept == NULL);
    TK_CHECK_INT(tk_mastersnap_find_staff(s, S(""), D(2024, 6, 1), &st), 0);
    TK_CHECK_INT(tk_mastersnap_find_staff(s, S("c001"), D(2024, 6, 1), &st), 0); /* an account */
    TK_CHECK(tk_mastersnap_find_staff(s, S("S001"), D(2024, 6, 1), NULL));
    TK_CHECK_INT(tk_mastersnap_find_staff(s, S("S404"), D(2024, 6, 1), NULL), 0);

    /* Self and family. */
    const struct ps same_hh = pseudo(shared, "0012345681");
    const struct ps other = pseudo(shared, "0055556666");
    TK_CHECK_INT(tk_mastersnap_staff_relation(s, S("S001"), D(2024, 6, 1), own.b),
                 TK_MASTERSNAP_REL_SELF);
    TK_CHECK_INT(tk_mastersnap_staff_relation(s, S("S001"), D(2024, 6, 1), hh2.b),
                 TK_MASTERSNAP_REL_HOUSEHOLD);
    TK_CHECK_INT(tk_mastersnap_staff_relation(s, S("S001"), D(2024, 6, 1), same_hh.b),
                 TK_MASTERSNAP_REL_SAME_HOUSEHOLD);
    TK_CHECK_INT(tk_mastersnap_staff_relation(s, S("S001"), D(2024, 6, 1), other.b),
                 TK_MASTERSNAP_REL_NONE);
    TK_CHECK_INT(tk_mastersnap_staff_relation(s, S("S002"), D(2024, 6, 1), own.b),
                 TK_MASTERSNAP_REL_NONE);
    TK_CHECK_INT(tk_mastersnap_staff_relation(s, S("S404"), D(2024, 6, 1), own.b),
                 TK_MASTERSNAP_REL_NONE);
    tk_mastersnap_destroy(s);
}

static void test_staff_enumeration_and_depts(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_staff st;
    const size_t n = tk_mastersnap_staff_count(s);
    const size_t shimin = tk_mastersnap_find_dept(s, S("市民課"));
    size_t active = 0, in_shimin = 0, seen = 0;
    char ids[256] = "";

    /* S001-S008 and S099. */
    TK_CHECK_INT(n, 9);
    for (size_t i = 0; i < n; i++) {
        tk_mastersnap_staff_at(s, i, D(2024, 11, 1), &st);
        TK_REQUIRE(st.staff_id != NULL);
        TK_REQUIRE(tk_mastersnap_find_staff(s, S(st.staff_id), D(2024, 11, 1), &st));
        if (strcmp(st.staff_id, "S001") == 0 || strcmp(st.staff_id, "S099") == 0)
            seen++;
        if (st.status != TK_MASTERSNAP_ACTIVE)
            continue;
        active++;
        if (st.dept_id == shimin) {
            in_shimin++;
            strncat(ids, st.staff_id, sizeof ids - strlen(ids) - 1);
        }
    }
    TK_CHECK_INT(seen, 2);
    /* Active on 2024-11-01: S001, S002 (市民課 since 10-15), S007. S003 is
     * on leave, S004 and S099 retired, S005 not hired, S006 unlisted, S008
     * on leave. */
    TK_CHECK_INT(active, 3);
    TK_CHECK_INT(in_shimin, 2);
    TK_CHECK(strlen(ids) == 8 && strstr(ids, "S001") != NULL && strstr(ids, "S002") != NULL);

    TK_CHECK(shimin != TK_MASTERSNAP_NO_DEPT);
    TK_CHECK_STR(tk_mastersnap_dept_name(s, shimin), "市民課");
    TK_CHECK_INT(tk_mastersnap_find_dept(s, S(" 市民課 ")), shimin);
    TK_CHECK_INT(tk_mastersnap_find_dept(s, S("存在しない課")), TK_MASTERSNAP_NO_DEPT);
    TK_CHECK(tk_mastersnap_dept_name(s, TK_MASTERSNAP_NO_DEPT) == NULL);
    /* 市民課 税務課 福祉課 企画課 (staff), 選挙管理委員会 (兼務), 秘書課
     * (watch list), each once. */
    const size_t nd = tk_mastersnap_dept_count(s);
    TK_CHECK_INT(nd, 6);
    for (size_t i = 0; i < nd; i++) {
        const char *name = tk_mastersnap_dept_name(s, i);
        TK_REQUIRE(name != NULL);
        TK_CHECK_INT(tk_mastersnap_find_dept(s, S(name)), i);
    }
    TK_CHECK(tk_mastersnap_find_dept(s, S("選挙管理委員会")) != TK_MASTERSNAP_NO_DEPT);
    TK_CHECK(tk_mastersnap_find_dept(s, S("秘書課")) != TK_MASTERSNAP_NO_DEPT);
    tk_mastersnap_destroy(s);
}

static void test_terminals(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_terminal tm;

    TK_REQUIRE(tk_mastersnap_find_terminal(s, S("shimin-pc01"), D(2024, 6, 1), &tm));
    TK_CHECK_STR(tm.name, "SHIMIN-PC01");
    TK_CHECK_STR(tm.dept, "市民課");
    TK_CHECK_INT(tm.kind, TK_MASTERSNAP_TERMINAL_MYNUMBER);
    TK_CHECK_INT(tm.registered, 1);
    TK_CHECK_INT(tm.registered_on, D(2020, 4, 1));
    TK_CHECK_INT(tm.version_id, v.term1);
    /* Registered on 2024-06-01: not yet the day before. */
    TK_CHECK(tk_mastersnap_find_terminal(s, S("ZEIMU-PC01"), D(2024, 5, 31), &tm));
    TK_CHECK_INT(tm.kind, TK_MASTERSNAP_TERMINAL_GENERAL);
    TK_CHECK_INT(tm.listed, 1);
    TK_CHECK_INT(tm.registered, 0);
    TK_CHECK(tk_mastersnap_find_terminal(s, S("ZEIMU-PC01"), D(2024, 6, 1), &tm));
    TK_CHECK_INT(tm.registered, 1);
    /* KIKAKU-PC01 leaves the master on 2024-10-01. */
    TK_CHECK(tk_mastersnap_find_terminal(s, S("KIKAKU-PC01"), D(2024, 9, 30), &tm));
    TK_CHECK_INT(tm.kind, TK_MASTERSNAP_TERMINAL_UNKNOWN);
    TK_CHECK_INT(tm.registered, 1);
    TK_CHECK_INT(tm.registered_on, TK_MASTERSNAP_NO_DAY);
    TK_CHECK(tk_mastersnap_find_terminal(s, S("KIKAKU-PC01"), D(2024, 10, 1), &tm));
    TK_CHECK_INT(tm.listed, 0);
    TK_CHECK_INT(tm.registered, 0);
    TK_CHECK_STR(tm.dept, "企画課");
    /* Unknown. */
    TK_CHECK_INT(tk_mastersnap_find_terminal(s, S("PRIVATE-LAPTOP"), D(2024, 6, 1), &tm), 0);
    TK_CHECK(tm.name == NULL && tm.registered == 0 && tm.dept_id == 0);
    TK_CHECK(tk_mastersnap_find_terminal(s, S("KIKAKU-PC01"), D(2024, 10, 1), NULL));
    TK_CHECK_INT(tk_mastersnap_find_terminal(s, S("PRIVATE-LAPTOP"), D(2024, 6, 1), NULL), 0);
    tk_mastersnap_destroy(s);
}

static void test_authorizations(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_auth a;
    const int64_t jun = D(2024, 6, 1), nov = D(2024, 11, 1);

    TK_CHECK(tk_mastersnap_check_auth(s, S("市民課"), S("住民基本台帳"), NULL, 0, jun, &a));
    TK_CHECK_INT(a.level, TK_MASTERSNAP_LEVEL_ALL);
    TK_CHECK_INT(a.mynumber, 1);
    TK_CHECK_INT(a.ngrants, 1);
    TK_CHECK(tk_mastersnap_check_auth(s, S("市民課"), S("住民基本台帳"), S("転入届"), jun, &a));

    TK_CHECK(tk_mastersnap_check_auth(s, S("税務課"), S("個人住民税"), NULL, 0, jun, &a));
    TK_CHECK_INT(a.level, TK_MASTERSNAP_LEVEL_UPDATE);
    TK_CHECK_INT(a.mynumber, 0);

    /* 税務課 may only use two functions of 住民基本台帳 (rows 3 and 5). */
    TK_CHECK(tk_mastersnap_check_auth(s, S("税務課"), S("住民基本台帳"), NULL, 0, jun, &a));
    TK_CHECK_INT(a.level, TK_MASTERSNAP_LEVEL_LOOKUP);
    TK_REQUIRE(a.ngrants == 2);
    TK_CHECK_STR(a.grants[0].function, "住民照会");
    TK_CHECK_STR(a.grants[1].function, "住所履歴照会");
    TK_CHECK(tk_mastersnap_check_auth(s, S("税務課"), S("住民基本台帳"), S("住民照会"), jun, &a));
    TK_CHECK(
        tk_mastersnap_check_auth(s, S("税務課"), S("住民基本台帳"), S("住所履歴照会"), jun, NULL));
    TK_CHECK_INT(
        tk_mastersnap_check_auth(s, S("税務課"), S("住民基本台帳"), S("住民票発行"), jun, &a), 0);
    TK_CHECK_INT(a.ngrants, 2); /* 担当外機能 */
    TK_CHECK_INT(a.level, TK_MASTERSNAP_LEVEL_NONE);

    /* 福祉課 gets 住民基本台帳 from 2024-10-01 (v2). */
    TK_CHECK_INT(tk_mastersnap_check_auth(s, S("福祉課"), S("住民基本台帳"), NULL, 0, jun, &a), 0);
    TK_CHECK_INT(a.ngrants, 0); /* 権限外システム */
    TK_CHECK(a.grants == NULL);
    TK_CHECK(tk_mastersnap_check_auth(s, S("福祉課"), S("住民基本台帳"), NULL, 0, nov, &a));
    TK_CHECK_INT(a.level, TK_MASTERSNAP_LEVEL_LOOKUP);
    TK_CHECK_INT(a.mynumber, 0);

    TK_CHECK_INT(tk_mastersnap_check_auth(s, S("企画課"), S("住民基本台帳"), NULL, 0, jun, &a), 0);
    TK_CHECK_INT(tk_mastersnap_check_auth(s, S("市民課"), S("謎のシステム"), NULL, 0, jun, &a), 0);
    TK_CHECK_INT(tk_mastersnap_check_auth(s, S("謎の課"), S("住民基本台帳"), NULL, 0, jun, NULL),
                 0);
    tk_mastersnap_destroy(s);
}

static void test_assignments(void)
{
    tk_mastersnap *s = load_fy2024();
    const tk_mastersnap_assignment *rows = NULL;

    /* S001 → 選挙管理委員会 / 選挙人名簿管理, 2024-06-01 to 07-31. */
    TK_CHECK_INT(tk_mastersnap_is_assigned(s, S("S001"), S("選挙管理委員会"), S("選挙人名簿管理"),
                                           D(2024, 5, 31)),
                 0);
    TK_CHECK(tk_mastersnap_is_assigned(s, S("S001"), S("選挙管理委員会"), S("選挙人名簿管理"),
                                       D(2024, 6, 1)));
    TK_CHECK(tk_mastersnap_is_assigned(s, S("S001"), NULL, 0, NULL, 0, D(2024, 7, 31)));
    TK_CHECK_INT(tk_mastersnap_is_assigned(s, S("S001"), NULL, 0, NULL, 0, D(2024, 8, 1)), 0);
    TK_CHECK_INT(tk_mastersnap_is_assigned(s, S("S001"), S("市民課"), NULL, 0, D(2024, 6, 1)), 0);
    TK_CHECK_INT(tk_mastersnap_is_assigned(s, S("S001"), NULL, 0, S("住民基本台帳"), D(2024, 6, 1)),
                 0);

    /* S002 → 市民課 without システム: 市民課's systems. */
    TK_CHECK(
        tk_mastersnap_is_assigned(s, S("S002"), S("市民課"), S("住民基本台帳"), D(2024, 4, 20)));
    TK_CHECK(tk_mastersnap_is_assigned(s, S("S002"), NULL, 0, S("個人住民税"), D(2024, 4, 20)));
    TK_CHECK_INT(
        tk_mastersnap_is_assigned(s, S("S002"), NULL, 0, S("選挙人名簿管理"), D(2024, 4, 20)), 0);
    TK_CHECK_INT(tk_mastersnap_is_assigned(s, S("S002"), S("市民課"), NULL, 0, D(2024, 5, 1)), 0);

    TK_CHECK_INT(tk_mastersnap_is_assigned(s, S("S404"), NULL, 0, NULL, 0, D(2024, 6, 1)), 0);
    TK_CHECK_INT(tk_mastersnap_is_assigned(s, S("S001"), S("謎の課"), NULL, 0, D(2024, 6, 1)), 0);

    TK_REQUIRE(tk_mastersnap_assignments(s, S("S001"), D(2024, 12, 1), &rows) == 1);
    TK_CHECK_STR(rows[0].dept, "選挙管理委員会");
    TK_CHECK_STR(rows[0].system, "選挙人名簿管理");
    TK_CHECK_INT(rows[0].from, D(2024, 6, 1));
    TK_CHECK_INT(rows[0].to, D(2024, 7, 31));
    TK_CHECK_INT(rows[0].dept_id, tk_mastersnap_find_dept(s, S("選挙管理委員会")));
    TK_REQUIRE(tk_mastersnap_assignments(s, S("S002"), D(2024, 12, 1), &rows) == 1);
    TK_CHECK(rows[0].system == NULL);
    TK_CHECK_INT(tk_mastersnap_assignments(s, S("S404"), D(2024, 12, 1), &rows), 0);
    TK_CHECK(rows == NULL);
    tk_mastersnap_destroy(s);
}

static void test_overtime(void)
{
    tk_mastersnap *s = load_fy2024();
#define HM(h, m) ((h)*60 + (m))

    /* S001 2024-06-03 17:15-20:00, half-open. */
    TK_CHECK_INT(tk_mastersnap_has_overtime(s, S("S001"), D(2024, 6, 3), HM(17, 14)), 0);
    TK_CHECK(tk_mastersnap_has_overtime(s, S("S001"), D(2024, 6, 3), HM(17, 15)));
    TK_CHECK(tk_mastersnap_has_overtime(s, S("S001"), D(2024, 6, 3), HM(19, 59)));
    TK_CHECK_INT(tk_mastersnap_has_overtime(s, S("S001"), D(2024, 6, 3), HM(20, 0)), 0);
    /* Several dates for one member (the file is not in date order). */
    TK_CHECK(tk_mastersnap_has_overtime(s, S("S001"), D(2024, 6, 4), HM(18, 30)));
    TK_CHECK_INT(tk_mastersnap_has_overtime(s, S("S001"), D(2024, 6, 4), HM(17, 30)), 0);
    TK_CHECK(tk_mastersnap_has_overtime(s, S("S001"), D(2024, 6, 5), HM(17, 45)));
    TK_CHECK_INT(tk_mastersnap_has_overtime(s, S("S001"), D(2024, 6, 6), HM(17, 45)), 0);
    /* S002 2024-06-04 22:00-25:30 crosses midnight. */
    TK_CHECK_INT(tk_mastersnap_has_overtime(s, S("S002"), D(2024, 6, 4), HM(21, 59)), 0);
    TK_CHECK(tk_mastersnap_has_overtime(s, S("S002"), D(2024, 6, 4), HM(22, 0)));
    TK_CHECK(tk_mastersnap_has_overtime(s, S("S002"), D(2024, 6, 4), HM(23, 59)));
    TK_CHECK(tk_mastersnap_has_overtime(s, S("s002"), D(2024, 6, 5), HM(0, 0)));
    TK_CHECK(tk_mastersnap_has_overtime(s, S("S002"), D(2024, 6, 5), HM(1, 29)));
    TK_CHECK_INT(tk_mastersnap_has_overtime(s, S("S002"), D(2024, 6, 5), HM(1, 30)), 0);
    TK_CHECK_INT(tk_mastersnap_has_overtime(s, S("S002"), D(2024, 6, 4), HM(1, 0)), 0);
    TK_CHECK_INT(tk_mastersnap_has_overtime(s, S("S404"), D(2024, 6, 4), HM(22, 0)), 0);
#undef HM
    tk_mastersnap_destroy(s);
}

static void test_media(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_media m;

    TK_CHECK(tk_mastersnap_check_media(s, S("AA12345678"), D(2024, 9, 30), &m));
    TK_CHECK_STR(m.device, "USBメモリ(市民課1)");
    TK_CHECK_STR(m.dept, "市民課");
    TK_CHECK_INT(m.listed, 1);
    TK_CHECK(tk_mastersnap_check_media(s, S("aa12345678"), D(2024, 4, 1), NULL));
    /* Expired. */
    TK_CHECK_INT(tk_mastersnap_check_media(s, S("AA12345678"), D(2024, 10, 1), &m), 0);
    TK_CHECK_INT(m.listed, 1);
    TK_CHECK_INT(m.expires_on, D(2024, 9, 30));
    TK_CHECK_STR(m.serial, "AA12345678");
    /* No dates: always approved. */
    TK_CHECK(tk_mastersnap_check_media(s, S("BB00000001"), D(2025, 3, 31), &m));
    TK_CHECK_INT(m.approved_on, TK_MASTERSNAP_NO_DAY);
    TK_CHECK_INT(m.expires_on, TK_MASTERSNAP_NO_DAY);
    /* Not yet approved. */
    TK_CHECK_INT(tk_mastersnap_check_media(s, S("CC00000001"), D(2024, 9, 30), &m), 0);
    TK_CHECK_INT(m.listed, 1);
    TK_CHECK(tk_mastersnap_check_media(s, S("CC00000001"), D(2024, 10, 1), &m));
    /* Unknown. */
    TK_CHECK_INT(tk_mastersnap_check_media(s, S("ZZ99999999"), D(2024, 6, 1), &m), 0);
    TK_CHECK_INT(m.listed, 0);
    TK_CHECK(m.serial == NULL);
    tk_mastersnap_destroy(s);
}

static void test_watchlist(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_watch w;
    const struct ps celeb = pseudo(shared, "0011112222");
    const struct ps dv = pseudo(shared, "0033334444");
    const struct ps staff = pseudo(shared, "0055556666");
    const struct ps both = pseudo(shared, "0077778888");
    const struct ps nobody = pseudo(shared, "0000000001");

    /* The later import of the same day replaced 支援措置 by 著名人. */
    TK_CHECK(tk_mastersnap_check_watch(s, celeb.b, D(2024, 5, 1), S("市民課"), &w));
    TK_CHECK_INT(w.categories, TK_MASTERSNAP_WATCH_CELEBRITY);
    TK_CHECK_INT(w.allowed, TK_MASTERSNAP_WATCH_CELEBRITY);
    TK_REQUIRE(w.nentries == 1);
    TK_REQUIRE(w.entries[0].ndepts == 2);
    TK_CHECK_STR(w.entries[0].depts[0], "市民課");
    TK_CHECK_STR(w.entries[0].depts[1], "秘書課");
    TK_CHECK_INT(w.entries[0].from, D(2024, 4, 1));
    TK_CHECK_INT(w.entries[0].to, TK_MASTERSNAP_NO_DAY);
    TK_CHECK(tk_mastersnap_check_watch(s, celeb.b, D(2024, 5, 1), S("税務課"), &w));
    TK_CHECK_INT(w.allowed, 0);
    TK_CHECK(tk_mastersnap_check_watch(s, celeb.b, D(2024, 5, 1), NULL, 0, &w));
    TK_CHECK_INT(w.allowed, 0);
    /* Before its 開始日. */
    TK_CHECK_INT(tk_mastersnap_check_watch(s, celeb.b, D(2024, 3, 31), S("市民課"), &w), 0);
    TK_CHECK_INT(w.nentries, 1);

    TK_CHECK(tk_mastersnap_check_watch(s, dv.b, D(2024, 12, 31), S("福祉課"), &w));
    TK_CHECK_INT(w.categories, TK_MASTERSNAP_WATCH_PROTECTED);
    TK_CHECK_INT(w.allowed, 0);
    TK_CHECK_INT(tk_mastersnap_check_watch(s, dv.b, D(2025, 1, 1), S("市民課"), &w), 0);

    /* No 担当所属: no 所属 is allowed. */
    TK_CHECK(tk_mastersnap_check_watch(s, staff.b, D(2024, 6, 1), S("市民課"), &w));
    TK_CHECK_INT(w.categories, TK_MASTERSNAP_WATCH_STAFF);
    TK_CHECK_INT(w.allowed, 0);
    TK_CHECK(w.entries[0].depts == NULL && w.entries[0].ndepts == 0);

    /* Two entries, the second from 2024-07-01. */
    TK_CHECK(tk_mastersnap_check_watch(s, both.b, D(2024, 6, 30), S("市民課"), &w));
    TK_CHECK_INT(w.categories, TK_MASTERSNAP_WATCH_CELEBRITY);
    TK_CHECK(tk_mastersnap_check_watch(s, both.b, D(2024, 7, 1), S("市民課"), &w));
    TK_CHECK_INT(w.categories, TK_MASTERSNAP_WATCH_CELEBRITY | TK_MASTERSNAP_WATCH_PROTECTED);
    TK_CHECK_INT(w.allowed, TK_MASTERSNAP_WATCH_CELEBRITY);
    TK_CHECK_INT(w.nentries, 2);
    TK_CHECK(tk_mastersnap_check_watch(s, both.b, D(2024, 7, 1), S("福祉課"), &w));
    TK_CHECK_INT(w.allowed, TK_MASTERSNAP_WATCH_PROTECTED);

    TK_CHECK_INT(tk_mastersnap_check_watch(s, nobody.b, D(2024, 7, 1), S("市民課"), &w), 0);
    TK_CHECK(w.categories == 0 && w.nentries == 0 && w.entries == NULL);
    TK_CHECK_INT(tk_mastersnap_check_watch(s, nobody.b, D(2024, 7, 1), NULL, 0, NULL), 0);
    tk_mastersnap_destroy(s);
}

static void test_residents(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_resident a, b, c;
    const struct ps yamada = pseudo(shared, "0012345678");
    const struct ps hanako = pseudo(shared, "0012345681");
    const struct ps jiro = pseudo(shared, "0055556666");
    const struct ps blank = pseudo(shared, "0099999999");
    const struct ps nobody = pseudo(shared, "0000000001");
    const struct ps h111 = pseudo(shared, "H000111");
    const struct ps block = pseudo(shared, "本町1丁目"); /* full-width digits fold */
    const struct ps kana = pseudo(shared, "ヤマダ");

    TK_REQUIRE(tk_mastersnap_find_resident(s, yamada.b, D(2024, 6, 1), &a));
    TK_REQUIRE(tk_mastersnap_find_resident(s, hanako.b, D(2024, 6, 1), &b));
    TK_REQUIRE(tk_mastersnap_find_resident(s, jiro.b, D(2024, 6, 1), &c));
    TK_CHECK(same_ps(a.household, &h111));
    TK_CHECK(same_ps(a.block, &block));
    TK_CHECK(same_ps(a.kana, &kana));
    TK_CHECK(a.household == b.household && a.block == b.block); /* stored once */
    TK_CHECK(c.kana == a.kana);                                 /* ﾔﾏﾀﾞ = ヤマダ */
    TK_CHECK(c.household != a.household);
    TK_CHECK(tk_mastersnap_find_resident(s, blank.b, D(2024, 6, 1), &a));
    TK_CHECK(a.household == NULL && a.block == NULL && a.kana == NULL);
    memset(&a, 0xAB, sizeof a);
    TK_CHECK_INT(tk_mastersnap_find_resident(s, nobody.b, D(2024, 6, 1), &a), 0);
    TK_CHECK(a.household == NULL && a.block == NULL && a.kana == NULL);
    TK_CHECK(tk_mastersnap_find_resident(s, yamada.b, D(2024, 6, 1), NULL));

    /* R08's chance: the share of residents who are namesake neighbours
     * (4 rows: two ヤマダ of 本町1丁目 in H000111, one of 緑町2丁目) */
    TK_REQUIRE(tk_mastersnap_find_resident(s, yamada.b, D(2024, 6, 1), &a));
    TK_CHECK(tk_mastersnap_resident_share(s, a.block, a.kana, NULL) == 0.5);
    TK_CHECK(tk_mastersnap_resident_share(s, a.block, a.kana, a.household) == 0);
    TK_CHECK(tk_mastersnap_resident_share(s, a.block, a.kana, c.household) == 0.5);
    TK_CHECK(tk_mastersnap_resident_share(s, c.block, kana.b, a.household) == 0.25);
    TK_CHECK(tk_mastersnap_resident_share(s, h111.b, kana.b, NULL) == 0); /* not a 町丁 */
    TK_CHECK(tk_mastersnap_resident_share(s, NULL, kana.b, NULL) == 0);
    tk_mastersnap_destroy(s);
}

static void test_training(void)
{
    tk_mastersnap *s = load_fy2024();
    tk_mastersnap_training tr;

    TK_CHECK_INT(tk_mastersnap_version(s, "training", D(2024, 9, 30)), v.train1);
    TK_CHECK_INT(tk_mastersnap_version(s, "training", D(2024, 10, 1)), v.train2);

    /* kenshu01: 04-01..04-12, then (v2) 10-01..10-18; both ends included. */
    TK_REQUIRE(tk_mastersnap_check_training(s, S("kenshu01"), D(2024, 4, 1), &tr));
    TK_CHECK_STR(tr.account, "kenshu01");
    TK_CHECK_STR(tr.name, "新規採用職員研修");
    TK_CHECK_STR(tr.dept, "市民課");
    TK_CHECK_INT(tr.dept_id, tk_mastersnap_find_dept(s, S("市民課")));
    TK_CHECK_INT(tr.from, D(2024, 4, 1));
    TK_CHECK_INT(tr.to, D(2024, 4, 12));
    TK_CHECK_INT(tr.listed, 1);
    TK_CHECK(tk_mastersnap_check_training(s, S("kenshu01"), D(2024, 4, 12), NULL));
    /* After the period: listed, with the period last begun. */
    memset(&tr, 0xAB, sizeof tr);
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("kenshu01"), D(2024, 4, 13), &tr), 0);
    TK_CHECK_INT(tr.listed, 1);
    TK_CHECK_INT(tr.from, D(2024, 4, 1));
    /* Before every period: the first. */
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("kenshu01"), D(2024, 3, 31), &tr), 0);
    TK_CHECK_INT(tr.from, D(2024, 4, 1));
    TK_CHECK_INT(tr.listed, 1);
    /* v2 extends the October period to 10-18 (v1 said 10-11). */
    TK_REQUIRE(tk_mastersnap_check_training(s, S("kenshu01"), D(2024, 10, 15), &tr));
    TK_CHECK_STR(tr.name, "中途採用職員研修");
    TK_CHECK_STR(tr.dept, "税務課");
    TK_CHECK_INT(tr.to, D(2024, 10, 18));
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("kenshu01"), D(2024, 10, 19), &tr), 0);
    TK_CHECK_INT(tr.from, D(2024, 10, 1));
    /* Names as logs may write them. */
    TK_CHECK(tk_mastersnap_check_training(s, S(" KENSHU01　"), D(2024, 4, 2), NULL));
    TK_CHECK(tk_mastersnap_check_training(s, S("CITYHALL\\kenshu01"), D(2024, 4, 2), NULL));
    TK_CHECK(tk_mastersnap_check_training(s, S("kenshu01@city.local"), D(2024, 4, 2), NULL));
    TK_CHECK(
        tk_mastersnap_check_training(s, S("CITYHALL\\kenshu01@city.local"), D(2024, 4, 2), NULL));
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("kenshu011"), D(2024, 4, 2), NULL), 0);
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("CITYHALL\\"), D(2024, 4, 2), NULL), 0);
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("@kenshu01"), D(2024, 4, 2), NULL), 0);

    /* kenshu02: open-ended, no 所属; v2 no longer lists it. */
    TK_REQUIRE(tk_mastersnap_check_training(s, S("kenshu02"), D(2024, 9, 30), &tr));
    TK_CHECK_INT(tr.to, TK_MASTERSNAP_NO_DAY);
    TK_CHECK(tr.dept == NULL);
    TK_CHECK_INT(tr.dept_id, TK_MASTERSNAP_NO_DEPT);
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("kenshu02"), D(2024, 4, 7), NULL), 0);
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("kenshu02"), D(2024, 10, 1), &tr), 0);
    TK_CHECK(tr.listed == 0 && tr.account == NULL);

    /* c005 is S005's アカウント: logs stored under the 職員ID answer too. */
    TK_REQUIRE(tk_mastersnap_check_training(s, S("S005"), D(2024, 12, 2), &tr));
    TK_CHECK_STR(tr.account, "c005");
    TK_CHECK(tk_mastersnap_check_training(s, S("s005"), D(2024, 12, 13), NULL));
    TK_CHECK(tk_mastersnap_check_training(s, S("c005"), D(2024, 12, 13), NULL));
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("S005"), D(2024, 12, 14), NULL), 0);
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("S001"), D(2024, 12, 2), &tr), 0);
    TK_CHECK_INT(tr.listed, 0);
    TK_CHECK_INT(tk_mastersnap_check_training(s, S(""), D(2024, 12, 2), NULL), 0);
    tk_mastersnap_destroy(s);
}

/* Periods before, after and around the versions. */
static void test_other_periods(void)
{
    tk_mastersnap *s = NULL;
    tk_mastersnap_staff st;
    tk_error err;

    /* Before every version: the earliest one answers. */
    TK_REQUIRE(tk_mastersnap_load(&s, shared, D(2020, 1, 1), D(2020, 12, 31), &err) == TK_OK);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2020, 6, 1)), v.staff0);
    TK_CHECK_INT(tk_mastersnap_version(s, "terminals", D(2020, 6, 1)), v.term1);
    TK_CHECK(tk_mastersnap_find_staff(s, S("S099"), D(2020, 6, 1), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_ACTIVE);
    TK_CHECK_INT(st.listed, 1);
    TK_CHECK_INT(tk_mastersnap_find_staff(s, S("S002"), D(2020, 6, 1), &st), 0);
    TK_CHECK_INT(tk_mastersnap_staff_count(s), 2);
    tk_mastersnap_destroy(s);

    /* After them: v2 answers, v1 and v0 are the archive. */
    TK_REQUIRE(tk_mastersnap_load(&s, shared, D(2025, 1, 1), D(2025, 1, 31), &err) == TK_OK);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2025, 1, 1)), v.staff2);
    TK_CHECK(tk_mastersnap_find_staff(s, S("S006"), D(2025, 1, 10), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_UNLISTED);
    TK_CHECK_INT(st.version_id, v.staff1);
    TK_CHECK(tk_mastersnap_find_staff(s, S("S099"), D(2025, 1, 10), &st));
    TK_CHECK_INT(st.status, TK_MASTERSNAP_RETIRED);
    TK_CHECK_INT(st.version_id, v.staff0);
    /* S001 is in every version; the archive does not duplicate them. */
    TK_CHECK(tk_mastersnap_find_staff(s, S("S001"), D(2025, 1, 10), &st));
    TK_CHECK_INT(st.version_id, v.staff2);
    TK_CHECK_INT(tk_mastersnap_staff_count(s), 9);
    tk_mastersnap_destroy(s);

    /* A version effective on the last day still counts. */
    TK_REQUIRE(tk_mastersnap_load(&s, shared, D(2024, 9, 1), D(2024, 10, 1), &err) == TK_OK);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2024, 9, 30)), v.staff1);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2024, 10, 1)), v.staff2);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2024, 10, 2)), v.staff2);
    tk_mastersnap_destroy(s);

    /* One day. */
    TK_REQUIRE(tk_mastersnap_load(&s, shared, D(2024, 10, 1), D(2024, 10, 1), &err) == TK_OK);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2024, 10, 1)), v.staff2);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2024, 9, 1)), v.staff2);
    tk_mastersnap_destroy(s);
}

static void test_empty_tenant_and_bad_period(void)
{
    tk_tenant *t = new_tenant();
    tk_mastersnap *s = NULL;
    tk_mastersnap_staff st;
    tk_mastersnap_terminal tm;
    const struct ps p = pseudo(t, "0012345678");
    tk_error err;

    TK_REQUIRE(tk_mastersnap_load(&s, t, D(2024, 4, 1), D(2024, 5, 31), &err) == TK_OK);
    TK_CHECK_INT(tk_mastersnap_version(s, "staff", D(2024, 4, 1)), 0);
    TK_CHECK_INT(tk_mastersnap_find_staff(s, S("S001"), D(2024, 4, 1), &st), 0);
    TK_CHECK_INT(tk_mastersnap_find_terminal(s, S("PC"), D(2024, 4, 1), &tm), 0);
    TK_CHECK_INT(tk_mastersnap_check_auth(s, S("市民課"), S("住民基本台帳"), NULL, 0, 0, NULL), 0);
    TK_CHECK_INT(tk_mastersnap_has_overtime(s, S("S001"), D(2024, 4, 1), 0), 0);
    TK_CHECK_INT(tk_mastersnap_check_media(s, S("AA"), D(2024, 4, 1), NULL), 0);
    TK_CHECK_INT(tk_mastersnap_check_watch(s, p.b, D(2024, 4, 1), NULL, 0, NULL), 0);
    TK_CHECK_INT(tk_mastersnap_find_resident(s, p.b, D(2024, 4, 1), NULL), 0);
    TK_CHECK_INT(tk_mastersnap_check_training(s, S("kenshu01"), D(2024, 4, 1), NULL), 0);
    TK_CHECK_INT(tk_mastersnap_version(s, "training", D(2024, 4, 1)), 0);
    TK_CHECK_INT(tk_mastersnap_staff_relation(s, S("S001"), D(2024, 4, 1), p.b), 0);
    TK_CHECK_INT(tk_mastersnap_staff_count(s), 0);
    TK_CHECK_INT(tk_mastersnap_dept_count(s), 0);
    tk_mastersnap_destroy(s);

    s = (tk_mastersnap *)&err; /* must be reset */
    TK_CHECK_INT(tk_mastersnap_load(&s, t, D(2024, 5, 1), D(2024, 4, 1), &err), TK_EINVAL);
    TK_CHECK(s == NULL);
    TK_CHECK(strstr(err.msg, "period") != NULL);
    TK_CHECK_INT(tk_mastersnap_load(&s, t, D(2024, 5, 1), D(10000, 1, 1), &err), TK_EINVAL);
    TK_CHECK_INT(tk_mastersnap_load(&s, t, D(2024, 5, 1), D(2024, 5, 1), NULL), TK_OK);
    tk_mastersnap_destroy(s);
    tk_mastersnap_destroy(NULL);
    tk_tenant_close(t);
}

/* Inside a transaction of the caller's: loads within it. */
static void test_inside_transaction(void)
{
    tk_mastersnap *s = NULL;
    tk_mastersnap_staff st;
    tk_error err;

    TK_REQUIRE(tk_db_exec(tk_tenant_db(shared), "BEGIN", &err) == TK_OK);
    TK_CHECK_INT(tk_mastersnap_load(&s, shared, D(2024, 4, 1), D(2024, 4, 30), &err), TK_OK);
    TK_CHECK(s != NULL && tk_mastersnap_find_staff(s, S("S001"), D(2024, 4, 1), &st));
    tk_mastersnap_destroy(s);
    TK_CHECK(!sqlite3_get_autocommit(tk_db_handle(tk_tenant_db(shared))));
    tk_db_rollback(tk_tenant_db(shared));
}

/* Every allocation of a load fails once; no leak (ASan) and a clean
 * TK_ENOMEM each time. */
static void test_alloc_failures(void)
{
    tk_mastersnap *s = NULL;
    tk_error err;
    unsigned long n;
    int rc = TK_ENOMEM;

    for (n = 1; n < 100000 && rc != TK_OK; n++) {
        tk_alloc_fail_at(n);
        rc = tk_mastersnap_load(&s, shared, D(2024, 4, 1), D(2025, 3, 31), &err);
        if (rc != TK_OK) {
            TK_CHECK_INT(rc, TK_ENOMEM);
            TK_CHECK(s == NULL);
            if (rc != TK_ENOMEM)
                fprintf(stderr, "at %lu: %s\n", n, err.msg);
        }
    }
    tk_alloc_fail_at(0);
    if (getenv("TK_TEST_VERBOSE"))
        fprintf(stderr, "load succeeded at allocation %lu\n", n - 1);
    TK_CHECK_INT(rc, TK_OK);
    TK_CHECK(n > 50);
    tk_mastersnap_staff st;
    TK_CHECK(tk_mastersnap_find_staff(s, S("S002"), D(2024, 10, 15), &st));
    TK_CHECK_STR(st.dept, "市民課");
    tk_mastersnap_destroy(s);
}

int main(void)
{
    shared = full_tenant();
    TK_RUN(test_versions_per_day);
    TK_RUN(test_staff_transfer_and_retirement);
    TK_RUN(test_staff_leave_and_hire);
    TK_RUN(test_staff_keys_and_subjects);
    TK_RUN(test_staff_enumeration_and_depts);
    TK_RUN(test_terminals);
    TK_RUN(test_authorizations);
    TK_RUN(test_assignments);
    TK_RUN(test_overtime);
    TK_RUN(test_media);
    TK_RUN(test_watchlist);
    TK_RUN(test_residents);
    TK_RUN(test_training);
    TK_RUN(test_other_periods);
    TK_RUN(test_empty_tenant_and_bad_period);
    TK_RUN(test_inside_transaction);
    TK_RUN(test_alloc_failures);
    tk_tenant_close(shared);
    TK_TEST_END();
}
