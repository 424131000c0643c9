/* models/evidence.h -- the log rows behind a ranked item.
 *
 * An item's explanation (models/analysis) lists the ids of the events
 * behind it: all of them or, for a large item, the first ones, with
 * evidence_total saying how many there are in all. This module reads those
 * events back from the store and resolves every dictionary id to its name,
 * so that an inspector sees the rows themselves: time, system, user,
 * terminal, operation, function, result, count, the resident, detail, and
 * the upload, file and record each came from. The resident is its keyed
 * pseudonym, never the identifier: the store holds nothing else.
 *
 * A tk_evidence is immutable once loaded; distinct objects are
 * independent. Loading reads the tenant's store (not thread-safe per
 * connection). */
#ifndef TK_EVIDENCE_H
#define TK_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "src/db.h"
#include "src/error.h"

/* One event as an inspector reads it. Strings are NUL-terminated UTF-8,
 * borrowed from the tk_evidence that holds the row; NULL means absent. */
typedef struct tk_evidence_row {
    int64_t id;            /* the store's event id */
    int64_t t;             /* Unix ms */
    const char *system;    /* the system's name */
    const char *user;      /* the account as logged (職員ID when resolved) */
    int user_resolved;     /* the account was found in the staff master */
    const char *terminal;  /* NULL: the log names none */
    const char *operation; /* canonical operation: lookup, update, print, ... */
    const char *function;  /* the system's function (画面, 帳票) */
    int failed;            /* the operation failed */
    int64_t count;         /* records the operation handled; -1 absent */
    int64_t bytes;         /* bytes copied; -1 absent */
    int mynumber;          /* individual number used: -1 absent, 0 or 1 */
    char resident[65];     /* the resident's pseudonym, 64 hex digits; "" none */
    const char *device;    /* removable device name */
    const char *serial;    /* its serial number */
    const char *media_file;
    const char *detail;
    int64_t upload_id;
    const char *file_name; /* the uploaded file's name */
    int64_t record;        /* record of that file (header included); 0 unknown */
} tk_evidence_row;

typedef struct tk_evidence tk_evidence;

/* Reads the events ids[0..n) (borrowed; any order) into *out (owned:
 * tk_evidence_destroy()), sorted by time, then by what the rows say
 * (system, user, terminal, operation, ..., detail) and the file name and
 * record they came from, not by id: the order does not depend on the
 * order the files were uploaded in. An id whose event is no
 * longer stored (its upload was deleted) is left out: compare
 * tk_evidence_count() with tk_evidence_listed(). Returns TK_OK, TK_EDB,
 * TK_EPARSE (a damaged block) or TK_ENOMEM. */
TK_MUST_CHECK int tk_evidence_load(tk_db *db, const int64_t *ids, size_t n, tk_evidence **out,
                                   tk_error *err);

/* The evidence an item's explanation lists (its "evidence" ids and its
 * "evidence_total"; explanation borrowed, JSON text), read as
 * tk_evidence_load() reads them. Returns TK_OK, TK_EPARSE (the explanation
 * is not JSON, or a damaged block), TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_evidence_of_explanation(tk_db *db, const char *explanation, tk_evidence **out,
                                             tk_error *err);

/* Rows read, and row i (borrowed, i < count). */
size_t tk_evidence_count(const tk_evidence *e);
const tk_evidence_row *tk_evidence_row_at(const tk_evidence *e, size_t i);

/* Ids asked for (distinct), and the events behind the item in all
 * (its evidence_total; for tk_evidence_load() the ids asked for). */
size_t tk_evidence_listed(const tk_evidence *e);
uint64_t tk_evidence_total(const tk_evidence *e);

/* Frees e. Accepts NULL. */
void tk_evidence_destroy(tk_evidence *e);

#endif
