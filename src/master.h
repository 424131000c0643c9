/* src/master.h -- master data: staff, terminals, authorisations and the rest.
 *
 * Master data tells tenken who the staff are, which terminals exist, who may
 * use which system and what legitimises unusual behaviour. docs/master-data.md
 * is the user documentation (kinds, columns, mapping profiles, history).
 *
 * Each import of a CSV file is a new immutable *version* of one kind, with an
 * effective date; nothing is ever deleted or updated. For a JST day the
 * effective version of a kind is the one with the latest effective date on or
 * before that day (among equal dates, the latest import); days before every
 * version use the earliest version.
 *
 * Kinds (their names are the `--kind` values and the `kind` column):
 *   staff, terminals, authorizations, assignments, overtime, media,
 *   watchlist, residents, training, calendar, holidays.
 * `training` lists the 研修用アカウント and their training periods (研修
 * 期間); several rows may name one account, one per period.
 * `holidays` is the Cabinet Office's syukujitsu.csv: importing it with kind
 * `calendar` is recognised by its header and recorded as kind `holidays`, so
 * the national holidays and a city's own closed/open days each keep their
 * own history and never replace each other.
 *
 * Owns the tables master_versions and master_* (schema in master.c, listed
 * in docs/master-data.md). Resident identifiers (宛名番号, 世帯番号, 町丁 and
 * kana surnames) are stored only as pseudonyms (tk_tenant_pseudonym()).
 *
 * Thread-safety: the functions taking a tk_tenant use its connection and so
 * follow the tenant's one-thread rule. A built tk_master_resolver is
 * immutable and may be read by any number of threads. */
#ifndef TK_MASTER_H
#define TK_MASTER_H

#include <stddef.h>
#include <stdint.h>

#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"
#include "src/tenant.h"

/* Schema version of the tables this module owns. */
#define TK_MASTER_SCHEMA_VERSION 3

/* Longest kind name, terminating NUL included. */
#define TK_MASTER_KIND_SIZE 16

/* Creates this module's tables in db if they do not exist. Idempotent; runs
 * inside the caller's transaction if there is one.
 * Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_master_migrate(tk_db *db, tk_error *err);

/* 1 if name (borrowed) is a kind that tk_master_import() accepts, else 0. */
int tk_master_kind_valid(const char *name);

/* The kinds, in documentation order, as a NULL-terminated static array. */
const char *const *tk_master_kinds(void);

/* What an import did. Filled by tk_master_import() on success. */
typedef struct tk_master_import_result {
    int64_t version_id;             /* master_versions.id of the new version */
    char kind[TK_MASTER_KIND_SIZE]; /* the kind recorded ("holidays" for syukujitsu.csv) */
    char effective_from[11];        /* YYYY-MM-DD */
    char imported_at[32];           /* ISO 8601, JST */
    char sha256[65];                /* hex SHA-256 of the file's bytes */
    char encoding[16];              /* "utf-8", "utf-8-bom" or "cp932" */
    size_t rows;                    /* data rows stored */
    /* Rows of a dated kind (overtime, calendar, training, assignments)
     * whose days all lie before effective_from. */
    size_t rows_before;
    /* "" or, when such rows count for none of their days because an
     * earlier version governs them, one line saying so that names the
     * earliest date to give as the effective date. */
    char warning[512];
} tk_master_import_result;

/* Imports the CSV file at path as a new version of kind.
 *
 * mapping_json_path (may be NULL) names a mapping profile: the JSON of a
 * source profile whose `fields` are keyed by the kind's English column keys
 * (docs/master-data.md); without one the header must use the canonical
 * Japanese column names. effective (may be NULL: today in JST) is the
 * version's effective date, `YYYY-MM-DD` or `YYYY/MM/DD`.
 *
 * The file is validated completely before anything is stored, inside one
 * transaction: every row must decode, carry its required columns, and hold
 * valid dates, times, enumerated values and addresses; identifiers that must
 * be unique in a version (職員ID, アカウント, 端末名, IPアドレス, 日付 of a
 * calendar) must be. A single bad row rejects the whole file and nothing is
 * stored; the message names the file, the record and line, the column and
 * what was expected, and counts further bad rows.
 *
 * All pointers are borrowed; t must be open read-write. On success *res (may
 * be NULL) describes the new version.
 * Returns TK_OK,
 *   TK_EINVAL    unknown kind, bad effective date, or a mapping profile that
 *                cannot be read or does not fit the kind (the message names
 *                the key),
 *   TK_EREJECTED the file's content: encoding, a missing column (the message
 *                lists the header found) or a bad row,
 *   TK_EEXISTS   the identical file (same SHA-256) is already a version of
 *                this kind with this effective date (the message gives its
 *                id and import time),
 * or TK_EIO when the file cannot be read; TK_ENOMEM, TK_EDB and TK_ECRYPTO
 * are internal failures. */
TK_MUST_CHECK int tk_master_import(tk_tenant *t, const char *kind, const char *path,
                                   const char *mapping_json_path, const char *effective,
                                   tk_master_import_result *res, tk_error *err);

