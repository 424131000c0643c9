/* api/cli_gencity.c -- `tenken gen-city`: the synthetic-city simulator's command line.
 *
 * Approach. The simulator is the library sim/ (sim/gencity.h); this file
 * only turns the command line into a tk_gencity_options, runs it and
 * prints the summary. The flags are parsed by hand, in order, so that an
 * error names the first bad argument exactly as it was written (with the
 * text after `=` or the next argument); each value is checked against its
 * range as it is read, and the options as a whole by tk_gencity_check(),
 * whose messages use the same flag names. `tenken demo` takes a few of the
 * same flags and parses their values with tk_cli_gencity_option(), so both
 * commands say the same about a bad value. */
#include "api/cli.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/gencity.h"
#include "src/checked.h"
#include "src/error.h"
#include "src/timefmt.h"

static const char usage_text[] =
    "usage: tenken gen-city --out DIR --seed N [--staff N] [--residents N]\n"
    "                       [--from DATE] [--to DATE] [--volume PCT]\n"
    "                       [--variant A|B] [--bulk-rows N] [--force] [--quiet]\n"
    "\n"
    "Writes a synthetic city into DIR: ~20 business-system logs per month in seven\n"
    "vendor layouts (logs/), terminal logon and removable-media logs, one source\n"
    "profile per log (profiles/), master data (master/), manifest.csv, truth.csv\n"
    "(injected incidents and hard negatives) and README.md. The same seed writes\n"
    "byte-identical files on any machine. See docs/gen-city.md for the layouts,\n"
    "incident kinds and hard negatives.\n"
    "\n"
    "options:\n"
    "  --out DIR             the output directory, created (required); it must\n"
    "                        not hold a generated city unless --force\n"
    "  --seed N              the random generator's seed, 0 .. 2^64-1 (required)\n"
    "  --staff N             staff members, 30 .. 5000 (default: 200)\n"
    "  --residents N         residents, 1000 .. 2000000 (default: 20000)\n"
    "  --from DATE           the first day, YYYY-MM-DD, 2020-01-01 .. 2099-12-31\n"
    "                        (default: 2024-04-01)\n"
    "  --to DATE             the last day, 28 days .. 3 years after --from\n"
    "                        (default: 2024-11-30); the last two calendar months\n"
    "                        are the inspection period\n"
    "  --volume PCT          business tasks per staff member and day, percent of\n"
    "                        the normal volume, 10 .. 2000 (default: 100)\n"
    "  --variant A|B         the city's configuration: A, the default city, or B,\n"
    "                        a city that differs (other 所属 proportions, a\n"
    "                        protection list without 担当所属, a calendar export\n"
    "                        with 所属-scoped open days, cases that last weeks,\n"
    "                        counts with thousands separators in 備考); see\n"
    "                        docs/gen-city.md (default: A)\n"
    "  --bulk-rows N         write only bulk/juki_bulk.csv with N rows, its profile\n"
    "                        and the staff and terminal masters, for the ingest\n"
    "                        benchmark (default: the whole city)\n"
    "  --force               write over a city in DIR: its files are overwritten,\n"
    "                        others left alone (default: refuse)\n"
    "  --quiet               no summary on stdout\n" TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static int parse_u64(const char *v, uint64_t *out)
{
    if (v[0] == '-' || v[0] == '+' || v[0] == '\0')
        return 0;
    uint64_t x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        const uint64_t digit = (uint64_t)(*p - '0');
        if (x > (UINT64_MAX - digit) / 10) /* x * 10 + digit would pass 2^64 - 1 */
            return 0;
        x = x * 10 + digit;
    }
    *out = x;
    return 1;
}

static int parse_date(const char *v, int64_t *out)
{
    int64_t y, m, d;
    if (strlen(v) != 10 || v[4] != '-' || v[7] != '-' || !tk_parse_i64(v, 4, &y) ||
        !tk_parse_i64(v + 5, 2, &m) || !tk_parse_i64(v + 8, 2, &d))
        return 0;
    if (y < 2020 || y > 2099 || m < 1 || m > 12 || d < 1 || d > tk_days_in_month((int)y, (int)m))
        return 0;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
            return 0;
    *out = tk_days_from_civil((int)y, (int)m, (int)d);
    return 1;
}

/* Options of one run. */
typedef struct opts {
    int force, quiet, have_seed, help;
} opts;

