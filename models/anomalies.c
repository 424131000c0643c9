/* models/anomalies.c -- reading stored ranked lists, and triage.
 *
 * A list page is one SQL statement over the run's anomalies, with every
 * filter bound as a value ("?N IS NULL OR column = ?N"), so that a filter
 * can never change the statement's text. The order is chosen from a fixed
 * table by enum. Paging is by key, not by offset: every order ends with the
 * rank, which is unique within a run, so the last item of a page names the
 * exact place to continue, and the cursor only has to carry the run, the
 * order and that rank ("c1.RUN.ORDER.RANK"); the sort values of that rank
 * are looked up in the statement itself. A page is therefore exact even
 * when triage decisions change between two pages (an item that no longer
 * matches a status filter is skipped, none is repeated). The statements
 * are kept prepared on the connection, and the total (a count over every
 * item of the run, the bulk of a page's cost) is remembered on it until
 * the database changes: a run's items and facets never change once
 * stored, and triage changes only by a commit.
 *
 * Facets: the 所属 comes from the explanation ("dept" of a model item,
 * "detail.dept" of a rule finding); the systems from the finding's
 * "detail.systems" or, for a model item, from the evidence events it
 * lists. They are computed once, when the run is stored, because reading
 * evidence per request would make a filtered list cost as much as the
 * evidence itself.
 *
 * Triage decisions are keyed by content: the period (first and last day
 * of the run), the entity, the day (the case's first day; NULL for a
 * period case) and the kind (the leading rule id, or "model"), and say
 * the case's last day when decided (case_to). The current status of a case
 * is the newest decision on its key that saw its last day: a case that
 * grew later (more days of the same pattern) needs a look again and reads
 * as new, while its history keeps every decision on the key. Runs stored
 * before items were cases have no first day: their day stands for it, so
 * their decisions still apply. The table is append-only (a trigger
 * refuses UPDATE), so the history of who decided what and when is kept. */
#include "models/anomalies.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/evidence.h"
#include "src/alloc.h"

static const char *const status_names[] = {"new", "investigating", "confirmed", "false_positive"};
static const char *const order_names[] = {"rank", "day", "entity"};

const char *tk_anomalies_status_name(tk_anomalies_status s)
{
    return (size_t)s < sizeof status_names / sizeof *status_names ? status_names[s] : "new";
}

int tk_anomalies_status_parse(const char *name, tk_anomalies_status *out, tk_error *err)
{
    for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++) {
        if (strcmp(name, status_names[i]) == 0) {
            *out = (tk_anomalies_status)i;
            return TK_OK;
        }
    }
    return tk_error_set(err, TK_EINVAL,
                        "unknown triage status '%s': expected new, investigating, confirmed or"
                        " false_positive",
                        name);
}

const char *tk_anomalies_order_name(tk_anomalies_order o)
{
    return (size_t)o < sizeof order_names / sizeof *order_names ? order_names[o] : "rank";
}

int tk_anomalies_order_parse(const char *name, tk_anomalies_order *out, tk_error *err)
{
    for (size_t i = 0; i < sizeof order_names / sizeof *order_names; i++) {
        if (strcmp(name, order_names[i]) == 0) {
            *out = (tk_anomalies_order)i;
            return TK_OK;
        }
    }
    return tk_error_set(err, TK_EINVAL, "unknown order '%s': expected rank, day or entity", name);
}

static char *dup(const char *s)
{
    return s ? tk_strndup(s, strlen(s)) : NULL;
}

void tk_anomalies_item_dispose(tk_anomalies_item *it)
{
    if (it == NULL)
        return;
    tk_free(it->entity);
    tk_free(it->summary);
    tk_free(it->explanation);
    tk_free(it->dept);
    for (size_t i = 0; i < it->nsystems; i++)
        tk_free(it->systems[i]);
    tk_free(it->systems);
    tk_free(it->comment);
    tk_free(it->decided_by);
    tk_free(it->rules);
    memset(it, 0, sizeof *it);
}

void tk_anomalies_run_dispose(tk_anomalies_run *r)
{
    if (r == NULL)
        return;
    tk_free(r->notes);
    tk_free(r->options);
    tk_free(r->started_by);
    memset(r, 0, sizeof *r);
}

void tk_anomalies_runs_free(tk_anomalies_run *runs, size_t n)
{
    for (size_t i = 0; runs != NULL && i < n; i++)
        tk_anomalies_run_dispose(&runs[i]);
    tk_free(runs);
}

void tk_anomalies_page_dispose(tk_anomalies_page *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        tk_anomalies_item_dispose(&p->items[i]);
    tk_free(p->items);
    memset(p, 0, sizeof *p);
}

void tk_anomalies_decisions_free(tk_anomalies_decision *d, size_t n)
{
    for (size_t i = 0; d != NULL && i < n; i++) {
        tk_free(d[i].comment);
        tk_free(d[i].decided_by);
        tk_free(d[i].role);
    }
    tk_free(d);
}

