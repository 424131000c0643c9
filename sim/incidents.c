/* sim/incidents.c -- planted incidents, hard negatives and their truth rows.
 *
 * Approach. After the baseline, small table-driven functions (injectors[])
 * add events on top of it, each with one truth row saying what was planted,
 * for whom, when, and which rule should see it. Nearly all land in the
 * inspection period (the last two calendar months) and are deliberately
 * subtle: a 3x spike, a handful of lookups, a burst of 30 residents in 10
 * minutes. Each injector picks its staff with a predicate (pick_staff),
 * untouched staff first, and marks them used so that two cases do not
 * blur into one. Hard negatives (busy seasons, transfers and hires,
 * approved overtime, training accounts on fictitious residents) look
 * suspicious but are explained by the master data; they are labelled as
 * such in truth.csv. Every draw comes from the incident stream, so adding
 * an incident kind does not shift the baseline. */
#include "sim/incidents.h"

#include <stdio.h>
#include <string.h>

#include "sim/behaviour.h"
#include "src/alloc.h"

static idstr hm(int sec)
{
    idstr o;
    snprintf(o.s, sizeof o.s, "%02d:%02d", sec / 3600, sec / 60 % 60);
    return o;
}
/* The system a section mostly works in. */
static size_t main_sys(size_t dept, size_t sect)
{
    const sectdef *sc = tk_city_sect_def(dept, sect);
    size_t best = 0;
    for (size_t i = 1; i < 4; i++)
        if (sc->w[i].sys >= 0 && sc->w[i].w > sc->w[best].w)
            best = i;
    return (size_t)sc->w[best].sys;
}

typedef int (*staff_ok)(const tk_city *g, size_t i, const void *ctx);

/* A staff member accepted by ok: untouched ones first, then ones already used by another
 * incident, never the reserved special cases. SIZE_MAX if nobody fits. */
static size_t pick_staff(tk_city *g, staff_ok ok, const void *ctx)
{
    for (int pass = 0; pass < 2; pass++) {
        const size_t first = tk_rng_index(&g->ri, g->nst);
        for (size_t k = 0; k < g->nst; k++) {
            const size_t i = (first + k) % g->nst;
            const staff *s = &g->st[i];
            if (s->reserved == RS_SPECIAL || (pass == 0 && s->reserved != RS_FREE))
                continue;
            if (s->retired != DAY_NONE || s->leave_from != DAY_NONE || s->hired > g->insp_from)
                continue;
            if (ok(g, i, ctx))
                return i;
        }
    }
    return SIZE_MAX;
}

static int ok_system_clerk(const tk_city *g, size_t i, const void *ctx)
{
    (void)ctx;
    return dept_has_systems(g->st[i].dept) && g->st[i].role != ROLE_MANAGER;
}

static int ok_busy_clerk(const tk_city *g, size_t i, const void *ctx)
{
    return ok_system_clerk(g, i, ctx) && g->st[i].vol >= 25;
}

static int ok_dept(const tk_city *g, size_t i, const void *ctx)
{
    return g->st[i].dept == *(const size_t *)ctx && g->st[i].role != ROLE_MANAGER;
}

/* Lookup-level access to 住民基本台帳 from outside 市民課. */
static int ok_juki_outsider(const tk_city *g, size_t i, const void *ctx)
{
    (void)ctx;
    const size_t d = g->st[i].dept;
    return d != D_SHIMIN && tk_city_auth_of(d, SYS_JUKI) != NULL && g->st[i].role != ROLE_MANAGER;
}

/* Outside the departments responsible for watch-list residents (市民課, 税務課). */
static int ok_watch_outsider(const tk_city *g, size_t i, const void *ctx)
{
    return ok_juki_outsider(g, i, ctx) && g->st[i].dept != D_ZEIMU;
}

static int ok_juki_no_mynum(const tk_city *g, size_t i, const void *ctx)
{
    (void)ctx;
    const authdef *a = tk_city_auth_of(g->st[i].dept, SYS_JUKI);
    return a != NULL && !a->mynum && g->st[i].role != ROLE_MANAGER;
}

static int ok_lives_here(const tk_city *g, size_t i, const void *ctx)
{
    const int family = *(const int *)ctx;
    const staff *s = &g->st[i];
    if (s->own_res == NONE32 || !tk_city_auth_of(s->dept, SYS_JUKI))
        return 0;
    return !family || g->hh[g->res[s->own_res].hh].n > 1;
}

static int ok_has_device(const tk_city *g, size_t i, const void *ctx)
{
    (void)ctx;
    return dept_has_systems(g->st[i].dept) && tk_behaviour_device_of_dept(g->st[i].dept) < NDEV &&
           g->st[i].role != ROLE_MANAGER;
}

static void reserve(tk_city *g, size_t s)
{
    if (g->st[s].reserved == RS_FREE)
        g->st[s].reserved = RS_INCIDENT;
}

/* A random ordinary open day in [lo, hi] on which s works a normal day (present at 9:00, no
 * overtime when late_ok is 0); DAY_NONE if none is found. */
static int32_t pick_work_day(tk_city *g, size_t s, int32_t lo, int32_t hi, int late_ok)
{
    if (lo < g->from)
        lo = g->from;
    if (hi > g->to)
        hi = g->to;
    if (hi < lo)
        return DAY_NONE;
    for (int tries = 0; tries < 300; tries++) {
        const int32_t d = lo + (int32_t)tk_rng_below(&g->ri, (uint32_t)(hi - lo + 1));
        if (!is_workday(g, d) || d == g->gap_day)
            continue;
        const size_t sdi = sd_index(g, s, d);
        if (g->son[sdi] < 0 || g->son[sdi] > 9 * 60 || g->soff[sdi] < HOURS_TO)
            continue;
        if (!late_ok && g->soff[sdi] > HOURS_TO)
            continue;
        return d;
    }
    return DAY_NONE;
}

static void incident_window(const tk_city *g, int hist, int32_t *lo, int32_t *hi)
{
    *lo = hist ? g->from + 7 : g->insp_from;
    *hi = hist ? g->insp_from - 1 : g->to;
}

/* A resident of pool p with no special flag, outside s's household. */
static uint32_t plain_subject(tk_city *g, size_t p, size_t s)
{
    for (int tries = 0; tries < 100; tries++) {
        const uint32_t c = g->pool[p][tk_rng_index(&g->ri, g->npool[p])];
        if (!g->res[c].flags && !tk_behaviour_same_household(g, &g->st[s], c))
            return c;
    }
    return g->pool[p][0];
}

/* n lookups by s on sys starting at sec, gaps in [gap_lo, gap_hi] seconds; fixed subject unless
 * res is NONE32. Returns the second after the last event. */
static int add_lookups(tk_city *g, size_t s, size_t term, size_t sys, int32_t day, int sec, int n,
                       int gap_lo, int gap_hi, uint32_t res)
{
    for (int k = 0; k < n; k++) {
        const uint32_t subj = res != NONE32 ? res : plain_subject(g, tk_city_systems[sys].pool, s);
        tk_behaviour_add_ev(g, s, term, sys, (size_t)tk_behaviour_pick_fn(&g->ri, sys, FC_LOOK),
                            subj, at(day, sec), 1, 0);
        sec += tk_rng_range(&g->ri, gap_lo, gap_hi);
    }
    return sec;
}

/* Calls fn on every business event of day: the day's slice of the baseline (which the
 * simulation wrote in day order) and the injected events after it. */
static void each_event_of_day(tk_city *g, int32_t day, void (*fn)(tk_city *g, bev *e, void *ctx),
                              void *ctx)
{
    const size_t d = (size_t)(day - g->from);
    for (size_t e = g->day_ev[d]; e < g->day_ev[d + 1]; e++)
        fn(g, &g->ev[e], ctx);
    for (size_t e = g->nev_base; e < g->nev; e++)
        if (g->ev[e].t / 86400 == day)
            fn(g, &g->ev[e], ctx);
}

/* Residents s looked up (or searched) on day so far, distinct, into seen (cap entries);
 * returns how many. */
typedef struct seenctx {
    size_t s, n, cap;
    uint32_t *seen;
} seenctx;

static void note_subject(tk_city *g, bev *x, void *vctx)
{
    seenctx *c = vctx;
    if (x->staff != c->s || x->res == NONE32)
        return;
    const int op = tk_city_systems[x->sys].fn[x->fn].op;
    if (op != OP_LOOKUP && op != OP_SEARCH)
        return;
    (void)g;
    for (size_t k = 0; k < c->n; k++)
        if (c->seen[k] == x->res)
            return;
    if (c->n < c->cap)
        c->seen[c->n++] = x->res;
}

static size_t day_subjects(tk_city *g, size_t s, int32_t day, uint32_t *seen, size_t cap)
{
    seenctx c = {s, 0, cap, seen};
    each_event_of_day(g, day, note_subject, &c);
    return c.n;
}

/* A plain resident of pool p not yet in seen; appended to seen. */
static uint32_t distinct_subject(tk_city *g, size_t p, size_t s, uint32_t *seen, size_t *nseen,
                                 size_t cap)
{
    uint32_t c = NONE32;
    for (int tries = 0; tries < 200; tries++) {
        c = plain_subject(g, p, s);
        int dup = 0;
        for (size_t k = 0; k < *nseen && !dup; k++)
            dup = seen[k] == c;
        if (!dup)
            break;
    }
    if (*nseen < cap)
        seen[(*nseen)++] = c;
    return c;
}

/* Moves s's last logoff of the day to sec if that is later. */
static void extend_session(tk_city *g, size_t s, int32_t day, int sec)
{
    const int32_t idx = g->slog[sd_index(g, s, day)];
    if (idx >= 0 && g->tv[idx].t < at(day, sec))
        g->tv[idx].t = at(day, sec);
}

static void session(tk_city *g, size_t s, size_t term, int32_t day, int on, int off)
{
    tk_behaviour_add_tv(g, s, term, at(day, on), TK_LOGON);
    tk_behaviour_add_tv(g, s, term, at(day, off), TK_LOGOFF);
}

/* A registered terminal of dept that nobody sits at and no incident used yet; it is marked
 * used. SIZE_MAX if the department has none left. */
static size_t spare_terminal(tk_city *g, size_t dept)
{
    const size_t first = tk_rng_index(&g->ri, g->ntm);
    for (size_t k = 0; k < g->ntm; k++) {
        const size_t t = (first + k) % g->ntm;
        terminal *tm = &g->tm[t];
        if (tm->dept == dept && tm->registered && tm->special && !tm->busy) {
            tm->busy = 1;
            return t;
        }
    }
    return SIZE_MAX;
}

static int has_spare(const tk_city *g, size_t dept)
{
    for (size_t t = 0; t < g->ntm; t++)
        if (g->tm[t].dept == dept && g->tm[t].registered && g->tm[t].special && !g->tm[t].busy)
            return 1;
    return 0;
}

static int ok_spare_in_dept(const tk_city *g, size_t i, const void *ctx)
{
    return ok_system_clerk(g, i, ctx) && has_spare(g, g->st[i].dept);
}

/* A session from on - [lo1, hi1] to off + [lo2, hi2] seconds (two draws, in that order: one
 * draw per statement, because the order in which a compiler evaluates the arguments of a call
 * is unspecified and the output must not depend on it). */
static void session_around(tk_city *g, size_t s, size_t term, int32_t day, int on, int lo1, int hi1,
                           int off, int lo2, int hi2)
{
    const int before = tk_rng_range(&g->ri, lo1, hi1);
    const int after = tk_rng_range(&g->ri, lo2, hi2);
    session(g, s, term, day, on - before, off + after);
}

