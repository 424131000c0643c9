/* src/calendar.c -- national holidays by rule, the tenant calendar, business hours.
 *
 * Holidays by rule. year_build() computes one year in three passes over
 * arrays indexed by day of year:
 *   1. the 国民の祝日 of that year under the law as it then stood
 *      (base_holidays(): fixed days with the years they held, Happy Monday
 *      days as the n-th Monday, the equinoxes, and the one-off days, which
 *      count as 祝日 here -- 2019's were deemed 祝日 by their special law,
 *      which is what makes 2019-04-30 and 05-02 国民の休日; counting 1959's,
 *      1989's, 1990's and 1993's too changes nothing, as none fell on a
 *      Sunday or next to another holiday);
 *   2. 振替休日: from 1973-04-12 a 祝日 on a Sunday makes the Monday a
 *      holiday unless that is a 祝日 itself (1973-04-30 is the first); from
 *      2007 the first following day that is not a 祝日 (2008-05-06 is the
 *      first to differ);
 *   3. 国民の休日: from 1985-12-27 a day that is not a 祝日 and whose two
 *      neighbours are -- until 2006 only if it is neither a Sunday nor a
 *      振替休日 (the 1985 wording; 1988-05-04 is the first), from 2007 any
 *      such day (a 振替休日 never falls there in 1948-2099; we would keep
 *      its name if one did).
 * The law came into force on 1948-07-20: earlier days of 1948 have no
 * holiday (the old 祝祭日 are out of scope), so 1948 starts with 秋分の日.
 *
 * Equinoxes, by the widely used approximation
 *   day = floor(A + 0.242194 (y - 1980)) - q
 *   1980-2099: A = 20.8431 (March), 23.2488 (September), q = floor((y - 1980) / 4)
 *   1948-1979: A = 20.8357 (March), 23.2588 (September), q = (y - 1983) / 4
 * where the last q is truncated toward zero, as the int() of the formula's
 * original did and as C's integer division does. A mathematical floor
 * there is wrong: it gives 3/22 and 9/24 in three years out of four before
 * 1980 (1948's first 秋分の日 was 9/23). The choice was checked against an
 * astronomical computation of every equinox 1948-2099 in JST, which agrees
 * with this formula in every year. The arithmetic is done in integers
 * (millionths, the numerator always positive) so that no rounding of
 * 0.242194 can move a day.
 *
 * The tenant calendar is a table with one 6-byte entry per day from
 * 1948-01-01 to 2099-12-31 (55,517 days): the TK_CALENDAR_F_* flags plus an
 * open bit, the reason, and the indices of the holiday's and the city day's
 * names in a name table. It is built in layers: weekends and 年末年始 and
 * the computed holidays; then for each version of kind `holidays` the days
 * it governs (from its effective date to the day before the next version's;
 * the first version also governs every earlier day, as src/master.h
 * defines), where in each year the version lists any day of, the computed
 * holidays are cleared and the listed days set; then the same for kind
 * `calendar`, whose rows set the city flags. A last pass derives the open
 * bit and the reason. A query is then an index computation and one load.
 *
 * The master tables belong to src/master.c; we only read them, and only
 * through master_versions(kind, effective_day, id) and master_calendar
 * (version_id, day, kind, name). Imports are append-only and atomic, so a
 * version we see always has all its rows.
 *
 * Imported names are interned in a tk_strmap, whose key copies are stable
 * and serve as the names; computed names are static strings. Hours are an
 * array whose element 0 is the tenant default, with a tk_strmap from 所属
 * to index. */
#include "src/calendar.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/db.h"
#include "src/master.h"
#include "src/strmap.h"
#include "src/timefmt.h"

/* ---- holidays by rule -------------------------------------------------- */

enum hname {
    H_NONE,
    H_GANJITSU,
    H_SEIJIN,
    H_KENKOKU,
    H_TENNO,
    H_SHUNBUN,
    H_SHOWA,
    H_MIDORI,
    H_KENPO,
    H_KODOMO,
    H_UMI,
    H_YAMA,
    H_KEIRO,
    H_SHUUBUN,
    H_TAIIKU,
    H_SPORTS,
    H_BUNKA,
    H_KINRO,
    H_FURIKAE,
    H_KOKUMIN,
    H_KEKKON_1959,
    H_TAISOU_1989,
    H_SOKUIREI,
    H_KEKKON_1993,
    H_SOKUI_2019,
    H_LISTED, /* an imported holiday without a name */
    H_N
};

static const char *const hnames[H_N] = {
    [H_GANJITSU] = "元日",
    [H_SEIJIN] = "成人の日",
    [H_KENKOKU] = "建国記念の日",
    [H_TENNO] = "天皇誕生日",
    [H_SHUNBUN] = "春分の日",
    [H_SHOWA] = "昭和の日",
    [H_MIDORI] = "みどりの日",
    [H_KENPO] = "憲法記念日",
    [H_KODOMO] = "こどもの日",
    [H_UMI] = "海の日",
    [H_YAMA] = "山の日",
    [H_KEIRO] = "敬老の日",
    [H_SHUUBUN] = "秋分の日",
    [H_TAIIKU] = "体育の日",
    [H_SPORTS] = "スポーツの日",
    [H_BUNKA] = "文化の日",
    [H_KINRO] = "勤労感謝の日",
    [H_FURIKAE] = "振替休日",
    [H_KOKUMIN] = "国民の休日",
    [H_KEKKON_1959] = "皇太子明仁親王の結婚の儀",
    [H_TAISOU_1989] = "昭和天皇の大喪の礼",
    [H_SOKUIREI] = "即位礼正殿の儀",
    [H_KEKKON_1993] = "皇太子徳仁親王の結婚の儀",
    [H_SOKUI_2019] = "天皇の即位の日",
    [H_LISTED] = "休日",
};

/* One year's days, indexed by day of year (0 = January 1). */
struct year {
    int y;
    int ndays;
    int64_t jan1;
    int64_t enforced;  /* 1948-07-20: 祝日法 in force */
    uint8_t name[366]; /* enum hname; H_NONE: not a holiday */
    uint8_t shuku[366]; /* 1 for a 国民の祝日, the days 振替休日 and 国民の休日 look at */
};

static void set_day(struct year *yr, int m, int d, enum hname n)
{
    const int64_t day = tk_days_from_civil(yr->y, m, d);
    if (day < yr->enforced)
        return;
    const int64_t i = day - yr->jan1;
    assert(i >= 0 && i < yr->ndays);
    yr->name[i] = (uint8_t)n;
    yr->shuku[i] = 1;
}

/* Day of the month of the n-th Monday of y-m. */
static int nth_monday(int y, int m, int n)
{
    const int w = tk_weekday(tk_days_from_civil(y, m, 1));
    return 1 + (8 - w) % 7 + 7 * (n - 1);
}

