/* features/dayevents.c -- loading and sorting one day of events.
 *
 * A store scan over [00:00, 24:00) JST returns the events of the blocks
 * that overlap the day, in storage order (by upload, then file order).
 * They are copied into a growable array of compact rows and sorted with
 * qsort by (user, time, id): every per-user computation then walks a
 * contiguous run, and windows within the day are two-pointer sweeps. The
 * array is kept between days, so after the busiest day no more memory is
 * allocated. */
#include "features/dayevents.h"

#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/store.h"

#define DAY_MS  ((int64_t)86400000)
#define JST_MS  ((int64_t)9 * 3600000)
#define MIN_CAP ((size_t)4096)

struct tk_dayevents {
    tk_db *db;
    tk_dayevent *rows;
    size_t n;
    size_t cap;
    int64_t day;
};

int64_t tk_dayevents_day_start(int64_t day)
{
    return day * DAY_MS - JST_MS;
}

int tk_dayevents_create(tk_dayevents **out, tk_db *db, tk_error *err)
{
    *out = tk_calloc(1, sizeof **out);
    if (*out == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory creating a day loader");
    (*out)->db = db;
    (*out)->day = INT64_MIN;
    return TK_OK;
}

void tk_dayevents_destroy(tk_dayevents *d)
{
    if (d == NULL)
        return;
    tk_free(d->rows);
    tk_free(d);
}

static int cmp_rows(const void *a, const void *b)
{
    const tk_dayevent *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int grow(tk_dayevents *d, tk_error *err)
{
    size_t cap, bytes;
    if (!tk_mul_size(d->cap ? d->cap : MIN_CAP / 2, 2, &cap) ||
        !tk_mul_size(cap, sizeof *d->rows, &bytes))
        return tk_error_set(err, TK_ENOMEM, "too many events in one day");
    tk_dayevent *n = tk_realloc(d->rows, bytes);
    if (n == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory loading a day of events");
    d->rows = n;
    d->cap = cap;
    return TK_OK;
}

int tk_dayevents_load(tk_dayevents *d, int64_t day, tk_error *err)
{
    tk_store_scan *scan = NULL;
    tk_stored_event ev;
    const int64_t from = tk_dayevents_day_start(day);
    int rc;

    d->n = 0;
    d->day = day;
    rc = tk_store_scan_create(&scan, d->db, from, from + DAY_MS, err);
    if (rc != TK_OK)
        return rc;
    while ((rc = tk_store_scan_next(scan, &ev, err)) == 1) {
        if (d->n == d->cap) {
            rc = grow(d, err);
            if (rc != TK_OK)
                break;
        }
        tk_dayevent *r = &d->rows[d->n++];
        r->id = ev.id;
        r->t = ev.row.t;
        r->user = ev.row.user;
        r->terminal = ev.row.terminal;
        r->system = ev.row.system;
        r->function = ev.row.function;
        r->subject = ev.row.subject;
        r->device = ev.row.device;
        r->file = ev.row.file;
        r->minute = (int32_t)((ev.row.t - from) / 60000);
        r->op = (uint8_t)ev.row.op;
        r->result = (uint8_t)ev.row.result;
        r->mynumber = (int8_t)ev.row.mynumber;
        r->count = ev.row.count;
        r->bytes = ev.row.bytes;
    }
    tk_store_scan_destroy(scan);
    if (rc < 0) {
        d->n = 0;
        return rc;
    }
    if (d->n > 1)
        qsort(d->rows, d->n, sizeof *d->rows, cmp_rows);
    return TK_OK;
}

const tk_dayevent *tk_dayevents_rows(const tk_dayevents *d)
{
    return d->rows;
}

size_t tk_dayevents_count(const tk_dayevents *d)
{
    return d->n;
}

int64_t tk_dayevents_day(const tk_dayevents *d)
{
    return d->day;
}
