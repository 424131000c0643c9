/* api/routes_profiles.c -- the service's source profiles, and the
 * mapping profiles of master data: list, read, store (a new version),
 * delete, their versions, and a dry run of a source profile on a CSV
 * sample.
 *
 * The handlers are thin clients of src/profstore.h, as `tenken profile` is:
 * the store validates, versions and selects; these read arguments, open
 * the credential's tenant (read-only for reads; the writer lock, without
 * waiting, for writes) and answer through api/jsonout.h. A profile that
 * does not validate is 422 with the message and the key path it names
 * ("fields.time"), so that a client can point at the key. */
#include <stdio.h>
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "src/alloc.h"
#include "src/ingest.h"
#include "src/profstore.h"

/* Most problems a test answers (every one is counted). */
#define TEST_PROBLEMS 20
/* Events a test answers, to show what the profile makes of the rows. */
#define TEST_EVENTS 5

static int list(tk_server_req *r)
{
    const char *kind = tk_server_req_query(r, "kind");
    if (kind != NULL && strcmp(kind, "source") != 0 && strcmp(kind, "mapping") != 0)
        return tk_handler_bad_arg(r, "kind", "kind is source (logs) or mapping (master data)");
    const int mappings = kind != NULL && strcmp(kind, "mapping") == 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_profstore_entries l;
    tk_error err = {0};
    const int rc =
        mappings ? tk_profstore_list_mappings(t, &l, &err) : tk_profstore_list(t, &l, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *a = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(a, tk_jsonout_profile(&l.v[i]));
    tk_profstore_entries_dispose(&l);
    return tk_server_reply_json(r, 200, json_pack("{s:o}", "profiles", a));
}

static int get(tk_server_req *r)
{
    int64_t version = 0;
    if (tk_handler_int_arg(r, "version", &version) != 0)
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    char *json = NULL;
    size_t len = 0;
    tk_profstore_entry e;
    tk_error err = {0};
    const int rc = tk_profstore_text(t, tk_server_req_param(r), version, &json, &len, &e, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *doc = tk_jsonout_profile(&e);
    json_t *def = json_loadb(json, len, 0, NULL);
    json_object_set_new(doc, "definition", def ? def : json_null());
    tk_profstore_entry_dispose(&e);
    tk_free(json);
    return tk_server_reply_json(r, 200, doc);
}

static int versions(tk_server_req *r)
{
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_profstore_entries l;
    tk_error err = {0};
    const int rc = tk_profstore_versions(t, tk_server_req_param(r), &l, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *a = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(a, tk_jsonout_profile(&l.v[i]));
    tk_profstore_entries_dispose(&l);
    return tk_server_reply_json(
        r, 200, json_pack("{s:s,s:o}", "name", tk_server_req_param(r), "versions", a));
}

/* 422 for a profile that does not validate: {"reason", "path"}, the path
 * being the key at fault: key when the store named it (a mapping), else
 * the key the message names ("profile request body: PATH: what"). */
static int invalid(tk_server_req *r, const tk_error *err, const char *key)
{
    static const char lead[] = "profile request body: ";
    json_t *d = tk_handler_reason(err->msg);
    if (key[0] != '\0') {
        json_object_set_new(d, "path", json_string(key));
    } else if (strncmp(err->msg, lead, sizeof lead - 1) == 0) {
        const char *p = err->msg + sizeof lead - 1;
        const char *end = strstr(p, ": ");
        if (end != NULL && strncmp(p, "not valid JSON", 14) != 0)
            json_object_set_new(d, "path", json_stringn(p, (size_t)(end - p)));
    }
    return tk_server_reply_error(r, 422, "unprocessable", d);
}

/* Takes the tenant's writer lock for what, or answers 409. */
static int lock(tk_server_req *r, tk_tenant *t, const char *what)
{
    tk_error err = {0};
    if (tk_tenant_lock_writer(t, what, TK_TENANT_NOWAIT, NULL, NULL, &err) == TK_OK)
        return 0;
    tk_server_reply_tk_error(r, &err);
    return -1;
}

static int put(tk_server_req *r)
{
    const char *name = tk_server_req_param(r);
    json_t *body = tk_server_req_body(r);
    if (body == NULL)
        return tk_server_reply_error(r, 415, "unsupported_media_type", NULL);
    json_t *pn = json_object_get(body, "profile");
    if (json_is_string(pn) && strcmp(json_string_value(pn), name) != 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "the body's profile name \"%s\" differs from the path's \"%s\"",
                 json_string_value(pn), name);
        json_t *d = tk_handler_reason(msg);
        json_object_set_new(d, "path", json_string("profile"));
        return tk_server_reply_error(r, 422, "unprocessable", d);
    }
    size_t len = 0;
    const char *text = tk_server_req_raw_body(r, &len, NULL);
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 1, &t) != TK_OK)
        return 0;
    char what[128];
    snprintf(what, sizeof what, "profile %s stored over https", name);
    if (lock(r, t, what) != 0) {
        tk_tenant_close(t);
        return 0;
    }
    int64_t v = 0;
    int created = 0;
    char key[128] = "";
    tk_error err = {0};
    int rc = tk_profstore_store(t, text, len, "request body", tk_server_req_actor(r), &v, &created,
                                key, sizeof key, &err);
    tk_profstore_entries l = {NULL, 0};
    if (rc == TK_OK)
        rc = tk_profstore_versions(t, name, &l, &err);
    tk_tenant_close(t);
    if (rc == TK_EPROFILE || rc == TK_EPARSE || rc == TK_ERANGE)
        return invalid(r, &err, key);
    if (rc == TK_EEXISTS)
        return tk_server_reply_error(r, 409, "conflict", tk_handler_reason(err.msg));
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *doc = tk_jsonout_profile(&l.v[0]);
    tk_profstore_entries_dispose(&l);
    json_object_set_new(doc, "created", json_boolean(created));
    return tk_server_reply_json(r, created ? 201 : 200, doc);
}

