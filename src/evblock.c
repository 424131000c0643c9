/* src/evblock.c -- columnar event blocks.
 *
 * Layout of a serialised block:
 *
 *   "TKEB" 0x02          magic and format version
 *   varint n             number of events (1..TK_EVBLOCK_MAX)
 *   varint len[10]       byte length of each column
 *   column 0..9          the columns, back to back
 *
 * Columns, one value (or a fixed group of values) per event:
 *   0 time       zigzag varint of the difference to the previous event's
 *                time (the first is relative to 0); logs are nearly sorted, so
 *                this is one or two bytes per event
 *   1 system     varint dictionary id
 *   2 user       varint dictionary id
 *   3 terminal   varint dictionary id, 0 = absent
 *   4 function   varint dictionary id, 0 = absent
 *   5 subject    varint dictionary id, 0 = absent
 *   6 flags      one byte: op (bits 0-4), result (bit 5), mynumber (bits
 *                6-7: 0 absent, 1 for 0, 2 for 1)
 *   7 extras     four varints: device id, file id, count + 1, bytes + 1
 *                (0 = absent each; count and bytes run 0..INT64_MAX, so
 *                the varints run to 2^63)
 *   8 detail     varint length + 1 (0 = absent), then the bytes
 *   9 record     zigzag varint of the difference to the previous event's
 *                record number in its source file (the first is relative
 *                to 0): rows are stored in file order, so this is one byte
 *                per event
 *
 * Version 1 blocks (written before the record column existed) have nine
 * columns; they are still read, with record 0 (unknown) for every event.
 *
 * Varints are LEB128 (7 bits per byte, low first), at most 10 bytes.
 * Writing keeps one growable buffer per column and concatenates them in
 * finish(); reading keeps one cursor per column. */
#include "src/evblock.h"

#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"

#define NCOL        10
#define NCOL_V1     9
#define DETAIL_FULL ((size_t)1 << 20)

static const uint8_t magic[5] = {'T', 'K', 'E', 'B', 2};

struct colbuf {
    uint8_t *p;
    size_t len;
    size_t cap;
};

struct tk_evblock_writer {
    struct colbuf col[NCOL];
    struct colbuf out;
    size_t n;
    int64_t prev_t;
    int64_t prev_record;
    int64_t t_min, t_max;
};

static int reserve(struct colbuf *b, size_t more)
{
    size_t need;
    if (!tk_add_size(b->len, more, &need))
        return 0;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (!tk_mul_size(cap, 2, &cap))
            return 0;
    }
    uint8_t *p = tk_realloc(b->p, cap);
    if (p == NULL)
        return 0;
    b->p = p;
    b->cap = cap;
    return 1;
}

