/* api/cli_demo.c -- `tenken demo`: a generated city, ingested, analysed
 * and explained in one command.
 *
 * The demo does what a new tenant's first weeks look like, with the same
 * code paths a city's data takes: gen-city writes the city, init creates
 * the tenant, every master file is imported, every log file listed in the
 * city's manifest is ingested with the profile the manifest names, and the
 * inspection period is analysed. It ends with what a new user came for:
 * the top of the ranked list, one item explained with its evidence rows
 * (api/cli_show.c, as explain --format text prints it), and commands to go
 * further that run as printed (naming the data directory unless it is the
 * default one). Notes about gaps in the systems' logs are summarised per
 * rule; anomalies --format json has them all. The directory is recreated
 * on every run, but only if it is a previous demo's (it carries a marker
 * file): the demo never deletes anything else.
 *
 * With --serve the demo then becomes a service to try in a browser or
 * with curl: a self-signed certificate for localhost (src/selfcert.h) in
 * DATA/.tls, one account per role in tenant 'demo' with a random password
 * printed once (or the one read from stdin), and `tenken serve` on
 * 127.0.0.1 until SIGINT or SIGTERM, as api/cli_serve.c runs it: the two
 * signals are blocked before the server's threads start and the main
 * thread waits for them with sigwait(). */
/* nftw() is an XSI interface. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "api/server.h"
#include "models/analysis.h"
#include "src/account.h"
#include "src/crypto.h"
#include "src/alloc.h"
#include "src/csv.h"
#include "src/ingest.h"
#include "src/master.h"
#include "src/profile.h"
#include "src/selfcert.h"
#include "src/store.h"
#include "src/tenant.h"
#include "src/timefmt.h"

#define MARKER "TENKEN-DEMO"

static const char demo_help[] =
    "usage: tenken demo [--dir DIR] [--seed N] [--staff N] [--residents N]\n"
    "                   [--volume PCT] [--variant A|B]\n"
    "                   [--serve [--port N] [--password-stdin]]\n"
    "\n"
    "Runs tenken end to end on a synthetic city and shows the result.\n"
    "\n"
    "Generates a synthetic city (tenken gen-city) in DIR/city, creates tenant\n"
    "'demo' in DIR/data, imports its master data, ingests its ~20 systems' logs\n"
    "and analyses the inspection period 2024-10-01..2024-11-30. Then prints the\n"
    "top 10 of the ranked list, the explanation of item 1 with its first evidence\n"
    "rows, and the commands to go further (with --data DIR/data unless that is\n"
    "the default data directory). Notes about gaps in the systems' logs are\n"
    "summarised; 'tenken anomalies --format json' gives them all. DIR is recreated\n"
    "if it holds a previous demo and refused otherwise.\n"
    "\n"
    "With --serve it then serves the demo over HTTPS on 127.0.0.1 until SIGINT\n"
    "(Ctrl-C) or SIGTERM: a self-signed certificate for localhost is made (or\n"
    "reused while valid) in DIR/data/.tls, one account per role (demo-uploader,\n"
    "demo-analyst, demo-reporter, demo-admin) is added to tenant 'demo', and the\n"
    "URL, the certificate's SHA-256 fingerprint and the accounts with their\n"
    "passwords (random, printed once) are printed.\n"
    "\n"
    "options:\n"
    "  --dir DIR             where the demo is written (default: ./tenken-demo)\n"
    "  --seed N              gen-city's random seed (default: 1)\n"
    "  --staff N             gen-city's staff members, 30 .. 5000 (default: 200)\n"
    "  --residents N         gen-city's residents, 1000 .. 2000000 (default: 20000)\n"
    "  --volume PCT          gen-city's business volume, percent of the normal,\n"
    "                        10 .. 2000 (default: 100)\n"
    "  --variant A|B         gen-city's configuration (default: A)\n"
    "  --serve               serve the demo over HTTPS afterwards (default: off)\n"
    "  --port N              --serve's port on 127.0.0.1, 0 for any free one\n"
    "                        (default: 8443)\n"
    "  --password-stdin      --serve: read the demo accounts' password from the\n"
    "                        first line of stdin instead of random ones\n" TK_CLI_HELP_HELP "\n"
    "exit status: 0 success, 1 failure (message on stderr; also when a log file\n"
    "was not stored), 2 usage error\n";

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int prepare_dir(const char *dir)
{
    struct stat sb;
    char marker[4096];
    snprintf(marker, sizeof marker, "%s/%s", dir, MARKER);
    if (stat(dir, &sb) == 0) {
        if (stat(marker, &sb) != 0) {
            fprintf(stderr,
                    "tenken demo: %s exists and is not a previous demo; choose another --dir\n",
                    dir);
            return -1;
        }
        if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
            fprintf(stderr, "tenken demo: cannot remove the previous demo in %s: %s\n", dir,
                    strerror(errno));
            return -1;
        }
    }
    if (mkdir(dir, 0700) != 0) {
        fprintf(stderr, "tenken demo: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    FILE *f = fopen(marker, "w");
    if (f == NULL) {
        fprintf(stderr, "tenken demo: cannot write in %s: %s\n", dir, strerror(errno));
        return -1;
    }
    fputs("This directory was made by `tenken demo`, which deletes and recreates it.\n", f);
    fclose(f);
    return 0;
}

/* s as one shell word: as is when it holds only safe characters, else in
 * single quotes (a quote inside written '\\''). */
