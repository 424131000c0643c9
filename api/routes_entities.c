/* api/routes_entities.c -- entity profiles and trends, as JSON and as
 * charts.
 *
 * Thin clients of models/entity and models/trends: read and check the
 * arguments, open the credential's tenant read-only, answer through
 * api/jsonout.h. The entity's type is the path's ("/entities/user/{id}",
 * "/entities/terminal/{id}"): one route each, as the router takes one
 * parameter. Readers (analyst, reporter, admin) may call both; an
 * uploader reads no profile and no trend.
 *
 * The charts ("/entities/user/{id}/charts/daily.svg", a case's
 * "/anomalies/{id}/chart.svg", "/trends/chart.svg") read their arguments
 * with the same code and compute with the same service functions as the
 * JSON routes they mirror, and api/charts.h draws the result: the UI shows
 * the server's SVG rather than drawing its own, so that a chart on screen
 * is the chart of the reports. An SVG answer keeps the API's
 * Content-Security-Policy (default-src 'none': the SVG has no script,
 * style sheet or external reference, only attributes) and nosniff, and is
 * not cached (no-store, as every answer of the API): the numbers change
 * with every analysis and triage. */
#include <stdlib.h>
#include <string.h>

#include "api/charts.h"
#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "models/anomalies.h"
#include "models/entity.h"
#include "models/trends.h"

/* The "lang" argument of a chart: "ja" (default) or "en". */
static int lang_arg(tk_server_req *r, const char **lang)
{
    const char *v = tk_server_req_query(r, "lang");
    if (v != NULL && strcmp(v, "ja") != 0 && strcmp(v, "en") != 0)
        return tk_handler_bad_arg(r, "lang", "expected ja or en"), -1;
    *lang = v != NULL ? v : "ja";
    return 0;
}

/* Answers svg (taken) as image/svg+xml, or err when svg is NULL. */
static int reply_svg(tk_server_req *r, char *svg, int rc, tk_error *err)
{
    if (rc != TK_OK)
        return tk_server_reply_tk_error(r, err);
    tk_server_reply_bytes(r, 200, "image/svg+xml; charset=utf-8", svg, strlen(svg));
    free(svg);
    return 0;
}

/* The "period" argument of a profile (required, at most a year). */
static int profile_period_arg(tk_server_req *r, tk_period *pr)
{
    int has_period = 0;
    if (tk_handler_period_arg(r, pr, &has_period))
        return -1;
    if (!has_period)
        return tk_handler_bad_arg(r, "period", "expected FROM..TO, as 2024-10-01..2024-11-30"), -1;
    if (pr->last_day - pr->first_day >= TK_ENTITY_MAX_DAYS)
        return tk_handler_bad_arg(r, "period", "a profile covers at most 366 days"), -1;
    return 0;
}

static int entity(tk_server_req *r, tk_entity_type type)
{
    tk_period pr;
    if (profile_period_arg(r, &pr))
        return 0;
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

/* Reads the arguments of a trends query and computes it into *tr (owned:
 * tk_trends_dispose()). Returns 0, or -1 with the answer queued. */
static int trends_read(tk_server_req *r, tk_trends *tr)
{
    tk_period range;
    tk_trends_key keys[TK_TRENDS_MAX_KEYS];
    size_t nkeys = 0;
    tk_error err = {0};
    memset(tr, 0, sizeof *tr);
    if (day_arg(r, "from", &range.first_day) || day_arg(r, "to", &range.last_day))
        return -1;
    if (range.first_day > range.last_day)
        return tk_handler_bad_arg(r, "to", "the range ends before it starts"), -1;
    if (range.last_day - range.first_day > 3 * 366)
        return tk_handler_bad_arg(r, "to", "a range covers at most 3 years"), -1;
    const char *by = tk_server_req_query(r, "by");
    if (by == NULL)
        return tk_handler_bad_arg(r, "by",
                                  "expected one or two of month, system, dept, rule, severity or"
                                  " status, as month,rule"),
               -1;
    if (tk_trends_keys_parse(by, strlen(by), keys, &nkeys, &err) != TK_OK)
        return tk_handler_bad_arg(r, "by", err.msg), -1;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return -1;
    const int rc = tk_trends_compute(tk_tenant_db(t), &range, keys, nkeys, tr, &err);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err), -1;
    return 0;
}

static int trends(tk_server_req *r)
{
    tk_trends tr;
    if (trends_read(r, &tr))
        return 0;
    json_t *doc = tk_jsonout_trends(&tr);
    tk_trends_dispose(&tr);
    return tk_server_reply_json(r, 200, doc);
}

static int trends_chart(tk_server_req *r)
{
    const char *lang;
    tk_trends tr;
    if (lang_arg(r, &lang) || trends_read(r, &tr))
        return 0;
    char *svg = NULL;
    tk_error err = {0};
    const int rc = tk_charts_trends(&tr, lang, &svg, &err);
    tk_trends_dispose(&tr);
    return reply_svg(r, svg, rc, &err);
}

/* ---- charts of an entity and of a case ------------------------------------------ */

