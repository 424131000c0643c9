/* src/timefmt.c -- compiled timestamp patterns and civil-date arithmetic.
 *
 * Approach. A pattern is compiled once into a flat array of ops: literal
 * bytes, a run of digits for one field (with a minimum and maximum width), a
 * fraction of a second, an era letter or name, an era year, a zone, and the
 * two ISO 8601 specials (the date/time separator and an optional fraction).
 * Parsing walks the ops left to right over the value, storing each field into
 * a small local array, and validates the fields once at the end. There is no
 * backtracking: numeric fields are greedy, which is why the compiler rejects a
 * variable-width number (M, D, h, e, S+) directly followed by another number.
 * The hot path does not allocate, format or touch the locale; messages are
 * only built on failure, and only when the caller passed an error record.
 *
 * Literal text is copied, with quotes removed, into one buffer inside the
 * compiled object; adjacent literal text becomes a single op so a run such as
 * " 年" is one memcmp. Token ops remember where the token sits in the
 * pattern, so a parse error can name the token ("(MM)") the analyst wrote.
 *
 * Civil dates use Howard Hinnant's days_from_civil / civil_from_days
 * ("chrono-Compatible Low-Level Date Algorithms"): shift the year to start on
 * March 1 so the leap day is the last day of the year, split into 400-year
 * eras of 146097 days, and map the day of the (March-based) year to a month
 * with (153 * mp + 2) / 5. This is exact for the proleptic Gregorian calendar
 * and needs no tables, no mktime() and no time zone database. JST has had
 * no daylight saving time since 1951, so local time is UTC + 9 hours; values
 * before 1952 are also read as UTC+9, which only matters for historical data.
 *
 * Eras are checked against their first and last Gregorian days as yyyymmdd
 * integers. Meiji 1 is 1868 and the era is taken to start on 1868-01-25 (the
 * Gregorian date of Meiji 1-1-1 in the lunisolar calendar of the time);
 * Japan adopted the Gregorian calendar only on Meiji 6-1-1 (1873-01-01), so
 * earlier era dates are read as proleptic Gregorian, which is right for any
 * log and wrong for history books.
 *
 * Error positions are 1-based counts of UTF-8 characters (bytes that are not
 * continuation bytes), because analysts count characters on screen, not
 * bytes. Values quoted in messages are cut at 48 bytes on a character
 * boundary and escape control characters, quotes and invalid UTF-8, so the
 * message stays one valid UTF-8 line that a JSON encoder accepts. */
#include "src/timefmt.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "src/alloc.h"

#define MS_PER_DAY      86400000LL
#define JST_OFFSET_MS   32400000LL
#define QUOTE_LIMIT     48
#define QUOTE_SIZE      (QUOTE_LIMIT * 4 + 8)
#define MAX_OPS         (TK_TIMEFMT_MAX_PATTERN + 16)
#define DAYS_0001_01_01 (-719162LL)
#define DAYS_9999_12_31 2932896LL

enum op_kind {
    OP_LIT,        /* f->lit[off .. off + len) */
    OP_NUM,        /* min..max digits into field */
    OP_FRAC,       /* min..max fraction digits (max 0: unbounded) */
    OP_FRAC_OPT,   /* ISO: optional '.' or ',' and one or more digits */
    OP_ERA_LETTER, /* M T S H R, either case */
    OP_ERA_NAME,   /* 明治 大正 昭和 平成 令和 */
    OP_ERA_YEAR,   /* min..max digits or 元 */
    OP_ZONE,       /* Z, +hh:mm, +hhmm, +hh */
    OP_ZONE_OPT,   /* ISO: the same, optional */
    OP_ISO_SEP     /* ISO: T, t or space */
};

enum field {
    F_YEAR,
    F_YEAR2,
    F_MONTH,
    F_DAY,
    F_HOUR,
    F_MIN,
    F_SEC,
    F_FRAC,
    F_ERA,
    F_ERA_YEAR,
    F_ZONE
};
#define NFIELDS 11

static const char *const field_names[NFIELDS] = {
    "year", "year",     "month",    "day", "hour", "minute", "second", "fraction of a second",
    "era",  "era year", "time zone"};

struct op {
    unsigned char kind;  /* enum op_kind */
    unsigned char field; /* enum field */
    unsigned char min;   /* fewest digits */
    unsigned char max;   /* most digits; 0 = unbounded (fractions only) */
    unsigned short off;  /* OP_LIT: offset in lit; otherwise token offset in pat */
    unsigned short len;  /* OP_LIT: literal length; otherwise token length (0: none) */
};

struct tk_timefmt {
    size_t nops;
    unsigned fields; /* 1u << enum field, for every field the pattern sets */
    size_t nlit;
    struct op ops[MAX_OPS];
    char lit[TK_TIMEFMT_MAX_PATTERN];
    char pat[TK_TIMEFMT_MAX_PATTERN + 1];
};

