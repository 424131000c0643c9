/* src/store.c -- canonical event store.
 *
 * Schema notes. Events live in event_blocks, up to TK_EVBLOCK_MAX per row,
 * in the columnar format of src/evblock.h: one SQLite row per event made
 * SQLite's per-row B-tree work (and the per-row work of every index) the
 * whole cost of ingestion, several times what parsing costs. A block row is
 * indexed by its time range and its upload, which is what readers select
 * by: a period (features, reports) or an upload (deletion). Within an upload
 * blocks follow the file's order, and logs are written in time order, so a
 * block covers a short time range.
 *
 * Event ids are block id * TK_EVBLOCK_MAX + position, stable for the life
 * of the block. Blocks carry no declared foreign keys: the writer is the
 * only code that inserts and takes every key from the dictionaries it
 * maintains. Times are Unix milliseconds; JST days are derived by readers.
 *
 * terminal_addresses records, per JST day, which terminal a network address
 * belonged to, as logs that write both (a logon log's host name and IP)
 * say. The address is interned in the terminals dictionary, so its id is
 * the one events logged by that address alone carry as their terminal;
 * readers (features/dayevents.c) join the two. One row per distinct (day,
 * address, terminal): a day's thousands of logon rows of one host give one
 * row, deduplicated in memory by the writer and by the primary key across
 * uploads. */
#include "src/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/evblock.h"
#include "src/strmap.h"
#include "src/timefmt.h"

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
    " finished_at INTEGER NOT NULL,"
    " uploaded_by TEXT NOT NULL DEFAULT '');"
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
    "CREATE TABLE IF NOT EXISTS event_blocks("
    " id INTEGER PRIMARY KEY,"
    " upload_id INTEGER NOT NULL,"
    " t_min INTEGER NOT NULL,"
    " t_max INTEGER NOT NULL,"
    " n INTEGER NOT NULL,"
    " data BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS event_blocks_t ON event_blocks(t_max, t_min);"
    "CREATE INDEX IF NOT EXISTS event_blocks_upload ON event_blocks(upload_id);"
    "CREATE TABLE IF NOT EXISTS terminal_addresses("
    " day INTEGER NOT NULL,"
    " address_id INTEGER NOT NULL,"
    " terminal_id INTEGER NOT NULL,"
    " PRIMARY KEY(day, address_id, terminal_id)) WITHOUT ROWID;";

int tk_store_migrate(tk_db *db, tk_error *err)
{
    int has = 0;
    int rc = tk_db_exec(db, schema_sql, err);
    if (rc == TK_OK)
        rc = tk_db_has_column(db, "uploads", "uploaded_by", &has, err);
    /* Stores made before the uploader was recorded on the row keep ''
     * (unknown) on their uploads; the audit log still names who. */
    if (rc == TK_OK && !has)
        rc = tk_db_exec(db, "ALTER TABLE uploads ADD COLUMN uploaded_by TEXT NOT NULL DEFAULT ''",
                        err);
    return rc;
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
    tk_strmap *addresses; /* (day, address, terminal) triples recorded by this writer */
    sqlite3_stmt *ins_dict[ND];
    sqlite3_stmt *resolve_user;
    sqlite3_stmt *resolve_terminal;
    sqlite3_stmt *find_subject;
    sqlite3_stmt *ins_subject;
    sqlite3_stmt *ins_block;
    sqlite3_stmt *ins_address;
    tk_evblock_writer *block;
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
    tk_strmap_destroy(w->addresses);
    sqlite3_finalize(w->resolve_user);
    sqlite3_finalize(w->resolve_terminal);
    sqlite3_finalize(w->find_subject);
    sqlite3_finalize(w->ins_subject);
    sqlite3_finalize(w->ins_block);
    sqlite3_finalize(w->ins_address);
    tk_evblock_writer_destroy(w->block);
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
        rc = tk_db_prepare(w->db, &w->ins_block,
                           "INSERT INTO event_blocks(upload_id, t_min, t_max, n, data)"
                           " VALUES(?1, ?2, ?3, ?4, ?5)",
                           err);
    if (rc == TK_OK)
        rc = tk_db_prepare(w->db, &w->ins_address,
                           "INSERT OR IGNORE INTO terminal_addresses(day, address_id, terminal_id)"
                           " VALUES(?1, ?2, ?3)",
                           err);
    return rc;
}

