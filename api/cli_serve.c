/* api/cli_serve.c -- `tenken serve`: the HTTPS JSON API in the foreground.
 *
 * Parses the options, reads the certificate and key, refuses plain HTTP
 * anywhere but on a loopback address, and runs the service
 * (api/server.h) until SIGTERM or SIGINT. The two signals are blocked in
 * every thread before the server starts its threads (they inherit the
 * mask), and the main thread waits for them with sigwait(), so shutdown
 * runs in ordinary code: stop accepting, let running requests end, close. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "api/routes.h"
#include "api/server.h"
#include "src/alloc.h"

static const char serve_help[] =
    "usage: tenken serve [--data DIR] [--listen ADDR:PORT] --tls-cert FILE --tls-key FILE\n"
    "                    [--threads N] [--upload-max BYTES] [--max-connections N]\n"
    "                    [--timeout S] [--session-idle S] [--session-max S] [--wal-restart MB]\n"
    "       tenken serve [--data DIR] --listen 127.0.0.1:PORT --insecure-http [--threads N]\n"
    "       tenken serve --list-routes[=json]\n"
    "\n"
    "Serves the JSON API over HTTPS (TLS 1.2 and 1.3, ECDHE with AES-GCM only)\n"
    "until SIGTERM or SIGINT. Accounts and tokens come from tenken user and\n"
    "tenken token; every request is recorded in the audit log (docs/service.md).\n"
    "\n"
    "options:\n" TK_CLI_HELP_DATA
    "  --listen ADDR:PORT    the numeric address and port to listen on; IPv6 as\n"
    "                        [::1]:8443; port 0 picks a free one (default:\n"
    "                        127.0.0.1:8443)\n"
    "  --tls-cert FILE       the server's certificate chain, PEM\n"
    "  --tls-key FILE        its private key, PEM (keep it mode 0600)\n"
    "  --insecure-http       plain HTTP, refused on any address but a loopback one\n"
    "                        (default: off)\n"
    "  --threads N           worker threads, 1 to 64 (default: 2)\n"
    "  --upload-max BYTES    largest upload (POST /api/v1/uploads) in bytes; a\n"
    "                        larger one is refused with 413 (default: 1073741824,\n"
    "                        1 GiB)\n"
    "  --max-connections N   simultaneous connections, 1 to 10000; more wait\n"
    "                        until one ends (default: 64)\n"
    "  --timeout S           seconds after which an idle or slow connection is\n"
    "                        closed (an upload cut so stores nothing), 1 to 3600\n"
    "                        (default: 15)\n"
    "  --session-idle S      seconds unused after which a session ends, 1 to\n"
    "                        86400 (default: 1800)\n"
    "  --session-max S       seconds after which a session ends whatever its use,\n"
    "                        1 to 604800 (default: 43200)\n"
    "  --wal-restart MB      restart service.db's WAL when it holds more than MB\n"
    "                        MiB, 1 to 1024: fewer restarts hold the writers back\n"
    "                        less often, for a larger file (default: 16)\n"
    "  --list-routes[=json]  print the routes the service answers, one\n"
    "                        \"METHOD PATH\" a line, or as a JSON array of\n"
    "                        {method, path, access, roles, summary}, and exit\n" TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

/* Reads a PEM file of at most 1 MiB into a new string (owned: free()). */
static char *read_pem(const char *path, const char *what)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "tenken serve: cannot read the %s %s: %s\n", what, path, strerror(errno));
        return NULL;
    }
    const size_t cap = 1 << 20;
    char *buf = malloc(cap + 1);
    size_t n = buf ? fread(buf, 1, cap + 1, f) : 0;
    const int failed = buf == NULL || ferror(f);
    fclose(f);
    if (failed || n > cap || n == 0 || strstr(buf, "-----BEGIN ") == NULL) {
        if (!failed)
            buf[n > cap ? cap : n] = '\0';
        fprintf(stderr, "tenken serve: the %s %s is not a PEM file of at most 1 MiB\n", what, path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* A number lo..hi of option opt, or -1 after the usage error. */
static long number_arg(const char *opt, const char *v, long lo, long hi)
{
    char *end = NULL;
    errno = 0;
    const long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi) {
        tk_cli_usage_error("serve", "%s needs a number from %ld to %ld, not '%s'", opt, lo, hi, v);
        return -1;
    }
    return n;
}

/* Prints the route table as a JSON array; the form tests and clients
 * iterate over (tests/api/test_serve_authz.sh). */
static int print_routes_json(void)
{
    size_t n;
    const tk_route *r = tk_routes(&n);
    json_t *a = json_array();
    /* A stream route (an upload) is authorised as any other: "auth". */
    static const char *const access[] = {"public", "auth", "admin_or_loopback", "auth"};
    static const char *const roles[] = {"uploader", "analyst", "reporter", "admin"};
    for (size_t i = 0; a != NULL && i < n; i++) {
        json_t *rl = json_array();
        const unsigned bits = r[i].access == TK_ROUTE_AUTH || r[i].access == TK_ROUTE_AUTH_STREAM
                                  ? r[i].roles
                              : r[i].access == TK_ROUTE_ADMIN_OR_LOOPBACK ? TK_ROUTE_ADMIN
                                                                          : 0u;
        for (unsigned b = 0; b < 4; b++)
            if (bits & (1u << b))
                json_array_append_new(rl, json_string(roles[b]));
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:o,s:s}", "method", r[i].method, "path",
                                           r[i].path, "access", access[r[i].access], "roles", rl,
                                           "summary", r[i].summary));
    }
    char *text = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
    json_decref(a);
    if (text == NULL) {
        fputs("tenken serve: out of memory\n", stderr);
        return TK_EXIT_FAIL;
    }
    puts(text);
    free(text);
    return TK_EXIT_OK;
}

