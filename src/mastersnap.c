/* src/mastersnap.c -- master data of an analysis period, in memory.
 *
 * Segments. For each kind the period is cut into segments, one per version
 * in force on some day of it: segment 0 starts on the first day and holds
 * the version effective then (tk_master_effective_version()'s rule), and
 * every later effective date inside the period starts a new segment with
 * the last version imported for that date. A day maps to its segment by a
 * binary search over the start days (a period normally has one to three
 * segments, so this is a couple of comparisons); days outside the period
 * fall into the first or last segment.
 *
 * Entities. Each kind keeps its keys -- folded names in a tk_strmap, or
 * pseudonyms in a small open-addressing index (below) -- mapping to an
 * entity number, and a table rec[entity][segment] of 32-bit row (or row
 * group) numbers, NONE when the version of that segment does not list the
 * entity. A question is therefore one hash probe, one binary search over
 * the segments and one array read; kinds with several rows per key
 * (authorisations per 所属 and system, 兼務, overtime orders, media rows,
 * watch-list entries) point at a group of rows stored contiguously, in
 * file order (overtime by date, for a binary search on the day).
 *
 * Staff and terminals carry a fallback. A member listed by one version of
 * the period but not another is answered, on the days of the other, from
 * the nearest version that lists them (earlier first), and members only
 * older versions list are loaded from the newest of those; the rec entry
 * then has its top bit (FB) set and the answer says `listed = 0`. Versions
 * effective after the period are never read, so re-running an analysis
 * after a later import gives the same answers.
 *
 * Strings are interned once in a tk_strmap (its key storage is stable), so
 * rows hold plain pointers. 所属, システム and 機能 are also registered
 * under their folded form with a dense id, so comparisons in the queries
 * are integer compares after one fold and probe of the asked name.
 *
 * Pseudonyms are HMAC-SHA-256 outputs, uniformly distributed and
 * unpredictable without the tenant key, so their first 8 bytes serve as
 * the hash: a table of 32-bit slots (load <= 1/2) pointing into a packed
 * array of the 32-byte keys costs 40-48 bytes per pseudonym, where a
 * tk_strmap (32-byte slots, keys > 16 bytes copied aside) costs about 100.
 * Household, 町丁 and kana pseudonyms of residents are interned in one
 * shared pool: a city has far fewer households and blocks than residents.
 * Measured figures are in docs/master-data.md.
 *
 * Training accounts are a multi-row kind keyed by the account's folded
 * name (one row per training period, by 開始日). Because logs are stored
 * under the 職員ID an account resolved to, every 職員ID of a loaded staff
 * record listing a training account as one of its アカウント is made a
 * second key of that account's entity after loading, so "is this user in
 * training today" stays one probe whichever name the log carries.
 *
 * Loading reads each version's rows with one statement per table, inside a
 * read transaction so that all kinds come from one consistent state of the
 * store. Sub-lists (accounts, leave periods, subjects, watch-list 担当所属)
 * arrive ordered by their parent and are appended so that each parent's
 * items are contiguous; this is checked, not assumed. */
#include "src/mastersnap.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/db.h"
#include "src/master.h"
#include "src/strmap.h"
#include "src/timefmt.h"
#include "src/transform.h"

#define NONE    UINT32_MAX
#define FB      0x80000000u /* rec flag: the row comes from another version */
#define ROW_MAX 0x7FFFFFFEu /* rows and entities per kind */
#define PS      TK_MASTERSNAP_PS_SIZE
#define KEY_MAX 512      /* longest name that is indexed, in bytes after trimming */
#define ARCHIVE SIZE_MAX /* segment number of versions older than the period */

_Static_assert(TK_MASTERSNAP_PS_SIZE == TK_TENANT_PSEUDONYM_SIZE, "pseudonym sizes differ");

enum { K_STAFF, K_TERM, K_AUTH, K_ASSIGN, K_OT, K_MEDIA, K_WATCH, K_RESID, K_TRAIN, K_N };

static const char *const kind_names[K_N] = {"staff",       "terminals", "authorizations",
                                            "assignments", "overtime",  "media",
                                            "watchlist",   "residents", "training"};

/* ---- structures ----------------------------------------------------------- */

/* Pseudonym -> dense id. slot[i] is 0 (empty) or id + 1. */
struct psidx {
    uint8_t (*key)[PS];
    size_t n, cap;
    uint32_t *slot;
    size_t nslot; /* 0 or a power of two */
};

struct grp {
    uint32_t first, n;
};

struct kind {
    size_t nseg;
    int64_t *from; /* first day of each segment; from[0] is the period's first day */
    int64_t *vid;  /* version of each segment */
    size_t nent, capent;
    uint32_t *rec;    /* nent x nseg: row or group number, NONE, maybe | FB */
    tk_strmap *names; /* folded name (or 8-byte id pair) -> entity */
    struct psidx ps;  /* pseudonym-keyed kinds: pseudonym id == entity */
    struct grp *grp;
    size_t ngrp, capgrp;
};

/* Folded name -> dense id, with the name as first written. */
struct reg {
    tk_strmap *map;
    const char **name;
    size_t n, cap;
};

enum { COL_ACTIVE, COL_LEAVE, COL_RETIRED };

struct staff_row {
    const char *id, *name, *dept, *section, *prev;
    uint32_t dept_id, prev_id;
    int col_status;
    int64_t hired, transferred, retired, vid;
    uint32_t acc_first, acc_n;
    uint32_t leave_first, leave_n; /* leave_first indexes s->leave (2 per period) */
    uint32_t own, kana;            /* index in sblob, or NONE */
    uint32_t hh_first, hh_n;
};

struct term_row {
    const char *name, *dept;
    uint32_t dept_id;
    int kind;
    int64_t registered, vid;
};

struct auth_row {
    tk_mastersnap_grant g;
    uint32_t fn; /* function id, NONE when g.function is NULL or not indexable */
};

struct asg_row {
    tk_mastersnap_assignment a;
    uint32_t dept, sys; /* ids, NONE when absent */
};

struct ot_row {
    int64_t day;
    int from, to; /* minutes since the day's midnight, to <= 47:59 */
};

struct media_row {
    const char *serial, *device, *dept;
    uint32_t dept_id;
    int64_t approved, expires;
};

struct watch_row {
    unsigned category;
    int64_t from, to, wid;
    uint32_t dfirst, dn; /* in wdname / wdid */
};

struct res_row {
    uint32_t household, block, kana; /* ids in s->pool, or NONE */
};

/* A training period of an account; t.dept_id is the registry id. */
struct train_row {
    tk_mastersnap_training t;
};

struct tk_mastersnap {
    int64_t first, last;

    tk_strmap *strs; /* interned text -> index in str */
    const char **str;
    size_t nstr, capstr;
    struct reg depts, systems, functions;

    struct kind k[K_N];

    struct staff_row *staff;
    size_t nstaff, capstaff;
    const char **acc;
    size_t nacc, capacc;
    int64_t *leave;
    size_t nleave, capleave;
    uint8_t (*sblob)[PS]; /* staff kana, own and household pseudonyms */
    size_t nsblob, capsblob;

    struct term_row *term;
    size_t nterm, capterm;

    struct auth_row *auth;
    size_t nauth, capauth;
    tk_mastersnap_grant *grant; /* auth[i].g, contiguous for the API */

    struct asg_row *asg;
    size_t nasg, capasg;
    tk_mastersnap_assignment *asgpub;

    struct ot_row *ot;
    size_t n_ot, cap_ot;

    struct media_row *media;
    size_t nmedia, capmedia;

    struct watch_row *watch;
    size_t nwatch, capwatch;
    const char **wdname;
    uint32_t *wdid;
    size_t nwd, capwdname, capwdid;
    tk_mastersnap_watch_entry *went;

    struct res_row *res;
    size_t nres, capres;
    struct psidx pool; /* resident household / block / kana pseudonyms */

    struct train_row *train;
    size_t ntrain, captrain;
};

/* ---- small helpers -------------------------------------------------------- */

static int oom(tk_error *err)
{
    return tk_error_set(err, TK_ENOMEM, "out of memory loading master data");
}

/* Returns arr with room for element n (n + 1 elements), reallocating and
 * updating *cap as needed; NULL (arr intact) when out of memory. */
static void *room(void *arr, size_t n, size_t *cap, size_t elem)
{
    size_t ncap, bytes;

    if (n < *cap)
        return arr;
    ncap = *cap ? *cap : 8;
    while (ncap <= n) {
        if (!tk_mul_size(ncap, 2, &ncap))
            return NULL;
    }
    if (!tk_mul_size(ncap, elem, &bytes))
        return NULL;
    void *p = tk_realloc(arr, bytes);
    if (p != NULL)
        *cap = ncap;
    return p;
}

/* Returns arr (n elements used of *cap) shrunk to n elements, or arr
 * unchanged if realloc declines: growth by doubling leaves up to half of
 * a large table unused. */
static void *fit(void *arr, size_t n, size_t *cap, size_t elem)
{
    size_t bytes;

    if (arr == NULL || n == *cap || n == 0 || !tk_mul_size(n, elem, &bytes))
        return arr;
    void *p = tk_realloc(arr, bytes);
    if (p == NULL)
        return arr;
    *cap = n;
    return p;
}

