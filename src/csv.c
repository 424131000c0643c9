/* src/csv.c -- streaming RFC 4180 parser.
 *
 * Approach. The parser owns one buffer. Input is read into it at `tail`;
 * the record being parsed starts at `head` and has been scanned up to `pos`.
 * Scanning is a five-state machine (start of field, inside an unquoted
 * field, inside a quoted field, just after a quote inside a quoted field,
 * just after a CR) whose state survives running out of data, so a refill
 * never rescans: whatever the read sizes, every byte is examined once.
 * When the free space at the end of the buffer runs low the unfinished
 * record is moved to the front (memmove of at most one record, so each
 * byte moves at most once) and field pointers are shifted with it.
 *
 * Speed comes from not looking at bytes one by one. The only bytes that
 * matter are , " CR and LF. They are located 64 bytes at a time (four
 * SSE2 compares where the compiler offers SSE2, as on any x86-64; a plain
 * loop elsewhere) into a bit mask, and the state machine then takes the
 * set bits one by one (count trailing zeros, clear lowest bit): a typical
 * field of ten bytes costs a few instructions and no reload, and a quoted
 * field simply skips the , and CR bits it contains. The buffer has PAD
 * spare bytes after its end so that a block loaded near the end stays
 * inside the allocation; bits for bytes beyond the data are ignored.
 * Fields are recorded as pointer and length while scanning; only quoted
 * fields that contained a doubled quote are rewritten (in place:
 * unescaping only shrinks) once the record is complete. There is no
 * allocation after tk_csv_create().
 *
 * Limits are positional, so results do not depend on how the input was
 * chopped into reads: the scan of a record never goes beyond
 * max_record_bytes + 2 bytes from its start (room for the longest record
 * plus CRLF), and a record still unfinished there is too long. The buffer
 * holds at least that many bytes, so a record always fits once moved to
 * the front. Any syntax error before that point is reported first.
 *
 * Line and column numbers for messages are computed only when an error
 * happens, by counting LFs between the record's start and the offending
 * byte; the start line of each record is carried forward as the previous
 * record's start line plus the LFs inside its quoted fields plus one. */
#include "src/csv.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Spare bytes after the buffer so that a 64-byte block loaded at any
 * position before the end stays inside the allocation. */
#define PAD 64

enum { S_FIELD, S_UNQUOTED, S_QUOTED, S_QUOTE, S_CR };

struct tk_csv {
    tk_csv_read_fn read;
    void *ctx;
    tk_csv_options opt;

    char *buf;     /* cap + PAD bytes */
    size_t cap;    /* usable bytes: >= max_record_bytes + 2 */
    size_t head;   /* start of the current record */
    size_t pos;    /* next byte to scan */
    size_t tail;   /* end of the data read */
    uint64_t base; /* input offset of buf[0] */
    int eof;       /* the read callback returned 0 */
    int io_failed; /* the read callback failed: sticky */
    int started;   /* the byte order mark check is done */
    int had_bom;
    int skipping; /* after an error: drop bytes up to and including the next LF */
    int in_record;

    /* Scan state of the current record. */
    int state;
    size_t nf;      /* fields completed */
    size_t qopen;   /* offset from head of the current field's opening quote */
    size_t content; /* offset from head where the record's line end starts */
    uint64_t quoted_lfs;

    uint64_t nrec;      /* records finished, failed ones included */
    uint64_t line;      /* start line of the current / last record */
    uint64_t prev_line; /* line of the last record, while the next may not exist */
    uint64_t next_line; /* start line of the next record */
    size_t expected;    /* strict_field_count: width of the first record, 0 = none yet */

    tk_csv_field *fields;  /* max_fields */
    unsigned char *escape; /* max_fields: the field contains a doubled quote */
    int escaped;           /* some escape[] flag may be set */
};

/* ---- byte searches ---------------------------------------------------- */

/* Bit i of the result is set when p[i] (0 <= i < 64) is , " CR or LF. */
static inline uint64_t special_mask(const char *p)
{
    uint64_t bits = 0;
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    for (unsigned i = 0; i < 4; i++) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        const __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
        bits |= (uint64_t)(unsigned)_mm_movemask_epi8(hit) << (16 * i);
    }
#else
    for (unsigned i = 0; i < 64; i++) {
        const char ch = p[i];
        bits |= (uint64_t)(ch == ',' || ch == '"' || ch == '\r' || ch == '\n') << i;
    }
#endif
    return bits;
}

/* ---- create / destroy ------------------------------------------------- */

