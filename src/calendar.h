/* src/calendar.h -- national holidays, a city's open and closed days, business hours.
 *
 * Two parts. The first is pure: the Japanese public holidays of any year
 * 1948-2099 computed by rule (祝日法 with its amendments, 振替休日,
 * 国民の休日, the equinoxes by the standard approximation and the one-off
 * holidays of 1959, 1989, 1990, 1993 and 2019-2021). The second is a
 * tk_calendar: one tenant's calendar, built once from master data, which
 * says for each JST day whether the city's offices are open and why, and
 * classifies a time of day against business hours configured per tenant
 * and per 所属. docs/calendar.md is the analysts' page.
 *
 * A day is closed when it is a Saturday or Sunday, a national holiday, in
 * 年末年始 (12/29-1/3) or one of the city's own closed days (閉庁); a
 * city's open day (開庁, e.g. 休日開庁 on a Sunday) opens any day. National
 * holidays are the computed ones, except that for a year present in an
 * imported Cabinet Office list (master kind `holidays`, syukujitsu.csv) the
 * list is authoritative: a day of that year is a national holiday if and
 * only if the list names it. Master data is versioned: each day uses the
 * `holidays` and `calendar` versions effective on that day (src/master.h).
 *
 * Days are days since 1970-01-01 of the JST calendar (tk_jst_day()). The
 * tables cover 1948-01-01 to 2099-12-31 (TK_CALENDAR_FIRST_YEAR/LAST_YEAR);
 * outside them only Saturdays, Sundays and 12/29-1/3 are closed and
 * imported rows are ignored.
 *
 * A tk_calendar owns its day table (about 330 KB), its names and its hours.
 * Thread-safety: the pure functions keep no state; a built tk_calendar is
 * immutable and may be read by any number of threads at once. */
#ifndef TK_CALENDAR_H
#define TK_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"
#include "src/tenant.h"

/* The years the holiday rules and the day tables cover. */
#define TK_CALENDAR_FIRST_YEAR 1948
#define TK_CALENDAR_LAST_YEAR  2099

/* Never more holidays (振替休日 and 国民の休日 included) in one year. */
#define TK_CALENDAR_YEAR_MAX 32

/* ---- national holidays by rule (pure) ---------------------------------- */

/* 1 if y-m-d is a national holiday by rule, else 0 (also for an invalid
 * date or a year outside 1948-2099). On 1, *name (name may be NULL) is its
 * Japanese name, a static string: "元日", "春分の日", "振替休日",
 * "国民の休日", "即位礼正殿の儀" ... Computes the whole year on each call
 * (about a microsecond): use a tk_calendar for many days. */
int tk_calendar_holiday(int y, int m, int d, const char **name);

/* Same for a day number (days since 1970-01-01). */
int tk_calendar_holiday_day(int64_t day, const char **name);

/* One holiday of a year. name is a static string. */
typedef struct tk_calendar_holiday_entry {
    int month, day;
    const char *name;
} tk_calendar_holiday_entry;

/* Writes the holidays of year y by rule, in date order, to out (borrowed,
 * cap entries; may be NULL when cap is 0) and returns how many the year
 * has (at most TK_CALENDAR_YEAR_MAX; 0 outside 1948-2099). Writes at most
 * cap entries. */
size_t tk_calendar_year_holidays(int y, tk_calendar_holiday_entry *out, size_t cap);

/* ---- business hours ---------------------------------------------------- */

/* Working hours of one 所属 (or the tenant's default), in minutes since
 * midnight: in hours is [start_min, end_min); lunch is [lunch_start_min,
 * lunch_end_min) inside it, or none when the two are equal. A small
 * transparent value type. */
typedef struct tk_calendar_hours {
    int start_min;       /* 510 = 8:30 */
    int end_min;         /* 1035 = 17:15, exclusive */
    int lunch_start_min; /* 720 = 12:00 */
    int lunch_end_min;   /* 780 = 13:00, exclusive */
} tk_calendar_hours;

/* 8:30-17:15 with lunch 12:00-13:00. */
// clang-format off
#define TK_CALENDAR_HOURS_INIT {510, 1035, 720, 780}
// clang-format on

/* Hours of one 所属, as the options list them. */
typedef struct tk_calendar_dept_hours {
    const char *dept; /* 所属 name, NUL-terminated UTF-8, matched exactly */
    tk_calendar_hours hours;
} tk_calendar_dept_hours;

/* Options of tk_calendar_create_default() and tk_calendar_load(). Every
 * pointer is borrowed and copied: nothing is kept after the call. */
