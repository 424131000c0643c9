/* api/routes_answers.c -- the city's confirmations over HTTP.
 *
 * GET /api/v1/confirmations lists the 要確認事項 of a period with their
 * current answers (tk_answers_requests(), the selection every surface
 * uses); the city's staff (uploader) see these and nothing of the ranked
 * lists. PUT /api/v1/confirmations/{id} records one answer. GET
 * .../export.xlsx sends the workbook to fill in and POST .../import takes
 * it back: a streamed route, so that the body is refused by its announced
 * length before it is read and read only up to TK_XLSX_ARCHIVE_MAX bytes;
 * its rows are checked and recorded in one transaction or not at all,
 * and the problems of a refused workbook come back in error.details.
 *
 * A period is the query argument `period`; without it, the period of the
 * tenant's newest run. Thread-safe: no state; each request opens its
 * tenant. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "api/xlsx.h"
#include "models/anomalies.h"
#include "models/answers.h"
#include "models/suppress.h"

/* The period of the request: ?period=, else the newest run's. Returns 0,
 * or -1 with the answer queued. */
static int which_period(tk_server_req *r, tk_tenant *t, tk_period *pr)
{
    int given = 0;
    if (tk_handler_period_arg(r, pr, &given))
        return -1;
    if (given)
        return 0;
    tk_anomalies_run run;
    tk_error err = {0};
    if (tk_anomalies_find_run(tk_tenant_db(t), NULL, &run, &err) != TK_OK) {
        tk_anomalies_run_dispose(&run);
        tk_handler_read_error(r, &err);
        return -1;
    }
    *pr = run.period;
    tk_anomalies_run_dispose(&run);
    return 0;
}

static int list(tk_server_req *r)
{
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_period pr;
    if (which_period(r, t, &pr)) {
        tk_tenant_close(t);
        return 0;
    }
    tk_answers_set s;
    tk_error err = {0};
    const int rc = tk_answers_requests(tk_tenant_db(t), &pr, NULL, &s, &err);
    if (rc != TK_OK) {
        tk_tenant_close(t);
        return tk_handler_read_error(r, &err);
    }
    json_t *doc = tk_jsonout_confirmations(tk_tenant_name(t), &s);
    tk_answers_set_dispose(&s);
    tk_tenant_close(t);
    return tk_server_reply_json(r, 200, doc);
}

/* A string member of body: 0 (absent or a string, *out set), or -1 after
 * answering 422. */
