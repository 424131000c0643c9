/* models/answers.h -- the city's answers to the 要確認事項 of a period: the
 * selection of the cases to confirm, and the answers themselves.
 *
 * The bimonthly report lists the cases a city must confirm (要確認事項);
 * the 所属長 answer each with a verdict (正当 justified, 不適切
 * inappropriate, 調査中 under investigation), the business reason, who
 * confirmed it and when. tk_answers_requests() is the one selection every
 * surface uses (the report, the workbook, the CLI, the API), so that they
 * all list the same cases. Each request has a public case id,
 * "C-YYYY-MM-xxxxxxxx": the period's first month and eight hex digits of a
 * SHA-256 over the period and the case's content (entity, leading rule or
 * "model", first day), the key models/anomalies attaches triage to, so the
 * id survives a re-analysis of the same period.
 *
 * An answer feeds triage (models/anomalies): inappropriate → confirmed,
 * investigating → investigating, justified → false_positive with the
 * reason as comment; and, when asked, a justified answer creates a
 * suppression (models/suppress) of the case's rule and entity.
 *
 * This module owns the table answers: an append-only history per case,
 * the newest row being the current answer. Not thread-safe per
 * connection; distinct connections are independent. */
#ifndef TK_ANSWERS_H
#define TK_ANSWERS_H

#include <stddef.h>
#include <stdint.h>

#include "models/anomalies.h"
#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"
#include "src/period.h"

/* The verdicts of an answer. */
typedef enum tk_answers_verdict {
    TK_ANSWERS_JUSTIFIED = 0, /* 正当: a business reason explains it */
    TK_ANSWERS_INAPPROPRIATE, /* 不適切 */
    TK_ANSWERS_INVESTIGATING, /* 調査中 */
    TK_ANSWERS_NVERDICTS
} tk_answers_verdict;

/* "justified", "inappropriate", "investigating". */
const char *tk_answers_verdict_name(tk_answers_verdict v);

/* "正当", "不適切", "調査中". */
const char *tk_answers_verdict_label(tk_answers_verdict v);

/* Parses p[0..len) (untrusted): an English name or a Japanese label, as
 * above, surrounding blanks ignored. Returns TK_OK or TK_EINVAL (the
 * message lists what is accepted). */
TK_MUST_CHECK int tk_answers_verdict_parse(const char *p, size_t len, tk_answers_verdict *out,
                                           tk_error *err);

/* Longest reason and confirmer, in bytes of UTF-8. */
#define TK_ANSWERS_REASON_MAX 2000
#define TK_ANSWERS_BY_MAX     128

/* A case id's size, NUL included ("C-2024-10-0a1b2c3d"). */
#define TK_ANSWERS_CASE_ID_SIZE 24

/* How the requests are selected. */
typedef struct tk_answers_options {
    double min_score; /* a case scoring at least this is a request */
    size_t limit;     /* at most this many requests, by rank */
} tk_answers_options;

#define TK_ANSWERS_OPTIONS_INIT                                                                    \
    {                                                                                              \
        80.0, 300                                                                                  \
    }

/* One answer. */
typedef struct tk_answers_answer {
    int64_t id;
    char case_id[TK_ANSWERS_CASE_ID_SIZE];
    tk_period period;
    char entity_type[16];
    char *entity; /* owned */
    char kind[8]; /* the leading rule, or "model" */
    char *dept;   /* owned; the entity's 所属, NULL when unknown */
    tk_answers_verdict verdict;
    char *reason;         /* owned; "" when none */
    char *confirmed_by;   /* owned */
    int64_t confirmed_on; /* JST day number */
    char *recorded_by;    /* owned; the account that recorded it */
    char via[8];          /* "cli", "web" or "xlsx" */
    int64_t at;           /* Unix ms */
    int64_t suppression;  /* the suppression it created, 0 when none */
} tk_answers_answer;

/* Frees what an answer owns; accepts NULL and a zeroed value. And an
 * array of n answers. */
void tk_answers_answer_dispose(tk_answers_answer *a);
void tk_answers_free(tk_answers_answer *v, size_t n);

/* One request: a case of the run to confirm, with its current answer. */
typedef struct tk_answers_request {
    char case_id[TK_ANSWERS_CASE_ID_SIZE];
    size_t no;              /* 1, 2, ...: its place in the requests */
    tk_anomalies_item item; /* owned; explanation NULL */
    int answered;           /* 1 when answer holds the current answer */
    tk_answers_answer answer;
} tk_answers_request;

/* The requests of a period. */
typedef struct tk_answers_set {
    tk_period period;
    int64_t run;           /* the run they come from (the newest of the period) */
    tk_answers_request *v; /* owned */
    size_t n;
    size_t answered; /* of them, with an answer */
} tk_answers_set;

/* Frees what a set owns. Accepts NULL and a zeroed value. */
void tk_answers_set_dispose(tk_answers_set *s);

/* The case id of item it of a run of period pr into buf (at least
 * TK_ANSWERS_CASE_ID_SIZE bytes). Returns TK_OK or TK_ECRYPTO. */
TK_MUST_CHECK int tk_answers_case_id(const tk_period *pr, const tk_anomalies_item *it, char *buf,
                                     size_t cap, tk_error *err);

/* The 要確認事項 of period pr (o NULL: the defaults), from its newest run:
 * the cases that are answered already, or that are not triaged
 * false_positive and are of severity high or critical, score at least
 * o->min_score or are triaged confirmed or investigating; by rank, at
 * most o->limit; each with its current answer. Into *out (owned:
 * tk_answers_set_dispose()). Returns TK_OK, TK_ENOTFOUND (no run of pr:
 * the message says to analyse it), TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_answers_requests(tk_db *db, const tk_period *pr, const tk_answers_options *o,
                                      tk_answers_set *out, tk_error *err);

/* The request with case id case_id (borrowed, untrusted) of s, or NULL. */
const tk_answers_request *tk_answers_find(const tk_answers_set *s, const char *case_id);

