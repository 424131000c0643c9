/* models/tuning.h -- reading and changing a tenant's rule configuration:
 * the service the CLI (`tenken rules`) and the API (/api/v1/rules) share.
 *
 * models/rulecat holds the catalogue, the validation and the versioned
 * table rule_configs; this module answers "what is in force, since when,
 * set by whom" per rule, changes one rule (its enabled state, severity or
 * parameters) as a new version, resets one rule or all, and lists the
 * versions. Every change is validated by models/rulecat exactly as a
 * whole document is (the message names the JSON path of the parameter and
 * the accepted range), runs in one write transaction and is dated by the
 * actor's clock and signed with its name.
 *
 * Not thread-safe per connection. */
#ifndef TK_TUNING_H
#define TK_TUNING_H

#include <stddef.h>
#include <stdint.h>

#include "models/analysis.h"
#include "models/rulecat.h"
#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"
#include "src/period.h"
#include "src/tenant.h"

/* Who changed a rule (or the configuration) last, and when. */
typedef struct tk_tuning_change {
    int64_t version; /* the version that made it so; 0: never changed (defaults) */
    int64_t at;      /* Unix ms; 0 with version 0 */
    char *by;        /* owned; NULL when not recorded */
} tk_tuning_change;

/* The configuration in force. */
typedef struct tk_tuning_rules {
    tk_rulecat_config *config; /* owned */
    tk_tuning_change head;     /* the version in force */
    char *source;              /* owned; what the version in force was set from, or NULL */
    int reset;                 /* 1: the version in force is a reset to the defaults */
    size_t disabled, changed;  /* tk_rulecat_config_summary() */
    /* Per rule of the catalogue (tk_rulecat_count()): the version from
     * which the rule has had its present enabled state, severity and
     * parameters. */
    tk_tuning_change *rule;
} tk_tuning_rules;

/* Reads the configuration in force in db (borrowed; may be read-only)
 * inside one read transaction into *out (owned: tk_tuning_rules_dispose()).
 * Returns TK_OK, TK_EPARSE or TK_EINVAL (the stored version no longer
 * validates), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_tuning_rules_read(tk_db *db, tk_tuning_rules *out, tk_error *err);

/* Frees what s owns. Accepts NULL and a zeroed value. */
void tk_tuning_rules_dispose(tk_tuning_rules *s);

/* Changes rule rule_id (borrowed) by the JSON object json[0..len)
 * (untrusted): {"enabled": bool, "severity": "low".."critical", "params":
 * {name: number}}, each key optional, parameters not named kept. Stored as
 * a new version (source "rule R03") by actor. Returns TK_OK, TK_ENOTFOUND
 * (no such rule), TK_EPARSE (not JSON), TK_EINVAL (the message names the
 * path, e.g. "$.rules.R03.params.min_residents: 0 is out of range
 * (allowed: integer 1..1000000 人)"), TK_ENOMEM or TK_EDB. *id (may be
 * NULL) is the new version. */
TK_MUST_CHECK int tk_tuning_rule_set(tk_db *db, const char *rule_id, const char *json, size_t len,
                                     const tk_actor *actor, int64_t *id, tk_error *err);

/* Puts rule rule_id back to the catalogue's defaults (a new version;
 * other rules keep theirs). Returns as tk_tuning_rule_set(). */
TK_MUST_CHECK int tk_tuning_rule_reset(tk_db *db, const char *rule_id, const tk_actor *actor,
                                       int64_t *id, tk_error *err);

/* Stores the document of the file at path as the configuration in force
 * (tk_rulecat_save_file()), or (path NULL) resets every rule. Returns
 * those functions' codes. */
TK_MUST_CHECK int tk_tuning_rules_store(tk_db *db, const char *path, const tk_actor *actor,
                                        int64_t *id, tk_error *err);

/* One stored version. */
typedef struct tk_tuning_version {
    int64_t id;
    int64_t created_at; /* Unix ms */
    char *created_by;   /* owned; NULL when not recorded */
    char *source;       /* owned; NULL */
    int reset, in_force;
    size_t disabled, changed;
    char *problem; /* owned; why it no longer validates, or NULL */
} tk_tuning_version;

/* The versions of db, newest (in force) first, into *out (owned array of
 * *n: tk_tuning_versions_free()); none when nothing was stored. When
 * rule_id is not NULL, only the versions that changed that rule (its
 * enabled state, severity or a parameter) from the one before. Returns
 * TK_OK, TK_ENOTFOUND (rule_id names no rule), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_tuning_history(tk_db *db, const char *rule_id, tk_tuning_version **out,
                                    size_t *n, tk_error *err);

void tk_tuning_versions_free(tk_tuning_version *v, size_t n);

/* ---- preview ------------------------------------------------------------------ */

/* Most periods a preview re-analyses. */
#define TK_TUNING_PREVIEW_MAX 6

/* What a candidate configuration changes in one analysed period. */
typedef struct tk_tuning_preview_period {
    tk_period period;
    size_t findings_before, findings_after; /* rule items listed */
    size_t cases_before, cases_after;       /* cases of the ranked list */
    tk_analysis_case *added, *removed;      /* owned; cases only in after / only in before */
    size_t nadded, nremoved;
    double seconds;
} tk_tuning_preview_period;

typedef struct tk_tuning_preview {
    tk_tuning_preview_period *periods; /* owned; the newest analysed period first */
    size_t n;
    double seconds;
} tk_tuning_preview;

/* Re-analyses the last nperiods (1..TK_TUNING_PREVIEW_MAX) distinct
 * periods that tenant t (borrowed; may be open read-only) has analysis
 * runs of, twice each as dry runs (models/analysis.h: nothing is
 * written), once with the configuration in force and once with it
 * changed by rules_patch[0..len): a JSON object {"R03": {"enabled",
 * "severity", "params"}, ...} of per-rule changes as tk_tuning_rule_set()
 * takes them (NULL: no rule changed), and with the baseline settings in
 * force changed by baseline_patch[0..blen) (NULL: none), a JSON object as
 * tk_bsettings_change() takes it (a refused value's message names
 * "$.baseline.trees"). A case is identified by its leading rule ("" for the
 * models), entity and first day. *out is owned: tk_tuning_preview_dispose().
 * Returns TK_OK, TK_EPARSE, TK_EINVAL (a refused change: the message names
 * the JSON path and the range; nperiods out of range), TK_ENOTFOUND (no
 * analysed period), TK_ENOMEM, TK_EDB or an analysis error. */
TK_MUST_CHECK int tk_tuning_preview_run(tk_tenant *t, const char *rules_patch, size_t len,
                                        const char *baseline_patch, size_t blen, size_t nperiods,
                                        tk_tuning_preview *out, tk_error *err);

void tk_tuning_preview_dispose(tk_tuning_preview *p);

#endif
