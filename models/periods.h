/* models/periods.h -- a tenant's periods as every surface reads them, and
 * their delivery.
 *
 * A period (src/period.h) is analysed (runs of models/analysis), its
 * report is written, then delivered, which freezes it. This module joins
 * what src/period knows (the delivered periods) with what models/analysis
 * and models/anomalies know (the runs, their ranked lists and triage) so
 * that `tenken periods`, `tenken deliver` and /api/v1/periods read and
 * deliver through the same functions. It owns no table.
 *
 * Not thread-safe per connection; distinct connections are independent. */
#ifndef TK_PERIODS_H
#define TK_PERIODS_H

#include <stddef.h>
#include <stdint.h>

#include "models/anomalies.h"
#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"
#include "src/period.h"

/* Where a period stands. */
typedef enum tk_periods_status {
    TK_PERIODS_OPEN = 0,  /* no run and not delivered */
    TK_PERIODS_ANALYSED,  /* at least one run, not delivered */
    TK_PERIODS_DELIVERED, /* its report was delivered: frozen */
} tk_periods_status;

/* "open", "analysed", "delivered". */
const char *tk_periods_status_name(tk_periods_status s);

/* One period. */
typedef struct tk_periods_entry {
    tk_period period;
    tk_periods_status status;
    /* 1 when a delivered period overlaps this one (itself included): no
     * analysis or triage of it is accepted. */
    int frozen;
    size_t runs;             /* runs of exactly this period */
    int64_t latest_run;      /* the newest of them; 0 when none */
    int64_t latest_run_at;   /* its creation, Unix ms; 0 when none */
    char *latest_run_by;     /* owned; who started it, NULL when unknown or none */
    size_t cases;            /* cases of the newest run's list */
    size_t by_status[4];     /* of them, per tk_anomalies_status */
    int64_t delivered_at;    /* Unix ms; 0 when not delivered */
    char *delivered_by;      /* owned; NULL when not delivered or not recorded */
    int planned;             /* 1 when the schedule (src/period.h) plans exactly this period */
    int64_t upload_deadline; /* when planned: the JST day by which the logs are uploaded */
    int64_t delivery_due;    /* when planned: the JST day the report is due */
} tk_periods_entry;

/* Frees what an entry owns. Accepts NULL and a zeroed value. */
void tk_periods_entry_dispose(tk_periods_entry *e);

/* Frees an array from tk_periods_list(). Accepts NULL. */
void tk_periods_free(tk_periods_entry *v, size_t n);

/* Period pr as it stands into *out (owned: tk_periods_entry_dispose()),
 * whether or not anything knows it (then it is open, with no runs).
 * Returns TK_OK, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_periods_get(tk_db *db, const tk_period *pr, tk_periods_entry *out,
                                 tk_error *err);

/* Every period the tenant's runs, deliveries and schedule know, ordered by first
 * then last day, into *out (owned array of *n: tk_periods_free(); NULL
 * when none). Returns TK_OK, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_periods_list(tk_db *db, tk_periods_entry **out, size_t *n, tk_error *err);

/* Records the delivery of pr's report by actor (name and clock; borrowed).
 * Unless force, a period with no run of exactly its days is refused. The
 * caller holds the tenant's writer lock. Returns TK_OK, TK_EEXISTS (pr is
 * already delivered, or overlaps a delivered period: the message names it
 * and when it was delivered), TK_ENOTFOUND (no run and not force: the
 * message says how to go on) or TK_EDB. Undoing a delivery is not
 * offered: the contract freezes a delivered period. */
TK_MUST_CHECK int tk_periods_deliver(tk_db *db, const tk_period *pr, int force,
                                     const tk_actor *actor, tk_error *err);

/* Plans periods prs[0..n) in the schedule (src/period.h), each with its
 * upload deadline and report due day (JST day numbers), set by actor
 * (borrowed: name and clock), all or none, each replacing the plan of
 * exactly its days. The caller holds the tenant's writer lock. Returns
 * what tk_period_plan_set() returns, or TK_ENOMEM. */
TK_MUST_CHECK int tk_periods_plan(tk_db *db, const tk_period *prs, const int64_t *upload_deadlines,
                                  const int64_t *delivery_dues, size_t n, const tk_actor *actor,
                                  tk_error *err);

#endif
