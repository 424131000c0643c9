/* models/anomalies.h -- the stored ranked lists as every surface reads them:
 * filtered, sorted and paged, one item with its triage, and triage itself.
 *
 * models/analysis computes a period's ranked list and stores it (tables
 * analysis_runs and anomalies). This module is how the CLI, the service
 * and the reports read those lists, so that none of them runs SQL of its
 * own on them. It owns two tables:
 *
 * - anomaly_facets: per item, the 所属 of its entity and the systems its
 *   evidence touches, written by tk_anomalies_index() when the run is
 *   stored (and, once, for runs stored before the table existed), so that
 *   the list can be filtered by 所属 and by system without reading events;
 * - triage: the inspectors' decisions, an append-only history. A decision
 *   is attached to the case's content (entity, leading rule or "model",
 *   first day, or the period for a period case), not to its rank, so that
 *   it carries over to a new analysis of the same period, where ranks may
 *   differ. A case that has grown since (it ends after the last day the
 *   decision saw) reads as new again; its history keeps the decisions.
 *
 * Not thread-safe per connection; distinct connections are independent. */
#ifndef TK_ANOMALIES_H
#define TK_ANOMALIES_H

#include <stddef.h>
#include <stdint.h>

#include "models/evidence.h"
#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"
#include "src/period.h"

/* The day of a period-level item (tk_anomalies_item.day). */
#define TK_ANOMALIES_PERIOD_ITEM INT64_MIN

/* Triage statuses; an item nobody has triaged is TK_ANOMALIES_NEW. */
typedef enum tk_anomalies_status {
    TK_ANOMALIES_NEW = 0,
    TK_ANOMALIES_INVESTIGATING,
    TK_ANOMALIES_CONFIRMED,
    TK_ANOMALIES_FALSE_POSITIVE
} tk_anomalies_status;

/* "new", "investigating", "confirmed", "false_positive". */
const char *tk_anomalies_status_name(tk_anomalies_status s);

/* Parses a status name (exactly as above). Returns TK_OK or TK_EINVAL (the
 * message lists the names). */
TK_MUST_CHECK int tk_anomalies_status_parse(const char *name, tk_anomalies_status *out,
                                            tk_error *err);

/* One item of a stored ranked list -- a case: one entity and one pattern
 * over a run of days, made of one or more findings -- with its facets and
 * its triage. */
typedef struct tk_anomalies_item {
    int64_t run_id;
    int64_t rank;         /* 1, 2, ...: position in the run's list, by score */
    char entity_type[16]; /* "user" or "terminal" */
    char *entity;         /* owned */
    int64_t day;          /* its worst day; TK_ANOMALIES_PERIOD_ITEM for a period case */
    int64_t first_day;    /* its first and last day (a period case: the period's) */
    int64_t last_day;
    size_t days;       /* days its findings cover (a period case: active days) */
    size_t findings;   /* findings and model anomalies it is made of */
    char *rules;       /* owned; every rule among its findings, "R01,R12"; "" for none */
    double score;      /* 0-100, one decimal */
    int model;         /* 0 a case led by a rule finding, 1 a models-only case */
    char rule_id[8];   /* the leading rule; "" for a models-only case */
    char severity[12]; /* "" when none */
    char *summary;     /* owned; one line in Japanese */
    char *explanation; /* owned; JSON object (docs/models.md); NULL in list pages */
    char *dept;        /* owned; the entity's 所属, NULL when unknown */
    char **systems;    /* owned; the systems of its evidence, sorted */
    size_t nsystems;
    tk_anomalies_status status; /* the newest triage decision */
    char *comment;              /* owned; its comment, NULL when none */
    char *decided_by;           /* owned; who decided, NULL for an untriaged item */
    int64_t decided_at;         /* Unix ms; 0 for an untriaged item */
} tk_anomalies_item;

/* Frees what an item owns. Accepts NULL and a zeroed value. */
void tk_anomalies_item_dispose(tk_anomalies_item *it);

/* A stored run. */
typedef struct tk_anomalies_run {
    int64_t id;
    tk_period period, baseline;
    int64_t created_at; /* Unix ms */
    int64_t events;     /* events read (baseline and period) */
    size_t items;       /* items of its ranked list */
    char *notes;        /* owned; JSON array of strings, or NULL */
    char *options;      /* owned; JSON object of the analysis options, or NULL (older runs) */
    char *started_by;   /* owned; the account that started it, or NULL (older runs) */
} tk_anomalies_run;

