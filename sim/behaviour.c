/* sim/behaviour.c -- the baseline: ordinary working days of every staff member.
 *
 * Approach. For every open day and every staff member who is at work
 * (hired, not retired, not on leave, not on annual leave that day; a
 * section keeps someone at its counter) the simulator opens a logon
 * session on the staff member's terminal, draws "tasks" (look up a
 * resident, maybe search first, maybe process: update / issue / print) at
 * times that follow a morning and an afternoon peak with a lunch dip, and
 * closes the session. Seasonal load (住民税 in May-June, 市民課 in April,
 * 現況届 in June, the election) raises the volume and lengthens the day;
 * every minute worked outside 8:30-17:15 is covered by a row in
 * overtime.csv, so the baseline is clean by construction. Approved USB
 * media are used in office hours every couple of weeks. Every random
 * choice comes from the baseline stream, in a fixed order of days and
 * staff, and no statement makes two draws among unsequenced operands.
 *
 * Events go into the city's three flat arrays (business, terminal logon,
 * removable media) with a sequence number, so that the writers can sort
 * them with a total order. The event constructors and the time pickers
 * are shared with sim/incidents.c, which builds its cases from the same
 * pieces. */
#include "sim/behaviour.h"

#include <stdio.h>
#include <string.h>

#include "src/alloc.h"

static unsigned isqrt(unsigned v)
{
    unsigned x = 0;
    while ((x + 1) * (x + 1) <= v)
        x++;
    return x;
}
void tk_behaviour_add_tv(tk_city *g, size_t s, size_t term, int64_t t, int kind)
{
    tev *e = tk_city_push_tv(g);
    e->t = t;
    e->seq = g->seq++;
    e->staff = (uint32_t)s;
    e->term = (uint16_t)term;
    e->kind = (uint8_t)kind;
}

void tk_behaviour_add_ot(tk_city *g, size_t s, int32_t day, int from, int to)
{
    otrow *o = tk_city_push_ot(g);
    o->day = day;
    o->staff = (uint32_t)s;
    o->from = (int16_t)from;
    o->to = (int16_t)to;
}

/* A business event. With noise, a few rows get a 備考 or fail. */
bev *tk_behaviour_add_ev(tk_city *g, size_t s, size_t term, size_t sys, size_t fn, uint32_t res,
                         int64_t t, uint32_t count, int noise)
{
    bev *e = tk_city_push_ev(g);
    e->t = t;
    e->seq = g->seq++;
    e->staff = (uint32_t)s;
    e->term = (uint16_t)term;
    e->sys = (uint8_t)sys;
    e->fn = (uint8_t)fn;
    e->res = res;
    e->count = count;
    e->ms = (uint16_t)tk_rng_below(&g->rb, 1000);
    if (tk_city_systems[sys].fn[fn].cat == FC_MYNUM)
        e->flags |= BF_MYNUM;
    if (noise && tk_rng_pm(&g->rb, 4)) {
        e->flags |= BF_FAIL;
        e->note = (uint8_t)(NOTE_ERR + tk_rng_below(&g->rb, 4));
    } else if (noise && tk_rng_pm(&g->rb, 30)) {
        e->note = (uint8_t)(1 + tk_rng_below(&g->rb, (uint32_t)(NNOTES - 1)));
    }
    g->sys_today[sys]++;
    return e;
}

/* A function of system sys in category cat, drawn by weight; -1 if the system has none. */
int tk_behaviour_pick_fn(tk_rng *r, size_t sys, int cat)
{
    const sysdef *sd = &tk_city_systems[sys];
    unsigned w[16];
    unsigned total = 0;
    for (size_t i = 0; i < sd->nfn; i++) {
        w[i] = sd->fn[i].cat == cat ? sd->fn[i].w : 0;
        total += w[i];
    }
    if (total == 0)
        return -1;
    return (int)tk_rng_weighted(r, w, sd->nfn);
}

/* The function of system sys with operation op and category cat (first match); -1 if none. */
int tk_behaviour_find_fn(size_t sys, int op, int cat)
{
    const sysdef *sd = &tk_city_systems[sys];
    for (size_t i = 0; i < sd->nfn; i++)
        if (sd->fn[i].op == op && (cat < 0 || sd->fn[i].cat == cat))
            return (int)i;
    return -1;
}

