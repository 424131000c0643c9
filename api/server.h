/* api/server.h -- the HTTPS JSON service (`tenken serve`): daemon, TLS,
 * limits, security headers, errors, authentication, audit and metrics.
 *
 * tk_server runs libmicrohttpd with its own GnuTLS: TLS 1.2 and 1.3 only,
 * ECDHE key exchange with AES-GCM (TK_SERVER_TLS_PRIORITIES). It reads
 * each request's JSON body up to a cap, authenticates it (a session
 * cookie with its CSRF token, or an API token as a Bearer credential),
 * authorises it against the route's roles and the credential's tenant,
 * hands it to the route's handler (api/routes.h), adds the security
 * headers to the answer and records the request in the audit log of
 * DATA/service.db. Errors have one shape:
 * {"error":{"code":"...","message":"...","details":...}}, the message in
 * Japanese or English by Accept-Language.
 *
 * The request helpers below (query strings, ids, JSON bodies) are pure
 * functions of their input, shared with tests/fuzz/fuzz_request.c.
 *
 * Thread-safety: a tk_server runs its own threads; every request opens
 * its own connections to service.db and the tenant, so handlers share
 * nothing but the server's counters (behind a mutex). */
#ifndef TK_SERVER_H
#define TK_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "src/account.h"
#include "src/actor.h"
#include "src/error.h"
#include "src/tenant.h"

typedef struct tk_server tk_server;

/* The GnuTLS priority string: TLS 1.3 (AES-GCM suites) and TLS 1.2 with
 * ECDHE key exchange and AES-GCM only; no CBC, no RSA key exchange, no
 * TLS 1.1 or older. */
#define TK_SERVER_TLS_PRIORITIES                                                                   \
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:"               \
    "-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:-MAC-ALL:+AEAD:%SERVER_PRECEDENCE"

/* Largest JSON body, and largest request line and headers (431 in the
 * error shape past it; MHD's own 431 past twice that, the connection
 * memory). */
#define TK_SERVER_BODY_MAX   (64 * 1024)
#define TK_SERVER_HEADER_MAX (32 * 1024)
/* A JSON body above the cap but not above this is read to its end (and
 * discarded) before it is answered 413; a larger one is answered at once. */
#define TK_SERVER_DRAIN_MAX (4 * 1024 * 1024)

/* Largest streamed body (an upload) by default: 1 GiB. */
#define TK_SERVER_UPLOAD_MAX ((uint64_t)1 << 30)

/* Bytes of a streamed body held between the network and its handler: the
 * memory of one upload in the server, whatever the body's length. */
#define TK_SERVER_STREAM_BUFFER (1024 * 1024)

/* How the service runs; transparent. Strings are borrowed. */
typedef struct tk_server_options {
    const char *data_dir;    /* DATA: service.db and the tenants */
    const char *address;     /* numeric IPv4 or IPv6 address to listen on */
    uint16_t port;           /* 0: any free port (tk_server_port() says which) */
    const char *cert_pem;    /* the certificate chain, PEM text; NULL with insecure_http */
    const char *key_pem;     /* its private key, PEM text */
    int insecure_http;       /* plain HTTP: only on a loopback address */
    unsigned threads;        /* worker threads (2) */
    unsigned conn_limit;     /* simultaneous connections (64) */
    unsigned conn_timeout_s; /* an idle or slow connection is closed after this (15) */
    size_t body_max;         /* largest JSON body in bytes (TK_SERVER_BODY_MAX) */
    const tk_account_options *accounts; /* NULL: the defaults */
    uint64_t upload_max;                /* largest streamed body in bytes (TK_SERVER_UPLOAD_MAX) */
    unsigned wal_restart_mb; /* service.db's WAL restarted past this (0: 16, see src/walkeeper.h) */
} tk_server_options;

#define TK_SERVER_OPTIONS_INIT                                                                     \
    {                                                                                              \
        NULL, "127.0.0.1", 8443, NULL, NULL, 0, 2, 64, 15, TK_SERVER_BODY_MAX, NULL,               \
            TK_SERVER_UPLOAD_MAX, 0                                                                \
    }

