/* api/routes_reports.c -- the 分析点検結果レポート over HTTP.
 *
 * GET /api/v1/reports/{period} builds the report of the caller's tenant
 * for the period with tk_report_period() -- the builder `tenken report`
 * uses -- and answers it as HTML (the default) or PDF (?format=pdf, an
 * attachment "tenken-report-FROM-TO.pdf"), in Japanese or English
 * (?lang=), of the period's newest run or of ?run=ID. The document is
 * rendered into memory (open_memstream) and sent whole: a report is a
 * few megabytes. The HTML has inline styles and SVG images and no
 * script, so its answer carries a policy that allows exactly those.
 *
 * Every role may read it: the city downloads the finished report.
 *
 * GET /api/v1/reports/plan/{fy} and /api/v1/reports/completion/{fy} answer
 * the contract's yearly documents (api/contract.h) the same way, to the
 * same roles. The plan lists the tenant's accounts only for an admin, the
 * one role that may read them (src/account.h); for the others that table
 * is left blank to fill in.
 *
 * GET /api/v1/reports/annual/{fy} answers the annual review of fiscal
 * year fy (tk_annual_review()) the same way, and also as a workbook
 * (?format=xlsx: written to a private temporary file, read back and
 * removed, since the workbook library writes files);
 * GET /api/v1/reports/annual/{fy}/minutes its minutes template
 * (tk_annual_minutes()), as HTML or PDF, to the same roles.
 *
 * GET /api/v1/reports/annual/{fy}/meeting answers the record of the
 * year's review meeting (models/meeting.h) as JSON, to every role that
 * reads the reports (404 when none is recorded); PUT sets it, for a
 * reporter or an admin only: the meeting belongs to the reporting, not
 * to the analysis. The body is checked whole (422 naming the member at
 * fault) before the tenant is opened for writing, so a refused record
 * stores nothing.
 *
 * Every {fy} is parsed by tk_period_parse_fiscal_year(): 2024 or FY2024.
 * Thread-safe: no state; each request opens its tenant read-only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/annual.h"
#include "api/contract.h"
#include "api/handler.h"
#include "api/pdf.h"
#include "api/report.h"
#include "api/routes.h"
#include "models/meeting.h"
#include "src/account.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/period.h"
#include "src/timefmt.h"

/* The policy of a served HTML report: its inline styles and data: images,
 * nothing else. */
#define REPORT_CSP                                                                                 \
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"

static int pdf_sink(void *closure, const unsigned char *data, size_t len)
{
    return fwrite(data, 1, len, closure) == len ? 0 : -1;
}

/* Renders d as HTML or PDF and answers it (name: the PDF's file name).
 * Takes d. Returns 0 (the answer is sent). */
static int send_doc(tk_server_req *r, tk_rdoc *d, int pdf, const char *name)
{
    tk_error err = {0};
    char *buf = NULL;
    size_t len = 0;
    int rc;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        rc = tk_error_set(&err, TK_ENOMEM, "out of memory for the document");
    } else {
        rc = pdf ? tk_pdf_write_to(d, pdf_sink, f, NULL, &err) : tk_rdoc_write_html(d, f, &err);
        if (fclose(f) != 0 && rc == TK_OK)
            rc = tk_error_set(&err, TK_ENOMEM, "out of memory for the document");
    }
    tk_rdoc_destroy(d);
    if (rc != TK_OK) {
        free(buf);
        return tk_server_reply_tk_error(r, &err);
    }
    if (pdf) {
        char disp[128];
        snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
        tk_server_req_header(r, "Content-Disposition", disp);
        tk_server_reply_bytes(r, 200, "application/pdf", buf, len);
    } else {
        tk_server_req_header(r, "Content-Security-Policy", REPORT_CSP);
        tk_server_reply_bytes(r, 200, "text/html; charset=utf-8", buf, len);
    }
    free(buf);
    return 0;
}

/* Reads ?format= (html, pdf, or xlsx when xlsx is not NULL) into *pdf and
 * *xlsx and ?lang= (ja, en or none) into *lang. Returns 0, or 1 when a bad
 * value was answered with 400. */
