/* models/rules.c -- evaluating the rule catalogue, one day at a time.
 *
 * One pass over the days. The period's events are read a JST day at a
 * time (features/dayevents.h, sorted by user and time), from
 * `baseline_days` before the period to its last day. Each day is walked
 * twice: once by user (the runs of the sorted array) and once by terminal
 * (an index sorted by terminal and time). Rules about one member of staff
 * on one day (R01-R04, R07-R16, R20, R24-R27, R31, R32, the per-account part
 * of R17) are decided on the user's run; rules about a terminal (R21-R23,
 * R28, R30, the per-terminal part of R17) on the terminal's run. Each rule
 * collects its events of the run in an accumulator (count, capped evidence
 * ids, time range, systems, terminals) and emits at most one finding per
 * entity and day, so a clerk with forty lookups after hours is one
 * finding with forty evidence events, not forty findings.
 *
 * Baseline days are read, never reported on. They feed the per-所属
 * distributions of per-user-day values behind the percentile thresholds
 * -- distinct residents looked up (R03), the share of them left without
 * processing (R11) and records per print or export (R24) -- which are
 * frozen into percentiles (linear interpolation between order
 * statistics, Hyndman and Fan's type 7) when the first day of the period
 * starts; the state of the multi-day windows; and the history of the
 * daily row counts per system (R29).
 *
 * Cross-day state is kept compact:
 *   - R05 (one user, one resident, >= 3 days in 30): a hash table of
 *     pairs (user << 32 | resident) holding two 64-bit day masks, the
 *     days of the last 64 the pair was looked up and processed, so a
 *     day's count in the window is a popcount; pairs untouched for a
 *     window are dropped when the table grows. The evidence ids live in a
 *     ring of per-day lists (sorted keys with the day's first ids), read
 *     by binary search only for a pair that is raised. A raised pair is
 *     extended while the pattern goes on and withdrawn if the user
 *     processes the resident within followup_days of the last lookup.
 *     Chance repeats are discounted with each user's return rate per
 *     system, learnt on every day read (r05_chance() explains the model).
 *   - R06 (one resident, >= 5 outside staff in 7 days): the same ring of
 *     per-day lists keyed resident << 32 | user; a resident's staff in the
 *     window are collected by binary search in each day's list.
 *   - Logon sessions: the open sessions of each account (R18, R19) and of
 *     each terminal (R28) carry over midnight. A session without a logoff
 *     is considered ended after max_session_hours.
 *   - R29: the row count of each system on each day read.
 *
 * Legitimising master data is applied where the rule is decided: an event
 * inside an approved overtime order is not after-hours, a 兼務 grants its
 * 所属's systems and terminals, a transfer leaves the old 所属's systems
 * usable for grace_days, an approved medium in hours is a low finding
 * with its context, and a training account (研修マスタ) in its training
 * period is a known account for R31. With TK_RULES_EXPLAINED_LOW the
 * cases that master data explained completely are raised anyway, at low
 * severity, with the context saying why ("時間外勤務命令 17:15–21:30
 * あり"); by default they are dropped. A 休日開庁 day is an open day of the
 * calendar, so the closed-day rule never sees it.
 *
 * R27 (研修中の実在住民照会) needs no state of its own: whether the user of
 * a run is a training account in training is asked once per user-day, and
 * each of its operations on a resident is checked against the residents
 * master through the same per-resident cache R07/R08 use. Training works
 * on fictitious 宛名番号 the residents master does not list, so a listed
 * one is a real resident.
 *
 * Determinism: everything depends only on the store, the snapshot, the
 * calendar and the configuration; ties in the final order are broken by
 * entity, last day and summary, and the evidence lists are in time
 * order. Resident numbers never appear: a resident is named by the hex of
 * its pseudonym (and by its first 8 digits in summaries). */
#include "models/rules.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "features/dayevents.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/store.h"
#include "src/timefmt.h"

#define MIN_MS          ((int64_t)60000)
#define HOUR_MS         ((int64_t)3600000)
#define ACC_SET         8 /* systems, terminals, users remembered per accumulator */
#define EV_PER_DAY      3 /* evidence ids kept per key and day in the R05/R06 lists */
#define MAX_PERIOD      3660
#define SUBJ_NONE       0u
#define NO_DEPT         TK_MASTERSNAP_NO_DEPT
#define PS_SIZE         TK_MASTERSNAP_PS_SIZE
#define RING_MAX        61 /* window_days <= 60, plus today */
#define HABIT_MIN_DAYS  20 /* baseline working days R01's habit needs */
#define HABIT_EVE_FROM  17 /* R01's habit: last business at or after 17:00 ... 23:00 */
#define HABIT_EVE       7
#define HABIT_MORN_FROM 5 /* ... first business before 5:00 ... 8:00 */
#define HABIT_MORN      4

/* The rules this module evaluates, in catalogue id order. */
enum {
    X01,
    X02,
    X03,
    X04,
    X05,
    X06,
    X07,
    X08,
    X09,
    X10,
    X11,
    X12,
    X13,
    X14,
    X15,
    X16,
    X17,
    X18,
    X19,
    X20,
    X21,
    X22,
    X23,
    X24,
    X25,
    X26,
    X27,
    X28,
    X29,
    X30,
    X31,
    X32,
    NX
};
static const char *const xid[NX] = {"R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08",
                                    "R09", "R10", "R11", "R12", "R13", "R14", "R15", "R16",
                                    "R17", "R18", "R19", "R20", "R21", "R22", "R23", "R24",
                                    "R25", "R26", "R27", "R28", "R29", "R30", "R31", "R32"};

/* ---- small helpers ---------------------------------------------------------- */

static int is_business(int op)
{
    return op < TK_OP_LOGON || op == TK_OP_OTHER;
}

static int is_lookup(int op)
{
    return op == TK_OP_LOOKUP || op == TK_OP_SEARCH;
}

/* Processing of a resident: what makes a lookup "not lookup-only". */
static int is_process(int op)
{
    return op == TK_OP_ADD || op == TK_OP_UPDATE || op == TK_OP_DELETE || op == TK_OP_ISSUE ||
           op == TK_OP_PRINT || op == TK_OP_EXPORT;
}

static int is_output(int op)
{
    return op == TK_OP_PRINT || op == TK_OP_EXPORT || op == TK_OP_EXTRACT;
}

static int is_media_write(int op)
{
    return op == TK_OP_MEDIA_COPY || op == TK_OP_MEDIA_MOVE;
}

static int sev_add(int sev, int delta)
{
    sev += delta;
    return sev < TK_RULECAT_LOW        ? TK_RULECAT_LOW
           : sev > TK_RULECAT_CRITICAL ? TK_RULECAT_CRITICAL
                                       : sev;
}

static void fmt_day(int64_t day, char buf[11])
{
    int y, m, d;
    tk_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 11, "%04d-%02d-%02d", y % 10000, m, d);
}

/* "22:41" (JST) of unix ms t. */
static void fmt_hm(int64_t t, char buf[6])
{
    const int ms = tk_jst_ms_of_day(t);
    snprintf(buf, 6, "%02d:%02d", (ms / 3600000) % 24, (ms / 60000) % 60);
}

static void fmt_minute(int minute, char buf[6])
{
    snprintf(buf, 6, "%02d:%02d", (minute / 60) % 100, minute % 60);
}

static void hex_ps(const uint8_t *ps, char out[2 * PS_SIZE + 1])
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < PS_SIZE; i++) {
        out[2 * i] = hx[ps[i] >> 4];
        out[2 * i + 1] = hx[ps[i] & 15];
    }
    out[2 * PS_SIZE] = '\0';
}

/* Type-7 percentile of the sorted values v[0..n), p in [0, 100]. */
static double percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    const double h = (double)(n - 1) * p / 100.0;
    const size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return v[n - 1];
    return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- growable arrays ------------------------------------------------------------ */

/* Makes room for one more element in *v (n used, *cap allocated, elem
 * bytes each). */
static int reserve(void **v, size_t n, size_t *cap, size_t elem, tk_error *err)
{
    if (n < *cap)
        return TK_OK;
    size_t nc, bytes;
    if (!tk_mul_size(*cap ? *cap : 8, 2, &nc) || !tk_mul_size(nc, elem, &bytes))
        return tk_error_set(err, TK_ENOMEM, "rule evaluation: array too large");
    void *p = tk_realloc(*v, bytes);
    if (p == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory evaluating rules");
    *v = p;
    *cap = nc;
    return TK_OK;
}

#define RESERVE(arr, n, cap, err) reserve((void **)&(arr), (n), &(cap), sizeof *(arr), (err))

/* ---- accumulators ---------------------------------------------------------------- */

/* The events of one rule for one entity and day (or window). */
struct acc {
    uint64_t n;
    uint64_t nctx; /* context events in the evidence (acc_add_context), not in n */
    int64_t *ev;
    size_t nev, cap;
    int64_t t0, t1; /* first and last event time */
    int sev;        /* highest severity among the events */
    double value, threshold;
    uint32_t sys[ACC_SET], term[ACC_SET], usr[ACC_SET];
    size_t nsys, nterm, nusr;
    uint32_t fn, subj, dev; /* a function, resident, device of note (0: none) */
    uint32_t key_sys;       /* the system of the event that set value */
    unsigned flags;         /* rule-specific */
    int64_t aux;            /* rule-specific */
    int64_t since;          /* R18: start of the running overlap, or INT64_MIN */
};

static void acc_reset(struct acc *a)
{
    a->n = 0;
    a->nctx = 0;
    a->nev = 0;
    a->t0 = INT64_MAX;
    a->t1 = INT64_MIN;
    a->sev = 0;
    a->value = a->threshold = 0;
    a->nsys = a->nterm = a->nusr = 0;
    a->fn = a->subj = a->dev = a->key_sys = 0;
    a->flags = 0;
    a->aux = 0;
    a->since = INT64_MIN;
}

static void set_add(uint32_t *set, size_t *n, uint32_t v)
{
    if (v == 0)
        return;
    for (size_t i = 0; i < *n; i++)
        if (set[i] == v)
            return;
    if (*n < ACC_SET)
        set[(*n)++] = v;
}

/* ---- the evaluation state ------------------------------------------------------- */

/* One key of a day list (R05: user << 32 | resident; R06: resident << 32
 * | user). flags: 1 looked up, 2 processed. */
struct dent {
    uint64_t key;
    int64_t ev[EV_PER_DAY];
    uint32_t n;
    uint32_t flags;
    uint32_t sys;  /* system of the first lookup */
    uint32_t dept; /* R06: the member's 所属 (UINT32_MAX: unknown) */
};

struct dlist {
    int64_t day; /* INT64_MIN: empty slot */
    struct dent *v;
    size_t n, cap;
};

/* R29's drop of one system that is still going on: consecutive open days
 * below the reference, all empty or all not, are one finding. */
struct r29_run {
    size_t finding;
    int64_t last;  /* its last day (INT64_MIN: none) */
    int zero;      /* its days have no rows */
    double lo, hi; /* the fewest and most rows of its days */
    int64_t days;  /* its open days */
    double mean;   /* the reference of its first day */
};

/* A raised multi-day finding that may still be extended or withdrawn. */
struct open_case {
    uint64_t key;
    size_t finding;
    int64_t first_day;
    int64_t last_day;
};

/* R05's per-pair history: the days of the last 64 on which the user
 * looked the resident up (bit i: day0 - i) and processed it. Open
 * addressing with linear probing; key 0 is an empty slot (user ids start
 * at 1). Pairs untouched for a window are dropped when the table grows. */
struct pent {
    uint64_t key;
    int64_t day0;
    uint64_t look, proc;
};

struct pmap {
    struct pent *v;
    size_t cap, n; /* cap is a power of two */
};

static size_t pmap_slot(const struct pmap *m, uint64_t key);

struct sess {
    uint32_t term; /* R18/R19: terminal; R28: user */
    int64_t t;
    int64_t ev;
};

struct sessv {
    struct sess *v;
    size_t n, cap;
    int64_t last_off; /* R28: the terminal's last logoff */
};

struct dist {
    double *v;
    size_t n, cap;
    double p, median; /* frozen percentile and median */
};

/* What the catalogue says for a rule. */
struct rcfg {
    size_t idx; /* catalogue index */
    int on;
    int sev;
};

/* Parameters, read once. */
struct prm {
    int64_t r01_grace, r01_min, r02_min;
    int r01_night_start, r01_night_end; /* minutes of the day */
    double r03_min, r03_pct, r03_mult;
    size_t r03_samples;
    size_t r04_min;
    int64_t r04_win;
    int64_t r05_min, r05_win;
    int64_t r05_smin, r05_swin; /* spread visits: days within the long window (0: off) */
    int64_t r05_hist;           /* the longer of the two windows */
    double r05_chance;
    double r06_chance; /* R06: most residents expected by chance (max_chance) */
    int64_t r05_followup;
    int r08_lookup_only;
    size_t r06_min;
    int64_t r06_win;
    int r10_issue;
    int64_t r09_rdays, r10_rdays;  /* routine 所属: baseline days (0: off) */
    size_t r09_rstaff, r10_rstaff; /* and members */
    double r11_pct;
    size_t r11_min, r11_samples;
    double r11_p;
    int r13_level;
    int64_t r15_grace;
    size_t r17_ufail, r17_tusers;
    int64_t r17_uwin, r17_twin;
    int64_t r18_max;
    double r18_overlap;
    double r19_max;
    double r19_margin; /* ms past the day's hours a session may last */
    int r22_approved;
    double r24_min, r24_pct;
    size_t r24_samples;
    double r25_min;
    int64_t r28_grace, r28_max;
    double r29_ratio;
    int64_t r29_hist, r29_minhist, r29_long;
    double r30_min;
    size_t r30_res;
    int64_t r30_win;
    size_t r32_min;
    int64_t r32_win;
};

/* One finding being built; the strings are owned here and exposed through
 * f's const pointers. */
struct fnd {
    tk_rules_finding f;
    char *entity, *resident, *summary, *context, *detail;
    int64_t *ev;
    int dropped;
};

struct tk_rules_result {
    struct fnd *v;
    size_t n, cap;
    char **notes;
    size_t nnotes, notes_cap;
    tk_rules_stats stats;
    int64_t first_day, last_day;
    char *config;
};

/* Per-terminal facts of the current day, looked up once. */
struct tinfo {
    int64_t day;
    int found, registered, kind;
    size_t dept_id;
    const char *dept;
};

/* Per-system authorisation of the current user run. */
struct ainfo {
    uint32_t stamp;
    int ngrants, level, mynumber, fn_rows, assigned, prev_grants;
};

struct ctx {
    tk_db *db;
    const tk_mastersnap *ms;
    const tk_calendar *cal;
    const tk_rulecat_config *cfg;
    tk_rules_options opt;
    int64_t first_day, last_day, base_first;
    struct rcfg r[NX];
    struct prm p;
    /* master kinds imported */
    int have_auth, have_staff, have_terms, have_media, have_training, have_resid;

    tk_store_names users, terms, systems, functions, devices, subjects;
    uint32_t *tord; /* the day's events by terminal: indices into the day */
    size_t tord_cap;
    struct tkey *tkeys;
    size_t tkeys_cap;

    /* per resident id */
    uint32_t *s_seen, *s_proc, *s_5, *s_6, *s_i5, *s_i6, *s_27;
    uint32_t *s_win;
    size_t nsubj;
    /* Per subject id: its row in the residents master version in force
     * (found or not), cached for the version res_ver names. */
    struct rcache {
        int64_t ver1; /* version + 1; 0: not looked up */
        int has;
        tk_mastersnap_resident res;
    } * rcache;
    int64_t res_ver;
    uint32_t run; /* stamp of the current run */

    /* per user id / terminal id / system id */
    struct sessv *usess, *tsess;
    size_t nusers, nterms, nsys;
    struct tinfo *tinf;
    struct ainfo *ainf;
    int64_t *sys_owner_day;
    int *sys_owner;
    /* R05's chance model: residents looked up per system (a bitset per
     * system and its count), each user's distinct residents per active day
     * and system, and each user's active days (bit i: day act_day - i) */
    uint64_t *pool;
    size_t pool_words;
    uint32_t *pool_n;
    double *us_sum;
    uint32_t *us_days;
    double *ret_n, *ret_w; /* residents seen again within the window, and the active
                              days they could have been seen on, per user and system */
    double *ret_l;         /* ret_n of residents not processed in the window */
    uint32_t *ret_e;       /* residents counted */
    uint32_t *run_sys, *touched;
    size_t ntouched;
    int64_t *act_day;
    uint64_t *act_mask;
    /* R01's habit: per user, the baseline's open working days with business
     * (hab_days) and, of them, those whose last business event was at or
     * after HABIT_EVE_FROM + h o'clock (hab_eve[HABIT_EVE * user + h]) or
     * whose first was before HABIT_MORN_FROM + h o'clock (hab_morn), orders
     * or not */
    uint32_t *hab_days, *hab_eve, *hab_morn;
    uint32_t *hab_closed; /* R02's habit: the baseline's closed days with business */
    uint32_t *u_stamp;    /* R06: distinct users of a resident */
    uint32_t ustamp;
    uint32_t *u_win;

    /* accumulators: per user run [rule][0 unexplained, 1 explained], per terminal run */
    struct acc ua[NX][2];
    struct acc ta[NX];

    /* scratch: the run's lookups (R04) and failures (R17) */
    size_t *scr;
    size_t scr_n, scr_cap;
    /* scratch of R32: the run's look-up-only lookups with their 町丁 */
    struct bent {
        uintptr_t block;
        int64_t t;
        size_t i;
    } * b32;
    size_t b32_cap;
    size_t *i32;
    size_t i32_cap;

    /* cross-day */
    struct dlist ring5[RING_MAX], ring6[RING_MAX];
    struct pmap pairs;
    struct open_case *oc5, *oc6;
    size_t noc5, oc5_cap, noc6, oc6_cap;
    struct open_case *ocw; /* look-up-only watch-list findings a later processing explains */
    size_t nocw, ocw_cap;
    uint32_t *cnt;   /* R29: cnt[(day - base_first) * nsys + sys] */
    double *r29_scr; /* R29: one system's counts over the long history */
    int64_t ndays;
    struct dist *d03, *d11, *d24; /* per 所属 */
    struct routine *wr;           /* per 所属: its baseline look-ups of listed residents */
    size_t ndepts;
    double *r06_t;            /* R06's chance: per 所属 (and unknown), the window's pairs */
    double r06_n;             /* and the residents the systems have shown (the largest pool) */
    int64_t r06_t_day;        /* the day both were counted for (INT64_MIN: never) */
    struct r29_run *r29_open; /* per system: the drop of the last open days */
    int frozen;

    tk_rules_result *res;
};

/* A 所属's baseline look-ups of watch-listed residents, per category
 * (著名人, 職員関係, 支援措置): on how many days, by how many members (the
 * first ROUTINE_UIDS counted). */
#define ROUTINE_UIDS 16
struct routine {
    int64_t last[3], days[3];
    uint32_t uid[3][ROUTINE_UIDS];
    size_t nuid[3];
};

static struct dlist *ring_at(struct dlist *ring, int64_t day)
{
    return &ring[((day % RING_MAX) + RING_MAX) % RING_MAX];
}

static const char *nm(const tk_store_names *d, uint32_t id)
{
    return id < d->n && d->names[id] != NULL ? d->names[id] : "?";
}

static const uint8_t *subj_ps(const struct ctx *c, uint32_t id)
{
    return id != 0 && id < c->subjects.n ? (const uint8_t *)c->subjects.names[id] : NULL;
}

/* The serial of device id (the dictionary writes "name<TAB>serial"). */
static const char *dev_serial(const struct ctx *c, uint32_t id, size_t *len)
{
    const char *d = id ? nm(&c->devices, id) : NULL;
    const char *tab = d ? strchr(d, '\t') : NULL;
    if (tab == NULL || tab[1] == '\0') {
        *len = 0;
        return NULL;
    }
    *len = strlen(tab + 1);
    return tab + 1;
}

static void dev_name(const struct ctx *c, uint32_t id, char *buf, size_t cap)
{
    const char *d = id ? nm(&c->devices, id) : "?";
    const char *tab = strchr(d, '\t');
    const size_t n = tab ? (size_t)(tab - d) : strlen(d);
    snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), d);
}

static int on(const struct ctx *c, int x)
{
    return c->r[x].on;
}

/* Adds event e at severity sev. Accumulators are reset at the start of
 * each run (acc_reset), never here, so that flags set before the first
 * event stay. */
static int acc_add(struct ctx *c, struct acc *a, const tk_dayevent *e, int sev, tk_error *err)
{
    a->n++;
    if (a->nev < c->opt.max_evidence) {
        if (RESERVE(a->ev, a->nev, a->cap, err) != TK_OK)
            return TK_ENOMEM;
        a->ev[a->nev++] = e->id;
    }
    if (e->t < a->t0)
        a->t0 = e->t;
    if (e->t > a->t1)
        a->t1 = e->t;
    if (sev > a->sev)
        a->sev = sev;
    set_add(a->sys, &a->nsys, e->system);
    set_add(a->term, &a->nterm, e->terminal);
    set_add(a->usr, &a->nusr, e->user);
    return TK_OK;
}

/* Adds an evidence id without an event (multi-day findings). */
static int acc_add_id(struct ctx *c, struct acc *a, int64_t id, tk_error *err)
{
    if (a->nev < c->opt.max_evidence) {
        if (RESERVE(a->ev, a->nev, a->cap, err) != TK_OK)
            return TK_ENOMEM;
        a->ev[a->nev++] = id;
    }
    return TK_OK;
}

/* Adds an event that explains the finding without being one of the events
 * the rule counts (the logon still open when the account logs on
 * elsewhere, the output a media copy follows): it is evidence, and counts
 * in the evidence total, once however often it is added. */
static int acc_add_context(struct ctx *c, struct acc *a, int64_t id, tk_error *err)
{
    for (size_t i = 0; i < a->nev; i++)
        if (a->ev[i] == id)
            return TK_OK;
    a->nctx++;
    return acc_add_id(c, a, id, err);
}

/* ---- results ------------------------------------------------------------------ */

static void fnd_free(struct fnd *f)
{
    tk_free(f->entity);
    tk_free(f->resident);
    tk_free(f->summary);
    tk_free(f->context);
    tk_free(f->detail);
    tk_free(f->ev);
}

void tk_rules_result_destroy(tk_rules_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        fnd_free(&r->v[i]);
    tk_free(r->v);
    for (size_t i = 0; i < r->nnotes; i++)
        tk_free(r->notes[i]);
    tk_free(r->notes);
    tk_free(r->config);
    tk_free(r);
}

size_t tk_rules_result_count(const tk_rules_result *r)
{
    return r->n;
}

const tk_rules_finding *tk_rules_result_at(const tk_rules_result *r, size_t i)
{
    assert(i < r->n);
    return &r->v[i].f;
}

const tk_rules_stats *tk_rules_result_stats(const tk_rules_result *r)
{
    return &r->stats;
}

size_t tk_rules_result_note_count(const tk_rules_result *r)
{
    return r->nnotes;
}

const char *tk_rules_result_note(const tk_rules_result *r, size_t i)
{
    assert(i < r->nnotes);
    return r->notes[i];
}

int64_t tk_rules_result_first_day(const tk_rules_result *r)
{
    return r->first_day;
}

int64_t tk_rules_result_last_day(const tk_rules_result *r)
{
    return r->last_day;
}

const char *tk_rules_result_config(const tk_rules_result *r)
{
    return r->config;
}

