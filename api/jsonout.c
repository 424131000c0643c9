/* api/jsonout.c -- JSON shapes of runs, items, pages and decisions.
 *
 * Builders only: they read the models' structs and never touch a store.
 * The explanation is stored as JSON text; it is parsed back and embedded,
 * with its model score rounded like the item's score. Stored notes that
 * fail to parse (a damaged row) are given as an empty array rather than
 * failing the whole document: the list itself is intact. */
#include "api/jsonout.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/mastersnap.h"

#include "src/period.h"
#include "src/timefmt.h"

double tk_jsonout_score(double x)
{
    return round(x * 10) / 10 + 0.0;
}

json_t *tk_jsonout_time(int64_t unix_ms)
{
    char buf[TK_TIME_ISO_SIZE];
    if (unix_ms == 0 || tk_time_format_iso(unix_ms, buf, sizeof buf) == 0)
        return json_null();
    return json_string(buf);
}

static json_t *period_json(const tk_period *p)
{
    char buf[32];
    tk_period_format(p, buf, sizeof buf);
    return json_string(buf);
}

static json_t *opt_string(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *notes_json(const char *notes)
{
    json_error_t je;
    json_t *a = notes ? json_loads(notes, 0, &je) : NULL;
    if (json_is_array(a))
        return a;
    json_decref(a);
    return json_array();
}

json_t *tk_jsonout_run(const tk_anomalies_run *r)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "period", period_json(&r->period));
    json_object_set_new(o, "baseline", period_json(&r->baseline));
    json_object_set_new(o, "created_at", tk_jsonout_time(r->created_at));
    json_object_set_new(o, "events", json_integer(r->events));
    json_object_set_new(o, "items", json_integer((json_int_t)r->items));
    json_object_set_new(o, "notes", notes_json(r->notes));
    return o;
}

/* Rounds o's number `key`, when it has one, as scores are listed. */
static void round_score(json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_number(v))
        json_object_set_new(o, key, json_real(tk_jsonout_score(json_number_value(v))));
}

json_t *tk_jsonout_item(const tk_anomalies_item *it)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "rank", json_integer(it->rank));
    json_object_set_new(o, "entity_type", json_string(it->entity_type));
    json_object_set_new(o, "entity_id", json_string(it->entity));
    if (it->day == TK_ANOMALIES_PERIOD_ITEM) {
        json_object_set_new(o, "day", json_null());
    } else {
        char day[16];
        tk_period_format_day(it->day, day, sizeof day);
        json_object_set_new(o, "day", json_string(day));
    }
    char from[16], to[16];
    tk_period_format_day(it->first_day, from, sizeof from);
    tk_period_format_day(it->last_day, to, sizeof to);
    json_object_set_new(o, "from", json_string(from));
    json_object_set_new(o, "to", json_string(to));
    json_object_set_new(o, "days", json_integer((json_int_t)it->days));
    json_object_set_new(o, "score", json_real(tk_jsonout_score(it->score)));
    json_object_set_new(o, "source", json_string(it->model ? "model" : "rule"));
    json_object_set_new(o, "rule_id", opt_string(it->rule_id));
    json_object_set_new(o, "severity", opt_string(it->severity));
    json_t *rules = json_array();
    for (const char *p = it->rules; rules && p && *p;) {
        const char *e = strchr(p, ',');
        const size_t len = e ? (size_t)(e - p) : strlen(p);
        json_array_append_new(rules, json_stringn(p, len));
        p = e ? e + 1 : p + len;
    }
    json_object_set_new(o, "rules", rules);
    json_object_set_new(o, "findings_total", json_integer((json_int_t)it->findings));
    json_object_set_new(o, "summary", json_string(it->summary));
    json_object_set_new(o, "dept", opt_string(it->dept));
    json_t *sys = json_array();
    for (size_t i = 0; sys && i < it->nsystems; i++)
        json_array_append_new(sys, json_string(it->systems[i]));
    json_object_set_new(o, "systems", sys);
    json_object_set_new(o, "status", json_string(tk_anomalies_status_name(it->status)));
    if (it->decided_by) {
        json_t *t = json_object();
        json_object_set_new(t, "decided_by", json_string(it->decided_by));
        json_object_set_new(t, "decided_at", tk_jsonout_time(it->decided_at));
        json_object_set_new(t, "comment", opt_string(it->comment));
        json_object_set_new(o, "triage", t);
    } else {
        json_object_set_new(o, "triage", json_null());
    }
    if (it->explanation) {
        json_error_t je;
        json_t *ex = json_loads(it->explanation, 0, &je);
        round_score(ex, "model_score");
        /* The case's findings, each with its days, severity, score,
         * summary and evidence ids; a run stored before cases has one,
         * the item itself. */
        json_t *fl = json_object_get(ex, "findings");
        if (json_is_array(fl)) {
            for (size_t i = 0; i < json_array_size(fl); i++)
                round_score(json_array_get(fl, i), "score");
            json_object_set(o, "findings", fl);
        } else {
            json_t *f = json_object();
            json_object_set_new(f, "source", json_string(it->model ? "model" : "rule"));
            json_object_set_new(f, "rule_id", opt_string(it->rule_id));
            json_object_set_new(f, "day_from", json_string(from));
            json_object_set_new(f, "day_to", json_string(to));
            json_object_set_new(f, "severity", opt_string(it->severity));
            json_object_set_new(f, "score", json_real(tk_jsonout_score(it->score)));
            json_object_set_new(f, "summary", json_string(it->summary));
            json_t *ev = json_object_get(ex, "evidence");
            json_object_set(f, "evidence", json_is_array(ev) ? ev : json_array());
            json_object_set(f, "evidence_total", json_object_get(ex, "evidence_total"));
            fl = json_array();
            json_array_append_new(fl, f);
            json_object_set_new(o, "findings", fl);
        }
        json_object_set_new(o, "explanation", ex ? ex : json_null());
    }
    return o;
}