/* ---- schema ----------------------------------------------------------------- */

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS anomaly_facets("
    " run_id INTEGER NOT NULL, rank INTEGER NOT NULL,"
    " dept TEXT,"    /* the entity's 所属, NULL when unknown */
    " system TEXT);" /* one row per system; one row with NULL when none */
    "CREATE INDEX IF NOT EXISTS anomaly_facets_item ON anomaly_facets(run_id, rank);"
    "CREATE TABLE IF NOT EXISTS anomaly_indexed(run_id INTEGER PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS triage("
    " id INTEGER PRIMARY KEY,"
    " first_day INTEGER NOT NULL, last_day INTEGER NOT NULL," /* the period */
    " entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,"
    " day INTEGER,"        /* NULL: a period item */
    " kind TEXT NOT NULL," /* the rule id, or 'model' */
    " status TEXT NOT NULL"
    "  CHECK(status IN ('new','investigating','confirmed','false_positive')),"
    " comment TEXT, decided_by TEXT NOT NULL, role TEXT NOT NULL, address TEXT,"
    " at INTEGER NOT NULL);" /* Unix ms */
    "CREATE INDEX IF NOT EXISTS triage_key"
    " ON triage(first_day, last_day, entity_type, entity_id, kind, day);"
    "CREATE TRIGGER IF NOT EXISTS triage_append_only BEFORE UPDATE ON triage"
    " BEGIN SELECT RAISE(ABORT, 'triage decisions are append-only'); END;";

/* ---- runs --------------------------------------------------------------------- */

static const char run_sql[] = "SELECT id, first_day, last_day, baseline_first, baseline_last,"
                              " created_at, events, items, notes, options, started_by"
                              " FROM analysis_runs";

static int run_read(sqlite3_stmt *st, tk_anomalies_run *r, tk_error *err)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->period = (tk_period){sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)};
    r->baseline = (tk_period){sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4)};
    r->created_at = sqlite3_column_int64(st, 5);
    r->events = sqlite3_column_int64(st, 6);
    const int64_t items = sqlite3_column_int64(st, 7);
    r->items = items > 0 ? (size_t)items : 0;
    char **const text[] = {&r->notes, &r->options, &r->started_by};
    for (int i = 0; i < 3; i++) {
        if (sqlite3_column_type(st, 8 + i) == SQLITE_NULL)
            continue;
        *text[i] = dup((const char *)sqlite3_column_text(st, 8 + i));
        if (*text[i] == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory reading a run");
    }
    return TK_OK;
}

