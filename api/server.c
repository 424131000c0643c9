/* api/server.c -- the service's core around libmicrohttpd.
 *
 * One request goes through these steps, each of which may end it with an
 * error answer:
 *
 *   1. MHD calls the access handler first with the headers: a request
 *      object is made (the MHD "request closure"); a Content-Length above
 *      TK_SERVER_DRAIN_MAX is answered 413 at once, before the body is
 *      read. A body above the cap but below that is read and discarded
 *      and answered 413 at its end: a client still sending would
 *      otherwise meet a closed connection (a broken pipe) instead of the
 *      answer, and a client that asks "Expect: 100-continue" is answered
 *      at once either way.
 *   2. Body chunks are copied up to the cap; past it the rest is
 *      discarded and the request is answered 413 at its end (a chunked
 *      body has no Content-Length to refuse early).
 *   3. At the end: the route table (api/routes.h) is searched (404 no
 *      such path, 405 no such method on it); the credential is checked
 *      (a session cookie or a Bearer token; 401, or 429 while a name is
 *      locked out); the route's roles are checked (403); a state-changing
 *      request with a session cookie must carry its CSRF token (403); a
 *      body of a POST or PUT must be application/json (415) and one
 *      JSON object (400), or text/csv, handed to the handler as it came.
 *   4. The handler answers; every answer gets the security headers.
 *   5. The request is recorded in the audit log with the route template
 *      as its action (never the raw path, which is the client's text) and
 *      counted for /metrics.
 *
 * A stream route (an upload) leaves this path after step 3's checks of
 * the headers: its handler runs on a thread of its own while the body
 * arrives ("streamed bodies" below).
 *
 * Request lines and headers larger than TK_SERVER_HEADER_MAX get 431 in
 * the error shape: MHD's connection memory is twice that, so such headers
 * still fit and are measured on the first call. Past the connection
 * memory MHD 0.9.75 answers 431 itself, with its own HTML body and no
 * hook to change it. Slow clients are cut by the connection timeout,
 * floods by the connection limit.
 *
 * Every request opens its own connection to service.db (tk_account_store
 * is one connection for one thread); SQLite's WAL lets them work side by
 * side. The only shared mutable state is the metrics table, behind a
 * mutex. The request connections never checkpoint the WAL (a commit that
 * crossed SQLite's 1,000-page mark would copy it and wait for two fsyncs
 * before its answer left, and its worker's other connections with it):
 * a walkeeper thread (src/walkeeper.h) does, and keeps the WAL bounded. */
#include "api/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/analysis.h"
#include "api/jsontext.h"
#include "api/routes.h"
#include "src/audit.h"
#include "src/checked.h"
#include "src/crypto.h"
#include "src/walkeeper.h"

/* Statuses counted separately in the metrics; anything else is "other". */
static const unsigned counted_status[] = {200, 201, 400, 401, 403, 404, 405,
                                          409, 413, 415, 422, 429, 500};
#define NSTATUS (sizeof counted_status / sizeof counted_status[0] + 1)

#define STORE_POOL  16 /* idle account-store connections kept */
#define TENANT_POOL 32 /* idle read-only tenant handles kept */

struct tk_server {
    struct MHD_Daemon *daemon;
    char *data_dir;
    char *cert;
    char *key;
    size_t body_max;
    uint64_t upload_max;
    tk_account_options accounts;
    int insecure;
    uint16_t port;
    int64_t started_ms;
    atomic_long inflight;
    pthread_mutex_t lock;
    size_t nroutes;
    uint64_t *counts;       /* (nroutes + 1) x NSTATUS; the last row: no route */
    tk_server_req *streams; /* the stream requests running (behind lock) */
    atomic_int stopping;    /* tk_server_stop() began */
    /* Open connections to the account store that no request holds (behind
     * lock): a request takes one and gives it back, so that service.db is
     * not opened, checked and closed (its WAL checkpointed) per request. */
    tk_account_store *idle[STORE_POOL];
    size_t nidle;
    /* Read-only tenant handles that no request holds (behind lock), lent
     * by tk_server_req_tenant() and given back by tk_tenant_close(): a
     * read does not open the store and read its schema anew. */
    tk_tenant *idle_tenants[TENANT_POOL];
    size_t nidle_tenants;
    /* Checkpoints service.db's WAL on a thread of its own: the request
     * connections do not (wal_autocheckpoint=0), so that no request
     * copies the WAL and waits for its fsyncs before its answer leaves. */
    tk_walkeeper *walkeeper;
};

#define MAX_HEADERS 4

struct tk_server_req {
    tk_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    char *body;
    size_t body_len, body_cap;
    int too_large;
    int csv;               /* the body is text/csv, kept as it came */
    int headers_too_large; /* the request line and headers exceed TK_SERVER_HEADER_MAX */
    json_t *json;
    const tk_route *route;
    size_t route_index;
    char param[TK_SERVER_PARAM_MAX + 1];
    tk_account_auth auth;
    int authed;
    tk_actor actor;
    char address[INET6_ADDRSTRLEN];
    tk_account_store *store;
    int english;
    char target[TK_SERVER_PARAM_MAX + 1];
    struct {
        char name[32];
        char value[256];
    } headers[MAX_HEADERS];
    size_t nheaders;
    unsigned status;
    const char *code;
    int asset; /* the answer is a file of the web UI (tk_server_reply_asset) */
    /* A stream route's request: its body goes through a ring buffer from
     * MHD's thread (the producer) to the handler's thread (the
     * consumer); everything below is behind mu. */
    struct {
        int on; /* the handler's thread runs (or ran) */
        pthread_t thread;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        char *ring;
        size_t head, len;     /* ring[head..head+len) modulo TK_SERVER_STREAM_BUFFER */
        int phase;            /* 0 headers, 1 body, 2 end of body */
        int reading;          /* the handler asked for the body */
        int done;             /* the handler returned; its answer is in reply */
        int eof, abort, over; /* end of body; client gone; past the limit */
        int suspended;        /* the MHD connection is suspended */
        int queued;           /* the answer went to MHD */
        /* The answer the handler left, sent by MHD's thread. */
        char *reply;
        size_t reply_len;
        const char *reply_type;
        tk_server_stream_info info;
        int labelled;
        tk_server_req *next; /* in srv->streams */
    } st;
};

/* ---- messages ------------------------------------------------------------ */

struct message {
    const char *code;
    const char *ja;
    const char *en;
};

static const struct message messages[] = {
    {"bad_request", "リクエストが正しくありません", "the request is malformed"},
    {"invalid_json", "本文が正しいJSONオブジェクトではありません",
     "the body is not a valid JSON object"},
    {"unauthorized", "認証が必要です", "authentication required"},
    {"wrong_credentials", "名前またはパスワードが違います", "wrong name or password"},
    {"session_expired", "セッションの有効期限が切れました。再度ログインしてください",
     "session expired; log in again"},
    {"token_refused", "APIトークンが無効です", "the api token is not valid"},
    {"forbidden", "この操作の権限がありません", "you may not do this"},
    {"account_disabled", "アカウントは無効化されています", "the account is disabled"},
    {"csrf", "CSRFトークンがないか一致しません", "missing or wrong X-CSRF-Token"},
    {"tenant_forbidden", "他のテナントのデータは参照できません",
     "another tenant's data is not yours to see"},
    {"not_found", "見つかりません", "not found"},
    {"method_not_allowed", "このメソッドは使えません", "method not allowed on this resource"},
    {"conflict", "現在の状態では実行できません", "conflicts with the current state"},
    {"payload_too_large", "本文が大きすぎます", "the body is too large"},
    {"headers_too_large", "リクエストヘッダが大きすぎます", "the request headers are too large"},
    {"unsupported_media_type", "Content-Typeはapplication/jsonにしてください",
     "Content-Type must be application/json"},
    {"unsupported_upload_type", "Content-Typeはtext/csvかapplication/octet-streamにしてください",
     "Content-Type must be text/csv or application/octet-stream"},
    {"unprocessable", "値が正しくありません", "a value is not acceptable"},
    {"too_many_requests", "ログインの失敗が多すぎます。しばらくしてから再試行してください",
     "too many failed logins; try again later"},
    {"internal", "サーバ内部のエラーです", "internal server error"},
};

