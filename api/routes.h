/* api/routes.h -- the routes of the service and their handlers.
 *
 * The table is the one list of what `tenken serve` answers: the server
 * (api/server.h) matches requests against it, checks each route's access
 * rule before its handler runs, `tenken serve --list-routes` prints it and
 * tests/api/test_serve.sh compares it with docs/openapi.yaml. Handlers
 * read through models/anomalies.h and src/account.h, never SQL of their
 * own, and write JSON through api/jsonout.h.
 *
 * Thread-safe: the table is constant; handlers keep no state. */
#ifndef TK_ROUTES_H
#define TK_ROUTES_H

#include <stddef.h>

#include "api/server.h"

/* Roles a route admits (a bit set). */
enum { TK_ROUTE_UPLOADER = 1, TK_ROUTE_ANALYST = 2, TK_ROUTE_REPORTER = 4, TK_ROUTE_ADMIN = 8 };

/* Who may call a route. */
enum {
    TK_ROUTE_PUBLIC = 0,            /* anyone: no credential looked at */
    TK_ROUTE_AUTH = 1,              /* a session or token of one of the route's roles */
    TK_ROUTE_ADMIN_OR_LOOPBACK = 2, /* a client on a loopback address, or an admin */
    /* As TK_ROUTE_AUTH, and the body is a file (text/csv), not JSON: the
     * handler reads it as it arrives with tk_server_req_read() and runs
     * on a thread of its own (api/server.h, "streamed bodies"). */
    TK_ROUTE_AUTH_STREAM = 3
};

typedef struct tk_route {
    const char *method;
    const char *path; /* a template: "/api/v1/anomalies/{id}" */
    int access;       /* TK_ROUTE_PUBLIC, _AUTH, _ADMIN_OR_LOOPBACK or _AUTH_STREAM */
    unsigned roles;   /* TK_ROUTE_AUTH: the roles admitted */
    int (*handler)(tk_server_req *r);
    const char *summary;
} tk_route;

/* The route table (built once, borrowed) and its length in *n: the parts
 * below, in their order. Thread-safe. */
const tk_route *tk_routes(size_t *n);

/* The parts of the table, one per area of the API (static, borrowed). A
 * new area adds its getter here and to the list in routes.c. */
const tk_route *tk_routes_core(size_t *n);    /* health, metrics, session, audit, runs, anomalies */
const tk_route *tk_routes_uploads(size_t *n); /* uploads (api/routes_uploads.c) */
const tk_route *tk_routes_analyses(size_t *n); /* analysis jobs (api/routes_analyses.c) */
const tk_route *tk_routes_tuning(size_t *n);   /* rules, suppressions */
const tk_route *tk_routes_profiles(size_t *n); /* source profiles (api/routes_profiles.c) */
const tk_route *tk_routes_entities(size_t *n); /* entity profiles, trends */
const tk_route *tk_routes_periods(size_t *n);  /* periods, one run (api/routes_periods.c) */
const tk_route *tk_routes_master(size_t *n);   /* master data (api/routes_master.c) */
const tk_route *tk_routes_settings(size_t *n); /* baseline settings (api/routes_settings.c) */
const tk_route *tk_routes_webui(size_t *n);    /* the web UI's files (api/webui.c) */
const tk_route *tk_routes_answers(size_t *n);  /* confirmations (api/routes_answers.c) */
const tk_route *tk_routes_reports(size_t *n);  /* reports (api/routes_reports.c) */
const tk_route *tk_routes_accounts(size_t *n); /* accounts, tokens (api/routes_accounts.c) */

#endif
