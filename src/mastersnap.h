/* src/mastersnap.h -- a read-only, in-memory view of one tenant's master
 * data for an analysis period.
 *
 * The analysis engine asks master-data questions for every event: who was
 * this member of staff on that day, is this terminal registered, may this
 * 所属 use that system, was this USB stick approved, is this resident on
 * the watch list. tk_mastersnap_load() reads, once, every version of every
 * kind that is effective on some day of the period (src/master.h) and
 * indexes it in memory; the questions are then answered without SQL, each
 * with one hash probe plus a look at a handful of rows.
 *
 * Versions. For a JST day D (days since 1970-01-01, tk_jst_day()) every
 * answer uses, per kind, the version effective on D: the greatest
 * effective date <= D, the last import among equal dates, and the earliest
 * version for days before every version -- the rule of
 * tk_master_effective_version(). A day outside the period is answered with
 * the version of the nearest day of the period; load a wider period when
 * that matters. docs/master-data.md ("Reading master data in an analysis")
 * is the analysts' page.
 *
 * Keys. Names (職員ID, 端末名, 所属, システム, 機能, シリアル番号) are
 * matched like the master's resolver: leading and trailing spaces (ASCII
 * and U+3000) are ignored and ASCII case is folded. Names of more than 512
 * bytes are never found. Resident identifiers are 32-byte pseudonyms
 * (tk_tenant_pseudonym()). A name or pseudonym the master data does not
 * list is not an error: the functions return 0 ("not found", "not
 * authorised", "not approved").
 *
 * Kinds loaded: staff, terminals, authorizations, assignments, overtime,
 * media, watchlist, residents and training. The calendar kinds are
 * src/calendar.h's.
 *
 * Ownership: the snapshot owns every string, pseudonym and array it hands
 * out; they live as long as the snapshot. Result structs are filled by the
 * caller-provided pointer and own nothing.
 *
 * Thread-safety: loading uses the tenant's connection (the tenant's
 * one-thread rule). A loaded snapshot is immutable: any number of threads
 * may query it at once. */
#ifndef TK_MASTERSNAP_H
#define TK_MASTERSNAP_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"
#include "src/tenant.h"

typedef struct tk_mastersnap tk_mastersnap;

/* "No date" in day fields (an empty 退職日, an open-ended range). */
#define TK_MASTERSNAP_NO_DAY INT64_MIN

/* "No 所属" in dept_id fields. */
#define TK_MASTERSNAP_NO_DEPT SIZE_MAX

/* Bytes in a pseudonym (TK_TENANT_PSEUDONYM_SIZE). */
#define TK_MASTERSNAP_PS_SIZE 32

/* Loads the master data of t (borrowed; not kept) for the days first_day to
 * last_day inclusive: every version of each kind effective on one of those
 * days, and, for staff and terminals, the newest older version that lists
 * a member or terminal the period's versions no longer list (so that the
 * account of someone who left before the period still answers). Runs in
 * one read transaction (or the caller's, if one is open), so a concurrent
 * import is seen whole or not at all. Kinds never imported load empty.
 * *out is an owned result: tk_mastersnap_destroy(); NULL on failure.
 * Returns TK_OK, TK_EINVAL (first_day > last_day, or a day outside the
 * years 1-9999), TK_ENOMEM or TK_EDB; TK_EINTERNAL if stored master data
 * breaks its own schema (a malformed date or pseudonym). */
TK_MUST_CHECK int tk_mastersnap_load(tk_mastersnap **out, tk_tenant *t, int64_t first_day,
                                     int64_t last_day, tk_error *err);

/* Frees s. Accepts NULL. */
void tk_mastersnap_destroy(tk_mastersnap *s);

/* The period s was loaded for. */
int64_t tk_mastersnap_first_day(const tk_mastersnap *s);
int64_t tk_mastersnap_last_day(const tk_mastersnap *s);

