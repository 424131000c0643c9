/* api/routes_periods.c -- periods over HTTP, and one analysis run.
 *
 * GET /api/v1/periods and /api/v1/periods/{period} read models/periods
 * (the function `tenken periods` prints); POST .../deliver delivers
 * through tk_periods_deliver(), as `tenken deliver` does, under the
 * tenant's writer lock taken without waiting. A period in the path is
 * `YYYY-MM-DD..YYYY-MM-DD`, parsed by src/period. GET /api/v1/runs/{id}
 * reads one run through models/anomalies. GET .../completeness answers
 * models/completeness's grid (every role: the city's uploader checks what
 * arrived); PUT .../plan sets the period's schedule through models/periods.
 *
 * Thread-safe: no state; each request opens its tenant. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "models/anomalies.h"
#include "models/completeness.h"
#include "models/periods.h"
#include "src/checked.h"
#include "src/period.h"
#include "src/timefmt.h"

/* The {period} of the path; answers 400 and returns -1 when it is bad. */
static int path_period(tk_server_req *r, tk_period *pr)
{
    const char *p = tk_server_req_param(r);
    tk_error err = {0};
    if (tk_period_parse(p, strlen(p), pr, &err) != TK_OK)
        return tk_handler_bad_arg(r, "period", err.msg), -1;
    return 0;
}

static int list(tk_server_req *r)
{
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_periods_entry *v = NULL;
    size_t n = 0;
    tk_error err = {0};
    const int rc = tk_periods_list(tk_tenant_db(t), &v, &n, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, tk_jsonout_period(&v[i]));
    tk_periods_free(v, n);
    return tk_server_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int get(tk_server_req *r)
{
    tk_period pr;
    if (path_period(r, &pr))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_periods_entry e;
    tk_error err = {0};
    const int rc = tk_periods_get(tk_tenant_db(t), &pr, &e, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    json_t *doc = tk_jsonout_period(&e);
    tk_periods_entry_dispose(&e);
    return tk_server_reply_json(r, 200, doc);
}

static int deliver(tk_server_req *r)
{
    tk_period pr;
    if (path_period(r, &pr))
        return 0;
    json_t *body = tk_server_req_body(r);
    json_t *force = json_object_get(body, "force");
    if ((body != NULL && !json_is_object(body)) || (force != NULL && !json_is_boolean(force)) ||
        json_object_size(body) != (force != NULL ? 1u : 0u))
        return tk_server_reply_error(
            r, 422, "unprocessable",
            tk_handler_reason("the body is {\"force\": boolean (optional)} and nothing else"));
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 1, &t) != TK_OK)
        return 0;
    char what[96], pb[32];
    tk_period_format(&pr, pb, sizeof pb);
    snprintf(what, sizeof what, "delivery of %s over https", pb);
    tk_error err = {0};
    tk_periods_entry e;
    memset(&e, 0, sizeof e);
    int rc = tk_tenant_lock_writer(t, what, TK_TENANT_NOWAIT, NULL, NULL, &err);
    if (rc == TK_OK)
        rc = tk_periods_deliver(tk_tenant_db(t), &pr, json_is_true(force), tk_server_req_actor(r),
                                &err);
    /* Without a run the period is not unknown: the delivery conflicts
     * with its state (nothing analysed), so 409 rather than 404. */
    if (rc == TK_ENOTFOUND)
        err.code = rc = TK_EFROZEN;
    if (rc == TK_OK)
        rc = tk_periods_get(tk_tenant_db(t), &pr, &e, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *doc = tk_jsonout_period(&e);
    tk_periods_entry_dispose(&e);
    return tk_server_reply_json(r, 200, doc);
}

static int run(tk_server_req *r)
{
    const char *p = tk_server_req_param(r);
    int64_t id = 0;
    if (!tk_parse_i64(p, strlen(p), &id) || id < 1)
        return tk_handler_bad_arg(r, "id", "expected a run id (a positive integer)");
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_anomalies_run info;
    tk_error err = {0};
    const int rc = tk_anomalies_run_get(tk_tenant_db(t), id, &info, &err);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_anomalies_run_dispose(&info);
        return tk_handler_read_error(r, &err);
    }
    json_t *doc = tk_jsonout_run(&info);
    tk_anomalies_run_dispose(&info);
    return tk_server_reply_json(r, 200, doc);
}

