/* api/handler.h -- what the route handlers of the service share: reading
 * query arguments and path ids, and the answers to bad ones.
 *
 * Every reader of an argument returns 0 when the argument is absent (its
 * output left as is) or good, and -1 when it is bad, after queueing a 400
 * answer that names the parameter: a handler returns 0 at once then.
 *
 * Thread-safe: pure functions of the request. */
#ifndef TK_HANDLER_H
#define TK_HANDLER_H

#include <jansson.h>
#include <stdint.h>

#include "api/routes.h"
#include "api/server.h"
#include "src/error.h"
#include "src/period.h"
#include "src/tenant.h"

/* Roles of the routes of the readers of anomalies, and of every role. */
#define TK_ROUTE_READERS (TK_ROUTE_ANALYST | TK_ROUTE_REPORTER | TK_ROUTE_ADMIN)
#define TK_ROUTE_ANYONE  (TK_ROUTE_UPLOADER | TK_ROUTE_READERS)

/* {"reason": msg}: the details of an error answer. */
json_t *tk_handler_reason(const char *msg);

/* Answers 422 unprocessable for msg: a message "$.PATH: what" (a
 * validation message of a JSON body) gives {"parameter": "$.PATH",
 * "reason": msg}, any other {"reason": msg}. */
int tk_handler_unprocessable(tk_server_req *r, const char *msg);

/* Opens r's tenant read-write and takes its writer lock for what without
 * waiting. Returns 0 (*t open, the caller closes it), or -1 with the
 * answer queued (409 naming the writer that holds the lock). */
int tk_handler_open_writer(tk_server_req *r, const char *what, tk_tenant **t);

/* A JSON string of s, or null for NULL. */
json_t *tk_handler_opt_str(const char *s);

/* Answers err (tk_server_reply_tk_error). A tenant that was never
 * analysed has every table, empty, so its lists are empty and its ids
 * unknown (404), never a missing table. */
int tk_handler_read_error(tk_server_req *r, tk_error *err);

/* Answers 400 bad_request {"parameter": name, "reason": msg}. */
int tk_handler_bad_arg(tk_server_req *r, const char *name, const char *msg);

/* A count argument 0..max (tk_server_parse_count). */
int tk_handler_count_arg(tk_server_req *r, const char *name, uint64_t max, uint64_t *out);

/* A non-negative integer argument. */
int tk_handler_int_arg(tk_server_req *r, const char *name, int64_t *out);

/* The "name" argument: a file's base name of 1 to 255 bytes without '/'
 * or '\\' (required). */
int tk_handler_file_name_arg(tk_server_req *r, const char **out);

/* The "period" argument (FROM..TO); *given says whether it was there. */
int tk_handler_period_arg(tk_server_req *r, tk_period *pr, int *given);

/* The anomaly id "RUN-RANK" of the path. */
int tk_handler_item_id(tk_server_req *r, int64_t *run, int64_t *rank);

/* Sets o's "id" to "RUN-RANK". */
void tk_handler_set_item_id(json_t *o, int64_t run, int64_t rank);

#endif