/* The id of the version of kind (borrowed; a tk_master_kinds() name) whose
 * rows answer for day: 0 if no version of kind was ever imported, or kind
 * is not loaded by a snapshot (calendar, holidays) or unknown. For reports:
 * "master data used: staff version 12 (effective 2024-10-01)". */
int64_t tk_mastersnap_version(const tk_mastersnap *s, const char *kind, int64_t day);

/* ---- staff -------------------------------------------------------------- */

/* Status of a member of staff on a day. */
enum {
    TK_MASTERSNAP_ACTIVE = 1,    /* employed and not on leave */
    TK_MASTERSNAP_LEAVE = 2,     /* inside a 休職期間 (or 休職 with no periods given) */
    TK_MASTERSNAP_RETIRED = 3,   /* after 退職日 (or 退職 with no date given) */
    TK_MASTERSNAP_NOT_HIRED = 4, /* before 採用日 */
    TK_MASTERSNAP_UNLISTED = 5   /* none of the above, but the staff version in force
                                    that day does not list the member */
};

/* What the staff master says about one member on one day. Every pointer is
 * borrowed from the snapshot. */
typedef struct tk_mastersnap_staff {
    const char *staff_id;    /* 職員ID as the record writes it */
    const char *name;        /* 氏名, or NULL */
    const char *dept;        /* 所属 on the day: 前所属 before 異動日, else 所属 */
    size_t dept_id;          /* dept's index for tk_mastersnap_dept_name() */
    const char *section;     /* 係, or NULL */
    const char *record_dept; /* the record's 所属 (the one after 異動日) */
    const char *prev_dept;   /* 前所属, or NULL */
    int status;              /* TK_MASTERSNAP_ACTIVE ... on the day */
    int listed;              /* 1: the staff version in force that day lists the member;
                                0: the record comes from another version */
    int64_t hired_on;        /* 採用日, 異動日, 退職日 as day numbers, */
    int64_t transferred_on;  /* or TK_MASTERSNAP_NO_DAY */
    int64_t retired_on;
    const int64_t *leaves; /* nleaves 休職期間 as (from, to) pairs, inclusive */
    size_t nleaves;
    const char *const *accounts; /* アカウント */
    size_t naccounts;
    const uint8_t *own_subject;        /* 本人宛名番号 pseudonym, or NULL */
    const uint8_t *household_subjects; /* 世帯宛名番号: nhousehold pseudonyms, back to back */
    size_t nhousehold;
    const uint8_t *kana; /* pseudonym of the 氏名カナ surname, or NULL */
    int64_t version_id;  /* the staff version the record comes from */
} tk_mastersnap_staff;

/* Looks up 職員ID p[0..len) (borrowed, untrusted) on day. Returns 1 and
 * fills *out (may be NULL) when the id is known -- from the version in
 * force that day, or else (listed = 0) from the nearest version that lists
 * it: an earlier one of the period, a later one, then the newest older
 * one -- and 0 when no loaded version lists it (*out is then zeroed).
 * Accounts are not keys here: logs are stored under the 職員ID they
 * resolve to (tk_master_resolve_staff()). */
int tk_mastersnap_find_staff(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                             tk_mastersnap_staff *out);

/* How resident pseudonym subject (TK_MASTERSNAP_PS_SIZE bytes, borrowed)
 * relates to the member of staff p[0..len) on day, for 職員本人・親族照会. */
enum {
    TK_MASTERSNAP_REL_NONE = 0,          /* no relation known (or unknown staff) */
    TK_MASTERSNAP_REL_SELF = 1,          /* the member's 本人宛名番号 */
    TK_MASTERSNAP_REL_HOUSEHOLD = 2,     /* one of the member's 世帯宛名番号 */
    TK_MASTERSNAP_REL_SAME_HOUSEHOLD = 3 /* residents master: same 世帯番号 as 本人宛名番号 */
};
int tk_mastersnap_staff_relation(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                                 const uint8_t *subject);

