/* api/cli.c -- subcommand dispatch and shared command-line helpers.
 *
 * The table below is the list of subcommands; each lives in its own file
 * (api/cli_<name>.c or the module it fronts). Before the command come the
 * global options: --help, --version and --data DIR, which is handed to the
 * command as its own --data so that both mean the same by construction.
 * `tenken help CMD` runs `tenken CMD --help`. */
#include "api/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/alloc.h"
#include "models/rulecat.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    int actions;         /* argv[1] is an action: `master import`, `rules set` */
    const char *no_data; /* why a global --data does not apply; NULL if it does */
};

static const struct command commands[] = {
    {"init", tk_cli_init, "create a tenant (database and pseudonymisation key)", 0, NULL},
    {"master", tk_cli_master, "import and list master data (staff, terminals, ...)", 1, NULL},
    {"profile", tk_cli_profile, "test a source profile against a file without storing", 1, NULL},
    {"ingest", tk_cli_ingest, "stream CSV log files into a tenant's store", 0, NULL},
    {"uploads", tk_cli_uploads, "list what was uploaded and how it went", 0, NULL},
    {"settings", tk_cli_settings, "a tenant's settings: event dates, business hours, baseline", 0,
     NULL},
    {"gen-city", tk_cli_gencity, "write a synthetic city: logs, profiles, master data, truth", 0,
     "gen-city writes only to --out DIR"},
    {"demo", tk_cli_demo, "a synthetic city generated, ingested, analysed and explained", 0,
     "demo keeps its data directory in --dir DIR"},
    {"analyze", tk_cli_analyze, "analyse a period: features, baselines, scores, rule checks", 0,
     NULL},
    {"anomalies", tk_cli_anomalies, "the ranked findings and anomalies of an analysed period", 0,
     NULL},
    {"explain", tk_cli_explain, "the explanation of one ranked item, as JSON or text", 0, NULL},
    {"events", tk_cli_events, "the log rows behind one ranked item", 0, NULL},
    {"triage", tk_cli_triage, "record an inspector's decision on a ranked item", 0, NULL},
    {"entity", tk_cli_entity, "a user's or terminal's profile for a period: days against bands", 0,
     NULL},
    {"trends", tk_cli_trends, "cases, findings and scores by month, system, 所属, rule, ...", 0,
     NULL},
    {"deliver", tk_cli_deliver, "record a period's report as delivered (freezes the period)", 0,
     NULL},
    {"periods", tk_cli_periods, "a tenant's periods: runs, cases by triage status, delivery", 0,
     NULL},
    {"plan", tk_cli_plan, "the contract's schedule: periods, upload deadlines, report due days", 0,
     NULL},
    {"completeness", tk_cli_completeness, "did a period's logs arrive: rows per system and day", 0,
     NULL},
    {"report", tk_cli_report_cmd, "the bimonthly report of an analysed period, as a file", 0, NULL},
    {"rules", tk_cli_rules, "a tenant's rule configuration: list, show, set, reset, history", 1,
     NULL},
    {"suppress", tk_cli_suppress, "suppressions of false positives: add, list, rm", 1, NULL},
    {"user", tk_cli_user, "accounts of the service: add, passwd, disable, enable, list", 1, NULL},
    {"token", tk_cli_token, "API tokens of the service: create, revoke, list", 1, NULL},
    {"audit", tk_cli_audit, "the audit log: who did what, when, from where", 0, NULL},
    {"serve", tk_cli_serve, "the HTTPS JSON API: sessions, tokens, the ranked lists", 0, NULL},
    {"score-table", tk_cli_score_table, "score every row of a numeric CSV table for anomalies", 0,
     "score-table reads and writes only the files it is given"},
    {"confirmations", tk_cli_confirmations,
     "the city's answers to 要確認事項: export, import, list, answer", 1, NULL},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: tenken [--data DIR] COMMAND [OPTIONS]\n"
                 "       tenken help [COMMAND [ACTION]]\n"
                 "       tenken --version\n"
                 "\n"
                 "tenken inspects the access logs of municipal systems.\n"
                 "\n"
                 "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "options:\n"
                 "  --data DIR            the data directory of the command (default:\n"
                 "                        $TENKEN_DATA, else ./tenken-data); the same as the\n"
                 "                        command's own --data, which wins if both are given\n"
                 "  --version             the version\n" TK_CLI_HELP_HELP "\n"
                 "Run 'tenken help COMMAND' (the same as 'tenken COMMAND --help') for a\n"
                 "command's options.\n" TK_CLI_HELP_EXIT);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *prefix, const char *name)
{
    fprintf(stderr, "%s: unknown command '%s'\n\n", prefix, name);
    usage(stderr);
    return TK_EXIT_USAGE;
}

/* `tenken help [COMMAND [ACTION]]`: argv[0] is "help". The command's own
 * --help answers, so the two cannot differ. */
static int help(int argc, char **argv)
{
    if (argc == 1 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return TK_EXIT_OK;
    }
    const struct command *c = find_command(argv[1]);
    if (c == NULL)
        return unknown_command("tenken help", argv[1]);
    if (argc > (c->actions ? 3 : 2)) {
        fprintf(stderr,
                "tenken help: expected COMMAND%s, got '%s' after it\n"
                "try 'tenken --help'\n",
                c->actions ? " [ACTION]" : "", argv[c->actions ? 3 : 2]);
        return TK_EXIT_USAGE;
    }
    char opt[] = "--help";
    char *v[4] = {argv[1], opt, NULL, NULL};
    if (argc == 3) {
        v[1] = argv[2];
        v[2] = opt;
    }
    return c->run(argc, v);
}

