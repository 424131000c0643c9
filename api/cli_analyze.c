/* api/cli_analyze.c -- `tenken analyze`, `tenken anomalies`, `tenken explain`.
 *
 * analyze runs models/analysis on a period and stores the ranked list;
 * anomalies prints that list (CSV with the contract's columns, or JSON);
 * explain prints one item's explanation as JSON. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/cli.h"
#include "models/analysis.h"
#include "models/rulecat.h"
#include "src/period.h"
#include "src/store.h"
#include "src/tenant.h"

static const char analyze_help[] =
    "usage: tenken analyze --tenant T --period FROM..TO [--baseline FROM..TO]\n"
    "                      [--rules CONFIG.json] [--seed N] [--threads N] [--quiet]\n"
    "                      [--no-wait] [--data DIR]\n"
    "\n"
    "Analyses an inspection period of tenant T: computes the features of the\n"
    "period and of its baseline window, fits per-user baselines, scores every\n"
    "user-day, terminal-day and period, runs the rule catalogue, and stores one\n"
    "ranked list of findings and anomalies (see 'tenken anomalies'). Prints the\n"
    "run's notes in full (gaps in a system's log, rules not evaluated, a baseline\n"
    "without events) and warns when the period has no events, saying where the\n"
    "stored events lie. A period whose report has been delivered is frozen and is\n"
    "refused. One command writes to a tenant at a time: while another one does,\n"
    "analyze waits for it before it starts, saying so on stderr.\n"
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
    "  --threads N           feature workers; 0 = one per CPU this process may use\n"
    "                        (default: 0); the result does not depend on it\n"
    "  --quiet               no progress line (default: a progress line on stderr\n"
    "                        when it is a terminal)\n" TK_CLI_HELP_NO_WAIT TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP "\n"
    "exit status: 0 success, 1 failure (message on stderr), 75 another command is\n"
    "writing to the tenant (--no-wait), 2 usage error\n";

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

/* Warns (stderr) that the analysed period has no events and says where
 * the tenant's events lie: days and months (runs of months as FROM..TO). */
static void warn_empty(tk_db *db, const char *period)
{
    tk_store_span sp;
    tk_error err = {0, ""};
    if (tk_store_event_span(db, &sp, &err) != TK_OK) {
        fprintf(stderr, "tenken analyze: warning: no events in %s\n", period);
        return;
    }
    if (sp.nmonths == 0) {
        fprintf(stderr,
                "tenken analyze: warning: no events in %s: the tenant has no events yet "
                "(tenken ingest stores them)\n",
                period);
        return;
    }
    char from[16], to[16], months[256] = "";
    size_t used = 0;
    tk_period_format_day(sp.first_day, from, sizeof from);
    tk_period_format_day(sp.last_day, to, sizeof to);
    for (size_t i = 0; i < sp.nmonths && used + 40 < sizeof months;) {
        size_t j = i;
        while (j + 1 < sp.nmonths && sp.months[j + 1] == sp.months[j] + 1)
            j++;
        const int64_t a = sp.months[i], b = sp.months[j];
        int w;
        if (a == b)
            w = snprintf(months + used, sizeof months - used, "%s%04d-%02d", i ? ", " : "",
                         (int)(a / 12), (int)(a % 12 + 1));
        else
            w = snprintf(months + used, sizeof months - used, "%s%04d-%02d..%04d-%02d",
                         i ? ", " : "", (int)(a / 12), (int)(a % 12 + 1), (int)(b / 12),
                         (int)(b % 12 + 1));
        used += w > 0 ? (size_t)w : 0;
        i = j + 1;
        if (i < sp.nmonths && used + 40 >= sizeof months)
            snprintf(months + used, sizeof months - used, ", ...");
    }
    fprintf(stderr,
            "tenken analyze: warning: no events in %s: the tenant's events lie in %s..%s "
            "(months %s)\n",
            period, from, to, months);
    tk_store_span_dispose(&sp);
}

