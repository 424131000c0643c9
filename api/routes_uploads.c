/* api/routes_uploads.c -- the uploads area of the service: POST a CSV
 * log file, list the uploads, one upload, its row-level error report,
 * delete one.
 *
 * POST /api/v1/uploads is a stream route (api/server.h, "streamed
 * bodies"): the body goes into tk_ingest_stream() as it arrives, never
 * whole in memory. Before the first byte of the body is read the handler
 * checks its arguments, opens the tenant, finds the profile named by
 * ?profile= and takes the tenant's writer lock without waiting (another
 * writer: 409 at once, before the client sends the body). Without
 * ?profile= the first 64 KiB of the body pick the profile
 * (tk_profstore_select: the file name, then the header line) and are fed
 * to the ingestion first. While an upload runs, GET /api/v1/uploads lists
 * it under "in_progress" with the bytes received and rows read so far.
 *
 * Roles: uploader, analyst and admin; a reporter reads reports only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "src/alloc.h"
#include "src/ingest.h"
#include "src/profstore.h"
#include "src/uploads.h"

#define UPLOAD_ROLES (TK_ROUTE_UPLOADER | TK_ROUTE_ANALYST | TK_ROUTE_ADMIN)

/* Bytes of the body read to pick a profile when none is named. */
#define SNIFF_MAX (64 * 1024)

/* The URL of upload id's row-level error report. */
static void report_url(char *buf, size_t cap, int64_t id)
{
    snprintf(buf, cap, "/api/v1/uploads/%lld/errors", (long long)id);
}

static json_t *upload_json(const tk_upload_info *u)
{
    char url[64];
    report_url(url, sizeof url, u->id);
    return tk_jsonout_upload(u, u->error_report[0] ? url : NULL);
}

/* The upload id of the path. */
static int upload_id(tk_server_req *r, int64_t *id)
{
    const char *p = tk_server_req_param(r);
    uint64_t v = 0;
    tk_error err = {0};
    if (p == NULL || tk_server_parse_count(p, strlen(p), (uint64_t)INT64_MAX, &v, &err) != TK_OK) {
        tk_handler_bad_arg(r, "id", "an upload id is a positive number");
        return -1;
    }
    *id = (int64_t)v;
    return 0;
}

/* ---- POST /api/v1/uploads ------------------------------------------------ */

/* The body as a tk_ingest_source: the bytes read to pick the profile
 * first, then the rest from the server. */
struct body {
    tk_server_req *r;
    char *head;
    size_t head_len, head_at;
};

static long body_read(void *ctx, char *buf, size_t cap, tk_error *err)
{
    struct body *b = ctx;
    if (b->head_at < b->head_len) {
        size_t n = b->head_len - b->head_at;
        if (n > cap)
            n = cap;
        memcpy(buf, b->head + b->head_at, n);
        b->head_at += n;
        return (long)n;
    }
    return tk_server_req_read(b->r, buf, cap, err);
}

static void on_progress(void *ctx, const tk_ingest_progress *p)
{
    tk_server_req_stream_progress(ctx, p->rows, p->rows_rejected);
}

/* Answers the outcome of an ingestion that recorded an upload. */
static void reply_recorded(tk_server_req *r, tk_tenant *t, int rc, const tk_ingest_result *res)
{
    tk_upload_info u;
    tk_error err = {0};
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)res->upload_id);
    tk_server_req_target(r, id);
    if (tk_uploads_get(tk_tenant_db(t), res->upload_id, &u, &err) != TK_OK) {
        tk_server_reply_tk_error(r, &err);
        return;
    }
    if (rc == TK_OK) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/uploads/%lld", (long long)res->upload_id);
        tk_server_req_header(r, "Location", loc);
        json_t *doc = json_pack("{s:o,s:o}", "upload", upload_json(&u), "warning",
                                tk_handler_opt_str(res->warning[0] ? res->warning : NULL));
        tk_server_reply_json(r, 201, doc);
        return;
    }
    char url[64];
    report_url(url, sizeof url, u.id);
    json_t *d =
        json_pack("{s:s,s:I,s:I,s:I,s:o,s:o}", "reason",
                  res->first_error[0] ? res->first_error : "rows were rejected", "upload_id",
                  (json_int_t)u.id, "rows_total", (json_int_t)u.rows_total, "rows_rejected",
                  (json_int_t)u.rows_rejected, "errors",
                  u.error_report[0] ? json_string(url) : json_null(), "upload", upload_json(&u));
    tk_server_reply_error(r, 422, "unprocessable", d);
}