/* Splits "ADDR:PORT" or "[V6]:PORT" into addr (cap bytes) and *port. */
static int parse_listen(const char *s, char *addr, size_t cap, uint16_t *port)
{
    const char *colon;
    size_t alen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        alen = (size_t)(close - s - 1);
        colon = close + 1;
        s++;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        alen = (size_t)(colon - s);
    }
    if (alen == 0 || alen >= cap)
        return -1;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    char *end = NULL;
    errno = 0;
    const long p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 0 || p > 65535)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

int tk_cli_serve(int argc, char **argv)
{
    static const struct option longopts[] = {{"listen", required_argument, NULL, 'l'},
                                             {"tls-cert", required_argument, NULL, 'c'},
                                             {"tls-key", required_argument, NULL, 'k'},
                                             {"insecure-http", no_argument, NULL, 'I'},
                                             {"threads", required_argument, NULL, 'j'},
                                             {"list-routes", optional_argument, NULL, 'L'},
                                             {"upload-max", required_argument, NULL, 'U'},
                                             {"max-connections", required_argument, NULL, 'm'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"session-idle", required_argument, NULL, 'i'},
                                             {"session-max", required_argument, NULL, 'a'},
                                             {"wal-restart", required_argument, NULL, 'W'},
                                             {NULL, 0, NULL, 0}};
    const char *listen = "127.0.0.1:8443", *cert = NULL, *key = NULL;
    tk_server_options o = TK_SERVER_OPTIONS_INIT;
    tk_account_options acc = TK_ACCOUNT_OPTIONS_INIT;
    long v;
    int list = 0, c;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT("serve", serve_help, TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'l':
            listen = optarg;
            break;
        case 'c':
            cert = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'I':
            o.insecure_http = 1;
            break;
        case 'j': {
            char *end = NULL;
            const long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 1 || n > 64)
                return tk_cli_usage_error(
                    "serve", "--threads needs a number from 1 to 64, not '%s'", optarg);
            o.threads = (unsigned)n;
            break;
        }
        case 'U': {
            char *end = NULL;
            const long long n = strtoll(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || n < 1)
                return tk_cli_usage_error(
                    "serve", "--upload-max needs a positive number of bytes, not '%s'", optarg);
            o.upload_max = (uint64_t)n;
            break;
        }
        case 'L':
            if (optarg != NULL && strcmp(optarg, "json") != 0)
                return tk_cli_usage_error("serve", "--list-routes takes =json or nothing, not '%s'",
                                          optarg);
            list = optarg != NULL ? 2 : 1;
            break;
        case 'm':
            if ((v = number_arg("--max-connections", optarg, 1, 10000)) < 0)
                return TK_EXIT_USAGE;
            o.conn_limit = (unsigned)v;
            break;
        case 'W':
            if ((v = number_arg("--wal-restart", optarg, 1, 1024)) < 0)
                return TK_EXIT_USAGE;
            o.wal_restart_mb = (unsigned)v;
            break;
        case 't':
            if ((v = number_arg("--timeout", optarg, 1, 3600)) < 0)
                return TK_EXIT_USAGE;
            o.conn_timeout_s = (unsigned)v;
            break;
        case 'i':
            if ((v = number_arg("--session-idle", optarg, 1, 86400)) < 0)
                return TK_EXIT_USAGE;
            acc.session_idle_ms = (int64_t)v * 1000;
            break;
        case 'a':
            if ((v = number_arg("--session-max", optarg, 1, 604800)) < 0)
                return TK_EXIT_USAGE;
            acc.session_absolute_ms = (int64_t)v * 1000;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    if (list == 2)
        return print_routes_json();
    if (list) {
        size_t n;
        const tk_route *r = tk_routes(&n);
        for (size_t i = 0; i < n; i++)
            printf("%s %s\n", r[i].method, r[i].path);
        return TK_EXIT_OK;
    }
    char addr[64];
    if (parse_listen(listen, addr, sizeof addr, &o.port) != 0)
        return tk_cli_usage_error("serve", "--listen needs ADDR:PORT ([V6]:PORT), not '%s'",
                                  listen);
    o.address = addr;
    if (o.insecure_http && (cert || key))
        return tk_cli_usage_error("serve", "--insecure-http takes no --tls-cert or --tls-key");
    if (!o.insecure_http && (cert == NULL || key == NULL))
        return tk_cli_usage_error("serve", "--tls-cert and --tls-key are required (or "
                                           "--insecure-http on a loopback address)");
    if (o.insecure_http && !tk_server_is_loopback(addr))
        return tk_cli_usage_error("serve",
                                  "--insecure-http is allowed only on a loopback address "
                                  "(127.0.0.1 or [::1]), not on %s: serve https with "
                                  "--tls-cert and --tls-key",
                                  addr);
    o.data_dir = tk_cli_data_dir(a.data);
    o.accounts = &acc;

    /* A service nobody can log in to is a mistake: say so at once. */
    tk_error err = {0};
    tk_account_store *store = NULL;
    char lname[TK_ACTOR_NAME_SIZE];
    tk_actor local;
    tk_actor_local(&local, lname, sizeof lname);
    tk_account_info *accounts = NULL;
    size_t naccounts = 0;
    int rc = tk_account_store_open(&store, o.data_dir, NULL, &err);
    if (rc == TK_OK)
        rc = tk_account_list(store, &local, &accounts, &naccounts, &err);
    tk_free(accounts);
    tk_account_store_close(store);
    if (rc != TK_OK) {
        tk_cli_report("serve", &err);
        return TK_EXIT_FAIL;
    }
    if (naccounts == 0) {
        fprintf(stderr,
                "tenken serve: no accounts in %s: add one first with tenken user add NAME "
                "--role admin\n",
                o.data_dir);
        return TK_EXIT_FAIL;
    }

    char *cert_pem = NULL, *key_pem = NULL;
    if (!o.insecure_http) {
        cert_pem = read_pem(cert, "certificate");
        key_pem = cert_pem ? read_pem(key, "key") : NULL;
        if (key_pem == NULL) {
            free(cert_pem);
            return TK_EXIT_FAIL;
        }
    }
    o.cert_pem = cert_pem;
    o.key_pem = key_pem;

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    tk_server *s = NULL;
    rc = tk_server_start(&s, &o, &err);
    if (key_pem != NULL)
        memset(key_pem, 0, strlen(key_pem));
    free(key_pem);
    free(cert_pem);
    if (rc != TK_OK) {
        tk_cli_report("serve", &err);
        return TK_EXIT_FAIL;
    }
    printf("serving %s://%s%s%s:%u with %u threads; data %s\n", o.insecure_http ? "http" : "https",
           strchr(addr, ':') ? "[" : "", addr, strchr(addr, ':') ? "]" : "",
           (unsigned)tk_server_port(s), o.threads, o.data_dir);
    fflush(stdout);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    tk_server_stop(s);
    printf("stopped on %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return TK_EXIT_OK;
}
