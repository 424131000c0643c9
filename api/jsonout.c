/* api/jsonout.c -- JSON shapes of runs, items, pages, decisions and evidence rows.
 *
 * Builders only: they read the models' structs and never touch a store.
 * The explanation is stored as JSON text; it is parsed back and embedded,
 * with its model score rounded like the item's score. Stored notes that
 * fail to parse (a damaged row) are given as an empty array rather than
 * failing the whole document: the list itself is intact. */
#include "api/jsonout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* What every stored version of a setting says first: its id, when and by
 * whom it was made, and whether it set values or reset them to the
 * defaults. NULL when out of memory. */
static json_t *version_head(int64_t id, int64_t created_at, const char *created_by, int reset)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "created_at", tk_jsonout_time(created_at));
    json_object_set_new(o, "created_by", opt_string(created_by));
    json_object_set_new(o, "kind", json_string(reset ? "reset" : "set"));
    return o;
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

json_t *tk_jsonout_analysis_summary(const tk_analysis_summary *s)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "run", json_integer(s->run_id));
    json_object_set_new(o, "baseline", period_json(&s->baseline));
    json_object_set_new(o, "events", json_integer(s->events));
    json_object_set_new(o, "period_events", json_integer(s->period_events));
    json_object_set_new(o, "baseline_events", json_integer(s->baseline_events));
    json_object_set_new(o, "user_days", json_integer((json_int_t)s->user_days));
    json_object_set_new(o, "findings", json_integer((json_int_t)s->findings));
    json_object_set_new(o, "model_items", json_integer((json_int_t)s->model_items));
    json_object_set_new(o, "cases", json_integer((json_int_t)s->cases));
    json_object_set_new(o, "notes", notes_json(s->notes));
    json_object_set_new(o, "seconds", json_real(s->seconds));
    return o;
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
    json_error_t je;
    json_t *opts = r->options ? json_loads(r->options, 0, &je) : NULL;
    if (!json_is_object(opts)) {
        json_decref(opts);
        opts = json_null();
    }
    json_object_set_new(o, "options", opts);
    json_object_set_new(o, "started_by", opt_string(r->started_by));
    return o;
}

json_t *tk_jsonout_period(const tk_periods_entry *e)
{
    char a[16], b[16];
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    tk_period_format_day(e->period.first_day, a, sizeof a);
    tk_period_format_day(e->period.last_day, b, sizeof b);
    json_object_set_new(o, "period", period_json(&e->period));
    json_object_set_new(o, "first_day", json_string(a));
    json_object_set_new(o, "last_day", json_string(b));
    json_object_set_new(o, "status", json_string(tk_periods_status_name(e->status)));
    json_object_set_new(o, "frozen", json_boolean(e->frozen));
    json_object_set_new(o, "runs", json_integer((json_int_t)e->runs));
    json_t *latest = json_null();
    if (e->latest_run > 0) {
        json_t *cases = json_object();
        for (int s = TK_ANOMALIES_NEW; cases && s <= TK_ANOMALIES_FALSE_POSITIVE; s++)
            json_object_set_new(cases, tk_anomalies_status_name((tk_anomalies_status)s),
                                json_integer((json_int_t)e->by_status[s]));
        latest = json_object();
        json_object_set_new(latest, "id", json_integer(e->latest_run));
        json_object_set_new(latest, "created_at", tk_jsonout_time(e->latest_run_at));
        json_object_set_new(latest, "started_by", opt_string(e->latest_run_by));
        json_object_set_new(latest, "cases", json_integer((json_int_t)e->cases));
        json_object_set_new(latest, "cases_by_status", cases);
    }
    json_object_set_new(o, "latest_run", latest);
    json_object_set_new(o, "delivered_at", tk_jsonout_time(e->delivered_at));
    json_object_set_new(o, "delivered_by", opt_string(e->delivered_by));
    json_t *plan = json_null();
    if (e->planned) {
        tk_period_format_day(e->upload_deadline, a, sizeof a);
        tk_period_format_day(e->delivery_due, b, sizeof b);
        plan = json_object();
        json_object_set_new(plan, "upload_deadline", json_string(a));
        json_object_set_new(plan, "delivery_due", json_string(b));
    }
    json_object_set_new(o, "plan", plan);
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

/* s as a string (even empty), or null for NULL: the evidence keeps an
 * empty field of the log distinct from a field the log does not have. */
static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *tk_jsonout_evidence_row(const tk_evidence_row *r)
{
    char t[40];
    tk_time_format_iso(r->t, t, sizeof t);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "time", json_string(t));
    json_object_set_new(o, "system", str_or_null(r->system));
    json_object_set_new(o, "user", str_or_null(r->user));
    json_object_set_new(o, "user_resolved", json_boolean(r->user_resolved));
    json_object_set_new(o, "terminal", str_or_null(r->terminal));
    json_object_set_new(o, "operation", str_or_null(r->operation));
    json_object_set_new(o, "function", str_or_null(r->function));
    json_object_set_new(o, "result", json_string(r->failed ? "failure" : "success"));
    json_object_set_new(o, "count", r->count >= 0 ? json_integer(r->count) : json_null());
    json_object_set_new(o, "bytes", r->bytes >= 0 ? json_integer(r->bytes) : json_null());
    json_object_set_new(o, "mynumber", r->mynumber >= 0 ? json_boolean(r->mynumber) : json_null());
    json_object_set_new(o, "resident", r->resident[0] ? json_string(r->resident) : json_null());
    json_object_set_new(o, "device", str_or_null(r->device));
    json_object_set_new(o, "serial", str_or_null(r->serial));
    json_object_set_new(o, "media_file", str_or_null(r->media_file));
    json_object_set_new(o, "detail", str_or_null(r->detail));
    json_object_set_new(o, "upload_id", json_integer(r->upload_id));
    json_object_set_new(o, "file", str_or_null(r->file_name));
    json_object_set_new(o, "record", r->record > 0 ? json_integer(r->record) : json_null());
    return o;
}