/* Inserts the upload's row, provisionally "rejected" with no SHA-256, in
 * the caller's transaction; the summary is written when the upload ends. */
static int insert_upload(tk_db *db, const tk_upload_meta *m, int64_t *id, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "INSERT INTO uploads(file_name, size, sha256, profile, profile_version,"
                           " profile_sha256, status, lenient, started_at, finished_at,"
                           " uploaded_by) VALUES(?1, ?2, '', ?3, ?4, ?5, 'rejected', ?6, ?7, ?7,"
                           " ?8)",
                           err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_text(st, 1, m->file_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, m->size);
    sqlite3_bind_text(st, 3, m->profile, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, m->profile_version);
    sqlite3_bind_text(st, 5, m->profile_sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, m->lenient);
    sqlite3_bind_int64(st, 7, m->started_at);
    sqlite3_bind_text(st, 8, m->uploaded_by ? m->uploaded_by : "", -1, SQLITE_TRANSIENT);
    rc = tk_db_step(db, st, err);
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;
    *id = sqlite3_last_insert_rowid(tk_db_handle(db));
    return TK_OK;
}

int tk_store_writer_begin(tk_store_writer **out, tk_db *db, const tk_upload_meta *m,
                          tk_store_pseudonym_fn pseudonym, void *ctx, tk_error *err)
{
    tk_store_writer *w = NULL;
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
    rc = tk_strmap_create(&w->addresses, err);
    if (rc != TK_OK)
        goto done;
    rc = tk_evblock_writer_create(&w->block, err);
    if (rc != TK_OK)
        goto done;
    /* A file is one transaction, and SQLite writes dirty pages that do not
     * fit its cache into the WAL mid-transaction and reads them back on the
     * next touch. The hot set is small (the tail of the block table and its
     * indexes, the subject pseudonyms, the dictionaries), so 96 MB holds it
     * for files of any size while keeping the process well under 256 MB. */
    rc = tk_db_exec(db, "PRAGMA cache_size=-98304", err);
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
    rc = insert_upload(db, m, &w->upload_id, err);
    if (rc != TK_OK)
        goto done;
    w->upload_id = sqlite3_last_insert_rowid(tk_db_handle(db));
    *out = w;
    w = NULL;
done:
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

/* The terminals-dictionary id of address p[0..len), inserted (unresolved)
 * when new. Naming an address is not logging an event on it, so a new
 * address is not counted as an unknown terminal here: an event that later
 * gives it as its terminal counts it (bit 1 stays clear). */
static int address_id(tk_store_writer *w, const char *p, size_t len, int64_t *id, tk_error *err)
{
    const int64_t *v = tk_strmap_get(w->dict[D_TERMINAL], p, len);
    if (v != NULL) {
        *id = *v / 4;
        return TK_OK;
    }
    sqlite3_stmt *st = w->ins_dict[D_TERMINAL];
    int rc = tk_db_bind_text(w->db, st, 1, p, len, err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int(st, 2, 0);
    rc = tk_db_step(w->db, st, err);
    sqlite3_reset(st);
    if (rc < 0)
        return rc;
    *id = sqlite3_last_insert_rowid(tk_db_handle(w->db));
    return tk_strmap_put(w->dict[D_TERMINAL], p, len, *id * 4, NULL, err);
}

/* Records that on ev's JST day the address ev names belonged to terminal
 * (a dictionary id), once per distinct triple for this writer. */
static int record_address(tk_store_writer *w, const tk_event *ev, uint32_t terminal, tk_error *err)
{
    int64_t addr = 0;
    int rc = address_id(w, ev->terminal_address.p, ev->terminal_address.len, &addr, err);
    if (rc != TK_OK)
        return rc;
    const int64_t day = tk_jst_day(ev->t);
    const uint32_t a = (uint32_t)addr;
    char key[sizeof day + sizeof a + sizeof terminal];
    memcpy(key, &day, sizeof day);
    memcpy(key + sizeof day, &a, sizeof a);
    memcpy(key + sizeof day + sizeof a, &terminal, sizeof terminal);
    if (tk_strmap_get(w->addresses, key, sizeof key) != NULL)
        return TK_OK;
    sqlite3_stmt *st = w->ins_address;
    sqlite3_bind_int64(st, 1, day);
    sqlite3_bind_int64(st, 2, addr);
    sqlite3_bind_int64(st, 3, terminal);
    rc = tk_db_step(w->db, st, err);
    sqlite3_reset(st);
    if (rc < 0)
        return rc;
    return tk_strmap_put(w->addresses, key, sizeof key, 1, NULL, err);
}

static int opt_dict(tk_store_writer *w, size_t d, const tk_view *v, uint32_t *out, tk_error *err)
{
    int64_t id = 0;
    *out = 0;
    if (v->p == NULL)
        return TK_OK;
    const int rc = dict_id(w, d, v->p, v->len, NULL, 0, -1, &id, err);
    *out = (uint32_t)id;
    return rc;
}

static int flush_block(tk_store_writer *w, tk_error *err)
{
    const uint8_t *data;
    size_t len;
    int n;
    if (tk_evblock_writer_count(w->block) == 0)
        return TK_OK;
    int rc = tk_evblock_writer_finish(w->block, &data, &len, err);
    if (rc != TK_OK)
        return rc;
    if (!tk_size_to_int(len, &n))
        return tk_error_set(err, TK_ERANGE, "event block of %zu bytes is too large", len);
    sqlite3_stmt *st = w->ins_block;
    sqlite3_bind_int64(st, 1, w->upload_id);
    sqlite3_bind_int64(st, 2, tk_evblock_writer_t_min(w->block));
    sqlite3_bind_int64(st, 3, tk_evblock_writer_t_max(w->block));
    sqlite3_bind_int64(st, 4, (int64_t)tk_evblock_writer_count(w->block));
    sqlite3_bind_blob(st, 5, data, n, SQLITE_STATIC);
    rc = tk_db_step(w->db, st, err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    tk_evblock_writer_reset(w->block);
    return rc < 0 ? rc : TK_OK;
}

int tk_store_writer_add(tk_store_writer *w, const tk_event *ev, tk_error *err)
{
    tk_evrow row;
    int64_t id;
    int rc;

    memset(&row, 0, sizeof row);
    row.t = ev->t;
    row.op = ev->op;
    row.result = ev->result;
    row.mynumber = ev->mynumber;
    row.count = ev->has_count ? ev->count : -1;
    row.bytes = ev->has_bytes ? ev->bytes : -1;
    row.detail = ev->detail.p;
    row.detail_len = ev->detail.len;
    row.record = ev->record > 0 ? ev->record : 0;
    rc = dict_id(w, D_SYSTEM, ev->system.p, ev->system.len, NULL, 0, -1, &id, err);
    if (rc != TK_OK)
        return rc;
    row.system = (uint32_t)id;
    rc = dict_id(w, D_USER, ev->user.p, ev->user.len, NULL, 0, ev->user_resolved, &id, err);
    if (rc != TK_OK)
        return rc;
    row.user = (uint32_t)id;
    if (ev->terminal.p != NULL) {
        rc = dict_id(w, D_TERMINAL, ev->terminal.p, ev->terminal.len, NULL, 0,
                     ev->terminal_resolved, &id, err);
        if (rc != TK_OK)
            return rc;
        row.terminal = (uint32_t)id;
        const tk_view *a = &ev->terminal_address;
        if (a->p != NULL && a->len > 0 &&
            !(a->len == ev->terminal.len && memcmp(a->p, ev->terminal.p, a->len) == 0)) {
            rc = record_address(w, ev, row.terminal, err);
            if (rc != TK_OK)
                return rc;
        }
    }
    rc = opt_dict(w, D_FUNCTION, &ev->function, &row.function, err);
    if (rc == TK_OK)
        rc = opt_dict(w, D_FILE, &ev->file, &row.file, err);
    if (rc != TK_OK)
        return rc;
    if (ev->subject.p != NULL) {
        rc = subject_id(w, ev->subject.p, ev->subject.len, &id, err);
        if (rc != TK_OK)
            return rc;
        row.subject = (uint32_t)id;
    }
    if (ev->device.p != NULL || ev->serial.p != NULL) {
        const tk_view dn = ev->device.p ? ev->device : (tk_view){"", 0};
        const tk_view sn = ev->serial.p ? ev->serial : (tk_view){"", 0};
        rc = dict_id(w, D_DEVICE, dn.p, dn.len, sn.p, sn.len, -1, &id, err);
        if (rc != TK_OK)
            return rc;
        row.device = (uint32_t)id;
    }
    rc = tk_evblock_writer_add(w->block, &row, err);
    if (rc != TK_OK)
        return rc;
    if (tk_evblock_writer_full(w->block))
        return flush_block(w, err);
    return TK_OK;
}

int64_t tk_store_writer_upload_id(const tk_store_writer *w)
{
    return w->upload_id;
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
                           " error_report=?13, message=?14, finished_at=?15,"
                           " size=CASE WHEN size < 0 THEN ?16 ELSE size END WHERE id=?1",
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
    sqlite3_bind_int64(st, 16, s->size);
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
    int rc = flush_block(w, err);
    if (rc != TK_OK)
        goto fail;
    rc = tk_store_find_upload(db, s->sha256, &dup, err);
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
    int rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        return rc;
    rc = insert_upload(db, m, upload_id, err);
    if (rc == TK_OK)
        rc = update_upload(db, *upload_id, s, 0, 0, err);
    if (rc == TK_OK)
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
    return tk_db_query_i64(db, "SELECT coalesce(sum(n), 0) FROM event_blocks", out, err);
}

/* ---- scans ---------------------------------------------------------------
 *
 * A scan selects the blocks whose time range meets the period, in id
 * order, and decodes them one at a time; events of a block outside the
 * period are skipped. The block's bytes stay owned by the statement until
 * the next step, so the decoder reads them in place. */

struct tk_store_scan {
    tk_db *db;
    sqlite3_stmt *st;
    int64_t from, to;
    int64_t block_id;
    int64_t upload_id;
    size_t index;
    int have_block;
    tk_evblock_reader rd;
};

int tk_store_scan_create(tk_store_scan **out, tk_db *db, int64_t t_from, int64_t t_to,
                         tk_error *err)
{
    *out = NULL;
    tk_store_scan *s = tk_calloc(1, sizeof *s);
    if (s == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory starting a scan");
    s->db = db;
    s->from = t_from;
    s->to = t_to;
    const int rc = tk_db_prepare(db, &s->st,
                                 "SELECT id, upload_id, data FROM event_blocks"
                                 " WHERE t_max >= ?1 AND t_min < ?2 ORDER BY id",
                                 err);
    if (rc != TK_OK) {
        tk_free(s);
        return rc;
    }
    sqlite3_bind_int64(s->st, 1, t_from);
    sqlite3_bind_int64(s->st, 2, t_to);
    *out = s;
    return TK_OK;
}

int tk_store_scan_next(tk_store_scan *s, tk_stored_event *ev, tk_error *err)
{
    for (;;) {
        if (s->have_block) {
            const int rc = tk_evblock_reader_next(&s->rd, &ev->row, err);
            if (rc < 0) {
                tk_error_prefix(err, "block %lld", (long long)s->block_id);
                return rc;
            }
            if (rc == 1) {
                ev->id = s->block_id * TK_EVBLOCK_MAX + (int64_t)s->index++;
                ev->upload_id = s->upload_id;
                if (ev->row.t >= s->from && ev->row.t < s->to)
                    return 1;
                continue;
            }
            s->have_block = 0;
        }
        const int rc = tk_db_step(s->db, s->st, err);
        if (rc <= 0)
            return rc;
        s->block_id = sqlite3_column_int64(s->st, 0);
        s->upload_id = sqlite3_column_int64(s->st, 1);
        const void *data = sqlite3_column_blob(s->st, 2);
        const int len = sqlite3_column_bytes(s->st, 2);
        const int r2 = tk_evblock_reader_init(&s->rd, data, (size_t)len, err);
        if (r2 != TK_OK) {
            tk_error_prefix(err, "block %lld", (long long)s->block_id);
            return r2;
        }
        s->index = 0;
        s->have_block = 1;
    }
}

void tk_store_scan_destroy(tk_store_scan *s)
{
    if (s == NULL)
        return;
    sqlite3_finalize(s->st);
    tk_free(s);
}

/* ---- events by id --------------------------------------------------------
 *
 * An id names its block (id / TK_EVBLOCK_MAX) and its position in it, so
 * the ids are sorted and each block they name is read once and decoded up
 * to the last position asked for. Evidence lists are short (tens of ids),
 * so this is a handful of primary-key lookups. */

static int cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int tk_store_events_by_id(tk_db *db, const int64_t *ids, size_t n, tk_store_event_fn fn, void *ctx,
                          tk_error *err)
{
    if (n == 0)
        return TK_OK;
    int64_t *v = tk_calloc(n, sizeof *v);
    if (v == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory reading events");
    memcpy(v, ids, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_i64);
    sqlite3_stmt *st = NULL;
    int stop = 0;
    int rc = tk_db_prepare(db, &st, "SELECT upload_id, data FROM event_blocks WHERE id = ?1", err);
    size_t i = 0;
    while (i < n && v[i] < 0)
        i++;
    while (rc == TK_OK && !stop && i < n) {
        const int64_t block = v[i] / TK_EVBLOCK_MAX;
        size_t end = i;
        while (end < n && v[end] / TK_EVBLOCK_MAX == block)
            end++;
        sqlite3_bind_int64(st, 1, block);
        rc = tk_db_step(db, st, err);
        if (rc == 1) {
            tk_evblock_reader rd;
            tk_stored_event ev;
            const void *data = sqlite3_column_blob(st, 1);
            const int len = sqlite3_column_bytes(st, 1);
            ev.upload_id = sqlite3_column_int64(st, 0);
            rc = tk_evblock_reader_init(&rd, data, (size_t)len, err);
            size_t pos = 0; /* events of the block read so far */
            for (size_t k = i; rc == TK_OK && !stop && k < end; k++) {
                if (k > i && v[k] == v[k - 1])
                    continue;
                const size_t want = (size_t)(v[k] % TK_EVBLOCK_MAX);
                int r = 1;
                while (r == 1 && pos <= want) {
                    r = tk_evblock_reader_next(&rd, &ev.row, err);
                    pos += r == 1;
                }
                if (r < 0)
                    rc = r;
                if (r != 1)
                    break; /* past the block's end: not stored */
                ev.id = v[k];
                stop = fn(ctx, &ev);
            }
            if (rc == TK_EPARSE)
                tk_error_prefix(err, "block %lld", (long long)block);
        } else if (rc == 0) {
            rc = TK_OK; /* the block is gone */
        }
        sqlite3_reset(st);
        i = end;
    }
    sqlite3_finalize(st);
    tk_free(v);
    return stop ? stop : rc;
}

int tk_store_upload_file_name(tk_db *db, int64_t id, char *buf, size_t cap, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st, "SELECT file_name FROM uploads WHERE id = ?1", err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        snprintf(buf, cap, "%s", name ? name : "");
        rc = TK_OK;
    } else if (rc == 0) {
        rc = tk_error_set(err, TK_ENOTFOUND, "no upload #%lld", (long long)id);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- where the events lie ------------------------------------------------- */

static int64_t month_of(int64_t day)
{
    int y, m, d;
    tk_civil_from_days(day, &y, &m, &d);
    return (int64_t)y * 12 + m - 1;
}

int tk_store_event_span(tk_db *db, tk_store_span *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    memset(out, 0, sizeof *out);
    int rc = tk_db_prepare(db, &st, "SELECT t_min, t_max FROM event_blocks", err);
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        rc = TK_OK;
        const int64_t d0 = tk_jst_day(sqlite3_column_int64(st, 0));
        const int64_t d1 = tk_jst_day(sqlite3_column_int64(st, 1));
        if (out->nmonths == 0 || d0 < out->first_day)
            out->first_day = d0;
        if (out->nmonths == 0 || d1 > out->last_day)
            out->last_day = d1;
        for (int64_t m = month_of(d0); rc == TK_OK && m <= month_of(d1); m++) {
            size_t lo = 0, hi = out->nmonths; /* sorted insert, skipping a month present */
            while (lo < hi) {
                const size_t mid = lo + (hi - lo) / 2;
                if (out->months[mid] < m)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < out->nmonths && out->months[lo] == m)
                continue;
            if (out->nmonths == cap) {
                cap = cap ? cap * 2 : 16;
                int64_t *p = tk_realloc(out->months, cap * sizeof *p);
                if (p == NULL) {
                    rc = tk_error_set(err, TK_ENOMEM, "out of memory listing months");
                    break;
                }
                out->months = p;
            }
            memmove(out->months + lo + 1, out->months + lo,
                    (out->nmonths - lo) * sizeof *out->months);
            out->months[lo] = m;
            out->nmonths++;
        }
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        tk_store_span_dispose(out);
        return rc;
    }
    return TK_OK;
}

void tk_store_span_dispose(tk_store_span *span)
{
    if (span == NULL)
        return;
    tk_free(span->months);
    memset(span, 0, sizeof *span);
}

/* ---- terminal addresses ---------------------------------------------------
 *
 * A store created before the table existed and opened read-only has no
 * terminal_addresses (tk_tenant_open upgrades writable opens only): it has
 * recorded no address, so it is read as empty rather than as an error. */

int tk_store_terminal_addresses(tk_db *db, int64_t day, tk_store_address_fn fn, void *ctx,
                                tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t have = 0;
    int rc = tk_db_query_i64(db,
                             "SELECT count(*) FROM sqlite_master"
                             " WHERE type = 'table' AND name = 'terminal_addresses'",
                             &have, err);
    if (rc != TK_OK || have == 0)
        return rc;
    rc = tk_db_prepare(db, &st,
                       "SELECT a.address_id, a.terminal_id, t.name, t.resolved"
                       " FROM terminal_addresses a JOIN terminals t ON t.id = a.address_id"
                       " WHERE a.day = ?1 ORDER BY a.address_id, a.terminal_id",
                       err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, day);
    while ((rc = tk_db_step(db, st, err)) == 1) {
        const int64_t addr = sqlite3_column_int64(st, 0);
        const int64_t term = sqlite3_column_int64(st, 1);
        const char *name = (const char *)sqlite3_column_text(st, 2);
        if (addr <= 0 || addr > UINT32_MAX || term <= 0 || term > UINT32_MAX || name == NULL)
            continue;
        tk_store_address a;
        a.address = (uint32_t)addr;
        a.terminal = (uint32_t)term;
        a.name = name;
        a.len = (size_t)sqlite3_column_bytes(st, 2);
        a.resolved = sqlite3_column_int(st, 3) != 0;
        const int r = fn(ctx, &a);
        if (r != 0) {
            sqlite3_finalize(st);
            return r;
        }
    }
    sqlite3_finalize(st);
    return rc < 0 ? rc : TK_OK;
}

/* ---- dictionaries --------------------------------------------------------
 *
 * Readers get dense arrays indexed by id: ids are rowids handed out in
 * order, so max(id) + 1 slots cover them with few holes. */

static int names_load(tk_db *db, const char *sql, size_t fixed_len, tk_store_names *out,
                      tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t max = 0;
    int rc;
    memset(out, 0, sizeof *out);
    char q[200];
    snprintf(q, sizeof q, "SELECT coalesce(max(id), 0) FROM (%s)", sql);
    rc = tk_db_query_i64(db, q, &max, err);
    if (rc != TK_OK)
        return rc;
    if (max < 0 || max > 100000000)
        return tk_error_set(err, TK_EDB, "dictionary ids out of range (%lld)", (long long)max);
    out->n = (size_t)max + 1;
    out->names = tk_calloc(out->n, sizeof *out->names);
    out->resolved = tk_calloc(out->n, 1);
    if (out->names == NULL || out->resolved == NULL) {
        tk_store_names_dispose(out);
        return tk_error_set(err, TK_ENOMEM, "out of memory loading a dictionary");
    }
    rc = tk_db_prepare(db, &st, sql, err);
    if (rc != TK_OK) {
        tk_store_names_dispose(out);
        return rc;
    }
    while ((rc = tk_db_step(db, st, err)) == 1) {
        const int64_t id = sqlite3_column_int64(st, 0);
        const size_t len = fixed_len ? fixed_len : (size_t)sqlite3_column_bytes(st, 1);
        const void *p = fixed_len ? sqlite3_column_blob(st, 1) : sqlite3_column_text(st, 1);
        if (id <= 0 || id > max || p == NULL ||
            (fixed_len && (size_t)sqlite3_column_bytes(st, 1) != fixed_len))
            continue;
        out->names[id] = tk_strndup(p, len);
        if (out->names[id] == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory loading a dictionary");
            break;
        }
        out->resolved[id] = (unsigned char)(sqlite3_column_int(st, 2) != 0);
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        tk_store_names_dispose(out);
        return rc;
    }
    return TK_OK;
}

int tk_store_names_load(tk_db *db, tk_store_dict d, tk_store_names *out, tk_error *err)
{
    static const char *const sql[] = {
        "SELECT id, name, resolved FROM users",
        "SELECT id, name, resolved FROM terminals",
        "SELECT id, name, 1 FROM systems",
        "SELECT id, name, 1 FROM functions",
        "SELECT id, name, 1 FROM media_files",
        "SELECT id, name || char(9) || serial, 1 FROM devices",
    };
    if ((int)d < 0 || (size_t)d >= sizeof sql / sizeof sql[0])
        return tk_error_set(err, TK_EINVAL, "no such dictionary");
    return names_load(db, sql[d], 0, out, err);
}

/* rank[id] = row number of id in sql's result (ids in the wanted order). */
static int order_load(tk_db *db, const char *table, const char *sql, tk_store_order *out,
                      tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t max = 0;
    memset(out, 0, sizeof *out);
    char q[100];
    snprintf(q, sizeof q, "SELECT coalesce(max(id), 0) FROM %s", table);
    int rc = tk_db_query_i64(db, q, &max, err);
    if (rc != TK_OK)
        return rc;
    if (max < 0 || max > 100000000)
        return tk_error_set(err, TK_EDB, "%s ids out of range (%lld)", table, (long long)max);
    out->n = (size_t)max + 1;
    out->rank = tk_alloc(out->n * sizeof *out->rank);
    if (out->rank == NULL) {
        out->n = 0;
        return tk_error_set(err, TK_ENOMEM, "out of memory ordering %s", table);
    }
    memset(out->rank, 0xFF, out->n * sizeof *out->rank);
    rc = tk_db_prepare(db, &st, sql, err);
    uint32_t next = 0;
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        const int64_t id = sqlite3_column_int64(st, 0);
        if (id > 0 && id <= max)
            out->rank[id] = next++;
        rc = TK_OK;
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        tk_store_order_dispose(out);
        return rc;
    }
    return TK_OK;
}

int tk_store_order_load(tk_db *db, tk_store_dict d, tk_store_order *out, tk_error *err)
{
    static const char *const table[] = {"users",     "terminals",   "systems",
                                        "functions", "media_files", "devices"};
    static const char *const sql[] = {
        "SELECT id FROM users ORDER BY name",       "SELECT id FROM terminals ORDER BY name",
        "SELECT id FROM systems ORDER BY name",     "SELECT id FROM functions ORDER BY name",
        "SELECT id FROM media_files ORDER BY name", "SELECT id FROM devices ORDER BY name, serial",
    };
    memset(out, 0, sizeof *out);
    if ((int)d < 0 || (size_t)d >= sizeof sql / sizeof sql[0])
        return tk_error_set(err, TK_EINVAL, "no such dictionary");
    return order_load(db, table[d], sql[d], out, err);
}

int tk_store_upload_order_load(tk_db *db, tk_store_order *out, tk_error *err)
{
    return order_load(db, "uploads",
                      "SELECT id FROM uploads WHERE status IN ('stored', 'partial')"
                      " ORDER BY file_name, sha256, id",
                      out, err);
}

void tk_store_order_dispose(tk_store_order *o)
{
    if (o == NULL)
        return;
    tk_free(o->rank);
    memset(o, 0, sizeof *o);
}

int tk_store_subjects_load(tk_db *db, tk_store_names *out, tk_error *err)
{
    return names_load(db, "SELECT id, pseudonym, 1 FROM subjects", 32, out, err);
}

int tk_store_subject_pseudonym(tk_db *db, uint32_t id, uint8_t out[32], tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st, "SELECT pseudonym FROM subjects WHERE id = ?1", err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = tk_db_step(db, st, err);
    if (rc == 1 && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(out, sqlite3_column_blob(st, 0), 32);
        rc = TK_OK;
    } else if (rc >= 0) {
        rc = tk_error_set(err, TK_ENOTFOUND, "no resident pseudonym #%u", (unsigned)id);
    }
    sqlite3_finalize(st);
    return rc;
}

void tk_store_names_dispose(tk_store_names *names)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < names->n && names->names != NULL; i++)
        tk_free(names->names[i]);
    tk_free(names->names);
    tk_free(names->resolved);
    memset(names, 0, sizeof *names);
}