json_t *tk_jsonout_page(const tk_anomalies_run *r, const tk_anomalies_page *p)
{
    json_t *o = json_object();
    json_t *items = json_array();
    if (o == NULL || items == NULL) {
        json_decref(o);
        json_decref(items);
        return NULL;
    }
    json_object_set_new(o, "run", json_integer(r->id));
    json_object_set_new(o, "period", period_json(&r->period));
    json_object_set_new(o, "total", json_integer((json_int_t)p->total));
    json_object_set_new(o, "next_cursor", opt_string(p->next_cursor));
    for (size_t i = 0; i < p->n; i++)
        json_array_append_new(items, tk_jsonout_item(&p->items[i]));
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "notes", notes_json(r->notes));
    return o;
}

json_t *tk_jsonout_decision(const tk_anomalies_decision *d)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "status", json_string(tk_anomalies_status_name(d->status)));
    json_object_set_new(o, "comment", opt_string(d->comment));
    json_object_set_new(o, "decided_by", json_string(d->decided_by));
    json_object_set_new(o, "role", json_string(d->role));
    json_object_set_new(o, "decided_at", tk_jsonout_time(d->at));
    return o;
}

/* ---- entities and trends ------------------------------------------------------------------- */

static double r3(double x)
{
    return round(x * 1000) / 1000 + 0.0;
}

static json_t *day_json(int64_t day)
{
    char buf[16];
    if (day == TK_MASTERSNAP_NO_DAY)
        return json_null();
    tk_period_format_day(day, buf, sizeof buf);
    return json_string(buf);
}

static json_t *band_json(const tk_entity_band *b)
{
    return json_pack("{s:I,s:f,s:f,s:f,s:f}", "n", (json_int_t)b->n, "mean", r3(b->mean), "median",
                     r3(b->median), "p10", r3(b->p10), "p90", r3(b->p90));
}

static json_t *bands_json(const tk_entity *e, const tk_entity_band *b)
{
    json_t *o = json_object();
    for (size_t m = 0; o != NULL && m < TK_ENTITY_NMEASURES; m++)
        json_object_set_new(o, tk_entity_measure(e->type, m), band_json(&b[m]));
    return o;
}

static json_t *hours_json(const double *h)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < TK_ENTITY_HOURS; i++)
        json_array_append_new(a, json_real(r3(h[i])));
    return a;
}

static const char *staff_status(int s)
{
    static const char *const names[] = {NULL,      "active",    "leave",
                                        "retired", "not_hired", "unlisted"};
    return s > 0 && (size_t)s < sizeof names / sizeof *names ? names[s] : NULL;
}

static json_t *master_json(const tk_entity *e)
{
    if (e->type == TK_ENTITY_USER)
        return json_pack("{s:b,s:o,s:o,s:o,s:o,s:o}", "listed", e->known, "section",
                         opt_string(e->section), "status", opt_string(staff_status(e->status)),
                         "hired_on", day_json(e->hired_on), "transferred_on",
                         day_json(e->transferred_on), "retired_on", day_json(e->retired_on));
    static const char *const kinds[] = {"unknown", "mynumber", "general"};
    return json_pack("{s:b,s:s,s:b,s:o}", "listed", e->known, "kind",
                     (size_t)e->terminal_kind < 3 ? kinds[e->terminal_kind] : "unknown",
                     "registered", e->registered, "registered_on", day_json(e->registered_on));
}