static void quote(const char *s, char *buf, size_t cap)
{
    if (s[0] != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789_./-+=:,@") == strlen(s)) {
        snprintf(buf, cap, "%s", s);
        return;
    }
    size_t used = 0;
    buf[used++] = '\'';
    for (; *s && used + 6 < cap; s++) {
        if (*s == '\'') {
            memcpy(buf + used, "'\\''", 4);
            used += 4;
        } else {
            buf[used++] = *s;
        }
    }
    buf[used++] = '\'';
    buf[used] = '\0';
}

/* 1 if paths a and b name the same existing directory. */
static int same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int import_master(tk_tenant *t, const char *city, tk_error *err)
{
    const char *const *kinds = tk_master_kinds();
    for (size_t i = 0; kinds[i] != NULL; i++) {
        char csv[4096], map[4096];
        struct stat sb;
        snprintf(csv, sizeof csv, "%s/master/%s.csv", city, kinds[i]);
        if (stat(csv, &sb) != 0)
            continue;
        snprintf(map, sizeof map, "%s/master/%s.map.json", city, kinds[i]);
        const int has_map = stat(map, &sb) == 0;
        tk_master_import_result res;
        /* Versions take effect from the start of the city's history. */
        const int rc =
            tk_master_import(t, kinds[i], csv, has_map ? map : NULL, "2000-01-01", &res, err);
        if (rc != TK_OK)
            return rc;
        printf("  master %-15s %6zu rows  %s%s\n", kinds[i], res.rows, res.encoding,
               has_map ? "  (mapped columns)" : "");
    }
    return TK_OK;
}

struct totals {
    size_t files;
    size_t stored;
    uint64_t rows;
    uint64_t bytes;
    uint64_t unknown_users;
    uint64_t unknown_terminals;
};

static long file_read(void *ctx, char *buf, size_t cap)
{
    const size_t n = fread(buf, 1, cap, ctx);
    return ferror((FILE *)ctx) ? -1 : (long)n;
}

/* Ingests every file of the manifest (file,profile,...) with its profile. */
static int ingest_manifest(tk_tenant *t, const char *city, struct totals *tot, int tty,
                           tk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.csv", city);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tk_error_set(err, TK_EIO, "cannot read %s: %s", path, strerror(errno));
    tk_csv *csv = NULL;
    tk_csv_options co = TK_CSV_OPTIONS_INIT;
    co.buffer_size = 65536;
    int rc = tk_csv_create(&csv, file_read, f, &co, err);
    const tk_csv_field *fl;
    size_t n;
    int header = 1;
    while (rc == TK_OK && (rc = tk_csv_next(csv, &fl, &n, err)) == 1) {
        rc = TK_OK;
        if (header || n < 2) {
            header = 0;
            continue;
        }
        char file[4096], prof[4096];
        snprintf(file, sizeof file, "%s/%.*s", city, (int)fl[0].len, fl[0].p);
        snprintf(prof, sizeof prof, "%s/profiles/%.*s.json", city, (int)fl[1].len, fl[1].p);
        tk_profile *p = NULL;
        rc = tk_profile_load(&p, prof, err);
        if (rc != TK_OK)
            break;
        tk_ingest_result res;
        rc = tk_ingest_file(t, p, file, NULL, &res, err);
        tk_profile_destroy(p);
        tot->files++;
        if (rc == TK_OK) {
            tot->stored++;
            tot->rows += res.rows_accepted;
            tot->bytes += res.bytes;
            tot->unknown_users += res.unknown_users;
            tot->unknown_terminals += res.unknown_terminals;
        } else {
            fprintf(stderr, "%s  %s\n", tty ? "\r\033[K" : "", err->msg);
            rc = TK_OK; /* the demo goes on; the upload list shows the rejection */
        }
        if (tty) {
            fprintf(stderr, "\r\033[K  ingesting %zu files, %llu events ...", tot->files,
                    (unsigned long long)tot->rows);
            fflush(stderr);
        }
    }
    if (tty)
        fprintf(stderr, "\r\033[K");
    tk_csv_destroy(csv);
    fclose(f);
    return rc < 0 ? rc : TK_OK;
}

