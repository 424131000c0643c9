/* api/cli_ingest.c -- `tenken ingest`, `tenken profile test`, `tenken uploads`.
 *
 * The commands are thin: they parse options, load the profile(s), call
 * tk_ingest_file per file and print. On a terminal ingestion draws a
 * progress line on stderr (rows, MB/s, ETA); otherwise it prints one summary
 * line per file on stdout, which is what scripts and logs want. */
#include <getopt.h>
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "api/jsonout.h"
#include "models/analysis.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/ingest.h"
#include "src/mask.h"
#include "src/profile.h"
#include "src/profstore.h"
#include "src/strmap.h"
#include "src/tenant.h"
#include "src/uploads.h"
#include "src/timefmt.h"

/* ---- formatting helpers ------------------------------------------------ */

static void fmt_count(uint64_t v, char *out, size_t cap)
{
    char tmp[32];
    const int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
}

static void fmt_jst(int64_t ms, char *out, size_t cap)
{
    char iso[TK_TIME_ISO_SIZE];
    tk_time_format_iso(ms, iso, sizeof iso);
    /* "2024-10-01T09:15:02.000+09:00" -> "2024-10-01 09:15:02" */
    snprintf(out, cap, "%.10s %.8s", iso, iso + 11);
}

/* ---- progress on a terminal ------------------------------------------- */

struct bar {
    const char *name;
    int active;
};

static void draw_progress(void *ctx, const tk_ingest_progress *p)
{
    struct bar *b = ctx;
    const double mb = (double)p->bytes_done / 1e6;
    const double rate = p->seconds > 0 ? mb / p->seconds : 0;
    const double frac = p->bytes_total ? (double)p->bytes_done / (double)p->bytes_total : 1;
    const double eta = rate > 0 ? ((double)p->bytes_total / 1e6 - mb) / rate : 0;
    char rows[32];
    fmt_count(p->rows, rows, sizeof rows);
    char bar[21];
    const int filled = (int)(frac * 20);
    for (int i = 0; i < 20; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[20] = '\0';
    fprintf(stderr, "\r\033[K%s [%s] %3.0f%%  %s rows  %.1f MB/s  ETA %d:%02d", b->name, bar,
            frac * 100, rows, rate, (int)eta / 60, (int)eta % 60);
    if (p->rows_rejected)
        fprintf(stderr, "  %llu bad", (unsigned long long)p->rows_rejected);
    fflush(stderr);
    b->active = 1;
}

/* ---- profiles: a file, a directory, or a stored profile ---------------- */

struct profiles {
    tk_profile **p;
    size_t n;
};

static void profiles_free(struct profiles *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        tk_profile_destroy(ps->p[i]);
    tk_free(ps->p);
}

int tk_cli_is_stored_name(const char *arg)
{
    struct stat sb;
    const size_t n = strlen(arg);
    return n > 0 && n <= 64 && strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n &&
           stat(arg, &sb) != 0;
}

/* Loads --profile ARG: a file, a directory of *.json files, or (no such
 * file) the stored profile of t named ARG. */
static int load_profiles(struct profiles *ps, const char *path, tk_tenant *t, tk_error *err)
{
    struct stat sb;
    memset(ps, 0, sizeof *ps);
    if (tk_cli_is_stored_name(path) || stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        ps->p = tk_calloc(1, sizeof *ps->p);
        if (ps->p == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory");
        int rc;
        if (tk_cli_is_stored_name(path)) {
            rc = tk_profstore_get(t, path, &ps->p[0], err);
            if (rc == TK_ENOTFOUND && err != NULL) {
                char why[sizeof err->msg];
                snprintf(why, sizeof why, "%s", err->msg);
                rc = tk_error_set(err, TK_ENOTFOUND,
                                  "%s: no such profile file, and %s (see 'tenken profile list')",
                                  path, why);
            }
        } else {
            rc = tk_profile_load(&ps->p[0], path, err);
        }
        if (rc == TK_OK)
            ps->n = 1;
        return rc;
    }
    DIR *d = opendir(path);
    if (d == NULL)
        return tk_error_set(err, TK_EIO, "cannot read directory %s", path);
    struct dirent *e;
    int rc = TK_OK;
    while ((e = readdir(d)) != NULL && rc == TK_OK) {
        const size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0 || strstr(e->d_name, ".map.json"))
            continue;
        tk_profile **np = tk_realloc(ps->p, (ps->n + 1) * sizeof *np);
        if (np == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory");
            break;
        }
        ps->p = np;
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, e->d_name);
        rc = tk_profile_load(&ps->p[ps->n], full, err);
        if (rc == TK_OK)
            ps->n++;
    }
    closedir(d);
    if (rc == TK_OK && ps->n == 0)
        rc = tk_error_set(err, TK_ENOTFOUND, "no profiles (*.json) in %s", path);
    return rc;
}

/* The profile for file: the only one, or the one tk_profstore_pick()
 * chooses by file name, else by the header in the file's first bytes. */
static const tk_profile *pick_profile(const struct profiles *ps, const char *file, tk_error *err)
{
    if (ps->n == 1)
        return ps->p[0];
    char head[16384];
    size_t len = 0;
    FILE *f = fopen(file, "rb");
    if (f != NULL) {
        len = fread(head, 1, sizeof head, f);
        fclose(f);
    }
    size_t i = 0;
    if (tk_profstore_pick((const tk_profile *const *)ps->p, ps->n, file, f ? head : NULL, len, &i,
                          err) != TK_OK)
        return NULL;
    return ps->p[i];
}

/* ---- standard input ------------------------------------------------------ */

/* `tenken ingest -`: the file read from stdin, as a tk_ingest_source. The
 * first bytes may have been read already to pick a profile (head), and
 * are given to the ingestion first. */