int tk_csv_create(tk_csv **out, tk_csv_read_fn read, void *ctx, const tk_csv_options *opt,
                  tk_error *err)
{
    static const tk_csv_options defaults = TK_CSV_OPTIONS_INIT;
    tk_csv *c = NULL;
    size_t cap, bytes, fbytes;
    int rc = TK_OK;

    assert(out != NULL && read != NULL);
    *out = NULL;
    if (opt == NULL)
        opt = &defaults;
    if (opt->buffer_size == 0 || opt->max_record_bytes == 0 || opt->max_fields == 0)
        return tk_error_set(err, TK_EINVAL,
                            "csv options: buffer_size, max_record_bytes and max_fields must be "
                            "positive");
    if (!tk_add_size(opt->max_record_bytes, 2, &cap) ||
        !tk_add_size(cap > opt->buffer_size ? cap : opt->buffer_size, PAD, &bytes) ||
        !tk_mul_size(opt->max_fields, sizeof(tk_csv_field), &fbytes))
        return tk_error_set(err, TK_EINVAL, "csv options: sizes too large");
    if (opt->buffer_size > cap)
        cap = opt->buffer_size;

    c = tk_calloc(1, sizeof *c);
    if (c == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory creating csv parser");
        goto done;
    }
    c->read = read;
    c->ctx = ctx;
    c->opt = *opt;
    c->cap = cap;
    c->line = 0;
    c->next_line = 1;
    /* Zeroed so that vector loads past the data only ever see defined bytes. */
    c->buf = tk_calloc(bytes, 1);
    c->fields = tk_alloc(fbytes);
    c->escape = tk_calloc(opt->max_fields, 1);
    if (c->buf == NULL || c->fields == NULL || c->escape == NULL) {
        rc =
            tk_error_set(err, TK_ENOMEM, "out of memory allocating csv buffer of %zu bytes", bytes);
        goto done;
    }
    *out = c;
    c = NULL;
done:
    tk_csv_destroy(c);
    return rc;
}

void tk_csv_destroy(tk_csv *c)
{
    if (c == NULL)
        return;
    tk_free(c->buf);
    tk_free(c->fields);
    tk_free(c->escape);
    tk_free(c);
}

uint64_t tk_csv_record(const tk_csv *c)
{
    return c->nrec;
}

uint64_t tk_csv_line(const tk_csv *c)
{
    return c->line;
}

uint64_t tk_csv_bytes(const tk_csv *c)
{
    return c->base + c->pos;
}

int tk_csv_had_bom(const tk_csv *c)
{
    return c->had_bom;
}

/* ---- input ------------------------------------------------------------ */

/* Moves the bytes from head on to the front of the buffer. */
static void compact(tk_csv *c)
{
    const size_t keep = c->head;
    const size_t n = c->tail - keep;
    memmove(c->buf, c->buf + keep, n);
    if (c->in_record) {
        /* Fields of the current record, and the one being scanned. */
        const size_t live = c->state == S_FIELD || c->state == S_CR ? c->nf : c->nf + 1;
        for (size_t i = 0; i < live; i++)
            c->fields[i].p -= keep;
    }
    c->base += keep;
    c->head = 0;
    c->pos -= keep;
    c->tail = n;
}

/* Reads more input after tail, keeping the bytes from head on. Sets eof at
 * end of input. Returns TK_OK or TK_EIO. */
static int refill(tk_csv *c, tk_error *err)
{
    if (c->head > 0 && c->cap - c->tail < c->cap / 2)
        compact(c);
    assert(c->tail < c->cap);
    size_t room = c->cap - c->tail;
    if (room > (size_t)LONG_MAX)
        room = (size_t)LONG_MAX;
    const long n = c->read(c->ctx, c->buf + c->tail, room);
    if (n < 0 || (unsigned long)n > room) {
        c->io_failed = 1;
        return tk_error_set(err, TK_EIO,
                            "record %" PRIu64 " (line %" PRIu64 "): read error after %" PRIu64
                            " bytes",
                            c->nrec + 1, c->next_line, c->base + c->tail);
    }
    if (n == 0)
        c->eof = 1;
    c->tail += (size_t)n;
    return TK_OK;
}

/* ---- errors ----------------------------------------------------------- */

/* Line and column of the byte at buffer offset at, which lies in the
 * current record. */
