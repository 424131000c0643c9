/* models/rulecat.h -- the rule catalogue (点検項目) and a tenant's configuration of it.
 *
 * The catalogue is a static table: one rule per inspection item of the
 * domain (R01-R29 carry the number of their inspection item, docs/rules.md) plus chain
 * and identity rules (R30, R31) and the address-block sweep (R32). Each
 * rule has an id, Japanese and English names, a Japanese description, a
 * severity, the master-data kinds it
 * needs and typed parameters with defaults and ranges. docs/rules.md is
 * the analysts' page.
 *
 * A tk_rulecat_config is one tenant's choice: which rules are enabled,
 * their severities and parameter values. It starts from the catalogue's
 * defaults and is changed by a JSON document (untrusted input, validated
 * strictly: an unknown rule, key or parameter, a wrong type or a value
 * out of range is refused with a message naming the JSON path and what is
 * allowed) or programmatically by the setters.
 *
 *   {"version": 1,
 *    "rules": {"R03": {"enabled": true, "severity": "high",
 *                      "params": {"min_residents": 250}},
 *              "R08": {"enabled": false}}}
 *
 * A tenant keeps its configuration in its store (table rule_configs, owned
 * by this module), versioned: every change -- a document set by an
 * analyst, or a reset to the defaults -- is a new row, the newest row is in
 * force, and nothing is ever updated or deleted, so the history of what
 * was in force when stays readable. A stored document is kept as given
 * (after validation): rules and parameters it does not name follow the
 * catalogue's defaults.
 *
 * Thread-safety: the catalogue functions are pure. A config is not
 * thread-safe while it is being changed; once built it may be read by any
 * number of threads. The storage functions use the caller's connection
 * (one thread at a time, as src/db.h says). */
#ifndef TK_RULECAT_H
#define TK_RULECAT_H

#include <stddef.h>
#include <stdint.h>

#include "src/db.h"
#include "src/error.h"

/* Severities, mildest first. The numbers order findings; they are not
 * stored (storage uses the names). */
enum { TK_RULECAT_LOW = 1, TK_RULECAT_MEDIUM = 2, TK_RULECAT_HIGH = 3, TK_RULECAT_CRITICAL = 4 };

/* Parameter types. Values are held as double whatever the type: an INT
 * is integral, a BOOL is 0 or 1. */
enum { TK_RULECAT_INT = 1, TK_RULECAT_REAL = 2, TK_RULECAT_BOOL = 3 };

/* Entity types of findings (what a rule's finding is about). */
enum {
    TK_RULECAT_USER = 1,
    TK_RULECAT_TERMINAL = 2,
    TK_RULECAT_RESIDENT = 3,
    TK_RULECAT_SYSTEM = 4
};

/* Longest rule id, terminating NUL included ("R32"). */
#define TK_RULECAT_ID_SIZE 8

/* One parameter of a rule. Static, borrowed. */
typedef struct tk_rulecat_param {
    const char *name;    /* JSON key, e.g. "min_residents" */
    int type;            /* TK_RULECAT_INT, _REAL or _BOOL */
    double def;          /* default (the inspection item's initial threshold) */
    double min, max;     /* allowed range, inclusive */
    const char *unit;    /* "人", "分", "日", "件", "時間", "%", "倍", "" */
    const char *desc_ja; /* one line */
} tk_rulecat_param;

/* One rule. Static, borrowed. */
typedef struct tk_rulecat_rule {
    const char *id;      /* "R03" */
    int item;            /* inspection item (docs/rules.md); 30 for the chain R30, 0 for R31, R32 */
    const char *name_ja; /* "大量照会" */
    const char *name_en; /* "bulk lookups" */
    const char *desc_ja; /* what fires, in a sentence or two */
    int severity;        /* default TK_RULECAT_* */
    int entity;          /* TK_RULECAT_USER ... : what its findings are about */
    int enabled;         /* enabled by default */
    const char *needs;   /* master-data kinds it uses, comma-separated ("staff,overtime") */
    const char *legit_ja; /* what legitimises a hit (master data), or "" */
    const tk_rulecat_param *params;
    size_t nparams;
} tk_rulecat_rule;