/* 1 if address (borrowed) is a numeric loopback address (127.0.0.0/8 or
 * ::1). */
int tk_server_is_loopback(const char *address);

/* Starts the service as o says (borrowed; the PEM texts are copied). *out
 * is an owned result: tk_server_stop(); NULL on failure. Returns TK_OK,
 * TK_EINVAL (a bad address, insecure_http on an address that is not a
 * loopback one, no certificate without insecure_http, a certificate or key
 * GnuTLS refuses: the message says which), TK_EIO (the address cannot be
 * bound) or TK_EDB (service.db cannot be opened). */
TK_MUST_CHECK int tk_server_start(tk_server **out, const tk_server_options *o, tk_error *err);

/* The port the service listens on. */
uint16_t tk_server_port(const tk_server *s);

/* Stops accepting, lets the running requests end, and frees s. Accepts
 * NULL. */
void tk_server_stop(tk_server *s);

/* ---- one request, as a handler sees it ---------------------------------- */

/* Most path parameters of a route and longest one. */
#define TK_SERVER_PARAM_MAX 128

typedef struct tk_server_req tk_server_req;

/* What the handler reads; borrowed, valid during the handler. */
const char *tk_server_req_method(const tk_server_req *r);
/* Path parameter {id} of the route, or NULL; the parameters of a route
 * with several ({kind}/{version}) joined by '/'. */
const char *tk_server_req_param(const tk_server_req *r);
/* Query argument name (NULL when absent); the value is percent-decoded. */
const char *tk_server_req_query(const tk_server_req *r, const char *name);
/* The parsed JSON body (an object), or NULL when the request had none. */
json_t *tk_server_req_body(const tk_server_req *r);
/* The body as it came (len bytes; "" when none), JSON or CSV; *csv (may
 * be NULL) is 1 when it was sent as text/csv (then tk_server_req_body()
 * is NULL). */
const char *tk_server_req_raw_body(const tk_server_req *r, size_t *len, int *csv);

/* Who asks: the authenticated account (refusal TK_ACCOUNT_ACCEPTED), or
 * a zeroed value for a route that needs none. */
const tk_account_auth *tk_server_req_auth(const tk_server_req *r);
/* The actor of the request (account, role, address); for audit and
 * triage. */
const tk_actor *tk_server_req_actor(const tk_server_req *r);
/* The client address as text. */
const char *tk_server_req_address(const tk_server_req *r);
/* The session cookie's value, or NULL. */
const char *tk_server_req_cookie(const tk_server_req *r);
/* The data directory and the account store (one connection of this
 * request). */
const char *tk_server_req_data_dir(const tk_server_req *r);
tk_account_store *tk_server_req_accounts(tk_server_req *r);
/* 1 when the client asked for English (Accept-Language), else 0. */
int tk_server_req_english(const tk_server_req *r);
/* The server (for metrics). */
tk_server *tk_server_req_server(tk_server_req *r);

/* The tenant a request acts on: the credential's; a global admin names
 * one with ?tenant=NAME. Opens it (read-only unless write) into *t (owned:
 * tk_tenant_close()). On failure an error answer is already queued and
 * the handler just returns: 403 (another tenant named by an account of
 * one tenant), 400 (a global admin named none or a bad name), 404 (no
 * such tenant) or 500. Returns TK_OK or the error code. */
TK_MUST_CHECK int tk_server_req_tenant(tk_server_req *r, int write, tk_tenant **t);

/* Sets the audited target of the request (an id; borrowed, copied). */
void tk_server_req_target(tk_server_req *r, const char *target);

/* Answers with status and document doc (taken). A handler answers exactly
 * once. Returns 0. */
int tk_server_reply_json(tk_server_req *r, unsigned status, json_t *doc);

