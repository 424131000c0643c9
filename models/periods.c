/* models/periods.c -- periods from runs and deliveries.
 *
 * A tenant knows a period when a run of exactly its days is stored or when
 * its report was delivered; the list is the union of the two, read through
 * models/anomalies (the runs, newest first) and src/period (the
 * deliveries), never through SQL of this module's own. A tenant has a few
 * runs a period and six periods a year, so the runs are read whole and
 * grouped here. The counts per triage status are those of the newest
 * run's list, read with the list's own status filter so that they agree
 * with what GET /api/v1/anomalies?status= answers.
 *
 * Delivery refuses a period that was delivered already or overlaps one
 * (src/period checks the overlap inside its transaction) and, unless
 * forced, a period that no run analysed: a report is written from a run,
 * so a delivery without one is most likely a typing error in the dates. */
#include "models/periods.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/timefmt.h"

static const char *const status_names[] = {"open", "analysed", "delivered"};

const char *tk_periods_status_name(tk_periods_status s)
{
    return (size_t)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "open";
}

void tk_periods_entry_dispose(tk_periods_entry *e)
{
    if (e == NULL)
        return;
    tk_free(e->latest_run_by);
    tk_free(e->delivered_by);
    memset(e, 0, sizeof *e);
}

void tk_periods_free(tk_periods_entry *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        tk_periods_entry_dispose(&v[i]);
    tk_free(v);
}

static char *dup(const char *s)
{
    return tk_strndup(s, strlen(s));
}

static int same(const tk_period *a, const tk_period *b)
{
    return a->first_day == b->first_day && a->last_day == b->last_day;
}

static int overlaps(const tk_period *a, const tk_period *b)
{
    return a->first_day <= b->last_day && b->first_day <= a->last_day;
}

/* Fills e's run fields from the newest run of its period (r) and the
 * number of runs; reads the cases per triage status of r's list. */
