/* src/tenant.h -- the data directory and one tenant (one city) in it.
 *
 * Layout on disk:
 *
 *   DATA/                      mode 0700, created if missing
 *     <tenant>/                mode 0700, one per city
 *       store.db               SQLite (WAL): events, master data, meta
 *       pseudonym.key          32 random bytes, mode 0600, never in the db
 *       reports/               row-level error reports of uploads
 *       write.lock             the writer lock: one line on its holder
 *
 * A tenant name matches [a-z0-9][a-z0-9_-]{0,62}. The database records the
 * tenant in a `meta` table (name, created_at, key_fingerprint = hex of the
 * first 8 bytes of SHA-256(key), schema_version, and the tenant's settings
 * such as event_dates once set) and the schema version in PRAGMA
 * user_version.
 *
 * A tk_tenant is an open tenant: its database connection and its keyed
 * pseudonym function. The key bytes are read once and wiped; only the keyed
 * HMAC state stays in memory. A tk_tenant is used by one thread at a time
 * (its connection and HMAC state are not shareable); open one per thread.
 * Separate processes may open the same tenant (SQLite locks the store).
 *
 * One writer at a time. Every command that writes takes the tenant's
 * writer lock (tk_tenant_lock_writer) before it does any work, so that a
 * second writer waits for the first, or is refused at once, instead of
 * failing on SQLite's busy timeout after its own work is done. Readers
 * never take it (WAL lets them read beside a writer). */
#ifndef TK_TENANT_H
#define TK_TENANT_H

#include <stddef.h>
#include <stdint.h>

#include "src/crypto.h"
#include "src/db.h"
#include "src/error.h"
#include "src/period.h"

typedef struct tk_tenant tk_tenant;

/* Schema version of a tenant database, kept in PRAGMA user_version. It is
 * raised whenever the tables of any module in the tenant's database change
 * (store, master, meta, and the upper layers' tables: features, rules,
 * analyses); tk_tenant_open() upgrades older databases and refuses newer
 * ones. */
#define TK_TENANT_SCHEMA_VERSION 14

/* Longest tenant name, in bytes. */
#define TK_TENANT_NAME_MAX 63

/* Bytes in a pseudonym. */
#define TK_TENANT_PSEUDONYM_SIZE TK_CRYPTO_HMAC_SIZE

/* Flags of tk_tenant_open(). */
enum {
    TK_TENANT_READONLY = 1 /* open the store read-only (no upgrade, no writes) */
};

/* Checks that name (borrowed, NUL-terminated) is a valid tenant name.
 * Returns TK_OK or TK_EINVAL with a message quoting the name and the rule. */
TK_MUST_CHECK int tk_tenant_check_name(const char *name, tk_error *err);

/* Creates tenant name under data_dir (both borrowed): makes data_dir (0700,
 * with missing parents) if needed, then builds the tenant in a hidden
 * temporary folder -- key file, reports/, store.db with every module's
 * tables (tk_store_migrate, tk_master_migrate), meta rows and user_version
 * -- and renames it into place, so a failure or a crash never leaves a
 * half-made tenant under its real name. If out is not NULL the new tenant
 * is opened read-write and *out is an owned result: tk_tenant_close();
 * on failure *out is NULL.
 * Returns TK_OK, TK_EINVAL (bad name), TK_EEXISTS (the tenant exists) or
 * TK_EIO (the file system refused; the message names the path); TK_ENOMEM,
 * TK_EDB and TK_ECRYPTO are internal failures. */
TK_MUST_CHECK int tk_tenant_create(tk_tenant **out, const char *data_dir, const char *name,
                                   tk_error *err);