/* Runs c with a global `--data DIR` put where a user would have typed the
 * command's own: right after the command's name, or after its action (a
 * command with actions reads the action from argv[1]). Given both, the
 * command's own --data comes later and wins, as a repeated option does. */
static int run_with_data(const struct command *c, int argc, char **argv, char *data)
{
    if (c->no_data != NULL)
        return tk_cli_usage_error(c->name, "--data does not apply: %s", c->no_data);
    if (c->actions && argc < 2) /* no action: the command's own usage error */
        return c->run(argc, argv);
    const size_t at = c->actions ? 2 : 1;
    char opt[] = "--data";
    char **v = tk_calloc((size_t)argc + 3, sizeof *v);
    if (v == NULL) {
        fprintf(stderr, "tenken: out of memory\n");
        return TK_EXIT_FAIL;
    }
    for (size_t i = 0, o = 0; i < (size_t)argc; i++) {
        if (i == at)
            o += 2;
        v[o++] = argv[i];
    }
    v[at] = opt;
    v[at + 1] = data;
    const int status = c->run(argc + 2, v);
    tk_free(v);
    return status;
}

static int main_usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "tenken: %s%s%s%s\ntry 'tenken --help'\n", msg, arg ? " '" : "", arg ? arg : "",
            arg ? "'" : "");
    return TK_EXIT_USAGE;
}

int tk_cli_main(int argc, char **argv)
{
    char *data = NULL;
    int i = 1;
    /* Options before the command: --help, --version, --data DIR. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return TK_EXIT_OK;
        }
        if (strcmp(a, "--version") == 0) {
            printf("tenken 0.1.0\n");
            return TK_EXIT_OK;
        }
        if (strcmp(a, "--data") == 0) {
            if (i + 1 == argc)
                return main_usage_error("--data needs a directory", NULL);
            data = argv[++i];
        } else if (strncmp(a, "--data=", 7) == 0) {
            data = argv[i] + 7;
        } else {
            return main_usage_error("unknown option", a);
        }
    }
    if (i == argc) {
        usage(stderr);
        return TK_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0)
        return help(argc - i, argv + i);
    const struct command *c = find_command(argv[i]);
    if (c == NULL)
        return unknown_command("tenken", argv[i]);
    if (data != NULL)
        return run_with_data(c, argc - i, argv + i, data);
    return c->run(argc - i, argv + i);
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

/* ---- waiting for a tenant's writer --------------------------------------- */

/* Seconds between two lines about a wait when stderr is not a terminal. */
#define WAIT_LINE_SECONDS 10

struct wait_ctx {
    const char *cmd;
    int tty;
    int drawn;         /* a terminal line is on screen */
    int lines;         /* lines written (not a terminal) */
    double last_line;  /* waited seconds at the last line or redraw */
    double waited;     /* the latest waited seconds */
    char holder[1024]; /* the holder of the last line */
};

static void on_wait(void *ctx, const tk_tenant_writer *holder, double waited)
{
    struct wait_ctx *w = ctx;
    char h[sizeof w->holder];
    tk_tenant_writer_format(holder, h, sizeof h);
    w->waited = waited;
    if (w->tty) {
        if (w->drawn && waited - w->last_line < 1.0)
            return;
        fprintf(stderr, "\r\033[Ktenken %s: waiting for the tenant's writer to finish: %s (%.0f s)",
                w->cmd, h, waited);
        fflush(stderr);
        w->drawn = 1;
        w->last_line = waited;
        return;
    }
    if (w->lines == 0 || strcmp(h, w->holder) != 0) {
        fprintf(stderr, "tenken %s: waiting for the tenant's writer to finish: %s\n", w->cmd, h);
    } else if (waited - w->last_line >= WAIT_LINE_SECONDS) {
        fprintf(stderr, "tenken %s: still waiting after %.0f s for the tenant's writer: %s\n",
                w->cmd, waited, h);
    } else {
        return;
    }
    fflush(stderr);
    snprintf(w->holder, sizeof w->holder, "%s", h);
    w->lines++;
    w->last_line = waited;
}

int tk_cli_lock_writer(const char *cmd, tk_tenant *t, const char *what, int nowait)
{
    struct wait_ctx w;
    tk_error err = {0, ""};
    memset(&w, 0, sizeof w);
    w.cmd = cmd;
    w.tty = isatty(STDERR_FILENO);
    const int rc = tk_tenant_lock_writer(t, what, nowait ? TK_TENANT_NOWAIT : TK_TENANT_WAIT,
                                         on_wait, &w, &err);
    if (w.drawn)
        fprintf(stderr, "\r\033[K");
    else if (w.lines > 0 && rc == TK_OK)
        fprintf(stderr, "tenken %s: the tenant's writer finished after %.0f s; going on\n", cmd,
                w.waited);
    if (rc == TK_OK)
        return TK_EXIT_OK;
    tk_cli_report(cmd, &err);
    return rc == TK_EBUSY ? TK_EXIT_BUSY : TK_EXIT_FAIL;
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
