/* models/entity.c -- one entity's profile for a period.
 *
 * Approach: one feature set covers the baseline window and the period
 * (stored rows when every day of the range was computed, else computed
 * now); the entity's rows give the daily values and the baseline band,
 * the rows of its 所属 on each day give the peer band, the users' hourly
 * histograms give the time of day. What the features do not keep per
 * entity -- the systems used with their counts, a terminal's hours -- is
 * counted from the period's events, a day at a time. The cost is
 * therefore one read of the stored features of about 250 days (every
 * user's rows: the peers need them) plus one pass over the period's
 * events; docs/entities.md gives measured times.
 *
 * Bands use the 10th and 90th percentiles with linear interpolation
 * between order statistics (Hyndman and Fan's type 7, as R and NumPy
 * default): with h = (n - 1) p, q = x[floor h] + (h - floor h)
 * (x[floor h + 1] - x[floor h]). Non-finite values (a feature an older
 * build did not store) are left out of every band. */
#include "models/entity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/dayevents.h"
#include "features/userday.h"
#include "models/trends.h"
#include "src/alloc.h"
#include "src/mastersnap.h"
#include "src/store.h"

/* The analysis's default baseline window (models/analysis.h). */
#define DEFAULT_BASELINE_DAYS 183

static const size_t user_measures[TK_ENTITY_NMEASURES] = {
    TK_USERDAY_EVENTS, TK_USERDAY_LOOKUPS, TK_USERDAY_DISTINCT_RESIDENTS,
    TK_USERDAY_AFTER_HOURS_EVENTS, TK_USERDAY_DISTINCT_SYSTEMS};
static const size_t term_measures[TK_ENTITY_NMEASURES] = {
    TK_USERDAY_TERM_EVENTS, TK_USERDAY_TERM_BUSINESS_EVENTS, TK_USERDAY_TERM_DISTINCT_USERS,
    TK_USERDAY_TERM_AFTER_HOURS_EVENTS, TK_USERDAY_TERM_LOGON_FAILURES};

const char *tk_entity_type_name(tk_entity_type t)
{
    return t == TK_ENTITY_TERMINAL ? "terminal" : "user";
}

int tk_entity_type_parse(const char *s, tk_entity_type *out, tk_error *err)
{
    if (strcmp(s, "user") == 0)
        *out = TK_ENTITY_USER;
    else if (strcmp(s, "terminal") == 0)
        *out = TK_ENTITY_TERMINAL;
    else
        return tk_error_set(err, TK_EINVAL, "entity type is user or terminal, not '%.40s'", s);
    return TK_OK;
}

const char *tk_entity_measure(tk_entity_type t, size_t m)
{
    if (m >= TK_ENTITY_NMEASURES)
        return NULL;
    return t == TK_ENTITY_TERMINAL ? tk_userday_term_feature(term_measures[m])->key
                                   : tk_userday_feature(user_measures[m])->key;
}

void tk_entity_dispose(tk_entity *e)
{
    if (e == NULL)
        return;
    tk_free(e->id);
    tk_free(e->dept);
    tk_free(e->section);
    tk_free(e->days);
    for (size_t i = 0; i < e->nsystems; i++)
        tk_free(e->systems[i].name);
    tk_free(e->systems);
    for (size_t i = 0; i < e->ncases; i++)
        tk_anomalies_item_dispose(&e->cases[i]);
    tk_free(e->cases);
    memset(e, 0, sizeof *e);
}

static char *dup(const char *s)
{
    return s ? tk_strndup(s, strlen(s)) : NULL;
}

/* ---- bands --------------------------------------------------------------------------------- */

static int by_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(const double *x, size_t n, double p)
{
    const double h = (double)(n - 1) * p;
    const size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return x[n - 1];
    return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

/* The band of x[0..n) (sorted in place; non-finite values dropped). */
static tk_entity_band band(double *x, size_t n)
{
    tk_entity_band b = {0, 0, 0, 0, 0};
    size_t k = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            x[k++] = x[i];
            sum += x[i];
        }
    if (k == 0)
        return b;
    qsort(x, k, sizeof *x, by_double);
    b.n = k;
    b.mean = sum / (double)k;
    b.median = quantile(x, k, 0.5);
    b.p10 = quantile(x, k, 0.1);
    b.p90 = quantile(x, k, 0.9);
    return b;
}

static double finite_or_zero(double v)
{
    return isfinite(v) ? v : 0;
}

/* ---- the steps ----------------------------------------------------------------------------- */

