/* models/completeness.c -- the system x day grid of a period (see
 * completeness.h).
 *
 * One scan of the store covers the history window and the period: events
 * are counted into a day x system-id table as they come (the store's
 * order is by upload, not by time), then the systems with rows are named
 * from the dictionary and sorted. The table is small -- a two-month period
 * with its eight weeks before is ~120 days, a city has ~25 systems -- so
 * it is dense. A caller may look at each event of the period as the scan
 * passes (tk_completeness_compute_visit()): the bimonthly report counts
 * its heat map and daily volumes so, and the period is read once. */
#include "models/completeness.h"

#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "src/calendar.h"
#include "src/checked.h"
#include "src/store.h"
#include "src/timefmt.h"

static const char *const flag_names[] = {"ok", "closed", "missing", "low", "future"};

const char *tk_completeness_flag_name(tk_completeness_flag f)
{
    return (size_t)f < sizeof flag_names / sizeof flag_names[0] ? flag_names[f] : "ok";
}

void tk_completeness_dispose(tk_completeness *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; c->systems != NULL && i < c->nsystems; i++)
        tk_free(c->systems[i].name);
    tk_free(c->systems);
    tk_free(c->rows);
    tk_free(c->flags);
    tk_free(c->open);
    memset(c, 0, sizeof *c);
}

/* Unix ms of the start of JST day `day`. */
static int64_t day_start_ms(int64_t day)
{
    return day * 86400000 - 9 * 3600000;
}

static int cmp_u32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The median of the non-zero values of v[0..n) on open days (open[i]),
 * into *out; returns how many there were. tmp holds n values. */
static size_t open_median(const uint32_t *v, const unsigned char *open, size_t n, uint32_t *tmp,
                          double *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (open[i] && v[i] > 0)
            tmp[k++] = v[i];
    *out = 0;
    if (k == 0)
        return 0;
    qsort(tmp, k, sizeof *tmp, cmp_u32);
    *out = k % 2 ? tmp[k / 2] : (tmp[k / 2 - 1] + (double)tmp[k / 2]) / 2;
    return k;
}

typedef struct sys_order {
    const char *name;
    uint32_t id;
} sys_order;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const sys_order *)a)->name, ((const sys_order *)b)->name);
}

int tk_completeness_compute(tk_tenant *t, const tk_period *pr, int64_t today, tk_completeness *out,
                            tk_error *err)
{
    return tk_completeness_compute_visit(t, pr, today, NULL, NULL, out, err);
}