static const struct message *find_message(const char *code)
{
    for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
        if (strcmp(messages[i].code, code) == 0)
            return &messages[i];
    return &messages[sizeof messages / sizeof messages[0] - 1];
}

/* ---- pure parsing ------------------------------------------------------------ */

size_t tk_server_unescape(char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i] != '\0'; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            uint8_t b;
            size_t n;
            tk_error e;
            if (strnlen(s + i + 1, 2) < 2 ||
                tk_crypto_hex_decode(s + i + 1, 2, &b, 1, &n, &e) != TK_OK) {
                c = 0x01; /* malformed: a control character tk_server_check_arg refuses */
            } else {
                c = b;
                i += 2;
                if (c == 0)
                    c = 0x01;
            }
        }
        s[o++] = (char)c;
    }
    s[o] = '\0';
    return o;
}

int tk_server_check_arg(const char *p, size_t len, tk_error *err)
{
    if (len > TK_SERVER_ARG_MAX)
        return tk_error_set(err, TK_EINVAL, "a query argument is longer than %d bytes",
                            TK_SERVER_ARG_MAX);
    for (size_t i = 0; i < len;) {
        const unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f)
            return tk_error_set(err, TK_EINVAL,
                                "a query argument holds a control character or a bad escape");
        const size_t n = tk_jsontext_utf8_seq((const unsigned char *)p + i, len - i);
        if (n == 0)
            return tk_error_set(err, TK_EINVAL, "a query argument is not valid UTF-8");
        i += n;
    }
    return TK_OK;
}

static int parse_positive(const char *p, size_t len, int64_t *out)
{
    if (len == 0 || len > 18 || p[0] == '0')
        return 0;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 1;
}

int tk_server_parse_item_id(const char *p, size_t len, int64_t *run, int64_t *rank, tk_error *err)
{
    const char *dash = memchr(p, '-', len);
    if (dash == NULL || !parse_positive(p, (size_t)(dash - p), run) ||
        !parse_positive(dash + 1, len - (size_t)(dash - p) - 1, rank))
        return tk_error_set(err, TK_EINVAL, "an anomaly id is RUN-RANK, two positive numbers");
    return TK_OK;
}

int tk_server_parse_count(const char *p, size_t len, uint64_t max, uint64_t *out, tk_error *err)
{
    int64_t v;
    if (!parse_positive(p, len, &v) || (uint64_t)v > max)
        return tk_error_set(err, TK_EINVAL, "expected a number from 1 to %llu",
                            (unsigned long long)max);
    *out = (uint64_t)v;
    return TK_OK;
}

static int depth_ok(const json_t *j, int depth)
{
    if (depth > 8)
        return 0;
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            if (!depth_ok(v, depth + 1))
                return 0;
        }
    } else if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++)
            if (!depth_ok(json_array_get(j, i), depth + 1))
                return 0;
    }
    return 1;
}

int tk_server_parse_body(const char *p, size_t len, json_t **out, tk_error *err)
{
    json_error_t je;
    *out = NULL;
    json_t *j = json_loadb(p, len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        return tk_error_set(err, TK_EPARSE, "line %d, column %d: %s", je.line, je.column, je.text);
    if (!json_is_object(j) || !depth_ok(j, 0)) {
        json_decref(j);
        return tk_error_set(err, TK_EPARSE,
                            "the body must be one JSON object, nested at most 8 deep");
    }
    *out = j;
    return TK_OK;
}

/* 1 if p[0..len) is type t with at most a charset=utf-8 parameter. */
static int is_type(const char *p, size_t len, const char *t)
{
    const size_t tl = strlen(t);
    if (len < tl || strncasecmp(p, t, tl) != 0)
        return 0;
    size_t i = tl;
    while (i < len && p[i] == ' ')
        i++;
    if (i == len)
        return 1;
    if (p[i] != ';')
        return 0;
    i++;
    while (i < len && p[i] == ' ')
        i++;
    static const char cs[] = "charset=utf-8";
    return len - i == sizeof cs - 1 && strncasecmp(p + i, cs, sizeof cs - 1) == 0;
}

int tk_server_is_json_type(const char *p, size_t len)
{
    return is_type(p, len, "application/json");
}

int tk_server_is_csv_type(const char *p, size_t len)
{
    /* Any parameter: a charset says nothing tenken relies on, since the
     * file's encoding is its profile's or detected from its bytes. */
    static const char t[] = "text/csv";
    const size_t tl = sizeof t - 1;
    return len >= tl && strncasecmp(p, t, tl) == 0 && (len == tl || p[tl] == ';' || p[tl] == ' ');
}

int tk_server_is_loopback(const char *address)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, address, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, address, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

/* ---- accessors ----------------------------------------------------------------- */

const char *tk_server_req_method(const tk_server_req *r)
{
    return r->method;
}

const char *tk_server_req_param(const tk_server_req *r)
{
    return r->param[0] ? r->param : NULL;
}

const char *tk_server_req_query(const tk_server_req *r, const char *name)
{
    /* Every argument was decoded by tk_server_unescape() and checked by
     * tk_server_check_arg() before the handler ran. */
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

json_t *tk_server_req_body(const tk_server_req *r)
{
    return r->json;
}

const char *tk_server_req_raw_body(const tk_server_req *r, size_t *len, int *csv)
{
    *len = r->body_len;
    if (csv)
        *csv = r->csv;
    return r->body ? r->body : "";
}

const tk_account_auth *tk_server_req_auth(const tk_server_req *r)
{
    return &r->auth;
}

const tk_actor *tk_server_req_actor(const tk_server_req *r)
{
    return &r->actor;
}

const char *tk_server_req_address(const tk_server_req *r)
{
    return r->address;
}

const char *tk_server_req_cookie(const tk_server_req *r)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "tenken_session");
}

const char *tk_server_req_data_dir(const tk_server_req *r)
{
    return r->srv->data_dir;
}

tk_account_store *tk_server_req_accounts(tk_server_req *r)
{
    return r->store;
}

int tk_server_req_english(const tk_server_req *r)
{
    return r->english;
}

tk_server *tk_server_req_server(tk_server_req *r)
{
    return r->srv;
}

void tk_server_req_target(tk_server_req *r, const char *target)
{
    snprintf(r->target, sizeof r->target, "%s", target ? target : "");
}

void tk_server_req_header(tk_server_req *r, const char *name, const char *value)
{
    if (r->nheaders == MAX_HEADERS)
        return;
    snprintf(r->headers[r->nheaders].name, sizeof r->headers[0].name, "%s", name);
    snprintf(r->headers[r->nheaders].value, sizeof r->headers[0].value, "%s", value);
    r->nheaders++;
}

/* ---- answers -------------------------------------------------------------------- */

/* The policy of the web UI's files: the page may run the scripts, apply
 * the styles and show the images of the service itself and call its API;
 * no inline script or style, no other origin, no framing. */