json_t *tk_jsonout_upload(const tk_upload_info *u, const char *report)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "id", json_integer(u->id));
    json_object_set_new(o, "file", json_string(u->file_name));
    json_object_set_new(o, "size", json_integer(u->size));
    json_object_set_new(o, "sha256", json_string(u->sha256));
    json_object_set_new(o, "profile", json_string(u->profile));
    json_object_set_new(o, "profile_version", json_integer(u->profile_version));
    json_object_set_new(o, "encoding", u->encoding[0] ? json_string(u->encoding) : json_null());
    json_object_set_new(o, "status", json_string(u->status));
    json_object_set_new(o, "lenient", json_boolean(u->lenient));
    json_object_set_new(o, "rows_total", json_integer((json_int_t)u->rows_total));
    json_object_set_new(o, "rows_accepted", json_integer((json_int_t)u->rows_accepted));
    json_object_set_new(o, "rows_rejected", json_integer((json_int_t)u->rows_rejected));
    json_object_set_new(o, "rows_skipped", json_integer((json_int_t)u->rows_skipped));
    json_object_set_new(o, "unknown_users", json_integer((json_int_t)u->unknown_users));
    json_object_set_new(o, "unknown_terminals", json_integer((json_int_t)u->unknown_terminals));
    if (u->has_range) {
        json_object_set_new(o, "time_from", tk_jsonout_time(u->t_min));
        json_object_set_new(o, "time_to", tk_jsonout_time(u->t_max));
    }
    json_object_set_new(o, "error_report", report ? json_string(report) : json_null());
    json_object_set_new(o, "message", u->message[0] ? json_string(u->message) : json_null());
    json_object_set_new(o, "uploaded_at", tk_jsonout_time(u->started_at));
    json_object_set_new(o, "finished_at", tk_jsonout_time(u->finished_at));
    json_object_set_new(o, "uploaded_by",
                        u->uploaded_by[0] ? json_string(u->uploaded_by) : json_null());
    return o;
}

/* ---- rules, versions, suppressions ------------------------------------------------ */

static int param_changed(const tk_rulecat_config *c, size_t i, size_t k)
{
    return tk_rulecat_config_param(c, i, k) != tk_rulecat_rule_at(i)->params[k].def;
}

static int rule_changed(const tk_rulecat_config *c, size_t i)
{
    const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
    int diff = tk_rulecat_config_enabled(c, i) != r->enabled ||
               tk_rulecat_config_severity(c, i) != r->severity;
    for (size_t k = 0; !diff && k < r->nparams; k++)
        diff = param_changed(c, i, k);
    return diff;
}