static int doc_args(tk_server_req *r, int *pdf, int *xlsx, const char **lang)
{
    const char *format = tk_server_req_query(r, "format");
    if (format == NULL)
        format = "html";
    *pdf = strcmp(format, "pdf") == 0;
    if (xlsx != NULL)
        *xlsx = strcmp(format, "xlsx") == 0;
    if (!*pdf && !(xlsx != NULL && *xlsx) && strcmp(format, "html") != 0) {
        tk_handler_bad_arg(r, "format",
                           xlsx ? "expected html, pdf or xlsx" : "expected html or pdf");
        return 1;
    }
    *lang = tk_server_req_query(r, "lang");
    if (*lang != NULL && strcmp(*lang, "ja") != 0 && strcmp(*lang, "en") != 0) {
        tk_handler_bad_arg(r, "lang", "expected ja or en");
        return 1;
    }
    return 0;
}

static int get(tk_server_req *r)
{
    tk_error err = {0};
    tk_report_options ro = TK_REPORT_OPTIONS_INIT;
    const char *p = tk_server_req_param(r);
    if (tk_period_parse(p, strlen(p), &ro.period, &err) != TK_OK)
        return tk_handler_bad_arg(r, "period", err.msg);
    int pdf = 0;
    if (doc_args(r, &pdf, NULL, &ro.lang))
        return 0;
    int64_t run = 0;
    if (tk_handler_int_arg(r, "run", &run))
        return 0;
    if (tk_server_req_query(r, "run") != NULL && run < 1)
        return tk_handler_bad_arg(r, "run", "expected a run id: 1, 2, ...");
    ro.run = run;

    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_rdoc *d = NULL;
    int rc = tk_report_period(t, &ro, &d, &err);
    tk_tenant_close(t);
    if (rc == TK_EINVAL) {
        tk_rdoc_destroy(d);
        return tk_handler_bad_arg(r, ro.run ? "run" : "lang", err.msg);
    }
    if (rc != TK_OK) {
        tk_rdoc_destroy(d);
        return tk_handler_read_error(r, &err);
    }
    char from[16], to[16], name[64];
    tk_period_format_day(ro.period.first_day, from, sizeof from);
    tk_period_format_day(ro.period.last_day, to, sizeof to);
    snprintf(name, sizeof name, "tenken-report-%s-%s.pdf", from, to);
    return send_doc(r, d, pdf, name);
}

/* Reads the fiscal year of the path into *fy. Returns 0, or -1 with the
 * answer (400) queued. */
static int fy_param(tk_server_req *r, int *fy)
{
    tk_error err = {0};
    const char *p = tk_server_req_param(r);
    if (tk_period_parse_fiscal_year(p, strlen(p), fy, &err) == TK_OK)
        return 0;
    tk_handler_bad_arg(r, "fy", err.msg);
    return -1;
}

/* The plan (plan 1) or the completion report (plan 0) of fiscal year {fy}. */
static int get_contract(tk_server_req *r, int plan)
{
    tk_error err = {0};
    tk_contract_options co = TK_CONTRACT_OPTIONS_INIT;
    if (fy_param(r, &co.fiscal_year))
        return 0;
    int pdf = 0;
    if (doc_args(r, &pdf, NULL, &co.lang))
        return 0;

    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_account_info *acc = NULL;
    size_t nacc = 0;
    int rc = TK_OK;
    const tk_actor *actor = tk_server_req_actor(r);
    if (plan && actor->role && strcmp(actor->role, "admin") == 0) {
        rc = tk_account_list(tk_server_req_accounts(r), actor, &acc, &nacc, &err);
        co.accounts = acc;
        co.naccounts = nacc;
        co.accounts_known = 1;
    }
    tk_rdoc *d = NULL;
    if (rc == TK_OK)
        rc = plan ? tk_contract_plan(t, &co, &d, &err) : tk_contract_completion(t, &co, &d, &err);
    tk_tenant_close(t);
    tk_free(acc);
    if (rc != TK_OK) {
        tk_rdoc_destroy(d);
        return tk_handler_read_error(r, &err);
    }
    char name[64];
    snprintf(name, sizeof name, "tenken-%s-%d.pdf", plan ? "plan" : "completion", co.fiscal_year);
    return send_doc(r, d, pdf, name);
}

static int get_plan(tk_server_req *r)
{
    return get_contract(r, 1);
}

static int get_completion(tk_server_req *r)
{
    return get_contract(r, 0);
}

/* The workbook of review d, through a private temporary file, into *buf
 * (owned: free()) of *len bytes. Returns TK_OK, TK_EIO or TK_ENOMEM. */
