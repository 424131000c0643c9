/* src/uploads.c -- the uploads of a tenant: queries and deletion.
 *
 * Reads the uploads table of src/store.c. Deleting checks the delivered
 * periods against the time range of each block of the upload's events
 * (a block is a run of rows of one upload, with its own range), so that
 * an upload whose range merely spans a delivered period but has no event
 * in it can still go. */
#include "src/uploads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/period.h"
#include "src/timefmt.h"

#define COLUMNS                                                                                    \
    "id, file_name, size, sha256, profile, profile_version, coalesce(encoding, ''),"               \
    " rows_total, rows_accepted, rows_rejected, rows_skipped, unknown_users,"                      \
    " unknown_terminals, t_min, t_max, status, lenient, coalesce(error_report, ''),"               \
    " coalesce(message, ''), started_at, finished_at, uploaded_by"

static void text_col(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    snprintf(out, cap, "%s", s ? s : "");
}

static void read_row(sqlite3_stmt *st, tk_upload_info *u)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, 0);
    text_col(st, 1, u->file_name, sizeof u->file_name);
    u->size = sqlite3_column_int64(st, 2);
    text_col(st, 3, u->sha256, sizeof u->sha256);
    text_col(st, 4, u->profile, sizeof u->profile);
    u->profile_version = sqlite3_column_int(st, 5);
    text_col(st, 6, u->encoding, sizeof u->encoding);
    u->rows_total = (uint64_t)sqlite3_column_int64(st, 7);
    u->rows_accepted = (uint64_t)sqlite3_column_int64(st, 8);
    u->rows_rejected = (uint64_t)sqlite3_column_int64(st, 9);
    u->rows_skipped = (uint64_t)sqlite3_column_int64(st, 10);
    u->unknown_users = (uint64_t)sqlite3_column_int64(st, 11);
    u->unknown_terminals = (uint64_t)sqlite3_column_int64(st, 12);
    u->has_range = sqlite3_column_type(st, 13) != SQLITE_NULL && u->rows_accepted > 0;
    u->t_min = sqlite3_column_int64(st, 13);
    u->t_max = sqlite3_column_int64(st, 14);
    text_col(st, 15, u->status, sizeof u->status);
    u->lenient = sqlite3_column_int(st, 16);
    text_col(st, 17, u->error_report, sizeof u->error_report);
    text_col(st, 18, u->message, sizeof u->message);
    u->started_at = sqlite3_column_int64(st, 19);
    u->finished_at = sqlite3_column_int64(st, 20);
    text_col(st, 21, u->uploaded_by, sizeof u->uploaded_by);
}

int tk_uploads_list(tk_db *db, const tk_upload_filter *f, tk_upload_info **out, size_t *n,
                    uint64_t *total, tk_error *err)
{
    *out = NULL;
    *n = 0;
    const char *status = f ? f->status : NULL;
    uint64_t limit = f && f->limit ? f->limit : TK_UPLOADS_LIMIT_MAX;
    const uint64_t offset = f ? f->offset : 0;
    if (limit > TK_UPLOADS_LIMIT_MAX)
        limit = TK_UPLOADS_LIMIT_MAX;
    if (status != NULL && strcmp(status, "stored") != 0 && strcmp(status, "partial") != 0 &&
        strcmp(status, "rejected") != 0)
        return tk_error_set(err, TK_EINVAL,
                            "unknown upload status '%s': expected stored, partial or rejected",
                            status);
    sqlite3_stmt *st = NULL;
    int rc;
    if (total != NULL) {
        rc = tk_db_prepare(db, &st, "SELECT count(*) FROM uploads WHERE ?1 IS NULL OR status = ?1",
                           err);
        if (rc != TK_OK)
            return rc;
        sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
        rc = tk_db_step(db, st, err);
        *total = rc == 1 ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
        if (rc < 0)
            return rc;
    }
    rc = tk_db_prepare(db, &st,
                       "SELECT " COLUMNS " FROM uploads WHERE ?1 IS NULL OR status = ?1"
                       " ORDER BY id LIMIT ?2 OFFSET ?3",
                       err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(offset > INT64_MAX ? INT64_MAX : offset));
    tk_upload_info *v = NULL;
    size_t len = 0, cap = 0;
    while ((rc = tk_db_step(db, st, err)) == 1) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            tk_upload_info *nv = tk_realloc(v, cap * sizeof *nv);
            if (nv == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory listing uploads");
                break;
            }
            v = nv;
        }
        read_row(st, &v[len++]);
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return TK_OK;
}