/* The catalogue of s with the fields tk_jsonout_rules() adds per rule. */
static json_t *rules_array(const tk_tuning_rules *s)
{
    char *js = NULL;
    tk_error err = {0, ""};
    if (tk_rulecat_export_json(s->config, &js, &err) != TK_OK)
        return NULL;
    json_error_t je;
    json_t *cat = json_loads(js, 0, &je);
    free(js);
    json_t *rs = json_incref(json_object_get(cat, "rules"));
    json_decref(cat);
    for (size_t i = 0; rs != NULL && i < json_array_size(rs); i++) {
        json_t *r = json_array_get(rs, i);
        json_t *ps = json_object_get(r, "params");
        const tk_tuning_change *ch = &s->rule[i];
        json_object_set_new(r, "changed", json_boolean(rule_changed(s->config, i)));
        json_object_set_new(r, "default_enabled", json_boolean(tk_rulecat_rule_at(i)->enabled));
        json_object_set_new(r, "version", ch->version ? json_integer(ch->version) : json_null());
        json_object_set_new(r, "changed_at", tk_jsonout_time(ch->at));
        json_object_set_new(r, "changed_by", opt_string(ch->by));
        for (size_t k = 0; k < json_array_size(ps); k++)
            json_object_set_new(json_array_get(ps, k), "changed",
                                json_boolean(param_changed(s->config, i, k)));
    }
    return rs;
}

json_t *tk_jsonout_rules(const char *tenant, const tk_tuning_rules *s)
{
    json_t *rs = rules_array(s);
    json_t *o = rs ? json_object() : NULL;
    if (o == NULL) {
        json_decref(rs);
        return NULL;
    }
    if (tenant != NULL)
        json_object_set_new(o, "tenant", json_string(tenant));
    json_object_set_new(o, "version",
                        s->head.version ? json_integer(s->head.version) : json_null());
    json_object_set_new(o, "changed_at", tk_jsonout_time(s->head.at));
    json_object_set_new(o, "changed_by", opt_string(s->head.by));
    json_object_set_new(o, "source", opt_string(s->source));
    json_object_set_new(o, "disabled", json_integer((json_int_t)s->disabled));
    json_object_set_new(o, "changed", json_integer((json_int_t)s->changed));
    json_object_set_new(o, "rules", rs);
    return o;
}

json_t *tk_jsonout_rule(const tk_tuning_rules *s, size_t i)
{
    json_t *rs = rules_array(s);
    json_t *r = json_incref(json_array_get(rs, i));
    json_decref(rs);
    return r;
}

json_t *tk_jsonout_rule_version(const tk_tuning_version *v)
{
    json_t *o = version_head(v->id, v->created_at, v->created_by, v->reset);
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "source", opt_string(v->source));
    json_object_set_new(o, "in_force", json_boolean(v->in_force));
    json_object_set_new(o, "disabled", json_integer((json_int_t)v->disabled));
    json_object_set_new(o, "changed", json_integer((json_int_t)v->changed));
    json_object_set_new(o, "problem", opt_string(v->problem));
    return o;
}

json_t *tk_jsonout_suppression(const tk_suppression *s)
{
    char day[16], item[48];
    tk_period_format_day(s->expires_day, day, sizeof day);
    snprintf(item, sizeof item, "%lld-%lld", (long long)s->run_id, (long long)s->rank);
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "id", json_integer(s->id));
    json_object_set_new(o, "rule_id", json_string(s->rule_id));
    json_object_set_new(o, "entity_type", json_string(s->entity_type));
    json_object_set_new(o, "entity_id", json_string(s->entity));
    json_object_set_new(o, "reason", json_string(s->reason));
    json_object_set_new(o, "created_by", json_string(s->created_by));
    json_object_set_new(o, "created_at", tk_jsonout_time(s->created_at));
    json_object_set_new(o, "expires", json_string(day));
    json_object_set_new(o, "item", s->run_id > 0 ? json_string(item) : json_null());
    return o;
}

static json_t *preview_cases(const tk_analysis_case *c, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        char from[16], to[16];
        tk_period_format_day(c[i].first_day, from, sizeof from);
        tk_period_format_day(c[i].last_day, to, sizeof to);
        json_array_append_new(a, json_pack("{s:o,s:s,s:s,s:s,s:s,s:f,s:o}", "rule_id",
                                           opt_string(c[i].rule_id), "entity_type",
                                           c[i].entity_type, "entity_id", c[i].entity, "from", from,
                                           "to", to, "score", tk_jsonout_score(c[i].score),
                                           "severity", opt_string(c[i].severity)));
    }
    return a;
}