typedef struct tk_calendar_options {
    tk_calendar_hours hours;             /* the tenant's default hours */
    const tk_calendar_dept_hours *depts; /* per-所属 hours; may be NULL when ndepts is 0 */
    size_t ndepts;
    int night_start_min; /* 1320 = 22:00: night is [night_start_min, night_end_min), */
    int night_end_min;   /* 360 = 6:00, wrapping midnight; equal: no night */
} tk_calendar_options;

/* Default hours, no per-所属 hours, night 22:00-6:00. */
// clang-format off
#define TK_CALENDAR_OPTIONS_INIT {TK_CALENDAR_HOURS_INIT, NULL, 0, 1320, 360}
// clang-format on

/* ---- the tenant calendar ----------------------------------------------- */

typedef struct tk_calendar tk_calendar;

/* Builds the calendar of computed national holidays, with no city days.
 * opts (borrowed; NULL: TK_CALENDAR_OPTIONS_INIT) gives the hours. *out is
 * an owned result: tk_calendar_destroy(); NULL on failure.
 * Returns TK_OK, TK_EINVAL (hours that are not a range inside one day, a
 * lunch outside the hours, night bounds outside 0-1440, an empty or
 * repeated 所属 name; the message names the 所属) or TK_ENOMEM. */
TK_MUST_CHECK int tk_calendar_create_default(tk_calendar **out, const tk_calendar_options *opts,
                                             tk_error *err);

/* Builds t's calendar (t borrowed, not kept) from every version of the
 * master kinds `holidays` and `calendar`, each day under the versions
 * effective on it; a tenant without them gets the computed calendar. opts
 * NULL: the tenant's hours settings in force (tk_calendar_settings_load());
 * otherwise opts and *out as for tk_calendar_create_default(). Calendar
 * rows naming a 所属 or carrying hours are kept per day and 所属 for
 * tk_calendar_dept_day_kind(). Follows the tenant's
 * one-thread rule while it runs; the result is independent of t.
 * Returns TK_OK, TK_EINVAL (as above), TK_ENOMEM, TK_ERANGE (more than
 * 65,535 distinct day and 所属 names) or TK_EDB (also for a stored date or
 * setting that does not parse). */
TK_MUST_CHECK int tk_calendar_load(tk_calendar **out, tk_tenant *t, const tk_calendar_options *opts,
                                   tk_error *err);

/* Frees cal. Accepts NULL. */
void tk_calendar_destroy(tk_calendar *cal);

/* Why a day is open or closed. The first two are open days; a city's 開庁
 * day (休日開庁) opens the day whatever else applies. */
enum {
    TK_CALENDAR_DAY_WEEKDAY = 0, /* open: Monday-Friday, nothing else applies */
    TK_CALENDAR_DAY_CITY_OPEN,   /* open: the city's 開庁 day */
    TK_CALENDAR_DAY_CITY_CLOSED, /* closed: the city's own 閉庁 day */
    TK_CALENDAR_DAY_HOLIDAY,     /* closed: a national holiday */
    TK_CALENDAR_DAY_YEAR_END,    /* closed: 年末年始, 12/29-1/3 */
    TK_CALENDAR_DAY_WEEKEND      /* closed: Saturday or Sunday */
};

/* Everything that applies to a day, whatever the reason (bits). */
enum {
    TK_CALENDAR_F_SATURDAY = 1,
    TK_CALENDAR_F_SUNDAY = 2,
    TK_CALENDAR_F_HOLIDAY = 4,  /* a national holiday (computed or listed) */
    TK_CALENDAR_F_YEAR_END = 8, /* 12/29-1/3 */
    TK_CALENDAR_F_CITY_CLOSED = 16,
    TK_CALENDAR_F_CITY_OPEN = 32,
    TK_CALENDAR_F_LISTED = 64 /* holiday or not was decided by an imported holidays list */
};

/* What tk_calendar_day_kind() reports. Strings are borrowed from the
 * calendar (or static) and live as long as it. */
typedef struct tk_calendar_day {
    int open;            /* 1 if the offices are open */
    int reason;          /* TK_CALENDAR_DAY_*: the first that applies of CITY_OPEN,
                            CITY_CLOSED, HOLIDAY, YEAR_END, WEEKEND; else WEEKDAY */
    unsigned flags;      /* TK_CALENDAR_F_* */
    const char *name;    /* the deciding day's name: holiday or city day name, "年末年始";
                            NULL for a weekday, a weekend or an unnamed city day */
    const char *holiday; /* the national holiday's name when F_HOLIDAY, else NULL */
} tk_calendar_day;

