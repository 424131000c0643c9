/* features/userday.h -- per user-day and per terminal-day features of a
 * range of days, their names, peer groups, period totals and storage.
 *
 * tk_userday_build() reads a tenant's events day by day (features/
 * dayevents.h) and the master data of the range (src/mastersnap.h,
 * src/calendar.h) and computes, for every user with at least one event on
 * a JST day, a row of TK_USERDAY_NFEAT doubles (counts per operation
 * class, distinct residents and systems, after-hours activity net of
 * approved overtime, terminals, removable media, ...), a 24-bin
 * time-of-day histogram and the day's context (the user's 所属, status,
 * tenure, whether the day is closed); and for every terminal used on a
 * day a row of TK_USERDAY_TERM_NFEAT doubles. docs/features.md defines
 * every feature, its unit and the inspection items (点検項目) it serves.
 *
 * The result, a tk_userday, owns its rows, names and indexes. User rows
 * are sorted by (user name, day), terminal rows by (terminal name, day):
 * by the names, not the ids, which the store hands out in upload order,
 * so that every pass over the rows sees them in the same order whatever
 * order the logs were uploaded in. Ids are the store's dictionary ids
 * (src/store.h), 所属 are indexes into the set's
 * own table (tk_userday_dept_name()). A user-day without events has no
 * row: the models read a missing day as "not at work".
 *
 * Memory: the pass holds one day of events per worker (about 64 bytes
 * per event, features/dayevents.h), the store's dictionaries (about 90
 * bytes per resident pseudonym) and, per worker, dense scratch arrays
 * indexed by dictionary id (18 bytes per resident id, 48 per terminal
 * id). The set keeps sizeof(tk_userday_row) (608 bytes) per user-day and
 * 136 per terminal-day: 8 months of 600 staff, about 100,000 user-days
 * with activity, is 60 MB plus 14 MB of terminal-days; the period totals
 * add one row per user. docs/features.md has measured figures.
 *
 * Storage: tk_userday_save() writes a set into tables this module owns
 * (features_layout, features_days, features_user_day,
 * features_terminal_day, features_system_day; schema in userday.c),
 * replacing the days the set covers; tk_userday_load() reads a range
 * back. Each stored row keeps the feature layout (list of keys) it was
 * written with, so rows of an older build load too, with NaN for the
 * features they lack.
 *
 * Thread-safety: building uses the tenant's connection from the calling
 * thread (master data, calendar, dictionaries; the tenant's one-thread
 * rule) and reads events through connections of its own, from worker
 * threads when threads > 1. A built or loaded set is immutable: any
 * number of threads may read it at once. The feature descriptions
 * (tk_userday_feature()) are static and constant. */
#ifndef TK_USERDAY_H
#define TK_USERDAY_H

#include <stddef.h>
#include <stdint.h>

#include "features/dayevents.h"
#include "src/calendar.h"
#include "src/db.h"
#include "src/error.h"
#include "src/mastersnap.h"
#include "src/tenant.h"

/* ---- the features ------------------------------------------------------- */

/* User-day features: the index of each value in tk_userday_row.f. The
 * numbering is this build's; stored rows carry their keys (layout), never
 * rely on the numbers across versions. */
