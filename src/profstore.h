/* src/profstore.h -- a tenant's stored source and mapping profiles.
 *
 * A tenant keeps its source profiles (src/profile.h, docs/profiles.md) in
 * its own database, so that a service can pick the one an upload needs
 * without files on the server. Each profile is kept by its name (the
 * profile's own "profile" key) as versions: storing a profile again is a
 * new version holding the whole JSON text, the newest version is in force,
 * and no version is ever updated or removed. Deleting a profile marks its
 * versions deleted: it is no longer listed, got or selected, while every
 * version stays readable (tk_profstore_text, tk_profstore_versions);
 * storing it again makes it live again as the next version.
 *
 * Mapping profiles (docs/master-data.md: a master data file's columns
 * mapped onto a kind's canonical columns) are kept the same way, beside
 * the source profiles: a text with a top-level "kind" key (a source
 * profile has none) is a mapping for that kind of master data, checked as
 * an import checks a mapping (tk_master_mapping_check). Names are one
 * namespace, and a name keeps the kind of its first version. Listing and
 * selection for uploads see source profiles only; tk_profstore_mapping()
 * gives a mapping for an import.
 *
 * Owns the table `profiles` (schema in profstore.c; `kind` is "source" or
 * "mapping", `master_kind` the kind a mapping maps). The store version
 * (1, 2, ...) is the store's count; it is independent of the profile's own
 * optional "version" key, which is the author's.
 *
 * Functions taking a tk_tenant use its connection and so follow the
 * tenant's one-thread rule. Writers (put, delete) run their own
 * transaction; callers take the tenant's writer lock first, as every
 * command that writes does (src/tenant.h). */
#ifndef TK_PROFSTORE_H
#define TK_PROFSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"
#include "src/profile.h"
#include "src/tenant.h"

/* Longest profile text accepted, in bytes (as tk_profile_load()). */
#define TK_PROFSTORE_MAX_BYTES ((size_t)1 << 20)

/* Creates the module's table in db if missing. Idempotent; runs inside the
 * caller's transaction. Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_profstore_migrate(tk_db *db, tk_error *err);

/* Validates len bytes of profile JSON (borrowed) as tk_profile_parse()
 * does and stores it as the next version of the profile it names, by who
 * (borrowed) at who's clock. Text identical (same SHA-256) to the version
 * in force is not stored again: *version is then that version. *version
 * (may be NULL) is the version stored or found. Returns TK_OK, TK_EPARSE
 * (not JSON: line and column), TK_EPROFILE (not a valid profile: the
 * message names the key path and what was expected), TK_ERANGE (larger
 * than TK_PROFSTORE_MAX_BYTES), TK_ENOMEM or TK_EDB. Messages name the
 * text "profile text". */
TK_MUST_CHECK int tk_profstore_put(tk_tenant *t, const char *json, size_t len, const tk_actor *who,
                                   int64_t *version, tk_error *err);

/* Same; origin (borrowed: a file name, "request body") names the text in
 * messages. *created (may be NULL) is 1 when a new version was stored, 0
 * when the text was the version in force. */
TK_MUST_CHECK int tk_profstore_put_from(tk_tenant *t, const char *json, size_t len,
                                        const char *origin, const tk_actor *who, int64_t *version,
                                        int *created, tk_error *err);

/* Same, for a source or a mapping profile (by its "kind" key); key
 * (key_cap bytes; may be NULL with 0) receives, when a mapping does not
 * validate, the key path at fault ("fields.ip.column"), else "".
 * Returns also TK_EEXISTS when the name is a profile of the other kind
 * (the message says so); a mapping that does not validate is TK_EPROFILE
 * with the message tk_master_mapping_check() gives. */
TK_MUST_CHECK int tk_profstore_store(tk_tenant *t, const char *json, size_t len, const char *origin,
                                     const tk_actor *who, int64_t *version, int *created, char *key,
                                     size_t key_cap, tk_error *err);

/* The version in force of source profile name (borrowed), parsed. *out
 * is an owned result (tk_profile_destroy()), NULL on failure. Returns
 * TK_OK, TK_ENOTFOUND (no such profile, deleted, or a mapping profile:
 * the message says which), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_profstore_get(tk_tenant *t, const char *name, tk_profile **out, tk_error *err);

/* One stored version, as the listings give it. Every pointer is owned by
 * the list it is in. */