static void locate(const tk_csv *c, size_t at, uint64_t *line, uint64_t *col)
{
    uint64_t l = c->line;
    size_t line_start = c->head;
    const char *p = c->buf + c->head;
    const char *const end = c->buf + at;
    const char *q;
    while ((q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        l++;
        p = q + 1;
        line_start = (size_t)(p - c->buf);
    }
    *line = l;
    *col = at - line_start + 1;
}

/* After a failed record: continue at the first line start at or after
 * buffer offset at, which is on physical line `line`. Only an overlong
 * record can stop right at a line start (inside a quoted field). */
static void resume_at(tk_csv *c, size_t at, uint64_t line)
{
    c->in_record = 0;
    c->pos = at;
    if (at > c->head && c->buf[at - 1] == '\n') {
        c->skipping = 0;
        c->next_line = line;
    } else {
        c->skipping = 1;
        c->next_line = line + 1;
    }
}

/* Fails the current record because of the byte at buffer offset at, with
 * detail saying what was expected; the next call resumes as resume_at()
 * says. */
static int fail_at(tk_csv *c, int code, size_t at, const char *detail, tk_error *err)
{
    uint64_t line, col;
    locate(c, at, &line, &col);
    c->nrec++;
    resume_at(c, at, line);
    return tk_error_set(err, code, "record %" PRIu64 " (line %" PRIu64 ", column %" PRIu64 "): %s",
                        c->nrec, line, col, detail);
}

/* ---- scanning --------------------------------------------------------- */

/* See the block comment in scan(). */
#define SYNC()                                                                                     \
    do {                                                                                           \
        if (pos - kb >= 64) {                                                                      \
            kbits = 0;                                                                             \
            kvalid = 0;                                                                            \
        } else {                                                                                   \
            kbits &= ~(uint64_t)0 << (pos - kb);                                                   \
        }                                                                                          \
    } while (0)

/* Next special byte into `at`, or goto need_in_field with pos = lim. */
#define NEXT_SPECIAL(st)                                                                           \
    do {                                                                                           \
        while (kbits == 0) {                                                                       \
            const size_t next = kvalid ? kb + 64 : pos;                                            \
            if (next >= lim) {                                                                     \
                pos = lim;                                                                         \
                c->state = (st);                                                                   \
                goto need_in_field;                                                                \
            }                                                                                      \
            kb = next;                                                                             \
            kbits = special_mask(buf + kb);                                                        \
            kvalid = 1;                                                                            \
        }                                                                                          \
        at = kb + (size_t)__builtin_ctzll(kbits);                                                  \
        kbits &= kbits - 1;                                                                        \
        if (at >= lim) {                                                                           \
            pos = lim;                                                                             \
            c->state = (st);                                                                       \
            goto need_in_field;                                                                    \
        }                                                                                          \
    } while (0)

/* Scans the current record from pos. Returns 1 when the record is complete
 * (pos is then past its line end and c->content marks where the line end
 * began), 0 when pos reached the end of the data or of the record window,
 * or a negative code on a syntax error. While scanning, the current field
 * starts at buffer offset fs; fields[nf].p holds it only between calls
 * (where compact() may move it). */
static int scan(tk_csv *c, tk_error *err)
{
    char *const buf = c->buf;
    const size_t head = c->head;
    const size_t window = head + c->opt.max_record_bytes + 2;
    const size_t lim = c->tail < window ? c->tail : window;
    tk_csv_field *const f = c->fields;
    const size_t maxf = c->opt.max_fields;
    size_t pos = c->pos;
    size_t nf = c->nf;
    size_t fs = 0;
    size_t at;
    /* Fields are short (ten bytes is typical), so instead of a fresh
     * search per field, the positions of , " CR LF in a 64-byte block
     * starting at kb are kept as bits and consumed one by one (quoted
     * fields skip the , and CR bits). Invariant: kbits has no bit below
     * pos; SYNC() restores it after pos moves past a byte by other means.
     * Bits at or beyond lim may come from stale bytes and are never used. */
    size_t kb = 0;
    uint64_t kbits = 0;
    int kvalid = 0;

    switch (c->state) {
    case S_UNQUOTED:
        fs = (size_t)(f[nf].p - buf);
        goto unquoted;
    case S_QUOTED:
        fs = (size_t)(f[nf].p - buf);
        goto quoted;
    case S_QUOTE:
        fs = (size_t)(f[nf].p - buf);
        goto quote;
    case S_CR:
        goto cr;
    default:
        break;
    }

field:
    if (pos == lim) {
        c->state = S_FIELD;
        goto need;
    }
    if (nf == maxf) {
        char d[96];
        snprintf(d, sizeof d, "expected at most %zu fields, found more", maxf);
        c->nf = nf;
        return fail_at(c, TK_ERANGE, pos, d, err);
    }
    if (buf[pos] == '"') {
        c->qopen = pos - head;
        fs = ++pos;
        if (kvalid)
            SYNC();
        goto quoted;
    }
    fs = pos;
unquoted:
    NEXT_SPECIAL(S_UNQUOTED);
    f[nf].p = buf + fs;
    f[nf].len = at - fs;
    pos = at + 1;
    if (buf[at] == ',') {
        nf++;
        goto field;
    }
    if (buf[at] == '\n') {
        nf++;
        c->content = at - head;
        goto done;
    }
    if (buf[at] == '\r') {
        nf++;
        goto cr;
    }
    {
        char d[96];
        snprintf(d, sizeof d, "stray quote in unquoted field %zu", nf + 1);
        c->nf = nf;
        return fail_at(c, TK_EPARSE, at, d, err);
    }

quoted:
    for (;;) {
        NEXT_SPECIAL(S_QUOTED);
        if (buf[at] == '"')
            break;
        c->quoted_lfs += buf[at] == '\n';
    }
    pos = at + 1;
quote:
    if (pos == lim) {
        c->state = S_QUOTE;
        goto need_in_field;
    }
    switch (buf[pos]) {
    case '"':
        c->escape[nf] = 1;
        c->escaped = 1;
        pos++;
        if (kvalid)
            SYNC();
        goto quoted;
    case ',':
        f[nf].p = buf + fs;
        f[nf].len = pos - 1 - fs;
        nf++;
        pos++;
        if (kvalid)
            SYNC();
        goto field;
    case '\n':
        f[nf].p = buf + fs;
        f[nf].len = pos - 1 - fs;
        nf++;
        c->content = pos - head;
        pos++;
        goto done;
    case '\r':
        f[nf].p = buf + fs;
        f[nf].len = pos - 1 - fs;
        nf++;
        pos++;
        goto cr;
    default: {
        const unsigned char ch = (unsigned char)buf[pos];
        char d[128];
        if (ch >= 0x20 && ch < 0x7F)
            snprintf(d, sizeof d,
                     "expected comma or line end after closing quote of field %zu, found '%c'",
                     nf + 1, ch);
        else
            snprintf(d, sizeof d,
                     "expected comma or line end after closing quote of field %zu, found byte "
                     "0x%02x",
                     nf + 1, ch);
        c->nf = nf;
        return fail_at(c, TK_EPARSE, pos, d, err);
    }
    }

cr:
    if (pos == lim) {
        c->state = S_CR;
        goto need;
    }
    if (buf[pos] != '\n') {
        c->nf = nf;
        return fail_at(c, TK_EPARSE, pos - 1, "expected line feed after carriage return", err);
    }
    c->content = pos - 1 - head;
    pos++;
    goto done;

need_in_field:
    f[nf].p = buf + fs; /* where compact() will find and move it */
need:
    c->pos = pos;
    c->nf = nf;
    return 0;
done:
    c->pos = pos;
    c->nf = nf;
    return 1;
}

#undef SYNC
#undef NEXT_SPECIAL

/* ---- records ---------------------------------------------------------- */

/* Removes the second quote of every doubled quote in p[0..len) (every
 * quote in a quoted field's content is doubled); returns the new length. */
static size_t unescape(char *p, size_t len)
{
    const char *const end = p + len;
    char *w = memchr(p, '"', len);
    if (w == NULL)
        return len;
    const char *r = w + 2;
    w++;
    while (r < end) {
        const char *const q = memchr(r, '"', (size_t)(end - r));
        const size_t n = q != NULL ? (size_t)(q - r) + 1 : (size_t)(end - r);
        memmove(w, r, n);
        w += n;
        r += n + (q != NULL);
    }
    return (size_t)(w - p);
}

/* Fails the current record for being longer than max_record_bytes. */
static int too_long(tk_csv *c, tk_error *err)
{
    return tk_error_set(err, TK_ERANGE,
                        "record %" PRIu64 " (line %" PRIu64 "): record longer than %zu bytes",
                        c->nrec, c->line, c->opt.max_record_bytes);
}

/* Completes a scanned record: limits, unescaping, the field count. */
static int finish(tk_csv *c, const tk_csv_field **fields, size_t *nfields, tk_error *err)
{
    const size_t nf = c->nf;
    c->nrec++;
    c->in_record = 0;
    c->next_line = c->line + c->quoted_lfs + 1;
    if (c->content > c->opt.max_record_bytes)
        return too_long(c, err);
    if (c->escaped) {
        for (size_t i = 0; i < nf; i++) {
            if (c->escape[i]) {
                /* The same bytes, reached through the buffer the parser owns. */
                char *const p = c->buf + (c->fields[i].p - c->buf);
                c->fields[i].len = unescape(p, c->fields[i].len);
                c->escape[i] = 0;
            }
        }
        c->escaped = 0;
    }
    *fields = c->fields;
    *nfields = nf;
    if (nf == 1 && c->content == 0)
        return 1; /* an empty line: exempt from the field count */
    if (c->opt.strict_field_count) {
        if (c->expected == 0) {
            c->expected = nf;
        } else if (nf != c->expected) {
            return tk_error_set(err, TK_EPARSE,
                                "record %" PRIu64 " (line %" PRIu64
                                "): expected %zu fields, found %zu",
                                c->nrec, c->line, c->expected, nf);
        }
    }
    return 1;
}

/* The input ended while scanning the current record (pos == tail). */
static int end_of_input(tk_csv *c, const tk_csv_field **fields, size_t *nfields, tk_error *err)
{
    const size_t pos = c->pos, nf = c->nf;
    tk_csv_field *const f = c->fields;
    switch (c->state) {
    case S_FIELD:
        if (nf == 0 && pos == c->head) {
            c->in_record = 0;
            c->line = c->prev_line; /* there was no next record */
            return 0;
        }
        /* The record ended with a comma: one more, empty, field. */
        if (nf == c->opt.max_fields) {
            char d[96];
            snprintf(d, sizeof d, "expected at most %zu fields, found more", nf);
            return fail_at(c, TK_ERANGE, pos, d, err);
        }
        f[nf].p = c->buf + pos;
        f[nf].len = 0;
        c->nf = nf + 1;
        c->content = pos - c->head;
        break;
    case S_UNQUOTED:
        f[nf].len = (size_t)(c->buf + pos - f[nf].p);
        c->nf = nf + 1;
        c->content = pos - c->head;
        break;
    case S_QUOTED: {
        char d[128];
        snprintf(d, sizeof d,
                 "unterminated quoted field %zu: expected a closing quote before end of input",
                 nf + 1);
        const int rc = fail_at(c, TK_EPARSE, c->head + c->qopen, d, err);
        c->pos = c->tail; /* nothing after an open quote can be resynchronised */
        c->skipping = 1;
        return rc;
    }
    case S_QUOTE:
        f[nf].len = (size_t)(c->buf + pos - 1 - f[nf].p);
        c->nf = nf + 1;
        c->content = pos - c->head;
        break;
    default: /* S_CR: a CR as the last byte of input ends the record */
        c->content = pos - 1 - c->head;
        break;
    }
    return finish(c, fields, nfields, err);
}

int tk_csv_next(tk_csv *c, const tk_csv_field **fields, size_t *nfields, tk_error *err)
{
    int rc;
    assert(c != NULL && fields != NULL && nfields != NULL);
    *fields = NULL;
    *nfields = 0;
    if (c->io_failed)
        return tk_error_set(err, TK_EIO,
                            "record %" PRIu64 " (line %" PRIu64 "): input failed earlier",
                            c->nrec + 1, c->next_line);

    if (!c->started) {
        while (c->tail < 3 && !c->eof) {
            rc = refill(c, err);
            if (rc != TK_OK)
                return rc;
        }
        if (c->tail >= 3 && memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0) {
            c->had_bom = 1;
            c->pos = 3;
        }
        c->started = 1;
    }

    while (c->skipping) {
        const char *const q = memchr(c->buf + c->pos, '\n', c->tail - c->pos);
        if (q != NULL) {
            c->pos = (size_t)(q - c->buf) + 1;
            c->skipping = 0;
            break;
        }
        c->pos = c->tail;
        c->head = c->pos;
        if (c->eof)
            return 0;
        rc = refill(c, err);
        if (rc != TK_OK)
            return rc;
    }

    if (!c->in_record) {
        if (c->escaped) {
            /* Flags left by a record that failed before finish(). */
            memset(c->escape, 0, c->opt.max_fields);
            c->escaped = 0;
        }
        c->head = c->pos;
        c->state = S_FIELD;
        c->nf = 0;
        c->quoted_lfs = 0;
        c->prev_line = c->line;
        c->line = c->next_line;
        c->in_record = 1;
    }
    for (;;) {
        rc = scan(c, err);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return finish(c, fields, nfields, err);
        if (c->pos - c->head == c->opt.max_record_bytes + 2) {
            uint64_t line, col;
            locate(c, c->pos, &line, &col);
            c->nrec++;
            resume_at(c, c->pos, line);
            return too_long(c, err);
        }
        if (c->eof)
            return end_of_input(c, fields, nfields, err);
        rc = refill(c, err);
        if (rc != TK_OK)
            return rc;
    }
}