typedef enum tk_userday_feature_id {
    TK_USERDAY_EVENTS = 0,                   /* every event of the user */
    TK_USERDAY_BUSINESS_EVENTS,              /* business-system operations (not terminal logs) */
    TK_USERDAY_LOOKUPS,                      /* lookup + search */
    TK_USERDAY_UPDATES,                      /* add + update + delete */
    TK_USERDAY_PRINTS,                       /* print */
    TK_USERDAY_EXPORTS,                      /* export + extract */
    TK_USERDAY_ISSUES,                       /* issue (certificates) */
    TK_USERDAY_LOGONS,                       /* successful logons */
    TK_USERDAY_LOGON_FAILURES,               /* failed logons */
    TK_USERDAY_MEDIA_COPIES,                 /* copies and moves to removable media */
    TK_USERDAY_DEVICE_CONNECTS,              /* device connections */
    TK_USERDAY_FAILED_OPERATIONS,            /* business operations with result failure */
    TK_USERDAY_OUTPUT_RECORDS,               /* records printed, exported or extracted */
    TK_USERDAY_MAX_OUTPUT_RECORDS,           /* most records in one print/export/extract */
    TK_USERDAY_MYNUMBER_SHOWN,               /* operations that showed a 個人番号 */
    TK_USERDAY_MYNUMBER_UNENTITLED,          /* ... in a system the 所属 may not use it in */
    TK_USERDAY_DISTINCT_SYSTEMS,             /* business systems used */
    TK_USERDAY_UNAUTHORIZED_SYSTEMS,         /* systems not authorised for the 所属, no 兼務 */
    TK_USERDAY_UNAUTHORIZED_EVENTS,          /* operations in those systems */
    TK_USERDAY_OVER_LEVEL_EVENTS,            /* update/issue where only 照会 is granted */
    TK_USERDAY_DISTINCT_RESIDENTS,           /* residents (subjects) of business operations */
    TK_USERDAY_LOOKUP_RESIDENTS,             /* residents looked up */
    TK_USERDAY_TOP_RESIDENT_EVENTS,          /* operations on the most-accessed resident */
    TK_USERDAY_LOOKUP_ONLY_RESIDENTS,        /* looked up, never updated or issued for */
    TK_USERDAY_LOOKUP_ONLY_SHARE,            /* lookup_only_residents / lookup_residents */
    TK_USERDAY_CROSS_SYSTEM_RESIDENTS,       /* looked up in two or more systems */
    TK_USERDAY_WATCH_EVENTS,                 /* on watch-list residents, outside 担当所属 */
    TK_USERDAY_WATCH_RESIDENTS,              /* those residents */
    TK_USERDAY_PROTECTED_EVENTS,             /* on DV-protected residents, outside 担当所属 */
    TK_USERDAY_PROTECTED_ISSUES,             /* issues for DV-protected residents, any 所属 */
    TK_USERDAY_MAX_RESIDENTS_10MIN,          /* most residents in any 10 minutes */
    TK_USERDAY_AFTER_HOURS_EVENTS,           /* open day, outside the 所属's hours */
    TK_USERDAY_AFTER_HOURS_UNAPPROVED,       /* ... not covered by an overtime order */
    TK_USERDAY_NIGHT_EVENTS,                 /* 22:00-6:00 (outside hours), any day */
    TK_USERDAY_NIGHT_UNAPPROVED,             /* ... not covered by an overtime order */
    TK_USERDAY_CLOSED_DAY_EVENTS,            /* on a closed day */
    TK_USERDAY_CLOSED_DAY_UNAPPROVED,        /* ... not covered by an overtime order */
    TK_USERDAY_FIRST_MINUTE,                 /* minute of the day of the first event */
    TK_USERDAY_LAST_MINUTE,                  /* minute of the day of the last event */
    TK_USERDAY_DISTINCT_TERMINALS,           /* terminals used */
    TK_USERDAY_UNREGISTERED_TERMINAL_EVENTS, /* events on terminals not registered that day */
    TK_USERDAY_FOREIGN_TERMINAL_EVENTS,      /* events on terminals of another 所属 */
    TK_USERDAY_MEDIA_BYTES,                  /* bytes copied or moved to removable media */
    TK_USERDAY_UNAPPROVED_MEDIA_EVENTS,      /* connects/copies of devices not approved */
    TK_USERDAY_CONCURRENT_LOGONS,            /* logons while logged on at another terminal */
    TK_USERDAY_LONGEST_SESSION_MINUTES,      /* longest logon session of the day */
    TK_USERDAY_MAX_FAILURES_10MIN,           /* most failed logons in any 10 minutes */
    TK_USERDAY_NO_SESSION_EVENTS,            /* operations on a terminal not logged on to */
    TK_USERDAY_NFEAT
} tk_userday_feature_id;

/* Terminal-day features: the index of each value in tk_userday_term_row.f. */
typedef enum tk_userday_term_feature_id {
    TK_USERDAY_TERM_EVENTS = 0,              /* every event on the terminal */
    TK_USERDAY_TERM_BUSINESS_EVENTS,         /* business-system operations */
    TK_USERDAY_TERM_DISTINCT_USERS,          /* users with an event on it */
    TK_USERDAY_TERM_LOGONS,                  /* successful logons */
    TK_USERDAY_TERM_LOGON_FAILURES,          /* failed logons */
    TK_USERDAY_TERM_FAILURE_USERS,           /* users with a failed logon on it */
    TK_USERDAY_TERM_MEDIA_COPIES,            /* copies and moves to removable media */
    TK_USERDAY_TERM_MEDIA_BYTES,             /* their bytes */
    TK_USERDAY_TERM_DEVICE_CONNECTS,         /* device connections */
    TK_USERDAY_TERM_UNAPPROVED_MEDIA_EVENTS, /* connects/copies of devices not approved */
    TK_USERDAY_TERM_AFTER_HOURS_EVENTS,      /* open day, outside the terminal 所属's hours */
    TK_USERDAY_TERM_NIGHT_EVENTS,            /* 22:00-6:00 (outside hours), any day */
    TK_USERDAY_TERM_CLOSED_DAY_EVENTS,       /* on a closed day */
    TK_USERDAY_TERM_NO_SESSION_EVENTS,       /* operations by users not logged on to it */
    TK_USERDAY_TERM_NFEAT
} tk_userday_term_feature_id;

