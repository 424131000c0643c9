/* api/routes_accounts.c -- account administration over the API: list,
 * create, reset a password, disable and enable accounts, and list and
 * revoke API tokens.
 *
 * Thin clients of src/account.h, which the CLI (`tenken user ...`,
 * `tenken token ...`, api/cli_user.c) shares: the store decides who may do
 * what (an admin of one tenant manages only that tenant's accounts, a
 * global admin every account) and writes the audit records of its changes
 * and refusals in the same transaction. Its answers map to one error shape:
 * a refusal is 403 forbidden, an unknown account or token 404, a name or
 * token state that conflicts 409, a value the policy refuses 422 (the
 * reason says which rule). A password is read from the body, handed to the
 * store and never written to an answer, a log or the audit log.
 *
 * Owns nothing beyond a request; thread-safe (the route table is constant
 * and each request has its own account-store connection). */
#include <stdio.h>
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "src/account.h"
#include "src/alloc.h"

/* Answers a refusal or failure rc of the account store: TK_EREJECTED 403,
 * TK_EINVAL 422 (a value of the body), TK_ENOTFOUND 404 -- or 422 when
 * not_found_is_value: a tenant named in the body --, TK_EEXISTS 409, the
 * rest through tk_server_reply_tk_error. The store's not-found message
 * names the data directory, a path of the server that is no client's
 * business: a not-found answer says "what what does not exist" instead
 * (what borrowed, may be NULL). */
static int reply_account_error(tk_server_req *r, int rc, const tk_error *err,
                               int not_found_is_value, const char *what)
{
    char missing[160];
    switch (rc) {
    case TK_EREJECTED:
        return tk_server_reply_error(r, 403, "forbidden", tk_handler_reason(err->msg));
    case TK_EINVAL:
        return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(err->msg));
    case TK_ENOTFOUND:
        snprintf(missing, sizeof missing, "%s does not exist", what ? what : "it");
        if (not_found_is_value)
            return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(missing));
        return tk_server_reply_error(r, 404, "not_found", tk_handler_reason(missing));
    case TK_EEXISTS:
        return tk_server_reply_error(r, 409, "conflict", tk_handler_reason(err->msg));
    default:
        return tk_server_reply_tk_error(r, err);
    }
}

/* "account NAME" or "api token ID" into buf (size cap) for a reason. */
static const char *naming(char *buf, size_t cap, const char *kind, const char *name)
{
    snprintf(buf, cap, "%s %.64s", kind, name ? name : "");
    return buf;
}

/* 1 after queueing 422 when a request that takes nothing has a body
 * other than {}: a client that meant something else stores nothing. */
static int body_not_empty(tk_server_req *r)
{
    json_t *body = tk_server_req_body(r);
    if (body == NULL || json_object_size(body) == 0)
        return 0;
    tk_server_reply_error(r, 422, "unprocessable",
                          tk_handler_reason("the body is {}: this request takes no values"));
    return 1;
}

/* The account name of the path, checked; NULL after queueing 404 for a
 * name no account can have. */
static const char *path_name(tk_server_req *r)
{
    const char *name = tk_server_req_param(r);
    tk_error err = {0};
    if (name == NULL || tk_account_check_name(name, &err) != TK_OK) {
        tk_server_reply_error(r, 404, "not_found",
                              tk_handler_reason(name ? err.msg : "no account name"));
        return NULL;
    }
    return name;
}

/* One account as answered: never its password or hash. */
static json_t *account_json(const tk_account_info *a)
{
    return json_pack("{s:s,s:s,s:o,s:b,s:o,s:o,s:s,s:I,s:o}", "name", a->name, "role", a->role,
                     "tenant", a->tenant[0] ? json_string(a->tenant) : json_null(), "disabled",
                     a->disabled ? 1 : 0, "created_at", tk_jsonout_time(a->created_ms),
                     "updated_at", tk_jsonout_time(a->updated_ms), "created_by", a->created_by,
                     "failed_logins", (json_int_t)a->failures, "locked_until",
                     a->locked_until_ms > 0 ? tk_jsonout_time(a->locked_until_ms) : json_null());
}

