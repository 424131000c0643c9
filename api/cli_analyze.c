/* api/cli_analyze.c -- `tenken analyze`, `tenken anomalies`, `tenken explain`.
 *
 * analyze runs models/analysis on a period and stores the ranked list;
 * anomalies prints that list (CSV with the contract's columns, or JSON);
 * explain prints one item's explanation as JSON. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/cli.h"
#include "models/analysis.h"
#include "models/rulecat.h"
#include "src/period.h"
#include "src/tenant.h"

static const char analyze_help[] =
    "usage: tenken analyze --tenant T --period FROM..TO [--baseline FROM..TO]\n"
    "                      [--rules CONFIG.json] [--seed N] [--quiet] [--data DIR]\n"
    "\n"
    "Analyses an inspection period of tenant T: computes the features of the\n"
    "period and of its baseline window, fits per-user baselines, scores every\n"
    "user-day, runs the rule catalogue, and stores one ranked list of findings\n"
    "and anomalies (see 'tenken anomalies'). A period whose report has been\n"
    "delivered is frozen and is refused.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the inspection period, YYYY-MM-DD..YYYY-MM-DD\n"
    "                        (required)\n"
    "  --baseline FROM..TO   the baseline window, ending before the period\n"
    "                        (default: the 183 days before the period)\n"
    "  --rules CONFIG.json   the rule configuration for this run only (default: the\n"
    "                        tenant's configuration in force, see 'tenken rules\n"
    "                        list'; the catalogue's defaults until one is set)\n"
    "  --seed N              the isolation forest's random seed (default: 20241001)\n"
    "  --quiet               no progress line (default: a progress line on stderr\n"
    "                        when it is a terminal)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

struct bar {
    int active;
};

static void draw(void *ctx, const char *name, double done)
{
    struct bar *b = ctx;
    fprintf(stderr, "\r\033[Kanalysing: %-32s %3.0f%%", name, done * 100);
    fflush(stderr);
    b->active = 1;
}

static int parse_period_arg(const char *cmd, const char *arg, tk_period *out)
{
    tk_error err = {0, ""};
    if (tk_period_parse(arg, strlen(arg), out, &err) != TK_OK)
        return tk_cli_usage_error(cmd, "%s", err.msg);
    return TK_EXIT_OK;
}

int tk_cli_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {{"tenant", required_argument, NULL, 't'},
                                             {"period", required_argument, NULL, 'p'},
                                             {"baseline", required_argument, NULL, 'b'},
                                             {"rules", required_argument, NULL, 'r'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"data", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *period = NULL, *baseline = NULL, *rules = NULL, *data = NULL;
    tk_analysis_options opt = TK_ANALYSIS_OPTIONS_INIT;
    int quiet = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'p':
            period = optarg;
            break;
        case 'b':
            baseline = optarg;
            break;
        case 'r':
            rules = optarg;
            break;
        case 's': {
            char *end = NULL;
            opt.seed = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || optarg[0] == '-')
                return tk_cli_usage_error("analyze", "--seed needs a number, not '%s'", optarg);
            break;
        }
        case 'q':
            quiet = 1;
            break;
        case 'd':
            data = optarg;
            break;
        case 'h':
            fputs(analyze_help, stdout);
            return TK_EXIT_OK;
        default:
            return tk_cli_usage_error("analyze", "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (tenant == NULL || period == NULL)
        return tk_cli_usage_error("analyze", "--tenant and --period are required");
    if (optind != argc)
        return tk_cli_usage_error("analyze", "unexpected argument '%s'", argv[optind]);
    tk_period pr;
    int st = parse_period_arg("analyze", period, &pr);
    if (st == TK_EXIT_OK && baseline)
        st = parse_period_arg("analyze", baseline, &opt.baseline);
    if (st != TK_EXIT_OK)
        return st;
    if (baseline && opt.baseline.last_day >= pr.first_day)
        return tk_cli_usage_error("analyze", "the baseline must end before the period starts");

    tk_error err = {0, ""};
    tk_rulecat_config *cfg = NULL;
    tk_tenant *t = NULL;
    int rc = TK_OK;
    if (rules)
        rc = tk_rulecat_config_load(&cfg, rules, &err);
    if (rc == TK_OK)
        rc = tk_tenant_open(&t, tk_cli_data_dir(data), tenant, 0, &err);
    if (rc == TK_OK && rules == NULL) /* the tenant's configuration in force */
        rc = tk_rulecat_in_force(tk_tenant_db(t), &cfg, NULL, &err);
    struct bar bar = {0};
    if (!quiet && isatty(STDERR_FILENO)) {
        opt.progress = draw;
        opt.progress_ctx = &bar;
    }
    opt.rules = cfg;
    tk_analysis_summary sum;
    if (rc == TK_OK)
        rc = tk_analysis_run(t, &pr, &opt, &sum, &err);
    if (bar.active)
        fprintf(stderr, "\r\033[K");
    tk_tenant_close(t);
    tk_rulecat_config_destroy(cfg);
    if (rc != TK_OK) {
        tk_cli_report("analyze", &err);
        return TK_EXIT_FAIL;
    }
    char pbuf[32];
    tk_period_format(&pr, pbuf, sizeof pbuf);
    printf("analysed %s: %lld events read, %zu user-days scored; %zu rule findings, %zu user-day, "
           "%zu terminal-day and %zu period model anomalies listed as run #%lld in %.1f s\n",
           pbuf, (long long)sum.events, sum.user_days, sum.findings, sum.model_items,
           sum.terminal_items, sum.period_items, (long long)sum.run_id, sum.seconds);
    tk_cli_print_notes(sum.notes);
    tk_analysis_summary_dispose(&sum);
    printf("stages: master data %.1f s, features %.1f s, models %.1f s, rules %.1f s (alongside "
           "features and models; %.1f s waited), ranking %.1f s\n",
           sum.t_master, sum.t_features, sum.t_models, sum.t_rules, sum.t_wait, sum.t_ranking);
    printf("next: tenken anomalies --tenant %s --period %s --limit 20\n", tenant, pbuf);
    return TK_EXIT_OK;
}