/* Hours of the time-of-day histogram. */
#define TK_USERDAY_HOURS 24

/* "No 所属" in dept fields. */
#define TK_USERDAY_NO_DEPT UINT32_MAX

/* Feature kinds: which baseline a model fits. */
enum {
    TK_USERDAY_KIND_COUNT = 1,     /* a daily count: Poisson / negative binomial */
    TK_USERDAY_KIND_CONTINUOUS = 2 /* a level, ratio or size: robust location and scale */
};

/* How a period total (tk_userday_totals()) is formed from the days. */
enum {
    TK_USERDAY_AGG_SUM = 1,  /* sum over the days */
    TK_USERDAY_AGG_MAX = 2,  /* largest day */
    TK_USERDAY_AGG_MIN = 3,  /* smallest day */
    TK_USERDAY_AGG_RATIO = 4 /* recomputed from the summed numerator and denominator */
};

/* What a feature is. Every string is static. */
typedef struct tk_userday_feature_info {
    const char *key;   /* English key for JSON and storage: "distinct_residents" */
    const char *label; /* Japanese label for explanations: "アクセスした住民の数" */
    const char *unit;  /* "events", "residents", "systems", "minutes", "bytes", "ratio", ... */
    int kind;          /* TK_USERDAY_KIND_* */
    int agg;           /* TK_USERDAY_AGG_* */
    const char *items; /* the 点検項目 numbers it serves (docs/rules.md), e.g. "1,2"; "" none */
} tk_userday_feature_info;

/* The description of user-day feature f (borrowed, static), or NULL when
 * f >= TK_USERDAY_NFEAT. */
const tk_userday_feature_info *tk_userday_feature(size_t f);

/* The same for terminal-day feature f, or NULL when f >= TK_USERDAY_TERM_NFEAT. */
const tk_userday_feature_info *tk_userday_term_feature(size_t f);

/* The index of the user-day feature with key p[0..len) (borrowed), or
 * TK_USERDAY_NFEAT if there is none. */
size_t tk_userday_feature_find(const char *p, size_t len);

/* The index of the terminal-day feature with key p[0..len), or
 * TK_USERDAY_TERM_NFEAT. */
size_t tk_userday_term_feature_find(const char *p, size_t len);

/* ---- rows ----------------------------------------------------------------- */

/* A user's status on a day (the staff master's, src/mastersnap.h). */
enum {
    TK_USERDAY_STATUS_UNKNOWN = 0,   /* not in the staff master at all */
    TK_USERDAY_STATUS_ACTIVE = 1,    /* employed and not on leave */
    TK_USERDAY_STATUS_LEAVE = 2,     /* inside a 休職期間 */
    TK_USERDAY_STATUS_RETIRED = 3,   /* after 退職日 */
    TK_USERDAY_STATUS_NOT_HIRED = 4, /* before 採用日 */
    TK_USERDAY_STATUS_UNLISTED = 5   /* the staff version of the day does not list the user */
};

/* One user on one day. A transparent value; owned by its set. */
typedef struct tk_userday_row {
    uint32_t user;              /* the store's user id (TK_STORE_USERS) */
    uint32_t dept;              /* the user's 所属 that day: tk_userday_dept_name(), or NO_DEPT */
    int64_t day;                /* JST day number (days since 1970-01-01) */
    int64_t tenure_days;        /* days since 採用日 (0 on the day of hire), or -1: unknown */
    int status;                 /* TK_USERDAY_STATUS_* */
    int closed;                 /* 1 if the offices were closed that day */
    int day_kind;               /* TK_CALENDAR_DAY_*: why the day is open or closed */
    int reserved;               /* 0 */
    double f[TK_USERDAY_NFEAT]; /* indexed by tk_userday_feature_id */
    double hist[TK_USERDAY_HOURS]; /* business operations per hour (JST) */
} tk_userday_row;

