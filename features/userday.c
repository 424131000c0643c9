/* features/userday.c -- the feature pass: user-days and terminal-days.
 *
 * The pass. Days are processed one at a time: tk_dayevents loads a day
 * sorted by (user, time), so each user's day is one contiguous run and
 * every user-day feature is a single left-to-right sweep of that run. No
 * feature looks across midnight, so days are independent.
 * Nothing is allocated per event and no SQL runs per event. State lives in
 * dense arrays indexed by the store's dictionary ids (users, terminals,
 * systems, devices and subjects are small dense integers): a per-id
 * "stamp" records the run (user-day) in which the id was last seen, so
 * distinct counting is one compare per event and nothing has to be
 * cleared between runs. The ids a run touched are kept in a list, and
 * finishing the run walks only that list.
 *
 * Residents. For each subject of a run the arrays hold its number of
 * operations, the first system it was looked up in and flag bits (looked
 * up, processed = updated or issued for, looked up in a second system,
 * counted as a watch-list hit). Distinct, repeated ("top"), lookup-only
 * and cross-system residents follow from the touched list at the end of
 * the run. The most residents in 10 minutes is a two-pointer sweep: the
 * right end adds the current operation's subject to a per-subject window
 * count, the left end drops operations 10 minutes or more older, and the
 * number of subjects with a non-zero count is tracked. Failed logons in 10
 * minutes are the same sweep over a scratch list of failure times.
 *
 * Master data. Every question to the snapshot is asked once per key and
 * day, or once per key: the user's staff record once per user-day (its
 * 所属, status and hours); a terminal's record once per terminal-day; a
 * (所属, system) authorisation once per day, in a small table reset each
 * day; 兼務 only for a system the user's 所属 may not use, once per
 * user-day and system; an approved-media check once per device-day. The
 * watch list is consulted once per subject id for "is this resident on any
 * watch-list version of the range" (one probe per version segment); only
 * the few subjects that are get a per-operation check with the accessing
 * 所属. An overtime order is looked up only for operations outside hours,
 * memoised on the minute. Time-of-day slots come from a 1440-entry table
 * per distinct business-hours record (a handful per tenant), filled once
 * with tk_calendar_slot().
 *
 * Operations. "Business operations" are every op of a business system
 * (lookup ... issue and other); terminal-log ops are logon, logoff, logon
 * failure, media copy/move and device connect/disconnect. The time-of-day
 * features (histogram, after hours, night, closed day) count "activity":
 * business operations, media writes and device connects; not logons and
 * logoffs, which sit just outside the hours every day by nature.
 *
 * Sessions. A successful logon opens a session on its terminal and a
 * logoff closes it; a logon while another terminal's session is open is a
 * concurrent logon. Sessions are day-local: one still open at the end of
 * the day is closed at the user's last event, and a logoff whose logon was
 * the day before is ignored.
 *
 * Threads. Because days are independent, workers take the next day from
 * a shared counter (under a mutex, once per day) and each keeps its own
 * scratch arrays, slot tables, output rows and store connection; the
 * master data, calendar and dictionaries are read-only and shared. Each
 * worker records, per day, where that day's rows start in its arrays, so
 * the rows can be put back in day order afterwards: the result does not
 * depend on the number of threads or the scheduling. The connections are
 * read-only. They are not memory-mapped: with the rule checks fed from
 * this pass, mapping (PRAGMA mmap_size) no longer made it faster (19.3 s
 * without, 20.1 s with 256 MiB per connection on bench/analysis) and
 * added the mapped pages of the store to the process's resident memory
 * (1.40 GB against 1.79 GB).
 *
 * Ordering. Rows are merged day-major (each day in user order, terminal
 * rows in first-use order); a stable counting sort by id then gives (user,
 * day) and (terminal, day). Peer groups are an index of row numbers sorted
 * by (day, 所属, user), searched by bisection.
 *
 * Storage. A feature row is stored as one SQLite row whose values are a
 * BLOB of little-endian IEEE doubles; features_layout names, per layout
 * id, the key of each position, and each row names its layout. A load
 * maps stored positions to this build's features by key, so a build that
 * adds or retires a feature still reads older rows (a feature a row lacks
 * is NaN) and nothing stored has to be recomputed -- which matters, since
 * the events of a delivered, frozen period may already be erased while
 * its features still serve as baseline history. A save refuses a range
 * that overlaps a delivered period (src/period.h). */
/* sched_getaffinity() and CPU_COUNT() are GNU extensions. */
#define _GNU_SOURCE

#include "features/userday.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "features/dayevents.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/event.h"
#include "src/period.h"
#include "src/store.h"
#include "src/strmap.h"
#include "src/timefmt.h"

#define MINUTES_PER_DAY 1440
#define WINDOW_MS       ((int64_t)10 * 60000)
#define MAX_SLOT_TABLES 64
#define MAX_SESSIONS    16

/* ---- the feature tables ---------------------------------------------------- */

#define C  TK_USERDAY_KIND_COUNT
#define R  TK_USERDAY_KIND_CONTINUOUS
#define S  TK_USERDAY_AGG_SUM
#define MX TK_USERDAY_AGG_MAX
#define MN TK_USERDAY_AGG_MIN
#define RT TK_USERDAY_AGG_RATIO

static const tk_userday_feature_info user_info[TK_USERDAY_NFEAT] = {
    {"events", "全イベント数", "events", C, S, "29"},
    {"business_events", "業務システムの操作数", "events", C, S, "3"},
    {"lookups", "照会・検索の件数", "events", C, S, "3,11"},
    {"updates", "追加・更新・削除の件数", "events", C, S, "11"},
    {"prints", "印刷の件数", "events", C, S, "24"},
    {"exports", "出力・抽出の件数", "events", C, S, "24,25"},
    {"issues", "証明書等の発行件数", "events", C, S, "11"},
    {"logons", "ログオン回数", "events", C, S, "18,19"},
    {"logon_failures", "ログオン失敗回数", "events", C, S, "17"},
    {"media_copies", "可搬媒体への書出し回数", "events", C, S, "22"},
    {"device_connects", "デバイスの接続回数", "events", C, S, "23"},
    {"failed_operations", "失敗した業務操作の数", "events", C, S, ""},
    {"output_records", "印刷・出力・抽出したレコード数", "records", C, S, "24,25"},
    {"max_output_records", "1回の印刷・出力・抽出の最大レコード数", "records", R, MX, "24,25"},
    {"mynumber_shown", "個人番号を表示した操作数", "events", C, S, "26"},
    {"mynumber_unentitled", "個人番号利用の権限がないシステムでの個人番号表示数", "events", C, S,
     "26"},
    {"distinct_systems", "利用した業務システムの数", "systems", C, MX, "12"},
    {"unauthorized_systems", "所属に権限のないシステムの数", "systems", C, MX, "12"},
    {"unauthorized_events", "所属に権限のないシステムでの操作数", "events", C, S, "12"},
    {"over_level_events", "照会権限のみのシステムでの更新・発行数", "events", C, S, "12,13"},
    {"distinct_residents", "アクセスした住民の数", "residents", C, S, "3"},
    {"lookup_residents", "照会した住民の数", "residents", C, S, "3,11"},
    {"top_resident_events", "最も多くアクセスした住民への操作数", "events", C, MX, "5"},
    {"lookup_only_residents", "照会のみで処理のない住民の数", "residents", C, S, "5,11"},
    {"lookup_only_share", "照会した住民のうち処理のない住民の割合", "ratio", R, RT, "11"},
    {"cross_system_residents", "複数のシステムで照会した住民の数", "residents", C, S, "6,9"},
    {"watch_events", "担当外の要注意住民への操作数", "events", C, S, "9"},
    {"watch_residents", "担当外で操作した要注意住民の数", "residents", C, S, "9"},
    {"protected_events", "担当外の支援措置対象者への操作数", "events", C, S, "10"},
    {"protected_issues", "支援措置対象者の証明書等の発行数", "events", C, S, "10"},
    {"max_residents_10min", "10分間にアクセスした住民の最大数", "residents", C, MX, "4"},
    {"after_hours_events", "開庁日の時間外の操作数", "events", C, S, "1"},
    {"after_hours_unapproved", "時間外勤務命令のない時間外の操作数", "events", C, S, "1"},
    {"night_events", "深夜(22時～6時)の操作数", "events", C, S, "1"},
    {"night_unapproved", "時間外勤務命令のない深夜の操作数", "events", C, S, "1"},
    {"closed_day_events", "閉庁日の操作数", "events", C, S, "2"},
    {"closed_day_unapproved", "時間外勤務命令のない閉庁日の操作数", "events", C, S, "2"},
    {"first_minute", "最初の操作の時刻(0時からの分)", "minutes", R, MN, "1,19"},
    {"last_minute", "最後の操作の時刻(0時からの分)", "minutes", R, MX, "1,19"},
    {"distinct_terminals", "利用した端末の数", "terminals", C, MX, "18,20"},
    {"unregistered_terminal_events", "未登録端末での操作数", "events", C, S, "21"},
    {"foreign_terminal_events", "他の所属の端末での操作数", "events", C, S, "20"},
    {"media_bytes", "可搬媒体への書出し量", "bytes", R, S, "22"},
    {"unapproved_media_events", "未許可デバイスの接続・書出し数", "events", C, S, "23"},
    {"concurrent_logons", "他の端末にログオン中のログオン回数", "events", C, S, "18"},
    {"longest_session_minutes", "最長のログオン時間(分)", "minutes", R, MX, "19"},
    {"max_failures_10min", "10分間のログオン失敗の最大数", "events", C, MX, "17"},
    {"no_session_events", "ログオンしていない端末での業務操作数", "events", C, S, "28"},
};

static const tk_userday_feature_info term_info[TK_USERDAY_TERM_NFEAT] = {
    {"events", "全イベント数", "events", C, S, "29"},
    {"business_events", "業務システムの操作数", "events", C, S, "28"},
    {"distinct_users", "利用した職員の数", "users", C, MX, "17,19"},
    {"logons", "ログオン回数", "events", C, S, "18"},
    {"logon_failures", "ログオン失敗回数", "events", C, S, "17"},
    {"failure_users", "ログオンに失敗した職員の数", "users", C, MX, "17"},
    {"media_copies", "可搬媒体への書出し回数", "events", C, S, "22"},
    {"media_bytes", "可搬媒体への書出し量", "bytes", R, S, "22"},
    {"device_connects", "デバイスの接続回数", "events", C, S, "23"},
    {"unapproved_media_events", "未許可デバイスの接続・書出し数", "events", C, S, "23"},
    {"after_hours_events", "開庁日の時間外の操作数", "events", C, S, "1,22"},
    {"night_events", "深夜(22時～6時)の操作数", "events", C, S, "1"},
    {"closed_day_events", "閉庁日の操作数", "events", C, S, "2"},
    {"no_session_events", "ログオンしていない職員の業務操作数", "events", C, S, "28"},
};

#undef C
#undef R
#undef S
#undef MX
#undef MN
#undef RT

const tk_userday_feature_info *tk_userday_feature(size_t f)
{
    return f < TK_USERDAY_NFEAT ? &user_info[f] : NULL;
}

const tk_userday_feature_info *tk_userday_term_feature(size_t f)
{
    return f < TK_USERDAY_TERM_NFEAT ? &term_info[f] : NULL;
}

static size_t find_key(const tk_userday_feature_info *tab, size_t n, const char *p, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(tab[i].key) == len && memcmp(tab[i].key, p, len) == 0)
            return i;
    return n;
}

size_t tk_userday_feature_find(const char *p, size_t len)
{
    return find_key(user_info, TK_USERDAY_NFEAT, p, len);
}

size_t tk_userday_term_feature_find(const char *p, size_t len)
{
    return find_key(term_info, TK_USERDAY_TERM_NFEAT, p, len);
}

/* ---- the set ------------------------------------------------------------- */

struct tk_userday {
    int64_t first_day, last_day;
    int64_t *day_events; /* last_day - first_day + 1 */
    tk_userday_row *rows;
    size_t nrows, caprows;
    tk_userday_term_row *trows;
    size_t ntrows, captrows;
    size_t *peer; /* row indexes sorted by (day, dept, user) */
    tk_userday_total *totals;
    size_t ntotals;
    char **depts;
    size_t ndepts, capdepts;
    int terminals; /* 1 if terminal-day rows were computed */
    char **users;  /* by user id; NULL where the set has no row */
    size_t nusers;
    char **terms; /* by terminal id */
    size_t nterms;
    uint32_t *urank; /* by user id: place of its name among the set's users */
    size_t nurank;
    uint32_t *trank; /* by terminal id: the same among its terminals */
    size_t ntrank;
    int64_t *sys_events; /* [day - first_day][system id], nsystems columns */
    size_t nsystems;
    char **systems; /* by system id */
    size_t capsystems;
};

static void free_names(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        tk_free(v[i]);
    tk_free(v);
}