struct stdin_src {
    char head[16384];
    size_t head_len, head_at;
};

static long stdin_read(void *ctx, char *buf, size_t cap, tk_error *err)
{
    struct stdin_src *s = ctx;
    if (s->head_at < s->head_len) {
        size_t n = s->head_len - s->head_at;
        n = n < cap ? n : cap;
        memcpy(buf, s->head + s->head_at, n);
        s->head_at += n;
        return (long)n;
    }
    const size_t n = fread(buf, 1, cap, stdin);
    if (n == 0 && ferror(stdin)) {
        tk_error_set(err, TK_EIO, "cannot read standard input");
        return -1;
    }
    return (long)n;
}

/* Ingests standard input as the file name (borrowed): the profile is the
 * only one, or the one picked by name, else by the header in the first
 * bytes read. */
static int ingest_stdin(tk_tenant *t, const struct profiles *ps, const char *name,
                        const tk_ingest_options *opt, tk_ingest_result *res, tk_error *err)
{
    struct stdin_src *s = tk_calloc(1, sizeof *s);
    size_t i = 0;
    int rc = TK_OK;
    memset(res, 0, sizeof *res);
    if (s == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    if (ps->n > 1) {
        size_t n;
        while (s->head_len < sizeof s->head &&
               (n = fread(s->head + s->head_len, 1, sizeof s->head - s->head_len, stdin)) > 0)
            s->head_len += n;
        rc = tk_profstore_pick((const tk_profile *const *)ps->p, ps->n, name, s->head, s->head_len,
                               &i, err);
    }
    if (rc == TK_OK) {
        const tk_ingest_source src = {name, -1, stdin_read, s};
        rc = tk_ingest_stream(t, ps->p[i], &src, opt, res, err);
    }
    tk_free(s);
    return rc;
}

/* ---- tenken ingest ------------------------------------------------------ */

static const char ingest_help[] =
    "usage: tenken ingest --tenant T --profile PROFILE FILE... [--lenient] [--quiet]\n"
    "                     [--no-wait] [--data DIR]\n"
    "       tenken ingest --tenant T --profile PROFILE --name NAME - [options]\n"
    "\n"
    "Streams CSV log files into tenant T's event store; '-' reads one file from\n"
    "standard input, recorded under the name --name gives. Each file is stored whole\n"
    "or not at all: a bad row rejects the file and nothing of it is stored; the\n"
    "bad rows are listed in a row-level error report (see 'tenken uploads').\n"
    "A file identical to one already stored (same SHA-256) is not stored again.\n"
    "One command writes to a tenant at a time: while another one does, ingest\n"
    "waits for it before reading any file, saying so on stderr.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant, created with 'tenken init' (required)\n"
    "  --profile PROFILE     a source profile (JSON, docs/profiles.md), a\n"
    "                        directory of profiles, each FILE taking the one whose\n"
    "                        match.filename matches its name (else whose\n"
    "                        match.header its header), or, when no file of that\n"
    "                        name exists, the name of a profile stored in T\n"
    "                        ('tenken profile add') (required)\n"
    "  --name NAME           the file name recorded for '-' (standard input), which\n"
    "                        also picks the profile among several (required with\n"
    "                        '-', refused without it)\n"
    "  --lenient             store the good rows of a file with bad rows and list\n"
    "                        the bad ones (default: a bad row rejects the file)\n"
    "  --quiet               nothing on stdout: only failures and warnings, on\n"
    "                        stderr (default: a line per file, and a progress line\n"
    "                        on stderr when it is a terminal)\n" TK_CLI_HELP_NO_WAIT
        TK_CLI_HELP_DATA TK_CLI_HELP_HELP "\n"
    "exit status: 0 every file stored (or already stored), 1 a file was rejected\n"
    "or failed, or its row-level error report could not be written, 75 another\n"
    "command is writing to the tenant (--no-wait), 2 usage error\n";

/* The message of a failed file without the path it starts with, for a
 * line that already shows the path. */
static const char *without_path(const char *path, const char *msg)
{
    const size_t pl = strlen(path);
    if (strncmp(msg, path, pl) == 0 && msg[pl] == ':' && msg[pl + 1] == ' ')
        return msg + pl + 2;
    return msg;
}

/* Warnings and, with --quiet, failures: stderr only. */
static void report_result(const char *path, int rc, const tk_ingest_result *r, const tk_error *err,
                          int quiet)
{
    if (rc == TK_OK && r->warning[0])
        fprintf(stderr, "tenken ingest: warning: %s: %s\n", path, r->warning);
    if (rc == TK_OK && r->report_error[0])
        fprintf(stderr, "tenken ingest: warning: %s: %s\n", path, r->report_error);
    if (quiet && rc != TK_OK && rc != TK_EEXISTS) {
        fprintf(stderr, "tenken ingest: %s: %s\n", path, without_path(path, err->msg));
        if (r->error_report[0])
            fprintf(stderr, "tenken ingest: %s: row-level errors: %s\n", path, r->error_report);
    }
}

static void print_result(const char *path, int rc, const tk_ingest_result *r, const tk_error *err)
{
    char rows[32], bad[32];
    fmt_count(r->rows_accepted, rows, sizeof rows);
    fmt_count(r->rows_rejected, bad, sizeof bad);
    if (rc == TK_OK) {
        printf("%-8s %s  %s rows", r->status, path, rows);
        if (r->rows_rejected && r->error_report[0])
            printf(" (%s bad rows not stored; report: %s)", bad, r->error_report);
        else if (r->rows_rejected)
            printf(" (%s bad rows not stored; row-level error report not written)", bad);
        printf("  %s  %.1f MB/s  %.1f s  upload #%lld", r->encoding,
               r->seconds > 0 ? (double)r->bytes / 1e6 / r->seconds : 0.0, r->seconds,
               (long long)r->upload_id);
        if (r->unknown_users || r->unknown_terminals)
            printf("  unknown: %llu users, %llu terminals", (unsigned long long)r->unknown_users,
                   (unsigned long long)r->unknown_terminals);
        printf("\n");
    } else if (rc == TK_EEXISTS) {
        printf("%-8s %s  identical to upload #%lld; not stored again\n", "skipped", path,
               (long long)r->duplicate_of);
    } else {
        /* The message starts with the path for standalone use; the line
         * already shows it. */
        printf("%-8s %s  %s\n", "rejected", path, without_path(path, err->msg));
        if (r->error_report[0])
            printf("         row-level errors: %s\n", r->error_report);
    }
    fflush(stdout);
}

int tk_cli_ingest(int argc, char **argv)
{
    static const struct option longopts[] = {{"profile", required_argument, NULL, 'p'},
                                             {"lenient", no_argument, NULL, 'l'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"name", required_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};
    const char *profile = NULL, *name = NULL;
    int lenient = 0, quiet = 0, c;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(
        "ingest", ingest_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_NOWAIT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'p':
            profile = optarg;
            break;
        case 'l':
            lenient = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'n':
            name = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error("ingest", "--tenant is required");
    if (profile == NULL)
        return tk_cli_usage_error("ingest", "--profile is required");
    if (optind >= argc)
        return tk_cli_usage_error("ingest", "no files given");
    int from_stdin = 0;
    for (int i = optind; i < argc; i++)
        from_stdin += strcmp(argv[i], "-") == 0;
    if (from_stdin && argc - optind > 1)
        return tk_cli_usage_error("ingest", "'-' (standard input) is the only file when given");
    if (from_stdin && name == NULL)
        return tk_cli_usage_error("ingest", "'-' needs --name NAME, the file name to record");
    if (!from_stdin && name != NULL)
        return tk_cli_usage_error("ingest", "--name names standard input ('-') only");
    if (name != NULL && (name[0] == '\0' || strchr(name, '/') != NULL))
        return tk_cli_usage_error("ingest", "--name is a file name without '/'");

    tk_error err = {0, ""};
    struct profiles ps;
    tk_tenant *t = NULL;
    int status = TK_EXIT_OK;
    memset(&ps, 0, sizeof ps);
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, 0, &err);
    if (rc == TK_OK)
        rc = load_profiles(&ps, profile, t, &err);
    if (rc != TK_OK) {
        tk_tenant_close(t);
        tk_cli_report("ingest", &err);
        profiles_free(&ps);
        return TK_EXIT_FAIL;
    }
    /* The writer lock before any file is read: a second writer waits here
     * (or is refused), never after its work. */
    {
        char what[300];
        const char *first = strrchr(argv[optind], '/');
        if (from_stdin)
            snprintf(what, sizeof what, "ingest of %s (standard input)", name);
        else if (argc - optind == 1)
            snprintf(what, sizeof what, "ingest of %s", first ? first + 1 : argv[optind]);
        else
            snprintf(what, sizeof what, "ingest of %d files", argc - optind);
        status = tk_cli_lock_writer("ingest", t, what, a.nowait);
        if (status != TK_EXIT_OK) {
            tk_tenant_close(t);
            profiles_free(&ps);
            return status;
        }
    }
    const int tty = !quiet && isatty(STDERR_FILENO);
    for (int i = optind; i < argc; i++) {
        const char *path = from_stdin ? name : argv[i];
        tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
        tk_ingest_result res;
        struct bar bar = {path, 0};
        opt.lenient = lenient;
        if (tty) {
            opt.progress = draw_progress;
            opt.progress_ctx = &bar;
        }
        tk_error_clear(&err);
        const tk_profile *p = from_stdin ? NULL : pick_profile(&ps, path, &err);
        if (from_stdin) {
            rc = ingest_stdin(t, &ps, name, &opt, &res, &err);
        } else if (p == NULL) {
            memset(&res, 0, sizeof res);
            rc = err.code;
        } else {
            rc = tk_ingest_file(t, p, path, &opt, &res, &err);
        }
        if (bar.active)
            fprintf(stderr, "\r\033[K");
        if (!quiet)
            print_result(path, rc, &res, &err);
        report_result(path, rc, &res, &err, quiet);
        if ((rc != TK_OK && rc != TK_EEXISTS) || res.report_error[0])
            status = TK_EXIT_FAIL;
    }
    tk_tenant_close(t);
    profiles_free(&ps);
    return status;
}

/* ---- tenken profile test ----------------------------------------------- */

#define PROFILE_USAGE_TEST                                                                         \
    "tenken profile test PROFILE FILE [--rows N] [--format table|json]\n"                          \
    "                           [--tenant T] [--data DIR]\n"
#define PROFILE_USAGE_ADD  "tenken profile add --tenant T PROFILE.json [--data DIR]\n"
#define PROFILE_USAGE_LIST "tenken profile list --tenant T [--format table|json] [--data DIR]\n"
#define PROFILE_USAGE_SHOW "tenken profile show --tenant T NAME [--version N] [--data DIR]\n"
#define PROFILE_USAGE_HISTORY                                                                      \
    "tenken profile history --tenant T NAME [--format table|json] [--data DIR]\n"
#define PROFILE_USAGE_RM "tenken profile rm --tenant T NAME [--data DIR]\n"
#define PROFILE_HELP_TENANT                                                                        \
    "  --tenant T            the tenant whose stored profiles are meant (required)\n"
#define PROFILE_HELP_FORMAT                                                                        \
    "  --format table|json   a table, or the JSON the service answers (default:\n"                 \
    "                        table)\n"

static const char profile_help[] =
    "usage: " PROFILE_USAGE_TEST "       " PROFILE_USAGE_ADD "       " PROFILE_USAGE_LIST
    "       " PROFILE_USAGE_SHOW "       " PROFILE_USAGE_HISTORY "       " PROFILE_USAGE_RM "\n"
    "Tries a source profile (docs/profiles.md) on a log file without storing\n"
    "anything, and keeps a tenant's source profiles in its database as versions\n"
    "(every change a new version, the newest in force), for 'tenken ingest\n"
    "--profile NAME' and the service.\n"
    "\n"
    "actions:\n"
    "  test     apply a profile to FILE; print events and problems\n"
    "  add      store PROFILE.json as the next version of the profile it names\n"
    "  list     the stored profiles in force\n"
    "  show     the JSON of a stored profile (the version in force, or --version)\n"
    "  history  every version of a stored profile, deleted ones included\n"
    "  rm       delete a stored profile (its versions stay in its history)\n"
    "\n"
    "Run 'tenken profile ACTION --help' (or 'tenken help profile ACTION') for an\n"
    "action's options.\n" TK_CLI_HELP_EXIT;

static const char profile_test_help[] =
    "usage: " PROFILE_USAGE_TEST "\n"
    "Applies the source profile PROFILE to FILE without storing anything:\n"
    "prints the first N canonical events and every problem found in the whole\n"
    "file, with record, line and column. Resident identifiers are shown masked.\n"
    "PROFILE is a profile file, or, when no file of that name exists, the name\n"
    "of a profile stored in tenant T ('tenken profile add').\n"
    "\n"
    "options:\n"
    "  --rows N              how many events to print (default: 10)\n"
    "  --format table|json   one line per event, or one JSON object per line\n"
    "                        (default: table)\n"
    "  --tenant T            resolve users and terminals through T's master data as\n"
    "                        ingest would, and say whether each is a known staff\n"
    "                        member or a registered terminal (T is only read;\n"
    "                        default: no resolution); also where a PROFILE that is\n"
    "                        a stored name is read from\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP "\n"
    "exit status: 0 the profile fits every row, 1 problems were found (or a file\n"
    "cannot be read), 2 usage error\n";

static const char profile_add_help[] =
    "usage: " PROFILE_USAGE_ADD "\n"
    "Validates PROFILE.json as ingest would and stores it in tenant T as the next\n"
    "version of the profile it names (its \"profile\" key); that version is then\n"
    "in force. Text identical to the version in force is not stored again.\n"
    "\n"
    "options:\n" PROFILE_HELP_TENANT TK_CLI_HELP_DATA TK_CLI_HELP_HELP "\n"
    "exit status: 0 stored (or unchanged), 1 the profile is not valid (the\n"
    "message names the key) or cannot be stored, 2 usage error\n";

static const char profile_list_help[] =
    "usage: " PROFILE_USAGE_LIST "\n"
    "Lists the profiles stored in tenant T with the version in force: when and\n"
    "by whom it was stored, and the systems it maps events to.\n"
    "\n"
    "options:\n" PROFILE_HELP_TENANT PROFILE_HELP_FORMAT TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

static const char profile_show_help[] =
    "usage: " PROFILE_USAGE_SHOW "\n"
    "Prints the JSON of stored profile NAME as it was stored: the version in\n"
    "force, or version N (deleted profiles' versions too).\n"
    "\n"
    "options:\n" PROFILE_HELP_TENANT
    "  --version N           the version to print (default: the newest)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static const char profile_history_help[] =
    "usage: " PROFILE_USAGE_HISTORY "\n"
    "Lists every version of stored profile NAME, newest first: when and by whom\n"
    "it was stored, and whether it is in force, replaced or deleted.\n"
    "\n"
    "options:\n" PROFILE_HELP_TENANT PROFILE_HELP_FORMAT TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

static const char profile_rm_help[] =
    "usage: " PROFILE_USAGE_RM "\n"
    "Deletes stored profile NAME: it is no longer listed, selected or usable by\n"
    "name, while 'tenken profile history' and 'show --version' still read its\n"
    "versions. Adding it again makes it live again as its next version.\n"
    "\n"
    "options:\n" PROFILE_HELP_TENANT TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

/* The table's columns; staff and registered only with --tenant. */
enum {
    C_RECORD,
    C_TIME,
    C_SYSTEM,
    C_USER,
    C_STAFF,
    C_TERMINAL,
    C_REG,
    C_OP,
    C_FUNCTION,
    C_SUBJECT,
    C_RESULT,
    C_DETAILS,
    NCOL
};

static const char *const col_heading[NCOL] = {"record",   "time (JST)", "system",     "user",
                                              "staff",    "terminal",   "registered", "operation",
                                              "function", "subject",    "result",     "details"};

/* Rows and problems are held until the table is complete, so that its
 * columns line up and the problems follow it; at most this many problems
 * wait (a file of bad rows then ends the table early). */
#define HELD_PROBLEMS 1000

struct test_ctx {
    uint64_t rows_wanted;
    uint64_t shown;
    int json;
    uint64_t problems;
    const char *tenant; /* --tenant, or NULL */
    int resolves_user, resolves_terminal;
    char **cells; /* held rows, NCOL cells each */
    size_t nrows;
    char **held; /* problems waiting for the table */
    size_t nheld;
    int table_done;
    tk_strmap *users, *terminals; /* distinct values -> resolved (with --tenant) */
    int oom;
};

static char *dup_text(const char *s)
{
    return tk_strndup(s, strlen(s));
}

static void view_text(const tk_view *v, char *out, size_t cap)
{
    if (v->p == NULL)
        snprintf(out, cap, "-");
    else
        snprintf(out, cap, "%.*s", (int)v->len, v->p);
}

static void print_table(struct test_ctx *tc)
{
    size_t w[NCOL];
    int used[NCOL];
    for (size_t c = 0; c < NCOL; c++) {
        used[c] = c != C_STAFF && c != C_REG ? 1 : tc->tenant != NULL;
        w[c] = tk_cli_width(col_heading[c]);
    }
    used[C_DETAILS] = 0;
    for (size_t r = 0; r < tc->nrows; r++) {
        for (size_t c = 0; c < NCOL; c++) {
            const size_t cw = tk_cli_width(tc->cells[r * NCOL + c]);
            w[c] = cw > w[c] ? cw : w[c];
        }
        used[C_DETAILS] |= tc->cells[r * NCOL + C_DETAILS][0] != '\0';
    }
    for (size_t r = 0; r <= tc->nrows; r++) {
        size_t pad = 0;
        for (size_t c = 0; c < NCOL; c++) {
            if (!used[c])
                continue;
            const char *s = r == 0 ? col_heading[c] : tc->cells[(r - 1) * NCOL + c];
            const size_t sw = tk_cli_width(s);
            if (c == C_DETAILS && s[0] == '\0')
                break;
            if (c == C_RECORD) {
                printf("%*s%s", (int)(w[c] - sw), "", s);
            } else {
                printf("%*s%s", (int)pad, "", s);
            }
            pad = c == C_RECORD ? 2 : w[c] - sw + 2;
            if (c == C_DETAILS)
                break;
        }
        printf("\n");
    }
}

/* Ends the table: prints it and then the problems that waited for it. */
static void finish_table(struct test_ctx *tc)
{
    if (tc->table_done)
        return;
    tc->table_done = 1;
    if (tc->nrows > 0)
        print_table(tc);
    for (size_t i = 0; i < tc->nrows * NCOL; i++)
        tk_free(tc->cells[i]);
    tk_free(tc->cells);
    tc->cells = NULL;
    tc->nrows = 0;
    for (size_t i = 0; i < tc->nheld; i++) {
        printf("problem: %s\n", tc->held[i]);
        tk_free(tc->held[i]);
    }
    tk_free(tc->held);
    tc->held = NULL;
    tc->nheld = 0;
}

/* Records value p[0..len) as seen, with whether it resolved. */
static void note_identity(struct test_ctx *tc, tk_strmap *m, const tk_view *v, int resolved)
{
    if (m == NULL || v->p == NULL || tk_strmap_get(m, v->p, v->len) != NULL)
        return;
    if (tk_strmap_put(m, v->p, v->len, resolved, NULL, NULL) != TK_OK)
        tc->oom = 1;
}

static void json_view(json_t *o, const char *key, const tk_view *v)
{
    if (v->p)
        json_object_set_new(o, key, json_stringn(v->p, v->len));
}

static int test_event(void *ctx, uint64_t record, const tk_event *ev)
{
    struct test_ctx *tc = ctx;
    if (tc->tenant != NULL) {
        note_identity(tc, tc->users, &ev->user, ev->user_resolved);
        note_identity(tc, tc->terminals, &ev->terminal, ev->terminal_resolved);
    }
    if (tc->shown >= tc->rows_wanted || tc->table_done)
        return 0;
    tc->shown++;
    char when[32], subj[TK_MASK_SIZE] = "-";
    fmt_jst(ev->t, when, sizeof when);
    if (ev->subject.p)
        tk_mask_value(ev->subject.p, ev->subject.len, subj);
    if (tc->json) {
        json_t *o = json_object();
        json_object_set_new(o, "record", json_integer((json_int_t)record));
        char iso[TK_TIME_ISO_SIZE];
        tk_time_format_iso(ev->t, iso, sizeof iso);
        json_object_set_new(o, "time", json_string(iso));
        json_view(o, "system", &ev->system);
        json_view(o, "user", &ev->user);
        json_object_set_new(o, "user_resolved", json_boolean(ev->user_resolved));
        json_view(o, "terminal", &ev->terminal);
        if (ev->terminal.p)
            json_object_set_new(o, "terminal_resolved", json_boolean(ev->terminal_resolved));
        json_view(o, "terminal_address", &ev->terminal_address);
        json_object_set_new(o, "operation", json_string(tk_op_name(ev->op)));
        json_view(o, "function", &ev->function);
        if (ev->subject.p)
            json_object_set_new(o, "subject", json_string(subj));
        json_object_set_new(o, "result", json_string(ev->result ? "failure" : "success"));
        if (ev->has_count)
            json_object_set_new(o, "count", json_integer(ev->count));
        if (ev->mynumber >= 0)
            json_object_set_new(o, "mynumber", json_boolean(ev->mynumber));
        json_view(o, "file", &ev->file);
        if (ev->has_bytes)
            json_object_set_new(o, "bytes", json_integer(ev->bytes));
        json_view(o, "device", &ev->device);
        json_view(o, "serial", &ev->serial);
        json_view(o, "detail", &ev->detail);
        tk_cli_print_json(o, JSON_COMPACT);
        return 0;
    }
    char **row = tk_realloc(tc->cells, (tc->nrows + 1) * NCOL * sizeof *row);
    if (row == NULL) {
        tc->oom = 1;
        return 1;
    }
    tc->cells = row;
    row += tc->nrows * NCOL;
    char buf[1024], num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)record);
    row[C_RECORD] = dup_text(num);
    row[C_TIME] = dup_text(when);
    view_text(&ev->system, buf, sizeof buf);
    row[C_SYSTEM] = dup_text(buf);
    view_text(&ev->user, buf, sizeof buf);
    row[C_USER] = dup_text(buf);
    row[C_STAFF] = dup_text(!tc->resolves_user ? "-" : ev->user_resolved ? "yes" : "no");
    view_text(&ev->terminal, buf, sizeof buf);
    row[C_TERMINAL] = dup_text(buf);
    row[C_REG] = dup_text(!tc->resolves_terminal || ev->terminal.p == NULL ? "-"
                          : ev->terminal_resolved                          ? "yes"
                                                                           : "no");
    row[C_OP] = dup_text(tk_op_name(ev->op));
    view_text(&ev->function, buf, sizeof buf);
    row[C_FUNCTION] = dup_text(buf);
    row[C_SUBJECT] = dup_text(subj);
    row[C_RESULT] = dup_text(ev->result ? "failure" : "success");
    size_t n = 0;
    buf[0] = '\0';
#define DETAIL(...)                                                                                \
    do {                                                                                           \
        if (n < sizeof buf)                                                                        \
            n += (size_t)snprintf(buf + n, sizeof buf - n, __VA_ARGS__);                           \
    } while (0)
    if (ev->has_count)
        DETAIL("%scount=%lld", n ? " " : "", (long long)ev->count);
    if (ev->has_bytes)
        DETAIL("%sbytes=%lld", n ? " " : "", (long long)ev->bytes);
    if (ev->mynumber >= 0)
        DETAIL("%smynumber=%d", n ? " " : "", ev->mynumber);
    if (ev->terminal_address.p)
        DETAIL("%saddress=%.*s", n ? " " : "", (int)ev->terminal_address.len,
               ev->terminal_address.p);
    if (ev->device.p)
        DETAIL("%sdevice=%.*s", n ? " " : "", (int)ev->device.len, ev->device.p);
    if (ev->serial.p)
        DETAIL("%sserial=%.*s", n ? " " : "", (int)ev->serial.len, ev->serial.p);
    if (ev->file.p)
        DETAIL("%sfile=%.*s", n ? " " : "", (int)ev->file.len, ev->file.p);
#undef DETAIL
    row[C_DETAILS] = dup_text(buf);
    tc->nrows++;
    for (size_t c = 0; c < NCOL; c++) {
        if (row[c] == NULL)
            tc->oom = 1;
    }
    if (tc->oom)
        return 1;
    if (tc->shown == tc->rows_wanted)
        finish_table(tc);
    return 0;
}