/* Number of rules in the catalogue, and rule i (0 <= i < count), in id
 * order. Never NULL for a valid i. */
size_t tk_rulecat_count(void);
const tk_rulecat_rule *tk_rulecat_rule_at(size_t i);

/* Index of the rule with id p[0..len) (exact, case-sensitive), or
 * SIZE_MAX. */
size_t tk_rulecat_find(const char *p, size_t len);

/* Index of parameter name (NUL-terminated) of rule i, or SIZE_MAX. */
size_t tk_rulecat_find_param(size_t rule, const char *name);

/* "low", "medium", "high", "critical" (static; "?" otherwise), the
 * Japanese "低", "中", "高", "重大", and the parser of the English names
 * (returns TK_RULECAT_* or 0). */
const char *tk_rulecat_severity_name(int severity);
const char *tk_rulecat_severity_ja(int severity);
int tk_rulecat_severity_parse(const char *p, size_t len);

/* "user", "terminal", "resident", "system" (static; "?" otherwise). */
const char *tk_rulecat_entity_name(int entity);

/* ---- configuration -------------------------------------------------------- */

typedef struct tk_rulecat_config tk_rulecat_config;

/* Creates a config holding the catalogue's defaults. *out is an owned
 * result: tk_rulecat_config_destroy(). Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rulecat_config_create(tk_rulecat_config **out, tk_error *err);

/* Creates a config from the defaults changed by the JSON document
 * json[0..len) (borrowed, untrusted; rules not named keep their defaults).
 * *out is an owned result; NULL on failure.
 * Returns TK_OK, TK_EPARSE (not JSON: the message gives line and column)
 * or TK_EINVAL (valid JSON that breaks the schema: the message names the
 * path, e.g. "$.rules.R03.params.min_residents: 0 is out of range
 * (allowed: integer 1..1000000 人)"); TK_ENOMEM. */
TK_MUST_CHECK int tk_rulecat_config_parse(tk_rulecat_config **out, const char *json, size_t len,
                                          tk_error *err);

/* Same for the file at path (borrowed; at most 1 MiB). TK_EIO when the
 * file cannot be read; messages are prefixed with the path. */
TK_MUST_CHECK int tk_rulecat_config_load(tk_rulecat_config **out, const char *path, tk_error *err);

/* Frees c. Accepts NULL. */
void tk_rulecat_config_destroy(tk_rulecat_config *c);

/* A copy of c (owned result). Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rulecat_config_copy(tk_rulecat_config **out, const tk_rulecat_config *c,
                                         tk_error *err);

/* Setters, for programs and tests. rule_id and param are borrowed
 * NUL-terminated strings. Return TK_OK or TK_EINVAL (unknown rule or
 * parameter, bad severity, value of the wrong type or out of range: the
 * message says what is allowed); c is unchanged on error. */
TK_MUST_CHECK int tk_rulecat_config_set_enabled(tk_rulecat_config *c, const char *rule_id,
                                                int enabled, tk_error *err);
TK_MUST_CHECK int tk_rulecat_config_set_severity(tk_rulecat_config *c, const char *rule_id,
                                                 int severity, tk_error *err);
TK_MUST_CHECK int tk_rulecat_config_set_param(tk_rulecat_config *c, const char *rule_id,
                                              const char *param, double value, tk_error *err);

/* Getters by index (rule < tk_rulecat_count(), param < the rule's
 * nparams; asserted). */
int tk_rulecat_config_enabled(const tk_rulecat_config *c, size_t rule);
int tk_rulecat_config_severity(const tk_rulecat_config *c, size_t rule);
double tk_rulecat_config_param(const tk_rulecat_config *c, size_t rule, size_t param);

/* The configuration as a JSON document in the input format, every rule
 * and parameter written out (parsing it gives an equal config). *out is an
 * owned NUL-terminated string: free() it. Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rulecat_config_json(const tk_rulecat_config *c, char **out, tk_error *err);

/* The catalogue with c's values (c NULL: the defaults), for `tenken rules
 * list --format json` and the API: {"rules": [{"id", "item", "name_ja",
 * "name_en", "description", "severity", "default_severity", "entity",
 * "enabled", "needs": [...], "legitimised_by", "params": [{"name",
 * "type", "default", "value", "min", "max", "unit", "description"}]}]}.
 * *out is an owned string: free() it. Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rulecat_export_json(const tk_rulecat_config *c, char **out, tk_error *err);

/* How far c is from the defaults, in rules: *disabled counts the rules
 * switched off that are on by default; *changed the other rules whose
 * enabled state, severity or a parameter differs from the default (the two
 * counts never overlap). Both pointers are borrowed and required. */
