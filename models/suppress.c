/* models/suppress.c -- the table suppressions and its use by the analysis
 * (models/suppress.h). */
#include "models/suppress.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/anomalies.h"
#include "models/rulecat.h"
#include "src/alloc.h"
#include "src/period.h"
#include "src/timefmt.h"

/* Longest entity id. */
#define ENTITY_MAX 128

int tk_suppress_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db,
                      "CREATE TABLE IF NOT EXISTS suppressions("
                      " id INTEGER PRIMARY KEY,"
                      " rule_id TEXT NOT NULL,"
                      " entity_type TEXT NOT NULL CHECK(entity_type IN ('user', 'terminal')),"
                      " entity_id TEXT NOT NULL,"
                      " reason TEXT NOT NULL,"
                      " created_by TEXT NOT NULL,"
                      " created_at INTEGER NOT NULL,"  /* Unix ms */
                      " expires_day INTEGER NOT NULL," /* JST day number, inclusive */
                      " run_id INTEGER, rank INTEGER," /* the item it came from */
                      " deleted_by TEXT, deleted_at INTEGER)",
                      err);
}

int tk_suppress_parse_day(const char *s, int64_t *day, tk_error *err)
{
    char buf[32];
    tk_period pr;
    tk_error e = {0, ""};
    if (s == NULL || strlen(s) != 10)
        return tk_error_set(err, TK_EINVAL, "expires: expected a day YYYY-MM-DD");
    snprintf(buf, sizeof buf, "%s..%s", s, s);
    if (tk_period_parse(buf, strlen(buf), &pr, &e) != TK_OK)
        return tk_error_set(err, TK_EINVAL, "expires: expected a day YYYY-MM-DD, not '%s'", s);
    *day = pr.first_day;
    return TK_OK;
}

/* Valid UTF-8 (jansson refuses a string that is not). */
static int utf8_ok(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    json_decref(j);
    return j != NULL;
}

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static int check_spec(const tk_suppress_spec *s, tk_error *err)
{
    if (s->rule_id == NULL || tk_rulecat_find(s->rule_id, strlen(s->rule_id)) == SIZE_MAX)
        return tk_error_set(err, TK_EINVAL,
                            "rule_id: '%s' is not a rule of the catalogue (R01..R%02zu)",
                            s->rule_id ? s->rule_id : "", tk_rulecat_count());
    if (s->entity_type == NULL ||
        (strcmp(s->entity_type, "user") != 0 && strcmp(s->entity_type, "terminal") != 0))
        return tk_error_set(err, TK_EINVAL, "entity_type: expected user or terminal");
    const size_t el = s->entity ? strlen(s->entity) : 0;
    if (el == 0 || el > ENTITY_MAX || has_ctl(s->entity) || !utf8_ok(s->entity, el))
        return tk_error_set(err, TK_EINVAL,
                            "entity_id: expected 1 to %d bytes of UTF-8 without control characters",
                            ENTITY_MAX);
    const size_t rl = s->reason ? strlen(s->reason) : 0;
    if (rl == 0 || rl > TK_SUPPRESS_REASON_MAX || !utf8_ok(s->reason, rl))
        return tk_error_set(err, TK_EINVAL, "reason: expected 1 to %d bytes of UTF-8",
                            TK_SUPPRESS_REASON_MAX);
    return TK_OK;
}

static int insert(tk_db *db, const tk_suppress_spec *s, int64_t run, int64_t rank,
                  const tk_actor *actor, int64_t *id, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "INSERT INTO suppressions(rule_id, entity_type, entity_id, reason,"
                           " created_by, created_at, expires_day, run_id, rank)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_text(st, 1, s->rule_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, s->entity_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, s->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, actor && actor->name ? actor->name : "unknown", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, tk_actor_now(actor));
    sqlite3_bind_int64(st, 7, s->expires_day);
    if (run > 0) {
        sqlite3_bind_int64(st, 8, run);
        sqlite3_bind_int64(st, 9, rank);
    }
    rc = tk_db_step(db, st, err);
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;
    if (id != NULL)
        *id = sqlite3_last_insert_rowid(tk_db_handle(db));
    return TK_OK;
}

