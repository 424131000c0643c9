/* src/db.c -- SQLite connection wrapper.
 *
 * WAL is chosen because readers (the API server, reports) must not block the
 * ingesting writer, and because a crash mid-transaction leaves the database
 * exactly as of the last commit: ingestion relies on that for its
 * all-or-nothing guarantee. synchronous=NORMAL in WAL mode keeps durability
 * across application crashes (only an OS crash can lose the last commits,
 * never corrupt the file).
 *
 * Kept statements: preparing a statement parses its text and plans it,
 * which for the service's list queries (a few KB of SQL with correlated
 * subqueries) costs as much as running them on a page. A connection keeps
 * up to KEPT_MAX statements it was asked to keep, found by the text's
 * hash and then the text itself; when all slots are taken, the next one
 * not in use is finalized round-robin. A kept statement is reset and its
 * bindings cleared when given back, so it holds no read transaction and
 * no caller's pointer between uses. SQLite re-prepares it by itself if
 * the schema changes (sqlite3_prepare_v2).
 *
 * Memos: PRAGMA data_version changes when another connection commits to
 * the file, and sqlite3_total_changes64() grows with every row this
 * connection changes (also rolled back ones, which only forgets too much).
 * The pair therefore names a state of the database as this connection
 * sees it; a memo remembers values for one such state and forgets them
 * all when the pair moves. A value computed after the get that named the
 * state reflects that state or a newer one, and a newer one moves the pair
 * before the value can be read again. */
#include "src/db.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "src/alloc.h"
#include "src/checked.h"

#define KEPT_MAX 16
#define MEMO_MAX 32

struct kept {
    sqlite3_stmt *st;
    uint64_t hash; /* of its text */
    size_t len;    /* of its text */
    int lent;      /* handed out and not yet released */
};

struct memo {
    char *key;
    int64_t value;
};

struct tk_db {
    sqlite3 *h;
    struct kept kept[KEPT_MAX];
    size_t nkept, kept_next; /* slots used; the next one to evict */
    struct memo memo[MEMO_MAX];
    size_t nmemo, memo_next;
    int memo_valid;             /* memo_version and memo_changes are set */
    int64_t memo_version;       /* PRAGMA data_version of the remembered state */
    sqlite3_int64 memo_changes; /* sqlite3_total_changes64() of that state */
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

static void memo_forget(tk_db *db)
{
    for (size_t i = 0; i < db->nmemo; i++)
        tk_free(db->memo[i].key);
    db->nmemo = 0;
    db->memo_next = 0;
    db->memo_valid = 0;
}

void tk_db_close(tk_db *db)
{
    if (db == NULL)
        return;
    for (size_t i = 0; i < db->nkept; i++)
        sqlite3_finalize(db->kept[i].st);
    memo_forget(db);
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

static struct kept *kept_of(tk_db *db, const sqlite3_stmt *st)
{
    for (size_t i = 0; i < db->nkept; i++)
        if (db->kept[i].st == st)
            return &db->kept[i];
    return NULL;
}

int tk_db_idle(tk_db *db)
{
    if (db == NULL || !sqlite3_get_autocommit(db->h))
        return 0;
    for (sqlite3_stmt *st = NULL; (st = sqlite3_next_stmt(db->h, st)) != NULL;) {
        const struct kept *k = kept_of(db, st);
        if (k == NULL || k->lent || sqlite3_stmt_busy(st))
            return 0;
    }
    return 1;
}

/* FNV-1a, 64 bits: tells kept statements apart before their texts are
 * compared. */
static uint64_t text_hash(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

int tk_db_prepare_kept(tk_db *db, sqlite3_stmt **out, const char *sql, tk_error *err)
{
    const size_t len = strlen(sql);
    const uint64_t hash = text_hash(sql, len);
    int in_use = 0;
    *out = NULL;
    for (size_t i = 0; i < db->nkept; i++) {
        struct kept *k = &db->kept[i];
        if (k->hash != hash || k->len != len || strcmp(sqlite3_sql(k->st), sql) != 0)
            continue;
        if (k->lent) {
            in_use = 1; /* a nested use: one of its own, not kept */
            break;
        }
        k->lent = 1;
        *out = k->st;
        return TK_OK;
    }
    const int rc = tk_db_prepare(db, out, sql, err);
    if (rc != TK_OK || in_use)
        return rc;
    struct kept *slot = NULL;
    if (db->nkept < KEPT_MAX) {
        slot = &db->kept[db->nkept++];
    } else {
        for (size_t i = 0; i < KEPT_MAX && slot == NULL; i++) {
            struct kept *k = &db->kept[(db->kept_next + i) % KEPT_MAX];
            if (!k->lent) {
                sqlite3_finalize(k->st);
                slot = k;
                db->kept_next = (db->kept_next + i + 1) % KEPT_MAX;
            }
        }
    }
    if (slot != NULL)
        *slot = (struct kept){*out, hash, len, 1};
    return TK_OK;
}

void tk_db_release(tk_db *db, sqlite3_stmt *st)
{
    if (st == NULL)
        return;
    struct kept *k = kept_of(db, st);
    if (k == NULL) {
        sqlite3_finalize(st);
        return;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    k->lent = 0;
}

int tk_db_memo_get(tk_db *db, const char *key, int64_t *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t version = 0;
    int rc = tk_db_prepare_kept(db, &st, "PRAGMA data_version", err);
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    if (rc == 1)
        version = sqlite3_column_int64(st, 0);
    tk_db_release(db, st);
    if (rc < 0)
        return rc;
    const sqlite3_int64 changes = sqlite3_total_changes64(db->h);
    if (!db->memo_valid || version != db->memo_version || changes != db->memo_changes) {
        memo_forget(db);
        db->memo_valid = 1;
        db->memo_version = version;
        db->memo_changes = changes;
        return 0;
    }
    for (size_t i = 0; i < db->nmemo; i++) {
        if (strcmp(db->memo[i].key, key) == 0) {
            *out = db->memo[i].value;
            return 1;
        }
    }
    return 0;
}

void tk_db_memo_put(tk_db *db, const char *key, int64_t v)
{
    const size_t len = strlen(key);
    if (!db->memo_valid || len > TK_DB_MEMO_KEY_MAX)
        return;
    for (size_t i = 0; i < db->nmemo; i++) {
        if (strcmp(db->memo[i].key, key) == 0) {
            db->memo[i].value = v;
            return;
        }
    }
    char *copy = tk_strndup(key, len);
    if (copy == NULL)
        return;
    struct memo *slot;
    if (db->nmemo < MEMO_MAX) {
        slot = &db->memo[db->nmemo++];
    } else {
        slot = &db->memo[db->memo_next];
        db->memo_next = (db->memo_next + 1) % MEMO_MAX;
        tk_free(slot->key);
    }
    *slot = (struct memo){copy, v};
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
