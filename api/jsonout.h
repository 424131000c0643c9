/* api/jsonout.h -- the JSON shapes of tenken's objects, for every surface.
 *
 * `--format json` of the CLI, the service's API and the reports build
 * their documents with these functions, so that an item, a run or a page
 * has one shape wherever it is read (docs/openapi.yaml describes it).
 * Scores are given with one decimal, as listed; days as YYYY-MM-DD;
 * times as ISO 8601 in JST.
 *
 * Every function returns a new reference (owned: json_decref()) or NULL
 * when memory runs out. Thread-safe: no shared state. */
#ifndef TK_JSONOUT_H
#define TK_JSONOUT_H

#include <jansson.h>
#include <stdint.h>

#include "models/analysis.h"
#include "models/bsettings.h"
#include "models/completeness.h"
#include "models/anomalies.h"
#include "models/evidence.h"
#include "src/uploads.h"
#include "models/suppress.h"
#include "models/tuning.h"
#include "src/profstore.h"
#include "models/entity.h"
#include "models/trends.h"
#include "models/periods.h"
#include "src/master.h"
#include "models/answers.h"
#include "api/jsontext.h"
#include "api/xlsx.h"
#include "api/server.h"

/* A run: id, period, baseline, created_at, events, items, notes (the
 * array of one-line strings; [] when there are none), options (the
 * analysis options it was run with: seed, trees, sample_size,
 * min_model_score, min_period_score, custom_rules; null for runs stored
 * before they were recorded) and started_by (null when unknown). */
json_t *tk_jsonout_run(const tk_anomalies_run *r);

/* A period: period, first_day, last_day, status (open, analysed,
 * delivered), frozen, runs (how many), latest_run (null, or id,
 * created_at, started_by, cases and cases_by_status {new, investigating,
 * confirmed, false_positive}), delivered_at and delivered_by (null when
 * not delivered or not recorded). */
json_t *tk_jsonout_period(const tk_periods_entry *e);

/* An item (a case): rank, entity_type, entity_id, day (its worst day; null
 * for a period case), from, to, days, score, source, rule_id (the leading
 * rule), severity, rules (every rule among its findings), findings_total,
 * summary, dept, systems, status and triage (null, or decided_by,
 * decided_at and comment); when the item has its explanation
 * (tk_anomalies_get()), findings (each with source, rule_id, day_from,
 * day_to, severity, score, summary, evidence and evidence_total) and the
 * explanation. */
json_t *tk_jsonout_item(const tk_anomalies_item *it);

/* A page of run r: run, period, total, next_cursor (null on the last
 * page), items and the run's notes. */
json_t *tk_jsonout_page(const tk_anomalies_run *r, const tk_anomalies_page *p);

/* Appends to out (borrowed) the text of tk_jsonout_page(r, p) as
 * json_dumps(JSON_COMPACT | JSON_REAL_PRECISION(15)) gives it, each item
 * with "id": "RUN-RANK" last when ids is set (as the service's
 * tk_handler_set_item_id() adds it), written straight into the buffer:
 * a page is the service's most frequent answer. Returns 0, or -1 when
 * memory runs out (out->nomem). */
int tk_jsonout_page_text(const tk_anomalies_run *r, const tk_anomalies_page *p, int ids,
                         tk_jsontext *out);

/* A triage decision: status, comment, decided_by, role, decided_at. */
json_t *tk_jsonout_decision(const tk_anomalies_decision *d);

/* A stored profile's version: name, version, created_at, created_by,
 * sha256, systems (array), in_force, deleted_at and deleted_by (null
 * unless deleted). */
json_t *tk_jsonout_profile(const tk_profstore_entry *e);

/* An entity's profile (docs/entities.md): entity_type, entity_id,
 * period, baseline, features ("stored" or "computed"), dept, master,
 * measures, baseline_band, active_days, days (day, active, closed,
 * values, peers), time_of_day, systems and cases (items with their id).
 * Band values are rounded to 3 decimals. */
json_t *tk_jsonout_entity(const tk_entity *e);

/* Trends: range, by (the keys), runs, total and groups (each with one
 * member per key, cases, findings, score_mean, score_median, score_max;
 * scores with one decimal). */
json_t *tk_jsonout_trends(const tk_trends *t);

/* A time in Unix ms as ISO 8601 JST, or null for 0. */
json_t *tk_jsonout_time(int64_t unix_ms);

/* One log row behind an item (`tenken events --format json`, the API's
 * evidence): absent values are null. */
json_t *tk_jsonout_evidence_row(const tk_evidence_row *r);
/* One upload (`tenken uploads --format json`, GET /api/v1/uploads):
 * report is what "error_report" says (the report's path for the CLI, its
 * URL for the service; NULL: null). Times are ISO 8601 in JST, null when
 * unknown; time_from/time_to only when rows were accepted. */