static int member_str(tk_server_req *r, json_t *body, const char *name, const char **out)
{
    json_t *v = json_object_get(body, name);
    if (v == NULL)
        return 0;
    if (!json_is_string(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "$.%s: expected a string", name);
        tk_handler_unprocessable(r, msg);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int answer(tk_server_req *r)
{
    const char *id = tk_server_req_param(r);
    if (!tk_answers_case_id_valid(id))
        return tk_handler_bad_arg(r, "id", "expected a case id: C-YYYY-MM- and 8 hex digits");
    json_t *body = tk_server_req_body(r);
    const char *verdict = NULL, *reason = NULL, *by = NULL, *on = NULL, *until = NULL;
    static const char *const known[] = {"verdict",      "reason",   "confirmed_by",
                                        "confirmed_on", "suppress", "suppress_until"};
    if (!json_is_object(body))
        return tk_handler_unprocessable(r, "the body is a JSON object: verdict, reason, "
                                           "confirmed_by, confirmed_on");
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        size_t i = 0;
        while (i < sizeof known / sizeof *known && strcmp(key, known[i]) != 0)
            i++;
        if (i == sizeof known / sizeof *known) {
            char msg[160];
            snprintf(msg, sizeof msg, "$.%.64s: unknown member", key);
            return tk_handler_unprocessable(r, msg);
        }
    }
    if (member_str(r, body, "verdict", &verdict) || member_str(r, body, "reason", &reason) ||
        member_str(r, body, "confirmed_by", &by) || member_str(r, body, "confirmed_on", &on) ||
        member_str(r, body, "suppress_until", &until))
        return 0;
    json_t *sup = json_object_get(body, "suppress");
    if (sup != NULL && !json_is_boolean(sup))
        return tk_handler_unprocessable(r, "$.suppress: expected true or false");
    tk_error err = {0};
    tk_answers_input in = {TK_ANSWERS_JUSTIFIED, reason, by, 0, "web", json_is_true(sup), 0};
    if (verdict == NULL || tk_answers_verdict_parse(verdict, strlen(verdict), &in.verdict, &err))
        return tk_handler_unprocessable(
            r, "$.verdict: expected justified, inappropriate or investigating");
    if (on == NULL || tk_suppress_parse_day(on, &in.confirmed_on, &err) != TK_OK)
        return tk_handler_unprocessable(r, "$.confirmed_on: expected a date YYYY-MM-DD");
    if (until != NULL && tk_suppress_parse_day(until, &in.suppress_until, &err) != TK_OK)
        return tk_handler_unprocessable(r, "$.suppress_until: expected a date YYYY-MM-DD");
    /* A suppression changes what later analyses list: the inspectors'
     * decision, not the city's. */
    const char *role = tk_server_req_actor(r)->role;
    if (in.suppress && role != NULL && strcmp(role, "analyst") != 0 && strcmp(role, "admin") != 0)
        return tk_server_reply_error(
            r, 403, "forbidden",
            tk_handler_reason("only an analyst or an admin may suppress a case"));
    tk_tenant *t = NULL;
    if (tk_handler_open_writer(r, "an answer to a confirmation over https", &t))
        return 0;
    tk_server_req_target(r, id);
    tk_answers_set s;
    const tk_answers_request *req = NULL;
    int rc = tk_answers_locate(tk_tenant_db(t), id, NULL, &s, &req, &err);
    if (rc == TK_OK)
        rc = tk_answers_record(tk_tenant_db(t), &s, req, &in, tk_server_req_actor(r), NULL, &err);
    if (rc == TK_OK) {
        tk_answers_set_dispose(&s);
        rc = tk_answers_locate(tk_tenant_db(t), id, NULL, &s, &req, &err);
    }
    json_t *doc = rc == TK_OK ? tk_jsonout_request(req) : NULL;
    tk_answers_set_dispose(&s);
    tk_tenant_close(t);
    if (rc == TK_EINVAL)
        return tk_handler_unprocessable(r, err.msg);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

static int export_xlsx(tk_server_req *r)
{
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_period pr;
    if (which_period(r, t, &pr)) {
        tk_tenant_close(t);
        return 0;
    }
    tk_answers_set s;
    tk_error err = {0};
    char path[512];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/tenken-confirmations-XXXXXX", dir && *dir ? dir : "/tmp");
    int rc = tk_answers_requests(tk_tenant_db(t), &pr, NULL, &s, &err);
    if (rc != TK_OK) {
        tk_tenant_close(t);
        return tk_handler_read_error(r, &err);
    }
    const int fd = mkstemp(path);
    if (fd < 0) {
        rc = tk_error_set(&err, TK_EIO, "cannot make a temporary file for the workbook");
    } else {
        close(fd);
        rc = tk_xlsx_write(path, tk_tenant_db(t), tk_tenant_name(t), &s, &err);
    }
    tk_answers_set_dispose(&s);
    char *p = NULL;
    size_t len = 0;
    FILE *f = rc == TK_OK ? fopen(path, "rb") : NULL;
    if (rc == TK_OK && f == NULL)
        rc = tk_error_set(&err, TK_EIO, "cannot read the workbook back");
    if (f != NULL) {
        size_t cap = 1 << 16;
        p = malloc(cap);
        size_t k;
        while (p != NULL && (k = fread(p + len, 1, cap - len, f)) > 0) {
            len += k;
            if (len == cap) {
                char *q = realloc(p, cap * 2);
                if (q == NULL) {
                    free(p);
                    p = NULL;
                    break;
                }
                p = q;
                cap *= 2;
            }
        }
        fclose(f);
        if (p == NULL)
            rc = tk_error_set(&err, TK_ENOMEM, "out of memory reading the workbook");
    }
    if (fd >= 0)
        unlink(path);
    char name[160], pb[32];
    tk_period_format(&pr, pb, sizeof pb);
    snprintf(name, sizeof name, "attachment; filename=\"confirmations-%s-%s.xlsx\"",
             tk_tenant_name(t), pb);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        free(p);
        return tk_server_reply_tk_error(r, &err);
    }
    tk_server_req_header(r, "Content-Disposition", name);
    tk_server_reply_bytes(
        r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", p, len);
    free(p);
    return 0;
}

static int import_xlsx(tk_server_req *r)
{
    const char *dry = tk_server_req_query(r, "dry_run");
    if (dry != NULL && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0)
        return tk_handler_bad_arg(r, "dry_run", "expected true or false");
    const int dry_run = dry != NULL && strcmp(dry, "true") == 0;
    const int64_t announced = tk_server_req_body_length(r);
    if (announced > (int64_t)TK_XLSX_ARCHIVE_MAX)
        return tk_server_reply_error(r, 413, "payload_too_large",
                                     json_pack("{s:I}", "limit", (json_int_t)TK_XLSX_ARCHIVE_MAX));
    tk_tenant *t = NULL;
    if (dry_run ? tk_server_req_tenant(r, 0, &t) != TK_OK
                : tk_handler_open_writer(r, "an import of confirmations over https", &t) != 0)
        return 0;
    tk_server_req_stream_label(r, tk_tenant_name(t), "confirmations.xlsx", "confirmations");
    tk_error err = {0};
    int rc = TK_OK;
    size_t len = 0, cap = 1 << 16;
    char *p = malloc(cap);
    if (p == NULL)
        rc = tk_error_set(&err, TK_ENOMEM, "out of memory reading the workbook");
    while (rc == TK_OK) {
        if (len == cap) {
            if (cap > TK_XLSX_ARCHIVE_MAX) {
                rc = tk_error_set(&err, TK_ERANGE, "a workbook holds at most %u bytes",
                                  TK_XLSX_ARCHIVE_MAX);
                break;
            }
            char *q = realloc(p, cap * 2);
            if (q == NULL) {
                rc = tk_error_set(&err, TK_ENOMEM, "out of memory reading the workbook");
                break;
            }
            p = q;
            cap *= 2;
        }
        const long n = tk_server_req_read(r, p + len, cap - len, &err);
        if (n < 0)
            rc = err.code;
        else if (n == 0)
            break;
        else
            len += (size_t)n;
        if (len > TK_XLSX_ARCHIVE_MAX)
            rc = tk_error_set(&err, TK_ERANGE, "a workbook holds at most %u bytes",
                              TK_XLSX_ARCHIVE_MAX);
    }
    tk_xlsx_result res;
    memset(&res, 0, sizeof res);
    if (rc == TK_OK)
        rc = tk_xlsx_import(tk_tenant_db(t), tk_tenant_name(t), p, len, NULL, dry_run,
                            tk_server_req_actor(r), &res, &err);
    free(p);
    tk_tenant_close(t);
    if (rc == TK_OK) {
        json_t *doc = tk_jsonout_xlsx_result(&res);
        json_object_set_new(doc, "dry_run", json_boolean(dry_run));
        json_object_set_new(doc, "stored", json_boolean(!dry_run));
        tk_xlsx_result_dispose(&res);
        return tk_server_reply_json(r, 200, doc);
    }
    if (rc == TK_EREJECTED) {
        json_t *d = tk_jsonout_xlsx_result(&res);
        json_object_set_new(d, "reason", json_string(err.msg));
        tk_xlsx_result_dispose(&res);
        return tk_server_reply_error(r, 422, "unprocessable", d);
    }
    tk_xlsx_result_dispose(&res);
    if (rc == TK_EPARSE)
        return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(err.msg));
    if (rc == TK_ERANGE)
        return tk_server_reply_error(
            r, 413, "payload_too_large",
            json_pack("{s:I,s:s}", "limit", (json_int_t)TK_XLSX_ARCHIVE_MAX, "reason", err.msg));
    if (rc == TK_EIO)
        return tk_server_reply_error(r, 400, "bad_request", tk_handler_reason(err.msg));
    return tk_server_reply_tk_error(r, &err);
}

static const tk_route routes[] = {
    {"GET", "/api/v1/confirmations", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, list,
     "the 要確認事項 of a period with their current answers"},
    {"GET", "/api/v1/confirmations/export.xlsx", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, export_xlsx,
     "the 要確認事項 of a period as a workbook to fill in"},
    {"POST", "/api/v1/confirmations/import", TK_ROUTE_AUTH_STREAM, TK_ROUTE_ANYONE, import_xlsx,
     "a filled workbook: every answer recorded, or none"},
    {"PUT", "/api/v1/confirmations/{id}", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, answer,
     "record the answer to one case"},
};

const tk_route *tk_routes_answers(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