json_t *tk_jsonout_preview(const tk_tuning_preview *p)
{
    json_t *ps = json_array();
    for (size_t i = 0; ps != NULL && i < p->n; i++) {
        const tk_tuning_preview_period *q = &p->periods[i];
        json_array_append_new(
            ps, json_pack("{s:o,s:{s:I,s:I},s:{s:I,s:I},s:o,s:o,s:f}", "period",
                          period_json(&q->period), "findings", "before",
                          (json_int_t)q->findings_before, "after", (json_int_t)q->findings_after,
                          "cases", "before", (json_int_t)q->cases_before, "after",
                          (json_int_t)q->cases_after, "added", preview_cases(q->added, q->nadded),
                          "removed", preview_cases(q->removed, q->nremoved), "seconds",
                          round(q->seconds * 100) / 100));
    }
    return json_pack("{s:f,s:o}", "seconds", round(p->seconds * 100) / 100, "periods", ps);
}

json_t *tk_jsonout_profile(const tk_profstore_entry *e)
{
    json_t *sys = json_array();
    for (size_t i = 0; sys != NULL && i < e->nsystems; i++)
        json_array_append_new(sys, json_string(e->systems[i]));
    return json_pack("{s:s,s:I,s:o,s:s,s:s,s:o,s:b,s:o,s:o,s:s,s:o}", "name", e->name, "version",
                     (json_int_t)e->version, "created_at", tk_jsonout_time(e->created_at),
                     "created_by", e->created_by, "sha256", e->digest, "systems", sys, "in_force",
                     e->in_force, "deleted_at", tk_jsonout_time(e->deleted_at), "deleted_by",
                     e->deleted_by ? json_string(e->deleted_by) : json_null(), "kind",
                     e->mapping ? "mapping" : "source", "master_kind",
                     e->master_kind ? json_string(e->master_kind) : json_null());
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

/* ---- master data ---------------------------------------------------------------------------- */

json_t *tk_jsonout_master_version(const tk_master_version *v)
{
    return json_pack(
        "{s:I,s:s,s:s,s:s,s:o,s:s,s:s,s:s,s:o,s:I}", "id", (json_int_t)v->id, "kind", v->kind,
        "effective_from", v->effective_from, "imported_at", v->imported_at, "imported_by",
        v->imported_by && v->imported_by[0] ? json_string(v->imported_by) : json_null(), "file",
        v->file_name, "sha256", v->sha256, "encoding", v->encoding ? v->encoding : "", "mapping",
        str_or_null(v->mapping), "rows", (json_int_t)v->rows);
}

json_t *tk_jsonout_master_row(const tk_master_row *row)
{
    json_t *o = json_pack("{s:I}", "line", (json_int_t)row->line);
    for (size_t i = 0; o != NULL && i < row->ncols; i++)
        json_object_set_new(o, row->keys[i], str_or_null(row->values[i]));
    return o;
}

json_t *tk_jsonout_master_import(const tk_master_import_result *r)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:o}", "id", (json_int_t)r->version_id,
                     "kind", r->kind, "effective_from", r->effective_from, "imported_at",
                     r->imported_at, "sha256", r->sha256, "encoding", r->encoding, "rows",
                     (json_int_t)r->rows, "rows_before", (json_int_t)r->rows_before, "warning",
                     str_or_null(r->warning[0] ? r->warning : NULL));
}

/* {name: value} of every baseline setting. */
static json_t *bsettings_values(const tk_bsettings *s)
{
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && i < TK_BS_COUNT; i++) {
        const tk_bsettings_param *p = tk_bsettings_param_at(i);
        json_object_set_new(o, p->name,
                            p->integer ? json_integer((json_int_t)s->v[i]) : json_real(s->v[i]));
    }
    return o;
}