int tk_behaviour_same_household(const tk_city *g, const staff *s, uint32_t res)
{
    return s->own_res != NONE32 && g->res[res].hh != NONE32 &&
           g->res[res].hh == g->res[s->own_res].hh;
}

/* A resident for an ordinary task: from the system's pool (a personal caseload for case-work
 * tk_city_systems), never the staff member's own household, watch-list residents only for 市民課
 * and 税務課, DV-protected residents only for 市民課. NONE32 if no acceptable draw. */
static uint32_t pick_subject(tk_city *g, size_t s, size_t dept, size_t sys)
{
    tk_rng *r = &g->rb;
    const size_t p = tk_city_systems[sys].pool;
    const size_t n = g->npool[p];
    if (n == 0)
        return NONE32;
    const int casework = sys == SYS_SEIHO || sys == SYS_SHOGAI || sys == SYS_KAIGO;
    for (int tries = 0; tries < 20; tries++) {
        size_t k;
        if (casework) {
            const size_t load =
                70 + (size_t)g->st[s].vol * 2 < n ? 70 + (size_t)g->st[s].vol * 2 : n;
            k = ((size_t)g->st[s].id * 2654435761u + tk_rng_index(r, load)) % n;
        } else {
            k = tk_rng_index(r, n);
        }
        const uint32_t cand = g->pool[p][k];
        const uint8_t f = g->res[cand].flags;
        if (tk_behaviour_same_household(g, &g->st[s], cand))
            continue;
        if ((f & R_DV) && dept != D_SHIMIN)
            continue;
        if ((f & R_WATCH) && dept != D_SHIMIN && dept != D_ZEIMU)
            continue;
        return cand;
    }
    return NONE32;
}

static unsigned proc_pm(size_t dept, size_t sys)
{
    if (sys == SYS_SEIHO || sys == SYS_SHOGAI || sys == SYS_KAIGO)
        return 620;
    return dept == D_SHIMIN ? 560 : 430;
}

/* One task: maybe a search, one to three lookups of the same resident, maybe a processing step;
 * or, now and then, a list printed or exported. Returns the time after the task. */
static int64_t do_task(tk_city *g, size_t s, size_t dept, size_t term, size_t sys, int64_t t,
                       int kenmu)
{
    tk_rng *r = &g->rb;
    const authdef *a = tk_city_auth_of(dept, sys);
    const int level = kenmu ? LV_ALL : a ? a->level : LV_LOOKUP;
    const int mynum = !kenmu && a && a->mynum;
    int fn;
    if (level == LV_ALL && tk_rng_pm(r, 22) && (fn = tk_behaviour_pick_fn(r, sys, FC_LIST)) >= 0) {
        const int op = tk_city_systems[sys].fn[fn].op;
        tk_behaviour_add_ev(
            g, s, term, sys, (size_t)fn, NONE32, t,
            (uint32_t)(op == OP_PRINT ? tk_rng_range(r, 3, 40) : tk_rng_range(r, 10, 60)), 1);
        return t + tk_rng_range(r, 20, 120);
    }
    if (level == LV_ALL && tk_rng_pm(r, 2) &&
        (fn = tk_behaviour_pick_fn(r, sys, FC_EXTRACT)) >= 0) {
        tk_behaviour_add_ev(g, s, term, sys, (size_t)fn, NONE32, t,
                            (uint32_t)tk_rng_range(r, 20, 90), 1);
        return t + tk_rng_range(r, 30, 180);
    }
    const uint32_t subj = pick_subject(g, s, dept, sys);
    if ((subj == NONE32 || tk_rng_pm(r, 300)) &&
        (fn = tk_behaviour_pick_fn(r, sys, FC_SEARCH)) >= 0) {
        tk_behaviour_add_ev(g, s, term, sys, (size_t)fn, NONE32, t, 1, 1);
        t += tk_rng_range(r, 8, 40);
    }
    if (subj == NONE32)
        return t;
    /* one draw per statement: the evaluation order of the operands of + is unspecified */
    int nl = 1 + tk_rng_pm(r, 450);
    nl += tk_rng_pm(r, 150);
    for (int k = 0; k < nl; k++) {
        fn = -1;
        if (mynum && tk_rng_pm(r, 60))
            fn = tk_behaviour_pick_fn(r, sys, FC_MYNUM);
        if (fn < 0)
            fn = tk_behaviour_pick_fn(r, sys, FC_LOOK);
        tk_behaviour_add_ev(g, s, term, sys, (size_t)fn, subj, t, 1, 1);
        t += tk_rng_range(r, 10, 90);
    }
    if (level == LV_ALL && tk_rng_pm(r, proc_pm(dept, sys)) &&
        (fn = tk_behaviour_pick_fn(r, sys, FC_PROC)) >= 0) {
        const int op = tk_city_systems[sys].fn[fn].op;
        if (op == OP_ISSUE && (g->res[subj].flags & R_DV))
            return t; /* nothing is issued for a protected resident in the baseline */
        tk_behaviour_add_ev(
            g, s, term, sys, (size_t)fn, subj, t,
            op == OP_ISSUE ? (uint32_t)(tk_rng_pm(r, 800) ? 1 : tk_rng_range(r, 2, 3)) : 1, 1);
        t += tk_rng_range(r, 30, 150);
    }
    return t;
}

