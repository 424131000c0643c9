/* models/suppress.h -- suppressions: a rule's findings about one entity
 * that the analysis no longer lists, until an expiry day.
 *
 * An inspector who judges a finding a false positive (a known, legitimate
 * pattern: the 窓口 terminal shared by design, the staff member whose job
 * is bulk lookups) records a suppression: a rule, an entity (a user or a
 * terminal), a reason and the last day it covers. Every analysis after
 * that drops the findings of that rule about that entity whose first day
 * is on or before the expiry day, and says in the run's notes how many
 * each suppression dropped; findings after the expiry day are listed
 * again. Expiry is a day of the findings, not of the clock, so that
 * re-analysing a period gives the same list whenever it runs.
 *
 * A suppression is created directly (rule, entity, reason, expiry) or
 * from an item of a ranked list triaged false_positive (its leading rule
 * and entity; the item's id is kept). Deleting one keeps its row (who
 * deleted it and when) but it no longer applies.
 *
 * This module owns the table suppressions. Not thread-safe per
 * connection. */
#ifndef TK_SUPPRESS_H
#define TK_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"

/* Longest reason, in bytes of UTF-8. */
#define TK_SUPPRESS_REASON_MAX 500

/* One suppression. */
typedef struct tk_suppression {
    int64_t id;
    char rule_id[8];      /* "R03" */
    char entity_type[16]; /* "user" or "terminal" */
    char *entity;         /* owned */
    char *reason;         /* owned */
    char *created_by;     /* owned */
    int64_t created_at;   /* Unix ms */
    int64_t expires_day;  /* the last day of findings it covers (JST day number) */
    int64_t run_id, rank; /* the triaged item it came from; 0 when created directly */
} tk_suppression;

/* What a new suppression is; strings borrowed. */
typedef struct tk_suppress_spec {
    const char *rule_id;     /* a rule of the catalogue */
    const char *entity_type; /* "user" or "terminal" */
    const char *entity;      /* 1..128 bytes, no control characters */
    const char *reason;      /* 1..TK_SUPPRESS_REASON_MAX bytes of UTF-8 */
    int64_t expires_day;
} tk_suppress_spec;

/* Creates the table. Idempotent. */
TK_MUST_CHECK int tk_suppress_migrate(tk_db *db, tk_error *err);

/* Parses an expiry "YYYY-MM-DD" into a JST day number. Returns TK_OK or
 * TK_EINVAL (the message says what was expected). */
TK_MUST_CHECK int tk_suppress_parse_day(const char *s, int64_t *day, tk_error *err);

/* Stores the suppression s (validated: an unknown rule, a bad entity type,
 * an empty or overlong entity or reason are TK_EINVAL, the message naming
 * the field and what is allowed; any expiry day is accepted, since it is
 * compared with the findings' days: an expiry in the past still covers
 * the findings of a re-analysed earlier period)
 * as actor, dated by its clock; *id is the new id. Returns TK_OK,
 * TK_EINVAL or TK_EDB. */
TK_MUST_CHECK int tk_suppress_add(tk_db *db, const tk_suppress_spec *s, const tk_actor *actor,
                                  int64_t *id, tk_error *err);

/* Stores a suppression of item `rank` of run `run`: its leading rule and
 * its entity, with reason and expiry day. The item must be triaged
 * false_positive. Returns TK_OK, TK_ENOTFOUND (no such item), TK_EFROZEN
 * (the item is not triaged false_positive, or it is a models-only case
 * with no rule: the message says which), TK_EINVAL (as tk_suppress_add)
 * or TK_EDB. */
TK_MUST_CHECK int tk_suppress_from_item(tk_db *db, int64_t run, int64_t rank, const char *reason,
                                        int64_t expires_day, const tk_actor *actor, int64_t *id,
                                        tk_error *err);

/* The suppressions not deleted, newest first, into *out (owned array of
 * *n: tk_suppress_free()); a store without the table has none. Returns
 * TK_OK, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_suppress_list(tk_db *db, tk_suppression **out, size_t *n, tk_error *err);

/* Suppression id into *out (owned: tk_suppress_dispose()). Returns TK_OK,
 * TK_ENOTFOUND (no such suppression, or deleted) or TK_EDB. */
TK_MUST_CHECK int tk_suppress_get(tk_db *db, int64_t id, tk_suppression *out, tk_error *err);

/* Deletes suppression id as actor: it no longer applies. Returns TK_OK,
 * TK_ENOTFOUND or TK_EDB. */
TK_MUST_CHECK int tk_suppress_delete(tk_db *db, int64_t id, const tk_actor *actor, tk_error *err);

/* Frees what s owns; accepts NULL. And an array from tk_suppress_list(). */
void tk_suppress_dispose(tk_suppression *s);
void tk_suppress_free(tk_suppression *s, size_t n);

/* ---- applying them (models/analysis) -------------------------------------- */

/* The suppressions an analysis applies, with how many findings each
 * dropped. */
typedef struct tk_suppress_set {
    tk_suppression *s;
    size_t n;
    size_t *hits; /* per suppression */
} tk_suppress_set;

/* Loads the suppressions of db into *set (dispose: tk_suppress_set_dispose()).
 * Returns TK_OK, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_suppress_set_load(tk_db *db, tk_suppress_set *set, tk_error *err);

/* 1 (and counts a hit) if a finding of rule_id about entity_type/entity
 * starting on first_day is suppressed by set, else 0. */
int tk_suppress_match(tk_suppress_set *set, const char *rule_id, const char *entity_type,
                      const char *entity, int64_t first_day);

/* Total hits of set. */
size_t tk_suppress_hits(const tk_suppress_set *set);

/* One note line per suppression that dropped findings, "R03 user 123456:
 * 2 findings suppressed (suppression #4, until 2026-12-31: reason)",
 * passed to fn in id order; fn returns 0 to go on. Returns 0 or fn's
 * value. */
int tk_suppress_notes(const tk_suppress_set *set, int (*fn)(void *ctx, const char *line),
                      void *ctx);

void tk_suppress_set_dispose(tk_suppress_set *set);

#endif
