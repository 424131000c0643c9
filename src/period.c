/* src/period.c -- periods and delivery.
 *
 * Dates are parsed with the same civil-date arithmetic as timestamps
 * (src/timefmt), so a period's days line up with tk_jst_day(). Overlap is
 * checked in SQL: two ranges [a, b] and [c, d] overlap when a <= d and
 * c <= b. */
#include "src/period.h"

#include <stdio.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/timefmt.h"

static int parse_date(const char *p, size_t len, int64_t *day)
{
    int y = 0, m = 0, d = 0;
    if (len != 10 || (p[4] != '-' && p[4] != '/') || p[7] != p[4])
        return 0;
    for (size_t i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (p[i] < '0' || p[i] > '9')
            return 0;
    }
    y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    m = (p[5] - '0') * 10 + (p[6] - '0');
    d = (p[8] - '0') * 10 + (p[9] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > tk_days_in_month(y, m))
        return 0;
    *day = tk_days_from_civil(y, m, d);
    return 1;
}

int tk_period_parse_day(const char *p, size_t len, int64_t *day, tk_error *err)
{
    if (!parse_date(p, len, day))
        return tk_error_set(err, TK_EINVAL, "\"%.*s\" is not a date (YYYY-MM-DD)",
                            (int)(len > 20 ? 20 : len), p);
    return TK_OK;
}

int tk_period_parse(const char *p, size_t len, tk_period *out, tk_error *err)
{
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] == '.' && p[i + 1] == '.') {
            dots = p + i;
            break;
        }
    }
    if (dots == NULL)
        return tk_error_set(err, TK_EINVAL, "period \"%.*s\": expected YYYY-MM-DD..YYYY-MM-DD",
                            (int)(len > 40 ? 40 : len), p);
    const size_t l1 = (size_t)(dots - p);
    const size_t l2 = len - l1 - 2;
    if (!parse_date(p, l1, &out->first_day))
        return tk_error_set(err, TK_EINVAL, "period: \"%.*s\" is not a date (YYYY-MM-DD)",
                            (int)(l1 > 20 ? 20 : l1), p);
    if (!parse_date(dots + 2, l2, &out->last_day))
        return tk_error_set(err, TK_EINVAL, "period: \"%.*s\" is not a date (YYYY-MM-DD)",
                            (int)(l2 > 20 ? 20 : l2), dots + 2);
    if (out->last_day < out->first_day)
        return tk_error_set(err, TK_EINVAL, "period: %.*s ends before it starts", (int)len, p);
    if (out->last_day - out->first_day > 3 * 366)
        return tk_error_set(err, TK_EINVAL, "period: %.*s is longer than 3 years", (int)len, p);
    return TK_OK;
}

void tk_period_format_day(int64_t day, char *buf, size_t cap)
{
    int y, m, d;
    tk_civil_from_days(day, &y, &m, &d);
    snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
}

void tk_period_format(const tk_period *pr, char *buf, size_t cap)
{
    char a[16], b[16];
    tk_period_format_day(pr->first_day, a, sizeof a);
    tk_period_format_day(pr->last_day, b, sizeof b);
    snprintf(buf, cap, "%s..%s", a, b);
}

int tk_period_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db,
                      "CREATE TABLE IF NOT EXISTS delivered_periods("
                      " id INTEGER PRIMARY KEY,"
                      " first_day INTEGER NOT NULL,"
                      " last_day INTEGER NOT NULL,"
                      " delivered_at INTEGER NOT NULL,"
                      " delivered_by TEXT);"
                      "CREATE TABLE IF NOT EXISTS planned_periods("
                      " first_day INTEGER NOT NULL,"
                      " last_day INTEGER NOT NULL,"
                      " upload_deadline INTEGER NOT NULL,"
                      " delivery_due INTEGER NOT NULL,"
                      " set_at INTEGER NOT NULL,"
                      " set_by TEXT,"
                      " PRIMARY KEY(first_day, last_day))",
                      err);
}