/* Day of March (march != 0) or September of the equinox; 1948-2099. */
static int equinox(int y, int march)
{
    int64_t a, q;
    if (y >= 1980) {
        a = march ? 20843100 : 23248800;
        q = (y - 1980) / 4;
    } else {
        a = march ? 20835700 : 23258800;
        q = (y - 1983) / 4; /* truncated toward zero, deliberately: see the top */
    }
    return (int)((a + 242194 * (int64_t)(y - 1980)) / 1000000 - q);
}

static void base_holidays(struct year *yr)
{
    const int y = yr->y;

    set_day(yr, 1, 1, H_GANJITSU);
    set_day(yr, 1, y >= 2000 ? nth_monday(y, 1, 2) : 15, H_SEIJIN);
    if (y >= 1967)
        set_day(yr, 2, 11, H_KENKOKU);
    if (y >= 2020)
        set_day(yr, 2, 23, H_TENNO);
    set_day(yr, 3, equinox(y, 1), H_SHUNBUN);
    set_day(yr, 4, 29, y <= 1988 ? H_TENNO : y <= 2006 ? H_MIDORI : H_SHOWA);
    set_day(yr, 5, 3, H_KENPO);
    if (y >= 2007)
        set_day(yr, 5, 4, H_MIDORI);
    set_day(yr, 5, 5, H_KODOMO);
    /* 2020 and 2021 moved 海の日, スポーツの日 and 山の日 for the Olympics. */
    if (y == 2020)
        set_day(yr, 7, 23, H_UMI);
    else if (y == 2021)
        set_day(yr, 7, 22, H_UMI);
    else if (y >= 2003)
        set_day(yr, 7, nth_monday(y, 7, 3), H_UMI);
    else if (y >= 1996)
        set_day(yr, 7, 20, H_UMI);
    if (y == 2020)
        set_day(yr, 8, 10, H_YAMA);
    else if (y == 2021)
        set_day(yr, 8, 8, H_YAMA);
    else if (y >= 2016)
        set_day(yr, 8, 11, H_YAMA);
    if (y >= 2003)
        set_day(yr, 9, nth_monday(y, 9, 3), H_KEIRO);
    else if (y >= 1966)
        set_day(yr, 9, 15, H_KEIRO);
    set_day(yr, 9, equinox(y, 0), H_SHUUBUN);
    if (y == 2020)
        set_day(yr, 7, 24, H_SPORTS);
    else if (y == 2021)
        set_day(yr, 7, 23, H_SPORTS);
    else if (y >= 2020)
        set_day(yr, 10, nth_monday(y, 10, 2), H_SPORTS);
    else if (y >= 2000)
        set_day(yr, 10, nth_monday(y, 10, 2), H_TAIIKU);
    else if (y >= 1966)
        set_day(yr, 10, 10, H_TAIIKU);
    set_day(yr, 11, 3, H_BUNKA);
    set_day(yr, 11, 23, H_KINRO);
    if (y >= 1989 && y <= 2018)
        set_day(yr, 12, 23, H_TENNO);
    /* The one-off holidays. */
    if (y == 1959)
        set_day(yr, 4, 10, H_KEKKON_1959);
    if (y == 1989)
        set_day(yr, 2, 24, H_TAISOU_1989);
    if (y == 1990)
        set_day(yr, 11, 12, H_SOKUIREI);
    if (y == 1993)
        set_day(yr, 6, 9, H_KEKKON_1993);
    if (y == 2019) {
        set_day(yr, 5, 1, H_SOKUI_2019);
        set_day(yr, 10, 22, H_SOKUIREI);
    }
}

/* Computes year y into *yr; 0 if y is outside 1948-2099. */
static int year_build(struct year *yr, int y)
{
    if (y < TK_CALENDAR_FIRST_YEAR || y > TK_CALENDAR_LAST_YEAR)
        return 0;
    memset(yr, 0, sizeof *yr);
    yr->y = y;
    yr->ndays = tk_is_leap_year(y) ? 366 : 365;
    yr->jan1 = tk_days_from_civil(y, 1, 1);
    yr->enforced = tk_days_from_civil(1948, 7, 20);
    base_holidays(yr);

    const int64_t furikae_from = tk_days_from_civil(1973, 4, 12);
    const int64_t kokumin_from = tk_days_from_civil(1985, 12, 27);
    const int64_t rules_2007 = tk_days_from_civil(2007, 1, 1);
    const int n = yr->ndays;

    for (int i = 0; i < n; i++) {
        const int64_t day = yr->jan1 + i;
        if (!yr->shuku[i] || day < furikae_from || tk_weekday(day) != 0)
            continue;
        int j = i + 1;
        if (day >= rules_2007) {
            while (j < n && yr->shuku[j])
                j++;
        } else if (j < n && yr->shuku[j]) {
            continue;
        }
        /* No 祝日 falls on December 31, so the substitute stays in the year. */
        assert(j < n);
        yr->name[j] = H_FURIKAE;
    }
    for (int i = 1; i + 1 < n; i++) {
        const int64_t day = yr->jan1 + i;
        if (day < kokumin_from || yr->name[i] != H_NONE || !yr->shuku[i - 1] || !yr->shuku[i + 1])
            continue;
        if (day < rules_2007 && tk_weekday(day) == 0)
            continue;
        yr->name[i] = H_KOKUMIN;
    }
    return 1;
}

int tk_calendar_holiday(int y, int m, int d, const char **name)
{
    struct year yr;
    if (m < 1 || m > 12 || d < 1 || d > tk_days_in_month(y, m) || !year_build(&yr, y))
        return 0;
    const enum hname n = (enum hname)yr.name[tk_days_from_civil(y, m, d) - yr.jan1];
    if (n == H_NONE)
        return 0;
    if (name != NULL)
        *name = hnames[n];
    return 1;
}

int tk_calendar_holiday_day(int64_t day, const char **name)
{
    int y, m, d;
    /* Bound day first: tk_civil_from_days() needs |day| <= 7e11. */
    if (day < tk_days_from_civil(TK_CALENDAR_FIRST_YEAR, 1, 1) ||
        day > tk_days_from_civil(TK_CALENDAR_LAST_YEAR, 12, 31))
        return 0;
    tk_civil_from_days(day, &y, &m, &d);
    return tk_calendar_holiday(y, m, d, name);
}

size_t tk_calendar_year_holidays(int y, tk_calendar_holiday_entry *out, size_t cap)
{
    struct year yr;
    size_t n = 0;
    if (!year_build(&yr, y))
        return 0;
    for (int i = 0; i < yr.ndays; i++) {
        if (yr.name[i] == H_NONE)
            continue;
        if (n < cap) {
            int yy;
            tk_civil_from_days(yr.jan1 + i, &yy, &out[n].month, &out[n].day);
            out[n].name = hnames[yr.name[i]];
        }
        n++;
    }
    assert(n <= TK_CALENDAR_YEAR_MAX);
    return n;
}

/* ---- the tenant calendar ----------------------------------------------- */

#define FLAG_OPEN 128u /* internal: the offices are open */

