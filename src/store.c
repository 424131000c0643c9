/* src/store.c -- canonical event store.
 *
 * Schema notes. events carries no declared foreign keys: with foreign_keys
 * on, SQLite would look up the parent of every inserted row, which doubles
 * the cost of ingestion; the writer is the only code that inserts and it
 * takes every key from the dictionaries it maintains. Times are Unix
 * milliseconds (UTC-based); JST days are derived when features are built. */
#include "src/store.h"

#include <stdio.h>
#include <string.h>

#include "src/alloc.h"
#include "src/strmap.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS uploads("
    " id INTEGER PRIMARY KEY,"
    " file_name TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " profile TEXT NOT NULL,"
    " profile_version INTEGER NOT NULL DEFAULT 1,"
    " profile_sha256 TEXT,"
    " encoding TEXT,"
    " rows_total INTEGER NOT NULL DEFAULT 0,"
    " rows_accepted INTEGER NOT NULL DEFAULT 0,"
    " rows_rejected INTEGER NOT NULL DEFAULT 0,"
    " rows_skipped INTEGER NOT NULL DEFAULT 0,"
    " unknown_users INTEGER NOT NULL DEFAULT 0,"
    " unknown_terminals INTEGER NOT NULL DEFAULT 0,"
    " t_min INTEGER,"
    " t_max INTEGER,"
    " status TEXT NOT NULL CHECK(status IN ('stored','partial','rejected')),"
    " lenient INTEGER NOT NULL DEFAULT 0,"
    " error_report TEXT,"
    " message TEXT,"
    " started_at INTEGER NOT NULL,"
    " finished_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS uploads_sha256 ON uploads(sha256)"
    " WHERE status IN ('stored','partial');"
    "CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " resolved INTEGER NOT NULL DEFAULT 1);"
    "CREATE TABLE IF NOT EXISTS terminals(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " resolved INTEGER NOT NULL DEFAULT 1);"
    "CREATE TABLE IF NOT EXISTS systems(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS functions(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS subjects(id INTEGER PRIMARY KEY, pseudonym BLOB NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS devices(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " serial TEXT NOT NULL, UNIQUE(name, serial));"
    "CREATE TABLE IF NOT EXISTS media_files(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS events("
    " id INTEGER PRIMARY KEY,"
    " upload_id INTEGER NOT NULL,"
    " t INTEGER NOT NULL,"
    " system_id INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL,"
    " terminal_id INTEGER,"
    " op INTEGER NOT NULL,"
    " function_id INTEGER,"
    " subject_id INTEGER,"
    " result INTEGER NOT NULL DEFAULT 0,"
    " count INTEGER,"
    " mynumber INTEGER,"
    " bytes INTEGER,"
    " device_id INTEGER,"
    " file_id INTEGER,"
    " detail TEXT);"
    "CREATE INDEX IF NOT EXISTS events_t ON events(t);"
    "CREATE INDEX IF NOT EXISTS events_user_t ON events(user_id, t);"
    "CREATE INDEX IF NOT EXISTS events_upload ON events(upload_id);";

int tk_store_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db, schema_sql, err);
}

/* ---- the writer -------------------------------------------------------
 *
 * Dictionaries are loaded into memory when a writer begins (they are small:
 * hundreds of staff and terminals, a few dozen systems and functions) and
 * extended as new values appear, so the hot path does no SQL lookups. The
 * map value packs the row id with two flags: bit 0 "resolved through master
 * data" and bit 1 "already counted as unknown in this upload". Subjects are
 * cached from raw identifier to row id for the life of the writer only; the
 * database holds nothing but the pseudonym. */

enum { D_USER, D_TERMINAL, D_SYSTEM, D_FUNCTION, D_FILE, D_DEVICE, ND };

static const char *const dict_table[ND] = {"users",     "terminals",   "systems",
                                           "functions", "media_files", "devices"};

struct tk_store_writer {
    tk_db *db;
    tk_store_pseudonym_fn pseudonym;
    void *ctx;
    int64_t upload_id;
    tk_strmap *dict[ND];
    tk_strmap *subjects;
    sqlite3_stmt *ins_dict[ND];
    sqlite3_stmt *resolve_user;
    sqlite3_stmt *resolve_terminal;
    sqlite3_stmt *find_subject;
    sqlite3_stmt *ins_subject;
    sqlite3_stmt *ins_event;
    uint64_t unknown_users;
    uint64_t unknown_terminals;
    char keybuf[1024];
};