json_t *tk_jsonout_bsettings(const char *tenant, const tk_bsettings_version *v)
{
    json_t *o = json_object(), *list = json_array();
    if (o == NULL || list == NULL) {
        json_decref(o);
        json_decref(list);
        return NULL;
    }
    if (tenant != NULL)
        json_object_set_new(o, "tenant", json_string(tenant));
    json_object_set_new(o, "version", v->id ? json_integer(v->id) : json_null());
    json_object_set_new(o, "changed_at", tk_jsonout_time(v->created_at));
    json_object_set_new(o, "changed_by", opt_string(v->created_by));
    json_object_set_new(o, "kind",
                        v->id == 0 ? json_null() : json_string(v->reset ? "reset" : "set"));
    json_object_set_new(o, "values", bsettings_values(&v->s));
    for (size_t i = 0; i < TK_BS_COUNT; i++) {
        const tk_bsettings_param *p = tk_bsettings_param_at(i);
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(p->name));
        json_object_set_new(
            e, "value", p->integer ? json_integer((json_int_t)v->s.v[i]) : json_real(v->s.v[i]));
        json_object_set_new(e, "default",
                            p->integer ? json_integer((json_int_t)p->def) : json_real(p->def));
        json_object_set_new(e, "changed", json_boolean(!tk_bsettings_is_default(&v->s, i)));
        json_object_set_new(e, "min", json_real(p->min));
        json_object_set_new(e, "max", json_real(p->max));
        json_object_set_new(e, "integer", json_boolean(p->integer));
        json_object_set_new(e, "unit", json_string(p->unit));
        json_object_set_new(e, "description", json_string(p->what));
        json_array_append_new(list, e);
    }
    json_object_set_new(o, "settings", list);
    return o;
}

json_t *tk_jsonout_bsettings_version(const tk_bsettings_version *v)
{
    json_t *o = version_head(v->id, v->created_at, v->created_by, v->reset);
    if (o == NULL)
        return NULL;
    json_t *change = v->reset || v->change == NULL ? NULL : json_loads(v->change, 0, NULL);
    json_object_set_new(o, "change", change ? change : json_null());
    json_object_set_new(o, "in_force", json_boolean(v->in_force));
    json_object_set_new(o, "values", bsettings_values(&v->s));
    return o;
}

/* ---- completeness ---- */

json_t *tk_jsonout_completeness(const tk_completeness *c, int64_t today)
{
    json_t *o = json_object(), *days = json_array(), *systems = json_array(), *plan = json_null();
    if (o == NULL || days == NULL || systems == NULL) {
        json_decref(o);
        json_decref(days);
        json_decref(systems);
        return NULL;
    }
    json_object_set_new(o, "period", period_json(&c->period));
    json_object_set_new(o, "first_day", day_json(c->period.first_day));
    json_object_set_new(o, "last_day", day_json(c->period.last_day));
    json_object_set_new(o, "today", day_json(today));
    if (c->planned) {
        plan = json_object();
        json_object_set_new(plan, "upload_deadline", day_json(c->upload_deadline));
        json_object_set_new(plan, "delivery_due", day_json(c->delivery_due));
    }
    json_object_set_new(o, "plan", plan);
    json_object_set_new(o, "total", json_integer((json_int_t)c->total));
    json_object_set_new(o, "missing", json_integer((json_int_t)c->missing));
    json_object_set_new(o, "low", json_integer((json_int_t)c->low));
    json_object_set_new(o, "absent", json_integer((json_int_t)c->absent));
    for (size_t d = 0; d < c->ndays; d++)
        json_array_append_new(days, json_pack("{s:o,s:b}", "day",
                                              day_json(c->period.first_day + (int64_t)d), "open",
                                              c->open[d]));
    json_object_set_new(o, "days", days);
    for (size_t s = 0; s < c->nsystems; s++) {
        const tk_completeness_system *sy = &c->systems[s];
        json_t *rows = json_array(), *flags = json_array();
        for (size_t d = 0; d < c->ndays; d++) {
            json_array_append_new(rows, json_integer(c->rows[s * c->ndays + d]));
            json_array_append_new(flags, json_string(tk_completeness_flag_name(
                                             (tk_completeness_flag)c->flags[s * c->ndays + d])));
        }
        json_array_append_new(systems, json_pack("{s:s,s:I,s:f,s:I,s:I,s:b,s:o,s:o}", "system",
                                                 sy->name, "rows", (json_int_t)sy->rows, "normal",
                                                 sy->normal, "missing", (json_int_t)sy->missing,
                                                 "low", (json_int_t)sy->low, "absent", sy->absent,
                                                 "rows_by_day", rows, "flags", flags));
    }
    json_object_set_new(o, "systems", systems);
    return o;
}

/* ---- confirmations ---------------------------------------------------------------- */