/* 1 when s (borrowed, NUL-terminated, untrusted) has the shape of a case
 * id, "C-YYYY-MM-" and 8 lower-case hex digits, else 0. */
int tk_answers_case_id_valid(const char *s);

/* The requests *out (owned: tk_answers_set_dispose()) of the period that
 * has case case_id (borrowed, untrusted), and the request itself in *r
 * (borrowed from *out): the periods analysed that begin in the month
 * the id names are searched, newest run first. Returns TK_OK,
 * TK_ENOTFOUND (no such case: the message names the id), TK_EDB or
 * TK_ENOMEM. */
TK_MUST_CHECK int tk_answers_locate(tk_db *db, const char *case_id, const tk_answers_options *o,
                                    tk_answers_set *out, const tk_answers_request **r,
                                    tk_error *err);

/* An answer to record; strings borrowed. */
typedef struct tk_answers_input {
    tk_answers_verdict verdict;
    const char *reason;       /* required for justified; at most TK_ANSWERS_REASON_MAX bytes */
    const char *confirmed_by; /* 1..TK_ANSWERS_BY_MAX bytes */
    int64_t confirmed_on;     /* a JST day: not before the period, not after today */
    const char *via;          /* "cli", "web" or "xlsx" */
    int suppress;             /* 1: a justified answer also suppresses rule and entity */
    int64_t suppress_until;   /* its expiry day; 0: a year after the period's end */
} tk_answers_input;

/* The fields of an answer, as tk_answers_check() names the wrong one. */
typedef enum tk_answers_field {
    TK_ANSWERS_FIELD_VERDICT = 0,
    TK_ANSWERS_FIELD_REASON,
    TK_ANSWERS_FIELD_BY,
    TK_ANSWERS_FIELD_DATE,
    TK_ANSWERS_FIELD_SUPPRESS
} tk_answers_field;

/* Checks in against request r of period pr, dated by actor's clock:
 * TK_OK, or TK_EINVAL with a message naming the field and what is
 * expected (an unknown verdict, a missing or overlong reason, a reason
 * that is not UTF-8 text, a missing or overlong confirmer, a date before
 * the period or after today, a suppression of a models-only case) and
 * *field (may be NULL) set to that field. */
TK_MUST_CHECK int tk_answers_check(const tk_period *pr, const tk_answers_request *r,
                                   const tk_answers_input *in, const tk_actor *actor,
                                   tk_answers_field *field, tk_error *err);

/* 1 when in says the same as r's current answer (verdict, reason,
 * confirmer, date), else 0: re-importing a workbook does not repeat the
 * answers it carries. */
int tk_answers_same(const tk_answers_request *r, const tk_answers_input *in);

/* Records in as the answer to request r of s (borrowed, from
 * tk_answers_requests() on the same db), as actor, dated by its clock:
 * the answer, the triage decision it implies and the suppression asked
 * for, all or nothing. Inside the caller's transaction when there is
 * one (an import records every row in one), else in its own. On success
 * *id (may be NULL) is the answer's id. Returns TK_OK, TK_EINVAL (as
 * tk_answers_check()), TK_EFROZEN (the period was delivered: the
 * message names it), TK_ENOTFOUND (the case is no longer in the run) or
 * TK_EDB. */
TK_MUST_CHECK int tk_answers_record(tk_db *db, const tk_answers_set *s, const tk_answers_request *r,
                                    const tk_answers_input *in, const tk_actor *actor, int64_t *id,
                                    tk_error *err);

/* The answers of case case_id of period pr, oldest first, into *out
 * (owned array of *n: tk_answers_free()). Returns TK_OK, TK_EDB or
 * TK_ENOMEM. */
TK_MUST_CHECK int tk_answers_history(tk_db *db, const tk_period *pr, const char *case_id,
                                     tk_answers_answer **out, size_t *n, tk_error *err);

/* The current answers of period pr (the newest per case), by case id,
 * into *out (owned array of *n: tk_answers_free(); NULL when none).
 * Returns TK_OK, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_answers_list(tk_db *db, const tk_period *pr, tk_answers_answer **out,
                                  size_t *n, tk_error *err);

/* The period before pr (the newest analysed or answered period that ends
 * before pr begins) into *prev, for the report's 前回フォローアップ.
 * Returns TK_OK, TK_ENOTFOUND (none) or TK_EDB. */
TK_MUST_CHECK int tk_answers_previous_period(tk_db *db, const tk_period *pr, tk_period *prev,
                                             tk_error *err);

/* Counts of current answers per verdict, for one period, rule (or
 * "model") and 所属. */
typedef struct tk_answers_count {
    tk_period period;
    char kind[8];
    char *dept; /* owned; NULL when unknown */
    size_t n[TK_ANSWERS_NVERDICTS];
} tk_answers_count;

/* Frees an array from tk_answers_counts(). Accepts NULL. */
void tk_answers_counts_free(tk_answers_count *v, size_t n);

/* The current answers of the periods inside range (both ends included),
 * counted per period, rule and 所属 (the annual review), ordered by
 * period, rule and 所属, into *out (owned array of *n; NULL when none).
 * Returns TK_OK, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_answers_counts(tk_db *db, const tk_period *range, tk_answers_count **out,
                                    size_t *n, tk_error *err);

/* Creates the table. Idempotent. */
TK_MUST_CHECK int tk_answers_migrate(tk_db *db, tk_error *err);

#endif