/* Same, recording actor (borrowed; NULL: tk_actor_local()) as the
 * version's importer and dating the import (and the default effective
 * date) by actor's clock. tk_master_import() is this with actor NULL. */
TK_MUST_CHECK int tk_master_import_file(tk_tenant *t, const tk_actor *actor, const char *kind,
                                        const char *path, const char *mapping_json_path,
                                        const char *effective, tk_master_import_result *res,
                                        tk_error *err);

/* Reads up to cap bytes into buf: the count, 0 at the end, or -1 after
 * setting err (its code becomes the import's result: TK_ERANGE for a body
 * past a size limit, TK_EIO). The signature of tk_server_req_read(). */
typedef long (*tk_master_read_fn)(void *ctx, char *buf, size_t cap, tk_error *err);

/* Imports a file read from read(ctx, ...) as it arrives, never whole in
 * memory: the SHA-256 is computed on the way, and the duplicate check runs
 * once the last byte is read, inside the import's transaction. file_name
 * (borrowed) is the name recorded for the version (its base name). The
 * mapping profile, if any, is mapping_json[0..mapping_len) (a profile's
 * JSON text, such as a stored source profile), named mapping_name in
 * messages; both NULL: the canonical header. Otherwise as
 * tk_master_import_file(), plus the reader's error code (TK_ERANGE,
 * TK_EIO) when a read fails; nothing is stored then. */
TK_MUST_CHECK int tk_master_import_stream(tk_tenant *t, const tk_actor *actor, const char *kind,
                                          const char *file_name, tk_master_read_fn read, void *ctx,
                                          const char *mapping_name, const char *mapping_json,
                                          size_t mapping_len, const char *effective,
                                          tk_master_import_result *res, tk_error *err);

/* tk_master_import_file() with the mapping profile given as text:
 * mapping_json[0..mapping_len) (borrowed; a stored mapping profile, see
 * src/profstore.h) named mapping_name (borrowed) in messages and on the
 * version; both NULL: the canonical header. Returns as
 * tk_master_import_file(). */
TK_MUST_CHECK int tk_master_import_file_mapped(tk_tenant *t, const tk_actor *actor,
                                               const char *kind, const char *path,
                                               const char *mapping_name, const char *mapping_json,
                                               size_t mapping_len, const char *effective,
                                               tk_master_import_result *res, tk_error *err);

/* Checks len bytes of a mapping profile's JSON (borrowed) to be stored
 * for later imports: the import's own checks of a mapping, with no file
 * (the header's columns are checked by each import), plus a "kind" key
 * naming a kind of master data and a non-empty "profile" name, which a
 * stored mapping needs. origin (borrowed) names the text in messages
 * ("mapping ORIGIN: ..."). On success kind (TK_MASTER_KIND_SIZE bytes) is
 * the kind it maps. On failure key (key_cap bytes; may be NULL with 0)
 * is the key path at fault ("fields.ip.column", "kind"), or "" when the
 * fault is not one key (not JSON). Returns TK_OK, TK_EINVAL or
 * TK_ENOMEM. */
TK_MUST_CHECK int tk_master_mapping_check(const char *json, size_t len, const char *origin,
                                          char kind[TK_MASTER_KIND_SIZE], char *key, size_t key_cap,
                                          tk_error *err);

/* Parses a calendar date p[0..len) (borrowed, untrusted), `YYYY-MM-DD` or
 * `YYYY/MM/DD` (1- or 2-digit month and day), into days since 1970-01-01.
 * Returns TK_OK or TK_EINVAL (the message quotes the value). */
TK_MUST_CHECK int tk_master_parse_day(const char *p, size_t len, int64_t *day, tk_error *err);

/* The id of the version of kind effective on day (days since 1970-01-01, a
 * JST calendar day; see tk_jst_day()). t and kind are borrowed.
 * Returns TK_OK, TK_EINVAL (unknown kind) or TK_ENOTFOUND (no version of
 * that kind was ever imported); TK_EDB is internal. */
TK_MUST_CHECK int tk_master_effective_version(tk_tenant *t, const char *kind, int64_t day,
                                              int64_t *version_id, tk_error *err);

/* Same for a day written `YYYY-MM-DD` (or `YYYY/MM/DD`), NUL-terminated.
 * Returns TK_OK, TK_EINVAL (unknown kind or bad date) or TK_ENOTFOUND. */
TK_MUST_CHECK int tk_master_effective_version_on(tk_tenant *t, const char *kind, const char *date,
                                                 int64_t *version_id, tk_error *err);

/* One version, as tk_master_list_versions() reports it. Every string is
 * borrowed and valid only during the callback. mapping is NULL when the file
 * was imported by its canonical header. */
typedef struct tk_master_version {
    int64_t id;
    const char *kind;
    const char *effective_from; /* YYYY-MM-DD */
    const char *imported_at;    /* ISO 8601, JST */
    const char *file_name;      /* base name of the imported file */
    const char *sha256;         /* hex */
    const char *encoding;
    const char *mapping;     /* the mapping profile's name, or NULL */
    const char *imported_by; /* the importing account ("cli:alice", an API account); "" before it
                                was recorded */
    int64_t rows;
} tk_master_version;