static int upload_post(tk_server_req *r)
{
    const char *name = NULL;
    const char *pname = tk_server_req_query(r, "profile");
    const char *len_arg = tk_server_req_query(r, "lenient");
    if (tk_handler_file_name_arg(r, &name) != 0)
        return 0;
    if (len_arg != NULL && strcmp(len_arg, "0") != 0 && strcmp(len_arg, "1") != 0)
        return tk_handler_bad_arg(r, "lenient", "lenient is 0 or 1");
    if (pname != NULL && pname[0] == '\0')
        return tk_handler_bad_arg(r, "profile", "a profile name, or no ?profile= at all");
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 1, &t) != TK_OK)
        return 0;
    tk_server_req_stream_label(r, tk_tenant_name(t), name, pname ? pname : "");
    tk_error err = {0};
    tk_profile *profile = NULL;
    struct body b = {r, NULL, 0, 0};
    int rc = TK_OK;
    if (pname != NULL) {
        rc = tk_profstore_get(t, pname, &profile, &err);
        if (rc == TK_ENOTFOUND) {
            tk_server_reply_error(
                r, 422, "unprocessable",
                json_pack("{s:s,s:s}", "parameter", "profile", "reason", err.msg));
            goto out;
        }
        if (rc != TK_OK) {
            tk_server_reply_tk_error(r, &err);
            goto out;
        }
    }
    char what[400];
    snprintf(what, sizeof what, "upload of %s by %s", name, tk_server_req_actor(r)->name);
    rc = tk_tenant_lock_writer(t, what, TK_TENANT_NOWAIT, NULL, NULL, &err);
    if (rc != TK_OK) {
        tk_server_reply_tk_error(r, &err); /* TK_EBUSY: 409 naming the writer */
        goto out;
    }
    if (profile == NULL) {
        b.head = malloc(SNIFF_MAX);
        if (b.head == NULL) {
            tk_server_reply_error(r, 500, "internal", NULL);
            goto out;
        }
        while (b.head_len < SNIFF_MAX) {
            const long n = tk_server_req_read(r, b.head + b.head_len, SNIFF_MAX - b.head_len, &err);
            if (n < 0) {
                rc = (int)err.code;
                break;
            }
            if (n == 0)
                break;
            b.head_len += (size_t)n;
        }
        if (rc == TK_OK)
            rc = tk_profstore_select(t, name, b.head, b.head_len, &profile, &err);
        if (rc == TK_EPROFILE) {
            tk_server_reply_error(
                r, 422, "unprocessable",
                json_pack("{s:s,s:s}", "parameter", "profile", "reason", err.msg));
            goto out;
        }
        if (rc != TK_OK)
            goto failed;
    }
    tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
    opt.lenient = len_arg != NULL && strcmp(len_arg, "1") == 0;
    opt.progress = on_progress;
    opt.progress_ctx = r;
    opt.uploaded_by = tk_server_req_actor(r)->name;
    const tk_ingest_source src = {name, tk_server_req_body_length(r), body_read, &b};
    tk_ingest_result res;
    memset(&res, 0, sizeof res);
    rc = tk_ingest_stream(t, profile, &src, &opt, &res, &err);
    if (rc == TK_OK || (rc == TK_EREJECTED && res.upload_id > 0)) {
        reply_recorded(r, t, rc, &res);
        goto out;
    }
    if (rc == TK_EEXISTS) {
        tk_server_reply_error(r, 409, "conflict",
                              json_pack("{s:s,s:I}", "reason", err.msg, "duplicate_of",
                                        (json_int_t)res.duplicate_of));
        goto out;
    }
    if (rc == TK_EPROFILE || rc == TK_EREJECTED || rc == TK_EENCODING || rc == TK_EPARSE) {
        tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(err.msg));
        goto out;
    }
failed:
    if (rc == TK_ERANGE) {
        tk_server_reply_error(r, 413, "payload_too_large",
                              json_pack("{s:I,s:s}", "limit",
                                        (json_int_t)tk_server_upload_max(tk_server_req_server(r)),
                                        "reason", err.msg));
    } else if (rc == TK_EIO) {
        /* The client went away or stalled: nobody reads this answer. */
        tk_server_reply_error(r, 400, "bad_request", tk_handler_reason(err.msg));
    } else {
        tk_server_reply_tk_error(r, &err);
    }
out:
    tk_profile_destroy(profile);
    free(b.head);
    tk_tenant_close(t);
    return 0;
}

/* ---- GET /api/v1/uploads ------------------------------------------------------ */