/* Every member of staff any loaded version lists, for peer groups:
 * tk_mastersnap_staff_at() fills *out for member i (0 <= i < count) on day,
 * exactly as tk_mastersnap_find_staff() would; select status ACTIVE (or
 * LEAVE) and group by dept_id. The order is fixed for a snapshot. */
size_t tk_mastersnap_staff_count(const tk_mastersnap *s);
void tk_mastersnap_staff_at(const tk_mastersnap *s, size_t i, int64_t day,
                            tk_mastersnap_staff *out);

/* ---- 所属 ------------------------------------------------------------------ */

/* Every 所属 the loaded master data names (staff 所属 and 前所属,
 * terminals, authorisations, 兼務先, media, watch-list 担当所属, training
 * 所属), once
 * each, as first written, in a fixed order of first appearance. ids are
 * 0 .. count-1. */
size_t tk_mastersnap_dept_count(const tk_mastersnap *s);
const char *tk_mastersnap_dept_name(const tk_mastersnap *s, size_t dept_id);

/* The id of 所属 p[0..len), or TK_MASTERSNAP_NO_DEPT. */
size_t tk_mastersnap_find_dept(const tk_mastersnap *s, const char *p, size_t len);

/* ---- terminals ------------------------------------------------------------ */

enum {
    TK_MASTERSNAP_TERMINAL_UNKNOWN = 0,  /* 種別 left empty */
    TK_MASTERSNAP_TERMINAL_MYNUMBER = 1, /* 特定個人情報 */
    TK_MASTERSNAP_TERMINAL_GENERAL = 2   /* 一般 */
};

typedef struct tk_mastersnap_terminal {
    const char *name;      /* 端末名 as the record writes it */
    const char *dept;      /* 所属, or NULL */
    size_t dept_id;        /* or TK_MASTERSNAP_NO_DEPT */
    int kind;              /* TK_MASTERSNAP_TERMINAL_* */
    int64_t registered_on; /* 登録日, or TK_MASTERSNAP_NO_DAY */
    int listed;            /* 1: the terminal version in force that day lists it */
    int registered;        /* listed, and 登録日 is empty or on/before the day */
    int64_t version_id;
} tk_mastersnap_terminal;

/* Looks up 端末名 p[0..len) on day, like tk_mastersnap_find_staff(): 1 and
 * *out (may be NULL) filled when some loaded version lists it (a terminal taken out of
 * the master is found with listed = registered = 0), else 0 and *out
 * zeroed. 未登録端末 is `registered == 0`, whatever the return value. */
int tk_mastersnap_find_terminal(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                                tk_mastersnap_terminal *out);

/* ---- authorisations ------------------------------------------------------- */

enum {
    TK_MASTERSNAP_LEVEL_NONE = 0,
    TK_MASTERSNAP_LEVEL_LOOKUP = 1, /* 照会 */
    TK_MASTERSNAP_LEVEL_UPDATE = 2, /* 更新 */
    TK_MASTERSNAP_LEVEL_ALL = 3     /* 全て */
};

/* One row of the authorisations master. */
typedef struct tk_mastersnap_grant {
    int level;            /* TK_MASTERSNAP_LEVEL_* */
    const char *function; /* 機能 the row is restricted to, or NULL: every function */
    int mynumber;         /* 個人番号利用 可 */
} tk_mastersnap_grant;

typedef struct tk_mastersnap_auth {
    int level;    /* strongest level among the matching rows; LEVEL_NONE if none */
    int mynumber; /* 1 if a matching row allows My Number use */
    const tk_mastersnap_grant *grants; /* every row for (所属, system) that day, */
    size_t ngrants;                    /* matching or not */
} tk_mastersnap_auth;

/* Whether 所属 dept[0..dlen) may use system sys[0..slen) on day, by the
 * authorisations version in force that day. function (may be NULL) asks
 * about one 機能: the matching rows are then those without a 機能 and
 * those naming it; with NULL every row for (所属, system) matches. Returns
 * 1 if some row matches, else 0; *out (may be NULL) gets the strongest
 * level, My Number use and all the rows. ngrants == 0 with a 0 result is
 * 権限外システム; ngrants > 0 with a 0 result is 担当外機能. */
