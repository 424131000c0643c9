/* api/routes_tuning.c -- the tuning routes: the rule configuration (read
 * by every reader of anomalies, changed by analysts and admins) and the
 * suppressions of false positives.
 *
 * Thin clients of models/tuning and models/suppress, which the CLI
 * (`tenken rules`, `tenken suppress`) shares; JSON through api/jsonout.h.
 * Changes open the tenant read-write and take its writer lock without
 * waiting (409 when another writer holds it). A value the models refuse is
 * 422 with the reason; for a rule's parameter the details also name the
 * parameter's JSON path ("$.rules.R03.params.min_residents") and the
 * reason gives the accepted range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "models/rulecat.h"
#include "models/suppress.h"
#include "models/tuning.h"

#define CHANGERS (TK_ROUTE_ANALYST | TK_ROUTE_ADMIN)

/* The rule id of the path, or -1 with 404 queued. */
static int rule_param(tk_server_req *r, size_t *index)
{
    const char *id = tk_server_req_param(r);
    *index = id ? tk_rulecat_find(id, strlen(id)) : SIZE_MAX;
    if (*index == SIZE_MAX) {
        char msg[160];
        snprintf(msg, sizeof msg, "no rule '%.16s' in the catalogue (R01..R%02zu)", id ? id : "",
                 tk_rulecat_count());
        tk_server_reply_error(r, 404, "not_found", tk_handler_reason(msg));
        return -1;
    }
    tk_server_req_target(r, id);
    return 0;
}

/* ---- rules -------------------------------------------------------------------------- */

