/* api/routes_master.c -- the master data area of the service: list the
 * versions, read one version and its rows, import a CSV file as a new
 * version.
 *
 * POST /api/v1/master/{kind} is a stream route (api/server.h, "streamed
 * bodies"): the body goes into tk_master_import_stream() as it arrives,
 * never whole in memory and never copied to a file; the SHA-256 and the
 * duplicate check are done on the way. Before the first byte of the body
 * is read the handler checks its arguments, opens the tenant and takes
 * its writer lock without waiting (another writer: 409 before the client
 * sends the body). A single bad row refuses the whole file (422, the
 * message `tenken master import` prints) and nothing is stored.
 *
 * Roles: analysts, reporters and admins read; analysts and admins import.
 * An uploader sends logs only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "src/master.h"

#define IMPORT_ROLES (TK_ROUTE_ANALYST | TK_ROUTE_ADMIN)

/* Most rows one GET of a version answers. */
#define ROWS_LIMIT_MAX 1000

/* Answers 400 for an unknown kind, listing the kinds. */
static int bad_kind(tk_server_req *r, const char *kind)
{
    const char *const *kinds = tk_master_kinds();
    size_t n = 0;
    while (kinds[n] != NULL)
        n++;
    char list[256], msg[400];
    tk_error_join(list, sizeof list, kinds, n);
    snprintf(msg, sizeof msg, "unknown kind '%.64s' (kinds: %s)", kind, list);
    return tk_handler_bad_arg(r, "kind", msg);
}

/* ---- GET /api/v1/master --------------------------------------------------- */

static int add_version(void *ctx, const tk_master_version *v)
{
    json_array_append_new(ctx, tk_jsonout_master_version(v));
    return 0;
}

static int list(tk_server_req *r)
{
    const char *kind = tk_server_req_query(r, "kind");
    if (kind != NULL && !tk_master_kind_valid(kind))
        return bad_kind(r, kind);
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    json_t *a = json_array();
    tk_error err = {0};
    const int rc = tk_master_list_versions(t, kind, add_version, a, &err);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        json_decref(a);
        return tk_server_reply_tk_error(r, &err);
    }
    return tk_server_reply_json(r, 200, json_pack("{s:o}", "versions", a));
}

/* ---- GET /api/v1/master/{kind}/{version} ------------------------------------ */

static int set_version(void *ctx, const tk_master_version *v)
{
    *(json_t **)ctx = tk_jsonout_master_version(v);
    return 0;
}

static int add_row(void *ctx, const tk_master_row *row)
{
    json_array_append_new(ctx, tk_jsonout_master_row(row));
    return 0;
}

static int get(tk_server_req *r)
{
    char kind[TK_SERVER_PARAM_MAX + 1];
    snprintf(kind, sizeof kind, "%s", tk_server_req_param(r));
    char *slash = strchr(kind, '/');
    if (slash == NULL) /* the route has two parameters */
        return tk_server_reply_error(r, 500, "internal", NULL);
    *slash = '\0';
    const char *ver = slash + 1;
    if (!tk_master_kind_valid(kind))
        return bad_kind(r, kind);
    uint64_t id = 0, limit = 100, offset = 0;
    tk_error err = {0};
    if (tk_server_parse_count(ver, strlen(ver), (uint64_t)INT64_MAX, &id, &err) != TK_OK || id == 0)
        return tk_handler_bad_arg(r, "version", "a version is a positive number");
    if (tk_handler_count_arg(r, "limit", ROWS_LIMIT_MAX, &limit) != 0 ||
        tk_handler_count_arg(r, "offset", (uint64_t)INT64_MAX, &offset) != 0)
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    json_t *v = NULL;
    int rc = tk_master_version_get(t, (int64_t)id, set_version, &v, &err);
    if (rc == TK_OK && strcmp(json_string_value(json_object_get(v, "kind")), kind) != 0)
        rc = tk_error_set(&err, TK_ENOTFOUND, "no %s master data version %llu", kind,
                          (unsigned long long)id);
    json_t *rows = json_array();
    if (rc == TK_OK)
        rc = tk_master_version_rows(t, (int64_t)id, (int64_t)limit, (int64_t)offset, add_row, rows,
                                    &err);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        json_decref(v);
        json_decref(rows);
        return tk_server_reply_tk_error(r, &err);
    }
    return tk_server_reply_json(r, 200,
                                json_pack("{s:o,s:o,s:I,s:I}", "version", v, "rows", rows, "limit",
                                          (json_int_t)limit, "offset", (json_int_t)offset));
}

/* ---- POST /api/v1/master/{kind} --------------------------------------------- */

static int import(tk_server_req *r)
{
    const char *kind = tk_server_req_param(r);
    const char *name = NULL;
    const char *effective = tk_server_req_query(r, "effective");
    if (!tk_master_kind_valid(kind))
        return bad_kind(r, kind);
    if (tk_handler_file_name_arg(r, &name) != 0)
        return 0;
    tk_error err = {0};
    int64_t day;
    if (effective != NULL && tk_master_parse_day(effective, strlen(effective), &day, &err) != TK_OK)
        return tk_handler_bad_arg(r, "effective", err.msg);
    if (tk_server_req_query(r, "profile") != NULL)
        return tk_handler_bad_arg(r, "profile",
                                  "mapping profiles are not stored by the service: send the file "
                                  "with the canonical header, or import it with `tenken master "
                                  "import --profile`");
    char what[400];
    snprintf(what, sizeof what, "master import of %s by %s", name, tk_server_req_actor(r)->name);
    tk_tenant *t = NULL;
    if (tk_handler_open_writer(r, what, &t))
        return 0;
    tk_master_import_result res;
    int rc = tk_master_import_stream(t, tk_server_req_actor(r), kind, name, tk_server_req_read, r,
                                     NULL, NULL, 0, effective, &res, &err);
    tk_tenant_close(t);
    if (rc == TK_OK) {
        char id[32], loc[128];
        snprintf(id, sizeof id, "%lld", (long long)res.version_id);
        tk_server_req_target(r, id);
        snprintf(loc, sizeof loc, "/api/v1/master/%s/%lld", res.kind, (long long)res.version_id);
        tk_server_req_header(r, "Location", loc);
        return tk_server_reply_json(r, 201, tk_jsonout_master_import(&res));
    }
    switch (rc) {
    case TK_EREJECTED:
        return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(err.msg));
    case TK_EEXISTS:
        return tk_server_reply_error(r, 409, "conflict", tk_handler_reason(err.msg));
    case TK_ERANGE:
        return tk_server_reply_error(
            r, 413, "payload_too_large",
            json_pack("{s:I,s:s}", "limit",
                      (json_int_t)tk_server_upload_max(tk_server_req_server(r)), "reason",
                      err.msg));
    case TK_EIO: /* the client went away or stalled: nobody reads this answer */
        return tk_server_reply_error(r, 400, "bad_request", tk_handler_reason(err.msg));
    default:
        return tk_server_reply_tk_error(r, &err);
    }
}

static const tk_route routes[] = {
    {"GET", "/api/v1/master", TK_ROUTE_AUTH, TK_ROUTE_READERS, list,
     "master data versions (?kind=)"},
    {"GET", "/api/v1/master/{kind}/{version}", TK_ROUTE_AUTH, TK_ROUTE_READERS, get,
     "one master data version and its rows (?limit=&offset=)"},
    {"POST", "/api/v1/master/{kind}", TK_ROUTE_AUTH_STREAM, IMPORT_ROLES, import,
     "import a CSV file as a new master data version (?name=&effective=)"},
};

const tk_route *tk_routes_master(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
