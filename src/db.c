/* src/db.c -- SQLite connection wrapper.
 *
 * WAL is chosen because readers (the API server, reports) must not block the
 * ingesting writer, and because a crash mid-transaction leaves the database
 * exactly as of the last commit: ingestion relies on that for its
 * all-or-nothing guarantee. synchronous=NORMAL in WAL mode keeps durability
 * across application crashes (only an OS crash can lose the last commits,
 * never corrupt the file). */
#include "src/db.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "src/alloc.h"
#include "src/checked.h"

struct tk_db {
    sqlite3 *h;
};

int tk_db_error(tk_db *db, tk_error *err, const char *context)
{
    return tk_error_set(err, TK_EDB, "%s: %s", context,
                        db && db->h ? sqlite3_errmsg(db->h) : "no connection");
}

/* While another connection holds the write lock: wait 50 us, doubling to
 * 2 ms a try, for at most 10 s in all. SQLite's own timeout waits up to
 * 100 ms a try, which makes a service whose workers write a few short
 * transactions a request (the audit record) take turns at those steps. */
static int busy_wait(void *unused, int tries)
{
    (void)unused;
    /* Waited so far: 50, 100, ..., 1600 us (3150 in all), then 2 ms a try. */
    const long waited = tries <= 6 ? 50L * ((1L << tries) - 1) : 3150L + (tries - 6) * 2000L;
    if (waited >= 10L * 1000 * 1000)
        return 0;
    const long step = tries < 6 ? 50L << tries : 2000L;
    const struct timespec ts = {0, step * 1000};
    nanosleep(&ts, NULL);
    return 1;
}

int tk_db_open(tk_db **out, const char *path, int flags, tk_error *err)
{
    tk_db *db = NULL;
    int rc = TK_OK;
    struct stat sb;

    *out = NULL;
    if (!(flags & TK_DB_CREATE) && stat(path, &sb) != 0) {
        return tk_error_set(err, TK_ENOTFOUND, "database %s does not exist", path);
    }
    db = tk_calloc(1, sizeof *db);
    if (db == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory opening %s", path);
    int oflags = SQLITE_OPEN_NOMUTEX;
    if (flags & TK_DB_READONLY)
        oflags |= SQLITE_OPEN_READONLY;
    else
        oflags |= SQLITE_OPEN_READWRITE | ((flags & TK_DB_CREATE) ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db->h, oflags, NULL) != SQLITE_OK) {
        rc = tk_error_set(err, TK_EDB, "cannot open database %s: %s", path,
                          db->h ? sqlite3_errmsg(db->h) : "out of memory");
        goto done;
    }
    sqlite3_busy_handler(db->h, busy_wait, NULL);
    sqlite3_extended_result_codes(db->h, 1);
    if (!(flags & TK_DB_READONLY)) {
        rc = tk_db_exec(db, "PRAGMA journal_mode=WAL", err);
        if (rc != TK_OK)
            goto done;
    }
    rc = tk_db_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", err);
    if (rc != TK_OK)
        goto done;
    *out = db;
    db = NULL;
done:
    tk_db_close(db);
    return rc;
}

void tk_db_close(tk_db *db)
{
    if (db == NULL)
        return;
    sqlite3_close(db->h);
    tk_free(db);
}

sqlite3 *tk_db_handle(tk_db *db)
{
    return db->h;
}

int tk_db_exec(tk_db *db, const char *sql, tk_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        const int rc = tk_error_set(err, TK_EDB, "sql failed: %s", msg ? msg : "unknown error");
        sqlite3_free(msg);
        return rc;
    }
    return TK_OK;
}

int tk_db_prepare(tk_db *db, sqlite3_stmt **out, const char *sql, tk_error *err)
{
    *out = NULL;
    if (sqlite3_prepare_v2(db->h, sql, -1, out, NULL) != SQLITE_OK)
        return tk_db_error(db, err, "preparing statement");
    return TK_OK;
}

int tk_db_step(tk_db *db, sqlite3_stmt *st, tk_error *err)
{
    const int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        return 1;
    if (s == SQLITE_DONE)
        return 0;
    const int rc = tk_db_error(db, err, "executing statement");
    sqlite3_reset(st);
    return rc;
}

int tk_db_begin(tk_db *db, tk_error *err)
{
    return tk_db_exec(db, "BEGIN IMMEDIATE", err);
}

int tk_db_commit(tk_db *db, tk_error *err)
{
    return tk_db_exec(db, "COMMIT", err);
}

void tk_db_rollback(tk_db *db)
{
    if (db != NULL && !sqlite3_get_autocommit(db->h))
        (void)sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int tk_db_idle(tk_db *db)
{
    return db != NULL && sqlite3_get_autocommit(db->h) && sqlite3_next_stmt(db->h, NULL) == NULL;
}

int tk_db_query_i64(tk_db *db, const char *sql, int64_t *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        *out = sqlite3_column_int64(st, 0);
        rc = TK_OK;
    } else if (rc == 0) {
        rc = tk_error_set(err, TK_ENOTFOUND, "query returned no row");
    }
    sqlite3_finalize(st);
    return rc;
}

int tk_db_has_column(tk_db *db, const char *table, const char *col, int *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    *out = 0;
    int rc =
        tk_db_prepare(db, &st, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 1, table, strlen(table), err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 2, col, strlen(col), err);
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    if (rc == 1) {
        *out = sqlite3_column_int64(st, 0) > 0;
        rc = TK_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int tk_db_bind_text(tk_db *db, sqlite3_stmt *st, int idx, const char *p, size_t len, tk_error *err)
{
    int n;
    if (!tk_size_to_int(len, &n))
        return tk_error_set(err, TK_ERANGE, "text of %zu bytes is too long to store", len);
    if (sqlite3_bind_text(st, idx, p, n, SQLITE_TRANSIENT) != SQLITE_OK)
        return tk_db_error(db, err, "binding text");
    return TK_OK;
}

int tk_db_user_version(tk_db *db, int *out, tk_error *err)
{
    int64_t v = 0;
    const int rc = tk_db_query_i64(db, "PRAGMA user_version", &v, err);
    if (rc == TK_OK)
        *out = (int)v;
    return rc;
}

int tk_db_set_user_version(tk_db *db, int v, tk_error *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", v);
    return tk_db_exec(db, sql, err);
}
