/* sim/city.h -- the simulated city: its fixed tables and the whole simulation state.
 *
 * Internal to sim/: behaviour, incidents and writers share the state a run builds, so the
 * struct is transparent here; nothing outside sim/ includes this header (sim/gencity.h is
 * the public entry). The tables describe the municipality every city shares: the 20
 * business systems and their functions, the departments (所属) with their sections (係) and
 * authorizations, names, 町丁, removable media. A tk_city holds one run: its options, its
 * calendar, residents and households, staff, terminals, media, and the events and rows the
 * simulation adds. Day numbers are days since 1970-01-01 (JST civil dates); times are seconds
 * since 1970-01-01 00:00 JST. One tk_city belongs to one thread. */
#ifndef TK_SIM_CITY_H
#define TK_SIM_CITY_H

#include <stddef.h>
#include <stdint.h>

#include "sim/gencity.h"
#include "sim/rng.h"
#include "src/error.h"
#include "src/timefmt.h"

#define NONE32     UINT32_MAX
#define DAY_NONE   INT32_MIN
#define HOURS_FROM (8 * 60 + 30)
#define HOURS_TO   (17 * 60 + 15)
#define NTRAIN     3             /* training accounts kenshu01.. */
#define NFICT      40            /* fictitious 宛名番号 of the training data */
#define FICT_BASE  0xFFFFF000u   /* bev.res of the first fictitious resident */
#define FICT_ID0   9900000001ULL /* its 宛名番号 */
enum { DF_CLOSED = 1, DF_HOLIDAY = 2, DF_WEEKEND = 4, DF_NENMATSU = 8, DF_OPEN_SUNDAY = 16 };

static inline int32_t day_of(int y, int m, int d)
{
    return (int32_t)tk_days_from_civil(y, m, d);
}

static inline void ymd_of(int32_t day, int *y, int *m, int *d)
{
    tk_civil_from_days(day, y, m, d);
}

static inline int wday_of(int32_t day)
{
    return tk_weekday(day);
}
enum op {
    OP_LOOKUP,
    OP_SEARCH,
    OP_ADD,
    OP_UPDATE,
    OP_DELETE,
    OP_PRINT,
    OP_EXPORT,
    OP_EXTRACT,
    OP_ISSUE,
    OP_COUNT
};
/* How a task uses a function: search first, look up, look up with 個人番号 shown, process
 * (update / add / issue / single print), print or export a list, extract. */
enum fcat { FC_SEARCH, FC_LOOK, FC_MYNUM, FC_PROC, FC_LIST, FC_EXTRACT };

typedef struct fndef {
    const char *id;   /* 画面ID / 機能ID / 処理コード */
    const char *name; /* 画面名 / 機能名 / 処理内容 */
    unsigned char op, cat, w;
} fndef;

enum sys {
    SYS_JUKI,
    SYS_SENKYO,
    SYS_KOTEI,
    SYS_KOJIN,
    SYS_HOJIN,
    SYS_KEIJI,
    SYS_SHUGAKU,
    SYS_NENKIN,
    SYS_KOKUHO,
    SYS_KOKI,
    SYS_KAIGO,
    SYS_SHOGAI,
    SYS_SEIHO,
    SYS_KENKO,
    SYS_JIDO,
    SYS_JIFU,
    SYS_KODOMO,
    SYS_KOSEKI,
    SYS_FUHYO,
    SYS_INKAN,
    SYS_COUNT
};
/* Which residents a system knows (its subject pool). */
enum pool {
    P_ALL,
    P_VOTER,
    P_LAND,
    P_INCOME,
    P_CORP,
    P_CAR,
    P_SCHOOL,
    P_NENKIN,
    P_KOKUHO,
    P_KOKI,
    P_KAIGO,
    P_SHOGAI,
    P_SEIHO,
    P_JIDO,
    P_JIFU,
    P_PRESCHOOL,
    P_KOSEKI,
    P_INKAN
};

enum layout_id { L_A, L_B, L_C, L_D, L_E, L_F, L_G, L_COUNT };

typedef struct sysdef {
    const char *code;  /* file prefix and profile stem */
    const char *name;  /* the system as profiles and authorizations write it */
    const char *gyomu; /* 業務 / 業務コード column value */
    unsigned char layout, pool;
    const fndef *fn;
    size_t nfn;
} sysdef;
/* Departments, their sections (係) and how each section spreads its work over systems. */
typedef struct sysw {
    signed char sys;
    unsigned char w;
} sysw;

enum dept {
    D_SHIMIN,
    D_ZEIMU,
    D_HOKEN,
    D_CHOJU,
    D_FUKUSHI,
    D_KOSODATE,
    D_KENKO,
    D_GAKKO,
    D_SENKYO,
    D_JOHO,
    D_SOMU,
    D_KIKAKU,
    D_KENSETSU,
    D_COUNT
};

