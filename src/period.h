/* src/period.h -- analysis periods and their delivery state.
 *
 * A period is a range of JST days, written `YYYY-MM-DD..YYYY-MM-DD` (both
 * ends included). Once the report of a period has been delivered the period
 * is frozen: the contract forbids re-analysing it. This module owns the
 * table `delivered_periods` of a tenant's database. Thread-safe apart from
 * the database handle, which is the caller's. */
#ifndef TK_PERIOD_H
#define TK_PERIOD_H

#include <stddef.h>
#include <stdint.h>

#include "src/db.h"
#include "src/error.h"

typedef struct tk_period {
    int64_t first_day; /* JST day numbers, days since 1970-01-01 */
    int64_t last_day;  /* inclusive */
} tk_period;

/* Parses p[0..len) as `YYYY-MM-DD..YYYY-MM-DD` (also `/` in the dates).
 * Returns TK_OK or TK_EINVAL with a message saying what is wrong (a bad
 * date, the end before the start, a period longer than 3 years). */
TK_MUST_CHECK int tk_period_parse(const char *p, size_t len, tk_period *out, tk_error *err);

/* Parses p[0..len) as one day `YYYY-MM-DD` (also `/`) into *day (a JST
 * day number). Returns TK_OK or TK_EINVAL with a message naming the text. */
TK_MUST_CHECK int tk_period_parse_day(const char *p, size_t len, int64_t *day, tk_error *err);

/* Formats a period as `YYYY-MM-DD..YYYY-MM-DD` into buf (at least 23 bytes). */
void tk_period_format(const tk_period *pr, char *buf, size_t cap);

/* Formats a JST day number as YYYY-MM-DD into buf (at least 11 bytes). */
void tk_period_format_day(int64_t day, char *buf, size_t cap);

/* Creates the table this module owns. Idempotent. */
TK_MUST_CHECK int tk_period_migrate(tk_db *db, tk_error *err);

/* Records that the report of pr was delivered at unix_ms (by whom: a free
 * text such as a user name, borrowed). Returns TK_OK, TK_EEXISTS (an
 * overlapping period is already delivered: the message names it) or
 * TK_EDB. */
TK_MUST_CHECK int tk_period_deliver(tk_db *db, const tk_period *pr, int64_t unix_ms, const char *by,
                                    tk_error *err);

/* Refuses work on a frozen period: returns TK_OK when no delivered period
 * overlaps pr, TK_EFROZEN with a message naming the delivered period and
 * its delivery time otherwise, or TK_EDB. */
TK_MUST_CHECK int tk_period_check_open(tk_db *db, const tk_period *pr, tk_error *err);

/* The delivered periods of db, ordered by first day. *out is an owned
 * result (tk_free(); NULL when there are none) holding *n periods.
 * Returns TK_OK, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_period_delivered(tk_db *db, tk_period **out, size_t *n, tk_error *err);

/* A delivery: the period, when and by whom. */
typedef struct tk_period_delivery {
    tk_period period;
    int64_t at;   /* Unix ms */
    char by[128]; /* who delivered it ("" when not recorded), cut at 127 bytes */
} tk_period_delivery;

/* The deliveries of db, ordered by first day. *out is an owned result
 * (tk_free(); NULL when there are none) holding *n deliveries. Returns
 * TK_OK, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_period_deliveries(tk_db *db, tk_period_delivery **out, size_t *n,
                                       tk_error *err);

/* ---- the schedule (業務処理計画書) ------------------------------------------
 *
 * The contract's plan fixes each period in advance with the day by which
 * the city uploads its logs and the day the report is due. This module
 * owns the table `planned_periods`; a planned period need not have been
 * analysed, and an analysed one need not be planned. */

/* One planned period. */
typedef struct tk_period_plan {
    tk_period period;
    int64_t upload_deadline; /* JST day by which the logs are uploaded */
    int64_t delivery_due;    /* JST day the report is due */
    int64_t set_at;          /* Unix ms when it was set */
    char set_by[128];        /* who set it ("" when not recorded), cut at 127 bytes */
} tk_period_plan;

/* Plans plans[0..n) (set_at and set_by as given) in one transaction, each
 * replacing the plan of exactly its days: all or none are stored. Returns
 * TK_OK, TK_EINVAL (an upload deadline not after its period's last day,
 * or a due day before the deadline: the message says which), TK_EEXISTS
 * (another planned period overlaps one: the message names it), TK_EFROZEN
 * (a period was delivered) or TK_EDB. */
TK_MUST_CHECK int tk_period_plan_set(tk_db *db, const tk_period_plan *plans, size_t n,
                                     tk_error *err);

/* The planned periods, ordered by first day, into *out (owned: tk_free();
 * NULL when none) of *n. Returns TK_OK, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_period_plan_list(tk_db *db, tk_period_plan **out, size_t *n, tk_error *err);

/* The plan of exactly pr into *out. Returns TK_OK, TK_ENOTFOUND (not
 * planned) or TK_EDB. */
TK_MUST_CHECK int tk_period_plan_get(tk_db *db, const tk_period *pr, tk_period_plan *out,
                                     tk_error *err);

/* Removes the plan of exactly pr. Returns TK_OK, TK_ENOTFOUND, TK_EFROZEN
 * (delivered) or TK_EDB. */
TK_MUST_CHECK int tk_period_plan_remove(tk_db *db, const tk_period *pr, tk_error *err);

/* ---- fiscal years ----------------------------------------------------------
 *
 * A Japanese fiscal year Y runs from April Y to March Y + 1. Every surface
 * that takes one (the annual review, its minutes and meeting, the plan,
 * the completion report; over the CLI and the API) parses it here. */

/* The fiscal years accepted. */
#define TK_PERIOD_FY_MIN 2000
#define TK_PERIOD_FY_MAX 2100

/* Parses p[0..len) (untrusted) as a fiscal year: four digits "2024", also
 * after "FY" in either case ("FY2024"), in TK_PERIOD_FY_MIN..MAX, into
 * *fy (left as is on failure). Returns TK_OK or TK_EINVAL (the message
 * says what is accepted and quotes at most 40 bytes of p). */
TK_MUST_CHECK int tk_period_parse_fiscal_year(const char *p, size_t len, int *fy, tk_error *err);

/* The six two-month periods of Japanese fiscal year fy (April fy to March
 * fy + 1): April-May, June-July, ..., February-March. */
void tk_period_fiscal_bimonths(int fy, tk_period out[6]);

#endif
