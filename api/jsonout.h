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

#include "models/anomalies.h"
#include "models/entity.h"
#include "models/trends.h"

/* A run: id, period, baseline, created_at, events, items and notes (the
 * array of one-line strings; [] when there are none). */
json_t *tk_jsonout_run(const tk_anomalies_run *r);

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

/* A triage decision: status, comment, decided_by, role, decided_at. */
json_t *tk_jsonout_decision(const tk_anomalies_decision *d);

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

/* A 0-100 score as listed: one decimal, never -0.0. */
double tk_jsonout_score(double x);

#endif