/* Finds a delivered period overlapping pr: 1 (filled), 0 (none) or <0. */
static int find_overlap(tk_db *db, const tk_period *pr, tk_period *hit, int64_t *at, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "SELECT first_day, last_day, delivered_at FROM delivered_periods"
                           " WHERE first_day <= ?2 AND ?1 <= last_day ORDER BY first_day LIMIT 1",
                           err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, pr->first_day);
    sqlite3_bind_int64(st, 2, pr->last_day);
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        hit->first_day = sqlite3_column_int64(st, 0);
        hit->last_day = sqlite3_column_int64(st, 1);
        *at = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc;
}

static void format_when(int64_t ms, char *buf, size_t cap)
{
    char iso[TK_TIME_ISO_SIZE];
    tk_time_format_iso(ms, iso, sizeof iso);
    snprintf(buf, cap, "%.10s %.5s", iso, iso + 11);
}

int tk_period_check_open(tk_db *db, const tk_period *pr, tk_error *err)
{
    tk_period hit;
    int64_t at = 0;
    const int rc = find_overlap(db, pr, &hit, &at, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return TK_OK;
    char a[32], b[32];
    tk_period_format(&hit, a, sizeof a);
    format_when(at, b, sizeof b);
    return tk_error_set(err, TK_EFROZEN,
                        "the report for %s was delivered on %s (JST); a delivered period is "
                        "frozen and is not analysed again",
                        a, b);
}

int tk_period_deliver(tk_db *db, const tk_period *pr, int64_t unix_ms, const char *by,
                      tk_error *err)
{
    tk_period hit;
    int64_t at = 0;
    sqlite3_stmt *st = NULL;
    int rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        return rc;
    rc = find_overlap(db, pr, &hit, &at, err);
    if (rc == 1) {
        char a[32], b[32];
        tk_period_format(&hit, a, sizeof a);
        format_when(at, b, sizeof b);
        rc = tk_error_set(err, TK_EEXISTS, "the overlapping period %s was delivered on %s (JST)", a,
                          b);
        goto done;
    }
    if (rc < 0)
        goto done;
    rc = tk_db_prepare(db, &st,
                       "INSERT INTO delivered_periods(first_day, last_day, delivered_at,"
                       " delivered_by) VALUES(?1, ?2, ?3, ?4)",
                       err);
    if (rc != TK_OK)
        goto done;
    sqlite3_bind_int64(st, 1, pr->first_day);
    sqlite3_bind_int64(st, 2, pr->last_day);
    sqlite3_bind_int64(st, 3, unix_ms);
    if (by != NULL)
        sqlite3_bind_text(st, 4, by, -1, SQLITE_TRANSIENT);
    rc = tk_db_step(db, st, err);
    rc = rc < 0 ? rc : TK_OK;
done:
    sqlite3_finalize(st);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    if (rc != TK_OK)
        tk_db_rollback(db);
    return rc;
}

/* Fills slot, one element of the array read_rows() builds, from the
 * current row of st. */
typedef void (*row_fn)(sqlite3_stmt *st, void *slot);

/* Reads every row of sql into a new array of elements of `size` bytes,
 * each filled by fn: *out (owned: tk_free(); NULL when there is no row or
 * on failure) of *n. what names the rows in the out-of-memory message.
 * Returns TK_OK, TK_EDB or TK_ENOMEM. */
static int read_rows(tk_db *db, const char *sql, size_t size, row_fn fn, const char *what,
                     void **out, size_t *n, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    unsigned char *v = NULL;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    rc = tk_db_prepare(db, &st, sql, err);
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        if (*n == cap) {
            size_t bytes;
            cap = cap ? cap * 2 : 8;
            unsigned char *const nv = tk_mul_size(cap, size, &bytes) ? tk_realloc(v, bytes) : NULL;
            if (nv == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory reading %s", what);
                break;
            }
            v = nv;
        }
        fn(st, v + (*n)++ * size);
        rc = TK_OK;
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        tk_free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return TK_OK;
}

static void delivered_from_row(sqlite3_stmt *st, void *slot)
{
    tk_period *const p = slot;
    p->first_day = sqlite3_column_int64(st, 0);
    p->last_day = sqlite3_column_int64(st, 1);
}

int tk_period_delivered(tk_db *db, tk_period **out, size_t *n, tk_error *err)
{
    void *v = NULL;
    const int rc =
        read_rows(db, "SELECT first_day, last_day FROM delivered_periods ORDER BY first_day",
                  sizeof **out, delivered_from_row, "delivered periods", &v, n, err);
    *out = v;
    return rc;
}

static void delivery_from_row(sqlite3_stmt *st, void *slot)
{
    tk_period_delivery *const d = slot;
    d->period.first_day = sqlite3_column_int64(st, 0);
    d->period.last_day = sqlite3_column_int64(st, 1);
    d->at = sqlite3_column_int64(st, 2);
    const unsigned char *by = sqlite3_column_text(st, 3);
    snprintf(d->by, sizeof d->by, "%s", by ? (const char *)by : "");
}

int tk_period_deliveries(tk_db *db, tk_period_delivery **out, size_t *n, tk_error *err)
{
    void *v = NULL;
    const int rc = read_rows(db,
                             "SELECT first_day, last_day, delivered_at, delivered_by"
                             " FROM delivered_periods ORDER BY first_day",
                             sizeof **out, delivery_from_row, "delivered periods", &v, n, err);
    *out = v;
    return rc;
}

/* ---- the schedule ---------------------------------------------------- */

static void plan_from_row(sqlite3_stmt *st, tk_period_plan *p)
{
    const unsigned char *by = sqlite3_column_text(st, 5);
    memset(p, 0, sizeof *p);
    p->period.first_day = sqlite3_column_int64(st, 0);
    p->period.last_day = sqlite3_column_int64(st, 1);
    p->upload_deadline = sqlite3_column_int64(st, 2);
    p->delivery_due = sqlite3_column_int64(st, 3);
    p->set_at = sqlite3_column_int64(st, 4);
    if (by != NULL)
        snprintf(p->set_by, sizeof p->set_by, "%s", (const char *)by);
}

#define PLAN_COLUMNS "first_day, last_day, upload_deadline, delivery_due, set_at, set_by"

/* Checks p's days; TK_OK or TK_EINVAL. */
static int plan_check(const tk_period_plan *p, tk_error *err)
{
    char a[32], b[32];
    if (p->upload_deadline <= p->period.last_day) {
        tk_period_format(&p->period, a, sizeof a);
        tk_period_format_day(p->upload_deadline, b, sizeof b);
        return tk_error_set(err, TK_EINVAL,
                            "the upload deadline %s of %s is not after the period's last day: "
                            "its logs are complete only once it has ended",
                            b, a);
    }
    if (p->delivery_due < p->upload_deadline) {
        tk_period_format_day(p->delivery_due, a, sizeof a);
        tk_period_format_day(p->upload_deadline, b, sizeof b);
        return tk_error_set(err, TK_EINVAL,
                            "the report is due on %s, before the upload deadline %s", a, b);
    }
    return TK_OK;
}

/* Stores one checked plan inside the caller's transaction. */
static int plan_put(tk_db *db, const tk_period_plan *p, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    char a[32], b[32];
    int rc = tk_period_check_open(db, &p->period, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_prepare(db, &st,
                       "SELECT " PLAN_COLUMNS " FROM planned_periods WHERE first_day <= ?2 AND"
                       " ?1 <= last_day AND NOT (first_day = ?1 AND last_day = ?2) LIMIT 1",
                       err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, p->period.first_day);
    sqlite3_bind_int64(st, 2, p->period.last_day);
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        tk_period_plan hit;
        plan_from_row(st, &hit);
        tk_period_format(&hit.period, a, sizeof a);
        tk_period_format(&p->period, b, sizeof b);
        rc = tk_error_set(err, TK_EEXISTS,
                          "%s overlaps the planned period %s; remove that plan first", b, a);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != 0)
        return rc;
    rc = tk_db_prepare(db, &st,
                       "INSERT OR REPLACE INTO planned_periods(" PLAN_COLUMNS
                       ") VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                       err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, p->period.first_day);
    sqlite3_bind_int64(st, 2, p->period.last_day);
    sqlite3_bind_int64(st, 3, p->upload_deadline);
    sqlite3_bind_int64(st, 4, p->delivery_due);
    sqlite3_bind_int64(st, 5, p->set_at);
    if (p->set_by[0] != '\0')
        sqlite3_bind_text(st, 6, p->set_by, -1, SQLITE_TRANSIENT);
    rc = tk_db_step(db, st, err);
    sqlite3_finalize(st);
    return rc < 0 ? rc : TK_OK;
}

int tk_period_plan_set(tk_db *db, const tk_period_plan *plans, size_t n, tk_error *err)
{
    int rc = TK_OK;
    for (size_t i = 0; rc == TK_OK && i < n; i++)
        rc = plan_check(&plans[i], err);
    if (rc == TK_OK)
        rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        return rc;
    for (size_t i = 0; rc == TK_OK && i < n; i++)
        rc = plan_put(db, &plans[i], err);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    if (rc != TK_OK)
        tk_db_rollback(db);
    return rc;
}

static void plan_row(sqlite3_stmt *st, void *slot)
{
    plan_from_row(st, slot);
}

int tk_period_plan_list(tk_db *db, tk_period_plan **out, size_t *n, tk_error *err)
{
    void *v = NULL;
    const int rc = read_rows(db, "SELECT " PLAN_COLUMNS " FROM planned_periods ORDER BY first_day",
                             sizeof **out, plan_row, "planned periods", &v, n, err);
    *out = v;
    return rc;
}

int tk_period_plan_get(tk_db *db, const tk_period *pr, tk_period_plan *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(
        db, &st,
        "SELECT " PLAN_COLUMNS " FROM planned_periods WHERE first_day = ?1 AND last_day = ?2", err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, pr->first_day);
    sqlite3_bind_int64(st, 2, pr->last_day);
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        plan_from_row(st, out);
        rc = TK_OK;
    } else if (rc == 0) {
        char a[32];
        tk_period_format(pr, a, sizeof a);
        rc = tk_error_set(err, TK_ENOTFOUND, "%s is not a planned period", a);
    }
    sqlite3_finalize(st);
    return rc;
}

int tk_period_plan_remove(tk_db *db, const tk_period *pr, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_period_check_open(db, pr, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_prepare(db, &st,
                       "DELETE FROM planned_periods WHERE first_day = ?1 AND last_day = ?2", err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, pr->first_day);
    sqlite3_bind_int64(st, 2, pr->last_day);
    rc = tk_db_step(db, st, err);
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;
    if (sqlite3_changes(tk_db_handle(db)) == 0) {
        char a[32];
        tk_period_format(pr, a, sizeof a);
        return tk_error_set(err, TK_ENOTFOUND, "%s is not a planned period", a);
    }
    return TK_OK;
}

/* A fiscal year is four digits, so that "24" or "02024" is never taken
 * for a year by accident; "FY" is the way the contract's documents write
 * it. The bounds keep a typo such as 2204 from building an empty year. */
int tk_period_parse_fiscal_year(const char *p, size_t len, int *fy, tk_error *err)
{
    int64_t v = 0;
    const char *q = p;
    size_t n = len;
    if (n > 2 && (q[0] == 'F' || q[0] == 'f') && (q[1] == 'Y' || q[1] == 'y')) {
        q += 2;
        n -= 2;
    }
    int digits = n == 4;
    for (size_t i = 0; digits && i < n; i++)
        digits = q[i] >= '0' && q[i] <= '9';
    if (!digits || !tk_parse_i64(q, n, &v) || v < TK_PERIOD_FY_MIN || v > TK_PERIOD_FY_MAX) {
        return tk_error_set(err, TK_EINVAL,
                            "a fiscal year is YYYY or FYYYYY (%d..%d; 2024 is April 2024 to "
                            "March 2025), not '%.*s'",
                            TK_PERIOD_FY_MIN, TK_PERIOD_FY_MAX, (int)(len > 40 ? 40 : len), p);
    }
    *fy = (int)v;
    return TK_OK;
}

void tk_period_fiscal_bimonths(int fy, tk_period out[6])
{
    for (int i = 0; i < 6; i++) {
        const int m = 4 + 2 * i; /* 4, 6, 8, 10, 12, 14 (= February of fy + 1) */
        const int y1 = fy + (m > 12), m1 = m > 12 ? m - 12 : m;
        const int y3 = fy + (m + 2 > 12), m3 = m + 2 > 12 ? m + 2 - 12 : m + 2;
        out[i].first_day = tk_days_from_civil(y1, m1, 1);
        out[i].last_day = tk_days_from_civil(y3, m3, 1) - 1;
    }
}