/* Seasonal load of a department (percent). */
static unsigned season_pct(const tk_city *g, size_t dept, int32_t day)
{
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    switch (dept) {
    case D_ZEIMU:
        return m == 5 || m == 6 ? 250 : 100; /* 住民税 当初課税 */
    case D_SHIMIN:
        return m == 4 || (m == 3 && d >= 20) ? 150 : 100; /* 年度末・年度初めの異動 */
    case D_KOSODATE:
        return m == 6 ? 170 : 100; /* 現況届 */
    case D_SENKYO:
        if (g->variant == TK_GENCITY_VARIANT_B) /* busier weeks, then a quiet return */
            return day >= g->kenmu_from && day <= g->kenmu_to       ? 320
                   : day > g->elect_day && day <= g->elect_day + 21 ? 30
                                                                    : 100;
        return day >= g->kenmu_from && day <= g->kenmu_to ? 250 : 100;
    default:
        return 100;
    }
}

static unsigned dow_pct(const tk_city *g, int32_t day)
{
    unsigned p = 100;
    const int w = wday_of(day);
    if (w == 1)
        p = 115;
    else if (w == 5)
        p = 105;
    if (!is_open(g, day - 1) && !is_open(g, day - 2) && !is_open(g, day - 3))
        p += 20; /* the day after a long weekend */
    return p;
}

/* Ramp-up of a new hire or a transferee (percent of normal volume). */
static unsigned ramp_pct(const staff *s, int32_t day)
{
    int32_t since = day - s->hired;
    if (s->transferred != DAY_NONE && day >= s->transferred && day - s->transferred < since)
        since = day - s->transferred;
    return since < 10 ? 40u : since < 30 ? 65u : since < 60 ? 85u : 100u;
}

/* Time-of-day weights per quarter hour: morning and afternoon peaks, a lunch dip. */
static unsigned slot_weight(int minute)
{
    if (minute < HOURS_FROM)
        return 30;
    if (minute < 9 * 60)
        return 60;
    if (minute < 11 * 60 + 30)
        return 105;
    if (minute < 12 * 60)
        return 85;
    if (minute < 13 * 60)
        return 40;
    if (minute < 13 * 60 + 30)
        return 75;
    if (minute < 16 * 60 + 30)
        return 100;
    if (minute < HOURS_TO)
        return 80;
    return 45;
}

/* Adds [lo, hi) (minutes) split into quarter hours weighted by slot_weight. */
void tk_behaviour_plan_add(dayplan *p, int lo, int hi)
{
    for (int m = lo; m < hi && p->n < 128;) {
        const int next = (m / 15 + 1) * 15 < hi ? (m / 15 + 1) * 15 : hi;
        const unsigned w = slot_weight(m) * (unsigned)(next - m);
        p->sp[p->n].lo = m * 60;
        p->sp[p->n].hi = next * 60;
        p->sp[p->n].w = w;
        p->total += w;
        p->n++;
        m = next;
    }
}

