/* models/answers.c -- the 要確認事項 of a period and the city's answers.
 *
 * Selection. The requests are read from the period's newest run through
 * tk_anomalies_list() (every page, by rank), never with SQL of their own,
 * so that triage is read exactly as every other surface reads it. A case
 * answered once stays a request even after its answer turned it into a
 * false positive; otherwise a justified answer would make the case vanish
 * from the very list that shows the answer.
 *
 * Case ids. "C-YYYY-MM-" and the first four bytes of SHA-256 over
 * "tenken-case", the period and the triage key (entity type, entity,
 * leading rule or "model", first day or "period"), fields separated by
 * 0x1f. Nothing is stored to make an id, so a read-only connection can
 * list requests; a collision inside one period (two cases, one id; about
 * one chance in 10^7 for 300 cases) is refused when the requests are read
 * rather than letting one case's answer land on another.
 *
 * Answers. The table answers keeps every answer (append-only, enforced by
 * triggers); the current one is the newest row of its case id in its
 * period. Each row also keeps the case's entity, rule and 所属 so that the
 * annual statistics read answers without the runs. Recording an answer
 * writes its row, then the triage decision through tk_anomalies_triage()
 * and the suppression through tk_suppress_from_item(), inside one
 * transaction. */
#include "models/answers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/suppress.h"
#include "src/alloc.h"
#include "src/crypto.h"
#include "src/timefmt.h"

static const char *const verdict_names[] = {"justified", "inappropriate", "investigating"};
static const char *const verdict_labels[] = {"正当", "不適切", "調査中"};

const char *tk_answers_verdict_name(tk_answers_verdict v)
{
    return (size_t)v < TK_ANSWERS_NVERDICTS ? verdict_names[v] : "?";
}

const char *tk_answers_verdict_label(tk_answers_verdict v)
{
    return (size_t)v < TK_ANSWERS_NVERDICTS ? verdict_labels[v] : "?";
}

int tk_answers_verdict_parse(const char *p, size_t len, tk_answers_verdict *out, tk_error *err)
{
    while (len > 0 && (*p == ' ' || *p == '\t'))
        p++, len--;
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    for (size_t i = 0; i < TK_ANSWERS_NVERDICTS; i++) {
        if ((strlen(verdict_names[i]) == len && memcmp(p, verdict_names[i], len) == 0) ||
            (strlen(verdict_labels[i]) == len && memcmp(p, verdict_labels[i], len) == 0)) {
            *out = (tk_answers_verdict)i;
            return TK_OK;
        }
    }
    return tk_error_set(err, TK_EINVAL,
                        "unknown verdict: expected 正当 (justified), 不適切 (inappropriate) or "
                        "調査中 (investigating)");
}

static char *dup(const char *s)
{
    return s ? tk_strndup(s, strlen(s)) : NULL;
}

static void copy(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

void tk_answers_answer_dispose(tk_answers_answer *a)
{
    if (a == NULL)
        return;
    tk_free(a->entity);
    tk_free(a->dept);
    tk_free(a->reason);
    tk_free(a->confirmed_by);
    tk_free(a->recorded_by);
    memset(a, 0, sizeof *a);
}

void tk_answers_free(tk_answers_answer *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        tk_answers_answer_dispose(&v[i]);
    tk_free(v);
}

void tk_answers_set_dispose(tk_answers_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; s->v != NULL && i < s->n; i++) {
        tk_anomalies_item_dispose(&s->v[i].item);
        tk_answers_answer_dispose(&s->v[i].answer);
    }
    tk_free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- schema ----------------------------------------------------------------- */

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS answers("
    " id INTEGER PRIMARY KEY,"
    " case_id TEXT NOT NULL,"
    " first_day INTEGER NOT NULL, last_day INTEGER NOT NULL," /* the period */
    " entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,"
    " kind TEXT NOT NULL," /* the leading rule, or 'model' */
    " day INTEGER,"        /* the case's first day; NULL for a period case */
    " dept TEXT,"          /* the entity's 所属 when answered */
    " verdict TEXT NOT NULL CHECK(verdict IN ('justified','inappropriate','investigating')),"
    " reason TEXT NOT NULL, confirmed_by TEXT NOT NULL,"
    " confirmed_on INTEGER NOT NULL," /* JST day */
    " recorded_by TEXT NOT NULL, role TEXT NOT NULL, address TEXT,"
    " via TEXT NOT NULL, at INTEGER NOT NULL," /* Unix ms */
    " suppression_id INTEGER);"
    "CREATE INDEX IF NOT EXISTS answers_case ON answers(first_day, last_day, case_id);"
    "CREATE TRIGGER IF NOT EXISTS answers_no_update BEFORE UPDATE ON answers"
    " BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS answers_no_delete BEFORE DELETE ON answers"
    " BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;";

int tk_answers_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db, schema_sql, err);
}