int tk_mastersnap_check_auth(const tk_mastersnap *s, const char *dept, size_t dlen, const char *sys,
                             size_t slen, const char *function, size_t flen, int64_t day,
                             tk_mastersnap_auth *out);

/* ---- 兼務 ------------------------------------------------------------------ */

typedef struct tk_mastersnap_assignment {
    const char *dept; /* 兼務先所属 */
    size_t dept_id;
    const char *system; /* システム, or NULL: the 兼務先所属's authorised systems */
    int64_t from, to;   /* 開始日, 終了日, inclusive */
} tk_mastersnap_assignment;

/* 1 if the assignments version in force on day gives 職員ID staff[0..slen)
 * a 兼務 covering day to 所属 dept[0..dlen) (NULL: any) for system
 * sys[0..syslen) (NULL: any). A row without システム covers the systems
 * the authorisations in force that day grant its 所属. Else 0. */
int tk_mastersnap_is_assigned(const tk_mastersnap *s, const char *staff, size_t slen,
                              const char *dept, size_t dlen, const char *sys, size_t syslen,
                              int64_t day);

/* The 兼務 rows of staff[0..slen) in the version in force on day, whatever
 * their dates: *out (borrowed) points at the first of the returned count. */
size_t tk_mastersnap_assignments(const tk_mastersnap *s, const char *staff, size_t slen,
                                 int64_t day, const tk_mastersnap_assignment **out);

/* ---- 時間外勤務命令 --------------------------------------------------------- */

/* 1 if an approved overtime order of staff[0..slen) covers minute (0-1439,
 * JST) of day: an order dated day whose 開始時刻 <= minute < 終了時刻, or
 * one dated the day before that runs past midnight (終了時刻 25:30 covers
 * minutes 0-89 of the next day). Each order is read from the overtime
 * version in force on its own date. Else 0. */
int tk_mastersnap_has_overtime(const tk_mastersnap *s, const char *staff, size_t slen, int64_t day,
                               int minute);

/* ---- 承認済み可搬媒体 -------------------------------------------------------- */

typedef struct tk_mastersnap_media {
    const char *serial;  /* シリアル番号 as the record writes it */
    const char *device;  /* デバイス名, or NULL */
    const char *dept;    /* 所属, or NULL */
    size_t dept_id;      /* or TK_MASTERSNAP_NO_DEPT */
    int64_t approved_on; /* 承認日, or TK_MASTERSNAP_NO_DAY (approved from the start) */
    int64_t expires_on;  /* 失効日, or TK_MASTERSNAP_NO_DAY (no expiry) */
    int listed;          /* the media version in force that day lists the serial */
} tk_mastersnap_media;

/* 1 if serial p[0..len) is approved on day: a row of the media version in
 * force that day with 承認日 <= day <= 失効日 (empty ends open). Else 0.
 * *out (may be NULL) describes the approving row, or when there is none
 * the serial's last row (listed = 1: expired or not yet approved), or is
 * zeroed (listed = 0: not in the list). */
int tk_mastersnap_check_media(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                              tk_mastersnap_media *out);

/* ---- 要注意住民 ------------------------------------------------------------- */

/* Watch-list categories, as bits. */
enum {
    TK_MASTERSNAP_WATCH_CELEBRITY = 1, /* 著名人 */
    TK_MASTERSNAP_WATCH_STAFF = 2,     /* 職員関係 */
    TK_MASTERSNAP_WATCH_PROTECTED = 4  /* 支援措置 (DV等支援措置) */
};

/* One row of the watch list. */
typedef struct tk_mastersnap_watch_entry {
    unsigned category;        /* one TK_MASTERSNAP_WATCH_* bit */
    int64_t from, to;         /* 開始日, 終了日 or TK_MASTERSNAP_NO_DAY (open) */
    const char *const *depts; /* 担当所属: the 所属 allowed to access */
    size_t ndepts;
} tk_mastersnap_watch_entry;