/* A 0-100 score as listed: one decimal, never -0.0 (as in the CSV). */
static double score1(double x)
{
    return round(x * 10) / 10 + 0.0;
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
                                             {"threads", required_argument, NULL, 'j'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"data", required_argument, NULL, 'd'},
                                             {"no-wait", no_argument, NULL, 'W'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *period = NULL, *baseline = NULL, *rules = NULL, *data = NULL;
    tk_analysis_options opt = TK_ANALYSIS_OPTIONS_INIT;
    int quiet = 0, nowait = 0, c;
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
        case 'j': {
            char *end = NULL;
            const long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 0 || n > 1024)
                return tk_cli_usage_error("analyze",
                                          "--threads needs a number from 0 to 1024, "
                                          "not '%s'",
                                          optarg);
            opt.threads = (int)n;
            break;
        }
        case 'q':
            quiet = 1;
            break;
        case 'W':
            nowait = 1;
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
    if (rc == TK_OK) {
        /* The writer lock before anything is computed: a second writer
         * waits here (or is refused), never after the analysis. */
        char what[64], pb[32];
        tk_period_format(&pr, pb, sizeof pb);
        snprintf(what, sizeof what, "analyze of %s", pb);
        st = tk_cli_lock_writer("analyze", t, what, nowait);
        if (st != TK_EXIT_OK) {
            tk_tenant_close(t);
            tk_rulecat_config_destroy(cfg);
            return st;
        }
    }
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
    char pbuf[32];
    tk_period_format(&pr, pbuf, sizeof pbuf);
    if (rc == TK_OK && sum.period_events == 0)
        warn_empty(tk_tenant_db(t), pbuf);
    tk_tenant_close(t);
    tk_rulecat_config_destroy(cfg);
    if (rc != TK_OK) {
        tk_cli_report("analyze", &err);
        return TK_EXIT_FAIL;
    }
    printf("analysed %s: %lld events read, %zu user-days scored; %zu rule findings, %zu user-day, "
           "%zu terminal-day and %zu period model anomalies listed as run #%lld in %.1f s\n",
           pbuf, (long long)sum.events, sum.user_days, sum.findings, sum.model_items,
           sum.terminal_items, sum.period_items, (long long)sum.run_id, sum.seconds);
    tk_cli_print_notes(sum.notes, "", NULL);
    tk_analysis_summary_dispose(&sum);
    printf("stages: master data %.1f s, features %.1f s, models %.1f s, rules %.1f s (alongside "
           "features and models; %.1f s waited), ranking %.1f s\n",
           sum.t_master, sum.t_features, sum.t_models, sum.t_rules, sum.t_wait, sum.t_ranking);
    printf("next: tenken anomalies%s%s --tenant %s --period %s --limit 20\n",
           data ? " --data " : "", data ? data : "", tenant, pbuf);
    return TK_EXIT_OK;
}

/* ---- tenken deliver --------------------------------------------------------- */

static const char deliver_help[] =
    "usage: tenken deliver --tenant T --period FROM..TO [--by NAME] [--no-wait]\n"
    "                      [--data DIR]\n"
    "\n"
    "Records that the report of the period was delivered to the city. The period\n"
    "(and every period overlapping it) is frozen from then on: it is not analysed\n"
    "again. This cannot be undone. While another command writes to the tenant,\n"
    "deliver waits for it.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the delivered period, YYYY-MM-DD..YYYY-MM-DD (required)\n"
    "  --by NAME             who delivered it (default: not recorded)\n" TK_CLI_HELP_NO_WAIT
        TK_CLI_HELP_DATA TK_CLI_HELP_HELP "\n"
    "exit status: 0 success, 1 failure (message on stderr), 75 another command is\n"
    "writing to the tenant (--no-wait), 2 usage error\n";