/* Opens tenant name under data_dir (both borrowed). flags: TK_TENANT_*.
 * The key file must be exactly 32 bytes with no group or other permission
 * bits; a writable open upgrades an older schema. *out is an owned result:
 * tk_tenant_close(); NULL on failure.
 * Returns TK_OK, TK_EINVAL (bad name; key file with the wrong permissions --
 * the message says to chmod 600 -- or the wrong size; a database that is
 * not a tenant store or is newer than this build), TK_ENOTFOUND (no such
 * tenant: the message says to run `tenken init --tenant NAME` first) or
 * TK_EIO; TK_ENOMEM, TK_EDB and TK_ECRYPTO are internal failures. */
TK_MUST_CHECK int tk_tenant_open(tk_tenant **out, const char *data_dir, const char *name, int flags,
                                 tk_error *err);

/* ---- upper-layer tables ------------------------------------------------
 *
 * This layer cannot name the tables of the layers above it (features,
 * models), yet every table of a tenant must exist from the moment the
 * tenant is opened, so that a read-only reader never meets a missing one.
 * The upper layers therefore hand their migrations to the opener: the
 * *_ex functions run them in the same transaction as this layer's, before
 * the version is stamped. The product opens tenants through one function
 * that passes every migration (models/analysis.h,
 * tk_analysis_open_tenant); the plain functions pass none, for this
 * layer's own tools and tests.
 *
 * Only an open or a creation with the migrations (m not NULL) stamps
 * TK_TENANT_SCHEMA_VERSION: without them this layer's tables are made or
 * upgraded, but the store keeps its older version (a store created so
 * gets version 1), so that the next open with the upper layers'
 * migrations still runs them. */

/* Creates or upgrades a module's tables; idempotent. */
typedef int (*tk_tenant_migrate_fn)(tk_db *db, tk_error *err);

typedef struct tk_tenant_migrations {
    const tk_tenant_migrate_fn *fns; /* borrowed; run in order */
    size_t n;
} tk_tenant_migrations;

/* tk_tenant_create() that also creates the tables of m (borrowed, may be
 * NULL) in the new store's one transaction. */
TK_MUST_CHECK int tk_tenant_create_ex(tk_tenant **out, const char *data_dir, const char *name,
                                      const tk_tenant_migrations *m, tk_error *err);

/* tk_tenant_open() that runs m (borrowed, may be NULL) with this layer's
 * migrations when the store's schema is older than this build's. With m
 * given, a read-only open of an older store upgrades it too (tables only,
 * never data; through a writable connection of its own, in one
 * transaction) and then reads it read-only, so that every table exists;
 * a store that cannot be written is refused with the reason (prefixed
 * "tenant NAME was written by an older tenken (schema V) and cannot be
 * upgraded to schema W"). Without m a read-only open reads an older store
 * as it is. */
TK_MUST_CHECK int tk_tenant_open_ex(tk_tenant **out, const char *data_dir, const char *name,
                                    int flags, const tk_tenant_migrations *m, tk_error *err);

/* Closes the database and wipes the key state -- or, for a handle lent
 * by a pool (tk_tenant_lend()), gives it back to the pool. Accepts NULL. */
void tk_tenant_close(tk_tenant *t);

/* A pool of open handles (the service's, for read-only requests) lends t:
 * from now on tk_tenant_close(t) calls back(ctx, t) instead of closing,
 * and back keeps t for the next borrower or ends it with tk_tenant_free().
 * t must be read-only, hold no writer lock and be used by one thread at a
 * time, as any handle. */
typedef void (*tk_tenant_back_fn)(void *ctx, tk_tenant *t);
void tk_tenant_lend(tk_tenant *t, tk_tenant_back_fn back, void *ctx);

/* Closes t whether lent or not (the pool's own close). Accepts NULL. */
void tk_tenant_free(tk_tenant *t);

/* 1 when t's store file is still the file t opened and no transaction or
 * statement is left open on it (a pooled handle worth keeping), else 0: a
 * tenant deleted, or deleted and made anew, since t was opened is not
 * read through t again. */
int tk_tenant_reusable(const tk_tenant *t);