#define STAFF_DESC(g, s, day)                                                                      \
    tk_city_staff_id(g, s).s, tk_city_depts[dept_on(&(g)->st[s], day)].name

static void inj_after_hours(tk_city *g, int hist)
{
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    int32_t lo, hi;
    incident_window(g, hist, &lo, &hi);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, lo, hi, 0);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t sys = main_sys(dept_on(st, day), sect_on(st, day));
    const int start = tk_rng_range(&g->ri, 18 * 3600 + 40 * 60, 19 * 3600 + 50 * 60);
    const int n = tk_rng_range(&g->ri, 4, 9);
    const int end = add_lookups(g, s, term_on(st, day), sys, day, start, n, 60, 420, NONE32);
    extend_session(g, s, day, end + tk_rng_range(&g->ri, 60, 300));
    tk_city_truth_add(g, 0, "after_hours", "user", tk_city_staff_id(g, s).s, day, day, "1",
                      "職員%s(%s)が時間外勤務命令のない%s〜%sに%sで住民%d名を照会(更新・交付なし)",
                      STAFF_DESC(g, s, day), hm(start).s, hm(end).s, tk_city_systems[sys].name, n);
}

static void inj_night(tk_city *g, int hist)
{
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    int32_t lo, hi;
    incident_window(g, hist, &lo, &hi);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, lo, hi, 0);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t sys = main_sys(dept_on(st, day), sect_on(st, day)), term = term_on(st, day);
    const int start = tk_rng_range(&g->ri, 22 * 3600 + 5 * 60, 23 * 3600 + 10 * 60);
    const int n = tk_rng_range(&g->ri, 3, 6);
    const int end = add_lookups(g, s, term, sys, day, start, n, 45, 300, NONE32);
    session_around(g, s, term, day, start, 60, 200, end, 30, 120);
    tk_city_truth_add(g, 0, "night_access", "user", tk_city_staff_id(g, s).s, day, day, "1",
                      "職員%s(%s)が深夜%s〜%sに再ログオンし%sで住民%d名を照会",
                      STAFF_DESC(g, s, day), hm(start).s, hm(end).s, tk_city_systems[sys].name, n);
}

static void inj_closed_day(tk_city *g, int hist)
{
    int32_t lo, hi, day = DAY_NONE;
    incident_window(g, hist, &lo, &hi);
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX || hi < lo)
        return;
    for (int tries = 0; tries < 200 && day == DAY_NONE; tries++) {
        const int32_t d = lo + (int32_t)tk_rng_below(&g->ri, (uint32_t)(hi - lo + 1));
        if ((dflag(g, d) & DF_CLOSED) && d != g->elect_day && employed(&g->st[s], d))
            day = d;
    }
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t sys = main_sys(dept_on(st, day), sect_on(st, day)), term = term_on(st, day);
    const int start = tk_rng_range(&g->ri, 9 * 3600 + 30 * 60, 10 * 3600 + 30 * 60);
    const int n = tk_rng_range(&g->ri, 8, 16);
    const int end = add_lookups(g, s, term, sys, day, start, n, 90, 480, NONE32);
    session_around(g, s, term, day, start, 120, 600, end, 60, 600);
    tk_city_truth_add(g, 0, "closed_day", "user", tk_city_staff_id(g, s).s, day, day, "2",
                      "職員%s(%s)が閉庁日(%s)の%s〜%sに登庁し%sで住民%d名を照会",
                      STAFF_DESC(g, s, day),
                      g->dname[day - g->from] ? g->dname[day - g->from]
                                              : (wday_of(day) == 6 ? "土曜日" : "日曜日"),
                      hm(start).s, hm(end).s, tk_city_systems[sys].name, n);
}

/* Extra lookup-only subjects on one day: bulk (past the fixed threshold of 200 distinct
 * residents, by a busy clerk) or spike (about three times the clerk's own normal). */
static void inj_volume(tk_city *g, int bulk)
{
    size_t s = pick_staff(g, bulk ? ok_busy_clerk : ok_system_clerk, NULL);
    if (s == SIZE_MAX && bulk)
        s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t term = term_on(st, day);
    size_t sys = main_sys(dept_on(st, day), sect_on(st, day));
    if (g->npool[tk_city_systems[sys].pool] < 700 && tk_city_auth_of(dept_on(st, day), SYS_JUKI))
        sys = SYS_JUKI; /* hundreds of residents are more than a small caseload holds */
    uint32_t seen[1024];
    size_t nseen = day_subjects(g, s, day, seen, 256);
    const int typical = nseen > 8 ? (int)nseen : 8;
    int target = 3 * typical;
    if (bulk && target < 215)
        target = 215;
    const int extra = target - (int)nseen;
    for (int k = 0; k < extra; k++) {
        const int sec = tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
        const uint32_t r = distinct_subject(g, tk_city_systems[sys].pool, s, seen, &nseen, 1024);
        if (sec >= 0)
            add_lookups(g, s, term, sys, day, sec, 1, 0, 0, r);
    }
    tk_city_truth_add(
        g, 0, bulk ? "bulk_lookup" : "volume_spike", "user", tk_city_staff_id(g, s).s, day, day,
        "3;11",
        "職員%s(%s)が%sなどで1日に住民%d名を照会(本人の通常は1日%d名前後、追加分は照会のみ)",
        STAFF_DESC(g, s, day), tk_city_systems[sys].name, target, typical);
}

static void inj_bulk_lookup(tk_city *g, int hist)
{
    (void)hist;
    inj_volume(g, 1);
}

static void inj_spike(tk_city *g, int hist)
{
    (void)hist;
    inj_volume(g, 0);
}

/* A clerk who, from the first week of the inspection period to its end,
 * looks up about 60% more residents than usual every working day, lookups
 * only: no day stands out on its own (a day item needs ~3x), only the
 * weeks together do. */
static void inj_sustained(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX || g->to - g->insp_from < 35)
        return;
    const int32_t from = pick_work_day(g, s, g->insp_from, g->insp_from + 6, 1);
    if (from == DAY_NONE)
        return;
    const int32_t to = g->to;
    reserve(g, s);
    const staff *st = &g->st[s];
    size_t sys = main_sys(dept_on(st, from), sect_on(st, from));
    if (g->npool[tk_city_systems[sys].pool] < 700 && tk_city_auth_of(dept_on(st, from), SYS_JUKI))
        sys = SYS_JUKI; /* weeks of extra residents are more than a small caseload holds */
    int days = 0, added = 0, typical_sum = 0;
    for (int32_t day = from; day <= to; day++) {
        if (!is_workday(g, day) || g->son[sd_index(g, s, day)] < 0)
            continue;
        uint32_t seen[1024];
        size_t nseen = day_subjects(g, s, day, seen, 256);
        if (nseen == 0)
            continue;
        const int typical = nseen > 8 ? (int)nseen : 8;
        const int extra = (typical * tk_rng_range(&g->ri, 50, 70) + 50) / 100;
        for (int k = 0; k < extra; k++) {
            const int sec = tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
            const uint32_t r =
                distinct_subject(g, tk_city_systems[sys].pool, s, seen, &nseen, 1024);
            if (sec >= 0)
                add_lookups(g, s, term_on(st, day), sys, day, sec, 1, 0, 0, r);
        }
        days++;
        added += extra;
        typical_sum += typical;
    }
    if (days == 0)
        return;
    tk_city_truth_add(
        g, 0, "sustained_lookups", "user", tk_city_staff_id(g, s).s, from, to, "3;11",
        "職員%s(%s)が%s〜%sの%d日間、%sなどで毎日通常(1日%d名前後)の約1.6倍の住民を照会"
        "(追加%d名、照会のみ、1日ずつでは目立たない)",
        STAFF_DESC(g, s, from), tk_city_day_str(from).s, tk_city_day_str(to).s, days,
        tk_city_systems[sys].name, typical_sum / days, added);
}

static void inj_burst(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    const int sec = tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    size_t sys = main_sys(dept_on(st, day), sect_on(st, day));
    if (g->npool[tk_city_systems[sys].pool] < 300 && tk_city_auth_of(dept_on(st, day), SYS_JUKI))
        sys = SYS_JUKI; /* a burst needs more residents than a small caseload has */
    const int n = tk_rng_range(&g->ri, 30, 36);
    uint32_t seen[40];
    size_t nseen = 0;
    int end = sec;
    for (int k = 0; k < n; k++)
        end = add_lookups(g, s, term_on(st, day), sys, day, end, 1, 9, 17,
                          distinct_subject(g, tk_city_systems[sys].pool, s, seen, &nseen, 40));
    tk_city_truth_add(g, 0, "lookup_burst", "user", tk_city_staff_id(g, s).s, day, day, "4",
                      "職員%s(%s)が%s〜%sの約%d分間に%sで住民%d名を連続照会", STAFF_DESC(g, s, day),
                      hm(sec).s, hm(end).s, (end - sec) / 60 + 1, tk_city_systems[sys].name, n);
}

static void inj_repeated(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX || g->to - g->insp_from < 20)
        return;
    const staff *st = &g->st[s];
    const size_t sys = main_sys(st->dept, st->sect);
    const uint32_t r = plain_subject(g, tk_city_systems[sys].pool, s);
    const int32_t d0 =
        g->insp_from + (int32_t)tk_rng_below(&g->ri, (uint32_t)(g->to - g->insp_from - 19));
    int32_t days[4];
    size_t nd = 0;
    for (int32_t d = d0; d <= d0 + 25 && d <= g->to && nd < 4; d++) {
        if (pick_work_day(g, s, d, d, 1) == d && tk_rng_pm(&g->ri, 450))
            days[nd++] = d;
    }
    if (nd < 3)
        return;
    reserve(g, s);
    for (size_t k = 0; k < nd; k++) {
        const int sec = tk_behaviour_safe_time(g, &g->ri, s, days[k], (int)tk_rng_below(&g->ri, 2));
        if (sec >= 0)
            add_lookups(g, s, term_on(st, days[k]), sys, days[k], sec, tk_rng_range(&g->ri, 1, 2),
                        20, 90, r);
    }
    tk_city_truth_add(
        g, 0, "repeated_lookup", "user", tk_city_staff_id(g, s).s, days[0], days[nd - 1], "5;11",
        "職員%s(%s)が同一住民(宛名番号%s)を%zu日にわたり%sで照会。更新・交付などの処理なし",
        STAFF_DESC(g, s, days[0]), tk_city_res_id(g, r).s, nd, tk_city_systems[sys].name);
}