void tk_rulecat_config_summary(const tk_rulecat_config *c, size_t *disabled, size_t *changed);

/* ---- the configuration stored per tenant ---------------------------------- */

/* Creates the table rule_configs in db (borrowed) if missing. Idempotent.
 * The save and reset functions call it; readers do not need it (a store
 * without the table has the defaults in force). Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_rulecat_migrate(tk_db *db, tk_error *err);

/* Validates the document json[0..len) (borrowed, untrusted) exactly as
 * tk_rulecat_config_parse() does and stores it as a new version, in force
 * from now on. source names where it came from (a file's base name; NULL:
 * none), by who set it (free text; NULL or "": not recorded), unix_ms when;
 * both strings borrowed. *id (id may be NULL) is the new version's id.
 * Returns TK_OK, TK_EPARSE or TK_EINVAL (the document is refused with
 * tk_rulecat_config_parse()'s message and nothing is stored), TK_ERANGE
 * (too long to store), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_rulecat_save(tk_db *db, const char *json, size_t len, const char *source,
                                  const char *by, int64_t unix_ms, int64_t *id, tk_error *err);

/* Same for the file at path (borrowed), read and validated as
 * tk_rulecat_config_load() does -- same limits, same messages, prefixed
 * with the path -- and stored with the file's base name as its source.
 * Returns those codes and TK_EIO (the file cannot be read). */
TK_MUST_CHECK int tk_rulecat_save_file(tk_db *db, const char *path, const char *by, int64_t unix_ms,
                                       int64_t *id, tk_error *err);

/* Stores a new version that puts the catalogue's defaults back in force
 * (the document {"version": 1}, marked as a reset); earlier versions are
 * kept. by, unix_ms and id as for tk_rulecat_save().
 * Returns TK_OK, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_rulecat_reset(tk_db *db, const char *by, int64_t unix_ms, int64_t *id,
                                   tk_error *err);

/* The configuration in force in db (borrowed; may be read-only): the
 * newest stored version, or the defaults when none was ever stored. *out
 * is an owned result (tk_rulecat_config_destroy(); NULL on failure);
 * *version (version may be NULL) is the version's id, 0 for the defaults
 * of a store that has none.
 * Returns TK_OK, TK_EPARSE or TK_EINVAL (the stored document no longer
 * validates, e.g. after a catalogue change: the message names the version
 * and says what is wrong), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_rulecat_in_force(tk_db *db, tk_rulecat_config **out, int64_t *version,
                                      tk_error *err);

/* One stored version, as tk_rulecat_list_versions() reports it. Every
 * string is borrowed and valid only during the callback. */
typedef struct tk_rulecat_version {
    int64_t id;
    int64_t created_at;     /* Unix ms */
    const char *created_by; /* NULL when not recorded */
    const char *source;     /* the file's base name, or NULL */
    int reset;              /* 1: a reset to the defaults */
    int in_force;           /* 1 for the newest version */
    const char *config;     /* the stored document */
    /* tk_rulecat_config_summary() of the document; both 0 when it no
     * longer validates, and problem then says why (else NULL). */
    size_t disabled, changed;
    const char *problem;
} tk_rulecat_version;

/* Called once per version; a return value other than 0 stops the listing
 * and becomes tk_rulecat_list_versions()'s result. */
typedef int (*tk_rulecat_version_fn)(void *ctx, const tk_rulecat_version *v);

/* Calls fn(ctx, v) for each stored version of db (borrowed; may be
 * read-only), newest (the one in force) first; nothing when none is
 * stored. ctx is passed through.
 * Returns TK_OK, fn's non-zero value, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_rulecat_list_versions(tk_db *db, tk_rulecat_version_fn fn, void *ctx,
                                           tk_error *err);

#endif