struct job {
    tk_tenant *t;
    tk_db *db;
    tk_entity *e;
    tk_userday *s;
    tk_mastersnap *ms;
    uint32_t id;  /* the store's id, 0 when no feature row names it */
    size_t first; /* its rows: [first, first + nrows) of the user or terminal rows */
    size_t nrows;
    double *scratch;   /* one value per row of the set */
    size_t *peer_rows; /* one index per row of the set */
};

static int choose_baseline(struct job *j, tk_error *err)
{
    tk_trends_run *runs = NULL;
    size_t n = 0;
    tk_entity *e = j->e;
    e->baseline = (tk_period){e->period.first_day - DEFAULT_BASELINE_DAYS, e->period.first_day - 1};
    tk_error e2 = {0, ""};
    int rc = tk_trends_runs(j->db, &e->period, &runs, &n, &e2);
    if (rc == TK_EDB && strstr(e2.msg, "no such table") != NULL)
        return TK_OK; /* never analysed: the default window */
    if (rc != TK_OK && err != NULL)
        *err = e2;
    int64_t best = -1;
    for (size_t i = 0; rc == TK_OK && i < n; i++)
        if (runs[i].period.first_day <= e->period.first_day &&
            runs[i].period.last_day >= e->period.last_day && runs[i].id > best)
            best = runs[i].id;
    tk_free(runs);
    if (rc != TK_OK || best < 0)
        return rc;
    tk_anomalies_run r;
    rc = tk_anomalies_run_get(j->db, best, &r, err);
    if (rc == TK_OK)
        e->baseline = r.baseline;
    tk_anomalies_run_dispose(&r);
    return rc;
}

static int load_features(struct job *j, tk_error *err)
{
    const int64_t first = j->e->baseline.first_day < j->e->period.first_day
                              ? j->e->baseline.first_day
                              : j->e->period.first_day;
    tk_error e2 = {0, ""};
    int rc = tk_userday_load(&j->s, j->db, first, j->e->period.last_day, &e2);
    if (rc == TK_OK) {
        j->e->stored = 1;
        return TK_OK;
    }
    if (rc != TK_ENOTFOUND && !(rc == TK_EDB && strstr(e2.msg, "no such table") != NULL)) {
        if (err != NULL)
            *err = e2;
        return rc;
    }
    /* Some day of the range was never analysed: compute the range now. */
    tk_userday_options o = TK_USERDAY_OPTIONS_INIT;
    o.master = j->ms;
    return tk_userday_build(&j->s, j->t, first, j->e->period.last_day, &o, err);
}

/* Finds the entity's rows in the set. */
static void find_rows(struct job *j)
{
    const char *id = j->e->id;
    if (j->e->type == TK_ENTITY_USER) {
        size_t n = 0;
        const tk_userday_total *tot = tk_userday_totals(j->s, &n);
        for (size_t i = 0; i < n; i++) {
            const char *name = tk_userday_user_name(j->s, tot[i].user);
            if (name != NULL && strcmp(name, id) == 0) {
                j->id = tot[i].user;
                j->nrows = tk_userday_user_rows(j->s, j->id, &j->first);
                return;
            }
        }
        return;
    }
    size_t n = 0;
    const tk_userday_term_row *tr = tk_userday_term_rows(j->s, &n);
    for (size_t i = 0; i < n; i++) {
        const char *name = tk_userday_term_name(j->s, tr[i].terminal);
        if (name != NULL && strcmp(name, id) == 0) {
            j->id = tr[i].terminal;
            j->first = i;
            while (i < n && tr[i].terminal == j->id)
                i++;
            j->nrows = i - j->first;
            return;
        }
    }
}

