/* tests/fuzz/fuzz_csv.c -- libFuzzer target for src/csv.h.
 *
 * The first four bytes choose the options (buffer size, record and field
 * limits, strictness) and the read size; the rest is the CSV text. The
 * input is parsed three ways and the transcripts (every return code,
 * record number, line, message and field) must agree:
 *   1. the streaming parser with a tiny buffer and tiny reads;
 *   2. the streaming parser with the default buffer and one big read;
 *   3. a byte-at-a-time reference parser written for clarity, which holds
 *      the whole input in memory and follows the rules stated in csv.h.
 * Along the way each record is checked: fields in order, inside the
 * record, no more than max_fields, no more bytes than max_record_bytes,
 * and progress counters that only move forward. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- transcripts ------------------------------------------------------ */

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void add(text *t, const char *fmt, ...) TK_PRINTF(2, 3);
static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        const size_t room = t->cap - t->len;
        va_start(ap, fmt);
        const int n = vsnprintf(t->p ? t->p + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            abort();
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        t->cap = (t->cap + (size_t)n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (t->p == NULL)
            abort();
    }
}

static void add_bytes(text *t, const char *p, size_t len)
{
    add(t, "[");
    for (size_t i = 0; i < len; i++)
        add(t, "%02x", (unsigned char)p[i]);
    add(t, "]");
}

/* ---- the streaming parser ----------------------------------------------- */

typedef struct reader {
    const char *p;
    size_t len, off, chunk;
} reader;

static long read_chunk(void *ctx, char *buf, size_t cap)
{
    reader *const r = ctx;
    size_t n = r->len - r->off;
    if (n > r->chunk)
        n = r->chunk;
    if (n > cap)
        n = cap;
    memcpy(buf, r->p + r->off, n);
    r->off += n;
    return (long)n;
}

static char *run_streaming(const char *in, size_t len, const tk_csv_options *o, size_t chunk)
{
    reader r = {in, len, 0, chunk};
    tk_csv *c = NULL;
    tk_error err;
    text t = {NULL, 0, 0};
    add(&t, "%s", "");
    if (tk_csv_create(&c, read_chunk, &r, o, &err) != TK_OK)
        abort();
    uint64_t last_bytes = 0, last_rec = 0, last_line = 0;
    for (size_t calls = 0; calls < len + 4; calls++) {
        const tk_csv_field *f;
        size_t n;
        const int rc = tk_csv_next(c, &f, &n, &err);
        const uint64_t bytes = tk_csv_bytes(c);
        if (bytes < last_bytes || bytes > len)
            abort();
        last_bytes = bytes;
        if (rc == 0) {
            const tk_csv_field *f2;
            size_t n2;
            if (tk_csv_next(c, &f2, &n2, &err) != 0 || tk_csv_record(c) != last_rec ||
                tk_csv_line(c) != last_line)
                abort();
            add(&t, "end %" PRIu64 " bom %d\n", bytes, tk_csv_had_bom(c));
            break;
        }
        if (tk_csv_record(c) != last_rec + 1 || tk_csv_line(c) < 1)
            abort();
        last_rec = tk_csv_record(c);
        last_line = tk_csv_line(c);
        add(&t, "%d #%" PRIu64 " line %" PRIu64, rc, tk_csv_record(c), tk_csv_line(c));
        if (rc < 0) {
            if (err.code != rc || err.msg[0] == '\0')
                abort();
            add(&t, " %s", err.msg);
        }
        if (rc == 1 || (rc == TK_EPARSE && f != NULL)) {
            if (n == 0 || n > o->max_fields)
                abort();
            size_t total = 0;
            for (size_t i = 0; i < n; i++) {
                if (i > 0 && f[i - 1].p + f[i - 1].len > f[i].p)
                    abort();
                total += f[i].len;
                add_bytes(&t, f[i].p, f[i].len);
            }
            if (total > o->max_record_bytes)
                abort();
        } else if (f != NULL || n != 0) {
            abort();
        }
        add(&t, "\n");
    }
    tk_csv_destroy(c);
    return t.p;
}

/* ---- the reference parser ----------------------------------------------- */

typedef struct ref {
    const unsigned char *s;
    size_t n;
    tk_csv_options o;
    size_t pos, head;
    int started, bom, skipping;
    uint64_t nrec, line, next_line;
    size_t expected;
    char *out;     /* unescaped field bytes of the current record */
    size_t *start; /* per field: offset in out */
    size_t *flen;  /* per field: length */
    size_t nf, olen;
    char msg[256];
} ref;