static void writer_free(tk_store_writer *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < ND; i++) {
        tk_strmap_destroy(w->dict[i]);
        sqlite3_finalize(w->ins_dict[i]);
    }
    tk_strmap_destroy(w->subjects);
    sqlite3_finalize(w->resolve_user);
    sqlite3_finalize(w->resolve_terminal);
    sqlite3_finalize(w->find_subject);
    sqlite3_finalize(w->ins_subject);
    sqlite3_finalize(w->ins_event);
    tk_free(w);
}

static int load_dict(tk_store_writer *w, size_t d, tk_error *err)
{
    char sql[160];
    sqlite3_stmt *st = NULL;
    int rc;
    if (d == D_DEVICE)
        snprintf(sql, sizeof sql, "SELECT id, name || char(31) || serial, 1 FROM devices");
    else if (d == D_USER || d == D_TERMINAL)
        snprintf(sql, sizeof sql, "SELECT id, name, resolved FROM %s", dict_table[d]);
    else
        snprintf(sql, sizeof sql, "SELECT id, name, 1 FROM %s", dict_table[d]);
    rc = tk_db_prepare(w->db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    while ((rc = tk_db_step(w->db, st, err)) == 1) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const size_t len = (size_t)sqlite3_column_bytes(st, 1);
        const int64_t v = sqlite3_column_int64(st, 0) * 4 + (sqlite3_column_int(st, 2) ? 1 : 0);
        rc = tk_strmap_put(w->dict[d], name ? name : "", len, v, NULL, err);
        if (rc != TK_OK)
            break;
    }
    sqlite3_finalize(st);
    return rc < 0 ? rc : TK_OK;
}

static int prepare_all(tk_store_writer *w, tk_error *err)
{
    int rc;
    for (size_t d = 0; d < ND; d++) {
        char sql[160];
        if (d == D_DEVICE)
            snprintf(sql, sizeof sql, "INSERT INTO devices(name, serial) VALUES(?1, ?2)");
        else if (d == D_USER || d == D_TERMINAL)
            snprintf(sql, sizeof sql, "INSERT INTO %s(name, resolved) VALUES(?1, ?2)",
                     dict_table[d]);
        else
            snprintf(sql, sizeof sql, "INSERT INTO %s(name) VALUES(?1)", dict_table[d]);
        rc = tk_db_prepare(w->db, &w->ins_dict[d], sql, err);
        if (rc != TK_OK)
            return rc;
    }
    rc = tk_db_prepare(w->db, &w->resolve_user, "UPDATE users SET resolved = 1 WHERE id = ?1", err);
    if (rc == TK_OK)
        rc = tk_db_prepare(w->db, &w->resolve_terminal,
                           "UPDATE terminals SET resolved = 1 WHERE id = ?1", err);
    if (rc == TK_OK)
        rc = tk_db_prepare(w->db, &w->find_subject, "SELECT id FROM subjects WHERE pseudonym = ?1",
                           err);
    if (rc == TK_OK)
        rc = tk_db_prepare(w->db, &w->ins_subject, "INSERT INTO subjects(pseudonym) VALUES(?1)",
                           err);
    if (rc == TK_OK)
        rc = tk_db_prepare(w->db, &w->ins_event,
                           "INSERT INTO events(upload_id, t, system_id, user_id, terminal_id, op,"
                           " function_id, subject_id, result, count, mynumber, bytes, device_id,"
                           " file_id, detail) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
                           "?14,?15)",
                           err);
    return rc;
}