/* Frees what a run owns. Accepts NULL and a zeroed value. */
void tk_anomalies_run_dispose(tk_anomalies_run *r);

/* The newest run whose period is exactly pr (pr NULL: the newest run of
 * any period) into *out (owned: tk_anomalies_run_dispose()). Returns TK_OK,
 * TK_ENOTFOUND (the message says to run tenken analyze) or TK_EDB. */
TK_MUST_CHECK int tk_anomalies_find_run(tk_db *db, const tk_period *pr, tk_anomalies_run *out,
                                        tk_error *err);

/* Run `id` into *out. Returns TK_OK, TK_ENOTFOUND or TK_EDB. */
TK_MUST_CHECK int tk_anomalies_run_get(tk_db *db, int64_t id, tk_anomalies_run *out, tk_error *err);

/* Runs, newest first: at most `limit` runs with id < before (0: from the
 * newest), of period pr when not NULL, into *out (owned array of *n:
 * tk_anomalies_runs_free()). Returns TK_OK, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_anomalies_runs_list(tk_db *db, const tk_period *pr, int64_t before,
                                         size_t limit, tk_anomalies_run **out, size_t *n,
                                         tk_error *err);

/* Frees an array from tk_anomalies_runs_list(). Accepts NULL. */
void tk_anomalies_runs_free(tk_anomalies_run *runs, size_t n);

/* The orders a list can be read in. Every order ends with the rank, so it
 * is total and a cursor is exact. */
typedef enum tk_anomalies_order {
    TK_ANOMALIES_BY_RANK = 0, /* the ranking: score, highest first */
    TK_ANOMALIES_BY_DAY,      /* day, oldest first; period items last */
    TK_ANOMALIES_BY_ENTITY    /* entity type, then entity id */
} tk_anomalies_order;

/* "rank", "day", "entity". */
const char *tk_anomalies_order_name(tk_anomalies_order o);

/* Parses an order name. Returns TK_OK or TK_EINVAL (lists the names). */
TK_MUST_CHECK int tk_anomalies_order_parse(const char *name, tk_anomalies_order *out,
                                           tk_error *err);

/* Largest and default page. */
#define TK_ANOMALIES_PAGE_MAX     1000
#define TK_ANOMALIES_PAGE_DEFAULT 100

/* A query of one run's list. Strings are borrowed; NULL means "any". */
typedef struct tk_anomalies_query {
    const char *entity_type; /* "user" or "terminal" */
    const char *entity;      /* an entity id, exactly */
    const char *system;      /* a system name: items whose evidence touches it */
    const char *dept;        /* a 所属 name, exactly */
    const char *rule;        /* a rule id ("R25"); cases with a finding of that rule */
    const char *source;      /* "rule" or "model" */
    int status;              /* a tk_anomalies_status, or -1 for any */
    double min_score;        /* 0 for any */
    tk_anomalies_order order;
    size_t limit;       /* page size: 0 = TK_ANOMALIES_PAGE_DEFAULT, at most PAGE_MAX */
    const char *cursor; /* next_cursor of the previous page, or NULL for the first */
} tk_anomalies_query;

// clang-format off
#define TK_ANOMALIES_QUERY_INIT {NULL, NULL, NULL, NULL, NULL, NULL, -1, 0.0, TK_ANOMALIES_BY_RANK, 0, NULL}
// clang-format on

/* A cursor's longest text, NUL included. */
#define TK_ANOMALIES_CURSOR_SIZE 48

/* One page of a list. */
typedef struct tk_anomalies_page {
    tk_anomalies_item *items; /* owned; explanation NULL (tk_anomalies_get() has it) */
    size_t n;
    size_t total; /* items of the run matching the filters, on every page */
    /* The cursor of the next page, "" on the last page. Opaque to callers;
     * valid for the same run and order, whatever the filters. */
    char next_cursor[TK_ANOMALIES_CURSOR_SIZE];
} tk_anomalies_page;