/* Answers with the error shape: code (a TK_SERVER_E* name below, which
 * picks the message in the client's language) and details (taken; may be
 * NULL for null). Returns 0. */
int tk_server_reply_error(tk_server_req *r, unsigned status, const char *code, json_t *details);

/* Answers a tk_error from a lower layer: TK_EINVAL -> 400 bad_request,
 * TK_ENOTFOUND -> 404 not_found, TK_EFROZEN/TK_EBUSY -> 409 conflict,
 * anything else 500 internal; err's message goes into details.reason
 * (never for 500, whose detail only the log keeps). Returns 0. */
int tk_server_reply_tk_error(tk_server_req *r, const tk_error *err);

/* Answers len bytes at p (borrowed) as Content-Type type (borrowed): a
 * file such as an upload's row-level error report (text/csv). */
int tk_server_reply_bytes(tk_server_req *r, unsigned status, const char *type, const char *p,
                          size_t len);

/* Answers text (borrowed) as text/plain (Prometheus metrics). */
int tk_server_reply_text(tk_server_req *r, unsigned status, const char *text, size_t len);

/* Answers a file of the web UI (api/webui.h): len bytes at p (static,
 * borrowed) as Content-Type type with ETag etag (both static); 304 without
 * a body when If-None-Match is etag. The answer carries the UI's
 * Content-Security-Policy (scripts, styles, images and requests of the
 * service's own origin only) instead of the API's, and Cache-Control
 * no-cache when revalidate, else no-store; it is not audited. Returns 0. */
int tk_server_reply_asset(tk_server_req *r, const char *type, const unsigned char *p, size_t len,
                          const char *etag, int revalidate);

/* Sets a header of the answer (both borrowed, copied) before replying; a
 * Content-Security-Policy replaces the API's strict one (a served report
 * with inline styles). At most 4 headers of 255 bytes. */
void tk_server_req_header(tk_server_req *r, const char *name, const char *value);

/* Writes the Prometheus text of s's counters into *out (owned: free()).
 * Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_server_metrics(tk_server *s, char **out, size_t *len, tk_error *err);

/* ---- streamed bodies (uploads) -------------------------------------------
 *
 * A route of access TK_ROUTE_AUTH_STREAM (api/routes.h) gets its body as it arrives,
 * never whole in memory. The server checks everything the headers tell
 * before any of the body is read: the route, the credential and its role
 * (401, 403), the Content-Type (text/csv or application/octet-stream, else
 * 415) and a Content-Length above the upload limit (413). It then runs the
 * handler on a thread of its own and holds the body back until the
 * handler's first tk_server_req_read(): a handler that answers before
 * reading (a bad argument, an unknown profile, a busy tenant) answers at
 * once and the client sends no body (with Expect: 100-continue, as curl
 * does for large bodies). Between the network and the handler sits one
 * buffer of TK_SERVER_STREAM_BUFFER bytes; while it is full the
 * connection is suspended (nothing more is read from the socket), so a
 * slow handler slows the client down instead of filling memory. A client
 * that stops sending is cut after the connection timeout and the handler's
 * next read fails; so does every read once the body passes the upload
 * limit (a chunked body, which announces no length).
 *
 * A stream handler reads its query arguments and opens its tenant before
 * its first read, and answers through the usual tk_server_reply_*
 * functions (the answer is sent once the handler returns). */

/* Reads up to cap bytes of the body into buf: the count, 0 at the end of
 * the body, or -1 after setting err: TK_ERANGE (the body passed the
 * upload limit; the handler answers 413), TK_EIO (the client went away,
 * stalled past the timeout, or the server is stopping). Blocks until data
 * arrives. Only for a stream route's handler; a tk_ingest_read_fn with
 * the request as its context. */
long tk_server_req_read(void *req, char *buf, size_t cap, tk_error *err);

/* The Content-Length the client announced, or -1 (a chunked body). */
int64_t tk_server_req_body_length(const tk_server_req *r);

/* The upload limit in bytes. */
uint64_t tk_server_upload_max(const tk_server *s);