/* Fills *out (borrowed) for day (days since 1970-01-01, a JST day). */
void tk_calendar_day_kind(const tk_calendar *cal, int64_t day, tk_calendar_day *out);

/* 1 if the offices are open on day, else 0. The hot path: one table load. */
int tk_calendar_is_open(const tk_calendar *cal, int64_t day);

/* The time-of-day classes, mildest first. */
enum {
    TK_CALENDAR_SLOT_IN_HOURS = 0, /* inside the hours, outside lunch */
    TK_CALENDAR_SLOT_LUNCH,        /* the lunch break */
    TK_CALENDAR_SLOT_EARLY,        /* before the hours, not night */
    TK_CALENDAR_SLOT_EVENING,      /* after the hours, not night */
    TK_CALENDAR_SLOT_NIGHT,        /* outside the hours, 22:00-6:00 by default */
    TK_CALENDAR_SLOT_CLOSED_DAY    /* any time of a closed day (tk_calendar_classify only) */
};

/* The hours of 所属 dept[0..len) (borrowed, untrusted, matched byte for
 * byte); the tenant's default hours when dept is NULL or has none of its
 * own. Never NULL; borrowed, lives as long as cal. */
const tk_calendar_hours *tk_calendar_hours_for(const tk_calendar *cal, const char *dept,
                                               size_t len);

/* Where the hours of a 所属 on a day come from. */
enum {
    TK_CALENDAR_HOURS_DEFAULT = 0, /* the tenant's default hours */
    TK_CALENDAR_HOURS_DEPT,        /* the 所属's own hours (settings) */
    TK_CALENDAR_HOURS_DAY          /* a calendar row's hours for that day */
};

/* What a day is for one 所属. Pointers are borrowed from the calendar. */
typedef struct tk_calendar_dept_day {
    int open;                       /* 1 if the day is open for the 所属 */
    int scoped;                     /* 1 if a calendar row naming the 所属 decided it */
    const char *name;               /* that row's name (e.g. 市民課日曜窓口), or NULL */
    const tk_calendar_hours *hours; /* the hours that apply that day; never NULL */
    int hours_from;                 /* TK_CALENDAR_HOURS_* */
} tk_calendar_dept_day;

/* Fills *out (borrowed) for day and 所属 dept[0..len) (borrowed, untrusted,
 * matched byte for byte; NULL or empty: a user without a known 所属). A
 * calendar row naming the 所属 opens or closes the day for it alone, and
 * its hours (if any) replace the 所属's; a row for every 所属 with hours
 * gives them to every 所属 without a row of its own that day. Otherwise
 * as tk_calendar_is_open() and tk_calendar_hours_for(). */
void tk_calendar_dept_day_kind(const tk_calendar *cal, int64_t day, const char *dept, size_t len,
                               tk_calendar_dept_day *out);

/* "default", "dept", "calendar"; "?" for an unknown value. Static. */
const char *tk_calendar_hours_from_code(int from);

/* Classifies unix_ms (taken as its JST day and time of day) for 所属
 * dept[0..len) (may be NULL: default hours) as tk_calendar_dept_day_kind()
 * sees the day: TK_CALENDAR_SLOT_CLOSED_DAY on a day closed for it,
 * otherwise the time-of-day slot against the day's hours. A time inside
 * the hours is never night (a shift may run past 22:00). */
int tk_calendar_classify(const tk_calendar *cal, const char *dept, size_t len, int64_t unix_ms);

/* Same with hours already looked up (h borrowed; NULL: the default), for
 * callers that classify many events of one 所属. */
int tk_calendar_classify_hours(const tk_calendar *cal, const tk_calendar_hours *h, int64_t unix_ms);

/* The time-of-day slot of unix_ms against h (NULL: the default) whatever
 * the day, so that night on a closed day can be told apart. Never returns
 * TK_CALENDAR_SLOT_CLOSED_DAY. */
int tk_calendar_slot(const tk_calendar *cal, const tk_calendar_hours *h, int64_t unix_ms);

/* English codes for reports and JSON: "weekday", "city_open", "city_closed",
 * "holiday", "year_end", "weekend"; "in_hours", "lunch", "early",
 * "evening", "night", "closed_day". Static; "?" for an unknown value. */
const char *tk_calendar_reason_code(int reason);
const char *tk_calendar_slot_code(int slot);

/* ---- hours as text and as tenant settings ------------------------------ */