static void test_problem(void *ctx, uint64_t record, uint64_t line, const char *column,
                         const char *message)
{
    struct test_ctx *tc = ctx;
    tc->problems++;
    if (tc->json) {
        json_t *o = json_pack("{s:s,s:I,s:I,s:s}", "problem", message, "record", (json_int_t)record,
                              "line", (json_int_t)line, "column", column ? column : "");
        tk_cli_print_json(o, JSON_COMPACT);
        return;
    }
    if (tc->table_done) {
        printf("problem: %s\n", message);
        return;
    }
    char **h = tk_realloc(tc->held, (tc->nheld + 1) * sizeof *h);
    char *m = h != NULL ? dup_text(message) : NULL;
    if (h != NULL)
        tc->held = h;
    if (m == NULL) {
        tc->oom = 1;
        finish_table(tc);
        printf("problem: %s\n", message);
        return;
    }
    tc->held[tc->nheld++] = m;
    if (tc->nheld == HELD_PROBLEMS)
        finish_table(tc);
}

struct unknown_list {
    const char *names[8];
    size_t n, unknown;
};

static void collect_unknown(void *ctx, const char *key, size_t len, int64_t value)
{
    struct unknown_list *u = ctx;
    (void)len;
    if (value != 0)
        return;
    if (u->n < 8)
        u->names[u->n++] = key;
    u->unknown++;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "2 of 3 users are staff (unknown: c9999)" for the distinct values of m. */
static void identity_summary(const tk_strmap *m, int resolves, const char *field,
                             const char *plural, const char *known_as, char *out, size_t cap)
{
    if (!resolves) {
        snprintf(out, cap, "%s not resolved (the profile's %s has no \"resolve\")", plural, field);
        return;
    }
    struct unknown_list u = {{NULL}, 0, 0};
    tk_strmap_each(m, collect_unknown, &u);
    const size_t total = tk_strmap_size(m);
    const int n =
        snprintf(out, cap, "%zu of %zu %s %s", total - u.unknown, total, plural, known_as);
    if (u.unknown == 0 || n < 0 || (size_t)n >= cap)
        return;
    qsort(u.names, u.n, sizeof u.names[0], by_name);
    char list[400];
    tk_error_join(list, sizeof list, u.names, u.n);
    snprintf(out + n, cap - (size_t)n, " (unknown: %s%s)", list, u.unknown > u.n ? ", ..." : "");
}

static void free_held(struct test_ctx *tc)
{
    for (size_t i = 0; i < tc->nrows * NCOL; i++)
        tk_free(tc->cells[i]);
    tk_free(tc->cells);
    for (size_t i = 0; i < tc->nheld; i++)
        tk_free(tc->held[i]);
    tk_free(tc->held);
    tk_strmap_destroy(tc->users);
    tk_strmap_destroy(tc->terminals);
}

int tk_cli_profile(int argc, char **argv)
{
    static const struct option longopts[] = {{"rows", required_argument, NULL, 'r'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"version", required_argument, NULL, 'v'},
                                             {NULL, 0, NULL, 0}};
    /* Per action: its help, how many arguments it takes, and the options
     * it refuses (of rows, format, version). */
    static const struct {
        const char *name, *help;
        int nargs;
        int rows, format, version;
    } actions[] = {
        {"test", profile_test_help, 2, 1, 1, 0},       {"add", profile_add_help, 1, 0, 0, 0},
        {"list", profile_list_help, 0, 0, 1, 0},       {"show", profile_show_help, 1, 0, 0, 1},
        {"history", profile_history_help, 1, 0, 1, 0}, {"rm", profile_rm_help, 1, 0, 0, 0},
    };
    struct test_ctx tc;
    int64_t version = 0;
    int c, given_rows = 0, given_format = 0, given_version = 0;
    size_t ai = 0;
    memset(&tc, 0, sizeof tc);
    tc.rows_wanted = 10;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(profile_help, stdout);
        return TK_EXIT_OK;
    }
    while (argc >= 2 && ai < sizeof actions / sizeof actions[0] &&
           strcmp(argv[1], actions[ai].name) != 0)
        ai++;
    if (argc < 2 || ai == sizeof actions / sizeof actions[0])
        return tk_cli_usage_error("profile",
                                  "expected an action: test, add, list, show, history or rm");
    const char *const action = actions[ai].name;
    argc--;
    argv++;
    tk_cliutil_args a =
        TK_CLIUTIL_ARGS_INIT("profile", actions[ai].help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'r': {
            char *end = NULL;
            const unsigned long long v = strtoull(optarg, &end, 10);
            given_rows = 1;
            if (*optarg == '\0' || *end != '\0' || optarg[0] == '-')
                return tk_cli_usage_error("profile", "--rows needs a number, not '%s'", optarg);
            tc.rows_wanted = v;
            break;
        }
        case 'f':
            given_format = 1;
            if ((tc.json = tk_cliutil_choice("profile", "--format", optarg, "table|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        case 'v': {
            char *end = NULL;
            given_version = 1;
            version = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || version < 1)
                return tk_cli_usage_error("profile", "--version needs a version number, not '%s'",
                                          optarg);
            break;
        }
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    tc.tenant = a.tenant;
    if ((given_rows && !actions[ai].rows) || (given_format && !actions[ai].format) ||
        (given_version && !actions[ai].version))
        return tk_cli_usage_error("profile", "profile %s takes no --%s", action,
                                  given_rows && !actions[ai].rows       ? "rows"
                                  : given_format && !actions[ai].format ? "format"
                                                                        : "version");
    if (argc - optind != actions[ai].nargs)
        return tk_cli_usage_error("profile", "profile %s expects %s", action,
                                  ai == 0   ? "PROFILE and FILE"
                                  : ai == 1 ? "one PROFILE.json"
                                  : ai == 2 ? "no arguments"
                                            : "the profile's NAME");
    if (ai > 0) {
        if (tc.tenant == NULL)
            return tk_cli_usage_error("profile", "--tenant is required");
        return tk_cli_profile_store(action, tc.tenant, a.data, tc.json, version,
                                    ai == 2 ? NULL : argv[optind]);
    }
    const char *const file = argv[optind + 1];
    tk_error err = {0, ""};
    tk_profile *p = NULL;
    tk_tenant *t = NULL;
    int rc = TK_OK;
    if (tc.tenant != NULL)
        rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), tc.tenant, TK_TENANT_READONLY,
                                     &err);
    if (rc == TK_OK && t != NULL && tk_cli_is_stored_name(argv[optind]))
        rc = tk_profstore_get(t, argv[optind], &p, &err);
    else if (rc == TK_OK)
        rc = tk_profile_load(&p, argv[optind], &err);
    if (rc == TK_OK && tc.tenant != NULL) {
        if (rc == TK_OK)
            rc = tk_strmap_create(&tc.users, &err);
        if (rc == TK_OK)
            rc = tk_strmap_create(&tc.terminals, &err);
        tc.resolves_user = p != NULL && tk_profile_resolves(p, TK_RESOLVE_STAFF);
        tc.resolves_terminal = p != NULL && tk_profile_resolves(p, TK_RESOLVE_TERMINAL);
    }
    tk_ingest_result res;
    if (rc == TK_OK) {
        tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
        opt.dry_run = 1;
        opt.lenient = 1;
        opt.on_event = test_event;
        opt.on_problem = test_problem;
        opt.event_ctx = &tc;
        rc = tk_ingest_file(t, p, file, &opt, &res, &err);
        if (rc == TK_OK && tc.oom)
            rc = tk_error_set(&err, TK_ENOMEM, "out of memory");
    }
    if (rc != TK_OK) {
        tk_cli_report("profile", &err);
        free_held(&tc);
        tk_tenant_close(t);
        tk_profile_destroy(p);
        return TK_EXIT_FAIL;
    }
    char users[600] = "", terminals[600] = "";
    if (t != NULL) {
        identity_summary(tc.users, tc.resolves_user, "user", "users", "are staff", users,
                         sizeof users);
        identity_summary(tc.terminals, tc.resolves_terminal, "terminal", "terminals",
                         "are registered", terminals, sizeof terminals);
    }
    if (tc.json) {
        json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:s}", "profile", tk_profile_name(p),
                              "encoding", res.encoding, "rows", (json_int_t)res.rows_total, "good",
                              (json_int_t)res.rows_accepted, "problems",
                              (json_int_t)res.rows_rejected, "sha256", res.sha256);
        if (t != NULL) {
            json_object_set_new(o, "tenant", json_string(tk_tenant_name(t)));
            json_object_set_new(o, "users", json_string(users));
            json_object_set_new(o, "terminals", json_string(terminals));
            json_object_set_new(o, "rows_in_delivered_periods",
                                json_integer((json_int_t)res.rows_delivered));
        }
        if (res.warning[0])
            json_object_set_new(o, "warning", json_string(res.warning));
        tk_cli_print_json(o, JSON_COMPACT);
    } else {
        finish_table(&tc);
        char rows[32];
        fmt_count(res.rows_total, rows, sizeof rows);
        printf("%s: %s rows, %llu with problems; encoding %s; profile %s\n", file, rows,
               (unsigned long long)res.rows_rejected, res.encoding, tk_profile_name(p));
        if (t != NULL)
            printf("tenant %s: %s; %s\n", tk_tenant_name(t), users, terminals);
    }
    if (res.warning[0])
        fprintf(stderr, "tenken profile: warning: %s: %s\n", file, res.warning);
    free_held(&tc);
    tk_tenant_close(t);
    tk_profile_destroy(p);
    return res.rows_rejected ? TK_EXIT_FAIL : TK_EXIT_OK;
}