static const struct era {
    char letter;     /* upper case */
    char name[7];    /* UTF-8, two kanji */
    int first_year;  /* Gregorian year of era year 1 */
    long start, end; /* first and last day as yyyymmdd; end 0: still current */
} eras[] = {
    {'M', "明治", 1868, 18680125L, 19120729L}, {'T', "大正", 1912, 19120730L, 19261224L},
    {'S', "昭和", 1926, 19261225L, 19890107L}, {'H', "平成", 1989, 19890108L, 20190430L},
    {'R', "令和", 2019, 20190501L, 0L},
};
#define NERAS (sizeof eras / sizeof eras[0])

static const char gannen[] = "元"; /* era year 1 */

/* ---- small helpers ---------------------------------------------------- */

static inline unsigned digit_of(unsigned char c)
{
    return (unsigned)c - (unsigned)'0';
}

/* Length of the valid UTF-8 sequence starting at s (n bytes available), or
 * 0 if the bytes there are not valid UTF-8 (RFC 3629 table). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    const unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < need; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return need;
}

/* 1-based character position of byte offset off in p. */
static size_t char_pos(const char *p, size_t off)
{
    size_t n = 1;
    for (size_t k = 0; k < off; k++)
        if (((unsigned char)p[k] & 0xC0) != 0x80)
            n++;
    return n;
}

/* Writes p[0..len) to out as a double-quoted, escaped string of at most
 * QUOTE_LIMIT input bytes (then "..."). out must hold QUOTE_SIZE bytes. */