/* Trims spaces (ASCII and U+3000) and folds ASCII case into buf (KEY_MAX
 * bytes), as the master's resolver does; returns the key's length, or 0
 * when empty or too long. */
static size_t fold(const char *p, size_t len, char *buf)
{
    tk_view v = {p, len};
    if (p == NULL)
        return 0;
    tk_transform_trim(&v);
    if (v.len == 0 || v.len > KEY_MAX)
        return 0;
    for (size_t i = 0; i < v.len; i++) {
        const char c = v.p[i];
        buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    return v.len;
}

static size_t dept_out(uint32_t id)
{
    return id == NONE ? TK_MASTERSNAP_NO_DEPT : id;
}

/* 1 if day lies in [from, to], either end possibly open (NO_DAY). */
static int in_range(int64_t day, int64_t from, int64_t to)
{
    return (from == TK_MASTERSNAP_NO_DAY || from <= day) &&
           (to == TK_MASTERSNAP_NO_DAY || day <= to);
}

/* ---- pseudonym index ------------------------------------------------------ */

static size_t ps_home(const uint8_t *p, size_t nslot)
{
    uint64_t h;
    memcpy(&h, p, sizeof h);
    return (size_t)h & (nslot - 1);
}

static uint32_t ps_find(const struct psidx *x, const uint8_t *p)
{
    if (x->nslot == 0)
        return NONE;
    for (size_t i = ps_home(p, x->nslot);; i = (i + 1) & (x->nslot - 1)) {
        const uint32_t v = x->slot[i];
        if (v == 0)
            return NONE;
        if (memcmp(x->key[v - 1], p, PS) == 0)
            return v - 1;
    }
}

static void ps_place(uint32_t *slot, size_t nslot, const uint8_t *p, uint32_t v)
{
    size_t i = ps_home(p, nslot);
    while (slot[i] != 0)
        i = (i + 1) & (nslot - 1);
    slot[i] = v;
}

/* Finds p or adds it; *id is its id, *added says which. */
static int ps_add(struct psidx *x, const uint8_t *p, uint32_t *id, int *added, tk_error *err)
{
    *added = 0;
    *id = ps_find(x, p);
    if (*id != NONE)
        return TK_OK;
    if (x->n >= ROW_MAX)
        return oom(err);
    if ((x->n + 1) * 2 > x->nslot) {
        size_t nslot = x->nslot ? x->nslot : 32;
        if (!tk_mul_size(nslot, 2, &nslot))
            return oom(err);
        uint32_t *slot = tk_calloc(nslot, sizeof *slot);
        if (slot == NULL)
            return oom(err);
        for (size_t i = 0; i < x->n; i++)
            ps_place(slot, nslot, x->key[i], (uint32_t)i + 1);
        tk_free(x->slot);
        x->slot = slot;
        x->nslot = nslot;
    }
    void *k = room(x->key, x->n, &x->cap, sizeof *x->key);
    if (k == NULL)
        return oom(err);
    x->key = k;
    memcpy(x->key[x->n], p, PS);
    ps_place(x->slot, x->nslot, p, (uint32_t)x->n + 1);
    *id = (uint32_t)x->n++;
    *added = 1;
    return TK_OK;
}

static void ps_dispose(struct psidx *x)
{
    tk_free(x->key);
    tk_free(x->slot);
}

/* ---- strings, registries, entities ---------------------------------------- */

/* *out is the interned copy of p[0..len), or NULL for NULL or empty. */
static int intern(tk_mastersnap *s, const char *p, size_t len, const char **out, tk_error *err)
{
    const char *stored = NULL;

    *out = NULL;
    if (p == NULL || len == 0)
        return TK_OK;
    const int64_t *have = tk_strmap_get(s->strs, p, len);
    if (have != NULL) {
        *out = s->str[*have];
        return TK_OK;
    }
    void *a = room(s->str, s->nstr, &s->capstr, sizeof *s->str);
    if (a == NULL)
        return oom(err);
    s->str = a;
    const int rc = tk_strmap_put(s->strs, p, len, (int64_t)s->nstr, &stored, err);
    if (rc != TK_OK)
        return rc;
    s->str[s->nstr++] = stored;
    *out = stored;
    return TK_OK;
}

/* Registers name (interned or NULL); *id is its id, NONE when it has none. */
static int reg_put(struct reg *r, const char *name, uint32_t *id, tk_error *err)
{
    char buf[KEY_MAX];
    const size_t n = name ? fold(name, strlen(name), buf) : 0;

    *id = NONE;
    if (n == 0)
        return TK_OK;
    const int64_t *have = tk_strmap_get(r->map, buf, n);
    if (have != NULL) {
        *id = (uint32_t)*have;
        return TK_OK;
    }
    if (r->n >= ROW_MAX)
        return oom(err);
    void *a = room(r->name, r->n, &r->cap, sizeof *r->name);
    if (a == NULL)
        return oom(err);
    r->name = a;
    const int rc = tk_strmap_put(r->map, buf, n, (int64_t)r->n, NULL, err);
    if (rc != TK_OK)
        return rc;
    r->name[r->n] = name;
    *id = (uint32_t)r->n++;
    return TK_OK;
}

static uint32_t reg_get(const struct reg *r, const char *p, size_t len)
{
    char buf[KEY_MAX];
    const size_t n = fold(p, len, buf);
    const int64_t *v = n ? tk_strmap_get(r->map, buf, n) : NULL;
    return v ? (uint32_t)*v : NONE;
}

/* Appends an entity with no rows to k. */
static int ent_new(struct kind *k, uint32_t *e, tk_error *err)
{
    size_t need, bytes;

    if (k->nent >= ROW_MAX)
        return oom(err);
    if (k->nent == k->capent) {
        size_t cap = k->capent ? k->capent * 2 : 16;
        if (!tk_mul_size(cap, k->nseg, &need) || !tk_mul_size(need, sizeof *k->rec, &bytes))
            return oom(err);
        uint32_t *rec = tk_realloc(k->rec, bytes);
        if (rec == NULL)
            return oom(err);
        k->rec = rec;
        k->capent = cap;
    }
    for (size_t i = 0; i < k->nseg; i++)
        k->rec[k->nent * k->nseg + i] = NONE;
    *e = (uint32_t)k->nent++;
    return TK_OK;
}

/* The entity of key[0..klen) (already folded), NONE if unknown. */
static uint32_t ent_get(const struct kind *k, const char *key, size_t klen)
{
    const int64_t *v = klen ? tk_strmap_get(k->names, key, klen) : NULL;
    return v ? (uint32_t)*v : NONE;
}

/* The entity of key[0..klen), created if new. */
static int ent_put(struct kind *k, const char *key, size_t klen, uint32_t *e, tk_error *err)
{
    *e = ent_get(k, key, klen);
    if (*e != NONE)
        return TK_OK;
    const int rc = ent_new(k, e, err);
    if (rc != TK_OK)
        return rc;
    return tk_strmap_put(k->names, key, klen, (int64_t)*e, NULL, err);
}

/* The entity of pseudonym p in a pseudonym-keyed kind, created if new. */
static int ent_put_ps(struct kind *k, const uint8_t *p, uint32_t *e, tk_error *err)
{
    int added;
    int rc = ps_add(&k->ps, p, e, &added, err);
    if (rc == TK_OK && added) {
        uint32_t ne;
        rc = ent_new(k, &ne, err);
        assert(rc != TK_OK || ne == *e);
    }
    return rc;
}

/* The segment of k that answers for day; k->nseg > 0. */
static size_t seg_of(const struct kind *k, int64_t day)
{
    size_t lo = 0, hi = k->nseg;
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo) / 2;
        if (k->from[mid] <= day)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t rec_at(const struct kind *k, uint32_t e, int64_t day)
{
    if (e == NONE || k->nseg == 0)
        return NONE;
    return k->rec[(size_t)e * k->nseg + seg_of(k, day)];
}

/* The rec entry of name p[0..len) of a name-keyed kind on day. */
static uint32_t rec_by_name(const struct kind *k, const char *p, size_t len, int64_t day)
{
    char buf[KEY_MAX];
    return rec_at(k, ent_get(k, buf, fold(p, len, buf)), day);
}

/* ---- reading columns ------------------------------------------------------ */

static int col_str(tk_mastersnap *s, sqlite3_stmt *st, int i, const char **out, tk_error *err)
{
    const char *p = (const char *)sqlite3_column_text(st, i);
    if (p == NULL && sqlite3_column_type(st, i) != SQLITE_NULL)
        return oom(err);
    return intern(s, p, p ? (size_t)sqlite3_column_bytes(st, i) : 0, out, err);
}

static int col_day(sqlite3_stmt *st, int i, int64_t *day, tk_error *err)
{
    const char *p = (const char *)sqlite3_column_text(st, i);
    const size_t len = p ? (size_t)sqlite3_column_bytes(st, i) : 0;

    *day = TK_MASTERSNAP_NO_DAY;
    if (p == NULL && sqlite3_column_type(st, i) != SQLITE_NULL)
        return oom(err);
    if (len == 0)
        return TK_OK;
    if (tk_master_parse_day(p, len, day, NULL) != TK_OK)
        return tk_error_set(err, TK_EINTERNAL, "master data holds an invalid date \"%.*s\"",
                            (int)(len > 20 ? 20 : len), p);
    return TK_OK;
}

/* *out points at the column's 32-byte pseudonym (valid until the next
 * step), or is NULL for SQL NULL. */
static int col_ps(sqlite3_stmt *st, int i, const uint8_t **out, tk_error *err)
{
    *out = NULL;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return TK_OK;
    const void *p = sqlite3_column_blob(st, i);
    const int n = sqlite3_column_bytes(st, i);
    if (p == NULL || n != PS)
        return tk_error_set(err, TK_EINTERNAL, "master data holds a pseudonym of %d bytes", n);
    *out = p;
    return TK_OK;
}

static int col_is(sqlite3_stmt *st, int i, const char *word)
{
    const char *p = (const char *)sqlite3_column_text(st, i);
    return p != NULL && strcmp(p, word) == 0;
}

/* Folds column i into buf; returns the key length (0: none). */
static size_t col_key(sqlite3_stmt *st, int i, char *buf)
{
    const char *p = (const char *)sqlite3_column_text(st, i);
    return p ? fold(p, (size_t)sqlite3_column_bytes(st, i), buf) : 0;
}

/* ---- loading: one version ------------------------------------------------- */

/* Sort key of a row of a multi-row kind: entity, then key (overtime: day),
 * then position in the file. */
struct tri {
    uint32_t ent, seq;
    int64_t key;
};

static int tri_cmp(const void *a, const void *b)
{
    const struct tri *x = a, *y = b;
    if (x->ent != y->ent)
        return x->ent < y->ent ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* What the row callbacks of one version share. */
struct ld {
    size_t seg; /* ARCHIVE for older versions of staff and terminals */
    int64_t vid;
    tk_strmap *rows; /* staff: exact 職員ID -> row, for the sub-lists */
    size_t start;    /* first row of this version */
    size_t cursor;   /* watch list: merge position */
    struct tri *tri;
    size_t ntri, captri;
};

typedef int (*row_fn)(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err);

/* Runs sql with ?1 = the version and calls fn for each row. */
static int each_row(tk_mastersnap *s, tk_db *db, const char *sql, struct ld *l, row_fn fn,
                    tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st, sql, err);

    if (rc == TK_OK && sqlite3_bind_int64(st, 1, l->vid) != SQLITE_OK)
        rc = tk_db_error(db, err, "binding a master data version");
    while (rc == TK_OK) {
        const int r = tk_db_step(db, st, err);
        if (r <= 0) {
            rc = r;
            break;
        }
        rc = fn(s, st, l, err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Records the row of entity e (a single-row kind) for the version. */
static void set_rec(struct kind *k, const struct ld *l, uint32_t e, size_t row)
{
    if (l->seg == ARCHIVE) {
        for (size_t i = 0; i < k->nseg; i++)
            k->rec[(size_t)e * k->nseg + i] = (uint32_t)row | FB;
    } else {
        k->rec[(size_t)e * k->nseg + l->seg] = (uint32_t)row;
    }
}

/* Entity of a single-row name-keyed kind for key column 0: NONE when the
 * row is to be skipped (no key; an archive row of a known entity). */
static int single_ent(struct kind *k, sqlite3_stmt *st, const struct ld *l, uint32_t *e,
                      tk_error *err)
{
    char buf[KEY_MAX];
    const size_t n = col_key(st, 0, buf);

    *e = NONE;
    if (n == 0 || (l->seg == ARCHIVE && ent_get(k, buf, n) != NONE))
        return TK_OK;
    return ent_put(k, buf, n, e, err);
}

static int add_tri(struct ld *l, uint32_t ent, size_t row, int64_t key, tk_error *err)
{
    void *a = room(l->tri, l->ntri, &l->captri, sizeof *l->tri);
    if (a == NULL)
        return oom(err);
    l->tri = a;
    l->tri[l->ntri].ent = ent;
    l->tri[l->ntri].seq = (uint32_t)(row - l->start);
    l->tri[l->ntri].key = key;
    l->ntri++;
    return TK_OK;
}

/* Sorts the version's rows base[0..ntri) (elem bytes each) by entity and
 * records one group per entity. */
static int group_rows(struct kind *k, struct ld *l, void *base, size_t elem, tk_error *err)
{
    size_t bytes;

    if (l->ntri == 0)
        return TK_OK;
    qsort(l->tri, l->ntri, sizeof *l->tri, tri_cmp);
    if (!tk_mul_size(l->ntri, elem, &bytes))
        return oom(err);
    char *tmp = tk_alloc(bytes);
    if (tmp == NULL)
        return oom(err);
    for (size_t i = 0; i < l->ntri; i++)
        memcpy(tmp + i * elem, (char *)base + (size_t)l->tri[i].seq * elem, elem);
    memcpy(base, tmp, bytes);
    tk_free(tmp);
    for (size_t i = 0; i < l->ntri; i++) {
        if (i == 0 || l->tri[i].ent != l->tri[i - 1].ent) {
            if (k->ngrp >= ROW_MAX)
                return oom(err);
            void *a = room(k->grp, k->ngrp, &k->capgrp, sizeof *k->grp);
            if (a == NULL)
                return oom(err);
            k->grp = a;
            k->grp[k->ngrp].first = (uint32_t)(l->start + i);
            k->grp[k->ngrp].n = 0;
            k->rec[(size_t)l->tri[i].ent * k->nseg + l->seg] = (uint32_t)k->ngrp++;
        }
        k->grp[k->ngrp - 1].n++;
    }
    return TK_OK;
}

static int internal_order(tk_error *err, const char *what)
{
    return tk_error_set(err, TK_EINTERNAL, "master data %s arrived out of order", what);
}

/* -- staff -- */

static int staff_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    struct kind *k = &s->k[K_STAFF];
    const uint8_t *kana = NULL;
    uint32_t e;
    int rc = single_ent(k, st, l, &e, err);

    if (rc != TK_OK || e == NONE)
        return rc;
    if (s->nstaff >= ROW_MAX)
        return oom(err);
    void *a = room(s->staff, s->nstaff, &s->capstaff, sizeof *s->staff);
    if (a == NULL)
        return oom(err);
    s->staff = a;
    struct staff_row *r = &s->staff[s->nstaff];
    memset(r, 0, sizeof *r);
    r->own = r->kana = NONE;
    r->vid = l->vid;
    r->col_status = col_is(st, 4, "retired") ? COL_RETIRED
                    : col_is(st, 4, "leave") ? COL_LEAVE
                                             : COL_ACTIVE;
    rc = col_str(s, st, 0, &r->id, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 1, &r->name, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 2, &r->dept, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 3, &r->section, err);
    if (rc == TK_OK)
        rc = col_day(st, 5, &r->hired, err);
    if (rc == TK_OK)
        rc = col_day(st, 6, &r->transferred, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 7, &r->prev, err);
    if (rc == TK_OK)
        rc = col_day(st, 8, &r->retired, err);
    if (rc == TK_OK)
        rc = col_ps(st, 9, &kana, err);
    if (rc == TK_OK)
        rc = reg_put(&s->depts, r->dept, &r->dept_id, err);
    if (rc == TK_OK)
        rc = reg_put(&s->depts, r->prev, &r->prev_id, err);
    if (rc == TK_OK && kana != NULL) {
        a = room(s->sblob, s->nsblob, &s->capsblob, sizeof *s->sblob);
        if (a == NULL)
            return oom(err);
        s->sblob = a;
        memcpy(s->sblob[s->nsblob], kana, PS);
        r->kana = (uint32_t)s->nsblob++;
    }
    if (rc == TK_OK)
        rc = tk_strmap_put(l->rows, r->id, strlen(r->id), (int64_t)s->nstaff, NULL, err);
    if (rc != TK_OK)
        return rc;
    set_rec(k, l, e, s->nstaff++);
    return TK_OK;
}

/* The staff row of this version named by column 0, or NULL (skipped). */
static struct staff_row *sub_parent(tk_mastersnap *s, sqlite3_stmt *st, const struct ld *l)
{
    const char *p = (const char *)sqlite3_column_text(st, 0);
    const int64_t *row = p ? tk_strmap_get(l->rows, p, (size_t)sqlite3_column_bytes(st, 0)) : NULL;
    return row ? &s->staff[*row] : NULL;
}

/* Extends the run *first, *n (of a parent) by the item about to be
 * appended at index next. */
static int extend_run(uint32_t *first, uint32_t *n, size_t next, tk_error *err)
{
    if (next >= ROW_MAX)
        return oom(err);
    if (*n == 0)
        *first = (uint32_t)next;
    else if ((size_t)*first + *n != next)
        return internal_order(err, "sub-lists");
    (*n)++;
    return TK_OK;
}

static int account_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    struct staff_row *r = sub_parent(s, st, l);
    const char *acc = NULL;

    if (r == NULL)
        return TK_OK;
    int rc = col_str(s, st, 1, &acc, err);
    if (rc != TK_OK || acc == NULL)
        return rc;
    void *a = room(s->acc, s->nacc, &s->capacc, sizeof *s->acc);
    if (a == NULL)
        return oom(err);
    s->acc = a;
    rc = extend_run(&r->acc_first, &r->acc_n, s->nacc, err);
    if (rc == TK_OK)
        s->acc[s->nacc++] = acc;
    return rc;
}

static int leave_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    struct staff_row *r = sub_parent(s, st, l);
    int64_t from, to;

    if (r == NULL)
        return TK_OK;
    int rc = col_day(st, 1, &from, err);
    if (rc == TK_OK)
        rc = col_day(st, 2, &to, err);
    if (rc != TK_OK)
        return rc;
    void *a = room(s->leave, s->nleave + 1, &s->capleave, sizeof *s->leave);
    if (a == NULL)
        return oom(err);
    s->leave = a;
    rc = extend_run(&r->leave_first, &r->leave_n, s->nleave / 2, err);
    if (rc != TK_OK)
        return rc;
    s->leave[s->nleave++] = from;
    s->leave[s->nleave++] = to;
    return TK_OK;
}

static int subject_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    struct staff_row *r = sub_parent(s, st, l);
    const uint8_t *ps = NULL;
    const int self = col_is(st, 1, "self");

    if (r == NULL)
        return TK_OK;
    int rc = col_ps(st, 2, &ps, err);
    if (rc != TK_OK || ps == NULL || (self && r->own != NONE))
        return rc;
    if (s->nsblob >= ROW_MAX)
        return oom(err);
    void *a = room(s->sblob, s->nsblob, &s->capsblob, sizeof *s->sblob);
    if (a == NULL)
        return oom(err);
    s->sblob = a;
    if (self) {
        r->own = (uint32_t)s->nsblob;
    } else {
        rc = extend_run(&r->hh_first, &r->hh_n, s->nsblob, err);
        if (rc != TK_OK)
            return rc;
    }
    memcpy(s->sblob[s->nsblob++], ps, PS);
    return TK_OK;
}