json_t *tk_jsonout_upload(const tk_upload_info *u, const char *report);
/* The summary of a finished analysis: run id, period's counts, cases,
 * notes (an array of strings), seconds. */
json_t *tk_jsonout_analysis_summary(const tk_analysis_summary *s);

/* A 0-100 score as listed: one decimal, never -0.0. */
double tk_jsonout_score(double x);

/* The rule configuration in force: tenant (NULL: omitted), version (null
 * for the defaults of a store that has none), changed_at, changed_by,
 * source, disabled, changed and rules: the catalogue of
 * tk_rulecat_export_json() with, per rule, default_enabled, changed,
 * version, changed_at and changed_by (the version from which the rule has
 * its present values) and per parameter changed. */
json_t *tk_jsonout_rules(const char *tenant, const tk_tuning_rules *s);

/* Rule i of s, as one element of tk_jsonout_rules()'s "rules". */
json_t *tk_jsonout_rule(const tk_tuning_rules *s, size_t i);

/* A stored version of the rule configuration: id, created_at, created_by,
 * kind ("set" or "reset"), source, in_force, disabled, changed, problem. */
json_t *tk_jsonout_rule_version(const tk_tuning_version *v);

/* A suppression: id, rule_id, entity_type, entity_id, reason, created_by,
 * created_at, expires (YYYY-MM-DD, the last day of findings it covers)
 * and item (the "RUN-RANK" it came from, or null). */
json_t *tk_jsonout_suppression(const tk_suppression *s);

/* A preview of a rule configuration: seconds and periods, each with
 * period, findings and cases ({"before", "after"}), added and removed
 * (cases: rule_id (null for a models-only case), entity_type, entity_id,
 * from, to, score, severity) and seconds. */
json_t *tk_jsonout_preview(const tk_tuning_preview *p);

/* ---- master data ---- */

/* A master data version: {id, kind, effective_from, imported_at,
 * imported_by (null before importers were recorded), file, sha256,
 * encoding, mapping (null: canonical header), rows}. */
json_t *tk_jsonout_master_version(const tk_master_version *v);

/* One stored row of a version: {line, KEY: value-or-null, ...}. */
json_t *tk_jsonout_master_row(const tk_master_row *row);

/* What an import did: {id, kind, effective_from, imported_at, sha256,
 * encoding, rows, rows_before, warning (null when none)}. */
json_t *tk_jsonout_master_import(const tk_master_import_result *r);

/* The baseline settings in force (models/bsettings.h): tenant (NULL:
 * omitted), version (null: the defaults, never stored), changed_at,
 * changed_by, kind ("set", "reset" or null), values ({name: value}) and
 * settings (per setting: name, value, default, changed, min, max,
 * integer, unit, description). */
json_t *tk_jsonout_bsettings(const char *tenant, const tk_bsettings_version *v);

/* A stored version of the baseline settings: id, created_at, created_by,
 * kind ("set" or "reset"), change (the JSON object of the change, or
 * null for a reset), in_force and values. */
json_t *tk_jsonout_bsettings_version(const tk_bsettings_version *v);

/* ---- completeness ---- */

/* The system x day grid of a period (models/completeness.h): period,
 * first_day, last_day, today, plan (null, or upload_deadline and
 * delivery_due), total, missing, low, absent, days ([{day, open}]) and
 * systems ([{system, rows, normal, missing, low, absent, rows_by_day:
 * [n per day], flags: ["ok"|"closed"|"missing"|"low"|"future" per
 * day]}]). */
json_t *tk_jsonout_completeness(const tk_completeness *c, int64_t today);

/* ---- confirmations (models/answers, api/xlsx) ---- */

/* An answer: case_id, verdict ("justified", ...), verdict_ja ("正当", ...),
 * reason, confirmed_by, confirmed_on (YYYY-MM-DD), recorded_by, via,
 * recorded_at, suppression (its id, or null). */
json_t *tk_jsonout_answer(const tk_answers_answer *a);

/* A request: case_id, no, item (RUN-RANK), rank, entity_type, entity,
 * dept, systems, rule (null for a models-only case), severity, score,
 * summary, first_day, last_day, status (triage) and answer (null when
 * none). */
json_t *tk_jsonout_request(const tk_answers_request *r);

/* The requests of a period: tenant, period, run, total, answered,
 * items. */
json_t *tk_jsonout_confirmations(const char *tenant, const tk_answers_set *s);

/* An import: period, run, rows, recorded, unchanged, blank, and issues
 * (sheet, row, column, message). */
json_t *tk_jsonout_xlsx_result(const tk_xlsx_result *r);

/* The streamed requests in progress of tenant (borrowed) on s, oldest
 * first, as GET /api/v1/uploads's "in_progress" lists them: only those
 * of kind (borrowed; "master", or "" for log uploads) when kind is not
 * NULL. A new array (owned; at most 16 entries). */
json_t *tk_jsonout_streams(tk_server *s, const char *tenant, const char *kind);

#endif