/* One terminal on one day. A transparent value; owned by its set. */
typedef struct tk_userday_term_row {
    uint32_t terminal; /* the store's terminal id (TK_STORE_TERMINALS) */
    uint32_t dept;     /* the terminal's 所属: tk_userday_dept_name(), or NO_DEPT */
    int64_t day;
    int listed;     /* 1 if the terminal version of the day lists it */
    int registered; /* 1 if listed and registered on or before the day (未登録端末: 0) */
    int kind;       /* TK_MASTERSNAP_TERMINAL_*: 特定個人情報, 一般 or unknown */
    int closed;     /* 1 if the offices were closed that day */
    double f[TK_USERDAY_TERM_NFEAT];
} tk_userday_term_row;

/* A user's totals over the set's range (how each value is formed:
 * tk_userday_feature()->agg). A transparent value; owned by its set. */
typedef struct tk_userday_total {
    uint32_t user;
    uint32_t dept;      /* the 所属 of the user's last row */
    size_t days;        /* days with events */
    size_t closed_days; /* of them, closed days */
    double f[TK_USERDAY_NFEAT];
    double hist[TK_USERDAY_HOURS];
} tk_userday_total;

/* ---- building ------------------------------------------------------------ */

typedef struct tk_userday_options {
    /* Master data and calendar to use (borrowed, must outlive the call).
     * NULL: loaded from the tenant for the range (tk_mastersnap_load,
     * tk_calendar_load with TK_CALENDAR_OPTIONS_INIT hours). A snapshot
     * given here should cover the range: days outside its period are
     * answered with its nearest day. */
    const tk_mastersnap *master;
    const tk_calendar *calendar;
    int terminals; /* 1: also compute terminal-day rows; 0: skip them */
    /* Worker threads, each reading days through its own read-only
     * connection to the tenant's store (the calling thread is the first):
     * 0 = one per CPU the process may run on (sched_getaffinity, so taskset
     * is respected), at most 64; 1 = the calling thread only. The result
     * does not depend on it. Workers see the store as committed: events of
     * a transaction still open on the tenant's connection are not read. */
    int threads;
    /* Called after each day with the day and its number of events; may be
     * NULL. Days complete out of order when threads > 1, and the call may
     * come from a worker thread (never two at once). */
    void (*progress)(void *ctx, int64_t day, size_t events);
    void *progress_ctx;
    /* Called with each day's events (sorted by user, time, id, as
     * tk_dayevents_load() gives them; borrowed for the call) after the
     * day's features, so that another pass can use the events without
     * reading them again; may be NULL. Calls come from the worker threads,
     * several at once and days in any order; the callee may block (for
     * example until the days before it are used) but must not wait for a
     * day later than one it is given. An error stops the pass and is
     * returned by tk_userday_build(). */
    int (*on_day)(void *ctx, int64_t day, const tk_dayevent *rows, size_t n, tk_error *err);
    void *on_day_ctx;
    /* Called once with on_day_ctx when the pass stops early (a worker
     * failed), from the failing worker; may be NULL. Some days will then
     * never reach on_day: a call blocked in on_day waiting for them must
     * return (with an error) once this has been called, or the pass
     * cannot end. */
    void (*on_stop)(void *ctx);
} tk_userday_options;

// clang-format off
#define TK_USERDAY_OPTIONS_INIT {NULL, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL}
// clang-format on

typedef struct tk_userday tk_userday;

/* Longest range one set covers, in days. */
#define TK_USERDAY_MAX_DAYS 3700

/* Computes the features of the JST days first_day to last_day inclusive
 * from tenant t (borrowed, used during the call only). opts (borrowed;
 * NULL: TK_USERDAY_OPTIONS_INIT). *out is an owned result:
 * tk_userday_destroy(); NULL on failure.
 * Returns TK_OK, TK_EINVAL (first_day > last_day, a range longer than
 * TK_USERDAY_MAX_DAYS, or days outside the years 1-9999), TK_ENOMEM,
 * TK_EDB, or TK_EPARSE (a damaged event block); TK_EINTERNAL when stored
 * master data breaks its schema or a thread primitive fails. */
TK_MUST_CHECK int tk_userday_build(tk_userday **out, tk_tenant *t, int64_t first_day,
                                   int64_t last_day, const tk_userday_options *opts, tk_error *err);

/* Frees s. Accepts NULL. */
void tk_userday_destroy(tk_userday *s);

/* The range the set covers. */
int64_t tk_userday_first_day(const tk_userday *s);
int64_t tk_userday_last_day(const tk_userday *s);

/* Events stored for day (all users), or 0 for a day outside the range:
 * the input of 29 ログ欠損 (a day without events). */