static int load_staff(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err)
{
    static const char rows_sql[] =
        "SELECT staff_id, name, dept, section, status, hired_on, transferred_on, prev_dept,"
        " retired_on, kana_ps FROM master_staff WHERE version_id = ?1 ORDER BY staff_id";
    static const char acc_sql[] = "SELECT staff_id, account FROM master_staff_accounts"
                                  " WHERE version_id = ?1 ORDER BY staff_id, rowid";
    static const char leave_sql[] = "SELECT staff_id, from_on, to_on FROM master_staff_leaves"
                                    " WHERE version_id = ?1 ORDER BY staff_id, from_on, to_on";
    /* 'self' sorts first, so each member's households stay contiguous. */
    static const char subj_sql[] =
        "SELECT staff_id, relation, subject_ps FROM master_staff_subjects"
        " WHERE version_id = ?1 ORDER BY staff_id, relation = 'household', rowid";
    int rc = tk_strmap_create(&l->rows, err);

    if (rc == TK_OK)
        rc = each_row(s, db, rows_sql, l, staff_cb, err);
    if (rc == TK_OK)
        rc = each_row(s, db, acc_sql, l, account_cb, err);
    if (rc == TK_OK)
        rc = each_row(s, db, leave_sql, l, leave_cb, err);
    if (rc == TK_OK)
        rc = each_row(s, db, subj_sql, l, subject_cb, err);
    tk_strmap_destroy(l->rows);
    l->rows = NULL;
    return rc;
}