int tk_completeness_compute_visit(tk_tenant *t, const tk_period *pr, int64_t today,
                                  tk_completeness_visit_fn visit, void *ctx, tk_completeness *out,
                                  tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    tk_calendar *cal = NULL;
    tk_store_names sys = {0};
    tk_store_scan *scan = NULL;
    uint32_t *counts = NULL, *tmp = NULL;           /* counts[(day - from) * nsys + id] */
    unsigned char *open_all = NULL, *judged = NULL; /* per day of the window */
    sys_order *order = NULL;
    size_t nsys, span, bytes;
    int rc;

    memset(out, 0, sizeof *out);
    out->period = *pr;
    const int64_t from = pr->first_day - TK_COMPLETENESS_HISTORY_DAYS;
    const size_t hist = TK_COMPLETENESS_HISTORY_DAYS;
    out->ndays = (size_t)(pr->last_day - pr->first_day + 1);
    span = hist + out->ndays;

    rc = tk_calendar_load(&cal, t, NULL, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(db, TK_STORE_SYSTEMS, &sys, err);
    if (rc != TK_OK)
        goto done;
    nsys = sys.n > 0 ? sys.n : 1;
    if (!tk_mul_size(span, nsys, &bytes) || (counts = tk_calloc(bytes, sizeof *counts)) == NULL ||
        (open_all = tk_calloc(span, 1)) == NULL || (judged = tk_calloc(span, 1)) == NULL ||
        (tmp = tk_calloc(span, sizeof *tmp)) == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory counting the period's rows");
        goto done;
    }
    for (size_t d = 0; d < span; d++) {
        /* A partial opening (休日開庁 of a closed day, for some 所属 only)
         * is not judged: most systems rightly have no rows then. */
        tk_calendar_day dk;
        tk_calendar_day_kind(cal, from + (int64_t)d, &dk);
        const unsigned closed = TK_CALENDAR_F_SATURDAY | TK_CALENDAR_F_SUNDAY |
                                TK_CALENDAR_F_HOLIDAY | TK_CALENDAR_F_YEAR_END |
                                TK_CALENDAR_F_CITY_CLOSED;
        open_all[d] = (unsigned char)dk.open;
        judged[d] = (unsigned char)(dk.open && !(dk.reason == TK_CALENDAR_DAY_CITY_OPEN &&
                                                 (dk.flags & closed)));
    }

    rc = tk_store_scan_create(&scan, db, day_start_ms(from), day_start_ms(pr->last_day + 1), err);
    while (rc == TK_OK) {
        tk_stored_event ev;
        rc = tk_store_scan_next(scan, &ev, err);
        if (rc != 1)
            break;
        rc = TK_OK;
        const int64_t day = tk_jst_day(ev.row.t);
        if (visit != NULL && day >= pr->first_day && day <= pr->last_day)
            visit(ctx, &ev);
        if (day < from || day > pr->last_day || ev.row.system >= nsys)
            continue;
        uint32_t *const c = &counts[(size_t)(day - from) * nsys + ev.row.system];
        if (*c < UINT32_MAX)
            (*c)++;
    }
    if (rc != TK_OK)
        goto done;

    /* The systems with rows in the window, by name. */
    if ((order = tk_calloc(nsys, sizeof *order)) == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory counting the period's rows");
        goto done;
    }
    for (uint32_t id = 1; id < sys.n; id++) {
        if (sys.names[id] == NULL)
            continue;
        for (size_t d = 0; d < span; d++) {
            if (counts[d * nsys + id] > 0) {
                order[out->nsystems].name = sys.names[id];
                order[out->nsystems++].id = id;
                break;
            }
        }
    }
    qsort(order, out->nsystems, sizeof *order, by_name);

    const size_t cells = out->nsystems * out->ndays;
    out->systems = tk_calloc(out->nsystems ? out->nsystems : 1, sizeof *out->systems);
    out->rows = tk_calloc(cells ? cells : 1, sizeof *out->rows);
    out->flags = tk_calloc(cells ? cells : 1, 1);
    out->open = tk_calloc(out->ndays, 1);
    if (!out->systems || !out->rows || !out->flags || !out->open) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory counting the period's rows");
        goto done;
    }
    memcpy(out->open, open_all + hist, out->ndays);
    uint32_t *const series = tk_calloc(span, sizeof *series);
    if (series == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory counting the period's rows");
        goto done;
    }
    for (size_t s = 0; s < out->nsystems; s++) {
        tk_completeness_system *const sy = &out->systems[s];
        if ((sy->name = tk_strndup(order[s].name, strlen(order[s].name))) == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory counting the period's rows");
            break;
        }
        uint64_t before = 0;
        for (size_t d = 0; d < span; d++) {
            series[d] = counts[d * nsys + order[s].id];
            if (d < hist)
                before += series[d];
            else
                sy->rows += series[d];
        }
        /* The period's own days first: a system's season (the tax office
         * in spring) moves its level, a lost file moves a few days. */
        if (open_median(series + hist, judged + hist, out->ndays, tmp, &sy->normal) <
            TK_COMPLETENESS_MIN_DAYS)
            open_median(series, judged, hist, tmp, &sy->normal);
        sy->absent = sy->rows == 0 && before > 0;
        for (size_t d = 0; d < out->ndays; d++) {
            const uint32_t v = series[hist + d];
            unsigned char f = TK_COMPLETENESS_OK;
            if (pr->first_day + (int64_t)d > today)
                f = TK_COMPLETENESS_FUTURE;
            else if (!judged[hist + d])
                f = TK_COMPLETENESS_CLOSED;
            else if (v == 0)
                f = TK_COMPLETENESS_MISSING;
            else if (sy->normal >= TK_COMPLETENESS_MIN_NORMAL &&
                     v < TK_COMPLETENESS_LOW_SHARE * sy->normal)
                f = TK_COMPLETENESS_LOW;
            out->rows[s * out->ndays + d] = v;
            out->flags[s * out->ndays + d] = f;
            sy->missing += f == TK_COMPLETENESS_MISSING;
            sy->low += f == TK_COMPLETENESS_LOW;
        }
        out->total += sy->rows;
        out->missing += sy->missing;
        out->low += sy->low;
        out->absent += (size_t)sy->absent;
    }
    tk_free(series);
    if (rc != TK_OK)
        goto done;

    tk_period_plan plan;
    rc = tk_period_plan_get(db, pr, &plan, err);
    if (rc == TK_OK) {
        out->planned = 1;
        out->upload_deadline = plan.upload_deadline;
        out->delivery_due = plan.delivery_due;
    } else if (rc == TK_ENOTFOUND) {
        rc = TK_OK;
    }
done:
    tk_store_scan_destroy(scan);
    tk_store_names_dispose(&sys);
    tk_calendar_destroy(cal);
    tk_free(counts);
    tk_free(tmp);
    tk_free(open_all);
    tk_free(judged);
    tk_free(order);
    if (rc != TK_OK)
        tk_completeness_dispose(out);
    return rc;
}