/* Accessors; results are borrowed and live as long as t. */
tk_db *tk_tenant_db(tk_tenant *t);
const char *tk_tenant_name(const tk_tenant *t);
const char *tk_tenant_dir(const tk_tenant *t);         /* DATA/<tenant> */
const char *tk_tenant_reports_dir(const tk_tenant *t); /* DATA/<tenant>/reports */
/* Hex of the first 8 bytes of SHA-256(key): names the key without
 * revealing it (shown by `tenken init`, compared on restore). */
const char *tk_tenant_key_fingerprint(const tk_tenant *t);

/* ---- the writer lock ----------------------------------------------------
 *
 * An advisory lock (flock) on DATA/<tenant>/write.lock, held by one
 * tk_tenant handle of one process at a time. The lock file holds one line
 * describing the holder (pid, start time, the upload being stored, what it
 * does), which a waiting or refused writer shows. The kernel releases the
 * lock when the holder's process ends, however it ends, so a killed writer
 * never leaves a stale lock; the line left in the file is then only read
 * while someone holds the lock again. Two handles of one process conflict
 * like two processes: take the lock through one handle only. */

/* A writer as described in the lock file. */
typedef struct tk_tenant_writer {
    long pid;          /* 0: not known (the holder has not described itself yet) */
    int64_t started;   /* Unix seconds when it took the lock */
    int64_t upload_id; /* the upload it is storing, or 0 */
    char what[256];    /* "ingest of juki.csv", "analyze of 2024-10-01..2024-11-30" */
} tk_tenant_writer;

/* How tk_tenant_lock_writer() behaves when another writer holds the lock. */
enum {
    TK_TENANT_WAIT = 0,  /* wait until it is released, however long */
    TK_TENANT_NOWAIT = 1 /* refuse at once with TK_EBUSY */
};

/* Called while waiting, about five times a second: holder (borrowed for
 * the call) is the current holder as its lock file describes it, waited
 * the seconds waited so far (0 on the first call). */
typedef void (*tk_tenant_wait_fn)(void *ctx, const tk_tenant_writer *holder, double waited);

/* Takes the writer lock of t (opened read-write), describing the holder as
 * `what` (borrowed; cut to fit). With TK_TENANT_WAIT it waits as long as
 * another writer holds the lock, calling fn (may be NULL; ctx borrowed)
 * while it does. Taking the lock a second time through the same handle
 * only updates the description. Released by tk_tenant_unlock_writer() or
 * tk_tenant_close(), or when the process ends.
 * Returns TK_OK, TK_EBUSY (TK_TENANT_NOWAIT and another writer holds it:
 * the message is "busy: upload #N is being stored (WHAT, pid P, started
 * T)" or names what the holder does) or TK_EIO (the lock file cannot be
 * opened or locked: the message names it). */
TK_MUST_CHECK int tk_tenant_lock_writer(tk_tenant *t, const char *what, int mode,
                                        tk_tenant_wait_fn fn, void *ctx, tk_error *err);

/* Rewrites the holder's description: the upload being stored (0: none)
 * and what (borrowed; NULL keeps the current text). Does nothing when t
 * does not hold the lock. Never fails: the description is informative. */
void tk_tenant_writer_describe(tk_tenant *t, int64_t upload_id, const char *what);

/* Releases the writer lock if t holds it. Accepts NULL. */
void tk_tenant_unlock_writer(tk_tenant *t);

/* 1 if t holds its tenant's writer lock. */
int tk_tenant_holds_writer(const tk_tenant *t);

/* Formats w for people into buf (cap bytes, cut if longer):
 * "upload #12 (ingest of juki.csv, pid 4711, started 12:01:02)",
 * "analyze of 2024-10-01..2024-11-30 (pid 4711, started 12:01:02)" or, for
 * a holder not described yet, "another command". The start time is local
 * time, with the date when it is not today. */