/* Applies the value of option o (index into names) to g. Returns -1 or a usage exit status. */
static int set_option(const char *cmd, tk_gencity_options *g, opts *op, size_t o, const char *name,
                      const char *val)
{
    uint64_t v;
    switch (o) {
    case 0:
        if (!*val)
            return tk_cli_usage_error(cmd, "--out needs a directory");
        g->out = val;
        return -1;
    case 1:
        if (!parse_u64(val, &g->seed))
            return tk_cli_usage_error(cmd, "--seed: expected a non-negative integer, got '%s'",
                                      val);
        op->have_seed = 1;
        return -1;
    case 2:
    case 3: {
        const uint64_t lo = o == 2 ? TK_GENCITY_MIN_STAFF : TK_GENCITY_MIN_RESIDENTS,
                       hi = o == 2 ? TK_GENCITY_MAX_STAFF : TK_GENCITY_MAX_RESIDENTS;
        if (!parse_u64(val, &v) || v < lo || v > hi)
            return tk_cli_usage_error(cmd, "%s: expected an integer from %llu to %llu, got '%s'",
                                      name, (unsigned long long)lo, (unsigned long long)hi, val);
        *(o == 2 ? &g->staff : &g->residents) = (size_t)v;
        return -1;
    }
    case 4:
    case 5:
        if (!parse_date(val, o == 4 ? &g->from : &g->to))
            return tk_cli_usage_error(
                cmd, "%s: expected a date YYYY-MM-DD between 2020-01-01 and 2099-12-31, got '%s'",
                name, val);
        return -1;
    case 6:
        if (!parse_u64(val, &v) || v < 10 || v > 2000)
            return tk_cli_usage_error(
                cmd, "--volume: expected a percentage from 10 to 2000, got '%s'", val);
        g->volume = v;
        return -1;
    case 8:
        if (strcmp(val, "A") != 0 && strcmp(val, "B") != 0)
            return tk_cli_usage_error(cmd, "--variant: expected A or B, got '%s'", val);
        g->variant = val[0] == 'B' ? TK_GENCITY_VARIANT_B : TK_GENCITY_VARIANT_A;
        return -1;
    default:
        if (!parse_u64(val, &g->bulk_rows) || g->bulk_rows == 0 ||
            g->bulk_rows > TK_GENCITY_MAX_BULK_ROWS)
            return tk_cli_usage_error(
                cmd, "--bulk-rows: expected an integer from 1 to 10000000000, got '%s'", val);
        return -1;
    }
}

/* Parses argv into g and op. Returns -1 to go on, or the exit status (usage error, --help). */
static int parse_args(int argc, char **argv, tk_gencity_options *g, opts *op)
{
    static const char *const names[] = {"--out", "--seed",   "--staff",     "--residents", "--from",
                                        "--to",  "--volume", "--bulk-rows", "--variant"};
    const char *cmd = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return TK_EXIT_OK;
        }
        if (strcmp(a, "--force") == 0 || strcmp(a, "--quiet") == 0) {
            *(a[2] == 'f' ? &op->force : &op->quiet) = 1;
            continue;
        }
        size_t o, nl = 0;
        for (o = 0; o < sizeof names / sizeof names[0]; o++) {
            nl = strlen(names[o]);
            if (strncmp(a, names[o], nl) == 0 && (a[nl] == '\0' || a[nl] == '='))
                break;
        }
        if (o == sizeof names / sizeof names[0])
            return tk_cli_usage_error(cmd, "unknown option '%s'", a);
        const char *val = a[nl] == '=' ? a + nl + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (val == NULL)
            return tk_cli_usage_error(cmd, "%s needs a value", names[o]);
        const int rc = set_option(cmd, g, op, o, names[o], val);
        if (rc >= 0)
            return rc;
    }
    return -1;
}

/* Checks the options together. Returns -1 if they make sense, else a usage exit status. */
static int check_args(const char *cmd, const tk_gencity_options *g, const opts *op)
{
    tk_error err;
    if (g->out == NULL)
        return tk_cli_usage_error(cmd, "--out DIR is required");
    if (!op->have_seed)
        return tk_cli_usage_error(cmd, "--seed N is required");
    if (tk_gencity_check(g, &err) != TK_OK)
        return tk_cli_usage_error(cmd, "%s", err.msg);
    return -1;
}

void tk_cli_gencity_summary(const tk_gencity_options *o, const tk_gencity_result *r)
{
    printf("gen-city: wrote %s (seed %llu%s)\n", o->out, (unsigned long long)o->seed,
           o->variant == TK_GENCITY_VARIANT_B ? ", variant B" : "");
    printf("  city: %zu staff, %zu residents in %zu households, %zu terminals\n", r->staff,
           r->residents, r->households, r->terminals);
    printf("  period: %s .. %s, inspection period %s .. %s\n", r->from, r->to, r->inspection_from,
           r->to);
    if (o->bulk_rows) {
        printf("  bulk: bulk/juki_bulk.csv, %zu rows\n", r->business_rows);
        return;
    }
    printf(
        "  files: %zu written, %zu log files with %zu rows (business %zu, logon %zu, media %zu)\n",
        r->files, r->log_files, r->rows, r->business_rows, r->logon_rows, r->media_rows);
    printf("  truth: %zu incidents of %zu kinds, %zu hard negatives of %zu kinds\n", r->incidents,
           r->incident_kinds, r->hard_negatives, r->hard_negative_kinds);
}

int tk_cli_gencity_option(const char *cmd, tk_gencity_options *g, const char *name, const char *val)
{
    static const char *const names[] = {"--staff", "--residents", "--volume", "--seed",
                                        "--variant"};
    static const size_t index[] = {2, 3, 6, 1, 8};
    opts op = {0};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return set_option(cmd, g, &op, index[i], name, val);
    return tk_cli_usage_error(cmd, "unknown option '%s'", name);
}

int tk_cli_gencity(int argc, char **argv)
{
    const char *cmd = argv[0];
    tk_gencity_options g = TK_GENCITY_OPTIONS_INIT;
    opts op = {0};
    int status = parse_args(argc, argv, &g, &op);
    if (status < 0)
        status = check_args(cmd, &g, &op);
    if (status >= 0)
        return status;
    g.force = op.force;
    g.progress = isatty(STDERR_FILENO) && !op.quiet;
    tk_gencity_result res;
    tk_error err;
    tk_error_clear(&err);
    const int rc = tk_gencity_run(&g, &res, &err);
    if (rc != TK_OK)
        tk_cli_report(cmd, &err);
    else if (!op.quiet)
        tk_cli_gencity_summary(&g, &res);
    return rc == TK_OK ? TK_EXIT_OK : TK_EXIT_FAIL;
}