int tk_cli_deliver(int argc, char **argv)
{
    static const struct option longopts[] = {{"tenant", required_argument, NULL, 't'},
                                             {"period", required_argument, NULL, 'p'},
                                             {"by", required_argument, NULL, 'b'},
                                             {"data", required_argument, NULL, 'd'},
                                             {"no-wait", no_argument, NULL, 'W'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *period = NULL, *by = NULL, *data = NULL;
    int nowait = 0, c;
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
        case 'W':
            nowait = 1;
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
        char what[64], pb[32];
        tk_period_format(&pr, pb, sizeof pb);
        snprintf(what, sizeof what, "deliver of %s", pb);
        const int ls = tk_cli_lock_writer("deliver", t, what, nowait);
        if (ls != TK_EXIT_OK) {
            tk_tenant_close(t);
            return ls;
        }
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
            json_object_set_new(o, "score", json_real(score1(sqlite3_column_double(q, 4))));
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
        tk_cli_csv_field((const char *)sqlite3_column_text(q, 1));
        putchar(',');
        tk_cli_csv_field((const char *)sqlite3_column_text(q, 2));
        printf(",%s,%.1f,", day, score1(sqlite3_column_double(q, 4)));
        tk_cli_csv_field((const char *)sqlite3_column_text(q, 5));
        putchar(',');
        tk_cli_csv_field(rule);
        putchar(',');
        tk_cli_csv_field((const char *)sqlite3_column_text(q, 7));
        putchar('\n');
    }
    sqlite3_finalize(q);
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "run", json_integer(run));
        json_object_set_new(o, "period", json_string(period));
        json_object_set_new(o, "items", arr);
        /* the run's notes in full (analyze and demo may summarise them) */
        tk_analysis_run_info info;
        json_error_t je;
        json_t *notes = NULL;
        if (rc >= 0 && tk_analysis_run_load(tk_tenant_db(t), run, &info, &err) == TK_OK) {
            notes = info.notes ? json_loads(info.notes, 0, &je) : NULL;
            tk_analysis_run_info_dispose(&info);
        }
        json_object_set_new(o, "notes", notes ? notes : json_array());
        tk_cli_print_json(o, TK_CLI_JSON);
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
    "usage: tenken explain --tenant T [--period FROM..TO] [--format json|text]\n"
    "                      [--data DIR] ITEM\n"
    "\n"
    "Explains one item of the ranked list: why it is listed and what is behind it.\n"
    "ITEM is the item's rank (1, 2, ...) in the newest analysis of the period.\n"
    "JSON gives the rule or the features behind the item, the values against the\n"
    "user's baseline and the 所属, the probabilities, the ids of the evidence\n"
    "events (evidence_shown of evidence_total) and the scores with one decimal.\n"
    "Text says the same for people, with the first evidence rows; 'tenken events'\n"
    "lists them all.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the analysed period, YYYY-MM-DD..YYYY-MM-DD (default:\n"
    "                        the newest analysis of any period)\n"
    "  --format json|text    the output (default: json)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

/* Rounds what the explanation calls scores to one decimal, as listed. */
static void round_scores(json_t *ex)
{
    json_t *v = json_object_get(ex, "model_score");
    if (json_is_number(v))
        json_object_set_new(ex, "model_score", json_real(score1(json_number_value(v))));
}

int tk_cli_explain(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"tenant", required_argument, NULL, 't'}, {"period", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'f'}, {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *period = NULL, *data = NULL;
    int text = 0, c;
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
        case 'f':
            if (strcmp(optarg, "text") == 0)
                text = 1;
            else if (strcmp(optarg, "json") != 0)
                return tk_cli_usage_error("explain", "--format is json or text");
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
    tk_analysis_run_info info;
    tk_analysis_item it;
    memset(&it, 0, sizeof it);
    int rc = tk_analysis_run_load(tk_tenant_db(t), run, &info, &err);
    if (rc == TK_OK)
        rc = tk_analysis_item_load(tk_tenant_db(t), run, rank, &it, &err);
    char pbuf[32];
    tk_period_format(&info.period, pbuf, sizeof pbuf);
    if (rc == TK_OK && text) {
        rc = tk_cli_show_item(stdout, tk_tenant_db(t), &it, pbuf, 10, &err);
        if (rc == TK_OK)
            printf("\nevery evidence row: tenken events%s%s --tenant %s --period %s --item %lld\n",
                   data ? " --data " : "", data ? data : "", tenant, pbuf, rank);
    } else if (rc == TK_OK) {
        json_error_t je;
        json_t *o = json_object();
        json_object_set_new(o, "run", json_integer(run));
        json_object_set_new(o, "period", json_string(pbuf));
        json_object_set_new(o, "rank", json_integer(rank));
        json_object_set_new(o, "entity_type", json_string(it.entity_type));
        json_object_set_new(o, "entity_id", json_string(it.entity));
        if (it.day == TK_ANALYSIS_PERIOD_ITEM) {
            json_object_set_new(o, "day", json_null());
        } else {
            char day[16];
            tk_period_format_day(it.day, day, sizeof day);
            json_object_set_new(o, "day", json_string(day));
        }
        json_object_set_new(o, "score", json_real(it.score));
        json_object_set_new(o, "source", json_string(it.model ? "model" : "rule"));
        json_object_set_new(o, "rule_id", it.rule_id[0] ? json_string(it.rule_id) : json_null());
        json_object_set_new(o, "severity", it.severity[0] ? json_string(it.severity) : json_null());
        json_object_set_new(o, "summary", json_string(it.summary));
        json_t *ex = json_loads(it.explanation, 0, &je);
        round_scores(ex);
        json_object_set_new(o, "explanation", ex ? ex : json_null());
        tk_cli_print_json(o, TK_CLI_JSON);
    }
    tk_analysis_item_dispose(&it);
    tk_analysis_run_info_dispose(&info);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("explain", &err);
        return TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}

int tk_cli_open_run(const char *cmd, const char *data, const char *tenant, const char *period,
                    tk_tenant **t, int64_t *run, tk_error *err)
{
    return open_run(cmd, data, tenant, period, t, run, err);
}