/* -- terminals -- */

static int term_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    struct kind *k = &s->k[K_TERM];
    uint32_t e;
    int rc = single_ent(k, st, l, &e, err);

    if (rc != TK_OK || e == NONE)
        return rc;
    if (s->nterm >= ROW_MAX)
        return oom(err);
    void *a = room(s->term, s->nterm, &s->capterm, sizeof *s->term);
    if (a == NULL)
        return oom(err);
    s->term = a;
    struct term_row *r = &s->term[s->nterm];
    memset(r, 0, sizeof *r);
    r->vid = l->vid;
    r->kind = col_is(st, 2, "mynumber")  ? TK_MASTERSNAP_TERMINAL_MYNUMBER
              : col_is(st, 2, "general") ? TK_MASTERSNAP_TERMINAL_GENERAL
                                         : TK_MASTERSNAP_TERMINAL_UNKNOWN;
    rc = col_str(s, st, 0, &r->name, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 1, &r->dept, err);
    if (rc == TK_OK)
        rc = col_day(st, 3, &r->registered, err);
    if (rc == TK_OK)
        rc = reg_put(&s->depts, r->dept, &r->dept_id, err);
    if (rc != TK_OK)
        return rc;
    set_rec(k, l, e, s->nterm++);
    return TK_OK;
}

static int load_terminals(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err)
{
    static const char sql[] = "SELECT terminal, dept, kind, registered_on FROM master_terminals"
                              " WHERE version_id = ?1 ORDER BY terminal";
    return each_row(s, db, sql, l, term_cb, err);
}

/* -- authorisations -- */

static int auth_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    struct kind *k = &s->k[K_AUTH];
    const char *dept = NULL, *sys = NULL;
    uint32_t ids[2], e;
    char key[sizeof ids];

    int rc = col_str(s, st, 0, &dept, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 1, &sys, err);
    if (rc == TK_OK)
        rc = reg_put(&s->depts, dept, &ids[0], err);
    if (rc == TK_OK)
        rc = reg_put(&s->systems, sys, &ids[1], err);
    if (rc != TK_OK || ids[0] == NONE || ids[1] == NONE)
        return rc;
    memcpy(key, ids, sizeof key);
    rc = ent_put(k, key, sizeof key, &e, err);
    if (rc != TK_OK)
        return rc;
    if (s->nauth >= ROW_MAX)
        return oom(err);
    void *a = room(s->auth, s->nauth, &s->capauth, sizeof *s->auth);
    if (a == NULL)
        return oom(err);
    s->auth = a;
    struct auth_row *r = &s->auth[s->nauth];
    memset(r, 0, sizeof *r);
    r->g.level = col_is(st, 2, "lookup")   ? TK_MASTERSNAP_LEVEL_LOOKUP
                 : col_is(st, 2, "update") ? TK_MASTERSNAP_LEVEL_UPDATE
                                           : TK_MASTERSNAP_LEVEL_ALL;
    r->g.mynumber = sqlite3_column_int64(st, 4) != 0;
    rc = col_str(s, st, 3, &r->g.function, err);
    if (rc == TK_OK)
        rc = reg_put(&s->functions, r->g.function, &r->fn, err);
    if (rc == TK_OK)
        rc = add_tri(l, e, s->nauth, 0, err);
    if (rc == TK_OK)
        s->nauth++;
    return rc;
}

static int load_auth(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err)
{
    static const char sql[] = "SELECT dept, system, level, function, mynumber"
                              " FROM master_authorizations WHERE version_id = ?1 ORDER BY line";
    l->start = s->nauth;
    int rc = each_row(s, db, sql, l, auth_cb, err);
    if (rc == TK_OK)
        rc = group_rows(&s->k[K_AUTH], l, s->auth + l->start, sizeof *s->auth, err);
    return rc;
}

/* -- 兼務 -- */

static int asg_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    char buf[KEY_MAX];
    const size_t n = col_key(st, 0, buf);
    uint32_t e;

    if (n == 0)
        return TK_OK;
    int rc = ent_put(&s->k[K_ASSIGN], buf, n, &e, err);
    if (rc != TK_OK)
        return rc;
    if (s->nasg >= ROW_MAX)
        return oom(err);
    void *a = room(s->asg, s->nasg, &s->capasg, sizeof *s->asg);
    if (a == NULL)
        return oom(err);
    s->asg = a;
    struct asg_row *r = &s->asg[s->nasg];
    memset(r, 0, sizeof *r);
    rc = col_str(s, st, 1, &r->a.dept, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 2, &r->a.system, err);
    if (rc == TK_OK)
        rc = col_day(st, 3, &r->a.from, err);
    if (rc == TK_OK)
        rc = col_day(st, 4, &r->a.to, err);
    if (rc == TK_OK)
        rc = reg_put(&s->depts, r->a.dept, &r->dept, err);
    if (rc == TK_OK)
        rc = reg_put(&s->systems, r->a.system, &r->sys, err);
    if (rc == TK_OK)
        rc = add_tri(l, e, s->nasg, 0, err);
    if (rc == TK_OK)
        s->nasg++;
    return rc;
}

static int load_assign(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err)
{
    static const char sql[] = "SELECT staff_id, dept, system, from_on, to_on"
                              " FROM master_assignments WHERE version_id = ?1 ORDER BY line";
    l->start = s->nasg;
    int rc = each_row(s, db, sql, l, asg_cb, err);
    if (rc == TK_OK)
        rc = group_rows(&s->k[K_ASSIGN], l, s->asg + l->start, sizeof *s->asg, err);
    return rc;
}

/* -- overtime -- */