int tk_anomalies_run_get(tk_db *db, int64_t id, tk_anomalies_run *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    char sql[sizeof run_sql + 32];
    memset(out, 0, sizeof *out);
    snprintf(sql, sizeof sql, "%s WHERE id = ?1", run_sql);
    int rc = tk_db_prepare_kept(db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = tk_db_step(db, st, err);
    if (rc == 1)
        rc = run_read(st, out, err);
    else if (rc == 0)
        rc = tk_error_set(err, TK_ENOTFOUND, "no analysis run #%lld", (long long)id);
    tk_db_release(db, st);
    return rc;
}

int tk_anomalies_find_run(tk_db *db, const tk_period *pr, tk_anomalies_run *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    char sql[sizeof run_sql + 96];
    memset(out, 0, sizeof *out);
    snprintf(sql, sizeof sql,
             "%s WHERE ?1 IS NULL OR (first_day = ?1 AND last_day = ?2)"
             " ORDER BY id DESC LIMIT 1",
             run_sql);
    int rc = tk_db_prepare_kept(db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    if (pr) {
        sqlite3_bind_int64(st, 1, pr->first_day);
        sqlite3_bind_int64(st, 2, pr->last_day);
    }
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        rc = run_read(st, out, err);
    } else if (rc == 0) {
        char buf[32] = "";
        if (pr)
            tk_period_format(pr, buf, sizeof buf);
        rc = tk_error_set(err, TK_ENOTFOUND, "no analysis%s%s yet: run `tenken analyze` first",
                          pr ? " of " : "", buf);
    }
    tk_db_release(db, st);
    return rc;
}

int tk_anomalies_runs_list(tk_db *db, const tk_period *pr, int64_t before, size_t limit,
                           tk_anomalies_run **out, size_t *n, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    char sql[sizeof run_sql + 160];
    *out = NULL;
    *n = 0;
    snprintf(sql, sizeof sql,
             "%s WHERE (?1 IS NULL OR (first_day = ?1 AND last_day = ?2)) AND (?3 = 0 OR id < ?3)"
             " ORDER BY id DESC LIMIT ?4",
             run_sql);
    int rc = tk_db_prepare(db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    if (pr) {
        sqlite3_bind_int64(st, 1, pr->first_day);
        sqlite3_bind_int64(st, 2, pr->last_day);
    }
    sqlite3_bind_int64(st, 3, before > 0 ? before : 0);
    sqlite3_bind_int64(st, 4, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    tk_anomalies_run *v = NULL;
    size_t k = 0, cap = 0;
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        rc = TK_OK;
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            tk_anomalies_run *p = tk_realloc(v, cap * sizeof *v);
            if (p == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory listing runs");
                break;
            }
            v = p;
        }
        rc = run_read(st, &v[k], err);
        k++;
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        tk_anomalies_runs_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return TK_OK;
}

/* ---- items ------------------------------------------------------------------- */

/* A case's triage key against a decision x of the run r's period: the
 * entity, the leading pattern and the first day (NULL for a period case;
 * a row stored before cases has its day for its first day). */
#define CASE_KEY                                                                                   \
    "x.first_day = r.first_day AND x.last_day = r.last_day"                                        \
    " AND x.entity_type = a.entity_type AND x.entity_id = a.entity_id"                             \
    " AND x.kind = coalesce(a.rule_id, 'model')"                                                   \
    " AND x.day IS (CASE WHEN a.day IS NULL THEN NULL ELSE coalesce(a.first_day, a.day) END)"

/* The columns of an item, its facets and its newest decision. ?1 is the
 * run. The facets are read in one subquery (one search of anomaly_facets
 * a row, not two): "-" or the 所属's length in bytes, ':' and the 所属,
 * then the systems joined by U+001F (every facet row of an item has the
 * same 所属; group_concat() skips the row without a system). The decision is found through the
 * run's period; one made before the case grew does not count. */
static const char item_cols[] =
    "SELECT a.rank, a.entity_type, a.entity_id, a.day, a.score, a.source, a.rule_id,"
    " a.severity, a.summary, %s,"
    " (SELECT CASE WHEN f.dept IS NULL THEN '-' ELSE length(CAST(f.dept AS BLOB)) || ':' || f.dept"
    "  END || coalesce(group_concat(f.system, char(31)), '')"
    "  FROM anomaly_facets f WHERE f.run_id = a.run_id AND f.rank = a.rank),"
    " t.status, t.comment, t.decided_by, t.at,"
    " coalesce(a.first_day, a.day, r.first_day), coalesce(a.last_day, a.day, r.last_day),"
    " coalesce(a.days, 1), coalesce(a.rules, ',' || a.rule_id || ',', ''),"
    " coalesce(a.findings, 1)"
    " FROM anomalies a JOIN analysis_runs r ON r.id = a.run_id"
    " LEFT JOIN triage t ON t.id = (SELECT max(x.id) FROM triage x WHERE " CASE_KEY
    "  AND (x.case_to IS NULL OR x.case_to >= coalesce(a.last_day, a.day, r.last_day)))"
    " WHERE a.run_id = ?1";

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The facets of an item from the facets column of item_cols (NULL: none).
 * The systems are sorted here rather than in SQL: a sort in the statement
 * is a sorter opened and closed for every row of a page, and byte order
 * is SQLite's BINARY order. */
static int read_facets(const char *s, tk_anomalies_item *it)
{
    if (s != NULL && *s == '-') {
        s++;
    } else if (s != NULL) {
        char *end = NULL;
        const unsigned long long len = strtoull(s, &end, 10);
        if (*end != ':' || len > strlen(end + 1))
            return TK_OK; /* not written by item_cols: no facets */
        it->dept = tk_strndup(end + 1, (size_t)len);
        if (it->dept == NULL)
            return TK_ENOMEM;
        s = end + 1 + len;
    }
    if (s == NULL || *s == '\0')
        return TK_OK;
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == '\x1f';
    it->systems = tk_calloc(n, sizeof *it->systems);
    if (it->systems == NULL)
        return TK_ENOMEM;
    for (const char *p = s;;) {
        const char *e = strchr(p, '\x1f');
        const size_t len = e ? (size_t)(e - p) : strlen(p);
        it->systems[it->nsystems] = tk_strndup(p, len);
        if (it->systems[it->nsystems] == NULL)
            return TK_ENOMEM;
        it->nsystems++;
        if (e == NULL)
            break;
        p = e + 1;
    }
    qsort(it->systems, it->nsystems, sizeof *it->systems, cmp_str);
    return TK_OK;
}

/* Copies s (NULL: "") into dst[0..cap), cut to fit: snprintf("%s")
 * without printf, for the short fields of every item of a page. */
static void copy_small(char *dst, size_t cap, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Fills *it from a row of item_cols; column 9 is the explanation or NULL. */
static int item_read(sqlite3_stmt *st, int64_t run, tk_anomalies_item *it, tk_error *err)
{
    const char *rule = (const char *)sqlite3_column_text(st, 6);
    const char *sev = (const char *)sqlite3_column_text(st, 7);
    memset(it, 0, sizeof *it);
    it->run_id = run;
    it->rank = sqlite3_column_int64(st, 0);
    copy_small(it->entity_type, sizeof it->entity_type, (const char *)sqlite3_column_text(st, 1));
    it->entity = dup((const char *)sqlite3_column_text(st, 2));
    it->day = sqlite3_column_type(st, 3) == SQLITE_NULL ? TK_ANOMALIES_PERIOD_ITEM
                                                        : sqlite3_column_int64(st, 3);
    it->score = round(sqlite3_column_double(st, 4) * 10) / 10 + 0.0; /* as listed */
    it->model = strcmp((const char *)sqlite3_column_text(st, 5), "model") == 0;
    copy_small(it->rule_id, sizeof it->rule_id, rule);
    copy_small(it->severity, sizeof it->severity, sev);
    it->summary = dup((const char *)sqlite3_column_text(st, 8));
    int bad = it->entity == NULL || it->summary == NULL;
    if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
        it->explanation = dup((const char *)sqlite3_column_text(st, 9));
        bad |= it->explanation == NULL;
    }
    bad |= read_facets((const char *)sqlite3_column_text(st, 10), it) != TK_OK;
    if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
        tk_anomalies_status s = TK_ANOMALIES_NEW;
        if (tk_anomalies_status_parse((const char *)sqlite3_column_text(st, 11), &s, NULL) == TK_OK)
            it->status = s;
        if (sqlite3_column_type(st, 12) != SQLITE_NULL) {
            it->comment = dup((const char *)sqlite3_column_text(st, 12));
            bad |= it->comment == NULL;
        }
        it->decided_by = dup((const char *)sqlite3_column_text(st, 13));
        bad |= it->decided_by == NULL;
        it->decided_at = sqlite3_column_int64(st, 14);
    }
    it->first_day = sqlite3_column_int64(st, 15);
    it->last_day = sqlite3_column_int64(st, 16);
    const int64_t days = sqlite3_column_int64(st, 17);
    it->days = days > 0 ? (size_t)days : 0;
    /* ",R01,R12," is stored; "R01,R12" is read. */
    const char *rules = (const char *)sqlite3_column_text(st, 18);
    size_t rl = rules ? strlen(rules) : 0;
    while (rl > 0 && rules[rl - 1] == ',')
        rl--;
    while (rl > 0 && rules[0] == ',')
        rules++, rl--;
    it->rules = tk_strndup(rules ? rules : "", rl);
    bad |= it->rules == NULL;
    const int64_t nf = sqlite3_column_int64(st, 19);
    it->findings = nf > 0 ? (size_t)nf : 1;
    if (bad) {
        tk_anomalies_item_dispose(it);
        return tk_error_set(err, TK_ENOMEM, "out of memory reading an item");
    }
    return TK_OK;
}

/* Filters: ?2 min score, ?3 entity type, ?4 entity, ?5 system, ?6 所属,
 * ?7 rule, ?8 source, ?9 status. */
static const char filter_sql[] =
    " AND a.score >= ?2 AND (?3 IS NULL OR a.entity_type = ?3)"
    " AND (?4 IS NULL OR a.entity_id = ?4)"
    " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM anomaly_facets f WHERE f.run_id = a.run_id"
    "  AND f.rank = a.rank AND f.system = ?5))"
    " AND (?6 IS NULL OR EXISTS (SELECT 1 FROM anomaly_facets f WHERE f.run_id = a.run_id"
    "  AND f.rank = a.rank AND f.dept = ?6))"
    " AND (?7 IS NULL OR a.rule_id = ?7 OR instr(a.rules, ',' || ?7 || ',') > 0)"
    " AND (?8 IS NULL OR a.source = ?8)"
    " AND (?9 IS NULL OR coalesce(t.status, 'new') = ?9)";

/* Per order: the cursor condition (?10 the rank of the previous page's last
 * item, 0 on the first page) and the ORDER BY. A period item (day NULL)
 * sorts after every day. */
static const struct {
    const char *after;
    const char *order;
} orders[] = {
    {" AND a.rank > ?10", " ORDER BY a.rank"},
    {" AND (?10 = 0 OR (coalesce(a.day, 9223372036854775807), a.rank) >"
     " ((SELECT coalesce(b.day, 9223372036854775807) FROM anomalies b"
     "  WHERE b.run_id = ?1 AND b.rank = ?10), ?10))",
     " ORDER BY coalesce(a.day, 9223372036854775807), a.rank"},
    {" AND (?10 = 0 OR (a.entity_type, a.entity_id, a.rank) >"
     " ((SELECT b.entity_type FROM anomalies b WHERE b.run_id = ?1 AND b.rank = ?10),"
     "  (SELECT b.entity_id FROM anomalies b WHERE b.run_id = ?1 AND b.rank = ?10), ?10))",
     " ORDER BY a.entity_type, a.entity_id, a.rank"},
};

static int bind_opt(sqlite3_stmt *st, int idx, const char *s)
{
    return s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, idx);
}

