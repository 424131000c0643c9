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
 * ?profile=NAME names a mapping profile stored in the tenant
 * (src/profstore.h) for a file whose header is not the canonical one. An
 * import in progress is listed, as an upload is, under GET
 * /api/v1/uploads's in_progress (and GET /api/v1/master's), labelled as
 * a master import.
 *
 * Roles: analysts, reporters and admins read; analysts and admins import.
 * An uploader sends logs only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "src/alloc.h"
#include "src/master.h"
#include "src/profstore.h"

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
    json_t *running = tk_jsonout_streams(tk_server_req_server(r), tk_tenant_name(t), "master");
    tk_tenant_close(t);
    if (rc != TK_OK) {
        json_decref(a);
        json_decref(running);
        return tk_server_reply_tk_error(r, &err);
    }
    return tk_server_reply_json(r, 200,
                                json_pack("{s:o,s:o}", "versions", a, "in_progress", running));
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

/* The body as the import reads it: lines are counted on the way, so
 * that GET /api/v1/uploads can show how far a running import is (rows
 * received so far, after the header). */
struct counted {
    tk_server_req *r;
    uint64_t lines;
};

static long counted_read(void *ctx, char *buf, size_t cap, tk_error *err)
{
    struct counted *c = ctx;
    const long n = tk_server_req_read(c->r, buf, cap, err);
    for (long i = 0; i < n; i++)
        c->lines += buf[i] == '\n';
    if (n > 0)
        tk_server_req_stream_progress(c->r, c->lines > 0 ? c->lines - 1 : 0, 0);
    return n;
}

/* Reads the stored mapping profile name for an import of kind into
 * *json (owned: tk_free()); 0, or -1 answered: 422 naming the parameter
 * when there is no such mapping or it maps another kind. */
static int mapping_arg(tk_server_req *r, tk_tenant *t, const char *name, const char *kind,
                       char **json, size_t *len)
{
    tk_profstore_entry e;
    tk_error err = {0};
    const int rc = tk_profstore_mapping(t, name, json, len, &e, &err);
    if (rc == TK_OK && strcmp(e.master_kind ? e.master_kind : "", kind) != 0)
        tk_error_set(&err, TK_EINVAL, "mapping profile \"%s\" maps %s master data, not %s", name,
                     e.master_kind ? e.master_kind : "?", kind);
    tk_profstore_entry_dispose(&e);
    if (rc == TK_OK && err.code == 0)
        return 0;
    tk_free(*json);
    *json = NULL;
    if (rc == TK_OK || rc == TK_ENOTFOUND)
        tk_server_reply_error(r, 422, "unprocessable",
                              json_pack("{s:s,s:s}", "parameter", "profile", "reason", err.msg));
    else
        tk_server_reply_tk_error(r, &err);
    return -1;
}

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
    const char *pname = tk_server_req_query(r, "profile");
    if (pname != NULL && pname[0] == '\0')
        return tk_handler_bad_arg(r, "profile", "a mapping profile's name, or no ?profile= at all");
    char what[400];
    snprintf(what, sizeof what, "master import of %s by %s", name, tk_server_req_actor(r)->name);
    tk_tenant *t = NULL;
    if (tk_handler_open_writer(r, what, &t))
        return 0;
    tk_server_req_stream_label(r, tk_tenant_name(t), name, pname ? pname : "");
    tk_server_req_stream_kind(r, "master");
    char *mapping = NULL;
    size_t mapping_len = 0;
    if (pname != NULL && mapping_arg(r, t, pname, kind, &mapping, &mapping_len) != 0) {
        tk_tenant_close(t);
        return 0;
    }
    tk_master_import_result res;
    struct counted body = {r, 0};
    int rc = tk_master_import_stream(t, tk_server_req_actor(r), kind, name, counted_read, &body,
                                     pname, mapping, mapping_len, effective, &res, &err);
    tk_free(mapping);
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
    case TK_EINVAL: /* the stored mapping does not fit this import */
        return tk_server_reply_error(
            r, 422, "unprocessable",
            json_pack("{s:s,s:s}", "parameter", "profile", "reason", err.msg));
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
     "import a CSV file as a new master data version (?name=&effective=&profile=)"},
};

const tk_route *tk_routes_master(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