/* ---- case ids ---------------------------------------------------------------- */

int tk_answers_case_id(const tk_period *pr, const tk_anomalies_item *it, char *buf, size_t cap,
                       tk_error *err)
{
    char key[512], first[16];
    if (it->day == TK_ANOMALIES_PERIOD_ITEM)
        snprintf(first, sizeof first, "period");
    else
        snprintf(first, sizeof first, "%lld", (long long)it->first_day);
    const int n = snprintf(key, sizeof key, "tenken-case\x1f%lld\x1f%lld\x1f%s\x1f%s\x1f%s\x1f%s",
                           (long long)pr->first_day, (long long)pr->last_day, it->entity_type,
                           it->entity ? it->entity : "", it->model ? "model" : it->rule_id, first);
    uint8_t h[TK_CRYPTO_SHA256_SIZE];
    const size_t len = n < 0 ? 0 : (size_t)n < sizeof key ? (size_t)n : sizeof key - 1;
    int rc = tk_crypto_sha256_once(key, len, h, err);
    if (rc != TK_OK)
        return rc;
    char day[16];
    tk_period_format_day(pr->first_day, day, sizeof day);
    snprintf(buf, cap, "C-%.4s-%.2s-%02x%02x%02x%02x", day, day + 5, h[0], h[1], h[2], h[3]);
    return TK_OK;
}

/* ---- reading answers --------------------------------------------------------- */

static const char answer_cols[] =
    "SELECT id, case_id, first_day, last_day, entity_type, entity_id, kind, dept, verdict,"
    " reason, confirmed_by, confirmed_on, recorded_by, via, at, coalesce(suppression_id, 0)"
    " FROM answers";

static int answer_read(sqlite3_stmt *st, tk_answers_answer *a, tk_error *err)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    copy(a->case_id, sizeof a->case_id, (const char *)sqlite3_column_text(st, 1));
    a->period = (tk_period){sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
    copy(a->entity_type, sizeof a->entity_type, (const char *)sqlite3_column_text(st, 4));
    a->entity = dup((const char *)sqlite3_column_text(st, 5));
    copy(a->kind, sizeof a->kind, (const char *)sqlite3_column_text(st, 6));
    a->dept = dup((const char *)sqlite3_column_text(st, 7));
    const char *v = (const char *)sqlite3_column_text(st, 8);
    for (size_t i = 0; v != NULL && i < TK_ANSWERS_NVERDICTS; i++)
        if (strcmp(v, verdict_names[i]) == 0)
            a->verdict = (tk_answers_verdict)i;
    a->reason = dup((const char *)sqlite3_column_text(st, 9));
    a->confirmed_by = dup((const char *)sqlite3_column_text(st, 10));
    a->confirmed_on = sqlite3_column_int64(st, 11);
    a->recorded_by = dup((const char *)sqlite3_column_text(st, 12));
    copy(a->via, sizeof a->via, (const char *)sqlite3_column_text(st, 13));
    a->at = sqlite3_column_int64(st, 14);
    a->suppression = sqlite3_column_int64(st, 15);
    if (a->entity == NULL || a->reason == NULL || a->confirmed_by == NULL ||
        a->recorded_by == NULL || (sqlite3_column_type(st, 7) != SQLITE_NULL && a->dept == NULL))
        return tk_error_set(err, TK_ENOMEM, "out of memory reading answers");
    return TK_OK;
}