static void inj_many_staff(tk_city *g, int hist)
{
    (void)hist;
    if (g->to - g->insp_from < 10)
        return;
    const uint32_t r = plain_subject(g, P_KOKUHO, 0);
    const int32_t d0 =
        g->insp_from + (int32_t)tk_rng_below(&g->ri, (uint32_t)(g->to - g->insp_from - 8));
    const int want = tk_rng_range(&g->ri, 6, 7);
    int got = 0;
    unsigned dept_seen = 0;
    size_t chosen[8];
    char who[200] = "";
    for (int tries = 0; tries < 400 && got < want; tries++) {
        const size_t s = tk_rng_index(&g->ri, g->nst);
        const staff *st = &g->st[s];
        int dup = 0;
        for (int k = 0; k < got; k++)
            dup |= chosen[k] == s;
        if (dup || st->reserved == RS_SPECIAL || !ok_juki_outsider(g, s, NULL) ||
            (tries < 200 && (dept_seen >> st->dept) & 1u) || tk_behaviour_same_household(g, st, r))
            continue;
        const int32_t day = pick_work_day(g, s, d0, d0 + 6, 1);
        if (day == DAY_NONE)
            continue;
        const int sec = tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
        if (sec < 0)
            continue;
        dept_seen |= 1u << st->dept;
        add_lookups(g, s, term_on(st, day), SYS_JUKI, day, sec, tk_rng_range(&g->ri, 1, 2), 15, 60,
                    r);
        const size_t len = strlen(who);
        snprintf(who + len, sizeof who - len, "%s%s", got ? "・" : "",
                 tk_city_depts[st->dept].name);
        chosen[got++] = s;
    }
    if (got == 0)
        return;
    tk_city_truth_add(
        g, 0, "many_staff", "resident", tk_city_res_id(g, r).s, d0, d0 + 6, "6",
        "住民(宛名番号%s)を担当外の所属の職員%d名(%s)が7日以内に住民基本台帳で照会(横手市型)",
        tk_city_res_id(g, r).s, got, who);
}

static void inj_self_family(tk_city *g, int family)
{
    const size_t s = pick_staff(g, ok_lives_here, &family);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    const staff *st = &g->st[s];
    uint32_t r = st->own_res;
    if (family) {
        const household *h = &g->hh[g->res[r].hh];
        do
            r = h->first + tk_rng_below(&g->ri, h->n);
        while (r == st->own_res);
    }
    const int sec = tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = tk_rng_range(&g->ri, 1, 3);
    add_lookups(g, s, term_on(st, day), SYS_JUKI, day, sec, n, 15, 90, r);
    tk_city_truth_add(g, 0, family ? "family_lookup" : "self_lookup", "user",
                      tk_city_staff_id(g, s).s, day, day, "7",
                      family ? "職員%s(%s)が同一世帯の親族(宛名番号%s)を住民基本台帳で%d回照会"
                             : "職員%s(%s)が本人(宛名番号%s)の記録を住民基本台帳で%d回照会",
                      STAFF_DESC(g, s, day), tk_city_res_id(g, r).s, n);
}

static void inj_self(tk_city *g, int hist)
{
    (void)hist;
    inj_self_family(g, 0);
}

static void inj_family(tk_city *g, int hist)
{
    (void)hist;
    inj_self_family(g, 1);
}

static uint32_t flagged_resident(tk_city *g, int flag)
{
    for (int tries = 0; tries < 2000; tries++) {
        const uint32_t r = (uint32_t)tk_rng_index(&g->ri, g->nres);
        if (g->res[r].flags & flag)
            return r;
    }
    return NONE32;
}

static void inj_watch(tk_city *g, int hist)
{
    (void)hist;
    const uint32_t r = flagged_resident(g, R_WATCH);
    const size_t s = pick_staff(g, ok_watch_outsider, NULL);
    if (r == NONE32 || s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = tk_rng_range(&g->ri, 1, 3);
    add_lookups(g, s, term_on(&g->st[s], day), SYS_JUKI, day, sec, n, 20, 120, r);
    tk_city_truth_add(
        g, 0, "watchlist", "user", tk_city_staff_id(g, s).s, day, day, "9",
        "職員%s(%s)が担当外の著名人(宛名番号%s、要注意リスト登載)を住民基本台帳で%d回照会",
        STAFF_DESC(g, s, day), tk_city_res_id(g, r).s, n);
}

static void inj_dv(tk_city *g, int hist)
{
    (void)hist;
    const uint32_t r = flagged_resident(g, R_DV);
    const size_t s = pick_staff(g, ok_juki_outsider, NULL);
    if (r == NONE32 || s == SIZE_MAX || tk_behaviour_same_household(g, &g->st[s], r))
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = tk_rng_range(&g->ri, 1, 2);
    add_lookups(g, s, term_on(&g->st[s], day), SYS_JUKI, day, sec, n, 20, 120, r);
    tk_city_truth_add(
        g, 0, "dv_lookup", "user", tk_city_staff_id(g, s).s, day, day, "10",
        "職員%s(%s)がDV等支援措置対象者(宛名番号%s)を許可所属外から住民基本台帳で%d回照会",
        STAFF_DESC(g, s, day), tk_city_res_id(g, r).s, n);
}

static void inj_dv_issue(tk_city *g, int hist)
{
    (void)hist;
    const size_t dept = D_SHIMIN;
    const uint32_t r = flagged_resident(g, R_DV);
    const size_t s = pick_staff(g, ok_dept, &dept);
    if (r == NONE32 || s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const size_t term = term_on(&g->st[s], day);
    const int t = add_lookups(g, s, term, SYS_JUKI, day, sec, 1, 30, 90, r);
    tk_behaviour_add_ev(g, s, term, SYS_JUKI,
                        (size_t)tk_behaviour_find_fn(SYS_JUKI, OP_ISSUE, FC_PROC), r, at(day, t), 1,
                        0)
        ->note = 4;
    tk_city_truth_add(g, 0, "dv_issue", "user", tk_city_staff_id(g, s).s, day, day, "10",
                      "職員%s(%s)がDV等支援措置対象者(宛名番号%s)の住民票写しを交付(代理人請求)",
                      STAFF_DESC(g, s, day), tk_city_res_id(g, r).s);
}

static void inj_out_of_role(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_juki_outsider, NULL);
    if (s == SIZE_MAX)
        return;
    static const size_t targets[] = {SYS_SEIHO, SYS_SHOGAI, SYS_KAIGO, SYS_KOJIN, SYS_KOKUHO};
    size_t sys = SYS_COUNT;
    for (size_t k = 0; k < 5 && sys == SYS_COUNT; k++) {
        const size_t c = targets[(k + tk_rng_index(&g->ri, 5)) % 5];
        if (!tk_city_auth_of(g->st[s].dept, c))
            sys = c;
    }
    if (sys == SYS_COUNT)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = tk_rng_range(&g->ri, 3, 6);
    add_lookups(g, s, term_on(&g->st[s], day), sys, day, sec, n, 30, 240, NONE32);
    tk_city_truth_add(g, 0, "out_of_role", "user", tk_city_staff_id(g, s).s, day, day, "12",
                      "職員%s(%s)が所属に権限のない%sで住民%d名を照会", STAFF_DESC(g, s, day),
                      tk_city_systems[sys].name, n);
}

static int32_t next_workday(const tk_city *g, int32_t d)
{
    for (d++; d <= g->to; d++)
        if (is_workday(g, d))
            return d;
    return DAY_NONE;
}

static int list_fn(tk_city *g, size_t sys, int op)
{
    int fn = tk_behaviour_find_fn(sys, op, FC_LIST);
    if (fn < 0)
        fn = tk_behaviour_pick_fn(&g->ri, sys, FC_LIST);
    return fn;
}

static void inj_retired(tk_city *g, uint32_t s)
{
    if (s == NONE32)
        return;
    const staff *st = &g->st[s];
    const int32_t day = next_workday(g, st->retired);
    if (day == DAY_NONE)
        return;
    const size_t dept = dept_on(st, st->retired), term = term_on(st, st->retired);
    const size_t sys = main_sys(dept, sect_on(st, st->retired));
    const int start = tk_rng_range(&g->ri, 8 * 3600 + 40 * 60, 9 * 3600 + 20 * 60);
    const int n = tk_rng_range(&g->ri, 20, 40);
    int sec = add_lookups(g, s, term, sys, day, start, n, 20, 150, NONE32);
    const uint32_t cnt = (uint32_t)tk_rng_range(&g->ri, 150, 400);
    const int fn = list_fn(g, sys, OP_EXPORT);
    if (fn >= 0)
        tk_behaviour_add_ev(g, s, term, sys, (size_t)fn, NONE32, at(day, sec), cnt, 0);
    session_around(g, s, term, day, start, 60, 300, sec, 60, 300);
    tk_city_truth_add(
        g, 0, "retired_account", "user", tk_city_staff_id(g, s).s, day, day, "14;24",
        "%s付で退職した職員%s(元%s)のアカウントで翌開庁日に%sの住民%d名を照会し%u件を出力("
        "平塚市型)",
        tk_city_day_str(st->retired).s, tk_city_staff_id(g, s).s, tk_city_depts[dept].name,
        tk_city_systems[sys].name, n, cnt);
}

static void inj_transfer_old(tk_city *g, uint32_t s)
{
    if (s == NONE32)
        return;
    const staff *st = &g->st[s];
    const int32_t day = pick_work_day(g, s, st->transferred + 20, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    const size_t sys = main_sys(st->prev_dept, st->prev_sect);
    const int n = tk_rng_range(&g->ri, 3, 7);
    add_lookups(g, s, st->term, sys, day, sec, n, 30, 200, NONE32);
    tk_city_truth_add(g, 0, "transfer_old_system", "user", tk_city_staff_id(g, s).s, day, day,
                      "15;12",
                      "%sに%sから%sへ異動した職員%sが、異動後%d日目に旧所属の%sで住民%d名を照会",
                      tk_city_day_str(st->transferred).s, tk_city_depts[st->prev_dept].name,
                      tk_city_depts[st->dept].name, tk_city_staff_id(g, s).s, day - st->transferred,
                      tk_city_systems[sys].name, n);
}

static void inj_leave(tk_city *g, uint32_t s)
{
    if (s == NONE32)
        return;
    const staff *st = &g->st[s];
    int32_t lo = st->leave_from > g->insp_from ? st->leave_from : g->insp_from;
    int32_t day = DAY_NONE;
    for (int tries = 0; tries < 200 && day == DAY_NONE; tries++) {
        const int32_t d = lo + (int32_t)tk_rng_below(&g->ri, (uint32_t)(g->to - lo + 1));
        if (is_workday(g, d) && d != g->gap_day)
            day = d;
    }
    if (day == DAY_NONE)
        return;
    const size_t sys = main_sys(st->dept, st->sect);
    const int start = tk_rng_range(&g->ri, 10 * 3600, 15 * 3600);
    const int n = tk_rng_range(&g->ri, 3, 8);
    const int end = add_lookups(g, s, st->term, sys, day, start, n, 30, 300, NONE32);
    session_around(g, s, st->term, day, start, 60, 240, end, 30, 200);
    tk_city_truth_add(g, 0, "leave_account", "user", tk_city_staff_id(g, s).s, day, day, "16",
                      "休職中(%s〜)の職員%s(%s)のアカウントで%sの住民%d名を照会",
                      tk_city_day_str(st->leave_from).s, tk_city_staff_id(g, s).s,
                      tk_city_depts[st->dept].name, tk_city_systems[sys].name, n);
}

static void inj_failed_burst(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    int sec = (st->lunch + 10) * 60 + tk_rng_range(&g->ri, 0, 1200);
    const int n = tk_rng_range(&g->ri, 6, 9), start = sec;
    for (int k = 0; k < n; k++) {
        tk_behaviour_add_tv(g, s, term_on(st, day), at(day, sec), TK_FAIL);
        sec += tk_rng_range(&g->ri, 15, 50);
    }
    tk_city_truth_add(g, 0, "failed_logon_burst", "user", tk_city_staff_id(g, s).s, day, day, "17",
                      "職員%s(%s)のアカウントで昼休み中の%s〜%sに端末%sでログオン失敗が%d回連続",
                      STAFF_DESC(g, s, day), hm(start).s, hm(sec).s, g->tm[term_on(st, day)].name,
                      n);
}

static void inj_failed_spray(tk_city *g, int hist)
{
    (void)hist;
    const size_t dept = 1 + tk_rng_index(&g->ri, D_SENKYO);
    const size_t term = spare_terminal(g, dept);
    if (term == SIZE_MAX)
        return;
    int32_t day = DAY_NONE;
    for (int tries = 0; tries < 100 && day == DAY_NONE; tries++) {
        const int32_t d =
            g->insp_from + (int32_t)tk_rng_below(&g->ri, (uint32_t)(g->to - g->insp_from + 1));
        if (is_workday(g, d))
            day = d;
    }
    if (day == DAY_NONE)
        return;
    int sec = tk_rng_range(&g->ri, 18 * 3600 + 20 * 60, 19 * 3600 + 30 * 60);
    const int n = tk_rng_range(&g->ri, 10, 12), start = sec;
    const size_t first = tk_rng_index(&g->ri, g->nst);
    for (int k = 0; k < n; k++) { /* n different accounts */
        tk_behaviour_add_tv(g, (first + (size_t)k) % g->nst, term, at(day, sec), TK_FAIL);
        sec += tk_rng_range(&g->ri, 20, 45);
    }
    tk_city_truth_add(g, 0, "failed_logon_spray", "terminal", g->tm[term].name, day, day, "17",
                      "端末%s(%s)で%s〜%sに%d件の異なるアカウントによるログオン失敗",
                      g->tm[term].name, tk_city_depts[dept].name, hm(start).s, hm(sec).s, n);
}

static void inj_concurrent(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_spare_in_dept, NULL);
    if (s == SIZE_MAX)
        return;
    const staff *st = &g->st[s];
    const size_t t2 = spare_terminal(g, st->dept);
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (t2 == SIZE_MAX || sec < 0)
        return;
    reserve(g, s);
    const size_t sys = main_sys(st->dept, st->sect);
    const int end =
        add_lookups(g, s, t2, sys, day, sec, tk_rng_range(&g->ri, 3, 6), 120, 480, NONE32);
    session_around(g, s, t2, day, sec, 30, 120, end, 60, 300);
    tk_city_truth_add(
        g, 0, "concurrent_logon", "user", tk_city_staff_id(g, s).s, day, day, "18",
        "職員%s(%s)のアカウントが自席端末%sにログオン中、別端末%sにも%s頃から同時ログオンし照会",
        STAFF_DESC(g, s, day), g->tm[st->term].name, g->tm[t2].name, hm(sec).s);
}

/* 鴨川市型: one account used on terminals of other departments' systems on several days, one
 * of them a session left open for more than ten hours. */
static void inj_shared_id(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX || g->to - g->insp_from < 16)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const int32_t d0 =
        g->insp_from + (int32_t)tk_rng_below(&g->ri, (uint32_t)(g->to - g->insp_from - 14));
    int32_t first = DAY_NONE, last = DAY_NONE;
    int used = 0;
    char where[160] = "";
    for (int32_t d = d0; d <= d0 + 14 && used < 3; d++) {
        if (!is_workday(g, d) || d == g->gap_day || !tk_rng_pm(&g->ri, 400))
            continue;
        size_t dept;
        do
            dept = tk_rng_index(&g->ri, D_SENKYO + 1);
        while (dept == st->dept || !dept_has_systems(dept));
        const size_t sys = main_sys(dept, 0);
        if (tk_city_auth_of(st->dept, sys))
            continue;
        const size_t term = spare_terminal(g, dept);
        if (term == SIZE_MAX)
            continue;
        const int long_day = used == 0;
        const int on = long_day ? tk_rng_range(&g->ri, 8 * 3600 + 5 * 60, 8 * 3600 + 25 * 60)
                                : tk_rng_range(&g->ri, 9 * 3600 + 30 * 60, 14 * 3600);
        const int off = long_day ? tk_rng_range(&g->ri, 19 * 3600, 19 * 3600 + 40 * 60)
                                 : on + tk_rng_range(&g->ri, 3600, 2 * 3600);
        const int n = long_day ? tk_rng_range(&g->ri, 10, 16) : tk_rng_range(&g->ri, 4, 8);
        for (int k = 0; k < n; k++)
            add_lookups(g, s, term, sys, d,
                        on + 300 + (int)tk_rng_below(&g->ri, (uint32_t)(off - on - 600)), 1, 0, 0,
                        NONE32);
        session(g, s, term, d, on, off);
        const size_t len = strlen(where);
        snprintf(where + len, sizeof where - len, "%s%s(%s)", used ? "、" : "",
                 tk_city_depts[dept].name, tk_city_systems[sys].name);
        if (first == DAY_NONE)
            first = d;
        last = d;
        used++;
    }
    if (used == 0)
        return;
    tk_city_truth_add(
        g, 0, "shared_id", "user", tk_city_staff_id(g, s).s, first, last, "19;20;12;18",
        "職員%s(%s)のアカウントが他所属の端末で使用され、%sの業務を照会。初日は10時間超の"
        "連続ログオン(鴨川市型のID共用)",
        STAFF_DESC(g, s, first), where);
}