/* One streamed request in progress, as tk_server_streams() lists it. */
typedef struct tk_server_stream_info {
    char tenant[64];         /* set by the handler: tk_server_req_stream_label() */
    char name[256];          /* the file's name */
    char detail[128];        /* what else the handler says (the profile) */
    char account[128];       /* who sends it */
    int64_t started_ms;      /* Unix ms */
    uint64_t bytes_received; /* body bytes read from the network so far */
    int64_t bytes_expected;  /* the Content-Length, or -1 */
    uint64_t rows;           /* rows read so far, as the handler says */
    uint64_t rows_rejected;
    char kind[16]; /* what is streamed: "" (a log upload) or tk_server_req_stream_kind()'s */
} tk_server_stream_info;

/* Labels a stream request for tk_server_streams() (strings borrowed,
 * copied, cut to fit); an unlabelled stream is not listed. */
void tk_server_req_stream_label(tk_server_req *r, const char *tenant, const char *name,
                                const char *detail);

/* Says what a labelled stream carries when it is not a log upload
 * ("master": a master data import); kind is borrowed, copied, cut to
 * fit. */
void tk_server_req_stream_kind(tk_server_req *r, const char *kind);

/* Records the handler's progress (rows read, rows refused so far). */
void tk_server_req_stream_progress(tk_server_req *r, uint64_t rows, uint64_t rows_rejected);

/* Copies the labelled streams in progress of tenant (borrowed) into out,
 * at most cap of them, oldest first. Returns how many there are (may be
 * more than cap). Thread-safe. */
size_t tk_server_streams(tk_server *s, const char *tenant, tk_server_stream_info *out, size_t cap);

/* 1 if the Content-Type value p[0..len) is text/csv (any parameters),
 * application/octet-stream or the XLSX type (a workbook of the
 * confirmations): what a stream route accepts. */
int tk_server_is_stream_type(const char *p, size_t len);

/* ---- parsing of untrusted input (pure; fuzzed) --------------------------- */

/* Longest query argument value in bytes. */
#define TK_SERVER_ARG_MAX 256

/* Decodes the NUL-terminated URL part s in place ('+' is a space, %XX a
 * byte); a malformed escape or %00 becomes the control character 0x01,
 * which tk_server_check_arg() refuses. Returns the new length. Used as
 * MHD's unescape function for the path and the query arguments. */
size_t tk_server_unescape(char *s);

/* Checks a decoded query argument p[0..len): at most TK_SERVER_ARG_MAX
 * bytes of valid UTF-8 without control characters. Returns TK_OK or
 * TK_EINVAL. */
TK_MUST_CHECK int tk_server_check_arg(const char *p, size_t len, tk_error *err);

/* Parses an anomaly id "RUN-RANK" (two positive decimal integers without
 * sign or leading zero) of p[0..len). Returns TK_OK or TK_EINVAL. */
TK_MUST_CHECK int tk_server_parse_item_id(const char *p, size_t len, int64_t *run, int64_t *rank,
                                          tk_error *err);

/* Parses a positive decimal count of p[0..len) no larger than max.
 * Returns TK_OK or TK_EINVAL. */
TK_MUST_CHECK int tk_server_parse_count(const char *p, size_t len, uint64_t max, uint64_t *out,
                                        tk_error *err);

/* Parses a JSON body p[0..len) that must be one object, with at most
 * depth 8, into *out (owned: json_decref()). Returns TK_OK or TK_EPARSE
 * (the message gives line and column). */
TK_MUST_CHECK int tk_server_parse_body(const char *p, size_t len, json_t **out, tk_error *err);

/* 1 if the Content-Type value p[0..len) is application/json (with an
 * optional charset=utf-8 parameter). */
int tk_server_is_json_type(const char *p, size_t len);

/* 1 if the Content-Type value p[0..len) is text/csv (any parameters):
 * the body of a route that takes a CSV file. */
int tk_server_is_csv_type(const char *p, size_t len);

#endif
