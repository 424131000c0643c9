/* api/jsonout.c -- JSON shapes of runs, items, pages and decisions.
 *
 * Builders only: they read the models' structs and never touch a store.
 * The explanation is stored as JSON text; it is parsed back and embedded,
 * with its model score rounded like the item's score. Stored notes that
 * fail to parse (a damaged row) are given as an empty array rather than
 * failing the whole document: the list itself is intact. */
#include "api/jsonout.h"

#include <math.h>
#include <string.h>

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

json_t *tk_jsonout_profile(const tk_profstore_entry *e)
{
    json_t *sys = json_array();
    for (size_t i = 0; sys != NULL && i < e->nsystems; i++)
        json_array_append_new(sys, json_string(e->systems[i]));
    return json_pack("{s:s,s:I,s:o,s:s,s:s,s:o,s:b,s:o,s:o}", "name", e->name, "version",
                     (json_int_t)e->version, "created_at", tk_jsonout_time(e->created_at),
                     "created_by", e->created_by, "sha256", e->digest, "systems", sys, "in_force",
                     e->in_force, "deleted_at", tk_jsonout_time(e->deleted_at), "deleted_by",
                     e->deleted_by ? json_string(e->deleted_by) : json_null());
}
