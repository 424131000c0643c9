/* api/cli.c -- subcommand dispatch and shared command-line helpers.
 *
 * The table below is the list of subcommands; each lives in its own file
 * (api/cli_<name>.c or the module it fronts). */
#include "api/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/rulecat.h"

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
    {"demo", tk_cli_demo, "a synthetic city generated, ingested, analysed and explained"},
    {"analyze", tk_cli_analyze, "analyse a period: features, baselines, scores, rule checks"},
    {"anomalies", tk_cli_anomalies, "the ranked findings and anomalies of an analysed period"},
    {"explain", tk_cli_explain, "the explanation of one ranked item, as JSON or text"},
    {"events", tk_cli_events, "the log rows behind one ranked item"},
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

/* A note about a whole system reads "R29（medium）2024-10-09 戸籍附票: ..."
 * (models/analysis.c, rule_items): the rule id before the bracket, the
 * system between the first space and ": ". Returns 0 for any other note. */
static int system_note(const char *line, char *rule, size_t rcap, const char **sys, size_t *slen)
{
    const char *br = strstr(line, "（");
    if (line[0] != 'R' || br == NULL || br == line + 1 || (size_t)(br - line) >= rcap)
        return 0;
    for (const char *p = line + 1; p < br; p++)
        if (*p < '0' || *p > '9')
            return 0;
    const char *sp = strchr(br, ' ');
    const char *colon = sp ? strstr(sp + 1, ": ") : NULL;
    if (colon == NULL)
        return 0;
    memcpy(rule, line, (size_t)(br - line));
    rule[br - line] = '\0';
    *sys = sp + 1;
    *slen = (size_t)(colon - (sp + 1));
    return 1;
}

/* Prints one summary line for the system notes of rule (there are two or
 * more): how many, in how many systems, each system with its count. */
static void summarise(json_t *a, const char *rule, const char *indent, const char *where)
{
    struct sysn {
        const char *p;
        size_t len, n;
    } sys[64];
    size_t nsys = 0, total = 0, more = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        char r[16];
        const char *sp;
        size_t sl;
        const char *line = json_string_value(json_array_get(a, i));
        if (line == NULL || !system_note(line, r, sizeof r, &sp, &sl) || strcmp(r, rule) != 0)
            continue;
        total++;
        size_t k = 0;
        while (k < nsys && !(sys[k].len == sl && memcmp(sys[k].p, sp, sl) == 0))
            k++;
        if (k == nsys && nsys < sizeof sys / sizeof sys[0])
            sys[nsys++] = (struct sysn){sp, sl, 0};
        if (k < nsys)
            sys[k].n++;
        else
            more++;
    }
    const size_t r = tk_rulecat_find(rule, strlen(rule));
    const char *what = r != (size_t)-1 ? tk_rulecat_rule_at(r)->name_en : "system finding";
    printf("%snote: %zu %s%s (%s) in %zu%s system%s: ", indent, total, what, total == 1 ? "" : "s",
           rule, nsys, more ? "+" : "", nsys == 1 ? "" : "s");
    for (size_t k = 0; k < nsys; k++)
        printf("%s%.*s %zu", k ? ", " : "", (int)sys[k].len, sys[k].p, sys[k].n);
    printf(" (every note: %s)\n", where);
}

/* Notes of `rule` about whole systems in a[0..end). */
static size_t count_rule(json_t *a, size_t end, const char *rule)
{
    size_t n = 0;
    for (size_t j = 0; j < end; j++) {
        char r[16];
        const char *sp;
        size_t sl;
        const char *line = json_string_value(json_array_get(a, j));
        n += line && system_note(line, r, sizeof r, &sp, &sl) && strcmp(r, rule) == 0;
    }
    return n;
}

void tk_cli_print_notes(const char *notes, const char *indent, const char *where)
{
    json_error_t je;
    json_t *a = notes ? json_loads(notes, 0, &je) : NULL;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *line = json_string_value(json_array_get(a, i));
        char rule[16];
        const char *sp;
        size_t sl;
        if (line == NULL)
            continue;
        if (where == NULL || !system_note(line, rule, sizeof rule, &sp, &sl) ||
            count_rule(a, json_array_size(a), rule) < 2)
            printf("%snote: %s\n", indent, line);
        else if (count_rule(a, i, rule) == 0) /* the rule's first note: its summary */
            summarise(a, rule, indent, where);
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
