/* src/audit.c -- the append-only audit log.
 *
 * One table, written by INSERT only. Append-only is enforced by the
 * database itself rather than by the discipline of its callers: BEFORE
 * UPDATE and BEFORE DELETE triggers raise an error, so no code path of
 * tenken (and no mistaken SQL typed into the sqlite3 shell) can rewrite
 * or remove a record without first dropping the trigger, which is itself
 * a deliberate act on the file. The id is an INTEGER PRIMARY KEY
 * AUTOINCREMENT so that ids are never reused and grow in order of
 * writing: a page of the log is "the next N after id X", stable while new
 * records arrive, which a page number would not be.
 *
 * Texts are bound as parameters (never spliced into SQL) and cut to
 * TEXT_MAX bytes at a character boundary, so that one oversized request
 * detail cannot bloat the log. */
#include "src/audit.h"

#include <stdio.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"

#define TEXT_MAX 2000

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS audit("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " time_ms INTEGER NOT NULL,"
    " tenant TEXT,"
    " actor TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " address TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " target TEXT,"
    " outcome TEXT NOT NULL,"
    " detail TEXT);"
    "CREATE INDEX IF NOT EXISTS audit_time ON audit(time_ms);"
    "CREATE INDEX IF NOT EXISTS audit_tenant ON audit(tenant, id);"
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: records cannot be changed'); END;"
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: records cannot be deleted'); END;";

int tk_audit_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db, schema_sql, err);
}

/* Length of s cut to at most TEXT_MAX bytes without splitting a UTF-8
 * sequence (a continuation byte 10xxxxxx never starts the kept tail). */
static size_t cut_len(const char *s)
{
    size_t n = strlen(s);
    if (n <= TEXT_MAX)
        return n;
    n = TEXT_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static int bind_opt(tk_db *db, sqlite3_stmt *st, int idx, const char *s, tk_error *err)
{
    if (s == NULL) {
        if (sqlite3_bind_null(st, idx) != SQLITE_OK)
            return tk_db_error(db, err, "binding an audit field");
        return TK_OK;
    }
    return tk_db_bind_text(db, st, idx, s, cut_len(s), err);
}

int tk_audit_record(tk_db *db, const tk_actor *actor, const char *tenant, const char *action,
                    const char *target, const char *outcome, const char *detail, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    /* Kept prepared: the service records every request. */
    int rc = tk_db_prepare_kept(db, &st,
                                "INSERT INTO audit(time_ms, tenant, actor, role, address, action, "
                                "target, outcome, detail) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                err);
    if (rc != TK_OK)
        return rc;
    if (sqlite3_bind_int64(st, 1, tk_actor_now(actor)) != SQLITE_OK) {
        rc = tk_db_error(db, err, "binding the audit time");
        goto done;
    }
    const char *const texts[] = {tenant,
                                 actor->name,
                                 actor->role ? actor->role : "",
                                 actor->address ? actor->address : "",
                                 action,
                                 target,
                                 outcome,
                                 detail};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0] && rc == TK_OK; i++)
        rc = bind_opt(db, st, (int)i + 2, texts[i], err);
    if (rc != TK_OK)
        goto done;
    rc = tk_db_step(db, st, err);
    if (rc == 0)
        rc = TK_OK;
    else if (rc == 1)
        rc = tk_error_set(err, TK_EINTERNAL, "an insert into the audit log returned a row");
    else
        tk_error_prefix(err, "writing the audit log");
done:
    tk_db_release(db, st);
    return rc;
}

static char *dup_col(sqlite3_stmt *st, int col, int *oom)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    if (s == NULL)
        return NULL;
    char *d = tk_strndup((const char *)s, (size_t)sqlite3_column_bytes(st, col));
    if (d == NULL)
        *oom = 1;
    return d;
}

void tk_audit_entries_free(tk_audit_entry *e, size_t n)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        tk_free(e[i].tenant);
        tk_free(e[i].actor);
        tk_free(e[i].role);
        tk_free(e[i].address);
        tk_free(e[i].action);
        tk_free(e[i].target);
        tk_free(e[i].outcome);
        tk_free(e[i].detail);
    }
    tk_free(e);
}