static int bind_filters(sqlite3_stmt *st, const tk_anomalies_query *q)
{
    sqlite3_bind_double(st, 2, q->min_score);
    bind_opt(st, 3, q->entity_type);
    bind_opt(st, 4, q->entity);
    bind_opt(st, 5, q->system);
    bind_opt(st, 6, q->dept);
    bind_opt(st, 7, q->rule);
    bind_opt(st, 8, q->source);
    return bind_opt(
        st, 9,
        q->status >= 0 ? tk_anomalies_status_name((tk_anomalies_status)(unsigned)q->status) : NULL);
}

/* Parses "c1.RUN.ORDER.RANK" into *rank, checking run and order. */
static int cursor_parse(const char *c, int64_t run, tk_anomalies_order o, int64_t *rank,
                        tk_error *err)
{
    long long r = 0, k = 0;
    int ord = -1, used = 0;
    if (sscanf(c, "c1.%lld.%d.%lld%n", &r, &ord, &k, &used) != 3 || c[used] != '\0' || k < 1 ||
        strspn(c + 3, "0123456789.") != strlen(c + 3))
        return tk_error_set(err, TK_EINVAL, "malformed cursor '%.40s': pass next_cursor as given",
                            c);
    if (r != run || ord != (int)o)
        return tk_error_set(err, TK_EINVAL,
                            "the cursor belongs to another list (run #%lld ordered by %s): start"
                            " again without a cursor",
                            r, tk_anomalies_order_name((tk_anomalies_order)ord));
    *rank = k;
    return TK_OK;
}