static void ref_resume(ref *r, size_t at, uint64_t line)
{
    r->pos = at;
    if (at > r->head && r->s[at - 1] == '\n') {
        r->skipping = 0;
        r->next_line = line;
    } else {
        r->skipping = 1;
        r->next_line = line + 1;
    }
}

static int ref_fail(ref *r, int code, size_t at, const char *detail)
{
    uint64_t line = r->line;
    size_t ls = r->head;
    for (size_t i = r->head; i < at; i++) {
        if (r->s[i] == '\n') {
            line++;
            ls = i + 1;
        }
    }
    r->nrec++;
    ref_resume(r, at, line);
    snprintf(r->msg, sizeof r->msg, "record %" PRIu64 " (line %" PRIu64 ", column %" PRIu64 "): %s",
             r->nrec, line, (uint64_t)(at - ls + 1), detail);
    return code;
}

static int ref_too_long(ref *r)
{
    snprintf(r->msg, sizeof r->msg,
             "record %" PRIu64 " (line %" PRIu64 "): record longer than %zu bytes", r->nrec,
             r->line, r->o.max_record_bytes);
    return TK_ERANGE;
}

static void ref_begin_field(ref *r)
{
    r->start[r->nf] = r->olen;
}

static void ref_end_field(ref *r)
{
    r->flen[r->nf] = r->olen - r->start[r->nf];
    r->nf++;
}

static int ref_next(ref *r)
{
    char d[160];
    if (!r->started) {
        if (r->n >= 3 && memcmp(r->s, "\xEF\xBB\xBF", 3) == 0) {
            r->pos = 3;
            r->bom = 1;
        }
        r->started = 1;
    }
    if (r->skipping) {
        const unsigned char *const q = memchr(r->s + r->pos, '\n', r->n - r->pos);
        if (q == NULL) {
            r->pos = r->n;
            return 0;
        }
        r->pos = (size_t)(q - r->s) + 1;
        r->skipping = 0;
    }
    const size_t head = r->pos, window = head + r->o.max_record_bytes + 2;
    size_t p = head, content, qopen = 0;
    uint64_t lfs = 0;
    r->head = head;
    r->line = r->next_line;
    r->nf = 0;
    r->olen = 0;

field:
    if (p == window)
        goto too_long;
    if (p == r->n) {
        if (r->nf == 0 && p == head)
            return 0;
        if (r->nf == r->o.max_fields)
            goto too_many;
        ref_begin_field(r);
        ref_end_field(r);
        content = p - head;
        goto finish;
    }
    if (r->nf == r->o.max_fields)
        goto too_many;
    ref_begin_field(r);
    if (r->s[p] == '"') {
        qopen = p++;
        goto quoted;
    }
unquoted:
    if (p == window)
        goto too_long;
    if (p == r->n) {
        ref_end_field(r);
        content = p - head;
        goto finish;
    }
    switch (r->s[p]) {
    case ',':
        ref_end_field(r);
        p++;
        goto field;
    case '\n':
        ref_end_field(r);
        content = p - head;
        p++;
        goto finish;
    case '\r':
        ref_end_field(r);
        p++;
        goto cr;
    case '"':
        snprintf(d, sizeof d, "stray quote in unquoted field %zu", r->nf + 1);
        return ref_fail(r, TK_EPARSE, p, d);
    default:
        r->out[r->olen++] = (char)r->s[p++];
        goto unquoted;
    }
quoted:
    if (p == window)
        goto too_long;
    if (p == r->n) {
        snprintf(d, sizeof d,
                 "unterminated quoted field %zu: expected a closing quote before end of input",
                 r->nf + 1);
        const int rc = ref_fail(r, TK_EPARSE, qopen, d);
        r->pos = r->n;
        r->skipping = 1;
        return rc;
    }
    if (r->s[p] == '"') {
        p++;
        goto quote;
    }
    lfs += r->s[p] == '\n';
    r->out[r->olen++] = (char)r->s[p++];
    goto quoted;
quote:
    if (p == window)
        goto too_long;
    if (p == r->n) {
        ref_end_field(r);
        content = p - head;
        goto finish;
    }
    switch (r->s[p]) {
    case '"':
        r->out[r->olen++] = '"';
        p++;
        goto quoted;
    case ',':
        ref_end_field(r);
        p++;
        goto field;
    case '\n':
        ref_end_field(r);
        content = p - head;
        p++;
        goto finish;
    case '\r':
        ref_end_field(r);
        p++;
        goto cr;
    default:
        if (r->s[p] >= 0x20 && r->s[p] < 0x7F)
            snprintf(d, sizeof d,
                     "expected comma or line end after closing quote of field %zu, found '%c'",
                     r->nf + 1, r->s[p]);
        else
            snprintf(d, sizeof d,
                     "expected comma or line end after closing quote of field %zu, found byte "
                     "0x%02x",
                     r->nf + 1, r->s[p]);
        return ref_fail(r, TK_EPARSE, p, d);
    }
cr:
    if (p == window)
        goto too_long;
    if (p == r->n) {
        content = p - 1 - head;
        goto finish;
    }
    if (r->s[p] != '\n')
        return ref_fail(r, TK_EPARSE, p - 1, "expected line feed after carriage return");
    content = p - 1 - head;
    p++;
    goto finish;

too_many:
    snprintf(d, sizeof d, "expected at most %zu fields, found more", r->o.max_fields);
    return ref_fail(r, TK_ERANGE, p, d);
too_long : {
    uint64_t line = r->line;
    for (size_t i = head; i < p; i++)
        line += r->s[i] == '\n';
    r->nrec++;
    ref_resume(r, p, line);
    return ref_too_long(r);
}
finish:
    r->nrec++;
    r->pos = p;
    r->next_line = r->line + lfs + 1;
    if (content > r->o.max_record_bytes)
        return ref_too_long(r);
    if (r->nf == 1 && content == 0)
        return 1;
    if (r->o.strict_field_count) {
        if (r->expected == 0) {
            r->expected = r->nf;
        } else if (r->nf != r->expected) {
            snprintf(r->msg, sizeof r->msg,
                     "record %" PRIu64 " (line %" PRIu64 "): expected %zu fields, found %zu",
                     r->nrec, r->line, r->expected, r->nf);
            return -100; /* a field-count error: fields still reported */
        }
    }
    return 1;
}