void tk_userday_destroy(tk_userday *s)
{
    if (s == NULL)
        return;
    tk_free(s->day_events);
    tk_free(s->rows);
    tk_free(s->trows);
    tk_free(s->peer);
    tk_free(s->totals);
    free_names(s->depts, s->capdepts);
    free_names(s->users, s->nusers);
    free_names(s->terms, s->nterms);
    tk_free(s->urank);
    tk_free(s->trank);
    free_names(s->systems, s->capsystems);
    tk_free(s->sys_events);
    tk_free(s);
}

static int set_create(tk_userday **out, int64_t first_day, int64_t last_day, tk_error *err)
{
    *out = NULL;
    if (first_day > last_day || last_day - first_day >= TK_USERDAY_MAX_DAYS)
        return tk_error_set(err, TK_EINVAL,
                            "bad feature range: %lld to %lld (at most %d days, first <= last)",
                            (long long)first_day, (long long)last_day, TK_USERDAY_MAX_DAYS);
    tk_userday *s = tk_calloc(1, sizeof *s);
    if (s == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory creating a feature set");
    s->first_day = first_day;
    s->last_day = last_day;
    s->day_events = tk_calloc((size_t)(last_day - first_day + 1), sizeof *s->day_events);
    if (s->day_events == NULL) {
        tk_free(s);
        return tk_error_set(err, TK_ENOMEM, "out of memory creating a feature set");
    }
    *out = s;
    return TK_OK;
}

/* The capacity to grow cap to so that it holds need: doubling from 16. */
static int next_cap(size_t cap, size_t need, size_t *out)
{
    size_t c = cap ? cap : 16;
    while (c < need)
        if (!tk_mul_size(c, 2, &c))
            return 0;
    *out = c;
    return 1;
}

/* Resizes *v from old to ncap elements of size elem, zeroing the new part. */
static int resize(void **v, size_t elem, size_t old, size_t ncap, tk_error *err)
{
    size_t bytes;
    if (!tk_mul_size(ncap, elem, &bytes))
        return tk_error_set(err, TK_ENOMEM, "feature arrays too large");
    void *n = tk_realloc(*v, bytes ? bytes : 1);
    if (n == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory in the feature pass");
    if (ncap > old)
        memset((char *)n + old * elem, 0, (ncap - old) * elem);
    *v = n;
    return TK_OK;
}

/* Grows *v (elements of size elem, *cap of them) to hold at least need,
 * zeroing the new part. */
static int grow(void **v, size_t elem, size_t *cap, size_t need, tk_error *err)
{
    size_t ncap;
    if (need <= *cap)
        return TK_OK;
    if (!next_cap(*cap, need, &ncap))
        return tk_error_set(err, TK_ENOMEM, "feature arrays too large");
    const int rc = resize(v, elem, *cap, ncap, err);
    if (rc == TK_OK)
        *cap = ncap;
    return rc;
}

/* Stores a copy of name at v[id] unless it has one, growing v (*cap
 * entries, the new ones NULL). */
static int put_name(char ***v, size_t *cap, size_t id, const char *name, size_t len, tk_error *err)
{
    size_t need;
    if (!tk_add_size(id, 1, &need))
        return tk_error_set(err, TK_ENOMEM, "id out of range");
    if (need > *cap) {
        void *p = *v;
        int rc = grow(&p, sizeof **v, cap, need, err);
        if (rc != TK_OK)
            return rc;
        *v = p;
    }
    if ((*v)[id] != NULL)
        return TK_OK;
    (*v)[id] = tk_strndup(name, len);
    if ((*v)[id] == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory copying a name");
    return TK_OK;
}

/* An id and its name, for ranking ids by name. */
struct named {
    const char *name; /* NULL: the set has no name for it */
    uint32_t id;
};

static int cmp_named(const void *a, const void *b)
{
    const struct named *x = a, *y = b;
    if (x->name != NULL && y->name != NULL) {
        const int c = strcmp(x->name, y->name);
        if (c != 0)
            return c;
    } else if (x->name != y->name) {
        return x->name == NULL ? 1 : -1; /* nameless ids last */
    }
    return (x->id > y->id) - (x->id < y->id);
}

/* rank[id] for every id below n: the place of names[id] (names has cap
 * entries) in byte order among the ids with has[id] set; UINT32_MAX for
 * the others. The store's dictionary names are unique, so the order of
 * the ranked ids is their names' order, whatever order the ids were given
 * in; an id without a name (never in a built set) comes after them. */
static int rank_by_name(char *const *names, size_t cap, const unsigned char *has, size_t n,
                        uint32_t **out, tk_error *err)
{
    *out = tk_alloc((n ? n : 1) * sizeof **out);
    struct named *v = tk_alloc((n ? n : 1) * sizeof *v);
    if (*out == NULL || v == NULL) {
        tk_free(*out);
        tk_free(v);
        *out = NULL;
        return tk_error_set(err, TK_ENOMEM, "out of memory ranking names");
    }
    size_t m = 0;
    for (size_t id = 0; id < n; id++) {
        (*out)[id] = UINT32_MAX;
        if (has[id])
            v[m++] = (struct named){id < cap ? names[id] : NULL, (uint32_t)id};
    }
    qsort(v, m, sizeof *v, cmp_named);
    for (size_t i = 0; i < m; i++)
        (*out)[v[i].id] = (uint32_t)i;
    tk_free(v);
    return TK_OK;
}

/* Stable counting sort of user rows by the user's name (input day-major,
 * so each user's rows stay in day order), and of terminal rows by the
 * terminal's name. Not by id: the store numbers users and terminals in
 * the order the uploads first named them, so an order by id, and every
 * sum, median, sample or tie taken in row order after it, would depend on
 * the order the logs were uploaded in. */
static int sort_rows(tk_userday *s, tk_error *err)
{
    size_t maxid = 0;
    for (size_t i = 0; i < s->nrows; i++)
        if (s->rows[i].user > maxid)
            maxid = s->rows[i].user;
    for (size_t i = 0; i < s->ntrows; i++)
        if (s->trows[i].terminal > maxid)
            maxid = s->trows[i].terminal;
    size_t *cnt = tk_calloc(maxid + 2, sizeof *cnt);
    unsigned char *has = tk_calloc(maxid + 1, 1);
    tk_userday_row *r = s->nrows ? tk_alloc(s->nrows * sizeof *r) : NULL;
    tk_userday_term_row *tr = s->ntrows ? tk_alloc(s->ntrows * sizeof *tr) : NULL;
    int rc = TK_OK;
    if (cnt == NULL || has == NULL || (s->nrows && r == NULL) || (s->ntrows && tr == NULL)) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory sorting feature rows");
        goto done;
    }
    for (size_t i = 0; i < s->nrows; i++)
        has[s->rows[i].user] = 1;
    tk_free(s->urank);
    s->urank = NULL;
    s->nurank = 0;
    rc = rank_by_name(s->users, s->nusers, has, maxid + 1, &s->urank, err);
    if (rc != TK_OK)
        goto done;
    s->nurank = maxid + 1;
    memset(has, 0, maxid + 1);
    for (size_t i = 0; i < s->ntrows; i++)
        has[s->trows[i].terminal] = 1;
    tk_free(s->trank);
    s->trank = NULL;
    s->ntrank = 0;
    rc = rank_by_name(s->terms, s->nterms, has, maxid + 1, &s->trank, err);
    if (rc != TK_OK)
        goto done;
    s->ntrank = maxid + 1;
    for (size_t i = 0; i < s->nrows; i++)
        cnt[s->urank[s->rows[i].user] + 1]++;
    for (size_t i = 1; i <= maxid + 1; i++)
        cnt[i] += cnt[i - 1];
    for (size_t i = 0; i < s->nrows; i++)
        r[cnt[s->urank[s->rows[i].user]]++] = s->rows[i];
    memset(cnt, 0, (maxid + 2) * sizeof *cnt);
    for (size_t i = 0; i < s->ntrows; i++)
        cnt[s->trank[s->trows[i].terminal] + 1]++;
    for (size_t i = 1; i <= maxid + 1; i++)
        cnt[i] += cnt[i - 1];
    for (size_t i = 0; i < s->ntrows; i++)
        tr[cnt[s->trank[s->trows[i].terminal]]++] = s->trows[i];
    tk_free(s->rows);
    tk_free(s->trows);
    s->rows = r;
    s->caprows = s->nrows;
    s->trows = tr;
    s->captrows = s->ntrows;
    r = NULL;
    tr = NULL;
done:
    tk_free(cnt);
    tk_free(has);
    tk_free(r);
    tk_free(tr);
    return rc;
}

/* The place of user id among the set's users by name, or UINT32_MAX. */
static uint32_t user_rank(const tk_userday *s, uint32_t user)
{
    return user < s->nurank ? s->urank[user] : UINT32_MAX;
}

struct peerkey {
    int64_t day;
    uint32_t dept, user; /* user: the user's rank by name */
    size_t idx;
};

static int cmp_peer(const void *a, const void *b)
{
    const struct peerkey *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->dept != y->dept)
        return x->dept < y->dept ? -1 : 1;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    return 0;
}

static void total_add(tk_userday_total *t, const tk_userday_row *r, double *num, double *den)
{
    if (t->days == 0) {
        memcpy(t->f, r->f, sizeof t->f);
        memcpy(t->hist, r->hist, sizeof t->hist);
    } else {
        for (size_t f = 0; f < TK_USERDAY_NFEAT; f++) {
            const double v = r->f[f];
            switch (user_info[f].agg) {
            case TK_USERDAY_AGG_MAX:
                if (v > t->f[f])
                    t->f[f] = v;
                break;
            case TK_USERDAY_AGG_MIN:
                if (v < t->f[f])
                    t->f[f] = v;
                break;
            default:
                t->f[f] += v;
                break;
            }
        }
        for (size_t h = 0; h < TK_USERDAY_HOURS; h++)
            t->hist[h] += r->hist[h];
    }
    *num += r->f[TK_USERDAY_LOOKUP_ONLY_RESIDENTS];
    *den += r->f[TK_USERDAY_LOOKUP_RESIDENTS];
    t->days++;
    t->closed_days += r->closed ? 1u : 0u;
    t->dept = r->dept;
}

/* Sorts the rows and builds the peer index and the totals. */
static int finish_set(tk_userday *s, tk_error *err)
{
    int rc = sort_rows(s, err);
    if (rc != TK_OK)
        return rc;
    if (s->nrows > 0) {
        struct peerkey *k = tk_alloc(s->nrows * sizeof *k);
        s->peer = tk_alloc(s->nrows * sizeof *s->peer);
        if (k == NULL || s->peer == NULL) {
            tk_free(k);
            return tk_error_set(err, TK_ENOMEM, "out of memory indexing peer groups");
        }
        for (size_t i = 0; i < s->nrows; i++)
            k[i] =
                (struct peerkey){s->rows[i].day, s->rows[i].dept, user_rank(s, s->rows[i].user), i};
        qsort(k, s->nrows, sizeof *k, cmp_peer);
        for (size_t i = 0; i < s->nrows; i++)
            s->peer[i] = k[i].idx;
        tk_free(k);
    }
    size_t nusers = 0;
    for (size_t i = 0; i < s->nrows; i++)
        if (i == 0 || s->rows[i].user != s->rows[i - 1].user)
            nusers++;
    if (nusers > 0) {
        s->totals = tk_calloc(nusers, sizeof *s->totals);
        if (s->totals == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory computing period totals");
    }
    double num = 0, den = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        if (i == 0 || s->rows[i].user != s->rows[i - 1].user) {
            num = den = 0;
            s->totals[s->ntotals++].user = s->rows[i].user;
        }
        tk_userday_total *t = &s->totals[s->ntotals - 1];
        total_add(t, &s->rows[i], &num, &den);
        t->f[TK_USERDAY_LOOKUP_ONLY_SHARE] = den > 0 ? num / den : 0.0;
    }
    return TK_OK;
}

/* ---- accessors -------------------------------------------------------------- */

int64_t tk_userday_first_day(const tk_userday *s)
{
    return s->first_day;
}

int64_t tk_userday_last_day(const tk_userday *s)
{
    return s->last_day;
}

int64_t tk_userday_day_events(const tk_userday *s, int64_t day)
{
    if (day < s->first_day || day > s->last_day)
        return 0;
    return s->day_events[day - s->first_day];
}

int64_t tk_userday_system_events(const tk_userday *s, uint32_t system, int64_t day)
{
    if (day < s->first_day || day > s->last_day || system >= s->nsystems)
        return 0;
    return s->sys_events[(size_t)(day - s->first_day) * s->nsystems + system];
}

size_t tk_userday_system_count(const tk_userday *s)
{
    return s->nsystems;
}

const char *tk_userday_system_name(const tk_userday *s, uint32_t system)
{
    return system < s->capsystems ? s->systems[system] : NULL;
}

const tk_userday_row *tk_userday_rows(const tk_userday *s, size_t *n)
{
    *n = s->nrows;
    return s->rows;
}

const tk_userday_term_row *tk_userday_term_rows(const tk_userday *s, size_t *n)
{
    *n = s->ntrows;
    return s->trows;
}

const tk_userday_total *tk_userday_totals(const tk_userday *s, size_t *n)
{
    *n = s->ntotals;
    return s->totals;
}

/* First row index with (user's rank, day) >= (u's rank, d). */
static size_t lower_row(const tk_userday *s, uint32_t u, int64_t d)
{
    const uint32_t ur = user_rank(s, u);
    size_t lo = 0, hi = s->nrows;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const tk_userday_row *r = &s->rows[mid];
        const uint32_t rr = user_rank(s, r->user);
        if (rr < ur || (rr == ur && r->day < d))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t tk_userday_user_rows(const tk_userday *s, uint32_t user, size_t *first)
{
    const size_t a = lower_row(s, user, INT64_MIN);
    size_t b = a;
    while (b < s->nrows && s->rows[b].user == user)
        b++;
    *first = a;
    return b - a;
}

const tk_userday_row *tk_userday_find(const tk_userday *s, uint32_t user, int64_t day)
{
    const size_t i = lower_row(s, user, day);
    if (i < s->nrows && s->rows[i].user == user && s->rows[i].day == day)
        return &s->rows[i];
    return NULL;
}

/* First peer-index position with (day, dept) >= (d, g). */
static size_t lower_peer(const tk_userday *s, int64_t d, uint32_t g)
{
    size_t lo = 0, hi = s->nrows;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const tk_userday_row *r = &s->rows[s->peer[mid]];
        if (r->day < d || (r->day == d && r->dept < g))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t tk_userday_peers(const tk_userday *s, int64_t day, uint32_t dept, const size_t **rows)
{
    *rows = NULL;
    if (s->nrows == 0)
        return 0;
    const size_t a = lower_peer(s, day, dept);
    size_t b = a;
    while (b < s->nrows && s->rows[s->peer[b]].day == day && s->rows[s->peer[b]].dept == dept)
        b++;
    if (b > a)
        *rows = &s->peer[a];
    return b - a;
}

size_t tk_userday_dept_count(const tk_userday *s)
{
    return s->ndepts;
}

const char *tk_userday_dept_name(const tk_userday *s, uint32_t dept)
{
    return dept < s->ndepts ? s->depts[dept] : NULL;
}

uint32_t tk_userday_dept_find(const tk_userday *s, const char *p, size_t len)
{
    for (size_t i = 0; i < s->ndepts; i++)
        if (s->depts[i] != NULL && strlen(s->depts[i]) == len && memcmp(s->depts[i], p, len) == 0)
            return (uint32_t)i;
    return TK_USERDAY_NO_DEPT;
}

const char *tk_userday_user_name(const tk_userday *s, uint32_t user)
{
    return user < s->nusers ? s->users[user] : NULL;
}

const char *tk_userday_term_name(const tk_userday *s, uint32_t terminal)
{
    return terminal < s->nterms ? s->terms[terminal] : NULL;
}

/* ---- the pass ------------------------------------------------------------- */

/* Subject flag bits within a run. */
enum { SF_LOOKED = 1, SF_PROCESSED = 2, SF_CROSS = 4, SF_WATCHED = 8 };

/* Watch-list state of a subject id, over the whole range. */
enum { W_UNKNOWN = 0, W_NEVER = 1, W_LISTED = 2 };

/* Authorisation state of a (所属, system) or of a system within a run. */
enum { A_KNOWN = 0x80, A_OK = 1, A_MYNUMBER = 8 };
#define A_LEVEL(s) (((s) >> 1) & 3)

struct slottab {
    tk_calendar_hours h; /* by value: a calendar row's hours are one day's */
    uint8_t slot[MINUTES_PER_DAY];
};

struct terminfo {
    int64_t day; /* the day the entry is for; INT64_MIN: none */
    uint32_t dept;
    uint8_t listed, registered, kind;
    uint8_t slots; /* index into the worker's slot tables */
    size_t row;    /* the terminal's row of the day in the worker's rows, or SIZE_MAX */
    uint32_t last_user, last_fail_user;
    uint32_t run; /* stamp: last run that used the terminal */
    uint8_t foreign;
};

struct session {
    uint32_t terminal;
    int64_t t0;
};

/* What every worker reads and nobody writes while they run (except the
 * per-day slots of the output arrays, each written by the one worker that
 * processes the day, and the day counter under the lock). */
typedef struct shared {
    const tk_mastersnap *ms;
    const tk_calendar *cal;
    int terminals;
    int64_t first_day, last_day;
    tk_store_names users, terms, systems, devices, subjects;
    const char **serial; /* by device id: the serial in devices.names, or NULL */
    size_t ndepts;
    int64_t *watch_days; /* days starting a new watch-list version in the range */
    size_t nwatch_days;
    tk_userday *set; /* day_events and sys_events are written per day */
    /* Per day of the range: which worker processed it and where its rows
     * start in that worker's arrays. */
    uint32_t *day_worker;
    size_t *day_row, *day_nrow, *day_trow, *day_ntrow;
    /* Dynamic scheduling: the next day to hand out. */
    pthread_mutex_t lock;
    int threaded;
    int64_t next_day;
    int failed;
    void (*progress)(void *ctx, int64_t day, size_t events);
    void *progress_ctx;
    int (*on_day)(void *ctx, int64_t day, const tk_dayevent *rows, size_t n, tk_error *err);
    void *on_day_ctx;
    void (*on_stop)(void *ctx);
    /* The first worker failure: the pass's error, rather than a failure it
     * caused in workers released by on_stop. */
    int first_rc;
    tk_error first_err;
} shared;

typedef struct worker {
    shared *sh;
    uint32_t index;
    tk_db *db;     /* borrowed (the tenant's) or own_db */
    tk_db *own_db; /* a worker thread's own read-only connection */
    pthread_t thread;
    int started;
    int rc;
    tk_error err;

    /* output, day-major */
    tk_userday_row *rows;
    size_t nrows, caprows;
    tk_userday_term_row *trows;
    size_t ntrows, captrows;

    /* per subject id */
    size_t capsubj;
    uint32_t *subj_stamp, *subj_events, *subj_sys, *subj_win;
    uint8_t *subj_flags, *subj_watch;
    /* per terminal id */
    size_t capterm;
    struct terminfo *term;
    /* per system id */
    size_t capsys;
    uint32_t *sys_stamp;
    uint8_t *sys_state;
    /* per device id */
    size_t capdev;
    int64_t *dev_day;
    uint8_t *dev_ok;
    /* (所属, system) authorisation of the current day */
    uint8_t *auth;
    size_t capauth, authsys;
    /* per-run scratch, as long as the largest day */
    size_t capscratch;
    uint32_t *touched;
    int64_t *fail_t;
    /* time-of-day slot tables */
    struct slottab *slots;
    size_t nslots;
    uint32_t run;
} worker;

static void worker_dispose(worker *w)
{
    tk_db_close(w->own_db);
    tk_free(w->rows);
    tk_free(w->trows);
    tk_free(w->subj_stamp);
    tk_free(w->subj_events);
    tk_free(w->subj_sys);
    tk_free(w->subj_win);
    tk_free(w->subj_flags);
    tk_free(w->subj_watch);
    tk_free(w->term);
    tk_free(w->sys_stamp);
    tk_free(w->sys_state);
    tk_free(w->dev_day);
    tk_free(w->dev_ok);
    tk_free(w->auth);
    tk_free(w->touched);
    tk_free(w->fail_t);
    tk_free(w->slots);
}

static void shared_dispose(shared *sh)
{
    tk_store_names_dispose(&sh->users);
    tk_store_names_dispose(&sh->terms);
    tk_store_names_dispose(&sh->systems);
    tk_store_names_dispose(&sh->devices);
    tk_store_names_dispose(&sh->subjects);
    tk_free(sh->serial);
    tk_free(sh->watch_days);
    tk_free(sh->day_worker);
    tk_free(sh->day_row);
    tk_free(sh->day_nrow);
    tk_free(sh->day_trow);
    tk_free(sh->day_ntrow);
}

/* Grows each per-id family of w to hold ids up to the given maxima. */
static int ensure_ids(worker *w, size_t subj, size_t term, size_t sys, size_t dev, tk_error *err)
{
    size_t c;
    int rc;
    if (subj >= w->capsubj) {
        if (!next_cap(w->capsubj, subj + 1, &c))
            return tk_error_set(err, TK_ENOMEM, "feature arrays too large");
        void *a[6] = {w->subj_stamp, w->subj_events, w->subj_sys,
                      w->subj_win,   w->subj_flags,  w->subj_watch};
        static const size_t el[6] = {4, 4, 4, 4, 1, 1};
        rc = TK_OK;
        for (size_t i = 0; i < 6 && rc == TK_OK; i++)
            rc = resize(&a[i], el[i], w->capsubj, c, err);
        w->subj_stamp = a[0];
        w->subj_events = a[1];
        w->subj_sys = a[2];
        w->subj_win = a[3];
        w->subj_flags = a[4];
        w->subj_watch = a[5];
        if (rc != TK_OK)
            return rc;
        w->capsubj = c;
    }
    if (term >= w->capterm) {
        void *a = w->term;
        const size_t old = w->capterm;
        if ((rc = grow(&a, sizeof *w->term, &w->capterm, term + 1, err)) != TK_OK)
            return rc;
        w->term = a;
        for (size_t i = old; i < w->capterm; i++)
            w->term[i].day = INT64_MIN;
    }
    if (sys >= w->capsys) {
        if (!next_cap(w->capsys, sys + 1, &c))
            return tk_error_set(err, TK_ENOMEM, "feature arrays too large");
        void *a = w->sys_stamp, *b = w->sys_state;
        rc = resize(&a, sizeof(uint32_t), w->capsys, c, err);
        w->sys_stamp = a;
        if (rc == TK_OK)
            rc = resize(&b, 1, w->capsys, c, err);
        w->sys_state = b;
        if (rc != TK_OK)
            return rc;
        w->capsys = c;
    }
    if (dev >= w->capdev) {
        if (!next_cap(w->capdev, dev + 1, &c))
            return tk_error_set(err, TK_ENOMEM, "feature arrays too large");
        void *a = w->dev_day, *b = w->dev_ok;
        rc = resize(&a, sizeof(int64_t), w->capdev, c, err);
        w->dev_day = a;
        if (rc == TK_OK)
            rc = resize(&b, 1, w->capdev, c, err);
        w->dev_ok = b;
        if (rc != TK_OK)
            return rc;
        for (size_t i = w->capdev; i < c; i++)
            w->dev_day[i] = INT64_MIN;
        w->capdev = c;
    }
    return TK_OK;
}

/* The slot table of hours h (built on first use). Returns its index, or
 * 0 (the default hours' table) when MAX_SLOT_TABLES distinct hours are in
 * use: a tenant has a handful. */
static uint8_t slot_table(worker *w, const tk_calendar_hours *h)
{
    for (size_t i = 0; i < w->nslots; i++)
        if (w->slots[i].h.start_min == h->start_min && w->slots[i].h.end_min == h->end_min &&
            w->slots[i].h.lunch_start_min == h->lunch_start_min &&
            w->slots[i].h.lunch_end_min == h->lunch_end_min)
            return (uint8_t)i;
    if (w->nslots == MAX_SLOT_TABLES)
        return 0;
    struct slottab *st = &w->slots[w->nslots];
    st->h = *h;
    /* Any day will do: a slot depends only on the time of day. */
    const int64_t base = tk_dayevents_day_start(20000);
    for (int m = 0; m < MINUTES_PER_DAY; m++)
        st->slot[m] = (uint8_t)tk_calendar_slot(w->sh->cal, h, base + (int64_t)m * 60000);
    return (uint8_t)w->nslots++;
}

static const char *name_of(const tk_store_names *n, uint32_t id)
{
    return id < n->n ? n->names[id] : NULL;
}

static int is_terminal_op(int op)
{
    return op >= TK_OP_LOGON && op <= TK_OP_DEVICE_DISCONNECT;
}

/* Operations the time-of-day features count (see the file comment). */
static int is_activity(int op)
{
    return !(op == TK_OP_LOGON || op == TK_OP_LOGOFF || op == TK_OP_LOGON_FAILURE ||
             op == TK_OP_DEVICE_DISCONNECT);
}

static int is_processing(int op)
{
    return op == TK_OP_ADD || op == TK_OP_UPDATE || op == TK_OP_DELETE || op == TK_OP_ISSUE;
}

/* The terminal's master-data answer for day, cached per terminal-day. */
static struct terminfo *term_info_of(worker *w, uint32_t tid, int64_t day)
{
    struct terminfo *ti = &w->term[tid];
    if (ti->day == day)
        return ti;
    const shared *sh = w->sh;
    const char *name = name_of(&sh->terms, tid);
    tk_mastersnap_terminal mt;
    memset(&mt, 0, sizeof mt);
    mt.dept_id = TK_MASTERSNAP_NO_DEPT;
    if (name != NULL && tk_mastersnap_find_terminal(sh->ms, name, strlen(name), day, &mt) != 1) {
        memset(&mt, 0, sizeof mt);
        mt.dept_id = TK_MASTERSNAP_NO_DEPT;
    }
    ti->day = day;
    ti->listed = (uint8_t)(mt.listed != 0);
    ti->registered = (uint8_t)(mt.registered != 0);
    ti->kind = (uint8_t)mt.kind;
    ti->dept = mt.dept_id == TK_MASTERSNAP_NO_DEPT ? TK_USERDAY_NO_DEPT : (uint32_t)mt.dept_id;
    const char *dn = mt.dept_id == TK_MASTERSNAP_NO_DEPT ? NULL : mt.dept;
    ti->slots = slot_table(w, tk_calendar_hours_for(sh->cal, dn, dn ? strlen(dn) : 0));
    ti->row = SIZE_MAX;
    ti->last_user = ti->last_fail_user = UINT32_MAX;
    return ti;
}

/* The terminal's row of day, appended on first use. NULL on ENOMEM. */
static tk_userday_term_row *term_row(worker *w, struct terminfo *ti, uint32_t tid, int closed,
                                     tk_error *err)
{
    if (ti->row == SIZE_MAX) {
        void *v = w->trows;
        if (grow(&v, sizeof *w->trows, &w->captrows, w->ntrows + 1, err) != TK_OK)
            return NULL;
        w->trows = v;
        tk_userday_term_row *r = &w->trows[w->ntrows];
        memset(r, 0, sizeof *r);
        r->terminal = tid;
        r->dept = ti->dept;
        r->day = ti->day;
        r->listed = ti->listed;
        r->registered = ti->registered;
        r->kind = ti->kind;
        r->closed = closed;
        ti->row = w->ntrows++;
    }
    return &w->trows[ti->row];
}

/* 1 if device id dev is an approved medium on day. No device, or a device
 * without a serial, is not approved. */
static int device_ok(worker *w, uint32_t dev, int64_t day)
{
    if (dev == 0)
        return 0;
    if (w->dev_day[dev] != day) {
        const shared *sh = w->sh;
        const char *serial = dev < sh->devices.n ? sh->serial[dev] : NULL;
        w->dev_day[dev] = day;
        w->dev_ok[dev] =
            (uint8_t)(serial != NULL && *serial != '\0' &&
                      tk_mastersnap_check_media(sh->ms, serial, strlen(serial), day, NULL) == 1);
    }
    return w->dev_ok[dev];
}

/* Whether subject sid is on any watch-list version of the range; asked
 * once per subject id (and worker). */
static int watch_listed(worker *w, uint32_t sid)
{
    if (w->subj_watch[sid] == W_UNKNOWN) {
        const shared *sh = w->sh;
        const uint8_t *ps = sid < sh->subjects.n ? (const uint8_t *)sh->subjects.names[sid] : NULL;
        uint8_t st = W_NEVER;
        for (size_t i = 0; ps != NULL && i < sh->nwatch_days && st == W_NEVER; i++) {
            tk_mastersnap_watch wa;
            (void)tk_mastersnap_check_watch(sh->ms, ps, sh->watch_days[i], NULL, 0, &wa);
            if (wa.nentries > 0)
                st = W_LISTED;
        }
        w->subj_watch[sid] = st;
    }
    return w->subj_watch[sid] == W_LISTED;
}

/* Authorisation of (dept, system) on the current day, cached. */
static uint8_t auth_of(worker *w, uint32_t dept, const char *dname, uint32_t sys, int64_t day)
{
    const shared *sh = w->sh;
    const size_t g = dept == TK_USERDAY_NO_DEPT ? sh->ndepts : dept;
    uint8_t *a = &w->auth[g * w->authsys + sys];
    if (*a == 0) {
        const char *sn = name_of(&sh->systems, sys);
        tk_mastersnap_auth au;
        uint8_t st = A_KNOWN;
        if (dname != NULL && sn != NULL &&
            tk_mastersnap_check_auth(sh->ms, dname, strlen(dname), sn, strlen(sn), NULL, 0, day,
                                     &au) == 1)
            st = (uint8_t)(st | A_OK | (au.level << 1) | (au.mynumber ? A_MYNUMBER : 0));
        *a = st;
    }
    return *a;
}

/* What one user-day needs to know about its user. */
struct who {
    const char *staff; /* 職員ID for master questions, or NULL: unknown user */
    size_t staff_len;
    uint32_t dept;
    const char *dname; /* 所属 name, or NULL */
    const uint8_t *slots;
};

/* State of system sys for this user-day: the 所属's authorisation, or a
 * 兼務 covering it, with the strongest level the 兼務先所属 holds (a 兼務
 * row naming the system itself counts as full use). */
static uint8_t system_state(worker *w, const struct who *u, uint32_t sys, int64_t day)
{
    const shared *sh = w->sh;
    const uint8_t st = auth_of(w, u->dept, u->dname, sys, day);
    if ((st & A_OK) || u->staff == NULL)
        return st;
    const char *sn = name_of(&sh->systems, sys);
    if (sn == NULL ||
        !tk_mastersnap_is_assigned(sh->ms, u->staff, u->staff_len, NULL, 0, sn, strlen(sn), day))
        return st;
    const tk_mastersnap_assignment *as = NULL;
    const size_t na = tk_mastersnap_assignments(sh->ms, u->staff, u->staff_len, day, &as);
    int level = TK_MASTERSNAP_LEVEL_NONE, mynum = 0;
    for (size_t i = 0; i < na; i++) {
        tk_mastersnap_auth au;
        if (day < as[i].from || day > as[i].to || as[i].dept == NULL)
            continue;
        if (tk_mastersnap_check_auth(sh->ms, as[i].dept, strlen(as[i].dept), sn, strlen(sn), NULL,
                                     0, day, &au) == 1) {
            if (au.level > level)
                level = au.level;
            mynum |= au.mynumber != 0;
        }
    }
    if (level == TK_MASTERSNAP_LEVEL_NONE)
        level = TK_MASTERSNAP_LEVEL_ALL;
    return (uint8_t)(A_KNOWN | A_OK | (level << 1) | (mynum ? A_MYNUMBER : 0));
}

static int process_user(worker *w, int64_t day, const tk_calendar_day *dk, const tk_dayevent *ev,
                        size_t n, tk_error *err)
{
    const shared *sh = w->sh;
    void *v = w->rows;
    int rc = grow(&v, sizeof *w->rows, &w->caprows, w->nrows + 1, err);
    if (rc != TK_OK)
        return rc;
    w->rows = v;
    tk_userday_row *row = &w->rows[w->nrows++];
    memset(row, 0, sizeof *row);
    const uint32_t uid = ev[0].user;
    row->user = uid;
    row->day = day;
    row->tenure_days = -1;

    /* The user's staff record, 所属 and hours on the day. */
    struct who u = {NULL, 0, TK_USERDAY_NO_DEPT, NULL, NULL};
    const char *uname = name_of(&sh->users, uid);
    tk_mastersnap_staff st;
    if (uname != NULL && tk_mastersnap_find_staff(sh->ms, uname, strlen(uname), day, &st) == 1) {
        row->status = st.status;
        u.staff = st.staff_id;
        u.staff_len = strlen(st.staff_id);
        if (st.dept_id != TK_MASTERSNAP_NO_DEPT) {
            u.dept = (uint32_t)st.dept_id;
            u.dname = st.dept;
        }
        if (st.hired_on != TK_MASTERSNAP_NO_DAY && day >= st.hired_on)
            row->tenure_days = day - st.hired_on;
    }
    row->dept = u.dept;
    /* The day as it is for the user's 所属: a calendar row naming it (a
     * 日曜窓口) opens or closes the day for it alone and may give hours. */
    const size_t dlen = u.dname ? strlen(u.dname) : 0;
    tk_calendar_dept_day dd;
    tk_calendar_dept_day_kind(sh->cal, day, u.dname, dlen, &dd);
    const int closed = !dd.open;
    row->closed = closed;
    row->day_kind = !dd.scoped ? dk->reason
                    : dd.open  ? TK_CALENDAR_DAY_CITY_OPEN
                               : TK_CALENDAR_DAY_CITY_CLOSED;
    u.slots = w->slots[slot_table(w, dd.hours)].slot;

    if (++w->run == 0) { /* stamps wrapped: forget them all */
        memset(w->subj_stamp, 0, w->capsubj * sizeof *w->subj_stamp);
        memset(w->sys_stamp, 0, w->capsys * sizeof *w->sys_stamp);
        for (size_t i = 0; i < w->capterm; i++)
            w->term[i].run = 0;
        w->run = 1;
    }
    const uint32_t run = w->run;
    double *f = row->f;
    size_t ntouched = 0, nfail = 0, fl = 0, wl = 0, nopen = 0;
    uint32_t windistinct = 0;
    int ot_minute = -1, ot_val = 0;
    struct session open[MAX_SESSIONS];

    for (size_t k = 0; k < n; k++) {
        const tk_dayevent *e = &ev[k];
        const int op = e->op;
        const int minute =
            e->minute < 0 ? 0 : (e->minute >= MINUTES_PER_DAY ? MINUTES_PER_DAY - 1 : e->minute);
        const int fail =
            op == TK_OP_LOGON_FAILURE || (op == TK_OP_LOGON && e->result == TK_RESULT_FAILURE);
        const int logon = op == TK_OP_LOGON && !fail;
        const int media = op == TK_OP_MEDIA_COPY || op == TK_OP_MEDIA_MOVE;
        const int connect = op == TK_OP_DEVICE_CONNECT;
        const int activity = is_activity(op);
        const int unapproved = (media || connect) && !device_ok(w, e->device, day);
        const double bytes = media && e->bytes > 0 ? (double)e->bytes : 0.0;

        f[TK_USERDAY_EVENTS] += 1;
        f[TK_USERDAY_LOGONS] += logon;
        f[TK_USERDAY_LOGON_FAILURES] += fail;
        f[TK_USERDAY_MEDIA_COPIES] += media;
        f[TK_USERDAY_DEVICE_CONNECTS] += connect;
        f[TK_USERDAY_UNAPPROVED_MEDIA_EVENTS] += unapproved;
        f[TK_USERDAY_MEDIA_BYTES] += bytes;

        /* Terminal: the user's view and the terminal-day's. */
        if (e->terminal != 0) {
            struct terminfo *ti = term_info_of(w, e->terminal, day);
            if (ti->run != run) {
                ti->run = run;
                f[TK_USERDAY_DISTINCT_TERMINALS] += 1;
                ti->foreign = 0;
                if (ti->dept != TK_USERDAY_NO_DEPT && u.dept != TK_USERDAY_NO_DEPT &&
                    ti->dept != u.dept) {
                    const char *td = tk_mastersnap_dept_name(sh->ms, ti->dept);
                    ti->foreign =
                        (uint8_t) !(u.staff != NULL && td != NULL &&
                                    tk_mastersnap_is_assigned(sh->ms, u.staff, u.staff_len, td,
                                                              strlen(td), NULL, 0, day));
                }
            }
            f[TK_USERDAY_UNREGISTERED_TERMINAL_EVENTS] += !ti->registered;
            f[TK_USERDAY_FOREIGN_TERMINAL_EVENTS] += ti->foreign;
            if (sh->terminals) {
                tk_userday_term_row *tr = term_row(w, ti, e->terminal, closed, err);
                if (tr == NULL)
                    return TK_ENOMEM;
                double *tf = tr->f;
                tf[TK_USERDAY_TERM_EVENTS] += 1;
                tf[TK_USERDAY_TERM_BUSINESS_EVENTS] += !is_terminal_op(op);
                if (ti->last_user != uid) {
                    ti->last_user = uid;
                    tf[TK_USERDAY_TERM_DISTINCT_USERS] += 1;
                }
                tf[TK_USERDAY_TERM_LOGONS] += logon;
                if (fail) {
                    tf[TK_USERDAY_TERM_LOGON_FAILURES] += 1;
                    if (ti->last_fail_user != uid) {
                        ti->last_fail_user = uid;
                        tf[TK_USERDAY_TERM_FAILURE_USERS] += 1;
                    }
                }
                tf[TK_USERDAY_TERM_MEDIA_COPIES] += media;
                tf[TK_USERDAY_TERM_MEDIA_BYTES] += bytes;
                tf[TK_USERDAY_TERM_DEVICE_CONNECTS] += connect;
                tf[TK_USERDAY_TERM_UNAPPROVED_MEDIA_EVENTS] += unapproved;
                if (activity) {
                    const uint8_t ts = w->slots[ti->slots].slot[minute];
                    if (closed)
                        tf[TK_USERDAY_TERM_CLOSED_DAY_EVENTS] += 1;
                    else if (ts >= TK_CALENDAR_SLOT_EARLY)
                        tf[TK_USERDAY_TERM_AFTER_HOURS_EVENTS] += 1;
                    tf[TK_USERDAY_TERM_NIGHT_EVENTS] += ts == TK_CALENDAR_SLOT_NIGHT;
                }
            }
        }

        /* Time of day. */
        if (activity) {
            const uint8_t slot = u.slots[minute];
            row->hist[minute / 60] += 1;
            if (closed || slot >= TK_CALENDAR_SLOT_EARLY) {
                if (minute != ot_minute) {
                    ot_minute = minute;
                    ot_val = u.staff != NULL && tk_mastersnap_has_overtime(
                                                    sh->ms, u.staff, u.staff_len, day, minute) == 1;
                }
                if (closed) {
                    f[TK_USERDAY_CLOSED_DAY_EVENTS] += 1;
                    f[TK_USERDAY_CLOSED_DAY_UNAPPROVED] += !ot_val;
                } else {
                    f[TK_USERDAY_AFTER_HOURS_EVENTS] += 1;
                    f[TK_USERDAY_AFTER_HOURS_UNAPPROVED] += !ot_val;
                }
                if (slot == TK_CALENDAR_SLOT_NIGHT) {
                    f[TK_USERDAY_NIGHT_EVENTS] += 1;
                    f[TK_USERDAY_NIGHT_UNAPPROVED] += !ot_val;
                }
            }
        }

        if (is_terminal_op(op)) {
            if (fail) {
                w->fail_t[nfail++] = e->t;
                while (w->fail_t[fl] <= e->t - WINDOW_MS)
                    fl++;
                if ((double)(nfail - fl) > f[TK_USERDAY_MAX_FAILURES_10MIN])
                    f[TK_USERDAY_MAX_FAILURES_10MIN] = (double)(nfail - fl);
            } else if (logon) {
                size_t i = 0;
                while (i < nopen && open[i].terminal != e->terminal)
                    i++;
                if (i == nopen) {
                    f[TK_USERDAY_CONCURRENT_LOGONS] += nopen > 0;
                    if (nopen < MAX_SESSIONS)
                        open[nopen++] = (struct session){e->terminal, e->t};
                }
            } else if (op == TK_OP_LOGOFF) {
                for (size_t i = 0; i < nopen; i++) {
                    if (open[i].terminal != e->terminal)
                        continue;
                    const double len = (double)((e->t - open[i].t0) / 60000);
                    if (len > f[TK_USERDAY_LONGEST_SESSION_MINUTES])
                        f[TK_USERDAY_LONGEST_SESSION_MINUTES] = len;
                    open[i] = open[--nopen];
                    break;
                }
            }
            continue;
        }

        /* A business operation: first, was the user logged on to its
         * terminal (item 28)? */
        if (e->terminal != 0) {
            size_t i = 0;
            while (i < nopen && open[i].terminal != e->terminal)
                i++;
            if (i == nopen) {
                f[TK_USERDAY_NO_SESSION_EVENTS] += 1;
                if (sh->terminals)
                    w->trows[w->term[e->terminal].row].f[TK_USERDAY_TERM_NO_SESSION_EVENTS] += 1;
            }
        }
        f[TK_USERDAY_BUSINESS_EVENTS] += 1;
        switch (op) {
        case TK_OP_LOOKUP:
        case TK_OP_SEARCH:
            f[TK_USERDAY_LOOKUPS] += 1;
            break;
        case TK_OP_ADD:
        case TK_OP_UPDATE:
        case TK_OP_DELETE:
            f[TK_USERDAY_UPDATES] += 1;
            break;
        case TK_OP_PRINT:
            f[TK_USERDAY_PRINTS] += 1;
            break;
        case TK_OP_EXPORT:
        case TK_OP_EXTRACT:
            f[TK_USERDAY_EXPORTS] += 1;
            break;
        case TK_OP_ISSUE:
            f[TK_USERDAY_ISSUES] += 1;
            break;
        default:
            break;
        }
        f[TK_USERDAY_FAILED_OPERATIONS] += e->result == TK_RESULT_FAILURE;
        if (op == TK_OP_PRINT || op == TK_OP_EXPORT || op == TK_OP_EXTRACT) {
            const double c = e->count >= 0 ? (double)e->count : 1.0;
            f[TK_USERDAY_OUTPUT_RECORDS] += c;
            if (c > f[TK_USERDAY_MAX_OUTPUT_RECORDS])
                f[TK_USERDAY_MAX_OUTPUT_RECORDS] = c;
        }
        const int lookup = op == TK_OP_LOOKUP || op == TK_OP_SEARCH;
        const int processing = is_processing(op);
        f[TK_USERDAY_MYNUMBER_SHOWN] += e->mynumber == 1;

        const uint32_t y = e->system;
        if (y != 0) {
            if (w->sys_stamp[y] != run) {
                w->sys_stamp[y] = run;
                w->sys_state[y] = system_state(w, &u, y, day);
                f[TK_USERDAY_DISTINCT_SYSTEMS] += 1;
                f[TK_USERDAY_UNAUTHORIZED_SYSTEMS] += !(w->sys_state[y] & A_OK);
            }
            const uint8_t ss = w->sys_state[y];
            f[TK_USERDAY_UNAUTHORIZED_EVENTS] += !(ss & A_OK);
            f[TK_USERDAY_MYNUMBER_UNENTITLED] += e->mynumber == 1 && !(ss & A_MYNUMBER);
            f[TK_USERDAY_OVER_LEVEL_EVENTS] +=
                processing && (ss & A_OK) && A_LEVEL(ss) == TK_MASTERSNAP_LEVEL_LOOKUP;
        }

        const uint32_t sid = e->subject;
        if (sid == 0)
            continue;
        if (w->subj_stamp[sid] != run) {
            w->subj_stamp[sid] = run;
            w->subj_events[sid] = 0;
            w->subj_flags[sid] = 0;
            w->subj_win[sid] = 0;
            w->touched[ntouched++] = sid;
            f[TK_USERDAY_DISTINCT_RESIDENTS] += 1;
        }
        w->subj_events[sid]++;
        uint8_t sf = w->subj_flags[sid];
        if (lookup) {
            if (!(sf & SF_LOOKED)) {
                sf |= SF_LOOKED;
                w->subj_sys[sid] = y;
                f[TK_USERDAY_LOOKUP_RESIDENTS] += 1;
            } else if (w->subj_sys[sid] != y && !(sf & SF_CROSS)) {
                sf |= SF_CROSS;
                f[TK_USERDAY_CROSS_SYSTEM_RESIDENTS] += 1;
            }
        }
        if (processing)
            sf |= SF_PROCESSED;
        if (watch_listed(w, sid)) {
            tk_mastersnap_watch wa;
            const uint8_t *ps = (const uint8_t *)sh->subjects.names[sid];
            (void)tk_mastersnap_check_watch(sh->ms, ps, day, u.dname, dlen, &wa);
            const unsigned bad = wa.categories & ~wa.allowed;
            if (bad & (TK_MASTERSNAP_WATCH_CELEBRITY | TK_MASTERSNAP_WATCH_STAFF)) {
                f[TK_USERDAY_WATCH_EVENTS] += 1;
                if (!(sf & SF_WATCHED)) {
                    sf |= SF_WATCHED;
                    f[TK_USERDAY_WATCH_RESIDENTS] += 1;
                }
            }
            f[TK_USERDAY_PROTECTED_EVENTS] += (bad & TK_MASTERSNAP_WATCH_PROTECTED) != 0;
            f[TK_USERDAY_PROTECTED_ISSUES] +=
                op == TK_OP_ISSUE && (wa.categories & TK_MASTERSNAP_WATCH_PROTECTED) != 0;
        }
        w->subj_flags[sid] = sf;

        /* 10-minute window of residents: drop what is 10 minutes old. */
        for (; wl < k && ev[wl].t <= e->t - WINDOW_MS; wl++)
            if (ev[wl].subject != 0 && !is_terminal_op(ev[wl].op) &&
                --w->subj_win[ev[wl].subject] == 0)
                windistinct--;
        if (w->subj_win[sid]++ == 0)
            windistinct++;
        if ((double)windistinct > f[TK_USERDAY_MAX_RESIDENTS_10MIN])
            f[TK_USERDAY_MAX_RESIDENTS_10MIN] = (double)windistinct;
    }

    /* Sessions still open end at the user's last event. */
    for (size_t i = 0; i < nopen; i++) {
        const double len = (double)((ev[n - 1].t - open[i].t0) / 60000);
        if (len > f[TK_USERDAY_LONGEST_SESSION_MINUTES])
            f[TK_USERDAY_LONGEST_SESSION_MINUTES] = len;
    }
    for (size_t i = 0; i < ntouched; i++) {
        const uint32_t sid = w->touched[i];
        const uint8_t sf = w->subj_flags[sid];
        if ((double)w->subj_events[sid] > f[TK_USERDAY_TOP_RESIDENT_EVENTS])
            f[TK_USERDAY_TOP_RESIDENT_EVENTS] = (double)w->subj_events[sid];
        f[TK_USERDAY_LOOKUP_ONLY_RESIDENTS] += (sf & SF_LOOKED) && !(sf & SF_PROCESSED);
    }
    f[TK_USERDAY_LOOKUP_ONLY_SHARE] =
        f[TK_USERDAY_LOOKUP_RESIDENTS] > 0
            ? f[TK_USERDAY_LOOKUP_ONLY_RESIDENTS] / f[TK_USERDAY_LOOKUP_RESIDENTS]
            : 0.0;
    f[TK_USERDAY_FIRST_MINUTE] = ev[0].minute;
    f[TK_USERDAY_LAST_MINUTE] = ev[n - 1].minute;
    return TK_OK;
}

static int process_day(worker *w, int64_t day, const tk_dayevent *ev, size_t n, tk_error *err)
{
    shared *sh = w->sh;
    tk_userday *s = sh->set;
    const size_t di = (size_t)(day - sh->first_day);
    int64_t *sysev = &s->sys_events[di * s->nsystems];
    tk_calendar_day dk;
    size_t ms = 0, mt = 0, my = 0, md = 0;
    int rc;

    for (size_t i = 0; i < n; i++) {
        if (ev[i].subject > ms)
            ms = ev[i].subject;
        if (ev[i].terminal > mt)
            mt = ev[i].terminal;
        if (ev[i].system > my)
            my = ev[i].system;
        if (ev[i].device > md)
            md = ev[i].device;
        if (ev[i].system < s->nsystems)
            sysev[ev[i].system]++;
    }
    rc = ensure_ids(w, ms, mt, my, md, err);
    if (rc != TK_OK)
        return rc;
    if (n > w->capscratch) {
        size_t c;
        if (!next_cap(w->capscratch, n, &c))
            return tk_error_set(err, TK_ENOMEM, "too many events in one day");
        void *a = w->touched, *b = w->fail_t;
        rc = resize(&a, sizeof *w->touched, w->capscratch, c, err);
        w->touched = a;
        if (rc == TK_OK)
            rc = resize(&b, sizeof *w->fail_t, w->capscratch, c, err);
        w->fail_t = b;
        if (rc != TK_OK)
            return rc;
        w->capscratch = c;
    }
    /* The day's (所属, system) authorisation table: one row per 所属 and
     * one for "no 所属", one column per system id. */
    size_t need;
    if (!tk_mul_size(sh->ndepts + 1, w->capsys, &need))
        return tk_error_set(err, TK_ENOMEM, "too many systems");
    if (need > w->capauth || w->authsys != w->capsys) {
        tk_free(w->auth);
        w->auth = tk_calloc(need, 1);
        if (w->auth == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory in the feature pass");
        w->capauth = need;
        w->authsys = w->capsys;
    } else {
        memset(w->auth, 0, w->capauth);
    }

    tk_calendar_day_kind(sh->cal, day, &dk);
    sh->day_worker[di] = w->index;
    sh->day_row[di] = w->nrows;
    sh->day_trow[di] = w->ntrows;
    for (size_t i = 0, j; i < n; i = j) {
        j = i + 1;
        while (j < n && ev[j].user == ev[i].user)
            j++;
        rc = process_user(w, day, &dk, ev + i, j - i, err);
        if (rc != TK_OK)
            return rc;
    }
    sh->day_nrow[di] = w->nrows - sh->day_row[di];
    sh->day_ntrow[di] = w->ntrows - sh->day_trow[di];
    s->day_events[di] = (int64_t)n;
    return TK_OK;
}

/* Hands out the next day, or returns 0 when none is left (or a worker
 * failed). */
static int next_day(shared *sh, int64_t *day)
{
    int more;
    if (sh->threaded)
        pthread_mutex_lock(&sh->lock);
    more = !sh->failed && sh->next_day <= sh->last_day;
    if (more)
        *day = sh->next_day++;
    if (sh->threaded)
        pthread_mutex_unlock(&sh->lock);
    return more;
}

/* Reports day done, or (rc != TK_OK, error e) a failure of the worker. */
static void report_day(shared *sh, int64_t day, size_t n, int rc, const tk_error *e)
{
    if (sh->threaded)
        pthread_mutex_lock(&sh->lock);
    if (rc != TK_OK) {
        if (!sh->failed) {
            sh->first_rc = rc;
            if (e != NULL)
                sh->first_err = *e;
            /* Workers blocked in on_day may wait for days no worker will
             * now hand over: release them, once. */
            if (sh->on_stop != NULL)
                sh->on_stop(sh->on_day_ctx);
        }
        sh->failed = 1;
    } else if (sh->progress != NULL) {
        sh->progress(sh->progress_ctx, day, n);
    }
    if (sh->threaded)
        pthread_mutex_unlock(&sh->lock);
}

static int worker_run(worker *w, tk_error *err)
{
    tk_dayevents *de = NULL;
    int64_t day;
    int rc;

    w->slots = tk_calloc(MAX_SLOT_TABLES, sizeof *w->slots);
    if (w->slots == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory in the feature pass");
        goto done;
    }
    /* Table 0: the default hours. */
    (void)slot_table(w, tk_calendar_hours_for(w->sh->cal, NULL, 0));
    rc = ensure_ids(w, w->sh->subjects.n, w->sh->terms.n, w->sh->systems.n, w->sh->devices.n, err);
    if (rc == TK_OK)
        rc = tk_dayevents_create(&de, w->db, err);
    while (rc == TK_OK && next_day(w->sh, &day)) {
        rc = tk_dayevents_load(de, day, err);
        if (rc == TK_OK)
            rc = process_day(w, day, tk_dayevents_rows(de), tk_dayevents_count(de), err);
        if (rc == TK_OK && w->sh->on_day != NULL)
            rc = w->sh->on_day(w->sh->on_day_ctx, day, tk_dayevents_rows(de),
                               tk_dayevents_count(de), err);
        report_day(w->sh, day, tk_dayevents_count(de), rc, err);
    }
done:
    if (rc != TK_OK)
        report_day(w->sh, 0, 0, rc, err);
    tk_dayevents_destroy(de);
    return rc;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    w->rc = worker_run(w, &w->err);
    return NULL;
}

/* Loads the dictionaries and what every worker shares. */
static int prepare_shared(shared *sh, tk_tenant *t, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    tk_userday *s = sh->set;
    int rc;
    if ((rc = tk_store_names_load(db, TK_STORE_USERS, &sh->users, err)) != TK_OK ||
        (rc = tk_store_names_load(db, TK_STORE_TERMINALS, &sh->terms, err)) != TK_OK ||
        (rc = tk_store_names_load(db, TK_STORE_SYSTEMS, &sh->systems, err)) != TK_OK ||
        (rc = tk_store_names_load(db, TK_STORE_DEVICES, &sh->devices, err)) != TK_OK ||
        (rc = tk_store_subjects_load(db, &sh->subjects, err)) != TK_OK)
        return rc;
    /* Devices are named "name<TAB>serial". */
    sh->serial = tk_calloc(sh->devices.n + 1, sizeof *sh->serial);
    if (sh->serial == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory in the feature pass");
    for (size_t i = 0; i < sh->devices.n; i++) {
        const char *nm = sh->devices.names[i];
        const char *tab = nm ? strrchr(nm, '\t') : NULL;
        sh->serial[i] = tab ? tab + 1 : NULL;
    }
    sh->ndepts = tk_mastersnap_dept_count(sh->ms);
    if (sh->ndepts >= TK_USERDAY_NO_DEPT)
        return tk_error_set(err, TK_ERANGE, "too many 所属");
    const size_t ndays = (size_t)(sh->last_day - sh->first_day + 1);
    sh->watch_days = tk_calloc(ndays, sizeof *sh->watch_days);
    sh->day_worker = tk_calloc(ndays, sizeof *sh->day_worker);
    sh->day_row = tk_calloc(ndays, sizeof *sh->day_row);
    sh->day_nrow = tk_calloc(ndays, sizeof *sh->day_nrow);
    sh->day_trow = tk_calloc(ndays, sizeof *sh->day_trow);
    sh->day_ntrow = tk_calloc(ndays, sizeof *sh->day_ntrow);
    s->nsystems = sh->systems.n ? sh->systems.n : 1;
    size_t cells;
    if (!tk_mul_size(ndays, s->nsystems, &cells))
        return tk_error_set(err, TK_ENOMEM, "too many systems");
    s->sys_events = tk_calloc(cells, sizeof *s->sys_events);
    if (sh->watch_days == NULL || sh->day_worker == NULL || sh->day_row == NULL ||
        sh->day_nrow == NULL || sh->day_trow == NULL || sh->day_ntrow == NULL ||
        s->sys_events == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory in the feature pass");
    int64_t prev = -1;
    for (int64_t d = sh->first_day; d <= sh->last_day; d++) {
        const int64_t v = tk_mastersnap_version(sh->ms, "watchlist", d);
        if (d == sh->first_day || v != prev)
            sh->watch_days[sh->nwatch_days++] = d;
        prev = v;
    }
    for (size_t i = 1; i < sh->systems.n && rc == TK_OK; i++)
        if (sh->systems.names[i] != NULL)
            rc = put_name(&s->systems, &s->capsystems, i, sh->systems.names[i],
                          strlen(sh->systems.names[i]), err);
    return rc;
}

/* Moves the workers' rows into the set, day by day. */
static int merge_rows(shared *sh, worker *ws, size_t nw, tk_error *err)
{
    tk_userday *s = sh->set;
    size_t nr = 0, nt = 0;
    for (size_t i = 0; i < nw; i++) {
        nr += ws[i].nrows;
        nt += ws[i].ntrows;
    }
    if (nw == 1) { /* one worker: its arrays are already day-major */
        s->rows = ws[0].rows;
        s->nrows = ws[0].nrows;
        s->caprows = ws[0].caprows;
        s->trows = ws[0].trows;
        s->ntrows = ws[0].ntrows;
        s->captrows = ws[0].captrows;
        ws[0].rows = NULL;
        ws[0].trows = NULL;
        return TK_OK;
    }
    s->rows = nr ? tk_alloc(nr * sizeof *s->rows) : NULL;
    s->trows = nt ? tk_alloc(nt * sizeof *s->trows) : NULL;
    if ((nr && s->rows == NULL) || (nt && s->trows == NULL))
        return tk_error_set(err, TK_ENOMEM, "out of memory merging feature rows");
    s->caprows = nr;
    s->captrows = nt;
    const size_t ndays = (size_t)(sh->last_day - sh->first_day + 1);
    for (size_t d = 0; d < ndays; d++) {
        const worker *w = &ws[sh->day_worker[d]];
        if (sh->day_nrow[d] > 0)
            memcpy(&s->rows[s->nrows], &w->rows[sh->day_row[d]], sh->day_nrow[d] * sizeof *s->rows);
        s->nrows += sh->day_nrow[d];
        if (sh->day_ntrow[d] > 0)
            memcpy(&s->trows[s->ntrows], &w->trows[sh->day_trow[d]],
                   sh->day_ntrow[d] * sizeof *s->trows);
        s->ntrows += sh->day_ntrow[d];
    }
    return TK_OK;
}

/* Names the set keeps: users and terminals with rows, every 所属. */
static int copy_names(shared *sh, tk_error *err)
{
    tk_userday *s = sh->set;
    int rc = TK_OK;
    for (size_t i = 0; i < s->nrows && rc == TK_OK; i++) {
        const char *nm = name_of(&sh->users, s->rows[i].user);
        if (nm != NULL)
            rc = put_name(&s->users, &s->nusers, s->rows[i].user, nm, strlen(nm), err);
    }
    for (size_t i = 0; i < s->ntrows && rc == TK_OK; i++) {
        const char *nm = name_of(&sh->terms, s->trows[i].terminal);
        if (nm != NULL)
            rc = put_name(&s->terms, &s->nterms, s->trows[i].terminal, nm, strlen(nm), err);
    }
    for (size_t i = 0; i < sh->ndepts && rc == TK_OK; i++) {
        const char *nm = tk_mastersnap_dept_name(sh->ms, i);
        if (nm == NULL)
            return tk_error_set(err, TK_EINTERNAL, "a 所属 of the master data has no name");
        rc = put_name(&s->depts, &s->capdepts, i, nm, strlen(nm), err);
        s->ndepts = i + 1;
    }
    return rc;
}

/* CPUs this process may run on: its affinity mask (taskset, a container's
 * cpuset), which sysconf(_SC_NPROCESSORS_ONLN) ignores; the online count
 * when the mask cannot be read. */
static long usable_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* How many workers: the option, or one per usable CPU; at most 64, never
 * more than one per day. */
static size_t worker_count(const tk_userday_options *opts, int64_t ndays)
{
    long n = opts->threads;
    if (n <= 0)
        n = usable_cpus();
    if (n < 1)
        n = 1;
    if (n > 64)
        n = 64;
    if (n > ndays)
        n = (long)ndays;
    return (size_t)n;
}

int tk_userday_build(tk_userday **out, tk_tenant *t, int64_t first_day, int64_t last_day,
                     const tk_userday_options *opts, tk_error *err)
{
    static const tk_userday_options defaults = TK_USERDAY_OPTIONS_INIT;
    tk_mastersnap *own_ms = NULL;
    tk_calendar *own_cal = NULL;
    worker *ws = NULL;
    size_t nw = 0;
    shared sh;
    int rc, locked = 0;

    *out = NULL;
    memset(&sh, 0, sizeof sh);
    if (opts == NULL)
        opts = &defaults;
    rc = set_create(&sh.set, first_day, last_day, err);
    if (rc != TK_OK)
        return rc;
    sh.first_day = first_day;
    sh.last_day = last_day;
    sh.next_day = first_day;
    sh.terminals = opts->terminals != 0;
    sh.set->terminals = sh.terminals;
    sh.progress = opts->progress;
    sh.progress_ctx = opts->progress_ctx;
    sh.on_day = opts->on_day;
    sh.on_day_ctx = opts->on_day_ctx;
    sh.on_stop = opts->on_stop;
    sh.ms = opts->master;
    sh.cal = opts->calendar;
    if (sh.ms == NULL) {
        rc = tk_mastersnap_load(&own_ms, t, first_day, last_day, err);
        if (rc != TK_OK)
            goto done;
        sh.ms = own_ms;
    }
    if (sh.cal == NULL) {
        rc = tk_calendar_load(&own_cal, t, NULL, err);
        if (rc != TK_OK)
            goto done;
        sh.cal = own_cal;
    }
    rc = prepare_shared(&sh, t, err);
    if (rc != TK_OK)
        goto done;

    nw = worker_count(opts, last_day - first_day + 1);
    ws = tk_calloc(nw, sizeof *ws);
    if (ws == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory in the feature pass");
        goto done;
    }
    for (size_t i = 0; i < nw; i++) {
        ws[i].sh = &sh;
        ws[i].index = (uint32_t)i;
        ws[i].db = tk_tenant_db(t);
    }
    /* Every worker reads through its own read-only connection (see the
     * file comment). */
    for (size_t i = 0; i < nw && rc == TK_OK; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/store.db", tk_tenant_dir(t));
        rc = tk_db_open(&ws[i].own_db, path, TK_DB_READONLY, err);
        ws[i].db = ws[i].own_db;
    }
    if (rc != TK_OK)
        goto done;
    if (nw > 1) {
        if (pthread_mutex_init(&sh.lock, NULL) != 0) {
            rc = tk_error_set(err, TK_EINTERNAL, "cannot create a mutex");
            goto done;
        }
        locked = 1;
        sh.threaded = 1;
        for (size_t i = 1; i < nw; i++) {
            if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
                /* Run with the threads already started. */
                break;
            }
            ws[i].started = 1;
        }
    }
    rc = worker_run(&ws[0], err);
    for (size_t i = 1; i < nw; i++) {
        if (!ws[i].started)
            continue;
        pthread_join(ws[i].thread, NULL);
        if (rc == TK_OK && ws[i].rc != TK_OK)
            rc = ws[i].rc;
    }
    if (rc != TK_OK && sh.first_rc != TK_OK) {
        rc = sh.first_rc;
        if (err != NULL)
            *err = sh.first_err;
    }
    if (rc != TK_OK)
        goto done;
    rc = merge_rows(&sh, ws, nw, err);
    if (rc != TK_OK)
        goto done;
    for (size_t i = 0; i < nw; i++) { /* scratch is no longer needed */
        worker_dispose(&ws[i]);
        memset(&ws[i], 0, sizeof ws[i]);
    }
    rc = copy_names(&sh, err);
    if (rc != TK_OK)
        goto done;
    rc = finish_set(sh.set, err);
    if (rc != TK_OK)
        goto done;
    *out = sh.set;
    sh.set = NULL;
done:
    for (size_t i = 0; ws != NULL && i < nw; i++)
        worker_dispose(&ws[i]);
    tk_free(ws);
    if (locked)
        pthread_mutex_destroy(&sh.lock);
    shared_dispose(&sh);
    tk_userday_destroy(sh.set);
    tk_mastersnap_destroy(own_ms);
    tk_calendar_destroy(own_cal);
    return rc;
}

/* ---- storage -------------------------------------------------------------- */

/* Feature rows are a few hundred bytes, too large for WITHOUT ROWID to
 * pay off (SQLite advises it for rows under ~1/20 of a page); the
 * per-system counts are small. Each row names the layout its BLOB was
 * written in. */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS features_layout("
    " layout INTEGER NOT NULL, kind TEXT NOT NULL, idx INTEGER NOT NULL, key TEXT NOT NULL,"
    " PRIMARY KEY(layout, kind, idx));"
    "CREATE TABLE IF NOT EXISTS features_days("
    " day INTEGER PRIMARY KEY, events INTEGER NOT NULL, terminals INTEGER NOT NULL,"
    " computed_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS features_user_day("
    " day INTEGER NOT NULL, user_id INTEGER NOT NULL, user TEXT, dept TEXT,"
    " status INTEGER NOT NULL, tenure_days INTEGER NOT NULL, closed INTEGER NOT NULL,"
    " day_kind INTEGER NOT NULL, layout INTEGER NOT NULL, data BLOB NOT NULL,"
    " hist BLOB NOT NULL, UNIQUE(day, user_id));"
    "CREATE TABLE IF NOT EXISTS features_terminal_day("
    " day INTEGER NOT NULL, terminal_id INTEGER NOT NULL, terminal TEXT, dept TEXT,"
    " listed INTEGER NOT NULL, registered INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " closed INTEGER NOT NULL, layout INTEGER NOT NULL, data BLOB NOT NULL,"
    " UNIQUE(day, terminal_id));"
    "CREATE TABLE IF NOT EXISTS features_system_day("
    " day INTEGER NOT NULL, system_id INTEGER NOT NULL, system TEXT, events INTEGER NOT NULL,"
    " PRIMARY KEY(day, system_id)) WITHOUT ROWID;";

int tk_userday_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db, schema_sql, err);
}

static void put_f64s(uint8_t *out, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &v[i], sizeof b);
        for (size_t k = 0; k < 8; k++)
            out[i * 8 + k] = (uint8_t)(b >> (8 * k));
    }
}

static void get_f64s(double *v, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t b = 0;
        for (size_t k = 0; k < 8; k++)
            b |= (uint64_t)in[i * 8 + k] << (8 * k);
        memcpy(&v[i], &b, sizeof b);
    }
}

/* Stored layouts. A layout is the list of keys a row's BLOB holds, in
 * order, per kind; rows name theirs. A load maps each stored position to
 * this build's feature of the same key (or to none), so rows written by
 * an older build stay readable -- a feature it did not compute reads as
 * NaN -- and a frozen period, whose events may already be erased, keeps
 * its features for later baselines. */
enum { K_USER = 0, K_TERM = 1 };

static const char *const kind_names[2] = {"user_day", "terminal_day"};

struct layout {
    int64_t id;
    size_t n[2];    /* stored positions per kind */
    size_t *map[2]; /* stored position -> this build's index, or SIZE_MAX */
    int current;    /* 1 if it is exactly this build's layout */
};

static void layouts_free(struct layout *l, size_t n)
{
    for (size_t i = 0; l != NULL && i < n; i++) {
        tk_free(l[i].map[0]);
        tk_free(l[i].map[1]);
    }
    tk_free(l);
}

static size_t feature_count(int kind)
{
    return kind == K_USER ? TK_USERDAY_NFEAT : TK_USERDAY_TERM_NFEAT;
}

/* Reads every stored layout into *out (owned: layouts_free()). */
static int layouts_read(tk_db *db, struct layout **out, size_t *nout, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    struct layout *l = NULL;
    size_t n = 0, cap = 0;
    int rc;

    *out = NULL;
    *nout = 0;
    rc = tk_db_prepare(db, &st,
                       "SELECT layout, kind, idx, key FROM features_layout ORDER BY layout, kind,"
                       " idx",
                       err);
    if (rc != TK_OK)
        return rc;
    while ((rc = tk_db_step(db, st, err)) == 1) {
        const int64_t id = sqlite3_column_int64(st, 0);
        const char *kn = (const char *)sqlite3_column_text(st, 1);
        const sqlite3_int64 idx = sqlite3_column_int64(st, 2);
        const char *key = (const char *)sqlite3_column_text(st, 3);
        const int k = kn && strcmp(kn, kind_names[K_USER]) == 0   ? K_USER
                      : kn && strcmp(kn, kind_names[K_TERM]) == 0 ? K_TERM
                                                                  : -1;
        if (k < 0 || key == NULL || idx < 0 || idx > 65535) {
            rc = tk_error_set(err, TK_EDB, "damaged row in features_layout");
            break;
        }
        if (n == 0 || l[n - 1].id != id) {
            void *v = l;
            if ((rc = grow(&v, sizeof *l, &cap, n + 1, err)) != TK_OK)
                break;
            l = v;
            memset(&l[n], 0, sizeof l[n]);
            l[n++].id = id;
        }
        struct layout *cur = &l[n - 1];
        size_t c = cur->n[k];
        void *v = cur->map[k];
        /* Positions arrive in order; a gap maps to nothing. */
        if ((rc = grow(&v, sizeof(size_t), &c, (size_t)idx + 1, err)) != TK_OK)
            break;
        cur->map[k] = v;
        for (size_t i = cur->n[k]; i < (size_t)idx; i++)
            cur->map[k][i] = SIZE_MAX;
        cur->map[k][idx] = k == K_USER ? tk_userday_feature_find(key, strlen(key))
                                       : tk_userday_term_feature_find(key, strlen(key));
        if (cur->map[k][idx] == feature_count(k))
            cur->map[k][idx] = SIZE_MAX;
        cur->n[k] = (size_t)idx + 1;
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        layouts_free(l, n);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        int same = 1;
        for (int k = 0; k < 2; k++) {
            same = same && l[i].n[k] == feature_count(k);
            for (size_t j = 0; same && j < l[i].n[k]; j++)
                same = l[i].map[k][j] == j;
        }
        l[i].current = same;
    }
    *out = l;
    *nout = n;
    return TK_OK;
}

/* The id of this build's layout, recording it if no stored layout is it. */
static int layout_current(tk_db *db, int64_t *id, tk_error *err)
{
    struct layout *l = NULL;
    size_t n = 0;
    sqlite3_stmt *st = NULL;
    int rc = layouts_read(db, &l, &n, err);
    if (rc != TK_OK)
        return rc;
    *id = 1;
    for (size_t i = 0; i < n; i++) {
        if (l[i].current) {
            *id = l[i].id;
            layouts_free(l, n);
            return TK_OK;
        }
        if (l[i].id >= *id)
            *id = l[i].id + 1;
    }
    layouts_free(l, n);
    rc = tk_db_prepare(
        db, &st, "INSERT INTO features_layout(layout, kind, idx, key) VALUES(?1, ?2, ?3, ?4)", err);
    for (int k = 0; k < 2 && rc == TK_OK; k++) {
        for (size_t i = 0; i < feature_count(k) && rc == TK_OK; i++) {
            const tk_userday_feature_info *fi =
                k == K_USER ? tk_userday_feature(i) : tk_userday_term_feature(i);
            sqlite3_bind_int64(st, 1, *id);
            sqlite3_bind_text(st, 2, kind_names[k], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
            sqlite3_bind_text(st, 4, fi->key, -1, SQLITE_STATIC);
            rc = tk_db_step(db, st, err);
            sqlite3_reset(st);
            if (rc == 0)
                rc = TK_OK;
        }
    }
    sqlite3_finalize(st);
    return rc < 0 ? rc : TK_OK;
}

/* Decodes a BLOB of layout l (kind k) into v (nv values, NaN first).
 * Returns 0 if the BLOB's size does not fit the layout. */
static int decode(const struct layout *l, int k, const void *blob, int len, double *v, size_t nv)
{
    if (l == NULL || len < 0 || (size_t)len != l->n[k] * 8)
        return 0;
    for (size_t i = 0; i < nv; i++)
        v[i] = NAN;
    for (size_t i = 0; i < l->n[k]; i++) {
        double x;
        get_f64s(&x, (const uint8_t *)blob + i * 8, 1);
        if (l->map[k][i] != SIZE_MAX)
            v[l->map[k][i]] = x;
    }
    return 1;
}

static const struct layout *find_layout(const struct layout *l, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (l[i].id == id)
            return &l[i];
    return NULL;
}

static int bind_name(sqlite3_stmt *st, int idx, const char *s)
{
    if (s == NULL)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

static int step_done(tk_db *db, sqlite3_stmt *st, tk_error *err)
{
    const int rc = tk_db_step(db, st, err);
    sqlite3_reset(st);
    return rc < 0 ? rc : TK_OK;
}

/* Deletes the rows of days first_day to last_day from the row tables
 * (and from features_days too when days is set). */
static int delete_days(tk_db *db, int64_t first_day, int64_t last_day, int days, tk_error *err)
{
    static const char *const tables[] = {"features_user_day", "features_terminal_day",
                                         "features_system_day", "features_days"};
    const size_t n = sizeof tables / sizeof tables[0] - (days ? 0 : 1);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *del = NULL;
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE day BETWEEN ?1 AND ?2", tables[i]);
        int rc = tk_db_prepare(db, &del, sql, err);
        if (rc == TK_OK) {
            sqlite3_bind_int64(del, 1, first_day);
            sqlite3_bind_int64(del, 2, last_day);
            rc = step_done(db, del, err);
        }
        sqlite3_finalize(del);
        if (rc != TK_OK)
            return rc;
    }
    return TK_OK;
}

static int save_rows(const tk_userday *s, tk_db *db, int64_t layout, tk_error *err)
{
    sqlite3_stmt *ins = NULL;
    uint8_t data[TK_USERDAY_NFEAT * 8], hist[TK_USERDAY_HOURS * 8];
    int rc = delete_days(db, s->first_day, s->last_day, 0, err);
    if (rc != TK_OK)
        return rc;

    rc = tk_db_prepare(db, &ins,
                       "INSERT INTO features_user_day(day, user_id, user, dept, status,"
                       " tenure_days, closed, day_kind, data, hist, layout)"
                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                       err);
    /* In (day, 所属, user) order: the unique index on (day, user_id) then
     * grows at its end instead of being updated all over. */
    for (size_t i = 0; i < s->nrows && rc == TK_OK; i++) {
        const tk_userday_row *r = &s->rows[s->peer[i]];
        put_f64s(data, r->f, TK_USERDAY_NFEAT);
        put_f64s(hist, r->hist, TK_USERDAY_HOURS);
        sqlite3_bind_int64(ins, 1, r->day);
        sqlite3_bind_int64(ins, 2, r->user);
        bind_name(ins, 3, tk_userday_user_name(s, r->user));
        bind_name(ins, 4, tk_userday_dept_name(s, r->dept));
        sqlite3_bind_int(ins, 5, r->status);
        sqlite3_bind_int64(ins, 6, r->tenure_days);
        sqlite3_bind_int(ins, 7, r->closed);
        sqlite3_bind_int(ins, 8, r->day_kind);
        sqlite3_bind_blob(ins, 9, data, (int)sizeof data, SQLITE_STATIC);
        sqlite3_bind_blob(ins, 10, hist, (int)sizeof hist, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 11, layout);
        rc = step_done(db, ins, err);
    }
    sqlite3_finalize(ins);
    ins = NULL;
    if (rc != TK_OK)
        return rc;

    rc = tk_db_prepare(db, &ins,
                       "INSERT INTO features_terminal_day(day, terminal_id, terminal, dept,"
                       " listed, registered, kind, closed, data, layout)"
                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                       err);
    for (size_t i = 0; i < s->ntrows && rc == TK_OK; i++) {
        const tk_userday_term_row *r = &s->trows[i];
        put_f64s(data, r->f, TK_USERDAY_TERM_NFEAT);
        sqlite3_bind_int64(ins, 1, r->day);
        sqlite3_bind_int64(ins, 2, r->terminal);
        bind_name(ins, 3, tk_userday_term_name(s, r->terminal));
        bind_name(ins, 4, tk_userday_dept_name(s, r->dept));
        sqlite3_bind_int(ins, 5, r->listed);
        sqlite3_bind_int(ins, 6, r->registered);
        sqlite3_bind_int(ins, 7, r->kind);
        sqlite3_bind_int(ins, 8, r->closed);
        sqlite3_bind_blob(ins, 9, data, (int)(TK_USERDAY_TERM_NFEAT * 8), SQLITE_STATIC);
        sqlite3_bind_int64(ins, 10, layout);
        rc = step_done(db, ins, err);
    }
    sqlite3_finalize(ins);
    ins = NULL;
    if (rc != TK_OK)
        return rc;

    rc = tk_db_prepare(db, &ins,
                       "INSERT INTO features_system_day(day, system_id, system, events)"
                       " VALUES(?1, ?2, ?3, ?4)",
                       err);
    for (int64_t d = s->first_day; d <= s->last_day && rc == TK_OK; d++) {
        for (size_t y = 1; y < s->nsystems && rc == TK_OK; y++) {
            const int64_t n = s->sys_events[(size_t)(d - s->first_day) * s->nsystems + y];
            if (n == 0)
                continue;
            sqlite3_bind_int64(ins, 1, d);
            sqlite3_bind_int64(ins, 2, (sqlite3_int64)y);
            bind_name(ins, 3, tk_userday_system_name(s, (uint32_t)y));
            sqlite3_bind_int64(ins, 4, n);
            rc = step_done(db, ins, err);
        }
    }
    sqlite3_finalize(ins);
    ins = NULL;
    if (rc != TK_OK)
        return rc;

    rc = tk_db_prepare(db, &ins,
                       "INSERT OR REPLACE INTO features_days(day, events, terminals, computed_at)"
                       " VALUES(?1, ?2, ?3, ?4)",
                       err);
    const int64_t now = (int64_t)time(NULL) * 1000;
    for (int64_t d = s->first_day; d <= s->last_day && rc == TK_OK; d++) {
        sqlite3_bind_int64(ins, 1, d);
        sqlite3_bind_int64(ins, 2, s->day_events[d - s->first_day]);
        sqlite3_bind_int(ins, 3, s->terminals);
        sqlite3_bind_int64(ins, 4, now);
        rc = step_done(db, ins, err);
    }
    sqlite3_finalize(ins);
    return rc;
}

int tk_userday_save(const tk_userday *s, tk_db *db, tk_error *err)
{
    const int own = sqlite3_get_autocommit(tk_db_handle(db)) != 0;
    const tk_period pr = {s->first_day, s->last_day};
    int64_t layout = 0;
    int rc;

    if (own) {
        rc = tk_db_begin(db, err);
        if (rc != TK_OK)
            return rc;
    }
    /* A delivered period is frozen: its stored features are the record
     * of what was analysed, and its events may be erased already. */
    rc = tk_period_check_open(db, &pr, err);
    if (rc == TK_OK)
        rc = layout_current(db, &layout, err);
    if (rc == TK_OK)
        rc = save_rows(s, db, layout, err);
    if (own) {
        if (rc == TK_OK)
            rc = tk_db_commit(db, err);
        if (rc != TK_OK)
            tk_db_rollback(db);
    }
    return rc;
}

int tk_userday_delete(tk_db *db, int64_t first_day, int64_t last_day, tk_error *err)
{
    const int own = sqlite3_get_autocommit(tk_db_handle(db)) != 0;
    int64_t ntables = 0;
    int rc;

    if (first_day > last_day)
        return tk_error_set(err, TK_EINVAL, "bad feature range: %lld to %lld", (long long)first_day,
                            (long long)last_day);
    if (own) {
        rc = tk_db_begin(db, err);
        if (rc != TK_OK)
            return rc;
    }
    rc = tk_db_query_i64(db,
                         "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                         " ('features_days', 'features_user_day', 'features_terminal_day',"
                         " 'features_system_day')",
                         &ntables, err);
    if (rc == TK_OK && ntables > 0)
        rc = ntables == 4 ? delete_days(db, first_day, last_day, 1, err)
                          : tk_error_set(err, TK_EDB, "feature tables are incomplete");
    if (own) {
        if (rc == TK_OK)
            rc = tk_db_commit(db, err);
        if (rc != TK_OK)
            tk_db_rollback(db);
    }
    return rc;
}

/* Interns 所属 name (NULL: none) in the set being loaded. */
static int intern_dept(tk_userday *s, tk_strmap *m, const char *name, uint32_t *out, tk_error *err)
{
    *out = TK_USERDAY_NO_DEPT;
    if (name == NULL)
        return TK_OK;
    const size_t len = strlen(name);
    const int64_t *v = tk_strmap_get(m, name, len);
    if (v != NULL) {
        *out = (uint32_t)*v;
        return TK_OK;
    }
    const size_t id = s->ndepts;
    int rc = put_name(&s->depts, &s->capdepts, id, name, len, err);
    if (rc != TK_OK)
        return rc;
    s->ndepts = id + 1;
    rc = tk_strmap_put(m, name, len, (int64_t)id, NULL, err);
    if (rc != TK_OK)
        return rc;
    *out = (uint32_t)id;
    return TK_OK;
}

static int check_days(tk_db *db, tk_userday *s, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t expect = s->first_day;
    int rc = tk_db_prepare(
        db, &st,
        "SELECT day, events, terminals FROM features_days WHERE day BETWEEN ?1 AND ?2 ORDER BY day",
        err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, s->first_day);
    sqlite3_bind_int64(st, 2, s->last_day);
    while ((rc = tk_db_step(db, st, err)) == 1) {
        const int64_t d = sqlite3_column_int64(st, 0);
        if (d != expect)
            break;
        s->day_events[d - s->first_day] = sqlite3_column_int64(st, 1);
        if (sqlite3_column_int(st, 2) == 0)
            s->terminals = 0;
        expect++;
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;
    if (expect <= s->last_day) {
        int y, m, d;
        tk_civil_from_days(expect, &y, &m, &d);
        return tk_error_set(err, TK_ENOTFOUND,
                            "features for %04d-%02d-%02d were never computed: build them first", y,
                            m, d);
    }
    return TK_OK;
}

static int load_rows(tk_db *db, tk_userday *s, tk_strmap *depts, const struct layout *lay,
                     size_t nlay, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "SELECT day, user_id, user, dept, status, tenure_days, closed, day_kind,"
                           " data, hist, layout FROM features_user_day WHERE day BETWEEN ?1 AND ?2"
                           " ORDER BY day, user, user_id",
                           err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, s->first_day);
    sqlite3_bind_int64(st, 2, s->last_day);
    while ((rc = tk_db_step(db, st, err)) == 1) {
        const sqlite3_int64 uid = sqlite3_column_int64(st, 1);
        const char *user = (const char *)sqlite3_column_text(st, 2);
        const char *dept = (const char *)sqlite3_column_text(st, 3);
        const void *data = sqlite3_column_blob(st, 8);
        const int dlen = sqlite3_column_bytes(st, 8);
        const void *hist = sqlite3_column_blob(st, 9);
        const int hlen = sqlite3_column_bytes(st, 9);
        const struct layout *l = find_layout(lay, nlay, sqlite3_column_int64(st, 10));
        if (uid < 0 || uid > UINT32_MAX || l == NULL || (size_t)dlen != l->n[K_USER] * 8 ||
            hlen != TK_USERDAY_HOURS * 8) {
            rc = tk_error_set(err, TK_EDB, "damaged row in features_user_day");
            break;
        }
        void *v = s->rows;
        if ((rc = grow(&v, sizeof *s->rows, &s->caprows, s->nrows + 1, err)) != TK_OK)
            break;
        s->rows = v;
        tk_userday_row *r = &s->rows[s->nrows++];
        memset(r, 0, sizeof *r);
        r->day = sqlite3_column_int64(st, 0);
        r->user = (uint32_t)uid;
        r->status = sqlite3_column_int(st, 4);
        r->tenure_days = sqlite3_column_int64(st, 5);
        r->closed = sqlite3_column_int(st, 6);
        r->day_kind = sqlite3_column_int(st, 7);
        (void)decode(l, K_USER, data, dlen, r->f, TK_USERDAY_NFEAT);
        get_f64s(r->hist, hist, TK_USERDAY_HOURS);
        if ((rc = intern_dept(s, depts, dept, &r->dept, err)) != TK_OK)
            break;
        if (user != NULL &&
            (rc = put_name(&s->users, &s->nusers, r->user, user, strlen(user), err)) != TK_OK)
            break;
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;

    rc = tk_db_prepare(db, &st,
                       "SELECT day, terminal_id, terminal, dept, listed, registered, kind, closed,"
                       " data, layout FROM features_terminal_day WHERE day BETWEEN ?1 AND ?2"
                       " ORDER BY day, terminal, terminal_id",
                       err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int64(st, 1, s->first_day);
    sqlite3_bind_int64(st, 2, s->last_day);
    while ((rc = tk_db_step(db, st, err)) == 1) {
        const sqlite3_int64 tid = sqlite3_column_int64(st, 1);
        const char *term = (const char *)sqlite3_column_text(st, 2);
        const char *dept = (const char *)sqlite3_column_text(st, 3);
        const void *data = sqlite3_column_blob(st, 8);
        const int dlen = sqlite3_column_bytes(st, 8);
        const struct layout *l = find_layout(lay, nlay, sqlite3_column_int64(st, 9));
        if (tid < 0 || tid > UINT32_MAX || l == NULL || (size_t)dlen != l->n[K_TERM] * 8) {
            rc = tk_error_set(err, TK_EDB, "damaged row in features_terminal_day");
            break;
        }
        void *v = s->trows;
        if ((rc = grow(&v, sizeof *s->trows, &s->captrows, s->ntrows + 1, err)) != TK_OK)
            break;
        s->trows = v;
        tk_userday_term_row *r = &s->trows[s->ntrows++];
        memset(r, 0, sizeof *r);
        r->day = sqlite3_column_int64(st, 0);
        r->terminal = (uint32_t)tid;
        r->listed = sqlite3_column_int(st, 4);
        r->registered = sqlite3_column_int(st, 5);
        r->kind = sqlite3_column_int(st, 6);
        r->closed = sqlite3_column_int(st, 7);
        (void)decode(l, K_TERM, data, dlen, r->f, TK_USERDAY_TERM_NFEAT);
        if ((rc = intern_dept(s, depts, dept, &r->dept, err)) != TK_OK)
            break;
        if (term != NULL &&
            (rc = put_name(&s->terms, &s->nterms, r->terminal, term, strlen(term), err)) != TK_OK)
            break;
    }
    sqlite3_finalize(st);
    return rc < 0 ? rc : TK_OK;
}

/* Reads the per-system day counts: two passes, one for the largest id. */
static int load_systems(tk_db *db, tk_userday *s, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    const size_t ndays = (size_t)(s->last_day - s->first_day + 1);
    int rc = tk_db_prepare(db, &st,
                           "SELECT day, system_id, system, events FROM features_system_day"
                           " WHERE day BETWEEN ?1 AND ?2",
                           err);
    if (rc != TK_OK)
        return rc;
    for (int pass = 0; pass < 2 && rc >= 0; pass++) {
        sqlite3_bind_int64(st, 1, s->first_day);
        sqlite3_bind_int64(st, 2, s->last_day);
        while ((rc = tk_db_step(db, st, err)) == 1) {
            const int64_t d = sqlite3_column_int64(st, 0);
            const sqlite3_int64 y = sqlite3_column_int64(st, 1);
            const char *name = (const char *)sqlite3_column_text(st, 2);
            if (y < 1 || y >= UINT32_MAX || d < s->first_day || d > s->last_day) {
                rc = tk_error_set(err, TK_EDB, "damaged row in features_system_day");
                break;
            }
            if (pass == 0) {
                if ((size_t)y >= s->nsystems)
                    s->nsystems = (size_t)y + 1;
                continue;
            }
            s->sys_events[(size_t)(d - s->first_day) * s->nsystems + (size_t)y] =
                sqlite3_column_int64(st, 3);
            if (name != NULL && (rc = put_name(&s->systems, &s->capsystems, (size_t)y, name,
                                               strlen(name), err)) != TK_OK)
                break;
        }
        sqlite3_reset(st);
        if (rc >= 0 && pass == 0) {
            if (s->nsystems == 0)
                s->nsystems = 1;
            size_t cells;
            if (!tk_mul_size(ndays, s->nsystems, &cells))
                return tk_error_set(err, TK_ENOMEM, "too many systems");
            s->sys_events = tk_calloc(cells, sizeof *s->sys_events);
            if (s->sys_events == NULL)
                rc = tk_error_set(err, TK_ENOMEM, "out of memory loading features");
        }
    }
    sqlite3_finalize(st);
    return rc < 0 ? rc : TK_OK;
}

int tk_userday_load(tk_userday **out, tk_db *db, int64_t first_day, int64_t last_day, tk_error *err)
{
    tk_userday *s = NULL;
    tk_strmap *depts = NULL;
    struct layout *lay = NULL;
    size_t nlay = 0;
    int64_t ntables = 0;
    int rc;

    *out = NULL;
    rc = set_create(&s, first_day, last_day, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_query_i64(db,
                         "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                         " ('features_layout', 'features_days', 'features_user_day',"
                         " 'features_terminal_day', 'features_system_day')",
                         &ntables, err);
    if (rc == TK_OK && ntables != 5)
        rc = tk_error_set(err, TK_ENOTFOUND, "no features stored: build them first");
    s->terminals = 1;
    if (rc == TK_OK)
        rc = check_days(db, s, err);
    if (rc == TK_OK)
        rc = layouts_read(db, &lay, &nlay, err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&depts, err);
    if (rc == TK_OK)
        rc = load_rows(db, s, depts, lay, nlay, err);
    if (rc == TK_OK)
        rc = load_systems(db, s, err);
    if (rc == TK_OK)
        rc = finish_set(s, err);
    if (rc == TK_OK) {
        *out = s;
        s = NULL;
    }
    layouts_free(lay, nlay);
    tk_strmap_destroy(depts);
    tk_userday_destroy(s);
    return rc;
}