typedef struct tk_mastersnap_watch {
    unsigned categories; /* bits of the entries in force on the day */
    unsigned allowed;    /* bits of those entries whose 担当所属 name the asking 所属 */
    const tk_mastersnap_watch_entry *entries; /* every entry of the subject in the */
    size_t nentries;                          /* version in force, in force or not */
} tk_mastersnap_watch;

/* 1 if pseudonym subject (borrowed) has a watch-list entry in force on day
 * (開始日 <= day <= 終了日, empty ends open) in the version in force that
 * day, else 0. dept[0..dlen) (may be NULL) is the 所属 accessing the
 * record: out->allowed says for which categories it is a 担当所属; an
 * entry without 担当所属 allows no 所属. *out may be NULL. 著名人照会 is
 * `categories & ~allowed & (CELEBRITY | STAFF)`, 支援措置対象者照会
 * `categories & ~allowed & PROTECTED`. */
int tk_mastersnap_check_watch(const tk_mastersnap *s, const uint8_t *subject, int64_t day,
                              const char *dept, size_t dlen, tk_mastersnap_watch *out);

/* ---- 研修 (training accounts) ---------------------------------------------- */

/* One training period of a training account. */
typedef struct tk_mastersnap_training {
    const char *account; /* 研修用アカウント as the record writes it */
    const char *name;    /* 研修名, or NULL */
    const char *dept;    /* 所属, or NULL */
    size_t dept_id;      /* or TK_MASTERSNAP_NO_DEPT */
    int64_t from;        /* 開始日 */
    int64_t to;          /* 終了日 (inclusive), or TK_MASTERSNAP_NO_DAY: open-ended */
    int listed;          /* the training version in force that day lists the account */
} tk_mastersnap_training;

/* 1 if user p[0..len) (borrowed, untrusted) is a training account in
 * training on day: a row of the training version in force that day names
 * it and has 開始日 <= day <= 終了日 (an empty 終了日 leaves it open). The
 * user is matched as logs store it: the account itself (case and
 * surrounding spaces ignored; also without a `DOMAIN\` prefix or an
 * `@domain` suffix), or the 職員ID of a loaded staff record one of whose
 * アカウント is the training account. One hash probe, O(log segments) and a
 * look at the account's few periods. Else 0. *out (may be NULL) describes
 * the covering period, or when none covers the day the account's last
 * period begun by then (else its first: listed = 1, outside its training),
 * or is zeroed (listed = 0: not a training account that day). */
int tk_mastersnap_check_training(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                                 tk_mastersnap_training *out);

/* ---- 住民 ------------------------------------------------------------------ */

typedef struct tk_mastersnap_resident {
    const uint8_t *household; /* 世帯番号 pseudonym, or NULL */
    const uint8_t *block;     /* 町丁 pseudonym, or NULL */
    const uint8_t *kana;      /* 氏名カナ surname pseudonym, or NULL */
} tk_mastersnap_resident;

/* 1 and *out (may be NULL) filled if the residents version in force on day
 * lists pseudonym subject (borrowed); else 0 and *out zeroed. Pointers in
 * *out are borrowed. The snapshot stores each distinct household, 町丁
 * and kana pseudonym once, so two residents share a household exactly
 * when their household pointers are equal. */
int tk_mastersnap_find_resident(const tk_mastersnap *s, const uint8_t *subject, int64_t day,
                                tk_mastersnap_resident *out);

/* The share of the residents master's rows (every version loaded) whose
 * 町丁 and 氏名カナ surname are block and kana and whose household is not
 * household (NULL: any): how likely a resident drawn from the city is a
 * namesake neighbour of a member (R08's chance). Pseudonyms borrowed.
 * 0 when no resident has that 町丁 and kana. One pass over the rows. */
double tk_mastersnap_resident_share(const tk_mastersnap *s, const uint8_t *block,
                                    const uint8_t *kana, const uint8_t *household);

#endif