struct move_ctx {
    size_t s;
    uint16_t term;
    size_t n;
};

static void move_event(tk_city *g, bev *e, void *vctx)
{
    struct move_ctx *c = vctx;
    (void)g;
    if (e->staff == c->s) {
        e->term = c->term;
        c->n++;
    }
}

/* A private laptop: for one whole day a staff member works on a terminal the asset ledger does
 * not know; the day's own events and logons move to it. */
static void inj_unregistered(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    size_t nunreg = 0;
    for (size_t k = 0; k < g->ntm; k++)
        nunreg += !g->tm[k].registered;
    static const char an[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    terminal *t = tk_city_push_term(g);
    memcpy(t->name, "DESKTOP-", 8);
    for (size_t k = 0; k < 7; k++)
        t->name[8 + k] = an[tk_rng_below(&g->ri, (uint32_t)(sizeof an - 1))];
    t->name[15] = '\0';
    t->dept = g->st[s].dept;
    t->special = 1;
    t->registered = 0;
    t->busy = 1;
    t->ip3 = 250; /* outside every department's subnet */
    t->ip4 = (uint8_t)(10 + nunreg % 240);
    const uint16_t term = (uint16_t)(g->ntm - 1);
    struct move_ctx c = {s, term, 0};
    each_event_of_day(g, day, move_event, &c);
    const size_t n = c.n, d = (size_t)(day - g->from);
    for (size_t e = g->day_tv[d]; e < g->day_tv[d + 1]; e++)
        if (g->tv[e].staff == s)
            g->tv[e].term = term;
    tk_city_truth_add(
        g, 0, "unregistered_terminal", "terminal", t->name, day, day, "21",
        "端末台帳にない端末%s(10.10.250.%u)で職員%s(%s)が終日業務システムを利用(%zu件)", t->name,
        t->ip4, tk_city_staff_id(g, s).s, tk_city_depts[g->st[s].dept].name, n);
}

static void usb_copy(tk_city *g, size_t s, size_t term, size_t dev, int32_t day, int sec,
                     const char *file, uint64_t bytes, int nfiles)
{
    tk_behaviour_add_mv(g, s, term, dev, at(day, sec), MK_CONNECT, NULL, 0);
    for (int k = 0; k < nfiles; k++)
        tk_behaviour_add_mv(g, s, term, dev, at(day, sec + 20 + 40 * k), MK_COPY, file,
                            bytes + (uint64_t)k * 7919);
    tk_behaviour_add_mv(g, s, term, dev,
                        at(day, sec + 60 + 40 * nfiles + tk_rng_range(&g->ri, 0, 300)),
                        MK_DISCONNECT, NULL, 0);
}

static size_t unapproved_device(tk_city *g)
{
    size_t n = 0;
    for (size_t i = 0; i < NDEV; i++)
        n += tk_city_devdefs[i].dept < 0;
    size_t k = tk_rng_index(&g->ri, n);
    for (size_t i = 0; i < NDEV; i++)
        if (tk_city_devdefs[i].dept < 0 && k-- == 0)
            return i;
    return NDEV - 1;
}

static int media_used(const tk_city *g, size_t term, int32_t day)
{
    for (size_t e = 0; e < g->nmv; e++)
        if (g->mv[e].term == term && g->mv[e].t / 86400 == day)
            return 1;
    return 0;
}

static void inj_usb_after_hours(tk_city *g, int hist)
{
    const size_t s = pick_staff(g, ok_has_device, NULL);
    int32_t lo, hi;
    incident_window(g, hist, &lo, &hi);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, lo, hi, 0);
    if (day == DAY_NONE || media_used(g, term_on(&g->st[s], day), day))
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t term = term_on(st, day), dept = dept_on(st, day),
                 dev = tk_behaviour_device_of_dept(dept);
    const size_t sys = main_sys(dept, sect_on(st, day));
    const int sec = tk_rng_range(&g->ri, 18 * 3600 + 45 * 60, 19 * 3600 + 30 * 60);
    char file[96];
    snprintf(file, sizeof file, "%s_対象者一覧_%s.xlsx", tk_city_systems[sys].name,
             tk_city_day_str(day).s);
    const int nfiles = tk_rng_range(&g->ri, 1, 2);
    usb_copy(g, s, term, dev, day, sec, file, (uint64_t)tk_rng_range(&g->ri, 200000, 3000000),
             nfiles);
    extend_session(g, s, day, sec + 900);
    tk_city_truth_add(
        g, 0, "usb_after_hours", "terminal", g->tm[term].name, day, day, "22;1",
        "職員%s(%s)が時間外勤務命令のない%sに特定個人情報端末%sから承認済み媒体へ%sを書出し",
        STAFF_DESC(g, s, day), hm(sec).s, g->tm[term].name, file);
}

/* 釜石市型: a large export, then a private USB stick on the same terminal minutes later. */
static void inj_export_usb(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : tk_behaviour_safe_time(g, &g->ri, s, day, 0);
    if (sec < 0)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t term = term_on(st, day), sys = main_sys(st->dept, st->sect);
    const int fn = list_fn(g, sys, OP_EXPORT);
    const uint32_t cnt = (uint32_t)tk_rng_range(&g->ri, 250, 900);
    if (fn >= 0)
        tk_behaviour_add_ev(g, s, term, sys, (size_t)fn, NONE32, at(day, sec), cnt, 0);
    const int usb = sec + tk_rng_range(&g->ri, 120, 360);
    char file[96];
    snprintf(file, sizeof file, "%s_一覧_%s.csv", tk_city_systems[sys].name,
             tk_city_day_str(day).s);
    const size_t dev = unapproved_device(g);
    usb_copy(g, s, term, dev, day, usb, file, (uint64_t)cnt * 180 + tk_rng_below(&g->ri, 5000), 1);
    tk_city_truth_add(
        g, 0, "export_usb_chain", "user", tk_city_staff_id(g, s).s, day, day, "24;22;23",
        "職員%s(%s)が%sで%u件を出力し、%d分後に同じ端末%sで未承認USBメモリ(%s)へ%sを複製(釜石市型)",
        STAFF_DESC(g, s, day), tk_city_systems[sys].name, cnt, (usb - sec) / 60, g->tm[term].name,
        tk_city_devdefs[dev].name, file);
}