int64_t tk_userday_day_events(const tk_userday *s, int64_t day);

/* Events stored for day in system id system (the store's TK_STORE_SYSTEMS
 * id; 0 for an id or day the set does not know): 29 per system. System
 * ids run from 1 to tk_userday_system_count() - 1; their names are
 * borrowed from s (NULL for an id without a name). */
int64_t tk_userday_system_events(const tk_userday *s, uint32_t system, int64_t day);
size_t tk_userday_system_count(const tk_userday *s);
const char *tk_userday_system_name(const tk_userday *s, uint32_t system);

/* User-day rows, sorted by (user name, day); borrowed, live as long as s. */
const tk_userday_row *tk_userday_rows(const tk_userday *s, size_t *n);

/* The rows of one user: returns how many (0 if none) and sets *first to
 * the index of the first. */
size_t tk_userday_user_rows(const tk_userday *s, uint32_t user, size_t *first);

/* The row of (user, day), or NULL. Borrowed. */
const tk_userday_row *tk_userday_find(const tk_userday *s, uint32_t user, int64_t day);

/* Terminal-day rows, sorted by (terminal name, day); borrowed. *n is 0 when
 * built with terminals = 0. */
const tk_userday_term_row *tk_userday_term_rows(const tk_userday *s, size_t *n);

/* Period totals, one per user with rows, sorted by user name; borrowed. */
const tk_userday_total *tk_userday_totals(const tk_userday *s, size_t *n);

/* Peer group: the indexes (into tk_userday_rows()) of the rows of day
 * whose 所属 is dept, in user-name order. Returns how many and sets *rows
 * (borrowed; NULL when 0). dept may be TK_USERDAY_NO_DEPT (users without
 * a 所属 that day). Only users with events that day are rows. */
size_t tk_userday_peers(const tk_userday *s, int64_t day, uint32_t dept, const size_t **rows);

/* 所属 of the set: ids 0 .. count-1, names borrowed from s. NULL for an
 * id out of range (and TK_USERDAY_NO_DEPT). */
size_t tk_userday_dept_count(const tk_userday *s);
const char *tk_userday_dept_name(const tk_userday *s, uint32_t dept);

/* The 所属 named p[0..len) exactly, or TK_USERDAY_NO_DEPT. */
uint32_t tk_userday_dept_find(const tk_userday *s, const char *p, size_t len);

/* The name (職員ID, or the value the log wrote for an unresolved user) of
 * a user id, and of a terminal id, as the store's dictionaries have them;
 * NULL for an id with no row in s. Borrowed from s. */
const char *tk_userday_user_name(const tk_userday *s, uint32_t user);
const char *tk_userday_term_name(const tk_userday *s, uint32_t terminal);

/* ---- storage ------------------------------------------------------------- */

/* Creates this module's tables in db if they do not exist. Idempotent;
 * runs inside the caller's transaction if one is open.
 * Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_userday_migrate(tk_db *db, tk_error *err);

/* Writes s (borrowed) into db's feature tables (creating them if needed):
 * the rows of every day of s's range are replaced, the days recorded as
 * computed. Refuses a range that overlaps a delivered period
 * (src/period.h): its features are the record of what was analysed.
 * Runs in one transaction, or inside the caller's if one is open.
 * Returns TK_OK, TK_EFROZEN (nothing written; the message names the
 * delivered period) or TK_EDB. */
TK_MUST_CHECK int tk_userday_save(const tk_userday *s, tk_db *db, tk_error *err);

/* Deletes the stored features of first_day to last_day (rows and the
 * days' "computed" marks) from db, as when a period's personal data is
 * erased. A database without feature tables has nothing to delete. Runs
 * in one transaction, or inside the caller's. Returns TK_OK, TK_EINVAL
 * (first_day > last_day) or TK_EDB. */
TK_MUST_CHECK int tk_userday_delete(tk_db *db, int64_t first_day, int64_t last_day, tk_error *err);

/* Reads the stored features of first_day to last_day from db (borrowed).
 * *out is an owned result, like a build's: tk_userday_destroy(); NULL on
 * failure. A row stored by a build with another feature list has NaN for
 * the features that build did not compute. Returns TK_OK, TK_EINVAL (a
 * bad range), TK_ENOTFOUND (a day of the range was never computed: the
 * message names the first; build and save it), TK_ENOMEM or TK_EDB (also
 * for a damaged row). */
TK_MUST_CHECK int tk_userday_load(tk_userday **out, tk_db *db, int64_t first_day, int64_t last_day,
                                  tk_error *err);

#endif
