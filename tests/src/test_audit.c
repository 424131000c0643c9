/* tests/src/test_audit.c -- the append-only audit log. */
#include "src/audit.h"

#include "tests/test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t fixed(void *ctx)
{
    return *(const int64_t *)ctx;
}

static tk_db *open_db(char *path, size_t cap)
{
    tk_db *db = NULL;
    snprintf(path, cap, "%s/audit-XXXXXX", tk_test_tmpdir());
    const int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    close(fd);
    if (tk_db_open(&db, path, TK_DB_CREATE, NULL) != TK_OK)
        return NULL;
    if (tk_audit_migrate(db, NULL) != TK_OK || tk_audit_migrate(db, NULL) != TK_OK) {
        tk_db_close(db);
        return NULL;
    }
    return db;
}

static void drop(tk_db *db, const char *path)
{
    char p[600];
    tk_db_close(db);
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* Six records: times 1000..6000, two tenants and none, two actors. */
static void fill(tk_db *db, int64_t *t)
{
    const tk_clock clock = {fixed, t};
    const tk_actor alice = {"alice", "analyst", "10.0.0.1", &clock};
    const tk_actor root = {"cli:root", "admin", "local", &clock};
    const char *tenants[] = {"city-a", "city-b", NULL, "city-a", "city-a", NULL};
    for (int i = 0; i < 6; i++) {
        *t = 1000 * (i + 1);
        TK_CHECK_INT(tk_audit_record(db, i % 2 ? &root : &alice, tenants[i],
                                     i == 2 ? "login" : "upload", "f.csv",
                                     i == 5 ? TK_AUDIT_REFUSED : TK_AUDIT_OK,
                                     i == 5 ? "too large" : NULL, NULL),
                     TK_OK);
    }
}

static void test_record_and_read(void)
{
    char path[512];
    int64_t t = 0;
    tk_db *db = open_db(path, sizeof path);
    TK_REQUIRE(db != NULL);
    fill(db, &t);
    tk_audit_filter f = TK_AUDIT_FILTER_INIT;
    tk_audit_entry *e = NULL;
    size_t n = 0;
    TK_CHECK_INT(tk_audit_list(db, &f, &e, &n, NULL), TK_OK);
    TK_REQUIRE(n == 6);
    TK_CHECK_INT(e[0].time_ms, 1000);
    TK_CHECK_STR(e[0].tenant, "city-a");
    TK_CHECK_STR(e[0].actor, "alice");
    TK_CHECK_STR(e[0].role, "analyst");
    TK_CHECK_STR(e[0].address, "10.0.0.1");
    TK_CHECK_STR(e[0].action, "upload");
    TK_CHECK_STR(e[0].target, "f.csv");
    TK_CHECK_STR(e[0].outcome, "ok");
    TK_CHECK(e[0].detail == NULL);
    TK_CHECK(e[2].tenant == NULL);
    TK_CHECK_STR(e[5].outcome, "refused");
    TK_CHECK_STR(e[5].detail, "too large");
    for (size_t i = 1; i < n; i++)
        TK_CHECK(e[i].id > e[i - 1].id);
    tk_audit_entries_free(e, n);
    drop(db, path);
}

static size_t count(tk_db *db, const tk_audit_filter *f, int64_t *first_time)
{
    tk_audit_entry *e = NULL;
    size_t n = 0;
    if (tk_audit_list(db, f, &e, &n, NULL) != TK_OK)
        return (size_t)-1;
    *first_time = n ? e[0].time_ms : -1;
    tk_audit_entries_free(e, n);
    return n;
}

static void test_filters_and_paging(void)
{
    char path[512];
    int64_t t = 0, first = 0;
    tk_db *db = open_db(path, sizeof path);
    TK_REQUIRE(db != NULL);
    fill(db, &t);
    tk_audit_filter f = TK_AUDIT_FILTER_INIT;
    f.tenant = "city-a";
    TK_CHECK_INT(count(db, &f, &first), 3);
    f.actor = "cli:root";
    TK_CHECK_INT(count(db, &f, &first), 1);
    TK_CHECK_INT(first, 4000);
    f = (tk_audit_filter)TK_AUDIT_FILTER_INIT;
    f.action = "login";
    TK_CHECK_INT(count(db, &f, &first), 1);
    TK_CHECK_INT(first, 3000);
    f = (tk_audit_filter)TK_AUDIT_FILTER_INIT;
    f.since_ms = 2000;
    f.until_ms = 5000; /* 2000, 3000, 4000 */
    TK_CHECK_INT(count(db, &f, &first), 3);
    TK_CHECK_INT(first, 2000);
    /* pages of two, ascending: after the last id of each page */
    f = (tk_audit_filter)TK_AUDIT_FILTER_INIT;
    f.limit = 2;
    tk_audit_entry *e = NULL;
    size_t n = 0;
    int64_t seen[6], nseen = 0;
    for (int page = 0; page < 4; page++) {
        TK_REQUIRE(tk_audit_list(db, &f, &e, &n, NULL) == TK_OK);
        for (size_t i = 0; i < n; i++)
            seen[nseen++] = e[i].time_ms;
        if (n > 0)
            f.after_id = e[n - 1].id;
        tk_audit_entries_free(e, n);
        if (n == 0)
            break;
    }
    TK_CHECK_INT(nseen, 6);
    for (int i = 0; i < 6 && i < nseen; i++)
        TK_CHECK_INT(seen[i], 1000 * (i + 1));
    /* the newest two, then the two before them */
    f = (tk_audit_filter)TK_AUDIT_FILTER_INIT;
    f.limit = 2;
    f.newest_first = 1;
    TK_REQUIRE(tk_audit_list(db, &f, &e, &n, NULL) == TK_OK && n == 2);
    TK_CHECK_INT(e[0].time_ms, 6000);
    TK_CHECK_INT(e[1].time_ms, 5000);
    f.before_id = e[1].id;
    tk_audit_entries_free(e, n);
    TK_CHECK_INT(count(db, &f, &first), 2);
    TK_CHECK_INT(first, 4000);
    f.limit = TK_AUDIT_LIMIT_MAX + 1;
    tk_error err;
    TK_CHECK_INT(tk_audit_list(db, &f, &e, &n, &err), TK_EINVAL);
    TK_CHECK(e == NULL && n == 0);
    drop(db, path);
}

static void test_append_only(void)
{
    char path[512];
    int64_t t = 0, v = 0;
    tk_error err;
    tk_db *db = open_db(path, sizeof path);
    TK_REQUIRE(db != NULL);
    fill(db, &t);
    TK_CHECK_INT(tk_db_exec(db, "UPDATE audit SET outcome = 'ok' WHERE id = 6", &err), TK_EDB);
    TK_CHECK(strstr(err.msg, "the audit log is append-only: records cannot be changed") != NULL);
    TK_CHECK_INT(tk_db_exec(db, "DELETE FROM audit WHERE id = 1", &err), TK_EDB);
    TK_CHECK(strstr(err.msg, "the audit log is append-only: records cannot be deleted") != NULL);
    TK_CHECK_INT(tk_db_exec(db, "DELETE FROM audit", &err), TK_EDB);
    TK_CHECK_INT(tk_db_query_i64(db, "SELECT count(*) FROM audit", &v, NULL), TK_OK);
    TK_CHECK_INT(v, 6);
    TK_CHECK_INT(
        tk_db_query_i64(db, "SELECT count(*) FROM audit WHERE outcome = 'refused'", &v, NULL),
        TK_OK);
    TK_CHECK_INT(v, 1);
    drop(db, path);
}

static void test_long_text_cut(void)
{
    char path[512];
    int64_t t = 7;
    tk_db *db = open_db(path, sizeof path);
    TK_REQUIRE(db != NULL);
    /* 1999 ASCII bytes then 3-byte characters: the cut at 2000 bytes must
     * not split the first of them */
    char *detail = malloc(1999 + 3 * 10 + 1);
    TK_REQUIRE(detail != NULL);
    memset(detail, 'x', 1999);
    for (int i = 0; i < 10; i++)
        memcpy(detail + 1999 + 3 * i, "\xe3\x81\x82", 3); /* あ */
    detail[1999 + 30] = '\0';
    const tk_clock clock = {fixed, &t};
    const tk_actor a = {"alice", "admin", "local", &clock};
    TK_CHECK_INT(tk_audit_record(db, &a, NULL, "request", "/x", "ok", detail, NULL), TK_OK);
    free(detail);
    tk_audit_filter f = TK_AUDIT_FILTER_INIT;
    tk_audit_entry *e = NULL;
    size_t n = 0;
    TK_REQUIRE(tk_audit_list(db, &f, &e, &n, NULL) == TK_OK && n == 1);
    TK_CHECK_INT(strlen(e[0].detail), 1999);
    TK_CHECK_INT(e[0].time_ms, 7);
    tk_audit_entries_free(e, n);
    drop(db, path);
}

int main(void)
{
    TK_RUN(test_record_and_read);
    TK_RUN(test_filters_and_paging);
    TK_RUN(test_append_only);
    TK_RUN(test_long_text_cut);
    TK_TEST_END();
}
