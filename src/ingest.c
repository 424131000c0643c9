/* src/ingest.c -- the ingestion pipeline for one file.
 *
 * Approach. The file is read once, front to back, in 1 MiB chunks: every
 * chunk goes through SHA-256 (the upload's identity) and then the CSV
 * parser, whose fields the bound profile maps into canonical events that
 * the store writer inserts inside one transaction. Nothing is held per row,
 * so memory is bounded by the chunk, the record limit and the dictionaries.
 *
 * The encoding is decided before parsing from the first chunk (BOM, then
 * strict UTF-8, then CP932); a first chunk of pure ASCII leaves it open and
 * the profile binding decides at the first non-ASCII value.
 *
 * All or nothing. The events of a file are written in one SQLite
 * transaction, committed only after the last row and the duplicate check;
 * a crash, a kill or an error before that leaves the store as it was (WAL
 * rollback). In strict mode the first bad row rolls the transaction back at
 * once and the rest of the file is only parsed, to list every bad row in
 * the report. A rejected file is then recorded as an upload of status
 * "rejected" in a transaction of its own so that the city sees it.
 *
 * Rows are checked before they are mapped and after: a NUL byte in any
 * field, or an event dated outside the tenant's accepted event dates
 * (tk_tenant_event_dates()), is a row error like a bad value, named by
 * record, line and column, so that nothing is stored that a reader would
 * cut short or that no period could ever analyse.
 *
 * An event's detail (a 検索条件 or 備考 column) is rewritten by src/freetext
 * before the store sees it: search conditions become field and pseudonym,
 * other text one pseudonym, under a key derived from the tenant's for that
 * purpose, unless the profile keeps the column in clear. Like resident
 * identifiers, the clear text never leaves the reader's buffers.
 *
 * Duplicates are found by SHA-256, known only at the end of the read. When
 * a stored upload has the same size the file is hashed first, so that an
 * identical re-upload is refused without parsing it. */
#include "src/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/actor.h"
#include "src/alloc.h"
#include "src/crypto.h"
#include "src/csv.h"
#include "src/encoding.h"
#include "src/freetext.h"
#include "src/master.h"
#include "src/period.h"
#include "src/store.h"
#include "src/timefmt.h"

#define CHUNK ((size_t)1 << 20)

struct reader {
    tk_ingest_read_fn read; /* the source after the first chunk */
    void *ctx;
    int fd;      /* a file being ingested, or -1 */
    char *first; /* the first chunk, read ahead for encoding detection */
    size_t first_len;
    size_t first_pos;
    int first_served;
    int first_eof; /* the first chunk is the whole input */
    tk_crypto_sha256 sha;
    uint64_t bytes;
    int failed; /* the source reported an error: see src_err */
    tk_error src_err;
};

/* Reads a file descriptor, restarting after signals. */
static long fd_read(void *ctx, char *buf, size_t cap, tk_error *err)
{
    const int fd = *(const int *)ctx;
    for (;;) {
        const ssize_t n = read(fd, buf, cap);
        if (n >= 0)
            return (long)n;
        if (errno != EINTR)
            return tk_error_set(err, TK_EIO, "read failed: %s", strerror(errno)), -1;
    }
}

/* The source's next bytes, hashed and counted; -1 with r->src_err set. */
static long source_read(struct reader *r, char *buf, size_t cap)
{
    if (r->failed)
        return -1;
    const long n = r->read(r->ctx, buf, cap, &r->src_err);
    if (n < 0 || (size_t)n > cap) {
        if (n >= 0 || r->src_err.code == TK_OK)
            tk_error_set(&r->src_err, TK_EIO, "read failed: the source returned %ld", n);
        r->failed = 1;
        return -1;
    }
    if (n > 0) {
        if (tk_crypto_sha256_update(&r->sha, buf, (size_t)n, &r->src_err) != TK_OK) {
            r->failed = 1;
            return -1;
        }
        r->bytes += (uint64_t)n;
    }
    return n;
}