int tk_suppress_add(tk_db *db, const tk_suppress_spec *s, const tk_actor *actor, int64_t *id,
                    tk_error *err)
{
    const int rc = check_spec(s, err);
    return rc != TK_OK ? rc : insert(db, s, 0, 0, actor, id, err);
}

int tk_suppress_from_item(tk_db *db, int64_t run, int64_t rank, const char *reason,
                          int64_t expires_day, const tk_actor *actor, int64_t *id, tk_error *err)
{
    tk_anomalies_item it;
    memset(&it, 0, sizeof it);
    int rc = tk_anomalies_get(db, run, rank, &it, err);
    if (rc == TK_OK && it.status != TK_ANOMALIES_FALSE_POSITIVE)
        rc = tk_error_set(err, TK_EFROZEN,
                          "item %lld-%lld is triaged %s: only a false_positive item becomes a "
                          "suppression",
                          (long long)run, (long long)rank, tk_anomalies_status_name(it.status));
    if (rc == TK_OK && it.rule_id[0] == '\0')
        rc = tk_error_set(err, TK_EFROZEN,
                          "item %lld-%lld is a models-only case: it has no rule to suppress",
                          (long long)run, (long long)rank);
    if (rc == TK_OK) {
        const tk_suppress_spec s = {it.rule_id, it.entity_type, it.entity, reason, expires_day};
        rc = check_spec(&s, err);
        if (rc == TK_OK)
            rc = insert(db, &s, run, rank, actor, id, err);
    }
    tk_anomalies_item_dispose(&it);
    return rc;
}

static const char cols[] = "SELECT id, rule_id, entity_type, entity_id, reason, created_by,"
                           " created_at, expires_day, run_id, rank FROM suppressions"
                           " WHERE deleted_at IS NULL";

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return tk_strndup(s ? s : "", s ? (size_t)sqlite3_column_bytes(st, i) : 0);
}

static int read_row(sqlite3_stmt *st, tk_suppression *s, tk_error *err)
{
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(st, 0);
    snprintf(s->rule_id, sizeof s->rule_id, "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(s->entity_type, sizeof s->entity_type, "%s", (const char *)sqlite3_column_text(st, 2));
    s->entity = col_dup(st, 3);
    s->reason = col_dup(st, 4);
    s->created_by = col_dup(st, 5);
    s->created_at = sqlite3_column_int64(st, 6);
    s->expires_day = sqlite3_column_int64(st, 7);
    s->run_id = sqlite3_column_int64(st, 8);
    s->rank = sqlite3_column_int64(st, 9);
    if (!s->entity || !s->reason || !s->created_by) {
        tk_suppress_dispose(s);
        return tk_error_set(err, TK_ENOMEM, "out of memory reading suppressions");
    }
    return TK_OK;
}

int tk_suppress_list(tk_db *db, tk_suppression **out, size_t *n, tk_error *err)
{
    *out = NULL;
    *n = 0;
    char sql[512];
    snprintf(sql, sizeof sql, "%s ORDER BY id DESC", cols);
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st, sql, err);
    size_t cap = 0;
    while (rc == TK_OK) {
        const int s = tk_db_step(db, st, err);
        if (s <= 0) {
            rc = s;
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            tk_suppression *g = tk_realloc(*out, cap * sizeof **out);
            if (g == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory reading suppressions");
                break;
            }
            *out = g;
        }
        rc = read_row(st, &(*out)[*n], err);
        *n += rc == TK_OK;
    }
    sqlite3_finalize(st);
    if (rc != TK_OK) {
        tk_suppress_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int tk_suppress_get(tk_db *db, int64_t id, tk_suppression *out, tk_error *err)
{
    memset(out, 0, sizeof *out);
    char sql[512];
    snprintf(sql, sizeof sql, "%s AND id = ?1", cols);
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st, sql, err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 1, id);
        const int s = tk_db_step(db, st, err);
        if (s == 1)
            rc = read_row(st, out, err);
        else
            rc = s < 0 ? s : tk_error_set(err, TK_ENOTFOUND, "no suppression #%lld", (long long)id);
    }
    sqlite3_finalize(st);
    return rc;
}