static int check_query(const tk_anomalies_query *q, tk_error *err)
{
    if (q->entity_type && strcmp(q->entity_type, "user") && strcmp(q->entity_type, "terminal"))
        return tk_error_set(err, TK_EINVAL, "entity type is user or terminal, not '%.40s'",
                            q->entity_type);
    if (q->source && strcmp(q->source, "rule") && strcmp(q->source, "model"))
        return tk_error_set(err, TK_EINVAL, "source is rule or model, not '%.40s'", q->source);
    if (q->status > TK_ANOMALIES_FALSE_POSITIVE)
        return tk_error_set(err, TK_EINVAL, "unknown triage status %d", q->status);
    if ((size_t)q->order >= sizeof orders / sizeof *orders)
        return tk_error_set(err, TK_EINVAL, "unknown order %d", (int)q->order);
    if (q->limit > TK_ANOMALIES_PAGE_MAX)
        return tk_error_set(err, TK_EINVAL, "a page holds at most %d items, not %zu",
                            TK_ANOMALIES_PAGE_MAX, q->limit);
    if (!(q->min_score >= 0 && q->min_score <= 100))
        return tk_error_set(err, TK_EINVAL, "the minimum score is from 0 to 100");
    return TK_OK;
}

/* The memo key of run's total under q's filters: every filter, each
 * with its length, so that no two filter sets share a key. Returns 0 when
 * the key does not fit (then the total is not remembered). */
static int total_key(char *buf, size_t cap, int64_t run, const tk_anomalies_query *q)
{
    const char *const f[] = {q->entity_type, q->entity, q->system, q->dept, q->rule, q->source};
    size_t used = 0;
    int n = snprintf(buf, cap, "anomalies.total %lld %d %.17g", (long long)run, q->status,
                     q->min_score);
    for (size_t i = 0; n >= 0 && (size_t)n < cap - used && i < sizeof f / sizeof *f; i++) {
        used += (size_t)n;
        n = f[i] ? snprintf(buf + used, cap - used, " %zu:%s", strlen(f[i]), f[i])
                 : snprintf(buf + used, cap - used, " -");
    }
    return n >= 0 && (size_t)n < cap - used;
}

/* The number of run's items matching q's filters into *total. A run's
 * items and facets never change once stored, and the triage a status
 * filter reads changes only by a commit, so the count is remembered on
 * the connection until the database changes (tk_db_memo_get()): a pooled
 * read-only handle of the service counts once per state of the store, not
 * once per page. */
static int list_total(tk_db *db, int64_t run, const tk_anomalies_query *q, const char *cols,
                      size_t *total, tk_error *err)
{
    char key[TK_DB_MEMO_KEY_MAX + 1];
    const int keyed = total_key(key, sizeof key, run, q);
    int64_t v = 0;
    int rc = keyed ? tk_db_memo_get(db, key, &v, err) : 0;
    if (rc < 0)
        return rc;
    if (rc == 1) {
        *total = (size_t)v;
        return TK_OK;
    }
    char sql[4096];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s%s)", cols, filter_sql);
    rc = tk_db_prepare_kept(db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, run);
    bind_filters(st, q);
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        v = sqlite3_column_int64(st, 0);
        *total = (size_t)v;
        rc = TK_OK;
        if (keyed)
            tk_db_memo_put(db, key, v);
    }
    tk_db_release(db, st);
    return rc;
}