static int rules_list(tk_server_req *r)
{
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_tuning_rules s;
    tk_error err = {0};
    const int rc = tk_tuning_rules_read(tk_tenant_db(t), &s, &err);
    json_t *doc = rc == TK_OK ? tk_jsonout_rules(tk_tenant_name(t), &s) : NULL;
    tk_tuning_rules_dispose(&s);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

/* Answers rule i as now in force in t (status 200). */
static int reply_rule(tk_server_req *r, tk_tenant *t, size_t i, int64_t version)
{
    tk_tuning_rules s;
    tk_error err = {0};
    const int rc = tk_tuning_rules_read(tk_tenant_db(t), &s, &err);
    json_t *doc = rc == TK_OK ? tk_jsonout_rule(&s, i) : NULL;
    if (doc != NULL && version > 0)
        json_object_set_new(doc, "stored_version", json_integer(version));
    tk_tuning_rules_dispose(&s);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

static int rule_get(tk_server_req *r)
{
    size_t i;
    if (rule_param(r, &i))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    return reply_rule(r, t, i, 0);
}

static int rule_put(tk_server_req *r)
{
    size_t i;
    if (rule_param(r, &i))
        return 0;
    json_t *body = tk_server_req_body(r);
    if (!json_is_object(body) || json_object_size(body) == 0)
        return tk_handler_unprocessable(r,
                                        "the body is {\"enabled\": boolean, \"severity\": string, "
                                        "\"params\": {name: number}}, at least one of them");
    char *text = json_dumps(body, JSON_COMPACT);
    tk_tenant *t = NULL;
    char what[64];
    snprintf(what, sizeof what, "rule %s over https", tk_rulecat_rule_at(i)->id);
    if (text == NULL || tk_handler_open_writer(r, what, &t)) {
        free(text);
        return text == NULL ? tk_server_reply_error(r, 500, "internal", NULL) : 0;
    }
    tk_error err = {0};
    int64_t id = 0;
    const int rc = tk_tuning_rule_set(tk_tenant_db(t), tk_rulecat_rule_at(i)->id, text,
                                      strlen(text), tk_server_req_actor(r), &id, &err);
    free(text);
    if (rc == TK_EINVAL || rc == TK_EPARSE) {
        tk_tenant_close(t);
        return tk_handler_unprocessable(r, err.msg);
    }
    if (rc != TK_OK) {
        tk_tenant_close(t);
        return tk_server_reply_tk_error(r, &err);
    }
    return reply_rule(r, t, i, id);
}

static int rule_delete(tk_server_req *r)
{
    size_t i;
    if (rule_param(r, &i))
        return 0;
    tk_tenant *t = NULL;
    char what[64];
    snprintf(what, sizeof what, "rule %s reset over https", tk_rulecat_rule_at(i)->id);
    if (tk_handler_open_writer(r, what, &t))
        return 0;
    tk_error err = {0};
    int64_t id = 0;
    const int rc = tk_tuning_rule_reset(tk_tenant_db(t), tk_rulecat_rule_at(i)->id,
                                        tk_server_req_actor(r), &id, &err);
    if (rc != TK_OK) {
        tk_tenant_close(t);
        return tk_server_reply_tk_error(r, &err);
    }
    return reply_rule(r, t, i, id);
}

static int rule_history(tk_server_req *r)
{
    size_t i;
    if (rule_param(r, &i))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_tuning_version *v = NULL;
    size_t n = 0;
    tk_error err = {0};
    const int rc = tk_tuning_history(tk_tenant_db(t), tk_rulecat_rule_at(i)->id, &v, &n, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *items = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(items, tk_jsonout_rule_version(&v[k]));
    tk_tuning_versions_free(v, n);
    return tk_server_reply_json(
        r, 200, json_pack("{s:s,s:o}", "rule_id", tk_rulecat_rule_at(i)->id, "items", items));
}

/* ---- suppressions ------------------------------------------------------------------ */

/* A string member of body, or NULL; *bad set when present but not a
 * string. */
static const char *str_member(json_t *body, const char *key, int *bad)
{
    json_t *v = json_object_get(body, key);
    if (v != NULL && !json_is_string(v))
        *bad = 1;
    return json_string_value(v);
}

/* Answers suppression id of t (status 201) and closes t. */
static int reply_suppression(tk_server_req *r, tk_tenant *t, int64_t id)
{
    tk_suppression s;
    tk_error err = {0};
    const int rc = tk_suppress_get(tk_tenant_db(t), id, &s, &err);
    json_t *doc = rc == TK_OK ? tk_jsonout_suppression(&s) : NULL;
    tk_suppress_dispose(&s);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    char target[32];
    snprintf(target, sizeof target, "%lld", (long long)id);
    tk_server_req_target(r, target);
    return tk_server_reply_json(r, 201, doc);
}

/* Answers an error of models/suppress: 422 for a refused value, 409 for
 * an item in the wrong state, else by code. */
static int suppress_error(tk_server_req *r, tk_error *err)
{
    if (err->code == TK_EINVAL)
        return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(err->msg));
    return tk_server_reply_tk_error(r, err);
}

static int suppressions_list(tk_server_req *r)
{
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_suppression *s = NULL;
    size_t n = 0;
    tk_error err = {0};
    const int rc = tk_suppress_list(tk_tenant_db(t), &s, &n, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, tk_jsonout_suppression(&s[i]));
    tk_suppress_free(s, n);
    return tk_server_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int suppressions_add(tk_server_req *r)
{
    json_t *body = tk_server_req_body(r);
    int bad = 0;
    const tk_suppress_spec base = {
        str_member(body, "rule_id", &bad), str_member(body, "entity_type", &bad),
        str_member(body, "entity_id", &bad), str_member(body, "reason", &bad), 0};
    const char *expires = str_member(body, "expires", &bad);
    tk_suppress_spec s = base;
    tk_error err = {0};
    if (bad || !s.rule_id || !s.entity_type || !s.entity || !s.reason || !expires ||
        json_object_size(body) != 5)
        return tk_handler_unprocessable(
            r, "the body is {\"rule_id\", \"entity_type\", \"entity_id\", "
               "\"reason\", \"expires\": YYYY-MM-DD}, all strings, and nothing "
               "else");
    if (tk_suppress_parse_day(expires, &s.expires_day, &err) != TK_OK)
        return suppress_error(r, &err);
    tk_tenant *t = NULL;
    if (tk_handler_open_writer(r, "suppression over https", &t))
        return 0;
    int64_t id = 0;
    if (tk_suppress_add(tk_tenant_db(t), &s, tk_server_req_actor(r), &id, &err) != TK_OK) {
        tk_tenant_close(t);
        return suppress_error(r, &err);
    }
    return reply_suppression(r, t, id);
}

static int suppressions_delete(tk_server_req *r)
{
    const char *p = tk_server_req_param(r);
    uint64_t id = 0;
    tk_error err = {0};
    if (p == NULL || tk_server_parse_count(p, strlen(p), INT64_MAX, &id, &err) != TK_OK)
        return tk_handler_bad_arg(r, "id", "expected a suppression id, a positive integer");
    tk_server_req_target(r, p);
    tk_tenant *t = NULL;
    if (tk_handler_open_writer(r, "suppression deleted over https", &t))
        return 0;
    const int rc = tk_suppress_delete(tk_tenant_db(t), (int64_t)id, tk_server_req_actor(r), &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    return tk_server_reply_json(r, 200,
                                json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", "deleted"));
}

static int anomaly_suppress(tk_server_req *r)
{
    int64_t run, rank;
    if (tk_handler_item_id(r, &run, &rank))
        return 0;
    json_t *body = tk_server_req_body(r);
    int bad = 0;
    const char *reason = str_member(body, "reason", &bad);
    const char *expires = str_member(body, "expires", &bad);
    int64_t day = 0;
    tk_error err = {0};
    if (bad || !reason || !expires || json_object_size(body) != 2)
        return tk_handler_unprocessable(
            r, "the body is {\"reason\": string, \"expires\": YYYY-MM-DD} and "
               "nothing else");
    if (tk_suppress_parse_day(expires, &day, &err) != TK_OK)
        return suppress_error(r, &err);
    tk_tenant *t = NULL;
    if (tk_handler_open_writer(r, "suppression of an item over https", &t))
        return 0;
    int64_t id = 0;
    if (tk_suppress_from_item(tk_tenant_db(t), run, rank, reason, day, tk_server_req_actor(r), &id,
                              &err) != TK_OK) {
        tk_tenant_close(t);
        return suppress_error(r, &err);
    }
    return reply_suppression(r, t, id);
}

/* ---- preview ------------------------------------------------------------------------ */

static int preview(tk_server_req *r)
{
    json_t *body = tk_server_req_body(r);
    json_t *rules = json_object_get(body, "rules"), *periods = json_object_get(body, "periods");
    json_t *baseline = json_object_get(body, "baseline");
    const size_t keys =
        (size_t)(rules != NULL) + (size_t)(periods != NULL) + (size_t)(baseline != NULL);
    if ((rules != NULL && !json_is_object(rules)) ||
        (baseline != NULL && !json_is_object(baseline)) || (rules == NULL && baseline == NULL) ||
        (periods != NULL && !json_is_integer(periods)) || json_object_size(body) != keys)
        return tk_handler_unprocessable(
            r, "the body is {\"rules\": {\"R03\": {\"enabled\", \"severity\", "
               "\"params\"}, ...}, \"baseline\": {\"trees\": 200, ...}, "
               "\"periods\": 1..6 (optional, 1)}, rules or baseline or both, "
               "and nothing else");
    const json_int_t np = periods ? json_integer_value(periods) : 1;
    if (np < 1 || np > TK_TUNING_PREVIEW_MAX)
        return tk_server_reply_error(
            r, 422, "unprocessable",
            json_pack("{s:s,s:s}", "parameter", "$.periods", "reason", "expected 1 to 6 periods"));
    char *text = rules ? json_dumps(rules, JSON_COMPACT) : NULL;
    char *btext = baseline ? json_dumps(baseline, JSON_COMPACT) : NULL;
    if ((rules && text == NULL) || (baseline && btext == NULL)) {
        free(text);
        free(btext);
        return tk_server_reply_error(r, 500, "internal", NULL);
    }
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK) {
        free(text);
        free(btext);
        return 0;
    }
    tk_tuning_preview p;
    tk_error err = {0};
    const int rc = tk_tuning_preview_run(t, text, text ? strlen(text) : 0, btext,
                                         btext ? strlen(btext) : 0, (size_t)np, &p, &err);
    free(text);
    free(btext);
    tk_tenant_close(t);
    if (rc == TK_EINVAL || rc == TK_EPARSE)
        return tk_handler_unprocessable(r, err.msg);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *doc = tk_jsonout_preview(&p);
    tk_tuning_preview_dispose(&p);
    return tk_server_reply_json(r, 200, doc);
}

static const tk_route tuning[] = {
    {"GET", "/api/v1/rules", TK_ROUTE_AUTH, TK_ROUTE_READERS, rules_list,
     "the rule configuration in force"},
    {"GET", "/api/v1/rules/{id}", TK_ROUTE_AUTH, TK_ROUTE_READERS, rule_get, "one rule in force"},
    {"PUT", "/api/v1/rules/{id}", TK_ROUTE_AUTH, CHANGERS, rule_put,
     "change a rule: enabled, severity, parameters"},
    {"DELETE", "/api/v1/rules/{id}", TK_ROUTE_AUTH, CHANGERS, rule_delete,
     "put a rule back to the catalogue's defaults"},
    {"GET", "/api/v1/rules/{id}/history", TK_ROUTE_AUTH, TK_ROUTE_READERS, rule_history,
     "the versions that changed a rule"},
    {"POST", "/api/v1/preview", TK_ROUTE_AUTH, CHANGERS, preview,
     "what a rule configuration or baseline settings would list in the last analysed periods"},
    {"GET", "/api/v1/suppressions", TK_ROUTE_AUTH, TK_ROUTE_READERS, suppressions_list,
     "the suppressions in force"},
    {"POST", "/api/v1/suppressions", TK_ROUTE_AUTH, CHANGERS, suppressions_add,
     "suppress a rule's findings about an entity"},
    {"DELETE", "/api/v1/suppressions/{id}", TK_ROUTE_AUTH, CHANGERS, suppressions_delete,
     "delete a suppression"},
    {"POST", "/api/v1/anomalies/{id}/suppress", TK_ROUTE_AUTH, CHANGERS, anomaly_suppress,
     "suppress a false-positive item's rule for its entity"},
};

const tk_route *tk_routes_tuning(size_t *n)
{
    *n = sizeof tuning / sizeof tuning[0];
    return tuning;
}
