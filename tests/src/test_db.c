/* tests/src/test_db.c -- kept statements and memos of a connection. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/db.h"
#include "tests/test.h"

static void db_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/test_db_%ld_%s.db", tk_test_tmpdir(), (long)getpid(), name);
    unlink(buf);
}

static void db_unlink(const char *path)
{
    char aux[600];
    unlink(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

static void keeps_statements(void)
{
    char path[512];
    tk_error err = {0, ""};
    tk_db *db = NULL;
    db_path(path, sizeof path, "kept");
    TK_REQUIRE(tk_db_open(&db, path, TK_DB_CREATE, &err) == TK_OK);
    TK_REQUIRE(tk_db_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (2), (3)", &err) == TK_OK);
    static const char sql[] = "SELECT sum(x) * ?1 FROM t";
    sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
    TK_REQUIRE(tk_db_prepare_kept(db, &a, sql, &err) == TK_OK);
    sqlite3_bind_int64(a, 1, 7);
    TK_CHECK_INT(tk_db_step(db, a, &err), 1);
    TK_CHECK_INT(sqlite3_column_int64(a, 0), 35);
    /* Lent and stepped: the connection is not idle. */
    TK_CHECK_INT(tk_db_idle(db), 0);
    /* The same text while lent: a statement of its own. */
    TK_REQUIRE(tk_db_prepare_kept(db, &b, sql, &err) == TK_OK);
    TK_CHECK(b != a);
    tk_db_release(db, b);
    tk_db_release(db, a);
    TK_CHECK_INT(tk_db_idle(db), 1);
    /* Given back: the same statement, reset and with nothing bound. */
    TK_REQUIRE(tk_db_prepare_kept(db, &c, sql, &err) == TK_OK);
    TK_CHECK(c == a);
    TK_CHECK_INT(tk_db_step(db, c, &err), 1);
    TK_CHECK_INT(sqlite3_column_type(c, 0), SQLITE_NULL);
    tk_db_release(db, c);
    /* More texts than the connection keeps: each still works, none leaks
     * (ASan), and what is not in use may be evicted. */
    for (int i = 0; i < 40; i++) {
        char q[64];
        sqlite3_stmt *st = NULL;
        snprintf(q, sizeof q, "SELECT count(*) + %d FROM t", i);
        TK_REQUIRE(tk_db_prepare_kept(db, &st, q, &err) == TK_OK);
        TK_CHECK_INT(tk_db_step(db, st, &err), 1);
        TK_CHECK_INT(sqlite3_column_int64(st, 0), 2 + i);
        tk_db_release(db, st);
    }
    TK_CHECK_INT(tk_db_idle(db), 1);
    /* A statement not kept is not idle. */
    sqlite3_stmt *plain = NULL;
    TK_REQUIRE(tk_db_prepare(db, &plain, "SELECT 1", &err) == TK_OK);
    TK_CHECK_INT(tk_db_idle(db), 0);
    sqlite3_finalize(plain);
    TK_CHECK_INT(tk_db_idle(db), 1);
    /* A bad text is an error, and nothing is kept for it. */
    TK_CHECK_INT(tk_db_prepare_kept(db, &a, "SELECT nope FROM nowhere", &err), TK_EDB);
    TK_CHECK(a == NULL);
    TK_CHECK(strstr(err.msg, "nowhere") != NULL);
    tk_db_close(db);
    db_unlink(path);
}

static void memo_follows_changes(void)
{
    char path[512];
    tk_error err = {0, ""};
    tk_db *w = NULL, *r = NULL;
    int64_t v = 0;
    db_path(path, sizeof path, "memo");
    TK_REQUIRE(tk_db_open(&w, path, TK_DB_CREATE, &err) == TK_OK);
    TK_REQUIRE(tk_db_exec(w, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", &err) == TK_OK);
    TK_REQUIRE(tk_db_open(&r, path, TK_DB_READONLY, &err) == TK_OK);

    TK_CHECK_INT(tk_db_memo_get(r, "count", &v, &err), 0);
    tk_db_memo_put(r, "count", 1);
    TK_CHECK_INT(tk_db_memo_get(r, "count", &v, &err), 1);
    TK_CHECK_INT(v, 1);
    TK_CHECK_INT(tk_db_memo_get(r, "other", &v, &err), 0);

    /* Another connection commits: every value is forgotten. */
    TK_REQUIRE(tk_db_exec(w, "INSERT INTO t VALUES (2)", &err) == TK_OK);
    TK_CHECK_INT(tk_db_memo_get(r, "count", &v, &err), 0);
    tk_db_memo_put(r, "count", 2);
    TK_CHECK_INT(tk_db_memo_get(r, "count", &v, &err), 1);
    TK_CHECK_INT(v, 2);

    /* An uncommitted change of another connection is not seen: kept. */
    TK_REQUIRE(tk_db_exec(w, "BEGIN; INSERT INTO t VALUES (3)", &err) == TK_OK);
    TK_CHECK_INT(tk_db_memo_get(r, "count", &v, &err), 1);
    TK_REQUIRE(tk_db_exec(w, "ROLLBACK", &err) == TK_OK);

    /* The connection's own change, committed or not, forgets as well
     * (PRAGMA data_version alone would not see it). */
    TK_CHECK_INT(tk_db_memo_get(w, "count", &v, &err), 0);
    tk_db_memo_put(w, "count", 2);
    TK_CHECK_INT(tk_db_memo_get(w, "count", &v, &err), 1);
    TK_REQUIRE(tk_db_exec(w, "BEGIN; INSERT INTO t VALUES (4)", &err) == TK_OK);
    TK_CHECK_INT(tk_db_memo_get(w, "count", &v, &err), 0);
    tk_db_memo_put(w, "count", 3);
    TK_REQUIRE(tk_db_exec(w, "ROLLBACK", &err) == TK_OK);
    TK_CHECK_INT(tk_db_memo_get(w, "count", &v, &err), 1); /* forgets too much, never too little */
    TK_CHECK_INT(v, 3);
    TK_REQUIRE(tk_db_exec(w, "DELETE FROM t WHERE x = 1", &err) == TK_OK);
    TK_CHECK_INT(tk_db_memo_get(w, "count", &v, &err), 0);

    /* A key too long is not remembered; many keys evict the oldest. */
    char key[TK_DB_MEMO_KEY_MAX + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    tk_db_memo_put(r, key, 9);
    TK_CHECK_INT(tk_db_memo_get(r, key, &v, &err), 0);
    for (int i = 0; i < 100; i++) {
        char k[32];
        snprintf(k, sizeof k, "key %d", i);
        TK_CHECK_INT(tk_db_memo_get(r, k, &v, &err), 0);
        tk_db_memo_put(r, k, i);
    }
    TK_CHECK_INT(tk_db_memo_get(r, "key 99", &v, &err), 1);
    TK_CHECK_INT(v, 99);
    TK_CHECK_INT(tk_db_memo_get(r, "key 0", &v, &err), 0);
    TK_CHECK_INT(tk_db_idle(r), 1);
    tk_db_close(r);
    tk_db_close(w);
    db_unlink(path);
}

int main(void)
{
    TK_RUN(keeps_statements);
    TK_RUN(memo_follows_changes);
    TK_TEST_END();
}