json_t *tk_jsonout_answer(const tk_answers_answer *a)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "case_id", json_string(a->case_id));
    json_object_set_new(o, "verdict", json_string(tk_answers_verdict_name(a->verdict)));
    json_object_set_new(o, "verdict_ja", json_string(tk_answers_verdict_label(a->verdict)));
    json_object_set_new(o, "reason", json_string(a->reason ? a->reason : ""));
    json_object_set_new(o, "confirmed_by", opt_string(a->confirmed_by));
    json_object_set_new(o, "confirmed_on", day_json(a->confirmed_on));
    json_object_set_new(o, "recorded_by", opt_string(a->recorded_by));
    json_object_set_new(o, "via", json_string(a->via));
    json_object_set_new(o, "recorded_at", tk_jsonout_time(a->at));
    json_object_set_new(o, "suppression",
                        a->suppression ? json_integer(a->suppression) : json_null());
    return o;
}

json_t *tk_jsonout_request(const tk_answers_request *r)
{
    const tk_anomalies_item *it = &r->item;
    json_t *o = json_object(), *sys = json_array();
    if (o == NULL || sys == NULL) {
        json_decref(o);
        json_decref(sys);
        return NULL;
    }
    char id[48];
    snprintf(id, sizeof id, "%lld-%lld", (long long)it->run_id, (long long)it->rank);
    for (size_t i = 0; i < it->nsystems; i++)
        json_array_append_new(sys, json_string(it->systems[i]));
    json_object_set_new(o, "case_id", json_string(r->case_id));
    json_object_set_new(o, "no", json_integer((json_int_t)r->no));
    json_object_set_new(o, "item", json_string(id));
    json_object_set_new(o, "rank", json_integer(it->rank));
    json_object_set_new(o, "entity_type", json_string(it->entity_type));
    json_object_set_new(o, "entity", json_string(it->entity));
    json_object_set_new(o, "dept", opt_string(it->dept));
    json_object_set_new(o, "systems", sys);
    json_object_set_new(o, "rule", it->model ? json_null() : json_string(it->rule_id));
    json_object_set_new(o, "severity", it->severity[0] ? json_string(it->severity) : json_null());
    json_object_set_new(o, "score", json_real(tk_jsonout_score(it->score)));
    json_object_set_new(o, "summary", json_string(it->summary ? it->summary : ""));
    json_object_set_new(o, "first_day", day_json(it->first_day));
    json_object_set_new(o, "last_day", day_json(it->last_day));
    json_object_set_new(o, "status", json_string(tk_anomalies_status_name(it->status)));
    json_object_set_new(o, "answer", r->answered ? tk_jsonout_answer(&r->answer) : json_null());
    return o;
}

json_t *tk_jsonout_confirmations(const char *tenant, const tk_answers_set *s)
{
    json_t *o = json_object(), *items = json_array();
    if (o == NULL || items == NULL) {
        json_decref(o);
        json_decref(items);
        return NULL;
    }
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(items, tk_jsonout_request(&s->v[i]));
    json_object_set_new(o, "tenant", json_string(tenant));
    json_object_set_new(o, "period", period_json(&s->period));
    json_object_set_new(o, "run", json_integer(s->run));
    json_object_set_new(o, "total", json_integer((json_int_t)s->n));
    json_object_set_new(o, "answered", json_integer((json_int_t)s->answered));
    json_object_set_new(o, "items", items);
    return o;
}

json_t *tk_jsonout_xlsx_result(const tk_xlsx_result *r)
{
    json_t *o = json_object(), *issues = json_array();
    if (o == NULL || issues == NULL) {
        json_decref(o);
        json_decref(issues);
        return NULL;
    }
    for (size_t i = 0; i < r->nissues; i++) {
        const tk_xlsx_issue *x = &r->issues[i];
        json_array_append_new(
            issues, json_pack("{s:s,s:I,s:s?,s:s}", "sheet", x->sheet, "row", (json_int_t)x->row,
                              "column", x->column[0] ? x->column : NULL, "message", x->msg));
    }
    json_object_set_new(o, "period",
                        r->period.first_day || r->period.last_day ? period_json(&r->period)
                                                                  : json_null());
    json_object_set_new(o, "run", r->run ? json_integer(r->run) : json_null());
    json_object_set_new(o, "rows", json_integer((json_int_t)r->rows));
    json_object_set_new(o, "recorded", json_integer((json_int_t)r->recorded));
    json_object_set_new(o, "unchanged", json_integer((json_int_t)r->unchanged));
    json_object_set_new(o, "blank", json_integer((json_int_t)r->blank));
    json_object_set_new(o, "issues", issues);
    json_object_set_new(o, "more_issues", json_integer((json_int_t)r->more));
    return o;
}