/* Parses p[0..len) (borrowed, untrusted) as START-END or
 * START-END/LUNCHSTART-LUNCHEND, times H:MM or HH:MM within 0:00-24:00
 * ("8:30-17:15/12:00-13:00"; without a lunch part there is no lunch).
 * Returns TK_OK and sets *out, or TK_EINVAL with a message quoting the
 * value: "hours \"…\": expected START-END or …", "… the hours end before
 * they start", "… the lunch break must lie within the hours". */
TK_MUST_CHECK int tk_calendar_parse_hours(const char *p, size_t len, tk_calendar_hours *out,
                                          tk_error *err);

/* Writes h as tk_calendar_parse_hours() reads it into buf (cap bytes; 32
 * suffice). */
void tk_calendar_format_hours(const tk_calendar_hours *h, char *buf, size_t cap);

/* A tenant's hours settings: the default hours and per-所属 hours. Stored
 * in t's store (table calendar_hours, owned by this module) as versions:
 * each change is a new version holding the whole setting, the newest is in
 * force, nothing is updated or deleted. Not thread-safe; one thread. */
typedef struct tk_calendar_settings tk_calendar_settings;

/* Reads the version in force of t (borrowed; may be opened read-only): a
 * store without one gives the defaults (TK_CALENDAR_OPTIONS_INIT) as
 * version 0. *out is an owned result (tk_calendar_settings_destroy()),
 * NULL on failure. Returns TK_OK, TK_ENOMEM or TK_EDB (also for a stored
 * version that does not parse or validate). */
TK_MUST_CHECK int tk_calendar_settings_load(tk_calendar_settings **out, tk_tenant *t,
                                            tk_error *err);

/* Frees s. Accepts NULL. */
void tk_calendar_settings_destroy(tk_calendar_settings *s);

/* The options the settings give tk_calendar_create_default(); borrowed,
 * valid until s changes or is destroyed. */
const tk_calendar_options *tk_calendar_settings_options(const tk_calendar_settings *s);

/* The version s was read as or last stored as; 0: never set. */
int64_t tk_calendar_settings_version(const tk_calendar_settings *s);

/* 1 if the tenant default hours were set (not TK_CALENDAR_HOURS_INIT). */
int tk_calendar_settings_default_set(const tk_calendar_settings *s);

/* Changes s in memory: dept NULL sets the default hours to *h (h NULL:
 * back to TK_CALENDAR_HOURS_INIT); otherwise 所属 dept[0..len) (borrowed)
 * gets *h (h borrowed), or loses its own hours when h is NULL. Returns
 * TK_OK, TK_EINVAL (an empty 所属 name, or one with a tab or line break),
 * TK_ENOTFOUND (removing hours the 所属 does not have: "所属 \"…\" has no
 * hours of its own") or TK_ENOMEM. */
TK_MUST_CHECK int tk_calendar_settings_put(tk_calendar_settings *s, const char *dept, size_t len,
                                           const tk_calendar_hours *h, tk_error *err);

/* Stores s as a new version of t's settings (t opened read-write),
 * described by change (borrowed, e.g. "hours 市民課 7:30-16:15") and by
 * (borrowed; NULL or empty: not recorded) at unix_ms; then
 * tk_calendar_settings_version(s) is the new version. Validates first, as
 * tk_calendar_create_default() does. Run it inside the caller's write
 * transaction with the load it follows. Returns TK_OK, TK_EINVAL, TK_ENOMEM
 * or TK_EDB. */
TK_MUST_CHECK int tk_calendar_settings_store(tk_calendar_settings *s, tk_tenant *t,
                                             const char *change, const char *by, int64_t unix_ms,
                                             tk_error *err);

/* One stored version, as tk_calendar_settings_history() reports it.
 * Strings are borrowed for the callback's duration; by may be NULL. */
typedef struct tk_calendar_settings_entry {
    int64_t version;
    int64_t created_at; /* Unix ms */
    const char *by;
    const char *change;
} tk_calendar_settings_entry;

/* Called once per version; a non-TK_OK return stops the listing and is
 * returned. */
typedef int (*tk_calendar_settings_fn)(void *ctx, const tk_calendar_settings_entry *e);

/* Calls fn (ctx borrowed) for every stored version of t's hours settings,
 * newest (in force) first; none for a tenant that never set them.
 * Returns TK_OK, TK_EDB or what fn returned. */
TK_MUST_CHECK int tk_calendar_settings_history(tk_tenant *t, tk_calendar_settings_fn fn, void *ctx,
                                               tk_error *err);

#endif