/* Reads a PEM file of at most 64 KiB into a new string (owned: free()). */
static char *read_small(const char *path, tk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        tk_error_set(err, TK_EIO, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    const size_t cap = 64 * 1024;
    char *buf = malloc(cap + 1);
    const size_t n = buf ? fread(buf, 1, cap, f) : 0;
    fclose(f);
    if (buf == NULL || n == 0) {
        tk_error_set(err, TK_EIO, "cannot read %s", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static const char *const demo_roles[] = {"uploader", "analyst", "reporter", "admin"};
#define NROLES (sizeof demo_roles / sizeof demo_roles[0])

/* Adds demo-ROLE for every role to tenant demo of data, with password
 * given (NULL: a random one each, 24 hex digits), and writes the
 * passwords to print into pw. An account left by an earlier --serve of the same
 * data directory cannot exist: the demo recreated it. */
static int add_accounts(const char *data, const char *given, char pw[][64], tk_error *err)
{
    tk_account_store *store = NULL;
    char lname[TK_ACTOR_NAME_SIZE];
    tk_actor local;
    tk_actor_local(&local, lname, sizeof lname);
    int rc = tk_account_store_open(&store, data, NULL, err);
    for (size_t i = 0; rc == TK_OK && i < NROLES; i++) {
        if (given == NULL) {
            uint8_t r[12];
            rc = tk_crypto_random_key(r, sizeof r, err);
            if (rc != TK_OK)
                break;
            tk_crypto_hex(r, sizeof r, pw[i]);
        } else {
            snprintf(pw[i], 64, "(the password read from stdin)");
        }
        const char *p = given != NULL ? given : pw[i];
        char name[32];
        snprintf(name, sizeof name, "demo-%s", demo_roles[i]);
        rc = tk_account_add(store, &local, name, demo_roles[i], "demo", p, strlen(p), err);
    }
    tk_account_store_close(store);
    return rc;
}

/* Serves data over HTTPS on 127.0.0.1:port until SIGINT or SIGTERM. */
static int serve_demo(const char *data, uint16_t port, const char *given)
{
    tk_error err = {0, ""};
    char pw[NROLES][64];
    tk_selfcert_info cert;
    char tls[4200];
    snprintf(tls, sizeof tls, "%s/.tls", data);
    int rc = tk_selfcert_ensure(tls, (int64_t)time(NULL), &cert, &err);
    if (rc == TK_OK)
        rc = add_accounts(data, given, pw, &err);
    char *cert_pem = NULL, *key_pem = NULL;
    if (rc == TK_OK && (cert_pem = read_small(cert.cert_path, &err)) == NULL)
        rc = err.code;
    if (rc == TK_OK && (key_pem = read_small(cert.key_path, &err)) == NULL)
        rc = err.code;
    if (rc != TK_OK) {
        free(cert_pem);
        tk_cli_report("demo", &err);
        return TK_EXIT_FAIL;
    }

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    tk_server_options o = TK_SERVER_OPTIONS_INIT;
    o.data_dir = data;
    o.address = "127.0.0.1";
    o.port = port;
    o.cert_pem = cert_pem;
    o.key_pem = key_pem;
    tk_server *s = NULL;
    rc = tk_server_start(&s, &o, &err);
    memset(key_pem, 0, strlen(key_pem));
    free(key_pem);
    free(cert_pem);
    if (rc != TK_OK) {
        tk_cli_report("demo", &err);
        return TK_EXIT_FAIL;
    }
    const unsigned p = (unsigned)tk_server_port(s);
    char qcert[4400];
    quote(cert.cert_path, qcert, sizeof qcert);
    printf("\nserving https://127.0.0.1:%u with tenant demo; data %s\n", p, data);
    printf("  certificate %s (%s, self-signed for localhost, 127.0.0.1 and ::1)\n", cert.cert_path,
           cert.reused ? "reused" : "new");
    printf("  SHA-256 fingerprint %s\n", cert.fingerprint);
    printf("accounts of tenant demo:\n");
    for (size_t i = 0; i < NROLES; i++)
        printf("  demo-%-10s %-9s %s\n", demo_roles[i], demo_roles[i], pw[i]);
    printf("try:\n  curl --cacert %s https://localhost:%u/healthz\n", qcert, p);
    printf("  curl --cacert %s -c jar -H 'Content-Type: application/json' --data "
           "'{\"name\":\"demo-analyst\",\"password\":\"%s\"}' "
           "https://localhost:%u/api/v1/session\n",
           qcert, given != NULL ? "PASSWORD" : pw[1], p);
    printf("stop with Ctrl-C\n");
    memset(pw, 0, sizeof pw);
    fflush(stdout);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    tk_server_stop(s);
    printf("stopped on %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return TK_EXIT_OK;
}

int tk_cli_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'd'},      {"seed", required_argument, NULL, 's'},
        {"staff", required_argument, NULL, 'f'},    {"residents", required_argument, NULL, 'r'},
        {"volume", required_argument, NULL, 'v'},   {"variant", required_argument, NULL, 'V'},
        {"serve", no_argument, NULL, 'S'},          {"port", required_argument, NULL, 'p'},
        {"password-stdin", no_argument, NULL, 'P'}, {NULL, 0, NULL, 0}};
    const char *dir = "./tenken-demo";
    tk_gencity_options city_opts = TK_GENCITY_OPTIONS_INIT;
    int c, st, serve = 0, pw_stdin = 0;
    long port = 8443;
    city_opts.seed = 1;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT("demo", demo_help, 0);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 's':
            if ((st = tk_cli_gencity_option("demo", &city_opts, "--seed", optarg)) >= 0)
                return st;
            break;
        case 'f':
            if ((st = tk_cli_gencity_option("demo", &city_opts, "--staff", optarg)) >= 0)
                return st;
            break;
        case 'r':
            if ((st = tk_cli_gencity_option("demo", &city_opts, "--residents", optarg)) >= 0)
                return st;
            break;
        case 'v':
            if ((st = tk_cli_gencity_option("demo", &city_opts, "--volume", optarg)) >= 0)
                return st;
            break;
        case 'V':
            if ((st = tk_cli_gencity_option("demo", &city_opts, "--variant", optarg)) >= 0)
                return st;
            break;
        case 'S':
            serve = 1;
            break;
        case 'p': {
            char *end = NULL;
            errno = 0;
            port = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno != 0 || port < 0 || port > 65535)
                return tk_cli_usage_error("demo", "--port needs a number from 0 to 65535, not '%s'",
                                          optarg);
            break;
        }
        case 'P':
            pw_stdin = 1;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    if (!serve && (pw_stdin || port != 8443))
        return tk_cli_usage_error("demo", "--port and --password-stdin need --serve");
    char given[TK_ACCOUNT_PASSWORD_MAX + 2] = "";
    if (pw_stdin) {
        tk_error perr = {0, ""};
        if (fgets(given, sizeof given, stdin) == NULL)
            given[0] = '\0';
        given[strcspn(given, "\r\n")] = '\0';
        if (tk_account_check_password("demo-uploader", given, strlen(given), &perr) != TK_OK)
            return tk_cli_usage_error("demo", "--password-stdin: %s", perr.msg);
    }
    if (prepare_dir(dir) != 0)
        return TK_EXIT_FAIL;

    const double t0 = now();
    char city[4096], data[4096];
    snprintf(city, sizeof city, "%s/city", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    printf("1/4 generating a synthetic city in %s (seed %llu)\n", city,
           (unsigned long long)city_opts.seed);
    fflush(stdout);
    city_opts.out = city;
    city_opts.progress = isatty(STDERR_FILENO);
    tk_gencity_result city_res;
    tk_error err = {0, ""};
    if (tk_gencity_run(&city_opts, &city_res, &err) != TK_OK) {
        tk_cli_report("demo", &err);
        return TK_EXIT_FAIL;
    }
    tk_cli_gencity_summary(&city_opts, &city_res);

    tk_tenant *t = NULL;
    printf("2/4 creating tenant 'demo' in %s and importing master data\n", data);
    fflush(stdout);
    int rc = tk_analysis_create_tenant(&t, data, "demo", &err);
    if (rc == TK_OK)
        rc = import_master(t, city, &err);
    if (rc != TK_OK) {
        tk_cli_report("demo", &err);
        tk_tenant_close(t);
        return TK_EXIT_FAIL;
    }
    printf("3/4 ingesting the logs listed in %s/manifest.csv\n", city);
    fflush(stdout);
    struct totals tot;
    memset(&tot, 0, sizeof tot);
    const double t1 = now();
    rc = ingest_manifest(t, city, &tot, isatty(STDERR_FILENO), &err);
    const double t2 = now();
    int64_t events = 0;
    if (rc == TK_OK)
        rc = tk_store_count_events(tk_tenant_db(t), &events, &err);
    if (rc != TK_OK) {
        tk_cli_report("demo", &err);
        tk_tenant_close(t);
        return TK_EXIT_FAIL;
    }
    printf("  %zu of %zu files stored: %llu events, %.1f MB in %.1f s (%.0f MB/s)\n", tot.stored,
           tot.files, (unsigned long long)events, (double)tot.bytes / 1e6, t2 - t1,
           t2 > t1 ? (double)tot.bytes / 1e6 / (t2 - t1) : 0.0);
    printf("  unresolved identities: %llu users, %llu terminals (kept and counted per upload)\n",
           (unsigned long long)tot.unknown_users, (unsigned long long)tot.unknown_terminals);
    /* gen-city's inspection period is the last two calendar months of its
     * default range; everything before is the baseline. */
    const tk_period period = {tk_days_from_civil(2024, 10, 1), tk_days_from_civil(2024, 11, 30)};
    const char *P = "2024-10-01..2024-11-30";
    printf("4/4 analysing %s\n", P);
    fflush(stdout);
    tk_analysis_summary sum;
    rc = tk_analysis_run(t, &period, NULL, &sum, &err);
    if (rc != TK_OK) {
        tk_cli_report("demo", &err);
        tk_tenant_close(t);
        return TK_EXIT_FAIL;
    }
    /* The commands printed from here on run as printed, from this
     * directory: the data directory is named unless it is the default. */
    char qdata[4200], qcity[4200], dopt[4300] = "";
    quote(data, qdata, sizeof qdata);
    quote(city, qcity, sizeof qcity);
    if (!same_dir(data, tk_cli_data_dir(NULL)))
        snprintf(dopt, sizeof dopt, " --data %s", qdata);
    char where[4400];
    snprintf(where, sizeof where, "tenken anomalies%s --tenant demo --period %s --format json",
             dopt, P);
    printf("  %zu rule findings and %zu model anomalies (user-day %zu, terminal-day %zu, period "
           "%zu) ranked in %.1f s\n",
           sum.findings, sum.model_items + sum.terminal_items + sum.period_items, sum.model_items,
           sum.terminal_items, sum.period_items, sum.seconds);
    tk_cli_print_notes(sum.notes, "  ", where);
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    q.limit = 10;
    tk_anomalies_page page;
    tk_anomalies_item first;
    memset(&page, 0, sizeof page);
    memset(&first, 0, sizeof first);
    rc = tk_anomalies_list(tk_tenant_db(t), sum.run_id, &q, &page, &err);
    if (rc == TK_OK && page.n > 0) {
        printf("\nthe top %zu of %zu ranked items:\n\n", page.n, page.total);
        tk_cli_show_items(stdout, page.items, page.n, "  ");
        printf("\n");
        rc = tk_anomalies_get(tk_tenant_db(t), sum.run_id, 1, &first, &err);
        if (rc == TK_OK)
            rc = tk_cli_show_item(stdout, tk_tenant_db(t), &first, P, 5, &err);
    }
    /* a model item to explain next, to show the other kind */
    long long next = page.n > 1 ? 2 : 1;
    for (size_t i = 0; i < page.n; i++) {
        if (page.items[i].model) {
            next = (long long)page.items[i].rank;
            break;
        }
    }
    tk_anomalies_item_dispose(&first);
    tk_anomalies_page_dispose(&page);
    tk_analysis_summary_dispose(&sum);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("demo", &err);
        return TK_EXIT_FAIL;
    }
    printf("\ndemo ready in %.1f s. To go further (tenken is on the PATH):\n", now() - t0);
    printf("  tenken anomalies%s --tenant demo --period %s --limit 20\n", dopt, P);
    printf("  tenken explain%s --tenant demo --period %s --format text %lld\n", dopt, P, next);
    printf("  tenken events%s --tenant demo --period %s --item 1\n", dopt, P);
    printf("  tenken uploads%s --tenant demo\n", dopt);
    printf("  tenken master list%s --tenant demo\n", dopt);
    printf("  tenken profile test %s/profiles/juki-vendor-a.json %s/logs/juki_2024-10.csv "
           "--rows 5\n",
           qcity, qcity);
    printf("  less %s/truth.csv    # the incidents the city hides\n", qcity);
    if (tot.stored != tot.files)
        return TK_EXIT_FAIL;
    if (serve)
        return serve_demo(data, (uint16_t)port, pw_stdin ? given : NULL);
    return TK_EXIT_OK;
}
