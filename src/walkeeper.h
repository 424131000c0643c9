/* src/walkeeper.h -- a background checkpointer for a WAL database.
 *
 * A database written by many short transactions (the service's audit
 * log: one record a request) checkpoints its WAL every 1,000 pages by
 * default, inside whichever commit crosses the mark: the copy and its
 * fsyncs then run in that request. A walkeeper takes the checkpoints out
 * of the writers: it owns one thread and one connection of its own to
 * the database, checkpoints PASSIVE every interval (no lock on readers or
 * writers), and when the WAL holds more than restart_bytes, RESTART (it
 * holds the writers back for the copy of the few pages left and makes
 * the next writer start the log from its beginning), so that the WAL
 * stays bounded under a load that never pauses. The writers' connections
 * are handed to tk_walkeeper_watch(): they no longer checkpoint, and wake
 * the thread when a commit leaves the WAL past that size.
 *
 * Thread-safety: tk_walkeeper_start() and tk_walkeeper_stop() are called
 * by one thread (the one that owns the walkeeper); tk_walkeeper_stats()
 * may be called from any thread. */
#ifndef TK_WALKEEPER_H
#define TK_WALKEEPER_H

#include <stdint.h>

#include "src/db.h"
#include "src/error.h"

typedef struct tk_walkeeper tk_walkeeper;

/* How the walkeeper runs; transparent. */
typedef struct tk_walkeeper_options {
    unsigned interval_ms;   /* between two checkpoints (50) */
    uint64_t restart_bytes; /* frames in the WAL above which the log is restarted (16 MiB) */
    unsigned busy_ms;       /* how long a RESTART waits for writers and readers (20) */
} tk_walkeeper_options;

#define TK_WALKEEPER_OPTIONS_INIT                                                                  \
    {                                                                                              \
        50, (uint64_t)16 << 20, 20                                                                 \
    }

/* What the walkeeper did so far; transparent. */
typedef struct tk_walkeeper_stats {
    uint64_t passive;        /* PASSIVE checkpoints run */
    uint64_t restarts;       /* RESTART checkpoints that completed */
    uint64_t busy;           /* RESTARTs that gave up after busy_ms (tried again later) */
    uint64_t errors;         /* checkpoints that failed otherwise */
    uint64_t max_frames;     /* most frames seen in the WAL */
    uint64_t restart_us;     /* time spent in RESTARTs (writers held back), microseconds */
    uint64_t restart_us_max; /* the longest RESTART */
} tk_walkeeper_stats;

/* Opens the WAL database at path (borrowed; it must exist) and starts
 * the thread. o (borrowed, copied) may be NULL for the defaults. *out is
 * an owned result: tk_walkeeper_stop(); NULL on failure. Returns TK_OK,
 * TK_EINVAL (an interval or restart size of 0), TK_ENOTFOUND (no such
 * file), TK_EDB, TK_ENOMEM or TK_EINTERNAL (no thread). */
TK_MUST_CHECK int tk_walkeeper_start(tk_walkeeper **out, const char *path,
                                     const tk_walkeeper_options *o, tk_error *err);

/* Makes db (borrowed; a writer's connection to the same database) leave
 * its checkpoints to w (PRAGMA wal_autocheckpoint=0) and wake w's thread
 * when a commit leaves the WAL longer than restart_bytes. w must outlive
 * db: close db before tk_walkeeper_stop(). Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_walkeeper_watch(tk_walkeeper *w, tk_db *db, tk_error *err);

/* Copies the counters into *out (owned by the caller). */
void tk_walkeeper_stats_get(tk_walkeeper *w, tk_walkeeper_stats *out);

/* Wakes the thread, waits for it to end (within one checkpoint) and
 * closes its connection. Accepts NULL. */
void tk_walkeeper_stop(tk_walkeeper *w);

#endif
