/* src/timefmt.h -- log timestamps: compiled patterns, civil-date arithmetic, JST.
 *
 * A source profile names a timestamp pattern such as "YYYY/MM/DD hh:mm:ss" or
 * "GGGe年M月D日". tk_timefmt_compile() turns it once into an immutable
 * tk_timefmt; tk_timefmt_parse() then parses one value per row without
 * allocating, without locale calls and without mktime(). The calendar helpers
 * (tk_days_from_civil() and friends) are pure arithmetic for the modules that
 * bucket events by JST day or weekday.
 *
 * Pattern tokens (docs/time-formats.md is the analysts' page):
 *
 *   YYYY  year, exactly 4 digits (0001-9999)
 *   YY    year, exactly 2 digits: 00-69 -> 2000-2069, 70-99 -> 1970-1999
 *   MM    month, exactly 2 digits      M  month, 1-2 digits
 *   DD    day, exactly 2 digits        D  day, 1-2 digits
 *   hh    hour 00-23, exactly 2 digits h  hour, 1-2 digits
 *   mm    minute, exactly 2 digits
 *   ss    second, exactly 2 digits (60 is rejected)
 *   SSS   milliseconds, exactly 3 digits; S..S (1-9 letters) is a fraction of
 *         exactly that many digits, S+ a fraction of one or more digits; both
 *         are truncated (not rounded) to milliseconds and must follow ss
 *         directly or after one '.', ',' or ':'
 *   G     era letter M T S H R (明治 大正 昭和 平成 令和), either case
 *   GGG   era name in kanji: 明治 大正 昭和 平成 令和
 *   ee    era year, exactly 2 digits, or 元 (元年 = year 1)
 *   e     era year, 1-2 digits, or 元
 *   Z     time zone: Z (UTC), +hh:mm, +hhmm or +hh (or -)
 *   'x'   quoted text matches literally; '' is a literal quote
 *
 * The letters y, d and H are reserved (they are common mistakes for YYYY, DD
 * and hh) and must be quoted to match literally, as must single m and s.
 * Every other character, multi-byte UTF-8 included, matches itself. The
 * whole-pattern keyword "iso8601" (any case) accepts YYYY-MM-DDThh:mm:ss with
 * T, t or a space between date and time, an optional fraction after '.' or
 * ',' and an optional zone (Z, +hh:mm, +hhmm, +hh). Leading and trailing ASCII
 * spaces are ignored in both the pattern and the value.
 *
 * Era dates must fall inside their era: 明治 1868-01-25 to 1912-07-29 (明治
 * 1 = 1868; dates before 1873 are read as proleptic Gregorian), 大正
 * 1912-07-30 to 1926-12-24, 昭和 1926-12-25 to 1989-01-07, 平成 1989-01-08 to
 * 2019-04-30, 令和 from 2019-05-01.
 *
 * A value without a zone is JST (UTC+9). All times are int64_t Unix
 * milliseconds; day numbers are int64_t days since 1970-01-01.
 *
 * Thread-safety: a compiled tk_timefmt is immutable and may be shared by any
 * number of threads; every other function is reentrant and keeps no state. */
#ifndef TK_TIMEFMT_H
#define TK_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"

/* A compiled pattern. Opaque; immutable after tk_timefmt_compile(). */
typedef struct tk_timefmt tk_timefmt;

/* One parsed timestamp, broken down. A small transparent value type. */
typedef struct tk_tm {
    int year, month, day;   /* Gregorian; meaningful when has_date */
    int hour, min, sec, ms; /* meaningful when has_time; 0 otherwise */
    int has_date;           /* 1 if the pattern had a date */
    int has_time;           /* 1 if the pattern had a time */
    int has_tz;             /* 1 if the value carried a zone */
    int tz_offset_min;      /* minutes east of UTC (+540 for +09:00) when has_tz */
} tk_tm;

/* Longest pattern tk_timefmt_compile() accepts, in bytes. */
#define TK_TIMEFMT_MAX_PATTERN 128

/* Buffer size tk_time_format_iso() needs, terminating NUL included. */
#define TK_TIME_ISO_SIZE 30