static char *run_reference(const char *in, size_t len, const tk_csv_options *o)
{
    ref r;
    memset(&r, 0, sizeof r);
    r.s = (const unsigned char *)in;
    r.n = len;
    r.o = *o;
    r.next_line = 1;
    r.out = malloc(len + 1);
    r.start = malloc((o->max_fields + 1) * sizeof *r.start);
    r.flen = malloc((o->max_fields + 1) * sizeof *r.flen);
    if (r.out == NULL || r.start == NULL || r.flen == NULL)
        abort();
    text t = {NULL, 0, 0};
    add(&t, "%s", "");
    for (size_t calls = 0; calls < len + 4; calls++) {
        int rc = ref_next(&r);
        if (rc == 0) {
            add(&t, "end %zu bom %d\n", r.pos, r.bom);
            break;
        }
        const int fields = rc == 1 || rc == -100;
        if (rc == -100)
            rc = TK_EPARSE;
        add(&t, "%d #%" PRIu64 " line %" PRIu64, rc, r.nrec, r.line);
        if (rc < 0)
            add(&t, " %s", r.msg);
        if (fields) {
            for (size_t i = 0; i < r.nf; i++)
                add_bytes(&t, r.out + r.start[i], r.flen[i]);
        }
        add(&t, "\n");
    }
    free(r.out);
    free(r.start);
    free(r.flen);
    return t.p;
}

/* ---- the target ------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tk_csv_options o = TK_CSV_OPTIONS_INIT;
    size_t chunk = 7;
    if (size >= 4) {
        o.buffer_size = 1 + data[0] % 64u;
        o.max_record_bytes = data[1] == 255 ? (size_t)1 << 20 : 1u + data[1];
        o.max_fields = data[2] >= 240 ? 1024 : 1u + data[2] % 16u;
        o.strict_field_count = data[3] & 1;
        chunk = 1 + (size_t)(data[3] >> 1) % 17u;
        data += 4;
        size -= 4;
    }
    const char *const in = (const char *)data;

    char *const small = run_streaming(in, size, &o, chunk);
    tk_csv_options big = o;
    big.buffer_size = (size_t)1 << 16;
    char *const whole = run_streaming(in, size, &big, size + 1);
    char *const want = run_reference(in, size, &o);
    if (strcmp(small, whole) != 0 || strcmp(small, want) != 0) {
        fprintf(stderr, "streaming (small reads):\n%s\nstreaming (one read):\n%s\nreference:\n%s\n",
                small, whole, want);
        abort();
    }
    free(small);
    free(whole);
    free(want);
    return 0;
}