/* Frees what a page owns. Accepts NULL and a zeroed value. */
void tk_anomalies_page_dispose(tk_anomalies_page *p);

/* Reads one page of run `run`'s list matching q into *out (owned:
 * tk_anomalies_page_dispose()). Filters are values bound to SQL, never
 * text put into it. Its statements are kept prepared on db, and the
 * total is remembered on db until the database changes (a commit of
 * another connection or a row changed through db: tk_db_memo_get()). Returns TK_OK, TK_EINVAL (a
 * malformed cursor, or one of another run or order; a bad entity type, source or limit: the message
 * says which), TK_ENOTFOUND (no such run), TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_anomalies_list(tk_db *db, int64_t run, const tk_anomalies_query *q,
                                    tk_anomalies_page *out, tk_error *err);

/* Item `rank` of run `run`, explanation included, into *out (owned:
 * tk_anomalies_item_dispose()). Returns TK_OK, TK_ENOTFOUND (the message
 * names the run's period and how many items it has), TK_EDB or
 * TK_ENOMEM. */
TK_MUST_CHECK int tk_anomalies_get(tk_db *db, int64_t run, int64_t rank, tk_anomalies_item *out,
                                   tk_error *err);

/* The evidence of item `rank` of run `run`: the events its explanation
 * lists (models/evidence), into *out (owned: tk_evidence_destroy()).
 * Returns TK_OK, TK_ENOTFOUND (no such item: the message names the run's
 * period and its number of items), TK_EDB, TK_EPARSE or TK_ENOMEM. */
TK_MUST_CHECK int tk_anomalies_evidence(tk_db *db, int64_t run, int64_t rank, tk_evidence **out,
                                        tk_error *err);

/* One triage decision of an item's history. */
typedef struct tk_anomalies_decision {
    tk_anomalies_status status;
    char *comment;    /* owned; NULL when none */
    char *decided_by; /* owned */
    char *role;       /* owned */
    int64_t at;       /* Unix ms */
} tk_anomalies_decision;

/* 1 when s (NUL-terminated, borrowed) is text a person may write in a
 * comment or an answer: well-formed UTF-8 (no overlongs, no surrogates)
 * without control characters other than newline and tab; else 0. */
int tk_anomalies_text_ok(const char *s);

/* Longest comment, in bytes of UTF-8. */
#define TK_ANOMALIES_COMMENT_MAX 2000

/* Records actor's decision `status` (with comment, borrowed, may be NULL)
 * on item `rank` of run `run`, dated by the actor's clock. The decision
 * holds for the item's content in every run of the period. Returns TK_OK,
 * TK_ENOTFOUND (no such item), TK_EINVAL (a comment longer than
 * TK_ANOMALIES_COMMENT_MAX bytes or not valid UTF-8, or a decision back to
 * "new" on an untriaged item), TK_EFROZEN (the period was delivered) or
 * TK_EDB. Runs inside the caller's transaction when one is open (and
 * then leaves its rollback to the caller), else in its own. */
TK_MUST_CHECK int tk_anomalies_triage(tk_db *db, int64_t run, int64_t rank,
                                      tk_anomalies_status status, const char *comment,
                                      const tk_actor *actor, tk_error *err);

/* The decisions on item `rank` of run `run`, oldest first, into *out (an
 * owned array of *n: tk_anomalies_decisions_free()). Returns TK_OK,
 * TK_ENOTFOUND, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_anomalies_history(tk_db *db, int64_t run, int64_t rank,
                                       tk_anomalies_decision **out, size_t *n, tk_error *err);

/* Frees an array from tk_anomalies_history(). Accepts NULL. */
void tk_anomalies_decisions_free(tk_anomalies_decision *d, size_t n);

/* Writes the facets (所属, systems) of every item of run `run`. Called by
 * the analysis inside the transaction that stores the run. Returns TK_OK,
 * TK_EDB, TK_EPARSE (an evidence block is damaged) or TK_ENOMEM. */
TK_MUST_CHECK int tk_anomalies_index(tk_db *db, int64_t run, tk_error *err);

/* Creates the tables this module owns and indexes the runs stored before
 * them. Idempotent; the tables of models/analysis must exist. */
TK_MUST_CHECK int tk_anomalies_migrate(tk_db *db, tk_error *err);

#endif