static int ot_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    char buf[KEY_MAX];
    const size_t n = col_key(st, 0, buf);
    const int64_t from = sqlite3_column_int64(st, 2), to = sqlite3_column_int64(st, 3);
    uint32_t e;

    if (n == 0)
        return TK_OK;
    if (from < 0 || to > 48 * 60 || from >= to)
        return tk_error_set(err, TK_EINTERNAL, "master data holds an invalid overtime order");
    int rc = ent_put(&s->k[K_OT], buf, n, &e, err);
    if (rc != TK_OK)
        return rc;
    if (s->n_ot >= ROW_MAX)
        return oom(err);
    void *a = room(s->ot, s->n_ot, &s->cap_ot, sizeof *s->ot);
    if (a == NULL)
        return oom(err);
    s->ot = a;
    struct ot_row *r = &s->ot[s->n_ot];
    r->from = (int)from;
    r->to = (int)to;
    rc = col_day(st, 1, &r->day, err);
    if (rc == TK_OK && r->day == TK_MASTERSNAP_NO_DAY)
        return tk_error_set(err, TK_EINTERNAL, "master data holds an overtime without a date");
    if (rc == TK_OK)
        rc = add_tri(l, e, s->n_ot, r->day, err);
    if (rc == TK_OK)
        s->n_ot++;
    return rc;
}

static int load_overtime(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err)
{
    static const char sql[] = "SELECT staff_id, day, from_min, to_min FROM master_overtime"
                              " WHERE version_id = ?1 ORDER BY line";
    l->start = s->n_ot;
    int rc = each_row(s, db, sql, l, ot_cb, err);
    if (rc == TK_OK)
        rc = group_rows(&s->k[K_OT], l, s->ot + l->start, sizeof *s->ot, err);
    return rc;
}

/* -- media -- */

static int media_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    char buf[KEY_MAX];
    const size_t n = col_key(st, 0, buf);
    uint32_t e;

    if (n == 0)
        return TK_OK;
    int rc = ent_put(&s->k[K_MEDIA], buf, n, &e, err);
    if (rc != TK_OK)
        return rc;
    if (s->nmedia >= ROW_MAX)
        return oom(err);
    void *a = room(s->media, s->nmedia, &s->capmedia, sizeof *s->media);
    if (a == NULL)
        return oom(err);
    s->media = a;
    struct media_row *r = &s->media[s->nmedia];
    memset(r, 0, sizeof *r);
    rc = col_str(s, st, 0, &r->serial, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 1, &r->device, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 2, &r->dept, err);
    if (rc == TK_OK)
        rc = col_day(st, 3, &r->approved, err);
    if (rc == TK_OK)
        rc = col_day(st, 4, &r->expires, err);
    if (rc == TK_OK)
        rc = reg_put(&s->depts, r->dept, &r->dept_id, err);
    if (rc == TK_OK)
        rc = add_tri(l, e, s->nmedia, 0, err);
    if (rc == TK_OK)
        s->nmedia++;
    return rc;
}

static int load_media(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err)
{
    static const char sql[] = "SELECT serial, device, dept, approved_on, expires_on"
                              " FROM master_media WHERE version_id = ?1 ORDER BY line";
    l->start = s->nmedia;
    int rc = each_row(s, db, sql, l, media_cb, err);
    if (rc == TK_OK)
        rc = group_rows(&s->k[K_MEDIA], l, s->media + l->start, sizeof *s->media, err);
    return rc;
}

/* -- watch list -- */

static int watch_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    const uint8_t *ps = NULL;
    uint32_t e;

    int rc = col_ps(st, 1, &ps, err);
    if (rc != TK_OK || ps == NULL)
        return rc;
    rc = ent_put_ps(&s->k[K_WATCH], ps, &e, err);
    if (rc != TK_OK)
        return rc;
    if (s->nwatch >= ROW_MAX)
        return oom(err);
    void *a = room(s->watch, s->nwatch, &s->capwatch, sizeof *s->watch);
    if (a == NULL)
        return oom(err);
    s->watch = a;
    struct watch_row *r = &s->watch[s->nwatch];
    memset(r, 0, sizeof *r);
    r->wid = sqlite3_column_int64(st, 0);
    r->category = col_is(st, 2, "celebrity")       ? TK_MASTERSNAP_WATCH_CELEBRITY
                  : col_is(st, 2, "staff_related") ? TK_MASTERSNAP_WATCH_STAFF
                                                   : TK_MASTERSNAP_WATCH_PROTECTED;
    rc = col_day(st, 3, &r->from, err);
    if (rc == TK_OK)
        rc = col_day(st, 4, &r->to, err);
    if (rc == TK_OK)
        rc = add_tri(l, e, s->nwatch, 0, err);
    if (rc == TK_OK)
        s->nwatch++;
    return rc;
}

static int watch_dept_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    const int64_t wid = sqlite3_column_int64(st, 0);
    const char *dept = NULL;
    uint32_t id;

    while (l->cursor < s->nwatch && s->watch[l->cursor].wid < wid)
        l->cursor++;
    if (l->cursor == s->nwatch || s->watch[l->cursor].wid != wid)
        return TK_OK;
    struct watch_row *r = &s->watch[l->cursor];
    int rc = col_str(s, st, 1, &dept, err);
    if (rc == TK_OK)
        rc = reg_put(&s->depts, dept, &id, err);
    if (rc != TK_OK || dept == NULL)
        return rc;
    void *a = room(s->wdname, s->nwd, &s->capwdname, sizeof *s->wdname);
    if (a == NULL)
        return oom(err);
    s->wdname = a;
    a = room(s->wdid, s->nwd, &s->capwdid, sizeof *s->wdid);
    if (a == NULL)
        return oom(err);
    s->wdid = a;
    rc = extend_run(&r->dfirst, &r->dn, s->nwd, err);
    if (rc != TK_OK)
        return rc;
    s->wdname[s->nwd] = dept;
    s->wdid[s->nwd++] = id;
    return TK_OK;
}

static int load_watch(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err)
{
    static const char sql[] = "SELECT id, subject_ps, category, from_on, to_on"
                              " FROM master_watchlist WHERE version_id = ?1 ORDER BY id";
    static const char dept_sql[] =
        "SELECT d.watch_id, d.dept FROM master_watchlist_depts d"
        " JOIN master_watchlist w ON w.id = d.watch_id WHERE w.version_id = ?1"
        " ORDER BY d.watch_id, d.rowid";
    l->start = l->cursor = s->nwatch;
    int rc = each_row(s, db, sql, l, watch_cb, err);
    if (rc == TK_OK)
        rc = each_row(s, db, dept_sql, l, watch_dept_cb, err);
    if (rc == TK_OK)
        rc = group_rows(&s->k[K_WATCH], l, s->watch + l->start, sizeof *s->watch, err);
    return rc;
}

/* -- residents -- */

static int pool_id(tk_mastersnap *s, sqlite3_stmt *st, int i, uint32_t *id, tk_error *err)
{
    const uint8_t *ps = NULL;
    int added;

    *id = NONE;
    const int rc = col_ps(st, i, &ps, err);
    if (rc != TK_OK || ps == NULL)
        return rc;
    return ps_add(&s->pool, ps, id, &added, err);
}

static int res_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    struct kind *k = &s->k[K_RESID];
    const uint8_t *ps = NULL;
    struct res_row r;
    uint32_t e;

    int rc = col_ps(st, 0, &ps, err);
    if (rc != TK_OK || ps == NULL)
        return rc;
    rc = pool_id(s, st, 1, &r.household, err);
    if (rc == TK_OK)
        rc = pool_id(s, st, 2, &r.block, err);
    if (rc == TK_OK)
        rc = pool_id(s, st, 3, &r.kana, err);
    if (rc == TK_OK)
        rc = ent_put_ps(k, ps, &e, err);
    if (rc != TK_OK)
        return rc;
    if (s->nres >= ROW_MAX)
        return oom(err);
    void *a = room(s->res, s->nres, &s->capres, sizeof *s->res);
    if (a == NULL)
        return oom(err);
    s->res = a;
    s->res[s->nres] = r;
    set_rec(k, l, e, s->nres++);
    return TK_OK;
}

static int load_resid(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err)
{
    static const char sql[] = "SELECT subject_ps, household_ps, block_ps, kana_ps"
                              " FROM master_residents WHERE version_id = ?1";
    return each_row(s, db, sql, l, res_cb, err);
}

/* -- training accounts -- */

static int train_cb(tk_mastersnap *s, sqlite3_stmt *st, struct ld *l, tk_error *err)
{
    char buf[KEY_MAX];
    const size_t n = col_key(st, 0, buf);
    uint32_t e, id;

    if (n == 0)
        return TK_OK;
    int rc = ent_put(&s->k[K_TRAIN], buf, n, &e, err);
    if (rc != TK_OK)
        return rc;
    if (s->ntrain >= ROW_MAX)
        return oom(err);
    void *a = room(s->train, s->ntrain, &s->captrain, sizeof *s->train);
    if (a == NULL)
        return oom(err);
    s->train = a;
    tk_mastersnap_training *r = &s->train[s->ntrain].t;
    memset(r, 0, sizeof *r);
    r->listed = 1;
    rc = col_str(s, st, 0, &r->account, err);
    if (rc == TK_OK)
        rc = col_day(st, 1, &r->from, err);
    if (rc == TK_OK)
        rc = col_day(st, 2, &r->to, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 3, &r->name, err);
    if (rc == TK_OK)
        rc = col_str(s, st, 4, &r->dept, err);
    if (rc == TK_OK)
        rc = reg_put(&s->depts, r->dept, &id, err);
    if (rc != TK_OK)
        return rc;
    r->dept_id = dept_out(id);
    if (r->from == TK_MASTERSNAP_NO_DAY)
        return tk_error_set(err, TK_EINTERNAL, "master data holds a training without 開始日");
    /* By entity, then 開始日: the periods of an account in date order. */
    rc = add_tri(l, e, s->ntrain, r->from, err);
    if (rc == TK_OK)
        s->ntrain++;
    return rc;
}

