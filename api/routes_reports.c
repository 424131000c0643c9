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
#include "src/account.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/period.h"

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

/* The plan (plan 1) or the completion report (plan 0) of fiscal year {fy}. */
static int get_contract(tk_server_req *r, int plan)
{
    tk_error err = {0};
    tk_contract_options co = TK_CONTRACT_OPTIONS_INIT;
    const char *p = tk_server_req_param(r);
    if (tk_period_parse_fiscal_year(p, strlen(p), &co.fiscal_year, &err) != TK_OK)
        return tk_handler_bad_arg(r, "fy", err.msg);
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
    const char *p = tk_server_req_param(r);
    if (tk_period_parse_fiscal_year(p, strlen(p), &ao.fiscal_year, &err) != TK_OK)
        return tk_handler_bad_arg(r, "fy", err.msg);
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
};

const tk_route *tk_routes_reports(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
