/* features/dayevents.c -- loading and sorting one day of events.
 *
 * A store scan over [00:00, 24:00) JST returns the events of the blocks
 * that overlap the day, in storage order (by upload, then file order).
 * They are copied into a growable array of compact rows and sorted by
 * (user, time, then everything else the event says): every per-user
 * computation then walks a contiguous run, and windows within the day are
 * two-pointer sweeps.
 *
 * The order depends only on the events, never on the order they were
 * uploaded in: the store's dictionary ids and event ids are handed out in
 * upload order, so users, systems, terminals and the other names are
 * compared by their place in the dictionary's name order
 * (tk_store_order_load), and two events that say the same thing at the
 * same millisecond by the place of their file among the uploads by (file
 * name, SHA-256) and their record in it. Every pass over a day (sessions,
 * bursts, first and last events, evidence lists, the users named first)
 * then gives the same answer for the same logs.
 *
 * The sort is an LSD radix sort of 64-bit keys (user's name rank << 32 |
 * millisecond of the day, which fits in 27 bits) paired with each row's
 * position, four passes of 16 bits; the runs of equal keys, a few events
 * at most except in bulk logs, are then sorted by the rest of the event
 * (qsort on copies of their keys), and the 72-byte rows permuted once.
 * qsort on the rows themselves took two thirds of the feature pass on
 * busy days. The arrays are kept between days, so after the busiest day
 * no more memory is allocated.
 *
 * Terminal addresses. A log that names the terminal only by its IP gives an
 * unregistered device (no master row to resolve the IP) a terminal of its
 * own, the IP, while the logon log names the same device by host name. The
 * store records, per day, which terminal each address belonged to
 * (tk_store_terminal_addresses); after the scan, an event whose terminal is
 * such an address is given the terminal the address belonged to that day,
 * so every later pass sees one terminal. Only when the answer is certain:
 * an address that two terminals had that day (DHCP reuse) is left alone,
 * and so is an address the terminals master lists as a name or an IP
 * (its events were resolved by the master, which is the authority), or
 * whose dictionary row is a resolved master name. The master is asked
 * lazily, for the addresses some event of the day actually carries, which
 * are few; rows find their address through an index by terminal id. */
#include "features/dayevents.h"

#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/master.h"
#include "src/store.h"

#define DAY_MS  ((int64_t)86400000)
#define JST_MS  ((int64_t)9 * 3600000)
#define MIN_CAP ((size_t)4096)

struct sortkey {
    uint64_t key;
    uint64_t pos;
};

/* Where an event came from, by scan position: its upload and record. */
struct source {
    int64_t upload;
    int64_t record;
};

/* The rest of an event's order, for runs of equal (user, time): ranks of
 * its names, its values, then its file's rank and its record. */
struct tiekey {
    uint32_t system, terminal, function, device, file, upload;
    int32_t op, result, mynumber;
    int64_t count, bytes, record;
    size_t pos;
};

/* The dictionaries events are ordered by (tk_store_dict values). */
enum { NORD = 6 };

/* An address of the day and what becomes of the events that carry it. */
enum { ADDR_UNCHECKED, ADDR_REWRITE, ADDR_LEAVE };
struct addrmap {
    uint32_t address, terminal;
    int state;
    size_t name_off, name_len; /* into names */
};

struct tk_dayevents {
    tk_db *db;
    struct addrmap *addr; /* the day's addresses, by address id */
    size_t naddr, addr_cap;
    uint32_t *aidx; /* by terminal id: 1 + index into addr, or 0 */
    size_t aidx_cap;
    char *names; /* the addresses' text, back to back */
    size_t names_len, names_cap;
    tk_dayevent *rows;
    tk_dayevent *tmp;   /* permutation target, swapped with rows */
    struct source *src; /* by scan position */
    struct tiekey *tie; /* one run of equal keys */
    size_t tie_cap;
    tk_store_order ord[NORD]; /* users, terminals, systems, functions, files, devices */
    tk_store_order uploads;
    struct sortkey *k[2]; /* radix sort ping-pong */
    size_t count[65536];  /* radix digit counts (kept off the stack) */
    size_t n;
    size_t cap;
    int64_t day;
};

int64_t tk_dayevents_day_start(int64_t day)
{
    return day * DAY_MS - JST_MS;
}