typedef struct tk_profstore_entry {
    char *name;
    int64_t version;
    int64_t created_at; /* Unix ms */
    char *created_by;   /* account name */
    char *digest;       /* SHA-256 of the text, hex */
    char **systems;     /* tk_profile_systems() of the version */
    size_t nsystems;
    int64_t deleted_at; /* Unix ms; 0: not deleted */
    char *deleted_by;   /* NULL unless deleted */
    int in_force;       /* 1 for the version in force of a live profile */
    int mapping;        /* 1 for a mapping profile of master data */
    char *master_kind;  /* the kind a mapping maps ("terminals"); NULL for a source profile */
} tk_profstore_entry;

/* A list of entries; an embedded value: tk_profstore_entries_dispose(). */
typedef struct tk_profstore_entries {
    tk_profstore_entry *v;
    size_t n;
} tk_profstore_entries;

/* Frees l's entries and leaves it empty. Accepts NULL. */
void tk_profstore_entries_dispose(tk_profstore_entries *l);

/* Fills *out (an owned result; disposed and empty on failure) with the
 * version in force of every live profile, by name. Returns TK_OK,
 * TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_profstore_list(tk_tenant *t, tk_profstore_entries *out, tk_error *err);

/* Same for the live mapping profiles. */
TK_MUST_CHECK int tk_profstore_list_mappings(tk_tenant *t, tk_profstore_entries *out,
                                             tk_error *err);

/* The text of the mapping profile name (borrowed) in force, for an
 * import: *json an owned, NUL-terminated result (tk_free()) of *len
 * bytes, *info (may be NULL) an owned result
 * (tk_profstore_entry_dispose()) whose master_kind is the kind it maps.
 * Returns TK_OK, TK_ENOTFOUND (no such profile, deleted, or a source
 * profile: the message says which), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_profstore_mapping(tk_tenant *t, const char *name, char **json, size_t *len,
                                       tk_profstore_entry *info, tk_error *err);

/* Fills *out with every version of profile name (borrowed), newest first,
 * deleted ones included. Returns TK_OK, TK_ENOTFOUND (never stored),
 * TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_profstore_versions(tk_tenant *t, const char *name, tk_profstore_entries *out,
                                        tk_error *err);

/* The JSON text of version (0: the newest, deleted or not) of profile
 * name (borrowed), as stored: *json is an owned, NUL-terminated result
 * (tk_free()) of *len bytes; *info (may be NULL) describes the version and
 * is an owned result (tk_profstore_entry_dispose()). Returns TK_OK,
 * TK_ENOTFOUND (no such profile or version), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_profstore_text(tk_tenant *t, const char *name, int64_t version, char **json,
                                    size_t *len, tk_profstore_entry *info, tk_error *err);

/* Frees e's strings and zeroes it. Accepts NULL. */
void tk_profstore_entry_dispose(tk_profstore_entry *e);

/* Deletes profile name (borrowed) by who: its versions are marked deleted
 * and stay readable. *version (may be NULL) is the version that was in
 * force. Returns TK_OK, TK_ENOTFOUND (no such live profile), TK_EDB. */
TK_MUST_CHECK int tk_profstore_delete(tk_tenant *t, const char *name, const tk_actor *who,
                                      int64_t *version, tk_error *err);

/* Picks the profile for a file among n profiles (borrowed): the one whose
 * match.filename matches the base name of file_name (borrowed); else,
 * when first_bytes (len bytes of the file's start, borrowed; may be NULL)
 * is given, the one whose match.header names all occur in the file's
 * header record (after the profile's skip_rows, decoded per the profile's
 * encoding, detected when "auto"). *index is the chosen one. Returns
 * TK_OK or TK_EPROFILE when none or more than one matches, the message
 * naming file_name and the profiles concerned. */
TK_MUST_CHECK int tk_profstore_pick(const tk_profile *const *ps, size_t n, const char *file_name,
                                    const char *first_bytes, size_t len, size_t *index,
                                    tk_error *err);

/* tk_profstore_pick() over the live profiles of t. *out is an owned
 * result (tk_profile_destroy()), NULL on failure. Returns TK_OK,
 * TK_EPROFILE (none or two match; also when t has no profiles), TK_ENOMEM
 * or TK_EDB. */
TK_MUST_CHECK int tk_profstore_select(tk_tenant *t, const char *file_name, const char *first_bytes,
                                      size_t len, tk_profile **out, tk_error *err);

#endif
