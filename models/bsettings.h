/* models/bsettings.h -- a tenant's baseline settings: the baseline window,
 * the isolation forest's size, the listing thresholds and the count
 * models' options, validated and stored as versions (who and when).
 *
 * Each setting has a default and a documented range (the table below,
 * tk_bsettings_param_at()). A change is a JSON object naming any subset of
 * the settings ({"trees": 200, "min_model_score": null}: null puts one
 * back to its default); it is applied to the version in force, checked
 * and stored as a new version in one write transaction, dated by the
 * actor's clock and signed with its name. A reset stores the defaults as
 * a new version. tk_analysis_run() (models/analysis.h) uses the version in
 * force unless its caller passes settings or explicit options, and notes
 * the version it used on the run. The analyst's guide is
 * docs/baselines.md. Not thread-safe per connection. */
#ifndef TK_BSETTINGS_H
#define TK_BSETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "models/baseline.h"
#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"

/* The settings, in the order of the table. */
enum {
    TK_BS_BASELINE_DAYS,    /* days of the baseline window before the period */
    TK_BS_TREES,            /* isolation forest trees */
    TK_BS_SAMPLE,           /* isolation forest sample size (rows per tree) */
    TK_BS_MIN_MODEL_SCORE,  /* day model items below are not listed */
    TK_BS_MIN_PERIOD_SCORE, /* period model items below are not listed */
    TK_BS_SHRINK_DAYS,      /* tk_baseline_options.shrink_days */
    TK_BS_Z_CAP,            /* tk_baseline_options.z_cap */
    TK_BS_OVERDISPERSION,   /* tk_baseline_options.overdispersion */
    TK_BS_LR_ALPHA,         /* tk_baseline_options.lr_alpha */
    TK_BS_PRIOR_MIN_DAYS,   /* tk_baseline_options.prior_min_days */
    TK_BS_PRIOR_MAX_DAYS,   /* tk_baseline_options.prior_max_days */
    TK_BS_PRIOR_MIN_SHAPE,  /* tk_baseline_options.prior_min_shape */
    TK_BS_COUNT
};

/* One setting of the table. */
typedef struct tk_bsettings_param {
    const char *name; /* "min_model_score" */
    int integer;      /* 1: a whole number */
    double min, max;  /* both allowed */
    double def;
    const char *unit; /* "days", "" */
    const char *what; /* one line */
} tk_bsettings_param;

/* Setting i (< TK_BS_COUNT; static). */
const tk_bsettings_param *tk_bsettings_param_at(size_t i);

/* The index of the setting named name[0..len) ('-' reads as '_'), or
 * SIZE_MAX. */
size_t tk_bsettings_find(const char *name, size_t len);

typedef struct tk_bsettings {
    double v[TK_BS_COUNT];
} tk_bsettings;

/* The defaults of the table. */
void tk_bsettings_defaults(tk_bsettings *s);

/* Whether setting i of s is its default. */
int tk_bsettings_is_default(const tk_bsettings *s, size_t i);

/* Parses text (untrusted) as the value of setting i into *v. Returns TK_OK
 * or TK_EINVAL: "5 is out of range (allowed: integer 10..1000 trees)", "x is
 * not a number" (without the setting's name: the caller prefixes it). */
TK_MUST_CHECK int tk_bsettings_parse_value(size_t i, const char *text, double *v, tk_error *err);

/* Applies the change json[0..len) (untrusted; a JSON object, as above) to
 * *s. Returns TK_OK, TK_EPARSE (not JSON: line and column) or TK_EINVAL;
 * the message starts with the setting's JSON path and gives the value and
 * the range ("$.trees: 5 is out of range (allowed: integer 10..1000
 * trees)"). On failure *s is unchanged. */
TK_MUST_CHECK int tk_bsettings_apply(tk_bsettings *s, const char *json, size_t len, tk_error *err);

/* The count models' options of s (the fields the table does not name keep
 * TK_BASELINE_OPTIONS_INIT's values). */
void tk_bsettings_counts(const tk_bsettings *s, tk_baseline_options *out);

/* "trees 200, min_model_score 60" for the settings that differ from the
 * defaults, or "the defaults", into buf[0..cap). */
void tk_bsettings_describe(const tk_bsettings *s, char *buf, size_t cap);

/* One stored version (or, with id 0, the defaults never stored). */
typedef struct tk_bsettings_version {
    int64_t id;
    int64_t created_at; /* Unix ms; 0 with id 0 */
    char *created_by;   /* owned; NULL when not recorded */
    char *change;       /* owned; the change as JSON, or "reset"; NULL with id 0 */
    int reset;
    int in_force;
    tk_bsettings s;
} tk_bsettings_version;

void tk_bsettings_version_dispose(tk_bsettings_version *v);

/* The version in force in db (borrowed; may be read-only) into *out
 * (owned: tk_bsettings_version_dispose()). Returns TK_OK, TK_EINVAL (the
 * stored version no longer validates: the message says so), TK_ENOMEM or
 * TK_EDB. */
TK_MUST_CHECK int tk_bsettings_read(tk_db *db, tk_bsettings_version *out, tk_error *err);

/* Applies json[0..len) (as tk_bsettings_apply()) to the version in force
 * and stores the result as a new version by actor (borrowed; may be NULL),
 * in one write transaction. *id (may be NULL) is the new version. Returns
 * TK_OK, TK_EPARSE, TK_EINVAL (nothing stored), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_bsettings_change(tk_db *db, const char *json, size_t len,
                                      const tk_actor *actor, int64_t *id, tk_error *err);

/* Stores the defaults as a new version (a reset). As tk_bsettings_change(). */
TK_MUST_CHECK int tk_bsettings_reset(tk_db *db, const tk_actor *actor, int64_t *id, tk_error *err);

/* The stored versions, newest (in force) first, into *out (owned array of
 * *n: tk_bsettings_versions_free()); none when nothing was stored.
 * Returns TK_OK, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_bsettings_history(tk_db *db, tk_bsettings_version **out, size_t *n,
                                       tk_error *err);

void tk_bsettings_versions_free(tk_bsettings_version *v, size_t n);

/* Creates the table baseline_settings. Idempotent. */
TK_MUST_CHECK int tk_bsettings_migrate(tk_db *db, tk_error *err);

#endif