int tk_anomalies_list(tk_db *db, int64_t run, const tk_anomalies_query *q, tk_anomalies_page *out,
                      tk_error *err)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    int rc = check_query(q, err);
    int64_t after = 0;
    if (rc == TK_OK && q->cursor && q->cursor[0])
        rc = cursor_parse(q->cursor, run, q->order, &after, err);
    if (rc != TK_OK)
        return rc;
    const size_t limit = q->limit ? q->limit : TK_ANOMALIES_PAGE_DEFAULT;

    /* The total, on the filters alone. */
    char sql[4096];
    char cols[2048];
    snprintf(cols, sizeof cols, item_cols, "NULL");
    rc = list_total(db, run, q, cols, &out->total, err);
    if (rc == TK_OK && out->total == 0) {
        /* Nothing matches: say so if the run itself does not exist. */
        tk_anomalies_run info;
        rc = tk_anomalies_run_get(db, run, &info, err);
        tk_anomalies_run_dispose(&info);
    }
    if (rc != TK_OK)
        return rc;

    /* One row more than the page says whether there is a next page. */
    snprintf(sql, sizeof sql, "%s%s%s%s LIMIT ?11", cols, filter_sql, orders[q->order].after,
             orders[q->order].order);
    rc = tk_db_prepare_kept(db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, run);
    bind_filters(st, q);
    sqlite3_bind_int64(st, 10, after);
    sqlite3_bind_int64(st, 11, (int64_t)limit + 1);
    out->items = tk_calloc(limit, sizeof *out->items);
    if (out->items == NULL)
        rc = tk_error_set(err, TK_ENOMEM, "out of memory reading a page");
    int more = 0;
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        rc = TK_OK;
        if (out->n == limit) {
            more = 1;
            break;
        }
        rc = item_read(st, run, &out->items[out->n], err);
        if (rc == TK_OK)
            out->n++;
    }
    tk_db_release(db, st);
    if (rc < 0) {
        tk_anomalies_page_dispose(out);
        return rc;
    }
    if (more && out->n > 0)
        snprintf(out->next_cursor, sizeof out->next_cursor, "c1.%lld.%d.%lld", (long long)run,
                 (int)q->order, (long long)out->items[out->n - 1].rank);
    return TK_OK;
}

/* The "not found" message of item `rank`: names the run's period and its
 * number of items, so that a user who left out the period sees that the
 * newest run is another period's. */
static int no_item(tk_db *db, int64_t run, int64_t rank, tk_error *err)
{
    tk_anomalies_run info;
    int rc = tk_anomalies_run_get(db, run, &info, err);
    if (rc != TK_OK)
        return rc;
    char pbuf[32];
    tk_period_format(&info.period, pbuf, sizeof pbuf);
    rc =
        tk_error_set(err, TK_ENOTFOUND, "run #%lld (%s) has no item %lld: it lists %zu item%s",
                     (long long)run, pbuf, (long long)rank, info.items, info.items == 1 ? "" : "s");
    tk_anomalies_run_dispose(&info);
    return rc;
}

int tk_anomalies_get(tk_db *db, int64_t run, int64_t rank, tk_anomalies_item *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    char sql[4352], cols[4096];
    memset(out, 0, sizeof *out);
    snprintf(cols, sizeof cols, item_cols,
             "(SELECT e.explanation FROM anomaly_explanations e WHERE e.id = a.id)");
    snprintf(sql, sizeof sql, "%s AND a.rank = ?2", cols);
    int rc = tk_db_prepare(db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, rank);
    rc = tk_db_step(db, st, err);
    const int found = rc == 1;
    if (found)
        rc = item_read(st, run, out, err);
    sqlite3_finalize(st);
    if (found || rc < 0)
        return rc;
    return no_item(db, run, rank, err);
}

int tk_anomalies_evidence(tk_db *db, int64_t run, int64_t rank, tk_evidence **out, tk_error *err)
{
    tk_anomalies_item it;
    *out = NULL;
    int rc = tk_anomalies_get(db, run, rank, &it, err);
    if (rc == TK_OK)
        rc = tk_evidence_of_explanation(db, it.explanation, out, err);
    tk_anomalies_item_dispose(&it);
    return rc;
}

/* ---- triage ------------------------------------------------------------------- */

int tk_anomalies_text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            if (*p < 0x20 && *p != '\n' && *p != '\t')
                return 0;
            p++;
            continue;
        }
        size_t n;
        unsigned cp;
        if ((*p & 0xe0) == 0xc0)
            n = 1, cp = *p & 0x1f;
        else if ((*p & 0xf0) == 0xe0)
            n = 2, cp = *p & 0x0f;
        else if ((*p & 0xf8) == 0xf0)
            n = 3, cp = *p & 0x07;
        else
            return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        p += n + 1;
    }
    return 1;
}