typedef struct deptdef {
    const char *name, *code; /* code: terminal names (SHIMIN-PC001) */
    unsigned char subnet;    /* terminals are 10.10.<subnet>.x */
    unsigned char window;    /* 窓口: staggered lunch */
    unsigned char vol;       /* tasks a day of an ordinary clerk; 0: no business systems */
    unsigned short share;    /* per mille of the staff */
} deptdef;
typedef struct sectdef {
    unsigned char dept;
    const char *name;
    sysw w[4]; /* systems and weights; sys -1 ends the list */
} sectdef;
enum level { LV_NONE, LV_LOOKUP, LV_ALL };

typedef struct authdef {
    unsigned char dept, sys, level, mynum;
} authdef;
/* Names: kanji and katakana. 髙 and 﨑 are IBM extensions in CP932 on purpose. */
typedef struct namedef {
    const char *kanji, *kana;
} namedef;

#define NOTE_ERR 100
#define NNOTES   15 /* entries of tk_city_notes */
#define NDEV     9  /* entries of tk_city_devdefs */

/* Removable media: approved encrypted sticks per 所属, and private sticks nobody approved. */
typedef struct devdef {
    const char *name;
    signed char dept; /* approving 所属; -1: not approved */
} devdef;

/* The tables every city shares (sim/city.c). tk_city_auths has tk_city_nauths entries;
 * the name tables are indexed by staff.sur / resident.sur and .given. */

extern const sysdef tk_city_systems[SYS_COUNT];
extern const deptdef tk_city_depts[D_COUNT];
extern const authdef tk_city_auths[];
extern const size_t tk_city_nauths;
extern const namedef tk_city_surnames[], tk_city_given_m[], tk_city_given_f[];
extern const char *const tk_city_notes[NNOTES];
extern const devdef tk_city_devdefs[NDEV];

/* ---- the city in memory ---- */

enum rflag { R_CORP = 1, R_WATCH = 2, R_DV = 4 };

typedef struct resident {
    uint64_t id;    /* 宛名番号 */
    uint32_t hh;    /* household index; NONE32 for a corporation */
    uint32_t pools; /* bit per enum pool */
    uint16_t block, sur, given;
    int16_t byear;
    uint8_t bmon, bday, sex, flags;
} resident;

typedef struct household {
    uint64_t no; /* 世帯番号 */
    uint32_t first, n;
    uint16_t block;
    uint8_t used; /* a staff member lives here */
} household;

enum role { ROLE_CLERK, ROLE_CHIEF, ROLE_MANAGER };
enum reserve { RS_FREE, RS_INCIDENT, RS_SPECIAL };

typedef struct staff {
    uint32_t id; /* 職員ID, six digits; the directory account is "c" + id */
    uint32_t own_res;
    int32_t hired, transferred, retired, leave_from, leave_to;
    uint16_t sur, given, term, prev_term, kenmu_term;
    int16_t start, lunch; /* minutes of day */
    uint16_t late_pm;     /* chance per mille of staying late on an ordinary day */
    uint8_t sex, role, dept, sect, prev_dept, prev_sect, lunch_logoff, vol, kenmu, reserved;
} staff;

typedef struct terminal {
    char name[24];
    int32_t reg_on;
    uint8_t dept, special, registered, ip3, ip4;
    uint8_t busy; /* someone's desk, or already used by an incident */
} terminal;

typedef struct device {
    char serial[24];
    int32_t approved_on, expires_on;
} device;

enum bflag { BF_MYNUM = 1, BF_FAIL = 2 };

typedef struct bev { /* one business-system event */
    int64_t t;       /* seconds since 1970-01-01 00:00 JST */
    uint32_t seq, res, staff, count;
    uint16_t term, ms;
    uint8_t sys, fn, flags, note;
} bev;

enum tkind { TK_LOGON, TK_LOGOFF, TK_FAIL };

typedef struct tev { /* one terminal logon event */
    int64_t t;
    uint32_t seq, staff;
    uint16_t term;
    uint8_t kind;
} tev;

enum mkind { MK_CONNECT, MK_DISCONNECT, MK_COPY, MK_MOVE };

typedef struct mev { /* one removable-media event */
    int64_t t;
    uint64_t bytes;
    uint32_t seq, staff;
    uint16_t term, dev;
    uint8_t kind;
    char file[96];
} mev;

typedef struct otrow {
    int32_t day;
    uint32_t staff;
    int16_t from, to;
} otrow;

typedef struct asgrow {
    uint32_t staff;
    int32_t from, to;
    uint8_t dept, sys;
} asgrow;