int tk_behaviour_plan_pick(const dayplan *p, tk_rng *r)
{
    unsigned x = tk_rng_below(r, p->total);
    for (size_t i = 0; i < p->n; i++) {
        if (x < p->sp[i].w)
            return p->sp[i].lo + (int)tk_rng_below(r, (uint32_t)(p->sp[i].hi - p->sp[i].lo));
        x -= p->sp[i].w;
    }
    return p->sp[p->n - 1].lo;
}

static size_t pick_sys(const tk_city *g, tk_rng *r, size_t dept, size_t sect)
{
    const sectdef *sc = tk_city_sect_def(dept, sect);
    unsigned w[4];
    for (size_t i = 0; i < 4; i++)
        w[i] = sc->w[i].sys >= 0 && tk_city_has_system(g, (size_t)sc->w[i].sys) ? sc->w[i].w : 0;
    return (size_t)sc->w[tk_rng_weighted(r, w, 4)].sys;
}

static int ceil15(int m)
{
    return (m + 14) / 15 * 15;
}

static int floor15(int m)
{
    return m / 15 * 15;
}

/* Draws n tasks over the plan for one system mix (or one fixed system). */
void tk_behaviour_run_tasks(tk_city *g, size_t s, size_t dept, size_t sect, size_t term,
                            int32_t day, const dayplan *p, unsigned n, int fixed_sys, int kenmu)
{
    if (p->total == 0)
        return;
    for (unsigned k = 0; k < n; k++) {
        const int sec = tk_behaviour_plan_pick(p, &g->rb);
        const size_t sys = fixed_sys >= 0 ? (size_t)fixed_sys : pick_sys(g, &g->rb, dept, sect);
        do_task(g, s, dept, term, sys, at(day, sec), kenmu);
    }
}

static unsigned task_count(tk_city *g, const staff *s, size_t dept, int32_t day, int work_min)
{
    uint64_t n = s->vol;
    n = n * season_pct(g, dept, day) / 100 * dow_pct(g, day) / 100 * ramp_pct(s, day) / 100;
    n = n * (uint64_t)(work_min > 0 ? work_min : 0) / 465;
    n = n * g->volume / 100;
    const int noisy = tk_rng_bell(&g->rb, (int)n, (int)isqrt((unsigned)n) + (int)n / 6);
    return noisy > 0 ? (unsigned)noisy : 0;
}

/* Whether staff member i stays away on day: not employed, annual leave, or (on the 休日開庁
 * Sunday) not on the rota. */
static int decide_absent(tk_city *g, size_t i, int32_t day)
{
    tk_rng *r = &g->rb;
    const staff *s = &g->st[i];
    const size_t dept = dept_on(s, day);
    if (!employed(s, day))
        return 1;
    if (dflag(g, day) & DF_OPEN_SUNDAY)
        return (dept != D_SHIMIN && dept != D_ZEIMU && dept != D_HOKEN) ||
               s->role == ROLE_MANAGER || !tk_rng_pm(r, 450);
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    const unsigned leave_pm = 55 + ((m == 7 && d >= 15) || m == 8 ? 45u : 0u);
    return tk_rng_pm(r, leave_pm);
}

/* A department never leaves its systems unattended: if everybody in a department with business
 * systems took leave on the same day, one of them comes in after all. */
static void keep_cover(tk_city *g, int32_t day, uint8_t *absent)
{
    if (dflag(g, day) & DF_OPEN_SUNDAY)
        return;
    for (size_t d = 0; d < D_COUNT; d++) {
        if (!dept_has_systems(d))
            continue;
        size_t present = 0, cand = SIZE_MAX;
        for (size_t i = 0; i < g->nst; i++) {
            if (dept_on(&g->st[i], day) != d || !employed(&g->st[i], day))
                continue;
            present += !absent[i];
            if (absent[i] && (cand == SIZE_MAX || g->st[i].role < g->st[cand].role))
                cand = i;
        }
        if (present == 0 && cand != SIZE_MAX)
            absent[cand] = 0;
    }
}

/* One staff member's day: sessions, overtime rows, tasks. */
/* The minutes between which staff member s works on day: a usual day with its spread, a half
 * day off now and then, staying late (more often in a busy season), or the 休日開庁 rota. */