int tk_anomalies_triage(tk_db *db, int64_t run, int64_t rank, tk_anomalies_status status,
                        const char *comment, const tk_actor *actor, tk_error *err)
{
    if ((size_t)status >= sizeof status_names / sizeof *status_names)
        return tk_error_set(err, TK_EINVAL, "unknown triage status %d", (int)status);
    if (comment && strlen(comment) > TK_ANOMALIES_COMMENT_MAX)
        return tk_error_set(err, TK_EINVAL, "a comment holds at most %d bytes, not %zu",
                            TK_ANOMALIES_COMMENT_MAX, strlen(comment));
    if (comment && !tk_anomalies_text_ok(comment))
        return tk_error_set(err, TK_EINVAL,
                            "the comment is not valid UTF-8 text (control characters other than"
                            " newline and tab are refused)");
    tk_anomalies_item it;
    tk_anomalies_run info;
    memset(&info, 0, sizeof info);
    sqlite3_stmt *st = NULL;
    /* Inside the caller's transaction when there is one (an answer of the
     * city records its decision with it), else in its own. */
    const int own = sqlite3_get_autocommit(tk_db_handle(db)) != 0;
    int rc = own ? tk_db_begin(db, err) : TK_OK;
    if (rc != TK_OK)
        return rc;
    rc = tk_anomalies_get(db, run, rank, &it, err);
    if (rc != TK_OK)
        goto done_tx;
    rc = tk_anomalies_run_get(db, run, &info, err);
    if (rc == TK_OK)
        rc = tk_period_check_open(db, &info.period, err);
    if (rc == TK_OK && status == TK_ANOMALIES_NEW && it.decided_by == NULL)
        rc = tk_error_set(err, TK_EINVAL, "item %lld is new already: nobody has triaged it",
                          (long long)rank);
    if (rc == TK_OK)
        rc = tk_db_prepare(db, &st,
                           "INSERT INTO triage(first_day, last_day, entity_type, entity_id, day,"
                           " kind, status, comment, decided_by, role, address, at, case_to)"
                           " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
                           err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 1, info.period.first_day);
        sqlite3_bind_int64(st, 2, info.period.last_day);
        sqlite3_bind_text(st, 3, it.entity_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, it.entity, -1, SQLITE_STATIC);
        if (it.day == TK_ANOMALIES_PERIOD_ITEM)
            sqlite3_bind_null(st, 5);
        else
            sqlite3_bind_int64(st, 5, it.first_day);
        sqlite3_bind_text(st, 6, it.model ? "model" : it.rule_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, tk_anomalies_status_name(status), -1, SQLITE_STATIC);
        bind_opt(st, 8, comment && comment[0] ? comment : NULL);
        sqlite3_bind_text(st, 9, actor->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, actor->role ? actor->role : "", -1, SQLITE_STATIC);
        bind_opt(st, 11, actor->address);
        sqlite3_bind_int64(st, 12, tk_actor_now(actor));
        sqlite3_bind_int64(st, 13, it.last_day);
        rc = tk_db_step(db, st, err);
        rc = rc < 0 ? rc : TK_OK;
    }
    sqlite3_finalize(st);
    tk_anomalies_item_dispose(&it);
    tk_anomalies_run_dispose(&info);
done_tx:
    if (own && rc == TK_OK)
        rc = tk_db_commit(db, err);
    if (own && rc != TK_OK)
        tk_db_rollback(db);
    return rc;
}

int tk_anomalies_history(tk_db *db, int64_t run, int64_t rank, tk_anomalies_decision **out,
                         size_t *n, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    int rc = tk_db_prepare(db, &st,
                           "SELECT x.status, x.comment, x.decided_by, x.role, x.at"
                           " FROM anomalies a JOIN analysis_runs r ON r.id = a.run_id"
                           " JOIN triage x ON " CASE_KEY
                           " WHERE a.run_id = ?1 AND a.rank = ?2 ORDER BY x.id",
                           err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, rank);
    tk_anomalies_decision *v = NULL;
    size_t k = 0, cap = 0;
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        rc = TK_OK;
        if (k == cap) {
            cap = cap ? cap * 2 : 4;
            tk_anomalies_decision *p = tk_realloc(v, cap * sizeof *v);
            if (p == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory reading decisions");
                break;
            }
            v = p;
        }
        tk_anomalies_decision *d = &v[k++];
        memset(d, 0, sizeof *d);
        tk_anomalies_status s = TK_ANOMALIES_NEW;
        if (tk_anomalies_status_parse((const char *)sqlite3_column_text(st, 0), &s, NULL) == TK_OK)
            d->status = s;
        d->comment = dup((const char *)sqlite3_column_text(st, 1));
        d->decided_by = dup((const char *)sqlite3_column_text(st, 2));
        d->role = dup((const char *)sqlite3_column_text(st, 3));
        d->at = sqlite3_column_int64(st, 4);
        if (d->decided_by == NULL || d->role == NULL ||
            (sqlite3_column_type(st, 1) != SQLITE_NULL && d->comment == NULL))
            rc = tk_error_set(err, TK_ENOMEM, "out of memory reading decisions");
    }
    sqlite3_finalize(st);
    if (rc == TK_OK && k == 0) {
        /* No decision: say whether the item exists at all. */
        tk_anomalies_item it;
        rc = tk_anomalies_get(db, run, rank, &it, err);
        tk_anomalies_item_dispose(&it);
    }
    if (rc < 0) {
        tk_anomalies_decisions_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return TK_OK;
}

/* ---- facets ------------------------------------------------------------------- */

/* The systems of one item into names[0..*n) (borrowed from ex or from ev;
 * sorted, distinct). */
