/* src/db.h -- a thin wrapper over SQLite.
 *
 * Owns one sqlite3 connection. Converts SQLite statuses into tk_error at the
 * boundary so callers never see SQLITE_* codes. Each layer owns its own
 * tables and statements; this module knows no schema. A tk_db is used by one
 * thread at a time (SQLite's default serialized mode makes misuse safe but
 * slow). */
#ifndef TK_DB_H
#define TK_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "src/error.h"

typedef struct tk_db tk_db;

enum {
    TK_DB_CREATE = 1,   /* create the file if missing */
    TK_DB_READONLY = 2, /* open read-only */
};

/* Opens path (flags TK_DB_*). New connections use WAL journaling,
 * synchronous=NORMAL, foreign keys on and a busy timeout of 10 s.
 * On success *out is owned by the caller: tk_db_close().
 * Returns TK_OK, TK_ENOTFOUND (missing and not TK_DB_CREATE) or TK_EDB. */
TK_MUST_CHECK int tk_db_open(tk_db **out, const char *path, int flags, tk_error *err);

/* Closes db. The statements kept by tk_db_prepare_kept() are finalized
 * here; every other statement must be finalized first. Accepts NULL. */
void tk_db_close(tk_db *db);

/* The underlying connection, borrowed, for sqlite3_* calls on statements. */
sqlite3 *tk_db_handle(tk_db *db);

/* Runs one or more SQL statements that return no rows.
 * Returns TK_OK or TK_EDB (message includes SQLite's). */
TK_MUST_CHECK int tk_db_exec(tk_db *db, const char *sql, tk_error *err);

/* Prepares sql. *out is owned by the caller: sqlite3_finalize().
 * Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_db_prepare(tk_db *db, sqlite3_stmt **out, const char *sql, tk_error *err);

/* Steps st once: returns 1 for a row, 0 when done, TK_EDB on error (the
 * statement is reset in that case). */
TK_MUST_CHECK int tk_db_step(tk_db *db, sqlite3_stmt *st, tk_error *err);

/* Transactions. begin uses BEGIN IMMEDIATE so a writer fails fast rather
 * than deadlocking on upgrade. rollback never fails and accepts a db with no
 * open transaction. */
TK_MUST_CHECK int tk_db_begin(tk_db *db, tk_error *err);
TK_MUST_CHECK int tk_db_commit(tk_db *db, tk_error *err);
void tk_db_rollback(tk_db *db);

/* 1 when db has no transaction open and no statement prepared other than
 * the idle ones tk_db_prepare_kept() keeps (so that it reads the newest
 * data at its next statement), else 0. For a pool of connections: one
 * that is not idle is closed, not kept. */
int tk_db_idle(tk_db *db);

/* Reads a single integer from a query with no parameters (e.g. a count).
 * Returns TK_OK, TK_ENOTFOUND (no row) or TK_EDB. */
TK_MUST_CHECK int tk_db_query_i64(tk_db *db, const char *sql, int64_t *out, tk_error *err);

/* *out = 1 if table has a column named col, else 0 (also when there is no
 * such table): what a migration asks before ALTER TABLE ... ADD COLUMN.
 * Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_db_has_column(tk_db *db, const char *table, const char *col, int *out,
                                   tk_error *err);

/* Binds len bytes of text (copied by SQLite) to parameter idx.
 * Returns TK_OK, TK_ERANGE (len does not fit SQLite's int) or TK_EDB. */
TK_MUST_CHECK int tk_db_bind_text(tk_db *db, sqlite3_stmt *st, int idx, const char *p, size_t len,
                                  tk_error *err);

/* ---- kept statements and memos ------------------------------------------
 *
 * For a connection that runs the same few statements many times (a pooled
 * read-only handle of the service): statements prepared once and kept,
 * and small values remembered while the database is unchanged. Both live
 * as long as db and, like db, are used by one thread at a time. */

/* The statement for sql (NUL-terminated, borrowed), prepared on db's
 * first request for that text and kept until db closes: *out is borrowed,
 * reset and with no parameter bound. Give it back with tk_db_release()
 * when done; asked for again before that (a nested use of the same text),
 * a statement of its own is prepared. Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_db_prepare_kept(tk_db *db, sqlite3_stmt **out, const char *sql, tk_error *err);

/* Gives back st from tk_db_prepare_kept(): reset, its bindings cleared
 * (no pointer bound with SQLITE_STATIC is kept), ready for the next use.
 * Accepts NULL. */
void tk_db_release(tk_db *db, sqlite3_stmt *st);

/* Longest memo key, in bytes. */
#define TK_DB_MEMO_KEY_MAX 480

/* The value remembered under key (NUL-terminated, borrowed) by
 * tk_db_memo_put(), if the database has not changed since: no commit by
 * another connection (PRAGMA data_version) and no row changed through db
 * itself (sqlite3_total_changes64). Any change forgets every value.
 * Returns 1 and sets *out (a hit), 0 (a miss: compute the value, then
 * put it), or TK_EDB. */
TK_MUST_CHECK int tk_db_memo_get(tk_db *db, const char *key, int64_t *out, tk_error *err);

/* Remembers v under key (copied) for the state of the database the last
 * tk_db_memo_get() saw, which must have missed on that key just before:
 * v is computed from that state or a newer one. A key longer than
 * TK_DB_MEMO_KEY_MAX, or no room to copy it, remembers nothing. */
void tk_db_memo_put(tk_db *db, const char *key, int64_t v);

/* Sets an error from the connection's last SQLite error with a context
 * string ("inserting event"); returns TK_EDB. */
int tk_db_error(tk_db *db, tk_error *err, const char *context);

/* The schema version stored in PRAGMA user_version. */
TK_MUST_CHECK int tk_db_user_version(tk_db *db, int *out, tk_error *err);
TK_MUST_CHECK int tk_db_set_user_version(tk_db *db, int v, tk_error *err);

#endif