static int load_train(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err)
{
    static const char sql[] = "SELECT account, from_on, to_on, name, dept"
                              " FROM master_training WHERE version_id = ?1 ORDER BY line";
    l->start = s->ntrain;
    int rc = each_row(s, db, sql, l, train_cb, err);
    if (rc == TK_OK)
        rc = group_rows(&s->k[K_TRAIN], l, s->train + l->start, sizeof *s->train, err);
    return rc;
}

/* Logs are stored under the 職員ID an account resolved to, so a training
 * account that the staff master gives to a member is asked about by that
 * 職員ID: every 職員ID of a loaded staff record one of whose アカウント is a
 * training account becomes another key of that account's entity (unless
 * it is a training account itself). One probe then answers either way. */
static int alias_training(tk_mastersnap *s, tk_error *err)
{
    struct kind *k = &s->k[K_TRAIN];
    char acc[KEY_MAX], id[KEY_MAX];

    for (size_t i = 0; k->nent > 0 && i < s->nstaff; i++) {
        const struct staff_row *r = &s->staff[i];
        for (size_t j = 0; j < r->acc_n; j++) {
            const char *a = s->acc[(size_t)r->acc_first + j];
            const uint32_t e = ent_get(k, acc, fold(a, strlen(a), acc));
            const size_t n = fold(r->id, strlen(r->id), id);
            if (e == NONE || n == 0 || ent_get(k, id, n) != NONE)
                continue;
            const int rc = tk_strmap_put(k->names, id, n, (int64_t)e, NULL, err);
            if (rc != TK_OK)
                return rc;
        }
    }
    return TK_OK;
}

typedef int (*load_fn)(tk_mastersnap *s, tk_db *db, struct ld *l, tk_error *err);

static const load_fn loaders[K_N] = {load_staff,  load_terminals, load_auth,
                                     load_assign, load_overtime,  load_media,
                                     load_watch,  load_resid,     load_train};

/* ---- loading: versions and segments --------------------------------------- */

struct ver {
    int64_t id, day;
};

/* Every version of kind, by effective day then import. *out is owned. */
static int list_versions(tk_db *db, const char *kind, struct ver **out, size_t *n, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = tk_db_prepare(db, &st,
                           "SELECT id, effective_day FROM master_versions WHERE kind = ?1"
                           " ORDER BY effective_day, id",
                           err);

    *out = NULL;
    *n = 0;
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 1, kind, strlen(kind), err);
    while (rc == TK_OK) {
        const int r = tk_db_step(db, st, err);
        if (r <= 0) {
            rc = r;
            break;
        }
        void *a = room(*out, *n, &cap, sizeof **out);
        if (a == NULL) {
            rc = oom(err);
            break;
        }
        *out = a;
        (*out)[*n].id = sqlite3_column_int64(st, 0);
        (*out)[*n].day = sqlite3_column_int64(st, 1);
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Cuts the period into k's segments; *i0 is the index in v of segment 0's
 * version (the older ones, v[0..i0), are the archive). */
static int plan_segments(const tk_mastersnap *s, struct kind *k, const struct ver *v, size_t n,
                         size_t *i0, tk_error *err)
{
    size_t z = SIZE_MAX;

    *i0 = 0;
    if (n == 0)
        return TK_OK;
    for (size_t i = 0; i < n && v[i].day <= s->first; i++)
        z = i;
    if (z == SIZE_MAX) {
        z = 0;
        while (z + 1 < n && v[z + 1].day == v[0].day)
            z++;
    }
    k->from = tk_calloc(n, sizeof *k->from);
    k->vid = tk_calloc(n, sizeof *k->vid);
    if (k->from == NULL || k->vid == NULL)
        return oom(err);
    k->from[0] = s->first;
    k->vid[0] = v[z].id;
    k->nseg = 1;
    for (size_t i = z + 1; i < n && v[i].day <= s->last; i++) {
        if (k->from[k->nseg - 1] == v[i].day) {
            k->vid[k->nseg - 1] = v[i].id;
        } else {
            k->from[k->nseg] = v[i].day;
            k->vid[k->nseg++] = v[i].id;
        }
    }
    *i0 = z;
    return TK_OK;
}

/* Gives every entity of a fallback kind a row on every segment: the
 * nearest earlier listing version's, else the nearest later one's. */
static void fill_fallback(struct kind *k)
{
    for (size_t e = 0; e < k->nent; e++) {
        uint32_t *r = &k->rec[e * k->nseg];
        uint32_t last = NONE;
        for (size_t i = 0; i < k->nseg; i++) {
            if (r[i] != NONE && !(r[i] & FB))
                last = r[i];
            else if (r[i] == NONE && last != NONE)
                r[i] = last | FB;
        }
        last = NONE;
        for (size_t i = k->nseg; i-- > 0;) {
            if (r[i] != NONE && !(r[i] & FB))
                last = r[i];
            else if (r[i] == NONE && last != NONE)
                r[i] = last | FB;
        }
    }
}

static int load_kind(tk_mastersnap *s, tk_db *db, int kind, tk_error *err)
{
    struct kind *k = &s->k[kind];
    struct ver *v = NULL;
    struct ld l;
    size_t n = 0, i0 = 0;
    const int fallback = kind == K_STAFF || kind == K_TERM;

    memset(&l, 0, sizeof l);
    int rc = list_versions(db, kind_names[kind], &v, &n, err);
    if (rc == TK_OK)
        rc = plan_segments(s, k, v, n, &i0, err);
    for (size_t i = 0; rc == TK_OK && i < k->nseg; i++) {
        l.seg = i;
        l.vid = k->vid[i];
        l.ntri = 0;
        rc = loaders[kind](s, db, &l, err);
    }
    if (rc == TK_OK && fallback && k->nseg > 0) {
        fill_fallback(k);
        for (size_t i = i0; rc == TK_OK && i-- > 0;) {
            l.seg = ARCHIVE;
            l.vid = v[i].id;
            rc = loaders[kind](s, db, &l, err);
        }
    }
    tk_free(l.tri);
    tk_free(v);
    return rc;
}

/* Gives back the unused ends of the large tables. Cannot fail: a table
 * that realloc() will not shrink is kept as it is. */
static void shrink(tk_mastersnap *s)
{
    for (int i = 0; i < K_N; i++) {
        struct kind *k = &s->k[i];
        size_t cap = k->capent * k->nseg, n = k->nent * k->nseg;
        k->rec = fit(k->rec, n, &cap, sizeof *k->rec);
        if (k->nseg > 0)
            k->capent = cap / k->nseg;
        k->grp = fit(k->grp, k->ngrp, &k->capgrp, sizeof *k->grp);
        k->ps.key = fit(k->ps.key, k->ps.n, &k->ps.cap, sizeof *k->ps.key);
    }
    s->str = fit(s->str, s->nstr, &s->capstr, sizeof *s->str);
    s->staff = fit(s->staff, s->nstaff, &s->capstaff, sizeof *s->staff);
    s->acc = fit(s->acc, s->nacc, &s->capacc, sizeof *s->acc);
    s->sblob = fit(s->sblob, s->nsblob, &s->capsblob, sizeof *s->sblob);
    s->term = fit(s->term, s->nterm, &s->capterm, sizeof *s->term);
    s->ot = fit(s->ot, s->n_ot, &s->cap_ot, sizeof *s->ot);
    s->res = fit(s->res, s->nres, &s->capres, sizeof *s->res);
    s->train = fit(s->train, s->ntrain, &s->captrain, sizeof *s->train);
    s->pool.key = fit(s->pool.key, s->pool.n, &s->pool.cap, sizeof *s->pool.key);
}

/* Builds the arrays the API hands out whole. */
static int publish(tk_mastersnap *s, tk_error *err)
{
    s->grant = tk_calloc(s->nauth, sizeof *s->grant);
    s->asgpub = tk_calloc(s->nasg, sizeof *s->asgpub);
    s->went = tk_calloc(s->nwatch, sizeof *s->went);
    if (s->grant == NULL || s->asgpub == NULL || s->went == NULL)
        return oom(err);
    for (size_t i = 0; i < s->nauth; i++)
        s->grant[i] = s->auth[i].g;
    for (size_t i = 0; i < s->nasg; i++) {
        s->asgpub[i] = s->asg[i].a;
        s->asgpub[i].dept_id = s->asg[i].dept == NONE ? TK_MASTERSNAP_NO_DEPT : s->asg[i].dept;
    }
    for (size_t i = 0; i < s->nwatch; i++) {
        const struct watch_row *r = &s->watch[i];
        s->went[i].category = r->category;
        s->went[i].from = r->from;
        s->went[i].to = r->to;
        s->went[i].depts = r->dn ? s->wdname + r->dfirst : NULL;
        s->went[i].ndepts = r->dn;
    }
    return TK_OK;
}

int tk_mastersnap_load(tk_mastersnap **out, tk_tenant *t, int64_t first_day, int64_t last_day,
                       tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    tk_mastersnap *s = NULL;
    int own_tx = 0;
    int rc = TK_OK;

    *out = NULL;
    if (first_day > last_day || first_day < tk_days_from_civil(1, 1, 1) ||
        last_day > tk_days_from_civil(9999, 12, 31))
        return tk_error_set(err, TK_EINVAL,
                            "invalid analysis period: days %lld to %lld (expected first <= last,"
                            " years 1-9999)",
                            (long long)first_day, (long long)last_day);
    s = tk_calloc(1, sizeof *s);
    if (s == NULL)
        return oom(err);
    s->first = first_day;
    s->last = last_day;
    rc = tk_strmap_create(&s->strs, err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&s->depts.map, err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&s->systems.map, err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&s->functions.map, err);
    for (int i = 0; rc == TK_OK && i < K_N; i++)
        rc = tk_strmap_create(&s->k[i].names, err);
    if (rc != TK_OK)
        goto done;
    own_tx = sqlite3_get_autocommit(tk_db_handle(db));
    if (own_tx) {
        rc = tk_db_exec(db, "BEGIN", err);
        if (rc != TK_OK) {
            own_tx = 0;
            goto done;
        }
    }
    for (int i = 0; rc == TK_OK && i < K_N; i++)
        rc = load_kind(s, db, i, err);
    if (rc == TK_OK)
        rc = alias_training(s, err);
    if (rc == TK_OK)
        rc = publish(s, err);
    if (rc != TK_OK)
        goto done;
    shrink(s);
    *out = s;
    s = NULL;
done:
    if (own_tx)
        tk_db_rollback(db); /* a read transaction: nothing to keep */
    tk_mastersnap_destroy(s);
    return rc;
}

void tk_mastersnap_destroy(tk_mastersnap *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < K_N; i++) {
        struct kind *k = &s->k[i];
        tk_free(k->from);
        tk_free(k->vid);
        tk_free(k->rec);
        tk_strmap_destroy(k->names);
        ps_dispose(&k->ps);
        tk_free(k->grp);
    }
    tk_strmap_destroy(s->strs);
    tk_free(s->str);
    tk_strmap_destroy(s->depts.map);
    tk_free(s->depts.name);
    tk_strmap_destroy(s->systems.map);
    tk_free(s->systems.name);
    tk_strmap_destroy(s->functions.map);
    tk_free(s->functions.name);
    tk_free(s->staff);
    tk_free(s->acc);
    tk_free(s->leave);
    tk_free(s->sblob);
    tk_free(s->term);
    tk_free(s->auth);
    tk_free(s->grant);
    tk_free(s->asg);
    tk_free(s->asgpub);
    tk_free(s->ot);
    tk_free(s->media);
    tk_free(s->watch);
    tk_free(s->wdname);
    tk_free(s->wdid);
    tk_free(s->went);
    tk_free(s->res);
    ps_dispose(&s->pool);
    tk_free(s->train);
    tk_free(s);
}

