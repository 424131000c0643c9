/* src/audit.h -- the append-only audit log.
 *
 * Every operation done in tenken leaves one record: when (Unix ms), in
 * which tenant (or none, for what concerns the whole service), who (the
 * actor's name, role and address), what (an action such as "account.add"
 * or "login"), on what (the target: an account name, a token id, a
 * request path), how it ended (the outcome: "ok", "refused" or "error")
 * and a detail line. The service (api/) records every request through
 * tk_audit_record(); the account functions (src/account.h) record their
 * own changes in the same transaction as the change.
 *
 * Owns the table `audit` in whatever database it is given (the service
 * database DATA/service.db, see src/account.h). SQLite triggers refuse
 * every UPDATE and DELETE of it, so a record once written stays as it
 * was; only a new record can be added. Thread-safety: as the tk_db it
 * is given (one thread at a time). */
#ifndef TK_AUDIT_H
#define TK_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"

/* Outcomes of an audited operation. */
#define TK_AUDIT_OK      "ok"
#define TK_AUDIT_REFUSED "refused"
#define TK_AUDIT_ERROR   "error"

/* Creates the audit table and its triggers in db (borrowed) if missing.
 * Call inside the caller's schema transaction. Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_audit_migrate(tk_db *db, tk_error *err);

/* Appends one record to db's audit log, dated tk_actor_now(actor) and
 * naming actor's name, role and address (actor borrowed, not NULL).
 * tenant (NULL: none), action (not NULL), target, outcome (not NULL) and
 * detail (NULL: none) are borrowed NUL-terminated strings; text longer
 * than 2000 bytes (a detail quoting a long request) is cut at a character
 * boundary. Joins the caller's open transaction if there is one.
 * Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_audit_record(tk_db *db, const tk_actor *actor, const char *tenant,
                                  const char *action, const char *target, const char *outcome,
                                  const char *detail, tk_error *err);

/* One record as read back. Strings are owned by the array they came in
 * (tk_audit_entries_free()); tenant, target and detail may be NULL. */
typedef struct tk_audit_entry {
    int64_t id; /* increasing in order of writing: the paging key */
    int64_t time_ms;
    char *tenant;
    char *actor;
    char *role;
    char *address;
    char *action;
    char *target;
    char *outcome;
    char *detail;
} tk_audit_entry;

/* Which records tk_audit_list() returns. Zero or NULL fields do not
 * filter. Records come in id order: ascending, or descending when
 * newest_first is set (with limit: the newest `limit` records). Paging:
 * pass the last id of a page as after_id (ascending) or before_id
 * (descending) to get the next. */
typedef struct tk_audit_filter {
    int64_t since_ms;   /* time_ms >= since_ms (0: no lower bound) */
    int64_t until_ms;   /* time_ms < until_ms (0: no upper bound) */
    const char *tenant; /* exactly this tenant */
    const char *actor;  /* exactly this actor name */
    const char *action; /* exactly this action */
    int64_t after_id;   /* id > after_id (0: none) */
    int64_t before_id;  /* id < before_id (0: none) */
    size_t limit;       /* at most this many (0: TK_AUDIT_LIMIT_MAX) */
    int newest_first;
} tk_audit_filter;

#define TK_AUDIT_FILTER_INIT                                                                       \
    {                                                                                              \
        0, 0, NULL, NULL, NULL, 0, 0, 0, 0                                                         \
    }

/* Most records one call returns. */
#define TK_AUDIT_LIMIT_MAX 10000

/* Reads the records of db (borrowed) that filter (borrowed) selects into
 * *out (an owned result, NULL when none: tk_audit_entries_free()) and
 * their number into *n. Returns TK_OK, TK_EINVAL (limit above
 * TK_AUDIT_LIMIT_MAX), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_audit_list(tk_db *db, const tk_audit_filter *filter, tk_audit_entry **out,
                                size_t *n, tk_error *err);

/* Frees the n entries at e and their strings. Accepts NULL. */
void tk_audit_entries_free(tk_audit_entry *e, size_t n);

#endif