int tk_store_writer_begin(tk_store_writer **out, tk_db *db, const tk_upload_meta *m,
                          tk_store_pseudonym_fn pseudonym, void *ctx, tk_error *err)
{
    tk_store_writer *w = NULL;
    sqlite3_stmt *st = NULL;
    int rc;
    int began = 0;

    *out = NULL;
    w = tk_calloc(1, sizeof *w);
    if (w == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory starting an upload");
    w->db = db;
    w->pseudonym = pseudonym;
    w->ctx = ctx;
    for (size_t d = 0; d < ND; d++) {
        rc = tk_strmap_create(&w->dict[d], err);
        if (rc != TK_OK)
            goto done;
    }
    rc = tk_strmap_create(&w->subjects, err);
    if (rc != TK_OK)
        goto done;
    rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        goto done;
    began = 1;
    for (size_t d = 0; d < ND; d++) {
        rc = load_dict(w, d, err);
        if (rc != TK_OK)
            goto done;
    }
    rc = prepare_all(w, err);
    if (rc != TK_OK)
        goto done;
    rc = tk_db_prepare(db, &st,
                       "INSERT INTO uploads(file_name, size, sha256, profile, profile_version,"
                       " profile_sha256, status, lenient, started_at, finished_at)"
                       " VALUES(?1, ?2, '', ?3, ?4, ?5, 'rejected', ?6, ?7, ?7)",
                       err);
    if (rc != TK_OK)
        goto done;
    sqlite3_bind_text(st, 1, m->file_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, m->size);
    sqlite3_bind_text(st, 3, m->profile, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, m->profile_version);
    sqlite3_bind_text(st, 5, m->profile_sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, m->lenient);
    sqlite3_bind_int64(st, 7, m->started_at);
    rc = tk_db_step(db, st, err);
    if (rc < 0)
        goto done;
    rc = TK_OK;
    w->upload_id = sqlite3_last_insert_rowid(tk_db_handle(db));
    *out = w;
    w = NULL;
done:
    sqlite3_finalize(st);
    if (w != NULL && began)
        tk_db_rollback(db);
    writer_free(w);
    return rc;
}

/* Returns the dictionary id for len bytes at p, inserting when new.
 * resolved: -1 not applicable, else whether the value was resolved. */
static int dict_id(tk_store_writer *w, size_t d, const char *p, size_t len, const char *p2,
                   size_t len2, int resolved, int64_t *id, tk_error *err)
{
    const char *key = p;
    size_t klen = len;
    if (d == D_DEVICE) {
        /* Devices are keyed by name and serial together, joined by the
         * unit separator the SQL loader uses too. */
        if (len + len2 + 1 > sizeof w->keybuf)
            return tk_error_set(err, TK_ERANGE, "device name and serial longer than %zu bytes",
                                sizeof w->keybuf);
        memcpy(w->keybuf, p, len);
        w->keybuf[len] = 31;
        memcpy(w->keybuf + len + 1, p2, len2);
        key = w->keybuf;
        klen = len + len2 + 1;
    }
    int64_t *v = tk_strmap_get(w->dict[d], key, klen);
    int rc;
    if (v != NULL) {
        if (resolved >= 0 && !(*v & 2) && !(*v & 1) && !resolved) {
            *v |= 2;
            if (d == D_USER)
                w->unknown_users++;
            else
                w->unknown_terminals++;
        }
        if (resolved == 1 && !(*v & 1)) {
            sqlite3_stmt *st = d == D_USER ? w->resolve_user : w->resolve_terminal;
            sqlite3_bind_int64(st, 1, *v / 4);
            rc = tk_db_step(w->db, st, err);
            sqlite3_reset(st);
            if (rc < 0)
                return rc;
            *v |= 1;
        }
        *id = *v / 4;
        return TK_OK;
    }
    sqlite3_stmt *st = w->ins_dict[d];
    rc = tk_db_bind_text(w->db, st, 1, p, len, err);
    if (rc != TK_OK)
        return rc;
    if (d == D_DEVICE)
        rc = tk_db_bind_text(w->db, st, 2, p2, len2, err);
    else if (d == D_USER || d == D_TERMINAL)
        sqlite3_bind_int(st, 2, resolved > 0);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_step(w->db, st, err);
    sqlite3_reset(st);
    if (rc < 0)
        return rc;
    *id = sqlite3_last_insert_rowid(tk_db_handle(w->db));
    int64_t packed = *id * 4 + (resolved != 0 ? 1 : 0);
    if (resolved == 0) {
        packed |= 2;
        if (d == D_USER)
            w->unknown_users++;
        else
            w->unknown_terminals++;
    }
    return tk_strmap_put(w->dict[d], key, klen, packed, NULL, err);
}

static int subject_id(tk_store_writer *w, const char *p, size_t len, int64_t *id, tk_error *err)
{
    const int64_t *v = tk_strmap_get(w->subjects, p, len);
    if (v != NULL) {
        *id = *v;
        return TK_OK;
    }
    uint8_t ps[32];
    int rc = w->pseudonym(w->ctx, p, len, ps, err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_blob(w->find_subject, 1, ps, sizeof ps, SQLITE_TRANSIENT);
    rc = tk_db_step(w->db, w->find_subject, err);
    if (rc == 1)
        *id = sqlite3_column_int64(w->find_subject, 0);
    sqlite3_reset(w->find_subject);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        sqlite3_bind_blob(w->ins_subject, 1, ps, sizeof ps, SQLITE_TRANSIENT);
        rc = tk_db_step(w->db, w->ins_subject, err);
        sqlite3_reset(w->ins_subject);
        if (rc < 0)
            return rc;
        *id = sqlite3_last_insert_rowid(tk_db_handle(w->db));
    }
    return tk_strmap_put(w->subjects, p, len, *id, NULL, err);
}

static int bind_opt_dict(tk_store_writer *w, int idx, size_t d, const tk_view *v, tk_error *err)
{
    if (v->p == NULL) {
        sqlite3_bind_null(w->ins_event, idx);
        return TK_OK;
    }
    int64_t id;
    const int rc = dict_id(w, d, v->p, v->len, NULL, 0, -1, &id, err);
    if (rc == TK_OK)
        sqlite3_bind_int64(w->ins_event, idx, id);
    return rc;
}

int tk_store_writer_add(tk_store_writer *w, const tk_event *ev, tk_error *err)
{
    sqlite3_stmt *st = w->ins_event;
    int64_t id;
    int rc;

    sqlite3_bind_int64(st, 1, w->upload_id);
    sqlite3_bind_int64(st, 2, ev->t);
    rc = dict_id(w, D_SYSTEM, ev->system.p, ev->system.len, NULL, 0, -1, &id, err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 3, id);
    rc = dict_id(w, D_USER, ev->user.p, ev->user.len, NULL, 0, ev->user_resolved, &id, err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 4, id);
    if (ev->terminal.p != NULL) {
        rc = dict_id(w, D_TERMINAL, ev->terminal.p, ev->terminal.len, NULL, 0,
                     ev->terminal_resolved, &id, err);
        if (rc != TK_OK)
            return rc;
        sqlite3_bind_int64(st, 5, id);
    } else {
        sqlite3_bind_null(st, 5);
    }
    sqlite3_bind_int(st, 6, ev->op);
    rc = bind_opt_dict(w, 7, D_FUNCTION, &ev->function, err);
    if (rc != TK_OK)
        return rc;
    if (ev->subject.p != NULL) {
        rc = subject_id(w, ev->subject.p, ev->subject.len, &id, err);
        if (rc != TK_OK)
            return rc;
        sqlite3_bind_int64(st, 8, id);
    } else {
        sqlite3_bind_null(st, 8);
    }
    sqlite3_bind_int(st, 9, ev->result);
    if (ev->has_count)
        sqlite3_bind_int64(st, 10, ev->count);
    else
        sqlite3_bind_null(st, 10);
    if (ev->mynumber >= 0)
        sqlite3_bind_int(st, 11, ev->mynumber);
    else
        sqlite3_bind_null(st, 11);
    if (ev->has_bytes)
        sqlite3_bind_int64(st, 12, ev->bytes);
    else
        sqlite3_bind_null(st, 12);
    if (ev->device.p != NULL || ev->serial.p != NULL) {
        const tk_view dn = ev->device.p ? ev->device : (tk_view){"", 0};
        const tk_view sn = ev->serial.p ? ev->serial : (tk_view){"", 0};
        rc = dict_id(w, D_DEVICE, dn.p, dn.len, sn.p, sn.len, -1, &id, err);
        if (rc != TK_OK)
            return rc;
        sqlite3_bind_int64(st, 13, id);
    } else {
        sqlite3_bind_null(st, 13);
    }
    rc = bind_opt_dict(w, 14, D_FILE, &ev->file, err);
    if (rc != TK_OK)
        return rc;
    if (ev->detail.p != NULL) {
        rc = tk_db_bind_text(w->db, st, 15, ev->detail.p, ev->detail.len, err);
        if (rc != TK_OK)
            return rc;
    } else {
        sqlite3_bind_null(st, 15);
    }
    rc = tk_db_step(w->db, st, err);
    sqlite3_reset(st);
    return rc < 0 ? rc : TK_OK;
}

uint64_t tk_store_writer_unknown_users(const tk_store_writer *w)
{
    return w->unknown_users;
}

uint64_t tk_store_writer_unknown_terminals(const tk_store_writer *w)
{
    return w->unknown_terminals;
}

void tk_store_writer_abort(tk_store_writer *w)
{
    if (w == NULL)
        return;
    tk_db *db = w->db;
    writer_free(w);
    tk_db_rollback(db);
}

static int update_upload(tk_db *db, int64_t id, const tk_upload_summary *s, uint64_t uu,
                         uint64_t ut, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "UPDATE uploads SET sha256=?2, encoding=?3, status=?4, rows_total=?5,"
                           " rows_accepted=?6, rows_rejected=?7, rows_skipped=?8,"
                           " unknown_users=?9, unknown_terminals=?10, t_min=?11, t_max=?12,"
                           " error_report=?13, message=?14, finished_at=?15 WHERE id=?1",
                           err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, s->sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, s->encoding, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, s->status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (int64_t)s->rows_total);
    sqlite3_bind_int64(st, 6, (int64_t)s->rows_accepted);
    sqlite3_bind_int64(st, 7, (int64_t)s->rows_rejected);
    sqlite3_bind_int64(st, 8, (int64_t)s->rows_skipped);
    sqlite3_bind_int64(st, 9, (int64_t)uu);
    sqlite3_bind_int64(st, 10, (int64_t)ut);
    if (s->rows_accepted > 0) {
        sqlite3_bind_int64(st, 11, s->t_min);
        sqlite3_bind_int64(st, 12, s->t_max);
    }
    if (s->error_report)
        sqlite3_bind_text(st, 13, s->error_report, -1, SQLITE_TRANSIENT);
    if (s->message)
        sqlite3_bind_text(st, 14, s->message, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 15, s->finished_at);
    rc = tk_db_step(db, st, err);
    sqlite3_finalize(st);
    return rc < 0 ? rc : TK_OK;
}