#define UI_CSP                                                                                     \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "           \
    "base-uri 'none'; form-action 'self'"

/* csp and cache are NULL for the API's: nothing may be loaded or run from
 * an answer, and none is kept. */
static void security_headers(struct MHD_Response *resp, int tls, const char *csp, const char *cache)
{
    if (tls)
        MHD_add_response_header(resp, "Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            csp ? csp : "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", cache ? cache : "no-store");
}

static int queue_bytes(tk_server_req *r, unsigned status, const char *type, const char *p,
                       size_t len);

static int reply_bytes(tk_server_req *r, unsigned status, const char *type, const char *p,
                       size_t len)
{
    if (r->status != 0)
        return 0; /* answered already */
    if (r->st.on) {
        /* A stream handler's thread: MHD's thread sends the answer. */
        r->st.reply = malloc(len ? len : 1);
        if (r->st.reply == NULL) {
            r->status = 500;
            return 0;
        }
        memcpy(r->st.reply, p, len);
        r->st.reply_len = len;
        r->st.reply_type = type;
        r->status = status;
        return 0;
    }
    return queue_bytes(r, status, type, p, len);
}

/* Hands an answer to MHD (in MHD's thread). */
static int queue_bytes(tk_server_req *r, unsigned status, const char *type, const char *p,
                       size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)p, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL) {
        r->status = 500;
        return 0;
    }
    MHD_add_response_header(resp, "Content-Type", type);
    /* A handler's own Content-Security-Policy replaces the API's. */
    const char *csp = NULL;
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcmp(r->headers[i].name, "Content-Security-Policy") == 0)
            csp = r->headers[i].value;
    security_headers(resp, !r->srv->insecure, csp, NULL);
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcmp(r->headers[i].name, "Content-Security-Policy") != 0)
            MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    return 0;
}

int tk_server_reply_json(tk_server_req *r, unsigned status, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(doc);
    if (text == NULL)
        return tk_server_reply_error(r, 500, "internal", NULL);
    reply_bytes(r, status, "application/json; charset=utf-8", text, strlen(text));
    free(text);
    return 0;
}

int tk_server_reply_error(tk_server_req *r, unsigned status, const char *code, json_t *details)
{
    const struct message *m = find_message(code);
    r->code = m->code;
    json_t *doc = json_pack("{s:{s:s,s:s,s:o}}", "error", "code", m->code, "message",
                            r->english ? m->en : m->ja, "details", details ? details : json_null());
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text == NULL) {
        static const char fallback[] = "{\"error\":{\"code\":\"internal\",\"message\":\"internal "
                                       "server error\",\"details\":null}}";
        reply_bytes(r, 500, "application/json; charset=utf-8", fallback, sizeof fallback - 1);
        return 0;
    }
    reply_bytes(r, status, "application/json; charset=utf-8", text, strlen(text));
    free(text);
    return 0;
}

int tk_server_reply_tk_error(tk_server_req *r, const tk_error *err)
{
    json_t *d = json_pack("{s:s}", "reason", err->msg);
    switch (err->code) {
    case TK_EINVAL:
    case TK_EPARSE:
        return tk_server_reply_error(r, 400, "bad_request", d);
    case TK_ENOTFOUND:
        return tk_server_reply_error(r, 404, "not_found", d);
    case TK_EFROZEN:
    case TK_EBUSY:
    case TK_EEXISTS:
        return tk_server_reply_error(r, 409, "conflict", d);
    default:
        json_decref(d);
        fprintf(stderr, "tenken serve: %s %s: %s\n", r->method, r->url, err->msg);
        return tk_server_reply_error(r, 500, "internal", NULL);
    }
}

int tk_server_reply_bytes(tk_server_req *r, unsigned status, const char *type, const char *p,
                          size_t len)
{
    return reply_bytes(r, status, type, p, len);
}