static int entity_chart(tk_server_req *r, tk_entity_type type, tk_charts_kind kind)
{
    tk_period pr;
    const char *lang;
    if (lang_arg(r, &lang) || profile_period_arg(r, &pr))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_entity e;
    char *svg = NULL;
    tk_error err = {0};
    int rc = tk_entity_profile(t, type, tk_server_req_param(r), &pr, &e, &err);
    if (rc == TK_OK)
        rc = tk_charts_entity(&e, kind, lang, &svg, &err);
    tk_entity_dispose(&e);
    tk_tenant_close(t);
    return reply_svg(r, svg, rc, &err);
}

static int user_daily(tk_server_req *r)
{
    return entity_chart(r, TK_ENTITY_USER, TK_CHARTS_DAILY);
}

static int user_hours(tk_server_req *r)
{
    return entity_chart(r, TK_ENTITY_USER, TK_CHARTS_HOURS);
}

static int user_systems(tk_server_req *r)
{
    return entity_chart(r, TK_ENTITY_USER, TK_CHARTS_SYSTEMS);
}

static int terminal_daily(tk_server_req *r)
{
    return entity_chart(r, TK_ENTITY_TERMINAL, TK_CHARTS_DAILY);
}

static int terminal_hours(tk_server_req *r)
{
    return entity_chart(r, TK_ENTITY_TERMINAL, TK_CHARTS_HOURS);
}

static int terminal_systems(tk_server_req *r)
{
    return entity_chart(r, TK_ENTITY_TERMINAL, TK_CHARTS_SYSTEMS);
}

/* A case's entity's daily events over its run's period (widened to the
 * case's days), the case's days shaded. */
static int case_chart(tk_server_req *r)
{
    int64_t run, rank;
    const char *lang;
    if (lang_arg(r, &lang) || tk_handler_item_id(r, &run, &rank))
        return 0;
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return 0;
    tk_anomalies_item it;
    tk_anomalies_run info;
    tk_entity e;
    tk_entity_type type = TK_ENTITY_USER;
    char *svg = NULL;
    tk_error err = {0};
    memset(&it, 0, sizeof it);
    memset(&info, 0, sizeof info);
    memset(&e, 0, sizeof e);
    int rc = tk_anomalies_get(tk_tenant_db(t), run, rank, &it, &err);
    if (rc == TK_OK)
        rc = tk_anomalies_run_get(tk_tenant_db(t), run, &info, &err);
    if (rc == TK_OK)
        rc = tk_entity_type_parse(it.entity_type, &type, &err);
    if (rc == TK_OK) {
        const tk_period pr = tk_charts_case_period(&info.period, it.first_day, it.last_day);
        rc = tk_entity_profile(t, type, it.entity, &pr, &e, &err);
    }
    if (rc == TK_OK)
        rc = tk_charts_case(&e, it.first_day, it.last_day, lang, &svg, &err);
    tk_entity_dispose(&e);
    tk_anomalies_run_dispose(&info);
    tk_anomalies_item_dispose(&it);
    tk_tenant_close(t);
    if (rc != TK_OK)
        return tk_handler_read_error(r, &err);
    return reply_svg(r, svg, rc, &err);
}

static const tk_route entities[] = {
    {"GET", "/api/v1/entities/user/{id}", TK_ROUTE_AUTH, TK_ROUTE_READERS, entity_user,
     "a user's profile for a period"},
    {"GET", "/api/v1/entities/terminal/{id}", TK_ROUTE_AUTH, TK_ROUTE_READERS, entity_terminal,
     "a terminal's profile for a period"},
    {"GET", "/api/v1/trends", TK_ROUTE_AUTH, TK_ROUTE_READERS, trends,
     "cases, findings and scores grouped by one or two keys"},
    {"GET", "/api/v1/entities/user/{id}/charts/daily.svg", TK_ROUTE_AUTH, TK_ROUTE_READERS,
     user_daily, "a user's events per day against its baseline band (SVG)"},
    {"GET", "/api/v1/entities/user/{id}/charts/hours.svg", TK_ROUTE_AUTH, TK_ROUTE_READERS,
     user_hours, "a user's events by weekday and hour (SVG heat map)"},
    {"GET", "/api/v1/entities/user/{id}/charts/systems.svg", TK_ROUTE_AUTH, TK_ROUTE_READERS,
     user_systems, "the systems a user used (SVG)"},
    {"GET", "/api/v1/entities/terminal/{id}/charts/daily.svg", TK_ROUTE_AUTH, TK_ROUTE_READERS,
     terminal_daily, "a terminal's events per day against its baseline band (SVG)"},
    {"GET", "/api/v1/entities/terminal/{id}/charts/hours.svg", TK_ROUTE_AUTH, TK_ROUTE_READERS,
     terminal_hours, "a terminal's events by weekday and hour (SVG heat map)"},
    {"GET", "/api/v1/entities/terminal/{id}/charts/systems.svg", TK_ROUTE_AUTH, TK_ROUTE_READERS,
     terminal_systems, "the systems used on a terminal (SVG)"},
    {"GET", "/api/v1/anomalies/{id}/chart.svg", TK_ROUTE_AUTH, TK_ROUTE_READERS, case_chart,
     "a case's entity's events per day, the case's days marked (SVG)"},
    {"GET", "/api/v1/trends/chart.svg", TK_ROUTE_AUTH, TK_ROUTE_READERS, trends_chart,
     "cases grouped by one or two keys as bars (SVG)"},
};

const tk_route *tk_routes_entities(size_t *n)
{
    *n = sizeof entities / sizeof entities[0];
    return entities;
}