int tk_store_find_upload(tk_db *db, const char *sha256, int64_t *upload_id, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "SELECT id FROM uploads WHERE sha256 = ?1 AND status IN"
                           " ('stored','partial') ORDER BY id LIMIT 1",
                           err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_TRANSIENT);
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        *upload_id = sqlite3_column_int64(st, 0);
        rc = TK_OK;
    } else if (rc == 0) {
        rc = TK_ENOTFOUND;
    }
    sqlite3_finalize(st);
    return rc;
}

int tk_store_writer_commit(tk_store_writer *w, const tk_upload_summary *s, int64_t *upload_id,
                           tk_error *err)
{
    tk_db *db = w->db;
    int64_t dup = 0;
    int rc = tk_store_find_upload(db, s->sha256, &dup, err);
    if (rc == TK_OK) {
        rc = tk_error_set(err, TK_EEXISTS,
                          "identical to upload #%lld (same SHA-256); not stored "
                          "again",
                          (long long)dup);
        goto fail;
    }
    if (rc != TK_ENOTFOUND)
        goto fail;
    *upload_id = w->upload_id;
    rc = update_upload(db, w->upload_id, s, w->unknown_users, w->unknown_terminals, err);
    if (rc != TK_OK)
        goto fail;
    writer_free(w);
    rc = tk_db_commit(db, err);
    if (rc != TK_OK)
        tk_db_rollback(db);
    return rc;
fail:
    tk_store_writer_abort(w);
    return rc;
}

