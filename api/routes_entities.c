/* api/routes_entities.c -- entity profiles and trends.
 *
 * Thin clients of models/entity and models/trends: read and check the
 * arguments, open the credential's tenant read-only, answer through
 * api/jsonout.h. The entity's type is the path's ("/entities/user/{id}",
 * "/entities/terminal/{id}"): one route each, as the router takes one
 * parameter. Readers (analyst, reporter, admin) may call both; an
 * uploader reads no profile and no trend. */
#include <string.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "models/entity.h"
#include "models/trends.h"

static int entity(tk_server_req *r, tk_entity_type type)
{
    tk_period pr;
    int has_period = 0;
    if (tk_handler_period_arg(r, &pr, &has_period))
        return 0;
    if (!has_period)
        return tk_handler_bad_arg(r, "period", "expected FROM..TO, as 2024-10-01..2024-11-30");
    if (pr.last_day - pr.first_day >= TK_ENTITY_MAX_DAYS)
        return tk_handler_bad_arg(r, "period", "a profile covers at most 366 days");
    const char *id = tk_server_req_param(r);
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_entity e;
    tk_error err = {0};
    const int rc = tk_entity_profile(t, type, id, &pr, &e, &err);
    json_t *doc = rc == TK_OK ? tk_jsonout_entity(&e) : NULL;
    tk_entity_dispose(&e);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

static int entity_user(tk_server_req *r)
{
    return entity(r, TK_ENTITY_USER);
}

static int entity_terminal(tk_server_req *r)
{
    return entity(r, TK_ENTITY_TERMINAL);
}

/* A day argument YYYY-MM-DD (read as the period DAY..DAY). */
static int day_arg(tk_server_req *r, const char *name, int64_t *day)
{
    const char *v = tk_server_req_query(r, name);
    if (v == NULL)
        return tk_handler_bad_arg(r, name, "expected a day YYYY-MM-DD"), -1;
    char buf[64];
    tk_period p;
    tk_error err = {0};
    const size_t len = strlen(v);
    if (len > 20)
        return tk_handler_bad_arg(r, name, "expected a day YYYY-MM-DD"), -1;
    memcpy(buf, v, len);
    memcpy(buf + len, "..", 2);
    memcpy(buf + len + 2, v, len);
    if (tk_period_parse(buf, 2 * len + 2, &p, &err) != TK_OK)
        return tk_handler_bad_arg(r, name, "expected a day YYYY-MM-DD"), -1;
    *day = p.first_day;
    return 0;
}

static int trends(tk_server_req *r)
{
    tk_period range;
    tk_trends_key keys[TK_TRENDS_MAX_KEYS];
    size_t nkeys = 0;
    tk_error err = {0};
    if (day_arg(r, "from", &range.first_day) || day_arg(r, "to", &range.last_day))
        return 0;
    if (range.first_day > range.last_day)
        return tk_handler_bad_arg(r, "to", "the range ends before it starts");
    if (range.last_day - range.first_day > 3 * 366)
        return tk_handler_bad_arg(r, "to", "a range covers at most 3 years");
    const char *by = tk_server_req_query(r, "by");
    if (by == NULL)
        return tk_handler_bad_arg(r, "by",
                                  "expected one or two of month, system, dept, rule, severity or"
                                  " status, as month,rule");
    if (tk_trends_keys_parse(by, strlen(by), keys, &nkeys, &err) != TK_OK)
        return tk_handler_bad_arg(r, "by", err.msg);
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_trends tr;
    const int rc = tk_trends_compute(tk_tenant_db(t), &range, keys, nkeys, &tr, &err);
    json_t *doc = rc == TK_OK ? tk_jsonout_trends(&tr) : NULL;
    tk_trends_dispose(&tr);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    return tk_server_reply_json(r, 200, doc);
}

static const tk_route entities[] = {
    {"GET", "/api/v1/entities/user/{id}", TK_ROUTE_AUTH, TK_ROUTE_READERS, entity_user,
     "a user's profile for a period"},
    {"GET", "/api/v1/entities/terminal/{id}", TK_ROUTE_AUTH, TK_ROUTE_READERS, entity_terminal,
     "a terminal's profile for a period"},
    {"GET", "/api/v1/trends", TK_ROUTE_AUTH, TK_ROUTE_READERS, trends,
     "cases, findings and scores grouped by one or two keys"},
};

const tk_route *tk_routes_entities(size_t *n)
{
    *n = sizeof entities / sizeof entities[0];
    return entities;
}