static void quote(char *out, const char *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)p;
    size_t o = 0, k = 0;

    out[o++] = '"';
    while (k < len && k < QUOTE_LIMIT) {
        const unsigned char c = s[k];
        const size_t n = utf8_len(s + k, len - k);
        if (n > 1) {
            if (k + n > QUOTE_LIMIT)
                break;
            memcpy(out + o, s + k, n);
            o += n;
            k += n;
            continue;
        }
        if (n == 1 && c >= 0x20 && c != 0x7F && c != '"' && c != '\\') {
            out[o++] = (char)c;
        } else if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0xF];
        }
        k++;
    }
    if (k < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Makes msg one valid UTF-8 line: an incomplete character left at the end
 * by truncation is cut, any other invalid byte or control character becomes
 * '?'. Patterns are echoed unescaped in some messages, so this matters. */
static void sanitize(char *msg)
{
    unsigned char *s = (unsigned char *)msg;
    size_t n = strlen(msg);
    size_t k = 0;
    while (k < n) {
        const size_t c = utf8_len(s + k, n - k);
        if (c > 0 && s[k] >= 0x20 && s[k] != 0x7F) {
            k += c;
            continue;
        }
        if (c == 0 && s[k] >= 0xC2 && s[k] <= 0xF4 && n - k < 4) {
            size_t j = k + 1;
            while (j < n && (s[j] & 0xC0) == 0x80)
                j++;
            if (j == n) { /* a character cut short at the end */
                s[k] = '\0';
                return;
            }
        }
        s[k++] = '?';
    }
}

/* Sets err to code and `<prefix>: <detail>`, where detail is printf-style. */
static int vfail(tk_error *err, int code, const char *prefix, const char *fmt, va_list ap)
{
    char msg[sizeof err->msg];
    size_t n = strlen(prefix);

    /* The prefix is a quoted string of at most QUOTE_SIZE + 8 bytes, well
     * under the buffer, so there is always room for ": " and some detail. */
    assert(n + 3 < sizeof msg);
    memcpy(msg, prefix, n);
    msg[n++] = ':';
    msg[n++] = ' ';
    vsnprintf(msg + n, sizeof msg - n, fmt, ap);
    sanitize(msg);
    return tk_error_set(err, code, "%s", msg);
}

/* Formats a TK_EPARSE message `"<value>": <detail>`. Cold path. */
static int parse_fail(tk_error *err, const char *p, size_t len, const char *fmt, ...)
    TK_PRINTF(4, 5);
static int parse_fail(tk_error *err, const char *p, size_t len, const char *fmt, ...)
{
    char q[QUOTE_SIZE];
    va_list ap;

    if (err == NULL)
        return TK_EPARSE;
    quote(q, p, len);
    va_start(ap, fmt);
    const int rc = vfail(err, TK_EPARSE, q, fmt, ap);
    va_end(ap);
    return rc;
}

/* Formats a TK_EINVAL message `pattern "<pattern>": <detail>`. */
static int compile_fail(tk_error *err, const char *pat, const char *fmt, ...) TK_PRINTF(3, 4);
static int compile_fail(tk_error *err, const char *pat, const char *fmt, ...)
{
    char q[QUOTE_SIZE + 8];
    va_list ap;

    if (err == NULL)
        return TK_EINVAL;
    memcpy(q, "pattern ", 8);
    quote(q + 8, pat, strlen(pat));
    va_start(ap, fmt);
    const int rc = vfail(err, TK_EINVAL, q, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- calendar ---------------------------------------------------------- */

int tk_is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int tk_days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && tk_is_leap_year(y) ? 29 : dim[m - 1];
}

int64_t tk_days_from_civil(int y, int m, int d)
{
    assert(m >= 1 && m <= 12);
    const int64_t yy = (int64_t)y - (m <= 2);
    const int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    const int64_t yoe = yy - era * 400;                        /* [0, 399] */
    const int64_t mp = m > 2 ? m - 3 : m + 9;                  /* March = 0 */
    const int64_t doy = (153 * mp + 2) / 5 + d - 1;            /* [0, 365] */
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void tk_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    assert(z >= -700000000000LL && z <= 700000000000LL);
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    const int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    const int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)mm;
    *y = (int)(yoe + era * 400 + (mm <= 2));
}

/* Splits unix_ms into a UTC day and the milliseconds into it, rounding
 * towards minus infinity. Uses / and %, never day * MS_PER_DAY, which would
 * overflow for the most negative inputs. */
static void split_day(int64_t unix_ms, int64_t *day, int64_t *rem)
{
    int64_t q = unix_ms / MS_PER_DAY;
    int64_t r = unix_ms % MS_PER_DAY;
    if (r < 0) {
        q--;
        r += MS_PER_DAY;
    }
    *day = q;
    *rem = r;
}

int64_t tk_jst_day(int64_t unix_ms)
{
    /* Add the offset to the remainder, not to unix_ms, which could overflow. */
    int64_t day, rem;
    split_day(unix_ms, &day, &rem);
    return rem + JST_OFFSET_MS >= MS_PER_DAY ? day + 1 : day;
}

int tk_jst_ms_of_day(int64_t unix_ms)
{
    int64_t day, rem;
    split_day(unix_ms, &day, &rem);
    rem += JST_OFFSET_MS;
    if (rem >= MS_PER_DAY)
        rem -= MS_PER_DAY;
    return (int)rem;
}

int tk_weekday(int64_t z)
{
    /* 1970-01-01 was a Thursday (4). */
    const int64_t w = (z % 7 + 7 + 4) % 7;
    return (int)w;
}

static void put2(char *b, int v)
{
    b[0] = (char)('0' + v / 10);
    b[1] = (char)('0' + v % 10);
}

size_t tk_time_format_iso(int64_t unix_ms, char *buf, size_t cap)
{
    if (cap > 0)
        buf[0] = '\0';
    if (cap < TK_TIME_ISO_SIZE)
        return 0;
    const int64_t day = tk_jst_day(unix_ms);
    if (day < DAYS_0001_01_01 || day > DAYS_9999_12_31)
        return 0;
    const int msd = tk_jst_ms_of_day(unix_ms);
    int y, m, d;
    tk_civil_from_days(day, &y, &m, &d);
    put2(buf, y / 100);
    put2(buf + 2, y % 100);
    buf[4] = '-';
    put2(buf + 5, m);
    buf[7] = '-';
    put2(buf + 8, d);
    buf[10] = 'T';
    put2(buf + 11, msd / 3600000);
    buf[13] = ':';
    put2(buf + 14, msd / 60000 % 60);
    buf[16] = ':';
    put2(buf + 17, msd / 1000 % 60);
    buf[19] = '.';
    buf[20] = (char)('0' + msd % 1000 / 100);
    put2(buf + 21, msd % 100);
    memcpy(buf + 23, "+09:00", 7); /* with the NUL */
    return 29;
}

/* ---- broken-down times ------------------------------------------------- */

/* If tm has an impossible field, writes why to buf and returns 1. */
static int tm_problem(const tk_tm *tm, char *buf, size_t cap)
{
    if (tm->has_date) {
        if (tm->year < 1 || tm->year > 9999) {
            snprintf(buf, cap, "year %04d out of range (expected 0001-9999)", tm->year);
            return 1;
        }
        if (tm->month < 1 || tm->month > 12) {
            snprintf(buf, cap, "month %02d out of range (expected 01-12)", tm->month);
            return 1;
        }
        const int dim = tk_days_in_month(tm->year, tm->month);
        if (tm->day < 1 || tm->day > dim) {
            snprintf(buf, cap, "day %02d out of range for %04d-%02d (expected 01-%02d)", tm->day,
                     tm->year, tm->month, dim);
            return 1;
        }
    }
    if (tm->has_time) {
        if (tm->hour < 0 || tm->hour > 23) {
            snprintf(buf, cap, "hour %02d out of range (expected 00-23)", tm->hour);
            return 1;
        }
        if (tm->min < 0 || tm->min > 59) {
            snprintf(buf, cap, "minute %02d out of range (expected 00-59)", tm->min);
            return 1;
        }
        if (tm->sec < 0 || tm->sec > 59) {
            snprintf(buf, cap, "second %02d out of range (expected 00-59)", tm->sec);
            return 1;
        }
        if (tm->ms < 0 || tm->ms > 999) {
            snprintf(buf, cap, "millisecond %d out of range (expected 000-999)", tm->ms);
            return 1;
        }
    }
    if (tm->has_tz && (tm->tz_offset_min < -1439 || tm->tz_offset_min > 1439)) {
        snprintf(buf, cap, "time zone offset %d minutes out of range (expected -23:59 to +23:59)",
                 tm->tz_offset_min);
        return 1;
    }
    return 0;
}

int tk_tm_merge(tk_tm *date, const tk_tm *time_part, tk_error *err)
{
    assert(date != NULL && time_part != NULL);
    if (!date->has_date)
        return tk_error_set(err, TK_EINVAL, "cannot merge: the date column value has no date");
    if (date->has_time)
        return tk_error_set(err, TK_EINVAL,
                            "cannot merge: the date column value already has a time");
    if (!time_part->has_time)
        return tk_error_set(err, TK_EINVAL, "cannot merge: the time column value has no time");
    if (date->has_tz && time_part->has_tz && date->tz_offset_min != time_part->tz_offset_min)
        return tk_error_set(err, TK_EINVAL,
                            "cannot merge: the date and time columns have different time zones");
    date->hour = time_part->hour;
    date->min = time_part->min;
    date->sec = time_part->sec;
    date->ms = time_part->ms;
    date->has_time = 1;
    if (time_part->has_tz) {
        date->has_tz = 1;
        date->tz_offset_min = time_part->tz_offset_min;
    }
    return TK_OK;
}

int tk_tm_to_unix_ms(const tk_tm *tm, int64_t *out, tk_error *err)
{
    char why[128];

    assert(tm != NULL && out != NULL);
    if (!tm->has_date)
        return tk_error_set(err, TK_EINVAL,
                            "timestamp has no date (merge a time with a date first)");
    if (tm_problem(tm, why, sizeof why))
        return tk_error_set(err, TK_ERANGE, "%s", why);
    /* Every field is now bounded (year <= 9999), so nothing below overflows. */
    int64_t ms = tk_days_from_civil(tm->year, tm->month, tm->day) * MS_PER_DAY;
    if (tm->has_time)
        ms += ((int64_t)tm->hour * 3600 + tm->min * 60 + tm->sec) * 1000 + tm->ms;
    ms -= (tm->has_tz ? (int64_t)tm->tz_offset_min : 540) * 60000;
    *out = ms;
    return TK_OK;
}

/* ---- compiling --------------------------------------------------------- */

static int is_token_letter(char c)
{
    return c == 'Y' || c == 'M' || c == 'D' || c == 'h' || c == 'm' || c == 's' || c == 'S' ||
           c == 'G' || c == 'e' || c == 'Z';
}

static int is_reserved_letter(char c)
{
    return c == 'y' || c == 'd' || c == 'H';
}

static int is_numeric_op(const struct op *o)
{
    return o->kind == OP_NUM || o->kind == OP_FRAC || o->kind == OP_ERA_YEAR;
}

static void add_lit(tk_timefmt *f, const char *s, size_t n)
{
    /* Both buffers are sized for the longest pattern, which bounds them. */
    assert(f->nlit + n <= sizeof f->lit && f->nops < MAX_OPS);
    struct op *last = f->nops > 0 ? &f->ops[f->nops - 1] : NULL;
    if (last != NULL && last->kind == OP_LIT) {
        last->len = (unsigned short)(last->len + n);
    } else {
        struct op *o = &f->ops[f->nops++];
        memset(o, 0, sizeof *o);
        o->kind = OP_LIT;
        o->off = (unsigned short)f->nlit;
        o->len = (unsigned short)n;
    }
    memcpy(f->lit + f->nlit, s, n);
    f->nlit += n;
}

static void add_op(tk_timefmt *f, enum op_kind kind, enum field field, unsigned min, unsigned max,
                   size_t off, size_t len)
{
    assert(f->nops < MAX_OPS);
    struct op *o = &f->ops[f->nops++];
    o->kind = (unsigned char)kind;
    o->field = (unsigned char)field;
    o->min = (unsigned char)min;
    o->max = (unsigned char)max;
    o->off = (unsigned short)off;
    o->len = (unsigned short)len;
    f->fields |= 1u << field;
}

static void compile_iso(tk_timefmt *f)
{
    add_op(f, OP_NUM, F_YEAR, 4, 4, 0, 0);
    add_lit(f, "-", 1);
    add_op(f, OP_NUM, F_MONTH, 2, 2, 0, 0);
    add_lit(f, "-", 1);
    add_op(f, OP_NUM, F_DAY, 2, 2, 0, 0);
    add_op(f, OP_ISO_SEP, F_HOUR, 0, 0, 0, 0);
    add_op(f, OP_NUM, F_HOUR, 2, 2, 0, 0);
    add_lit(f, ":", 1);
    add_op(f, OP_NUM, F_MIN, 2, 2, 0, 0);
    add_lit(f, ":", 1);
    add_op(f, OP_NUM, F_SEC, 2, 2, 0, 0);
    add_op(f, OP_FRAC_OPT, F_FRAC, 1, 0, 0, 0);
    add_op(f, OP_ZONE_OPT, F_ZONE, 0, 0, 0, 0);
}

/* Adds the token of `run` copies of c at pat[i] (plus a '+' after a single
 * S, which the caller has counted in run). */
static int add_token(tk_timefmt *f, size_t i, size_t run, tk_error *err)
{
    const char *pat = f->pat;
    const char c = pat[i];
    const size_t pos = char_pos(pat, i);
    const int plus = c == 'S' && pat[i + run - 1] == '+';
    enum op_kind kind = OP_NUM;
    enum field field;
    unsigned min = 0, max = 0;
    const char *hint = NULL;

    switch (c) {
    case 'Y':
        field = run == 4 ? F_YEAR : F_YEAR2;
        min = max = (unsigned)run;
        if (run != 4 && run != 2)
            hint = "the year is YYYY or YY";
        break;
    case 'M':
    case 'D':
    case 'h':
        field = c == 'M' ? F_MONTH : c == 'D' ? F_DAY : F_HOUR;
        min = (unsigned)run;
        max = 2;
        if (run > 2)
            hint = c == 'M'   ? "the month is MM or M"
                   : c == 'D' ? "the day is DD or D"
                              : "the hour is hh or h";
        break;
    case 'm':
        field = F_MIN;
        min = max = 2;
        if (run != 2)
            hint = "minutes are mm; quote letters to match them literally";
        break;
    case 's':
        field = F_SEC;
        min = max = 2;
        if (run != 2)
            hint = "seconds are ss; quote letters to match them literally";
        break;
    case 'S':
        kind = OP_FRAC;
        field = F_FRAC;
        if (plus) {
            min = 1;
            max = 0;
        } else {
            min = max = (unsigned)run;
            if (run > 9)
                hint = "a fraction is SSS, S to SSSSSSSSS, or S+";
        }
        break;
    case 'G':
        kind = run == 3 ? OP_ERA_NAME : OP_ERA_LETTER;
        field = F_ERA;
        if (run != 1 && run != 3)
            hint = "the era is G (letter) or GGG (kanji)";
        break;
    case 'e':
        kind = OP_ERA_YEAR;
        field = F_ERA_YEAR;
        min = (unsigned)run;
        max = 2;
        if (run > 2)
            hint = "the era year is ee or e";
        break;
    default: /* 'Z' */
        kind = OP_ZONE;
        field = F_ZONE;
        if (run != 1)
            hint = "the time zone is Z";
        break;
    }
    if (hint != NULL)
        return compile_fail(err, pat, "\"%.*s\" at character %zu is not a token (%s)", (int)run,
                            pat + i, pos, hint);

    const unsigned have = f->fields;
    const unsigned years = 1u << F_YEAR | 1u << F_YEAR2;
    const unsigned eras_mask = 1u << F_ERA | 1u << F_ERA_YEAR;
    const unsigned same = field == F_YEAR || field == F_YEAR2 ? years : 1u << field;
    if (have & same)
        return compile_fail(err, pat, "\"%.*s\" at character %zu repeats the %s", (int)run, pat + i,
                            pos, field_names[field]);
    if (((have & years) && (1u << field & eras_mask)) ||
        ((have & eras_mask) && (1u << field & years)))
        return compile_fail(err, pat,
                            "\"%.*s\" at character %zu mixes a Gregorian year (YYYY, YY) with an "
                            "era (G, GGG, e, ee)",
                            (int)run, pat + i, pos);

    const struct op *prev = f->nops > 0 ? &f->ops[f->nops - 1] : NULL;
    if (kind == OP_FRAC) {
        /* A fraction sits right after the seconds, at most one '.', ',' or
         * ':' apart. Anything else is almost always an unquoted word such as
         * JST whose S would silently demand a digit. */
        const struct op *sec = prev;
        if (sec != NULL && sec->kind == OP_LIT && sec->len == 1 && f->lit[sec->off] != '\0' &&
            strchr(".,:", f->lit[sec->off]) != NULL)
            sec = f->nops > 1 ? &f->ops[f->nops - 2] : NULL;
        if (sec == NULL || sec->kind != OP_NUM || sec->field != F_SEC)
            return compile_fail(err, pat,
                                "\"%.*s\" at character %zu does not follow the seconds (as in "
                                "ss.SSS); quote letters to match them literally",
                                (int)run, pat + i, pos);
    }
    const int numeric = kind == OP_NUM || kind == OP_FRAC || kind == OP_ERA_YEAR;
    if (numeric && prev != NULL && is_numeric_op(prev) && prev->min != prev->max)
        return compile_fail(err, pat,
                            "\"%.*s\" at character %zu directly follows the variable-width "
                            "\"%.*s\"; put a separator between them or use a fixed width",
                            (int)run, pat + i, pos, (int)prev->len, pat + prev->off);
    add_op(f, kind, field, min, max, i, run);
    return TK_OK;
}

static int compile_tokens(tk_timefmt *f, tk_error *err)
{
    const char *pat = f->pat;
    const size_t n = strlen(pat);
    size_t i = 0;

    while (i < n) {
        const char c = pat[i];
        if (c == '\'') {
            /* '' is a quote, inside quoted text or outside it. */
            if (i + 1 < n && pat[i + 1] == '\'') {
                add_lit(f, "'", 1);
                i += 2;
                continue;
            }
            const size_t open = i++;
            for (;;) {
                if (i >= n)
                    return compile_fail(err, pat, "unterminated quote at character %zu",
                                        char_pos(pat, open));
                if (pat[i] == '\'' && i + 1 < n && pat[i + 1] == '\'') {
                    add_lit(f, "'", 1);
                    i += 2;
                } else if (pat[i] == '\'') {
                    i++;
                    break;
                } else {
                    add_lit(f, pat + i, 1);
                    i++;
                }
            }
        } else if (is_token_letter(c)) {
            size_t run = 1;
            while (i + run < n && pat[i + run] == c)
                run++;
            if (c == 'S' && run == 1 && i + 1 < n && pat[i + 1] == '+')
                run = 2;
            const int rc = add_token(f, i, run, err);
            if (rc != TK_OK)
                return rc;
            i += run;
        } else if (is_reserved_letter(c)) {
            size_t run = 1;
            while (i + run < n && pat[i + run] == c)
                run++;
            const char *hint = c == 'y'   ? "the year is YYYY or YY"
                               : c == 'd' ? "the day is DD or D"
                                          : "the hour is hh or h";
            return compile_fail(err, pat,
                                "\"%.*s\" at character %zu is not a token (%s; quote letters to "
                                "match them literally)",
                                (int)run, pat + i, char_pos(pat, i), hint);
        } else {
            size_t run = 1;
            while (i + run < n && pat[i + run] != '\'' && !is_token_letter(pat[i + run]) &&
                   !is_reserved_letter(pat[i + run]))
                run++;
            add_lit(f, pat + i, run);
            i += run;
        }
    }

    const unsigned have = f->fields;
    const unsigned date_mask =
        1u << F_YEAR | 1u << F_YEAR2 | 1u << F_MONTH | 1u << F_DAY | 1u << F_ERA | 1u << F_ERA_YEAR;
    const unsigned time_mask = 1u << F_HOUR | 1u << F_MIN | 1u << F_SEC | 1u << F_FRAC;
    if (!(have & (date_mask | time_mask)))
        return compile_fail(err, pat, "no date or time fields (see docs/time-formats.md)");
    if ((have & 1u << F_ERA) && !(have & 1u << F_ERA_YEAR))
        return compile_fail(err, pat, "an era (G or GGG) but no era year (ee or e)");
    if ((have & 1u << F_ERA_YEAR) && !(have & 1u << F_ERA))
        return compile_fail(err, pat, "an era year (ee or e) but no era (G or GGG)");
    if (have & date_mask) {
        if (!(have & (1u << F_YEAR | 1u << F_YEAR2 | 1u << F_ERA_YEAR)))
            return compile_fail(err, pat, "a date without a year (YYYY, YY, or G with ee)");
        if (!(have & 1u << F_MONTH))
            return compile_fail(err, pat, "a date without a month (MM or M)");
        if (!(have & 1u << F_DAY))
            return compile_fail(err, pat, "a date without a day (DD or D)");
    }
    if ((have & time_mask) && !(have & 1u << F_HOUR))
        return compile_fail(err, pat, "a time without an hour (hh or h)");
    if ((have & 1u << F_SEC) && !(have & 1u << F_MIN))
        return compile_fail(err, pat, "seconds without minutes (mm)");
    if ((have & 1u << F_FRAC) && !(have & 1u << F_SEC))
        return compile_fail(err, pat, "a fraction of a second without seconds (ss)");
    return TK_OK;
}

int tk_timefmt_compile(tk_timefmt **out, const char *pattern, tk_error *err)
{
    tk_timefmt *f = NULL;
    int rc;

    assert(out != NULL && pattern != NULL);
    *out = NULL;
    size_t b = 0, e = strlen(pattern);
    while (b < e && pattern[b] == ' ')
        b++;
    while (e > b && pattern[e - 1] == ' ')
        e--;
    if (b == e)
        return tk_error_set(err, TK_EINVAL, "empty time pattern");
    if (e - b > TK_TIMEFMT_MAX_PATTERN)
        return tk_error_set(err, TK_EINVAL, "time pattern longer than %d bytes",
                            TK_TIMEFMT_MAX_PATTERN);
    f = tk_calloc(1, sizeof *f);
    if (f == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory compiling a time pattern");
    memcpy(f->pat, pattern + b, e - b);
    f->pat[e - b] = '\0';

    static const char iso[] = "iso8601";
    int is_iso = e - b == sizeof iso - 1;
    for (size_t k = 0; is_iso && k < sizeof iso - 1; k++) {
        const char c = f->pat[k];
        is_iso = (c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c) == iso[k];
    }
    if (is_iso) {
        compile_iso(f);
        rc = TK_OK;
    } else {
        rc = compile_tokens(f, err);
    }
    if (rc != TK_OK)
        goto done;
    *out = f;
    f = NULL;
done:
    tk_timefmt_destroy(f);
    return rc;
}

void tk_timefmt_destroy(tk_timefmt *f)
{
    tk_free(f);
}

int tk_timefmt_has_date(const tk_timefmt *f)
{
    assert(f != NULL);
    return (f->fields & (1u << F_DAY)) != 0;
}

int tk_timefmt_has_time(const tk_timefmt *f)
{
    assert(f != NULL);
    return (f->fields & (1u << F_HOUR)) != 0;
}

const char *tk_timefmt_pattern(const tk_timefmt *f)
{
    assert(f != NULL);
    return f->pat;
}

/* ---- parsing ----------------------------------------------------------- */

/* Cold: builds "expected ... for <field> (<token>) at character N". */
static int fail_expected(const tk_timefmt *f, const struct op *o, const char *p, size_t len,
                         size_t i, size_t end, tk_error *err)
{
    char what[QUOTE_SIZE + 32];
    char tok[TK_TIMEFMT_MAX_PATTERN + 4] = "";

    if (err == NULL)
        return TK_EPARSE;
    if (o->kind != OP_LIT && o->len > 0)
        snprintf(tok, sizeof tok, " (%.*s)", (int)o->len, f->pat + o->off);
    switch (o->kind) {
    case OP_LIT: {
        char q[QUOTE_SIZE];
        quote(q, f->lit + o->off, o->len);
        snprintf(what, sizeof what, "%s", q);
        break;
    }
    case OP_ERA_LETTER:
        snprintf(what, sizeof what, "an era letter M, T, S, H or R%s", tok);
        break;
    case OP_ERA_NAME:
        snprintf(what, sizeof what, "an era name 明治, 大正, 昭和, 平成 or 令和%s", tok);
        break;
    case OP_ZONE:
    case OP_ZONE_OPT:
        snprintf(what, sizeof what, "a time zone Z, +hh:mm or -hh:mm%s", tok);
        break;
    case OP_ISO_SEP:
        snprintf(what, sizeof what, "\"T\" or \" \" between date and time");
        break;
    default: {
        const char *e = o->kind == OP_ERA_YEAR ? " or 元" : "";
        if (o->max == 0)
            snprintf(what, sizeof what, "digits%s for %s%s", e, field_names[o->field], tok);
        else if (o->min == o->max)
            snprintf(what, sizeof what, "%u digit%s%s for %s%s", o->min, o->min == 1 ? "" : "s", e,
                     field_names[o->field], tok);
        else
            snprintf(what, sizeof what, "%u-%u digits%s for %s%s", o->min, o->max, e,
                     field_names[o->field], tok);
        break;
    }
    }
    return parse_fail(err, p, len, "expected %s at character %zu%s", what, char_pos(p, i),
                      i >= end ? ", found the end of the value" : "");
}

/* Parses a zone at s[*i..end): Z, z, +hh, +hhmm, +hh:mm (or -). Returns 0
 * on success, 1 if there is no zone there (*i unchanged), 2 if the offset
 * is too large (*i then ends the zone, for the message). */
static int parse_zone(const unsigned char *s, size_t *i, size_t end, int *offset_min)
{
    size_t k = *i;
    if (k < end && (s[k] == 'Z' || s[k] == 'z')) {
        *offset_min = 0;
        *i = k + 1;
        return 0;
    }
    if (k >= end || (s[k] != '+' && s[k] != '-'))
        return 1;
    const int neg = s[k] == '-';
    k++;
    if (end - k < 2 || digit_of(s[k]) > 9 || digit_of(s[k + 1]) > 9)
        return 1;
    const unsigned hh = digit_of(s[k]) * 10 + digit_of(s[k + 1]);
    unsigned mm = 0;
    k += 2;
    if (k < end && s[k] == ':') {
        if (end - k < 3 || digit_of(s[k + 1]) > 9 || digit_of(s[k + 2]) > 9)
            return 1;
        mm = digit_of(s[k + 1]) * 10 + digit_of(s[k + 2]);
        k += 3;
    } else if (end - k >= 2 && digit_of(s[k]) <= 9 && digit_of(s[k + 1]) <= 9) {
        mm = digit_of(s[k]) * 10 + digit_of(s[k + 1]);
        k += 2;
    }
    *i = k;
    if (hh > 23 || mm > 59)
        return 2;
    *offset_min = (neg ? -1 : 1) * (int)(hh * 60 + mm);
    return 0;
}

int tk_timefmt_parse(const tk_timefmt *f, const char *p, size_t len, tk_tm *tm, tk_error *err)
{
    assert(f != NULL && tm != NULL && (p != NULL || len == 0));
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0, end = len;
    int v[NFIELDS] = {0};
    int era = -1;

    while (i < end && s[i] == ' ')
        i++;
    while (end > i && s[end - 1] == ' ')
        end--;
    if (i == end)
        return parse_fail(err, p, len, "empty value (expected %s)", f->pat);

    for (size_t k = 0; k < f->nops; k++) {
        const struct op *o = &f->ops[k];
        switch ((enum op_kind)o->kind) {
        case OP_LIT:
            /* Most literals are one ASCII separator: skip memcmp for them. */
            if (o->len == 1 ? (i >= end || s[i] != (unsigned char)f->lit[o->off])
                            : (end - i < o->len || memcmp(s + i, f->lit + o->off, o->len) != 0))
                return fail_expected(f, o, p, len, i, end, err);
            i += o->len;
            break;
        case OP_ERA_YEAR:
            if (end - i >= sizeof gannen - 1 && memcmp(s + i, gannen, sizeof gannen - 1) == 0) {
                v[F_ERA_YEAR] = 1;
                i += sizeof gannen - 1;
                break;
            }
            /* fall through */
        case OP_NUM: {
            unsigned n = 0, val = 0;
            while (n < o->max && i + n < end && digit_of(s[i + n]) <= 9) {
                val = val * 10 + digit_of(s[i + n]);
                n++;
            }
            if (n < o->min)
                return fail_expected(f, o, p, len, i, end, err);
            v[o->field] = (int)val;
            i += n;
            break;
        }
        case OP_FRAC_OPT:
            if (i >= end || (s[i] != '.' && s[i] != ','))
                break;
            i++; /* the separator makes the digits required */
            /* fall through */
        case OP_FRAC: {
            unsigned n = 0, ms = 0;
            while (i + n < end && digit_of(s[i + n]) <= 9 && (o->max == 0 || n < o->max)) {
                if (n < 3)
                    ms = ms * 10 + digit_of(s[i + n]);
                n++;
            }
            if (n < o->min)
                return fail_expected(f, o, p, len, i, end, err);
            for (unsigned k3 = n; k3 < 3; k3++)
                ms *= 10;
            v[F_FRAC] = (int)ms;
            i += n;
            break;
        }
        case OP_ERA_LETTER: {
            const int c = i < end ? (s[i] & ~0x20) : 0;
            era = -1;
            for (size_t x = 0; x < NERAS; x++)
                if (c == eras[x].letter)
                    era = (int)x;
            if (era < 0)
                return fail_expected(f, o, p, len, i, end, err);
            i++;
            break;
        }
        case OP_ERA_NAME:
            era = -1;
            for (size_t x = 0; x < NERAS && end - i >= 6; x++)
                if (memcmp(s + i, eras[x].name, 6) == 0)
                    era = (int)x;
            if (era < 0)
                return fail_expected(f, o, p, len, i, end, err);
            i += 6;
            break;
        case OP_ZONE_OPT:
            if (i >= end) /* text after the time must be a zone */
                break;
            /* fall through */
        case OP_ZONE: {
            const size_t at = i;
            const int z = parse_zone(s, &i, end, &tm->tz_offset_min);
            if (z == 1)
                return fail_expected(f, o, p, len, i, end, err);
            if (z == 2)
                return parse_fail(err, p, len,
                                  "time zone offset %.*s at character %zu out of range "
                                  "(expected -23:59 to +23:59)",
                                  (int)(i - at), p + at, char_pos(p, at));
            v[F_ZONE] = 1;
            break;
        }
        case OP_ISO_SEP:
            if (i >= end || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
                return fail_expected(f, o, p, len, i, end, err);
            i++;
            break;
        }
    }
    if (i != end)
        return parse_fail(err, p, len, "unexpected text at character %zu after a complete %s",
                          char_pos(p, i), f->pat);

    const unsigned have = f->fields;
    tm->has_date = (have & 1u << F_DAY) != 0;
    tm->has_time = (have & 1u << F_HOUR) != 0;
    tm->has_tz = v[F_ZONE];
    if (!tm->has_tz)
        tm->tz_offset_min = 0;
    tm->year = v[F_YEAR];
    if (have & 1u << F_YEAR2)
        tm->year = v[F_YEAR2] < 70 ? 2000 + v[F_YEAR2] : 1900 + v[F_YEAR2];
    if (era >= 0) {
        if (v[F_ERA_YEAR] < 1)
            return parse_fail(err, p, len, "era year %d out of range (expected 1 or more)",
                              v[F_ERA_YEAR]);
        tm->year = eras[era].first_year + v[F_ERA_YEAR] - 1;
    }
    tm->month = v[F_MONTH];
    tm->day = v[F_DAY];
    tm->hour = v[F_HOUR];
    tm->min = v[F_MIN];
    tm->sec = v[F_SEC];
    tm->ms = v[F_FRAC];

    char why[128];
    if (tm_problem(tm, why, sizeof why))
        return parse_fail(err, p, len, "%s", why);
    if (era >= 0) {
        const struct era *E = &eras[era];
        const long key = (long)tm->year * 10000L + tm->month * 100L + tm->day;
        if (key < E->start || (E->end != 0 && key > E->end)) {
            if (E->end != 0)
                return parse_fail(err, p, len,
                                  "%04d-%02d-%02d is outside %s (%04ld-%02ld-%02ld to "
                                  "%04ld-%02ld-%02ld)",
                                  tm->year, tm->month, tm->day, E->name, E->start / 10000,
                                  E->start / 100 % 100, E->start % 100, E->end / 10000,
                                  E->end / 100 % 100, E->end % 100);
            return parse_fail(err, p, len, "%04d-%02d-%02d is outside %s (from %04ld-%02ld-%02ld)",
                              tm->year, tm->month, tm->day, E->name, E->start / 10000,
                              E->start / 100 % 100, E->start % 100);
        }
    }
    return TK_OK;
}