/* ---- tenken deliver --------------------------------------------------------- */

static const char deliver_help[] =
    "usage: tenken deliver --tenant T --period FROM..TO [--by NAME] [--data DIR]\n"
    "\n"
    "Records that the report of the period was delivered to the city. The period\n"
    "(and every period overlapping it) is frozen from then on: it is not analysed\n"
    "again. This cannot be undone.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the delivered period, YYYY-MM-DD..YYYY-MM-DD (required)\n"
    "  --by NAME             who delivered it (default: not recorded)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

int tk_cli_deliver(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"tenant", required_argument, NULL, 't'}, {"period", required_argument, NULL, 'p'},
        {"by", required_argument, NULL, 'b'},     {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *period = NULL, *by = NULL, *data = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'p':
            period = optarg;
            break;
        case 'b':
            by = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'h':
            fputs(deliver_help, stdout);
            return TK_EXIT_OK;
        default:
            return tk_cli_usage_error("deliver", "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (tenant == NULL || period == NULL)
        return tk_cli_usage_error("deliver", "--tenant and --period are required");
    if (optind != argc)
        return tk_cli_usage_error("deliver", "unexpected argument '%s'", argv[optind]);
    tk_period pr;
    const int st = parse_period_arg("deliver", period, &pr);
    if (st != TK_EXIT_OK)
        return st;
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int rc = tk_tenant_open(&t, tk_cli_data_dir(data), tenant, 0, &err);
    if (rc == TK_OK) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        rc = tk_period_deliver(tk_tenant_db(t), &pr,
                               (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, by, &err);
    }
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("deliver", &err);
        return TK_EXIT_FAIL;
    }
    char buf[32];
    tk_period_format(&pr, buf, sizeof buf);
    printf("period %s delivered; it is frozen from now on\n", buf);
    return TK_EXIT_OK;
}