static int fill_runs(tk_db *db, tk_periods_entry *e, const tk_anomalies_run *r, size_t runs,
                     tk_error *err)
{
    e->runs = runs;
    e->latest_run = r->id;
    e->latest_run_at = r->created_at;
    if (r->started_by != NULL && (e->latest_run_by = dup(r->started_by)) == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory reading periods");
    e->cases = r->items;
    for (int s = TK_ANOMALIES_NEW; s <= TK_ANOMALIES_FALSE_POSITIVE; s++) {
        tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
        tk_anomalies_page page;
        memset(&page, 0, sizeof page);
        q.status = s;
        q.limit = 1;
        const int rc = tk_anomalies_list(db, r->id, &q, &page, err);
        e->by_status[s] = page.total;
        tk_anomalies_page_dispose(&page);
        if (rc != TK_OK)
            return rc;
    }
    return TK_OK;
}

/* Fills e's delivery fields from the deliveries d[0..nd). */
static int fill_delivery(tk_periods_entry *e, const tk_period_delivery *d, size_t nd, tk_error *err)
{
    for (size_t i = 0; i < nd; i++) {
        if (overlaps(&d[i].period, &e->period))
            e->frozen = 1;
        if (!same(&d[i].period, &e->period))
            continue;
        e->status = TK_PERIODS_DELIVERED;
        e->delivered_at = d[i].at;
        if (d[i].by[0] != '\0' && (e->delivered_by = dup(d[i].by)) == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory reading periods");
    }
    return TK_OK;
}

/* Copies the plan of e->period, if any, from plans[0..np). */
static void fill_plan(tk_periods_entry *e, const tk_period_plan *plans, size_t np)
{
    for (size_t i = 0; i < np; i++) {
        if (same(&plans[i].period, &e->period)) {
            e->planned = 1;
            e->upload_deadline = plans[i].upload_deadline;
            e->delivery_due = plans[i].delivery_due;
            return;
        }
    }
}

int tk_periods_get(tk_db *db, const tk_period *pr, tk_periods_entry *out, tk_error *err)
{
    tk_anomalies_run *runs = NULL;
    tk_period_delivery *d = NULL;
    size_t nruns = 0, nd = 0;

    memset(out, 0, sizeof *out);
    out->period = *pr;
    int rc = tk_anomalies_runs_list(db, pr, 0, SIZE_MAX, &runs, &nruns, err);
    if (rc == TK_OK && nruns > 0) {
        out->status = TK_PERIODS_ANALYSED;
        rc = fill_runs(db, out, &runs[0], nruns, err);
    }
    if (rc == TK_OK)
        rc = tk_period_deliveries(db, &d, &nd, err);
    if (rc == TK_OK)
        rc = fill_delivery(out, d, nd, err);
    if (rc == TK_OK) {
        tk_period_plan plan;
        rc = tk_period_plan_get(db, pr, &plan, err);
        if (rc == TK_OK)
            fill_plan(out, &plan, 1);
        else if (rc == TK_ENOTFOUND)
            rc = TK_OK;
    }
    tk_anomalies_runs_free(runs, nruns);
    tk_free(d);
    if (rc != TK_OK)
        tk_periods_entry_dispose(out);
    return rc;
}

static int by_days(const void *a, const void *b)
{
    const tk_period *x = a, *y = b;
    if (x->first_day != y->first_day)
        return x->first_day < y->first_day ? -1 : 1;
    return (x->last_day > y->last_day) - (x->last_day < y->last_day);
}

int tk_periods_list(tk_db *db, tk_periods_entry **out, size_t *n, tk_error *err)
{
    tk_anomalies_run *runs = NULL;
    tk_period_delivery *d = NULL;
    tk_period_plan *plans = NULL;
    tk_period *keys = NULL;
    tk_periods_entry *v = NULL;
    size_t nruns = 0, nd = 0, np = 0, nkeys = 0, bytes;

    *out = NULL;
    *n = 0;
    int rc = tk_anomalies_runs_list(db, NULL, 0, SIZE_MAX, &runs, &nruns, err);
    if (rc == TK_OK)
        rc = tk_period_deliveries(db, &d, &nd, err);
    if (rc == TK_OK)
        rc = tk_period_plan_list(db, &plans, &np, err);
    if (rc != TK_OK)
        goto done;
    /* The distinct periods: nruns + nd + np bounds them. */
    if (nruns + nd + np == 0)
        goto done;
    if (!tk_mul_size(nruns + nd + np, sizeof *keys, &bytes) || (keys = tk_alloc(bytes)) == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory reading periods");
        goto done;
    }
    for (size_t i = 0; i < nruns + nd + np; i++) {
        const tk_period *const p = i < nruns        ? &runs[i].period
                                   : i < nruns + nd ? &d[i - nruns].period
                                                    : &plans[i - nruns - nd].period;
        size_t k = 0;
        while (k < nkeys && !same(&keys[k], p))
            k++;
        if (k == nkeys)
            keys[nkeys++] = *p;
    }
    qsort(keys, nkeys, sizeof *keys, by_days);
    if ((v = tk_calloc(nkeys, sizeof *v)) == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory reading periods");
        goto done;
    }
    for (size_t k = 0; rc == TK_OK && k < nkeys; k++) {
        tk_periods_entry *const e = &v[k];
        e->period = keys[k];
        /* runs are newest first: the first of the period is its latest. */
        const tk_anomalies_run *latest = NULL;
        size_t count = 0;
        for (size_t i = 0; i < nruns; i++) {
            if (!same(&runs[i].period, &keys[k]))
                continue;
            if (latest == NULL)
                latest = &runs[i];
            count++;
        }
        if (latest != NULL) {
            e->status = TK_PERIODS_ANALYSED;
            rc = fill_runs(db, e, latest, count, err);
        }
        if (rc == TK_OK)
            rc = fill_delivery(e, d, nd, err);
        fill_plan(e, plans, np);
    }
    if (rc == TK_OK) {
        *out = v;
        *n = nkeys;
        v = NULL;
    }
done:
    tk_periods_free(v, nkeys);
    tk_free(keys);
    tk_free(plans);
    tk_free(d);
    tk_anomalies_runs_free(runs, nruns);
    return rc;
}

/* "YYYY-MM-DD HH:MM" of a Unix ms time in JST. */
static void format_when(int64_t ms, char *buf, size_t cap)
{
    char iso[TK_TIME_ISO_SIZE];
    tk_time_format_iso(ms, iso, sizeof iso);
    snprintf(buf, cap, "%.10s %.5s", iso, iso + 11);
}

int tk_periods_deliver(tk_db *db, const tk_period *pr, int force, const tk_actor *actor,
                       tk_error *err)
{
    tk_period_delivery *d = NULL;
    size_t nd = 0;
    char pbuf[32], when[32];

    tk_period_format(pr, pbuf, sizeof pbuf);
    int rc = tk_period_deliveries(db, &d, &nd, err);
    for (size_t i = 0; rc == TK_OK && i < nd; i++) {
        if (!same(&d[i].period, pr))
            continue;
        format_when(d[i].at, when, sizeof when);
        rc = tk_error_set(err, TK_EEXISTS, "period %s was already delivered on %s (JST)%s%s", pbuf,
                          when, d[i].by[0] ? " by " : "", d[i].by);
    }
    tk_free(d);
    if (rc != TK_OK)
        return rc;
    if (!force) {
        tk_anomalies_run *runs = NULL;
        size_t nruns = 0;
        rc = tk_anomalies_runs_list(db, pr, 0, 1, &runs, &nruns, err);
        tk_anomalies_runs_free(runs, nruns);
        if (rc != TK_OK)
            return rc;
        if (nruns == 0)
            return tk_error_set(err, TK_ENOTFOUND,
                                "period %s has no analysis run: analyse it first, or force the "
                                "delivery of a period analysed under other dates",
                                pbuf);
    }
    return tk_period_deliver(db, pr, tk_actor_now(actor), actor != NULL ? actor->name : NULL, err);
}

int tk_periods_plan(tk_db *db, const tk_period *prs, const int64_t *upload_deadlines,
                    const int64_t *delivery_dues, size_t n, const tk_actor *actor, tk_error *err)
{
    tk_period_plan *v = tk_calloc(n ? n : 1, sizeof *v);
    if (v == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory planning periods");
    for (size_t i = 0; i < n; i++) {
        v[i].period = prs[i];
        v[i].upload_deadline = upload_deadlines[i];
        v[i].delivery_due = delivery_dues[i];
        v[i].set_at = tk_actor_now(actor);
        snprintf(v[i].set_by, sizeof v[i].set_by, "%s", actor->name);
    }
    const int rc = tk_period_plan_set(db, v, n, err);
    tk_free(v);
    return rc;
}
