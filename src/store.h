/* src/store.h -- the canonical event store of one tenant.
 *
 * Owns the tables uploads, events and the dictionaries events refer to
 * (users, terminals, systems, functions, subjects, devices, media_files),
 * and terminal_addresses: which terminal a network address belonged to on
 * a JST day, as logs that write both say.
 * Events are dictionary-encoded: every text that repeats is stored once and
 * referred to by an integer key; resident identifiers are stored only as
 * HMAC-SHA-256 pseudonyms under the tenant's key. A tk_store_writer batches
 * the inserts of one upload inside one transaction so that a file is stored
 * whole or not at all. Not thread-safe: one writer per tenant at a time
 * (the tenant's writer lock, src/tenant.h, queues writers; SQLite's write
 * lock enforces it across processes). */
#ifndef TK_STORE_H
#define TK_STORE_H

#include <stdint.h>

#include "src/db.h"
#include "src/error.h"
#include "src/event.h"
#include "src/evblock.h"

/* Schema version of the tables this module owns. */
#define TK_STORE_SCHEMA_VERSION 2

/* Creates or upgrades this module's tables in db. Idempotent.
 * Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_store_migrate(tk_db *db, tk_error *err);

/* What is known about an upload when its ingestion starts. Strings are
 * borrowed for the duration of the call they are passed to. */
typedef struct tk_upload_meta {
    const char *file_name;
    int64_t size; /* bytes, or -1 while unknown (a stream): see tk_upload_summary */
    const char *profile;
    int profile_version;
    const char *profile_sha256;
    int lenient;
    int64_t started_at;      /* Unix ms */
    const char *uploaded_by; /* the account that uploads the file (NULL: unknown) */
} tk_upload_meta;

/* What is known when it ends. */
typedef struct tk_upload_summary {
    const char *sha256;   /* hex of the file's bytes */
    const char *encoding; /* detected or declared */
    const char *status;   /* "stored", "partial" or "rejected" */
    uint64_t rows_total, rows_accepted, rows_rejected, rows_skipped;
    int64_t t_min, t_max;     /* Unix ms; meaningful when rows_accepted > 0 */
    const char *error_report; /* path of the row-level error report, or NULL */
    const char *message;      /* one line for people, or NULL */
    int64_t finished_at;
    /* The upload's size in bytes; replaces the meta's size when that was
     * -1 (a stream of unknown length), ignored otherwise. */
    int64_t size;
} tk_upload_summary;

/* Computes a resident pseudonym (32 bytes) for len bytes at p. */
typedef int (*tk_store_pseudonym_fn)(void *ctx, const char *p, size_t len, uint8_t out[32],
                                     tk_error *err);

typedef struct tk_store_writer tk_store_writer;

/* Starts storing one upload: opens a write transaction (BEGIN IMMEDIATE)
 * and loads the dictionaries. db and ctx are borrowed and must outlive the
 * writer; m is copied. *out is owned: finish it with tk_store_writer_commit
 * or tk_store_writer_abort. Returns TK_OK, TK_EDB (e.g. another writer holds
 * the tenant) or TK_ENOMEM. */
TK_MUST_CHECK int tk_store_writer_begin(tk_store_writer **out, tk_db *db, const tk_upload_meta *m,
                                        tk_store_pseudonym_fn pseudonym, void *ctx, tk_error *err);

/* Adds one event. When ev has a terminal and a terminal_address that differs
 * from it, also records (JST day of ev->t, address, terminal) in
 * terminal_addresses, the address interned in the terminals dictionary;
 * each distinct triple is written once per writer. Returns TK_OK, TK_EDB or
 * TK_ENOMEM; on error the writer must be aborted. */
TK_MUST_CHECK int tk_store_writer_add(tk_store_writer *w, const tk_event *ev, tk_error *err);

/* The id the upload gets when the writer commits. */
int64_t tk_store_writer_upload_id(const tk_store_writer *w);

/* Distinct unresolved users / terminals seen by this writer so far. */
uint64_t tk_store_writer_unknown_users(const tk_store_writer *w);
uint64_t tk_store_writer_unknown_terminals(const tk_store_writer *w);

/* Records the summary on the upload and commits everything. Destroys w
 * whatever the outcome (on failure everything is rolled back). *upload_id
 * receives the upload's id. Returns TK_OK, TK_EEXISTS (a stored upload has
 * the same SHA-256: nothing of this one is kept) or TK_EDB. */