static void work_hours(tk_city *g, const staff *s, size_t dept, int32_t day, int *start, int *end)
{
    tk_rng *r = &g->rb;
    *end = HOURS_TO;
    if (dflag(g, day) & DF_OPEN_SUNDAY) {
        *start = 8 * 60 + 45 + tk_rng_range(r, 0, 10);
        *end = 16 * 60 + 30 - tk_rng_range(r, 0, 20);
        return;
    }
    *start = s->start + tk_rng_range(r, -4, 6);
    if (tk_rng_pm(r, 20)) {
        if (tk_rng_pm(r, 500))
            *start = 13 * 60 + tk_rng_range(r, 0, 10);
        else
            *end = 12 * 60;
    }
    const unsigned season = season_pct(g, dept, day);
    const unsigned late = s->late_pm + (season > 100 ? (season - 100) * 3 : 0);
    if (*end == HOURS_TO && tk_rng_pm(r, late)) {
        *end = HOURS_TO + tk_rng_range(r, 15, 100);
        if (season > 100)
            *end += tk_rng_range(r, 0, 100);
    }
}

/* Logon and logoff events of one day (logon and logoff in seconds): one session, or two with a
 * logoff over lunch, or (election 兼務) the afternoon at 選挙管理委員会's terminal. */
static void day_sessions(tk_city *g, size_t i, int32_t day, size_t term, int logon, int logoff,
                         int mode)
{
    tk_rng *r = &g->rb;
    const staff *s = &g->st[i];
    const int lunch = s->lunch;
    tk_behaviour_add_tv(g, i, term, at(day, logon), TK_LOGON);
    if (mode != 0) {
        const size_t pm_term = mode == 2 ? s->kenmu_term : term;
        tk_behaviour_add_tv(g, i, term, at(day, lunch * 60 + tk_rng_range(r, 0, 180)), TK_LOGOFF);
        tk_behaviour_add_tv(g, i, pm_term, at(day, (lunch + 60) * 60 - tk_rng_range(r, 120, 540)),
                            TK_LOGON);
        tk_behaviour_add_tv(g, i, pm_term, at(day, logoff), TK_LOGOFF);
    } else {
        tk_behaviour_add_tv(g, i, term, at(day, logoff), TK_LOGOFF);
    }
    g->slog[sd_index(g, i, day)] = (int32_t)(g->ntv - 1);
}

/* One staff member's day: sessions, overtime rows, tasks. */
static void sim_staff_day(tk_city *g, size_t i, int32_t day, int absent)
{
    tk_rng *r = &g->rb;
    staff *s = &g->st[i];
    const size_t sdi = sd_index(g, i, day);
    const uint8_t f = dflag(g, day);
    const size_t dept = dept_on(s, day), sect = sect_on(s, day), term = term_on(s, day);
    int start, end;
    if (absent)
        return;
    work_hours(g, s, dept, day, &start, &end);
    const int logon = start * 60 - tk_rng_range(r, 4 * 60, 20 * 60);
    const int logoff = end * 60 + tk_rng_range(r, 2 * 60, 14 * 60);
    const int lunch = s->lunch;
    g->son[sdi] = (int16_t)start;
    g->soff[sdi] = (int16_t)end;
    if (tk_rng_pm(r, 25))
        tk_behaviour_add_tv(g, i, term, at(day, logon - tk_rng_range(r, 5, 40)), TK_FAIL);
    const int kenmu = s->kenmu && day >= g->kenmu_from && day <= g->kenmu_to &&
                      !(f & DF_OPEN_SUNDAY) && start < lunch && end > lunch + 60 &&
                      tk_rng_pm(r, 650);
    const int split = s->lunch_logoff && start < lunch && end > lunch + 60;
    day_sessions(g, i, day, term, logon, logoff, kenmu ? 2 : split ? 1 : 0);
    if (end > HOURS_TO)
        tk_behaviour_add_ot(g, i, day, HOURS_TO, ceil15(logoff / 60 + 1));
    if (start < HOURS_FROM && !(f & DF_OPEN_SUNDAY))
        tk_behaviour_add_ot(g, i, day, floor15(logon / 60), HOURS_FROM);
    /* tasks start at least 9 minutes before a block ends, so a whole task (search, lookups,
     * processing) stays inside the logon session */
    const int am_hi = (lunch < end ? lunch : end) - 9,
              pm_lo = lunch + 60 > start ? lunch + 60 : start;
    dayplan am = {0}, pm = {0};
    tk_behaviour_plan_add(&am, start, am_hi);
    tk_behaviour_plan_add(&pm, pm_lo, end - 9);
    const int am_min = am_hi > start ? am_hi - start : 0;
    const int pm_min = end - 9 - pm_lo;
    if (kenmu) { /* mornings at the own desk, afternoons at 選挙管理委員会's terminal */
        if (dept_has_systems(dept))
            tk_behaviour_run_tasks(g, i, dept, sect, term, day, &am,
                                   task_count(g, s, dept, day, am_min), -1, 0);
        tk_behaviour_run_tasks(g, i, D_SENKYO, 0, s->kenmu_term, day, &pm,
                               (unsigned)tk_rng_range(r, 10, 25), SYS_SENKYO, 1);
    } else if (dept_has_systems(dept)) {
        dayplan all = am;
        for (size_t k = 0; k < pm.n && all.n < 128; k++) {
            all.sp[all.n++] = pm.sp[k];
            all.total += pm.sp[k].w;
        }
        tk_behaviour_run_tasks(g, i, dept, sect, term, day, &all,
                               task_count(g, s, dept, day, am_min + (pm_min > 0 ? pm_min : 0)), -1,
                               0);
    }
}

