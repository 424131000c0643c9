/* models/entity.h -- one user's or terminal's profile for a period.
 *
 * What an inspector looks at before judging a case: per day of the
 * period, the entity's counts (events, look-ups, residents, after-hours
 * events, systems) against its own baseline band and against its peers
 * on the same day; its time-of-day histogram against the baseline's; the
 * systems it used; what the master data says about it; and the cases the
 * analyses listed for it in the period.
 *
 * Sources. The daily values come from the user-day and terminal-day
 * features the analysis stores (features/userday.h, tk_userday_load())
 * for the baseline window and the period; when a day of that range was
 * never computed they are computed now from the event store
 * (tk_userday_build()), which costs about what the analysis's feature
 * stage costs for the range. The systems used (and a terminal's time of
 * day) are counted from the period's events (features/dayevents.h). The
 * cases come from models/anomalies, of the runs models/trends counts.
 *
 * Definitions (docs/entities.md):
 * - baseline window: the baseline of the newest run whose period covers
 *   the requested period, else the 183 days before the period (the
 *   analysis's default);
 * - baseline band: over the entity's days with events in the baseline
 *   window (a day without events is "not at work", as for the models):
 *   mean, median, 10th and 90th percentile (linear interpolation);
 * - peers: on each day, the other users (terminals) of the entity's 所属
 *   that day with events that day; the band is the same statistics over
 *   their values. The entity's 所属 of a day is its feature row's, or on
 *   a day without events the 所属 of its last row (else the master's).
 *
 * Thread-safety: none of its own; uses the tenant's connection. A result
 * is a plain value. */
#ifndef TK_ENTITY_H
#define TK_ENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "models/anomalies.h"
#include "src/error.h"
#include "src/period.h"
#include "src/tenant.h"

typedef enum tk_entity_type { TK_ENTITY_USER = 0, TK_ENTITY_TERMINAL = 1 } tk_entity_type;

/* "user", "terminal". */
const char *tk_entity_type_name(tk_entity_type t);

/* Parses "user" or "terminal". Returns TK_OK or TK_EINVAL (names both). */
TK_MUST_CHECK int tk_entity_type_parse(const char *s, tk_entity_type *out, tk_error *err);

/* Measures per day: a user's are events, lookups, distinct_residents,
 * after_hours_events, distinct_systems; a terminal's events,
 * business_events, distinct_users, after_hours_events, logon_failures
 * (the feature keys of docs/features.md). */
#define TK_ENTITY_NMEASURES 5

/* The feature key of measure m for entities of type t (static), or NULL. */
const char *tk_entity_measure(tk_entity_type t, size_t m);

/* A band of values: n values summarised (0: every field 0). */
typedef struct tk_entity_band {
    size_t n;
    double mean, median, p10, p90;
} tk_entity_band;

/* One day of the period. */
typedef struct tk_entity_day {
    int64_t day;
    int active; /* 1: the entity has events that day (a feature row) */
    int closed; /* 1: the offices were closed (a day without a row: 0) */
    double value[TK_ENTITY_NMEASURES];
    tk_entity_band peers[TK_ENTITY_NMEASURES]; /* the peers' values that day */
} tk_entity_day;

/* A system used in the period. */
typedef struct tk_entity_system {
    char *name; /* owned */
    int64_t events;
} tk_entity_system;

#define TK_ENTITY_HOURS 24

typedef struct tk_entity {
    tk_entity_type type;
    char *id;           /* owned: the 職員ID or 端末名 */
    tk_period period;   /* as asked */
    tk_period baseline; /* the baseline window used */
    int stored;         /* 1: the features were read as stored; 0: computed now */
    char *dept;         /* owned: its 所属 (last feature row, else master), or NULL */
    int known;          /* 1: the master data lists it */
    /* Master data on the period's last day (users): */
    char *section;    /* owned: 係, or NULL */
    int status;       /* TK_MASTERSNAP_ACTIVE ...; 0 not listed */
    int64_t hired_on; /* day numbers, or TK_MASTERSNAP_NO_DAY */
    int64_t transferred_on;
    int64_t retired_on;
    /* (terminals) */
    int terminal_kind;     /* TK_MASTERSNAP_TERMINAL_* */
    int registered;        /* 1: registered on the period's last day */
    int64_t registered_on; /* or TK_MASTERSNAP_NO_DAY */
    tk_entity_day *days;   /* owned: one per day of the period, in order */
    size_t ndays;
    size_t active_days; /* days with events */
    tk_entity_band baseline_band[TK_ENTITY_NMEASURES];
    /* Time of day (JST hours): business operations of a user, every event
     * of a terminal; summed over the period's days and over the baseline
     * window's active days (a terminal has no baseline histogram: its
     * baseline days are 0). */
    double tod[TK_ENTITY_HOURS];
    double tod_baseline[TK_ENTITY_HOURS];
    size_t tod_baseline_days;
    /* Every event of the entity in the period by JST weekday (0 Monday ..
     * 6 Sunday) and hour: tod_week[weekday * 24 + hour] (the heat map). */
    double tod_week[7 * TK_ENTITY_HOURS];
    tk_entity_system *systems; /* owned: by events, most first, then by name */
    size_t nsystems;
    tk_anomalies_item
        *cases; /* owned: the entity's cases overlapping the period, by run and rank */
    size_t ncases;
} tk_entity;

/* Frees what a profile owns. Accepts NULL and a zeroed value. */
void tk_entity_dispose(tk_entity *e);

/* Longest period a profile covers, in days. */
#define TK_ENTITY_MAX_DAYS 366

/* The profile of entity id (borrowed, untrusted) of type `type` in tenant
 * t (borrowed) for period pr (borrowed) into *out (owned:
 * tk_entity_dispose(); zeroed on failure). Returns TK_OK, TK_EINVAL (an
 * empty id, a period longer than TK_ENTITY_MAX_DAYS), TK_ENOTFOUND (no
 * event of the baseline window or the period names it and the master data
 * does not list it), TK_EDB, TK_EPARSE or TK_ENOMEM. */
TK_MUST_CHECK int tk_entity_profile(tk_tenant *t, tk_entity_type type, const char *id,
                                    const tk_period *pr, tk_entity *out, tk_error *err);

#endif
