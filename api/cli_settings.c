/* api/cli_settings.c -- `tenken settings`: a tenant's settings, shown and set.
 *
 * A thin front end over the settings of src/tenant. Without an option it
 * shows every setting with its value and whether it is the default; with
 * one it sets it first. Today there is one setting, the range of event
 * dates that ingestion accepts. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api/cli.h"
#include "src/tenant.h"

static const char settings_help[] =
    "usage: tenken settings --tenant T [--event-dates FROM..TO|default] [--data DIR]\n"
    "\n"
    "Shows tenant T's settings, each with its value and whether it is the\n"
    "default; with an option, sets that setting first.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --event-dates FROM..TO\n"
    "                        the dates an event must fall in to be stored\n"
    "                        (YYYY-MM-DD..YYYY-MM-DD, JST, both included, from\n"
    "                        1900-01-01 on): a row dated outside is a row error\n"
    "                        of its file; 'default' restores the default,\n"
    "                        " TK_TENANT_EVENT_DATES_DEFAULT ". Applies to files ingested\n"
    "                        from then on\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

int tk_cli_settings(int argc, char **argv)
{
    static const struct option longopts[] = {{"tenant", required_argument, NULL, 't'},
                                             {"event-dates", required_argument, NULL, 'e'},
                                             {"data", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *data = NULL, *dates = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'e':
            dates = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'h':
            fputs(settings_help, stdout);
            return TK_EXIT_OK;
        default:
            return tk_cli_usage_error("settings", "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (tenant == NULL)
        return tk_cli_usage_error("settings", "--tenant is required");
    if (optind != argc)
        return tk_cli_usage_error("settings", "unexpected argument '%s'", argv[optind]);
    tk_error err = {0, ""};
    tk_period range;
    if (dates != NULL && tk_tenant_parse_event_dates(dates, strlen(dates), &range, &err) != TK_OK)
        return tk_cli_usage_error("settings", "--event-dates: %s", err.msg);
    tk_tenant *t = NULL;
    int rc = tk_tenant_open(&t, tk_cli_data_dir(data), tenant, 0, &err);
    if (rc == TK_OK && dates != NULL)
        rc = tk_tenant_set_event_dates(t, strcmp(dates, "default") == 0 ? NULL : &range, &err);
    int is_default = 1;
    if (rc == TK_OK)
        rc = tk_tenant_event_dates(t, &range, &is_default, &err);
    if (rc != TK_OK) {
        tk_cli_report("settings", &err);
        tk_tenant_close(t);
        return TK_EXIT_FAIL;
    }
    char v[48];
    tk_period_format(&range, v, sizeof v);
    printf("event-dates  %s%s\n", v, is_default ? "  (default)" : "");
    tk_tenant_close(t);
    return TK_EXIT_OK;
}