int tk_server_reply_text(tk_server_req *r, unsigned status, const char *text, size_t len)
{
    return reply_bytes(r, status, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

int tk_server_reply_asset(tk_server_req *r, const char *type, const unsigned char *p, size_t len,
                          const char *etag, int revalidate)
{
    if (r->status != 0 || r->st.on)
        return 0; /* answered already; never a stream route */
    const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
    const int same = inm != NULL && strcmp(inm, etag) == 0;
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        same ? 0 : len, same ? NULL : (void *)(uintptr_t)p, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return tk_server_reply_error(r, 500, "internal", NULL);
    if (!same)
        MHD_add_response_header(resp, "Content-Type", type);
    security_headers(resp, !r->srv->insecure, UI_CSP, revalidate ? "no-cache" : "no-store");
    MHD_add_response_header(resp, "ETag", etag);
    const unsigned status = same ? 304 : 200;
    MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->asset = 1;
    return 0;
}

/* ---- tenants ---------------------------------------------------------------------- */

/* tk_tenant_close() of a lent handle: kept for the next read of its tenant
 * while it is reusable and the pool has room, else closed. */
static void tenant_back(void *ctx, tk_tenant *t)
{
    tk_server *s = ctx;
    if (tk_tenant_reusable(t)) {
        pthread_mutex_lock(&s->lock);
        if (s->nidle_tenants < TENANT_POOL) {
            s->idle_tenants[s->nidle_tenants++] = t;
            t = NULL;
        }
        pthread_mutex_unlock(&s->lock);
    }
    tk_tenant_free(t);
}

/* An idle read-only handle of tenant name, or NULL. */
static tk_tenant *tenant_take(tk_server *s, const char *name)
{
    tk_tenant *t = NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = s->nidle_tenants; i-- > 0;) {
        if (strcmp(tk_tenant_name(s->idle_tenants[i]), name) == 0) {
            t = s->idle_tenants[i];
            s->idle_tenants[i] = s->idle_tenants[--s->nidle_tenants];
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (t != NULL && !tk_tenant_reusable(t)) {
        tk_tenant_free(t);
        t = NULL;
    }
    return t;
}

int tk_server_req_tenant(tk_server_req *r, int write, tk_tenant **t)
{
    tk_error err = {0};
    *t = NULL;
    const char *named = tk_server_req_query(r, "tenant");
    const char *name = r->auth.tenant;
    if (named != NULL && name[0] != '\0' && strcmp(named, name) != 0) {
        tk_server_reply_error(r, 403, "tenant_forbidden", NULL);
        return TK_EREJECTED;
    }
    if (name[0] == '\0') {
        if (named == NULL || named[0] == '\0') {
            tk_server_reply_error(
                r, 400, "bad_request",
                json_pack("{s:s}", "reason", "a global account names the tenant: ?tenant=NAME"));
            return TK_EINVAL;
        }
        name = named;
    }
    int rc = tk_tenant_check_name(name, &err);
    if (rc == TK_OK && !write && (*t = tenant_take(r->srv, name)) != NULL)
        return TK_OK;
    if (rc == TK_OK)
        rc = tk_analysis_open_tenant(t, r->srv->data_dir, name, write ? 0 : TK_TENANT_READONLY,
                                     &err);
    if (rc == TK_OK && !write)
        tk_tenant_lend(*t, tenant_back, r->srv);
    if (rc != TK_OK) {
        /* Never echo the data directory to a client. */
        if (rc == TK_ENOTFOUND)
            snprintf(err.msg, sizeof err.msg, "tenant %s does not exist", name);
        tk_server_reply_tk_error(r, &err);
    }
    return rc;
}

/* ---- metrics -------------------------------------------------------------------- */

static size_t status_index(unsigned status)
{
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (counted_status[i] == status)
            return i;
    return NSTATUS - 1;
}

static void count(tk_server *s, size_t route, unsigned status)
{
    pthread_mutex_lock(&s->lock);
    s->counts[route * NSTATUS + status_index(status)]++;
    pthread_mutex_unlock(&s->lock);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tk_server_metrics(tk_server *s, char **out, size_t *len, tk_error *err)
{
    size_t n;
    const tk_route *routes = tk_routes(&n);
    size_t cap = 4096 + (n + 1) * NSTATUS * 128, used = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    used += (size_t)snprintf(buf + used, cap - used,
                             "# HELP tenken_http_requests_total Requests by route and status.\n"
                             "# TYPE tenken_http_requests_total counter\n");
    pthread_mutex_lock(&s->lock);
    for (size_t r = 0; r <= n; r++) {
        for (size_t i = 0; i < NSTATUS; i++) {
            const uint64_t c = s->counts[r * NSTATUS + i];
            if (c == 0)
                continue;
            char st[8];
            if (i + 1 < NSTATUS)
                snprintf(st, sizeof st, "%u", counted_status[i]);
            else
                snprintf(st, sizeof st, "other");
            used += (size_t)snprintf(buf + used, cap - used,
                                     "tenken_http_requests_total{method=\"%s\",route=\"%s\","
                                     "status=\"%s\"} %llu\n",
                                     r < n ? routes[r].method : "", r < n ? routes[r].path : "none",
                                     st, (unsigned long long)c);
        }
    }
    pthread_mutex_unlock(&s->lock);
    used +=
        (size_t)snprintf(buf + used, cap - used,
                         "# HELP tenken_http_requests_in_flight Requests being served.\n"
                         "# TYPE tenken_http_requests_in_flight gauge\n"
                         "tenken_http_requests_in_flight %ld\n"
                         "# HELP tenken_uptime_seconds Seconds since the service started.\n"
                         "# TYPE tenken_uptime_seconds gauge\n"
                         "tenken_uptime_seconds %lld\n",
                         atomic_load(&s->inflight), (long long)((now_ms() - s->started_ms) / 1000));
    tk_walkeeper_stats ws;
    tk_walkeeper_stats_get(s->walkeeper, &ws);
    used += (size_t)snprintf(
        buf + used, cap - used,
        "# HELP tenken_service_db_checkpoints_total Checkpoints of service.db's WAL by kind.\n"
        "# TYPE tenken_service_db_checkpoints_total counter\n"
        "tenken_service_db_checkpoints_total{kind=\"passive\"} %llu\n"
        "tenken_service_db_checkpoints_total{kind=\"restart\"} %llu\n"
        "tenken_service_db_checkpoints_total{kind=\"busy\"} %llu\n"
        "tenken_service_db_checkpoints_total{kind=\"error\"} %llu\n"
        "# HELP tenken_service_db_wal_frames_max Most frames seen in service.db's WAL.\n"
        "# TYPE tenken_service_db_wal_frames_max gauge\n"
        "tenken_service_db_wal_frames_max %llu\n"
        "# HELP tenken_service_db_restart_seconds_total Time writers were held back by restarts.\n"
        "# TYPE tenken_service_db_restart_seconds_total counter\n"
        "tenken_service_db_restart_seconds_total %.6f\n"
        "# HELP tenken_service_db_restart_seconds_max The longest restart of service.db's WAL.\n"
        "# TYPE tenken_service_db_restart_seconds_max gauge\n"
        "tenken_service_db_restart_seconds_max %.6f\n",
        (unsigned long long)ws.passive, (unsigned long long)ws.restarts,
        (unsigned long long)ws.busy, (unsigned long long)ws.errors,
        (unsigned long long)ws.max_frames, (double)ws.restart_us / 1e6,
        (double)ws.restart_us_max / 1e6);
    *out = buf;
    *len = used;
    return TK_OK;
}

/* ---- the request pipeline ------------------------------------------------------- */

static void client_address(tk_server_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(r->address, sizeof r->address, "unknown");
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, r->address,
                  sizeof r->address);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, r->address,
                  sizeof r->address);
}

/* English when the first language the client names is English. */
static int wants_english(const char *al)
{
    if (al == NULL)
        return 0;
    while (*al == ' ')
        al++;
    return strncasecmp(al, "en", 2) == 0 &&
           (al[2] == '\0' || al[2] == '-' || al[2] == ',' || al[2] == ';' || al[2] == ' ');
}

static int is_change(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

/* Constant-time comparison of two NUL-terminated secrets. */
static int same_secret(const char *a, const char *b)
{
    const size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0 && la > 0;
}

/* Matches path against template tmpl ("/api/v1/anomalies/{id}/evidence"),
 * copying the {id} segment into param; the segments of several parameters
 * ("/api/v1/master/{kind}/{version}") are joined by '/'. */
static int match_path(const char *tmpl, const char *path, char *param, size_t cap)
{
    size_t used = 0;
    while (*tmpl && *path) {
        const char *close = *tmpl == '{' ? strchr(tmpl, '}') : NULL;
        if (close != NULL) { /* a path parameter: {id}, {name}, {kind} */
            const char *end = strchr(path, '/');
            const size_t len = end ? (size_t)(end - path) : strlen(path);
            const size_t sep = used > 0;
            if (len == 0 || used + sep + len >= cap)
                return 0;
            if (sep)
                param[used++] = '/';
            memcpy(param + used, path, len);
            used += len;
            param[used] = '\0';
            path += len;
            tmpl = close + 1;
            continue;
        }
        if (*tmpl != *path)
            return 0;
        tmpl++, path++;
    }
    return *tmpl == '\0' && *path == '\0';
}

static const char *role_bit_name(unsigned bit)
{
    switch (bit) {
    case TK_ROUTE_UPLOADER:
        return "uploader";
    case TK_ROUTE_ANALYST:
        return "analyst";
    case TK_ROUTE_REPORTER:
        return "reporter";
    default:
        return "admin";
    }
}

static int role_allowed(unsigned roles, const char *role)
{
    for (unsigned bit = 1; bit <= TK_ROUTE_ADMIN; bit <<= 1)
        if ((roles & bit) && strcmp(role_bit_name(bit), role) == 0)
            return 1;
    return 0;
}

/* Authenticates r by its Bearer token or session cookie. Returns 1 when
 * authenticated, 0 when an error answer was queued. */
static int authenticate(tk_server_req *r)
{
    tk_error err = {0};
    const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "tenken_session");
    int rc;
    if (authz != NULL) {
        if (strncasecmp(authz, "Bearer ", 7) != 0) {
            tk_server_req_header(r, "WWW-Authenticate", "Bearer");
            tk_server_reply_error(r, 401, "unauthorized", NULL);
            return 0;
        }
        rc = tk_account_token_check(r->store, authz + 7, strlen(authz + 7), &r->actor, &r->auth,
                                    &err);
        if (rc == TK_EREJECTED) {
            tk_server_req_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
            tk_server_reply_error(r, 401, "token_refused", json_pack("{s:s}", "reason", err.msg));
            return 0;
        }
    } else if (cookie != NULL) {
        rc = tk_account_session_check(r->store, cookie, strlen(cookie), &r->actor, &r->auth, &err);
        if (rc == TK_EREJECTED) {
            tk_server_reply_error(r, 401, "session_expired", json_pack("{s:s}", "reason", err.msg));
            return 0;
        }
    } else {
        tk_server_req_header(r, "WWW-Authenticate", "Bearer");
        tk_server_reply_error(r, 401, "unauthorized", NULL);
        return 0;
    }
    if (rc != TK_OK) {
        tk_server_reply_tk_error(r, &err);
        return 0;
    }
    r->authed = 1;
    r->actor.name = r->auth.account;
    r->actor.role = r->auth.role;
    /* A session's change needs the session's CSRF token; a Bearer token
     * is not sent by a browser on its own, so it needs none. */
    if (authz == NULL && is_change(r->method)) {
        const char *csrf = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
        if (csrf == NULL || !same_secret(csrf, r->auth.csrf)) {
            tk_server_reply_error(r, 403, "csrf", NULL);
            return 0;
        }
    }
    return 1;
}

static size_t unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return tk_server_unescape(s);
}

struct arg_check {
    int bad;
    tk_error err;
};

static enum MHD_Result check_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    struct arg_check *ac = cls;
    (void)kind;
    if (tk_server_check_arg(key, strlen(key), &ac->err) != TK_OK ||
        (value != NULL && tk_server_check_arg(value, strlen(value), &ac->err) != TK_OK)) {
        ac->bad = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

static void stream_start(tk_server_req *r);

/* 1 for the methods whose body the server reads: POST and PUT. */
static int has_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
}

static void route_request(tk_server_req *r)
{
    size_t n;
    const tk_route *routes = tk_routes(&n);
    int path_known = 0;
    char allow[64] = "";
    r->route_index = n;
    for (size_t i = 0; i < n; i++) {
        char param[TK_SERVER_PARAM_MAX + 1] = "";
        if (!match_path(routes[i].path, r->url, param, sizeof param))
            continue;
        path_known = 1;
        if (strlen(allow) + strlen(routes[i].method) + 3 < sizeof allow)
            snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s",
                     allow[0] ? ", " : "", routes[i].method);
        /* HEAD is answered as GET is (MHD sends the headers only). */
        if (strcmp(routes[i].method, r->method) == 0 ||
            (strcmp(r->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
            r->route = &routes[i];
            r->route_index = i;
            memcpy(r->param, param, sizeof param);
        }
    }
    if (r->route == NULL) {
        if (path_known) {
            tk_server_req_header(r, "Allow", allow);
            tk_server_reply_error(r, 405, "method_not_allowed", NULL);
        } else {
            tk_server_reply_error(r, 404, "not_found", NULL);
        }
        return;
    }
    tk_error perr = {0};
    if (r->param[0] && tk_server_check_arg(r->param, strlen(r->param), &perr) != TK_OK) {
        tk_server_reply_error(r, 400, "bad_request", json_pack("{s:s}", "reason", perr.msg));
        return;
    }
    if (r->param[0])
        tk_server_req_target(r, r->param);
    struct arg_check ac = {0, {0, ""}};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_one, &ac);
    if (ac.bad) {
        tk_server_req_target(r, NULL);
        tk_server_reply_error(r, 400, "bad_request", json_pack("{s:s}", "reason", ac.err.msg));
        return;
    }
    const tk_route *rt = r->route;
    const int stream = rt->access == TK_ROUTE_AUTH_STREAM;
    if (rt->access == TK_ROUTE_AUTH || stream ||
        (rt->access == TK_ROUTE_ADMIN_OR_LOOPBACK && !tk_server_is_loopback(r->address))) {
        if (!authenticate(r))
            return;
        const unsigned roles =
            rt->access == TK_ROUTE_ADMIN_OR_LOOPBACK ? TK_ROUTE_ADMIN : rt->roles;
        if (!role_allowed(roles, r->auth.role)) {
            tk_server_reply_error(r, 403, "forbidden", json_pack("{s:s}", "role", r->auth.role));
            return;
        }
    }
    if (stream) {
        stream_start(r);
        return;
    }
    if (has_body(r->method)) {
        const char *type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
        if (r->too_large) {
            tk_server_reply_error(r, 413, "payload_too_large",
                                  json_pack("{s:I}", "limit", (json_int_t)r->srv->body_max));
            return;
        }
        /* A CSV body (a sample, a master data file) is handed to the
         * handler as it came; a route that wants JSON finds no JSON body
         * then and refuses it (422). */
        r->csv = type != NULL && tk_server_is_csv_type(type, strlen(type));
        if (!r->csv && (type == NULL || !tk_server_is_json_type(type, strlen(type)))) {
            tk_server_reply_error(r, 415, "unsupported_media_type", NULL);
            return;
        }
        tk_error err = {0};
        if (!r->csv &&
            tk_server_parse_body(r->body ? r->body : "", r->body_len, &r->json, &err) != TK_OK) {
            tk_server_reply_error(r, 400, "invalid_json", json_pack("{s:s}", "reason", err.msg));
            return;
        }
    }
    rt->handler(r);
    if (r->status == 0)
        tk_server_reply_error(r, 500, "internal", NULL);
}

static void audit(tk_server_req *r)
{
    /* The web UI's files are public and hold no data: a page load is not
     * an access to record (the API calls it makes are). */
    if (r->store == NULL || r->asset)
        return;
    char action[160], detail[96];
    snprintf(action, sizeof action, "%s %s", r->method, r->route ? r->route->path : "(no route)");
    snprintf(detail, sizeof detail, "%u%s%s", r->status, r->code ? " " : "",
             r->code ? r->code : "");
    const char *outcome = r->status < 400   ? TK_AUDIT_OK
                          : r->status < 500 ? TK_AUDIT_REFUSED
                                            : TK_AUDIT_ERROR;
    const char *tenant = r->authed && r->auth.tenant[0] ? r->auth.tenant : NULL;
    if (tenant == NULL) {
        const char *named = tk_server_req_query(r, "tenant");
        if (named != NULL && tk_tenant_check_name(named, NULL) == TK_OK)
            tenant = named;
    }
    tk_error err = {0};
    if (tk_audit_record(tk_account_store_db(r->store), &r->actor, tenant, action,
                        r->target[0] ? r->target : NULL, outcome, detail, &err) != TK_OK)
        fprintf(stderr, "tenken serve: audit: %s\n", err.msg);
}

/* An account-store connection for a request: an idle one, or a new one. */
static int store_take(tk_server *s, tk_account_store **out, tk_error *err)
{
    pthread_mutex_lock(&s->lock);
    *out = s->nidle > 0 ? s->idle[--s->nidle] : NULL;
    pthread_mutex_unlock(&s->lock);
    if (*out != NULL)
        return TK_OK;
    int rc = tk_account_store_open(out, s->data_dir, &s->accounts, err);
    if (rc == TK_OK) {
        /* The walkeeper checkpoints; a request's commit only appends. */
        rc = tk_walkeeper_watch(s->walkeeper, tk_account_store_db(*out), err);
        if (rc != TK_OK) {
            tk_account_store_close(*out);
            *out = NULL;
        }
    }
    return rc;
}

/* Gives a request's connection back (any transaction left open rolled
 * back), or closes it when enough are idle. Accepts NULL. */
static void store_give(tk_server *s, tk_account_store *st)
{
    if (st == NULL)
        return;
    tk_db_rollback(tk_account_store_db(st));
    pthread_mutex_lock(&s->lock);
    if (s->nidle < STORE_POOL) {
        s->idle[s->nidle++] = st;
        st = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    tk_account_store_close(st);
}

static void serve(tk_server_req *r)
{
    tk_error err = {0};
    client_address(r);
    r->english =
        wants_english(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Language"));
    r->actor.name = "anonymous";
    r->actor.role = "none";
    r->actor.address = r->address;
    r->actor.clock = NULL;
    if (store_take(r->srv, &r->store, &err) != TK_OK) {
        fprintf(stderr, "tenken serve: %s\n", err.msg);
        tk_server_reply_error(r, 500, "internal", NULL);
    } else if (r->headers_too_large) {
        tk_server_reply_error(r, 431, "headers_too_large",
                              json_pack("{s:i}", "limit", TK_SERVER_HEADER_MAX));
    } else if (r->too_large && !has_body(r->method)) {
        tk_server_reply_error(r, 413, "payload_too_large", NULL);
    } else {
        route_request(r);
    }
    if (r->st.on)
        return; /* the handler's thread records the request when it ends */
    audit(r);
    count(r->srv, r->route_index, r->status);
}

/* ---- streamed bodies ------------------------------------------------------------
 *
 * The body of a stream route goes from MHD's thread, which pushes it in
 * chunks into access_handler(), to the handler's thread, which pulls it
 * with tk_server_req_read(), through r->st.ring (TK_SERVER_STREAM_BUFFER
 * bytes). When the ring is full MHD's thread leaves the rest of its chunk
 * unconsumed and suspends the connection; the reader resumes it once it
 * has made room. The same suspension holds the body back until the
 * handler's first read (phase 0), and holds the answer back until the
 * handler returns (phase 2). MHD_suspend_connection() is called only in
 * access_handler() and only with st.mu held, and MHD_resume_connection()
 * only with st.mu held and st.suspended set, so a resume never comes
 * before its suspension. completed() aborts a handler still running and
 * joins its thread; tk_server_stop() aborts and resumes every stream
 * before MHD stops, since MHD may not stop with suspended connections. */

int tk_server_is_stream_type(const char *p, size_t len)
{
    static const char csv[] = "text/csv", bin[] = "application/octet-stream",
                      xlsx[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    size_t n = 0;
    while (n < len && p[n] != ';' && p[n] != ' ')
        n++;
    return (n == sizeof csv - 1 && strncasecmp(p, csv, n) == 0) ||
           (n == sizeof bin - 1 && strncasecmp(p, bin, n) == 0) ||
           (n == sizeof xlsx - 1 && strncasecmp(p, xlsx, n) == 0);
}

/* The stream route method url names, or NULL. */
static const tk_route *stream_route(const char *method, const char *url)
{
    size_t n;
    const tk_route *routes = tk_routes(&n);
    char param[TK_SERVER_PARAM_MAX + 1];
    for (size_t i = 0; i < n; i++)
        if (routes[i].access == TK_ROUTE_AUTH_STREAM && strcmp(routes[i].method, method) == 0 &&
            match_path(routes[i].path, url, param, sizeof param))
            return &routes[i];
    return NULL;
}

/* Resumes r's connection if it is suspended; st.mu held. */
static void stream_resume(tk_server_req *r)
{
    if (r->st.suspended) {
        r->st.suspended = 0;
        MHD_resume_connection(r->conn);
    }
}

/* Suspends r's connection (in access_handler only); st.mu held. */
static void stream_suspend(tk_server_req *r)
{
    r->st.suspended = 1;
    MHD_suspend_connection(r->conn);
}

int64_t tk_server_req_body_length(const tk_server_req *r)
{
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    int64_t v;
    if (cl != NULL && tk_parse_i64(cl, strlen(cl), &v) && v >= 0)
        return v;
    return -1;
}

uint64_t tk_server_upload_max(const tk_server *s)
{
    return s->upload_max;
}

long tk_server_req_read(void *req, char *buf, size_t cap, tk_error *err)
{
    tk_server_req *r = req;
    pthread_mutex_lock(&r->st.mu);
    if (!r->st.reading) {
        r->st.reading = 1;
        stream_resume(r); /* phase 0: let the body come */
    }
    while (r->st.len == 0 && !r->st.eof && !r->st.abort && !r->st.over)
        pthread_cond_wait(&r->st.cv, &r->st.mu);
    long got = -1;
    if (r->st.over) {
        tk_error_set(err, TK_ERANGE, "the body is larger than the upload limit of %llu bytes",
                     (unsigned long long)r->srv->upload_max);
    } else if (r->st.abort) {
        tk_error_set(err, TK_EIO,
                     "the body ended early: the client went away or sent nothing for too long");
    } else {
        size_t n = r->st.len < cap ? r->st.len : cap;
        const size_t first = TK_SERVER_STREAM_BUFFER - r->st.head;
        if (n <= first) {
            memcpy(buf, r->st.ring + r->st.head, n);
        } else {
            memcpy(buf, r->st.ring + r->st.head, first);
            memcpy(buf + first, r->st.ring, n - first);
        }
        r->st.head = (r->st.head + n) % TK_SERVER_STREAM_BUFFER;
        r->st.len -= n;
        got = (long)n;
        if (n > 0 && r->st.phase == 1)
            stream_resume(r); /* room again */
    }
    pthread_mutex_unlock(&r->st.mu);
    return got;
}

void tk_server_req_stream_label(tk_server_req *r, const char *tenant, const char *name,
                                const char *detail)
{
    pthread_mutex_lock(&r->st.mu);
    snprintf(r->st.info.tenant, sizeof r->st.info.tenant, "%s", tenant ? tenant : "");
    snprintf(r->st.info.name, sizeof r->st.info.name, "%s", name ? name : "");
    snprintf(r->st.info.detail, sizeof r->st.info.detail, "%s", detail ? detail : "");
    r->st.labelled = 1;
    pthread_mutex_unlock(&r->st.mu);
}

void tk_server_req_stream_kind(tk_server_req *r, const char *kind)
{
    pthread_mutex_lock(&r->st.mu);
    snprintf(r->st.info.kind, sizeof r->st.info.kind, "%s", kind ? kind : "");
    pthread_mutex_unlock(&r->st.mu);
}

void tk_server_req_stream_progress(tk_server_req *r, uint64_t rows, uint64_t rows_rejected)
{
    pthread_mutex_lock(&r->st.mu);
    r->st.info.rows = rows;
    r->st.info.rows_rejected = rows_rejected;
    pthread_mutex_unlock(&r->st.mu);
}

size_t tk_server_streams(tk_server *s, const char *tenant, tk_server_stream_info *out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    /* The list is newest first; count, then fill from the end. */
    for (tk_server_req *r = s->streams; r != NULL; r = r->st.next) {
        pthread_mutex_lock(&r->st.mu);
        const int listed = r->st.labelled && !r->st.done && strcmp(r->st.info.tenant, tenant) == 0;
        pthread_mutex_unlock(&r->st.mu);
        n += (size_t)listed;
    }
    size_t i = n;
    for (tk_server_req *r = s->streams; r != NULL; r = r->st.next) {
        pthread_mutex_lock(&r->st.mu);
        if (r->st.labelled && !r->st.done && strcmp(r->st.info.tenant, tenant) == 0) {
            i--;
            if (i < cap)
                out[i] = r->st.info;
        }
        pthread_mutex_unlock(&r->st.mu);
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

static void *stream_thread(void *arg)
{
    tk_server_req *r = arg;
    r->route->handler(r);
    if (r->status == 0)
        tk_server_reply_error(r, 500, "internal", NULL);
    audit(r);
    count(r->srv, r->route_index, r->status);
    pthread_mutex_lock(&r->st.mu);
    r->st.done = 1;
    pthread_cond_broadcast(&r->st.cv);
    stream_resume(r);
    pthread_mutex_unlock(&r->st.mu);
    return NULL;
}

/* The headers of a stream route passed authentication and its roles:
 * checks what else they say and starts the handler's thread. */
static void stream_start(tk_server_req *r)
{
    const char *type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    if (type == NULL || !tk_server_is_stream_type(type, strlen(type))) {
        tk_server_reply_error(r, 415, "unsupported_upload_type", NULL);
        return;
    }
    const int64_t len = tk_server_req_body_length(r);
    if (len > 0 && (uint64_t)len > r->srv->upload_max) {
        tk_server_reply_error(r, 413, "payload_too_large",
                              json_pack("{s:I}", "limit", (json_int_t)r->srv->upload_max));
        return;
    }
    r->st.ring = malloc(TK_SERVER_STREAM_BUFFER);
    if (r->st.ring == NULL) {
        tk_server_reply_error(r, 500, "internal", NULL);
        return;
    }
    snprintf(r->st.info.account, sizeof r->st.info.account, "%s", r->auth.account);
    r->st.info.started_ms = now_ms();
    r->st.info.bytes_expected = len;
    pthread_mutex_lock(&r->srv->lock);
    if (atomic_load(&r->srv->stopping)) {
        pthread_mutex_unlock(&r->srv->lock);
        tk_server_reply_error(r, 500, "internal", NULL);
        return;
    }
    r->st.on = 1;
    if (pthread_create(&r->st.thread, NULL, stream_thread, r) != 0) {
        r->st.on = 0;
        pthread_mutex_unlock(&r->srv->lock);
        tk_server_reply_error(r, 500, "internal", NULL);
        return;
    }
    r->st.next = r->srv->streams;
    r->srv->streams = r;
    pthread_mutex_unlock(&r->srv->lock);
}

/* Sends the handler's answer (MHD's thread, the handler done). */
static void stream_answer(tk_server_req *r)
{
    if (r->st.queued)
        return;
    r->st.queued = 1;
    if (r->st.reply == NULL) {
        static const char fallback[] = "{\"error\":{\"code\":\"internal\",\"message\":\"internal "
                                       "server error\",\"details\":null}}";
        (void)queue_bytes(r, 500, "application/json; charset=utf-8", fallback, sizeof fallback - 1);
        return;
    }
    (void)queue_bytes(r, r->status, r->st.reply_type, r->st.reply, r->st.reply_len);
}

/* access_handler() for a stream request whose handler runs: data
 * (*size > 0) or a call without data, by phase. */
static enum MHD_Result stream_access(tk_server_req *r, const char *data, size_t *size)
{
    tk_server *s = r->srv;
    /* Read without st.mu's order problem: tk_server_stop() takes s->lock,
     * then each st.mu. Once set, no connection is suspended again. */
    const int halt = atomic_load(&s->stopping);
    pthread_mutex_lock(&r->st.mu);
    if (r->st.phase == 0) {
        /* The first call (again, after the handler read or answered). */
        if (!r->st.done && !r->st.reading && !halt) {
            stream_suspend(r);
            pthread_mutex_unlock(&r->st.mu);
            return MHD_YES;
        }
        if (r->st.reading && !halt) {
            r->st.phase = 1;
            pthread_mutex_unlock(&r->st.mu);
            return MHD_YES;
        }
        while (!r->st.done) /* stopping: the handler was aborted, it ends soon */
            pthread_cond_wait(&r->st.cv, &r->st.mu);
        pthread_mutex_unlock(&r->st.mu);
        stream_answer(r); /* before the body: MHD refuses the body */
        return MHD_YES;
    }
    if (*size > 0) {
        const size_t n = *size;
        if (r->st.done || r->st.abort || r->st.over) {
            *size = 0; /* the handler is done with the body: the rest is dropped */
        } else if (r->st.info.bytes_received + n > s->upload_max) {
            r->st.over = 1;
            *size = 0;
            pthread_cond_broadcast(&r->st.cv);
        } else {
            const size_t room = TK_SERVER_STREAM_BUFFER - r->st.len;
            const size_t k = n < room ? n : room;
            size_t at = (r->st.head + r->st.len) % TK_SERVER_STREAM_BUFFER;
            const size_t first = TK_SERVER_STREAM_BUFFER - at;
            if (k <= first) {
                memcpy(r->st.ring + at, data, k);
            } else {
                memcpy(r->st.ring + at, data, first);
                memcpy(r->st.ring, data + first, k - first);
            }
            r->st.len += k;
            r->st.info.bytes_received += k;
            *size = n - k;
            if (k > 0)
                pthread_cond_broadcast(&r->st.cv);
            if (*size > 0)
                stream_suspend(r); /* full: the reader resumes when it made room */
        }
        pthread_mutex_unlock(&r->st.mu);
        return MHD_YES;
    }
    /* The end of the body. */
    r->st.phase = 2;
    r->st.eof = 1;
    pthread_cond_broadcast(&r->st.cv);
    if (!r->st.done && !halt) {
        stream_suspend(r); /* until the handler has answered */
        pthread_mutex_unlock(&r->st.mu);
        return MHD_YES;
    }
    while (!r->st.done) /* stopping: the handler was aborted, it ends soon */
        pthread_cond_wait(&r->st.cv, &r->st.mu);
    pthread_mutex_unlock(&r->st.mu);
    stream_answer(r);
    return MHD_YES;
}

/* Ends r's stream in completed(): aborts a handler still running, waits
 * for it, and takes r out of the server's list. */
static void stream_end(tk_server_req *r)
{
    if (!r->st.on)
        return;
    pthread_mutex_lock(&r->st.mu);
    r->st.abort = 1;
    r->st.suspended = 0; /* the connection is gone: nothing to resume */
    pthread_cond_broadcast(&r->st.cv);
    pthread_mutex_unlock(&r->st.mu);
    pthread_join(r->st.thread, NULL);
    pthread_mutex_lock(&r->srv->lock);
    for (tk_server_req **p = &r->srv->streams; *p != NULL; p = &(*p)->st.next)
        if (*p == r) {
            *p = r->st.next;
            break;
        }
    pthread_mutex_unlock(&r->srv->lock);
}

/* Adds the bytes of one header line ("key: value\r\n") to *cls. */
static enum MHD_Result header_bytes(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    size_t *n = cls;
    (void)kind;
    *n += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls)
{
    tk_server *s = cls;
    tk_server_req *r = *req_cls;
    (void)version;
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        if (r == NULL)
            return MHD_NO;
        r->srv = s;
        r->conn = conn;
        r->url = url;
        r->method = method;
        {
            size_t n;
            (void)tk_routes(&n);
            r->route_index = n;
        }
        atomic_fetch_add(&s->inflight, 1);
        *req_cls = r;
        pthread_mutex_init(&r->st.mu, NULL);
        pthread_cond_init(&r->st.cv, NULL);
        size_t hbytes = strlen(url) + strlen(method) + 12;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, header_bytes, &hbytes);
        if (hbytes > TK_SERVER_HEADER_MAX) {
            r->headers_too_large = 1;
            serve(r);
            return MHD_YES;
        }
        const int expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect") != NULL;
        if (stream_route(method, url) != NULL) {
            /* An upload: everything the headers say is checked now, but
             * one a little over the limit is read and discarded first
             * (answered at its end, as a JSON body is below). */
            const int64_t len = tk_server_req_body_length(r);
            if (len > 0 && (uint64_t)len > s->upload_max && len <= (int64_t)TK_SERVER_DRAIN_MAX &&
                !expect) {
                r->too_large = 1;
                return MHD_YES;
            }
            serve(r);
            if (!r->st.on)
                return MHD_YES; /* refused: an answer is queued, the body never read */
            size_t none = 0;
            return stream_access(r, NULL, &none);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        int64_t v;
        if (cl != NULL && tk_parse_i64(cl, strlen(cl), &v) && v > (int64_t)s->body_max) {
            r->too_large = 1;
            if (v > (int64_t)TK_SERVER_DRAIN_MAX || expect)
                serve(r);
        }
        return MHD_YES;
    }
    if (r->st.on)
        return stream_access(r, upload_data, upload_data_size);
    if (*upload_data_size > 0) {
        const size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->status != 0 || r->too_large)
            return MHD_YES;
        if (n > s->body_max - r->body_len) {
            r->too_large = 1;
            free(r->body);
            r->body = NULL;
            r->body_len = 0;
            return MHD_YES;
        }
        if (r->body == NULL) {
            r->body = malloc(s->body_max);
            if (r->body == NULL)
                return MHD_NO;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        return MHD_YES;
    }
    if (r->status == 0)
        serve(r);
    return MHD_YES;
}

static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                      enum MHD_RequestTerminationCode toe)
{
    tk_server *s = cls;
    tk_server_req *r = *req_cls;
    (void)conn;
    (void)toe;
    if (r == NULL)
        return;
    atomic_fetch_sub(&s->inflight, 1);
    stream_end(r);
    free(r->st.ring);
    free(r->st.reply);
    pthread_mutex_destroy(&r->st.mu);
    pthread_cond_destroy(&r->st.cv);
    json_decref(r->json);
    free(r->body);
    store_give(s, r->store);
    free(r);
    *req_cls = NULL;
}

/* ---- start and stop --------------------------------------------------------------- */

static char *dup_str(const char *s)
{
    if (s == NULL)
        return NULL;
    const size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

static void free_server(tk_server *s)
{
    if (s == NULL)
        return;
    free(s->data_dir);
    if (s->key != NULL) {
        memset(s->key, 0, strlen(s->key));
        free(s->key);
    }
    free(s->cert);
    free(s->counts);
    for (size_t i = 0; i < s->nidle; i++)
        tk_account_store_close(s->idle[i]);
    for (size_t i = 0; i < s->nidle_tenants; i++)
        tk_tenant_free(s->idle_tenants[i]);
    /* Last: its connection's close checkpoints what the others left. */
    tk_walkeeper_stop(s->walkeeper);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int tk_server_start(tk_server **out, const tk_server_options *o, tk_error *err)
{
    *out = NULL;
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    if (inet_pton(AF_INET, o->address, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons(o->port);
        sa = (struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, o->address, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons(o->port);
        sa = (struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else {
        return tk_error_set(err, TK_EINVAL, "'%s' is not a numeric IPv4 or IPv6 address",
                            o->address);
    }
    if (o->insecure_http && !tk_server_is_loopback(o->address))
        return tk_error_set(err, TK_EINVAL,
                            "--insecure-http is allowed only on a loopback address (127.0.0.1 or "
                            "::1), not on %s: use --tls-cert and --tls-key",
                            o->address);
    if (!o->insecure_http && (o->cert_pem == NULL || o->key_pem == NULL))
        return tk_error_set(err, TK_EINVAL, "a certificate and its key are needed for https");
    if (o->threads == 0 || o->threads > 64)
        return tk_error_set(err, TK_EINVAL, "threads must be 1 to 64, not %u", o->threads);

    /* service.db is opened once here so that a bad data directory is said
     * at start, not on the first request. */
    tk_account_store *probe = NULL;
    tk_walkeeper *walkeeper = NULL;
    int rc = tk_account_store_open(&probe, o->data_dir, o->accounts, err);
    if (rc == TK_OK) {
        tk_walkeeper_options wo = TK_WALKEEPER_OPTIONS_INIT;
        if (o->wal_restart_mb > 0)
            wo.restart_bytes = (uint64_t)o->wal_restart_mb << 20;
        rc = tk_walkeeper_start(&walkeeper, tk_account_store_path(probe), &wo, err);
    }
    tk_account_store_close(probe);
    if (rc != TK_OK)
        return rc;

    tk_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        tk_walkeeper_stop(walkeeper);
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    }
    s->walkeeper = walkeeper;
    pthread_mutex_init(&s->lock, NULL);
    size_t nroutes;
    (void)tk_routes(&nroutes);
    s->nroutes = nroutes;
    s->counts = calloc((nroutes + 1) * NSTATUS, sizeof *s->counts);
    s->data_dir = dup_str(o->data_dir);
    s->insecure = o->insecure_http;
    s->body_max = o->body_max;
    s->upload_max = o->upload_max;
    atomic_init(&s->stopping, 0);
    s->started_ms = now_ms();
    atomic_init(&s->inflight, 0);
    if (o->accounts != NULL) {
        s->accounts = *o->accounts;
    } else {
        const tk_account_options def = TK_ACCOUNT_OPTIONS_INIT;
        s->accounts = def;
    }
    if (!o->insecure_http) {
        s->cert = dup_str(o->cert_pem);
        s->key = dup_str(o->key_pem);
        flags |= MHD_USE_TLS;
    }
    if (s->counts == NULL || s->data_dir == NULL || (!o->insecure_http && s->key == NULL)) {
        free_server(s);
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    }
    if (o->insecure_http)
        s->daemon = MHD_start_daemon(
            flags, o->port, NULL, NULL, access_handler, s, MHD_OPTION_SOCK_ADDR, sa,
            MHD_OPTION_THREAD_POOL_SIZE, o->threads, MHD_OPTION_CONNECTION_LIMIT, o->conn_limit,
            MHD_OPTION_CONNECTION_TIMEOUT, o->conn_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)(2 * TK_SERVER_HEADER_MAX), MHD_OPTION_NOTIFY_COMPLETED, completed, s,
            MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL, MHD_OPTION_END);
    else
        s->daemon = MHD_start_daemon(
            flags, o->port, NULL, NULL, access_handler, s, MHD_OPTION_SOCK_ADDR, sa,
            MHD_OPTION_THREAD_POOL_SIZE, o->threads, MHD_OPTION_CONNECTION_LIMIT, o->conn_limit,
            MHD_OPTION_CONNECTION_TIMEOUT, o->conn_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)(2 * TK_SERVER_HEADER_MAX), MHD_OPTION_NOTIFY_COMPLETED, completed, s,
            MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL, MHD_OPTION_HTTPS_MEM_CERT, s->cert,
            MHD_OPTION_HTTPS_MEM_KEY, s->key, MHD_OPTION_HTTPS_PRIORITIES, TK_SERVER_TLS_PRIORITIES,
            MHD_OPTION_END);
    if (s->daemon == NULL) {
        free_server(s);
        return tk_error_set(err, TK_EIO,
                            "cannot serve on %s port %u: the address is in use or not this "
                            "machine's, or the certificate or key is not valid PEM",
                            o->address, (unsigned)o->port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : o->port;
    *out = s;
    return TK_OK;
}

uint16_t tk_server_port(const tk_server *s)
{
    return s->port;
}

void tk_server_stop(tk_server *s)
{
    if (s == NULL)
        return;
    /* MHD may not stop with a suspended connection: abort every upload
     * and resume its connection; none is suspended again. */
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->stopping, 1);
    for (tk_server_req *r = s->streams; r != NULL; r = r->st.next) {
        pthread_mutex_lock(&r->st.mu);
        r->st.abort = 1;
        pthread_cond_broadcast(&r->st.cv);
        stream_resume(r);
        pthread_mutex_unlock(&r->st.mu);
    }
    pthread_mutex_unlock(&s->lock);
    MHD_stop_daemon(s->daemon);
    free_server(s);
}