typedef struct watchrow {
    uint32_t res;
    int32_t from, to;
    uint8_t dv;
} watchrow;

typedef struct truthrow {
    char kind[32], etype[12], eid[40], rule[24], desc[480];
    int32_t from, to;
    uint8_t hn;
} truthrow;

typedef struct mfrow {
    char file[64], profile[40];
    const char *system;
    uint8_t enc;
    size_t rows;
} mfrow;

typedef union sink {
    bev b;
    tev t;
    mev m;
    otrow o;
    asgrow a;
    watchrow w;
    truthrow r;
    mfrow f;
    staff s;
    terminal tm;
} sink;

typedef struct tk_city {
    /* options */
    const char *out;
    uint64_t seed, bulk;
    size_t want_staff, want_res;
    uint64_t volume; /* percent of the normal daily volume of business tasks */
    int32_t from, to;
    int tty;
    int variant; /* TK_GENCITY_VARIANT_A or _B (sim/gencity.h) */
    /* derived dates */
    int32_t insp_from, apr1, mid, retire_day, open_sunday, elect_day, kenmu_from, kenmu_to;
    int32_t gap_day;
    int gap_sys;
    /* variant B: the 市民課 Sunday counter's days, the 期日前投票 period (the two weeks before
     * election day; ev_from > ev_to when there is none) */
    int32_t counter_day[80];
    size_t ncounter;
    int32_t ev_from, ev_to;
    size_t ndays;
    uint8_t *dflag;
    const char **dname;
    /* the city */
    resident *res;
    size_t nres, capres, npeople;
    household *hh;
    size_t nhh, caphh;
    uint32_t *pool[P_INKAN + 1];
    size_t npool[P_INKAN + 1];
    staff *st;
    size_t nst, capst;
    terminal *tm;
    size_t ntm, captm;
    device dev[NDEV];
    int16_t *son, *soff;       /* per staff-day: work start / end minute, -1 absent */
    size_t *day_ev;            /* per day: index of its first baseline event (ndays + 1 entries) */
    size_t *day_tv;            /* the same for terminal events */
    size_t nev_base, ntv_base; /* events before the injections */
    int32_t *slog;             /* per staff-day: index of the day's final logoff event, -1 none */
    /* events and rows */
    bev *ev;
    size_t nev, capev;
    tev *tv;
    size_t ntv, captv;
    mev *mv;
    size_t nmv, capmv;
    otrow *ot;
    size_t not_, capot;
    asgrow *asg;
    size_t nasg, capasg;
    watchrow *wl;
    size_t nwl, capwl;
    truthrow *tr;
    size_t ntr, captr;
    mfrow *mf;
    size_t nmf, capmf;
    uint32_t seq;
    uint32_t sys_today[SYS_COUNT];
    size_t rows_total, files_total;
    int oom;
    sink sink;
    /* training (研修): up to two periods, the accounts' terminals, set up once */
    int32_t tr_from[2], tr_to[2];
    const char *tr_name[2];
    size_t ntr_periods;
    uint16_t tr_term[NTRAIN];
    int tr_ready;
    tk_rng rc, rb, ri, rt;
} tk_city;

static inline int in_period(const tk_city *g, int32_t d)
{
    return d >= g->from && d <= g->to;
}

static inline uint8_t dflag(const tk_city *g, int32_t d)
{
    return in_period(g, d) ? g->dflag[d - g->from] : 0;
}

static inline int is_open(const tk_city *g, int32_t d)
{
    return !(dflag(g, d) & DF_CLOSED);
}

/* An ordinary open weekday (not the 休日開庁 Sunday). */
static inline int is_workday(const tk_city *g, int32_t d)
{
    return in_period(g, d) && !(dflag(g, d) & (DF_CLOSED | DF_OPEN_SUNDAY));
}

static inline int age_of(const tk_city *g, const resident *r)
{
    int y, m, d;
    ymd_of(g->to, &y, &m, &d);
    return y - r->byear;
}
/* --- Staff, terminals, media ---------------------------------------------------------------- */

static inline int dept_has_systems(size_t d)
{
    return tk_city_depts[d].vol > 0;
}

static inline size_t dept_on(const staff *s, int32_t day)
{
    return s->transferred != DAY_NONE && day < s->transferred && s->prev_dept != 0xFF ? s->prev_dept
                                                                                      : s->dept;
}

static inline size_t sect_on(const staff *s, int32_t day)
{
    return s->transferred != DAY_NONE && day < s->transferred && s->prev_dept != 0xFF ? s->prev_sect
                                                                                      : s->sect;
}

static inline size_t term_on(const staff *s, int32_t day)
{
    return s->transferred != DAY_NONE && day < s->transferred && s->prev_term != UINT16_MAX
               ? s->prev_term
               : s->term;
}