int tk_audit_list(tk_db *db, const tk_audit_filter *f, tk_audit_entry **out, size_t *n,
                  tk_error *err)
{
    sqlite3_stmt *st = NULL;
    tk_audit_entry *e = NULL;
    size_t count = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (f->limit > TK_AUDIT_LIMIT_MAX)
        return tk_error_set(err, TK_EINVAL, "at most %d audit records at a time, not %zu",
                            TK_AUDIT_LIMIT_MAX, f->limit);
    const size_t limit = f->limit ? f->limit : TK_AUDIT_LIMIT_MAX;
    /* Every filter is always in the statement; a NULL or 0 parameter turns
     * its condition off, so one statement text serves every combination. */
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT id, time_ms, tenant, actor, role, address, action, target, outcome, detail "
             "FROM audit WHERE (?1 = 0 OR time_ms >= ?1) AND (?2 = 0 OR time_ms < ?2) "
             "AND (?3 IS NULL OR tenant = ?3) AND (?4 IS NULL OR actor = ?4) "
             "AND (?5 IS NULL OR action = ?5) AND (?6 = 0 OR id > ?6) AND (?7 = 0 OR id < ?7) "
             "ORDER BY id %s LIMIT ?8",
             f->newest_first ? "DESC" : "ASC");
    rc = tk_db_prepare(db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    const char *const texts[] = {f->tenant, f->actor, f->action};
    int bad = sqlite3_bind_int64(st, 1, f->since_ms) != SQLITE_OK ||
              sqlite3_bind_int64(st, 2, f->until_ms) != SQLITE_OK ||
              sqlite3_bind_int64(st, 6, f->after_id) != SQLITE_OK ||
              sqlite3_bind_int64(st, 7, f->before_id) != SQLITE_OK ||
              sqlite3_bind_int64(st, 8, (sqlite3_int64)limit) != SQLITE_OK;
    for (size_t i = 0; i < 3 && !bad; i++)
        bad = sqlite3_bind_text(st, (int)i + 3, texts[i], -1, SQLITE_TRANSIENT) != SQLITE_OK;
    if (bad) {
        rc = tk_db_error(db, err, "binding the audit filter");
        goto done;
    }
    e = tk_calloc(limit < 64 ? limit : 64, sizeof *e);
    size_t cap = limit < 64 ? limit : 64;
    if (e == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the audit log");
        goto done;
    }
    while ((rc = tk_db_step(db, st, err)) == 1) {
        if (count == cap) {
            size_t bytes;
            const size_t ncap = cap * 2 < limit ? cap * 2 : limit;
            tk_audit_entry *g = NULL;
            if (tk_mul_size(ncap, sizeof *e, &bytes))
                g = tk_realloc(e, bytes);
            if (g == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the audit log");
                goto done;
            }
            e = g;
            memset(e + cap, 0, (ncap - cap) * sizeof *e);
            cap = ncap;
        }
        tk_audit_entry *r = &e[count++];
        int oom = 0;
        r->id = sqlite3_column_int64(st, 0);
        r->time_ms = sqlite3_column_int64(st, 1);
        r->tenant = dup_col(st, 2, &oom);
        r->actor = dup_col(st, 3, &oom);
        r->role = dup_col(st, 4, &oom);
        r->address = dup_col(st, 5, &oom);
        r->action = dup_col(st, 6, &oom);
        r->target = dup_col(st, 7, &oom);
        r->outcome = dup_col(st, 8, &oom);
        r->detail = dup_col(st, 9, &oom);
        if (oom) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the audit log");
            goto done;
        }
    }
    if (rc < 0)
        goto done;
    rc = TK_OK;
    if (count > 0) {
        *out = e;
        *n = count;
        e = NULL;
    }
done:
    tk_audit_entries_free(e, count);
    sqlite3_finalize(st);
    return rc;
}