static int read_master(struct job *j, tk_error *err)
{
    tk_entity *e = j->e;
    const int64_t day = e->period.last_day;
    e->hired_on = e->transferred_on = e->retired_on = e->registered_on = TK_MASTERSNAP_NO_DAY;
    const char *dept = NULL;
    if (e->type == TK_ENTITY_USER) {
        tk_mastersnap_staff st;
        e->known = tk_mastersnap_find_staff(j->ms, e->id, strlen(e->id), day, &st);
        if (e->known) {
            e->status = st.status;
            e->hired_on = st.hired_on;
            e->transferred_on = st.transferred_on;
            e->retired_on = st.retired_on;
            dept = st.dept;
            if (st.section != NULL && (e->section = dup(st.section)) == NULL)
                return tk_error_set(err, TK_ENOMEM, "out of memory reading master data");
        }
    } else {
        tk_mastersnap_terminal tm;
        e->known = tk_mastersnap_find_terminal(j->ms, e->id, strlen(e->id), day, &tm);
        if (e->known) {
            e->terminal_kind = tm.kind;
            e->registered = tm.registered;
            e->registered_on = tm.registered_on;
            dept = tm.dept;
        }
    }
    /* The 所属 the logs last saw wins over the master's. */
    if (j->nrows > 0) {
        size_t n;
        const uint32_t d = e->type == TK_ENTITY_USER
                               ? tk_userday_rows(j->s, &n)[j->first + j->nrows - 1].dept
                               : tk_userday_term_rows(j->s, &n)[j->first + j->nrows - 1].dept;
        if (d != TK_USERDAY_NO_DEPT)
            dept = tk_userday_dept_name(j->s, d);
    }
    if (dept != NULL && (e->dept = dup(dept)) == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory reading master data");
    return TK_OK;
}

/* The value of measure m of the entity's row i (an index into its rows). */
static double user_value(const tk_userday_row *r, size_t m)
{
    return r->f[user_measures[m]];
}

static double term_value(const tk_userday_term_row *r, size_t m)
{
    return r->f[term_measures[m]];
}

static void fill_user_days(struct job *j)
{
    tk_entity *e = j->e;
    size_t nrows;
    const tk_userday_row *rows = tk_userday_rows(j->s, &nrows);
    uint32_t home =
        e->dept ? tk_userday_dept_find(j->s, e->dept, strlen(e->dept)) : TK_USERDAY_NO_DEPT;
    for (size_t k = 0; k < j->nrows; k++) {
        const tk_userday_row *r = &rows[j->first + k];
        if (r->day >= e->baseline.first_day && r->day <= e->baseline.last_day) {
            for (size_t h = 0; h < TK_ENTITY_HOURS; h++)
                e->tod_baseline[h] += finite_or_zero(r->hist[h]);
            e->tod_baseline_days++;
        }
    }
    for (size_t m = 0; m < TK_ENTITY_NMEASURES; m++) {
        size_t n = 0;
        for (size_t k = 0; k < j->nrows; k++) {
            const tk_userday_row *r = &rows[j->first + k];
            if (r->day >= e->baseline.first_day && r->day <= e->baseline.last_day)
                j->scratch[n++] = user_value(r, m);
        }
        e->baseline_band[m] = band(j->scratch, n);
    }
    for (size_t i = 0; i < e->ndays; i++) {
        tk_entity_day *d = &e->days[i];
        const tk_userday_row *r = j->id ? tk_userday_find(j->s, j->id, d->day) : NULL;
        uint32_t dept = home;
        if (r != NULL) {
            d->active = 1;
            d->closed = r->closed;
            dept = r->dept;
            e->active_days++;
            for (size_t m = 0; m < TK_ENTITY_NMEASURES; m++)
                d->value[m] = finite_or_zero(user_value(r, m));
            for (size_t h = 0; h < TK_ENTITY_HOURS; h++)
                e->tod[h] += finite_or_zero(r->hist[h]);
        }
        const size_t *peers = NULL;
        const size_t np =
            dept == TK_USERDAY_NO_DEPT ? 0 : tk_userday_peers(j->s, d->day, dept, &peers);
        for (size_t m = 0; m < TK_ENTITY_NMEASURES; m++) {
            size_t n = 0;
            for (size_t p = 0; p < np; p++)
                if (rows[peers[p]].user != j->id)
                    j->scratch[n++] = user_value(&rows[peers[p]], m);
            d->peers[m] = band(j->scratch, n);
        }
    }
}

static void fill_term_days(struct job *j)
{
    tk_entity *e = j->e;
    size_t nrows;
    const tk_userday_term_row *rows = tk_userday_term_rows(j->s, &nrows);
    const uint32_t home =
        e->dept ? tk_userday_dept_find(j->s, e->dept, strlen(e->dept)) : TK_USERDAY_NO_DEPT;
    for (size_t m = 0; m < TK_ENTITY_NMEASURES; m++) {
        size_t n = 0;
        for (size_t k = 0; k < j->nrows; k++) {
            const tk_userday_term_row *r = &rows[j->first + k];
            if (r->day >= e->baseline.first_day && r->day <= e->baseline.last_day)
                j->scratch[n++] = term_value(r, m);
        }
        e->baseline_band[m] = band(j->scratch, n);
    }
    for (size_t i = 0; i < e->ndays; i++) {
        tk_entity_day *d = &e->days[i];
        const tk_userday_term_row *own = NULL;
        for (size_t k = 0; k < j->nrows && own == NULL; k++)
            if (rows[j->first + k].day == d->day)
                own = &rows[j->first + k];
        uint32_t dept = home;
        if (own != NULL) {
            d->active = 1;
            d->closed = own->closed;
            dept = own->dept;
            e->active_days++;
            for (size_t m = 0; m < TK_ENTITY_NMEASURES; m++)
                d->value[m] = finite_or_zero(term_value(own, m));
        }
        /* The peers' rows of the day, once: their indexes go to peer_rows. */
        size_t np = 0;
        for (size_t k = 0; dept != TK_USERDAY_NO_DEPT && k < nrows; k++)
            if (rows[k].day == d->day && rows[k].dept == dept && rows[k].terminal != j->id)
                j->peer_rows[np++] = k;
        for (size_t m = 0; m < TK_ENTITY_NMEASURES; m++) {
            for (size_t p = 0; p < np; p++)
                j->scratch[p] = term_value(&rows[j->peer_rows[p]], m);
            d->peers[m] = band(j->scratch, np);
        }
    }
}

static int by_events(const void *a, const void *b)
{
    const tk_entity_system *x = a, *y = b;
    if (x->events != y->events)
        return x->events > y->events ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Counts the entity's events per system, per weekday and hour (and a
 * terminal's per hour) in the period's events. */
static int count_events(struct job *j, tk_error *err)
{
    tk_entity *e = j->e;
    tk_dayevents *de = NULL;
    tk_store_names names;
    int64_t *per = NULL;
    memset(&names, 0, sizeof names);
    int rc = tk_store_names_load(j->db, TK_STORE_SYSTEMS, &names, err);
    if (rc == TK_OK && (per = tk_calloc(names.n + 1, sizeof *per)) == NULL)
        rc = tk_error_set(err, TK_ENOMEM, "out of memory counting systems");
    if (rc == TK_OK)
        rc = tk_dayevents_create(&de, j->db, err);
    for (int64_t day = e->period.first_day; rc == TK_OK && day <= e->period.last_day; day++) {
        const size_t i = (size_t)(day - e->period.first_day);
        if (!e->days[i].active)
            continue; /* no event of the entity that day */
        rc = tk_dayevents_load(de, day, err);
        if (rc != TK_OK)
            break;
        const tk_dayevent *ev = tk_dayevents_rows(de);
        const size_t n = tk_dayevents_count(de);
        const int64_t weekday = ((day + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
        for (size_t k = 0; k < n; k++) {
            const uint32_t who = e->type == TK_ENTITY_USER ? ev[k].user : ev[k].terminal;
            if (who != j->id)
                continue;
            if (ev[k].system != 0 && ev[k].system < names.n)
                per[ev[k].system]++;
            if (ev[k].minute < 0 || ev[k].minute >= 1440)
                continue;
            if (e->type == TK_ENTITY_TERMINAL)
                e->tod[ev[k].minute / 60] += 1;
            e->tod_week[(size_t)weekday * TK_ENTITY_HOURS + (size_t)(ev[k].minute / 60)] += 1;
        }
    }
    size_t ns = 0;
    for (size_t y = 0; rc == TK_OK && y < names.n; y++)
        ns += per[y] > 0 && names.names[y] != NULL;
    if (rc == TK_OK && ns > 0 && (e->systems = tk_calloc(ns, sizeof *e->systems)) == NULL)
        rc = tk_error_set(err, TK_ENOMEM, "out of memory counting systems");
    for (size_t y = 0; rc == TK_OK && y < names.n; y++) {
        if (per[y] == 0 || names.names[y] == NULL)
            continue;
        tk_entity_system *s = &e->systems[e->nsystems];
        if ((s->name = dup(names.names[y])) == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory counting systems");
            break;
        }
        s->events = per[y];
        e->nsystems++;
    }
    if (rc == TK_OK && e->nsystems > 0)
        qsort(e->systems, e->nsystems, sizeof *e->systems, by_events);
    tk_dayevents_destroy(de);
    tk_free(per);
    tk_store_names_dispose(&names);
    return rc;
}

/* The entity's cases of the runs models/trends counts for the period. */
static int read_cases(struct job *j, tk_error *err)
{
    tk_entity *e = j->e;
    tk_trends_run *runs = NULL;
    size_t nruns = 0, cap = 0;
    tk_error e2 = {0, ""};
    int rc = tk_trends_runs(j->db, &e->period, &runs, &nruns, &e2);
    if (rc == TK_EDB && strstr(e2.msg, "no such table") != NULL)
        return TK_OK; /* a tenant never analysed has no cases */
    if (rc != TK_OK && err != NULL)
        *err = e2;
    for (size_t r = 0; rc == TK_OK && r < nruns; r++) {
        tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
        char cursor[TK_ANOMALIES_CURSOR_SIZE] = "";
        q.entity_type = tk_entity_type_name(e->type);
        q.entity = e->id;
        q.limit = TK_ANOMALIES_PAGE_MAX;
        for (;;) {
            tk_anomalies_page page;
            q.cursor = cursor[0] ? cursor : NULL;
            rc = tk_anomalies_list(j->db, runs[r].id, &q, &page, err);
            if (rc != TK_OK)
                break;
            for (size_t i = 0; rc == TK_OK && i < page.n; i++) {
                tk_anomalies_item *it = &page.items[i];
                if (it->last_day < e->period.first_day || it->first_day > e->period.last_day ||
                    tk_trends_day_owner(runs, nruns,
                                        tk_trends_case_day(&runs[r].period, it->first_day)) !=
                        runs[r].id)
                    continue;
                if (e->ncases == cap) {
                    const size_t nc = cap ? cap * 2 : 8;
                    tk_anomalies_item *p = tk_realloc(e->cases, nc * sizeof *p);
                    if (p == NULL) {
                        rc = tk_error_set(err, TK_ENOMEM, "out of memory reading cases");
                        break;
                    }
                    e->cases = p;
                    cap = nc;
                }
                e->cases[e->ncases++] = *it; /* moved: the page no longer owns it */
                memset(it, 0, sizeof *it);
            }
            snprintf(cursor, sizeof cursor, "%s", page.next_cursor);
            tk_anomalies_page_dispose(&page);
            if (rc != TK_OK || cursor[0] == '\0')
                break;
        }
    }
    tk_free(runs);
    return rc;
}

int tk_entity_profile(tk_tenant *t, tk_entity_type type, const char *id, const tk_period *pr,
                      tk_entity *out, tk_error *err)
{
    struct job j;
    memset(&j, 0, sizeof j);
    memset(out, 0, sizeof *out);
    if (id == NULL || id[0] == '\0')
        return tk_error_set(err, TK_EINVAL, "an entity id is needed");
    if (pr->first_day > pr->last_day || pr->last_day - pr->first_day >= TK_ENTITY_MAX_DAYS)
        return tk_error_set(err, TK_EINVAL, "a profile covers 1 to %d days", TK_ENTITY_MAX_DAYS);
    j.t = t;
    j.db = tk_tenant_db(t);
    j.e = out;
    out->type = type;
    out->period = *pr;
    out->ndays = (size_t)(pr->last_day - pr->first_day + 1);
    int rc = TK_OK;
    if ((out->id = dup(id)) == NULL ||
        (out->days = tk_calloc(out->ndays, sizeof *out->days)) == NULL)
        rc = tk_error_set(err, TK_ENOMEM, "out of memory building a profile");
    for (size_t i = 0; rc == TK_OK && i < out->ndays; i++)
        out->days[i].day = pr->first_day + (int64_t)i;
    if (rc == TK_OK)
        rc = choose_baseline(&j, err);
    if (rc == TK_OK) {
        const int64_t first =
            out->baseline.first_day < pr->first_day ? out->baseline.first_day : pr->first_day;
        rc = tk_mastersnap_load(&j.ms, t, first, pr->last_day, err);
    }
    if (rc == TK_OK)
        rc = load_features(&j, err);
    if (rc == TK_OK) {
        find_rows(&j);
        rc = read_master(&j, err);
    }
    if (rc == TK_OK && j.nrows == 0 && !out->known)
        rc = tk_error_set(err, TK_ENOTFOUND,
                          "no %s '%.80s' in the events of the period and its baseline, nor in the"
                          " master data",
                          tk_entity_type_name(type), id);
    if (rc == TK_OK) {
        size_t nrows = 0, ntrows = 0;
        (void)tk_userday_rows(j.s, &nrows);
        (void)tk_userday_term_rows(j.s, &ntrows);
        j.scratch = tk_calloc((nrows > ntrows ? nrows : ntrows) + 1, sizeof *j.scratch);
        j.peer_rows = tk_calloc(ntrows + 1, sizeof *j.peer_rows);
        if (j.scratch == NULL || j.peer_rows == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory building a profile");
    }
    if (rc == TK_OK) {
        if (type == TK_ENTITY_USER)
            fill_user_days(&j);
        else
            fill_term_days(&j);
        if (j.id != 0)
            rc = count_events(&j, err);
    }
    if (rc == TK_OK)
        rc = read_cases(&j, err);
    tk_free(j.scratch);
    tk_free(j.peer_rows);
    tk_userday_destroy(j.s);
    tk_mastersnap_destroy(j.ms);
    if (rc != TK_OK)
        tk_entity_dispose(out);
    return rc;
}