/* Called once per version; a return value other than 0 stops the listing
 * and becomes tk_master_list_versions()'s result. */
typedef int (*tk_master_version_fn)(void *ctx, const tk_master_version *v);

/* Calls fn(ctx, v) for each version of kind (NULL: every kind), ordered by
 * kind (documentation order), effective date and id. t and kind are
 * borrowed; ctx is passed through.
 * Returns TK_OK, TK_EINVAL (unknown kind), fn's non-zero value, or TK_EDB. */
TK_MUST_CHECK int tk_master_list_versions(tk_tenant *t, const char *kind, tk_master_version_fn fn,
                                          void *ctx, tk_error *err);

/* Calls fn(ctx, v) for version id. Returns TK_OK, TK_ENOTFOUND (no such
 * version), fn's non-zero value, or TK_EDB. */
TK_MUST_CHECK int tk_master_version_get(tk_tenant *t, int64_t id, tk_master_version_fn fn,
                                        void *ctx, tk_error *err);

/* Most columns of a row as tk_master_version_rows() shows it. */
#define TK_MASTER_ROW_COLS 16

/* One stored row of a version: its line in the file and its columns by
 * English key (docs/master-data.md), values NULL when empty. Times are
 * hh:mm, dates YYYY-MM-DD, enumerated values their English codes, lists
 * ';'-separated. Resident identifiers are stored only as pseudonyms and
 * are not shown (a residents row shows its line alone). Everything is
 * borrowed and valid only during the callback. */
typedef struct tk_master_row {
    int64_t line;
    size_t ncols;
    const char *const *keys;
    const char *const *values;
} tk_master_row;

typedef int (*tk_master_row_fn)(void *ctx, const tk_master_row *row);

/* Calls fn(ctx, row) for at most limit rows of version id from the
 * offset-th on, in file order. Returns TK_OK, TK_ENOTFOUND (no such
 * version), fn's non-zero value, or TK_EDB. */
TK_MUST_CHECK int tk_master_version_rows(tk_tenant *t, int64_t id, int64_t limit, int64_t offset,
                                         tk_master_row_fn fn, void *ctx, tk_error *err);

/* Identity resolution for ingestion: directory accounts and staff ids to
 * 職員ID, terminal names and IP addresses to the terminal name.
 *
 * Built once from the staff and terminals kinds: the latest version of each
 * (greatest effective date, then latest import) takes precedence, and older
 * versions fill in identifiers the latest one no longer lists, so that logs
 * of staff who have since left still resolve. Training accounts (kind
 * `training`) that no staff version lists resolve to themselves, as the
 * newest training version writes them. Lookups ignore leading and
 * trailing spaces and ASCII case; a staff value that is not found as
 * written is retried without a Windows domain (`CITY\c679661`) or a UPN
 * suffix (`c679661@city.local`). Immutable once built. */
typedef struct tk_master_resolver tk_master_resolver;

/* Builds a resolver from t's master data (borrowed; not kept). A tenant with
 * no staff or terminal versions gives a resolver that finds nothing. *out
 * is an owned result: tk_master_resolver_destroy().
 * Returns TK_OK, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_master_resolver_create(tk_master_resolver **out, tk_tenant *t, tk_error *err);

/* Frees r. Accepts NULL. */
void tk_master_resolver_destroy(tk_master_resolver *r);

/* The 職員ID that account or staff id p[0..len) (borrowed, untrusted)
 * belongs to, NUL-terminated and borrowed from r, with its length in
 * *outlen (may be NULL); NULL if unknown. */
const char *tk_master_resolve_staff(const tk_master_resolver *r, const char *p, size_t len,
                                    size_t *outlen);

/* The terminal name for a terminal name or IP address p[0..len), as the
 * terminal master writes it; NULL if unknown. As above. */
const char *tk_master_resolve_terminal(const tk_master_resolver *r, const char *p, size_t len,
                                       size_t *outlen);

/* Adapter with the signature of tk_profile_resolve_fn (src/profile.h): ctx
 * is a tk_master_resolver, what is TK_RESOLVE_STAFF (1) or
 * TK_RESOLVE_TERMINAL (2); any other what resolves nothing. */
const char *tk_master_resolve(void *ctx, int what, const char *p, size_t len, size_t *outlen);

/* 1 if some version of the terminals master lists p[0..len) (borrowed,
 * untrusted) as a 端末名 or an IP address, ignoring leading and trailing
 * spaces and ASCII case as the resolver does; 0 if none. db is a tenant's
 * database (borrowed). Returns 1, 0 or TK_EDB. */
TK_MUST_CHECK int tk_master_terminal_listed(tk_db *db, const char *p, size_t len, tk_error *err);

/* Number of distinct lookup keys (ids and accounts / names and IPs). */
size_t tk_master_resolver_staff_keys(const tk_master_resolver *r);
size_t tk_master_resolver_terminal_keys(const tk_master_resolver *r);

#endif