/* ---- queries -------------------------------------------------------------- */

int64_t tk_mastersnap_first_day(const tk_mastersnap *s)
{
    return s->first;
}

int64_t tk_mastersnap_last_day(const tk_mastersnap *s)
{
    return s->last;
}

int64_t tk_mastersnap_version(const tk_mastersnap *s, const char *kind, int64_t day)
{
    for (int i = 0; kind != NULL && i < K_N; i++) {
        if (strcmp(kind, kind_names[i]) == 0)
            return s->k[i].nseg ? s->k[i].vid[seg_of(&s->k[i], day)] : 0;
    }
    return 0;
}

static int status_on(const tk_mastersnap *s, const struct staff_row *r, int listed, int64_t day)
{
    if (r->retired != TK_MASTERSNAP_NO_DAY ? day > r->retired : r->col_status == COL_RETIRED)
        return TK_MASTERSNAP_RETIRED;
    if (r->hired != TK_MASTERSNAP_NO_DAY && day < r->hired)
        return TK_MASTERSNAP_NOT_HIRED;
    if (!listed)
        return TK_MASTERSNAP_UNLISTED;
    if (r->leave_n == 0)
        return r->col_status == COL_LEAVE ? TK_MASTERSNAP_LEAVE : TK_MASTERSNAP_ACTIVE;
    for (size_t i = 0; i < r->leave_n; i++) {
        const int64_t *p = &s->leave[2 * ((size_t)r->leave_first + i)];
        if (p[0] <= day && day <= p[1])
            return TK_MASTERSNAP_LEAVE;
    }
    return TK_MASTERSNAP_ACTIVE;
}

static void fill_staff(const tk_mastersnap *s, uint32_t rec, int64_t day, tk_mastersnap_staff *o)
{
    const struct staff_row *r = &s->staff[rec & ~FB];
    const int before =
        r->transferred != TK_MASTERSNAP_NO_DAY && day < r->transferred && r->prev != NULL;

    memset(o, 0, sizeof *o);
    o->staff_id = r->id;
    o->name = r->name;
    o->dept = before ? r->prev : r->dept;
    o->dept_id = dept_out(before ? r->prev_id : r->dept_id);
    o->section = r->section;
    o->record_dept = r->dept;
    o->prev_dept = r->prev;
    o->listed = !(rec & FB);
    o->status = status_on(s, r, o->listed, day);
    o->hired_on = r->hired;
    o->transferred_on = r->transferred;
    o->retired_on = r->retired;
    o->leaves = r->leave_n ? &s->leave[2 * (size_t)r->leave_first] : NULL;
    o->nleaves = r->leave_n;
    o->accounts = r->acc_n ? &s->acc[r->acc_first] : NULL;
    o->naccounts = r->acc_n;
    o->own_subject = r->own != NONE ? s->sblob[r->own] : NULL;
    o->household_subjects = r->hh_n ? s->sblob[r->hh_first] : NULL;
    o->nhousehold = r->hh_n;
    o->kana = r->kana != NONE ? s->sblob[r->kana] : NULL;
    o->version_id = r->vid;
}

int tk_mastersnap_find_staff(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                             tk_mastersnap_staff *out)
{
    const uint32_t rec = rec_by_name(&s->k[K_STAFF], p, len, day);

    if (out != NULL) {
        if (rec == NONE)
            memset(out, 0, sizeof *out);
        else
            fill_staff(s, rec, day, out);
    }
    return rec != NONE;
}

size_t tk_mastersnap_staff_count(const tk_mastersnap *s)
{
    return s->k[K_STAFF].nent;
}

void tk_mastersnap_staff_at(const tk_mastersnap *s, size_t i, int64_t day, tk_mastersnap_staff *out)
{
    assert(i < s->k[K_STAFF].nent);
    fill_staff(s, rec_at(&s->k[K_STAFF], (uint32_t)i, day), day, out);
}

/* The residents row of pseudonym p on day, or NULL. */
static const struct res_row *resident(const tk_mastersnap *s, const uint8_t *p, int64_t day)
{
    const struct kind *k = &s->k[K_RESID];
    const uint32_t rec = rec_at(k, ps_find(&k->ps, p), day);
    return rec == NONE ? NULL : &s->res[rec];
}

int tk_mastersnap_staff_relation(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                                 const uint8_t *subject)
{
    const uint32_t rec = rec_by_name(&s->k[K_STAFF], p, len, day);

    if (rec == NONE)
        return TK_MASTERSNAP_REL_NONE;
    const struct staff_row *r = &s->staff[rec & ~FB];
    if (r->own != NONE && memcmp(s->sblob[r->own], subject, PS) == 0)
        return TK_MASTERSNAP_REL_SELF;
    for (size_t i = 0; i < r->hh_n; i++) {
        if (memcmp(s->sblob[(size_t)r->hh_first + i], subject, PS) == 0)
            return TK_MASTERSNAP_REL_HOUSEHOLD;
    }
    if (r->own != NONE) {
        const struct res_row *a = resident(s, s->sblob[r->own], day);
        const struct res_row *b = resident(s, subject, day);
        if (a != NULL && b != NULL && a->household != NONE && a->household == b->household)
            return TK_MASTERSNAP_REL_SAME_HOUSEHOLD;
    }
    return TK_MASTERSNAP_REL_NONE;
}

size_t tk_mastersnap_dept_count(const tk_mastersnap *s)
{
    return s->depts.n;
}

const char *tk_mastersnap_dept_name(const tk_mastersnap *s, size_t dept_id)
{
    return dept_id < s->depts.n ? s->depts.name[dept_id] : NULL;
}

size_t tk_mastersnap_find_dept(const tk_mastersnap *s, const char *p, size_t len)
{
    return dept_out(reg_get(&s->depts, p, len));
}

int tk_mastersnap_find_terminal(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                                tk_mastersnap_terminal *out)
{
    const uint32_t rec = rec_by_name(&s->k[K_TERM], p, len, day);

    if (out == NULL || rec == NONE) {
        if (out != NULL)
            memset(out, 0, sizeof *out);
        return rec != NONE;
    }
    const struct term_row *r = &s->term[rec & ~FB];
    out->name = r->name;
    out->dept = r->dept;
    out->dept_id = dept_out(r->dept_id);
    out->kind = r->kind;
    out->registered_on = r->registered;
    out->listed = !(rec & FB);
    out->registered =
        out->listed && (r->registered == TK_MASTERSNAP_NO_DAY || r->registered <= day);
    out->version_id = r->vid;
    return 1;
}

