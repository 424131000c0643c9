/* src/uploads.h -- what was uploaded to a tenant: list, one upload, its
 * row-level error report, delete.
 *
 * The query and command functions behind `tenken uploads` and the
 * service's /api/v1/uploads routes. They read the uploads table that
 * src/store.h owns and fills (through src/ingest.h); deleting an upload
 * removes its events with it, unless a delivered (frozen) period holds
 * some of them (src/period.h). Not thread-safe per database handle. */
#ifndef TK_UPLOADS_H
#define TK_UPLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"
#include "src/tenant.h"

/* One upload, as recorded when its ingestion ended. */
typedef struct tk_upload_info {
    int64_t id;
    char file_name[256];
    int64_t size; /* bytes */
    char sha256[65];
    char profile[128];
    int profile_version;
    char encoding[16]; /* "" when none was detected (a file rejected early) */
    uint64_t rows_total, rows_accepted, rows_rejected, rows_skipped;
    uint64_t unknown_users, unknown_terminals;
    int has_range;        /* t_min and t_max hold the accepted rows' time range */
    int64_t t_min, t_max; /* Unix ms */
    char status[16];      /* stored, partial, rejected */
    int lenient;
    char error_report[4096];         /* path of the row-level error report, or "" */
    char message[1024];              /* one line for people, or "" */
    int64_t started_at, finished_at; /* Unix ms */
    char uploaded_by[128];           /* the uploading account ("cli:alice"); "" before it was
                                        recorded on the row */
} tk_upload_info;

/* Which uploads tk_uploads_list() returns: oldest first (by id). */
typedef struct tk_upload_filter {
    const char *status; /* "stored", "partial", "rejected" or NULL for all */
    uint64_t limit;     /* at most this many (0: TK_UPLOADS_LIMIT_MAX) */
    uint64_t offset;    /* skip this many first */
} tk_upload_filter;

#define TK_UPLOADS_LIMIT_MAX 1000

/* Lists the uploads of db as f says (borrowed; NULL: all, up to the
 * maximum) into *out (owned: free()), *n of them; *total (may be NULL)
 * receives how many match without limit and offset. Returns TK_OK,
 * TK_EINVAL (an unknown status: the message lists the known ones) or
 * TK_EDB. */
TK_MUST_CHECK int tk_uploads_list(tk_db *db, const tk_upload_filter *f, tk_upload_info **out,
                                  size_t *n, uint64_t *total, tk_error *err);

/* Reads upload id into *out. Returns TK_OK, TK_ENOTFOUND ("no upload #ID")
 * or TK_EDB. */
TK_MUST_CHECK int tk_uploads_get(tk_db *db, int64_t id, tk_upload_info *out, tk_error *err);

/* Deletes upload id of t (opened read-write) and the events it stored,
 * in one transaction, and removes its row-level error report. Takes the
 * tenant's writer lock without waiting unless t holds it already.
 * actor (borrowed) is who deletes, for the message. Returns TK_OK,
 * TK_ENOTFOUND, TK_EFROZEN (some of its events lie in a delivered period:
 * the message names it; nothing deleted), TK_EBUSY (another writer holds
 * the tenant: the message names it), TK_EIO or TK_EDB. */
TK_MUST_CHECK int tk_uploads_delete(tk_tenant *t, int64_t id, const tk_actor *actor, tk_error *err);

#endif
