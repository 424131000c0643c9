/* api/routes_settings.c -- the baseline settings: read by every reader of
 * anomalies, changed and reset by analysts and admins, with their history.
 *
 * Thin clients of models/bsettings, which the CLI (`tenken settings
 * --trees ...`) shares; JSON through api/jsonout.h. A change opens the
 * tenant read-write and takes its writer lock without waiting (409 when
 * another writer holds it). A refused value is 422 whose details name the
 * setting's JSON path ("$.trees") and give the value and the range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "models/bsettings.h"

#define CHANGERS (TK_ROUTE_ANALYST | TK_ROUTE_ADMIN)

/* Answers the settings now in force in t (status 200) and closes t. */
static int reply_settings(tk_server_req *r, tk_tenant *t, int64_t stored)
{
    tk_bsettings_version v;
    tk_error err = {0};
    const int rc = tk_bsettings_read(tk_tenant_db(t), &v, &err);
    json_t *doc = rc == TK_OK ? tk_jsonout_bsettings(tk_tenant_name(t), &v) : NULL;
    if (doc != NULL && stored > 0)
        json_object_set_new(doc, "stored_version", json_integer(stored));
    tk_bsettings_version_dispose(&v);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

static int settings_get(tk_server_req *r)
{
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    return reply_settings(r, t, 0);
}

static int settings_put(tk_server_req *r)
{
    json_t *body = tk_server_req_body(r);
    if (!json_is_object(body) || json_object_size(body) == 0)
        return tk_handler_unprocessable(
            r, "the body is {\"trees\": 200, \"min_model_score\": 60, ...}: "
               "at least one setting, a number or null (the default)");
    char *text = json_dumps(body, JSON_COMPACT);
    tk_tenant *t = NULL;
    if (text == NULL || tk_handler_open_writer(r, "baseline settings over https", &t)) {
        free(text);
        return text == NULL ? tk_server_reply_error(r, 500, "internal", NULL) : 0;
    }
    tk_error err = {0};
    int64_t id = 0;
    const int rc =
        tk_bsettings_change(tk_tenant_db(t), text, strlen(text), tk_server_req_actor(r), &id, &err);
    free(text);
    if (rc == TK_EINVAL || rc == TK_EPARSE) {
        tk_tenant_close(t);
        return tk_handler_unprocessable(r, err.msg);
    }
    if (rc != TK_OK) {
        tk_tenant_close(t);
        return tk_server_reply_tk_error(r, &err);
    }
    return reply_settings(r, t, id);
}

static int settings_delete(tk_server_req *r)
{
    /* A reset names nothing: a body, even {}, is refused rather than read
     * as a request to reset, so that a client sending a change to the
     * wrong method stores nothing. */
    size_t blen = 0;
    (void)tk_server_req_raw_body(r, &blen, NULL);
    if (tk_server_req_body(r) != NULL || blen > 0 || tk_server_req_body_length(r) > 0)
        return tk_handler_unprocessable(
            r, "a reset takes no body: DELETE puts every baseline setting back "
               "to its default; PUT changes some");
    tk_tenant *t = NULL;
    if (tk_handler_open_writer(r, "baseline settings reset over https", &t))
        return 0;
    tk_error err = {0};
    int64_t id = 0;
    const int rc = tk_bsettings_reset(tk_tenant_db(t), tk_server_req_actor(r), &id, &err);
    if (rc != TK_OK) {
        tk_tenant_close(t);
        return tk_server_reply_tk_error(r, &err);
    }
    return reply_settings(r, t, id);
}

static int settings_history(tk_server_req *r)
{
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_bsettings_version *v = NULL;
    size_t n = 0;
    tk_error err = {0};
    const int rc = tk_bsettings_history(tk_tenant_db(t), &v, &n, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    json_t *items = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(items, tk_jsonout_bsettings_version(&v[k]));
    tk_bsettings_versions_free(v, n);
    return tk_server_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static const tk_route settings[] = {
    {"GET", "/api/v1/settings/baseline", TK_ROUTE_AUTH, TK_ROUTE_READERS, settings_get,
     "the baseline settings in force"},
    {"PUT", "/api/v1/settings/baseline", TK_ROUTE_AUTH, CHANGERS, settings_put,
     "change baseline settings (a new version)"},
    {"DELETE", "/api/v1/settings/baseline", TK_ROUTE_AUTH, CHANGERS, settings_delete,
     "put the baseline settings back to the defaults (a new version)"},
    {"GET", "/api/v1/settings/baseline/history", TK_ROUTE_AUTH, TK_ROUTE_READERS, settings_history,
     "the stored versions of the baseline settings"},
};

const tk_route *tk_routes_settings(size_t *n)
{
    *n = sizeof settings / sizeof settings[0];
    return settings;
}