static void inj_unapproved_device(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const size_t term = term_on(&g->st[s], day), dev = unapproved_device(g);
    char file[96];
    snprintf(file, sizeof file, "作業用_%s.xlsx", tk_city_day_str(day).s);
    usb_copy(g, s, term, dev, day, sec, file, (uint64_t)tk_rng_range(&g->ri, 300000, 2000000), 1);
    tk_city_truth_add(g, 0, "unapproved_device", "terminal", g->tm[term].name, day, day, "23;22",
                      "特定個人情報端末%sに未承認の私物USBメモリ(%s)が接続され%sを複製。職員%s(%s)",
                      g->tm[term].name, tk_city_devdefs[dev].name, file, STAFF_DESC(g, s, day));
}

static void inj_bulk_print(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const staff *st = &g->st[s];
    const size_t sys = main_sys(st->dept, st->sect);
    const int fn = list_fn(g, sys, OP_PRINT);
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : tk_behaviour_safe_time(g, &g->ri, s, day, 0);
    if (sec < 0 || fn < 0 || !tk_city_auth_of(st->dept, sys) ||
        tk_city_auth_of(st->dept, sys)->level != LV_ALL)
        return;
    reserve(g, s);
    const uint32_t cnt = (uint32_t)tk_rng_range(&g->ri, 120, 350);
    tk_behaviour_add_ev(g, s, term_on(st, day), sys, (size_t)fn, NONE32, at(day, sec), cnt, 0);
    tk_city_truth_add(g, 0, "bulk_print", "user", tk_city_staff_id(g, s).s, day, day, "24",
                      "職員%s(%s)が%sの「%s」で%u件を一括%s(承認記録なし)", STAFF_DESC(g, s, day),
                      tk_city_systems[sys].name, tk_city_systems[sys].fn[fn].name, cnt,
                      tk_city_systems[sys].fn[fn].op == OP_PRINT ? "印刷" : "出力");
}

static int ok_shimin_any(const tk_city *g, size_t i, const void *ctx)
{
    (void)ctx;
    return g->st[i].dept == D_SHIMIN;
}

static void inj_mass_extract(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_shimin_any, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : tk_behaviour_safe_time(g, &g->ri, s, day, 0);
    if (sec < 0)
        return;
    reserve(g, s);
    const uint32_t cnt = (uint32_t)g->npeople;
    bev *e = tk_behaviour_add_ev(g, s, term_on(&g->st[s], day), SYS_JUKI,
                                 (size_t)tk_behaviour_find_fn(SYS_JUKI, OP_EXTRACT, FC_EXTRACT),
                                 NONE32, at(day, sec), cnt, 0);
    e->note = NOTE_ERR + 10;
    tk_city_truth_add(g, 0, "mass_extract", "user", tk_city_staff_id(g, s).s, day, day, "25",
                      "職員%s(%s)が住民基本台帳から全住民%u件を一括抽出(抽出条件: 全件)",
                      STAFF_DESC(g, s, day), cnt);
}

static void inj_mynumber(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_juki_no_mynum, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = tk_rng_range(&g->ri, 2, 4);
    int t = sec;
    for (int k = 0; k < n; k++) {
        tk_behaviour_add_ev(g, s, term_on(&g->st[s], day), SYS_JUKI,
                            (size_t)tk_behaviour_find_fn(SYS_JUKI, OP_LOOKUP, FC_MYNUM),
                            plain_subject(g, P_ALL, s), at(day, t), 1, 0);
        t += tk_rng_range(&g->ri, 40, 400);
    }
    tk_city_truth_add(
        g, 0, "mynumber_shown", "user", tk_city_staff_id(g, s).s, day, day, "26",
        "個人番号利用事務の権限がない%sの職員%sが住民基本台帳の個人番号照会画面で住民%"
        "d名の個人番号を表示",
        tk_city_depts[g->st[s].dept].name, tk_city_staff_id(g, s).s, n);
}

static void inj_no_session(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_spare_in_dept, NULL);
    if (s == SIZE_MAX)
        return;
    const staff *st = &g->st[s];
    const size_t t2 = spare_terminal(g, st->dept);
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (t2 == SIZE_MAX || sec < 0)
        return;
    reserve(g, s);
    const size_t sys = main_sys(st->dept, st->sect);
    const int n = tk_rng_range(&g->ri, 3, 6);
    add_lookups(g, s, t2, sys, day, sec, n, 40, 300, NONE32);
    tk_city_truth_add(g, 0, "no_logon_session", "terminal", g->tm[t2].name, day, day, "28",
                      "端末%sにログオン記録がないのに%sの操作ログに職員%s(%s)の照会%d件が記録",
                      g->tm[t2].name, tk_city_systems[sys].name, STAFF_DESC(g, s, day), n);
}

/* --- Hard negatives ---------------------------------------------------------------------- */

static void hn_busy_seasons(tk_city *g)
{
    static const struct {
        unsigned char dept, m0, d0, m1, d1;
        const char *what;
    } seasons[] = {
        {D_ZEIMU, 5, 1, 6, 30,
         "住民税当初課税期(5〜6月)で課全体の件数が通常の2〜3倍、時間外勤務命令あり"},
        {D_SHIMIN, 3, 20, 4, 30, "年度末・年度初めの異動期で課全体の件数が通常の1.5倍"},
        {D_KOSODATE, 6, 1, 6, 30, "児童手当現況届の時期(6月)で課全体の件数が通常の1.7倍"},
    };
    int y0, y1, m, d;
    ymd_of(g->from, &y0, &m, &d);
    ymd_of(g->to, &y1, &m, &d);
    for (size_t k = 0; k < 3; k++) {
        for (int y = y0; y <= y1; y++) {
            int32_t lo = day_of(y, seasons[k].m0, seasons[k].d0);
            int32_t hi = day_of(y, seasons[k].m1, seasons[k].d1);
            lo = lo < g->from ? g->from : lo;
            hi = hi > g->to ? g->to : hi;
            if (hi < lo)
                continue;
            for (size_t i = 0; i < g->nst; i++) {
                const staff *s = &g->st[i];
                if (dept_on(s, lo) != seasons[k].dept || !employed(s, lo))
                    continue;
                tk_city_truth_add(g, 1, "busy_season", "user", tk_city_staff_id(g, i).s, lo, hi,
                                  "3;1", "%s: %s", tk_city_depts[seasons[k].dept].name,
                                  seasons[k].what);
            }
        }
    }
    if (g->kenmu_to >= g->kenmu_from)
        for (size_t i = 0; i < g->nst; i++)
            if (g->st[i].dept == D_SENKYO && employed(&g->st[i], g->kenmu_from))
                tk_city_truth_add(g, 1, "busy_season", "user", tk_city_staff_id(g, i).s,
                                  g->kenmu_from, g->kenmu_to, "3;1",
                                  "選挙管理委員会: 選挙(投票日%s)前で件数が通常の%s倍",
                                  tk_city_day_str(g->elect_day).s,
                                  g->variant == TK_GENCITY_VARIANT_B ? "3.2" : "2.5");
}

static void hn_people(tk_city *g, const specials *sp)
{
    for (size_t i = 0; i < g->nst; i++) {
        const staff *s = &g->st[i];
        if (s->hired < g->from || s->hired > g->to)
            continue;
        tk_city_truth_add(g, 1, "new_hire", "user", tk_city_staff_id(g, i).s, s->hired,
                          s->hired + 29 > g->to ? g->to : s->hired + 29, "3",
                          "%sに%sへ採用された新規職員(過去の履歴なし、所属の標準的な利用)",
                          tk_city_day_str(s->hired).s, tk_city_depts[s->dept].name);
    }
    for (size_t k = 0; k < sp->nkenmu; k++) {
        const size_t i = sp->kenmu[k];
        tk_city_truth_add(g, 1, "election_kenmu", "user", tk_city_staff_id(g, i).s, g->kenmu_from,
                          g->kenmu_to, "12;20",
                          "%sの職員が選挙事務の兼務(assignments.csv)"
                          "で選挙管理委員会の端末から選挙人名簿管理を利用",
                          tk_city_depts[g->st[i].dept].name);
    }
    for (size_t k = 0; k < sp->ntr_new; k++) {
        const size_t i = sp->tr_new[k];
        const staff *s = &g->st[i];
        tk_city_truth_add(
            g, 1, "transfer_new_system", "user", tk_city_staff_id(g, i).s, s->transferred, g->to,
            "15;12", "%sに%sから%sへ異動し、新所属のシステムのみを利用(旧所属のシステムは不使用)",
            tk_city_day_str(s->transferred).s, tk_city_depts[s->prev_dept].name,
            tk_city_depts[s->dept].name);
    }
    if (g->open_sunday != DAY_NONE)
        for (size_t i = 0; i < g->nst; i++)
            if (g->son[sd_index(g, i, g->open_sunday)] >= 0)
                tk_city_truth_add(g, 1, "holiday_opening", "user", tk_city_staff_id(g, i).s,
                                  g->open_sunday, g->open_sunday, "2",
                                  "休日開庁日(calendar.csvで開庁)の%sの窓口業務",
                                  tk_city_depts[g->st[i].dept].name);
}

/* Approved late evenings: a long day with an overtime order to 21:30-22:00. */
static int ok_overtime(const tk_city *g, size_t i, const void *ctx)
{
    return ok_system_clerk(g, i, ctx) && g->st[i].dept != D_SHIMIN;
}

static void hn_overtime(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_overtime, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 0);
    if (day == DAY_NONE)
        return;
    g->st[s].reserved = RS_SPECIAL; /* no incident on this staff member */
    const staff *st = &g->st[s];
    const size_t dept = dept_on(st, day), sect = sect_on(st, day), term = term_on(st, day);
    const int until = tk_rng_pm(&g->ri, 500) ? 21 * 60 + 30 : 22 * 60;
    tk_behaviour_add_ot(g, s, day, HOURS_TO, until);
    dayplan p = {0};
    tk_behaviour_plan_add(&p, HOURS_TO + 15, until - 20);
    tk_behaviour_run_tasks(g, s, dept, sect, term, day, &p, (unsigned)tk_rng_range(&g->ri, 12, 25),
                           -1, 0);
    extend_session(g, s, day, (until - 10) * 60 + tk_rng_range(&g->ri, 0, 500));
    tk_city_truth_add(g, 1, "approved_overtime", "user", tk_city_staff_id(g, s).s, day, day, "1",
                      "職員%s(%s)が時間外勤務命令(17:15〜%s)に基づき夜まで通常業務",
                      STAFF_DESC(g, s, day), hm(until * 60).s);
}

/* --- Training accounts (研修, item 27) ---------------------------------------------------------
 *
 * New hires practise on 住民基本台帳 with shared training accounts kenshu01..kenshu03, at the
 * training room's terminals KENSHU-PC01..03 (総務課, 10.10.240.x), on a set of fictitious
 * 宛名番号 (9900000001..) that the residents master does not list: the April new-hire training
 * when the period holds a baseline April 1, and the 中途採用 training at the start of the
 * inspection period, TRAIN_DAYS open days each (master/training.csv). Everything here draws
 * from its own stream (rt) and runs as the last injector, after every other incident has
 * chosen its staff, days and terminals, so adding the training moved nothing else. */

#define TRAIN_DAYS 10

static int32_t workday_from(const tk_city *g, int32_t d)
{
    while (d <= g->to && !is_workday(g, d))
        d++;
    return d <= g->to ? d : DAY_NONE;
}

