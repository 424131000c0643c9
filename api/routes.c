/* api/routes.c -- the handlers of the service's routes.
 *
 * Each handler reads its arguments (already checked by the server as
 * UTF-8 without control characters), refuses bad values with 400 (or 422
 * for a well-formed body whose values are not acceptable), opens the
 * tenant the credential allows (tk_server_req_tenant: read-only for
 * reads) and answers through api/jsonout.h. An anomaly's id is
 * "RUN-RANK": the analysis run and the item's rank in it, so that an id
 * names one item for good even after a newer run of the same period.
 *
 * Roles follow docs/accounts.md: an uploader reads no anomalies, a
 * reporter reads them, an analyst reads and triages, an admin does all
 * and reads the audit log. */
#include "api/routes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "models/anomalies.h"
#include "models/evidence.h"
#include "src/alloc.h"
#include "src/audit.h"
#include "src/checked.h"
#include "src/period.h"

/* ---- service ----------------------------------------------------------------------- */

static int healthz(tk_server_req *r)
{
    return tk_server_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static int metrics(tk_server_req *r)
{
    char *text = NULL;
    size_t len = 0;
    tk_error err = {0};
    if (tk_server_metrics(tk_server_req_server(r), &text, &len, &err) != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    tk_server_reply_text(r, 200, text, len);
    free(text);
    return 0;
}

/* ---- session -------------------------------------------------------------------------- */

static json_t *who(const tk_account_auth *a, const char *via)
{
    return json_pack("{s:s,s:s,s:o,s:s,s:o}", "name", a->account, "role", a->role, "tenant",
                     a->tenant[0] ? json_string(a->tenant) : json_null(), "via", via, "expires_at",
                     tk_jsonout_time(a->expires_ms));
}

static int login(tk_server_req *r)
{
    json_t *body = tk_server_req_body(r);
    json_t *name = json_object_get(body, "name"), *pw = json_object_get(body, "password");
    if (!json_is_string(name) || !json_is_string(pw) || json_object_size(body) != 2)
        return tk_server_reply_error(
            r, 422, "unprocessable",
            tk_handler_reason(
                "the body is {\"name\": string, \"password\": string} and nothing else"));
    tk_server_req_target(r, tk_account_check_name(json_string_value(name), NULL) == TK_OK
                                ? json_string_value(name)
                                : NULL);
    tk_account_auth a;
    tk_error err = {0};
    memset(&a, 0, sizeof a);
    const int rc = tk_account_login(tk_server_req_accounts(r), json_string_value(name),
                                    json_string_value(pw), json_string_length(pw),
                                    tk_server_req_address(r), tk_server_req_actor(r), &a, &err);
    if (rc == TK_EREJECTED) {
        switch (a.refusal) {
        case TK_ACCOUNT_LOCKED: {
            char after[32];
            const int64_t ms = a.locked_until_ms - tk_actor_now(tk_server_req_actor(r));
            snprintf(after, sizeof after, "%lld", (long long)(ms > 0 ? (ms + 999) / 1000 : 1));
            tk_server_req_header(r, "Retry-After", after);
            return tk_server_reply_error(r, 429, "too_many_requests", tk_handler_reason(err.msg));
        }
        case TK_ACCOUNT_DISABLED:
            return tk_server_reply_error(r, 403, "account_disabled", NULL);
        default:
            return tk_server_reply_error(r, 401, "wrong_credentials", NULL);
        }
    }
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    char cookie[256];
    snprintf(cookie, sizeof cookie,
             "tenken_session=%s; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=%lld",
             a.session, (long long)(12 * 3600));
    tk_server_req_header(r, "Set-Cookie", cookie);
    json_t *doc = who(&a, "session");
    json_object_set_new(doc, "csrf_token", json_string(a.csrf));
    return tk_server_reply_json(r, 200, doc);
}

static int whoami(tk_server_req *r)
{
    const tk_account_auth *a = tk_server_req_auth(r);
    json_t *doc = who(a, a->token_id[0] ? "token" : "session");
    /* A page reloaded in the browser keeps its cookie but not the token it
     * got at login; the session's own answer gives it back. It is no
     * secret from the session's holder, and another site cannot read this
     * answer (SameSite=Strict, no CORS). */
    if (!a->token_id[0])
        json_object_set_new(doc, "csrf_token", json_string(a->csrf));
    return tk_server_reply_json(r, 200, doc);
}

static int logout(tk_server_req *r)
{
    const tk_account_auth *a = tk_server_req_auth(r);
    if (a->token_id[0])
        return tk_server_reply_error(
            r, 400, "bad_request",
            tk_handler_reason("an api token has no session to end: revoke it "
                              "with tenken token revoke"));
    /* authenticate() accepted the cookie, so it is there. */
    const char *cookie = tk_server_req_cookie(r);
    tk_error err = {0};
    if (tk_account_session_end(tk_server_req_accounts(r), cookie, strlen(cookie),
                               tk_server_req_actor(r), &err) != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    tk_server_req_header(r, "Set-Cookie",
                         "tenken_session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
    return tk_server_reply_json(r, 200, json_pack("{s:s}", "status", "logged_out"));
}

/* ---- audit ----------------------------------------------------------------------------------- */

static int audit_list(tk_server_req *r)
{
    const tk_account_auth *a = tk_server_req_auth(r);
    tk_audit_filter f = TK_AUDIT_FILTER_INIT;
    uint64_t limit = 100;
    const char *tenant = tk_server_req_query(r, "tenant");
    if (a->tenant[0]) {
        if (tenant != NULL && strcmp(tenant, a->tenant) != 0)
            return tk_server_reply_error(r, 403, "tenant_forbidden", NULL);
        tenant = a->tenant; /* an admin of one tenant reads only its records */
    }
    const char *order = tk_server_req_query(r, "order");
    if (order != NULL && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0)
        return tk_handler_bad_arg(r, "order", "expected asc or desc");
    f.newest_first = order != NULL && strcmp(order, "desc") == 0;
    if (tk_handler_int_arg(r, "since", &f.since_ms) ||
        tk_handler_int_arg(r, "until", &f.until_ms) ||
        tk_handler_int_arg(r, "after", &f.after_id) ||
        tk_handler_int_arg(r, "before", &f.before_id) ||
        tk_handler_count_arg(r, "limit", 1000, &limit))
        return 0;
    f.tenant = tenant;
    f.actor = tk_server_req_query(r, "actor");
    f.action = tk_server_req_query(r, "action");
    f.limit = (size_t)limit;
    tk_audit_entry *e = NULL;
    size_t n = 0;
    tk_error err = {0};
    if (tk_audit_list(tk_account_store_db(tk_server_req_accounts(r)), &f, &e, &n, &err) != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            items,
            json_pack("{s:I,s:o,s:o,s:s,s:o,s:o,s:s,s:o,s:s,s:o}", "id", (json_int_t)e[i].id,
                      "time", tk_jsonout_time(e[i].time_ms), "tenant",
                      tk_handler_opt_str(e[i].tenant), "actor", e[i].actor, "role",
                      tk_handler_opt_str(e[i].role), "address", tk_handler_opt_str(e[i].address),
                      "action", e[i].action, "target", tk_handler_opt_str(e[i].target), "outcome",
                      e[i].outcome, "detail", tk_handler_opt_str(e[i].detail)));
    json_t *doc = json_pack("{s:o,s:o}", "items", items, "next",
                            n == (size_t)limit && n > 0 ? json_integer((json_int_t)e[n - 1].id)
                                                        : json_null());
    tk_audit_entries_free(e, n);
    return tk_server_reply_json(r, 200, doc);
}

/* ---- runs and anomalies -------------------------------------------------------------- */

static int runs(tk_server_req *r)
{
    tk_period pr;
    int has_period;
    int64_t before = 0;
    uint64_t limit = 50;
    if (tk_handler_period_arg(r, &pr, &has_period) || tk_handler_int_arg(r, "before", &before) ||
        tk_handler_count_arg(r, "limit", 1000, &limit))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_anomalies_run *list = NULL;
    size_t n = 0;
    tk_error err = {0};
    const int rc = tk_anomalies_runs_list(tk_tenant_db(t), has_period ? &pr : NULL, before,
                                          (size_t)limit, &list, &n, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, tk_jsonout_run(&list[i]));
    json_t *doc =
        json_pack("{s:o,s:o}", "items", items, "next_before",
                  n == (size_t)limit && n > 0 ? json_integer(list[n - 1].id) : json_null());
    tk_anomalies_runs_free(list, n);
    return tk_server_reply_json(r, 200, doc);
}

static int anomalies(tk_server_req *r)
{
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    tk_error err = {0};
    tk_period pr;
    int has_period;
    int64_t run_id = 0;
    uint64_t limit = TK_ANOMALIES_PAGE_DEFAULT;
    if (tk_handler_period_arg(r, &pr, &has_period) || tk_handler_int_arg(r, "run", &run_id) ||
        tk_handler_count_arg(r, "limit", TK_ANOMALIES_PAGE_MAX, &limit))
        return 0;
    q.limit = (size_t)limit;
    q.entity_type = tk_server_req_query(r, "entity_type");
    q.entity = tk_server_req_query(r, "entity_id");
    q.system = tk_server_req_query(r, "system");
    q.dept = tk_server_req_query(r, "dept");
    q.rule = tk_server_req_query(r, "rule");
    q.source = tk_server_req_query(r, "source");
    q.cursor = tk_server_req_query(r, "cursor");
    const char *v = tk_server_req_query(r, "status");
    if (v != NULL) {
        tk_anomalies_status s;
        if (tk_anomalies_status_parse(v, &s, &err) != TK_OK)
            return tk_handler_bad_arg(r, "status", err.msg);
        q.status = (int)s;
    }
    if ((v = tk_server_req_query(r, "sort")) != NULL &&
        tk_anomalies_order_parse(v, &q.order, &err) != TK_OK)
        return tk_handler_bad_arg(r, "sort", err.msg);
    if ((v = tk_server_req_query(r, "min_score")) != NULL &&
        (!tk_parse_f64(v, strlen(v), &q.min_score) || q.min_score < 0 || q.min_score > 100))
        return tk_handler_bad_arg(r, "min_score", "expected a number from 0 to 100");

    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_anomalies_run info;
    tk_anomalies_page page;
    memset(&info, 0, sizeof info);
    memset(&page, 0, sizeof page);
    int rc = run_id > 0
                 ? tk_anomalies_run_get(tk_tenant_db(t), run_id, &info, &err)
                 : tk_anomalies_find_run(tk_tenant_db(t), has_period ? &pr : NULL, &info, &err);
    if (rc == TK_ENOTFOUND)
        snprintf(err.msg, sizeof err.msg, "no analysis run%s", has_period ? " of that period" : "");
    if (rc == TK_OK)
        rc = tk_anomalies_list(tk_tenant_db(t), info.id, &q, &page, &err);
    /* The list is the service's most frequent answer: its text is written
     * straight, the same as tk_jsonout_page() with the items' ids. */
    tk_jsontext text;
    tk_jsontext_init(&text);
    if (rc == TK_OK && tk_jsonout_page_text(&info, &page, 1, &text) != 0)
        rc = tk_error_set(&err, TK_ENOMEM, "out of memory writing a page");
    tk_anomalies_page_dispose(&page);
    tk_anomalies_run_dispose(&info);
    tk_tenant_close(t);
    if (rc == TK_OK)
        tk_server_reply_bytes(r, 200, "application/json; charset=utf-8", text.p, text.len);
    tk_jsontext_dispose(&text);
    return rc == TK_OK ? 0 : tk_handler_read_error(r, &err);
}

static int anomaly(tk_server_req *r)
{
    int64_t run, rank;
    if (tk_handler_item_id(r, &run, &rank))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_anomalies_item it;
    tk_error err = {0};
    memset(&it, 0, sizeof it);
    const int rc = tk_anomalies_get(tk_tenant_db(t), run, rank, &it, &err);
    json_t *doc = rc == TK_OK ? tk_jsonout_item(&it) : NULL;
    if (doc != NULL)
        tk_handler_set_item_id(doc, run, rank);
    tk_anomalies_item_dispose(&it);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

static int evidence(tk_server_req *r)
{
    int64_t run, rank, offset = 0;
    uint64_t limit = 100;
    if (tk_handler_item_id(r, &run, &rank) || tk_handler_int_arg(r, "offset", &offset) ||
        tk_handler_count_arg(r, "limit", 1000, &limit))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_evidence *e = NULL;
    tk_error err = {0};
    const int rc = tk_anomalies_evidence(tk_tenant_db(t), run, rank, &e, &err);
    json_t *doc = NULL;
    if (rc == TK_OK) {
        const size_t n = tk_evidence_count(e);
        json_t *rows = json_array();
        for (size_t i = (size_t)offset; i < n && i - (size_t)offset < (size_t)limit; i++)
            json_array_append_new(rows, tk_jsonout_evidence_row(tk_evidence_row_at(e, i)));
        const size_t next = (size_t)offset + (size_t)limit;
        doc = json_pack("{s:I,s:I,s:I,s:o,s:o}", "offset", (json_int_t)offset, "count",
                        (json_int_t)n, "total", (json_int_t)tk_evidence_total(e), "next_offset",
                        next < n ? json_integer((json_int_t)next) : json_null(), "rows", rows);
        tk_handler_set_item_id(doc, run, rank);
    }
    tk_evidence_destroy(e);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

static int history(tk_server_req *r)
{
    int64_t run, rank;
    if (tk_handler_item_id(r, &run, &rank))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_anomalies_decision *d = NULL;
    size_t n = 0;
    tk_error err = {0};
    const int rc = tk_anomalies_history(tk_tenant_db(t), run, rank, &d, &n, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, tk_jsonout_decision(&d[i]));
    tk_anomalies_decisions_free(d, n);
    json_t *doc = json_pack("{s:o}", "items", items);
    tk_handler_set_item_id(doc, run, rank);
    return tk_server_reply_json(r, 200, doc);
}

static int triage(tk_server_req *r)
{
    int64_t run, rank;
    if (tk_handler_item_id(r, &run, &rank))
        return 0;
    json_t *body = tk_server_req_body(r);
    json_t *status = json_object_get(body, "status"), *comment = json_object_get(body, "comment");
    const size_t keys = 1 + (comment != NULL);
    tk_anomalies_status s;
    tk_error err = {0};
    if (!json_is_string(status) ||
        (comment != NULL && !json_is_string(comment) && !json_is_null(comment)) ||
        json_object_size(body) != keys)
        return tk_server_reply_error(
            r, 422, "unprocessable",
            tk_handler_reason("the body is {\"status\": string, \"comment\": "
                              "string or null (optional)} and nothing else"));
    if (tk_anomalies_status_parse(json_string_value(status), &s, &err) != TK_OK)
        return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(err.msg));
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 1, &t) != TK_OK)
        return 0;
    char what[96];
    snprintf(what, sizeof what, "triage of item %lld-%lld over https", (long long)run,
             (long long)rank);
    int rc = tk_tenant_lock_writer(t, what, TK_TENANT_NOWAIT, NULL, NULL, &err);
    if (rc == TK_OK)
        rc = tk_anomalies_triage(tk_tenant_db(t), run, rank, s,
                                 json_is_string(comment) ? json_string_value(comment) : NULL,
                                 tk_server_req_actor(r), &err);
    tk_anomalies_item it;
    memset(&it, 0, sizeof it);
    if (rc == TK_OK)
        rc = tk_anomalies_get(tk_tenant_db(t), run, rank, &it, &err);
    json_t *doc = rc == TK_OK ? tk_jsonout_item(&it) : NULL;
    if (doc != NULL)
        tk_handler_set_item_id(doc, run, rank);
    tk_anomalies_item_dispose(&it);
    tk_tenant_close(t);
    if (rc == TK_EINVAL)
        return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(err.msg));
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

/* Most cases one bulk triage decides. */
#define BULK_TRIAGE_MAX 1000

/* A per-id error of a bulk triage: {"id", "status", "reason"}. */
static void bulk_error(json_t *items, const char *id, int status, const char *reason)
{
    json_array_append_new(items,
                          json_pack("{s:s,s:i,s:s}", "id", id, "status", status, "reason", reason));
}

/* POST /api/v1/anomalies/triage {"ids": [...], "status", "comment"}: one
 * decision on many cases, all or nothing. Every id is checked first
 * (well-formed, not repeated: 422 naming each bad one); then, holding the
 * tenant's writer lock, one transaction records the decisions, and any
 * case that cannot take it (unknown: 404, delivered period: 409, a
 * comment or status it refuses: 422) rolls the whole back, the answer
 * listing every such id in details.items. The request's own audit record
 * names no target; each decided case gets a record "anomaly.triage" of
 * its own, written once the transaction is committed. */
static int triage_bulk(tk_server_req *r)
{
    json_t *body = tk_server_req_body(r);
    json_t *ids = json_object_get(body, "ids"), *status = json_object_get(body, "status"),
           *comment = json_object_get(body, "comment");
    const size_t keys = 2 + (comment != NULL);
    tk_anomalies_status s;
    tk_error err = {0};
    if (!json_is_array(ids) || !json_is_string(status) ||
        (comment != NULL && !json_is_string(comment) && !json_is_null(comment)) ||
        json_object_size(body) != keys)
        return tk_server_reply_error(
            r, 422, "unprocessable",
            tk_handler_reason("the body is {\"ids\": [\"RUN-RANK\", ...], \"status\": string, "
                              "\"comment\": string or null (optional)} and nothing else"));
    const size_t n = json_array_size(ids);
    if (n == 0 || n > BULK_TRIAGE_MAX)
        return tk_server_reply_error(
            r, 422, "unprocessable",
            json_pack("{s:s,s:s}", "parameter", "$.ids", "reason", "expected 1 to 1000 case ids"));
    if (tk_anomalies_status_parse(json_string_value(status), &s, &err) != TK_OK)
        return tk_server_reply_error(
            r, 422, "unprocessable",
            json_pack("{s:s,s:s}", "parameter", "$.status", "reason", err.msg));
    int64_t *run = tk_calloc(2 * n, sizeof *run);
    if (run == NULL)
        return tk_server_reply_error(r, 500, "internal", NULL);
    int64_t *rank = run + n;
    json_t *bad = json_array();
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(ids, i);
        const char *id = json_is_string(v) ? json_string_value(v) : "";
        tk_error e2 = {0};
        if (!json_is_string(v) ||
            tk_server_parse_item_id(id, json_string_length(v), &run[i], &rank[i], &e2) != TK_OK) {
            bulk_error(bad, id, 422, json_is_string(v) ? e2.msg : "expected a string RUN-RANK");
            continue;
        }
        for (size_t k = 0; k < i; k++)
            if (run[k] == run[i] && rank[k] == rank[i]) {
                bulk_error(bad, id, 422, "the id is listed twice");
                break;
            }
    }
    if (json_array_size(bad) > 0) {
        tk_free(run);
        return tk_server_reply_error(
            r, 422, "unprocessable",
            json_pack("{s:s,s:s,s:o}", "parameter", "$.ids", "reason",
                      "some ids are malformed or repeated: nothing was recorded", "items", bad));
    }
    tk_server_req_target(r, NULL);
    tk_tenant *t = NULL;
    char what[64];
    snprintf(what, sizeof what, "triage of %zu cases over https", n);
    if (tk_handler_open_writer(r, what, &t)) {
        tk_free(run);
        json_decref(bad);
        return 0;
    }
    tk_db *db = tk_tenant_db(t);
    const char *text = json_is_string(comment) ? json_string_value(comment) : NULL;
    int answer = 200, rc = tk_db_begin(db, &err);
    for (size_t i = 0; rc == TK_OK && i < n; i++) {
        tk_error e2 = {0};
        const int one =
            tk_anomalies_triage(db, run[i], rank[i], s, text, tk_server_req_actor(r), &e2);
        if (one == TK_OK)
            continue;
        const int st = one == TK_ENOTFOUND ? 404
                       : one == TK_EFROZEN ? 409
                       : one == TK_EINVAL  ? 422
                                           : 0;
        if (st == 0) { /* the database itself failed: stop */
            err = e2;
            rc = one;
            break;
        }
        bulk_error(bad, json_string_value(json_array_get(ids, i)), st, e2.msg);
        /* The answer's status: an unknown case first, then a delivered period. */
        if (answer == 200 || st == 404 || (st == 409 && answer == 422))
            answer = st;
    }
    if (rc == TK_OK && answer == 200)
        rc = tk_db_commit(db, &err);
    else
        tk_db_rollback(db);
    json_t *doc = NULL;
    if (rc == TK_OK && answer == 200) {
        json_t *items = json_array();
        for (size_t i = 0; rc == TK_OK && i < n; i++) {
            tk_anomalies_item it;
            memset(&it, 0, sizeof it);
            rc = tk_anomalies_get(db, run[i], rank[i], &it, &err);
            json_t *o = rc == TK_OK ? tk_jsonout_item(&it) : NULL;
            if (o != NULL) {
                tk_handler_set_item_id(o, run[i], rank[i]);
                json_array_append_new(items, o);
            }
            tk_anomalies_item_dispose(&it);
        }
        doc = json_pack("{s:s,s:I,s:o}", "status", tk_anomalies_status_name(s), "count",
                        (json_int_t)n, "items", items);
        char detail[64];
        snprintf(detail, sizeof detail, "%s (one of %zu decided together)",
                 tk_anomalies_status_name(s), n);
        for (size_t i = 0; i < n; i++) {
            tk_error e2 = {0};
            if (tk_audit_record(tk_account_store_db(tk_server_req_accounts(r)),
                                tk_server_req_actor(r), tk_tenant_name(t), "anomaly.triage",
                                json_string_value(json_array_get(ids, i)), TK_AUDIT_OK, detail,
                                &e2) != TK_OK)
                fprintf(stderr, "tenken serve: audit: %s\n", e2.msg);
        }
    }
    tk_tenant_close(t);
    tk_free(run);
    if (rc != TK_OK) {
        json_decref(bad);
        json_decref(doc);
        return tk_server_reply_tk_error(r, &err);
    }
    if (answer != 200) {
        char reason[128];
        snprintf(reason, sizeof reason,
                 "%zu of %zu cases cannot take the decision: nothing was recorded",
                 json_array_size(bad), n);
        return tk_server_reply_error(r, (unsigned)answer,
                                     answer == 404   ? "not_found"
                                     : answer == 409 ? "conflict"
                                                     : "unprocessable",
                                     json_pack("{s:s,s:o}", "reason", reason, "items", bad));
    }
    json_decref(bad);
    return tk_server_reply_json(r, 200, doc);
}

static const tk_route core[] = {
    {"GET", "/healthz", TK_ROUTE_PUBLIC, 0, healthz, "liveness: {\"status\":\"ok\"}"},
    {"GET", "/metrics", TK_ROUTE_ADMIN_OR_LOOPBACK, TK_ROUTE_ADMIN, metrics, "Prometheus counters"},
    {"POST", "/api/v1/session", TK_ROUTE_PUBLIC, 0, login, "log in: a session cookie"},
    {"GET", "/api/v1/session", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, whoami, "who am I"},
    {"DELETE", "/api/v1/session", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, logout, "log out"},
    {"GET", "/api/v1/audit", TK_ROUTE_AUTH, TK_ROUTE_ADMIN, audit_list, "the audit log"},
    {"GET", "/api/v1/runs", TK_ROUTE_AUTH, TK_ROUTE_READERS, runs, "analysis runs, newest first"},
    {"GET", "/api/v1/anomalies", TK_ROUTE_AUTH, TK_ROUTE_READERS, anomalies,
     "a ranked list, paged"},
    {"GET", "/api/v1/anomalies/{id}", TK_ROUTE_AUTH, TK_ROUTE_READERS, anomaly,
     "one item with its explanation"},
    {"GET", "/api/v1/anomalies/{id}/evidence", TK_ROUTE_AUTH, TK_ROUTE_READERS, evidence,
     "the log rows behind an item"},
    {"GET", "/api/v1/anomalies/{id}/history", TK_ROUTE_AUTH, TK_ROUTE_READERS, history,
     "an item's triage decisions"},
    {"POST", "/api/v1/anomalies/{id}/triage", TK_ROUTE_AUTH, TK_ROUTE_ANALYST | TK_ROUTE_ADMIN,
     triage, "record a triage decision"},
    {"POST", "/api/v1/anomalies/triage", TK_ROUTE_AUTH, TK_ROUTE_ANALYST | TK_ROUTE_ADMIN,
     triage_bulk, "one triage decision on many cases, all or nothing"},
};

const tk_route *tk_routes_core(size_t *n)
{
    *n = sizeof core / sizeof core[0];
    return core;
}

/* The parts of the table, one per area of the API; each area's handlers
 * live in their own api/routes_AREA.c. */
static const tk_route *(*const parts[])(size_t *n) = {
    tk_routes_core,     tk_routes_uploads,  tk_routes_analyses, tk_routes_tuning,
    tk_routes_profiles, tk_routes_entities, tk_routes_periods,  tk_routes_master,
    tk_routes_settings, tk_routes_webui,    tk_routes_answers,  tk_routes_reports,
    tk_routes_accounts,
};

static tk_route *table;
static size_t ntable;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_build(void)
{
    size_t n = 0, k;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        (void)parts[i](&k);
        n += k;
    }
    table = tk_calloc(n, sizeof *table);
    if (table == NULL)
        abort(); /* a few kilobytes at start-up */
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const tk_route *p = parts[i](&k);
        memcpy(table + ntable, p, k * sizeof *p);
        ntable += k;
    }
}

const tk_route *tk_routes(size_t *n)
{
    pthread_once(&table_once, table_build);
    *n = ntable;
    return table;
}