static long reader_read(void *ctx, char *buf, size_t cap)
{
    struct reader *r = ctx;
    if (!r->first_served) {
        size_t n = r->first_len - r->first_pos;
        if (n > cap)
            n = cap;
        memcpy(buf, r->first + r->first_pos, n);
        r->first_pos += n;
        if (r->first_pos == r->first_len)
            r->first_served = 1;
        if (n > 0)
            return (long)n;
    }
    if (r->first_eof)
        return 0;
    return source_read(r, buf, cap);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* Hashes the whole file (used only when a duplicate is possible). */
static int hash_file(int fd, char *buf, char hex[65], tk_error *err)
{
    tk_crypto_sha256 h;
    int rc = tk_crypto_sha256_init(&h, err);
    if (rc != TK_OK)
        return rc;
    for (;;) {
        const ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = tk_error_set(err, TK_EIO, "read failed: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        rc = tk_crypto_sha256_update(&h, buf, (size_t)n, err);
        if (rc != TK_OK)
            break;
    }
    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    tk_crypto_sha256_final(&h, d);
    tk_crypto_sha256_dispose(&h);
    if (rc == TK_OK)
        tk_crypto_hex(d, sizeof d, hex);
    if (rc == TK_OK && lseek(fd, 0, SEEK_SET) != 0)
        rc = tk_error_set(err, TK_EIO, "cannot rewind: %s", strerror(errno));
    return rc;
}

/* ---- the row-level error report ---------------------------------------
 *
 * A CSV (UTF-8 with BOM, so that spreadsheet software in Japan opens it
 * correctly) of record, line, column and message. Values of the resident
 * identifier column are masked by the profile before they get here.
 *
 * An upload only ever points to a complete report. The rows go to
 * NAME.part, which is synced and renamed to NAME once the file has been
 * read; if the report cannot be created or written (a folder that is not
 * writable, a full disk, `ulimit -f`: main() ignores SIGXFSZ so that the
 * write fails with EFBIG instead of killing the process), the part file is
 * removed, the bad rows are still counted, and the reason is kept for the
 * upload's message and the command's output.
 *
 * NAME is SECONDS-PID-FILE.errors.csv in the tenant's reports folder: the
 * time and process make it unique, the file name says what it is about.
 * A file name too long for that (a file system allows 255 bytes) is cut,
 * at a character boundary, to what fits and marked with "…". */

#define REPORT_BUF      ((size_t)1 << 16)
#define REPORT_SUFFIX   ".errors.csv"
#define PART_SUFFIX     ".part"
#define REPORT_NAME_MAX 255

struct report {
    int fd; /* the part file, or -1 */
    char *buf;
    size_t used;
    char path[4096]; /* the report's final path */
    char part[4096 + sizeof PART_SUFFIX];
    uint64_t written;
    int started; /* creation was attempted */
    int errnum;  /* why the report is not written, or 0 */
};

/* The report's file name for file (base name): prefix, the name cut to
 * fit, suffix. */
static void report_name(char *out, size_t cap, const char *prefix, const char *file)
{
    const size_t fixed = strlen(prefix) + strlen(REPORT_SUFFIX) + strlen(PART_SUFFIX);
    size_t n = strlen(file);
    const char *mark = "";
    if (fixed + n > REPORT_NAME_MAX) {
        static const char ellipsis[] = "\xE2\x80\xA6"; /* … */
        n = REPORT_NAME_MAX - fixed - (sizeof ellipsis - 1);
        while (n > 0 && ((unsigned char)file[n] & 0xC0) == 0x80)
            n--;
        mark = ellipsis;
    }
    snprintf(out, cap, "%s%.*s%s" REPORT_SUFFIX, prefix, (int)n, file, mark);
}

/* Stops writing the report for errno e: the part file is removed. */
static void report_fail(struct report *rep, int e)
{
    if (rep->errnum == 0)
        rep->errnum = e ? e : EIO;
    if (rep->fd >= 0) {
        close(rep->fd);
        rep->fd = -1;
        (void)unlink(rep->part);
    }
}

static void report_flush(struct report *rep)
{
    size_t off = 0;
    while (rep->fd >= 0 && off < rep->used) {
        const ssize_t w = write(rep->fd, rep->buf + off, rep->used - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            report_fail(rep, w < 0 ? errno : EIO);
            break;
        }
        off += (size_t)w;
    }
    rep->used = 0;
}

static void report_put(struct report *rep, const char *p, size_t n)
{
    while (n > 0 && rep->fd >= 0) {
        if (rep->used == REPORT_BUF)
            report_flush(rep);
        size_t k = REPORT_BUF - rep->used;
        if (k > n)
            k = n;
        memcpy(rep->buf + rep->used, p, k);
        rep->used += k;
        p += k;
        n -= k;
    }
}

static void report_quoted(struct report *rep, const char *s)
{
    report_put(rep, "\"", 1);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        report_put(rep, s, (size_t)(q - s) + 1);
        report_put(rep, "\"", 1);
    }
    report_put(rep, s, strlen(s));
    report_put(rep, "\"", 1);
}

static void report_start(struct report *rep, const char *dir, const char *file)
{
    rep->started = 1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char prefix[64], name[REPORT_NAME_MAX + 1];
    snprintf(prefix, sizeof prefix, "%lld-%ld-", (long long)ts.tv_sec, (long)getpid());
    report_name(name, sizeof name, prefix, file);
    const int n = snprintf(rep->path, sizeof rep->path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof rep->path) {
        report_fail(rep, ENAMETOOLONG);
        return;
    }
    snprintf(rep->part, sizeof rep->part, "%s" PART_SUFFIX, rep->path);
    rep->buf = tk_alloc(REPORT_BUF);
    if (rep->buf == NULL) {
        report_fail(rep, ENOMEM);
        return;
    }
    rep->fd = open(rep->part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (rep->fd < 0) {
        report_fail(rep, errno);
        return;
    }
    static const char head[] = "\xEF\xBB\xBFrecord,line,column,message\r\n";
    report_put(rep, head, sizeof head - 1);
}

static void report_row(struct report *rep, const char *dir, const char *file, uint64_t max,
                       uint64_t record, uint64_t line, const char *column, const char *msg)
{
    if (rep->written >= max || dir == NULL)
        return;
    if (!rep->started)
        report_start(rep, dir, file);
    if (rep->fd < 0)
        return;
    char nums[48];
    const int n = snprintf(nums, sizeof nums, "%llu,%llu,", (unsigned long long)record,
                           (unsigned long long)line);
    report_put(rep, nums, (size_t)n);
    report_quoted(rep, column ? column : "");
    report_put(rep, ",", 1);
    report_quoted(rep, msg);
    report_put(rep, "\r\n", 2);
    rep->written++;
}

/* Completes the report: flush, sync, rename into place. Returns 1 when
 * the report is complete under rep->path. */
static int report_finish(struct report *rep)
{
    if (rep->fd < 0)
        return 0;
    report_flush(rep);
    if (rep->fd >= 0 && fsync(rep->fd) != 0)
        report_fail(rep, errno);
    if (rep->fd >= 0 && close(rep->fd) != 0) {
        rep->fd = -1;
        report_fail(rep, errno);
        (void)unlink(rep->part);
        return 0;
    }
    if (rep->fd < 0)
        return 0;
    rep->fd = -1;
    if (rename(rep->part, rep->path) != 0) {
        report_fail(rep, errno);
        (void)unlink(rep->part);
        return 0;
    }
    return 1;
}

/* Removes an unfinished report (the ingest failed). */
static void report_discard(struct report *rep)
{
    if (rep->fd >= 0) {
        close(rep->fd);
        rep->fd = -1;
        (void)unlink(rep->part);
    }
    tk_free(rep->buf);
    rep->buf = NULL;
}

/* ---- resolution and pseudonyms through the tenant ---------------------- */

static int pseudonym_cb(void *ctx, const char *p, size_t len, uint8_t out[32], tk_error *err)
{
    return tk_tenant_pseudonym(ctx, p, len, out, err);
}

/* ---- the pipeline ------------------------------------------------------ */

struct run {
    tk_tenant *tenant;
    const tk_profile *profile;
    const char *path;
    const tk_ingest_options *opt;
    tk_ingest_result *res;
    struct reader rd;
    tk_csv *csv;
    tk_profile_row *row;
    tk_master_resolver *resolver;
    tk_store_writer *writer;
    tk_freetext *freetext; /* rewrites detail before it is stored */
    struct report rep;
    tk_upload_meta meta;
    const char *by; /* the uploader recorded on the row */
    char by_local[TK_ACTOR_NAME_SIZE];
    const tk_csv_field *pending; /* headerless: the first record, read to bind */
    size_t npending;
    int64_t started_at;
    double t0, last_progress;
    int failed;           /* strict mode: a bad row was seen, nothing will be stored */
    tk_period *delivered; /* the tenant's delivered periods, by first day */
    size_t ndelivered;
    uint64_t *in_delivered; /* accepted rows per delivered period */
    tk_period dates;        /* the event dates the tenant accepts */
};

/* res->report_error: why the row-level error report is not written, as
 * a message (valid UTF-8, one line) whatever bytes the path holds. */
static void report_error(struct run *r)
{
    tk_error e;
    tk_error_set(&e, TK_EIO, "row-level error report not written: %s: %s", r->rep.path,
                 strerror(r->rep.errnum));
    snprintf(r->res->report_error, sizeof r->res->report_error, "%s", e.msg);
}

/* Counts an accepted event dated in a delivered period. Logs are almost
 * always newer than every delivered period, so one comparison with the
 * last period's end settles most rows. */
static void count_delivered(struct run *r, int64_t t)
{
    if (r->ndelivered == 0)
        return;
    const int64_t day = tk_jst_day(t);
    for (size_t i = r->ndelivered; i-- > 0;) {
        if (day > r->delivered[i].last_day)
            return;
        if (day >= r->delivered[i].first_day) {
            r->in_delivered[i]++;
            r->res->rows_delivered++;
            return;
        }
    }
}

/* res->warning for rows in delivered periods: each period hit, with its
 * rows, as whole items. */
static void delivered_warning(struct run *r)
{
    char items[8][64];
    const char *list[8];
    size_t n = 0, hit = 0;
    for (size_t i = 0; i < r->ndelivered; i++) {
        if (r->in_delivered[i] == 0)
            continue;
        hit++;
        if (n < 8) {
            char p[32];
            tk_period_format(&r->delivered[i], p, sizeof p);
            snprintf(items[n], sizeof items[n], "%s (%llu row%s)", p,
                     (unsigned long long)r->in_delivered[i], r->in_delivered[i] == 1 ? "" : "s");
            list[n] = items[n];
            n++;
        }
    }
    if (hit == 0)
        return;
    const uint64_t rows = r->res->rows_delivered;
    if (hit == 1) {
        char p[32];
        size_t i = 0;
        while (r->in_delivered[i] == 0)
            i++;
        tk_period_format(&r->delivered[i], p, sizeof p);
        snprintf(r->res->warning, sizeof r->res->warning,
                 "%llu row%s fall%s into the delivered period %s; a delivered period is frozen, "
                 "so %s events will not be analysed",
                 (unsigned long long)rows, rows == 1 ? "" : "s", rows == 1 ? "s" : "", p,
                 rows == 1 ? "its" : "their");
        return;
    }
    char joined[400];
    tk_error_join(joined, sizeof joined, list, n);
    snprintf(r->res->warning, sizeof r->res->warning,
             "%llu rows fall into delivered periods: %s%s; a delivered period is frozen, so their "
             "events will not be analysed",
             (unsigned long long)rows, joined, hit > n ? " and more" : "");
}

static void progress(struct run *r, int final)
{
    if (r->opt->progress == NULL)
        return;
    const double t = now_seconds();
    if (!final && t - r->last_progress < 0.25)
        return;
    r->last_progress = t;
    tk_ingest_progress p = {r->rd.bytes, (uint64_t)r->res->bytes, r->res->rows_total,
                            r->res->rows_rejected, t - r->t0};
    r->opt->progress(r->opt->progress_ctx, &p);
}

static void problem(struct run *r, uint64_t record, uint64_t line, const char *column,
                    const char *msg)
{
    r->res->rows_rejected++;
    if (r->res->first_error[0] == '\0')
        snprintf(r->res->first_error, sizeof r->res->first_error, "%s", msg);
    if (r->opt->on_problem)
        r->opt->on_problem(r->opt->event_ctx, record, line, column, msg);
    if (!r->opt->dry_run)
        report_row(&r->rep, tk_tenant_reports_dir(r->tenant), base_name(r->path),
                   r->opt->max_report_rows, record, line, column, msg);
    if (!r->opt->lenient && r->writer != NULL) {
        tk_store_writer_abort(r->writer);
        r->writer = NULL;
    }
    if (!r->opt->lenient)
        r->failed = 1;
}

static int is_empty_record(const tk_csv_field *f, size_t n)
{
    return n == 1 && f[0].len == 0;
}

/* The first field of cells[0..n) holding a NUL byte, or n. A NUL is never
 * text in a log: it is binary junk, or a value built to be cut short by
 * whatever reads it as a C string (`999999\0EVIL` shown as `999999`). The
 * store keeps lengths and would keep it whole, so the row is refused
 * instead, whatever column the NUL is in. */
static size_t nul_field(const tk_csv_field *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (cells[i].len > 0 && memchr(cells[i].p, '\0', cells[i].len) != NULL)
            return i;
    }
    return n;
}

static int run_rows(struct run *r, tk_error *err)
{
    const tk_csv_field *cells;
    size_t n;
    int rc;
    tk_event ev;
    uint64_t stored = 0;
    /* One record for every row: an initialiser in the loop would clear
     * its whole message buffer per row. Only failures write to it. */
    tk_error rowerr;

    tk_error_clear(&rowerr);
    for (;;) {
        if (r->pending != NULL) {
            cells = r->pending;
            n = r->npending;
            r->pending = NULL;
            rc = 1;
        } else {
            rc = tk_csv_next(r->csv, &cells, &n, &rowerr);
        }
        if (rc == 0)
            break;
        const uint64_t record = tk_csv_record(r->csv);
        const uint64_t line = tk_csv_line(r->csv);
        if (rc < 0) {
            if (r->rd.failed)
                return tk_error_set(err, r->rd.src_err.code, "%s: %s", r->path, r->rd.src_err.msg);
            if (rc == TK_EIO)
                return tk_error_set(err, TK_EIO, "%s: read failed", r->path);
            if (rc == TK_ENOMEM)
                return tk_error_set(err, rc, "%s: %s", r->path, rowerr.msg);
            /* The parser resumes at the next record (or line) after a
             * syntax error, so every bad record is listed. */
            r->res->rows_total++;
            problem(r, record, line, NULL, rowerr.msg);
            continue;
        }
        if (is_empty_record(cells, n)) {
            r->res->rows_skipped++;
            continue;
        }
        r->res->rows_total++;
        const size_t nulcol = nul_field(cells, n);
        if (nulcol < n) {
            const char *const name = tk_profile_row_column_name(r->row, nulcol);
            char col[32], msg[sizeof rowerr.msg + 64];
            snprintf(col, sizeof col, "%zu", nulcol + 1);
            snprintf(msg, sizeof msg, "record %llu (line %llu): column %.200s: NUL byte in field",
                     (unsigned long long)record, (unsigned long long)line,
                     name != NULL ? name : col);
            problem(r, record, line, name != NULL ? name : col, msg);
            progress(r, 0);
            continue;
        }
        size_t badcol = 0;
        rc = tk_profile_row_apply(r->row, (const tk_view *)cells, n, &ev, &badcol, &rowerr);
        if (rc == TK_ENOMEM)
            return tk_error_set(err, rc, "%s: %s", r->path, rowerr.msg);
        if (rc != TK_OK) {
            char msg[sizeof rowerr.msg + 64];
            snprintf(msg, sizeof msg, "record %llu (line %llu): %s", (unsigned long long)record,
                     (unsigned long long)line, rowerr.msg);
            problem(r, record, line, tk_profile_row_column_name(r->row, badcol), msg);
            progress(r, 0);
            continue;
        }
        const int64_t day = tk_jst_day(ev.t);
        if (day < r->dates.first_day || day > r->dates.last_day) {
            char col[32], when[24], range[48], msg[sizeof rowerr.msg + 160];
            const char *const name = tk_profile_row_date_column(r->row, col, sizeof col);
            tk_period_format_day(day, when, sizeof when);
            tk_period_format(&r->dates, range, sizeof range);
            snprintf(msg, sizeof msg,
                     "record %llu (line %llu): column %.200s (time): date %s is outside the "
                     "accepted event dates %s (see tenken settings --event-dates)",
                     (unsigned long long)record, (unsigned long long)line,
                     name != NULL ? name : "(value)", when, range);
            problem(r, record, line, name, msg);
            progress(r, 0);
            continue;
        }
        if (r->opt->dry_run) {
            r->res->rows_accepted++;
            if (r->opt->on_event && r->opt->on_event(r->opt->event_ctx, record, &ev))
                break;
        } else if (r->writer != NULL) {
            if (r->opt->fail_after_rows && stored == r->opt->fail_after_rows)
                return tk_error_set(err, TK_EIO, "injected failure after %llu rows",
                                    (unsigned long long)stored);
            ev.record = (int64_t)record;
            if (ev.detail.p != NULL) {
                const int mode = tk_profile_detail_clear(r->profile) ? TK_FREETEXT_CLEAR
                                                                     : TK_FREETEXT_PSEUDONYMISE;
                rc = tk_freetext_apply(r->freetext, mode, ev.detail.p, ev.detail.len, &ev.detail,
                                       err);
                if (rc != TK_OK)
                    return rc;
            }
            rc = tk_store_writer_add(r->writer, &ev, err);
            if (rc != TK_OK)
                return rc;
            stored++;
            r->res->rows_accepted++;
        }
        count_delivered(r, ev.t);
        if (r->res->rows_accepted == 1 || ev.t < r->res->t_min)
            r->res->t_min = ev.t;
        if (r->res->rows_accepted == 1 || ev.t > r->res->t_max)
            r->res->t_max = ev.t;
        if ((r->res->rows_total & 0x3FFF) == 0)
            progress(r, 0);
    }
    return TK_OK;
}

/* Reads the first chunk, decides the encoding and sets up the parser. */
static int open_input(struct run *r, tk_enc *enc, tk_error *err)
{
    r->rd.first = tk_alloc(CHUNK);
    if (r->rd.first == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    /* A stream may deliver the first chunk in pieces: fill it, so that
     * detection sees as much of the input as a file would give. */
    size_t got = 0;
    while (got < CHUNK) {
        const long n = source_read(&r->rd, r->rd.first + got, CHUNK - got);
        if (n < 0)
            return tk_error_set(err, r->rd.src_err.code, "%s: %s", r->path, r->rd.src_err.msg);
        if (n == 0) {
            r->rd.first_eof = 1;
            break;
        }
        got += (size_t)n;
    }
    r->rd.first_len = got;
    if (r->meta.size >= 0 && (uint64_t)got == (uint64_t)r->meta.size)
        r->rd.first_eof = 1;
    const int at_eof = r->rd.first_eof;
    const tk_enc declared = tk_profile_encoding(r->profile);
    if (declared == TK_ENC_AUTO) {
        *enc = tk_enc_detect(r->rd.first, r->rd.first_len, at_eof);
        if (*enc == TK_ENC_UNKNOWN)
            *enc = TK_ENC_CP932; /* the decoder then names the first bad byte */
    } else {
        *enc = declared;
    }
    if (*enc == TK_ENC_UTF8_BOM)
        *enc = TK_ENC_UTF8;
    tk_csv_options co = TK_CSV_OPTIONS_INIT;
    co.buffer_size = CHUNK;
    return tk_csv_create(&r->csv, reader_read, &r->rd, &co, err);
}

/* A profile that fixes the encoding to UTF-8 for a CP932 file (or the
 * reverse) would fail on the header or on every row with a byte offset
 * that says nothing of the cause. When the first chunk does not decode as
 * declared but decodes as the other encoding, the file is refused at once
 * with the place of the first bad byte (physical line and CSV column,
 * counted as the parser counts them) and the fix. */
static int check_declared_encoding(struct run *r, tk_error *err)
{
    const tk_enc declared = tk_profile_encoding(r->profile);
    const int at_eof = r->rd.first_eof;
    const tk_enc other = tk_enc_alternative(declared, r->rd.first, r->rd.first_len, at_eof);
    if (other == TK_ENC_UNKNOWN)
        return TK_OK;
    tk_enc_buf scratch;
    tk_enc_buf_init(&scratch);
    const char *out;
    size_t outlen, bad = 0;
    tk_error why;
    const int rc =
        tk_enc_to_utf8(declared, r->rd.first, r->rd.first_len, &scratch, &out, &outlen, &bad, &why);
    tk_enc_buf_dispose(&scratch);
    if (rc == TK_ENOMEM)
        return tk_error_set(err, rc, "%s", why.msg);
    if (rc != TK_EENCODING)
        return TK_OK;
    uint64_t line = 1;
    size_t column = 1;
    int quoted = 0;
    for (size_t i = 0; i < bad; i++) {
        const char c = r->rd.first[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (c == '\n') {
            line++;
            if (!quoted)
                column = 1;
        } else if (c == ',' && !quoted) {
            column++;
        }
    }
    const int to_cp932 = other == TK_ENC_CP932;
    return tk_error_set(err, TK_EPROFILE,
                        "%s: not valid %s (byte 0x%02x at line %llu, column %zu); the file "
                        "decodes as %s: drop the profile's encoding setting or set it to %s",
                        r->path, to_cp932 ? "UTF-8" : "CP932", (unsigned char)r->rd.first[bad],
                        (unsigned long long)line, column, to_cp932 ? "CP932" : "UTF-8",
                        to_cp932 ? "cp932" : "utf-8");
}

static int bind_profile(struct run *r, tk_enc enc, tk_error *err)
{
    const tk_csv_field *cells = NULL;
    size_t n = 0;
    int rc;
    for (size_t i = 0; i < tk_profile_skip_rows(r->profile); i++) {
        rc = tk_csv_next(r->csv, &cells, &n, err);
        if (rc <= 0)
            return rc == 0 ? tk_error_set(err, TK_EPROFILE, "%s: the file ends before row %zu",
                                          r->path, i + 1)
                           : rc;
    }
    rc = tk_csv_next(r->csv, &cells, &n, err);
    if (rc == 0)
        return tk_error_set(err, TK_EPROFILE, "%s: the file is empty", r->path);
    if (rc < 0) {
        tk_error_prefix(err, "%s", r->path);
        return rc;
    }
    const int has_header = tk_profile_has_header(r->profile);
    rc = tk_profile_bind(&r->row, r->profile, has_header ? (const tk_view *)cells : NULL, n, enc,
                         r->resolver ? tk_master_resolve : NULL, r->resolver, err);
    if (rc != TK_OK) {
        tk_error_prefix(err, "%s", r->path);
        return rc == TK_EENCODING ? TK_EPROFILE : rc;
    }
    if (!has_header) {
        r->pending = cells;
        r->npending = n;
    }
    return TK_OK;
}

/* Ingests from src, or from the file at path when src is NULL. */
static int ingest(tk_tenant *t, const tk_profile *p, const char *path, const tk_ingest_source *src,
                  const tk_ingest_options *opt, tk_ingest_result *res, tk_error *err)
{
    static const tk_ingest_options defaults = TK_INGEST_OPTIONS_INIT;
    struct run r;
    int rc;
    struct stat sb;
    tk_enc enc = TK_ENC_AUTO;
    int64_t size = -1;

    memset(res, 0, sizeof *res);
    memset(&r, 0, sizeof r);
    r.tenant = t;
    r.profile = p;
    r.path = path;
    r.opt = opt ? opt : &defaults;
    r.res = res;
    r.rd.fd = -1;
    r.rep.fd = -1;
    r.t0 = now_seconds();
    r.started_at = now_unix_ms();
    r.by = r.opt->uploaded_by;
    if (r.by == NULL) {
        tk_actor local;
        tk_actor_local(&local, r.by_local, sizeof r.by_local);
        r.by = local.name;
    }
    snprintf(res->status, sizeof res->status, "rejected");

    rc = tk_crypto_sha256_init(&r.rd.sha, err);
    if (rc != TK_OK)
        return rc;
    if (!r.opt->dry_run) {
        char what[300];
        snprintf(what, sizeof what, "ingest of %s", base_name(path));
        tk_tenant_writer_describe(t, 0, what);
    }
    if (src != NULL) {
        r.rd.read = src->read;
        r.rd.ctx = src->ctx;
        size = src->size >= 0 ? src->size : -1;
        res->bytes = size >= 0 ? (uint64_t)size : 0;
        goto opened;
    }
    r.rd.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r.rd.fd < 0) {
        rc = tk_error_set(err, TK_EIO, "cannot open %s: %s", path, strerror(errno));
        goto done;
    }
    if (fstat(r.rd.fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = tk_error_set(err, TK_EIO, "%s is not a regular file", path);
        goto done;
    }
    r.rd.read = fd_read;
    r.rd.ctx = &r.rd.fd;
    size = (int64_t)sb.st_size;
    res->bytes = (uint64_t)sb.st_size;
    (void)posix_fadvise(r.rd.fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    /* A file can be hashed before it is parsed: an identical upload is
     * refused without reading it twice over. A stream is hashed as it
     * arrives, and the store refuses a duplicate when it commits. */
    if (!r.opt->dry_run && tk_store_has_upload_size(tk_tenant_db(t), (int64_t)sb.st_size)) {
        char *buf = tk_alloc(CHUNK);
        if (buf == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory");
            goto done;
        }
        rc = hash_file(r.rd.fd, buf, res->sha256, err);
        tk_free(buf);
        if (rc != TK_OK) {
            tk_error_prefix(err, "%s", path);
            goto done;
        }
        if (tk_store_find_upload(tk_tenant_db(t), res->sha256, &res->duplicate_of, NULL) == TK_OK) {
            snprintf(res->status, sizeof res->status, "duplicate");
            rc = tk_error_set(err, TK_EEXISTS,
                              "%s: identical to upload #%lld (same SHA-256); not stored again",
                              path, (long long)res->duplicate_of);
            goto done;
        }
    }
opened:
    r.meta = (tk_upload_meta){
        base_name(path),      size,           tk_profile_name(p), tk_profile_version(p),
        tk_profile_digest(p), r.opt->lenient, r.started_at,       r.by};
    if (t != NULL) {
        rc = tk_master_resolver_create(&r.resolver, t, err);
        if (rc == TK_OK)
            rc = tk_period_delivered(tk_tenant_db(t), &r.delivered, &r.ndelivered, err);
        if (rc == TK_OK && r.ndelivered > 0) {
            r.in_delivered = tk_calloc(r.ndelivered, sizeof *r.in_delivered);
            if (r.in_delivered == NULL)
                rc = tk_error_set(err, TK_ENOMEM, "out of memory");
        }
        if (rc == TK_OK)
            rc = tk_tenant_event_dates(t, &r.dates, NULL, err);
        if (rc != TK_OK)
            goto done;
    } else {
        rc = tk_tenant_parse_event_dates(TK_TENANT_EVENT_DATES_DEFAULT,
                                         strlen(TK_TENANT_EVENT_DATES_DEFAULT), &r.dates, err);
        if (rc != TK_OK)
            goto done;
    }
    rc = open_input(&r, &enc, err);
    if (rc != TK_OK)
        goto done;
    rc = check_declared_encoding(&r, err);
    if (rc == TK_ENOMEM)
        goto done;
    if (rc == TK_OK)
        rc = bind_profile(&r, enc, err);
    if (rc != TK_OK)
        goto rejected_whole;
    if (!r.opt->dry_run) {
        rc = tk_store_writer_begin(&r.writer, tk_tenant_db(t), &r.meta, pseudonym_cb, t, err);
        if (rc != TK_OK)
            goto done;
        uint8_t key[TK_CRYPTO_KEY_SIZE];
        rc = tk_tenant_derive_key(t, TK_FREETEXT_KEY_LABEL, key, err);
        if (rc == TK_OK)
            rc = tk_freetext_create(&r.freetext, key, err);
        tk_crypto_wipe(key, sizeof key);
        if (rc != TK_OK)
            goto done;
        tk_tenant_writer_describe(t, tk_store_writer_upload_id(r.writer), NULL);
    }
    rc = run_rows(&r, err);
    if (rc != TK_OK)
        goto done;
    res->bytes = r.rd.bytes;
    if (r.meta.size < 0)
        r.meta.size = (int64_t)r.rd.bytes;

    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    tk_crypto_sha256_final(&r.rd.sha, d);
    tk_crypto_hex(d, sizeof d, res->sha256);
    tk_enc final = r.row ? tk_profile_row_encoding(r.row) : enc;
    if (tk_csv_had_bom(r.csv))
        final = TK_ENC_UTF8_BOM;
    snprintf(res->encoding, sizeof res->encoding, "%s", tk_enc_name(final));
    if (r.rep.started) {
        if (report_finish(&r.rep))
            snprintf(res->error_report, sizeof res->error_report, "%s", r.rep.path);
        else
            report_error(&r);
    }
    res->seconds = now_seconds() - r.t0;
    progress(&r, 1);
    if (!r.failed)
        delivered_warning(&r);
    if (r.opt->dry_run) {
        snprintf(res->status, sizeof res->status, "%s",
                 res->rows_rejected ? (r.opt->lenient ? "partial" : "rejected") : "stored");
        rc = TK_OK;
        goto done;
    }
    if (r.writer != NULL) {
        res->unknown_users = tk_store_writer_unknown_users(r.writer);
        res->unknown_terminals = tk_store_writer_unknown_terminals(r.writer);
    }
    if (r.failed || r.writer == NULL) {
        char msg[sizeof res->first_error + sizeof res->report_error + 96];
        snprintf(msg, sizeof msg, "%llu of %llu rows are bad; first: %s%s%s",
                 (unsigned long long)res->rows_rejected, (unsigned long long)res->rows_total,
                 res->first_error, res->report_error[0] ? "; " : "", res->report_error);
        res->rows_accepted = 0;
        const tk_upload_summary s = {res->sha256,
                                     res->encoding,
                                     "rejected",
                                     res->rows_total,
                                     0,
                                     res->rows_rejected,
                                     res->rows_skipped,
                                     0,
                                     0,
                                     res->error_report[0] ? res->error_report : NULL,
                                     msg,
                                     now_unix_ms(),
                                     r.meta.size};
        rc = tk_store_record_rejected(tk_tenant_db(t), &r.meta, &s, &res->upload_id, err);
        if (rc == TK_OK)
            rc = tk_error_set(err, TK_EREJECTED, "%s: rejected, nothing stored: %s", path, msg);
        goto done;
    }
    snprintf(res->status, sizeof res->status, "%s", res->rows_rejected ? "partial" : "stored");
    {
        char msg[sizeof res->first_error + sizeof res->warning + sizeof res->report_error + 96] =
            "";
        if (res->rows_rejected)
            snprintf(msg, sizeof msg, "%llu bad rows not stored; first: %s%s%s%s%s",
                     (unsigned long long)res->rows_rejected, res->first_error,
                     res->warning[0] ? "; " : "", res->warning, res->report_error[0] ? "; " : "",
                     res->report_error);
        else
            snprintf(msg, sizeof msg, "%s", res->warning);
        const tk_upload_summary s = {
            res->sha256,         res->encoding,
            res->status,         res->rows_total,
            res->rows_accepted,  res->rows_rejected,
            res->rows_skipped,   res->t_min,
            res->t_max,          res->error_report[0] ? res->error_report : NULL,
            msg[0] ? msg : NULL, now_unix_ms(),
            r.meta.size};
        tk_store_writer *w = r.writer;
        r.writer = NULL;
        rc = tk_store_writer_commit(w, &s, &res->upload_id, err);
        if (rc == TK_EEXISTS) {
            snprintf(res->status, sizeof res->status, "duplicate");
            if (tk_store_find_upload(tk_tenant_db(t), res->sha256, &res->duplicate_of, NULL) !=
                TK_OK)
                res->duplicate_of = 0;
            tk_error_prefix(err, "%s", path);
        }
    }
    goto done;

rejected_whole:
    /* The profile does not fit the file (or its header does not parse):
     * nothing was read beyond the header. The rest is hashed so that the
     * rejected upload is recorded with its identity. */
    res->seconds = now_seconds() - r.t0;
    snprintf(res->first_error, sizeof res->first_error, "%s", err ? err->msg : "");
    if (!r.opt->dry_run && rc != TK_ENOMEM && rc != TK_EIO && rc != TK_EDB) {
        const int code = rc;
        char *buf = tk_alloc(CHUNK);
        long n = 1;
        while (buf != NULL && n > 0)
            n = reader_read(&r.rd, buf, CHUNK);
        tk_free(buf);
        res->bytes = r.rd.bytes;
        if (r.meta.size < 0)
            r.meta.size = (int64_t)r.rd.bytes;
        uint8_t digest[TK_CRYPTO_SHA256_SIZE];
        tk_crypto_sha256_final(&r.rd.sha, digest);
        tk_crypto_hex(digest, sizeof digest, res->sha256);
        snprintf(res->encoding, sizeof res->encoding, "%s", tk_enc_name(enc));
        const tk_upload_summary s = {
            res->sha256, res->encoding,    "rejected",    0,          0, 0, 0, 0, 0,
            NULL,        res->first_error, now_unix_ms(), r.meta.size};
        tk_error dberr;
        if (tk_store_record_rejected(tk_tenant_db(t), &r.meta, &s, &res->upload_id, &dberr) !=
            TK_OK)
            res->upload_id = 0;
        rc = code;
    }
done:
    report_discard(&r.rep);
    tk_store_writer_abort(r.writer);
    tk_freetext_destroy(r.freetext);
    tk_profile_row_destroy(r.row);
    tk_csv_destroy(r.csv);
    tk_master_resolver_destroy(r.resolver);
    tk_free(r.delivered);
    tk_free(r.in_delivered);
    tk_crypto_sha256_dispose(&r.rd.sha);
    tk_free(r.rd.first);
    if (r.rd.fd >= 0)
        close(r.rd.fd);
    return rc;
}

int tk_ingest_file(tk_tenant *t, const tk_profile *p, const char *path,
                   const tk_ingest_options *opt, tk_ingest_result *res, tk_error *err)
{
    return ingest(t, p, path, NULL, opt, res, err);
}

int tk_ingest_stream(tk_tenant *t, const tk_profile *p, const tk_ingest_source *src,
                     const tk_ingest_options *opt, tk_ingest_result *res, tk_error *err)
{
    if (src == NULL || src->read == NULL || src->name == NULL || src->name[0] == '\0' ||
        strchr(src->name, '/') != NULL) {
        memset(res, 0, sizeof *res);
        snprintf(res->status, sizeof res->status, "rejected");
        return tk_error_set(err, TK_EINVAL, "a stream needs a reader and a file name without '/'");
    }
    return ingest(t, p, src->name, src, opt, res, err);
}
