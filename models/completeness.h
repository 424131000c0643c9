/* models/completeness.h -- is a period's data complete? The system x day
 * grid of stored rows, with what is missing flagged.
 *
 * Before an analysis, the city and the analyst check that every system's
 * logs arrived for every day of the period, so that a missing file can be
 * sent again before the upload deadline. This module counts the stored
 * events of the period per system and JST day, and flags
 *
 * - a day without rows of a system on an open day (the city's calendar,
 *   src/calendar.h) as missing;
 * - a day far below the system's normal on an open day as low: fewer than
 *   TK_COMPLETENESS_LOW_SHARE of its normal, where the normal is the median
 *   of its open days with rows in the period (or, with fewer than
 *   TK_COMPLETENESS_MIN_DAYS of them, over the
 *   TK_COMPLETENESS_HISTORY_DAYS days before it), and only for a normal of
 *   at least TK_COMPLETENESS_MIN_NORMAL rows a day (a quiet system's
 *   day-to-day swing is not a gap). The period's own days come first
 *   because a system's level moves with its season, while a lost or cut
 *   file moves a few days only;
 * - a system that had rows in the weeks before but none in the period as
 *   absent (every open day of it missing).
 *
 * A partial opening (a city's 休日開庁 of a weekend or holiday, when only
 * some 所属 work) is not judged, like a closed day. Days after `today` are
 * neither missing nor low: they have not happened.
 * It reads the store (src/store.h), the calendar and the schedule
 * (src/period.h) and owns no table. Thread-safety: one tenant handle per
 * thread. */
#ifndef TK_COMPLETENESS_H
#define TK_COMPLETENESS_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"
#include "src/period.h"
#include "src/store.h"
#include "src/tenant.h"

#define TK_COMPLETENESS_HISTORY_DAYS 56
#define TK_COMPLETENESS_MIN_DAYS     5
#define TK_COMPLETENESS_LOW_SHARE    0.3
#define TK_COMPLETENESS_MIN_NORMAL   20.0

/* What one cell (a system on a day) is. */
typedef enum tk_completeness_flag {
    TK_COMPLETENESS_OK = 0,  /* rows as expected (or none expected on a closed day) */
    TK_COMPLETENESS_CLOSED,  /* a closed day or a partial opening: not judged (rows counted) */
    TK_COMPLETENESS_MISSING, /* an open day without rows */
    TK_COMPLETENESS_LOW,     /* an open day far below the system's normal */
    TK_COMPLETENESS_FUTURE,  /* after today: not judged */
} tk_completeness_flag;

/* "ok", "closed", "missing", "low", "future". */
const char *tk_completeness_flag_name(tk_completeness_flag f);

/* One system of the grid. */
typedef struct tk_completeness_system {
    char *name;     /* owned */
    uint64_t rows;  /* its rows in the period */
    double normal;  /* rows on a normal open day (above); 0 when unknown */
    size_t missing; /* its missing days */
    size_t low;     /* its low days */
    int absent;     /* 1: rows before the period, none in it */
} tk_completeness_system;

/* The grid of one period. */
typedef struct tk_completeness {
    tk_period period;
    size_t ndays;    /* days of the period */
    size_t nsystems; /* systems: those with rows in the period or the weeks before */
    tk_completeness_system *systems; /* owned; by name */
    uint32_t *rows;                  /* owned; rows[s * ndays + d] (d = day - first day) */
    unsigned char *flags;            /* owned; flags[s * ndays + d], tk_completeness_flag */
    unsigned char *open;             /* owned; open[d]: 1 an open day */
    uint64_t total;                  /* rows of the period, every system */
    size_t missing, low, absent;     /* flagged cells and absent systems, in all */
    int planned;                     /* 1 when the schedule plans exactly this period */
    int64_t upload_deadline;         /* when planned: JST day */
    int64_t delivery_due;            /* when planned: JST day */
} tk_completeness;

/* Frees what c owns. Accepts NULL and a zeroed value. */
void tk_completeness_dispose(tk_completeness *c);

/* Computes the grid of period pr of tenant t (borrowed) as it stands, with
 * days after `today` (a JST day number) not judged, into *out (owned:
 * tk_completeness_dispose()). Reads the period's events and those of the
 * TK_COMPLETENESS_HISTORY_DAYS days before it once. Returns TK_OK, TK_EDB,
 * TK_EPARSE (a damaged event block: the message names it), TK_EINVAL (the
 * calendar settings do not load) or TK_ENOMEM. */
TK_MUST_CHECK int tk_completeness_compute(tk_tenant *t, const tk_period *pr, int64_t today,
                                          tk_completeness *out, tk_error *err);

/* Called with each stored event whose JST day falls in the period, every
 * system (a system id outside the dictionary too), in storage order. ev
 * is borrowed for the call. */
typedef void (*tk_completeness_visit_fn)(void *ctx, const tk_stored_event *ev);

/* As tk_completeness_compute(), and calls visit(ctx, ev) (ctx borrowed,
 * may be NULL) for each event of the period as the one scan reads it, so
 * that a caller that counts the period's events in its own way (the
 * report's heat map and daily volumes) does not read them a second time.
 * visit may be NULL. On an error, visit may have seen part of the
 * period. Returns as tk_completeness_compute(). */
TK_MUST_CHECK int tk_completeness_compute_visit(tk_tenant *t, const tk_period *pr, int64_t today,
                                                tk_completeness_visit_fn visit, void *ctx,
                                                tk_completeness *out, tk_error *err);

#endif