static inline int employed(const staff *s, int32_t d)
{
    if (d < s->hired)
        return 0;
    if (s->retired != DAY_NONE && d > s->retired)
        return 0;
    if (s->leave_from != DAY_NONE && d >= s->leave_from && d <= s->leave_to)
        return 0;
    return 1;
}
/* --- Special staff: transfers, hires, retirements, leave, election 兼務 --------------------- */

typedef struct specials {
    uint32_t tr_old, tr_new[2], hire[2], ret, ret_quiet, leave, leave_quiet;
    size_t ntr_new, nhire;
    uint32_t kenmu[16];
    size_t nkenmu;
} specials;
static inline size_t sd_index(const tk_city *g, size_t s, int32_t day)
{
    return s * g->ndays + (size_t)(day - g->from);
}

static inline int64_t at(int32_t day, int sec)
{
    return (int64_t)day * 86400 + sec;
}
typedef struct idstr {
    char s[24];
} idstr;

/* tk_city_push_<x>(g): a zeroed new element at the end of the array, or (after an allocation
 * failure) a scratch element and g->oom set; callers check g->oom once per phase. The element
 * is borrowed and lives until the next push to the same array. */
resident *tk_city_push_res(tk_city *g);
household *tk_city_push_hh(tk_city *g);
staff *tk_city_push_staff(tk_city *g);
terminal *tk_city_push_term(tk_city *g);
bev *tk_city_push_ev(tk_city *g);
tev *tk_city_push_tv(tk_city *g);
mev *tk_city_push_mv(tk_city *g);
otrow *tk_city_push_ot(tk_city *g);
asgrow *tk_city_push_asg(tk_city *g);
watchrow *tk_city_push_wl(tk_city *g);
truthrow *tk_city_push_tr(tk_city *g);
mfrow *tk_city_push_mf(tk_city *g);

/* The k-th section (係) of department dept (k below its number of sections); static. */
const sectdef *tk_city_sect_def(size_t dept, size_t k);

/* What department dept may do in system sys; NULL: nothing. Static. */
const authdef *tk_city_auth_of(size_t dept, size_t sys);

/* The printf pattern (one %s: yyyymm) of the files dept carries on approved media; static. */
const char *tk_city_media_file(size_t dept);

/* Frees everything g owns (not g itself; its options are borrowed). */
void tk_city_dispose(tk_city *g);

/* The name of 町丁 b (本町一丁目) into out (cap bytes, truncated). */
void tk_city_block_name(size_t b, char *out, size_t cap);

/* Appends a truth row: hn 1 for a hard negative, 0 for an incident; kind, etype (user,
 * terminal, ...), eid (its id), the days from..to, the rule that should see it, and a
 * description made from fmt. Strings are borrowed and copied (truncated to the row's
 * fields). */
void tk_city_truth_add(tk_city *g, int hn, const char *kind, const char *etype, const char *eid,
                       int32_t from, int32_t to, const char *rule, const char *fmt, ...)
    TK_PRINTF(9, 10);

/* Identifiers as the files write them: 職員ID (six digits), 宛名番号 (ten digits), a day
 * (YYYY-MM-DD), a training account (kenshu01); tk_city_res_number() also knows the
 * fictitious residents of the training data, tk_city_is_trainee() whether event staff
 * number s is a training account. */
idstr tk_city_staff_id(const tk_city *g, size_t s);
idstr tk_city_res_id(const tk_city *g, uint32_t r);
idstr tk_city_day_str(int32_t day);
int tk_city_is_trainee(const tk_city *g, uint32_t s);
idstr tk_city_train_account(const tk_city *g, uint32_t s);
uint64_t tk_city_res_number(const tk_city *g, uint32_t r);

/* The share (per mille of the staff) and the daily tasks of an ordinary clerk of department
 * dept in g's variant. */
unsigned tk_city_dept_share(const tk_city *g, size_t dept);
unsigned tk_city_dept_vol(const tk_city *g, size_t dept);

/* 1 if g's city has business system sys (variant B has no 戸籍附票 and no 法人住民税). */
int tk_city_has_system(const tk_city *g, size_t sys);

/* 1 if day is a day of the 市民課 Sunday counter (variant B). */
int tk_city_is_counter_day(const tk_city *g, int32_t day);

/* Builds the city of g's options (set by the caller in a zeroed g): seeds the streams, the
 * calendar and key dates, residents, watch list, staff, terminals, media, and the special
 * staff cases into *sp. Returns TK_OK or TK_ENOMEM; g is disposed by the caller either way. */
int tk_city_build(tk_city *g, specials *sp, tk_error *err);

#endif