static void train_plan(tk_city *g)
{
    static const char *const names[2] = {"新規採用職員研修", "中途採用職員研修"};
    const int32_t start[2] = {g->apr1 >= g->from && g->apr1 < g->insp_from ? g->apr1 : DAY_NONE,
                              g->mid};
    for (size_t k = 0; k < 2; k++) {
        const int32_t from = start[k] == DAY_NONE ? DAY_NONE : workday_from(g, start[k]);
        if (from == DAY_NONE)
            continue;
        int32_t to = from;
        for (int n = 1; n < TRAIN_DAYS; n++) {
            const int32_t next = workday_from(g, to + 1);
            if (next == DAY_NONE)
                break;
            to = next;
        }
        g->tr_from[g->ntr_periods] = from;
        g->tr_to[g->ntr_periods] = to;
        g->tr_name[g->ntr_periods++] = names[k];
    }
}

static void add_train_ev(tk_city *g, uint32_t who, size_t term, int fn, uint32_t res, int64_t t)
{
    bev *e = tk_city_push_ev(g);
    e->t = t;
    e->seq = g->seq++;
    e->staff = who;
    e->term = (uint16_t)term;
    e->sys = SYS_JUKI;
    e->fn = (uint8_t)fn;
    e->res = res;
    e->count = 1;
    e->ms = (uint16_t)tk_rng_below(&g->rt, 1000);
}

/* One exercise: maybe a search, one or two lookups of a fictitious resident, and usually the
 * processing practised on it (異動届, 転入届, 住民票の写し). Returns the time after it. */
static int64_t train_task(tk_city *g, uint32_t who, size_t term, int64_t t)
{
    tk_rng *r = &g->rt;
    int fn;
    if (tk_rng_pm(r, 300) && (fn = tk_behaviour_pick_fn(r, SYS_JUKI, FC_SEARCH)) >= 0) {
        add_train_ev(g, who, term, fn, NONE32, t);
        t += tk_rng_range(r, 8, 40);
    }
    const uint32_t subj = FICT_BASE + tk_rng_below(r, NFICT);
    const int nl = 1 + tk_rng_pm(r, 400);
    for (int k = 0; k < nl; k++) {
        add_train_ev(g, who, term, tk_behaviour_pick_fn(r, SYS_JUKI, FC_LOOK), subj, t);
        t += tk_rng_range(r, 10, 90);
    }
    if (tk_rng_pm(r, 800) && (fn = tk_behaviour_pick_fn(r, SYS_JUKI, FC_PROC)) >= 0) {
        add_train_ev(g, who, term, fn, subj, t);
        t += tk_rng_range(r, 30, 150);
    }
    return t;
}

/* A training day of account who: logged on at the training terminal from about 9:00 to 16:30,
 * exercises in 9:30-11:45 and 13:15-16:15. */
static void train_day(tk_city *g, uint32_t who, size_t term, int32_t day)
{
    tk_rng *r = &g->rt;
    const int on = 9 * 3600 + tk_rng_range(r, 0, 600);
    const int off = 16 * 3600 + 30 * 60 + tk_rng_range(r, 0, 600);
    tk_behaviour_add_tv(g, who, term, at(day, on), TK_LOGON);
    tk_behaviour_add_tv(g, who, term, at(day, off), TK_LOGOFF);
    dayplan p = {0};
    tk_behaviour_plan_add(&p, 9 * 60 + 30, 11 * 60 + 45);
    tk_behaviour_plan_add(&p, 13 * 60 + 15, 16 * 60 + 15);
    const int n = tk_rng_range(r, 12, 24);
    for (int k = 0; k < n; k++)
        train_task(g, who, term, at(day, tk_behaviour_plan_pick(&p, r)));
}

static void train_hn(tk_city *g, uint32_t who, size_t period, int32_t from, int32_t to)
{
    if (from > to)
        return;
    tk_city_truth_add(
        g, 1, "training_fictitious", "user", tk_city_train_account(g, who).s, from, to, "27;31",
        "研修用アカウント%sが%s(%s〜%s、training.csv)の研修で架空の宛名番号(%llu〜)により"
        "住民基本台帳を操作(職員マスタにないアカウント)",
        tk_city_train_account(g, who).s, g->tr_name[period], tk_city_day_str(g->tr_from[period]).s,
        tk_city_day_str(g->tr_to[period]).s, FICT_ID0);
}

/* The period of the incident: the inspection period's training; SIZE_MAX if there is none. */
static size_t train_incident_period(const tk_city *g)
{
    const size_t p = g->ntr_periods - 1;
    return g->ntr_periods > 0 && g->tr_from[p] >= g->insp_from ? p : SIZE_MAX;
}

/* Terminals, the training days and, for the periods without the incident, their hard-negative
 * rows; once. */
static void train_setup(tk_city *g)
{
    if (g->tr_ready)
        return;
    g->tr_ready = 1;
    train_plan(g);
    const size_t incident_period = train_incident_period(g);
    for (size_t k = 0; k < NTRAIN; k++) {
        terminal *t = tk_city_push_term(g);
        snprintf(t->name, sizeof t->name, "KENSHU-PC%02zu", k + 1);
        t->dept = D_SOMU;
        t->special = 1;
        t->registered = 1;
        t->busy = 1;
        t->ip3 = 240; /* outside every department's subnet */
        t->ip4 = (uint8_t)(11 + k);
        t->reg_on = g->from - 365;
        g->tr_term[k] = (uint16_t)(g->ntm - 1);
    }
    for (size_t p = 0; p < g->ntr_periods; p++) {
        for (int32_t d = g->tr_from[p]; d <= g->tr_to[p]; d++)
            for (size_t k = 0; k < NTRAIN && is_workday(g, d); k++)
                train_day(g, (uint32_t)(g->nst + k), g->tr_term[k], d);
        for (size_t k = 0; k < NTRAIN && p != incident_period; k++)
            train_hn(g, (uint32_t)(g->nst + k), p, g->tr_from[p], g->tr_to[p]);
    }
}

/* The incident: on one day of the inspection period's training, a training account looks up a
 * few real residents (an acquaintance, a "realistic" exercise) between its exercises. */
static void inj_training_real(tk_city *g, int hist)
{
    (void)hist;
    tk_rng *r = &g->rt;
    const size_t pool = tk_city_systems[SYS_JUKI].pool;
    train_setup(g);
    const size_t p = train_incident_period(g);
    if (p == SIZE_MAX || g->npool[pool] == 0)
        return;
    const uint32_t who = (uint32_t)g->nst + tk_rng_below(r, NTRAIN);
    int32_t day = DAY_NONE;
    for (int tries = 0; tries < 100 && day == DAY_NONE; tries++) {
        const int32_t d =
            g->tr_from[p] + (int32_t)tk_rng_below(r, (uint32_t)(g->tr_to[p] - g->tr_from[p] + 1));
        if (is_workday(g, d))
            day = d;
    }
    if (day == DAY_NONE)
        return;
    const size_t term = g->tr_term[who - g->nst];
    const int n = tk_rng_range(r, 3, 5);
    int sec = tk_rng_range(r, 10 * 3600, 11 * 3600 + 15 * 60);
    uint32_t got[5];
    size_t ngot = 0;
    for (int k = 0; k < n; k++) {
        uint32_t c = NONE32;
        for (int tries = 0; tries < 200 && c == NONE32; tries++) {
            const uint32_t x = g->pool[pool][tk_rng_index(r, g->npool[pool])];
            int dup = g->res[x].flags != 0; /* no watch-list, DV-protected or corporate record */
            for (size_t j = 0; j < ngot && !dup; j++)
                dup = got[j] == x;
            if (!dup)
                c = x;
        }
        if (c == NONE32)
            break;
        got[ngot++] = c;
        add_train_ev(g, who, term, tk_behaviour_pick_fn(r, SYS_JUKI, FC_LOOK), c, at(day, sec));
        sec += tk_rng_range(r, 60, 360);
    }
    if (ngot == 0)
        return;
    tk_city_truth_add(
        g, 0, "training_real_resident", "user", tk_city_train_account(g, who).s, day, day, "27",
        "研修用アカウント%sが%s(%s〜%s)の研修中に住民基本台帳で実在する住民%zu名を照会"
        "(研修用の架空の宛名番号ではない)",
        tk_city_train_account(g, who).s, g->tr_name[p], tk_city_day_str(g->tr_from[p]).s,
        tk_city_day_str(g->tr_to[p]).s, ngot);
    for (size_t k = 0; k < NTRAIN; k++) {
        const uint32_t x = (uint32_t)(g->nst + k);
        if (x == who) {
            train_hn(g, x, p, g->tr_from[p], day - 1);
            train_hn(g, x, p, day + 1, g->tr_to[p]);
        } else {
            train_hn(g, x, p, g->tr_from[p], g->tr_to[p]);
        }
    }
}

/* The log gap: one system's rows of one open day are missing. The day and system are chosen so
 * no injected event is lost. */
static void inj_log_gap(tk_city *g, uint32_t base_seq)
{
    static const size_t cand[] = {SYS_KOSEKI, SYS_INKAN, SYS_FUHYO, SYS_KEIJI, SYS_HOJIN};
    for (int tries = 0; tries < 100; tries++) {
        const size_t sys = cand[tk_rng_index(&g->ri, 5)];
        const int32_t day =
            g->insp_from + (int32_t)tk_rng_below(&g->ri, (uint32_t)(g->to - g->insp_from + 1));
        if (!is_workday(g, day) || !tk_city_has_system(g, sys))
            continue;
        int clash = 0;
        for (size_t e = g->nev_base; e < g->nev && !clash; e++)
            clash = g->ev[e].seq >= base_seq && g->ev[e].sys == sys && g->ev[e].t / 86400 == day;
        if (clash)
            continue;
        g->gap_sys = (int)sys;
        g->gap_day = day;
        tk_city_truth_add(g, 0, "log_gap", "system", tk_city_systems[sys].name, day, day, "29",
                          "開庁日の%sの操作ログが1日分欠落(0件)", tk_city_systems[sys].name);
        return;
    }
}

/* --- Variant B: cases that last weeks, and 所属-scoped open days --------------------------------
 *
 * Variant B (docs/gen-city.md) adds what a city generated elsewhere showed and the default
 * city lacks: cases spread over weeks rather than days, a single look-up where a handful was
 * planted above, one account on two desks of different 所属 for most of a day, a shift of
 * working hours, and legitimate activity that only the city's own calendar export or the
 * caseworkers' processing explains. These injectors run after every other one, from a stream
 * of their own (5), so variant A's files do not depend on them. */

/* The first logon of staff member s on day in the baseline; SIZE_MAX if none. */
static size_t first_logon(const tk_city *g, size_t s, int32_t day)
{
    const size_t d = (size_t)(day - g->from);
    size_t best = SIZE_MAX;
    for (size_t k = g->day_tv[d]; k < g->day_tv[d + 1]; k++)
        if (g->tv[k].staff == s && g->tv[k].kind == TK_LOGON &&
            (best == SIZE_MAX || g->tv[k].t < g->tv[best].t))
            best = k;
    return best;
}