void tk_tenant_writer_format(const tk_tenant_writer *w, char *buf, size_t cap);

/* The pseudonym of a resident identifier p[0..len) (borrowed, untrusted
 * UTF-8): HMAC-SHA-256 under the tenant's key of its canonical form, written
 * to out (32 bytes). Canonical form, so that one resident written slightly
 * differently by two systems gets one pseudonym:
 *   - leading and trailing ASCII spaces, tabs and 全角 spaces (U+3000) are
 *     removed;
 *   - full-width digits ０-９ (U+FF10-FF19) become ASCII 0-9;
 *   - everything else is kept byte for byte: leading zeros are KEPT
 *     (`000123` and `123` are different residents), as are letters, case and
 *     inner spaces.
 * Returns TK_OK, TK_EINVAL (nothing left after trimming: an empty
 * identifier has no pseudonym) or TK_ECRYPTO. Cheap: no allocation. */
TK_MUST_CHECK int tk_tenant_pseudonym(tk_tenant *t, const char *p, size_t len,
                                      uint8_t out[TK_TENANT_PSEUDONYM_SIZE], tk_error *err);

/* A key of its own for another pseudonym domain (the search conditions
 * of the `detail` field, src/freetext), derived from the tenant's key so
 * that it needs no file of its own, yet such that its pseudonyms cannot be
 * joined to resident pseudonyms: HMAC-SHA-256 under the tenant's key of a
 * tab followed by label (borrowed, NUL-terminated, not empty). A canonical
 * resident identifier never starts with a tab (tk_tenant_pseudonym trims
 * it), so no resident pseudonym in the database equals a derived key.
 * out (32 bytes) is secret: wipe it once keyed. Returns TK_OK or
 * TK_ECRYPTO. */
TK_MUST_CHECK int tk_tenant_derive_key(tk_tenant *t, const char *label,
                                       uint8_t out[TK_CRYPTO_KEY_SIZE], tk_error *err);

/* ---- settings ---------------------------------------------------------
 *
 * Kept as rows of the meta table; a tenant that never set one has the
 * default. */

/* The range of event dates (JST days, both ends included) ingestion
 * accepts when the tenant has not set its own: from 1990, before which
 * no municipal system's access log is plausible, to 2099, the last year
 * whose equinox holidays the calendar computes. A date outside it is a
 * typo or a broken clock (1800, 2100, 9999), and an event stored there
 * could never be analysed. */
#define TK_TENANT_EVENT_DATES_DEFAULT "1990-01-01..2099-12-31"

/* Parses p[0..len) (borrowed) as an event-date range
 * `YYYY-MM-DD..YYYY-MM-DD` (both ends included; no earlier than
 * 1900-01-01, as periods cannot start before then), or as `default`.
 * Returns TK_OK and sets *out, or TK_EINVAL with a message quoting the
 * value and saying what is wrong. */
TK_MUST_CHECK int tk_tenant_parse_event_dates(const char *p, size_t len, tk_period *out,
                                              tk_error *err);

/* The tenant's event-date range into *out: what was set with
 * tk_tenant_set_event_dates(), else TK_TENANT_EVENT_DATES_DEFAULT.
 * *is_default (if not NULL) says which. Returns TK_OK, TK_EINVAL (the
 * stored value does not parse: the message names the meta key) or
 * TK_EDB. */
TK_MUST_CHECK int tk_tenant_event_dates(tk_tenant *t, tk_period *out, int *is_default,
                                        tk_error *err);

/* Sets the tenant's event-date range to *range (borrowed), or back to the
 * default when range is NULL. Applies to files ingested from then on;
 * events already stored are not touched. Returns TK_OK, TK_EINVAL (the
 * range ends before it starts or starts before 1900) or TK_EDB (also a
 * tenant opened read-only). */
TK_MUST_CHECK int tk_tenant_set_event_dates(tk_tenant *t, const tk_period *range, tk_error *err);

#endif