/* The group of rows of (dept id, system id) in force on day, or NULL. */
static const struct grp *auth_group(const tk_mastersnap *s, uint32_t dept, uint32_t sys,
                                    int64_t day)
{
    const struct kind *k = &s->k[K_AUTH];
    const uint32_t ids[2] = {dept, sys};
    char key[sizeof ids];

    if (dept == NONE || sys == NONE)
        return NULL;
    memcpy(key, ids, sizeof key);
    const uint32_t rec = rec_at(k, ent_get(k, key, sizeof key), day);
    return rec == NONE ? NULL : &k->grp[rec];
}

int tk_mastersnap_check_auth(const tk_mastersnap *s, const char *dept, size_t dlen, const char *sys,
                             size_t slen, const char *function, size_t flen, int64_t day,
                             tk_mastersnap_auth *out)
{
    const struct grp *g =
        auth_group(s, reg_get(&s->depts, dept, dlen), reg_get(&s->systems, sys, slen), day);
    const uint32_t fn = function ? reg_get(&s->functions, function, flen) : NONE;
    tk_mastersnap_auth a;
    int ok = 0;

    memset(&a, 0, sizeof a);
    if (g != NULL) {
        a.grants = &s->grant[g->first];
        a.ngrants = g->n;
        for (size_t i = 0; i < g->n; i++) {
            const struct auth_row *r = &s->auth[(size_t)g->first + i];
            if (function != NULL && r->g.function != NULL && (fn == NONE || r->fn != fn))
                continue;
            ok = 1;
            if (r->g.level > a.level)
                a.level = r->g.level;
            a.mynumber |= r->g.mynumber;
        }
    }
    if (out != NULL)
        *out = a;
    return ok;
}

/* The group of rows of name p[0..len) of kind on day, or NULL. */
static const struct grp *group_of(const tk_mastersnap *s, int kind, const char *p, size_t len,
                                  int64_t day)
{
    const uint32_t rec = rec_by_name(&s->k[kind], p, len, day);
    return rec == NONE ? NULL : &s->k[kind].grp[rec];
}

int tk_mastersnap_is_assigned(const tk_mastersnap *s, const char *staff, size_t slen,
                              const char *dept, size_t dlen, const char *sys, size_t syslen,
                              int64_t day)
{
    const struct grp *g = group_of(s, K_ASSIGN, staff, slen, day);
    const uint32_t did = dept ? reg_get(&s->depts, dept, dlen) : NONE;
    const uint32_t sid = sys ? reg_get(&s->systems, sys, syslen) : NONE;

    if (g == NULL || (dept != NULL && did == NONE))
        return 0;
    for (size_t i = 0; i < g->n; i++) {
        const struct asg_row *r = &s->asg[(size_t)g->first + i];
        if (!in_range(day, r->a.from, r->a.to) || (dept != NULL && r->dept != did))
            continue;
        if (sys == NULL)
            return 1;
        if (r->a.system != NULL ? (sid != NONE && r->sys == sid)
                                : auth_group(s, r->dept, sid, day) != NULL)
            return 1;
    }
    return 0;
}

size_t tk_mastersnap_assignments(const tk_mastersnap *s, const char *staff, size_t slen,
                                 int64_t day, const tk_mastersnap_assignment **out)
{
    const struct grp *g = group_of(s, K_ASSIGN, staff, slen, day);

    *out = g ? &s->asgpub[g->first] : NULL;
    return g ? g->n : 0;
}

/* 1 if an order of entity e dated d covers minute m (0-2879) of d. */
static int ot_covers(const tk_mastersnap *s, uint32_t e, int64_t d, int m)
{
    const struct kind *k = &s->k[K_OT];
    const uint32_t rec = rec_at(k, e, d);

    if (rec == NONE)
        return 0;
    const struct ot_row *r = &s->ot[k->grp[rec].first];
    size_t lo = 0, hi = k->grp[rec].n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (r[mid].day < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < k->grp[rec].n && r[i].day == d; i++) {
        if (r[i].from <= m && m < r[i].to)
            return 1;
    }
    return 0;
}

int tk_mastersnap_has_overtime(const tk_mastersnap *s, const char *staff, size_t slen, int64_t day,
                               int minute)
{
    char buf[KEY_MAX];
    const struct kind *k = &s->k[K_OT];
    const uint32_t e = ent_get(k, buf, fold(staff, slen, buf));

    assert(minute >= 0 && minute < 24 * 60);
    if (e == NONE)
        return 0;
    return ot_covers(s, e, day, minute) ||
           (day > INT64_MIN && ot_covers(s, e, day - 1, minute + 24 * 60));
}

int tk_mastersnap_check_media(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                              tk_mastersnap_media *out)
{
    const struct grp *g = group_of(s, K_MEDIA, p, len, day);
    const struct media_row *r = NULL;
    int ok = 0;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (g == NULL)
        return 0;
    for (size_t i = 0; i < g->n && !ok; i++) {
        r = &s->media[(size_t)g->first + i];
        ok = in_range(day, r->approved, r->expires);
    }
    if (out != NULL) {
        out->serial = r->serial;
        out->device = r->device;
        out->dept = r->dept;
        out->dept_id = dept_out(r->dept_id);
        out->approved_on = r->approved;
        out->expires_on = r->expires;
        out->listed = 1;
    }
    return ok;
}

int tk_mastersnap_check_watch(const tk_mastersnap *s, const uint8_t *subject, int64_t day,
                              const char *dept, size_t dlen, tk_mastersnap_watch *out)
{
    const struct kind *k = &s->k[K_WATCH];
    const uint32_t rec = rec_at(k, ps_find(&k->ps, subject), day);
    const uint32_t did = dept ? reg_get(&s->depts, dept, dlen) : NONE;
    tk_mastersnap_watch w;

    memset(&w, 0, sizeof w);
    if (rec != NONE) {
        const struct grp *g = &k->grp[rec];
        w.entries = &s->went[g->first];
        w.nentries = g->n;
        for (size_t i = 0; i < g->n; i++) {
            const struct watch_row *r = &s->watch[(size_t)g->first + i];
            if (!in_range(day, r->from, r->to))
                continue;
            w.categories |= r->category;
            for (size_t j = 0; did != NONE && j < r->dn; j++) {
                if (s->wdid[(size_t)r->dfirst + j] == did)
                    w.allowed |= r->category;
            }
        }
    }
    if (out != NULL)
        *out = w;
    return w.categories != 0;
}

int tk_mastersnap_find_resident(const tk_mastersnap *s, const uint8_t *subject, int64_t day,
                                tk_mastersnap_resident *out)
{
    const struct res_row *r = resident(s, subject, day);

    if (out != NULL) {
        memset(out, 0, sizeof *out);
        if (r != NULL) {
            out->household = r->household != NONE ? s->pool.key[r->household] : NULL;
            out->block = r->block != NONE ? s->pool.key[r->block] : NULL;
            out->kana = r->kana != NONE ? s->pool.key[r->kana] : NULL;
        }
    }
    return r != NULL;
}

double tk_mastersnap_resident_share(const tk_mastersnap *s, const uint8_t *block,
                                    const uint8_t *kana, const uint8_t *household)
{
    if (s->nres == 0 || block == NULL || kana == NULL)
        return 0;
    const uint32_t b = ps_find(&s->pool, block), k = ps_find(&s->pool, kana);
    const uint32_t h = household ? ps_find(&s->pool, household) : NONE;
    if (b == NONE || k == NONE)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < s->nres; i++) {
        const struct res_row *r = &s->res[i];
        n += r->block == b && r->kana == k && (h == NONE || r->household != h);
    }
    return (double)n / (double)s->nres;
}

/* The group of training rows of user p[0..len) on day: the name as given,
 * else without a Windows domain (`CITY\kenshu01`) or a UPN suffix
 * (`kenshu01@city.local`), as the resolver retries. NULL if none. */
static const struct grp *training_group(const tk_mastersnap *s, const char *p, size_t len,
                                        int64_t day)
{
    const struct grp *g = group_of(s, K_TRAIN, p, len, day);
    for (size_t i = len; g == NULL && i-- > 0;) {
        if (p[i] == '\\') {
            p += i + 1;
            len -= i + 1;
            g = group_of(s, K_TRAIN, p, len, day);
            break;
        }
    }
    const char *at = g == NULL ? memchr(p, '@', len) : NULL;
    if (at != NULL && at > p)
        g = group_of(s, K_TRAIN, p, (size_t)(at - p), day);
    return g;
}

int tk_mastersnap_check_training(const tk_mastersnap *s, const char *p, size_t len, int64_t day,
                                 tk_mastersnap_training *out)
{
    const struct grp *g = s->k[K_TRAIN].nseg ? training_group(s, p, len, day) : NULL;
    const tk_mastersnap_training *r = NULL, *near = NULL;

    for (size_t i = 0; g != NULL && i < g->n && r == NULL; i++) {
        const tk_mastersnap_training *x = &s->train[(size_t)g->first + i].t;
        if (in_range(day, x->from, x->to))
            r = x;
        else if (near == NULL || x->from <= day)
            near = x; /* the last period begun by the day, else the first */
    }
    if (out != NULL) {
        if (r != NULL || near != NULL)
            *out = r != NULL ? *r : *near;
        else
            memset(out, 0, sizeof *out);
    }
    return r != NULL;
}