struct dayent {
    uint8_t flags;  /* TK_CALENDAR_F_* | FLAG_OPEN */
    uint8_t reason; /* TK_CALENDAR_DAY_* */
    uint16_t hol;   /* index in names of the national holiday's name; 0 none */
    uint16_t city;  /* index in names of the city day's name; 0 none */
};

/* A calendar row that names a 所属 (dept > 0, its name's index in names)
 * or gives the day's hours for everyone (dept 0). */
struct scoped {
    int64_t day;
    uint16_t dept;
    uint16_t name;           /* index in names; 0 none */
    int8_t open;             /* 1 open, 0 closed, -1 as the day is (dept 0) */
    uint8_t has_hours;       /* hours holds the row's hours */
    tk_calendar_hours hours; /* no lunch */
};

struct tk_calendar {
    int64_t first; /* day number of 1948-01-01 */
    int64_t last;  /* day number of 2099-12-31 */
    struct dayent *days;
    const char **names; /* [0] NULL, [1, H_N) hnames, then interned imported names */
    size_t nnames, capnames;
    tk_strmap *interned;      /* imported name -> index in names */
    tk_calendar_hours *hours; /* [0] the default, then one per 所属 */
    size_t nhours;
    tk_strmap *depts; /* 所属 -> index in hours */
    int night_start, night_end;
    struct scoped *sc; /* calendar rows with a 所属 or hours, by (day, dept) */
    size_t nsc, capsc;
};

void tk_calendar_destroy(tk_calendar *cal)
{
    if (cal == NULL)
        return;
    tk_free(cal->days);
    tk_free(cal->names);
    tk_strmap_destroy(cal->interned);
    tk_free(cal->hours);
    tk_strmap_destroy(cal->depts);
    tk_free(cal->sc);
    tk_free(cal);
}

static int check_hours(const tk_calendar_hours *h, const char *dept, tk_error *err)
{
    char who[128];
    if (dept != NULL)
        snprintf(who, sizeof who, "hours of 所属 \"%.80s\"", dept);
    else
        snprintf(who, sizeof who, "default hours");
    if (h->start_min < 0 || h->end_min > 1440 || h->start_min >= h->end_min)
        return tk_error_set(err, TK_EINVAL,
                            "%s: start_min %d and end_min %d must satisfy 0 <= start_min < "
                            "end_min <= 1440",
                            who, h->start_min, h->end_min);
    if (h->lunch_start_min != h->lunch_end_min &&
        (h->lunch_start_min < h->start_min || h->lunch_end_min > h->end_min ||
         h->lunch_start_min > h->lunch_end_min))
        return tk_error_set(err, TK_EINVAL,
                            "%s: lunch %d-%d must lie within the hours %d-%d (minutes; equal "
                            "lunch bounds mean no lunch)",
                            who, h->lunch_start_min, h->lunch_end_min, h->start_min, h->end_min);
    return TK_OK;
}

static int check_options(const tk_calendar_options *o, tk_error *err)
{
    int rc = check_hours(&o->hours, NULL, err);
    if (rc != TK_OK)
        return rc;
    if (o->night_start_min < 0 || o->night_start_min > 1440 || o->night_end_min < 0 ||
        o->night_end_min > 1440)
        return tk_error_set(err, TK_EINVAL,
                            "night_start_min %d and night_end_min %d must lie in 0-1440",
                            o->night_start_min, o->night_end_min);
    assert(o->ndepts == 0 || o->depts != NULL);
    for (size_t i = 0; i < o->ndepts; i++) {
        const char *dept = o->depts[i].dept;
        assert(dept != NULL);
        if (dept[0] == '\0')
            return tk_error_set(err, TK_EINVAL, "per-所属 hours %zu: empty 所属 name", i + 1);
        rc = check_hours(&o->depts[i].hours, dept, err);
        if (rc != TK_OK)
            return rc;
    }
    return TK_OK;
}