/* Appends v as a varint; the caller reserved 10 bytes. */
static void put_varint(struct colbuf *b, uint64_t v)
{
    while (v >= 0x80) {
        b->p[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->p[b->len++] = (uint8_t)v;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int tk_evblock_writer_create(tk_evblock_writer **out, tk_error *err)
{
    *out = tk_calloc(1, sizeof **out);
    if (*out == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory creating an event block");
    return TK_OK;
}

void tk_evblock_writer_destroy(tk_evblock_writer *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < NCOL; i++)
        tk_free(w->col[i].p);
    tk_free(w->out.p);
    tk_free(w);
}

int tk_evblock_writer_add(tk_evblock_writer *w, const tk_evrow *r, tk_error *err)
{
    if (w->n >= TK_EVBLOCK_MAX)
        return tk_error_set(err, TK_EINVAL, "event block is full");
    if (r->op < 0 || r->op > 31 || (r->result != 0 && r->result != 1) || r->mynumber < -1 ||
        r->mynumber > 1 || r->count < -1 || r->bytes < -1 || r->record < 0)
        return tk_error_set(err, TK_EINVAL, "event value out of range for storage");
    int64_t delta;
    if (__builtin_sub_overflow(r->t, w->prev_t, &delta))
        return tk_error_set(err, TK_EINVAL, "event time out of range for storage");
    /* Both records are >= 0, so their difference cannot overflow. */
    const int64_t rdelta = r->record - w->prev_record;
    for (size_t i = 0; i < NCOL; i++) {
        if (i == 8)
            continue;
        if (!reserve(&w->col[i], 40))
            return tk_error_set(err, TK_ENOMEM, "out of memory in an event block");
    }
    size_t dl = 0;
    if (r->detail != NULL && !tk_add_size(r->detail_len, 11, &dl))
        return tk_error_set(err, TK_EINVAL, "detail too long");
    if (!reserve(&w->col[8], dl ? dl : 1))
        return tk_error_set(err, TK_ENOMEM, "out of memory in an event block");
    put_varint(&w->col[0], zigzag(delta));
    put_varint(&w->col[1], r->system);
    put_varint(&w->col[2], r->user);
    put_varint(&w->col[3], r->terminal);
    put_varint(&w->col[4], r->function);
    put_varint(&w->col[5], r->subject);
    w->col[6].p[w->col[6].len++] =
        (uint8_t)((unsigned)r->op | (unsigned)r->result << 5 | (unsigned)(r->mynumber + 1) << 6);
    put_varint(&w->col[7], r->device);
    put_varint(&w->col[7], r->file);
    /* In unsigned arithmetic, so that INT64_MAX (a value the CSV may hold
     * and the parser accepts) becomes 2^63 instead of overflowing, and -1
     * (absent) becomes 0. */
    put_varint(&w->col[7], (uint64_t)r->count + 1);
    put_varint(&w->col[7], (uint64_t)r->bytes + 1);
    if (r->detail == NULL) {
        put_varint(&w->col[8], 0);
    } else {
        put_varint(&w->col[8], (uint64_t)r->detail_len + 1);
        memcpy(w->col[8].p + w->col[8].len, r->detail, r->detail_len);
        w->col[8].len += r->detail_len;
    }
    put_varint(&w->col[9], zigzag(rdelta));
    if (w->n == 0 || r->t < w->t_min)
        w->t_min = r->t;
    if (w->n == 0 || r->t > w->t_max)
        w->t_max = r->t;
    w->prev_t = r->t;
    w->prev_record = r->record;
    w->n++;
    return TK_OK;
}

size_t tk_evblock_writer_count(const tk_evblock_writer *w)
{
    return w->n;
}

int tk_evblock_writer_full(const tk_evblock_writer *w)
{
    return w->n >= TK_EVBLOCK_MAX || w->col[8].len >= DETAIL_FULL;
}

int64_t tk_evblock_writer_t_min(const tk_evblock_writer *w)
{
    return w->t_min;
}

int64_t tk_evblock_writer_t_max(const tk_evblock_writer *w)
{
    return w->t_max;
}

int tk_evblock_writer_finish(tk_evblock_writer *w, const uint8_t **data, size_t *len, tk_error *err)
{
    size_t total = sizeof magic + 10 * (NCOL + 1);
    for (size_t i = 0; i < NCOL; i++) {
        if (!tk_add_size(total, w->col[i].len, &total))
            return tk_error_set(err, TK_ENOMEM, "event block too large");
    }
    w->out.len = 0;
    if (!reserve(&w->out, total))
        return tk_error_set(err, TK_ENOMEM, "out of memory serialising an event block");
    memcpy(w->out.p, magic, sizeof magic);
    w->out.len = sizeof magic;
    put_varint(&w->out, w->n);
    for (size_t i = 0; i < NCOL; i++)
        put_varint(&w->out, w->col[i].len);
    for (size_t i = 0; i < NCOL; i++) {
        if (w->col[i].len > 0)
            memcpy(w->out.p + w->out.len, w->col[i].p, w->col[i].len);
        w->out.len += w->col[i].len;
    }
    *data = w->out.p;
    *len = w->out.len;
    return TK_OK;
}

void tk_evblock_writer_reset(tk_evblock_writer *w)
{
    for (size_t i = 0; i < NCOL; i++)
        w->col[i].len = 0;
    w->n = 0;
    w->prev_t = 0;
    w->prev_record = 0;
    w->t_min = w->t_max = 0;
}

/* ---- reading ----------------------------------------------------------- */

/* Reads a varint from [*p, end); 0 on truncation or over 10 bytes. */
static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    unsigned shift = 0;
    const uint8_t *q = *p;
    while (q < end) {
        const uint8_t b = *q++;
        if (shift == 63 && b > 1)
            return 0;
        x |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *p = q;
            *v = x;
            return 1;
        }
        shift += 7;
        if (shift > 63)
            return 0;
    }
    return 0;
}

int tk_evblock_reader_init(tk_evblock_reader *r, const uint8_t *data, size_t len, tk_error *err)
{
    memset(r, 0, sizeof *r);
    if (len < sizeof magic || memcmp(data, magic, sizeof magic - 1) != 0 ||
        (data[sizeof magic - 1] != 1 && data[sizeof magic - 1] != 2))
        return tk_error_set(err, TK_EPARSE, "not an event block (bad magic or version)");
    const size_t ncol = data[sizeof magic - 1] == 1 ? NCOL_V1 : NCOL;
    const uint8_t *p = data + sizeof magic;
    const uint8_t *end = data + len;
    uint64_t n;
    if (!get_varint(&p, end, &n) || n == 0 || n > TK_EVBLOCK_MAX)
        return tk_error_set(err, TK_EPARSE, "event block: bad event count");
    uint64_t lens[NCOL];
    for (size_t i = 0; i < ncol; i++) {
        if (!get_varint(&p, end, &lens[i]))
            return tk_error_set(err, TK_EPARSE, "event block: truncated header");
    }
    for (size_t i = 0; i < ncol; i++) {
        if (lens[i] > (uint64_t)(end - p))
            return tk_error_set(err, TK_EPARSE, "event block: column %zu overruns the block", i);
        r->col[i] = p;
        r->end[i] = p + lens[i];
        p += lens[i];
    }
    r->n = (size_t)n;
    r->has_record = ncol == NCOL;
    return TK_OK;
}

static int damaged(tk_error *err, size_t i, const char *what)
{
    return tk_error_set(err, TK_EPARSE, "event block: event %zu: bad %s", i, what);
}

/* Reads an id that must fit uint32. */
static int get_id(tk_evblock_reader *r, size_t c, uint32_t *out)
{
    uint64_t v;
    if (!get_varint(&r->col[c], r->end[c], &v) || v > UINT32_MAX)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

int tk_evblock_reader_next(tk_evblock_reader *r, tk_evrow *row, tk_error *err)
{
    if (r->i >= r->n)
        return 0;
    uint64_t v;
    if (!get_varint(&r->col[0], r->end[0], &v))
        return damaged(err, r->i, "time");
    if (__builtin_add_overflow(r->t, unzigzag(v), &r->t))
        return damaged(err, r->i, "time");
    row->t = r->t;
    if (!get_id(r, 1, &row->system) || !get_id(r, 2, &row->user) || !get_id(r, 3, &row->terminal) ||
        !get_id(r, 4, &row->function) || !get_id(r, 5, &row->subject))
        return damaged(err, r->i, "dictionary id");
    if (r->col[6] >= r->end[6])
        return damaged(err, r->i, "flags");
    const uint8_t f = *r->col[6]++;
    row->op = f & 0x1F;
    row->result = (f >> 5) & 1;
    row->mynumber = (int)(f >> 6) - 1;
    if (row->mynumber > 1)
        return damaged(err, r->i, "flags");
    uint64_t c, b;
    if (!get_id(r, 7, &row->device) || !get_id(r, 7, &row->file) ||
        !get_varint(&r->col[7], r->end[7], &c) || !get_varint(&r->col[7], r->end[7], &b) ||
        c > (uint64_t)INT64_MAX + 1 || b > (uint64_t)INT64_MAX + 1)
        return damaged(err, r->i, "extras");
    row->count = c == 0 ? -1 : (int64_t)(c - 1);
    row->bytes = b == 0 ? -1 : (int64_t)(b - 1);
    if (!get_varint(&r->col[8], r->end[8], &v))
        return damaged(err, r->i, "detail");
    if (v == 0) {
        row->detail = NULL;
        row->detail_len = 0;
    } else {
        if (v - 1 > (uint64_t)(r->end[8] - r->col[8]))
            return damaged(err, r->i, "detail");
        row->detail = (const char *)r->col[8];
        row->detail_len = (size_t)(v - 1);
        r->col[8] += v - 1;
    }
    row->record = 0;
    if (r->has_record) {
        if (!get_varint(&r->col[9], r->end[9], &v) ||
            __builtin_add_overflow(r->record, unzigzag(v), &r->record) || r->record < 0)
            return damaged(err, r->i, "record");
        row->record = r->record;
    }
    r->i++;
    return 1;
}