static int annual_xlsx(const tk_rdoc *d, char **buf, size_t *len, tk_error *err)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    FILE *f = NULL;
    int rc;

    *buf = NULL;
    *len = 0;
    snprintf(path, sizeof path, "%s/tenken-annual-XXXXXX", dir && dir[0] ? dir : "/tmp");
    const int fd = mkstemp(path);
    if (fd < 0)
        return tk_error_set(err, TK_EIO, "cannot create a temporary workbook: %s", strerror(errno));
    close(fd);
    rc = tk_annual_write_xlsx(d, path, err);
    if (rc == TK_OK && (f = fopen(path, "rb")) == NULL)
        rc = tk_error_set(err, TK_EIO, "cannot read the workbook back: %s", strerror(errno));
    if (rc == TK_OK) {
        struct stat st;
        if (fstat(fileno(f), &st) != 0 || st.st_size <= 0) {
            rc = tk_error_set(err, TK_EIO, "cannot read the workbook back");
        } else if ((*buf = malloc((size_t)st.st_size)) == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory for the workbook");
        } else if (fread(*buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
            rc = tk_error_set(err, TK_EIO, "cannot read the workbook back");
        } else {
            *len = (size_t)st.st_size;
        }
    }
    if (f)
        fclose(f);
    unlink(path);
    if (rc != TK_OK) {
        free(*buf);
        *buf = NULL;
        *len = 0;
    }
    return rc;
}

/* The annual review (minutes 0) or its minutes (1) of fiscal year {fy}. */
static int annual(tk_server_req *r, int minutes)
{
    tk_error err = {0};
    tk_annual_options ao = TK_ANNUAL_OPTIONS_INIT;
    if (fy_param(r, &ao.fiscal_year))
        return 0;
    int pdf = 0, xlsx = 0;
    if (doc_args(r, &pdf, minutes ? NULL : &xlsx, &ao.lang))
        return 0;

    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_rdoc *d = NULL;
    int rc = minutes ? tk_annual_minutes(t, &ao, &d, &err) : tk_annual_review(t, &ao, &d, &err);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_rdoc_destroy(d);
        return tk_handler_read_error(r, &err);
    }
    if (!xlsx) {
        char name[64];
        snprintf(name, sizeof name, "tenken-%s-%d.pdf", minutes ? "minutes" : "annual",
                 ao.fiscal_year);
        return send_doc(r, d, pdf, name);
    }
    char *buf = NULL;
    size_t len = 0;
    rc = annual_xlsx(d, &buf, &len, &err);
    tk_rdoc_destroy(d);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"tenken-annual-%d.xlsx\"", ao.fiscal_year);
    tk_server_req_header(r, "Content-Disposition", disp);
    tk_server_reply_bytes(
        r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf, len);
    free(buf);
    return 0;
}

static int get_annual(tk_server_req *r)
{
    return annual(r, 0);
}

static int get_minutes(tk_server_req *r)
{
    return annual(r, 1);
}

/* The record m as JSON (owned). */
static json_t *meeting_json(const tk_meeting *m)
{
    char held[16], at[TK_TIME_ISO_SIZE];
    tk_period_format_day(m->held_on, held, sizeof held);
    if (tk_time_format_iso(m->set_at, at, sizeof at) == 0)
        at[0] = '\0';
    json_t *att = json_array();
    for (size_t i = 0; att != NULL && i < m->nattendees; i++)
        json_array_append_new(att, json_string(m->attendees[i]));
    return json_pack("{s:i,s:s,s:s,s:o,s:s,s:s}", "fiscal_year", m->fiscal_year, "held_on", held,
                     "place", m->place, "attendees", att ? att : json_array(), "set_at", at,
                     "set_by", m->set_by);
}

