/* api/handler.c -- see handler.h. */
#include "api/handler.h"

#include <stdio.h>
#include <string.h>

#include "src/checked.h"

json_t *tk_handler_reason(const char *msg)
{
    return json_pack("{s:s}", "reason", msg);
}

int tk_handler_unprocessable(tk_server_req *r, const char *msg)
{
    const char *colon = strstr(msg, ": ");
    if (msg[0] == '$' && colon != NULL)
        return tk_server_reply_error(
            r, 422, "unprocessable",
            json_pack("{s:s%,s:s}", "parameter", msg, (size_t)(colon - msg), "reason", msg));
    return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(msg));
}

int tk_handler_open_writer(tk_server_req *r, const char *what, tk_tenant **t)
{
    tk_error err = {0};
    if (tk_server_req_tenant(r, 1, t) != TK_OK)
        return -1;
    if (tk_tenant_lock_writer(*t, what, TK_TENANT_NOWAIT, NULL, NULL, &err) != TK_OK) {
        tk_tenant_close(*t);
        *t = NULL;
        tk_server_reply_tk_error(r, &err);
        return -1;
    }
    return 0;
}

/* Every table exists from the tenant's open on (models/analysis.h): a
 * read error is answered like any other. */
int tk_handler_read_error(tk_server_req *r, tk_error *err)
{
    return tk_server_reply_tk_error(r, err);
}

int tk_handler_bad_arg(tk_server_req *r, const char *name, const char *msg)
{
    return tk_server_reply_error(r, 400, "bad_request",
                                 json_pack("{s:s,s:s}", "parameter", name, "reason", msg));
}

/* Reads an optional count argument into *out (left as is when absent).
 * Returns 0, or -1 when an error answer was queued. */
int tk_handler_count_arg(tk_server_req *r, const char *name, uint64_t max, uint64_t *out)
{
    const char *v = tk_server_req_query(r, name);
    tk_error err = {0};
    if (v == NULL)
        return 0;
    if (tk_server_parse_count(v, strlen(v), max, out, &err) != TK_OK) {
        tk_handler_bad_arg(r, name, err.msg);
        return -1;
    }
    return 0;
}

int tk_handler_period_arg(tk_server_req *r, tk_period *pr, int *given)
{
    const char *v = tk_server_req_query(r, "period");
    tk_error err = {0};
    *given = 0;
    if (v == NULL)
        return 0;
    if (tk_period_parse(v, strlen(v), pr, &err) != TK_OK) {
        tk_handler_bad_arg(r, "period", err.msg);
        return -1;
    }
    *given = 1;
    return 0;
}

/* The item id of the path, or -1 with a 400 queued. */
int tk_handler_item_id(tk_server_req *r, int64_t *run, int64_t *rank)
{
    const char *id = tk_server_req_param(r);
    tk_error err = {0};
    if (id == NULL || tk_server_parse_item_id(id, strlen(id), run, rank, &err) != TK_OK) {
        tk_handler_bad_arg(r, "id", err.msg);
        return -1;
    }
    return 0;
}

void tk_handler_set_item_id(json_t *o, int64_t run, int64_t rank)
{
    char id[48];
    snprintf(id, sizeof id, "%lld-%lld", (long long)run, (long long)rank);
    json_object_set_new(o, "id", json_string(id));
}

int tk_handler_int_arg(tk_server_req *r, const char *name, int64_t *out)
{
    const char *v = tk_server_req_query(r, name);
    if (v == NULL)
        return 0;
    if (!tk_parse_i64(v, strlen(v), out) || *out < 0) {
        tk_handler_bad_arg(r, name, "expected a non-negative integer");
        return -1;
    }
    return 0;
}

json_t *tk_handler_opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

int tk_handler_file_name_arg(tk_server_req *r, const char **out)
{
    const char *name = tk_server_req_query(r, "name");
    if (name == NULL || name[0] == '\0')
        return tk_handler_bad_arg(r, "name", "the file's name is required: ?name=FILE.csv"), -1;
    if (strlen(name) > 255 || strchr(name, '/') != NULL || strchr(name, '\\') != NULL ||
        strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return tk_handler_bad_arg(r, "name",
                                  "a file name of at most 255 bytes without '/' or '\\'"),
               -1;
    *out = name;
    return 0;
}