/* Stalking: one resident on no list looked up (never processed) on 8-14 days over 4-8 weeks. */
static void inj_stalking(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX || g->to - g->insp_from < 35)
        return;
    const staff *st = &g->st[s];
    const size_t sys = main_sys(st->dept, st->sect);
    const uint32_t r = plain_subject(g, tk_city_systems[sys].pool, s);
    const int32_t d0 = g->insp_from + (int32_t)tk_rng_below(&g->ri, 8);
    int32_t d1 = d0 + tk_rng_range(&g->ri, 28, 56);
    d1 = d1 > g->to ? g->to : d1;
    const int want = tk_rng_range(&g->ri, 8, 14);
    int32_t days[64];
    size_t nd = 0;
    for (int32_t d = d0; d <= d1 && nd < 64; d++)
        if (pick_work_day(g, s, d, d, 1) == d)
            days[nd++] = d;
    /* keep want of them, spread: drop random days until want remain */
    while (nd > (size_t)want) {
        const size_t k = tk_rng_index(&g->ri, nd);
        memmove(&days[k], &days[k + 1], (nd - k - 1) * sizeof days[0]);
        nd--;
    }
    if (nd < 8)
        return;
    reserve(g, s);
    for (size_t k = 0; k < nd; k++) {
        const int sec = tk_behaviour_safe_time(g, &g->ri, s, days[k], (int)tk_rng_below(&g->ri, 2));
        if (sec >= 0)
            add_lookups(g, s, term_on(st, days[k]), sys, days[k], sec, 1, 20, 90, r);
    }
    tk_city_truth_add(g, 0, "stalking", "user", tk_city_staff_id(g, s).s, days[0], days[nd - 1],
                      "5;11",
                      "職員%s(%s)が要注意リストにない同一住民(宛名番号%s)を%zu日(約%d週間)に"
                      "わたり%sで照会のみ。更新・交付などの処理なし",
                      STAFF_DESC(g, s, days[0]), tk_city_res_id(g, r).s, nd,
                      (days[nd - 1] - days[0]) / 7 + 1, tk_city_systems[sys].name);
}

/* A sweep of one address block: 18-36 of its residents looked up in 住民基本台帳, nothing
 * processed, within an hour or two. */
static void inj_block_sweep(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_juki_outsider, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : tk_behaviour_safe_time(g, &g->ri, s, day, 1);
    if (sec < 0)
        return;
    uint32_t pick[36];
    const int want = tk_rng_range(&g->ri, 18, 36);
    size_t n = 0;
    uint16_t block = 0;
    for (int tries = 0; tries < 20 && n < (size_t)want; tries++) {
        const uint32_t r0 = (uint32_t)tk_rng_index(&g->ri, g->nres);
        if (g->res[r0].hh == NONE32)
            continue;
        block = g->hh[g->res[r0].hh].block;
        n = 0;
        const size_t first = tk_rng_index(&g->ri, g->nres);
        for (size_t k = 0; k < g->nres && n < (size_t)want; k++) {
            const uint32_t c = (uint32_t)((first + k) % g->nres);
            const resident *rc = &g->res[c];
            if (rc->hh != NONE32 && g->hh[rc->hh].block == block && !rc->flags &&
                !tk_behaviour_same_household(g, &g->st[s], c))
                pick[n++] = c;
        }
    }
    if (n < 18)
        return;
    reserve(g, s);
    const size_t term = term_on(&g->st[s], day);
    int t = sec;
    for (size_t k = 0; k < n; k++)
        t = add_lookups(g, s, term, SYS_JUKI, day, t, 1, 60, 240, pick[k]);
    extend_session(g, s, day, t + 120);
    char blk[64];
    tk_city_block_name(block, blk, sizeof blk);
    tk_city_truth_add(g, 0, "block_sweep", "user", tk_city_staff_id(g, s).s, day, day, "4;3",
                      "職員%s(%s)が%s〜%sに%sの住民%zu名を住民基本台帳で順に照会(処理なし)",
                      STAFF_DESC(g, s, day), hm(sec).s, hm(t).s, blk, n);
}

/* A spare registered terminal of a department with systems other than dept; marked used. */
static size_t foreign_terminal(tk_city *g, size_t dept)
{
    const size_t first = tk_rng_index(&g->ri, D_COUNT);
    for (size_t k = 0; k < D_COUNT; k++) {
        const size_t d = (first + k) % D_COUNT;
        if (d != dept && dept_has_systems(d) && has_spare(g, d))
            return spare_terminal(g, d);
    }
    return SIZE_MAX;
}

/* One account logged on at its own desk and at a terminal of another 所属 at once, for 5-17
 * hours, a few look-ups made there. */
static void inj_concurrent_long(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const staff *st = &g->st[s];
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to - 1, 1);
    const int sec = day == DAY_NONE ? -1 : tk_behaviour_safe_time(g, &g->ri, s, day, 1);
    const size_t t2 = sec < 0 ? SIZE_MAX : foreign_terminal(g, st->dept);
    if (t2 == SIZE_MAX)
        return;
    reserve(g, s);
    const int hours = tk_rng_range(&g->ri, 5, 17);
    const int on = sec - tk_rng_range(&g->ri, 60, 300);
    const int off = on + hours * 3600 + tk_rng_range(&g->ri, 0, 3000);
    const size_t sys = main_sys(st->dept, st->sect);
    add_lookups(g, s, t2, sys, day, sec, tk_rng_range(&g->ri, 2, 4), 300, 1500, NONE32);
    tk_behaviour_add_tv(g, s, t2, at(day, on), TK_LOGON);
    tk_behaviour_add_tv(g, s, t2, at(day, off), TK_LOGOFF);
    tk_city_truth_add(g, 0, "concurrent_long", "user", tk_city_staff_id(g, s).s, day,
                      off >= 86400 ? day + 1 : day, "18",
                      "職員%s(%s)のアカウントが自席端末%sと他所属(%s)の端末%sに同時にログオン"
                      "(%s から約%d時間)",
                      STAFF_DESC(g, s, day), g->tm[st->term].name,
                      tk_city_depts[g->tm[t2].dept].name, g->tm[t2].name, hm(on).s, hours);
}

static int ok_starts_late(const tk_city *g, size_t i, const void *ctx)
{
    return ok_system_clerk(g, i, ctx) && g->st[i].start >= HOURS_FROM;
}

/* A shift of working hours: logons in the 6 o'clock hour on 15 working days by someone who
 * starts around 8:30, with no overtime order (nothing else changes: the tasks stay in the
 * office hours). */
static void inj_early_shift(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_starts_late, NULL);
    if (s == SIZE_MAX)
        return;
    int32_t days[15];
    size_t nd = 0;
    const int32_t d0 = g->insp_from + (int32_t)tk_rng_below(&g->ri, 10);
    for (int32_t d = d0; d <= g->to && nd < 15; d++)
        if (pick_work_day(g, s, d, d, 1) == d && first_logon(g, s, d) != SIZE_MAX)
            days[nd++] = d;
    if (nd < 15)
        return;
    reserve(g, s);
    for (size_t k = 0; k < nd; k++) {
        const size_t i = first_logon(g, s, days[k]);
        const int64_t old = g->tv[i].t;
        g->tv[i].t = at(days[k], 6 * 3600 + tk_rng_range(&g->ri, 0, 3500));
        /* a failed logon just before the old logon moves with it */
        const size_t d = (size_t)(days[k] - g->from);
        for (size_t j = g->day_tv[d]; j < g->day_tv[d + 1]; j++)
            if (g->tv[j].staff == s && g->tv[j].kind == TK_FAIL && g->tv[j].t < old)
                g->tv[j].t = g->tv[i].t - (old - g->tv[j].t);
    }
    tk_city_truth_add(g, 0, "early_logon_shift", "user", tk_city_staff_id(g, s).s, days[0],
                      days[nd - 1], "1",
                      "職員%s(%s、通常8:30頃始業)が%zu日の出勤日に6時台にログオン"
                      "(時間外勤務命令なし)",
                      STAFF_DESC(g, s, days[0]), nd);
}

static int ok_never_late(const tk_city *g, size_t i, const void *ctx)
{
    return ok_system_clerk(g, i, ctx) && g->st[i].late_pm == 0;
}

/* Look-ups at about 20:49 by someone who never works late, no overtime order. */
static void inj_late_lookup(tk_city *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_never_late, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 0);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t sys = main_sys(st->dept, st->sect), term = term_on(st, day);
    const int start = 20 * 3600 + 47 * 60 + tk_rng_range(&g->ri, 0, 240);
    const int n = tk_rng_range(&g->ri, 2, 4);
    const int end = add_lookups(g, s, term, sys, day, start, n, 30, 150, NONE32);
    session_around(g, s, term, day, start, 60, 240, end, 30, 180);
    tk_city_truth_add(g, 0, "late_lookup", "user", tk_city_staff_id(g, s).s, day, day, "1",
                      "残業をしない職員%s(%s)が時間外勤務命令なしに%sに再ログオンし%sで住民%d名を"
                      "照会",
                      STAFF_DESC(g, s, day), hm(start).s, tk_city_systems[sys].name, n);
}