/* Compiles pattern (borrowed, NUL-terminated UTF-8). On success *out is an
 * owned result: free it with tk_timefmt_destroy(). On failure *out is NULL.
 * Returns TK_OK, TK_EINVAL (the message quotes the pattern and names the bad
 * token and its character position) or TK_ENOMEM. */
TK_MUST_CHECK int tk_timefmt_compile(tk_timefmt **out, const char *pattern, tk_error *err);

/* Frees f. Accepts NULL. */
void tk_timefmt_destroy(tk_timefmt *f);

/* Whether values parsed with f carry a date / a time of day (borrowed f). */
int tk_timefmt_has_date(const tk_timefmt *f);
int tk_timefmt_has_time(const tk_timefmt *f);

/* The pattern f was compiled from, trimmed; borrowed, lives as long as f. */
const char *tk_timefmt_pattern(const tk_timefmt *f);

/* Parses p[0..len) (borrowed, untrusted, need not be NUL-terminated) with f
 * into *tm. Does not allocate. Fields the pattern lacks are 0; has_date,
 * has_time and has_tz say which parts were present. Returns TK_OK or
 * TK_EPARSE, whose message quotes the value and says which part failed and
 * what was expected, e.g.
 *   "2024/13/01 09:15:02": month 13 out of range (expected 01-12)
 *   "R06.1O.01": expected 2 digits for month (MM) at character 5
 * Positions count UTF-8 characters from 1. On failure *tm is unspecified. */
TK_MUST_CHECK int tk_timefmt_parse(const tk_timefmt *f, const char *p, size_t len, tk_tm *tm,
                                   tk_error *err);

/* Combines a date-only value (*date, from a date column) with a time-only
 * value (*time_part, from a time column) into *date. A zone on either is
 * kept. Returns TK_OK, or TK_EINVAL if date has no date, date already has a
 * time, time_part has no time, or both carry different zones (*date is then
 * unchanged). Both pointers are borrowed. */
TK_MUST_CHECK int tk_tm_merge(tk_tm *date, const tk_tm *time_part, tk_error *err);

/* Converts *tm (borrowed) to Unix milliseconds in *out. A tm without a zone is
 * JST (UTC+9); a tm without a time is midnight. Returns TK_OK, TK_EINVAL (tm
 * has no date) or TK_ERANGE (a field is out of range: year outside
 * 0001-9999, an impossible date or time, a zone beyond +-23:59). */
TK_MUST_CHECK int tk_tm_to_unix_ms(const tk_tm *tm, int64_t *out, tk_error *err);

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative
 * before). m must be 1-12; d is not checked (d = 0 is the last day of the
 * previous month). Exact for every int y. */
int64_t tk_days_from_civil(int y, int m, int d);

/* Inverse of tk_days_from_civil(): the date of day number z. z must lie
 * within +-700,000,000,000 days (so the year fits in int). */
void tk_civil_from_days(int64_t z, int *y, int *m, int *d);

/* 1 if y is a Gregorian leap year, else 0. */
int tk_is_leap_year(int y);

/* Days in month m (1-12) of year y; 0 if m is out of range. */
int tk_days_in_month(int y, int m);

/* The JST calendar day (days since 1970-01-01) that unix_ms falls on. */
int64_t tk_jst_day(int64_t unix_ms);

/* Milliseconds since JST midnight of unix_ms, 0-86399999. */
int tk_jst_ms_of_day(int64_t unix_ms);

/* Weekday of day number z: 0 = Sunday ... 6 = Saturday. */
int tk_weekday(int64_t z);

/* Writes unix_ms as JST in ISO 8601, "2024-10-01T09:15:02.000+09:00", to
 * buf (borrowed, cap bytes) with a terminating NUL. Returns the length
 * written (29), or 0 if cap < TK_TIME_ISO_SIZE or the JST year falls
 * outside 0001-9999 (buf then holds "" if cap > 0). */
size_t tk_time_format_iso(int64_t unix_ms, char *buf, size_t cap);

#endif