/* ---- tenken anomalies ----------------------------------------------------- */

static const char anomalies_help[] =
    "usage: tenken anomalies --tenant T --period FROM..TO [--limit N]\n"
    "                        [--format csv|json] [--entity user|terminal]\n"
    "                        [--min-score S] [--data DIR]\n"
    "\n"
    "Prints the ranked list of the newest analysis of the period. CSV columns:\n"
    "rank,entity_type,entity_id,day,score,source,rule_id,summary (entity_type user\n"
    "or terminal; day empty for a period item; score 0-100; source rule|model;\n"
    "rule_id empty for model items; summary one line in Japanese). A finding about\n"
    "a resident (R06) is listed once per member of staff it names; gaps in a\n"
    "system's log (R29) are the run's notes, printed by tenken analyze.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the analysed period, YYYY-MM-DD..YYYY-MM-DD (required)\n"
    "  --limit N             at most N items, the best ranked (default: every item)\n"
    "  --format csv|json     CSV as above, or one JSON document (default: csv)\n"
    "  --entity user|terminal\n"
    "                        only the items about users, or about terminals\n"
    "                        (default: both)\n"
    "  --min-score S         only items scoring at least S, 0 to 100 (default: "
    "0)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static void csv_field(const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static int open_run(const char *cmd, const char *data, const char *tenant, const char *period,
                    tk_tenant **t, int64_t *run, tk_error *err)
{
    tk_period pr;
    int rc = TK_OK;
    if (period) {
        rc = tk_period_parse(period, strlen(period), &pr, err);
        if (rc != TK_OK)
            return tk_cli_usage_error(cmd, "%s", err->msg);
    }
    /* Read-write: a tenant never analysed gets the (empty) tables, so the
     * answer is "no analysis yet" rather than a missing-table error. */
    rc = tk_tenant_open(t, tk_cli_data_dir(data), tenant, 0, err);
    if (rc == TK_OK)
        rc = tk_analysis_migrate(tk_tenant_db(*t), err);
    if (rc == TK_OK)
        rc = tk_analysis_find_run(tk_tenant_db(*t), period ? &pr : NULL, run, err);
    if (rc != TK_OK) {
        tk_cli_report(cmd, err);
        return TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}

int tk_cli_anomalies(int argc, char **argv)
{
    static const struct option longopts[] = {{"tenant", required_argument, NULL, 't'},
                                             {"period", required_argument, NULL, 'p'},
                                             {"limit", required_argument, NULL, 'l'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"entity", required_argument, NULL, 'e'},
                                             {"min-score", required_argument, NULL, 'm'},
                                             {"data", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *period = NULL, *entity = NULL, *data = NULL;
    long long limit = -1;
    double min_score = 0;
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'p':
            period = optarg;
            break;
        case 'l':
            limit = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || limit < 0)
                return tk_cli_usage_error("anomalies", "--limit needs a number, not '%s'", optarg);
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = 1;
            else if (strcmp(optarg, "csv") != 0)
                return tk_cli_usage_error("anomalies", "--format is csv or json");
            break;
        case 'e':
            if (strcmp(optarg, "user") && strcmp(optarg, "terminal"))
                return tk_cli_usage_error("anomalies", "--entity is user or terminal");
            entity = optarg;
            break;
        case 'm':
            min_score = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || min_score < 0 || min_score > 100)
                return tk_cli_usage_error("anomalies", "--min-score is a number from 0 to 100");
            break;
        case 'd':
            data = optarg;
            break;
        case 'h':
            fputs(anomalies_help, stdout);
            return TK_EXIT_OK;
        default:
            return tk_cli_usage_error("anomalies", "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (tenant == NULL || period == NULL)
        return tk_cli_usage_error("anomalies", "--tenant and --period are required");
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int64_t run = 0;
    int st = open_run("anomalies", data, tenant, period, &t, &run, &err);
    if (st != TK_EXIT_OK) {
        tk_tenant_close(t);
        return st;
    }
    sqlite3_stmt *q = NULL;
    int rc = tk_db_prepare(tk_tenant_db(t), &q,
                           "SELECT rank, entity_type, entity_id, day, score, source, rule_id,"
                           " summary, severity FROM anomalies WHERE run_id = ?1 AND score >= ?2"
                           " AND (?3 IS NULL OR entity_type = ?3) ORDER BY rank"
                           " LIMIT ?4",
                           &err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_double(q, 2, min_score);
        if (entity)
            sqlite3_bind_text(q, 3, entity, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, limit);
    }
    json_t *arr = json ? json_array() : NULL;
    if (rc == TK_OK && !json)
        printf("rank,entity_type,entity_id,day,score,source,rule_id,summary\n");
    while (rc == TK_OK && (rc = tk_db_step(tk_tenant_db(t), q, &err)) == 1) {
        rc = TK_OK;
        char day[16] = "";
        if (sqlite3_column_type(q, 3) != SQLITE_NULL)
            tk_period_format_day(sqlite3_column_int64(q, 3), day, sizeof day);
        const char *rule = (const char *)sqlite3_column_text(q, 6);
        if (json) {
            json_t *o = json_object();
            json_object_set_new(o, "rank", json_integer(sqlite3_column_int64(q, 0)));
            json_object_set_new(o, "entity_type",
                                json_string((const char *)sqlite3_column_text(q, 1)));
            json_object_set_new(o, "entity_id",
                                json_string((const char *)sqlite3_column_text(q, 2)));
            json_object_set_new(o, "day", day[0] ? json_string(day) : json_null());
            json_object_set_new(o, "score", json_real(sqlite3_column_double(q, 4)));
            json_object_set_new(o, "source", json_string((const char *)sqlite3_column_text(q, 5)));
            json_object_set_new(o, "rule_id", rule ? json_string(rule) : json_null());
            const char *sev = (const char *)sqlite3_column_text(q, 8);
            json_object_set_new(o, "severity", sev ? json_string(sev) : json_null());
            json_object_set_new(o, "summary", json_string((const char *)sqlite3_column_text(q, 7)));
            json_object_set_new(o, "item", json_integer(sqlite3_column_int64(q, 0)));
            json_array_append_new(arr, o);
            continue;
        }
        printf("%lld,", (long long)sqlite3_column_int64(q, 0));
        csv_field((const char *)sqlite3_column_text(q, 1));
        putchar(',');
        csv_field((const char *)sqlite3_column_text(q, 2));
        printf(",%s,%.1f,", day, sqlite3_column_double(q, 4));
        csv_field((const char *)sqlite3_column_text(q, 5));
        putchar(',');
        csv_field(rule);
        putchar(',');
        csv_field((const char *)sqlite3_column_text(q, 7));
        putchar('\n');
    }
    sqlite3_finalize(q);
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "run", json_integer(run));
        json_object_set_new(o, "period", json_string(period));
        json_object_set_new(o, "items", arr);
        tk_cli_print_json(o, JSON_INDENT(2));
    }
    tk_tenant_close(t);
    if (rc < 0) {
        tk_cli_report("anomalies", &err);
        return TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}

/* ---- tenken explain --------------------------------------------------------- */

static const char explain_help[] =
    "usage: tenken explain --tenant T [--period FROM..TO] ITEM [--data DIR]\n"
    "\n"
    "Prints the explanation of one item of the ranked list as JSON: the rule or\n"
    "the features behind it, today's values against the user's baseline and the\n"
    "所属, the probabilities, and the event ids behind it. ITEM is the item's rank\n"
    "(1, 2, ...) in the newest analysis of the period.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the analysed period, YYYY-MM-DD..YYYY-MM-DD (default:\n"
    "                        the newest analysis of any period)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

int tk_cli_explain(int argc, char **argv)
{
    static const struct option longopts[] = {{"tenant", required_argument, NULL, 't'},
                                             {"period", required_argument, NULL, 'p'},
                                             {"data", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *period = NULL, *data = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'p':
            period = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'h':
            fputs(explain_help, stdout);
            return TK_EXIT_OK;
        default:
            return tk_cli_usage_error("explain", "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (tenant == NULL)
        return tk_cli_usage_error("explain", "--tenant is required");
    if (argc - optind != 1)
        return tk_cli_usage_error("explain", "expected one ITEM (a rank)");
    char *end = NULL;
    const long long rank = strtoll(argv[optind], &end, 10);
    if (*argv[optind] == '\0' || *end != '\0' || rank < 1)
        return tk_cli_usage_error("explain", "ITEM is a rank (1, 2, ...), not '%s'", argv[optind]);
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int64_t run = 0;
    int st = open_run("explain", data, tenant, period, &t, &run, &err);
    if (st != TK_EXIT_OK) {
        tk_tenant_close(t);
        return st;
    }
    sqlite3_stmt *q = NULL;
    int rc = tk_db_prepare(tk_tenant_db(t), &q,
                           "SELECT a.entity_type, a.entity_id, a.day, a.score, a.source,"
                           " a.rule_id, a.severity, a.summary, a.explanation, r.first_day,"
                           " r.last_day FROM anomalies a JOIN analysis_runs r ON r.id = a.run_id"
                           " WHERE a.run_id = ?1 AND a.rank = ?2",
                           &err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_int64(q, 2, rank);
        rc = tk_db_step(tk_tenant_db(t), q, &err);
    }
    if (rc == 0)
        rc = tk_error_set(&err, TK_ENOTFOUND, "run #%lld has no item %lld", (long long)run, rank);
    if (rc == 1) {
        json_error_t je;
        json_t *o = json_object();
        json_object_set_new(o, "run", json_integer(run));
        tk_period pr = {sqlite3_column_int64(q, 9), sqlite3_column_int64(q, 10)};
        char pbuf[32], day[16];
        tk_period_format(&pr, pbuf, sizeof pbuf);
        json_object_set_new(o, "period", json_string(pbuf));
        json_object_set_new(o, "rank", json_integer(rank));
        json_object_set_new(o, "entity_type", json_string((const char *)sqlite3_column_text(q, 0)));
        json_object_set_new(o, "entity_id", json_string((const char *)sqlite3_column_text(q, 1)));
        if (sqlite3_column_type(q, 2) == SQLITE_NULL) { /* a period-level item */
            json_object_set_new(o, "day", json_null());
        } else {
            tk_period_format_day(sqlite3_column_int64(q, 2), day, sizeof day);
            json_object_set_new(o, "day", json_string(day));
        }
        json_object_set_new(o, "score", json_real(sqlite3_column_double(q, 3)));
        json_object_set_new(o, "source", json_string((const char *)sqlite3_column_text(q, 4)));
        const char *rule = (const char *)sqlite3_column_text(q, 5);
        json_object_set_new(o, "rule_id", rule ? json_string(rule) : json_null());
        const char *sev = (const char *)sqlite3_column_text(q, 6);
        json_object_set_new(o, "severity", sev ? json_string(sev) : json_null());
        json_object_set_new(o, "summary", json_string((const char *)sqlite3_column_text(q, 7)));
        json_t *ex = json_loads((const char *)sqlite3_column_text(q, 8), 0, &je);
        json_object_set_new(o, "explanation", ex ? ex : json_null());
        tk_cli_print_json(o, JSON_INDENT(2));
        rc = TK_OK;
    }
    sqlite3_finalize(q);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("explain", &err);
        return TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}