int tk_uploads_get(tk_db *db, int64_t id, tk_upload_info *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st, "SELECT " COLUMNS " FROM uploads WHERE id = ?1", err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = tk_db_step(db, st, err);
    if (rc == 1)
        read_row(st, out);
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tk_error_set(err, TK_ENOTFOUND, "no upload #%lld", (long long)id);
    return TK_OK;
}

/* TK_EFROZEN when a block of upload id's events lies in a delivered
 * period. */
static int check_unfrozen(tk_db *db, int64_t id, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(
        db, &st, "SELECT DISTINCT t_min, t_max FROM event_blocks WHERE upload_id = ?1", err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    while ((rc = tk_db_step(db, st, err)) == 1) {
        const tk_period pr = {tk_jst_day(sqlite3_column_int64(st, 0)),
                              tk_jst_day(sqlite3_column_int64(st, 1))};
        rc = tk_period_check_open(db, &pr, err);
        if (rc != TK_OK)
            break;
    }
    sqlite3_finalize(st);
    if (rc == TK_EFROZEN) {
        char why[TK_ERROR_MSG_SIZE];
        snprintf(why, sizeof why, "%s", err->msg);
        return tk_error_set(err, TK_EFROZEN,
                            "upload #%lld has events in a delivered period and cannot be "
                            "deleted: %s",
                            (long long)id, why);
    }
    return rc < 0 ? rc : TK_OK;
}

int tk_uploads_delete(tk_tenant *t, int64_t id, const tk_actor *actor, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    tk_upload_info u;
    int rc = tk_uploads_get(db, id, &u, err);
    if (rc != TK_OK)
        return rc;
    const int had_lock = tk_tenant_holds_writer(t);
    if (!had_lock) {
        char what[320];
        snprintf(what, sizeof what, "delete of upload #%lld by %s", (long long)id,
                 actor && actor->name ? actor->name : "?");
        rc = tk_tenant_lock_writer(t, what, TK_TENANT_NOWAIT, NULL, NULL, err);
        if (rc != TK_OK)
            return rc;
    }
    rc = tk_db_begin(db, err);
    if (rc == TK_OK)
        rc = check_unfrozen(db, id, err);
    sqlite3_stmt *st = NULL;
    if (rc == TK_OK)
        rc = tk_db_prepare(db, &st, "DELETE FROM event_blocks WHERE upload_id = ?1", err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = tk_db_step(db, st, err);
        sqlite3_finalize(st);
        st = NULL;
        if (rc >= 0)
            rc = tk_db_prepare(db, &st, "DELETE FROM uploads WHERE id = ?1", err);
    }
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = tk_db_step(db, st, err);
        sqlite3_finalize(st);
        if (rc >= 0)
            rc = tk_db_commit(db, err);
    }
    if (rc != TK_OK)
        tk_db_rollback(db);
    if (!had_lock)
        tk_tenant_unlock_writer(t);
    if (rc != TK_OK)
        return rc;
    /* The report is the upload's; once the row is gone nothing points to it. */
    if (u.error_report[0] && unlink(u.error_report) != 0 && errno != ENOENT)
        fprintf(stderr, "tenken: upload #%lld deleted, but its report %s stays: %s\n",
                (long long)id, u.error_report, strerror(errno));
    return TK_OK;
}