/* ---- streams in progress -------------------------------------------------------------------- */

json_t *tk_jsonout_streams(tk_server *s, const char *tenant, const char *kind)
{
    tk_server_stream_info running[16];
    const size_t k = tk_server_streams(s, tenant, running, sizeof running / sizeof running[0]);
    json_t *a = json_array();
    for (size_t i = 0; i < k && i < sizeof running / sizeof running[0]; i++) {
        const tk_server_stream_info *r = &running[i];
        if (kind != NULL && strcmp(r->kind, kind) != 0)
            continue;
        json_array_append_new(
            a, json_pack(
                   "{s:s,s:s,s:o,s:s,s:o,s:I,s:o,s:I,s:I}", "kind", r->kind[0] ? r->kind : "upload",
                   "file", r->name, "profile", r->detail[0] ? json_string(r->detail) : json_null(),
                   "account", r->account, "started_at", tk_jsonout_time(r->started_ms),
                   "bytes_received", (json_int_t)r->bytes_received, "bytes_expected",
                   r->bytes_expected >= 0 ? json_integer(r->bytes_expected) : json_null(), "rows",
                   (json_int_t)r->rows, "rows_rejected", (json_int_t)r->rows_rejected));
    }
    return a;
}

/* ---- a page as text ------------------------------------------------------------------
 *
 * The same document as tk_jsonout_page() and json_dumps(), written
 * without the tree. An item is written field by field in
 * tk_jsonout_item()'s order; one the builders would shape differently
 * (an explanation to embed, or a string that is not UTF-8, which
 * json_string() refuses and the builder then leaves out) is built with
 * jansson and dumped into the text instead, so the two never differ. */

#define PAGE_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

static void id_text(tk_jsontext *b, int64_t run, int64_t rank)
{
    char id[64];
    const int n = snprintf(id, sizeof id, ",\"id\":\"%lld-%lld\"", (long long)run, (long long)rank);
    tk_jsontext_raw(b, id, (size_t)n);
}

/* Day `day` as YYYY-MM-DD into buf (11 bytes), as tk_period_format_day()
 * writes it, without printf for the years 0 to 9999. */
static void day_text(int64_t day, char buf[16])
{
    int y, m, d;
    tk_civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        tk_period_format_day(day, buf, 16);
        return;
    }
    const int v[] = {y / 1000, y / 100 % 10, y / 10 % 10, y % 10, -1,
                     m / 10,   m % 10,       -1,          d / 10, d % 10};
    for (size_t i = 0; i < 10; i++)
        buf[i] = v[i] < 0 ? '-' : (char)('0' + v[i]);
    buf[10] = '\0';
}

