/* api/cli_periods.c -- `tenken periods`: a tenant's periods and where each
 * stands.
 *
 * A thin client of models/periods (tk_periods_list), the function
 * GET /api/v1/periods answers from; --format json prints the same
 * document as the service (api/jsonout.h, tk_jsonout_period). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api/cli.h"
#include "api/jsonout.h"
#include "models/analysis.h"
#include "models/periods.h"
#include "src/period.h"
#include "src/timefmt.h"

static const char periods_help[] =
    "usage: tenken periods --tenant T [--format table|json] [--data DIR]\n"
    "\n"
    "Lists the periods tenant T knows from its analysis runs and its deliveries,\n"
    "oldest first: status (open, analysed, delivered), frozen (a delivered period\n"
    "overlaps it), the number of runs, the newest run (id, time, who started it),\n"
    "its cases in all and by triage status (new, investigating, confirmed, false\n"
    "positive), and when and by whom the report was delivered.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --format table|json   a table, or the JSON the service answers (default:\n"
    "                        table)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

/* "YYYY-MM-DD HH:MM" in JST, or "-" for 0. */
static void when(int64_t ms, char *buf, size_t cap)
{
    char iso[TK_TIME_ISO_SIZE];
    if (ms == 0 || tk_time_format_iso(ms, iso, sizeof iso) == 0) {
        snprintf(buf, cap, "-");
        return;
    }
    snprintf(buf, cap, "%.10s %.5s", iso, iso + 11);
}

static void print_row(const tk_periods_entry *e)
{
    char pb[32], run[24] = "-", at[32], dat[32], cases[64] = "-";
    tk_period_format(&e->period, pb, sizeof pb);
    when(e->latest_run_at, at, sizeof at);
    when(e->delivered_at, dat, sizeof dat);
    if (e->latest_run > 0) {
        snprintf(run, sizeof run, "%lld", (long long)e->latest_run);
        snprintf(cases, sizeof cases, "%zu (%zu/%zu/%zu/%zu)", e->cases, e->by_status[0],
                 e->by_status[1], e->by_status[2], e->by_status[3]);
    }
    printf("%-22s  %-9s  %-6s  %4zu  %6s  %-16s  %-16.16s  %-24s  %-16s  %-.16s\n", pb,
           tk_periods_status_name(e->status), e->frozen ? "yes" : "no", e->runs, run, at,
           e->latest_run_by ? e->latest_run_by : "-", cases, dat,
           e->delivered_by ? e->delivered_by : "-");
}

int tk_cli_periods(int argc, char **argv)
{
    static const struct option longopts[] = {{"tenant", required_argument, NULL, 't'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"data", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *data = NULL;
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
                return tk_cli_usage_error("periods", "--format is table or json");
            json = strcmp(optarg, "json") == 0;
            break;
        case 'd':
            data = optarg;
            break;
        case 'h':
            fputs(periods_help, stdout);
            return TK_EXIT_OK;
        default:
            return tk_cli_usage_error("periods", "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (tenant == NULL)
        return tk_cli_usage_error("periods", "--tenant is required");
    if (optind != argc)
        return tk_cli_usage_error("periods", "unexpected argument '%s'", argv[optind]);
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    tk_periods_entry *v = NULL;
    size_t n = 0;
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(data), tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK)
        rc = tk_periods_list(tk_tenant_db(t), &v, &n, &err);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("periods", &err);
        return TK_EXIT_FAIL;
    }
    if (json) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, tk_jsonout_period(&v[i]));
        tk_cli_print_json(json_pack("{s:o}", "items", items), TK_CLI_JSON);
    } else if (n == 0) {
        printf("no periods: tenant %s has no analysis run and no delivery\n", tenant);
    } else {
        printf("%-22s  %-9s  %-6s  %4s  %6s  %-16s  %-16s  %-24s  %-16s  %s\n", "period", "status",
               "frozen", "runs", "run", "run at", "run by", "cases (new/inv/conf/fp)",
               "delivered at", "delivered by");
        for (size_t i = 0; i < n; i++)
            print_row(&v[i]);
    }
    tk_periods_free(v, n);
    return TK_EXIT_OK;
}