int tk_suppress_delete(tk_db *db, int64_t id, const tk_actor *actor, tk_error *err)
{
    tk_suppression s;
    int rc = tk_suppress_get(db, id, &s, err);
    tk_suppress_dispose(&s);
    sqlite3_stmt *st = NULL;
    if (rc == TK_OK)
        rc = tk_db_prepare(
            db, &st, "UPDATE suppressions SET deleted_by = ?1, deleted_at = ?2 WHERE id = ?3", err);
    if (rc == TK_OK) {
        sqlite3_bind_text(st, 1, actor && actor->name ? actor->name : "unknown", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, tk_actor_now(actor));
        sqlite3_bind_int64(st, 3, id);
        const int s2 = tk_db_step(db, st, err);
        rc = s2 < 0 ? s2 : TK_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

void tk_suppress_dispose(tk_suppression *s)
{
    if (s == NULL)
        return;
    tk_free(s->entity);
    tk_free(s->reason);
    tk_free(s->created_by);
    s->entity = s->reason = s->created_by = NULL;
}

void tk_suppress_free(tk_suppression *s, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        tk_suppress_dispose(&s[i]);
    tk_free(s);
}

/* ---- applying them ------------------------------------------------------------ */

int tk_suppress_set_load(tk_db *db, tk_suppress_set *set, tk_error *err)
{
    memset(set, 0, sizeof *set);
    int rc = tk_suppress_list(db, &set->s, &set->n, err);
    if (rc != TK_OK)
        return rc;
    set->hits = tk_calloc(set->n + 1, sizeof *set->hits);
    if (set->hits == NULL) {
        tk_suppress_set_dispose(set);
        return tk_error_set(err, TK_ENOMEM, "out of memory reading suppressions");
    }
    return TK_OK;
}

int tk_suppress_match(tk_suppress_set *set, const char *rule_id, const char *entity_type,
                      const char *entity, int64_t first_day)
{
    for (size_t i = 0; set != NULL && i < set->n; i++) {
        const tk_suppression *s = &set->s[i];
        if (first_day <= s->expires_day && strcmp(s->rule_id, rule_id) == 0 &&
            strcmp(s->entity_type, entity_type) == 0 && strcmp(s->entity, entity) == 0) {
            set->hits[i]++;
            return 1;
        }
    }
    return 0;
}

size_t tk_suppress_hits(const tk_suppress_set *set)
{
    size_t t = 0;
    for (size_t i = 0; i < set->n; i++)
        t += set->hits[i];
    return t;
}

int tk_suppress_notes(const tk_suppress_set *set, int (*fn)(void *ctx, const char *line), void *ctx)
{
    /* The list is newest first: notes go oldest first. */
    for (size_t k = set->n; k-- > 0;) {
        const tk_suppression *s = &set->s[k];
        if (set->hits[k] == 0)
            continue;
        char line[900], until[16];
        tk_period_format_day(s->expires_day, until, sizeof until);
        snprintf(line, sizeof line,
                 "%s %s %s: %zu finding%s suppressed (suppression #%lld, until %s: %s)", s->rule_id,
                 s->entity_type, s->entity, set->hits[k], set->hits[k] == 1 ? "" : "s",
                 (long long)s->id, until, s->reason);
        const int rc = fn(ctx, line);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void tk_suppress_set_dispose(tk_suppress_set *set)
{
    if (set == NULL)
        return;
    tk_suppress_free(set->s, set->n);
    tk_free(set->hits);
    memset(set, 0, sizeof *set);
}