static int completeness(tk_server_req *r)
{
    tk_period pr;
    if (path_period(r, &pr))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    const int64_t today = tk_jst_day(tk_actor_now(tk_server_req_actor(r)));
    tk_completeness c;
    tk_error err = {0};
    const int rc = tk_completeness_compute(t, &pr, today, &c, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    json_t *doc = tk_jsonout_completeness(&c, today);
    tk_completeness_dispose(&c);
    return tk_server_reply_json(r, 200, doc);
}

/* A day member of the plan body into *day; 0, or -1 with 422 queued. */
static int body_day(tk_server_req *r, json_t *body, const char *key, int64_t *day)
{
    const char *v = json_string_value(json_object_get(body, key));
    tk_error err = {0};
    if (v == NULL || tk_period_parse_day(v, strlen(v), day, &err) != TK_OK) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s is a day written YYYY-MM-DD", key);
        return tk_handler_unprocessable(r, msg), -1;
    }
    return 0;
}

static int plan(tk_server_req *r)
{
    tk_period pr;
    if (path_period(r, &pr))
        return 0;
    json_t *body = tk_server_req_body(r);
    int64_t deadline = 0, due = 0;
    if (!json_is_object(body) || json_object_size(body) != 2)
        return tk_handler_unprocessable(
            r, "the body is {\"upload_deadline\": \"YYYY-MM-DD\", \"delivery_due\": "
               "\"YYYY-MM-DD\"} and nothing else");
    if (body_day(r, body, "upload_deadline", &deadline) || body_day(r, body, "delivery_due", &due))
        return 0;
    char what[96], pb[32];
    tk_period_format(&pr, pb, sizeof pb);
    snprintf(what, sizeof what, "plan of %s over https", pb);
    tk_tenant *t = NULL;
    if (tk_handler_open_writer(r, what, &t))
        return 0;
    tk_error err = {0};
    tk_periods_entry e;
    memset(&e, 0, sizeof e);
    int rc =
        tk_periods_plan(tk_tenant_db(t), &pr, &deadline, &due, 1, tk_server_req_actor(r), &err);
    /* A deadline before the period's end is a value the body may not
     * have, not a malformed request. */
    if (rc == TK_EINVAL) {
        tk_tenant_close(t);
        return tk_handler_unprocessable(r, err.msg);
    }
    if (rc == TK_OK)
        rc = tk_periods_get(tk_tenant_db(t), &pr, &e, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *doc = tk_jsonout_period(&e);
    tk_periods_entry_dispose(&e);
    return tk_server_reply_json(r, 200, doc);
}

static const tk_route routes[] = {
    {"GET", "/api/v1/runs/{id}", TK_ROUTE_AUTH, TK_ROUTE_READERS, run,
     "one analysis run: options, notes, counts, who started it"},
    {"GET", "/api/v1/periods", TK_ROUTE_AUTH, TK_ROUTE_READERS, list,
     "the periods known from runs and deliveries"},
    {"GET", "/api/v1/periods/{period}", TK_ROUTE_AUTH, TK_ROUTE_READERS, get,
     "one period: runs, cases by triage status, delivery"},
    {"POST", "/api/v1/periods/{period}/deliver", TK_ROUTE_AUTH, TK_ROUTE_ANALYST | TK_ROUTE_ADMIN,
     deliver, "record the delivery of a period's report (freezes it)"},
    {"GET", "/api/v1/periods/{period}/completeness", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, completeness,
     "the system x day grid of stored rows, with missing and low days flagged"},
    {"PUT", "/api/v1/periods/{period}/plan", TK_ROUTE_AUTH, TK_ROUTE_ANALYST | TK_ROUTE_ADMIN, plan,
     "plan a period in the schedule: upload deadline and report due day"},
};

const tk_route *tk_routes_periods(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