/* Runs sql (answer_cols and a condition on ?1, ?2 the period and ?3) and
 * collects its rows. */
static int answers_query(tk_db *db, const char *where, const tk_period *pr, const char *case_id,
                         tk_answers_answer **out, size_t *n, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    char sql[1024];
    *out = NULL;
    *n = 0;
    snprintf(sql, sizeof sql, "%s %s", answer_cols, where);
    int rc = tk_db_prepare(db, &st, sql, err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, pr->first_day);
    sqlite3_bind_int64(st, 2, pr->last_day);
    if (case_id != NULL)
        sqlite3_bind_text(st, 3, case_id, -1, SQLITE_STATIC);
    tk_answers_answer *v = NULL;
    size_t k = 0, cap = 0;
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        rc = TK_OK;
        if (k == cap) {
            cap = cap ? cap * 2 : 16;
            tk_answers_answer *p = tk_realloc(v, cap * sizeof *v);
            if (p == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory reading answers");
                break;
            }
            v = p;
        }
        rc = answer_read(st, &v[k++], err);
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        tk_answers_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return TK_OK;
}

int tk_answers_history(tk_db *db, const tk_period *pr, const char *case_id, tk_answers_answer **out,
                       size_t *n, tk_error *err)
{
    return answers_query(db, "WHERE first_day = ?1 AND last_day = ?2 AND case_id = ?3 ORDER BY id",
                         pr, case_id, out, n, err);
}

int tk_answers_list(tk_db *db, const tk_period *pr, tk_answers_answer **out, size_t *n,
                    tk_error *err)
{
    return answers_query(db,
                         "WHERE id IN (SELECT max(id) FROM answers WHERE first_day = ?1 AND"
                         " last_day = ?2 GROUP BY case_id) ORDER BY case_id",
                         pr, NULL, out, n, err);
}

int tk_answers_previous_period(tk_db *db, const tk_period *pr, tk_period *prev, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "SELECT first_day, last_day FROM ("
                           " SELECT first_day, last_day FROM analysis_runs WHERE last_day < ?1"
                           " UNION SELECT first_day, last_day FROM answers WHERE last_day < ?1)"
                           " ORDER BY last_day DESC, first_day DESC LIMIT 1",
                           err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, pr->first_day);
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        *prev = (tk_period){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
        rc = TK_OK;
    } else if (rc == 0) {
        char buf[32];
        tk_period_format(pr, buf, sizeof buf);
        rc = tk_error_set(err, TK_ENOTFOUND, "no period before %s", buf);
    }
    sqlite3_finalize(st);
    return rc;
}

void tk_answers_counts_free(tk_answers_count *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        tk_free(v[i].dept);
    tk_free(v);
}

int tk_answers_counts(tk_db *db, const tk_period *range, tk_answers_count **out, size_t *n,
                      tk_error *err)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    int rc = tk_db_prepare(
        db, &st,
        "SELECT first_day, last_day, kind, dept,"
        " sum(verdict = 'justified'), sum(verdict = 'inappropriate'),"
        " sum(verdict = 'investigating')"
        " FROM answers WHERE id IN (SELECT max(id) FROM answers WHERE first_day >= ?1 AND"
        " last_day <= ?2 GROUP BY first_day, last_day, case_id)"
        " GROUP BY first_day, last_day, kind, dept ORDER BY first_day, last_day, kind, dept",
        err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, range->first_day);
    sqlite3_bind_int64(st, 2, range->last_day);
    tk_answers_count *v = NULL;
    size_t k = 0, cap = 0;
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        rc = TK_OK;
        if (k == cap) {
            cap = cap ? cap * 2 : 16;
            tk_answers_count *p = tk_realloc(v, cap * sizeof *v);
            if (p == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory counting answers");
                break;
            }
            v = p;
        }
        tk_answers_count *c = &v[k++];
        memset(c, 0, sizeof *c);
        c->period = (tk_period){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
        copy(c->kind, sizeof c->kind, (const char *)sqlite3_column_text(st, 2));
        for (size_t i = 0; i < TK_ANSWERS_NVERDICTS; i++)
            c->n[i] = (size_t)sqlite3_column_int64(st, 4 + (int)i);
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            c->dept = dup((const char *)sqlite3_column_text(st, 3));
            if (c->dept == NULL)
                rc = tk_error_set(err, TK_ENOMEM, "out of memory counting answers");
        }
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        tk_answers_counts_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return TK_OK;
}