/* A single look-up of a watch-listed 著名人 by a 所属 that never deals with them. */
static void inj_watch_single(tk_city *g, int hist)
{
    (void)hist;
    const uint32_t r = flagged_resident(g, R_WATCH);
    const size_t s = pick_staff(g, ok_watch_outsider, NULL);
    if (r == NONE32 || s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    add_lookups(g, s, term_on(&g->st[s], day), SYS_JUKI, day, sec, 1, 20, 120, r);
    tk_city_truth_add(g, 0, "watchlist_single", "user", tk_city_staff_id(g, s).s, day, day, "9",
                      "職員%s(%s)が担当外の著名人(宛名番号%s、要注意リスト登載)を住民基本台帳で"
                      "1回だけ照会",
                      STAFF_DESC(g, s, day), tk_city_res_id(g, r).s);
}

/* Hard negative: tax, 国保 and welfare staff processing their own cases of protected (DV等支援
 * 措置) residents: a look-up and then an update or a notice, in the department's own system. */
static void hn_protected_own(tk_city *g, int hist)
{
    (void)hist;
    static const unsigned char dept_sys[][2] = {
        {D_ZEIMU, SYS_KOJIN}, {D_HOKEN, SYS_KOKUHO}, {D_FUKUSHI, SYS_SEIHO}, {D_CHOJU, SYS_KAIGO}};
    const size_t k = tk_rng_index(&g->ri, sizeof dept_sys / sizeof dept_sys[0]);
    const size_t dept = dept_sys[k][0], sys = dept_sys[k][1];
    const size_t pool = tk_city_systems[sys].pool;
    uint32_t r = NONE32;
    for (int tries = 0; tries < 4000 && r == NONE32; tries++) {
        const uint32_t c = (uint32_t)tk_rng_index(&g->ri, g->nres);
        if ((g->res[c].flags & R_DV) && (g->res[c].pools & (1u << pool)))
            r = c;
    }
    const size_t s = r == NONE32 ? SIZE_MAX : pick_staff(g, ok_dept, &dept);
    const int pfn = tk_behaviour_find_fn(sys, OP_UPDATE, -1);
    if (s == SIZE_MAX || pfn < 0 || tk_behaviour_same_household(g, &g->st[s], r))
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE
                        ? -1
                        : tk_behaviour_safe_time(g, &g->ri, s, day, (int)tk_rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    g->st[s].reserved = RS_SPECIAL; /* no incident on this staff member */
    const size_t term = term_on(&g->st[s], day);
    const int t = add_lookups(g, s, term, sys, day, sec, tk_rng_range(&g->ri, 1, 2), 20, 90, r);
    tk_behaviour_add_ev(g, s, term, sys, (size_t)pfn, r, at(day, t), 1, 0);
    tk_city_truth_add(g, 1, "protected_own_case", "user", tk_city_staff_id(g, s).s, day, day, "10",
                      "職員%s(%s)が担当する事務でDV等支援措置対象者(宛名番号%s)を%sで照会し処理"
                      "(正当な業務)",
                      STAFF_DESC(g, s, day), tk_city_res_id(g, r).s, tk_city_systems[sys].name);
}

/* Staff member s works on closed day from..to minutes (logon a little before, logoff a little
 * after) for dept on n tasks, fixed_sys as tk_behaviour_run_tasks() takes it. */
static void closed_day_work(tk_city *g, size_t s, size_t dept, int32_t day, int from, int to,
                            unsigned n, int fixed_sys)
{
    const size_t term = term_on(&g->st[s], day);
    dayplan p = {0};
    tk_behaviour_plan_add(&p, from, to - 9);
    tk_behaviour_run_tasks(g, s, dept, sect_on(&g->st[s], day), term, day, &p, n, fixed_sys, 0);
    session_around(g, s, term, day, from * 60, 300, 900, to * 60, 120, 600);
}

/* Up to want staff of dept employed on day, not specials, drawn in turn; returns how many. */
static size_t rota(tk_city *g, size_t dept, int32_t day, size_t *out, size_t want)
{
    size_t n = 0;
    const size_t first = tk_rng_index(&g->ri, g->nst);
    for (size_t k = 0; k < g->nst && n < want; k++) {
        const size_t i = (first + k) % g->nst;
        const staff *st = &g->st[i];
        if (dept_on(st, day) == dept && employed(st, day) && st->role != ROLE_MANAGER &&
            st->reserved != RS_SPECIAL)
            out[n++] = i;
    }
    return n;
}

/* Hard negatives: the 市民課 Sunday counter (9:00-12:00) and the 期日前投票所 weekends of
 * 選挙管理委員会 (8:30-20:00), opened for that 所属 only by the calendar export (variant B's
 * master/calendar.csv). */
static void hn_scoped_open_days(tk_city *g)
{
    size_t who[3];
    for (size_t c = 0; c < g->ncounter; c++) {
        const int32_t day = g->counter_day[c];
        const size_t n = rota(g, D_SHIMIN, day, who, 2);
        for (size_t k = 0; k < n; k++) {
            closed_day_work(g, who[k], D_SHIMIN, day, 9 * 60, 12 * 60,
                            (unsigned)tk_rng_range(&g->ri, 8, 16), -1);
            tk_city_truth_add(g, 1, "sunday_counter", "user", tk_city_staff_id(g, who[k]).s, day,
                              day, "2",
                              "市民課日曜窓口(9:00-12:00、calendar.csvで市民課のみ開庁)の"
                              "窓口業務");
        }
    }
    for (int32_t day = g->ev_from; day <= g->ev_to; day++) {
        const int w = wday_of(day);
        if (w != 0 && w != 6)
            continue;
        const size_t n = rota(g, D_SENKYO, day, who, 2);
        for (size_t k = 0; k < n; k++) {
            closed_day_work(g, who[k], D_SENKYO, day, 8 * 60 + 30, 20 * 60,
                            (unsigned)tk_rng_range(&g->ri, 30, 60), SYS_SENKYO);
            tk_city_truth_add(g, 1, "early_voting", "user", tk_city_staff_id(g, who[k]).s, day, day,
                              "2;1",
                              "期日前投票所(8:30-20:00、calendar.csvで選挙管理委員会のみ"
                              "開庁)の休日の選挙事務");
        }
    }
    if (g->elect_day + 1 <= g->to)
        tk_city_truth_add(g, 1, "election_quiet", "system", tk_city_systems[SYS_SENKYO].name,
                          g->elect_day + 1, g->elect_day + 21 > g->to ? g->to : g->elect_day + 21,
                          "29", "選挙(投票日%s)後の閑散期: 選挙人名簿管理の件数が通常の3割",
                          tk_city_day_str(g->elect_day).s);
}

/* 1 if truth already holds an incident of user s on day. */
static int has_incident(const tk_city *g, size_t s, int32_t day)
{
    const idstr id = tk_city_staff_id(g, s);
    for (size_t i = 0; i < g->ntr; i++)
        if (!g->tr[i].hn && strcmp(g->tr[i].etype, "user") == 0 &&
            strcmp(g->tr[i].eid, id.s) == 0 && day >= g->tr[i].from && day <= g->tr[i].to)
            return 1;
    return 0;
}

/* Hard negatives: the everyday look-ups that a list without 担当所属 no longer explains, in the
 * inspection period: 市民課's of protected residents (the counter serves them;
 * protected_counter) and 市民課's and 税務課's of 著名人 (watchlist_counter), one row per member of
 * staff, kind and day, unless an incident of that user covers the day. */
static void hn_list_counter(tk_city *g)
{
    const size_t nd = (size_t)(g->to - g->insp_from + 1);
    uint8_t *seen = tk_calloc(g->nst * nd, 1);
    if (seen == NULL) {
        g->oom = 1;
        return;
    }
    for (size_t e = 0; e < g->nev; e++) {
        const bev *x = &g->ev[e];
        const int32_t day = (int32_t)(x->t / 86400);
        if (day < g->insp_from || day > g->to || x->res == NONE32 || x->res >= FICT_BASE ||
            x->staff >= g->nst)
            continue;
        const uint8_t f = g->res[x->res].flags;
        const size_t dept = dept_on(&g->st[x->staff], day);
        uint8_t *p = &seen[(size_t)x->staff * nd + (size_t)(day - g->insp_from)];
        if ((f & R_DV) && dept == D_SHIMIN)
            *p |= 1;
        if ((f & R_WATCH) && (dept == D_SHIMIN || dept == D_ZEIMU))
            *p |= 2;
    }
    for (size_t s = 0; s < g->nst; s++)
        for (size_t k = 0; k < nd; k++) {
            const int32_t day = g->insp_from + (int32_t)k;
            const uint8_t v = seen[s * nd + k];
            if (v == 0 || has_incident(g, s, day))
                continue;
            if (v & 1)
                tk_city_truth_add(g, 1, "protected_counter", "user", tk_city_staff_id(g, s).s, day,
                                  day, "10",
                                  "市民課の職員%sが窓口業務でDV等支援措置対象者を照会"
                                  "(担当所属の列がないリストでは許可所属を示せない)",
                                  tk_city_staff_id(g, s).s);
            if (v & 2)
                tk_city_truth_add(
                    g, 1, "watchlist_counter", "user", tk_city_staff_id(g, s).s, day, day, "9",
                    "%sの職員%sが担当業務で著名人を照会"
                    "(担当所属の列がないリストでは担当を示せない)",
                    tk_city_depts[dept_on(&g->st[s], day)].name, tk_city_staff_id(g, s).s);
        }
    tk_free(seen);
}

typedef struct injdef {
    const char *kind;
    void (*fn)(tk_city *g, int hist);
    unsigned per200; /* instances per 200 staff (at least one) */
    unsigned hist;   /* one more instance in the baseline history */
} injdef;

static const injdef injectors_b[] = {
    {"stalking", inj_stalking, 2, 0},
    {"block_sweep", inj_block_sweep, 2, 0},
    {"concurrent_long", inj_concurrent_long, 1, 0},
    {"early_logon_shift", inj_early_shift, 1, 0},
    {"late_lookup", inj_late_lookup, 1, 0},
    {"watchlist_single", inj_watch_single, 2, 0},
    {"protected_own_case", hn_protected_own, 4, 0},
};

static const injdef injectors[] = {
    {"after_hours", inj_after_hours, 3, 1},
    {"night_access", inj_night, 2, 0},
    {"closed_day", inj_closed_day, 2, 1},
    {"bulk_lookup", inj_bulk_lookup, 1, 0},
    {"volume_spike", inj_spike, 2, 0},
    {"sustained_lookups", inj_sustained, 1, 0},
    {"lookup_burst", inj_burst, 2, 0},
    {"repeated_lookup", inj_repeated, 3, 0},
    {"many_staff", inj_many_staff, 1, 0},
    {"self_lookup", inj_self, 2, 0},
    {"family_lookup", inj_family, 2, 0},
    {"watchlist", inj_watch, 2, 0},
    {"dv_lookup", inj_dv, 1, 0},
    {"dv_issue", inj_dv_issue, 1, 0},
    {"out_of_role", inj_out_of_role, 2, 0},
    {"failed_logon_burst", inj_failed_burst, 2, 0},
    {"failed_logon_spray", inj_failed_spray, 1, 0},
    {"concurrent_logon", inj_concurrent, 2, 0},
    {"shared_id", inj_shared_id, 1, 0},
    {"unregistered_terminal", inj_unregistered, 1, 0},
    {"usb_after_hours", inj_usb_after_hours, 1, 1},
    {"export_usb_chain", inj_export_usb, 1, 0},
    {"unapproved_device", inj_unapproved_device, 1, 0},
    {"bulk_print", inj_bulk_print, 2, 0},
    {"mass_extract", inj_mass_extract, 1, 0},
    {"mynumber_shown", inj_mynumber, 2, 0},
    {"no_logon_session", inj_no_session, 1, 0},
    /* last, with its own random stream: the incidents above stay as they were; one per city
     * (per200 0), and it sets up the training accounts' normal activity too */
    {"training_real_resident", inj_training_real, 0, 0},
};

void tk_incidents_inject(tk_city *g, const specials *sp)
{
    const uint32_t base_seq = g->seq;
    const int history = g->insp_from - g->from >= 45;
    for (size_t k = 0; k < (g->nst >= 100 ? 2u : 1u); k++) { /* first, so incidents avoid them */
        const size_t before = g->ntr;
        for (int tries = 0; tries < 5 && g->ntr == before; tries++)
            hn_overtime(g, 0);
    }
    inj_retired(g, sp->ret);
    inj_transfer_old(g, sp->tr_old);
    inj_leave(g, sp->leave);
    for (size_t k = 0; k < sizeof injectors / sizeof injectors[0]; k++) {
        size_t n = injectors[k].per200 * g->nst / 200;
        if (n < 1)
            n = 1;
        /* an injector that finds no suitable staff member or day adds nothing; try again */
        for (size_t i = 0; i < n + (injectors[k].hist && history); i++) {
            const size_t before = g->ntr;
            for (int tries = 0; tries < 5 && g->ntr == before; tries++)
                injectors[k].fn(g, i == n);
        }
    }
    inj_log_gap(g, base_seq);
    hn_busy_seasons(g);
    hn_people(g, sp);
    if (g->variant != TK_GENCITY_VARIANT_B)
        return;
    tk_rng_seed(&g->ri, g->seed, 5);
    for (size_t k = 0; k < sizeof injectors_b / sizeof injectors_b[0]; k++) {
        size_t n = injectors_b[k].per200 * g->nst / 200;
        for (size_t i = 0; i < (n < 1 ? 1 : n); i++) {
            const size_t before = g->ntr;
            for (int tries = 0; tries < 5 && g->ntr == before; tries++)
                injectors_b[k].fn(g, 0);
        }
    }
    hn_scoped_open_days(g);
    hn_list_counter(g);
}
size_t tk_incidents_count_kinds(const tk_city *g, int hn)
{
    size_t n = 0;
    for (size_t i = 0; i < g->ntr; i++) {
        if (g->tr[i].hn != hn)
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = g->tr[j].hn == hn && strcmp(g->tr[j].kind, g->tr[i].kind) == 0;
        n += !seen;
    }
    return n;
}

size_t tk_incidents_count(const tk_city *g, int hn)
{
    size_t n = 0;
    for (size_t i = 0; i < g->ntr; i++)
        n += g->tr[i].hn == hn;
    return n;
}