/* ---- tenken uploads ---------------------------------------------------- */

static const char uploads_help[] =
    "usage: tenken uploads --tenant T [--status S] [--format table|json] [--data DIR]\n"
    "       tenken uploads delete ID --tenant T [--data DIR]\n"
    "\n"
    "Lists what was uploaded to tenant T, oldest first: file, size, SHA-256,\n"
    "profile, encoding detected, rows accepted / rejected, time range, status,\n"
    "who uploaded it (an account, or cli:LOGIN for 'tenken ingest'; - before\n"
    "this was recorded) and where the row-level error report is.\n"
    "\n"
    "'delete ID' deletes upload ID and the events it stored (and its error\n"
    "report); refused when some of its events lie in a delivered period, or\n"
    "while another writer holds the tenant.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --status S            only uploads of status stored, partial or rejected\n"
    "  --format table|json   a table, or a JSON array (default: table)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static void print_upload_row(const tk_upload_info *u)
{
    char from[32] = "", to[32] = "", range[80] = "-";
    if (u->has_range) {
        fmt_jst(u->t_min, from, sizeof from);
        fmt_jst(u->t_max, to, sizeof to);
        snprintf(range, sizeof range, "%.16s..%.16s", from, to);
    }
    printf("%4lld  %-28.28s %10lld  %-12.12s  %-16.16s %-8s %10llu %8llu  %-33s  %-8s  %s\n",
           (long long)u->id, u->file_name, (long long)u->size, u->sha256, u->profile,
           u->encoding[0] ? u->encoding : "-", (unsigned long long)u->rows_accepted,
           (unsigned long long)u->rows_rejected, range, u->status,
           u->uploaded_by[0] ? u->uploaded_by : "-");
    if (u->error_report[0])
        printf("      errors: %s\n", u->error_report);
    if (u->message[0])
        printf("      %s\n", u->message);
}