static int item_systems(tk_db *db, const char *text, json_t *ex, tk_evidence **ev,
                        const char ***names, size_t *n, tk_error *err)
{
    *names = NULL;
    *n = 0;
    /* A case lists its findings' systems, or none when one of them has no
     * list (then its evidence says); a row stored before cases has its
     * finding's list. */
    json_t *sys = json_object_get(ex, "systems");
    if (sys == NULL && json_object_get(ex, "case") == NULL)
        sys = json_object_get(json_object_get(ex, "detail"), "systems");
    size_t cap = json_is_array(sys) ? json_array_size(sys) : 0;
    if (cap == 0) {
        /* No list in the explanation: the systems of the evidence events. */
        int rc = tk_evidence_of_explanation(db, text, ev, err);
        if (rc != TK_OK)
            return rc;
        cap = tk_evidence_count(*ev);
    }
    if (cap == 0)
        return TK_OK;
    const char **out = tk_calloc(cap, sizeof *out);
    if (out == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory indexing an item");
    size_t k = 0;
    for (size_t i = 0; i < cap; i++) {
        const char *s =
            *ev ? tk_evidence_row_at(*ev, i)->system : json_string_value(json_array_get(sys, i));
        if (s)
            out[k++] = s;
    }
    qsort(out, k, sizeof *out, cmp_str);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (m == 0 || strcmp(out[m - 1], out[i]) != 0)
            out[m++] = out[i];
    *names = out;
    *n = m;
    return TK_OK;
}

int tk_anomalies_index(tk_db *db, int64_t run, tk_error *err)
{
    sqlite3_stmt *sel = NULL, *ins = NULL;
    int rc = tk_db_prepare(db, &sel,
                           "SELECT a.rank, e.explanation FROM anomalies a"
                           " JOIN anomaly_explanations e ON e.id = a.id WHERE a.run_id = ?1"
                           " ORDER BY a.rank",
                           err);
    if (rc == TK_OK)
        rc = tk_db_prepare(db, &ins,
                           "INSERT INTO anomaly_facets(run_id, rank, dept, system)"
                           " VALUES(?1,?2,?3,?4)",
                           err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(sel, 1, run);
        sqlite3_bind_int64(ins, 1, run);
    }
    /* A run indexed before (migration racing an analysis) is indexed anew. */
    if (rc == TK_OK) {
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM anomaly_facets WHERE run_id = %lld", (long long)run);
        rc = tk_db_exec(db, sql, err);
    }
    while (rc == TK_OK && (rc = tk_db_step(db, sel, err)) == 1) {
        rc = TK_OK;
        const int64_t rank = sqlite3_column_int64(sel, 0);
        json_error_t je;
        json_t *ex = json_loads((const char *)sqlite3_column_text(sel, 1), 0, &je);
        if (ex == NULL) {
            rc = tk_error_set(err, TK_EPARSE, "run #%lld item %lld: explanation is not JSON: %s",
                              (long long)run, (long long)rank, je.text);
            break;
        }
        const char *dept = json_string_value(json_object_get(ex, "dept"));
        if (dept == NULL)
            dept = json_string_value(json_object_get(json_object_get(ex, "detail"), "dept"));
        tk_evidence *ev = NULL;
        const char **names = NULL;
        size_t n = 0;
        rc = item_systems(db, (const char *)sqlite3_column_text(sel, 1), ex, &ev, &names, &n, err);
        for (size_t i = 0; rc == TK_OK && i < (n ? n : 1); i++) {
            sqlite3_bind_int64(ins, 2, rank);
            bind_opt(ins, 3, dept);
            bind_opt(ins, 4, n ? names[i] : NULL);
            rc = tk_db_step(db, ins, err);
            sqlite3_reset(ins);
            rc = rc < 0 ? rc : TK_OK;
        }
        tk_free(names);
        tk_evidence_destroy(ev);
        json_decref(ex);
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    if (rc == TK_OK) {
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO anomaly_indexed VALUES(%lld)",
                 (long long)run);
        rc = tk_db_exec(db, sql, err);
    }
    return rc;
}

int tk_anomalies_migrate(tk_db *db, tk_error *err)
{
    int has = 0;
    int rc = tk_db_exec(db, schema_sql, err);
    /* Decisions made before items were cases saw no growth: NULL. */
    if (rc == TK_OK)
        rc = tk_db_has_column(db, "triage", "case_to", &has, err);
    if (rc == TK_OK && !has)
        rc = tk_db_exec(db, "ALTER TABLE triage ADD COLUMN case_to INTEGER", err);
    if (rc != TK_OK)
        return rc;
    /* Runs stored before the facets existed: index them once. */
    sqlite3_stmt *st = NULL;
    int64_t *runs = NULL;
    size_t n = 0, cap = 0;
    rc = tk_db_prepare(db, &st,
                       "SELECT id FROM analysis_runs WHERE id NOT IN"
                       " (SELECT run_id FROM anomaly_indexed) ORDER BY id",
                       err);
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        rc = TK_OK;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            int64_t *p = tk_realloc(runs, cap * sizeof *p);
            if (p == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory indexing runs");
                break;
            }
            runs = p;
        }
        runs[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    /* Inside the caller's transaction when there is one (the migrations
     * of a tenant's open), else one transaction per run. */
    const int own = sqlite3_get_autocommit(tk_db_handle(db)) != 0;
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        rc = own ? tk_db_begin(db, err) : TK_OK;
        if (rc == TK_OK)
            rc = tk_anomalies_index(db, runs[i], err);
        if (own && rc == TK_OK)
            rc = tk_db_commit(db, err);
        if (own && rc != TK_OK)
            tk_db_rollback(db);
    }
    tk_free(runs);
    return rc < 0 ? rc : TK_OK;
}
