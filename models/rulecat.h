/* models/rulecat.h -- the rule catalogue (点検項目) and a tenant's configuration of it.
 *
 * The catalogue is a static table: one rule per inspection item of the
 * domain (R01-R29 carry the item number of DOMAIN.md's table, R27 is not
 * implemented) plus chain and identity rules (R30, R31). Each rule has an
 * id, Japanese and English names, a Japanese description, a severity, the
 * master-data kinds it needs and typed parameters with defaults and
 * ranges. docs/rules.md is the analysts' page.
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
 * Thread-safety: the catalogue functions are pure. A config is not
 * thread-safe while it is being changed; once built it may be read by any
 * number of threads. */
#ifndef TK_RULECAT_H
#define TK_RULECAT_H

#include <stddef.h>
#include <stdint.h>

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

/* Longest rule id, terminating NUL included ("R31"). */
#define TK_RULECAT_ID_SIZE 8

/* One parameter of a rule. Static, borrowed. */
typedef struct tk_rulecat_param {
    const char *name;    /* JSON key, e.g. "min_residents" */
    int type;            /* TK_RULECAT_INT, _REAL or _BOOL */
    double def;          /* default (DOMAIN.md's initial threshold) */
    double min, max;     /* allowed range, inclusive */
    const char *unit;    /* "人", "分", "日", "件", "時間", "%", "倍", "" */
    const char *desc_ja; /* one line */
} tk_rulecat_param;

/* One rule. Static, borrowed. */
typedef struct tk_rulecat_rule {
    const char *id;       /* "R03" */
    int item;             /* DOMAIN.md inspection item; 30 for the chain R30, 0 for R31 */
    const char *name_ja;  /* "大量照会" */
    const char *name_en;  /* "bulk lookups" */
    const char *desc_ja;  /* what fires, in a sentence or two */
    int severity;         /* default TK_RULECAT_* */
    int entity;           /* TK_RULECAT_USER ... : what its findings are about */
    int enabled;          /* enabled by default */
    const char *needs;    /* master-data kinds it uses, comma-separated ("staff,overtime") */
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
 * --format json` and the API: {"rules": [{"id", "item", "name_ja",
 * "name_en", "description", "severity", "default_severity", "entity",
 * "enabled", "needs": [...], "legitimised_by", "params": [{"name",
 * "type", "default", "value", "min", "max", "unit", "description"}]}]}.
 * *out is an owned string: free() it. Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rulecat_export_json(const tk_rulecat_config *c, char **out, tk_error *err);

#endif