/* ---- requests ---------------------------------------------------------------- */

static int is_request(const tk_anomalies_item *it, int answered, double min_score)
{
    if (answered)
        return 1;
    if (it->status == TK_ANOMALIES_FALSE_POSITIVE)
        return 0;
    return strcmp(it->severity, "high") == 0 || strcmp(it->severity, "critical") == 0 ||
           it->score >= min_score || it->status == TK_ANOMALIES_CONFIRMED ||
           it->status == TK_ANOMALIES_INVESTIGATING;
}

static const tk_answers_answer *find_answer(const tk_answers_answer *v, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const int c = strcmp(v[mid].case_id, id);
        if (c == 0)
            return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int answer_copy(tk_answers_answer *dst, const tk_answers_answer *src)
{
    *dst = *src;
    dst->entity = dup(src->entity);
    dst->dept = dup(src->dept);
    dst->reason = dup(src->reason);
    dst->confirmed_by = dup(src->confirmed_by);
    dst->recorded_by = dup(src->recorded_by);
    if (dst->entity == NULL || dst->reason == NULL || dst->confirmed_by == NULL ||
        dst->recorded_by == NULL || (src->dept != NULL && dst->dept == NULL))
        return TK_ENOMEM;
    return TK_OK;
}

static int request_cmp(const void *a, const void *b)
{
    return strcmp(((const tk_answers_request *)a)->case_id,
                  ((const tk_answers_request *)b)->case_id);
}

int tk_answers_requests(tk_db *db, const tk_period *pr, const tk_answers_options *o,
                        tk_answers_set *out, tk_error *err)
{
    const tk_answers_options defaults = TK_ANSWERS_OPTIONS_INIT;
    if (o == NULL)
        o = &defaults;
    memset(out, 0, sizeof *out);
    out->period = *pr;
    tk_anomalies_run run;
    tk_answers_answer *ans = NULL;
    size_t nans = 0, cap = 0;
    tk_anomalies_page page;
    memset(&page, 0, sizeof page);
    int rc = tk_anomalies_find_run(db, pr, &run, err);
    if (rc != TK_OK)
        return rc;
    out->run = run.id;
    tk_anomalies_run_dispose(&run);
    rc = tk_answers_list(db, pr, &ans, &nans, err);
    char cursor[TK_ANOMALIES_CURSOR_SIZE] = "";
    while (rc == TK_OK && out->n < o->limit) {
        tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
        q.limit = TK_ANOMALIES_PAGE_MAX;
        q.cursor = cursor[0] ? cursor : NULL;
        rc = tk_anomalies_list(db, out->run, &q, &page, err);
        for (size_t i = 0; rc == TK_OK && i < page.n && out->n < o->limit; i++) {
            char id[TK_ANSWERS_CASE_ID_SIZE];
            rc = tk_answers_case_id(pr, &page.items[i], id, sizeof id, err);
            if (rc != TK_OK)
                break;
            const tk_answers_answer *a = find_answer(ans, nans, id);
            if (!is_request(&page.items[i], a != NULL, o->min_score))
                continue;
            if (out->n == cap) {
                cap = cap ? cap * 2 : 32;
                tk_answers_request *p = tk_realloc(out->v, cap * sizeof *p);
                if (p == NULL) {
                    rc = tk_error_set(err, TK_ENOMEM, "out of memory listing the requests");
                    break;
                }
                out->v = p;
            }
            tk_answers_request *r = &out->v[out->n++];
            memset(r, 0, sizeof *r);
            copy(r->case_id, sizeof r->case_id, id);
            r->no = out->n;
            r->item = page.items[i];
            memset(&page.items[i], 0, sizeof page.items[i]);
            if (a != NULL) {
                r->answered = 1;
                out->answered++;
                if (answer_copy(&r->answer, a) != TK_OK)
                    rc = tk_error_set(err, TK_ENOMEM, "out of memory listing the requests");
            }
        }
        snprintf(cursor, sizeof cursor, "%s", page.next_cursor);
        tk_anomalies_page_dispose(&page);
        if (cursor[0] == '\0')
            break;
    }
    tk_answers_free(ans, nans);
    /* Two cases with one id: refuse rather than mix up their answers. */
    if (rc == TK_OK && out->n > 1) {
        tk_answers_request *s = tk_calloc(out->n, sizeof *s);
        if (s == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory listing the requests");
        } else {
            memcpy(s, out->v, out->n * sizeof *s);
            qsort(s, out->n, sizeof *s, request_cmp);
            for (size_t i = 1; rc == TK_OK && i < out->n; i++)
                if (strcmp(s[i - 1].case_id, s[i].case_id) == 0)
                    rc = tk_error_set(err, TK_EINTERNAL,
                                      "two cases of the period share the case id %s (ranks %lld "
                                      "and %lld)",
                                      s[i].case_id, (long long)s[i - 1].item.rank,
                                      (long long)s[i].item.rank);
            tk_free(s);
        }
    }
    if (rc != TK_OK)
        tk_answers_set_dispose(out);
    return rc;
}

const tk_answers_request *tk_answers_find(const tk_answers_set *s, const char *case_id)
{
    for (size_t i = 0; case_id != NULL && i < s->n; i++)
        if (strcmp(s->v[i].case_id, case_id) == 0)
            return &s->v[i];
    return NULL;
}

int tk_answers_case_id_valid(const char *s)
{
    /* "C-YYYY-MM-" + 8 lower-case hex digits, nothing else. */
    int ok = strlen(s) == 18 && strncmp(s, "C-", 2) == 0 && s[6] == '-' && s[9] == '-';
    for (size_t i = 2; ok && i < 18; i++)
        if (i != 6 && i != 9)
            ok = (s[i] >= '0' && s[i] <= '9') || (i > 9 && s[i] >= 'a' && s[i] <= 'f');
    return ok;
}

int tk_answers_locate(tk_db *db, const char *case_id, const tk_answers_options *o,
                      tk_answers_set *out, const tk_answers_request **r, tk_error *err)
{
    memset(out, 0, sizeof *out);
    *r = NULL;
    if (!tk_answers_case_id_valid(case_id))
        return tk_error_set(err, TK_ENOTFOUND,
                            "no case %.40s: a case id reads C-YYYY-MM- and 8 hex digits", case_id);
    char from[16];
    snprintf(from, sizeof from, "%.4s-%.2s-01", case_id + 2, case_id + 7);
    int64_t first = 0;
    if (tk_suppress_parse_day(from, &first, NULL) != TK_OK)
        return tk_error_set(err, TK_ENOTFOUND, "no case %s", case_id);
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "SELECT first_day, last_day FROM analysis_runs"
                           " WHERE first_day >= ?1 AND first_day < ?1 + 31"
                           " GROUP BY first_day, last_day ORDER BY max(id) DESC LIMIT 64",
                           err);
    tk_period cand[64];
    size_t n = 0;
    if (rc == TK_OK)
        sqlite3_bind_int64(st, 1, first);
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        rc = TK_OK;
        cand[n++] = (tk_period){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char day[16];
        tk_period_format_day(cand[i].first_day, day, sizeof day);
        if (strncmp(day, case_id + 2, 4) != 0 || strncmp(day + 5, case_id + 7, 2) != 0)
            continue;
        rc = tk_answers_requests(db, &cand[i], o, out, err);
        if (rc != TK_OK)
            return rc;
        *r = tk_answers_find(out, case_id);
        if (*r != NULL)
            return TK_OK;
        tk_answers_set_dispose(out);
    }
    return tk_error_set(err, TK_ENOTFOUND, "no case %s among the requests of the tenant", case_id);
}