static int upload_list(tk_server_req *r)
{
    tk_upload_filter f = {tk_server_req_query(r, "status"), 100, 0};
    int64_t offset = 0;
    if (tk_handler_count_arg(r, "limit", TK_UPLOADS_LIMIT_MAX, &f.limit) != 0 ||
        tk_handler_int_arg(r, "offset", &offset) != 0)
        return 0;
    f.offset = (uint64_t)offset;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_upload_info *v = NULL;
    size_t n = 0;
    uint64_t total = 0;
    tk_error err = {0};
    int rc = tk_uploads_list(tk_tenant_db(t), &f, &v, &n, &total, &err);
    if (rc == TK_EINVAL) {
        tk_handler_bad_arg(r, "status", err.msg);
    } else if (rc != TK_OK) {
        tk_handler_read_error(r, &err);
    } else {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, upload_json(&v[i]));
        json_t *prog = tk_jsonout_streams(tk_server_req_server(r), tk_tenant_name(t), NULL);
        tk_server_reply_json(r, 200,
                             json_pack("{s:o,s:I,s:I,s:I,s:o}", "uploads", arr, "total",
                                       (json_int_t)total, "limit", (json_int_t)f.limit, "offset",
                                       (json_int_t)f.offset, "in_progress", prog));
    }
    free(v);
    tk_tenant_close(t);
    return 0;
}

/* ---- one upload ------------------------------------------------------------------ */

/* Opens the tenant and reads upload {id}; 0 with *t open, or -1 answered. */
static int one_upload(tk_server_req *r, int write, tk_tenant **t, tk_upload_info *u)
{
    int64_t id;
    *t = NULL;
    if (upload_id(r, &id) != 0)
        return -1;
    if (tk_server_req_tenant(r, write, t) != TK_OK)
        return -1;
    tk_error err = {0};
    if (tk_uploads_get(tk_tenant_db(*t), id, u, &err) != TK_OK) {
        tk_handler_read_error(r, &err);
        tk_tenant_close(*t);
        *t = NULL;
        return -1;
    }
    return 0;
}

static int upload_get(tk_server_req *r)
{
    tk_tenant *t;
    tk_upload_info u;
    if (one_upload(r, 0, &t, &u) != 0)
        return 0;
    tk_server_reply_json(r, 200, upload_json(&u));
    tk_tenant_close(t);
    return 0;
}

static int upload_errors(tk_server_req *r)
{
    tk_tenant *t;
    tk_upload_info u;
    if (one_upload(r, 0, &t, &u) != 0)
        return 0;
    char msg[128];
    FILE *f = u.error_report[0] ? fopen(u.error_report, "rb") : NULL;
    if (f == NULL) {
        snprintf(msg, sizeof msg, "upload #%lld has no row-level error report", (long long)u.id);
        tk_server_reply_error(r, 404, "not_found", tk_handler_reason(msg));
        tk_tenant_close(t);
        return 0;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nt = tk_realloc(text, cap);
            if (nt == NULL)
                break;
            text = nt;
        }
        const size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    const int bad = ferror(f) || len == cap;
    fclose(f);
    if (bad || text == NULL) {
        tk_server_reply_error(r, 500, "internal", NULL);
    } else {
        char disp[128];
        snprintf(disp, sizeof disp, "attachment; filename=\"upload-%lld-errors.csv\"",
                 (long long)u.id);
        tk_server_req_header(r, "Content-Disposition", disp);
        tk_server_reply_bytes(r, 200, "text/csv; charset=utf-8", text, len);
    }
    free(text);
    tk_tenant_close(t);
    return 0;
}

static int upload_delete(tk_server_req *r)
{
    tk_tenant *t;
    tk_upload_info u;
    if (one_upload(r, 1, &t, &u) != 0)
        return 0;
    tk_error err = {0};
    if (tk_uploads_delete(t, u.id, tk_server_req_actor(r), &err) != TK_OK)
        tk_server_reply_tk_error(r, &err);
    else
        tk_server_reply_json(r, 200, json_pack("{s:I}", "deleted", (json_int_t)u.id));
    tk_tenant_close(t);
    return 0;
}

static const tk_route uploads[] = {
    {"POST", "/api/v1/uploads", TK_ROUTE_AUTH_STREAM, UPLOAD_ROLES, upload_post,
     "upload a CSV log file (streamed; ?profile=NAME&name=FILE.csv[&lenient=1])"},
    {"GET", "/api/v1/uploads", TK_ROUTE_AUTH, UPLOAD_ROLES, upload_list,
     "uploads, oldest first, and those in progress"},
    {"GET", "/api/v1/uploads/{id}", TK_ROUTE_AUTH, UPLOAD_ROLES, upload_get, "one upload"},
    {"GET", "/api/v1/uploads/{id}/errors", TK_ROUTE_AUTH, UPLOAD_ROLES, upload_errors,
     "an upload's row-level error report (text/csv)"},
    {"DELETE", "/api/v1/uploads/{id}", TK_ROUTE_AUTH, UPLOAD_ROLES, upload_delete,
     "delete an upload and its events"},
};

const tk_route *tk_routes_uploads(size_t *n)
{
    *n = sizeof uploads / sizeof uploads[0];
    return uploads;
}