/* Answers account name as read now (status), or the store's error. */
static int reply_account(tk_server_req *r, unsigned status, const char *name)
{
    tk_account_info info;
    tk_error err = {0};
    char what[96];
    memset(&info, 0, sizeof info);
    const int rc =
        tk_account_get(tk_server_req_accounts(r), tk_server_req_actor(r), name, &info, &err);
    if (rc != TK_OK)
        return reply_account_error(r, rc, &err, 0, naming(what, sizeof what, "account", name));
    return tk_server_reply_json(r, status, account_json(&info));
}

static int accounts_list(tk_server_req *r)
{
    tk_account_info *list = NULL;
    size_t n = 0;
    tk_error err = {0};
    const int rc =
        tk_account_list(tk_server_req_accounts(r), tk_server_req_actor(r), &list, &n, &err);
    if (rc != TK_OK)
        return reply_account_error(r, rc, &err, 0, NULL);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, account_json(&list[i]));
    tk_free(list);
    return tk_server_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int accounts_create(tk_server_req *r)
{
    static const char shape[] = "the body is {\"name\": string, \"role\": \"uploader\"|\"analyst\"|"
                                "\"reporter\"|\"admin\", \"tenant\": string (optional), "
                                "\"password\": string} and nothing else";
    json_t *body = tk_server_req_body(r);
    json_t *name = json_object_get(body, "name"), *role = json_object_get(body, "role");
    json_t *tenant = json_object_get(body, "tenant"), *pw = json_object_get(body, "password");
    const size_t expect = 3 + (tenant != NULL);
    if (!json_is_object(body) || !json_is_string(name) || !json_is_string(role) ||
        !json_is_string(pw) ||
        (tenant != NULL && !json_is_string(tenant) && !json_is_null(tenant)) ||
        json_object_size(body) != expect)
        return tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(shape));
    const char *n = json_string_value(name);
    tk_server_req_target(r, tk_account_check_name(n, NULL) == TK_OK ? n : NULL);
    /* An admin of one tenant adds accounts to its tenant: it need not
     * name it. A global admin that names none adds a global account. */
    const char *tn = json_is_string(tenant) ? json_string_value(tenant) : NULL;
    const tk_account_auth *a = tk_server_req_auth(r);
    if ((tn == NULL || tn[0] == '\0') && a->tenant[0])
        tn = a->tenant;
    tk_error err = {0};
    char what[96];
    const int rc = tk_account_add(tk_server_req_accounts(r), tk_server_req_actor(r), n,
                                  json_string_value(role), tn, json_string_value(pw),
                                  json_string_length(pw), &err);
    if (rc != TK_OK)
        return reply_account_error(r, rc, &err, 1,
                                   tn ? naming(what, sizeof what, "tenant", tn) : NULL);
    return reply_account(r, 201, n);
}

static int accounts_password(tk_server_req *r)
{
    const char *name = path_name(r);
    if (name == NULL)
        return 0;
    json_t *body = tk_server_req_body(r);
    json_t *pw = json_object_get(body, "password");
    if (!json_is_string(pw) || json_object_size(body) != 1)
        return tk_server_reply_error(
            r, 422, "unprocessable",
            tk_handler_reason("the body is {\"password\": string} and nothing else"));
    tk_error err = {0};
    char what[96];
    const int rc = tk_account_passwd(tk_server_req_accounts(r), tk_server_req_actor(r), name,
                                     json_string_value(pw), json_string_length(pw), &err);
    if (rc != TK_OK)
        return reply_account_error(r, rc, &err, 0, naming(what, sizeof what, "account", name));
    return reply_account(r, 200, name);
}

/* disable (on) or enable (!on) the account of the path. */
static int accounts_state(tk_server_req *r, int on)
{
    const char *name = path_name(r);
    if (name == NULL || body_not_empty(r))
        return 0;
    tk_error err = {0};
    char what[96];
    const int rc =
        on ? tk_account_disable(tk_server_req_accounts(r), tk_server_req_actor(r), name, &err)
           : tk_account_enable(tk_server_req_accounts(r), tk_server_req_actor(r), name, &err);
    if (rc != TK_OK)
        return reply_account_error(r, rc, &err, 0, naming(what, sizeof what, "account", name));
    return reply_account(r, 200, name);
}