static int del(tk_server_req *r)
{
    const char *name = tk_server_req_param(r);
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 1, &t) != TK_OK)
        return 0;
    char what[128];
    snprintf(what, sizeof what, "profile %s deleted over https", name);
    if (lock(r, t, what) != 0) {
        tk_tenant_close(t);
        return 0;
    }
    tk_error err = {0};
    int rc = tk_profstore_delete(t, name, tk_server_req_actor(r), NULL, &err);
    tk_profstore_entries l = {NULL, 0};
    if (rc == TK_OK)
        rc = tk_profstore_versions(t, name, &l, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *doc = tk_jsonout_profile(&l.v[0]);
    tk_profstore_entries_dispose(&l);
    return tk_server_reply_json(r, 200, doc);
}

/* ---- test: a dry run on a CSV sample --------------------------------------------------- */

struct body_src {
    const char *p;
    size_t len, at;
};

static long body_read(void *ctx, char *buf, size_t cap, tk_error *err)
{
    struct body_src *b = ctx;
    (void)err;
    size_t n = b->len - b->at;
    n = n < cap ? n : cap;
    memcpy(buf, b->p + b->at, n);
    b->at += n;
    return (long)n;
}

struct test_ctx {
    json_t *problems, *events;
};

static int on_event(void *ctx, uint64_t record, const tk_event *ev)
{
    struct test_ctx *tc = ctx;
    if (json_array_size(tc->events) >= TEST_EVENTS)
        return 0;
    json_t *o = json_pack("{s:I,s:o,s:s#,s:s#,s:s}", "record", (json_int_t)record, "time",
                          tk_jsonout_time(ev->t), "system", ev->system.p ? ev->system.p : "",
                          (int)ev->system.len, "user", ev->user.p ? ev->user.p : "",
                          (int)ev->user.len, "operation", tk_op_name(ev->op));
    if (o != NULL)
        json_array_append_new(tc->events, o);
    return 0;
}

static void on_problem(void *ctx, uint64_t record, uint64_t line, const char *column,
                       const char *message)
{
    struct test_ctx *tc = ctx;
    if (json_array_size(tc->problems) >= TEST_PROBLEMS)
        return;
    json_array_append_new(tc->problems, json_pack("{s:I,s:I,s:o,s:s}", "record", (json_int_t)record,
                                                  "line", (json_int_t)line, "column",
                                                  column ? json_string(column) : json_null(),
                                                  "message", message));
}

static int test(tk_server_req *r)
{
    size_t len = 0;
    int csv = 0;
    const char *sample = tk_server_req_raw_body(r, &len, &csv);
    if (!csv)
        return tk_server_reply_error(
            r, 415, "unsupported_media_type",
            tk_handler_reason("the body is the CSV sample, sent as Content-Type: text/csv"));
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_profile *p = NULL;
    tk_error err = {0};
    int rc = tk_profstore_get(t, tk_server_req_param(r), &p, &err);
    struct test_ctx tc = {json_array(), json_array()};
    struct body_src b = {sample, len, 0};
    const tk_ingest_source src = {"sample.csv", (int64_t)len, body_read, &b};
    tk_ingest_result res;
    memset(&res, 0, sizeof res);
    if (rc == TK_OK) {
        tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
        opt.dry_run = 1;
        opt.lenient = 1;
        opt.on_event = on_event;
        opt.on_problem = on_problem;
        opt.event_ctx = &tc;
        rc = tk_ingest_stream(t, p, &src, &opt, &res, &err);
    }
    tk_tenant_close(t);
    json_t *doc = NULL;
    if (rc == TK_OK)
        doc = json_pack("{s:s,s:s,s:I,s:I,s:I,s:o,s:o}", "profile", tk_profile_name(p), "encoding",
                        res.encoding, "rows", (json_int_t)res.rows_total, "accepted",
                        (json_int_t)res.rows_accepted, "rejected", (json_int_t)res.rows_rejected,
                        "problems", tc.problems, "events", tc.events);
    else {
        json_decref(tc.problems);
        json_decref(tc.events);
    }
    tk_profile_destroy(p);
    if (rc == TK_EPROFILE || rc == TK_EENCODING || rc == TK_EPARSE)
        return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(err.msg));
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

#define WRITERS (TK_ROUTE_ANALYST | TK_ROUTE_ADMIN)

static const tk_route profiles[] = {
    {"GET", "/api/v1/profiles", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, list,
     "the stored source profiles in force (?kind=mapping: the mapping profiles)"},
    {"GET", "/api/v1/profiles/{name}", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, get,
     "one profile: the version in force, or ?version="},
    {"PUT", "/api/v1/profiles/{name}", TK_ROUTE_AUTH, WRITERS, put,
     "store a profile as its next version"},
    {"DELETE", "/api/v1/profiles/{name}", TK_ROUTE_AUTH, WRITERS, del,
     "delete a profile (its versions stay readable)"},
    {"GET", "/api/v1/profiles/{name}/versions", TK_ROUTE_AUTH, TK_ROUTE_ANYONE, versions,
     "every version of a profile, newest first"},
    {"POST", "/api/v1/profiles/{name}/test", TK_ROUTE_AUTH, TK_ROUTE_UPLOADER | WRITERS, test,
     "try a profile on a CSV sample; nothing stored"},
};

const tk_route *tk_routes_profiles(size_t *n)
{
    *n = sizeof profiles / sizeof profiles[0];
    return profiles;
}