/* ---- recording --------------------------------------------------------------- */

/* A comment's text (tk_anomalies_text_ok()), and no DEL either: an
 * answer travels through spreadsheets, where DEL shows as nothing. */
static int text_ok(const char *s)
{
    return tk_anomalies_text_ok(s) && strchr(s, 0x7f) == NULL;
}

static int blank(const char *s)
{
    for (; s != NULL && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

int tk_answers_check(const tk_period *pr, const tk_answers_request *r, const tk_answers_input *in,
                     const tk_actor *actor, tk_answers_field *field, tk_error *err)
{
    tk_answers_field dummy;
    if (field == NULL)
        field = &dummy;
    *field = TK_ANSWERS_FIELD_VERDICT;
    if ((size_t)in->verdict >= TK_ANSWERS_NVERDICTS)
        return tk_error_set(err, TK_EINVAL,
                            "unknown verdict: expected justified, inappropriate or investigating");
    const char *reason = in->reason ? in->reason : "";
    *field = TK_ANSWERS_FIELD_REASON;
    if (strlen(reason) > TK_ANSWERS_REASON_MAX)
        return tk_error_set(err, TK_EINVAL, "the reason holds at most %d bytes, not %zu",
                            TK_ANSWERS_REASON_MAX, strlen(reason));
    if (!text_ok(reason))
        return tk_error_set(err, TK_EINVAL,
                            "the reason is not valid UTF-8 text (control characters other than "
                            "newline and tab are refused)");
    if (in->verdict == TK_ANSWERS_JUSTIFIED && blank(reason))
        return tk_error_set(err, TK_EINVAL,
                            "a justified answer needs the business reason (業務上の理由)");
    const char *by = in->confirmed_by ? in->confirmed_by : "";
    *field = TK_ANSWERS_FIELD_BY;
    if (blank(by) || strlen(by) > TK_ANSWERS_BY_MAX || !text_ok(by) || strpbrk(by, "\r\n\t"))
        return tk_error_set(err, TK_EINVAL,
                            "the confirmer (確認者) is required: one line of at most %d bytes",
                            TK_ANSWERS_BY_MAX);
    const int64_t today = tk_jst_day(tk_actor_now(actor));
    char a[16], b[16];
    *field = TK_ANSWERS_FIELD_DATE;
    if (in->confirmed_on < pr->first_day || in->confirmed_on > today) {
        tk_period_format_day(pr->first_day, a, sizeof a);
        tk_period_format_day(today, b, sizeof b);
        return tk_error_set(err, TK_EINVAL,
                            "the confirmation date (確認日) must be a day from %s to %s (today)", a,
                            b);
    }
    *field = TK_ANSWERS_FIELD_SUPPRESS;
    if (in->suppress && in->verdict != TK_ANSWERS_JUSTIFIED)
        return tk_error_set(err, TK_EINVAL, "only a justified answer can suppress its case");
    if (in->suppress && r != NULL && r->item.model)
        return tk_error_set(err, TK_EINVAL,
                            "case %s is a models-only case with no rule: it cannot be suppressed",
                            r->case_id);
    return TK_OK;
}

int tk_answers_same(const tk_answers_request *r, const tk_answers_input *in)
{
    if (!r->answered)
        return 0;
    return r->answer.verdict == in->verdict &&
           strcmp(r->answer.reason, in->reason ? in->reason : "") == 0 &&
           strcmp(r->answer.confirmed_by, in->confirmed_by ? in->confirmed_by : "") == 0 &&
           r->answer.confirmed_on == in->confirmed_on;
}

static const tk_anomalies_status verdict_status[] = {
    TK_ANOMALIES_FALSE_POSITIVE, TK_ANOMALIES_CONFIRMED, TK_ANOMALIES_INVESTIGATING};

/* The longest prefix of s of at most max bytes that ends on a character
 * boundary, copied into buf (cap > max). */
static void utf8_cut(const char *s, size_t max, char *buf, size_t cap)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

int tk_answers_record(tk_db *db, const tk_answers_set *s, const tk_answers_request *r,
                      const tk_answers_input *in, const tk_actor *actor, int64_t *id, tk_error *err)
{
    int rc = tk_answers_check(&s->period, r, in, actor, NULL, err);
    if (rc != TK_OK)
        return rc;
    const int own = sqlite3_get_autocommit(tk_db_handle(db)) != 0;
    sqlite3_stmt *st = NULL;
    int64_t supp = 0, aid = 0;
    rc = own ? tk_db_begin(db, err) : TK_OK;
    if (rc != TK_OK)
        return rc;
    rc = tk_period_check_open(db, &s->period, err);
    if (rc == TK_OK)
        rc = tk_anomalies_triage(db, s->run, r->item.rank, verdict_status[in->verdict],
                                 in->reason && in->reason[0] ? in->reason : NULL, actor, err);
    if (rc == TK_OK && in->suppress) {
        char reason[TK_SUPPRESS_REASON_MAX + 1];
        utf8_cut(in->reason, TK_SUPPRESS_REASON_MAX, reason, sizeof reason);
        const int64_t until = in->suppress_until ? in->suppress_until : s->period.last_day + 365;
        rc = tk_suppress_from_item(db, s->run, r->item.rank, reason, until, actor, &supp, err);
    }
    if (rc == TK_OK)
        rc = tk_db_prepare(db, &st,
                           "INSERT INTO answers(case_id, first_day, last_day, entity_type,"
                           " entity_id, kind, day, dept, verdict, reason, confirmed_by,"
                           " confirmed_on, recorded_by, role, address, via, at, suppression_id)"
                           " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
                           "?18)",
                           err);
    if (rc == TK_OK) {
        const tk_anomalies_item *it = &r->item;
        sqlite3_bind_text(st, 1, r->case_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, s->period.first_day);
        sqlite3_bind_int64(st, 3, s->period.last_day);
        sqlite3_bind_text(st, 4, it->entity_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, it->entity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, it->model ? "model" : it->rule_id, -1, SQLITE_STATIC);
        if (it->day == TK_ANOMALIES_PERIOD_ITEM)
            sqlite3_bind_null(st, 7);
        else
            sqlite3_bind_int64(st, 7, it->first_day);
        if (it->dept)
            sqlite3_bind_text(st, 8, it->dept, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 8);
        sqlite3_bind_text(st, 9, verdict_names[in->verdict], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, in->reason ? in->reason : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, in->confirmed_by, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 12, in->confirmed_on);
        sqlite3_bind_text(st, 13, actor->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 14, actor->role ? actor->role : "", -1, SQLITE_STATIC);
        if (actor->address)
            sqlite3_bind_text(st, 15, actor->address, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 15);
        sqlite3_bind_text(st, 16, in->via ? in->via : "cli", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 17, tk_actor_now(actor));
        if (supp)
            sqlite3_bind_int64(st, 18, supp);
        else
            sqlite3_bind_null(st, 18);
        rc = tk_db_step(db, st, err);
        rc = rc < 0 ? rc : TK_OK;
        aid = sqlite3_last_insert_rowid(tk_db_handle(db));
    }
    sqlite3_finalize(st);
    if (own && rc == TK_OK)
        rc = tk_db_commit(db, err);
    if (own && rc != TK_OK)
        tk_db_rollback(db);
    if (rc == TK_OK && id != NULL)
        *id = aid;
    return rc;
}