TK_MUST_CHECK int tk_store_writer_commit(tk_store_writer *w, const tk_upload_summary *s,
                                         int64_t *upload_id, tk_error *err);

/* Rolls back everything the writer stored and destroys it. Accepts NULL. */
void tk_store_writer_abort(tk_store_writer *w);

/* Records an upload that stored no events (rejected) in its own
 * transaction. Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_store_record_rejected(tk_db *db, const tk_upload_meta *m,
                                           const tk_upload_summary *s, int64_t *upload_id,
                                           tk_error *err);

/* Finds a stored (or partially stored) upload with this SHA-256.
 * Returns TK_OK with *upload_id set, TK_ENOTFOUND or TK_EDB. */
TK_MUST_CHECK int tk_store_find_upload(tk_db *db, const char *sha256, int64_t *upload_id,
                                       tk_error *err);

/* 1 if some stored upload has exactly size bytes (a cheap pre-check that
 * tells ingestion whether hashing the file first could find a duplicate). */
int tk_store_has_upload_size(tk_db *db, int64_t size);

/* ---- reading events ---------------------------------------------------- */

/* One stored event: its id, its upload and the stored row (dictionary ids;
 * resolve names with the dictionary tables; row.record is the upload's
 * record it came from, 0 when the block predates record numbers). For a
 * scan, row.detail points into the scan's current block and is valid until
 * the next tk_store_scan_next(). */
typedef struct tk_stored_event {
    int64_t id;
    int64_t upload_id;
    tk_evrow row;
} tk_stored_event;

typedef struct tk_store_scan tk_store_scan;

/* Starts a scan of the events with t_from <= t < t_to (Unix ms), in storage
 * order (by upload, then file order; not sorted by time). db is borrowed and
 * must outlive the scan. *out is owned: tk_store_scan_destroy().
 * Returns TK_OK, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_store_scan_create(tk_store_scan **out, tk_db *db, int64_t t_from, int64_t t_to,
                                       tk_error *err);

/* Reads the next event: 1 for an event, 0 at the end, TK_EDB or TK_EPARSE
 * (a damaged block: the message names the block). */
TK_MUST_CHECK int tk_store_scan_next(tk_store_scan *s, tk_stored_event *ev, tk_error *err);

/* Frees s. Accepts NULL. */
void tk_store_scan_destroy(tk_store_scan *s);

/* Called with one event (borrowed for the call, row.detail included);
 * return non-zero to stop. */
typedef int (*tk_store_event_fn)(void *ctx, const tk_stored_event *ev);

/* Reads the events with ids ids[0..n) (any order; a repeated id counts
 * once) and calls fn for each one still stored, in id order. An id whose
 * event is not stored (its upload was deleted, or no such id) is skipped:
 * the caller compares what it got with what it asked for. db, ids and ctx
 * are borrowed. Returns TK_OK, fn's non-zero value, TK_EDB, TK_EPARSE (a
 * damaged block: the message names it) or TK_ENOMEM. */
TK_MUST_CHECK int tk_store_events_by_id(tk_db *db, const int64_t *ids, size_t n,
                                        tk_store_event_fn fn, void *ctx, tk_error *err);

/* The file name of upload id, copied into buf (cap bytes, cut if longer).
 * Returns TK_OK, TK_ENOTFOUND or TK_EDB. */
TK_MUST_CHECK int tk_store_upload_file_name(tk_db *db, int64_t id, char *buf, size_t cap,
                                            tk_error *err);

/* Where the stored events lie in time: the JST days of the earliest and
 * latest event and the JST calendar months (year * 12 + month - 1,
 * ascending) from each block's earliest to its latest event. Blocks follow
 * the files' order, which is time order in practice, so a block spans
 * minutes to days and a month listed has events. */
typedef struct tk_store_span {
    int64_t first_day, last_day; /* meaningful when nmonths > 0 */
    int64_t *months;             /* owned: tk_store_span_dispose() */
    size_t nmonths;              /* 0: no events stored */
} tk_store_span;

/* Fills *out (owned: tk_store_span_dispose()). Returns TK_OK, TK_EDB or
 * TK_ENOMEM. */
TK_MUST_CHECK int tk_store_event_span(tk_db *db, tk_store_span *out, tk_error *err);