int tk_dayevents_create(tk_dayevents **out, tk_db *db, tk_error *err)
{
    *out = tk_calloc(1, sizeof **out);
    if (*out == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory creating a day loader");
    (*out)->db = db;
    (*out)->day = INT64_MIN;
    return TK_OK;
}

void tk_dayevents_destroy(tk_dayevents *d)
{
    if (d == NULL)
        return;
    tk_free(d->rows);
    tk_free(d->addr);
    tk_free(d->aidx);
    tk_free(d->names);
    tk_free(d->tmp);
    tk_free(d->src);
    tk_free(d->tie);
    for (size_t i = 0; i < NORD; i++)
        tk_store_order_dispose(&d->ord[i]);
    tk_store_order_dispose(&d->uploads);
    tk_free(d->k[0]);
    tk_free(d->k[1]);
    tk_free(d);
}

static int grow(tk_dayevents *d, tk_error *err)
{
    size_t cap, bytes, kbytes;
    if (!tk_mul_size(d->cap ? d->cap : MIN_CAP / 2, 2, &cap) ||
        !tk_mul_size(cap, sizeof *d->rows, &bytes) || !tk_mul_size(cap, sizeof *d->k[0], &kbytes))
        return tk_error_set(err, TK_ENOMEM, "too many events in one day");
    tk_dayevent *n = tk_realloc(d->rows, bytes);
    if (n == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory loading a day of events");
    d->rows = n;
    struct source *sn = tk_realloc(d->src, cap * sizeof *d->src);
    if (sn == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory loading a day of events");
    d->src = sn;
    /* The sort's scratch is only read after a load completes, so it can be
     * grown without copying. */
    tk_free(d->tmp);
    tk_free(d->k[0]);
    tk_free(d->k[1]);
    d->tmp = tk_alloc(bytes);
    d->k[0] = tk_alloc(kbytes);
    d->k[1] = tk_alloc(kbytes);
    if (d->tmp == NULL || d->k[0] == NULL || d->k[1] == NULL) {
        tk_free(d->tmp);
        tk_free(d->k[0]);
        tk_free(d->k[1]);
        d->tmp = NULL;
        d->k[0] = d->k[1] = NULL;
        d->cap = 0;
        return tk_error_set(err, TK_ENOMEM, "out of memory loading a day of events");
    }
    d->cap = cap;
    return TK_OK;
}

/* The place of id in order o, counted from 1: 0 (absent) comes first, as
 * it did by id, and an id the order does not know (none once it is fresh,
 * see refresh_orders) last. */
static uint32_t rank_of(const tk_store_order *o, uint32_t id)
{
    if (id == 0)
        return 0;
    return id < o->n && o->rank[id] != UINT32_MAX ? o->rank[id] + 1 : UINT32_MAX;
}

static int cmp_tie(const void *a, const void *b)
{
    const struct tiekey *x = a, *y = b;
#define TIE(f)                                                                                     \
    if (x->f != y->f)                                                                              \
        return x->f < y->f ? -1 : 1;
    TIE(system)
    TIE(terminal)
    TIE(op)
    TIE(function)
    TIE(result)
    TIE(count)
    TIE(bytes)
    TIE(device)
    TIE(file)
    TIE(mynumber)
    TIE(upload)
    TIE(record)
    TIE(pos)
#undef TIE
    return 0;
}

/* Reloads the dictionaries' orders if the day has an id one of them does
 * not know (an upload since they were loaded). */
static int refresh_orders(tk_dayevents *d, tk_error *err)
{
    uint32_t max[NORD] = {0};
    int64_t maxup = 0;
    for (size_t i = 0; i < d->n; i++) {
        const tk_dayevent *r = &d->rows[i];
        const uint32_t v[NORD] = {r->user, r->terminal, r->system, r->function, r->file, r->device};
        for (size_t k = 0; k < NORD; k++)
            if (v[k] > max[k])
                max[k] = v[k];
        if (d->src[i].upload > maxup)
            maxup = d->src[i].upload;
    }
    int rc = TK_OK;
    for (size_t k = 0; k < NORD && rc == TK_OK; k++) {
        if (max[k] < d->ord[k].n)
            continue;
        tk_store_order_dispose(&d->ord[k]);
        rc = tk_store_order_load(d->db, (tk_store_dict)k, &d->ord[k], err);
    }
    if (rc == TK_OK && (size_t)maxup >= d->uploads.n) {
        tk_store_order_dispose(&d->uploads);
        rc = tk_store_upload_order_load(d->db, &d->uploads, err);
    }
    return rc;
}

/* Sorts the run a[0..n) of equal (user, time) keys by the rest of the
 * events. */
static int sort_tie(tk_dayevents *d, struct sortkey *a, size_t n, tk_error *err)
{
    if (n > d->tie_cap) {
        size_t cap, bytes;
        if (!tk_mul_size(n, 2, &cap) || !tk_mul_size(cap, sizeof *d->tie, &bytes))
            return tk_error_set(err, TK_ENOMEM, "too many events at one time");
        struct tiekey *t = tk_realloc(d->tie, bytes);
        if (t == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory sorting a day of events");
        d->tie = t;
        d->tie_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        const size_t p = (size_t)a[i].pos;
        const tk_dayevent *r = &d->rows[p];
        const struct source *src = &d->src[p];
        d->tie[i] = (struct tiekey){
            .system = rank_of(&d->ord[TK_STORE_SYSTEMS], r->system),
            .terminal = rank_of(&d->ord[TK_STORE_TERMINALS], r->terminal),
            .function = rank_of(&d->ord[TK_STORE_FUNCTIONS], r->function),
            .device = rank_of(&d->ord[TK_STORE_DEVICES], r->device),
            .file = rank_of(&d->ord[TK_STORE_FILES], r->file),
            .upload = src->upload < 0 || (uint64_t)src->upload >= d->uploads.n
                          ? UINT32_MAX
                          : d->uploads.rank[src->upload],
            .op = r->op,
            .result = r->result,
            .mynumber = r->mynumber,
            .count = r->count,
            .bytes = r->bytes,
            .record = src->record,
            .pos = p,
        };
    }
    qsort(d->tie, n, sizeof *d->tie, cmp_tie);
    for (size_t i = 0; i < n; i++)
        a[i].pos = d->tie[i].pos;
    return TK_OK;
}

/* Sorts d->rows[0..n) by (user, time, the rest of the event); see the top
 * of the file. */
static int sort_rows(tk_dayevents *d, int64_t from, tk_error *err)
{
    struct sortkey *a = d->k[0], *b = d->k[1];
    size_t *count = d->count;
    int rc = refresh_orders(d, err);
    if (rc != TK_OK)
        return rc;
    for (size_t i = 0; i < d->n; i++) {
        const uint32_t u = rank_of(&d->ord[TK_STORE_USERS], d->rows[i].user);
        a[i].key = (uint64_t)u << 32 | (uint64_t)(d->rows[i].t - from);
        a[i].pos = i;
    }
    for (unsigned shift = 0; shift < 64; shift += 16) {
        memset(count, 0, sizeof d->count);
        for (size_t i = 0; i < d->n; i++)
            count[(a[i].key >> shift) & 0xFFFF]++;
        if (count[(a[0].key >> shift) & 0xFFFF] == d->n)
            continue; /* every key has the same digit: nothing moves */
        size_t sum = 0;
        for (size_t v = 0; v < 65536; v++) {
            const size_t c = count[v];
            count[v] = sum;
            sum += c;
        }
        for (size_t i = 0; i < d->n; i++)
            b[count[(a[i].key >> shift) & 0xFFFF]++] = a[i];
        struct sortkey *t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < d->n;) {
        size_t j = i + 1;
        while (j < d->n && a[j].key == a[i].key)
            j++;
        if (j - i > 1 && (rc = sort_tie(d, a + i, j - i, err)) != TK_OK)
            return rc;
        i = j;
    }
    for (size_t i = 0; i < d->n; i++)
        d->tmp[i] = d->rows[a[i].pos];
    tk_dayevent *t = d->rows;
    d->rows = d->tmp;
    d->tmp = t;
    return TK_OK;
}

struct addr_ctx {
    tk_dayevents *d;
    tk_error *err;
};

/* Collects one (address, terminal) pair; pairs come sorted by address, so
 * a second terminal for the same address is the previous entry's. */
static int add_address(void *vctx, const tk_store_address *a)
{
    struct addr_ctx *c = vctx;
    tk_dayevents *d = c->d;
    if (d->naddr > 0 && d->addr[d->naddr - 1].address == a->address) {
        d->addr[d->naddr - 1].state = ADDR_LEAVE;
        return 0;
    }
    if (d->naddr == d->addr_cap) {
        size_t cap, bytes;
        if (!tk_mul_size(d->addr_cap ? d->addr_cap : 32, 2, &cap) ||
            !tk_mul_size(cap, sizeof *d->addr, &bytes))
            return tk_error_set(c->err, TK_ENOMEM, "too many terminal addresses in one day");
        struct addrmap *n = tk_realloc(d->addr, bytes);
        if (n == NULL)
            return tk_error_set(c->err, TK_ENOMEM, "out of memory loading terminal addresses");
        d->addr = n;
        d->addr_cap = cap;
    }
    size_t need;
    if (!tk_add_size(d->names_len, a->len, &need))
        return tk_error_set(c->err, TK_ENOMEM, "terminal addresses too long");
    if (need > d->names_cap) {
        size_t cap;
        if (!tk_mul_size(need, 2, &cap))
            return tk_error_set(c->err, TK_ENOMEM, "terminal addresses too long");
        char *n = tk_realloc(d->names, cap);
        if (n == NULL)
            return tk_error_set(c->err, TK_ENOMEM, "out of memory loading terminal addresses");
        d->names = n;
        d->names_cap = cap;
    }
    memcpy(d->names + d->names_len, a->name, a->len);
    struct addrmap *m = &d->addr[d->naddr++];
    m->address = a->address;
    m->terminal = a->terminal;
    m->state = a->resolved ? ADDR_LEAVE : ADDR_UNCHECKED;
    m->name_off = d->names_len;
    m->name_len = a->len;
    d->names_len = need;
    return 0;
}

/* Gives the loaded events logged by an address the terminal the address
 * belonged to that day, where that is certain (see the top of the file). */
static int rewrite_addresses(tk_dayevents *d, int64_t day, tk_error *err)
{
    struct addr_ctx c = {d, err};
    d->naddr = 0;
    d->names_len = 0;
    if (d->n == 0)
        return TK_OK;
    int rc = tk_store_terminal_addresses(d->db, day, add_address, &c, err);
    if (rc != TK_OK || d->naddr == 0)
        return rc;
    /* A direct index by terminal id (addresses are ids of the terminals
     * dictionary, a few thousand at most): one look per event instead of a
     * search; the day's addresses are sorted, so the last is the largest. */
    const uint32_t top = d->addr[d->naddr - 1].address;
    if ((size_t)top + 1 > d->aidx_cap) {
        size_t bytes;
        if (!tk_mul_size((size_t)top + 1, sizeof *d->aidx, &bytes))
            return tk_error_set(err, TK_ENOMEM, "terminal address id out of range");
        uint32_t *n = tk_realloc(d->aidx, bytes);
        if (n == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory loading terminal addresses");
        d->aidx = n;
        d->aidx_cap = (size_t)top + 1;
    }
    memset(d->aidx, 0, ((size_t)top + 1) * sizeof *d->aidx);
    for (size_t i = 0; i < d->naddr; i++)
        d->aidx[d->addr[i].address] = (uint32_t)i + 1;
    for (size_t i = 0; i < d->n; i++) {
        tk_dayevent *r = &d->rows[i];
        if (r->terminal == 0 || r->terminal > top || d->aidx[r->terminal] == 0)
            continue;
        struct addrmap *m = &d->addr[d->aidx[r->terminal] - 1];
        if (m->state == ADDR_LEAVE)
            continue;
        if (m->state == ADDR_UNCHECKED) {
            rc = tk_master_terminal_listed(d->db, d->names + m->name_off, m->name_len, err);
            if (rc < 0)
                return rc;
            m->state = rc ? ADDR_LEAVE : ADDR_REWRITE;
            if (rc)
                continue;
        }
        r->terminal = m->terminal;
    }
    return TK_OK;
}

int tk_dayevents_load(tk_dayevents *d, int64_t day, tk_error *err)
{
    tk_store_scan *scan = NULL;
    tk_stored_event ev;
    const int64_t from = tk_dayevents_day_start(day);
    int rc;

    d->n = 0;
    d->day = day;
    rc = tk_store_scan_create(&scan, d->db, from, from + DAY_MS, err);
    if (rc != TK_OK)
        return rc;
    while ((rc = tk_store_scan_next(scan, &ev, err)) == 1) {
        if (d->n == d->cap) {
            rc = grow(d, err);
            if (rc != TK_OK)
                break;
        }
        d->src[d->n] = (struct source){ev.upload_id, ev.row.record};
        tk_dayevent *r = &d->rows[d->n++];
        r->id = ev.id;
        r->t = ev.row.t;
        r->user = ev.row.user;
        r->terminal = ev.row.terminal;
        r->system = ev.row.system;
        r->function = ev.row.function;
        r->subject = ev.row.subject;
        r->device = ev.row.device;
        r->file = ev.row.file;
        r->minute = (int32_t)((ev.row.t - from) / 60000);
        r->op = (uint8_t)ev.row.op;
        r->result = (uint8_t)ev.row.result;
        r->mynumber = (int8_t)ev.row.mynumber;
        r->count = ev.row.count;
        r->bytes = ev.row.bytes;
    }
    tk_store_scan_destroy(scan);
    if (rc >= 0)
        rc = rewrite_addresses(d, day, err);
    if (rc < 0) {
        d->n = 0;
        return rc;
    }
    if (d->n > 1)
        rc = sort_rows(d, from, err);
    if (rc != TK_OK)
        d->n = 0;
    return rc;
}

const tk_dayevent *tk_dayevents_rows(const tk_dayevents *d)
{
    return d->rows;
}

size_t tk_dayevents_count(const tk_dayevents *d)
{
    return d->n;
}

int64_t tk_dayevents_day(const tk_dayevents *d)
{
    return d->day;
}
