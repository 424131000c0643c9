/* src/profile.h -- source profiles: how one system's CSV layout maps onto
 * tenken's canonical event (docs/profiles.md is the user documentation).
 *
 * A tk_profile is the parsed, validated JSON; immutable once loaded and
 * shareable between threads. A tk_profile_row binds a profile to one file:
 * it resolves column names against the file's header, owns the scratch
 * buffers that decoded and transformed values live in, and turns each
 * record into a tk_event. A binding is used by one thread. */
#ifndef TK_PROFILE_H
#define TK_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "src/encoding.h"
#include "src/error.h"
#include "src/event.h"

typedef struct tk_profile tk_profile;
typedef struct tk_profile_row tk_profile_row;

/* Reads and validates the profile JSON at path. *out is an owned result:
 * tk_profile_destroy(). Returns TK_OK, TK_EIO (unreadable), TK_EPARSE (not
 * JSON) or TK_EPROFILE (a key or value that is not allowed; the message
 * names the key path, e.g. "fields.operation.map.照会"). */
TK_MUST_CHECK int tk_profile_load(tk_profile **out, const char *path, tk_error *err);

/* Same from len bytes of JSON text; origin names it in messages (borrowed). */
TK_MUST_CHECK int tk_profile_parse(tk_profile **out, const char *json, size_t len,
                                   const char *origin, tk_error *err);

/* Frees p. Accepts NULL. */
void tk_profile_destroy(tk_profile *p);

/* Accessors; returned strings are borrowed from p. */
const char *tk_profile_name(const tk_profile *p);
int tk_profile_version(const tk_profile *p);
tk_enc tk_profile_encoding(const tk_profile *p); /* TK_ENC_AUTO unless fixed */
int tk_profile_has_header(const tk_profile *p);
size_t tk_profile_skip_rows(const tk_profile *p);
/* 1 if fields.detail says "keep": "clear" (store it as written), 0 if its
 * text is pseudonymised (src/freetext), the default. */
int tk_profile_detail_clear(const tk_profile *p);
/* SHA-256 (hex) of the profile file's bytes, recorded on every upload. */
const char *tk_profile_digest(const tk_profile *p);

/* The systems the profile maps events to, for listings: its fixed
 * system value, or the distinct values of the system column's map (and
 * its unmapped replacement), in the profile's order. Writes up to cap
 * borrowed pointers (valid while p lives) into out and returns how many
 * there are (possibly more than cap); 0 when the column's own words are
 * kept unmapped. */
size_t tk_profile_systems(const tk_profile *p, const char **out, size_t cap);

/* 1 if the profile resolves a field through master data: what is
 * TK_RESOLVE_STAFF (user) or TK_RESOLVE_TERMINAL (terminal); else 0. */
int tk_profile_resolves(const tk_profile *p, int what);

/* 1 if the profile's match.filename glob matches the base name of path. */
int tk_profile_match_filename(const tk_profile *p, const char *path);
/* 1 if every name in match.header occurs among the n header cells (UTF-8). */
int tk_profile_match_header(const tk_profile *p, const tk_view *cells, size_t n);

/* Identity resolution through master data, supplied by the caller. what is
 * TK_RESOLVE_STAFF or TK_RESOLVE_TERMINAL; returns the canonical name
 * (borrowed from ctx, stable while the binding lives) and its length, or
 * NULL when the value resolves to nobody. */
enum { TK_RESOLVE_NONE = 0, TK_RESOLVE_STAFF = 1, TK_RESOLVE_TERMINAL = 2 };
typedef const char *(*tk_profile_resolve_fn)(void *ctx, int what, const char *p, size_t len,
                                             size_t *outlen);

/* Binds p to a file. header holds the first record's raw cells when the
 * profile has a header (NULL/0 otherwise: then nfields, the record width,
 * is checked against column indices). enc is the file's encoding as
 * detected or declared (TK_ENC_ASCII while undecided: the binding decides
 * at the first non-ASCII value). resolve may be NULL (nothing resolves).
 * *out is owned: tk_profile_row_destroy(). p and ctx are borrowed and must
 * outlive the binding. Returns TK_OK, TK_EPROFILE (a named column is not in
 * the header: the message lists the header found, its cells masked unless
 * they are plausible names (src/mask.h), since a file without a header
 * shows its first data row there; an index beyond the record), TK_EENCODING (the header does not
 * decode) or TK_ENOMEM. */
TK_MUST_CHECK int tk_profile_bind(tk_profile_row **out, const tk_profile *p, const tk_view *header,
                                  size_t nfields, tk_enc enc, tk_profile_resolve_fn resolve,
                                  void *ctx, tk_error *err);

/* Frees b. Accepts NULL. */
void tk_profile_row_destroy(tk_profile_row *b);

/* Turns one record's raw cells into ev. Views in ev point into cells or
 * into b's buffers, valid until the next call. On a bad row returns
 * TK_EPARSE or TK_EENCODING with a message naming the column and value
 * ("column 操作日時: \"2024/13/01\": month 13 out of range"), sets
 * *bad_column to the 0-based cell index concerned, and leaves ev
 * unspecified. Returns TK_EPROFILE if the record is too short for a bound
 * column. */
TK_MUST_CHECK int tk_profile_row_apply(tk_profile_row *b, const tk_view *cells, size_t n,
                                       tk_event *ev, size_t *bad_column, tk_error *err);

/* The encoding the binding settled on (TK_ENC_ASCII while only ASCII was
 * seen). */
tk_enc tk_profile_row_encoding(const tk_profile_row *b);

/* Name of the column at 0-based index i for messages and reports: as the
 * header wrote it (decoded) when it may be quoted in clear (src/mask.h),
 * else its 1-based number ("3"); NULL for a headerless file. Borrowed from
 * b. */
const char *tk_profile_row_column_name(const tk_profile_row *b, size_t i);

/* The column an event's date is read from (the time column, or the date
 * column when date and time are split), as a message names it: the
 * profile's or the header's name, else its 1-based number written into
 * buf (cap bytes). NULL when the time is not read from a column. The
 * result is borrowed from b or is buf. */
const char *tk_profile_row_date_column(const tk_profile_row *b, char *buf, size_t cap);

/* 1 if cell i holds the resident identifier (callers mask it in reports). */
int tk_profile_row_is_subject(const tk_profile_row *b, size_t i);

#endif