/* Interns p[0..len) (borrowed) and sets *out to its index in cal->names. */
static int intern(tk_calendar *cal, const char *p, size_t len, uint16_t *out, tk_error *err)
{
    const int64_t *v = tk_strmap_get(cal->interned, p, len);
    const char *key = NULL;
    int rc;

    if (v != NULL) {
        *out = (uint16_t)*v;
        return TK_OK;
    }
    if (cal->nnames > UINT16_MAX)
        return tk_error_set(err, TK_ERANGE, "more than %u distinct holiday and city day names",
                            (unsigned)UINT16_MAX);
    if (cal->nnames == cal->capnames) {
        /* capnames <= 65536, so doubling cannot overflow. */
        const size_t cap = cal->capnames * 2;
        const char **names = tk_realloc(cal->names, cap * sizeof *names);
        if (names == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory for calendar names");
        cal->names = names;
        cal->capnames = cap;
    }
    rc = tk_strmap_put(cal->interned, p, len, (int64_t)cal->nnames, &key, err);
    if (rc != TK_OK)
        return rc;
    cal->names[cal->nnames] = key;
    *out = (uint16_t)cal->nnames++;
    return TK_OK;
}

/* The flags of a day that no table covers, or that the table starts from. */
static unsigned plain_flags(int64_t day)
{
    const int w = tk_weekday(day);
    unsigned f = w == 0 ? TK_CALENDAR_F_SUNDAY : w == 6 ? TK_CALENDAR_F_SATURDAY : 0u;
    if (day >= -700000000000 && day <= 700000000000) {
        int y, m, d;
        tk_civil_from_days(day, &y, &m, &d);
        if ((m == 12 && d >= 29) || (m == 1 && d <= 3))
            f |= TK_CALENDAR_F_YEAR_END;
    }
    return f;
}

/* Derives the open bit and the reason from the flags. */
static void finish(struct dayent *e)
{
    unsigned f = e->flags & ~FLAG_OPEN;
    int r;
    if (f & TK_CALENDAR_F_CITY_OPEN)
        r = TK_CALENDAR_DAY_CITY_OPEN;
    else if (f & TK_CALENDAR_F_CITY_CLOSED)
        r = TK_CALENDAR_DAY_CITY_CLOSED;
    else if (f & TK_CALENDAR_F_HOLIDAY)
        r = TK_CALENDAR_DAY_HOLIDAY;
    else if (f & TK_CALENDAR_F_YEAR_END)
        r = TK_CALENDAR_DAY_YEAR_END;
    else if (f & (TK_CALENDAR_F_SATURDAY | TK_CALENDAR_F_SUNDAY))
        r = TK_CALENDAR_DAY_WEEKEND;
    else
        r = TK_CALENDAR_DAY_WEEKDAY;
    if (r == TK_CALENDAR_DAY_WEEKDAY || r == TK_CALENDAR_DAY_CITY_OPEN)
        f |= FLAG_OPEN;
    e->flags = (uint8_t)f;
    e->reason = (uint8_t)r;
}

/* A new calendar with the computed holidays; the reasons are not derived
 * yet (finish_all()). */
static int cal_new(tk_calendar **out, const tk_calendar_options *opts, tk_error *err)
{
    static const tk_calendar_options defaults = TK_CALENDAR_OPTIONS_INIT;
    tk_calendar *cal = NULL;
    int rc;
    size_t nhours;

    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    rc = check_options(opts, err);
    if (rc != TK_OK)
        return rc;
    if (!tk_add_size(opts->ndepts, 1, &nhours))
        return tk_error_set(err, TK_EINVAL, "too many per-所属 hours");

    cal = tk_calloc(1, sizeof *cal);
    if (cal == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for a calendar");
    cal->first = tk_days_from_civil(TK_CALENDAR_FIRST_YEAR, 1, 1);
    cal->last = tk_days_from_civil(TK_CALENDAR_LAST_YEAR, 12, 31);
    cal->night_start = opts->night_start_min;
    cal->night_end = opts->night_end_min;
    cal->days = tk_calloc((size_t)(cal->last - cal->first + 1), sizeof *cal->days);
    cal->capnames = H_N + 8;
    cal->names = tk_calloc(cal->capnames, sizeof *cal->names);
    cal->hours = tk_calloc(nhours, sizeof *cal->hours);
    if (cal->days == NULL || cal->names == NULL || cal->hours == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory for a calendar");
        goto done;
    }
    rc = tk_strmap_create(&cal->interned, err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&cal->depts, err);
    if (rc != TK_OK)
        goto done;

    for (size_t i = 0; i < H_N; i++)
        cal->names[i] = hnames[i];
    cal->nnames = H_N;

    cal->hours[0] = opts->hours;
    cal->nhours = 1;
    for (size_t i = 0; i < opts->ndepts; i++) {
        const char *dept = opts->depts[i].dept;
        const size_t len = strlen(dept);
        if (tk_strmap_get(cal->depts, dept, len) != NULL) {
            rc = tk_error_set(err, TK_EINVAL, "所属 \"%.80s\" has hours twice", dept);
            goto done;
        }
        rc = tk_strmap_put(cal->depts, dept, len, (int64_t)cal->nhours, NULL, err);
        if (rc != TK_OK)
            goto done;
        cal->hours[cal->nhours++] = opts->depts[i].hours;
    }

    struct dayent *e = cal->days;
    for (int y = TK_CALENDAR_FIRST_YEAR; y <= TK_CALENDAR_LAST_YEAR; y++) {
        struct year yr;
        year_build(&yr, y);
        for (int i = 0; i < yr.ndays; i++, e++) {
            e->flags = (uint8_t)plain_flags(yr.jan1 + i);
            if (yr.name[i] != H_NONE) {
                e->flags |= TK_CALENDAR_F_HOLIDAY;
                e->hol = yr.name[i];
            }
        }
    }
    assert(e == cal->days + (cal->last - cal->first + 1));
    *out = cal;
    cal = NULL;
done:
    tk_calendar_destroy(cal);
    return rc;
}

static void finish_all(tk_calendar *cal)
{
    const size_t n = (size_t)(cal->last - cal->first + 1);
    for (size_t i = 0; i < n; i++)
        finish(&cal->days[i]);
}

/* ---- reading master data ----------------------------------------------- */

struct version {
    int64_t id;
    int64_t from; /* effective day */
};

/* The versions of kind that govern some day, in effective order: of several
 * with one effective date only the last imported. *out is owned (tk_free). */
static int read_versions(tk_db *db, const char *kind, struct version **out, size_t *n,
                         tk_error *err)
{
    sqlite3_stmt *st = NULL;
    struct version *v = NULL;
    size_t len = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    rc = tk_db_prepare(db, &st,
                       "SELECT id, effective_day FROM master_versions WHERE kind = ?1"
                       " ORDER BY effective_day, id",
                       err);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_bind_text(db, st, 1, kind, strlen(kind), err);
    while (rc == TK_OK) {
        const int s = tk_db_step(db, st, err);
        if (s <= 0) {
            rc = s;
            break;
        }
        const int64_t id = sqlite3_column_int64(st, 0);
        const int64_t from = sqlite3_column_int64(st, 1);
        if (len > 0 && v[len - 1].from == from) {
            v[len - 1].id = id;
            continue;
        }
        if (len == cap) {
            const size_t ncap = cap ? cap * 2 : 8;
            struct version *nv = NULL;
            size_t bytes;
            if (tk_mul_size(ncap, sizeof *v, &bytes))
                nv = tk_realloc(v, bytes);
            if (nv == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory reading %s versions", kind);
                break;
            }
            v = nv;
            cap = ncap;
        }
        v[len].id = id;
        v[len].from = from;
        len++;
    }
    sqlite3_finalize(st);
    if (rc != TK_OK) {
        tk_free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return TK_OK;
}

/* Reads the day of the current row's column 0. */
static int row_day(sqlite3_stmt *st, int64_t vid, int64_t *day, tk_error *err)
{
    const char *p = (const char *)sqlite3_column_text(st, 0);
    const size_t len = (size_t)sqlite3_column_bytes(st, 0);
    if (p == NULL || tk_master_parse_day(p, len, day, NULL) != TK_OK)
        return tk_error_set(err, TK_EDB, "master_calendar: version %lld has a day \"%.20s\"",
                            (long long)vid, p ? p : "(null)");
    return TK_OK;
}

/* Interns the text of column col, if any, into *idx (0 when NULL or empty,
 * or dflt when given). */
static int row_name(tk_calendar *cal, sqlite3_stmt *st, int col, uint16_t dflt, uint16_t *idx,
                    tk_error *err)
{
    const char *p = (const char *)sqlite3_column_text(st, col);
    const size_t len = (size_t)sqlite3_column_bytes(st, col);
    *idx = dflt;
    if (p == NULL || len == 0)
        return TK_OK;
    return intern(cal, p, len, idx, err);
}

/* Applies version vid of kind `holidays` to the days [lo, hi] (inside the
 * table): in each year it lists, its days replace the computed holidays. */
static int apply_holidays(tk_calendar *cal, tk_db *db, sqlite3_stmt *st, int64_t vid, int64_t lo,
                          int64_t hi, tk_error *err)
{
    uint8_t covered[TK_CALENDAR_LAST_YEAR - TK_CALENDAR_FIRST_YEAR + 1] = {0};
    int rc = TK_OK;

    for (int pass = 0; pass < 2 && rc == TK_OK; pass++) {
        sqlite3_reset(st);
        if (sqlite3_bind_int64(st, 1, vid) != SQLITE_OK)
            return tk_db_error(db, err, "binding a version");
        while (rc == TK_OK) {
            const int s = tk_db_step(db, st, err);
            int64_t day;
            if (s <= 0) {
                rc = s;
                break;
            }
            rc = row_day(st, vid, &day, err);
            if (rc != TK_OK)
                break;
            if (pass == 0) {
                int y, m, d;
                if (day < cal->first || day > cal->last)
                    continue;
                tk_civil_from_days(day, &y, &m, &d);
                covered[y - TK_CALENDAR_FIRST_YEAR] = 1;
            } else if (day >= lo && day <= hi) {
                struct dayent *e = &cal->days[day - cal->first];
                rc = row_name(cal, st, 1, H_LISTED, &e->hol, err);
                e->flags |= TK_CALENDAR_F_HOLIDAY | TK_CALENDAR_F_LISTED;
            }
        }
        if (rc != TK_OK || pass > 0)
            break;
        /* Between the passes: clear the computed holidays of the covered
         * years, inside [lo, hi]. */
        for (int y = TK_CALENDAR_FIRST_YEAR; y <= TK_CALENDAR_LAST_YEAR; y++) {
            if (!covered[y - TK_CALENDAR_FIRST_YEAR])
                continue;
            int64_t a = tk_days_from_civil(y, 1, 1), b = tk_days_from_civil(y, 12, 31);
            a = a < lo ? lo : a;
            b = b > hi ? hi : b;
            for (int64_t day = a; day <= b; day++) {
                struct dayent *e = &cal->days[day - cal->first];
                e->flags = (uint8_t)((e->flags & ~TK_CALENDAR_F_HOLIDAY) | TK_CALENDAR_F_LISTED);
                e->hol = 0;
            }
        }
    }
    return rc;
}

/* Appends a scoped row. */
static int add_scoped(tk_calendar *cal, const struct scoped *r, tk_error *err)
{
    if (cal->nsc == cal->capsc) {
        const size_t cap = cal->capsc ? cal->capsc * 2 : 16;
        struct scoped *sc = NULL;
        size_t bytes;
        if (tk_mul_size(cap, sizeof *sc, &bytes))
            sc = tk_realloc(cal->sc, bytes);
        if (sc == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory for calendar rows");
        cal->sc = sc;
        cal->capsc = cap;
    }
    cal->sc[cal->nsc++] = *r;
    return TK_OK;
}

static int scoped_cmp(const void *a, const void *b)
{
    const struct scoped *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->dept > y->dept) - (x->dept < y->dept);
}

/* Applies version vid of kind `calendar` to the days [lo, hi]. A row for
 * every 所属 sets the day's flags (and, with hours, becomes a scoped row of
 * dept 0); a row naming a 所属 only becomes a scoped row, so that other
 * 所属 still see the day as the rest of the calendar makes it. */
static int apply_city(tk_calendar *cal, tk_db *db, sqlite3_stmt *st, int64_t vid, int64_t lo,
                      int64_t hi, tk_error *err)
{
    int rc = TK_OK;

    sqlite3_reset(st);
    if (sqlite3_bind_int64(st, 1, vid) != SQLITE_OK)
        return tk_db_error(db, err, "binding a version");
    while (rc == TK_OK) {
        const int s = tk_db_step(db, st, err);
        int64_t day;
        if (s <= 0) {
            rc = s;
            break;
        }
        rc = row_day(st, vid, &day, err);
        if (rc != TK_OK || day < lo || day > hi)
            continue;
        const char *kind = (const char *)sqlite3_column_text(st, 2);
        unsigned f;
        if (kind != NULL && strcmp(kind, "closed") == 0)
            f = TK_CALENDAR_F_CITY_CLOSED;
        else if (kind != NULL && strcmp(kind, "open") == 0)
            f = TK_CALENDAR_F_CITY_OPEN;
        else
            continue; /* not a city day (the import never stores one here) */
        struct scoped r;
        memset(&r, 0, sizeof r);
        r.day = day;
        r.open = -1;
        if (sqlite3_column_type(st, 4) == SQLITE_INTEGER &&
            sqlite3_column_type(st, 5) == SQLITE_INTEGER) {
            const int64_t a = sqlite3_column_int64(st, 4), b = sqlite3_column_int64(st, 5);
            if (a < 0 || b > 1440 || a >= b)
                return tk_error_set(err, TK_EDB,
                                    "master_calendar: version %lld has hours %lld-%lld",
                                    (long long)vid, (long long)a, (long long)b);
            r.has_hours = 1;
            r.hours.start_min = (int)a;
            r.hours.end_min = (int)b;
            r.hours.lunch_start_min = r.hours.lunch_end_min = (int)a;
        }
        const char *dept = (const char *)sqlite3_column_text(st, 3);
        const size_t dlen = (size_t)sqlite3_column_bytes(st, 3);
        if (dept != NULL && dlen > 0) {
            rc = intern(cal, dept, dlen, &r.dept, err);
            if (rc == TK_OK)
                rc = row_name(cal, st, 1, 0, &r.name, err);
            r.open = f == TK_CALENDAR_F_CITY_OPEN;
            if (rc == TK_OK)
                rc = add_scoped(cal, &r, err);
            continue;
        }
        struct dayent *e = &cal->days[day - cal->first];
        e->flags = (uint8_t)(e->flags | f);
        rc = row_name(cal, st, 1, 0, &e->city, err);
        if (rc == TK_OK && r.has_hours)
            rc = add_scoped(cal, &r, err);
    }
    return rc;
}

/* Applies every version of kind (`holidays` or `calendar`). */
static int apply_kind(tk_calendar *cal, tk_db *db, const char *kind, tk_error *err)
{
    const int hol = strcmp(kind, "holidays") == 0;
    struct version *v = NULL;
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int rc;

    rc = read_versions(db, kind, &v, &n, err);
    if (rc != TK_OK || n == 0)
        goto done;
    rc = tk_db_prepare(db, &st,
                       "SELECT day, name, kind, dept, from_min, to_min FROM master_calendar"
                       " WHERE version_id = ?1",
                       err);
    for (size_t k = 0; k < n && rc == TK_OK; k++) {
        /* Version k governs [its effective day, the next one's); the first
         * also every day before it. */
        int64_t lo = k == 0 ? cal->first : v[k].from;
        int64_t hi = k + 1 < n ? v[k + 1].from - 1 : cal->last;
        lo = lo < cal->first ? cal->first : lo;
        hi = hi > cal->last ? cal->last : hi;
        if (lo > hi)
            continue;
        rc = hol ? apply_holidays(cal, db, st, v[k].id, lo, hi, err)
                 : apply_city(cal, db, st, v[k].id, lo, hi, err);
    }
done:
    sqlite3_finalize(st);
    tk_free(v);
    return rc;
}

int tk_calendar_create_default(tk_calendar **out, const tk_calendar_options *opts, tk_error *err)
{
    const int rc = cal_new(out, opts, err);
    if (rc == TK_OK)
        finish_all(*out);
    return rc;
}

int tk_calendar_load(tk_calendar **out, tk_tenant *t, const tk_calendar_options *opts,
                     tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    tk_calendar *cal = NULL;
    tk_calendar_settings *set = NULL;
    int rc = TK_OK;

    *out = NULL;
    if (opts == NULL) {
        rc = tk_calendar_settings_load(&set, t, err);
        if (rc != TK_OK)
            return rc;
        opts = tk_calendar_settings_options(set);
    }
    rc = cal_new(&cal, opts, err);
    if (rc == TK_OK)
        rc = apply_kind(cal, db, "holidays", err);
    if (rc == TK_OK)
        rc = apply_kind(cal, db, "calendar", err);
    if (rc != TK_OK)
        goto done;
    finish_all(cal);
    if (cal->nsc > 1)
        qsort(cal->sc, cal->nsc, sizeof *cal->sc, scoped_cmp);
    *out = cal;
    cal = NULL;
done:
    tk_calendar_destroy(cal);
    tk_calendar_settings_destroy(set);
    return rc;
}

/* ---- queries ----------------------------------------------------------- */

static struct dayent entry(const tk_calendar *cal, int64_t day)
{
    struct dayent e = {0, 0, 0, 0};
    if (day >= cal->first && day <= cal->last)
        return cal->days[day - cal->first];
    e.flags = (uint8_t)plain_flags(day);
    finish(&e);
    return e;
}

void tk_calendar_day_kind(const tk_calendar *cal, int64_t day, tk_calendar_day *out)
{
    const struct dayent e = entry(cal, day);
    out->open = (e.flags & FLAG_OPEN) != 0;
    out->reason = e.reason;
    out->flags = e.flags & ~FLAG_OPEN;
    out->holiday = (e.flags & TK_CALENDAR_F_HOLIDAY) ? cal->names[e.hol] : NULL;
    switch (e.reason) {
    case TK_CALENDAR_DAY_CITY_OPEN:
    case TK_CALENDAR_DAY_CITY_CLOSED:
        out->name = cal->names[e.city];
        break;
    case TK_CALENDAR_DAY_HOLIDAY:
        out->name = out->holiday;
        break;
    case TK_CALENDAR_DAY_YEAR_END:
        out->name = "年末年始";
        break;
    default:
        out->name = NULL;
        break;
    }
}

int tk_calendar_is_open(const tk_calendar *cal, int64_t day)
{
    if (day >= cal->first && day <= cal->last)
        return (cal->days[day - cal->first].flags & FLAG_OPEN) != 0;
    return (entry(cal, day).flags & FLAG_OPEN) != 0;
}

const tk_calendar_hours *tk_calendar_hours_for(const tk_calendar *cal, const char *dept, size_t len)
{
    if (dept != NULL) {
        const int64_t *v = tk_strmap_get(cal->depts, dept, len);
        if (v != NULL)
            return &cal->hours[*v];
    }
    return &cal->hours[0];
}

int tk_calendar_slot(const tk_calendar *cal, const tk_calendar_hours *h, int64_t unix_ms)
{
    const int m = tk_jst_ms_of_day(unix_ms) / 60000;
    const int ns = cal->night_start, ne = cal->night_end;
    if (h == NULL)
        h = &cal->hours[0];
    if (m >= h->start_min && m < h->end_min)
        return m >= h->lunch_start_min && m < h->lunch_end_min ? TK_CALENDAR_SLOT_LUNCH
                                                               : TK_CALENDAR_SLOT_IN_HOURS;
    if (ns < ne ? (m >= ns && m < ne) : ns > ne ? (m >= ns || m < ne) : 0)
        return TK_CALENDAR_SLOT_NIGHT;
    return m < h->start_min ? TK_CALENDAR_SLOT_EARLY : TK_CALENDAR_SLOT_EVENING;
}

int tk_calendar_classify_hours(const tk_calendar *cal, const tk_calendar_hours *h, int64_t unix_ms)
{
    if (!tk_calendar_is_open(cal, tk_jst_day(unix_ms)))
        return TK_CALENDAR_SLOT_CLOSED_DAY;
    return tk_calendar_slot(cal, h, unix_ms);
}

/* The scoped row of (day, dept index), or NULL. */
static const struct scoped *find_scoped(const tk_calendar *cal, int64_t day, uint16_t dept)
{
    size_t lo = 0, hi = cal->nsc;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const struct scoped *r = &cal->sc[mid];
        if (r->day < day || (r->day == day && r->dept < dept))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < cal->nsc && cal->sc[lo].day == day && cal->sc[lo].dept == dept)
        return &cal->sc[lo];
    return NULL;
}

void tk_calendar_dept_day_kind(const tk_calendar *cal, int64_t day, const char *dept, size_t len,
                               tk_calendar_dept_day *out)
{
    const tk_calendar_hours *own = tk_calendar_hours_for(cal, dept, len);
    out->open = tk_calendar_is_open(cal, day);
    out->scoped = 0;
    out->name = NULL;
    out->hours = own;
    out->hours_from = own == &cal->hours[0] ? TK_CALENDAR_HOURS_DEFAULT : TK_CALENDAR_HOURS_DEPT;
    if (cal->nsc == 0)
        return;
    const struct scoped *all = find_scoped(cal, day, 0);
    if (all != NULL && all->has_hours) {
        out->hours = &all->hours;
        out->hours_from = TK_CALENDAR_HOURS_DAY;
    }
    const int64_t *v = dept != NULL && len > 0 ? tk_strmap_get(cal->interned, dept, len) : NULL;
    const struct scoped *r = v != NULL ? find_scoped(cal, day, (uint16_t)*v) : NULL;
    if (r == NULL)
        return;
    out->open = r->open;
    out->scoped = 1;
    out->name = r->name ? cal->names[r->name] : NULL;
    if (r->has_hours) {
        out->hours = &r->hours;
        out->hours_from = TK_CALENDAR_HOURS_DAY;
    }
}

int tk_calendar_classify(const tk_calendar *cal, const char *dept, size_t len, int64_t unix_ms)
{
    tk_calendar_dept_day dd;
    tk_calendar_dept_day_kind(cal, tk_jst_day(unix_ms), dept, len, &dd);
    if (!dd.open)
        return TK_CALENDAR_SLOT_CLOSED_DAY;
    return tk_calendar_slot(cal, dd.hours, unix_ms);
}

const char *tk_calendar_hours_from_code(int from)
{
    static const char *const codes[] = {"default", "dept", "calendar"};
    if (from < 0 || (size_t)from >= sizeof codes / sizeof codes[0])
        return "?";
    return codes[from];
}

/* ---- hours as text ----------------------------------------------------- */

/* Parses H:MM or HH:MM (0:00-24:00) at p[*i..len), advancing *i. */
static int parse_hm(const char *p, size_t len, size_t *i, int *out)
{
    int h = 0, m = 0;
    size_t k = *i, nd = 0;
    while (k < len && p[k] >= '0' && p[k] <= '9' && nd < 2) {
        h = h * 10 + (p[k++] - '0');
        nd++;
    }
    if (nd == 0 || k + 3 > len || p[k] != ':' || p[k + 1] < '0' || p[k + 1] > '5' ||
        p[k + 2] < '0' || p[k + 2] > '9')
        return 0;
    m = (p[k + 1] - '0') * 10 + (p[k + 2] - '0');
    if (h > 24 || (h == 24 && m > 0))
        return 0;
    *out = h * 60 + m;
    *i = k + 3;
    return 1;
}

/* Parses START-END at p[*i..len). */
static int parse_range(const char *p, size_t len, size_t *i, int *a, int *b)
{
    if (!parse_hm(p, len, i, a) || *i >= len || p[*i] != '-')
        return 0;
    (*i)++;
    return parse_hm(p, len, i, b);
}

int tk_calendar_parse_hours(const char *p, size_t len, tk_calendar_hours *out, tk_error *err)
{
    const int shown = len > 40 ? 40 : (int)len;
    tk_calendar_hours h;
    size_t i = 0;
    if (!parse_range(p, len, &i, &h.start_min, &h.end_min))
        return tk_error_set(err, TK_EINVAL,
                            "hours \"%.*s\": expected START-END or START-END/LUNCHSTART-LUNCHEND "
                            "with times as H:MM (e.g. 8:30-17:15/12:00-13:00)",
                            shown, p);
    h.lunch_start_min = h.lunch_end_min = h.start_min;
    if (i < len) {
        if (p[i] != '/' || (i++, !parse_range(p, len, &i, &h.lunch_start_min, &h.lunch_end_min)) ||
            i != len)
            return tk_error_set(err, TK_EINVAL,
                                "hours \"%.*s\": expected START-END or "
                                "START-END/LUNCHSTART-LUNCHEND with times as H:MM (e.g. "
                                "8:30-17:15/12:00-13:00)",
                                shown, p);
    }
    if (h.start_min >= h.end_min)
        return tk_error_set(err, TK_EINVAL, "hours \"%.*s\": the hours end before they start",
                            shown, p);
    if (h.lunch_start_min != h.lunch_end_min &&
        (h.lunch_start_min > h.lunch_end_min || h.lunch_start_min < h.start_min ||
         h.lunch_end_min > h.end_min))
        return tk_error_set(err, TK_EINVAL,
                            "hours \"%.*s\": the lunch break must lie within the hours", shown, p);
    *out = h;
    return TK_OK;
}

void tk_calendar_format_hours(const tk_calendar_hours *h, char *buf, size_t cap)
{
    if (h->lunch_start_min == h->lunch_end_min)
        snprintf(buf, cap, "%d:%02d-%d:%02d", h->start_min / 60, h->start_min % 60, h->end_min / 60,
                 h->end_min % 60);
    else
        snprintf(buf, cap, "%d:%02d-%d:%02d/%d:%02d-%d:%02d", h->start_min / 60, h->start_min % 60,
                 h->end_min / 60, h->end_min % 60, h->lunch_start_min / 60, h->lunch_start_min % 60,
                 h->lunch_end_min / 60, h->lunch_end_min % 60);
}

const char *tk_calendar_reason_code(int reason)
{
    static const char *const codes[] = {"weekday", "city_open", "city_closed",
                                        "holiday", "year_end",  "weekend"};
    if (reason < 0 || (size_t)reason >= sizeof codes / sizeof codes[0])
        return "?";
    return codes[reason];
}

const char *tk_calendar_slot_code(int slot)
{
    static const char *const codes[] = {"in_hours", "lunch", "early",
                                        "evening",  "night", "closed_day"};
    if (slot < 0 || (size_t)slot >= sizeof codes / sizeof codes[0])
        return "?";
    return codes[slot];
}

/* ---- hours settings ----------------------------------------------------
 *
 * Table calendar_hours, owned here: one row per version, never updated or
 * deleted; the newest row is in force. A row's doc holds the whole setting
 * as lines "所属<TAB>hours", the tenant default on a line whose 所属 is
 * empty (absent: TK_CALENDAR_HOURS_INIT), so a version reads without its
 * predecessors. The table is made on the first set; readers treat a store
 * without it as one at the defaults. */

struct tk_calendar_settings {
    int64_t version;
    int default_set;
    tk_calendar_options opts;
    tk_calendar_dept_hours *depts; /* opts.depts; dept strings owned */
    size_t cap;
};

static int settings_new(tk_calendar_settings **out, tk_error *err)
{
    static const tk_calendar_options init = TK_CALENDAR_OPTIONS_INIT;
    tk_calendar_settings *s = tk_calloc(1, sizeof *s);
    *out = s;
    if (s == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for hours settings");
    s->opts = init;
    return TK_OK;
}

void tk_calendar_settings_destroy(tk_calendar_settings *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->opts.ndepts; i++)
        tk_free((char *)s->depts[i].dept);
    tk_free(s->depts);
    tk_free(s);
}

const tk_calendar_options *tk_calendar_settings_options(const tk_calendar_settings *s)
{
    return &s->opts;
}

int64_t tk_calendar_settings_version(const tk_calendar_settings *s)
{
    return s->version;
}

int tk_calendar_settings_default_set(const tk_calendar_settings *s)
{
    return s->default_set;
}

static size_t find_dept(const tk_calendar_settings *s, const char *dept, size_t len)
{
    for (size_t i = 0; i < s->opts.ndepts; i++)
        if (strlen(s->depts[i].dept) == len && memcmp(s->depts[i].dept, dept, len) == 0)
            return i;
    return SIZE_MAX;
}

int tk_calendar_settings_put(tk_calendar_settings *s, const char *dept, size_t len,
                             const tk_calendar_hours *h, tk_error *err)
{
    static const tk_calendar_hours init = TK_CALENDAR_HOURS_INIT;
    if (dept == NULL) {
        s->opts.hours = h ? *h : init;
        s->default_set = h != NULL;
        return TK_OK;
    }
    if (len == 0 || memchr(dept, '\t', len) || memchr(dept, '\n', len) || memchr(dept, '\0', len))
        return tk_error_set(err, TK_EINVAL,
                            "所属 \"%.*s\": expected a non-empty name without tabs "
                            "or line breaks",
                            (int)(len > 80 ? 80 : len), dept);
    const size_t i = find_dept(s, dept, len);
    if (h == NULL) {
        if (i == SIZE_MAX)
            return tk_error_set(err, TK_ENOTFOUND, "所属 \"%.*s\" has no hours of its own",
                                (int)(len > 80 ? 80 : len), dept);
        tk_free((char *)s->depts[i].dept);
        memmove(&s->depts[i], &s->depts[i + 1], (s->opts.ndepts - i - 1) * sizeof *s->depts);
        s->opts.ndepts--;
        s->opts.depts = s->depts;
        return TK_OK;
    }
    if (i != SIZE_MAX) {
        s->depts[i].hours = *h;
        return TK_OK;
    }
    if (s->opts.ndepts == s->cap) {
        const size_t cap = s->cap ? s->cap * 2 : 8;
        tk_calendar_dept_hours *d = NULL;
        size_t bytes;
        if (tk_mul_size(cap, sizeof *d, &bytes))
            d = tk_realloc(s->depts, bytes);
        if (d == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory for hours settings");
        s->depts = d;
        s->cap = cap;
    }
    char *name = tk_calloc(len + 1, 1);
    if (name == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for hours settings");
    memcpy(name, dept, len);
    name[len] = '\0';
    s->depts[s->opts.ndepts].dept = name;
    s->depts[s->opts.ndepts].hours = *h;
    s->opts.ndepts++;
    s->opts.depts = s->depts;
    return TK_OK;
}

static int hours_table_exists(tk_db *db, int *exists, tk_error *err)
{
    int64_t n = 0;
    const int rc = tk_db_query_i64(
        db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'calendar_hours'",
        &n, err);
    *exists = rc == TK_OK && n > 0;
    return rc;
}

/* Parses a stored doc into s (fresh from settings_new). */
static int parse_doc(tk_calendar_settings *s, int64_t id, const char *doc, size_t len,
                     tk_error *err)
{
    size_t i = 0;
    int rc = TK_OK;
    while (i < len && rc == TK_OK) {
        const char *nl = memchr(doc + i, '\n', len - i);
        const size_t end = nl ? (size_t)(nl - doc) : len;
        const char *tab = memchr(doc + i, '\t', end - i);
        tk_calendar_hours h;
        if (tab == NULL)
            return tk_error_set(err, TK_EDB, "calendar_hours: version %lld: a line without a tab",
                                (long long)id);
        const size_t t = (size_t)(tab - doc);
        rc = tk_calendar_parse_hours(tab + 1, end - t - 1, &h, err);
        if (rc == TK_OK)
            rc = tk_calendar_settings_put(s, t > i ? doc + i : NULL, t - i, &h, err);
        if (rc != TK_OK) {
            tk_error_prefix(err, "calendar_hours: version %lld", (long long)id);
            if (rc != TK_ENOMEM && err != NULL)
                err->code = TK_EDB;
            return rc == TK_ENOMEM ? rc : TK_EDB;
        }
        i = end + 1;
    }
    return rc;
}

int tk_calendar_settings_load(tk_calendar_settings **out, tk_tenant *t, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    tk_calendar_settings *s = NULL;
    sqlite3_stmt *st = NULL;
    int exists = 0;
    int rc;

    *out = NULL;
    rc = settings_new(&s, err);
    if (rc == TK_OK)
        rc = hours_table_exists(db, &exists, err);
    if (rc == TK_OK && exists) {
        rc = tk_db_prepare(db, &st, "SELECT id, doc FROM calendar_hours ORDER BY id DESC LIMIT 1",
                           err);
        const int step = rc == TK_OK ? tk_db_step(db, st, err) : rc;
        if (step == 1) {
            s->version = sqlite3_column_int64(st, 0);
            const char *doc = (const char *)sqlite3_column_text(st, 1);
            rc = parse_doc(s, s->version, doc ? doc : "", (size_t)sqlite3_column_bytes(st, 1), err);
        } else {
            rc = step;
        }
    }
    sqlite3_finalize(st);
    if (rc == TK_OK)
        rc = check_options(&s->opts, err);
    if (rc != TK_OK) {
        tk_calendar_settings_destroy(s);
        return rc;
    }
    *out = s;
    return TK_OK;
}

int tk_calendar_settings_store(tk_calendar_settings *s, tk_tenant *t, const char *change,
                               const char *by, int64_t unix_ms, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    sqlite3_stmt *st = NULL;
    char line[512];
    char *doc = NULL;
    size_t len = 0, cap = 0;
    int rc = check_options(&s->opts, err);

    for (size_t i = 0; rc == TK_OK && i <= s->opts.ndepts; i++) {
        char hb[48];
        if (i == 0 && !s->default_set)
            continue;
        tk_calendar_format_hours(i == 0 ? &s->opts.hours : &s->depts[i - 1].hours, hb, sizeof hb);
        const char *name = i == 0 ? "" : s->depts[i - 1].dept;
        const size_t nl = strlen(name);
        const int n = snprintf(line, sizeof line, "\t%s\n", hb);
        size_t need;
        if (!tk_add_size(len, nl + (size_t)n + 1, &need)) {
            rc = tk_error_set(err, TK_ENOMEM, "hours settings too large");
            break;
        }
        if (need > cap) {
            const size_t ncap = need * 2;
            char *d = tk_realloc(doc, ncap);
            if (d == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory for hours settings");
                break;
            }
            doc = d;
            cap = ncap;
        }
        memcpy(doc + len, name, nl);
        memcpy(doc + len + nl, line, (size_t)n);
        len += nl + (size_t)n;
    }
    if (rc == TK_OK)
        rc = tk_db_exec(db,
                        "CREATE TABLE IF NOT EXISTS calendar_hours("
                        " id INTEGER PRIMARY KEY,"
                        " created_at INTEGER NOT NULL," /* Unix ms */
                        " created_by TEXT,"
                        " change TEXT NOT NULL,"
                        " doc TEXT NOT NULL)",
                        err);
    if (rc == TK_OK)
        rc = tk_db_prepare(db, &st,
                           "INSERT INTO calendar_hours(created_at, created_by, change, doc)"
                           " VALUES(?1, ?2, ?3, ?4)",
                           err);
    if (rc == TK_OK &&
        (sqlite3_bind_int64(st, 1, unix_ms) != SQLITE_OK ||
         (by != NULL && *by ? sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC)
                            : sqlite3_bind_null(st, 2)) != SQLITE_OK ||
         sqlite3_bind_text(st, 3, change, -1, SQLITE_STATIC) != SQLITE_OK ||
         sqlite3_bind_text(st, 4, doc ? doc : "", (int)len, SQLITE_STATIC) != SQLITE_OK))
        rc = tk_db_error(db, err, "binding hours settings");
    if (rc == TK_OK) {
        const int step = tk_db_step(db, st, err);
        rc = step < 0 ? step : TK_OK;
    }
    if (rc == TK_OK)
        s->version = sqlite3_last_insert_rowid(tk_db_handle(db));
    sqlite3_finalize(st);
    tk_free(doc);
    return rc;
}

int tk_calendar_settings_history(tk_tenant *t, tk_calendar_settings_fn fn, void *ctx, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    sqlite3_stmt *st = NULL;
    int exists = 0;
    int rc = hours_table_exists(db, &exists, err);
    if (rc != TK_OK || !exists)
        return rc;
    rc = tk_db_prepare(db, &st,
                       "SELECT id, created_at, created_by, change FROM calendar_hours"
                       " ORDER BY id DESC",
                       err);
    while (rc == TK_OK) {
        const int step = tk_db_step(db, st, err);
        if (step <= 0) {
            rc = step;
            break;
        }
        tk_calendar_settings_entry e;
        e.version = sqlite3_column_int64(st, 0);
        e.created_at = sqlite3_column_int64(st, 1);
        e.by = (const char *)sqlite3_column_text(st, 2);
        e.change = (const char *)sqlite3_column_text(st, 3);
        rc = fn(ctx, &e);
    }
    sqlite3_finalize(st);
    return rc;
}