/* A time (seconds of day) when staff member s is surely at work and logged on, in the morning
 * (am) or afternoon block, away from lunch; -1 if s is absent or the block is empty. */
int tk_behaviour_safe_time(tk_city *g, tk_rng *r, size_t s, int32_t day, int am)
{
    if (!in_period(g, day))
        return -1;
    const size_t sdi = sd_index(g, s, day);
    const int on = g->son[sdi], off = g->soff[sdi], lunch = g->st[s].lunch;
    if (on < 0)
        return -1;
    int lo, hi;
    if (am) {
        lo = on + 10 > 9 * 60 ? on + 10 : 9 * 60;
        hi = lunch - 15 < 11 * 60 + 20 ? lunch - 15 : 11 * 60 + 20;
    } else {
        lo = lunch + 70 > 13 * 60 + 40 ? lunch + 70 : 13 * 60 + 40;
        hi = off - 10 < 16 * 60 + 50 ? off - 10 : 16 * 60 + 50;
    }
    if (hi <= lo)
        return -1;
    return tk_rng_range(r, lo * 60, hi * 60 - 1);
}

/* Every system has rows on every ordinary open day: if nobody used one today, a present member
 * of an authorised department does a few tasks. */
static void ensure_rows(tk_city *g, int32_t day)
{
    if (!is_workday(g, day))
        return;
    for (size_t sys = 0; sys < SYS_COUNT; sys++) {
        if (g->sys_today[sys] || !tk_city_has_system(g, sys))
            continue;
        const size_t first = tk_rng_index(&g->rb, g->nst);
        for (int lv = LV_ALL; lv >= LV_LOOKUP && !g->sys_today[sys]; lv--) {
            for (size_t k = 0; k < g->nst && !g->sys_today[sys]; k++) {
                const size_t i = (first + k) % g->nst;
                const staff *s = &g->st[i];
                const size_t dept = dept_on(s, day);
                const authdef *a = tk_city_auth_of(dept, sys);
                if (a == NULL || a->level != lv)
                    continue;
                for (int n = tk_rng_range(&g->rb, 1, 3); n > 0; n--) {
                    int sec = tk_behaviour_safe_time(g, &g->rb, i, day, n & 1);
                    if (sec < 0) /* a half day: the other block */
                        sec = tk_behaviour_safe_time(g, &g->rb, i, day, !(n & 1));
                    if (sec >= 0)
                        do_task(g, i, dept, term_on(s, day), sys, at(day, sec), 0);
                }
            }
        }
    }
}

size_t tk_behaviour_device_of_dept(size_t dept)
{
    for (size_t i = 0; i < NDEV; i++)
        if (tk_city_devdefs[i].dept == (int)dept)
            return i;
    return NDEV;
}