/* Frees what tk_store_event_span() filled. Accepts NULL and a zeroed value. */
void tk_store_span_dispose(tk_store_span *span);

/* Dictionaries: the names behind the ids of tk_evrow. */
typedef enum tk_store_dict {
    TK_STORE_USERS = 0,
    TK_STORE_TERMINALS = 1,
    TK_STORE_SYSTEMS = 2,
    TK_STORE_FUNCTIONS = 3,
    TK_STORE_FILES = 4,
    TK_STORE_DEVICES = 5
} tk_store_dict;

/* A loaded dictionary: names[id] for 1 <= id < n (names[0] is NULL, and so
 * is any id without a row); resolved[id] is 1 when the user or terminal was
 * found in master data (always 1 for the other dictionaries). Devices are
 * named "name<TAB>serial". */
typedef struct tk_store_names {
    char **names;
    unsigned char *resolved;
    size_t n;
} tk_store_names;

/* Loads dictionary d of db into *out (owned: tk_store_names_dispose()).
 * Returns TK_OK, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_store_names_load(tk_db *db, tk_store_dict d, tk_store_names *out,
                                      tk_error *err);

/* Frees what tk_store_names_load() filled. Accepts NULL and a zeroed value. */
void tk_store_names_dispose(tk_store_names *names);

/* The order of a dictionary's names, for readers that sort events by
 * what they say rather than by id: the store numbers names in the order
 * uploads first wrote them, so an order by id depends on upload order.
 * rank[id] is the place of id's name in byte order (devices: name, then
 * serial) among the dictionary's names, for 0 <= id < n; UINT32_MAX for
 * an id without a row (and 0, "absent"). */
typedef struct tk_store_order {
    uint32_t *rank;
    size_t n;
} tk_store_order;

/* Loads the order of dictionary d into *out (owned:
 * tk_store_order_dispose()). Returns TK_OK, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_store_order_load(tk_db *db, tk_store_dict d, tk_store_order *out,
                                      tk_error *err);

/* The same for uploads with stored events, ordered by (file name, SHA-256):
 * the place of the file an event came from, whatever the upload order. */
TK_MUST_CHECK int tk_store_upload_order_load(tk_db *db, tk_store_order *out, tk_error *err);

/* Frees what the order loaders filled. Accepts NULL and a zeroed value. */
void tk_store_order_dispose(tk_store_order *o);

/* The pseudonym (32 bytes, borrowed from names until dispose) of each
 * subject id, for matching against master data: loads subjects into
 * out->names as 32-byte blobs (not NUL-terminated). */
TK_MUST_CHECK int tk_store_subjects_load(tk_db *db, tk_store_names *out, tk_error *err);

/* The pseudonym (32 bytes) of subject id, into out. For a few subjects
 * (evidence rows); tk_store_subjects_load() reads them all.
 * Returns TK_OK, TK_ENOTFOUND or TK_EDB. */
TK_MUST_CHECK int tk_store_subject_pseudonym(tk_db *db, uint32_t id, uint8_t out[32],
                                             tk_error *err);

/* One recorded (address, terminal) pair of a day. */
typedef struct tk_store_address {
    uint32_t address;  /* terminals-dictionary id of the address */
    uint32_t terminal; /* terminals-dictionary id of the terminal it belonged to */
    const char *name;  /* the address as written, NUL-terminated; borrowed for the call */
    size_t len;
    int resolved; /* the address's dictionary row is resolved (a master terminal name) */
} tk_store_address;

/* Called for each pair; return non-zero to stop. */
typedef int (*tk_store_address_fn)(void *ctx, const tk_store_address *a);

/* Calls fn for every (address, terminal) pair recorded for JST day `day`
 * (days since 1970-01-01, tk_jst_day()), ordered by (address, terminal):
 * an address with two terminals that day comes as two consecutive calls.
 * A store without the table (an older schema opened read-only) has none.
 * db and ctx are borrowed. Returns TK_OK, fn's non-zero value or TK_EDB. */
TK_MUST_CHECK int tk_store_terminal_addresses(tk_db *db, int64_t day, tk_store_address_fn fn,
                                              void *ctx, tk_error *err);

/* Number of events, for tests and summaries. */
TK_MUST_CHECK int tk_store_count_events(tk_db *db, int64_t *out, tk_error *err);

#endif