json_t *tk_jsonout_entity(const tk_entity *e)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "entity_type", json_string(tk_entity_type_name(e->type)));
    json_object_set_new(o, "entity_id", json_string(e->id));
    json_object_set_new(o, "period", period_json(&e->period));
    json_object_set_new(o, "baseline", period_json(&e->baseline));
    json_object_set_new(o, "features", json_string(e->stored ? "stored" : "computed"));
    json_object_set_new(o, "dept", opt_string(e->dept));
    json_object_set_new(o, "master", master_json(e));
    json_t *ms = json_array();
    for (size_t m = 0; m < TK_ENTITY_NMEASURES; m++)
        json_array_append_new(ms, json_string(tk_entity_measure(e->type, m)));
    json_object_set_new(o, "measures", ms);
    json_object_set_new(o, "baseline_band", bands_json(e, e->baseline_band));
    json_object_set_new(o, "active_days", json_integer((json_int_t)e->active_days));
    json_t *days = json_array();
    for (size_t i = 0; i < e->ndays; i++) {
        const tk_entity_day *d = &e->days[i];
        json_t *v = json_object();
        for (size_t m = 0; m < TK_ENTITY_NMEASURES; m++)
            json_object_set_new(v, tk_entity_measure(e->type, m), json_real(r3(d->value[m])));
        json_array_append_new(days, json_pack("{s:o,s:b,s:b,s:o,s:o}", "day", day_json(d->day),
                                              "active", d->active, "closed", d->closed, "values", v,
                                              "peers", bands_json(e, d->peers)));
    }
    json_object_set_new(o, "days", days);
    json_object_set_new(o, "time_of_day",
                        json_pack("{s:o,s:o,s:I}", "period", hours_json(e->tod), "baseline",
                                  hours_json(e->tod_baseline), "baseline_days",
                                  (json_int_t)e->tod_baseline_days));
    json_t *sys = json_array();
    for (size_t i = 0; i < e->nsystems; i++)
        json_array_append_new(sys, json_pack("{s:s,s:I}", "name", e->systems[i].name, "events",
                                             (json_int_t)e->systems[i].events));
    json_object_set_new(o, "systems", sys);
    json_t *cases = json_array();
    for (size_t i = 0; i < e->ncases; i++) {
        json_t *it = tk_jsonout_item(&e->cases[i]);
        char id[48];
        snprintf(id, sizeof id, "%lld-%lld", (long long)e->cases[i].run_id,
                 (long long)e->cases[i].rank);
        json_object_set_new(it, "id", json_string(id));
        json_array_append_new(cases, it);
    }
    json_object_set_new(o, "cases", cases);
    return o;
}

static void set_scores(json_t *o, size_t cases, size_t findings, double mean, double median,
                       double max)
{
    json_object_set_new(o, "cases", json_integer((json_int_t)cases));
    json_object_set_new(o, "findings", json_integer((json_int_t)findings));
    json_object_set_new(o, "score_mean", json_real(tk_jsonout_score(mean)));
    json_object_set_new(o, "score_median", json_real(tk_jsonout_score(median)));
    json_object_set_new(o, "score_max", json_real(tk_jsonout_score(max)));
}

json_t *tk_jsonout_trends(const tk_trends *t)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "range", period_json(&t->range));
    json_t *by = json_array();
    for (size_t k = 0; k < t->nkeys; k++)
        json_array_append_new(by, json_string(tk_trends_key_name(t->keys[k])));
    json_object_set_new(o, "by", by);
    json_t *runs = json_array();
    for (size_t i = 0; i < t->nruns; i++)
        json_array_append_new(runs, json_pack("{s:I,s:o,s:I}", "id", (json_int_t)t->runs[i].id,
                                              "period", period_json(&t->runs[i].period), "cases",
                                              (json_int_t)t->runs[i].cases));
    json_object_set_new(o, "runs", runs);
    json_t *total = json_object();
    set_scores(total, t->cases, t->findings, t->score_mean, t->score_median, t->score_max);
    json_object_set_new(o, "total", total);
    json_t *groups = json_array();
    for (size_t i = 0; i < t->ngroups; i++) {
        const tk_trends_group *g = &t->groups[i];
        json_t *go = json_object();
        for (size_t k = 0; k < t->nkeys; k++)
            json_object_set_new(go, tk_trends_key_name(t->keys[k]), json_string(g->value[k]));
        set_scores(go, g->cases, g->findings, g->score_mean, g->score_median, g->score_max);
        json_array_append_new(groups, go);
    }
    json_object_set_new(o, "groups", groups);
    return o;
}