static int accounts_disable(tk_server_req *r)
{
    return accounts_state(r, 1);
}

static int accounts_enable(tk_server_req *r)
{
    return accounts_state(r, 0);
}

static json_t *token_json(const tk_account_token_info *t)
{
    return json_pack("{s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:s}", "id", t->id, "account", t->account,
                     "tenant", t->tenant[0] ? json_string(t->tenant) : json_null(), "role", t->role,
                     "created_at", tk_jsonout_time(t->created_ms), "expires_at",
                     tk_jsonout_time(t->expires_ms), "last_used_at",
                     t->last_used_ms > 0 ? tk_jsonout_time(t->last_used_ms) : json_null(),
                     "revoked_at", t->revoked_ms > 0 ? tk_jsonout_time(t->revoked_ms) : json_null(),
                     "created_by", t->created_by);
}

static int account_tokens(tk_server_req *r)
{
    const char *name = path_name(r);
    if (name == NULL)
        return 0;
    /* The account must exist and be in the actor's scope (404 / 403). */
    tk_account_info info;
    tk_error err = {0};
    char what[96];
    int rc = tk_account_get(tk_server_req_accounts(r), tk_server_req_actor(r), name, &info, &err);
    if (rc != TK_OK)
        return reply_account_error(r, rc, &err, 0, naming(what, sizeof what, "account", name));
    tk_account_token_info *list = NULL;
    size_t n = 0;
    rc = tk_account_token_list(tk_server_req_accounts(r), tk_server_req_actor(r), &list, &n, &err);
    if (rc != TK_OK)
        return reply_account_error(r, rc, &err, 0, NULL);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].account, name) == 0)
            json_array_append_new(items, token_json(&list[i]));
    tk_free(list);
    return tk_server_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int token_revoke(tk_server_req *r)
{
    const char *id = tk_server_req_param(r);
    if (body_not_empty(r))
        return 0;
    tk_error err = {0};
    char what[96];
    const int rc = tk_account_token_revoke(tk_server_req_accounts(r), tk_server_req_actor(r),
                                           id ? id : "", &err);
    if (rc != TK_OK)
        return reply_account_error(r, rc, &err, 0, naming(what, sizeof what, "api token", id));
    return tk_server_reply_json(r, 200, json_pack("{s:s,s:s}", "id", id, "status", "revoked"));
}

static const tk_route accounts[] = {
    {"GET", "/api/v1/accounts", TK_ROUTE_AUTH, TK_ROUTE_ADMIN, accounts_list,
     "the accounts an admin manages"},
    {"POST", "/api/v1/accounts", TK_ROUTE_AUTH, TK_ROUTE_ADMIN, accounts_create, "add an account"},
    {"PUT", "/api/v1/accounts/{name}/password", TK_ROUTE_AUTH, TK_ROUTE_ADMIN, accounts_password,
     "set an account's password (its sessions end)"},
    {"POST", "/api/v1/accounts/{name}/disable", TK_ROUTE_AUTH, TK_ROUTE_ADMIN, accounts_disable,
     "disable an account"},
    {"POST", "/api/v1/accounts/{name}/enable", TK_ROUTE_AUTH, TK_ROUTE_ADMIN, accounts_enable,
     "enable an account again (clears a lockout)"},
    {"GET", "/api/v1/accounts/{name}/tokens", TK_ROUTE_AUTH, TK_ROUTE_ADMIN, account_tokens,
     "an account's API tokens (never their secrets)"},
    {"POST", "/api/v1/tokens/{id}/revoke", TK_ROUTE_AUTH, TK_ROUTE_ADMIN, token_revoke,
     "revoke an API token"},
};

const tk_route *tk_routes_accounts(size_t *n)
{
    *n = sizeof accounts / sizeof accounts[0];
    return accounts;
}
