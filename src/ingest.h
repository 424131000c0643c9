/* src/ingest.h -- streaming a CSV log file into a tenant's event store.
 *
 * One call ingests one file with one profile: read in fixed-size chunks,
 * hashed (SHA-256) as it is read, encoding detected from the first chunk,
 * parsed (RFC 4180), mapped by the profile, and written inside one
 * transaction. Memory use does not depend on the file's size. A file is
 * all-or-nothing unless the lenient option is set: any bad row rejects it,
 * stores no event, and every bad row is listed in a row-level error report.
 * The same call without a store ("dry run") is how a profile is tested.
 * Not thread-safe per tenant. Callers take the tenant's writer lock first
 * (tk_tenant_lock_writer); while they hold it, tk_ingest_file describes in
 * it the file and the upload it is storing. */
#ifndef TK_INGEST_H
#define TK_INGEST_H

#include <stdint.h>

#include "src/error.h"
#include "src/event.h"
#include "src/profile.h"
#include "src/tenant.h"

typedef struct tk_ingest_progress {
    uint64_t bytes_done;
    uint64_t bytes_total;
    uint64_t rows;
    uint64_t rows_rejected;
    double seconds;
} tk_ingest_progress;

typedef struct tk_ingest_options {
    int lenient;              /* store good rows, list bad ones */
    int dry_run;              /* parse and map only; the tenant may be NULL */
    uint64_t max_report_rows; /* bad rows written to the report (all are counted) */
    /* Called about four times a second and once at the end; may be NULL. */
    void (*progress)(void *ctx, const tk_ingest_progress *p);
    void *progress_ctx;
    /* Dry run: called for each good event and each bad row; may be NULL.
     * Return non-zero from on_event to stop reading early. */
    int (*on_event)(void *ctx, uint64_t record, const tk_event *ev);
    void (*on_problem)(void *ctx, uint64_t record, uint64_t line, const char *column,
                       const char *message);
    void *event_ctx;
    /* Testing: fail as if the disk broke after this many stored rows
     * (0 = never). Proves that a failure mid-file stores nothing. */
    uint64_t fail_after_rows;
    /* The account that uploads the file, recorded on its upload row
     * (borrowed); NULL: the local user, as tk_actor_local() names it. */
    const char *uploaded_by;
} tk_ingest_options;

#define TK_INGEST_OPTIONS_INIT                                                                     \
    {                                                                                              \
        0, 0, 10000, NULL, NULL, NULL, NULL, NULL, 0, NULL                                         \
    }

typedef struct tk_ingest_result {
    int64_t upload_id;    /* 0 when nothing was recorded (dry run) */
    int64_t duplicate_of; /* the stored upload this file is identical to, or 0 */
    char status[16];      /* stored, partial, rejected, duplicate */
    char sha256[65];
    char encoding[16];
    uint64_t bytes;
    uint64_t rows_total; /* records after the header, empty lines excluded */
    uint64_t rows_accepted;
    uint64_t rows_rejected;
    uint64_t rows_skipped; /* empty lines */
    uint64_t unknown_users;
    uint64_t unknown_terminals;
    int64_t t_min, t_max;
    double seconds;
    /* Accepted rows dated in a delivered (frozen) period of the tenant:
     * stored, but never analysed. */
    uint64_t rows_delivered;
    /* Path of the row-level error report, complete, or "" (no bad rows,
     * or the report could not be written: see report_error). */
    char error_report[4096];
    char first_error[TK_ERROR_MSG_SIZE + 64]; /* the first problem, for a one-line summary */
    /* "" or one line on what is stored but surprising (rows in a
     * delivered period, naming it and counting them); also kept in the
     * upload's message. */
    char warning[512];
    /* "" or why the row-level error report was not written, one line:
     * "row-level error report not written: PATH: REASON". The bad rows are
     * still counted; the upload then points to no report and its message
     * ends with this line. */
    char report_error[TK_ERROR_MSG_SIZE];
} tk_ingest_result;

/* Ingests the file at path with profile p into tenant t (NULL only for a
 * dry run; a dry run with a tenant resolves identities through its master
 * data and counts rows in its delivered periods, storing nothing).
 * Everything is borrowed. res is filled in every case where the file could
 * be opened.
 * Returns TK_OK (stored, or partial when lenient), TK_EEXISTS (identical to
 * an earlier upload; nothing stored; res->duplicate_of says which),
 * TK_EREJECTED (bad rows; nothing stored; see res->error_report),
 * TK_EPROFILE (the profile does not fit the file: nothing stored),
 * TK_EIO, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_ingest_file(tk_tenant *t, const tk_profile *p, const char *path,
                                 const tk_ingest_options *opt, tk_ingest_result *res,
                                 tk_error *err);

/* A source of bytes for tk_ingest_stream: read() fills buf with at most
 * cap bytes and returns how many (0 at the end of the input), or -1 after
 * setting err (its code and message are what the ingestion returns, after
 * the source's name). Returning -1 is also how a caller cancels: an HTTP
 * body whose client went away, a body over its size limit, a job being
 * cancelled. Nothing is stored from a source that fails. */
typedef long (*tk_ingest_read_fn)(void *ctx, char *buf, size_t cap, tk_error *err);

typedef struct tk_ingest_source {
    const char *name;       /* recorded as the upload's file name; no '/' */
    int64_t size;           /* bytes announced (progress, the upload's size), or -1 */
    tk_ingest_read_fn read; /* called until it returns 0 or -1 */
    void *ctx;
} tk_ingest_source;

/* Ingests what src delivers, as it arrives (an HTTP body, a pipe), exactly
 * as tk_ingest_file would ingest the same bytes from a file: same checks,
 * same result, same all-or-nothing storage. Memory does not depend on the
 * input's length. An identical earlier upload is found when the stream
 * ends (TK_EEXISTS, nothing stored), since the stream cannot be hashed
 * before it is read. Everything is borrowed.
 * Returns what tk_ingest_file returns, TK_EINVAL for a source without a
 * reader or with a bad name, or the code the source's reader set. */
TK_MUST_CHECK int tk_ingest_stream(tk_tenant *t, const tk_profile *p, const tk_ingest_source *src,
                                   const tk_ingest_options *opt, tk_ingest_result *res,
                                   tk_error *err);

#endif