int tk_cli_uploads(int argc, char **argv)
{
    static const struct option longopts[] = {{"status", required_argument, NULL, 's'},
                                             {"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    tk_upload_filter filter = {NULL, 0, 0};
    int json = 0, c;
    tk_cliutil_args a =
        TK_CLIUTIL_ARGS_INIT("uploads", uploads_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 's':
            filter.status = optarg;
            break;
        case 'f':
            if ((json = tk_cliutil_choice("uploads", "--format", optarg, "table|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    int64_t del = 0;
    if (optind < argc && strcmp(argv[optind], "delete") == 0) {
        if (optind + 2 != argc || !tk_parse_i64(argv[optind + 1], strlen(argv[optind + 1]), &del) ||
            del < 1)
            return tk_cli_usage_error("uploads", "delete needs one upload id (a positive number)");
        optind = argc;
    }
    if (a.tenant == NULL)
        return tk_cli_usage_error("uploads", "--tenant is required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant,
                                     del ? 0 : TK_TENANT_READONLY, &err);
    if (rc != TK_OK) {
        tk_cli_report("uploads", &err);
        return TK_EXIT_FAIL;
    }
    if (del) {
        tk_actor actor;
        char who[TK_ACTOR_NAME_SIZE];
        tk_actor_local(&actor, who, sizeof who);
        rc = tk_uploads_delete(t, del, &actor, &err);
        tk_tenant_close(t);
        if (rc != TK_OK) {
            tk_cli_report("uploads", &err);
            return TK_EXIT_FAIL;
        }
        printf("upload #%lld deleted with its events\n", (long long)del);
        return TK_EXIT_OK;
    }
    /* Every upload, a page at a time. */
    json_t *arr = json ? json_array() : NULL;
    if (!json)
        printf("%4s  %-28s %10s  %-12s  %-16s %-8s %10s %8s  %-33s  %-8s  %s\n", "id", "file",
               "bytes", "sha256", "profile", "encoding", "accepted", "rejected", "time range (JST)",
               "status", "by");
    for (;;) {
        tk_upload_info *v = NULL;
        size_t n = 0;
        rc = tk_uploads_list(tk_tenant_db(t), &filter, &v, &n, NULL, &err);
        if (rc != TK_OK)
            break;
        for (size_t i = 0; i < n; i++) {
            if (json)
                json_array_append_new(
                    arr, tk_jsonout_upload(&v[i], v[i].error_report[0] ? v[i].error_report : NULL));
            else
                print_upload_row(&v[i]);
        }
        free(v);
        if (n < TK_UPLOADS_LIMIT_MAX)
            break;
        filter.offset += n;
    }
    tk_tenant_close(t);
    if (rc != TK_OK) {
        json_decref(arr);
        tk_cli_report("uploads", &err);
        return TK_EXIT_FAIL;
    }
    if (json)
        tk_cli_print_json(arr, JSON_INDENT(2));
    return TK_EXIT_OK;
}
