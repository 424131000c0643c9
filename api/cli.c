/* api/cli.c -- subcommand dispatch and shared command-line helpers.
 *
 * The table below is the list of subcommands; each lives in its own file
 * (api/cli_<name>.c or the module it fronts). */
#include "api/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"init", tk_cli_init, "create a tenant (database and pseudonymisation key)"},
    {"master", tk_cli_master, "import and list master data (staff, terminals, ...)"},
    {"profile", tk_cli_profile, "test a source profile against a file without storing"},
    {"ingest", tk_cli_ingest, "stream CSV log files into a tenant's store"},
    {"uploads", tk_cli_uploads, "list what was uploaded and how it went"},
    {"gen-city", tk_cli_gencity, "write a synthetic city: logs, profiles, master data, truth"},
    {"demo", tk_cli_demo, "generate, import and ingest a synthetic city in one go"},
    {"analyze", tk_cli_analyze, "analyse a period: features, baselines, scores, rule checks"},
    {"anomalies", tk_cli_anomalies, "the ranked findings and anomalies of an analysed period"},
    {"explain", tk_cli_explain, "the explanation of one ranked item, as JSON"},
    {"deliver", tk_cli_deliver, "record a period's report as delivered (freezes the period)"},
    {"rules", tk_cli_rules, "a tenant's rule configuration: list, show, set, reset, history"},
    {"score-table", tk_cli_score_table, "score every row of a numeric CSV table for anomalies"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: tenken [--version] COMMAND [OPTIONS]\n\n"
                 "tenken inspects the access logs of municipal systems.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'tenken COMMAND --help' for a command's options.\n"
                 "The data directory is --data DIR, or $TENKEN_DATA, or ./tenken-data.\n");
}

int tk_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return TK_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return TK_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("tenken 0.1.0\n");
        return TK_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "tenken: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return TK_EXIT_USAGE;
}

const char *tk_cli_data_dir(const char *opt)
{
    if (opt != NULL && *opt)
        return opt;
    const char *env = getenv("TENKEN_DATA");
    if (env != NULL && *env)
        return env;
    return "./tenken-data";
}

void tk_cli_report(const char *cmd, const tk_error *err)
{
    fprintf(stderr, "tenken %s: %s\n", cmd, err && err->msg[0] ? err->msg : "failed");
}

int tk_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tenken %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\ntry 'tenken %s --help'\n", cmd);
    return TK_EXIT_USAGE;
}

void tk_cli_print_notes(const char *notes)
{
    json_error_t je;
    json_t *a = notes ? json_loads(notes, 0, &je) : NULL;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *line = json_string_value(json_array_get(a, i));
        if (line)
            printf("note: %s\n", line);
    }
    json_decref(a);
}

void tk_cli_print_json(json_t *o, size_t flags)
{
    char *s = json_dumps(o, flags);
    if (s != NULL)
        printf("%s\n", s);
    free(s);
    json_decref(o);
}