int tk_store_record_rejected(tk_db *db, const tk_upload_meta *m, const tk_upload_summary *s,
                             int64_t *upload_id, tk_error *err)
{
    tk_store_writer *w = NULL;
    int rc = tk_store_writer_begin(&w, db, m, NULL, NULL, err);
    if (rc != TK_OK)
        return rc;
    *upload_id = w->upload_id;
    rc = update_upload(db, w->upload_id, s, 0, 0, err);
    if (rc != TK_OK) {
        tk_store_writer_abort(w);
        return rc;
    }
    writer_free(w);
    rc = tk_db_commit(db, err);
    if (rc != TK_OK)
        tk_db_rollback(db);
    return rc;
}

int tk_store_has_upload_size(tk_db *db, int64_t size)
{
    sqlite3_stmt *st = NULL;
    if (tk_db_prepare(db, &st,
                      "SELECT 1 FROM uploads WHERE size = ?1 AND status IN ('stored','partial')",
                      NULL) != TK_OK)
        return 1;
    sqlite3_bind_int64(st, 1, size);
    const int rc = tk_db_step(db, st, NULL);
    sqlite3_finalize(st);
    return rc != 0;
}

int tk_store_count_events(tk_db *db, int64_t *out, tk_error *err)
{
    return tk_db_query_i64(db, "SELECT count(*) FROM events", out, err);
}
