/* features/dayevents.c -- loading and sorting one day of events.
 *
 * A store scan over [00:00, 24:00) JST returns the events of the blocks
 * that overlap the day, in storage order (by upload, then file order).
 * They are copied into a growable array of compact rows and sorted by
 * (user, time, id): every per-user computation then walks a contiguous
 * run, and windows within the day are two-pointer sweeps.
 *
 * The sort is an LSD radix sort of 64-bit keys (user id << 32 | millisecond
 * of the day, which fits in 27 bits) paired with each row's position, four
 * passes of 16 bits, then one permutation of the 72-byte rows. It is stable,
 * and the scan returns a day's events in id order, so equal keys stay in id
 * order: the result is exactly the (user, time, id) order. qsort on the
 * rows themselves took two thirds of the feature pass on busy days. The
 * arrays are kept between days, so after the busiest day no more memory is
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

struct sortkey {
    uint64_t key;
    uint64_t pos;
};

struct tk_dayevents {
    tk_db *db;
    tk_dayevent *rows;
    tk_dayevent *tmp;     /* permutation target, swapped with rows */
    struct sortkey *k[2]; /* radix sort ping-pong */
    size_t count[65536];  /* radix digit counts (kept off the stack) */
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
    tk_free(d->tmp);
    tk_free(d->k[0]);
    tk_free(d->k[1]);
    tk_free(d);
}

static int grow(tk_dayevents *d, tk_error *err)
{
    size_t cap, bytes, kbytes;
    if (!tk_mul_size(d->cap ? d->cap : MIN_CAP / 2, 2, &cap) ||
        !tk_mul_size(cap, sizeof *d->rows, &bytes) || !tk_mul_size(cap, sizeof *d->k[0], &kbytes))
        return tk_error_set(err, TK_ENOMEM, "too many events in one day");
    tk_dayevent *n = tk_realloc(d->rows, bytes);
    if (n == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory loading a day of events");
    d->rows = n;
    /* The sort's scratch is only read after a load completes, so it can be
     * grown without copying. */
    tk_free(d->tmp);
    tk_free(d->k[0]);
    tk_free(d->k[1]);
    d->tmp = tk_alloc(bytes);
    d->k[0] = tk_alloc(kbytes);
    d->k[1] = tk_alloc(kbytes);
    if (d->tmp == NULL || d->k[0] == NULL || d->k[1] == NULL) {
        tk_free(d->tmp);
        tk_free(d->k[0]);
        tk_free(d->k[1]);
        d->tmp = NULL;
        d->k[0] = d->k[1] = NULL;
        d->cap = 0;
        return tk_error_set(err, TK_ENOMEM, "out of memory loading a day of events");
    }
    d->cap = cap;
    return TK_OK;
}

/* Sorts d->rows[0..n) by (user, minute-exact time, scan order). */
static void sort_rows(tk_dayevents *d, int64_t from)
{
    struct sortkey *a = d->k[0], *b = d->k[1];
    size_t *count = d->count;
    for (size_t i = 0; i < d->n; i++) {
        a[i].key = (uint64_t)d->rows[i].user << 32 | (uint64_t)(d->rows[i].t - from);
        a[i].pos = i;
    }
    for (unsigned shift = 0; shift < 64; shift += 16) {
        memset(count, 0, sizeof d->count);
        for (size_t i = 0; i < d->n; i++)
            count[(a[i].key >> shift) & 0xFFFF]++;
        if (count[(a[0].key >> shift) & 0xFFFF] == d->n)
            continue; /* every key has the same digit: nothing moves */
        size_t sum = 0;
        for (size_t v = 0; v < 65536; v++) {
            const size_t c = count[v];
            count[v] = sum;
            sum += c;
        }
        for (size_t i = 0; i < d->n; i++)
            b[count[(a[i].key >> shift) & 0xFFFF]++] = a[i];
        struct sortkey *t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < d->n; i++)
        d->tmp[i] = d->rows[a[i].pos];
    tk_dayevent *t = d->rows;
    d->rows = d->tmp;
    d->tmp = t;
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
        sort_rows(d, from);
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