static int get_meeting(tk_server_req *r)
{
    tk_error err = {0};
    int fy = 0;
    if (fy_param(r, &fy))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_meeting m;
    const int rc = tk_meeting_get(tk_tenant_db(t), fy, &m, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    json_t *doc = meeting_json(&m);
    tk_meeting_dispose(&m);
    return tk_server_reply_json(r, 200, doc);
}

/* Answers 422 for field f of a refused body: "$.FIELD: why". */
static int refuse_field(tk_server_req *r, const char *f, const char *why)
{
    char msg[400];
    snprintf(msg, sizeof msg, "$.%s: %s", f, why);
    return tk_handler_unprocessable(r, msg);
}

static int put_meeting(tk_server_req *r)
{
    tk_error err = {0};
    int fy = 0;
    if (fy_param(r, &fy))
        return 0;
    json_t *body = tk_server_req_body(r);
    if (!json_is_object(body))
        return tk_handler_unprocessable(r, "the body is a JSON object: held_on, place, attendees");
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "held_on") != 0 && strcmp(key, "place") != 0 &&
            strcmp(key, "attendees") != 0) {
            char f[80];
            snprintf(f, sizeof f, "%.64s", key);
            return refuse_field(r, f, "unknown member (held_on, place, attendees)");
        }
    }
    tk_meeting_input in = {0, NULL, NULL, 0};
    const json_t *held = json_object_get(body, "held_on");
    if (!json_is_string(held) ||
        tk_period_parse_day(json_string_value(held), json_string_length(held), &in.held_on, &err) !=
            TK_OK)
        return refuse_field(r, "held_on", "expected a date YYYY-MM-DD");
    const json_t *place = json_object_get(body, "place");
    if (!json_is_string(place))
        return refuse_field(r, "place", "expected a string");
    in.place = json_string_value(place);
    if (strlen(in.place) != json_string_length(place))
        return refuse_field(r, "place", "holds a NUL character");
    const json_t *att = json_object_get(body, "attendees");
    if (!json_is_array(att) || json_array_size(att) == 0 ||
        json_array_size(att) > TK_MEETING_ATTENDEES_MAX) {
        char why[96];
        snprintf(why, sizeof why, "expected an array of 1 to %d strings", TK_MEETING_ATTENDEES_MAX);
        return refuse_field(r, "attendees", why);
    }
    const char *lines[TK_MEETING_ATTENDEES_MAX];
    in.nattendees = json_array_size(att);
    for (size_t i = 0; i < in.nattendees; i++) {
        const json_t *a = json_array_get(att, i);
        if (!json_is_string(a) || strlen(json_string_value(a)) != json_string_length(a)) {
            char f[32];
            snprintf(f, sizeof f, "attendees[%zu]", i);
            return refuse_field(r, f, "expected a string");
        }
        lines[i] = json_string_value(a);
    }
    in.attendees = lines;
    tk_meeting_field field;
    if (tk_meeting_check(fy, &in, &field, &err) != TK_OK)
        return refuse_field(r, tk_meeting_field_name(field), err.msg);

    tk_tenant *t = NULL;
    if (tk_handler_open_writer(r, "the review meeting's record over https", &t))
        return 0;
    char target[16];
    snprintf(target, sizeof target, "FY%d", fy);
    tk_server_req_target(r, target);
    tk_meeting m;
    memset(&m, 0, sizeof m);
    int rc = tk_meeting_set(tk_tenant_db(t), fy, &in, tk_server_req_actor(r), &err);
    if (rc == TK_OK)
        rc = tk_meeting_get(tk_tenant_db(t), fy, &m, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *doc = meeting_json(&m);
    tk_meeting_dispose(&m);
    return tk_server_reply_json(r, 200, doc);
}

static const tk_route routes[] = {
    {"GET", "/api/v1/reports/{period}", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, get,
     "the 分析点検結果レポート of a period, as HTML or PDF"},
    {"GET", "/api/v1/reports/plan/{fy}", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, get_plan,
     "the 業務処理計画書 of a fiscal year, as HTML or PDF"},
    {"GET", "/api/v1/reports/completion/{fy}", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, get_completion,
     "the 業務完了報告書 of a fiscal year, as HTML or PDF"},
    {"GET", "/api/v1/reports/annual/{fy}", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, get_annual,
     "the annual review (分析点検結果報告会資料) of a fiscal year, as HTML, PDF or XLSX"},
    {"GET", "/api/v1/reports/annual/{fy}/minutes", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, get_minutes,
     "the minutes template (議事録) of a fiscal year's review meeting, as HTML or PDF"},
    {"GET", "/api/v1/reports/annual/{fy}/meeting", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, get_meeting,
     "the record of a fiscal year's review meeting (報告会): date, place, attendees"},
    {"PUT", "/api/v1/reports/annual/{fy}/meeting", TK_ROUTE_AUTH,
     TK_ROUTE_REPORTER | TK_ROUTE_ADMIN, put_meeting,
     "record a fiscal year's review meeting (報告会): date, place, attendees"},
};

const tk_route *tk_routes_reports(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