static int add_note(tk_rules_result *r, const char *text, tk_error *err)
{
    if (RESERVE(r->notes, r->nnotes, r->notes_cap, err) != TK_OK)
        return TK_ENOMEM;
    char *s = tk_strndup(text, strlen(text));
    if (s == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory evaluating rules");
    r->notes[r->nnotes++] = s;
    return TK_OK;
}

static double score_hint(int sev, double value, double threshold, uint64_t n)
{
    static const double band[] = {0, 20, 45, 70, 90};
    double add;
    if (threshold > 0 && value > threshold)
        add = 3.0 * (value / threshold - 1.0);
    else
        add = log2(1.0 + (double)n);
    if (add > 9.9)
        add = 9.9;
    if (add < 0)
        add = 0;
    return band[sev] + add;
}

/* What a finding is built from; strings are borrowed and copied. */
struct emit {
    int x;
    int entity_type;
    const char *entity;
    const uint8_t *resident; /* pseudonym or NULL */
    int64_t day_from, day_to;
    int sev;
    double value, threshold;
    const char *unit;
    const char *summary;
    const char *context; /* or NULL / "" */
    json_t *detail;      /* taken; may be NULL */
    const int64_t *ev;
    size_t nev;
    uint64_t total;
};

static char *dup_or_null(const char *s)
{
    return s && *s ? tk_strndup(s, strlen(s)) : NULL;
}

/* Adds a finding to the result. Returns TK_OK or TK_ENOMEM; *index (may be
 * NULL) receives its position. */
static int emit(struct ctx *c, const struct emit *m, size_t *index, tk_error *err)
{
    tk_rules_result *r = c->res;
    json_t *detail = m->detail;
    if (RESERVE(r->v, r->n, r->cap, err) != TK_OK) {
        json_decref(detail);
        return TK_ENOMEM;
    }
    struct fnd *f = &r->v[r->n];
    memset(f, 0, sizeof *f);
    char hex[2 * PS_SIZE + 1];
    if (m->resident)
        hex_ps(m->resident, hex);
    if (detail == NULL)
        detail = json_object();
    char *dumped = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    f->detail = dumped ? tk_strndup(dumped, strlen(dumped)) : NULL;
    free(dumped); /* json_dumps output is malloc'ed */
    f->entity = tk_strndup(m->entity, strlen(m->entity));
    f->resident = m->resident ? tk_strndup(hex, 2 * PS_SIZE) : NULL;
    f->summary = tk_strndup(m->summary, strlen(m->summary));
    f->context = dup_or_null(m->context);
    f->ev = tk_calloc(m->nev ? m->nev : 1, sizeof *f->ev);
    if (f->entity == NULL || (m->resident && f->resident == NULL) || f->summary == NULL ||
        (m->context && *m->context && f->context == NULL) || f->detail == NULL || f->ev == NULL) {
        fnd_free(f);
        return tk_error_set(err, TK_ENOMEM, "out of memory recording a finding");
    }
    if (m->nev)
        memcpy(f->ev, m->ev, m->nev * sizeof *f->ev);
    const tk_rulecat_rule *rule = tk_rulecat_rule_at(c->r[m->x].idx);
    f->f.rule_id = rule->id;
    f->f.rule = c->r[m->x].idx;
    f->f.item = rule->item;
    f->f.entity_type = m->entity_type;
    f->f.entity = f->entity;
    f->f.resident = f->resident;
    /* a finding is about the period: a window that reaches back into the baseline days (R05's
     * look-ups, a session from the evening before) starts its finding on the period's first
     * day; the summary and detail still say where the pattern began */
    f->f.day_from = m->day_from < c->first_day ? c->first_day : m->day_from;
    f->f.day_to = m->day_to;
    f->f.severity = m->sev;
    f->f.rule_severity = c->r[m->x].sev;
    f->f.value = m->value;
    f->f.threshold = m->threshold;
    f->f.unit = m->unit ? m->unit : "";
    f->f.summary = f->summary;
    f->f.context = f->context;
    f->f.detail = f->detail;
    f->f.evidence = f->ev;
    f->f.nevidence = m->nev;
    f->f.evidence_total = m->total;
    f->f.score_hint = score_hint(m->sev, m->value, m->threshold, m->total);
    if (index)
        *index = r->n;
    r->n++;
    return TK_OK;
}

/* Replaces the summary of finding i (for extended multi-day findings). */
static int set_summary(struct ctx *c, size_t i, const char *s, tk_error *err)
{
    struct fnd *f = &c->res->v[i];
    char *n = tk_strndup(s, strlen(s));
    if (n == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory recording a finding");
    tk_free(f->summary);
    f->summary = n;
    f->f.summary = n;
    return TK_OK;
}

/* Replaces finding i's detail with o (taken, may be NULL: then "null"). */
static int set_detail(struct ctx *c, size_t i, json_t *o, tk_error *err)
{
    struct fnd *f = &c->res->v[i];
    char *dumped = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    char *nd = dumped ? tk_strndup(dumped, strlen(dumped)) : NULL;
    free(dumped); /* json_dumps output is malloc'ed */
    if (nd == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory recording a finding");
    tk_free(f->detail);
    f->detail = nd;
    f->f.detail = nd;
    return TK_OK;
}

/* Appends evidence ids to finding i, keeping at most max_evidence. */
static int add_evidence(struct ctx *c, size_t i, const int64_t *ev, size_t n, uint64_t total,
                        tk_error *err)
{
    struct fnd *f = &c->res->v[i];
    size_t keep = c->opt.max_evidence - f->f.nevidence;
    if (keep > n)
        keep = n;
    if (keep > 0) {
        int64_t *p = tk_realloc(f->ev, (f->f.nevidence + keep) * sizeof *p);
        if (p == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory recording a finding");
        memcpy(p + f->f.nevidence, ev, keep * sizeof *p);
        f->ev = p;
        f->f.evidence = p;
        f->f.nevidence += keep;
    }
    f->f.evidence_total += total;
    return TK_OK;
}

/* ---- JSON detail helpers --------------------------------------------------------- */

static void jset(json_t *o, const char *k, json_t *v)
{
    if (o != NULL && v != NULL)
        json_object_set_new(o, k, v);
    else
        json_decref(v);
}

static json_t *names_json(const tk_store_names *d, const uint32_t *ids, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(nm(d, ids[i])));
    return a;
}

static json_t *acc_detail(const struct ctx *c, const struct acc *a, const char *dept)
{
    json_t *o = json_object();
    char t0[40], t1[40];
    if (dept)
        jset(o, "dept", json_string(dept));
    if (a->nsys)
        jset(o, "systems", names_json(&c->systems, a->sys, a->nsys));
    if (a->nterm)
        jset(o, "terminals", names_json(&c->terms, a->term, a->nterm));
    if (a->nusr)
        jset(o, "users", names_json(&c->users, a->usr, a->nusr));
    if (a->n > 0 && a->t0 != INT64_MAX) {
        tk_time_format_iso(a->t0, t0, sizeof t0);
        tk_time_format_iso(a->t1, t1, sizeof t1);
        jset(o, "time_from", json_string(t0));
        jset(o, "time_to", json_string(t1));
    }
    jset(o, "events", json_integer((json_int_t)a->n));
    return o;
}

/* ---- legitimising context --------------------------------------------------------- */

/* Appends printf output to buf[cap] at *used, silently truncating. */
static void app(char *buf, size_t cap, size_t *used, const char *fmt, ...) TK_PRINTF(4, 5);

static void app(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
    if (*used >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(buf + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used = *used + (size_t)n < cap ? *used + (size_t)n : cap - 1;
}

/* "時間外勤務命令 17:15–21:30" for staff on day ("" if none). */
static void ctx_overtime(const struct ctx *c, const char *staff, int64_t day, char *buf, size_t cap)
{
    size_t used = 0;
    int in = 0, start = 0;
    const size_t len = strlen(staff);
    buf[0] = '\0';
    for (int m = 0; m <= 1440; m++) {
        const int h = m < 1440 && tk_mastersnap_has_overtime(c->ms, staff, len, day, m);
        if (h && !in) {
            in = 1;
            start = m;
        } else if (!h && in) {
            char a[6], b[6];
            in = 0;
            fmt_minute(start, a);
            fmt_minute(m, b);
            app(buf, cap, &used, "%s%s–%s", used ? "、" : "時間外勤務命令 ", a, b);
        }
    }
}

/* 1 if an overtime order of staff covers some minute of [t0, t1]. */
static int overtime_between(const struct ctx *c, const char *staff, int64_t t0, int64_t t1)
{
    const size_t len = strlen(staff);
    if (t1 - t0 > 3 * 24 * HOUR_MS)
        t0 = t1 - 3 * 24 * HOUR_MS;
    for (int64_t t = t0; t <= t1; t += MIN_MS) {
        const int minute = tk_jst_ms_of_day(t) / 60000;
        if (tk_mastersnap_has_overtime(c->ms, staff, len, tk_jst_day(t), minute))
            return 1;
    }
    return 0;
}

/* "兼務 選挙管理委員会（選挙人名簿管理）2024-10-07〜2024-10-26" for the 兼務
 * rows of staff covering day ("" if none). */
static void ctx_kenmu(const struct ctx *c, const char *staff, int64_t day, char *buf, size_t cap)
{
    const tk_mastersnap_assignment *rows = NULL;
    const size_t n = tk_mastersnap_assignments(c->ms, staff, strlen(staff), day, &rows);
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (day < rows[i].from || day > rows[i].to)
            continue;
        char a[11], b[11];
        fmt_day(rows[i].from, a);
        fmt_day(rows[i].to, b);
        app(buf, cap, &used, "%s兼務 %s%s%s%s %s〜%s", used ? "、" : "", rows[i].dept,
            rows[i].system ? "（" : "", rows[i].system ? rows[i].system : "",
            rows[i].system ? "）" : "", a, b);
    }
}

static void ctx_transfer(const tk_mastersnap_staff *st, int64_t day, char *buf, size_t cap)
{
    char a[11];
    fmt_day(st->transferred_on, a);
    snprintf(buf, cap, "%s 異動（%s→%s）から%lld日目", a, st->prev_dept ? st->prev_dept : "?",
             st->record_dept ? st->record_dept : "?", (long long)(day - st->transferred_on));
}

/* ---- per-day lookups of master data ------------------------------------------------ */

static const struct tinfo *term_info(struct ctx *c, uint32_t tid, int64_t day)
{
    static const struct tinfo none = {0, 0, 0, 0, NO_DEPT, NULL};
    if (tid == 0 || tid >= c->nterms)
        return &none;
    struct tinfo *ti = &c->tinf[tid];
    if (ti->day != day) {
        const char *name = nm(&c->terms, tid);
        tk_mastersnap_terminal t;
        ti->day = day;
        ti->found = tk_mastersnap_find_terminal(c->ms, name, strlen(name), day, &t);
        ti->registered = t.registered;
        ti->kind = t.kind;
        ti->dept_id = ti->found ? t.dept_id : NO_DEPT;
        ti->dept = ti->found ? t.dept : NULL;
    }
    return ti;
}

/* 1 if some 所属 may update system sys on day (the system has a responsible
 * 所属), for R06. */
static int sys_has_owner(struct ctx *c, uint32_t sys, int64_t day)
{
    if (sys == 0 || sys >= c->nsys)
        return 0;
    if (c->sys_owner_day[sys] != day) {
        const char *name = nm(&c->systems, sys);
        const size_t nd = tk_mastersnap_dept_count(c->ms);
        int own = 0;
        for (size_t d = 0; d < nd && !own; d++) {
            const char *dn = tk_mastersnap_dept_name(c->ms, d);
            tk_mastersnap_auth a;
            tk_mastersnap_check_auth(c->ms, dn, strlen(dn), name, strlen(name), NULL, 0, day, &a);
            own = a.level >= TK_MASTERSNAP_LEVEL_UPDATE;
        }
        c->sys_owner_day[sys] = day;
        c->sys_owner[sys] = own;
    }
    return c->sys_owner[sys];
}

/* ---- business relationship with a resident ----------------------------------------- */

/* What the data shows about a member's business with a resident: the
 * 所属 may use the system (authorisation rows or a 兼務), the member
 * processed the resident that day (before or after the lookup), or on an
 * earlier day of R05's window (the member's ongoing caseload), or only
 * looked it up. Watch-list and repeated-lookup findings carry it in their
 * detail as "relationship" and in their summary. */
struct rel {
    int dept_authorised, processed, caseload, lookup_only;
    int dept_routine; /* the 所属 looks up this list's residents routinely (routine_cats()) */
};

/* 1 if user uid processed resident subj on one of the window_days - 1
 * days before day (R05's pair history, kept while R05, R07, R09 or R10 is
 * on). */
static int caseload(const struct ctx *c, uint32_t uid, uint32_t subj, int64_t day)
{
    if (c->pairs.cap == 0 || subj == 0)
        return 0;
    const uint64_t key = (uint64_t)uid << 32 | subj;
    const struct pent *p = &c->pairs.v[pmap_slot(&c->pairs, key)];
    if (p->key != key)
        return 0;
    const int64_t sh = day - p->day0;
    if (sh < 0 || sh >= 64)
        return 0;
    const uint64_t proc = p->proc << sh; /* bit i: day - i */
    const int64_t win = c->p.r05_win;
    const uint64_t wmask = (win >= 64 ? UINT64_MAX : (((uint64_t)1 << win) - 1)) & ~(uint64_t)1;
    return (proc & wmask) != 0;
}

/* 1 if 所属 dept (or a 兼務 of staff sid) may use system sys on day. */
static int dept_may_use(const struct ctx *c, const char *sid, const char *dept, uint32_t sys,
                        int64_t day)
{
    if (!c->have_auth || dept == NULL || sys == 0 || sys >= c->nsys)
        return 0;
    const char *sn = nm(&c->systems, sys);
    tk_mastersnap_auth a;
    tk_mastersnap_check_auth(c->ms, dept, strlen(dept), sn, strlen(sn), NULL, 0, day, &a);
    return a.ngrants > 0 || (sid && tk_mastersnap_is_assigned(c->ms, sid, strlen(sid), NULL, 0, sn,
                                                              strlen(sn), day));
}

static json_t *rel_json(const struct rel *r)
{
    json_t *o = json_object();
    jset(o, "dept_authorised", json_boolean(r->dept_authorised));
    jset(o, "processed", json_boolean(r->processed));
    jset(o, "caseload", json_boolean(r->caseload));
    jset(o, "lookup_only", json_boolean(r->lookup_only));
    jset(o, "dept_routine", json_boolean(r->dept_routine));
    return o;
}

static const char *rel_text(const struct rel *r)
{
    return r->lookup_only ? "照会のみ・処理歴なし" : "処理歴あり";
}

/* ---- one user's day ------------------------------------------------------------------ */

struct urun {
    uint32_t uid;
    const char *uname; /* the user as the log writes it (職員ID when resolved) */
    const char *sid;   /* 職員ID for master-data questions */
    int found;
    tk_mastersnap_staff st;
    const char *dept; /* NULL: unknown */
    size_t dept_id;
    const tk_calendar_hours *hours;
    int hours_from; /* TK_CALENDAR_HOURS_*: whose hours apply on the day */
    int64_t day;
    int open;
    int in_period;
    tk_mastersnap_resident own; /* the member's resident record (household, block) */
    int has_own;
    size_t prev_dept_id;
    int64_t last_t;            /* time of the run's last event */
    int training;              /* a training account in its training period today */
    tk_mastersnap_training tr; /* that period, or (tr.listed) the account's nearest one */
    size_t distinct;           /* residents looked up on the day (set before emit_user()) */
};

static void relationship(const struct ctx *c, const struct urun *u, uint32_t subj, uint32_t sys,
                         struct rel *r)
{
    r->processed = subj != 0 && subj < c->nsubj && c->s_proc[subj] == c->run;
    r->caseload = caseload(c, u->uid, subj, u->day);
    r->lookup_only = !r->processed && !r->caseload;
    r->dept_authorised = u->found && dept_may_use(c, u->sid, u->dept, sys, u->day);
}

static const struct ainfo *auth_info(struct ctx *c, const struct urun *u, uint32_t sys)
{
    static const struct ainfo none = {0, -1, 0, 0, 0, 0, 0};
    if (sys == 0 || sys >= c->nsys)
        return &none;
    struct ainfo *a = &c->ainf[sys];
    if (a->stamp != c->run) {
        const char *sn = nm(&c->systems, sys);
        const size_t sl = strlen(sn);
        tk_mastersnap_auth au;
        a->stamp = c->run;
        tk_mastersnap_check_auth(c->ms, u->dept, strlen(u->dept), sn, sl, NULL, 0, u->day, &au);
        a->ngrants = (int)(au.ngrants > 1000 ? 1000 : au.ngrants);
        a->level = au.level;
        a->mynumber = au.mynumber;
        a->fn_rows = 0;
        for (size_t i = 0; i < au.ngrants; i++)
            if (au.grants[i].function != NULL)
                a->fn_rows = 1;
        a->assigned =
            tk_mastersnap_is_assigned(c->ms, u->sid, strlen(u->sid), NULL, 0, sn, sl, u->day);
        a->prev_grants = 0;
        if (u->st.prev_dept && u->st.transferred_on != TK_MASTERSNAP_NO_DAY &&
            u->day >= u->st.transferred_on) {
            tk_mastersnap_auth pa;
            tk_mastersnap_check_auth(c->ms, u->st.prev_dept, strlen(u->st.prev_dept), sn, sl, NULL,
                                     0, u->day, &pa);
            a->prev_grants = pa.ngrants > 0;
        }
    }
    return a;
}

/* R19's limit on u's day, in ms: max_hours, or the day's hours plus hours_margin when that is
 * longer. The hours are the 所属's, or a calendar row's (期日前投票所 8:30-20:00 keeps a clerk
 * logged on for 11.5 hours by design); the tenant's 8:30-17:15 plus the default margin is the
 * default max_hours. */
static double r19_limit(const struct ctx *c, const struct urun *u)
{
    double lim = c->p.r19_max;
    if (u->hours != NULL) {
        const double day =
            (double)(u->hours->end_min - u->hours->start_min) * (double)MIN_MS + c->p.r19_margin;
        if (day > lim)
            lim = day;
    }
    return lim;
}

/* Whether e, on an open day of u, is outside u's hours by more than R01's
 * grace (overtime orders aside). */
static int out_of_hours(const struct ctx *c, const struct urun *u, const tk_dayevent *e)
{
    const int slot = tk_calendar_slot(c->cal, u->hours, e->t);
    if (slot == TK_CALENDAR_SLOT_IN_HOURS || slot == TK_CALENDAR_SLOT_LUNCH)
        return 0;
    if (slot == TK_CALENDAR_SLOT_EARLY && e->minute >= u->hours->start_min - c->p.r01_grace)
        return 0;
    if (slot == TK_CALENDAR_SLOT_EVENING && e->minute < u->hours->end_min + c->p.r01_grace)
        return 0;
    return 1;
}

static int check_time(struct ctx *c, const struct urun *u, const tk_dayevent *e, tk_error *err)
{
    if (!u->open) {
        if (!on(c, X02))
            return TK_OK;
        const int ot =
            tk_mastersnap_has_overtime(c->ms, u->sid, strlen(u->sid), u->day, e->minute) != 0;
        return acc_add(c, &c->ua[X02][ot], e, c->r[X02].sev, err);
    }
    if (!on(c, X01) || !out_of_hours(c, u, e))
        return TK_OK;
    /* night: [night_start, night_end) of R01's parameters, wrapping midnight (equal: none);
     * a time inside the day's hours never gets here */
    const int ns = c->p.r01_night_start, ne = c->p.r01_night_end;
    const int night = ns == ne  ? 0
                      : ns < ne ? e->minute >= ns && e->minute < ne
                                : e->minute >= ns || e->minute < ne;
    const int ot =
        tk_mastersnap_has_overtime(c->ms, u->sid, strlen(u->sid), u->day, e->minute) != 0;
    struct acc *a = &c->ua[X01][ot];
    const int rc = acc_add(c, a, e, night ? sev_add(c->r[X01].sev, 1) : c->r[X01].sev, err);
    if (night)
        a->flags |= 1;
    return rc;
}

/* R14, R16, R31: whose account this is. */
static int check_status(struct ctx *c, const struct urun *u, const tk_dayevent *e, tk_error *err)
{
    if (!c->have_staff)
        return TK_OK;
    int x = -1, expl = 0;
    unsigned flag = 0;
    if (!u->found) {
        /* An account the staff master does not know is known to the
         * training master during its training; outside it, it is worse
         * than an unknown name, and the summary says so. */
        x = X31;
        flag = u->training ? 1u : u->tr.listed ? 9u : 1u;
        expl = u->training;
    } else if (u->st.status == TK_MASTERSNAP_RETIRED) {
        x = X14;
    } else if (u->st.status == TK_MASTERSNAP_LEAVE) {
        x = X16;
    } else if (u->st.status == TK_MASTERSNAP_NOT_HIRED) {
        x = X31;
        flag = 2;
    } else if (u->st.status == TK_MASTERSNAP_UNLISTED) {
        x = X31;
        flag = 4;
    }
    if (x < 0 || !on(c, x))
        return TK_OK;
    c->ua[x][expl].flags |= flag;
    return acc_add(c, &c->ua[x][expl], e, c->r[x].sev, err);
}

static int cat_index(unsigned cat)
{
    return cat == TK_MASTERSNAP_WATCH_CELEBRITY ? 0 : cat == TK_MASTERSNAP_WATCH_STAFF ? 1 : 2;
}

/* A baseline look-up of subject subj by member u: counts the day and the
 * member for each watch-list category the resident is listed under. */
static void routine_note(struct ctx *c, const struct urun *u, uint32_t subj)
{
    const uint8_t *ps = subj_ps(c, subj);
    tk_mastersnap_watch w;
    if (ps == NULL || u->dept_id >= c->ndepts ||
        !tk_mastersnap_check_watch(c->ms, ps, u->day, NULL, 0, &w))
        return;
    struct routine *r = &c->wr[u->dept_id];
    for (unsigned cat = 1; cat <= TK_MASTERSNAP_WATCH_PROTECTED; cat <<= 1) {
        if (!(w.categories & cat))
            continue;
        const int k = cat_index(cat);
        if (r->last[k] != u->day + 1) {
            r->last[k] = u->day + 1;
            r->days[k]++;
        }
        int seen = 0;
        for (size_t i = 0; !seen && i < r->nuid[k]; i++)
            seen = r->uid[k][i] == u->uid;
        if (!seen && r->nuid[k] < ROUTINE_UIDS)
            r->uid[k][r->nuid[k]++] = u->uid;
    }
}

/* The categories of open_list whose residents u's 所属 looked up
 * routinely in the baseline: on at least routine_days days, by at least
 * routine_staff members. Such a 所属 serves these residents as its daily
 * work (the 市民課 counter serves 支援措置 residents too), so a list that
 * cannot name it (no 担当所属) does not make its look-ups unexplained.
 * Where the list names other 所属, the city's list stands and the finding
 * is raised, but its relationship says dept_routine and it ranks below a
 * look-up by a 所属 that never deals with these residents. */
static unsigned routine_cats(const struct ctx *c, const struct urun *u, unsigned open_list)
{
    unsigned out = 0;
    if (!open_list || !u->found || u->dept_id >= c->ndepts)
        return 0;
    const struct routine *r = &c->wr[u->dept_id];
    for (unsigned cat = 1; cat <= TK_MASTERSNAP_WATCH_PROTECTED; cat <<= 1) {
        if (!(open_list & cat))
            continue;
        const int prot = cat == TK_MASTERSNAP_WATCH_PROTECTED;
        const int64_t days = prot ? c->p.r10_rdays : c->p.r09_rdays;
        const size_t staff = prot ? c->p.r10_rstaff : c->p.r09_rstaff;
        const int k = cat_index(cat);
        if (days > 0 && r->days[k] >= days && r->nuid[k] >= staff)
            out |= cat;
    }
    return out;
}

/* R07-R10: who the resident is to this member of staff. */
static int check_subject(struct ctx *c, const struct urun *u, const tk_dayevent *e, tk_error *err)
{
    const uint8_t *ps = subj_ps(c, e->subject);
    int rc = TK_OK;
    if (ps == NULL)
        return TK_OK;
    struct rcache *rk = &c->rcache[e->subject < c->nsubj ? e->subject : 0];
    if (rk->ver1 != c->res_ver + 1) {
        rk->has = tk_mastersnap_find_resident(c->ms, ps, u->day, &rk->res);
        rk->ver1 = c->res_ver + 1;
    }
    const tk_mastersnap_resident res = rk->res;
    const int has_res = rk->has;
    /* R27: training uses fictitious 宛名番号 that the residents master does
     * not list, so any resident it does list is a real one. */
    if (u->training && has_res && on(c, X27)) {
        struct acc *a = &c->ua[X27][0];
        const uint32_t si = e->subject < c->nsubj ? e->subject : 0;
        rc = acc_add(c, a, e, c->r[X27].sev, err);
        if (c->s_27[si] != c->run) {
            c->s_27[si] = c->run;
            a->value += 1;
        }
        if (a->subj == 0)
            a->subj = e->subject;
        if (rc != TK_OK)
            return rc;
    }
    int rel = 0; /* 1 self, 2 household */
    if (u->found) {
        if (u->st.own_subject && memcmp(u->st.own_subject, ps, PS_SIZE) == 0)
            rel = 1;
        for (size_t i = 0; !rel && i < u->st.nhousehold; i++)
            if (memcmp(u->st.household_subjects + i * PS_SIZE, ps, PS_SIZE) == 0)
                rel = 2;
        if (!rel && u->has_own && has_res && res.household && u->own.household &&
            memcmp(res.household, u->own.household, PS_SIZE) == 0)
            rel = 2;
    }
    if (rel && on(c, X07)) {
        struct acc *a = &c->ua[X07][0];
        rc = acc_add(c, a, e, rel == 1 ? sev_add(c->r[X07].sev, -1) : c->r[X07].sev, err);
        a->flags |= (unsigned)rel;
        if (a->subj == 0 || rel == 2) {
            a->subj = e->subject;
            a->key_sys = e->system;
        }
        if (rc != TK_OK)
            return rc;
    }
    if (!rel && on(c, X08) && is_lookup(e->op) &&
        (!c->p.r08_lookup_only || c->s_proc[e->subject] != c->run) && u->found && u->st.kana &&
        u->has_own && u->own.block && has_res && res.kana && res.block &&
        memcmp(res.kana, u->st.kana, PS_SIZE) == 0 &&
        memcmp(res.block, u->own.block, PS_SIZE) == 0) {
        struct acc *a = &c->ua[X08][0];
        rc = acc_add(c, a, e, c->r[X08].sev, err);
        if (a->subj == 0)
            a->subj = e->subject;
        if (rc != TK_OK)
            return rc;
    }
    if (!on(c, X09) && !on(c, X10))
        return TK_OK;
    tk_mastersnap_watch w;
    if (!tk_mastersnap_check_watch(c->ms, ps, u->day, u->dept, u->dept ? strlen(u->dept) : 0, &w))
        return TK_OK;
    const unsigned bad = w.categories & ~w.allowed;
    unsigned explained = 0, listed = 0, unlisted = 0;
    /* A category whose entries in force name no 担当所属 at all (most
     * cities' 支援措置 lists have none) allows no 所属, so every access is
     * "outside": there the member's own business with the resident --
     * processing it that day or in the caseload -- tells work from
     * curiosity, and such accesses are explained. */
    for (size_t i = 0; i < w.nentries; i++) {
        const tk_mastersnap_watch_entry *we = &w.entries[i];
        if ((we->from != TK_MASTERSNAP_NO_DAY && u->day < we->from) ||
            (we->to != TK_MASTERSNAP_NO_DAY && u->day > we->to))
            continue;
        if (we->ndepts)
            listed |= we->category;
        else
            unlisted |= we->category;
    }
    const unsigned open_list = bad & unlisted & ~listed;
    const unsigned worked =
        open_list && (c->s_proc[e->subject] == c->run || caseload(c, u->uid, e->subject, u->day))
            ? open_list
            : 0u;
    const unsigned routine = routine_cats(c, u, open_list);
    if (bad && u->found) {
        /* A 兼務 into a 担当所属 allows what that 所属 may see. */
        for (size_t i = 0; i < w.nentries; i++) {
            const tk_mastersnap_watch_entry *we = &w.entries[i];
            if (!(we->category & bad) || (we->from != TK_MASTERSNAP_NO_DAY && u->day < we->from) ||
                (we->to != TK_MASTERSNAP_NO_DAY && u->day > we->to))
                continue;
            for (size_t k = 0; k < we->ndepts; k++)
                if (tk_mastersnap_is_assigned(c->ms, u->sid, strlen(u->sid), we->depts[k],
                                              strlen(we->depts[k]), NULL, 0, u->day))
                    explained |= we->category;
        }
    }
    const unsigned celeb = bad & (TK_MASTERSNAP_WATCH_CELEBRITY | TK_MASTERSNAP_WATCH_STAFF);
    if (celeb && on(c, X09)) {
        const int ex = (celeb & ~explained & ~worked & ~routine) == 0;
        struct acc *a = &c->ua[X09][ex];
        rc = acc_add(c, a, e, c->r[X09].sev, err);
        a->flags |= celeb | (ex && (celeb & ~explained & worked) ? 0x100u : 0u) |
                    (ex && (celeb & ~explained & ~worked) ? 0x400u : 0u) |
                    (!ex && (celeb & open_list) ? 0x200u : 0u);
        if (a->subj == 0) {
            a->subj = e->subject;
            a->key_sys = e->system;
        }
        if (rc != TK_OK)
            return rc;
    }
    if (!on(c, X10))
        return TK_OK;
    const int issue = e->op == TK_OP_ISSUE || e->op == TK_OP_PRINT || e->op == TK_OP_EXPORT;
    const unsigned prot = TK_MASTERSNAP_WATCH_PROTECTED;
    struct acc *a = NULL;
    if ((bad & prot) && !((open_list & prot) && issue && c->p.r10_issue)) {
        /* outside the permitted 所属; with no permitted 所属 listed, the
         * member's processing of the resident explains it (an issue,
         * print or export is still reported, below) */
        const int ex = ((explained | worked | routine) & prot) != 0;
        a = &c->ua[X10][ex];
        rc = acc_add(c, a, e, c->r[X10].sev, err);
        a->flags |= 1u | (ex && !(explained & prot) && (worked & prot) ? 0x100u : 0u) |
                    (ex && !((explained | worked) & prot) ? 0x400u : 0u) |
                    (!ex && (open_list & prot) ? 0x200u : 0u);
    } else if ((w.categories & prot) && c->p.r10_issue && issue) {
        a = &c->ua[X10][0];
        rc = acc_add(c, a, e, c->r[X10].sev, err);
        a->flags |= 2;
    }
    if (a && a->subj == 0) {
        a->subj = e->subject;
        a->key_sys = e->system;
    }
    return rc;
}

/* R12, R13, R15, R26: the 所属's authorisations. */
static int check_auth(struct ctx *c, const struct urun *u, const tk_dayevent *e, tk_error *err)
{
    if (!c->have_auth || !u->found || u->dept == NULL || e->system == 0)
        return TK_OK;
    const struct ainfo *a = auth_info(c, u, e->system);
    int rc = TK_OK;
    if (a->ngrants < 0)
        return TK_OK;
    if (a->ngrants == 0) {
        if (a->assigned) {
            if (on(c, X12))
                rc = acc_add(c, &c->ua[X12][1], e, c->r[X12].sev, err);
        } else if (a->prev_grants) {
            if (on(c, X15)) {
                const int late = u->day - u->st.transferred_on > c->p.r15_grace;
                rc = acc_add(c, &c->ua[X15][!late], e, c->r[X15].sev, err);
            }
        } else if (on(c, X12)) {
            rc = acc_add(c, &c->ua[X12][0], e, c->r[X12].sev, err);
        }
    } else if (on(c, X13)) {
        if (a->fn_rows && e->function != 0) {
            const char *sn = nm(&c->systems, e->system), *fn = nm(&c->functions, e->function);
            if (!tk_mastersnap_check_auth(c->ms, u->dept, strlen(u->dept), sn, strlen(sn), fn,
                                          strlen(fn), u->day, NULL)) {
                struct acc *x = &c->ua[X13][a->assigned];
                rc = acc_add(c, x, e, c->r[X13].sev, err);
                x->flags |= 1;
                x->fn = x->fn ? x->fn : e->function;
            }
        }
        if (rc == TK_OK && c->p.r13_level && a->level == TK_MASTERSNAP_LEVEL_LOOKUP &&
            (is_process(e->op) || e->op == TK_OP_EXTRACT)) {
            struct acc *x = &c->ua[X13][a->assigned];
            rc = acc_add(c, x, e, c->r[X13].sev, err);
            x->flags |= 2;
        }
    }
    if (rc != TK_OK || e->mynumber != 1 || !on(c, X26) || (a->ngrants > 0 && a->mynumber))
        return rc;
    /* My Number shown without the 所属's entitlement: a 兼務 into a 所属 that
     * has it explains it. */
    const tk_mastersnap_assignment *rows = NULL;
    const size_t n = tk_mastersnap_assignments(c->ms, u->sid, strlen(u->sid), u->day, &rows);
    int ok = 0;
    const char *sn = nm(&c->systems, e->system);
    for (size_t i = 0; i < n && !ok; i++) {
        tk_mastersnap_auth au;
        if (u->day < rows[i].from || u->day > rows[i].to)
            continue;
        tk_mastersnap_check_auth(c->ms, rows[i].dept, strlen(rows[i].dept), sn, strlen(sn), NULL, 0,
                                 u->day, &au);
        ok = au.mynumber;
    }
    return acc_add(c, &c->ua[X26][ok], e, c->r[X26].sev, err);
}

/* R20: a terminal of another 所属. */
static int check_terminal(struct ctx *c, const struct urun *u, const tk_dayevent *e, tk_error *err)
{
    if (!on(c, X20) || !c->have_terms || !u->found || u->dept_id == NO_DEPT || e->terminal == 0)
        return TK_OK;
    const struct tinfo *ti = term_info(c, e->terminal, u->day);
    if (!ti->found || ti->dept_id == NO_DEPT || ti->dept_id == u->dept_id)
        return TK_OK;
    int explained = tk_mastersnap_is_assigned(c->ms, u->sid, strlen(u->sid), ti->dept,
                                              strlen(ti->dept), NULL, 0, u->day);
    if (!explained && u->prev_dept_id == ti->dept_id &&
        u->day - u->st.transferred_on <= c->p.r15_grace)
        explained = 2;
    struct acc *a = &c->ua[X20][explained != 0];
    a->flags |= explained == 2 ? 2u : explained ? 1u : 0u;
    return acc_add(c, a, e, c->r[X20].sev, err);
}

/* R24, R25: records per output. */
static int check_output(struct ctx *c, const struct urun *u, const tk_dayevent *e, tk_error *err)
{
    if (!is_output(e->op) || e->count < 0)
        return TK_OK;
    const double n = (double)e->count;
    if (on(c, X25) && (e->op == TK_OP_EXTRACT || e->op == TK_OP_EXPORT) && n >= c->p.r25_min) {
        struct acc *a = &c->ua[X25][0];
        if (n > a->value || a->n == 0) {
            const int rc = acc_add(c, a, e, c->r[X25].sev, err);
            a->value = n;
            a->threshold = c->p.r25_min;
            a->aux = e->op;
            a->key_sys = e->system;
            return rc;
        }
        return acc_add(c, a, e, c->r[X25].sev, err);
    }
    if (!on(c, X24) || n < c->p.r24_min)
        return TK_OK;
    double thr = c->p.r24_min;
    if (u->dept_id != NO_DEPT && u->dept_id < c->ndepts &&
        c->d24[u->dept_id].n >= c->p.r24_samples) {
        const double p = c->d24[u->dept_id].p;
        if (n <= p)
            return TK_OK;
        if (p > thr)
            thr = p;
    }
    struct acc *a = &c->ua[X24][0];
    const int first = a->n == 0;
    const int rc = acc_add(c, a, e, c->r[X24].sev, err);
    if (first || n > a->value) {
        a->value = n;
        a->threshold = thr;
        a->aux = e->op;
        a->key_sys = e->system;
        a->fn = e->function;
    }
    return rc;
}

/* ---- summaries ------------------------------------------------------------------------- */

static void span_text(const struct acc *a, char *buf, size_t cap)
{
    char x[6], y[6];
    fmt_hm(a->t0, x);
    fmt_hm(a->t1, y);
    if (strcmp(x, y) == 0)
        snprintf(buf, cap, "%s", x);
    else
        snprintf(buf, cap, "%s〜%s", x, y);
}

static void sys_text(const struct ctx *c, const uint32_t *ids, size_t n, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 3; i++)
        app(buf, cap, &used, "%s%s", i ? "・" : "", nm(&c->systems, ids[i]));
    if (n > 3)
        app(buf, cap, &used, "など");
    if (n == 0)
        app(buf, cap, &used, "業務システム");
}

/* The first three names of a set, and how many more there are counted
 * in unit ("他2名", "他1台"): a reader must not take a cut list for the
 * whole. A full set (ACC_SET) may have dropped names: "他5名以上". */
static void names_text(const tk_store_names *d, const uint32_t *ids, size_t n, const char *unit,
                       char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 3; i++)
        app(buf, cap, &used, "%s%s", i ? "・" : "", nm(d, ids[i]));
    if (n > 3)
        app(buf, cap, &used, " 他%zu%s%s", n - 3, unit, n >= ACC_SET ? "以上" : "");
}

static void who_text(const struct urun *u, char *buf, size_t cap)
{
    if (u->dept)
        snprintf(buf, cap, "職員 %s（%s）", u->uname, u->dept);
    else
        snprintf(buf, cap, "職員 %s", u->uname);
}

/* "仮名 1a2b3c4d": a resident named by the first 8 hex digits of its
 * pseudonym. */
static void pseudo_text(const struct ctx *c, uint32_t subj, char *buf, size_t cap)
{
    const uint8_t *ps = subj_ps(c, subj);
    char hex[2 * PS_SIZE + 1];
    if (ps == NULL) {
        snprintf(buf, cap, "仮名 不明");
        return;
    }
    hex_ps(ps, hex);
    snprintf(buf, cap, "仮名 %.8s", hex);
}

/* "中途採用職員研修 2024-10-01〜2024-10-11" (an open end: "〜"). */
static void training_text(const tk_mastersnap_training *tr, char *buf, size_t cap)
{
    char a[11], b[11] = "";
    fmt_day(tr->from, a);
    if (tr->to != TK_MASTERSNAP_NO_DAY)
        fmt_day(tr->to, b);
    snprintf(buf, cap, "%s %s〜%s", tr->name ? tr->name : "研修", a, b);
}

static json_t *training_json(const tk_mastersnap_training *tr)
{
    char a[11], b[11];
    json_t *o = json_object();
    fmt_day(tr->from, a);
    jset(o, "account", json_string(tr->account));
    jset(o, "from", json_string(a));
    if (tr->to != TK_MASTERSNAP_NO_DAY) {
        fmt_day(tr->to, b);
        jset(o, "to", json_string(b));
    }
    if (tr->name)
        jset(o, "name", json_string(tr->name));
    if (tr->dept)
        jset(o, "dept", json_string(tr->dept));
    return o;
}

static const char *output_verb(int64_t op)
{
    return op == TK_OP_PRINT ? "印刷" : op == TK_OP_EXTRACT ? "抽出" : "出力";
}

/* Emits the finding of user rule x for run u, if its accumulators hold
 * one. */
/* The context of an explained watch-list access: a 兼務 into a 担当所属, or
 * (flag 0x100) the member's own processing of a resident whose list
 * entry names no 担当所属. */
static void ctx_watch(const struct ctx *c, const struct urun *u, const struct acc *a, char *buf,
                      size_t cap)
{
    ctx_kenmu(c, u->sid, u->day, buf, cap);
    if (buf[0] == '\0' && (a->flags & 0x100))
        snprintf(buf, cap, "担当所属の定めなし・本人が処理している住民（処理歴あり）");
    else if (buf[0] == '\0' && (a->flags & 0x400))
        snprintf(buf, cap, "担当所属の定めなし・所属が基準期間に日常的に照会している区分");
}

static int emit_user(struct ctx *c, const struct urun *u, int x, tk_error *err)
{
    struct acc *a0 = &c->ua[x][0], *a1 = &c->ua[x][1];
    const int64_t min_events = x == X01 ? c->p.r01_min : x == X02 ? c->p.r02_min : 1;
    const int unexp = a0->n >= (uint64_t)min_events;
    const int expl = a1->n > 0;
    if (!unexp && !(expl && c->opt.explained == TK_RULES_EXPLAINED_LOW))
        return TK_OK;
    struct acc *a = unexp ? a0 : a1;
    int sev = unexp ? a->sev : TK_RULECAT_LOW;
    char who[200], span[40], sys[200], ctx[512], sum[1024], rs[64], ot[256], day[11];
    const char *unit = "件";
    double value = (double)a->n, thr = 0;
    ctx[0] = '\0';
    who_text(u, who, sizeof who);
    span_text(a, span, sizeof span);
    sys_text(c, a->sys, a->nsys, sys, sizeof sys);
    pseudo_text(c, a->subj, rs, sizeof rs);
    const uint8_t *resident = NULL;
    struct rel rl = {0, 0, 0, 0, 0};
    int has_rel = 0, different = 0;
    double overlap = -1, chance = -1;
    json_t *tdepts = NULL;
    switch (x) {
    case X01:
    case X02:
        ctx_overtime(c, u->sid, u->day, ot, sizeof ot);
        if (!unexp)
            snprintf(ctx, sizeof ctx, "%s あり", ot);
        else if (ot[0])
            snprintf(ctx, sizeof ctx, "%s あり（命令の時間帯外の操作 %llu件）", ot,
                     (unsigned long long)a->n);
        if (x == X01) {
            char hb[48];
            tk_calendar_format_hours(u->hours, hb, sizeof hb);
            snprintf(sum, sizeof sum, "%sが%sに%sを%llu件操作（%s・%s、勤務時間 %s%s）", who, span,
                     sys, (unsigned long long)a->n, (a->flags & 1) ? "深夜" : "時間外",
                     !unexp  ? "時間外勤務命令あり"
                     : ot[0] ? "時間外勤務命令の範囲外"
                             : "時間外勤務命令なし",
                     hb,
                     u->hours_from == TK_CALENDAR_HOURS_DAY    ? "・当日の開庁時間"
                     : u->hours_from == TK_CALENDAR_HOURS_DEPT ? "・所属の勤務時間"
                                                               : "");
        } else {
            tk_calendar_day dk;
            tk_calendar_day_kind(c->cal, u->day, &dk);
            const int wd = tk_weekday(u->day);
            const char *why = dk.name   ? dk.name
                              : wd == 0 ? "日曜日"
                              : wd == 6 ? "土曜日"
                                        : "閉庁日";
            snprintf(sum, sizeof sum, "%sが閉庁日（%s）の%sに%sを%llu件操作%s", who, why, span, sys,
                     (unsigned long long)a->n, !unexp ? "（時間外勤務命令あり）" : "");
        }
        break;
    case X07:
        resident = subj_ps(c, a->subj);
        relationship(c, u, a->subj, a->key_sys, &rl);
        has_rel = 1;
        snprintf(sum, sizeof sum, "%sが%s（%s）の記録を%sで%llu回照会（%s）", who,
                 (a->flags & 2) ? "同一世帯の親族" : "本人", rs, sys, (unsigned long long)a->n,
                 rel_text(&rl));
        break;
    case X08:
        resident = subj_ps(c, a->subj);
        /* the chance of meeting a namesake neighbour among the day's
         * residents: a member on election duty who looks up 500 residents
         * meets one far more often than one who looks up 20 */
        chance = (double)u->distinct *
                 tk_mastersnap_resident_share(c->ms, u->own.block, u->st.kana, u->own.household);
        snprintf(sum, sizeof sum, "%sが同姓・同町丁の住民（%s）を%sで%llu回照会（知人の可能性）",
                 who, rs, sys, (unsigned long long)a->n);
        break;
    case X09:
        resident = subj_ps(c, a->subj);
        relationship(c, u, a->subj, a->key_sys, &rl);
        rl.dept_routine =
            routine_cats(
                c, u, a->flags & (TK_MASTERSNAP_WATCH_CELEBRITY | TK_MASTERSNAP_WATCH_STAFF)) != 0;
        has_rel = 1;
        if (!unexp)
            ctx_watch(c, u, a, ctx, sizeof ctx);
        snprintf(sum, sizeof sum,
                 "%sが要注意リスト（%s）の住民（%s）を%sで%llu回照会（担当所属外・%s）", who,
                 (a->flags & TK_MASTERSNAP_WATCH_CELEBRITY) ? "著名人" : "職員関係", rs, sys,
                 (unsigned long long)a->n, rel_text(&rl));
        break;
    case X10:
        resident = subj_ps(c, a->subj);
        relationship(c, u, a->subj, a->key_sys, &rl);
        rl.dept_routine = routine_cats(c, u, TK_MASTERSNAP_WATCH_PROTECTED) != 0;
        has_rel = 1;
        if (!unexp)
            ctx_watch(c, u, a, ctx, sizeof ctx);
        if (a->flags & 1)
            snprintf(sum, sizeof sum,
                     "%sがDV等支援措置対象者（%s）を許可所属外から%sで%llu回照会（%s）", who, rs,
                     sys, (unsigned long long)a->n, rel_text(&rl));
        else
            snprintf(sum, sizeof sum,
                     "%sがDV等支援措置対象者（%s）について%sで交付・印刷・出力を%llu件（%s）", who,
                     rs, sys, (unsigned long long)a->n, rel_text(&rl));
        break;
    case X12:
        if (!unexp)
            ctx_kenmu(c, u->sid, u->day, ctx, sizeof ctx);
        snprintf(sum, sizeof sum, "%sが所属に権限のない%sを%llu件操作", who, sys,
                 (unsigned long long)a->n);
        break;
    case X13:
        if (!unexp)
            ctx_kenmu(c, u->sid, u->day, ctx, sizeof ctx);
        if (a->flags & 1)
            snprintf(sum, sizeof sum, "%sが%sの権限外の機能「%s」などを%llu件操作", who, sys,
                     nm(&c->functions, a->fn), (unsigned long long)a->n);
        else
            snprintf(sum, sizeof sum, "%sが照会権限のみの%sで更新・出力等を%llu件操作", who, sys,
                     (unsigned long long)a->n);
        break;
    case X14:
        fmt_day(u->st.retired_on, day);
        snprintf(sum, sizeof sum, "%s付で退職した職員 %s（元%s）のアカウントで%llu件の操作（%s）",
                 u->st.retired_on == TK_MASTERSNAP_NO_DAY ? "退職日不明" : day, u->uname,
                 u->dept ? u->dept : "?", (unsigned long long)a->n, span);
        break;
    case X15:
        fmt_day(u->st.transferred_on, day);
        if (!unexp) {
            ctx_transfer(&u->st, u->day, ctx, sizeof ctx);
            size_t used = strlen(ctx);
            app(ctx, sizeof ctx, &used, "（猶予%lld日以内）", (long long)c->p.r15_grace);
        }
        value = (double)(u->day - u->st.transferred_on);
        thr = (double)c->p.r15_grace;
        unit = "日";
        snprintf(sum, sizeof sum,
                 "%sに%sから%sへ異動した職員 %s が異動後%lld日目に旧所属の%sを%llu件操作", day,
                 u->st.prev_dept ? u->st.prev_dept : "?", u->dept ? u->dept : "?", u->uname,
                 (long long)(u->day - u->st.transferred_on), sys, (unsigned long long)a->n);
        break;
    case X16:
        snprintf(sum, sizeof sum, "休職中の%sのアカウントで%llu件の操作（%s）", who,
                 (unsigned long long)a->n, span);
        break;
    case X18: {
        /* A shared account: how long two terminals were logged on at once
         * (until the run's last event if still so at the end of the day)
         * and whether the terminals belong to different 所属. */
        char terms[200], depts[200], t2[6];
        names_text(&c->terms, a->term, a->nterm, "台", terms, sizeof terms);
        fmt_hm(a->aux, t2);
        double ms = a->value;
        if (a->since != INT64_MIN && u->last_t > a->since)
            ms += (double)(u->last_t - a->since);
        value = ms / (double)HOUR_MS;
        thr = c->p.r18_overlap;
        unit = "時間";
        size_t first = NO_DEPT, used = 0;
        int differ = 0, unknown = !c->have_terms;
        depts[0] = '\0';
        tdepts = json_array();
        for (size_t k = 0; k < a->nterm; k++) {
            const struct tinfo *ti = term_info(c, a->term[k], u->day);
            if (!ti->found || ti->dept_id == NO_DEPT) {
                unknown = 1;
                json_array_append_new(tdepts, json_null());
                continue;
            }
            json_array_append_new(tdepts, json_string(ti->dept));
            if (first == NO_DEPT) {
                first = ti->dept_id;
                app(depts, sizeof depts, &used, "%s", ti->dept);
            } else if (ti->dept_id != first && !differ) {
                differ = 1;
                app(depts, sizeof depts, &used, "・%s", ti->dept);
            }
        }
        overlap = value;
        different = differ;
        const int long_overlap = value >= thr;
        sev = long_overlap && (differ || unknown) ? a->sev : sev_add(a->sev, -1);
        snprintf(sum, sizeof sum,
                 "%sのアカウントが%s端末（%s）に同時ログオン（%s頃から%.1f時間重複）", who,
                 differ    ? "所属の異なる"
                 : unknown ? "複数の"
                           : "同じ所属の",
                 terms, t2, value);
        if (differ) {
            size_t sl = strlen(sum);
            app(sum, sizeof sum, &sl, "（%s）", depts);
        }
        break;
    }
    case X19: {
        char t0[6], t1[6];
        fmt_hm(a->aux, t0);
        fmt_hm(a->t1, t1);
        if (!unexp) {
            ctx_overtime(c, u->sid, u->day, ot, sizeof ot);
            snprintf(ctx, sizeof ctx, "%s あり", ot[0] ? ot : "時間外勤務命令");
        }
        value = a->value;
        thr = r19_limit(c, u) / (double)HOUR_MS;
        unit = "時間";
        snprintf(sum, sizeof sum, "%sが端末 %s に%.1f時間連続ログオン（%s〜%s）", who,
                 nm(&c->terms, a->dev), a->value, t0, t1);
        break;
    }
    case X20: {
        if (!unexp && (a->flags & 2))
            ctx_transfer(&u->st, u->day, ctx, sizeof ctx);
        else if (!unexp)
            ctx_kenmu(c, u->sid, u->day, ctx, sizeof ctx);
        char terms[200];
        names_text(&c->terms, a->term, a->nterm, "台", terms, sizeof terms);
        const struct tinfo *ti = term_info(c, a->term[0], u->day);
        snprintf(sum, sizeof sum, "%sが%sの端末 %s で%llu件操作・ログオン", who,
                 ti->dept ? ti->dept : "他所属", terms, (unsigned long long)a->n);
        break;
    }
    case X24:
        value = a->value;
        thr = a->threshold;
        snprintf(sum, sizeof sum, "%sが%sで%.0f件を一括%s（閾値 %.0f件）", who,
                 nm(&c->systems, a->key_sys), a->value, output_verb(a->aux), a->threshold);
        break;
    case X25:
        value = a->value;
        thr = a->threshold;
        snprintf(sum, sizeof sum, "%sが%sから%.0f件を一括%s", who, nm(&c->systems, a->key_sys),
                 a->value, output_verb(a->aux));
        break;
    case X26:
        if (!unexp)
            ctx_kenmu(c, u->sid, u->day, ctx, sizeof ctx);
        snprintf(sum, sizeof sum,
                 "%sの操作で個人番号が%llu件表示（%s、所属に個人番号利用権限なし）", who,
                 (unsigned long long)a->n, sys);
        break;
    case X27: {
        char period[64], lead[400];
        training_text(&u->tr, period, sizeof period);
        if (u->found) /* the member's own account is in training */
            snprintf(lead, sizeof lead, "%sの研修用アカウント %s（%s）で", who, u->tr.account,
                     period);
        else
            snprintf(lead, sizeof lead, "研修用アカウント %s（%s）が", u->uname, period);
        resident = subj_ps(c, a->subj);
        value = a->value;
        unit = "人";
        snprintf(sum, sizeof sum, "%s研修期間中に実在する住民%.0f人（%s%s）を%sで%llu件操作", lead,
                 a->value, rs, a->value > 1 ? "など" : "", sys, (unsigned long long)a->n);
        break;
    }
    case X31:
        if (!unexp) {
            char period[64];
            training_text(&u->tr, period, sizeof period);
            snprintf(ctx, sizeof ctx, "研修用アカウント（%s）", period);
        }
        if (a->flags & 8) {
            char period[64];
            training_text(&u->tr, period, sizeof period);
            snprintf(sum, sizeof sum,
                     "研修期間外の研修用アカウント %s（%s）で%llu件の操作（%s、職員マスタになし）",
                     u->uname, period, (unsigned long long)a->n, span);
        } else if (a->flags & 1)
            snprintf(sum, sizeof sum, "職員マスタにないアカウント %s で%llu件の操作（%s）",
                     u->uname, (unsigned long long)a->n, span);
        else if (a->flags & 2) {
            fmt_day(u->st.hired_on, day);
            snprintf(sum, sizeof sum, "採用日（%s）前の職員 %s のアカウントで%llu件の操作（%s）",
                     day, u->uname, (unsigned long long)a->n, span);
        } else
            snprintf(sum, sizeof sum,
                     "当日有効な職員マスタに記載のない職員 %s のアカウントで%llu件の操作（%s）",
                     u->uname, (unsigned long long)a->n, span);
        break;
    default:
        return TK_OK;
    }
    json_t *d = acc_detail(c, a, u->dept);
    if (x == X01 || x == X02) {
        /* Which hours applied: the tenant's, the 所属's or a calendar
         * row's for that day (a 日曜窓口's 9:00-12:00). */
        char hb[48];
        tk_calendar_format_hours(u->hours, hb, sizeof hb);
        jset(d, "hours", json_string(hb));
        jset(d, "hours_from", json_string(tk_calendar_hours_from_code(u->hours_from)));
    }
    if (x == X01 && unexp && c->hab_days[u->uid] >= HABIT_MIN_DAYS) {
        /* how usual work at that hour is for the member: the share of the
         * baseline's open working days with business at or after the
         * finding's first hour (evening), or before the hour after it
         * (morning), order or not. None: half a day. */
        const int m0 = (int)(((a->t0 / MIN_MS) % 1440 + 1440 + 9 * 60) % 1440);
        const int morning = m0 < u->hours->start_min;
        const int h = morning ? m0 / 60 + 1 - HABIT_MORN_FROM : m0 / 60 - HABIT_EVE_FROM;
        const int hc = morning ? (h < 0             ? 0
                                  : h >= HABIT_MORN ? HABIT_MORN - 1
                                                    : h)
                               : (h < 0            ? 0
                                  : h >= HABIT_EVE ? HABIT_EVE - 1
                                                   : h);
        const double hd = c->hab_days[u->uid];
        const double hl = morning ? c->hab_morn[(size_t)u->uid * HABIT_MORN + (size_t)hc]
                                  : c->hab_eve[(size_t)u->uid * HABIT_EVE + (size_t)hc];
        char hb[32];
        if (morning)
            snprintf(hb, sizeof hb, "before %02d:00", HABIT_MORN_FROM + hc);
        else
            snprintf(hb, sizeof hb, "from %02d:00", HABIT_EVE_FROM + hc);
        jset(d, "habit_hours", json_string(hb));
        jset(d, "baseline_days", json_integer((json_int_t)hd));
        jset(d, "baseline_days_at_hour", json_integer((json_int_t)hl));
        jset(d, "habit", json_real(fmax(hl, 0.5) / hd));
    }
    if (x == X02 && unexp && c->hab_days[u->uid] + c->hab_closed[u->uid] >= HABIT_MIN_DAYS) {
        /* how usual work on closed days is for the member: the share of
         * the baseline's days with business that were closed for the
         * member's 所属, order or not. None: half a day. */
        const double hd = (double)c->hab_days[u->uid] + c->hab_closed[u->uid];
        const double hc = c->hab_closed[u->uid];
        jset(d, "baseline_days", json_integer((json_int_t)hd));
        jset(d, "baseline_closed_days", json_integer((json_int_t)hc));
        jset(d, "habit", json_real(fmax(hc, 0.5) / hd));
    }
    if (has_rel)
        jset(d, "relationship", rel_json(&rl));
    if (chance >= 0) {
        jset(d, "chance", json_real(chance));
        jset(d, "residents_of_day", json_integer((json_int_t)u->distinct));
    }
    if (overlap >= 0) {
        jset(d, "overlap_hours", json_real(round(overlap * 100) / 100));
        jset(d, "terminal_depts", tdepts);
        jset(d, "different_depts", json_boolean(different));
    }
    if ((x == X27 || x == X31) && u->tr.listed)
        jset(d, "training", training_json(&u->tr));
    if (!unexp && expl)
        jset(d, "explained", json_true());
    else if (expl)
        jset(d, "explained_events", json_integer((json_int_t)a1->n));
    const struct emit m = {x,   TK_RULECAT_USER, u->uname, resident,      u->day, u->day,
                           sev, value,           thr,      unit,          sum,    ctx,
                           d,   a->ev,           a->nev,   a->n + a->nctx};
    size_t idx;
    int rc = emit(c, &m, &idx, err);
    /* A look-up only of a resident whose list entry names no 担当所属: the
     * member's processing of it within followup_days explains it (R05's
     * pair lists see it, eval_r05()). */
    if (rc == TK_OK && unexp && (x == X09 || x == X10) && (a->flags & 0x200) && rl.lookup_only) {
        if (RESERVE(c->ocw, c->nocw, c->ocw_cap, err) != TK_OK)
            return TK_ENOMEM;
        c->ocw[c->nocw++] =
            (struct open_case){(uint64_t)u->uid << 32 | a->subj, idx, u->day, u->day};
    }
    return rc;
}

/* ---- sessions of one account (R18, R19) -------------------------------------------- */

static void sess_remove(struct sessv *sv, size_t i)
{
    memmove(&sv->v[i], &sv->v[i + 1], (sv->n - i - 1) * sizeof *sv->v);
    sv->n--;
}

static int user_session(struct ctx *c, const struct urun *u, const tk_dayevent *e, tk_error *err)
{
    struct sessv *sv = &c->usess[u->uid];
    struct acc *ov = &c->ua[X18][0];
    int rc = TK_OK;
    for (size_t i = sv->n; i-- > 0;)
        if (e->t - sv->v[i].t > c->p.r18_max) {
            /* a lost logoff: the overlap ends when the session is deemed over */
            if (ov->since != INT64_MIN && sv->n == 2) {
                const int64_t end = sv->v[i].t + c->p.r18_max;
                ov->value += (double)(end > ov->since ? end - ov->since : 0);
                ov->since = INT64_MIN;
            }
            sess_remove(sv, i);
        }
    if (e->op == TK_OP_LOGON) {
        for (size_t i = 0; i < sv->n; i++)
            if (sv->v[i].term == e->terminal)
                return TK_OK; /* already logged on there: the session goes on */
        if (sv->n > 0 && u->in_period && on(c, X18)) {
            struct acc *a = &c->ua[X18][0];
            if (a->n == 0)
                a->aux = e->t;
            for (size_t i = 0; i < sv->n && rc == TK_OK; i++) {
                set_add(a->term, &a->nterm, sv->v[i].term);
                rc = acc_add_context(c, a, sv->v[i].ev, err);
            }
            if (rc == TK_OK)
                rc = acc_add(c, a, e, c->r[X18].sev, err);
            if (rc != TK_OK)
                return rc;
        }
        if (RESERVE(sv->v, sv->n, sv->cap, err) != TK_OK)
            return TK_ENOMEM;
        sv->v[sv->n++] = (struct sess){e->terminal, e->t, e->id};
        if (sv->n >= 2 && ov->n > 0 && ov->since == INT64_MIN)
            ov->since = e->t; /* the overlap (value, in ms until emitted) starts */
        return TK_OK;
    }
    for (size_t i = 0; i < sv->n; i++) {
        if (sv->v[i].term != e->terminal)
            continue;
        const int64_t len = e->t - sv->v[i].t;
        if (u->in_period && on(c, X19) && (double)len > r19_limit(c, u)) {
            const int ot = overtime_between(c, u->sid, sv->v[i].t, e->t);
            struct acc *a = &c->ua[X19][ot];
            const double hours = (double)len / (double)HOUR_MS;
            rc = acc_add_context(c, a, sv->v[i].ev, err);
            if (rc == TK_OK)
                rc = acc_add(c, a, e, c->r[X19].sev, err);
            if (hours > a->value) {
                a->value = hours;
                a->aux = sv->v[i].t;
                a->dev = e->terminal;
            }
        }
        sess_remove(sv, i);
        if (sv->n < 2 && ov->since != INT64_MIN) {
            ov->value += (double)(e->t - ov->since);
            ov->since = INT64_MIN;
        }
        break;
    }
    return rc;
}

/* ---- windows inside the day (R04, R17) ---------------------------------------------- */

/* Largest number of distinct residents among the lookups r[idx[0..n)] in
 * any window of win ms; *from, *to receive the window (indices into idx). */
static size_t burst(struct ctx *c, const tk_dayevent *r, const size_t *idx, size_t n, int64_t win,
                    size_t *from, size_t *to)
{
    size_t best = 0, j = 0, distinct = 0;
    for (size_t i = 0; i < n; i++) {
        const tk_dayevent *e = &r[idx[i]];
        if (c->s_win[e->subject]++ == 0)
            distinct++;
        while (e->t - r[idx[j]].t > win) {
            if (--c->s_win[r[idx[j]].subject] == 0)
                distinct--;
            j++;
        }
        if (distinct > best) {
            best = distinct;
            *from = j;
            *to = i;
        }
    }
    for (; j < n; j++)
        c->s_win[r[idx[j]].subject]--;
    return best;
}

static int emit_window_x(struct ctx *c, const struct urun *u, int x, const tk_dayevent *r,
                         const size_t *idx, size_t from, size_t to, double value, double thr,
                         int sev, const char *unit, const char *sum, json_t *extra, tk_error *err);

static int emit_window(struct ctx *c, const struct urun *u, int x, const tk_dayevent *r,
                       const size_t *idx, size_t from, size_t to, double value, double thr, int sev,
                       const char *unit, const char *sum, tk_error *err)
{
    return emit_window_x(c, u, x, r, idx, from, to, value, thr, sev, unit, sum, NULL, err);
}

/* emit_window() with the keys of extra (taken, may be NULL) added to the
 * finding's detail. */
static int emit_window_x(struct ctx *c, const struct urun *u, int x, const tk_dayevent *r,
                         const size_t *idx, size_t from, size_t to, double value, double thr,
                         int sev, const char *unit, const char *sum, json_t *extra, tk_error *err)
{
    struct acc *a = &c->ua[x][0];
    acc_reset(a);
    int rc = TK_OK;
    for (size_t i = from; i <= to && rc == TK_OK; i++)
        rc = acc_add(c, a, &r[idx[i]], sev, err);
    if (rc != TK_OK) {
        json_decref(extra);
        return rc;
    }
    json_t *d = acc_detail(c, a, u->dept);
    if (d && extra)
        json_object_update(d, extra);
    json_decref(extra);
    const struct emit m = {x,   TK_RULECAT_USER, u->uname, NULL,          u->day, u->day,
                           sev, value,           thr,      unit,          sum,    NULL,
                           d,   a->ev,           a->nev,   a->n + a->nctx};
    return emit(c, &m, NULL, err);
}

/* ---- R32: one address block ---------------------------------------------------------- */

static int cmp_bent(const void *a, const void *b)
{
    const struct bent *x = a, *y = b;
    if (x->block != y->block)
        return x->block < y->block ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* R32: at least min_residents distinct residents of one 町丁 looked up
 * within window_minutes, look-up only (not processed by the member that
 * day nor in the caseload). The 町丁 is the residents master's, as the
 * version in force lists it (the snapshot interns each 町丁 pseudonym
 * once, so equal pointers are one block). Of the user's day one finding,
 * for the block with the most residents (ties: the earliest window). The
 * lookups are c->scr[0..scr_n) (indices into r). */
static int eval_r32(struct ctx *c, const struct urun *u, const tk_dayevent *r, const char *who,
                    tk_error *err)
{
    size_t nb = 0;
    for (size_t k = 0; k < c->scr_n; k++) {
        const tk_dayevent *e = &r[c->scr[k]];
        const uint32_t s = e->subject;
        if (s == 0 || s >= c->nsubj || c->s_proc[s] == c->run)
            continue;
        const struct rcache *rk = &c->rcache[s];
        if (rk->ver1 != c->res_ver + 1 || !rk->has || rk->res.block == NULL ||
            caseload(c, u->uid, s, u->day))
            continue;
        if (RESERVE(c->b32, nb, c->b32_cap, err) != TK_OK)
            return TK_ENOMEM;
        c->b32[nb++] = (struct bent){(uintptr_t)rk->res.block, e->t, c->scr[k]};
    }
    if (nb < c->p.r32_min)
        return TK_OK;
    qsort(c->b32, nb, sizeof *c->b32, cmp_bent);
    while (c->i32_cap < nb)
        if (RESERVE(c->i32, c->i32_cap, c->i32_cap, err) != TK_OK)
            return TK_ENOMEM;
    for (size_t k = 0; k < nb; k++)
        c->i32[k] = c->b32[k].i;
    size_t best = 0, bfrom = 0, bto = 0;
    for (size_t g = 0; g < nb;) {
        size_t h = g + 1;
        while (h < nb && c->b32[h].block == c->b32[g].block)
            h++;
        size_t from = 0, to = 0;
        const size_t n =
            h - g >= c->p.r32_min ? burst(c, r, c->i32 + g, h - g, c->p.r32_win, &from, &to) : 0;
        if (n > best || (n == best && n > 0 && r[c->i32[g + from]].t < r[c->i32[bfrom]].t)) {
            best = n;
            bfrom = g + from;
            bto = g + to;
        }
        g = h;
    }
    if (best < c->p.r32_min)
        return TK_OK;
    struct acc *a = &c->ua[X32][0];
    acc_reset(a);
    int rc = TK_OK;
    for (size_t k = bfrom; k <= bto && rc == TK_OK; k++)
        rc = acc_add(c, a, &r[c->i32[k]], c->r[X32].sev, err);
    if (rc != TK_OK)
        return rc;
    char span[40], hex[2 * PS_SIZE + 1], sum[512];
    span_text(a, span, sizeof span);
    hex_ps((const uint8_t *)c->b32[bfrom].block, hex);
    snprintf(sum, sizeof sum,
             "%sが同じ町丁（仮名 %.8s）の住民%zu人を%sに照会（%lld分以内・照会のみ・処理歴なし、"
             "閾値 %zu人）",
             who, hex, best, span, (long long)(c->p.r32_win / MIN_MS), c->p.r32_min);
    json_t *d = acc_detail(c, a, u->dept);
    jset(d, "block", json_string(hex));
    jset(d, "window_minutes", json_integer((json_int_t)(c->p.r32_win / MIN_MS)));
    const struct emit m = {
        X32,          TK_RULECAT_USER,      u->uname, NULL, u->day, u->day, c->r[X32].sev,
        (double)best, (double)c->p.r32_min, "人",     sum,  NULL,   d,      a->ev,
        a->nev,       a->n + a->nctx};
    return emit(c, &m, NULL, err);
}

/* ---- R05 and R06 day lists ------------------------------------------------------------ */

static int dlist_touch(struct ctx *c, struct dlist *l, uint32_t *stamp, uint32_t *index,
                       uint32_t subj, uint64_t key, const tk_dayevent *e, unsigned flags,
                       size_t dept, tk_error *err)
{
    struct dent *d;
    if (stamp[subj] != c->run) {
        if (RESERVE(l->v, l->n, l->cap, err) != TK_OK)
            return TK_ENOMEM;
        if (l->n >= UINT32_MAX)
            return tk_error_set(err, TK_ENOMEM, "rule evaluation: too many pairs in one day");
        stamp[subj] = c->run;
        index[subj] = (uint32_t)l->n;
        d = &l->v[l->n++];
        memset(d, 0, sizeof *d);
        d->key = key;
        d->sys = e->system;
        d->dept = dept < UINT32_MAX ? (uint32_t)dept : UINT32_MAX;
    } else {
        d = &l->v[index[subj]];
    }
    d->flags |= flags;
    if (flags & 1) {
        if (d->n < EV_PER_DAY)
            d->ev[d->n] = e->id;
        d->n++;
    }
    return TK_OK;
}

/* ---- one user's day ------------------------------------------------------------------- */

static void dist_push(struct dist *d, double v, tk_error *err, int *rc)
{
    if (*rc != TK_OK)
        return;
    if (RESERVE(d->v, d->n, d->cap, err) != TK_OK) {
        *rc = TK_ENOMEM;
        return;
    }
    d->v[d->n++] = v;
}

static int user_run(struct ctx *c, const tk_dayevent *r, size_t n, int64_t day, int in_period,
                    int track5, int track6, int track_sess, tk_error *err)
{
    struct urun u;
    int rc = TK_OK;
    memset(&u, 0, sizeof u);
    u.uid = r[0].user;
    if (u.uid >= c->nusers)
        return TK_OK;
    u.uname = nm(&c->users, u.uid);
    u.day = day;
    u.last_t = r[n - 1].t;
    u.in_period = in_period;
    u.found =
        c->have_staff && tk_mastersnap_find_staff(c->ms, u.uname, strlen(u.uname), day, &u.st) != 0;
    u.sid = u.found ? u.st.staff_id : u.uname;
    u.dept = u.found ? u.st.dept : NULL;
    u.dept_id = u.found ? u.st.dept_id : NO_DEPT;
    tk_calendar_dept_day dd;
    tk_calendar_dept_day_kind(c->cal, day, u.dept, u.dept ? strlen(u.dept) : 0, &dd);
    u.hours = dd.hours;
    u.hours_from = dd.hours_from;
    u.open = dd.open;
    u.has_own = u.found && u.st.own_subject &&
                tk_mastersnap_find_resident(c->ms, u.st.own_subject, day, &u.own);
    u.prev_dept_id = u.found && u.st.prev_dept
                         ? tk_mastersnap_find_dept(c->ms, u.st.prev_dept, strlen(u.st.prev_dept))
                         : NO_DEPT;
    u.training = c->have_training && in_period &&
                 tk_mastersnap_check_training(c->ms, u.uname, strlen(u.uname), day, &u.tr) != 0;
    if (++c->run == 0) {
        /* 2^32 runs: restart the stamps rather than confuse an old one */
        memset(c->s_seen, 0, c->nsubj * sizeof *c->s_seen);
        memset(c->s_proc, 0, c->nsubj * sizeof *c->s_proc);
        memset(c->s_5, 0, c->nsubj * sizeof *c->s_5);
        memset(c->s_6, 0, c->nsubj * sizeof *c->s_6);
        memset(c->s_27, 0, c->nsubj * sizeof *c->s_27);
        for (size_t i = 0; i < c->nsys; i++)
            c->ainf[i].stamp = 0;
        c->run = 1;
    }
    for (int x = 0; x < NX; x++) {
        acc_reset(&c->ua[x][0]);
        acc_reset(&c->ua[x][1]);
    }
    for (size_t i = 0; i < n; i++)
        if (r[i].subject && r[i].subject < c->nsubj && is_process(r[i].op))
            c->s_proc[r[i].subject] = c->run;

    struct dlist *l5 = ring_at(c->ring5, day), *l6 = ring_at(c->ring6, day);
    size_t distinct = 0, unproc = 0, nfail = 0;
    int first_min = INT_MAX, last_min = -1; /* baseline: R01's habit */
    c->scr_n = 0;
    for (size_t i = 0; i < n && rc == TK_OK; i++) {
        const tk_dayevent *e = &r[i];
        const int op = e->op;
        if (!is_business(op)) {
            if (in_period) {
                if (op == TK_OP_LOGON_FAILURE)
                    nfail++;
                else if (op != TK_OP_LOGOFF && e->result == TK_RESULT_SUCCESS) {
                    rc = check_status(c, &u, e, err);
                    if (rc == TK_OK && op == TK_OP_LOGON)
                        rc = check_terminal(c, &u, e, err);
                }
            }
            if (rc == TK_OK && track_sess && (op == TK_OP_LOGON || op == TK_OP_LOGOFF) &&
                e->result == TK_RESULT_SUCCESS)
                rc = user_session(c, &u, e, err);
            continue;
        }
        const uint32_t subj = e->subject < c->nsubj ? e->subject : 0;
        if (subj) {
            const int looked = is_lookup(op);
            const int proc = c->s_proc[subj] == c->run;
            if (looked && e->system < c->nsys) {
                uint64_t *w = &c->pool[(size_t)e->system * c->pool_words + subj / 64];
                const uint64_t bit = (uint64_t)1 << (subj % 64);
                if (!(*w & bit)) {
                    *w |= bit;
                    c->pool_n[e->system]++;
                }
            }
            if (looked && c->s_seen[subj] != c->run) {
                c->s_seen[subj] = c->run;
                if (!in_period && !c->frozen && u.found && (on(c, X09) || on(c, X10)))
                    routine_note(c, &u, subj);
                distinct++;
                unproc += !proc;
                if (e->system < c->nsys && c->run_sys[e->system]++ == 0)
                    c->touched[c->ntouched++] = e->system;
            }
            if (track5 && (looked || is_process(op)))
                rc = dlist_touch(c, l5, c->s_5, c->s_i5, subj, (uint64_t)u.uid << 32 | subj, e,
                                 (looked ? 1u : 0u) | (proc ? 2u : 0u), NO_DEPT, err);
            if (rc == TK_OK && track6 && looked && sys_has_owner(c, e->system, day)) {
                const struct ainfo *ai = u.found && u.dept ? auth_info(c, &u, e->system) : NULL;
                const int inside = ai && (ai->level >= TK_MASTERSNAP_LEVEL_UPDATE || ai->assigned);
                if (!inside)
                    rc = dlist_touch(c, l6, c->s_6, c->s_i6, subj, (uint64_t)subj << 32 | u.uid, e,
                                     1, u.dept_id, err);
            }
            if (rc == TK_OK && looked && in_period) {
                if (RESERVE(c->scr, c->scr_n, c->scr_cap, err) != TK_OK)
                    return TK_ENOMEM;
                c->scr[c->scr_n++] = i;
            }
        }
        if (rc != TK_OK)
            break;
        if (!in_period) {
            first_min = first_min < e->minute ? first_min : e->minute;
            last_min = last_min > e->minute ? last_min : e->minute;
            if (is_output(op) && e->count >= 0 && u.dept_id < c->ndepts && !c->frozen)
                dist_push(&c->d24[u.dept_id], (double)e->count, err, &rc);
            continue;
        }
        rc = check_time(c, &u, e, err);
        if (rc == TK_OK && e->result == TK_RESULT_SUCCESS)
            rc = check_status(c, &u, e, err);
        if (rc == TK_OK && subj)
            rc = check_subject(c, &u, e, err);
        if (rc == TK_OK)
            rc = check_auth(c, &u, e, err);
        if (rc == TK_OK)
            rc = check_terminal(c, &u, e, err);
        if (rc == TK_OK)
            rc = check_output(c, &u, e, err);
    }
    if (rc != TK_OK)
        return rc;
    for (size_t k = 0; k < c->ntouched; k++) {
        const size_t at = (size_t)u.uid * c->nsys + c->touched[k];
        c->us_sum[at] += c->run_sys[c->touched[k]];
        c->us_days[at]++;
        c->run_sys[c->touched[k]] = 0;
    }
    c->ntouched = 0;
    if (distinct > 0) {
        const int64_t shift = day - c->act_day[u.uid];
        c->act_mask[u.uid] =
            shift >= 64 || c->act_mask[u.uid] == 0 ? 1 : (c->act_mask[u.uid] << shift) | 1;
        c->act_day[u.uid] = day;
    }
    if (!in_period) {
        if (last_min >= 0 && !u.open && !c->frozen)
            c->hab_closed[u.uid]++;
        if (last_min >= 0 && u.open && !c->frozen) {
            c->hab_days[u.uid]++;
            for (int h = 0; h < HABIT_EVE; h++)
                c->hab_eve[(size_t)u.uid * HABIT_EVE + (size_t)h] +=
                    last_min >= (HABIT_EVE_FROM + h) * 60;
            for (int h = 0; h < HABIT_MORN; h++)
                c->hab_morn[(size_t)u.uid * HABIT_MORN + (size_t)h] +=
                    first_min < (HABIT_MORN_FROM + h) * 60;
        }
        if (u.dept_id < c->ndepts && !c->frozen) {
            if (distinct > 0)
                dist_push(&c->d03[u.dept_id], (double)distinct, err, &rc);
            if (distinct >= c->p.r11_min)
                dist_push(&c->d11[u.dept_id], (double)unproc / (double)distinct, err, &rc);
        }
        return rc;
    }

    char who[200], sum[512], span[40];
    who_text(&u, who, sizeof who);
    /* R03: distinct residents of the day */
    if (on(c, X03) && distinct > 0) {
        double thr = c->p.r03_min;
        if (u.dept_id < c->ndepts && c->d03[u.dept_id].n >= c->p.r03_samples) {
            const struct dist *d = &c->d03[u.dept_id];
            thr = fmax(thr, fmax(d->p, c->p.r03_mult * d->median));
        }
        if ((double)distinct > thr) {
            snprintf(sum, sizeof sum, "%sが1日に住民%zu人を照会（閾値 %.0f人）", who, distinct,
                     thr);
            rc = emit_window(c, &u, X03, r, c->scr, 0, c->scr_n - 1, (double)distinct, thr,
                             c->r[X03].sev, "人", sum, err);
        }
    }
    /* R04: bursts */
    if (rc == TK_OK && on(c, X04) && c->scr_n >= c->p.r04_min) {
        size_t from = 0, to = 0;
        const size_t best = burst(c, r, c->scr, c->scr_n, c->p.r04_win, &from, &to);
        if (best >= c->p.r04_min) {
            struct acc tmp;
            tmp.t0 = r[c->scr[from]].t;
            tmp.t1 = r[c->scr[to]].t;
            span_text(&tmp, span, sizeof span);
            snprintf(sum, sizeof sum, "%sが%sの%lld分間に住民%zu人を連続照会（閾値 %zu人）", who,
                     span, (long long)(c->p.r04_win / MIN_MS), best, c->p.r04_min);
            rc = emit_window(c, &u, X04, r, c->scr, from, to, (double)best, (double)c->p.r04_min,
                             c->r[X04].sev, "人", sum, err);
        }
    }
    /* R32: an address-block sweep (before R11 reorders the lookups) */
    if (rc == TK_OK && on(c, X32) && c->scr_n >= c->p.r32_min)
        rc = eval_r32(c, &u, r, who, err);
    /* R11: the share of residents looked up and not processed */
    if (rc == TK_OK && on(c, X11) && distinct >= c->p.r11_min && u.dept_id < c->ndepts &&
        c->d11[u.dept_id].n >= c->p.r11_samples) {
        const double share = (double)unproc / (double)distinct, thr = c->d11[u.dept_id].p;
        const double p0 = c->d11[u.dept_id].median;
        /* P(at least unproc of distinct left unprocessed) at the 所属's median
         * share: a share above P95 from a handful of residents is noise. */
        const double pv = p0 >= 1 || unproc == 0 ? 1
                          : p0 <= 0
                              ? 0
                              : gsl_cdf_binomial_Q((unsigned)(unproc - 1), p0, (unsigned)distinct);
        if (share > thr && pv <= c->p.r11_p) {
            size_t k = 0;
            for (size_t i = 0; i < c->scr_n; i++)
                if (c->s_proc[r[c->scr[i]].subject] != c->run)
                    c->scr[k++] = c->scr[i];
            snprintf(sum, sizeof sum,
                     "%sが照会した住民%zu人のうち%.0f%%が処理なし（所属のP%.0f %.0f%%）", who,
                     distinct, 100 * share, c->p.r11_pct, 100 * thr);
            /* how often the member would have such a day by chance at the
             * 所属's median share over the period: the case's rank falls
             * with it (a share just past P95 of a short day) */
            json_t *x = json_object();
            jset(x, "p_value", json_real(pv));
            jset(x, "chance", json_real(pv * (double)(c->last_day - c->first_day + 1)));
            rc = emit_window_x(c, &u, X11, r, c->scr, 0, k - 1, 100 * share, 100 * thr,
                               c->r[X11].sev, "%", sum, x, err);
        }
    }
    /* R17: failed logons of the account */
    if (rc == TK_OK && on(c, X17) && nfail >= c->p.r17_ufail) {
        c->scr_n = 0;
        for (size_t i = 0; i < n; i++)
            if (r[i].op == TK_OP_LOGON_FAILURE) {
                if (RESERVE(c->scr, c->scr_n, c->scr_cap, err) != TK_OK)
                    return TK_ENOMEM;
                c->scr[c->scr_n++] = i;
            }
        size_t best = 0, bf = 0, bt = 0, j = 0;
        for (size_t i = 0; i < c->scr_n; i++) {
            while (r[c->scr[i]].t - r[c->scr[j]].t > c->p.r17_uwin)
                j++;
            if (i - j + 1 > best) {
                best = i - j + 1;
                bf = j;
                bt = i;
            }
        }
        if (best >= c->p.r17_ufail) {
            struct acc tmp;
            char terms[200];
            uint32_t tset[ACC_SET];
            size_t nt = 0;
            for (size_t i = bf; i <= bt; i++)
                set_add(tset, &nt, r[c->scr[i]].terminal);
            names_text(&c->terms, tset, nt, "台", terms, sizeof terms);
            tmp.t0 = r[c->scr[bf]].t;
            tmp.t1 = r[c->scr[bt]].t;
            span_text(&tmp, span, sizeof span);
            snprintf(sum, sizeof sum, "%sのアカウントで%sにログオン失敗%zu回（端末 %s）", who, span,
                     best, terms);
            rc = emit_window(c, &u, X17, r, c->scr, bf, bt, (double)best, (double)c->p.r17_ufail,
                             c->r[X17].sev, "回", sum, err);
        }
    }
    u.distinct = distinct;
    static const int per_user[] = {X01, X02, X07, X08, X09, X10, X12, X13, X14, X15,
                                   X16, X18, X19, X20, X24, X25, X26, X27, X31};
    for (size_t k = 0; rc == TK_OK && k < sizeof per_user / sizeof per_user[0]; k++)
        if (on(c, per_user[k]))
            rc = emit_user(c, &u, per_user[k], err);
    return rc;
}

/* ---- one terminal's day --------------------------------------------------------------- */

static const char *term_kind(int kind)
{
    return kind == TK_MASTERSNAP_TERMINAL_MYNUMBER  ? "特定個人情報"
           : kind == TK_MASTERSNAP_TERMINAL_GENERAL ? "一般"
                                                    : "種別不明";
}

static int emit_term(struct ctx *c, int x, uint32_t tid, const struct tinfo *ti, int64_t day,
                     tk_error *err)
{
    struct acc *a = &c->ta[x];
    if (a->n == 0)
        return TK_OK;
    const char *tname = nm(&c->terms, tid);
    char sum[1024], span[40], users[200], sys[200], dev[128], ctx[512];
    const char *unit = "件";
    double value = (double)a->n, thr = 0;
    int sev = a->sev;
    ctx[0] = '\0';
    span_text(a, span, sizeof span);
    names_text(&c->users, a->usr, a->nusr, "名", users, sizeof users);
    sys_text(c, a->sys, a->nsys, sys, sizeof sys);
    dev_name(c, a->dev, dev, sizeof dev);
    switch (x) {
    case X21:
        snprintf(sum, sizeof sum, "端末台帳にない端末 %s で%llu件の操作・ログオン（%s、職員 %s）",
                 tname, (unsigned long long)a->n, span, users);
        break;
    case X22: {
        const char *what = (a->flags & 4) ? "未承認媒体"
                           : (a->flags & 2) ? "承認済み媒体・時間外で時間外勤務命令なし"
                                            : "承認済み媒体・業務時間内";
        if (a->flags == 1 || a->flags == 9)
            snprintf(ctx, sizeof ctx, "承認済み媒体 %s・%s", dev,
                     (a->flags & 8) ? "時間外勤務命令の時間帯" : "業務時間内");
        snprintf(sum, sizeof sum, "端末 %s（%s）から可搬媒体 %s へ%llu件書出し（%s、%s、職員 %s）",
                 tname, term_kind(ti->kind), dev, (unsigned long long)a->n, span, what, users);
        break;
    }
    case X23:
        snprintf(sum, sizeof sum, "端末 %s に%sデバイス %s を接続・書出し（%llu件、%s、職員 %s）",
                 tname, (a->flags & 2) ? "承認期間外の" : "未承認の", dev, (unsigned long long)a->n,
                 span, users);
        break;
    case X28:
        snprintf(sum, sizeof sum,
                 "端末 %s でログオン記録のない時間帯に%sの操作%llu件（%s、職員 %s）", tname, sys,
                 (unsigned long long)a->n, span, users);
        break;
    case X30:
        value = a->value;
        thr = (a->flags & 1) ? c->p.r30_min : (double)c->p.r30_res;
        unit = (a->flags & 1) ? "件" : "人";
        if (a->flags & 1)
            snprintf(sum, sizeof sum,
                     "端末 %s で%sの%.0f件の%sの後%lld分以内に可搬媒体 %s へ書出し（%s、職員 %s）",
                     tname, nm(&c->systems, a->key_sys), a->value, output_verb(a->aux),
                     (long long)(c->p.r30_win / MIN_MS), dev,
                     (a->flags & 8) ? "未承認媒体" : "承認済み媒体", users);
        else
            snprintf(
                sum, sizeof sum,
                "端末 %s で住民%.0f人の連続照会の後%lld分以内に可搬媒体 %s へ書出し（%s、職員 %s）",
                tname, a->value, (long long)(c->p.r30_win / MIN_MS), dev,
                (a->flags & 8) ? "未承認媒体" : "承認済み媒体", users);
        break;
    default:
        return TK_OK;
    }
    json_t *d = acc_detail(c, a, ti->dept);
    jset(d, "terminal_kind", json_string(term_kind(ti->kind)));
    if (a->dev)
        jset(d, "device", json_string(dev));
    const struct emit m = {x,      TK_RULECAT_TERMINAL,
                           tname,  NULL,
                           day,    day,
                           sev,    value,
                           thr,    unit,
                           sum,    ctx,
                           d,      a->ev,
                           a->nev, a->n + a->nctx};
    return emit(c, &m, NULL, err);
}

/* 1 if terminal session state sv covers a business event at e->t:
 * someone is logged on, logged off less than grace ago, or logs on within
 * grace after it (the next events of the run, rows[ix[k+1..n)]). */
static int covered(const struct ctx *c, const struct sessv *sv, const tk_dayevent *rows,
                   const uint32_t *ix, size_t k, size_t n)
{
    const tk_dayevent *e = &rows[ix[k]];
    if (sv->n > 0)
        return 1;
    if (sv->last_off != INT64_MIN && e->t - sv->last_off <= c->p.r28_grace)
        return 1;
    for (size_t j = k + 1; j < n; j++) {
        const tk_dayevent *f = &rows[ix[j]];
        if (f->t - e->t > c->p.r28_grace)
            break;
        if (f->op == TK_OP_LOGON && f->result == TK_RESULT_SUCCESS)
            return 1;
    }
    return 0;
}

static int term_session(struct ctx *c, struct sessv *sv, const tk_dayevent *e, tk_error *err)
{
    for (size_t i = sv->n; i-- > 0;)
        if (e->t - sv->v[i].t > c->p.r28_max)
            sess_remove(sv, i);
    if (e->result != TK_RESULT_SUCCESS)
        return TK_OK;
    if (e->op == TK_OP_LOGON) {
        for (size_t i = 0; i < sv->n; i++)
            if (sv->v[i].term == e->user)
                return TK_OK;
        if (RESERVE(sv->v, sv->n, sv->cap, err) != TK_OK)
            return TK_ENOMEM;
        sv->v[sv->n++] = (struct sess){e->user, e->t, e->id};
    } else if (e->op == TK_OP_LOGOFF) {
        for (size_t i = 0; i < sv->n; i++)
            if (sv->v[i].term == e->user) {
                sess_remove(sv, i);
                break;
            }
        sv->last_off = e->t;
    }
    return TK_OK;
}

static int term_run(struct ctx *c, const tk_dayevent *rows, const uint32_t *ix, size_t n,
                    int64_t day, int in_period, int track_sess, int day_logons, tk_error *err)
{
    const uint32_t tid = rows[ix[0]].terminal;
    int rc = TK_OK;
    if (tid == 0 || tid >= c->nterms)
        return TK_OK;
    const struct tinfo *ti = term_info(c, tid, day);
    const tk_calendar_hours *h =
        tk_calendar_hours_for(c->cal, ti->dept, ti->dept ? strlen(ti->dept) : 0);
    const int open = tk_calendar_is_open(c->cal, day);
    struct sessv *sv = &c->tsess[tid];
    static const int per_term[] = {X21, X22, X23, X28, X30};
    for (size_t k = 0; k < sizeof per_term / sizeof per_term[0]; k++)
        acc_reset(&c->ta[per_term[k]]);
    /* R30: the latest bulk output, and lookup bursts on this terminal */
    int64_t out_t = INT64_MIN, out_ev = 0, burst_t = INT64_MIN;
    double out_n = 0, burst_n = 0;
    uint32_t out_sys = 0;
    int out_op = TK_OP_EXPORT;
    size_t bj = 0, distinct = 0, bfrom = 0, bto = 0, nfail = 0;
    int64_t used_out = -1;
    size_t used_burst = SIZE_MAX;
    c->scr_n = 0;
    for (size_t k = 0; k < n && rc == TK_OK; k++) {
        const tk_dayevent *e = &rows[ix[k]];
        const int op = e->op;
        if (in_period && on(c, X21) && c->have_terms && !ti->registered)
            rc = acc_add(c, &c->ta[X21], e, c->r[X21].sev, err);
        if (rc == TK_OK && track_sess && (op == TK_OP_LOGON || op == TK_OP_LOGOFF))
            rc = term_session(c, sv, e, err);
        if (rc != TK_OK || !in_period)
            continue;
        if (is_business(op)) {
            if (on(c, X28) && ti->found && day_logons && !covered(c, sv, rows, ix, k, n))
                rc = acc_add(c, &c->ta[X28], e, c->r[X28].sev, err);
            if (!on(c, X30))
                continue;
            if (is_output(op) && e->count >= 0 && (double)e->count >= c->p.r30_min) {
                out_op = op;
                out_t = e->t;
                out_ev = e->id;
                out_n = (double)e->count;
                out_sys = e->system;
            }
            if (is_lookup(op) && e->subject && e->subject < c->nsubj) {
                if (RESERVE(c->scr, c->scr_n, c->scr_cap, err) != TK_OK)
                    return TK_ENOMEM;
                c->scr[c->scr_n++] = ix[k];
                if (c->s_win[e->subject]++ == 0)
                    distinct++;
                while (e->t - rows[c->scr[bj]].t > c->p.r30_win) {
                    if (--c->s_win[rows[c->scr[bj]].subject] == 0)
                        distinct--;
                    bj++;
                }
                if (distinct >= c->p.r30_res) {
                    burst_t = e->t;
                    burst_n = (double)distinct;
                    bfrom = bj;
                    bto = c->scr_n - 1;
                }
            }
            continue;
        }
        if (op == TK_OP_LOGON_FAILURE) {
            nfail++;
            continue;
        }
        if (!is_media_write(op) && op != TK_OP_DEVICE_CONNECT)
            continue;
        size_t slen = 0;
        const char *serial = dev_serial(c, e->device, &slen);
        tk_mastersnap_media m;
        memset(&m, 0, sizeof m);
        const int approved =
            serial && c->have_media && tk_mastersnap_check_media(c->ms, serial, slen, day, &m) != 0;
        if (on(c, X23) && c->have_media && !approved) {
            struct acc *a = &c->ta[X23];
            rc = acc_add(c, a, e, c->r[X23].sev, err);
            a->dev = a->dev ? a->dev : e->device;
            a->flags |= m.listed ? 2u : 1u;
        }
        if (rc != TK_OK || !is_media_write(op))
            continue;
        const int base =
            ti->kind == TK_MASTERSNAP_TERMINAL_GENERAL ? sev_add(c->r[X22].sev, -1) : c->r[X22].sev;
        if (on(c, X22)) {
            const char *uname = nm(&c->users, e->user);
            const int slot = tk_calendar_slot(c->cal, h, e->t);
            const int in_hours =
                open && (slot == TK_CALENDAR_SLOT_IN_HOURS || slot == TK_CALENDAR_SLOT_LUNCH);
            const int ot = !in_hours &&
                           tk_mastersnap_has_overtime(c->ms, uname, strlen(uname), day, e->minute);
            struct acc *a = &c->ta[X22];
            if (approved && (in_hours || ot)) {
                if (c->p.r22_approved) {
                    rc = acc_add(c, a, e, TK_RULECAT_LOW, err);
                    a->flags |= ot ? 9u : 1u;
                    a->dev = a->dev ? a->dev : e->device;
                }
            } else {
                const int had = a->sev;
                rc = acc_add(c, a, e, base, err);
                a->flags |= approved ? 2u : 4u;
                if (had < base)
                    a->dev = e->device;
            }
        }
        if (rc != TK_OK || !on(c, X30))
            continue;
        int trig = 0;
        if (out_t != INT64_MIN && e->t - out_t <= c->p.r30_win)
            trig = 1;
        else if (burst_t != INT64_MIN && e->t - burst_t <= c->p.r30_win)
            trig = 2;
        if (!trig)
            continue;
        struct acc *a = &c->ta[X30];
        const int sev = approved ? sev_add(c->r[X30].sev, -1) : c->r[X30].sev;
        if (trig == 1 && used_out != out_ev) {
            used_out = out_ev;
            rc = acc_add_context(c, a, out_ev, err);
            if (out_n > a->value || !(a->flags & 1)) {
                a->value = out_n;
                a->key_sys = out_sys;
                a->aux = out_op;
            }
        } else if (trig == 2 && used_burst != bfrom) {
            used_burst = bfrom;
            for (size_t i = bfrom; i <= bto && rc == TK_OK; i++)
                rc = acc_add_context(c, a, rows[c->scr[i]].id, err);
            if (!(a->flags & 1) && burst_n > a->value)
                a->value = burst_n;
        }
        if (rc == TK_OK)
            rc = acc_add(c, a, e, sev, err);
        a->flags |= (unsigned)trig | (approved ? 4u : 8u);
        a->dev = a->dev ? a->dev : e->device;
    }
    for (; bj < c->scr_n; bj++)
        c->s_win[rows[c->scr[bj]].subject]--;
    if (rc != TK_OK || !in_period)
        return rc;
    /* R17 per terminal: distinct accounts failing within the window */
    if (on(c, X17) && nfail >= c->p.r17_tusers) {
        size_t best = 0, bf = 0, bt = 0, j = 0, users = 0;
        c->scr_n = 0;
        for (size_t k = 0; k < n; k++)
            if (rows[ix[k]].op == TK_OP_LOGON_FAILURE) {
                if (RESERVE(c->scr, c->scr_n, c->scr_cap, err) != TK_OK)
                    return TK_ENOMEM;
                c->scr[c->scr_n++] = ix[k];
            }
        for (size_t i = 0; i < c->scr_n; i++) {
            const tk_dayevent *e = &rows[c->scr[i]];
            if (e->user < c->nusers && c->u_win[e->user]++ == 0)
                users++;
            while (e->t - rows[c->scr[j]].t > c->p.r17_twin) {
                const uint32_t u = rows[c->scr[j]].user;
                if (u < c->nusers && --c->u_win[u] == 0)
                    users--;
                j++;
            }
            if (users > best) {
                best = users;
                bf = j;
                bt = i;
            }
        }
        for (; j < c->scr_n; j++)
            if (rows[c->scr[j]].user < c->nusers)
                c->u_win[rows[c->scr[j]].user]--;
        if (best >= c->p.r17_tusers) {
            struct acc *a = &c->ta[X17];
            acc_reset(a);
            const int sev = sev_add(c->r[X17].sev, 1);
            for (size_t i = bf; i <= bt && rc == TK_OK; i++)
                rc = acc_add(c, a, &rows[c->scr[i]], sev, err);
            if (rc != TK_OK)
                return rc;
            char span[40], sum[512];
            span_text(a, span, sizeof span);
            snprintf(sum, sizeof sum,
                     "端末 %s で%sに%zu件の異なるアカウントがログオン失敗（%llu回）",
                     nm(&c->terms, tid), span, best, (unsigned long long)a->n);
            json_t *d = acc_detail(c, a, ti->dept);
            const struct emit m = {X17,
                                   TK_RULECAT_TERMINAL,
                                   nm(&c->terms, tid),
                                   NULL,
                                   day,
                                   day,
                                   sev,
                                   (double)best,
                                   (double)c->p.r17_tusers,
                                   "人",
                                   sum,
                                   NULL,
                                   d,
                                   a->ev,
                                   a->nev,
                                   a->n + a->nctx};
            rc = emit(c, &m, NULL, err);
        }
    }
    for (size_t k = 0; rc == TK_OK && k < sizeof per_term / sizeof per_term[0]; k++)
        if (on(c, per_term[k]))
            rc = emit_term(c, per_term[k], tid, ti, day, err);
    return rc;
}

/* ---- multi-day rules, decided at the end of each day ------------------------------------ */

static int cmp_dent(const void *a, const void *b)
{
    const uint64_t x = ((const struct dent *)a)->key, y = ((const struct dent *)b)->key;
    return (x > y) - (x < y);
}

/* Index of the first entry of sorted l with key >= key. */
static size_t dlower(const struct dlist *l, uint64_t key)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const struct dent *dfind(const struct dlist *l, uint64_t key)
{
    const size_t i = dlower(l, key);
    return i < l->n && l->v[i].key == key ? &l->v[i] : NULL;
}

static void ring_release(struct dlist *ring, int64_t day)
{
    struct dlist *l = &ring[((day % RING_MAX) + RING_MAX) % RING_MAX];
    if (l->day == day) {
        tk_free(l->v);
        l->v = NULL;
        l->n = l->cap = 0;
        l->day = INT64_MIN;
    }
}

static const struct dlist *ring_day(const struct dlist *ring, int64_t day)
{
    const struct dlist *l = &ring[((day % RING_MAX) + RING_MAX) % RING_MAX];
    return l->day == day ? l : NULL;
}

static struct open_case *oc_find(struct open_case *v, size_t n, uint64_t key)
{
    for (size_t i = n; i-- > 0;)
        if (v[i].key == key)
            return &v[i];
    return NULL;
}

/* Drops open cases whose last day is win days or more before day: they
 * can no longer be extended. */
static void oc_prune(struct open_case *v, size_t *n, int64_t day, int64_t win)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (v[i].last_day > day - win)
            v[k++] = v[i];
    *n = k;
}

static void staff_dept(const struct ctx *c, const char *uname, int64_t day, const char **dept)
{
    tk_mastersnap_staff st;
    *dept = c->have_staff && tk_mastersnap_find_staff(c->ms, uname, strlen(uname), day, &st)
                ? st.dept
                : NULL;
}

static size_t pmap_slot(const struct pmap *m, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 17) & (m->cap - 1);
    while (m->v[i].key != 0 && m->v[i].key != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* Rebuilds m with at least room for twice its live pairs, dropping pairs
 * not touched in the win days before day. The table is large (hundreds of
 * megabytes in a big city) and read at random: it is backed by huge pages
 * (tk_alloc_large) and cleared by writing, since a calloc'd mapping
 * faults twice per page (read, then write). */
static int pmap_rebuild(struct pmap *m, int64_t day, int64_t win, tk_error *err)
{
    size_t live = 0;
    for (size_t i = 0; i < m->cap; i++)
        live += m->v[i].key != 0 && day - m->v[i].day0 < win;
    size_t cap = 1024, bytes;
    while (cap < 4 * (live + 1)) {
        if (!tk_mul_size(cap, 2, &cap))
            return tk_error_set(err, TK_ENOMEM, "rule evaluation: too many resident pairs");
    }
    struct pmap n = {NULL, cap, 0};
    if (!tk_mul_size(cap, sizeof(struct pent), &bytes) || (n.v = tk_alloc_large(bytes)) == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory evaluating rules");
    memset(n.v, 0, bytes);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->v[i].key == 0 || day - m->v[i].day0 >= win)
            continue;
        n.v[pmap_slot(&n, m->v[i].key)] = m->v[i];
        n.n++;
    }
    tk_free(m->v);
    *m = n;
    return TK_OK;
}

/* Asks the CPU to fetch key's home slot: the pairs of a day are looked up
 * in key order, which is random order in the table, and the table is
 * far larger than the caches. */
static inline void pmap_prefetch(const struct pmap *m, uint64_t key)
{
    if (m->cap != 0) {
        const uint64_t h = key * 0x9E3779B97F4A7C15ull;
        __builtin_prefetch(&m->v[(size_t)(h >> 17) & (m->cap - 1)], 1);
    }
}

#define PMAP_AHEAD 12 /* pairs looked up ahead by pmap_prefetch() */

/* The history of key, shifted to day (inserted empty if new). */
static int pmap_get(struct pmap *m, uint64_t key, int64_t day, int64_t win, struct pent **out,
                    tk_error *err)
{
    if (m->cap == 0 || 2 * (m->n + 1) > m->cap) {
        const int rc = pmap_rebuild(m, day, win, err);
        if (rc != TK_OK)
            return rc;
    }
    struct pent *p = &m->v[pmap_slot(m, key)];
    if (p->key == 0) {
        p->key = key;
        p->day0 = day;
        p->look = p->proc = 0;
        m->n++;
    } else if (day > p->day0) {
        const int64_t sh = day - p->day0;
        p->look = sh >= 64 ? 0 : p->look << sh;
        p->proc = sh >= 64 ? 0 : p->proc << sh;
        p->day0 = day;
    }
    *out = p;
    return TK_OK;
}

/* Active days of user u in the win days ending on day (today included). */
static int64_t active_days(const struct ctx *c, uint32_t u, int64_t day, int64_t win)
{
    const int64_t shift = day - c->act_day[u];
    if (shift < 0 || shift >= 64)
        return 0;
    const uint64_t mask = c->act_mask[u] << shift;
    const uint64_t wmask = win >= 64 ? UINT64_MAX : (((uint64_t)1 << win) - 1);
    return __builtin_popcountll(mask & wmask);
}

/* How many residents user u would look up in system sys on k or more of
 * the window's active days by chance. A resident the user looked up is
 * looked up again on a later active day with probability q; with n active
 * days in the window and M = D n residents looked up (D distinct per
 * active day), about M P(Bin(n - 1, q) >= k - 1) of them reach k days.
 * q is the user's own return rate, measured on every day read so far:
 * residents found again in the previous window days, over the active days
 * they could have been found on (for small q, P(found) ~ q * days) --
 * high for a caseload, low for a counter clerk drawing from the whole
 * city -- and never below D / N, uniform draws from the N residents the
 * system has shown. Without enough history (100 residents) q = D / N; with
 * no history at all the chance is 0 and the case is raised.
 *
 * For spread visits (k of spread_window_days, R05_LOOKUP_ONLY) q counts
 * only look-up-only returns: a resident the user also processed in the
 * window is the user's caseload, and a caseworker's daily returns to
 * processed cases must not make a resident visited on ten days over
 * eight weeks look like chance. The short window keeps every return
 * (counting only look-up-only ones there doubles R05's findings on the
 * synthetic city with chance repeats of caseworkers). */
enum { R05_ALL, R05_LOOKUP_ONLY };

static double r05_chance(const struct ctx *c, uint32_t u, uint32_t sys, int64_t k, int64_t day,
                         int64_t win, int mode, double *q_out)
{
    *q_out = 0;
    if (sys >= c->nsys || u >= c->nusers || c->pool_n[sys] == 0)
        return 0;
    const size_t at = (size_t)u * c->nsys + sys;
    if (c->us_days[at] == 0)
        return 0;
    const double d = c->us_sum[at] / c->us_days[at];
    double q = d / c->pool_n[sys];
    const double ret = mode == R05_LOOKUP_ONLY ? c->ret_l[at] : c->ret_n[at];
    if (c->ret_e[at] >= 100 && c->ret_w[at] > 0 && ret / c->ret_w[at] > q)
        q = ret / c->ret_w[at];
    if (q > 1)
        q = 1;
    *q_out = q;
    int64_t n = active_days(c, u, day, win);
    if (n < k)
        n = k;
    return d * (double)n * gsl_cdf_binomial_Q((unsigned)(k - 2), q, (unsigned)(n - 1));
}

/* r05_chance() for a pair whose days may lie in several systems: a
 * caseworker's client looked up in 障害者福祉 on two days and in 住基 on
 * a third is a return that the member's 障害者福祉 habits explain, not
 * the 住基 ones, where the member draws from the whole city. Each system
 * the pair was looked up in from first to day (the first look-up of each
 * day) gives its chance; the largest, the habit that explains the pattern
 * best, is the pair's. Called only when the day's own system would raise
 * the case, so the walk back through the window is rare. */
static double r05_pair_chance(const struct ctx *c, uint32_t u, uint64_t key, uint32_t sys,
                              int64_t k, int64_t first, int64_t day, int64_t win, int mode,
                              double *q_out)
{
    double best = r05_chance(c, u, sys, k, day, win, mode, q_out);
    uint32_t seen[8];
    size_t ns = 0;
    seen[ns++] = sys;
    for (int64_t d = first; d < day; d++) {
        const struct dlist *l = ring_day(c->ring5, d);
        const struct dent *e = l ? dfind(l, key) : NULL;
        if (e == NULL || !(e->flags & 1))
            continue;
        size_t j = 0;
        while (j < ns && seen[j] != e->sys)
            j++;
        if (j < ns)
            continue;
        if (ns < sizeof seen / sizeof *seen)
            seen[ns++] = e->sys;
        double q;
        const double ch = r05_chance(c, u, e->sys, k, day, win, mode, &q);
        if (ch > best) {
            best = ch;
            *q_out = q;
        }
    }
    return best;
}

/* The share of R05's chance repeats whose k days lie as close together
 * as span days: the pattern is judged on the day of its k-th look-up, and
 * the k - 1 earlier days of a chance repeat fall anywhere in the win - 1
 * days before it, so all of them fall in the last span - 1 days with
 * probability ((span - 1) / (win - 1))^(k - 1). A deliberate interest in
 * a resident comes back within days; a clerk drawing from a whole
 * population meets the same resident again anywhere in the window. The
 * chance times this share ranks the finding (span_chance in its detail);
 * the filter keeps the plain chance. */
static double r05_span_share(int64_t k, int64_t span, int64_t win)
{
    if (k < 2 || win < 2 || span >= win)
        return 1;
    if (span < k)
        span = k;
    return pow((double)(span - 1) / (double)(win - 1), (double)(k - 1));
}

static int r05_summary(struct ctx *c, uint64_t key, double days, int64_t from, int64_t to,
                       char *sum, size_t cap)
{
    const char *uname = nm(&c->users, (uint32_t)(key >> 32)), *dept;
    char pn[40], a[11], b[11];
    staff_dept(c, uname, to, &dept);
    pseudo_text(c, (uint32_t)key, pn, sizeof pn);
    fmt_day(from, a);
    fmt_day(to, b);
    return snprintf(sum, cap,
                    "職員 %s%s%s%sが同一住民（%s）を%.0f日にわたり照会（%s〜%sの%lld日間、照会の"
                    "み・処理歴なし）",
                    uname, dept ? "（" : " ", dept ? dept : "", dept ? "）" : "", pn, days, a, b,
                    (long long)(to - from + 1));
}

/* Watch-list finding i, a look-up only, was followed on day by the
 * member's processing of the resident: dropped, or (explained = LOW) low
 * with the context, the relationship and the summary saying so. */
static int watch_processed_later(struct ctx *c, size_t i, int64_t day, tk_error *err)
{
    struct fnd *f = &c->res->v[i];
    if (c->opt.explained != TK_RULES_EXPLAINED_LOW) {
        f->dropped = 1;
        return TK_OK;
    }
    char text[1024], d[11];
    fmt_day(day, d);
    snprintf(text, sizeof text, "担当所属の定めなし・%sに本人が処理（処理歴あり）", d);
    char *nc = tk_strndup(text, strlen(text));
    if (nc == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory recording a finding");
    tk_free(f->context);
    f->context = nc;
    f->f.context = nc;
    f->f.severity = TK_RULECAT_LOW;
    f->f.score_hint = score_hint(TK_RULECAT_LOW, f->f.value, f->f.threshold, f->f.evidence_total);
    static const char from[] = "照会のみ・処理歴なし";
    const char *p = strstr(f->summary, from);
    if (p) {
        snprintf(text, sizeof text, "%.*s処理歴あり（後日処理）%s", (int)(p - f->summary),
                 f->summary, p + strlen(from));
        const int rc = set_summary(c, i, text, err);
        if (rc != TK_OK)
            return rc;
    }
    json_t *o = json_loads(f->detail, 0, NULL);
    json_t *r = o ? json_object_get(o, "relationship") : NULL;
    if (r) {
        json_object_set_new(r, "processed", json_true());
        json_object_set_new(r, "lookup_only", json_false());
    }
    jset(o, "explained", json_true());
    jset(o, "processed_on", json_string(d));
    return set_detail(c, i, o, err);
}

/* R05's state of one pair on the day being judged. */
struct r05_pair {
    int64_t nd, first;   /* days looked up in the window, the first of them */
    int proc;            /* processed in the window */
    int64_t snd, sfirst; /* the same in the spread window */
    int sproc;
};

static int eval_r05(struct ctx *c, int64_t day, tk_error *err)
{
    struct dlist *l = ring_at(c->ring5, day);
    const int64_t win = c->p.r05_win;
    char sum[512];
    int rc = TK_OK;
    if (l->day != day)
        return TK_OK;
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, cmp_dent);
    const int64_t hist = c->p.r05_hist;
    oc_prune(c->oc5, &c->noc5, day, hist > c->p.r05_followup ? hist : c->p.r05_followup + 1);
    oc_prune(c->ocw, &c->nocw, day, c->p.r05_followup + 1);
    for (size_t i = 0; i < l->n && rc == TK_OK; i++) {
        if (i + PMAP_AHEAD < l->n && (l->v[i + PMAP_AHEAD].flags & 3) == 2)
            pmap_prefetch(&c->pairs, l->v[i + PMAP_AHEAD].key);
        /* processing inside the window withdraws a raised case */
        if (!(l->v[i].flags & 2))
            continue;
        struct open_case *oc = oc_find(c->oc5, c->noc5, l->v[i].key);
        if (oc && day <= oc->last_day + c->p.r05_followup)
            c->res->v[oc->finding].dropped = 1;
        /* and a look-up-only watch-list access without 担当所属 */
        for (oc = oc_find(c->ocw, c->nocw, l->v[i].key); oc && rc == TK_OK;
             oc = oc_find(c->ocw, c->nocw, l->v[i].key)) {
            if (day > oc->last_day && day <= oc->last_day + c->p.r05_followup)
                rc = watch_processed_later(c, oc->finding, day, err);
            *oc = c->ocw[--c->nocw];
        }
        if (rc != TK_OK)
            break;
        if (!(l->v[i].flags & 1)) {
            struct pent *h;
            rc = pmap_get(&c->pairs, l->v[i].key, day, hist, &h, err);
            if (rc == TK_OK)
                h->proc |= 1;
        }
    }
    /* Two passes: the day's lookups first update the pairs and the users'
     * return rates, then each pair is judged on them. Judging a pair as its
     * rate is updated would give the pairs of a user the rates of the pairs
     * sorted before them, by resident id, which follows upload order. */
    struct r05_pair *st = l->n ? tk_alloc(l->n * sizeof *st) : NULL;
    if (l->n && st == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory evaluating R05");
    const uint64_t wmask = ((uint64_t)1 << win) - 1;
    const uint64_t smask = c->p.r05_swin > 0 ? ((uint64_t)1 << c->p.r05_swin) - 1 : 0;
    for (size_t i = 0; i < l->n && rc == TK_OK; i++) {
        if (i + PMAP_AHEAD < l->n && (l->v[i + PMAP_AHEAD].flags & 1))
            pmap_prefetch(&c->pairs, l->v[i + PMAP_AHEAD].key);
        const struct dent *e = &l->v[i];
        if (!(e->flags & 1))
            continue;
        const uint32_t u = (uint32_t)(e->key >> 32);
        struct pent *h;
        rc = pmap_get(&c->pairs, e->key, day, hist, &h, err);
        if (rc != TK_OK)
            break;
        h->look |= 1;
        h->proc |= (e->flags & 2) ? 1u : 0u;
        const uint64_t looked = h->look & wmask;
        st[i].nd = __builtin_popcountll(looked);
        st[i].first = day - (63 - __builtin_clzll(looked));
        st[i].proc = (h->proc & wmask) != 0;
        const uint64_t slooked = h->look & smask;
        st[i].snd = __builtin_popcountll(slooked);
        st[i].sfirst = slooked ? day - (63 - __builtin_clzll(slooked)) : day;
        st[i].sproc = (h->proc & smask) != 0;
        /* the user's return rate, for the chance model */
        if (u < c->nusers && e->sys < c->nsys) {
            const size_t at = (size_t)u * c->nsys + e->sys;
            const int64_t before = active_days(c, u, day, win) - 1;
            c->ret_e[at]++;
            c->ret_n[at] += st[i].nd > 1;
            c->ret_l[at] += st[i].nd > 1 && !st[i].proc;
            c->ret_w[at] += (double)(before > 0 ? before : 0);
        }
    }
    for (size_t i = 0; i < l->n && rc == TK_OK; i++) {
        const struct dent *e = &l->v[i];
        if (!(e->flags & 1))
            continue;
        const uint32_t u = (uint32_t)(e->key >> 32);
        if (day < c->first_day || !on(c, X05))
            continue;
        /* k days within window_days, or (spread visits, weeks apart)
         * spread_min_days within spread_window_days; the spread pattern
         * is preferred: it is the stronger one and names the whole span */
        double q = 0, chance = 0;
        int64_t nd = 0, first = day, w = win, kmin = c->p.r05_min;
        if (c->p.r05_swin > 0 && !st[i].sproc && st[i].snd >= c->p.r05_smin) {
            chance = r05_chance(c, u, e->sys, st[i].snd, day, c->p.r05_swin, R05_LOOKUP_ONLY, &q);
            if (chance <= c->p.r05_chance)
                chance = r05_pair_chance(c, u, e->key, e->sys, st[i].snd, st[i].sfirst, day,
                                         c->p.r05_swin, R05_LOOKUP_ONLY, &q);
            if (chance <= c->p.r05_chance) {
                nd = st[i].snd;
                first = st[i].sfirst;
                w = c->p.r05_swin;
                kmin = c->p.r05_smin;
            }
        }
        if (nd == 0 && !st[i].proc && st[i].nd >= c->p.r05_min) {
            chance = r05_chance(c, u, e->sys, st[i].nd, day, win, R05_ALL, &q);
            if (chance <= c->p.r05_chance)
                chance = r05_pair_chance(c, u, e->key, e->sys, st[i].nd, st[i].first, day, win,
                                         R05_ALL, &q);
            if (chance <= c->p.r05_chance) {
                nd = st[i].nd;
                first = st[i].first;
            }
        }
        if (nd == 0)
            continue;
        struct open_case *oc = oc_find(c->oc5, c->noc5, e->key);
        if (oc && !c->res->v[oc->finding].dropped) {
            tk_rules_finding *f = &c->res->v[oc->finding].f;
            f->day_to = day;
            f->value += 1;
            f->score_hint = score_hint(f->severity, f->value, f->threshold, f->evidence_total);
            oc->last_day = day;
            rc = add_evidence(c, oc->finding, e->ev, e->n < EV_PER_DAY ? e->n : EV_PER_DAY, e->n,
                              err);
            r05_summary(c, e->key, f->value, oc->first_day, day, sum, sizeof sum);
            if (rc == TK_OK)
                rc = set_summary(c, oc->finding, sum, err);
            /* the pattern as it stands now: more days, or as many closer
             * together, are less likely by chance */
            json_t *o = rc == TK_OK ? json_loads(f->detail, 0, NULL) : NULL;
            const double sc = chance * r05_span_share(nd, day - first + 1, w);
            const json_t *old = json_object_get(o, "span_chance");
            if (o && json_is_number(old) && sc < json_number_value(old)) {
                jset(o, "span_chance", json_real(sc));
                rc = set_detail(c, oc->finding, o, err);
            } else {
                json_decref(o);
            }
            continue;
        }
        struct acc *a = &c->ua[X05][0];
        acc_reset(a);
        for (int64_t k = day - first; k >= 0 && rc == TK_OK; k--) {
            const struct dlist *p = ring_day(c->ring5, day - k);
            const struct dent *f = p ? dfind(p, e->key) : NULL;
            if (f == NULL || !(f->flags & 1))
                continue;
            for (uint32_t j = 0; j < f->n && j < EV_PER_DAY && rc == TK_OK; j++)
                rc = acc_add_id(c, a, f->ev[j], err);
            a->n += f->n;
        }
        if (rc != TK_OK)
            break;
        r05_summary(c, e->key, (double)nd, first, day, sum, sizeof sum);
        const char *uname = nm(&c->users, u), *dept;
        staff_dept(c, uname, day, &dept);
        json_t *d = json_object();
        if (dept)
            jset(d, "dept", json_string(dept));
        jset(d, "window_days", json_integer((json_int_t)w));
        jset(d, "span_days", json_integer((json_int_t)(day - first + 1)));
        jset(d, "system", json_string(nm(&c->systems, e->sys)));
        jset(d, "chance", json_real(chance));
        jset(d, "span_chance", json_real(chance * r05_span_share(nd, day - first + 1, w)));
        jset(d, "return_rate", json_real(q));
        tk_mastersnap_staff sst;
        const int sfound =
            c->have_staff && tk_mastersnap_find_staff(c->ms, uname, strlen(uname), day, &sst);
        const struct rel rl = {sfound && dept_may_use(c, sst.staff_id, sst.dept, e->sys, day), 0, 0,
                               1, 0};
        jset(d, "relationship", rel_json(&rl));
        const struct emit m = {X05,
                               TK_RULECAT_USER,
                               uname,
                               subj_ps(c, (uint32_t)e->key),
                               first,
                               day,
                               c->r[X05].sev,
                               (double)nd,
                               (double)kmin,
                               "日",
                               sum,
                               NULL,
                               d,
                               a->ev,
                               a->nev,
                               a->n + a->nctx};
        size_t idx;
        rc = emit(c, &m, &idx, err);
        if (rc == TK_OK && RESERVE(c->oc5, c->noc5, c->oc5_cap, err) != TK_OK)
            rc = TK_ENOMEM;
        if (rc == TK_OK)
            c->oc5[c->noc5++] = (struct open_case){e->key, idx, first, day};
    }
    tk_free(st);
    return rc;
}

/* Keeps in set[0..*n) the ACC_SET users with the first names in byte
 * order, sorted by name: which users a finding names, and in which order,
 * then depends on who they are, not on their ids, which follow upload
 * order. */
static void set_add_named(const tk_store_names *names, uint32_t *set, size_t *n, uint32_t v)
{
    if (v == 0)
        return;
    const char *nv = nm(names, v);
    size_t at = *n;
    while (at > 0 && strcmp(nm(names, set[at - 1]), nv) > 0)
        at--;
    if (at == ACC_SET)
        return;
    const size_t keep = *n < ACC_SET ? *n : ACC_SET - 1;
    memmove(set + at + 1, set + at, (keep - at) * sizeof *set);
    set[at] = v;
    *n = keep + 1;
}

/* How many residents would be looked up by members of ndept or more
 * 所属 (other than the system's owners) within R06's window by chance.
 * Each 所属's look-ups of the window (member-resident pairs, one per
 * member, resident and day) spread evenly over the N residents the city's
 * systems have shown (the largest pool) give it a chance p of meeting a
 * given resident; the number of 所属 that meet it is then a sum of
 * independent Bernoulli(p), and the expected count of residents reaching
 * ndept is N P(sum >= ndept). An election or a busy season raises one
 * 所属's look-ups, and its members meeting the same residents as two
 * others is then common; a resident sought by six 所属 in a week is not.
 * The case ranks in its band by this chance (chance in its detail). */
static double r06_chance(struct ctx *c, int64_t day, size_t ndept)
{
    const size_t nd = c->ndepts + 1; /* the last: members of unknown 所属 */
    if (c->r06_t == NULL) {
        c->r06_t = tk_calloc(nd, sizeof *c->r06_t);
        if (c->r06_t == NULL)
            return 0; /* no chance term: the case keeps its place */
        c->r06_t_day = INT64_MIN;
    }
    double *t = c->r06_t;
    if (c->r06_t_day != day) { /* once a day, for every resident judged that day */
        memset(t, 0, nd * sizeof *t);
        for (int64_t k = 0; k < c->p.r06_win; k++) {
            const struct dlist *p = ring_day(c->ring6, day - k);
            for (size_t j = 0; p && j < p->n; j++)
                t[p->v[j].dept < c->ndepts ? p->v[j].dept : c->ndepts] += 1;
        }
        c->r06_n = 0;
        for (size_t s = 0; s < c->nsys; s++)
            c->r06_n = fmax(c->r06_n, (double)c->pool_n[s]);
        c->r06_t_day = day;
    }
    const double n = c->r06_n;
    if (n <= 0 || ndept == 0)
        return 0;
    /* pk[j]: P(j 所属 so far), j < ndept; pk[ndept]: P(ndept or more) */
    double pk[65] = {1};
    if (ndept > 64)
        ndept = 64;
    for (size_t d = 0; d < nd; d++) {
        const double q = fmin(1.0, t[d] / n);
        if (q <= 0)
            continue;
        pk[ndept] += pk[ndept - 1] * q;
        for (size_t j = ndept - 1; j > 0; j--)
            pk[j] = pk[j] * (1 - q) + pk[j - 1] * q;
        pk[0] *= 1 - q;
    }
    return n * pk[ndept];
}

static int eval_r06(struct ctx *c, int64_t day, tk_error *err)
{
    struct dlist *l = ring_at(c->ring6, day);
    const int64_t win = c->p.r06_win;
    int rc = TK_OK;
    if (l->day != day)
        return TK_OK;
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, cmp_dent);
    oc_prune(c->oc6, &c->noc6, day, win);
    if (day < c->first_day)
        return TK_OK;
    for (size_t i = 0; i < l->n && rc == TK_OK;) {
        const uint64_t subj = l->v[i].key >> 32;
        size_t end = i;
        while (end < l->n && l->v[end].key >> 32 == subj)
            end++;
        /* distinct users of this resident over the window */
        if (++c->ustamp == 0) {
            memset(c->u_stamp, 0, c->nusers * sizeof *c->u_stamp);
            c->ustamp = 1;
        }
        uint32_t users[ACC_SET], udepts[64];
        size_t nusers = 0, nshown = 0, ndept = 0;
        int64_t first = day;
        for (int64_t k = 0; k < win; k++) {
            const struct dlist *p = ring_day(c->ring6, day - k);
            if (p == NULL)
                continue;
            for (size_t j = dlower(p, subj << 32); j < p->n && p->v[j].key >> 32 == subj; j++) {
                const uint32_t u = (uint32_t)p->v[j].key;
                if (u < c->nusers && c->u_stamp[u] != c->ustamp) {
                    c->u_stamp[u] = c->ustamp;
                    nusers++;
                    set_add_named(&c->users, users, &nshown, u);
                    /* distinct 所属 (each member of unknown 所属 counts as one) */
                    const uint32_t dp = p->v[j].dept;
                    int known = 0;
                    for (size_t q = 0; dp != UINT32_MAX && q < ndept; q++)
                        known |= udepts[q] == dp;
                    if (!known && ndept < sizeof udepts / sizeof *udepts)
                        udepts[ndept++] = dp;
                }
                first = day - k;
            }
        }
        if (nusers < c->p.r06_min) {
            i = end;
            continue;
        }
        struct open_case *oc = oc_find(c->oc6, c->noc6, subj);
        /* a new case the window's volume explains is not raised */
        const double chance = oc ? 0 : r06_chance(c, day, ndept);
        if (oc == NULL && chance > c->p.r06_chance) {
            i = end;
            continue;
        }
        struct acc *a = &c->ua[X06][0];
        acc_reset(a);
        char sum[768], pn[40], depts[400];
        size_t used = 0;
        const char *seen[ACC_SET];
        size_t nseen = 0;
        depts[0] = '\0';
        for (size_t k = 0; k < nshown; k++) {
            const char *dept;
            staff_dept(c, nm(&c->users, users[k]), day, &dept);
            dept = dept ? dept : "所属不明";
            int dup = 0;
            for (size_t q = 0; q < nseen; q++)
                dup |= strcmp(seen[q], dept) == 0;
            if (!dup) {
                seen[nseen++] = dept;
                app(depts, sizeof depts, &used, "%s%s", used ? "・" : "", dept);
            }
        }
        pseudo_text(c, (uint32_t)subj, pn, sizeof pn);
        snprintf(sum, sizeof sum, "住民（%s）を担当外の所属の職員%zu人（%s%s）が%lld日以内に照会",
                 pn, nusers, depts, nusers > nshown ? "など" : "", (long long)win);
        if (oc) {
            tk_rules_finding *f = &c->res->v[oc->finding].f;
            f->day_to = day;
            if ((double)nusers > f->value)
                f->value = (double)nusers;
            f->score_hint = score_hint(f->severity, f->value, f->threshold, f->evidence_total);
            for (size_t j = i; j < end && rc == TK_OK; j++)
                rc = add_evidence(c, oc->finding, l->v[j].ev,
                                  l->v[j].n < EV_PER_DAY ? l->v[j].n : EV_PER_DAY, l->v[j].n, err);
            if (rc == TK_OK)
                rc = set_summary(c, oc->finding, sum, err);
            oc->last_day = day;
            i = end;
            continue;
        }
        for (int64_t k = day - first; k >= 0 && rc == TK_OK; k--) {
            const struct dlist *p = ring_day(c->ring6, day - k);
            if (p == NULL)
                continue;
            for (size_t j = dlower(p, subj << 32);
                 j < p->n && p->v[j].key >> 32 == subj && rc == TK_OK; j++) {
                for (uint32_t q = 0; q < p->v[j].n && q < EV_PER_DAY && rc == TK_OK; q++)
                    rc = acc_add_id(c, a, p->v[j].ev[q], err);
                a->n += p->v[j].n;
            }
        }
        if (rc != TK_OK)
            return rc;
        const uint8_t *ps = subj_ps(c, (uint32_t)subj);
        char hex[2 * PS_SIZE + 1];
        if (ps)
            hex_ps(ps, hex);
        else
            snprintf(hex, sizeof hex, "subject-%llu", (unsigned long long)subj);
        json_t *d = json_object();
        jset(d, "users", names_json(&c->users, users, nshown));
        jset(d, "window_days", json_integer((json_int_t)win));
        jset(d, "depts", json_integer((json_int_t)ndept));
        jset(d, "chance", json_real(chance));
        const struct emit m = {X06,
                               TK_RULECAT_RESIDENT,
                               hex,
                               ps,
                               first,
                               day,
                               c->r[X06].sev,
                               (double)nusers,
                               (double)c->p.r06_min,
                               "人",
                               sum,
                               NULL,
                               d,
                               a->ev,
                               a->nev,
                               a->n + a->nctx};
        size_t idx;
        rc = emit(c, &m, &idx, err);
        if (rc == TK_OK && RESERVE(c->oc6, c->noc6, c->oc6_cap, err) != TK_OK)
            rc = TK_ENOMEM;
        if (rc == TK_OK)
            c->oc6[c->noc6++] = (struct open_case){subj, idx, first, day};
        i = end;
    }
    return rc;
}

/* 1 if day counts for R29: open, and not a partial opening (休日開庁 on a
 * day that would otherwise be closed, when only some 所属 work). */
static int r29_day(const struct ctx *c, int64_t day)
{
    tk_calendar_day dk;
    tk_calendar_day_kind(c->cal, day, &dk);
    const unsigned closed = TK_CALENDAR_F_SATURDAY | TK_CALENDAR_F_SUNDAY | TK_CALENDAR_F_HOLIDAY |
                            TK_CALENDAR_F_YEAR_END | TK_CALENDAR_F_CITY_CLOSED;
    return dk.open && !(dk.reason == TK_CALENDAR_DAY_CITY_OPEN && (dk.flags & closed));
}

/* R29's summary of a drop over its days. */
static void r29_text(const char *sys, const struct r29_run *run, int64_t from, int64_t to,
                     long long hdays, const char *what, double mean, char *out, size_t cap)
{
    char a[11], b[11];
    fmt_day(from, a);
    fmt_day(to, b);
    if (run->days <= 1 && run->zero)
        snprintf(out, cap, "%sのログが開庁日に0件（過去%lld日の開庁日の%s %.0f件/日）", sys, hdays,
                 what, mean);
    else if (run->days <= 1)
        snprintf(out, cap, "%sのログが%.0f件に急減（過去%lld日の開庁日の%s %.0f件/日の%.0f%%）",
                 sys, run->lo, hdays, what, mean, 100 * run->lo / mean);
    else if (run->zero)
        snprintf(out, cap,
                 "%sのログが%s〜%sの開庁日%lld日続けて0件（過去%lld日の開庁日の%s %.0f件/日）", sys,
                 a, b, (long long)run->days, hdays, what, mean);
    else
        snprintf(out, cap,
                 "%sのログが%s〜%sの開庁日%lld日続けて%.0f〜%.0f件に減少（過去%lld日の開庁日の%s "
                 "%.0f件/日の%.0f〜%.0f%%。数日続く減少は業務量の変化の可能性もある）",
                 sys, a, b, (long long)run->days, run->lo, run->hi, hdays, what, mean,
                 100 * run->lo / mean, 100 * run->hi / mean);
}

static int eval_r29(struct ctx *c, int64_t day, tk_error *err)
{
    int rc = TK_OK;
    if (!r29_day(c, day))
        return TK_OK;
    if (c->r29_open == NULL) {
        c->r29_open = tk_calloc(c->nsys, sizeof *c->r29_open);
        if (c->r29_open == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory evaluating R29");
        for (size_t s = 0; s < c->nsys; s++)
            c->r29_open[s].last = INT64_MIN;
    }
    /* the open day before this one: a drop that held on it goes on today */
    int64_t prev = day - 1;
    while (prev > day - 15 && !r29_day(c, prev))
        prev--;
    const int64_t di = day - c->base_first;
    for (size_t s = 1; s < c->nsys && rc == TK_OK; s++) {
        double sum = 0;
        int64_t nd = 0, nz = 0;
        for (int64_t d = day - c->p.r29_hist; d < day; d++) {
            if (d < c->base_first || !r29_day(c, d))
                continue;
            const uint32_t v = c->cnt[(size_t)(d - c->base_first) * c->nsys + s];
            sum += v;
            nd++;
            nz += v > 0;
        }
        if (nz < c->p.r29_minhist)
            continue;
        double mean = sum / (double)nd, median = -1;
        int64_t ref_days = 0; /* > 0: the reference is the long history's median */
        const double today = c->cnt[(size_t)di * c->nsys + s];
        if (c->p.r29_long > c->p.r29_hist) {
            /* The end of a busy season is not a gap: the recent mean still
             * carries the election weeks, and so does a long mean. The
             * median of the open days of the long history is the level
             * the system keeps outside such seasons (a season shorter
             * than half the history does not move it); the drop must
             * breach it too. */
            size_t lnd = 0;
            for (int64_t d = day - c->p.r29_long; d < day; d++) {
                if (d < c->base_first || !r29_day(c, d))
                    continue;
                c->r29_scr[lnd++] = c->cnt[(size_t)(d - c->base_first) * c->nsys + s];
            }
            if ((int64_t)lnd > nd) {
                qsort(c->r29_scr, lnd, sizeof *c->r29_scr, cmp_double);
                median = percentile(c->r29_scr, lnd, 50);
                if (median <= 0)
                    continue; /* silent on most open days: a quiet day is normal */
                if (median < mean) {
                    mean = median;
                    ref_days = c->p.r29_long;
                }
            }
        }
        if (today > 0 && today >= c->p.r29_ratio * mean)
            continue;
        char sum_text[640];
        const char *sys = nm(&c->systems, (uint32_t)s);
        const char *what = ref_days ? "中央値" : "平均";
        const long long days = ref_days ? (long long)ref_days : (long long)c->p.r29_hist;
        struct r29_run *run = &c->r29_open[s];
        if (run->last == prev && run->zero == (today == 0) && !c->res->v[run->finding].dropped) {
            /* the drop goes on: one finding over its days, its reference the first day's */
            tk_rules_finding *f = &c->res->v[run->finding].f;
            f->day_to = day;
            run->last = day;
            run->days++;
            run->lo = fmin(run->lo, today);
            run->hi = fmax(run->hi, today);
            f->value = run->lo;
            json_t *o = json_loads(f->detail, 0, NULL);
            if (o) {
                jset(o, "days", json_integer((json_int_t)run->days));
                rc = set_detail(c, run->finding, o, err);
            }
            r29_text(sys, run, f->day_from, day, days, what, run->mean, sum_text, sizeof sum_text);
            if (rc == TK_OK)
                rc = set_summary(c, run->finding, sum_text, err);
            continue;
        }
        *run = (struct r29_run){0, day, today == 0, today, today, 1, mean};
        r29_text(sys, run, day, day, days, what, mean, sum_text, sizeof sum_text);
        json_t *d = json_object();
        jset(d, "mean", json_real(mean));
        jset(d, "history_days", json_integer((json_int_t)nd));
        if (median >= 0)
            jset(d, "long_median", json_real(median));
        const struct emit m = {
            X29,   TK_RULECAT_SYSTEM,     sys,  NULL,     day,  day, c->r[X29].sev,
            today, c->p.r29_ratio * mean, "件", sum_text, NULL, d,   NULL,
            0,     (uint64_t)today};
        rc = emit(c, &m, &run->finding, err);
    }
    return rc;
}

/* ---- set-up ------------------------------------------------------------------------------ */

static double prm(const struct ctx *c, int x, const char *name)
{
    const size_t k = tk_rulecat_find_param(c->r[x].idx, name);
    assert(k != SIZE_MAX);
    return tk_rulecat_config_param(c->cfg, c->r[x].idx, k);
}

static void read_params(struct ctx *c)
{
    struct prm *p = &c->p;
    p->r01_grace = (int64_t)prm(c, X01, "grace_minutes");
    p->r01_night_start = (int)lround(prm(c, X01, "night_start") * 60);
    p->r01_night_end = (int)lround(prm(c, X01, "night_end") * 60);
    p->r01_min = (int64_t)prm(c, X01, "min_events");
    p->r02_min = (int64_t)prm(c, X02, "min_events");
    p->r03_min = prm(c, X03, "min_residents");
    p->r03_pct = prm(c, X03, "percentile");
    p->r03_mult = prm(c, X03, "median_multiple");
    p->r03_samples = (size_t)prm(c, X03, "min_samples");
    p->r04_min = (size_t)prm(c, X04, "min_residents");
    p->r04_win = (int64_t)prm(c, X04, "window_minutes") * MIN_MS;
    p->r05_min = (int64_t)prm(c, X05, "min_days");
    p->r05_win = (int64_t)prm(c, X05, "window_days");
    p->r05_chance = prm(c, X05, "max_chance");
    p->r06_chance = prm(c, X06, "max_chance");
    p->r05_smin = (int64_t)prm(c, X05, "spread_min_days");
    p->r05_swin = (int64_t)prm(c, X05, "spread_window_days");
    p->r05_hist = p->r05_swin > p->r05_win ? p->r05_swin : p->r05_win;
    p->r05_followup = (int64_t)prm(c, X05, "followup_days");
    p->r08_lookup_only = prm(c, X08, "lookup_only") != 0;
    p->r06_min = (size_t)prm(c, X06, "min_staff");
    p->r06_win = (int64_t)prm(c, X06, "window_days");
    p->r10_issue = prm(c, X10, "flag_issue") != 0;
    p->r09_rdays = (int64_t)prm(c, X09, "routine_days");
    p->r09_rstaff = (size_t)prm(c, X09, "routine_staff");
    p->r10_rdays = (int64_t)prm(c, X10, "routine_days");
    p->r10_rstaff = (size_t)prm(c, X10, "routine_staff");
    p->r11_pct = prm(c, X11, "percentile");
    p->r11_min = (size_t)prm(c, X11, "min_lookups");
    p->r11_samples = (size_t)prm(c, X11, "min_samples");
    p->r11_p = prm(c, X11, "max_p_value");
    p->r13_level = prm(c, X13, "check_level") != 0;
    p->r15_grace = (int64_t)prm(c, X15, "grace_days");
    p->r17_ufail = (size_t)prm(c, X17, "user_failures");
    p->r17_uwin = (int64_t)prm(c, X17, "user_window_minutes") * MIN_MS;
    p->r17_tusers = (size_t)prm(c, X17, "terminal_users");
    p->r17_twin = (int64_t)prm(c, X17, "terminal_window_minutes") * MIN_MS;
    p->r18_max = (int64_t)prm(c, X18, "max_session_hours") * HOUR_MS;
    p->r18_overlap = prm(c, X18, "min_overlap_hours");
    p->r19_max = prm(c, X19, "max_hours") * (double)HOUR_MS;
    p->r19_margin = prm(c, X19, "hours_margin") * (double)HOUR_MS;
    p->r22_approved = prm(c, X22, "report_approved") != 0;
    p->r24_min = prm(c, X24, "min_records");
    p->r24_pct = prm(c, X24, "percentile");
    p->r24_samples = (size_t)prm(c, X24, "min_samples");
    p->r25_min = prm(c, X25, "min_records");
    p->r28_grace = (int64_t)prm(c, X28, "grace_minutes") * MIN_MS;
    p->r28_max = (int64_t)prm(c, X28, "max_session_hours") * HOUR_MS;
    p->r29_ratio = prm(c, X29, "min_ratio");
    p->r29_hist = (int64_t)prm(c, X29, "history_days");
    p->r29_minhist = (int64_t)prm(c, X29, "min_history_days");
    p->r29_long = (int64_t)prm(c, X29, "long_history_days");
    p->r30_min = prm(c, X30, "min_records");
    p->r30_res = (size_t)prm(c, X30, "min_residents");
    p->r30_win = (int64_t)prm(c, X30, "window_minutes") * MIN_MS;
    p->r32_min = (size_t)prm(c, X32, "min_residents");
    p->r32_win = (int64_t)prm(c, X32, "window_minutes") * MIN_MS;
}

static int kind_loaded(const struct ctx *c, const char *kind)
{
    return tk_mastersnap_version(c->ms, kind, c->first_day) != 0 ||
           tk_mastersnap_version(c->ms, kind, c->last_day) != 0;
}

/* Turns off the rules that need kind when no version of it exists, with a
 * note saying so. */
static int need(struct ctx *c, int have, const char *kind, const int *xs, size_t n, tk_error *err)
{
    if (have)
        return TK_OK;
    char note[256];
    size_t used = 0;
    note[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!c->r[xs[i]].on)
            continue;
        c->r[xs[i]].on = 0;
        app(note, sizeof note, &used, "%s%s", used ? ", " : "", xid[xs[i]]);
    }
    if (used == 0)
        return TK_OK;
    app(note, sizeof note, &used, ": no %s master data; not evaluated", kind);
    return add_note(c->res, note, err);
}

static void ctx_dispose(struct ctx *c)
{
    tk_store_names_dispose(&c->users);
    tk_store_names_dispose(&c->terms);
    tk_store_names_dispose(&c->systems);
    tk_store_names_dispose(&c->functions);
    tk_store_names_dispose(&c->devices);
    tk_store_names_dispose(&c->subjects);
    tk_free(c->tord);
    tk_free(c->tkeys);
    tk_free(c->s_seen);
    tk_free(c->rcache);
    tk_free(c->s_proc);
    tk_free(c->s_5);
    tk_free(c->s_6);
    tk_free(c->s_27);
    tk_free(c->s_i5);
    tk_free(c->s_i6);
    tk_free(c->s_win);
    for (size_t i = 0; c->usess && i < c->nusers; i++)
        tk_free(c->usess[i].v);
    tk_free(c->usess);
    for (size_t i = 0; c->tsess && i < c->nterms; i++)
        tk_free(c->tsess[i].v);
    tk_free(c->tsess);
    tk_free(c->tinf);
    tk_free(c->ainf);
    tk_free(c->sys_owner_day);
    tk_free(c->sys_owner);
    tk_free(c->u_stamp);
    tk_free(c->u_win);
    tk_free(c->pool);
    tk_free(c->pool_n);
    tk_free(c->us_sum);
    tk_free(c->us_days);
    tk_free(c->ret_n);
    tk_free(c->ret_w);
    tk_free(c->ret_l);
    tk_free(c->ret_e);
    tk_free(c->r06_t);
    tk_free(c->r29_open);
    tk_free(c->run_sys);
    tk_free(c->touched);
    tk_free(c->act_day);
    tk_free(c->act_mask);
    tk_free(c->hab_days);
    tk_free(c->hab_eve);
    tk_free(c->hab_morn);
    tk_free(c->hab_closed);
    for (int x = 0; x < NX; x++) {
        tk_free(c->ua[x][0].ev);
        tk_free(c->ua[x][1].ev);
        tk_free(c->ta[x].ev);
    }
    tk_free(c->scr);
    for (size_t i = 0; i < RING_MAX; i++) {
        tk_free(c->ring5[i].v);
        tk_free(c->ring6[i].v);
    }
    tk_free(c->oc5);
    tk_free(c->oc6);
    tk_free(c->ocw);
    tk_free(c->pairs.v);
    tk_free(c->cnt);
    tk_free(c->r29_scr);
    tk_free(c->b32);
    tk_free(c->i32);
    for (size_t i = 0; i < c->ndepts; i++) {
        if (c->d03)
            tk_free(c->d03[i].v);
        if (c->d11)
            tk_free(c->d11[i].v);
        if (c->d24)
            tk_free(c->d24[i].v);
    }
    tk_free(c->d03);
    tk_free(c->d11);
    tk_free(c->d24);
    tk_free(c->wr);
}

static int ctx_init(struct ctx *c, tk_error *err)
{
    int rc;
    rc = tk_store_names_load(c->db, TK_STORE_USERS, &c->users, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(c->db, TK_STORE_TERMINALS, &c->terms, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(c->db, TK_STORE_SYSTEMS, &c->systems, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(c->db, TK_STORE_FUNCTIONS, &c->functions, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(c->db, TK_STORE_DEVICES, &c->devices, err);
    if (rc == TK_OK)
        rc = tk_store_subjects_load(c->db, &c->subjects, err);
    if (rc != TK_OK)
        return rc;
    c->nsubj = c->subjects.n ? c->subjects.n : 1;
    c->nusers = c->users.n ? c->users.n : 1;
    c->nterms = c->terms.n ? c->terms.n : 1;
    c->nsys = c->systems.n ? c->systems.n : 1;
    c->ndepts = tk_mastersnap_dept_count(c->ms);
    c->ndays = c->last_day - c->base_first + 1;
    size_t ncnt, npool, nus;
    c->pool_words = (c->nsubj + 63) / 64;
    if (!tk_mul_size((size_t)c->ndays, c->nsys, &ncnt) ||
        !tk_mul_size(c->pool_words, c->nsys, &npool) || !tk_mul_size(c->nusers, c->nsys, &nus))
        return tk_error_set(err, TK_ENOMEM, "rule evaluation: period or dictionaries too large");
    c->pool = tk_calloc(npool, sizeof *c->pool);
    c->pool_n = tk_calloc(c->nsys, sizeof *c->pool_n);
    c->us_sum = tk_calloc(nus, sizeof *c->us_sum);
    c->us_days = tk_calloc(nus, sizeof *c->us_days);
    c->ret_n = tk_calloc(nus, sizeof *c->ret_n);
    c->ret_w = tk_calloc(nus, sizeof *c->ret_w);
    c->ret_l = tk_calloc(nus, sizeof *c->ret_l);
    c->ret_e = tk_calloc(nus, sizeof *c->ret_e);
    c->run_sys = tk_calloc(c->nsys, sizeof *c->run_sys);
    c->touched = tk_calloc(c->nsys, sizeof *c->touched);
    c->act_day = tk_calloc(c->nusers, sizeof *c->act_day);
    c->act_mask = tk_calloc(c->nusers, sizeof *c->act_mask);
    c->hab_days = tk_calloc(c->nusers, sizeof *c->hab_days);
    c->hab_eve = tk_calloc(c->nusers * HABIT_EVE, sizeof *c->hab_eve);
    c->hab_morn = tk_calloc(c->nusers * HABIT_MORN, sizeof *c->hab_morn);
    c->hab_closed = tk_calloc(c->nusers, sizeof *c->hab_closed);
    if (!c->pool || !c->pool_n || !c->us_sum || !c->us_days || !c->ret_n || !c->ret_w ||
        !c->ret_l || !c->ret_e || !c->run_sys || !c->touched || !c->act_day || !c->act_mask ||
        !c->hab_days || !c->hab_eve || !c->hab_morn || !c->hab_closed)
        return tk_error_set(err, TK_ENOMEM, "out of memory setting up the rule evaluation");
    c->s_seen = tk_calloc(c->nsubj, sizeof *c->s_seen);
    c->rcache = tk_calloc(c->nsubj, sizeof *c->rcache);
    c->s_proc = tk_calloc(c->nsubj, sizeof *c->s_proc);
    c->s_5 = tk_calloc(c->nsubj, sizeof *c->s_5);
    c->s_6 = tk_calloc(c->nsubj, sizeof *c->s_6);
    c->s_27 = tk_calloc(c->nsubj, sizeof *c->s_27);
    c->s_i5 = tk_calloc(c->nsubj, sizeof *c->s_i5);
    c->s_i6 = tk_calloc(c->nsubj, sizeof *c->s_i6);
    c->s_win = tk_calloc(c->nsubj, sizeof *c->s_win);
    c->usess = tk_calloc(c->nusers, sizeof *c->usess);
    c->u_stamp = tk_calloc(c->nusers, sizeof *c->u_stamp);
    c->u_win = tk_calloc(c->nusers, sizeof *c->u_win);
    c->tsess = tk_calloc(c->nterms, sizeof *c->tsess);
    c->tinf = tk_calloc(c->nterms, sizeof *c->tinf);
    c->ainf = tk_calloc(c->nsys, sizeof *c->ainf);
    c->sys_owner_day = tk_calloc(c->nsys, sizeof *c->sys_owner_day);
    c->sys_owner = tk_calloc(c->nsys, sizeof *c->sys_owner);
    c->cnt = tk_calloc(ncnt ? ncnt : 1, sizeof *c->cnt);
    c->r29_scr = tk_calloc(MAX_PERIOD + 1, sizeof *c->r29_scr);
    c->d03 = tk_calloc(c->ndepts ? c->ndepts : 1, sizeof *c->d03);
    c->d11 = tk_calloc(c->ndepts ? c->ndepts : 1, sizeof *c->d11);
    c->d24 = tk_calloc(c->ndepts ? c->ndepts : 1, sizeof *c->d24);
    c->wr = tk_calloc(c->ndepts ? c->ndepts : 1, sizeof *c->wr);
    if (!c->wr || !c->s_seen || !c->rcache || !c->s_proc || !c->s_5 || !c->s_6 || !c->s_27 ||
        !c->s_i5 || !c->s_i6 || !c->s_win || !c->usess || !c->u_stamp || !c->u_win || !c->tsess ||
        !c->tinf || !c->ainf || !c->sys_owner_day || !c->sys_owner || !c->cnt || !c->r29_scr ||
        !c->d03 || !c->d11 || !c->d24)
        return tk_error_set(err, TK_ENOMEM, "out of memory setting up the rule evaluation");
    for (size_t i = 0; i < c->nterms; i++) {
        c->tinf[i].day = INT64_MIN;
        c->tsess[i].last_off = INT64_MIN;
    }
    for (size_t i = 0; i < c->nsys; i++)
        c->sys_owner_day[i] = INT64_MIN;
    for (size_t i = 0; i < RING_MAX; i++)
        c->ring5[i].day = c->ring6[i].day = INT64_MIN;
    for (int x = 0; x < NX; x++) {
        acc_reset(&c->ua[x][0]);
        acc_reset(&c->ua[x][1]);
        acc_reset(&c->ta[x]);
    }
    return TK_OK;
}

static void freeze(struct ctx *c)
{
    for (size_t i = 0; i < c->ndepts; i++) {
        struct dist *d[3] = {&c->d03[i], &c->d11[i], &c->d24[i]};
        const double pct[3] = {c->p.r03_pct, c->p.r11_pct, c->p.r24_pct};
        for (int k = 0; k < 3; k++) {
            if (d[k]->n > 1)
                qsort(d[k]->v, d[k]->n, sizeof *d[k]->v, cmp_double);
            d[k]->p = percentile(d[k]->v, d[k]->n, pct[k]);
            d[k]->median = percentile(d[k]->v, d[k]->n, 50);
        }
    }
    c->frozen = 1;
}

/* A sort key of the day's events by (terminal, time, id): sorting the keys
 * themselves needs no global to reach the rows from the comparator. */
struct tkey {
    uint32_t terminal, idx;
    int64_t t, id;
};

static int cmp_tkey(const void *a, const void *b)
{
    const struct tkey *x = a, *y = b;
    if (x->terminal != y->terminal)
        return x->terminal < y->terminal ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int terminal_pass(struct ctx *c, const tk_dayevent *rows, size_t n, int64_t day,
                         int in_period, int track_sess, tk_error *err)
{
    size_t m = 0;
    int day_logons = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].op == TK_OP_LOGON)
            day_logons = 1;
        if (rows[i].terminal == 0)
            continue;
        if (RESERVE(c->tkeys, m, c->tkeys_cap, err) != TK_OK)
            return TK_ENOMEM;
        c->tkeys[m++] = (struct tkey){rows[i].terminal, (uint32_t)i, rows[i].t, rows[i].id};
    }
    if (m == 0)
        return TK_OK;
    qsort(c->tkeys, m, sizeof *c->tkeys, cmp_tkey);
    if (m > c->tord_cap) {
        uint32_t *p = tk_realloc(c->tord, m * sizeof *p);
        if (p == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory evaluating rules");
        c->tord = p;
        c->tord_cap = m;
    }
    for (size_t i = 0; i < m; i++)
        c->tord[i] = c->tkeys[i].idx;
    int rc = TK_OK;
    for (size_t i = 0; i < m && rc == TK_OK;) {
        size_t j = i + 1;
        while (j < m && rows[c->tord[j]].terminal == rows[c->tord[i]].terminal)
            j++;
        rc = term_run(c, rows, c->tord + i, j - i, day, in_period, track_sess, day_logons, err);
        i = j;
    }
    return rc;
}

static int one_day(struct ctx *c, int64_t day, const tk_dayevent *rows, size_t n, tk_error *err)
{
    const int in_period = day >= c->first_day;
    const int64_t sess_days =
        (c->p.r18_max > c->p.r28_max ? c->p.r18_max : c->p.r28_max) / (24 * HOUR_MS) + 1;
    /* every day: the chance model learns return rates, and R07, R09, R10
     * read the members' caseloads from the same pair history */
    const int track5 = on(c, X05) || on(c, X07) || on(c, X09) || on(c, X10);
    const int track6 = on(c, X06) && day > c->first_day - c->p.r06_win;
    const int track_sess = day >= c->first_day - sess_days;
    int rc;

    if (in_period && !c->frozen)
        freeze(c);
    c->res_ver = tk_mastersnap_version(c->ms, "residents", day);
    c->res->stats.events += n;
    if (in_period)
        c->res->stats.period_events += n;
    c->res->stats.days++;
    uint32_t *cnt = c->cnt + (size_t)(day - c->base_first) * c->nsys;
    for (size_t i = 0; i < n; i++)
        if (rows[i].system < c->nsys && cnt[rows[i].system] < UINT32_MAX)
            cnt[rows[i].system]++;
    struct dlist *l5 = ring_at(c->ring5, day), *l6 = ring_at(c->ring6, day);
    l5->day = track5 ? day : INT64_MIN;
    l5->n = 0;
    l6->day = track6 ? day : INT64_MIN;
    l6->n = 0;
    rc = TK_OK;
    for (size_t i = 0; i < n && rc == TK_OK;) {
        size_t j = i + 1;
        while (j < n && rows[j].user == rows[i].user)
            j++;
        rc = user_run(c, rows + i, j - i, day, in_period, track5, track6, track_sess, err);
        i = j;
    }
    if (rc == TK_OK && (in_period || track_sess))
        rc = terminal_pass(c, rows, n, day, in_period, track_sess, err);
    if (rc == TK_OK && track5)
        rc = eval_r05(c, day, err);
    if (rc == TK_OK && track6)
        rc = eval_r06(c, day, err);
    if (rc == TK_OK && in_period && on(c, X29))
        rc = eval_r29(c, day, err);
    /* A day's list is read back for a window only: free the one that just
     * left it rather than hold every slot of the ring at its largest day
     * (hundreds of megabytes in a big city). */
    ring_release(c->ring5, day - c->p.r05_hist);
    ring_release(c->ring6, day - c->p.r06_win);
    return rc;
}

static int cmp_fnd(const void *a, const void *b)
{
    const tk_rules_finding *x = &((const struct fnd *)a)->f, *y = &((const struct fnd *)b)->f;
    int d;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->day_from != y->day_from)
        return x->day_from < y->day_from ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    if ((d = strcmp(x->entity, y->entity)) != 0)
        return d;
    if (x->day_to != y->day_to)
        return x->day_to < y->day_to ? -1 : 1;
    if ((d = strcmp(x->summary, y->summary)) != 0)
        return d;
    const int64_t ex = x->nevidence ? x->evidence[0] : 0, ey = y->nevidence ? y->evidence[0] : 0;
    return (ex > ey) - (ex < ey);
}

static void finish(tk_rules_result *r)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].dropped) {
            fnd_free(&r->v[i]);
            continue;
        }
        r->v[k++] = r->v[i];
    }
    r->n = k;
    if (r->n > 1)
        qsort(r->v, r->n, sizeof *r->v, cmp_fnd);
    for (size_t i = 0; i < r->n; i++) {
        r->stats.by_severity[r->v[i].f.severity]++;
        /* qsort moved the owners: point the views at them again */
        struct fnd *f = &r->v[i];
        f->f.entity = f->entity;
        f->f.resident = f->resident;
        f->f.summary = f->summary;
        f->f.context = f->context;
        f->f.detail = f->detail;
        f->f.evidence = f->ev;
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int check_options(const tk_rules_options *o, int64_t first_day, int64_t last_day,
                         tk_error *err)
{
    if (first_day > last_day)
        return tk_error_set(err, TK_EINVAL, "the period ends before it starts");
    if (last_day - first_day >= MAX_PERIOD)
        return tk_error_set(err, TK_EINVAL, "a period of more than %d days", MAX_PERIOD);
    if (o->baseline_days < 0 || o->baseline_days > MAX_PERIOD)
        return tk_error_set(err, TK_EINVAL, "baseline_days %lld is out of range (0..%d)",
                            (long long)o->baseline_days, MAX_PERIOD);
    if (o->max_evidence < 1 || o->max_evidence > 10000)
        return tk_error_set(err, TK_EINVAL, "max_evidence %zu is out of range (1..10000)",
                            o->max_evidence);
    if (o->explained != TK_RULES_EXPLAINED_DROP && o->explained != TK_RULES_EXPLAINED_LOW)
        return tk_error_set(err, TK_EINVAL, "explained must be TK_RULES_EXPLAINED_DROP or _LOW");
    return TK_OK;
}

/* Runs fn inside a read transaction unless the caller holds one. */
static int read_begin(tk_db *db, int *began, tk_error *err)
{
    *began = 0;
    if (!sqlite3_get_autocommit(tk_db_handle(db)))
        return TK_OK;
    const int rc = tk_db_exec(db, "BEGIN DEFERRED", err);
    *began = rc == TK_OK;
    return rc;
}

static void read_end(tk_db *db, int began)
{
    if (began)
        tk_db_rollback(db); /* nothing was written: a rollback ends the read */
}

struct tk_rules_pass {
    struct ctx *c;
    tk_rulecat_config *def;
    int64_t next_day; /* the day tk_rules_feed() expects */
    double t0;
};

void tk_rules_pass_destroy(tk_rules_pass *p)
{
    if (p == NULL)
        return;
    if (p->c) {
        ctx_dispose(p->c);
        tk_rules_result_destroy(p->c->res);
        tk_free(p->c);
    }
    tk_rulecat_config_destroy(p->def);
    tk_free(p);
}

int tk_rules_begin(tk_rules_pass **out, tk_db *db, const tk_mastersnap *ms, const tk_calendar *cal,
                   int64_t first_day, int64_t last_day, const tk_rules_options *opt, tk_error *err)
{
    static const tk_rules_options defaults = TK_RULES_OPTIONS_INIT;
    tk_rules_pass *p = NULL;
    struct ctx *c = NULL;
    int rc;

    *out = NULL;
    if (opt == NULL)
        opt = &defaults;
    rc = check_options(opt, first_day, last_day, err);
    if (rc != TK_OK)
        return rc;
    p = tk_calloc(1, sizeof *p);
    if (p == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory setting up the rule evaluation");
    p->t0 = now_seconds();
    c = p->c = tk_calloc(1, sizeof *c);
    if (c == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory setting up the rule evaluation");
        goto done;
    }
    c->res = tk_calloc(1, sizeof *c->res);
    if (c->res == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory setting up the rule evaluation");
        goto done;
    }
    c->db = db;
    c->ms = ms;
    c->cal = cal;
    c->opt = *opt;
    c->first_day = first_day;
    c->last_day = last_day;
    c->base_first = first_day - opt->baseline_days;
    c->res->first_day = first_day;
    c->res->last_day = last_day;
    p->next_day = c->base_first;
    if (opt->config == NULL) {
        rc = tk_rulecat_config_create(&p->def, err);
        if (rc != TK_OK)
            goto done;
    }
    c->cfg = opt->config ? opt->config : p->def;
    rc = tk_rulecat_config_json(c->cfg, &c->res->config, err);
    if (rc == TK_OK) {
        /* keep tk_ memory throughout the result */
        char *s = tk_strndup(c->res->config, strlen(c->res->config));
        free(c->res->config);
        c->res->config = s;
        if (s == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory setting up the rule evaluation");
    }
    if (rc != TK_OK)
        goto done;
    for (int x = 0; x < NX; x++) {
        c->r[x].idx = tk_rulecat_find(xid[x], strlen(xid[x]));
        assert(c->r[x].idx != SIZE_MAX);
        c->r[x].on = tk_rulecat_config_enabled(c->cfg, c->r[x].idx);
        c->r[x].sev = tk_rulecat_config_severity(c->cfg, c->r[x].idx);
    }
    read_params(c);
    c->have_staff = kind_loaded(c, "staff");
    c->have_auth = kind_loaded(c, "authorizations");
    c->have_terms = kind_loaded(c, "terminals");
    c->have_media = kind_loaded(c, "media");
    c->have_training = kind_loaded(c, "training");
    c->have_resid = kind_loaded(c, "residents");
    {
        static const int staff_rules[] = {X07, X08, X12, X13, X14, X15, X16, X20, X26, X31};
        static const int auth_rules[] = {X06, X12, X13, X15, X26};
        static const int term_rules[] = {X20, X21, X28};
        static const int media_rules[] = {X23};
        static const int training_rules[] = {X27};
        static const int resid_rules[] = {X32};
        rc = need(c, c->have_staff, "staff", staff_rules, sizeof staff_rules / sizeof(int), err);
        if (rc == TK_OK)
            rc = need(c, c->have_auth, "authorizations", auth_rules,
                      sizeof auth_rules / sizeof(int), err);
        if (rc == TK_OK)
            rc = need(c, c->have_terms, "terminals", term_rules, sizeof term_rules / sizeof(int),
                      err);
        if (rc == TK_OK)
            rc =
                need(c, c->have_media, "media", media_rules, sizeof media_rules / sizeof(int), err);
        if (rc == TK_OK)
            rc = need(c, c->have_training, "training", training_rules,
                      sizeof training_rules / sizeof(int), err);
        if (rc == TK_OK)
            rc = need(c, c->have_resid, "residents", resid_rules, sizeof resid_rules / sizeof(int),
                      err);
        /* Without residents every subject looks fictitious: R27 would be
         * silent, which must not read as "nothing found". */
        if (rc == TK_OK && c->have_training && !c->have_resid && c->r[X27].on) {
            c->r[X27].on = 0;
            rc = add_note(c->res,
                          "R27: no residents master data, so real residents cannot be told from "
                          "the fictitious ones of training; not evaluated",
                          err);
        }
    }
    if (rc == TK_OK && opt->baseline_days == 0)
        rc = add_note(c->res,
                      "no baseline days: R03, R11 and R24 use their fixed thresholds only, R29 "
                      "needs history and R05/R06 windows start at the period",
                      err);
    if (rc == TK_OK)
        rc = ctx_init(c, err);
done:
    if (rc != TK_OK) {
        tk_rules_pass_destroy(p);
        return rc;
    }
    *out = p;
    return TK_OK;
}

int tk_rules_feed(tk_rules_pass *p, int64_t day, const tk_dayevent *rows, size_t n, tk_error *err)
{
    if (day != p->next_day || day > p->c->last_day)
        return tk_error_set(err, TK_EINVAL, "rule evaluation: day %lld fed, day %lld expected",
                            (long long)day, (long long)p->next_day);
    const int rc = one_day(p->c, day, rows, n, err);
    if (rc != TK_OK)
        return rc;
    p->next_day++;
    if (p->c->opt.progress)
        p->c->opt.progress(p->c->opt.progress_ctx, day, p->c->first_day, p->c->last_day);
    return TK_OK;
}

int tk_rules_end(tk_rules_pass *p, tk_rules_result **out, tk_error *err)
{
    *out = NULL;
    if (p->next_day != p->c->last_day + 1)
        return tk_error_set(err, TK_EINVAL, "rule evaluation ended at day %lld, before day %lld",
                            (long long)p->next_day, (long long)p->c->last_day);
    finish(p->c->res);
    p->c->res->stats.seconds = now_seconds() - p->t0;
    *out = p->c->res;
    p->c->res = NULL;
    return TK_OK;
}

int tk_rules_eval(tk_db *db, const tk_mastersnap *ms, const tk_calendar *cal, int64_t first_day,
                  int64_t last_day, const tk_rules_options *opt, tk_rules_result **out,
                  tk_error *err)
{
    tk_rules_pass *p = NULL;
    tk_dayevents *de = NULL;
    int began = 0;

    *out = NULL;
    int rc = read_begin(db, &began, err);
    if (rc == TK_OK)
        rc = tk_rules_begin(&p, db, ms, cal, first_day, last_day, opt, err);
    if (rc == TK_OK)
        rc = tk_dayevents_create(&de, db, err);
    for (int64_t day = p ? p->next_day : 0; rc == TK_OK && day <= last_day; day++) {
        rc = tk_dayevents_load(de, day, err);
        if (rc == TK_OK)
            rc = tk_rules_feed(p, day, tk_dayevents_rows(de), tk_dayevents_count(de), err);
    }
    read_end(db, began);
    if (rc == TK_OK)
        rc = tk_rules_end(p, out, err);
    tk_dayevents_destroy(de);
    tk_rules_pass_destroy(p);
    return rc;
}

int tk_rules_run(tk_tenant *t, int64_t first_day, int64_t last_day, const tk_rules_options *opt,
                 tk_rules_result **out, tk_error *err)
{
    static const tk_rules_options defaults = TK_RULES_OPTIONS_INIT;
    tk_mastersnap *ms = NULL;
    tk_calendar *cal = NULL;
    tk_db *db = tk_tenant_db(t);
    int rc, began = 0;

    *out = NULL;
    if (opt == NULL)
        opt = &defaults;
    rc = check_options(opt, first_day, last_day, err);
    if (rc != TK_OK)
        return rc;
    /* One read transaction for master data, calendar and events: an import
     * or upload running meanwhile is seen whole or not at all. */
    rc = read_begin(db, &began, err);
    if (rc == TK_OK)
        rc = tk_mastersnap_load(&ms, t, first_day - opt->baseline_days, last_day, err);
    if (rc == TK_OK)
        rc = tk_calendar_load(&cal, t, opt->calendar, err);
    if (rc == TK_OK)
        rc = tk_rules_eval(db, ms, cal, first_day, last_day, opt, out, err);
    read_end(db, began);
    tk_calendar_destroy(cal);
    tk_mastersnap_destroy(ms);
    return rc;
}

/* ---- output ------------------------------------------------------------------------------ */

static json_t *day_json(int64_t day)
{
    char b[11];
    fmt_day(day, b);
    return json_string(b);
}

int tk_rules_result_json(const tk_rules_result *r, char **out, tk_error *err)
{
    json_t *doc = json_object(), *arr = json_array(), *notes = json_array(), *st = json_object();
    int ok = doc && arr && notes && st;
    *out = NULL;
    if (ok) {
        jset(doc, "first_day", day_json(r->first_day));
        jset(doc, "last_day", day_json(r->last_day));
        jset(st, "events", json_integer((json_int_t)r->stats.events));
        jset(st, "period_events", json_integer((json_int_t)r->stats.period_events));
        jset(st, "days", json_integer((json_int_t)r->stats.days));
        jset(st, "seconds", json_real(r->stats.seconds));
        for (int s = TK_RULECAT_LOW; s <= TK_RULECAT_CRITICAL; s++)
            jset(st, tk_rulecat_severity_name(s),
                 json_integer((json_int_t)r->stats.by_severity[s]));
        for (size_t i = 0; i < r->nnotes; i++)
            ok &= json_array_append_new(notes, json_string(r->notes[i])) == 0;
        ok &= json_object_set(doc, "stats", st) == 0 && json_object_set(doc, "notes", notes) == 0 &&
              json_object_set(doc, "findings", arr) == 0;
    }
    for (size_t i = 0; ok && i < r->n; i++) {
        const tk_rules_finding *f = &r->v[i].f;
        json_t *o = json_object(), *ev = json_array();
        ok = o && ev && json_array_append_new(arr, o) == 0;
        if (!ok) {
            json_decref(ev);
            break;
        }
        jset(o, "rule_id", json_string(f->rule_id));
        jset(o, "item", json_integer(f->item));
        jset(o, "name_ja", json_string(tk_rulecat_rule_at(f->rule)->name_ja));
        jset(o, "entity_type", json_string(tk_rulecat_entity_name(f->entity_type)));
        jset(o, "entity", json_string(f->entity));
        jset(o, "resident", f->resident ? json_string(f->resident) : json_null());
        jset(o, "day_from", day_json(f->day_from));
        jset(o, "day_to", day_json(f->day_to));
        jset(o, "severity", json_string(tk_rulecat_severity_name(f->severity)));
        jset(o, "rule_severity", json_string(tk_rulecat_severity_name(f->rule_severity)));
        jset(o, "score_hint", json_real(f->score_hint));
        jset(o, "summary", json_string(f->summary));
        jset(o, "value", json_real(f->value));
        jset(o, "threshold", json_real(f->threshold));
        jset(o, "unit", json_string(f->unit));
        jset(o, "context", f->context ? json_string(f->context) : json_null());
        jset(o, "detail", json_loads(f->detail, 0, NULL));
        for (size_t k = 0; k < f->nevidence; k++)
            json_array_append_new(ev, json_integer((json_int_t)f->evidence[k]));
        jset(o, "evidence", ev);
        jset(o, "evidence_total", json_integer((json_int_t)f->evidence_total));
    }
    if (ok)
        *out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(doc);
    json_decref(arr);
    json_decref(notes);
    json_decref(st);
    if (*out == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory writing findings as JSON");
    return TK_OK;
}

/* ---- storage ------------------------------------------------------------------------------ */

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS finding_runs("
    " run_id INTEGER PRIMARY KEY,"
    " first_day TEXT NOT NULL," /* YYYY-MM-DD */
    " last_day TEXT NOT NULL,"
    " config_json TEXT NOT NULL," /* the rule configuration used */
    " events INTEGER NOT NULL,"
    " findings INTEGER NOT NULL,"
    " notes TEXT NOT NULL,"        /* JSON array of strings */
    " saved_at INTEGER NOT NULL);" /* Unix ms */
    "CREATE TABLE IF NOT EXISTS findings("
    " run_id INTEGER NOT NULL,"
    " seq INTEGER NOT NULL," /* position in the sorted list, from 0 */
    " rule_id TEXT NOT NULL,"
    " item INTEGER NOT NULL,"
    " entity_type TEXT NOT NULL CHECK(entity_type IN ('user','terminal','resident','system')),"
    " entity TEXT NOT NULL,"
    " resident TEXT," /* pseudonym hex, or NULL */
    " day_from TEXT NOT NULL,"
    " day_to TEXT NOT NULL,"
    " severity TEXT NOT NULL CHECK(severity IN ('low','medium','high','critical')),"
    " rule_severity TEXT NOT NULL,"
    " score_hint REAL NOT NULL,"
    " summary TEXT NOT NULL,"
    " value REAL NOT NULL,"
    " threshold REAL NOT NULL,"
    " unit TEXT NOT NULL,"
    " context TEXT,"
    " detail_json TEXT NOT NULL,"
    " evidence BLOB NOT NULL," /* event ids, 8 bytes each, little-endian */
    " evidence_total INTEGER NOT NULL,"
    " PRIMARY KEY(run_id, seq));"
    "CREATE INDEX IF NOT EXISTS findings_entity ON findings(entity_type, entity, day_from);"
    "CREATE INDEX IF NOT EXISTS findings_rule ON findings(run_id, rule_id);";

int tk_rules_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db, schema_sql, err);
}

static int bind_day(sqlite3_stmt *st, int idx, int64_t day)
{
    char b[11];
    fmt_day(day, b);
    return sqlite3_bind_text(st, idx, b, -1, SQLITE_TRANSIENT);
}

static int save_rows(const tk_rules_result *r, tk_db *db, int64_t run_id, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    uint8_t *blob = NULL;
    char *notes = NULL;
    int rc;
    char sql[96];

    snprintf(sql, sizeof sql, "DELETE FROM findings WHERE run_id = %lld", (long long)run_id);
    rc = tk_db_exec(db, sql, err);
    if (rc != TK_OK)
        return rc;
    json_t *na = json_array();
    for (size_t i = 0; na && i < r->nnotes; i++)
        json_array_append_new(na, json_string(r->notes[i]));
    notes = na ? json_dumps(na, JSON_COMPACT) : NULL;
    json_decref(na);
    if (notes == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory saving findings");
    rc = tk_db_prepare(db, &st,
                       "INSERT OR REPLACE INTO finding_runs(run_id, first_day, last_day, "
                       "config_json, events, findings, notes, saved_at) "
                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                       err);
    if (rc != TK_OK)
        goto done;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (sqlite3_bind_int64(st, 1, run_id) != SQLITE_OK || bind_day(st, 2, r->first_day) ||
        bind_day(st, 3, r->last_day) ||
        sqlite3_bind_text(st, 4, r->config, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 5, (sqlite3_int64)r->stats.events) != SQLITE_OK ||
        sqlite3_bind_int64(st, 6, (sqlite3_int64)r->n) != SQLITE_OK ||
        sqlite3_bind_text(st, 7, notes, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 8, (sqlite3_int64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000) !=
            SQLITE_OK) {
        rc = tk_db_error(db, err, "saving a rule run");
        goto done;
    }
    rc = tk_db_step(db, st, err);
    if (rc < 0)
        goto done;
    sqlite3_finalize(st);
    st = NULL;
    rc = tk_db_prepare(db, &st,
                       "INSERT INTO findings(run_id, seq, rule_id, item, entity_type, entity, "
                       "resident, day_from, day_to, severity, rule_severity, score_hint, summary, "
                       "value, threshold, unit, context, detail_json, evidence, evidence_total) "
                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                       "?16, ?17, ?18, ?19, ?20)",
                       err);
    if (rc != TK_OK)
        goto done;
    for (size_t i = 0; i < r->n; i++) {
        const tk_rules_finding *f = &r->v[i].f;
        const size_t bytes = f->nevidence * 8;
        uint8_t *b = tk_realloc(blob, bytes ? bytes : 1);
        if (b == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory saving findings");
            goto done;
        }
        blob = b;
        for (size_t k = 0; k < f->nevidence; k++)
            for (int j = 0; j < 8; j++)
                blob[k * 8 + (size_t)j] = (uint8_t)((uint64_t)f->evidence[k] >> (8 * j));
        int bad = sqlite3_bind_int64(st, 1, run_id) != SQLITE_OK;
        bad |= sqlite3_bind_int64(st, 2, (sqlite3_int64)i) != SQLITE_OK;
        bad |= sqlite3_bind_text(st, 3, f->rule_id, -1, SQLITE_STATIC) != SQLITE_OK;
        bad |= sqlite3_bind_int(st, 4, f->item) != SQLITE_OK;
        bad |= sqlite3_bind_text(st, 5, tk_rulecat_entity_name(f->entity_type), -1,
                                 SQLITE_STATIC) != SQLITE_OK;
        bad |= sqlite3_bind_text(st, 6, f->entity, -1, SQLITE_STATIC) != SQLITE_OK;
        bad |= (f->resident ? sqlite3_bind_text(st, 7, f->resident, -1, SQLITE_STATIC)
                            : sqlite3_bind_null(st, 7)) != SQLITE_OK;
        bad |= bind_day(st, 8, f->day_from) != SQLITE_OK;
        bad |= bind_day(st, 9, f->day_to) != SQLITE_OK;
        bad |= sqlite3_bind_text(st, 10, tk_rulecat_severity_name(f->severity), -1,
                                 SQLITE_STATIC) != SQLITE_OK;
        bad |= sqlite3_bind_text(st, 11, tk_rulecat_severity_name(f->rule_severity), -1,
                                 SQLITE_STATIC) != SQLITE_OK;
        bad |= sqlite3_bind_double(st, 12, f->score_hint) != SQLITE_OK;
        bad |= sqlite3_bind_text(st, 13, f->summary, -1, SQLITE_STATIC) != SQLITE_OK;
        bad |= sqlite3_bind_double(st, 14, f->value) != SQLITE_OK;
        bad |= sqlite3_bind_double(st, 15, f->threshold) != SQLITE_OK;
        bad |= sqlite3_bind_text(st, 16, f->unit, -1, SQLITE_STATIC) != SQLITE_OK;
        bad |= (f->context ? sqlite3_bind_text(st, 17, f->context, -1, SQLITE_STATIC)
                           : sqlite3_bind_null(st, 17)) != SQLITE_OK;
        bad |= sqlite3_bind_text(st, 18, f->detail, -1, SQLITE_STATIC) != SQLITE_OK;
        bad |= sqlite3_bind_blob(st, 19, blob, (int)bytes, SQLITE_STATIC) != SQLITE_OK;
        bad |= sqlite3_bind_int64(st, 20, (sqlite3_int64)f->evidence_total) != SQLITE_OK;
        if (bad) {
            rc = tk_db_error(db, err, "saving a finding");
            goto done;
        }
        rc = tk_db_step(db, st, err);
        if (rc < 0)
            goto done;
        sqlite3_reset(st);
    }
    rc = TK_OK;
done:
    sqlite3_finalize(st);
    tk_free(blob);
    free(notes);
    return rc;
}

int tk_rules_save(const tk_rules_result *r, tk_db *db, int64_t run_id, tk_error *err)
{
    int rc, own;
    if (run_id <= 0)
        return tk_error_set(err, TK_EINVAL, "run id %lld: must be positive", (long long)run_id);
    own = sqlite3_get_autocommit(tk_db_handle(db)) != 0;
    rc = own ? tk_db_begin(db, err) : TK_OK;
    if (rc == TK_OK)
        rc = save_rows(r, db, run_id, err);
    if (own) {
        if (rc == TK_OK)
            rc = tk_db_commit(db, err);
        else
            tk_db_rollback(db);
    }
    return rc;
}