/* Item it into b; -1 when the builder must write it. */
static int item_text(const tk_anomalies_item *it, int ids, tk_jsontext *b)
{
    char day[16], from[16], to[16], at[TK_TIME_ISO_SIZE];
    int bad = it->explanation != NULL;
    tk_jsontext_lit(b, "{\"rank\":");
    tk_jsontext_int(b, it->rank);
    tk_jsontext_lit(b, ",\"entity_type\":");
    bad |= tk_jsontext_str(b, it->entity_type, 0);
    tk_jsontext_lit(b, ",\"entity_id\":");
    bad |= tk_jsontext_str(b, it->entity, 0);
    tk_jsontext_lit(b, ",\"day\":");
    if (it->day == TK_ANOMALIES_PERIOD_ITEM) {
        tk_jsontext_lit(b, "null");
    } else {
        day_text(it->day, day);
        bad |= tk_jsontext_str(b, day, 0);
    }
    day_text(it->first_day, from);
    day_text(it->last_day, to);
    tk_jsontext_lit(b, ",\"from\":");
    bad |= tk_jsontext_str(b, from, 0);
    tk_jsontext_lit(b, ",\"to\":");
    bad |= tk_jsontext_str(b, to, 0);
    tk_jsontext_lit(b, ",\"days\":");
    tk_jsontext_int(b, (int64_t)it->days);
    tk_jsontext_lit(b, ",\"score\":");
    tk_jsontext_real(b, tk_jsonout_score(it->score), 15);
    tk_jsontext_lit(b, it->model ? ",\"source\":\"model\"" : ",\"source\":\"rule\"");
    tk_jsontext_lit(b, ",\"rule_id\":");
    bad |= tk_jsontext_str(b, it->rule_id, 1);
    tk_jsontext_lit(b, ",\"severity\":");
    bad |= tk_jsontext_str(b, it->severity, 1);
    tk_jsontext_lit(b, ",\"rules\":[");
    for (const char *p = it->rules; p && *p;) {
        const char *e = strchr(p, ',');
        const size_t len = e ? (size_t)(e - p) : strlen(p);
        if (p != it->rules)
            tk_jsontext_lit(b, ",");
        bad |= tk_jsontext_strn(b, p, len);
        p = e ? e + 1 : p + len;
    }
    tk_jsontext_lit(b, "],\"findings_total\":");
    tk_jsontext_int(b, (int64_t)it->findings);
    tk_jsontext_lit(b, ",\"summary\":");
    bad |= tk_jsontext_str(b, it->summary, 0);
    tk_jsontext_lit(b, ",\"dept\":");
    bad |= tk_jsontext_str(b, it->dept, 1);
    tk_jsontext_lit(b, ",\"systems\":[");
    for (size_t i = 0; i < it->nsystems; i++) {
        if (i > 0)
            tk_jsontext_lit(b, ",");
        bad |= tk_jsontext_str(b, it->systems[i], 0);
    }
    tk_jsontext_lit(b, "],\"status\":");
    bad |= tk_jsontext_str(b, tk_anomalies_status_name(it->status), 0);
    tk_jsontext_lit(b, ",\"triage\":");
    if (it->decided_by) {
        tk_jsontext_lit(b, "{\"decided_by\":");
        bad |= tk_jsontext_str(b, it->decided_by, 0);
        tk_jsontext_lit(b, ",\"decided_at\":");
        if (it->decided_at == 0 || tk_time_format_iso(it->decided_at, at, sizeof at) == 0)
            tk_jsontext_lit(b, "null");
        else
            bad |= tk_jsontext_str(b, at, 0);
        tk_jsontext_lit(b, ",\"comment\":");
        bad |= tk_jsontext_str(b, it->comment, 1);
        tk_jsontext_lit(b, "}");
    } else {
        tk_jsontext_lit(b, "null");
    }
    if (ids)
        id_text(b, it->run_id, it->rank);
    tk_jsontext_lit(b, "}");
    return bad ? -1 : 0;
}

/* Item it built with jansson (and its id) and dumped into b. */
static int item_built(const tk_anomalies_item *it, int ids, tk_jsontext *b)
{
    char id[48];
    json_t *o = tk_jsonout_item(it);
    if (o != NULL && ids) {
        snprintf(id, sizeof id, "%lld-%lld", (long long)it->run_id, (long long)it->rank);
        json_object_set_new(o, "id", json_string(id));
    }
    const int rc = o ? tk_jsontext_json(b, o, PAGE_DUMP_FLAGS) : -1;
    json_decref(o);
    return rc;
}

int tk_jsonout_page_text(const tk_anomalies_run *r, const tk_anomalies_page *p, int ids,
                         tk_jsontext *out)
{
    char period[32];
    int rc = 0;
    tk_period_format(&r->period, period, sizeof period);
    tk_jsontext_lit(out, "{\"run\":");
    tk_jsontext_int(out, r->id);
    tk_jsontext_lit(out, ",\"period\":");
    rc |= tk_jsontext_str(out, period, 0);
    tk_jsontext_lit(out, ",\"total\":");
    tk_jsontext_int(out, (int64_t)p->total);
    tk_jsontext_lit(out, ",\"next_cursor\":");
    rc |= tk_jsontext_str(out, p->next_cursor, 1);
    tk_jsontext_lit(out, ",\"items\":[");
    for (size_t i = 0; rc == 0 && i < p->n; i++) {
        if (i > 0)
            tk_jsontext_lit(out, ",");
        const size_t mark = out->len;
        if (item_text(&p->items[i], ids, out) != 0 && !out->nomem) {
            out->len = mark;
            out->p[mark] = '\0';
            rc |= item_built(&p->items[i], ids, out);
        }
    }
    tk_jsontext_lit(out, "],\"notes\":");
    json_t *notes = notes_json(r->notes);
    rc |= notes ? tk_jsontext_json(out, notes, PAGE_DUMP_FLAGS) : -1;
    json_decref(notes);
    tk_jsontext_lit(out, "}");
    return rc != 0 || out->nomem ? -1 : 0;
}