void tk_behaviour_add_mv(tk_city *g, size_t s, size_t term, size_t dev, int64_t t, int kind,
                         const char *file, uint64_t bytes)
{
    mev *e = tk_city_push_mv(g);
    e->t = t;
    e->seq = g->seq++;
    e->staff = (uint32_t)s;
    e->term = (uint16_t)term;
    e->dev = (uint16_t)dev;
    e->kind = (uint8_t)kind;
    e->bytes = bytes;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
}

static void yyyymm(int32_t day, char *out, size_t cap)
{
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    snprintf(out, cap, "%04d%02d", y, m);
}

/* Approved USB sticks in office hours: a department sends data to 国保連, receives 給与支払報告書,
 * and so on, every couple of weeks. In the inspection period each use is a hard negative. */
static void media_day(tk_city *g, int32_t day)
{
    tk_rng *r = &g->rb;
    if (!is_workday(g, day))
        return;
    for (size_t dev = 0; dev < NDEV; dev++) {
        if (tk_city_devdefs[dev].dept < 0)
            continue;
        const size_t dept = (size_t)tk_city_devdefs[dev].dept;
        const unsigned pm =
            dept == D_SENKYO && day >= g->kenmu_from && day <= g->kenmu_to ? 200 : 55;
        if (!tk_rng_pm(r, pm))
            continue;
        const size_t first = tk_rng_index(r, g->nst);
        for (size_t k = 0; k < g->nst; k++) {
            const size_t i = (first + k) % g->nst;
            const staff *s = &g->st[i];
            if (dept_on(s, day) != dept || s->reserved == RS_SPECIAL)
                continue;
            const int sec = tk_behaviour_safe_time(g, r, i, day, (int)tk_rng_below(r, 2));
            if (sec < 0)
                continue;
            const size_t term = term_on(s, day);
            char ym[8], file[96];
            yyyymm(day, ym, sizeof ym);
            snprintf(file, sizeof file, tk_city_media_file(dept), ym);
            int64_t t = at(day, sec);
            tk_behaviour_add_mv(g, i, term, dev, t, MK_CONNECT, NULL, 0);
            const int nfiles = tk_rng_range(r, 1, 2);
            for (int f = 0; f < nfiles; f++) {
                t += tk_rng_range(r, 20, 90);
                tk_behaviour_add_mv(g, i, term, dev, t, MK_COPY, file,
                                    (uint64_t)tk_rng_range(r, 20000, 8000000));
            }
            tk_behaviour_add_mv(g, i, term, dev, t + tk_rng_range(r, 30, 240), MK_DISCONNECT, NULL,
                                0);
            if (day >= g->insp_from)
                tk_city_truth_add(g, 1, "approved_media", "terminal", g->tm[term].name, day, day,
                                  "22", "承認済み媒体(%s)への業務時間内の書出し(%s)。職員%06u",
                                  tk_city_devdefs[dev].name, file, s->id);
            break;
        }
    }
}

int tk_behaviour_simulate(tk_city *g)
{
    uint8_t *absent = tk_calloc(g->nst ? g->nst : 1, 1);
    if (absent == NULL)
        return TK_ENOMEM;
    for (int32_t day = g->from; day <= g->to; day++) {
        g->day_ev[day - g->from] = g->nev;
        g->day_tv[day - g->from] = g->ntv;
        memset(g->sys_today, 0, sizeof g->sys_today);
        if (is_open(g, day)) {
            for (size_t i = 0; i < g->nst; i++)
                absent[i] = (uint8_t)decide_absent(g, i, day);
            keep_cover(g, day, absent);
            for (size_t i = 0; i < g->nst; i++)
                sim_staff_day(g, i, day, absent[i]);
            ensure_rows(g, day);
            media_day(g, day);
        }
        if (g->tty && (day - g->from) % 7 == 0) {
            int y, m, d;
            ymd_of(day, &y, &m, &d);
            fprintf(stderr, "\rgen-city: simulating %04d-%02d-%02d, %zu events", y, m, d, g->nev);
            fflush(stderr);
        }
    }
    g->day_ev[g->ndays] = g->nev_base = g->nev;
    g->day_tv[g->ndays] = g->ntv_base = g->ntv;
    if (g->tty)
        fprintf(stderr, "\r%60s\r", "");
    tk_free(absent);
    return TK_OK;
}
